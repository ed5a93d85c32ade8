# Fills every required key of `citynode new dataset`'s template (t1310-help).
s/^id:$/id: baustellen/
s/^version:$/version: "1.0.0"/
s/^title:$/title: Baustellen/
s/^description:$/description: Construction sites on the city's roads, one row a site./
s/^  name:$/  name: Stadt Test/
s/^theme:$/theme: [TRAN]/
s|^license:$|license: "http://dcat-ap.de/def/licenses/dl-by-de/2.0"|
s/^    format:$/    format: CSV/
s/^    file:$/    file: data.csv/

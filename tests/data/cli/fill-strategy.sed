# Fills every required key of `citynode new strategy`'s template (t1310-help).
s/^id:$/id: smart-city/
s/^version:$/version: "1.0.0"/
s/^title:$/title: Smart City Strategie/
s/^programme:$/programme: Modellprojekte Smart Cities/
s/^role:$/role: model-project/

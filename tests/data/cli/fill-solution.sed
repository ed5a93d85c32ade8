# Fills every required key of `citynode new solution`'s template (t1310-help).
s/^name:$/name: Maengelmelder/
s|^url:$|url: "https://git.example.org/city/maengelmelder.git"|
s/^platforms:$/platforms: [web]/
s/^developmentStatus:$/developmentStatus: stable/
s|^softwareType:$|softwareType: standalone/web|
s/^    shortDescription:$/    shortDescription: Report defects in public space/
s/^    longDescription:$/    longDescription: People report potholes, broken street lights and litter with a photo and a place on the map; the city routes each report to the office in charge and answers publicly when it is fixed./
s/^    features:$/    features: ["Report a defect with a photo"]/
s/^  license:$/  license: EUPL-1.2/
s/^  type:$/  type: internal/
s/^    - name:$/    - name: IT department/
s/^  localisationReady:$/  localisationReady: true/
s/^  availableLanguages:$/  availableLanguages: [de, en]/

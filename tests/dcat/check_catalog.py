#!/usr/bin/python3
"""check_catalog.py - compare what a harvester read from a catalog with the manifests.

Usage: check_catalog.py HARVESTED.json NODE_ID BASE_URL MANIFEST.json...

HARVESTED.json is read_catalog.py's output for the node's /dcat/catalog.jsonld;
each MANIFEST.json is a published manifest (the bytes of a manifest target) of a
dataset the catalog must describe, and there must be no other dataset. Checks
the mapping docs/DCAT.md states: title, description, version, keywords, themes,
publisher, contact point, licence, spatial, languages, dates, landing page, and
per distribution name, URL, format, media type, size and licence, plus the
signed bundle as a distribution. Prints each difference and exits 1 if any.
"""
import json
import sys

EU = "http://publications.europa.eu/resource/authority/"
GEO = "http://dcat-ap.de/def/politicalGeocoding/"
IANA = "https://www.iana.org/assignments/media-types/"
LANGUAGES = {"de": "DEU", "en": "ENG", "cs": "CES", "nl": "NLD", "no": "NOR", "nb": "NOB",
             "es": "SPA", "ca": "CAT", "fr": "FRA"}
FILE_TYPES = {"CSV": "CSV", "JSON": "JSON", "GEOJSON": "GEOJSON", "XML": "XML", "PDF": "PDF",
              "XLSX": "XLSX", "ZIP": "ZIP"}
AGS_KEYS = {2: "stateKey", 5: "districtKey", 8: "municipalityKey", 12: "regionalKey"}
# Licence URLs the catalog writes as DCAT-AP.de's IRIs; others as given.
DCATDE_LICENCES = {
    "https://creativecommons.org/licenses/by/4.0/": "http://dcat-ap.de/def/licenses/cc-by/4.0",
    "https://creativecommons.org/publicdomain/zero/1.0/": "http://dcat-ap.de/def/licenses/cc-zero",
}


def licence(uri):
    return DCATDE_LICENCES.get(uri, uri)


def main():
    if len(sys.argv) < 5:
        sys.stderr.write(__doc__)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        harvested = json.load(f)
    node, base = sys.argv[2], sys.argv[3]
    manifests = []
    for path in sys.argv[4:]:
        with open(path, encoding="utf-8") as f:
            manifests.append(json.load(f))
    diffs = []

    def expect(what, got, want):
        if got != want:
            diffs.append("%s: got %r, want %r" % (what, got, want))

    by_id = {d["extras"].get("identifier"): d for d in harvested["datasets"]}
    expect("datasets", sorted(by_id), sorted("%s/%s" % (node, m["id"]) for m in manifests))
    expect("catalog uri", harvested["catalog"].get("uri"), base + "/dcat/catalog.jsonld")
    expect("catalog homepage", harvested["catalog"].get("homepage"), base + "/")

    for m in manifests:
        item = m["id"]
        d = by_id.get("%s/%s" % (node, item))
        if d is None:
            continue
        ex = d["extras"]
        at = lambda key: "%s: %s" % (item, key)
        expect(at("uri"), ex.get("uri"), "%s/api/v1/items/%s/%s" % (base, node, item))
        expect(at("title"), d["title"], m["title"])
        expect(at("notes"), d["notes"], m["description"])
        expect(at("version"), d["version"], m["version"])
        expect(at("tags"), d["tags"], sorted(m.get("keywords", [])))
        expect(at("theme"), ex.get("theme"), sorted(EU + "data-theme/" + t for t in m["theme"]))
        expect(at("publisher_name"), ex.get("publisher_name"), m["publisher"]["name"])
        expect(at("publisher_url"), ex.get("publisher_url"), m["publisher"].get("url"))
        expect(at("publisher_email"), ex.get("publisher_email"), m["publisher"].get("email"))
        contact = m.get("contactPoint", {})
        expect(at("contact_name"), ex.get("contact_name"), contact.get("name"))
        expect(at("contact_email"), ex.get("contact_email"), contact.get("email"))
        expect(at("url"), d["url"], m.get("landingPage", "%s/?item=%s/%s" % (base, node, item)))
        expect(at("access_rights"), ex.get("access_rights"), EU + "access-right/PUBLIC")
        if "spatial" in m:
            s = m["spatial"]
            want = GEO + AGS_KEYS[len(s)] + "/" + s if s.isdigit() else s
            expect(at("spatial_uri"), ex.get("spatial_uri"), want)
        if "language" in m:
            expect(at("language"), ex.get("language"),
                   sorted(EU + "language/" + LANGUAGES[t.split("-")[0]] for t in m["language"]
                          if t.split("-")[0] in LANGUAGES) or None)
        for key in ("issued", "modified"):
            if key in m:
                expect(at(key), ex.get(key), m[key])
            elif not ex.get(key, "").startswith("20"):
                diffs.append("%s: no publication time, got %r" % (at(key), ex.get(key)))
        if "accrualPeriodicity" in m:
            want = {"never": "NEVER", "continuous": "CONT", "daily": "DAILY",
                    "annual": "ANNUAL", "irregular": "IRREG"}[m["accrualPeriodicity"]]
            expect(at("frequency"), ex.get("frequency"), EU + "frequency/" + want)

        bundle = "%s/download/%s/%s/%s/full.bundle" % (base, node, item, m["version"])
        resources = {r["uri"].rsplit("#", 1)[-1]: r for r in d["resources"]}
        expect(at("resources"), sorted(resources),
               sorted(["bundle"] + ["distribution-%d" % (i + 1)
                                    for i in range(len(m["distributions"]))]))
        licences = set()
        for i, dist in enumerate(m["distributions"]):
            r = resources.get("distribution-%d" % (i + 1), {})
            what = lambda key: "%s: distribution %d: %s" % (item, i + 1, key)
            expect(what("name"), r.get("name"), dist.get("title"))
            expect(what("url"), r.get("url"), dist.get("url", bundle))
            expect(what("download_url"), r.get("download_url"), dist.get("url"))
            # A format without a file type IRI is left out; ckanext-dcat then
            # shows the media type.
            fmt = dist["format"].upper()
            media = IANA + dist["mediaType"] if "mediaType" in dist else None
            expect(what("format"), r.get("format"),
                   EU + "file-type/" + FILE_TYPES[fmt] if fmt in FILE_TYPES else media)
            expect(what("mimetype"), r.get("mimetype"),
                   IANA + dist["mediaType"] if "mediaType" in dist else None)
            expect(what("size"), r.get("size"), dist.get("byteSize"))
            want = licence(dist.get("license", m["license"]))
            expect(what("license"), r.get("license"), want)
            licences.add(want)
        r = resources.get("bundle", {})
        expect(at("bundle url"), r.get("url"), bundle)
        expect(at("bundle license"), r.get("license"), licence(m["license"]))
        licences.add(licence(m["license"]))
        if d["license_id"] not in licences:
            diffs.append("%s: license_id %r is none of %r" % (item, d["license_id"], licences))

    for diff in diffs:
        print(diff)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())

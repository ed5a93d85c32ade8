#!/usr/bin/env python3
"""search_gen.py - generate a registry's worth of SAMPLE items for bench/search.sh.

    search_gen.py N SEED_DIR > items.jsonl

Writes JSON lines, deterministic for a given N and seed texts:

    {"node": {"id": ..., "name": ..., "country": ..., "programmes": [...]}}
    {"version": {"node": ..., "published": ..., "manifest": {...}}}
    {"attestation": {"by": ..., "id": ..., "doc": {...}}}

The words come from the seed documents in SEED_DIR (the Triangulum pages on
Leipzig and the brochure on the 2020 cohort of "Modellprojekte Smart
Cities"): titles are drawn from the capitalised words (mostly German nouns),
descriptions are runs of consecutive words from the seed text, so term
frequencies are those of real municipal prose. Manifests have the fields of
their kind's schema (docs/SCHEMAS.md): solutions are publiccode.yml-shaped,
datasets and strategies citynode.yml-shaped. Every item is marked as a
sample. About 5% of the items are replicated by one to three other nodes
(signed `replicates` attestations), and some solutions name another one in
isBasedOn, so that sorting by replications has something to sort.
"""

import glob
import hashlib
import json
import os
import random
import re
import sys

THEMES = ["AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI",
          "SOCI", "TECH", "TRAN"]
SCOPES = ["energy", "environment", "transportation", "government", "local-authorities",
          "society", "education", "healthcare", "welfare", "tourism", "science-and-technology"]
LICENSES = ["EUPL-1.2", "MIT", "Apache-2.0", "GPL-3.0-or-later", "AGPL-3.0-only"]
DATA_LICENSES = ["http://dcat-ap.de/def/licenses/dl-by-de/2.0",
                 "http://dcat-ap.de/def/licenses/dl-zero-de/2.0",
                 "http://dcat-ap.de/def/licenses/cc-by/4.0"]
STATUSES = ["concept", "development", "beta", "stable", "obsolete"]
PHASES = ["strategy", "implementation", "evaluation", "completed"]
FIELDS = ["Mobilität", "Energie und Klima", "Bürgerbeteiligung", "Daten und Plattformen",
          "Gesundheit", "Bildung", "Verwaltung", "Wirtschaft", "Quartiersentwicklung",
          "Sustainable mobility", "Smart living", "Governance"]
PROGRAMMES = ["Modellprojekte Smart Cities", "Triangulum", "SPARCs", "Connected Urban Twins"]
# The cities of the seed documents; further nodes are their districts.
CITIES = [("Eindhoven", "NL"), ("Manchester", "GB"), ("Stavanger", "NO"), ("Leipzig", "DE"),
          ("Prague", "CZ"), ("Sabadell", "ES"), ("Bad Belzig", "DE"), ("Bamberg", "DE"),
          ("Barleben", "DE"), ("Berlin", "DE"), ("Darmstadt", "DE"), ("Dortmund", "DE"),
          ("Eichenzell", "DE"), ("Bitburg-Prüm", "DE"), ("Freiburg", "DE"), ("Fuchstal", "DE"),
          ("Gelsenkirchen", "DE"), ("Gütersloh", "DE"), ("Hagenow", "DE"), ("Hamburg", "DE"),
          ("Heidenheim", "DE"), ("Iserlohn", "DE"), ("Jena", "DE"), ("Kassel", "DE"),
          ("Kiel", "DE"), ("Kirchheim bei München", "DE"), ("Köln", "DE"), ("Hof", "DE"),
          ("Mayen-Koblenz", "DE"), ("St. Wendel", "DE"), ("Lemgo", "DE"), ("Lohmar", "DE"),
          ("Lübeck", "DE"), ("Mannheim", "DE"), ("Mönchengladbach", "DE"), ("Osnabrück", "DE"),
          ("Paderborn", "DE"), ("Rostock", "DE")]


def seed_words(seed_dir):
    text = " ".join(open(f, encoding="utf-8").read()
                    for f in sorted(glob.glob(os.path.join(seed_dir, "*.txt"))))
    # Words split at line ends ("Digita-\nlisierung") are joined again.
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return re.findall(r"[^\W\d_][^\W_]*(?:-[^\W\d_]+)*", text)


def node_id(name):
    return hashlib.sha256(("sample node " + name).encode()).hexdigest()


def main():
    n = int(sys.argv[1])
    words = seed_words(sys.argv[2])
    rnd = random.Random(4)
    nouns = [w for w in words if w[0].isupper() and len(w) >= 4]
    out = sys.stdout

    def phrase(k):
        return " ".join(rnd.choice(nouns) for _ in range(k))

    def prose(lo, hi):
        k = rnd.randint(lo, hi)
        start = rnd.randrange(len(words) - k)
        return " ".join(words[start:start + k])

    # 400 nodes: the seed cities and their districts, ~250 items each.
    nodes = []
    for i in range(400):
        city, country = CITIES[i % len(CITIES)]
        name = city if i < len(CITIES) else "%s %s" % (city, rnd.choice(nouns))
        progs = sorted(set(rnd.sample(PROGRAMMES, rnd.randint(0, 2))))
        nodes.append({"id": node_id("%d %s" % (i, name)), "name": name, "country": country,
                      "programmes": progs})
        out.write(json.dumps({"node": nodes[-1]}, ensure_ascii=False) + "\n")

    solutions = []
    t0 = 1577836800  # 2020-01-01
    for i in range(n):
        node = nodes[i % len(nodes)]
        kind = rnd.choices(["solution", "dataset", "strategy"], [40, 35, 25])[0]
        item = "sample-%s-%d" % (kind, i)
        title = phrase(rnd.randint(2, 6))
        version = "%d.%d.%d" % (rnd.randint(1, 3), rnd.randint(0, 9), rnd.randint(0, 9))
        if kind == "solution":
            m = {"publiccodeYmlVersion": "0.2", "id": item, "version": version,
                 "name": title, "url": "https://example.org/samples/%s.git" % item,
                 "platforms": ["web"], "developmentStatus": rnd.choice(STATUSES),
                 "softwareType": "standalone/web",
                 "legal": {"license": rnd.choice(LICENSES)},
                 "intendedAudience": {"scope": rnd.sample(SCOPES, rnd.randint(1, 3))},
                 "description": {"de": {"shortDescription": "SAMPLE " + prose(8, 20),
                                        "longDescription": prose(40, 120),
                                        "features": [phrase(3), phrase(3)]}},
                 "maintenance": {"type": "community", "contacts": [{"name": node["name"]}]},
                 "localisation": {"localisationReady": True, "availableLanguages": ["de"]}}
            if solutions and rnd.random() < 0.1:
                up_node, up_item = rnd.choice(solutions)
                m["isBasedOn"] = "https://example.org/git/%s/%s.git" % (up_node, up_item)
            solutions.append((node["id"], item))
        elif kind == "dataset":
            m = {"kind": "dataset", "id": item, "version": version, "title": title,
                 "description": "SAMPLE " + prose(30, 90),
                 "publisher": {"name": node["name"]},
                 "theme": rnd.sample(THEMES, rnd.randint(1, 3)),
                 "license": rnd.choice(DATA_LICENSES),
                 "keywords": [rnd.choice(nouns) for _ in range(3)],
                 "distributions": [{"format": "CSV", "url": "https://example.org/%s.csv" % item}]}
        else:
            m = {"kind": "strategy", "id": item, "version": version, "title": title,
                 "motto": phrase(3), "summary": "SAMPLE " + prose(40, 120),
                 "programme": rnd.choice(PROGRAMMES), "role": "model-project",
                 "phase": rnd.choice(PHASES),
                 "fieldsOfAction": rnd.sample(FIELDS, rnd.randint(1, 4)),
                 "measures": [{"title": phrase(4), "status": "planned"}]}
        published = t0 + rnd.randrange(5 * 365 * 86400)
        out.write(json.dumps({"version": {"node": node["id"], "published": published,
                                          "manifest": m}}, ensure_ascii=False) + "\n")
        if rnd.random() < 0.05:
            for k in range(rnd.randint(1, 3)):
                by = rnd.choice(nodes)
                if by is node:
                    continue
                doc = {"type": "replicates", "by": by["id"],
                       "date": "2024-01-01T00:00:00Z",
                       "subject": {"node": node["id"], "item": item, "version": version},
                       "as": None}
                out.write(json.dumps({"attestation": {"by": by["id"], "id": "r-%d-%d" % (i, k),
                                                      "doc": doc}}) + "\n")


if __name__ == "__main__":
    main()

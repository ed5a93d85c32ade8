#!/usr/bin/python3
"""adms_rules.py - run SEMIC's ADMS-AP 2.0 validation rules on a catalog.

    /usr/bin/python3 tests/conformance/adms_rules.py RULES.rq CATALOG [FORMAT]

RULES.rq is the SPARQL query of SEMICeu/adms-ap_validator, as
../shared/conformance/adms-ap/ holds it (never copied here): one SELECT whose
UNION branches each report a rule's violations. It is run as Joinup runs it,
after the two textual fixes its README names: the generator's leading UNION
after the GRAPH clause is dropped (the graph token replaced by the catalog's
graph IRI), and the empty class of the checksum rule becomes
spdx:checksumValue. CATALOG is the catalog's bytes (FORMAT "json-ld", the
default, or "turtle"). Prints one line per finding, then
"adms-ap: N errors, M warnings"; exits 1 when there is an error.

Needs Debian's python3-rdflib (run with /usr/bin/python3).
"""
import sys

import rdflib

GRAPH = "urn:x-citynode:adms-ap"


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[2].strip())
    rules, catalog = sys.argv[1], sys.argv[2]
    fmt = sys.argv[3] if len(sys.argv) == 4 else "json-ld"
    query = open(rules, encoding="utf-8").read()
    head = "GRAPH <@@@TOKEN-GRAPH@@@> {"
    at = query.find(head)
    if at < 0:
        sys.exit("%s: no GRAPH <@@@TOKEN-GRAPH@@@> clause: not the rule set expected" % rules)
    rest = query[at + len(head):].lstrip()
    if rest.startswith("UNION"):
        rest = rest[len("UNION"):]
    query = query[:at] + "GRAPH <%s> {\n" % GRAPH + rest
    query = query.replace("FILTER(!EXISTS {?o a }).", "FILTER(!EXISTS {?o a spdx:checksumValue}).")

    ds = rdflib.Dataset()
    ds.graph(rdflib.URIRef(GRAPH)).parse(catalog, format=fmt)
    errors = warnings = 0
    for row in ds.query(query):
        cls, rule, severity, _ = (str(v) if v is not None else "" for v in row[:4])
        text = str(row[4]) if row[4] is not None else ""
        if severity == "error":
            errors += 1
        else:
            warnings += 1
        print("%s rule %s (%s): %s" % (severity, rule, cls, text))
    print("adms-ap: %d errors, %d warnings" % (errors, warnings))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""harvest_chain.py - harvest DCAT catalogs one after the other as CKAN's DCAT harvester does.

Usage: harvest_chain.py CATALOG_URL...

Each CATALOG_URL is the first page of a catalog (a node's /dcat/network.jsonld
or .ttl). Every page is fetched and parsed with rdflib as ckanext-dcat's
DCATRDFHarvester does (the format from the Content-Type; the next page from
hydra:PagedCollection's hydra:nextPage, RDFParser.next_page), and each
dcat:Dataset becomes a harvest object keyed by its guid (ckanext-dcat's
_get_guid: dct:identifier, else the dataset's IRI). A dataset that a later
catalog brings again under the same guid is the same record: it is merged,
not added; the harvest fails (exit 1) when two catalogs give one guid
different dataset IRIs or different origins, which would make a portal keep
two records of one dataset. A record's origin is the dct:source of its
dcat:CatalogRecord (the record of the publisher's catalog), or the record
itself when it has no source.

Prints, as JSON, {guid: {"uri", "title", "publisher", "origin", "catalogs":
[the catalogs that listed it]}}; a guid twice in one catalog (pages that
overlap) fails too. Needs Debian's python3-rdflib.
"""
import json
import sys
import urllib.request

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import FOAF, RDF

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
FORMATS = {"application/ld+json": "json-ld", "text/turtle": "turtle"}
MAX_PAGES = 50


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        ctype = r.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype not in FORMATS:
            raise SystemExit("%s: unexpected Content-Type %r" % (url, ctype))
        g = Graph()
        g.parse(data=r.read(), format=FORMATS[ctype], publicID=url)
        return g


def next_page(g):
    for page in g.subjects(RDF.type, HYDRA.PagedCollection):
        for o in g.objects(page, HYDRA.nextPage):
            return str(o)
    return None


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    harvested, problems = {}, []
    for first in sys.argv[1:]:
        url, pages = first, 0
        while url is not None:
            pages += 1
            if pages > MAX_PAGES:
                problems.append("%s: more than %d pages" % (first, MAX_PAGES))
                break
            g = fetch(url)
            origins = {}
            for rec in g.subjects(RDF.type, DCAT.CatalogRecord):
                topic = g.value(rec, FOAF.primaryTopic)
                if topic is not None and g.value(None, DCAT.record, rec) is not None:
                    origins[topic] = str(g.value(rec, DCT.source) or rec)
            for ds in g.subjects(RDF.type, DCAT.Dataset):
                guid = str(g.value(ds, DCT.identifier) or ds)
                publisher = g.value(ds, DCT.publisher)
                entry = {
                    "uri": str(ds) if isinstance(ds, URIRef) else None,
                    "title": str(g.value(ds, DCT.title)),
                    "publisher": str(g.value(publisher, FOAF.name)) if publisher else None,
                    "origin": origins.get(ds),
                }
                if entry["origin"] is None:
                    problems.append("%s: %s has no catalog record" % (url, guid))
                old = harvested.get(guid)
                if old is None:
                    harvested[guid] = dict(entry, catalogs=[first])
                    continue
                for key in ("uri", "publisher", "origin"):
                    if old[key] != entry[key]:
                        problems.append("%s: %s: %s %r, earlier %r" %
                                        (first, guid, key, entry[key], old[key]))
                if first in old["catalogs"]:
                    problems.append("%s: %s listed twice (pages overlap)" % (first, guid))
                else:
                    old["catalogs"].append(first)
            url = next_page(g)
    for p in problems:
        sys.stderr.write(p + "\n")
    json.dump(harvested, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""read_catalog.py - read a DCAT-AP catalog the way CKAN's DCAT harvester does.

Usage: read_catalog.py CATALOG.jsonld [BASE_URL]

Parses the JSON-LD with rdflib (as ckanext-dcat's RDFParser does: g.parse(data,
format='json-ld')), checks the graph is one a harvester can use (every IRI
absolute, exactly one dcat:Catalog, every dataset and distribution typed, every
distribution with a dcat:accessURL, and every IRI under BASE_URL when given), then
prints, as JSON, the CKAN dataset dicts that ckanext-dcat's DCAT-AP profile
(euro_dcat_ap_base.py, _parse_dataset_base) would build: title, notes, url,
version, tags, extras (identifier, issued, modified, frequency, theme, language,
publisher_*, contact_*, spatial_uri, access_rights, uri) and resources (name,
description, url, access_url, download_url, format and mimetype per
_distribution_format, license, size). Exits 1 with the problems on stderr when
the graph is not usable.

Needs Debian's python3-rdflib (run with /usr/bin/python3).
"""
import json
import sys
from urllib.parse import urlsplit

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import FOAF, OWL, RDF, RDFS

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")


def absolute(iri):
    parts = urlsplit(str(iri))
    if parts.scheme in ("http", "https"):
        return parts.netloc != "" and " " not in str(iri)
    return parts.scheme == "mailto" and "@" in parts.path


def value(g, s, p):
    """ckanext-dcat's _object_value: the first object as a string."""
    for o in g.objects(s, p):
        return str(o)
    return None


def values(g, s, p):
    return sorted(str(o) for o in g.objects(s, p))


def agent(g, s, p, prefix, extras):
    """_agents_details / _contact_details for the first agent."""
    for a in g.objects(s, p):
        fields = {"uri": str(a) if isinstance(a, URIRef) else None}
        if prefix == "contact":
            fields["name"] = value(g, a, VCARD.fn)
            email = value(g, a, VCARD.hasEmail)
            fields["email"] = email[7:] if email and email.startswith("mailto:") else email
            fields["url"] = value(g, a, VCARD.hasURL)
        else:
            fields["name"] = value(g, a, FOAF.name)
            email = value(g, a, FOAF.mbox)
            fields["email"] = email[7:] if email and email.startswith("mailto:") else email
            fields["url"] = value(g, a, FOAF.homepage)
        for key, v in fields.items():
            if v:
                extras[prefix + "_" + key] = v
        return


def distribution_format(g, dist):
    """_distribution_format without CKAN's format registry."""
    imt = value(g, dist, DCAT.mediaType)
    label = None
    fmt = g.value(dist, DCT["format"])
    if isinstance(fmt, Literal):
        if not imt and "/" in fmt:
            imt = str(fmt)
        else:
            label = str(fmt)
    elif isinstance(fmt, (BNode, URIRef)):
        if g.value(fmt, RDF.type) == DCT.IMT:
            label = value(g, fmt, RDFS.label)
        elif isinstance(fmt, URIRef):
            if "iana.org/assignments/media-types" in str(fmt) and not imt:
                imt = str(fmt)
            else:
                label = str(fmt)
    return imt, label


def main():
    if len(sys.argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    base = sys.argv[2] if len(sys.argv) == 3 else None
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    g = Graph()
    g.parse(data=data, format="json-ld")
    problems = []

    for triple in g:
        for term in triple:
            if isinstance(term, URIRef) and not absolute(term):
                problems.append("not an absolute IRI: %r" % str(term))
    catalogs = list(g.subjects(RDF.type, DCAT.Catalog))
    if len(catalogs) != 1:
        problems.append("expected one dcat:Catalog, found %d" % len(catalogs))
    datasets = list(g.objects(catalogs[0], DCAT.dataset)) if catalogs else []
    if sorted(datasets) != sorted(g.subjects(RDF.type, DCAT.Dataset)):
        problems.append("the catalog's dcat:dataset are not the dcat:Dataset subjects")

    result = {"catalog": {}, "datasets": []}
    if catalogs:
        c = catalogs[0]
        result["catalog"] = {
            "uri": str(c),
            "title": value(g, c, DCT.title),
            "description": value(g, c, DCT.description),
            "publisher_name": value(g, g.value(c, DCT.publisher), FOAF.name)
            if g.value(c, DCT.publisher) is not None else None,
            "homepage": value(g, c, FOAF.homepage),
        }
        if base and not str(c).startswith(base + "/"):
            problems.append("catalog IRI %s is not under %s" % (c, base))

    for ds in sorted(datasets):
        if not isinstance(ds, URIRef):
            problems.append("a dataset without an IRI")
        d = {
            "title": value(g, ds, DCT.title),
            "notes": value(g, ds, DCT.description),
            "url": value(g, ds, DCAT.landingPage),
            "version": value(g, ds, OWL.versionInfo) or value(g, ds, ADMS.version),
            "tags": sorted(str(k) for k in g.objects(ds, DCAT.keyword)),
            "resources": [],
        }
        extras = {}
        for key, p in (("issued", DCT.issued), ("modified", DCT.modified),
                       ("identifier", DCT.identifier), ("frequency", DCT.accrualPeriodicity)):
            v = value(g, ds, p)
            if v:
                extras[key] = v
        for key, p in (("language", DCT.language), ("theme", DCAT.theme)):
            v = values(g, ds, p)
            if v:
                extras[key] = v
        agent(g, ds, DCT.publisher, "publisher", extras)
        agent(g, ds, DCAT.contactPoint, "contact", extras)
        for sp in g.objects(ds, DCT.spatial):
            if isinstance(sp, URIRef):
                extras["spatial_uri"] = str(sp)
        rights = value(g, ds, DCT.accessRights)
        if rights:
            extras["access_rights"] = rights
        extras["uri"] = str(ds) if isinstance(ds, URIRef) else ""
        d["extras"] = extras

        license_id = ""
        dists = list(g.objects(ds, DCAT.distribution))
        for dist in sorted(dists):
            if (dist, RDF.type, DCAT.Distribution) not in g:
                problems.append("distribution %s of %s is not a dcat:Distribution" % (dist, ds))
            r = {}
            for key, p in (("access_url", DCAT.accessURL), ("download_url", DCAT.downloadURL),
                           ("license", DCT.license), ("name", DCT.title),
                           ("description", DCT.description)):
                v = value(g, dist, p)
                if v:
                    r[key] = v
            if "access_url" not in r:
                problems.append("distribution %s of %s has no dcat:accessURL" % (dist, ds))
            r["url"] = r.get("download_url") or r.get("access_url")
            imt, label = distribution_format(g, dist)
            if imt:
                r["mimetype"] = imt
            if label or imt:
                r["format"] = label or imt
            size = value(g, dist, DCAT.byteSize)
            if size is not None:
                r["size"] = int(size)
            r["uri"] = str(dist) if isinstance(dist, URIRef) else ""
            if not license_id and r.get("license"):
                license_id = r["license"]
            if base and not r["url"].startswith(("http://", "https://")):
                problems.append("resource url %s is not http(s)" % r["url"])
            d["resources"].append(r)
        d["license_id"] = license_id
        if base and not str(ds).startswith(base + "/"):
            problems.append("dataset IRI %s is not under %s" % (ds, base))
        result["datasets"].append(d)

    json.dump(result, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    for p in problems:
        sys.stderr.write("catalog: %s\n" % p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

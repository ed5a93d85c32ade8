#!/bin/bash
# A city node's solutions as an ADMS-AP 2.0 catalog (docs/ADMS.md), as the
# Interoperable Europe Portal (Joinup) federates them: a real node (sample:
# Leipzig) publishes the example solutions, one in a second version whose
# first it withdraws, and serves /adms/catalog.jsonld and .ttl. Read with
# rdflib: each solution an asset with a release per version, each release
# its three distributions under the licence document of the EU vocabulary,
# its status, its SWHIDs as git names the objects; both formats hold the
# same graph. SEMIC's rule set runs on it in `make conformance` (adms.sh).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3 # Debian's python3 with python3-rdflib
H="$TRASH/leipzig"
P=$(test_free_port)
BASE="http://127.0.0.1:$P"
CUT=connected-urban-twins
ZF=zukunftsforum-zukunftslabor
test_at_exit test_stop_servers

cn() { "$CITYNODE" --home "$H" "$@"; }

publish_dir() { # DIR [OPTIONS]
    dir=$1 && shift &&
    (cd "$dir" && { [ -d .git ] || git init -q; } && git add . && git commit -qm "sample") &&
    cn publish "$dir" "$@" >/dev/null
}

test_expect_success 'setup: Leipzig publishes the example solutions, CUT twice, 1.0.0 withdrawn' '
    cn init --name "Stadt Leipzig (sample)" --country DE --url "$BASE" >/dev/null &&
    cp -r "$CN_SOURCE_DIR/examples/solutions/$CUT" cut &&
    cp -r "$CN_SOURCE_DIR/examples/solutions/$ZF" zf &&
    publish_dir cut && publish_dir zf &&
    sed -i "s/^softwareVersion: .*/softwareVersion: \"1.1.0\"/" cut/publiccode.yml &&
    publish_dir cut --version 1.1.0 &&
    cn withdraw "$CUT@1.0.0" --reason "superseded by 1.1.0" >/dev/null &&
    test_serve "$H" "$P" leipzig &&
    curl -fsS -o catalog.jsonld "$BASE/adms/catalog.jsonld" &&
    curl -fsS -o catalog.ttl "$BASE/adms/catalog.ttl"
'

test_expect_success 'assets, releases, distributions, licences, status and SWHIDs' '
    rel=$(git -C "$H/repos/"*"/$CUT.git" rev-parse v1.1.0) &&
    rev=$(git -C "$H/repos/"*"/$CUT.git" rev-parse "v1.1.0^{commit}") &&
    dir=$(git -C "$H/repos/"*"/$CUT.git" rev-parse "v1.1.0^{tree}") &&
    $PY - catalog.jsonld catalog.ttl "$rel" "$rev" "$dir" <<-EOF
	import sys
	from rdflib import Graph, Namespace, URIRef
	from rdflib.compare import isomorphic
	from rdflib.namespace import DCTERMS as DCT, OWL, RDF, SKOS
	DCAT = Namespace("http://www.w3.org/ns/dcat#")
	ADMS = Namespace("http://www.w3.org/ns/adms#")
	EU = "http://publications.europa.eu/resource/authority/"
	jsonld, ttl, rel, rev, tree = sys.argv[1:]
	g = Graph().parse(jsonld, format="json-ld")
	assert isomorphic(g, Graph().parse(ttl, format="turtle")), "JSON-LD and Turtle differ"
	catalog = next(g.subjects(RDF.type, DCAT.Catalog))
	assets = set(g.objects(catalog, DCAT.dataset))
	assert len(assets) == 2, assets
	cut = next(a for a in assets if str(a).endswith("/connected-urban-twins"))
	assert str(g.value(cut, OWL.versionInfo)) == "1.1.0"
	releases = set(g.objects(cut, DCT.hasVersion))
	assert len(releases) == 2, releases
	status = {str(g.value(r, OWL.versionInfo)): str(g.value(r, ADMS.status)) for r in releases}
	assert status == {"1.0.0": "http://purl.org/adms/status/Withdrawn",
	                  "1.1.0": "http://purl.org/adms/status/UnderDevelopment"}, status
	for r in releases:
	    assert g.value(r, DCT.isVersionOf) == cut
	    dists = list(g.objects(r, DCAT.distribution))
	    assert len(dists) == 3, dists
	    for d in dists:
	        lic = g.value(d, DCT.license)
	        assert lic == URIRef(EU + "licence/EUPL_1_2"), lic
	        assert (lic, RDF.type, DCT.LicenseDocument) in g
	        assert (g.value(lic, DCT.type), RDF.type, SKOS.Concept) in g
	        assert g.value(d, DCAT.accessURL) is not None
	    if str(g.value(r, OWL.versionInfo)) == "1.1.0":
	        ids = {str(g.value(i, SKOS.notation)) for i in g.objects(r, ADMS.identifier)}
	        assert ids == {"swh:1:rel:" + rel, "swh:1:rev:" + rev, "swh:1:dir:" + tree}, ids
	zf = next(a for a in assets if str(a).endswith("/zukunftsforum-zukunftslabor"))
	lic = g.value(next(g.objects(next(g.objects(zf, DCT.hasVersion)), DCAT.distribution)), DCT.license)
	assert lic == URIRef(EU + "licence/CC_BY_4_0"), lic
	contact = g.value(cut, DCAT.contactPoint)
	assert str(g.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail"))).startswith("mailto:")
	EOF
'

test_expect_success 'every distribution URL answers' '
    $PY - catalog.ttl >urls <<-EOF &&
	import sys
	from rdflib import Graph, Namespace
	DCAT = Namespace("http://www.w3.org/ns/dcat#")
	for url in sorted(set(Graph().parse(sys.argv[1], format="turtle").objects(None, DCAT.accessURL))):
	    print(url)
	EOF
    test "$(wc -l <urls)" -ge 6 &&
    while read -r u; do
        case "$u" in
        */git/*) curl -fsS -o /dev/null "$u/info/refs" ;;
        *) curl -fsS -o /dev/null "$u" ;;
        esac || exit 1
    done <urls
'

# A node that publishes nothing is in its own registry all the same (serve
# indexes it), so /api/v1/ names it and its own catalogs answer, empty.
test_expect_success 'a network'"'"'s node: its own catalog empty, the network'"'"'s under Leipzig'"'"'s URL' '
    P2=$(test_free_port) &&
    "$CITYNODE" --home "$TRASH/network" init --name "Netzwerk (sample)" --country DE \
        --url "http://127.0.0.1:$P2" >/dev/null &&
    "$CITYNODE" --home "$TRASH/network" peer add "$BASE" >/dev/null &&
    "$CITYNODE" --home "$TRASH/network" sync >/dev/null &&
    test_serve "$TRASH/network" "$P2" network &&
    curl -fsS -o root.json "http://127.0.0.1:$P2/api/v1/" &&
    grep -q "\"name\": *\"Netzwerk (sample)\"" root.json &&
    curl -fsS -o dcat.jsonld "http://127.0.0.1:$P2/dcat/catalog.jsonld" &&
    curl -fsS -o empty.jsonld "http://127.0.0.1:$P2/adms/catalog.jsonld" &&
    curl -fsS -o network.ttl "http://127.0.0.1:$P2/adms/network.ttl" &&
    $PY - empty.jsonld network.ttl catalog.ttl "$BASE" <<-EOF
	import sys
	from rdflib import Graph, Namespace
	from rdflib.namespace import DCTERMS as DCT, RDF
	DCAT = Namespace("http://www.w3.org/ns/dcat#")
	empty, network, own, base = sys.argv[1:]
	g = Graph().parse(empty, format="json-ld")
	assert len(list(g.subjects(RDF.type, DCAT.Catalog))) == 1
	assert not list(g.subjects(RDF.type, DCAT.Dataset))
	n = Graph().parse(network, format="turtle")
	o = Graph().parse(own, format="turtle")
	assets = set(n.objects(next(n.subjects(RDF.type, DCAT.Catalog)), DCAT.dataset))
	assert assets == set(o.objects(next(o.subjects(RDF.type, DCAT.Catalog)), DCAT.dataset)), assets
	assert all(str(a).startswith(base + "/api/v1/items/") for a in assets), assets
	for a in assets:
	    assert set(n.objects(a, DCT.hasVersion)) == set(o.objects(a, DCT.hasVersion)), a
	EOF
'

test_done

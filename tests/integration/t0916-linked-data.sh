#!/bin/bash
# Linked data about items (docs/SCHEMAORG.md, docs/CODEMETA.md): the page
# serve sends for an item's URL carries the item's schema.org JSON-LD in its
# head, before any script runs (SoftwareSourceCode, Dataset, CreativeWork),
# with the version's SWHIDs equal to git rev-parse of its tag, commit and
# tree; a title holding </script> and <!-- stays data, and an unknown item
# gets the plain page. A solution's codemeta.json is its publiccode.yml
# crosswalked to CodeMeta 3.0, with the same SWHIDs.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
PL=$(test_free_port)
DS=leipzig-west-beteiligung-2016
EVIL='Beteiligung </script><script>alert(1)</script><!-- & more'

# ldjson PAGE.html OUT.json: the JSON-LD elements of a page as a JSON list
# of their parsed contents (the HTML parsed as a browser's tokenizer would).
ldjson() {
    /usr/bin/python3 - "$1" "$2" <<-\PY
	import html.parser, json, sys
	class P(html.parser.HTMLParser):
	    def __init__(self):
	        super().__init__()
	        self.docs, self.inside = [], False
	    def handle_starttag(self, tag, attrs):
	        self.inside = tag == "script" and dict(attrs).get("type") == "application/ld+json"
	        if self.inside:
	            self.docs.append("")
	    def handle_endtag(self, tag):
	        self.inside = False
	    def handle_data(self, data):
	        if self.inside:
	            self.docs[-1] += data
	p = P()
	p.feed(open(sys.argv[1], encoding="utf-8").read())
	json.dump([json.loads(d) for d in p.docs], open(sys.argv[2], "w"))
	PY
}

test_expect_success 'a node publishes a solution, a dataset titled with </script>, a strategy' '
    cn "$L" init --name "Eindhoven (sample)" --country NL --url "http://127.0.0.1:$PL" >lid &&
    test_publish_example "$L" solutions/connected-urban-twins &&
    test_publish_example "$L" strategies/leipzig-triangulum &&
    rm -rf ds && cp -r "$CN_SOURCE_DIR/examples/datasets/$DS" ds &&
    /usr/bin/python3 - ds/citynode.yml "$EVIL" <<-\PY &&
	import json, re, sys
	text = open(sys.argv[1], encoding="utf-8").read()
	text = re.sub(r"(?m)^title: .*$", lambda m: "title: " + json.dumps(sys.argv[2]), text, count=1)
	open(sys.argv[1], "w", encoding="utf-8").write(text)
	PY
    grep -qF "</script><script>" ds/citynode.yml &&
    (cd ds && git init -q && git add . && git commit -qm sample) &&
    cn "$L" publish ds >/dev/null &&
    test_serve "$L" "$PL" node
'
LID=$(cat "$TRASH/lid" 2>/dev/null)
BASE="http://127.0.0.1:$PL"

test_expect_success "a solution's page carries SoftwareSourceCode with its SWHIDs" '
    curl -fsS "$BASE/?item=$LID/$ITEM" >sol.html &&
    ldjson sol.html sol.json &&
    repo="$L/repos/$LID/$ITEM.git" &&
    /usr/bin/python3 - sol.json "$BASE" "$LID" "$(git -C "$repo" rev-parse v1.0.0)" \
        "$(git -C "$repo" rev-parse "v1.0.0^{commit}")" "$(git -C "$repo" rev-parse "v1.0.0^{tree}")" <<-\PY
	import json, sys
	docs = json.load(open(sys.argv[1]))
	base, lid, rel, rev, tree = sys.argv[2:7]
	assert len(docs) == 1, docs
	d = docs[0]
	assert d["@context"] == "https://schema.org" and d["@type"] == "SoftwareSourceCode", d
	assert d["@id"] == d["url"] == f"{base}/?item={lid}/connected-urban-twins", d["url"]
	assert d["name"] == "Connected Urban Twins" and d["version"] == "1.0.0", d
	assert d["codeRepository"] == "https://example.org/samples/connected-urban-twins.git", d
	assert d["license"] == "https://spdx.org/licenses/EUPL-1.2.html", d["license"]
	assert d["publisher"] == {"@type": "GovernmentOrganization", "name": "Eindhoven (sample)",
	                          "url": base}, d["publisher"]
	want = ["swh:1:rel:" + rel, "swh:1:rev:" + rev, "swh:1:dir:" + tree]
	assert [i["value"] for i in d["identifier"]] == want, d["identifier"]
	assert all(i["propertyID"] == "SWHID" for i in d["identifier"]), d["identifier"]
	assert d["archivedAt"] == ["https://archive.softwareheritage.org/" + s for s in want]
	assert not d["description"].endswith("\n") and "Connected Urban Twins" in d["description"]
	PY
'

test_expect_success 'a dataset is a Dataset as Google asks; </script> in its title stays data' '
    curl -fsS "$BASE/?item=$LID/$DS" >ds.html &&
    curl -fsS "$BASE/" >plain.html &&
    ldjson ds.html ds.json &&
    /usr/bin/python3 - ds.json ds.html plain.html "$EVIL" "$BASE" "$LID" <<-\PY
	import json, sys
	docs = json.load(open(sys.argv[1]))
	page, plain = (open(p, encoding="utf-8").read() for p in sys.argv[2:4])
	evil, base, lid = sys.argv[4:7]
	assert len(docs) == 1, docs
	d = docs[0]
	assert d["@type"] == "Dataset" and d["name"] == evil, d["name"]
	# Google: name and a description of 50 to 5000 characters; a licence URL
	assert 50 <= len(d["description"]) <= 5000, len(d["description"])
	assert d["license"] == "http://dcat-ap.de/def/licenses/dl-by-de/2.0", d["license"]
	assert d["creator"]["name"] == "Stadt Leipzig", d["creator"]
	zips = [x["contentUrl"] for x in d["distribution"] if x["encodingFormat"] == "application/zip"]
	assert zips == [f"{base}/download/{lid}/leipzig-west-beteiligung-2016/1.0.0/files.zip"], zips
	assert d["includedInDataCatalog"]["url"] == base + "/", d["includedInDataCatalog"]
	# the manifest text added no element: one script and one comment opener
	# more than nothing, i.e. none from the title
	for tag in ("<script", "</script", "<!--"):
	    extra = page.count(tag) - plain.count(tag)
	    assert extra == (1 if tag != "<!--" else 0), (tag, extra)
	assert "\\u003c/script\\u003e" in page, "the title is written escaped"
	PY
'

test_expect_success 'a strategy is a CreativeWork; an unknown item gets the plain page' '
    curl -fsS "$BASE/?item=$LID/leipzig-triangulum" >st.html &&
    ldjson st.html st.json &&
    /usr/bin/python3 - st.json <<-\PY &&
	import json, sys
	d, = json.load(open(sys.argv[1]))
	assert d["@type"] == "CreativeWork", d
	assert d["name"] == "Smart City Implementation Strategy Leipzig-West", d["name"]
	assert d["alternativeHeadline"].startswith("The three point project"), d
	assert "Governance" in d["keywords"] and d["creativeWorkStatus"] == "completed", d
	assert len(d["identifier"]) == 3, d["identifier"]
	PY
    curl -fsS "$BASE/?item=$LID/no-such-item" >none.html &&
    curl -fsS "$BASE/?item=$LID/leipzig-triangulum&version=9.9.9" >nover.html &&
    curl -fsS "$BASE/" >plain.html &&
    cmp none.html plain.html &&
    cmp nover.html plain.html
'

test_expect_success 'a solution with funders, an organisation and dependencies (sample)' '
    test_sample_repo cm "Twin Platform" &&
    /usr/bin/python3 - cm/publiccode.yml <<-\PY &&
	import sys
	path = sys.argv[1]
	text = open(path, encoding="utf-8").read()
	text = text.replace("  license: EUPL-1.2\n",
	                    "  license: EUPL-1.2\n  mainCopyrightOwner: Freie und Hansestadt Hamburg (sample)\n")
	assert "mainCopyrightOwner" in text
	text += """
	fundedBy:
	  - name: Modellprojekte Smart Cities (sample)
	    uri: https://example.org/msc
	organisation:
	  name: CUT project office (sample)
	  uri: https://example.org/cut
	dependsOn:
	  open:
	    - name: PostgreSQL
	      versionMin: "13"
	    - name: Masterportal
	roadmap: https://example.org/cut/roadmap
	"""
	open(path, "w", encoding="utf-8").write(text)
	PY
    (cd cm && git add . && git commit -qm v1) &&
    cn "$L" publish cm >/dev/null &&
    cn "$L" show self/twin-platform --json >/dev/null
'

test_expect_success "codemeta.json is the solution's publiccode.yml in CodeMeta 3.0, with its SWHIDs" '
    curl -fsS "$BASE/api/v1/items/$LID/twin-platform/codemeta.json" >cm.json &&
    curl -fsS "$BASE/api/v1/items/$LID/twin-platform/publiccode.yml" >cm.yml &&
    /usr/bin/python3 "$CN_SOURCE_DIR/tests/api/check_openapi.py" "$CN_SOURCE_DIR/docs/api.yaml" \
        "/api/v1/items/$LID/twin-platform/codemeta.json" 200 cm.json &&
    repo="$L/repos/$LID/twin-platform.git" &&
    /usr/bin/python3 - cm.json cm.yml "$(git -C "$repo" rev-parse v1.0.0)" \
        "$(git -C "$repo" rev-parse "v1.0.0^{commit}")" "$(git -C "$repo" rev-parse "v1.0.0^{tree}")" <<-\PY
	import json, sys, yaml
	cm = json.load(open(sys.argv[1]))
	pc = yaml.safe_load(open(sys.argv[2], encoding="utf-8"))
	rel, rev, tree = sys.argv[3:6]
	assert cm["@context"] == "https://w3id.org/codemeta/3.0" and cm["@type"] == "SoftwareSourceCode", cm
	assert cm["name"] == pc["name"] == "Twin Platform", cm["name"]
	assert cm["softwareVersion"] == cm["version"] == pc["softwareVersion"] == "1.0.0", cm
	assert cm["codeRepository"] == pc["url"], cm["codeRepository"]
	assert cm["license"] == "https://spdx.org/licenses/%s.html" % pc["legal"]["license"], cm["license"]
	assert cm["developmentStatus"] == "https://www.repostatus.org/#wip", cm["developmentStatus"]  # beta
	assert cm["applicationCategory"] == cm["keywords"] == pc["categories"], cm
	assert cm["runtimePlatform"] == pc["platforms"], cm
	assert cm["identifier"] == ["swh:1:rel:" + rel, "swh:1:rev:" + rev, "swh:1:dir:" + tree], cm
	assert cm["maintainer"] == [{"@type": "Person", "name": "Connected Urban Twins project office",
	                             "email": "cut-projektbuero@example.org"}], cm["maintainer"]
	assert cm["copyrightHolder"]["name"] == "Freie und Hansestadt Hamburg (sample)", cm
	assert cm["funder"] == [{"@type": "Organization", "name": "Modellprojekte Smart Cities (sample)",
	                         "url": "https://example.org/msc"}], cm["funder"]
	assert cm["producer"]["name"] == "CUT project office (sample)", cm["producer"]
	assert cm["softwareRequirements"] == ["PostgreSQL >= 13", "Masterportal"], cm
	assert cm["relatedLink"] == "https://example.org/cut/roadmap", cm
	assert cm["datePublished"] == str(pc["releaseDate"]) == "2021-06-01", cm["datePublished"]
	assert len(cm["dateModified"]) == 10, cm["dateModified"]
	long = pc["description"]["en"]["longDescription"] if "en" in pc["description"] else \
	    pc["description"]["de"]["longDescription"]
	assert cm["description"] == long.strip(), cm["description"]
	PY
'

test_expect_success 'codemeta.json: 404 for a strategy or an unknown version, 400 for a stray parameter' '
    test "$(curl -sS -o st.json -w "%{http_code}" \
        "$BASE/api/v1/items/$LID/leipzig-triangulum/codemeta.json")" = 404 &&
    grep -q "only solutions have a codemeta.json" st.json &&
    test "$(curl -sS -o /dev/null -w "%{http_code}" \
        "$BASE/api/v1/items/$LID/twin-platform/codemeta.json?version=9.9.9")" = 404 &&
    test "$(curl -sS -o /dev/null -w "%{http_code}" \
        "$BASE/api/v1/items/$LID/twin-platform/codemeta.json?sort=recent")" = 400
'

test_done

#!/bin/bash
# Single files of a version (docs/api.yaml, Files): a published solution
# whose repository holds a CSV in windows-1252 with ';', a README.md with
# raw HTML, a javascript: link and a relative image, a logo.svg with a
# <script> in it, a PNG screenshot and a file in a subdirectory. Each file
# downloads byte for byte as `git show TAG:path` gives it, with its blob id
# as ETag (304), one Range (206, 416), a type from the allow-list (never
# text/html), nosniff and a sandboxing CSP; the list, the CSV and Markdown
# previews and the item document's readme, logo and screenshots say what
# the tree holds. A mirroring follower serves the same bytes; an
# index-only follower answers 404 files_not_here; paths out of the tree are
# refused.
. "$(dirname "$0")/lib.sh"

L="$TRASH/leipzig"
F="$TRASH/hamburg"
X="$TRASH/prague"
PL=$(test_free_port)
PF=$(test_free_port)
PX=$(test_free_port)

# get PORT PATH OUT [CURL ARGS...]: the body in OUT, headers in OUT.h; prints the status.
get() {
    port=$1 path=$2 out=$3
    shift 3
    curl -sS -D "$out.h" -o "$out" -w "%{http_code}" "$@" "http://127.0.0.1:$port$path"
}
header() { # FILE NAME: the value of header NAME in FILE, without CR
    sed -n "s/^$2: *//Ip" "$1" | tr -d '\r'
}
check_json() { /usr/bin/python3 - "$@"; }

test_expect_success 'setup: Leipzig publishes a solution with data, a README, a logo, a screenshot' '
    cn "$L" init --name "Stadt Leipzig (sample)" --country DE --url "http://127.0.0.1:$PL" >lid &&
    git init -q -b main pub &&
    sed -e "s|^releaseDate:|logo: ./logo.svg\nreleaseDate:|" \
        -e "s|^    features:|    screenshots:\n      - img/screen.png\n      - ./img/screen.png\n    features:|" \
        "$SAMPLE" >pub/publiccode.yml &&
    grep -q "^logo: ./logo.svg" pub/publiccode.yml &&
    grep -q "^      - img/screen.png" pub/publiccode.yml &&
    mkdir -p pub/data pub/img pub/docs/sub &&
    printf "Stra\337e;Pl\344tze;Geb\374hr \200\r\nMarkt;12;\"2,50\"\r\n\"Ring; Nord\";\"8\";\"1\"\"5\"\r\n" \
        >pub/data/parking.csv &&
    cat >pub/README.md <<-\EOF &&
	# Parken in Leipzig

	<script>alert("readme")</script>

	[harmless?](javascript:alert(1)) and [the data](data/parking.csv)
	and [up](../../etc/passwd)

	![screen](img/screen.png)
	EOF
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>\n" \
        >pub/logo.svg &&
    printf "\211PNG\r\n\032\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\10\6\0\0\0\037\025\304\211\0\0\0\rIDATx\234c\370\377\377?\0\5\376\2\376\247\65\201\204\0\0\0\0IEND\256B\140\202" \
        >pub/img/screen.png &&
    echo "notes in a subdirectory" >pub/docs/sub/notes.txt &&
    printf "Stra\303\237e,Anzahl\n" >"pub/docs/Straßen Liste.csv" &&
    echo "<html><script>alert(1)</script></html>" >pub/docs/page.html &&
    (cd pub && git add . && git commit -qm sample) &&
    cn "$L" publish pub >/dev/null 2>publish.err &&
    test_serve "$L" "$PL" leipzig
'
LID=$(cat "$TRASH/lid" 2>/dev/null)
REPO="$L/repos/$LID/$ITEM.git"
FILES="/download/$LID/$ITEM/1.0.0/files"

test_expect_success 'each file downloads byte for byte as the signed tag holds it' '
    for path in data/parking.csv README.md logo.svg img/screen.png docs/sub/notes.txt \
        publiccode.yml docs/page.html; do
        code=$(get "$PL" "$FILES/$path" got) &&
        test "$code" = 200 &&
        git -C "$REPO" show "v1.0.0:$path" >want &&
        cmp want got &&
        test "$(header got.h ETag)" = "\"$(git -C "$REPO" rev-parse "v1.0.0:$path")\"" &&
        test "$(header got.h X-Content-Type-Options)" = nosniff &&
        test "$(header got.h Content-Security-Policy)" = \
            "default-src '"'"'none'"'"'; style-src '"'"'unsafe-inline'"'"'; img-src '"'"'self'"'"' data:; sandbox" &&
        test "$(header got.h Accept-Ranges)" = bytes &&
        case "$(header got.h Content-Type)" in text/html* | *javascript* | "") exit 1 ;; esac || exit 1
    done
'

test_expect_success 'types come from the allow-list; images inline, the rest as attachments' '
    get "$PL" "$FILES/data/parking.csv" csv >/dev/null &&
    test "$(header csv.h Content-Type)" = "text/csv; charset=windows-1252" &&
    header csv.h Content-Disposition >disp &&
    grep -q "^attachment; filename=\"parking.csv\"" disp &&
    get "$PL" "$FILES/data/parking.csv?inline=1" csv >/dev/null &&
    header csv.h Content-Disposition >disp &&
    grep -q "^inline; filename=\"parking.csv\"" disp &&
    get "$PL" "$FILES/logo.svg" svg >/dev/null &&
    test "$(header svg.h Content-Type)" = image/svg+xml &&
    test -z "$(header svg.h Content-Disposition)" &&
    get "$PL" "$FILES/img/screen.png" png >/dev/null &&
    test "$(header png.h Content-Type)" = image/png &&
    get "$PL" "$FILES/README.md" md >/dev/null &&
    test "$(header md.h Content-Type)" = "text/markdown; charset=utf-8" &&
    get "$PL" "$FILES/docs/sub/notes.txt" txt >/dev/null &&
    test "$(header txt.h Content-Type)" = "text/plain; charset=utf-8" &&
    get "$PL" "$FILES/docs/page.html?inline=1" html >/dev/null &&
    test "$(header html.h Content-Type)" = application/octet-stream &&
    header html.h Content-Disposition >disp &&
    grep -q "^attachment;" disp &&
    get "$PL" "$FILES/publiccode.yml" yml >/dev/null &&
    test "$(header yml.h Content-Type)" = application/octet-stream
'

test_expect_success 'ETag revalidates to 304; one range is 206, a range beyond the end 416' '
    etag="\"$(git -C "$REPO" rev-parse v1.0.0:data/parking.csv)\"" &&
    test "$(get "$PL" "$FILES/data/parking.csv" nm -H "If-None-Match: $etag")" = 304 &&
    test "$(get "$PL" "$FILES/data/parking.csv" nm -H "If-None-Match: \"0000\"")" = 200 &&
    test "$(get "$PL" "$FILES/data/parking.csv" part -H "Range: bytes=4-9")" = 206 &&
    git -C "$REPO" show v1.0.0:data/parking.csv >whole &&
    tail -c +5 whole >rest &&
    head -c 6 rest >want &&
    cmp want part &&
    size=$(git -C "$REPO" cat-file -s v1.0.0:data/parking.csv) &&
    test "$(header part.h Content-Range)" = "bytes 4-9/$size" &&
    test "$(get "$PL" "$FILES/data/parking.csv" beyond -H "Range: bytes=$size-")" = 416 &&
    test "$(header beyond.h Content-Range)" = "bytes */$size" &&
    test "$(curl -sS -I -o /dev/null -w "%{http_code}" "http://127.0.0.1:$PL$FILES/logo.svg")" = 200
'

test_expect_success 'absent files, directories and paths out of the tree are refused' '
    test "$(get "$PL" "$FILES/nothing.csv" none)" = 404 &&
    grep -q "\"code\":\"not_found\"" none &&
    test "$(get "$PL" "$FILES/docs" dir)" = 404 &&
    test "$(get "$PL" "$FILES/docs/sub" dir)" = 404 &&
    test "$(get "$PL" "/download/$LID/$ITEM/9.9.9/files/README.md" ver)" = 404 &&
    for bad in "../README.md" "docs/../../README.md" "%2e%2e/README.md" "docs/%2E%2E/%2e%2e/x" \
        "%2fetc/passwd" "docs//sub/notes.txt" "./README.md"; do
        code=$(curl -sS -o /dev/null -w "%{http_code}" --path-as-is \
            "http://127.0.0.1:$PL$FILES/$bad") &&
        case "$code" in 400 | 404) ;; *) exit 1 ;; esac || exit 1
    done
'

test_expect_success 'the files list: sorted, with sizes, blob ids, types and previews' '
    test "$(get "$PL" "/api/v1/items/$LID/$ITEM/files?version=1.0.0" list.json)" = 200 &&
    git -C "$REPO" -c core.quotePath=false ls-tree -r -l v1.0.0 >tree.txt &&
    check_json list.json tree.txt "$LID" "$ITEM" "$(git -C "$REPO" rev-parse "v1.0.0^{tree}")" <<-\PY &&
	import json, sys
	from urllib.parse import quote
	doc = json.load(open(sys.argv[1]))
	lid, item, tree = sys.argv[3:6]
	want = {}
	for line in open(sys.argv[2]):
	    meta, path = line.rstrip("\n").split("\t")
	    mode, kind, blob, size = meta.split()
	    want[path] = (blob, int(size))
	assert doc["node"] == lid and doc["item"] == item and doc["version"] == "1.0.0", doc
	assert doc["tree"] == tree and doc["truncated"] is False, doc
	paths = [f["path"] for f in doc["files"]]
	assert paths == sorted(want), paths
	for f in doc["files"]:
	    assert (f["blob"], f["size"]) == want[f["path"]], f
	    assert f["url"] == "/download/%s/%s/1.0.0/files/%s" % (lid, item, quote(f["path"])), f
	kinds = {f["path"]: (f["type"], f["preview"]) for f in doc["files"]}
	assert kinds["data/parking.csv"] == ("text/csv", "csv"), kinds
	assert kinds["README.md"] == ("text/markdown; charset=utf-8", "markdown"), kinds
	assert kinds["img/screen.png"] == ("image/png", "image"), kinds
	assert kinds["docs/page.html"] == ("application/octet-stream", None), kinds
	PY
    test "$(get "$PL" "/api/v1/items/$LID/$ITEM/files" latest.json)" = 200 &&
    cmp list.json latest.json
'

test_expect_success 'a name with a space and an umlaut: its URL in the list downloads it' '
    /usr/bin/python3 -c "import json,sys; print(*[f[\"url\"] for f in json.load(open(sys.argv[1]))[\"files\"] if f[\"path\"].startswith(\"docs/Stra\")])" list.json >url &&
    test "$(cat url)" = "$FILES/docs/Stra%C3%9Fen%20Liste.csv" &&
    test "$(get "$PL" "$(cat url)" got)" = 200 &&
    git -C "$REPO" show "v1.0.0:docs/Straßen Liste.csv" >want &&
    cmp want got &&
    header got.h Content-Disposition >disp &&
    grep -q "^attachment; filename=\"Stra__en Liste.csv\"; filename\*=UTF-8..Stra%C3%9Fen%20Liste.csv$" disp
'

test_expect_success 'the CSV preview: windows-1252 read as such, ";" found, quotes undone' '
    test "$(get "$PL" "/api/v1/items/$LID/$ITEM/preview/data/parking.csv" csv.json)" = 200 &&
    check_json csv.json <<-\PY
	import json, sys
	doc = json.load(open(sys.argv[1]))
	assert doc["kind"] == "csv" and doc["path"] == "data/parking.csv", doc
	assert doc["encoding"] == "windows-1252" and doc["delimiter"] == ";", doc
	assert doc["rows"] == [["Straße", "Plätze", "Gebühr €"], ["Markt", "12", "2,50"],
	                       ["Ring; Nord", "8", "1\"5"]], doc["rows"]
	assert doc["truncated"] is False, doc
	PY
'

test_expect_success 'the Markdown preview: no raw HTML, no javascript:, relative URLs to the files' '
    test "$(get "$PL" "/api/v1/items/$LID/$ITEM/preview/README.md" md.json)" = 200 &&
    check_json md.json "$FILES" <<-\PY &&
	import json, sys
	doc = json.load(open(sys.argv[1]))
	base = sys.argv[2]
	html = doc["html"]
	assert doc["kind"] == "markdown" and doc["truncated"] is False, doc
	assert "<script" not in html and "javascript:" not in html, html
	assert "raw HTML omitted" in html, html
	assert "<img src=\"%s/img/screen.png\" alt=\"screen\" />" % base in html, html
	assert "<a href=\"%s/data/parking.csv\">the data</a>" % base in html, html
	assert "<a href=\"#\">up</a>" in html, html
	PY
    test "$(get "$PL" "/api/v1/items/$LID/$ITEM/preview/img/screen.png" no.json)" = 400 &&
    grep -q "\"code\":\"no_preview\"" no.json &&
    test "$(get "$PL" "/api/v1/items/$LID/$ITEM/preview/missing.md" no.json)" = 404
'

test_expect_success 'the item document: files here, the readme, the logo, the screenshots there are' '
    test "$(get "$PL" "/api/v1/items/$LID/$ITEM" item.json)" = 200 &&
    check_json item.json "$FILES" <<-\PY &&
	import json, sys
	doc = json.load(open(sys.argv[1]))
	base = sys.argv[2]
	assert doc["files_here"] is True, doc
	assert doc["readme"] == "README.md", doc["readme"]
	assert doc["logo"] == base + "/logo.svg", doc["logo"]
	assert doc["screenshots"] == [base + "/img/screen.png"], doc["screenshots"]
	PY
    test "$(get "$PL" "/api/v1/search?q=Twins" hits.json)" = 200 &&
    check_json hits.json "$FILES" <<-\PY &&
	import json, sys
	doc = json.load(open(sys.argv[1]))
	logos = [r["logo"] for r in doc["results"]]
	assert logos == [sys.argv[2] + "/logo.svg"], logos
	PY
    /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d[\"logo\"], *d[\"screenshots\"])" item.json >urls &&
    for url in $(cat urls); do
        test "$(get "$PL" "$url" img)" = 200 || exit 1
    done
'

test_expect_success 'a mirroring follower serves the same files' '
    cn "$F" init --name "Hamburg (sample)" --country DE --url "http://127.0.0.1:$PF" >/dev/null &&
    cn "$F" peer add "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    cn "$F" sync >/dev/null 2>sync.err &&
    test_serve "$F" "$PF" hamburg &&
    for path in data/parking.csv logo.svg img/screen.png docs/sub/notes.txt; do
        test "$(get "$PF" "$FILES/$path" got)" = 200 &&
        git -C "$REPO" show "v1.0.0:$path" >want &&
        cmp want got || exit 1
    done &&
    test "$(get "$PF" "/api/v1/items/$LID/$ITEM/files" flist.json)" = 200 &&
    cmp list.json flist.json &&
    test "$(get "$PF" "/api/v1/items/$LID/$ITEM" fitem.json)" = 200 &&
    grep -q "\"files_here\":true" fitem.json
'

test_expect_success 'an index-only follower answers 404 files_not_here' '
    cn "$X" init --name "Prague (sample)" --country CZ --url "http://127.0.0.1:$PX" >/dev/null &&
    cn "$X" peer add --policy index "http://127.0.0.1:$PL" >/dev/null 2>&1 &&
    cn "$X" sync >/dev/null 2>sync.err &&
    test_serve "$X" "$PX" prague &&
    test "$(get "$PX" "$FILES/data/parking.csv" nf.json)" = 404 &&
    grep -q "\"code\":\"files_not_here\"" nf.json &&
    test "$(get "$PX" "/api/v1/items/$LID/$ITEM/files" nf.json)" = 404 &&
    grep -q "\"code\":\"files_not_here\"" nf.json &&
    test "$(get "$PX" "/api/v1/items/$LID/$ITEM/preview/README.md" nf.json)" = 404 &&
    grep -q "\"code\":\"files_not_here\"" nf.json &&
    test "$(get "$PX" "/api/v1/items/$LID/$ITEM" xitem.json)" = 200 &&
    check_json xitem.json <<-\PY
	import json, sys
	doc = json.load(open(sys.argv[1]))
	assert doc["files_here"] is False and doc["readme"] is None, doc
	assert doc["logo"] is None and doc["screenshots"] == [], doc
	PY
'

test_expect_success 'every answer above is what docs/api.yaml specifies' '
    test "$(get "$PL" "/api/v1/items/$LID/$ITEM/preview/docs/page.html" e1.json)" = 400 &&
    /usr/bin/python3 "$CN_SOURCE_DIR/tests/api/check_openapi.py" "$CN_SOURCE_DIR/docs/api.yaml" \
        "/api/v1/items/$LID/$ITEM/files" 200 list.json \
        "/api/v1/items/$LID/$ITEM/preview/data/parking.csv" 200 csv.json \
        "/api/v1/items/$LID/$ITEM/preview/README.md" 200 md.json \
        "/api/v1/items/$LID/$ITEM/preview/docs/page.html" 400 e1.json \
        "/api/v1/items/$LID/$ITEM" 200 item.json \
        "/api/v1/items/$LID/$ITEM" 200 xitem.json \
        /api/v1/search 200 hits.json \
        "/api/v1/items/$LID/$ITEM/files" 404 nf.json \
        "$FILES/nothing.csv" 404 none
'

test_done

#!/bin/bash
# Single files have a bound (docs/api.yaml, Files): a file of a version
# larger than 64 MiB is not read into memory to be sent or previewed; its
# download and its preview answer 413 with code too_large naming the bound
# and what to do instead, while the files list still names it with its
# size. A file below the bound (5 MiB) goes whole and by ranges, byte for
# byte.
. "$(dirname "$0")/lib.sh"

H="$TRASH/leipzig"
P=$(test_free_port)
MIB=$((1024 * 1024))

get() { # PATH OUT [CURL ARGS...]: the body in OUT; prints the status
    path=$1 out=$2
    shift 2
    curl -sS -o "$out" -w "%{http_code}" "$@" "http://127.0.0.1:$P$path"
}

test_expect_success 'setup: a solution with a 65 MiB CSV and a 5 MiB one' '
    cn "$H" init --name "Stadt Leipzig (sample)" --country DE --url "http://127.0.0.1:$P" >lid &&
    test_sample_repo pub "Large Files" &&
    mkdir pub/data &&
    /usr/bin/python3 - pub/data <<-\PY &&
	import sys
	line = b"2024-05-01;Leipzig-West;Parkhaus am Markt;123;0,45\r\n"
	for name, size in (("huge.csv", 65 * 1024 * 1024 + 7), ("big.csv", 5 * 1024 * 1024 + 3)):
	    with open(sys.argv[1] + "/" + name, "wb") as f:
	        whole, rest = divmod(size, len(line))
	        f.write(line * whole + line[:rest])
	PY
    test "$(wc -c <pub/data/huge.csv)" -eq $((65 * MIB + 7)) &&
    git -C pub add -A &&
    git -C pub commit -qm "large data" &&
    cn "$H" publish pub >/dev/null &&
    test_serve "$H" "$P" leipzig
'
LID=$(cat "$TRASH/lid" 2>/dev/null)
ITEM=large-files
REPO="$H/repos/$LID/$ITEM.git"
FILES="/download/$LID/$ITEM/1.0.0/files"

test_expect_success 'a file over 64 MiB: 413 too_large, for the download and the preview' '
    test "$(get "$FILES/data/huge.csv" huge.json)" = 413 &&
    grep -q "\"code\":\"too_large\"" huge.json &&
    grep -q "64 MiB" huge.json &&
    grep -q "full.bundle" huge.json &&
    test "$(get "/api/v1/items/$LID/$ITEM/preview/data/huge.csv" prev.json)" = 413 &&
    grep -q "\"code\":\"too_large\"" prev.json
'

test_expect_success 'the list still names it, with its size' '
    test "$(get "/api/v1/items/$LID/$ITEM/files" list.json)" = 200 &&
    /usr/bin/python3 - list.json <<-\PY
	import json, sys
	files = {f["path"]: f for f in json.load(open(sys.argv[1]))["files"]}
	assert files["data/huge.csv"]["size"] == 65 * 1024 * 1024 + 7, files["data/huge.csv"]
	assert files["data/big.csv"]["size"] == 5 * 1024 * 1024 + 3, files["data/big.csv"]
	PY
'

test_expect_success 'a file below the bound goes whole and by ranges' '
    test "$(get "$FILES/data/big.csv" big)" = 200 &&
    git -C "$REPO" show v1.0.0:data/big.csv >want &&
    cmp want big &&
    test "$(get "$FILES/data/big.csv" tail -H "Range: bytes=-100")" = 206 &&
    tail -c 100 want >want.tail &&
    cmp want.tail tail &&
    test "$(get "/api/v1/items/$LID/$ITEM/preview/data/big.csv" prev.json)" = 200 &&
    /usr/bin/python3 - prev.json <<-\PY
	import json, sys
	doc = json.load(open(sys.argv[1]))
	assert doc["delimiter"] == ";" and doc["truncated"] is True, doc
	assert len(doc["rows"]) == 21 and doc["rows"][0][2] == "Parkhaus am Markt", doc["rows"][0]
	PY
'

test_done

#!/bin/bash
# Stories of the hint inbox under a flood (docs/PROTOCOL.md §12): hints that
# name strangers, sent from many addresses, use up the anonymous budget (600
# a minute in all) but never a followed peer's own allowance, so the peer's
# hint still gets 202. Sample nodes: the follower Leipzig and its peer
# Eindhoven.
. "$(dirname "$0")/lib.sh"

L="$TRASH/eindhoven"
F="$TRASH/leipzig"
PORT=$(test_free_port)
URL="http://127.0.0.1:$PORT"
FPORT=$(test_free_port)
FURL="http://127.0.0.1:$FPORT"

hint() { # NODE_ID SOURCE_ADDRESS
    curl -s -o /dev/null -w "%{http_code}" --interface "$2" -X POST \
        -H "Content-Type: application/json" -d "{\"node\": \"$1\", \"timestamp\": 0}" "$FURL/inbox"
}

# flood FIRST ADDRESSES PER_ADDRESS NODE_ID: POST that many hints naming
# NODE_ID from 127.0.0.FIRST, the next address, ... and print how many got
# each status.
flood() {
    python3 - "$FPORT" "$1" "$2" "$3" "$4" <<-\PY
	import collections, http.client, json, sys
	port, first, addrs, per = (int(a) for a in sys.argv[1:5])
	node = sys.argv[5]
	body = json.dumps({"node": node, "timestamp": 0})
	codes = collections.Counter()
	for a in range(addrs):
	    for _ in range(per):
	        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
	                                       source_address=("127.0.0.%d" % (first + a), 0))
	        c.request("POST", "/inbox", body, {"Content-Type": "application/json"})
	        codes[c.getresponse().status] += 1
	        c.close()
	for k in sorted(codes):
	    print(k, codes[k])
	PY
}

test_expect_success 'setup: Leipzig follows Eindhoven' '
    "$CITYNODE" --home "$L" init --name "Gemeente Eindhoven (sample)" --country NL >lid &&
    "$CITYNODE" --home "$F" init --name "Stadt Leipzig (sample)" --country DE >/dev/null &&
    sed -i "s/^sync_interval: .*/sync_interval: 3600/" "$F/config.yml" &&
    test_serve "$L" "$PORT" lighthouse &&
    "$CITYNODE" --home "$F" peer add "$URL" >/dev/null &&
    test_serve "$F" "$FPORT" follower
'
LID=$(cat "$TRASH/lid" 2>/dev/null)
STRANGER=$(printf "%064d" 7)

test_expect_success 'hints naming a stranger from 61 addresses use up the anonymous budget' '
    flood 10 61 10 "$STRANGER" >codes &&
    cat codes &&
    grep -qx "204 600" codes &&
    grep -qx "429 10" codes &&
    test "$(hint "$STRANGER" 127.0.0.200)" = 429
'

test_expect_success 'the followed peer'\''s hint still gets 202, from any address' '
    test "$(hint "$LID" 127.0.0.1)" = 202 &&
    test "$(hint "$LID" 127.0.0.201)" = 202
'

test_expect_success 'hints naming the peer are bounded by its own allowance (10 a minute)' '
    flood 100 8 1 "$LID" >codes &&
    cat codes &&
    grep -qx "202 8" codes &&
    test "$(hint "$LID" 127.0.0.202)" = 429 &&
    test "$(hint "$STRANGER" 127.0.0.203)" = 429
'

test_done

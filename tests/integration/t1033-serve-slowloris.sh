#!/bin/bash
# Slowloris against `citynode serve`: four client addresses each open 256
# connections and send their request headers a byte every two seconds, which
# the idle timeout (30 s) never cuts. The server keeps room for others (once
# three quarters of its 1024 connections are taken, an address holding 32
# gets no more), so a fifth address is answered at once; and it closes a
# connection whose headers are not complete 10 s after it was accepted.
# Only 127.0.0.0/8 (all loopback on Linux); the attack stops by itself.
. "$(dirname "$0")/lib.sh"

H="$TRASH/home"
PORT=$(test_free_port)

test_expect_success 'setup: a node serves its tree' '
    "$CITYNODE" --home "$H" init --name "Stavanger kommune" --country NO >/dev/null &&
    test_serve "$H" "$PORT" serve
'

test_expect_success 'during a slowloris from 4 addresses, a fifth is answered and the slow ones are cut' '
    python3 - "$PORT" >attack.out <<-\PY &&
	import resource, select, socket, sys, time
	port = int(sys.argv[1])
	soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
	resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
	socks = []
	for a in range(2, 6):
	    for _ in range(256):
	        s = socket.socket()
	        s.settimeout(2)
	        try:
	            s.bind(("127.0.0.%d" % a, 0))
	            s.connect(("127.0.0.1", port))
	            s.sendall(b"GET /tuf/timestamp.json HTTP/1.1\r\nHost: x\r\nX-Slow: ")
	            socks.append(s)
	        except OSError:
	            s.close()
	start = time.monotonic()
	print("slow connections opened:", len(socks))
	time.sleep(1)
	# The fifth client: a whole request, an answer within 3 s.
	t = time.monotonic()
	c = socket.create_connection(("127.0.0.1", port), timeout=3,
	                             source_address=("127.0.0.6", 0))
	c.sendall(b"GET /tuf/timestamp.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	try:
	    status = c.recv(12)
	except socket.timeout:
	    status = b"(no answer)"
	c.close()
	print("fifth client: %r after %.1f s" % (status, time.monotonic() - t))
	# Dribble a byte every 2 s on every slow connection for up to 25 s;
	# count those the server closed.
	poller, live = select.poll(), {}
	for s in socks:
	    poller.register(s, select.POLLIN)
	    live[s.fileno()] = s
	while live and time.monotonic() - start < 25:
	    for fd, ev in poller.poll(0):
	        s = live.pop(fd, None)
	        if s is not None:
	            poller.unregister(fd)
	            s.close()
	    for s in list(live.values()):
	        try:
	            s.send(b"x")
	        except OSError:
	            pass
	    time.sleep(2)
	print("slow connections still open after %.0f s: %d" % (time.monotonic() - start, len(live)))
	for s in live.values():
	    s.close()
	PY
    cat attack.out &&
    grep -q "^fifth client: b.HTTP/1.1 200" attack.out &&
    grep -q "^slow connections still open after [0-9]* s: 0$" attack.out
'

test_expect_success 'the server still answers after the attack' '
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/tuf/timestamp.json"
'

test_done

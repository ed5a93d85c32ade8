#!/usr/bin/env python3
"""server.py - the staged (possibly malicious) web server of the attack suite.

    server.py --port PORT --control FILE [--log FILE]

Serves a directory over HTTP/1.1 on 127.0.0.1:PORT like a static web server
(GET and HEAD, strong ETags, Last-Modified, 304 for If-None-Match and
If-Modified-Since, single byte ranges), so a follower sees what nginx or
`python3 -m http.server` would give it. What is served, and how it misbehaves,
is read from the control FILE (JSON) at every request, so a test switches from
the honest tree to a malicious one without restarting the server:

    {"root": "/path/to/tree",
     "conditional": true,                 # false: no ETag / Last-Modified, never 304
     "rules": [{"path": "REGEX", "mode": MODE, ...}]}

The first rule whose "path" regex matches the whole request path applies:

    endless            200 without Content-Length, then bytes forever ("byte": "A")
    drip               the real file with its Content-Length, one byte every
                       "interval" seconds (default 1)
    status             answer "code" (e.g. 500, 404) with an empty body
    lie-length         the real file, Content-Length off by "delta" (may be < 0),
                       then the connection is closed
    stall              headers never come; the connection is held open
    throttle           the real file at "rate" bytes per second

Each request is logged to the log FILE as one line:
    METHOD PATH STATUS [range=...] [inm=...] [ims=...]
A test helper, not part of citynode.
"""

import argparse
import email.utils
import hashlib
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "attack-server/1"

    def log_message(self, fmt, *args):  # keep stderr quiet; we have our own log
        pass

    def log_line(self, status, extra=""):
        with self.server.log_lock:
            with open(self.server.log_path, "a") as f:
                f.write(f"{self.command} {self.path} {status}{extra}\n")

    def control(self):
        try:
            with open(self.server.control_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {"root": None}

    def resolve(self, root, path):
        """The file for a URL path, or None when it is not inside root."""
        if root is None:
            return None
        rel = urllib.parse.unquote(path.split("?", 1)[0].split("#", 1)[0])
        if "\0" in rel:
            return None
        full = os.path.realpath(os.path.join(root, rel.lstrip("/")))
        base = os.path.realpath(root)
        if full != base and not full.startswith(base + os.sep):
            return None
        return full if os.path.isfile(full) else None

    def send_plain(self, code, body=b""):
        self.log_line(code)
        try:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:  # the client went away: nothing to tell it
            self.close_connection = True

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        ctl = self.control()
        path = urllib.parse.urlsplit(self.path).path
        rule = {}
        for r in ctl.get("rules", []):
            if re.fullmatch(r["path"], path):
                rule = r
                break
        mode = rule.get("mode", "normal")
        if mode == "status":
            self.send_plain(int(rule.get("code", 500)))
            return
        if mode == "stall":
            self.log_line("stall")
            time.sleep(float(rule.get("seconds", 300)))
            self.close_connection = True
            return
        if mode == "endless":
            self.endless(rule)
            return
        fpath = self.resolve(ctl.get("root"), path)
        if fpath is None:
            self.send_plain(404, b"not found\n")
            return
        with open(fpath, "rb") as f:
            data = f.read()
        self.serve_file(ctl, rule, mode, data, os.stat(fpath).st_mtime)

    def endless(self, rule):
        self.close_connection = True
        chunk = rule.get("byte", "A").encode() * CHUNK
        sent = 0
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            while sent < (1 << 40):
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        self.log_line(200, f" endless sent={sent}")

    def serve_file(self, ctl, rule, mode, data, mtime):
        conditional = ctl.get("conditional", True)
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        lastmod = email.utils.formatdate(int(mtime), usegmt=True)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        rng = self.headers.get("Range")
        extra = "".join(f" {k}={v}" for k, v in (("range", rng), ("inm", inm), ("ims", ims)) if v)
        if conditional and (
            (inm is not None and etag in [t.strip() for t in inm.split(",")])
            or (inm is None and ims is not None and ims == lastmod)
        ):
            self.log_line(304, extra)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", lastmod)
            self.end_headers()
            return
        status, body, crange = 200, data, None
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng or "")
        if rng and m:
            first = int(m.group(1))
            last = int(m.group(2)) if m.group(2) else len(data) - 1
            if first >= len(data) or last < first:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.log_line(416, extra)
                return
            last = min(last, len(data) - 1)
            status, body = 206, data[first : last + 1]
            crange = f"bytes {first}-{last}/{len(data)}"
        length = len(body)
        if mode == "lie-length":
            length = max(0, length + int(rule.get("delta", 100)))
            self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        if crange:
            self.send_header("Content-Range", crange)
        if conditional:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", lastmod)
        if mode == "lie-length":
            self.send_header("Connection", "close")
        self.log_line(status, extra + (f" mode={mode}" if mode != "normal" else ""))
        try:
            self.end_headers()
            if self.command == "HEAD":
                return
            if mode == "drip":
                interval = float(rule.get("interval", 1.0))
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(interval)
            elif mode == "throttle":
                rate = max(1, int(rule.get("rate", 1 << 20)))
                step = max(1, rate // 20)
                for i in range(0, len(body), step):
                    self.wfile.write(body[i : i + step])
                    self.wfile.flush()
                    time.sleep(step / rate)
            else:
                self.wfile.write(body)
        except OSError:
            self.close_connection = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--control", required=True)
    ap.add_argument("--log", default=os.devnull)
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.control_path = args.control
    srv.log_path = args.log
    srv.log_lock = threading.Lock()
    print(f"serving on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""gen-history.py - write a `git fast-import` stream for a benchmark history.

    gen-history.py COMMITS MANIFEST | git -C REPO fast-import --quiet

The history has COMMITS commits on refs/heads/main. The first adds MANIFEST
as publiccode.yml at the top and FILES source files of a few KiB; each later
commit changes CHANGED of those files (a new line in the middle, a line
dropped), so blobs delta against each other the way a real project's do, and
every 50th commit adds a new file. Deterministic: the same arguments give
the same stream, hence the same commit ids.
"""
import random
import sys

FILES = 200
CHANGED = 3
LINES = 80


def data(out, payload):
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen-history.py COMMITS MANIFEST")
    commits = int(sys.argv[1])
    with open(sys.argv[2], "rb") as f:
        manifest = f.read()
    rng = random.Random(3000)
    words = [b"city", b"sensor", b"twin", b"mobility", b"energy", b"data",
             b"street", b"light", b"model", b"citizen", b"open", b"platform"]

    def line():
        return b" ".join(rng.choice(words) for _ in range(8)) + b"\n"

    files = {}
    for i in range(FILES):
        files[b"src/module%03d/file%03d.txt" % (i % 20, i)] = [line() for _ in range(LINES)]
    out = sys.stdout.buffer
    when = 1600000000
    for n in range(commits):
        out.write(b"commit refs/heads/main\n")
        out.write(b"mark :%d\n" % (n + 1))
        out.write(b"author Bench City <bench@example.org> %d +0000\n" % when)
        out.write(b"committer Bench City <bench@example.org> %d +0000\n" % when)
        data(out, b"Change %d of the benchmark history\n" % n)
        if n > 0:
            out.write(b"from :%d\n" % n)
        if n == 0:
            out.write(b"M 100644 inline publiccode.yml\n")
            data(out, manifest)
            touched = list(files)
        else:
            touched = rng.sample(sorted(files), CHANGED)
            for path in touched:
                lines = files[path]
                lines.insert(rng.randrange(len(lines) + 1), line())
                if len(lines) > LINES:
                    del lines[rng.randrange(len(lines))]
            if n % 50 == 0:
                path = b"src/added/file%05d.txt" % n
                files[path] = [line() for _ in range(LINES)]
                touched.append(path)
        for path in touched:
            out.write(b"M 100644 inline " + path + b"\n")
            data(out, b"".join(files[path]))
        when += 3600
    out.write(b"reset refs/heads/main\nfrom :%d\n" % commits)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""gen-data.py - append commits of measurement data to a benchmark history.

    gen-data.py COMMITS ROWS SEED | git -C REPO fast-import --quiet

Writes a `git fast-import` stream that adds COMMITS commits on top of the
existing refs/heads/main (made by gen-history.py). Each commit adds one CSV
file under data/ with ROWS rows of a vehicle's position log (time, vehicle,
latitude, longitude, speed, occupancy) around Leipzig: the kind of open data
a city publishes next to its code. The numbers are random walks, so the files
compress about four to one with zlib and do not delta against each other,
unlike source files. Deterministic: the same arguments give the same stream.
"""
import random
import sys


def data(out, payload):
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


def readings(rng, vehicle, start, rows):
    lat, lon, speed, load = 51.34, 12.37, 30.0, 20
    lines = [b"time,vehicle,latitude,longitude,speed_kmh,occupancy\n"]
    t = start
    for _ in range(rows):
        t += rng.randrange(5, 30)
        lat += rng.uniform(-0.0004, 0.0004)
        lon += rng.uniform(-0.0006, 0.0006)
        speed = min(70.0, max(0.0, speed + rng.uniform(-6.0, 6.0)))
        load = min(120, max(0, load + rng.randrange(-4, 5)))
        hh, mm, ss = (t // 3600) % 24, (t // 60) % 60, t % 60
        lines.append(b"2021-%02d-%02dT%02d:%02d:%02dZ,tram-%03d,%.6f,%.6f,%.1f,%d\n"
                     % (1 + (t // 2419200) % 12, 1 + (t // 86400) % 28, hh, mm, ss,
                        vehicle, lat, lon, speed, load))
    return b"".join(lines)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: gen-data.py COMMITS ROWS SEED")
    commits, rows, seed = (int(a) for a in sys.argv[1:])
    rng = random.Random(seed)
    out = sys.stdout.buffer
    when = 1700000000
    for n in range(commits):
        vehicle = rng.randrange(1, 200)
        out.write(b"commit refs/heads/main\n")
        out.write(b"author Bench City <bench@example.org> %d +0000\n" % when)
        out.write(b"committer Bench City <bench@example.org> %d +0000\n" % when)
        data(out, b"Add the position log %d of tram %03d\n" % (n, vehicle))
        if n == 0:
            out.write(b"from refs/heads/main^0\n")
        out.write(b"M 100644 inline data/positions-%04d.csv\n" % n)
        data(out, readings(rng, vehicle, n * 86400, rows))
        when += 3600


if __name__ == "__main__":
    main()

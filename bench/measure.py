#!/usr/bin/env python3
"""measure.py - run one command, report its wall time and peak memory.

    measure.py CMD [ARG...]

Runs CMD with its output captured (and shown only if it fails), and prints
"SECONDS MAXRSS_KIB" on stdout: the wall-clock time and the largest resident
set of any process it waited for (getrusage RUSAGE_CHILDREN; for `sh -c`,
the largest of the shell's children). Exits with CMD's status.
"""
import resource
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: measure.py CMD [ARG...]")
    start = time.monotonic()
    proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.monotonic() - start
    status = proc.returncode
    if status != 0:
        sys.stderr.buffer.write(proc.stderr)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("%.3f %d" % (seconds, rss))
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""on_terminal.py - run a command with its stderr on a pseudo-terminal.

Usage: on_terminal.py TERMINAL_LOG COMMAND [ARGS...]

COMMAND runs in a new session whose controlling terminal is a fresh
pseudo-terminal of 80 columns: its stdin and stderr are that terminal, its
stdout is this script's (so a story can redirect it to a file and compare
it byte for byte). Everything COMMAND wrote to the terminal is saved, as
written (\r and all), to TERMINAL_LOG. Exits with COMMAND's status.
"""
import errno
import fcntl
import os
import struct
import subprocess
import sys
import termios


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    log, argv = sys.argv[1], sys.argv[2:]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    # No \n to \r\n on the way out: the log holds the bytes the command wrote.
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)

    def own_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = dict(os.environ)
    env.pop("COLUMNS", None)
    child = subprocess.Popen(argv, stdin=slave, stderr=slave, preexec_fn=own_terminal, env=env)
    os.close(slave)
    got = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError as e:  # EIO: the terminal's last holder closed it
            if e.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        got += chunk
    status = child.wait()
    os.close(master)
    with open(log, "wb") as f:
        f.write(got)
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()

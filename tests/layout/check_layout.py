#!/usr/bin/env python3
"""check_layout.py - the house rules of docs/ARCHITECTURE.md that a build
cannot see: no two source files share a name, no hand-written source file
is over 1,000 lines, node/'s top holds at most 15 files, and no file
includes a header of a layer above its own (peers/ and registry/ do not
know each other).

Usage: check_layout.py SOURCE_DIR   (prints each breach; exits 1 if any)
       check_layout.py --self-test  (a tree breaking each rule once must
                                     give exactly those breaches)
"""
import os
import re
import sys

LAYERS = ["core", "schemas", "peers", "registry", "node"]
# What each layer may include of citynode's own headers.
MAY_INCLUDE = {
    "core": {"core"},
    "schemas": {"core", "schemas"},
    "peers": {"core", "schemas", "peers"},
    "registry": {"core", "schemas", "registry"},
    "node": set(LAYERS),
}
SOURCE_ENDINGS = (".c", ".h", ".js", ".css", ".html")
MAX_LINES = 1000
NODE_TOP_MAX = 15
# Generated from data, not written by hand (schemas/gen-spdx-ids.py).
GENERATED = {"schemas/spdx_ids.c"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def check(root):
    problems = []
    seen = {}
    for layer in LAYERS:
        for folder, _, files in os.walk(os.path.join(root, layer)):
            for name in sorted(files):
                if not name.endswith(SOURCE_ENDINGS):
                    continue
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, root)
                if name.endswith((".c", ".h")):
                    if name in seen:
                        problems.append(f"{rel}: same name as {seen[name]}; "
                                        "name the file for what it does")
                    seen.setdefault(name, rel)
                with open(path, encoding="utf-8") as f:
                    lines = f.read().split("\n")
                if len(lines) - 1 > MAX_LINES and rel not in GENERATED:
                    problems.append(f"{rel}: {len(lines) - 1} lines, over {MAX_LINES}: "
                                    "split it along its own seams")
                for no, line in enumerate(lines, 1):
                    m = INCLUDE.match(line)
                    if m and m.group(1) in LAYERS and m.group(1) not in MAY_INCLUDE[layer]:
                        problems.append(f"{rel}:{no}: includes {m.group(1)}/ from {layer}/; "
                                        "dependencies point downwards")
    top = [n for n in os.listdir(os.path.join(root, "node"))
           if os.path.isfile(os.path.join(root, "node", n))]
    if len(top) > NODE_TOP_MAX:
        problems.append(f"node/: {len(top)} files at its top, at most {NODE_TOP_MAX}: "
                        "put the new one in its room (cmd/, http/, federation/)")
    return problems, len(seen)


def self_test():
    import tempfile

    def write(root, rel, text):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    with tempfile.TemporaryDirectory() as root:
        for layer in LAYERS:
            os.makedirs(os.path.join(root, layer))
        write(root, "core/ok.c", '#include "core/ok.h"\n')
        write(root, "peers/sync.c", "\n")
        write(root, "node/cmd/sync.c", "\n")                     # a name twice
        write(root, "registry/big.c", "x;\n" * (MAX_LINES + 1))  # too long
        write(root, "registry/fine.c", "x;\n" * MAX_LINES)       # just fits
        write(root, "core/up.c", '#include "node/node.h"\n')     # upwards
        write(root, "registry/side.c", '#include "peers/peers.h"\n')  # sideways
        for i in range(NODE_TOP_MAX + 1):                          # a full top
            write(root, f"node/f{i}.h", "\n")
        got, _ = check(root)
    want = ["node/cmd/sync.c: same name", "registry/big.c: 1001 lines",
            "core/up.c:1: includes node/", "registry/side.c:1: includes peers/",
            "node/: 16 files at its top"]
    missing = [w for w in want if not any(g.startswith(w) for g in got)]
    extra = [g for g in got if not any(g.startswith(w) for w in want)]
    for m in missing:
        print(f"not reported: {m}")
    for e in extra:
        print(f"reported but not a breach: {e}")
    print(f"self-test: {len(want) - len(missing)} of {len(want)} breaches reported, "
          f"{len(extra)} false")
    return 1 if missing or extra else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2:
        sys.exit(__doc__)
    problems, nfiles = check(argv[1])
    for p in problems:
        print(p)
    print(f"{nfiles} C files checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

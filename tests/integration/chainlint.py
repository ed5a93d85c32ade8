#!/usr/bin/env python3
# chainlint.py - find story commands whose failure nobody sees.
#
# In the spirit of git's t/chainlint: it parses every integration script
# (tests/integration/t*.sh) and the body of every story in it the way bash
# does, and reports the constructs where a failing command does not fail the
# story.  lib.sh runs a body with `set -e` in a subshell, but bash ignores
# `set -e` in many places, and a story that goes on after a failure passes.
#
# Usage: chainlint.py [--self-test DIR] FILE...
#
# Rules (the id is printed with every finding):
#
#   chain-not-last  A `a && b` list that is not the last command: `set -e`
#                   does not stop on a failing `a`, the story goes on.
#                   End the line with `&&` to continue the chain, or split it.
#   broken-chain    Where `set -e` is off (inside a command whose status is
#                   tested: an `if`/`while` condition, a non-final part of a
#                   `&&`/`||` list, a `!` command, a helper function), a
#                   command that is not joined to the next with `&&` and not
#                   the last: its failure is lost.  The last command of a
#                   loop body counts too: add `|| exit 1` (`|| return 1` in a
#                   function).
#   bang-not-last   `! cmd` as a command of its own that is not the last:
#                   `set -e` ignores it.  Chain it with `&&`, or use
#                   test_must_fail for the product.
#   bang-pipe       `! a | b`: when `a` fails, the negation passes.
#   pipe-lost       `a | b` where `a` is not a plain text filter: the
#                   pipeline's status is `b`'s, a failing `a` is lost.  Write
#                   a's output to a file first.
#   or-true         `cmd || true` (or `|| :`, `|| echo`...) swallows cmd's
#                   failure.
#   exit-status     `$?` read in a story: under `set -e` the command before
#                   failed the story already; use test_expect_code.  Helpers
#                   may only assign it (`rc=$?`).
#   masked-status   `local x=$(cmd)` (export, declare, readonly): the
#                   builtin's status hides cmd's.
#   set-plus-e      `set +e` in a story turns the harness off.
#   story-quoting   test_expect_* not called with a description and one body:
#                   usually a quote inside the single-quoted body.
#   story-syntax    a body bash cannot parse (`bash -n`).
#   story-context   a story started where its status is tested (in an `if`,
#                   a `&&` list): lib.sh cannot report it.
#   no-test-done    the script does not end with test_done.
#   parse           the lint could not parse the script.
#
# A construct that is right as it is carries a trailing comment on one of its
# lines: `# chainlint: ok (why)`.  The reason is required.
#
# --self-test DIR lints every DIR/*.sh and compares the findings with the
# `# expect: RULE` comments on the lines they must be reported on; it fails
# on a missing or an unexpected finding.

import os
import re
import subprocess
import sys

from shparse import ParseError, parse  # the bash parser, beside this file

STORY_FUNCS = ("test_expect_success", "test_expect_failure")

# Commands whose failure in front of a pipe shows up as wrong output in the
# next stage (they only read files or their arguments).
TEXT_FILTERS = {
    "echo", "printf", "cat", "head", "tail", "sed", "tr", "cut", "sort",
    "uniq", "grep", "awk", "wc", "tac", "base64", "od", "xxd", "seq",
    "sha256sum", "sha1sum", "jq", "fold", "nl", "rev", "paste",
}

# Commands that leave a failure to no one when they are the handler of `||`.
NO_OP_HANDLERS = {"true", ":", "echo", "printf"}

# Commands that cannot fail in a way a story asserts on, when they stand
# alone where `set -e` is off.
HARMLESS = {"echo", "printf", "true", ":", "sleep", "shift", "local",
            "set", "trap", "unset", "exit", "return", "break", "continue"}

OK_MARK = re.compile(r"#\s*chainlint:\s*ok\s*\(\s*[^)\s][^)]*\)")
EXPECT_MARK = re.compile(r"#\s*expect:\s*([a-z-]+(?:\s*,\s*[a-z-]+)*)")


# -------------------------------------------------------------- checks ---

ACTIVE, TESTED = "active", "tested"


def cmd_name(node):
    """The command a simple command runs, without quotes; '' for others."""
    if node.kind != "simple" or not node.words:
        return ""
    return re.sub(r"[\"']", "", node.words[0])


def pipeline_tail_cmd(pipe):
    return pipe.cmds[-1]


class Checker:
    def __init__(self, path, lines):
        self.path = path
        self.lines = lines
        self.findings = []   # (line, rule, message)
        self.in_story = False

    def report(self, node_or_line, rule, msg, end=None, at_end=False):
        """Reports on the construct's first line (or its last: at_end).

        A `# chainlint: ok (why)` on any of its lines silences it.
        """
        if isinstance(node_or_line, int):
            line, last = node_or_line, end or node_or_line
        else:
            line, last = node_or_line.line, end or node_or_line.end
        where = last if at_end else line
        for n in range(line, last + 1):
            if 0 < n <= len(self.lines) and OK_MARK.search(self.lines[n - 1]):
                return
        self.findings.append((where, rule, msg))

    # A command whose failure cannot matter where `set -e` is off.
    def harmless(self, and_or):
        if len(and_or.parts) != 1:
            return False
        pipe = and_or.parts[0]
        if pipe.bang or len(pipe.cmds) != 1:
            return False
        cmd = pipe.cmds[0]
        if cmd.kind == "funcdef":
            return True
        if cmd.kind != "simple":
            return False
        if not cmd.words:
            return True
        return cmd_name(cmd) in HARMLESS

    def compound(self, and_or):
        if len(and_or.parts) != 1:
            return False
        pipe = and_or.parts[0]
        return (not pipe.bang and len(pipe.cmds) == 1 and pipe.cmds[0].kind
                in ("subshell", "brace", "if", "case", "loop"))

    def reads_status(self, and_or):
        """Is and_or `var=$?`, the statement that takes the status before?"""
        if and_or is None or len(and_or.parts) != 1:
            return False
        cmd = and_or.parts[0].cmds[0]
        return (cmd.kind == "simple" and not cmd.words and
                any(a.endswith("=$?") for a in cmd.assigns))

    def handled(self, and_or):
        """Ends in `|| handler` with a handler that does something."""
        return and_or.ops and and_or.ops[-1].text == "||"

    def simple_words(self, and_or, k=-1):
        """The words of and_or's k-th part if it is one simple command."""
        pipe = and_or.parts[k]
        if pipe.bang or len(pipe.cmds) != 1 or pipe.cmds[0].kind != "simple":
            return None
        return [re.sub(r"[\"']", "", w) for w in pipe.cmds[0].words]

    def fails(self, and_or):
        """Is and_or `exit N`, `return N` (N > 0) or `false`?"""
        w = self.simple_words(and_or) if len(and_or.parts) == 1 else None
        return bool(w) and (w == ["false"] or (
            w[0] in ("exit", "return") and len(w) == 2 and w[1] != "0"))

    def succeeds(self, and_or):
        """Is and_or `return 0`, `exit 0` or `true`: failures before it
        are ignored on purpose (a cleanup helper)."""
        w = self.simple_words(and_or) if len(and_or.parts) == 1 else None
        return bool(w) and w in (["return", "0"], ["exit", "0"], ["true"])

    def leaves_early(self, and_or):
        """`cond && return 0` (break, continue, exit 0): a poll step whose
        failing condition is the expected case."""
        if len(and_or.parts) < 2 or and_or.ops[-1].text != "&&":
            return False
        w = self.simple_words(and_or)
        return bool(w) and (w in (["break"], ["continue"]) or (
            w[0] in ("return", "exit") and w[1:] == ["0"]))

    def check_list(self, items, ctx, last, loop=False):
        n = len(items)
        # A list that ends failing (an error path) or succeeding on purpose
        # (a cleanup) does not need its commands chained.
        deliberate = n > 0 and (self.fails(items[-1][0]) or
                                self.succeeds(items[-1][0]))
        for idx, (node, sep) in enumerate(items):
            is_last = last and idx == n - 1 and not loop
            if sep == "&":
                self.check_and_or(node, TESTED, True)
                continue
            self.check_and_or(node, ctx, is_last)
            if is_last:
                continue
            if ctx == TESTED:
                # A compound's own tails were checked as not last above.
                nxt = items[idx + 1][0] if idx + 1 < n else None
                if (not deliberate and not self.leaves_early(node) and
                        not self.harmless(node) and not self.handled(node) and
                        not self.compound(node) and
                        not self.reads_status(nxt)):
                    where = ("the last command of a loop body"
                             if loop and idx == n - 1 else "a command")
                    self.report(node, "broken-chain",
                                "%s where set -e is off, not joined with "
                                "&& or ||: its failure is lost (add && or "
                                "|| exit 1)" % where, at_end=True)
            else:
                self.check_active_not_last(node)

    def check_active_not_last(self, and_or):
        # Elements followed only by && up to the end: set -e ignores them.
        lost = []
        for k in range(len(and_or.parts) - 2, -1, -1):
            if and_or.ops[k].text != "&&":
                break
            lost.append(and_or.parts[k])
        if lost:
            first = lost[-1]
            self.report(first, "chain-not-last",
                        "&& list that is not the last command: set -e "
                        "does not stop on its failure (continue the "
                        "chain with && or split it)", end=and_or.end,
                        at_end=True)
        elif len(and_or.parts) == 1 and and_or.parts[0].bang:
            self.report(and_or.parts[0], "bang-not-last",
                        "! cmd that is not the last command: set -e "
                        "ignores it (chain it with && or use "
                        "test_must_fail)")

    def check_and_or(self, node, ctx, last):
        nparts = len(node.parts)
        for k, pipe in enumerate(node.parts):
            final = k == nparts - 1
            if final:
                self.check_pipeline(pipe, ctx, last)
            else:
                self.check_pipeline(pipe, TESTED, True)
            if k > 0 and node.ops[k - 1].text == "||":
                tail = pipe.cmds[-1]
                if (not pipe.bang and len(pipe.cmds) == 1 and
                        cmd_name(tail) in NO_OP_HANDLERS):
                    self.report(node.ops[k - 1].line, "or-true",
                                "|| %s swallows the failure before it" %
                                cmd_name(tail), end=pipe.end)

    def check_pipeline(self, pipe, ctx, last):
        if pipe.bang:
            ctx = TESTED
            if len(pipe.cmds) > 1:
                self.report(pipe, "bang-pipe",
                            "! a | b passes when a fails; write a's "
                            "output to a file and test that")
        elif len(pipe.cmds) > 1:
            for cmd in pipe.cmds[:-1]:
                if cmd.kind == "simple" and (cmd_name(cmd) in TEXT_FILTERS
                                             or not cmd.words):
                    continue
                self.report(cmd, "pipe-lost",
                            "'%s' feeds a pipe: its failure is lost "
                            "(write its output to a file first)" %
                            (cmd_name(cmd) or cmd.kind))
        for k, cmd in enumerate(pipe.cmds):
            if k == len(pipe.cmds) - 1:
                self.check_command(cmd, ctx, last)
            else:
                self.check_command(cmd, TESTED, True)

    def check_command(self, cmd, ctx, last):
        kind = cmd.kind
        if kind == "simple":
            self.check_simple(cmd, ctx)
        elif kind in ("subshell", "brace"):
            self.check_list(cmd.body, ctx, last)
        elif kind == "if":
            for cond, body in cmd.branches:
                self.check_list(cond, TESTED, True)
                self.check_list(body, ctx, last)
            if cmd.other is not None:
                self.check_list(cmd.other, ctx, last)
        elif kind == "loop":
            if cmd.cond is not None:
                self.check_list(cmd.cond, TESTED, True)
            self.check_list(cmd.body, ctx, True, loop=True)
        elif kind == "case":
            for arm in cmd.arms:
                self.check_list(arm, ctx, last)
        elif kind == "funcdef":
            # A helper runs wherever it is called, often in a tested place.
            self.check_command(cmd.body, TESTED, True)

    def check_simple(self, cmd, ctx):
        name = cmd_name(cmd)
        texts = cmd.assigns + cmd.words
        if name in ("local", "export", "declare", "readonly", "typeset"):
            if any(re.search(r"=.*(\$\(|`)", w) for w in cmd.words[1:]):
                self.report(cmd, "masked-status",
                            "%s x=$(cmd) hides cmd's failure; assign "
                            "first, then %s" % (name, name))
        if any("$?" in w for w in texts):
            only_assign = not cmd.words and all(
                re.match(r"^[A-Za-z_][A-Za-z0-9_]*=\$\?$", a)
                for a in cmd.assigns)
            if self.in_story or not only_assign:
                self.report(cmd, "exit-status",
                            "$? in a story: under set -e the command "
                            "before it already ended the story; use "
                            "test_expect_code or test_must_fail")
        if self.in_story and name == "set" and any(
                w.startswith("+") and ("e" in w or w == "+o")
                for w in cmd.words[1:]):
            self.report(cmd, "set-plus-e", "set +e turns the harness off")
        if name in STORY_FUNCS:
            self.report(cmd, "story-context",
                        "%s where its status is tested or inside a "
                        "command: run stories at the top of the script" %
                        name)


# ---------------------------------------------------- story extraction ---

def unquote_body(word):
    """The text of a word made of '...' parts and \\' escapes, or None."""
    out, i = [], 0
    while i < len(word):
        c = word[i]
        if c == "'":
            j = word.index("'", i + 1)
            out.append(word[i + 1:j])
            i = j + 1
        elif c == "\\" and i + 1 < len(word):
            out.append(word[i + 1])
            i += 2
        elif c == '"' and word.find('"', i + 1) > 0:
            j = word.index('"', i + 1)
            inner = word[i + 1:j]
            if re.search(r"[$`\\]", inner):
                return None
            out.append(inner)
            i = j + 1
        else:
            return None
    return "".join(out)


def bash_syntax_error(text):
    res = subprocess.run(["bash", "-n"], input=text.encode(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode == 0:
        return None
    return res.stderr.decode(errors="replace").strip().splitlines()[0]


def walk_top(items, checker, tested):
    """Visits the script's own commands: stories, helpers, test_done."""
    for node, _sep in items:
        top_ok = len(node.parts) == 1 and not tested
        for k, pipe in enumerate(node.parts):
            for cmd in pipe.cmds:
                in_tested = (tested or not top_ok or len(pipe.cmds) > 1 or
                             pipe.bang)
                visit_top_command(cmd, checker, in_tested)


def visit_top_command(cmd, checker, tested):
    if cmd.kind == "simple":
        name = cmd_name(cmd)
        if name in STORY_FUNCS:
            if tested:
                checker.report(cmd, "story-context",
                               "%s where its status is tested: lib.sh "
                               "cannot report it" % name)
            check_story(cmd, checker)
    elif cmd.kind == "funcdef":
        checker.in_story = False
        checker.check_command(cmd, TESTED, True)
    elif cmd.kind in ("subshell", "brace"):
        walk_top(cmd.body, checker, tested)
    elif cmd.kind == "if":
        for cond, body in cmd.branches:
            walk_top(cond, checker, True)
            walk_top(body, checker, tested)
        if cmd.other is not None:
            walk_top(cmd.other, checker, tested)
    elif cmd.kind == "loop":
        if cmd.cond is not None:
            walk_top(cmd.cond, checker, True)
        walk_top(cmd.body, checker, tested)
    elif cmd.kind == "case":
        for arm in cmd.arms:
            walk_top(arm, checker, tested)


def check_story(cmd, checker):
    name = cmd_name(cmd)
    args = cmd.words[1:]
    if len(args) != 2:
        checker.report(cmd, "story-quoting",
                       "%s takes a description and a body, got %d "
                       "words: a quote inside the body?" % (name, len(args)))
        return
    word = args[1]
    body = unquote_body(word)
    if body is None:
        checker.report(cmd, "story-quoting",
                       "the body of %s is not a single-quoted string" % name)
        return
    # The line the body's text starts on: where its opening quote is.
    start = cmd.end - word.count("\n")
    err = bash_syntax_error(body)
    if err:
        checker.report(start, "story-syntax", "bash -n: %s" % err)
        return
    try:
        items = parse(body, start)
    except ParseError as e:
        checker.report(e.line, "parse", str(e))
        return
    checker.in_story = True
    checker.check_list(items, ACTIVE, True)
    checker.in_story = False


def lint_file(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    checker = Checker(path, lines)
    err = bash_syntax_error(text)
    if err:
        checker.findings.append((1, "parse", "bash -n: %s" % err))
        return checker.findings
    try:
        items = parse(text)
    except ParseError as e:
        checker.findings.append((e.line, "parse", str(e)))
        return checker.findings
    walk_top(items, checker, False)
    last = items[-1][0] if items else None
    if (last is None or len(last.parts) != 1 or len(last.parts[0].cmds) != 1
            or cmd_name(last.parts[0].cmds[0]) != "test_done"):
        checker.report(len(text.rstrip("\n").split("\n")), "no-test-done",
                       "the script does not end with test_done")
    return sorted(set(checker.findings))


def expected_findings(path):
    want = set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = EXPECT_MARK.search(line)
            if m:
                for rule in m.group(1).split(","):
                    want.add((n, rule.strip()))
    return want


def self_test(directory):
    failed = 0
    files = sorted(os.path.join(directory, f) for f in os.listdir(directory)
                   if f.endswith(".sh"))
    if not files:
        print("not ok - no chainlint cases in %s" % directory)
        return 1
    for path in files:
        got = {(line, rule) for line, rule, _ in lint_file(path)}
        want = expected_findings(path)
        name = os.path.basename(path)
        if got == want:
            print("ok - %s (%d findings)" % (name, len(got)))
            continue
        failed += 1
        print("not ok - %s" % name)
        for line, rule in sorted(want - got):
            print("#   missed %s:%d: %s" % (name, line, rule))
        for line, rule in sorted(got - want):
            print("#   unexpected %s:%d: %s" % (name, line, rule))
    print("%d passed, %d failed" % (len(files) - failed, failed))
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "--self-test":
        return self_test(argv[1])
    if not argv:
        print("usage: chainlint.py [--self-test DIR] FILE...",
              file=sys.stderr)
        return 2
    total = 0
    for path in argv:
        for line, rule, msg in lint_file(path):
            print("%s:%d: %s: %s" % (path, line, rule, msg))
            total += 1
    if total:
        print("chainlint: %d finding(s); mark a construct that is right "
              "with '# chainlint: ok (why)'" % total, file=sys.stderr)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

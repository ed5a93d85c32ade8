#!/usr/bin/env python3
# shparse.py - a small parser of the bash that integration stories are
# written in, for chainlint.py: a lexer that knows quotes, $( ), ${ },
# backticks, here-documents and comments, and a parser that builds lists,
# pipelines, `!`, subshells, groups, if/while/until/for/case, [[ ]] and
# function definitions, each node with the lines it spans. It parses only
# to find what a failing command would do: words are kept as written.

import re


class ParseError(Exception):
    def __init__(self, line, msg):
        Exception.__init__(self, msg)
        self.line = line


# ---------------------------------------------------------------- lexer --

class Tok:
    __slots__ = ("kind", "text", "line", "end")

    def __init__(self, kind, text, line, end):
        self.kind = kind      # "word", "op", "nl", "eof"
        self.text = text
        self.line = line      # line the token starts on
        self.end = end        # line the token ends on

    def __repr__(self):
        return "%s(%r@%d)" % (self.kind, self.text, self.line)


OPS = ["&&", "||", ";;&", ";;", ";&", "|&", "<<<", "<<-", "<<", ">>", "<&",
       ">&", "<>", ">|", "&>>", "&>", "|", "&", ";", "(", ")", "<", ">"]
META = set("|&;()<> \t\n")


class Lexer:
    """Turns shell text into words and operators, keeping line numbers.

    Quoting, $(...), ${...}, `...` and here-documents are skipped over as
    bash reads them; what is inside a word is not analysed further.
    """

    def __init__(self, text, line=1):
        self.s = text
        self.i = 0
        self.line = line
        self.heredocs = []    # delimiters waiting for the next newline
        self.toks = []

    def err(self, msg):
        raise ParseError(self.line, msg)

    def peekc(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def adv(self, n=1):
        for _ in range(n):
            if self.s[self.i] == "\n":
                self.line += 1
            self.i += 1

    def skip_single(self):
        self.adv()
        while self.peekc() != "'":
            if self.peekc() == "":
                self.err("unterminated single quote")
            self.adv()
        self.adv()

    def skip_double(self):
        self.adv()
        while True:
            c = self.peekc()
            if c == "":
                self.err("unterminated double quote")
            if c == '"':
                self.adv()
                return
            if c == "\\":
                self.adv(2)
            elif c == "$":
                self.skip_dollar()
            elif c == "`":
                self.skip_backtick()
            else:
                self.adv()

    def skip_backtick(self):
        self.adv()
        while self.peekc() != "`":
            if self.peekc() == "":
                self.err("unterminated backquote")
            if self.peekc() == "\\":
                self.adv()
            self.adv()
        self.adv()

    def skip_dollar(self):
        nxt = self.peekc(1)
        if nxt == "(":
            self.adv(2)
            self.skip_balanced(")")
        elif nxt == "{":
            self.adv(2)
            self.skip_balanced("}")
        elif nxt == "'":
            self.adv()
            self.adv()
            while self.peekc() != "'":
                if self.peekc() == "":
                    self.err("unterminated $'...'")
                if self.peekc() == "\\":
                    self.adv()
                self.adv()
            self.adv()
        else:
            self.adv()

    def skip_balanced(self, close):
        """Skips to the `close` that matches an opening already consumed."""
        opener = "(" if close == ")" else "{"
        depth = 1
        while True:
            c = self.peekc()
            if c == "":
                self.err("unterminated $%s" % opener)
            if c == "'" and close == ")":
                self.skip_single()
            elif c == '"':
                self.skip_double()
            elif c == "`":
                self.skip_backtick()
            elif c == "\\":
                self.adv(2)
            elif c == "$":
                self.skip_dollar()
            elif c == "#" and close == ")" and self.s[self.i - 1] in " \t\n":
                while self.peekc() not in ("\n", ""):
                    self.adv()
            elif c == opener:
                depth += 1
                self.adv()
            elif c == close:
                depth -= 1
                self.adv()
                if depth == 0:
                    return
            else:
                self.adv()

    def read_heredoc(self, delim, strip_tabs):
        while True:
            if self.i >= len(self.s):
                self.err("here-document for %s never ends" % delim)
            j = self.s.find("\n", self.i)
            if j < 0:
                j = len(self.s)
            raw = self.s[self.i:j]
            self.i = min(j + 1, len(self.s))
            self.line += 1
            if (raw.lstrip("\t") if strip_tabs else raw) == delim:
                return

    def word(self):
        start, line = self.i, self.line
        while True:
            c = self.peekc()
            if c == "" or c in META:
                # <(...) and >(...) inside a word
                if c in "<>" and self.peekc(1) == "(" and self.i == start:
                    self.adv(2)
                    self.skip_balanced(")")
                    continue
                break
            if c == "'":
                self.skip_single()
            elif c == '"':
                self.skip_double()
            elif c == "`":
                self.skip_backtick()
            elif c == "\\":
                self.adv(2)
            elif c == "$":
                self.skip_dollar()
            else:
                self.adv()
        return Tok("word", self.s[start:self.i], line, self.line)

    def run(self):
        pending_delim = None
        while True:
            c = self.peekc()
            if c == "":
                self.toks.append(Tok("eof", "", self.line, self.line))
                return self.toks
            if c in " \t":
                self.adv()
                continue
            if c == "\\" and self.peekc(1) == "\n":
                self.adv(2)
                continue
            if c == "#":
                while self.peekc() not in ("\n", ""):
                    self.adv()
                continue
            if c == "\n":
                self.toks.append(Tok("nl", "\n", self.line, self.line))
                self.adv()
                for delim, strip in self.heredocs:
                    self.read_heredoc(delim, strip)
                self.heredocs = []
                continue
            if c in "<>" and self.peekc(1) == "(":
                self.toks.append(self.word())
                continue
            op = None
            for o in OPS:
                if self.s.startswith(o, self.i):
                    op = o
                    break
            if op:
                t = Tok("op", op, self.line, self.line)
                self.adv(len(op))
                self.toks.append(t)
                if op in ("<<", "<<-"):
                    pending_delim = op
                continue
            t = self.word()
            # an io number: 2>file
            if (t.text.isdigit() and self.peekc() in "<>"):
                t.kind = "ionum"
            self.toks.append(t)
            if pending_delim and t.kind == "word":
                delim = re.sub(r"[\\'\"]", "", t.text)
                self.heredocs.append((delim, pending_delim == "<<-"))
                pending_delim = None


# --------------------------------------------------------------- parser --

class Node:
    def __init__(self, kind, line, end, **kw):
        self.kind = kind
        self.line = line
        self.end = end
        self.__dict__.update(kw)


RESERVED_END = {"then", "else", "elif", "fi", "do", "done", "esac", "}"}
REDIR_OPS = {"<", ">", ">>", "<&", ">&", "<>", ">|", "&>", "&>>", "<<<",
             "<<", "<<-"}
ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")


class Parser:
    """A recursive-descent parser for the part of bash stories use.

    list     := and_or ((';' | '&' | NL) and_or)*
    and_or   := pipeline (('&&' | '||') NL* pipeline)*
    pipeline := ['!'] command ('|' NL* command)*
    command  := simple | '(' list ')' | '{' list '}' | if | for | while
              | until | case | NAME '()' command
    """

    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def peek(self, k=0):
        return self.t[min(self.i + k, len(self.t) - 1)]

    def take(self):
        tok = self.t[self.i]
        self.i += 1
        return tok

    def err(self, msg):
        raise ParseError(self.peek().line, msg)

    def is_word(self, text, k=0):
        tok = self.peek(k)
        return tok.kind == "word" and tok.text == text

    def expect_word(self, text):
        if not self.is_word(text):
            self.err("expected '%s', found '%s'" % (text, self.peek().text))
        return self.take()

    def skip_nl(self):
        while self.peek().kind == "nl":
            self.take()

    def at_list_end(self, stops):
        tok = self.peek()
        if tok.kind == "eof":
            return True
        if tok.kind == "op" and tok.text in (")", ";;", ";&", ";;&"):
            return True
        return tok.kind == "word" and tok.text in stops

    def parse_list(self, stops=()):
        items = []   # (and_or node, separator)
        self.skip_nl()
        while not self.at_list_end(stops):
            node = self.parse_and_or()
            sep = None
            tok = self.peek()
            if tok.kind == "op" and tok.text in (";", "&"):
                sep = self.take().text
            elif tok.kind == "nl":
                sep = "\n"
            elif not self.at_list_end(stops):
                self.err("unexpected '%s'" % tok.text)
            items.append((node, sep))
            self.skip_nl()
        return items

    def parse_and_or(self):
        parts = [self.parse_pipeline()]
        ops = []
        while self.peek().kind == "op" and self.peek().text in ("&&", "||"):
            ops.append(self.take())
            self.skip_nl()
            parts.append(self.parse_pipeline())
        return Node("and_or", parts[0].line, parts[-1].end, parts=parts,
                    ops=ops)

    def parse_pipeline(self):
        bang = None
        if self.is_word("!"):
            bang = self.take()
        cmds = [self.parse_command()]
        while self.peek().kind == "op" and self.peek().text in ("|", "|&"):
            self.take()
            self.skip_nl()
            cmds.append(self.parse_command())
        line = bang.line if bang else cmds[0].line
        return Node("pipeline", line, cmds[-1].end, bang=bang is not None,
                    cmds=cmds)

    def parse_redirs(self, node):
        while True:
            tok = self.peek()
            if tok.kind == "ionum":
                self.take()
                continue
            if tok.kind == "op" and tok.text in REDIR_OPS:
                self.take()
                tgt = self.take()
                if tgt.kind != "word":
                    self.err("redirection without a target")
                node.end = max(node.end, tgt.end)
                continue
            return node

    def parse_command(self):
        tok = self.peek()
        if tok.kind == "op" and tok.text == "(":
            if self.peek(1).kind == "op" and self.peek(1).text == "(":
                return self.parse_arith()
            self.take()
            body = self.parse_list()
            close = self.take()
            if close.text != ")":
                self.err("expected ')'")
            return self.parse_redirs(Node("subshell", tok.line, close.line,
                                          body=body))
        if tok.kind == "word":
            w = tok.text
            if w == "{":
                self.take()
                body = self.parse_list(("}",))
                close = self.expect_word("}")
                return self.parse_redirs(Node("brace", tok.line, close.line,
                                              body=body))
            if w == "if":
                return self.parse_if()
            if w in ("while", "until"):
                self.take()
                cond = self.parse_list(("do",))
                self.expect_word("do")
                body = self.parse_list(("done",))
                done = self.expect_word("done")
                return self.parse_redirs(Node("loop", tok.line, done.line,
                                              cond=cond, body=body))
            if w == "for":
                return self.parse_for()
            if w == "case":
                return self.parse_case()
            if w == "[[":
                return self.parse_dbracket()
            if (self.peek(1).kind == "op" and self.peek(1).text == "(" and
                    self.peek(2).kind == "op" and self.peek(2).text == ")"):
                self.take()
                self.take()
                self.take()
                self.skip_nl()
                body = self.parse_command()
                return Node("funcdef", tok.line, body.end, name=w, body=body)
        return self.parse_simple()

    def parse_arith(self):
        first = self.take()
        depth = 0
        while True:
            tok = self.take()
            if tok.kind == "eof":
                self.err("unterminated (( ))")
            if tok.kind == "op" and tok.text == "(":
                depth += 1
            elif tok.kind == "op" and tok.text == ")":
                depth -= 1
                if depth == 0:
                    break
        return self.parse_redirs(Node("simple", first.line, tok.line,
                                      words=["(("], assigns=[]))

    def parse_dbracket(self):
        first = self.take()
        while not self.is_word("]]"):
            if self.peek().kind == "eof":
                self.err("unterminated [[")
            self.take()
        last = self.take()
        return self.parse_redirs(Node("simple", first.line, last.line,
                                      words=["[["], assigns=[]))

    def parse_if(self):
        first = self.take()
        branches = []
        cond = self.parse_list(("then",))
        self.expect_word("then")
        body = self.parse_list(("elif", "else", "fi"))
        branches.append((cond, body))
        other = None
        while True:
            if self.is_word("elif"):
                self.take()
                cond = self.parse_list(("then",))
                self.expect_word("then")
                body = self.parse_list(("elif", "else", "fi"))
                branches.append((cond, body))
            elif self.is_word("else"):
                self.take()
                other = self.parse_list(("fi",))
            else:
                break
        fi = self.expect_word("fi")
        return self.parse_redirs(Node("if", first.line, fi.line,
                                      branches=branches, other=other))

    def parse_for(self):
        first = self.take()
        if self.peek().kind == "op" and self.peek().text == "(":
            # for ((...)); do
            depth = 0
            while True:
                tok = self.take()
                if tok.kind == "op" and tok.text == "(":
                    depth += 1
                elif tok.kind == "op" and tok.text == ")":
                    depth -= 1
                    if depth == 0:
                        break
        else:
            self.take()   # the name
            self.skip_nl()
            if self.is_word("in"):
                self.take()
                while self.peek().kind == "word":
                    self.take()
        if self.peek().kind == "op" and self.peek().text == ";":
            self.take()
        self.skip_nl()
        self.expect_word("do")
        body = self.parse_list(("done",))
        done = self.expect_word("done")
        return self.parse_redirs(Node("loop", first.line, done.line,
                                      cond=None, body=body))

    def parse_case(self):
        first = self.take()
        self.take()   # the subject
        self.skip_nl()
        self.expect_word("in")
        arms = []
        while True:
            self.skip_nl()
            if self.is_word("esac"):
                break
            if self.peek().kind == "op" and self.peek().text == "(":
                self.take()
            while not (self.peek().kind == "op" and self.peek().text == ")"):
                if self.peek().kind == "eof":
                    self.err("unterminated case pattern")
                self.take()
            self.take()
            arms.append(self.parse_list(("esac",)))
            if self.peek().kind == "op" and self.peek().text in (";;", ";&",
                                                                 ";;&"):
                self.take()
        esac = self.expect_word("esac")
        return self.parse_redirs(Node("case", first.line, esac.line,
                                      arms=arms))

    def parse_simple(self):
        words, assigns = [], []
        first = self.peek()
        end = first.line
        while True:
            tok = self.peek()
            if tok.kind == "ionum" or (tok.kind == "op" and
                                       tok.text in REDIR_OPS):
                node = Node("simple", first.line, end)
                self.parse_redirs(node)
                end = node.end
                continue
            if tok.kind != "word":
                break
            if not words and tok.text in RESERVED_END:
                break
            self.take()
            end = tok.end
            if not words and ASSIGN.match(tok.text):
                assigns.append(tok.text)
            else:
                words.append(tok.text)
        if not words and not assigns:
            self.err("expected a command, found '%s'" % (first.text or
                                                          "end of text"))
        return Node("simple", first.line, end, words=words, assigns=assigns)


def parse(text, line=1):
    p = Parser(Lexer(text, line).run())
    items = p.parse_list()
    if p.peek().kind != "eof":
        p.err("unexpected '%s'" % p.peek().text)
    return items

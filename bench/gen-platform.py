#!/usr/bin/env python3
"""gen-platform.py - write a `git fast-import` stream shaped like the history
of a real open-source platform (CKAN's size at publish.sh's 28,000 commits).

    gen-platform.py MANIFEST COMMITS [FROM] | git -C REPO fast-import --quiet ...

Writes commits FROM+1 .. COMMITS (FROM defaults to 0) of one deterministic
history: the same arguments give the same stream, hence the same commit ids,
and the first N commits are the same in every history of N or more. A run
with FROM > 0 continues the repository a run up to FROM left: give that run
`--export-marks=FILE` and this one `--import-marks=FILE` (commit n has the
mark :n). refs/heads/main ends at the newest commit of the main line;
refs/heads/topic at the newest topic branch, merged into main or still open.

The shape:

  - the first commit holds MANIFEST as publiccode.yml at the top and 1,500
    source files of 40 to 200 lines of code-like text (names from a fixed
    vocabulary, each file with its own, indentation, calls, comments) that
    zlib compresses about 3.4:1, at depth 3 to 6 in a nested tree;
  - a main-line commit edits 1 to 5 files, the older ones more often, a few
    lines around one spot of each (replaced, inserted, dropped); now and then
    it adds a file (sometimes in a new directory), deletes or renames one,
    adds or replaces an image (random bytes behind a PNG signature: like real
    images they neither compress nor delta); every 250th commit updates the
    translation catalogs (i18n/<lang>/LC_MESSAGES/platform.po, ~150 KiB each,
    a tenth of their messages rewritten);
  - about one commit in eight merges a topic branch of 1 to 4 commits, which
    edit files the main line leaves alone meanwhile.
"""
import hashlib
import random
import sys

START_FILES = 1500
P_TOPIC = 0.35  # chance a main-line commit forks a topic (when none is open)
P_TOPIC_COMMIT = 0.7  # chance the next commit is the open topic's
P_ADD = 0.07
P_NEW_DIR = 0.1
P_DELETE = 0.01
P_RENAME = 0.006
P_IMAGE = 0.068
P_IMAGE_REPLACE = 0.3  # of the image commits, the share that replaces one
IMAGE_MEDIAN = 110 * 1024
IMAGE_MAX = 3 << 20
CATALOG_EVERY = 250
LANGS = ["de", "fr", "es", "it", "nl", "pl", "pt_BR", "sv", "fi", "da", "cs_CZ", "ja",
         "zh_Hans", "ko_KR", "ru", "tr", "uk", "el", "hu", "ro"]
CATALOG_MESSAGES = 900
EPOCH = 1262304000  # 2010-01-01


class Gen:
    def __init__(self):
        self.rng = random.Random(28440)
        rng = self.rng
        syll = ["ka", "lo", "mi", "ne", "ru", "ta", "po", "se", "di", "fa", "gu", "he", "ji",
                "ko", "la", "mo", "ni", "pa", "ri", "so", "tu", "va", "we", "xi", "yo", "ze"]
        words = set()
        while len(words) < 1200:
            w = "".join(rng.choice(syll) for _ in range(rng.randint(2, 4)))
            if rng.random() < 0.4:
                w += "_" + "".join(rng.choice(syll) for _ in range(rng.randint(1, 3)))
            words.add(w)
        self.idents = [w.encode() for w in sorted(words)]
        self.common = [w.encode() for w in (
            "self context data_dict model toolkit config request session result "
            "package_dict user_obj resource_id errors value key").split()]
        self.local = []
        self.locals = {}  # path -> the names that file uses
        self.prose = [w.encode() for w in (
            "the a of to and is in for this that with when not be are on it we as "
            "dataset resource package user group organization view api action schema "
            "validate return value default field request response error plugin config "
            "template page search index query filter license harvest upload storage "
            "cache session token auth permission test helper route blueprint form").split()]
        self.people = [b"%s <%s@example.org>" % (n.encode(), n.lower().replace(" ", ".").encode())
                       for n in ("Ana Silva", "Ben Okafor", "Chen Wei", "Dana Kowalski",
                                 "Eli Haddad", "Fatima Zahra", "Gus Larsen", "Hana Sato",
                                 "Ivan Petrov", "Jon Meyer", "Kira Novak", "Luis Ortega",
                                 "Mia Schulz", "Nils Berg", "Olga Ivanova", "Priya Nair",
                                 "Quinn Doyle", "Rosa Mendez", "Sam Adeyemi", "Tara Quinn",
                                 "Uma Rao", "Viktor Hale", "Wen Li", "Yusuf Demir")]
        self.when = EPOCH
        self.files = {}  # path -> list of lines (text) or bytes (image)
        self.paths = []  # text files in the order they were added
        self.images = []
        self.dirs = []
        self.locked = set()  # files an open topic edits
        self.topic = None
        self.mainline = 0  # mark of refs/heads/main's tip
        self.commit_no = 0
        self.pr = 1000

    # --- text ------------------------------------------------------------
    def ident(self):
        # Zipf-like: a few names are everywhere, most are rare.
        n = len(self.idents)
        return self.idents[int(n * self.rng.random() ** 2.5)]

    def name(self):
        # Code repeats itself: a few names every file uses, and each file's own.
        r = self.rng.random()
        if r < 0.35:
            return self.common[int(len(self.common) * r / 0.35)]
        return self.rng.choice(self.local)

    def code_line(self, depth):
        rng, i = self.rng, self.name
        ind = b"    " * depth
        k = rng.randrange(12)
        if k == 0:
            return ind + b"def %s(self, %s, %s=None):\n" % (i(), i(), i())
        if k == 1:
            return ind + b"if %s is None or %s.%s(%s):\n" % (i(), i(), i(), i())
        if k == 2:
            return ind + b"return %s.%s(%s, %d)\n" % (i(), i(), i(), rng.randrange(1000))
        if k == 3:
            return ind + b"# " + b" ".join(rng.choice(self.prose)
                                           for _ in range(rng.randint(4, 11))) + b"\n"
        if k == 4:
            return ind + b"for %s in %s.%s():\n" % (i(), i(), i())
        if k == 5:
            return ind + b"%s['%s'] = %s\n" % (i(), i(), i())
        if k == 6:
            return b"\n"
        return ind + b"%s = %s.%s(%s, %s=%s)\n" % (i(), i(), i(), i(), i(), i())

    def text_file(self, path):
        self.local = self.locals[path] = [self.ident() for _ in range(24)]
        n = self.rng.randint(40, 200)
        return [self.code_line(self.rng.choice((0, 1, 1, 2, 2, 3))) for _ in range(n)]

    def edit(self, path, lines):
        rng = self.rng
        self.local = self.locals[path]
        at = rng.randrange(len(lines) + 1)
        for _ in range(rng.randint(1, 6)):
            op = rng.random()
            pos = min(max(0, at + rng.randint(-3, 3)), len(lines))
            if op < 0.45 and pos < len(lines):
                lines[pos] = self.code_line(rng.randint(0, 3))
            elif op < 0.8 or len(lines) < 30:
                lines.insert(pos, self.code_line(rng.randint(0, 3)))
            elif pos < len(lines):
                del lines[pos]

    def catalog(self):
        out = []
        for m in range(CATALOG_MESSAGES):
            out.append(self.catalog_entry(m))
        return out

    def catalog_entry(self, m):
        rng = self.rng
        words = b" ".join(rng.choice(self.prose) for _ in range(rng.randint(3, 12)))
        return (b"#: %s/%s.py:%d\nmsgid \"%s %d\"\nmsgstr \"%s\"\n\n"
                % (rng.choice(self.dirs), self.ident(), rng.randrange(2000), words, m,
                   b" ".join(rng.choice(self.idents) for _ in range(rng.randint(3, 12)))))

    def image(self):
        size = min(IMAGE_MAX, int(self.rng.lognormvariate(0, 1.0) * IMAGE_MEDIAN))
        return b"\x89PNG\r\n\x1a\n" + self.rng.randbytes(max(size, 64))

    # --- tree ------------------------------------------------------------
    def new_dir(self):
        # Directories at depth 2 to 5, so files sit at depth 3 to 6.
        rng = self.rng
        tops = (b"platform", b"ext", b"web", b"docs", b"tests", b"tools")
        while True:
            base = rng.choice(self.dirs) if self.dirs and rng.random() < 0.8 else rng.choice(tops)
            d = base + b"/" + self.ident()
            if d.count(b"/") + 1 <= 5 and d not in self.dirs:
                self.dirs.append(d)
                return d

    def new_path(self):
        rng = self.rng
        if not self.dirs or rng.random() < P_NEW_DIR:
            d = self.new_dir()
        else:
            d = rng.choice(self.dirs)
        ext = rng.choice((b".py", b".py", b".py", b".js", b".html", b".rst", b".css"))
        while True:
            p = d + b"/" + self.ident() + ext
            if p not in self.files:
                return p

    def pick(self):
        # The older files are edited more often; never a locked one.
        while True:
            p = self.paths[int(len(self.paths) * self.rng.random() ** 1.5)]
            if p not in self.locked:
                return p

    # --- stream ----------------------------------------------------------
    def header(self, out, ref, message, parents):
        rng = self.rng
        self.commit_no += 1
        self.when += rng.randint(300, 30000)
        who = rng.choice(self.people)
        out.append(b"commit %s\nmark :%d\n" % (ref, self.commit_no))
        out.append(b"author %s %d +0000\ncommitter %s %d +0000\n" % (who, self.when, who, self.when))
        out.append(b"data %d\n%s\n" % (len(message), message))
        for n, p in enumerate(parents):
            out.append(b"%s :%d\n" % (b"from" if n == 0 else b"merge", p))

    @staticmethod
    def blob(out, path, content, mode=b"100644"):
        out.append(b"M %s inline %s\ndata %d\n" % (mode, path, len(content)))
        out.append(content)
        out.append(b"\n")

    def message(self):
        rng = self.rng
        verb = rng.choice((b"Fix", b"Add", b"Update", b"Refactor", b"Remove", b"Document",
                           b"Test", b"Simplify"))
        subject = b"%s %s in %s" % (verb, self.ident(), self.ident())
        if rng.random() < 0.4:
            subject += b"\n\n" + b" ".join(rng.choice(self.prose)
                                            for _ in range(rng.randint(8, 40)))
        return subject + b"\n"

    def first_commit(self, out, manifest):
        self.header(out, b"refs/heads/main", b"Initial import of the platform\n", [])
        self.blob(out, b"publiccode.yml", manifest)
        for _ in range(START_FILES):
            p = self.new_path()
            self.files[p] = self.text_file(p)
            self.paths.append(p)
            self.blob(out, p, b"".join(self.files[p]))
        self.mainline = self.commit_no

    def main_commit(self, out):
        rng = self.rng
        n = self.commit_no + 1
        if n % CATALOG_EVERY == 0:
            self.header(out, b"refs/heads/main", b"Update translations from Transifex\n",
                        [self.mainline])
            self.mainline = self.commit_no
            for lang in rng.sample(LANGS, rng.randint(6, len(LANGS))):
                p = b"i18n/%s/LC_MESSAGES/platform.po" % lang.encode()
                cat = self.files.get(p) or self.catalog()
                for _ in range(CATALOG_MESSAGES // 10):
                    m = rng.randrange(len(cat))
                    cat[m] = self.catalog_entry(m)
                self.files[p] = cat
                self.blob(out, p, b"".join(cat))
            return
        self.header(out, b"refs/heads/main", self.message(), [self.mainline])
        self.mainline = self.commit_no
        for _ in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))):
            p = self.pick()
            self.edit(p, self.files[p])
            self.blob(out, p, b"".join(self.files[p]))
        if rng.random() < P_ADD:
            p = self.new_path()
            self.files[p] = self.text_file(p)
            self.paths.append(p)
            self.blob(out, p, b"".join(self.files[p]))
        if rng.random() < P_DELETE:
            p = self.pick()
            self.paths.remove(p)
            del self.files[p]
            del self.locals[p]
            out.append(b"D %s\n" % p)
        if rng.random() < P_RENAME:
            p = self.pick()
            q = self.new_path()
            self.paths[self.paths.index(p)] = q
            self.files[q] = self.files.pop(p)
            self.locals[q] = self.locals.pop(p)
            out.append(b"R %s %s\n" % (p, q))
        if rng.random() < P_IMAGE:
            if self.images and rng.random() < P_IMAGE_REPLACE:
                p = rng.choice(self.images)
            else:
                p = b"web/public/images/%s/%s.png" % (self.ident(), self.ident())
                if p in self.files:
                    return
                self.images.append(p)
            self.files[p] = self.image()
            self.blob(out, p, self.files[p])

    def open_topic(self):
        rng = self.rng
        files = set()
        for _ in range(rng.randint(1, 5)):
            files.add(self.pick())
        self.locked |= files
        self.topic = {"base": self.mainline, "tip": None, "left": rng.randint(1, 4),
                      "files": {p: list(self.files[p]) for p in sorted(files)}}

    def topic_commit(self, out):
        t = self.topic
        self.header(out, b"refs/heads/topic", self.message(), [t["tip"] or t["base"]])
        t["tip"] = self.commit_no
        t["left"] -= 1
        paths = sorted(t["files"])
        for p in self.rng.sample(paths, self.rng.randint(1, len(paths))):
            self.edit(p, t["files"][p])
            self.blob(out, p, b"".join(t["files"][p]))

    def merge(self, out):
        t = self.topic
        self.pr += self.rng.randint(1, 6)
        msg = b"Merge pull request #%d from %s/%s\n" % (self.pr, self.ident(), self.ident())
        self.header(out, b"refs/heads/main", msg, [self.mainline, t["tip"]])
        self.mainline = self.commit_no
        for p, lines in sorted(t["files"].items()):
            content = b"".join(lines)
            oid = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest().encode()
            out.append(b"M 100644 %s %s\n" % (oid, p))
            self.files[p] = lines
        self.locked.clear()
        self.topic = None

    def step(self, out):
        t = self.topic
        if t is not None and t["left"] == 0:
            self.merge(out)
        elif t is not None and self.rng.random() < P_TOPIC_COMMIT:
            self.topic_commit(out)
        else:
            self.main_commit(out)
            if t is None and self.rng.random() < P_TOPIC:
                self.open_topic()


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: gen-platform.py MANIFEST COMMITS [FROM]")
    with open(sys.argv[1], "rb") as f:
        manifest = f.read()
    commits = int(sys.argv[2])
    first = int(sys.argv[3]) if len(sys.argv) == 4 else 0
    if not 0 <= first < commits:
        sys.exit("gen-platform.py: FROM must be at least 0 and less than COMMITS")
    g = Gen()
    stdout = sys.stdout.buffer
    out = []
    g.first_commit(out, manifest)
    while g.commit_no < commits:
        if g.commit_no == first:
            # Continuing a run that stopped here: the topic branch, if one is
            # open, and main are where that run left them (--import-marks).
            out.clear()
        if g.commit_no >= first:
            stdout.write(b"".join(out))
        out.clear()
        g.step(out)
    if g.commit_no > first:
        stdout.write(b"".join(out))
    stdout.write(b"reset refs/heads/main\nfrom :%d\n" % g.mainline)


if __name__ == "__main__":
    main()

/*
 * tree_check.c - refusing the tree names, modes and shapes that turn a
 * checkout or an archive against its reader (tree_check.h has the rules),
 * and walking a repository's trees once each to apply them.
 *
 * Names are untrusted bytes: they are read through cn_reader and examined
 * byte by byte with their length, never as C strings.
 */
#include "core/tree_check.h"
#include "core/buf.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODE_TREE     0040000u
#define MODE_BLOB     0100644u
#define MODE_BLOB_GW  0100664u
#define MODE_EXEC     0100755u
#define MODE_LINK     0120000u
#define MODE_GITLINK  0160000u
#define MAX_MODE_LEN  7
#define SHOW_NAME_MAX 120

/* ---- one name --------------------------------------------------------- */

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* name as printable ASCII for a message: other bytes as \xNN, cut short. */
static void show_name(char *out, size_t size, const unsigned char *name, size_t len)
{
    size_t i, o = 0;

    for (i = 0; i < len && o + 5 < size; i++) {
        if (i == SHOW_NAME_MAX) {
            o += (size_t)snprintf(out + o, size - o, "...");
            break;
        }
        if (name[i] >= 0x20 && name[i] < 0x7f && name[i] != '\\')
            out[o++] = (char)name[i];
        else
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", name[i]);
    }
    out[o] = '\0';
}

/* Length of the code point HFS+ ignores that starts at p, or 0. */
static size_t hfs_ignorable(const unsigned char *p, size_t n)
{
    if (n < 3)
        return 0;
    if (p[0] == 0xe2 && p[1] == 0x80 &&
        ((p[2] >= 0x8c && p[2] <= 0x8f) || (p[2] >= 0xaa && p[2] <= 0xae)))
        return 3; /* U+200C-U+200F, U+202A-U+202E */
    if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xaa && p[2] <= 0xaf)
        return 3; /* U+206A-U+206F */
    if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        return 3; /* U+FEFF */
    return 0;
}

/* 1 if p is `word` in any ASCII case once HFS+'s ignorable points are gone. */
static int hfs_equals(const unsigned char *p, size_t n, const char *word)
{
    size_t i = 0, k = 0, wlen = strlen(word), skip;

    while (i < n) {
        if ((skip = hfs_ignorable(p + i, n - i)) != 0) {
            i += skip;
            continue;
        }
        if (k == wlen || ascii_lower(p[i]) != (unsigned char)word[k])
            return 0;
        i++;
        k++;
    }
    return k == wlen;
}

/* 1 if NTFS reads p as ".git": ".git" or "git~1" in any case, then only
 * dots and spaces (which NTFS drops), up to the end or a ':' stream name. */
static int ntfs_dotgit(const unsigned char *p, size_t n)
{
    size_t i;

    if (n >= 4 && p[0] == '.' && ascii_lower(p[1]) == 'g' && ascii_lower(p[2]) == 'i' &&
        ascii_lower(p[3]) == 't')
        i = 4;
    else if (n >= 5 && ascii_lower(p[0]) == 'g' && ascii_lower(p[1]) == 'i' &&
             ascii_lower(p[2]) == 't' && p[3] == '~' && p[4] == '1')
        i = 5;
    else
        return 0;
    for (; i < n && p[i] != ':'; i++)
        if (p[i] != '.' && p[i] != ' ')
            return 0;
    return 1;
}

/* What is wrong with one '\\'-free part of a name, or NULL. */
static const char *part_problem(const unsigned char *p, size_t n)
{
    size_t end = n;

    while (end > 0 && (p[end - 1] == '.' || p[end - 1] == ' '))
        end--; /* NTFS drops trailing dots and spaces */
    if (n == 0 || end == 0)
        return n == 0 || n == 1 ? (n == 0 ? "an empty name" : "\".\"")
                                : "a name of only dots and spaces";
    if (hfs_equals(p, n, ".git") || ntfs_dotgit(p, n))
        return "a name file systems read as \".git\"";
    return NULL;
}

int cn_tree_check_name(const char *name, size_t len, unsigned int mode)
{
    const unsigned char *p = (const unsigned char *)name;
    char shown[SHOW_NAME_MAX * 4 + 8];
    const char *problem = NULL;
    size_t i, start = 0;

    if (len == 0)
        problem = "an empty name";
    else if (memchr(p, '\0', len) != NULL)
        problem = "a NUL byte in a name";
    else if (memchr(p, '/', len) != NULL)
        problem = "a '/' in a name";
    else if (len == 2 && p[0] == '.' && p[1] == '.')
        problem = "\"..\"";
    for (i = 0; problem == NULL && i <= len; i++) {
        if (i < len && p[i] != '\\')
            continue;
        problem = part_problem(p + start, i - start);
        start = i + 1;
    }
    if (problem == NULL && mode == MODE_LINK && hfs_equals(p, len, ".gitmodules"))
        problem = "\".gitmodules\" as a symbolic link";
    if (problem == NULL && mode != MODE_TREE && mode != MODE_BLOB && mode != MODE_BLOB_GW &&
        mode != MODE_EXEC && mode != MODE_LINK && mode != MODE_GITLINK) {
        show_name(shown, sizeof(shown), p, len);
        return cn_error_set(CN_EINVAL, "tree entry \"%s\": mode %o is not one git writes", shown,
                            mode);
    }
    if (problem == NULL)
        return 0;
    show_name(shown, sizeof(shown), p, len);
    return cn_error_set(CN_EINVAL, "tree entry \"%s\": %s is refused (a hostile path)", shown,
                        problem);
}

int cn_tree_check_path(const char *path, size_t len)
{
    char shown[SHOW_NAME_MAX * 4 + 8];
    size_t i, start = 0;
    int err;

    if (len > CN_TREE_MAX_PATH) {
        show_name(shown, sizeof(shown), (const unsigned char *)path, len);
        return cn_error_set(CN_EINVAL, "path \"%s\" is longer than %d bytes", shown,
                            CN_TREE_MAX_PATH);
    }
    for (i = 0; i <= len; i++) {
        if (i < len && path[i] != '/')
            continue;
        if ((err = cn_tree_check_name(path + start, i - start, MODE_BLOB)) != 0) {
            show_name(shown, sizeof(shown), (const unsigned char *)path, len);
            return cn_error_wrap(err, "path \"%s\"", shown);
        }
        start = i + 1;
    }
    return 0;
}

/* ---- one tree object -------------------------------------------------- */

typedef struct {
    unsigned int mode;
    const char *name;
    size_t len;
    git_oid id;
} raw_entry;

/* The next entry of a raw tree: 1 and *e, 0 at the end, CN_EINVAL if the
 * bytes are not a tree entry. */
static int next_entry(raw_entry *e, cn_reader *r)
{
    const unsigned char *name, *id, *nul;
    size_t digits = 0, len;
    uint8_t c;

    if (cn_reader_remaining(r) == 0)
        return 0;
    e->mode = 0;
    for (;;) {
        if (cn_reader_get_u8(r, &c) != 0)
            return cn_error_set(CN_EINVAL, "tree entry truncated in its mode");
        if (c == ' ' && digits > 0)
            break;
        if (c < '0' || c > '7' || digits == MAX_MODE_LEN)
            return cn_error_set(CN_EINVAL, "tree entry with a malformed mode");
        e->mode = e->mode * 8 + (unsigned int)(c - '0');
        digits++;
    }
    nul = memchr(cn_reader_peek(r), '\0', cn_reader_remaining(r));
    if (nul == NULL)
        return cn_error_set(CN_EINVAL, "tree entry name not terminated");
    len = (size_t)(nul - cn_reader_peek(r));
    if (cn_reader_get_bytes(r, &name, len + 1) != 0 ||
        cn_reader_get_bytes(r, &id, GIT_OID_RAWSZ) != 0)
        return cn_error_set(CN_EINVAL, "tree entry truncated in its object id");
    e->name = (const char *)name;
    e->len = len;
    git_oid_fromraw(&e->id, id);
    return 1;
}

static int compare_names(const void *a, const void *b)
{
    const raw_entry *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->name, y->name, n);

    return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* Check every entry's form and name: 1 if the names are in strictly
 * increasing order, 0 if not (the caller looks for repeats), <0 if an
 * entry is refused. */
static int check_in_order(const void *data, size_t len)
{
    raw_entry e, prev = {0, NULL, 0, {{0}}};
    cn_reader r;
    int got, err, sorted = 1;

    cn_reader_init(&r, data, len);
    while ((got = next_entry(&e, &r)) == 1) {
        if ((err = cn_tree_check_name(e.name, e.len, e.mode)) != 0)
            return err;
        if (prev.name != NULL && compare_names(&prev, &e) >= 0)
            sorted = 0;
        prev = e;
    }
    return got < 0 ? got : sorted;
}

int cn_tree_check_raw(const void *data, size_t len)
{
    char shown[SHOW_NAME_MAX * 4 + 8];
    raw_entry *entries = NULL;
    size_t n = 0, cap = 0, i;
    cn_reader r;
    int got, err = 0;

    /* Names in strictly increasing byte order (as git writes nearly every
     * tree) cannot repeat: then there is nothing to sort. */
    if ((got = check_in_order(data, len)) != 0)
        return got < 0 ? got : 0;
    cn_reader_init(&r, data, len);
    for (;;) {
        raw_entry e;
        if ((got = next_entry(&e, &r)) < 0) {
            err = got;
            goto out;
        }
        if (got == 0)
            break;
        if ((err = cn_tree_check_name(e.name, e.len, e.mode)) != 0)
            goto out;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            raw_entry *grown = realloc(entries, ncap * sizeof(*entries));
            if (grown == NULL) {
                err = cn_error_set(CN_ENOMEM, "out of memory");
                goto out;
            }
            entries = grown;
            cap = ncap;
        }
        entries[n++] = e;
    }
    if (n > 1)
        qsort(entries, n, sizeof(*entries), compare_names);
    for (i = 1; i < n; i++)
        if (compare_names(&entries[i - 1], &entries[i]) == 0) {
            show_name(shown, sizeof(shown), (const unsigned char *)entries[i].name, entries[i].len);
            err = cn_error_set(CN_EINVAL,
                               "tree entry \"%s\" is listed twice (a path both a file and a "
                               "directory is refused)",
                               shown);
            goto out;
        }
out:
    free(entries);
    return err;
}

/* ---- a repository's trees, each once ---------------------------------- */

typedef struct {
    git_oid id;
    int used;
    int height; /* levels of trees below and including this one */
} seen_slot;

struct cn_tree_walk {
    git_repository *repo;
    git_odb *odb;
    seen_slot *slots;
    size_t cap, n;
    char path[CN_TREE_MAX_PATH + 8]; /* where the walk is, for messages */
    cn_tree_walk_visit_fn visit;     /* NULL: blobs are looked up here */
    void *visit_payload;
};

void cn_tree_walk_set_visitor(cn_tree_walk *w, cn_tree_walk_visit_fn fn, void *payload)
{
    w->visit = fn;
    w->visit_payload = payload;
}

int cn_tree_walk_new(cn_tree_walk **out, git_repository *repo)
{
    cn_tree_walk *w;

    *out = NULL;
    if ((w = calloc(1, sizeof(*w))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    w->repo = repo;
    if (git_repository_odb(&w->odb, repo) < 0) {
        free(w);
        return cn_error_set(CN_ERROR, "cannot open the object database: %s",
                            git_error_last() ? git_error_last()->message : "unknown error");
    }
    *out = w;
    return 0;
}

void cn_tree_walk_free(cn_tree_walk *w)
{
    if (w == NULL)
        return;
    git_odb_free(w->odb);
    free(w->slots);
    free(w);
}

static size_t slot_of(const cn_tree_walk *w, const git_oid *id)
{
    size_t h = 0, i;

    for (i = 0; i < sizeof(size_t); i++)
        h = (h << 8) | id->id[i];
    h &= w->cap - 1;
    while (w->slots[h].used && !git_oid_equal(&w->slots[h].id, id))
        h = (h + 1) & (w->cap - 1);
    return h;
}

/* The height recorded for id, or 0 if the walker has not checked it. */
static int seen_height(const cn_tree_walk *w, const git_oid *id)
{
    return w->cap == 0 ? 0 : w->slots[slot_of(w, id)].height;
}

static int seen_add(cn_tree_walk *w, const git_oid *id, int height)
{
    size_t i, s;

    if ((w->n + 1) * 2 > w->cap) {
        seen_slot *old = w->slots;
        size_t oldcap = w->cap;
        w->cap = oldcap ? oldcap * 2 : 1024;
        if ((w->slots = calloc(w->cap, sizeof(*w->slots))) == NULL) {
            w->slots = old;
            w->cap = oldcap;
            return cn_error_set(CN_ENOMEM, "out of memory");
        }
        for (i = 0; i < oldcap; i++)
            if (old[i].used)
                w->slots[slot_of(w, &old[i].id)] = old[i];
        free(old);
    }
    s = slot_of(w, id);
    if (!w->slots[s].used)
        w->n++;
    w->slots[s].id = *id;
    w->slots[s].used = 1;
    w->slots[s].height = height;
    return 0;
}

/* w->path is where the walk stands ("" at the root); append "/name". */
static size_t path_push(cn_tree_walk *w, size_t at, const char *name, size_t len)
{
    char shown[SHOW_NAME_MAX * 4 + 8];

    show_name(shown, sizeof(shown), (const unsigned char *)name, len);
    snprintf(w->path + at, sizeof(w->path) - at, "%s%s", at ? "/" : "", shown);
    return strlen(w->path);
}

static int missing(cn_tree_walk *w, const git_oid *id, const char *what)
{
    char hex[GIT_OID_HEXSZ + 1];

    git_error_clear();
    git_oid_tostr(hex, sizeof(hex), id);
    return cn_error_set(CN_EVERIFY, "%s %s at \"%s\" is missing from the repository", what, hex,
                        w->path[0] ? w->path : "/");
}

static int check_tree(cn_tree_walk *w, const git_oid *id, size_t at, int depth, int *height)
{
    git_odb_object *obj = NULL;
    git_object_t type;
    raw_entry e;
    cn_reader r;
    size_t size;
    int got, below, err;

    if ((*height = seen_height(w, id)) != 0)
        return 0;
    if (depth > CN_TREE_MAX_DEPTH)
        return cn_error_set(CN_EINVAL, "\"%s\": trees nest deeper than %d", w->path,
                            CN_TREE_MAX_DEPTH);
    if (git_odb_read(&obj, w->odb, id) < 0)
        return missing(w, id, "tree");
    if (git_odb_object_type(obj) != GIT_OBJECT_TREE) {
        err = cn_error_set(CN_EVERIFY, "\"%s\" names a directory, but its object is not a tree",
                           w->path);
        goto out;
    }
    if ((err = cn_tree_check_raw(git_odb_object_data(obj), git_odb_object_size(obj))) != 0) {
        if (w->path[0])
            cn_error_wrap(err, "\"%s\"", w->path);
        goto out;
    }
    if (w->visit && (err = w->visit(w->visit_payload, id, GIT_OBJECT_TREE)) < 0)
        goto out;
    *height = 1;
    cn_reader_init(&r, git_odb_object_data(obj), git_odb_object_size(obj));
    /* The path is written out only where the walk goes down or fails: a
     * blob's name costs nothing on the way. */
    while ((got = next_entry(&e, &r)) == 1) {
        if (e.mode == MODE_TREE) {
            if ((below = seen_height(w, &e.id)) == 0 &&
                (err = check_tree(w, &e.id, path_push(w, at, e.name, e.len), depth + 1, &below)) !=
                    0)
                goto out;
            if (depth + below > CN_TREE_MAX_DEPTH) {
                path_push(w, at, e.name, e.len);
                err = cn_error_set(CN_EINVAL, "\"%s\": trees nest deeper than %d", w->path,
                                   CN_TREE_MAX_DEPTH);
                goto out;
            }
            if (below + 1 > *height)
                *height = below + 1;
            w->path[at] = '\0';
        } else if (e.mode == MODE_GITLINK) {
            continue; /* a gitlink's commit lives in the submodule's repository */
        } else if (w->visit) {
            if ((err = w->visit(w->visit_payload, &e.id, GIT_OBJECT_BLOB)) <= 0) {
                path_push(w, at, e.name, e.len);
                if (err == 0)
                    err = missing(w, &e.id, "blob");
                goto out;
            }
        } else if (git_odb_read_header(&size, &type, w->odb, &e.id) < 0) {
            path_push(w, at, e.name, e.len);
            err = missing(w, &e.id, "blob");
            goto out;
        } else if (type != GIT_OBJECT_BLOB) {
            path_push(w, at, e.name, e.len);
            err = cn_error_set(CN_EVERIFY, "\"%s\" names a file, but its object is not a blob",
                               w->path);
            goto out;
        }
    }
    err = got < 0 ? got : seen_add(w, id, *height);
out:
    git_odb_object_free(obj);
    return err;
}

int cn_tree_walk_check(cn_tree_walk *w, const git_oid *tree_id)
{
    int height;

    w->path[0] = '\0';
    return check_tree(w, tree_id, 0, 1, &height);
}

int cn_tree_walk_history(cn_tree_walk *w, git_revwalk *revwalk)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_commit *commit = NULL;
    git_oid oid;
    int r, err = 0;

    while (err == 0 && (r = git_revwalk_next(&oid, revwalk)) == 0) {
        git_oid_tostr(hex, sizeof(hex), &oid);
        if (git_commit_lookup(&commit, w->repo, &oid) < 0)
            return cn_error_set(CN_EVERIFY, "commit %s: %s", hex,
                                git_error_last() ? git_error_last()->message : "unreadable");
        if ((err = cn_tree_walk_check(w, git_commit_tree_id(commit))) != 0)
            cn_error_wrap(err, "commit %.12s", hex);
        git_commit_free(commit);
        commit = NULL;
    }
    if (err == 0 && r != GIT_ITEROVER)
        err = cn_error_set(CN_EVERIFY, "the history is incomplete: %s",
                           git_error_last() ? git_error_last()->message : "unreadable");
    return err;
}

int cn_tree_check_history(git_repository *repo, const git_oid *tip, const git_oid *hide)
{
    cn_tree_walk *w = NULL;
    git_revwalk *revwalk = NULL;
    int err;

    if ((err = cn_tree_walk_new(&w, repo)) != 0)
        return err;
    if (git_revwalk_new(&revwalk, repo) < 0 || git_revwalk_push(revwalk, tip) < 0 ||
        (hide && git_revwalk_hide(revwalk, hide) < 0))
        err = cn_error_set(CN_EVERIFY, "cannot walk the history: %s",
                           git_error_last() ? git_error_last()->message : "unknown error");
    else
        err = cn_tree_walk_history(w, revwalk);
    git_revwalk_free(revwalk);
    cn_tree_walk_free(w);
    return err;
}

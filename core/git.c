/*
 * git.c - the git operations publishing needs, over libgit2: open the node's
 * bare repositories, import a working repository's history, snapshot a plain
 * directory into a commit, and create and verify SSHSIG-signed annotated tags
 * in the exact byte layout stock git writes and checks.
 */
#include "core/git.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/sshsig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest single file a snapshot accepts. */
#define CN_GIT_MAX_FILE (512u * 1024 * 1024)
/* Deepest directory nesting a snapshot follows. */
#define CN_GIT_MAX_DEPTH 64
/* Longest tag object cn_git_tag_verify reads (message + signature). */
#define CN_GIT_MAX_TAG (1024u * 1024)

static const char sig_begin[] = "-----BEGIN SSH SIGNATURE-----";

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cn_git_error(int code, const char *what)
{
    const git_error *e = git_error_last();

    return cn_error_set(code, "%s: %s", what, e && e->message ? e->message : "libgit2 error");
}

/* A write into the object database failed. libgit2's buffered file writes
 * keep the OS's reason to themselves (no error is set until the buffer is
 * committed), so the reason is errno unless libgit2 set one since the
 * caller's git_error_clear(): a full disk must say "No space left on
 * device", not repeat an older, unrelated libgit2 message. */
static int git_write_error(const char *what)
{
    const git_error *e = git_error_last();
    int os = errno;

    if (e == NULL || e->message == NULL)
        return cn_error_set(CN_ERROR, "%s: cannot store: %s", what, strerror(os ? os : EIO));
    return cn_git_error(CN_ERROR, what);
}

int cn_git_init(void)
{
    if (git_libgit2_init() < 0)
        return cn_git_error(CN_ERROR, "cannot initialise libgit2");
    /* Refuse to write objects that point at missing or malformed objects. */
    if (git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1) < 0 ||
        git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1) < 0)
        return cn_git_error(CN_ERROR, "cannot configure libgit2");
    return 0;
}

int cn_git_open_bare(git_repository **out, const char *path)
{
    *out = NULL;
    if (cn_dir_exists(path)) {
        if (git_repository_open_ext(out, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0) {
            if (!git_repository_is_bare(*out)) {
                git_repository_free(*out);
                *out = NULL;
                return cn_error_set(CN_EINVAL, "%s: not a bare repository", path);
            }
            return 0;
        }
        if (git_error_last() && git_error_last()->klass != GIT_ERROR_REPOSITORY)
            return cn_git_error(CN_ERROR, path);
        /* An existing directory that is not a repository yet: create it there. */
    }
    if (git_repository_init(out, path, 1) < 0)
        return cn_git_error(CN_ERROR, path);
    return 0;
}

int cn_git_is_ancestor(git_repository *repo, const git_oid *ancestor, const git_oid *descendant)
{
    int r;

    if (git_oid_equal(ancestor, descendant))
        return 1;
    r = git_graph_descendant_of(repo, descendant, ancestor);
    if (r < 0)
        return cn_git_error(CN_ERROR, "cannot compare commits");
    return r;
}

int cn_git_pack_dir(char **out, git_repository *repo)
{
    git_buf objdir = GIT_BUF_INIT;

    *out = NULL;
    if (git_repository_item_path(&objdir, repo, GIT_REPOSITORY_ITEM_OBJECTS) < 0)
        return cn_git_error(CN_ERROR, "cannot find the object directory");
    *out = cn_path_join(objdir.ptr, "pack");
    git_buf_dispose(&objdir);
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

/* One info/refs line per ref ("<oid>\t<name>"), plus "<commit>\t<name>^{}"
 * after an annotated tag, in name order as git writes them. */
static int server_info_refs(cn_buf *b, git_repository *repo)
{
    git_strarray names = {0};
    size_t i;
    int err = 0;

    if (git_reference_list(&names, repo) < 0)
        return cn_git_error(CN_ERROR, "cannot list references");
    if (names.count > 1)
        qsort(names.strings, names.count, sizeof(char *), cmp_str);
    for (i = 0; i < names.count && err == 0; i++) {
        git_reference *ref = NULL;
        git_object *peeled = NULL;
        char hex[GIT_OID_HEXSZ + 1];
        const git_oid *oid;

        if (git_reference_lookup(&ref, repo, names.strings[i]) < 0 ||
            git_reference_type(ref) != GIT_REFERENCE_DIRECT) {
            git_reference_free(ref);
            continue; /* symbolic refs (HEAD) are not listed */
        }
        oid = git_reference_target(ref);
        git_oid_tostr(hex, sizeof(hex), oid);
        err = cn_buf_printf(b, "%s\t%s\n", hex, names.strings[i]);
        if (err == 0 && git_reference_peel(&peeled, ref, GIT_OBJECT_COMMIT) == 0 &&
            git_oid_cmp(git_object_id(peeled), oid) != 0) {
            git_oid_tostr(hex, sizeof(hex), git_object_id(peeled));
            err = cn_buf_printf(b, "%s\t%s^{}\n", hex, names.strings[i]);
        }
        git_object_free(peeled);
        git_reference_free(ref);
    }
    git_strarray_dispose(&names);
    return err;
}

int cn_git_pack_names(char ***out, size_t *n, const char *pack_dir)
{
    DIR *d = opendir(pack_dir);
    struct dirent *de;
    char **names = NULL;
    size_t cap = 0, len;
    int err = 0;

    *out = NULL;
    *n = 0;
    if (d == NULL)
        return errno == ENOENT ? 0 : cn_error_set(CN_ERROR, "cannot read %s", pack_dir);
    while (err == 0 && (de = readdir(d)) != NULL) {
        len = strlen(de->d_name);
        if (len < 10 || strncmp(de->d_name, "pack-", 5) != 0 ||
            strcmp(de->d_name + len - 5, ".pack") != 0)
            continue;
        if (*n == cap) {
            char **grown = realloc(names, (cap = cap ? cap * 2 : 8) * sizeof(*names));
            if (grown == NULL) {
                err = cn_error_set(CN_ENOMEM, "out of memory");
                break;
            }
            names = grown;
        }
        if ((names[*n] = strdup(de->d_name)) == NULL)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        else
            (*n)++;
    }
    closedir(d);
    if (err != 0) {
        cn_git_pack_names_free(names, *n);
        *n = 0;
        return err;
    }
    if (*n > 1)
        qsort(names, *n, sizeof(char *), cmp_str);
    *out = names;
    return 0;
}

void cn_git_pack_names_free(char **names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int server_info_packs(cn_buf *b, const char *pack_dir)
{
    char **names = NULL;
    size_t n = 0, i;
    int err;

    if ((err = cn_git_pack_names(&names, &n, pack_dir)) != 0)
        return err;
    for (i = 0; i < n && err == 0; i++)
        err = cn_buf_printf(b, "P %s\n", names[i]);
    cn_git_pack_names_free(names, n);
    return err == 0 ? cn_buf_printf(b, "\n") : err;
}

int cn_git_update_server_info(git_repository *repo)
{
    cn_buf refs = CN_BUF_INIT, packs = CN_BUF_INIT;
    char *pack_dir = NULL, *info_dir = NULL, *path = NULL;
    const char *gitdir = git_repository_path(repo);
    int err;

    if ((err = server_info_refs(&refs, repo)) != 0 ||
        (err = cn_git_pack_dir(&pack_dir, repo)) != 0 ||
        (err = server_info_packs(&packs, pack_dir)) != 0)
        goto out;
    if ((info_dir = cn_path_join(gitdir, "info")) == NULL ||
        (path = cn_path_join(info_dir, "refs")) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_mkdir_p(info_dir, 0755)) != 0 ||
        (err = cn_file_write_atomic(path, refs.data, refs.len, 0644)) != 0)
        goto out;
    free(info_dir);
    free(path);
    path = NULL;
    if ((info_dir = cn_path_join(pack_dir, "../info")) == NULL ||
        (path = cn_path_join(info_dir, "packs")) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_mkdir_p(info_dir, 0755)) != 0 ||
        (err = cn_file_write_atomic(path, packs.data, packs.len, 0644)) != 0)
        goto out;
out:
    cn_buf_free(&refs);
    cn_buf_free(&packs);
    free(pack_dir);
    free(info_dir);
    free(path);
    return err;
}

int cn_git_uncommitted_paths(git_strarray *out, git_oid *head, const char *path)
{
    git_status_options opts;
    git_repository *repo = NULL;
    git_status_list *list = NULL;
    git_object *obj = NULL;
    size_t i, n;
    int err = CN_ERROR;

    memset(out, 0, sizeof(*out));
    if (git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
        return cn_git_error(CN_EINVAL, path);
    if (git_revparse_single(&obj, repo, "HEAD^{commit}") < 0) {
        err = cn_error_set(CN_EINVAL, "%s: HEAD does not name a commit (no commits yet?)", path);
        goto out;
    }
    git_oid_cpy(head, git_object_id(obj));
    if (git_repository_is_bare(repo)) {
        err = 0;
        goto out;
    }
    if (git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION) < 0) {
        cn_git_error(CN_ERROR, "cannot set up git status");
        goto out;
    }
    opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
    if (git_status_list_new(&list, repo, &opts) < 0) {
        cn_git_error(CN_ERROR, path);
        goto out;
    }
    n = git_status_list_entrycount(list);
    if (n > 0 && (out->strings = calloc(n, sizeof(*out->strings))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n; i++) {
        const git_status_entry *e = git_status_byindex(list, i);
        const git_diff_delta *d = e->head_to_index ? e->head_to_index : e->index_to_workdir;
        const char *name;
        if (d == NULL || (e->status & (GIT_STATUS_WT_NEW | GIT_STATUS_IGNORED)) == e->status)
            continue;
        name = d->old_file.path ? d->old_file.path : d->new_file.path;
        if ((out->strings[out->count] = strdup(name)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        out->count++;
    }
    err = 0;
out:
    if (err != 0)
        git_strarray_dispose(out);
    git_status_list_free(list);
    git_object_free(obj);
    git_repository_free(repo);
    return err;
}

int cn_git_read_commit_file(unsigned char **out, size_t *len, git_repository *repo,
                            const git_oid *commit, const char *path, size_t max)
{
    git_commit *c = NULL;
    git_tree *tree = NULL;
    git_tree_entry *entry = NULL;
    git_blob *blob = NULL;
    git_object_size_t size;
    int r, err = CN_ERROR;

    *out = NULL;
    if (git_commit_lookup(&c, repo, commit) < 0 || git_commit_tree(&tree, c) < 0) {
        cn_git_error(CN_ERROR, "cannot read the commit's tree");
        goto out;
    }
    if ((r = git_tree_entry_bypath(&entry, tree, path)) == GIT_ENOTFOUND ||
        (r == 0 && git_tree_entry_type(entry) != GIT_OBJECT_BLOB)) {
        err = cn_error_set(CN_ENOTFOUND, "%s: not a file in the commit", path);
        goto out;
    }
    if (r < 0 || git_blob_lookup(&blob, repo, git_tree_entry_id(entry)) < 0) {
        cn_git_error(CN_ERROR, path);
        goto out;
    }
    if ((size = git_blob_rawsize(blob)) > max) {
        err = cn_error_set(CN_ELIMIT, "%s: larger than %zu bytes", path, max);
        goto out;
    }
    if ((*out = malloc((size_t)size + 1)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(*out, git_blob_rawcontent(blob), (size_t)size);
    (*out)[size] = '\0';
    *len = (size_t)size;
    err = 0;
out:
    git_blob_free(blob);
    git_tree_entry_free(entry);
    git_tree_free(tree);
    git_commit_free(c);
    return err;
}

/* A name a snapshot may store: not empty, ".", "..", and without '/' or NUL
 * (readdir cannot give those, but the check is cheap and local). */
static int entry_name_ok(const char *name)
{
    size_t n = strnlen(name, NAME_MAX + 1);

    if (n == 0 || n > NAME_MAX || strchr(name, '/') != NULL)
        return 0;
    return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Store the regular file at path as a blob, streaming it in chunks and
 * refusing more than CN_GIT_MAX_FILE bytes. O_NOFOLLOW and the fstat check
 * make sure what is read is what lstat saw. */
static int snapshot_file(git_oid *out, git_repository *repo, const char *path)
{
    git_writestream *ws = NULL;
    unsigned char chunk[65536];
    struct stat st;
    size_t total = 0;
    int fd, err = CN_ERROR;

    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err = cn_error_set(CN_EINVAL, "%s: not a regular file", path);
        goto out;
    }
    if (git_blob_create_from_stream(&ws, repo, NULL) < 0) {
        cn_git_error(CN_ERROR, path);
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        if (total > CN_GIT_MAX_FILE) {
            err = cn_error_set(CN_ELIMIT, "%s: larger than the limit of %u bytes", path,
                               CN_GIT_MAX_FILE);
            goto out;
        }
        errno = 0;
        if (ws->write(ws, (const char *)chunk, (size_t)n) < 0) {
            git_write_error(path);
            goto out;
        }
    }
    errno = 0;
    err = git_blob_create_from_stream_commit(out, ws) < 0 ? git_write_error(path) : 0;
    ws = NULL; /* freed by the commit */
out:
    if (ws)
        ws->free(ws);
    close(fd);
    return err;
}

static int snapshot_symlink(git_oid *out, git_repository *repo, const char *path)
{
    char target[PATH_MAX];
    ssize_t n = readlink(path, target, sizeof(target));

    if (n < 0)
        return cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
    if ((size_t)n >= sizeof(target))
        return cn_error_set(CN_ELIMIT, "%s: symbolic link target too long", path);
    if (git_blob_create_from_buffer(out, repo, target, (size_t)n) < 0)
        return cn_git_error(CN_ERROR, path);
    return 0;
}

/* Write the tree for directory path into *out; *empty is set when the
 * directory holds nothing git would store (git keeps no empty trees). */
/* How far a snapshot got: files added, reported as CN_GIT_PHASE_SNAPSHOT. */
typedef struct {
    const cn_progress *progress;
    uint64_t files;
} snapshot_count;

static int snapshot_tree(git_oid *out, int *empty, git_repository *repo, const char *path,
                         int depth, snapshot_count *count)
{
    git_treebuilder *tb = NULL;
    DIR *d = NULL;
    struct dirent *de;
    char *child = NULL;
    int err = CN_ERROR;

    if (depth > CN_GIT_MAX_DEPTH)
        return cn_error_set(CN_ELIMIT, "%s: directories nested deeper than %d", path,
                            CN_GIT_MAX_DEPTH);
    if ((d = opendir(path)) == NULL)
        return cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
    if (git_treebuilder_new(&tb, repo, NULL) < 0) {
        cn_git_error(CN_ERROR, "cannot build tree");
        goto out;
    }
    /* Directory order does not matter: the tree builder sorts entries the
     * way git does, so the same files always give the same tree. */
    while ((errno = 0, de = readdir(d)) != NULL) {
        struct stat st;
        git_oid oid;
        git_filemode_t mode;
        int sub_empty = 0;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strcmp(de->d_name, ".git") == 0)
            continue;
        if (!entry_name_ok(de->d_name)) {
            err = cn_error_set(CN_EINVAL, "%s: invalid file name", path);
            goto out;
        }
        free(child);
        if ((child = cn_path_join(path, de->d_name)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        if (lstat(child, &st) != 0) {
            err = cn_error_set(CN_ERROR, "%s: %s", child, strerror(errno));
            goto out;
        }
        if (S_ISDIR(st.st_mode)) {
            if ((err = snapshot_tree(&oid, &sub_empty, repo, child, depth + 1, count)) != 0)
                goto out;
            if (sub_empty)
                continue;
            mode = GIT_FILEMODE_TREE;
        } else if (S_ISREG(st.st_mode)) {
            if ((err = snapshot_file(&oid, repo, child)) != 0)
                goto out;
            cn_progress_report(count->progress, CN_GIT_PHASE_SNAPSHOT, ++count->files, 0);
            mode = (st.st_mode & S_IXUSR) ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
        } else if (S_ISLNK(st.st_mode)) {
            if ((err = snapshot_symlink(&oid, repo, child)) != 0)
                goto out;
            mode = GIT_FILEMODE_LINK;
        } else {
            err = cn_error_set(CN_EINVAL,
                               "%s: special files (devices, sockets, fifos) cannot be "
                               "published",
                               child);
            goto out;
        }
        if (git_treebuilder_insert(NULL, tb, de->d_name, &oid, mode) < 0) {
            err = cn_git_error(CN_EINVAL, child);
            goto out;
        }
    }
    if (errno != 0) {
        err = cn_error_set(CN_ERROR, "%s: %s", path, strerror(errno));
        goto out;
    }
    *empty = git_treebuilder_entrycount(tb) == 0;
    if (git_treebuilder_write(out, tb) < 0) {
        err = cn_git_error(CN_ERROR, path);
        goto out;
    }
    err = 0;
out:
    free(child);
    git_treebuilder_free(tb);
    closedir(d);
    return err;
}

int cn_git_snapshot_dir(git_oid *out, git_repository *repo, const char *dir, const git_oid *parent,
                        const git_signature *author, const char *message)
{
    return cn_git_snapshot_dir_progress(out, repo, dir, parent, author, message, NULL);
}

int cn_git_snapshot_dir_progress(git_oid *out, git_repository *repo, const char *dir,
                                 const git_oid *parent, const git_signature *author,
                                 const char *message, const cn_progress *progress)
{
    snapshot_count count = {progress, 0};
    git_oid tree_oid;
    git_tree *tree = NULL;
    git_commit *parent_commit = NULL;
    const git_commit *parents[1];
    int empty = 0, err;

    git_error_clear(); /* so a failed write is not reported with an older message */
    err = snapshot_tree(&tree_oid, &empty, repo, dir, 0, &count);
    cn_progress_end(progress, CN_GIT_PHASE_SNAPSHOT);
    if (err != 0)
        return err;
    err = CN_ERROR;
    if (git_tree_lookup(&tree, repo, &tree_oid) < 0) {
        cn_git_error(CN_ERROR, "cannot read tree");
        goto out;
    }
    if (parent && git_commit_lookup(&parent_commit, repo, parent) < 0) {
        err = cn_git_error(CN_ENOTFOUND, "parent commit");
        goto out;
    }
    parents[0] = parent_commit;
    if (git_commit_create(out, repo, NULL, author, author, NULL, message, tree, parent ? 1 : 0,
                          parents) < 0) {
        cn_git_error(CN_ERROR, "cannot create commit");
        goto out;
    }
    err = 0;
out:
    git_commit_free(parent_commit);
    git_tree_free(tree);
    return err;
}

/* "refs/tags/<name>" into buf, if name is a valid tag name. */
static int tag_ref_name(char *buf, size_t size, const char *name)
{
    int valid = 0;

    if (name[0] == '\0' || strstr(name, "..") != NULL ||
        (size_t)snprintf(buf, size, "refs/tags/%s", name) >= size ||
        git_reference_name_is_valid(&valid, buf) < 0 || !valid)
        return cn_error_set(CN_EINVAL, "invalid tag name \"%s\"", name);
    return 0;
}

/* Is there a line in text starting with the SSH signature marker? */
static int has_signature_line(const char *text)
{
    const char *p = text;

    for (;;) {
        if (strncmp(p, sig_begin, sizeof(sig_begin) - 1) == 0)
            return 1;
        if ((p = strchr(p, '\n')) == NULL)
            return 0;
        p++;
    }
}

/* The unsigned tag object text, byte for byte what `git tag -s` signs. */
static int tag_payload(cn_buf *b, const git_oid *commit, const char *name,
                       const git_signature *tagger, const char *message)
{
    char hex[GIT_OID_HEXSZ + 1];
    int off = tagger->when.offset;
    char sign = off < 0 ? '-' : '+';
    size_t mlen = strlen(message);
    int err;

    if (off < 0)
        off = -off;
    git_oid_tostr(hex, sizeof(hex), commit);
    if ((err =
             cn_buf_printf(b, "object %s\ntype commit\ntag %s\ntagger %s <%s> %lld %c%02d%02d\n\n",
                           hex, name, tagger->name, tagger->email, (long long)tagger->when.time,
                           sign, off / 60, off % 60)) != 0 ||
        (err = cn_buf_put(b, message, mlen)) != 0)
        return err;
    if (mlen == 0 || message[mlen - 1] != '\n')
        return cn_buf_puts(b, "\n");
    return 0;
}

int cn_git_tag_signed(git_oid *out, git_repository *repo, const char *name, const git_oid *commit,
                      const git_signature *tagger, const char *message, const cn_key *key)
{
    char refname[1024];
    git_reference *ref = NULL;
    git_commit *c = NULL;
    git_odb *odb = NULL;
    cn_buf b = CN_BUF_INIT;
    char *sig = NULL, logmsg[1100];
    size_t siglen = 0;
    int r, err;

    if ((err = tag_ref_name(refname, sizeof(refname), name)) != 0)
        return err;
    if (has_signature_line(message))
        return cn_error_set(CN_EINVAL, "tag message must not contain a signature marker line");
    err = CN_ERROR;
    r = git_reference_lookup(&ref, repo, refname);
    if (r == 0) {
        err = cn_error_set(CN_EEXISTS, "tag %s already exists", name);
        goto out;
    }
    if (r != GIT_ENOTFOUND) {
        cn_git_error(CN_ERROR, refname);
        goto out;
    }
    if (git_commit_lookup(&c, repo, commit) < 0) {
        err = cn_git_error(CN_ENOTFOUND, "tag target");
        goto out;
    }
    if ((err = tag_payload(&b, commit, name, tagger, message)) != 0 ||
        (err = cn_sshsig_sign(&sig, &siglen, key, "git", b.data, b.len)) != 0 ||
        (err = cn_buf_put(&b, sig, siglen)) != 0)
        goto out;
    err = CN_ERROR;
    if (git_repository_odb(&odb, repo) < 0 ||
        git_odb_write(out, odb, b.data, b.len, GIT_OBJECT_TAG) < 0) {
        cn_git_error(CN_ERROR, "cannot write tag object");
        goto out;
    }
    snprintf(logmsg, sizeof(logmsg), "citynode: tag %s", name);
    r = git_reference_create(&ref, repo, refname, out, 0, logmsg);
    if (r == GIT_EEXISTS) {
        err = cn_error_set(CN_EEXISTS, "tag %s already exists", name);
        goto out;
    }
    if (r < 0) {
        cn_git_error(CN_ERROR, refname);
        goto out;
    }
    err = 0;
out:
    free(sig);
    cn_buf_free(&b);
    git_odb_free(odb);
    git_commit_free(c);
    git_reference_free(ref);
    return err;
}

/* Where the signature starts in a tag object: like git's parse_signed_buffer,
 * the last line that begins with a signature marker. Returns len if none. */
static size_t signature_offset(const unsigned char *data, size_t len)
{
    cn_reader r;
    size_t match = len;

    cn_reader_init(&r, data, len);
    while (cn_reader_remaining(&r) > 0) {
        size_t start = r.pos, n;
        const char *line;

        if (cn_reader_get_line(&r, &line, &n, len) != 0) {
            n = cn_reader_remaining(&r);
            line = (const char *)cn_reader_peek(&r);
            r.pos = len;
        }
        if (n >= sizeof(sig_begin) - 1 && memcmp(line, sig_begin, sizeof(sig_begin) - 1) == 0)
            match = start;
    }
    cn_error_clear();
    return match;
}

/* Read the object tag_oid of repo as a tag of at most CN_GIT_MAX_TAG bytes:
 * *raw (free with git_odb_object_free) and its hex id in hex. */
static int read_tag_object(git_odb_object **raw, char hex[GIT_OID_HEXSZ + 1], git_repository *repo,
                           const git_oid *tag_oid)
{
    git_odb *odb = NULL;
    int err = 0;

    *raw = NULL;
    git_oid_tostr(hex, GIT_OID_HEXSZ + 1, tag_oid);
    if (git_repository_odb(&odb, repo) < 0)
        return cn_git_error(CN_ERROR, "cannot open object database");
    if (git_odb_read(raw, odb, tag_oid) < 0)
        err = cn_git_error(CN_ENOTFOUND, hex);
    else if (git_odb_object_type(*raw) != GIT_OBJECT_TAG)
        err = cn_error_set(CN_EINVAL, "%s is not an annotated tag", hex);
    else if (git_odb_object_size(*raw) > CN_GIT_MAX_TAG)
        err = cn_error_set(CN_ELIMIT, "tag %s is larger than %u bytes", hex, CN_GIT_MAX_TAG);
    if (err != 0) {
        git_odb_object_free(*raw);
        *raw = NULL;
    }
    git_odb_free(odb);
    return err;
}

int cn_git_tag_message(unsigned char **out, size_t *len, git_repository *repo,
                       const git_oid *tag_oid)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_odb_object *raw = NULL;
    const unsigned char *data, *body;
    size_t n, at;
    int err;

    *out = NULL;
    *len = 0;
    if ((err = read_tag_object(&raw, hex, repo, tag_oid)) != 0)
        return err;
    data = git_odb_object_data(raw);
    n = git_odb_object_size(raw);
    /* The header ends at the first empty line. */
    for (body = data; body + 1 < data + n && (body[0] != '\n' || body[1] != '\n'); body++)
        ;
    if (body + 1 >= data + n) {
        err = cn_error_set(CN_EINVAL, "tag %s has no message", hex);
        goto out;
    }
    body += 2;
    at = signature_offset(data, n);
    if (at < (size_t)(body - data))
        at = (size_t)(body - data);
    *len = at - (size_t)(body - data);
    if ((*out = malloc(*len ? *len : 1)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(*out, body, *len);
out:
    git_odb_object_free(raw);
    return err;
}

int cn_git_tag_verify(unsigned char signer[CN_ED25519_PUB_LEN], git_oid *target,
                      git_repository *repo, const git_oid *tag_oid)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_odb_object *raw = NULL;
    git_tag *tag = NULL;
    git_object *peeled = NULL;
    const unsigned char *data;
    size_t len, at;
    int err;

    if ((err = read_tag_object(&raw, hex, repo, tag_oid)) != 0)
        return err;
    data = git_odb_object_data(raw);
    len = git_odb_object_size(raw);
    if ((at = signature_offset(data, len)) == len) {
        err = cn_error_set(CN_EVERIFY, "tag %s is not signed", hex);
        goto out;
    }
    if ((err = cn_sshsig_verify(signer, data + at, len - at, "git", data, at)) != 0) {
        cn_error_wrap(err, "tag %s", hex);
        goto out;
    }
    err = CN_ERROR;
    if (git_tag_lookup(&tag, repo, tag_oid) < 0 || git_tag_peel(&peeled, tag) < 0) {
        err = cn_git_error(CN_EVERIFY, hex);
        goto out;
    }
    if (git_object_type(peeled) != GIT_OBJECT_COMMIT) {
        err = cn_error_set(CN_EVERIFY, "tag %s does not point at a commit", hex);
        goto out;
    }
    git_oid_cpy(target, git_object_id(peeled));
    err = 0;
out:
    git_object_free(peeled);
    git_tag_free(tag);
    git_odb_object_free(raw);
    return err;
}

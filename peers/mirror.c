/*
 * mirror.c - what a follower stored of a peer (mirror.h): loading the
 * trusted metadata from <mirrors_dir>/<node id>/, reading target files
 * against it, checking mirrored tags, and `verify --all` for a mirror.
 *
 * The mirror directory is the trusted state: sync writes it in the order of
 * docs/PROTOCOL.md §8.6 (targets, roots, targets metadata, snapshot,
 * timestamp.json last), so what is read here is always a state sync
 * committed. Expiry is not checked when reading it back: a peer that went
 * quiet stays readable, while sync still refuses expired metadata.
 */
#include "peers/mirror.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/name.h"
#include "core/semver.h"
#include "peers/peers.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int mirror_dir(char **out, const char *mirrors_dir, const char *node_id)
{
    *out = NULL;
    if (!cn_peer_is_node_id(node_id))
        return cn_error_set(CN_EINVAL, "'%.80s' is not a node id", node_id);
    if ((*out = cn_path_join(mirrors_dir, node_id)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

/* The pinned root's bytes, checked against the node id. */
static int read_pinned_root(unsigned char **out, size_t *len, const char *dir, const char *node_id)
{
    char digest[CN_SHA256_HEX_LEN + 1], *path = cn_path_join(dir, "tuf/1.root.json");
    int err;

    *out = NULL;
    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = cn_file_read(out, len, path, CN_TUF_MAX_ROOT_LEN)) != 0) {
        if (err == CN_ENOTFOUND)
            cn_error_set(CN_ENOTFOUND, "node %.12s is not mirrored here (no pinned root)", node_id);
        goto out;
    }
    cn_sha256_hex(digest, *out, *len);
    if (strcmp(digest, node_id) != 0) {
        err = cn_error_set(CN_EVERIFY, "%s: does not hash to the node id %.12s", path, node_id);
        free(*out);
        *out = NULL;
    }
out:
    free(path);
    return err;
}

int cn_mirror_load(cn_tuf_client **out, const char *mirrors_dir, const char *node_id)
{
    cn_tuf_client *c = NULL;
    unsigned char *root = NULL;
    char *dir = NULL, *ts = NULL;
    size_t len;
    int err;

    *out = NULL;
    if ((err = mirror_dir(&dir, mirrors_dir, node_id)) != 0 ||
        (err = read_pinned_root(&root, &len, dir, node_id)) != 0)
        goto out;
    if ((ts = cn_path_join(dir, "tuf/timestamp.json")) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (!cn_file_exists(ts)) {
        err = cn_error_set(CN_ENOTFOUND, "node %.12s has not been synced yet", node_id);
        goto out;
    }
    if ((err = cn_tuf_client_new(&c, root, len, time(NULL))) != 0)
        goto out;
    cn_tuf_client_set_check_expiry(c, 0);
    if ((err = cn_tuf_client_refresh(c, cn_tuf_fetch_dir, dir)) != 0 ||
        (err = cn_tuf_client_load_delegations(c, cn_tuf_fetch_dir, dir)) != 0) {
        err = cn_error_wrap(err == CN_ENOTFOUND ? CN_EVERIFY : err, "mirror %s", dir);
        goto out;
    }
    *out = c;
    c = NULL;
out:
    cn_tuf_client_free(c);
    free(root);
    free(ts);
    free(dir);
    return err;
}

/* The "version" of signed.meta[name] in a stored timestamp or snapshot. */
static int meta_version(uint64_t *out, const unsigned char *data, size_t len, const char *name)
{
    json_t *doc = NULL, *v;
    int err;

    *out = 0;
    if ((err = cn_json_parse(&doc, data, len, CN_JSON_MAX_DEPTH, name)) != 0)
        return err;
    v = json_object_get(json_object_get(json_object_get(doc, "signed"), "meta"), name);
    v = json_object_get(v, "version");
    if (json_is_integer(v) && json_integer_value(v) > 0)
        *out = (uint64_t)json_integer_value(v);
    else
        err = cn_error_set(CN_EINVAL, "no version for %s", name);
    json_decref(doc);
    return err;
}

/* Set one stored metadata file as trusted; 0 and *version when it verifies,
 * else nonzero (the caller goes on without it). */
static int trust_stored(cn_tuf_client *c, const char *dir, const char *name, cn_tuf_role role,
                        unsigned char **bytes, size_t *len)
{
    char *path = NULL;
    int err;

    *bytes = NULL;
    if ((path = cn_path_join(dir, name)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err =
        cn_file_read(bytes, len, path,
                     role == CN_TUF_TIMESTAMP ? CN_TUF_MAX_TIMESTAMP_LEN : CN_TUF_MAX_METADATA_LEN);
    if (err == 0 && (err = cn_tuf_client_set_trusted(c, role, *bytes, *len)) != 0) {
        free(*bytes);
        *bytes = NULL;
    }
    free(path);
    return err;
}

int cn_mirror_load_for_update(cn_tuf_client **out, const char *mirrors_dir, const char *node_id,
                              time_t now)
{
    cn_tuf_client *c = NULL;
    unsigned char *root = NULL, *ts = NULL, *snap = NULL, *tg = NULL;
    char *dir = NULL, name[64];
    uint64_t v;
    size_t len;
    int err;

    *out = NULL;
    if ((err = mirror_dir(&dir, mirrors_dir, node_id)) != 0 ||
        (err = read_pinned_root(&root, &len, dir, node_id)) != 0)
        goto out;
    if ((err = cn_tuf_client_new(&c, root, len, now)) != 0)
        goto out;
    /* Stored roots were verified when written; a damaged one ends the walk
     * there and the refresh fetches the rest again. */
    if (cn_tuf_client_update_root(c, cn_tuf_fetch_dir, dir) != 0)
        cn_error_clear();
    if (trust_stored(c, dir, "tuf/timestamp.json", CN_TUF_TIMESTAMP, &ts, &len) == 0 &&
        meta_version(&v, ts, len, "snapshot.json") == 0) {
        snprintf(name, sizeof(name), "tuf/%" PRIu64 ".snapshot.json", v);
        if (trust_stored(c, dir, name, CN_TUF_SNAPSHOT, &snap, &len) == 0 &&
            meta_version(&v, snap, len, "targets.json") == 0) {
            snprintf(name, sizeof(name), "tuf/%" PRIu64 ".targets.json", v);
            /* The stored delegated roles, offered so that the refresh
             * fetches only those whose version changed. */
            if (trust_stored(c, dir, name, CN_TUF_TARGETS, &tg, &len) == 0) {
                /* As trust_stored, whatever their expiry: the refresh
                 * decides what is trusted now. */
                cn_tuf_client_set_check_expiry(c, 0);
                cn_tuf_client_load_delegations(c, cn_tuf_fetch_dir, dir);
                cn_tuf_client_set_check_expiry(c, 1);
            }
        }
    }
    cn_error_clear();
    *out = c;
    c = NULL;
    err = 0;
out:
    cn_tuf_client_free(c);
    free(root);
    free(ts);
    free(snap);
    free(tg);
    free(dir);
    return err;
}

int cn_mirror_target_path(char **out, const char *mirrors_dir, const char *node_id,
                          const cn_tuf_target_info *info)
{
    char *dir = NULL, *rel = NULL;
    int err;

    *out = NULL;
    if ((err = mirror_dir(&dir, mirrors_dir, node_id)) != 0 ||
        (err = cn_tuf_target_consistent_path(&rel, info->path, info->sha256)) != 0)
        goto out;
    if ((*out = cn_path_join(dir, rel)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (!cn_file_exists(*out)) {
        err =
            cn_error_set(CN_ENOTFOUND, "%s of node %.12s is not stored here", info->path, node_id);
        free(*out);
        *out = NULL;
    }
out:
    free(rel);
    free(dir);
    return err;
}

int cn_mirror_read_target(unsigned char **out, size_t *len, const char *mirrors_dir,
                          const char *node_id, const cn_tuf_client *trusted,
                          const char *target_path)
{
    const cn_tuf_target_info *info;
    int err;

    *out = NULL;
    if ((err = cn_tuf_client_get_target_info(&info, trusted, target_path)) != 0)
        return err;
    return cn_mirror_read_target_info(out, len, mirrors_dir, node_id, info);
}

int cn_mirror_read_target_info(unsigned char **out, size_t *len, const char *mirrors_dir,
                               const char *node_id, const cn_tuf_target_info *info)
{
    char *path = NULL;
    int err;

    *out = NULL;
    if ((err = cn_mirror_target_path(&path, mirrors_dir, node_id, info)) != 0)
        return err;
    if (info->length > (uint64_t)SIZE_MAX) {
        err = cn_error_set(CN_ELIMIT, "%s: too large", path);
        goto out;
    }
    if ((err = cn_file_read(out, len, path, (size_t)info->length)) != 0) {
        if (err == CN_ELIMIT)
            err = cn_error_wrap(CN_EVERIFY, "longer than its signed length");
        goto out;
    }
    if ((err = cn_tuf_verify_target_bytes(info, *out, *len)) != 0) {
        cn_error_wrap(err, "%s", path);
        free(*out);
        *out = NULL;
    }
out:
    free(path);
    return err;
}

int cn_mirror_read_target_capped(unsigned char **out, size_t *len, const char *mirrors_dir,
                                 const char *node_id, const cn_tuf_client *trusted,
                                 const char *target_path, size_t max)
{
    const cn_tuf_target_info *info;
    int err;

    *out = NULL;
    if ((err = cn_tuf_client_get_target_info(&info, trusted, target_path)) != 0)
        return err;
    if (info->length > (uint64_t)max)
        return cn_error_set(CN_ELIMIT,
                            "%s: signed as %" PRIu64 " bytes, more than the %zu accepted",
                            target_path, info->length, max);
    return cn_mirror_read_target(out, len, mirrors_dir, node_id, trusted, target_path);
}

int cn_mirror_list(char ***out, size_t *n, const char *mirrors_dir)
{
    struct dirent *e;
    char **list = NULL, **grown;
    size_t count = 0, i;
    DIR *d;
    int err = 0;

    *out = NULL;
    *n = 0;
    if ((d = opendir(mirrors_dir)) == NULL)
        return 0; /* no mirrors yet */
    while ((e = readdir(d)) != NULL) {
        if (!cn_peer_is_node_id(e->d_name))
            continue;
        if ((grown = realloc(list, (count + 1) * sizeof(*list))) == NULL ||
            (grown[count] = strdup(e->d_name)) == NULL) {
            if (grown)
                list = grown;
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        list = grown;
        count++;
    }
    closedir(d);
    if (err != 0) {
        for (i = 0; i < count; i++)
            free(list[i]);
        free(list);
        return err;
    }
    *out = list;
    *n = count;
    return 0;
}

int cn_mirror_item_custom(const json_t **out, const cn_tuf_client *trusted, const char *item,
                          const char *version)
{
    static const char *const files[] = {"manifest.json", "full.bundle", "delta.bundle"};
    const cn_tuf_target_info *info;
    char path[CN_TUF_MAX_TARGET_PATH + 1];
    size_t i;

    *out = NULL;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "items/%s/%s/%s", item, version, files[i]);
        if (cn_tuf_client_get_target_info(&info, trusted, path) == 0 && info->custom) {
            *out = info->custom;
            return 0;
        }
    }
    return cn_error_set(CN_ENOTFOUND, "%s@%s is not in the signed targets", item, version);
}

int cn_mirror_check_tag(git_repository *repo, const cn_tuf_client *trusted, const char *item,
                        const char *version, const git_oid *tag_oid)
{
    unsigned char signer[CN_ED25519_PUB_LEN];
    const json_t *custom;
    const char *commit_hex, *tag_hex;
    git_oid commit, tag, target;
    char have[GIT_OID_HEXSZ + 1];
    int err;

    if ((err = cn_mirror_item_custom(&custom, trusted, item, version)) != 0)
        return cn_error_wrap(CN_EVERIFY, "tag v%s of %s", version, item);
    commit_hex = json_string_value(json_object_get(custom, "commit"));
    tag_hex = json_string_value(json_object_get(custom, "tag"));
    if (commit_hex == NULL || tag_hex == NULL || git_oid_fromstr(&commit, commit_hex) != 0 ||
        git_oid_fromstr(&tag, tag_hex) != 0) {
        git_error_clear();
        return cn_error_set(CN_EVERIFY, "%s@%s: the signed metadata lacks the commit and tag ids",
                            item, version);
    }
    git_oid_tostr(have, sizeof(have), tag_oid);
    if (!git_oid_equal(&tag, tag_oid))
        return cn_error_set(CN_EVERIFY, "%s: tag v%s is object %s, the signed metadata names %s",
                            item, version, have, tag_hex);
    if ((err = cn_git_tag_verify(signer, &target, repo, tag_oid)) != 0)
        return cn_error_wrap(CN_EVERIFY, "%s: tag v%s", item, version);
    if (!cn_tuf_client_root_has_key(trusted, 0, CN_TUF_TARGETS, signer))
        return cn_error_set(CN_EVERIFY,
                            "%s: tag v%s is signed by a key no root of the publisher authorizes "
                            "for targets",
                            item, version);
    if (!git_oid_equal(&target, &commit))
        return cn_error_set(CN_EVERIFY,
                            "%s: tag v%s points at a commit the signed metadata does not name",
                            item, version);
    return 0;
}

/* ---------------------------------------------------------------------------
 * What a target's custom must say about its path (PROTOCOL §5, §10, §11)
 * ------------------------------------------------------------------------- */

/* A git object id as the wire carries it: 40 lowercase hex digits. */
static int is_hex40(const char *s)
{
    return cn_hex_is_lower_str(s, GIT_OID_HEXSZ);
}

static const char *custom_str(const json_t *custom, const char *key)
{
    return json_string_value(json_object_get(custom, key));
}

static int is_item_kind(const char *kind)
{
    return kind && (strcmp(kind, "solution") == 0 || strcmp(kind, "dataset") == 0 ||
                    strcmp(kind, "strategy") == 0);
}

/* items/<item>/<version>/<file>: every field of custom matches the path. */
static int check_item_custom(const char *path, const json_t *custom)
{
    static const char *const files[][2] = {
        {"manifest.json", "manifest"}, {"full.bundle", "full"}, {"delta.bundle", "delta"}};
    char item[CN_SLUG_MAX + 1], version[CN_TUF_MAX_TARGET_PATH + 1];
    const char *a = path + 6, *b, *c, *file = NULL, *s;
    size_t i;

    if ((b = strchr(a, '/')) == NULL || (c = strchr(b + 1, '/')) == NULL || strchr(c + 1, '/') ||
        (size_t)(b - a) > CN_SLUG_MAX || (size_t)(c - b - 1) >= sizeof(version))
        return cn_error_set(CN_EVERIFY, "target %s: not items/<item>/<version>/<file>", path);
    snprintf(item, sizeof(item), "%.*s", (int)(b - a), a);
    snprintf(version, sizeof(version), "%.*s", (int)(c - b - 1), b + 1);
    if (cn_name_check_slug(item) != 0 || cn_semver_check(version) != 0) {
        cn_error_clear();
        return cn_error_set(CN_EVERIFY, "target %s: not items/<item id>/<semver>/<file>", path);
    }
    for (i = 0; i < sizeof(files) / sizeof(files[0]) && file == NULL; i++)
        if (strcmp(c + 1, files[i][0]) == 0)
            file = files[i][1];
    if (file == NULL)
        return cn_error_set(CN_EVERIFY, "target %s: %s is not an item file", path, c + 1);
    if (!json_is_object(custom))
        return cn_error_set(CN_EVERIFY, "target %s: carries no custom data", path);
    if (!is_item_kind(s = custom_str(custom, "kind")))
        return cn_error_set(CN_EVERIFY, "target %s: custom.kind %.40s is not an item kind", path,
                            s ? s : "(none)");
    if ((s = custom_str(custom, "item")) == NULL || strcmp(s, item) != 0)
        return cn_error_set(CN_EVERIFY, "target %s: custom.item %.80s is not the item of its path",
                            path, s ? s : "(none)");
    if ((s = custom_str(custom, "version")) == NULL || strcmp(s, version) != 0)
        return cn_error_set(CN_EVERIFY,
                            "target %s: custom.version %.80s is not the version of its path", path,
                            s ? s : "(none)");
    if ((s = custom_str(custom, "file")) == NULL || strcmp(s, file) != 0)
        return cn_error_set(CN_EVERIFY, "target %s: custom.file %.40s is not %s", path,
                            s ? s : "(none)", file);
    if (!is_hex40(custom_str(custom, "commit")) || !is_hex40(custom_str(custom, "tag")))
        return cn_error_set(CN_EVERIFY, "target %s: custom.commit and custom.tag must be 40 hex",
                            path);
    s = custom_str(custom, "previous");
    if (json_object_get(custom, "previous") || json_object_get(custom, "previous_commit")) {
        if (s == NULL || cn_semver_check(s) != 0 || cn_semver_compare(s, version) >= 0 ||
            !is_hex40(custom_str(custom, "previous_commit"))) {
            cn_error_clear();
            return cn_error_set(CN_EVERIFY,
                                "target %s: custom.previous must be an earlier version with its "
                                "40-hex previous_commit",
                                path);
        }
    }
    return 0;
}

int cn_mirror_check_custom(const cn_tuf_target_info *t)
{
    static const char *const fixed[][2] = {
        {"node.json", "node"}, {"peers.json", "peers"}, {"network.json", "network"}};
    const char *kind = json_string_value(json_object_get(t->custom, "kind")), *want = NULL;
    size_t i, n = strlen(t->path);

    if (strncmp(t->path, "items/", 6) == 0)
        return check_item_custom(t->path, t->custom);
    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (strcmp(t->path, fixed[i][0]) == 0)
            want = fixed[i][1];
    if (strncmp(t->path, "attestations/", 13) == 0) {
        const char *type = json_string_value(json_object_get(t->custom, "type"));
        if (strchr(t->path + 13, '/') || n < 13 + 6 || strcmp(t->path + n - 5, ".json") != 0)
            return cn_error_set(CN_EVERIFY, "target %s: not attestations/<name>.json", t->path);
        if (kind == NULL || strcmp(kind, "attestation") != 0 || type == NULL || *type == '\0')
            return cn_error_set(CN_EVERIFY,
                                "target %s: custom must be an attestation with its type", t->path);
        return 0;
    }
    if (want) {
        if (kind == NULL || strcmp(kind, want) != 0)
            return cn_error_set(CN_EVERIFY, "target %s: custom.kind %.40s, expected %s", t->path,
                                kind ? kind : "(none)", want);
        return 0;
    }
    /* Another path (a later protocol's): it must not claim a kind that
     * belongs to the paths above. */
    if (kind && (is_item_kind(kind) || strcmp(kind, "node") == 0 || strcmp(kind, "peers") == 0 ||
                 strcmp(kind, "network") == 0 || strcmp(kind, "attestation") == 0))
        return cn_error_set(CN_EVERIFY, "target %s: custom.kind %s does not belong to this path",
                            t->path, kind);
    return 0;
}

/* A file below dir other than a *.lock? */
static int has_ref_file(const char *dir)
{
    struct dirent *e;
    DIR *d;
    int found = 0;

    if ((d = opendir(dir)) == NULL)
        return 0;
    while (!found && (e = readdir(d)) != NULL) {
        char *path;
        struct stat st;
        size_t n = strlen(e->d_name);
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if ((path = cn_path_join(dir, e->d_name)) == NULL) {
            found = 1; /* out of memory: say yes, the safe answer */
            break;
        }
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            found = has_ref_file(path);
        else if (n < 5 || strcmp(e->d_name + n - 5, ".lock") != 0)
            found = 1;
        free(path);
    }
    closedir(d);
    return found;
}

int cn_mirror_repo_unborn(const char *path)
{
    char *head = cn_path_join(path, "HEAD"), *packed = cn_path_join(path, "packed-refs"),
         *refs = cn_path_join(path, "refs");
    int r = head && packed && refs && cn_dir_exists(path) && !cn_file_exists(head) &&
            !cn_file_exists(packed) && !has_ref_file(refs);

    free(head);
    free(packed);
    free(refs);
    return r;
}

/* ---------------------------------------------------------------------------
 * verify --all for one mirror
 * ------------------------------------------------------------------------- */

/* Every tuf/ file: a root of the chain (byte-identical to what the client
 * verified), or a snapshot/targets signed by that role's keys of some root,
 * or the trusted timestamp. */
/* ".items.<item>.json": the file name of an item role after its version
 * (layout 2, PROTOCOL §4.1). */
static int is_item_role_file(const char *dot)
{
    size_t n = strlen(dot);
    char item[CN_SLUG_MAX + 1];

    if (n <= 12 || strncmp(dot, ".items.", 7) != 0 || strcmp(dot + n - 5, ".json") != 0 ||
        n - 12 > CN_SLUG_MAX)
        return 0;
    memcpy(item, dot + 7, n - 12);
    item[n - 12] = '\0';
    if (cn_name_check_slug(item) != 0) {
        cn_error_clear();
        return 0;
    }
    return 1;
}

static int verify_tuf_files(const char *dir, const cn_tuf_client *c)
{
    cn_tuf_metadata **roots = NULL;
    uint64_t v, first = cn_tuf_client_first_root_version(c),
                last = cn_tuf_client_version(c, CN_TUF_ROOT);
    char *tuf = cn_path_join(dir, "tuf");
    struct dirent *e;
    DIR *d = NULL;
    size_t nroots = 0, i;
    int err = 0;

    if (tuf == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((roots = calloc((size_t)(last - first + 1), sizeof(*roots))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (v = first; v <= last; v++) {
        const unsigned char *b;
        size_t len;
        if ((err = cn_tuf_client_root_bytes(&b, &len, c, v)) != 0 ||
            (err = cn_tuf_metadata_parse(&roots[nroots], b, len, CN_TUF_MAX_ROOT_LEN, CN_TUF_ROOT,
                                         "root.json")) != 0)
            goto out;
        nroots++;
    }
    if ((d = opendir(tuf)) == NULL) {
        err = cn_error_set(CN_EVERIFY, "%s: cannot read", tuf);
        goto out;
    }
    while (err == 0 && (e = readdir(d)) != NULL) {
        char path[4096], *end;
        cn_tuf_metadata *md = NULL;
        unsigned char *data = NULL;
        const char *dot;
        cn_tuf_role role;
        size_t len;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", tuf, e->d_name);
        if (strcmp(e->d_name, "timestamp.json") == 0)
            continue; /* the client verified it */
        if (strstr(e->d_name, ".tmp.") != NULL)
            continue; /* left by a write that was killed before its rename */
        v = strtoull(e->d_name, &end, 10);
        dot = end;
        if (end == e->d_name || v == 0)
            role = CN_TUF_ROLE_COUNT;
        else if (strcmp(dot, ".root.json") == 0)
            role = CN_TUF_ROOT;
        else if (strcmp(dot, ".snapshot.json") == 0)
            role = CN_TUF_SNAPSHOT;
        else if (strcmp(dot, ".targets.json") == 0)
            role = CN_TUF_TARGETS;
        else if (is_item_role_file(dot))
            role = CN_TUF_TARGETS; /* an item role: signed by the targets keys (§4.1) */
        else
            role = CN_TUF_ROLE_COUNT;
        if (role == CN_TUF_ROLE_COUNT) {
            err = cn_error_set(CN_EVERIFY, "%s: not a metadata file of this mirror", path);
            break;
        }
        if ((err = cn_file_read(&data, &len, path, CN_TUF_MAX_METADATA_LEN)) != 0) {
            err = cn_error_wrap(CN_EVERIFY, "%s", path);
            break;
        }
        if (role == CN_TUF_ROOT) {
            const unsigned char *want;
            size_t wlen;
            if (v < first || v > last || cn_tuf_client_root_bytes(&want, &wlen, c, v) != 0 ||
                wlen != len || memcmp(want, data, len) != 0)
                err = cn_error_set(CN_EVERIFY, "%s: not the root the chain verified", path);
        } else if (cn_tuf_metadata_parse(&md, data, len, CN_TUF_MAX_METADATA_LEN, role, path) !=
                   0) {
            err = cn_error_wrap(CN_EVERIFY, "%s", path);
        } else {
            err = CN_EVERIFY;
            for (i = nroots; i-- > 0 && err != 0;)
                err = cn_tuf_metadata_verify(md, roots[i], role);
            if (err != 0)
                err = cn_error_set(CN_EVERIFY, "%s: not signed by any %s key of the publisher",
                                   path, cn_tuf_role_name(role));
        }
        cn_tuf_metadata_free(md);
        free(data);
    }
out:
    if (d)
        closedir(d);
    for (i = 0; i < nroots; i++)
        cn_tuf_metadata_free(roots[i]);
    free(roots);
    free(tuf);
    return err;
}

/* Every trusted target stored here has its signed length (the name carries
 * the hash, checked above). */
static int verify_stored_targets(const char *mirrors_dir, const char *node_id,
                                 const cn_tuf_client *c)
{
    size_t i;

    for (i = 0; i < cn_tuf_client_target_count(c); i++) {
        const cn_tuf_target_info *t = cn_tuf_client_target_at(c, i);
        struct stat st;
        char *path = NULL;
        int err = cn_mirror_check_custom(t);
        if (err != 0)
            return err;
        err = cn_mirror_target_path(&path, mirrors_dir, node_id, t);
        if (err == CN_ENOTFOUND) {
            cn_error_clear();
            continue; /* not fetched (an index peer's bundles) */
        }
        if (err != 0)
            return err;
        if (stat(path, &st) != 0 || (uint64_t)st.st_size != t->length)
            err = cn_error_set(CN_EVERIFY, "%s: not the signed length of %s", path, t->path);
        free(path);
        if (err != 0)
            return err;
    }
    return 0;
}

/* A tag signed by a targets key of some root of the chain; *commit gets
 * what it points at. */
static int publisher_tag(git_oid *commit, git_repository *repo, const cn_tuf_client *c,
                         const git_oid *tag)
{
    unsigned char signer[CN_ED25519_PUB_LEN];
    int err;

    if ((err = cn_git_tag_verify(signer, commit, repo, tag)) != 0)
        return cn_error_wrap(CN_EVERIFY, "tag");
    if (!cn_tuf_client_root_has_key(c, 0, CN_TUF_TARGETS, signer))
        return cn_error_set(CN_EVERIFY, "tag signed by a key the publisher never authorized");
    return 0;
}

/* Every ref of a mirrored repository is a verified version tag, and main,
 * when there, the commit of one of them. A tag the trusted metadata does not
 * list yet (a sync killed between moving refs and writing metadata) must
 * still carry the publisher's signature; main may lag behind the newest tag,
 * or be missing, when a sync was killed between moving tags and main (the
 * next sync moves it). */
int cn_mirror_check_history_tag(git_repository *repo, const cn_tuf_client *trusted,
                                const char *version, const git_oid *tag_oid)
{
    git_tag *tag = NULL;
    git_oid commit;
    int err, named;

    if ((err = publisher_tag(&commit, repo, trusted, tag_oid)) != 0)
        return cn_error_wrap(err, "v%s", version);
    if (git_tag_lookup(&tag, repo, tag_oid) != 0)
        return cn_git_error(CN_EVERIFY, "tag");
    named = git_tag_name(tag)[0] == 'v' && strcmp(git_tag_name(tag) + 1, version) == 0;
    git_tag_free(tag);
    return named ? 0 : cn_error_set(CN_EVERIFY, "tag v%s is named otherwise inside", version);
}

static int verify_repo(const char *path, const char *item, const cn_tuf_client *c)
{
    git_repository *repo = NULL;
    git_reference_iterator *it = NULL;
    git_reference *ref = NULL, *main_ref = NULL;
    const json_t *custom;
    git_oid *commits = NULL, commit;
    size_t ncommits = 0, i;
    int r, err = 0, main_ok = 0;

    if (git_repository_open_bare(&repo, path) != 0)
        return cn_git_error(CN_EVERIFY, path);
    if (git_reference_iterator_new(&it, repo) != 0) {
        err = cn_git_error(CN_ERROR, path);
        goto out;
    }
    while (err == 0 && (r = git_reference_next(&ref, it)) == 0) {
        const char *name = git_reference_name(ref);
        const git_oid *oid = git_reference_target(ref);
        if (strcmp(name, "refs/heads/main") == 0) {
            git_reference_free(ref);
            continue;
        }
        if (strncmp(name, "refs/tags/v", 11) != 0 || oid == NULL ||
            cn_semver_check(name + 11) != 0) {
            cn_error_clear();
            err = cn_error_set(CN_EVERIFY, "%s: %s is not a version tag of the publisher", path,
                               name);
        } else if (cn_mirror_item_custom(&custom, c, item, name + 11) != 0) {
            /* A sync killed after moving refs, before its metadata: the tag
             * must still be the publisher's; the next sync confirms it. */
            cn_error_clear();
            if ((err = publisher_tag(&commit, repo, c, oid)) != 0)
                cn_error_wrap(err, "%s: %s", path, name);
        } else if ((err = cn_mirror_check_tag(repo, c, item, name + 11, oid)) != 0) {
            cn_error_wrap(err, "%s", path);
        } else if (git_oid_fromstr(&commit, json_string_value(json_object_get(custom, "commit"))) !=
                   0) {
            err = cn_error_set(CN_EVERIFY, "%s: v%s has no signed commit", path, name + 11);
        }
        if (err == 0) {
            git_oid *grown = realloc(commits, (ncommits + 1) * sizeof(*grown));
            if (grown == NULL)
                err = cn_error_set(CN_ENOMEM, "out of memory");
            else
                (commits = grown)[ncommits++] = commit;
        }
        git_reference_free(ref);
    }
    git_error_clear();
    if (err != 0)
        goto out;
    if (git_reference_lookup(&main_ref, repo, "refs/heads/main") != 0) {
        git_error_clear();
        goto out; /* tags moved, main not yet */
    }
    for (i = 0; i < ncommits && !main_ok; i++)
        main_ok = git_reference_target(main_ref) &&
                  git_oid_equal(git_reference_target(main_ref), &commits[i]);
    if (!main_ok)
        err = cn_error_set(CN_EVERIFY,
                           "%s: refs/heads/main is not the commit of a verified version tag", path);
out:
    free(commits);
    git_reference_free(main_ref);
    git_reference_iterator_free(it);
    git_repository_free(repo);
    return err;
}

static int verify_repos(const char *repos_dir, const char *node_id, const cn_tuf_client *c)
{
    char *dir = cn_path_join(repos_dir, node_id);
    struct dirent *e;
    DIR *d;
    int err = 0;

    if (dir == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((d = opendir(dir)) == NULL) {
        free(dir);
        return 0; /* nothing mirrored yet */
    }
    while (err == 0 && (e = readdir(d)) != NULL) {
        char item[CN_SLUG_MAX + 1], *path;
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        if (n < 5 || n - 4 > CN_SLUG_MAX || strcmp(e->d_name + n - 4, ".git") != 0) {
            err = cn_error_set(CN_EVERIFY, "%s/%s: not a mirrored repository", dir, e->d_name);
            break;
        }
        snprintf(item, sizeof(item), "%.*s", (int)(n - 4), e->d_name);
        if ((path = cn_path_join(dir, e->d_name)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        /* A repository whose creation was killed holds nothing referenced:
         * the next sync removes it. */
        if (!cn_mirror_repo_unborn(path))
            err = verify_repo(path, item, c);
        free(path);
    }
    closedir(d);
    free(dir);
    return err;
}

static int verify_pointer(const char *dir, const char *node_id)
{
    char *path = cn_path_join(dir, ".well-known/citynode.json"), id[CN_PEER_ID_HEX + 1];
    unsigned char *data = NULL;
    size_t len;
    int err;

    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    err = cn_file_read(&data, &len, path, CN_PEER_POINTER_MAX);
    if (err == CN_ENOTFOUND) {
        cn_error_clear();
        err = 0;
    } else if (err != 0 || (err = cn_peer_pointer_parse(id, NULL, data, len, path)) != 0) {
        err = cn_error_wrap(CN_EVERIFY, "%s", path);
    } else if (strcmp(id, node_id) != 0) {
        err = cn_error_set(CN_EVERIFY, "%s: names node %.12s, not %.12s", path, id, node_id);
    }
    free(data);
    free(path);
    return err;
}

int cn_mirror_verify(const char *mirrors_dir, const char *repos_dir, const char *node_id,
                     const cn_progress *progress)
{
    cn_tuf_client *c = NULL;
    unsigned char *root = NULL;
    char *dir = NULL, *targets = NULL;
    size_t len;
    int err;

    if ((err = mirror_dir(&dir, mirrors_dir, node_id)) != 0 ||
        (err = read_pinned_root(&root, &len, dir, node_id)) != 0)
        goto out;
    if ((err = verify_pointer(dir, node_id)) != 0)
        goto out;
    err = cn_mirror_load(&c, mirrors_dir, node_id);
    if (err == CN_ENOTFOUND) {
        /* Added, never synced: the pinned root is all there is. */
        cn_error_clear();
        err = cn_tuf_client_new(&c, root, len, time(NULL));
        if (err != 0)
            err = cn_error_wrap(CN_EVERIFY, "%s/tuf/1.root.json", dir);
        goto out;
    }
    if (err != 0)
        goto out;
    if ((targets = cn_path_join(dir, "targets")) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = verify_tuf_files(dir, c)) != 0 ||
        (err = cn_tuf_verify_target_files_reporting(targets, (size_t)CN_MIRROR_TARGET_FILE_MAX,
                                                    progress, CN_MIRROR_PHASE_FILES)) != 0 ||
        (err = verify_stored_targets(mirrors_dir, node_id, c)) != 0 ||
        (err = verify_repos(repos_dir, node_id, c)) != 0)
        goto out;
out:
    if (err == CN_EINVAL || err == CN_ELIMIT)
        err = CN_EVERIFY;
    cn_tuf_client_free(c);
    free(root);
    free(targets);
    free(dir);
    return err;
}

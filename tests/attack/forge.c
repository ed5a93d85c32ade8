/*
 * forge.c - the attacker's workbench for the attack suite
 * (tests/integration/t07*.sh): edit TUF metadata files of an exported tree
 * and sign them with whatever keys the scenario holds, through core/key and
 * the canonical JSON of docs/PROTOCOL.md §4, plus an independent check of a
 * follower's mirror for the crash-safety story.
 *
 *   forge newkey KEYFILE                 write a fresh ed25519 key; print its keyid
 *   forge keyid KEYFILE                  print a key's TUF keyid
 *   forge get FILE KEY...                print the value at KEY... ("signed" "version")
 *   forge set FILE JSON KEY...           set the value at KEY... (objects created on the way)
 *   forge del FILE KEY...                remove the member at KEY...
 *   forge rename FILE NEW KEY...         rename the member at KEY... to NEW
 *   forge sign FILE                      replace the signatures with the -s keys' ones
 *   forge addsig FILE                    add the -s keys' signatures to those there
 *   forge dupsig FILE                    list the first signature a second time
 *   forge fileinfo FILE NAME META [VERSION]
 *                                        signed.meta[NAME] = version, length, sha256 of META
 *   forge target FILE PATH DATA [CUSTOM] signed.targets[PATH] = length, sha256 of DATA,
 *                                        CUSTOM (a JSON object), else the custom already there
 *   forge consistent PATH DATA           print the consistent name targets/<dir>/<sha256>.<base>
 *   forge rolekeys FILE ROLE THRESHOLD KEYFILE...
 *                                        in a root: ROLE is given exactly these keys
 *   forge check-mirror MIRROR REPOS      a follower's stored peer is consistent (see below)
 *
 * Options before the command: -s KEYFILE (repeatable) signs the edited file
 * with those keys before it is written (replacing its signatures), so an edit
 * and its signature happen in one step.
 *
 * A KEY, NEW or PATH argument beginning with '"' is read as a JSON string
 * literal, so a name may hold any byte: '"a\u0000b"'. Files are written as
 * canonical JSON; control characters inside strings are written as \u00XX
 * escapes (canonical JSON has none, so an honest file round-trips byte for
 * byte), while the signature covers the canonical bytes with the raw
 * characters, as a signer following the OLPC rules would produce.
 *
 * A test tool, not part of citynode: it prints errors and exits 1 (2 for
 * usage, 3 when check-mirror finds an inconsistency).
 */
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/hash.h"
#include "core/key.h"
#include "core/semver.h"
#include "core/tuf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_FILE   (64u * 1024 * 1024)
#define MAX_KEYS   8
#define MAX_PATH_L 4096

static cn_key *sign_keys[MAX_KEYS];
static size_t nsign_keys;

static int usage(void)
{
    fprintf(stderr, "usage: forge [-s KEYFILE]... newkey|keyid KEYFILE\n"
                    "       forge [-s KEYFILE]... get|del FILE KEY...\n"
                    "       forge [-s KEYFILE]... set FILE JSON KEY...\n"
                    "       forge [-s KEYFILE]... rename FILE NEW KEY...\n"
                    "       forge [-s KEYFILE]... sign|addsig|dupsig FILE\n"
                    "       forge [-s KEYFILE]... fileinfo FILE NAME META_FILE [VERSION]\n"
                    "       forge [-s KEYFILE]... target FILE PATH DATA [CUSTOM_JSON]\n"
                    "       forge consistent PATH DATA\n"
                    "       forge [-s KEYFILE]... rolekeys ROOTFILE ROLE THRESHOLD KEYFILE...\n"
                    "       forge check-mirror MIRROR_DIR REPOS_DIR\n");
    return 2;
}

/* ---------------------------------------------------------------------------
 * Names from the command line and JSON encoding
 * ------------------------------------------------------------------------- */

/* An argument as a name: the bytes themselves, or a JSON string literal's
 * value when it begins with '"'. *out is heap-allocated; *len may count NULs. */
static int arg_name(char **out, size_t *len, const char *arg)
{
    json_error_t jerr;
    json_t *v;

    if (arg[0] != '"') {
        *len = strlen(arg);
        *out = strdup(arg);
        return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
    }
    v = json_loads(arg, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (v == NULL || !json_is_string(v)) {
        json_decref(v);
        return cn_error_set(CN_EUSAGE, "not a JSON string literal: %s", arg);
    }
    *len = json_string_length(v);
    *out = malloc(*len + 1);
    if (*out != NULL)
        memcpy(*out, json_string_value(v), *len + 1);
    json_decref(v);
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

/* A string in canonical JSON: only '"' and '\\' escaped. With escape_ctl,
 * control characters become \u00XX (what a JSON file needs to be readable). */
static int put_string(cn_buf *b, const char *s, size_t len, int escape_ctl)
{
    size_t i;
    int err = cn_buf_put(b, "\"", 1);

    for (i = 0; err == 0 && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            err = cn_buf_printf(b, "\\%c", c);
        else if (escape_ctl && c < 0x20)
            err = cn_buf_printf(b, "\\u%04x", c);
        else
            err = cn_buf_put(b, &s[i], 1);
    }
    return err ? err : cn_buf_put(b, "\"", 1);
}

typedef struct {
    const char *key;
    size_t len;
} member;

static int member_cmp(const void *a, const void *b)
{
    const member *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);

    if (c != 0)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static int encode(cn_buf *b, const json_t *v, int escape_ctl)
{
    int err = 0;

    switch (json_typeof(v)) {
    case JSON_NULL:
        return cn_buf_puts(b, "null");
    case JSON_TRUE:
        return cn_buf_puts(b, "true");
    case JSON_FALSE:
        return cn_buf_puts(b, "false");
    case JSON_INTEGER:
        return cn_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    case JSON_REAL:
        return cn_error_set(CN_EINVAL, "canonical JSON has no real numbers");
    case JSON_STRING:
        return put_string(b, json_string_value(v), json_string_length(v), escape_ctl);
    case JSON_ARRAY:
        err = cn_buf_put(b, "[", 1);
        for (size_t i = 0; err == 0 && i < json_array_size(v); i++) {
            if (i)
                err = cn_buf_put(b, ",", 1);
            if (err == 0)
                err = encode(b, json_array_get(v, i), escape_ctl);
        }
        return err ? err : cn_buf_put(b, "]", 1);
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0, klen;
        member *m = calloc(n ? n : 1, sizeof(*m));
        const char *key;
        json_t *val;

        if (m == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        json_object_keylen_foreach((json_t *)v, key, klen, val)
        {
            m[i].key = key;
            m[i++].len = klen;
        }
        qsort(m, n, sizeof(*m), member_cmp);
        err = cn_buf_put(b, "{", 1);
        for (i = 0; err == 0 && i < n; i++) {
            if (i)
                err = cn_buf_put(b, ",", 1);
            if (err == 0)
                err = put_string(b, m[i].key, m[i].len, escape_ctl);
            if (err == 0)
                err = cn_buf_put(b, ":", 1);
            if (err == 0)
                err = encode(b, json_object_getn(v, m[i].key, m[i].len), escape_ctl);
        }
        free(m);
        return err ? err : cn_buf_put(b, "}", 1);
    }
    }
    return cn_error_set(CN_EINVAL, "unknown JSON type");
}

/* ---------------------------------------------------------------------------
 * Metadata files
 * ------------------------------------------------------------------------- */

static int load(json_t **out, const char *path)
{
    unsigned char *data = NULL;
    json_error_t jerr;
    size_t len;
    int err;

    *out = NULL;
    if ((err = cn_file_read(&data, &len, path, MAX_FILE)) != 0)
        return err;
    *out = json_loadb((const char *)data, len, JSON_ALLOW_NUL, &jerr);
    free(data);
    if (*out == NULL)
        return cn_error_set(CN_EINVAL, "%s: %s (line %d)", path, jerr.text, jerr.line);
    return 0;
}

static int signature_of(json_t **out, const cn_key *key, const char *msg, size_t len)
{
    unsigned char sig[CN_ED25519_SIG_LEN];
    char keyid[CN_SHA256_HEX_LEN + 1], hex[2 * CN_ED25519_SIG_LEN + 1];
    int err;

    if ((err = cn_tuf_keyid(keyid, key)) != 0 || (err = cn_key_sign(sig, key, msg, len)) != 0)
        return err;
    cn_hex_encode(hex, sig, sizeof(sig));
    *out = json_pack("{s:s,s:s}", "keyid", keyid, "sig", hex);
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

/* Append signatures by the -s keys over the canonical bytes of "signed";
 * with replace, drop the signatures there first. */
static int sign_envelope(json_t *env, int replace)
{
    json_t *sigs = json_object_get(env, "signatures"), *sig = NULL;
    cn_buf msg = CN_BUF_INIT;
    int err = 0;

    if (!json_is_object(json_object_get(env, "signed")) || !json_is_array(sigs))
        return cn_error_set(CN_EINVAL, "not a metadata envelope");
    if (replace)
        json_array_clear(sigs);
    if ((err = encode(&msg, json_object_get(env, "signed"), 0)) != 0)
        goto out;
    for (size_t i = 0; i < nsign_keys; i++) {
        if ((err = signature_of(&sig, sign_keys[i], (const char *)msg.data, msg.len)) != 0)
            goto out;
        json_array_append_new(sigs, sig);
    }
out:
    cn_buf_free(&msg);
    return err;
}

/* Write env as canonical JSON (control characters escaped), signing it with
 * the -s keys first when there are any. */
static int store(json_t *env, const char *path)
{
    cn_buf b = CN_BUF_INIT;
    int err;

    if (nsign_keys && (err = sign_envelope(env, 1)) != 0)
        return err;
    if ((err = encode(&b, env, 1)) == 0)
        err = cn_file_write_atomic(path, b.data, b.len, 0644);
    cn_buf_free(&b);
    return err;
}

/* Walk KEY... from root; with create, missing objects are made on the way
 * (but not the last member). *parent gets the object holding the last key. */
static int walk(json_t **parent, char **last, size_t *lastlen, json_t *root, char **keys, int n,
                int create)
{
    json_t *cur = root;
    char *name = NULL;
    size_t len;
    int err;

    if (n < 1)
        return cn_error_set(CN_EUSAGE, "no KEY given");
    for (int i = 0; i < n; i++) {
        if ((err = arg_name(&name, &len, keys[i])) != 0)
            return err;
        if (!json_is_object(cur)) {
            err = cn_error_set(CN_EINVAL, "%s: not inside an object", keys[i]);
            free(name);
            return err;
        }
        if (i == n - 1) {
            *parent = cur;
            *last = name;
            *lastlen = len;
            return 0;
        }
        json_t *next = json_object_getn(cur, name, len);
        if (next == NULL && create) {
            next = json_object();
            json_object_setn_new(cur, name, len, next);
        }
        free(name);
        name = NULL;
        if (next == NULL)
            return cn_error_set(CN_ENOTFOUND, "%s: no such member", keys[i]);
        cur = next;
    }
    return cn_error_set(CN_EUSAGE, "no KEY given");
}

static int cmd_get(const char *file, char **keys, int n)
{
    json_t *env = NULL, *parent, *v;
    char *last = NULL, *s = NULL;
    size_t len;
    int err;

    if ((err = load(&env, file)) != 0 || (err = walk(&parent, &last, &len, env, keys, n, 0)) != 0)
        goto out;
    if ((v = json_object_getn(parent, last, len)) == NULL) {
        err = cn_error_set(CN_ENOTFOUND, "%s: no such member", keys[n - 1]);
        goto out;
    }
    if (json_is_string(v))
        fwrite(json_string_value(v), 1, json_string_length(v), stdout);
    else if ((s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)) != NULL)
        fputs(s, stdout);
    putchar('\n');
out:
    free(s);
    free(last);
    json_decref(env);
    return err;
}

static int cmd_set(const char *file, const char *value, char **keys, int n)
{
    json_t *env = NULL, *parent, *v = NULL;
    json_error_t jerr;
    char *last = NULL;
    size_t len;
    int err;

    if ((v = json_loads(value, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr)) == NULL)
        return cn_error_set(CN_EUSAGE, "not JSON: %s (%s)", value, jerr.text);
    if ((err = load(&env, file)) != 0 || (err = walk(&parent, &last, &len, env, keys, n, 1)) != 0)
        goto out;
    json_object_setn_new(parent, last, len, v);
    v = NULL;
    err = store(env, file);
out:
    json_decref(v);
    free(last);
    json_decref(env);
    return err;
}

/* Remove the member name[0..len) from obj; 1 if it was there. (jansson has
 * no json_object_deln for keys that may hold NUL bytes.) */
static int remove_member(json_t *obj, const char *name, size_t len)
{
    json_t *copy = json_object(), *v;
    const char *k;
    size_t klen;
    int found = 0;

    json_object_keylen_foreach(obj, k, klen, v)
    {
        if (klen == len && memcmp(k, name, len) == 0)
            found = 1;
        else
            json_object_setn(copy, k, klen, v);
    }
    json_object_clear(obj);
    json_object_keylen_foreach(copy, k, klen, v) json_object_setn(obj, k, klen, v);
    json_decref(copy);
    return found;
}

static int cmd_del(const char *file, char **keys, int n)
{
    json_t *env = NULL, *parent;
    char *last = NULL;
    size_t len;
    int err;

    if ((err = load(&env, file)) != 0 || (err = walk(&parent, &last, &len, env, keys, n, 0)) != 0)
        goto out;
    if (!remove_member(parent, last, len)) {
        err = cn_error_set(CN_ENOTFOUND, "%s: no such member", keys[n - 1]);
        goto out;
    }
    err = store(env, file);
out:
    free(last);
    json_decref(env);
    return err;
}

static int cmd_rename(const char *file, const char *newarg, char **keys, int n)
{
    json_t *env = NULL, *parent, *v;
    char *last = NULL, *newname = NULL;
    size_t len, newlen;
    int err;

    if ((err = arg_name(&newname, &newlen, newarg)) != 0 || (err = load(&env, file)) != 0 ||
        (err = walk(&parent, &last, &len, env, keys, n, 0)) != 0)
        goto out;
    if ((v = json_object_getn(parent, last, len)) == NULL) {
        err = cn_error_set(CN_ENOTFOUND, "%s: no such member", keys[n - 1]);
        goto out;
    }
    json_incref(v);
    remove_member(parent, last, len);
    json_object_setn_new(parent, newname, newlen, v);
    err = store(env, file);
out:
    free(newname);
    free(last);
    json_decref(env);
    return err;
}

static int cmd_sign(const char *file, int replace)
{
    json_t *env = NULL;
    cn_buf b = CN_BUF_INIT;
    int err;

    if (nsign_keys == 0)
        return cn_error_set(CN_EUSAGE, "no -s KEYFILE given");
    if ((err = load(&env, file)) != 0 || (err = sign_envelope(env, replace)) != 0)
        goto out;
    if ((err = encode(&b, env, 1)) == 0)
        err = cn_file_write_atomic(file, b.data, b.len, 0644);
out:
    cn_buf_free(&b);
    json_decref(env);
    return err;
}

static int cmd_dupsig(const char *file)
{
    json_t *env = NULL, *sigs;
    int err;

    if ((err = load(&env, file)) != 0)
        goto out;
    sigs = json_object_get(env, "signatures");
    if (json_array_size(sigs) == 0) {
        err = cn_error_set(CN_EINVAL, "%s: no signature to duplicate", file);
        goto out;
    }
    json_array_append_new(sigs, json_deep_copy(json_array_get(sigs, 0)));
    err = store(env, file);
out:
    json_decref(env);
    return err;
}

/* {"length":N,"hashes":{"sha256":HEX}} of a file's bytes. */
static int file_info(json_t **out, const char *path, uint64_t *len_out)
{
    char hex[CN_SHA256_HEX_LEN + 1];
    size_t len;
    int err;

    if ((err = cn_sha256_file_hex(hex, &len, path, MAX_FILE)) != 0)
        return err;
    *out = json_pack("{s:I,s:{s:s}}", "length", (json_int_t)len, "hashes", "sha256", hex);
    if (len_out)
        *len_out = len;
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

static int cmd_fileinfo(const char *file, const char *name, const char *meta, const char *version)
{
    json_t *env = NULL, *child = NULL, *info = NULL, *metaobj;
    json_int_t v;
    int err;

    if (version != NULL) {
        v = strtoll(version, NULL, 10);
    } else {
        if ((err = load(&child, meta)) != 0)
            goto out;
        v = json_integer_value(json_object_get(json_object_get(child, "signed"), "version"));
    }
    if ((err = file_info(&info, meta, NULL)) != 0 || (err = load(&env, file)) != 0)
        goto out;
    json_object_set_new(info, "version", json_integer(v));
    metaobj = json_object_get(json_object_get(env, "signed"), "meta");
    if (!json_is_object(metaobj)) {
        err = cn_error_set(CN_EINVAL, "%s: no signed.meta", file);
        goto out;
    }
    json_object_set_new(metaobj, name, info);
    info = NULL;
    err = store(env, file);
out:
    json_decref(info);
    json_decref(child);
    json_decref(env);
    return err;
}

static int cmd_target(const char *file, const char *patharg, const char *data, const char *custom)
{
    json_t *env = NULL, *info = NULL, *targets, *old, *c = NULL;
    json_error_t jerr;
    char *path = NULL;
    size_t plen;
    int err;

    if (custom != NULL && (c = json_loads(custom, 0, &jerr)) == NULL)
        return cn_error_set(CN_EUSAGE, "custom is not a JSON object: %s", jerr.text);
    if ((err = arg_name(&path, &plen, patharg)) != 0 || (err = file_info(&info, data, NULL)) != 0 ||
        (err = load(&env, file)) != 0)
        goto out;
    targets = json_object_get(json_object_get(env, "signed"), "targets");
    if (!json_is_object(targets)) {
        err = cn_error_set(CN_EINVAL, "%s: no signed.targets", file);
        goto out;
    }
    if (c == NULL && (old = json_object_getn(targets, path, plen)) != NULL)
        c = json_incref(json_object_get(old, "custom"));
    if (c != NULL)
        json_object_set(info, "custom", c);
    json_object_setn_new(targets, path, plen, info);
    info = NULL;
    err = store(env, file);
out:
    json_decref(c);
    json_decref(info);
    free(path);
    json_decref(env);
    return err;
}

static int cmd_consistent(const char *path, const char *data)
{
    char hex[CN_SHA256_HEX_LEN + 1], *name = NULL;
    size_t len;
    int err;

    if ((err = cn_sha256_file_hex(hex, &len, data, MAX_FILE)) != 0 ||
        (err = cn_tuf_target_consistent_path(&name, path, hex)) != 0)
        return err;
    puts(name);
    free(name);
    return 0;
}

static int cmd_rolekeys(const char *file, const char *role, const char *threshold, char **keyfiles,
                        int n)
{
    json_t *env = NULL, *keys, *roleobj, *ids;
    char keyid[CN_SHA256_HEX_LEN + 1];
    cn_key *key = NULL;
    int err;

    if ((err = load(&env, file)) != 0)
        goto out;
    keys = json_object_get(json_object_get(env, "signed"), "keys");
    roleobj = json_object_get(json_object_get(json_object_get(env, "signed"), "roles"), role);
    if (!json_is_object(keys) || !json_is_object(roleobj)) {
        err = cn_error_set(CN_EINVAL, "%s: not a root naming role %s", file, role);
        goto out;
    }
    ids = json_array();
    for (int i = 0; i < n; i++) {
        json_t *kj = NULL;
        if ((err = cn_key_load_private(&key, keyfiles[i])) != 0 ||
            (err = cn_tuf_keyid(keyid, key)) != 0 || (err = cn_tuf_key_json(&kj, key)) != 0) {
            json_decref(ids);
            goto out;
        }
        json_object_set_new(keys, keyid, kj);
        json_array_append_new(ids, json_string(keyid));
        cn_key_free(key);
        key = NULL;
    }
    json_object_set_new(roleobj, "keyids", ids);
    json_object_set_new(roleobj, "threshold", json_integer(strtoll(threshold, NULL, 10)));
    err = store(env, file);
out:
    cn_key_free(key);
    json_decref(env);
    return err;
}

/* ---------------------------------------------------------------------------
 * check-mirror: what a follower may hold after any crash
 *
 * The targets checked are those of the top-level targets and, in layout 2
 * (docs/PROTOCOL.md §4.1), of every delegated item role the mirror holds.
 * ------------------------------------------------------------------------- */

/* Every file below dir/targets is named <sha256>.<name> after its content:
 * partial downloads must never sit in the mirror tree. */
static int check_target_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int err = 0;

    if (d == NULL)
        return 0; /* nothing stored yet */
    while (err == 0 && (e = readdir(d)) != NULL) {
        char path[MAX_PATH_L], hex[CN_SHA256_HEX_LEN + 1];
        struct stat st;
        size_t len;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st) != 0) {
            err = cn_error_set(CN_ERROR, "%s: cannot stat", path);
        } else if (S_ISDIR(st.st_mode)) {
            err = check_target_files(path);
        } else if (!S_ISREG(st.st_mode)) {
            err = cn_error_set(CN_EVERIFY, "%s: not a regular file", path);
        } else if ((err = cn_sha256_file_hex(hex, &len, path, (size_t)1 << 32)) == 0 &&
                   (strlen(e->d_name) <= CN_SHA256_HEX_LEN ||
                    strncmp(e->d_name, hex, CN_SHA256_HEX_LEN) != 0 ||
                    e->d_name[CN_SHA256_HEX_LEN] != '.')) {
            err = cn_error_set(CN_EVERIFY, "%s: content does not match its name (sha256 %s)", path,
                               hex);
        }
    }
    closedir(d);
    return err;
}

/* Is the hex public key pub among the keys root authorizes for targets? */
static int root_authorizes(const cn_tuf_client *c, const unsigned char pub[CN_ED25519_PUB_LEN])
{
    const unsigned char *bytes;
    json_t *root = NULL, *signed_, *ids;
    char hex[2 * CN_ED25519_PUB_LEN + 1];
    size_t len, i;
    int ok = 0;

    cn_hex_encode(hex, pub, CN_ED25519_PUB_LEN);
    if (cn_tuf_client_metadata_bytes(&bytes, &len, c, CN_TUF_ROOT) != 0 ||
        (root = json_loadb((const char *)bytes, len, 0, NULL)) == NULL)
        return 0;
    signed_ = json_object_get(root, "signed");
    ids = json_object_get(json_object_get(json_object_get(signed_, "roles"), "targets"), "keyids");
    for (i = 0; i < json_array_size(ids); i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        json_t *k = json_object_get(json_object_get(signed_, "keys"), id ? id : "");
        const char *p = json_string_value(json_object_get(json_object_get(k, "keyval"), "public"));
        if (p && strcmp(p, hex) == 0)
            ok = 1;
    }
    json_decref(root);
    return ok;
}

/* The version tag of one trusted target is in the mirrored repository, is the
 * signed tag object, points at the signed commit and carries a valid SSHSIG
 * by a targets key; refs/heads/main exists and HEAD names it. */
static int check_item_tag(const cn_tuf_client *c, const cn_tuf_target_info *t, const char *repos)
{
    const char *item = json_string_value(json_object_get(t->custom, "item"));
    const char *version = json_string_value(json_object_get(t->custom, "version"));
    const char *tag = json_string_value(json_object_get(t->custom, "tag"));
    const char *commit = json_string_value(json_object_get(t->custom, "commit"));
    unsigned char signer[CN_ED25519_PUB_LEN];
    char path[MAX_PATH_L], ref[256], got[GIT_OID_HEXSZ + 1];
    git_repository *repo = NULL;
    git_reference *head = NULL;
    git_oid oid, target;
    int err = 0;

    if (!item || !version || !tag || !commit)
        return cn_error_set(CN_EVERIFY, "%s: custom lacks item, version, tag or commit", t->path);
    snprintf(path, sizeof(path), "%s/%s.git", repos, item);
    if (git_repository_open_bare(&repo, path) != 0)
        return cn_error_set(CN_EVERIFY, "%s: trusted metadata names %s@%s but %s is missing",
                            t->path, item, version, path);
    snprintf(ref, sizeof(ref), "refs/tags/v%s", version);
    if (git_reference_name_to_id(&oid, repo, ref) != 0) {
        err = cn_error_set(CN_EVERIFY, "%s: trusted %s@%s but %s has no %s", t->path, item, version,
                           path, ref);
        goto out;
    }
    git_oid_tostr(got, sizeof(got), &oid);
    if (strcmp(got, tag) != 0) {
        err = cn_error_set(CN_EVERIFY, "%s %s is %s, signed metadata says %s", path, ref, got, tag);
        goto out;
    }
    if (cn_git_tag_verify(signer, &target, repo, &oid) != 0) {
        err = cn_error_set(CN_EVERIFY, "%s %s: %s", path, ref, cn_error_message());
        goto out;
    }
    git_oid_tostr(got, sizeof(got), &target);
    if (strcmp(got, commit) != 0 || !root_authorizes(c, signer)) {
        err = cn_error_set(CN_EVERIFY, "%s %s: commit %s (signed %s) or signer not a targets key",
                           path, ref, got, commit);
        goto out;
    }
    if (git_reference_lookup(&head, repo, "HEAD") != 0 ||
        git_reference_type(head) != GIT_REFERENCE_SYMBOLIC ||
        strcmp(git_reference_symbolic_target(head), "refs/heads/main") != 0 ||
        git_reference_name_to_id(&oid, repo, "refs/heads/main") != 0)
        err = cn_error_set(CN_EVERIFY, "%s: HEAD is not refs/heads/main or main is missing", path);
out:
    git_reference_free(head);
    git_repository_free(repo);
    return err;
}

static int cmd_check_mirror(const char *mirror, const char *repos)
{
    cn_tuf_client *c = NULL;
    unsigned char *root = NULL;
    char path[MAX_PATH_L];
    size_t len, i, tags = 0;
    int err;

    snprintf(path, sizeof(path), "%s/tuf/1.root.json", mirror);
    if ((err = cn_file_read(&root, &len, path, CN_TUF_MAX_ROOT_LEN)) != 0)
        goto out;
    snprintf(path, sizeof(path), "%s/targets", mirror);
    if ((err = check_target_files(path)) != 0)
        goto out;
    snprintf(path, sizeof(path), "%s/tuf/timestamp.json", mirror);
    if (!cn_file_exists(path)) {
        printf("pinned root only\n");
        goto out;
    }
    if ((err = cn_git_init()) != 0 || (err = cn_tuf_client_new(&c, root, len, time(NULL))) != 0 ||
        (err = cn_tuf_client_refresh(c, cn_tuf_fetch_dir, (void *)mirror)) != 0 ||
        (err = cn_tuf_client_load_delegations(c, cn_tuf_fetch_dir, (void *)mirror)) != 0)
        goto out;
    for (i = 0; i < cn_tuf_client_target_count(c); i++) {
        const cn_tuf_target_info *t = cn_tuf_client_target_at(c, i);
        const char *file = json_string_value(json_object_get(t->custom, "file"));
        if (file == NULL || strcmp(file, "manifest") != 0)
            continue;
        if ((err = check_item_tag(c, t, repos)) != 0)
            goto out;
        tags++;
    }
    printf("timestamp %llu, %zu version tags\n",
           (unsigned long long)cn_tuf_client_version(c, CN_TUF_TIMESTAMP), tags);
out:
    cn_tuf_client_free(c);
    free(root);
    return err == 0 ? 0 : (err == CN_EVERIFY || err == CN_ENOTFOUND ? CN_EVERIFY : err);
}

/* ---------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------- */

static int cmd_newkey(const char *path, int save)
{
    char keyid[CN_SHA256_HEX_LEN + 1];
    cn_key *key = NULL;
    int err;

    if (save)
        err = cn_key_generate(&key);
    else
        err = cn_key_load_private(&key, path);
    if (err == 0 && save)
        err = cn_key_save_private(key, path);
    if (err == 0 && (err = cn_tuf_keyid(keyid, key)) == 0)
        puts(keyid);
    cn_key_free(key);
    return err;
}

static int run(int argc, char **argv)
{
    const char *cmd;

    if (argc < 3)
        return CN_EUSAGE;
    cmd = argv[1];
    if (strcmp(cmd, "newkey") == 0 && argc == 3)
        return cmd_newkey(argv[2], 1);
    if (strcmp(cmd, "keyid") == 0 && argc == 3)
        return cmd_newkey(argv[2], 0);
    if (strcmp(cmd, "get") == 0 && argc >= 4)
        return cmd_get(argv[2], argv + 3, argc - 3);
    if (strcmp(cmd, "set") == 0 && argc >= 5)
        return cmd_set(argv[2], argv[3], argv + 4, argc - 4);
    if (strcmp(cmd, "del") == 0 && argc >= 4)
        return cmd_del(argv[2], argv + 3, argc - 3);
    if (strcmp(cmd, "rename") == 0 && argc >= 5)
        return cmd_rename(argv[2], argv[3], argv + 4, argc - 4);
    if (strcmp(cmd, "sign") == 0 && argc == 3)
        return cmd_sign(argv[2], 1);
    if (strcmp(cmd, "addsig") == 0 && argc == 3)
        return cmd_sign(argv[2], 0);
    if (strcmp(cmd, "dupsig") == 0 && argc == 3)
        return cmd_dupsig(argv[2]);
    if (strcmp(cmd, "fileinfo") == 0 && (argc == 5 || argc == 6))
        return cmd_fileinfo(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
    if (strcmp(cmd, "target") == 0 && (argc == 5 || argc == 6))
        return cmd_target(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
    if (strcmp(cmd, "consistent") == 0 && argc == 4)
        return cmd_consistent(argv[2], argv[3]);
    if (strcmp(cmd, "rolekeys") == 0 && argc >= 6)
        return cmd_rolekeys(argv[2], argv[3], argv[4], argv + 5, argc - 5);
    if (strcmp(cmd, "check-mirror") == 0 && argc == 4)
        return cmd_check_mirror(argv[2], argv[3]);
    return CN_EUSAGE;
}

int main(int argc, char **argv)
{
    int err, i = 1;

    while (i + 1 < argc && strcmp(argv[i], "-s") == 0) {
        if (nsign_keys == MAX_KEYS)
            return usage();
        if ((err = cn_key_load_private(&sign_keys[nsign_keys], argv[i + 1])) != 0) {
            fprintf(stderr, "forge: %s\n", cn_error_message());
            return 1;
        }
        nsign_keys++;
        i += 2;
    }
    argv[i - 1] = argv[0];
    err = run(argc - i + 1, argv + i - 1);
    for (size_t k = 0; k < nsign_keys; k++)
        cn_key_free(sign_keys[k]);
    if (err == CN_EUSAGE)
        return usage();
    if (err != 0) {
        fprintf(stderr, "forge: %s\n", cn_error_message());
        return err == CN_EVERIFY ? 3 : 1;
    }
    return 0;
}

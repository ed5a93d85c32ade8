/*
 * tuf.c - TUF 1.0 metadata: parsing with strict field checks, threshold
 * signature verification, and the small helpers (time, keyids, target paths)
 * the repository writer and the client share.
 */
#include "core/tuf_internal.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[CN_TUF_ROLE_COUNT] = {"root", "targets", "snapshot",
                                                          "timestamp"};

const char *cn_tuf_role_name(cn_tuf_role role)
{
    if ((int)role < 0 || (int)role >= CN_TUF_ROLE_COUNT)
        return "unknown";
    return role_names[role];
}

int cn_tuf_role_from_name(cn_tuf_role *out, const char *name)
{
    int i;

    for (i = 0; i < CN_TUF_ROLE_COUNT; i++) {
        if (strcmp(name, role_names[i]) == 0) {
            *out = (cn_tuf_role)i;
            return 0;
        }
    }
    return cn_error_set(CN_EINVAL, "unknown TUF role '%s' (root, targets, snapshot, timestamp)",
                        name);
}

/* Append s to b percent-encoded as python's urllib.parse.quote(s, ""). */
static int quote_into(cn_buf *b, const char *s, size_t len)
{
    size_t i;
    int err = 0;

    for (i = 0; err == 0 && i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~')
            err = cn_buf_put(b, &ch, 1);
        else
            err = cn_buf_printf(b, "%%%02X", ch);
    }
    return err;
}

static int detach_string(char **out, cn_buf *b, int err)
{
    if (err != 0) {
        cn_buf_free(b);
        return err;
    }
    *out = cn_buf_detach(b, NULL);
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

int cn_tuf_quote(char **out, const char *s)
{
    cn_buf b = CN_BUF_INIT;

    *out = NULL;
    return detach_string(out, &b, quote_into(&b, s, strlen(s)));
}

int cn_tuf_role_file_name(char **out, const char *role, uint64_t version)
{
    size_t len = strnlen(role, CN_TUF_MAX_ROLE_NAME + 1);
    cn_buf b = CN_BUF_INIT;
    int err = 0;

    *out = NULL;
    if (len == 0 || len > CN_TUF_MAX_ROLE_NAME)
        return cn_error_set(CN_EINVAL, "role name must be 1 to %u bytes", CN_TUF_MAX_ROLE_NAME);
    if (version > 0)
        err = cn_buf_printf(&b, "%" PRIu64 ".", version);
    if (err == 0)
        err = quote_into(&b, role, len);
    if (err == 0)
        err = cn_buf_printf(&b, ".json");
    return detach_string(out, &b, err);
}

/* ---- time ---------------------------------------------------------------- */

void cn_tuf_time_format(char out[21], time_t t)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int parse_digits(const char *s, size_t n, int *out)
{
    int v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int cn_tuf_time_parse(time_t *out, const char *s)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    struct tm tm;
    int y, mo, d, h, mi, se;

    if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z' || parse_digits(s, 4, &y) || parse_digits(s + 5, 2, &mo) ||
        parse_digits(s + 8, 2, &d) || parse_digits(s + 11, 2, &h) || parse_digits(s + 14, 2, &mi) ||
        parse_digits(s + 17, 2, &se) || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
        mi > 59 || se > 60)
        return cn_error_set(CN_EINVAL, "'%.40s' is not a time like 2030-01-31T12:00:00Z", s);
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = timegm(&tm);
    return 0;
}

/* ---- keys ---------------------------------------------------------------- */

int cn_tuf_key_json(json_t **out, const cn_key *key)
{
    char hex[2 * CN_ED25519_PUB_LEN + 1];

    cn_key_public_hex(key, hex);
    *out = json_pack("{s:s, s:s, s:{s:s}}", "keytype", "ed25519", "scheme", "ed25519", "keyval",
                     "public", hex);
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

int cn_tuf_keyid(char out[CN_SHA256_HEX_LEN + 1], const cn_key *key)
{
    json_t *obj = NULL;
    char *canon = NULL;
    size_t len;
    int err;

    if ((err = cn_tuf_key_json(&obj, key)) != 0)
        goto out;
    if ((err = cn_json_canonical(&canon, &len, obj)) != 0)
        goto out;
    cn_sha256_hex(out, canon, len);
out:
    free(canon);
    json_decref(obj);
    return err;
}

/* ---- target paths ----------------------------------------------------------- */

int cn_tuf_target_path_check(const char *path)
{
    size_t i, len = strnlen(path, CN_TUF_MAX_TARGET_PATH + 1), start = 0;

    if (len == 0 || len > CN_TUF_MAX_TARGET_PATH)
        return cn_error_set(CN_EINVAL, "target path must be 1 to %u bytes", CN_TUF_MAX_TARGET_PATH);
    for (i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (i < len && (c < 0x21 || c > 0x7e || c == '\\' || c == '?' || c == '#'))
            return cn_error_set(CN_EINVAL,
                                "target path '%.*s' contains a character outside printable "
                                "ASCII or one of \\ ? # and space",
                                (int)len, path);
        if (i == len || c == '/') {
            size_t n = i - start;
            if (n == 0 || (n == 1 && path[start] == '.') ||
                (n == 2 && path[start] == '.' && path[start + 1] == '.'))
                return cn_error_set(CN_EINVAL,
                                    "target path '%.*s' has an empty, '.' or '..' component",
                                    (int)len, path);
            start = i + 1;
        }
    }
    return 0;
}

int cn_tuf_target_consistent_path(char **out, const char *target_path,
                                  const char sha256[CN_SHA256_HEX_LEN + 1])
{
    const char *slash = strrchr(target_path, '/');
    cn_buf b = CN_BUF_INIT;
    int err;

    *out = NULL;
    if ((err = cn_tuf_target_path_check(target_path)) != 0)
        return err;
    if (slash)
        err = cn_buf_printf(&b, "targets/%.*s/%s.%s", (int)(slash - target_path), target_path,
                            sha256, slash + 1);
    else
        err = cn_buf_printf(&b, "targets/%s.%s", sha256, target_path);
    if (err != 0) {
        cn_buf_free(&b);
        return err;
    }
    *out = cn_buf_detach(&b, NULL);
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

char *cn_tuf_metadata_path(cn_tuf_role role, uint64_t version, int consistent)
{
    char buf[64];

    if (role == CN_TUF_TIMESTAMP || (!consistent && role != CN_TUF_ROOT))
        snprintf(buf, sizeof(buf), "tuf/%s.json", cn_tuf_role_name(role));
    else
        snprintf(buf, sizeof(buf), "tuf/%" PRIu64 ".%s.json", version, cn_tuf_role_name(role));
    return strdup(buf);
}

/* ---- hashes -------------------------------------------------------------- */

int cn_tuf_verify_target_bytes(const cn_tuf_target_info *info, const void *data, size_t len)
{
    char hex[CN_SHA256_HEX_LEN + 1];

    if ((uint64_t)len != info->length)
        return cn_error_set(CN_EVERIFY, "%s: %zu bytes, signed metadata says %" PRIu64, info->path,
                            len, info->length);
    if (info->hashes != NULL)
        return cn_tuf_hashes_check(info->hashes, data, len, info->path);
    /* An info built by hand (no hashes object): its sha256. */
    cn_sha256_hex(hex, data, len);
    if (strcmp(hex, info->sha256) != 0)
        return cn_error_set(CN_EVERIFY, "%s: sha256 %s does not match the signed %s", info->path,
                            hex, info->sha256);
    return 0;
}

int cn_tuf_hashes_check(const json_t *hashes, const void *data, size_t len, const char *what)
{
    unsigned char d512[CN_SHA512_LEN];
    char hex[2 * CN_SHA512_LEN + 1];
    const char *alg;
    json_t *v;
    int checked = 0;

    json_object_foreach((json_t *)hashes, alg, v)
    {
        const char *want = json_string_value(v);
        if (strcmp(alg, "sha256") == 0)
            cn_sha256_hex(hex, data, len);
        else if (strcmp(alg, "sha512") == 0) {
            cn_sha512(d512, data, len);
            cn_hex_encode(hex, d512, sizeof(d512));
        } else
            continue;
        if (want == NULL || strcmp(hex, want) != 0)
            return cn_error_set(CN_EVERIFY, "%s: %s hash does not match the signed metadata", what,
                                alg);
        checked++;
    }
    if (checked == 0)
        return cn_error_set(CN_EVERIFY, "%s: signed metadata gives no sha256 or sha512 hash", what);
    return 0;
}

int cn_tuf_meta_check_bytes(const cn_tuf_meta_info *mi, const void *data, size_t len,
                            const char *what)
{
    if (mi->has_length && (uint64_t)len != mi->length)
        return cn_error_set(CN_EVERIFY, "%s: %zu bytes, signed metadata says %" PRIu64, what, len,
                            mi->length);
    if (mi->hashes == NULL)
        return 0;
    return cn_tuf_hashes_check(mi->hashes, data, len, what);
}

/* ---- field checks ---------------------------------------------------------- */

static int field_error(const char *what, const char *field, const char *expect)
{
    return cn_error_set(CN_EINVAL, "%s: %s: expected %s", what, field, expect);
}

static int get_uint(uint64_t *out, const json_t *obj, const char *key, uint64_t min,
                    const char *what, const char *field)
{
    const json_t *v = json_object_get(obj, key);

    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) < min)
        return cn_error_set(CN_EINVAL, "%s: %s: expected an integer >= %" PRIu64, what, field, min);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int check_hashes(const json_t *h, const char *what, const char *field)
{
    const char *alg;
    json_t *v;

    if (!json_is_object(h) || json_object_size(h) == 0)
        return field_error(what, field, "a non-empty object of hashes");
    json_object_foreach((json_t *)h, alg, v)
    {
        if (!json_is_string(v))
            return field_error(what, field, "hex strings");
        if (strcmp(alg, "sha256") == 0 &&
            !cn_hex_is_lower_str(json_string_value(v), CN_SHA256_HEX_LEN))
            return field_error(what, field, "sha256 as 64 lowercase hex digits");
        if (strcmp(alg, "sha512") == 0 &&
            !cn_hex_is_lower_str(json_string_value(v), 2 * CN_SHA512_LEN))
            return field_error(what, field, "sha512 as 128 lowercase hex digits");
    }
    return 0;
}

static int check_meta_info(cn_tuf_meta_info *out, const json_t *fi, const char *what,
                           const char *name)
{
    char field[160];
    const json_t *h;

    memset(out, 0, sizeof(*out));
    snprintf(field, sizeof(field), "signed.meta[\"%s\"]", name);
    if (!json_is_object(fi))
        return field_error(what, field, "an object");
    snprintf(field, sizeof(field), "signed.meta[\"%s\"].version", name);
    if (get_uint(&out->version, fi, "version", 1, what, field) != 0)
        return CN_EINVAL;
    if (json_object_get(fi, "length")) {
        snprintf(field, sizeof(field), "signed.meta[\"%s\"].length", name);
        if (get_uint(&out->length, fi, "length", 0, what, field) != 0)
            return CN_EINVAL;
        out->has_length = 1;
    }
    if ((h = json_object_get(fi, "hashes")) != NULL) {
        snprintf(field, sizeof(field), "signed.meta[\"%s\"].hashes", name);
        if (check_hashes(h, what, field) != 0)
            return CN_EINVAL;
        out->hashes = h;
    }
    return 0;
}

int cn_tuf_meta_get(cn_tuf_meta_info *out, const cn_tuf_metadata *md, const char *name)
{
    const json_t *fi = json_object_get(json_object_get(md->signed_, "meta"), name);

    if (fi == NULL)
        return cn_error_set(CN_EINVAL, "%s: signed.meta has no \"%s\"", md->what, name);
    return check_meta_info(out, fi, md->what, name);
}

static int target_cmp(const void *a, const void *b)
{
    return strcmp(((const cn_tuf_target_info *)a)->path, ((const cn_tuf_target_info *)b)->path);
}

int cn_tuf_targets_index(cn_tuf_target_info **out, size_t *n, const json_t *targets,
                         const char *what)
{
    cn_tuf_target_info *arr = NULL;
    const char *path;
    json_t *fi;
    size_t i = 0;
    int err = CN_EINVAL;

    *out = NULL;
    *n = 0;
    if (!json_is_object(targets))
        return field_error(what, "signed.targets", "an object");
    if (json_object_size(targets) > 0 &&
        (arr = calloc(json_object_size(targets), sizeof(*arr))) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    json_object_foreach((json_t *)targets, path, fi)
    {
        const json_t *h, *sha, *custom;
        char field[64];

        snprintf(field, sizeof(field), "signed.targets[\"%.40s\"]", path);
        if ((err = cn_tuf_target_path_check(path)) != 0) {
            err = cn_error_wrap(err, "%s", what);
            goto out;
        }
        err = CN_EINVAL;
        if (!json_is_object(fi)) {
            field_error(what, field, "an object");
            goto out;
        }
        if (get_uint(&arr[i].length, fi, "length", 0, what, field) != 0)
            goto out;
        h = json_object_get(fi, "hashes");
        if (check_hashes(h, what, field) != 0)
            goto out;
        custom = json_object_get(fi, "custom");
        if (custom != NULL && !json_is_object(custom)) {
            field_error(what, field, "custom to be an object");
            goto out;
        }
        arr[i].path = path;
        if ((sha = json_object_get(h, "sha256")) != NULL)
            memcpy(arr[i].sha256, json_string_value(sha), CN_SHA256_HEX_LEN + 1);
        if ((sha = json_object_get(h, "sha512")) != NULL)
            memcpy(arr[i].sha512, json_string_value(sha), 2 * CN_SHA512_LEN + 1);
        arr[i].hashes = h;
        arr[i].custom = custom;
        i++;
    }
    if (i > 1)
        qsort(arr, i, sizeof(*arr), target_cmp);
    *out = arr;
    *n = i;
    arr = NULL;
    err = 0;
out:
    free(arr);
    return err;
}

const cn_tuf_target_info *cn_tuf_targets_find(const cn_tuf_target_info *arr, size_t n,
                                              const char *path)
{
    cn_tuf_target_info key;

    if (n == 0)
        return NULL;
    memset(&key, 0, sizeof(key));
    key.path = path;
    return bsearch(&key, arr, n, sizeof(*arr), target_cmp);
}

static int check_spec_version(const json_t *sv, const char *what)
{
    const char *s = json_string_value(sv);
    size_t i, dots = 0, digits = 0;

    if (s == NULL)
        return field_error(what, "signed.spec_version", "a string");
    /* N.N.N where the major must be 1 (what tuf-js and python-tuf accept). */
    for (i = 0; s[i]; i++) {
        if (s[i] == '.') {
            if (digits == 0)
                break;
            dots++;
            digits = 0;
        } else if (s[i] >= '0' && s[i] <= '9' && digits < 9) {
            digits++;
        } else {
            break;
        }
    }
    /* "1.0" is how python-tuf once wrote it, and it still accepts it. */
    if (s[i] != '\0' || (dots != 1 && dots != 2) || digits == 0)
        return field_error(what, "signed.spec_version", "a version like 1.0.31");
    if (strncmp(s, "1.", 2) != 0)
        return cn_error_set(CN_EINVAL, "%s: spec_version %s is not supported (major 1 only)", what,
                            s);
    return 0;
}

/* keyids: an array of distinct strings. */
static int check_keyids(const json_t *ids, const char *what, const char *field)
{
    size_t i, j;

    for (i = 0; i < json_array_size(ids); i++) {
        if (!json_is_string(json_array_get(ids, i)))
            return field_error(what, field, "keyids to be strings");
        for (j = 0; j < i; j++)
            if (json_equal(json_array_get(ids, i), json_array_get(ids, j)))
                return field_error(what, field, "distinct keyids");
    }
    return 0;
}

static int check_root(cn_tuf_metadata *md)
{
    const json_t *keys = json_object_get(md->signed_, "keys");
    const json_t *roles = json_object_get(md->signed_, "roles");
    const json_t *cs = json_object_get(md->signed_, "consistent_snapshot");
    const char *keyid;
    json_t *k;
    int i;

    if (!json_is_object(keys))
        return field_error(md->what, "signed.keys", "an object");
    json_object_foreach((json_t *)keys, keyid, k)
    {
        if (!json_is_object(k) || !json_is_string(json_object_get(k, "keytype")) ||
            !json_is_string(json_object_get(k, "scheme")) ||
            !json_is_object(json_object_get(k, "keyval")))
            return field_error(md->what, "signed.keys",
                               "key objects with keytype, scheme and keyval");
    }
    if (!json_is_object(roles))
        return field_error(md->what, "signed.roles", "an object");
    for (i = 0; i < CN_TUF_ROLE_COUNT; i++) {
        const json_t *r = json_object_get(roles, role_names[i]), *ids;
        char field[64];
        uint64_t threshold;

        snprintf(field, sizeof(field), "signed.roles.%s", role_names[i]);
        if (!json_is_object(r))
            return field_error(md->what, field, "an object");
        ids = json_object_get(r, "keyids");
        if (!json_is_array(ids))
            return field_error(md->what, field, "keyids to be an array");
        if (check_keyids(ids, md->what, field) != 0)
            return CN_EINVAL;
        snprintf(field, sizeof(field), "signed.roles.%s.threshold", role_names[i]);
        if (get_uint(&threshold, r, "threshold", 1, md->what, field) != 0)
            return CN_EINVAL;
    }
    if (!json_is_boolean(cs))
        return field_error(md->what, "signed.consistent_snapshot", "a boolean");
    md->consistent_snapshot = json_is_true(cs);
    return 0;
}

static int check_role_body(cn_tuf_metadata *md)
{
    cn_tuf_meta_info mi;
    const json_t *meta;
    const char *name;
    json_t *fi;

    switch (md->role) {
    case CN_TUF_ROOT:
        return check_root(md);
    case CN_TUF_TARGETS:
        md->delegations = json_object_get(md->signed_, "delegations");
        if (md->delegations != NULL && cn_tuf_delegations_check(md->delegations, md->what) != 0)
            return CN_EINVAL;
        return cn_tuf_targets_index(&md->targets, &md->ntargets,
                                    json_object_get(md->signed_, "targets"), md->what);
    case CN_TUF_SNAPSHOT:
    case CN_TUF_TIMESTAMP:
        meta = json_object_get(md->signed_, "meta");
        if (!json_is_object(meta))
            return field_error(md->what, "signed.meta", "an object");
        json_object_foreach((json_t *)meta, name, fi)
        {
            if (check_meta_info(&mi, fi, md->what, name) != 0)
                return CN_EINVAL;
        }
        name = md->role == CN_TUF_SNAPSHOT ? "targets.json" : "snapshot.json";
        if (json_object_get(meta, name) == NULL)
            return cn_error_set(CN_EINVAL, "%s: signed.meta has no \"%s\"", md->what, name);
        if (md->role == CN_TUF_TIMESTAMP && json_object_size(meta) != 1)
            return cn_error_set(CN_EINVAL, "%s: signed.meta must name only snapshot.json",
                                md->what);
        return 0;
    }
    return cn_error_set(CN_EINVAL, "unknown role");
}

int cn_tuf_metadata_parse(cn_tuf_metadata **out, const void *data, size_t len, size_t max_len,
                          cn_tuf_role expect, const char *what)
{
    cn_tuf_metadata *md = NULL;
    const json_t *sigs, *type, *expires;
    size_t i, j;
    int err;

    *out = NULL;
    if (len > max_len)
        return cn_error_set(CN_ELIMIT, "%s: %zu bytes exceeds the limit of %zu", what, len,
                            max_len);
    if ((md = calloc(1, sizeof(*md))) == NULL || (md->bytes = malloc(len ? len : 1)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (len)
        memcpy(md->bytes, data, len);
    md->len = len;
    md->role = expect;
    snprintf(md->what, sizeof(md->what), "%s", what);
    if ((err = cn_json_parse(&md->json, data, len, CN_JSON_MAX_DEPTH, what)) != 0)
        goto out;
    err = CN_EINVAL;
    if (!json_is_object(md->json)) {
        field_error(what, "top level", "an object with signatures and signed");
        goto out;
    }
    sigs = json_object_get(md->json, "signatures");
    if (!json_is_array(sigs)) {
        field_error(what, "signatures", "an array");
        goto out;
    }
    for (i = 0; i < json_array_size(sigs); i++) {
        const json_t *s = json_array_get(sigs, i);
        if (!json_is_object(s) || !json_is_string(json_object_get(s, "keyid")) ||
            !json_is_string(json_object_get(s, "sig"))) {
            field_error(what, "signatures", "objects with string keyid and sig");
            goto out;
        }
        for (j = 0; j < i; j++) {
            if (json_equal(json_object_get(s, "keyid"),
                           json_object_get(json_array_get(sigs, j), "keyid"))) {
                /* A verification failure, not a malformed file: the
                 * envelope is fine, its signatures are not. */
                err = cn_error_set(CN_EVERIFY, "%s: keyid %.64s has more than one signature", what,
                                   json_string_value(json_object_get(s, "keyid")));
                goto out;
            }
        }
    }
    md->signed_ = json_object_get(md->json, "signed");
    if (!json_is_object(md->signed_)) {
        field_error(what, "signed", "an object");
        goto out;
    }
    type = json_object_get(md->signed_, "_type");
    if (!json_is_string(type)) {
        field_error(what, "signed._type", "a string");
        goto out;
    }
    if (strcmp(json_string_value(type), role_names[expect]) != 0) {
        cn_error_set(CN_EINVAL, "%s: signed._type is \"%.32s\", expected \"%s\"", what,
                     json_string_value(type), role_names[expect]);
        goto out;
    }
    if (check_spec_version(json_object_get(md->signed_, "spec_version"), what) != 0)
        goto out;
    if (get_uint(&md->version, md->signed_, "version", 1, what, "signed.version") != 0)
        goto out;
    expires = json_object_get(md->signed_, "expires");
    if (!json_is_string(expires)) {
        field_error(what, "signed.expires", "a string");
        goto out;
    }
    if ((err = cn_tuf_time_parse(&md->expires, json_string_value(expires))) != 0) {
        err = cn_error_wrap(err, "%s: signed.expires", what);
        goto out;
    }
    if ((err = check_role_body(md)) != 0)
        goto out;
    *out = md;
    md = NULL;
    err = 0;
out:
    cn_tuf_metadata_free(md);
    return err;
}

void cn_tuf_metadata_free(cn_tuf_metadata *md)
{
    if (md == NULL)
        return;
    free(md->targets);
    json_decref(md->json);
    free(md->bytes);
    free(md);
}

cn_tuf_role cn_tuf_metadata_role(const cn_tuf_metadata *md)
{
    return md->role;
}

uint64_t cn_tuf_metadata_version(const cn_tuf_metadata *md)
{
    return md->version;
}

time_t cn_tuf_metadata_expires(const cn_tuf_metadata *md)
{
    return md->expires;
}

const json_t *cn_tuf_metadata_signed(const cn_tuf_metadata *md)
{
    return md->signed_;
}

const unsigned char *cn_tuf_metadata_bytes(const cn_tuf_metadata *md, size_t *len)
{
    if (len)
        *len = md->len;
    return md->bytes;
}

int cn_tuf_metadata_check_expiry(const cn_tuf_metadata *md, time_t now)
{
    char when[21];

    if (now >= md->expires) {
        cn_tuf_time_format(when, md->expires);
        return cn_error_set(CN_EVERIFY, "%s: expired at %s (version %" PRIu64 ")", md->what, when,
                            md->version);
    }
    return 0;
}

/* ---- signatures ------------------------------------------------------------ */

/* 1 if some signature of md by keyid verifies with key over msg. */
static int signed_by(const cn_tuf_metadata *md, const char *keyid, const cn_tuf_pubkey *key,
                     const char *msg, size_t msglen)
{
    const json_t *sigs = json_object_get(md->json, "signatures");
    size_t i;

    for (i = 0; i < json_array_size(sigs); i++) {
        const json_t *s = json_array_get(sigs, i);
        if (strcmp(json_string_value(json_object_get(s, "keyid")), keyid) != 0)
            continue;
        if (cn_tuf_pubkey_verify(key, json_string_value(json_object_get(s, "sig")), msg, msglen))
            return 1;
    }
    return 0;
}

/* 1 if the key with this identity is among the first n of seen. */
static int seen_key(cn_tuf_pubkey *const *seen, size_t n, const cn_tuf_pubkey *k)
{
    size_t i, a, b;
    const unsigned char *ka = cn_tuf_pubkey_identity(k, &a);

    for (i = 0; i < n; i++) {
        const unsigned char *kb = cn_tuf_pubkey_identity(seen[i], &b);
        if (a == b && memcmp(ka, kb, a) == 0)
            return 1;
    }
    return 0;
}

int cn_tuf_verify_role(const cn_tuf_metadata *md, const json_t *keys, const json_t *role,
                       const char *role_name)
{
    const json_t *ids = json_object_get(role, "keyids");
    const json_t *th = json_object_get(role, "threshold");
    cn_tuf_pubkey **seen = NULL, *key = NULL;
    size_t i, nids = json_array_size(ids), valid = 0;
    json_int_t threshold = json_is_integer(th) ? json_integer_value(th) : 0;
    char *msg = NULL;
    size_t msglen;
    int err;

    if (threshold < 1)
        return cn_error_set(CN_EVERIFY, "%s: no threshold for role %s", md->what, role_name);
    if ((err = cn_json_canonical(&msg, &msglen, md->signed_)) != 0) {
        err = cn_error_wrap(CN_EVERIFY, "%s: cannot encode signed part canonically", md->what);
        goto out;
    }
    if (nids > 0 && (seen = calloc(nids, sizeof(*seen))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    /* Count distinct authorized keys (by keyid, which parse made unique, and
     * by key material) whose signature verifies: listing a key twice under
     * two keyids must not help. */
    for (i = 0; i < nids; i++) {
        const char *keyid = json_string_value(json_array_get(ids, i));
        const json_t *k = json_object_get(keys, keyid ? keyid : "");

        if (k == NULL || cn_tuf_pubkey_parse(&key, k) != 0)
            continue; /* unknown or unsupported: never counts */
        if (signed_by(md, keyid, key, msg, msglen) && !seen_key(seen, valid, key)) {
            seen[valid++] = key;
            key = NULL;
        }
        cn_tuf_pubkey_free(key);
        key = NULL;
    }
    cn_error_clear();
    if ((json_int_t)valid < threshold) {
        err = cn_error_set(CN_EVERIFY, "%s: %zu of %" PRIu64 " required signatures valid", md->what,
                           valid, (uint64_t)threshold);
        goto out;
    }
    err = 0;
out:
    for (i = 0; i < valid; i++)
        cn_tuf_pubkey_free(seen[i]);
    free(seen);
    free(msg);
    return err;
}

int cn_tuf_metadata_verify(const cn_tuf_metadata *md, const cn_tuf_metadata *root, cn_tuf_role role)
{
    if (root->role != CN_TUF_ROOT)
        return cn_error_set(CN_EINVAL, "%s: not verified against a root", md->what);
    return cn_tuf_verify_role(
        md, json_object_get(root->signed_, "keys"),
        json_object_get(json_object_get(root->signed_, "roles"), role_names[role]),
        role_names[role]);
}

int cn_tuf_role_keys_equal(const cn_tuf_metadata *a, const cn_tuf_metadata *b, cn_tuf_role role)
{
    const json_t *ra = json_object_get(json_object_get(a->signed_, "roles"), role_names[role]);
    const json_t *rb = json_object_get(json_object_get(b->signed_, "roles"), role_names[role]);
    const json_t *ia = json_object_get(ra, "keyids"), *ib = json_object_get(rb, "keyids");
    size_t i;

    if (!json_equal(json_object_get(ra, "threshold"), json_object_get(rb, "threshold")) ||
        json_array_size(ia) != json_array_size(ib))
        return 0;
    for (i = 0; i < json_array_size(ia); i++) {
        const json_t *ka = json_object_get(json_object_get(a->signed_, "keys"),
                                           json_string_value(json_array_get(ia, i)));
        const json_t *kb = json_object_get(json_object_get(b->signed_, "keys"),
                                           json_string_value(json_array_get(ia, i)));
        size_t j;
        int found = 0;

        for (j = 0; j < json_array_size(ib) && !found; j++)
            found = json_equal(json_array_get(ia, i), json_array_get(ib, j));
        if (!found || !json_equal(ka, kb))
            return 0;
    }
    return 1;
}

int cn_tuf_sign_envelope(char **out, size_t *outlen, const json_t *signed_,
                         const cn_tuf_role_keys *rk, const cn_tuf_role_keys *extra)
{
    const cn_tuf_role_keys *sets[2] = {rk, extra};
    unsigned char sig[CN_ED25519_SIG_LEN];
    char sighex[2 * CN_ED25519_SIG_LEN + 1], keyid[CN_SHA256_HEX_LEN + 1];
    json_t *env = NULL, *sigs = NULL;
    char *msg = NULL;
    size_t msglen, s, i, j;
    int err;

    *out = NULL;
    if ((err = cn_json_canonical(&msg, &msglen, signed_)) != 0)
        goto out;
    if ((sigs = json_array()) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (s = 0; s < 2; s++) {
        for (i = 0; sets[s] && i < sets[s]->nkeys; i++) {
            int dup = 0;
            if ((err = cn_tuf_keyid(keyid, sets[s]->keys[i])) != 0)
                goto out;
            for (j = 0; j < json_array_size(sigs) && !dup; j++)
                dup = strcmp(keyid, json_string_value(
                                        json_object_get(json_array_get(sigs, j), "keyid"))) == 0;
            if (dup)
                continue;
            if ((err = cn_key_sign(sig, sets[s]->keys[i], msg, msglen)) != 0)
                goto out;
            cn_hex_encode(sighex, sig, sizeof(sig));
            if (json_array_append_new(
                    sigs, json_pack("{s:s, s:s}", "keyid", keyid, "sig", sighex)) != 0) {
                err = cn_error_set(CN_ENOMEM, "out of memory");
                goto out;
            }
        }
    }
    if ((env = json_pack("{s:O, s:O}", "signatures", sigs, "signed", signed_)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    err = cn_json_canonical(out, outlen, env);
out:
    json_decref(env);
    json_decref(sigs);
    free(msg);
    return err;
}

/*
 * tuf_delegation.c - delegations in targets metadata (spec 1.0.31 §4.5):
 * checking the "delegations" object, and deciding whether a delegation
 * covers a target path (paths patterns or path_hash_prefixes).
 *
 * A path pattern is matched the way python-tuf does: pattern and path must
 * have the same number of '/'-separated components and each component
 * matches shell-style (* ? [...], no escapes), so "*" never crosses a '/'.
 * That is fnmatch(3) with FNM_PATHNAME | FNM_NOESCAPE.
 */
#include "core/tuf_internal.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/hash.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

static int bad(const char *what, const char *field, const char *expect)
{
    return cn_error_set(CN_EINVAL, "%s: %s: expected %s", what, field, expect);
}

/* An array of strings, each at most max bytes (0: any non-empty string). */
static int check_strings(const json_t *a, size_t max, const char *what, const char *field)
{
    size_t i;

    if (!json_is_array(a))
        return bad(what, field, "an array of strings");
    for (i = 0; i < json_array_size(a); i++) {
        const json_t *v = json_array_get(a, i);
        if (!json_is_string(v) || (max > 0 && json_string_length(v) > max))
            return bad(what, field, "an array of strings");
    }
    return 0;
}

static int check_role(const json_t *r, size_t index, const json_t *roles, const char *what)
{
    const char *name = json_string_value(json_object_get(r, "name"));
    const json_t *th = json_object_get(r, "threshold"), *ids = json_object_get(r, "keyids");
    const json_t *paths = json_object_get(r, "paths");
    const json_t *prefixes = json_object_get(r, "path_hash_prefixes");
    cn_tuf_role top;
    char field[64];
    size_t i, j;

    snprintf(field, sizeof(field), "signed.delegations.roles[%zu]", index);
    if (!json_is_object(r))
        return bad(what, field, "an object");
    if (name == NULL || name[0] == '\0' || strlen(name) > CN_TUF_MAX_ROLE_NAME)
        return bad(what, field, "a name of 1 to 255 bytes");
    if (cn_tuf_role_from_name(&top, name) == 0)
        return cn_error_set(CN_EINVAL, "%s: %s: a delegated role cannot be named %s", what, field,
                            name);
    cn_error_clear();
    for (i = 0; i < index; i++)
        if (strcmp(name, json_string_value(json_object_get(json_array_get(roles, i), "name"))) == 0)
            return cn_error_set(CN_EINVAL, "%s: role %.64s is delegated twice", what, name);
    if (!json_is_integer(th) || json_integer_value(th) < 1)
        return bad(what, field, "a threshold >= 1");
    if (check_strings(ids, 0, what, field) != 0)
        return CN_EINVAL;
    for (i = 0; i < json_array_size(ids); i++)
        for (j = 0; j < i; j++)
            if (json_equal(json_array_get(ids, i), json_array_get(ids, j)))
                return bad(what, field, "distinct keyids");
    if (!json_is_boolean(json_object_get(r, "terminating")))
        return bad(what, field, "terminating to be a boolean");
    if ((paths == NULL) == (prefixes == NULL))
        return bad(what, field, "exactly one of paths and path_hash_prefixes");
    if (paths != NULL)
        return check_strings(paths, CN_TUF_MAX_TARGET_PATH, what, field);
    return check_strings(prefixes, CN_SHA256_HEX_LEN, what, field);
}

int cn_tuf_delegations_check(const json_t *delegations, const char *what)
{
    const json_t *keys = json_object_get(delegations, "keys");
    const json_t *roles = json_object_get(delegations, "roles");
    const char *keyid;
    json_t *k;
    size_t i;

    if (!json_is_object(delegations))
        return bad(what, "signed.delegations", "an object");
    if (json_object_get(delegations, "succinct_roles") != NULL)
        return cn_error_set(CN_EINVAL, "%s: succinct_roles (TAP 15) are not supported", what);
    if (!json_is_object(keys))
        return bad(what, "signed.delegations.keys", "an object");
    json_object_foreach((json_t *)keys, keyid, k)
    {
        if (!json_is_object(k) || !json_is_string(json_object_get(k, "keytype")) ||
            !json_is_string(json_object_get(k, "scheme")) ||
            !json_is_object(json_object_get(k, "keyval")))
            return bad(what, "signed.delegations.keys",
                       "key objects with keytype, scheme and keyval");
    }
    if (!json_is_array(roles))
        return bad(what, "signed.delegations.roles", "an array");
    for (i = 0; i < json_array_size(roles); i++)
        if (check_role(json_array_get(roles, i), i, roles, what) != 0)
            return CN_EINVAL;
    return 0;
}

int cn_tuf_delegation_covers(const json_t *role, const char *target_path)
{
    const json_t *paths = json_object_get(role, "paths");
    const json_t *prefixes = json_object_get(role, "path_hash_prefixes");
    char hex[CN_SHA256_HEX_LEN + 1];
    const json_t *v;
    size_t i;

    json_array_foreach(paths, i, v)
    {
        if (fnmatch(json_string_value(v), target_path, FNM_PATHNAME | FNM_NOESCAPE) == 0)
            return 1;
    }
    if (prefixes == NULL)
        return 0;
    cn_sha256_hex(hex, target_path, strlen(target_path));
    json_array_foreach(prefixes, i, v)
    {
        if (strncmp(hex, json_string_value(v), json_string_length(v)) == 0)
            return 1;
    }
    return 0;
}

/*
 * json.h - bounded JSON parsing and OLPC canonical JSON (over jansson).
 *
 * Canonical JSON is what TUF signs: object keys sorted by their UTF-8 bytes,
 * no insignificant whitespace, strings with only '\' and '"' escaped, and
 * integers only (a real number is refused).
 */
#ifndef CN_JSON_H
#define CN_JSON_H

#include <jansson.h>
#include <stddef.h>

#define CN_JSON_MAX_DEPTH 64

/* Parse len bytes of JSON (one value, nothing after it). Refuses input nested
 * deeper than max_depth with CN_ELIMIT, and reports syntax errors with line and
 * column as CN_EINVAL, naming what (a file name, a URL) for the message. */
int cn_json_parse(json_t **out, const void *data, size_t len, size_t max_depth, const char *what);

/* Read and parse a JSON file of at most max bytes. */
int cn_json_load_file(json_t **out, const char *path, size_t max);

/* Canonical encoding into a heap buffer (caller frees). */
int cn_json_canonical(char **out, size_t *outlen, const json_t *value);

/* Sort the elements of a JSON array in place; cmp compares two json_t *
 * through pointers to them, as qsort passes them. CN_ENOMEM leaves the
 * array as it was. */
int cn_json_array_sort(json_t *list, int (*cmp)(const void *, const void *));

/* Human-readable, key-sorted encoding with a final newline (caller frees). */
int cn_json_pretty(char **out, size_t *outlen, const json_t *value);

#endif

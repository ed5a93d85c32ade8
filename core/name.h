/*
 * name.h - checks for names that become paths or refs.
 *
 * Every name that came from outside (item ids, versions, target paths) is
 * checked here before it touches the file system (DESIGN.md §8).
 */
#ifndef CN_NAME_H
#define CN_NAME_H

#include <stddef.h>

#define CN_SLUG_MAX 63

/* Item id / peer alias: [a-z0-9][a-z0-9-]{0,62}. */
int cn_name_check_slug(const char *s);

/* A relative path of '/'-separated components, each non-empty, not "." or
 * "..", free of NUL, '\\', '?', '#', control characters; at most max bytes. */
int cn_name_check_relpath(const char *s, size_t max);

/* Slug from free text: lowercase ASCII letters and digits, runs of anything
 * else become one '-', trimmed, cut to CN_SLUG_MAX. out has CN_SLUG_MAX+1 bytes.
 * Fails with CN_EINVAL if nothing usable remains. */
int cn_name_slugify(char out[CN_SLUG_MAX + 1], const char *text);

/* Text for people (a search term, a programme's name, a withdrawal reason):
 * len bytes of well-formed UTF-8, at most max, without control characters
 * (but line breaks when flags has CN_TEXT_LINES). CN_EINVAL otherwise, with
 * a message starting "<what>: ": "too long (N bytes, at most M)", "control
 * characters are not allowed", "not valid UTF-8". */
#define CN_TEXT_LINES 1u
int cn_text_check(const char *what, const char *s, size_t len, size_t max, unsigned flags);

#endif

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

/* Slug from free text: Latin letters transliterated to ASCII (ä ae, ö oe,
 * ü ue, ß ss, å aa, æ ae, ø oe, œ oe, é e, ç c, ł l, ř r, ...: the table in
 * name.c, documented in docs/PROTOCOL.md "Item ids"), lowercased; runs of
 * anything else become one '-', trimmed, cut to CN_SLUG_MAX. out has
 * CN_SLUG_MAX+1 bytes. Fails with CN_EINVAL if nothing usable remains. */
int cn_name_slugify(char out[CN_SLUG_MAX + 1], const char *text);

/* The rule before transliteration (citynode up to issue 15): every byte
 * that is not an ASCII letter or digit is a separator, "Mängelmelder"
 * m-ngelmelder. Only to find an item published under such an id, which
 * keeps it (docs/PROTOCOL.md "Item ids"). */
int cn_name_slugify_ascii(char out[CN_SLUG_MAX + 1], const char *text);

/* Text for people (a search term, a programme's name, a withdrawal reason):
 * len bytes of well-formed UTF-8, at most max, without control characters
 * (but line breaks when flags has CN_TEXT_LINES). CN_EINVAL otherwise, with
 * a message starting "<what>: ": "too long (N bytes, at most M)", "control
 * characters are not allowed", "not valid UTF-8". */
#define CN_TEXT_LINES 1u
int cn_text_check(const char *what, const char *s, size_t len, size_t max, unsigned flags);

#endif

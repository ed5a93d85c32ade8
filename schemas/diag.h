/*
 * diag.h - diagnostics: what is wrong with a manifest, and where.
 *
 * A diagnostic names the file, the 1-based line and column (0 when the
 * document has no positions, e.g. JSON loaded from the network), the key path
 * inside the document (`maintenance.contacts[0].name`, "" for the document
 * itself) and a short human message. Warnings do not make a document invalid.
 *
 * The printed form is `FILE:LINE:COL: key.path: message`; warnings get
 * `warning: ` in front of the message. A list is an owned, growable array.
 */
#ifndef CN_DIAG_H
#define CN_DIAG_H

#include <stddef.h>

/* At most this many diagnostics are kept; further ones are counted only. */
#define CN_DIAG_MAX 1000

typedef struct {
    char *file;    /* NULL when unknown */
    unsigned line; /* 1-based, 0 if unknown */
    unsigned col;  /* 1-based, 0 if unknown */
    char *path;    /* key path, never NULL ("" for the whole document) */
    char *message; /* never NULL */
    int is_warning;
} cn_diagnostic;

typedef struct {
    cn_diagnostic *items;
    size_t count;
    size_t cap;
    size_t dropped; /* diagnostics not kept because of CN_DIAG_MAX */
} cn_diagnostics;

#define CN_DIAGNOSTICS_INIT                                                                        \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/* Append a diagnostic; file may be NULL, path NULL means "". Copies every
 * string. One the list already holds word for word (same file, place, path,
 * level and message) is not added again. Returns CN_ENOMEM only; past
 * CN_DIAG_MAX it counts and returns 0. */
int cn_diagnostics_add(cn_diagnostics *d, const char *file, unsigned line, unsigned col,
                       const char *path, int is_warning, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Number of diagnostics that are errors (not warnings), dropped ones included. */
size_t cn_diagnostics_errors(const cn_diagnostics *d);

/* Format one diagnostic as `FILE:LINE:COL: key.path: message` (with
 * `warning: ` before the message for warnings; "-" for an unknown file; the
 * key path part left out when the path is empty) into a heap string. */
int cn_diagnostic_format(char **out, const cn_diagnostic *diag);

/* Key paths. A child of parent under a map key is `parent.key` when the key is
 * made only of ASCII letters, else `parent[key]`; at the top it is `key` (or
 * `[key]`). A sequence item is `parent[i]`. Both return a heap string in *out. */
int cn_keypath_key(char **out, const char *parent, const char *key);
int cn_keypath_index(char **out, const char *parent, size_t index);

/* Drop every diagnostic, keeping the list usable. */
void cn_diagnostics_clear(cn_diagnostics *d);

/* Free the contents (the struct itself is the caller's). */
void cn_diagnostics_free(cn_diagnostics *d);

#endif

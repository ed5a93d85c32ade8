/*
 * diag.c - the list of diagnostics a validation produces.
 */
#include "schemas/diag.h"
#include "core/buf.h"
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether the list already says exactly what diag says (a value refused by
 * two keywords of one schema, e.g. a pattern and a format with one title). */
static int is_repeat(const cn_diagnostics *d, const cn_diagnostic *diag)
{
    size_t i;

    for (i = 0; i < d->count; i++) {
        const cn_diagnostic *x = &d->items[i];
        if (x->line == diag->line && x->col == diag->col && x->is_warning == diag->is_warning &&
            strcmp(x->path, diag->path) == 0 && strcmp(x->message, diag->message) == 0 &&
            ((x->file == NULL && diag->file == NULL) ||
             (x->file != NULL && diag->file != NULL && strcmp(x->file, diag->file) == 0)))
            return 1;
    }
    return 0;
}

int cn_diagnostics_add(cn_diagnostics *d, const char *file, unsigned line, unsigned col,
                       const char *path, int is_warning, const char *fmt, ...)
{
    cn_diagnostic *diag;
    va_list ap;
    int n;

    if (d->count >= CN_DIAG_MAX) {
        d->dropped++;
        return 0;
    }
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        cn_diagnostic *items = realloc(d->items, cap * sizeof(*items));
        if (items == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        d->items = items;
        d->cap = cap;
    }
    diag = &d->items[d->count];
    memset(diag, 0, sizeof(*diag));
    diag->line = line;
    diag->col = col;
    diag->is_warning = is_warning;
    diag->file = file ? strdup(file) : NULL;
    diag->path = strdup(path ? path : "");
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    diag->message = n < 0 ? NULL : malloc((size_t)n + 1);
    if (diag->message != NULL) {
        va_start(ap, fmt);
        vsnprintf(diag->message, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if ((file && diag->file == NULL) || diag->path == NULL || diag->message == NULL) {
        free(diag->file);
        free(diag->path);
        free(diag->message);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    if (is_repeat(d, diag)) {
        free(diag->file);
        free(diag->path);
        free(diag->message);
        return 0;
    }
    d->count++;
    return 0;
}

size_t cn_diagnostics_errors(const cn_diagnostics *d)
{
    size_t i, n = 0;

    for (i = 0; i < d->count; i++)
        if (!d->items[i].is_warning)
            n++;
    return n + d->dropped;
}

int cn_diagnostic_format(char **out, const cn_diagnostic *diag)
{
    cn_buf b = CN_BUF_INIT;
    int err;

    *out = NULL;
    err = cn_buf_printf(&b, "%s:%u:%u: ", diag->file ? diag->file : "-", diag->line, diag->col);
    if (err == 0 && diag->path[0] != '\0')
        err = cn_buf_printf(&b, "%s: ", diag->path);
    if (err == 0 && diag->is_warning)
        err = cn_buf_puts(&b, "warning: ");
    if (err == 0)
        err = cn_buf_puts(&b, diag->message);
    if (err != 0) {
        cn_buf_free(&b);
        return err;
    }
    *out = cn_buf_detach(&b, NULL);
    return 0;
}

void cn_diagnostics_clear(cn_diagnostics *d)
{
    size_t i;

    for (i = 0; i < d->count; i++) {
        free(d->items[i].file);
        free(d->items[i].path);
        free(d->items[i].message);
    }
    d->count = 0;
    d->dropped = 0;
}

void cn_diagnostics_free(cn_diagnostics *d)
{
    cn_diagnostics_clear(d);
    free(d->items);
    d->items = NULL;
    d->cap = 0;
}

static int is_letters(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
            return 0;
    return 1;
}

int cn_keypath_key(char **out, const char *parent, const char *key)
{
    cn_buf b = CN_BUF_INIT;
    int err;

    *out = NULL;
    if (is_letters(key))
        err = cn_buf_printf(&b, "%s%s%s", parent, parent[0] ? "." : "", key);
    else
        err = cn_buf_printf(&b, "%s[%s]", parent, key);
    if (err != 0) {
        cn_buf_free(&b);
        return err;
    }
    *out = cn_buf_detach(&b, NULL);
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

int cn_keypath_index(char **out, const char *parent, size_t index)
{
    cn_buf b = CN_BUF_INIT;
    int err;

    *out = NULL;
    if ((err = cn_buf_printf(&b, "%s[%zu]", parent, index)) != 0) {
        cn_buf_free(&b);
        return err;
    }
    *out = cn_buf_detach(&b, NULL);
    return *out ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

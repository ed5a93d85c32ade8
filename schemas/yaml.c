/*
 * yaml.c - YAML (libyaml events) to jansson, with key-path positions.
 *
 * The document is built with an explicit stack of open maps and sequences,
 * bounded by the depth limit, so hostile nesting cannot exhaust the C stack.
 * Positions live in a jansson object mapping key path -> line << 32 | col.
 */
#include "schemas/yaml.h"
#include "core/error.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct cn_yaml_doc {
    json_t *root;
    json_t *positions;
    json_t *texts; /* key path -> source text of a plain scalar read as a number */
    size_t nodes;
};

typedef struct {
    json_t *node; /* object or array */
    char *path;
    char *key; /* map: the key waiting for its value, NULL if a key comes next */
    unsigned key_line, key_col;
    size_t index; /* sequence: next index */
} frame;

typedef struct {
    const char *file;
    cn_diagnostics *diags;
    cn_yaml_limits limits;
    cn_yaml_doc *doc;
    const char *data; /* the input, for messages that quote it */
    size_t len;
    frame *stack;
    size_t depth;
    /* the last quoted scalar: where it starts and ends (0-based lines) */
    int quoted;
    char quote;
    size_t quote_line, quote_col, quote_end_line;
    /* the line get_line found last, where it starts */
    size_t at_line;
    const char *at;
    size_t documents;
} builder;

static int fail(builder *b, int code, unsigned line, unsigned col, const char *path,
                const char *msg)
{
    if (b->diags != NULL && cn_diagnostics_add(b->diags, b->file, line, col, path, 0, "%s", msg))
        return CN_ENOMEM;
    return cn_error_set(code, "%s:%u:%u: %s%s%s", b->file ? b->file : "-", line, col,
                        path && *path ? path : "", path && *path ? ": " : "", msg);
}

/* Finds the first byte that is not part of well-formed UTF-8 (no overlongs,
 * no surrogates, nothing past U+10FFFF). Returns len when all is well. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n, k;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (len - i <= n)
            return i;
        for (k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

static void line_col_at(const unsigned char *s, size_t at, unsigned *line, unsigned *col)
{
    size_t i;

    *line = 1;
    *col = 1;
    for (i = 0; i < at; i++) {
        if (s[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if ((s[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static int all_of(const char *s, size_t len, const char *set)
{
    size_t i;

    if (len == 0)
        return 0;
    for (i = 0; i < len; i++)
        if (s[i] == '\0' || strchr(set, s[i]) == NULL)
            return 0;
    return 1;
}

static int is_one_of(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(s, *words) == 0)
            return 1;
    return 0;
}

/* YAML 1.2 core schema float: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static int is_core_float(const char *s)
{
    size_t digits = 0;

    if (*s == '-' || *s == '+')
        s++;
    while (*s >= '0' && *s <= '9') {
        s++;
        digits++;
    }
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') {
            s++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

static json_t *integer_or_real(const char *text, const char *digits, int base)
{
    long long v;
    char *end;

    errno = 0;
    v = strtoll(digits, &end, base);
    if (errno == ERANGE || *end != '\0')
        return base == 10 ? json_real(strtod(text, NULL)) : NULL;
    return json_integer(v);
}

/* The core schema's resolution of a plain scalar; NULL only on OOM or for a
 * hex/octal literal too big for 64 bits (then the caller keeps a string). */
static json_t *resolve_plain(const char *s, size_t len)
{
    static const char *const nulls[] = {"~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    const char *body = s;

    if (memchr(s, '\0', len) != NULL)
        return json_stringn(s, len);
    if (len == 0 || is_one_of(s, nulls))
        return json_null();
    if (is_one_of(s, trues))
        return json_true();
    if (is_one_of(s, falses))
        return json_false();
    if (*body == '-' || *body == '+')
        body++;
    if (all_of(body, strlen(body), "0123456789"))
        return integer_or_real(s, s, 10);
    if (strncmp(s, "0o", 2) == 0 && all_of(s + 2, len - 2, "01234567"))
        return integer_or_real(s, s + 2, 8);
    if (strncmp(s, "0x", 2) == 0 && all_of(s + 2, len - 2, "0123456789abcdefABCDEF"))
        return integer_or_real(s, s + 2, 16);
    if (is_core_float(s))
        return json_real(strtod(s, NULL));
    return json_stringn(s, len);
}

static int scalar_value(builder *b, json_t **out, const yaml_event_t *ev, const char *path)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;
    int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;

    *out = NULL;
    if (tag != NULL && strcmp(tag, YAML_STR_TAG) != 0 && strcmp(tag, "!") != 0) {
        if (strcmp(tag, YAML_NULL_TAG) != 0 && strcmp(tag, YAML_BOOL_TAG) != 0 &&
            strcmp(tag, YAML_INT_TAG) != 0 && strcmp(tag, YAML_FLOAT_TAG) != 0)
            return fail(b, CN_EINVAL, line, col, path, "unsupported YAML tag");
        plain = 1;
    } else if (tag != NULL) {
        plain = 0;
    }
    *out = plain ? resolve_plain(s, len) : json_stringn(s, len);
    if (*out == NULL && plain)
        *out = json_stringn(s, len);
    if (*out == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    /* Numbers keep the text they were written as, for messages ("0.4", not
     * 0.40000000000000002) and for a string field given a number. */
    if (json_is_number(*out) && json_object_set_new(b->doc->texts, path, json_string(s)) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

static int remember(builder *b, const char *path, unsigned line, unsigned col)
{
    json_t *v = json_integer((json_int_t)(((uint64_t)line << 32) | col));

    if (v == NULL || json_object_set_new(b->doc->positions, path, v) != 0)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

/* A map key: a scalar, new in its map. */
static int take_key(builder *b, frame *top, const yaml_event_t *ev)
{
    unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;
    const char *s;

    if (ev->type != YAML_SCALAR_EVENT)
        return fail(b, CN_EINVAL, line, col, top->path, "map keys must be scalars");
    s = (const char *)ev->data.scalar.value;
    if (memchr(s, '\0', ev->data.scalar.length) != NULL)
        return fail(b, CN_EINVAL, line, col, top->path, "map key contains a NUL character");
    if (json_object_get(top->node, s) != NULL) {
        char msg[200];
        snprintf(msg, sizeof(msg), "duplicate key '%.120s'", s);
        return fail(b, CN_EINVAL, line, col, top->path, msg);
    }
    if ((top->key = strdup(s)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    top->key_line = line;
    top->key_col = col;
    return 0;
}

/* A value node (scalar, map or sequence start) in the current container. */
static int take_value(builder *b, const yaml_event_t *ev)
{
    frame *top = b->depth ? &b->stack[b->depth - 1] : NULL;
    unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;
    char *path = NULL;
    json_t *value = NULL;
    int err;

    if (top != NULL && json_is_object(top->node) && top->key == NULL)
        return take_key(b, top, ev);
    if (++b->doc->nodes > b->limits.max_nodes)
        return fail(b, CN_ELIMIT, line, col, top ? top->path : "", "document has too many nodes");
    if (top == NULL) {
        if (b->doc->root != NULL)
            return fail(b, CN_EINVAL, line, col, "", "more than one YAML document");
        path = strdup("");
        err = path ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
    } else if (json_is_object(top->node)) {
        line = top->key_line;
        col = top->key_col;
        err = cn_keypath_key(&path, top->path, top->key);
    } else {
        err = cn_keypath_index(&path, top->path, top->index++);
    }
    if (err != 0)
        goto out;
    if (ev->type == YAML_SCALAR_EVENT) {
        err = scalar_value(b, &value, ev, path);
    } else {
        if (b->depth >= b->limits.max_depth) {
            err = fail(b, CN_ELIMIT, line, col, path, "document is nested too deeply");
            goto out;
        }
        value = ev->type == YAML_MAPPING_START_EVENT ? json_object() : json_array();
        err = value ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
    }
    if (err != 0 || (err = remember(b, path, line, col)) != 0)
        goto out;
    if (top == NULL) {
        b->doc->root = json_incref(value);
    } else if (json_is_object(top->node)) {
        err = json_object_set(top->node, top->key, value);
        free(top->key);
        top->key = NULL;
    } else {
        err = json_array_append(top->node, value);
    }
    if (err != 0) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (ev->type != YAML_SCALAR_EVENT) {
        frame *f = &b->stack[b->depth++];
        memset(f, 0, sizeof(*f));
        f->node = value;
        f->path = path;
        path = NULL;
        value = NULL;
    }
out:
    json_decref(value);
    free(path);
    return err;
}

static void pop(builder *b)
{
    frame *f = &b->stack[--b->depth];

    free(f->path);
    free(f->key);
    json_decref(f->node);
}

/* One line of the input: its start and length (without the newline). */
typedef struct {
    const char *text;
    size_t len;
    size_t indent; /* leading spaces and tabs */
    int has_tab;   /* a tab among them */
} src_line;

/* Line index (0-based) of the input into out. Moves from the line found
 * last (b->at_line, b->at), so walking up or down line by line costs what
 * the lines are long, not the whole file each time. */
static int get_line(builder *b, size_t index, src_line *out)
{
    const char *p, *end = b->data + b->len, *nl;

    if (b->at == NULL) {
        b->at = b->data;
        b->at_line = 0;
    }
    p = b->at;
    while (b->at_line > index) {
        /* p starts line at_line; its line before ends at p[-1] == '\n' */
        p--;
        while (p > b->data && p[-1] != '\n')
            p--;
        b->at_line--;
    }
    while (b->at_line < index) {
        if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
            break;
        p = nl + 1;
        b->at_line++;
    }
    b->at = p;
    if (b->at_line != index || (p >= end && index > 0))
        return 0;
    nl = memchr(p, '\n', (size_t)(end - p));
    out->text = p;
    out->len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (out->len > 0 && p[out->len - 1] == '\r')
        out->len--;
    out->indent = 0;
    out->has_tab = 0;
    while (out->indent < out->len && (p[out->indent] == ' ' || p[out->indent] == '\t'))
        out->has_tab |= p[out->indent++] == '\t';
    return 1;
}

static int is_content(const src_line *l)
{
    return l->indent < l->len && l->text[l->indent] != '#';
}

/* Where a line's map key ends (its ':'), or 0 when it does not start
 * with a key (a list item, text). */
static size_t key_end(const src_line *l)
{
    const char *t = l->text + l->indent;
    size_t len = l->len - l->indent, k;

    if (len > 0 && t[0] == '-' && (len == 1 || t[1] == ' '))
        return 0;
    for (k = 0; k < len && k < 60; k++)
        if (t[k] == ':' && (k + 1 == len || t[k + 1] == ' '))
            return k;
    return 0;
}

/* What a line starts with, for messages: "'key'" for a map key, "the list
 * item '- x'" for a sequence item, else "line N". */
static void line_label(char *out, size_t n, const src_line *l, size_t line)
{
    const char *t = l->text + l->indent;
    size_t len = l->len - l->indent, k = key_end(l);

    if (len > 0 && t[0] == '-' && (len == 1 || t[1] == ' '))
        snprintf(out, n, "the list item '%.*s'", (int)(len > 40 ? 40 : len), t);
    else if (k > 0)
        snprintf(out, n, "'%.*s'", (int)k, t);
    else
        snprintf(out, n, "line %zu", line + 1);
}

/* Whether a line opens a block of text: `key: >`, `key: |-`, `- >` ... */
static int opens_block_text(const src_line *l)
{
    size_t n = l->len;

    while (n > 0 && (l->text[n - 1] == ' ' || l->text[n - 1] == '-' || l->text[n - 1] == '+' ||
                     (l->text[n - 1] >= '1' && l->text[n - 1] <= '9')))
        n--;
    if (n < 2 || (l->text[n - 1] != '>' && l->text[n - 1] != '|'))
        return 0;
    return l->text[n - 2] == ' ' &&
           (n == l->indent + 1 || (n >= 3 && (l->text[n - 3] == ':' || l->text[n - 3] == '-')));
}

/* The syntax error at 0-based line at, inside or just after a block of text
 * (`longDescription: >`) whose lines are not indented, or one of whose
 * lines is indented less than the others. 1 with msg and *line set. */
static int explain_block_text(builder *b, size_t at, char *msg, size_t n, size_t *line)
{
    src_line cur, l, head, first;
    size_t i, h = at, text_min = (size_t)-1, seen = 0;
    char key[80];

    if (!get_line(b, at, &cur) || !is_content(&cur))
        return 0;
    /* Walk up to the line that opens the block (at most 500 lines). */
    while (h > 0 && at - h < 500) {
        if (!get_line(b, --h, &l))
            return 0;
        if (!is_content(&l))
            continue;
        if (opens_block_text(&l))
            break;
        if (l.indent < text_min)
            text_min = l.indent;
        seen++;
    }
    if (!get_line(b, h, &head) || !opens_block_text(&head))
        return 0;
    line_label(key, sizeof(key), &head, h);
    for (i = h + 1; i < at && get_line(b, i, &first) && !is_content(&first); i++)
        ;
    if (i == at)
        first = cur;
    if (first.indent <= head.indent) {
        /* Not indented: every line up to the error is at or left of the key. */
        if (seen > 0 && text_min > head.indent)
            return 0;
        snprintf(msg, n,
                 "the text of %s (line %zu) is not indented; indent each of its lines by %zu "
                 "spaces, more than %s",
                 key, h + 1, head.indent + 2, key);
        *line = i;
        return 1;
    }
    if (seen == 0 || text_min < first.indent || cur.indent <= head.indent ||
        cur.indent >= first.indent)
        return 0;
    snprintf(msg, n,
             "this line of the text of %s (line %zu) is indented %zu spaces, the lines before "
             "it %zu; indent it by %zu spaces like them",
             key, h + 1, cur.indent, first.indent, first.indent);
    *line = at;
    return 1;
}

/* A message for the syntax error at 0-based line at that says what to
 * change, or 0 when nothing better than libyaml's words can be said. */
static int explain_layout(builder *b, size_t at, const char *problem, char *msg, size_t n)
{
    src_line cur, prev;
    size_t p = at;
    char what[80], above[80], on[40] = "";

    if (b->data == NULL || !get_line(b, at, &cur))
        return 0;
    if (cur.has_tab) {
        snprintf(msg, n,
                 "a tab is used for indentation; YAML needs spaces -- replace the tab "
                 "with spaces");
        return 1;
    }
    if (strstr(problem, "cannot start any token") != NULL && cur.indent < cur.len &&
        cur.text[cur.indent] == '\t') {
        snprintf(msg, n,
                 "a tab is used for indentation; YAML needs spaces -- replace the tab "
                 "with spaces");
        return 1;
    }
    if (!is_content(&cur) || (strstr(problem, "did not find expected") == NULL &&
                              strstr(problem, "mapping values are not allowed") == NULL &&
                              strstr(problem, "could not find expected ':'") == NULL))
        return 0;
    do {
        if (p == 0)
            return 0;
        if (!get_line(b, --p, &prev))
            return 0;
    } while (!is_content(&prev));
    line_label(what, sizeof(what), &cur, at);
    line_label(above, sizeof(above), &prev, p);
    if (cur.indent == 0 && cur.text[0] == '-' && prev.len > 0 && prev.text[prev.len - 1] == ':') {
        snprintf(msg, n,
                 "the list starts at column 1, inside the map of %s on line %zu; indent it "
                 "by %zu spaces, as far as %s",
                 above, p + 1, prev.indent, above);
        return 1;
    }
    /* Compare with a key or list item only: a line of text above may be
     * a block's or a multi-line value's, whose indentation means little. */
    if (cur.indent == prev.indent || above[0] == 'l')
        return 0;
    snprintf(on, sizeof(on), " on line %zu", p + 1);
    snprintf(msg, n, "%s is indented %s than %s%s (%zu space%s, not %zu)%s", what,
             cur.indent > prev.indent ? "more" : "less", above, on, cur.indent,
             cur.indent == 1 ? "" : "s", prev.indent,
             key_end(&cur) && key_end(&prev) ? "; keys of one map must start in the same column"
                                             : "");
    return 1;
}

static int syntax_error(builder *b, const yaml_parser_t *p)
{
    char msg[400];
    const yaml_mark_t *m = &p->problem_mark;
    const char *problem = p->problem ? p->problem : "unknown";
    size_t at = 0;

    if (p->error == YAML_MEMORY_ERROR)
        return cn_error_set(CN_ENOMEM, "out of memory");
    /* An unclosed quote is found at the end of the file; the fault is where it opens. */
    if (p->context != NULL && strstr(p->context, "quoted scalar") != NULL &&
        strstr(problem, "end of stream") != NULL) {
        const yaml_mark_t *q = &p->context_mark;
        src_line l;
        char quote = '"';
        if (b->data != NULL && get_line(b, q->line, &l) && q->column < l.len)
            quote = l.text[q->column];
        snprintf(msg, sizeof(msg),
                 "the quote %c opened here is never closed; add the closing %c at the end of "
                 "the value",
                 quote, quote);
        return fail(b, CN_EINVAL, (unsigned)q->line + 1, (unsigned)q->column + 1, "", msg);
    }
    /* A quoted value that ran over several lines just before the error: most
     * likely its closing quote is missing, and YAML took the next one. */
    if (b->quoted && b->quote_end_line > b->quote_line && b->quote_end_line <= m->line &&
        m->line - b->quote_end_line <= 1) {
        snprintf(msg, sizeof(msg),
                 "the quote %c opened here is not closed on this line, so the value runs on to "
                 "the next %c on line %zu; add the closing %c at the end of the value",
                 b->quote, b->quote, b->quote_end_line + 1, b->quote);
        return fail(b, CN_EINVAL, (unsigned)b->quote_line + 1, (unsigned)b->quote_col + 1, "", msg);
    }
    if (b->data != NULL && explain_block_text(b, m->line, msg, sizeof(msg), &at)) {
        src_line l;
        unsigned col = 1;
        if (get_line(b, at, &l))
            col = (unsigned)l.indent + 1;
        return fail(b, CN_EINVAL, (unsigned)at + 1, col, "", msg);
    }
    if (explain_layout(b, m->line, problem, msg, sizeof(msg))) {
        src_line l;
        unsigned col = 1;
        if (get_line(b, m->line, &l) && !l.has_tab)
            col = (unsigned)l.indent + 1;
        return fail(b, CN_EINVAL, (unsigned)m->line + 1, col, "", msg);
    }
    snprintf(msg, sizeof(msg), "YAML syntax error: %s%s%s", problem, p->context ? " " : "",
             p->context ? p->context : "");
    return fail(b, CN_EINVAL, (unsigned)m->line + 1, (unsigned)m->column + 1, "", msg);
}

/* Remember the last quoted scalar: a quote left open reads on to the next
 * quote of its kind, and the syntax error comes lines later. */
static void note_quoted(builder *b, const yaml_event_t *ev)
{
    yaml_scalar_style_t style = ev->data.scalar.style;

    if (style != YAML_SINGLE_QUOTED_SCALAR_STYLE && style != YAML_DOUBLE_QUOTED_SCALAR_STYLE)
        return;
    b->quoted = 1;
    b->quote = style == YAML_SINGLE_QUOTED_SCALAR_STYLE ? '\'' : '"';
    b->quote_line = ev->start_mark.line;
    b->quote_col = ev->start_mark.column;
    b->quote_end_line = ev->end_mark.line;
}

static int handle(builder *b, const yaml_event_t *ev, int *done)
{
    unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;

    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
        *done = 1;
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1)
            return fail(b, CN_EINVAL, line, col, "", "more than one YAML document");
        return 0;
    case YAML_ALIAS_EVENT:
        return fail(b, CN_EINVAL, line, col, b->depth ? b->stack[b->depth - 1].path : "",
                    "YAML aliases are not supported");
    case YAML_SCALAR_EVENT:
        note_quoted(b, ev);
        return take_value(b, ev);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return take_value(b, ev);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth > 0)
            pop(b);
        return 0;
    default:
        return 0;
    }
}

int cn_yaml_parse(cn_yaml_doc **out, cn_diagnostics *diags, const void *data, size_t len,
                  const char *file, const cn_yaml_limits *limits)
{
    cn_yaml_limits defaults = CN_YAML_LIMITS_INIT;
    builder b;
    yaml_parser_t parser;
    yaml_event_t ev;
    int parser_ready = 0, done = 0, err;
    size_t bad;

    *out = NULL;
    memset(&b, 0, sizeof(b));
    b.file = file;
    b.diags = diags;
    b.limits = limits ? *limits : defaults;
    b.data = data;
    b.len = len;
    if (len > b.limits.max_bytes) {
        char msg[100];
        snprintf(msg, sizeof(msg), "file is larger than %zu bytes", b.limits.max_bytes);
        return fail(&b, CN_ELIMIT, 0, 0, "", msg);
    }
    if ((bad = utf8_invalid_at(data, len)) != len) {
        unsigned line, col;
        line_col_at(data, bad, &line, &col);
        return fail(&b, CN_EINVAL, line, col, "", "Invalid UTF-8");
    }
    b.doc = calloc(1, sizeof(*b.doc));
    b.stack = calloc(b.limits.max_depth + 1, sizeof(*b.stack));
    if (b.doc == NULL || b.stack == NULL || (b.doc->positions = json_object()) == NULL ||
        (b.doc->texts = json_object()) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (!yaml_parser_initialize(&parser)) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    parser_ready = 1;
    yaml_parser_set_input_string(&parser, data, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    err = 0;
    while (!done && err == 0) {
        if (!yaml_parser_parse(&parser, &ev)) {
            err = syntax_error(&b, &parser);
            break;
        }
        err = handle(&b, &ev, &done);
        yaml_event_delete(&ev);
    }
    if (err == 0 && b.doc->root == NULL)
        b.doc->root = json_null();
    /* The document itself is at its start, where comments may precede the root node. */
    if (err == 0)
        err = remember(&b, "", 1, 1);
out:
    while (b.depth > 0)
        pop(&b);
    free(b.stack);
    if (parser_ready)
        yaml_parser_delete(&parser);
    if (err != 0) {
        cn_yaml_doc_free(b.doc);
        return err;
    }
    *out = b.doc;
    return 0;
}

json_t *cn_yaml_doc_root(const cn_yaml_doc *doc)
{
    return doc->root;
}

int cn_yaml_doc_position(const cn_yaml_doc *doc, const char *path, unsigned *line, unsigned *col)
{
    json_t *v = json_object_get(doc->positions, path);
    uint64_t packed;

    if (!json_is_integer(v))
        return CN_ENOTFOUND;
    packed = (uint64_t)json_integer_value(v);
    *line = (unsigned)(packed >> 32);
    *col = (unsigned)(packed & 0xFFFFFFFFu);
    return 0;
}

const char *cn_yaml_doc_text(const cn_yaml_doc *doc, const char *path)
{
    return doc ? json_string_value(json_object_get(doc->texts, path)) : NULL;
}

size_t cn_yaml_doc_nodes(const cn_yaml_doc *doc)
{
    return doc->nodes;
}

void cn_yaml_doc_free(cn_yaml_doc *doc)
{
    if (doc == NULL)
        return;
    json_decref(doc->root);
    json_decref(doc->positions);
    json_decref(doc->texts);
    free(doc);
}

/* ---- writing --------------------------------------------------------- */

static int write_to_buf(void *ctx, unsigned char *data, size_t size)
{
    return cn_buf_put(ctx, data, size) == 0;
}

static int emit(yaml_emitter_t *em, yaml_event_t *ev)
{
    return yaml_emitter_emit(em, ev) ? 0 : CN_ERROR;
}

/* A string is written plain when reading it back gives the same string; one
 * that would read as null, a boolean or a number ("true", "1.0", "") is
 * quoted, and one with line breaks is a literal block. */
static int emit_string(yaml_emitter_t *em, const char *s, size_t len)
{
    yaml_event_t ev;
    yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
    json_t *back = resolve_plain(s, len);

    if (back == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (!json_is_string(back))
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    else if (memchr(s, '\n', len) != NULL)
        style = YAML_LITERAL_SCALAR_STYLE;
    json_decref(back);
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style);
    return emit(em, &ev);
}

static int emit_value(yaml_emitter_t *em, const json_t *v, size_t depth, const char *skip_key)
{
    yaml_event_t ev;
    int err = 0;

    if (depth > CN_YAML_MAX_DEPTH)
        return cn_error_set(CN_ELIMIT, "nested deeper than %d levels", CN_YAML_MAX_DEPTH);
    if (json_is_object(v)) {
        const char *key;
        json_t *member;
        void *it;

        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
        if ((err = emit(em, &ev)) != 0)
            return err;
        /* jansson iterates in insertion order; manifests are stored with
         * sorted keys, so the output is stable either way. */
        for (it = json_object_iter((json_t *)v); it && err == 0;
             it = json_object_iter_next((json_t *)v, it)) {
            key = json_object_iter_key(it);
            member = json_object_iter_value(it);
            if (skip_key != NULL && strcmp(key, skip_key) == 0)
                continue;
            if ((err = emit_string(em, key, strlen(key))) == 0)
                err = emit_value(em, member, depth + 1, NULL);
        }
        if (err != 0)
            return err;
        yaml_mapping_end_event_initialize(&ev);
        return emit(em, &ev);
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *e;

        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
        if ((err = emit(em, &ev)) != 0)
            return err;
        json_array_foreach(v, i, e)
        {
            if ((err = emit_value(em, e, depth + 1, NULL)) != 0)
                return err;
        }
        yaml_sequence_end_event_initialize(&ev);
        return emit(em, &ev);
    }
    if (json_is_string(v))
        return emit_string(em, json_string_value(v), json_string_length(v));
    {
        /* null, true, false, integers and reals as JSON writes them, which
         * YAML 1.2's core schema reads back as the same value. */
        char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
        if (text == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 0,
                                     YAML_PLAIN_SCALAR_STYLE);
        err = emit(em, &ev);
        free(text);
        return err;
    }
}

int cn_yaml_write(cn_buf *out, const json_t *root, const char *skip_key)
{
    yaml_emitter_t em;
    yaml_event_t ev;
    int err = 0;

    if (!yaml_emitter_initialize(&em))
        return cn_error_set(CN_ENOMEM, "out of memory");
    yaml_emitter_set_output(&em, write_to_buf, out);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, 100);
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    if ((err = emit(&em, &ev)) != 0)
        goto out;
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    if ((err = emit(&em, &ev)) != 0 || (err = emit_value(&em, root, 0, skip_key)) != 0)
        goto out;
    yaml_document_end_event_initialize(&ev, 1);
    if ((err = emit(&em, &ev)) != 0)
        goto out;
    yaml_stream_end_event_initialize(&ev);
    err = emit(&em, &ev);
out:
    if (err == CN_ERROR)
        err = cn_error_set(CN_ERROR, "cannot write YAML: %s",
                           em.problem ? em.problem : "out of memory");
    yaml_emitter_delete(&em);
    return err;
}

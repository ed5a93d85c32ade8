/*
 * manifest.c - from a manifest file to a validated, identified cn_manifest.
 */
#include "schemas/manifest.h"
#include "core/name.h"
#include "core/semver.h"
#include "schemas/embedded.h"
#include "schemas/yaml.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *const kind_names[] = {"solution", "dataset", "strategy", "node"};

const char *cn_kind_name(cn_kind kind)
{
    return (unsigned)kind < 4 ? kind_names[kind] : "unknown";
}

int cn_kind_from_name(cn_kind *out, const char *name)
{
    int i;

    for (i = 0; i < 3; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (cn_kind)i;
            return 0;
        }
    return cn_error_set(CN_EINVAL, "unknown kind '%s' (solution, dataset or strategy)", name);
}

int cn_schema_embedded(cn_schema **out, const char *name)
{
    json_t *doc = NULL;
    size_t i;
    int err;

    *out = NULL;
    for (i = 0; i < cn_embedded_schemas_count; i++)
        if (strcmp(cn_embedded_schemas[i].name, name) == 0)
            break;
    if (i == cn_embedded_schemas_count)
        return cn_error_set(CN_ENOTFOUND, "no schema %s in this build", name);
    if ((err = cn_json_parse(&doc, cn_embedded_schemas[i].data, cn_embedded_schemas[i].len,
                             CN_JSON_MAX_DEPTH, name)) != 0)
        return err;
    err = cn_schema_compile(out, doc, 0);
    json_decref(doc);
    return err;
}

int cn_schema_for_kind(cn_schema **out, cn_kind kind)
{
    char name[64];

    snprintf(name, sizeof(name), "%s.schema.json", cn_kind_name(kind));
    return cn_schema_embedded(out, name);
}

/* An id derived from a name (core/name.h), as a heap string. */
static int slug_dup(char **out, const char *name)
{
    char slug[CN_SLUG_MAX + 1];
    int err;

    *out = NULL;
    if ((err = cn_name_slugify(slug, name)) != 0)
        return err;
    return (*out = strdup(slug)) ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

/* Drop the last segment of a key path ("a.b[0]" -> "a.b" -> "a" -> ""). */
static void parent_path(char *p)
{
    size_t n = strlen(p);

    if (n > 0 && p[n - 1] == ']') {
        while (n > 0 && p[n - 1] != '[')
            n--;
        if (n > 0)
            n--;
    } else {
        while (n > 0 && p[n - 1] != '.' && p[n - 1] != ']')
            n--;
        if (n > 0 && p[n - 1] == '.')
            n--;
    }
    p[n] = '\0';
}

int cn_diagnostics_place(cn_diagnostics *diags, const cn_diagnostics *from, const cn_yaml_doc *doc,
                         const char *file)
{
    size_t i;
    int err;

    for (i = 0; i < from->count; i++) {
        const cn_diagnostic *d = &from->items[i];
        unsigned line = 0, col = 0;
        char *p = strdup(d->path);
        if (p == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
        while (doc && cn_yaml_doc_position(doc, p, &line, &col) != 0 && p[0] != '\0')
            parent_path(p);
        if (doc && p[0] == '\0' && line == 0)
            line = col = 1;
        free(p);
        if ((err = cn_diagnostics_add(diags, file, line, col, d->path, d->is_warning, "%s",
                                      d->message)) != 0)
            return err;
    }
    return 0;
}

typedef struct {
    cn_diagnostics *diags;
    const cn_yaml_doc *doc;
    const char *file;
    char *dir;
    const cn_manifest_files *files; /* NULL: the files beside the manifest */
} checker;

static int complain(checker *k, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int complain(checker *k, const char *path, const char *fmt, ...)
{
    unsigned line = 0, col = 0;
    char msg[1200];
    va_list ap;

    cn_yaml_doc_position(k->doc, path, &line, &col);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return cn_diagnostics_add(k->diags, k->file, line, col, path, 0, "%s", msg);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* What the first n bytes of a file say it is: "png", "jpeg", "gif", "svg" or NULL. */
static const char *image_type(const unsigned char *head, size_t n)
{
    if (n >= 8 && memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "png";
    if (n >= 3 && memcmp(head, "\xff\xd8\xff", 3) == 0)
        return "jpeg";
    if (n >= 6 && (memcmp(head, "GIF87a", 6) == 0 || memcmp(head, "GIF89a", 6) == 0))
        return "gif";
    if (n >= 1 && (head[0] == '<' || (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)))
        return "svg";
    return NULL;
}

enum { FILE_ANY, FILE_LOGO, FILE_IMAGE };

/* Does the file name (as the manifest wrote it) exist, and what are its
 * first bytes (up to sizeof(head), *got of them)? 1 yes, 0 no, <0 error. */
static int find_file(const checker *k, const char *name, const char *full, unsigned char *head,
                     size_t n, size_t *got)
{
    FILE *f;

    *got = 0;
    if (k->files != NULL)
        return k->files->find(k->files->ctx, name, head, n, got);
    if (!cn_file_exists(full))
        return 0;
    if ((f = fopen(full, "rb")) != NULL) {
        *got = fread(head, 1, n, f);
        fclose(f);
    }
    return 1;
}

/* Check a relative file reference at key path `path` with value v. */
static int check_file_ref(checker *k, const char *path, const json_t *v, int what)
{
    const char *name = json_string_value(v);
    unsigned char head[16];
    size_t want = what == FILE_ANY ? 0 : sizeof(head), got = 0;
    char *full = NULL;
    int found, err = 0;

    if (name == NULL)
        return 0; /* the schema has reported the type */
    if (strncasecmp(name, "http://", 7) == 0 || strncasecmp(name, "https://", 8) == 0)
        return 0; /* a URL: not fetched, citynode validates offline */
    if (strncasecmp(name, "file:", 5) == 0)
        return complain(k, path, "is a file:// URL. Only relative paths or HTTP(s) URLs allowed");
    if (name[0] == '/')
        return complain(k, path,
                        "is an absolute path. Only relative paths or HTTP(s) URLs allowed");
    if (strstr(name, "://") != NULL)
        return complain(k, path, "'%s' is not an HTTP(s) URL", name);
    if (strcmp(name, "..") == 0 || strncmp(name, "../", 3) == 0 || strstr(name, "/../") ||
        has_suffix(name, "/.."))
        return complain(k, path, "'%s' must not leave the manifest's directory ('..')", name);
    if ((full = cn_path_join(k->dir, name)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (what == FILE_LOGO && !has_suffix(name, ".png") && !has_suffix(name, ".svg") &&
        !has_suffix(name, ".svgz"))
        err = complain(k, path, "invalid file extension for: %s (use .png, .svg or .svgz)", full);
    else if ((found = find_file(k, name, full, head, want, &got)) < 0)
        err = found;
    else if (found == 0)
        err = k->files ? complain(k, path,
                                  "no such file: %s in the commit (add it there, or give an "
                                  "https:// URL)",
                                  name)
                       : complain(k, path,
                                  "no such file: %s (names are looked up from the manifest's "
                                  "directory; add the file there, or give an https:// URL)",
                                  full);
    else if (what != FILE_ANY && image_type(head, got) == NULL)
        err = complain(k, path, "'%s' is not an image: unknown format", name);
    free(full);
    return err;
}

static int check_solution_files(checker *k, const json_t *doc)
{
    const json_t *desc = json_object_get(doc, "description"), *lang, *shots, *v;
    const char *key;
    char *p = NULL, *q = NULL;
    size_t i;
    int err;

    if ((err = check_file_ref(k, "logo", json_object_get(doc, "logo"), FILE_LOGO)) != 0 ||
        (err = check_file_ref(k, "monochromeLogo", json_object_get(doc, "monochromeLogo"),
                              FILE_LOGO)) != 0 ||
        (err = check_file_ref(k, "legal.authorsFile",
                              json_object_get(json_object_get(doc, "legal"), "authorsFile"),
                              FILE_ANY)) != 0)
        return err;
    if (!json_is_object(desc))
        return 0;
    json_object_foreach((json_t *)desc, key, lang)
    {
        shots = json_object_get(lang, "screenshots");
        json_array_foreach(shots, i, v)
        {
            if ((err = cn_keypath_key(&p, "description", key)) != 0 ||
                (err = cn_keypath_key(&q, p, "screenshots")) != 0) {
                free(p);
                return err;
            }
            free(p);
            p = NULL;
            err = cn_keypath_index(&p, q, i);
            free(q);
            q = NULL;
            if (err == 0)
                err = check_file_ref(k, p, v, FILE_IMAGE);
            free(p);
            p = NULL;
            if (err != 0)
                return err;
        }
    }
    return 0;
}

static int check_dataset_files(checker *k, const json_t *doc)
{
    const json_t *dists = json_object_get(doc, "distributions"), *d;
    char *p = NULL, *q = NULL;
    size_t i;
    int err = 0;

    json_array_foreach(dists, i, d)
    {
        if (json_object_get(d, "file") == NULL)
            continue;
        if ((err = cn_keypath_index(&p, "distributions", i)) != 0 ||
            (err = cn_keypath_key(&q, p, "file")) != 0)
            break;
        err = check_file_ref(k, q, json_object_get(d, "file"), FILE_ANY);
        free(p);
        free(q);
        p = q = NULL;
        if (err != 0)
            break;
    }
    free(p);
    free(q);
    return err;
}

static char *dup_string(const json_t *v)
{
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

/* Fill id, version and title from a valid document. */
static int identify(cn_manifest *m)
{
    const json_t *doc = m->doc, *v;
    int err;

    if ((v = json_object_get(doc, "id")) != NULL) {
        if ((m->id = dup_string(v)) == NULL)
            return cn_error_set(CN_ENOMEM, "out of memory");
    } else if (json_is_string(v = json_object_get(doc, "name"))) {
        if ((err = slug_dup(&m->id, json_string_value(v))) != 0)
            return err;
    } else {
        return cn_error_set(CN_EINVAL, "the manifest has no id");
    }
    if ((v = json_object_get(doc, "version")) != NULL)
        m->version = dup_string(v);
    else if (json_is_string(v = json_object_get(doc, "softwareVersion")) &&
             cn_semver_check(json_string_value(v)) == 0)
        m->version = dup_string(v);
    v = json_object_get(doc, m->kind == CN_KIND_SOLUTION ? "name" : "title");
    m->title = dup_string(v);
    if (m->title == NULL)
        m->title = strdup(m->id);
    return m->title ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

/* A document without kind but with keys only a publiccode.yml has: one
 * missing its publiccodeYmlVersion line. */
static int looks_like_publiccode(const json_t *root)
{
    static const char *const keys[] = {
        "url", "legal", "maintenance", "platforms", "softwareType", "developmentStatus", NULL};
    size_t i;

    for (i = 0; keys[i]; i++)
        if (json_object_get(root, keys[i]) != NULL)
            return 1;
    return 0;
}

/* Kind of a document: its `kind`, or solution for a publiccode.yml. */
static int detect_kind(cn_kind *out, const json_t *root, cn_diagnostics *diags, const char *file,
                       const cn_yaml_doc *doc)
{
    const json_t *k = json_object_get(root, "kind");
    unsigned line = 1, col = 1;

    if (!json_is_object(root)) {
        cn_diagnostics_add(diags, file, 1, 1, "", 0, "a manifest must be a map of keys");
        return CN_EINVAL;
    }
    if (k == NULL && json_object_get(root, "publiccodeYmlVersion") != NULL) {
        *out = CN_KIND_SOLUTION;
        return 0;
    }
    if (k == NULL && looks_like_publiccode(root)) {
        cn_diagnostics_add(diags, file, 1, 1, "", 0,
                           "required key 'publiccodeYmlVersion' is missing; a publiccode.yml "
                           "starts with publiccodeYmlVersion: \"0\" (a citynode.yml names its "
                           "kind instead: solution, dataset or strategy)");
        return CN_EINVAL;
    }
    if (k == NULL) {
        cn_diagnostics_add(diags, file, 1, 1, "", 0,
                           "required key 'kind' is missing (solution, dataset or strategy)");
        return CN_EINVAL;
    }
    if (json_is_string(k) && cn_kind_from_name(out, json_string_value(k)) == 0)
        return 0;
    cn_yaml_doc_position(doc, "kind", &line, &col);
    cn_diagnostics_add(diags, file, line, col, "kind", 0,
                       "must be one of: \"solution\", \"dataset\", \"strategy\"");
    return CN_EINVAL;
}

/* ---- what the reference parser accepts, and numbers as written ---- */

static char *format_dup(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A formatted message (at most 1 KiB) as a heap string, or NULL. */
static char *format_dup(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return strdup(msg);
}

/* A publiccode.yml `logo: ""` is no logo: publiccode-parser-go skips an
 * empty logo (fields.go), so it is dropped here with a note. */
static int drop_empty_logos(cn_diagnostics *d, const cn_yaml_doc *doc, const char *file)
{
    static const char *const keys[] = {"logo", "monochromeLogo", NULL};
    json_t *root = cn_yaml_doc_root(doc);
    size_t i;
    int err;

    for (i = 0; keys[i]; i++) {
        const json_t *v = json_object_get(root, keys[i]);
        unsigned line = 0, col = 0;
        if (!json_is_string(v) || json_string_length(v) != 0)
            continue;
        cn_yaml_doc_position(doc, keys[i], &line, &col);
        if ((err = cn_diagnostics_add(d, file, line, col, keys[i], 1,
                                      "is empty; taken as absent -- remove the line, or name "
                                      "a .png or .svg file")) != 0)
            return err;
        json_object_del(root, keys[i]);
    }
    return 0;
}

static int is_string_wanted(const cn_diagnostic *x)
{
    return strcmp(x->message, "expected string, got number") == 0 ||
           strcmp(x->message, "expected string, got integer") == 0;
}

typedef struct {
    const cn_yaml_doc *doc;
    cn_diagnostics *found; /* the schema's diagnostics, without positions */
    cn_diagnostics *notes; /* where notes about numbers taken as text go */
    const char *file;
    int changed;
} number_walk;

/* A number at path (child of parent, under key or at index) that a string
 * field was given: publiccode-parser-go's YAML library reads it as its text
 * (`versionMin: 14` is "14"), so it is replaced by the text as written.
 * publiccodeYmlVersion is the exception: the parser insists on a string
 * node there (parser.go), so it stays an error, with what to write. */
static int visit_number(number_walk *w, json_t *parent, const char *key, size_t index,
                        const char *path)
{
    const char *text = cn_yaml_doc_text(w->doc, path);
    size_t i;
    unsigned line = 0, col = 0;
    int err = 0;

    if (text == NULL)
        return 0;
    for (i = 0; i < w->found->count && err == 0; i++) {
        cn_diagnostic *x = &w->found->items[i];
        if (strcmp(x->path, path) != 0 || !is_string_wanted(x))
            continue;
        if (strcmp(path, "publiccodeYmlVersion") == 0)
            break; /* refused, see explain_version_number */
        cn_yaml_doc_position(w->doc, path, &line, &col);
        err = cn_diagnostics_add(w->notes, w->file, line, col, path, 1,
                                 "%s is a number in YAML; taken as the text '%s' -- quote it "
                                 "to be sure",
                                 text, text);
        if (err == 0) {
            json_t *str = json_string(text);
            if (str == NULL || (key ? json_object_set_new(parent, key, str)
                                    : json_array_set_new(parent, index, str)) != 0)
                return cn_error_set(CN_ENOMEM, "out of memory");
            w->changed = 1;
        }
        break;
    }
    return err;
}

static int walk_numbers(number_walk *w, json_t *node, const char *path, unsigned depth)
{
    const char *key;
    json_t *v;
    void *tmp;
    size_t i;
    int err = 0;

    if (depth > CN_YAML_MAX_DEPTH)
        return 0;
    if (json_is_object(node)) {
        json_object_foreach_safe(node, tmp, key, v)
        {
            char *p = NULL;
            if ((err = cn_keypath_key(&p, path, key)) != 0)
                return err;
            err = json_is_number(v) ? visit_number(w, node, key, 0, p)
                                    : walk_numbers(w, v, p, depth + 1);
            free(p);
            if (err != 0)
                return err;
        }
    } else if (json_is_array(node)) {
        json_array_foreach(node, i, v)
        {
            char *p = NULL;
            if ((err = cn_keypath_index(&p, path, i)) != 0)
                return err;
            err = json_is_number(v) ? visit_number(w, node, NULL, i, p)
                                    : walk_numbers(w, v, p, depth + 1);
            free(p);
            if (err != 0)
                return err;
        }
    }
    return 0;
}

/* Messages name numbers as the file wrote them: a schema message renders a
 * value as JSON ("0.40000000000000002"); put the source text ("0.4") back. */
static int numbers_as_written(cn_diagnostics *found, const cn_yaml_doc *doc)
{
    size_t i;

    for (i = 0; i < found->count; i++) {
        cn_diagnostic *x = &found->items[i];
        const char *text = cn_yaml_doc_text(doc, x->path);
        char *shown, *at, *msg = NULL;
        json_t *v;
        if (text == NULL)
            continue;
        v = strchr(text, '.') || strchr(text, 'e') || strchr(text, 'E')
                ? json_real(strtod(text, NULL))
                : NULL;
        shown = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        json_decref(v);
        if (shown != NULL && strcmp(shown, text) != 0 && (at = strstr(x->message, shown)) != NULL &&
            (msg = format_dup("%.*s%s%s", (int)(at - x->message), x->message, text,
                              at + strlen(shown))) != NULL) {
            free(x->message);
            x->message = msg;
        }
        free(shown);
    }
    return 0;
}

/* publiccodeYmlVersion: 0.4 gets one message, what to write; not also
 * "0.4 is not a valid publiccode.yml version", which it is, as text. */
static int explain_version_number(cn_diagnostics *found, const cn_yaml_doc *doc)
{
    const char *text = cn_yaml_doc_text(doc, "publiccodeYmlVersion");
    size_t i, keep = 0;
    int told = 0;

    if (text == NULL)
        return 0;
    for (i = 0; i < found->count; i++) {
        cn_diagnostic *x = &found->items[i];
        if (strcmp(x->path, "publiccodeYmlVersion") == 0 && is_string_wanted(x) && !told) {
            char *msg = format_dup("%s is a number in YAML, and this key must be text; quote "
                                   "it: publiccodeYmlVersion: \"%s\"",
                                   text, text);
            if (msg == NULL)
                return cn_error_set(CN_ENOMEM, "out of memory");
            free(x->message);
            x->message = msg;
            told = 1;
        } else if (strcmp(x->path, "publiccodeYmlVersion") == 0) {
            free(x->file);
            free(x->path);
            free(x->message);
            continue;
        }
        found->items[keep++] = *x;
    }
    found->count = keep;
    return 0;
}

/* Validate the document, first taking numbers given to string fields as
 * their text (notes in d), then validating again. */
static int validate_document(cn_diagnostics *found, cn_diagnostics *d, const cn_schema *schema,
                             const cn_yaml_doc *doc, const char *file)
{
    number_walk w = {doc, found, d, file, 0};
    int err;

    err = cn_schema_validate(schema, cn_yaml_doc_root(doc), found);
    if (err != 0 && err != CN_EINVAL)
        return err;
    if ((err = walk_numbers(&w, cn_yaml_doc_root(doc), "", 0)) != 0)
        return err;
    if (w.changed) {
        cn_diagnostics_clear(found);
        err = cn_schema_validate(schema, cn_yaml_doc_root(doc), found);
        if (err != 0 && err != CN_EINVAL)
            return err;
    }
    if ((err = explain_version_number(found, doc)) != 0)
        return err;
    return numbers_as_written(found, doc);
}

int cn_manifest_parse(cn_manifest **out, cn_diagnostics *diags, const void *data, size_t len,
                      const char *file)
{
    return cn_manifest_parse_files(out, diags, data, len, file, NULL);
}

int cn_manifest_parse_files(cn_manifest **out, cn_diagnostics *diags, const void *data, size_t len,
                            const char *file, const cn_manifest_files *files)
{
    cn_diagnostics local = CN_DIAGNOSTICS_INIT, found = CN_DIAGNOSTICS_INIT;
    cn_diagnostics *d = diags ? diags : &local;
    cn_yaml_doc *doc = NULL;
    cn_schema *schema = NULL;
    cn_manifest *m = NULL;
    checker k = {NULL, NULL, file, NULL, files};
    const char *slash;
    size_t errors_before = cn_diagnostics_errors(d);
    cn_kind kind = CN_KIND_SOLUTION;
    int err;

    *out = NULL;
    if ((err = cn_yaml_parse(&doc, d, data, len, file, NULL)) != 0)
        goto out;
    if ((err = detect_kind(&kind, cn_yaml_doc_root(doc), d, file, doc)) != 0)
        goto out;
    if ((err = cn_schema_for_kind(&schema, kind)) != 0)
        goto out;
    if (kind == CN_KIND_SOLUTION && (err = drop_empty_logos(d, doc, file)) != 0)
        goto out;
    if ((err = validate_document(&found, d, schema, doc, file)) != 0)
        goto out;
    if ((err = cn_diagnostics_place(d, &found, doc, file)) != 0)
        goto out;
    slash = file ? strrchr(file, '/') : NULL;
    k.dir = slash ? strndup(file, (size_t)(slash - file)) : strdup(".");
    k.diags = d;
    k.doc = doc;
    if (k.dir == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if (kind == CN_KIND_SOLUTION)
        err = check_solution_files(&k, cn_yaml_doc_root(doc));
    else if (kind == CN_KIND_DATASET)
        err = check_dataset_files(&k, cn_yaml_doc_root(doc));
    if (err != 0)
        goto out;
    if (cn_diagnostics_errors(d) > errors_before) {
        err = cn_error_set(CN_EINVAL, "%s: the manifest is not valid", file ? file : "manifest");
        goto out;
    }
    if ((m = calloc(1, sizeof(*m))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    m->kind = kind;
    m->doc = json_incref(cn_yaml_doc_root(doc));
    if ((m->path = strdup(file ? file : "-")) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = identify(m)) != 0)
        goto out;
    *out = m;
    m = NULL;
out:
    cn_manifest_free(m);
    free(k.dir);
    cn_schema_free(schema);
    cn_yaml_doc_free(doc);
    cn_diagnostics_free(&found);
    cn_diagnostics_free(&local);
    if (err == CN_EINVAL && cn_error_last() != CN_EINVAL)
        cn_error_set(CN_EINVAL, "%s: the manifest is not valid", file ? file : "manifest");
    return err;
}

int cn_manifest_load(cn_manifest **out, cn_diagnostics *diags, const char *path)
{
    static const char *const names[] = CN_MANIFEST_NAMES;
    unsigned char *data = NULL;
    char *file = NULL;
    size_t len, i;
    int err;

    *out = NULL;
    if (cn_dir_exists(path)) {
        for (i = 0; names[i]; i++) {
            if ((file = cn_path_join(path, names[i])) == NULL)
                return cn_error_set(CN_ENOMEM, "out of memory");
            if (cn_file_exists(file))
                break;
            free(file);
            file = NULL;
        }
        if (file == NULL)
            return cn_error_set(CN_ENOTFOUND, "%s: no citynode.yml or publiccode.yml in it", path);
    } else if ((file = strdup(path)) == NULL) {
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    err = cn_file_read(&data, &len, file, CN_YAML_MAX_BYTES);
    if (err == CN_ELIMIT) {
        if (diags != NULL)
            cn_diagnostics_add(diags, file, 0, 0, "", 0, "file is larger than %d bytes",
                               CN_YAML_MAX_BYTES);
        err = cn_error_set(CN_EINVAL, "%s: file is larger than %d bytes", file, CN_YAML_MAX_BYTES);
    } else if (err == 0) {
        err = cn_manifest_parse(out, diags, data, len, file);
    }
    free(data);
    free(file);
    return err;
}

void cn_manifest_free(cn_manifest *m)
{
    if (m == NULL)
        return;
    free(m->id);
    free(m->version);
    free(m->title);
    free(m->path);
    json_decref(m->doc);
    free(m);
}

int cn_schema_validate_json(cn_kind kind, const json_t *doc, cn_diagnostics *diags)
{
    cn_schema *schema = NULL;
    int err;

    if ((err = cn_schema_for_kind(&schema, kind)) != 0)
        return err;
    err = cn_schema_validate(schema, doc, diags);
    cn_schema_free(schema);
    return err;
}

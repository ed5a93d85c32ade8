/*
 * cmd_validate.c - the validate command: load a manifest, print what is wrong.
 */
#include "node/cmd/cmd_validate.h"
#include "schemas/manifest.h"
#include "core/error.h"
#include "node/cmd/commands.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALIDATE_SYNOPSIS "validate PATH [--json] [--quiet]"

static void print_diagnostics(const cn_diagnostics *diags, int quiet)
{
    size_t i;

    for (i = 0; i < diags->count; i++) {
        char *line = NULL;
        if (quiet && diags->items[i].is_warning)
            continue;
        if (cn_diagnostic_format(&line, &diags->items[i]) == 0)
            fprintf(stderr, "%s\n", line);
        free(line);
    }
    if (diags->dropped > 0)
        fprintf(stderr, "(%zu more errors not shown)\n", diags->dropped);
}

static json_t *diagnostics_json(const cn_diagnostics *diags)
{
    json_t *list = json_array();
    size_t i;

    for (i = 0; list != NULL && i < diags->count; i++) {
        const cn_diagnostic *d = &diags->items[i];
        json_array_append_new(
            list, json_pack("{s:s?, s:I, s:I, s:s, s:s, s:s}", "file", d->file, "line",
                            (json_int_t)d->line, "column", (json_int_t)d->col, "path", d->path,
                            "message", d->message, "level", d->is_warning ? "warning" : "error"));
    }
    return list;
}

static int print_json(const char *path, const cn_manifest *m, const cn_diagnostics *diags, int err)
{
    json_t *o = json_pack("{s:s, s:b, s:o}", "path", path, "valid", m != NULL, "diagnostics",
                          diagnostics_json(diags));
    char *s;

    if (o == NULL)
        return 1;
    if (m != NULL) {
        json_object_set_new(o, "kind", json_string(cn_kind_name(m->kind)));
        json_object_set_new(o, "id", json_string(m->id));
        json_object_set_new(o, "version", m->version ? json_string(m->version) : json_null());
        json_object_set_new(o, "title", json_string(m->title));
        json_object_set_new(o, "file", json_string(m->path));
    } else if (err != CN_EINVAL) {
        json_object_set_new(o, "error", json_string(cn_error_message()));
    }
    s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(o);
    if (s == NULL)
        return 1;
    printf("%s\n", s);
    free(s);
    return 0;
}

int cn_cmd_validate(int argc, char **argv)
{
    cn_diagnostics diags = CN_DIAGNOSTICS_INIT;
    cn_manifest *m = NULL;
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"quiet", no_argument, NULL, 'q'}, {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int json = 0, quiet = 0, c, err;

    /* getopt_long's rules, as cli_opts.c checked them ("-" is a PATH). */
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'q')
            quiet = 1;
        else
            return cn_cli_usage_error(VALIDATE_SYNOPSIS, "unknown option");
    }
    if (optind != argc - 1)
        return cn_cli_usage_error(VALIDATE_SYNOPSIS, "expected one PATH");
    path = argv[optind];
    err = cn_manifest_load(&m, &diags, path);
    if (json) {
        if (print_json(path, m, &diags, err) != 0)
            err = err ? err : CN_ENOMEM;
    } else {
        print_diagnostics(&diags, quiet);
        if (err == 0 && !quiet)
            printf("%s: valid %s %s@%s\n", path, cn_kind_name(m->kind), m->id,
                   m->version ? m->version : "unversioned");
        else if (err != 0 && (err != CN_EINVAL || diags.count == 0)) /* no diagnostic said it */
            fprintf(stderr, "citynode: %s\n", cn_error_message());
    }
    cn_manifest_free(m);
    cn_diagnostics_free(&diags);
    return cn_error_exit_status(err);
}

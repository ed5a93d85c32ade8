/*
 * jsonschema_suite.c - run the JSON Schema Test Suite (draft 2020-12) against
 * citynode's validator.
 *
 *   jsonschema_suite SUITE_DIR [REMOTE_REFS_TSV]
 *
 * SUITE_DIR is .../json-schema/draft2020-12. Every *.json in it is run with
 * format as an annotation, and the files in optional/format with format asserted.
 * A group whose schema the validator refuses as outside its subset
 * (CN_EUNSUPPORTED) is counted as refused, with the reason; groups listed in
 * REMOTE_REFS_TSV (file, group index, ...) are skipped and counted apart.
 * Every test of every other group must give the expected verdict.
 * Prints per-file and total counts; the last line is "json-schema: N passed,
 * M failed". Exits 1 if any test failed.
 */
#include "schemas/schema.h"
#include "core/error.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t groups, refused, skipped, passed, failed;
} counts;

typedef struct {
    char file[128];
    long group;
} remote_ref;

static remote_ref remotes[64];
static size_t nremotes;

static void load_remotes(const char *path)
{
    char line[1024];
    FILE *f = fopen(path, "r");

    if (f == NULL)
        return;
    while (nremotes < sizeof(remotes) / sizeof(remotes[0]) && fgets(line, sizeof(line), f)) {
        char *tab = strchr(line, '\t');
        if (tab == NULL)
            continue;
        *tab = '\0';
        if (strlen(line) >= sizeof(remotes[nremotes].file))
            continue;
        memcpy(remotes[nremotes].file, line, strlen(line) + 1);
        remotes[nremotes].group = strtol(tab + 1, NULL, 10);
        nremotes++;
    }
    fclose(f);
}

static int is_remote(const char *file, size_t group)
{
    size_t i;

    for (i = 0; i < nremotes; i++)
        if (strcmp(remotes[i].file, file) == 0 && remotes[i].group == (long)group)
            return 1;
    return 0;
}

static void run_file(const char *dir, const char *name, const char *label, unsigned flags,
                     counts *total)
{
    char path[4096];
    json_t *groups = NULL, *g;
    counts c = {0, 0, 0, 0, 0};
    size_t gi;

    json_error_t jerr;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    /* The suite has strings with NUL characters, which the validator must handle. */
    groups = json_load_file(path, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_array(groups)) {
        printf("%s: cannot load: %d:%d: %s\n", label, jerr.line, jerr.column, jerr.text);
        total->failed++;
        json_decref(groups);
        return;
    }
    json_array_foreach(groups, gi, g)
    {
        const char *desc = json_string_value(json_object_get(g, "description"));
        json_t *tests = json_object_get(g, "tests"), *t;
        cn_schema *schema = NULL;
        size_t ti;
        int err;

        if (is_remote(label, gi)) {
            c.skipped++;
            printf("  %s group %zu skipped (remote ref): %s\n", label, gi, desc);
            continue;
        }
        err = cn_schema_compile(&schema, json_object_get(g, "schema"), flags);
        if (err == CN_EUNSUPPORTED) {
            c.refused++;
            printf("  %s group %zu refused (%s): %s\n", label, gi, cn_error_message(), desc);
            continue;
        }
        c.groups++;
        if (err != 0) {
            c.failed += json_array_size(tests);
            printf("  FAIL %s group %zu: schema not compiled: %s\n", label, gi, cn_error_message());
            continue;
        }
        json_array_foreach(tests, ti, t)
        {
            int want = json_is_true(json_object_get(t, "valid"));
            int got = cn_schema_validate(schema, json_object_get(t, "data"), NULL);
            if (got != 0 && got != CN_EINVAL) {
                c.failed++;
                printf("  FAIL %s group %zu test %zu: error %s\n", label, gi, ti,
                       cn_error_message());
            } else if ((got == 0) == want) {
                c.passed++;
            } else {
                c.failed++;
                printf("  FAIL %s group %zu (%s) test %zu (%s): expected %s\n", label, gi, desc, ti,
                       json_string_value(json_object_get(t, "description")),
                       want ? "valid" : "invalid");
            }
        }
        cn_schema_free(schema);
    }
    printf("%s: %zu groups run, %zu refused, %zu skipped; %zu tests passed, %zu failed\n", label,
           c.groups, c.refused, c.skipped, c.passed, c.failed);
    total->groups += c.groups;
    total->refused += c.refused;
    total->skipped += c.skipped;
    total->passed += c.passed;
    total->failed += c.failed;
    json_decref(groups);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir, const char *prefix, unsigned flags, counts *total)
{
    char *names[256];
    size_t n = 0, i;
    struct dirent *e;
    DIR *d = opendir(dir);

    if (d == NULL) {
        printf("%s: cannot open\n", dir);
        total->failed++;
        return;
    }
    while ((e = readdir(d)) != NULL && n < sizeof(names) / sizeof(names[0])) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_names);
    for (i = 0; i < n; i++) {
        char label[512];
        if (names[i] == NULL)
            continue;
        snprintf(label, sizeof(label), "%s%s", prefix, names[i]);
        run_file(dir, names[i], label, flags, total);
        free(names[i]);
    }
}

int main(int argc, char **argv)
{
    counts total = {0, 0, 0, 0, 0};
    char sub[4096];

    if (argc < 2) {
        fprintf(stderr, "usage: jsonschema_suite SUITE_DIR [REMOTE_REFS_TSV]\n");
        return 2;
    }
    if (argc > 2)
        load_remotes(argv[2]);
    run_dir(argv[1], "", CN_SCHEMA_FORMAT_ANNOTATE, &total);
    snprintf(sub, sizeof(sub), "%s/optional/format", argv[1]);
    run_dir(sub, "optional/format/", 0, &total);
    printf("total: %zu groups run, %zu refused, %zu skipped (remote refs); %zu tests passed, %zu "
           "failed\n",
           total.groups, total.refused, total.skipped, total.passed, total.failed);
    printf("json-schema: %zu passed, %zu failed\n", total.passed, total.failed);
    return total.failed ? 1 : 0;
}

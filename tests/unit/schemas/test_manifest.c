/*
 * test_manifest.c - the four schemas on sample manifests (tests/data/manifests),
 * identity derivation and file reference checks (`citynode validate` is
 * tests/unit/node/test_validate_command.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/name.h"
#include "core/semver.h"
#include "schemas/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATA CN_TEST_DATA "/manifests"

static cn_manifest *load_valid(const char *rel, cn_kind kind, const char *id, const char *version)
{
    cn_diagnostics d = CN_DIAGNOSTICS_INIT;
    cn_manifest *m = NULL;
    char path[512];
    int err;

    snprintf(path, sizeof(path), "%s/%s", DATA, rel);
    err = cn_manifest_load(&m, &d, path);
    if (err != 0) {
        size_t i;
        for (i = 0; i < d.count; i++)
            fprintf(stderr, "%u:%u %s: %s\n", d.items[i].line, d.items[i].col, d.items[i].path,
                    d.items[i].message);
        fail_msg("%s: %s", rel, cn_error_message());
    }
    assert_int_equal(cn_diagnostics_errors(&d), 0);
    assert_int_equal(m->kind, kind);
    assert_string_equal(m->id, id);
    if (version)
        assert_string_equal(m->version, version);
    else
        assert_null(m->version);
    cn_diagnostics_free(&d);
    return m;
}

static void test_valid_samples(void **state)
{
    cn_manifest *m;

    (void)state;
    m = load_valid("valid/zukunftsforum", CN_KIND_SOLUTION, "zukunftsforum-zukunftslabor", "1.0.0");
    assert_string_equal(m->title, "Zukunftsforum und Zukunftslabor");
    assert_non_null(strstr(m->path, "citynode.yml"));
    assert_true(json_is_object(json_object_get(m->doc, "transfer")));
    cn_manifest_free(m);
    m = load_valid("valid/berlin-strategy/citynode.yml", CN_KIND_STRATEGY,
                   "berlin-lebenswert-smart", "2.0.0");
    assert_string_equal(m->title, "Berlin lebenswert smart");
    assert_string_equal(json_string_value(json_object_get(m->doc, "motto")),
                        "Die Stadt intelligent und menschengerecht digitalisieren");
    cn_manifest_free(m);
    m = load_valid("valid/leipzig-west-dataset", CN_KIND_DATASET, "leipzig-west-events-2016",
                   "1.0.0");
    cn_manifest_free(m);
    /* A plain publiccode.yml: id from name, version from softwareVersion. */
    m = load_valid("valid/publiccode-only", CN_KIND_SOLUTION, "smart-lighting-west", "2.1.0");
    assert_non_null(strstr(m->path, "publiccode.yml"));
    cn_manifest_free(m);
}

static void test_node_profile(void **state)
{
    cn_diagnostics d = CN_DIAGNOSTICS_INIT;
    json_t *node = NULL;

    (void)state;
    assert_int_equal(cn_json_load_file(&node, DATA "/valid/node.json", 65536), 0);
    assert_int_equal(cn_schema_validate_json(CN_KIND_NODE, node, &d), 0);
    json_object_set_new(node, "country", json_string("Germany"));
    json_object_set_new(node, "email", json_string("not an address"));
    assert_int_equal(cn_schema_validate_json(CN_KIND_NODE, node, &d), CN_EINVAL);
    assert_int_equal(d.count, 2);
    assert_string_equal(d.items[0].path, "country");
    assert_int_equal(d.items[0].line, 0);
    assert_non_null(strstr(d.items[0].message, "ISO 3166-1"));
    cn_diagnostics_free(&d);
    json_decref(node);
}

/* Load an invalid sample and find a diagnostic at line:col for path. */
static void expect_invalid(const char *rel, unsigned line, unsigned col, const char *path,
                           const char *message_part)
{
    cn_diagnostics d = CN_DIAGNOSTICS_INIT;
    cn_manifest *m = NULL;
    char file[512];
    size_t i;

    snprintf(file, sizeof(file), "%s/invalid/%s", DATA, rel);
    assert_int_equal(cn_manifest_load(&m, &d, file), CN_EINVAL);
    assert_null(m);
    for (i = 0; i < d.count; i++) {
        const cn_diagnostic *x = &d.items[i];
        if (x->line == line && x->col == col && strcmp(x->path, path) == 0 &&
            strstr(x->message, message_part) != NULL && strcmp(x->file, file) == 0)
            break;
    }
    if (i == d.count) {
        for (i = 0; i < d.count; i++)
            fprintf(stderr, "  got %u:%u %s: %s\n", d.items[i].line, d.items[i].col,
                    d.items[i].path, d.items[i].message);
        fail_msg("%s: no %u:%u %s: %s", rel, line, col, path, message_part);
    }
    cn_diagnostics_free(&d);
}

static void test_invalid_samples(void **state)
{
    (void)state;
    expect_invalid("strategy-bad-measure.yml", 9, 5, "measures[0].status",
                   "must be one of: \"planned\", \"in-progress\", \"done\", \"withdrawn\"");
    expect_invalid("dataset-escape.yml", 9, 5, "theme[0]", "is not a valid EU data theme");
    expect_invalid("dataset-escape.yml", 13, 5, "distributions[0].file", "'..'");
    expect_invalid("duplicate-key.yml", 3, 1, "", "duplicate key 'id'");
    expect_invalid("alias.yml", 2, 4, "", "aliases are not supported");
    expect_invalid("syntax.yml", 2, 8, "", "the quote \" opened here is never closed");
    expect_invalid("not-utf8.yml", 2, 11, "", "Invalid UTF-8");
    expect_invalid("bad-identity.yml", 2, 1, "id", "is not a valid id");
    expect_invalid("bad-identity.yml", 3, 1, "version", "semantic version");
    expect_invalid("unknown-kind.yml", 1, 1, "kind", "must be one of");
}

/* Write text as dir/name and try to load it as a manifest. */
static int load_text(cn_diagnostics *d, const char *dir, const char *name, const char *text)
{
    cn_manifest *m = NULL;
    char *path = cn_path_join(dir, name);
    int err;

    assert_int_equal(cn_file_write_atomic(path, text, strlen(text), 0644), 0);
    err = cn_manifest_load(&m, d, path);
    cn_manifest_free(m);
    free(path);
    return err;
}

static void test_file_references(void **state)
{
    char dir[] = "/tmp/cn-test-manifest-XXXXXX";
    cn_diagnostics d = CN_DIAGNOSTICS_INIT;
    const char *base = "kind: dataset\nid: d\nversion: 0.1.0\ntitle: T\ndescription: D\n"
                       "publisher: {name: P}\ntheme: [TRAN]\nlicense: https://l.example/1\n";
    char text[1024];
    char *csv;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(text, sizeof(text), "%sdistributions:\n  - {format: CSV, file: a.csv}\n", base);
    assert_int_equal(load_text(&d, dir, "citynode.yml", text), CN_EINVAL);
    assert_non_null(strstr(d.items[0].message, "no such file"));
    cn_diagnostics_clear(&d);
    csv = cn_path_join(dir, "a.csv");
    assert_int_equal(cn_file_write_atomic(csv, "x\n", 2, 0644), 0);
    free(csv);
    assert_int_equal(load_text(&d, dir, "citynode.yml", text), 0);
    snprintf(text, sizeof(text), "%sdistributions:\n  - {format: CSV, file: /etc/passwd}\n", base);
    assert_int_equal(load_text(&d, dir, "citynode.yml", text), CN_EINVAL);
    assert_non_null(strstr(d.items[0].message, "absolute path"));
    cn_diagnostics_clear(&d);
    snprintf(text, sizeof(text), "%sdistributions:\n  - {format: CSV, url: 'file:///x'}\n", base);
    assert_int_equal(load_text(&d, dir, "citynode.yml", text), CN_EINVAL);
    cn_diagnostics_clear(&d);
    /* Neither file nor url: oneOf fails. */
    snprintf(text, sizeof(text), "%sdistributions:\n  - {format: CSV}\n", base);
    assert_int_equal(load_text(&d, dir, "citynode.yml", text), CN_EINVAL);
    assert_string_equal(d.items[0].path, "distributions[0]");
    cn_diagnostics_free(&d);
    /* A directory without a manifest. */
    assert_int_equal(cn_rmtree(dir), 0);
    assert_int_equal(cn_mkdir_p(dir, 0755), 0);
    assert_int_equal(cn_manifest_load(&(cn_manifest *){NULL}, &d, dir), CN_ENOTFOUND);
    assert_int_equal(d.count, 0);
    cn_rmtree(dir);
}

static void test_slugs_and_semver(void **state)
{
    char s[CN_SLUG_MAX + 1];

    (void)state;
    /* ids derived from names and versions use core/name.h and core/semver.h */
    assert_int_equal(cn_name_slugify(s, "  Zukunftsforum & Zukunftslabor (Leipzig)!"), 0);
    assert_string_equal(s, "zukunftsforum-zukunftslabor-leipzig");
    assert_int_equal(cn_name_slugify(s, "Straßen-Beleuchtung"), 0); /* ß is ss (core/name.c) */
    assert_string_equal(s, "strassen-beleuchtung");
    assert_int_equal(cn_name_slugify(s, "!!!"), CN_EINVAL);
    assert_int_equal(cn_semver_check("2.1.0-rc.1+build.5"), 0);
    assert_int_equal(cn_semver_check("1.0"), CN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_samples),    cmocka_unit_test(test_node_profile),
        cmocka_unit_test(test_invalid_samples),  cmocka_unit_test(test_file_references),
        cmocka_unit_test(test_slugs_and_semver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

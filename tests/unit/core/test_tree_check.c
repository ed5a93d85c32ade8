/*
 * test_tree_check.c - the hostile tree names, modes and shapes refused
 * (core/tree_check.h), the ordinary ones let through, and raw tree
 * objects parsed with their bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/tree_check.h"

#include <string.h>

#define NAME(s) (s), (sizeof(s) - 1)

static void hostile_names_are_refused(void **state)
{
    static const char *const bad[] = {
        ".git",
        ".GIT",
        ".Git",
        "GIT~1",
        "git~1",
        ".git.",
        ".git ",
        ".git. . ",
        ".git::$INDEX_ALLOCATION",
        "..",
        ".",
        "...",
        " ",
        "\xe2\x80\x8c.git",
        ".g\xe2\x80\x8dit",
        ".gi\xef\xbb\xbft",
        ".GIT\xe2\x81\xaf",
        "..\\x",
        "a\\..\\b",
        ".git\\hooks",
        "\\abs",
        "a/b",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cn_error_clear();
        if (cn_tree_check_name(bad[i], strlen(bad[i]), 0100644) != CN_EINVAL)
            fail_msg("%s was let through", bad[i]);
        assert_non_null(strstr(cn_error_message(), "tree entry"));
    }
    assert_int_equal(cn_tree_check_name("", 0, 0100644), CN_EINVAL);
    assert_int_equal(cn_tree_check_name(NAME("a\0b"), 0100644), CN_EINVAL);
    assert_int_equal(cn_tree_check_name(NAME(".gitmodules"), 0120000), CN_EINVAL);
    assert_int_equal(cn_tree_check_name(NAME(".GitModules"), 0120000), CN_EINVAL);
    assert_int_equal(cn_tree_check_name(NAME("x"), 0100600), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "mode 100600"));
    assert_int_equal(cn_tree_check_name(NAME("x"), 0), CN_EINVAL);
}

static void ordinary_names_pass(void **state)
{
    static const char *const good[] = {
        ".gitignore", ".gitmodules", ".github", "git", ".gitx",   "gitx~1",      "a.git",
        ".git-foo",   "README.md",   "..a",     "a..", ".hidden", "caf\xc3\xa9", "\xe2\x80\x8c",
    };
    static const unsigned modes[] = {040000, 0100644, 0100755, 0120000, 0160000, 0100664};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (cn_tree_check_name(good[i], strlen(good[i]), 0100644) != 0)
            fail_msg("%s was refused: %s", good[i], cn_error_message());
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        assert_int_equal(cn_tree_check_name(NAME("x"), modes[i]), 0);
    assert_int_equal(cn_tree_check_name(NAME(".gitmodules"), 0100644), 0);
}

static void paths_are_checked_part_by_part(void **state)
{
    char longpath[CN_TREE_MAX_PATH + 2];

    (void)state;
    assert_int_equal(cn_tree_check_path(NAME("a/b/c.txt")), 0);
    assert_int_equal(cn_tree_check_path(NAME("sub/.gitmodules")), 0);
    assert_int_equal(cn_tree_check_path(NAME(".git/hooks/post-checkout")), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), ".git/hooks/post-checkout"));
    assert_int_equal(cn_tree_check_path(NAME("a/../b")), CN_EINVAL);
    assert_int_equal(cn_tree_check_path(NAME("/etc/passwd")), CN_EINVAL);
    assert_int_equal(cn_tree_check_path(NAME("a//b")), CN_EINVAL);
    assert_int_equal(cn_tree_check_path(NAME("a/")), CN_EINVAL);
    assert_int_equal(cn_tree_check_path(NAME("a/Git~1/x")), CN_EINVAL);
    assert_int_equal(cn_tree_check_path("", 0), CN_EINVAL);
    memset(longpath, 'a', sizeof(longpath));
    assert_int_equal(cn_tree_check_path(longpath, sizeof(longpath)), CN_EINVAL);
}

static void raw_trees_are_parsed_and_checked(void **state)
{
    /* "100644 a\0<20>" "40000 b\0<20>" */
    static const char ok[] = "100644 a\0"
                             "aaaaaaaaaaaaaaaaaaaa"
                             "40000 b\0"
                             "bbbbbbbbbbbbbbbbbbbb";
    static const char dup[] = "100644 a\0"
                              "aaaaaaaaaaaaaaaaaaaa"
                              "40000 a\0"
                              "bbbbbbbbbbbbbbbbbbbb";
    static const char dotgit[] = "40000 .GIT\0"
                                 "aaaaaaaaaaaaaaaaaaaa";
    static const char shortid[] = "100644 a\0"
                                  "aaaa";
    static const char badmode[] = "10x644 a\0"
                                  "aaaaaaaaaaaaaaaaaaaa";
    static const char nomode[] = " a\0"
                                 "aaaaaaaaaaaaaaaaaaaa";
    static const char noname[] = "100644 \0"
                                 "aaaaaaaaaaaaaaaaaaaa";
    static const char unterminated[] = "100644 abc";

    (void)state;
    assert_int_equal(cn_tree_check_raw(ok, sizeof(ok) - 1), 0);
    assert_int_equal(cn_tree_check_raw("", 0), 0);
    assert_int_equal(cn_tree_check_raw(dup, sizeof(dup) - 1), CN_EINVAL);
    assert_non_null(strstr(cn_error_message(), "both a file and a directory"));
    assert_int_equal(cn_tree_check_raw(dotgit, sizeof(dotgit) - 1), CN_EINVAL);
    assert_int_equal(cn_tree_check_raw(shortid, sizeof(shortid) - 1), CN_EINVAL);
    assert_int_equal(cn_tree_check_raw(badmode, sizeof(badmode) - 1), CN_EINVAL);
    assert_int_equal(cn_tree_check_raw(nomode, sizeof(nomode) - 1), CN_EINVAL);
    assert_int_equal(cn_tree_check_raw(noname, sizeof(noname) - 1), CN_EINVAL);
    assert_int_equal(cn_tree_check_raw(unterminated, sizeof(unterminated) - 1), CN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostile_names_are_refused),
        cmocka_unit_test(ordinary_names_pass),
        cmocka_unit_test(paths_are_checked_part_by_part),
        cmocka_unit_test(raw_trees_are_parsed_and_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

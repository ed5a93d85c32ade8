/*
 * support_repo.c - scratch directories, shell scripts with stock git and
 * plans written to files, for the pack reuse tests (support_repo.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support_repo.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int repo_scratch_setup(void **state)
{
    char *dir = calloc(1, 64);

    if (dir == NULL || cn_git_init() != 0)
        return -1;
    snprintf(dir, 64, "/tmp/cn-test-reuse-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    *state = dir;
    return 0;
}

int repo_scratch_teardown(void **state)
{
    char *dir = *state;

    cn_rmtree(dir);
    free(dir);
    git_libgit2_shutdown();
    return 0;
}

static char *script_of(const char *dir, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static char *script_of(const char *dir, const char *fmt, va_list ap)
{
    cn_buf body = CN_BUF_INIT, b = CN_BUF_INIT;
    va_list cp;
    int n;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    assert_true(n >= 0);
    assert_int_equal(cn_buf_grow(&body, (size_t)n + 1), 0);
    vsnprintf((char *)body.data, (size_t)n + 1, fmt, ap);
    assert_int_equal(
        cn_buf_printf(&b,
                      "cd '%s' && export HOME=\"$PWD\" GIT_CONFIG_NOSYSTEM=1 "
                      "GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=Stavanger "
                      "GIT_AUTHOR_EMAIL=city@example.org GIT_COMMITTER_NAME=Stavanger "
                      "GIT_COMMITTER_EMAIL=city@example.org "
                      "GIT_AUTHOR_DATE='1700000000 +0100' GIT_COMMITTER_DATE='1700000000 +0100' "
                      "&& set -e && %s",
                      dir, (const char *)body.data),
        0);
    cn_buf_free(&body);
    return cn_buf_detach(&b, NULL);
}

int repo_sh(const char *dir, const char *fmt, ...)
{
    va_list ap;
    char *script;
    int r;

    va_start(ap, fmt);
    script = script_of(dir, fmt, ap);
    va_end(ap);
    r = system(script);
    free(script);
    return r;
}

const char *repo_sh_line(const char *dir, const char *fmt, ...)
{
    static char line[4096];
    va_list ap;
    char *script;
    FILE *p;

    va_start(ap, fmt);
    script = script_of(dir, fmt, ap);
    va_end(ap);
    assert_non_null(p = popen(script, "r"));
    if (fgets(line, sizeof(line), p) == NULL)
        line[0] = '\0';
    while (fgetc(p) != EOF)
        ;
    assert_int_equal(pclose(p), 0);
    free(script);
    line[strcspn(line, "\n")] = '\0';
    return line;
}

git_repository *repo_open(const char *dir, const char *rel)
{
    git_repository *repo = NULL;
    char *path = cn_path_join(dir, rel);

    assert_non_null(path);
    assert_int_equal(git_repository_open(&repo, path), 0);
    free(path);
    return repo;
}

void repo_oid(git_oid *out, git_repository *repo, const char *spec)
{
    git_object *obj = NULL;

    assert_int_equal(git_revparse_single(&obj, repo, spec), 0);
    git_oid_cpy(out, git_object_id(obj));
    git_object_free(obj);
}

static int file_write_cb(void *payload, const void *data, size_t len)
{
    return fwrite(data, 1, len, payload) == len ? 0 : -1;
}

int repo_write_plan(cn_pack_plan *plan, const char *dir, const char *name,
                    cn_pack_index_entry **entries, unsigned char sha[GIT_OID_RAWSZ])
{
    char *path = cn_path_join(dir, name);
    FILE *fp;
    int r;

    assert_non_null(path);
    assert_non_null(fp = fopen(path, "wb"));
    r = cn_pack_plan_write(plan, file_write_cb, fp, NULL, entries, sha);
    assert_int_equal(fclose(fp), 0);
    if (r != 0)
        unlink(path);
    free(path);
    return r;
}

int repo_plan_new(cn_pack_plan **out, git_repository *repo, const char *tip, const char *hide,
                  int thin)
{
    cn_pack_plan_opts opts = {0};
    git_oid t, h;

    repo_oid(&t, repo, tip);
    opts.tips = &t;
    opts.ntips = 1;
    if (hide) {
        repo_oid(&h, repo, hide);
        opts.hide = &h;
        opts.nhide = 1;
    }
    opts.thin = thin;
    return cn_pack_plan_new(out, repo, &opts);
}

cn_pack_plan *repo_plan(git_repository *repo, const char *tip, const char *hide, int thin)
{
    cn_pack_plan *plan = NULL;

    if (repo_plan_new(&plan, repo, tip, hide, thin) != 0)
        fail_msg("cannot plan %s: %s", tip, cn_error_message());
    return plan;
}

int repo_fields(const char *line)
{
    char a[8][64];

    return sscanf(line, "%63s %63s %63s %63s %63s %63s %63s %63s", a[0], a[1], a[2], a[3], a[4],
                  a[5], a[6], a[7]);
}

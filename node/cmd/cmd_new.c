/*
 * cmd_new.c - `citynode new solution|dataset|strategy DIR [--lang de|en]`:
 * start a manifest from a commented template.
 *
 * Writes DIR/publiccode.yml (a solution) or DIR/citynode.yml (a dataset or a
 * strategy), the names validate and publish look for (docs/SCHEMAS.md), from
 * node/cmd/templates/KIND.LANG.yml compiled into the binary. Every required
 * key is there without a value, marked REQUIRED (PFLICHT) in a comment in the
 * chosen language, so `citynode validate DIR` on the untouched template lists,
 * by key, what is still to fill. The language is --lang, else de when
 * $LC_ALL, $LC_MESSAGES or $LANG (the first set) starts with "de", else en.
 * DIR is created if needed; a manifest already in it is never overwritten.
 */
#include "core/error.h"
#include "core/file.h"
#include "node/cmd/commands.h"
#include "node/cmd/new_templates.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char synopsis[] = "new solution|dataset|strategy DIR [--lang de|en]";

/* The manifest names validate looks for in a directory, in its order. */
static const char *const manifest_names[] = {"citynode.yml", "publiccode.yml", "publiccode.yaml"};

/* de or en from the locale the user runs in. */
static const char *locale_lang(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};

    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && *v != '\0')
            return strncmp(v, "de", 2) == 0 ? "de" : "en";
    }
    return "en";
}

static const cn_new_template *find_template(const char *kind, const char *lang)
{
    char name[64];

    snprintf(name, sizeof(name), "%s.%s.yml", kind, lang);
    for (const cn_new_template *t = cn_new_templates; t->name != NULL; t++)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

/* Write len bytes to path, which must not exist yet (O_EXCL). */
static int write_new(const char *path, const unsigned char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    size_t done = 0;

    if (fd < 0)
        return errno == EEXIST
                   ? cn_error_set(CN_EEXISTS,
                                  "%s already exists: citynode new does not "
                                  "overwrite a manifest",
                                  path)
                   : cn_error_set(CN_ERROR, "cannot create %s: %s", path, strerror(errno));
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = errno;
            close(fd);
            unlink(path);
            return cn_error_set(CN_ERROR, "cannot write %s: %s", path, strerror(e));
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(path);
        return cn_error_set(CN_ERROR, "cannot write %s: %s", path, strerror(errno));
    }
    return 0;
}

int cn_cmd_new(const char *home_flag, int argc, char **argv)
{
    static const struct option opts[] = {{"lang", required_argument, NULL, 'l'},
                                         {NULL, 0, NULL, 0}};
    const cn_new_template *t;
    const char *lang = NULL, *kind, *dir, *name;
    char *path = NULL;
    int c, err = 0;

    (void)home_flag; /* a manifest is written anywhere, not into the node */
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'l')
            return cn_cli_usage_error(synopsis, "unknown option");
        lang = optarg;
    }
    if (optind != argc - 2)
        return cn_cli_usage_error(synopsis, "expected a KIND and a DIR");
    kind = argv[optind];
    dir = argv[optind + 1];
    if (strcmp(kind, "solution") != 0 && strcmp(kind, "dataset") != 0 &&
        strcmp(kind, "strategy") != 0) {
        char problem[128];
        snprintf(problem, sizeof(problem), "'%.40s' is not a kind: solution, dataset or strategy",
                 kind);
        return cn_cli_usage_error(synopsis, problem);
    }
    if (lang != NULL && strcmp(lang, "de") != 0 && strcmp(lang, "en") != 0)
        return cn_cli_usage_error(synopsis, "--lang takes de or en");
    if (lang == NULL)
        lang = locale_lang();
    if ((t = find_template(kind, lang)) == NULL)
        return cn_cli_fail(cn_error_set(CN_ERROR, "no %s template in %s", kind, lang));
    name = strcmp(kind, "solution") == 0 ? "publiccode.yml" : "citynode.yml";
    if ((err = cn_mkdir_p(dir, 0755)) != 0)
        goto out;
    for (size_t i = 0; i < sizeof(manifest_names) / sizeof(manifest_names[0]); i++) {
        char *other = cn_path_join(dir, manifest_names[i]);
        int exists = other != NULL && access(other, F_OK) == 0;
        if (other == NULL)
            err = cn_error_set(CN_ENOMEM, "out of memory");
        else if (exists)
            err = cn_error_set(
                CN_EEXISTS, "%s already exists: citynode new does not overwrite a manifest", other);
        free(other);
        if (err != 0)
            goto out;
    }
    if ((path = cn_path_join(dir, name)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = write_new(path, t->data, t->len)) != 0)
        goto out;
    printf("%s\n", path);
    fprintf(stderr,
            "wrote a %s template: fill in every key marked %s, then run "
            "'citynode validate %s'\n",
            kind, strcmp(lang, "de") == 0 ? "PFLICHT" : "REQUIRED", dir);
out:
    free(path);
    return err ? cn_cli_fail(err) : 0;
}

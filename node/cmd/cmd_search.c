/*
 * cmd_search.c - `citynode search [QUERY] [--FACET VALUE]... [--node ID]
 *                 [--sort ORDER] [--page N] [--per-page N] [--withdrawn W] [--json]`.
 *
 * Searches the registry in <home>/state.db: this node's own items and those
 * of its peers as their verified mirrors hold them (node/index.h keeps it
 * current). Prints one line per hit, "KIND  NODE12/ITEM@VERSION  TITLE"
 * (withdrawn items marked), then the total; --json prints the document of
 * GET /api/v1/search (docs/api.yaml) as is: each option is the API's
 * parameter of the same name (FACET: kind, theme, field, city, country,
 * programme, license, status), so the CLI and the web page ask the same
 * query. Filters may be repeated (values of one filter are OR-ed). Without
 * QUERY, every item matches (newest first). Bad parameters exit 2 with the
 * registry's message.
 */
#include "core/error.h"
#include "core/file.h"
#include "core/term.h"
#include "node/cmd/commands.h"
#include "node/federation/follow.h"
#include "node/item.h"
#include "node/node.h"
#include "registry/registry.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char synopsis[] =
    "search [QUERY] [--kind|--theme|--field|--city|--country|--programme|--license|--status|"
    "--category|--scope|--platform|--keyword VALUE]... [--node ID] [--sort "
    "relevance|recent|replications] [--page N] [--per-page N] "
    "[--withdrawn include|exclude|only] [--json]";

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void print_human(const json_t *doc)
{
    const json_t *r;
    json_int_t total = json_integer_value(json_object_get(doc, "total"));
    size_t i, shown = json_array_size(json_object_get(doc, "results"));

    json_array_foreach(json_object_get(doc, "results"), i, r)
    {
        cn_term_fprintf(stdout, "%-8s  %.12s/%s@%s  %s%s\n", str(r, "kind"), str(r, "node"),
                        str(r, "item"), str(r, "version"), str(r, "title"),
                        json_is_true(json_object_get(r, "withdrawn")) ? " (withdrawn)" : "");
    }
    if ((json_int_t)shown < total)
        cn_term_fprintf(stderr, "%zu of %lld items shown (page %lld of %lld; --page N for more)\n",
                        shown, (long long)total,
                        (long long)json_integer_value(json_object_get(doc, "page")),
                        (long long)json_integer_value(json_object_get(doc, "pages")));
    else
        cn_term_fprintf(stderr, "%lld item%s\n", (long long)total, total == 1 ? "" : "s");
}

int cn_cmd_search(const char *home_flag, int argc, char **argv)
{
    /* The option's name is the API parameter it sets (val indexes params). */
    static const char *const params[] = {
        "kind",      "theme",    "field", "city",     "country", "programme",
        "license",   "status",   "node",  "sort",     "page",    "per_page",
        "withdrawn", "category", "scope", "platform", "keyword"};
    static const struct option opts[] = {
        {"kind", required_argument, NULL, 0},
        {"theme", required_argument, NULL, 1},
        {"field", required_argument, NULL, 2},
        {"city", required_argument, NULL, 3},
        {"country", required_argument, NULL, 4},
        {"programme", required_argument, NULL, 5},
        {"license", required_argument, NULL, 6},
        {"status", required_argument, NULL, 7},
        {"node", required_argument, NULL, 8},
        {"sort", required_argument, NULL, 9},
        {"page", required_argument, NULL, 10},
        {"per-page", required_argument, NULL, 11},
        {"withdrawn", required_argument, NULL, 12},
        {"category", required_argument, NULL, 13},
        {"scope", required_argument, NULL, 14},
        {"platform", required_argument, NULL, 15},
        {"keyword", required_argument, NULL, 16},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    cn_registry_query q = CN_REGISTRY_QUERY_INIT;
    cn_registry *reg = NULL;
    cn_node *node = NULL;
    json_t *doc = NULL;
    char *home = NULL, *db = NULL;
    int c, as_json = 0, err = 0;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j') {
            as_json = 1;
            continue;
        }
        if (c < 0 || (size_t)c >= sizeof(params) / sizeof(params[0])) {
            cn_registry_query_clear(&q);
            return cn_cli_usage_error(synopsis, "unknown option");
        }
        if ((err = cn_registry_query_set(&q, params[c], optarg, strlen(optarg))) != 0)
            goto out;
    }
    if (optind < argc - 1) {
        cn_registry_query_clear(&q);
        return cn_cli_usage_error(synopsis, "expected at most one QUERY (quote a phrase)");
    }
    if (optind == argc - 1 &&
        (err = cn_registry_query_set(&q, "q", argv[optind], strlen(argv[optind]))) != 0)
        goto out;
    if ((err = cn_home_resolve(&home, home_flag)) != 0 || (err = cn_node_open(&node, home, 0)) != 0)
        goto out;
    /* A lost state.db is refused, not searched empty (follow.h). */
    if ((err = cn_node_state_check(node->home)) != 0)
        goto out;
    if ((db = cn_path_join(node->home->root, "state.db")) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = cn_registry_open(&reg, db)) != 0 || (err = cn_registry_search(&doc, reg, &q)) != 0 ||
        (err = cn_item_describe_results(doc, reg, node->home->repos_dir)) != 0)
        goto out;
    if (as_json) {
        json_dumpf(doc, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        print_human(doc);
    }
out:
    json_decref(doc);
    cn_registry_free(reg);
    cn_registry_query_clear(&q);
    cn_node_free(node);
    free(db);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}

/*
 * cli_table.c - every command and subcommand of citynode, its usage, its
 * description, its options and an example: the one place the command line's
 * text lives (cli_opts.h says what is made of it).
 *
 * A new command gets a row here, or it cannot be run; the test t1310-help
 * asks the binary for the list (help --commands) and requires a help for each.
 */
#include "node/cmd/cli_opts.h"
#include "node/cmd/cmd_validate.h"
#include "node/cmd/commands.h"

#include <string.h>

static int run_validate(const char *home, int argc, char **argv)
{
    (void)home;
    return cn_cmd_validate(argc, argv);
}

#define QUIET                                                                                      \
    {                                                                                              \
        "quiet", 'q', NULL, "no progress on stderr (it is shown only on a terminal anyway)"        \
    }
#define END                                                                                        \
    {                                                                                              \
        NULL, 0, NULL, NULL                                                                        \
    }

const cn_cli_option cn_cli_global_options[] = {
    {"home", 0, "DIR", "the node's directory (else $CITYNODE_HOME, else ~/.local/share/citynode)"},
    {"help", 'h', NULL, "the command list; COMMAND --help: that command's help"},
    {"version", 0, NULL, "citynode's version"},
    END,
};

static const cn_cli_option no_options[] = {END};

static const cn_cli_option help_options[] = {
    /* Hidden (no help text): the build writes citynode.1 and the completion. */
    {"man", 0, NULL, NULL},
    {"bash-completion", 0, NULL, NULL},
    {"commands", 0, NULL, NULL}, /* every row's name, one a line (tests) */
    END,
};

static const cn_cli_option init_options[] = {
    {"name", 0, "NAME", "the city's name, shown to people and signing every version (required)"},
    {"url", 0, "BASE_URL",
     "the public URL others reach the node at (default http://127.0.0.1:8470)"},
    {"country", 0, "CC", "ISO 3166-1 alpha-2 country code, e.g. DE"},
    {"code", 0, "AGS", "official municipality code (AGS/ARS/LAU)"},
    {"programme", 0, "NAME", "a funding programme or network the city takes part in (repeatable)"},
    END,
};

static const cn_cli_option validate_options[] = {
    {"json", 0, NULL, "print one JSON object on stdout instead (docs/SCHEMAS.md)"},
    {"quiet", 'q', NULL, "print only errors"},
    END,
};

static const cn_cli_option publish_options[] = {
    {"ref", 0, "TAG|BRANCH", "publish that tag's or branch's commit; the working tree is ignored"},
    {"version", 0, "V", "the version to publish, if the manifest does not say"},
    QUIET,
    END,
};

static const cn_cli_option withdraw_options[] = {
    {"reason", 0, "TEXT", "why, shown to people on every registry (required, 1-500 bytes)"},
    END,
};

static const cn_cli_option verify_options[] = {
    {"all", 0, NULL, "the node's whole tree and every peer's mirror"},
    QUIET,
    END,
};

static const cn_cli_option export_options[] = {QUIET, END};

static const cn_cli_option serve_options[] = {
    {"listen", 0, "HOST:PORT", "the address to listen on (default: listen in config.yml)"},
    {"threads", 0, "N", "threads answering requests, 1 to 64"},
    END,
};

static const cn_cli_option show_options[] = {
    {"json", 0, NULL, "a stable JSON document on stdout"},
    {"api", 0, NULL, "the document of GET /api/v1/items/NODE/ITEM"},
    END,
};

static const cn_cli_option search_options[] = {
    {"kind", 0, "KIND", "solution, dataset or strategy"},
    {"theme", 0, "THEME", "a theme code"},
    {"field", 0, "FIELD", "a field of application"},
    {"city", 0, "CITY", "items of a city"},
    {"country", 0, "CC", "items of a country (ISO 3166-1 alpha-2)"},
    {"programme", 0, "NAME", "items of nodes taking part in a programme"},
    {"license", 0, "SPDX", "items under a licence"},
    {"status", 0, "STATUS", "a solution's developmentStatus or a strategy's phase"},
    {"category", 0, "CATEGORY", "a software category"},
    {"scope", 0, "SCOPE", "an intended scope"},
    {"platform", 0, "PLATFORM", "a platform"},
    {"keyword", 0, "WORD", "a keyword"},
    {"node", 0, "ID", "items of one node"},
    {"sort", 0, "ORDER", "relevance, recent or replications"},
    {"page", 0, "N", "the page of results"},
    {"per-page", 0, "N", "results per page"},
    {"withdrawn", 0, "include|exclude|only", "withdrawn items (default: include, marked)"},
    {"json", 0, NULL, "the document of GET /api/v1/search"},
    END,
};

static const cn_cli_option peer_add_options[] = {
    {"policy", 0, "mirror|index",
     "mirror: keep every bundle; index: metadata only, bundles on demand"},
    {"expect", 0, "NODE_ID", "refuse unless the peer's root hashes to NODE_ID"},
    END,
};

static const cn_cli_option peer_list_options[] = {
    {"candidates", 0, NULL,
     "instead, the nodes the peers vouch for that this node does not follow"},
    {"json", 0, NULL, "a JSON array on stdout"},
    END,
};

static const cn_cli_option sync_options[] = {QUIET, END};

static const cn_cli_option replicate_options[] = {
    {"as", 0, "ITEM", "the id the working copy publishes under ([a-z0-9][a-z0-9-]*)"},
    QUIET,
    END,
};

static const cn_cli_option network_trust_options[] = {
    {"policy", 0, "mirror|index", "the policy of every member added"},
    QUIET,
    END,
};

static const cn_cli_option tuf_options[] = {
    {"metadata-dir", 0, "DIR", "where the trusted metadata is kept (required)"},
    {"metadata-url", 0, "URL", "the repository's metadata URL"},
    {"target-name", 0, "PATH", "a target to download (repeatable)"},
    {"target-base-url", 0, "URL", "the repository's targets URL"},
    {"target-dir", 0, "DIR", "where downloaded targets are stored"},
    END,
};

static const cn_cli_option new_options[] = {
    {"lang", 0, "de|en", "the comments' language (default: de if $LANG starts with de, else en)"},
    END,
};

static const cn_cli_option config_options[] = {
    {"unset", 0, NULL, "remove KEY from config.yml: it takes its default"},
    END,
};

#define GROUP(name_, usage_, summary_, example_, run_)                                             \
    {                                                                                              \
        name_, usage_, summary_, NULL, no_options, "SUBCOMMAND", 1, -1, example_, run_, 2, 1       \
    }

const cn_cli_command cn_cli_commands[] = {
    {"help", "help [COMMAND [SUBCOMMAND]]", "show the command list, or a command's help", NULL,
     help_options, NULL, 0, 2, "help publish", cn_cmd_help, 2, 0},
    {"init", "init --name NAME [--url BASE_URL] [--country CC] [--code AGS] [--programme NAME]...",
     "create a node: its keys, its signed metadata and config.yml",
     "Prints the node id: the sha256 of its first root metadata, stable across key rotation. "
     "A failed init removes what it created.",
     init_options, NULL, 0, 0,
     "init --name \"Stadt Leipzig\" --country DE --url https://citynode.leipzig.de", cn_cmd_init, 2,
     0},
    {"config", "config [KEY [VALUE]] | config --unset KEY",
     "show or set the node's settings in config.yml",
     "Without KEY: every key with its value, defaults marked. With KEY: its value. With KEY "
     "VALUE: set it, checked as every command checks config.yml, keeping the file's comments "
     "and order; name, url, country, code and programmes are signed into node.json anew. "
     "docs/CONFIG.md says what each key means.",
     config_options, "KEY [VALUE]", 0, 2, "config url https://citynode.leipzig.de", cn_cmd_config,
     2, 0},
    {"new", "new solution|dataset|strategy DIR [--lang de|en]",
     "start a manifest: a commented template with its required keys marked",
     "Writes DIR/publiccode.yml for a solution, DIR/citynode.yml for a dataset or a strategy "
     "(DIR is created; an existing manifest is never overwritten). 'citynode validate DIR' "
     "lists, by key, what is still to fill in.",
     new_options, "KIND DIR", 2, 2, "new solution maengelmelder --lang de", cn_cmd_new, 2, 0},
    {"validate", "validate PATH [--json] [--quiet]",
     "check a manifest (a file, or a directory holding one) without publishing it",
     "Each problem is FILE:LINE:COL: key.path: message on stderr. Exit status 0 valid, "
     "2 invalid.",
     validate_options, "PATH", 1, 1, "validate examples/solutions/connected-urban-twins",
     run_validate, 2, 0},
    {"publish", "publish DIR|URL [--ref TAG|BRANCH] [--version V] [--quiet]",
     "publish a new version of an item: validate, commit, tag, sign, bundle",
     "DIR is the HEAD of a git repository (no uncommitted changes) or a plain folder; URL an "
     "http(s):// or git:// repository, fetched within the sync_* bounds of config.yml.",
     publish_options, "DIR|URL", 1, 1, "publish --ref v1.2.0 path/to/repo", cn_cmd_publish, 2, 0},
    {"withdraw", "withdraw ITEM[@V] --reason TEXT",
     "sign that a version (or every version) is withdrawn; the files stay",
     "Registries show the version withdrawn, with the reason, instead of dropping it.",
     withdraw_options, "ITEM[@V]", 1, 1,
     "withdraw mobility-app@1.0.0 --reason \"superseded by 2.0.0\"", cn_cmd_withdraw, 2, 0},
    {"verify", "verify [NODE/ITEM[@V] | --all] [--quiet]",
     "re-check what is stored against the signed metadata",
     "Exit status 3 names the first file that fails.", verify_options, "NODE/ITEM[@V]", 0, 1,
     "verify --all", cn_cmd_verify, 2, 0},
    {"export", "export OUTDIR [--quiet]", "write the static published tree into OUTDIR",
     "Any static web server or object store can serve OUTDIR.", export_options, "OUTDIR", 1, 1,
     "export /var/www/citynode", cn_cmd_export, 2, 0},
    {"serve", "serve [--listen HOST:PORT] [--threads N]",
     "serve the node, its mirrors, the registry's page and API; sync peers periodically",
     "Re-signs the timestamp before it expires and syncs followed peers every sync_interval "
     "seconds (docs/CONFIG.md).",
     serve_options, NULL, 0, 0, "serve --listen 127.0.0.1:8470", cn_cmd_serve, 2, 0},
    {"show", "show NODE/ITEM[@V] [--json | --api]",
     "an item's versions and manifest, this node's or a peer's",
     "NODE is self, a node id, a prefix of at least 8 hex digits, or a peer's alias.", show_options,
     "NODE/ITEM[@V]", 1, 1, "show self/connected-urban-twins", cn_cmd_show, 2, 0},
    {"search", "search [QUERY] [--FACET VALUE]... [--node ID] [--sort ORDER] [--page N] [--json]",
     "search this node's items and those of the nodes it follows",
     "Each option is the parameter of the same name of GET /api/v1/search; values of one "
     "option are OR-ed.",
     search_options, "QUERY", 0, 1, "search Mobilität --country DE --sort replications",
     cn_cmd_search, 2, 0},
    GROUP("peer", "peer add|list|remove ...", "the nodes this node follows", "peer list",
          cn_cmd_peer),
    {"peer add", "peer add URL [--policy mirror|index] [--expect NODE_ID]",
     "follow a node: fetch its pointer and root, pin its id", "Prints the peer's full node id.",
     peer_add_options, "URL", 1, 1, "peer add https://citynode.example.org --policy index", NULL, 2,
     0},
    {"peer list", "peer list [--candidates] [--json]",
     "each peer's id, alias, policy, URL and last sync result", NULL, peer_list_options, NULL, 0, 0,
     "peer list --candidates", NULL, 2, 0},
    {"peer remove", "peer remove NODE", "stop following a node and drop its mirror", NULL,
     no_options, "NODE", 1, 1, "peer remove eindhoven", NULL, 2, 0},
    {"sync", "sync [NODE...] [--quiet]", "one sync round now, over every peer or the ones named",
     "Exit status is the worst peer's: 0 synced, 1 transport failure, 3 verification failure.",
     sync_options, "NODE", 0, -1, "sync", cn_cmd_sync, 2, 0},
    {"replicate", "replicate NODE/ITEM[@V] DEST [--as ITEM] [--quiet]",
     "a working repository from a peer's verified item, to publish as this node's",
     "The signed tag is checked once more before DEST is written.", replicate_options,
     "NODE/ITEM[@V] DEST", 2, 2, "replicate eindhoven/mobility-app work/mobility-app",
     cn_cmd_replicate, 2, 0},
    GROUP("network", "network publish|trust ...", "networks of nodes (docs/PROTOCOL.md §10)",
          "network trust coordinator", cn_cmd_network),
    {"network publish", "network publish FILE",
     "a coordinator publishes its member list (YAML or JSON)", NULL, no_options, "FILE", 1, 1,
     "network publish members.yml", NULL, 2, 0},
    {"network trust", "network trust NODE [--policy mirror|index] [--quiet]",
     "follow every member of a followed coordinator's signed list", NULL, network_trust_options,
     "NODE", 1, 1, "network trust coordinator --policy index", NULL, 2, 0},
    {"allowed-signers", "allowed-signers [NODE]",
     "the allowed_signers lines git verify-tag needs (gpg.format=ssh)", NULL, no_options, "NODE", 0,
     1, "allowed-signers > allowed_signers", cn_cmd_allowed_signers, 2, 0},
    GROUP("keys", "keys list|rotate ...", "the node's keys by TUF role", "keys list", cn_cmd_keys),
    {"keys list", "keys list", "each role's keys: key id, type, file", NULL, no_options, NULL, 0, 0,
     "keys list", NULL, 2, 0},
    {"keys rotate", "keys rotate ROLE",
     "a new key for root, targets, snapshot or timestamp; old tags keep verifying", NULL,
     no_options, "ROLE", 1, 1, "keys rotate targets", NULL, 2, 0},
    {"tuf-client",
     "tuf-client --metadata-dir DIR [--metadata-url URL] [--target-name PATH]... "
     "[--target-base-url URL] [--target-dir DIR] init ROOT | refresh | download",
     "a plain TUF client (tuf-conformance's client command line); no node home",
     "Its exit status is 0 or 1 only, as the conformance suite asks.", tuf_options, "SUBCOMMAND", 1,
     -1, "tuf-client --metadata-dir md init root.json", cn_cmd_tuf_client, 1, 1},
    {"tuf-client init", "tuf-client --metadata-dir DIR init ROOT",
     "trust ROOT as the first root; no request is made", NULL, tuf_options, "ROOT", 1, 1,
     "tuf-client --metadata-dir md init root.json", NULL, 1, 0},
    {"tuf-client refresh", "tuf-client --metadata-dir DIR --metadata-url URL refresh",
     "run the TUF client workflow against --metadata-url", NULL, tuf_options, NULL, 0, 0,
     "tuf-client --metadata-dir md --metadata-url http://127.0.0.1:8470/tuf refresh", NULL, 1, 0},
    {"tuf-client download",
     "tuf-client --metadata-dir DIR --metadata-url URL --target-name PATH... "
     "--target-base-url URL --target-dir DIR download",
     "refresh, then download each --target-name into --target-dir", NULL, tuf_options, NULL, 0, 0,
     "tuf-client --metadata-dir md --metadata-url URL --target-name a.txt --target-base-url URL "
     "--target-dir out download",
     NULL, 1, 0},
};

const size_t cn_cli_ncommands = sizeof(cn_cli_commands) / sizeof(cn_cli_commands[0]);

const cn_cli_command *cn_cli_find(const char *name)
{
    for (size_t i = 0; i < cn_cli_ncommands; i++)
        if (strcmp(cn_cli_commands[i].name, name) == 0)
            return &cn_cli_commands[i];
    return NULL;
}

const cn_cli_command *cn_cli_find_sub(const cn_cli_command *group, const char *sub)
{
    size_t n = strlen(group->name);

    if (!group->group)
        return NULL;
    for (size_t i = 0; i < cn_cli_ncommands; i++) {
        const char *name = cn_cli_commands[i].name;
        if (strncmp(name, group->name, n) == 0 && name[n] == ' ' && strcmp(name + n + 1, sub) == 0)
            return &cn_cli_commands[i];
    }
    return NULL;
}

/*
 * registry.h - the searchable index of every item this node knows: its own,
 * the ones it mirrors and the ones it only indexes (DESIGN.md §3 "Browse").
 *
 * The index lives in the node's state.db (SQLite, WAL) beside the peers
 * tables, in tables named reg_* (docs/api.yaml describes the documents it
 * answers with; registry/tables.c the tables). It is fed by the node:
 *
 *   publish:  cn_registry_put_node(self) once, cn_registry_put_version for
 *             the new version.
 *   sync:     per peer, in one transaction (cn_registry_begin/commit):
 *             cn_registry_put_node from its verified node.json,
 *             cn_registry_mark_node, then cn_registry_put_version for every
 *             manifest target and cn_registry_put_attestation for every
 *             attestation target in its trusted targets metadata, then
 *             cn_registry_sweep_node, which marks what is no longer there as
 *             withdrawn (shown as such, never dropped).
 *   peer remove: cn_registry_remove_node.
 *
 * A put names the node by its full id and needs the node put first. Write
 * through a handle of its own, not inside a write transaction of another
 * connection to state.db in the same thread (SQLite would wait for
 * itself until the busy timeout).
 *
 * and read through functions that answer with the JSON documents of the HTTP
 * API, so `serve` only routes (cn_registry_api_get does even that) and the
 * CLI's `search` and `show` print the same documents:
 *
 *   GET /api/v1/                             the node kept as "self" (cn_registry_api_get)
 *   GET /api/v1/search                       cn_registry_search
 *   GET /api/v1/items/<node>/<item>          cn_registry_item
 *   GET /api/v1/items/<node>/<item>/versions cn_registry_versions
 *   GET /api/v1/nodes                        cn_registry_nodes
 *   GET /api/v1/nodes/<node>                 cn_registry_node
 *   GET /api/v1/graph/<node>/<item>          cn_registry_graph
 *   GET /download/<node>/logo                cn_registry_node_logo (what to send)
 *
 * Search is SQLite FTS5 (tokenizer unicode61 with diacritics removed, so
 * "Mobilitat" finds "Mobilität"; prefix indexes for 2 to 7 characters)
 * ranked by BM25 with the title weighted above the description, plus facets
 * with counts, filters, three sort orders and pagination. To stay fast on a
 * broad query over 100,000 items, a handle keeps a compact copy of each
 * item's sort keys, document length and facet values in memory (reloaded
 * when state.db changed, which PRAGMA data_version tells; about 100 ms at
 * 100,000 items, on the first search after a change), counts facets over
 * the FTS matches in C and computes FTS5's own BM25 from the stored
 * document lengths. The answers are those of the plain SQL the benchmark
 * runs as its baseline (bench/search_bench.c checks every query).
 *
 * Errors: CN_EINVAL for bad input (a malformed manifest or query parameter;
 * the message names the parameter or key and what is wrong), CN_ENOTFOUND
 * for an unknown node or item, CN_EUSAGE for an ambiguous node id prefix,
 * CN_ELIMIT for a bound, CN_ERROR for SQLite failures.
 *
 * A cn_registry handle is not thread-safe: open one per thread (each keeps
 * its own in-memory copy, about 70 bytes per item), or serialise calls.
 * Several handles and processes may use state.db at once (WAL, busy
 * timeout); a handle never holds a transaction between calls except between
 * cn_registry_begin and cn_registry_commit/rollback.
 */
#ifndef CN_REGISTRY_H
#define CN_REGISTRY_H

#include "core/buf.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cn_registry cn_registry;

/* The schema version written in reg_meta (key "schema_version"). Opening a
 * state.db with a newer registry schema fails with CN_EUNSUPPORTED. */
#define CN_REGISTRY_SCHEMA_VERSION 3

/* BM25 column weights of the FTS columns title, description and keywords
 * (the rest of the searchable text: city, keywords, features, fields of
 * action, measures...). The "relevance" order is FTS5's
 * bm25(reg_fts, 10.0, 4.0, 1.0). */
#define CN_REGISTRY_WEIGHT_TITLE       10.0
#define CN_REGISTRY_WEIGHT_DESCRIPTION 4.0
#define CN_REGISTRY_WEIGHT_KEYWORDS    1.0

/* Bounds on what a query may ask for. */
#define CN_REGISTRY_Q_MAX             256   /* bytes of the search text */
#define CN_REGISTRY_TERMS_MAX         16    /* words in the search text */
#define CN_REGISTRY_FILTER_VALUES_MAX 8     /* values of one filter (OR-ed) */
#define CN_REGISTRY_FILTER_MAX        200   /* bytes of one filter value */
#define CN_REGISTRY_PER_PAGE_DEFAULT  20    /* results per page */
#define CN_REGISTRY_PER_PAGE_MAX      100   /* results per page */
#define CN_REGISTRY_WINDOW_MAX        10000 /* page * per_page: deepest result reachable */
#define CN_REGISTRY_QUERY_STRING_MAX  4096  /* bytes of a raw query string */
#define CN_REGISTRY_FACET_BUCKETS_MAX 100   /* buckets per facet in an answer */

/* ---- opening --------------------------------------------------------- */

/* Open (creating if needed) the registry tables in the SQLite file at
 * db_path (the node's state.db): WAL, synchronous NORMAL, a 5 s busy
 * timeout, tables created IF NOT EXISTS and the schema version checked.
 * Other modules' tables in the same file are left alone. */
int cn_registry_open(cn_registry **out, const char *db_path);

/* Close the handle. A transaction still open is rolled back. NULL is fine. */
void cn_registry_free(cn_registry *reg);

/* ---- transactions ---------------------------------------------------- */

/* Begin a write transaction (BEGIN IMMEDIATE) so that many puts, e.g. one
 * sync of a peer, are one commit: faster, and readers never see half of it.
 * Inside it, each put is its own savepoint: a put that fails changes
 * nothing and the transaction stays usable. Outside one, each put commits
 * on its own. CN_EINVAL if a transaction is already open. */
int cn_registry_begin(cn_registry *reg);
int cn_registry_commit(cn_registry *reg);
/* Roll back everything since cn_registry_begin. */
int cn_registry_rollback(cn_registry *reg);

/* ---- ingest ---------------------------------------------------------- */

typedef enum {
    CN_REGISTRY_SELF = 0, /* this node */
    CN_REGISTRY_MIRROR,   /* a peer with policy mirror: everything verified and stored */
    CN_REGISTRY_INDEX,    /* a peer with policy index: metadata and manifests only */
} cn_registry_source;

/* "self", "mirror", "index". */
const char *cn_registry_source_name(cn_registry_source source);

/* A node's logo: its signed target node-logo.<ext> (docs/PROTOCOL.md §5). */
typedef struct {
    const char *path;   /* "node-logo.png", ".jpg", ".webp" or ".svg" */
    const char *type;   /* the media type its extension names */
    const char *sha256; /* 64 lowercase hex digits: the signed hash */
    uint64_t length;    /* 1 .. CN_REGISTRY_LOGO_MAX */
} cn_registry_logo;

#define CN_REGISTRY_LOGO_MAX (256 * 1024) /* bytes of a node's logo */

/* The media type of a logo target path ("node-logo.svg": "image/svg+xml"),
 * or NULL when the path is not one. */
const char *cn_registry_logo_type(const char *path);

/* The extension ("png", "jpg", "webp", "svg") of what data (len bytes)
 * is by its first bytes, or NULL when it is none of those: PNG and JPEG
 * and WebP by their signatures, SVG as text whose first element, after an
 * optional byte order mark, XML declaration, comments and doctype, is
 * <svg. */
const char *cn_registry_logo_sniff(const unsigned char *data, size_t len);

/* Check a logo target: path and type as cn_registry_logo_type says,
 * length 1 .. CN_REGISTRY_LOGO_MAX, sha256 64 lowercase hex. CN_EINVAL
 * naming what is wrong. */
int cn_registry_logo_check(const cn_registry_logo *logo);

/* The recorded logo of a node (a full id or unique prefix) as
 * {"node", "path", "type", "length", "sha256"}; CN_ENOTFOUND for an
 * unknown node or one without a logo. */
int cn_registry_node_logo(json_t **out, cn_registry *reg, const char *node);

typedef struct {
    unsigned int version;         /* CN_REGISTRY_NODE_INFO_VERSION */
    const char *node_id;          /* required: 64 lowercase hex digits */
    const json_t *profile;        /* the node's verified node.json (name, country, code,
                                     programmes, url, ...), or NULL */
    const char *name;             /* overrides profile's name; one of them is required */
    const char *url;              /* base URL the node is reached at; overrides profile's */
    cn_registry_source source;    /* default CN_REGISTRY_SELF */
    int64_t verified_at;          /* unix time node.json was last verified, 0 if never */
    const cn_registry_logo *logo; /* its verified logo target, or NULL: none (a logo
                                     recorded before is forgotten) */
} cn_registry_node_info;

#define CN_REGISTRY_NODE_INFO_VERSION 1
#define CN_REGISTRY_NODE_INFO_INIT                                                                 \
    {                                                                                              \
        CN_REGISTRY_NODE_INFO_VERSION, NULL, NULL, NULL, NULL, CN_REGISTRY_SELF, 0, NULL           \
    }

/* Insert or update a node (the directory of known nodes). When its name,
 * country or programmes change, the facets and search text of its items
 * follow. A node must be put before its items and attestations. A logo
 * that fails cn_registry_logo_check is CN_EINVAL. */
int cn_registry_put_node(cn_registry *reg, const cn_registry_node_info *info);

typedef struct {
    unsigned int version;       /* CN_REGISTRY_VERSION_INFO_VERSION */
    const char *node_id;        /* required: the publishing node (already put) */
    const char *item;           /* item id (slug); NULL: the manifest's id */
    const char *item_version;   /* semver; NULL: the manifest's version */
    const json_t *manifest;     /* required: the validated manifest (docs/SCHEMAS.md) */
    const json_t *custom;       /* the manifest target's custom object (docs/PROTOCOL.md §5:
                                   kind, commit, tag, previous...), or NULL */
    const char *const *signers; /* key ids (hex) that signed the version: the targets
                                   key(s) whose signatures on targets.json and on the
                                   tag were checked */
    size_t nsigners;
    int64_t published;   /* unix time the version was published (its tag's tagger
                            time), 0 if unknown */
    int64_t verified_at; /* unix time this node last verified it, 0 if never */
    const char *tree;    /* object id (hex) of the tree of the commit the signed tag
                            points at, read from the item's repository; NULL when the
                            repository is not here (an `index` peer's items) */
} cn_registry_version_info;

#define CN_REGISTRY_VERSION_INFO_VERSION 1
#define CN_REGISTRY_VERSION_INFO_INIT                                                              \
    {                                                                                              \
        CN_REGISTRY_VERSION_INFO_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL        \
    }

/* Insert or update one version of an item. The item is described (title,
 * description, facets, search text, isBasedOn edges) by its newest version
 * that is not withdrawn, by semver precedence. Putting a version clears its
 * withdrawn mark (it is in the signed metadata again). Checks: node known
 * (CN_ENOTFOUND), ids and versions well formed, the manifest an object
 * whose kind (or publiccodeYmlVersion: a solution), id and version agree
 * with item, item_version and custom (CN_EINVAL naming the key). The
 * searchable text of an item is capped at 64 KiB. */
int cn_registry_put_version(cn_registry *reg, const cn_registry_version_info *info);

/* Insert or update a `replicates` attestation (docs/PROTOCOL.md §11) that
 * node signed_by published as target attestations/<id>.json. doc must have
 * type "replicates", by == signed_by (CN_EVERIFY otherwise: a node can only
 * attest for itself), subject.node/item/version, and may have
 * subject.commit/tag, date and as. The subject need not be known yet: the
 * edge appears in the graph as soon as it is. */
int cn_registry_put_attestation(cn_registry *reg, const char *signed_by, const char *id,
                                const json_t *doc, int64_t verified_at);

/* Bytes of a withdrawal reason the registry keeps. */
#define CN_REGISTRY_REASON_MAX 1000

/* Mark a version (or, with version NULL, every version of the item) as
 * withdrawn at unix time at, with a reason shown to people (may be NULL,
 * at most CN_REGISTRY_REASON_MAX bytes).
 * An item whose versions are all withdrawn is withdrawn. Withdrawn items
 * and versions stay in the index, marked. CN_ENOTFOUND if unknown. */
int cn_registry_withdraw(cn_registry *reg, const char *node_id, const char *item,
                         const char *version, int64_t at, const char *reason);

/* Mark an attestation withdrawn (it stays in the graph, marked, and no
 * longer counts as a replication). */
int cn_registry_withdraw_attestation(cn_registry *reg, const char *by_node, const char *id,
                                     int64_t at);

/* Mark and sweep for a full listing of a node's targets: mark_node flags
 * every version and attestation of node_id as unseen; each later
 * put_version / put_attestation of it flags that one seen; sweep_node
 * withdraws (at, "no longer in the signed targets") everything still
 * unseen and reports how many (withdrawn may be NULL). Use both inside one
 * cn_registry_begin/commit. */
int cn_registry_mark_node(cn_registry *reg, const char *node_id);
int cn_registry_sweep_node(cn_registry *reg, const char *node_id, int64_t at, size_t *withdrawn);
/* The same for a node whose targets list each item's newest version alone
 * (layout 2, PROTOCOL §4.1): an unseen version of an item that still has a
 * seen one was superseded, not withdrawn, and stays; an item none of whose
 * versions was seen is withdrawn whole. */
int cn_registry_sweep_node_items(cn_registry *reg, const char *node_id, int64_t at,
                                 size_t *withdrawn);

/* Is node_id (a full id) in the directory? 1 or 0; negative CN_E* on a
 * failure to read. A cheap check, without building the node's document. */
int cn_registry_has_node(cn_registry *reg, const char *node_id);

/* Does the registry ask to be fed everything again? 1 or 0; negative CN_E*
 * on a failure to read. A migration sets the mark when the new schema keeps
 * something only the repositories can tell (schema 2: each version's tree,
 * for its swh:1:dir: SWHID); the caller indexes this node and every peer
 * once and then clears the mark with cn_registry_reindex_done. */
int cn_registry_reindex_pending(cn_registry *reg);
int cn_registry_reindex_done(cn_registry *reg);

/* Forget a node: its row, items, versions and the attestations it made
 * (for `peer remove`; withdrawal is cn_registry_withdraw). */
int cn_registry_remove_node(cn_registry *reg, const char *node_id);

/* ---- queries --------------------------------------------------------- */

/* Facets: every item gets values for those of its manifest's fields that
 * exist (docs/api.yaml, "Facets", has the mapping). The facet name is also
 * the query parameter that filters on it. */
typedef enum {
    CN_FACET_KIND = 0,  /* kind: solution, dataset, strategy */
    CN_FACET_THEME,     /* theme: EU data theme code (AGRI ... TRAN) */
    CN_FACET_FIELD,     /* field: strategy field of action */
    CN_FACET_CITY,      /* city: the publishing node's name */
    CN_FACET_COUNTRY,   /* country: the publishing node's ISO 3166-1 code */
    CN_FACET_PROGRAMME, /* programme: funding programme / network */
    CN_FACET_LICENSE,   /* license: SPDX expression or licence URI */
    CN_FACET_STATUS,    /* status: development status (solution) or phase (strategy) */
    CN_FACET_CATEGORY,  /* category: publiccode.yml categories (solution) */
    CN_FACET_SCOPE,     /* scope: publiccode.yml intendedAudience.scope (solution) */
    CN_FACET_PLATFORM,  /* platform: publiccode.yml platforms (solution) */
    CN_FACET_KEYWORD,   /* keyword: keywords (dataset) */
    CN_FACET_COUNT      /* at most 32: search keeps a bit per facet */
} cn_registry_facet;

/* "kind", "theme", "field", ... */
const char *cn_registry_facet_name(cn_registry_facet facet);

typedef enum {
    CN_REGISTRY_SORT_DEFAULT = 0,  /* relevance with a search text, recent without */
    CN_REGISTRY_SORT_RELEVANCE,    /* BM25, then recent */
    CN_REGISTRY_SORT_RECENT,       /* newest published version first */
    CN_REGISTRY_SORT_REPLICATIONS, /* most replicating nodes first, then recent */
} cn_registry_sort;

typedef enum {
    CN_REGISTRY_WITHDRAWN_INCLUDE = 0, /* default: shown, marked */
    CN_REGISTRY_WITHDRAWN_EXCLUDE,
    CN_REGISTRY_WITHDRAWN_ONLY,
} cn_registry_withdrawn;

/* One request's parameters, parsed from a URL query string or set one by
 * one (the CLI). Each endpoint accepts a subset (docs/api.yaml) and refuses
 * the others by name. Zero-initialise with CN_REGISTRY_QUERY_INIT; free
 * what was set with cn_registry_query_clear. */
typedef struct {
    char *q;                                                      /* search text, or NULL */
    char *filters[CN_FACET_COUNT][CN_REGISTRY_FILTER_VALUES_MAX]; /* values, OR-ed per facet */
    size_t nfilters[CN_FACET_COUNT];
    char *node;    /* node id or prefix (>= 8 hex digits): only this node's items */
    char *version; /* items endpoint: which version (default: the newest) */
    cn_registry_sort sort;
    cn_registry_withdrawn withdrawn;
    unsigned page;     /* 1-based; 0: 1 */
    unsigned per_page; /* 0: CN_REGISTRY_PER_PAGE_DEFAULT */
    unsigned given;    /* bit (1 << CN_REGISTRY_PARAM_...) for each parameter set */
} cn_registry_query;

#define CN_REGISTRY_QUERY_INIT                                                                     \
    {                                                                                              \
        0                                                                                          \
    }

/* Bits of cn_registry_query.given. */
enum {
    CN_REGISTRY_PARAM_Q = 0,
    CN_REGISTRY_PARAM_FILTER, /* any facet filter */
    CN_REGISTRY_PARAM_NODE,
    CN_REGISTRY_PARAM_VERSION,
    CN_REGISTRY_PARAM_SORT,
    CN_REGISTRY_PARAM_WITHDRAWN,
    CN_REGISTRY_PARAM_PAGE,
    CN_REGISTRY_PARAM_PER_PAGE,
};

/* Set one parameter from its decoded value (value_len bytes; value may be
 * NULL for a bare "?key"). Parameters: q, the facet names (repeatable up to
 * CN_REGISTRY_FILTER_VALUES_MAX times), node, version, sort (relevance,
 * recent, replications), withdrawn (include, exclude, only), page,
 * per_page. Values must be UTF-8 without control characters and within
 * the bounds above. CN_EINVAL with a message naming the parameter:
 * "per_page: expected a whole number from 1 to 100, got '500'",
 * "unknown parameter 'foo'", "q: given more than once". An empty value
 * of q, or of a filter, is the same as leaving it out. */
int cn_registry_query_set(cn_registry_query *q, const char *key, const char *value,
                          size_t value_len);

/* Parse a raw URL query string ("q=Mobilit%C3%A4t&kind=strategy", without
 * the '?'): split on '&', percent-decode keys and values ('+' is a space, as
 * HTML forms send it; %00 and malformed escapes are refused), then
 * cn_registry_query_set each. At most CN_REGISTRY_QUERY_STRING_MAX bytes. */
int cn_registry_query_parse(cn_registry_query *q, const char *query_string);

void cn_registry_query_clear(cn_registry_query *q);

/* GET /api/v1/search: the items that match q's text and filters, one page
 * of them in q's order, the total count and the facet counts.
 *
 * The text is split on white space into at most CN_REGISTRY_TERMS_MAX
 * words; each word goes through the FTS5 tokenizer and becomes a quoted
 * phrase (so FTS5 syntax in user text - quotes, *, -, NEAR(, OR, column
 * filters - is only ever searched for as words); all words must match. The
 * last word is a prefix ("mobil" finds "Mobilität") unless the text ends
 * in white space or the word is a single character. German spellings
 * without umlauts also match: a word with ae/oe/ue also matches with a/o/u
 * ("Mobilitaet" finds "Mobilität"), and ss also matches ß. Text without
 * any word character is the same as no text.
 *
 * Facet counts are disjunctive: the counts of a facet apply every filter
 * except that facet's own, so a page can offer "or" choices within a facet.
 * Accepts q, the facets, node, sort, withdrawn, page, per_page. */
int cn_registry_search(json_t **out, cn_registry *reg, const cn_registry_query *q);

/* GET /api/v1/items/<node>/<item>[?version=V]: one item with one version
 * (default: the newest not withdrawn) in full: manifest, target custom data
 * (commit, tag), signers, when it was published and verified, withdrawn
 * marks, the item's facet values, a short list of all versions and its
 * replication count. node is a full id or a unique prefix of >= 8 hex
 * digits. query may be NULL; accepts version. */
int cn_registry_item(json_t **out, cn_registry *reg, const char *node, const char *item,
                     const cn_registry_query *query);

/* GET /api/v1/items/<node>/<item>/versions: every version, newest first by
 * semver precedence, withdrawn ones included and marked. */
int cn_registry_versions(json_t **out, cn_registry *reg, const char *node, const char *item);

/* GET /api/v1/nodes: the directory of known nodes with their item counts,
 * ordered by name. query may be NULL; accepts q (part of the name, case
 * insensitive), country, programme, page, per_page. */
int cn_registry_nodes(json_t **out, cn_registry *reg, const cn_registry_query *query);

/* GET /api/v1/nodes/<node>: one node of the directory, with its profile. */
int cn_registry_node(json_t **out, cn_registry *reg, const char *node);

/* GET /api/v1/graph/<node>/<item>: the replication graph around an item:
 * the items it is based on or replicates (upstream) and the nodes and items
 * that replicated it (downstream), transitively up to 4 steps and 200
 * graph nodes ("truncated" says when more exist). Edges come from signed
 * `replicates` attestations and from manifests' isBasedOn URLs (a
 * citynode git URL .../git/<node id>/<item>.git, or the `url` of a known
 * solution); an isBasedOn URL the registry cannot resolve is an external
 * graph node. */
int cn_registry_graph(json_t **out, cn_registry *reg, const char *node, const char *item);

/* ---- linked data ----------------------------------------------------- */

/* The schema.org description of an item version (query: version, as
 * cn_registry_item), as JSON-LD for its page (docs/SCHEMAORG.md): a
 * SoftwareSourceCode (solution), Dataset or CreativeWork (strategy) with
 * the properties its manifest gives, the publishing node as publisher, and
 * the version's SWHIDs as identifiers (PropertyValue "SWHID") and
 * archivedAt links to the Software Heritage archive. Links are built on
 * base_url (http or https, no query; NULL: the node's url in the registry):
 * @id and url are the item's page <base>/?item=<node>/<item>, with
 * &version=V when query asks for a version. The strings
 * are the manifest's text unchanged: escape '<' before putting the
 * document into HTML. CN_EINVAL without a usable base URL; otherwise as
 * cn_registry_item. */
int cn_registry_item_schemaorg(json_t **out, cn_registry *reg, const char *node, const char *item,
                               const cn_registry_query *query, const char *base_url);

/* GET /api/v1/items/<node>/<item>/codemeta.json[?version=V]: a solution's
 * publiccode.yml crosswalked to CodeMeta 3.0 (docs/CODEMETA.md): name,
 * description, version, licence as an SPDX URL, code repository,
 * development status (repostatus.org), categories, maintainers, funders,
 * dates, and the version's SWHIDs as identifier. url is the manifest's
 * landingURL, else the item's page on base_url (NULL: the node's url in the
 * registry; left out when neither is usable). CN_ENOTFOUND for an item that
 * is not a solution; otherwise as cn_registry_item. */
int cn_registry_item_codemeta(json_t **out, cn_registry *reg, const char *node, const char *item,
                              const cn_registry_query *query, const char *base_url);

/* ---- HTTP glue ------------------------------------------------------- */

/* Answer a GET of path (starting with "/api/v1/", without the query string)
 * with query's parameters: routes to the functions above, and always sets
 * *out to the JSON document to send and *status to the HTTP status: 200;
 * 400 for bad parameters or a malformed path, 404 for an unknown node,
 * item, version or endpoint, 500 otherwise. An error document is
 * {"error": {"status": 400, "message": "..."}}; a 500's says only
 * "internal error in the registry", so log cn_error_message(). Returns 0
 * on 200, else the CN_E* code. query may be NULL (no parameters).
 *
 * For serve: fill query with cn_registry_query_parse from the raw query
 * string when the server keeps it (libmicrohttpd strips it from the URL it
 * hands over; MHD_OPTION_URI_LOG_CALLBACK sees the whole URI), or with
 * cn_registry_query_set per argument from MHD_get_connection_values_n
 * (which gives value lengths, so an embedded %00 is refused). Keep one
 * handle per server thread. */
int cn_registry_api_get(json_t **out, int *status, cn_registry *reg, const char *path,
                        const cn_registry_query *query);

/* The HTTP status for a CN_E* code (0: 200) and the error document for the
 * current error message (new reference). */
int cn_registry_http_status(int err);
json_t *cn_registry_error_json(int status, const char *message);

/* ---- Atom feeds ------------------------------------------------------ */

#define CN_REGISTRY_FEED_ENTRIES 50 /* entries of a feed (a search feed's default page) */

/* GET of an Atom 1.0 feed (RFC 4287; docs/api.yaml, "Feeds"), appended to
 * out as UTF-8 XML: path is one of
 *   /api/v1/items.atom                           the registry's items, newest first
 *   /api/v1/search.atom                          a search: query takes what
 *                                                cn_registry_search takes (sort
 *                                                default recent, per_page 50)
 *   /api/v1/nodes/<node>/versions.atom           a node's versions and withdrawals
 *   /api/v1/items/<node>/<item>/versions.atom    one item's versions
 * and the other feeds take no parameters. The newest
 * CN_REGISTRY_FEED_ENTRIES entries, one per version; each entry's id is a
 * UUID of node, item and version (the same in every registry), its updated
 * time the version's signed publication or its withdrawal. Links are built
 * on base_url (no trailing '/'); self is the feed's path and query string
 * as requested (its rel="self" link and, on base_url, the feed's id).
 * *updated is the newest entry's time (0 when there is none), for
 * Last-Modified. Errors as cn_registry_api_get's: CN_EINVAL (400),
 * CN_ENOTFOUND (404), others (500). query may be NULL. */
int cn_registry_feed(cn_buf *out, int64_t *updated, cn_registry *reg, const char *path,
                     const cn_registry_query *query, const char *base_url, const char *self);

/* ---- DCAT-AP export ------------------------------------------------- */

/* GET /dcat/catalog.jsonld (and .ttl): the datasets node_id publishes as a DCAT-AP
 * catalog in JSON-LD (serve it as application/ld+json), readable by CKAN's
 * DCAT harvester (ckanext-dcat) and other DCAT-AP portals: a dcat:Catalog
 * titled with the node's name with one dcat:Dataset per dataset item that
 * is not withdrawn, described by its newest version that is not withdrawn
 * (withdrawn datasets are left out), its manifest's distributions and the
 * signed full.bundle as dcat:Distributions. docs/DCAT.md has the mapping.
 *
 * IRIs are built on base_url, the URL the node is reached at (http or
 * https, no query; a trailing '/' is dropped), or when NULL on the node's
 * url in the registry: <base>/api/v1/items/<node>/<item> for a dataset,
 * <base>/?item=<node>/<item> for its landing page (unless the manifest has
 * a landingPage), <base>/download/<node>/<item>/<version>/full.bundle for
 * its bundle. node_id is a full id or a unique prefix of >= 8 hex digits.
 * CN_ENOTFOUND for an unknown node, CN_EINVAL without a usable base URL,
 * CN_ELIMIT beyond 10,000 datasets or 64 MiB of manifests. */
int cn_registry_dcat_catalog(json_t **out, cn_registry *reg, const char *node_id,
                             const char *base_url);

/* The solutions of node_id as an ADMS-AP 2.0 catalog in JSON-LD (GET
 * /adms/catalog.jsonld; cn_registry_dcat_turtle gives its Turtle), for the
 * Interoperable Europe Portal's federation: each solution an asset with
 * one release per version and its distributions (docs/ADMS.md). Errors as
 * for cn_registry_dcat_catalog (beyond 10,000 solutions). */
int cn_registry_adms_catalog(json_t **out, cn_registry *reg, const char *node_id,
                             const char *base_url);
/* Every solution of the network the registry knows (this node's and those
 * of the nodes it follows), each as its publisher's ADMS-AP catalog
 * describes it, under the publisher's URL (GET /adms/network.jsonld, .ttl).
 * self_id and base_url are the serving node's, as for
 * cn_registry_adms_catalog; CN_ELIMIT beyond 10,000 solutions. */
int cn_registry_adms_network(json_t **out, cn_registry *reg, const char *self_id,
                             const char *base_url);

/* The network catalog: GET /dcat/network.jsonld (and .ttl) ?page=N
 * (&per_page=M). */
#define CN_REGISTRY_DCAT_PER_PAGE     100
#define CN_REGISTRY_DCAT_PER_PAGE_MAX 1000

/* Which page of the network catalog, and where it is served. */
typedef struct {
    const char *base_url; /* the serving node's URL, as for cn_registry_dcat_catalog */
    const char *ext;      /* "jsonld" or "ttl": the format the page URLs name */
    size_t page;          /* from 1; 0 is 1 */
    size_t per_page;      /* 0: CN_REGISTRY_DCAT_PER_PAGE; at most ..._MAX */
} cn_registry_dcat_page;
#define CN_REGISTRY_DCAT_PAGE_INIT                                                                 \
    {                                                                                              \
        NULL, "jsonld", 1, 0                                                                       \
    }

/* The datasets of the whole network the registry of self_id knows (its
 * own, and every node's it follows, mirror and index peers alike), one
 * page of them, as a DCAT-AP catalog in JSON-LD: {"@context", "@graph":
 * [the dcat:Catalog <base>/dcat/network.jsonld, its hydra:PagedCollection
 * page as ckanext-dcat pages its catalog (totalItems, itemsPerPage,
 * firstPage, lastPage, nextPage, previousPage)]}. Datasets are ordered by
 * node id and item. Each is described as its publisher's own catalog
 * describes it (IRIs under the publisher's URL, so the descriptions of
 * several catalogs merge instead of duplicating), with this node's
 * verified copy of the bundle as one more distribution when it mirrors it;
 * each has a dcat:CatalogRecord <base>/dcat/datasets/<node>/<item>.jsonld
 * whose dct:source is the record of the publisher's catalog. CN_ENOTFOUND
 * for a page past the last, CN_EINVAL for bad options, as
 * cn_registry_dcat_catalog otherwise. */
int cn_registry_dcat_network(json_t **out, cn_registry *reg, const char *self_id,
                             const cn_registry_dcat_page *opts);

/* GET /dcat/datasets/<node>/<item>.jsonld (and .ttl): one dataset of the
 * network catalog at its own URL, {"@context", "@graph": [its
 * dcat:CatalogRecord, its dcat:Dataset]}. node_id is a full id or a unique
 * prefix; CN_ENOTFOUND when the registry has no live dataset there. */
int cn_registry_dcat_record(json_t **out, cn_registry *reg, const char *self_id,
                            const char *base_url, const char *node_id, const char *item);

/* The JSON-LD documents above as Turtle (text/turtle): the same triples,
 * with the prefixes of their @context. *out is the caller's to free. */
int cn_registry_dcat_turtle(char **out, const json_t *doc);

#endif

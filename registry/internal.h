/*
 * internal.h - what the files of registry/ share and nobody else sees: the
 * handle, its cached statements, the in-memory copy of the index used by
 * search (the "snapshot"), and the helpers between them.
 */
#ifndef CN_REGISTRY_INTERNAL_H
#define CN_REGISTRY_INTERNAL_H

#include "core/buf.h"
#include "registry/registry.h"

#include <sqlite3.h>
#include <stdint.h>

/* Statements prepared once per handle (registry/tables.c has their SQL). */
typedef enum {
    ST_NODE_BY_ID,
    ST_NODE_INSERT,
    ST_NODE_UPDATE,
    ST_ITEM_LOOKUP,
    ST_ITEM_INSERT,
    ST_ITEM_UPDATE,
    ST_VERSION_UPSERT,
    ST_VERSIONS_OF_ITEM,
    ST_FACET_VALUE_ID,
    ST_FACET_VALUE_INSERT,
    ST_ITEM_FACETS_DELETE,
    ST_ITEM_FACET_INSERT,
    ST_FTS_DELETE,
    ST_FTS_INSERT,
    ST_BASED_ON_DELETE,
    ST_BASED_ON_INSERT,
    ST_REPLICATIONS_COUNT,
    ST_REPLICATIONS_SET,
    ST_ATTESTATION_UPSERT,
    ST_ITEM_DISPLAY,
    ST_DATA_VERSION,
    ST_GENERATION,
    ST_BASED_ON_TARGETS,
    ST_ITEM_NODE_FIELDS,
    ST_NODE_ITEMS,
    ST_ITEM_KIND,
    ST_SEARCH,
    ST_COUNT
} cn_registry_stmt;

/* One item as search needs it, indexed by its id (= reg_fts rowid). */
typedef struct {
    int64_t updated;       /* recency key */
    uint32_t replications; /* replicating nodes */
    uint32_t doclen;       /* tokens in its FTS row, for BM25 */
    uint32_t facet_off;    /* its facet value ids: snap->facet_ids[facet_off ...] */
    uint32_t node;         /* reg_nodes.id */
    uint16_t nfacets;
    uint8_t withdrawn;
    uint8_t present;
} cn_snap_item;

typedef struct {
    uint8_t facet; /* cn_registry_facet */
    char *value;
} cn_snap_value;

typedef struct {
    cn_snap_item *items; /* indexed by item id, 0 .. max_id */
    size_t nitems;       /* max_id + 1 */
    size_t count;        /* items present */
    uint32_t *facet_ids; /* dense value indexes into values[] */
    size_t nfacet_ids;
    cn_snap_value *values; /* indexed by dense value index */
    size_t nvalues;
    int64_t data_version; /* PRAGMA data_version when last checked */
    int64_t generation;   /* reg_meta's generation when loaded */
} cn_snapshot;

/* A search in progress (registry/search.c). */
typedef struct cn_reg_search cn_reg_search;

/* A match kept by cn_match() until the IDF is known. */
typedef struct {
    int64_t rowid;
    double freq;
    double doclen;
} cn_reg_match;

struct cn_registry {
    sqlite3 *db;
    sqlite3_stmt *stmts[ST_COUNT];
    int in_txn;               /* inside cn_registry_begin */
    int snap_stale;           /* this handle wrote since the snapshot was loaded */
    cn_snapshot *snap;        /* NULL until the first search */
    unsigned long snap_loads; /* how often it was (re)loaded: for tests */
    fts5_api *fts;            /* FTS5's API on this connection */
    fts5_tokenizer tok_api;   /* unicode61's methods ... */
    Fts5Tokenizer *tokenizer; /* ... and one instance with remove_diacritics 2 */
    cn_reg_search *search;    /* the search cn_match() works for, or NULL */
    cn_reg_match *matches;    /* cn_match()'s buffer, kept between searches */
    size_t matches_cap;
};

/* ---- tables.c ---- */

/* Create the tables (IF NOT EXISTS) and check the schema version. */
int cn_reg_tables_create(cn_registry *reg);
/* The cached statement, reset and with bindings cleared (prepared on first
 * use); NULL with the error recorded if it cannot be prepared. */
sqlite3_stmt *cn_reg_stmt(cn_registry *reg, cn_registry_stmt which);

/* ---- db.c ---- */

/* Record a SQLite failure ("state.db: what: sqlite message") as CN_ERROR. */
int cn_reg_sqlite_error(cn_registry *reg, const char *what);
/* One snapshot for a document's reads: BEGIN unless the caller is inside a
 * transaction (*began says which); cn_reg_read_end ends what it began. */
int cn_reg_read_begin(cn_registry *reg, int *began);
void cn_reg_read_end(cn_registry *reg, int began);
/* Step a bound statement to completion (a write, or one whose rows do not
 * matter) and reset it. st NULL (cn_reg_stmt failed, its error recorded)
 * is CN_ERROR; what names the step in a SQLite error. */
int cn_reg_step_done(cn_registry *reg, sqlite3_stmt *st, const char *what);
/* Step a bound statement that reads at most one row, and reset it: 1 with
 * its column 0 in *out (out may be NULL) when there is a row, 0 when there
 * is none, else the error as cn_reg_step_done. */
int cn_reg_step_one(int64_t *out, cn_registry *reg, sqlite3_stmt *st, const char *what);
/* Run a write as one unit: a savepoint inside cn_registry_begin, else its
 * own BEGIN IMMEDIATE transaction. end with the result of the work: 0
 * releases/commits, anything else rolls back. */
int cn_reg_write_begin(cn_registry *reg);
int cn_reg_write_end(cn_registry *reg, int err);
/* Resolve a node reference (full id or unique prefix of >= 8 hex digits)
 * to its full id (out has 65 bytes) and row id (may be NULL). */
int cn_reg_resolve_node(char out[65], int64_t *rowid, cn_registry *reg, const char *ref);
/* 1 if s[0..n) is a full node id: 64 lowercase hex digits (cn_hex_is_lower
 * of core/buf.h checks other lengths). */
int cn_reg_is_node_id(const char *s, size_t n);
/* Check a full node id: 64 lowercase hex digits. what names it in the error. */
int cn_reg_check_node_id(const char *id, const char *what);
/* The item row id of node/item (node a full id), CN_ENOTFOUND if none. */
int cn_reg_item_id(int64_t *out, cn_registry *reg, const char *node_id, const char *item);
/* "YYYY-MM-DDTHH:MM:SSZ" for a unix time, as a new JSON string; JSON null
 * for 0. */
json_t *cn_reg_time_json(int64_t t);
/* A text column as a new JSON string, JSON null for SQL NULL. */
json_t *cn_reg_column_json_string(sqlite3_stmt *st, int col);
/* A column holding JSON text, parsed (JSON null for SQL NULL or bad JSON). */
json_t *cn_reg_column_json(sqlite3_stmt *st, int col);
/* Add value to obj under key, stealing the reference; CN_ENOMEM if either
 * is NULL. */
int cn_reg_set(json_t *obj, const char *key, json_t *value);

/* Check an attestation id: 1 to 200 letters, digits, '-', '_' or '.', not
 * starting with '.'. */
int cn_reg_check_attestation_id(const char *id);
/* Look up node_id (a full id): as cn_reg_step_one, with the node's row id
 * in *rowid (may be NULL). */
int cn_reg_node_row(int64_t *rowid, cn_registry *reg, const char *node_id, const char *what);
/* 0 if the registry has node_id (a full id), CN_ENOTFOUND if not. */
int cn_reg_node_known(cn_registry *reg, const char *node_id);

/* ---- refresh.c: an item's derived state, and lists of item ids ---- */

/* A set of row ids (no duplicates), grown on demand; free v when done. */
typedef struct {
    int64_t *v;
    size_t n, cap;
} cn_reg_id_list;

/* Add id to l unless it is there already. */
int cn_reg_ids_add(cn_reg_id_list *l, int64_t id);
/* Run st (bound) and add column 0 of each row to l. */
int cn_reg_ids_collect(cn_reg_id_list *l, cn_registry *reg, sqlite3_stmt *st);
/* Recount the replications of one item / of each item in l. */
int cn_reg_recount(cn_registry *reg, int64_t item_id);
int cn_reg_recount_all(cn_registry *reg, const cn_reg_id_list *l);
/* Recount the item an attestation is about, if the registry knows it. */
int cn_reg_recount_subject(cn_registry *reg, const char *node, const char *item);
/* Recompute everything derived from an item's versions: its reg_items row,
 * facets, FTS row, isBasedOn edges and the replication counts they touch.
 * Called inside a write (cn_reg_write_begin). */
int cn_reg_refresh_item(cn_registry *reg, int64_t item_id);

/* ---- extract.c: a manifest and its node, as the index sees them ---- */

typedef struct {
    const char *kind;  /* points into the manifest or a constant */
    char *title;       /* display title */
    char *description; /* display description */
    char *url;         /* normalised publiccode url (for isBasedOn), or NULL */
    cn_buf fts_title;  /* searchable text, per FTS column */
    cn_buf fts_description;
    cn_buf fts_keywords;
    json_t *facets; /* [[facet index, value], ...], at most CN_REG_ITEM_FACET_VALUES_MAX
                       per facet */
    uint16_t nfacet_values[CN_FACET_COUNT];
    json_t *based_on; /* [[url, url key, ref node or null, ref item or null], ...] */
} cn_reg_extract;

/* Values of one facet an item gets at most (a manifest's first ones): the
 * keywords, categories or fields of action of one item cannot swell the
 * facet tables. */
#define CN_REG_ITEM_FACET_VALUES_MAX 100

/* The node fields extract needs (from reg_nodes). */
typedef struct {
    const char *name;
    const char *country;
    const json_t *programmes; /* array of strings, or NULL */
} cn_reg_node_fields;

/* Derive everything the index keeps of an item version from its manifest.
 * kind must be known (solution, dataset, strategy). */
int cn_reg_extract_manifest(cn_reg_extract *out, const json_t *manifest, const char *kind,
                            const char *item_id, const cn_reg_node_fields *node);
void cn_reg_extract_clear(cn_reg_extract *x);
/* The kind of a manifest: its "kind", or "solution" for a publiccode.yml;
 * NULL if neither. */
const char *cn_reg_manifest_kind(const json_t *manifest);
/* Normalise a URL for matching: no trailing '/' or ".git", scheme and host
 * lower-cased. Heap string, NULL on allocation failure. */
char *cn_reg_url_key(const char *url);
/* Parse a citynode git URL ".../git/<64 hex>/<slug>.git[/]": 1 and the
 * parts when it is one, else 0. */
int cn_reg_parse_git_url(const char *url, char node[65], char item[64]);
/* The labels of an EU data theme code ({"en": ..., "de": ...}), or NULL. */
json_t *cn_reg_theme_label(const char *code);

/* ---- schemaorg.c: schema.org pieces (codemeta.c uses them too) ---- */

/* A string member of obj, or NULL. */
const char *cn_reg_str(const json_t *obj, const char *key);
/* Set key to value (stolen) unless value is NULL, null, "" or []; CN_ENOMEM
 * only when setting fails. */
int cn_reg_set_opt(json_t *obj, const char *key, json_t *value);
/* s as a new JSON string when it is an http(s) URL without white space,
 * else NULL. */
json_t *cn_reg_http_url(const char *s);
/* A licence for schema.org and CodeMeta: an http(s) URL as it is, one
 * SPDX id as its page https://spdx.org/licenses/<id>.html, an SPDX
 * expression as its text; NULL for none. */
json_t *cn_reg_license_json(const char *license);
/* The known SWHIDs of a version document (rel, rev, dir order) as a new
 * array of strings. */
json_t *cn_reg_swhid_list(const json_t *version);
/* {"@type": type, "name", "url"?, "email"?} of a manifest's agent (name
 * required), or NULL. */
json_t *cn_reg_agent_json(const char *type, const json_t *agent);
/* The publishing node of an item document as a GovernmentOrganization. */
json_t *cn_reg_node_org(const json_t *doc);
/* A publiccode.yml's maintenance.contacts as Persons (a new array). */
json_t *cn_reg_publiccode_maintainers(const json_t *manifest);
/* The description language of a publiccode.yml the registry shows (en,
 * then de, then the first), or NULL. */
const json_t *cn_reg_publiccode_lang(const json_t *manifest);
/* s cut to at most max bytes at a UTF-8 character boundary and without
 * trailing white space, as a new JSON string; NULL for NULL. */
json_t *cn_reg_capped_string(const char *s, size_t max);
/* The base URL for an item's links into out (no trailing '/'): base_url,
 * else the url of the item document's node; CN_EINVAL when neither is an
 * http(s) URL without query or fragment that fits. */
int cn_reg_base_url(char *out, size_t outlen, const char *base_url, const json_t *doc);

/* ---- logo.c ---- */

/* The record of a logo as reg_nodes.logo keeps it (JSON text, malloc'ed),
 * NULL for NULL or when out of memory. */
char *cn_reg_logo_text(const cn_registry_logo *logo);

/* ---- snapshot.c ---- */

/* Register the FTS5 function cn_bm25() and find the tokenizer; called once
 * by cn_registry_open. */
int cn_reg_fts_init(cn_registry *reg);
/* The tokens FTS5 counts for text in a column's size. */
int cn_reg_count_tokens(int64_t *out, cn_registry *reg, const char *text, size_t len);
/* Make reg->snap current (reload when state.db or this handle changed it).
 * Called inside a read transaction. */
int cn_reg_snapshot_refresh(cn_registry *reg);
void cn_reg_snapshot_free(cn_snapshot *snap);

/* ---- query.c ---- */

/* The search text as FTS5 sees it: at most this many phrases (spellings of
 * all the words); a word whose spellings do not fit gets its own only. */
#define CN_REG_PHRASES_MAX 48
typedef struct {
    char *expr;    /* the MATCH expression; NULL when the text has no words */
    json_t *terms; /* the words as the tokenizer made them (JSON strings) */
    int prefix;    /* the last word is a prefix */
    size_t nwords;
    size_t nphrases;                  /* FTS5 phrases in expr, in FTS5's order ... */
    uint8_t word[CN_REG_PHRASES_MAX]; /* ... and the word each one spells */
} cn_reg_fts_query;

/* Build the FTS5 query for a search text (see the top of query.c). */
int cn_reg_fts_query_build(cn_reg_fts_query *out, cn_registry *reg, const char *text);
void cn_reg_fts_query_clear(cn_reg_fts_query *q);
/* CN_EINVAL naming the first parameter set in q that is not in allowed
 * (a mask of 1 << CN_REGISTRY_PARAM_*), for endpoint (e.g. "/api/v1/nodes"). */
int cn_reg_query_check_allowed(const cn_registry_query *q, unsigned allowed, const char *endpoint);
const char *cn_reg_sort_name(cn_registry_sort sort);

/* ---- match.c, search.c ---- */

/* cn_match(): see registry/match.c. */
void cn_reg_match_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                           int nargs, sqlite3_value **args);
/* Count item id's facets and offer it, with its score, to the search's
 * page; ignored when the item is not in the copy or fails a filter. */
void cn_reg_consider(cn_reg_search *s, int64_t id, double score);
/* Does the search rank by relevance? Has cn_match() seen every match?
 * Which query is it? */
int cn_reg_search_ranked(const cn_reg_search *s);
const cn_reg_fts_query *cn_reg_search_query(const cn_reg_search *s);
int cn_reg_search_done(const cn_reg_search *s);
void cn_reg_search_set_done(cn_reg_search *s);

/* ---- dcat_vocab.c ---- */

/* The code in the EU file type table of a manifest format (any case), e.g.
 * "CSV"; NULL when the table has none. */
const char *cn_dcat_file_type(const char *format);
/* The EU frequency code of an accrualPeriodicity of the schema, e.g.
 * "ANNUAL"; NULL for another value. */
const char *cn_dcat_frequency(const char *value);
/* The EU language code (ISO 639-3, e.g. "DEU") of a BCP 47 tag's primary
 * language given as ISO 639-1, 639-2/T or 639-2/B; NULL when the table has
 * none. */
const char *cn_dcat_language(const char *tag);
/* The path under http://dcat-ap.de/def/licenses/ (e.g. "cc-by/4.0") of a
 * licence URL people write for one of DCAT-AP.de's licences; NULL for any
 * other URI (DCAT-AP.de's own IRIs included: they are written as given). */
const char *cn_dcat_license(const char *uri);
/* DCAT-AP.de's political geocoding vocabulary (e.g. "municipalityKey") of
 * an AGS/ARS key given as 2, 3, 5, 8, 9 or 12 digits; NULL otherwise. */
const char *cn_dcat_geocoding_key(const char *digits);

#endif

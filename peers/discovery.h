/*
 * discovery.h - what nodes say about other nodes (docs/PROTOCOL.md §10):
 * the peers.json a node vouches for, a coordinator's network.json, and the
 * networks this node chose to trust (a table in state.db).
 *
 * Both documents are targets of their publisher, so what reaches these
 * functions has been read through the publisher's verified mirror
 * (peers/mirror.h); its content is still untrusted input and is parsed with
 * caps and checked field by field.
 *
 * Trusting a network means: every member the coordinator's verified
 * network.json lists is added as a peer with its node id pinned (the
 * member's 1.root.json must hash to the listed id, cn_peers_add's `expect`)
 * and `via` "network:<coordinator id>". A member whose root does not hash to
 * its id is refused and not added.
 */
#ifndef CN_DISCOVERY_PEERS_H
#define CN_DISCOVERY_PEERS_H

#include "peers/peers.h"
#include "schemas/diag.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Caps for the documents (bytes, entries, name lengths). */
#define CN_DISCOVERY_DOC_MAX     (1024 * 1024)
#define CN_DISCOVERY_MAX_ENTRIES 1000
#define CN_DISCOVERY_NAME_MAX    200
#define CN_DISCOVERY_URL_MAX     2048

/* ---------------------------------------------------------------------------
 * peers.json: {"peers": [{"node", "name"?, "url", "policy"?}]}
 * ------------------------------------------------------------------------- */

typedef struct {
    char node_id[CN_PEER_ID_HEX + 1];
    char *name; /* control characters replaced by '?', or NULL */
    char *url;  /* http(s) URL, no whitespace or control characters */
    cn_peer_policy policy;
} cn_peers_doc_entry;

/* Parse the bytes of a peers.json (at most CN_DISCOVERY_DOC_MAX, at most
 * CN_DISCOVERY_MAX_ENTRIES entries). CN_EINVAL naming `what` and the entry
 * for anything malformed. Free with cn_peers_doc_free. */
int cn_peers_doc_parse(cn_peers_doc_entry **out, size_t *n, const void *data, size_t len,
                       const char *what);
void cn_peers_doc_free(cn_peers_doc_entry *entries, size_t n);

/* ---------------------------------------------------------------------------
 * network.json: {"network", "description"?, "members": [{"node", "name", "url"}]}
 * ------------------------------------------------------------------------- */

typedef struct {
    char node_id[CN_PEER_ID_HEX + 1];
    char *name; /* control characters replaced by '?' */
    char *url;
} cn_network_member;

typedef struct {
    char *network;     /* control characters replaced by '?' */
    char *description; /* or NULL */
    cn_network_member *members;
    size_t nmembers;
} cn_network_doc;

/* Validate a network document against schemas/network.schema.json and
 * check that no member id is listed twice. 0 if valid; CN_EINVAL with one
 * diagnostic per problem in diags (key path, line 0: the caller places them
 * in its file); other codes for resource failures. */
int cn_network_doc_validate(const json_t *doc, cn_diagnostics *diags);

/* Parse and validate the bytes of a network.json (at most
 * CN_DISCOVERY_DOC_MAX). CN_EINVAL with a message naming `what` and the
 * first problem. Free with cn_network_doc_free. */
int cn_network_doc_parse(cn_network_doc **out, const void *data, size_t len, const char *what);
void cn_network_doc_free(cn_network_doc *doc);

/* ---------------------------------------------------------------------------
 * Trusted networks (table network_trust in state.db)
 * ------------------------------------------------------------------------- */

typedef struct {
    char coordinator[CN_PEER_ID_HEX + 1];
    cn_peer_policy policy; /* for the members it adds */
    int64_t added;         /* unix time */
    char *applied_sha256;  /* network.json whose members were all handled, or NULL */
} cn_network_trust;

/* Trust the network document of coordinator (a full node id), adding its
 * members with policy. Trusting again changes the policy and makes the next
 * cn_network_apply handle every member again. */
int cn_network_trust_set(cn_peers *db, const char *coordinator, cn_peer_policy policy);

/* Every trusted coordinator, ordered by id. Free with cn_network_trust_list_free. */
int cn_network_trust_list(cn_network_trust **out, size_t *n, cn_peers *db);
void cn_network_trust_list_free(cn_network_trust *list, size_t n);

/* What happened to one member in cn_network_apply. */
typedef enum {
    CN_MEMBER_ADDED = 0, /* now followed, id pinned */
    CN_MEMBER_KNOWN,     /* a peer already (any policy, block included): left as it is */
    CN_MEMBER_SELF,      /* this node */
    CN_MEMBER_REFUSED,   /* its root does not hash to the listed id (err CN_EVERIFY) */
    CN_MEMBER_FAILED,    /* could not be reached or stored; tried again next time */
} cn_member_outcome;

typedef struct {
    char node_id[CN_PEER_ID_HEX + 1];
    char *name;
    char *url;
    cn_member_outcome outcome;
    int err;     /* 0 or the CN_E* code of a refused or failed member */
    char *error; /* its message, or NULL */
} cn_network_member_result;

typedef struct {
    char coordinator[CN_PEER_ID_HEX + 1];
    char *network; /* the document's network name, or NULL if not read */
    int unchanged; /* 1: the document was handled before, nothing done */
    cn_network_member_result *members;
    size_t nmembers;
} cn_network_apply_result;

typedef struct {
    unsigned int version;    /* CN_NETWORK_APPLY_OPTIONS_VERSION */
    const char *mirrors_dir; /* required */
    const char *self_id;     /* required: this node is never added */
    int force;               /* 1: handle every member even if the document is unchanged */
    long connect_timeout_s;  /* passed to cn_peers_add; 0: its default */
    long timeout_s;          /* passed to cn_peers_add; 0: its default */
} cn_network_apply_options;

#define CN_NETWORK_APPLY_OPTIONS_VERSION 1
#define CN_NETWORK_APPLY_OPTIONS_INIT                                                              \
    {                                                                                              \
        CN_NETWORK_APPLY_OPTIONS_VERSION, NULL, NULL, 0, 0, 0                                      \
    }

/* Read the trusted coordinator's verified network.json from its mirror and
 * add every member that is not a peer yet (see the top of this file). When
 * the document is the one already handled (same sha256) and opts->force is
 * 0, nothing is done (*out.unchanged = 1). The document counts as handled
 * when no member failed for a transient reason. Returns 0, or the most severe
 * member code (CN_EVERIFY over CN_ENET over others), or the code of reading
 * the document (CN_ENOTFOUND if the coordinator is not trusted or has not
 * published network.json). *out is filled either way; free with
 * cn_network_apply_result_clear. */
int cn_network_apply(cn_network_apply_result *out, cn_peers *db, const char *coordinator,
                     const cn_network_apply_options *opts);
void cn_network_apply_result_clear(cn_network_apply_result *r);

#endif

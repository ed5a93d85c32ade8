/*
 * support_registry.h - what the unit tests of registry/ share: a registry
 * in a fresh temporary directory (and cmocka setup/teardown for one), node
 * ids, putting nodes and manifests, searching and reading the answers, and
 * the two data sets the tests load: the sample manifests under examples/
 * and a small mix of kinds, themes and cities. support_registry.c is
 * compiled into every test program of the layer (CMakeLists.txt); the
 * helpers fail the running cmocka test when a step that must work does not.
 */
#ifndef CN_TEST_SUPPORT_REGISTRY_H
#define CN_TEST_SUPPORT_REGISTRY_H

#include "registry/registry.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char dir[256]; /* $TMPDIR/cn-<name>-XXXXXX */
    char db[300];  /* <dir>/state.db */
    cn_registry *reg;
} temp_registry;

/* Create the directory and open a registry in it; -1 (with a line on
 * stderr) if either fails. */
int temp_registry_open(temp_registry *t, const char *name);

/* Free the registry and remove the directory with everything in it. */
void temp_registry_close(temp_registry *t);

/* cmocka setup and teardown: each test gets a temp_registry of its own
 * (allocated, in *state) in a fresh directory. */
int temp_registry_setup(void **state);
int temp_registry_teardown(void **state);

/* The node id the tests give a node: the SHA-256 of its name, in hex. */
void node_id_of(char out[65], const char *name);

/* Put the node called name (its id from node_id_of) with a profile of that
 * name and country, and the programme if not NULL; fails the test on error. */
void put_node(cn_registry *reg, const char *name, const char *country, const char *programme);

/* Put the node called name (its id from node_id_of) at url, with source;
 * fails the test on error. */
void put_node_at(cn_registry *reg, const char *name, const char *url, cn_registry_source source);

/* Put a version of m from node (by name) with no signers and no custom
 * data; fails the test on error. */
void put_unsigned_manifest(cn_registry *reg, const char *node, const json_t *m, int64_t published);

/* Put a version of manifest m from node (by name), signed by one fixed
 * signer and published at published; returns the registry's error. */
int put_manifest(cn_registry *reg, const char *node, const json_t *m, int64_t published);

/* Put a manifest given as JSON text; fails the test on error. */
void put_json(cn_registry *reg, const char *node, const char *json, int64_t published);

/* Put version 1.0.0 of a Triangulum follower strategy; fails the test on
 * error. */
void put_strategy(cn_registry *reg, const char *node, const char *id, const char *title,
                  const char *summary, int64_t published);

/* The answer to the query string qs, which the caller frees; fails the test
 * if there is none. */
json_t *search(cn_registry *reg, const char *qs);

/* The error of a search (parsing included); the message is left in
 * cn_error_message(). */
int search_error(cn_registry *reg, const char *qs);

/* Fail the test unless searching for qs fails with code and a message that
 * contains needle. */
void expect_search_error(cn_registry *reg, const char *qs, int code, const char *needle);

/* The total of a search answer. */
json_int_t total(const json_t *doc);

/* The item id of result i, NULL past the end. */
const char *result_item(const json_t *doc, size_t i);

/* 1 if some result has item id item. */
int has_item(const json_t *doc, const char *item);

/* The count of a facet bucket, -1 if the bucket is not there. */
json_int_t facet_count(const json_t *doc, const char *facet, const char *value);

/* Load every sample under examples/ into reg: one node per strategy
 * (named after the lead partner, programme "Modellprojekte Smart Cities"),
 * and Stadt Leipzig with the Triangulum strategy, the solutions and the
 * dataset. Returns the number of items. */
int load_examples(cn_registry *reg);

/* Load four items of all three kinds from three nodes in two countries and
 * two programmes: Eindhoven's dataset traffic-counts (published at 3000)
 * and solution smart-lighting (1000), Stadt Leipzig's dataset parking
 * (2000) and Köln's strategy unbox (4000). */
void load_mixed(cn_registry *reg);

#endif

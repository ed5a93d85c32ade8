/*
 * test_tuf_roles.c - the repository writer in layout 2 (docs/PROTOCOL.md
 * §4.1): a delegated role per item, written only when its targets change,
 * kept across reopening, renewed when it would expire, dropped with its item.
 * tuf-js reads what it writes in tests/integration/t0301-tuf-js-tool.sh.
 */
#include "core/error.h"
#include "core/file.h"
#include "core/json.h"
#include "core/key.h"
#include "core/tuf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct {
    char dir[64];
    cn_key *key;
    cn_tuf_keys keys;
    cn_tuf_repo_options opts;
    cn_tuf_repo *repo;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    cn_tuf_repo_options opts = CN_TUF_REPO_OPTIONS_INIT;

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/cn-test-tuf-roles-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(cn_key_generate(&f->key), 0);
    cn_tuf_keys_single(&f->keys, f->key);
    opts.now = time(NULL);
    opts.delegate_items = 1;
    f->opts = opts;
    assert_int_equal(cn_tuf_repo_init(&f->repo, f->dir, &f->keys, &f->opts), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    cn_tuf_repo_free(f->repo);
    cn_key_free(f->key);
    cn_rmtree(f->dir);
    free(f);
    return 0;
}

static int exists(const fixture *f, const char *rel)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
    return access(path, F_OK) == 0;
}

/* signed.meta[name].version of the newest snapshot, 0 when absent. */
static uint64_t snapshot_version_of(const fixture *f, const char *name)
{
    char path[256];
    unsigned char *data = NULL;
    json_t *snap = NULL;
    size_t len;
    uint64_t v;

    snprintf(path, sizeof(path), "%s/tuf/%" PRIu64 ".snapshot.json", f->dir,
             cn_tuf_repo_version(f->repo, CN_TUF_SNAPSHOT));
    assert_int_equal(cn_file_read(&data, &len, path, 1u << 20), 0);
    assert_int_equal(cn_json_parse(&snap, (const char *)data, len, 32, "snapshot"), 0);
    v = (uint64_t)json_integer_value(json_object_get(
        json_object_get(json_object_get(json_object_get(snap, "signed"), "meta"), name),
        "version"));
    json_decref(snap);
    free(data);
    return v;
}

static void add(fixture *f, const char *path, const char *data)
{
    assert_int_equal(cn_tuf_repo_add_target(f->repo, path, data, strlen(data), NULL), 0);
}

static void test_roles_written_when_changed(void **state)
{
    fixture *f = *state;
    const cn_tuf_target_info *info;

    add(f, "items/smart-lighting/1.0.0/manifest.json", "{\"v\":1}");
    add(f, "items/open-data/1.0.0/manifest.json", "{\"o\":1}");
    add(f, "node.json", "{\"name\":\"Eindhoven\"}");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_true(exists(f, "tuf/1.items.smart-lighting.json"));
    assert_true(exists(f, "tuf/1.items.open-data.json"));
    assert_int_equal(cn_tuf_repo_version(f->repo, CN_TUF_TARGETS), 2);
    assert_int_equal(snapshot_version_of(f, "items.open-data.json"), 1);

    /* One item changes: its role alone, the top-level targets stays. */
    add(f, "items/smart-lighting/1.1.0/manifest.json", "{\"v\":2}");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_true(exists(f, "tuf/2.items.smart-lighting.json"));
    assert_false(exists(f, "tuf/2.items.open-data.json"));
    assert_int_equal(cn_tuf_repo_version(f->repo, CN_TUF_TARGETS), 2);
    assert_false(exists(f, "tuf/3.targets.json"));
    assert_int_equal(snapshot_version_of(f, "items.smart-lighting.json"), 2);

    /* Reopened, the repository lists every target of every role. */
    cn_tuf_repo_free(f->repo);
    assert_int_equal(cn_tuf_repo_open(&f->repo, f->dir, &f->keys, NULL), 0);
    assert_int_equal(cn_tuf_repo_target_count(f->repo), 4);
    assert_int_equal(
        cn_tuf_repo_get_target(&info, f->repo, "items/smart-lighting/1.1.0/manifest.json"), 0);
    assert_int_equal(info->length, 7);
    /* Without delegate_items: a repository in layout 2 stays in it. */
    add(f, "items/open-data/1.1.0/manifest.json", "{\"o\":2}");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_true(exists(f, "tuf/2.items.open-data.json"));
    assert_false(exists(f, "tuf/3.items.smart-lighting.json"));

    /* An item whose targets all go: its role leaves the delegations and
     * the snapshot, and the top-level targets changes. */
    assert_int_equal(cn_tuf_repo_remove_target(f->repo, "items/open-data/1.0.0/manifest.json"), 0);
    assert_int_equal(cn_tuf_repo_remove_target(f->repo, "items/open-data/1.1.0/manifest.json"), 0);
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_int_equal(cn_tuf_repo_version(f->repo, CN_TUF_TARGETS), 3);
    assert_int_equal(snapshot_version_of(f, "items.open-data.json"), 0);
    assert_int_equal(snapshot_version_of(f, "items.smart-lighting.json"), 2);
}

static void test_roles_renewed_before_they_expire(void **state)
{
    fixture *f = *state;
    time_t now = time(NULL);
    int resigned = -1;

    add(f, "items/smart-lighting/1.0.0/manifest.json", "{\"v\":1}");
    add(f, "node.json", "{}");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    /* Half a year on, the top-level targets is re-signed by a change of its
     * own: the item role keeps its first expiry. */
    cn_tuf_repo_set_now(f->repo, now + CN_TUF_YEAR / 2);
    add(f, "node.json", "{\"n\":2}");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_false(exists(f, "tuf/2.items.smart-lighting.json"));
    /* A year on, the role is due although the top-level targets is not. */
    cn_tuf_repo_set_now(f->repo, now + CN_TUF_YEAR - 600);
    assert_int_equal(cn_tuf_repo_resign_expiring(&resigned, f->repo, 3600), 0);
    assert_int_equal(resigned, 1);
    assert_true(exists(f, "tuf/2.items.smart-lighting.json"));
    assert_int_equal(snapshot_version_of(f, "items.smart-lighting.json"), 2);
}

static void test_layout_1_moves_over(void **state)
{
    fixture *f = *state;
    cn_tuf_repo_options one = f->opts;

    /* A repository written in layout 1 ... */
    cn_tuf_repo_free(f->repo);
    cn_rmtree(f->dir);
    assert_int_equal(mkdir(f->dir, 0700), 0);
    one.delegate_items = 0;
    assert_int_equal(cn_tuf_repo_init(&f->repo, f->dir, &f->keys, &one), 0);
    add(f, "items/smart-lighting/1.0.0/manifest.json", "{\"v\":1}");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_int_equal(snapshot_version_of(f, "items.smart-lighting.json"), 0);
    cn_tuf_repo_free(f->repo);
    /* ... moves to layout 2 at the next commit that asks for it. */
    assert_int_equal(cn_tuf_repo_open(&f->repo, f->dir, &f->keys, &f->opts), 0);
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_true(exists(f, "tuf/1.items.smart-lighting.json"));
    assert_int_equal(snapshot_version_of(f, "items.smart-lighting.json"), 1);
    assert_int_equal(cn_tuf_repo_target_count(f->repo), 1);
}

/* The targets of the versions a role lists, as "version/file" lines. */
static void role_listing(char *out, size_t size, const fixture *f, const char *rel)
{
    char path[256];
    unsigned char *data = NULL;
    json_t *doc = NULL, *value;
    const char *key;
    size_t len, at = 0;

    snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
    assert_int_equal(cn_file_read(&data, &len, path, 1u << 20), 0);
    assert_int_equal(cn_json_parse(&doc, (const char *)data, len, 32, rel), 0);
    out[0] = '\0';
    json_object_foreach(json_object_get(json_object_get(doc, "signed"), "targets"), key, value)
        at += (size_t)snprintf(out + at, size - at, "%s\n", strchr(key + 6, '/') + 1);
    json_decref(doc);
    free(data);
}

/* With a history file: a role lists its item's newest version and the
 * manifests of withdrawn versions; the repository lists every version. */
static void test_newest_version_rule(void **state)
{
    fixture *f = *state;
    char history[128], listing[512];
    cn_tuf_repo_options opts = f->opts;
    json_t *withdrawn = json_pack("{s:{s:s, s:s}}", "withdrawn", "at", "2026-12-01T00:00:00Z",
                                  "reason", "a mistake");

    snprintf(history, sizeof(history), "%s/history.json", f->dir);
    opts.history_path = history;
    cn_tuf_repo_free(f->repo);
    assert_int_equal(cn_tuf_repo_open(&f->repo, f->dir, &f->keys, &opts), 0);
    add(f, "items/smart-lighting/1.0.0/manifest.json", "{\"v\":1}");
    add(f, "items/smart-lighting/1.0.0/full.bundle", "one");
    add(f, "items/smart-lighting/1.10.0/manifest.json", "{\"v\":10}");
    add(f, "items/smart-lighting/1.9.0/manifest.json", "{\"v\":9}");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    role_listing(listing, sizeof(listing), f, "tuf/1.items.smart-lighting.json");
    assert_string_equal(listing, "1.10.0/manifest.json\n"); /* semver, not text order */
    assert_true(exists(f, "history.json"));
    /* Reopened, the repository lists every version, from the history. */
    cn_tuf_repo_free(f->repo);
    assert_int_equal(cn_tuf_repo_open(&f->repo, f->dir, &f->keys, &opts), 0);
    assert_int_equal(cn_tuf_repo_target_count(f->repo), 4);
    /* A withdrawn older version's manifest comes back into the role. */
    assert_int_equal(cn_tuf_repo_add_target(f->repo, "items/smart-lighting/1.0.0/manifest.json",
                                            "{\"v\":1}", 7, withdrawn),
                     0);
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    role_listing(listing, sizeof(listing), f, "tuf/2.items.smart-lighting.json");
    assert_non_null(strstr(listing, "1.0.0/manifest.json\n"));
    assert_non_null(strstr(listing, "1.10.0/manifest.json\n"));
    assert_null(strstr(listing, "full.bundle"));
    assert_null(strstr(listing, "1.9.0"));
    json_decref(withdrawn);
}

/* version of smart-lighting published: a full bundle of full_len bytes and,
 * when delta_len > 0, a delta bundle of delta_len bytes. */
static void publish_version(fixture *f, const char *version, size_t full_len, size_t delta_len)
{
    char path[128];
    char *data = malloc(full_len > delta_len ? full_len : delta_len);

    assert_non_null(data);
    snprintf(path, sizeof(path), "items/smart-lighting/%s/manifest.json", version);
    add(f, path, "{}");
    memset(data, 'f', full_len);
    snprintf(path, sizeof(path), "items/smart-lighting/%s/full.bundle", version);
    assert_int_equal(cn_tuf_repo_add_target(f->repo, path, data, full_len, NULL), 0);
    if (delta_len > 0) {
        memset(data, 'd', delta_len);
        snprintf(path, sizeof(path), "items/smart-lighting/%s/delta.bundle", version);
        assert_int_equal(cn_tuf_repo_add_target(f->repo, path, data, delta_len, NULL), 0);
    }
    free(data);
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
}

/* The newest role of smart-lighting, as role_listing gives it. */
static void newest_listing(char *out, size_t size, const fixture *f)
{
    char rel[128];

    snprintf(rel, sizeof(rel), "tuf/%" PRIu64 ".items.smart-lighting.json",
             snapshot_version_of(f, "items.smart-lighting.json"));
    role_listing(out, size, f, rel);
}

/* The checkpoint (PROTOCOL §4.1, Mirrors): an older full bundle and the
 * deltas after it stay listed until the deltas outweigh half of it, more
 * than 16 versions follow it, or a version comes without a delta. */
static void test_checkpoint_rule(void **state)
{
    fixture *f = *state;
    char history[128], listing[4096], version[32];
    cn_tuf_repo_options opts = f->opts;
    int minor;

    snprintf(history, sizeof(history), "%s/history.json", f->dir);
    opts.history_path = history;
    cn_tuf_repo_free(f->repo);
    assert_int_equal(cn_tuf_repo_open(&f->repo, f->dir, &f->keys, &opts), 0);
    publish_version(f, "1.0.0", 200000, 0);
    publish_version(f, "1.1.0", 210000, 40000);
    newest_listing(listing, sizeof(listing), f);
    assert_string_equal(listing, "1.0.0/full.bundle\n"
                                 "1.1.0/delta.bundle\n1.1.0/full.bundle\n1.1.0/manifest.json\n");
    publish_version(f, "1.2.0", 240000, 40000);
    newest_listing(listing, sizeof(listing), f);
    assert_string_equal(listing, "1.0.0/full.bundle\n1.1.0/delta.bundle\n"
                                 "1.2.0/delta.bundle\n1.2.0/full.bundle\n1.2.0/manifest.json\n");
    /* 40,000 + 40,000 + 20,001 bytes of deltas is more than half of 200,000
     * (and more than 64 KiB): it moves. */
    publish_version(f, "1.3.0", 260000, 20001);
    newest_listing(listing, sizeof(listing), f);
    assert_string_equal(listing, "1.3.0/delta.bundle\n1.3.0/full.bundle\n1.3.0/manifest.json\n");
    /* Deltas that stay under half of it keep the checkpoint for 16
     * versions; the 17th moves it. */
    for (minor = 4; minor <= 19; minor++) {
        snprintf(version, sizeof(version), "1.%d.0", minor);
        publish_version(f, version, 1000, 1000);
    }
    newest_listing(listing, sizeof(listing), f);
    assert_non_null(strstr(listing, "1.3.0/full.bundle\n"));
    assert_non_null(strstr(listing, "1.18.0/delta.bundle\n"));
    assert_null(strstr(listing, "1.18.0/full.bundle"));
    assert_null(strstr(listing, "1.18.0/manifest.json"));
    publish_version(f, "1.20.0", 1000, 1000);
    newest_listing(listing, sizeof(listing), f);
    assert_string_equal(listing, "1.20.0/delta.bundle\n1.20.0/full.bundle\n1.20.0/manifest.json\n");
    /* A small item: a delta as large as the checkpoint's full bundle, but
     * under 64 KiB, keeps it. */
    publish_version(f, "1.21.0", 1000, 1000);
    newest_listing(listing, sizeof(listing), f);
    assert_non_null(strstr(listing, "1.20.0/full.bundle\n"));
    /* A version without a delta (a rewritten history) starts a chain anew. */
    publish_version(f, "2.0.0", 900, 0);
    newest_listing(listing, sizeof(listing), f);
    assert_string_equal(listing, "2.0.0/full.bundle\n2.0.0/manifest.json\n");
    /* Every target of every version is still the repository's: 1.0.0's and
     * 2.0.0's two, the three of the 21 versions between. */
    assert_int_equal(cn_tuf_repo_target_count(f->repo), 2 + 2 + 3 * 21);
}

/* citynode's own client reads what the writer wrote: the item targets
 * appear in its listing once the delegations are loaded. */
static void test_client_lists_item_targets(void **state)
{
    fixture *f = *state;
    cn_tuf_client *c = NULL;
    const cn_tuf_target_info *info;
    unsigned char *root = NULL;
    char path[128];
    size_t len;

    add(f, "items/smart-lighting/1.0.0/manifest.json", "{\"v\":1}");
    add(f, "items/open-data/1.0.0/manifest.json", "{\"o\":1}");
    add(f, "node.json", "{}");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    snprintf(path, sizeof(path), "%s/tuf/1.root.json", f->dir);
    assert_int_equal(cn_file_read(&root, &len, path, 1u << 16), 0);
    assert_int_equal(cn_tuf_client_new(&c, root, len, time(NULL)), 0);
    assert_int_equal(cn_tuf_client_refresh(c, cn_tuf_fetch_dir, f->dir), 0);
    /* Before: the top-level targets only. */
    assert_int_equal(cn_tuf_client_target_count(c), 1);
    assert_int_equal(cn_tuf_client_get_target_info(&info, c, "items/open-data/1.0.0/manifest.json"),
                     CN_ENOTFOUND);
    cn_error_clear();
    assert_int_equal(cn_tuf_client_load_delegations(c, cn_tuf_fetch_dir, f->dir), 0);
    assert_int_equal(cn_tuf_client_delegated_count(c), 2);
    assert_int_equal(cn_tuf_client_target_count(c), 3);
    assert_string_equal(cn_tuf_client_target_at(c, 0)->path, "items/open-data/1.0.0/manifest.json");
    assert_string_equal(cn_tuf_client_target_at(c, 2)->path, "node.json");
    assert_int_equal(
        cn_tuf_client_get_target_info(&info, c, "items/smart-lighting/1.0.0/manifest.json"), 0);
    assert_int_equal(info->length, 7);
    /* A refresh that brings something new starts from the top again. */
    add(f, "items/open-data/1.1.0/manifest.json", "{\"o\":2}");
    assert_int_equal(cn_tuf_repo_commit(f->repo), 0);
    assert_int_equal(cn_tuf_client_refresh(c, cn_tuf_fetch_dir, f->dir), 0);
    assert_int_equal(cn_tuf_client_target_count(c), 1);
    assert_int_equal(cn_tuf_client_load_delegations(c, cn_tuf_fetch_dir, f->dir), 0);
    assert_int_equal(cn_tuf_client_target_count(c), 4);
    cn_tuf_client_free(c);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roles_written_when_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_renewed_before_they_expire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout_1_moves_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_lists_item_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newest_version_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_rule, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

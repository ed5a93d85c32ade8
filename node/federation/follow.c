/*
 * follow.c - following peers: a sync round with the node's directories and
 * limits, and what follows it (a trusted network's new members, the search
 * index, hints to the peers). See follow.h.
 */
#include "node/federation/follow.h"
#include "core/error.h"
#include "core/file.h"
#include "node/config.h"
#include "node/federation/netdocs.h"
#include "node/federation/search_index.h"
#include "peers/hint.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How many peers mirrors/ holds the pinned root of (mirrors/<id>/tuf/
 * 1.root.json, written by `peer add`), and the first one's id. */
static size_t mirrored_peers(const char *mirrors_dir, char first[CN_PEER_ID_HEX + 1])
{
    DIR *d = opendir(mirrors_dir);
    struct dirent *e;
    char root[4096];
    size_t n = 0;

    while (d && (e = readdir(d)) != NULL) {
        if (!cn_peer_is_node_id(e->d_name) ||
            snprintf(root, sizeof(root), "%s/%s/tuf/1.root.json", mirrors_dir, e->d_name) >=
                (int)sizeof(root) ||
            !cn_file_exists(root))
            continue;
        if (n++ == 0)
            memcpy(first, e->d_name, CN_PEER_ID_HEX + 1);
    }
    if (d)
        closedir(d);
    return n;
}

int cn_node_state_check(const cn_home *home)
{
    char *path = cn_path_join(home->root, "state.db"), first[CN_PEER_ID_HEX + 1];
    size_t n;
    int err = 0;

    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = cn_peers_db_exists(path)) != 0 ||
        (n = mirrored_peers(home->mirrors_dir, first)) == 0) {
        err = err < 0 ? err : 0;
        goto out;
    }
    err = cn_error_set(CN_ERROR,
                       "%s holds no peers (it is missing, emptied or was started afresh), but %s "
                       "holds what %zu peer%s sent (%.12s%s): the "
                       "peers this node follows, their policies and its search index were in "
                       "state.db, and starting it empty would forget them. Restore state.db from "
                       "a backup; or start over: move %s aside and add each peer again with "
                       "'citynode peer add URL' (its URL is in <id>/.well-known/citynode.json "
                       "there)",
                       path, home->mirrors_dir, n, n == 1 ? "" : "s", first, n == 1 ? "" : ", ...",
                       home->mirrors_dir);
out:
    free(path);
    return err;
}

int cn_node_peers_open(cn_peers **out, const cn_home *home)
{
    char *path = cn_path_join(home->root, "state.db");
    int err;

    *out = NULL;
    if (path == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if ((err = cn_node_state_check(home)) == 0)
        err = cn_peers_open(out, path);
    free(path);
    return err;
}

static int round_changed(const cn_sync_report *report)
{
    size_t i;

    for (i = 0; i < report->npeers; i++)
        if (report->peers[i].changed)
            return 1;
    return 0;
}

size_t cn_node_hint_peers(const cn_node *node, cn_buf *failures)
{
    char *db_path = cn_path_join(node->home->root, "state.db");
    size_t sent = 0;

    if (db_path &&
        cn_hint_send_peers(&sent, failures, db_path, node->home->node_id,
                           cn_tuf_repo_version(node->tuf, CN_TUF_TIMESTAMP)) != 0 &&
        failures)
        cn_buf_printf(failures, "%s\n", cn_error_message());
    cn_error_clear();
    free(db_path);
    return sent;
}

void cn_node_hint_peers_report(const cn_node *node)
{
    cn_buf failures = CN_BUF_INIT;
    size_t sent = cn_node_hint_peers(node, &failures);
    char *line, *save = NULL;

    if (sent > 0)
        fprintf(stderr, "hinted %zu peer%s\n", sent, sent == 1 ? "" : "s");
    if (failures.len > 0 && cn_buf_put(&failures, "", 1) == 0)
        for (line = strtok_r((char *)failures.data, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save))
            fprintf(stderr, "note: a hint did not arrive: %s\n", line);
    cn_buf_free(&failures);
}

int cn_node_sync_options(cn_sync_options *out, const cn_node *node)
{
    cn_sync_options so = CN_SYNC_OPTIONS_INIT;
    cn_config *cfg = NULL;
    int err;

    /* config.yml's transfer limits (docs/CONFIG.md). */
    if ((err = cn_config_read(&cfg, node->home->config_path)) != 0)
        return err;
    so.connect_timeout_s = (long)cfg->sync_connect_timeout;
    so.low_speed_bytes = (long)cfg->sync_low_speed_limit;
    so.low_speed_time_s = (long)cfg->sync_low_speed_time;
    cn_config_free(cfg);
    so.mirrors_dir = node->home->mirrors_dir;
    so.repos_dir = node->home->repos_dir;
    so.tmp_dir = node->home->tmp_dir;
    so.self_id = node->home->node_id;
    *out = so;
    return 0;
}

int cn_node_sync(cn_sync_report **out, cn_node *node, const char *const *refs, size_t n,
                 void (*progress)(void *ctx, const char *node_id, const char *message), void *ctx,
                 const cn_progress *phases)
{
    cn_sync_options so;
    cn_peers *db = NULL;
    int err, derr;

    *out = NULL;
    if ((err = cn_node_sync_options(&so, node)) != 0 ||
        (err = cn_node_peers_open(&db, node->home)) != 0)
        return err;
    so.progress = progress;
    so.progress_ctx = ctx;
    so.phases = phases;
    /* A round that could not start (a NODE that is no peer) did nothing
     * for what follows to build on, and keeps its own message. */
    if ((err = cn_sync_round(out, db, refs, n, &so)) != 0 &&
        (*out == NULL || (*out)->npeers == 0)) {
        cn_peers_free(db);
        return err;
    }
    /* Members new in a trusted coordinator's network.json (PROTOCOL §10). */
    if ((derr = cn_netdocs_after_sync(node, db, progress, ctx)) != 0 && err == 0)
        err = derr;
    cn_peers_free(db);
    /* Search index: a failure is a warning, never the round's result. */
    if (*out && cn_node_index_peers(node, *out) != 0) {
        char msg[512];

        snprintf(msg, sizeof(msg), "search index not updated: %s", cn_error_message());
        if (progress)
            progress(ctx, node->home->node_id, msg);
        cn_error_clear();
    }
    if (*out && round_changed(*out))
        cn_node_hint_peers(node, NULL);
    return err;
}

int cn_node_sync_peer(cn_node *node, const cn_peer *peer, const cn_progress *phases)
{
    const char *refs[1] = {peer->node_id};
    cn_sync_report *report = NULL;
    int err;

    err = cn_node_sync(&report, node, refs, 1, NULL, NULL, phases);
    if (err != 0 && report && report->npeers == 1 && report->peers[0].err != 0)
        err = cn_error_set(report->peers[0].err, "cannot sync %s: %s", peer->alias,
                           report->peers[0].error ? report->peers[0].error : "failed");
    else if (err != 0)
        cn_error_wrap(err, "cannot sync %s", peer->alias);
    cn_sync_report_free(report);
    return err;
}

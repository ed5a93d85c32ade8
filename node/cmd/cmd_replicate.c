/*
 * cmd_replicate.c - `citynode replicate NODE/ITEM[@V] DEST [--as ITEM]`.
 *
 * Turns a verified mirror of another node's item into a working repository
 * (DESIGN.md §3, docs/PROTOCOL.md §11):
 *
 *  1. NODE is a peer (id, prefix of >= 8 hex digits, or alias); the version
 *     (newest if not given) must be in the peer's trusted targets. An `index`
 *     peer's bundles are fetched now, with the checks of a sync round.
 *  2. The tag v<V> in the mirrored repository is checked once more: it is
 *     the signed tag object, points at the signed commit, and carries an
 *     SSHSIG by a targets key of the peer's root chain.
 *  3. The mirror is copied into a temporary sibling of DEST, branch `main` is
 *     put at the tag's commit and checked out, `origin` is set to the
 *     publisher's dumb-HTTP URL, and the provenance is recorded in the git
 *     config (citynode.replicates, citynode.commit, citynode.tag) and in
 *     .git/citynode-provenance.json. Only then is the directory renamed to
 *     DEST: DEST is either absent or complete.
 *  4. The node publishes the signed attestation
 *     attestations/replicates-<id16>-<item>-<V>.json.
 *
 * On a terminal, and without --quiet, the long steps (an index peer's
 * bundles fetched, the history copied, the files checked out) show git's
 * progress lines on stderr (meter.h).
 *
 * DEST must not exist or be an empty directory; missing directories above
 * it are created, as git clone does. Bad references and a non-empty DEST
 * are usage errors (exit 2) that write nothing.
 */
#include "node/cmd/commands.h"
#include "node/cmd/meter.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/name.h"
#include "core/semver.h"
#include "core/tuf.h"
#include "node/federation/attestations.h"
#include "node/federation/follow.h"
#include "node/federation/search_index.h"
#include "node/item.h"
#include "node/node.h"
#include "peers/mirror.h"
#include "peers/peers.h"
#include "peers/sync.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char synopsis[] = "replicate NODE/ITEM[@V] DEST [--as ITEM] [--quiet]";

typedef struct {
    char *dest; /* without trailing '/' */
    const char *as;
    char *node_ref, *item, *version; /* from NODE/ITEM[@V] */
    cn_peer peer;
    char commit[GIT_OID_HEXSZ + 1], tag[GIT_OID_HEXSZ + 1];
    int superseded;    /* version left the signed targets: proven by its tag (§4.1) */
    char *mirror_repo; /* <home>/repos/<id>/<item>.git */
    int fetched;       /* its bundles were fetched now (an index peer's) */
    char *created;     /* outermost directory above DEST to create, or NULL */
    char attestation[CN_ATTESTATION_PATH_MAX];
    const cn_progress *progress; /* the meter's, or NULL */
} replication;

#define CN_REPLICATE_PHASE_CHECKOUT "Checking out files"

/* libgit2's checkout progress as the meter's phase. */
static void checkout_progress(const char *path, size_t done, size_t total, void *payload)
{
    (void)path;
    cn_progress_report(payload, CN_REPLICATE_PHASE_CHECKOUT, done, total);
}

static void replication_clear(replication *r)
{
    free(r->dest);
    free(r->node_ref);
    free(r->item);
    free(r->version);
    free(r->mirror_repo);
    free(r->created);
    cn_peer_clear(&r->peer);
}

/* NODE/ITEM[@V] into its parts; only the shapes are checked here. */
static int parse_ref(replication *r, const char *ref)
{
    const char *slash = strchr(ref, '/'), *at;

    if (slash == NULL || slash == ref)
        return cn_error_set(CN_EUSAGE, "'%s' is not NODE/ITEM[@VERSION]", ref);
    at = strchr(slash + 1, '@');
    r->node_ref = strndup(ref, (size_t)(slash - ref));
    r->item = at ? strndup(slash + 1, (size_t)(at - slash - 1)) : strdup(slash + 1);
    if (r->node_ref == NULL || r->item == NULL || (at && (r->version = strdup(at + 1)) == NULL))
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (cn_name_check_slug(r->item) != 0)
        return cn_error_set(CN_EUSAGE, "'%s' is not an item id ([a-z0-9][a-z0-9-]{0,62})", r->item);
    if (r->version && cn_semver_check(r->version) != 0)
        return cn_error_set(CN_EUSAGE, "'%s' is not a version (semver, like 1.2.0)", r->version);
    return 0;
}

/* The outermost missing directory above path (heap), or NULL if path's
 * parent exists; CN_EUSAGE if the nearest existing ancestor is no directory. */
static int missing_parents(char **out, const char *path)
{
    char *p = strdup(path), *top = NULL;
    struct stat st;
    int err = 0;

    *out = NULL;
    if (p == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    for (;;) {
        char *up = strdup(dirname(p));
        free(p);
        p = up;
        if (p == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        if (stat(p, &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                err = cn_error_set(CN_EUSAGE, "%s: %s is not a directory", path, p);
            break;
        }
        if (errno != ENOENT) {
            err = cn_error_set(CN_ERROR, "%s: %s", p, strerror(errno));
            break;
        }
        free(top);
        if ((top = strdup(p)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
    }
    free(p);
    if (err == 0) {
        *out = top;
        top = NULL;
    }
    free(top);
    return err;
}

/* DEST must be absent or an empty directory; missing directories above it
 * are created later (as git clone does), and *created names the outermost. */
static int check_dest(char **created, const char *dest)
{
    struct stat st;
    int err;

    if ((err = missing_parents(created, dest)) != 0)
        return err;
    if (*created == NULL && lstat(dest, &st) == 0) {
        DIR *d = S_ISDIR(st.st_mode) ? opendir(dest) : NULL;
        struct dirent *e;
        int empty = d != NULL;
        while (d && (e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                empty = 0;
        if (d)
            closedir(d);
        if (!empty)
            return cn_error_set(CN_EUSAGE, "%s exists and is not an empty directory", dest);
    } else if (*created == NULL && errno != ENOENT) {
        return cn_error_set(CN_ERROR, "%s: %s", dest, strerror(errno));
    }
    return 0;
}

/* The newest version of item in the peer's trusted targets. */
static int newest_version(char **out, const cn_tuf_client *client, const char *item)
{
    size_t i, n = cn_tuf_client_target_count(client), ilen, vlen;
    char best[128] = "";

    *out = NULL;
    for (i = 0; i < n; i++) {
        const cn_tuf_target_info *t = cn_tuf_client_target_at(client, i);
        const char *ip, *vp;
        char v[128];
        if (!cn_item_is_manifest_target(t->path, &ip, &ilen, &vp, &vlen) || ilen != strlen(item) ||
            strncmp(ip, item, ilen) != 0 || vlen >= sizeof(v))
            continue;
        snprintf(v, sizeof(v), "%.*s", (int)vlen, vp);
        if (cn_semver_check(v) == 0 && (best[0] == '\0' || cn_semver_compare(v, best) > 0))
            snprintf(best, sizeof(best), "%s", v);
    }
    cn_error_clear();
    if (best[0] == '\0')
        return CN_ENOTFOUND;
    return (*out = strdup(best)) ? 0 : cn_error_set(CN_ENOMEM, "out of memory");
}

/* Steps 1: resolve the peer, the version and its signed ids. */
static int resolve(replication *r, cn_tuf_client **client, cn_node *node, cn_peers *db)
{
    const json_t *custom;
    const char *commit, *tag;
    int err;

    if (strcmp(r->node_ref, "self") == 0 || strcmp(r->node_ref, node->home->node_id) == 0)
        return cn_error_set(CN_EUSAGE, "replicate copies another node's item; '%s' is this node",
                            r->node_ref);
    if ((err = cn_peers_get(&r->peer, db, r->node_ref)) != 0)
        return err == CN_ENOTFOUND ? cn_error_set(CN_EUSAGE,
                                                  "no peer '%s' — `citynode peer list` "
                                                  "shows the followed peers; `citynode peer "
                                                  "add URL` follows one, `citynode sync` "
                                                  "fetches its items",
                                                  r->node_ref)
                                   : err;
    err = cn_mirror_load(client, node->home->mirrors_dir, r->peer.node_id);
    if (err == CN_ENOTFOUND)
        return cn_error_set(CN_EUSAGE, "peer %s was never synced (citynode sync %s)", r->peer.alias,
                            r->peer.alias);
    if (err != 0)
        return err;
    if (r->version == NULL && (err = newest_version(&r->version, *client, r->item)) != 0)
        return err == CN_ENOTFOUND
                   ? cn_error_set(CN_EUSAGE,
                                  "peer %s publishes no item '%s' — `citynode search --node "
                                  "%.12s` lists its items (after `citynode sync %s`)",
                                  r->peer.alias, r->item, r->peer.node_id, r->peer.alias)
                   : err;
    if ((err = cn_mirror_item_custom(&custom, *client, r->item, r->version)) == CN_ENOTFOUND) {
        /* An older version that left the signed targets (layout 2): its
         * verified tag in the mirror proves it (PROTOCOL §4.1). */
        cn_error_clear();
        err = cn_mirror_history_version(r->commit, r->tag, NULL, NULL, node->home->repos_dir,
                                        r->peer.node_id, *client, r->item, r->version);
        if (err == CN_ENOTFOUND)
            return cn_error_set(CN_EUSAGE,
                                "%s@%s is neither in the signed targets of peer %s nor among "
                                "the older versions its mirror holds (citynode show %s/%s lists "
                                "them)",
                                r->item, r->version, r->peer.alias, r->peer.alias, r->item);
        if (err != 0)
            return err;
        r->superseded = 1;
        return (r->mirror_repo = cn_home_repo_path(node->home, r->peer.node_id, r->item))
                   ? 0
                   : cn_error_set(CN_ENOMEM, "out of memory");
    }
    if (err != 0)
        return err;
    commit = json_string_value(json_object_get(custom, "commit"));
    tag = json_string_value(json_object_get(custom, "tag"));
    if (commit == NULL || tag == NULL || strlen(commit) != GIT_OID_HEXSZ ||
        strlen(tag) != GIT_OID_HEXSZ)
        return cn_error_set(CN_EVERIFY, "%s@%s: the signed metadata of peer %s lack commit and tag",
                            r->item, r->version, r->peer.alias);
    memcpy(r->commit, commit, sizeof(r->commit));
    memcpy(r->tag, tag, sizeof(r->tag));
    if ((r->mirror_repo = cn_home_repo_path(node->home, r->peer.node_id, r->item)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    return 0;
}

/* Is refs/tags/v<version> in the mirror repository? */
static int mirror_has_tag(const replication *r)
{
    git_repository *repo = NULL;
    git_reference *ref = NULL;
    char name[160];
    int has;

    snprintf(name, sizeof(name), "refs/tags/v%s", r->version);
    has = git_repository_open_bare(&repo, r->mirror_repo) == 0 &&
          git_reference_lookup(&ref, repo, name) == 0;
    git_reference_free(ref);
    git_repository_free(repo);
    return has;
}

/* Step 1 for an index peer, step 2 for everyone. */
static int fetch_and_check(replication *r, cn_tuf_client **client, cn_node *node, cn_peers *db)
{
    cn_sync_options so;
    git_repository *repo = NULL;
    git_oid tag;
    int err;

    if (!mirror_has_tag(r)) {
        if ((err = cn_node_sync_options(&so, node)) != 0)
            return err;
        so.phases = r->progress;
        if ((err = cn_sync_fetch_item(db, r->peer.node_id, r->item, r->version, &so)) != 0)
            return cn_error_wrap(err, "cannot fetch %s@%s from peer %s", r->item, r->version,
                                 r->peer.alias);
        r->fetched = 1;
        /* The fetch may have moved the peer's trusted state forward. */
        cn_tuf_client_free(*client);
        *client = NULL;
        if ((err = cn_mirror_load(client, node->home->mirrors_dir, r->peer.node_id)) != 0)
            return err;
    }
    if (git_repository_open_bare(&repo, r->mirror_repo) != 0)
        return cn_git_error(CN_EVERIFY, r->mirror_repo);
    if (git_oid_fromstr(&tag, r->tag) != 0) {
        err = cn_error_set(CN_EVERIFY, "%s@%s: bad tag id in signed metadata", r->item, r->version);
        goto out;
    }
    err = r->superseded ? cn_mirror_check_history_tag(repo, *client, r->version, &tag)
                        : cn_mirror_check_tag(repo, *client, r->item, r->version, &tag);
out:
    git_repository_free(repo);
    return err;
}

/* git config and .git/citynode-provenance.json of the new working copy. */
static int record_provenance(git_repository *repo, const replication *r, cn_node *node,
                             const char *origin)
{
    git_config *cfg = NULL;
    json_t *doc = NULL;
    char value[512], date[21], *path = NULL, *text = NULL;
    int err = 0;

    snprintf(value, sizeof(value), "%s/%s@%s", r->peer.node_id, r->item, r->version);
    if (git_repository_config(&cfg, repo) != 0 ||
        git_config_set_string(cfg, "citynode.replicates", value) != 0 ||
        git_config_set_string(cfg, "citynode.commit", r->commit) != 0 ||
        git_config_set_string(cfg, "citynode.tag", r->tag) != 0 ||
        git_config_set_string(cfg, "citynode.attestation", r->attestation) != 0) {
        err = cn_git_error(CN_ERROR, "cannot record the provenance in the git config");
        goto out;
    }
    cn_tuf_time_format(date, time(NULL));
    doc = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:s?, s:s, s:s, s:s, s:s, s:s?}",
                    "replicates", "node", r->peer.node_id, "item", r->item, "version", r->version,
                    "commit", r->commit, "tag", r->tag, "publisher", r->peer.node_id,
                    "publisher_name", r->peer.name, "origin", origin, "by", node->home->node_id,
                    "date", date, "attestation", r->attestation, "as", r->as);
    if (doc == NULL ||
        (path = cn_path_join(git_repository_path(repo), "citynode-provenance.json")) == NULL ||
        (text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    err = cn_file_write_atomic(path, text, strlen(text), 0644);
out:
    free(text);
    free(path);
    json_decref(doc);
    git_config_free(cfg);
    return err;
}

/* Refs of the mirror a working copy gets: every tag as it is, and the
 * mirror's main as origin/main. NULL for any other ref. */
static const char *copied_ref_name(char *buf, size_t size, const char *name)
{
    if (strncmp(name, "refs/tags/", 10) == 0)
        return name;
    if (strcmp(name, "refs/heads/main") == 0) {
        snprintf(buf, size, "refs/remotes/origin/main");
        return buf;
    }
    return NULL;
}

/* Copy the mirror's history into repo (new and empty): one pack with every
 * object reachable from its tags and main and the annotated tags, written
 * by reuse (cn_git_copy_history), then the refs. No remote is involved, so
 * the mirror's local path never lands in the config (and git_clone's
 * remote setup leaks in libgit2 1.5: pcre2 match data per config entry). */
static int copy_history(git_repository *repo, const char *mirror, const cn_progress *progress)
{
    git_strarray refs = {NULL, 0};
    git_repository *src = NULL;
    git_oid *tips = NULL, *tags = NULL;
    size_t ntips = 0, ntags = 0;
    char name[256];
    size_t i;
    int err = 0;

    if (git_repository_open_bare(&src, mirror) != 0 || git_reference_list(&refs, src) != 0) {
        err = cn_git_error(CN_ERROR, mirror);
        goto out;
    }
    if ((tips = calloc(refs.count + 1, sizeof(*tips))) == NULL ||
        (tags = calloc(refs.count + 1, sizeof(*tags))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < refs.count && err == 0; i++) {
        git_object *obj = NULL, *commit = NULL;
        git_oid id;
        if (copied_ref_name(name, sizeof(name), refs.strings[i]) == NULL)
            continue;
        if (git_reference_name_to_id(&id, src, refs.strings[i]) != 0 ||
            git_object_lookup(&obj, src, &id, GIT_OBJECT_ANY) != 0 ||
            git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) != 0)
            err = cn_git_error(CN_ERROR, refs.strings[i]);
        else {
            git_oid_cpy(&tips[ntips++], git_object_id(commit));
            /* The walk counts commits, trees and blobs; annotated tags go in by name. */
            if (git_object_type(obj) == GIT_OBJECT_TAG)
                git_oid_cpy(&tags[ntags++], &id);
        }
        git_object_free(commit);
        git_object_free(obj);
    }
    if (err != 0 || ntips == 0 ||
        (err = cn_git_copy_history(repo, src, tips, ntips, tags, ntags, progress)) != 0)
        goto out;
    for (i = 0; i < refs.count && err == 0; i++) {
        const char *to = copied_ref_name(name, sizeof(name), refs.strings[i]);
        git_reference *made = NULL;
        git_oid id;
        if (to != NULL &&
            (git_reference_name_to_id(&id, src, refs.strings[i]) != 0 ||
             git_reference_create(&made, repo, to, &id, 1,
                                  "citynode replicate: from the verified mirror") != 0))
            err = cn_git_error(CN_ERROR, to);
        git_reference_free(made);
    }
out:
    free(tips);
    free(tags);
    git_strarray_dispose(&refs);
    git_repository_free(src);
    return err;
}

/* origin is the publisher; main tracks its main. */
static int set_origin(git_repository *repo, const char *origin)
{
    git_config *cfg = NULL;
    int err = 0;

    if (git_repository_config(&cfg, repo) != 0 ||
        git_config_set_string(cfg, "remote.origin.url", origin) != 0 ||
        git_config_set_string(cfg, "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*") !=
            0 ||
        git_config_set_string(cfg, "branch.main.remote", "origin") != 0 ||
        git_config_set_string(cfg, "branch.main.merge", "refs/heads/main") != 0)
        err = cn_git_error(CN_ERROR, "cannot set remote origin");
    git_config_free(cfg);
    return err;
}

/* Step 3 into dir (a new empty directory). */
static int make_working_copy(const char *dir, const replication *r, cn_node *node)
{
    git_checkout_options ck;
    git_repository *repo = NULL;
    git_reference *ref = NULL;
    git_oid commit, tag;
    char origin[4096], tagref[160];
    size_t ulen = strlen(r->peer.url);
    int err;

    git_checkout_options_init(&ck, GIT_CHECKOUT_OPTIONS_VERSION);
    if (git_repository_init(&repo, dir, 0) != 0)
        return cn_git_error(CN_ERROR, "cannot create the working repository");
    if ((err = copy_history(repo, r->mirror_repo, r->progress)) != 0)
        goto out;
    git_oid_fromstr(&commit, r->commit);
    git_oid_fromstr(&tag, r->tag);
    snprintf(tagref, sizeof(tagref), "refs/tags/v%s", r->version);
    /* The signed tag came with the history; make sure it is the one the
     * metadata signed. */
    if (git_reference_lookup(&ref, repo, tagref) != 0 || git_reference_target(ref) == NULL ||
        !git_oid_equal(git_reference_target(ref), &tag)) {
        err = cn_error_set(CN_EVERIFY, "the copy lacks the signed tag v%s", r->version);
        goto out;
    }
    git_reference_free(ref);
    ref = NULL;
    if (git_reference_create(&ref, repo, "refs/heads/main", &commit, 1,
                             "citynode replicate: the replicated version") != 0 ||
        git_repository_set_head(repo, "refs/heads/main") != 0) {
        err = cn_git_error(CN_ERROR, "cannot set branch main");
        goto out;
    }
    ck.checkout_strategy = GIT_CHECKOUT_FORCE;
    if (r->progress) {
        ck.progress_cb = checkout_progress;
        ck.progress_payload = (void *)r->progress;
    }
    if (git_checkout_head(repo, &ck) != 0) {
        err = cn_git_error(CN_ERROR, "cannot check out the replicated version");
        goto out;
    }
    snprintf(origin, sizeof(origin), "%.*s/git/%s/%s.git",
             (int)(ulen > 0 && r->peer.url[ulen - 1] == '/' ? ulen - 1 : ulen), r->peer.url,
             r->peer.node_id, r->item);
    if ((err = set_origin(repo, origin)) != 0)
        goto out;
    err = record_provenance(repo, r, node, origin);
out:
    git_reference_free(ref);
    git_repository_free(repo);
    return err;
}

/* Clone into a temporary sibling of DEST, then rename it into place. */
static int install_working_copy(const replication *r, cn_node *node)
{
    char *copy = strdup(r->dest), *tmp = NULL, *parent, *base;
    size_t len;
    int err;

    if (copy == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    parent = dirname(copy);
    base = strrchr(r->dest, '/') ? strrchr(r->dest, '/') + 1 : r->dest;
    len = strlen(parent) + strlen(base) + 32;
    if ((tmp = malloc(len)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(tmp, len, "%s/.%s.replicate-XXXXXX", parent, base);
    if (r->created && (err = cn_mkdir_p(parent, 0755)) != 0) {
        free(tmp);
        tmp = NULL;
        goto out;
    }
    if (mkdtemp(tmp) == NULL) {
        err = cn_error_set(CN_ERROR, "cannot create a directory next to %s: %s", r->dest,
                           strerror(errno));
        free(tmp);
        tmp = NULL;
        goto out;
    }
    if ((err = make_working_copy(tmp, r, node)) != 0)
        goto out;
    /* An empty DEST is replaced; a DEST that appeared meanwhile is not. */
    if ((rmdir(r->dest) != 0 && errno != ENOENT) || rename(tmp, r->dest) != 0) {
        err = cn_error_set(CN_ERROR, "cannot move the working copy to %s: %s", r->dest,
                           strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    err = cn_fsync_dir(parent);
out:
    if (tmp) {
        cn_rmtree(tmp);
        free(tmp);
    }
    if (err != 0 && r->created)
        cn_rmtree(r->created); /* the directories this run made, nothing else */
    free(copy);
    return err;
}

static int replicate(replication *r, const char *home)
{
    cn_tuf_client *client = NULL;
    cn_peers *db = NULL;
    cn_node *node = NULL;
    int err;

    if ((err = check_dest(&r->created, r->dest)) != 0)
        return err;
    if ((err = cn_node_open(&node, home, CN_NODE_WRITE | CN_NODE_WAIT)) != 0 ||
        (err = cn_node_peers_open(&db, node->home)) != 0 ||
        (err = resolve(r, &client, node, db)) != 0 ||
        (err = cn_attestation_path(r->attestation, r->peer.node_id, r->item, r->version)) != 0 ||
        (err = fetch_and_check(r, &client, node, db)) != 0 ||
        (err = install_working_copy(r, node)) != 0)
        goto out;
    /* Step 4. DEST is complete either way; say so if the node cannot sign. */
    if ((err = cn_attestation_publish(r->attestation, node, r->peer.node_id, r->item, r->version,
                                      r->commit, r->tag, r->as)) != 0) {
        cn_error_wrap(err, "%s is ready, but the attestation was not published", r->dest);
        goto out;
    }
    /* The attestation is this node's own target: its registry shows the
     * replication in the original's graph at once. */
    cn_peers_free(db);
    db = NULL;
    cn_progress_end(r->progress, CN_REPLICATE_PHASE_CHECKOUT);
    if (cn_node_index_self(node) != 0 ||
        (r->fetched && cn_node_index_peer(node, r->peer.node_id) != 0)) {
        fprintf(stderr, "warning: replicated, but not indexed for search: %s\n",
                cn_error_message());
        cn_error_clear();
    }
    printf("%s\n", r->dest);
    printf("replicated %.12s/%s@%s (%s)\n", r->peer.node_id, r->item, r->version, r->peer.alias);
    printf("commit %s\n", r->commit);
    printf("attestation %s\n", r->attestation);
out:
    cn_tuf_client_free(client);
    cn_peers_free(db);
    cn_node_free(node);
    return err;
}

int cn_cmd_replicate(const char *home_flag, int argc, char **argv)
{
    static const struct option opts[] = {{"as", required_argument, NULL, 'a'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    replication r = {0};
    cn_meter *meter = NULL;
    char *home = NULL;
    int c, err, quiet = 0;

    optind = 0;
    while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        if (c == 'q') {
            quiet = 1;
            continue;
        }
        if (c != 'a')
            return cn_cli_usage_error(synopsis, "unknown option");
        if (cn_name_check_slug(optarg) != 0)
            return cn_cli_usage_error(synopsis, "--as takes an item id ([a-z0-9][a-z0-9-]*)");
        r.as = optarg;
    }
    if (optind != argc - 2)
        return cn_cli_usage_error(synopsis, "expected NODE/ITEM[@V] and DEST");
    if ((r.dest = strdup(argv[optind + 1])) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t n = strlen(r.dest); n > 1 && r.dest[n - 1] == '/'; n--)
        r.dest[n - 1] = '\0';
    if (r.dest[0] == '\0' || strcmp(r.dest, "/") == 0 || strcmp(r.dest, ".") == 0) {
        err =
            cn_error_set(CN_EUSAGE, "'%s' cannot be DEST: name a new directory", argv[optind + 1]);
        goto out;
    }
    if ((err = parse_ref(&r, argv[optind])) != 0 || (err = cn_home_resolve(&home, home_flag)) != 0)
        goto out;
    if ((meter = cn_meter_for_stderr(quiet)) != NULL)
        cn_meter_count_bytes(meter, CN_SYNC_PHASE_FILES); /* an index peer's bundles */
    r.progress = cn_meter_progress(meter);
    err = replicate(&r, home);
out:
    cn_meter_free(meter);
    replication_clear(&r);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}

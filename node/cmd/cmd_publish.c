/*
 * cmd_publish.c - `citynode publish DIR|URL [--ref REF] [--version V]`
 * (DESIGN.md §3).
 *
 * choose the source and validate its manifest (cmd_publish_source.c: DIR's
 * HEAD, a ref of DIR, or a ref of a remote repository fetched into tmp/)
 * → refuse a version that does not increase → bring the item's repository
 * back to the signed state (what a killed publish left) → take the history
 * of that commit, or snapshot DIR's files into a commit whose parent is the
 * previous version → signed annotated tag v<version> carrying the canonical
 * manifest → full and delta bundles → TUF target files → refs/heads/main
 * and the files git's dumb HTTP protocol reads (info/refs,
 * objects/info/packs) → new targets, snapshot and timestamp metadata → a
 * hint to every followed peer's inbox.
 *
 * Everything that can be refused is checked before anything is written.
 * Like a sync (docs/PROTOCOL.md §8.6), everything is staged first and the
 * rename of timestamp.json is the commit point, the last write: a publish
 * killed before it leaves the old published state plus a tag (and perhaps
 * refs/heads/main) the signed targets do not name, which `verify --all`
 * reports and the next publish of the item removes (cn_item_repo_restore);
 * one that fails before it undoes its refs itself.
 *
 * On a terminal, and without --quiet, the long steps (the import of the
 * history or the files of a plain directory, the bundles) show git's
 * progress lines on stderr (meter.h).
 */
#include "core/bundle.h"
#include "core/error.h"
#include "core/file.h"
#include "core/git.h"
#include "core/tree_check.h"
#include "core/json.h"
#include "core/name.h"
#include "core/semver.h"
#include "node/cmd/commands.h"
#include "node/cmd/meter.h"
#include "node/cmd/cmd_publish_source.h"
#include "node/config.h"
#include "node/profile.h"
#include "node/federation/search_index.h"
#include "node/item.h"
#include "node/keys.h"
#include "node/node.h"
#include "node/federation/follow.h"
#include "schemas/manifest.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char synopsis[] = "publish DIR|URL [--ref TAG|BRANCH] [--version V] [--quiet]";

typedef struct {
    const char *kind;
    const char *item;
    const char *version;
    char *previous; /* newest published version, or NULL */
    git_oid previous_commit;
    git_oid commit;
    git_oid tag;
    int has_delta;
    /* Where the import and the bundle writers report how far they got: the
     * command's meter, NULL with --quiet or when stderr is no terminal. */
    const cn_progress *progress;
    cn_pack_plan *history; /* the import's count of the whole history, or NULL */
} publication;

static int check_new_version(publication *p, const cn_node *node)
{
    const json_t *custom = NULL;
    const char *prev_kind, *prev_commit;
    int err;

    if ((err = cn_node_latest_version(&p->previous, &custom, node, p->item)) == CN_ENOTFOUND) {
        cn_error_clear();
        return 0;
    }
    if (err != 0)
        return err;
    if (cn_semver_compare(p->version, p->previous) <= 0)
        return cn_error_set(CN_EINVAL,
                            "%s@%s: versions must increase; %s is already published "
                            "(use --version to publish a newer one)",
                            p->item, p->version, p->previous);
    prev_kind = json_string_value(json_object_get(custom, "kind"));
    if (prev_kind && strcmp(prev_kind, p->kind) != 0)
        return cn_error_set(CN_EINVAL, "%s was published as a %s, not a %s", p->item, prev_kind,
                            p->kind);
    prev_commit = json_string_value(json_object_get(custom, "commit"));
    if (prev_commit == NULL || git_oid_fromstr(&p->previous_commit, prev_commit) != 0)
        return cn_error_set(CN_EVERIFY, "%s@%s: signed metadata lacks its commit id", p->item,
                            p->previous);
    return 0;
}

static int take_commit(publication *p, git_repository *repo, const cn_publish_source *src,
                       const git_signature *sig)
{
    char message[256];
    int err;

    if (src->repo_path) {
        /* Exactly the commit whose manifest was read and validated. */
        git_oid_cpy(&p->commit, &src->commit);
        if ((err = cn_git_import(repo, src->repo_path, &p->commit, p->progress, &p->history)) != 0)
            return src->scratch ? cn_error_wrap(err, "%s", src->label) : err;
        if (p->previous) {
            int anc = cn_git_is_ancestor(repo, &p->previous_commit, &p->commit);
            if (anc < 0)
                return anc;
            p->has_delta = anc;
        }
        return 0;
    }
    snprintf(message, sizeof(message), "%s %s\n\nSnapshot published by citynode.\n", p->item,
             p->version);
    p->has_delta = p->previous != NULL;
    return cn_git_snapshot_dir_progress(&p->commit, repo, src->label,
                                        p->previous ? &p->previous_commit : NULL, sig, message,
                                        p->progress);
}

/* Every version tag in the repository, for the full bundle's ref lines. */
static int list_version_tags(git_strarray *out, git_repository *repo)
{
    if (git_tag_list_match(out, "v*", repo) != 0)
        return cn_git_error(CN_ERROR, "cannot list tags");
    return 0;
}

static int write_bundles(const publication *p, git_repository *repo, const char *full_path,
                         const char *delta_path)
{
    cn_bundle_write_opts opts = {0};
    git_strarray tags = {0};
    char **refs = NULL, newref[128];
    const char *one[1];
    size_t i;
    int err;

    if ((err = list_version_tags(&tags, repo)) != 0)
        return err;
    if ((refs = calloc(tags.count ? tags.count : 1, sizeof(*refs))) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < tags.count; i++) {
        size_t n = strlen(tags.strings[i]) + 11;
        if ((refs[i] = malloc(n)) == NULL) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            goto out;
        }
        snprintf(refs[i], n, "refs/tags/%s", tags.strings[i]);
    }
    opts.tag_refs = (const char **)refs;
    opts.ntag_refs = tags.count;
    git_oid_cpy(&opts.head_commit, &p->commit);
    opts.progress = p->progress;
    opts.history = p->history;
    if ((err = cn_bundle_write(repo, full_path, &opts)) != 0 || !p->has_delta)
        goto out;
    snprintf(newref, sizeof(newref), "refs/tags/v%s", p->version);
    one[0] = newref;
    opts.tag_refs = one;
    opts.ntag_refs = 1;
    opts.prerequisite = &p->previous_commit;
    err = cn_bundle_write(repo, delta_path, &opts);
out:
    for (i = 0; refs && i < tags.count; i++)
        free(refs[i]);
    free(refs);
    git_strarray_dispose(&tags);
    return err;
}

static json_t *target_custom(const publication *p, const char *file)
{
    char commit[GIT_OID_HEXSZ + 1], tag[GIT_OID_HEXSZ + 1];
    json_t *c;

    git_oid_tostr(commit, sizeof(commit), &p->commit);
    git_oid_tostr(tag, sizeof(tag), &p->tag);
    c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", p->kind, "item", p->item, "version",
                  p->version, "file", file, "commit", commit, "tag", tag);
    if (c && p->previous) {
        char prev[GIT_OID_HEXSZ + 1];
        git_oid_tostr(prev, sizeof(prev), &p->previous_commit);
        json_object_set_new(c, "previous", json_string(p->previous));
        json_object_set_new(c, "previous_commit", json_string(prev));
    }
    return c;
}

static int add_targets(const publication *p, cn_node *node, const char *manifest,
                       size_t manifest_len, const char *full_path, const char *delta_path)
{
    char target[CN_ITEM_TARGET_MAX];
    json_t *custom = NULL;
    int err;

    if ((err = cn_item_target_path(target, p->item, p->version, "manifest.json")) != 0)
        return err;
    custom = target_custom(p, "manifest");
    if ((err = cn_tuf_repo_add_target(node->tuf, target, manifest, manifest_len, custom)) != 0)
        goto out;
    json_decref(custom);
    custom = target_custom(p, "full");
    if ((err = cn_item_target_path(target, p->item, p->version, "full.bundle")) != 0 ||
        (err = cn_tuf_repo_add_target_file(node->tuf, target, full_path, custom)) != 0)
        goto out;
    if (p->has_delta) {
        json_decref(custom);
        custom = target_custom(p, "delta");
        if ((err = cn_item_target_path(target, p->item, p->version, "delta.bundle")) != 0 ||
            (err = cn_tuf_repo_add_target_file(node->tuf, target, delta_path, custom)) != 0)
            goto out;
    }
out:
    json_decref(custom);
    return err;
}

/* The published form of a manifest: compact JSON with sorted keys. OLPC
 * canonical JSON (what TUF signs) has no real numbers, and manifests may
 * carry them (costs, KPIs), so manifests use jansson's deterministic compact
 * form; the bytes are covered by the target's hash either way. */
static int manifest_bytes(char **out, size_t *len, const json_t *doc)
{
    *out = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    if (*out == NULL)
        return cn_error_set(CN_ENOMEM, "cannot encode the manifest");
    *len = strlen(*out);
    return 0;
}

/* What a publish killed before its commit point left in the item's
 * repository goes (tags the signed targets do not name, refs/heads/main
 * ahead of them, lock files), and so do the temporary files of the public
 * tree; each removed tag is reported. */
static int restore_repo(const cn_node *node, git_repository *repo, const char *item)
{
    git_strarray removed = {0};
    size_t i;
    int err;

    if ((err = cn_file_remove_stale(node->home->public_dir)) != 0 ||
        (err = cn_item_repo_restore(&removed, node, repo, item)) != 0)
        return err;
    for (i = 0; i < removed.count; i++)
        fprintf(stderr, "note: removed tag %s of %s, left by an interrupted publish\n",
                removed.strings[i], item);
    git_strarray_dispose(&removed);
    return 0;
}

/* A publish that failed before its commit point takes its refs back: the
 * tag, and refs/heads/main at the previous version. The error message of
 * the failure is kept; should this fail too, the next publish restores. */
static void unstage(git_repository *repo, const publication *p, const char *tagname)
{
    char ref[96], *msg = strdup(cn_error_message());
    int code = cn_error_last();
    git_reference *r = NULL;

    snprintf(ref, sizeof(ref), "refs/tags/%s", tagname);
    if (git_reference_lookup(&r, repo, ref) == 0)
        git_reference_delete(r);
    git_reference_free(r);
    cn_item_repo_set_main(repo, p->previous ? &p->previous_commit : NULL,
                          "citynode: publish failed");
    if (msg)
        cn_error_set(code, "%s", msg);
    free(msg);
}

static void print_diagnostics(const cn_diagnostics *diags)
{
    size_t i;

    for (i = 0; i < diags->count; i++) {
        char *line = NULL;
        if (cn_diagnostic_format(&line, &diags->items[i]) == 0)
            fprintf(stderr, "%s\n", line);
        free(line);
    }
}

/* An id derived from the name (no `id:` in the manifest) that the node
 * published under the rule before transliteration ("Mängelmelder" was
 * m-ngelmelder, is maengelmelder: core/name.h) stays that item's id, so a
 * new version never starts a second item beside the first; a note says so
 * and how to make it explicit. */
static int keep_published_id(const cn_node *node, cn_manifest *m)
{
    char old[CN_SLUG_MAX + 1], *version = NULL, *id;
    const json_t *custom = NULL;
    const char *name = json_string_value(json_object_get(m->doc, "name"));
    int err;

    if (json_object_get(m->doc, "id") != NULL || name == NULL ||
        cn_name_slugify_ascii(old, name) != 0 || strcmp(old, m->id) == 0) {
        cn_error_clear();
        return 0;
    }
    if ((err = cn_node_latest_version(&version, &custom, node, m->id)) != CN_ENOTFOUND) {
        free(version);
        return err; /* the new id is published already: it stays */
    }
    cn_error_clear();
    if ((err = cn_node_latest_version(&version, &custom, node, old)) == CN_ENOTFOUND) {
        cn_error_clear();
        return 0;
    }
    free(version);
    if (err != 0)
        return err;
    fprintf(stderr,
            "note: keeping the published id '%s' of '%s' (a new item would be '%s'); "
            "add 'id: %s' to the manifest to say so\n",
            old, name, m->id, old);
    if ((id = strdup(old)) == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    free(m->id);
    m->id = id;
    return 0;
}

static int publish(cn_node *node, const char *source, const char *ref, const char *version_flag,
                   cn_meter *meter)
{
    cn_diagnostics diags = CN_DIAGNOSTICS_INIT;
    cn_publish_source src = {0};
    cn_manifest *m = NULL;
    cn_config *cfg = NULL;
    publication p = {0};
    git_repository *repo = NULL;
    git_signature *sig = NULL;
    char *repo_path = NULL, *canonical = NULL, *work = NULL, *full = NULL, *delta = NULL;
    char tagname[80], email[128], why[128];
    size_t canonical_len = 0;
    int err, staged = 0;

    p.progress = cn_meter_progress(meter);
    if ((err = cn_publish_source_open(&src, &m, &diags, node, source, ref, p.progress)) != 0) {
        print_diagnostics(&diags);
        goto out;
    }
    print_diagnostics(&diags); /* warnings */
    if ((err = keep_published_id(node, m)) != 0)
        goto out;
    p.kind = cn_kind_name(m->kind);
    p.item = m->id;
    p.version = version_flag ? version_flag : m->version;
    if (p.version == NULL) {
        err = cn_error_set(CN_EINVAL, "%s: no version; add 'version:' or use --version", m->path);
        goto out;
    }
    if ((err = cn_semver_check(p.version)) != 0 || (err = cn_name_check_slug(p.item)) != 0)
        goto out;
    if (version_flag && json_object_set_new(m->doc, "version", json_string(p.version)) != 0) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = check_new_version(&p, node)) != 0 ||
        (err = cn_config_read(&cfg, node->home->config_path)) != 0 ||
        (err = manifest_bytes(&canonical, &canonical_len, m->doc)) != 0)
        goto out;

    /* Nothing was written so far. */
    if ((repo_path = cn_home_repo_path(node->home, node->home->node_id, p.item)) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(email, sizeof(email), "citynode-%.16s@localhost", node->home->node_id);
    if (git_signature_now(&sig, cfg->name, email) != 0) {
        err = cn_git_error(CN_ERROR, "cannot make the tagger signature");
        goto out;
    }
    if ((err = cn_git_open_bare(&repo, repo_path)) != 0 ||
        (err = restore_repo(node, repo, p.item)) != 0 ||
        (err = take_commit(&p, repo, &src, sig)) != 0)
        goto out;
    /* A hostile path (.git/hooks/..., ../x) is refused before anything is
     * signed; an import checked every tree it copied. */
    if (!src.repo_path && (err = cn_tree_check_history(
                               repo, &p.commit, p.previous ? &p.previous_commit : NULL)) != 0) {
        cn_error_wrap(err == CN_EVERIFY ? err : CN_EINVAL, "%s", src.label);
        goto out;
    }
    snprintf(tagname, sizeof(tagname), "v%s", p.version);
    if ((err = cn_git_tag_signed(&p.tag, repo, tagname, &p.commit, sig, canonical, node->key)))
        goto out;
    staged = 1;
    work = cn_path_join(node->home->tmp_dir, "publish");
    full = work ? cn_path_join(work, "full.bundle") : NULL;
    delta = work ? cn_path_join(work, "delta.bundle") : NULL;
    if (full == NULL || delta == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    /* A publish killed earlier may have left its scratch files; we hold the lock. */
    if ((err = cn_rmtree(work)) != 0 || (err = cn_mkdir_p(work, 0700)) != 0)
        goto out;
    snprintf(why, sizeof(why), "citynode: publish %s", tagname);
    /* The city's logo (config.yml logo:) rides along when it changed. */
    if ((err = write_bundles(&p, repo, full, delta)) != 0 ||
        (err = cn_profile_publish_logo(node->tuf, node->home->root, cfg, NULL)) != 0 ||
        (err = add_targets(&p, node, canonical, canonical_len, full, delta)) != 0 ||
        (err = cn_item_repo_set_main(repo, &p.commit, why)) != 0)
        goto out;
    /* The commit point: timestamp.json, the last file it writes. */
    if ((err = cn_tuf_repo_commit(node->tuf)) != 0)
        goto out;
    staged = 0;
    {
        char commit[GIT_OID_HEXSZ + 1];
        git_oid_tostr(commit, sizeof(commit), &p.commit);
        cn_meter_end(meter);
        printf("%.12s/%s@%s\n", node->home->node_id, p.item, p.version);
        fprintf(stderr, "published %s %s@%s (commit %.12s, tag %s%s)\n", p.kind, p.item, p.version,
                commit, tagname, p.has_delta ? ", delta bundle" : "");
    }
out:
    if (staged)
        unstage(repo, &p, tagname);
    if (work)
        cn_rmtree(work);
    free(work);
    free(full);
    free(delta);
    free(canonical);
    free(repo_path);
    free(p.previous);
    cn_pack_plan_free(p.history);
    git_signature_free(sig);
    git_repository_free(repo);
    cn_config_free(cfg);
    cn_manifest_free(m);
    cn_diagnostics_free(&diags);
    cn_publish_source_close(&src);
    return err;
}

/* Tell the followed peers that the timestamp moved (docs/PROTOCOL.md §12).
 * Best effort: the publication stands whatever the peers answer. */
int cn_cmd_publish(const char *home_flag, int argc, char **argv)
{
    static const struct option opts[] = {
        {"version", required_argument, NULL, 'v'},
        {"ref", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    const char *version = NULL, *ref = NULL;
    cn_meter *meter = NULL;
    cn_node *node = NULL;
    char *home = NULL;
    int c, err, quiet = 0;

    optind = 0;
    while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        if (c == 'v')
            version = optarg;
        else if (c == 'q')
            quiet = 1;
        else if (c == 'r' && *optarg != '\0')
            ref = optarg;
        else
            return cn_cli_usage_error(synopsis, c == 'r' ? "--ref needs a tag or branch name"
                                                         : "unknown option");
    }
    if (optind != argc - 1)
        return cn_cli_usage_error(synopsis, "expected one DIR or URL");
    if ((err = cn_home_resolve(&home, home_flag)) != 0 ||
        (err = cn_node_open(&node, home, CN_NODE_WRITE | CN_NODE_WAIT)) != 0)
        goto out;
    meter = cn_meter_for_stderr(quiet);
    err = publish(node, argv[optind], ref, version, meter);
    cn_meter_free(meter);
    if (err == 0) /* a root due for renewal, before the peers are hinted */
        cn_node_renew_report(node, "", CN_TUF_NEVER, NULL);
    if (err == 0 && cn_node_index_self(node) != 0) {
        fprintf(stderr, "warning: published, but not indexed for search: %s\n", cn_error_message());
        cn_error_clear();
    }
    if (err == 0)
        cn_node_hint_peers_report(node);
out:
    cn_node_free(node);
    free(home);
    return err ? cn_cli_fail(err) : 0;
}

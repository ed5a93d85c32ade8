/*
 * cmd_publish_source.h - where `citynode publish` takes what it publishes from,
 * and the manifest it signs.
 *
 *   publish DIR            a plain directory (snapshot), or a git
 *                          repository's HEAD with no uncommitted changes
 *   publish --ref REF DIR  the commit a tag or branch of the (bare or
 *                          non-bare) repository DIR names; its working
 *                          tree does not matter
 *   publish URL [--ref REF]  the same of a remote repository (http(s)://,
 *                          git://; default: its HEAD), fetched into
 *                          <home>/tmp/publish-fetch within sync's bounds
 *
 * From git, the manifest is the commit's, and so are the files it names.
 */
#ifndef CN_CMD_PUBLISH_SOURCE_H
#define CN_CMD_PUBLISH_SOURCE_H

#include <stddef.h> /* before core/progress.h, which uses NULL */

#include "core/progress.h"
#include "node/node.h"
#include "schemas/manifest.h"

#include <git2.h>

typedef struct {
    char *label;     /* how messages name the source: DIR, or URL without user:password@ */
    char *repo_path; /* the repository the commit is imported from (NULL: a plain directory) */
    char *scratch;   /* the fetch's scratch repository, removed by close (or NULL) */
    git_oid commit;  /* the commit published, whose manifest was read */
} cn_publish_source;

/* Choose the source arg (DIR or URL) and ref (NULL: none) name, fetch it if
 * remote (its progress reported through progress, which may be NULL), and
 * load its manifest into *m (diagnostics in diags). Everything
 * refused is refused here, before the node is written to; the scratch
 * repository of a fetch killed earlier is removed first. The caller holds
 * the node's lock and always calls cn_publish_source_close. */
int cn_publish_source_open(cn_publish_source *src, cn_manifest **m, cn_diagnostics *diags,
                           const cn_node *node, const char *arg, const char *ref,
                           const cn_progress *progress);

/* Remove the scratch repository and free what src holds. */
void cn_publish_source_close(cn_publish_source *src);

#endif

/*
 * git_fetch.h - fetch one ref of a remote git repository (http, https,
 * git://) into a local bare repository, within bounds.
 *
 * libgit2 1.5 has no timeouts of its own (its sockets block for as long as
 * a server keeps them open), so a fetch routes every connection libgit2
 * opens, TLS ones included, through a socket of citynode's that bounds the
 * connect, the rate (a server that sends nothing, or drips, is cut off),
 * the time and bytes until the refs are listed, and the bytes received;
 * the pack is scanned (core/pack.h) before libgit2 inflates an object.
 */
#ifndef CN_GIT_FETCH_H
#define CN_GIT_FETCH_H

#include <stddef.h> /* before core/progress.h, which uses NULL */

#include "core/progress.h"

#include <git2.h>
#include <stdint.h>

typedef struct {
    long connect_timeout_s; /* give up connecting after this long; 0: 10 */
    /* Abort when less than low_speed_bytes per second come for
     * low_speed_time_s of waiting on the server; 0/0: 1024 for 15. */
    long low_speed_bytes;
    long low_speed_time_s;
    long refs_timeout_s;         /* the server's list of refs must come within this; 0: 300 */
    uint64_t max_refs_bytes;     /* most bytes received until the refs are listed; 0: 32 MiB */
    uint64_t max_bytes;          /* most bytes received from the server in all; 0: 4 GiB */
    uint64_t max_object;         /* largest object the pack may make; 0: CN_PACK_MAX_OBJECT */
    const cn_progress *progress; /* "Receiving objects", "Resolving deltas"; may be NULL */
} cn_git_fetch_options;

#define CN_GIT_FETCH_OPTIONS_INIT                                                                  \
    {                                                                                              \
        0, 0, 0, 0, 0, 0, 0, NULL                                                                  \
    }

/* 1 if url is one cn_git_fetch takes: http://, https:// or git://, else 0. */
int cn_git_fetch_url_ok(const char *url);

/* The commit ref names in the local repository repo, by cn_git_fetch's
 * rules for a name (below). CN_EINVAL if it names nothing or no commit,
 * CN_EUSAGE if it is not a valid ref name. */
int cn_git_resolve_ref(git_oid *out, git_repository *repo, const char *ref);

/* Fetch into repo (a bare repository; refs are not touched) the history of
 * the commit that ref names in the repository at url: NULL for the remote's
 * HEAD; a name starting with "refs/" exactly; any other name as refs/tags/NAME,
 * else refs/heads/NAME (git's order). Only that ref is fetched. *out gets the
 * commit (an annotated tag is peeled; the tag object is fetched too).
 *
 * CN_EUSAGE for a URL of another scheme; CN_EINVAL if the remote has no such
 * ref, or it names no commit; CN_ENET when the server cannot be reached,
 * answers wrongly, stalls or is slower than the bounds; CN_ELIMIT past
 * max_bytes or for an object past max_object (CN_EINVAL for a pack that is
 * not one). repo gets a pack writer of its own in its object database (so
 * pass a scratch repository). Messages never hold the URL (it may carry a
 * password): the caller names the source.
 *
 * For its duration a fetch registers its socket with libgit2 as the
 * process's standard stream, so fetches run one at a time (a lock), and
 * nothing else in the process may use libgit2's network meanwhile. */
int cn_git_fetch(git_oid *out, git_repository *repo, const char *url, const char *ref,
                 const cn_git_fetch_options *opts);

#endif

/*
 * peer.c - the cn_peer record: policy names and freeing.
 */
#include "peers/peers.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>

static const char *const policy_names[] = {"mirror", "index", "block"};

const char *cn_peer_policy_name(cn_peer_policy policy)
{
    if ((unsigned)policy >= sizeof(policy_names) / sizeof(policy_names[0]))
        return "unknown";
    return policy_names[policy];
}

int cn_peer_policy_parse(cn_peer_policy *out, const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++) {
        if (strcmp(name, policy_names[i]) == 0) {
            *out = (cn_peer_policy)i;
            return 0;
        }
    }
    return cn_error_set(CN_EUSAGE, "unknown policy '%s' (expected mirror, index or block)", name);
}

void cn_peer_clear(cn_peer *peer)
{
    if (peer == NULL)
        return;
    free(peer->alias);
    free(peer->name);
    free(peer->url);
    free(peer->via);
    free(peer->last_result);
    free(peer->last_error);
    memset(peer, 0, sizeof(*peer));
}

void cn_peer_list_free(cn_peer *peers, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        cn_peer_clear(&peers[i]);
    free(peers);
}

/*
 * tuf_internal.h - what core/tuf.c, core/tuf_repo.c and core/tuf_client.c
 * share. Not part of the public API (that is core/tuf.h).
 */
#ifndef CN_TUF_INTERNAL_H
#define CN_TUF_INTERNAL_H

#include "core/tuf.h"

/* A parsed envelope. For targets metadata, targets[] lists the targets in
 * path order (paths and custom borrowed from json). */
struct cn_tuf_metadata {
    cn_tuf_role role;
    char what[64];   /* name used in messages, e.g. "timestamp.json" */
    json_t *json;    /* the whole envelope */
    json_t *signed_; /* borrowed from json */
    uint64_t version;
    time_t expires;
    unsigned char *bytes; /* exact input bytes */
    size_t len;
    int consistent_snapshot; /* root only */
    cn_tuf_target_info *targets;
    size_t ntargets;
};

/* Parse and check a "meta" file-info object {version, length?, hashes?}. */
typedef struct {
    uint64_t version;
    int has_length;
    uint64_t length;
    const json_t *hashes; /* NULL if absent */
} cn_tuf_meta_info;

/* Look up signed.meta[name] in a timestamp or snapshot (already checked by
 * parse). CN_EINVAL if absent. */
int cn_tuf_meta_get(cn_tuf_meta_info *out, const cn_tuf_metadata *md, const char *name);

/* Check data against a meta info's length and hashes (CN_EVERIFY naming what). */
int cn_tuf_meta_check_bytes(const cn_tuf_meta_info *mi, const void *data, size_t len,
                            const char *what);

/* Build the sorted target info array from a targets object (path -> fileinfo),
 * checking each entry. *out is malloc'ed; paths/custom borrowed from targets. */
int cn_tuf_targets_index(cn_tuf_target_info **out, size_t *n, const json_t *targets,
                         const char *what);

/* Binary search in a sorted target info array. */
const cn_tuf_target_info *cn_tuf_targets_find(const cn_tuf_target_info *arr, size_t n,
                                              const char *path);

/* Sign `signed_` with every key of rk (each must hold its private key) plus,
 * if extra is not NULL, every key of extra not already used; return the
 * canonical envelope bytes (caller frees). */
int cn_tuf_sign_envelope(char **out, size_t *outlen, const json_t *signed_,
                         const cn_tuf_role_keys *rk, const cn_tuf_role_keys *extra);

/* 1 if the two roots authorize the same keyids and threshold for role. */
int cn_tuf_role_keys_equal(const cn_tuf_metadata *a, const cn_tuf_metadata *b, cn_tuf_role role);

/* "tuf/N.<role>.json" or, without consistent snapshots / for the timestamp,
 * "tuf/<role>.json" (heap string). */
char *cn_tuf_metadata_path(cn_tuf_role role, uint64_t version, int consistent);

#endif

/*
 * semver.h - Semantic Versioning 2.0.0 parsing and precedence.
 */
#ifndef CN_SEMVER_H
#define CN_SEMVER_H

#include <stddef.h>

#define CN_SEMVER_MAX 64

/* 0 if s is a valid semver 2.0.0 version of at most CN_SEMVER_MAX bytes
 * (no leading "v"), CN_EINVAL with a message otherwise. */
int cn_semver_check(const char *s);

/* Precedence per semver §11: <0, 0, >0. Build metadata is ignored. Both must
 * be valid (check first). */
int cn_semver_compare(const char *a, const char *b);

#endif

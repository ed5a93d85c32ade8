/*
 * error.h - citynode's error codes and the last error's message.
 *
 * Every function that can fail returns int: 0 (CN_OK) or a negative CN_E...
 * code, and records a human-readable message with cn_error_set(). The message
 * is kept per thread, so a caller can print it after any failed call.
 */
#ifndef CN_ERROR_H
#define CN_ERROR_H

#include <stdarg.h>

typedef enum {
    CN_OK = 0,
    CN_ERROR = -1,         /* operational error (I/O, library failure) */
    CN_ENOMEM = -2,        /* out of memory */
    CN_EINVAL = -3,        /* invalid input: bad manifest, malformed data */
    CN_EUSAGE = -4,        /* bad command-line usage */
    CN_ENOTFOUND = -5,     /* a named thing does not exist */
    CN_EEXISTS = -6,       /* a thing that must be new already exists */
    CN_ELIMIT = -7,        /* a size, depth or count bound was exceeded */
    CN_EVERIFY = -8,       /* verification failed: signature, hash, rollback, expiry */
    CN_ENET = -9,          /* network: peer unreachable, HTTP failure */
    CN_EUNSUPPORTED = -10, /* a feature or format outside what is implemented */
    CN_ELOCKED = -11,      /* another process owns the node directory */
} cn_error_code;

/* Record a message for code and return code, so callers can write
 * `return cn_error_set(CN_EINVAL, "...")`. */
int cn_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefix the current message with "prefix: " (for adding context on the way up). */
int cn_error_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last message recorded on this thread, or "" if none. Never NULL. */
const char *cn_error_message(void);

/* The code recorded with the last message on this thread (CN_OK if none). */
int cn_error_last(void);

void cn_error_clear(void);

/* The process exit status for an error code (DESIGN.md §7):
 * 0 success, 1 operational, 2 usage or invalid input, 3 verification failed. */
int cn_error_exit_status(int code);

#endif

/*
 * error.c - per-thread last error message.
 */
#include "core/error.h"

#include <stdio.h>
#include <string.h>

#define CN_ERROR_MAX 1024

static _Thread_local char last_message[CN_ERROR_MAX];
static _Thread_local int last_code;

int cn_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof(last_message), fmt, ap);
    va_end(ap);
    last_code = code;
    return code;
}

int cn_error_wrap(int code, const char *fmt, ...)
{
    char prefix[CN_ERROR_MAX];
    char old[CN_ERROR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, last_message, sizeof(old));
    /* Truncation of an overlong message is acceptable: it stays a valid string. */
    if (old[0] != '\0') {
        size_t n = strnlen(prefix, sizeof(prefix) - 1);
        memcpy(last_message, prefix, n);
        if (n + 2 < sizeof(last_message)) {
            memcpy(last_message + n, ": ", 2);
            n += 2;
        }
        snprintf(last_message + n, sizeof(last_message) - n, "%.*s", (int)(sizeof(old) - 1), old);
    } else {
        memcpy(last_message, prefix, sizeof(prefix));
    }
    last_code = code;
    return code;
}

const char *cn_error_message(void)
{
    return last_message;
}

int cn_error_last(void)
{
    return last_code;
}

void cn_error_clear(void)
{
    last_message[0] = '\0';
    last_code = CN_OK;
}

int cn_error_exit_status(int code)
{
    switch (code) {
    case CN_OK:
        return 0;
    case CN_EINVAL:
    case CN_EUSAGE:
    case CN_ELIMIT:
    case CN_EUNSUPPORTED:
        return 2;
    case CN_EVERIFY:
        return 3;
    default:
        return 1;
    }
}

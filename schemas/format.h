/*
 * format.h - the string formats citynode's validator asserts.
 *
 * Standard JSON Schema formats: date and date-time (RFC 3339, leap seconds
 * only at 23:59:60 UTC), email (RFC 5321 mailbox: dot-atom or quoted local
 * part, host name or address literal), uri (RFC 3986 absolute URI) and
 * uri-reference (RFC 3986 URI or relative reference).
 *
 * citynode extension: spdx-expression, an SPDX licence expression (SPDX spec
 * annex D): licence ids from the SPDX License List (case-insensitive), `+`,
 * LicenseRef-/DocumentRef- references, WITH an exception id, AND, OR and
 * parentheses.
 */
#ifndef CN_FORMAT_H
#define CN_FORMAT_H

#include <stddef.h>

/* Whether name is a format this module checks. */
int cn_format_known(const char *name);

/* 1 if s (len bytes) is valid for format name, 0 if not (also for an
 * unknown name). */
int cn_format_check(const char *name, const char *s, size_t len);

/* Whether id is on the SPDX License List (licences), or its exceptions. */
int cn_spdx_license_known(const char *id, size_t len);
int cn_spdx_exception_known(const char *id, size_t len);

#endif

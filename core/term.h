/*
 * term.h - text for terminals: what came from outside, made harmless to print.
 *
 * A title, a node's name or an error quoting a peer's document is text some
 * other node wrote. Printed as is, its escape sequences would drive the
 * reader's terminal (retitle the window, clear the screen, move the cursor
 * over a line already printed) and its line breaks and bidirectional
 * controls would forge lines or reorder what is read. Everything that prints
 * such text goes through this module; JSON output does not need to (jansson
 * writes control characters as \u escapes).
 */
#ifndef CN_TERM_H
#define CN_TERM_H

#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>

/* Appends len bytes of s to out, escaped for a terminal:
 *   - line feed, carriage return and tab as \n, \r, \t; the other C0
 *     controls and DEL as \xHH (ESC is \x1b);
 *   - the C1 controls U+0080-U+009F and the bidirectional controls (U+061C,
 *     U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) as \uHHHH;
 *   - each byte that is not part of well-formed UTF-8 as U+FFFD;
 *   - everything else (printable ASCII, other UTF-8) unchanged.
 * s may hold NUL bytes (written \x00). Fails only as cn_buf_put does. */
int cn_term_escape(cn_buf *out, const char *s, size_t len);

/* Appends fmt formatted to out, as vsnprintf would, except that the text of
 * every %s and %c argument is escaped by cn_term_escape: the format itself is
 * trusted (its line breaks are kept), the arguments are not. A %s precision
 * counts bytes of the argument as printf's does but never cuts a UTF-8
 * character in two; a width pads the escaped text. %n is refused
 * (CN_EINVAL), as are %ls, %lc and a conversion this function does not know. */
int cn_term_vformat(cn_buf *out, const char *fmt, va_list ap);

/* cn_term_vformat to stream f: the printf of every command that prints text
 * it did not write itself. Returns 0, or CN_ENOMEM / CN_EINVAL / CN_ERROR (a failed write) with
 * the error set; nothing is written when formatting fails. */
int cn_term_fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

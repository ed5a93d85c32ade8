/*
 * csv.h - a preview of a CSV file's first rows, for people (the registry's
 * GET /api/v1/items/<node>/<item>/preview/<path>, docs/api.yaml).
 *
 * A city's CSV file is whatever its office spreadsheet wrote: often ';'
 * between fields and windows-1252 text, sometimes tabs or '|', sometimes
 * UTF-16 with a byte order mark. The preview takes the first
 * CN_CSV_READ_MAX bytes of it and
 *
 *   - decodes them (cn_csv_decode): UTF-8 without its BOM, UTF-16 LE or BE
 *     with a BOM, else valid UTF-8, else windows-1252; always to UTF-8 with
 *     the C0 controls other than tab, line feed and carriage return
 *     replaced by U+FFFD;
 *   - finds the delimiter among ',' ';' TAB '|': the one for which the
 *     most of the first CN_CSV_SNIFF_ROWS rows have the same number of
 *     fields, that number above 1; on a tie the one giving more fields
 *     ("1,5;2;3" is three fields, not two), then the earlier in that list;
 *     ',' when none splits a row;
 *   - splits rows as RFC 4180 says (fields in double quotes may hold the
 *     delimiter, line breaks and "" for a quote; CRLF, LF or CR end a
 *     row), leniently: a quote inside an unquoted field is a character,
 *     text after a closing quote is kept, a quoted field the data ends in
 *     is kept as far as it goes.
 *
 * Bounds: CN_CSV_ROWS_MAX rows (a header and 20), CN_CSV_COLUMNS_MAX fields
 * per row and CN_CSV_CELL_MAX characters per field are kept; whatever lies
 * beyond any of them, or beyond the bytes read, makes "truncated" true.
 * Pure functions: no I/O, no global state, safe from any thread.
 */
#ifndef CN_CSV_H
#define CN_CSV_H

#include "core/buf.h"

#include <jansson.h>
#include <stddef.h>

#define CN_CSV_READ_MAX    (64 * 1024) /* bytes of a file looked at */
#define CN_CSV_ROWS_MAX    21          /* rows in a preview: a header and 20 */
#define CN_CSV_COLUMNS_MAX 256         /* fields per row in a preview */
#define CN_CSV_CELL_MAX    500         /* characters (code points) per field */
#define CN_CSV_SNIFF_ROWS  10          /* rows the delimiter is chosen by */

/* data (len bytes, all of them) decoded to UTF-8 into out, as above. *encoding
 * is set to a static name: "UTF-8", "UTF-16LE", "UTF-16BE" or
 * "windows-1252". When cut is set, data is the start of a longer file: a
 * UTF-8 or UTF-16 sequence it ends in the middle of is dropped rather than
 * taken for an error. Fails only as cn_buf_put does. */
int cn_csv_decode(cn_buf *out, const char **encoding, const unsigned char *data, size_t len,
                  int cut);

/* The name cn_csv_decode would give the encoding of data (len bytes; cut as
 * there), without decoding it. */
const char *cn_csv_encoding(const unsigned char *data, size_t len, int cut);

/* The preview of the file whose first len bytes are data (only the first
 * CN_CSV_READ_MAX are looked at); file_size is its whole size (a larger
 * one makes the preview truncated). delimiter forces one ('\t' for a .tsv
 * file), 0 finds it. *out is a new object
 *   {"encoding": "...", "delimiter": ";", "rows": [["h1", "h2"], ...],
 *    "truncated": false}
 * CN_ENOMEM is the only failure. */
int cn_csv_preview(json_t **out, const unsigned char *data, size_t len, size_t file_size,
                   char delimiter);

#endif

/*
 * csv.c - a preview of a CSV file's first rows: decoding to UTF-8, finding
 * the delimiter, splitting rows as RFC 4180 says (core/csv.h).
 */
#include "core/csv.h"
#include "core/error.h"

#include <stdint.h>
#include <string.h>

/* U+0080-U+009F of windows-1252 (WHATWG's index); 0: undefined there. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

/* Append code point cp as UTF-8; controls other than tab, line feed and
 * carriage return, surrogates and what lies beyond U+10FFFF as U+FFFD. */
static int put_cp(cn_buf *out, uint32_t cp)
{
    unsigned char b[4];
    size_t n;

    if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7f ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = 0xFFFD;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return cn_buf_put(out, b, n);
}

/* The length of the well-formed UTF-8 sequence at p (at most n bytes), its
 * code point in *cp; 0 if it is not one (overlong, surrogate, beyond
 * U+10FFFF, a stray continuation byte), -1 if it is cut short by the end. */
static int utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    uint32_t min, v;
    int len, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, v = c & 0x07, min = 0x10000;
    else
        return 0;
    for (i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return -1;
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* 1 if data is well-formed UTF-8 (a sequence cut by the end allowed when
 * cut is set). */
static int is_utf8(const unsigned char *data, size_t len, int cut)
{
    size_t i = 0;
    uint32_t cp;

    while (i < len) {
        int n = utf8_seq(data + i, len - i, &cp);
        if (n < 0)
            return cut;
        if (n == 0)
            return 0;
        i += (size_t)n;
    }
    return 1;
}

static int decode_utf8(cn_buf *out, const unsigned char *data, size_t len, int cut)
{
    size_t i = 0;
    uint32_t cp;
    int err = 0;

    while (i < len && err == 0) {
        int n = utf8_seq(data + i, len - i, &cp);
        if (n < 0 && cut)
            break; /* a sequence the read cut short */
        if (n <= 0) {
            cp = 0xFFFD; /* a byte of no well-formed sequence (after a BOM) */
            n = 1;
        }
        err = put_cp(out, cp);
        i += (size_t)n;
    }
    return err;
}

static int decode_utf16(cn_buf *out, const unsigned char *data, size_t len, int big, int cut)
{
    size_t i = 0;
    int err = 0;

    while (i + 1 < len && err == 0) {
        uint32_t u =
            big ? (uint32_t)data[i] << 8 | data[i + 1] : (uint32_t)data[i + 1] << 8 | data[i];
        i += 2;
        if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t lo;
            if (i + 1 >= len) {
                if (cut)
                    break; /* the pair's second half is beyond what was read */
                err = put_cp(out, 0xFFFD);
                break;
            }
            lo = big ? (uint32_t)data[i] << 8 | data[i + 1] : (uint32_t)data[i + 1] << 8 | data[i];
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                i += 2;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            } else {
                u = 0xFFFD;
            }
        }
        err = put_cp(out, u); /* a lone low surrogate becomes U+FFFD */
    }
    if (err == 0 && i < len && !cut)
        err = put_cp(out, 0xFFFD); /* an odd last byte */
    return err;
}

const char *cn_csv_encoding(const unsigned char *data, size_t len, int cut)
{
    if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
        return "UTF-8";
    if (len >= 2 && data[0] == 0xFF && data[1] == 0xFE)
        return "UTF-16LE";
    if (len >= 2 && data[0] == 0xFE && data[1] == 0xFF)
        return "UTF-16BE";
    return is_utf8(data, len, cut) ? "UTF-8" : "windows-1252";
}

int cn_csv_decode(cn_buf *out, const char **encoding, const unsigned char *data, size_t len,
                  int cut)
{
    size_t i;
    int err = 0;

    if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
        *encoding = "UTF-8";
        return decode_utf8(out, data + 3, len - 3, cut);
    }
    if (len >= 2 && data[0] == 0xFF && data[1] == 0xFE) {
        *encoding = "UTF-16LE";
        return decode_utf16(out, data + 2, len - 2, 0, cut);
    }
    if (len >= 2 && data[0] == 0xFE && data[1] == 0xFF) {
        *encoding = "UTF-16BE";
        return decode_utf16(out, data + 2, len - 2, 1, cut);
    }
    if (is_utf8(data, len, cut)) {
        *encoding = "UTF-8";
        return decode_utf8(out, data, len, cut);
    }
    *encoding = "windows-1252";
    for (i = 0; i < len && err == 0; i++) {
        uint32_t cp = data[i];
        if (cp >= 0x80 && cp <= 0x9F)
            cp = cp1252_high[cp - 0x80] ? cp1252_high[cp - 0x80] : 0xFFFD;
        err = put_cp(out, cp);
    }
    return err;
}

/* ---- rows ------------------------------------------------------------ */

typedef struct {
    const char *p, *end; /* the decoded text left */
    char delim;
    int truncated; /* something was left out of the rows kept */
} csv_reader;

/* Append the byte c of a field to cell unless the field already has
 * CN_CSV_CELL_MAX characters; *chars counts them, *taking says whether the
 * current character's bytes are kept. */
static int cell_put(cn_buf *cell, size_t *chars, int *taking, csv_reader *r, char c)
{
    if (((unsigned char)c & 0xC0) != 0x80) { /* the first byte of a character */
        *taking = *chars < CN_CSV_CELL_MAX;
        if (*taking)
            (*chars)++;
        else
            r->truncated = 1;
    }
    return *taking ? cn_buf_put(cell, &c, 1) : 0;
}

/* Read one row at r->p into row (NULL: only count its fields), advancing
 * past its line break. *nfields is its number of fields. */
static int read_row(csv_reader *r, json_t *row, size_t *nfields)
{
    cn_buf cell = CN_BUF_INIT;
    const char *p = r->p;
    int err = 0, row_done = 0;

    *nfields = 0;
    while (!row_done && err == 0) {
        size_t chars = 0;
        int quoted = 0, taking = 1, field_done = 0;

        cn_buf_reset(&cell);
        if (p < r->end && *p == '"') {
            quoted = 1;
            p++;
        }
        while (!field_done && err == 0) {
            if (p >= r->end) {
                field_done = row_done = 1;
            } else if (quoted) {
                if (*p == '"' && p + 1 < r->end && p[1] == '"') {
                    err = cell_put(&cell, &chars, &taking, r, '"');
                    p += 2;
                } else if (*p == '"') {
                    quoted = 0; /* text after the closing quote is kept */
                    p++;
                } else {
                    err = cell_put(&cell, &chars, &taking, r, *p++);
                }
            } else if (*p == r->delim) {
                p++;
                field_done = 1;
            } else if (*p == '\n' || *p == '\r') {
                p += (*p == '\r' && p + 1 < r->end && p[1] == '\n') ? 2 : 1;
                field_done = row_done = 1;
            } else {
                err = cell_put(&cell, &chars, &taking, r, *p++);
            }
        }
        if (err != 0)
            break;
        (*nfields)++;
        if (row == NULL)
            continue;
        if (*nfields > CN_CSV_COLUMNS_MAX) {
            r->truncated = 1;
            continue;
        }
        if (json_array_append_new(row,
                                  json_stringn(cell.data ? (char *)cell.data : "", cell.len)) != 0)
            err = cn_error_set(CN_ENOMEM, "out of memory");
    }
    cn_buf_free(&cell);
    r->p = p;
    return err;
}

/* 1 if the text at p ends the line at once (an empty line). */
static int empty_line(const char *p, const char *end)
{
    return p < end && (*p == '\n' || *p == '\r');
}

static void skip_line_break(csv_reader *r)
{
    r->p += (*r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n') ? 2 : 1;
}

/* How many of the first CN_CSV_SNIFF_ROWS rows have the most common number
 * of fields when delim splits them, that number above 1 (0 if none), and
 * that number in *fields. */
static size_t delimiter_score(const char *text, size_t len, char delim, size_t *fields)
{
    csv_reader r = {text, text + len, delim, 0};
    size_t counts[CN_CSV_SNIFF_ROWS], n = 0, best = 0;

    *fields = 0;
    while (n < CN_CSV_SNIFF_ROWS && r.p < r.end) {
        if (empty_line(r.p, r.end)) {
            skip_line_break(&r);
            continue;
        }
        if (read_row(&r, NULL, &counts[n]) != 0)
            return 0;
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        size_t same = 0;
        if (counts[i] < 2)
            continue;
        for (size_t j = 0; j < n; j++)
            same += counts[j] == counts[i];
        if (same > best || (same == best && counts[i] > *fields)) {
            best = same;
            *fields = counts[i];
        }
    }
    return best;
}

/* The delimiter that splits the most of the first rows alike; on a tie the
 * one that gives more fields (a German "1,5;2;3" is three fields, not two),
 * then the earlier in the list. */
static char find_delimiter(const char *text, size_t len)
{
    static const char candidates[] = {',', ';', '\t', '|'};
    size_t best = 0, best_fields = 0;
    char found = ',';

    for (size_t i = 0; i < sizeof(candidates); i++) {
        size_t fields, score = delimiter_score(text, len, candidates[i], &fields);
        if (score > best || (score == best && score > 0 && fields > best_fields)) {
            best = score;
            best_fields = fields;
            found = candidates[i];
        }
    }
    return found;
}

int cn_csv_preview(json_t **out, const unsigned char *data, size_t len, size_t file_size,
                   char delimiter)
{
    cn_buf text = CN_BUF_INIT;
    const char *encoding = "UTF-8";
    json_t *rows = NULL, *doc = NULL;
    csv_reader r;
    char delim_text[2];
    int err, cut = len > CN_CSV_READ_MAX || file_size > len;

    *out = NULL;
    if (len > CN_CSV_READ_MAX)
        len = CN_CSV_READ_MAX;
    if ((err = cn_csv_decode(&text, &encoding, data, len, cut)) != 0)
        goto out;
    if ((rows = json_array()) == NULL) {
        err = cn_error_set(CN_ENOMEM, "out of memory");
        goto out;
    }
    r.p = text.data ? (const char *)text.data : "";
    r.end = r.p + text.len;
    r.delim = delimiter ? delimiter : find_delimiter(r.p, text.len);
    r.truncated = 0;
    while (r.p < r.end && err == 0) {
        json_t *row;
        size_t nfields;
        if (empty_line(r.p, r.end)) {
            skip_line_break(&r);
            continue;
        }
        if (json_array_size(rows) == CN_CSV_ROWS_MAX) {
            r.truncated = 1; /* a row beyond the ones shown */
            break;
        }
        if ((row = json_array()) == NULL || json_array_append_new(rows, row) != 0) {
            err = cn_error_set(CN_ENOMEM, "out of memory");
            break;
        }
        err = read_row(&r, row, &nfields);
    }
    if (err != 0)
        goto out;
    delim_text[0] = r.delim;
    delim_text[1] = '\0';
    doc = json_pack("{s:s, s:s, s:O, s:b}", "encoding", encoding, "delimiter", delim_text, "rows",
                    rows, "truncated", r.truncated || cut);
    if (doc == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    json_decref(rows);
    cn_buf_free(&text);
    if (err == 0)
        *out = doc;
    return err;
}

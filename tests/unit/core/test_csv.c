/*
 * test_csv.c - the preview of a CSV file's first rows (core/csv.h): the
 * encodings a city's spreadsheet writes, the delimiter found among , ; TAB
 * |, RFC 4180 quoting, and the bounds on rows, fields, characters and
 * bytes, with hostile input (a giant quoted field, huge lines, broken
 * UTF-8, controls).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

#define FFFD "\xEF\xBF\xBD"

static json_t *preview(const char *data, size_t len, char delim)
{
    json_t *doc = NULL;

    assert_int_equal(cn_csv_preview(&doc, (const unsigned char *)data, len, len, delim), 0);
    assert_non_null(doc);
    return doc;
}

/* rows of doc as one string: cells joined by '|', rows by '\n'. */
static char *rows_text(const json_t *doc)
{
    cn_buf b = CN_BUF_INIT;
    const json_t *rows = json_object_get(doc, "rows"), *row, *cell;
    size_t i, j;

    json_array_foreach(rows, i, row)
    {
        json_array_foreach(row, j, cell)
        {
            assert_int_equal(cn_buf_printf(&b, "%s%s", j ? "|" : "", json_string_value(cell)), 0);
        }
        assert_int_equal(cn_buf_puts(&b, "\n"), 0);
    }
    assert_int_equal(cn_buf_puts(&b, ""), 0);
    return cn_buf_detach(&b, NULL);
}

static void expect_rows(const char *data, size_t len, char delim, const char *want_delim,
                        const char *want_encoding, const char *want_rows, int truncated)
{
    json_t *doc = preview(data, len, delim);
    char *text = rows_text(doc);

    assert_string_equal(json_string_value(json_object_get(doc, "delimiter")), want_delim);
    assert_string_equal(json_string_value(json_object_get(doc, "encoding")), want_encoding);
    assert_string_equal(text, want_rows);
    assert_int_equal(json_is_true(json_object_get(doc, "truncated")), truncated);
    free(text);
    json_decref(doc);
}

static void test_delimiters_are_found(void **state)
{
    (void)state;
    expect_rows("a,b,c\n1,2,3\n", 12, 0, ",", "UTF-8", "a|b|c\n1|2|3\n", 0);
    expect_rows("a;b;c\n1,5;2;3\n", 14, 0, ";", "UTF-8", "a|b|c\n1,5|2|3\n", 0);
    expect_rows("a\tb\n1\t2\n", 8, 0, "\t", "UTF-8", "a|b\n1|2\n", 0);
    expect_rows("a|b\n1|2\n", 8, 0, "|", "UTF-8", "a|b\n1|2\n", 0);
    /* German decimals: ',' splits every row, but unevenly; ';' evenly */
    expect_rows("x;y\n1,5;2\n3;4,25\n2,5;1\n", 23, 0, ";", "UTF-8", "x|y\n1,5|2\n3|4,25\n2,5|1\n",
                0);
    /* ',' and ';' both split every row alike: the one giving more fields wins */
    expect_rows("d;place;n;0,45\r\nd;place;n;1,5\r\n", 31, 0, ";", "UTF-8",
                "d|place|n|0,45\nd|place|n|1,5\n", 0);
    expect_rows("a,b,c|d\ne,f,g|h\n", 16, 0, ",", "UTF-8", "a|b|c|d\ne|f|g|h\n", 0);
    /* no delimiter at all: one column, ',' named */
    expect_rows("alone\nagain\n", 12, 0, ",", "UTF-8", "alone\nagain\n", 0);
    /* a .tsv file says its delimiter */
    expect_rows("a,b\tc\n", 6, '\t', "\t", "UTF-8", "a,b|c\n", 0);
}

static void test_rfc4180_quoting(void **state)
{
    const char *csv = "name,note\r\n\"Ring, Nord\",\"say \"\"hi\"\"\"\r\n\"two\r\nlines\",x\r\n";

    (void)state;
    expect_rows(csv, strlen(csv), 0, ",", "UTF-8",
                "name|note\nRing, Nord|say \"hi\"\ntwo\r\nlines|x\n", 0);
    /* a quote inside an unquoted field is a character; text after a closing quote is kept */
    expect_rows("a\"b,\"c\"d\n", 9, 0, ",", "UTF-8", "a\"b|cd\n", 0);
    /* empty fields and empty lines */
    expect_rows("a,,c\n\n\n,,\n", 10, 0, ",", "UTF-8", "a||c\n||\n", 0);
    /* a quoted field the file ends in */
    expect_rows("a,\"open", 7, 0, ",", "UTF-8", "a|open\n", 0);
}

static void test_encodings(void **state)
{
    /* windows-1252: ß ä € and an undefined byte (0x81) */
    const char cp1252[] = "Stra\xDF"
                          "e;Pl\xE4tze\n\x80;\x81\n";
    const char bom[] = "\xEF\xBB\xBFh1,h2\n1,2\n";
    const char le[] = "\xFF\xFEh\0,\0\xE4\0\n\0\x3D\xD8\x00\xDE,\0x\0\n\0";
    const char be[] = "\xFE\xFF\0h\0,\0\xE4\0\n";

    (void)state;
    expect_rows(cp1252, sizeof(cp1252) - 1, 0, ";", "windows-1252", "Straße|Plätze\n€|" FFFD "\n",
                0);
    expect_rows(bom, sizeof(bom) - 1, 0, ",", "UTF-8", "h1|h2\n1|2\n", 0);
    expect_rows(le, sizeof(le) - 1, 0, ",", "UTF-16LE", "h|ä\n\xF0\x9F\x98\x80|x\n", 0);
    expect_rows(be, sizeof(be) - 1, 0, ",", "UTF-16BE", "h|ä\n", 0);
    /* valid UTF-8 stays UTF-8 */
    expect_rows("Straße;Größe\n", strlen("Straße;Größe\n"), 0, ";", "UTF-8", "Straße|Größe\n", 0);
    /* controls become U+FFFD: nothing a terminal or page could take for a command */
    expect_rows("a\x01,b\x1b[2J\n", 9, 0, ",", "UTF-8", "a" FFFD "|b" FFFD "[2J\n", 0);
    /* a NUL byte is data, not the end */
    expect_rows("a\0b,c\n", 6, 0, ",", "UTF-8", "a" FFFD "b|c\n", 0);
}

static void test_invalid_utf8_is_windows_1252(void **state)
{
    const char overlong[] = "\xC0\xAF,\xED\xA0\x80\n";
    cn_buf b = CN_BUF_INIT;
    const char *enc;

    (void)state;
    expect_rows(overlong, sizeof(overlong) - 1, 0, ",", "windows-1252",
                "\xC3\x80\xC2\xAF|\xC3\xAD\xC2\xA0"
                "\xE2\x82\xAC\n",
                0);
    /* a sequence cut by the end of what was read is not an error, only dropped */
    assert_int_equal(cn_csv_decode(&b, &enc, (const unsigned char *)"ok\xE2\x82", 4, 1), 0);
    assert_string_equal(enc, "UTF-8");
    assert_int_equal(b.len, 2);
    assert_memory_equal(b.data, "ok", 2);
    cn_buf_free(&b);
    /* the same bytes, complete: windows-1252 */
    assert_int_equal(cn_csv_decode(&b, &enc, (const unsigned char *)"ok\xE2\x82", 4, 0), 0);
    assert_string_equal(enc, "windows-1252");
    cn_buf_free(&b);
}

static void test_rows_are_bounded(void **state)
{
    cn_buf b = CN_BUF_INIT;
    json_t *doc;

    (void)state;
    for (int i = 0; i < 100; i++)
        assert_int_equal(cn_buf_printf(&b, "r%d;x\n", i), 0);
    doc = preview((char *)b.data, b.len, 0);
    assert_int_equal(json_array_size(json_object_get(doc, "rows")), CN_CSV_ROWS_MAX);
    assert_true(json_is_true(json_object_get(doc, "truncated")));
    json_decref(doc);
    cn_buf_free(&b);
    /* exactly CN_CSV_ROWS_MAX rows: nothing left out */
    for (int i = 0; i < CN_CSV_ROWS_MAX; i++)
        assert_int_equal(cn_buf_printf(&b, "r%d;x\r\n", i), 0);
    doc = preview((char *)b.data, b.len, 0);
    assert_int_equal(json_array_size(json_object_get(doc, "rows")), CN_CSV_ROWS_MAX);
    assert_false(json_is_true(json_object_get(doc, "truncated")));
    json_decref(doc);
    cn_buf_free(&b);
}

static void test_cells_and_columns_are_bounded(void **state)
{
    size_t n = 3 * CN_CSV_CELL_MAX;
    char *line = malloc(2 * n + 2);
    json_t *doc;
    const char *cell;

    (void)state;
    /* a cell of 1500 "ä" (2 bytes each): cut at CN_CSV_CELL_MAX characters, never mid-character */
    for (size_t i = 0; i < n; i++)
        memcpy(line + 2 * i, "ä", 2);
    line[2 * n] = '\n';
    doc = preview(line, 2 * n + 1, 0);
    cell = json_string_value(json_array_get(json_array_get(json_object_get(doc, "rows"), 0), 0));
    assert_int_equal(strlen(cell), 2 * CN_CSV_CELL_MAX);
    assert_true(json_is_true(json_object_get(doc, "truncated")));
    json_decref(doc);
    /* 1000 fields in a row: CN_CSV_COLUMNS_MAX kept */
    for (size_t i = 0; i < 1000; i++)
        memcpy(line + 2 * i, "x,", 2);
    line[1999] = '\n';
    doc = preview(line, 2000, 0);
    assert_int_equal(json_array_size(json_array_get(json_object_get(doc, "rows"), 0)),
                     CN_CSV_COLUMNS_MAX);
    assert_true(json_is_true(json_object_get(doc, "truncated")));
    json_decref(doc);
    free(line);
}

static void test_giant_quoted_field_and_huge_lines(void **state)
{
    size_t n = 4 * CN_CSV_READ_MAX;
    char *data = malloc(n);
    json_t *doc = NULL;
    const json_t *rows;

    (void)state;
    /* one quoted field of 256 KiB that never closes: 64 KiB read, one row of one cell */
    data[0] = '"';
    memset(data + 1, 'q', n - 1);
    doc = preview(data, n, 0);
    rows = json_object_get(doc, "rows");
    assert_int_equal(json_array_size(rows), 1);
    assert_int_equal(strlen(json_string_value(json_array_get(json_array_get(rows, 0), 0))),
                     CN_CSV_CELL_MAX);
    assert_true(json_is_true(json_object_get(doc, "truncated")));
    json_decref(doc);
    /* a huge line of delimiters only */
    memset(data, ';', n);
    doc = preview(data, n, 0);
    assert_string_equal(json_string_value(json_object_get(doc, "delimiter")), ";");
    assert_true(json_is_true(json_object_get(doc, "truncated")));
    json_decref(doc);
    /* a short file whose whole is larger than what was given: truncated */
    assert_int_equal(cn_csv_preview(&doc, (const unsigned char *)"a,b\n", 4, 1000, 0), 0);
    assert_true(json_is_true(json_object_get(doc, "truncated")));
    json_decref(doc);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delimiters_are_found),
        cmocka_unit_test(test_rfc4180_quoting),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_invalid_utf8_is_windows_1252),
        cmocka_unit_test(test_rows_are_bounded),
        cmocka_unit_test(test_cells_and_columns_are_bounded),
        cmocka_unit_test(test_giant_quoted_field_and_huge_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

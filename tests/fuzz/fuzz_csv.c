/*
 * fuzz_csv.c - libFuzzer harness for core/csv.h's preview of a CSV file.
 *
 * The input is any file a publisher could put in a repository. Whatever it
 * is, the preview must succeed, stay within its bounds (rows, fields per
 * row, characters per field) and hold only well-formed UTF-8 without
 * controls other than tab, line feed and carriage return, whichever
 * encoding and delimiter it took the bytes for; also when the bytes are
 * the start of a longer file.
 */
#include "core/csv.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless the cell s is within the bounds and clean. */
static void check_cell(const char *s)
{
    size_t chars = 0;

    if (s == NULL)
        abort();
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) != 0x80)
            chars++;
        if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
            abort();
    }
    if (chars > CN_CSV_CELL_MAX)
        abort();
}

static void check(const uint8_t *data, size_t size, size_t file_size, char delim)
{
    json_t *doc = NULL, *rows, *row, *cell;
    size_t i, j;

    /* jansson refuses a string that is not UTF-8: success means it is */
    if (cn_csv_preview(&doc, data, size, file_size, delim) != 0 || doc == NULL)
        abort();
    rows = json_object_get(doc, "rows");
    if (json_array_size(rows) > CN_CSV_ROWS_MAX ||
        !json_is_boolean(json_object_get(doc, "truncated")) ||
        strchr(",;\t|", json_string_value(json_object_get(doc, "delimiter"))[0]) == NULL)
        abort();
    json_array_foreach(rows, i, row)
    {
        if (json_array_size(row) > CN_CSV_COLUMNS_MAX)
            abort();
        json_array_foreach(row, j, cell) check_cell(json_string_value(cell));
    }
    if (file_size > size && !json_is_true(json_object_get(doc, "truncated")))
        abort();
    json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size, size, 0);
    check(data, size, size + 1, 0); /* the start of a longer file */
    check(data, size, size, '\t');  /* a .tsv file */
    return 0;
}

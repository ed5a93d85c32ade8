/*
 * fuzz_xml.c - libFuzzer harness for core/xml.h's escaping.
 *
 * The input is any text a manifest could carry, and worse. Whatever it is,
 * the output (as character data and as an attribute value) must be
 * well-formed UTF-8 of XML 1.0 characters only, with no markup character
 * but the entities the escaper writes, so it can never end an element,
 * open a tag or break a feed.
 */
#include "core/buf.h"
#include "core/xml.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The entities cn_xml_escape writes. */
static size_t entity_len(const unsigned char *p, size_t n)
{
    static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;",
                                           "&#13;", "&#9;", "&#10;"};

    for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
        size_t len = strlen(entities[i]);
        if (n >= len && memcmp(p, entities[i], len) == 0)
            return len;
    }
    return 0;
}

/* Abort unless out is what cn_xml_escape promises. */
static void check(const unsigned char *p, size_t n, int attr)
{
    size_t i = 0;

    while (i < n) {
        uint32_t cp;
        size_t len, k;

        if (p[i] == '&') {
            if ((len = entity_len(p + i, n - i)) == 0)
                abort();
            i += len;
            continue;
        }
        if (p[i] == '<' || p[i] == '>' || p[i] == '"' || p[i] == '\r' ||
            (attr && (p[i] == '\t' || p[i] == '\n')))
            abort();
        if (p[i] < 0x80) {
            if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n')
                abort();
            i++;
            continue;
        }
        len = p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : 2;
        if (p[i] < 0xC2 || p[i] > 0xF4 || i + len > n)
            abort();
        cp = p[i] & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
        for (k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                abort();
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
            abort();
        i += len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int attr = 0; attr <= 1; attr++) {
        cn_buf out = CN_BUF_INIT;

        if (cn_xml_escape(&out, (const char *)data, size, attr) != 0)
            abort();
        check(out.data, out.len, attr);
        cn_buf_free(&out);
    }
    return 0;
}

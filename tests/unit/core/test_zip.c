/*
 * test_zip.c - the ZIP writer: structure (local headers, central directory,
 * end record), deflated and stored entries read back with zlib, refused
 * names, determinism.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The content of local entry at offset, inflated or copied into out. */
static size_t read_entry(unsigned char *out, size_t cap, const unsigned char *zip, size_t offset,
                         unsigned *method, char *name, size_t name_cap)
{
    const unsigned char *h = zip + offset;
    size_t csize = le32(h + 18), usize = le32(h + 22), nlen = le16(h + 26), xlen = le16(h + 28);
    const unsigned char *data = h + 30 + nlen + xlen;

    assert_int_equal(le32(h), 0x04034b50u);
    assert_int_equal(le16(h + 6), 0x0800u); /* UTF-8 names */
    assert_true(nlen < name_cap && usize <= cap);
    memcpy(name, h + 30, nlen);
    name[nlen] = '\0';
    *method = le16(h + 8);
    if (*method == 0) {
        assert_int_equal(csize, usize);
        memcpy(out, data, usize);
    } else {
        z_stream z;
        memset(&z, 0, sizeof(z));
        assert_int_equal(*method, 8);
        assert_int_equal(inflateInit2(&z, -MAX_WBITS), Z_OK);
        z.next_in = (Bytef *)data;
        z.avail_in = (uInt)csize;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
        assert_int_equal(z.total_out, usize);
        inflateEnd(&z);
    }
    assert_int_equal(le32(h + 14), (uint32_t)crc32(crc32(0L, Z_NULL, 0), out, (uInt)usize));
    return usize;
}

static void entries_read_back(void **state)
{
    static const char readme[] = "# Connected Urban Twins (sample)\n\nUrbane digitale Zwillinge, "
                                 "Urbane digitale Zwillinge, Urbane digitale Zwillinge.\n";
    cn_zip *zip = NULL;
    unsigned char *out = NULL, *again = NULL, buf[512];
    size_t len, len2, cd_off, cd_size, n;
    const unsigned char *end, *cd;
    unsigned method;
    char name[64];

    (void)state;
    assert_int_equal(cn_zip_new(&zip, 1700000000), 0);
    assert_int_equal(cn_zip_add(zip, "README.md", readme, strlen(readme), 0644), 0);
    assert_int_equal(cn_zip_add(zip, "bin/run.sh", "#!/bin/sh\n", 10, 0755), 0);
    assert_int_equal(cn_zip_add(zip, "empty", "", 0, 0644), 0);
    assert_int_equal(cn_zip_finish(&out, &len, zip), 0);

    end = out + len - 22;
    assert_int_equal(le32(end), 0x06054b50u);
    assert_int_equal(le16(end + 8), 3);
    assert_int_equal(le16(end + 10), 3);
    cd_size = le32(end + 12);
    cd_off = le32(end + 16);
    assert_int_equal(cd_off + cd_size, len - 22);
    cd = out + cd_off;
    for (n = 0; n < 3; n++) {
        size_t nlen = le16(cd + 28);
        unsigned mode = (unsigned)(le32(cd + 38) >> 16);
        size_t got = read_entry(buf, sizeof(buf), out, le32(cd + 42), &method, name, sizeof(name));
        assert_int_equal(le32(cd), 0x02014b50u);
        assert_memory_equal(cd + 46, name, nlen);
        if (n == 0) {
            assert_string_equal(name, "README.md");
            assert_int_equal(method, 8); /* repetitive text deflates */
            assert_int_equal(got, strlen(readme));
            assert_memory_equal(buf, readme, got);
            assert_int_equal(mode, 0100644);
        } else if (n == 1) {
            assert_string_equal(name, "bin/run.sh");
            assert_int_equal(method, 0); /* too short to shrink: stored */
            assert_memory_equal(buf, "#!/bin/sh\n", 10);
            assert_int_equal(mode, 0100755);
        } else {
            assert_string_equal(name, "empty");
            assert_int_equal(got, 0);
        }
        cd += 46 + nlen;
    }
    /* The same input gives the same bytes. */
    assert_int_equal(cn_zip_add(zip, "README.md", readme, strlen(readme), 0644), 0);
    assert_int_equal(cn_zip_add(zip, "bin/run.sh", "#!/bin/sh\n", 10, 0755), 0);
    assert_int_equal(cn_zip_add(zip, "empty", "", 0, 0644), 0);
    assert_int_equal(cn_zip_finish(&again, &len2, zip), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(out, again, len);
    free(out);
    free(again);
    cn_zip_free(zip);
}

static void unsafe_names_are_refused(void **state)
{
    static const char *const bad[] = {"",
                                      "/etc/passwd",
                                      "../x",
                                      "a/../b",
                                      "a//b",
                                      "a/./b",
                                      "a/",
                                      ".",
                                      "..",
                                      "a\\b",
                                      "a\tb",
                                      ".git/config",
                                      ".GIT/hooks/post-checkout",
                                      "a/.Git/x",
                                      ".git",
                                      "src/.gIt.. /config",
                                      ".git /x",
                                      "GIT~1/hooks/post-checkout",
                                      "a/.git\xe2\x80\x8c/config"};
    cn_zip *zip = NULL;
    unsigned char *out = NULL;
    size_t len;
    char longname[CN_ZIP_MAX_NAME + 2];

    (void)state;
    assert_int_equal(cn_zip_new(&zip, 0), 0); /* before 1980: dated 1980-01-01 */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(cn_zip_add(zip, bad[i], "x", 1, 0644), CN_EINVAL);
        cn_error_clear();
    }
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(cn_zip_add(zip, longname, "x", 1, 0644), CN_EINVAL);
    cn_error_clear();
    assert_int_equal(cn_zip_add(zip, "ok/.hidden", "x", 1, 0644), 0);
    assert_int_equal(cn_zip_add(zip, "ok/.gitignore", "x", 1, 0644), 0);
    assert_int_equal(cn_zip_add(zip, "ok/git", "x", 1, 0644), 0);
    assert_int_equal(cn_zip_finish(&out, &len, zip), 0);
    assert_int_equal(le16(out + len - 22 + 10), 3);            /* only the good ones */
    assert_int_equal(le16(out + 12), (0 << 9) | (1 << 5) | 1); /* DOS date 1980-01-01 */
    free(out);
    cn_zip_free(zip);
}

/* An archive written to a file as it grows has the same bytes as one kept
 * in memory; each kind refuses the other's finish. */
static void file_archive_is_the_same(void **state)
{
    static char big[70000];
    cn_zip *mem = NULL, *file = NULL;
    unsigned char *out = NULL, *back = NULL;
    size_t len = 0, unused = 0;
    FILE *f = tmpfile();
    long flen;

    (void)state;
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)((i * 7919u) >> 3);
    assert_non_null(f);
    assert_int_equal(cn_zip_new(&mem, 1700000000), 0);
    assert_int_equal(cn_zip_new_fd(&file, 1700000000, fileno(f)), 0);
    for (int i = 0; i < 2; i++) {
        cn_zip *z = i ? file : mem;
        assert_int_equal(cn_zip_add(z, "data/big.bin", big, sizeof(big), 0644), 0);
        assert_int_equal(cn_zip_add(z, "README.md", "hello\n", 6, 0644), 0);
        assert_int_equal(cn_zip_add(z, ".git/config", "x", 1, 0644), CN_EINVAL);
        cn_error_clear();
    }
    assert_int_equal(cn_zip_finish(&back, &unused, file), CN_EUSAGE);
    assert_int_equal(cn_zip_finish_fd(mem), CN_EUSAGE);
    cn_error_clear();
    assert_int_equal(cn_zip_finish(&out, &len, mem), 0);
    assert_int_equal(cn_zip_finish_fd(file), 0);
    flen = ftell(f);
    assert_int_equal((size_t)flen, len);
    back = malloc(len);
    assert_non_null(back);
    rewind(f);
    assert_int_equal(fread(back, 1, len, f), len);
    assert_memory_equal(back, out, len);
    fclose(f);
    free(back);
    free(out);
    cn_zip_free(mem);
    cn_zip_free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entries_read_back),
        cmocka_unit_test(unsafe_names_are_refused),
        cmocka_unit_test(file_archive_is_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

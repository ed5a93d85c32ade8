/*
 * zip.c - a ZIP writer with zlib's raw deflate (zip.h), into memory or, as
 * it grows, into a file.
 */
#include "core/zip.h"
#include "core/error.h"
#include "core/tree_check.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define SIG_LOCAL      0x04034b50u
#define SIG_CENTRAL    0x02014b50u
#define SIG_END        0x06054b50u
#define FLAG_UTF8      0x0800u
#define METHOD_STORE   0u
#define METHOD_DEFLATE 8u
#define VERSION_NEEDED 20u               /* 2.0: deflate */
#define VERSION_MADE   ((3u << 8) | 20u) /* Unix, 2.0 */

struct cn_zip {
    cn_buf data;    /* local headers and file data (in memory) */
    cn_buf central; /* central directory records */
    int fd;         /* -1: the archive is kept in data */
    size_t written; /* bytes written to fd so far */
    size_t entries;
    uint16_t dos_time, dos_date;
};

static int put_le16(cn_buf *b, unsigned v)
{
    unsigned char x[2] = {(unsigned char)(v & 0xff), (unsigned char)((v >> 8) & 0xff)};
    return cn_buf_put(b, x, 2);
}

static int put_le32(cn_buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v & 0xff), (unsigned char)((v >> 8) & 0xff),
                          (unsigned char)((v >> 16) & 0xff), (unsigned char)(v >> 24)};
    return cn_buf_put(b, x, 4);
}

int cn_zip_new(cn_zip **out, time_t mtime)
{
    return cn_zip_new_fd(out, mtime, -1);
}

int cn_zip_new_fd(cn_zip **out, time_t mtime, int fd)
{
    cn_zip *zip = calloc(1, sizeof(*zip));
    struct tm tm;

    *out = NULL;
    if (zip == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    zip->fd = fd;
    /* MS-DOS time: local time by convention; UTC here, so the archive does
     * not depend on the server's time zone. Years before 1980 do not fit. */
    if (gmtime_r(&mtime, &tm) == NULL || tm.tm_year < 80) {
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = 80;
        tm.tm_mday = 1;
    }
    zip->dos_time = (uint16_t)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
    zip->dos_date = (uint16_t)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
    *out = zip;
    return 0;
}

void cn_zip_free(cn_zip *zip)
{
    if (zip == NULL)
        return;
    cn_buf_free(&zip->data);
    cn_buf_free(&zip->central);
    free(zip);
}

/* Every entry name passes here before it goes into an archive: no
 * backslash or control character (an unzipper may take either for a path
 * separator or a terminal command), and the tree-entry rules of
 * core/tree_check.h for each part: relative, no empty, "." or ".." part, no
 * ".git" in any case or file-system alias. */
static int zip_entry_name_ok(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > CN_ZIP_MAX_NAME)
        return cn_error_set(CN_EINVAL, "zip entry name of %zu bytes", len);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == '\\')
            return cn_error_set(CN_EINVAL, "zip entry name '%.80s': control character or '\\'",
                                name);
    return cn_tree_check_path(name, len);
}

/* Append n bytes to the archive: to its file, or to its memory. */
static int emit(cn_zip *zip, const void *data, size_t n)
{
    const unsigned char *p = data;

    if (zip->fd < 0)
        return cn_buf_put(&zip->data, data, n);
    while (n > 0) {
        ssize_t w = write(zip->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return cn_error_set(CN_ERROR, "cannot write the zip: %s",
                                w < 0 ? strerror(errno) : "no space written");
        p += w;
        n -= (size_t)w;
        zip->written += (size_t)w;
    }
    return 0;
}

/* Bytes of the archive so far (in memory or written). */
static size_t zip_size(const cn_zip *zip)
{
    return zip->fd < 0 ? zip->data.len : zip->written;
}

/* Raw deflate of data into a new buffer; *out is NULL when it did not come
 * out smaller (the entry is then stored). */
static int deflate_data(unsigned char **out, size_t *outlen, const void *data, size_t len)
{
    z_stream z;
    uLong bound;
    unsigned char *buf;
    int rc;

    *out = NULL;
    *outlen = 0;
    if (len == 0 || len > UINT_MAX)
        return 0;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return cn_error_set(CN_ENOMEM, "cannot start zlib");
    bound = deflateBound(&z, (uLong)len);
    if ((buf = malloc(bound)) == NULL) {
        deflateEnd(&z);
        return cn_error_set(CN_ENOMEM, "out of memory");
    }
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)bound;
    rc = deflate(&z, Z_FINISH);
    *outlen = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || *outlen >= len) {
        free(buf);
        *outlen = 0;
        return rc == Z_STREAM_END || rc == Z_OK || rc == Z_BUF_ERROR
                   ? 0
                   : cn_error_set(CN_ERROR, "zlib deflate failed (%d)", rc);
    }
    *out = buf;
    return 0;
}

int cn_zip_add(cn_zip *zip, const char *name, const void *data, size_t len, unsigned mode)
{
    unsigned char *packed = NULL;
    size_t packed_len = 0, name_len = strlen(name), offset = zip_size(zip);
    cn_buf local = CN_BUF_INIT;
    uint32_t crc;
    unsigned method;
    int err;

    if ((err = zip_entry_name_ok(name)) != 0)
        return err;
    if (zip->entries >= CN_ZIP_MAX_ENTRIES)
        return cn_error_set(CN_ELIMIT, "more than %d files for one zip", CN_ZIP_MAX_ENTRIES);
    if (len > CN_ZIP_MAX_TOTAL || offset + zip->central.len + len > CN_ZIP_MAX_TOTAL)
        return cn_error_set(CN_ELIMIT, "a zip of more than %u MiB", CN_ZIP_MAX_TOTAL >> 20);
    crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)len);
    if ((err = deflate_data(&packed, &packed_len, data, len)) != 0)
        return err;
    method = packed ? METHOD_DEFLATE : METHOD_STORE;
    if (!packed)
        packed_len = len;
    if ((err = put_le32(&local, SIG_LOCAL)) || (err = put_le16(&local, VERSION_NEEDED)) ||
        (err = put_le16(&local, FLAG_UTF8)) || (err = put_le16(&local, method)) ||
        (err = put_le16(&local, zip->dos_time)) || (err = put_le16(&local, zip->dos_date)) ||
        (err = put_le32(&local, crc)) || (err = put_le32(&local, (uint32_t)packed_len)) ||
        (err = put_le32(&local, (uint32_t)len)) || (err = put_le16(&local, (unsigned)name_len)) ||
        (err = put_le16(&local, 0)) || (err = cn_buf_put(&local, name, name_len)))
        goto out;
    if ((err = put_le32(&zip->central, SIG_CENTRAL)) ||
        (err = put_le16(&zip->central, VERSION_MADE)) ||
        (err = put_le16(&zip->central, VERSION_NEEDED)) ||
        (err = put_le16(&zip->central, FLAG_UTF8)) || (err = put_le16(&zip->central, method)) ||
        (err = put_le16(&zip->central, zip->dos_time)) ||
        (err = put_le16(&zip->central, zip->dos_date)) || (err = put_le32(&zip->central, crc)) ||
        (err = put_le32(&zip->central, (uint32_t)packed_len)) ||
        (err = put_le32(&zip->central, (uint32_t)len)) ||
        (err = put_le16(&zip->central, (unsigned)name_len)) ||
        (err = put_le16(&zip->central, 0)) || /* extra field */
        (err = put_le16(&zip->central, 0)) || /* comment */
        (err = put_le16(&zip->central, 0)) || /* disk */
        (err = put_le16(&zip->central, 0)) || /* internal attributes */
        (err = put_le32(&zip->central, (uint32_t)(0100000u | (mode & 0777u)) << 16)) ||
        (err = put_le32(&zip->central, (uint32_t)offset)) ||
        (err = cn_buf_put(&zip->central, name, name_len)))
        goto out;
    /* The archive's bytes last: a failure above leaves it as it was. */
    if ((err = emit(zip, local.data, local.len)) != 0 ||
        (err = emit(zip, packed ? packed : data, packed_len)) != 0)
        goto out;
    zip->entries++;
out:
    cn_buf_free(&local);
    free(packed);
    return err;
}

/* The central directory and the end record, after the entries. */
static int put_directory(cn_zip *zip)
{
    size_t cd_offset = zip_size(zip), cd_size = zip->central.len;
    cn_buf end = CN_BUF_INIT;
    int err;

    if ((err = put_le32(&end, SIG_END)) || (err = put_le16(&end, 0)) || (err = put_le16(&end, 0)) ||
        (err = put_le16(&end, (unsigned)zip->entries)) ||
        (err = put_le16(&end, (unsigned)zip->entries)) ||
        (err = put_le32(&end, (uint32_t)cd_size)) || (err = put_le32(&end, (uint32_t)cd_offset)) ||
        (err = put_le16(&end, 0)) || (err = emit(zip, zip->central.data, zip->central.len)) ||
        (err = emit(zip, end.data, end.len)))
        goto out;
    cn_buf_free(&zip->central);
    zip->entries = 0;
out:
    cn_buf_free(&end);
    return err;
}

int cn_zip_finish(unsigned char **out, size_t *len, cn_zip *zip)
{
    int err;

    *out = NULL;
    *len = 0;
    if (zip->fd >= 0)
        return cn_error_set(CN_EUSAGE, "cn_zip_finish of a zip written to a file");
    if ((err = put_directory(zip)) != 0)
        return err;
    *out = (unsigned char *)cn_buf_detach(&zip->data, len);
    return 0;
}

int cn_zip_finish_fd(cn_zip *zip)
{
    if (zip->fd < 0)
        return cn_error_set(CN_EUSAGE, "cn_zip_finish_fd of a zip kept in memory");
    return put_directory(zip);
}

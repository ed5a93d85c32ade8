/*
 * zip.h - write a ZIP archive (PKWARE APPNOTE 6.3: local headers, deflated
 * or stored data, central directory) into memory or into a file: what a
 * person without git downloads to get the files of a version.
 *
 * The archive is deterministic: the same files in the same order with the
 * same time give the same bytes. Names are UTF-8 (general purpose flag bit
 * 11) and relative; no ZIP64, so an archive is bounded below 4 GiB (the
 * caller's bounds are far smaller).
 */
#ifndef CN_ZIP_H
#define CN_ZIP_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CN_ZIP_MAX_ENTRIES 65535        /* the end record's 16-bit count */
#define CN_ZIP_MAX_NAME    1024         /* bytes of one entry's name */
#define CN_ZIP_MAX_TOTAL   (512u << 20) /* bytes of the whole archive */

typedef struct cn_zip cn_zip;

/* Start an archive whose entries carry modification time mtime (UTC),
 * kept in memory until cn_zip_finish. */
int cn_zip_new(cn_zip **out, time_t mtime);
/* The same, written to fd (open for writing, at offset 0; the caller keeps
 * it) as entries are added: memory holds one entry and the central
 * directory. On an error (CN_ERROR: a failed write) the file holds a partial archive: the caller
 * throws it away. Finish with cn_zip_finish_fd. */
int cn_zip_new_fd(cn_zip **out, time_t mtime, int fd);
void cn_zip_free(cn_zip *zip);

/* Add a file: name is a relative path with '/' separators and no empty,
 * "." or ".." part, no part that is ".git" in any case (with any trailing
 * dots or spaces), no backslash or control character (CN_EINVAL); mode
 * 0644 or 0755 goes into the entry's Unix attributes. Deflated unless that
 * does not make it smaller. CN_ELIMIT past the bounds above. */
int cn_zip_add(cn_zip *zip, const char *name, const void *data, size_t len, unsigned mode);

/* Write the central directory and the end record, and hand the archive's
 * bytes to the caller (*out is heap, *len bytes). The zip is then empty. */
int cn_zip_finish(unsigned char **out, size_t *len, cn_zip *zip);
/* Write the central directory and the end record of an archive started
 * with cn_zip_new_fd (CN_ERROR if its file cannot take them). */
int cn_zip_finish_fd(cn_zip *zip);

#endif

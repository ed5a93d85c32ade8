/*
 * embedded.h - the schema files, compiled into the program.
 *
 * schemas/embed.cmake turns every schemas/NAME.schema.json into a byte array
 * at build time, so an installed citynode reads no schema from disk.
 */
#ifndef CN_EMBEDDED_H
#define CN_EMBEDDED_H

#include <stddef.h>

typedef struct {
    const char *name; /* "solution.schema.json"; NULL ends the table */
    const unsigned char *data;
    size_t len; /* not counting the NUL that follows the data */
} cn_embedded_file;

extern const cn_embedded_file cn_embedded_schemas[];
extern const size_t cn_embedded_schemas_count;

#endif

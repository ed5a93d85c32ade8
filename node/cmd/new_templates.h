/*
 * new_templates.h - the manifest templates `citynode new` writes: the files
 * node/cmd/templates/KIND.LANG.yml, compiled into the binary at build time
 * (node/cmd/templates/embed-templates.cmake), so an installed citynode needs
 * no files beside it.
 */
#ifndef CN_NEW_TEMPLATES_H
#define CN_NEW_TEMPLATES_H

#include <stddef.h>

typedef struct {
    const char *name;          /* "solution.de.yml"; NULL ends the table */
    const unsigned char *data; /* the file's bytes, NUL-terminated */
    size_t len;                /* without the NUL */
} cn_new_template;

extern const cn_new_template cn_new_templates[];

#endif

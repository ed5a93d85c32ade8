/*
 * dcat_turtle.c - the registry's DCAT-AP JSON-LD documents as Turtle
 * (RDF 1.1 Turtle, text/turtle), for the harvesters that ask for it
 * (ckanext-dcat serves and reads both).
 *
 * Not a JSON-LD processor: it writes the one shape dcat.c builds, and
 * refuses anything else with CN_EINVAL. A document is a node object, or
 * {"@context", "@graph": [nodes]}; the @context maps prefixes to
 * namespace IRIs, and every key and @type is a compact IRI of one of them.
 * A value is a string (a plain literal), an integer (xsd:integer), a
 * {"@value", "@type"} typed literal, a {"@id"} reference, a node object
 * with an "@id" (written as a subject of its own after the one that names
 * it), a node object without one (a blank node, written inline), or an
 * array of these. Literals and IRIs are escaped as Turtle's grammar says,
 * so no text from a manifest can end a string or an IRI early.
 */
#include "core/buf.h"
#include "core/error.h"
#include "registry/internal.h"

#include <stdlib.h>
#include <string.h>

#define TURTLE_DEPTH_MAX 8

typedef struct {
    cn_buf out;
    const json_t *context; /* prefix -> namespace IRI */
    json_t *pending;       /* node objects with an @id still to write */
} turtle;

static int put(turtle *t, const char *s)
{
    return cn_buf_puts(&t->out, s);
}

/* <iri>, with the characters IRIREF does not allow as \uXXXX. */
static int put_iri(turtle *t, const char *iri)
{
    const unsigned char *p = (const unsigned char *)iri;
    int err = put(t, "<");

    for (; err == 0 && *p; p++) {
        if (*p <= 0x20 || strchr("<>\"{}|^`\\", *p) != NULL)
            err = cn_buf_printf(&t->out, "\\u%04X", *p);
        else
            err = cn_buf_put(&t->out, p, 1);
    }
    return err ? err : put(t, ">");
}

/* "text" with ", \ and the control characters escaped. */
static int put_string(turtle *t, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int err = put(t, "\"");

    for (; err == 0 && *p; p++) {
        switch (*p) {
        case '"':
            err = put(t, "\\\"");
            break;
        case '\\':
            err = put(t, "\\\\");
            break;
        case '\n':
            err = put(t, "\\n");
            break;
        case '\r':
            err = put(t, "\\r");
            break;
        case '\t':
            err = put(t, "\\t");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                err = cn_buf_printf(&t->out, "\\u%04X", *p);
            else
                err = cn_buf_put(&t->out, p, 1);
        }
    }
    return err ? err : put(t, "\"");
}

/* A compact IRI "prefix:local" of the context: as a prefixed name when the
 * local part needs no escape, else as the full IRI. */
static int put_term(turtle *t, const char *term)
{
    const char *colon = strchr(term, ':'), *ns;
    char prefix[32];
    size_t n = colon ? (size_t)(colon - term) : 0;

    if (colon == NULL || n == 0 || n >= sizeof(prefix))
        return cn_error_set(CN_EINVAL, "turtle: '%.80s' is not a compact IRI", term);
    memcpy(prefix, term, n);
    prefix[n] = '\0';
    if ((ns = json_string_value(json_object_get(t->context, prefix))) == NULL)
        return cn_error_set(CN_EINVAL, "turtle: no prefix '%s' in the context", prefix);
    if (colon[1] != '\0' && strspn(colon + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_") == strlen(colon + 1))
        return put(t, term);
    {
        json_t *iri = json_sprintf("%s%s", ns, colon + 1);
        int err =
            iri ? put_iri(t, json_string_value(iri)) : cn_error_set(CN_ENOMEM, "out of memory");
        json_decref(iri);
        return err;
    }
}

static int put_node_body(turtle *t, const json_t *node, const char *indent, int depth);

/* One object of a triple. */
static int put_object(turtle *t, const json_t *v, const char *indent, int depth)
{
    const json_t *id = json_object_get(v, "@id"), *value = json_object_get(v, "@value");

    if (json_is_string(v))
        return put_string(t, json_string_value(v));
    if (json_is_integer(v))
        return cn_buf_printf(&t->out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    if (!json_is_object(v))
        return cn_error_set(CN_EINVAL, "turtle: a value that is no string, integer or object");
    if (json_is_string(value) && json_is_string(json_object_get(v, "@type"))) {
        int err = put_string(t, json_string_value(value));
        if (err == 0)
            err = put(t, "^^");
        return err ? err : put_term(t, json_string_value(json_object_get(v, "@type")));
    }
    if (json_is_string(id)) {
        /* A node with more to say is written as a subject of its own. */
        if (json_object_size(v) > 1 && json_array_append(t->pending, (json_t *)v) != 0)
            return cn_error_set(CN_ENOMEM, "out of memory");
        return put_iri(t, json_string_value(id));
    }
    if (id != NULL || value != NULL)
        return cn_error_set(CN_EINVAL, "turtle: an @id or @value that is not a string");
    if (depth >= TURTLE_DEPTH_MAX)
        return cn_error_set(CN_ELIMIT, "turtle: blank nodes nested deeper than %d",
                            TURTLE_DEPTH_MAX);
    {
        char inner[2 * TURTLE_DEPTH_MAX + 8];
        int err;
        snprintf(inner, sizeof(inner), "%s    ", indent);
        if ((err = put(t, "[\n")) != 0 || (err = put_node_body(t, v, inner, depth + 1)) != 0 ||
            (err = put(t, "\n")) != 0 || (err = put(t, indent)) != 0)
            return err;
        return put(t, "]");
    }
}

/* The predicate-object list of a node: "a" and its types, then each key. */
static int put_node_body(turtle *t, const json_t *node, const char *indent, int depth)
{
    const json_t *types = json_object_get(node, "@type"), *v, *x;
    const char *key, *sep = "";
    size_t i;
    int err = 0;

    if (types != NULL) {
        if ((err = put(t, indent)) != 0 || (err = put(t, "a ")) != 0)
            return err;
        if (json_is_string(types)) {
            err = put_term(t, json_string_value(types));
        } else {
            json_array_foreach(types, i, x)
            {
                if (!json_is_string(x))
                    return cn_error_set(CN_EINVAL, "turtle: a @type that is not a string");
                if ((i > 0 && (err = put(t, ", ")) != 0) ||
                    (err = put_term(t, json_string_value(x))) != 0)
                    return err;
            }
        }
        sep = " ;\n";
    }
    json_object_foreach((json_t *)node, key, v)
    {
        if (err != 0)
            break;
        if (key[0] == '@')
            continue;
        if (json_is_array(v) && json_array_size(v) == 0)
            continue;
        if ((err = put(t, sep)) != 0 || (err = put(t, indent)) != 0 ||
            (err = put_term(t, key)) != 0 || (err = put(t, " ")) != 0)
            return err;
        if (json_is_array(v)) {
            json_array_foreach(v, i, x)
            {
                if ((i > 0 && (err = put(t, ", ")) != 0) ||
                    (err = put_object(t, x, indent, depth)) != 0)
                    return err;
            }
        } else {
            err = put_object(t, v, indent, depth);
        }
        sep = " ;\n";
    }
    return err;
}

/* A node with an @id as a subject, then the ones it named. */
static int put_subject(turtle *t, const json_t *node)
{
    const char *id = json_string_value(json_object_get(node, "@id"));
    int err;

    if (id == NULL)
        return cn_error_set(CN_EINVAL, "turtle: a top-level node without an @id");
    if ((err = put_iri(t, id)) != 0 || (err = put(t, "\n")) != 0 ||
        (err = put_node_body(t, node, "    ", 0)) != 0)
        return err;
    return put(t, " .\n\n");
}

int cn_registry_dcat_turtle(char **out, const json_t *doc)
{
    turtle t = {CN_BUF_INIT, json_object_get(doc, "@context"), json_array()};
    const json_t *graph = json_object_get(doc, "@graph"), *v;
    const char *prefix;
    size_t i;
    int err = 0;

    *out = NULL;
    if (t.pending == NULL)
        return cn_error_set(CN_ENOMEM, "out of memory");
    if (!json_is_object(t.context)) {
        err = cn_error_set(CN_EINVAL, "turtle: the document has no @context object");
        goto out;
    }
    json_object_foreach((json_t *)t.context, prefix, v)
    {
        if (!json_is_string(v) || strspn(prefix, "abcdefghijklmnopqrstuvwxyz") != strlen(prefix)) {
            err = cn_error_set(CN_EINVAL, "turtle: context entry '%.40s' is no namespace prefix",
                               prefix);
            goto out;
        }
        if ((err = cn_buf_printf(&t.out, "@prefix %s: ", prefix)) != 0 ||
            (err = put_iri(&t, json_string_value(v))) != 0 || (err = put(&t, " .\n")) != 0)
            goto out;
    }
    if ((err = put(&t, "\n")) != 0)
        goto out;
    if (json_is_array(graph)) {
        json_array_foreach(graph, i, v)
        {
            if ((err = put_subject(&t, v)) != 0)
                goto out;
        }
    } else if ((err = put_subject(&t, doc)) != 0) {
        goto out;
    }
    /* The nodes named on the way; the list grows while it is written. */
    for (i = 0; i < json_array_size(t.pending); i++)
        if ((err = put_subject(&t, json_array_get(t.pending, i))) != 0)
            goto out;
    if ((*out = cn_buf_detach(&t.out, NULL)) == NULL)
        err = cn_error_set(CN_ENOMEM, "out of memory");
out:
    cn_buf_free(&t.out);
    json_decref(t.pending);
    return err;
}

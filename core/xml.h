/*
 * xml.h - text from outside written into XML 1.0 documents (the Atom feeds
 * of the registry): escaped so that it is character data or an attribute
 * value and never markup, and cleaned of what XML 1.0 cannot carry at all.
 *
 * A title or a description is text some publisher wrote. XML 1.0 (§2.2)
 * allows only tab, line feed, carriage return, U+0020-U+D7FF,
 * U+E000-U+FFFD and U+10000-U+10FFFF: a single other control character
 * makes a whole feed not well-formed, and every reader refuses it. So the
 * writer replaces what XML cannot carry instead of escaping it (there is
 * no escape for it: &#1; is not allowed either).
 */
#ifndef CN_XML_H
#define CN_XML_H

#include "core/buf.h"

#include <stddef.h>

/* Appends len bytes of s to out as XML character data that is also safe in
 * an attribute value quoted with '"':
 *   - '&', '<', '>', '"' as &amp; &lt; &gt; &quot;
 *   - carriage return as &#13; and, with attr set, tab and line feed as
 *     &#9; and &#10; (so attribute-value normalisation keeps them);
 *   - the C0 controls other than tab, line feed and carriage return,
 *     U+FFFE and U+FFFF, and each byte that is not part of well-formed
 *     UTF-8 (overlong forms, surrogates, beyond U+10FFFF, cut sequences)
 *     as U+FFFD;
 *   - everything else unchanged.
 * s may hold NUL bytes (written U+FFFD). Fails only as cn_buf_put does. */
int cn_xml_escape(cn_buf *out, const char *s, size_t len, int attr);

/* cn_xml_escape of a NUL-terminated string (NULL writes nothing). */
int cn_xml_puts(cn_buf *out, const char *s, int attr);

#endif

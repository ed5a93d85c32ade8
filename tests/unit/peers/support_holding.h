/*
 * support_holding.h - a server on 127.0.0.1 that holds the connections it
 * accepts without answering, to see how many a client keeps open at once
 * and what that costs it: it answers every connection held once `batch`
 * are open (and the first has waited hold_ms), or when none came for a
 * while. It remembers the most it held, the heap in use of the process
 * (the client runs in it too) at that moment, and how many it answered.
 * Compiled into every test of tests/unit/peers/.
 */
#ifndef CN_TEST_SUPPORT_HOLDING_H
#define CN_TEST_SUPPORT_HOLDING_H

#include <stddef.h>

typedef struct holding_server holding_server;

/* Start holding; reply is the whole HTTP answer sent to each connection
 * (after reading its request). Fails the test if it cannot start. */
holding_server *holding_start(size_t batch, long hold_ms, const char *reply);
unsigned short holding_port(const holding_server *s);

/* Stop (answering what is still held); the most connections held at once,
 * *heap_held (may be NULL) the heap in use then, *answered (may be NULL)
 * how many connections were answered in all. */
size_t holding_stop(holding_server *s, size_t *heap_held, size_t *answered);

/* Add n mirror peers straight to db's table, peer i (ids 1..n as 64 hex
 * digits, alias city-<i>) at http://HOST:<port of s>/city-<i>, HOST being
 * 127.0.0.1, or p<host_of(i)>.localhost when host_of is given. */
struct cn_peers;
void holding_add_peers(struct cn_peers *db, const holding_server *s, unsigned n,
                       unsigned (*host_of)(unsigned));

/* Heap in use by the process, large (mmap'd) blocks included: glibc's
 * mallinfo2, or AddressSanitizer's count in a sanitizer build. */
size_t heap_in_use(void);

/* Make heap_in_use count what every thread allocates (glibc: one arena);
 * call before any thread starts. */
void heap_count_all_threads(void);

#endif

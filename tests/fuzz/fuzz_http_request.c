/*
 * fuzz_http_request.c - libFuzzer harness: serve's HTTP surface. The input
 * is the raw bytes a client sends on one connection (request lines,
 * headers, bodies, several pipelined requests): they go over a real socket
 * to the node's server (node/http/), started once on an ephemeral port of
 * 127.0.0.1 over a small published tree, a registry and the inbox, so they
 * pass through libmicrohttpd, the URL unescaping, the path check and every
 * route. The harness reads the answers until they stop; a crash,
 * leak or sanitizer finding in the server shows up in this process.
 */
#include "core/error.h"
#include "core/file.h"
#include "node/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cn_server *srv;
static unsigned short port;
static char home[64];

static const char node_id[] = "1111111111111111111111111111111111111111111111111111111111111111";

static void stop(void)
{
    cn_server_stop(srv);
    cn_rmtree(home);
}

static void put(const char *rel, const char *text)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", home, rel);
    if (cn_file_write_atomic(path, text, strlen(text), 0644) != 0) {
        fprintf(stderr, "fuzz_http_request: %s\n", cn_error_message());
        abort();
    }
}

static int hint(void *ctx, const char *id, uint64_t version)
{
    (void)ctx;
    (void)version;
    return strcmp(id, node_id) == 0;
}

static int is_peer(void *ctx, const char *id)
{
    (void)ctx;
    return strcmp(id, node_id) == 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    cn_server_options o = {0};
    char pub[96], tmp[96], repos[96], mirrors[96], db[96], dir[160];

    (void)argc;
    (void)argv;
    /* As `citynode serve` does: a client that goes away while a file is
     * sent (sendfile has no MSG_NOSIGNAL) must not kill the server. */
    signal(SIGPIPE, SIG_IGN);
    snprintf(home, sizeof(home), "/tmp/fuzz_http_request.XXXXXX");
    if (mkdtemp(home) == NULL)
        abort();
    snprintf(pub, sizeof(pub), "%s/public", home);
    snprintf(tmp, sizeof(tmp), "%s/tmp", home);
    snprintf(repos, sizeof(repos), "%s/repos", home);
    snprintf(mirrors, sizeof(mirrors), "%s/mirrors", home);
    snprintf(db, sizeof(db), "%s/state.db", home);
    snprintf(dir, sizeof(dir), "%s/tuf", pub);
    if (cn_mkdir_p(dir, 0755) != 0 || cn_mkdir_p(tmp, 0700) != 0 || cn_mkdir_p(repos, 0755) != 0)
        abort();
    snprintf(dir, sizeof(dir), "%s/mirrors/%s/tuf", home, node_id);
    if (cn_mkdir_p(dir, 0755) != 0)
        abort();
    snprintf(dir, sizeof(dir), "%s/targets/items/x/1.0.0", pub);
    if (cn_mkdir_p(dir, 0755) != 0)
        abort();
    snprintf(dir, sizeof(dir), "%s/.well-known", pub);
    if (cn_mkdir_p(dir, 0755) != 0)
        abort();
    put("public/tuf/timestamp.json", "{\"signed\": {}}\n");
    put("public/tuf/1.root.json", "{\"signed\": {\"version\": 1}}\n");
    put("public/.well-known/citynode.json", "{}\n");
    snprintf(dir, sizeof(dir), "public/targets/items/x/1.0.0/%s.manifest.json", node_id);
    put(dir, "{\"name\": \"x\"}\n");
    snprintf(dir, sizeof(dir), "mirrors/%s/tuf/timestamp.json", node_id);
    put(dir, "{}\n");
    o.public_dir = pub;
    o.mirrors_dir = mirrors;
    o.repos_dir = repos;
    o.tmp_dir = tmp;
    o.host = "127.0.0.1";
    o.threads = 2;
    o.node_id = node_id;
    o.node_name = "Fuzz <&> \"node\"";
    o.state_db = db;
    o.on_hint = hint;
    o.is_peer = is_peer;
    if (cn_server_start(&srv, &o) != 0) {
        fprintf(stderr, "fuzz_http_request: %s\n", cn_error_message());
        abort();
    }
    port = cn_server_port(srv);
    atexit(stop);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sockaddr_in sa;
    struct timeval tv = {0, 20000};
    char buf[65536];
    size_t off = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        abort();
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        abort();
    /* The server may answer and close before it has read everything. */
    while (off < size) {
        ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    /* libmicrohttpd keeps a half-closed connection open until its idle
     * timeout: read until the answers stop for 20 ms, then close. */
    shutdown(fd, SHUT_WR);
    while (recv(fd, buf, sizeof(buf), 0) > 0)
        ;
    close(fd);
    return 0;
}

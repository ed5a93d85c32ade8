/*
 * sshsig_tool.c - drive core/key and core/sshsig from the shell, for the
 * OpenSSH interop test (tests/integration/t0100-sshsig-interop.sh).
 *
 *     cn_sshsig_tool keygen PRIVPATH              write a key, print its ssh public key line
 *     cn_sshsig_tool sign PRIVPATH NAMESPACE      sign stdin, armored signature on stdout
 *     cn_sshsig_tool verify NAMESPACE SIGFILE     verify stdin, print the signer's public key
 *
 * Exit status follows DESIGN.md §7: 0 ok, 1 operational, 2 usage or invalid
 * input, 3 verification failed. This is a test helper, not part of citynode.
 */
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/key.h"
#include "core/sshsig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STDIN_MAX (64u * 1024 * 1024)

/* Read all of stdin, at most STDIN_MAX bytes, into b. */
static int read_stdin(cn_buf *b)
{
    unsigned char chunk[65536];
    ssize_t n;
    int err;

    b->max = STDIN_MAX;
    for (;;) {
        n = read(STDIN_FILENO, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return cn_error_set(CN_ERROR, "reading stdin: %s", strerror(errno));
        if (n == 0)
            return 0;
        if ((err = cn_buf_put(b, chunk, (size_t)n)) != 0)
            return err;
    }
}

static int print_public(const cn_key *key)
{
    char *line = NULL;
    int err;

    if ((err = cn_key_ssh_public(&line, key)) != 0)
        return err;
    printf("%s\n", line);
    free(line);
    return 0;
}

static int cmd_keygen(const char *path)
{
    cn_key *key = NULL;
    int err;

    if ((err = cn_key_generate(&key)) != 0 || (err = cn_key_save_private(key, path)) != 0 ||
        (err = print_public(key)) != 0)
        goto out;
    err = 0;
out:
    cn_key_free(key);
    return err;
}

static int cmd_sign(const char *path, const char *ns)
{
    cn_buf msg = CN_BUF_INIT;
    cn_key *key = NULL;
    char *sig = NULL;
    size_t siglen = 0;
    int err;

    if ((err = cn_key_load_private(&key, path)) != 0 || (err = read_stdin(&msg)) != 0 ||
        (err = cn_sshsig_sign(&sig, &siglen, key, ns, msg.data, msg.len)) != 0)
        goto out;
    if (fwrite(sig, 1, siglen, stdout) != siglen || fflush(stdout) != 0) {
        err = cn_error_set(CN_ERROR, "writing stdout: %s", strerror(errno));
        goto out;
    }
    err = 0;
out:
    free(sig);
    cn_key_free(key);
    cn_buf_free(&msg);
    return err;
}

static int cmd_verify(const char *ns, const char *sigpath)
{
    unsigned char signer[CN_ED25519_PUB_LEN];
    cn_buf msg = CN_BUF_INIT;
    unsigned char *sig = NULL;
    size_t siglen = 0;
    cn_key *key = NULL;
    int err;

    /* Read more than the limit so that an oversized file reaches the parser. */
    if ((err = cn_file_read(&sig, &siglen, sigpath, 2 * CN_SSHSIG_MAX_ARMORED)) != 0 ||
        (err = read_stdin(&msg)) != 0 ||
        (err = cn_sshsig_verify(signer, sig, siglen, ns, msg.data, msg.len)) != 0 ||
        (err = cn_key_from_public_raw(&key, signer)) != 0 || (err = print_public(key)) != 0)
        goto out;
    err = 0;
out:
    cn_key_free(key);
    free(sig);
    cn_buf_free(&msg);
    return err;
}

int main(int argc, char **argv)
{
    int err;

    if (argc == 3 && strcmp(argv[1], "keygen") == 0)
        err = cmd_keygen(argv[2]);
    else if (argc == 4 && strcmp(argv[1], "sign") == 0)
        err = cmd_sign(argv[2], argv[3]);
    else if (argc == 4 && strcmp(argv[1], "verify") == 0)
        err = cmd_verify(argv[2], argv[3]);
    else {
        fprintf(stderr, "usage: cn_sshsig_tool keygen PRIVPATH\n"
                        "       cn_sshsig_tool sign PRIVPATH NAMESPACE < msg > sig\n"
                        "       cn_sshsig_tool verify NAMESPACE SIGFILE < msg\n");
        return cn_error_exit_status(CN_EUSAGE);
    }
    if (err != 0)
        fprintf(stderr, "cn_sshsig_tool: %s\n", cn_error_message());
    return cn_error_exit_status(err);
}

/*
 * fuzz_sshsig.c - libFuzzer harness for SSHSIG parsing and verification.
 *
 * The input is the armored signature. Anything may be refused, nothing may
 * crash, leak or read out of bounds; a parse that succeeds must describe an
 * ed25519 signature the verifier then processes to a definite answer.
 */
#include "core/error.h"
#include "core/sshsig.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char msg[] = "fuzz";
    unsigned char signer[CN_ED25519_PUB_LEN];
    cn_sshsig sig;
    int parsed, verified;

    parsed = cn_sshsig_parse(&sig, data, size);
    if (parsed != 0 && parsed != CN_EINVAL)
        abort();
    if (parsed == 0 &&
        (strlen(sig.ns) == 0 || strlen(sig.ns) >= sizeof(sig.ns) ||
         (strcmp(sig.hash_alg, "sha256") != 0 && strcmp(sig.hash_alg, "sha512") != 0)))
        abort();
    verified =
        cn_sshsig_verify(signer, data, size, parsed == 0 ? sig.ns : "git", msg, sizeof(msg) - 1);
    /* verify refuses exactly what parse refuses, as CN_EINVAL */
    if ((parsed == CN_EINVAL) != (verified == CN_EINVAL))
        abort();
    if (verified != 0 && verified != CN_EINVAL && verified != CN_EVERIFY)
        abort();
    return 0;
}

/*
 * bundle_tool.c - drive core/git.c and core/bundle.c from shell scripts, so
 * tests/integration/t0200-bundle-interop.sh can check what they write with
 * stock git and what stock git writes with them.
 *
 *   cn_bundle_tool keygen PRIVKEY               new key; prints its ssh public key
 *   cn_bundle_tool pubkey PRIVKEY               prints the ssh public key
 *   cn_bundle_tool import REPO SRC              copy SRC's HEAD history into bare REPO;
 *                                               prints the commit
 *   cn_bundle_tool tag REPO NAME COMMIT PRIVKEY signed tag refs/tags/NAME; prints its id
 *   cn_bundle_tool verify REPO TAGREF           prints "<signer hex> <commit>"
 *   cn_bundle_tool write REPO OUT TAGREF [PREREQ_OID]
 *                                               bundle TAGREF's commit (HEAD line) and tag
 *   cn_bundle_tool read REPO IN                 unbundle into bare REPO (created if missing);
 *                                               prints "<oid> <ref>" per header ref
 *
 * Exit status: 0 success, 1 failure (message on stderr), 2 usage.
 */
#include "core/bundle.h"
#include "core/error.h"
#include "core/git.h"
#include "core/key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int usage(void)
{
    fprintf(stderr, "usage: cn_bundle_tool keygen|pubkey|import|tag|verify|write|read ...\n");
    return 2;
}

static int print_pubkey(const cn_key *key)
{
    char *ssh = NULL;
    int err;

    if ((err = cn_key_ssh_public(&ssh, key)) != 0)
        return err;
    printf("%s\n", ssh);
    free(ssh);
    return 0;
}

static int cmd_keygen(const char *path)
{
    cn_key *key = NULL;
    int err;

    if ((err = cn_key_generate(&key)) == 0 && (err = cn_key_save_private(key, path)) == 0)
        err = print_pubkey(key);
    cn_key_free(key);
    return err;
}

static int cmd_pubkey(const char *path)
{
    cn_key *key = NULL;
    int err;

    if ((err = cn_key_load_private(&key, path)) == 0)
        err = print_pubkey(key);
    cn_key_free(key);
    return err;
}

static int cmd_import(git_repository *repo, const char *src)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_oid head;
    int err;

    git_repository *r = NULL;
    git_object *obj = NULL;

    if (git_repository_open(&r, src) < 0 || git_revparse_single(&obj, r, "HEAD^{commit}") < 0) {
        git_repository_free(r);
        return cn_git_error(CN_EINVAL, src);
    }
    git_oid_cpy(&head, git_object_id(obj));
    git_object_free(obj);
    git_repository_free(r);
    if ((err = cn_git_import(repo, src, &head, NULL, NULL)) != 0)
        return err;
    printf("%s\n", git_oid_tostr(hex, sizeof(hex), &head));
    return 0;
}

static int cmd_tag(git_repository *repo, const char *name, const char *commit_hex,
                   const char *keypath)
{
    char hex[GIT_OID_HEXSZ + 1], msg[256];
    git_signature *sig = NULL;
    git_oid commit, tag;
    cn_key *key = NULL;
    int err;

    if (git_oid_fromstr(&commit, commit_hex) < 0)
        return cn_error_set(CN_EINVAL, "not a commit id: %s", commit_hex);
    if ((err = cn_key_load_private(&key, keypath)) != 0)
        return err;
    if (git_signature_new(&sig, "citynode test", "citynode@example.org", time(NULL), 0) < 0) {
        err = cn_git_error(CN_ERROR, "signature");
        goto out;
    }
    snprintf(msg, sizeof(msg), "Release %s\n\nSigned by the citynode interop test.\n", name);
    if ((err = cn_git_tag_signed(&tag, repo, name, &commit, sig, msg, key)) != 0)
        goto out;
    printf("%s\n", git_oid_tostr(hex, sizeof(hex), &tag));
out:
    git_signature_free(sig);
    cn_key_free(key);
    return err;
}

static int cmd_verify(git_repository *repo, const char *tagref)
{
    unsigned char signer[CN_ED25519_PUB_LEN];
    char hex[GIT_OID_HEXSZ + 1];
    git_oid tag, target;
    cn_key *key = NULL;
    char keyhex[2 * CN_ED25519_PUB_LEN + 1];
    int err;

    if (git_reference_name_to_id(&tag, repo, tagref) < 0)
        return cn_git_error(CN_ENOTFOUND, tagref);
    if ((err = cn_git_tag_verify(signer, &target, repo, &tag)) != 0 ||
        (err = cn_key_from_public_raw(&key, signer)) != 0)
        return err;
    cn_key_public_hex(key, keyhex);
    printf("%s %s\n", keyhex, git_oid_tostr(hex, sizeof(hex), &target));
    cn_key_free(key);
    return 0;
}

static int cmd_write(git_repository *repo, const char *out, const char *tagref,
                     const char *prereq_hex)
{
    const char *refs[1] = {tagref};
    cn_bundle_write_opts opts = {refs, 1, {{0}}, NULL, NULL, NULL};
    git_object *commit = NULL;
    char spec[1024];
    git_oid prereq;

    snprintf(spec, sizeof(spec), "%s^{commit}", tagref);
    if (git_revparse_single(&commit, repo, spec) < 0)
        return cn_git_error(CN_ENOTFOUND, tagref);
    git_oid_cpy(&opts.head_commit, git_object_id(commit));
    git_object_free(commit);
    if (prereq_hex) {
        if (git_oid_fromstr(&prereq, prereq_hex) < 0)
            return cn_error_set(CN_EINVAL, "not a commit id: %s", prereq_hex);
        opts.prerequisite = &prereq;
    }
    return cn_bundle_write(repo, out, &opts);
}

static int cmd_read(git_repository *repo, const char *in)
{
    char hex[GIT_OID_HEXSZ + 1];
    cn_bundle_header *h = NULL;
    size_t i;
    int err;

    if ((err = cn_bundle_unbundle(&h, repo, in, 0, NULL)) != 0)
        return err;
    for (i = 0; i < h->nrefs; i++)
        printf("%s %s\n", git_oid_tostr(hex, sizeof(hex), &h->refs[i].oid), h->refs[i].name);
    cn_bundle_header_free(h);
    return 0;
}

static int run(int argc, char **argv)
{
    git_repository *repo = NULL;
    const char *cmd = argv[1];
    int err;

    if (strcmp(cmd, "keygen") == 0 && argc == 3)
        return cmd_keygen(argv[2]);
    if (strcmp(cmd, "pubkey") == 0 && argc == 3)
        return cmd_pubkey(argv[2]);
    if (argc < 4)
        return CN_EUSAGE;
    if ((err = cn_git_open_bare(&repo, argv[2])) != 0)
        return err;
    if (strcmp(cmd, "import") == 0 && argc == 4)
        err = cmd_import(repo, argv[3]);
    else if (strcmp(cmd, "tag") == 0 && argc == 6)
        err = cmd_tag(repo, argv[3], argv[4], argv[5]);
    else if (strcmp(cmd, "verify") == 0 && argc == 4)
        err = cmd_verify(repo, argv[3]);
    else if (strcmp(cmd, "write") == 0 && (argc == 5 || argc == 6))
        err = cmd_write(repo, argv[3], argv[4], argc == 6 ? argv[5] : NULL);
    else if (strcmp(cmd, "read") == 0 && argc == 4)
        err = cmd_read(repo, argv[3]);
    else
        err = CN_EUSAGE;
    git_repository_free(repo);
    return err;
}

int main(int argc, char **argv)
{
    int err;

    if (argc < 2)
        return usage();
    if ((err = cn_git_init()) != 0) {
        fprintf(stderr, "cn_bundle_tool: %s\n", cn_error_message());
        return 1;
    }
    err = run(argc, argv);
    git_libgit2_shutdown();
    if (err == CN_EUSAGE)
        return usage();
    if (err != 0) {
        fprintf(stderr, "cn_bundle_tool: %s\n", cn_error_message());
        return 1;
    }
    return 0;
}

/* The node's encryption key, as `v6 node create-private-key` makes it with
 * `cryptography`: RSA, 4096 bits, e = 65537, written as unencrypted PEM in the
 * "TraditionalOpenSSL" format (PKCS#1, BEGIN RSA PRIVATE KEY); the public key
 * uploaded as base64 of its PEM SubjectPublicKeyInfo. Buffers that held the
 * private key are wiped before they are freed. */
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define KEY_BITS     4096
#define KEY_EXPONENT 65537

/* libcrypto's reason for the last failure, for a message. */
static const char *crypto_reason(char *buf, size_t size)
{
    unsigned long e = ERR_get_error();
    if (!e)
        return "no details";
    ERR_error_string_n(e, buf, size);
    ERR_clear_error();
    return buf;
}

int v6n_private_key_path(char **out, v6n_scope scope, const char *organization)
{
    if (!out)
        return v6n_err(V6N_EINVAL, NULL, "v6n_private_key_path: out is required");
    *out = NULL;
    if (v6n_str_empty(organization))
        return v6n_err(V6N_EINVAL, "organization", "an organization name is required");
    for (const unsigned char *p = (const unsigned char *)organization; *p; p++)
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return v6n_err(V6N_EINVAL, "organization",
                           "organization name '%s' cannot be part of a file name ('/' or a "
                           "control character)",
                           organization);
    char *file = v6n_asprintf("privkey_%s.pem", organization);
    if (!file)
        return v6n_err_nomem();
    /* <data>/vantage6/node/<name> with the file as the name: the folder
     * vantage6's NodeContext.type_data_folder() gives, plus the file */
    *out = v6n_folder_data(scope, file);
    free(file);
    return *out ? V6N_OK : v6n_error_last()->code;
}

/* A BIO's contents, copied out (and the BIO's memory wiped). */
static int bio_take(char **out, size_t *out_len, BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    if (n <= 0)
        return v6n_err(V6N_ERROR, NULL, "libcrypto wrote nothing");
    *out = malloc((size_t)n + 1);
    if (!*out) {
        OPENSSL_cleanse(data, (size_t)n);
        return v6n_err_nomem();
    }
    memcpy(*out, data, (size_t)n);
    (*out)[n] = '\0';
    *out_len = (size_t)n;
    OPENSSL_cleanse(data, (size_t)n);
    return V6N_OK;
}

/* Generate a key of `bits` and write it to `path`. The public API always uses
 * 4096 bits; the tests use fewer to stay fast under valgrind. */
int v6n_rsa_key_write(const char *path, int bits, int overwrite)
{
    if (v6n_str_empty(path))
        return v6n_err(V6N_EINVAL, NULL, "a key file path is required");
    char *abs = v6n_path_absolute(path, NULL);
    if (!abs)
        return v6n_error_last()->code;
    int rc = V6N_OK;
    char *dir = NULL, *pem = NULL;
    size_t pem_len = 0;
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    BIO *bio = NULL;
    BIGNUM *e = NULL;
    char why[256];

    if (!overwrite && v6n_path_exists(abs)) {
        rc = v6n_err(V6N_ECONFLICT, NULL, "the key file %s already exists", abs);
        goto cleanup;
    }
    if (!(dir = v6n_path_dirname(abs))) {
        rc = v6n_err_nomem();
        goto cleanup;
    }
    if ((rc = v6n_path_mkdirs(dir)))
        goto cleanup;

    ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
    e = BN_new();
    if (!ctx || !e || !BN_set_word(e, KEY_EXPONENT) || EVP_PKEY_keygen_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) <= 0 ||
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) <= 0 || EVP_PKEY_keygen(ctx, &key) <= 0) {
        rc = v6n_err(V6N_ERROR, NULL, "generating an RSA key failed: %s",
                     crypto_reason(why, sizeof(why)));
        goto cleanup;
    }
    /* PKCS#1 "RSA PRIVATE KEY", no encryption: cryptography's TraditionalOpenSSL */
    if (!(bio = BIO_new(BIO_s_mem())) ||
        !PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL)) {
        rc = v6n_err(V6N_ERROR, NULL, "writing the RSA key as PEM failed: %s",
                     crypto_reason(why, sizeof(why)));
        goto cleanup;
    }
    if ((rc = bio_take(&pem, &pem_len, bio)))
        goto cleanup;
    v6n_atomic_options o = {
        .mode = 0600, .uid = -1, .gid = -1, .replace = overwrite != 0, .key = NULL};
    rc = v6n_file_write_atomic(abs, pem, pem_len, &o);
cleanup:
    if (pem)
        OPENSSL_cleanse(pem, pem_len);
    free(pem);
    BIO_free(bio);
    BN_free(e);
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(ctx);
    free(dir);
    free(abs);
    return rc;
}

int v6n_private_key_generate(const char *path, int overwrite)
{
    return v6n_rsa_key_write(path, KEY_BITS, overwrite);
}

/* An encrypted key is refused, never asked for on the terminal (libcrypto's
 * default callback would prompt). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

int v6n_public_key_get(char **out, const char *private_key_path)
{
    if (!out || v6n_str_empty(private_key_path))
        return v6n_err(V6N_EINVAL, NULL, "v6n_public_key_get: out and a key file are required");
    *out = NULL;
    if (!v6n_path_exists(private_key_path))
        return v6n_err(V6N_ENOTFOUND, NULL, "%s: no such file", private_key_path);
    /* libcrypto reads the file itself, into memory it wipes (PEM_FLAG_SECURE) */
    int rc = V6N_OK;
    char why[256];
    EVP_PKEY *key = NULL;
    BIO *in = BIO_new_file(private_key_path, "rb");
    BIO *pub = NULL;
    char *pem = NULL;
    size_t pem_len = 0;
    if (!in) {
        rc = v6n_err(V6N_EIO, NULL, "%s: cannot open: %s", private_key_path, strerror(errno));
        goto cleanup;
    }
    key = PEM_read_bio_PrivateKey(in, NULL, no_passphrase, NULL);
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        rc = v6n_err(V6N_ECONFIG, NULL, "%s is not an unencrypted RSA private key in PEM (%s)",
                     private_key_path, key ? "not RSA" : crypto_reason(why, sizeof(why)));
        goto cleanup;
    }
    if (!(pub = BIO_new(BIO_s_mem())) || !PEM_write_bio_PUBKEY(pub, key)) {
        rc = v6n_err(V6N_ERROR, NULL, "writing the public key failed: %s",
                     crypto_reason(why, sizeof(why)));
        goto cleanup;
    }
    if ((rc = bio_take(&pem, &pem_len, pub)))
        goto cleanup;
    if (!(*out = v6n_base64((const unsigned char *)pem, pem_len)))
        rc = v6n_err_nomem();
cleanup:
    free(pem);
    BIO_free(pub);
    BIO_free(in);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return rc;
}

/* The node's RSA key: checked by the openssl tool (size, exponent, format,
 * consistency), its mode, and the public key as vantage6 derives it (the
 * `cryptography` package, when python3 has it, as vantage6 uses it). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "support.h"

static char *dir;

static void init(void)
{
    dir = make_temp_dir("keys");
    cr_assert_not_null(dir);
}

static void fini(void)
{
    remove_tree(dir);
    free(dir);
}

TestSuite(keys, .init = init, .fini = fini, .timeout = 120);

/* Run a program (found in PATH) with its arguments, NULL-terminated. */
static run_result tool(const char *first, ...)
{
    char *argv[16] = {"/usr/bin/env", (char *)first};
    size_t n = 2;
    va_list ap;
    va_start(ap, first);
    for (const char *a = va_arg(ap, const char *); a && n < 15; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", NULL};
    run_result r;
    cr_assert_eq(run_program(&r, argv, envp, NULL, 100.0), 0);
    return r;
}

/* The real thing: 4096 bits, e = 65537, PKCS#1 PEM, 0600, valid. */
Test(keys, generate_4096_checked_by_openssl)
{
    char key[1100];
    snprintf(key, sizeof(key), "%s/sub/privkey_Org One.pem", dir);
    umask(0);
    cr_assert_eq(v6n_private_key_generate(key, 0), V6N_OK, "%s", v6n_error_last()->message);
    umask(022);
    struct stat st;
    cr_assert_eq(stat(key, &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);

    char *pem = read_text(key);
    cr_expect_eq(strncmp(pem, "-----BEGIN RSA PRIVATE KEY-----\n", 32), 0, "%.40s", pem);
    cr_expect(strstr(pem, "-----END RSA PRIVATE KEY-----\n"));
    free(pem);

    run_result r = tool("openssl", "rsa", "-in", key, "-check", "-noout", NULL);
    cr_expect_eq(r.exit_code, 0, "%s%s", r.out, r.err);
    cr_expect(strstr(r.out, "RSA key ok"), "%s%s", r.out, r.err);
    run_result_free(&r);
    r = tool("openssl", "rsa", "-in", key, "-text", "-noout", NULL);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.out, "Private-Key: (4096 bit, 2 primes)"), "%.200s", r.out);
    cr_expect(strstr(r.out, "publicExponent: 65537 (0x10001)"), "%.200s", r.out);
    run_result_free(&r);
}

/* The public key: base64 of the PEM SubjectPublicKeyInfo, the same as
 * `openssl rsa -pubout` gives (base64-encoded here by the test). */
Test(keys, public_key_as_vantage6_uploads_it)
{
    char key[1100], pub[1100];
    snprintf(key, sizeof(key), "%s/k.pem", dir);
    snprintf(pub, sizeof(pub), "%s/pub.pem", dir);
    cr_assert_eq(v6n_rsa_key_write(key, 1024, 0), V6N_OK, "%s", v6n_error_last()->message);
    char *b64 = NULL;
    cr_assert_eq(v6n_public_key_get(&b64, key), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect(!strchr(b64, '\n'));
    size_t len = 0;
    char *decoded = v6n_base64_decode(b64, &len);
    cr_assert_not_null(decoded);
    run_result r = tool("openssl", "rsa", "-in", key, "-pubout", "-out", pub, NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    char *expected = read_text(pub);
    cr_expect_str_eq(decoded, expected);
    cr_expect_eq(strncmp(decoded, "-----BEGIN PUBLIC KEY-----\n", 27), 0);
    free(expected);
    free(decoded);

    /* vantage6's own derivation: RSACryptor.create_public_key_bytes +
     * bytes_to_base64s, and the key file written as create_new_rsa_key does */
    r = tool("python3", "-c",
             "import sys, base64\n"
             "from cryptography.hazmat.primitives import serialization as s\n"
             "raw = open(sys.argv[1], 'rb').read()\n"
             "k = s.load_pem_private_key(raw, password=None)\n"
             "pub = k.public_key().public_bytes(encoding=s.Encoding.PEM,\n"
             "    format=s.PublicFormat.SubjectPublicKeyInfo)\n"
             "again = k.private_bytes(encoding=s.Encoding.PEM,\n"
             "    format=s.PrivateFormat.TraditionalOpenSSL,\n"
             "    encryption_algorithm=s.NoEncryption())\n"
             "print(base64.b64encode(pub).decode(), again == raw)\n",
             key, NULL);
    if (r.exit_code == 0) {
        char want[4096];
        snprintf(want, sizeof(want), "%s True\n", b64);
        cr_expect_str_eq(r.out, want);
    } else {
        cr_log_warn("python3 cryptography not available: %s", r.err);
    }
    run_result_free(&r);
    v6n_free(b64);
}

Test(keys, existing_key_kept_unless_overwrite)
{
    char key[1100];
    snprintf(key, sizeof(key), "%s/k.pem", dir);
    cr_assert_eq(v6n_rsa_key_write(key, 1024, 0), V6N_OK, "%s", v6n_error_last()->message);
    char *first = read_text(key);
    cr_expect_eq(v6n_rsa_key_write(key, 1024, 0), V6N_ECONFLICT);
    char *now = read_text(key);
    cr_expect_str_eq(now, first);
    free(now);
    cr_assert_eq(v6n_rsa_key_write(key, 1024, 1), V6N_OK, "%s", v6n_error_last()->message);
    now = read_text(key);
    cr_expect_str_neq(now, first, "overwrite made the same key");
    free(now);
    free(first);
    /* only the key in its folder */
    char *argv[] = {"/bin/ls", "-A", dir, NULL};
    char *envp[] = {NULL};
    run_result r;
    cr_assert_eq(run_program(&r, argv, envp, NULL, 10.0), 0);
    cr_expect_str_eq(r.out, "k.pem\n");
    run_result_free(&r);
}

Test(keys, not_a_key)
{
    char file[1100];
    snprintf(file, sizeof(file), "%s/x.pem", dir);
    cr_assert_eq(write_text(file, "-----BEGIN RSA PRIVATE KEY-----\nnope\n"), 0);
    char *b64 = NULL;
    cr_expect_eq(v6n_public_key_get(&b64, file), V6N_ECONFIG);
    cr_expect_null(b64);
    cr_expect(strstr(v6n_error_last()->message, file), "%s", v6n_error_last()->message);
    snprintf(file, sizeof(file), "%s/absent.pem", dir);
    cr_expect_eq(v6n_public_key_get(&b64, file), V6N_ENOTFOUND);
    /* an encrypted key is refused, not asked for on the terminal */
    char enc[1100];
    snprintf(enc, sizeof(enc), "%s/enc.pem", dir);
    run_result r = tool("openssl", "genrsa", "-aes128", "-passout", "pass:pw", "-out", enc, NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    cr_expect_eq(v6n_public_key_get(&b64, enc), V6N_ECONFIG);
}

Test(keys, where_vantage6_keeps_it)
{
    char home[1100];
    snprintf(home, sizeof(home), "%s/home", dir);
    setenv("HOME", home, 1);
    unsetenv("XDG_DATA_HOME");
    unsetenv("XDG_DATA_DIRS");
    char *path = NULL;
    cr_assert_eq(v6n_private_key_path(&path, V6N_SCOPE_USER, "Org One"), V6N_OK);
    char want[1200];
    snprintf(want, sizeof(want), "%s/.local/share/vantage6/node/privkey_Org One.pem", home);
    cr_expect_str_eq(path, want);
    v6n_free(path);
    cr_assert_eq(v6n_private_key_path(&path, V6N_SCOPE_SYSTEM, "x"), V6N_OK);
    cr_expect_str_eq(path, "/usr/local/share/vantage6/node/privkey_x.pem");
    v6n_free(path);
    cr_expect_eq(v6n_private_key_path(&path, V6N_SCOPE_USER, "../etc"), V6N_EINVAL);
    cr_expect_eq(v6n_private_key_path(&path, V6N_SCOPE_USER, ""), V6N_EINVAL);
    cr_expect_null(path);
}

/* Docker contexts: an engine's address and TLS files found by the context's
 * name in the docker CLI's store ($DOCKER_CONFIG/contexts), as `docker
 * context create` writes it. No engine is contacted. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "support.h"

static char *tmp;

static void setup(void)
{
    tmp = make_temp_dir("ctx");
    cr_assert(tmp);
    setenv("DOCKER_CONFIG", tmp, 1);
    unsetenv("DOCKER_HOST");
    unsetenv("DOCKER_TLS_VERIFY");
    unsetenv("DOCKER_CERT_PATH");
    unsetenv("DOCKER_API_VERSION");
}

static void teardown(void)
{
    remove_tree(tmp);
    free(tmp);
}

TestSuite(context, .init = setup, .fini = teardown);

/* A context in the store under folder `id` (the docker CLI uses the name's
 * SHA-256; any folder name works for the lookup). */
static void context(const char *id, const char *meta_json, const char *const *tls_files)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/contexts/meta/%s/meta.json", tmp, id);
    cr_assert_eq(write_text(path, meta_json), 0);
    for (; tls_files && *tls_files; tls_files++) {
        snprintf(path, sizeof(path), "%s/contexts/tls/%s/docker/%s", tmp, id, *tls_files);
        cr_assert_eq(write_text(path, "-----BEGIN CERTIFICATE-----\n"), 0);
    }
}

static const char *const ALL_TLS[] = {"ca.pem", "cert.pem", "key.pem", NULL};

Test(context, found_by_name_among_others)
{
    context("aaaa",
            "{\"Name\":\"site-a\",\"Endpoints\":{\"docker\":{\"Host\":\"tcp://127.0.0.1\"}}}",
            NULL);
    context("bbbb",
            "{\"Name\":\"site-b\",\"Metadata\":{},\"Endpoints\":{\"docker\":"
            "{\"Host\":\"tcp://127.0.0.1\",\"SkipTLSVerify\":false}}}",
            ALL_TLS);
    context("cccc", "not json at all", NULL);
    v6n_client *c = NULL;
    cr_assert_eq(v6n_client_from_context(&c, "site-a"), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_client_host(c), "tcp://127.0.0.1:2375", "no TLS files: plain, port 2375");
    v6n_client_free(c);
    cr_assert_eq(v6n_client_from_context(&c, "site-b"), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_client_host(c), "tcp://127.0.0.1:2376", "TLS files: TLS, port 2376");
    v6n_client_free(c);
}

Test(context, a_unix_socket_context)
{
    context("u",
            "{\"Name\":\"rootless\",\"Endpoints\":{\"docker\":{\"Host\":"
            "\"unix:///run/user/1000/docker.sock\"}}}",
            NULL);
    v6n_client *c = NULL;
    cr_assert_eq(v6n_client_from_context(&c, "rootless"), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_client_host(c), "unix:///run/user/1000/docker.sock");
    v6n_client_free(c);
}

Test(context, default_is_the_environment)
{
    setenv("DOCKER_HOST", "unix:///tmp/v6ntest-nowhere.sock", 1);
    v6n_client *c = NULL;
    cr_assert_eq(v6n_client_from_context(&c, "default"), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_client_host(c), "unix:///tmp/v6ntest-nowhere.sock");
    v6n_client_free(c);
}

Test(context, errors_name_the_context)
{
    v6n_client *c = NULL;
    cr_expect_eq(v6n_client_from_context(&c, "nope"), V6N_ENOTFOUND);
    cr_expect(strstr(v6n_error_last()->message, "'nope'"), "%s", v6n_error_last()->message);
    cr_expect_null(c);

    context("h", "{\"Name\":\"hostless\",\"Endpoints\":{}}", NULL);
    cr_expect_eq(v6n_client_from_context(&c, "hostless"), V6N_EINVAL);
    cr_expect(strstr(v6n_error_last()->message, "'hostless' has no docker endpoint host"), "%s",
              v6n_error_last()->message);

    static const char *const ca_only[] = {"ca.pem", NULL};
    context("k",
            "{\"Name\":\"no-key\",\"Endpoints\":{\"docker\":{\"Host\":\"tcp://127.0.0.1:1\"}}}",
            ca_only);
    cr_expect_eq(v6n_client_from_context(&c, "no-key"), V6N_EINVAL);
    cr_expect(strstr(v6n_error_last()->message, "'no-key'") &&
                  strstr(v6n_error_last()->message, "cert.pem"),
              "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_error_last()->key, "context");

    context("b",
            "{\"Name\":\"bad-host\",\"Endpoints\":{\"docker\":{\"Host\":"
            "\"npipe:////./pipe/docker_engine\"}}}",
            NULL);
    cr_expect_eq(v6n_client_from_context(&c, "bad-host"), V6N_EINVAL);
    cr_expect(strstr(v6n_error_last()->message, "'bad-host'") &&
                  strstr(v6n_error_last()->message, "npipe:////./pipe/docker_engine"),
              "%s", v6n_error_last()->message);
    cr_expect_eq(v6n_client_from_context(&c, ""), V6N_EINVAL);
}

/* An ssh:// endpoint: ssh brings its own encryption, so a TLS folder stored
 * with the context is not used (as by the docker CLI). */
Test(context, an_ssh_endpoint)
{
    context("s",
            "{\"Name\":\"site-b\",\"Endpoints\":{\"docker\":{\"Host\":\"ssh://admin@site-b\"}}}",
            ALL_TLS);
    v6n_client *c = NULL;
    cr_assert_eq(v6n_client_from_context(&c, "site-b"), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_client_host(c), "ssh://admin@site-b");
    v6n_client_free(c);
}

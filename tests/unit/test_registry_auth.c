/* Registry credentials for pulls: which registry an image comes from, where
 * the credentials are found (Docker config file, credential helpers) and the
 * X-Registry-Auth value, checked against what docker-py 7.1 does. Each test
 * runs in its own process with a temp HOME and, where needed, fake
 * docker-credential-* helpers first in PATH. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yajl/yajl_tree.h>

#include "internal.h"
#include "support.h"

static char *tmp;

static void setup(void)
{
    tmp = make_temp_dir("auth");
    cr_assert(tmp);
    char home[1024];
    snprintf(home, sizeof(home), "%s/home", tmp);
    mkdir(home, 0700);
    setenv("HOME", home, 1);
    unsetenv("DOCKER_CONFIG");
    char path[2048];
    snprintf(path, sizeof(path), "%s/bin:%s", tmp,
             getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", path, 1);
}

static void teardown(void)
{
    remove_tree(tmp);
    free(tmp);
}

TestSuite(registry_auth, .init = setup, .fini = teardown);

/* ~/.docker/config.json (or DOCKER_CONFIG's) holding `json`. */
static void docker_config(const char *json)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/home/.docker/config.json", tmp);
    cr_assert_eq(write_text(path, json), 0);
}

/* A fake credential helper docker-credential-NAME: a shell script. It
 * records what it got on stdin in $tmp/NAME.in. */
static void helper(const char *name, const char *body)
{
    char path[1024], script[4096];
    snprintf(path, sizeof(path), "%s/bin/docker-credential-%s", tmp, name);
    snprintf(script, sizeof(script),
             "#!/bin/sh\n[ \"$1\" = get ] || exit 9\nserver=$(cat)\nprintf %%s \"$server\" > "
             "'%s/%s.in'\n%s\n",
             tmp, name, body);
    cr_assert_eq(write_text(path, script), 0);
    chmod(path, 0755);
}

static char *helper_input(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s.in", tmp, name);
    return read_text(path);
}

typedef struct warnings {
    int count;
    char last[1024];
} warnings;

static int on_event(const v6n_event *e, void *payload)
{
    warnings *w = payload;
    if (e->kind == V6N_EVENT_WARNING) {
        w->count++;
        snprintf(w->last, sizeof(w->last), "%s", e->message);
    }
    return 0;
}

/* The decoded header of a pull of `image` as a JSON tree (NULL: no header). */
static yajl_val header_for(const char *image, char **source, warnings *w)
{
    char *header = NULL;
    char *registry = v6n_registry_of(image);
    cr_assert(registry);
    cr_assert_eq(v6n_registry_auth(&header, source, registry, on_event, w), V6N_OK, "%s",
                 v6n_error_last()->message);
    free(registry);
    if (!header)
        return NULL;
    cr_expect_null(strchr(header, '+'));
    cr_expect_null(strchr(header, '/'));
    size_t len = 0;
    char *json = v6n_base64_decode(header, &len);
    cr_assert(json, "not base64: %s", header);
    char err[256] = "";
    yajl_val v = yajl_tree_parse(json, err, sizeof(err));
    cr_assert(v, "not JSON: %s (%s)", json, err);
    free(json);
    v6n_registry_auth_free(header);
    return v;
}

static void expect_field(yajl_val v, const char *key, const char *want)
{
    const char *path[] = {key, NULL};
    yajl_val f = yajl_tree_get(v, path, yajl_t_any);
    if (!want) {
        cr_expect(f && YAJL_IS_NULL(f), "%s should be null", key);
        return;
    }
    cr_expect(f && YAJL_IS_STRING(f), "%s missing", key);
    if (f && YAJL_IS_STRING(f))
        cr_expect_str_eq(YAJL_GET_STRING(f), want, "%s", key);
}

static size_t field_count(yajl_val v)
{
    return YAJL_IS_OBJECT(v) ? YAJL_GET_OBJECT(v)->len : 0;
}

static void expect_registry(const char *image, const char *registry)
{
    char *r = v6n_registry_of(image);
    cr_expect_str_eq(r, registry, "registry of %s", image);
    free(r);
}

Test(registry_auth, the_registry_of_an_image_as_docker_py_names_it)
{
    expect_registry("harbor2.vantage6.ai/infrastructure/node:cotopaxi", "harbor2.vantage6.ai");
    expect_registry("127.0.0.1:5999/v6node-test/node:standin", "127.0.0.1:5999");
    expect_registry("localhost/node:1", "localhost");
    expect_registry("localhost:5000/node", "localhost:5000");
    expect_registry("debian:12", "docker.io");
    expect_registry("library/debian", "docker.io");
    expect_registry("myorg/node:1", "docker.io");
    expect_registry("index.docker.io/library/debian", "docker.io");
    expect_registry("registry.example/a/b/c@sha256:0123", "registry.example");
}

Test(registry_auth, base64url_matches_python)
{
    static const char *const plain[] = {"",     "f",     "fo",     "foo",
                                        "foob", "fooba", "foobar", "\xfb\xff\xfe"};
    static const char *const coded[] = {"",         "Zg==",     "Zm8=",     "Zm9v",
                                        "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", "-__-"};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        char *c = v6n_base64url((const unsigned char *)plain[i], strlen(plain[i]));
        cr_expect_str_eq(c, coded[i]);
        size_t len = 0;
        char *back = v6n_base64_decode(c, &len);
        cr_expect(back && len == strlen(plain[i]) && memcmp(back, plain[i], len) == 0);
        free(back);
        free(c);
    }
    /* docker-py's regression test 803: urlsafe_b64encode of this JSON has '_' and no '/' */
    const char *json = "{\"username\": \"root\", \"password\": \"GR?XGR?XGR?XGR?X\"}";
    char *c = v6n_base64url((const unsigned char *)json, strlen(json));
    cr_expect_str_eq(c, "eyJ1c2VybmFtZSI6ICJyb290IiwgInBhc3N3b3JkIjogIkdSP1hHUj9YR1I_WEdSP1gifQ==");
    free(c);
    size_t len;
    cr_expect_null(v6n_base64_decode("Zm9v!", &len));
    cr_expect_null(v6n_base64_decode("Z", &len));
    cr_expect_null(v6n_base64_decode("Zg=a", &len));
}

Test(registry_auth, no_config_file_means_no_header)
{
    warnings w = {0};
    cr_expect_null(header_for("harbor2.vantage6.ai/infrastructure/node:cotopaxi", NULL, &w));
    cr_expect_eq(w.count, 0);
}

Test(registry_auth, an_auths_entry_gives_username_password_email_and_server)
{
    /* base64("alice:s3cret:with:colons") */
    docker_config("{\"auths\": {\"other.example\": {\"auth\": \"Ym9iOnB3\"},"
                  " \"harbor2.vantage6.ai\": {\"auth\": \"YWxpY2U6czNjcmV0OndpdGg6Y29sb25z\","
                  " \"email\": \"alice@example.org\"}}}");
    warnings w = {0};
    char *source = NULL;
    yajl_val v = header_for("harbor2.vantage6.ai/infrastructure/node:cotopaxi", &source, &w);
    cr_assert(v);
    expect_field(v, "username", "alice");
    expect_field(v, "password", "s3cret:with:colons");
    expect_field(v, "email", "alice@example.org");
    expect_field(v, "serveraddress", "harbor2.vantage6.ai");
    cr_expect_eq(field_count(v), 4);
    cr_expect(strstr(source, "/home/.docker/config.json"), "%s", source);
    cr_expect_eq(w.count, 0);
    yajl_tree_free(v);
    free(source);

    /* no email: null, as docker-py's entry.get('email') */
    docker_config("{\"auths\": {\"harbor2.vantage6.ai\": {\"auth\": \"Ym9iOnB3\"}}}");
    v = header_for("harbor2.vantage6.ai/infrastructure/node:cotopaxi", NULL, &w);
    cr_assert(v);
    expect_field(v, "email", NULL);
    yajl_tree_free(v);

    /* another registry's image gets nothing */
    cr_expect_null(header_for("registry.example/node:1", NULL, &w));
}

Test(registry_auth, legacy_url_keys_and_docker_hub)
{
    docker_config("{\"auths\": {\"https://harbor2.vantage6.ai/v1/\": {\"auth\": \"Ym9iOnB3\"},"
                  " \"https://index.docker.io/v1/\": {\"auth\": \"aHViOmh1Yg==\"}}}");
    warnings w = {0};
    yajl_val v = header_for("harbor2.vantage6.ai/infrastructure/node:cotopaxi", NULL, &w);
    cr_assert(v);
    expect_field(v, "username", "bob");
    expect_field(v, "serveraddress", "https://harbor2.vantage6.ai/v1/"); /* the key, as docker-py */
    yajl_tree_free(v);
    v = header_for("debian:12", NULL, &w);
    cr_assert(v);
    expect_field(v, "username", "hub");
    expect_field(v, "password", "hub");
    yajl_tree_free(v);
}

Test(registry_auth, identity_tokens_and_entries_without_auth)
{
    docker_config(
        "{\"auths\": {\"a.example\": {\"auth\": \"Ym9iOnB3\", \"identitytoken\": \"tok\"},"
        " \"b.example\": {}}}");
    warnings w = {0};
    yajl_val v = header_for("a.example/x:1", NULL, &w);
    cr_assert(v);
    expect_field(v, "IdentityToken", "tok");
    cr_expect_eq(field_count(v), 1);
    yajl_tree_free(v);
    cr_expect_null(header_for("b.example/x:1", NULL, &w));
    cr_expect_eq(w.count, 0);
}

Test(registry_auth, docker_config_wins_over_home_and_a_missing_one_falls_back)
{
    docker_config("{\"auths\": {\"a.example\": {\"auth\": \"aG9tZTpob21l\"}}}"); /* home:home */
    char dir[1024], path[1100];
    snprintf(dir, sizeof(dir), "%s/elsewhere", tmp);
    setenv("DOCKER_CONFIG", dir, 1);
    warnings w = {0};
    yajl_val v = header_for("a.example/x:1", NULL, &w); /* dir/config.json does not exist */
    cr_assert(v);
    expect_field(v, "username", "home");
    yajl_tree_free(v);
    snprintf(path, sizeof(path), "%s/config.json", dir);
    cr_assert_eq(write_text(path, "{\"auths\": {\"a.example\": {\"auth\": \"ZW52OmVudg==\"}}}"), 0);
    char *source = NULL;
    v = header_for("a.example/x:1", &source, &w);
    cr_assert(v);
    expect_field(v, "username", "env");
    cr_expect_str_eq(source, path);
    yajl_tree_free(v);
    free(source);
}

Test(registry_auth, an_auth_only_file_of_the_old_format)
{
    docker_config("{\"a.example\": {\"auth\": \"Ym9iOnB3\"}}");
    warnings w = {0};
    yajl_val v = header_for("a.example/x:1", NULL, &w);
    cr_assert(v);
    expect_field(v, "username", "bob");
    yajl_tree_free(v);
}

Test(registry_auth, a_cred_helper_is_asked_with_the_registry_name)
{
    helper("v6ntest-ok", "printf '{\"ServerURL\":\"%s\",\"Username\":\"helper-user\","
                         "\"Secret\":\"helper-secret\"}' \"$server\"");
    docker_config("{\"auths\": {\"harbor2.vantage6.ai\": {\"auth\": \"Ym9iOnB3\"}},"
                  " \"credHelpers\": {\"harbor2.vantage6.ai\": \"v6ntest-ok\"}}");
    warnings w = {0};
    char *source = NULL;
    yajl_val v = header_for("harbor2.vantage6.ai/infrastructure/node:cotopaxi", &source, &w);
    cr_assert(v);
    expect_field(v, "ServerAddress", "harbor2.vantage6.ai");
    expect_field(v, "Username", "helper-user");
    expect_field(v, "Password", "helper-secret");
    cr_expect_eq(field_count(v), 3);
    cr_expect_str_eq(source, "docker-credential-v6ntest-ok");
    char *in = helper_input("v6ntest-ok");
    cr_expect_str_eq(in, "harbor2.vantage6.ai");
    free(in);
    cr_expect_eq(w.count, 0);
    yajl_tree_free(v);
    free(source);
}

Test(registry_auth, the_creds_store_asks_docker_hub_by_its_index_url_and_tokens_pass)
{
    helper("v6ntest-token", "printf '{\"Username\":\"<token>\",\"Secret\":\"refresh-tok\"}'");
    docker_config("{\"credsStore\": \"v6ntest-token\"}");
    warnings w = {0};
    yajl_val v = header_for("debian:12", NULL, &w);
    cr_assert(v);
    expect_field(v, "ServerAddress", "https://index.docker.io/v1/");
    expect_field(v, "IdentityToken", "refresh-tok");
    cr_expect_eq(field_count(v), 2);
    char *in = helper_input("v6ntest-token");
    cr_expect_str_eq(in, "https://index.docker.io/v1/");
    free(in);
    yajl_tree_free(v);
}

Test(registry_auth, a_helper_without_credentials_falls_back_to_auths)
{
    helper("v6ntest-none", "echo 'credentials not found in native keychain'; exit 1");
    helper("v6ntest-empty", "printf '{\"Username\":\"\",\"Secret\":\"\"}'");
    docker_config("{\"auths\": {\"a.example\": {\"auth\": \"Ym9iOnB3\"}},"
                  " \"credHelpers\": {\"a.example\": \"v6ntest-none\"},"
                  " \"credsStore\": \"v6ntest-empty\"}");
    warnings w = {0};
    yajl_val v = header_for("a.example/x:1", NULL, &w);
    cr_assert(v);
    expect_field(v, "username", "bob");
    yajl_tree_free(v);
    /* b.example has no helper of its own: the store answers "nothing" */
    cr_expect_null(header_for("b.example/x:1", NULL, &w));
    cr_expect_eq(w.count, 0, "%s", w.last);
}

Test(registry_auth, a_broken_or_missing_helper_is_a_warning_not_a_failure)
{
    helper("v6ntest-broken", "echo 'the keyring is locked'; exit 3");
    docker_config("{\"auths\": {\"a.example\": {\"auth\": \"Ym9iOnB3\"}},"
                  " \"credHelpers\": {\"a.example\": \"v6ntest-broken\","
                  " \"b.example\": \"v6ntest-not-installed\", \"c.example\": \"../evil\"}}");
    warnings w = {0};
    yajl_val v = header_for("a.example/x:1", NULL, &w);
    cr_assert(v, "the auths entry is still used");
    yajl_tree_free(v);
    cr_expect_eq(w.count, 1);
    cr_expect(strstr(w.last, "docker-credential-v6ntest-broken") &&
                  strstr(w.last, "the keyring is locked") && strstr(w.last, "exit status 3"),
              "%s", w.last);
    cr_expect_null(header_for("b.example/x:1", NULL, &w));
    cr_expect(strstr(w.last, "docker-credential-v6ntest-not-installed is not installed"), "%s",
              w.last);
    cr_expect_null(header_for("c.example/x:1", NULL, &w));
    cr_expect(strstr(w.last, "not a helper name"), "%s", w.last);
    cr_expect_eq(w.count, 3);
}

Test(registry_auth, a_bad_config_file_is_a_warning_naming_it)
{
    docker_config("{\"auths\": {\"a.example\": ");
    warnings w = {0};
    cr_expect_null(header_for("a.example/x:1", NULL, &w));
    cr_expect_eq(w.count, 1);
    cr_expect(strstr(w.last, "/home/.docker/config.json") && strstr(w.last, "not a JSON object"),
              "%s", w.last);

    docker_config("{\"auths\": {\"a.example\": {\"auth\": \"bm8tY29sb24=\"}}}"); /* "no-colon" */
    cr_expect_null(header_for("a.example/x:1", NULL, &w));
    cr_expect(strstr(w.last, "auths.\"a.example\".auth") && !strstr(w.last, "no-colon"), "%s",
              w.last);
    docker_config("{\"auths\": {\"a.example\": {\"auth\": \"%%%\"}}}");
    cr_expect_null(header_for("a.example/x:1", NULL, &w));
    cr_expect(strstr(w.last, "is not base64"), "%s", w.last);
    cr_expect_eq(w.count, 3);
}

static int cancel(const v6n_event *e, void *payload)
{
    (void)e;
    (void)payload;
    return 1;
}

Test(registry_auth, a_warning_can_cancel)
{
    docker_config("not json");
    char *header = NULL;
    cr_expect_eq(v6n_registry_auth(&header, NULL, "a.example", cancel, NULL), V6N_ECANCELLED);
    cr_expect_null(header);
}

/* create-private-key against a stand-in vantage6 server
 * (tests/integration/fake_v6server.py, 127.0.0.1 only): the user login with
 * and without an MFA code, the organization, the PATCH of its public key, and
 * the refusals (wrong password, wrong code, MFA not set up, no permission, no
 * server), after which nothing was written. The server records every request;
 * the tests read them back from its /requests. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "internal.h"
#include "support.h"

#define SERVER_SCRIPT V6N_SOURCE_DIR "/tests/integration/fake_v6server.py"

static char *dir;
static char home[1024], config[1200], key[1400];
static int server_pid, port;

static void start_server(const char *mode, const char *arg)
{
    char *argv[] = {"python3", SERVER_SCRIPT, (char *)mode, (char *)arg, NULL};
    cr_assert_eq(spawn_server(&server_pid, &port, argv, 30.0), 0, "the fake server did not start");
}

/* A node config whose server is the fake one (encryption on, no key yet). */
static void write_config(void)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "# a node for the upload tests\n"
             "api_key: k\nserver_url: http://127.0.0.1\nport: %d\napi_path: /api\n"
             "task_dir: /tmp/t\ndatabases: []\n"
             "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, "
             "format: x, datefmt: y}\n"
             "encryption:\n  enabled: true\n",
             port);
    cr_assert_eq(write_text(config, text), 0);
}

static void init_with(const char *mode, const char *arg)
{
    dir = make_temp_dir("server");
    cr_assert_not_null(dir);
    snprintf(home, sizeof(home), "%s/home", dir);
    snprintf(config, sizeof(config), "%s/conf/srv.yaml", dir);
    snprintf(key, sizeof(key), "%s/.local/share/vantage6/node/privkey_Org One.pem", home);
    setenv("HOME", home, 1);
    unsetenv("XDG_DATA_HOME");
    unsetenv("XDG_DATA_DIRS");
    start_server(mode, arg);
    write_config();
}

static void init(void)
{
    init_with(NULL, NULL);
}

static void init_mfa(void)
{
    init_with("--mfa", "123456");
}

static void init_qr(void)
{
    init_with("--qr", NULL);
}

static void fini(void)
{
    stop_server(server_pid);
    server_pid = 0;
    remove_tree(dir);
    free(dir);
}

TestSuite(server, .init = init, .fini = fini, .timeout = 300);
TestSuite(server_mfa, .init = init_mfa, .fini = fini, .timeout = 300);
TestSuite(server_qr, .init = init_qr, .fini = fini, .timeout = 60);

/* ---- reading the server's record ---------------------------------------------------- */

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
    v6n_buf *b = userdata;
    return v6n_buf_add(b, data, size * n) == V6N_OK ? size * n : 0;
}

/* The requests the server saw: a JSON list (free with yajl_tree_free). */
static yajl_val server_requests(void)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/requests", port);
    CURL *h = curl_easy_init();
    v6n_buf b = V6N_BUF_INIT;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    cr_assert_eq(curl_easy_perform(h), CURLE_OK);
    curl_easy_cleanup(h);
    yajl_val v = yajl_tree_parse(b.ptr, NULL, 0);
    v6n_buf_free(&b);
    cr_assert(v && YAJL_IS_ARRAY(v));
    return v;
}

static const char *req_str(yajl_val req, const char *a, const char *b)
{
    const char *path[] = {a, b, NULL};
    yajl_val v = v6n_json_get(req, path);
    return v && YAJL_IS_STRING(v) ? v->u.string : NULL;
}

/* "POST /api/token/user, GET /api/user/7, ..." */
static char *request_lines(yajl_val reqs)
{
    static char out[4096];
    out[0] = '\0';
    for (size_t i = 0; i < reqs->u.array.len; i++)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s %s", i ? ", " : "",
                 req_str(reqs->u.array.values[i], "method", NULL),
                 req_str(reqs->u.array.values[i], "path", NULL));
    return out;
}

/* ---- helpers ------------------------------------------------------------------------ */

static v6n_server_login login_as(const char *user, const char *password)
{
    v6n_server_login l = V6N_SERVER_LOGIN_INIT;
    l.username = user;
    l.password = password;
    l.timeout_ms = 10000;
    return l;
}

/* An existing 1024-bit key where the command looks (fast under valgrind). */
static void existing_key(void)
{
    cr_assert_eq(v6n_rsa_key_write(key, 1024, 0), V6N_OK, "%s", v6n_error_last()->message);
}

/* Refused: nothing written (no key, config as it was), no upload. */
static void nothing_written(const char *config_before)
{
    cr_expect(access(key, F_OK) != 0, "a key was written");
    char *now = read_text(config);
    cr_expect_str_eq(now, config_before, "the config changed");
    free(now);
    yajl_val reqs = server_requests();
    for (size_t i = 0; i < reqs->u.array.len; i++)
        cr_expect_str_neq(req_str(reqs->u.array.values[i], "method", NULL), "PATCH");
    yajl_tree_free(reqs);
}

/* v6n_node_private_key_create of the node whose config is `config`. */
static int key_create(char **out, const v6n_private_key_options *o)
{
    v6n_node *node = NULL;
    int rc = v6n_node_open_config(&node, config, NULL);
    cr_assert_eq(rc, V6N_OK, "%s", v6n_error_last()->message);
    rc = v6n_node_private_key_create(out, node, o);
    v6n_node_free(node);
    return rc;
}

/* ---- the library ---------------------------------------------------------------------- */

/* The whole flow with a new 4096-bit key: login, whoami, key, config, PATCH. */
Test(server, login_generate_and_upload)
{
    char *before = read_text(config);
    v6n_server_login l = login_as("alice", "wonderland");
    v6n_private_key_options o = V6N_PRIVATE_KEY_OPTIONS_INIT;
    o.login = &l;
    char *path = NULL;
    int rc = key_create(&path, &o);
    cr_assert_eq(rc, V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(path, key);
    struct stat st;
    cr_assert_eq(stat(key, &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0600);

    /* the config: before, plus the key's line under encryption */
    char expected[4096];
    snprintf(expected, sizeof(expected), "%s  private_key: %s\n", before, key);
    char *now = read_text(config);
    cr_expect_str_eq(now, expected);
    free(now);

    char *pub = NULL;
    cr_assert_eq(v6n_public_key_get(&pub, key), V6N_OK);
    yajl_val reqs = server_requests();
    cr_expect_str_eq(request_lines(reqs), "POST /api/token/user, GET /api/user/7, "
                                          "GET /api/organization/3, PATCH /api/organization/3");
    yajl_val login = reqs->u.array.values[0], patch = reqs->u.array.values[3];
    cr_expect_str_eq(req_str(login, "json", "username"), "alice");
    cr_expect_str_eq(req_str(login, "json", "password"), "wonderland");
    cr_expect_null(req_str(login, "json", "mfa_code"), "an MFA code was sent unasked");
    cr_expect_str_eq(req_str(patch, "json", "public_key"), pub);
    const char *auth[] = {"auth", NULL};
    cr_expect(YAJL_IS_TRUE(v6n_json_get(patch, auth)), "the PATCH had no token");
    cr_expect(YAJL_IS_FALSE(v6n_json_get(login, auth)));
    yajl_tree_free(reqs);
    v6n_free(pub);
    v6n_free(path);
    free(before);
}

Test(server, wrong_password_changes_nothing)
{
    char *before = read_text(config);
    v6n_server_login l = login_as("alice", "not-the-password");
    v6n_private_key_options o = V6N_PRIVATE_KEY_OPTIONS_INIT;
    o.login = &l;
    int rc = key_create(NULL, &o);
    const v6n_error *e = v6n_error_last();
    cr_expect_eq(rc, V6N_EAUTH, "%s: %s", v6n_error_code_name(rc), e->message);
    cr_expect_eq(e->http_status, 401);
    cr_expect(strstr(e->message, "refused the login of user 'alice'"), "%s", e->message);
    cr_expect(strstr(e->message, "Failed to login"), "%s", e->message);
    cr_expect(!strstr(e->message, "not-the-password"), "the password shows: %s", e->message);
    nothing_written(before);
    yajl_val reqs = server_requests();
    cr_expect_str_eq(request_lines(reqs), "POST /api/token/user");
    yajl_tree_free(reqs);
    free(before);
}

/* -o names the file; with an upload, the organization is found by its exact
 * name (the server filters with LIKE: "Org_One" also matches "Org One"). */
Test(server, named_organization)
{
    snprintf(key, sizeof(key), "%s/.local/share/vantage6/node/privkey_Org_One.pem", home);
    existing_key();
    v6n_server_login l = login_as("root", "r00t pw \"q\" \xc3\xa9");
    v6n_private_key_options o = V6N_PRIVATE_KEY_OPTIONS_INIT;
    o.login = &l;
    o.organization = "Org_One";
    cr_assert_eq(key_create(NULL, &o), V6N_OK, "%s", v6n_error_last()->message);
    yajl_val reqs = server_requests();
    cr_expect_str_eq(request_lines(reqs),
                     "POST /api/token/user, GET /api/user/1, GET /api/organization/3, "
                     "GET /api/organization?name=Org_One&per_page=1000, "
                     "PATCH /api/organization/5");
    cr_expect_str_eq(req_str(reqs->u.array.values[0], "json", "password"),
                     "r00t pw \"q\" \xc3\xa9");
    yajl_tree_free(reqs);

    /* alice may not set another organization's key: the server's message */
    l = login_as("alice", "wonderland");
    o.organization = "Other Org";
    o.key_path = key;
    int rc = key_create(NULL, &o);
    cr_expect_eq(rc, V6N_EAUTH, "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "You lack the permission"), "%s",
              v6n_error_last()->message);
    o.organization = "Nobody";
    rc = key_create(NULL, &o);
    cr_expect_eq(rc, V6N_ENOTFOUND, "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "'Nobody'"), "%s", v6n_error_last()->message);
}

Test(server, no_upload_needs_no_server)
{
    existing_key();
    v6n_private_key_options o = V6N_PRIVATE_KEY_OPTIONS_INIT;
    o.organization = "Org One";
    o.upload = 0;
    cr_assert_eq(key_create(NULL, &o), V6N_OK, "%s", v6n_error_last()->message);
    yajl_val reqs = server_requests();
    cr_expect_eq(reqs->u.array.len, 0, "%s", request_lines(reqs));
    yajl_tree_free(reqs);
    /* and a login is needed once the organization is unknown */
    o.organization = NULL;
    cr_expect_eq(key_create(NULL, &o), V6N_EINVAL);
}

Test(server, no_server_there)
{
    char *before = read_text(config);
    stop_server(server_pid);
    server_pid = 0;
    v6n_server_login l = login_as("alice", "wonderland");
    v6n_private_key_options o = V6N_PRIVATE_KEY_OPTIONS_INIT;
    o.login = &l;
    int rc = key_create(NULL, &o);
    cr_expect_eq(rc, V6N_EUNAVAILABLE, "%s", v6n_error_last()->message);
    cr_expect(access(key, F_OK) != 0, "a key was written");
    char *now = read_text(config);
    cr_expect_str_eq(now, before);
    free(now);
    free(before);
}

static int mfa_calls;
static int give_code(char *code, size_t size, void *payload)
{
    mfa_calls++;
    snprintf(code, size, "%s", (const char *)payload);
    return 0;
}

Test(server_mfa, code_asked_when_the_server_wants_one)
{
    existing_key();
    v6n_server_login l = login_as("alice", "wonderland");
    l.ask_mfa = give_code;
    l.payload = "123456";
    mfa_calls = 0;
    v6n_private_key_options o = V6N_PRIVATE_KEY_OPTIONS_INIT;
    o.login = &l;
    cr_assert_eq(key_create(NULL, &o), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(mfa_calls, 1);
    yajl_val reqs = server_requests();
    cr_expect_str_eq(request_lines(reqs), "POST /api/token/user, POST /api/token/user, "
                                          "GET /api/user/7, GET /api/organization/3, "
                                          "PATCH /api/organization/3");
    cr_expect_null(req_str(reqs->u.array.values[0], "json", "mfa_code"));
    cr_expect_str_eq(req_str(reqs->u.array.values[1], "json", "mfa_code"), "123456");
    yajl_tree_free(reqs);
}

Test(server_mfa, code_given_up_front)
{
    existing_key();
    v6n_server_login l = login_as("alice", "wonderland");
    l.mfa_code = "123456";
    v6n_server_session *s = NULL;
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/", port);
    cr_assert_eq(v6n_server_session_open(&s, url, &l), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(v6n_server_session_user_id(s), 7);
    cr_expect_eq(v6n_server_session_organization_id(s), 3);
    cr_expect_str_eq(v6n_server_session_organization_name(s), "Org One");
    v6n_server_session_free(s);
    yajl_val reqs = server_requests();
    cr_expect_str_eq(request_lines(reqs),
                     "POST /api/token/user, GET /api/user/7, GET /api/organization/3");
    cr_expect_str_eq(req_str(reqs->u.array.values[0], "json", "mfa_code"), "123456");
    yajl_tree_free(reqs);
}

Test(server_mfa, wrong_or_missing_code_changes_nothing)
{
    char *before = read_text(config);
    v6n_server_login l = login_as("alice", "wonderland");
    l.ask_mfa = give_code;
    l.payload = "000000";
    v6n_private_key_options o = V6N_PRIVATE_KEY_OPTIONS_INIT;
    o.login = &l;
    int rc = key_create(NULL, &o);
    cr_expect_eq(rc, V6N_EAUTH, "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "two-factor authentication code is incorrect"),
              "%s", v6n_error_last()->message);
    cr_expect(!strstr(v6n_error_last()->message, "000000"), "%s", v6n_error_last()->message);
    nothing_written(before);
    l.ask_mfa = NULL; /* nobody to ask */
    rc = key_create(NULL, &o);
    cr_expect_eq(rc, V6N_EAUTH, "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "asks for a two-factor"), "%s",
              v6n_error_last()->message);
    nothing_written(before);
    free(before);
}

Test(server_qr, mfa_not_set_up_yet)
{
    v6n_server_login l = login_as("alice", "wonderland");
    v6n_private_key_options o = V6N_PRIVATE_KEY_OPTIONS_INIT;
    o.login = &l;
    int rc = key_create(NULL, &o);
    cr_expect_eq(rc, V6N_EAUTH, "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "set it up"), "%s", v6n_error_last()->message);
}

/* ---- the v6node tool ---------------------------------------------------------------- */

static void cli_env(char **envp, char *h, char *p, const char *extra)
{
    snprintf(h, 1100, "HOME=%s", home);
    snprintf(p, 1100, "PATH=%s", getenv("PATH") ? getenv("PATH") : "/bin");
    size_t e = 0;
    envp[e++] = h;
    envp[e++] = p;
    envp[e++] = "TERM=dumb";
    if (extra)
        envp[e++] = (char *)extra;
    envp[e] = NULL;
}

Test(server_mfa, cli_for_scripts)
{
    existing_key();
    char pwfile[1100];
    snprintf(pwfile, sizeof(pwfile), "%s/pw", dir);
    cr_assert_eq(write_text(pwfile, "wonderland\n"), 0);
    char *argv[] = {V6N_CLI_PATH, "create-private-key", "-c",   config, "--username",
                    "alice",      "--password-file",    pwfile, NULL};
    char *envp[8], h[1100], p[1100];
    cli_env(envp, h, p, "V6NODE_MFA_CODE=123456");
    run_result r;
    cr_assert_eq(run_program(&r, argv, envp, dir, 120.0), 0);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    char want[1500];
    snprintf(want, sizeof(want), "%s\n", key);
    cr_expect_str_eq(r.out, want);
    cr_expect(strstr(r.err, "uploaded"), "%s", r.err);
    cr_expect(!strstr(r.err, "wonderland") && !strstr(r.err, "123456"), "%s", r.err);
    run_result_free(&r);

    /* the password from V6NODE_PASSWORD, wrong this time: exit 1, a clear message */
    char *argv2[] = {V6N_CLI_PATH, "create-private-key", "-c", config, "--username", "alice", NULL};
    cli_env(envp, h, p, "V6NODE_PASSWORD=guess");
    cr_assert_eq(run_program(&r, argv2, envp, dir, 120.0), 0);
    cr_expect_eq(r.exit_code, 1, "%s", r.err);
    cr_expect(strstr(r.err, "refused the login of user 'alice': Failed to login"), "%s", r.err);
    cr_expect(!strstr(r.err, "guess"), "%s", r.err);
    run_result_free(&r);

    /* the server asks for a code and there is none (no terminal, no variable) */
    cli_env(envp, h, p, "V6NODE_PASSWORD=wonderland");
    cr_assert_eq(run_program(&r, argv2, envp, dir, 120.0), 0);
    cr_expect_eq(r.exit_code, 1, "%s", r.err);
    cr_expect(strstr(r.err, "two-factor"), "%s", r.err);
    run_result_free(&r);
}

/* On a terminal: the username is asked (and shows), the password and the
 * code when the server wants one are asked and never echoed. */
Test(server_mfa, cli_asks_on_a_terminal)
{
    existing_key();
    char *argv[] = {V6N_CLI_PATH, "create-private-key", "-c", config, NULL};
    char *envp[8], h[1100], p[1100];
    cli_env(envp, h, p, NULL);
    const char *script[] = {"Username:", "alice",  "Password:", "wonderland",
                            "MFA code:", "123456", NULL,        NULL};
    run_result r;
    cr_assert_eq(run_in_pty(&r, argv, envp, dir, script, 120.0), 0);
    cr_expect_eq(r.exit_code, 0, "%s", r.out);
    cr_expect(strstr(r.out, "alice"), "the username was not echoed:\n%s", r.out);
    cr_expect(!strstr(r.out, "wonderland"), "the password was echoed:\n%s", r.out);
    cr_expect(!strstr(r.out, "123456"), "the MFA code was echoed:\n%s", r.out);
    cr_expect(strstr(r.out, "uploaded"), "%s", r.out);
    run_result_free(&r);
    yajl_val reqs = server_requests();
    cr_expect_eq(reqs->u.array.len, 5, "%s", request_lines(reqs));
    yajl_tree_free(reqs);
}

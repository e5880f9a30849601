/* Remote engines over TCP and TLS: a second dockerd with --tlsverify on
 * 127.0.0.1 (tls/tls-engine.sh, certificates made by the test with openssl).
 * A node's whole life through TLS, every TLS failure with its clear error,
 * two engines from one v6node, and paths that only the engine's host has. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "node_fixture.h"

typedef struct tls_env {
    char tls_host[128], plain_host[128], unix_host[256];
    char certs[256], wrong_ca[256], bad_client[256];
} tls_env;

static tls_env env;

static void read_env(void)
{
    env_field fields[] = {{"TLS_HOST=", env.tls_host, sizeof(env.tls_host)},
                          {"PLAIN_HOST=", env.plain_host, sizeof(env.plain_host)},
                          {"UNIX_HOST=", env.unix_host, sizeof(env.unix_host)},
                          {"CERTS=", env.certs, sizeof(env.certs)},
                          {"WRONG_CA=", env.wrong_ca, sizeof(env.wrong_ca)},
                          {"BAD_CLIENT=", env.bad_client, sizeof(env.bad_client)}};
    char *why = read_env_file("V6N_TLS_ENV", fields, sizeof(fields) / sizeof(fields[0]));
    cr_assert_null(why, "no TLS engine: %s", why);
}

static void init(void)
{
    nodefx_init();
    read_env();
    unsetenv("DOCKER_HOST");
    unsetenv("DOCKER_TLS_VERIFY");
    unsetenv("DOCKER_CERT_PATH");
    fx.opts.pull = V6N_PULL_NEVER; /* the private engine has the stand-in image */
}

static v6n_client *tls_client;

static void fini(void)
{
    if (tls_client) /* the node ran on the TLS engine: stop it there */
        nodefx_stop_named(tls_client, fx.node, NULL);
    v6n_client_free(tls_client);
    tls_client = NULL;
    nodefx_fini();
}

TestSuite(tls, .init = init, .fini = fini, .timeout = 120);

/* A client for `host` with TLS on, verifying against the CA in `certs`. */
static int open_tls(v6n_client **out, const char *host, const char *certs, bool verify)
{
    v6n_engine_options eo = V6N_ENGINE_OPTIONS_INIT;
    eo.host = host;
    eo.tls = 1;
    eo.tls_verify = verify;
    eo.cert_path = certs;
    eo.connect_timeout_ms = 3000;
    eo.request_timeout_ms = 5000;
    return v6n_client_new(out, &eo);
}

static void expect_failure(v6n_client *c, int code, const char *needle)
{
    int rc = v6n_client_ping(c);
    cr_expect_eq(rc, code, "expected %s, got %s: %s", v6n_error_code_name(code),
                 v6n_error_code_name(rc), v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, needle), "the message lacks '%s': %s", needle,
              v6n_error_last()->message);
}

/* ---- a node's life through TLS ------------------------------------------------ */

static int collect(const char *data, size_t len, int stream, void *payload)
{
    (void)stream;
    if (data) {
        size_t *have = payload;
        (void)len;
        *have += len;
        if (strstr(data, "contract holds"))
            return 1;
    }
    return 0;
}

Test(tls, start_status_logs_and_stop_over_tls)
{
    cr_assert_eq(open_tls(&tls_client, env.tls_host, env.certs, true), V6N_OK, "%s",
                 v6n_error_last()->message);
    nodefx_typical_config();
    nodefx_build();
    char *id = NULL;
    cr_assert_eq(v6n_spec_start(&id, tls_client, fx.spec, &fx.opts), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_str_eq(v6n_client_host(tls_client), env.tls_host);

    v6n_node_status *st = NULL;
    cr_assert_eq(v6n_node_status_get(&st, fx.handle, tls_client), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_eq(v6n_node_status_state(st), V6N_NODE_RUNNING);
    cr_expect_str_eq(v6n_node_status_container_id(st), id);
    cr_expect_eq(v6n_node_status_drift_count(st), 0);
    v6n_node_status_free(st);

    /* it runs on the TLS engine, not on the default one */
    cr_expect(!nodefx_container_exists(fx.container));

    size_t got = 0;
    v6n_logs_options lo = V6N_LOGS_OPTIONS_INIT;
    lo.follow = 1;
    lo.callbacks.on_log = collect;
    lo.callbacks.payload = &got;
    cr_expect_eq(v6n_container_logs(tls_client, fx.container, &lo), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_gt(got, 0);

    cr_expect_eq(nodefx_stop_named(tls_client, fx.node, NULL), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_eq(v6n_node_status_get(&st, fx.handle, tls_client), V6N_OK);
    cr_expect_eq(v6n_node_status_state(st), V6N_NODE_ABSENT);
    v6n_node_status_free(st);
    v6n_free(id);
}

Test(tls, the_environment_as_docker_reads_it)
{
    setenv("DOCKER_HOST", env.tls_host, 1);
    setenv("DOCKER_TLS_VERIFY", "1", 1);
    setenv("DOCKER_CERT_PATH", env.certs, 1);
    v6n_client *c = NULL;
    cr_assert_eq(v6n_client_from_env(&c), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(v6n_client_ping(c), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_not_null(v6n_client_api_version(c));
    v6n_client_free(c);
    /* TLS on (a cert path) but no verification: the client certificate is still
     * sent, the engine's is not checked, as in docker-py */
    setenv("DOCKER_TLS_VERIFY", "", 1);
    setenv("DOCKER_CERT_PATH", env.wrong_ca, 1);
    cr_assert_eq(v6n_client_from_env(&c), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(v6n_client_ping(c), V6N_OK, "%s", v6n_error_last()->message);
    v6n_client_free(c);
}

/* ---- every TLS failure, and its clear error -------------------------------------- */

Test(tls, a_refused_connection)
{
    v6n_client *c = NULL;
    /* port 9 on loopback: nothing listens */
    cr_assert_eq(open_tls(&c, "tcp://127.0.0.1:9", env.certs, true), V6N_OK);
    expect_failure(c, V6N_EUNAVAILABLE, "cannot reach the Docker engine at tcp://127.0.0.1:9");
    v6n_client_free(c);
}

Test(tls, a_wrong_ca)
{
    v6n_client *c = NULL;
    cr_assert_eq(open_tls(&c, env.tls_host, env.wrong_ca, true), V6N_OK);
    expect_failure(c, V6N_EUNAVAILABLE, "not signed by the CA in ca.pem");
    v6n_client_free(c);
}

Test(tls, a_client_certificate_the_engine_does_not_accept)
{
    v6n_client *c = NULL;
    cr_assert_eq(open_tls(&c, env.tls_host, env.bad_client, true), V6N_OK);
    expect_failure(c, V6N_EUNAVAILABLE, "refused our client certificate");
    v6n_client_free(c);
}

Test(tls, a_plain_http_engine_spoken_to_with_tls)
{
    v6n_client *c = NULL;
    cr_assert_eq(open_tls(&c, env.plain_host, env.certs, true), V6N_OK);
    expect_failure(c, V6N_EUNAVAILABLE, "does not speak TLS");
    v6n_client_free(c);
}

Test(tls, a_tls_engine_spoken_to_in_plain_http)
{
    v6n_client *c = NULL;
    v6n_engine_options eo = V6N_ENGINE_OPTIONS_INIT;
    eo.host = env.tls_host;
    cr_assert_eq(v6n_client_new(&c, &eo), V6N_OK);
    expect_failure(c, V6N_EUNAVAILABLE, "The engine wants TLS");
    cr_expect_eq(v6n_error_last()->http_status, 400);
    v6n_client_free(c);
}

Test(tls, missing_certificate_files)
{
    v6n_client *c = NULL;
    char empty[1200];
    snprintf(empty, sizeof(empty), "%s/no-certs", fx.dir);
    cr_expect_eq(open_tls(&c, env.tls_host, empty, true), V6N_EINVAL);
    cr_expect(strstr(v6n_error_last()->message, "cert.pem"), "%s", v6n_error_last()->message);
    cr_expect_null(c);
}

/* ---- two engines from one machine ------------------------------------------------- */

static run_result v6node(const char *const *args, bool with_certs)
{
    char *argv[32];
    size_t n = 0;
    argv[n++] = (char *)V6N_CLI_PATH;
    for (; *args && n < 31; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    char home[1200], path[1200], verify[64] = "DOCKER_TLS_VERIFY=1", certs[400];
    snprintf(home, sizeof(home), "HOME=%s/home", fx.dir);
    snprintf(path, sizeof(path), "PATH=%s", getenv("PATH") ? getenv("PATH") : "/bin");
    snprintf(certs, sizeof(certs), "DOCKER_CERT_PATH=%s", env.certs);
    char *envp[] = {home, path, with_certs ? verify : NULL, certs, NULL};
    run_result r;
    cr_assert_eq(run_program(&r, argv, envp, fx.dir, 60.0), 0);
    return r;
}

Test(tls, two_engines_from_one_v6node)
{
    nodefx_typical_config();
    char config[2048];
    nodefx_config_path(config, sizeof(config));
    cr_assert_eq(open_tls(&tls_client, env.tls_host, env.certs, true), V6N_OK); /* for fini */
    const char *start[] = {"start", "--host", env.tls_host, "-c",    config,
                           "-i",    STANDIN,  "--pull",     "never", NULL};
    run_result r = v6node(start, true);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.err, env.tls_host), "start should say which engine: %s", r.err);
    run_result_free(&r);

    /* list: one flat list over both engines, each node labelled with its engine */
    const char *list[] = {"list",   "--json",     "--host", "unix:///var/run/docker.sock",
                          "--host", env.tls_host, NULL};
    r = v6node(list, true);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    yajl_val v = yajl_tree_parse(r.out, NULL, 0);
    cr_assert(v && YAJL_IS_ARRAY(v), "%s", r.out);
    int on_tls = 0, on_default = 0;
    for (size_t i = 0; i < v->u.array.len; i++) {
        yajl_val o = v->u.array.values[i];
        const char *name_path[] = {"name", NULL}, *engine_path[] = {"engine", NULL};
        yajl_val name = yajl_tree_get(o, name_path, yajl_t_string);
        yajl_val engine = yajl_tree_get(o, engine_path, yajl_t_string);
        cr_assert(engine, "an entry without its engine: %s", r.out);
        if (name && strcmp(name->u.string, fx.node) == 0) {
            if (strcmp(engine->u.string, env.tls_host) == 0)
                on_tls++;
            else
                on_default++;
        }
    }
    cr_expect_eq(on_tls, 1, "the node is listed once on the TLS engine: %s", r.out);
    cr_expect_eq(on_default, 0, "the node is not on the default engine: %s", r.out);
    yajl_tree_free(v);
    run_result_free(&r);

    /* the human table has an ENGINE column */
    const char *table[] = {"list",   "--host",     "unix:///var/run/docker.sock",
                           "--host", env.tls_host, NULL};
    r = v6node(table, true);
    cr_expect(strstr(r.out, "ENGINE"), "%s", r.out);
    run_result_free(&r);

    /* status on both: absent here, running there; not running everywhere: exit 3 */
    const char *status[] = {"status", "-c",         config,   "-i",
                            STANDIN,  "--json",     "--host", "unix:///var/run/docker.sock",
                            "--host", env.tls_host, NULL};
    r = v6node(status, true);
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    v = yajl_tree_parse(r.out, NULL, 0);
    cr_assert(v && YAJL_IS_ARRAY(v) && v->u.array.len == 2, "%s", r.out);
    const char *state_path[] = {"state", NULL};
    cr_expect_str_eq(yajl_tree_get(v->u.array.values[0], state_path, yajl_t_string)->u.string,
                     "absent");
    cr_expect_str_eq(yajl_tree_get(v->u.array.values[1], state_path, yajl_t_string)->u.string,
                     "running");
    yajl_tree_free(v);
    run_result_free(&r);

    const char *stop[] = {"stop", "--host", env.tls_host, "-n", fx.node, NULL};
    r = v6node(stop, true);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
}

/* A Docker context in the CLI's store under the test HOME (~/.docker/contexts),
 * with copies of the test certificates when `tls`. */
static void write_context(const char *name, const char *host, bool tls)
{
    char path[1400], json[512];
    snprintf(path, sizeof(path), "%s/home/.docker/contexts/meta/%s-id/meta.json", fx.dir, name);
    snprintf(json, sizeof(json),
             "{\"Name\":\"%s\",\"Metadata\":{},\"Endpoints\":{\"docker\":"
             "{\"Host\":\"%s\",\"SkipTLSVerify\":false}}}",
             name, host);
    cr_assert_eq(write_text(path, json), 0);
    static const char *const files[] = {"ca.pem", "cert.pem", "key.pem"};
    for (size_t i = 0; tls && i < 3; i++) {
        char from[400];
        snprintf(from, sizeof(from), "%s/%s", env.certs, files[i]);
        char *pem = read_text(from);
        cr_assert(pem, "cannot read %s", from);
        snprintf(path, sizeof(path), "%s/home/.docker/contexts/tls/%s-id/docker/%s", fx.dir, name,
                 files[i]);
        cr_assert_eq(write_text(path, pem), 0);
        free(pem);
    }
}

/* Two engines with different TLS settings in one command: a context brings
 * its own address and certificates, so no TLS variable is needed, and the
 * plain one is not spoken to with TLS. (Both lead to the same test engine:
 * PLAIN_HOST relays to it without TLS.) */
Test(tls, contexts_bring_their_own_tls_settings)
{
    nodefx_typical_config();
    char config[2048];
    nodefx_config_path(config, sizeof(config));
    cr_assert_eq(open_tls(&tls_client, env.tls_host, env.certs, true), V6N_OK); /* for fini */
    write_context("v6ntest-tls", env.tls_host, true);
    write_context("v6ntest-plain", env.plain_host, false);

    const char *start[] = {"start", "--context", "v6ntest-tls", "-c",    config,
                           "-i",    STANDIN,     "--pull",      "never", NULL};
    run_result r = v6node(start, false);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.err, env.tls_host), "start should say which engine: %s", r.err);
    run_result_free(&r);

    const char *status[] = {"status", "-c",        config,        "-i",        STANDIN,
                            "--json", "--context", "v6ntest-tls", "--context", "v6ntest-plain",
                            NULL};
    r = v6node(status, false);
    cr_expect_eq(r.exit_code, 0, "running on both: %s", r.err);
    yajl_val v = yajl_tree_parse(r.out, NULL, 0);
    cr_assert(v && YAJL_IS_ARRAY(v) && v->u.array.len == 2, "%s", r.out);
    const char *engine_path[] = {"engine", NULL};
    cr_expect_str_eq(yajl_tree_get(v->u.array.values[0], engine_path, yajl_t_string)->u.string,
                     env.tls_host);
    cr_expect_str_eq(yajl_tree_get(v->u.array.values[1], engine_path, yajl_t_string)->u.string,
                     env.plain_host);
    yajl_tree_free(v);
    run_result_free(&r);

    /* the same two with --host need one TLS setting for both, which fails one */
    const char *hosts[] = {"list", "--host", env.tls_host, "--host", env.plain_host, NULL};
    r = v6node(hosts, true);
    cr_expect_neq(r.exit_code, 0, "TLS to the plain relay cannot work: %s", r.out);
    run_result_free(&r);

    const char *missing[] = {"list", "--context", "v6ntest-absent", NULL};
    r = v6node(missing, false);
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    cr_expect(strstr(r.err, "no Docker context 'v6ntest-absent'"), "%s", r.err);
    run_result_free(&r);

    const char *stop[] = {"stop", "--context", "v6ntest-plain", "-n", fx.node, NULL};
    r = v6node(stop, false);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
}

/* ---- paths only the engine's host has ------------------------------------------- */

Test(tls, paths_on_the_engines_host_are_not_checked_here)
{
    /* a csv database that does not exist on this machine: refused normally, mounted
     * as given (after the host path map) with no_local_checks */
    nodefx_write_config("server_url: http://x\nport: 1\napi_path: /a\n"
                        "databases: [{label: cohort, uri: /srv/v6ntest-remote/cohort.csv, "
                        "type: csv}]\nencryption: {enabled: true}\n");
    v6n_node_spec *spec = NULL;
    cr_expect_eq(v6n_node_spec_build(&spec, fx.cfg, &fx.opts), V6N_ECONFIG);
    fx.opts.no_local_checks = 1;
    v6n_path_map map = {"/srv/v6ntest-remote", "/data/site"};
    fx.opts.path_map = &map;
    fx.opts.path_map_len = 1;
    nodefx_build();
    bool db = false, key = false;
    for (size_t i = 0; i < v6n_node_spec_bind_count(fx.spec); i++) {
        db = db ||
             strcmp(v6n_node_spec_bind(fx.spec, i), "/data/site/cohort.csv:/mnt/cohort.csv") == 0;
        key = key || strstr(v6n_node_spec_bind(fx.spec, i), ":/mnt/private_key.pem:ro") != NULL;
    }
    cr_expect(db, "the database is mounted from the engine host's path");
    cr_expect(key, "encryption is on: the key is mounted without a local check");

    /* and the start creates no folder here (this engine shares the host, so the
     * missing bind sources it creates stay inside the test's folder) */
    nodefx_write_config("server_url: http://x\nport: 1\napi_path: /a\n"
                        "databases: [{label: cohort, uri: remote/cohort.csv, type: csv}]\n"
                        "encryption: {enabled: false}\n");
    fx.opts.path_map_len = 0;
    nodefx_build();
    cr_assert_eq(open_tls(&tls_client, env.tls_host, env.certs, true), V6N_OK);
    char *id = NULL;
    int rc = v6n_spec_start(&id, tls_client, fx.spec, &fx.opts);
    cr_expect_eq(rc, V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_neq(access(v6n_node_spec_data_dir(fx.spec), F_OK), 0,
                  "the data folder was created on this machine");
    v6n_free(id);
}

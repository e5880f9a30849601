/* The setup half against the real engine: a config written by `v6node new`
 * starts the stand-in node, and `version` asks the running node through the
 * exec API (the stand-in's vnode-local answers `version`). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "node_fixture.h"

#define STANDIN_VERSION "vnode-local stand-in (libv6node tests)"

TestSuite(setup_engine, .init = nodefx_init, .fini = nodefx_fini, .timeout = 300);

extern char **environ;

/* Run v6node with the test's HOME (and the rest of the environment). */
static run_result v6node(const char *const *args)
{
    char *argv[40];
    size_t n = 0;
    argv[n++] = (char *)V6N_CLI_PATH;
    for (; *args && n < 39; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    run_result r;
    cr_assert_eq(run_program(&r, argv, environ, fx.dir, 200.0), 0);
    return r;
}

/* v6n_node_version of the fixture's node, found by its container name (no
 * config needed). */
static int node_version(char **out)
{
    v6n_node *node = NULL;
    int rc = v6n_node_open_container(&node, fx.container, NULL);
    cr_assert_eq(rc, V6N_OK, "%s", v6n_error_last()->message);
    rc = v6n_node_version(out, node, fx.client);
    v6n_node_free(node);
    return rc;
}

/* `v6node new` -> `v6node start`: the node runs and the stand-in finds the
 * in-container contract of a vantage6 node holds. */
Test(setup_engine, new_config_starts_the_node)
{
    char csv[1100];
    snprintf(csv, sizeof(csv), "%s/cohort.csv", fx.dir);
    cr_assert_eq(write_text(csv, "id,age\n1,40\n"), 0);
    const char *new_args[] = {"new",
                              "-n",
                              fx.node,
                              "--api-key",
                              "k-v6ntest",
                              "--server-url",
                              "http://127.0.0.1",
                              "--port",
                              "9",
                              "--database",
                              "default=cohort.csv",
                              "--database-type",
                              "default=csv",
                              "--database",
                              "registry=postgresql://u:pw@db/r",
                              "--database-type",
                              "registry=sql",
                              NULL};
    run_result r = v6node(new_args);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    const char *start[] = {"start", "-n", fx.node, "-i", STANDIN, "--pull", "missing", NULL};
    r = v6node(start);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    char *logs = nodefx_wait_for_log(fx.container, "vnode-local: contract", 60);
    cr_assert_not_null(logs);
    cr_expect(strstr(logs, "vnode-local: contract holds"), "%s", logs);
    cr_expect(strstr(logs, "2 database(s): default registry"), "%s", logs);
    free(logs);
}

static void start_node(void)
{
    nodefx_write_config("server_url: http://127.0.0.1\nport: 9\napi_path: /api\n"
                        "databases: [{label: pg, uri: 'postgresql://x/y', type: sql}]\n"
                        "encryption: {enabled: false}\n");
    nodefx_start_ok();
    char *logs = nodefx_wait_for_log(fx.container, "vnode-local: contract", 60);
    cr_assert_not_null(logs);
    free(logs);
}

Test(setup_engine, version_of_a_running_node)
{
    char *version = NULL;
    int rc = node_version(&version);
    cr_expect_eq(rc, V6N_ENOTFOUND, "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "is not running"), "%s", v6n_error_last()->message);
    cr_expect_null(version);
    const char *args[] = {"version", "-n", fx.node, NULL};
    run_result r = v6node(args);
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    run_result_free(&r);

    start_node();
    cr_assert_eq(node_version(&version), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(version, STANDIN_VERSION);
    v6n_free(version);

    r = v6node(args);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    char want[512];
    snprintf(want, sizeof(want),
             "node       %s\nlibv6node  %s (builds nodes as vantage6 %s by default)\n",
             STANDIN_VERSION, v6n_version(), V6N_VANTAGE6_VERSION);
    cr_expect_str_eq(r.out, want);
    run_result_free(&r);
    const char *json[] = {"version", "-n", fx.node, "--json", NULL};
    r = v6node(json);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    snprintf(want, sizeof(want), "{\"node\":\"%s\",\"libv6node\":\"%s\",\"vantage6\":\"%s\"}\n",
             STANDIN_VERSION, v6n_version(), V6N_VANTAGE6_VERSION);
    cr_expect_str_eq(r.out, want);
    run_result_free(&r);
}

Test(setup_engine, exec_output_and_exit_code)
{
    start_node();
    const char *argv[] = {"sh", "-c", "echo out; sleep 0.2; echo err >&2; exit 3", NULL};
    char *out = NULL;
    int code = 0;
    cr_assert_eq(v6n_container_exec(&out, &code, fx.client, fx.container, argv), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_eq(code, 3);
    cr_expect_str_eq(out, "out\nerr\n");
    v6n_free(out);
    /* a program the container does not have: 126/127 and the engine's reason */
    const char *missing[] = {"no-such-program-v6ntest", NULL};
    cr_assert_eq(v6n_container_exec(&out, &code, fx.client, fx.container, missing), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect(code == 126 || code == 127, "exit code %d", code);
    cr_expect(strstr(out, "no-such-program-v6ntest"), "%s", out);
    v6n_free(out);
    /* a bigger output, split over many frames */
    const char *big[] = {"sh", "-c",
                         "i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); "
                         "done",
                         NULL};
    cr_assert_eq(v6n_container_exec(&out, &code, fx.client, fx.container, big), V6N_OK);
    cr_expect_eq(code, 0);
    cr_expect(strncmp(out, "line-0\nline-1\n", 14) == 0 && strstr(out, "\nline-1999\n"), "%.100s",
              out);
    v6n_free(out);
    cr_expect_eq(v6n_container_exec(&out, &code, fx.client, "vantage6-v6ntest-absent-x", argv),
                 V6N_ENOTFOUND);
}

/* A node container without vnode-local: the version is an error that says why. */
Test(setup_engine, version_without_vnode_local)
{
    run_result r = docker_cli("run", "-d", "--name", fx.container, NO_VNODE, "sleep", "300", NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    char *version = NULL;
    int rc = node_version(&version);
    cr_expect_eq(rc, V6N_EENGINE, "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "'vnode-local version'"), "%s",
              v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "vnode-local"), "%s", v6n_error_last()->message);
    cr_expect_null(version);
}

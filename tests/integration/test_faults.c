/* Faults between the library and the engine, injected by fault_proxy.py on
 * each step of start, stop, status and logs: the call ends with a clear error
 * naming the step (or succeeds where the library can recover), it does not
 * hang (the timeouts hold), and a failed start leaves no container and no
 * volume it made (volumes the node already had stay). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "node_fixture.h"

#define REQUEST_TIMEOUT_MS 2000
/* no call may take longer than this, whatever the fault */
#define MAX_SECONDS 20

static v6n_client *proxied;
static char proxy_socket[1200];
static int proxy_pid;

static void init(void)
{
    nodefx_init();
    snprintf(proxy_socket, sizeof(proxy_socket), "%s/proxy.sock", fx.dir);
}

static void fini(void)
{
    stop_server(proxy_pid);
    proxy_pid = 0;
    v6n_client_free(proxied);
    proxied = NULL;
    nodefx_fini();
}

TestSuite(faults, .init = init, .fini = fini, .timeout = 120);

/* Start the proxy with one rule, and a client that talks through it. */
static void proxy_with(const char *rule)
{
    char script[1024];
    snprintf(script, sizeof(script), "%s/tests/integration/fault_proxy.py", V6N_SOURCE_DIR);
    char *argv[] = {"python3", script, proxy_socket, "/var/run/docker.sock", (char *)rule, NULL};
    cr_assert_eq(spawn_until(&proxy_pid, argv, "READY", 20.0), 0, "the proxy did not start");
    char host[1300];
    snprintf(host, sizeof(host), "unix://%s", proxy_socket);
    v6n_engine_options eo = V6N_ENGINE_OPTIONS_INIT;
    eo.host = host;
    eo.connect_timeout_ms = REQUEST_TIMEOUT_MS;
    eo.request_timeout_ms = REQUEST_TIMEOUT_MS;
    cr_assert_eq(v6n_client_new(&proxied, &eo), V6N_OK);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

typedef struct fault_case {
    char method[8];
    char path[96]; /* regex on the request path */
    char step[48]; /* what the error must name */
    char fault[16];
} fault_case;

static const char *const FAULTS[] = {"stall", "close", "cut", "500", "garbage"};

typedef struct step {
    const char *method, *path, *step;
} step;

/* Every fault on every step: fills `cases` (room for n_steps * 5). */
static size_t fault_cases(fault_case *cases, const step *steps, size_t n_steps)
{
    size_t n = 0;
    for (size_t s = 0; s < n_steps; s++)
        for (size_t f = 0; f < sizeof(FAULTS) / sizeof(FAULTS[0]); f++, n++) {
            snprintf(cases[n].method, sizeof(cases[n].method), "%s", steps[s].method);
            snprintf(cases[n].path, sizeof(cases[n].path), "%s", steps[s].path);
            snprintf(cases[n].step, sizeof(cases[n].step), "%s", steps[s].step);
            snprintf(cases[n].fault, sizeof(cases[n].fault), "%s", FAULTS[f]);
        }
    return n;
}

/* The proxy's rule for a case: its fault on the first matching request. */
static void proxy_with_case(const fault_case *c)
{
    char rule[256];
    snprintf(rule, sizeof(rule), "%s %s %s:1", c->method, c->path, c->fault);
    proxy_with(rule);
}

/* Every step of a start (with the stand-in image already present). */
static const step START_STEPS[] = {
    {"GET", "^/_ping", "ping the engine"},
    {"GET", "^/v[0-9.]+/containers/vantage6-[^/]+/json", "inspect container"},
    {"GET", "^/v[0-9.]+/images/", "look for image"},
    {"GET", "^/v[0-9.]+/volumes", "list the node's volumes"},
    {"POST", "^/v[0-9.]+/volumes/create", "create volume"},
    {"POST", "^/v[0-9.]+/containers/create", "create container"},
    {"POST", "^/v[0-9.]+/containers/[0-9a-f]+/start", "start container"},
};

ParameterizedTestParameters(faults, start)
{
    static fault_case cases[sizeof(START_STEPS) / sizeof(START_STEPS[0]) * 5];
    size_t n = fault_cases(cases, START_STEPS, sizeof(START_STEPS) / sizeof(START_STEPS[0]));
    return cr_make_param_array(fault_case, cases, n);
}

ParameterizedTest(fault_case *c, faults, start)
{
    proxy_with_case(c);
    nodefx_typical_config();
    nodefx_build();
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *id = NULL;
    int rc = v6n_spec_start(&id, proxied, fx.spec, &fx.opts);
    double took = seconds_since(&t0);
    cr_expect_lt(took, MAX_SECONDS, "%s on %s: start took %.1fs", c->fault, c->step, took);
    if (rc == V6N_OK) {
        /* Only a cut answer can still be usable (e.g. the status line and the
         * header that matter arrived). Then the node must really run. */
        cr_expect_str_eq(c->fault, "cut", "%s on %s: the start succeeded", c->fault, c->step);
        char *running = nodefx_inspect(NULL, fx.container, "{{.State.Running}} {{.Id}}");
        char expected[128];
        snprintf(expected, sizeof(expected), "true %s", id ? id : "");
        cr_expect_str_eq(running, expected, "%s on %s: OK but the node does not run", c->fault,
                         c->step);
        free(running);
    } else {
        const char *msg = v6n_error_last()->message;
        cr_expect(strstr(msg, c->step), "%s on %s: the error does not name the step: %s", c->fault,
                  c->step, msg);
        cr_expect_null(id);
        /* through the real engine: nothing of the node is left */
        cr_expect(!nodefx_container_exists(fx.container), "%s on %s: a half-started container",
                  c->fault, c->step);
        cr_expect_eq(nodefx_volumes_present(), 0, "%s on %s: orphaned volumes", c->fault, c->step);
    }
    v6n_free(id);
}

Test(faults, volumes_the_node_had_stay)
{
    /* the node's data volume exists before; the start fails at create */
    char data_volume[160];
    snprintf(data_volume, sizeof(data_volume), "%s-vol", fx.container);
    run_result r = docker_cli("volume", "create", data_volume, NULL);
    cr_assert_eq(r.exit_code, 0);
    run_result_free(&r);
    proxy_with("POST ^/v[0-9.]+/containers/create close:1");
    nodefx_typical_config();
    nodefx_build();
    char *id = NULL;
    cr_expect_neq(v6n_spec_start(&id, proxied, fx.spec, &fx.opts), V6N_OK);
    cr_expect(nodefx_volume_exists(data_volume), "the node's own volume was removed");
    cr_expect_eq(nodefx_volumes_present(), 1);
    cr_expect(!nodefx_container_exists(fx.container));
}

Test(faults, a_delay_shorter_than_the_timeout_is_no_fault)
{
    proxy_with("* . delay=300");
    nodefx_typical_config();
    nodefx_build();
    char *id = NULL;
    cr_assert_eq(v6n_spec_start(&id, proxied, fx.spec, &fx.opts), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect(nodefx_container_exists(fx.container));
    v6n_free(id);
}

Test(faults, a_broken_pull_falls_back_to_the_local_copy)
{
    proxy_with("POST ^/v[0-9.]+/images/create cut:1");
    nodefx_typical_config();
    fx.opts.pull = V6N_PULL_DEFAULT; /* try to pull, fall back to the local copy */
    nodefx_build();
    char *id = NULL;
    cr_assert_eq(v6n_spec_start(&id, proxied, fx.spec, &fx.opts), V6N_OK, "%s",
                 v6n_error_last()->message);
    v6n_free(id);
}

/* ---- stop, status, logs --------------------------------------------------- */

static const step STOP_STEPS[] = {
    {"GET", "^/v[0-9.]+/containers/vantage6-[^/]+/json", "inspect container"},
    {"POST", "^/v[0-9.]+/containers/[0-9a-f]+/stop", "stop container"},
    {"POST", "^/v[0-9.]+/containers/[0-9a-f]+/wait", "wait for container"},
    {"DELETE", "^/v[0-9.]+/volumes/", "remove volume"},
};

ParameterizedTestParameters(faults, stop)
{
    static fault_case cases[sizeof(STOP_STEPS) / sizeof(STOP_STEPS[0]) * 5];
    size_t n = fault_cases(cases, STOP_STEPS, sizeof(STOP_STEPS) / sizeof(STOP_STEPS[0]));
    return cr_make_param_array(fault_case, cases, n);
}

ParameterizedTest(fault_case *c, faults, stop)
{
    nodefx_typical_config();
    nodefx_start_ok(); /* directly on the engine */
    proxy_with_case(c);
    v6n_stop_options so = V6N_STOP_OPTIONS_INIT;
    so.timeout_ms = 1000;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = nodefx_stop_named(proxied, fx.node, &so);
    double took = seconds_since(&t0);
    cr_expect_lt(took, MAX_SECONDS, "%s on %s: stop took %.1fs", c->fault, c->step, took);
    if (rc != V6N_OK)
        cr_expect(strstr(v6n_error_last()->message, c->step),
                  "%s on %s: the error does not name the step: %s", c->fault, c->step,
                  v6n_error_last()->message);
    else /* a lost answer to the stop itself: the node did stop */
        cr_expect(!nodefx_container_exists(fx.container) || strcmp(c->step, "stop container") != 0,
                  "stop said OK but the node runs");
}

ParameterizedTestParameters(faults, status_and_logs)
{
    static fault_case cases[15];
    const char *paths[] = {"^/v[0-9.]+/containers/vantage6-[^/]+/json", "^/v[0-9.]+/images/sha256",
                           "^/v[0-9.]+/containers/vantage6-[^/]+/logs"};
    const char *steps[] = {"inspect container", "inspect the node's image", "read the logs"};
    size_t n = 0;
    for (size_t s = 0; s < 3; s++)
        for (size_t f = 0; f < 5; f++) {
            snprintf(cases[n].method, sizeof(cases[n].method), "GET");
            snprintf(cases[n].path, sizeof(cases[n].path), "%s", paths[s]);
            snprintf(cases[n].step, sizeof(cases[n].step), "%s", steps[s]);
            snprintf(cases[n].fault, sizeof(cases[n].fault), "%s", FAULTS[f]);
            n++;
        }
    return cr_make_param_array(fault_case, cases, n);
}

static int swallow(const char *data, size_t len, int stream, void *payload)
{
    (void)data;
    (void)len;
    (void)stream;
    (void)payload;
    return 0;
}

ParameterizedTest(fault_case *c, faults, status_and_logs)
{
    nodefx_typical_config();
    nodefx_start_ok();
    proxy_with_case(c);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc;
    if (strstr(c->step, "logs")) {
        v6n_logs_options lo = V6N_LOGS_OPTIONS_INIT;
        lo.callbacks.on_log = swallow;
        rc = v6n_container_logs(proxied, fx.container, &lo);
    } else {
        v6n_node_status *st = NULL;
        rc = v6n_node_status_get(&st, fx.handle, proxied);
        v6n_node_status_free(st);
    }
    double took = seconds_since(&t0);
    cr_expect_lt(took, MAX_SECONDS, "%s on %s: took %.1fs", c->fault, c->step, took);
    if (rc == V6N_OK)
        cr_expect_str_eq(c->fault, "cut", "%s on %s: succeeded", c->fault, c->step);
    else
        cr_expect(strstr(v6n_error_last()->message, c->step),
                  "%s on %s: the error does not name the step: %s", c->fault, c->step,
                  v6n_error_last()->message);
}

typedef struct beats {
    int heartbeats;
} beats;

static int stop_after_beats(const char *data, size_t len, int stream, void *payload)
{
    (void)len;
    (void)stream;
    beats *b = payload;
    if (!data)
        b->heartbeats++;
    return b->heartbeats >= 3;
}

Test(faults, a_stalled_follow_is_stopped_by_its_callback)
{
    nodefx_typical_config();
    nodefx_start_ok();
    proxy_with("GET ^/v[0-9.]+/containers/vantage6-[^/]+/logs stall:1");
    beats b = {0};
    v6n_logs_options lo = V6N_LOGS_OPTIONS_INIT;
    lo.follow = 1;
    lo.callbacks.on_log = stop_after_beats;
    lo.callbacks.payload = &b;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_expect_eq(v6n_container_logs(proxied, fx.container, &lo), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_geq(b.heartbeats, 3);
    cr_expect_lt(seconds_since(&t0), 10.0);
}

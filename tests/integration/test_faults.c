/* Faults between the library and the engine, injected by fault_proxy.py on
 * each step of start, stop, status and logs. Each case checks that its fault
 * really fired (the proxy counts), then the exact outcome for that step: the
 * error code, the part of the message that says what happened (and the step),
 * the HTTP status, that the call did not hang, and what remains on the engine:
 * nothing of a failed start, the documented leftover of a failed stop
 * (docs/reliability.md). A cut answer works where the body does not matter. */
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
static char proxy_hits[1200];
static int proxy_pid;

static void init(void)
{
    nodefx_init();
    snprintf(proxy_socket, sizeof(proxy_socket), "%s/proxy.sock", fx.dir);
    snprintf(proxy_hits, sizeof(proxy_hits), "%s/proxy.hits", fx.dir);
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
    char *argv[] = {"python3",    script,       "--hits",
                    proxy_hits,   proxy_socket, "/var/run/docker.sock",
                    (char *)rule, NULL};
    cr_assert_eq(spawn_until(&proxy_pid, argv, "READY", 20.0), 0, "the proxy did not start");
    char host[1300];
    snprintf(host, sizeof(host), "unix://%s", proxy_socket);
    v6n_engine_options eo = V6N_ENGINE_OPTIONS_INIT;
    eo.host = host;
    eo.connect_timeout_ms = REQUEST_TIMEOUT_MS;
    eo.request_timeout_ms = REQUEST_TIMEOUT_MS;
    cr_assert_eq(v6n_client_new(&proxied, &eo), V6N_OK);
}

/* How many times the proxy applied its fault. */
static int hits(void)
{
    char *text = read_text(proxy_hits);
    int n = 0;
    for (const char *p = text; p && *p; p++)
        n += *p == '\n';
    free(text);
    return n;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* What a failed call leaves of the node's container on the engine. */
typedef enum { GONE, RUNNING, NOT_RUNNING /* stopped, gone or on its way out */ } container_left;

typedef struct leftover {
    container_left container;
    int volumes; /* how many of its four volumes */
} leftover;

typedef struct fault_case {
    char method[8];
    char path[96]; /* regex on the request path */
    char step[48]; /* what the error must name */
    char fault[16];
    char cut_error[48]; /* "" when a cut answer still works; else what its error says */
    leftover left;      /* after a failure */
} fault_case;

static const char *const FAULTS[] = {"stall", "close", "cut", "500", "garbage"};

typedef struct step {
    const char *method, *path, *step;
    const char *cut_error; /* NULL: the call works with half the answer */
    leftover left;
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
            snprintf(cases[n].cut_error, sizeof(cases[n].cut_error), "%s",
                     steps[s].cut_error ? steps[s].cut_error : "");
            cases[n].left = steps[s].left;
        }
    return n;
}

/* The fault fired once, the call took no longer than the timeouts allow, and
 * it ended as that fault on that step must: the code, what the message says
 * and the HTTP status. Returns whether the call was expected to succeed. */
static bool expect_outcome(const fault_case *c, int rc, double took)
{
    cr_expect_eq(hits(), 1, "%s on %s: the proxy applied the fault %d times", c->fault, c->step,
                 hits());
    cr_expect_lt(took, MAX_SECONDS, "%s on %s: took %.1fs", c->fault, c->step, took);
    bool cut = strcmp(c->fault, "cut") == 0;
    if (cut && !c->cut_error[0]) {
        cr_expect_eq(rc, V6N_OK, "%s on %s: %s", c->fault, c->step, v6n_error_last()->message);
        return true;
    }
    const v6n_error *e = v6n_error_last();
    int code = V6N_EENGINE, http = 0;
    const char *says = cut ? c->cut_error : "broke"; /* close, garbage */
    if (strcmp(c->fault, "stall") == 0) {
        code = V6N_EUNAVAILABLE;
        says = "did not answer in time";
    } else if (strcmp(c->fault, "500") == 0) {
        http = 500;
        says = "injected fault (HTTP 500)";
    }
    cr_expect_eq(rc, code, "%s on %s: %s, expected %s: %s", c->fault, c->step,
                 v6n_error_code_name(rc), v6n_error_code_name(code), e->message);
    cr_expect(strstr(e->message, c->step) && strstr(e->message, says),
              "%s on %s: the error does not say '%s' of that step: %s", c->fault, c->step, says,
              e->message);
    cr_expect_eq(e->http_status, http, "%s on %s: HTTP %d", c->fault, c->step, e->http_status);
    return false;
}

static void expect_left(const fault_case *c, leftover want)
{
    char *running = nodefx_inspect(NULL, fx.container, "{{.State.Running}}");
    const char *now = !running ? "gone" : strcmp(running, "true") == 0 ? "running" : "stopped";
    bool ok = want.container == GONE      ? !running
              : want.container == RUNNING ? running && strcmp(running, "true") == 0
                                          : !running || strcmp(running, "true") != 0;
    cr_expect(ok, "%s on %s: the container is %s", c->fault, c->step, now);
    free(running);
    cr_expect_eq(nodefx_volumes_present(), want.volumes, "%s on %s: %d volumes left, expected %d",
                 c->fault, c->step, nodefx_volumes_present(), want.volumes);
}

/* The proxy's rule for a case: its fault on the first matching request. */
static void proxy_with_case(const fault_case *c)
{
    char rule[256];
    snprintf(rule, sizeof(rule), "%s %s %s:1", c->method, c->path, c->fault);
    proxy_with(rule);
}

/* Every step of a start (with the stand-in image already present). A failed
 * start leaves nothing. Half an answer works for the ping ("OK"), the
 * container check (a 404 whose status line arrived) and the start (no body). */
static const step START_STEPS[] = {
    {"GET", "^/_ping", "ping the engine", NULL, {GONE, 0}},
    {"GET", "^/v[0-9.]+/containers/vantage6-[^/]+/json", "inspect container", NULL, {GONE, 0}},
    {"GET", "^/v[0-9.]+/images/", "look for image", "broke", {GONE, 0}},
    {"GET", "^/v[0-9.]+/volumes", "list the node's volumes", "is not JSON", {GONE, 0}},
    {"POST", "^/v[0-9.]+/volumes/create", "create volume", "broke", {GONE, 0}},
    {"POST", "^/v[0-9.]+/containers/create", "create container", "is not JSON", {GONE, 0}},
    {"POST", "^/v[0-9.]+/containers/[0-9a-f]+/start", "start container", NULL, {GONE, 0}},
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
    if (expect_outcome(c, rc, seconds_since(&t0))) {
        /* the node really runs, in the container the start returned */
        char *running = nodefx_inspect(NULL, fx.container, "{{.State.Running}} {{.Id}}");
        char expected[128];
        snprintf(expected, sizeof(expected), "true %s", id ? id : "");
        cr_expect_str_eq(running, expected, "%s on %s: OK but the node does not run", c->fault,
                         c->step);
        free(running);
        cr_expect_eq(nodefx_volumes_present(), 4);
    } else {
        cr_expect_null(id);
        expect_left(c, c->left); /* through the real engine: nothing of the node */
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

typedef struct pull_events {
    int pull_starts, warnings;
    char warning[2048];
} pull_events;

static int count_pull_events(const v6n_event *e, void *payload)
{
    pull_events *p = payload;
    if (e->kind == V6N_EVENT_PULL_START)
        p->pull_starts++;
    if (e->kind == V6N_EVENT_WARNING) {
        p->warnings++;
        snprintf(p->warning, sizeof(p->warning), "%s", e->message);
    }
    return 0;
}

Test(faults, a_broken_pull_falls_back_to_the_local_copy)
{
    proxy_with("POST ^/v[0-9.]+/images/create cut:1");
    nodefx_typical_config();
    fx.opts.pull = V6N_PULL_DEFAULT; /* try to pull, fall back to the local copy */
    pull_events ev = {0};
    fx.opts.callbacks.on_event = count_pull_events;
    fx.opts.callbacks.payload = &ev;
    nodefx_build();
    char *id = NULL;
    cr_assert_eq(v6n_spec_start(&id, proxied, fx.spec, &fx.opts), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_eq(hits(), 1, "the pull request was made and cut (%d cuts)", hits());
    cr_expect_eq(ev.pull_starts, 1, "one pull was tried");
    cr_expect_eq(ev.warnings, 1, "the fallback is a warning");
    cr_expect(strstr(ev.warning, "the pull failed, using the local copy of " STANDIN), "%s",
              ev.warning);
    char *image = nodefx_inspect(NULL, fx.container, "{{.Config.Image}}");
    cr_expect_str_eq(image, STANDIN, "the node runs the local copy");
    free(image);
    v6n_free(id);
}

/* ---- stop, status, logs --------------------------------------------------- */

/* Every step of a stop. A stop that fails before the container stopped leaves
 * the node running with its volumes; after it, the volumes stay (a second
 * stop says the node is not running; `remove` deletes them). Half an answer
 * works for the stop, the wait and a volume's removal (no body needed). */
static const step STOP_STEPS[] = {
    {"GET",
     "^/v[0-9.]+/containers/vantage6-[^/]+/json",
     "inspect container",
     "broke",
     {RUNNING, 4}},
    {"POST", "^/v[0-9.]+/containers/[0-9a-f]+/stop", "stop container", NULL, {RUNNING, 4}},
    {"POST", "^/v[0-9.]+/containers/[0-9a-f]+/wait", "wait for container", NULL, {NOT_RUNNING, 4}},
    {"DELETE", "^/v[0-9.]+/volumes/", "remove volume", NULL, {GONE, 4}},
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
    if (expect_outcome(c, rc, seconds_since(&t0)))
        expect_left(c, (leftover){GONE, 0}); /* a stop that worked removed everything */
    else
        expect_left(c, c->left);
}

/* Status and logs change nothing: the node runs on, whatever the fault. Half
 * a logs stream is still output; half an inspect answer is not JSON. */
static const step STATUS_AND_LOGS_STEPS[] = {
    {"GET",
     "^/v[0-9.]+/containers/vantage6-[^/]+/json",
     "inspect container",
     "broke",
     {RUNNING, 4}},
    {"GET", "^/v[0-9.]+/images/sha256", "inspect the node's image", "broke", {RUNNING, 4}},
    {"GET", "^/v[0-9.]+/containers/vantage6-[^/]+/logs", "read the logs", NULL, {RUNNING, 4}},
};

ParameterizedTestParameters(faults, status_and_logs)
{
    static fault_case cases[sizeof(STATUS_AND_LOGS_STEPS) / sizeof(STATUS_AND_LOGS_STEPS[0]) * 5];
    size_t n = fault_cases(cases, STATUS_AND_LOGS_STEPS,
                           sizeof(STATUS_AND_LOGS_STEPS) / sizeof(STATUS_AND_LOGS_STEPS[0]));
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
    expect_outcome(c, rc, seconds_since(&t0));
    expect_left(c, c->left);
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

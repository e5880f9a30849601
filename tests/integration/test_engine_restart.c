/* The engine goes away: a private engine (tests/integration/private-engine.sh)
 * is killed by its pid during a start (between the volumes and the
 * container), a pull, a followed log stream and a round of status calls. Each
 * call ends with "engine unavailable", well within the client's timeout; when
 * the engine is back, the next start of the node succeeds, and what an
 * interrupted start left (its volumes) is reported by status and removed by
 * remove or stop. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "node_fixture.h"

#define REQUEST_TIMEOUT_MS 5000

static char *engine_dir;
static char engine_host[1300];
static v6n_client *engine;

static void engine_script(const char *action)
{
    char script[1024];
    snprintf(script, sizeof(script), "%s/tests/integration/private-engine.sh", V6N_SOURCE_DIR);
    char *argv[] = {"/bin/bash", script, (char *)action, engine_dir, NULL};
    extern char **environ;
    run_result r;
    cr_assert_eq(run_program(&r, argv, environ, NULL, 180.0), 0);
    cr_assert_eq(r.exit_code, 0, "private-engine.sh %s: %s", action, r.err);
    run_result_free(&r);
}

static void init(void)
{
    nodefx_init();
    engine_dir = make_temp_dir("rs");
    cr_assert_not_null(engine_dir);
    engine_script("start");
    snprintf(engine_host, sizeof(engine_host), "unix://%s/docker.sock", engine_dir);
    v6n_engine_options eo = V6N_ENGINE_OPTIONS_INIT;
    eo.host = engine_host;
    eo.request_timeout_ms = REQUEST_TIMEOUT_MS;
    cr_assert_eq(v6n_client_new(&engine, &eo), V6N_OK);
    fx.opts.pull = V6N_PULL_NEVER;
}

static void fini(void)
{
    v6n_client_free(engine);
    engine = NULL;
    if (engine_dir)
        engine_script("stop"); /* also removes the folder */
    free(engine_dir);
    engine_dir = NULL;
    nodefx_fini();
}

TestSuite(engine_restart, .init = init, .fini = fini, .timeout = 300);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A command on the private engine, through the docker CLI. */
static bool volume_exists_there(const char *name)
{
    char host[1400];
    snprintf(host, sizeof(host), "DOCKER_HOST=%s", engine_host);
    char *argv[] = {"/usr/bin/env", host, "docker", "volume", "inspect", (char *)name, NULL};
    extern char **environ;
    run_result r;
    cr_assert_eq(run_program(&r, argv, environ, NULL, 30.0), 0);
    cr_assert(r.exit_code == 0 || strstr(r.err, "no such volume"), "docker volume inspect %s: %s",
              name, r.err);
    bool exists = r.exit_code == 0;
    run_result_free(&r);
    return exists;
}

static int volumes_there(void)
{
    static const char *const suffixes[] = {"vol", "vpn-vol", "ssh-vol", "squid-vol"};
    int n = 0;
    for (int i = 0; i < 4; i++) {
        char name[256];
        snprintf(name, sizeof(name), "%.200s-%s", fx.container, suffixes[i]);
        n += volume_exists_there(name);
    }
    return n;
}

static void expect_unavailable(int rc, const char *step, double took, double limit)
{
    const v6n_error *e = v6n_error_last();
    cr_expect_eq(rc, V6N_EUNAVAILABLE, "%s: %s, expected V6N_EUNAVAILABLE: %s", step,
                 v6n_error_code_name(rc), e->message);
    cr_expect(strstr(e->message, engine_host), "%s: the message names the engine: %s", step,
              e->message);
    cr_expect_lt(took, limit, "%s: took %.1fs after the engine went away", step, took);
}

/* ---- a start, between its volumes and its container ------------------------- */

typedef struct halt_at {
    v6n_event_kind kind;
    int after; /* halt at this many events of that kind */
    int seen;
    double halted_at;
} halt_at;

static int halt_on_event(const v6n_event *e, void *payload)
{
    halt_at *h = payload;
    if (e->kind == h->kind && ++h->seen == h->after && !h->halted_at) {
        engine_script("halt");
        h->halted_at = now();
    }
    return 0;
}

static int halt_on_log(const char *data, size_t len, int stream, void *payload)
{
    (void)len;
    (void)stream;
    halt_at *h = payload;
    if (data && !h->halted_at) {
        engine_script("halt");
        h->halted_at = now();
    }
    return 0;
}

static v6n_node *node_on_engine(void)
{
    nodefx_build();
    return fx.handle;
}

Test(engine_restart, a_start_loses_its_engine_between_volumes_and_container)
{
    nodefx_typical_config();
    v6n_node *node = node_on_engine();
    halt_at h = {.kind = V6N_EVENT_VOLUME, .after = 4};
    v6n_callbacks cb = {.on_event = halt_on_event, .payload = &h};
    v6n_node_set_callbacks(node, &cb);
    char *id = NULL;
    int rc = v6n_node_start(&id, node, engine);
    cr_assert(h.halted_at > 0, "the engine was not halted: the start never made its volumes");
    expect_unavailable(rc, "create container", now() - h.halted_at, REQUEST_TIMEOUT_MS / 1000.0);
    cr_expect(strstr(v6n_error_last()->message, "create container"), "%s",
              v6n_error_last()->message);
    cr_expect_null(id);
    v6n_node_set_callbacks(node, NULL);

    /* the engine is back: the volumes the start made (and could not undo) are
     * still there, and status says so */
    engine_script("start");
    cr_expect_eq(volumes_there(), 4, "the interrupted start's volumes");
    v6n_node_status *st = NULL;
    cr_assert_eq(v6n_node_status_get(&st, node, engine), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(v6n_node_status_state(st), V6N_NODE_ABSENT);
    cr_expect_eq(v6n_node_status_volume_count(st), 4, "status reports the leftover volumes");
    v6n_node_status_free(st);

    /* the next start succeeds (the volumes are reused), and stop removes them */
    cr_assert_eq(v6n_node_start(&id, node, engine), V6N_OK, "%s", v6n_error_last()->message);
    v6n_free(id);
    v6n_stop_options so = V6N_STOP_OPTIONS_INIT;
    so.timeout_ms = 2000;
    cr_expect_eq(v6n_node_stop(node, engine, &so), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(volumes_there(), 0, "stop removed the volumes");
}

Test(engine_restart, what_an_interrupted_start_left_is_removed_by_remove)
{
    nodefx_typical_config();
    v6n_node *node = node_on_engine();
    halt_at h = {.kind = V6N_EVENT_VOLUME, .after = 2};
    v6n_callbacks cb = {.on_event = halt_on_event, .payload = &h};
    v6n_node_set_callbacks(node, &cb);
    char *id = NULL;
    int rc = v6n_node_start(&id, node, engine);
    expect_unavailable(rc, "create volume", now() - h.halted_at, REQUEST_TIMEOUT_MS / 1000.0);
    v6n_node_set_callbacks(node, NULL);
    engine_script("start");
    cr_expect_eq(volumes_there(), 2, "the two volumes made before the engine went");
    cr_expect_eq(v6n_node_remove(node, engine), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(volumes_there(), 0, "remove removed them");
}

/* ---- a pull ------------------------------------------------------------------ */

Test(engine_restart, a_pull_in_progress_loses_its_engine)
{
    char script[1024];
    snprintf(script, sizeof(script), "%s/tests/integration/fake_registry.py", V6N_SOURCE_DIR);
    char *argv[] = {"python3", script, "0", NULL};
    int port = 0;
    cr_assert_eq(spawn_server(&fx.server_pid, &port, argv, 20.0), 0);
    /* the registry answers the layer with 500 and the engine retries for a
     * minute: the pull stays in progress */
    char image[256];
    snprintf(image, sizeof(image), "127.0.0.1:%d/v6node-test/retry:1", port);
    halt_at h = {.kind = V6N_EVENT_PULL_PROGRESS, .after = 1};
    v6n_callbacks cb = {.on_event = halt_on_event, .payload = &h};
    double t0 = now();
    int rc = v6n_image_pull(engine, image, &cb);
    cr_assert(h.halted_at > 0, "no progress came before the pull ended (%s)",
              v6n_error_last()->message);
    expect_unavailable(rc, "pull image", now() - h.halted_at, REQUEST_TIMEOUT_MS / 1000.0);
    cr_expect_lt(now() - t0, 60.0, "the pull did not wait for the engine's retries");
    engine_script("start");
    cr_expect_eq(v6n_client_ping(engine), V6N_OK, "%s", v6n_error_last()->message);
}

/* ---- logs -F -------------------------------------------------------------------- */

Test(engine_restart, a_followed_log_stream_loses_its_engine)
{
    nodefx_typical_config();
    v6n_node *node = node_on_engine();
    char *id = NULL;
    cr_assert_eq(v6n_node_start(&id, node, engine), V6N_OK, "%s", v6n_error_last()->message);
    v6n_free(id);
    halt_at h = {0};
    v6n_logs_options lo = V6N_LOGS_OPTIONS_INIT;
    lo.follow = 1;
    lo.callbacks.on_log = halt_on_log;
    lo.callbacks.payload = &h;
    int rc = v6n_node_logs(node, engine, &lo);
    cr_assert(h.halted_at > 0, "no output came: %s", v6n_error_last()->message);
    expect_unavailable(rc, "read the logs", now() - h.halted_at, REQUEST_TIMEOUT_MS / 1000.0);
    /* back: the node's container died with its engine; a new start works */
    engine_script("start");
    cr_assert_eq(v6n_node_start(&id, node, engine), V6N_OK, "%s", v6n_error_last()->message);
    v6n_free(id);
    cr_expect_eq(v6n_node_stop(node, engine, NULL), V6N_OK, "%s", v6n_error_last()->message);
}

/* ---- status of 20 nodes ------------------------------------------------------------ */

#define FLEET 20

typedef struct fleet {
    v6n_node *nodes[FLEET];
    char config_dir[2048];
    int ok, unavailable, other;
    double slowest;
    volatile int stop;
    char other_message[512];
} fleet;

/* Status of every node, round after round, on a client of its own. */
static void *poll_fleet(void *arg)
{
    fleet *f = arg;
    v6n_engine_options eo = V6N_ENGINE_OPTIONS_INIT;
    eo.host = engine_host;
    eo.request_timeout_ms = REQUEST_TIMEOUT_MS;
    v6n_client *c = NULL;
    if (v6n_client_new(&c, &eo))
        return NULL;
    while (!f->stop) {
        for (int i = 0; i < FLEET; i++) {
            v6n_node_status *st = NULL;
            double t0 = now();
            int rc = v6n_node_status_get(&st, f->nodes[i], c);
            double took = now() - t0;
            if (took > f->slowest)
                f->slowest = took;
            if (rc == V6N_OK)
                f->ok++;
            else if (rc == V6N_EUNAVAILABLE)
                f->unavailable++;
            else if (f->other++ == 0)
                snprintf(f->other_message, sizeof(f->other_message), "%s: %s",
                         v6n_error_code_name(rc), v6n_error_last()->message);
            v6n_node_status_free(st);
        }
    }
    v6n_client_free(c);
    return NULL;
}

Test(engine_restart, a_status_round_of_twenty_nodes_loses_its_engine)
{
    fleet f = {0};
    snprintf(f.config_dir, sizeof(f.config_dir), "%s/conf", fx.dir);
    const char *body = "api_key: k\ntask_dir: /t\nserver_url: http://x\nport: 1\napi_path: /a\n"
                       "databases: [{label: d, uri: 'postgresql://x/y', type: sql}]\n"
                       "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 99, "
                       "format: x, datefmt: y}\nencryption: {enabled: false}\n";
    for (int i = 0; i < FLEET; i++) {
        char name[96], path[2200];
        snprintf(name, sizeof(name), "%s-f%02d", fx.node, i);
        snprintf(path, sizeof(path), "%s/%s.yaml", f.config_dir, name);
        cr_assert_eq(write_text(path, body), 0);
        cr_assert_eq(v6n_node_open_config(&f.nodes[i], path, &fx.opts), V6N_OK);
        char *id = NULL;
        cr_assert_eq(v6n_node_start(&id, f.nodes[i], engine), V6N_OK, "%s",
                     v6n_error_last()->message);
        v6n_free(id);
    }
    pthread_t poller;
    cr_assert_eq(pthread_create(&poller, NULL, poll_fleet, &f), 0);
    usleep(500 * 1000);
    engine_script("halt");
    double halted_at = now();
    usleep(2000 * 1000); /* rounds of status against no engine */
    f.stop = 1;
    pthread_join(poller, NULL);
    cr_expect_gt(f.ok, 0, "no status worked before the engine went");
    cr_expect_gt(f.unavailable, 0, "no status said the engine was unavailable");
    cr_expect_eq(f.other, 0, "%d other errors, the first: %s", f.other, f.other_message);
    cr_expect_lt(f.slowest, REQUEST_TIMEOUT_MS / 1000.0, "a status took %.1fs", f.slowest);
    v6n_node_list *l = NULL;
    double t0 = now();
    expect_unavailable(v6n_node_list_get(&l, engine, NULL), "list the node containers", now() - t0,
                       REQUEST_TIMEOUT_MS / 1000.0);
    (void)halted_at;
    /* back: every node can be inspected and removed */
    engine_script("start");
    for (int i = 0; i < FLEET; i++) {
        v6n_node_stop(f.nodes[i], engine, NULL); /* not running any more after the crash */
        v6n_error_clear();
        cr_expect_eq(v6n_node_remove(f.nodes[i], engine), V6N_OK, "%s", v6n_error_last()->message);
        v6n_node_free(f.nodes[i]);
    }
}

/* v6n_node_start and friends against the real Docker engine, with the
 * stand-in node image (tests/integration/standin). Every test uses node names
 * no user would ("v6ntest-<pid>-<n>"), removes what it made by exact name, and
 * never pulls from a remote registry: test images live under 127.0.0.1:5999/
 * (nothing listens there) or the fake registry on 127.0.0.1. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "node_fixture.h"

TestSuite(engine, .init = nodefx_init, .fini = nodefx_fini, .timeout = 120);

/* ---- starting ------------------------------------------------------------ */

Test(engine, node_starts_stays_up_and_its_contract_holds)
{
    nodefx_typical_config();
    nodefx_start_ok();
    char *logs = nodefx_wait_for_log(fx.container, "vnode-local: contract", 10);
    cr_assert_not_null(logs, "no contract line");
    cr_expect(strstr(logs, "contract holds"), "the stand-in says: %s", logs);
    free(logs);
    sleep(2);
    char *running = nodefx_inspect(NULL, fx.container, "{{.State.Running}} {{.Id}}");
    cr_assert_not_null(running);
    char expected[256];
    snprintf(expected, sizeof(expected), "true %s", fx.cid);
    cr_expect_str_eq(running, expected, "the node did not stay up");
    free(running);
    cr_expect_eq(nodefx_volumes_present(), 4);

    /* the data and log folders were created */
    char path[2048];
    snprintf(path, sizeof(path), "%s/home/.cache/vantage6/log/node/%s/vnode-local.log", fx.dir,
             fx.node);
    char *logfile = read_text(path);
    cr_expect(logfile && strstr(logfile, "contract holds"), "no log file at %s", path);
    free(logfile);
}

static yajl_val json_at(yajl_val v, const char *a, const char *b)
{
    const char *path[] = {a, b, NULL};
    return yajl_tree_get(v, path, yajl_t_any);
}

static void expect_string_array(yajl_val arr, size_t (*count)(const v6n_node_spec *),
                                const char *(*item)(const v6n_node_spec *, size_t),
                                const char *what)
{
    size_t n = count(fx.spec);
    cr_assert(arr && YAJL_IS_ARRAY(arr), "%s is not an array", what);
    cr_assert_eq(arr->u.array.len, n, "%s: %zu entries, the spec has %zu", what, arr->u.array.len,
                 n);
    for (size_t i = 0; i < n; i++)
        cr_expect(YAJL_IS_STRING(arr->u.array.values[i]) &&
                      strcmp(arr->u.array.values[i]->u.string, item(fx.spec, i)) == 0,
                  "%s[%zu]: expected %s", what, i, item(fx.spec, i));
}

Test(engine, inspect_equals_the_spec)
{
    nodefx_typical_config();
    nodefx_start_ok();
    run_result r = docker_cli("inspect", fx.container, NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    char err[256];
    yajl_val all = yajl_tree_parse(r.out, err, sizeof(err));
    cr_assert_not_null(all, "%s", err);
    yajl_val c = all->u.array.values[0];

    yajl_val image = json_at(c, "Config", "Image");
    cr_assert(image && YAJL_IS_STRING(image));
    cr_expect_str_eq(image->u.string, v6n_node_spec_image(fx.spec));
    expect_string_array(json_at(c, "Config", "Cmd"), v6n_node_spec_argc, v6n_node_spec_argv, "Cmd");
    expect_string_array(json_at(c, "Config", "Env"), v6n_node_spec_env_count, v6n_node_spec_env,
                        "Env");
    expect_string_array(json_at(c, "HostConfig", "Binds"), v6n_node_spec_bind_count,
                        v6n_node_spec_bind, "Binds");
    expect_string_array(json_at(c, "HostConfig", "ExtraHosts"), v6n_node_spec_extra_host_count,
                        v6n_node_spec_extra_host, "ExtraHosts");
    cr_expect(YAJL_IS_TRUE(json_at(c, "Config", "Tty")));
    cr_expect(YAJL_IS_TRUE(json_at(c, "HostConfig", "AutoRemove")));
    yajl_val labels = json_at(c, "Config", "Labels");
    for (size_t i = 0; i < v6n_node_spec_label_count(fx.spec); i++) {
        const char *path[] = {v6n_node_spec_label_key(fx.spec, i), NULL};
        yajl_val v = yajl_tree_get(labels, path, yajl_t_string);
        cr_expect(v && strcmp(v->u.string, v6n_node_spec_label_value(fx.spec, i)) == 0, "label %s",
                  path[0]);
    }
    /* the only other label comes from the stand-in image itself */
    cr_expect_eq(labels->u.object.len, v6n_node_spec_label_count(fx.spec) + 1);
    yajl_val name = yajl_tree_get(c, (const char *[]){"Name", NULL}, yajl_t_string);
    char slash_name[128];
    snprintf(slash_name, sizeof(slash_name), "/%s", fx.container);
    cr_assert_not_null(name);
    cr_expect_str_eq(name->u.string, slash_name);
    yajl_tree_free(all);
    run_result_free(&r);
}

Test(engine, keep_means_no_auto_remove)
{
    nodefx_typical_config();
    fx.opts.keep = 1;
    nodefx_start_ok();
    char *ar = nodefx_inspect(NULL, fx.container, "{{.HostConfig.AutoRemove}}");
    cr_expect_str_eq(ar, "false");
    free(ar);
}

Test(engine, starting_a_running_node_is_a_conflict)
{
    nodefx_typical_config();
    nodefx_start_ok();
    char *first = strdup(fx.cid);
    cr_assert_eq(nodefx_start_fails(), V6N_ECONFLICT);
    char expected[256];
    snprintf(expected, sizeof(expected), "node %s is already running", fx.node);
    cr_expect(strstr(v6n_error_last()->message, expected), "%s", v6n_error_last()->message);
    char *id = nodefx_inspect(NULL, fx.container, "{{.Id}}");
    cr_expect_str_eq(id, first, "the running node was touched");
    free(id);
    free(first);
}

Test(engine, a_stopped_leftover_is_replaced_and_a_bystander_survives)
{
    nodefx_typical_config();
    fx.opts.keep = 1;
    nodefx_start_ok();
    char *old = strdup(fx.cid);
    run_result r = docker_cli("stop", "-t", "1", fx.container, NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);

    /* a container whose name merely contains the node's container name */
    snprintf(fx.extra_names[0], sizeof(fx.extra_names[0]), "%s-bystander", fx.container);
    r = docker_cli("run", "-d", "--name", fx.extra_names[0], "--network", "none", STANDIN, "sleep",
                   "300", NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    /* and a stopped one too */
    snprintf(fx.extra_names[1], sizeof(fx.extra_names[1]), "x%s", fx.container);
    r = docker_cli("create", "--name", fx.extra_names[1], "--network", "none", STANDIN, "true",
                   NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);

    nodefx_start_ok();
    cr_expect_str_neq(fx.cid, old, "the leftover was not replaced");
    cr_expect(!nodefx_container_exists(old), "the old container is still there");
    cr_expect(nodefx_container_exists(fx.extra_names[0]), "the running bystander was removed");
    cr_expect(nodefx_container_exists(fx.extra_names[1]), "the stopped bystander was removed");
    char *state = nodefx_inspect(NULL, fx.extra_names[0], "{{.State.Running}}");
    cr_expect_str_eq(state, "true");
    free(state);
    free(old);
}

Test(engine, a_running_bystander_is_no_conflict)
{
    nodefx_typical_config();
    snprintf(fx.extra_names[0], sizeof(fx.extra_names[0]), "%s-run-12", fx.container);
    run_result r = docker_cli("run", "-d", "--name", fx.extra_names[0], "--network", "none",
                              "--label", "vantage6-type=node", STANDIN, "sleep", "300", NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    nodefx_start_ok();
    cr_expect(nodefx_container_exists(fx.extra_names[0]));
}

Test(engine, an_unreachable_engine_names_the_socket)
{
    nodefx_typical_config();
    v6n_client_free(fx.client);
    v6n_engine_options eo = V6N_ENGINE_OPTIONS_INIT;
    char sock[1200];
    snprintf(sock, sizeof(sock), "unix://%s/no-engine.sock", fx.dir);
    eo.host = sock;
    cr_assert_eq(v6n_client_new(&fx.client, &eo), V6N_OK);
    cr_expect_eq(nodefx_start_fails(), V6N_EUNAVAILABLE);
    cr_expect(strstr(v6n_error_last()->message, sock + 7), "%s", v6n_error_last()->message);
    cr_expect_eq(v6n_client_ping(fx.client), V6N_EUNAVAILABLE);
}

typedef struct event_log {
    int starts, progress, done, warnings, volumes_created;
    char last_warning[1024];
    char start_message[512];
} event_log;

static int record_event(const v6n_event *e, void *payload)
{
    event_log *l = payload;
    switch (e->kind) {
    case V6N_EVENT_PULL_START:
        l->starts++;
        snprintf(l->start_message, sizeof(l->start_message), "%s", e->message);
        break;
    case V6N_EVENT_PULL_PROGRESS:
        l->progress++;
        break;
    case V6N_EVENT_PULL_DONE:
        l->done++;
        break;
    case V6N_EVENT_WARNING:
        l->warnings++;
        snprintf(l->last_warning, sizeof(l->last_warning), "%s", e->message);
        break;
    case V6N_EVENT_VOLUME:
        l->volumes_created += (int)e->current;
        break;
    default:
        break;
    }
    return 0;
}

static int start_registry(void)
{
    char script[1024];
    snprintf(script, sizeof(script), "%s/tests/integration/fake_registry.py", V6N_SOURCE_DIR);
    char *argv[] = {"python3", script, "0", NULL};
    int port = 0;
    cr_assert_eq(spawn_server(&fx.server_pid, &port, argv, 20.0), 0,
                 "the fake registry did not start");
    return port;
}

Test(engine, an_error_inside_the_pull_stream_is_reported)
{
    int port = start_registry();
    nodefx_typical_config();
    char image[256];
    snprintf(image, sizeof(image), "127.0.0.1:%d/v6node-test/broken:1", port);
    snprintf(fx.extra_images[0], sizeof(fx.extra_images[0]), "%s", image);
    fx.opts.image = image;
    fx.opts.pull = V6N_PULL_ALWAYS;
    event_log log = {0};
    fx.opts.callbacks.on_event = record_event;
    fx.opts.callbacks.payload = &log;
    cr_expect_eq(nodefx_start_fails(), V6N_EENGINE);
    const v6n_error *e = v6n_error_last();
    cr_expect(strstr(e->message, "verification failed"), "%s", e->message);
    cr_expect(strstr(e->message, image), "%s", e->message);
    cr_expect_eq(e->http_status, 200, "the error came inside a 200 stream");
    cr_expect_eq(log.starts, 1);
    cr_expect_eq(log.done, 0);
    cr_expect_eq(nodefx_volumes_present(), 0);
}

/* The image is looked up before any volume is made: a start that fails for
 * want of its image never creates a volume, not even for a moment. */
Test(engine, a_missing_image_creates_no_volume)
{
    nodefx_typical_config();
    event_log log = {0};
    fx.opts.callbacks.on_event = record_event;
    fx.opts.callbacks.payload = &log;
    fx.opts.image = ABSENT;
    fx.opts.pull = V6N_PULL_NEVER;
    cr_expect_eq(nodefx_start_fails(), V6N_ENOTFOUND);
    cr_expect(strstr(v6n_error_last()->message, ABSENT), "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "pull policy is 'never'"), "%s",
              v6n_error_last()->message);

    /* missing: the pull fails at once (nothing listens at 127.0.0.1:5999) */
    fx.opts.pull = V6N_PULL_MISSING;
    cr_expect_neq(nodefx_start_fails(), V6N_OK);
    cr_expect(strstr(v6n_error_last()->message, ABSENT), "%s", v6n_error_last()->message);

    /* the default policy: the pull fails and there is no local copy */
    fx.opts.pull = V6N_PULL_DEFAULT;
    cr_expect_eq(nodefx_start_fails(), V6N_ENOTFOUND);
    cr_expect(strstr(v6n_error_last()->message, "no local copy"), "%s", v6n_error_last()->message);

    cr_expect_eq(log.volumes_created, 0, "a volume was created on the way");
    cr_expect_eq(nodefx_volumes_present(), 0);
    cr_expect(!nodefx_container_exists(fx.container));
}

/* A first start with the image present (pull policy missing) costs 9
 * requests: inspect the container, look up the image, list the volumes, 4
 * volume creates, create, start. The image lookup could be left to the
 * create's 404 "No such image", but then a start without its image would make
 * volumes first (see above). */
Test(engine, a_first_start_sends_nine_requests)
{
    nodefx_typical_config();
    nodefx_build();
    cr_assert_eq(v6n_client_ping(fx.client), V6N_OK, "%s", v6n_error_last()->message);
    unsigned long before = v6n_client_request_count(fx.client);
    int rc = v6n_spec_start(&fx.cid, fx.client, fx.spec, &fx.opts);
    cr_assert_eq(rc, V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(v6n_client_request_count(fx.client) - before, 9);
}

Test(engine, a_good_pull_reports_progress)
{
    int port = start_registry();
    char image[256];
    snprintf(image, sizeof(image), "127.0.0.1:%d/v6node-test/good:1", port);
    snprintf(fx.extra_images[0], sizeof(fx.extra_images[0]), "%s", image);
    event_log log = {0};
    cr_assert_eq(v6n_image_pull(fx.client, image,
                                &(v6n_callbacks){.on_event = record_event, .payload = &log}),
                 V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(log.starts, 1);
    cr_expect_geq(log.progress, 2);
    cr_expect_eq(log.done, 1);
    int present = 0;
    cr_expect_eq(v6n_image_exists(&present, fx.client, image), V6N_OK);
    cr_expect_eq(present, 1);

    /* a missing tag is a 404 before the stream */
    snprintf(image, sizeof(image), "127.0.0.1:%d/v6node-test/good:nope", port);
    cr_expect_eq(v6n_image_pull(fx.client, image, NULL), V6N_ENOTFOUND, "%s",
                 v6n_error_last()->message);
    cr_expect_eq(v6n_error_last()->http_status, 404);
}

/* A private registry (HTTP Basic auth): the pull carries the credentials of
 * the user's Docker config file in X-Registry-Auth, as docker-py's does, and
 * fails without them. The password holds a ':' (only the first one splits). */
Test(engine, a_private_registry_pull_uses_the_docker_config_credentials)
{
    setenv("V6N_REGISTRY_AUTH", "v6ntest-user:pa:ss word", 1);
    int port = start_registry();
    unsetenv("V6N_REGISTRY_AUTH");
    char image[256], registry[64], path[1024], json[512];
    snprintf(registry, sizeof(registry), "127.0.0.1:%d", port);
    snprintf(image, sizeof(image), "%s/v6node-test/good:1", registry);
    snprintf(fx.extra_images[0], sizeof(fx.extra_images[0]), "%s", image);
    snprintf(path, sizeof(path), "%s/dockercfg/config.json", fx.dir);
    setenv("DOCKER_CONFIG", "/nonexistent-v6ntest", 1); /* falls back to ~/.docker */

    /* no credentials: the registry refuses, and the error says so */
    event_log log = {0};
    cr_expect_neq(v6n_image_pull(fx.client, image,
                                 &(v6n_callbacks){.on_event = record_event, .payload = &log}),
                  V6N_OK);
    cr_expect(strstr(v6n_error_last()->message, "no credentials for 127.0.0.1:"), "%s",
              v6n_error_last()->message);
    cr_expect_str_eq(log.start_message, "pulling");

    /* a wrong password in ~/.docker/config.json: refused as well */
    char home_cfg[1024];
    snprintf(home_cfg, sizeof(home_cfg), "%s/home/.docker/config.json", fx.dir);
    /* base64("v6ntest-user:wrong") */
    snprintf(json, sizeof(json), "{\"auths\": {\"%s\": {\"auth\": \"djZudGVzdC11c2VyOndyb25n\"}}}",
             registry);
    cr_assert_eq(write_text(home_cfg, json), 0);
    cr_expect_neq(v6n_image_pull(fx.client, image, NULL), V6N_OK);
    cr_expect(strstr(v6n_error_last()->message, "refused the credentials") &&
                  strstr(v6n_error_last()->message, home_cfg),
              "%s", v6n_error_last()->message);

    /* the right one, under $DOCKER_CONFIG, with the legacy "http://host/v1/" key */
    /* base64("v6ntest-user:pa:ss word") */
    snprintf(json, sizeof(json),
             "{\"auths\": {\"http://%s/v1/\": {\"auth\": \"djZudGVzdC11c2VyOnBhOnNzIHdvcmQ=\"}}}",
             registry);
    cr_assert_eq(write_text(path, json), 0);
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/dockercfg", fx.dir);
    setenv("DOCKER_CONFIG", dir, 1);
    memset(&log, 0, sizeof(log));
    cr_expect_eq(v6n_image_pull(fx.client, image,
                                &(v6n_callbacks){.on_event = record_event, .payload = &log}),
                 V6N_OK, "%s", v6n_error_last()->message);
    cr_expect(strstr(log.start_message, registry) && strstr(log.start_message, path), "%s",
              log.start_message);
    cr_expect_eq(log.done, 1);
    int present = 0;
    cr_expect_eq(v6n_image_exists(&present, fx.client, image), V6N_OK);
    cr_expect_eq(present, 1);
    unsetenv("DOCKER_CONFIG");
}

Test(engine, a_start_failure_leaves_nothing_behind)
{
    nodefx_typical_config();
    fx.opts.image = NO_VNODE;
    cr_expect_eq(nodefx_start_fails(), V6N_EENGINE);
    cr_expect(strstr(v6n_error_last()->message, "executable file not found"), "%s",
              v6n_error_last()->message);
    cr_expect_eq(v6n_error_last()->http_status, 400);
    cr_expect(!nodefx_container_exists(fx.container), "a half-started container was left");
    cr_expect_eq(nodefx_volumes_present(), 0, "volumes of the failed start were left");

    fx.opts.keep = 1; /* no auto-remove: the engine keeps the failed container */
    cr_expect_eq(nodefx_start_fails(), V6N_EENGINE);
    cr_expect(!nodefx_container_exists(fx.container), "a half-started --keep container was left");
    cr_expect_eq(nodefx_volumes_present(), 0);
}

Test(engine, a_failed_start_keeps_the_volumes_the_node_had)
{
    nodefx_typical_config();
    char data_volume[160];
    snprintf(data_volume, sizeof(data_volume), "%s-vol", fx.container);
    run_result r = docker_cli("volume", "create", data_volume, NULL);
    cr_assert_eq(r.exit_code, 0);
    run_result_free(&r);
    fx.opts.image = NO_VNODE;
    nodefx_start_fails();
    cr_expect(nodefx_volume_exists(data_volume), "the node's own data volume was removed");
    cr_expect_eq(nodefx_volumes_present(), 1);
}

Test(engine, volumes_ensure_is_idempotent)
{
    nodefx_typical_config();
    nodefx_build();
    cr_assert_eq(v6n_volumes_ensure(fx.client, fx.spec), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(nodefx_volumes_present(), 4);
    unsigned long before = v6n_client_request_count(fx.client);
    cr_assert_eq(v6n_volumes_ensure(fx.client, fx.spec), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(v6n_client_request_count(fx.client) - before, 1,
                 "existing volumes should cost one request");
    cr_expect_eq(nodefx_volumes_present(), 4);
}

Test(engine, the_server_version_chooses_the_image)
{
    char script[1024];
    snprintf(script, sizeof(script), "%s/tests/integration/version_server.py", V6N_SOURCE_DIR);
    char *argv[] = {"python3", script, "4999.77.1", "0", NULL};
    int port = 0;
    cr_assert_eq(spawn_server(&fx.server_pid, &port, argv, 20.0), 0);
    /* a local image of that version, so nothing is pulled (the default
     * release, 4.15, takes images from ghcr.io/vantage6) */
    snprintf(fx.extra_images[0], sizeof(fx.extra_images[0]),
             "ghcr.io/vantage6/infrastructure/node:4999.77");
    run_result r = docker_cli("tag", STANDIN, fx.extra_images[0], NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);

    nodefx_write_config("server_url: http://127.0.0.1\nport: %d\napi_path: /api\n"
                        "databases: [{label: default, uri: 'postgresql://x/y', type: sql}]\n"
                        "encryption: {enabled: false}\n",
                        port);
    fx.opts.image = NULL;
    fx.opts.pull = V6N_PULL_MISSING;
    event_log log = {0};
    fx.opts.callbacks.on_event = record_event;
    fx.opts.callbacks.payload = &log;
    nodefx_build();
    cr_expect_eq(v6n_node_spec_image_rule(fx.spec), V6N_IMAGE_DEFAULT);
    int rc = v6n_spec_start(&fx.cid, fx.client, fx.spec, &fx.opts);
    cr_assert_eq(rc, V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(v6n_node_spec_image_rule(fx.spec), V6N_IMAGE_FROM_SERVER);
    /* as `v6 node start`: a server on another minor version is a warning */
    cr_expect_eq(log.warnings, 1);
    cr_expect(strstr(log.last_warning, "version mismatch") &&
                  strstr(log.last_warning, "built as vantage6 4.15") &&
                  strstr(log.last_warning, "4999.77.1"),
              "%s", log.last_warning);
    cr_expect_str_eq(v6n_node_spec_image(fx.spec), fx.extra_images[0]);
    char *image = nodefx_inspect(NULL, fx.container, "{{.Config.Image}}");
    cr_expect_str_eq(image, fx.extra_images[0]);
    free(image);
}

Test(engine, an_unreachable_server_falls_back_to_the_default_image)
{
    /* port 9 (discard) on loopback: nothing listens, the connection is refused */
    nodefx_write_config("server_url: http://127.0.0.1\nport: 9\napi_path: /api\n"
                        "databases: [{label: default, uri: 'postgresql://x/y', type: sql}]\n"
                        "encryption: {enabled: false}\n");
    fx.opts.image = NULL;
    fx.opts.pull = V6N_PULL_NEVER; /* never ask a remote registry for the default image */
    fx.opts.server_timeout_ms = 500;
    fx.opts.server_attempts = 2;
    event_log log = {0};
    fx.opts.callbacks.on_event = record_event;
    fx.opts.callbacks.payload = &log;
    cr_expect_eq(nodefx_start_fails(), V6N_ENOTFOUND);
    cr_expect(strstr(v6n_error_last()->message, "ghcr.io/vantage6/infrastructure/node:cotopaxi"),
              "%s", v6n_error_last()->message);
    cr_expect_eq(log.warnings, 1);
    cr_expect(strstr(log.last_warning, "could not determine the server's version"), "%s",
              log.last_warning);
    cr_expect_eq(nodefx_volumes_present(), 0);
}

/* ---- logs ----------------------------------------------------------------- */

typedef struct captured {
    char text[8192];
    size_t len;
    int calls, heartbeats, streams[3];
    bool stop_on_data;
} captured;

static int capture(const char *data, size_t len, int stream, void *payload)
{
    captured *c = payload;
    c->calls++;
    if (!data) {
        c->heartbeats++;
        return c->heartbeats > 30; /* never hang a test */
    }
    c->streams[stream < 3 ? stream : 0]++;
    size_t room = sizeof(c->text) - 1 - c->len;
    size_t take = len < room ? len : room;
    memcpy(c->text + c->len, data, take);
    c->len += take;
    c->text[c->len] = '\0';
    return c->stop_on_data && strstr(c->text, "contract") ? 1 : 0;
}

Test(engine, logs_of_a_tty_node_are_raw)
{
    nodefx_typical_config();
    nodefx_start_ok();
    free(nodefx_wait_for_log(fx.container, "vnode-local: contract", 10));
    captured c = {0};
    v6n_logs_options lo = V6N_LOGS_OPTIONS_INIT;
    lo.callbacks.on_log = capture;
    lo.callbacks.payload = &c;
    cr_assert_eq(v6n_container_logs(fx.client, fx.container, &lo), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect(strstr(c.text, "vnode-local: contract holds"), "%s", c.text);
    cr_expect(strstr(c.text, "\r\n"), "a TTY turns \\n into \\r\\n");
    cr_expect_gt(c.streams[0], 0, "a TTY stream is raw (stream 0)");

    /* follow, stopped from the callback as soon as the line is there */
    captured f = {.stop_on_data = true};
    lo.follow = 1;
    lo.callbacks.payload = &f;
    time_t t0 = time(NULL);
    cr_assert_eq(v6n_container_logs(fx.client, fx.container, &lo), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_leq(time(NULL) - t0, 3);
    cr_expect(strstr(f.text, "contract"));
}

Test(engine, logs_of_a_container_without_tty_are_demultiplexed)
{
    snprintf(fx.extra_names[0], sizeof(fx.extra_names[0]), "v6ntest-mux-%d-%ld", (int)getpid(),
             (long)time(NULL));
    run_result r =
        docker_cli("run", "--name", fx.extra_names[0], "--network", "none", STANDIN, "sh", "-c",
                   "echo out-line; sleep 0.3; echo err-line >&2; sleep 0.3; echo out-2", NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    captured c = {0};
    v6n_logs_options lo = V6N_LOGS_OPTIONS_INIT;
    lo.callbacks.on_log = capture;
    lo.callbacks.payload = &c;
    cr_assert_eq(v6n_container_logs(fx.client, fx.extra_names[0], &lo), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_str_eq(c.text, "out-line\nerr-line\nout-2\n");
    cr_expect_eq(c.streams[1], 2);
    cr_expect_eq(c.streams[2], 1);
    cr_expect_eq(c.streams[0], 0);

    lo.tail = 1;
    captured t = {0};
    lo.callbacks.payload = &t;
    cr_assert_eq(v6n_container_logs(fx.client, fx.extra_names[0], &lo), V6N_OK);
    cr_expect_str_eq(t.text, "out-2\n");
    cr_expect_eq(v6n_container_logs(fx.client, "v6ntest-no-such-container", &lo), V6N_ENOTFOUND);
}

/* ---- the client ----------------------------------------------------------- */

Test(engine, the_api_version_is_negotiated_or_pinned)
{
    cr_expect_null(v6n_client_api_version(fx.client));
    cr_assert_eq(v6n_client_ping(fx.client), V6N_OK, "%s", v6n_error_last()->message);
    const char *v = v6n_client_api_version(fx.client);
    cr_assert_not_null(v);
    run_result r = docker_cli("version", "-f", "{{.Server.APIVersion}}", NULL);
    char engine_version[32] = "";
    sscanf(r.out, "%31s", engine_version);
    run_result_free(&r);
    int em = 0, en = 0, vm = 0, vn = 0;
    sscanf(engine_version, "%d.%d", &em, &en);
    sscanf(v, "%d.%d", &vm, &vn);
    cr_expect(vm == em && vn <= en, "negotiated %s with an engine at %s", v, engine_version);

    /* pinned: requests use exactly that version; a too old one is refused in text */
    v6n_client *pinned = NULL;
    v6n_engine_options eo = V6N_ENGINE_OPTIONS_INIT;
    eo.api_version = "1.11";
    cr_assert_eq(v6n_client_new(&pinned, &eo), V6N_OK);
    cr_expect_str_eq(v6n_client_api_version(pinned), "1.11");
    int present = 0;
    cr_expect_eq(v6n_image_exists(&present, pinned, STANDIN), V6N_EENGINE);
    cr_expect(strstr(v6n_error_last()->message, "too old"), "%s", v6n_error_last()->message);
    cr_expect_eq(v6n_error_last()->http_status, 400);
    v6n_client_free(pinned);

    setenv("DOCKER_API_VERSION", "1.40", 1);
    setenv("DOCKER_HOST", "unix:///var/run/docker.sock", 1);
    cr_assert_eq(v6n_client_from_env(&pinned), V6N_OK);
    cr_expect_str_eq(v6n_client_api_version(pinned), "1.40");
    cr_expect_eq(v6n_image_exists(&present, pinned, STANDIN), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_eq(present, 1);
    v6n_client_free(pinned);
    unsetenv("DOCKER_API_VERSION");
}

Test(engine, bad_hosts_are_refused)
{
    v6n_client *c = NULL;
    v6n_engine_options eo = V6N_ENGINE_OPTIONS_INIT;
    const char *bad[] = {"npipe:////./pipe/docker_engine",
                         "ssh://",
                         "unix://relative.sock",
                         "tcp://",
                         "tcp://h:1/path",
                         "tcp://user@h:1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        eo.host = bad[i];
        cr_expect_eq(v6n_client_new(&c, &eo), V6N_EINVAL, "%s accepted", bad[i]);
        cr_expect_null(c);
    }
    eo.host = "tcp://127.0.0.1";
    cr_assert_eq(v6n_client_new(&c, &eo), V6N_OK);
    cr_expect_str_eq(v6n_client_host(c), "tcp://127.0.0.1:2375");
    v6n_client_free(c);
}

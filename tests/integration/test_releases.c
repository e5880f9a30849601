/* Release lines on the real engine (contract section 0): a node is judged, and
 * restarted, as the release it was started as; auto takes the server's line. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node_fixture.h"

TestSuite(releases, .init = nodefx_init, .fini = nodefx_fini, .timeout = 120);

typedef struct events {
    int warnings;
    char warning[2048];
} events;

static int on_event(const v6n_event *e, void *payload)
{
    events *ev = payload;
    if (e->kind == V6N_EVENT_WARNING) {
        ev->warnings++;
        snprintf(ev->warning, sizeof(ev->warning), "%s", e->message);
    }
    return 0;
}

static void sql_config(int port)
{
    nodefx_write_config("server_url: http://127.0.0.1\nport: %d\napi_path: /api\n"
                        "databases: [{label: default, uri: 'postgresql://x/y', type: sql}]\n"
                        "encryption: {enabled: false}\n",
                        port);
}

static v6n_node_status *status_now(void)
{
    v6n_node_status *st = NULL;
    nodefx_build();
    cr_assert_eq(v6n_node_status_get(&st, fx.client, fx.spec), V6N_OK, "%s",
                 v6n_error_last()->message);
    return st;
}

static void expect_no_drift(const v6n_node_status *st, const char *when)
{
    cr_expect_eq(v6n_node_status_drift_count(st), 0, "%s: %zu drift, first: %s", when,
                 v6n_node_status_drift_count(st),
                 v6n_node_status_drift_count(st) ? v6n_node_status_drift(st, 0) : "");
}

static char *record_path(void)
{
    char *path;
    cr_assert(asprintf(&path, "%s/.libv6node-start.json", v6n_node_spec_data_dir(fx.spec)) > 0);
    return path;
}

static bool binds_have(const char *needle)
{
    run_result r = docker_cli("inspect", "-f", "{{json .HostConfig.Binds}}", fx.container, NULL);
    bool found = r.exit_code == 0 && strstr(r.out, needle);
    run_result_free(&r);
    return found;
}

Test(releases, a_node_started_as_4_14_is_judged_as_4_14)
{
    sql_config(9);
    fx.opts.no_server_version = 1;
    fx.opts.vantage6_version = "4.14";
    nodefx_start_ok();
    cr_expect(binds_have(":/mnt/config:ro\""), "4.14 mounts the folder, read-only");

    /* the record of the start */
    char *path = record_path();
    char *text = read_text(path);
    cr_assert_not_null(text, "no start record at %s", path);
    cr_expect(strstr(text, "\"vantage6_version\":\"4.14\""), "%s", text);
    cr_expect(strstr(text, fx.cid), "the record names the container: %s", text);
    free(text);

    /* the default moved on (4.15): still no drift */
    fx.opts.vantage6_version = NULL;
    v6n_node_status *st = status_now();
    cr_expect_str_eq(v6n_node_spec_vantage6_version(fx.spec), "4.15");
    cr_expect_str_eq(v6n_node_status_vantage6_version(st), "4.14");
    expect_no_drift(st, "the default release");
    v6n_node_status_free(st);

    /* asking for 4.15 explicitly: that is drift, said once, not as mounts */
    fx.opts.vantage6_version = "4.15";
    st = status_now();
    cr_expect_eq(v6n_node_status_drift_count(st), 1);
    cr_expect(strstr(v6n_node_status_drift(st, 0), "built as 4.14, the options now give 4.15"),
              "%s", v6n_node_status_drift(st, 0));
    v6n_node_status_free(st);

    /* without the record (a node started by another tool): the container's
     * config mount tells */
    cr_assert_eq(unlink(path), 0);
    free(path);
    fx.opts.vantage6_version = NULL;
    st = status_now();
    cr_expect_str_eq(v6n_node_status_vantage6_version(st), "4.14");
    expect_no_drift(st, "no record");
    v6n_node_status_free(st);
}

Test(releases, a_record_of_another_container_is_ignored)
{
    sql_config(9);
    fx.opts.no_server_version = 1;
    fx.opts.vantage6_version = "4.13";
    nodefx_start_ok();
    char *path = record_path();
    char *text = read_text(path);
    cr_assert_not_null(text);
    /* the record claims 4.14, for a container that is not this one */
    char *forged = replace_all(text, "\"4.13\"", "\"4.14\"");
    char *other = replace_all(forged, fx.cid, "0123456789abcdef");
    cr_assert_eq(write_text(path, other), 0);
    free(text);
    free(forged);
    free(other);
    free(path);
    fx.opts.vantage6_version = "4.13";
    v6n_node_status *st = status_now();
    cr_expect_str_eq(v6n_node_status_vantage6_version(st), "4.13");
    expect_no_drift(st, "a stale record");
    v6n_node_status_free(st);
}

Test(releases, restart_keeps_the_release_unless_told)
{
    sql_config(9);
    fx.opts.no_server_version = 1;
    fx.opts.vantage6_version = "4.14";
    nodefx_start_ok();
    fx.opts.vantage6_version = NULL; /* the default, 4.15 */
    nodefx_build();
    char *id = NULL;
    cr_assert_eq(v6n_node_restart(&id, fx.client, fx.spec, &fx.opts, NULL), V6N_OK, "%s",
                 v6n_error_last()->message);
    v6n_free(id);
    cr_expect_str_eq(v6n_node_spec_vantage6_version(fx.spec), "4.14");
    cr_expect(binds_have(":/mnt/config:ro\""), "restarted as 4.14");

    fx.opts.vantage6_version = "4.15";
    nodefx_build();
    id = NULL;
    cr_assert_eq(v6n_node_restart(&id, fx.client, fx.spec, &fx.opts, NULL), V6N_OK, "%s",
                 v6n_error_last()->message);
    v6n_free(id);
    char target[256];
    snprintf(target, sizeof(target), ":/mnt/config/%s.yaml:ro\"", fx.node);
    cr_expect(binds_have(target), "restarted as 4.15: %s", target);
}

static int version_server(const char *version)
{
    char script[1024];
    snprintf(script, sizeof(script), "%s/tests/integration/version_server.py", V6N_SOURCE_DIR);
    char *argv[] = {"python3", script, (char *)version, "0", NULL};
    int port = 0;
    cr_assert_eq(spawn_server(&fx.server_pid, &port, argv, 20.0), 0);
    return port;
}

Test(releases, auto_builds_the_node_as_its_servers_line)
{
    sql_config(version_server("4.13.2"));
    fx.opts.vantage6_version = "auto";
    events ev = {0};
    fx.opts.on_event = on_event;
    fx.opts.payload = &ev;
    nodefx_build();
    cr_expect_str_eq(v6n_node_spec_vantage6_version(fx.spec), "4.15", "not known before start");
    int rc = v6n_node_start(&fx.cid, fx.client, fx.spec, &fx.opts);
    cr_assert_eq(rc, V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_node_spec_vantage6_version(fx.spec), "4.13");
    cr_expect_str_eq(v6n_node_spec_image(fx.spec), STANDIN, "the image option still rules");
    cr_expect_eq(ev.warnings, 0, "same line, no mismatch: %s", ev.warning);
    cr_expect(binds_have(":/mnt/config\""), "4.13 mounts the folder read-write");
    v6n_node_status *st = status_now();
    cr_expect_str_eq(v6n_node_status_vantage6_version(st), "4.13");
    expect_no_drift(st, "auto");
    v6n_node_status_free(st);
}

Test(releases, auto_refuses_a_server_line_it_does_not_know)
{
    sql_config(version_server("4.9.1"));
    fx.opts.vantage6_version = "auto";
    cr_expect_eq(nodefx_start_fails(), V6N_EINVAL);
    const v6n_error *e = v6n_error_last();
    cr_expect(strstr(e->message, "server runs vantage6 4.9.1") &&
                  strstr(e->message, "accept a missing file-based database"),
              "%s", e->message);
    cr_expect_eq(nodefx_volumes_present(), 0, "a refused start makes nothing");
    cr_expect_not(nodefx_container_exists(fx.container));
}

Test(releases, auto_without_a_server_is_the_default_with_a_warning)
{
    sql_config(9); /* nothing listens on port 9 */
    fx.opts.vantage6_version = "auto";
    fx.opts.server_timeout_ms = 500;
    fx.opts.server_attempts = 1;
    events ev = {0};
    fx.opts.on_event = on_event;
    fx.opts.payload = &ev;
    nodefx_start_ok();
    cr_expect_str_eq(v6n_node_spec_vantage6_version(fx.spec), "4.15");
    cr_expect_eq(ev.warnings, 1);
    cr_expect(strstr(ev.warning, "could not determine the server's version") &&
                  strstr(ev.warning, "default release"),
              "%s", ev.warning);
}

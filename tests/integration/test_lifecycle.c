/* stop, restart, status (with drift), list, remove and clean through the C API,
 * against the real engine. Names are unique to the test; everything made is
 * removed by exact name. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "node_fixture.h"

TestSuite(lifecycle, .init = nodefx_init, .fini = nodefx_fini, .timeout = 180);

typedef struct seen {
    int stopped, volumes_removed, warnings, paths_removed, removed;
    char warning[2048];
} seen;

static int record(const v6n_event *e, void *payload)
{
    seen *s = payload;
    switch (e->kind) {
    case V6N_EVENT_STOPPED:
        s->stopped++;
        break;
    case V6N_EVENT_VOLUME_REMOVED:
        s->volumes_removed++;
        break;
    case V6N_EVENT_WARNING:
        s->warnings++;
        snprintf(s->warning, sizeof(s->warning), "%s", e->message);
        break;
    case V6N_EVENT_PATH_REMOVED:
        s->paths_removed++;
        break;
    case V6N_EVENT_REMOVED:
        s->removed++;
        break;
    default:
        break;
    }
    return 0;
}

static int stop(v6n_stop_options *so)
{
    return nodefx_stop_named(fx.client, fx.node, so);
}

/* ---- stop ------------------------------------------------------------------ */

Test(lifecycle, stop_removes_the_container_and_the_volumes)
{
    nodefx_typical_config();
    nodefx_start_ok();
    cr_assert_eq(nodefx_volumes_present(), 4);
    seen s = {0};
    v6n_stop_options so = V6N_STOP_OPTIONS_INIT;
    so.timeout_ms = 2000;
    so.callbacks.on_event = record;
    so.callbacks.payload = &s;
    cr_assert_eq(stop(&so), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(s.stopped, 1);
    cr_expect_eq(s.volumes_removed, 4);
    cr_expect_eq(s.warnings, 0, "%s", s.warning);
    cr_expect(!nodefx_container_exists(fx.container), "the auto-remove container is still there");
    cr_expect_eq(nodefx_volumes_present(), 0);

    /* a node that is not running */
    cr_expect_eq(stop(&so), V6N_ENOTFOUND);
    char expected[256];
    snprintf(expected, sizeof(expected), "node %s is not running", fx.node);
    cr_expect(strstr(v6n_error_last()->message, expected), "%s", v6n_error_last()->message);
}

Test(lifecycle, stop_can_keep_the_volumes_and_can_kill)
{
    nodefx_typical_config();
    nodefx_start_ok();
    v6n_stop_options so = V6N_STOP_OPTIONS_INIT;
    so.keep_volumes = 1;
    so.force = 1;
    time_t t0 = time(NULL);
    cr_assert_eq(stop(&so), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_leq(time(NULL) - t0, 5, "a kill should not wait for a grace period");
    cr_expect(!nodefx_container_exists(fx.container));
    cr_expect_eq(nodefx_volumes_present(), 4);
}

Test(lifecycle, a_kept_container_keeps_its_volumes_with_a_warning)
{
    nodefx_typical_config();
    fx.opts.keep = 1;
    nodefx_start_ok();
    seen s = {0};
    v6n_stop_options so = V6N_STOP_OPTIONS_INIT;
    so.timeout_ms = 1000;
    so.callbacks.on_event = record;
    so.callbacks.payload = &s;
    cr_assert_eq(stop(&so), V6N_OK, "%s", v6n_error_last()->message);
    char *state = nodefx_inspect(NULL, fx.container, "{{.State.Status}}");
    cr_expect_str_eq(state, "exited");
    free(state);
    cr_expect_eq(nodefx_volumes_present(), 4);
    cr_expect_eq(s.warnings, 1);
    cr_expect(strstr(s.warning, "--keep"), "%s", s.warning);
    /* stopping a stopped node: not running */
    cr_expect_eq(stop(&so), V6N_ENOTFOUND);
    cr_expect(strstr(v6n_error_last()->message, "exited"), "%s", v6n_error_last()->message);
}

Test(lifecycle, stop_uses_overridden_volume_names)
{
    nodefx_typical_config();
    snprintf(fx.extra_volumes[0], sizeof(fx.extra_volumes[0]), "%s-custom-data", fx.node);
    fx.opts.data_volume = fx.extra_volumes[0];
    nodefx_start_ok();
    cr_assert(nodefx_volume_exists(fx.extra_volumes[0]));
    v6n_stop_options so = V6N_STOP_OPTIONS_INIT;
    so.data_volume = fx.extra_volumes[0];
    cr_assert_eq(stop(&so), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect(!nodefx_volume_exists(fx.extra_volumes[0]));
    cr_expect_eq(nodefx_volumes_present(), 0);
}

/* A node started with other volume names (DATA_VOLUME_NAME and friends) is
 * stopped without them, as `stop --all` does: the volumes it has mounted are
 * the ones removed, and a bystander with the default name is left alone. */
Test(lifecycle, stop_removes_the_volumes_the_node_mounted)
{
    nodefx_typical_config();
    snprintf(fx.extra_volumes[0], sizeof(fx.extra_volumes[0]), "%s-custom-data", fx.node);
    snprintf(fx.extra_volumes[1], sizeof(fx.extra_volumes[1]), "%s-custom-vpn", fx.node);
    fx.opts.data_volume = fx.extra_volumes[0];
    fx.opts.vpn_volume = fx.extra_volumes[1];
    nodefx_start_ok();
    char bystander[160];
    snprintf(bystander, sizeof(bystander), "%s-vol", fx.container); /* the default data name */
    snprintf(fx.extra_volumes[2], sizeof(fx.extra_volumes[2]), "%s", bystander);
    run_result r = docker_cli("volume", "create", bystander, NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    seen s = {0};
    v6n_stop_options so = V6N_STOP_OPTIONS_INIT;
    so.timeout_ms = 2000;
    so.callbacks.on_event = record;
    so.callbacks.payload = &s;
    cr_assert_eq(stop(&so), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect(!nodefx_volume_exists(fx.extra_volumes[0]), "the mounted data volume is left");
    cr_expect(!nodefx_volume_exists(fx.extra_volumes[1]), "the mounted vpn volume is left");
    cr_expect(nodefx_volume_exists(bystander), "a volume the node never mounted was removed");
    cr_expect_eq(s.volumes_removed, 4);
}

Test(lifecycle, stop_rejects_bad_names)
{
    cr_expect_eq(nodefx_stop_named(fx.client, "../x", NULL), V6N_EINVAL);
    cr_expect_eq(nodefx_stop_named(fx.client, "a b", NULL), V6N_EINVAL);
}

/* ---- restart --------------------------------------------------------------- */

Test(lifecycle, restart_applies_the_changed_config)
{
    nodefx_typical_config();
    nodefx_start_ok();
    char *first = strdup(fx.cid);
    /* the config changes: another value for SITE */
    nodefx_write_config("server_url: https://v6.example.org\nport: 443\napi_path: /api\n"
                        "databases: [{label: default, uri: 'postgresql://x/y', type: sql}]\n"
                        "encryption: {enabled: false}\n"
                        "node_extra_env: {SITE: moved-site}\n");
    nodefx_build();
    v6n_node_status *st = NULL;
    cr_assert_eq(v6n_node_status_get(&st, fx.handle, fx.client), V6N_OK);
    cr_expect_gt(v6n_node_status_drift_count(st), 0);
    v6n_node_status_free(st);

    char *id = NULL;
    v6n_stop_options so = V6N_STOP_OPTIONS_INIT;
    so.timeout_ms = 2000;
    cr_assert_eq(v6n_node_restart(&id, fx.handle, fx.client, &so), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_str_neq(id, first);
    cr_expect(!nodefx_container_exists(first));
    char *env = nodefx_inspect(NULL, fx.container, "{{json .Config.Env}}");
    cr_expect(env && strstr(env, "SITE=moved-site"), "%s", env);
    free(env);
    cr_assert_eq(v6n_node_status_get(&st, fx.handle, fx.client), V6N_OK);
    cr_expect_eq(v6n_node_status_drift_count(st), 0, "drift after restart: %s",
                 v6n_node_status_drift(st, 0));
    v6n_node_status_free(st);
    free(first);
    v6n_free(id);
}

Test(lifecycle, restart_of_a_stopped_node_starts_it)
{
    nodefx_typical_config();
    nodefx_build();
    char *id = NULL;
    cr_assert_eq(v6n_node_restart(&id, fx.handle, fx.client, NULL), V6N_OK, "%s",
                 v6n_error_last()->message);
    char *running = nodefx_inspect(NULL, fx.container, "{{.State.Running}}");
    cr_expect_str_eq(running, "true");
    free(running);
    v6n_free(id);
}

/* ---- status ---------------------------------------------------------------- */

Test(lifecycle, status_of_an_absent_node)
{
    nodefx_typical_config();
    nodefx_build();
    v6n_node_status *st = NULL;
    unsigned long before = v6n_client_request_count(fx.client);
    cr_assert_eq(v6n_node_status_get(&st, fx.handle, fx.client), V6N_OK);
    cr_expect_eq(v6n_node_status_state(st), V6N_NODE_ABSENT);
    cr_expect_null(v6n_node_status_container_id(st));
    cr_expect_eq(v6n_node_status_drift_count(st), 0);
    cr_expect_eq(v6n_node_status_volume_count(st), 0, "no volumes left behind");
    /* negotiation (1) + the inspect (1) + which of its volumes exist (1) */
    cr_expect_leq(v6n_client_request_count(fx.client) - before, 3);
    v6n_node_status_free(st);
}

Test(lifecycle, status_reports_volumes_an_absent_node_left_behind)
{
    nodefx_typical_config();
    nodefx_build();
    char vpn[200];
    snprintf(vpn, sizeof(vpn), "%s-vpn-vol", fx.container);
    run_result r = docker_cli("volume", "create", vpn, NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    v6n_node_status *st = NULL;
    cr_assert_eq(v6n_node_status_get(&st, fx.handle, fx.client), V6N_OK);
    cr_expect_eq(v6n_node_status_state(st), V6N_NODE_ABSENT);
    cr_assert_eq(v6n_node_status_volume_count(st), 1);
    cr_expect_str_eq(v6n_node_status_volume(st, 0), vpn);
    v6n_node_status_free(st);
    /* remove deletes them */
    cr_assert_eq(v6n_node_remove(fx.handle, fx.client), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_not(nodefx_volume_exists(vpn));
}

Test(lifecycle, status_of_a_running_node_without_drift)
{
    nodefx_typical_config();
    nodefx_start_ok();
    v6n_node_status *st = NULL;
    cr_assert_eq(v6n_node_status_get(&st, fx.handle, fx.client), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_eq(v6n_node_status_state(st), V6N_NODE_RUNNING);
    cr_expect_str_eq(v6n_node_status_text(st), "running");
    cr_expect_str_eq(v6n_node_status_container_id(st), fx.cid);
    cr_expect_str_eq(v6n_node_status_image(st), STANDIN);
    cr_expect_neq(strlen(v6n_node_status_started_at(st)), 0);
    cr_expect_eq(v6n_node_status_drift_count(st), 0, "unexpected drift: %s",
                 v6n_node_status_drift(st, 0));
    v6n_node_status_free(st);
}

static bool drift_has(const v6n_node_status *st, const char *needle)
{
    for (size_t i = 0; i < v6n_node_status_drift_count(st); i++)
        if (strstr(v6n_node_status_drift(st, i), needle))
            return true;
    return false;
}

Test(lifecycle, drift_names_what_changed)
{
    nodefx_typical_config();
    nodefx_start_ok();
    /* change env values (one with a password), drop a variable, add a mount and a host */
    char csv[2048];
    snprintf(csv, sizeof(csv), "%s/data/other.csv", fx.dir);
    cr_assert_eq(write_text(csv, "id\n1\n"), 0);
    nodefx_write_config("server_url: https://v6.example.org\nport: 443\napi_path: /api\n"
                        "databases:\n"
                        "  - label: default\n    uri: data/other.csv\n    type: csv\n"
                        "  - label: registry\n    uri: postgresql://u:secret2@db2.example.org/r\n"
                        "    type: sql\n"
                        "encryption: {enabled: true}\n"
                        "node_extra_env: {SITE: test-site}\n"
                        "node_extra_mounts: ['/srv/v6ntest-extra:/mnt/extra:ro']\n"
                        "node_extra_hosts: {db.example.org: 127.0.0.1, new.example.org: "
                        "127.0.0.2}\n");
    fx.opts.image = NO_VNODE; /* a different image option */
    nodefx_build();
    v6n_node_status *st = NULL;
    cr_assert_eq(v6n_node_status_get(&st, fx.handle, fx.client), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect(drift_has(st, "image: the container runs " STANDIN), "no image drift");
    cr_expect(drift_has(st, "env LEVEL: set in the container, no longer in the config"));
    cr_expect(drift_has(st, "env REGISTRY_DATABASE_URI"));
    cr_expect(drift_has(st, "postgresql://u:***@db2.example.org/r"));
    cr_expect(drift_has(st, "bind /srv/v6ntest-extra:/mnt/extra:ro: added"));
    cr_expect(drift_has(st, "/mnt/default.csv: in the container, no longer"));
    cr_expect(drift_has(st, "extra host new.example.org:127.0.0.2: added"));
    for (size_t i = 0; i < v6n_node_status_drift_count(st); i++) {
        cr_expect_null(strstr(v6n_node_status_drift(st, i), "secret2"), "password shown: %s",
                       v6n_node_status_drift(st, i));
        cr_expect_null(strstr(v6n_node_status_drift(st, i), ":pw@"), "password shown: %s",
                       v6n_node_status_drift(st, i));
    }
    v6n_node_status_free(st);

    /* scope and keep change the command, labels and auto-remove */
    fx.opts.image = STANDIN;
    fx.opts.keep = 1;
    nodefx_build();
    cr_assert_eq(v6n_node_status_get(&st, fx.handle, fx.client), V6N_OK);
    cr_expect(drift_has(st, "auto-remove: the container has on, the options now give off"));
    v6n_node_status_free(st);
}

Test(lifecycle, status_of_a_stopped_node)
{
    nodefx_typical_config();
    fx.opts.keep = 1;
    nodefx_start_ok();
    run_result r = docker_cli("stop", "-t", "10", fx.container, NULL);
    cr_assert_eq(r.exit_code, 0);
    run_result_free(&r);
    v6n_node_status *st = NULL;
    cr_assert_eq(v6n_node_status_get(&st, fx.handle, fx.client), V6N_OK);
    cr_expect_eq(v6n_node_status_state(st), V6N_NODE_STOPPED);
    cr_expect_str_eq(v6n_node_status_text(st), "exited");
    cr_expect_eq(v6n_node_status_exit_code(st), 0, "vnode-local exits 0 on SIGTERM");
    cr_expect_neq(strlen(v6n_node_status_finished_at(st)), 0);
    v6n_node_status_free(st);
}

/* ---- list ------------------------------------------------------------------ */

#define LIST_NODES 20

Test(lifecycle, list_of_twenty_nodes_costs_one_request, .timeout = 300)
{
    /* 20 configs in the user folder; every second one started. Plus a node
     * container with no config here. */
    char names[LIST_NODES][80];
    const char *body = "api_key: k\ntask_dir: /t\nserver_url: http://x\nport: 1\napi_path: /a\n"
                       "databases: [{label: d, uri: 'postgresql://x/y', type: sql}]\n"
                       "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 99, "
                       "format: x, datefmt: y}\nencryption: {enabled: false}\n";
    for (int i = 0; i < LIST_NODES; i++) {
        snprintf(names[i], sizeof(names[i]), "%s-l%02d", fx.node, i);
        char path[2048];
        snprintf(path, sizeof(path), "%s/home/.config/vantage6/node/%s.yaml", fx.dir, names[i]);
        cr_assert_eq(write_text(path, body), 0);
    }
    char broken[2048];
    snprintf(broken, sizeof(broken), "%s/home/.config/vantage6/node/%s-broken.yaml", fx.dir,
             fx.node);
    cr_assert_eq(write_text(broken, "api_key: [\n"), 0);
    for (int i = 0; i < LIST_NODES; i += 2) {
        v6n_config *c = NULL;
        v6n_node_spec *s = NULL;
        char *id = NULL;
        cr_assert_eq(v6n_config_load_name(&c, names[i], V6N_SCOPE_USER, NULL), V6N_OK);
        cr_assert_eq(v6n_node_spec_build(&s, c, &fx.opts), V6N_OK);
        cr_assert_eq(v6n_spec_start(&id, fx.client, s, &fx.opts), V6N_OK, "%s",
                     v6n_error_last()->message);
        v6n_free(id);
        v6n_node_spec_free(s);
        v6n_config_free(c);
    }
    nodefx_typical_config(); /* the fixture's own node: its config lives elsewhere */
    nodefx_start_ok();

    v6n_node_list *list = NULL;
    cr_assert_eq(v6n_client_ping(fx.client), V6N_OK);
    unsigned long before = v6n_client_request_count(fx.client);
    int rc = v6n_node_list_get(&list, fx.client, NULL);
    unsigned long requests = v6n_client_request_count(fx.client) - before;

    /* clean up the 20 before asserting anything */
    for (int i = 0; i < LIST_NODES; i += 2)
        nodefx_stop_named(fx.client, names[i], NULL);
    cr_assert_eq(rc, V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(requests, 1, "list of %d nodes took %lu requests", LIST_NODES, requests);

    int found = 0, running = 0, absent = 0;
    bool saw_own = false, saw_broken = false;
    for (size_t i = 0; i < v6n_node_list_count(list); i++) {
        const char *name = v6n_node_list_name(list, i);
        if (strcmp(name, fx.node) == 0) {
            saw_own = true;
            cr_expect_null(v6n_node_list_config_path(list, i), "no config in the folders");
            cr_expect_eq(v6n_node_list_state(list, i), V6N_NODE_RUNNING);
            cr_expect_str_eq(v6n_node_list_container_id(list, i), fx.cid);
            cr_expect_str_eq(v6n_node_list_image(list, i), STANDIN);
            continue;
        }
        if (strstr(name, "-broken") && strncmp(name, fx.node, strlen(fx.node)) == 0) {
            saw_broken = true;
            cr_expect(strstr(v6n_node_list_config_error(list, i), "invalid YAML"), "%s",
                      v6n_node_list_config_error(list, i));
            continue;
        }
        for (int k = 0; k < LIST_NODES; k++) {
            if (strcmp(name, names[k]) != 0)
                continue;
            found++;
            cr_expect_eq(v6n_node_list_scope(list, i), V6N_SCOPE_USER);
            cr_expect_null(v6n_node_list_config_error(list, i));
            cr_expect(strstr(v6n_node_list_config_path(list, i), names[k]));
            if (k % 2 == 0) {
                running++;
                cr_expect_eq(v6n_node_list_state(list, i), V6N_NODE_RUNNING, "%s", name);
                cr_expect_neq(strlen(v6n_node_list_container_id(list, i)), 0);
            } else {
                absent++;
                cr_expect_eq(v6n_node_list_state(list, i), V6N_NODE_ABSENT, "%s", name);
            }
        }
    }
    cr_expect_eq(found, LIST_NODES);
    cr_expect_eq(running, LIST_NODES / 2);
    cr_expect_eq(absent, LIST_NODES / 2);
    cr_expect(saw_own, "a node container without a config is listed");
    cr_expect(saw_broken, "an invalid config is listed with its error");
    v6n_node_list_free(list);
}

/* ---- remove ---------------------------------------------------------------- */

Test(lifecycle, remove_refuses_a_running_node_then_removes_everything)
{
    nodefx_typical_config();
    fx.opts.keep = 1;
    nodefx_start_ok();
    seen s = {0};
    cr_expect_eq(nodefx_remove(record, &s), V6N_ECONFLICT);
    cr_expect(strstr(v6n_error_last()->message, "still running"));
    cr_expect(nodefx_container_exists(fx.container));

    run_result r = docker_cli("stop", "-t", "10", fx.container, NULL);
    run_result_free(&r);
    char config[2048];
    nodefx_config_path(config, sizeof(config));
    const char *data = v6n_node_spec_data_dir(fx.spec), *log = v6n_node_spec_log_dir(fx.spec);
    cr_assert(v6n_node_spec_data_dir(fx.spec) && access(data, F_OK) == 0);
    cr_assert_eq(nodefx_remove(record, &s), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect(!nodefx_container_exists(fx.container));
    cr_expect_eq(nodefx_volumes_present(), 0);
    cr_expect_neq(access(config, F_OK), 0, "the config is still there");
    cr_expect_neq(access(data, F_OK), 0, "the data folder is still there");
    cr_expect_neq(access(log, F_OK), 0, "the log folder is still there");
    cr_expect_eq(s.removed, 1);
    cr_expect_eq(s.volumes_removed, 4);
    cr_expect_eq(s.paths_removed, 3);
}

Test(lifecycle, remove_keeps_folders_that_are_not_the_nodes_own)
{
    char shared[2048], keep[2200];
    snprintf(shared, sizeof(shared), "%s/shared-data", fx.dir);
    snprintf(keep, sizeof(keep), "%s/precious.csv", shared);
    cr_assert_eq(write_text(keep, "do not delete\n"), 0);
    nodefx_write_config("server_url: http://x\nport: 1\napi_path: /a\n"
                        "databases: [{label: d, uri: 'postgresql://x/y', type: sql}]\n"
                        "encryption: {enabled: false}\n"
                        "directories: {data: %s}\n",
                        shared);
    nodefx_build();
    seen s = {0};
    cr_assert_eq(nodefx_remove(record, &s), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(access(keep, F_OK), 0, "a shared data folder was deleted");
    cr_expect_eq(s.warnings, 1);
    cr_expect(strstr(s.warning, shared), "%s", s.warning);
}

/* ---- clean ----------------------------------------------------------------- */

Test(lifecycle, clean_removes_only_this_nodes_unused_tmp_volumes)
{
    const char *suffixes[] = {"1-tmpvol", "2-tmpvol", "3-tmpvol"};
    for (int i = 0; i < 3; i++) {
        snprintf(fx.extra_volumes[i], sizeof(fx.extra_volumes[i]), "%s-%s", fx.container,
                 suffixes[i]);
        run_result r = docker_cli("volume", "create", fx.extra_volumes[i], NULL);
        cr_assert_eq(r.exit_code, 0);
        run_result_free(&r);
    }
    /* not a tmpvol of this node */
    snprintf(fx.extra_volumes[3], sizeof(fx.extra_volumes[3]), "%s-vol", fx.container);
    run_result r = docker_cli("volume", "create", fx.extra_volumes[3], NULL);
    run_result_free(&r);
    /* the third one is in use */
    snprintf(fx.extra_names[0], sizeof(fx.extra_names[0]), "%s-run-1", fx.container);
    char mount[400];
    snprintf(mount, sizeof(mount), "%s:/x", fx.extra_volumes[2]);
    r = docker_cli("run", "-d", "--name", fx.extra_names[0], "--network", "none", "-v", mount,
                   STANDIN, "sleep", "300", NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);

    size_t removed = 0;
    seen s = {0};
    cr_assert_eq(v6n_volumes_clean(&removed, fx.client, fx.node, V6N_SCOPE_USER,
                                   &(v6n_callbacks){.on_event = record, .payload = &s}),
                 V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(removed, 2);
    cr_expect(!nodefx_volume_exists(fx.extra_volumes[0]));
    cr_expect(!nodefx_volume_exists(fx.extra_volumes[1]));
    cr_expect(nodefx_volume_exists(fx.extra_volumes[2]), "a volume in use was removed");
    cr_expect(nodefx_volume_exists(fx.extra_volumes[3]), "a non-tmp volume was removed");
    cr_expect_eq(s.warnings, 1);
    /* another node's name does not reach this node's volumes */
    cr_expect_eq(v6n_volumes_clean(&removed, fx.client, "v6ntest-nobody", V6N_SCOPE_USER, NULL),
                 V6N_OK);
    cr_expect_eq(removed, 0);
}

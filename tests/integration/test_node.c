/* The node handle on the real engine: one handle for a node's whole life, its
 * start record (status and restart judge the node by how it was started), and
 * nodes whose config or files are gone (orphans). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node_fixture.h"

TestSuite(node, .init = nodefx_init, .fini = nodefx_fini, .timeout = 120);

/* A handle of the node opened by name, as a long-lived manager opens it:
 * without the options it was started with. */
static v6n_node *open_plain(void)
{
    v6n_node *n = NULL;
    char conf[2048];
    snprintf(conf, sizeof(conf), "%s/conf", fx.dir);
    v6n_start_options o = V6N_START_OPTIONS_INIT;
    o.config_dir = conf;
    cr_assert_eq(v6n_node_open(&n, fx.node, &o), V6N_OK, "%s", v6n_error_last()->message);
    return n;
}

static v6n_node_status *status_of(v6n_node *n)
{
    v6n_node_status *st = NULL;
    cr_assert_eq(v6n_node_status_get(&st, n, fx.client), V6N_OK, "%s", v6n_error_last()->message);
    return st;
}

static void expect_no_drift(const v6n_node_status *st)
{
    cr_expect_null(v6n_node_status_drift_error(st), "%s", v6n_node_status_drift_error(st));
    cr_expect_eq(v6n_node_status_drift_count(st), 0, "drift: %s",
                 v6n_node_status_drift_count(st) ? v6n_node_status_drift(st, 0) : "");
}

Test(node, a_node_started_with_options_shows_no_drift_without_them)
{
    nodefx_typical_config(); /* relative csv (working_dir), -i STANDIN, pull missing */
    fx.opts.keep = 1;
    nodefx_start_node_ok();
    v6n_node *plain = open_plain();
    cr_expect_null(v6n_node_options(plain)->image, "the handle itself has no image option");
    v6n_node_status *st = status_of(plain);
    cr_expect_eq(v6n_node_status_state(st), V6N_NODE_RUNNING);
    cr_expect_str_eq(v6n_node_status_image(st), STANDIN);
    expect_no_drift(st);
    /* the typed results: a created time, the labels, no finish time */
    cr_expect_not_null(v6n_node_status_created_at(st));
    cr_expect_not_null(v6n_node_status_started_at(st));
    cr_expect_null(v6n_node_status_finished_at(st), "a running node has not finished");
    bool has_type = false;
    for (size_t i = 0; i < v6n_node_status_label_count(st); i++)
        has_type = has_type || (strcmp(v6n_node_status_label_key(st, i), "vantage6-type") == 0 &&
                                strcmp(v6n_node_status_label_value(st, i), "node") == 0);
    cr_expect(has_type, "the vantage6-type=node label");
    cr_expect_eq(v6n_node_status_port_count(st), 0);
    v6n_node_status_free(st);
    v6n_node_free(plain);
}

Test(node, an_option_given_now_replaces_the_recorded_one)
{
    nodefx_typical_config();
    nodefx_start_node_ok();
    v6n_node *n = NULL;
    v6n_start_options o = V6N_START_OPTIONS_INIT;
    char conf[2048];
    snprintf(conf, sizeof(conf), "%s/conf", fx.dir);
    o.config_dir = conf;
    o.image = NO_VNODE;
    cr_assert_eq(v6n_node_open(&n, fx.node, &o), V6N_OK, "%s", v6n_error_last()->message);
    v6n_node_status *st = status_of(n);
    bool image_drift = false;
    for (size_t i = 0; i < v6n_node_status_drift_count(st); i++)
        image_drift = image_drift || strstr(v6n_node_status_drift(st, i), "image:");
    cr_expect(image_drift, "another image given now is drift");
    v6n_node_status_free(st);
    v6n_node_free(n);
}

Test(node, restart_keeps_the_image_it_was_started_with)
{
    nodefx_typical_config();
    nodefx_start_node_ok();
    v6n_node *plain = open_plain();
    char *id = NULL;
    cr_assert_eq(v6n_node_restart(&id, plain, fx.client, NULL), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_str_neq(id, fx.cid, "a new container");
    char *image = nodefx_inspect(NULL, fx.container, "{{.Config.Image}}");
    cr_expect_str_eq(image, STANDIN, "restart kept -i");
    free(image);
    /* the csv is found again: the recorded working folder still applies */
    char *binds = nodefx_inspect(NULL, fx.container, "{{json .HostConfig.Binds}}");
    cr_expect(binds && strstr(binds, "/data/cohort.csv:/mnt/default.csv"), "%s", binds);
    free(binds);
    v6n_free(id);
    v6n_node_free(plain);
}

Test(node, an_orphan_is_inspected_stopped_and_removed)
{
    nodefx_typical_config();
    nodefx_start_node_ok();
    char conf[2048];
    nodefx_config_path(conf, sizeof(conf));
    cr_assert_eq(unlink(conf), 0);
    /* found by its container, as a list shows it */
    v6n_node *orphan = NULL;
    cr_assert_eq(v6n_node_open_container(&orphan, fx.container, NULL), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_str_eq(v6n_node_name(orphan), fx.node);
    cr_expect_eq(v6n_node_scope(orphan), V6N_SCOPE_USER);
    cr_expect_null(v6n_node_config_path(orphan));
    v6n_node_status *st = status_of(orphan);
    cr_expect_eq(v6n_node_status_state(st), V6N_NODE_RUNNING);
    cr_expect_null(v6n_node_status_config(st));
    cr_expect(v6n_node_status_drift_error(st) &&
                  strstr(v6n_node_status_drift_error(st), "no config for node"),
              "%s", v6n_node_status_drift_error(st));
    v6n_node_status_free(st);
    v6n_node_spec *spec = NULL;
    cr_expect_eq(v6n_node_spec_get(&spec, orphan), V6N_ENOTFOUND);
    char *id = NULL;
    cr_expect_eq(v6n_node_start(&id, orphan, fx.client), V6N_ENOTFOUND);
    cr_expect_eq(v6n_node_stop(orphan, fx.client, NULL), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_not(nodefx_container_exists(fx.container));
    cr_expect_eq(nodefx_volumes_present(), 0);
    cr_expect_eq(v6n_node_remove(orphan, fx.client), V6N_OK, "%s", v6n_error_last()->message);
    char data[2048];
    snprintf(data, sizeof(data), "%s/home/.local/share/vantage6/node/%s", fx.dir, fx.node);
    cr_expect_neq(access(data, F_OK), 0, "the node's default data folder (and record) is gone");
    v6n_node_free(orphan);
}

Test(node, a_vanished_database_leaves_status_and_stop_working)
{
    nodefx_typical_config();
    fx.opts.keep = 1;
    nodefx_start_node_ok();
    char csv[2048];
    snprintf(csv, sizeof(csv), "%s/data/cohort.csv", fx.dir);
    cr_assert_eq(unlink(csv), 0);
    v6n_node *plain = open_plain();
    v6n_node_status *st = status_of(plain);
    cr_expect_eq(v6n_node_status_state(st), V6N_NODE_RUNNING);
    cr_expect(v6n_node_status_drift_error(st) &&
                  strstr(v6n_node_status_drift_error(st), "cohort.csv"),
              "%s", v6n_node_status_drift_error(st));
    v6n_node_status_free(st);
    /* another start: the node is running (said first, as v6 node start does),
     * and the message says why a start would fail anyway */
    char *id = NULL;
    cr_expect_eq(v6n_node_start(&id, plain, fx.client), V6N_ECONFLICT, "%s",
                 v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "already running") &&
                  strstr(v6n_error_last()->message, "cohort.csv"),
              "%s", v6n_error_last()->message);
    cr_expect_null(id);
    v6n_stop_options so = V6N_STOP_OPTIONS_INIT;
    so.timeout_ms = 2000;
    cr_expect_eq(v6n_node_stop(plain, fx.client, &so), V6N_OK, "%s", v6n_error_last()->message);
    /* stopped: the same start now fails on the database itself */
    cr_expect_neq(v6n_node_start(&id, plain, fx.client), V6N_OK);
    cr_expect_neq(v6n_error_last()->code, V6N_ECONFLICT, "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "cohort.csv"), "%s", v6n_error_last()->message);
    cr_expect_null(id);
    cr_expect_eq(v6n_node_remove(plain, fx.client), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_not(nodefx_container_exists(fx.container));
    cr_expect_eq(nodefx_volumes_present(), 0);
    v6n_node_free(plain);
}

Test(node, names_that_are_not_a_nodes_are_refused)
{
    v6n_node *n = NULL;
    cr_expect_eq(v6n_node_open(&n, "../x", NULL), V6N_EINVAL);
    cr_expect_eq(v6n_node_open(&n, "a b", NULL), V6N_EINVAL);
    cr_expect_eq(v6n_node_open_container(&n, "vantage6-x-global", NULL), V6N_EINVAL);
    cr_expect_eq(v6n_node_open_container(&n, "other-x-user", NULL), V6N_EINVAL);
    cr_expect_null(n);
    cr_assert_eq(v6n_node_open_container(&n, "vantage6-a-b-system", NULL), V6N_OK);
    cr_expect_str_eq(v6n_node_name(n), "a-b");
    cr_expect_eq(v6n_node_scope(n), V6N_SCOPE_SYSTEM);
    v6n_node_free(n);
}

/* ---- operations on a worker thread ------------------------------------------- */

Test(node, an_operation_queues_its_events_and_hands_back_the_result)
{
    nodefx_typical_config();
    nodefx_build();
    v6n_op *op = NULL;
    cr_assert_eq(v6n_op_begin(&op, V6N_OP_START, fx.handle, fx.client, NULL, NULL), V6N_OK);
    int volumes = 0, started = 0;
    bool first_is_image = false, any = false;
    while (!v6n_op_done(op)) {
        v6n_op_item *it = v6n_op_next(op, 200);
        if (!it)
            continue;
        if (!any)
            first_is_image = v6n_op_item_kind(it) == V6N_EVENT_IMAGE &&
                             strcmp(v6n_op_item_image(it), STANDIN) == 0;
        any = true;
        volumes += v6n_op_item_kind(it) == V6N_EVENT_VOLUME;
        started += v6n_op_item_kind(it) == V6N_EVENT_STARTED;
        cr_expect_not(v6n_op_item_is_log(it));
        v6n_op_item_free(it);
    }
    cr_assert_eq(v6n_op_finish(&fx.cid, op), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_not_null(fx.cid);
    cr_expect(first_is_image, "the first event names the image");
    cr_expect_eq(volumes, 4);
    cr_expect_eq(started, 1);

    /* a followed log stream, stopped by the caller, ends normally */
    v6n_logs_options lo = V6N_LOGS_OPTIONS_INIT;
    lo.follow = 1;
    cr_assert_eq(v6n_op_begin(&op, V6N_OP_LOGS, fx.handle, fx.client, NULL, &lo), V6N_OK);
    bool saw_contract = false;
    for (int i = 0; i < 100 && !saw_contract; i++) {
        v6n_op_item *it = v6n_op_next(op, 100);
        if (it && v6n_op_item_is_log(it) && strstr(v6n_op_item_data(it), "contract holds"))
            saw_contract = true;
        v6n_op_item_free(it);
    }
    cr_expect(saw_contract, "the stand-in's output came through the queue");
    v6n_op_cancel(op);
    cr_expect_eq(v6n_op_finish(NULL, op), V6N_OK, "%s", v6n_error_last()->message);
}

Test(node, an_operations_error_reaches_the_calling_thread)
{
    v6n_node *ghost = NULL;
    cr_assert_eq(v6n_node_open(&ghost, "v6ntest-nowhere", NULL), V6N_OK);
    v6n_op *op = NULL;
    cr_assert_eq(v6n_op_begin(&op, V6N_OP_START, ghost, fx.client, NULL, NULL), V6N_OK);
    v6n_error_clear();
    char *id = NULL;
    cr_expect_eq(v6n_op_finish(&id, op), V6N_ENOTFOUND);
    cr_expect_null(id);
    cr_expect_eq(v6n_error_last()->code, V6N_ENOTFOUND);
    cr_expect(strstr(v6n_error_last()->message, "v6ntest-nowhere"), "%s",
              v6n_error_last()->message);
    v6n_node_free(ghost);
}

/* A node opened before its config exists (a Node Manager's "new node" page
 * opens it, then writes the config) finds the config at its next use. */
Test(node, a_config_made_after_the_open_is_found)
{
    char conf[2048];
    snprintf(conf, sizeof(conf), "%s/conf", fx.dir); /* where the fixture writes configs */
    cr_assert_eq(v6n_start_options_set(&fx.opts, "config_dir", conf), V6N_OK);
    v6n_node *n = NULL;
    cr_assert_eq(v6n_node_open(&n, fx.node, &fx.opts), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_null(v6n_node_config_path(n));
    v6n_node_spec *spec = NULL;
    cr_expect_eq(v6n_node_spec_get(&spec, n), V6N_ENOTFOUND);
    nodefx_typical_config();
    cr_assert_eq(v6n_node_spec_get(&spec, n), V6N_OK, "%s", v6n_error_last()->message);
    char want[2048];
    nodefx_config_path(want, sizeof(want));
    cr_expect_str_eq(v6n_node_config_path(n), want);
    v6n_node_spec_free(spec);
    v6n_node_status *st = status_of(n);
    cr_expect_str_eq(v6n_node_status_config(st), want);
    v6n_node_status_free(st);
    v6n_node_free(n);
}

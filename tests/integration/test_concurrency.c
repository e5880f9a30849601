/* Threads: 16 threads starting the same node at once (exactly one succeeds,
 * the others get a conflict, nothing crashes, one container and its four
 * volumes are left), and 16 threads starting 16 different nodes (all succeed,
 * and the engine shows all 16 running, each with its four volumes).
 * Each thread has its own client, as the header's thread-safety rules ask. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node_fixture.h"

#define THREADS 16

TestSuite(concurrency, .init = nodefx_init, .fini = nodefx_fini, .timeout = 300);

typedef struct job {
    const char *config_path;
    pthread_barrier_t *go;
    int rc;
    char message[512];
    char id[80];
} job;

static void *start_node(void *arg)
{
    job *j = arg;
    v6n_client *client = NULL;
    v6n_config *cfg = NULL;
    v6n_node_spec *spec = NULL;
    char *id = NULL;
    v6n_start_options o = fx.opts;
    j->rc = v6n_client_new(&client, NULL);
    if (!j->rc)
        j->rc = v6n_config_load(&cfg, j->config_path);
    if (!j->rc)
        j->rc = v6n_node_spec_build(&spec, cfg, &o);
    pthread_barrier_wait(j->go); /* every thread starts its start at once */
    if (!j->rc)
        j->rc = v6n_spec_start(&id, client, spec, &o);
    snprintf(j->message, sizeof(j->message), "%s", j->rc ? v6n_error_last()->message : "");
    snprintf(j->id, sizeof(j->id), "%s", id ? id : "");
    v6n_free(id);
    v6n_node_spec_free(spec);
    v6n_config_free(cfg);
    v6n_client_free(client);
    return NULL;
}

static void run_all(job *jobs)
{
    pthread_t threads[THREADS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        jobs[i].go = &go;
        cr_assert_eq(pthread_create(&threads[i], NULL, start_node, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&go);
}

Test(concurrency, sixteen_starts_of_one_node_make_one_node)
{
    nodefx_typical_config();
    char path[2048];
    nodefx_config_path(path, sizeof(path));
    job jobs[THREADS];
    memset(jobs, 0, sizeof(jobs));
    for (int i = 0; i < THREADS; i++)
        jobs[i].config_path = path;
    run_all(jobs);

    int ok = 0, conflicts = 0;
    const char *winner = NULL;
    for (int i = 0; i < THREADS; i++) {
        if (jobs[i].rc == V6N_OK) {
            ok++;
            winner = jobs[i].id;
        } else if (jobs[i].rc == V6N_ECONFLICT) {
            conflicts++;
        } else {
            cr_log_error("thread %d: %s: %s", i, v6n_error_code_name(jobs[i].rc), jobs[i].message);
        }
    }
    cr_expect_eq(ok, 1, "%d threads succeeded", ok);
    cr_expect_eq(conflicts, THREADS - 1, "%d conflicts", conflicts);
    char *state = nodefx_inspect(NULL, fx.container, "{{.State.Running}} {{.Id}}");
    char expected[128];
    snprintf(expected, sizeof(expected), "true %s", winner ? winner : "?");
    cr_expect_str_eq(state, expected, "the winner's container is not the one running");
    free(state);
    cr_expect_eq(nodefx_volumes_present(), 4, "the losers removed the winner's volumes");
    char *logs = nodefx_wait_for_log(fx.container, "contract", 10);
    cr_expect(logs && strstr(logs, "contract holds"), "%s", logs ? logs : "(no log)");
    free(logs);
}

Test(concurrency, sixteen_different_nodes_all_start)
{
    char names[THREADS][96], paths[THREADS][2048];
    job jobs[THREADS];
    memset(jobs, 0, sizeof(jobs));
    const char *body = "api_key: k\ntask_dir: /t\nserver_url: http://x\nport: 1\napi_path: /a\n"
                       "databases: [{label: d, uri: 'postgresql://x/y', type: sql}]\n"
                       "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 99, "
                       "format: x, datefmt: y}\nencryption: {enabled: false}\n";
    for (int i = 0; i < THREADS; i++) {
        snprintf(names[i], sizeof(names[i]), "%s-t%02d", fx.node, i);
        snprintf(paths[i], sizeof(paths[i]), "%s/conf/%s.yaml", fx.dir, names[i]);
        cr_assert_eq(write_text(paths[i], body), 0);
        jobs[i].config_path = paths[i];
    }
    run_all(jobs);
    int ok = 0, running = 0, with_volumes = 0;
    for (int i = 0; i < THREADS; i++) {
        if (jobs[i].rc == V6N_OK)
            ok++;
        else
            cr_log_error("node %s: %s", names[i], jobs[i].message);
        /* the engine's own view: each node's container runs, as the id its
         * start returned, with its four volumes */
        char container[256];
        snprintf(container, sizeof(container), "vantage6-%.200s-user", names[i]);
        char *state = nodefx_inspect(NULL, container, "{{.State.Running}} {{.Id}}");
        char expected[128];
        snprintf(expected, sizeof(expected), "true %s", jobs[i].id);
        if (state && strcmp(state, expected) == 0)
            running++;
        else
            cr_log_error("node %s: the engine says '%s', expected '%s'", names[i],
                         state ? state : "no container", expected);
        free(state);
        int vols = 0;
        static const char *const suffixes[] = {"vol", "vpn-vol", "ssh-vol", "squid-vol"};
        for (int v = 0; v < 4; v++) {
            char volume[300];
            snprintf(volume, sizeof(volume), "%.250s-%s", container, suffixes[v]);
            vols += nodefx_volume_exists(volume);
        }
        with_volumes += vols == 4;
    }
    /* clean up before asserting: stop removes a running node's container and
     * volumes; remove deletes whatever is left (a container that never ran) */
    for (int i = 0; i < THREADS; i++) {
        nodefx_stop_named(fx.client, names[i], NULL);
        v6n_node *n = NULL;
        if (v6n_node_open_config(&n, paths[i], NULL) == V6N_OK)
            v6n_node_remove(n, fx.client);
        v6n_node_free(n);
        v6n_error_clear();
    }
    cr_expect_eq(ok, THREADS, "%d of %d nodes started", ok, THREADS);
    cr_expect_eq(running, THREADS, "%d of %d containers run as started", running, THREADS);
    cr_expect_eq(with_volumes, THREADS, "%d of %d nodes have their four volumes", with_volumes,
                 THREADS);
}

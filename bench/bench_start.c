/* Start latency on the real engine, side by side, interleaved round by round
 * (in a new random order every round, the same sequence of orders on every
 * run: no contender always follows the same other one); a fresh node each time (first start: its
 * four volumes are created), cleaned up by exact name outside the timed part.
 *
 *   floor       a bare libcurl client, one kept-alive connection, replaying the
 *               engine requests libv6node sends, URLs and bodies precomputed;
 *               reads nothing of the answers but the status and the new Id
 *   libv6node   v6n_spec_start on a client kept between rounds (spec built before)
 *   docker-py   the docker-py calls of `v6 node start`, timed inside a persistent
 *               Python process (dockerpy_bench.py worker), same create body
 *
 * Usage: bench_start [ROUNDS]   (default 30) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_engine.h"

enum { FLOOR, OURS, DOCKERPY, N_CONTENDERS };
static const char *const NAMES[N_CONTENDERS] = {"floor (bare libcurl)", "libv6node v6n_spec_start",
                                                "docker-py (v6 node start calls)"};

typedef struct result {
    bn_samples wall, cpu, requests;
} result;

static result res[N_CONTENDERS];
static bn_samples *floor_steps; /* per step of the floor script */
static bn_script floor_labels;  /* the labels of those steps */

static bn_curl *floor_client;
static v6n_client *client;
static bn_py py;
static int body_checked;

static void run_one(int which, bool record)
{
    bn_node n;
    bn_node_make(&n);
    double wall = 0, cpu = 0, requests = 0;
    if (which == FLOOR) {
        bn_script s;
        bn_script_for(&s, n.spec, v6n_client_api_version(client));
        double *steps = bn_alloc(s.n * sizeof(double));
        char id[65];
        double t0 = bn_now_ns(), c0 = bn_cpu_ns();
        int rc = bn_floor_run(floor_client, &s, id, steps);
        cpu = bn_cpu_ns() - c0;
        wall = bn_now_ns() - t0;
        if (rc != 0)
            bn_die("the floor failed on node %s", n.name);
        requests = (double)bn_script_requests(&s);
        if (which == FLOOR && record) {
            if (!floor_steps) {
                floor_steps = bn_alloc(s.n * sizeof(*floor_steps));
                floor_labels = s;
                memset(&s, 0, sizeof(s));
            }
            for (size_t i = 0; i < floor_labels.n; i++)
                bn_add(&floor_steps[i], steps[i]);
        }
        free(steps);
        bn_script_free(&s);
    } else if (which == OURS) {
        char *id = NULL;
        unsigned long before = v6n_client_request_count(client);
        double t0 = bn_now_ns(), c0 = bn_cpu_ns();
        int rc = v6n_spec_start(&id, client, n.spec, &bn_opts);
        cpu = bn_cpu_ns() - c0;
        wall = bn_now_ns() - t0;
        if (rc != V6N_OK)
            bn_die("v6n_spec_start %s: %s", n.name, v6n_error_last()->message);
        requests = (double)(v6n_client_request_count(client) - before);
        v6n_free(id);
    } else {
        char *args = bn_args_json(n.spec);
        char *line = bn_fmt("{\"op\":\"start\",\"args\":%s}", args);
        yajl_val v = bn_py_call(&py, line);
        wall = bn_json_num(v, "ns");
        cpu = bn_json_num(v, "cpu_ns");
        requests = bn_json_num(v, "requests");
        const char *sp[] = {"same_body", NULL};
        if (!YAJL_IS_TRUE(yajl_tree_get(v, sp, yajl_t_any)))
            bn_die("docker-py sent another create body than libv6node for %s", n.name);
        body_checked++;
        yajl_tree_free(v);
        free(line);
        free(args);
    }
    if (record) {
        bn_add(&res[which].wall, wall);
        bn_add(&res[which].cpu, cpu);
        bn_add(&res[which].requests, requests);
    }
    bn_node_cleanup(&n, true);
    bn_node_free(&n);
    usleep(20000); /* let the engine finish the removal's background work */
}

int main(int argc, char **argv)
{
    size_t rounds = argc > 1 ? (size_t)atol(argv[1]) : 30;
    if (rounds < 3)
        rounds = 3;
    setvbuf(stdout, NULL, _IOLBF, 0);
    bn_env_init();
    floor_client = bn_curl_new(NULL);
    if (v6n_client_new(&client, NULL) || v6n_client_ping(client))
        bn_die("engine: %s", v6n_error_last()->message);
    bn_py_start(&py);

    printf("\n## Start latency (fresh node each round, first start: volumes created)\n\n");
    bn_print_machine(floor_client);
    printf("image %s, pull policy missing (present: never pulled); %zu rounds, contenders "
           "interleaved, in a new random order each round; clean-up (container + 4 volumes by "
           "exact name) outside "
           "the timed part\n\n",
           BN_STANDIN, rounds);

    for (int i = 0; i < N_CONTENDERS; i++) /* warm-up, and the body check */
        run_one(i, false);
    unsigned long long seed = 20261127;
    for (size_t r = 0; r < rounds && !bn_interrupted(); r++) {
        int order[N_CONTENDERS];
        bn_shuffle(order, N_CONTENDERS, &seed);
        for (int k = 0; k < N_CONTENDERS; k++)
            run_one(order[k], true);
        if (isatty(STDERR_FILENO))
            fprintf(stderr, "\rbench_start: round %zu/%zu", r + 1, rounds);
    }
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\n");
    if (bn_interrupted())
        return 130;

    double floor_med = bn_q(&res[FLOOR].wall, 0.5);
    printf("| contender | engine requests | median ms | p10 ms | p90 ms | x floor | client CPU "
           "ms (median) |\n|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < N_CONTENDERS; i++) {
        result *x = &res[i];
        double rq_lo = bn_q(&x->requests, 0), rq_hi = bn_q(&x->requests, 1);
        char rq[32];
        if (rq_lo == rq_hi)
            snprintf(rq, sizeof(rq), "%.0f", rq_lo);
        else
            snprintf(rq, sizeof(rq), "%.0f-%.0f", rq_lo, rq_hi);
        printf("| %s | %s | %.2f | %.2f | %.2f | %.3f | %.3f |\n", NAMES[i], rq,
               bn_q(&x->wall, 0.5) / 1e6, bn_q(&x->wall, 0.1) / 1e6, bn_q(&x->wall, 0.9) / 1e6,
               bn_q(&x->wall, 0.5) / floor_med, bn_q(&x->cpu, 0.5) / 1e6);
    }
    /* paired: the same round's floor and libv6node ran back to back */
    bn_samples diff = {0};
    for (size_t r = 0; r < res[OURS].wall.n && r < res[FLOOR].wall.n; r++)
        bn_add(&diff, res[OURS].wall.v[r] - res[FLOOR].wall.v[r]);
    printf("\nlibv6node - floor, paired by round: median %+.2f ms (p10 %+.2f, p90 %+.2f); "
           "client CPU difference %+.3f ms\n",
           bn_q(&diff, 0.5) / 1e6, bn_q(&diff, 0.1) / 1e6, bn_q(&diff, 0.9) / 1e6,
           (bn_q(&res[OURS].cpu, 0.5) - bn_q(&res[FLOOR].cpu, 0.5)) / 1e6);
    printf("docker-py's create body equals libv6node's (same JSON, keys in the same order): "
           "checked on %d starts\n",
           body_checked);
    printf("the floor opened %lu connection(s) for its %lu requests\n",
           bn_curl_connects(floor_client), bn_curl_requests(floor_client));

    printf("\nWhere the floor's time goes (median per step):\n\n| step | request | median ms "
           "|\n|---|---|---|\n");
    for (size_t i = 0; i < floor_labels.n; i++) {
        const bn_step *st = &floor_labels.steps[i];
        char req[160];
        if (st->kind == BN_MKDIR)
            snprintf(req, sizeof(req), "(mkdir -p, no request)");
        else {
            const char *q = strchr(st->path, '?');
            int len = q ? (int)(q - st->path) : (int)strlen(st->path);
            const char *v = strchr(st->path + 1, '/');
            snprintf(req, sizeof(req), "%s %.*s%s", st->method, len - (int)(v - st->path), v,
                     q ? "?..." : "");
            /* shorten the node-specific names */
            char *node = strstr(req, "vantage6-v6nbench-");
            if (node) {
                char *end = node + strcspn(node, "/?");
                memmove(node + 6, end, strlen(end) + 1);
                memcpy(node, "{name}", 6);
            }
        }
        printf("| %s | %s | %.3f |\n", st->label, req, bn_q(&floor_steps[i], 0.5) / 1e6);
    }

    /* The verdict uses the paired difference: the container start alone
     * varies by +-15 ms from round to round, so a ratio of two medians moves
     * by a few percent between runs; the difference within a round does
     * not. */
    double ratio = 1.0 + bn_q(&diff, 0.5) / floor_med;
    printf("\nTARGET libv6node within 5%% of the floor: %.3f x (floor median + median paired "
           "difference; ratio of the medians %.3f) -> %s%s\n",
           ratio, bn_q(&res[OURS].wall, 0.5) / floor_med, ratio <= 1.05 ? "holds" : "DOES NOT HOLD",
           rounds < 30 ? " (but with fewer than 30 rounds the engine's noise decides: run the "
                         "full benchmark to judge)"
                       : "");
    printf("docker-py: %.3f x the floor, %.3f x libv6node\n",
           bn_q(&res[DOCKERPY].wall, 0.5) / floor_med,
           bn_q(&res[DOCKERPY].wall, 0.5) / bn_q(&res[OURS].wall, 0.5));

    bn_py_stop(&py);
    v6n_client_free(client);
    bn_curl_free(floor_client);
    return 0;
}

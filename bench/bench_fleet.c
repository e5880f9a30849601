/* Fleets of nodes on the real engine.
 *
 * Status of 1, 10 and 50 running nodes (their configs in the user config
 * folder), interleaved round by round (a new random order each round):
 *   list        v6n_node_list_get: the configs + ONE GET /containers/json
 *   list floor  that one request with a bare libcurl client, parsed with yajl
 *   C inspect   a bare libcurl loop of GET /containers/<name>/json per node,
 *               State.Status read with yajl (one request per node)
 *   docker-py   containers.get(name) per node, what the seed's Node Manager did
 *
 * Starting 20 nodes one after the other (one client) and with 4 threads (one
 * client per thread, taking the next node from a shared counter): the time
 * until 1, 5, 10, 15 and 20 nodes run, and each start's latency.
 *
 * Usage: bench_fleet [ROUNDS [FLEET_RUNS]]   (default 30 and 3) */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_engine.h"

#define MAX_NODES 50
#define FLEET     20
#define THREADS   4

static char api[16];

/* ---- status -------------------------------------------------------------------- */

enum { LIST, LIST_FLOOR, INSPECT, DOCKERPY, N_STATUS };
static const char *const STATUS_NAMES[N_STATUS] = {
    "libv6node v6n_node_list_get", "floor: the list's one request (bare libcurl + yajl)",
    "C loop: GET /containers/{name}/json per node", "docker-py containers.get per node"};

typedef struct status_result {
    bn_samples wall, requests;
} status_result;

static size_t foreign_seen;

static int status_list(v6n_client *client, bn_node *nodes, size_t n)
{
    v6n_node_list *l = NULL;
    if (v6n_node_list_get(&l, client, NULL))
        bn_die("list: %s", v6n_error_last()->message);
    int running = 0;
    size_t ours = 0;
    for (size_t i = 0; i < v6n_node_list_count(l); i++) {
        const char *name = v6n_node_list_name(l, i);
        bool mine = false;
        if (!name)
            continue;
        for (size_t k = 0; k < n && !mine; k++)
            mine = strcmp(name, nodes[k].name) == 0;
        if (mine) {
            ours++;
            running += v6n_node_list_state(l, i) == V6N_NODE_RUNNING;
        }
    }
    foreign_seen = v6n_node_list_count(l) - ours;
    v6n_node_list_free(l);
    return running;
}

/* The list's request alone: GET /containers/json?all=1&filters={"label":
 * ["vantage6-type=node"]}, parsed with yajl, our nodes' states counted. */
static int status_list_floor(bn_curl *c, bn_node *nodes, size_t n)
{
    char path[256];
    snprintf(path, sizeof(path),
             "/v%s/containers/json?all=1&filters=%%7B%%22label%%22%%3A%%5B%%22vantage6-type%%3Dnode"
             "%%22%%5D%%7D",
             api);
    long st = bn_curl_do(c, "GET", path, NULL, 0);
    if (st != 200)
        bn_die("list: HTTP %ld", st);
    yajl_val v = yajl_tree_parse(bn_curl_body(c, NULL), NULL, 0);
    int running = 0;
    for (size_t i = 0; v && YAJL_IS_ARRAY(v) && i < v->u.array.len; i++) {
        yajl_val e = v->u.array.values[i];
        const char *np[] = {"Names", NULL}, *sp[] = {"State", NULL};
        yajl_val names = yajl_tree_get(e, np, yajl_t_array);
        yajl_val state = yajl_tree_get(e, sp, yajl_t_string);
        if (!names || names->u.array.len == 0 || !state)
            continue;
        const char *name = YAJL_GET_STRING(names->u.array.values[0]);
        const char *s = YAJL_GET_STRING(state);
        if (!name || !s || strcmp(s, "running") != 0)
            continue;
        for (size_t k = 0; k < n; k++)
            if (strcmp(name + 1, nodes[k].container) == 0)
                running++;
    }
    yajl_tree_free(v);
    return running;
}

static int status_inspect(bn_curl *c, bn_node *nodes, size_t n)
{
    int running = 0;
    for (size_t i = 0; i < n; i++) {
        char path[256];
        snprintf(path, sizeof(path), "/v%s/containers/%s/json", api, nodes[i].container);
        long st = bn_curl_do(c, "GET", path, NULL, 0);
        if (st != 200)
            bn_die("inspect %s: HTTP %ld", nodes[i].container, st);
        yajl_val v = yajl_tree_parse(bn_curl_body(c, NULL), NULL, 0);
        const char *sp[] = {"State", "Status", NULL};
        yajl_val s = yajl_tree_get(v, sp, yajl_t_string);
        const char *state = s ? YAJL_GET_STRING(s) : NULL;
        running += state && strcmp(state, "running") == 0;
        yajl_tree_free(v);
    }
    return running;
}

static void bench_status(v6n_client *setup, bn_curl *c, bn_py *py, size_t rounds)
{
    static const size_t sizes[] = {1, 10, 50};
    bn_node nodes[MAX_NODES];
    size_t have = 0;
    v6n_client *client = NULL;
    if (v6n_client_new(&client, NULL) || v6n_client_ping(client))
        bn_die("engine: %s", v6n_error_last()->message);

    printf("| nodes | contender | engine requests | median ms | p10 ms | p90 ms | x list "
           "|\n|---|---|---|---|---|---|---|\n");
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]) && !bn_interrupted(); si++) {
        size_t n = sizes[si];
        for (; have < n && !bn_interrupted(); have++) { /* more running nodes (untimed) */
            bn_node_make(&nodes[have]);
            char *id = NULL;
            if (v6n_spec_start(&id, setup, nodes[have].spec, &bn_opts))
                bn_die("start %s: %s", nodes[have].name, v6n_error_last()->message);
            v6n_free(id);
        }
        if (bn_interrupted())
            break;
        /* the docker-py request, built once */
        size_t cap = 64 + n * 100;
        char *line = bn_alloc(cap);
        size_t off = (size_t)snprintf(line, cap, "{\"op\":\"status\",\"names\":[");
        for (size_t i = 0; i < n; i++)
            off += (size_t)snprintf(line + off, cap - off, "%s\"%s\"", i ? "," : "",
                                    nodes[i].container);
        snprintf(line + off, cap - off, "]}");

        unsigned long long seed = 20261127;
        status_result res[N_STATUS];
        memset(res, 0, sizeof(res));
        for (size_t r = 0; r < rounds + 1 && !bn_interrupted(); r++) { /* round 0: warm-up */
            int order[N_STATUS];
            bn_shuffle(order, N_STATUS, &seed);
            for (int k = 0; k < N_STATUS; k++) {
                int which = order[k];
                double wall = 0, requests = 0;
                int running = 0;
                if (which == LIST) {
                    unsigned long before = v6n_client_request_count(client);
                    double t0 = bn_now_ns();
                    running = status_list(client, nodes, n);
                    wall = bn_now_ns() - t0;
                    requests = (double)(v6n_client_request_count(client) - before);
                } else if (which == LIST_FLOOR) {
                    unsigned long before = bn_curl_requests(c);
                    double t0 = bn_now_ns();
                    running = status_list_floor(c, nodes, n);
                    wall = bn_now_ns() - t0;
                    requests = (double)(bn_curl_requests(c) - before);
                } else if (which == INSPECT) {
                    unsigned long before = bn_curl_requests(c);
                    double t0 = bn_now_ns();
                    running = status_inspect(c, nodes, n);
                    wall = bn_now_ns() - t0;
                    requests = (double)(bn_curl_requests(c) - before);
                } else {
                    yajl_val v = bn_py_call(py, line);
                    wall = bn_json_num(v, "ns");
                    requests = bn_json_num(v, "requests");
                    running = (int)bn_json_num(v, "running");
                    yajl_tree_free(v);
                }
                if ((size_t)running != n)
                    bn_die("%s saw %d of %zu nodes running", STATUS_NAMES[which], running, n);
                if (r > 0) {
                    bn_add(&res[which].wall, wall);
                    bn_add(&res[which].requests, requests);
                }
            }
        }
        free(line);
        double base = bn_q(&res[LIST].wall, 0.5);
        for (int i = 0; i < N_STATUS; i++)
            printf("| %zu | %s | %.0f | %.3f | %.3f | %.3f | %.2f |\n", n, STATUS_NAMES[i],
                   bn_q(&res[i].requests, 0.5), bn_q(&res[i].wall, 0.5) / 1e6,
                   bn_q(&res[i].wall, 0.1) / 1e6, bn_q(&res[i].wall, 0.9) / 1e6,
                   bn_q(&res[i].wall, 0.5) / base);
        for (int i = 0; i < N_STATUS; i++) {
            bn_samples_free(&res[i].wall);
            bn_samples_free(&res[i].requests);
        }
    }
    printf("\n(the list also returned %zu node container(s) of other users of this engine; each "
           "list call loads the %zu configs)\n",
           foreign_seen, have);
    for (size_t i = 0; i < have; i++) {
        bn_node_cleanup(&nodes[i], true);
        bn_node_free(&nodes[i]);
    }
    v6n_client_free(client);
}

/* ---- fleet start ----------------------------------------------------------------- */

typedef struct fleet {
    bn_node nodes[FLEET];
    double done_at[FLEET]; /* completion, since t0 */
    double latency[FLEET]; /* each start's own time */
    atomic_int next;
    double t0;
} fleet;

typedef struct worker {
    fleet *f;
    v6n_client *client;
} worker;

static void start_node(fleet *f, v6n_client *client, int i)
{
    char *id = NULL;
    double t0 = bn_now_ns();
    if (v6n_spec_start(&id, client, f->nodes[i].spec, &bn_opts))
        bn_die("start %s: %s", f->nodes[i].name, v6n_error_last()->message);
    double t1 = bn_now_ns();
    f->latency[i] = t1 - t0;
    f->done_at[i] = t1 - f->t0;
    v6n_free(id);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    int i;
    while ((i = atomic_fetch_add(&w->f->next, 1)) < FLEET)
        start_node(w->f, w->client, i);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct fleet_result {
    bn_samples to_k[5];     /* time until 1, 5, 10, 15, 20 nodes run */
    bn_samples first, last; /* latency of the first 5 and the last 5 starts */
    bn_samples lat;         /* every start's latency */
    bn_samples host_busy;   /* the machine's CPU use during the run, 0..1 */
    bn_samples own_cpu;     /* this process's CPU time during the run */
    unsigned long requests;
    int runs;
} fleet_result;

static const int KS[5] = {1, 5, 10, 15, 20};

/* Busy and total jiffies of the whole machine (/proc/stat). */
static void host_cpu(double *busy, double *total)
{
    unsigned long long v[10] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                     &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) < 8)
        bn_die("cannot read /proc/stat");
    fclose(f);
    *total = 0;
    for (int i = 0; i < 8; i++) /* guest time is already in user */
        *total += (double)v[i];
    *busy = *total - (double)v[3] - (double)v[4]; /* minus idle and iowait */
}

static double process_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void run_fleet(int threads, fleet_result *res)
{
    fleet *f = bn_alloc(sizeof(*f));
    for (int i = 0; i < FLEET; i++)
        bn_node_make(&f->nodes[i]);
    v6n_client *clients[THREADS] = {0};
    for (int t = 0; t < threads; t++)
        if (v6n_client_new(&clients[t], NULL) || v6n_client_ping(clients[t]))
            bn_die("engine: %s", v6n_error_last()->message);
    unsigned long before = 0;
    for (int t = 0; t < threads; t++)
        before += v6n_client_request_count(clients[t]);
    atomic_init(&f->next, 0);
    double busy0, total0, busy1, total1;
    host_cpu(&busy0, &total0);
    double own0 = process_cpu_ns();
    f->t0 = bn_now_ns();
    if (threads == 1) {
        for (int i = 0; i < FLEET; i++)
            start_node(f, clients[0], i);
    } else {
        pthread_t th[THREADS];
        worker w[THREADS];
        for (int t = 0; t < threads; t++) {
            w[t] = (worker){f, clients[t]};
            if (pthread_create(&th[t], NULL, worker_main, &w[t]) != 0)
                bn_die("pthread_create");
        }
        for (int t = 0; t < threads; t++)
            pthread_join(th[t], NULL);
    }
    double own1 = process_cpu_ns();
    host_cpu(&busy1, &total1);
    bn_add(&res->host_busy, (busy1 - busy0) / (total1 - total0));
    bn_add(&res->own_cpu, own1 - own0);
    unsigned long after = 0;
    for (int t = 0; t < threads; t++) {
        after += v6n_client_request_count(clients[t]);
        v6n_client_free(clients[t]);
    }
    res->requests = after - before;
    res->runs++;
    double done[FLEET];
    memcpy(done, f->done_at, sizeof(done));
    qsort(done, FLEET, sizeof(double), cmp_double);
    for (int k = 0; k < 5; k++)
        bn_add(&res->to_k[k], done[KS[k] - 1]);
    for (int i = 0; i < FLEET; i++) {
        bn_add(&res->lat, f->latency[i]);
        if (i < 5)
            bn_add(&res->first, f->latency[i]);
        if (i >= FLEET - 5)
            bn_add(&res->last, f->latency[i]);
    }
    for (int i = 0; i < FLEET; i++) {
        bn_node_cleanup(&f->nodes[i], true);
        bn_node_free(&f->nodes[i]);
    }
    free(f);
}

static void bench_fleet_start(int runs)
{
    fleet_result res[2];
    memset(res, 0, sizeof(res));
    const int modes[2] = {1, THREADS};
    for (int r = 0; r < runs && !bn_interrupted(); r++)
        for (int k = 0; k < 2 && !bn_interrupted(); k++) {
            int m = (r + k) % 2;
            run_fleet(modes[m], &res[m]);
            if (isatty(STDERR_FILENO))
                fprintf(stderr, "\rbench_fleet: fleet run %d/%d", r * 2 + k + 1, runs * 2);
        }
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\n");
    if (bn_interrupted())
        return;
    printf("| mode | engine requests | 1 node ms | 5 nodes ms | 10 nodes ms | 15 nodes ms | 20 "
           "nodes ms | nodes/s | start latency ms: median (p10-p90) | first 5 / last 5 | machine "
           "CPU busy | our CPU ms |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int m = 0; m < 2; m++) {
        fleet_result *x = &res[m];
        printf("| %s | %lu | ",
               m == 0 ? "one after the other (1 client)" : "4 threads (a client each)",
               x->requests);
        for (int k = 0; k < 5; k++)
            printf("%.0f | ", bn_q(&x->to_k[k], 0.5) / 1e6);
        printf("%.1f | %.1f (%.1f-%.1f) | %.1f / %.1f | %.0f%% | %.1f |\n",
               FLEET / (bn_q(&x->to_k[4], 0.5) / 1e9), bn_q(&x->lat, 0.5) / 1e6,
               bn_q(&x->lat, 0.1) / 1e6, bn_q(&x->lat, 0.9) / 1e6, bn_q(&x->first, 0.5) / 1e6,
               bn_q(&x->last, 0.5) / 1e6, bn_q(&x->host_busy, 0.5) * 100,
               bn_q(&x->own_cpu, 0.5) / 1e6);
    }
    double seq = bn_q(&res[0].to_k[4], 0.5), par = bn_q(&res[1].to_k[4], 0.5);
    printf("\n20 nodes: %.2f s one after the other, %.2f s with 4 threads (%.2f x faster); "
           "medians of %d runs each. Marginal cost per node (one after the other, nodes 10->20): "
           "%.0f ms\n",
           seq / 1e9, par / 1e9, seq / par, res[0].runs,
           (bn_q(&res[0].to_k[4], 0.5) - bn_q(&res[0].to_k[2], 0.5)) / 10 / 1e6);
}

int main(int argc, char **argv)
{
    size_t rounds = argc > 1 ? (size_t)atol(argv[1]) : 30;
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    if (rounds < 3)
        rounds = 3;
    if (runs < 1)
        runs = 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    bn_env_init();
    bn_curl *c = bn_curl_new(NULL);
    v6n_client *setup = NULL;
    if (v6n_client_new(&setup, NULL) || v6n_client_ping(setup))
        bn_die("engine: %s", v6n_error_last()->message);
    snprintf(api, sizeof(api), "%s", v6n_client_api_version(setup));
    bn_py py;
    bn_py_start(&py);

    printf("\n## Fleet: status of N running nodes\n\n");
    bn_print_machine(c);
    printf("%zu rounds per size, contenders interleaved in a new random order each round\n\n",
           rounds);
    bench_status(setup, c, &py, rounds);
    bn_py_stop(&py);
    if (bn_interrupted())
        return 130;

    printf("\n## Fleet: starting %d nodes\n\n%d runs per mode, modes alternating; fresh nodes "
           "each run; clients connected (API negotiated) before the clock starts\n\n",
           FLEET, runs);
    bench_fleet_start(runs);
    v6n_client_free(setup);
    bn_curl_free(c);
    return bn_interrupted() ? 130 : 0;
}

/* The whole command as a process, start-up included, interleaved round by
 * round (a new random order each round), a fresh node each time, with each child's peak
 * memory (ru_maxrss from wait4):
 *
 *   v6node      `v6node start -c CONFIG -i STANDIN --pull missing`: reads the
 *               YAML, builds the spec, negotiates the API version, starts
 *   docker-py   `python3 dockerpy_bench.py start ARGS`: the docker-py calls of
 *               `v6 node start` (two from_env clients, as vantage6 makes), with
 *               the arguments ready-made (no YAML read, no spec built)
 *   floor       `bench_floor_cmd SCRIPT`: the bare libcurl client replaying
 *               libv6node's requests (no API negotiation, no spec)
 *   raw socket  `bench_rawsock_cmd SCRIPT`: the same requests on a plain unix
 *               socket, no HTTP library: a process without libcurl's load
 *
 * Engine requests of v6node and docker-py are counted once through a counting
 * proxy (DOCKER_HOST pointed at it); the floors count their own.
 *
 * Usage: bench_command [ROUNDS]   (default 15) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_engine.h"

enum { V6NODE, DOCKERPY, FLOOR, RAWSOCK, N_CONTENDERS };
static const char *const NAMES[N_CONTENDERS] = {
    "`v6node start`", "docker-py `v6 node start` calls (python3)", "floor process (bare libcurl)",
    "raw-socket process (libc only)"};

static bn_samples wall[N_CONTENDERS], cpu[N_CONTENDERS], rss[N_CONTENDERS];
static unsigned long requests[N_CONTENDERS];
static char api[16];

static unsigned long requests_printed(const char *out)
{
    const char *r = strstr(out, "requests ");
    return r ? strtoul(r + 9, NULL, 10) : 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        bn_die("cannot write %s", path);
}

/* Run contender `which` on a fresh node; through `proxy_host` (DOCKER_HOST
 * value) when not NULL. */
static void run_one(int which, bool record, const char *proxy_host, bn_proxy *proxy)
{
    bn_node n;
    bn_node_make(&n);
    char *file = NULL;
    char *argv[12] = {0};
    if (which == V6NODE) {
        argv[0] = bn.v6node;
        argv[1] = "start";
        argv[2] = "-c";
        argv[3] = n.config_path;
        argv[4] = "-i";
        argv[5] = BN_STANDIN;
        argv[6] = "--pull";
        argv[7] = "missing";
    } else if (which == DOCKERPY) {
        file = bn_fmt("%s/%s.args.json", bn.dir, n.name);
        char *args = bn_args_json(n.spec);
        write_text(file, args);
        free(args);
        argv[0] = bn.python;
        argv[1] = bn.pyscript;
        argv[2] = "start";
        argv[3] = file;
    } else {
        file = bn_fmt("%s/%s.script", bn.dir, n.name);
        bn_script s;
        bn_script_for(&s, n.spec, api);
        if (bn_script_save(&s, file) != 0)
            bn_die("cannot write %s", file);
        bn_script_free(&s);
        argv[0] = which == FLOOR ? bn_fmt("%s/bench_floor_cmd", bn.bindir)
                                 : bn_fmt("%s/bench_rawsock_cmd", bn.bindir);
        argv[1] = file;
    }
    char *env_host = proxy_host ? bn_fmt("DOCKER_HOST=%s", proxy_host) : NULL;
    char *env[] = {env_host, NULL};
    unsigned long before = proxy ? bn_proxy_count(proxy) : 0;
    bn_proc p;
    bn_run(&p, argv, proxy_host ? env : NULL);
    if (p.exit_code != 0)
        bn_die("%s failed (exit %d) on node %s:\n%s%s", NAMES[which], p.exit_code, n.name, p.out,
               p.err);
    if (proxy && (which == V6NODE || which == DOCKERPY))
        requests[which] = bn_proxy_count(proxy) - before;
    else if (which == FLOOR || which == RAWSOCK)
        requests[which] = requests_printed(p.out);
    if (record) {
        bn_add(&wall[which], p.wall_ns);
        bn_add(&cpu[which], p.cpu_ns);
        bn_add(&rss[which], (double)p.maxrss_kib);
    }
    if (which == FLOOR || which == RAWSOCK)
        free(argv[0]);
    free(env_host);
    if (file) {
        unlink(file);
        free(file);
    }
    bn_node_cleanup(&n, true);
    bn_node_free(&n);
    usleep(20000);
}

int main(int argc, char **argv)
{
    size_t rounds = argc > 1 ? (size_t)atol(argv[1]) : 15;
    if (rounds < 3)
        rounds = 3;
    setvbuf(stdout, NULL, _IOLBF, 0);
    bn_env_init();
    bn_curl *c = bn_curl_new(NULL);
    v6n_client *client = NULL;
    if (v6n_client_new(&client, NULL) || v6n_client_ping(client))
        bn_die("engine: %s", v6n_error_last()->message);
    snprintf(api, sizeof(api), "%s", v6n_client_api_version(client));
    v6n_client_free(client);

    printf("\n## The whole command as a process (start-up included)\n\n");
    bn_print_machine(c);
    printf("python: %s; %zu rounds, contenders interleaved in a new random order each round; a "
           "fresh node each "
           "time\n\n",
           bn.python, rounds);

    /* warm-up, and the request counts through the proxy */
    char *sock = bn_fmt("%s/count.sock", bn.dir);
    char *host = bn_fmt("unix://%s", sock);
    bn_proxy *proxy = bn_proxy_start(sock);
    for (int i = 0; i < N_CONTENDERS; i++)
        run_one(i, false, i == V6NODE || i == DOCKERPY ? host : NULL, proxy);
    bn_proxy_stop(proxy);

    unsigned long long seed = 20261127;
    for (size_t r = 0; r < rounds && !bn_interrupted(); r++) {
        int order[N_CONTENDERS];
        bn_shuffle(order, N_CONTENDERS, &seed);
        for (int k = 0; k < N_CONTENDERS; k++)
            run_one(order[k], true, NULL, NULL);
        if (isatty(STDERR_FILENO))
            fprintf(stderr, "\rbench_command: round %zu/%zu", r + 1, rounds);
    }
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\n");
    if (bn_interrupted())
        return 130;

    double ours = bn_q(&wall[V6NODE], 0.5);
    printf("| command | engine requests | median ms | p10 ms | p90 ms | x v6node | CPU ms "
           "(median) | peak RSS MiB (median) | max |\n|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < N_CONTENDERS; i++)
        printf("| %s | %lu | %.1f | %.1f | %.1f | %.2f | %.1f | %.2f | %.2f |\n", NAMES[i],
               requests[i], bn_q(&wall[i], 0.5) / 1e6, bn_q(&wall[i], 0.1) / 1e6,
               bn_q(&wall[i], 0.9) / 1e6, bn_q(&wall[i], 0.5) / ours, bn_q(&cpu[i], 0.5) / 1e6,
               bn_q(&rss[i], 0.5) / 1024, bn_q(&rss[i], 1) / 1024);

    /* where the CLI's time and memory go: processes that stop at earlier points */
    char *truth[] = {"/bin/true", NULL};
    char *help[] = {bn.v6node, "--help", NULL};
    char *py_bare[] = {bn.python, "-c", "pass", NULL};
    char *py_docker[] = {bn.python, "-c", "import docker", NULL};
    struct {
        const char *what;
        char **argv;
    } refs[] = {
        {"/bin/true (a process at all)", truth},
        {"`v6node --help` (libv6node + libcurl and its libraries loaded, nothing run)", help},
        {"python3 -c pass", py_bare},
        {"python3 -c 'import docker'", py_docker},
    };
    printf("\nReference processes (5 runs each, medians):\n\n| process | ms | CPU ms | peak RSS "
           "MiB |\n|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        bn_samples t = {0}, u = {0}, m = {0};
        for (int k = 0; k < 5; k++) {
            bn_proc p;
            bn_run(&p, refs[i].argv, NULL);
            bn_add(&t, p.wall_ns);
            bn_add(&u, p.cpu_ns);
            bn_add(&m, (double)p.maxrss_kib);
        }
        printf("| %s | %.1f | %.1f | %.2f |\n", refs[i].what, bn_q(&t, 0.5) / 1e6,
               bn_q(&u, 0.5) / 1e6, bn_q(&m, 0.5) / 1024);
        bn_samples_free(&t);
        bn_samples_free(&u);
        bn_samples_free(&m);
    }

    /* and inside the CLI: the resident memory per library */
    char *map_argv[] = {NULL, "14", NULL};
    map_argv[0] = bn_fmt("%s/bench_rss_map", bn.bindir);
    bn_proc map;
    bn_run(&map, map_argv, NULL);
    if (map.exit_code != 0)
        bn_die("bench_rss_map failed: %s", map.err);
    printf("\nResident memory per mapping of a process linked like v6node (bench_rss_map, "
           "/proc/self/smaps), at main, after v6n_client_new (libcurl's global init) and after "
           "one request:\n\n%s",
           map.out);
    free(map_argv[0]);

    double peak = bn_q(&rss[V6NODE], 1) / 1024;
    printf("\nTARGET `v6node start` under 8 MiB peak RSS: %.2f MiB (max of %zu runs) -> %s\n", peak,
           wall[V6NODE].n, peak < 8 ? "holds" : "DOES NOT HOLD");
    printf("docker-py process: %.2f x v6node's time, %.1f x its peak RSS\n",
           bn_q(&wall[DOCKERPY], 0.5) / ours, bn_q(&rss[DOCKERPY], 0.5) / bn_q(&rss[V6NODE], 0.5));
    bn_curl_free(c);
    free(sock);
    free(host);
    return 0;
}

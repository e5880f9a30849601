/* Spec benchmark: load + validate + build + render a node config, beside two
 * baselines measured in the same run, interleaved round by round:
 *   read     open/read/close of the config file (the I/O floor)
 *   libyaml  read + libyaml's event parser over the text, nothing built
 *   spec     v6n_config_load + v6n_node_spec_build + v6n_node_spec_create_json
 * for the bundled demo config ("typical") and a generated large one
 * (20 databases, 50 extra env variables, 20 extra mounts).
 *
 * Usage: bench_spec [ROUNDS]   (default 3000) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "v6node.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    struct stat st;
    fstat(fd, &st);
    char *buf = malloc((size_t)st.st_size + 1);
    ssize_t n = read(fd, buf, (size_t)st.st_size);
    close(fd);
    *len = n > 0 ? (size_t)n : 0;
    buf[*len] = '\0';
    return buf;
}

static int run_read(const char *path)
{
    size_t len;
    char *t = slurp(path, &len);
    int ok = t != NULL;
    free(t);
    return ok ? 0 : -1;
}

static int run_libyaml(const char *path)
{
    size_t len;
    char *t = slurp(path, &len);
    if (!t)
        return -1;
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)t, len);
    int rc = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = -1;
            break;
        }
        int done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (done)
            break;
    }
    yaml_parser_delete(&p);
    free(t);
    return rc;
}

static const char *g_workdir;

static int run_spec(const char *path)
{
    v6n_config *c = NULL;
    v6n_node_spec *s = NULL;
    char *json = NULL;
    v6n_start_options o = V6N_START_OPTIONS_INIT;
    o.working_dir = g_workdir;
    int rc = v6n_config_load(&c, path);
    if (!rc)
        rc = v6n_node_spec_build(&s, c, &o);
    if (!rc)
        rc = v6n_node_spec_create_json(&json, s);
    v6n_free(json);
    v6n_node_spec_free(s);
    v6n_config_free(c);
    return rc;
}

typedef struct contender {
    const char *name;
    int (*run)(const char *path);
    double *samples;
} contender;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return v[(size_t)(q * (double)(n - 1))];
}

static double bench(const char *label, const char *path, size_t rounds)
{
    contender cs[] = {{"read (baseline)", run_read, NULL},
                      {"libyaml events", run_libyaml, NULL},
                      {"v6node spec", run_spec, NULL}};
    size_t n = sizeof(cs) / sizeof(cs[0]);
    for (size_t i = 0; i < n; i++) {
        cs[i].samples = calloc(rounds, sizeof(double));
        if (cs[i].run(path) != 0) { /* warm-up, and a correctness check */
            fprintf(stderr, "bench: %s failed on %s: %s\n", cs[i].name, path,
                    v6n_error_last()->message);
            exit(1);
        }
    }
    for (size_t r = 0; r < rounds; r++) {
        for (size_t k = 0; k < n; k++) {
            size_t i = (r + k) % n; /* rotate the order every round */
            double t0 = now_ns();
            cs[i].run(path);
            cs[i].samples[r] = now_ns() - t0;
        }
    }
    double base = quantile(cs[0].samples, rounds, 0.5);
    double spec_median = quantile(cs[n - 1].samples, rounds, 0.5);
    printf("\n%s config (%s), %zu rounds, interleaved:\n", label, path, rounds);
    printf("  %-18s %12s %12s %10s\n", "contender", "median us", "p90 us", "x read");
    for (size_t i = 0; i < n; i++) {
        double med = quantile(cs[i].samples, rounds, 0.5);
        double p90 = quantile(cs[i].samples, rounds, 0.9);
        printf("  %-18s %12.1f %12.1f %10.1f\n", cs[i].name, med / 1e3, p90 / 1e3, med / base);
        free(cs[i].samples);
    }
    return spec_median;
}

/* A large config: 20 databases (10 csv files that exist, 10 sql), 50 extra env
 * variables and 20 extra mounts. Returns its path in `dir`. */
static char *write_large(const char *dir)
{
    char *path;
    if (asprintf(&path, "%s/large.yaml", dir) < 0)
        return NULL;
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fprintf(f, "api_key: k\nserver_url: https://v6.example.org\nport: 443\napi_path: /api\n"
               "task_dir: /tmp/t\nencryption: {enabled: false}\n"
               "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, "
               "format: '%%(message)s', datefmt: '%%H:%%M'}\ndatabases:\n");
    for (int i = 0; i < 20; i++) {
        if (i % 2 == 0) {
            char *csv;
            if (asprintf(&csv, "%s/db%d.csv", dir, i) < 0)
                return NULL;
            FILE *d = fopen(csv, "w");
            if (d) {
                fputs("id\n1\n", d);
                fclose(d);
            }
            free(csv);
            fprintf(f, "  - {label: db%d, uri: db%d.csv, type: csv}\n", i, i);
        } else {
            fprintf(f, "  - {label: db%d, uri: 'postgresql://u:p@db%d/x', type: sql}\n", i, i);
        }
    }
    fprintf(f, "node_extra_env:\n");
    for (int i = 0; i < 50; i++)
        fprintf(f, "  VAR_%d: value-%d\n", i, i);
    fprintf(f, "node_extra_mounts:\n");
    for (int i = 0; i < 20; i++)
        fprintf(f, "  - /srv/share/m%d:/mnt/extra/m%d:ro\n", i, i);
    fclose(f);
    return path;
}

int main(int argc, char **argv)
{
    size_t rounds = argc > 1 ? (size_t)atol(argv[1]) : 3000;
    if (rounds < 10)
        rounds = 10;
    char tmpl[] = "/tmp/v6n-bench-XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!dir) {
        perror("mkdtemp");
        return 1;
    }
    setenv("HOME", dir, 1);
    printf("libv6node %s spec benchmark\n", v6n_version());

    g_workdir = V6N_DEMO_DIR;
    double typical = bench("typical", V6N_DEMO_DIR "/demo.yaml", rounds);

    char *large = write_large(dir);
    if (!large) {
        perror("writing the large config");
        return 1;
    }
    g_workdir = dir;
    bench("large", large, rounds);
    printf("\nTARGET typical config under 50 us: %.1f us -> %s\n", typical / 1e3,
           typical < 50e3 ? "holds" : "DOES NOT HOLD");

    char *cmd;
    if (asprintf(&cmd, "rm -rf '%s'", dir) > 0 && system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
    free(cmd);
    free(large);
    return 0;
}

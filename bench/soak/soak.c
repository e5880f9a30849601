/* The soak in C: one process, shaped like a Node Manager, runs CYCLES cycles
 * of start -> status -> logs -> list -> stop on one node through the public
 * API (node handle and engine client kept for the whole run), and checks that
 * it does not grow: the open file descriptors after cycle 10 and after the
 * last cycle must be the same, and RSS may grow by at most 2 MiB (not checked
 * with --no-rss, for runs under valgrind, whose leak check is the measure
 * there). The logs step reads the logs until the node says it is up, as a
 * node page polls. At the end nothing of the node is left on the engine.
 *
 *   soak [--cycles N] [--image IMAGE] [--no-rss]
 *
 * The engine is the one DOCKER_HOST names (default socket); IMAGE (default the
 * tests' stand-in, 127.0.0.1:5999/v6node-test/node:standin) must be there: it
 * is never pulled. bench/soak/run.sh builds and runs it. Exit status 0 when
 * every check holds, 1 otherwise. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "v6node.h"

#define STANDIN        "127.0.0.1:5999/v6node-test/node:standin"
#define RSS_LIMIT_KIB  2048
#define FIRST_MEASURED 10

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static int fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the one opendir holds */
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int rc = fputs(text, f) < 0 ? -1 : 0;
    return fclose(f) || rc ? -1 : 0;
}

static int fail(const char *step, int cycle)
{
    fprintf(stderr, "soak: cycle %d: %s: %s (%s)\n", cycle, step, v6n_error_last()->message,
            v6n_error_code_name(v6n_error_last()->code));
    return 1;
}

/* What the logs step looks for: the stand-in's line once the in-container
 * checks are done and it handles SIGTERM (a stop before that waits for the
 * engine's kill). */
#define READY "contract holds"

typedef struct logs_seen {
    size_t bytes;
    int ready;
    char tail[64]; /* the last bytes, for a READY split across chunks */
} logs_seen;

static int on_log(const char *data, size_t len, int stream, void *payload)
{
    (void)stream;
    logs_seen *seen = payload;
    seen->bytes += len;
    const size_t want = strlen(READY);
    if (memmem(data, len, READY, want))
        seen->ready = 1;
    /* across the chunk boundary: the previous chunk's end + this one's start */
    char edge[2 * sizeof(seen->tail)];
    size_t keep = strlen(seen->tail), head = len < sizeof(seen->tail) ? len : sizeof(seen->tail);
    memcpy(edge, seen->tail, keep);
    memcpy(edge + keep, data, head);
    if (memmem(edge, keep + head, READY, want))
        seen->ready = 1;
    /* remember this chunk's end (no NULs in the stand-in's text output) */
    size_t n = len < sizeof(seen->tail) - 1 ? len : sizeof(seen->tail) - 1;
    memcpy(seen->tail, data + len - n, n);
    seen->tail[n] = '\0';
    return 0;
}

/* One cycle; 0 or 1 (the message printed). */
static int cycle(v6n_node *node, v6n_client *engine, int i)
{
    char *id = NULL;
    if (v6n_node_start(&id, node, engine) != V6N_OK)
        return fail("start", i);
    v6n_free(id);

    v6n_node_status *st = NULL;
    if (v6n_node_status_get(&st, node, engine) != V6N_OK)
        return fail("status", i);
    v6n_node_state state = v6n_node_status_state(st);
    v6n_node_status_free(st);
    if (state != V6N_NODE_RUNNING) {
        fprintf(stderr, "soak: cycle %d: the node is not running after its start\n", i);
        return 1;
    }

    /* the logs, read again until the node says it is up (as a node page polls) */
    logs_seen seen = {0};
    v6n_logs_options lo = V6N_LOGS_OPTIONS_INIT;
    lo.tail = 50;
    lo.callbacks.on_log = on_log;
    lo.callbacks.payload = &seen;
    for (int tries = 0; !seen.ready; tries++) {
        if (tries == 200) {
            fprintf(stderr, "soak: cycle %d: the node never said '%s'\n", i, READY);
            return 1;
        }
        if (tries)
            usleep(50 * 1000);
        memset(&seen, 0, sizeof(seen));
        if (v6n_node_logs(node, engine, &lo) != V6N_OK)
            return fail("logs", i);
    }

    v6n_node_list *list = NULL;
    if (v6n_node_list_get(&list, engine, NULL) != V6N_OK)
        return fail("list", i);
    int listed = 0;
    for (size_t k = 0; k < v6n_node_list_count(list); k++)
        listed |= strcmp(v6n_node_list_name(list, k), v6n_node_name(node)) == 0;
    v6n_node_list_free(list);
    if (!listed) {
        fprintf(stderr, "soak: cycle %d: list does not show the node\n", i);
        return 1;
    }

    v6n_stop_options so = V6N_STOP_OPTIONS_INIT;
    so.timeout_ms = 5000;
    if (v6n_node_stop(node, engine, &so) != V6N_OK)
        return fail("stop", i);
    return 0;
}

int main(int argc, char **argv)
{
    int cycles = 300;
    const char *image = STANDIN;
    int check_rss = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cycles") == 0 && i + 1 < argc)
            cycles = atoi(argv[++i]);
        else if (strcmp(argv[i], "--image") == 0 && i + 1 < argc)
            image = argv[++i];
        else if (strcmp(argv[i], "--no-rss") == 0)
            check_rss = 0;
        else {
            fprintf(stderr, "usage: soak [--cycles N] [--image IMAGE] [--no-rss]\n");
            return 2;
        }
    }
    if (cycles < FIRST_MEASURED + 1) {
        fprintf(stderr, "soak: at least %d cycles\n", FIRST_MEASURED + 1);
        return 2;
    }

    /* a HOME of its own: the config, the data and log folders, the record */
    char dir[] = "/tmp/v6ntest-soak-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("soak: mkdtemp");
        return 1;
    }
    char name[64], path[512], text[1024];
    snprintf(name, sizeof(name), "v6ntest-soak-%d", (int)getpid());
    setenv("HOME", dir, 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_DATA_HOME");
    snprintf(path, sizeof(path), "%s/cohort.csv", dir);
    int status = write_file(path, "id,age\n1,40\n");
    snprintf(text, sizeof(text),
             "api_key: soak\nserver_url: http://127.0.0.1\nport: 9\napi_path: /api\n"
             "task_dir: %s/tasks\n"
             "databases:\n  - label: default\n    uri: %s/cohort.csv\n    type: csv\n"
             "encryption: {enabled: false}\n"
             "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, "
             "format: '%%(message)s', datefmt: '%%H:%%M:%%S'}\n",
             dir, dir);
    snprintf(path, sizeof(path), "%s/%s.yaml", dir, name);
    status |= write_file(path, text);
    if (status) {
        fprintf(stderr, "soak: cannot write the config in %s\n", dir);
        return 1;
    }

    v6n_start_options opts = V6N_START_OPTIONS_INIT;
    v6n_node *node = NULL;
    v6n_client *engine = NULL;
    if (v6n_start_options_set(&opts, "image", image) ||
        v6n_start_options_set(&opts, "pull", "never") || v6n_node_open_config(&node, path, &opts) ||
        v6n_client_from_env(&engine)) {
        fprintf(stderr, "soak: %s\n", v6n_error_last()->message);
        v6n_node_free(node);
        v6n_start_options_dispose(&opts);
        return 1;
    }
    v6n_start_options_dispose(&opts); /* the node keeps its own copy */

    long rss_first = 0;
    int fd_first = 0;
    double t0 = now(), t_first = 0;
    for (int i = 1; i <= cycles && !status; i++) {
        status = cycle(node, engine, i);
        if (i == FIRST_MEASURED) {
            rss_first = rss_kib();
            fd_first = fd_count();
            t_first = now();
        }
    }
    double t_end = now();
    long rss_last = rss_kib();
    int fd_last = fd_count();

    /* nothing of the node is left: its container and its four volumes */
    v6n_node_status *st = NULL;
    if (v6n_node_status_get(&st, node, engine) == V6N_OK) {
        if (v6n_node_status_state(st) != V6N_NODE_ABSENT || v6n_node_status_volume_count(st) != 0) {
            fprintf(stderr, "soak: left on the engine: container %s, %zu volumes\n",
                    v6n_node_status_state(st) == V6N_NODE_ABSENT ? "gone" : "still there",
                    v6n_node_status_volume_count(st));
            status = 1;
        }
        v6n_node_status_free(st);
    } else {
        fprintf(stderr, "soak: final status: %s\n", v6n_error_last()->message);
        status = 1;
    }
    if (status) /* whatever the failed cycle left */
        v6n_node_remove(node, engine);

    int done = status ? 0 : cycles;
    if (done) {
        printf("soak (C): %d cycles of start, status, logs, list, stop on %s\n", cycles, image);
        printf("  RSS after cycle %d: %ld KiB, after cycle %d: %ld KiB (%+ld KiB)\n",
               FIRST_MEASURED, rss_first, cycles, rss_last, rss_last - rss_first);
        printf("  open fds after cycle %d: %d, after cycle %d: %d (%+d)\n", FIRST_MEASURED,
               fd_first, cycles, fd_last, fd_last - fd_first);
        printf("  %.3f s per cycle (cycles %d..%d), %.1f s in all\n",
               (t_end - t_first) / (cycles - FIRST_MEASURED), FIRST_MEASURED + 1, cycles,
               t_end - t0);
        if (fd_last != fd_first) {
            fprintf(stderr, "soak: FAIL: the open fds grew by %d\n", fd_last - fd_first);
            status = 1;
        }
        if (check_rss && rss_last - rss_first > RSS_LIMIT_KIB) {
            fprintf(stderr, "soak: FAIL: RSS grew by %ld KiB (limit %d)\n", rss_last - rss_first,
                    RSS_LIMIT_KIB);
            status = 1;
        }
    }
    v6n_node_remove(node, engine); /* the data folder and record in our HOME */
    v6n_node_free(node);
    v6n_client_free(engine);
    char rm[600];
    snprintf(rm, sizeof(rm), "rm -rf -- '%s'", dir);
    if (system(rm) != 0)
        fprintf(stderr, "soak: could not remove %s\n", dir);
    printf("soak (C): %s\n", status ? "FAIL" : "ok");
    return status ? 1 : 0;
}

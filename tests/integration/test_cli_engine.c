/* The v6node tool itself against a real Docker engine: every command run as a
 * subprocess with a controlled environment (HOME, XDG_CONFIG_DIRS and
 * XDG_DATA_DIRS in a temp dir, DOCKER_HOST when needed), checking exit
 * statuses, stdout and stderr, and what the engine holds afterwards.
 *
 * Two suites:
 *  - cli_engine: on the SHARED engine. Node names are "v6ntest-<pid>-<time>-<tag>";
 *    every container and volume a test makes is removed by exact name in .fini,
 *    and `list` is only asked about this test's own names.
 *  - private_engine: each test gets a throw-away second dockerd
 *    (tests/integration/private-engine.sh) for the broad operations: `stop
 *    --all`, `restart --all`, `clean` without -n, `list` expecting an exact set.
 *    .fini stops it (also after a failure); a POST_ALL hook stops any a crashed
 *    or timed-out test left behind (their folders carry the runner's pid).
 *
 * Images: only the stand-in images under 127.0.0.1:5999/ with --pull never, so
 * the engine never asks a registry for anything. System-scope nodes live under
 * the temp dir (XDG_CONFIG_DIRS/XDG_DATA_DIRS), never under /etc or /usr/local. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "support.h"

#define STANDIN  "127.0.0.1:5999/v6node-test/node:standin"
#define NO_VNODE "127.0.0.1:5999/v6node-test/node:no-vnode"
#define ABSENT   "127.0.0.1:5999/v6node-test/absent:1"
#define RUN_ENV  "V6NTEST_CLI_ENGINE_RUN" /* the runner's pid, for the POST_ALL hook */
#define CONTRACT "vnode-local: contract holds"

static const char *const VOLUME_SUFFIXES[] = {"vol", "vpn-vol", "ssh-vol", "squid-vol"};

/* ---- per-test state -------------------------------------------------------- */

#define MAX_TRACKED 16

static char *dir;        /* HOME (dir/home), system folders (dir/sysconf, dir/sysdata), data */
static char *engine_dir; /* the private engine's folder, or NULL on the shared engine */
static char docker_host[1200]; /* "unix://..." of the private engine, or "" */
static char prefix[64];        /* "v6ntest-<pid>-<time>": this test's names start so */

/* what the test made on the shared engine, removed by exact name in .fini */
static char node_names[MAX_TRACKED][128];
static bool node_system[MAX_TRACKED];
static size_t n_nodes;
static char extra_containers[MAX_TRACKED][160];
static size_t n_containers;
static char extra_volumes[MAX_TRACKED][200];
static size_t n_volumes;
static pid_t background[4];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void quiet_docker(const char *a, const char *b, const char *c, const char *d)
{
    run_result r = docker_cli(a, b, c, d, NULL);
    run_result_free(&r);
}

static void common_init(void)
{
    /* a folder whose path says "xdg" would send system configs to /etc/vantage6 */
    for (int i = 0; i < 5; i++) {
        dir = make_temp_dir("cli");
        cr_assert_not_null(dir);
        if (!strstr(dir, "xdg"))
            break;
        remove_tree(dir);
        free(dir);
        dir = NULL;
    }
    cr_assert_not_null(dir);
    n_nodes = n_containers = n_volumes = 0;
    memset(background, 0, sizeof(background));
    docker_host[0] = '\0';
    engine_dir = NULL;
    snprintf(prefix, sizeof(prefix), "v6ntest-%d-%ld", (int)getpid(), (long)time(NULL) % 100000);
}

static void kill_background(void)
{
    for (size_t i = 0; i < 4; i++) {
        if (background[i] > 0) {
            kill(background[i], SIGKILL);
            waitpid(background[i], NULL, 0);
            background[i] = 0;
        }
    }
}

static void common_fini(void)
{
    kill_background();
    remove_tree(dir);
    free(dir);
    dir = NULL;
}

static void shared_init(void)
{
    common_init();
}

static void shared_fini(void)
{
    kill_background();
    for (size_t i = 0; i < n_nodes; i++) {
        char container[200];
        snprintf(container, sizeof(container), "vantage6-%s-%s", node_names[i],
                 node_system[i] ? "system" : "user");
        quiet_docker("rm", "-f", container, NULL);
        for (size_t k = 0; k < 4; k++) {
            char vol[260];
            snprintf(vol, sizeof(vol), "%s-%s", container, VOLUME_SUFFIXES[k]);
            quiet_docker("volume", "rm", vol, NULL);
        }
    }
    for (size_t i = 0; i < n_containers; i++)
        quiet_docker("rm", "-f", extra_containers[i], NULL);
    for (size_t i = 0; i < n_volumes; i++)
        quiet_docker("volume", "rm", extra_volumes[i], NULL);
    common_fini();
}

TestSuite(cli_engine, .init = shared_init, .fini = shared_fini, .timeout = 120);

/* ---- the private engine ----------------------------------------------------- */

static void engine_script(run_result *r, const char *action, const char *folder)
{
    char script[1024];
    snprintf(script, sizeof(script), "%s/tests/integration/private-engine.sh", V6N_SOURCE_DIR);
    char *argv[] = {"/bin/bash", script, (char *)action, (char *)folder, NULL};
    extern char **environ;
    cr_assert_eq(run_program(r, argv, environ, NULL, 120.0), 0);
}

static void private_init(void)
{
    common_init();
    char tag[64];
    const char *run = getenv(RUN_ENV);
    snprintf(tag, sizeof(tag), "eng-%s", run ? run : "0");
    engine_dir = make_temp_dir(tag);
    cr_assert_not_null(engine_dir);
    run_result r;
    engine_script(&r, "start", engine_dir);
    char expected[1300];
    snprintf(expected, sizeof(expected), "DOCKER_HOST=unix://%s/docker.sock\n", engine_dir);
    cr_assert_eq(r.exit_code, 0, "the private engine did not start: %s", r.err);
    cr_assert_str_eq(r.out, expected);
    run_result_free(&r);
    snprintf(docker_host, sizeof(docker_host), "unix://%s/docker.sock", engine_dir);
    setenv("DOCKER_HOST", docker_host, 1); /* this worker's docker CLI: the private engine */
}

static void private_fini(void)
{
    kill_background();
    if (engine_dir) {
        run_result r;
        engine_script(&r, "stop", engine_dir);
        if (r.exit_code != 0)
            cr_log_error("stopping the private engine %s failed: %s", engine_dir, r.err);
        run_result_free(&r);
        free(engine_dir);
        engine_dir = NULL;
    }
    unsetenv("DOCKER_HOST");
    common_fini();
}

TestSuite(private_engine, .init = private_init, .fini = private_fini, .timeout = 150);

/* The runner (not a worker) sets RUN_ENV before any worker starts, and after the
 * last test stops every private engine of this run that is still there: those
 * of a test that crashed or timed out before its .fini. */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    char pid[32];
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    setenv(RUN_ENV, pid, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    const char *tmp = getenv("TMPDIR");
    char pattern[1200];
    snprintf(pattern, sizeof(pattern), "%s/v6ntest-eng-%d-*", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    glob_t g;
    if (glob(pattern, GLOB_ONLYDIR, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        char script[1024];
        snprintf(script, sizeof(script), "%s/tests/integration/private-engine.sh", V6N_SOURCE_DIR);
        char *argv[] = {"/bin/bash", script, "stop", g.gl_pathv[i], NULL};
        extern char **environ;
        run_result r;
        if (run_program(&r, argv, environ, NULL, 120.0) == 0) {
            fprintf(stderr, "test_cli_engine: stopped the leftover private engine %s (%d)\n",
                    g.gl_pathv[i], r.exit_code);
            run_result_free(&r);
        }
    }
    globfree(&g);
}

/* ---- running v6node --------------------------------------------------------- */

/* The environment of every v6node run: HOME and the system folders in the temp
 * dir, DOCKER_HOST as this test's engine, sanitizer options passed on, and
 * `extra` ("KEY=VALUE", NULL-terminated) replacing any of those. */
static char **make_env(const char *const *extra)
{
    static char store[12][1400];
    static char *envp[32];
    size_t n = 0, s = 0;
    const char *keys[] = {"HOME",        "PATH",         "XDG_CONFIG_DIRS", "XDG_DATA_DIRS",
                          "DOCKER_HOST", "ASAN_OPTIONS", "UBSAN_OPTIONS",   "LSAN_OPTIONS"};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        size_t klen = strlen(keys[k]);
        bool overridden = false;
        for (const char *const *e = extra; e && *e; e++)
            if (strncmp(*e, keys[k], klen) == 0 && (*e)[klen] == '=')
                overridden = true;
        if (overridden)
            continue;
        const char *v = NULL;
        if (strcmp(keys[k], "HOME") == 0)
            snprintf(store[s], sizeof(store[s]), "HOME=%s/home", dir), v = store[s];
        else if (strcmp(keys[k], "XDG_CONFIG_DIRS") == 0)
            snprintf(store[s], sizeof(store[s]), "XDG_CONFIG_DIRS=%s/sysconf", dir), v = store[s];
        else if (strcmp(keys[k], "XDG_DATA_DIRS") == 0)
            snprintf(store[s], sizeof(store[s]), "XDG_DATA_DIRS=%s/sysdata", dir), v = store[s];
        else if (getenv(keys[k]))
            snprintf(store[s], sizeof(store[s]), "%s=%s", keys[k], getenv(keys[k])), v = store[s];
        if (v) {
            envp[n++] = store[s++];
        }
    }
    for (const char *const *e = extra; e && *e && n < 31; e++)
        envp[n++] = (char *)*e;
    envp[n] = NULL;
    return envp;
}

static void check_sanitizers(const char *err)
{
    cr_expect(!strstr(err, "Sanitizer") && !strstr(err, "runtime error:"),
              "v6node reported a sanitizer error:\n%s", err);
}

/* Run `v6node ARGS...` (NULL-terminated) with extra environment entries. */
static run_result v6node_env(const char *const *extra, const char *first, ...)
{
    char *argv[40];
    size_t n = 0;
    argv[n++] = (char *)V6N_CLI_PATH;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && n < 39; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    run_result r;
    cr_assert_eq(run_program(&r, argv, make_env(extra), dir, 90.0), 0);
    check_sanitizers(r.err);
    return r;
}

#define V6NODE(...) v6node_env(NULL, __VA_ARGS__, NULL)

/* The last non-empty line of `s` (a static copy). */
static const char *last_line(const char *s)
{
    static char line[4096];
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    size_t start = len;
    while (start > 0 && s[start - 1] != '\n')
        start--;
    snprintf(line, sizeof(line), "%.*s", (int)(len - start), s + start);
    return line;
}

/* ---- v6node in the background (for Ctrl-C) ----------------------------------- */

typedef struct bg_proc {
    pid_t pid;
    int fd[2]; /* stdout, stderr; -1 once closed */
    char *buf[2];
    size_t len[2];
} bg_proc;

static void bg_start(bg_proc *p, const char *first, ...)
{
    char *argv[40];
    size_t n = 0;
    argv[n++] = (char *)V6N_CLI_PATH;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && n < 39; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    char **envp = make_env(NULL);
    memset(p, 0, sizeof(*p));
    int out[2], err[2];
    cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
    cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        if (chdir(dir) != 0)
            _exit(126);
        execve(argv[0], argv, envp);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    p->pid = pid;
    p->fd[0] = out[0];
    p->fd[1] = err[0];
    for (int i = 0; i < 2; i++) {
        p->buf[i] = calloc(1, 1);
        p->len[i] = 0;
    }
    for (size_t i = 0; i < 4; i++)
        if (background[i] == 0) {
            background[i] = pid;
            break;
        }
}

/* Read what is there (waiting up to `ms`); false once both pipes are closed. */
static bool bg_pump(bg_proc *p, int ms)
{
    struct pollfd fds[2] = {{p->fd[0], POLLIN, 0}, {p->fd[1], POLLIN, 0}};
    if (p->fd[0] < 0 && p->fd[1] < 0)
        return false;
    if (poll(fds, 2, ms) <= 0)
        return true;
    for (int i = 0; i < 2; i++) {
        if (p->fd[i] < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        char chunk[4096];
        ssize_t n = read(p->fd[i], chunk, sizeof(chunk));
        if (n > 0) {
            p->buf[i] = realloc(p->buf[i], p->len[i] + (size_t)n + 1);
            memcpy(p->buf[i] + p->len[i], chunk, (size_t)n);
            p->len[i] += (size_t)n;
            p->buf[i][p->len[i]] = '\0';
        } else if (n == 0 || errno != EINTR) {
            close(p->fd[i]);
            p->fd[i] = -1;
        }
    }
    return true;
}

/* Wait until `needle` shows on the process's stdout. */
static bool bg_wait_stdout(bg_proc *p, const char *needle, double seconds)
{
    double deadline = now() + seconds;
    while (now() < deadline) {
        if (strstr(p->buf[0], needle))
            return true;
        if (!bg_pump(p, 100))
            break;
    }
    return strstr(p->buf[0], needle) != NULL;
}

/* Wait for the process to exit (collecting its output); its exit status, -1
 * when killed by a signal, -2 when it did not exit in time (then killed). */
static int bg_wait_exit(bg_proc *p, double seconds)
{
    double deadline = now() + seconds;
    int status = 0;
    pid_t done = 0;
    while (now() < deadline) {
        bg_pump(p, 50);
        done = waitpid(p->pid, &status, WNOHANG);
        if (done == p->pid)
            break;
    }
    int code;
    if (done != p->pid) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &status, 0);
        code = -2;
    } else {
        code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    while (bg_pump(p, 200)) /* the rest of the output */
        ;
    for (size_t i = 0; i < 4; i++)
        if (background[i] == p->pid)
            background[i] = 0;
    check_sanitizers(p->buf[1]);
    return code;
}

static void bg_free(bg_proc *p)
{
    for (int i = 0; i < 2; i++) {
        if (p->fd[i] >= 0)
            close(p->fd[i]);
        free(p->buf[i]);
        p->buf[i] = NULL;
    }
}

/* ---- nodes and configs -------------------------------------------------------- */

typedef struct node {
    char name[128];
    bool system;
    char container[200];
    char config[2048];
} node;

/* A node name for this test ("v6ntest-<pid>-<time>-<tag>"), tracked for .fini. */
static void new_node(node *n, const char *tag, bool system)
{
    memset(n, 0, sizeof(*n));
    snprintf(n->name, sizeof(n->name), "%s-%s", prefix, tag);
    n->system = system;
    snprintf(n->container, sizeof(n->container), "vantage6-%s-%s", n->name,
             system ? "system" : "user");
    snprintf(n->config, sizeof(n->config), "%s/%s/vantage6/node/%s.yaml", dir,
             system ? "sysconf" : "home/.config", n->name);
    cr_assert_lt(n_nodes, MAX_TRACKED);
    snprintf(node_names[n_nodes], sizeof(node_names[0]), "%s", n->name);
    node_system[n_nodes++] = system;
}

static void track_container(const char *name)
{
    cr_assert_lt(n_containers, MAX_TRACKED);
    snprintf(extra_containers[n_containers++], sizeof(extra_containers[0]), "%s", name);
}

static void track_volume(const char *name)
{
    cr_assert_lt(n_volumes, MAX_TRACKED);
    snprintf(extra_volumes[n_volumes++], sizeof(extra_volumes[0]), "%s", name);
}

/* The node's config: the stand-in image (images.node), a csv database, an sql
 * one with a password, and extra env SITE=<site>. */
static void write_config(const node *n, const char *site, const char *password)
{
    char csv[2048];
    snprintf(csv, sizeof(csv), "%s/data/cohort.csv", dir);
    cr_assert_eq(write_text(csv, "id,age\n1,40\n"), 0);
    char text[8192];
    snprintf(text, sizeof(text),
             "api_key: k\n"
             "task_dir: /tmp/t\n"
             "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, "
             "format: x, datefmt: y}\n"
             "server_url: https://v6.example.org\n"
             "port: 443\n"
             "api_path: /api\n"
             "images:\n  node: " STANDIN "\n"
             "databases:\n"
             "  - label: default\n    uri: %s\n    type: csv\n"
             "  - label: registry\n    uri: postgresql://u:%s@db.example.org/r\n    type: sql\n"
             "encryption: {enabled: false}\n"
             "node_extra_env: {SITE: %s, LEVEL: 3}\n",
             csv, password, site);
    cr_assert_eq(write_text(n->config, text), 0);
}

/* The node's default folders (as vantage6 computes them). */
static void data_dir_of(const node *n, char *out, size_t size)
{
    if (n->system)
        snprintf(out, size, "%s/sysdata/vantage6/node/%s", dir, n->name);
    else
        snprintf(out, size, "%s/home/.local/share/vantage6/node/%s", dir, n->name);
}

static void log_dir_of(const node *n, char *out, size_t size)
{
    if (n->system)
        data_dir_of(n, out, size);
    else
        snprintf(out, size, "%s/home/.cache/vantage6/log/node/%s", dir, n->name);
}

/* The engine's socket as the node should see it: on the private engine, that
 * engine's (bound at /var/run/docker.sock in the node); on the shared one the
 * default, /var/run/docker.sock. */
static const char *socket_value(void)
{
    static char sock[1200];
    if (!engine_dir)
        return "/var/run/docker.sock";
    snprintf(sock, sizeof(sock), "%s/docker.sock", engine_dir);
    return sock;
}

/* `v6node start -n NAME [--system] --pull never` succeeds: the container id. */
static char *start_node(const node *n)
{
    run_result r = V6NODE("start", "-n", n->name, n->system ? "--system" : "--user", "--pull",
                          "never", "--docker-socket", socket_value());
    cr_assert_eq(r.exit_code, 0, "start %s failed (%d): %s", n->name, r.exit_code, r.err);
    char *id = strndup(r.out, strcspn(r.out, "\n"));
    run_result_free(&r);
    return id;
}

/* ---- the engine's view (docker CLI) -------------------------------------------- */

/* `docker [kind] inspect -f FORMAT name`, trimmed; NULL when there is no such object. */
static char *inspect(const char *kind, const char *name, const char *format)
{
    run_result r = kind ? docker_cli(kind, "inspect", "-f", format, name, NULL)
                        : docker_cli("inspect", "--type", "container", "-f", format, name, NULL);
    char *out = NULL;
    if (r.exit_code == 0) {
        out = strdup(r.out);
        out[strcspn(out, "\n")] = '\0';
    }
    run_result_free(&r);
    return out;
}

static bool container_exists(const char *name)
{
    char *s = inspect(NULL, name, "{{.Id}}");
    free(s);
    return s != NULL;
}

static bool container_running(const char *name)
{
    char *s = inspect(NULL, name, "{{.State.Running}}");
    bool running = s && strcmp(s, "true") == 0;
    free(s);
    return running;
}

static bool volume_exists(const char *name)
{
    char *s = inspect("volume", name, "{{.Name}}");
    free(s);
    return s != NULL;
}

static int node_volumes_present(const node *n)
{
    int count = 0;
    for (size_t i = 0; i < 4; i++) {
        char vol[260];
        snprintf(vol, sizeof(vol), "%s-%s", n->container, VOLUME_SUFFIXES[i]);
        count += volume_exists(vol);
    }
    return count;
}

/* `docker ARGS...` (NULL-terminated) must succeed. */
static void docker_ok(const char *first, ...)
{
    char *argv[40] = {"/usr/bin/env", "docker"};
    size_t n = 2;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && n < 39; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    extern char **environ;
    run_result r;
    cr_assert_eq(run_program(&r, argv, environ, NULL, 60.0), 0);
    cr_assert_eq(r.exit_code, 0, "docker %s %s failed: %s", first, argv[3] ? argv[3] : "", r.err);
    run_result_free(&r);
}

/* Wait until the container's output contains `needle`. */
static bool wait_for_log(const char *container, const char *needle, double seconds)
{
    double deadline = now() + seconds;
    while (now() < deadline) {
        run_result r = docker_cli("logs", container, NULL);
        bool found = r.exit_code == 0 && strstr(r.out, needle);
        run_result_free(&r);
        if (found)
            return true;
        usleep(100000);
    }
    run_result r = docker_cli("logs", container, NULL);
    cr_log_error("logs of %s: %s%s", container, r.out, r.err);
    run_result_free(&r);
    return false;
}

static bool path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A running container labelled as a node (name vantage6-NAME-SCOPE) that
 * exits at once on SIGTERM, like a node; no config anywhere. */
static void run_node_like_container(const char *name, bool system, bool start)
{
    char container[200], label_name[160];
    snprintf(container, sizeof(container), "vantage6-%s-%s", name, system ? "system" : "user");
    snprintf(label_name, sizeof(label_name), "name=%s", name);
    track_container(container);
    docker_ok("create", "--name", container, "--network", "none", "--label", "vantage6-type=node",
              "--label", system ? "system=True" : "system=False", "--label", label_name, STANDIN,
              "sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 0.2; done", NULL);
    if (start)
        docker_ok("start", container, NULL);
}

/* ---- JSON ---------------------------------------------------------------------- */

static yajl_val parse_json(const char *text)
{
    char err[512];
    yajl_val v = yajl_tree_parse(text, err, sizeof(err));
    cr_assert_not_null(v, "not JSON (%s): %s", err, text);
    return v;
}

static const char *jstr(yajl_val obj, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(obj, path, yajl_t_string);
    cr_assert_not_null(v, "no string \"%s\" in the JSON", key);
    return YAJL_GET_STRING(v);
}

/* A string or null member: the string, or NULL for null (the key must be there). */
static const char *jopt(yajl_val obj, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(obj, path, yajl_t_any);
    cr_assert_not_null(v, "no \"%s\" in the JSON", key);
    cr_assert(YAJL_IS_STRING(v) || YAJL_IS_NULL(v), "\"%s\" is neither a string nor null", key);
    return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

static yajl_val jget(yajl_val obj, const char *key, yajl_type type)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(obj, path, type);
    cr_assert_not_null(v, "no \"%s\" of the right type in the JSON", key);
    return v;
}

/* The entry of `list --json` for (name, scope), or NULL. */
static yajl_val list_entry(yajl_val list, const char *name, const char *scope)
{
    cr_assert(YAJL_IS_ARRAY(list), "list --json is not an array");
    for (size_t i = 0; i < list->u.array.len; i++) {
        yajl_val e = list->u.array.values[i];
        if (strcmp(jstr(e, "name"), name) == 0 && strcmp(jstr(e, "scope"), scope) == 0)
            return e;
    }
    return NULL;
}

/* ==== start ======================================================================= */

Test(cli_engine, start_prints_the_id_and_says_what_it_does)
{
    node n;
    new_node(&n, "start", false);
    write_config(&n, "site-a", "pw");
    /* -i: the image option is the rule that chooses the image */
    run_result r = V6NODE("start", "-n", n.name, "-i", STANDIN, "--pull", "never");
    cr_assert_eq(r.exit_code, 0, "%s", r.err);

    /* stdout: the container id alone */
    char *id = inspect(NULL, n.container, "{{.Id}}");
    cr_assert_not_null(id, "no container %s", n.container);
    char expected[128];
    snprintf(expected, sizeof(expected), "%s\n", id);
    cr_expect_str_eq(r.out, expected);
    cr_expect_eq(strlen(id), 64);

    /* stderr: the image, the rule that chose it, the four volumes */
    cr_expect(strstr(r.err, "image " STANDIN " (chosen by the image option)"), "%s", r.err);
    for (size_t i = 0; i < 4; i++) {
        char line[300];
        snprintf(line, sizeof(line), "volume %s-%s (created)", n.container, VOLUME_SUFFIXES[i]);
        cr_expect(strstr(r.err, line), "stderr does not say '%s':\n%s", line, r.err);
    }
    cr_expect(strstr(r.err, n.config), "stderr does not name the config: %s", r.err);
    run_result_free(&r);
    cr_expect_eq(node_volumes_present(&n), 4);

    /* the node came up and its contract holds (also in its log folder) */
    cr_expect(wait_for_log(n.container, CONTRACT, 10), "no contract line");
    char log[4400], logdir[4096];
    log_dir_of(&n, logdir, sizeof(logdir));
    snprintf(log, sizeof(log), "%s/vnode-local.log", logdir);
    char *text = read_text(log);
    cr_expect(text && strstr(text, CONTRACT), "%s: %s", log, text ? text : "(missing)");
    free(text);

    /* a second start: exit 4, nothing on stdout, the running node untouched */
    r = V6NODE("start", "-n", n.name, "-i", STANDIN, "--pull", "never");
    cr_expect_eq(r.exit_code, 4, "%s", r.err);
    cr_expect_str_eq(r.out, "");
    cr_expect(strstr(last_line(r.err), "already running"), "%s", r.err);
    run_result_free(&r);
    char *still = inspect(NULL, n.container, "{{.Id}}");
    cr_expect_str_eq(still, id, "the running node was replaced");
    cr_expect(container_running(n.container));
    free(still);
    free(id);
}

Test(cli_engine, start_with_the_config_image_names_that_rule)
{
    node n;
    new_node(&n, "cfgimg", false);
    write_config(&n, "site-a", "pw");
    run_result r = V6NODE("start", "-n", n.name, "--pull", "never");
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.err, "image " STANDIN " (chosen by images.node in the node config)"), "%s",
              r.err);
    run_result_free(&r);
    cr_expect(wait_for_log(n.container, CONTRACT, 10));
}

Test(cli_engine, start_with_an_absent_image_exits_3_and_creates_no_volume)
{
    node n;
    new_node(&n, "absent", false);
    write_config(&n, "site-a", "pw");
    run_result r = V6NODE("start", "-n", n.name, "--pull", "never", "-i", ABSENT);
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    cr_expect_str_eq(r.out, "");
    cr_expect(strstr(last_line(r.err), ABSENT), "the error does not name the image: %s", r.err);
    run_result_free(&r);
    cr_expect_eq(node_volumes_present(&n), 0, "a failed start left volumes");
    cr_expect(!container_exists(n.container));
}

Test(cli_engine, start_without_an_engine_exits_5_naming_the_socket)
{
    node n;
    new_node(&n, "noengine", false);
    write_config(&n, "site-a", "pw");
    const char *env[] = {"DOCKER_HOST=unix:///nonexistent/x.sock", NULL};
    run_result r = v6node_env(env, "start", "-n", n.name, "--pull", "never", NULL);
    cr_expect_eq(r.exit_code, 5, "%s", r.err);
    cr_expect_str_eq(r.out, "");
    cr_expect(strstr(last_line(r.err), "/nonexistent/x.sock"),
              "the error does not name the socket: %s", r.err);
    run_result_free(&r);
    cr_expect_eq(node_volumes_present(&n), 0);
    cr_expect(!container_exists(n.container));
}

Test(cli_engine, start_on_an_image_without_vnode_exits_1_and_leaves_nothing)
{
    node n;
    new_node(&n, "novnode", false);
    write_config(&n, "site-a", "pw");
    const char *variants[] = {"--auto-remove", "--keep"};
    for (size_t i = 0; i < 2; i++) {
        run_result r =
            V6NODE("start", "-n", n.name, "--pull", "never", "-i", NO_VNODE, variants[i]);
        cr_expect_eq(r.exit_code, 1, "%s: %s", variants[i], r.err);
        cr_expect_str_eq(r.out, "");
        cr_expect(strstr(last_line(r.err), "executable file not found"), "%s: %s", variants[i],
                  r.err);
        run_result_free(&r);
        cr_expect(!container_exists(n.container), "%s: a container was left", variants[i]);
        cr_expect_eq(node_volumes_present(&n), 0, "%s: volumes were left", variants[i]);
    }
}

Test(cli_engine, start_attach_detaches_on_sigint_and_the_node_keeps_running)
{
    node n;
    new_node(&n, "attach", false);
    write_config(&n, "site-a", "pw");
    bg_proc p;
    bg_start(&p, "start", "-n", n.name, "--pull", "never", "--attach", NULL);
    cr_assert(bg_wait_stdout(&p, CONTRACT, 20), "no contract line on stdout; stdout: %s stderr: %s",
              p.buf[0], p.buf[1]);
    double t0 = now();
    kill(p.pid, SIGINT);
    int code = bg_wait_exit(&p, 5);
    cr_expect_eq(code, 0, "exit %d after SIGINT; stderr: %s", code, p.buf[1]);
    cr_expect_lt(now() - t0, 5.0);
    cr_expect(strstr(p.buf[1], "still running"), "stderr: %s", p.buf[1]);
    /* stdout: the id first, then the node's output */
    char *id = inspect(NULL, n.container, "{{.Id}}");
    cr_assert_not_null(id);
    cr_expect(strncmp(p.buf[0], id, 64) == 0 && p.buf[0][64] == '\n', "stdout: %s", p.buf[0]);
    free(id);
    cr_expect(container_running(n.container), "the node stopped with its viewer");
    bg_free(&p);
}

/* ==== status ======================================================================= */

Test(cli_engine, status_of_an_absent_then_running_node)
{
    node n;
    new_node(&n, "status", false);
    write_config(&n, "site-a", "pw");

    run_result r = V6NODE("status", "-n", n.name);
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    cr_expect(strstr(r.out, "state      absent"), "%s", r.out);
    run_result_free(&r);
    r = V6NODE("status", "-n", n.name, "--json");
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    yajl_val v = parse_json(r.out);
    cr_expect_str_eq(jstr(v, "state"), "absent");
    cr_expect_null(jopt(v, "id"), "%s is not null", "id");
    cr_expect_eq(jget(v, "drift", yajl_t_array)->u.array.len, 0);
    yajl_tree_free(v);
    run_result_free(&r);

    char *id = start_node(&n);
    r = V6NODE("status", "-n", n.name);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.out, "state      running"), "%s", r.out);
    cr_expect(strstr(r.out, "drift      none"), "%s", r.out);
    cr_expect(strstr(r.out, n.config), "%s", r.out);
    run_result_free(&r);

    r = V6NODE("status", "-n", n.name, "--json");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    v = parse_json(r.out);
    cr_expect_str_eq(jstr(v, "name"), n.name);
    cr_expect_str_eq(jstr(v, "scope"), "user");
    cr_expect_str_eq(jstr(v, "config"), n.config);
    cr_expect_str_eq(jstr(v, "state"), "running");
    cr_expect_str_eq(jstr(v, "status"), "running");
    cr_expect_str_eq(jstr(v, "container"), n.container);
    cr_expect_str_eq(jstr(v, "id"), id);
    cr_expect_str_eq(jstr(v, "image"), STANDIN);
    cr_expect_neq(strlen(jstr(v, "started_at")), 0);
    cr_expect_eq(YAJL_GET_INTEGER(jget(v, "exit_code", yajl_t_number)), 0);
    yajl_val drift = jget(v, "drift", yajl_t_array);
    cr_expect_eq(drift->u.array.len, 0, "drift right after the start: %s", r.out);
    yajl_tree_free(v);
    run_result_free(&r);
    free(id);
}

/* A node that is not running: its container (auto-remove) is gone, or stopped
 * (--keep); `status` shows the end of the node's own log file, which outlives
 * the container, so a node that exited says why. A running node shows none. */
Test(cli_engine, status_of_a_stopped_node_shows_the_end_of_its_log_file)
{
    node n;
    new_node(&n, "logtail", false);
    write_config(&n, "site-a", "pw");
    char logs[2048], file[2200], text[4096] = "";
    log_dir_of(&n, logs, sizeof(logs));
    snprintf(file, sizeof(file), "%s/node_user.log", logs);

    /* absent and never run here: no log file, no log lines */
    run_result r = V6NODE("status", "-n", n.name);
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    cr_expect_null(strstr(r.out, "\nlog "), "%s", r.out);
    run_result_free(&r);

    for (int i = 1; i <= 14; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text),
                 "2026-12-04 10:00:%02d - node - INFO - step %d\n", i, i);
    strcat(text, "2026-12-04 10:00:15 - node - WARNING - Authentication failed: API key is wrong!\n"
                 "2026-12-04 10:00:15 - node - CRITICAL - Unable to authenticate. Exiting\n");
    cr_assert_eq(write_text(file, text), 0);
    r = V6NODE("status", "-n", n.name);
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    cr_expect(strstr(r.out, "state      absent"), "%s", r.out);
    char header[2400];
    snprintf(header, sizeof(header), "log        %s (last written ", file);
    cr_expect(strstr(r.out, header), "%s", r.out);
    cr_expect(strstr(r.out, "             2026-12-04 10:00:15 - node - CRITICAL - Unable to "
                            "authenticate. Exiting\n"),
              "%s", r.out);
    cr_expect(strstr(r.out, "API key is wrong!"), "%s", r.out);
    cr_expect(strstr(r.out, "step 7\n"), "ten lines: %s", r.out);
    cr_expect_null(strstr(r.out, "step 6\n"), "ten lines: %s", r.out);
    run_result_free(&r);

    /* running: the state says enough */
    r = V6NODE("start", "-n", n.name, "--pull", "never", "--keep");
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    cr_assert(wait_for_log(n.container, CONTRACT, 10));
    r = V6NODE("status", "-n", n.name, "--keep");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect_null(strstr(r.out, "\nlog "), "%s", r.out);
    run_result_free(&r);

    /* a stopped (kept) container: its exit code and the log's end */
    docker_ok("stop", n.container, NULL);
    r = V6NODE("status", "-n", n.name, "--keep");
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    cr_expect(strstr(r.out, "state      stopped"), "%s", r.out);
    cr_expect(strstr(r.out, "(exit code 0)"), "%s", r.out);
    cr_expect(strstr(r.out, header) && strstr(r.out, "Unable to authenticate. Exiting"), "%s",
              r.out);
    run_result_free(&r);
}

Test(cli_engine, status_reports_drift_and_restart_applies_the_config)
{
    node n;
    new_node(&n, "drift", false);
    write_config(&n, "site-a", "pw");
    char *old_id = start_node(&n);
    cr_expect(wait_for_log(n.container, CONTRACT, 10));

    write_config(&n, "site-b", "pw"); /* node_extra_env SITE changes */
    run_result r = V6NODE("status", "-n", n.name);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.out, "restart to apply"), "%s", r.out);
    cr_expect(strstr(r.out, "env SITE"), "%s", r.out);
    run_result_free(&r);
    r = V6NODE("status", "-n", n.name, "--json");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    yajl_val v = parse_json(r.out);
    yajl_val drift = jget(v, "drift", yajl_t_array);
    cr_expect_eq(drift->u.array.len, 1, "only SITE changed: %s", r.out);
    if (drift->u.array.len >= 1) {
        const char *d = YAJL_GET_STRING(drift->u.array.values[0]);
        cr_expect(d && strstr(d, "SITE") && strstr(d, "site-a") && strstr(d, "site-b"), "%s", d);
    }
    yajl_tree_free(v);
    run_result_free(&r);

    /* restart: a new container from the config as it is now; no drift left */
    r = V6NODE("restart", "-n", n.name, "--pull", "never");
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    char *new_id = strndup(r.out, strcspn(r.out, "\n"));
    run_result_free(&r);
    cr_expect_eq(strlen(new_id), 64, "stdout: %s", new_id);
    cr_expect_str_neq(new_id, old_id);
    char *actual = inspect(NULL, n.container, "{{.Id}}");
    cr_expect_str_eq(actual, new_id);
    free(actual);
    r = V6NODE("status", "-n", n.name, "--json");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    v = parse_json(r.out);
    cr_expect_eq(jget(v, "drift", yajl_t_array)->u.array.len, 0, "%s", r.out);
    cr_expect_str_eq(jstr(v, "id"), new_id);
    yajl_tree_free(v);
    run_result_free(&r);
    cr_expect(wait_for_log(n.container, CONTRACT, 10));
    cr_expect_eq(node_volumes_present(&n), 4);
    free(new_id);
    free(old_id);
}

Test(cli_engine, status_never_shows_a_database_password)
{
    node n;
    new_node(&n, "secret", false);
    write_config(&n, "site-a", "Old5ecretPw");
    char *id = start_node(&n);
    free(id);
    /* the password changes: the drift is in REGISTRY_DATABASE_URI */
    write_config(&n, "site-a", "N3wSecr@tPart2");
    const char *secrets[] = {"Old5ecret", "N3wSecr", "tPart2"};
    run_result r = V6NODE("status", "-n", n.name, "--json");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    yajl_val v = parse_json(r.out);
    yajl_val drift = jget(v, "drift", yajl_t_array);
    cr_expect_eq(drift->u.array.len, 1, "%s", r.out);
    if (drift->u.array.len >= 1) {
        const char *d = YAJL_GET_STRING(drift->u.array.values[0]);
        cr_expect(d && strstr(d, "REGISTRY_DATABASE_URI") && strstr(d, "u:***@db.example.org"),
                  "%s", d);
    }
    yajl_tree_free(v);
    for (size_t i = 0; i < 3; i++) {
        cr_expect(!strstr(r.out, secrets[i]), "status --json shows '%s': %s", secrets[i], r.out);
        cr_expect(!strstr(r.err, secrets[i]), "stderr shows '%s': %s", secrets[i], r.err);
    }
    run_result_free(&r);
    r = V6NODE("status", "-n", n.name);
    cr_expect_eq(r.exit_code, 0);
    for (size_t i = 0; i < 3; i++)
        cr_expect(!strstr(r.out, secrets[i]) && !strstr(r.err, secrets[i]),
                  "status shows '%s': %s%s", secrets[i], r.out, r.err);
    run_result_free(&r);
}

/* ==== logs and attach ================================================================ */

Test(cli_engine, logs_follow_and_attach_stop_on_sigint)
{
    node n;
    new_node(&n, "logs", false);
    write_config(&n, "site-a", "pw");
    free(start_node(&n));
    cr_assert(wait_for_log(n.container, CONTRACT, 10));

    run_result r = V6NODE("logs", "-n", n.name, "--tail", "1");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strncmp(r.out, CONTRACT, strlen(CONTRACT)) == 0, "%s", r.out);
    cr_expect(strstr(r.out, "\r\n") && strstr(r.out, "\r\n")[2] == '\0',
              "one TTY line ending in CRLF: '%s'", r.out);
    run_result_free(&r);

    r = V6NODE("logs", "-n", n.name, "--tail", "1", "--timestamps");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    /* "2026-11-27T00:20:44.463780118Z vnode-local: ..." */
    cr_expect(strlen(r.out) > 21 && r.out[4] == '-' && r.out[10] == 'T' &&
                  strstr(r.out, "Z " CONTRACT),
              "%s", r.out);
    run_result_free(&r);

    const char *commands[][2] = {{"logs", "-F"}, {"attach", NULL}};
    for (size_t i = 0; i < 2; i++) {
        bg_proc p;
        bg_start(&p, commands[i][0], "-n", n.name, commands[i][1], NULL);
        cr_assert(bg_wait_stdout(&p, CONTRACT, 10), "%s: stdout %s stderr %s", commands[i][0],
                  p.buf[0], p.buf[1]);
        usleep(300000); /* well into following */
        cr_expect_eq(waitpid(p.pid, NULL, WNOHANG), 0, "%s ended by itself", commands[i][0]);
        double t0 = now();
        kill(p.pid, SIGINT);
        int code = bg_wait_exit(&p, 5);
        cr_expect_eq(code, 0, "%s: exit %d after SIGINT; stderr %s", commands[i][0], code,
                     p.buf[1]);
        cr_expect_lt(now() - t0, 4.0, "%s took %.1f s to stop", commands[i][0], now() - t0);
        if (i == 1)
            cr_expect(strstr(p.buf[1], "still running"), "attach: %s", p.buf[1]);
        bg_free(&p);
    }
    cr_expect(container_running(n.container), "following the logs stopped the node");
}

Test(cli_engine, logs_of_a_node_without_container_exit_3)
{
    node n;
    new_node(&n, "nologs", false);
    write_config(&n, "site-a", "pw");
    run_result r = V6NODE("logs", "-n", n.name, "--tail", "1");
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    cr_expect_str_eq(r.out, "");
    run_result_free(&r);
    r = V6NODE("attach", "-n", n.name);
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    run_result_free(&r);
}

/* A --keep node: stop leaves a stopped container (and its volumes); status,
 * logs, stop and restart of it. */
Test(cli_engine, a_kept_node_stops_into_a_stopped_container)
{
    node n;
    new_node(&n, "keep", false);
    write_config(&n, "site-a", "pw");
    run_result r = V6NODE("start", "-n", n.name, "--pull", "never", "--keep");
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    cr_assert(wait_for_log(n.container, CONTRACT, 10));

    /* status judges the node by how it was started (its start record: --keep),
     * so leaving the option out is no drift; --auto-remove given here is */
    r = V6NODE("status", "-n", n.name, "--json");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    yajl_val v = parse_json(r.out);
    yajl_val drift = jget(v, "drift", yajl_t_array);
    cr_expect_eq(drift->u.array.len, 0, "%s", r.out);
    yajl_tree_free(v);
    run_result_free(&r);
    r = V6NODE("status", "-n", n.name, "--json", "--auto-remove");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    v = parse_json(r.out);
    drift = jget(v, "drift", yajl_t_array);
    cr_expect_eq(drift->u.array.len, 1, "%s", r.out);
    if (drift->u.array.len == 1) {
        const char *d = YAJL_GET_STRING(drift->u.array.values[0]);
        cr_expect(d && strstr(d, "auto-remove"), "%s", r.out);
    }
    yajl_tree_free(v);
    run_result_free(&r);
    r = V6NODE("status", "-n", n.name, "--json", "--keep");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    v = parse_json(r.out);
    cr_expect_eq(jget(v, "drift", yajl_t_array)->u.array.len, 0, "%s", r.out);
    yajl_tree_free(v);
    run_result_free(&r);

    r = V6NODE("stop", "-n", n.name);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.err, "kept the node's volumes"), "%s", r.err);
    run_result_free(&r);
    cr_expect(container_exists(n.container) && !container_running(n.container));
    cr_expect_eq(node_volumes_present(&n), 4);

    /* its last line is the stand-in's goodbye */
    r = V6NODE("logs", "-n", n.name, "--tail", "1");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "vnode-local: stopping\r\n");
    run_result_free(&r);
    r = V6NODE("logs", "-n", n.name);
    cr_expect(strstr(r.out, CONTRACT) && strstr(r.out, "vnode-local: stopping"), "%s", r.out);
    run_result_free(&r);

    r = V6NODE("status", "-n", n.name, "--json");
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    v = parse_json(r.out);
    cr_expect_str_eq(jstr(v, "state"), "stopped");
    cr_expect_str_eq(jstr(v, "status"), "exited");
    cr_expect_neq(strlen(jstr(v, "finished_at")), 0);
    cr_expect_eq(YAJL_GET_INTEGER(jget(v, "exit_code", yajl_t_number)), 0);
    yajl_tree_free(v);
    run_result_free(&r);

    r = V6NODE("stop", "-n", n.name);
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    cr_expect(strstr(r.err, "not running"), "%s", r.err);
    run_result_free(&r);

    /* restart of a node that is not running: just starts it (replacing the
     * stopped container), as it was started unless told: here without --keep */
    r = V6NODE("restart", "-n", n.name, "--pull", "never", "--auto-remove");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    char *id = inspect(NULL, n.container, "{{.Id}}");
    cr_assert_not_null(id);
    cr_expect(strncmp(r.out, id, 64) == 0, "%s", r.out);
    free(id);
    run_result_free(&r);
    cr_expect(container_running(n.container));
    char *ar = inspect(NULL, n.container, "{{.HostConfig.AutoRemove}}");
    cr_expect_str_eq(ar, "true", "restart without --keep");
    free(ar);
}

/* ==== stop ============================================================================ */

Test(cli_engine, stop_removes_the_volumes_and_a_second_stop_exits_3)
{
    node n;
    new_node(&n, "stop", false);
    write_config(&n, "site-a", "pw");
    free(start_node(&n));
    cr_expect_eq(node_volumes_present(&n), 4);
    /* someone is attached: attach ends by itself when the node stops */
    bg_proc p;
    bg_start(&p, "attach", "-n", n.name, NULL);
    cr_assert(bg_wait_stdout(&p, CONTRACT, 10), "attach: %s %s", p.buf[0], p.buf[1]);

    run_result r = V6NODE("stop", "-n", n.name);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "");
    cr_expect(strstr(r.err, "stopped container"), "%s", r.err);
    for (size_t i = 0; i < 4; i++) {
        char line[300];
        snprintf(line, sizeof(line), "removed volume %s-%s\n", n.container, VOLUME_SUFFIXES[i]);
        cr_expect(strstr(r.err, line), "stderr does not say '%s': %s", line, r.err);
    }
    run_result_free(&r);
    cr_expect(!container_exists(n.container));
    cr_expect_eq(node_volumes_present(&n), 0);

    int code = bg_wait_exit(&p, 5);
    cr_expect_eq(code, 0, "attach: exit %d; %s", code, p.buf[1]);
    cr_expect(strstr(p.buf[1], "has stopped"), "attach: %s", p.buf[1]);
    bg_free(&p);

    r = V6NODE("stop", "-n", n.name);
    cr_expect_eq(r.exit_code, 3, "%s", r.err);
    cr_expect(strstr(r.err, "is not running"), "%s", r.err);
    run_result_free(&r);
}

Test(cli_engine, stop_keep_volumes_and_stop_force)
{
    node a, b;
    new_node(&a, "keepvol", false);
    new_node(&b, "force", false);
    write_config(&a, "site-a", "pw");
    write_config(&b, "site-b", "pw");
    free(start_node(&a));
    free(start_node(&b));

    run_result r = V6NODE("stop", "-n", a.name, "--keep-volumes");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(!strstr(r.err, "removed volume"), "%s", r.err);
    run_result_free(&r);
    cr_expect(!container_exists(a.container));
    cr_expect_eq(node_volumes_present(&a), 4, "--keep-volumes removed volumes");

    cr_expect(wait_for_log(b.container, CONTRACT, 10));
    double t0 = now();
    r = V6NODE("stop", "-c", b.config, "-f");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.err, "killed container"), "%s", r.err);
    run_result_free(&r);
    cr_expect_lt(now() - t0, 8.0);
    cr_expect(!container_exists(b.container));
    cr_expect_eq(node_volumes_present(&b), 0);
}

/* ==== remove ============================================================================ */

Test(cli_engine, remove_refuses_a_running_node_then_removes_everything)
{
    node n;
    new_node(&n, "remove", false);
    write_config(&n, "site-a", "pw");
    free(start_node(&n));
    cr_expect(wait_for_log(n.container, CONTRACT, 10));
    char data[4096], logs[4096];
    data_dir_of(&n, data, sizeof(data));
    log_dir_of(&n, logs, sizeof(logs));
    cr_expect(path_exists(data) && path_exists(logs), "the start made no folders");

    run_result r = V6NODE("remove", "-n", n.name, "--force");
    cr_expect_eq(r.exit_code, 4, "%s", r.err);
    cr_expect(strstr(r.err, "still running"), "%s", r.err);
    run_result_free(&r);
    cr_expect(path_exists(n.config) && container_running(n.container));
    cr_expect_eq(node_volumes_present(&n), 4);

    r = V6NODE("stop", "-n", n.name, "--keep-volumes");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    cr_expect_eq(node_volumes_present(&n), 4);

    /* no terminal to ask and no --force */
    r = V6NODE("remove", "-n", n.name);
    cr_expect_eq(r.exit_code, 2, "%s", r.err);
    cr_expect(strstr(r.err, "--force"), "%s", r.err);
    run_result_free(&r);
    cr_expect(path_exists(n.config));
    cr_expect_eq(node_volumes_present(&n), 4);

    r = V6NODE("remove", "-n", n.name, "--force");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    cr_expect(!path_exists(n.config), "the config is still there");
    cr_expect(!path_exists(data), "the data folder %s is still there", data);
    cr_expect(!path_exists(logs), "the log folder %s is still there", logs);
    cr_expect_eq(node_volumes_present(&n), 0, "volumes are still there");
    cr_expect(!container_exists(n.container));
    /* the shared csv file outside the node's folders is untouched */
    char csv[2048];
    snprintf(csv, sizeof(csv), "%s/data/cohort.csv", dir);
    cr_expect(path_exists(csv));

    /* no config and no container: the node is just absent (3) */
    r = V6NODE("status", "-n", n.name);
    cr_expect_eq(r.exit_code, 3, "no config any more: %s", r.err);
    cr_expect(strstr(r.out, "config     (none here)") && strstr(r.out, "state      absent"), "%s",
              r.out);
    run_result_free(&r);

    /* a system node: its data folder is also its log folder */
    node s;
    new_node(&s, "removesys", true);
    write_config(&s, "site-a", "pw");
    free(start_node(&s));
    data_dir_of(&s, data, sizeof(data));
    cr_expect(wait_for_log(s.container, CONTRACT, 10));
    cr_expect(path_exists(data));
    r = V6NODE("stop", "-n", s.name, "--system", "--keep-volumes");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    r = V6NODE("remove", "-n", s.name, "--system", "--force");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    cr_expect(!path_exists(s.config), "the system config is still there");
    cr_expect(!path_exists(data), "the system data folder %s is still there", data);
    cr_expect_eq(node_volumes_present(&s), 0);
}

/* A --keep node leaves a stopped container: remove takes it too, and says so. */
Test(cli_engine, remove_of_a_kept_node_removes_its_stopped_container)
{
    node n;
    new_node(&n, "rmkept", false);
    write_config(&n, "site-a", "pw");
    run_result r = V6NODE("start", "-n", n.name, "--pull", "never", "--keep");
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    cr_expect(wait_for_log(n.container, CONTRACT, 10));
    r = V6NODE("stop", "-n", n.name);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    cr_assert(container_exists(n.container) && !container_running(n.container));

    r = V6NODE("remove", "-n", n.name, "-f");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(!container_exists(n.container), "the stopped container is still there");
    cr_expect_eq(node_volumes_present(&n), 0);
    cr_expect(!path_exists(n.config));
    /* the message names the container it removed, in full */
    char said[300];
    snprintf(said, sizeof(said), "stopped container %s ", n.container);
    cr_expect(strstr(r.err, said), "stderr does not name %s:\n%s", n.container, r.err);
    run_result_free(&r);
}

/* ==== files ============================================================================= */

Test(cli_engine, files_prints_the_paths_and_redacted_databases)
{
    node u, s;
    new_node(&u, "files", false);
    new_node(&s, "filesys", true);
    write_config(&u, "site-a", "Fil3sPw");
    write_config(&s, "site-a", "Fil3sPw");
    /* no engine needed */
    const char *env[] = {"DOCKER_HOST=unix:///nonexistent/x.sock", NULL};
    node *nodes[] = {&u, &s};
    for (size_t i = 0; i < 2; i++) {
        node *n = nodes[i];
        char data[4096], logs[4096], csv[2048], line[8192];
        data_dir_of(n, data, sizeof(data));
        log_dir_of(n, logs, sizeof(logs));
        snprintf(csv, sizeof(csv), "%s/data/cohort.csv", dir);
        run_result r =
            v6node_env(env, "files", "-n", n->name, n->system ? "--system" : "--user", NULL);
        cr_expect_eq(r.exit_code, 0, "%s", r.err);
        snprintf(line, sizeof(line), "config file   %s\n", n->config);
        cr_expect(strstr(r.out, line), "%s", r.out);
        snprintf(line, sizeof(line), "data folder   %s\n", data);
        cr_expect(strstr(r.out, line), "%s", r.out);
        snprintf(line, sizeof(line), "log folder    %s\n", logs);
        cr_expect(strstr(r.out, line), "%s", r.out);
        cr_expect(strstr(r.out, csv), "%s", r.out);
        cr_expect(strstr(r.out, "postgresql://u:***@db.example.org/r"), "%s", r.out);
        cr_expect(!strstr(r.out, "Fil3sPw") && !strstr(r.err, "Fil3sPw"), "%s", r.out);
        run_result_free(&r);

        r = v6node_env(env, "files", "-n", n->name, n->system ? "--system" : "--user", "--json",
                       NULL);
        cr_expect_eq(r.exit_code, 0, "%s", r.err);
        yajl_val v = parse_json(r.out);
        cr_expect_str_eq(jstr(v, "config"), n->config);
        cr_expect_str_eq(jstr(v, "data_dir"), data);
        cr_expect_str_eq(jstr(v, "log_dir"), logs);
        yajl_val dbs = jget(v, "databases", yajl_t_array);
        cr_assert_eq(dbs->u.array.len, 2);
        cr_expect_str_eq(jstr(dbs->u.array.values[0], "label"), "default");
        cr_expect_str_eq(jstr(dbs->u.array.values[0], "uri"), csv);
        cr_expect_str_eq(jstr(dbs->u.array.values[0], "type"), "csv");
        cr_expect_str_eq(jstr(dbs->u.array.values[1], "uri"),
                         "postgresql://u:***@db.example.org/r");
        cr_expect(!strstr(r.out, "Fil3sPw"), "%s", r.out);
        yajl_tree_free(v);
        run_result_free(&r);
    }
    run_result r = V6NODE("files", "-n", "v6ntest-no-such-node");
    cr_expect_eq(r.exit_code, 3, "not found: %s", r.err);
    run_result_free(&r);
}

/* ==== list on the shared engine =========================================================== */

Test(cli_engine, list_shows_this_tests_nodes_with_state_scope_and_config)
{
    node run, idle, bad, sys, ghost;
    new_node(&run, "lrun", false);
    new_node(&idle, "lidle", false);
    new_node(&bad, "lbad", false);
    new_node(&sys, "lsys", true);
    new_node(&ghost, "lghost", false);
    write_config(&run, "site-a", "pw");
    write_config(&idle, "site-a", "pw");
    write_config(&sys, "site-a", "pw");
    cr_assert_eq(write_text(bad.config, "api_key: [unclosed\n"), 0);
    char *id = start_node(&run);
    run_node_like_container(ghost.name, false, true);
    char *ghost_id = inspect(NULL, ghost.container, "{{.Id}}");
    cr_assert_not_null(ghost_id);

    run_result r = V6NODE("list", "--json");
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    yajl_val v = parse_json(r.out);
    yajl_val e = list_entry(v, run.name, "user");
    cr_assert_not_null(e, "%s is not listed: %s", run.name, r.out);
    cr_expect_str_eq(jstr(e, "state"), "running");
    cr_expect_str_eq(jstr(e, "config"), run.config);
    cr_expect_null(jopt(e, "config_error"), "%s is not null", "config_error");
    cr_expect_str_eq(jstr(e, "container"), run.container);
    cr_expect_str_eq(jstr(e, "id"), id);
    cr_expect_str_eq(jstr(e, "image"), STANDIN);

    e = list_entry(v, idle.name, "user");
    cr_assert_not_null(e, "%s is not listed", idle.name);
    cr_expect_str_eq(jstr(e, "state"), "absent");
    cr_expect_str_eq(jstr(e, "config"), idle.config);
    cr_expect_null(jopt(e, "config_error"), "%s is not null", "config_error");
    cr_expect_null(jopt(e, "id"), "%s is not null", "id");
    cr_expect_str_eq(jstr(e, "container"), idle.container);

    e = list_entry(v, bad.name, "user");
    cr_assert_not_null(e, "the invalid config %s is not listed", bad.name);
    cr_expect_str_eq(jstr(e, "state"), "absent");
    cr_expect_str_eq(jstr(e, "config"), bad.config);
    cr_expect(jopt(e, "config_error") && *jopt(e, "config_error"),
              "no error for an invalid config");

    e = list_entry(v, sys.name, "system");
    cr_assert_not_null(e, "the system config %s is not listed", sys.name);
    cr_expect_str_eq(jstr(e, "state"), "absent");
    cr_expect_str_eq(jstr(e, "config"), sys.config);
    cr_expect_str_eq(jstr(e, "container"), sys.container);
    cr_expect_null(list_entry(v, sys.name, "user"));

    e = list_entry(v, ghost.name, "user");
    cr_assert_not_null(e, "the node container without config %s is not listed", ghost.name);
    cr_expect_str_eq(jstr(e, "state"), "running");
    cr_expect_null(jopt(e, "config"), "%s is not null", "config");
    cr_expect_null(jopt(e, "config_error"), "%s is not null", "config_error");
    cr_expect_str_eq(jstr(e, "id"), ghost_id);
    cr_expect_str_eq(jstr(e, "container"), ghost.container);
    yajl_tree_free(v);
    run_result_free(&r);

    /* the table: one line per node */
    r = V6NODE("list");
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    struct {
        const node *n;
        const char *scope, *state, *tail;
    } rows[] = {{&run, "user", "running", run.config},
                {&idle, "user", "absent", idle.config},
                {&bad, "user", "absent", "(invalid: see status)"},
                {&sys, "system", "absent", sys.config},
                {&ghost, "user", "running", "(no config here)"}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *line = strstr(r.out, rows[i].n->name);
        cr_expect_not_null(line, "%s is not in the table:\n%s", rows[i].n->name, r.out);
        if (!line)
            continue;
        char one[4096];
        snprintf(one, sizeof(one), "%.*s", (int)strcspn(line, "\n"), line);
        char name[256], scope[32], state[32];
        cr_expect_eq(sscanf(one, "%255s %31s %31s", name, scope, state), 3, "%s", one);
        cr_expect_str_eq(name, rows[i].n->name);
        cr_expect_str_eq(scope, rows[i].scope, "%s", one);
        cr_expect_str_eq(state, rows[i].state, "%s", one);
        cr_expect(strstr(one, rows[i].tail), "'%s' does not end with %s", one, rows[i].tail);
    }
    run_result_free(&r);
    free(ghost_id);
    free(id);
}

/* ==== clean on the shared engine: one node's volumes only ================================ */

Test(cli_engine, clean_by_name_removes_only_that_nodes_unused_tmpvols)
{
    node n;
    new_node(&n, "clean", false);
    /* another node whose name starts with "<n>-user-": its tmpvols are
     * vantage6-<n>-user-x-user-<job>-tmpvol */
    char other[160];
    snprintf(other, sizeof(other), "%.120s-user-x", n.name);
    char unused[260], busy[260], others[260], data_vol[260], busy_container[200];
    snprintf(unused, sizeof(unused), "vantage6-%s-user-7-tmpvol", n.name);
    snprintf(busy, sizeof(busy), "vantage6-%s-user-8-tmpvol", n.name);
    snprintf(others, sizeof(others), "vantage6-%s-user-9-tmpvol", other);
    snprintf(data_vol, sizeof(data_vol), "vantage6-%s-user-vol", n.name);
    snprintf(busy_container, sizeof(busy_container), "%s-cleanbusy", prefix);
    const char *vols[] = {unused, busy, others, data_vol};
    for (size_t i = 0; i < 4; i++) {
        track_volume(vols[i]);
        docker_ok("volume", "create", vols[i], NULL);
    }
    char mount[300];
    snprintf(mount, sizeof(mount), "%s:/tmpvol", busy);
    track_container(busy_container);
    docker_ok("create", "--name", busy_container, "--network", "none", "-v", mount, STANDIN, "true",
              NULL);

    run_result r = V6NODE("clean", "-n", n.name);
    cr_expect_eq(r.exit_code, 2, "no terminal and no --force: %s", r.err);
    run_result_free(&r);
    for (size_t i = 0; i < 4; i++)
        cr_expect(volume_exists(vols[i]), "%s removed without --force", vols[i]);

    r = V6NODE("clean", "-n", n.name, "-f");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.err, "removed 1 temporary volume\n"), "%s", r.err);
    cr_expect(strstr(r.err, busy), "no word about the volume in use: %s", r.err);
    run_result_free(&r);
    cr_expect(!volume_exists(unused), "the unused tmpvol was kept");
    cr_expect(volume_exists(busy), "the tmpvol in use was removed");
    cr_expect(volume_exists(data_vol), "the node's data volume was removed");
    cr_expect(volume_exists(others), "clean -n %s removed %s, a tmpvol of node %s", n.name, others,
              other);
}

/* ==== the private engine: broad operations ================================================== */

/* `list --json` has exactly `n` entries, in this order (name, scope, state,
 * config path or NULL, has an error). */
typedef struct expected_entry {
    const char *name, *scope, *state, *config;
    bool error;
} expected_entry;

static void expect_list_exactly(const expected_entry *want, size_t n)
{
    run_result r = V6NODE("list", "--json");
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    yajl_val v = parse_json(r.out);
    cr_assert(YAJL_IS_ARRAY(v));
    cr_expect_eq(v->u.array.len, n, "list has %zu entries, expected %zu: %s", v->u.array.len, n,
                 r.out);
    for (size_t i = 0; i < n && i < v->u.array.len; i++) {
        yajl_val e = v->u.array.values[i];
        cr_expect_str_eq(jstr(e, "name"), want[i].name, "entry %zu: %s", i, r.out);
        cr_expect_str_eq(jstr(e, "scope"), want[i].scope, "entry %zu (%s)", i, want[i].name);
        cr_expect_str_eq(jstr(e, "state"), want[i].state, "entry %zu (%s)", i, want[i].name);
        const char *config = jopt(e, "config"), *error = jopt(e, "config_error");
        if (want[i].config)
            cr_expect_str_eq(config, want[i].config, "entry %zu (%s)", i, want[i].name);
        else
            cr_expect_null(config, "entry %zu (%s): config %s", i, want[i].name, config);
        cr_expect_eq(error != NULL, want[i].error, "entry %zu (%s): config_error '%s'", i,
                     want[i].name, error ? error : "null");
    }
    yajl_tree_free(v);
    run_result_free(&r);

    r = V6NODE("list");
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    size_t lines = 0;
    for (const char *p = r.out; *p; p++)
        lines += *p == '\n';
    cr_expect_eq(lines, n ? n + 1 : 1, "the table:\n%s", r.out);
    run_result_free(&r);
}

Test(private_engine, stop_all_stops_every_node_and_removes_every_nodes_volumes)
{
    node a, b, s;
    new_node(&a, "alla", false);
    new_node(&b, "allb", false);
    new_node(&s, "alls", true);
    node *nodes[] = {&a, &b, &s};
    for (size_t i = 0; i < 3; i++) {
        write_config(nodes[i], "site-a", "pw");
        free(start_node(nodes[i]));
    }
    /* bystanders: a container that is no node, and a volume */
    docker_ok("run", "-d", "--name", "v6ntest-bystander", "--network", "none", STANDIN, "sh", "-c",
              "trap 'exit 0' TERM; while :; do sleep 0.2; done", NULL);
    docker_ok("volume", "create", "v6ntest-keepme", NULL);
    for (size_t i = 0; i < 3; i++) {
        cr_expect(wait_for_log(nodes[i]->container, CONTRACT, 10), "%s", nodes[i]->name);
        cr_expect_eq(node_volumes_present(nodes[i]), 4);
    }
    /* sorted by name, then scope */
    expected_entry before[] = {{a.name, "user", "running", a.config, false},
                               {b.name, "user", "running", b.config, false},
                               {s.name, "system", "running", s.config, false}};
    expect_list_exactly(before, 3);

    run_result r = V6NODE("stop", "--all");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    for (size_t i = 0; i < 3; i++) {
        char line[300];
        snprintf(line, sizeof(line), "stopped node %s (%s scope)", nodes[i]->name,
                 nodes[i]->system ? "system" : "user");
        cr_expect(strstr(r.err, line), "stderr does not say '%s': %s", line, r.err);
    }
    run_result_free(&r);
    for (size_t i = 0; i < 3; i++) {
        cr_expect(!container_exists(nodes[i]->container), "%s still there", nodes[i]->container);
        cr_expect_eq(node_volumes_present(nodes[i]), 0, "volumes of %s are left", nodes[i]->name);
    }
    cr_expect(container_running("v6ntest-bystander"), "stop --all stopped a container that is "
                                                      "no node");
    cr_expect(volume_exists("v6ntest-keepme"));

    expected_entry after[] = {{a.name, "user", "absent", a.config, false},
                              {b.name, "user", "absent", b.config, false},
                              {s.name, "system", "absent", s.config, false}};
    expect_list_exactly(after, 3);

    r = V6NODE("stop", "--all");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.err, "no nodes are running"), "%s", r.err);
    run_result_free(&r);
}

/* A paused node is a running container (docker ps lists it, `v6node stop -n`
 * stops it, the official `v6 node stop --all` stops it): --all must too. */
Test(private_engine, stop_all_also_stops_a_paused_node)
{
    node a, p;
    new_node(&a, "pausea", false);
    new_node(&p, "pausep", false);
    write_config(&a, "site-a", "pw");
    write_config(&p, "site-a", "pw");
    free(start_node(&a));
    free(start_node(&p));
    cr_expect(wait_for_log(p.container, CONTRACT, 10));
    docker_ok("pause", p.container, NULL);

    run_result r = V6NODE("stop", "--all");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(!strstr(r.err, "no nodes are running"), "%s", r.err);
    run_result_free(&r);
    cr_expect(!container_exists(a.container));
    cr_expect_eq(node_volumes_present(&a), 0);
    cr_expect(!container_exists(p.container), "stop --all left the paused node %s running", p.name);
    cr_expect_eq(node_volumes_present(&p), 0, "stop --all left the paused node's volumes");
}

Test(private_engine, restart_all_restarts_the_running_nodes_that_have_a_config)
{
    node a, s, idle, ghost;
    new_node(&a, "rsa", false);
    new_node(&s, "rss", true);
    new_node(&idle, "rsidle", false);
    new_node(&ghost, "rsghost", false);
    write_config(&a, "site-a", "pw");
    write_config(&s, "site-a", "pw");
    write_config(&idle, "site-a", "pw");
    char *a_id = start_node(&a);
    char *s_id = start_node(&s);
    run_node_like_container(ghost.name, false, true);
    char *ghost_id = inspect(NULL, ghost.container, "{{.Id}}");
    cr_assert_not_null(ghost_id);
    write_config(&a, "site-b", "pw"); /* a's config changed */

    run_result r = V6NODE("restart", "--all", "--pull", "never", "--docker-socket", socket_value());
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    char *new_a = inspect(NULL, a.container, "{{.Id}}");
    char *new_s = inspect(NULL, s.container, "{{.Id}}");
    cr_assert_not_null(new_a);
    cr_assert_not_null(new_s);
    cr_expect_str_neq(new_a, a_id, "%s was not restarted", a.name);
    cr_expect_str_neq(new_s, s_id, "%s was not restarted", s.name);
    /* stdout: the new ids */
    cr_expect(strstr(r.out, new_a) && strstr(r.out, new_s), "%s", r.out);
    run_result_free(&r);
    cr_expect(!container_exists(idle.container), "a node that was not running was started");
    char *still = inspect(NULL, ghost.container, "{{.Id}}");
    cr_expect_str_eq(still, ghost_id, "the node container without config was touched");
    free(still);

    /* the restart applied a's new config (status judges drift against the
     * start options given: the same --docker-socket) */
    r = V6NODE("status", "-n", a.name, "--json", "--docker-socket", socket_value());
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    yajl_val v = parse_json(r.out);
    cr_expect_eq(jget(v, "drift", yajl_t_array)->u.array.len, 0, "%s", r.out);
    cr_expect_str_eq(jstr(v, "id"), new_a);
    yajl_tree_free(v);
    run_result_free(&r);
    r = V6NODE("status", "-n", s.name, "--system", "--json", "--docker-socket", socket_value());
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    v = parse_json(r.out);
    cr_expect_str_eq(jstr(v, "scope"), "system");
    cr_expect_str_eq(jstr(v, "container"), s.container);
    cr_expect_str_eq(jstr(v, "config"), s.config);
    cr_expect_str_eq(jstr(v, "id"), new_s);
    cr_expect_eq(jget(v, "drift", yajl_t_array)->u.array.len, 0, "%s", r.out);
    yajl_tree_free(v);
    run_result_free(&r);
    cr_expect(wait_for_log(a.container, CONTRACT, 10));
    cr_expect(wait_for_log(s.container, CONTRACT, 10));
    free(new_a);
    free(new_s);
    free(a_id);
    free(s_id);
    free(ghost_id);
}

Test(private_engine, clean_removes_only_unused_vantage6_tmpvols)
{
    const char *removed[] = {"vantage6-v6ntest-c1-user-1-tmpvol",
                             "vantage6-v6ntest-c2-system-22-tmpvol"};
    const char *kept[] = {
        "vantage6-v6ntest-c3-user-3-tmpvol",     /* in use */
        "v6ntest-other-4-tmpvol",                /* no vantage6 volume */
        "vantage6-v6ntest-c4-user-vol",          /* a node's data volume */
        "vantage6-v6ntest-c5-user-5-tmpvol-old", /* does not end in -tmpvol */
    };
    for (size_t i = 0; i < 2; i++)
        docker_ok("volume", "create", removed[i], NULL);
    for (size_t i = 0; i < 4; i++)
        docker_ok("volume", "create", kept[i], NULL);
    char mount[300];
    snprintf(mount, sizeof(mount), "%s:/tmpvol", kept[0]);
    docker_ok("create", "--name", "v6ntest-uses-tmpvol", "--network", "none", "-v", mount, STANDIN,
              "true", NULL);

    run_result r = V6NODE("clean");
    cr_expect_eq(r.exit_code, 2, "no terminal and no --force: %s", r.err);
    run_result_free(&r);
    cr_expect(volume_exists(removed[0]) && volume_exists(removed[1]));

    r = V6NODE("clean", "--force");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.err, "removed 2 temporary volumes\n"), "%s", r.err);
    cr_expect(strstr(r.err, kept[0]), "no word about the volume in use: %s", r.err);
    run_result_free(&r);
    for (size_t i = 0; i < 2; i++)
        cr_expect(!volume_exists(removed[i]), "%s was kept", removed[i]);
    for (size_t i = 0; i < 4; i++)
        cr_expect(volume_exists(kept[i]), "%s was removed", kept[i]);

    /* the whole set of volumes on the engine */
    r = docker_cli("volume", "ls", "-q", NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    size_t lines = 0;
    for (const char *p = r.out; *p; p++)
        lines += *p == '\n';
    cr_expect_eq(lines, 4, "volumes left: %s", r.out);
    run_result_free(&r);

    r = V6NODE("clean", "--force");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.err, "removed 0 temporary volumes"), "%s", r.err);
    run_result_free(&r);
}

Test(private_engine, list_shows_exactly_the_expected_set)
{
    /* names sort as listed: v6ntest-<pid>-<time>-l1... */
    node run, run_sys, idle, bad, twin, twin_sys, ghost, ghost_sys;
    new_node(&run, "l1run", false);
    new_node(&run_sys, "l2runsys", true);
    new_node(&idle, "l3idle", false);
    new_node(&bad, "l4bad", false);
    new_node(&twin, "l5twin", false);      /* NAME.yaml and NAME.yml: one entry, .yaml */
    new_node(&twin_sys, "l5twin", true);   /* the same name in the system scope */
    new_node(&ghost, "l6ghost", false);    /* running, no config */
    new_node(&ghost_sys, "l7ghost", true); /* stopped, no config */
    write_config(&run, "site-a", "pw");
    write_config(&run_sys, "site-a", "pw");
    write_config(&idle, "site-a", "pw");
    cr_assert_eq(write_text(bad.config, "api_key: k\nport: [\n"), 0);
    write_config(&twin, "site-a", "pw");
    char yml[2048];
    snprintf(yml, sizeof(yml), "%.*s.yml", (int)(strlen(twin.config) - 5), twin.config);
    cr_assert_eq(write_text(yml, "not: [valid\n"), 0);
    write_config(&twin_sys, "site-a", "pw");
    free(start_node(&run));
    free(start_node(&run_sys));
    run_node_like_container(ghost.name, false, true);
    run_node_like_container(ghost_sys.name, true, false);
    /* neither of these is a node: not labelled, or labelled but misnamed */
    docker_ok("create", "--name", "vantage6-v6ntest-unlabelled-user", "--network", "none", STANDIN,
              "true", NULL);
    docker_ok("create", "--name", "v6ntest-misnamed", "--label", "vantage6-type=node", "--label",
              "name=v6ntest-misnamed", "--label", "system=False", "--network", "none", STANDIN,
              "true", NULL);

    expected_entry want[] = {
        {run.name, "user", "running", run.config, false},
        {run_sys.name, "system", "running", run_sys.config, false},
        {idle.name, "user", "absent", idle.config, false},
        {bad.name, "user", "absent", bad.config, true},
        {twin.name, "user", "absent", twin.config, false},
        {twin_sys.name, "system", "absent", twin_sys.config, false},
        {ghost.name, "user", "running", NULL, false},
        {ghost_sys.name, "system", "stopped", NULL, false},
    };
    expect_list_exactly(want, sizeof(want) / sizeof(want[0]));
}

/* ==== the node as it was started; orphans ========================================== */

Test(cli_engine, status_without_the_start_options_shows_no_drift)
{
    node n;
    new_node(&n, "asstarted", false);
    write_config(&n, "site-a", "pw");
    char *id = start_node(&n); /* -i STANDIN --pull never, a docker socket, a workdir */
    run_result r = V6NODE("status", "-n", n.name, "--json");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    yajl_val v = parse_json(r.out);
    cr_expect_eq(jget(v, "drift", yajl_t_array)->u.array.len, 0, "%s", r.out);
    cr_expect_str_eq(jstr(v, "image"), STANDIN);
    cr_expect_null(jopt(v, "drift_error"), "%s", r.out);
    yajl_tree_free(v);
    run_result_free(&r);
    free(id);
}

Test(cli_engine, an_orphan_is_stopped_and_removed_by_name)
{
    node n;
    new_node(&n, "orphan", false);
    write_config(&n, "site-a", "pw");
    char *id = start_node(&n);
    cr_assert_eq(unlink(n.config), 0);
    run_result r = V6NODE("status", "-n", n.name);
    cr_expect_eq(r.exit_code, 0, "a running orphan: %s", r.err);
    cr_expect(strstr(r.out, "state      running") && strstr(r.out, "not judged: no config"), "%s",
              r.out);
    run_result_free(&r);
    r = V6NODE("stop", "-n", n.name);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    cr_expect(!container_exists(n.container));
    cr_expect_eq(node_volumes_present(&n), 0);
    r = V6NODE("remove", "-n", n.name, "--force");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    char data[2048];
    data_dir_of(&n, data, sizeof(data));
    cr_expect(!path_exists(data), "%s is still there", data);
    free(id);
}

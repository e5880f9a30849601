/* Remote engines over SSH: a private sshd on 127.0.0.1 (ssh/ssh-server.sh)
 * lets the user v6test in, and on its side Debian's docker CLI
 * (/usr/bin/docker system dial-stdio) carries the Engine API to the test
 * engine. A node's whole life over ssh://, one list over unix://, tcp:// and
 * ssh:// engines, every failure with its own message and no hang, and not one
 * ssh process or file descriptor left behind.
 *
 * ssh reads ~/.ssh of the passwd entry, never $HOME: the suite puts the
 * server's ssh wrapper first in PATH, which runs /usr/bin/ssh -F
 * $HOME/.ssh/config, so that each test writes the config (key, known_hosts)
 * a user would keep in ~/.ssh/config into its own temp HOME. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "node_fixture.h"

/* Not part of the public ABI: the tests link the library's objects. */
typedef struct v6n_ssh v6n_ssh;

typedef struct ssh_env {
    char host[128], port[16], dir[256], known_hosts[300], other_known_hosts[300], wrapper[300];
} ssh_env;

static ssh_env env;
static char ssh_log[1300]; /* the wrapper appends each ssh command line here */

static void read_env(void)
{
    env_field fields[] = {
        {"SSH_HOST=", env.host, sizeof(env.host)},
        {"SSH_PORT=", env.port, sizeof(env.port)},
        {"SSH_DIR=", env.dir, sizeof(env.dir)},
        {"SSH_KNOWN_HOSTS=", env.known_hosts, sizeof(env.known_hosts)},
        {"SSH_OTHER_KNOWN_HOSTS=", env.other_known_hosts, sizeof(env.other_known_hosts)},
        {"SSH_WRAPPER_DIR=", env.wrapper, sizeof(env.wrapper)}};
    char *why = read_env_file("V6N_SSH_ENV", fields, sizeof(fields) / sizeof(fields[0]));
    cr_assert_null(why, "no sshd: %s", why);
}

/* ~/.ssh/config of the test's HOME: the key `key` (DIR/keys/KEY) for
 * 127.0.0.1, and `known_hosts` as the only known hosts. */
static void ssh_config(const char *key, const char *known_hosts)
{
    char path[1300], text[2048];
    snprintf(path, sizeof(path), "%s/home/.ssh/config", fx.dir);
    snprintf(text, sizeof(text),
             "Host 127.0.0.1\n"
             "  IdentityFile %s/keys/%s\n"
             "  IdentitiesOnly yes\n"
             "  UserKnownHostsFile %s\n"
             "  GlobalKnownHostsFile /dev/null\n",
             env.dir, key, known_hosts);
    cr_assert_eq(write_text(path, text), 0);
}

static void init(void)
{
    read_env(); /* first: without an sshd, nothing is made */
    nodefx_init();
    unsetenv("DOCKER_HOST");
    unsetenv("DOCKER_TLS_VERIFY");
    unsetenv("DOCKER_CERT_PATH");
    unsetenv("SSH_AUTH_SOCK"); /* only the keys the config names */
    const char *path = getenv("PATH");
    char *with_wrapper = NULL;
    cr_assert(asprintf(&with_wrapper, "%s:%s", env.wrapper, path ? path : "/usr/bin:/bin") > 0);
    setenv("PATH", with_wrapper, 1);
    free(with_wrapper);
    snprintf(ssh_log, sizeof(ssh_log), "%s/ssh.log", fx.dir);
    setenv("V6N_SSH_LOG", ssh_log, 1);
    ssh_config("client", env.known_hosts);
    fx.opts.pull = V6N_PULL_NEVER;
}

static v6n_client *ssh_client;

static void fini(void)
{
    if (ssh_client) /* a node may still run through it */
        nodefx_stop_named(ssh_client, fx.node, NULL);
    v6n_client_free(ssh_client);
    ssh_client = NULL;
    if (fx.dir)
        nodefx_fini();
}

TestSuite(ssh, .init = init, .fini = fini, .timeout = 180);

static int open_ssh(v6n_client **out, const char *host, long connect_ms, long request_ms)
{
    v6n_engine_options eo = V6N_ENGINE_OPTIONS_INIT;
    eo.host = host;
    eo.connect_timeout_ms = connect_ms;
    eo.request_timeout_ms = request_ms;
    return v6n_client_new(out, &eo);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How many ssh processes the library started so far (lines of the log). */
static int ssh_runs(void)
{
    char *text = read_text(ssh_log);
    int n = 0;
    for (const char *p = text; p && *p; p++)
        n += *p == '\n';
    free(text);
    return n;
}

/* The processes whose parent is this one. */
static int children(void)
{
    DIR *d = opendir("/proc");
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], line[1024];
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(line, sizeof(line), f)) {
            const char *close = strrchr(line, ')');
            char state;
            int ppid;
            if (close && sscanf(close + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid())
                n++;
        }
        fclose(f);
    }
    closedir(d);
    return n;
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d);
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* A ping that fails with `code` and a message holding `needle`, in less than
 * `max_s` seconds. */
static void expect_failure(v6n_client *c, int code, const char *needle, double max_s)
{
    double t0 = now_s();
    int rc = v6n_client_ping(c);
    double took = now_s() - t0;
    cr_expect_eq(rc, code, "expected %s, got %s: %s", v6n_error_code_name(code),
                 v6n_error_code_name(rc), v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, needle), "the message lacks '%s': %s", needle,
              v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, env.host) ||
                  strstr(v6n_error_last()->message, "ssh://"),
              "the message names the engine: %s", v6n_error_last()->message);
    cr_expect_lt(took, max_s, "took %.1f s", took);
}

/* ---- a node's life over ssh ------------------------------------------------------ */

typedef struct events {
    int pull_starts, started, warnings;
} events;

static int count_event(const v6n_event *e, void *payload)
{
    events *ev = payload;
    ev->pull_starts += e->kind == V6N_EVENT_PULL_START;
    ev->started += e->kind == V6N_EVENT_STARTED;
    ev->warnings += e->kind == V6N_EVENT_WARNING;
    return 0;
}

static int until_contract(const char *data, size_t len, int stream, void *payload)
{
    (void)stream;
    size_t *got = payload;
    *got += data ? len : 0;
    return data && strstr(data, "contract holds") ? 1 : 0; /* the caller stops following */
}

Test(ssh, a_node_starts_logs_and_stops_over_ssh)
{
    cr_assert_eq(open_ssh(&ssh_client, env.host, 0, 0), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_client_host(ssh_client), env.host);
    cr_expect_null(v6n_client_socket_path(ssh_client));
    nodefx_typical_config();
    /* the default policy: a pull over ssh (which fails: nothing serves
     * 127.0.0.1:5999), then the local copy */
    fx.opts.pull = V6N_PULL_DEFAULT;
    events ev = {0};
    fx.opts.callbacks.on_event = count_event;
    fx.opts.callbacks.payload = &ev;
    nodefx_build();
    char *id = NULL;
    cr_assert_eq(v6n_node_start(&id, fx.handle, ssh_client), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_eq(ev.pull_starts, 1, "the start pulled first");
    cr_expect_eq(ev.started, 1);
    /* every request of the start went over one connection: one ssh */
    cr_expect_eq(ssh_runs(), 1, "ssh runs: %d", ssh_runs());

    v6n_node_status *st = NULL;
    cr_assert_eq(v6n_node_status_get(&st, fx.handle, ssh_client), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_eq(v6n_node_status_state(st), V6N_NODE_RUNNING);
    cr_expect_str_eq(v6n_node_status_container_id(st), id);
    cr_expect_eq(v6n_node_status_drift_count(st), 0);
    v6n_node_status_free(st);

    /* the engine behind ssh is the test engine: the container is there */
    cr_expect(nodefx_container_exists(fx.container));

    size_t got = 0;
    v6n_logs_options lo = V6N_LOGS_OPTIONS_INIT;
    lo.follow = 1;
    lo.callbacks.on_log = until_contract;
    lo.callbacks.payload = &got;
    double t0 = now_s();
    cr_expect_eq(v6n_node_logs(fx.handle, ssh_client, &lo), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_gt(got, 0);
    cr_expect_lt(now_s() - t0, 30.0);

    cr_expect_eq(v6n_node_stop(fx.handle, ssh_client, NULL), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_eq(v6n_node_status_get(&st, fx.handle, ssh_client), V6N_OK);
    cr_expect_eq(v6n_node_status_state(st), V6N_NODE_ABSENT);
    v6n_node_status_free(st);
    v6n_free(id);

    /* the command line, as the docker CLI's, plus BatchMode */
    char *log = read_text(ssh_log);
    char want[256];
    snprintf(want, sizeof(want),
             "-o ConnectTimeout=30 -T -o BatchMode=yes -l v6test -p %s -- 127.0.0.1 docker system "
             "dial-stdio\n",
             env.port);
    cr_expect(log && strncmp(log, want, strlen(want)) == 0, "ssh ran as: %s", log);
    free(log);
}

static int start_registry(void)
{
    char script[1024];
    snprintf(script, sizeof(script), "%s/tests/integration/fake_registry.py", V6N_SOURCE_DIR);
    char *argv[] = {"python3", script, "0", NULL};
    int port = 0;
    cr_assert_eq(spawn_server(&fx.server_pid, &port, argv, 20.0), 0,
                 "the fake registry did not start");
    return port;
}

static int count_progress(const v6n_event *e, void *payload)
{
    int *n = payload;
    *n += e->kind == V6N_EVENT_PULL_PROGRESS || e->kind == V6N_EVENT_PULL_DONE;
    return 0;
}

Test(ssh, a_pull_streams_its_progress_over_ssh)
{
    int port = start_registry();
    char image[256];
    snprintf(image, sizeof(image), "127.0.0.1:%d/v6node-test/good:1", port);
    snprintf(fx.extra_images[0], sizeof(fx.extra_images[0]), "%s", image);
    cr_assert_eq(open_ssh(&ssh_client, env.host, 0, 0), V6N_OK, "%s", v6n_error_last()->message);
    int progress = 0;
    cr_assert_eq(v6n_image_pull(ssh_client, image,
                                &(v6n_callbacks){.on_event = count_progress, .payload = &progress}),
                 V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_geq(progress, 2);
    int present = 0;
    cr_expect_eq(v6n_image_exists(&present, ssh_client, image), V6N_OK);
    cr_expect_eq(present, 1);
    /* a refusal inside the answer comes through as the engine's own */
    snprintf(image, sizeof(image), "127.0.0.1:%d/v6node-test/good:nope", port);
    cr_expect_eq(v6n_image_pull(ssh_client, image, NULL), V6N_ENOTFOUND, "%s",
                 v6n_error_last()->message);
    cr_expect_eq(v6n_error_last()->http_status, 404);
}

/* ---- the CLI: one list over several engines ------------------------------------------ */

static run_result v6node(const char *const *args, const char *extra_env)
{
    char *argv[32];
    size_t n = 0;
    argv[n++] = (char *)V6N_CLI_PATH;
    for (; *args && n < 31; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    char home[1200], path[4200], log[1400];
    snprintf(home, sizeof(home), "HOME=%s/home", fx.dir);
    snprintf(path, sizeof(path), "PATH=%s", getenv("PATH"));
    snprintf(log, sizeof(log), "V6N_SSH_LOG=%s", ssh_log);
    char *envp[] = {home, path, log, (char *)extra_env, NULL};
    run_result r;
    cr_assert_eq(run_program(&r, argv, envp, fx.dir, 90.0), 0);
    return r;
}

/* A plain tcp:// endpoint for the test engine: socat on a free port of
 * 127.0.0.1, for this test only. */
static int tcp_relay(int *pid)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    cr_assert(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
              getsockname(s, (struct sockaddr *)&a, &len) == 0);
    close(s);
    int port = ntohs(a.sin_port);
    char listen[96];
    snprintf(listen, sizeof(listen), "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork", port);
    char *argv[] = {"sh", "-c", "echo READY; exec socat \"$0\" UNIX-CONNECT:/var/run/docker.sock",
                    listen, NULL};
    cr_assert_eq(spawn_until(pid, argv, "READY", 10.0), 0, "socat did not start");
    for (int i = 0; i < 100; i++) { /* until it listens */
        int c = socket(AF_INET, SOCK_STREAM, 0);
        int ok = connect(c, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(c);
        if (ok)
            break;
        usleep(50 * 1000);
    }
    return port;
}

Test(ssh, list_labels_the_nodes_of_unix_tcp_and_ssh_engines)
{
    nodefx_typical_config();
    nodefx_start_ok(); /* on the local engine, through its unix socket */
    char tcp_host[64];
    snprintf(tcp_host, sizeof(tcp_host), "tcp://127.0.0.1:%d", tcp_relay(&fx.server_pid));

    /* exactly the command of the issue */
    const char *table[] = {"list",   "--host", "unix:///var/run/docker.sock",
                           "--host", env.host, NULL};
    run_result r = v6node(table, NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    char unix_row[256], ssh_row[256];
    snprintf(unix_row, sizeof(unix_row), "\n%-31.31s %s ", "unix:///var/run/docker.sock", fx.node);
    snprintf(ssh_row, sizeof(ssh_row), "\n%-31.31s %s ", env.host, fx.node);
    cr_expect(strncmp(r.out, "ENGINE ", 7) == 0, "%s", r.out);
    cr_expect(strstr(r.out, unix_row), "no row for the node on unix://: %s", r.out);
    cr_expect(strstr(r.out, ssh_row), "no row for the node on ssh://: %s", r.out);
    run_result_free(&r);

    /* --json over the three kinds; the TLS variables are for tcp:// engines
     * only, and this tcp:// one is plain: DOCKER_TLS_VERIFY is not set */
    const char *json[] = {"list",   "--json", "--host", "unix:///var/run/docker.sock",
                          "--host", tcp_host, "--host", env.host,
                          NULL};
    r = v6node(json, NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    yajl_val v = yajl_tree_parse(r.out, NULL, 0);
    cr_assert(v && YAJL_IS_ARRAY(v), "%s", r.out);
    int on_unix = 0, on_tcp = 0, on_ssh = 0;
    for (size_t i = 0; i < v->u.array.len; i++) {
        const char *name_path[] = {"name", NULL}, *engine_path[] = {"engine", NULL};
        yajl_val name = yajl_tree_get(v->u.array.values[i], name_path, yajl_t_string);
        yajl_val engine = yajl_tree_get(v->u.array.values[i], engine_path, yajl_t_string);
        cr_assert(engine, "an entry without its engine: %s", r.out);
        if (!name || strcmp(name->u.string, fx.node) != 0)
            continue;
        on_unix += strcmp(engine->u.string, "unix:///var/run/docker.sock") == 0;
        on_tcp += strcmp(engine->u.string, tcp_host) == 0;
        on_ssh += strcmp(engine->u.string, env.host) == 0;
    }
    cr_expect_eq(on_unix, 1, "%s", r.out);
    cr_expect_eq(on_tcp, 1, "%s", r.out);
    cr_expect_eq(on_ssh, 1, "%s", r.out);
    yajl_tree_free(v);
    run_result_free(&r);

    /* status and stop over ssh, with DOCKER_TLS_VERIFY set (ignored for ssh://,
     * as by the docker CLI) */
    const char *status[] = {"status", "--json", "--host", env.host, "-n", fx.node, NULL};
    r = v6node(status, "DOCKER_TLS_VERIFY=1");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.out, "\"running\""), "%s", r.out);
    run_result_free(&r);
    const char *stop[] = {"stop", "--host", env.host, "-n", fx.node, NULL};
    r = v6node(stop, "DOCKER_TLS_VERIFY=1");
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    cr_expect(!nodefx_container_exists(fx.container));
}

/* DOCKER_HOST and a Docker context with an ssh:// endpoint (its TLS folder, if
 * any, is not for ssh) */
Test(ssh, docker_host_and_contexts_name_ssh_engines)
{
    setenv("DOCKER_HOST", env.host, 1);
    setenv("DOCKER_TLS_VERIFY", "1", 1);
    v6n_client *c = NULL;
    cr_assert_eq(v6n_client_from_env(&c), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_eq(v6n_client_ping(c), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_client_host(c), env.host);
    v6n_client_free(c);
    unsetenv("DOCKER_HOST");
    unsetenv("DOCKER_TLS_VERIFY");

    char path[1400], json[512];
    snprintf(path, sizeof(path), "%s/home/.docker/contexts/meta/v6ntest-ssh-id/meta.json", fx.dir);
    snprintf(json, sizeof(json),
             "{\"Name\":\"v6ntest-ssh\",\"Metadata\":{},\"Endpoints\":{\"docker\":"
             "{\"Host\":\"%s\",\"SkipTLSVerify\":false}}}",
             env.host);
    cr_assert_eq(write_text(path, json), 0);
    snprintf(path, sizeof(path), "%s/home/.docker/contexts/tls/v6ntest-ssh-id/docker/ca.pem",
             fx.dir);
    cr_assert_eq(write_text(path, "not for ssh\n"), 0);
    cr_assert_eq(v6n_client_from_context(&c, "v6ntest-ssh"), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_eq(v6n_client_ping(c), V6N_OK, "%s", v6n_error_last()->message);
    v6n_client_free(c);

    /* TLS asked for explicitly is refused for ssh:// */
    v6n_engine_options eo = V6N_ENGINE_OPTIONS_INIT;
    eo.host = env.host;
    eo.tls = 1;
    cr_expect_eq(v6n_client_new(&c, &eo), V6N_EINVAL);
    cr_expect(strstr(v6n_error_last()->message, "TLS is for tcp:// hosts"), "%s",
              v6n_error_last()->message);
}

/* ---- every failure, its own message, no hang ------------------------------------------ */

Test(ssh, an_unknown_host_key)
{
    char empty[1300];
    snprintf(empty, sizeof(empty), "%s/empty_known_hosts", fx.dir);
    cr_assert_eq(write_text(empty, ""), 0);
    ssh_config("client", empty);
    cr_assert_eq(open_ssh(&ssh_client, env.host, 0, 0), V6N_OK);
    expect_failure(ssh_client, V6N_EUNAVAILABLE, "does not know the host key of 127.0.0.1", 10);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "`ssh -p %s v6test@127.0.0.1`", env.port);
    cr_expect(strstr(v6n_error_last()->message, cmd), "says how to accept it: %s",
              v6n_error_last()->message);
}

Test(ssh, a_changed_host_key)
{
    ssh_config("client", env.other_known_hosts);
    cr_assert_eq(open_ssh(&ssh_client, env.host, 0, 0), V6N_OK);
    expect_failure(ssh_client, V6N_EUNAVAILABLE, "has CHANGED", 10);
}

Test(ssh, a_key_the_server_refuses)
{
    ssh_config("stranger", env.known_hosts);
    cr_assert_eq(open_ssh(&ssh_client, env.host, 0, 0), V6N_OK);
    expect_failure(ssh_client, V6N_EUNAVAILABLE, "refused to let v6test log in", 10);
    cr_expect(strstr(v6n_error_last()->message, "Permission denied (publickey)"), "%s",
              v6n_error_last()->message);
}

Test(ssh, no_docker_on_the_remote_side)
{
    ssh_config("nodocker", env.known_hosts);
    cr_assert_eq(open_ssh(&ssh_client, env.host, 0, 0), V6N_OK);
    expect_failure(ssh_client, V6N_EENGINE, "no `docker` command in the PATH", 10);
    cr_expect(strstr(v6n_error_last()->message, "docker: not found"), "%s",
              v6n_error_last()->message);
}

Test(ssh, the_remote_engine_is_down)
{
    /* the remote docker CLI's DOCKER_HOST names a socket nothing serves */
    ssh_config("noengine", env.known_hosts);
    cr_assert_eq(open_ssh(&ssh_client, env.host, 0, 0), V6N_OK);
    expect_failure(ssh_client, V6N_EUNAVAILABLE, "cannot reach its engine", 10);
    cr_expect(strstr(v6n_error_last()->message, "no-engine.sock"), "%s", v6n_error_last()->message);

    /* the same through a socket path in the URL (docker --host=unix://PATH) */
    ssh_config("client", env.known_hosts);
    char host[512];
    snprintf(host, sizeof(host), "%s%s/absent.sock", env.host, env.dir);
    v6n_client *c = NULL;
    cr_assert_eq(open_ssh(&c, host, 0, 0), V6N_OK, "%s", v6n_error_last()->message);
    expect_failure(c, V6N_EUNAVAILABLE, "cannot reach its engine", 10);
    cr_expect(strstr(v6n_error_last()->message, "absent.sock"), "%s", v6n_error_last()->message);
    v6n_client_free(c);
    char *log = read_text(ssh_log);
    char want[512];
    snprintf(want, sizeof(want), "docker --host=unix://%s/absent.sock system dial-stdio", env.dir);
    cr_expect(log && strstr(log, want), "ssh ran as: %s", log);
    free(log);
}

Test(ssh, no_ssh_client_here)
{
    char bin[1300];
    snprintf(bin, sizeof(bin), "%s/no-ssh-bin", fx.dir);
    cr_assert_eq(mkdir(bin, 0700), 0);
    setenv("PATH", bin, 1);
    cr_assert_eq(open_ssh(&ssh_client, env.host, 0, 0), V6N_OK);
    expect_failure(ssh_client, V6N_EUNAVAILABLE, "the ssh client is not installed here", 5);
    cr_expect_eq(children(), 0);
}

Test(ssh, no_ssh_server_at_that_port)
{
    cr_assert_eq(open_ssh(&ssh_client, "ssh://v6test@127.0.0.1:9", 0, 0), V6N_OK);
    expect_failure(ssh_client, V6N_EUNAVAILABLE, "no SSH server answers at 127.0.0.1 port 9", 10);
}

/* A remote "docker" that takes the request and never answers: the request
 * timeout ends ordinary requests, and streams too (their answer must begin in
 * that time over ssh); the stalled ssh is ended and reaped. */
Test(ssh, a_remote_that_never_answers_does_not_hang_a_call)
{
    ssh_config("stalled", env.known_hosts);
    cr_assert_eq(open_ssh(&ssh_client, env.host, 0, 2000), V6N_OK);
    expect_failure(ssh_client, V6N_EUNAVAILABLE, "did not answer in time", 8);
    v6n_client_free(ssh_client);
    ssh_client = NULL;
    cr_expect_eq(children(), 0, "an ssh was left running");

    /* a stream (the API version pinned: no ping first) */
    v6n_engine_options eo = V6N_ENGINE_OPTIONS_INIT;
    eo.host = env.host;
    eo.api_version = "1.41";
    eo.request_timeout_ms = 2000;
    cr_assert_eq(v6n_client_new(&ssh_client, &eo), V6N_OK);
    double t0 = now_s();
    int rc = v6n_image_pull(ssh_client, "127.0.0.1:5999/v6node-test/absent:1", NULL);
    cr_expect_eq(rc, V6N_EUNAVAILABLE, "%s: %s", v6n_error_code_name(rc),
                 v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "did not answer in time"), "%s",
              v6n_error_last()->message);
    cr_expect_lt(now_s() - t0, 8.0);
    v6n_client_free(ssh_client);
    ssh_client = NULL;
    cr_expect_eq(children(), 0, "an ssh was left running");
}

/* An SSH server that accepts the connection and never says a word: ssh's
 * ConnectTimeout (the client's connect timeout, in seconds) ends it. */
Test(ssh, a_server_that_never_greets_does_not_hang_a_call)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    cr_assert(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(s, 4) == 0 &&
              getsockname(s, (struct sockaddr *)&a, &len) == 0);
    char host[64];
    snprintf(host, sizeof(host), "ssh://v6test@127.0.0.1:%d", ntohs(a.sin_port));
    cr_assert_eq(open_ssh(&ssh_client, host, 2000, 0), V6N_OK);
    expect_failure(ssh_client, V6N_EUNAVAILABLE, "timed out", 8);
    close(s);
}

/* ---- nothing left behind ------------------------------------------------------------- */

Test(ssh, every_ssh_is_reaped_and_no_descriptor_is_left)
{
    int fds = open_fds();
    for (int round = 0; round < 3; round++) {
        v6n_client *c = NULL;
        cr_assert_eq(open_ssh(&c, env.host, 0, 0), V6N_OK);
        cr_assert_eq(v6n_client_ping(c), V6N_OK, "%s", v6n_error_last()->message);
        v6n_node_list *list = NULL;
        cr_assert_eq(v6n_node_list_get(&list, c, NULL), V6N_OK, "%s", v6n_error_last()->message);
        v6n_node_list_free(list);
        cr_expect_eq(children(), 1, "one ssh for the client's one connection");
        double t0 = now_s();
        v6n_client_free(c);
        cr_expect_lt(now_s() - t0, 1.0, "closing waited for ssh");
        cr_expect_eq(children(), 0, "an ssh was left");
    }
    cr_expect_eq(open_fds(), fds, "file descriptors were left open");
    cr_expect_eq(ssh_runs(), 3);
    /* a failed connection too */
    ssh_config("stranger", env.known_hosts);
    v6n_client *c = NULL;
    cr_assert_eq(open_ssh(&c, env.host, 0, 0), V6N_OK);
    cr_expect_eq(v6n_client_ping(c), V6N_EUNAVAILABLE);
    cr_expect_eq(children(), 0);
    v6n_client_free(c);
    cr_expect_eq(open_fds(), fds, "file descriptors were left open");
}

/* See bench_engine.h. */
#define _GNU_SOURCE
#include "bench_engine.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

extern char **environ;

bn_env bn;
v6n_start_options bn_opts = V6N_START_OPTIONS_INIT;

static const char *const VOLUME_SUFFIXES[] = {"vol", "vpn-vol", "ssh-vol", "squid-vol"};
static volatile sig_atomic_t interrupted;
static char **live; /* containers this process may have made, not yet cleaned up */
static size_t n_live, cap_live;
static bn_curl *janitor; /* the clean-up client (main thread only) */
static char *typical_text;
static int counter;

bool bn_interrupted(void)
{
    return interrupted != 0;
}

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void register_live(const char *container)
{
    if (n_live == cap_live) {
        cap_live = cap_live ? cap_live * 2 : 64;
        live = realloc(live, cap_live * sizeof(*live));
        if (!live)
            bn_die("out of memory");
    }
    live[n_live++] = bn_strdup(container);
}

static void unregister_live(const char *container)
{
    for (size_t i = 0; i < n_live; i++)
        if (strcmp(live[i], container) == 0) {
            free(live[i]);
            live[i] = live[--n_live];
            return;
        }
}

static void cleanup_at_exit(void)
{
    while (n_live > 0) {
        char *name = bn_strdup(live[n_live - 1]);
        bn_cleanup_container(name);
        unregister_live(name);
        free(name);
    }
    bn_curl_free(janitor);
    janitor = NULL;
    if (bn.dir)
        bn_rmtree(bn.dir);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, len = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            buf = realloc(buf, cap);
            if (!buf)
                bn_die("out of memory");
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf)
        buf = bn_strdup("");
    else
        buf[len] = '\0';
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        bn_die("cannot write %s", path);
}

void bn_env_init(void)
{
    bn.pid = (int)getpid();
    char tmpl[64];
    snprintf(tmpl, sizeof(tmpl), "/tmp/v6nbench-%d-XXXXXX", bn.pid);
    if (!mkdtemp(tmpl))
        bn_die("mkdtemp: %s", strerror(errno));
    bn.dir = bn_strdup(tmpl);
    atexit(cleanup_at_exit);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    bn.home = bn_fmt("%s/home", bn.dir);
    bn.confdir = bn_fmt("%s/.config/vantage6/node", bn.home);
    if (bn_mkdirs(bn.confdir) != 0)
        bn_die("mkdir %s: %s", bn.confdir, strerror(errno));
    setenv("HOME", bn.home, 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_DATA_HOME");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("XDG_CONFIG_DIRS");
    unsetenv("XDG_DATA_DIRS");
    unsetenv("DOCKER_HOST"); /* the benchmarks talk to the local engine's socket */
    unsetenv("DOCKER_API_VERSION");

    char *datadir = bn_fmt("%s/data", bn.dir);
    bn_mkdirs(datadir);
    bn.csv = bn_fmt("%s/cohort.csv", datadir);
    free(datadir);
    write_file(bn.csv, "id,age\n1,40\n2,51\n");

    /* the typical config is the demo node's, with its csv at an absolute path */
    char *demo = slurp(V6N_DEMO_DIR "/demo.yaml");
    if (!demo)
        bn_die("cannot read %s", V6N_DEMO_DIR "/demo.yaml");
    const char *needle = "uri: data/cohort.csv";
    char *at = strstr(demo, needle);
    if (!at)
        bn_die("demo.yaml has no '%s'", needle);
    typical_text = bn_fmt("%.*suri: %s%s", (int)(at - demo), demo, bn.csv, at + strlen(needle));
    free(demo);

    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        bn_die("readlink /proc/self/exe: %s", strerror(errno));
    exe[n] = '\0';
    bn.bindir = bn_strdup(dirname(exe));
    const char *py = getenv("V6N_BENCH_PYTHON");
    bn.python = bn_strdup(py && *py ? py : "python3");
    bn.pyscript = bn_strdup(V6N_BENCH_SOURCE_DIR "/dockerpy_bench.py");
    const char *tool = getenv("V6N_BENCH_V6NODE");
    bn.v6node = tool && *tool ? bn_strdup(tool) : bn_fmt("%s/../cli/v6node", bn.bindir);

    bn_opts.image = BN_STANDIN;
    bn_opts.pull = V6N_PULL_MISSING;
    bn_opts.working_dir = bn.dir;
    janitor = bn_curl_new(NULL);
}

void bn_node_make(bn_node *n)
{
    memset(n, 0, sizeof(*n));
    snprintf(n->name, sizeof(n->name), "v6nbench-%d-%d", bn.pid, ++counter);
    snprintf(n->container, sizeof(n->container), "vantage6-%s-user", n->name);
    n->config_path = bn_fmt("%s/%s.yaml", bn.confdir, n->name);
    write_file(n->config_path, typical_text);
    register_live(n->container);
    if (v6n_config_load(&n->cfg, n->config_path) || v6n_node_spec_build(&n->spec, n->cfg, &bn_opts))
        bn_die("node %s: %s", n->name, v6n_error_last()->message);
}

void bn_node_free(bn_node *n)
{
    v6n_node_spec_free(n->spec);
    v6n_config_free(n->cfg);
    free(n->config_path);
    memset(n, 0, sizeof(*n));
}

void bn_cleanup_container(const char *container)
{
    char path[512];
    snprintf(path, sizeof(path), "/containers/%s?force=1", container);
    long st = bn_curl_do(janitor, "DELETE", path, NULL, 0);
    if (st != 204 && st != 404 && st != 409)
        fprintf(stderr, "bench: clean-up of %s: HTTP %ld %s\n", container, st,
                bn_curl_body(janitor, NULL));
    snprintf(path, sizeof(path), "/containers/%s/json", container);
    for (int i = 0; i < 400 && bn_curl_do(janitor, "GET", path, NULL, 0) == 200; i++)
        usleep(25000);
    for (size_t v = 0; v < 4; v++) {
        snprintf(path, sizeof(path), "/volumes/%s-%s", container, VOLUME_SUFFIXES[v]);
        for (int i = 0; i < 400; i++) {
            st = bn_curl_do(janitor, "DELETE", path, NULL, 0);
            if (st != 409)
                break;
            usleep(25000); /* in use: the container is still on its way out */
        }
        if (st != 204 && st != 404)
            fprintf(stderr, "bench: clean-up of volume %s: HTTP %ld %s\n", path, st,
                    bn_curl_body(janitor, NULL));
    }
}

void bn_node_cleanup(bn_node *n, bool forget)
{
    bn_cleanup_container(n->container);
    unregister_live(n->container);
    if (forget) {
        unlink(n->config_path);
        if (n->spec) {
            bn_rmtree(v6n_node_spec_data_dir(n->spec));
            bn_rmtree(v6n_node_spec_log_dir(n->spec));
        }
    }
}

static void escape_into(char *out, size_t size, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 4 < size; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
}

void bn_script_for(bn_script *s, const v6n_node_spec *spec, const char *api)
{
    memset(s, 0, sizeof(*s));
    bn_script_mkdir(s, v6n_node_spec_data_dir(spec));
    bn_script_mkdir(s, v6n_node_spec_log_dir(spec));
    const char *cname = v6n_node_spec_container_name(spec);
    char path[8192], filters[2048], esc[4096];
    snprintf(path, sizeof(path), "/v%s/containers/%s/json", api, cname);
    bn_script_request(s, "inspect the container (absent)", "GET", 404, path, NULL);
    snprintf(path, sizeof(path), "/v%s/images/%s/json", api, v6n_node_spec_image(spec));
    bn_script_request(s, "is the image present?", "GET", 200, path, NULL);
    snprintf(filters, sizeof(filters), "{\"name\":[\"%s\",\"%s\",\"%s\",\"%s\"]}",
             v6n_node_spec_volume(spec, V6N_VOLUME_DATA),
             v6n_node_spec_volume(spec, V6N_VOLUME_VPN), v6n_node_spec_volume(spec, V6N_VOLUME_SSH),
             v6n_node_spec_volume(spec, V6N_VOLUME_SQUID));
    escape_into(esc, sizeof(esc), filters);
    snprintf(path, sizeof(path), "/v%s/volumes?filters=%s", api, esc);
    bn_script_request(s, "list the 4 volumes", "GET", 200, path, NULL);
    for (int v = 0; v < V6N_VOLUME_COUNT; v++) {
        char body[512];
        snprintf(body, sizeof(body), "{\"Name\":\"%s\"}",
                 v6n_node_spec_volume(spec, (v6n_volume_kind)v));
        snprintf(path, sizeof(path), "/v%s/volumes/create", api);
        bn_script_request(s, "create a volume", "POST", 201, path, body);
    }
    char *create = NULL;
    if (v6n_node_spec_create_json(&create, spec))
        bn_die("create body: %s", v6n_error_last()->message);
    snprintf(path, sizeof(path), "/v%s/containers/create?name=%s", api, cname);
    bn_script_request(s, "create the container", "POST", 201, path, create);
    v6n_free(create);
    snprintf(path, sizeof(path), "/v%s/containers/{ID}/start", api);
    bn_script_request(s, "start the container", "POST", 204, path, NULL);
}

/* ---- docker-py arguments ------------------------------------------------------ */

static void gs(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

char *bn_args_json(const v6n_node_spec *spec)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    yajl_gen_map_open(g);
    gs(g, "name");
    gs(g, v6n_node_spec_container_name(spec));
    gs(g, "image");
    gs(g, v6n_node_spec_image(spec));
    gs(g, "cmd");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < v6n_node_spec_argc(spec); i++)
        gs(g, v6n_node_spec_argv(spec, i));
    yajl_gen_array_close(g);
    gs(g, "env");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < v6n_node_spec_env_count(spec); i++)
        gs(g, v6n_node_spec_env(spec, i));
    yajl_gen_array_close(g);
    gs(g, "binds");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < v6n_node_spec_bind_count(spec); i++)
        gs(g, v6n_node_spec_bind(spec, i));
    yajl_gen_array_close(g);
    gs(g, "labels");
    yajl_gen_map_open(g);
    for (size_t i = 0; i < v6n_node_spec_label_count(spec); i++) {
        gs(g, v6n_node_spec_label_key(spec, i));
        gs(g, v6n_node_spec_label_value(spec, i));
    }
    yajl_gen_map_close(g);
    gs(g, "extra_hosts");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < v6n_node_spec_extra_host_count(spec); i++)
        gs(g, v6n_node_spec_extra_host(spec, i));
    yajl_gen_array_close(g);
    gs(g, "auto_remove");
    yajl_gen_bool(g, v6n_node_spec_auto_remove(spec));
    gs(g, "volumes");
    yajl_gen_array_open(g);
    for (int v = 0; v < V6N_VOLUME_COUNT; v++)
        gs(g, v6n_node_spec_volume(spec, (v6n_volume_kind)v));
    yajl_gen_array_close(g);
    gs(g, "dirs");
    yajl_gen_array_open(g);
    gs(g, v6n_node_spec_data_dir(spec));
    gs(g, v6n_node_spec_log_dir(spec));
    yajl_gen_array_close(g);
    char *create = NULL;
    if (v6n_node_spec_create_json(&create, spec))
        bn_die("create body: %s", v6n_error_last()->message);
    gs(g, "create_body");
    gs(g, create);
    v6n_free(create);
    yajl_gen_map_close(g);
    const unsigned char *buf;
    size_t len;
    yajl_gen_get_buf(g, &buf, &len);
    char *out = bn_alloc(len + 1);
    memcpy(out, buf, len);
    yajl_gen_free(g);
    return out;
}

/* ---- the docker-py worker ----------------------------------------------------- */

void bn_py_start(bn_py *p)
{
    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0)
        bn_die("pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, to[0], 0);
    posix_spawn_file_actions_adddup2(&fa, from[1], 1);
    char *argv[] = {bn.python, bn.pyscript, "worker", NULL};
    int rc = posix_spawnp(&p->pid, bn.python, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        bn_die("cannot run %s: %s", bn.python, strerror(rc));
    close(to[0]);
    close(from[1]);
    p->to = fdopen(to[1], "w");
    p->from = fdopen(from[0], "r");
    yajl_val hello = bn_py_call(p, "{\"op\":\"hello\"}");
    yajl_tree_free(hello);
}

yajl_val bn_py_call(bn_py *p, const char *line)
{
    if (fprintf(p->to, "%s\n", line) < 0 || fflush(p->to) != 0)
        bn_die("the docker-py worker is gone");
    static char *buf;
    static size_t cap;
    ssize_t n = getline(&buf, &cap, p->from);
    if (n <= 0)
        bn_die("the docker-py worker answered nothing (see its messages above)");
    char err[256];
    yajl_val v = yajl_tree_parse(buf, err, sizeof(err));
    if (!v)
        bn_die("docker-py worker: not JSON (%s): %s", err, buf);
    const char *path[] = {"error", NULL};
    yajl_val e = yajl_tree_get(v, path, yajl_t_string);
    if (e)
        bn_die("docker-py worker: %s", YAJL_GET_STRING(e));
    return v;
}

void bn_py_stop(bn_py *p)
{
    if (!p->to)
        return;
    fprintf(p->to, "{\"op\":\"quit\"}\n");
    fclose(p->to);
    fclose(p->from);
    int status;
    waitpid(p->pid, &status, 0);
    memset(p, 0, sizeof(*p));
}

double bn_json_num(yajl_val v, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val n = yajl_tree_get(v, path, yajl_t_number);
    if (!n)
        bn_die("docker-py worker: no '%s' in the answer", key);
    return YAJL_GET_DOUBLE(n);
}

/* ---- child processes ---------------------------------------------------------- */

static void read_small(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    ssize_t n = read(fd, out, size - 1);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
}

void bn_run(bn_proc *r, char *const argv[], char *const env_extra[])
{
    memset(r, 0, sizeof(*r));
    size_t n_env = 0, n_extra = 0, n_argv = 0;
    while (environ[n_env])
        n_env++;
    while (env_extra && env_extra[n_extra])
        n_extra++;
    while (argv[n_argv])
        n_argv++;
    char **envp = bn_alloc((n_env + n_extra + 1) * sizeof(*envp));
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++) {
        bool overridden = false;
        for (size_t j = 0; j < n_extra && !overridden; j++) {
            size_t key = strcspn(env_extra[j], "=");
            overridden = strncmp(environ[i], env_extra[j], key + 1) == 0;
        }
        if (!overridden)
            envp[k++] = environ[i];
    }
    for (size_t j = 0; j < n_extra; j++)
        envp[k++] = env_extra[j];
    envp[k] = NULL;
    /* through the small launcher: see bench_launch.c */
    char **largv = bn_alloc((n_argv + 2) * sizeof(*largv));
    char *launcher = bn_fmt("%s/bench_launch", bn.bindir);
    largv[0] = launcher;
    memcpy(largv + 1, argv, (n_argv + 1) * sizeof(*largv));

    char *out_path = bn_fmt("%s/child.out", bn.dir), *err_path = bn_fmt("%s/child.err", bn.dir);
    char *report_path = bn_fmt("%s/child.report", bn.dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 3, report_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawn(&pid, launcher, &fa, NULL, largv, envp);
    posix_spawn_file_actions_destroy(&fa);
    free(envp);
    free(largv);
    free(launcher);
    if (rc != 0)
        bn_die("cannot run %s: %s", argv[0], strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            bn_die("waitpid: %s", strerror(errno));
    }
    char report[128];
    read_small(report_path, report, sizeof(report));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        sscanf(report, "%lf %ld %d %lf", &r->wall_ns, &r->maxrss_kib, &r->exit_code, &r->cpu_ns) !=
            4)
        bn_die("bench_launch %s failed (status %d, report '%s')", argv[0], status, report);
    read_small(out_path, r->out, sizeof(r->out));
    read_small(err_path, r->err, sizeof(r->err));
    free(out_path);
    free(err_path);
    free(report_path);
}

/* ---- the counting proxy ------------------------------------------------------- */

#define PROXY_CONNS 32

struct bn_proxy {
    int listen_fd;
    int wake[2];
    pthread_t thread;
    pthread_mutex_t lock;
    unsigned long count;
    char path[108];
};

typedef struct proxy_conn {
    int client, engine;
    char tail[16];
    size_t tail_len;
} proxy_conn;

static int connect_engine(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "/var/run/docker.sock");
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Count request lines (" HTTP/1.1\r\n") in what the client sends, across reads. */
static unsigned long count_requests(proxy_conn *c, const char *data, size_t n)
{
    static const char token[] = " HTTP/1.1\r\n";
    const size_t tl = sizeof(token) - 1;
    char buf[16 + 65536];
    memcpy(buf, c->tail, c->tail_len);
    memcpy(buf + c->tail_len, data, n);
    size_t len = c->tail_len + n;
    unsigned long found = 0;
    for (const char *p = buf; (p = memmem(p, (size_t)(buf + len - p), token, tl)) != NULL; p += tl)
        found++;
    c->tail_len = len < tl - 1 ? len : tl - 1;
    memcpy(c->tail, buf + len - c->tail_len, c->tail_len);
    return found;
}

static void *proxy_main(void *arg)
{
    bn_proxy *p = arg;
    proxy_conn conns[PROXY_CONNS];
    size_t n = 0;
    char data[65536];
    for (;;) {
        struct pollfd fds[2 + 2 * PROXY_CONNS];
        fds[0] = (struct pollfd){.fd = p->wake[0], .events = POLLIN};
        fds[1] = (struct pollfd){.fd = p->listen_fd, .events = POLLIN};
        for (size_t i = 0; i < n; i++) {
            fds[2 + 2 * i] = (struct pollfd){.fd = conns[i].client, .events = POLLIN};
            fds[3 + 2 * i] = (struct pollfd){.fd = conns[i].engine, .events = POLLIN};
        }
        if (poll(fds, 2 + 2 * n, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[0].revents)
            break;
        for (size_t i = n; i-- > 0;) {
            bool closed = false;
            for (int side = 0; side < 2 && !closed; side++) {
                if (!fds[2 + 2 * i + side].revents)
                    continue;
                int from = side ? conns[i].engine : conns[i].client;
                int to = side ? conns[i].client : conns[i].engine;
                ssize_t got = read(from, data, sizeof(data));
                if (got <= 0 || write_all(to, data, (size_t)got) != 0) {
                    closed = true;
                    break;
                }
                if (!side) {
                    unsigned long k = count_requests(&conns[i], data, (size_t)got);
                    pthread_mutex_lock(&p->lock);
                    p->count += k;
                    pthread_mutex_unlock(&p->lock);
                }
            }
            if (closed) {
                close(conns[i].client);
                close(conns[i].engine);
                conns[i] = conns[--n];
            }
        }
        if (fds[1].revents & POLLIN) {
            int cfd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            int efd = cfd >= 0 ? connect_engine() : -1;
            if (cfd >= 0 && efd >= 0 && n < PROXY_CONNS) {
                conns[n++] = (proxy_conn){.client = cfd, .engine = efd};
            } else {
                if (cfd >= 0)
                    close(cfd);
                if (efd >= 0)
                    close(efd);
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        close(conns[i].client);
        close(conns[i].engine);
    }
    return NULL;
}

bn_proxy *bn_proxy_start(const char *listen_path)
{
    bn_proxy *p = bn_alloc(sizeof(*p));
    snprintf(p->path, sizeof(p->path), "%s", listen_path);
    pthread_mutex_init(&p->lock, NULL);
    p->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", listen_path);
    unlink(listen_path);
    if (p->listen_fd < 0 || bind(p->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(p->listen_fd, 16) != 0 || pipe2(p->wake, O_CLOEXEC) != 0)
        bn_die("proxy on %s: %s", listen_path, strerror(errno));
    if (pthread_create(&p->thread, NULL, proxy_main, p) != 0)
        bn_die("proxy thread");
    return p;
}

unsigned long bn_proxy_count(bn_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    unsigned long n = p->count;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void bn_proxy_stop(bn_proxy *p)
{
    if (!p)
        return;
    if (write(p->wake[1], "x", 1) != 1)
        bn_die("proxy wake-up");
    pthread_join(p->thread, NULL);
    close(p->listen_fd);
    close(p->wake[0]);
    close(p->wake[1]);
    unlink(p->path);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* ---- the machine -------------------------------------------------------------- */

void bn_print_machine(bn_curl *c)
{
    char model[512] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "model name", 10) == 0) {
            const char *v = strchr(line, ':');
            snprintf(model, sizeof(model), "%s", v ? v + 2 : line);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    }
    if (f)
        fclose(f);
    struct utsname u;
    uname(&u);
    char engine[128] = "unknown", api[32] = "?";
    if (bn_curl_do(c, "GET", "/version", NULL, 0) == 200) {
        yajl_val v = yajl_tree_parse(bn_curl_body(c, NULL), NULL, 0);
        const char *vp[] = {"Version", NULL}, *ap[] = {"ApiVersion", NULL};
        yajl_val ver = yajl_tree_get(v, vp, yajl_t_string),
                 av = yajl_tree_get(v, ap, yajl_t_string);
        if (ver)
            snprintf(engine, sizeof(engine), "%s", YAJL_GET_STRING(ver));
        if (av)
            snprintf(api, sizeof(api), "%s", YAJL_GET_STRING(av));
        yajl_tree_free(v);
    }
    printf("machine: %s, %ld cores, Linux %s; Docker engine %s (API %s); %s; libv6node %s\n", model,
           sysconf(_SC_NPROCESSORS_ONLN), u.release, engine, api, curl_version(), v6n_version());
}

#define _GNU_SOURCE
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

void stop_server(int pid);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
    *buf = realloc(*buf, *len + n + 1);
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
}

int run_program(run_result *r, char *const argv[], char *const envp[], const char *cwd,
                double timeout_s)
{
    memset(r, 0, sizeof(*r));
    r->exit_code = -1;
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        if (cwd && chdir(cwd) != 0) {
            perror("chdir");
            _exit(126);
        }
        execve(argv[0], argv, envp);
        perror("execve");
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    size_t out_len = 0, err_len = 0;
    append(&r->out, &out_len, "", 0);
    append(&r->err, &err_len, "", 0);
    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    double deadline = now() + timeout_s;
    bool killed = false;
    while (open_fds > 0) {
        int wait_ms = (int)((deadline - now()) * 1000);
        if (wait_ms <= 0) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        if (poll(fds, 2, wait_ms) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[8192];
            ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
            if (n > 0) {
                if (i == 0)
                    append(&r->out, &out_len, chunk, (size_t)n);
                else
                    append(&r->err, &err_len, chunk, (size_t)n);
            } else if (n == 0 || (n < 0 && errno != EINTR)) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!killed && WIFEXITED(status))
        r->exit_code = WEXITSTATUS(status);
    return 0;
}

void run_result_free(run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

static const char *type_name(yajl_val v)
{
    if (YAJL_IS_STRING(v))
        return "string";
    if (YAJL_IS_NUMBER(v))
        return "number";
    if (YAJL_IS_OBJECT(v))
        return "object";
    if (YAJL_IS_ARRAY(v))
        return "array";
    if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
        return "boolean";
    return "null";
}

static char *diff_at(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *diff_at(const char *path, const char *fmt, ...)
{
    char what[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    char *r;
    if (asprintf(&r, "at %s: %s", path, what) < 0)
        return NULL;
    return r;
}

static char *compare(yajl_val e, yajl_val a, const char *path)
{
    if (strcmp(type_name(e), type_name(a)) != 0)
        return diff_at(path, "expected a %s, got a %s", type_name(e), type_name(a));
    char sub[1024];
    if (YAJL_IS_STRING(e)) {
        if (strcmp(e->u.string, a->u.string) != 0)
            return diff_at(path, "expected \"%s\", got \"%s\"", e->u.string, a->u.string);
    } else if (YAJL_IS_NUMBER(e)) {
        if (strcmp(e->u.number.r, a->u.number.r) != 0)
            return diff_at(path, "expected %s, got %s", e->u.number.r, a->u.number.r);
    } else if (YAJL_IS_TRUE(e) != YAJL_IS_TRUE(a)) {
        return diff_at(path, "expected %s, got %s", YAJL_IS_TRUE(e) ? "true" : "false",
                       YAJL_IS_TRUE(a) ? "true" : "false");
    } else if (YAJL_IS_ARRAY(e)) {
        size_t n = e->u.array.len < a->u.array.len ? e->u.array.len : a->u.array.len;
        for (size_t i = 0; i < n; i++) {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            char *d = compare(e->u.array.values[i], a->u.array.values[i], sub);
            if (d)
                return d;
        }
        if (e->u.array.len != a->u.array.len) {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, n);
            if (e->u.array.len > n)
                return diff_at(sub, "missing: expected %zu items, got %zu", e->u.array.len,
                               a->u.array.len);
            yajl_val extra = a->u.array.values[n];
            return diff_at(sub, "unexpected extra item %s%s%s", YAJL_IS_STRING(extra) ? "\"" : "",
                           YAJL_IS_STRING(extra) ? extra->u.string : type_name(extra),
                           YAJL_IS_STRING(extra) ? "\"" : "");
        }
    } else if (YAJL_IS_OBJECT(e)) {
        size_t n = e->u.object.len < a->u.object.len ? e->u.object.len : a->u.object.len;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(e->u.object.keys[i], a->u.object.keys[i]) != 0)
                return diff_at(path, "key #%zu: expected \"%s\", got \"%s\"", i,
                               e->u.object.keys[i], a->u.object.keys[i]);
            snprintf(sub, sizeof(sub), "%s.%s", path, e->u.object.keys[i]);
            char *d = compare(e->u.object.values[i], a->u.object.values[i], sub);
            if (d)
                return d;
        }
        if (e->u.object.len > n)
            return diff_at(path, "missing key \"%s\"", e->u.object.keys[n]);
        if (a->u.object.len > n)
            return diff_at(path, "unexpected key \"%s\"", a->u.object.keys[n]);
    }
    return NULL;
}

char *json_diff(const char *expected, const char *actual)
{
    char errbuf[512];
    yajl_val e = yajl_tree_parse(expected, errbuf, sizeof(errbuf));
    if (!e)
        return diff_at("$", "the expected JSON does not parse: %s", errbuf);
    yajl_val a = yajl_tree_parse(actual, errbuf, sizeof(errbuf));
    if (!a) {
        yajl_tree_free(e);
        return diff_at("$", "the output is not JSON: %s; output: %.300s", errbuf, actual);
    }
    char *d = compare(e, a, "$");
    yajl_tree_free(e);
    yajl_tree_free(a);
    return d;
}

char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    char chunk[8192];
    size_t n;
    append(&buf, &len, "", 0);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        append(&buf, &len, chunk, n);
    fclose(f);
    return buf;
}

char *replace_all(const char *s, const char *from, const char *to)
{
    char *out = NULL;
    size_t len = 0;
    append(&out, &len, "", 0);
    size_t from_len = strlen(from);
    const char *p = s;
    const char *hit;
    while ((hit = strstr(p, from)) != NULL) {
        append(&out, &len, p, (size_t)(hit - p));
        append(&out, &len, to, strlen(to));
        p = hit + from_len;
    }
    append(&out, &len, p, strlen(p));
    return out;
}

char *make_temp_dir(const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    char *path;
    if (asprintf(&path, "%s/v6ntest-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag) < 0)
        return NULL;
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void remove_tree(const char *path)
{
    if (path && strstr(path, "v6ntest-"))
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int write_text(const char *path, const char *text)
{
    char *dir = strdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        for (char *p = dir + 1; *p; p++) {
            if (*p == '/') {
                *p = '\0';
                mkdir(dir, 0755);
                *p = '/';
            }
        }
        mkdir(dir, 0755);
    }
    free(dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = strlen(text);
    int rc = fwrite(text, 1, n, f) == n ? 0 : -1;
    return fclose(f) == 0 ? rc : -1;
}

/* Fork/exec argv with stdout on a pipe; read lines until one starts with
 * `marker`, which is copied to `line`. */
static int spawn_reading(int *pid, char *const argv[], const char *marker, char *line, size_t size,
                         double timeout_s)
{
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return -1;
    pid_t child = fork();
    if (child < 0)
        return -1;
    if (child == 0) {
        dup2(out[1], 1);
        execvp(argv[0], argv);
        perror("execvp");
        _exit(127);
    }
    close(out[1]);
    size_t len = 0;
    bool found = false;
    double deadline = now() + timeout_s;
    while (!found && now() < deadline && len < size - 1) {
        struct pollfd p = {out[0], POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t n = read(out[0], line + len, 1);
        if (n <= 0)
            break;
        len += (size_t)n;
        line[len] = '\0';
        if (line[len - 1] == '\n') {
            found = strncmp(line, marker, strlen(marker)) == 0;
            if (!found)
                len = 0;
        }
    }
    close(out[0]);
    if (!found) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        return -1;
    }
    *pid = (int)child;
    return 0;
}

int spawn_until(int *pid, char *const argv[], const char *marker, double timeout_s)
{
    char line[256];
    return spawn_reading(pid, argv, marker, line, sizeof(line), timeout_s);
}

int spawn_server(int *pid, int *port, char *const argv[], double timeout_s)
{
    char line[256];
    *port = 0;
    if (spawn_reading(pid, argv, "PORT ", line, sizeof(line), timeout_s) != 0)
        return -1;
    if (sscanf(line, "PORT %d", port) != 1 || *port <= 0) {
        stop_server(*pid);
        return -1;
    }
    return 0;
}

void stop_server(int pid)
{
    if (pid <= 0)
        return;
    kill((pid_t)pid, SIGTERM);
    for (int i = 0; i < 50; i++) {
        if (waitpid((pid_t)pid, NULL, WNOHANG) == (pid_t)pid)
            return;
        usleep(20000);
    }
    kill((pid_t)pid, SIGKILL);
    waitpid((pid_t)pid, NULL, 0);
}

int run_in_pty(run_result *r, char *const argv[], char *const envp[], const char *cwd,
               const char *const *script, double timeout_s)
{
    memset(r, 0, sizeof(*r));
    r->exit_code = -1;
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        if (master >= 0)
            close(master);
        return -1;
    }
    char *slave_name = strdup(ptsname(master));
    pid_t pid = fork();
    if (pid < 0) {
        free(slave_name);
        close(master);
        return -1;
    }
    if (pid == 0) {
        setsid(); /* a new session: the terminal opened next becomes its own */
        int slave = open(slave_name, O_RDWR);
        if (slave < 0)
            _exit(125);
        dup2(slave, 0);
        dup2(slave, 1);
        dup2(slave, 2);
        if (slave > 2)
            close(slave);
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        execve(argv[0], argv, envp);
        _exit(127);
    }
    free(slave_name);
    size_t len = 0, searched = 0;
    append(&r->out, &len, "", 0);
    r->err = strdup("");
    double deadline = now() + timeout_s;
    bool killed = false;
    for (;;) {
        /* the next text to wait for has shown: type its answer */
        while (script && script[0] && strstr(r->out + searched, script[0])) {
            searched = (size_t)(strstr(r->out + searched, script[0]) - r->out) + strlen(script[0]);
            if (script[1]) {
                char line[4096];
                int n = snprintf(line, sizeof(line), "%s\n", script[1]);
                if (write(master, line, (size_t)n) != n)
                    break;
            }
            script += 2;
        }
        int wait_ms = (int)((deadline - now()) * 1000);
        if (wait_ms <= 0) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        struct pollfd p = {master, POLLIN, 0};
        int ready = poll(&p, 1, wait_ms < 200 ? wait_ms : 200);
        if (ready < 0 && errno != EINTR)
            break;
        if (ready <= 0)
            continue;
        char chunk[4096];
        ssize_t n = read(master, chunk, sizeof(chunk));
        if (n > 0)
            append(&r->out, &len, chunk, (size_t)n);
        else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            break; /* EIO: the program closed the terminal */
    }
    close(master);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!killed && WIFEXITED(status))
        r->exit_code = WEXITSTATUS(status);
    return 0;
}

extern char **environ;

run_result docker_cli(const char *first, ...)
{
    char *argv[64];
    size_t n = 0;
    argv[n++] = "/usr/bin/env";
    argv[n++] = "docker";
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && n < 63; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    run_result r;
    if (run_program(&r, argv, environ, NULL, 60.0) != 0) {
        r.exit_code = -1;
        r.out = strdup("");
        r.err = strdup("could not run docker");
    }
    return r;
}

char *read_env_file(const char *var, const env_field *fields, size_t n)
{
    const char *path = getenv(var);
    if (!path)
        return replace_all("VAR is not set (run through ctest)", "VAR", var);
    char *text = read_text(path);
    if (!text)
        return replace_all("PATH is missing", "PATH", path);
    char *why = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *at = strstr(text, fields[i].key);
        if (!at) {
            size_t len = strlen(path) + strlen(fields[i].key) + sizeof(" lacks ");
            if (!(why = malloc(len)))
                abort();
            snprintf(why, len, "%s lacks %s", path, fields[i].key);
            break;
        }
        at += strlen(fields[i].key);
        snprintf(fields[i].out, fields[i].size, "%.*s", (int)strcspn(at, "\n"), at);
    }
    free(text);
    return why;
}

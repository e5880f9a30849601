/* Engines over SSH: ssh://[user@]host[:port][/socket], reached as the docker
 * CLI reaches them (its cli/connhelper).
 *
 * Each connection libcurl opens to such an engine is one run of the system's
 * ssh client,
 *
 *   ssh -o ConnectTimeout=30 -T -o BatchMode=yes [-l USER] [-p PORT] -- HOST
 *       docker [--host=unix:///socket] system dial-stdio
 *
 * whose stdin and stdout are one end of a pair of connected unix sockets;
 * libcurl has the other end and speaks HTTP over it, keeping the connection
 * (and so the ssh process) alive between requests like any other.
 *
 * The pair is not a socketpair(): libcurl 7.88 (Debian 12) connect()s every
 * socket its CURLOPT_OPENSOCKETFUNCTION returns, even when
 * CURLOPT_SOCKOPTFUNCTION says it is connected (curl issue 10626, fixed in
 * 8.0). So open_conn returns a fresh unix socket and puts, in place of the
 * engine's address (which the callback may change), the name of a listener
 * in a private 0700 folder; libcurl connects to it, and before the first
 * request (CURLOPT_PREREQFUNCTION, libcurl 7.80) start_ssh accepts that
 * connection (checking it comes from this process), removes the listener and
 * its folder, and starts ssh on the accepted end.
 *
 * ssh's stderr goes to a pipe we read, so that a failure can be told in
 * words: the exit status (255: ssh's own failure, else the remote command's)
 * and ssh's last line say which (ssh_error.c). CURLOPT_CLOSESOCKETFUNCTION
 * ends the process with the connection: our end is closed, ssh exits by
 * itself on that EOF, or gets SIGTERM after EXIT_GRACE_MS and SIGKILL after
 * TERM_GRACE_MS more, and is always reaped.
 *
 * Why these ssh options: ConnectTimeout=30 and -T are what the docker CLI
 * passes (a connection or handshake that stalls ends; no pseudo-terminal, so
 * no login shell). BatchMode=yes because a library cannot prompt: no
 * password, no passphrase, no question about an unknown host key (ssh then
 * refuses it, as StrictHostKeyChecking=ask does without a terminal), and no
 * ssh-askpass window. StrictHostKeyChecking itself is the user's ssh
 * configuration's to set, as with the docker CLI. ssh runs in its own session
 * (setsid, as the docker CLI does), with default signal dispositions and an
 * empty signal mask whatever the caller's, and inherits only fds 0, 1 and 2.
 *
 * No PR_SET_PDEATHSIG: it follows the *thread* that started ssh, and
 * connections outlive the worker thread of a v6n_op. Should this process die
 * without closing, ssh reads EOF on its stdin and ends by itself. A caller
 * that reaps every child itself (or ignores SIGCHLD) takes the exit status
 * from us: the messages then come from ssh's words alone. */
#define _GNU_SOURCE /* pipe2, posix_spawn_file_actions_addclosefrom_np */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;

#define SSH_CONNECT_TIMEOUT_S 30   /* the docker CLI's */
#define STDERR_KEEP           4096 /* the docker CLI keeps about as much */
#define EXIT_GRACE_MS         150  /* after EOF, for ssh to exit by itself */
#define TERM_GRACE_MS         2000 /* after SIGTERM, before SIGKILL */

/* One connection: one ssh process. */
typedef struct ssh_conn {
    int sock;         /* libcurl's socket */
    int listener;     /* what libcurl connects to, until start_ssh accepts it; else -1 */
    char *listen_dir; /* the listener's private folder, while it exists */
    bool started;     /* start_ssh started ssh */
    pid_t pid;        /* 0 before start_ssh and once reaped */
    int err_fd;       /* our end of ssh's stderr pipe, -1 once at EOF */
    int status;       /* waitpid status, once reaped */
    bool signalled;   /* we sent it SIGTERM (and maybe SIGKILL) */
    v6n_buf err;      /* the last STDERR_KEEP bytes or so of its stderr */
    struct ssh_conn *next;
} ssh_conn;

/* How the last connection ended, for the message of a failed request. */
typedef struct ssh_outcome {
    bool known;      /* a connection ended (or could not start) since v6n_ssh_use */
    int spawn_errno; /* ssh could not be started */
    bool reaped;     /* status is valid */
    int status;
    bool killed;
    char err[STDERR_KEEP + 1];
} ssh_outcome;

struct v6n_ssh {
    char *url; /* "ssh://user@host:port/socket", as given but normalised */
    char *user, *host, *port, *socket;
    char **argv; /* the ssh command line, NULL-terminated */
    size_t argc;
    ssh_conn *conns;
    ssh_outcome last;
};

/* ---- the URL ------------------------------------------------------------------ */

static int bad_url(const char *url, const char *why)
{
    return v6n_err(V6N_EINVAL, "host", "DOCKER_HOST '%s': %s (expected ssh://[user@]host[:port])",
                   url, why);
}

/* Characters that need no quoting for the remote shell, which runs the command
 * ssh sends as one line. */
static bool shell_safe(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("/._-+", *s)))
            return false;
    return true;
}

static bool printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
            return false;
    return true;
}

static int parse_url(v6n_ssh *s, const char *url)
{
    const char *rest = url + 6; /* after "ssh://" */
    size_t auth_len = strcspn(rest, "/?#");
    if (rest[auth_len] == '?' || rest[auth_len] == '#' || strpbrk(rest + auth_len, "?#"))
        return bad_url(url, "no query or fragment");
    const char *at = NULL;
    for (const char *p = rest; p < rest + auth_len; p++)
        if (*p == '@')
            at = p;
    const char *hostport = rest;
    if (at) {
        size_t ulen = (size_t)(at - rest);
        if (memchr(rest, ':', ulen))
            return bad_url(url, "a password in the URL is not supported: use a key");
        if (ulen == 0 || !printable(rest, ulen) || rest[0] == '-' || memchr(rest, '%', ulen))
            return bad_url(url, "the user name is not valid");
        if (!(s->user = v6n_strndup(rest, ulen)))
            return v6n_err_nomem();
        hostport = at + 1;
    }
    size_t hp_len = (size_t)(rest + auth_len - hostport);
    const char *host = hostport, *port = NULL;
    size_t host_len;
    if (hp_len && hostport[0] == '[') { /* [v6 address] */
        const char *close = memchr(hostport, ']', hp_len);
        if (!close)
            return bad_url(url, "an IPv6 address needs its closing ]");
        host = hostport + 1;
        host_len = (size_t)(close - host);
        if (close + 1 < hostport + hp_len) {
            if (close[1] != ':')
                return bad_url(url, "only :port may follow the host");
            port = close + 2;
        }
    } else {
        const char *colon = memchr(hostport, ':', hp_len);
        host_len = colon ? (size_t)(colon - hostport) : hp_len;
        port = colon ? colon + 1 : NULL;
    }
    if (host_len == 0)
        return bad_url(url, "the host is empty");
    if (!printable(host, host_len) || host[0] == '-' || memchr(host, '%', host_len))
        return bad_url(url, "the host name is not valid");
    if (port) {
        size_t plen = (size_t)(hostport + hp_len - port);
        long n = 0;
        for (size_t i = 0; i < plen && n <= 65535; i++)
            n = (port[i] >= '0' && port[i] <= '9') ? n * 10 + (port[i] - '0') : -1000000;
        if (plen == 0 || n < 1 || n > 65535)
            return bad_url(url, "the port must be a number from 1 to 65535");
        if (!(s->port = v6n_strndup(port, plen)))
            return v6n_err_nomem();
    }
    if (!(s->host = v6n_strndup(host, host_len)))
        return v6n_err_nomem();
    const char *path = rest + auth_len;
    if (*path && strspn(path, "/") != strlen(path)) { /* "/" alone: the default socket */
        if (!shell_safe(path) || strstr(path, "/../") || strlen(path) > 107)
            return bad_url(url, "the socket path may hold only letters, digits and / . _ - +");
        if (!(s->socket = v6n_strdup(path)))
            return v6n_err_nomem();
    }
    bool v6 = strchr(s->host, ':') != NULL;
    s->url = v6n_asprintf("ssh://%s%s%s%s%s%s%s%s", s->user ? s->user : "", s->user ? "@" : "",
                          v6 ? "[" : "", s->host, v6 ? "]" : "", s->port ? ":" : "",
                          s->port ? s->port : "", s->socket ? s->socket : "");
    return s->url ? V6N_OK : v6n_err_nomem();
}

static int build_argv(v6n_ssh *s, long connect_timeout_ms)
{
    long secs = connect_timeout_ms > 0 ? (connect_timeout_ms + 999) / 1000 : SSH_CONNECT_TIMEOUT_S;
    v6n_strlist l = V6N_STRLIST_INIT;
    int rc = v6n_strlist_push(&l, "ssh");
    rc = rc ? rc : v6n_strlist_push(&l, "-o");
    rc = rc ? rc : v6n_strlist_pushf(&l, "ConnectTimeout=%ld", secs);
    rc = rc ? rc : v6n_strlist_push(&l, "-T");
    rc = rc ? rc : v6n_strlist_push(&l, "-o");
    rc = rc ? rc : v6n_strlist_push(&l, "BatchMode=yes");
    if (s->user) {
        rc = rc ? rc : v6n_strlist_push(&l, "-l");
        rc = rc ? rc : v6n_strlist_push(&l, s->user);
    }
    if (s->port) {
        rc = rc ? rc : v6n_strlist_push(&l, "-p");
        rc = rc ? rc : v6n_strlist_push(&l, s->port);
    }
    rc = rc ? rc : v6n_strlist_push(&l, "--");
    rc = rc ? rc : v6n_strlist_push(&l, s->host);
    rc = rc ? rc : v6n_strlist_push(&l, "docker");
    if (s->socket)
        rc = rc ? rc : v6n_strlist_pushf(&l, "--host=unix://%s", s->socket);
    rc = rc ? rc : v6n_strlist_push(&l, "system");
    rc = rc ? rc : v6n_strlist_push(&l, "dial-stdio");
    /* one more slot for the terminating NULL */
    rc = rc ? rc : v6n_strlist_push(&l, "");
    if (rc) {
        v6n_strlist_free(&l);
        return rc;
    }
    free(l.items[l.len - 1]);
    l.items[--l.len] = NULL;
    s->argv = l.items;
    s->argc = l.len;
    return V6N_OK;
}

int v6n_ssh_new(v6n_ssh **out, const char *url, long connect_timeout_ms)
{
    *out = NULL;
    v6n_ssh *s = calloc(1, sizeof(*s));
    if (!s)
        return v6n_err_nomem();
    int rc = parse_url(s, url);
    rc = rc ? rc : build_argv(s, connect_timeout_ms);
    if (rc) {
        v6n_ssh_free(s);
        return rc;
    }
    *out = s;
    return V6N_OK;
}

const char *v6n_ssh_url(const v6n_ssh *s)
{
    return s->url;
}

const char *const *v6n_ssh_argv(const v6n_ssh *s)
{
    return (const char *const *)s->argv;
}

/* ---- one connection ------------------------------------------------------------ */

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A private folder (0700) for one connection's listener: under $TMPDIR when
 * that leaves room for a socket name, else /tmp. */
static char *listener_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || tmp[0] != '/' || strlen(tmp) > 60)
        tmp = "/tmp";
    char *dir = v6n_asprintf("%s/v6node-ssh-XXXXXX", tmp);
    if (dir && !mkdtemp(dir)) {
        int e = errno;
        free(dir);
        errno = e;
        return NULL;
    }
    if (!dir)
        errno = ENOMEM;
    return dir;
}

/* Remove a connection's listener, its socket file and folder. */
static void drop_listener(ssh_conn *c)
{
    if (c->listener >= 0)
        close(c->listener);
    c->listener = -1;
    if (c->listen_dir) {
        char *path = v6n_asprintf("%s/s", c->listen_dir);
        if (path)
            unlink(path);
        free(path);
        rmdir(c->listen_dir);
        free(c->listen_dir);
        c->listen_dir = NULL;
    }
}

/* Read what ssh wrote to stderr, without blocking; keep the tail. */
static void drain_stderr(ssh_conn *c)
{
    char chunk[1024];
    while (c->err_fd >= 0) {
        ssize_t n = read(c->err_fd, chunk, sizeof(chunk));
        if (n > 0) {
            if (c->err.len + (size_t)n > 2 * STDERR_KEEP) { /* keep the newest half */
                size_t drop = c->err.len - STDERR_KEEP / 2;
                memmove(c->err.ptr, c->err.ptr + drop, c->err.len - drop + 1);
                c->err.len -= drop;
            }
            if (v6n_buf_add(&c->err, chunk, (size_t)n) != V6N_OK)
                v6n_error_clear(); /* out of memory: the text is only for messages */
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            close(c->err_fd);
            c->err_fd = -1;
        }
        break;
    }
}

/* Reap ssh if it has exited. True once it is reaped (or cannot be: a caller
 * that ignores SIGCHLD has it reaped by the kernel). */
static bool try_reap(ssh_conn *c)
{
    if (c->pid <= 0)
        return true;
    int status;
    pid_t r;
    while ((r = waitpid(c->pid, &status, WNOHANG)) < 0 && errno == EINTR)
        ;
    if (r == 0)
        return false;
    if (r == c->pid)
        c->status = status;
    else
        c->status = -1; /* ECHILD: not ours to wait for any more */
    c->pid = 0;
    return true;
}

/* Wait up to `ms` for ssh to exit, reading its stderr meanwhile. */
static bool wait_exit(ssh_conn *c, long ms)
{
    long deadline = now_ms() + ms;
    for (;;) {
        drain_stderr(c);
        if (try_reap(c))
            return true;
        long left = deadline - now_ms();
        if (left <= 0)
            return false;
        if (c->err_fd >= 0) {
            struct pollfd p = {c->err_fd, POLLIN, 0};
            poll(&p, 1, (int)(left < 20 ? left : 20));
        } else {
            struct timespec ts = {0, 5 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
}

static void record_outcome(v6n_ssh *s, const ssh_conn *c)
{
    memset(&s->last, 0, sizeof(s->last));
    s->last.known = true;
    s->last.reaped = c->pid == 0 && c->status != -1;
    s->last.status = c->status;
    /* killed by us: it had not ended by itself (one that was already exiting
     * when the signal came keeps its exit status, and its words count) */
    s->last.killed = c->signalled && (c->status == -1 || WIFSIGNALED(c->status));
    if (c->err.ptr)
        snprintf(s->last.err, sizeof(s->last.err), "%s",
                 c->err.len > STDERR_KEEP ? c->err.ptr + c->err.len - STDERR_KEEP : c->err.ptr);
}

/* End connection `c`: close our end (ssh sees EOF), give ssh a moment to exit,
 * then SIGTERM, then SIGKILL; reap it and remember how it ended. */
static void end_conn(v6n_ssh *s, ssh_conn *c)
{
    if (c->sock >= 0)
        close(c->sock);
    c->sock = -1;
    if (!c->started) { /* libcurl gave up before its first request, or ssh did not start */
        drop_listener(c);
        free(c);
        return;
    }
    if (!wait_exit(c, EXIT_GRACE_MS)) {
        kill(c->pid, SIGTERM);
        c->signalled = true;
        if (!wait_exit(c, TERM_GRACE_MS)) {
            kill(c->pid, SIGKILL);
            int status;
            pid_t r;
            while ((r = waitpid(c->pid, &status, 0)) < 0 && errno == EINTR)
                ;
            c->status = r == c->pid ? status : -1;
            c->pid = 0;
        }
    }
    drain_stderr(c);
    record_outcome(s, c);
    if (c->err_fd >= 0)
        close(c->err_fd);
    v6n_buf_free(&c->err);
    free(c);
}

/* An fd of ours that is not 0, 1 or 2, so that the child's dup2 onto those
 * cannot clobber another one (a caller may have closed its stdin). */
static int above_stdio(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int e = errno;
    close(fd);
    errno = e;
    return moved;
}

static int spawn_ssh(v6n_ssh *s, int child_sock, int err_w, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int e = posix_spawn_file_actions_init(&fa);
    if (e)
        return e;
    if ((e = posix_spawnattr_init(&attr)) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return e;
    }
    if (!e)
        e = posix_spawn_file_actions_adddup2(&fa, child_sock, STDIN_FILENO);
    if (!e)
        e = posix_spawn_file_actions_adddup2(&fa, child_sock, STDOUT_FILENO);
    if (!e)
        e = posix_spawn_file_actions_adddup2(&fa, err_w, STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    if (!e) /* the caller's fds opened without O_CLOEXEC stay out of ssh too */
        e = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    static const int reset[] = {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGALRM};
    for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
        sigaddset(&defaults, reset[i]);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
#ifdef POSIX_SPAWN_SETSID
    flags |= POSIX_SPAWN_SETSID;
#endif
    if (!e)
        e = posix_spawnattr_setsigmask(&attr, &none);
    if (!e)
        e = posix_spawnattr_setsigdefault(&attr, &defaults);
    if (!e)
        e = posix_spawnattr_setflags(&attr, flags);
    /* found here rather than by posix_spawnp, which (under valgrind, or in
     * some C libraries) reports an ssh it cannot run as one that exits 127 */
    char *exe = e ? NULL : v6n_path_which("ssh");
    if (!e && !exe)
        e = ENOENT;
    if (!e)
        e = posix_spawn(pid, exe, &fa, &attr, s->argv, environ);
    free(exe);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return e;
}

static void spawn_failed(v6n_ssh *s, int e)
{
    memset(&s->last, 0, sizeof(s->last));
    s->last.known = true;
    s->last.spawn_errno = e ? e : EIO;
}

/* CURLOPT_OPENSOCKETFUNCTION: a new connection. libcurl connect()s the socket
 * it gets (7.88 does so even when told it is connected already), so it gets a
 * fresh unix socket and, in place of the engine's address, that of a listener
 * of ours in a private folder; the ssh process starts on the accepted end
 * once libcurl has connected (start_ssh). (A named socket, not an abstract
 * one: libcurl reuses no connection whose address reads as empty.) */
static curl_socket_t open_conn(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
    (void)purpose;
    v6n_ssh *s = clientp;
    ssh_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        spawn_failed(s, ENOMEM);
        return CURL_SOCKET_BAD;
    }
    c->sock = c->listener = c->err_fd = -1;
    struct sockaddr_un name = {.sun_family = AF_UNIX};
    int e = 0;
    if (!(c->listen_dir = listener_dir()))
        e = errno;
    else
        snprintf(name.sun_path, sizeof(name.sun_path), "%s/s", c->listen_dir);
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name.sun_path) + 1);
    if (!e && len > sizeof(address->addr) + 96) /* libcurl's room: a sockaddr_storage */
        e = ENAMETOOLONG;
    if (!e && (c->listener =
                   above_stdio(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0))) < 0)
        e = errno;
    if (!e &&
        (bind(c->listener, (struct sockaddr *)&name, len) != 0 || listen(c->listener, 1) != 0))
        e = errno;
    if (!e && (c->sock = above_stdio(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0))) < 0)
        e = errno;
    if (e) {
        drop_listener(c);
        if (c->sock >= 0)
            close(c->sock);
        free(c);
        spawn_failed(s, e);
        return CURL_SOCKET_BAD;
    }
    address->family = AF_UNIX;
    address->socktype = SOCK_STREAM;
    address->protocol = 0;
    address->addrlen = len;
    /* longer than struct sockaddr: libcurl keeps the address in a
     * sockaddr_storage, where it also puts its own unix socket addresses */
    memcpy((char *)address + offsetof(struct curl_sockaddr, addr), &name, len);
    c->next = s->conns;
    s->conns = c;
    return c->sock;
}

/* The connection libcurl made to `c`'s listener, and no other process's. */
static int accept_ours(ssh_conn *c)
{
    for (;;) {
        int fd = accept4(c->listener, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return -1;
        }
        struct ucred cred;
        socklen_t len = sizeof(cred);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid == getpid() &&
            cred.uid == geteuid())
            return above_stdio(fd);
        close(fd); /* someone else found the listener: not our libcurl */
    }
}

/* CURLOPT_PREREQFUNCTION, before each request: a connection libcurl has just
 * made gets its ssh process. */
static int start_ssh(void *clientp, char *primary_ip, char *local_ip, int primary_port,
                     int local_port)
{
    (void)primary_ip;
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    v6n_ssh *s = clientp;
    for (ssh_conn *c = s->conns; c; c = c->next) {
        if (c->listener < 0)
            continue;
        int theirs = accept_ours(c), ep[2] = {-1, -1}, e = 0;
        if (theirs < 0)
            e = errno ? errno : EIO;
        drop_listener(c);
        if (!e && pipe2(ep, O_CLOEXEC) != 0)
            e = errno;
        for (int i = 0; !e && i < 2; i++)
            if ((ep[i] = above_stdio(ep[i])) < 0)
                e = errno;
        if (!e && fcntl(ep[0], F_SETFL, O_NONBLOCK) != 0)
            e = errno;
        pid_t pid = 0;
        if (!e)
            e = spawn_ssh(s, theirs, ep[1], &pid);
        if (theirs >= 0)
            close(theirs);
        if (ep[1] >= 0)
            close(ep[1]);
        if (e) {
            if (ep[0] >= 0)
                close(ep[0]);
            spawn_failed(s, e);
            return CURL_PREREQFUNC_ABORT;
        }
        c->started = true;
        c->pid = pid;
        c->err_fd = ep[0];
    }
    return CURL_PREREQFUNC_OK;
}

/* CURLOPT_CLOSESOCKETFUNCTION: the connection is done, and so is its ssh. */
static int close_conn(void *clientp, curl_socket_t fd)
{
    v6n_ssh *s = clientp;
    for (ssh_conn **p = &s->conns; *p; p = &(*p)->next) {
        if ((*p)->sock == fd) {
            ssh_conn *c = *p;
            *p = c->next;
            end_conn(s, c);
            return 0;
        }
    }
    return close(fd);
}

int v6n_ssh_use(v6n_ssh *s, void *curl, const char *step)
{
    CURL *h = curl;
    memset(&s->last, 0, sizeof(s->last));
    for (ssh_conn *c = s->conns; c; c = c->next)
        drain_stderr(c); /* a pipe that is never read could fill up */
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_conn);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, s);
    if (curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, start_ssh) != CURLE_OK)
        return v6n_err(V6N_ERROR, NULL,
                       "%s: the Docker engine at %s: ssh:// needs libcurl 7.80 or newer (this "
                       "is %s)",
                       step, s->url, curl_version_info(CURLVERSION_NOW)->version);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, s);
    curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, close_conn);
    curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, s);
    /* a unix socket for libcurl: no name to resolve, no proxy; open_conn puts
     * its listener's name in place of this path */
    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, "/nonexistent/v6node-ssh");
    return V6N_OK;
}

void v6n_ssh_free(v6n_ssh *s)
{
    if (!s)
        return;
    /* connections libcurl did not close (it closes them all when its handle
     * is cleaned up, which comes first) */
    while (s->conns) {
        ssh_conn *c = s->conns;
        s->conns = c->next;
        end_conn(s, c);
    }
    for (size_t i = 0; s->argv && i < s->argc; i++)
        free(s->argv[i]);
    free(s->argv);
    free(s->url);
    free(s->user);
    free(s->host);
    free(s->port);
    free(s->socket);
    free(s);
}

int v6n_ssh_error(v6n_ssh *s, const char *step, bool timed_out)
{
    /* a connection libcurl has not closed yet: its ssh may be exiting */
    for (ssh_conn *c = s->conns; c && !timed_out; c = c->next) {
        if (c->started && c->pid > 0 && wait_exit(c, EXIT_GRACE_MS))
            record_outcome(s, c);
    }
    if (!s->last.known)
        return V6N_OK;
    v6n_ssh_target target = {s->url, s->user, s->host, s->port};
    v6n_ssh_ending ending = {s->last.spawn_errno, s->last.reaped, s->last.status, s->last.killed,
                             s->last.err};
    return v6n_ssh_explain(&target, &ending, step, timed_out);
}

/* Registry credentials for pulls: the X-Registry-Auth header docker-py sends.
 *
 * `v6 node start` pulls through docker-py, which looks for credentials for the
 * image's registry in the user's Docker config file and, when it finds some,
 * sends them base64url-encoded in X-Registry-Auth. Without this a private
 * registry that `docker login` made usable would refuse our pulls with
 * "unauthorized" while the official tool's succeed. The lookup follows
 * docker/auth.py (docker-py 7.1):
 *
 *   config file  $DOCKER_CONFIG/config.json, else ~/.docker/config.json
 *                (the first that exists; the legacy ~/.dockercfg is not read)
 *   registry     the part before the first '/' when it has a '.' or ':' or is
 *                "localhost", else docker.io; "http(s)://" and any path are
 *                dropped, and index.docker.io is docker.io
 *   helpers      credHelpers[registry], else credsStore: run
 *                `docker-credential-<name> get` with the server on stdin
 *                (docker.io is asked as https://index.docker.io/v1/); a
 *                "credentials not found" answer falls through to auths
 *   auths        the entry whose key is the registry, else the first whose key
 *                reduces to it ("https://harbor.example/v1/" matches
 *                "harbor.example"); identitytoken wins over auth; an entry
 *                with neither means no credentials
 *
 * A config file or helper that cannot be used does not stop the pull: public
 * images need no credentials. It is reported as a V6N_EVENT_WARNING instead
 * (docker-py raises for some of these cases; vantage6 then dies with a
 * traceback). Secrets never appear in messages, and buffers that held them are
 * wiped before they are freed.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;

#define INDEX_NAME        "docker.io"
#define INDEX_URL         "https://index.docker.io/v1/"
#define TOKEN_USERNAME    "<token>"
#define HELPER_PREFIX     "docker-credential-"
#define HELPER_TIMEOUT_MS 30000
#define HELPER_OUTPUT_MAX (64 * 1024)

/* ---- base64 decoding (encoding is v6n_base64 in util.c) --------------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
    const char *p = (c && c != '=') ? strchr(B64, c) : NULL;
    if (p)
        return (int)(p - B64);
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

char *v6n_base64_decode(const char *s, size_t *len)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return NULL;
    char *out = malloc(n * 3 / 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

/* Zero a string value of a parsed tree (a secret) before the tree is freed. */
static void wipe_value(yajl_val v)
{
    char *s = YAJL_IS_STRING(v) ? v->u.string : NULL;
    if (s)
        explicit_bzero(s, strlen(s));
}

/* ---- names ------------------------------------------------------------------ */

/* "https://host:5000/v1/" -> "host:5000"; index.docker.io -> docker.io. */
static char *index_name(const char *s)
{
    if (strncmp(s, "http://", 7) == 0)
        s += 7;
    else if (strncmp(s, "https://", 8) == 0)
        s += 8;
    char *host = v6n_strndup(s, strcspn(s, "/"));
    if (host && strcmp(host, "index." INDEX_NAME) == 0) {
        free(host);
        host = v6n_strdup(INDEX_NAME);
    }
    return host;
}

char *v6n_registry_of(const char *image)
{
    const char *slash = strchr(image, '/');
    if (!slash)
        return v6n_strdup(INDEX_NAME);
    size_t n = (size_t)(slash - image);
    bool host = memchr(image, '.', n) || memchr(image, ':', n) ||
                (n == 9 && strncmp(image, "localhost", 9) == 0);
    if (!host)
        return v6n_strdup(INDEX_NAME);
    char *first = v6n_strndup(image, n);
    char *name = first ? index_name(first) : NULL;
    free(first);
    return name;
}

/* ---- the header ------------------------------------------------------------- */

typedef struct lookup {
    const char *registry; /* docker.io or host[:port] */
    v6n_event_cb cb;
    void *payload;
    char *header; /* the result */
    char *source; /* where it came from, for the caller's messages */
} lookup;

static int warn(lookup *l, const char *fmt, ...) V6N_PRINTF(2, 3);
static int warn(lookup *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = v6n_vasprintf(fmt, ap);
    va_end(ap);
    if (!msg)
        return v6n_err_nomem();
    int stop = v6n_emit(l->cb, l->payload, V6N_EVENT_WARNING, msg, "", "", 0, 0);
    free(msg);
    return stop ? v6n_err(V6N_ECANCELLED, NULL, "pull: stopped by the caller") : V6N_OK;
}

/* A JSON object of the given key/value pairs (a NULL value is JSON null),
 * base64url-encoded, into l->header. */
static int encode(lookup *l, const char *const *kv, size_t n, const char *source)
{
    v6n_jgen j;
    int rc = v6n_jgen_open(&j);
    if (rc)
        return rc;
    v6n_jgen_map(&j, true);
    for (size_t i = 0; i + 1 < n; i += 2) {
        v6n_jgen_str(&j, kv[i]);
        if (kv[i + 1])
            v6n_jgen_str(&j, kv[i + 1]);
        else
            yajl_gen_null(j.g);
    }
    v6n_jgen_map(&j, false);
    char *json = NULL;
    rc = v6n_jgen_close(&j, &json, "the registry credentials");
    if (rc)
        return rc;
    l->header = v6n_base64url((const unsigned char *)json, strlen(json));
    wipe_free(json);
    l->source = v6n_strdup(source);
    return (l->header && l->source) ? V6N_OK : v6n_err_nomem();
}

/* Run `docker-credential-<store> get` with `server` on stdin. On success *out
 * holds its output; *found is false when it has no credentials for `server`
 * (or could not run, after a warning). */
static int run_helper(lookup *l, const char *store, const char *server, v6n_buf *out, bool *found)
{
    *found = false;
    if (strchr(store, '/') || !*store)
        return warn(l, "ignoring the credential store name '%s': not a helper name", store);
    char program[256];
    snprintf(program, sizeof(program), HELPER_PREFIX "%s", store);
    size_t slen = strlen(server);
    if (slen >= 4096)
        return warn(l, "%s: the server name is too long to ask for", program);
    char *exe = v6n_path_which(program);
    if (!exe)
        return warn(l, "%s is not installed or not in PATH: pulling without credentials for %s",
                    program, l->registry);
    int in[2] = {-1, -1}, outp[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(outp, O_CLOEXEC) != 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (in[i] >= 0)
                close(in[i]);
        }
        free(exe);
        return warn(l, "%s: cannot make a pipe: %s", program, strerror(e));
    }
    /* The server name fits the pipe's buffer: written now, it can neither block
     * nor raise SIGPIPE, whatever the helper does with its stdin. */
    ssize_t w = write(in[1], server, slen);
    close(in[1]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, outp[1], STDERR_FILENO);
    char *argv[] = {program, "get", NULL};
    pid_t pid = -1;
    int e = (w == (ssize_t)slen) ? posix_spawn(&pid, exe, &fa, NULL, argv, environ) : EIO;
    posix_spawn_file_actions_destroy(&fa);
    free(exe);
    close(in[0]);
    close(outp[1]);
    if (e) {
        close(outp[0]);
        return warn(l, "cannot run %s: %s", program, strerror(e));
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool timed_out = false, too_long = false;
    int rc = V6N_OK;
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent = (now.tv_sec - t0.tv_sec) * 1000L + (now.tv_nsec - t0.tv_nsec) / 1000000L;
        struct pollfd p = {outp[0], POLLIN, 0};
        int pr = spent < HELPER_TIMEOUT_MS ? poll(&p, 1, (int)(HELPER_TIMEOUT_MS - spent)) : 0;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0) {
            timed_out = true;
            break;
        }
        char chunk[4096];
        ssize_t n = read(outp[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (out->len + (size_t)n > HELPER_OUTPUT_MAX) {
            too_long = true;
            break;
        }
        rc = v6n_buf_add(out, chunk, (size_t)n);
        if (rc)
            break;
    }
    close(outp[0]);
    if (timed_out || too_long || rc)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc)
        return rc;
    if (timed_out)
        return warn(l, "%s did not answer within %d s: pulling without credentials for %s", program,
                    HELPER_TIMEOUT_MS / 1000, l->registry);
    if (too_long)
        return warn(l, "%s answered more than %d bytes: ignored", program, HELPER_OUTPUT_MAX);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const char *text = out->ptr ? out->ptr : "";
        if (strstr(text, "credentials not found"))
            return V6N_OK; /* the usual "none stored for this server" */
        return warn(l, "%s get %s failed (%s %d): %.*s", program, server,
                    WIFEXITED(status) ? "exit status" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                    (int)strcspn(text, "\n"), text);
    }
    *found = true;
    return V6N_OK;
}

static int from_helper(lookup *l, const char *store)
{
    /* docker.io is asked for by its index URL */
    const char *server = strcmp(l->registry, INDEX_NAME) == 0 ? INDEX_URL : l->registry;
    v6n_buf out = V6N_BUF_INIT;
    bool found = false;
    int rc = run_helper(l, store, server, &out, &found);
    char source[300];
    snprintf(source, sizeof(source), HELPER_PREFIX "%s", store);
    yajl_val v = NULL;
    if (!rc && found) {
        char err[128] = "";
        v = yajl_tree_parse(out.ptr ? out.ptr : "", err, sizeof(err));
        const char *user = v6n_json_string(v, "Username");
        const char *secret = v6n_json_string(v, "Secret");
        if (!user || !secret) {
            rc = warn(l, "%s get %s: the answer is not {\"Username\", \"Secret\"} JSON", source,
                      server);
        } else if (!*user && !*secret) {
            /* docker-credential-pass answers so for a server it does not know */
        } else if (strcmp(user, TOKEN_USERNAME) == 0) {
            const char *kv[] = {"ServerAddress", server, "IdentityToken", secret};
            rc = encode(l, kv, 4, source);
        } else {
            const char *kv[] = {"ServerAddress", server, "Username", user, "Password", secret};
            rc = encode(l, kv, 6, source);
        }
    }
    if (v) {
        /* the tree holds the secret: wipe it before it goes */
        const char *path[] = {"Secret", NULL};
        wipe_value(yajl_tree_get(v, path, yajl_t_string));
        yajl_tree_free(v);
    }
    if (out.ptr)
        explicit_bzero(out.ptr, out.len);
    v6n_buf_free(&out);
    return rc;
}

/* The auths entry for the registry: the exact key, else the first key that
 * reduces to the registry. */
static yajl_val find_auth_entry(lookup *l, yajl_val auths, const char **key)
{
    if (!YAJL_IS_OBJECT(auths))
        return NULL;
    size_t n = YAJL_GET_OBJECT(auths)->len;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(YAJL_GET_OBJECT(auths)->keys[i], l->registry) == 0) {
            *key = YAJL_GET_OBJECT(auths)->keys[i];
            return YAJL_GET_OBJECT(auths)->values[i];
        }
    }
    for (size_t i = 0; i < n; i++) {
        char *name = index_name(YAJL_GET_OBJECT(auths)->keys[i]);
        bool match = name && strcmp(name, l->registry) == 0;
        free(name);
        if (match) {
            *key = YAJL_GET_OBJECT(auths)->keys[i];
            return YAJL_GET_OBJECT(auths)->values[i];
        }
    }
    return NULL;
}

static int from_auths(lookup *l, yajl_val auths, const char *file)
{
    const char *key = NULL;
    yajl_val entry = find_auth_entry(l, auths, &key);
    if (!entry)
        return V6N_OK;
    if (!YAJL_IS_OBJECT(entry))
        return warn(l, "%s: auths.\"%s\" is not an object: pulling without credentials", file, key);
    const char *token = v6n_json_string(entry, "identitytoken");
    if (token) {
        const char *kv[] = {"IdentityToken", token};
        return encode(l, kv, 2, file);
    }
    const char *auth = v6n_json_string(entry, "auth");
    if (!auth)
        return V6N_OK; /* kept in a credential store, or nothing stored */
    size_t len = 0;
    char *plain = v6n_base64_decode(auth, &len);
    char *colon = plain ? memchr(plain, ':', len) : NULL;
    int rc;
    if (!colon || strlen(plain) != len) {
        rc = warn(l,
                  "%s: auths.\"%s\".auth is not base64 of \"user:password\": pulling without "
                  "credentials",
                  file, key);
    } else {
        *colon = '\0';
        const char *kv[] = {"username",      plain,   "password",
                            colon + 1,       "email", v6n_json_string(entry, "email"),
                            "serveraddress", key};
        rc = encode(l, kv, 8, file);
    }
    if (plain) {
        explicit_bzero(plain, len);
        free(plain);
    }
    return rc;
}

/* DIR/config.json when it exists, else NULL (*oom set on OOM). */
static char *config_in(const char *dir, bool *oom)
{
    char *p = v6n_asprintf("%s/config.json", dir);
    if (!p)
        *oom = true;
    else if (!v6n_path_exists(p)) {
        free(p);
        p = NULL;
    }
    return p;
}

/* The Docker config file to read, as docker-py finds it: $DOCKER_CONFIG's,
 * else the home folder's; NULL when neither exists (or on OOM, *oom set). */
static char *config_file(bool *oom)
{
    const char *dir = getenv("DOCKER_CONFIG");
    char *p = (dir && *dir) ? config_in(dir, oom) : NULL;
    if (p || *oom)
        return p;
    char *home = v6n_home_docker_dir();
    if (!home) {
        *oom = true;
        return NULL;
    }
    p = config_in(home, oom);
    free(home);
    return p;
}

static int lookup_in_config(lookup *l)
{
    bool oom = false;
    char *file = config_file(&oom);
    if (!file)
        return oom ? v6n_err_nomem() : V6N_OK;
    char *text = NULL;
    size_t len = 0;
    int rc = v6n_read_file(&text, &len, file);
    if (rc == V6N_ENOMEM) {
        free(file);
        return rc;
    }
    if (rc) {
        char msg[2100];
        snprintf(msg, sizeof(msg), "%s", v6n_error_last()->message);
        v6n_error_clear();
        rc = warn(l, "cannot read the Docker config file: %s", msg);
        free(file);
        return rc;
    }
    char err[256] = "";
    yajl_val cfg = yajl_tree_parse(text, err, sizeof(err));
    explicit_bzero(text, len);
    free(text);
    yajl_val auths = NULL; /* the entries that may hold secrets */
    if (!cfg || !YAJL_IS_OBJECT(cfg)) {
        rc = warn(l, "%s is not a JSON object (%.*s): pulling without credentials", file,
                  (int)strcspn(err, "\n"), err);
    } else {
        const char *auths_path[] = {"auths", NULL};
        const char *helpers_path[] = {"credHelpers", NULL};
        auths = yajl_tree_get(cfg, auths_path, yajl_t_object);
        yajl_val helpers = yajl_tree_get(cfg, helpers_path, yajl_t_object);
        const char *store = v6n_json_string(cfg, "credsStore");
        const char *helper = NULL;
        if (helpers) {
            const char *key = strcmp(l->registry, INDEX_NAME) == 0 ? INDEX_URL : l->registry;
            const char *hpath[] = {key, NULL};
            yajl_val h = yajl_tree_get(helpers, hpath, yajl_t_string);
            helper = h ? YAJL_GET_STRING(h) : NULL;
        }
        if (!helper && store && *store)
            helper = store;
        if (helper && *helper)
            rc = from_helper(l, helper);
        /* no auth-related section at all: an auth-only file (the old format) */
        if (!auths && !helpers && !store)
            auths = cfg;
        if (!rc && !l->header && auths)
            rc = from_auths(l, auths, file);
    }
    /* wipe every string of the auth entries before the tree is freed */
    for (size_t i = 0; auths && i < YAJL_GET_OBJECT(auths)->len; i++) {
        yajl_val e = YAJL_GET_OBJECT(auths)->values[i];
        for (size_t k = 0; YAJL_IS_OBJECT(e) && k < YAJL_GET_OBJECT(e)->len; k++)
            wipe_value(YAJL_GET_OBJECT(e)->values[k]);
    }
    yajl_tree_free(cfg);
    free(file);
    return rc;
}

int v6n_registry_auth(char **header, char **source, const char *registry, v6n_event_cb cb,
                      void *payload)
{
    *header = NULL;
    if (source)
        *source = NULL;
    lookup l = {registry, cb, payload, NULL, NULL};
    int rc = lookup_in_config(&l);
    if (rc) {
        wipe_free(l.header);
        free(l.source);
    } else {
        *header = l.header;
        if (source)
            *source = l.source;
        else
            free(l.source);
    }
    return rc;
}

void v6n_registry_auth_free(char *header)
{
    wipe_free(header);
}

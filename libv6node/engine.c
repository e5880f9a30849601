/* The Docker Engine API client on libcurl: unix socket, tcp (+TLS) or ssh
 * (ssh.c), the API version negotiated from /_ping, errors parsed into
 * v6n_error_last().
 *
 * One CURL easy handle per client keeps the connection alive between requests.
 * Ordinary requests have a total timeout; streams (pull, logs) have none and
 * are stopped through their callback instead. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "internal.h"

/* The newest API version this library speaks; older engines are met at theirs. */
#define API_MAX_MAJOR 1
#define API_MAX_MINOR 47
/* The oldest: docker-py 7.1's minimum. */
#define API_MIN_MINOR 24

#define DEFAULT_SOCKET     "/var/run/docker.sock"
#define BODY_MAX           (64u * 1024u * 1024u)
#define DEFAULT_CONNECT_MS 5000
#define DEFAULT_REQUEST_MS 60000

struct v6n_client {
    char *host;        /* as shown in messages: "unix:///var/run/docker.sock" */
    char *socket_path; /* unix sockets */
    char *base_url;    /* "http://docker" (unix, ssh) or "http[s]://host:port" */
    v6n_ssh *ssh;      /* ssh:// engines: the ssh command and its processes */
    bool tls, tls_verify;
    char *ca_file, *cert_file, *key_file;
    char api_version[16];
    bool pinned;
    long connect_timeout_ms, request_timeout_ms;
    CURL *curl;
    unsigned long requests;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void init_curl(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int v6n_curl_global_init(void)
{
    pthread_once(&curl_once, init_curl);
    if (curl_init_result != CURLE_OK)
        return v6n_err(V6N_ERROR, NULL, "libcurl failed to initialise: %s",
                       curl_easy_strerror(curl_init_result));
    return V6N_OK;
}

static int parse_version(const char *v, int *major, int *minor)
{
    char *end;
    long a = strtol(v, &end, 10);
    if (end == v || *end != '.')
        return -1;
    const char *m = end + 1;
    long b = strtol(m, &end, 10);
    if (end == m || *end != '\0' || a < 0 || b < 0 || a > 99 || b > 999)
        return -1;
    *major = (int)a;
    *minor = (int)b;
    return 0;
}

/* "unix:///p", "unix://p", "tcp://h:p", "http://h:p", "https://h:p",
 * "ssh://[user@]h[:p]". */
static int parse_host(v6n_client *c, const char *host, long connect_timeout_ms)
{
    if (v6n_str_empty(host))
        host = "unix://" DEFAULT_SOCKET;
    if (strncmp(host, "ssh://", 6) == 0) {
        int rc = v6n_ssh_new(&c->ssh, host, connect_timeout_ms);
        if (rc)
            return rc;
        c->base_url = v6n_strdup("http://docker");
        c->host = v6n_strdup(v6n_ssh_url(c->ssh));
        return (c->base_url && c->host) ? V6N_OK : v6n_err_nomem();
    }
    if (strncmp(host, "unix://", 7) == 0) {
        const char *path = host + 7;
        if (*path == '\0')
            path = DEFAULT_SOCKET;
        if (*path != '/')
            return v6n_err(V6N_EINVAL, "host", "DOCKER_HOST '%s': the socket path must be absolute",
                           host);
        if (strlen(path) > 107)
            return v6n_err(V6N_EINVAL, "host",
                           "DOCKER_HOST '%s': a unix socket path is at most 107 bytes", host);
        c->socket_path = v6n_strdup(path);
        c->base_url = v6n_strdup("http://docker");
        c->host = v6n_asprintf("unix://%s", path);
        return (c->socket_path && c->base_url && c->host) ? V6N_OK : v6n_err_nomem();
    }
    const char *rest = NULL;
    if (strncmp(host, "tcp://", 6) == 0)
        rest = host + 6;
    else if (strncmp(host, "http://", 7) == 0)
        rest = host + 7;
    else if (strncmp(host, "https://", 8) == 0) {
        rest = host + 8;
        c->tls = true;
    }
    if (!rest)
        return v6n_err(V6N_EINVAL, "host",
                       "DOCKER_HOST '%s' is not supported: use unix:///path, tcp://host:port or "
                       "ssh://user@host",
                       host);
    size_t n = strcspn(rest, "/?#");
    if (n == 0 || rest[n] == '?' || rest[n] == '#' || memchr(rest, '@', n) ||
        (rest[n] == '/' && rest[n + 1] != '\0'))
        return v6n_err(V6N_EINVAL, "host",
                       "DOCKER_HOST '%s': expected tcp://host:port with no path, user or query",
                       host);
    char *hostport = v6n_strndup(rest, n);
    if (!hostport)
        return v6n_err_nomem();
    /* The port defaults as in the docker CLI: 2376 with TLS, else 2375. */
    const char *last_colon = strrchr(hostport, ':');
    bool has_port = last_colon && (hostport[0] != '[' || last_colon > strchr(hostport, ']'));
    c->base_url = v6n_asprintf("%s://%s%s", c->tls ? "https" : "http", hostport,
                               has_port ? "" : (c->tls ? ":2376" : ":2375"));
    c->host = v6n_asprintf("tcp://%s%s", hostport, has_port ? "" : (c->tls ? ":2376" : ":2375"));
    free(hostport);
    return (c->base_url && c->host) ? V6N_OK : v6n_err_nomem();
}

static int set_cert_files(v6n_client *c, const char *dir)
{
    c->ca_file = v6n_asprintf("%s/ca.pem", dir);
    c->cert_file = v6n_asprintf("%s/cert.pem", dir);
    c->key_file = v6n_asprintf("%s/key.pem", dir);
    if (!c->ca_file || !c->cert_file || !c->key_file)
        return v6n_err_nomem();
    if (!v6n_path_exists(c->cert_file) || !v6n_path_exists(c->key_file))
        return v6n_err(V6N_EINVAL, "cert_path", "TLS client certificate missing: need %s and %s",
                       c->cert_file, c->key_file);
    if (c->tls_verify && !v6n_path_exists(c->ca_file))
        return v6n_err(V6N_EINVAL, "cert_path", "TLS verification needs the CA file %s",
                       c->ca_file);
    return V6N_OK;
}

int v6n_client_new(v6n_client **out, const v6n_engine_options *opts)
{
    if (!out)
        return v6n_err(V6N_EINVAL, NULL, "v6n_client_new: out is required");
    *out = NULL;
    v6n_engine_options defaults = V6N_ENGINE_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    int rc = V6N_CHECK_VERSION(opts, V6N_ENGINE_OPTIONS_VERSION, "engine options");
    if (rc)
        return rc;
    rc = v6n_curl_global_init();
    if (rc)
        return rc;

    v6n_client *c = calloc(1, sizeof(*c));
    if (!c)
        return v6n_err_nomem();
    c->tls = opts->tls;
    c->tls_verify = opts->tls_verify;
    c->connect_timeout_ms =
        opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : DEFAULT_CONNECT_MS;
    c->request_timeout_ms =
        opts->request_timeout_ms > 0 ? opts->request_timeout_ms : DEFAULT_REQUEST_MS;
    rc = parse_host(c, opts->host, opts->connect_timeout_ms);
    if (!rc && c->tls && (c->socket_path || c->ssh))
        rc = v6n_err(V6N_EINVAL, "tls", "TLS is for tcp:// hosts, not %s", c->host);
    if (!rc && c->tls && !v6n_str_empty(opts->cert_path))
        rc = set_cert_files(c, opts->cert_path);
    if (!rc && !v6n_str_empty(opts->api_version)) {
        int major, minor;
        if (parse_version(opts->api_version, &major, &minor) != 0)
            rc = v6n_err(V6N_EINVAL, "api_version", "API version '%s' is not of the form 1.41",
                         opts->api_version);
        else {
            snprintf(c->api_version, sizeof(c->api_version), "%d.%d", major, minor);
            c->pinned = true;
        }
    }
    if (!rc && !(c->curl = curl_easy_init()))
        rc = v6n_err_nomem();
    if (rc) {
        v6n_client_free(c);
        return rc;
    }
    *out = c;
    return V6N_OK;
}

int v6n_client_from_env(v6n_client **out)
{
    v6n_engine_options o = V6N_ENGINE_OPTIONS_INIT;
    const char *host = getenv("DOCKER_HOST");
    if (host && !*host)
        host = NULL; /* set but empty: the default socket, as in docker-py */
    const char *verify = getenv("DOCKER_TLS_VERIFY");
    const char *cert_path = getenv("DOCKER_CERT_PATH");
    o.host = host;
    o.api_version = getenv("DOCKER_API_VERSION");
    /* docker-py: TLS when either is set (non-empty), verification when
     * DOCKER_TLS_VERIFY is non-empty; certificates default to ~/.docker. */
    bool want_tls = !v6n_str_empty(verify) || !v6n_str_empty(cert_path);
    char *home_certs = NULL;
    /* as the docker CLI: the TLS variables are for tcp:// engines (ssh brings
     * its own encryption) */
    if (want_tls && host && strncmp(host, "unix://", 7) != 0 && strncmp(host, "ssh://", 6) != 0) {
        o.tls = 1;
        o.tls_verify = !v6n_str_empty(verify);
        if (v6n_str_empty(cert_path)) {
            const char *home = getenv("HOME");
            home_certs = v6n_asprintf("%s/.docker", home ? home : "");
            if (!home_certs)
                return v6n_err_nomem();
            cert_path = home_certs;
        }
        o.cert_path = cert_path;
    }
    int rc = v6n_client_new(out, &o);
    free(home_certs);
    return rc;
}

void v6n_client_free(v6n_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl); /* closes its connections: ssh.c reaps their ssh */
    v6n_ssh_free(c->ssh);
    free(c->host);
    free(c->socket_path);
    free(c->base_url);
    free(c->ca_file);
    free(c->cert_file);
    free(c->key_file);
    free(c);
}

const char *v6n_client_host(const v6n_client *c)
{
    return c ? c->host : NULL;
}

const char *v6n_client_api_version(const v6n_client *c)
{
    return (c && c->api_version[0]) ? c->api_version : NULL;
}

long v6n_client_request_timeout_ms(const v6n_client *c)
{
    return c->request_timeout_ms;
}

unsigned long v6n_client_request_count(const v6n_client *c)
{
    return c ? c->requests : 0;
}

const char *v6n_client_socket_path(const v6n_client *c)
{
    return c ? c->socket_path : NULL;
}

/* ---- one request ---------------------------------------------------------- */

typedef struct transfer {
    const v6n_request *req;
    v6n_http_response *resp;
    bool cancelled;
    bool too_large;
    long answer_deadline_ms; /* ssh streams: the answer must begin by then (0: none) */
    bool no_answer;          /* it did not */
} transfer;

static long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void copy_header_value(char *dst, size_t size, const char *value, size_t len)
{
    while (len && (*value == ' ' || *value == '\t')) {
        value++;
        len--;
    }
    while (len && (value[len - 1] == '\r' || value[len - 1] == '\n' || value[len - 1] == ' '))
        len--;
    if (len >= size)
        len = size - 1;
    memcpy(dst, value, len);
    dst[len] = '\0';
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
    transfer *t = userdata;
    size_t len = size * n;
    if (len > 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* a new status line (after a 100 Continue, a new response): reset */
        const char *sp = memchr(data, ' ', len);
        t->resp->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        t->resp->content_type[0] = '\0';
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon)
        return len;
    size_t name_len = (size_t)(colon - data);
    const char *value = colon + 1;
    size_t value_len = len - name_len - 1;
    if (name_len == 12 && strncasecmp(data, "Content-Type", 12) == 0)
        copy_header_value(t->resp->content_type, sizeof(t->resp->content_type), value, value_len);
    else if (name_len == 11 && strncasecmp(data, "Api-Version", 11) == 0)
        copy_header_value(t->resp->api_version, sizeof(t->resp->api_version), value, value_len);
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    transfer *t = userdata;
    size_t len = size * n;
    if (t->req->stream && t->req->on_data && t->resp->status < 300) {
        if (t->req->on_data(data, len, t->req->payload) != 0) {
            t->cancelled = true;
            return 0; /* aborts the transfer */
        }
        return len;
    }
    if (t->resp->body.len + len > BODY_MAX) {
        t->too_large = true;
        return 0;
    }
    return v6n_buf_add(&t->resp->body, data, len) == V6N_OK ? len : 0;
}

/* libcurl calls this about once a second even when no data flows: the chance
 * for a stream's callback to stop a quiet stream. */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    transfer *t = userdata;
    if (t->answer_deadline_ms && t->resp->status == 0 && monotonic_ms() > t->answer_deadline_ms) {
        t->no_answer = true;
        return 1;
    }
    if (t->req->stream && t->req->on_data && t->req->on_data(NULL, 0, t->req->payload) != 0) {
        t->cancelled = true;
        return 1;
    }
    return 0;
}

/* A TLS failure in words a person can act on. */
static int tls_error(const v6n_client *c, const v6n_request *req, const char *what)
{
    const char *hint;
    if (strstr(what, "wrong version number") || strstr(what, "packet length too long"))
        hint = "the engine does not speak TLS there: for a plain tcp:// engine unset "
               "DOCKER_TLS_VERIFY and DOCKER_CERT_PATH";
    else if (strstr(what, "certificate problem") || strstr(what, "verify failed") ||
             strstr(what, "self-signed") || strstr(what, "unable to get local issuer"))
        hint = "the engine's certificate is not signed by the CA in ca.pem (DOCKER_CERT_PATH), "
               "or it does not name this address";
    else if (strstr(what, "alert") || strstr(what, "certificate required"))
        hint = "the engine refused our client certificate (cert.pem, key.pem in "
               "DOCKER_CERT_PATH): is it signed by the engine's CA?";
    else if (strstr(what, "could not load") || strstr(what, "unable to set") ||
             strstr(what, "SSL_CTX_use"))
        hint = "our certificate or key file could not be used";
    else
        hint = "the TLS handshake failed";
    return v6n_err(V6N_EUNAVAILABLE, NULL, "%s: TLS with the Docker engine at %s failed: %s (%s)",
                   req->step, c->host, hint, what);
}

/* After a connection broke: does the engine still take connections? A broken
 * answer from an engine that is still there is the engine's fault
 * (V6N_EENGINE); one from an engine that went away (stopped, restarted,
 * crashed) means it is unavailable. A connect-only attempt, briefly. */
static bool engine_gone(const v6n_client *c)
{
    CURL *h = curl_easy_init();
    if (!h)
        return false;
    curl_easy_setopt(h, CURLOPT_URL, c->base_url);
    curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (c->socket_path)
        curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->socket_path);
    if (c->tls) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L); /* only: is anyone there? */
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode code = curl_easy_perform(h);
    curl_easy_cleanup(h);
    return code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT;
}

static int transport_error(const v6n_client *c, const v6n_request *req, CURLcode code,
                           const char *detail, bool got_answer)
{
    const char *what = detail[0] ? detail : curl_easy_strerror(code);
    if (c->ssh) { /* how ssh ended says more than libcurl can */
        int rc = v6n_ssh_error(c->ssh, req->step, code == CURLE_OPERATION_TIMEDOUT);
        if (rc)
            return rc;
    }
    switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return v6n_err(V6N_EUNAVAILABLE, NULL,
                       "%s: cannot reach the Docker engine at %s: %s (is Docker running?)",
                       req->step, c->host, what);
    case CURLE_OPERATION_TIMEDOUT:
        return v6n_err(V6N_EUNAVAILABLE, NULL,
                       "%s: the Docker engine at %s did not answer in time: %s", req->step, c->host,
                       what);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
        return tls_error(c, req, what);
    default:
        break;
    }
    if (c->tls && !got_answer && strstr(what, "alert"))
        return tls_error(c, req, what); /* the engine said why: usually our certificate */
    if (c->tls && !got_answer &&
        (code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING))
        /* the other side hung up in the handshake: it did not accept us */
        return v6n_err(V6N_EUNAVAILABLE, NULL,
                       "%s: TLS with the Docker engine at %s failed: the engine closed the "
                       "connection during the handshake; it may not accept our client "
                       "certificate (cert.pem in DOCKER_CERT_PATH) (%s)",
                       req->step, c->host, what);
    if (!c->tls && !c->socket_path && !c->ssh && !got_answer &&
        (code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING))
        return v6n_err(V6N_EENGINE, NULL,
                       "%s: the Docker engine at %s closed the connection without an answer; "
                       "does it expect TLS (DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH)? (%s)",
                       req->step, c->host, what);
    /* (over ssh, the words of ssh and of the docker CLI over there said it) */
    if (!c->ssh && engine_gone(c))
        return v6n_err(V6N_EUNAVAILABLE, NULL,
                       "%s: the Docker engine at %s went away (it no longer takes connections; "
                       "was it stopped or restarted?): %s",
                       req->step, c->host, what);
    return v6n_err(V6N_EENGINE, NULL, "%s: the connection to the Docker engine at %s broke: %s",
                   req->step, c->host, what);
}

static int perform(v6n_client *c, const v6n_request *req, v6n_http_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    char *url;
    if (req->unversioned)
        url = v6n_asprintf("%s%s", c->base_url, req->path);
    else
        url = v6n_asprintf("%s/v%s%s", c->base_url, c->api_version, req->path);
    if (!url)
        return v6n_err_nomem();

    CURL *h = c->curl;
    curl_easy_reset(h); /* keeps the connection cache */
    int ssh_rc = c->ssh ? v6n_ssh_use(c->ssh, h, req->step) : V6N_OK;
    if (ssh_rc) {
        free(url);
        return ssh_rc;
    }
    transfer t = {req, resp, false, false, 0, false};
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Expect:");
    headers = curl_slist_append(headers, "User-Agent: libv6node/" V6N_VERSION);
    if (req->body)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    if (req->registry_auth) {
        char *line = v6n_asprintf("X-Registry-Auth: %s", req->registry_auth);
        if (!line) {
            curl_slist_free_all(headers);
            free(url);
            return v6n_err_nomem();
        }
        headers = curl_slist_append(headers, line);
        v6n_registry_auth_free(line);
    }

    curl_easy_setopt(h, CURLOPT_URL, url);
    if (c->socket_path)
        curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->socket_path);
    if (c->ssh) {
        /* a stream has no total timeout: over ssh, whose handshake libcurl
         * does not see, its answer must still begin in the request time */
        if (req->stream)
            t.answer_deadline_ms = monotonic_ms() + c->request_timeout_ms;
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     req->stream ? 0L
                                 : (req->timeout_ms > 0 ? req->timeout_ms : c->request_timeout_ms));
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (req->stream && req->stall_timeout_s > 0) {
        /* less than one byte a second for that long: the stream is stuck */
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, req->stall_timeout_s);
    }
    if (req->stream || t.answer_deadline_ms) {
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
    }
    if (c->tls) {
        if (c->cert_file) {
            curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
            curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
        }
        if (c->ca_file && c->tls_verify)
            curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
        curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    }
    if (strcmp(req->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(req->body ? strlen(req->body) : 0));
    } else if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(req->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    }

    c->requests++;
    CURLcode code = curl_easy_perform(h);
    for (struct curl_slist *l = headers; l; l = l->next) {
        if (strncmp(l->data, "X-Registry-Auth:", 16) == 0) /* credentials: wipe them */
            explicit_bzero(l->data, strlen(l->data));
    }
    curl_slist_free_all(headers);
    free(url);
    if (t.no_answer) {
        int rc = v6n_ssh_error(c->ssh, req->step, true);
        return rc ? rc
                  : v6n_err(V6N_EUNAVAILABLE, NULL,
                            "%s: the Docker engine at %s did not answer in time: no answer "
                            "within %ld ms",
                            req->step, c->host, c->request_timeout_ms);
    }
    if (t.cancelled)
        return v6n_err(V6N_ECANCELLED, NULL, "%s: stopped by the caller", req->step);
    if (t.too_large)
        return v6n_err(V6N_EENGINE, NULL, "%s: the engine's answer is larger than %u bytes",
                       req->step, BODY_MAX);
    if (code != CURLE_OK) {
        /* For a unix socket libcurl's text names a made-up "docker port 80";
         * the system's reason is clearer. */
        long os_errno = 0;
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
        if (c->socket_path && os_errno && code == CURLE_COULDNT_CONNECT)
            snprintf(errbuf, sizeof(errbuf), "%s", strerror((int)os_errno));
        return transport_error(c, req, code, errbuf, resp->status != 0);
    }
    return V6N_OK;
}

/* GET /_ping (unversioned); the response is the caller's to free. */
static int ping(v6n_client *c, v6n_http_response *resp)
{
    v6n_request req = {
        .method = "GET", .path = "/_ping", .unversioned = true, .step = "ping the engine"};
    int rc = perform(c, &req, resp);
    if (!rc && resp->status != 200)
        rc = v6n_engine_error(&req, resp);
    return rc;
}

int v6n_engine_negotiate(v6n_client *c)
{
    if (c->api_version[0])
        return V6N_OK;
    v6n_http_response resp;
    int rc = ping(c, &resp);
    int major = API_MAX_MAJOR, minor = API_MAX_MINOR;
    if (!rc && resp.api_version[0]) {
        int dmajor, dminor;
        if (parse_version(resp.api_version, &dmajor, &dminor) == 0 &&
            (dmajor < major || (dmajor == major && dminor < minor))) {
            major = dmajor;
            minor = dminor;
        }
        if (major < 1 || (major == 1 && minor < API_MIN_MINOR))
            rc = v6n_err(V6N_EENGINE, NULL,
                         "the Docker engine at %s speaks API %s; libv6node needs 1.%d or newer",
                         c->host, resp.api_version, API_MIN_MINOR);
    }
    if (!rc)
        snprintf(c->api_version, sizeof(c->api_version), "%d.%d", major, minor);
    v6n_http_response_free(&resp);
    return rc;
}

int v6n_client_ping(v6n_client *c)
{
    if (!c)
        return v6n_err(V6N_EINVAL, NULL, "v6n_client_ping: client is required");
    if (!c->api_version[0])
        return v6n_engine_negotiate(c); /* negotiating is a ping */
    v6n_http_response resp;
    int rc = ping(c, &resp);
    v6n_http_response_free(&resp);
    return rc;
}

int v6n_engine_do(v6n_client *c, const v6n_request *req, v6n_http_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    if (!req->unversioned) {
        int rc = v6n_engine_negotiate(c);
        if (rc)
            return rc;
    }
    return perform(c, req, resp);
}

void v6n_http_response_free(v6n_http_response *r)
{
    v6n_buf_free(&r->body);
}

int v6n_engine_error(const v6n_request *req, const v6n_http_response *resp)
{
    int code = resp->status == 404   ? V6N_ENOTFOUND
               : resp->status == 409 ? V6N_ECONFLICT
                                     : V6N_EENGINE;
    const char *text = resp->body.ptr ? resp->body.ptr : "";
    char message[1024] = "";
    /* moby's rule: JSON only when the engine says so; else the raw text. */
    if (strncmp(resp->content_type, "application/json", 16) == 0) {
        yajl_val v = yajl_tree_parse(text, NULL, 0);
        const char *m = v6n_json_string(v, "message");
        if (m)
            snprintf(message, sizeof(message), "%s", m);
        yajl_tree_free(v);
    }
    if (!message[0]) {
        size_t n = strlen(text);
        while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
            n--;
        snprintf(message, sizeof(message), "%.*s", (int)(n < 900 ? n : 900), text);
    }
    if (!message[0])
        snprintf(message, sizeof(message), "no details");
    if (resp->status == 400 && strstr(message, "HTTPS server"))
        /* a TLS engine spoken to in plain HTTP */
        return v6n_err_http(V6N_EUNAVAILABLE, 400,
                            "%s: %s The engine wants TLS: use DOCKER_TLS_VERIFY=1 and "
                            "DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem)",
                            req->step, message);
    return v6n_err_http(code, (int)resp->status, "%s: %s (HTTP %ld)", req->step, message,
                        resp->status);
}

int v6n_engine_call(v6n_client *c, const v6n_call *call, v6n_http_response *resp)
{
    v6n_http_response local;
    v6n_http_response *r = resp ? resp : &local;
    memset(r, 0, sizeof(*r));
    char *object = v6n_escape(call->object ? call->object : "");
    char *path =
        object ? v6n_asprintf("%s%s%s", call->prefix, object, call->suffix ? call->suffix : "")
               : NULL;
    char *step = call->step     ? v6n_strdup(call->step)
                 : call->object ? v6n_asprintf("%s %s", call->verb, call->object)
                                : v6n_strdup(call->verb);
    free(object);
    int rc = (path && step) ? V6N_OK : v6n_err_nomem();
    if (!rc) {
        v6n_request req = {.method = call->method,
                           .path = path,
                           .body = call->body,
                           .step = step,
                           .timeout_ms = call->timeout_ms};
        rc = v6n_engine_do(c, &req, r);
        bool accepted = false;
        for (int i = 0; i < 4 && call->ok[i]; i++)
            accepted = accepted || r->status == call->ok[i];
        if (!rc && !accepted)
            rc = v6n_engine_error(&req, r);
    }
    if (!resp)
        v6n_http_response_free(&local);
    free(path);
    free(step);
    return rc;
}

int v6n_engine_get_filtered(v6n_client *c, const char *base, const char *key,
                            const char *const *values, size_t n, const char *step, yajl_val *out)
{
    *out = NULL;
    char *filters = v6n_json_filters(key, values, n);
    char *path = filters
                     ? v6n_asprintf("%s%cfilters=%s", base, strchr(base, '?') ? '&' : '?', filters)
                     : NULL;
    free(filters);
    if (!path)
        return v6n_err_nomem();
    v6n_request req = {.method = "GET", .path = path, .step = step};
    v6n_http_response resp;
    int rc = v6n_engine_do(c, &req, &resp);
    if (!rc && resp.status != 200)
        rc = v6n_engine_error(&req, &resp);
    if (!rc)
        rc = v6n_json_parse(out, resp.body.ptr, step);
    v6n_http_response_free(&resp);
    free(path);
    return rc;
}

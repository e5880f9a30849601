/* Talking to a vantage6 server as a user, as vantage6's UserClient does for
 * `v6 node create-private-key`: POST token/user (username, password and, when
 * the server asks for one, an MFA code), then GET user/<id> and
 * organization/<id>, and PATCH organization/<id> with the public key.
 *
 * Credentials: the request body that carries the password is built in one
 * buffer of the right size and wiped before it is freed; answers that carry
 * the access token are read into buffers that are wiped too (they grow by
 * copying and wiping, never by realloc); the Authorization header is wiped
 * after each request. No message ever holds a password, a code or a token. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "internal.h"

#define ANSWER_MAX      (4u * 1024u * 1024u)
#define DEFAULT_TIMEOUT 10000L

struct v6n_server_session {
    char *url; /* base: <server_url>:<port><api_path> */
    CURL *curl;
    long timeout_ms;
    char *token;
    long long user_id;
    long long organization_id;
    char *organization_name;
};

/* ---- the server's base URL ------------------------------------------------------- */

int v6n_config_server_url(char **out, const v6n_config *config)
{
    if (!out || !config)
        return v6n_err(V6N_EINVAL, NULL, "v6n_config_server_url: out and config are required");
    *out = NULL;
    const v6n_ynode *url = v6n_ymap_get(config->root, "server_url");
    const v6n_ynode *port = v6n_ymap_get(config->root, "port");
    const v6n_ynode *api = v6n_ymap_get(config->root, "api_path");
    const char *host = url && url->type != V6N_Y_NULL ? url->str : "";
    /* vantage6's create_client: a server in Docker on this host is localhost here */
    if (strcmp(host, "http://host.docker.internal") == 0 || strcmp(host, "http://172.17.0.1") == 0)
        host = "http://localhost";
    v6n_buf b = V6N_BUF_INIT;
    int rc = v6n_buf_puts(&b, host);
    if (!rc && v6n_ynode_truthy(port))
        rc = v6n_buf_printf(&b, ":%s", port->str);
    if (!rc && api && api->type != V6N_Y_NULL)
        rc = v6n_buf_puts(&b, api->str);
    if (rc) {
        v6n_buf_free(&b);
        return rc;
    }
    *out = v6n_buf_detach(&b);
    return *out ? V6N_OK : v6n_err_nomem();
}

/* ---- a buffer that is wiped ------------------------------------------------------- */

typedef struct wiped {
    char *ptr;
    size_t len, cap;
    bool too_large;
} wiped;

static void wiped_free(wiped *w)
{
    if (w->ptr) {
        explicit_bzero(w->ptr, w->cap);
        free(w->ptr);
    }
    memset(w, 0, sizeof(*w));
}

static size_t on_answer(char *data, size_t size, size_t n, void *userdata)
{
    wiped *w = userdata;
    size_t len = size * n;
    if (w->len + len + 1 > w->cap) {
        if (w->len + len + 1 > ANSWER_MAX) {
            w->too_large = true;
            return 0;
        }
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + len + 1)
            cap *= 2;
        char *p = malloc(cap);
        if (!p)
            return 0;
        if (w->ptr) {
            memcpy(p, w->ptr, w->len);
            explicit_bzero(w->ptr, w->cap);
            free(w->ptr);
        }
        w->ptr = p;
        w->cap = cap;
    }
    memcpy(w->ptr + w->len, data, len);
    w->len += len;
    w->ptr[w->len] = '\0';
    return len;
}

/* ---- JSON, for a body that carries a secret ----------------------------------------- */

static size_t json_string_size(const char *s)
{
    return 2 + 6 * strlen(s);
}

static size_t json_put_string(char *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    out[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            out[o++] = '\\';
            out[o++] = (char)*p;
        } else if (*p < 0x20) {
            memcpy(out + o, "\\u00", 4);
            o += 4;
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        } else {
            out[o++] = (char)*p;
        }
    }
    out[o++] = '"';
    return o;
}

/* {"username": u, "password": p[, "mfa_code": m]} in one allocation. */
static char *login_body(const char *user, const char *password, const char *mfa, size_t *size)
{
    *size = 64 + json_string_size(user) + json_string_size(password) +
            (mfa ? json_string_size(mfa) : 0);
    char *b = malloc(*size);
    if (!b)
        return NULL;
    size_t o = 0;
    memcpy(b + o, "{\"username\": ", 13);
    o += 13;
    o += json_put_string(b + o, user);
    memcpy(b + o, ", \"password\": ", 14);
    o += 14;
    o += json_put_string(b + o, password);
    if (mfa) {
        memcpy(b + o, ", \"mfa_code\": ", 14);
        o += 14;
        o += json_put_string(b + o, mfa);
    }
    b[o++] = '}';
    b[o] = '\0';
    return b;
}

/* The top-level string fields of a login answer, read without copying the
 * token anywhere but `token` (wiped by its owner). */
typedef struct login_answer {
    int depth;
    char key[32]; /* the top-level key whose value comes next ("" for none) */
    char *token;
    char msg[512];
    bool has_token, has_qr;
} login_answer;

static bool key_is(const login_answer *a, const char *k)
{
    return a->depth == 1 && strcmp(a->key, k) == 0;
}

static int la_string(void *ctx, const unsigned char *s, size_t len)
{
    login_answer *a = ctx;
    if (key_is(a, "access_token") && !a->token) {
        a->token = malloc(len + 1);
        if (!a->token)
            return 0;
        memcpy(a->token, s, len);
        a->token[len] = '\0';
        a->has_token = true;
    } else if (key_is(a, "msg")) {
        snprintf(a->msg, sizeof(a->msg), "%.*s", (int)(len < 400 ? len : 400), (const char *)s);
    } else if (key_is(a, "qr_uri")) {
        a->has_qr = true;
    }
    a->key[0] = '\0';
    return 1;
}

static int la_scalar(void *ctx)
{
    ((login_answer *)ctx)->key[0] = '\0';
    return 1;
}

static int la_bool(void *ctx, int b)
{
    (void)b;
    return la_scalar(ctx);
}

static int la_number(void *ctx, const char *s, size_t len)
{
    (void)s;
    (void)len;
    return la_scalar(ctx);
}

static int la_key(void *ctx, const unsigned char *k, size_t len)
{
    login_answer *a = ctx;
    if (len < sizeof(a->key)) {
        memcpy(a->key, k, len);
        a->key[len] = '\0';
    } else {
        a->key[0] = '\0';
    }
    return 1;
}

static int la_open(void *ctx)
{
    login_answer *a = ctx;
    a->depth++;
    a->key[0] = '\0';
    return 1;
}

static int la_close(void *ctx)
{
    login_answer *a = ctx;
    a->depth--;
    a->key[0] = '\0';
    return 1;
}

static const yajl_callbacks LOGIN_CALLBACKS = {
    la_scalar, la_bool, NULL,     NULL,    la_number, la_string,
    la_open,   la_key,  la_close, la_open, la_close,
};

static bool parse_login_answer(login_answer *a, const char *text, size_t len)
{
    yajl_handle h = yajl_alloc(&LOGIN_CALLBACKS, NULL, a);
    if (!h)
        return false;
    bool ok = yajl_parse(h, (const unsigned char *)text, len) == yajl_status_ok &&
              yajl_complete_parse(h) == yajl_status_ok;
    yajl_free(h);
    return ok;
}

/* ---- requests ------------------------------------------------------------------- */

typedef struct answer {
    long status;
    wiped body;
} answer;

static int transport_error(const char *url, CURLcode code, const char *detail)
{
    const char *what = detail[0] ? detail : curl_easy_strerror(code);
    return v6n_err(V6N_EUNAVAILABLE, NULL, "cannot reach the vantage6 server at %s: %s", url, what);
}

void v6n_server_curl_reset(void *h, const char *url, long timeout_ms,
                           size_t (*write)(char *, size_t, size_t, void *), void *data,
                           char *errbuf)
{
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, data);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "libv6node/" V6N_VERSION);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
}

/* One request to <base>/<endpoint>; `body` JSON or NULL. A transport failure
 * is recorded; any HTTP answer is returned for the caller to judge. */
static int request(CURL *h, const char *base, long timeout_ms, const char *token,
                   const char *method, const char *endpoint, const char *body, size_t body_len,
                   answer *a)
{
    memset(a, 0, sizeof(*a));
    char *url = v6n_asprintf("%s/%s", base, endpoint);
    char *auth = token ? v6n_asprintf("Authorization: Bearer %s", token) : NULL;
    if (!url || (token && !auth)) {
        free(url);
        free(auth);
        return v6n_err_nomem();
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    v6n_server_curl_reset(h, url, timeout_ms, on_answer, &a->body, errbuf);
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "Expect:");
    if (body)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    if (auth)
        headers = curl_slist_append(headers, auth);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body); /* not copied by libcurl */
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    CURLcode code = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
    for (struct curl_slist *l = headers; l; l = l->next)
        if (strncmp(l->data, "Authorization:", 14) == 0)
            explicit_bzero(l->data, strlen(l->data));
    curl_slist_free_all(headers);
    if (auth) {
        explicit_bzero(auth, strlen(auth));
        free(auth);
    }
    int rc = V6N_OK;
    if (a->body.too_large)
        rc = v6n_err(V6N_EENGINE, NULL,
                     "the vantage6 server at %s sent an answer larger than %u "
                     "bytes",
                     base, ANSWER_MAX);
    else if (code != CURLE_OK)
        rc = transport_error(base, code, errbuf);
    else
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
    free(url);
    if (rc)
        wiped_free(&a->body);
    return rc;
}

/* The server's "msg" of an answer, or "" (for messages). */
static void server_msg(const answer *a, char *msg, size_t size)
{
    msg[0] = '\0';
    if (!a->body.ptr)
        return;
    yajl_val v = yajl_tree_parse(a->body.ptr, NULL, 0);
    const char *m = v6n_json_string(v, "msg");
    if (m)
        snprintf(msg, size, "%s", m);
    yajl_tree_free(v);
}

/* The error an unexpected answer to `what` means. */
static int answer_error(const answer *a, const char *base, const char *what)
{
    char msg[512];
    server_msg(a, msg, sizeof(msg));
    int code = (a->status == 401 || a->status == 403) ? V6N_EAUTH
               : a->status == 404                     ? V6N_ENOTFOUND
                                                      : V6N_EENGINE;
    return v6n_err_http(code, (int)a->status, "%s at %s: HTTP %ld%s%s", what, base, a->status,
                        msg[0] ? ": " : "", msg);
}

static int get_json(v6n_server_session *s, const char *endpoint, const char *what, yajl_val *out)
{
    *out = NULL;
    answer a;
    int rc = request(s->curl, s->url, s->timeout_ms, s->token, "GET", endpoint, NULL, 0, &a);
    if (rc)
        return rc;
    if (a.status != 200)
        rc = answer_error(&a, s->url, what);
    else if (!a.body.ptr || !(*out = yajl_tree_parse(a.body.ptr, NULL, 0)))
        rc = v6n_err_http(V6N_EENGINE, 200, "%s at %s: the answer is not JSON", what, s->url);
    wiped_free(&a.body);
    return rc;
}

/* A JSON number or a string of digits. */
static bool json_id(yajl_val v, long long *out)
{
    if (v && YAJL_IS_INTEGER(v)) {
        *out = YAJL_GET_INTEGER(v);
        return true;
    }
    if (v && YAJL_IS_STRING(v)) {
        char *end;
        long long x = strtoll(v->u.string, &end, 10);
        if (end != v->u.string && !*end) {
            *out = x;
            return true;
        }
    }
    return false;
}

/* The user id in the token: the "sub" of its payload (vantage6's client reads
 * it the same way, without checking the signature). */
static int token_user_id(const char *token, long long *out)
{
    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2)
        return v6n_err(V6N_EENGINE, NULL, "the server's access token is not a JWT");
    char *part = v6n_strndup(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (!part)
        return v6n_err_nomem();
    size_t len = 0;
    char *json = v6n_base64_decode(part, &len);
    free(part);
    yajl_val v = json ? yajl_tree_parse(json, NULL, 0) : NULL;
    const char *sub_path[] = {"sub", NULL};
    bool ok = v && json_id(v6n_json_get(v, sub_path), out);
    yajl_tree_free(v);
    if (json) {
        explicit_bzero(json, len);
        free(json);
    }
    return ok ? V6N_OK : v6n_err(V6N_EENGINE, NULL, "the server's access token names no user");
}

/* ---- the session ----------------------------------------------------------------- */

void v6n_server_session_free(v6n_server_session *s)
{
    if (!s)
        return;
    if (s->token) {
        explicit_bzero(s->token, strlen(s->token));
        free(s->token);
    }
    if (s->curl)
        curl_easy_cleanup(s->curl);
    free(s->url);
    free(s->organization_name);
    free(s);
}

/* POST token/user once; *need_mfa when the server asks for a code. */
static int post_login(v6n_server_session *s, const v6n_server_login *login, const char *mfa,
                      bool *need_mfa)
{
    *need_mfa = false;
    size_t size;
    char *body = login_body(login->username, login->password, mfa, &size);
    if (!body)
        return v6n_err_nomem();
    answer a;
    int rc =
        request(s->curl, s->url, s->timeout_ms, NULL, "POST", "token/user", body, strlen(body), &a);
    explicit_bzero(body, size);
    free(body);
    if (rc)
        return rc;
    login_answer la = {0};
    bool parsed = a.body.ptr && parse_login_answer(&la, a.body.ptr, a.body.len);
    if (a.status == 200 && parsed && la.has_token && la.token && la.token[0]) {
        s->token = la.token;
        la.token = NULL;
    } else if (a.status == 200 && parsed && la.has_qr) {
        rc = v6n_err(V6N_EAUTH, NULL,
                     "the vantage6 server at %s wants two-factor authentication, and it is not "
                     "set up for user '%s' yet: log in to the vantage6 UI once to set it up",
                     s->url, login->username);
    } else if (a.status == 200 && parsed && !mfa) {
        *need_mfa = true; /* "Please include your two-factor authentication code" */
    } else if (a.status == 200 && parsed) {
        rc = v6n_err(V6N_EAUTH, NULL, "the vantage6 server at %s did not accept the login%s%s",
                     s->url, la.msg[0] ? ": " : "", la.msg);
    } else if (a.status == 401 || a.status == 400 || a.status == 403) {
        rc = v6n_err_http(V6N_EAUTH, (int)a.status,
                          "the vantage6 server at %s refused the login of user '%s': %s (HTTP "
                          "%ld)",
                          s->url, login->username,
                          la.msg[0] ? la.msg : "wrong username or password", a.status);
    } else if (a.status == 404) {
        rc = v6n_err_http(V6N_ENOTFOUND, 404,
                          "no vantage6 server at %s (HTTP 404 for token/user): check server_url, "
                          "port and api_path",
                          s->url);
    } else {
        rc = v6n_err_http(V6N_EENGINE, (int)a.status,
                          "logging in to the vantage6 server at %s: HTTP %ld%s%s", s->url, a.status,
                          la.msg[0] ? ": " : "", la.msg);
    }
    if (la.token) {
        explicit_bzero(la.token, strlen(la.token));
        free(la.token);
    }
    wiped_free(&a.body);
    return rc;
}

static int who_am_i(v6n_server_session *s)
{
    int rc = token_user_id(s->token, &s->user_id);
    if (rc)
        return rc;
    char endpoint[64];
    yajl_val user = NULL, org = NULL;
    snprintf(endpoint, sizeof(endpoint), "user/%lld", s->user_id);
    if ((rc = get_json(s, endpoint, "reading the logged-in user", &user)))
        return rc;
    const char *org_path[] = {"organization", "id", NULL};
    if (!json_id(v6n_json_get(user, org_path), &s->organization_id))
        rc = v6n_err(V6N_EENGINE, NULL,
                     "the vantage6 server at %s did not say user %lld's "
                     "organization",
                     s->url, s->user_id);
    yajl_tree_free(user);
    if (rc)
        return rc;
    snprintf(endpoint, sizeof(endpoint), "organization/%lld", s->organization_id);
    if ((rc = get_json(s, endpoint, "reading the user's organization", &org)))
        return rc;
    const char *name = v6n_json_string(org, "name");
    if (!name)
        rc = v6n_err(V6N_EENGINE, NULL,
                     "the vantage6 server at %s did not say organization "
                     "%lld's name",
                     s->url, s->organization_id);
    else if (!(s->organization_name = v6n_strdup(name)))
        rc = v6n_err_nomem();
    yajl_tree_free(org);
    return rc;
}

int v6n_server_session_open(v6n_server_session **out, const char *url,
                            const v6n_server_login *login)
{
    if (!out || v6n_str_empty(url) || !login)
        return v6n_err(V6N_EINVAL, NULL,
                       "v6n_server_session_open: out, url and login are "
                       "required");
    *out = NULL;
    if (login->version == 0 || login->version > V6N_SERVER_LOGIN_VERSION)
        return v6n_err(V6N_EINVAL, "version", "login version %u is not supported", login->version);
    if (v6n_str_empty(login->username) || !login->password)
        return v6n_err(V6N_EINVAL, "username", "a username and a password are required");
    int rc = v6n_curl_global_init();
    if (rc)
        return rc;
    v6n_server_session *s = calloc(1, sizeof(*s));
    if (!s)
        return v6n_err_nomem();
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    s->url = v6n_strndup(url, n);
    s->curl = curl_easy_init();
    s->timeout_ms = login->timeout_ms > 0 ? login->timeout_ms : DEFAULT_TIMEOUT;
    if (!s->url || !s->curl) {
        v6n_server_session_free(s);
        return v6n_err_nomem();
    }
    const char *mfa = v6n_str_empty(login->mfa_code) ? NULL : login->mfa_code;
    bool need_mfa = false;
    rc = post_login(s, login, mfa, &need_mfa);
    if (!rc && need_mfa) {
        char code[128] = "";
        if (!login->ask_mfa) {
            rc = v6n_err(V6N_EAUTH, NULL,
                         "the vantage6 server at %s asks for a two-factor authentication code, "
                         "and none was given",
                         s->url);
        } else if (login->ask_mfa(code, sizeof(code), login->payload) != 0) {
            rc = v6n_err(V6N_ECANCELLED, NULL, "logging in was cancelled");
        } else {
            code[sizeof(code) - 1] = '\0';
            rc = post_login(s, login, code, &need_mfa);
            if (!rc && need_mfa)
                rc =
                    v6n_err(V6N_EAUTH, NULL,
                            "the vantage6 server at %s did not accept the two-factor code", s->url);
        }
        explicit_bzero(code, sizeof(code));
    }
    if (!rc)
        rc = who_am_i(s);
    if (rc) {
        v6n_server_session_free(s);
        return rc;
    }
    *out = s;
    return V6N_OK;
}

long long v6n_server_session_user_id(const v6n_server_session *s)
{
    return s ? s->user_id : 0;
}

long long v6n_server_session_organization_id(const v6n_server_session *s)
{
    return s ? s->organization_id : 0;
}

const char *v6n_server_session_organization_name(const v6n_server_session *s)
{
    return s ? s->organization_name : NULL;
}

int v6n_server_organization_find(long long *out_id, v6n_server_session *s, const char *name)
{
    if (!out_id || !s || v6n_str_empty(name))
        return v6n_err(V6N_EINVAL, NULL,
                       "v6n_server_organization_find: out_id, session and "
                       "name are required");
    *out_id = 0;
    char *ename = v6n_escape(name);
    char *endpoint = ename ? v6n_asprintf("organization?name=%s&per_page=1000", ename) : NULL;
    free(ename);
    if (!endpoint)
        return v6n_err_nomem();
    yajl_val v = NULL;
    int rc = get_json(s, endpoint, "looking up organizations", &v);
    free(endpoint);
    if (rc)
        return rc;
    /* paginated {"data": [...]}, or a plain list */
    const char *data_path[] = {"data", NULL};
    yajl_val list = YAJL_IS_ARRAY(v) ? v : v6n_json_get(v, data_path);
    bool found = false;
    for (size_t i = 0; YAJL_IS_ARRAY(list) && i < list->u.array.len && !found; i++) {
        yajl_val org = list->u.array.values[i];
        const char *org_name = v6n_json_string(org, "name");
        const char *id_path[] = {"id", NULL};
        /* the server matches with SQL LIKE: keep the exact name only */
        found =
            org_name && strcmp(org_name, name) == 0 && json_id(v6n_json_get(org, id_path), out_id);
    }
    yajl_tree_free(v);
    if (!found)
        return v6n_err(V6N_ENOTFOUND, "organization",
                       "no organization called '%s' on the vantage6 server at %s (or user may "
                       "not see it)",
                       name, s->url);
    return V6N_OK;
}

int v6n_server_organization_set_public_key(v6n_server_session *s, long long organization_id,
                                           const char *public_key)
{
    if (!s || organization_id <= 0 || v6n_str_empty(public_key))
        return v6n_err(V6N_EINVAL, NULL,
                       "v6n_server_organization_set_public_key: session, an "
                       "organization id and a public key are required");
    v6n_jgen j;
    int rc = v6n_jgen_open(&j);
    if (rc)
        return rc;
    v6n_jgen_map(&j, true);
    v6n_jgen_kv(&j, "public_key", public_key);
    v6n_jgen_map(&j, false);
    char *body = NULL;
    if ((rc = v6n_jgen_close(&j, &body, "the public key upload")))
        return rc;
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "organization/%lld", organization_id);
    answer a;
    rc = request(s->curl, s->url, s->timeout_ms, s->token, "PATCH", endpoint, body, strlen(body),
                 &a);
    free(body);
    if (rc)
        return rc;
    if (a.status != 200) {
        char what[128];
        snprintf(what, sizeof(what), "uploading the public key of organization %lld",
                 organization_id);
        rc = answer_error(&a, s->url, what);
    }
    wiped_free(&a.body);
    return rc;
}

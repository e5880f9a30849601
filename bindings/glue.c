/* The binding layer under v6node.i: see glue.h for why it exists. */
#define _GNU_SOURCE
#include "glue.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* ---- results ---------------------------------------------------------------- */

struct v6ng_result {
    int code;
    int http_status;
    char *message, *key, *value;
    char *warnings; /* JSON list, NULL for "[]" */
    v6ng_engine *engine;
    v6ng_op *op;
};

static v6ng_result *result_new(int code, const char *message, const char *key, int http,
                               const char *value)
{
    v6ng_result *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL; /* the language layer reports a NULL result as out of memory */
    r->code = code;
    r->http_status = http;
    r->message = strdup(message ? message : "");
    r->key = strdup(key ? key : "");
    r->value = strdup(value ? value : "");
    return r;
}

/* The error the last failing library call recorded on this thread. */
static v6ng_result *from_error(void)
{
    const v6n_error *e = v6n_error_last();
    return result_new(e->code ? e->code : V6N_ERROR, e->message, e->key, e->http_status, "");
}

static v6ng_result *ok(const char *value)
{
    return result_new(V6N_OK, "", "", 0, value);
}

/* Take ownership of a malloc'd value. */
static v6ng_result *ok_owned(char *value)
{
    v6ng_result *r = ok(value);
    free(value);
    return r;
}

static v6ng_result *invalid(const char *key, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static v6ng_result *invalid(const char *key, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return result_new(V6N_EINVAL, msg, key, 0, "");
}

int v6ng_result_code(const v6ng_result *r)
{
    return r ? r->code : V6N_ENOMEM;
}

const char *v6ng_result_message(const v6ng_result *r)
{
    return r ? r->message : "out of memory";
}

const char *v6ng_result_key(const v6ng_result *r)
{
    return r ? r->key : "";
}

int v6ng_result_http_status(const v6ng_result *r)
{
    return r ? r->http_status : 0;
}

const char *v6ng_result_value(const v6ng_result *r)
{
    return r ? r->value : "";
}

const char *v6ng_result_warnings(const v6ng_result *r)
{
    return (r && r->warnings) ? r->warnings : "[]";
}

void v6ng_engine_close(v6ng_engine *e);
static void op_free(v6ng_op *op);

void v6ng_result_free(v6ng_result *r)
{
    if (!r)
        return;
    free(r->message);
    free(r->key);
    free(r->value);
    free(r->warnings);
    v6ng_engine_close(r->engine);
    if (r->op) { /* an operation never taken: stop it and reap it */
        v6ng_op_cancel(r->op);
        v6ng_result_free(v6ng_op_finish(r->op));
    }
    free(r);
}

const char *v6ng_version(void)
{
    return v6n_version();
}

const char *v6ng_vantage6_version(void)
{
    return V6N_VANTAGE6_VERSION;
}

const char *v6ng_release_line(int i)
{
    return i < 0 ? NULL : v6n_vantage6_release_line((size_t)i);
}

const char *v6ng_error_code_name(int code)
{
    return v6n_error_code_name(code);
}

/* ---- options from JSON ------------------------------------------------------- */

#define MAX_MAPS 32

/* Start options and the strings they borrow. */
typedef struct options_box {
    v6n_start_options opts;
    yajl_val tree; /* the strings point into it */
    v6n_path_map maps[MAX_MAPS];
} options_box;

static const char *json_str(yajl_val v)
{
    return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

static bool json_truth(yajl_val v)
{
    return YAJL_IS_TRUE(v) || (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) != 0);
}

/* Parse an options object; NULL/"" means none. Returns NULL or an error result. */
static v6ng_result *parse_object(const char *json, yajl_val *out, const char *what)
{
    *out = NULL;
    if (!json || !*json)
        return NULL;
    char err[256];
    *out = yajl_tree_parse(json, err, sizeof(err));
    if (!*out)
        return invalid(what, "%s is not JSON: %s", what, err);
    if (!YAJL_IS_OBJECT(*out)) {
        yajl_tree_free(*out);
        *out = NULL;
        return invalid(what, "%s must be a JSON object", what);
    }
    return NULL;
}

static const char *const STRING_OPTIONS[] = {
    "image",         "mount_src",   "server_version",   "data_dir",   "log_dir",
    "docker_socket", "data_volume", "vpn_volume",       "ssh_volume", "squid_volume",
    "private_key",   "working_dir", "vantage6_version", NULL};

static const char **string_field(v6n_start_options *o, const char *key)
{
    const char **fields[] = {
        &o->image,         &o->mount_src,   &o->server_version,  &o->data_dir,   &o->log_dir,
        &o->docker_socket, &o->data_volume, &o->vpn_volume,      &o->ssh_volume, &o->squid_volume,
        &o->private_key,   &o->working_dir, &o->vantage6_version};
    for (size_t i = 0; STRING_OPTIONS[i]; i++)
        if (strcmp(key, STRING_OPTIONS[i]) == 0)
            return fields[i];
    return NULL;
}

static v6ng_result *options_from_json(options_box *box, const char *json)
{
    memset(box, 0, sizeof(*box));
    v6n_start_options_init(&box->opts, V6N_START_OPTIONS_VERSION);
    v6ng_result *err = parse_object(json, &box->tree, "options");
    if (err || !box->tree)
        return err;
    v6n_start_options *o = &box->opts;
    yajl_val t = box->tree;
    for (size_t i = 0; i < t->u.object.len; i++) {
        const char *k = t->u.object.keys[i];
        yajl_val v = t->u.object.values[i];
        const char **field = string_field(o, k);
        if (field) {
            if (YAJL_IS_NULL(v))
                continue;
            if (!json_str(v))
                return invalid(k, "option %s must be a string", k);
            *field = json_str(v);
        } else if (strcmp(k, "scope") == 0) {
            const char *s = json_str(v);
            if (!s || (strcmp(s, "user") != 0 && strcmp(s, "system") != 0))
                return invalid(k, "option scope must be \"user\" or \"system\"");
            o->scope = strcmp(s, "system") == 0 ? V6N_SCOPE_SYSTEM : V6N_SCOPE_USER;
        } else if (strcmp(k, "keep") == 0) {
            o->keep = json_truth(v);
        } else if (strcmp(k, "force_db_mount") == 0) {
            o->force_db_mount = json_truth(v);
        } else if (strcmp(k, "no_server_version") == 0) {
            o->no_server_version = json_truth(v);
        } else if (strcmp(k, "no_local_checks") == 0) {
            o->no_local_checks = json_truth(v);
        } else if (strcmp(k, "pull") == 0) {
            const char *s = json_str(v);
            const char *names[] = {"default", "missing", "always", "never"};
            int found = -1;
            for (int p = 0; s && p < 4; p++)
                if (strcmp(s, names[p]) == 0)
                    found = p;
            if (found < 0)
                return invalid(k, "option pull must be default, missing, always or never");
            o->pull = (v6n_pull_policy)found;
        } else if (strcmp(k, "server_timeout_ms") == 0 || strcmp(k, "server_attempts") == 0) {
            if (!YAJL_IS_INTEGER(v))
                return invalid(k, "option %s must be an integer", k);
            if (k[7] == 't')
                o->server_timeout_ms = (long)YAJL_GET_INTEGER(v);
            else
                o->server_attempts = (int)YAJL_GET_INTEGER(v);
        } else if (strcmp(k, "host_paths") == 0) {
            if (YAJL_IS_NULL(v))
                continue;
            if (!YAJL_IS_OBJECT(v) || v->u.object.len > MAX_MAPS)
                return invalid(k,
                               "option host_paths must be an object {local: host} of at "
                               "most %d entries",
                               MAX_MAPS);
            for (size_t m = 0; m < v->u.object.len; m++) {
                if (!json_str(v->u.object.values[m]))
                    return invalid(k, "host_paths[%s] must be a string", v->u.object.keys[m]);
                box->maps[m].local_prefix = v->u.object.keys[m];
                box->maps[m].host_prefix = json_str(v->u.object.values[m]);
            }
            o->path_map = box->maps;
            o->path_map_len = v->u.object.len;
        } else {
            return invalid(k, "unknown option '%s'", k);
        }
    }
    return NULL;
}

static void options_free(options_box *box)
{
    yajl_tree_free(box->tree);
    box->tree = NULL;
}

/* ---- a node: config + spec ---------------------------------------------------- */

typedef struct node {
    options_box box;
    v6n_config *config;
    v6n_node_spec *spec;
} node;

static v6ng_result *node_load(node *n, const char *config_path, const char *name,
                              const char *options_json)
{
    memset(n, 0, sizeof(*n));
    v6ng_result *err = options_from_json(&n->box, options_json);
    if (err)
        return err;
    bool by_path = config_path && *config_path, by_name = name && *name;
    if (by_path == by_name)
        return invalid("config", "give exactly one of a config path and a node name");
    int rc = by_path ? v6n_config_load(&n->config, config_path)
                     : v6n_config_load_name(&n->config, name, n->box.opts.scope, NULL);
    if (!rc)
        rc = v6n_node_spec_build(&n->spec, n->config, &n->box.opts);
    return rc ? from_error() : NULL;
}

static void node_free(node *n)
{
    v6n_node_spec_free(n->spec);
    v6n_config_free(n->config);
    options_free(&n->box);
}

v6ng_result *v6ng_spec(const char *config_path, const char *name, const char *options_json)
{
    node n;
    v6ng_result *r = node_load(&n, config_path, name, options_json);
    char *json = NULL;
    if (!r)
        r = v6n_node_spec_json(&json, n.spec) ? from_error() : ok_owned(json);
    node_free(&n);
    return r;
}

/* ---- the engine ------------------------------------------------------------- */

struct v6ng_engine {
    v6n_client *client;
};

v6ng_result *v6ng_engine_open(const char *engine_json)
{
    yajl_val t = NULL;
    v6ng_result *err = parse_object(engine_json, &t, "engine");
    if (err)
        return err;
    v6n_client *client = NULL;
    int rc;
    const char *context_path[] = {"context", NULL};
    yajl_val context = t ? yajl_tree_get(t, context_path, yajl_t_any) : NULL;
    if (!t) {
        rc = v6n_client_from_env(&client);
    } else if (context) {
        /* a Docker context brings everything: no other option goes with it */
        if (!YAJL_IS_STRING(context) || t->u.object.len != 1) {
            yajl_tree_free(t);
            return invalid("context", "'context' is a name and takes no other engine option");
        }
        rc = v6n_client_from_context(&client, YAJL_GET_STRING(context));
    } else {
        v6n_engine_options o = V6N_ENGINE_OPTIONS_INIT;
        for (size_t i = 0; i < t->u.object.len; i++) {
            const char *k = t->u.object.keys[i];
            yajl_val v = t->u.object.values[i];
            if (strcmp(k, "host") == 0)
                o.host = json_str(v);
            else if (strcmp(k, "cert_path") == 0)
                o.cert_path = json_str(v);
            else if (strcmp(k, "api_version") == 0)
                o.api_version = json_str(v);
            else if (strcmp(k, "tls") == 0)
                o.tls = json_truth(v);
            else if (strcmp(k, "tls_verify") == 0)
                o.tls_verify = json_truth(v);
            else if (strcmp(k, "connect_timeout_ms") == 0 && YAJL_IS_INTEGER(v))
                o.connect_timeout_ms = (long)YAJL_GET_INTEGER(v);
            else if (strcmp(k, "request_timeout_ms") == 0 && YAJL_IS_INTEGER(v))
                o.request_timeout_ms = (long)YAJL_GET_INTEGER(v);
            else {
                yajl_tree_free(t);
                return invalid(k, "unknown or mistyped engine option '%s'", k);
            }
        }
        rc = v6n_client_new(&client, &o);
    }
    yajl_tree_free(t);
    if (rc)
        return from_error();
    v6ng_result *r = ok("");
    v6ng_engine *e = calloc(1, sizeof(*e));
    if (!r || !e) {
        v6n_client_free(client);
        free(e);
        v6ng_result_free(r);
        return NULL;
    }
    e->client = client;
    r->engine = e;
    return r;
}

v6ng_engine *v6ng_result_take_engine(v6ng_result *r)
{
    if (!r)
        return NULL;
    v6ng_engine *e = r->engine;
    r->engine = NULL;
    return e;
}

void v6ng_engine_close(v6ng_engine *e)
{
    if (!e)
        return;
    v6n_client_free(e->client);
    free(e);
}

const char *v6ng_engine_host(const v6ng_engine *e)
{
    return e ? v6n_client_host(e->client) : "";
}

static v6ng_result *no_engine(void)
{
    return invalid("engine", "the engine is closed");
}

v6ng_result *v6ng_engine_ping(v6ng_engine *e)
{
    if (!e)
        return no_engine();
    return v6n_client_ping(e->client) ? from_error() : ok(v6n_client_api_version(e->client));
}

v6ng_result *v6ng_engine_request_count(v6ng_engine *e)
{
    if (!e)
        return no_engine();
    char n[32];
    snprintf(n, sizeof(n), "%lu", v6n_client_request_count(e->client));
    return ok(n);
}

v6ng_result *v6ng_volumes_ensure(v6ng_engine *e, const char *config_path, const char *name,
                                 const char *options_json)
{
    if (!e)
        return no_engine();
    node n;
    v6ng_result *r = node_load(&n, config_path, name, options_json);
    if (!r)
        r = v6n_volumes_ensure(e->client, n.spec) ? from_error() : ok("");
    node_free(&n);
    return r;
}

v6ng_result *v6ng_status(v6ng_engine *e, const char *config_path, const char *name,
                         const char *options_json)
{
    if (!e)
        return no_engine();
    node n;
    v6ng_result *r = node_load(&n, config_path, name, options_json);
    v6n_node_status *st = NULL;
    char *json = NULL;
    if (!r)
        r = (v6n_node_status_get(&st, e->client, n.spec) || v6n_node_status_json(&json, st, n.spec))
                ? from_error()
                : ok_owned(json);
    v6n_node_status_free(st);
    node_free(&n);
    return r;
}

v6ng_result *v6ng_list(v6ng_engine *e)
{
    if (!e)
        return no_engine();
    v6n_node_list *list = NULL;
    char *json = NULL;
    v6ng_result *r = (v6n_node_list_get(&list, e->client) || v6n_node_list_json(&json, list))
                         ? from_error()
                         : ok_owned(json);
    v6n_node_list_free(list);
    return r;
}

static v6ng_result *parse_scope(const char *scope, v6n_scope *out)
{
    if (!scope || !*scope || strcmp(scope, "user") == 0)
        *out = V6N_SCOPE_USER;
    else if (strcmp(scope, "system") == 0)
        *out = V6N_SCOPE_SYSTEM;
    else
        return invalid("scope", "scope must be \"user\" or \"system\"");
    return NULL;
}

/* Stop options; strings point into *tree, which the caller frees. */
static v6ng_result *stop_from_json(v6n_stop_options *so, yajl_val *tree, const char *json)
{
    v6n_stop_options init = V6N_STOP_OPTIONS_INIT;
    *so = init;
    v6ng_result *err = parse_object(json, tree, "stop options");
    if (err || !*tree)
        return err;
    yajl_val t = *tree;
    for (size_t i = 0; i < t->u.object.len; i++) {
        const char *k = t->u.object.keys[i];
        yajl_val v = t->u.object.values[i];
        if (strcmp(k, "timeout_s") == 0 && (YAJL_IS_INTEGER(v) || YAJL_IS_NULL(v)))
            so->timeout_s = YAJL_IS_NULL(v) ? -1 : (int)YAJL_GET_INTEGER(v);
        else if (strcmp(k, "force") == 0)
            so->force = json_truth(v);
        else if (strcmp(k, "keep_volumes") == 0)
            so->keep_volumes = json_truth(v);
        else if (strcmp(k, "data_volume") == 0)
            so->data_volume = json_str(v);
        else if (strcmp(k, "vpn_volume") == 0)
            so->vpn_volume = json_str(v);
        else if (strcmp(k, "ssh_volume") == 0)
            so->ssh_volume = json_str(v);
        else if (strcmp(k, "squid_volume") == 0)
            so->squid_volume = json_str(v);
        else
            return invalid(k, "unknown or mistyped stop option '%s'", k);
    }
    return NULL;
}

/* Collects the warnings of a call, for v6ng_result_warnings. */
typedef struct warnings {
    yajl_gen g;
    int count;
} warnings;

static void warnings_open(warnings *w)
{
    w->count = 0;
    w->g = yajl_gen_alloc(NULL);
    if (w->g)
        yajl_gen_array_open(w->g);
}

static int collect_warning(const v6n_event *e, void *payload)
{
    warnings *w = payload;
    if (e->kind == V6N_EVENT_WARNING && w->g) {
        yajl_gen_string(w->g, (const unsigned char *)e->message, strlen(e->message));
        w->count++;
    }
    return 0;
}

/* Attach the warnings to `r` (which may be NULL) and free the collector. */
static v6ng_result *with_warnings(v6ng_result *r, warnings *w)
{
    if (!w->g)
        return r;
    yajl_gen_array_close(w->g);
    const unsigned char *buf;
    size_t len;
    if (r && w->count && yajl_gen_get_buf(w->g, &buf, &len) == yajl_gen_status_ok)
        r->warnings = strndup((const char *)buf, len);
    yajl_gen_free(w->g);
    return r;
}

v6ng_result *v6ng_config_folder(const char *scope)
{
    v6n_scope sc;
    v6ng_result *r = parse_scope(scope, &sc);
    char *folder = NULL;
    if (!r)
        r = v6n_config_folder(&folder, sc) ? from_error() : ok(folder);
    v6n_free(folder);
    return r;
}

v6ng_result *v6ng_container_name(const char *name, const char *scope)
{
    v6n_scope sc;
    v6ng_result *r = parse_scope(scope, &sc);
    char *container = NULL;
    if (!r)
        r = v6n_container_name(&container, name, sc) ? from_error() : ok(container);
    v6n_free(container);
    return r;
}

v6ng_result *v6ng_stop(v6ng_engine *e, const char *name, const char *scope, const char *stop_json)
{
    if (!e)
        return no_engine();
    v6n_scope sc;
    v6n_stop_options so;
    yajl_val tree = NULL;
    v6ng_result *r = parse_scope(scope, &sc);
    if (!r)
        r = stop_from_json(&so, &tree, stop_json);
    if (!r) {
        warnings w;
        warnings_open(&w);
        so.on_event = collect_warning;
        so.payload = &w;
        r = with_warnings(v6n_node_stop(e->client, name, sc, &so) ? from_error() : ok(""), &w);
    }
    yajl_tree_free(tree);
    return r;
}

v6ng_result *v6ng_remove(v6ng_engine *e, const char *config_path, const char *name,
                         const char *options_json)
{
    if (!e)
        return no_engine();
    node n;
    v6ng_result *r = node_load(&n, config_path, name, options_json);
    if (!r) {
        warnings w;
        warnings_open(&w);
        r = with_warnings(
            v6n_node_remove(e->client, n.spec, collect_warning, &w) ? from_error() : ok(""), &w);
    }
    node_free(&n);
    return r;
}

v6ng_result *v6ng_clean(v6ng_engine *e, const char *name, const char *scope)
{
    if (!e)
        return no_engine();
    v6n_scope sc;
    v6ng_result *r = parse_scope(scope, &sc);
    if (r)
        return r;
    size_t removed = 0;
    warnings w;
    warnings_open(&w);
    if (v6n_volumes_clean(&removed, e->client, (name && *name) ? name : NULL, sc, collect_warning,
                          &w))
        return with_warnings(from_error(), &w);
    char n[32];
    snprintf(n, sizeof(n), "%zu", removed);
    return with_warnings(ok(n), &w);
}

typedef struct text_sink {
    char *buf;
    size_t len;
} text_sink;

static void append_clean(char **buf, size_t *len, const char *data, size_t n)
{
    char *p = realloc(*buf, *len + n + 1);
    if (!p)
        return;
    *buf = p;
    for (size_t i = 0; i < n; i++)
        if (data[i] != '\0') /* a NUL would cut the string in every language */
            p[(*len)++] = data[i];
    p[*len] = '\0';
}

static int collect_logs(const char *data, size_t len, int stream, void *payload)
{
    (void)stream;
    text_sink *s = payload;
    if (data)
        append_clean(&s->buf, &s->len, data, len);
    return 0;
}

v6ng_result *v6ng_logs(v6ng_engine *e, const char *container, long tail, int timestamps)
{
    if (!e)
        return no_engine();
    text_sink sink = {NULL, 0};
    v6n_logs_options lo = V6N_LOGS_OPTIONS_INIT;
    lo.tail = tail < 0 ? -1 : tail;
    lo.timestamps = timestamps;
    lo.on_data = collect_logs;
    lo.payload = &sink;
    v6ng_result *r =
        v6n_container_logs(e->client, container, &lo) ? from_error() : ok(sink.buf ? sink.buf : "");
    free(sink.buf);
    return r;
}

/* ---- operations ------------------------------------------------------------- */

struct v6ng_item {
    int kind;
    char *text, *id, *image;
    long long current, total;
    int stream;
    v6ng_item *next;
};

typedef enum { OP_START, OP_RESTART, OP_LOGS } op_kind;

struct v6ng_op {
    op_kind kind;
    v6ng_engine *engine;
    node n;
    yajl_val stop_tree;
    v6n_stop_options stop;
    char *container;
    long tail;
    int follow, timestamps;

    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    v6ng_item *head, *tail_item;
    bool done, cancelled;
    v6ng_result *result;
};

static void push(v6ng_op *op, v6ng_item *it)
{
    pthread_mutex_lock(&op->lock);
    if (op->tail_item)
        op->tail_item->next = it;
    else
        op->head = it;
    op->tail_item = it;
    pthread_cond_broadcast(&op->changed);
    pthread_mutex_unlock(&op->lock);
}

static bool cancelled(v6ng_op *op)
{
    pthread_mutex_lock(&op->lock);
    bool c = op->cancelled;
    pthread_mutex_unlock(&op->lock);
    return c;
}

static int on_event(const v6n_event *e, void *payload)
{
    v6ng_op *op = payload;
    v6ng_item *it = calloc(1, sizeof(*it));
    if (it) {
        it->kind = (int)e->kind;
        it->text = strdup(e->message);
        it->id = strdup(e->id);
        it->image = strdup(e->image);
        it->current = e->current;
        it->total = e->total;
        push(op, it);
    }
    return cancelled(op) ? 1 : 0;
}

static int on_log(const char *data, size_t len, int stream, void *payload)
{
    v6ng_op *op = payload;
    if (data && len) {
        v6ng_item *it = calloc(1, sizeof(*it));
        if (it) {
            size_t n = 0;
            it->kind = -1;
            it->stream = stream;
            append_clean(&it->text, &n, data, len);
            it->id = strdup("");
            it->image = strdup("");
            if (!it->text)
                it->text = strdup("");
            push(op, it);
        }
    }
    return cancelled(op) ? 1 : 0;
}

static const char *rule_name(v6n_image_rule rule)
{
    switch (rule) {
    case V6N_IMAGE_FROM_OPTION:
        return "option";
    case V6N_IMAGE_FROM_CONFIG:
        return "config";
    case V6N_IMAGE_FROM_SERVER:
        return "server";
    default:
        return "default";
    }
}

static char *started_json(const v6n_node_spec *spec, const char *id)
{
    /* ids, names and images are plain ASCII tokens: no escaping needed */
    char *out = NULL;
    if (asprintf(&out,
                 "{\"id\":\"%s\",\"image\":\"%s\",\"image_rule\":\"%s\",\"container\":\"%s\","
                 "\"name\":\"%s\",\"vantage6_version\":\"%s\"}",
                 id, v6n_node_spec_image(spec), rule_name(v6n_node_spec_image_rule(spec)),
                 v6n_node_spec_container_name(spec), v6n_node_spec_node_name(spec),
                 v6n_node_spec_vantage6_version(spec)) < 0)
        return NULL;
    return out;
}

static void *run(void *arg)
{
    v6ng_op *op = arg;
    v6ng_result *r = NULL;
    char *id = NULL;
    if (op->kind == OP_LOGS) {
        v6n_logs_options lo = V6N_LOGS_OPTIONS_INIT;
        lo.tail = op->tail < 0 ? -1 : op->tail;
        lo.follow = op->follow;
        lo.timestamps = op->timestamps;
        lo.on_data = on_log;
        lo.payload = op;
        r = v6n_container_logs(op->engine->client, op->container, &lo) ? from_error() : ok("");
    } else {
        op->n.box.opts.on_event = on_event;
        op->n.box.opts.payload = op;
        op->stop.on_event = on_event;
        op->stop.payload = op;
        int rc =
            op->kind == OP_START
                ? v6n_node_start(&id, op->engine->client, op->n.spec, &op->n.box.opts)
                : v6n_node_restart(&id, op->engine->client, op->n.spec, &op->n.box.opts, &op->stop);
        r = rc ? from_error() : ok_owned(started_json(op->n.spec, id));
        v6n_free(id);
    }
    pthread_mutex_lock(&op->lock);
    op->result = r;
    op->done = true;
    pthread_cond_broadcast(&op->changed);
    pthread_mutex_unlock(&op->lock);
    return NULL;
}

static v6ng_result *launch(v6ng_op *op)
{
    pthread_mutex_init(&op->lock, NULL);
    pthread_cond_init(&op->changed, NULL);
    if (pthread_create(&op->thread, NULL, run, op) != 0) {
        pthread_mutex_destroy(&op->lock);
        pthread_cond_destroy(&op->changed);
        return result_new(V6N_ERROR, "cannot start a thread", "", 0, "");
    }
    v6ng_result *r = ok("");
    if (!r) {
        v6ng_op_finish(op);
        return NULL;
    }
    r->op = op;
    return r;
}

static v6ng_result *begin_node_op(op_kind kind, v6ng_engine *e, const char *config_path,
                                  const char *name, const char *options_json, const char *stop_json)
{
    if (!e)
        return no_engine();
    v6ng_op *op = calloc(1, sizeof(*op));
    if (!op)
        return NULL;
    op->kind = kind;
    op->engine = e;
    v6ng_result *err = node_load(&op->n, config_path, name, options_json);
    if (!err)
        err = stop_from_json(&op->stop, &op->stop_tree, stop_json);
    if (err) {
        op_free(op);
        return err;
    }
    return launch(op);
}

v6ng_result *v6ng_start_begin(v6ng_engine *e, const char *config_path, const char *name,
                              const char *options_json)
{
    return begin_node_op(OP_START, e, config_path, name, options_json, NULL);
}

v6ng_result *v6ng_restart_begin(v6ng_engine *e, const char *config_path, const char *name,
                                const char *options_json, const char *stop_json)
{
    return begin_node_op(OP_RESTART, e, config_path, name, options_json, stop_json);
}

v6ng_result *v6ng_logs_begin(v6ng_engine *e, const char *container, long tail, int follow,
                             int timestamps)
{
    if (!e)
        return no_engine();
    if (!container || !*container)
        return invalid("container", "a container name is required");
    v6ng_op *op = calloc(1, sizeof(*op));
    if (!op)
        return NULL;
    op->kind = OP_LOGS;
    op->engine = e;
    op->container = strdup(container);
    op->tail = tail;
    op->follow = follow;
    op->timestamps = timestamps;
    return launch(op);
}

v6ng_op *v6ng_result_take_op(v6ng_result *r)
{
    if (!r)
        return NULL;
    v6ng_op *op = r->op;
    r->op = NULL;
    return op;
}

v6ng_item *v6ng_op_next(v6ng_op *op, int timeout_ms)
{
    if (!op)
        return NULL;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&op->lock);
    while (!op->head && !op->done && timeout_ms > 0)
        if (pthread_cond_timedwait(&op->changed, &op->lock, &deadline) == ETIMEDOUT)
            break;
    v6ng_item *it = op->head;
    if (it) {
        op->head = it->next;
        if (!op->head)
            op->tail_item = NULL;
        it->next = NULL;
    }
    pthread_mutex_unlock(&op->lock);
    return it;
}

int v6ng_op_done(v6ng_op *op)
{
    if (!op)
        return 1;
    pthread_mutex_lock(&op->lock);
    int done = op->done && !op->head;
    pthread_mutex_unlock(&op->lock);
    return done;
}

void v6ng_op_cancel(v6ng_op *op)
{
    if (!op)
        return;
    pthread_mutex_lock(&op->lock);
    op->cancelled = true;
    pthread_mutex_unlock(&op->lock);
}

static void op_free(v6ng_op *op)
{
    v6ng_item *it = op->head;
    while (it) {
        v6ng_item *next = it->next;
        v6ng_item_free(it);
        it = next;
    }
    node_free(&op->n);
    yajl_tree_free(op->stop_tree);
    free(op->container);
    free(op);
}

v6ng_result *v6ng_op_finish(v6ng_op *op)
{
    if (!op)
        return invalid("op", "no operation");
    pthread_join(op->thread, NULL);
    v6ng_result *r = op->result;
    /* a log stream the caller stopped ended normally */
    if (r && op->kind == OP_LOGS && op->cancelled && r->code == V6N_ECANCELLED) {
        v6ng_result_free(r);
        r = ok("");
    }
    pthread_mutex_destroy(&op->lock);
    pthread_cond_destroy(&op->changed);
    op_free(op);
    return r;
}

int v6ng_item_kind(const v6ng_item *it)
{
    return it ? it->kind : 0;
}

const char *v6ng_item_text(const v6ng_item *it)
{
    return it && it->text ? it->text : "";
}

const char *v6ng_item_id(const v6ng_item *it)
{
    return it && it->id ? it->id : "";
}

const char *v6ng_item_image(const v6ng_item *it)
{
    return it && it->image ? it->image : "";
}

long long v6ng_item_current(const v6ng_item *it)
{
    return it ? it->current : 0;
}

long long v6ng_item_total(const v6ng_item *it)
{
    return it ? it->total : 0;
}

int v6ng_item_stream(const v6ng_item *it)
{
    return it ? it->stream : 0;
}

void v6ng_item_free(v6ng_item *it)
{
    if (!it)
        return;
    free(it->text);
    free(it->id);
    free(it->image);
    free(it);
}

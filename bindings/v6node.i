/* The one SWIG interface of libv6node: the public header itself, shared by
 * every language. It is installed beside v6node.h, so a binding finds it
 * through pkg-config (`%include <v6node.i>`) and needs nothing from this
 * source tree. Each language adds its own typemaps in a small file of its own
 * (bindings/python/v6node_python.i, bindings/go/internal/v6nraw/v6nraw.swig).
 *
 * What SWIG cannot wrap as the header has it (out-parameters, callbacks, the
 * options' string storage) gets a helper below, named v6ni_*: each returns the
 * object (or NULL/0 on failure, the error then being v6n_error_last() of the
 * calling thread) instead of filling an out-parameter. Long operations go
 * through v6n_op (a worker thread, polled), so no language is ever called back
 * from C. Nobody outside the bindings should see these names: the idiomatic
 * layers (Python's v6node package, Go's v6node package) are the API. */

%{
#include <stdlib.h>
#include <string.h>

#include "v6node.h"
%}

/* v6n_node_open -> node_open; the v6ni_ helpers -> node_open... too (their
 * prefix is stripped the same way and they replace the ignored originals). */
%rename("%(regex:/^v6n[i]?_(.*)$/\\1/)s") "";

/* Opaque handles: created and freed only through the library. */
%nodefaultctor v6n_config;
%nodefaultdtor v6n_config;
%nodefaultctor v6n_node;
%nodefaultdtor v6n_node;
%nodefaultctor v6n_node_spec;
%nodefaultdtor v6n_node_spec;
%nodefaultctor v6n_client;
%nodefaultdtor v6n_client;
%nodefaultctor v6n_node_status;
%nodefaultdtor v6n_node_status;
%nodefaultctor v6n_node_list;
%nodefaultdtor v6n_node_list;
%nodefaultctor v6n_op;
%nodefaultdtor v6n_op;
%nodefaultctor v6n_op_item;
%nodefaultdtor v6n_op_item;
%nodefaultctor v6n_error;
%nodefaultdtor v6n_error;

/* What the helpers replace: out-parameters and callbacks. */
%ignore v6n_free;
%ignore v6n_uri_redact;
%ignore v6n_config_load;
%ignore v6n_config_load_name;
%ignore v6n_config_parse;
%ignore v6n_config_folder;
%ignore v6n_container_name;
%ignore v6n_node_spec_build;
%ignore v6n_node_spec_create_json;
%ignore v6n_node_spec_json;
%ignore v6n_engine_options;
%ignore v6n_engine_options_init;
%ignore v6n_client_new;
%ignore v6n_client_from_env;
%ignore v6n_client_from_context;
%ignore v6n_image_pull;
%ignore v6n_image_exists;
%ignore v6n_server_version_get;
%ignore v6n_volumes_ensure;
%ignore v6n_volumes_clean;
%ignore v6n_node_open;
%ignore v6n_node_open_config;
%ignore v6n_node_open_container;
%ignore v6n_node_set_callbacks;
%ignore v6n_node_spec_get;
%ignore v6n_node_start;
%ignore v6n_node_stop;
%ignore v6n_node_restart;
%ignore v6n_node_remove;
%ignore v6n_node_logs;
%ignore v6n_node_status_get;
%ignore v6n_node_status_json;
%ignore v6n_node_list_get;
%ignore v6n_node_list_json;
%ignore v6n_container_logs;
%ignore v6n_spec_start;
%ignore v6n_op_begin;
%ignore v6n_op_finish;
%ignore v6n_start_options;
%ignore v6n_start_options_init;
%ignore v6n_start_options_dispose;
%ignore v6n_stop_options;
%ignore v6n_stop_options_init;
%ignore v6n_logs_options;
%ignore v6n_logs_options_init;
%ignore v6n_callbacks;
%ignore v6n_event;
%ignore v6n_path_map;
%ignore v6n_start_options_storage;
/* the setup half: the values and login structs, out-parameters, callbacks */
%ignore v6n_database;
%ignore v6n_database::type; /* a Go keyword; the struct is not wrapped anyway */
%ignore v6n_config_values;
%ignore v6n_config_values_init;
%ignore v6n_node_data_folder;
%ignore v6n_config_render;
%ignore v6n_config_create;
%ignore v6n_private_key_path;
%ignore v6n_public_key_get;
%ignore v6n_mfa_cb;
%ignore v6n_server_login;
%ignore v6n_server_session;
%ignore v6n_config_server_url;
%ignore v6n_server_session_open;
%ignore v6n_server_session_free;
%ignore v6n_server_session_user_id;
%ignore v6n_server_session_organization_id;
%ignore v6n_server_session_organization_name;
%ignore v6n_server_organization_find;
%ignore v6n_server_organization_set_public_key;
%ignore v6n_private_key_options;
%ignore v6n_node_private_key_create;
%ignore v6n_container_exec;
%ignore v6n_node_version;

/* The bindings read the library's structs; they never write them. */
%immutable;
%include "v6node.h"
%mutable;

%newobject v6ni_spec_json;
%newobject v6ni_config_folder;
%newobject v6ni_container_name;
%newobject v6ni_node_status_json;
%newobject v6ni_node_list_json;
%newobject v6ni_uri_redact;
%newobject v6ni_result_id;
%newobject v6ni_values_render;
%newobject v6ni_values_create;
%newobject v6ni_node_data_folder;
%newobject v6ni_private_key_path;
%newobject v6ni_public_key_get;
%newobject v6ni_node_private_key_create;
%newobject v6ni_node_version;

/* Helper structs: made and freed by their helpers, read only. */
%nodefaultctor v6ni_result;
%nodefaultdtor v6ni_result;
%immutable v6ni_result::code;
%immutable v6ni_result::id;
%nodefaultctor v6ni_values;
%nodefaultdtor v6ni_values;

%inline %{
/* ---- options: the table's text interface, on a struct the library owns ---- */

v6n_start_options *v6ni_options_new(void)
{
    v6n_start_options *o = malloc(sizeof(*o));
    if (o && v6n_start_options_init(o, V6N_START_OPTIONS_VERSION) != V6N_OK) {
        free(o);
        o = NULL;
    }
    return o;
}

void v6ni_options_free(v6n_start_options *o)
{
    if (o)
        v6n_start_options_dispose(o);
    free(o);
}

v6n_stop_options *v6ni_stop_options_new(long timeout_ms, int force, int keep_volumes)
{
    v6n_stop_options *o = malloc(sizeof(*o));
    if (o && v6n_stop_options_init(o, V6N_STOP_OPTIONS_VERSION) != V6N_OK) {
        free(o);
        return NULL;
    }
    if (o) {
        o->timeout_ms = timeout_ms;
        o->force = force;
        o->keep_volumes = keep_volumes;
    }
    return o;
}

void v6ni_stop_options_free(v6n_stop_options *o)
{
    free(o);
}

v6n_logs_options *v6ni_logs_options_new(long tail, int follow, int timestamps)
{
    v6n_logs_options *o = malloc(sizeof(*o));
    if (o && v6n_logs_options_init(o, V6N_LOGS_OPTIONS_VERSION) != V6N_OK) {
        free(o);
        return NULL;
    }
    if (o) {
        o->tail = tail;
        o->follow = follow;
        o->timestamps = timestamps;
    }
    return o;
}

void v6ni_logs_options_free(v6n_logs_options *o)
{
    free(o);
}

/* ---- engines -------------------------------------------------------------- */

/* host NULL/"": the default socket; connect/request timeouts 0: defaults. */
v6n_client *v6ni_client_new(const char *host, int tls, int tls_verify, const char *cert_path,
                            const char *api_version, long connect_timeout_ms,
                            long request_timeout_ms)
{
    v6n_engine_options o = V6N_ENGINE_OPTIONS_INIT;
    o.host = host && *host ? host : NULL;
    o.tls = tls;
    o.tls_verify = tls_verify;
    o.cert_path = cert_path && *cert_path ? cert_path : NULL;
    o.api_version = api_version && *api_version ? api_version : NULL;
    o.connect_timeout_ms = connect_timeout_ms;
    o.request_timeout_ms = request_timeout_ms;
    v6n_client *c = NULL;
    return v6n_client_new(&c, &o) == V6N_OK ? c : NULL;
}

v6n_client *v6ni_client_from_env(void)
{
    v6n_client *c = NULL;
    return v6n_client_from_env(&c) == V6N_OK ? c : NULL;
}

v6n_client *v6ni_client_from_context(const char *name)
{
    v6n_client *c = NULL;
    return v6n_client_from_context(&c, name) == V6N_OK ? c : NULL;
}

/* ---- nodes ------------------------------------------------------------------ */

v6n_node *v6ni_node_open(const char *name, const v6n_start_options *opts)
{
    v6n_node *n = NULL;
    return v6n_node_open(&n, name, opts) == V6N_OK ? n : NULL;
}

v6n_node *v6ni_node_open_config(const char *path, const v6n_start_options *opts)
{
    v6n_node *n = NULL;
    return v6n_node_open_config(&n, path, opts) == V6N_OK ? n : NULL;
}

v6n_node *v6ni_node_open_container(const char *container, const v6n_start_options *opts)
{
    v6n_node *n = NULL;
    return v6n_node_open_container(&n, container, opts) == V6N_OK ? n : NULL;
}

/* The node's spec as `v6node spec` prints it; NULL on failure. */
char *v6ni_spec_json(v6n_node *node)
{
    v6n_node_spec *spec = NULL;
    char *json = NULL;
    if (v6n_node_spec_get(&spec, node) == V6N_OK && v6n_node_spec_json(&json, spec) == V6N_OK) {
        char *copy = strdup(json); /* freed by the binding with free() */
        v6n_free(json);
        json = copy;
    }
    v6n_node_spec_free(spec);
    return json;
}

v6n_node_status *v6ni_status_get(v6n_node *node, v6n_client *client)
{
    v6n_node_status *st = NULL;
    return v6n_node_status_get(&st, node, client) == V6N_OK ? st : NULL;
}

v6n_node_list *v6ni_list_get(v6n_client *client, const v6n_start_options *opts)
{
    v6n_node_list *l = NULL;
    return v6n_node_list_get(&l, client, opts) == V6N_OK ? l : NULL;
}

/* ---- operations -------------------------------------------------------------- */

v6n_op *v6ni_op_begin(v6n_op_kind kind, v6n_node *node, v6n_client *client,
                      const v6n_stop_options *stop, const v6n_logs_options *logs)
{
    v6n_op *op = NULL;
    return v6n_op_begin(&op, kind, node, client, stop, logs) == V6N_OK ? op : NULL;
}

/* The end of an operation: its code, and the container id of a start. */
typedef struct v6ni_result {
    int code;
    char *id;
} v6ni_result;

v6ni_result *v6ni_op_finish(v6n_op *op)
{
    v6ni_result *r = calloc(1, sizeof(*r));
    char *id = NULL;
    int code = v6n_op_finish(&id, op);
    if (!r) {
        v6n_free(id);
        return NULL;
    }
    r->code = code;
    r->id = id;
    return r;
}

int v6ni_result_code(const v6ni_result *r)
{
    return r ? r->code : V6N_ENOMEM;
}

/* A copy of the id ("" when none). */
char *v6ni_result_id(const v6ni_result *r)
{
    return strdup(r && r->id ? r->id : "");
}

void v6ni_result_free(v6ni_result *r)
{
    if (r)
        v6n_free(r->id);
    free(r);
}

/* ---- small things ---------------------------------------------------------------- */

char *v6ni_config_folder(v6n_scope scope)
{
    char *out = NULL, *copy = NULL;
    if (v6n_config_folder(&out, scope) == V6N_OK)
        copy = strdup(out);
    v6n_free(out);
    return copy;
}

char *v6ni_container_name(const char *name, v6n_scope scope)
{
    char *out = NULL, *copy = NULL;
    if (v6n_container_name(&out, name, scope) == V6N_OK)
        copy = strdup(out);
    v6n_free(out);
    return copy;
}

char *v6ni_uri_redact(const char *uri)
{
    char *out = NULL, *copy = NULL;
    if (v6n_uri_redact(&out, uri) == V6N_OK)
        copy = strdup(out);
    v6n_free(out);
    return copy;
}

char *v6ni_node_status_json(const v6n_node_status *st)
{
    char *out = NULL, *copy = NULL;
    if (v6n_node_status_json(&out, st) == V6N_OK)
        copy = strdup(out);
    v6n_free(out);
    return copy;
}

char *v6ni_node_list_json(const v6n_node_list *l)
{
    char *out = NULL, *copy = NULL;
    if (v6n_node_list_json(&out, l) == V6N_OK)
        copy = strdup(out);
    v6n_free(out);
    return copy;
}

/* ---- the setup half: a new config ------------------------------------------------- */

/* v6n_config_values with the strings it points at: a builder the binding
 * fills field by field, by the field's name. */
#define V6NI_VALUE_FIELDS(X)                                                                       \
    X(name) X(config_dir) X(path) X(api_key) X(server_url) X(port) X(api_path) X(task_dir)       \
        X(private_key) X(log_level) X(extra_yaml) X(working_dir)

typedef struct v6ni_values {
    v6n_config_values v;
#define V6NI_OWNED(f) char *f;
    V6NI_VALUE_FIELDS(V6NI_OWNED)
#undef V6NI_OWNED
    v6n_database *db;
    size_t ndb;
} v6ni_values;

v6ni_values *v6ni_values_new(void)
{
    v6ni_values *x = calloc(1, sizeof(*x));
    if (x && v6n_config_values_init(&x->v, V6N_CONFIG_VALUES_VERSION) != V6N_OK) {
        free(x);
        x = NULL;
    }
    return x;
}

static char *v6ni_dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Set string field `field` (NULL: back to the default). V6N_EINVAL for a
 * field that is not one. */
int v6ni_values_set(v6ni_values *x, const char *field, const char *value)
{
    if (!x || !field)
        return V6N_EINVAL;
#define V6NI_SET(f)                                                                                \
    if (strcmp(field, #f) == 0) {                                                                  \
        char *copy = v6ni_dup_or_null(value);                                                      \
        if (value && !copy)                                                                        \
            return V6N_ENOMEM;                                                                     \
        free(x->f);                                                                                \
        x->f = copy;                                                                               \
        x->v.f = copy;                                                                             \
        return V6N_OK;                                                                             \
    }
    V6NI_VALUE_FIELDS(V6NI_SET)
#undef V6NI_SET
    return V6N_EINVAL;
}

/* The numeric fields: scope, force, encryption. */
int v6ni_values_set_int(v6ni_values *x, const char *field, int value)
{
    if (!x || !field)
        return V6N_EINVAL;
    if (strcmp(field, "scope") == 0)
        x->v.scope = value ? V6N_SCOPE_SYSTEM : V6N_SCOPE_USER;
    else if (strcmp(field, "force") == 0)
        x->v.force = value;
    else if (strcmp(field, "encryption") == 0)
        x->v.encryption = value;
    else
        return V6N_EINVAL;
    return V6N_OK;
}

/* One more entry of `databases`; mount_mode NULL: not written. */
int v6ni_values_add_database(v6ni_values *x, const char *label, const char *uri,
                             const char *type, const char *mount_mode)
{
    if (!x)
        return V6N_EINVAL;
    v6n_database *db = realloc(x->db, (x->ndb + 1) * sizeof(*db));
    if (!db)
        return V6N_ENOMEM;
    x->db = db;
    v6n_database *d = &db[x->ndb];
    d->label = v6ni_dup_or_null(label);
    d->uri = v6ni_dup_or_null(uri);
    d->type = v6ni_dup_or_null(type);
    d->mount_mode = v6ni_dup_or_null(mount_mode);
    x->ndb++;
    x->v.databases = x->db;
    x->v.database_count = x->ndb;
    if ((label && !d->label) || (uri && !d->uri) || (type && !d->type) ||
        (mount_mode && !d->mount_mode))
        return V6N_ENOMEM;
    return V6N_OK;
}

void v6ni_values_free(v6ni_values *x)
{
    if (!x)
        return;
    if (x->api_key) /* the copy of the API key does not outlive the builder */
        for (volatile char *p = x->api_key; *p; p++)
            *p = '\0';
#define V6NI_FREE(f) free(x->f);
    V6NI_VALUE_FIELDS(V6NI_FREE)
#undef V6NI_FREE
    for (size_t i = 0; i < x->ndb; i++) {
        free((char *)x->db[i].label);
        free((char *)x->db[i].uri);
        free((char *)x->db[i].type);
        free((char *)x->db[i].mount_mode);
    }
    free(x->db);
    free(x);
}

/* `out` by address: the call that fills it is an argument too, and C does not
 * say which argument is evaluated first. */
static char *v6ni_copy_out(int rc, char **out)
{
    char *copy = rc == V6N_OK && *out ? strdup(*out) : NULL;
    v6n_free(*out);
    return copy;
}

/* The YAML text (v6n_config_render), or NULL. */
char *v6ni_values_render(const v6ni_values *x)
{
    char *out = NULL;
    return x ? v6ni_copy_out(v6n_config_render(&out, &x->v), &out) : NULL;
}

/* The new config's path (v6n_config_create), or NULL. */
char *v6ni_values_create(const v6ni_values *x)
{
    char *out = NULL;
    return x ? v6ni_copy_out(v6n_config_create(&out, &x->v), &out) : NULL;
}

char *v6ni_node_data_folder(const char *name, v6n_scope scope)
{
    char *out = NULL;
    return v6ni_copy_out(v6n_node_data_folder(&out, name, scope), &out);
}

/* ---- the setup half: keys and the node's version ----------------------------------- */

char *v6ni_private_key_path(v6n_scope scope, const char *organization)
{
    char *out = NULL;
    return v6ni_copy_out(v6n_private_key_path(&out, scope, organization), &out);
}

char *v6ni_public_key_get(const char *private_key_path)
{
    char *out = NULL;
    return v6ni_copy_out(v6n_public_key_get(&out, private_key_path), &out);
}

/* v6n_node_private_key_create with the login given in full (a binding has no
 * terminal to ask for an MFA code on: pass it as mfa_code). username NULL: no
 * login (then organization must be given and upload be 0). The key's path,
 * or NULL. */
char *v6ni_node_private_key_create(v6n_node *node, const char *organization,
                                   const char *key_path, int overwrite, int upload,
                                   const char *username, const char *password,
                                   const char *mfa_code, long timeout_ms)
{
    v6n_server_login login = V6N_SERVER_LOGIN_INIT;
    login.username = username;
    login.password = password;
    login.mfa_code = mfa_code && *mfa_code ? mfa_code : NULL;
    login.timeout_ms = timeout_ms;
    v6n_private_key_options o = V6N_PRIVATE_KEY_OPTIONS_INIT;
    o.organization = organization && *organization ? organization : NULL;
    o.key_path = key_path && *key_path ? key_path : NULL;
    o.overwrite = overwrite;
    o.upload = upload;
    o.login = username ? &login : NULL;
    char *out = NULL;
    return v6ni_copy_out(v6n_node_private_key_create(&out, node, &o), &out);
}

char *v6ni_node_version(v6n_node *node, v6n_client *client)
{
    char *out = NULL;
    return v6ni_copy_out(v6n_node_version(&out, node, client), &out);
}
%}

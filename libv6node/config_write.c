/* Writing a new node config, as `v6 node new` does (its wizard's keys and
 * defaults, saved like yaml.dump(config, default_flow_style=False): keys
 * sorted, block style, PyYAML's choice of quoting). libyaml's emitter makes the
 * same style choices as PyYAML's (one is a port of the other); PyYAML's
 * representer decides whether a string may go plain by asking its resolver
 * whether the plain text would read back as a string, and so do we, with the
 * loader's own resolver.
 *
 * Before anything is written the text goes through the loader
 * (v6n_config_parse with the target path) and the start checks that need no
 * files (v6n_node_spec_build without local checks), so a config this writes is
 * one that loads and builds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "internal.h"

static const char *const WRITTEN_KEYS[] = {"api_key",    "api_path", "databases",
                                           "encryption", "logging",  "port",
                                           "server_url", "task_dir", NULL};

static const char *const LOG_LEVELS[] = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", NULL};

/* The `loggers` the wizard writes, with level "warning". */
static const char *const WIZARD_LOGGERS[] = {
    "urllib3", "requests", "engineio.client", "docker.utils.config", "docker.auth", NULL};

static const char *const FILE_BASED[] = {"folder", "csv", "parquet", "excel", NULL};

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

int v6n_config_values_init(v6n_config_values *values, unsigned int version)
{
    if (!values || version == 0 || version > V6N_CONFIG_VALUES_VERSION)
        return v6n_err(V6N_EINVAL, "version", "config values version %u is not supported", version);
    memset(values, 0, sizeof(*values));
    values->version = version;
    return V6N_OK;
}

int v6n_node_data_folder(char **out, const char *name, v6n_scope scope)
{
    if (!out)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_data_folder: out is required");
    *out = NULL;
    int rc = v6n_name_check(name, V6N_EINVAL, "name");
    if (rc)
        return rc;
    *out = v6n_folder_data(scope, name);
    return *out ? V6N_OK : v6n_error_last()->code;
}

/* ---- emitting --------------------------------------------------------------- */

typedef struct emitter {
    yaml_emitter_t e;
    v6n_buf out;
    int rc; /* the first failure */
} emitter;

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
    emitter *em = data;
    return v6n_buf_add(&em->out, (const char *)buffer, size) == V6N_OK;
}

static void emit(emitter *em, yaml_event_t *ev, bool made)
{
    if (em->rc) {
        if (made)
            yaml_event_delete(ev);
        return;
    }
    if (!made)
        em->rc = v6n_err_nomem();
    else if (!yaml_emitter_emit(&em->e, ev)) /* takes the event in every case */
        em->rc = em->e.error == YAML_MEMORY_ERROR
                     ? v6n_err_nomem()
                     : v6n_err(V6N_ERROR, NULL, "writing the config's YAML failed: %s",
                               em->e.problem ? em->e.problem : "emitter error");
}

/* Would the plain text `s` read back as the string `s`? (PyYAML's
 * representer asks its resolver the same; quoting decides the rest.) */
static bool plain_reads_as_string(const char *s)
{
    v6n_ydoc doc;
    v6n_err_snapshot saved;
    v6n_err_save(&saved);
    bool same = false;
    if (v6n_yaml_parse(&doc, s, strlen(s), "value") == V6N_OK) {
        same = doc.root && doc.root->type == V6N_Y_STR && strcmp(doc.root->str, s) == 0;
        v6n_yaml_free(&doc);
    }
    v6n_err_restore(&saved); /* a value that does not parse is no error here */
    return same;
}

static void emit_str(emitter *em, const char *s)
{
    yaml_event_t ev;
    bool made = yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s),
                                             plain_reads_as_string(s), 1, YAML_ANY_SCALAR_STYLE);
    emit(em, &ev, made);
}

/* A scalar of another type (int, float, bool, null): plain, untagged. */
static void emit_typed(emitter *em, const char *s)
{
    yaml_event_t ev;
    bool made = yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1,
                                             0, YAML_PLAIN_SCALAR_STYLE);
    emit(em, &ev, made);
}

static void emit_map(emitter *em, bool open)
{
    yaml_event_t ev;
    bool made =
        open ? yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE)
             : yaml_mapping_end_event_initialize(&ev);
    emit(em, &ev, made);
}

static void emit_seq(emitter *em, bool open)
{
    yaml_event_t ev;
    bool made =
        open ? yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE)
             : yaml_sequence_end_event_initialize(&ev);
    emit(em, &ev, made);
}

static void emit_kv(emitter *em, const char *key, const char *value)
{
    emit_str(em, key);
    emit_str(em, value);
}

/* PyYAML's represent_float: repr() lower-cased, ".0" put before a bare
 * exponent, and .inf/.nan spelled the YAML way. */
static void emit_float(emitter *em, const char *repr)
{
    if (strcmp(repr, "inf") == 0 || strcmp(repr, "-inf") == 0 || strcmp(repr, "nan") == 0) {
        emit_typed(em, repr[0] == '-' ? "-.inf" : repr[0] == 'i' ? ".inf" : ".nan");
        return;
    }
    const char *e = strchr(repr, 'e');
    if (!e || strchr(repr, '.')) {
        emit_typed(em, repr);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof(buf), "%.*s.0%s", (int)(e - repr), repr, e);
    emit_typed(em, buf);
}

/* Emit a parsed node (from extra_yaml) as yaml.dump would the Python value
 * safe_load made of it: mappings with their keys sorted. */
static void emit_node(emitter *em, const v6n_ynode *n)
{
    switch (n->type) {
    case V6N_Y_STR:
        emit_str(em, n->str);
        return;
    case V6N_Y_INT:
        emit_typed(em, n->str);
        return;
    case V6N_Y_FLOAT:
        emit_float(em, n->str);
        return;
    case V6N_Y_BOOL:
        emit_typed(em, n->boolean ? "true" : "false");
        return;
    case V6N_Y_NULL:
        emit_typed(em, "null");
        return;
    case V6N_Y_SEQ:
        emit_seq(em, true);
        for (size_t i = 0; i < n->n; i++)
            emit_node(em, n->items[i]);
        emit_seq(em, false);
        return;
    case V6N_Y_MAP: {
        /* sort pairs by key: an index array of the keys, each knowing its value */
        size_t *order = malloc((n->n ? n->n : 1) * sizeof(*order));
        if (!order) {
            if (!em->rc)
                em->rc = v6n_err_nomem();
            return;
        }
        for (size_t i = 0; i < n->n; i++)
            order[i] = i;
        for (size_t i = 1; i < n->n; i++) /* insertion sort: configs are small */
            for (size_t j = i;
                 j > 0 && strcmp(n->keys[order[j - 1]]->str, n->keys[order[j]]->str) > 0; j--) {
                size_t t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        emit_map(em, true);
        for (size_t i = 0; i < n->n; i++) {
            emit_node(em, n->keys[order[i]]);
            emit_node(em, n->items[order[i]]);
        }
        emit_map(em, false);
        free(order);
        return;
    }
    }
}

/* ---- the values, checked and completed ------------------------------------------ */

typedef struct resolved {
    char *path; /* absolute target file */
    char *name;
    char *server_url;
    char *task_dir;
    char *private_key;
    char **uris; /* per database, possibly made absolute */
    v6n_ydoc extra;
} resolved;

static void resolved_free(resolved *r, size_t ndb)
{
    free(r->path);
    free(r->name);
    free(r->server_url);
    free(r->task_dir);
    free(r->private_key);
    for (size_t i = 0; r->uris && i < ndb; i++)
        free(r->uris[i]);
    free(r->uris);
    v6n_yaml_free(&r->extra);
}

static int value_error(const char *key, const char *fmt, ...) V6N_PRINTF(2, 3);

static int value_error(const char *key, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return v6n_err(V6N_ECONFIG, key, "%s: %s", key, what);
}

static bool is_relative_path(const char *uri)
{
    return uri[0] != '/' && !strstr(uri, "://");
}

/* `s` made absolute against `base` (when `absolute`), else a copy. NULL with
 * the error recorded. */
static char *path_value(const char *s, const char *base, bool absolute)
{
    if (absolute)
        return v6n_path_absolute(s, base);
    char *copy = v6n_strdup(s);
    if (!copy)
        v6n_err_nomem();
    return copy;
}

static int resolve_target(resolved *r, const v6n_config_values *v)
{
    if (!v6n_str_empty(v->path)) {
        if (!(r->path = v6n_path_absolute(v->path, NULL)))
            return v6n_error_last()->code;
        if (!(r->name = v6n_path_stem(r->path)))
            return v6n_err_nomem();
        if (!v6n_str_empty(v->name) && strcmp(v->name, r->name) != 0)
            return value_error("name",
                               "the node name '%s' is not the stem of the config file %s (a "
                               "node's name is its config file's name)",
                               v->name, r->path);
        return V6N_OK;
    }
    if (v6n_str_empty(v->name))
        return value_error("name", "a node name is required");
    int rc = v6n_name_check(v->name, V6N_ECONFIG, "name");
    if (rc)
        return rc;
    char *dir = v6n_str_empty(v->config_dir) ? v6n_folder_config(v->scope)
                                             : v6n_path_absolute(v->config_dir, NULL);
    if (!dir)
        return v6n_error_last()->code;
    r->path = v6n_asprintf("%s/%s.yaml", dir, v->name);
    free(dir);
    r->name = v6n_strdup(v->name);
    return r->path && r->name ? V6N_OK : v6n_err_nomem();
}

static int resolve_values(resolved *r, const v6n_config_values *v)
{
    if (v6n_str_empty(v->api_key))
        return value_error("api_key", "required (the node's API key from the server)");
    if (v6n_str_empty(v->server_url))
        return value_error("server_url", "required (e.g. https://v6.example.org)");
    /* the wizard strips trailing slashes */
    size_t n = strlen(v->server_url);
    while (n > 0 && v->server_url[n - 1] == '/')
        n--;
    if (!(r->server_url = v6n_strndup(v->server_url, n)))
        return v6n_err_nomem();
    if (!v6n_str_empty(v->log_level) && !in_list(v->log_level, LOG_LEVELS))
        return value_error("logging.level",
                           "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (got '%s')",
                           v->log_level);
    r->task_dir = v6n_str_empty(v->task_dir) ? v6n_folder_data(v->scope, r->name)
                                             : path_value(v->task_dir, NULL, false);
    if (!r->task_dir)
        return v6n_error_last()->code;

    const char *key = v->private_key ? v->private_key : "";
    r->private_key =
        path_value(key, v->working_dir, v->working_dir && key[0] && is_relative_path(key));
    if (!r->private_key)
        return v6n_error_last()->code;

    if (v->database_count && !v->databases)
        return v6n_err(V6N_EINVAL, "databases", "databases is NULL but database_count is %zu",
                       v->database_count);
    r->uris = calloc(v->database_count ? v->database_count : 1, sizeof(*r->uris));
    if (!r->uris)
        return v6n_err_nomem();
    char k[64];
    for (size_t i = 0; i < v->database_count; i++) {
        const v6n_database *db = &v->databases[i];
        static const char *const fields[] = {"label", "uri", "type"};
        const char *vals[] = {db->label, db->uri, db->type};
        for (size_t f = 0; f < 3; f++) {
            snprintf(k, sizeof(k), "databases[%zu].%s", i, fields[f]);
            if (v6n_str_empty(vals[f]))
                return value_error(k, "required");
        }
        bool make_absolute =
            v->working_dir && in_list(db->type, FILE_BASED) && is_relative_path(db->uri);
        if (!(r->uris[i] = path_value(db->uri, v->working_dir, make_absolute)))
            return v6n_error_last()->code;
    }

    if (!v6n_str_empty(v->extra_yaml)) {
        int rc = v6n_yaml_parse(&r->extra, v->extra_yaml, strlen(v->extra_yaml), "extra_yaml");
        if (rc)
            return rc;
        const v6n_ynode *x = r->extra.root;
        if (x && x->type != V6N_Y_MAP && x->type != V6N_Y_NULL)
            return value_error("extra_yaml", "must be a mapping of config keys (got %s)",
                               v6n_ytype_name(x->type));
        for (size_t i = 0; x && x->type == V6N_Y_MAP && i < x->n; i++) {
            if (x->keys[i]->type != V6N_Y_STR)
                return value_error("extra_yaml", "its keys must be strings (got %s '%s')",
                                   v6n_ytype_name(x->keys[i]->type), x->keys[i]->str);
            if (in_list(x->keys[i]->str, WRITTEN_KEYS)) {
                snprintf(k, sizeof(k), "%.50s", x->keys[i]->str);
                return value_error(k, "given in extra_yaml, but it is one of the keys the values "
                                      "write (give it there)");
            }
        }
    }
    return V6N_OK;
}

/* ---- rendering ---------------------------------------------------------------- */

static void emit_databases(emitter *em, const v6n_config_values *v, const resolved *r)
{
    emit_seq(em, true);
    for (size_t i = 0; i < v->database_count; i++) {
        const v6n_database *db = &v->databases[i];
        emit_map(em, true); /* sorted: label, mount_mode, type, uri */
        emit_kv(em, "label", db->label);
        if (db->mount_mode)
            emit_kv(em, "mount_mode", db->mount_mode);
        emit_kv(em, "type", db->type);
        emit_kv(em, "uri", r->uris[i]);
        emit_map(em, false);
    }
    emit_seq(em, false);
}

static void emit_logging(emitter *em, const char *level)
{
    emit_map(em, true);
    emit_str(em, "backup_count");
    emit_typed(em, "5");
    emit_kv(em, "datefmt", "%Y-%m-%d %H:%M:%S");
    emit_kv(em, "format", "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s");
    emit_kv(em, "level", level);
    emit_str(em, "loggers");
    emit_seq(em, true);
    for (size_t i = 0; WIZARD_LOGGERS[i]; i++) {
        emit_map(em, true);
        emit_kv(em, "level", "warning");
        emit_kv(em, "name", WIZARD_LOGGERS[i]);
        emit_map(em, false);
    }
    emit_seq(em, false);
    emit_str(em, "max_size");
    emit_typed(em, "1024");
    emit_str(em, "use_console");
    emit_typed(em, "true");
    emit_map(em, false);
}

/* One top-level key: a written one (index into WRITTEN_KEYS) or an extra. */
typedef struct top_key {
    const char *name;
    int written;            /* -1 for an extra */
    const v6n_ynode *value; /* extras */
} top_key;

static int top_key_order(const void *a, const void *b)
{
    return strcmp(((const top_key *)a)->name, ((const top_key *)b)->name);
}

static void emit_written(emitter *em, const char *key, const v6n_config_values *v,
                         const resolved *r)
{
    emit_str(em, key);
    if (strcmp(key, "api_key") == 0) {
        emit_str(em, v->api_key);
    } else if (strcmp(key, "api_path") == 0) {
        emit_str(em, v6n_str_empty(v->api_path) ? "/api" : v->api_path);
    } else if (strcmp(key, "databases") == 0) {
        emit_databases(em, v, r);
    } else if (strcmp(key, "encryption") == 0) {
        emit_map(em, true);
        emit_str(em, "enabled");
        emit_typed(em, v->encryption ? "true" : "false");
        emit_kv(em, "private_key", r->private_key);
        emit_map(em, false);
    } else if (strcmp(key, "logging") == 0) {
        emit_logging(em, v6n_str_empty(v->log_level) ? "DEBUG" : v->log_level);
    } else if (strcmp(key, "port") == 0) {
        /* the wizard: 443 for https, else the dev server's 7601; a string */
        const char *port = v->port                                   ? v->port
                           : strncmp(r->server_url, "https", 5) == 0 ? "443"
                                                                     : "7601";
        emit_str(em, port);
    } else if (strcmp(key, "server_url") == 0) {
        emit_str(em, r->server_url);
    } else if (strcmp(key, "task_dir") == 0) {
        emit_str(em, r->task_dir);
    }
}

static int render(char **out, const v6n_config_values *v, const resolved *r)
{
    *out = NULL;
    const v6n_ynode *extra =
        r->extra.root && r->extra.root->type == V6N_Y_MAP ? r->extra.root : NULL;
    size_t nkeys = 8 + (extra ? extra->n : 0);
    top_key *keys = calloc(nkeys, sizeof(*keys));
    if (!keys)
        return v6n_err_nomem();
    size_t k = 0;
    for (int i = 0; WRITTEN_KEYS[i]; i++)
        keys[k++] = (top_key){WRITTEN_KEYS[i], i, NULL};
    for (size_t i = 0; extra && i < extra->n; i++)
        keys[k++] = (top_key){extra->keys[i]->str, -1, extra->items[i]};
    qsort(keys, k, sizeof(*keys), top_key_order);

    emitter em = {.out = V6N_BUF_INIT};
    if (!yaml_emitter_initialize(&em.e)) {
        free(keys);
        return v6n_err_nomem();
    }
    yaml_emitter_set_output(&em.e, write_handler, &em);
    yaml_emitter_set_unicode(&em.e, 0); /* yaml.dump's allow_unicode=False */
    yaml_emitter_set_width(&em.e, 80);
    yaml_emitter_set_indent(&em.e, 2);

    yaml_event_t ev;
    emit(&em, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
    emit(&em, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
    emit_map(&em, true);
    for (size_t i = 0; i < k; i++) {
        if (keys[i].written >= 0) {
            emit_written(&em, keys[i].name, v, r);
        } else {
            emit_str(&em, keys[i].name);
            emit_node(&em, keys[i].value);
        }
    }
    emit_map(&em, false);
    emit(&em, &ev, yaml_document_end_event_initialize(&ev, 1));
    emit(&em, &ev, yaml_stream_end_event_initialize(&ev));
    if (!em.rc && !yaml_emitter_flush(&em.e))
        em.rc = v6n_err_nomem();
    yaml_emitter_delete(&em.e);
    free(keys);
    if (em.rc) {
        v6n_buf_free(&em.out);
        return em.rc;
    }
    *out = v6n_buf_detach(&em.out);
    return *out ? V6N_OK : v6n_err_nomem();
}

/* The loader, then the start checks that need no files, on the text as it
 * would be found at `path`. */
static int validate(const char *text, const char *path, v6n_scope scope)
{
    v6n_config *config = NULL;
    int rc = v6n_config_parse(&config, text, strlen(text), path);
    if (rc)
        return rc;
    v6n_start_options opts;
    v6n_start_options_init(&opts, V6N_START_OPTIONS_VERSION);
    opts.scope = scope;
    opts.no_local_checks = 1;
    opts.no_server_version = 1;
    v6n_node_spec *spec = NULL;
    rc = v6n_node_spec_build(&spec, config, &opts);
    v6n_node_spec_free(spec);
    v6n_config_free(config);
    return rc;
}

static int prepare(char **out_text, resolved *r, const v6n_config_values *values)
{
    *out_text = NULL;
    if (!values)
        return v6n_err(V6N_EINVAL, NULL, "config values are required");
    if (values->version == 0 || values->version > V6N_CONFIG_VALUES_VERSION)
        return v6n_err(V6N_EINVAL, "version", "config values version %u is not supported",
                       values->version);
    if (values->scope != V6N_SCOPE_USER && values->scope != V6N_SCOPE_SYSTEM)
        return v6n_err(V6N_EINVAL, "scope", "scope must be user or system (got %d)",
                       (int)values->scope);
    int rc = resolve_target(r, values);
    if (!rc)
        rc = resolve_values(r, values);
    if (!rc)
        rc = render(out_text, values, r);
    if (!rc && (rc = validate(*out_text, r->path, values->scope))) {
        free(*out_text);
        *out_text = NULL;
    }
    return rc;
}

int v6n_config_render(char **out, const v6n_config_values *values)
{
    if (!out)
        return v6n_err(V6N_EINVAL, NULL, "v6n_config_render: out is required");
    resolved r = {0};
    int rc = prepare(out, &r, values);
    resolved_free(&r, values ? values->database_count : 0);
    return rc;
}

int v6n_config_create(char **out_path, const v6n_config_values *values)
{
    if (out_path)
        *out_path = NULL;
    resolved r = {0};
    char *text = NULL;
    char *dir = NULL;
    int rc = prepare(&text, &r, values);
    if (rc)
        goto cleanup;
    if (!values->force && v6n_path_exists(r.path)) {
        rc = v6n_err(V6N_ECONFLICT, NULL,
                     "the config %s already exists (replace it with force / --force)", r.path);
        goto cleanup;
    }
    /* by name: NAME.yml is that node's config as well (the loader reads either) */
    if (!values->force && v6n_str_empty(values->path)) {
        size_t n = strlen(r.path);
        char *yml = v6n_asprintf("%.*s.yml", (int)(n - strlen(".yaml")), r.path);
        if (!yml) {
            rc = v6n_err_nomem();
            goto cleanup;
        }
        if (v6n_path_exists(yml))
            rc = v6n_err(V6N_ECONFLICT, NULL,
                         "node %s already has a config, %s (replace it with force / --force: "
                         "%s is then read instead)",
                         r.name, yml, r.path);
        free(yml);
        if (rc)
            goto cleanup;
    }
    if (!(dir = v6n_path_dirname(r.path))) {
        rc = v6n_err_nomem();
        goto cleanup;
    }
    if ((rc = v6n_path_mkdirs(dir)))
        goto cleanup;
    v6n_atomic_options o = {
        .mode = 0600, .uid = -1, .gid = -1, .replace = values->force != 0, .key = NULL};
    if ((rc = v6n_file_write_atomic(r.path, text, strlen(text), &o)))
        goto cleanup;
    if (out_path && !(*out_path = v6n_strdup(r.path)))
        rc = v6n_err_nomem();
cleanup:
    if (text)
        explicit_bzero(text, strlen(text)); /* it holds the API key */
    free(text);
    free(dir);
    resolved_free(&r, values ? values->database_count : 0);
    return rc;
}

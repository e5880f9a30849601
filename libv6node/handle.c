/* A node: one handle for its whole life. Opened by name, by config file or by
 * container; every call reads the config as it is on disk then; `start`
 * records how it started, and status, drift and restart read that record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct v6n_node {
    char *name;
    v6n_scope scope;
    char *container;
    char *config_path;      /* NULL when none was found */
    char *config_missing;   /* then: why (the folders searched) */
    v6n_start_options opts; /* owned copy */
    v6n_callbacks callbacks;
};

void v6n_node_free(v6n_node *n)
{
    if (!n)
        return;
    free(n->name);
    free(n->container);
    free(n->config_path);
    free(n->config_missing);
    v6n_start_options_dispose(&n->opts);
    free(n);
}

/* A node named `name` in `scope`; `config_path` NULL: look it up. */
static int node_new(v6n_node **out, const char *name, v6n_scope scope, const char *config_path,
                    const v6n_start_options *opts)
{
    *out = NULL;
    int rc = v6n_options_check_version(opts);
    if (rc)
        return rc;
    v6n_node *n = calloc(1, sizeof(*n));
    if (!n)
        return v6n_err_nomem();
    rc = v6n_options_dup(&n->opts, opts);
    n->opts.scope = scope;
    n->scope = scope;
    n->callbacks = n->opts.callbacks;
    if (!rc && (!(n->name = v6n_strdup(name)) || !(n->container = v6n_name_container(name, scope))))
        rc = v6n_err_nomem();
    if (!rc && config_path && !(n->config_path = v6n_strdup(config_path)))
        rc = v6n_err_nomem();
    if (!rc && !config_path) {
        rc = v6n_config_find(&n->config_path, name, scope, n->opts.config_dir);
        if (rc == V6N_ENOTFOUND) { /* an orphan, or a node not set up yet */
            n->config_missing = v6n_strdup(v6n_error_last()->message);
            v6n_error_clear();
            rc = n->config_missing ? V6N_OK : v6n_err_nomem();
        }
    }
    if (rc) {
        v6n_node_free(n);
        return rc;
    }
    *out = n;
    return V6N_OK;
}

int v6n_node_open(v6n_node **out, const char *name, const v6n_start_options *opts)
{
    if (!out)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_open: out is required");
    *out = NULL;
    int rc = v6n_name_check(name, V6N_EINVAL, "name");
    return rc ? rc : node_new(out, name, opts ? opts->scope : V6N_SCOPE_USER, NULL, opts);
}

int v6n_node_open_config(v6n_node **out, const char *path, const v6n_start_options *opts)
{
    if (!out || v6n_str_empty(path))
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_open_config: out and path are required");
    *out = NULL;
    char *abs = v6n_path_absolute(path, NULL);
    char *stem = abs ? v6n_path_stem(abs) : NULL;
    int rc = abs && stem ? V6N_OK : v6n_error_last()->code ? v6n_error_last()->code : V6N_ENOMEM;
    if (!rc && (!v6n_path_exists(abs) || v6n_path_is_dir(abs)))
        rc = v6n_err(V6N_ENOTFOUND, NULL, "no config file %s", abs);
    char why[512];
    if (!rc && v6n_name_describe(stem, why, sizeof(why)))
        rc =
            v6n_err(V6N_ECONFIG, NULL,
                    "%s: %s (the config file's name without extension is the node name)", abs, why);
    if (!rc)
        rc = node_new(out, stem, opts ? opts->scope : V6N_SCOPE_USER, abs, opts);
    free(abs);
    free(stem);
    return rc;
}

int v6n_node_open_container(v6n_node **out, const char *container, const v6n_start_options *opts)
{
    if (!out)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_open_container: out is required");
    *out = NULL;
    char *name = NULL;
    v6n_scope scope = V6N_SCOPE_USER;
    int rc = v6n_name_of_container(container, &name, &scope);
    if (!rc)
        rc = node_new(out, name, scope, NULL, opts);
    free(name);
    return rc;
}

const char *v6n_node_name(const v6n_node *n)
{
    return n ? n->name : NULL;
}

v6n_scope v6n_node_scope(const v6n_node *n)
{
    return n ? n->scope : V6N_SCOPE_USER;
}

const char *v6n_node_container(const v6n_node *n)
{
    return n ? n->container : NULL;
}

const char *v6n_node_config_path(const v6n_node *n)
{
    return n ? n->config_path : NULL;
}

const v6n_start_options *v6n_node_options(const v6n_node *n)
{
    return n ? &n->opts : NULL;
}

void v6n_node_set_callbacks(v6n_node *n, const v6n_callbacks *cb)
{
    if (!n)
        return;
    v6n_callbacks none = {0};
    n->callbacks = cb ? *cb : none;
}

/* ---- the config and the spec, as they are now ---------------------------------- */

/* A node opened by name before its config existed (an orphan, or a node not
 * set up yet) looks again: a config made since (v6n_config_create()) is found
 * at the node's next use. */
static void refind_config(v6n_node *n)
{
    if (n->config_path || !n->config_missing)
        return;
    v6n_err_snapshot before;
    v6n_err_save(&before);
    char *found = NULL;
    if (v6n_config_find(&found, n->name, n->scope, n->opts.config_dir) == V6N_OK) {
        n->config_path = found;
        free(n->config_missing);
        n->config_missing = NULL;
    }
    v6n_err_restore(&before);
}

int v6n_node_load_config(v6n_config **out, v6n_node *n)
{
    *out = NULL;
    refind_config(n);
    if (!n->config_path)
        return v6n_err(V6N_ENOTFOUND, NULL, "%s", n->config_missing);
    return v6n_config_load(out, n->config_path);
}

static int build_spec(v6n_node_spec **out, v6n_node *n, const v6n_start_options *opts)
{
    v6n_config *config = NULL;
    int rc = v6n_node_load_config(&config, n);
    if (!rc)
        rc = v6n_node_spec_build(out, config, opts);
    v6n_config_free(config); /* the spec keeps its own reference */
    return rc;
}

int v6n_node_spec_get(v6n_node_spec **out, v6n_node *n)
{
    if (!out || !n)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_spec_get: out and node are required");
    *out = NULL;
    return build_spec(out, n, &n->opts);
}

/* ---- how the node runs: its container and its start record ------------------- */

/* What is known of the node's container and how it was started. */
typedef struct running {
    yajl_val container;         /* inspect answer; NULL: no container */
    v6n_start_record record;    /* valid when has_record */
    bool has_record;            /* a record of this very container */
    const v6n_release *release; /* the line it was built as, when known */
} running;

static void running_clear(running *r)
{
    yajl_tree_free(r->container);
    if (r->has_record)
        v6n_record_clear(&r->record);
    memset(r, 0, sizeof(*r));
}

static int running_get(running *r, const v6n_node *n, v6n_client *client)
{
    memset(r, 0, sizeof(*r));
    int rc = v6n_container_inspect(&r->container, client, n->container);
    if (rc == V6N_ENOTFOUND) {
        v6n_error_clear();
        return V6N_OK;
    }
    if (rc)
        return rc;
    const char *id = v6n_json_string(r->container, "Id");
    if (v6n_record_read(&r->record, n->name, n->scope) == V6N_OK) {
        r->has_record = id && strcmp(r->record.id, id) == 0;
        if (!r->has_record)
            v6n_record_clear(&r->record); /* a record of an earlier container */
    }
    v6n_error_clear();
    /* without a record (started by another tool), the container's config
     * mount tells the line */
    const v6n_release *prefer = NULL;
    if (!r->has_record && v6n_release_find(&prefer, n->opts.vantage6_version) != V6N_OK)
        v6n_error_clear();
    r->release = r->has_record ? r->record.release : v6n_release_of_container(r->container, prefer);
    return V6N_OK;
}

static bool names_release(const v6n_start_options *o)
{
    return !v6n_str_empty(o->vantage6_version) && strcmp(o->vantage6_version, "auto") != 0;
}

/* The options the node runs with: its record's, with the node's own options
 * over them, built as the line it was started as. `*other_line` is the line
 * the node's own options name when that differs (status calls it drift). */
static int effective_options(v6n_start_options *out, const v6n_node *n, const running *r,
                             const v6n_release **other_line)
{
    *other_line = NULL;
    int rc = v6n_options_dup(out, r->has_record ? &r->record.opts : NULL);
    if (rc)
        return rc;
    v6n_options_merge(out, &n->opts);
    out->scope = n->scope;
    out->callbacks = n->callbacks;
    if (r->release) {
        const v6n_release *asked = NULL;
        if (names_release(&n->opts) &&
            v6n_release_find(&asked, n->opts.vantage6_version) == V6N_OK && asked != r->release)
            *other_line = asked;
        v6n_error_clear();
        out->vantage6_version = r->release->line;
    }
    return V6N_OK;
}

/* ---- the calls ------------------------------------------------------------------ */

static void record_start(const v6n_node *n, const v6n_node_spec *spec, const char *id,
                         const v6n_start_options *opts)
{
    if (v6n_record_write(spec, id, opts) == V6N_OK)
        return;
    /* the node runs; only the record of how it was started is missing */
    char warning[2300];
    snprintf(warning, sizeof(warning),
             "the node runs, but how it was started could not be recorded: %s",
             v6n_error_last()->message);
    v6n_error_clear();
    v6n_emit(n->callbacks.on_event, n->callbacks.payload, V6N_EVENT_WARNING, warning, id,
             spec->image, 0, 0);
}

/* A start whose spec could not be built from a config that loads (a database
 * file that went away, a mount mode the line refuses) of a node that is
 * running anyway: the node is already running, as `v6 node start` says after
 * it reads the config and before it looks at the databases; the build's
 * error is kept in the message. Otherwise the build's error stands. */
static int running_instead(const v6n_node *n, v6n_client *client)
{
    v6n_err_snapshot why;
    v6n_err_save(&why);
    yajl_val c = NULL;
    if (v6n_container_inspect(&c, client, n->container) == V6N_OK) {
        const char *path[] = {"State", "Running", NULL};
        bool up = yajl_tree_get(c, path, yajl_t_true) != NULL;
        yajl_tree_free(c);
        if (up)
            return v6n_err(V6N_ECONFLICT, NULL,
                           "node %s is already running (container %s); a new start would also "
                           "fail: %s",
                           n->name, n->container, why.message);
    }
    return v6n_err_restore(&why); /* the build's error, whatever the inspect said */
}

int v6n_node_start(char **out_id, v6n_node *n, v6n_client *client)
{
    if (!out_id || !n || !client)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_start: out_id, node and client are required");
    *out_id = NULL;
    v6n_start_options opts = n->opts;
    opts.callbacks = n->callbacks;
    v6n_node_spec *spec = NULL;
    v6n_config *config = NULL;
    int rc = v6n_node_load_config(&config, n);
    if (!rc) {
        rc = v6n_node_spec_build(&spec, config, &opts);
        if (rc && rc != V6N_ENOMEM && rc != V6N_EINVAL)
            rc = running_instead(n, client);
    }
    v6n_config_free(config);
    if (!rc)
        rc = v6n_spec_start(out_id, client, spec, &opts);
    if (!rc)
        record_start(n, spec, *out_id, &opts);
    v6n_node_spec_free(spec);
    return rc;
}

int v6n_node_stop(v6n_node *n, v6n_client *client, const v6n_stop_options *opts)
{
    if (!n || !client)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_stop: node and client are required");
    return v6n_stop_node_container(client, n->name, n->scope, opts, &n->callbacks);
}

int v6n_node_restart(char **out_id, v6n_node *n, v6n_client *client,
                     const v6n_stop_options *stop_opts)
{
    if (!out_id || !n || !client)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_restart: out_id, node and client are required");
    *out_id = NULL;
    int rc = V6N_CHECK_VERSION(stop_opts, V6N_STOP_OPTIONS_VERSION, "stop options");
    if (rc)
        return rc;
    running r;
    v6n_start_options opts = V6N_START_OPTIONS_INIT;
    v6n_node_spec *spec = NULL;
    const v6n_release *other = NULL;
    rc = running_get(&r, n, client);
    if (!rc && !r.container) {
        /* not running: started again as it was last started, if it was */
        r.has_record = v6n_record_read(&r.record, n->name, n->scope) == V6N_OK;
        r.release = r.has_record ? r.record.release : NULL;
        v6n_error_clear();
    }
    if (!rc)
        rc = effective_options(&opts, n, &r, &other);
    /* the options name another line: the node comes back as that one */
    if (!rc && other)
        opts.vantage6_version = n->opts.vantage6_version;
    if (!rc)
        rc = build_spec(&spec, n, &opts);
    if (!rc && r.container) {
        v6n_stop_options so = V6N_STOP_OPTIONS_INIT;
        if (stop_opts)
            so = *stop_opts;
        /* the volumes are the spec's, whatever names it gave them */
        const char **names[V6N_VOLUME_COUNT] = {&so.data_volume, &so.vpn_volume, &so.ssh_volume,
                                                &so.squid_volume};
        for (int i = 0; i < V6N_VOLUME_COUNT; i++)
            if (v6n_str_empty(*names[i]))
                *names[i] = spec->volumes[i];
        rc = v6n_stop_node_container(client, n->name, n->scope, &so, &n->callbacks);
        if (rc == V6N_ENOTFOUND) {
            v6n_error_clear(); /* not running: just start it */
            rc = V6N_OK;
        }
    }
    if (!rc)
        rc = v6n_spec_start(out_id, client, spec, &opts);
    if (!rc)
        record_start(n, spec, *out_id, &opts);
    v6n_node_spec_free(spec);
    v6n_start_options_dispose(&opts);
    running_clear(&r);
    return rc;
}

/* The volume names the node was last started with (its record, whatever
 * container that was), else its options', else the defaults. The caller frees
 * each name. */
static int started_volume_names(char *out[V6N_VOLUME_COUNT], const v6n_node *n,
                                v6n_start_options *opts)
{
    v6n_start_record rec;
    bool has_record = v6n_record_read(&rec, n->name, n->scope) == V6N_OK;
    v6n_error_clear();
    int rc = v6n_options_dup(opts, has_record ? &rec.opts : NULL);
    if (has_record)
        v6n_record_clear(&rec);
    if (rc)
        return rc;
    v6n_options_merge(opts, &n->opts);
    opts->scope = n->scope;
    const char *chosen[V6N_VOLUME_COUNT] = {opts->data_volume, opts->vpn_volume, opts->ssh_volume,
                                            opts->squid_volume};
    for (int i = 0; !rc && i < V6N_VOLUME_COUNT; i++)
        if (!(out[i] = v6n_str_empty(chosen[i]) ? v6n_name_volume(n->container, (v6n_volume_kind)i)
                                                : v6n_strdup(chosen[i])))
            rc = v6n_err_nomem();
    return rc;
}

/* A node without a container may have left volumes behind (a start the engine
 * went away from, a stop that could not finish): the status says which. */
static int leftover_volumes(v6n_node_status *st, const v6n_node *n, v6n_client *client)
{
    char *names[V6N_VOLUME_COUNT] = {NULL};
    v6n_start_options opts;
    bool exists[V6N_VOLUME_COUNT] = {false};
    int rc = started_volume_names(names, n, &opts);
    if (!rc)
        rc = v6n_volumes_existing(client, (const char *const *)names, V6N_VOLUME_COUNT, exists);
    for (int i = 0; !rc && i < V6N_VOLUME_COUNT; i++)
        if (exists[i])
            rc = v6n_status_add_volume(st, names[i]);
    for (int i = 0; i < V6N_VOLUME_COUNT; i++)
        free(names[i]);
    v6n_start_options_dispose(&opts);
    return rc;
}

int v6n_node_status_get(v6n_node_status **out, v6n_node *n, v6n_client *client)
{
    if (!out || !n || !client)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_status_get: out, node and client are required");
    *out = NULL;
    v6n_node_status *st = v6n_status_new();
    if (!st)
        return v6n_err_nomem();
    running r;
    v6n_start_options opts = V6N_START_OPTIONS_INIT;
    v6n_node_spec *spec = NULL;
    yajl_val image_env = NULL;
    const v6n_release *other = NULL;
    refind_config(n);
    int rc = v6n_status_set_node(st, n->name, n->scope, n->container, n->config_path);
    if (!rc)
        rc = running_get(&r, n, client);
    if (!rc && !r.container) {
        const v6n_release *line = NULL;
        if (v6n_release_find(&line, n->opts.vantage6_version) != V6N_OK)
            v6n_error_clear();
        v6n_status_set_release(st, line ? line->line : NULL);
        rc = leftover_volumes(st, n, client);
        goto done;
    }
    if (!rc)
        rc = v6n_status_image_env(&image_env, client, r.container);
    if (!rc)
        rc = effective_options(&opts, n, &r, &other);
    if (!rc && build_spec(&spec, n, &opts) != V6N_OK) {
        /* the state is still worth telling: say why there is no drift */
        rc = v6n_status_set_drift_error(st, v6n_error_last()->message);
        v6n_error_clear();
    }
    if (!rc) {
        const char *env_path[] = {"Config", "Env", NULL};
        rc = v6n_status_fill(st, spec, r.container, v6n_json_get(image_env, env_path));
    }
    if (!rc)
        v6n_status_set_release(st, r.release ? r.release->line : spec ? spec->release->line : NULL);
    if (!rc && other) {
        char sentence[256];
        snprintf(sentence, sizeof(sentence),
                 "vantage6 release: the node was built as %s, the options now give %s",
                 r.release->line, other->line);
        rc = v6n_status_add_drift(st, sentence);
    }
done:
    yajl_tree_free(image_env);
    v6n_node_spec_free(spec);
    v6n_start_options_dispose(&opts);
    running_clear(&r);
    if (rc) {
        v6n_node_status_free(st);
        return rc;
    }
    *out = st;
    return V6N_OK;
}

int v6n_node_logs(v6n_node *n, v6n_client *client, const v6n_logs_options *opts)
{
    if (!n)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_logs: node is required");
    return v6n_container_logs(client, n->container, opts);
}

int v6n_node_remove(v6n_node *n, v6n_client *client)
{
    if (!n || !client)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_remove: node and client are required");
    char *volumes[V6N_VOLUME_COUNT] = {NULL};
    v6n_start_options opts;
    refind_config(n);
    int rc = started_volume_names(volumes, n, &opts);
    v6n_config *config = NULL;
    if (!rc && n->config_path && v6n_config_load(&config, n->config_path) != V6N_OK)
        v6n_error_clear(); /* an invalid config is removed all the same */
    char *data = rc ? NULL : v6n_node_folder(config, &opts, n->name, false);
    char *log = rc || !data ? NULL : v6n_node_folder(config, &opts, n->name, true);
    if (!rc && (!data || !log))
        rc = v6n_error_last()->code;
    if (!rc) {
        v6n_removal what = {.name = n->name,
                            .scope = n->scope,
                            .container = n->container,
                            .config_path = n->config_path,
                            .data_dir = data,
                            .log_dir = log};
        for (int i = 0; i < V6N_VOLUME_COUNT; i++)
            what.volumes[i] = volumes[i];
        rc = v6n_remove_node(client, &what, &n->callbacks);
    }
    for (int i = 0; i < V6N_VOLUME_COUNT; i++)
        free(volumes[i]);
    free(data);
    free(log);
    v6n_config_free(config);
    v6n_start_options_dispose(&opts);
    return rc;
}

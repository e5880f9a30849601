/* The rest of a node's life: stop, restart, remove, and cleaning temporary
 * volumes (contract section 10). */
#define _GNU_SOURCE /* nftw */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int check_name(const char *name, v6n_scope scope, const char *what)
{
    if (!v6n_name_ok(name))
        return v6n_err(V6N_EINVAL, "name", "%s: '%s' is not a node name (a-zA-Z0-9_.-)", what,
                       name ? name : "");
    if (scope != V6N_SCOPE_USER && scope != V6N_SCOPE_SYSTEM)
        return v6n_err(V6N_EINVAL, "scope", "%s: scope must be user or system", what);
    return V6N_OK;
}

/* A POST to /containers/<id>/<action>[?query] that may take `timeout_ms`.
 * Already stopped (304), gone (404) or "is not running" (409) are no errors:
 * the container is where the caller wants it. */
static int container_post(v6n_client *c, const char *id, const char *action, const char *step,
                          long timeout_ms, long *status)
{
    char *suffix = v6n_asprintf("/%s", action);
    if (!suffix)
        return v6n_err_nomem();
    v6n_call call = {.method = "POST",
                     .step = step,
                     .prefix = "/containers/",
                     .object = id,
                     .suffix = suffix,
                     .timeout_ms = timeout_ms,
                     .ok = {200, 204, 304, 404}};
    v6n_http_response resp;
    int rc = v6n_engine_call(c, &call, &resp);
    *status = resp.status;
    if (rc == V6N_ECONFLICT && strstr(v6n_error_last()->message, "is not running")) {
        v6n_error_clear();
        rc = V6N_OK;
    }
    v6n_http_response_free(&resp);
    free(suffix);
    return rc;
}

/* Remove a volume; in use or gone is reported, not failed. */
static int remove_volume(v6n_client *c, const char *name, v6n_event_cb cb, void *payload)
{
    int rc = v6n_volume_remove(c, name);
    if (rc == V6N_OK) {
        v6n_emit(cb, payload, V6N_EVENT_VOLUME_REMOVED, "removed", name, "", 0, 0);
    } else if (rc == V6N_ENOTFOUND) {
        v6n_error_clear();
        rc = V6N_OK;
    } else if (rc == V6N_ECONFLICT) {
        char warning[2300];
        snprintf(warning, sizeof(warning), "kept volume %s: %s", name, v6n_error_last()->message);
        v6n_error_clear();
        v6n_emit(cb, payload, V6N_EVENT_WARNING, warning, name, "", 0, 0);
        rc = V6N_OK;
    }
    return rc;
}

/* The name of the volume the container `v` (an inspect answer) has mounted at
 * `target`, copied into `out`; false when there is none. */
static bool mounted_volume(yajl_val v, const char *target, char *out, size_t size)
{
    const char *mounts_path[] = {"Mounts", NULL};
    yajl_val mounts = v6n_json_get(v, mounts_path);
    for (size_t i = 0; YAJL_IS_ARRAY(mounts) && i < YAJL_GET_ARRAY(mounts)->len; i++) {
        yajl_val m = YAJL_GET_ARRAY(mounts)->values[i];
        const char *type = v6n_json_string(m, "Type"), *dest = v6n_json_string(m, "Destination");
        const char *vol = v6n_json_string(m, "Name");
        if (type && dest && vol && strcmp(type, "volume") == 0 && strcmp(dest, target) == 0 &&
            strlen(vol) < size) {
            snprintf(out, size, "%s", vol);
            return true;
        }
    }
    return false;
}

/* Stop the container; then remove the volumes: each one the caller named, else
 * the one the container has mounted in its place (whatever names it was
 * started with), else the default name in `defaults`. */
static int stop_container(v6n_client *c, const char *name, const char *container,
                          const v6n_stop_options *o, const v6n_callbacks *cb,
                          const char *const overrides[V6N_VOLUME_COUNT],
                          const char *const defaults[V6N_VOLUME_COUNT])
{
    yajl_val v;
    int rc = v6n_container_inspect(&v, c, container);
    if (rc == V6N_ENOTFOUND)
        return v6n_err(V6N_ENOTFOUND, NULL, "node %s is not running (there is no container %s)",
                       name, container);
    if (rc)
        return rc;
    const char *running_path[] = {"State", "Running", NULL};
    const char *status_path[] = {"State", "Status", NULL};
    const char *auto_path[] = {"HostConfig", "AutoRemove", NULL};
    yajl_val running = v6n_json_get(v, running_path), status = v6n_json_get(v, status_path);
    bool auto_remove = YAJL_IS_TRUE(v6n_json_get(v, auto_path));
    char *id = v6n_strdup(v6n_json_string(v, "Id"));
    if (!YAJL_IS_TRUE(running)) {
        rc = v6n_err(V6N_ENOTFOUND, NULL, "node %s is not running (its container %s is %s)", name,
                     container,
                     status && YAJL_IS_STRING(status) ? YAJL_GET_STRING(status) : "stopped");
        yajl_tree_free(v);
        free(id);
        return rc;
    }
    char mounted[V6N_VOLUME_COUNT][256];
    const char *volumes[V6N_VOLUME_COUNT];
    for (int i = 0; i < V6N_VOLUME_COUNT; i++) {
        if (!v6n_str_empty(overrides[i]))
            volumes[i] = overrides[i];
        else if (mounted_volume(v, V6N_VOLUME_TARGETS[i], mounted[i], sizeof(mounted[i])))
            volumes[i] = mounted[i];
        else
            volumes[i] = defaults[i];
    }
    yajl_tree_free(v);
    if (!id)
        return v6n_err_nomem();

    char action[64], step[256];
    /* the engine takes whole seconds: round the grace up */
    long grace_s = o->timeout_ms >= 0 ? (o->timeout_ms + 999) / 1000 : 10, http = 0;
    if (o->force)
        snprintf(action, sizeof(action), "kill");
    else if (o->timeout_ms >= 0)
        snprintf(action, sizeof(action), "stop?t=%ld", grace_s);
    else
        snprintf(action, sizeof(action), "stop");
    snprintf(step, sizeof(step), "%s container %s", o->force ? "kill" : "stop", container);
    /* the engine answers a stop only after the grace period: wait for it */
    rc = container_post(c, id, action, step, grace_s * 1000 + v6n_client_request_timeout_ms(c),
                        &http);
    if (!rc)
        v6n_emit(cb->on_event, cb->payload, V6N_EVENT_STOPPED, o->force ? "killed" : "stopped", id,
                 "", 0, 0);
    if (!rc && auto_remove && http != 404) {
        /* the engine removes it after it stops; the volumes are busy until then */
        snprintf(step, sizeof(step), "wait for container %s to be removed", container);
        rc = container_post(c, id, "wait?condition=removed", step, v6n_client_request_timeout_ms(c),
                            &http);
    }
    if (!rc && !o->keep_volumes) {
        if (!auto_remove) {
            char warning[512];
            snprintf(warning, sizeof(warning),
                     "kept the node's volumes: its stopped container %s (started with --keep) "
                     "still uses them; 'v6node remove' removes both",
                     container);
            v6n_emit(cb->on_event, cb->payload, V6N_EVENT_WARNING, warning, container, "", 0, 0);
        } else {
            for (int i = 0; !rc && i < V6N_VOLUME_COUNT; i++)
                rc = remove_volume(c, volumes[i], cb->on_event, cb->payload);
        }
    }
    free(id);
    return rc;
}

int v6n_stop_node_container(v6n_client *client, const char *name, v6n_scope scope,
                            const v6n_stop_options *opts, const v6n_callbacks *fallback)
{
    v6n_stop_options defaults = V6N_STOP_OPTIONS_INIT;
    const v6n_stop_options *o = opts ? opts : &defaults;
    int rc = check_name(name, scope, "stop");
    if (!rc)
        rc = V6N_CHECK_VERSION(opts, V6N_STOP_OPTIONS_VERSION, "stop options");
    if (rc)
        return rc;
    const v6n_callbacks none = {0};
    const v6n_callbacks *cb = (o->callbacks.on_event || !fallback) ? &o->callbacks : fallback;
    if (!cb)
        cb = &none;
    char *container = v6n_name_container(name, scope);
    char *defaults_names[V6N_VOLUME_COUNT] = {NULL};
    const char *overrides[V6N_VOLUME_COUNT] = {o->data_volume, o->vpn_volume, o->ssh_volume,
                                               o->squid_volume};
    rc = container ? V6N_OK : v6n_err_nomem();
    for (int i = 0; !rc && i < V6N_VOLUME_COUNT; i++)
        if (!(defaults_names[i] = v6n_name_volume(container, (v6n_volume_kind)i)))
            rc = v6n_err_nomem();
    if (!rc)
        rc = stop_container(client, name, container, o, cb, overrides,
                            (const char *const *)defaults_names);
    for (int i = 0; i < V6N_VOLUME_COUNT; i++)
        free(defaults_names[i]);
    free(container);
    return rc;
}

/* ---- remove ------------------------------------------------------------------ */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int r = (flag == FTW_DP) ? rmdir(path) : unlink(path);
    return (r == 0 || errno == ENOENT) ? 0 : -1;
}

static int remove_tree(const char *path, v6n_event_cb cb, void *payload)
{
    if (!v6n_path_exists(path))
        return V6N_OK;
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return v6n_err(V6N_EIO, NULL, "cannot remove %s: %s", path, strerror(errno));
    v6n_emit(cb, payload, V6N_EVENT_PATH_REMOVED, "removed", path, "", 0, 0);
    return V6N_OK;
}

/* Remove `dir` only when it is this node's default vantage6 folder. */
static int remove_node_folder(const char *name, const char *dir, const char *default_dir,
                              v6n_event_cb cb, void *payload)
{
    if (default_dir && strcmp(dir, default_dir) == 0)
        return remove_tree(dir, cb, payload);
    if (v6n_path_exists(dir)) {
        char warning[2300];
        snprintf(warning, sizeof(warning),
                 "kept %s: it is not the default vantage6 folder of node %s and may hold "
                 "other data",
                 dir, name);
        v6n_emit(cb, payload, V6N_EVENT_WARNING, warning, dir, "", 0, 0);
    }
    return V6N_OK;
}

int v6n_remove_node(v6n_client *client, const v6n_removal *what, const v6n_callbacks *cb)
{
    v6n_event_cb on_event = cb ? cb->on_event : NULL;
    void *payload = cb ? cb->payload : NULL;
    yajl_val v;
    int rc = v6n_container_inspect(&v, client, what->container);
    if (rc == V6N_ENOTFOUND) {
        v6n_error_clear();
        rc = V6N_OK;
        v = NULL;
    }
    if (rc)
        return rc;
    if (v) {
        const char *running_path[] = {"State", "Running", NULL};
        bool running = YAJL_IS_TRUE(v6n_json_get(v, running_path));
        char *id = v6n_strdup(v6n_json_string(v, "Id") ? v6n_json_string(v, "Id") : "");
        yajl_tree_free(v);
        if (!id)
            return v6n_err_nomem();
        if (running)
            rc = v6n_err(V6N_ECONFLICT, NULL,
                         "node %s is still running: stop it before removing it", what->name);
        if (!rc)
            rc = v6n_container_remove(client, id);
        if (!rc) {
            char message[256];
            snprintf(message, sizeof(message), "removed the node's stopped container %s",
                     what->container);
            v6n_emit(on_event, payload, V6N_EVENT_REMOVED, message, id, "", 0, 0);
        }
        free(id);
        if (rc)
            return rc;
    }
    for (int i = 0; !rc && i < V6N_VOLUME_COUNT; i++)
        rc = remove_volume(client, what->volumes[i], on_event, payload);
    if (rc)
        return rc;
    if (what->config_path) {
        if (unlink(what->config_path) == 0)
            v6n_emit(on_event, payload, V6N_EVENT_PATH_REMOVED, "removed", what->config_path, "", 0,
                     0);
        else if (errno != ENOENT)
            return v6n_err(V6N_EIO, NULL, "cannot remove %s: %s", what->config_path,
                           strerror(errno));
    }
    if ((rc = v6n_record_remove(what->name, what->scope)))
        return rc;
    char *data = v6n_folder_data(what->scope, what->name);
    char *log = v6n_folder_log(what->scope, what->name);
    if (!data || !log)
        rc = v6n_error_last()->code;
    if (!rc)
        rc = remove_node_folder(what->name, what->log_dir, log, on_event, payload);
    if (!rc && strcmp(what->data_dir, what->log_dir) != 0)
        rc = remove_node_folder(what->name, what->data_dir, data, on_event, payload);
    free(data);
    free(log);
    return rc;
}

/* ---- clean ------------------------------------------------------------------- */

int v6n_volumes_clean(size_t *out_removed, v6n_client *client, const char *name, v6n_scope scope,
                      const v6n_callbacks *cb)
{
    v6n_event_cb on_event = cb ? cb->on_event : NULL;
    void *payload = cb ? cb->payload : NULL;
    if (out_removed)
        *out_removed = 0;
    if (!client)
        return v6n_err(V6N_EINVAL, NULL, "v6n_volumes_clean: client is required");
    if (name) {
        int rc = check_name(name, scope, "v6n_volumes_clean");
        if (rc)
            return rc;
    }
    char *prefix = v6n_name_tmp_volume_prefix(name, scope);
    if (!prefix)
        return v6n_error_last()->code;
    const char *values[] = {&V6N_TMP_VOLUME_SUFFIX[1]}; /* "tmpvol": the name filter */
    yajl_val v = NULL;
    int rc = v6n_engine_get_filtered(client, "/volumes", "name", values, 1,
                                     "list temporary volumes", &v);
    const char *vols_path[] = {"Volumes", NULL};
    yajl_val vols = rc ? NULL : v6n_json_get(v, vols_path);
    size_t removed = 0;
    for (size_t i = 0; !rc && vols && YAJL_IS_ARRAY(vols) && i < vols->u.array.len; i++) {
        const char *vol = v6n_json_string(vols->u.array.values[i], "Name");
        if (!vol || !v6n_name_is_tmp_volume(vol, prefix, name != NULL))
            continue;
        rc = v6n_volume_remove(client, vol);
        if (rc == V6N_OK) {
            removed++;
            v6n_emit(on_event, payload, V6N_EVENT_VOLUME_REMOVED, "removed", vol, "", 0, 0);
        } else if (rc == V6N_ECONFLICT || rc == V6N_ENOTFOUND) {
            char warning[2300];
            snprintf(warning, sizeof(warning), "kept %s: %s", vol, v6n_error_last()->message);
            v6n_error_clear();
            if (rc == V6N_ECONFLICT)
                v6n_emit(on_event, payload, V6N_EVENT_WARNING, warning, vol, "", 0, 0);
            rc = V6N_OK;
        }
    }
    yajl_tree_free(v);
    free(prefix);
    if (out_removed)
        *out_removed = removed;
    return rc;
}

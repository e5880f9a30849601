/* Starting a node on the engine (contract section 10): conflict check, folders,
 * image, volumes, stale container, create, start; and undoing what was made
 * when a later step fails. */
#define _GNU_SOURCE /* timegm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* A container in state "created" younger than this belongs to a start that is
 * still under way (another thread or process): not stale. */
#define CREATED_GRACE_S 60

int v6n_container_inspect(yajl_val *out, v6n_client *c, const char *name_or_id)
{
    *out = NULL;
    v6n_call call = {.method = "GET",
                     .verb = "inspect container",
                     .prefix = "/containers/",
                     .object = name_or_id,
                     .suffix = "/json",
                     .ok = {200}};
    v6n_http_response resp;
    int rc = v6n_engine_call(c, &call, &resp); /* 404 -> V6N_ENOTFOUND */
    if (!rc)
        rc = v6n_json_parse(out, resp.body.ptr, "inspect container");
    v6n_http_response_free(&resp);
    return rc;
}

int v6n_container_remove(v6n_client *c, const char *name_or_id)
{
    /* 404: already gone; 409 "removal already in progress": an auto-remove
     * container on its way out. Both mean the name is (about to be) free. */
    v6n_call call = {.method = "DELETE",
                     .verb = "remove container",
                     .prefix = "/containers/",
                     .object = name_or_id,
                     .suffix = "?force=1",
                     .ok = {204, 200, 404}};
    int rc = v6n_engine_call(c, &call, NULL);
    if (rc == V6N_ECONFLICT && strstr(v6n_error_last()->message, "in progress")) {
        v6n_error_clear();
        rc = V6N_OK;
    }
    return rc;
}

/* Seconds since an engine timestamp "2026-11-26T23:09:13.123Z", or -1. */
static long age_of(const char *stamp)
{
    struct tm tm = {0};
    if (!stamp || !strptime(stamp, "%Y-%m-%dT%H:%M:%S", &tm))
        return -1;
    time_t t = timegm(&tm);
    return (long)difftime(time(NULL), t);
}

typedef struct existing {
    char *id;     /* NULL when there is no container of that name */
    char *status; /* "running", "exited", "created", ... */
    long age;
} existing;

static void existing_free(existing *e)
{
    free(e->id);
    free(e->status);
}

static int find_existing(v6n_client *c, const char *name, existing *e)
{
    memset(e, 0, sizeof(*e));
    yajl_val v;
    int rc = v6n_container_inspect(&v, c, name);
    if (rc == V6N_ENOTFOUND) {
        v6n_error_clear();
        return V6N_OK;
    }
    if (rc)
        return rc;
    const char *state_path[] = {"State", "Status", NULL};
    yajl_val status = v6n_json_get(v, state_path);
    e->id = v6n_strdup(v6n_json_string(v, "Id"));
    e->status = v6n_strdup(status && YAJL_IS_STRING(status) ? YAJL_GET_STRING(status) : "");
    e->age = age_of(v6n_json_string(v, "Created"));
    yajl_tree_free(v);
    return (e->id && e->status) ? V6N_OK : v6n_err_nomem();
}

static int warn(const v6n_start_options *o, const v6n_node_spec *spec, const char *message)
{
    return v6n_emit(o->on_event, o->payload, V6N_EVENT_WARNING, message, "", spec->image, 0, 0)
               ? v6n_err(V6N_ECANCELLED, NULL, "start: stopped by the caller")
               : V6N_OK;
}

/* The server's version, asked once when the image rule or the release (auto)
 * needs it: the image becomes node:<major.minor> of the release's registry
 * (default rule), and with auto the spec is built again as the server's line.
 * As `v6 node start`, a server that cannot be asked is a warning, not an
 * error. */
static int apply_server_version(v6n_node_spec *spec, const v6n_start_options *o)
{
    bool for_image = spec->image_rule == V6N_IMAGE_DEFAULT;
    bool for_release = spec->release_auto;
    if ((!for_image && !for_release) || o->no_server_version || !v6n_str_empty(o->server_version)) {
        if (for_release)
            return warn(o, spec,
                        "vantage6_version auto: the server's version is not asked "
                        "(no_server_version); building the node as the default release");
        return V6N_OK;
    }
    char *version = NULL;
    int rc = v6n_server_version_get(&version, spec->server_version_url, o->server_timeout_ms,
                                    o->server_attempts);
    if (rc) {
        char warning[2400];
        snprintf(warning, sizeof(warning), "could not determine the server's version (%s): %s%s",
                 v6n_error_last()->message, for_image ? "using the default node image" : "",
                 for_release ? (for_image ? " and building the node as the default release"
                                          : "building the node as the default release")
                             : "");
        v6n_error_clear();
        return warn(o, spec, warning);
    }
    const v6n_release *release = spec->release;
    if (for_release && (rc = v6n_release_of_server(&release, version))) {
        char message[1200];
        snprintf(message, sizeof(message), "%s", v6n_error_last()->message);
        rc = v6n_err(V6N_EINVAL, "vantage6_version",
                     "vantage6_version auto: the node's server runs vantage6 %s, and %s", version,
                     message);
    }
    if (!rc)
        rc = v6n_spec_rebuild(spec, release, for_image ? version : NULL);
    if (!rc) {
        spec->release_auto = false;
        if (!v6n_release_same_line(spec->release, version)) {
            char warning[1024];
            snprintf(warning, sizeof(warning),
                     "version mismatch: the node is built as vantage6 %s, while its server runs "
                     "vantage6 %s; a node should match its server's minor version (use "
                     "vantage6_version auto, or the server's line)",
                     spec->release->line, version);
            rc = warn(o, spec, warning);
        }
    }
    free(version);
    return rc;
}

/* Contract section 5: get the image per the pull policy. */
static int obtain_image(v6n_client *c, const v6n_node_spec *spec, const v6n_start_options *o)
{
    const char *image = spec->image;
    int present = 0, rc;
    switch (o->pull) {
    case V6N_PULL_NEVER:
        if ((rc = v6n_image_exists(&present, c, image)))
            return rc;
        return present ? V6N_OK
                       : v6n_err(V6N_ENOTFOUND, NULL,
                                 "image %s is not present on the engine and the pull policy is "
                                 "'never'",
                                 image);
    case V6N_PULL_MISSING:
        if ((rc = v6n_image_exists(&present, c, image)) || present)
            return rc;
        return v6n_image_pull(c, image, o->on_event, o->payload);
    case V6N_PULL_ALWAYS:
        return v6n_image_pull(c, image, o->on_event, o->payload);
    case V6N_PULL_DEFAULT:
    default:
        break;
    }
    /* as `v6 node start`: try to pull; fall back to a local copy, except for
     * the default image */
    rc = v6n_image_pull(c, image, o->on_event, o->payload);
    if (rc == V6N_OK || rc == V6N_ECANCELLED)
        return rc;
    char *default_image = v6n_release_node_image(spec->release, NULL);
    bool is_default = default_image && strcmp(image, default_image) == 0;
    free(default_image);
    if (is_default) /* the release's default image must pull */
        return rc;
    v6n_err_snapshot pull_error;
    v6n_err_save(&pull_error);
    int lookup = v6n_image_exists(&present, c, image);
    if (lookup)
        return lookup;
    if (!present)
        return v6n_err(V6N_ENOTFOUND, NULL,
                       "image %s: the pull failed and there is no local copy "
                       "(%s)",
                       image, pull_error.message);
    char warning[2300];
    snprintf(warning, sizeof(warning), "the pull failed, using the local copy of %s: %s", image,
             pull_error.message);
    v6n_error_clear();
    if (v6n_emit(o->on_event, o->payload, V6N_EVENT_WARNING, warning, "", image, 0, 0))
        return v6n_err(V6N_ECANCELLED, NULL, "start: stopped by the caller");
    return V6N_OK;
}

static int create_container(char **out_id, v6n_client *c, const v6n_node_spec *spec,
                            const v6n_start_options *o)
{
    char *body = NULL;
    int rc = v6n_node_spec_create_json(&body, spec);
    if (rc)
        return rc;
    char *ename = v6n_escape(spec->container_name);
    char *path = ename ? v6n_asprintf("/containers/create?name=%s", ename) : NULL;
    char *step = v6n_asprintf("create container %s", spec->container_name);
    free(ename);
    if (!path || !step) {
        rc = v6n_err_nomem();
        goto cleanup;
    }
    v6n_request req = {.method = "POST", .path = path, .body = body, .step = step};
    v6n_http_response resp;
    rc = v6n_engine_do(c, &req, &resp);
    if (!rc && resp.status == 409)
        rc = v6n_err_http(V6N_ECONFLICT, 409,
                          "%s: a container of that name appeared meanwhile (another start of "
                          "node %s?)",
                          step, spec->node_name);
    else if (!rc && resp.status != 201)
        rc = v6n_engine_error(&req, &resp);
    yajl_val v = NULL;
    if (!rc)
        rc = v6n_json_parse(&v, resp.body.ptr, step);
    v6n_http_response_free(&resp);
    if (!rc) {
        const char *id = v6n_json_string(v, "Id");
        *out_id = id ? v6n_strdup(id) : NULL;
        if (!*out_id)
            rc = id ? v6n_err_nomem()
                    : v6n_err(V6N_EENGINE, NULL, "%s: the answer has no container Id", step);
        const char *warnings_path[] = {"Warnings", NULL};
        yajl_val warnings = v6n_json_get(v, warnings_path);
        for (size_t i = 0; !rc && warnings && YAJL_IS_ARRAY(warnings) && i < warnings->u.array.len;
             i++)
            if (YAJL_IS_STRING(warnings->u.array.values[i]))
                v6n_emit(o->on_event, o->payload, V6N_EVENT_WARNING,
                         YAJL_GET_STRING(warnings->u.array.values[i]), *out_id, spec->image, 0, 0);
    }
    yajl_tree_free(v);
cleanup:
    free(body);
    free(path);
    free(step);
    return rc;
}

static int start_container(v6n_client *c, const char *id)
{
    v6n_call call = {.method = "POST",
                     .verb = "start container",
                     .prefix = "/containers/",
                     .object = id,
                     .suffix = "/start",
                     .ok = {204, 304}};
    return v6n_engine_call(c, &call, NULL);
}

/* After a create whose answer was lost: the engine may have made the
 * container. Remove a container of the node's exact name made since `since`
 * (one made before belongs to someone else). */
static void remove_lost_container(v6n_client *c, const v6n_node_spec *spec, time_t since)
{
    existing e;
    if (find_existing(c, spec->container_name, &e) == V6N_OK && e.id && e.age >= 0 &&
        e.age <= (long)difftime(time(NULL), since) + 1)
        v6n_container_remove(c, e.id);
    existing_free(&e);
}

static int undo(v6n_client *c, const v6n_node_spec *spec, const char *id,
                const bool created[V6N_VOLUME_COUNT], bool create_lost, time_t since)
{
    v6n_err_snapshot cause;
    v6n_err_save(&cause);
    if (id)
        v6n_container_remove(c, id);
    else if (create_lost)
        remove_lost_container(c, spec, since);
    for (int i = 0; i < V6N_VOLUME_COUNT; i++)
        if (created[i])
            v6n_volume_remove(c, spec->volumes[i]);
    return v6n_err_restore(&cause);
}

static int prepare_folders(const v6n_node_spec *spec)
{
    int rc = v6n_path_mkdirs(spec->data_dir);
    return rc ? rc : v6n_path_mkdirs(spec->log_dir);
}

int v6n_node_start(char **out_id, v6n_client *client, v6n_node_spec *spec,
                   const v6n_start_options *opts)
{
    if (!out_id || !client || !spec)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_start: out_id, client and spec are required");
    *out_id = NULL;
    v6n_start_options normalized;
    v6n_options_normalize(&normalized, opts);
    const v6n_start_options *o = &normalized;
    if (o->pull < V6N_PULL_DEFAULT || o->pull > V6N_PULL_NEVER)
        return v6n_err(V6N_EINVAL, "pull", "unknown pull policy %d", (int)o->pull);

    existing old;
    bool created[V6N_VOLUME_COUNT] = {false, false, false, false};
    time_t began = time(NULL);
    char *id = NULL;
    int rc = v6n_engine_negotiate(client);
    if (!rc)
        rc = find_existing(client, spec->container_name, &old);
    else
        memset(&old, 0, sizeof(old));
    if (!rc && old.id && strcmp(old.status, "running") != 0 && strcmp(old.status, "exited") != 0 &&
        strcmp(old.status, "dead") != 0 &&
        !(strcmp(old.status, "created") == 0 && old.age > CREATED_GRACE_S))
        rc = v6n_err(V6N_ECONFLICT, NULL,
                     "node %s cannot be started: its container %s is %s (another start under "
                     "way?)",
                     spec->node_name, spec->container_name, old.status);
    if (!rc && old.id && strcmp(old.status, "running") == 0)
        rc = v6n_err(V6N_ECONFLICT, NULL, "node %s is already running (container %s)",
                     spec->node_name, spec->container_name);
    if (!rc && !o->no_local_checks)
        rc = prepare_folders(spec);
    if (!rc)
        rc = apply_server_version(spec, o);
    if (!rc && v6n_emit(o->on_event, o->payload, V6N_EVENT_IMAGE,
                        v6n_image_rule_describe(spec->image_rule), "", spec->image, 0, 0))
        rc = v6n_err(V6N_ECANCELLED, NULL, "start: stopped by the caller");
    if (!rc)
        rc = obtain_image(client, spec, o);
    if (!rc)
        rc = v6n_volumes_ensure_tracked(client, spec, created, o->on_event, o->payload);
    if (!rc && old.id) {
        rc = v6n_container_remove(client, old.id);
        if (!rc) {
            char message[256];
            snprintf(message, sizeof(message), "removed the node's stopped container %s",
                     spec->container_name);
            v6n_emit(o->on_event, o->payload, V6N_EVENT_REMOVED, message, old.id, spec->image, 0,
                     0);
        }
    }
    bool create_lost = false;
    if (!rc) {
        rc = create_container(&id, client, spec, o);
        create_lost = rc && v6n_error_last()->http_status == 0;
    }
    if (!rc &&
        v6n_emit(o->on_event, o->payload, V6N_EVENT_CREATED, "created", id, spec->image, 0, 0))
        rc = v6n_err(V6N_ECANCELLED, NULL, "start: stopped by the caller");
    if (!rc)
        rc = start_container(client, id);
    if (!rc)
        v6n_emit(o->on_event, o->payload, V6N_EVENT_STARTED, "started", id, spec->image, 0, 0);
    if (!rc && !o->no_local_checks && v6n_record_write(spec, id) != V6N_OK) {
        /* the node runs; only the record of how it was started is missing */
        char warning[2300];
        snprintf(warning, sizeof(warning),
                 "the node runs, but how it was started could not be recorded: %s",
                 v6n_error_last()->message);
        v6n_error_clear();
        v6n_emit(o->on_event, o->payload, V6N_EVENT_WARNING, warning, id, spec->image, 0, 0);
    }

    if (rc) {
        undo(client, spec, id, created, create_lost, began);
        free(id);
        id = NULL;
    }
    existing_free(&old);
    *out_id = id;
    return rc;
}

/* The node's four Docker volumes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "internal.h"

/* Which of `names` exist: one request (the engine's name filter matches
 * substrings, so the answer is checked for exact names). */
int v6n_volumes_existing(v6n_client *c, const char *const *names, size_t n, bool *exists)
{
    yajl_val v = NULL;
    int rc =
        v6n_engine_get_filtered(c, "/volumes", "name", names, n, "list the node's volumes", &v);
    if (rc)
        return rc;
    const char *vols_path[] = {"Volumes", NULL};
    yajl_val vols = v6n_json_get(v, vols_path);
    for (size_t i = 0; i < n; i++)
        exists[i] = false;
    for (size_t k = 0; vols && YAJL_IS_ARRAY(vols) && k < vols->u.array.len; k++) {
        const char *name = v6n_json_string(vols->u.array.values[k], "Name");
        for (size_t i = 0; name && i < n; i++)
            if (strcmp(name, names[i]) == 0)
                exists[i] = true;
    }
    yajl_tree_free(v);
    return V6N_OK;
}

static int volume_create(v6n_client *c, const char *name)
{
    const char *names[] = {name};
    char *body = v6n_json_object("Name", names, 1, false);
    if (!body)
        return v6n_err_nomem();
    /* the name goes in the body; the path has none */
    char step[300];
    snprintf(step, sizeof(step), "create volume %s", name);
    v6n_call call = {.method = "POST",
                     .step = step,
                     .prefix = "/volumes/create",
                     .body = body,
                     .ok = {201, 200}};
    int rc = v6n_engine_call(c, &call, NULL);
    free(body);
    return rc;
}

int v6n_volume_remove(v6n_client *c, const char *name)
{
    v6n_call call = {.method = "DELETE",
                     .verb = "remove volume",
                     .prefix = "/volumes/",
                     .object = name,
                     .ok = {204, 200}};
    return v6n_engine_call(c, &call, NULL);
}

int v6n_volumes_ensure_tracked(v6n_client *c, const v6n_node_spec *spec,
                               bool created[V6N_VOLUME_COUNT], v6n_event_cb cb, void *payload)
{
    bool exists[V6N_VOLUME_COUNT];
    const char *const *names = (const char *const *)spec->volumes;
    for (int i = 0; i < V6N_VOLUME_COUNT; i++)
        created[i] = false;
    int rc = v6n_volumes_existing(c, names, V6N_VOLUME_COUNT, exists);
    for (int i = 0; !rc && i < V6N_VOLUME_COUNT; i++) {
        if (!exists[i]) {
            rc = volume_create(c, names[i]);
            /* an answer that never arrived (no HTTP status) may hide a volume
             * the engine did make: count it as ours, so an undo removes it */
            created[i] = rc == V6N_OK || v6n_error_last()->http_status == 0;
        }
        if (!rc && v6n_emit(cb, payload, V6N_EVENT_VOLUME, created[i] ? "created" : "exists",
                            names[i], spec->image, created[i], 0))
            rc = v6n_err(V6N_ECANCELLED, NULL, "volumes: stopped by the caller");
    }
    return rc;
}

int v6n_volumes_ensure(v6n_client *client, const v6n_node_spec *spec)
{
    if (!client || !spec)
        return v6n_err(V6N_EINVAL, NULL, "v6n_volumes_ensure: client and spec are required");
    bool created[V6N_VOLUME_COUNT];
    return v6n_volumes_ensure_tracked(client, spec, created, NULL, NULL);
}

/* The start record: how a node was started (release line, image and the rule
 * that chose it, when), kept beside the node in its data folder so that status,
 * drift and restart judge the node against the way it was started. It lives
 * outside the create body, so the container stays exactly as vantage6 builds
 * it. Written atomically (a temporary file renamed over the old record). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define RECORD_FILE   ".libv6node-start.json"
#define RECORD_FORMAT 1

static const char *rule_name(v6n_image_rule rule)
{
    switch (rule) {
    case V6N_IMAGE_FROM_OPTION:
        return "option";
    case V6N_IMAGE_FROM_CONFIG:
        return "config";
    case V6N_IMAGE_FROM_SERVER:
        return "server";
    case V6N_IMAGE_DEFAULT:
        return "default";
    }
    return "default";
}

static char *record_path(const char *data_dir)
{
    return v6n_asprintf("%s/" RECORD_FILE, data_dir);
}

int v6n_record_write(const v6n_node_spec *spec, const char *container_id)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));

    v6n_jgen j;
    int rc = v6n_jgen_open(&j);
    if (rc)
        return rc;
    v6n_jgen_map(&j, true);
    v6n_jgen_kint(&j, "format", RECORD_FORMAT);
    v6n_jgen_kv(&j, "node", spec->node_name);
    v6n_jgen_kv(&j, "scope", v6n_scope_name(spec->scope));
    v6n_jgen_kv(&j, "container", spec->container_name);
    v6n_jgen_kv(&j, "id", container_id);
    v6n_jgen_kv(&j, "vantage6_version", spec->release->line);
    v6n_jgen_kv(&j, "image", spec->image);
    v6n_jgen_kv(&j, "image_rule", rule_name(spec->image_rule));
    v6n_jgen_kv(&j, "started_at", stamp);
    v6n_jgen_kv(&j, "libv6node", V6N_VERSION);
    v6n_jgen_map(&j, false);
    char *json = NULL;
    if ((rc = v6n_jgen_close(&j, &json, "the start record")))
        return rc;

    char *path = record_path(spec->data_dir);
    char *tmp = path ? v6n_asprintf("%s.%ld.tmp", path, (long)getpid()) : NULL;
    if (!path || !tmp) {
        rc = v6n_err_nomem();
        goto cleanup;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        rc = v6n_err(V6N_EIO, NULL, "start record %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    bool written = fputs(json, f) >= 0 && fputc('\n', f) != EOF;
    if (fclose(f) != 0 || !written) {
        rc = v6n_err(V6N_EIO, NULL, "start record %s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto cleanup;
    }
    if (rename(tmp, path) != 0) {
        rc = v6n_err(V6N_EIO, NULL, "start record %s: %s", path, strerror(errno));
        unlink(tmp);
    }
cleanup:
    free(json);
    free(path);
    free(tmp);
    return rc;
}

void v6n_record_clear(v6n_start_record *r)
{
    free(r->id);
    free(r->image);
    memset(r, 0, sizeof(*r));
}

int v6n_record_read(v6n_start_record *out, const char *data_dir)
{
    memset(out, 0, sizeof(*out));
    char *path = record_path(data_dir);
    if (!path)
        return v6n_err_nomem();
    char *text = NULL;
    size_t len = 0;
    int rc = v6n_read_file(&text, &len, path);
    free(path);
    if (rc)
        return rc;
    yajl_val v = yajl_tree_parse(text, NULL, 0);
    free(text);
    const char *line = v6n_json_string(v, "vantage6_version");
    const char *id = v6n_json_string(v, "id");
    const char *image = v6n_json_string(v, "image");
    const v6n_release *release = NULL;
    if (!v || !line || !id || !image || v6n_release_find(&release, line) != V6N_OK) {
        yajl_tree_free(v);
        return v6n_err(V6N_EIO, NULL, "the start record in %s cannot be read", data_dir);
    }
    out->release = release;
    out->id = v6n_strdup(id);
    out->image = v6n_strdup(image);
    yajl_tree_free(v);
    if (!out->id || !out->image) {
        v6n_record_clear(out);
        return v6n_err_nomem();
    }
    return V6N_OK;
}

/* Does the container's config bind look like what line `r` mounts? */
static bool config_bind_matches(const v6n_release *r, yajl_val binds)
{
    const char *ro = r->config_read_only ? ":ro" : "";
    for (size_t i = 0; YAJL_IS_ARRAY(binds) && i < binds->u.array.len; i++) {
        yajl_val b = binds->u.array.values[i];
        if (!YAJL_IS_STRING(b))
            continue;
        const char *target = strstr(b->u.string, ":/mnt/config");
        if (!target)
            continue;
        target += 1;
        const char *end = target + strlen("/mnt/config");
        if (r->config_mount == V6N_CONFIG_MOUNT_FOLDER) {
            if (strcmp(end, ro) == 0)
                return true;
        } else if (end[0] == '/') {
            const char *colon = strchr(end, ':');
            size_t name_len = colon ? (size_t)(colon - end) : strlen(end);
            if (name_len > 6 && strncmp(end + name_len - 5, ".yaml", 5) == 0 &&
                strcmp(end + name_len, ro) == 0)
                return true;
        }
    }
    return false;
}

const v6n_release *v6n_started_release(const v6n_node_spec *spec, yajl_val container)
{
    const char *id = v6n_json_string(container, "Id");
    v6n_start_record rec;
    if (!spec->opts.no_local_checks && id && v6n_record_read(&rec, spec->data_dir) == V6N_OK) {
        const v6n_release *r = strcmp(rec.id, id) == 0 ? rec.release : NULL;
        v6n_record_clear(&rec);
        if (r)
            return r;
    }
    v6n_error_clear();
    /* No record of this container (started by another tool, or on another
     * host): the line whose config mount the container has, the spec's own
     * line first. */
    const char *binds_path[] = {"HostConfig", "Binds", NULL};
    yajl_val binds = v6n_json_get(container, binds_path);
    if (config_bind_matches(spec->release, binds))
        return spec->release;
    const v6n_release *r;
    for (size_t i = 0; (r = v6n_release_at(i)); i++)
        if (config_bind_matches(r, binds))
            return r;
    return NULL;
}

/* The start record: how a node was started (its options, the release line, the
 * image and the rule that chose it, when), kept in the node's default data
 * folder so that status, drift and restart judge the node against the way it
 * was started. It lives outside the create body, so the container stays
 * exactly as vantage6 builds it. Written atomically (a temporary file renamed
 * over the old record). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define RECORD_FILE   ".libv6node-start.json"
#define RECORD_FORMAT 2

char *v6n_record_path(const char *name, v6n_scope scope)
{
    char *dir = v6n_folder_data(scope, name);
    char *path = dir ? v6n_path_join(dir, RECORD_FILE) : NULL;
    if (dir && !path)
        v6n_err_nomem();
    free(dir);
    return path;
}

static char *render(const v6n_node_spec *spec, const char *container_id,
                    const v6n_start_options *opts)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    v6n_jgen j;
    if (v6n_jgen_open(&j))
        return NULL;
    v6n_jgen_map(&j, true);
    v6n_jgen_kint(&j, "format", RECORD_FORMAT);
    v6n_jgen_kv(&j, "node", spec->node_name);
    v6n_jgen_kv(&j, "scope", v6n_scope_name(spec->scope));
    v6n_jgen_kv(&j, "container", spec->container_name);
    v6n_jgen_kv(&j, "id", container_id);
    v6n_jgen_kv(&j, "vantage6_version", spec->release->line);
    v6n_jgen_kv(&j, "image", spec->image);
    v6n_jgen_kv(&j, "image_rule", v6n_image_rule_name(spec->image_rule));
    v6n_jgen_kv(&j, "started_at", stamp);
    v6n_jgen_kv(&j, "libv6node", V6N_VERSION);
    v6n_jgen_str(&j, "options");
    v6n_options_to_json(&j, opts);
    v6n_jgen_map(&j, false);
    char *json = NULL;
    return v6n_jgen_close(&j, &json, "the start record") ? NULL : json;
}

int v6n_record_write(const v6n_node_spec *spec, const char *container_id,
                     const v6n_start_options *opts)
{
    /* what a restart must repeat: the release line the start settled on (auto
     * asks once) and the server's version that chose the image's tag */
    v6n_start_options used = *opts;
    used.vantage6_version = spec->release->line;
    used.server_version = spec->opts.server_version;
    used.scope = spec->scope;
    char *json = render(spec, container_id, &used);
    char *path = v6n_record_path(spec->node_name, spec->scope);
    char *dir = path ? v6n_path_dirname(path) : NULL;
    char *tmp = path ? v6n_asprintf("%s.%ld.tmp", path, (long)getpid()) : NULL;
    int rc = V6N_OK;
    if (!json || !path || !dir || !tmp) {
        rc = v6n_error_last()->code ? v6n_error_last()->code : v6n_err_nomem();
        goto cleanup;
    }
    if ((rc = v6n_path_mkdirs(dir)))
        goto cleanup;
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
    free(dir);
    free(tmp);
    return rc;
}

void v6n_record_clear(v6n_start_record *r)
{
    free(r->id);
    free(r->image);
    free(r->image_rule);
    free(r->started_at);
    v6n_start_options_dispose(&r->opts);
    memset(r, 0, sizeof(*r));
}

int v6n_record_parse(v6n_start_record *out, const char *text, const char *where)
{
    memset(out, 0, sizeof(*out));
    v6n_start_options_init(&out->opts, V6N_START_OPTIONS_VERSION);
    yajl_val v = yajl_tree_parse(text, NULL, 0);
    const char *line = v6n_json_string(v, "vantage6_version");
    const char *id = v6n_json_string(v, "id");
    const char *image = v6n_json_string(v, "image");
    const char *rule = v6n_json_string(v, "image_rule");
    const char *started = v6n_json_string(v, "started_at");
    const char *opts_path[] = {"options", NULL};
    yajl_val options = v6n_json_get(v, opts_path);
    int rc = V6N_OK;
    if (!v || !line || !id || !image || v6n_release_find(&out->release, line) != V6N_OK ||
        (options && v6n_options_from_json(&out->opts, options) != V6N_OK))
        rc = v6n_err(V6N_EIO, NULL, "the start record %s cannot be read", where);
    if (!rc) {
        out->id = v6n_strdup(id);
        out->image = v6n_strdup(image);
        out->image_rule = v6n_strdup(rule ? rule : "");
        out->started_at = v6n_strdup(started ? started : "");
        if (!out->id || !out->image || !out->image_rule || !out->started_at)
            rc = v6n_err_nomem();
    }
    yajl_tree_free(v);
    if (rc)
        v6n_record_clear(out);
    return rc;
}

int v6n_record_read(v6n_start_record *out, const char *name, v6n_scope scope)
{
    memset(out, 0, sizeof(*out));
    char *path = v6n_record_path(name, scope);
    if (!path)
        return v6n_error_last()->code;
    char *text = NULL;
    size_t len = 0;
    int rc = v6n_read_file(&text, &len, path);
    if (!rc)
        rc = v6n_record_parse(out, text, path);
    free(text);
    free(path);
    return rc;
}

int v6n_record_remove(const char *name, v6n_scope scope)
{
    char *path = v6n_record_path(name, scope);
    if (!path)
        return v6n_error_last()->code;
    int rc = (unlink(path) == 0 || errno == ENOENT)
                 ? V6N_OK
                 : v6n_err(V6N_EIO, NULL, "cannot remove %s: %s", path, strerror(errno));
    free(path);
    return rc;
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

const v6n_release *v6n_release_of_container(yajl_val container, const v6n_release *prefer)
{
    const char *binds_path[] = {"HostConfig", "Binds", NULL};
    yajl_val binds = v6n_json_get(container, binds_path);
    if (prefer && config_bind_matches(prefer, binds))
        return prefer;
    const v6n_release *r;
    for (size_t i = 0; (r = v6n_release_at(i)); i++)
        if (config_bind_matches(r, binds))
            return r;
    return NULL;
}

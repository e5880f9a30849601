/* Rendering a spec as JSON with yajl: the Docker "create container" body, key
 * for key and in the order docker-py 7.1 sends it, and the dry-run object that
 * `v6node spec` prints. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "internal.h"

/* ntpath.splitdrive of Python 3.11: the length of the drive part. */
static size_t split_drive(const char *p)
{
    size_t len = strlen(p);
    if (len < 2)
        return 0;
    bool sep0 = p[0] == '/' || p[0] == '\\', sep1 = p[1] == '/' || p[1] == '\\';
    if (sep0 && sep1) {
        /* UNC: \\server\share; device path \\?\UNC\server\share */
        size_t start = 2;
        if (len >= 8) {
            char head[9];
            for (int i = 0; i < 8; i++) {
                char c = p[i] == '/' ? '\\' : p[i];
                head[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
            }
            head[8] = '\0';
            if (strcmp(head, "\\\\?\\UNC\\") == 0)
                start = 8;
        }
        size_t index = start;
        while (index < len && p[index] != '/' && p[index] != '\\')
            index++;
        if (index >= len)
            return len;
        size_t index2 = index + 1;
        while (index2 < len && p[index2] != '/' && p[index2] != '\\')
            index2++;
        return index2 >= len ? len : index2;
    }
    return p[1] == ':' ? 2 : 0;
}

char *v6n_bind_target(const char *bind)
{
    size_t drive = split_drive(bind);
    const char *rest = bind + drive;
    const char *colon = strchr(rest, ':');
    if (!colon || strcmp(colon + 1, "ro") == 0 || strcmp(colon + 1, "rw") == 0) {
        /* no target: the whole string (drive + first part) is the container path */
        size_t n = colon ? (size_t)(colon - bind) : strlen(bind);
        return v6n_strndup(bind, n);
    }
    const char *target = colon + 1;
    size_t n = strlen(target);
    if (n >= 3 && (strcmp(target + n - 3, ":ro") == 0 || strcmp(target + n - 3, ":rw") == 0))
        n -= 3;
    return v6n_strndup(target, n);
}

typedef v6n_jgen gen;

#define str(j, s)         v6n_jgen_str((j), (s))
#define key_str(j, k, v)  v6n_jgen_kv((j), (k), (v))
#define key_bool(j, k, v) v6n_jgen_kbool((j), (k), (v))

static void str_array(gen *j, const v6n_strlist *l)
{
    v6n_jgen_array(j, true);
    for (size_t i = 0; i < l->len; i++)
        str(j, l->items[i]);
    v6n_jgen_array(j, false);
}

static int gen_volumes(gen *j, const v6n_node_spec *s)
{
    /* docker-py builds this as a dict: each container path once, first position */
    v6n_strlist seen = V6N_STRLIST_INIT;
    v6n_jgen_map(j, true);
    for (size_t i = 0; i < s->binds.len; i++) {
        char *target = v6n_bind_target(s->binds.items[i]);
        if (!target) {
            v6n_strlist_free(&seen);
            return v6n_err_nomem();
        }
        if (v6n_strlist_contains(&seen, target)) {
            free(target);
            continue;
        }
        str(j, target);
        v6n_jgen_map(j, true);
        v6n_jgen_map(j, false);
        int rc = v6n_strlist_push_owned(&seen, target);
        if (rc) {
            v6n_strlist_free(&seen);
            return rc;
        }
    }
    v6n_jgen_map(j, false);
    v6n_strlist_free(&seen);
    return V6N_OK;
}

static int gen_create_body(gen *j, const v6n_node_spec *s)
{
    v6n_jgen_map(j, true);
    key_bool(j, "Tty", true);
    key_bool(j, "OpenStdin", false);
    key_bool(j, "StdinOnce", false);
    key_bool(j, "AttachStdin", false);
    key_bool(j, "AttachStdout", false);
    key_bool(j, "AttachStderr", false);
    str(j, "Env");
    str_array(j, &s->env);
    str(j, "Cmd");
    str_array(j, &s->argv);
    key_str(j, "Image", s->image);
    str(j, "Volumes");
    int rc = gen_volumes(j, s);
    if (rc)
        return rc;
    key_bool(j, "NetworkDisabled", false);
    str(j, "HostConfig");
    v6n_jgen_map(j, true);
    key_str(j, "NetworkMode", "default");
    str(j, "Binds");
    str_array(j, &s->binds);
    str(j, "ExtraHosts");
    str_array(j, &s->extra_hosts);
    if (s->auto_remove)
        key_bool(j, "AutoRemove", true); /* docker-py sends it only when true */
    v6n_jgen_map(j, false);
    str(j, "Labels");
    v6n_jgen_map(j, true);
    for (size_t i = 0; i < s->label_keys.len; i++)
        key_str(j, s->label_keys.items[i], s->label_values.items[i]);
    v6n_jgen_map(j, false);
    v6n_jgen_map(j, false);
    return V6N_OK;
}

static int render(char **out, const v6n_node_spec *spec, bool dry_run)
{
    if (!out || !spec)
        return v6n_err(V6N_EINVAL, NULL, "rendering a spec needs out and spec");
    *out = NULL;
    gen j;
    int rc = v6n_jgen_open(&j);
    if (rc)
        return rc;
    if (dry_run) {
        v6n_jgen_map(&j, true);
        key_str(&j, "name", spec->container_name);
        key_str(&j, "image", spec->image);
        str(&j, "volumes");
        v6n_jgen_array(&j, true);
        for (int i = 0; i < V6N_VOLUME_COUNT; i++)
            str(&j, spec->volumes[i]);
        v6n_jgen_array(&j, false);
        str(&j, "create");
    }
    rc = gen_create_body(&j, spec);
    if (dry_run)
        v6n_jgen_map(&j, false);
    char what[256];
    snprintf(what, sizeof(what),
             "the spec of node %s (a path or value from the config or "
             "options)",
             spec->node_name);
    int closed = v6n_jgen_close(&j, out, what);
    if (rc) {
        free(*out);
        *out = NULL;
        return rc;
    }
    return closed;
}

int v6n_node_spec_create_json(char **out, const v6n_node_spec *spec)
{
    return render(out, spec, false);
}

int v6n_node_spec_json(char **out, const v6n_node_spec *spec)
{
    return render(out, spec, true);
}

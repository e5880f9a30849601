/* Rendering a spec as JSON with yajl: the Docker "create container" body, key
 * for key and in the order docker-py 7.1 sends it, and the dry-run object that
 * `v6node spec` prints. */
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

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

typedef struct gen {
    yajl_gen g;
    int status; /* first yajl_gen_status that was not ok */
} gen;

static void check(gen *j, yajl_gen_status st)
{
    if (st != yajl_gen_status_ok && j->status == yajl_gen_status_ok)
        j->status = (int)st;
}

static void str(gen *j, const char *s)
{
    check(j, yajl_gen_string(j->g, (const unsigned char *)s, strlen(s)));
}

static void key_bool(gen *j, const char *k, bool v)
{
    str(j, k);
    check(j, yajl_gen_bool(j->g, v));
}

static void key_str(gen *j, const char *k, const char *v)
{
    str(j, k);
    str(j, v);
}

static void str_array(gen *j, const v6n_strlist *l)
{
    check(j, yajl_gen_array_open(j->g));
    for (size_t i = 0; i < l->len; i++)
        str(j, l->items[i]);
    check(j, yajl_gen_array_close(j->g));
}

static int gen_volumes(gen *j, const v6n_node_spec *s)
{
    /* docker-py builds this as a dict: each container path once, first position */
    v6n_strlist seen = V6N_STRLIST_INIT;
    check(j, yajl_gen_map_open(j->g));
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
        check(j, yajl_gen_map_open(j->g));
        check(j, yajl_gen_map_close(j->g));
        int rc = v6n_strlist_push_owned(&seen, target);
        if (rc) {
            v6n_strlist_free(&seen);
            return rc;
        }
    }
    check(j, yajl_gen_map_close(j->g));
    v6n_strlist_free(&seen);
    return V6N_OK;
}

static int gen_create_body(gen *j, const v6n_node_spec *s)
{
    check(j, yajl_gen_map_open(j->g));
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
    check(j, yajl_gen_map_open(j->g));
    key_str(j, "NetworkMode", "default");
    str(j, "Binds");
    str_array(j, &s->binds);
    str(j, "ExtraHosts");
    str_array(j, &s->extra_hosts);
    if (s->auto_remove)
        key_bool(j, "AutoRemove", true); /* docker-py sends it only when true */
    check(j, yajl_gen_map_close(j->g));
    str(j, "Labels");
    check(j, yajl_gen_map_open(j->g));
    for (size_t i = 0; i < s->label_keys.len; i++)
        key_str(j, s->label_keys.items[i], s->label_values.items[i]);
    check(j, yajl_gen_map_close(j->g));
    check(j, yajl_gen_map_close(j->g));
    return V6N_OK;
}

static int render(char **out, const v6n_node_spec *spec, bool dry_run)
{
    if (!out || !spec)
        return v6n_err(V6N_EINVAL, NULL, "rendering a spec needs out and spec");
    *out = NULL;
    gen j = {yajl_gen_alloc(NULL), yajl_gen_status_ok};
    if (!j.g)
        return v6n_err_nomem();
    yajl_gen_config(j.g, yajl_gen_validate_utf8, 1);
    int rc = V6N_OK;
    if (dry_run) {
        check(&j, yajl_gen_map_open(j.g));
        key_str(&j, "name", spec->container_name);
        key_str(&j, "image", spec->image);
        str(&j, "volumes");
        check(&j, yajl_gen_array_open(j.g));
        for (int i = 0; i < V6N_VOLUME_COUNT; i++)
            str(&j, spec->volumes[i]);
        check(&j, yajl_gen_array_close(j.g));
        str(&j, "create");
    }
    rc = gen_create_body(&j, spec);
    if (!rc && dry_run)
        check(&j, yajl_gen_map_close(j.g));
    if (!rc && j.status == yajl_gen_invalid_string)
        rc = v6n_err(V6N_ECONFIG, NULL,
                     "the spec of node %s holds a string that is not valid UTF-8 (a path or "
                     "value from the config or options)",
                     spec->node_name);
    else if (!rc && j.status != yajl_gen_status_ok)
        rc = v6n_err(V6N_ERROR, NULL, "JSON generation failed (yajl status %d)", j.status);
    if (!rc) {
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(j.g, &buf, &len);
        *out = v6n_strndup((const char *)buf, len);
        if (!*out)
            rc = v6n_err_nomem();
    }
    yajl_gen_free(j.g);
    return rc;
}

int v6n_node_spec_create_json(char **out, const v6n_node_spec *spec)
{
    return render(out, spec, false);
}

int v6n_node_spec_json(char **out, const v6n_node_spec *spec)
{
    return render(out, spec, true);
}

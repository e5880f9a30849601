/* The status of one node, and its drift: how the container differs from the
 * spec its config gives now. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct v6n_node_status {
    char *name, *container, *config;
    v6n_scope scope;
    v6n_node_state state;
    char *text, *id, *image, *created_at, *started_at, *finished_at;
    int exit_code;
    const char *vantage6_version; /* the line the node was built as (static) */
    v6n_strlist label_keys, label_values, ports, drift, volumes;
    char *drift_error;
};

const char *v6n_node_state_name(v6n_node_state state)
{
    switch (state) {
    case V6N_NODE_ABSENT:
        return "absent";
    case V6N_NODE_RUNNING:
        return "running";
    case V6N_NODE_STOPPED:
        return "stopped";
    case V6N_NODE_OTHER:
        return "other";
    }
    return "?";
}

v6n_node_state v6n_node_state_from_engine(const char *status)
{
    if (!status)
        return V6N_NODE_OTHER;
    /* the engine counts a paused or restarting container as running: so do
     * stop and stop --all */
    if (strcmp(status, "running") == 0 || strcmp(status, "paused") == 0 ||
        strcmp(status, "restarting") == 0)
        return V6N_NODE_RUNNING;
    if (strcmp(status, "exited") == 0 || strcmp(status, "created") == 0 ||
        strcmp(status, "dead") == 0)
        return V6N_NODE_STOPPED;
    return V6N_NODE_OTHER;
}

/* A copy of an engine time, NULL for none or the engine's zero time. */
static char *dup_time(const char *s)
{
    return (!s || !*s || strncmp(s, "0001-01-01", 10) == 0) ? NULL : v6n_strdup(s);
}

static const char *str_at(yajl_val v, const char *a, const char *b)
{
    const char *path[] = {a, b, NULL};
    yajl_val s = v6n_json_get(v, path);
    return s && YAJL_IS_STRING(s) ? YAJL_GET_STRING(s) : NULL;
}

static yajl_val at(yajl_val v, const char *a, const char *b)
{
    const char *path[] = {a, b, NULL};
    return v6n_json_get(v, path);
}

/* ---- drift -------------------------------------------------------------------- */

static bool array_has(yajl_val arr, const char *s)
{
    for (size_t i = 0; arr && YAJL_IS_ARRAY(arr) && i < arr->u.array.len; i++) {
        yajl_val e = arr->u.array.values[i];
        if (YAJL_IS_STRING(e) && strcmp(e->u.string, s) == 0)
            return true;
    }
    return false;
}

/* The value of KEY in a list of "KEY=VALUE" (NULL: absent; "" for a bare KEY). */
static const char *env_lookup_list(const v6n_strlist *l, const char *key, size_t keylen)
{
    for (size_t i = 0; i < l->len; i++) {
        const char *e = l->items[i];
        if (strncmp(e, key, keylen) == 0 && (e[keylen] == '=' || e[keylen] == '\0'))
            return e[keylen] == '=' ? e + keylen + 1 : "";
    }
    return NULL;
}

static const char *env_lookup_json(yajl_val arr, const char *key, size_t keylen)
{
    for (size_t i = 0; arr && YAJL_IS_ARRAY(arr) && i < arr->u.array.len; i++) {
        yajl_val v = arr->u.array.values[i];
        if (!YAJL_IS_STRING(v))
            continue;
        const char *e = YAJL_GET_STRING(v);
        if (strncmp(e, key, keylen) == 0 && (e[keylen] == '=' || e[keylen] == '\0'))
            return e[keylen] == '=' ? e + keylen + 1 : "";
    }
    return NULL;
}

/* Environment drift. The container's Env is the image's Env overridden by the
 * spec's, so what the image sets is not drift. Values are shown redacted. */
static int env_drift(v6n_node_status *st, const v6n_node_spec *spec, yajl_val actual,
                     yajl_val image_env)
{
    int rc = V6N_OK;
    for (size_t i = 0; !rc && i < spec->env.len; i++) {
        const char *e = spec->env.items[i];
        size_t keylen = strcspn(e, "=");
        const char *want = e[keylen] == '=' ? e + keylen + 1 : "";
        const char *have = env_lookup_json(actual, e, keylen);
        if (have && strcmp(have, want) == 0)
            continue;
        char *w = v6n_redact_uri(want), *h = have ? v6n_redact_uri(have) : NULL;
        if (!w || (have && !h))
            rc = v6n_err_nomem();
        else if (!have)
            rc = v6n_strlist_pushf(&st->drift,
                                   "env %.*s: not in the container, the config now sets '%s'",
                                   (int)keylen, e, w);
        else
            rc = v6n_strlist_pushf(&st->drift,
                                   "env %.*s: the container has '%s', the config now gives '%s'",
                                   (int)keylen, e, h, w);
        free(w);
        free(h);
    }
    for (size_t i = 0; !rc && actual && YAJL_IS_ARRAY(actual) && i < actual->u.array.len; i++) {
        yajl_val v = actual->u.array.values[i];
        if (!YAJL_IS_STRING(v))
            continue;
        const char *e = YAJL_GET_STRING(v);
        size_t keylen = strcspn(e, "=");
        if (env_lookup_list(&spec->env, e, keylen) || env_lookup_json(image_env, e, keylen))
            continue;
        rc = v6n_strlist_pushf(
            &st->drift, "env %.*s: set in the container, no longer in the config", (int)keylen, e);
    }
    return rc;
}

static int list_drift(v6n_node_status *st, const char *what, const v6n_strlist *want, yajl_val have)
{
    int rc = V6N_OK;
    for (size_t i = 0; !rc && i < want->len; i++)
        if (!array_has(have, want->items[i]))
            rc = v6n_strlist_pushf(&st->drift, "%s %s: added to the config since the start", what,
                                   want->items[i]);
    for (size_t i = 0; !rc && have && YAJL_IS_ARRAY(have) && i < have->u.array.len; i++) {
        yajl_val v = have->u.array.values[i];
        if (YAJL_IS_STRING(v) && !v6n_strlist_contains(want, YAJL_GET_STRING(v)))
            rc = v6n_strlist_pushf(&st->drift, "%s %s: in the container, no longer in the config",
                                   what, YAJL_GET_STRING(v));
    }
    return rc;
}

static int compute_drift(v6n_node_status *st, const v6n_node_spec *spec, yajl_val c,
                         yajl_val image_env)
{
    int rc = V6N_OK;
    const char *image = str_at(c, "Config", "Image");
    bool server_rule = spec->image_rule == V6N_IMAGE_DEFAULT && image &&
                       v6n_release_is_node_image(spec->release, image);
    /* with the default rule the server's version may have chosen the tag at
     * start: any tag of the vantage6 node image is then no drift */
    if (image && strcmp(image, spec->image) != 0 && !server_rule)
        rc = v6n_strlist_pushf(&st->drift, "image: the container runs %s, the config now gives %s",
                               image, spec->image);

    yajl_val cmd = at(c, "Config", "Cmd");
    bool same_cmd = cmd && YAJL_IS_ARRAY(cmd) && cmd->u.array.len == spec->argv.len;
    for (size_t i = 0; same_cmd && i < spec->argv.len; i++)
        same_cmd = YAJL_IS_STRING(cmd->u.array.values[i]) &&
                   strcmp(cmd->u.array.values[i]->u.string, spec->argv.items[i]) == 0;
    if (!rc && !same_cmd)
        rc = v6n_strlist_pushf(&st->drift,
                               "command: differs from '%s ...' (the config file or scope changed)",
                               spec->argv.items[0]);
    if (!rc)
        rc = env_drift(st, spec, at(c, "Config", "Env"), image_env);
    if (!rc)
        rc = list_drift(st, "bind", &spec->binds, at(c, "HostConfig", "Binds"));
    if (!rc)
        rc = list_drift(st, "extra host", &spec->extra_hosts, at(c, "HostConfig", "ExtraHosts"));
    for (size_t i = 0; !rc && i < spec->label_keys.len; i++) {
        const char *have = str_at(at(c, "Config", "Labels"), spec->label_keys.items[i], NULL);
        if (!have || strcmp(have, spec->label_values.items[i]) != 0)
            rc = v6n_strlist_pushf(
                &st->drift, "label %s: the container has '%s', the config now gives '%s'",
                spec->label_keys.items[i], have ? have : "", spec->label_values.items[i]);
    }
    bool auto_remove = YAJL_IS_TRUE(at(c, "HostConfig", "AutoRemove"));
    if (!rc && auto_remove != spec->auto_remove)
        rc = v6n_strlist_pushf(&st->drift,
                               "auto-remove: the container has %s, the options now give %s",
                               auto_remove ? "on" : "off", spec->auto_remove ? "on" : "off");
    return rc;
}

/* Labels and published ports of an inspect answer. */
static int fill_labels_and_ports(v6n_node_status *st, yajl_val c)
{
    int rc = V6N_OK;
    yajl_val labels = at(c, "Config", "Labels");
    for (size_t i = 0; !rc && YAJL_IS_OBJECT(labels) && i < labels->u.object.len; i++) {
        yajl_val v = labels->u.object.values[i];
        rc = v6n_strlist_push(&st->label_keys, labels->u.object.keys[i]);
        if (!rc)
            rc = v6n_strlist_push(&st->label_values, YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : "");
    }
    yajl_val ports = at(c, "NetworkSettings", "Ports");
    for (size_t i = 0; !rc && YAJL_IS_OBJECT(ports) && i < ports->u.object.len; i++) {
        yajl_val bindings = ports->u.object.values[i];
        for (size_t k = 0; !rc && YAJL_IS_ARRAY(bindings) && k < bindings->u.array.len; k++) {
            const char *ip = v6n_json_string(bindings->u.array.values[k], "HostIp");
            const char *port = v6n_json_string(bindings->u.array.values[k], "HostPort");
            rc = v6n_strlist_pushf(&st->ports, "%s -> %s:%s", ports->u.object.keys[i],
                                   ip && *ip ? ip : "0.0.0.0", port ? port : "");
        }
    }
    return rc;
}

int v6n_status_fill(v6n_node_status *st, const v6n_node_spec *spec, yajl_val c,
                    yajl_val image_env_list)
{
    const char *status = str_at(c, "State", "Status");
    yajl_val code = at(c, "State", "ExitCode");
    st->state = v6n_node_state_from_engine(status);
    st->exit_code = code && YAJL_IS_INTEGER(code) ? (int)YAJL_GET_INTEGER(code) : 0;
    if ((status && !(st->text = v6n_strdup(status))) ||
        (v6n_json_string(c, "Id") && !(st->id = v6n_strdup(v6n_json_string(c, "Id")))) ||
        (str_at(c, "Config", "Image") && !(st->image = v6n_strdup(str_at(c, "Config", "Image")))))
        return v6n_err_nomem();
    st->created_at = dup_time(v6n_json_string(c, "Created"));
    st->started_at = dup_time(str_at(c, "State", "StartedAt"));
    st->finished_at = dup_time(str_at(c, "State", "FinishedAt"));
    int rc = fill_labels_and_ports(st, c);
    if (!rc && spec)
        rc = compute_drift(st, spec, c, image_env_list);
    return rc;
}

v6n_node_status *v6n_status_new(void)
{
    return calloc(1, sizeof(v6n_node_status));
}

/* Config.Env of the image the container runs (empty when it is gone). */
int v6n_status_image_env(yajl_val *out, v6n_client *client, yajl_val container)
{
    *out = NULL;
    const char *image_id = v6n_json_string(container, "Image"); /* sha256:..., exact */
    if (!image_id)
        return V6N_OK;
    v6n_call call = {.method = "GET",
                     .verb = "inspect the node's image",
                     .prefix = "/images/",
                     .object = image_id,
                     .suffix = "/json",
                     .ok = {200, 404}};
    v6n_http_response resp;
    int rc = v6n_engine_call(client, &call, &resp);
    if (!rc && resp.status == 200)
        rc = v6n_json_parse(out, resp.body.ptr, "inspect the node's image");
    v6n_http_response_free(&resp);
    return rc;
}

int v6n_status_set_node(v6n_node_status *st, const char *name, v6n_scope scope,
                        const char *container, const char *config)
{
    st->scope = scope;
    st->name = v6n_strdup(name);
    st->container = v6n_strdup(container);
    st->config = config ? v6n_strdup(config) : NULL;
    if (!st->name || !st->container || (config && !st->config))
        return v6n_err_nomem();
    return V6N_OK;
}

void v6n_status_set_release(v6n_node_status *st, const char *line)
{
    st->vantage6_version = line;
}

int v6n_status_add_drift(v6n_node_status *st, const char *sentence)
{
    return v6n_strlist_push(&st->drift, sentence);
}

int v6n_status_add_volume(v6n_node_status *st, const char *name)
{
    return v6n_strlist_push(&st->volumes, name);
}

int v6n_status_set_drift_error(v6n_node_status *st, const char *why)
{
    free(st->drift_error);
    st->drift_error = v6n_strdup(why);
    return st->drift_error ? V6N_OK : v6n_err_nomem();
}

void v6n_node_status_free(v6n_node_status *st)
{
    if (!st)
        return;
    free(st->name);
    free(st->container);
    free(st->config);
    free(st->text);
    free(st->id);
    free(st->image);
    free(st->created_at);
    free(st->started_at);
    free(st->finished_at);
    v6n_strlist_free(&st->label_keys);
    v6n_strlist_free(&st->label_values);
    v6n_strlist_free(&st->ports);
    v6n_strlist_free(&st->drift);
    v6n_strlist_free(&st->volumes);
    free(st->drift_error);
    free(st);
}

v6n_node_state v6n_node_status_state(const v6n_node_status *st)
{
    return st ? st->state : V6N_NODE_ABSENT;
}

v6n_scope v6n_node_status_scope(const v6n_node_status *st)
{
    return st ? st->scope : V6N_SCOPE_USER;
}

#define FIELD(function, member)                                                                    \
    const char *v6n_node_status_##function(const v6n_node_status *st)                              \
    {                                                                                              \
        return st ? st->member : NULL;                                                             \
    }
FIELD(name, name)
FIELD(container, container)
FIELD(config, config)
FIELD(container_id, id)
FIELD(image, image)
FIELD(created_at, created_at)
FIELD(started_at, started_at)
FIELD(finished_at, finished_at)
FIELD(vantage6_version, vantage6_version)
FIELD(drift_error, drift_error)

const char *v6n_node_status_text(const v6n_node_status *st)
{
    return !st ? NULL : st->text ? st->text : v6n_node_state_name(st->state);
}

int v6n_node_status_exit_code(const v6n_node_status *st)
{
    return st ? st->exit_code : 0;
}

#define LIST(function, list)                                                                       \
    size_t v6n_node_status_##function##_count(const v6n_node_status *st)                           \
    {                                                                                              \
        return st ? st->list.len : 0;                                                              \
    }

LIST(drift, drift)
LIST(label, label_keys)
LIST(port, ports)
LIST(volume, volumes)

const char *v6n_node_status_volume(const v6n_node_status *st, size_t i)
{
    return (st && i < st->volumes.len) ? st->volumes.items[i] : NULL;
}

const char *v6n_node_status_drift(const v6n_node_status *st, size_t i)
{
    return (st && i < st->drift.len) ? st->drift.items[i] : NULL;
}

const char *v6n_node_status_label_key(const v6n_node_status *st, size_t i)
{
    return (st && i < st->label_keys.len) ? st->label_keys.items[i] : NULL;
}

const char *v6n_node_status_label_value(const v6n_node_status *st, size_t i)
{
    return (st && i < st->label_values.len) ? st->label_values.items[i] : NULL;
}

const char *v6n_node_status_port(const v6n_node_status *st, size_t i)
{
    return (st && i < st->ports.len) ? st->ports.items[i] : NULL;
}

int v6n_node_status_json(char **out, const v6n_node_status *st)
{
    if (!out || !st)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_status_json: out and status are required");
    v6n_jgen j;
    int rc = v6n_jgen_open(&j);
    if (rc)
        return rc;
    v6n_jgen_map(&j, true);
    v6n_jgen_kv(&j, "name", st->name);
    v6n_jgen_kv(&j, "scope", v6n_scope_name(st->scope));
    v6n_jgen_kv_or_null(&j, "config", st->config);
    v6n_jgen_kv(&j, "state", v6n_node_state_name(st->state));
    v6n_jgen_kv(&j, "status", v6n_node_status_text(st));
    v6n_jgen_kv(&j, "container", st->container);
    v6n_jgen_kv_or_null(&j, "id", st->id);
    v6n_jgen_kv_or_null(&j, "image", st->image);
    v6n_jgen_kv_or_null(&j, "created_at", st->created_at);
    v6n_jgen_kv_or_null(&j, "started_at", st->started_at);
    v6n_jgen_kv_or_null(&j, "finished_at", st->finished_at);
    v6n_jgen_kint(&j, "exit_code", st->exit_code);
    v6n_jgen_kv_or_null(&j, "vantage6_version", st->vantage6_version);
    v6n_jgen_str(&j, "labels");
    v6n_jgen_map(&j, true);
    for (size_t i = 0; i < st->label_keys.len; i++)
        v6n_jgen_kv(&j, st->label_keys.items[i], st->label_values.items[i]);
    v6n_jgen_map(&j, false);
    v6n_jgen_str(&j, "ports");
    v6n_jgen_array(&j, true);
    for (size_t i = 0; i < st->ports.len; i++)
        v6n_jgen_str(&j, st->ports.items[i]);
    v6n_jgen_array(&j, false);
    v6n_jgen_str(&j, "drift");
    v6n_jgen_array(&j, true);
    for (size_t i = 0; i < st->drift.len; i++)
        v6n_jgen_str(&j, st->drift.items[i]);
    v6n_jgen_array(&j, false);
    v6n_jgen_kv_or_null(&j, "drift_error", st->drift_error);
    v6n_jgen_str(&j, "leftover_volumes");
    v6n_jgen_array(&j, true);
    for (size_t i = 0; i < st->volumes.len; i++)
        v6n_jgen_str(&j, st->volumes.items[i]);
    v6n_jgen_array(&j, false);
    v6n_jgen_map(&j, false);
    return v6n_jgen_close(&j, out, "the node status");
}

/* ---- the node's own log file -------------------------------------------------- */

#define LOG_TAIL_WINDOW (64 * 1024)

/* Read at most the last LOG_TAIL_WINDOW bytes of `f` (size `size`) into *out. */
static int read_window(char **out, size_t *len, FILE *f, long size, const char *path)
{
    long from = size > LOG_TAIL_WINDOW ? size - LOG_TAIL_WINDOW : 0;
    size_t want = (size_t)(size - from);
    char *buf = malloc(want + 1);
    if (!buf)
        return v6n_err_nomem();
    if (fseek(f, from, SEEK_SET) != 0 || fread(buf, 1, want, f) != want) {
        free(buf);
        return v6n_err(V6N_EIO, NULL, "cannot read %s: %s", path, strerror(errno ? errno : EIO));
    }
    buf[want] = '\0';
    /* a window that starts inside a line: drop that part line */
    size_t skip = 0;
    if (from > 0) {
        char *nl = memchr(buf, '\n', want);
        skip = nl ? (size_t)(nl - buf) + 1 : want;
    }
    memmove(buf, buf + skip, want - skip + 1);
    *out = buf;
    *len = want - skip;
    return V6N_OK;
}

int v6n_node_log_tail(char **out, const v6n_node_spec *spec, size_t max_lines)
{
    if (!out || !spec || !spec->log_file)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_log_tail: out and spec are required");
    *out = NULL;
    FILE *f = fopen(spec->log_file, "rb");
    if (!f)
        return errno == ENOENT || errno == ENOTDIR
                   ? v6n_err(V6N_ENOTFOUND, NULL, "%s: no such file: the node wrote no log here",
                             spec->log_file)
                   : v6n_err(V6N_EIO, NULL, "cannot open %s: %s", spec->log_file, strerror(errno));
    char *buf = NULL;
    size_t len = 0;
    long size = -1;
    int rc = V6N_OK;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0)
        rc = v6n_err(V6N_EIO, NULL, "cannot read %s: %s", spec->log_file, strerror(errno));
    if (!rc)
        rc = read_window(&buf, &len, f, size, spec->log_file);
    fclose(f);
    if (rc)
        return rc;
    /* from the end (a final newline ends the last line), back over max_lines lines */
    size_t end = len, start = len, lines = 0;
    while (end > 0 && buf[end - 1] == '\n')
        end--;
    start = end;
    while (start > 0 && max_lines > 0) {
        if (buf[start - 1] == '\n' && ++lines == max_lines)
            break;
        start--;
    }
    if (max_lines == 0)
        start = end;
    *out = v6n_asprintf("%.*s%s", (int)(end - start), buf + start, end > start ? "\n" : "");
    free(buf);
    return *out ? V6N_OK : v6n_err_nomem();
}

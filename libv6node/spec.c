/* Building a node's container spec from its config and the start options:
 * names, folders, image, environment, labels, extra hosts and command
 * (contract sections 3-9). Mounts and databases are in spec_mounts.c. Pure:
 * the file system is only looked at, and no engine is involved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define IMAGE_REPO    "harbor2.vantage6.ai/infrastructure/node"
#define DEFAULT_IMAGE IMAGE_REPO ":cotopaxi"

int v6n_start_options_init(v6n_start_options *opts, unsigned int version)
{
    if (!opts || version != V6N_START_OPTIONS_VERSION)
        return v6n_err(V6N_EINVAL, NULL, "v6n_start_options_init: unsupported version %u", version);
    v6n_start_options init = V6N_START_OPTIONS_INIT;
    *opts = init;
    return V6N_OK;
}

const char *v6n_image_rule_describe(v6n_image_rule rule)
{
    switch (rule) {
    case V6N_IMAGE_FROM_OPTION:
        return "the image option";
    case V6N_IMAGE_FROM_CONFIG:
        return "images.node in the node config";
    case V6N_IMAGE_FROM_SERVER:
        return "the version of the vantage6 server";
    case V6N_IMAGE_DEFAULT:
        return "the default node image";
    }
    return "?";
}

static int check_options(const v6n_start_options *o)
{
    if (o->version == 0 || o->version > V6N_START_OPTIONS_VERSION)
        return v6n_err(V6N_EINVAL, "version",
                       "start options version %u is not supported (this library knows %d)",
                       o->version, V6N_START_OPTIONS_VERSION);
    if (o->scope != V6N_SCOPE_USER && o->scope != V6N_SCOPE_SYSTEM)
        return v6n_err(V6N_EINVAL, "scope", "scope must be user or system (got %d)", (int)o->scope);
    if (o->pull < V6N_PULL_DEFAULT || o->pull > V6N_PULL_NEVER)
        return v6n_err(V6N_EINVAL, "pull", "unknown pull policy %d", (int)o->pull);
    const char *vols[] = {o->data_volume, o->vpn_volume, o->ssh_volume, o->squid_volume};
    const char *names[] = {"data_volume", "vpn_volume", "ssh_volume", "squid_volume"};
    for (int i = 0; i < V6N_VOLUME_COUNT; i++) {
        if (!v6n_str_empty(vols[i]) && !v6n_is_volume_name(vols[i]))
            return v6n_err(V6N_EINVAL, names[i],
                           "%s '%s' is not a valid Docker volume name "
                           "([a-zA-Z0-9][a-zA-Z0-9_.-]+)",
                           names[i], vols[i]);
    }
    if (o->path_map_len && !o->path_map)
        return v6n_err(V6N_EINVAL, "path_map", "path_map_len is %zu but path_map is NULL",
                       o->path_map_len);
    for (size_t i = 0; i < o->path_map_len; i++) {
        const v6n_path_map *m = &o->path_map[i];
        if (!m->local_prefix || !m->host_prefix || m->local_prefix[0] != '/' ||
            m->host_prefix[0] != '/')
            return v6n_err(V6N_EINVAL, "path_map",
                           "path_map[%zu]: both prefixes must be absolute paths", i);
    }
    if (!v6n_str_empty(o->docker_socket) && o->docker_socket[0] != '/')
        return v6n_err(V6N_EINVAL, "docker_socket",
                       "docker_socket must be an absolute path on the engine's host (got '%s')",
                       o->docker_socket);
    return V6N_OK;
}

/* A folder option or `directories.<which>` from the config, else the default. */
static char *node_folder(v6n_spec_ctx *ctx, const char *option, const char *which)
{
    const char *chosen = option;
    if (v6n_str_empty(chosen)) {
        const v6n_ynode *dirs = v6n_ymap_get(ctx->config->root, "directories");
        const v6n_ynode *d = v6n_ymap_get(dirs, which);
        if (v6n_ynode_truthy(d))
            chosen = d->str;
    }
    if (!v6n_str_empty(chosen))
        return v6n_spec_local_path(ctx, chosen);
    v6n_scope scope = ctx->spec->scope;
    const char *name = ctx->spec->node_name;
    return strcmp(which, "log") == 0 ? v6n_folder_log(scope, name) : v6n_folder_data(scope, name);
}

static bool valid_tag(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
        return false;
    for (; *t; t++)
        if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') ||
              *t == '_' || *t == '.' || *t == '-'))
            return false;
    return true;
}

/* Contract section 5, the rules that need no network. */
static int choose_image(v6n_spec_ctx *ctx)
{
    v6n_node_spec *s = ctx->spec;
    const v6n_start_options *o = ctx->opts;
    const v6n_ynode *node = v6n_ymap_get(v6n_ymap_get(ctx->config->root, "images"), "node");
    if (!v6n_str_empty(o->image)) {
        s->image = v6n_strdup(o->image);
        s->image_rule = V6N_IMAGE_FROM_OPTION;
    } else if (v6n_ynode_truthy(node)) {
        s->image = v6n_strdup(node->str);
        s->image_rule = V6N_IMAGE_FROM_CONFIG;
    } else if (!o->no_server_version && !v6n_str_empty(o->server_version)) {
        /* "4.13.2" -> "4.13": the first two dot-separated fields */
        const char *v = o->server_version;
        const char *first = strchr(v, '.');
        const char *second = first ? strchr(first + 1, '.') : NULL;
        size_t len = second ? (size_t)(second - v) : strlen(v);
        char *tag = v6n_strndup(v, len);
        if (!tag)
            return v6n_err_nomem();
        if (!valid_tag(tag)) {
            int rc = v6n_err(V6N_EINVAL, "server_version",
                             "server_version '%s' does not give a valid image tag", v);
            free(tag);
            return rc;
        }
        s->image = v6n_asprintf("%s:%s", IMAGE_REPO, tag);
        s->image_rule = V6N_IMAGE_FROM_SERVER;
        free(tag);
    } else {
        s->image = v6n_strdup(DEFAULT_IMAGE);
        s->image_rule = V6N_IMAGE_DEFAULT;
    }
    return s->image ? V6N_OK : v6n_err_nomem();
}

/* <server_url>:<port><api_path>/version, as vantage6's client builds it. */
static int server_version_url(v6n_spec_ctx *ctx)
{
    const v6n_ynode *root = ctx->config->root;
    const v6n_ynode *url = v6n_ymap_get(root, "server_url");
    const v6n_ynode *port = v6n_ymap_get(root, "port");
    const v6n_ynode *api = v6n_ymap_get(root, "api_path");
    const char *host = (url && url->type != V6N_Y_NULL && url->str) ? url->str : "";
    if (strcmp(host, "http://host.docker.internal") == 0 || strcmp(host, "http://172.17.0.1") == 0)
        host = "http://localhost";
    v6n_buf b = V6N_BUF_INIT;
    int rc = v6n_buf_puts(&b, host);
    if (!rc && v6n_ynode_truthy(port))
        rc = v6n_buf_printf(&b, ":%s", port->str);
    if (!rc && api && api->type != V6N_Y_NULL && api->str)
        rc = v6n_buf_puts(&b, api->str);
    if (!rc)
        rc = v6n_buf_puts(&b, "/version");
    if (rc) {
        v6n_buf_free(&b);
        return rc;
    }
    ctx->spec->server_version_url = v6n_buf_detach(&b);
    return ctx->spec->server_version_url ? V6N_OK : v6n_err_nomem();
}

static int set_names(v6n_spec_ctx *ctx)
{
    v6n_node_spec *s = ctx->spec;
    const v6n_start_options *o = ctx->opts;
    const char *scope = v6n_scope_name(s->scope);
    s->node_name = v6n_strdup(ctx->config->name);
    s->container_name = v6n_asprintf("vantage6-%s-%s", ctx->config->name, scope);
    const char *overrides[V6N_VOLUME_COUNT] = {o->data_volume, o->vpn_volume, o->ssh_volume,
                                               o->squid_volume};
    const char *suffixes[V6N_VOLUME_COUNT] = {"vol", "vpn-vol", "ssh-vol", "squid-vol"};
    if (!s->node_name || !s->container_name)
        return v6n_err_nomem();
    for (int i = 0; i < V6N_VOLUME_COUNT; i++) {
        s->volumes[i] = v6n_str_empty(overrides[i])
                            ? v6n_asprintf("%s-%s", s->container_name, suffixes[i])
                            : v6n_strdup(overrides[i]);
        if (!s->volumes[i])
            return v6n_err_nomem();
    }
    return V6N_OK;
}

static int set_labels_and_command(v6n_spec_ctx *ctx)
{
    v6n_node_spec *s = ctx->spec;
    bool system = s->scope == V6N_SCOPE_SYSTEM;
    int rc = V6N_OK;
    const char *keys[] = {"vantage6-type", "system", "name"};
    const char *values[] = {"node", system ? "True" : "False", s->node_name};
    for (int i = 0; !rc && i < 3; i++) {
        rc = v6n_strlist_push(&s->label_keys, keys[i]);
        if (!rc)
            rc = v6n_strlist_push(&s->label_values, values[i]);
    }
    const char *argv[] = {
        "vnode-local", "start",      "-c",           NULL,
        "-n",          s->node_name, "--dockerized", system ? "--system" : "--user"};
    for (size_t i = 0; !rc && i < sizeof(argv) / sizeof(argv[0]); i++)
        rc = argv[i] ? v6n_strlist_push(&s->argv, argv[i])
                     : v6n_strlist_pushf(&s->argv, "/mnt/config/%s", ctx->config->file_name);
    return rc;
}

static int add_base_env(v6n_spec_ctx *ctx)
{
    v6n_node_spec *s = ctx->spec;
    /* The SSH and squid volume names are passed too (vantage6 forgets them, so
     * overridden names never reached the node). */
    const char *keys[] = {"DATA_VOLUME_NAME", "VPN_VOLUME_NAME", "SSH_TUNNEL_VOLUME_NAME",
                          "SSH_SQUID_VOLUME_NAME"};
    int rc = V6N_OK;
    for (int i = 0; !rc && i < V6N_VOLUME_COUNT; i++)
        rc = v6n_strlist_pushf(&s->env, "%s=%s", keys[i], s->volumes[i]);
    return rc ? rc : v6n_strlist_push(&s->env, "PRIVATE_KEY=/mnt/private_key.pem");
}

static bool env_has(const v6n_node_spec *s, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < s->env.len; i++) {
        const char *e = s->env.items[i];
        if (strncmp(e, key, n) == 0 && (e[n] == '=' || e[n] == '\0'))
            return true;
    }
    return false;
}

/* node_extra_env, after the checks of contract section 7. */
static int add_extra_env(v6n_spec_ctx *ctx)
{
    const v6n_config *c = ctx->config;
    const v6n_ynode *extra = v6n_ymap_get(c->root, "node_extra_env");
    char key[320];
    for (size_t i = 0; extra && i < extra->n; i++) {
        const v6n_ynode *k = extra->keys[i], *v = extra->items[i];
        snprintf(key, sizeof(key), "node_extra_env.%s", k->str);
        if (!v6n_is_identifier(k->str)) {
            v6n_buf q = V6N_BUF_INIT;
            int rc = v6n_buf_quote(&q, k->str);
            rc = rc ? rc
                    : v6n_config_err(c, key,
                                     "environment variable name %s is not allowed: use "
                                     "letters, digits and underscores, not starting with a digit",
                                     q.ptr);
            v6n_buf_free(&q);
            return rc;
        }
        if (env_has(ctx->spec, k->str))
            return v6n_config_err(c, key,
                                  "cannot overwrite the node environment variable %s, which "
                                  "libv6node sets itself",
                                  k->str);
        if (v->type == V6N_Y_MAP || v->type == V6N_Y_SEQ)
            return v6n_config_err(c, key, "must be a single value (got %s)",
                                  v6n_ytype_name(v->type));
        int rc = v->type == V6N_Y_NULL
                     ? v6n_strlist_push(&ctx->spec->env, k->str)
                     : v6n_strlist_pushf(&ctx->spec->env, "%s=%s", k->str, v->str);
        if (rc)
            return rc;
    }
    return V6N_OK;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Spaces and control characters: not in a host name or address. */
static bool has_space(const char *s)
{
    for (; *s; s++)
        if (*s == ' ' || (unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* node_extra_hosts as "host:ip", sorted by host as docker-py does. */
static int add_extra_hosts(v6n_spec_ctx *ctx)
{
    const v6n_config *c = ctx->config;
    const v6n_ynode *hosts = v6n_ymap_get(c->root, "node_extra_hosts");
    char key[320];
    for (size_t i = 0; hosts && i < hosts->n; i++) {
        const v6n_ynode *k = hosts->keys[i], *v = hosts->items[i];
        snprintf(key, sizeof(key), "node_extra_hosts.%s", k->str);
        if (k->str[0] == '\0' || strchr(k->str, ':') || has_space(k->str))
            return v6n_config_err(c, key, "'%s' is not a host name (no ':' or spaces allowed)",
                                  k->str);
        if (v->type == V6N_Y_MAP || v->type == V6N_Y_SEQ || v->type == V6N_Y_NULL ||
            v->str[0] == '\0' || has_space(v->str))
            return v6n_config_err(c, key, "must be an IP address or host-gateway (got %s)",
                                  v->type == V6N_Y_STR ? "a value with spaces or nothing"
                                                       : v6n_ytype_name(v->type));
        int rc = v6n_strlist_pushf(&ctx->spec->extra_hosts, "%s:%s", k->str, v->str);
        if (rc)
            return rc;
    }
    if (ctx->spec->extra_hosts.len > 1)
        qsort(ctx->spec->extra_hosts.items, ctx->spec->extra_hosts.len, sizeof(char *),
              compare_strings);
    return V6N_OK;
}

static int build(v6n_spec_ctx *ctx)
{
    v6n_node_spec *s = ctx->spec;
    int rc;
    if ((rc = set_names(ctx)))
        return rc;
    if (!(s->data_dir = node_folder(ctx, ctx->opts->data_dir, "data")))
        return v6n_error_last()->code;
    if (!(s->log_dir = node_folder(ctx, ctx->opts->log_dir, "log")))
        return v6n_error_last()->code;
    if (!(s->log_file = v6n_asprintf("%s/node_%s.log", s->log_dir, v6n_scope_name(s->scope))))
        return v6n_err_nomem();
    if (!(s->config_dir = v6n_strdup(ctx->config->dir)) ||
        !(s->config_path = v6n_strdup(ctx->config->path)))
        return v6n_err_nomem();
    if ((rc = choose_image(ctx)) || (rc = server_version_url(ctx)))
        return rc;
    if ((rc = add_base_env(ctx)))
        return rc;
    if ((rc = v6n_spec_add_mounts(ctx)))
        return rc;
    if ((rc = add_extra_env(ctx)) || (rc = add_extra_hosts(ctx)))
        return rc;
    if ((rc = set_labels_and_command(ctx)))
        return rc;
    s->auto_remove = !ctx->opts->keep;
    return V6N_OK;
}

int v6n_node_spec_build(v6n_node_spec **out, const v6n_config *config,
                        const v6n_start_options *opts)
{
    if (!out || !config)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_spec_build: out and config are required");
    *out = NULL;
    v6n_start_options defaults = V6N_START_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    int rc = check_options(opts);
    if (rc)
        return rc;

    v6n_spec_ctx ctx = {config, opts, NULL, NULL};
    ctx.working_dir =
        v6n_path_absolute(v6n_str_empty(opts->working_dir) ? "." : opts->working_dir, NULL);
    if (!ctx.working_dir)
        return v6n_error_last()->code;
    ctx.spec = calloc(1, sizeof(*ctx.spec));
    if (!ctx.spec) {
        free(ctx.working_dir);
        return v6n_err_nomem();
    }
    ctx.spec->scope = opts->scope;
    rc = build(&ctx);
    free(ctx.working_dir);
    if (rc) {
        v6n_node_spec_free(ctx.spec);
        return rc;
    }
    *out = ctx.spec;
    return V6N_OK;
}

void v6n_node_spec_free(v6n_node_spec *s)
{
    if (!s)
        return;
    free(s->node_name);
    free(s->container_name);
    free(s->image);
    for (int i = 0; i < V6N_VOLUME_COUNT; i++)
        free(s->volumes[i]);
    v6n_strlist_free(&s->argv);
    v6n_strlist_free(&s->env);
    v6n_strlist_free(&s->binds);
    v6n_strlist_free(&s->extra_hosts);
    v6n_strlist_free(&s->label_keys);
    v6n_strlist_free(&s->label_values);
    free(s->data_dir);
    free(s->log_dir);
    free(s->log_file);
    free(s->config_dir);
    free(s->config_path);
    free(s->server_version_url);
    free(s);
}

/* ---- accessors ------------------------------------------------------------ */

#define ITEM(list, i) ((spec && (i) < spec->list.len) ? spec->list.items[i] : NULL)
#define COUNT(list)   (spec ? spec->list.len : 0)

const char *v6n_node_spec_node_name(const v6n_node_spec *spec)
{
    return spec ? spec->node_name : NULL;
}

const char *v6n_node_spec_container_name(const v6n_node_spec *spec)
{
    return spec ? spec->container_name : NULL;
}

v6n_scope v6n_node_spec_scope(const v6n_node_spec *spec)
{
    return spec ? spec->scope : V6N_SCOPE_USER;
}

const char *v6n_node_spec_image(const v6n_node_spec *spec)
{
    return spec ? spec->image : NULL;
}

v6n_image_rule v6n_node_spec_image_rule(const v6n_node_spec *spec)
{
    return spec ? spec->image_rule : V6N_IMAGE_DEFAULT;
}

int v6n_node_spec_auto_remove(const v6n_node_spec *spec)
{
    return spec ? spec->auto_remove : 0;
}

const char *v6n_node_spec_volume(const v6n_node_spec *spec, v6n_volume_kind kind)
{
    if (!spec || (int)kind < 0 || (int)kind >= V6N_VOLUME_COUNT)
        return NULL;
    return spec->volumes[kind];
}

size_t v6n_node_spec_argc(const v6n_node_spec *spec)
{
    return COUNT(argv);
}

const char *v6n_node_spec_argv(const v6n_node_spec *spec, size_t i)
{
    return ITEM(argv, i);
}

size_t v6n_node_spec_env_count(const v6n_node_spec *spec)
{
    return COUNT(env);
}

const char *v6n_node_spec_env(const v6n_node_spec *spec, size_t i)
{
    return ITEM(env, i);
}

size_t v6n_node_spec_bind_count(const v6n_node_spec *spec)
{
    return COUNT(binds);
}

const char *v6n_node_spec_bind(const v6n_node_spec *spec, size_t i)
{
    return ITEM(binds, i);
}

size_t v6n_node_spec_extra_host_count(const v6n_node_spec *spec)
{
    return COUNT(extra_hosts);
}

const char *v6n_node_spec_extra_host(const v6n_node_spec *spec, size_t i)
{
    return ITEM(extra_hosts, i);
}

size_t v6n_node_spec_label_count(const v6n_node_spec *spec)
{
    return COUNT(label_keys);
}

const char *v6n_node_spec_label_key(const v6n_node_spec *spec, size_t i)
{
    return ITEM(label_keys, i);
}

const char *v6n_node_spec_label_value(const v6n_node_spec *spec, size_t i)
{
    return ITEM(label_values, i);
}

const char *v6n_node_spec_data_dir(const v6n_node_spec *spec)
{
    return spec ? spec->data_dir : NULL;
}

const char *v6n_node_spec_log_dir(const v6n_node_spec *spec)
{
    return spec ? spec->log_dir : NULL;
}

const char *v6n_node_spec_log_file(const v6n_node_spec *spec)
{
    return spec ? spec->log_file : NULL;
}

const char *v6n_node_spec_config_dir(const v6n_node_spec *spec)
{
    return spec ? spec->config_dir : NULL;
}

const char *v6n_node_spec_server_version_url(const v6n_node_spec *spec)
{
    return spec ? spec->server_version_url : NULL;
}

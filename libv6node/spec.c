/* Building a node's container spec from its config and the start options:
 * names, folders, image, environment, labels, extra hosts and command
 * (contract sections 3-9). Mounts and databases are in spec_mounts.c. Pure:
 * the file system is only looked at, and no engine is involved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *v6n_image_rule_name(v6n_image_rule rule)
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
    int rc = v6n_options_check_version(o);
    if (rc)
        return rc;
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
char *v6n_node_folder(const v6n_config *config, const v6n_start_options *o, const char *name,
                      bool log)
{
    const char *chosen = log ? o->log_dir : o->data_dir;
    if (v6n_str_empty(chosen) && config)
        chosen = log ? config->node.dir_log : config->node.dir_data;
    if (!v6n_str_empty(chosen))
        return v6n_path_absolute(chosen, v6n_str_empty(o->working_dir) ? NULL : o->working_dir);
    return log ? v6n_folder_log(o->scope, name) : v6n_folder_data(o->scope, name);
}

/* Contract section 5, the rules that need no network. */
static int choose_image(v6n_spec_ctx *ctx)
{
    v6n_node_spec *s = ctx->spec;
    const v6n_start_options *o = ctx->opts;
    const char *config_image = ctx->config->node.image_node;
    if (!v6n_str_empty(o->image)) {
        s->image = v6n_strdup(o->image);
        s->image_rule = V6N_IMAGE_FROM_OPTION;
    } else if (config_image) {
        s->image = v6n_strdup(config_image);
        s->image_rule = V6N_IMAGE_FROM_CONFIG;
    } else if (!o->no_server_version && !v6n_str_empty(o->server_version)) {
        char *tag = v6n_server_version_tag(o->server_version);
        if (!tag)
            return v6n_error_last()->code;
        s->image = v6n_release_node_image(ctx->release, tag);
        s->image_rule = V6N_IMAGE_FROM_SERVER;
        free(tag);
        return s->image ? V6N_OK : v6n_error_last()->code;
    } else {
        s->image = v6n_release_node_image(ctx->release, NULL);
        s->image_rule = V6N_IMAGE_DEFAULT;
        return s->image ? V6N_OK : v6n_error_last()->code;
    }
    return s->image ? V6N_OK : v6n_err_nomem();
}

/* <server_url>:<port><api_path>/version, as vantage6's client builds it. */
static int server_version_url(v6n_spec_ctx *ctx)
{
    const v6n_node_config *m = &ctx->config->node;
    const char *host = m->server_url ? m->server_url : "";
    if (strcmp(host, "http://host.docker.internal") == 0 || strcmp(host, "http://172.17.0.1") == 0)
        host = "http://localhost";
    v6n_buf b = V6N_BUF_INIT;
    int rc = v6n_buf_puts(&b, host);
    if (!rc && m->port)
        rc = v6n_buf_printf(&b, ":%s", m->port);
    if (!rc && m->api_path)
        rc = v6n_buf_puts(&b, m->api_path);
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
    s->node_name = v6n_strdup(ctx->config->name);
    s->container_name = v6n_name_container(ctx->config->name, s->scope);
    const char *overrides[V6N_VOLUME_COUNT] = {o->data_volume, o->vpn_volume, o->ssh_volume,
                                               o->squid_volume};
    if (!s->node_name || !s->container_name)
        return v6n_err_nomem();
    for (int i = 0; i < V6N_VOLUME_COUNT; i++) {
        s->volumes[i] = v6n_str_empty(overrides[i])
                            ? v6n_name_volume(s->container_name, (v6n_volume_kind)i)
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
    const char *keys[] = {V6N_LABEL_TYPE, V6N_LABEL_SYSTEM, V6N_LABEL_NAME};
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
                     : v6n_strlist_pushf(&s->argv, "/mnt/config/%s", v6n_spec_config_target(ctx));
    return rc;
}

static int add_base_env(v6n_spec_ctx *ctx)
{
    v6n_node_spec *s = ctx->spec;
    /* The SSH and squid volume names are passed too (vantage6 forgets them, so
     * overridden names never reached the node). */
    int rc = V6N_OK;
    for (int i = 0; !rc && i < V6N_VOLUME_COUNT; i++)
        rc = v6n_strlist_pushf(&s->env, "%s=%s", V6N_BASE_ENV[i], s->volumes[i]);
    return rc ? rc
              : v6n_strlist_pushf(&s->env, "%s=/mnt/private_key.pem",
                                  V6N_BASE_ENV[V6N_VOLUME_COUNT]);
}

/* node_extra_env, checked when the config was parsed (contract section 7). */
static int add_extra_env(v6n_spec_ctx *ctx)
{
    const v6n_node_config *m = &ctx->config->node;
    int rc = V6N_OK;
    for (size_t i = 0; !rc && i < m->n_extra_env; i++) {
        const v6n_config_pair *e = &m->extra_env[i];
        rc = e->value ? v6n_strlist_pushf(&ctx->spec->env, "%s=%s", e->key, e->value)
                      : v6n_strlist_push(&ctx->spec->env, e->key);
    }
    return rc;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* node_extra_hosts as "host:ip", sorted by host as docker-py does. */
static int add_extra_hosts(v6n_spec_ctx *ctx)
{
    const v6n_node_config *m = &ctx->config->node;
    int rc = V6N_OK;
    for (size_t i = 0; !rc && i < m->n_extra_hosts; i++)
        rc = v6n_strlist_pushf(&ctx->spec->extra_hosts, "%s:%s", m->extra_hosts[i].key,
                               m->extra_hosts[i].value);
    if (!rc && ctx->spec->extra_hosts.len > 1)
        qsort(ctx->spec->extra_hosts.items, ctx->spec->extra_hosts.len, sizeof(char *),
              compare_strings);
    return rc;
}

static int build(v6n_spec_ctx *ctx)
{
    v6n_node_spec *s = ctx->spec;
    int rc;
    if ((rc = set_names(ctx)))
        return rc;
    if (!(s->data_dir = v6n_node_folder(ctx->config, ctx->opts, s->node_name, false)))
        return v6n_error_last()->code;
    if (!(s->log_dir = v6n_node_folder(ctx->config, ctx->opts, s->node_name, true)))
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

int v6n_spec_build_release(v6n_node_spec **out, const v6n_config *config,
                           const v6n_start_options *opts, const v6n_release *release)
{
    *out = NULL;
    int rc = check_options(opts);
    if (rc)
        return rc;
    v6n_spec_ctx ctx = {config, opts, release, NULL, NULL};
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
    ctx.spec->release = release;
    ctx.spec->release_explicit = !v6n_str_empty(opts->vantage6_version);
    ctx.spec->config = v6n_config_ref(config);
    rc = v6n_options_dup(&ctx.spec->opts, opts);
    if (!rc)
        rc = build(&ctx);
    free(ctx.working_dir);
    if (rc) {
        v6n_node_spec_free(ctx.spec);
        return rc;
    }
    *out = ctx.spec;
    return V6N_OK;
}

int v6n_node_spec_build(v6n_node_spec **out, const v6n_config *config,
                        const v6n_start_options *opts)
{
    if (!out || !config)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_spec_build: out and config are required");
    *out = NULL;
    v6n_start_options o = V6N_START_OPTIONS_INIT;
    if (opts) {
        int rc = v6n_options_check_version(opts);
        if (rc)
            return rc;
        o = *opts;
    }
    const v6n_release *release = NULL;
    bool is_auto = !v6n_str_empty(o.vantage6_version) && strcmp(o.vantage6_version, "auto") == 0;
    int rc;
    if (!is_auto)
        rc = v6n_release_find(&release, o.vantage6_version);
    else if (!o.no_server_version && !v6n_str_empty(o.server_version))
        rc = v6n_release_of_server(&release, o.server_version); /* the server's line, known */
    else
        rc = (release = v6n_release_default()) ? V6N_OK : V6N_ERROR;
    if (rc)
        return rc;
    rc = v6n_spec_build_release(out, config, &o, release);
    if (!rc)
        (*out)->release_auto = is_auto && release == v6n_release_default() &&
                               (o.no_server_version || v6n_str_empty(o.server_version));
    return rc;
}

int v6n_spec_rebuild(v6n_node_spec *spec, const v6n_release *release, const char *server_version)
{
    v6n_start_options o = spec->opts; /* shallow: the strings stay spec's until the swap */
    if (server_version)
        o.server_version = server_version;
    v6n_node_spec *fresh = NULL;
    int rc = v6n_spec_build_release(&fresh, spec->config, &o, release);
    if (rc)
        return rc;
    fresh->release_explicit = spec->release_explicit;
    v6n_node_spec old = *spec;
    *spec = *fresh;
    *fresh = old;
    v6n_node_spec_free(fresh); /* the old content */
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
    v6n_config_free(s->config);
    v6n_start_options_dispose(&s->opts);
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

const char *v6n_node_spec_vantage6_version(const v6n_node_spec *spec)
{
    return spec ? spec->release->line : NULL;
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

/* The node's mounts (contract section 6) and databases (section 8).
 *
 * Every path from the config or the options is a *local* path: existence is
 * checked there. The bind source is the same path seen from the engine's host,
 * through the host path map, so a caller that runs in a container itself (the
 * Node Manager) still hands the engine paths it can bind. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *const V6N_VOLUME_TARGETS[V6N_VOLUME_COUNT] = {"/mnt/data", "/mnt/vpn", "/mnt/ssh",
                                                          "/mnt/squid"};

static const char *const FILE_BASED_TYPES[] = {"folder", "csv", "parquet", "excel", NULL};

char *v6n_spec_local_path(const v6n_spec_ctx *ctx, const char *path)
{
    return v6n_path_absolute(path, ctx->working_dir);
}

/* `prefix` covers `path` when equal to it or to a leading run of its components. */
static size_t prefix_match(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    while (n > 1 && prefix[n - 1] == '/')
        n--;
    if (strncmp(path, prefix, n) != 0)
        return 0;
    if (n == 1 && prefix[0] == '/')
        return 1;
    return (path[n] == '\0' || path[n] == '/') ? n : 0;
}

char *v6n_spec_host_path(const v6n_spec_ctx *ctx, const char *local)
{
    const v6n_start_options *o = ctx->opts;
    size_t best_len = 0;
    const v6n_path_map *best = NULL;
    for (size_t i = 0; i < o->path_map_len; i++) {
        size_t n = prefix_match(local, o->path_map[i].local_prefix);
        if (n > best_len) {
            best_len = n;
            best = &o->path_map[i];
        }
    }
    if (!best)
        return v6n_strdup(local);
    const char *rest = local + best_len;
    if (best_len == 1) /* the prefix was "/" */
        rest = local;
    char *joined = v6n_asprintf("%s/%s", best->host_prefix, rest);
    if (!joined)
        return NULL;
    char *norm = v6n_path_normalize(joined);
    free(joined);
    return norm;
}

/* Append "source:target[:ro]". A ':' in the source cannot be expressed in a
 * Docker bind, so it is refused, naming `what` (a config key or option). */
static int add_bind(v6n_spec_ctx *ctx, const char *what, const char *source, const char *target,
                    bool read_only)
{
    if (strchr(source, ':') || strchr(source, '\n'))
        return v6n_config_err(ctx->config, what,
                              "the path '%s' cannot be mounted: Docker binds do not allow ':' "
                              "or newlines in a source path",
                              source);
    return v6n_strlist_pushf(&ctx->spec->binds, "%s:%s%s", source, target, read_only ? ":ro" : "");
}

/* Bind a local path: map it to the host first. */
static int add_host_bind(v6n_spec_ctx *ctx, const char *what, const char *local, const char *target,
                         bool read_only)
{
    char *host = v6n_spec_host_path(ctx, local);
    if (!host)
        return v6n_err_nomem();
    int rc = add_bind(ctx, what, host, target, read_only);
    free(host);
    return rc;
}

const char *v6n_spec_config_target(const v6n_spec_ctx *ctx)
{
    return ctx->release->config_mount == V6N_CONFIG_MOUNT_FILE ? ctx->config->name_yaml
                                                               : ctx->config->file_name;
}

/* The config mount: its folder (up to 4.14), or the file alone at
 * /mnt/config/<name>.yaml (4.15), always from an absolute path. */
static int add_config_mount(v6n_spec_ctx *ctx)
{
    const v6n_release *r = ctx->release;
    if (r->config_mount == V6N_CONFIG_MOUNT_FOLDER)
        return add_host_bind(ctx, "config_dir", ctx->spec->config_dir, "/mnt/config",
                             r->config_read_only);
    char *target = v6n_asprintf("/mnt/config/%s", v6n_spec_config_target(ctx));
    if (!target)
        return v6n_err_nomem();
    int rc = add_host_bind(ctx, "config", ctx->spec->config_path, target, r->config_read_only);
    free(target);
    return rc;
}

static int add_fixed_mounts(v6n_spec_ctx *ctx)
{
    v6n_node_spec *s = ctx->spec;
    int rc = add_host_bind(ctx, "log_dir", s->log_dir, "/mnt/log", false);
    for (int i = 0; !rc && i < V6N_VOLUME_COUNT; i++)
        rc = add_bind(ctx, "volume", s->volumes[i], V6N_VOLUME_TARGETS[i], false);
    if (!rc)
        rc = add_config_mount(ctx);
    if (!rc) {
        const char *sock = ctx->opts->docker_socket;
        rc = add_bind(ctx, "docker_socket", v6n_str_empty(sock) ? "/var/run/docker.sock" : sock,
                      "/var/run/docker.sock", false);
    }
    if (!rc && !v6n_str_empty(ctx->opts->mount_src)) {
        char *src = v6n_spec_local_path(ctx, ctx->opts->mount_src);
        if (!src)
            return v6n_error_last()->code;
        rc = add_host_bind(ctx, "mount_src", src, "/vantage6", false);
        free(src);
    }
    return rc;
}

/* Contract section 6, private key. */
static int add_private_key(v6n_spec_ctx *ctx)
{
    const v6n_ynode *enc = v6n_ymap_get(ctx->config->root, "encryption");
    const v6n_ynode *configured = v6n_ymap_get(enc, "private_key");
    const v6n_ynode *enabled = v6n_ymap_get(enc, "enabled");
    const char *key = "encryption.private_key";
    const char *file = "private_key.pem";
    if (!v6n_str_empty(ctx->opts->private_key)) {
        file = ctx->opts->private_key;
        key = "private_key";
    } else if (v6n_ynode_truthy(configured)) {
        file = configured->str;
    }
    char *path = v6n_path_join(ctx->spec->data_dir, file); /* absolute stays absolute */
    if (!path)
        return v6n_err_nomem();
    int rc = V6N_OK;
    bool named = !v6n_str_empty(ctx->opts->private_key) || v6n_ynode_truthy(configured);
    bool wanted = enabled && enabled->boolean;
    if (ctx->opts->no_local_checks ? (wanted || named) : v6n_path_exists(path))
        rc = add_host_bind(ctx, key, path, "/mnt/private_key.pem",
                           ctx->release->private_key_read_only);
    else if (enabled && enabled->boolean)
        rc = v6n_config_err(ctx->config, key,
                            "encryption is enabled but the private key file '%s' does not "
                            "exist (the node would fail to start)",
                            path);
    free(path);
    return rc;
}

static bool valid_tunnel_host(const char *h)
{
    return v6n_is_node_name(h) && h[0] != '.' && h[0] != '-';
}

/* Contract section 6, ssh tunnel identity keys. */
static int add_ssh_keys(v6n_spec_ctx *ctx)
{
    const v6n_config *c = ctx->config;
    const v6n_ynode *tunnels = v6n_ymap_get(c->root, "ssh-tunnels");
    char key[96], target[512];
    for (size_t i = 0; tunnels && i < tunnels->n; i++) {
        const v6n_ynode *t = tunnels->items[i];
        snprintf(key, sizeof(key), "ssh-tunnels[%zu]", i);
        if (t->type != V6N_Y_MAP)
            return v6n_config_err(c, key,
                                  "must be a mapping with hostname and ssh.identity.key "
                                  "(got %s)",
                                  v6n_ytype_name(t->type));
        const v6n_ynode *host = v6n_ymap_get(t, "hostname");
        snprintf(key, sizeof(key), "ssh-tunnels[%zu].hostname", i);
        if (!host || host->type != V6N_Y_STR || !valid_tunnel_host(host->str) ||
            strlen(host->str) > 255)
            return v6n_config_err(
                c, key,
                "each ssh tunnel needs a hostname of letters, digits, '.', "
                "'_' and '-' (got %s)",
                host ? (host->type == V6N_Y_STR ? host->str : v6n_ytype_name(host->type))
                     : "nothing");
        const v6n_ynode *ident =
            v6n_ymap_get(v6n_ymap_get(v6n_ymap_get(t, "ssh"), "identity"), "key");
        snprintf(key, sizeof(key), "ssh-tunnels[%zu].ssh.identity.key", i);
        if (!v6n_ynode_truthy(ident) || ident->type != V6N_Y_STR)
            return v6n_config_err(c, key, "ssh tunnel '%s' has no identity key file", host->str);
        char *path = v6n_spec_local_path(ctx, ident->str);
        if (!path)
            return v6n_error_last()->code;
        int rc;
        if (!ctx->opts->no_local_checks && !v6n_path_exists(path)) {
            rc = v6n_config_err(c, key, "ssh tunnel '%s': identity key file '%s' does not exist",
                                host->str, path);
        } else {
            snprintf(target, sizeof(target), "/mnt/ssh/%s.pem.tmp", host->str);
            rc = add_host_bind(ctx, key, path, target, false);
        }
        free(path);
        if (rc)
            return rc;
    }
    return V6N_OK;
}

static bool one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

/* A uri that Docker would take for a path rather than a volume name, and that
 * has no "scheme://" in front. */
static bool uri_is_path(const char *uri)
{
    const char *p = uri;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '+' || *p == '.' || *p == '-')
        p++;
    if (p != uri && strncmp(p, "://", 3) == 0)
        return false;
    return strchr(uri, '/') != NULL;
}

static int db_error(v6n_spec_ctx *ctx, size_t i, const char *field, const char *fmt, ...)
    V6N_PRINTF(4, 5);

static int db_error(v6n_spec_ctx *ctx, size_t i, const char *field, const char *fmt, ...)
{
    char key[64], what[1024];
    snprintf(key, sizeof(key), "databases[%zu].%s", i, field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return v6n_config_err(ctx->config, key, "%s", what);
}

/* One database: its env entry and, when it is a file or folder, its mount. */
static int add_database(v6n_spec_ctx *ctx, size_t i, const v6n_ynode *db)
{
    const char *label = v6n_ymap_get(db, "label")->str;
    const char *uri = v6n_ymap_get(db, "uri")->str;
    const char *type = v6n_ymap_get(db, "type")->str;
    const v6n_ynode *mode_node = v6n_ymap_get(db, "mount_mode");

    if (strlen(label) > V6N_LABEL_MAX)
        return db_error(ctx, i, "label", "database label is %zu characters long; at most %d",
                        strlen(label), V6N_LABEL_MAX);
    if (!v6n_is_identifier(label))
        return db_error(ctx, i, "label",
                        "database label '%s' is not allowed: use ASCII letters, digits and "
                        "underscores, not starting with a digit",
                        label);
    for (size_t j = 0; j < i; j++)
        if (strcmp(v6n_ymap_get(ctx->config->databases->items[j], "label")->str, label) == 0) {
            char other[32];
            snprintf(other, sizeof(other), "databases[%zu]", j);
            return db_error(ctx, i, "label", "duplicate database label '%s' (also used by %s)",
                            label, other);
        }

    /* mount_mode: str(value).lower(), default copy (before 4.14 not read at all) */
    char mode[16] = "copy";
    if (mode_node && ctx->release->db_mount_modes) {
        const char *m = mode_node->str;
        size_t n = strlen(m);
        if (n >= sizeof(mode))
            n = sizeof(mode) - 1;
        for (size_t k = 0; k < n; k++)
            mode[k] = (char)((m[k] >= 'A' && m[k] <= 'Z') ? m[k] + 32 : m[k]);
        mode[n] = '\0';
        if (strcmp(mode, "copy") != 0 && strcmp(mode, "ro") != 0)
            return db_error(ctx, i, "mount_mode",
                            "mount_mode '%s' is not supported: use 'copy' or 'ro'", mode_node->str);
    }
    bool file_based = one_of(type, FILE_BASED_TYPES);
    bool read_only = strcmp(mode, "ro") == 0;
    if (read_only && !file_based)
        return db_error(ctx, i, "mount_mode",
                        "mount_mode ro is only supported for file or folder databases "
                        "(folder, csv, parquet, excel), not '%s'",
                        type);
    if (uri[0] == '\0')
        return db_error(ctx, i, "uri", "the database uri is empty");

    char *local = v6n_spec_local_path(ctx, uri);
    if (!local)
        return v6n_error_last()->code;
    /* without local checks, a file-based database is taken to exist there */
    bool exists = ctx->opts->no_local_checks ? file_based : v6n_path_exists(local);
    char *source = NULL;
    int rc = V6N_OK;
    if (exists && ctx->opts->no_local_checks) {
        source = v6n_strdup(local);
    } else if (exists && ctx->release->db_resolve) {
        char resolved[PATH_MAX];
        source = realpath(local, resolved) ? v6n_strdup(resolved) : v6n_strdup(local);
    } else if (exists) {
        /* as written; a relative path made absolute (Docker would take it for
         * a volume name) */
        source = v6n_strdup(uri[0] == '/' ? uri : local);
    } else if (file_based) {
        /* a URI given for a file type: show it (redacted), not a mangled path */
        char *shown = strstr(uri, "://") ? v6n_redact_uri(uri) : v6n_strdup(local);
        rc = shown ? db_error(ctx, i, "uri",
                              "database '%s' not found: a database of type '%s' must exist on "
                              "this machine",
                              shown, type)
                   : v6n_err_nomem();
        free(shown);
    } else if (ctx->opts->force_db_mount) {
        if (uri_is_path(uri)) {
            source = v6n_strdup(local);
        } else {
            char *shown = v6n_redact_uri(uri); /* never print a password */
            rc = shown ? db_error(ctx, i, "uri",
                                  "force_db_mount needs a file or folder path, but '%s' is "
                                  "not one (Docker would take it for a %s)",
                                  shown, strstr(uri, "://") ? "malformed path" : "volume name")
                       : v6n_err_nomem();
            free(shown);
        }
    }
    if (rc) {
        free(local);
        return rc;
    }

    v6n_node_spec *s = ctx->spec;
    char *upper = v6n_strdup(label);
    if (!upper) {
        free(source);
        free(local);
        return v6n_err_nomem();
    }
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);

    if (!exists && !ctx->opts->force_db_mount) {
        rc = v6n_strlist_pushf(&s->env, "%s_DATABASE_URI=%s", upper, uri);
        free(upper);
        free(local);
        return rc;
    }
    if (!source) {
        free(upper);
        free(local);
        return v6n_err_nomem();
    }
    /* Path(uri).suffix of the path the release binds (the resolved one from
     * 4.14 on); `local` is normalised, so it has no trailing slash */
    const char *suffix = v6n_path_suffix(ctx->release->db_resolve ? source : local);
    char key[64];
    snprintf(key, sizeof(key), "databases[%zu].uri", i);
    char *target = v6n_asprintf("/mnt/%s%s", label, suffix);
    rc = target ? v6n_strlist_pushf(&s->env, "%s_DATABASE_URI=%s%s", upper, label, suffix)
                : v6n_err_nomem();
    if (!rc)
        rc = add_host_bind(ctx, key, source, target, read_only);
    free(target);
    free(source);
    free(upper);
    free(local);
    return rc;
}

int v6n_spec_add_mounts(v6n_spec_ctx *ctx)
{
    int rc = add_fixed_mounts(ctx);
    if (!rc)
        rc = add_private_key(ctx);
    if (!rc)
        rc = add_ssh_keys(ctx);
    const v6n_ynode *dbs = ctx->config->databases;
    for (size_t i = 0; !rc && dbs && i < dbs->n; i++)
        rc = add_database(ctx, i, dbs->items[i]);
    const v6n_ynode *extra = v6n_ymap_get(ctx->config->root, "node_extra_mounts");
    for (size_t i = 0; !rc && extra && i < extra->n; i++)
        rc = v6n_strlist_push(&ctx->spec->binds, extra->items[i]->str);
    return rc;
}

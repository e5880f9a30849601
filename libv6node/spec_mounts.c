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
    const v6n_node_config *m = &ctx->config->node;
    const char *key = "encryption.private_key";
    const char *file = "private_key.pem";
    if (!v6n_str_empty(ctx->opts->private_key)) {
        file = ctx->opts->private_key;
        key = "private_key";
    } else if (m->private_key) {
        file = m->private_key;
    }
    char *path = v6n_path_join(ctx->spec->data_dir, file); /* absolute stays absolute */
    if (!path)
        return v6n_err_nomem();
    int rc = V6N_OK;
    bool named = !v6n_str_empty(ctx->opts->private_key) || m->private_key;
    if (ctx->opts->no_local_checks ? (m->encryption_enabled || named) : v6n_path_exists(path))
        rc = add_host_bind(ctx, key, path, "/mnt/private_key.pem",
                           ctx->release->private_key_read_only);
    else if (m->encryption_enabled)
        rc = v6n_config_err(ctx->config, key,
                            "encryption is enabled but the private key file '%s' does not "
                            "exist (the node would fail to start)",
                            path);
    free(path);
    return rc;
}

/* Contract section 6, ssh tunnel identity keys (their shape was checked when
 * the config was parsed; the key file must exist here). */
static int add_ssh_keys(v6n_spec_ctx *ctx)
{
    const v6n_node_config *m = &ctx->config->node;
    char key[96], target[512];
    for (size_t i = 0; i < m->n_tunnels; i++) {
        const v6n_ssh_tunnel *t = &m->tunnels[i];
        snprintf(key, sizeof(key), "ssh-tunnels[%zu].ssh.identity.key", i);
        char *path = v6n_spec_local_path(ctx, t->identity_key);
        if (!path)
            return v6n_error_last()->code;
        int rc;
        if (!ctx->opts->no_local_checks && !v6n_path_exists(path)) {
            rc = v6n_config_err(ctx->config, key,
                                "ssh tunnel '%s': identity key file '%s' does not exist",
                                t->hostname, path);
        } else {
            snprintf(target, sizeof(target), "/mnt/ssh/%s.pem.tmp", t->hostname);
            rc = add_host_bind(ctx, key, path, target, false);
        }
        free(path);
        if (rc)
            return rc;
    }
    return V6N_OK;
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

/* One database: its env entry and, when it is a file or folder, its mount.
 * Its label and uri were checked when the config was parsed; mount_mode is
 * checked here, as only some releases read it. */
static int add_database(v6n_spec_ctx *ctx, size_t i, const v6n_database_entry *db)
{
    const char *label = db->label, *uri = db->uri, *type = db->type;
    bool file_based = db->file_based;
    bool read_only = false;
    if (ctx->release->db_mount_modes) {
        if (strcmp(db->mount_mode, "copy") != 0 && strcmp(db->mount_mode, "ro") != 0)
            return db_error(ctx, i, "mount_mode",
                            "mount_mode '%s' is not supported: use 'copy' or 'ro'",
                            db->mount_mode_raw);
        read_only = strcmp(db->mount_mode, "ro") == 0;
        if (read_only && !file_based)
            return db_error(ctx, i, "mount_mode",
                            "mount_mode ro is only supported for file or folder databases "
                            "(folder, csv, parquet, excel), not '%s'",
                            type);
    }

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
    const v6n_node_config *m = &ctx->config->node;
    for (size_t i = 0; !rc && i < m->n_databases; i++)
        rc = add_database(ctx, i, &m->databases[i]);
    for (size_t i = 0; !rc && i < m->n_extra_mounts; i++)
        rc = v6n_strlist_push(&ctx->spec->binds, m->extra_mounts[i]);
    return rc;
}

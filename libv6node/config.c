/* Loading a node config and validating it as vantage6 4.x does (its
 * NodeConfiguration schema, run with ignore_extra_keys), plus the shape checks
 * the start command relies on. Every error names the file, the key path and
 * the value at fault. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int v6n_config_err(const v6n_config *c, const char *key, const char *fmt, ...)
{
    char what[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (v6n_str_empty(key))
        return v6n_err(V6N_ECONFIG, key, "%s: %s", c->path, what);
    return v6n_err(V6N_ECONFIG, key, "%s: %s: %s", c->path, key, what);
}

/* "'value'" for a scalar, or "a mapping"/"a list"/"null" otherwise, for messages. */
static const char *describe(const v6n_ynode *n, char *buf, size_t size)
{
    if (!n)
        return "nothing";
    if (n->type == V6N_Y_MAP || n->type == V6N_Y_SEQ || n->type == V6N_Y_NULL)
        return v6n_ytype_name(n->type);
    v6n_buf b = V6N_BUF_INIT;
    if (v6n_buf_quote(&b, n->str) == V6N_OK)
        snprintf(buf, size, "%s, %s", b.ptr, v6n_ytype_name(n->type));
    else
        snprintf(buf, size, "%s", v6n_ytype_name(n->type));
    v6n_buf_free(&b);
    return buf;
}

#define DESCRIBE(n) describe((n), desc, sizeof(desc))

/* Python's int(x) for a YAML value: ints, bools, finite floats and strings of
 * the form "  -1_000 " convert. The value saturates at +-LLONG_MAX. */
static bool python_int(const v6n_ynode *n, long long *value)
{
    switch (n->type) {
    case V6N_Y_INT:
        *value = n->int_fits ? n->integer : (n->str[0] == '-' ? -LLONG_MAX : LLONG_MAX);
        return true;
    case V6N_Y_BOOL:
        *value = n->boolean;
        return true;
    case V6N_Y_FLOAT:
        if (isnan(n->real) || isinf(n->real))
            return false; /* int(nan) and int(inf) raise */
        *value = n->real >= 9.2e18    ? LLONG_MAX
                 : n->real <= -9.2e18 ? -LLONG_MAX
                                      : (long long)n->real;
        return true;
    case V6N_Y_STR: {
        const char *p = n->str;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
            p++;
        bool negative = *p == '-';
        if (*p == '-' || *p == '+')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        long long v = 0;
        bool prev_digit = false;
        for (; *p; p++) {
            if (*p >= '0' && *p <= '9') {
                v = v > (LLONG_MAX - 9) / 10 ? LLONG_MAX : v * 10 + (*p - '0');
                prev_digit = true;
            } else if (*p == '_' && prev_digit && p[1] >= '0' && p[1] <= '9') {
                prev_digit = false;
            } else {
                break;
            }
        }
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
            p++;
        if (*p)
            return false;
        *value = negative ? -v : v;
        return true;
    }
    default:
        return false;
    }
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static bool is_scalar(const v6n_ynode *n)
{
    return n->type != V6N_Y_MAP && n->type != V6N_Y_SEQ;
}

static int require(const v6n_config *c, const v6n_ynode *map, const char *key, const char *key_path,
                   const v6n_ynode **out)
{
    *out = v6n_ymap_get(map, key);
    if (!*out)
        return v6n_config_err(c, key_path, "required key is missing");
    return V6N_OK;
}

static int check_logging(const v6n_config *c, const v6n_ynode *logging)
{
    char desc[256];
    if (logging->type != V6N_Y_MAP)
        return v6n_config_err(c, "logging",
                              "must be a mapping with level, use_console, backup_count, "
                              "max_size, format and datefmt (got %s)",
                              DESCRIBE(logging));
    static const char *const required[] = {"level",    "use_console", "backup_count",
                                           "max_size", "format",      "datefmt"};
    char key[64];
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        snprintf(key, sizeof(key), "logging.%s", required[i]);
        const v6n_ynode *v;
        int rc = require(c, logging, required[i], key, &v);
        if (rc)
            return rc;
    }
    const v6n_ynode *level = v6n_ymap_get(logging, "level");
    static const char *const levels[] = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};
    bool level_ok = false;
    for (size_t i = 0; is_scalar(level) && i < 5; i++)
        level_ok = level_ok || strcmp(level->str, levels[i]) == 0;
    if (!level_ok)
        return v6n_config_err(c, "logging.level",
                              "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (got %s)",
                              DESCRIBE(level));
    long long n;
    const v6n_ynode *count = v6n_ymap_get(logging, "backup_count");
    if (!python_int(count, &n) || n <= 0)
        return v6n_config_err(c, "logging.backup_count",
                              "must be an integer greater than 0 (got %s)", DESCRIBE(count));
    const v6n_ynode *size = v6n_ymap_get(logging, "max_size");
    if (!python_int(size, &n) || n <= 16)
        return v6n_config_err(c, "logging.max_size", "must be an integer greater than 16 (got %s)",
                              DESCRIBE(size));
    return V6N_OK;
}

static int check_encryption(const v6n_config *c, const v6n_ynode *enc)
{
    char desc[256];
    if (enc->type != V6N_Y_MAP)
        return v6n_config_err(c, "encryption",
                              "must be a mapping with 'enabled' (true or false) and optionally "
                              "'private_key' (got %s)",
                              DESCRIBE(enc));
    const v6n_ynode *enabled;
    int rc = require(c, enc, "enabled", "encryption.enabled", &enabled);
    if (rc)
        return rc;
    if (enabled->type != V6N_Y_BOOL)
        return v6n_config_err(c, "encryption.enabled", "must be true or false (got %s)",
                              DESCRIBE(enabled));
    const v6n_ynode *key = v6n_ymap_get(enc, "private_key");
    if (key && !is_scalar(key))
        return v6n_config_err(c, "encryption.private_key", "must be a file name or path (got %s)",
                              DESCRIBE(key));
    return V6N_OK;
}

static int check_databases(const v6n_config *c, const v6n_ynode *dbs)
{
    char desc[256], key[64];
    if (dbs->type != V6N_Y_SEQ)
        return v6n_config_err(c, "databases",
                              "databases must be a list of {label, uri, type} (got %s)",
                              DESCRIBE(dbs));
    for (size_t i = 0; i < dbs->n; i++) {
        const v6n_ynode *db = dbs->items[i];
        snprintf(key, sizeof(key), "databases[%zu]", i);
        if (db->type != V6N_Y_MAP)
            return v6n_config_err(c, key, "must be a mapping with label, uri and type (got %s)",
                                  DESCRIBE(db));
        static const char *const fields[] = {"label", "uri", "type"};
        for (size_t f = 0; f < 3; f++) {
            snprintf(key, sizeof(key), "databases[%zu].%s", i, fields[f]);
            const v6n_ynode *v;
            int rc = require(c, db, fields[f], key, &v);
            if (rc)
                return rc;
            bool ok = f == 0 ? v->type == V6N_Y_STR : is_scalar(v) && v->type != V6N_Y_NULL;
            if (!ok)
                return v6n_config_err(c, key, "must be a string (got %s)", DESCRIBE(v));
        }
        const v6n_ynode *mode = v6n_ymap_get(db, "mount_mode");
        snprintf(key, sizeof(key), "databases[%zu].mount_mode", i);
        if (mode && !is_scalar(mode))
            return v6n_config_err(c, key, "must be 'copy' or 'ro' (got %s)", DESCRIBE(mode));
    }
    return V6N_OK;
}

static int check_optional(const v6n_config *c)
{
    char desc[256], key[64];
    const v6n_ynode *v;
    if ((v = v6n_ymap_get(c->root, "node_extra_env")) && v->type != V6N_Y_MAP)
        return v6n_config_err(c, "node_extra_env",
                              "must be a mapping of variable names to values (got %s)",
                              DESCRIBE(v));
    if ((v = v6n_ymap_get(c->root, "node_extra_mounts"))) {
        if (v->type != V6N_Y_SEQ)
            return v6n_config_err(c, "node_extra_mounts",
                                  "must be a list of 'source:target[:ro]' strings (got %s)",
                                  DESCRIBE(v));
        for (size_t i = 0; i < v->n; i++) {
            snprintf(key, sizeof(key), "node_extra_mounts[%zu]", i);
            if (v->items[i]->type != V6N_Y_STR)
                return v6n_config_err(c, key, "must be a string (got %s)", DESCRIBE(v->items[i]));
            if (!v->items[i]->str[0] || has_control(v->items[i]->str))
                return v6n_config_err(c, key,
                                      "must be a 'source:target[:ro]' string without control "
                                      "characters (got %s)",
                                      DESCRIBE(v->items[i]));
        }
    }
    if ((v = v6n_ymap_get(c->root, "node_extra_hosts")) && v->type != V6N_Y_MAP)
        return v6n_config_err(c, "node_extra_hosts",
                              "must be a mapping of host names to addresses (got %s)", DESCRIBE(v));
    if ((v = v6n_ymap_get(c->root, "images"))) {
        if (v->type != V6N_Y_MAP && v->type != V6N_Y_NULL)
            return v6n_config_err(c, "images", "must be a mapping (got %s)", DESCRIBE(v));
        const v6n_ynode *node = v6n_ymap_get(v, "node");
        if (node && v6n_ynode_truthy(node) && node->type != V6N_Y_STR)
            return v6n_config_err(c, "images.node", "must be an image name (got %s)",
                                  DESCRIBE(node));
    }
    if ((v = v6n_ymap_get(c->root, "ssh-tunnels")) && v->type != V6N_Y_SEQ)
        return v6n_config_err(c, "ssh-tunnels", "must be a list of tunnels (got %s)", DESCRIBE(v));
    if ((v = v6n_ymap_get(c->root, "directories"))) {
        if (v->type != V6N_Y_MAP && v->type != V6N_Y_NULL)
            return v6n_config_err(c, "directories",
                                  "must be a mapping with 'log' and/or 'data' (got %s)",
                                  DESCRIBE(v));
        static const char *const dirs[] = {"log", "data"};
        for (size_t i = 0; i < 2; i++) {
            const v6n_ynode *d = v6n_ymap_get(v, dirs[i]);
            snprintf(key, sizeof(key), "directories.%s", dirs[i]);
            if (d && v6n_ynode_truthy(d) && d->type != V6N_Y_STR)
                return v6n_config_err(c, key, "must be a folder path (got %s)", DESCRIBE(d));
        }
    }
    return V6N_OK;
}

/* ---- the typed view, and the checks that need more than one key ---------- */

const char *const V6N_BASE_ENV[V6N_VOLUME_COUNT + 1] = {"DATA_VOLUME_NAME", "VPN_VOLUME_NAME",
                                                        "SSH_TUNNEL_VOLUME_NAME",
                                                        "SSH_SQUID_VOLUME_NAME", "PRIVATE_KEY"};

static const char *const FILE_BASED_TYPES[] = {"folder", "csv", "parquet", "excel", NULL};

static bool one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

/* The string of a truthy scalar, else NULL. */
static const char *truthy_str(const v6n_ynode *n)
{
    return v6n_ynode_truthy(n) && is_scalar(n) ? n->str : NULL;
}

static const char *str_or_null(const v6n_ynode *n)
{
    return n && n->type != V6N_Y_NULL && is_scalar(n) ? n->str : NULL;
}

static bool valid_tunnel_host(const char *h)
{
    return v6n_is_node_name(h) && h[0] != '.' && h[0] != '-' && strlen(h) <= 255;
}

/* ssh-tunnels: each {hostname, ssh: {identity: {key}}} (contract section 6;
 * whether the key file exists is the spec's to check). */
static int model_tunnels(v6n_config *c)
{
    const v6n_ynode *tunnels = v6n_ymap_get(c->root, "ssh-tunnels");
    if (!tunnels || !tunnels->n)
        return V6N_OK;
    v6n_node_config *m = &c->node;
    if (!(m->tunnels = calloc(tunnels->n, sizeof(*m->tunnels))))
        return v6n_err_nomem();
    char key[96];
    for (size_t i = 0; i < tunnels->n; i++) {
        const v6n_ynode *t = tunnels->items[i];
        snprintf(key, sizeof(key), "ssh-tunnels[%zu]", i);
        if (t->type != V6N_Y_MAP)
            return v6n_config_err(c, key,
                                  "must be a mapping with hostname and ssh.identity.key "
                                  "(got %s)",
                                  v6n_ytype_name(t->type));
        const v6n_ynode *host = v6n_ymap_get(t, "hostname");
        snprintf(key, sizeof(key), "ssh-tunnels[%zu].hostname", i);
        if (!host || host->type != V6N_Y_STR || !valid_tunnel_host(host->str))
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
        m->tunnels[m->n_tunnels++] = (v6n_ssh_tunnel){host->str, ident->str};
    }
    return V6N_OK;
}

/* databases: labels (identifiers, unique), uri, type, mount_mode as vantage6
 * reads it (whether a release checks mount_mode is the spec's business). */
static int model_databases(v6n_config *c)
{
    const v6n_ynode *dbs = v6n_ymap_get(c->root, "databases");
    v6n_node_config *m = &c->node;
    if (dbs->n && !(m->databases = calloc(dbs->n, sizeof(*m->databases))))
        return v6n_err_nomem();
    char key[64];
    for (size_t i = 0; i < dbs->n; i++) {
        const v6n_ynode *db = dbs->items[i];
        v6n_database_entry *e = &m->databases[i];
        e->label = v6n_ymap_get(db, "label")->str;
        e->uri = v6n_ymap_get(db, "uri")->str;
        e->type = v6n_ymap_get(db, "type")->str;
        e->file_based = one_of(e->type, FILE_BASED_TYPES);
        snprintf(key, sizeof(key), "databases[%zu].label", i);
        if (strlen(e->label) > V6N_LABEL_MAX)
            return v6n_config_err(c, key, "database label is %zu characters long; at most %d",
                                  strlen(e->label), V6N_LABEL_MAX);
        if (!v6n_is_identifier(e->label))
            return v6n_config_err(c, key,
                                  "database label '%s' is not allowed: use ASCII letters, digits "
                                  "and underscores, not starting with a digit",
                                  e->label);
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->databases[j].label, e->label) == 0)
                return v6n_config_err(c, key,
                                      "duplicate database label '%s' (also used by "
                                      "databases[%zu])",
                                      e->label, j);
        /* mount_mode: str(value).lower(), default copy */
        const v6n_ynode *mode = v6n_ymap_get(db, "mount_mode");
        const char *raw = mode ? mode->str : "copy";
        size_t n = strlen(raw);
        if (n >= sizeof(e->mount_mode))
            n = sizeof(e->mount_mode) - 1;
        for (size_t k = 0; k < n; k++)
            e->mount_mode[k] = (char)((raw[k] >= 'A' && raw[k] <= 'Z') ? raw[k] + 32 : raw[k]);
        e->mount_mode[n] = '\0';
        e->mount_mode_raw = mode ? mode->str : NULL;
        snprintf(key, sizeof(key), "databases[%zu].uri", i);
        if (e->uri[0] == '\0')
            return v6n_config_err(c, key, "the database uri is empty");
        m->n_databases++;
    }
    return V6N_OK;
}

/* Would `name` overwrite a variable the node gets before node_extra_env? */
static bool is_base_env(const v6n_config *c, const char *name)
{
    for (size_t i = 0; i < sizeof(V6N_BASE_ENV) / sizeof(V6N_BASE_ENV[0]); i++)
        if (strcmp(name, V6N_BASE_ENV[i]) == 0)
            return true;
    const char *suffix = strstr(name, "_DATABASE_URI");
    if (!suffix || suffix[strlen("_DATABASE_URI")] != '\0')
        return false;
    size_t n = (size_t)(suffix - name);
    for (size_t i = 0; i < c->node.n_databases; i++) {
        const char *label = c->node.databases[i].label;
        bool same = strlen(label) == n;
        for (size_t k = 0; same && k < n; k++)
            same = (label[k] >= 'a' && label[k] <= 'z' ? label[k] - 32 : label[k]) == name[k];
        if (same)
            return true;
    }
    return false;
}

/* node_extra_env: identifiers, single values, nothing the node already gets
 * (contract section 7). */
static int model_extra_env(v6n_config *c)
{
    const v6n_ynode *extra = v6n_ymap_get(c->root, "node_extra_env");
    if (!extra || !extra->n)
        return V6N_OK;
    v6n_node_config *m = &c->node;
    if (!(m->extra_env = calloc(extra->n, sizeof(*m->extra_env))))
        return v6n_err_nomem();
    char key[320];
    for (size_t i = 0; i < extra->n; i++) {
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
        if (is_base_env(c, k->str))
            return v6n_config_err(c, key,
                                  "cannot overwrite the node environment variable %s, which "
                                  "libv6node sets itself",
                                  k->str);
        if (!is_scalar(v))
            return v6n_config_err(c, key, "must be a single value (got %s)",
                                  v6n_ytype_name(v->type));
        m->extra_env[m->n_extra_env++] =
            (v6n_config_pair){k->str, v->type == V6N_Y_NULL ? NULL : v->str};
    }
    return V6N_OK;
}

/* Spaces and control characters: not in a host name or address. */
static bool has_space(const char *s)
{
    for (; *s; s++)
        if (*s == ' ' || (unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* node_extra_hosts: host names to addresses (or host-gateway). */
static int model_extra_hosts(v6n_config *c)
{
    const v6n_ynode *hosts = v6n_ymap_get(c->root, "node_extra_hosts");
    if (!hosts || !hosts->n)
        return V6N_OK;
    v6n_node_config *m = &c->node;
    if (!(m->extra_hosts = calloc(hosts->n, sizeof(*m->extra_hosts))))
        return v6n_err_nomem();
    char key[320];
    for (size_t i = 0; i < hosts->n; i++) {
        const v6n_ynode *k = hosts->keys[i], *v = hosts->items[i];
        snprintf(key, sizeof(key), "node_extra_hosts.%s", k->str);
        if (k->str[0] == '\0' || strchr(k->str, ':') || has_space(k->str))
            return v6n_config_err(c, key, "'%s' is not a host name (no ':' or spaces allowed)",
                                  k->str);
        if (!is_scalar(v) || v->type == V6N_Y_NULL || v->str[0] == '\0' || has_space(v->str))
            return v6n_config_err(c, key, "must be an IP address or host-gateway (got %s)",
                                  v->type == V6N_Y_STR ? "a value with spaces or nothing"
                                                       : v6n_ytype_name(v->type));
        m->extra_hosts[m->n_extra_hosts++] = (v6n_config_pair){k->str, v->str};
    }
    return V6N_OK;
}

static int build_model(v6n_config *c)
{
    const v6n_ynode *root = c->root;
    v6n_node_config *m = &c->node;
    m->server_url = str_or_null(v6n_ymap_get(root, "server_url"));
    m->port = truthy_str(v6n_ymap_get(root, "port"));
    m->api_path = str_or_null(v6n_ymap_get(root, "api_path"));
    const v6n_ynode *enc = v6n_ymap_get(root, "encryption");
    m->encryption_enabled = v6n_ymap_get(enc, "enabled")->boolean;
    m->private_key = truthy_str(v6n_ymap_get(enc, "private_key"));
    m->image_node = truthy_str(v6n_ymap_get(v6n_ymap_get(root, "images"), "node"));
    const v6n_ynode *dirs = v6n_ymap_get(root, "directories");
    m->dir_log = truthy_str(v6n_ymap_get(dirs, "log"));
    m->dir_data = truthy_str(v6n_ymap_get(dirs, "data"));
    const v6n_ynode *mounts = v6n_ymap_get(root, "node_extra_mounts");
    if (mounts && mounts->n) {
        if (!(m->extra_mounts = calloc(mounts->n, sizeof(*m->extra_mounts))))
            return v6n_err_nomem();
        for (size_t i = 0; i < mounts->n; i++)
            m->extra_mounts[m->n_extra_mounts++] = mounts->items[i]->str;
    }
    int rc = model_tunnels(c);
    if (!rc)
        rc = model_databases(c);
    if (!rc)
        rc = model_extra_env(c);
    if (!rc)
        rc = model_extra_hosts(c);
    return rc;
}

static int validate(v6n_config *c)
{
    if (!c->root)
        return v6n_config_err(c, NULL,
                              "the file is empty; a node config needs at least api_key, "
                              "server_url, port, api_path, task_dir, databases, logging and "
                              "encryption");
    if (c->root->type != V6N_Y_MAP)
        return v6n_config_err(c, NULL,
                              "the top level must be a mapping of config keys (got %s at line "
                              "%zu)",
                              v6n_ytype_name(c->root->type), c->root->line);

    /* The required keys, in the order vantage6 declares them. */
    static const char *const required[] = {"api_key",   "server_url", "port",    "task_dir",
                                           "databases", "api_path",   "logging", "encryption"};
    const v6n_ynode *v;
    int rc;
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if ((rc = require(c, c->root, required[i], required[i], &v)))
            return rc;

    char desc[256];
    long long ignored;
    v = v6n_ymap_get(c->root, "port");
    if (v->type != V6N_Y_NULL && !python_int(v, &ignored))
        return v6n_config_err(c, "port", "must be an integer (got %s)", DESCRIBE(v));
    if ((rc = check_databases(c, v6n_ymap_get(c->root, "databases"))))
        return rc;
    if ((rc = check_logging(c, v6n_ymap_get(c->root, "logging"))))
        return rc;
    if ((rc = check_encryption(c, v6n_ymap_get(c->root, "encryption"))))
        return rc;
    if ((rc = check_optional(c)))
        return rc;
    return build_model(c);
}

static int check_name(const v6n_config *c)
{
    if (v6n_name_ok(c->name))
        return V6N_OK;
    v6n_name_check(c->name, V6N_ECONFIG, NULL); /* says what is wrong */
    return v6n_config_err(c, NULL, "%s (the config file's name without extension is the node name)",
                          v6n_error_last()->message);
}

int v6n_config_parse(v6n_config **out, const char *text, size_t len, const char *path)
{
    if (!out || (!text && len) || v6n_str_empty(path))
        return v6n_err(V6N_EINVAL, NULL, "v6n_config_parse: out, text and path are required");
    *out = NULL;
    v6n_config *c = calloc(1, sizeof(*c));
    if (!c)
        return v6n_err_nomem();
    c->refs = 1;
    int rc = V6N_OK;
    if (!(c->path = v6n_path_absolute(path, NULL))) {
        free(c);
        return v6n_error_last()->code;
    }
    c->dir = v6n_path_dirname(c->path);
    c->file_name = v6n_strdup(v6n_path_basename(c->path));
    c->name = v6n_path_stem(c->path);
    c->name_yaml = c->name ? v6n_asprintf("%s.yaml", c->name) : NULL;
    if (!c->dir || !c->file_name || !c->name || !c->name_yaml)
        rc = v6n_err_nomem();
    if (!rc)
        rc = check_name(c);
    if (!rc)
        rc = v6n_yaml_parse(&c->doc, text ? text : "", len, c->path);
    if (!rc) {
        c->root = c->doc.root;
        rc = validate(c);
    }
    if (rc) {
        v6n_config_free(c);
        return rc;
    }
    *out = c;
    return V6N_OK;
}

int v6n_config_load(v6n_config **out, const char *path)
{
    if (!out || v6n_str_empty(path))
        return v6n_err(V6N_EINVAL, NULL, "v6n_config_load: out and path are required");
    *out = NULL;
    char *abs = v6n_path_absolute(path, NULL);
    if (!abs)
        return v6n_error_last()->code;
    char *text;
    size_t len;
    int rc = v6n_read_file(&text, &len, abs);
    if (!rc) {
        rc = v6n_config_parse(out, text, len, abs);
        free(text);
    }
    free(abs);
    return rc;
}

int v6n_config_load_name(v6n_config **out, const char *name, v6n_scope scope,
                         const char *config_dir)
{
    if (!out || v6n_str_empty(name))
        return v6n_err(V6N_EINVAL, NULL, "v6n_config_load_name: out and name are required");
    *out = NULL;
    int rc = v6n_name_check(name, V6N_ECONFIG, NULL);
    if (rc)
        return rc;
    char *dirs[2] = {NULL, NULL};
    dirs[0] = config_dir ? v6n_path_absolute(config_dir, NULL) : v6n_folder_config(scope);
    if (!dirs[0])
        return v6n_error_last()->code;
    dirs[1] = v6n_path_absolute(".", NULL);
    if (!dirs[1]) {
        free(dirs[0]);
        return v6n_error_last()->code;
    }
    static const char *const exts[] = {".yaml", ".yml"};
    rc = V6N_ENOTFOUND;
    for (size_t d = 0; d < 2 && rc == V6N_ENOTFOUND; d++) {
        for (size_t e = 0; e < 2 && rc == V6N_ENOTFOUND; e++) {
            char *file = v6n_asprintf("%s/%s%s", dirs[d], name, exts[e]);
            if (!file) {
                rc = v6n_err_nomem();
                break;
            }
            if (v6n_path_exists(file))
                rc = v6n_config_load(out, file);
            free(file);
        }
    }
    if (rc == V6N_ENOTFOUND && !*out)
        rc = v6n_err(V6N_ENOTFOUND, NULL,
                     "no config for node '%s' in the %s folders: looked for %s.yaml and %s.yml "
                     "in %s and %s",
                     name, v6n_scope_name(scope), name, name, dirs[0], dirs[1]);
    free(dirs[0]);
    free(dirs[1]);
    return rc;
}

v6n_config *v6n_config_ref(const v6n_config *config)
{
    v6n_config *c = (v6n_config *)config; /* the reference count is not the config's content */
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
    return c;
}

void v6n_config_free(v6n_config *c)
{
    if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    v6n_yaml_free(&c->doc);
    free(c->node.databases);
    free(c->node.extra_env);
    free(c->node.extra_mounts);
    free(c->node.extra_hosts);
    free(c->node.tunnels);
    free(c->path);
    free(c->dir);
    free(c->file_name);
    free(c->name_yaml);
    free(c->name);
    free(c);
}

const char *v6n_config_name(const v6n_config *c)
{
    return c ? c->name : NULL;
}

const char *v6n_config_path(const v6n_config *c)
{
    return c ? c->path : NULL;
}

/* Walk "a.b[2].c" from the root. Keys may not contain '.' or '['. */
static const v6n_ynode *walk(const v6n_config *c, const char *path)
{
    const v6n_ynode *n = c->root;
    const char *p = path;
    while (n && *p) {
        if (*p == '[') {
            char *end;
            errno = 0;
            unsigned long long i = strtoull(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || errno || n->type != V6N_Y_SEQ || i >= n->n)
                return NULL;
            n = n->items[i];
            p = end + 1;
        } else {
            size_t len = strcspn(p, ".[");
            char key[256];
            if (len == 0 || len >= sizeof(key))
                return NULL;
            memcpy(key, p, len);
            key[len] = '\0';
            n = v6n_ymap_get(n, key);
            p += len;
        }
        if (*p == '.')
            p++;
    }
    return n;
}

const char *v6n_config_get(const v6n_config *c, const char *key_path)
{
    if (!c || !key_path)
        return NULL;
    const v6n_ynode *n = walk(c, key_path);
    return (n && is_scalar(n)) ? n->str : NULL;
}

size_t v6n_config_database_count(const v6n_config *c)
{
    return c ? c->node.n_databases : 0;
}

const char *v6n_config_database_label(const v6n_config *c, size_t i)
{
    return c && i < c->node.n_databases ? c->node.databases[i].label : NULL;
}

const char *v6n_config_database_uri(const v6n_config *c, size_t i)
{
    return c && i < c->node.n_databases ? c->node.databases[i].uri : NULL;
}

const char *v6n_config_database_type(const v6n_config *c, size_t i)
{
    return c && i < c->node.n_databases ? c->node.databases[i].type : NULL;
}

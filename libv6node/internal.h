/* Internal declarations shared by the library's source files. Not installed. */
#ifndef V6N_INTERNAL_H
#define V6N_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <yajl/yajl_tree.h>

#include "v6node.h"

#if defined(__GNUC__) || defined(__clang__)
#define V6N_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define V6N_PRINTF(fmt, args)
#endif

/* ---- errors (error.c) ---------------------------------------------------- */

/* Record an error for v6n_error_last() and return `code`. `key` may be NULL. */
int v6n_err(int code, const char *key, const char *fmt, ...) V6N_PRINTF(3, 4);
int v6n_err_http(int code, int http_status, const char *fmt, ...) V6N_PRINTF(3, 4);
/* Shorthand for an allocation failure. */
int v6n_err_nomem(void);

/* A copy of the current error, so clean-up work that may fail cannot overwrite
 * the error the caller must see. */
typedef struct v6n_err_snapshot {
    int code;
    int http_status;
    char message[2048];
    char key[256];
} v6n_err_snapshot;
void v6n_err_save(v6n_err_snapshot *s);
/* Restore the saved error and return its code. */
int v6n_err_restore(const v6n_err_snapshot *s);

/* The longest node name and database label: the container, volume and
 * /mnt/<label><suffix> names built from them must stay within the engine's
 * and the file system's limits (255 bytes per path component). */
#define V6N_NAME_MAX  128
#define V6N_LABEL_MAX 200

/* ---- versioned options structs ------------------------------------------------- */

/* V6N_OK when `opts` is NULL or of a version this library knows, else
 * V6N_EINVAL naming `what`. The one check every options struct gets. */
#define V6N_CHECK_VERSION(opts, current, what)                                                     \
    (((opts) && ((opts)->version == 0 || (opts)->version > (unsigned)(current)))                   \
         ? v6n_err(V6N_EINVAL, "version",                                                          \
                   "%s version %u is not supported (this library knows %d)", (what),               \
                   (opts)->version, (int)(current))                                                \
         : V6N_OK)

/* The _init() function of an options struct: the INIT macro's defaults. */
#define V6N_DEFINE_OPTIONS_INIT(function, type, init_macro, current)                               \
    int function(type *opts, unsigned int version)                                                 \
    {                                                                                              \
        if (!opts || version == 0 || version > (unsigned)(current))                                \
            return v6n_err(V6N_EINVAL, NULL, #function ": unsupported version %u", version);       \
        type init = init_macro;                                                                    \
        *opts = init;                                                                              \
        return V6N_OK;                                                                             \
    }

/* ---- growable string (util.c) -------------------------------------------- */

typedef struct v6n_buf {
    char *ptr; /* always NUL-terminated once anything was added */
    size_t len;
    size_t cap;
} v6n_buf;

#define V6N_BUF_INIT                                                                               \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

int v6n_buf_add(v6n_buf *b, const char *data, size_t len);
int v6n_buf_puts(v6n_buf *b, const char *s);
int v6n_buf_putc(v6n_buf *b, char c);
int v6n_buf_printf(v6n_buf *b, const char *fmt, ...) V6N_PRINTF(2, 3);
int v6n_buf_vprintf(v6n_buf *b, const char *fmt, va_list ap) V6N_PRINTF(2, 0);
/* Take ownership of the contents (an empty string when nothing was added). */
char *v6n_buf_detach(v6n_buf *b);
void v6n_buf_clear(v6n_buf *b);
void v6n_buf_free(v6n_buf *b);

/* ---- growable string list (util.c) --------------------------------------- */

typedef struct v6n_strlist {
    char **items;
    size_t len;
    size_t cap;
} v6n_strlist;

#define V6N_STRLIST_INIT                                                                           \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

int v6n_strlist_push(v6n_strlist *l, const char *s); /* copies s */
int v6n_strlist_push_owned(v6n_strlist *l, char *s); /* takes s; frees it on failure */
int v6n_strlist_pushf(v6n_strlist *l, const char *fmt, ...) V6N_PRINTF(2, 3);
bool v6n_strlist_contains(const v6n_strlist *l, const char *s);
void v6n_strlist_free(v6n_strlist *l);

/* ---- small helpers (util.c) ---------------------------------------------- */

char *v6n_strdup(const char *s); /* NULL-safe; NULL on OOM */
char *v6n_strndup(const char *s, size_t n);
char *v6n_asprintf(const char *fmt, ...) V6N_PRINTF(1, 2);
char *v6n_vasprintf(const char *fmt, va_list ap) V6N_PRINTF(1, 0);
bool v6n_str_empty(const char *s);      /* NULL or "" */
bool v6n_is_identifier(const char *s);  /* ^[A-Za-z_][A-Za-z0-9_]*$ */
bool v6n_is_node_name(const char *s);   /* ^[a-zA-Z0-9_.-]+$ */
bool v6n_is_volume_name(const char *s); /* ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$ */
/* Quote a value for a message: 'value', control bytes escaped, long values cut. */
int v6n_buf_quote(v6n_buf *b, const char *s);
/* Copy of `uri` with the password of a "scheme://user:password@host" part
 * replaced by ***. NULL on OOM. */
char *v6n_redact_uri(const char *uri);
/* Percent-escape a query value or path segment. NULL on OOM. */
char *v6n_escape(const char *s);
/* base64, padded, on one line (Python's b64encode), by libcrypto; and with the
 * URL-safe alphabet, padding kept (urlsafe_b64encode). NULL on OOM. */
char *v6n_base64(const unsigned char *data, size_t len);
char *v6n_base64url(const unsigned char *data, size_t len);

/* ---- paths (path.c) -------------------------------------------------------- */

/* Join a and b (b absolute: b alone). Lexically normalised like os.path.abspath
 * when `a` is absolute. NULL on OOM. */
char *v6n_path_join(const char *a, const char *b);
/* Lexical normalisation: collapses "//", "/./" and "x/.." (os.path.normpath). */
char *v6n_path_normalize(const char *path);
/* Absolute version of `path`, relative to `base` (NULL: the current directory).
 * NULL on failure, with the error recorded. */
char *v6n_path_absolute(const char *path, const char *base);
char *v6n_path_dirname(const char *path);
const char *v6n_path_basename(const char *path);
/* The stem of a file name ("alpha.yaml" -> "alpha"), as Python's Path.stem. */
char *v6n_path_stem(const char *path);
/* The last dot-suffix of the final component, as Python's PurePath.suffix
 * ("" when none). Points into `path`, which must not end with a slash. */
const char *v6n_path_suffix(const char *path);
bool v6n_path_exists(const char *path);
bool v6n_path_is_dir(const char *path);
/* The executable `name` in $PATH (as Python's shutil.which, which docker-py
 * uses; an empty entry is the current folder), or NULL (also on OOM). */
char *v6n_path_which(const char *name);
/* mkdir -p. Returns V6N_OK or V6N_EIO with the error recorded. */
int v6n_path_mkdirs(const char *path);
/* Read a whole file. The caller frees *out. V6N_ENOTFOUND/V6N_EIO/V6N_ENOMEM. */
int v6n_read_file(char **out, size_t *out_len, const char *path);
/* The docker CLI's folder in the user's home: $HOME/.docker (the passwd entry's
 * home when HOME is unset). NULL on OOM. */
char *v6n_home_docker_dir(void);

/* ---- folders (folders.c) ---------------------------------------------------- */

/* vantage6's folders for node `name` in `scope` (appdirs on Linux, with the
 * XDG variables honoured). Each returns a newly allocated absolute path, or NULL
 * with the error recorded. */
char *v6n_folder_config(v6n_scope scope);
char *v6n_folder_data(v6n_scope scope, const char *name);
char *v6n_folder_log(v6n_scope scope, const char *name);

/* ---- the YAML tree (yaml_tree.c) -------------------------------------------- */

typedef enum v6n_ytype {
    V6N_Y_NULL,
    V6N_Y_BOOL,
    V6N_Y_INT,
    V6N_Y_FLOAT,
    V6N_Y_STR,
    V6N_Y_MAP,
    V6N_Y_SEQ,
} v6n_ytype;

typedef struct v6n_ynode v6n_ynode;
struct v6n_ynode {
    v6n_ytype type;
    /* Scalars: the value as Python's str() renders what PyYAML's safe_load
     * builds ("True", "4880" for 1:21:20, "1000.0", "None"). */
    char *str;
    bool boolean;      /* V6N_Y_BOOL */
    bool merge;        /* a plain, untagged "<<" key: a merge key */
    bool int_fits;     /* V6N_Y_INT: the value fits in `integer` */
    long long integer; /* V6N_Y_INT */
    double real;       /* V6N_Y_FLOAT */
    /* V6N_Y_SEQ: items[0..n). V6N_Y_MAP: keys[i] -> items[i], keys unique. */
    v6n_ynode **items;
    v6n_ynode **keys;
    size_t n;
    size_t cap;
    size_t line, column; /* 1-based position of the node in the text */
    v6n_ynode *next_alloc;
};

typedef struct v6n_ydoc {
    v6n_ynode *root;  /* NULL for an empty document */
    v6n_ynode *nodes; /* every node, for freeing (aliases share nodes) */
} v6n_ydoc;

/* Parse YAML text like PyYAML's safe_load (YAML 1.1 scalar resolution, merge
 * keys, aliases shared rather than copied). `name` is the file name used in
 * messages. V6N_ECONFIG on invalid YAML (with line and column). */
int v6n_yaml_parse(v6n_ydoc *doc, const char *text, size_t len, const char *name);
void v6n_yaml_free(v6n_ydoc *doc);
/* The value of string key `key` in mapping `map`, or NULL. */
const v6n_ynode *v6n_ymap_get(const v6n_ynode *map, const char *key);
/* Python truthiness of a node (None, False, 0, "", [] and {} are false). */
bool v6n_ynode_truthy(const v6n_ynode *node);
const char *v6n_ytype_name(v6n_ytype type);

/* ---- release lines (release.c) ------------------------------------------- */

/* Where a release mounts the node config. */
typedef enum v6n_config_mount {
    V6N_CONFIG_MOUNT_FOLDER = 0, /* the folder holding it, at /mnt/config */
    V6N_CONFIG_MOUNT_FILE = 1,   /* the file alone, at /mnt/config/<name>.yaml */
} v6n_config_mount;

/* What one vantage6 release line's `v6 node start` builds differently. */
typedef struct v6n_release {
    const char *line;            /* "4.15" */
    const char *const *versions; /* its releases on PyPI, oldest first, NULL-terminated */
    const char *registry;        /* DEFAULT_DOCKER_REGISTRY: "ghcr.io/vantage6" */
    v6n_config_mount config_mount;
    bool config_read_only;      /* the config mount is :ro */
    bool private_key_read_only; /* the private key mount is :ro */
    bool db_mount_modes;        /* databases[].mount_mode is read and checked */
    bool db_resolve;            /* an existing database path is resolve()d (symlinks) */
} v6n_release;

/* Line i of the table, newest first; NULL past the last. */
const v6n_release *v6n_release_at(size_t i);
/* The newest line (the default). */
const v6n_release *v6n_release_default(void);
/* The newest release of a line: "4.15.2". */
const char *v6n_release_newest(const v6n_release *r);
/* The line of an option value ("4.15", "4.14.0"; NULL or "": the default).
 * "auto" and unknown versions are V6N_EINVAL with the reason. */
int v6n_release_find(const v6n_release **out, const char *version);
/* The line of a server's version ("4.14.0rc1"): only major.minor counts.
 * V6N_EINVAL with the reason when libv6node does not build that line. */
int v6n_release_of_server(const v6n_release **out, const char *server_version);
/* Does the server's version belong to line `r`? */
bool v6n_release_same_line(const v6n_release *r, const char *server_version);

/* ---- names (names.c) --------------------------------------------------------- */

/* The volume name suffixes and mount points, by v6n_volume_kind. */
extern const char *const V6N_VOLUME_SUFFIXES[V6N_VOLUME_COUNT];
extern const char *const V6N_VOLUME_TARGETS[V6N_VOLUME_COUNT];
/* The labels of a node container, and the filter that finds node containers. */
#define V6N_LABEL_TYPE        "vantage6-type"
#define V6N_LABEL_SYSTEM      "system"
#define V6N_LABEL_NAME        "name"
#define V6N_NODE_LABEL_FILTER V6N_LABEL_TYPE "=node"
#define V6N_TMP_VOLUME_SUFFIX "-tmpvol"

/* The node-name rule: ^[a-zA-Z0-9_.-]+$, not "." or "..", at most V6N_NAME_MAX. */
bool v6n_name_ok(const char *name);
/* false when the name is fine; else true, with what is wrong in `buf`. */
bool v6n_name_describe(const char *name, char *buf, size_t size);
/* V6N_OK, or `code` (with `key`) saying what is wrong with the name. */
int v6n_name_check(const char *name, int code, const char *key);
/* vantage6-NAME-SCOPE. NULL on OOM (recorded). */
char *v6n_name_container(const char *name, v6n_scope scope);
/* <container>-vol, -vpn-vol, -ssh-vol, -squid-vol. NULL on OOM (recorded). */
char *v6n_name_volume(const char *container, v6n_volume_kind kind);
/* The node name and scope of a container name vantage6-NAME-SCOPE (*name is
 * the caller's). V6N_EINVAL when it is not a node's container name. */
int v6n_name_of_container(const char *container, char **name, v6n_scope *scope);
/* "vantage6-NAME-SCOPE-" (name NULL: "vantage6-"), the prefix of temporary
 * volumes vantage6-NAME-SCOPE-RUN-tmpvol. NULL on OOM (recorded). */
char *v6n_name_tmp_volume_prefix(const char *name, v6n_scope scope);
/* Is `vol` a temporary volume under `prefix` (with one node: RUN is digits)? */
bool v6n_name_is_tmp_volume(const char *vol, const char *prefix, bool one_node);

/* DEFAULT_NODE_IMAGE_WO_TAG and MAIN_VERSION_NAME, the same in every 4.x line. */
#define V6N_NODE_REPOSITORY  "infrastructure/node"
#define V6N_DEFAULT_NODE_TAG "cotopaxi"
/* The image tag the server-version rule takes from a server's version:
 * "4.13.2" -> "4.13". NULL with the error recorded (V6N_EINVAL: no valid tag). */
char *v6n_server_version_tag(const char *version);
/* "<registry>/infrastructure/node:<tag>" of line `r` (tag NULL: the default
 * image, node:cotopaxi). NULL on OOM (recorded). */
char *v6n_release_node_image(const v6n_release *r, const char *tag);
/* Is `image` one of line `r`'s node images (any tag)? */
bool v6n_release_is_node_image(const v6n_release *r, const char *image);

/* ---- start options (options.c) -------------------------------------------- */

typedef enum v6n_option_kind {
    V6N_OPT_SCOPE,
    V6N_OPT_STR,
    V6N_OPT_FLAG,
    V6N_OPT_PULL,
    V6N_OPT_MS,
    V6N_OPT_INT,
    V6N_OPT_PATHS,
} v6n_option_kind;

typedef enum v6n_option_group {
    V6N_OPT_GROUP_SPEC,  /* shapes the container */
    V6N_OPT_GROUP_START, /* only how a start goes */
} v6n_option_group;

/* One row of V6N_START_OPTION_TABLE, as data. */
typedef struct v6n_option_info {
    const char *name;
    v6n_option_kind kind;
    const char *flag;
    char short_flag;
    const char *off_flag;
    const char *metavar;
    const char *env;
    v6n_option_group group;
    const char *help;
} v6n_option_info;

/* The table, in order, and its length. */
extern const v6n_option_info V6N_START_OPTIONS[];
extern const size_t V6N_START_OPTION_COUNT;
const v6n_option_info *v6n_option_find(const char *key);

/* V6N_EINVAL unless `o` is NULL or of this library's version. */
int v6n_options_check_version(const v6n_start_options *o);
/* A deep copy (src NULL: the defaults): every string and the path map are
 * owned by `dst` (free with v6n_start_options_dispose). */
int v6n_options_dup(v6n_start_options *dst, const v6n_start_options *src);
/* Every option `over` sets (not 0/NULL/"") replaces base's (borrowed). */
void v6n_options_merge(v6n_start_options *base, const v6n_start_options *over);

/* ---- config (config.c) ---------------------------------------------------- */

/* The typed node config, built by the one parse that validates it
 * (v6n_config_parse). Strings point into the YAML tree and live as long as the
 * config; each is the value as vantage6 renders it (Python's str()). */
typedef struct v6n_database_entry {
    const char *label, *uri, *type;
    const char *mount_mode_raw; /* as written; NULL when absent */
    char mount_mode[16];        /* str(value).lower(), cut to fit; "copy" when absent */
    bool file_based;            /* folder, csv, parquet, excel */
} v6n_database_entry;

typedef struct v6n_config_pair {
    const char *key;
    const char *value; /* NULL for a YAML null */
} v6n_config_pair;

typedef struct v6n_ssh_tunnel {
    const char *hostname;
    const char *identity_key; /* ssh.identity.key */
} v6n_ssh_tunnel;

typedef struct v6n_node_config {
    const char *server_url; /* NULL for a YAML null */
    const char *port;       /* NULL unless truthy */
    const char *api_path;   /* NULL for a YAML null */
    v6n_database_entry *databases;
    size_t n_databases;
    bool encryption_enabled;
    const char *private_key; /* encryption.private_key when truthy */
    const char *image_node;  /* images.node when truthy */
    const char *dir_log;     /* directories.log when truthy */
    const char *dir_data;    /* directories.data when truthy */
    v6n_config_pair *extra_env;
    size_t n_extra_env;
    const char **extra_mounts;
    size_t n_extra_mounts;
    v6n_config_pair *extra_hosts; /* in config order */
    size_t n_extra_hosts;
    v6n_ssh_tunnel *tunnels;
    size_t n_tunnels;
} v6n_node_config;

struct v6n_config {
    int refs;        /* atomic: a spec holds a reference to the config it was built from */
    char *path;      /* absolute path of the file */
    char *dir;       /* absolute folder holding it */
    char *file_name; /* base name, e.g. "alpha.yaml" */
    char *name;      /* stem */
    char *name_yaml; /* "<stem>.yaml": the file's name inside a 4.15 node */
    v6n_ydoc doc;
    const v6n_ynode *root; /* a mapping */
    v6n_node_config node;  /* the typed view */
};

/* Where the config of node `name` is: NAME.yaml, then NAME.yml, in
 * `config_dir` (NULL: the scope's folder), then the current directory.
 * V6N_ENOTFOUND listing the folders searched; V6N_ECONFIG for a bad name. */
int v6n_config_find(char **out, const char *name, v6n_scope scope, const char *config_dir);

/* Message prefix for a config error: "<path>: <key>: " */
int v6n_config_err(const v6n_config *c, const char *key, const char *fmt, ...) V6N_PRINTF(3, 4);

/* The environment variables the node gets before node_extra_env, which may not
 * overwrite them: the four volume names and PRIVATE_KEY (then one
 * <LABEL>_DATABASE_URI per database). */
extern const char *const V6N_BASE_ENV[V6N_VOLUME_COUNT + 1];

/* Take a reference: the config lives until the last v6n_config_free(). */
v6n_config *v6n_config_ref(const v6n_config *c);

/* Where the config of node `name` is: NAME.yaml, then NAME.yml, in
 * `config_dir` (NULL: the scope's folder), then the current directory.
 * V6N_ENOTFOUND listing the folders searched; V6N_ECONFIG for a bad name. */
int v6n_config_find(char **out, const char *name, v6n_scope scope, const char *config_dir);

/* Message prefix for a config error: "<path>: <key>: " */
int v6n_config_err(const v6n_config *c, const char *key, const char *fmt, ...) V6N_PRINTF(3, 4);

/* ---- spec (spec.c) -------------------------------------------------------- */

typedef struct v6n_bind {
    char *source; /* host path or volume name */
    char *target;
    bool read_only;
} v6n_bind;

struct v6n_node_spec {
    char *node_name;
    char *container_name;
    v6n_scope scope;
    char *image;
    v6n_image_rule image_rule;
    bool auto_remove;
    char *volumes[V6N_VOLUME_COUNT];
    v6n_strlist argv;
    v6n_strlist env;
    v6n_strlist binds;       /* rendered, in order, extra mounts included */
    v6n_strlist extra_hosts; /* rendered "host:ip", sorted */
    v6n_strlist label_keys;
    v6n_strlist label_values;
    char *data_dir;
    char *log_dir;
    char *log_file; /* <log_dir>/node_<scope>.log: what the node writes to /mnt/log */
    char *config_dir;
    char *config_path;
    char *server_version_url;

    /* How it was built, so that it can be built again for another release
     * line (auto, or the line a running node was started with). */
    const v6n_release *release;
    bool release_auto;      /* vantage6_version "auto": the server's line decides at start */
    bool release_explicit;  /* the options named the release (else the default) */
    v6n_config *config;     /* a reference */
    v6n_start_options opts; /* a deep copy */
};

/* The node's data (log: its log) folder: the option, else the config's
 * `directories` key (config may be NULL), else vantage6's default; relative
 * paths against opts->working_dir. NULL with the error recorded. */
char *v6n_node_folder(const v6n_config *config, const v6n_start_options *opts, const char *name,
                      bool log);
/* Build the spec of `config` with `opts` as release line `release`. */
int v6n_spec_build_release(v6n_node_spec **out, const v6n_config *config,
                           const v6n_start_options *opts, const v6n_release *release);
/* Build `spec` again as release line `release` (in place: the caller's pointer
 * stays valid). The server-version image rule keeps its tag. */
int v6n_spec_rebuild(v6n_node_spec *spec, const v6n_release *release, const char *server_version);

/* State shared by spec.c and spec_mounts.c while one spec is built. */
typedef struct v6n_spec_ctx {
    const v6n_config *config;
    const v6n_start_options *opts;
    const v6n_release *release;
    v6n_node_spec *spec;
    char *working_dir; /* absolute */
} v6n_spec_ctx;

/* Append the binds (in contract order: folders, volumes, config, socket,
 * mount_src, private key, ssh keys, databases, extra mounts) and the database
 * env entries to ctx->spec. */
int v6n_spec_add_mounts(v6n_spec_ctx *ctx);
/* The bind source for a local path: the host path map applied. NULL on OOM. */
char *v6n_spec_host_path(const v6n_spec_ctx *ctx, const char *local);
/* The config's file name inside /mnt/config: "<name>.yaml" where the release
 * mounts the file alone (its own name, whatever the file's), else the file's
 * own name. Owned by the config. */
const char *v6n_spec_config_target(const v6n_spec_ctx *ctx);
/* Resolve a path from the config or options against the working directory. */
char *v6n_spec_local_path(const v6n_spec_ctx *ctx, const char *path);

/* ---- the start record (record.c) --------------------------------------------- */

typedef struct v6n_start_record {
    const v6n_release *release; /* the line the node was built as */
    char *id;                   /* the container it describes */
    char *image;
    char *image_rule;
    char *started_at;
    v6n_start_options opts; /* the options of the start (owned) */
} v6n_start_record;

/* <the node's default data folder>/.libv6node-start.json. NULL with the error. */
char *v6n_record_path(const char *name, v6n_scope scope);
/* Record the start of `spec` in container `id` with `opts` (atomically). */
int v6n_record_write(const v6n_node_spec *spec, const char *container_id,
                     const v6n_start_options *opts);
/* Read the node's record: V6N_ENOTFOUND when there is none, V6N_EIO when it
 * cannot be read. Free with v6n_record_clear(). */
int v6n_record_read(v6n_start_record *out, const char *name, v6n_scope scope);
/* Parse a record's text (`where` names it in errors). */
int v6n_record_parse(v6n_start_record *out, const char *text, const char *where);
void v6n_record_clear(v6n_start_record *r);
/* Remove the node's record (absent is fine). */
int v6n_record_remove(const char *name, v6n_scope scope);
/* The release line whose config mount a container (an inspect answer) has,
 * `prefer` first; NULL when none fits. */
const v6n_release *v6n_release_of_container(yajl_val container, const v6n_release *prefer);

/* ---- the engine (engine.c) --------------------------------------------------- */

typedef struct v6n_http_response {
    long status;  /* 0 until the status line arrived */
    v6n_buf body; /* the body (for streams: only when status >= 300) */
    char content_type[128];
    char api_version[32]; /* the Api-Version header */
} v6n_http_response;

/* Called with each piece of a streamed 2xx body, and with (NULL, 0) about once a
 * second while nothing arrives. Non-zero stops the transfer (V6N_ECANCELLED). */
typedef int (*v6n_data_cb)(const char *data, size_t len, void *payload);

typedef struct v6n_request {
    const char *method; /* "GET", "POST", "DELETE", "HEAD" */
    const char *path;   /* "/containers/x/json?all=1": escaped, without "/vX.Y" */
    const char *body;   /* JSON, or NULL */
    bool unversioned;   /* send the path without the version prefix */
    bool stream;        /* no total timeout; 2xx data goes to on_data */
    long timeout_ms;    /* 0: the client's request timeout */
    v6n_data_cb on_data;
    void *payload;
    const char *step;          /* what this request does, for messages: "inspect container x" */
    long stall_timeout_s;      /* streams: give up when nothing arrives for this long (0: never) */
    const char *registry_auth; /* X-Registry-Auth value, or NULL */
} v6n_request;

/* Send a request (negotiating the API version first when needed). Returns
 * V6N_OK whenever an HTTP answer arrived, whatever its status; transport
 * failures are V6N_EUNAVAILABLE (cannot connect, timed out), V6N_EENGINE (the
 * answer broke off) or V6N_ECANCELLED. `resp` must be freed in every case. */
int v6n_engine_do(v6n_client *c, const v6n_request *req, v6n_http_response *resp);
void v6n_http_response_free(v6n_http_response *r);
/* Record the error an unexpected HTTP answer means and return its code:
 * 404 V6N_ENOTFOUND, 409 V6N_ECONFLICT, else V6N_EENGINE; the message is
 * "<step>: <the engine's message> (HTTP <status>)". */
int v6n_engine_error(const v6n_request *req, const v6n_http_response *resp);
/* One ordinary request to "<prefix><object, escaped><suffix>", described in
 * messages as "<verb> <object>" (the object as given). Statuses in `ok`
 * (0-terminated) are success; any other is recorded by v6n_engine_error and
 * its code returned. When `resp` is not NULL it receives the answer (free it
 * in every case); else the answer is dropped. */
typedef struct v6n_call {
    const char *method;
    const char *verb;   /* "inspect container" */
    const char *prefix; /* "/containers/" */
    const char *object; /* "vantage6-alpha-user", escaped into the path */
    const char *suffix; /* "/json", may hold a query */
    const char *body;   /* JSON, or NULL */
    long timeout_ms;    /* 0: the client's request timeout */
    long ok[4];
    const char *step; /* the whole description, instead of "<verb> <object>" */
} v6n_call;
int v6n_engine_call(v6n_client *c, const v6n_call *call, v6n_http_response *resp);
/* GET `base` (which may hold a query) with filters={key: values} and parse
 * the 200 answer into *out (the caller frees it with yajl_tree_free). */
int v6n_engine_get_filtered(v6n_client *c, const char *base, const char *key,
                            const char *const *values, size_t n, const char *step, yajl_val *out);

/* ---- engines over ssh (ssh.c) ------------------------------------------------- */

/* An ssh:// endpoint and the ssh processes that carry its connections. */
typedef struct v6n_ssh v6n_ssh;
/* Parse "ssh://[user@]host[:port][/socket]" (V6N_EINVAL with the reason) and
 * build the ssh command line; ssh's ConnectTimeout is `connect_timeout_ms`
 * rounded up to seconds, or 30 s (the docker CLI's) when it is 0. */
int v6n_ssh_new(v6n_ssh **out, const char *url, long connect_timeout_ms);
/* Ends (and reaps) every ssh process left. After curl_easy_cleanup. */
void v6n_ssh_free(v6n_ssh *s);
/* The URL, normalised: "ssh://user@host:port". */
const char *v6n_ssh_url(const v6n_ssh *s);
/* The ssh command line (argv[0] "ssh"), NULL-terminated. */
const char *const *v6n_ssh_argv(const v6n_ssh *s);
/* Make the libcurl handle `curl` open its connections as ssh processes (after
 * each curl_easy_reset), and forget how the last one ended. V6N_ERROR (for
 * `step`) when the libcurl loaded is older than 7.80. */
int v6n_ssh_use(v6n_ssh *s, void *curl, const char *step);
/* After a failed transfer: record the error that how ssh ended means and
 * return its code, or V6N_OK when ssh has nothing to say about it.
 * `timed_out`: the request ran out of time. */
int v6n_ssh_error(v6n_ssh *s, const char *step, bool timed_out);
/* An ssh:// endpoint, and how one ssh process ended, for ssh_error.c. */
typedef struct v6n_ssh_target {
    const char *url, *user, *host, *port; /* user and port may be NULL */
} v6n_ssh_target;
typedef struct v6n_ssh_ending {
    int spawn_errno; /* ssh could not be started (0: it ran) */
    bool reaped;     /* `status` is waitpid's */
    int status;
    bool killed;     /* we ended it (SIGTERM, SIGKILL) */
    const char *err; /* the tail of its stderr */
} v6n_ssh_ending;
/* What v6n_ssh_error records for `ending` (ssh_error.c). */
int v6n_ssh_explain(const v6n_ssh_target *target, const v6n_ssh_ending *ending, const char *step,
                    bool timed_out);

/* The client's timeout for ordinary requests. */
long v6n_client_request_timeout_ms(const v6n_client *c);
/* The number of HTTP requests the client has sent (tests and benchmarks: not
 * part of the public ABI). */
unsigned long v6n_client_request_count(const v6n_client *c);
/* curl_global_init, once per process (thread-safe). */
int v6n_curl_global_init(void);
/* Reset the easy handle `h` (a CURL *) for one request to a vantage6 server
 * at `url` (server.c): http and https only, no redirects (credentials never go
 * elsewhere), no signals, `timeout_ms` to connect and in all, the answer to
 * write(.., data), libcurl's words in `errbuf` (CURL_ERROR_SIZE bytes). */
void v6n_server_curl_reset(void *h, const char *url, long timeout_ms,
                           size_t (*write)(char *, size_t, size_t, void *), void *data,
                           char *errbuf);
/* Ensure the API version is negotiated. */
int v6n_engine_negotiate(v6n_client *c);

/* ---- events (events.c) ---------------------------------------------------------- */

/* Report an event to `cb` (NULL: nothing). Returns the callback's verdict. */
int v6n_emit(v6n_event_cb cb, void *payload, v6n_event_kind kind, const char *message,
             const char *id, const char *image, long long current, long long total);

/* ---- stream parsers (image.c, logs.c): fed chunk by chunk, also by fuzzers -- */

/* The NDJSON progress stream of POST /images/create. */
typedef struct v6n_pull_stream {
    const char *image;
    v6n_event_cb on_event;
    void *payload;
    v6n_buf line;     /* a partial line carried between chunks */
    char error[1024]; /* the first error reported in the stream */
    int parse_failures;
} v6n_pull_stream;
/* Non-zero when the event callback asked to stop. */
int v6n_pull_stream_feed(v6n_pull_stream *st, const char *data, size_t len);
int v6n_pull_stream_finish(v6n_pull_stream *st);

/* A logs stream: raw (TTY) or multiplexed frames {stream,0,0,0,len BE32}. */
typedef struct v6n_log_demux {
    v6n_log_cb on_data;
    void *payload;
    int raw;                       /* 1 raw, 0 multiplexed, -1 not known yet */
    const char *content_type;      /* decides raw vs multiplexed when known */
    const v6n_http_response *resp; /* where content_type comes from, live */
    unsigned char header[8];
    size_t header_len;
    size_t remaining; /* bytes left of the current frame */
    int frame_stream;
    bool stopped;
} v6n_log_demux;
/* (NULL, 0) is a heartbeat. Non-zero when on_data asked to stop. */
int v6n_log_demux_feed(v6n_log_demux *d, const char *data, size_t len);

/* {"version": "x.y.z"} from a vantage6 server: V6N_OK and *out, or V6N_EENGINE
 * (not recorded) when the body is not that. */
int v6n_parse_server_version(char **out, const char *body, size_t len);

/* ---- volumes (volumes.c) --------------------------------------------------------- */

/* Ensure the spec's volumes; created[i] tells which ones this call made. */
int v6n_volumes_ensure_tracked(v6n_client *c, const v6n_node_spec *spec,
                               bool created[V6N_VOLUME_COUNT], v6n_event_cb cb, void *payload);
int v6n_volume_remove(v6n_client *c, const char *name);
/* Which of `names` exist, in one request (exists[i]). */
int v6n_volumes_existing(v6n_client *c, const char *const *names, size_t n, bool *exists);

/* ---- containers (node.c) ----------------------------------------------------- */

/* GET /containers/<name or id>/json: V6N_ENOTFOUND when there is none. */
int v6n_container_inspect(yajl_val *out, v6n_client *c, const char *name_or_id);
/* DELETE with force; a container already gone (or going) is success. */
int v6n_container_remove(v6n_client *c, const char *name_or_id);

/* ---- stopping and removing (lifecycle.c) ------------------------------------- */

/* Stop node `name`'s container as v6n_node_stop() describes; events go to
 * opts->callbacks, else to `fallback`. */
int v6n_stop_node_container(v6n_client *client, const char *name, v6n_scope scope,
                            const v6n_stop_options *opts, const v6n_callbacks *fallback);

/* What removing a node removes. */
typedef struct v6n_removal {
    const char *name;
    v6n_scope scope;
    const char *container;
    const char *volumes[V6N_VOLUME_COUNT];
    const char *config_path; /* NULL: none */
    const char *data_dir;    /* removed only when it is the default folder */
    const char *log_dir;
} v6n_removal;
int v6n_remove_node(v6n_client *client, const v6n_removal *what, const v6n_callbacks *cb);

/* ---- status (status.c) ---------------------------------------------------------- */

/* Fill a status from a container inspect answer `c` and the Env list of its
 * image (may be NULL), computing the drift from `spec` (NULL: no drift). */
int v6n_status_fill(v6n_node_status *st, const v6n_node_spec *spec, yajl_val c,
                    yajl_val image_env_list);
v6n_node_status *v6n_status_new(void);
int v6n_status_set_node(v6n_node_status *st, const char *name, v6n_scope scope,
                        const char *container, const char *config);
void v6n_status_set_release(v6n_node_status *st, const char *line);
int v6n_status_add_drift(v6n_node_status *st, const char *sentence);
int v6n_status_set_drift_error(v6n_node_status *st, const char *why);
int v6n_status_add_volume(v6n_node_status *st, const char *name);
/* Config.Env of the image the container runs (NULL when it is gone). */
int v6n_status_image_env(yajl_val *out, v6n_client *client, yajl_val container);
/* Add the node containers of a /containers/json answer to a list. (list.c) */
int v6n_list_merge_containers(v6n_node_list *l, yajl_val containers);
v6n_node_list *v6n_list_new(void);

/* The node state for an engine container state ("running", "exited"...). */
v6n_node_state v6n_node_state_from_engine(const char *status);

/* ---- JSON helpers (json.c) ----------------------------------------------------- */

/* JSON text {"key": [values...]} (as_list) or {"key": value}. NULL on OOM. */
char *v6n_json_object(const char *key, const char *const *values, size_t n, bool as_list);
/* The escaped query value of filters={"key": [values...]}. NULL on OOM. */
char *v6n_json_filters(const char *key, const char *const *values, size_t n);
/* Parse a JSON answer; on failure records V6N_EENGINE naming `step`. */
int v6n_json_parse(yajl_val *out, const char *text, const char *step);
/* The value at a "/"-free path of object keys, e.g. {"State", "Running", NULL}. */
yajl_val v6n_json_get(yajl_val v, const char *const *path);
const char *v6n_json_string(yajl_val v, const char *key);
bool v6n_json_bool(yajl_val v, const char *key);

/* ---- JSON output (json.c) -------------------------------------------------- */

#include <yajl/yajl_gen.h>

/* A yajl generator that remembers its first failure. */
typedef struct v6n_jgen {
    yajl_gen g;
    int status; /* the first yajl_gen_status that was not ok */
} v6n_jgen;

int v6n_jgen_open(v6n_jgen *j);
void v6n_jgen_str(v6n_jgen *j, const char *s);
void v6n_jgen_kv(v6n_jgen *j, const char *key, const char *value);
void v6n_jgen_kint(v6n_jgen *j, const char *key, long long value);
void v6n_jgen_kbool(v6n_jgen *j, const char *key, bool value);
void v6n_jgen_map(v6n_jgen *j, bool open);
void v6n_jgen_array(v6n_jgen *j, bool open);
/* Finish: *out gets the text (free with free()); `what` names it in errors.
 * Frees the generator in every case. */
int v6n_jgen_close(v6n_jgen *j, char **out, const char *what);
void v6n_jgen_null(v6n_jgen *j);
/* "key": value, or "key": null when value is NULL. */
void v6n_jgen_kv_or_null(v6n_jgen *j, const char *key, const char *value);

/* The start options as a JSON object of the options that are set, each as the
 * text v6n_start_options_set() takes (options.c), and back. */
void v6n_options_to_json(v6n_jgen *j, const v6n_start_options *o);
int v6n_options_from_json(v6n_start_options *o, yajl_val obj);

/* ---- registry credentials (registry_auth.c) --------------------------------- */

/* The registry an image is pulled from, as docker-py names it: "docker.io" or
 * "host[:port]". NULL on OOM. */
char *v6n_registry_of(const char *image);
/* Decode standard or URL-safe base64 (padding optional). NULL when `s` is not
 * base64 (or on OOM); *len gets the length; the result is also NUL-terminated. */
char *v6n_base64_decode(const char *s, size_t *len);
/* The X-Registry-Auth value docker-py would send to pull from `registry`
 * (v6n_registry_of the image), from the
 * user's Docker config file or credential helper (see registry_auth.c).
 * *header is NULL when there are no credentials; else free it with
 * v6n_registry_auth_free. *source (may be NULL) names where they came from (a
 * file or a docker-credential-* program; free()). A config file or helper that
 * cannot be used is a V6N_EVENT_WARNING, not an error: only OOM or a cancel
 * from `cb` fail. */
int v6n_registry_auth(char **header, char **source, const char *registry, v6n_event_cb cb,
                      void *payload);
/* Wipe and free a header from v6n_registry_auth. */
void v6n_registry_auth_free(char *header);

/* ---- JSON (spec_json.c) ---------------------------------------------------- */

/* The container path docker-py derives from a bind string for "Volumes". */
char *v6n_bind_target(const char *bind);

/* ---- node handles (handle.c) -------------------------------------------------- */

/* Load the node's config (looked for again when it had none); V6N_ENOTFOUND
 * (saying where it was looked for) when the node has none. */
int v6n_node_load_config(v6n_config **out, v6n_node *n);

/* ---- writing files atomically (atomic.c) ------------------------------------ */

typedef struct v6n_atomic_options {
    unsigned mode;   /* the file's mode, e.g. 0600 */
    int uid, gid;    /* the owner to give it (uid -1: the process's) */
    bool replace;    /* replace an existing file (else V6N_ECONFLICT, file untouched) */
    const char *key; /* the config key for error records, or NULL */
} v6n_atomic_options;

/* Write `data` to `path` atomically: a temporary file in the same folder,
 * fsync, then rename (replace) or link (no replace) into place, and the folder
 * fsynced. The temporary file never survives a failure. The folder must exist.
 * V6N_EIO/V6N_ECONFLICT/V6N_ENOMEM recorded. */
int v6n_file_write_atomic(const char *path, const char *data, size_t len,
                          const v6n_atomic_options *o);

/* ---- one-value edits (config_edit.c) ------------------------------------------ */

/* v6n_config_set_string() on text in memory: `text` (`len` bytes) edited so
 * that `key_path` holds `value`, every other byte kept; `path` names the file
 * in messages. *out (the new text) is freed with free(). */
int v6n_config_edit_text(char **out, const char *text, size_t len, const char *path,
                         const char *key_path, const char *value);

/* ---- keys (keys.c) ------------------------------------------------------------ */

/* v6n_private_key_generate with `bits` (the tests use fewer than 4096 where
 * the size does not matter, to stay fast under valgrind). */
int v6n_rsa_key_write(const char *path, int bits, int overwrite);

#endif

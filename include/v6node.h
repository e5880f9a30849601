/*
 * libv6node: start and manage vantage6 node containers through the Docker
 * Engine API, built exactly the way the official `v6 node start` builds them.
 *
 * Conventions (the same in every function below):
 *
 *  - Fallible functions return an int: V6N_OK (0) on success, a negative
 *    v6n_error_code otherwise. The details of the last failure on the calling
 *    thread are in v6n_error_last().
 *  - Out-parameters come first and are named `out`. On failure `*out` is set
 *    to NULL (or left zeroed) and nothing needs to be freed.
 *  - Objects the library allocates are opaque and have a matching
 *    v6n_<type>_free(), which accepts NULL. Strings returned through `char **`
 *    are owned by the caller and freed with v6n_free(). Strings returned as
 *    `const char *` by an accessor belong to the object they came from and live
 *    as long as it does.
 *  - Options structs are transparent, start with `unsigned int version`, and
 *    are initialised with their `*_INIT` macro or `*_init()` function so they
 *    can grow without breaking the ABI. Times in options are milliseconds.
 *    Callbacks travel in a v6n_callbacks struct inside each options struct.
 *  - Thread safety: nothing is global except the per-thread error slot. A
 *    handle may be used by one thread at a time; different handles may be used
 *    from different threads at once.
 *  - The environment the library reads: HOME and the XDG base-directory
 *    variables (XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME,
 *    XDG_CONFIG_DIRS, XDG_DATA_DIRS), which decide the vantage6 folders exactly
 *    as vantage6 computes them; DOCKER_HOST, DOCKER_TLS_VERIFY,
 *    DOCKER_CERT_PATH and DOCKER_API_VERSION only in v6n_client_from_env()
 *    (and DOCKER_API_VERSION for contexts); DOCKER_CONFIG (default ~/.docker)
 *    for registry credentials and contexts; PATH to find credential helpers
 *    (docker-credential-*) and, for ssh:// engines, ssh (which gets this
 *    process's environment: SSH_AUTH_SOCK and the like); TMPDIR for the
 *    short-lived socket each ssh connection starts from (default /tmp).
 *    Nothing else: the volume-name and PRIVATE_KEY
 *    variables of `v6 node start` are read by the `v6node` tool, not here.
 */
#ifndef V6NODE_H
#define V6NODE_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define V6N_EXTERN(type) extern __attribute__((visibility("default"))) type
#else
#define V6N_EXTERN(type) extern type
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                   */
/* ------------------------------------------------------------------------ */

#define V6N_VERSION_MAJOR 0
#define V6N_VERSION_MINOR 2
#define V6N_VERSION_PATCH 0
#define V6N_VERSION       "0.2.0"

/* The version of the library actually loaded, e.g. "0.1.0". Static string. */
V6N_EXTERN(const char *) v6n_version(void);

/* The vantage6 release whose `v6 node start` this library reproduces by
 * default: the newest 4.x release it knows. Each node may be built as another
 * release line instead (v6n_start_options.vantage6_version). */
#define V6N_VANTAGE6_VERSION "4.15.2"

/* The vantage6 release lines this library builds, newest first: "4.15",
 * "4.14", ... Static strings; NULL when `i` is past the last. */
V6N_EXTERN(const char *) v6n_vantage6_release_line(size_t i);

/*
 * Check a value for v6n_start_options.vantage6_version: "4.15", "4.15.2",
 * "auto", or NULL/"" (the default). Errors: V6N_EINVAL with the reason: not a
 * version; 5.x (its nodes are Helm releases on Kubernetes); 3.x or older; a
 * line or a patch release this library does not know.
 */
V6N_EXTERN(int) v6n_vantage6_version_check(const char *version);

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

typedef enum v6n_error_code {
    V6N_OK = 0,
    V6N_ERROR = -1,        /* unexpected failure that fits no class below */
    V6N_ECONFIG = -2,      /* the node config (or a start option) is invalid */
    V6N_ENOTFOUND = -3,    /* config file, node, container, volume or image not found */
    V6N_ECONFLICT = -4,    /* e.g. the node is already running */
    V6N_EENGINE = -5,      /* the Docker engine refused or failed a request */
    V6N_EIO = -6,          /* reading a file or talking to a socket failed */
    V6N_ENOMEM = -7,       /* out of memory */
    V6N_EINVAL = -8,       /* a caller passed an invalid argument (NULL, bad enum...) */
    V6N_EUNAVAILABLE = -9, /* the Docker engine (or the vantage6 server) could not be
                              reached, or did not answer in time */
    V6N_ECANCELLED = -10,  /* a callback asked to stop */
    V6N_EAUTH = -11,       /* the vantage6 server refused: wrong username, password or
                              MFA code, or the user may not do that */
} v6n_error_code;

/*
 * The last error raised on the calling thread. Owned by the library; valid
 * until the next failing call on this thread. Never NULL: when no error was
 * raised, `code` is V6N_OK and `message` is "no error". A successful call does
 * not clear it (call v6n_error_clear() for that).
 */
typedef struct v6n_error {
    int code;            /* a v6n_error_code */
    const char *message; /* human-readable, names the file/key/value at fault */
    const char *key;     /* config key path at fault, e.g. "databases[1].mount_mode", or "" */
    int http_status;     /* HTTP status of the failed engine request, or 0 */
} v6n_error;

V6N_EXTERN(const v6n_error *) v6n_error_last(void);
V6N_EXTERN(void) v6n_error_clear(void);

/* "V6N_ECONFIG" for V6N_ECONFIG, etc. Static string; "V6N_UNKNOWN" otherwise. */
V6N_EXTERN(const char *) v6n_error_code_name(int code);

/* Free a string (or buffer) the library returned through a `char **out`. */
V6N_EXTERN(void) v6n_free(void *ptr);

/* A copy of `uri` with the password of "scheme://user:password@host" shown as
 * ***, for messages and displays. The caller frees *out with v6n_free().
 * Errors: V6N_EINVAL (NULL), V6N_ENOMEM. */
V6N_EXTERN(int) v6n_uri_redact(char **out, const char *uri);

/* ------------------------------------------------------------------------ */
/* Node configuration                                                        */
/* ------------------------------------------------------------------------ */

typedef enum v6n_scope {
    V6N_SCOPE_USER = 0, /* the default for nodes, as in vantage6 */
    V6N_SCOPE_SYSTEM = 1,
} v6n_scope;

/* "user" or "system". Static string. */
V6N_EXTERN(const char *) v6n_scope_name(v6n_scope scope);

/* A loaded and validated node configuration (one YAML file, 4.x layout). */
typedef struct v6n_config v6n_config;

/*
 * Load and validate the node config at `path`. The node name is the file's
 * stem and must match ^[a-zA-Z0-9_.-]+$. A relative `path` is resolved against
 * the current directory; the config's folder is remembered as an absolute path.
 *
 * Errors: V6N_ENOTFOUND (no such file), V6N_EIO (unreadable), V6N_ECONFIG
 * (invalid YAML, with line and column; empty file; top level not a mapping;
 * a key missing or invalid, with the key path and the value; a bad name).
 * On success the caller owns `*out` and frees it with v6n_config_free().
 */
V6N_EXTERN(int) v6n_config_load(v6n_config **out, const char *path);

/*
 * Find the config of node `name` and load it. The folders searched, in order:
 * `config_dir` when not NULL, else the scope's vantage6 node config folder
 * (user: $XDG_CONFIG_HOME/vantage6/node, default ~/.config/vantage6/node;
 * system: /etc/vantage6/node), then the current directory; in each, NAME.yaml
 * then NAME.yml.
 *
 * Errors: V6N_ECONFIG (bad name), V6N_ENOTFOUND (listing the folders
 * searched), and those of v6n_config_load().
 */
V6N_EXTERN(int)
v6n_config_load_name(v6n_config **out, const char *name, v6n_scope scope, const char *config_dir);

/*
 * Parse and validate config text held in memory. `path` is where the text
 * claims to come from: it gives the node name (its stem), the config folder
 * mounted into the node and the file name in messages. The file itself is not
 * read. Errors as v6n_config_load().
 */
V6N_EXTERN(int) v6n_config_parse(v6n_config **out, const char *text, size_t len, const char *path);

V6N_EXTERN(void) v6n_config_free(v6n_config *config);

/* The folder where node configs of `scope` live (user:
 * $XDG_CONFIG_HOME/vantage6/node, system: /etc/vantage6/node), as vantage6
 * computes it. Free *out with v6n_free(). Errors: V6N_EIO (no home), V6N_ENOMEM. */
V6N_EXTERN(int) v6n_config_folder(char **out, v6n_scope scope);

/* The container name of node `name` in `scope`: vantage6-NAME-SCOPE. Free *out
 * with v6n_free(). Errors: V6N_EINVAL (not a node name). */
V6N_EXTERN(int) v6n_container_name(char **out, const char *name, v6n_scope scope);

/* The node name (the config file's stem). Owned by `config`. */
V6N_EXTERN(const char *) v6n_config_name(const v6n_config *config);
/* The config file's absolute path. Owned by `config`. */
V6N_EXTERN(const char *) v6n_config_path(const v6n_config *config);

/*
 * Return the value at `key_path` ("server_url", "logging.level",
 * "databases[0].uri") as the string vantage6 would render it, or NULL when the
 * key is absent or not a scalar. Owned by `config`.
 */
V6N_EXTERN(const char *) v6n_config_get(const v6n_config *config, const char *key_path);

/* The number of entries in `databases`, and the label/uri/type of entry i
 * (NULL when out of range). Owned by `config`. */
V6N_EXTERN(size_t) v6n_config_database_count(const v6n_config *config);
V6N_EXTERN(const char *) v6n_config_database_label(const v6n_config *config, size_t i);
V6N_EXTERN(const char *) v6n_config_database_uri(const v6n_config *config, size_t i);
V6N_EXTERN(const char *) v6n_config_database_type(const v6n_config *config, size_t i);

/* ------------------------------------------------------------------------ */
/* Events and callbacks                                                      */
/* ------------------------------------------------------------------------ */

typedef enum v6n_event_kind {
    V6N_EVENT_IMAGE = 0,           /* the image was chosen: image, message = the rule */
    V6N_EVENT_PULL_START = 1,      /* pulling `image` begins; message "pulling", or "pulling
                                      with the credentials for REGISTRY from SOURCE" when the
                                      Docker config file (or its credential helper) had some */
    V6N_EVENT_PULL_PROGRESS = 2,   /* a progress line: id = layer, message = status,
                                      current/total in bytes when known (else 0) */
    V6N_EVENT_PULL_DONE = 3,       /* the pull finished */
    V6N_EVENT_WARNING = 4,         /* something the user should know; message */
    V6N_EVENT_VOLUME = 5,          /* a volume is ready: id = name, current = 1 if created */
    V6N_EVENT_REMOVED = 6,         /* a stale stopped container was removed: id */
    V6N_EVENT_CREATED = 7,         /* the container was created: id */
    V6N_EVENT_STARTED = 8,         /* the container was started: id */
    V6N_EVENT_STOPPED = 9,         /* the container was stopped (or killed): id */
    V6N_EVENT_VOLUME_REMOVED = 10, /* a volume was removed: id = name */
    V6N_EVENT_PATH_REMOVED = 11,   /* a file or folder was removed: id = path */
} v6n_event_kind;

/* An event. Every pointer is valid only during the callback. */
typedef struct v6n_event {
    v6n_event_kind kind;
    const char *message; /* never NULL */
    const char *id;      /* never NULL ("" when not applicable) */
    const char *image;   /* never NULL */
    long long current;
    long long total;
} v6n_event;

/* Called for each event. Return 0 to go on, non-zero to cancel the operation
 * (which then fails with V6N_ECANCELLED and undoes what it made). */
typedef int (*v6n_event_cb)(const v6n_event *event, void *payload);

/*
 * Receives log output. `stream` is 0 for a TTY container's merged output (a
 * node runs with a TTY, so this is the usual case), 1 for stdout and 2 for
 * stderr of a container without a TTY. While a followed stream is quiet it is
 * called with (NULL, 0, 0) about once a second. Return 0 to go on, non-zero to
 * stop the stream (the logs call then returns V6N_OK).
 */
typedef int (*v6n_log_cb)(const char *data, size_t len, int stream, void *payload);

/* The callbacks of one call, in every options struct (and where a call has no
 * options struct, as a parameter). NULL members: not called. */
typedef struct v6n_callbacks {
    v6n_event_cb on_event; /* progress and warnings */
    v6n_log_cb on_log;     /* log output (the logs calls) */
    void *payload;         /* passed to both */
} v6n_callbacks;

/* ------------------------------------------------------------------------ */
/* Start options: one table                                                  */
/* ------------------------------------------------------------------------ */

typedef enum v6n_pull_policy {
    V6N_PULL_DEFAULT = 0, /* as `v6 node start`: try to pull; fall back to a local
                             copy, except for the default image */
    V6N_PULL_MISSING = 1, /* pull only when there is no local copy */
    V6N_PULL_ALWAYS = 2,  /* pull; a failed pull is an error */
    V6N_PULL_NEVER = 3,   /* never pull; the image must be present */
} v6n_pull_policy;

/* "default", "missing", "always", "never". Static string; NULL for another value. */
V6N_EXTERN(const char *) v6n_pull_policy_name(v6n_pull_policy policy);

/* One entry of the host path map: paths under `local_prefix` (as this process
 * sees them) are `host_prefix` on the engine's host. */
typedef struct v6n_path_map {
    const char *local_prefix;
    const char *host_prefix;
} v6n_path_map;

/*
 * Every start option, once: the struct below, the `v6node` flags and their
 * help, v6n_start_options_set() and the language bindings all come from this
 * table. Columns: KIND (the C type: SCOPE v6n_scope, STR const char *, FLAG
 * int, PULL v6n_pull_policy, MS long milliseconds, INT int, PATHS a
 * v6n_path_map list plus its length `NAME_len`), the field name, the long
 * flag, its short letter (0: none), the flag that turns it back off (NULL:
 * none), the value's name in help (NULL for flags), the environment variable
 * `v6node` reads it from as `v6 node start` does (NULL: none), GROUP (SPEC:
 * shapes the container, so every command that builds or judges a node takes
 * it; START: only how a start goes), and the help text.
 * All pointers are borrowed for the duration of the call that takes the struct;
 * NULL or 0 means "the vantage6 default".
 */
#define V6N_START_OPTION_TABLE(X)                                                                  \
    X(SCOPE, scope, "system", 0, "user", NULL, NULL, SPEC,                                         \
      "system scope: /etc/vantage6/node, container vantage6-NAME-system, the system folders "      \
      "(default: user scope, as v6 node start)")                                                   \
    X(STR, image, "image", 'i', NULL, "IMAGE", NULL, SPEC,                                         \
      "the node image; overrides images.node and the server's version")                            \
    X(FLAG, keep, "keep", 0, "auto-remove", NULL, NULL, SPEC,                                      \
      "keep the container when the node stops (no auto-remove)")                                   \
    X(FLAG, force_db_mount, "force-db-mount", 0, NULL, NULL, NULL, SPEC,                           \
      "mount every database uri that is a path, even when it does not exist here")                 \
    X(STR, mount_src, "mount-src", 0, NULL, "DIR", NULL, SPEC,                                     \
      "mount DIR (vantage6 sources) at /vantage6 in the node (relative: see workdir)")             \
    X(STR, vantage6_version, "vantage6-version", 0, NULL, "V", NULL, SPEC,                         \
      "build the node as vantage6 V's v6 node start does: a release line (4.15 ... 4.10), a "      \
      "release (4.13.7), or auto (the line of the node's server); default the newest")             \
    X(STR, server_version, "server-version", 0, NULL, "V", NULL, SPEC,                             \
      "the server's version when known (4.13.2): the server-version image rule without asking")    \
    X(STR, config_dir, "config-dir", 0, NULL, "DIR", NULL, SPEC,                                   \
      "find node configs in DIR instead of the scope's vantage6 folder")                           \
    X(STR, data_dir, "data-dir", 0, NULL, "DIR", NULL, SPEC,                                       \
      "the node's data folder (overrides directories.data)")                                       \
    X(STR, log_dir, "log-dir", 0, NULL, "DIR", NULL, SPEC,                                         \
      "the node's log folder (overrides directories.log)")                                         \
    X(STR, docker_socket, "docker-socket", 0, NULL, "PATH", NULL, SPEC,                            \
      "the engine host's socket bound at /var/run/docker.sock (default /var/run/docker.sock)")     \
    X(STR, data_volume, "data-volume", 0, NULL, "NAME", "DATA_VOLUME_NAME", SPEC,                  \
      "the data volume (default vantage6-NAME-SCOPE-vol)")                                         \
    X(STR, vpn_volume, "vpn-volume", 0, NULL, "NAME", "VPN_VOLUME_NAME", SPEC,                     \
      "the vpn volume (default vantage6-NAME-SCOPE-vpn-vol)")                                      \
    X(STR, ssh_volume, "ssh-volume", 0, NULL, "NAME", "SSH_TUNNEL_VOLUME_NAME", SPEC,              \
      "the ssh volume (default vantage6-NAME-SCOPE-ssh-vol)")                                      \
    X(STR, squid_volume, "squid-volume", 0, NULL, "NAME", "SSH_SQUID_VOLUME_NAME", SPEC,           \
      "the squid volume (default vantage6-NAME-SCOPE-squid-vol)")                                  \
    X(STR, private_key, "private-key", 0, NULL, "PATH", "PRIVATE_KEY", SPEC,                       \
      "the private key, instead of encryption.private_key (relative: in the data folder)")         \
    X(PATHS, path_map, "host-path", 0, NULL, "LOCAL=HOST", NULL, SPEC,                             \
      "paths under LOCAL here are HOST on the engine's host, for a caller that runs in a "         \
      "container (repeatable)")                                                                    \
    X(STR, working_dir, "workdir", 0, NULL, "DIR", NULL, SPEC,                                     \
      "resolve relative database uris and mount_src against DIR (default: the current folder)")    \
    X(FLAG, no_local_checks, "no-local-checks", 0, NULL, NULL, NULL, SPEC,                         \
      "the files exist only on the engine's host: check and resolve no path here, create no "      \
      "folders here")                                                                              \
    X(PULL, pull, "pull", 0, NULL, "POLICY", NULL, START,                                          \
      "how to get the image: default (as v6 node start: pull, fall back to a local copy except "   \
      "for the default image), missing, always or never")                                          \
    X(FLAG, no_server_version, "no-server-version", 0, NULL, NULL, NULL, START,                    \
      "never ask the server which version it runs")                                                \
    X(MS, server_timeout_ms, "server-timeout", 0, NULL, "MS", NULL, START,                         \
      "milliseconds per attempt of the server-version request (default 3000)")                     \
    X(INT, server_attempts, "server-attempts", 0, NULL, "N", NULL, START,                          \
      "attempts of the server-version request (default 3)")

#define V6N_OPTION_FIELD_SCOPE(n) v6n_scope n;
#define V6N_OPTION_FIELD_STR(n)   const char *n;
#define V6N_OPTION_FIELD_FLAG(n)  int n;
#define V6N_OPTION_FIELD_PULL(n)  v6n_pull_policy n;
#define V6N_OPTION_FIELD_MS(n)    long n;
#define V6N_OPTION_FIELD_INT(n)   int n;
#define V6N_OPTION_FIELD_PATHS(n)                                                                  \
    const v6n_path_map *n;                                                                         \
    size_t n##_len;
#define V6N_OPTION_FIELD(KIND, name, ...) V6N_OPTION_FIELD_##KIND(name)

/* Strings that v6n_start_options_set() copied (opaque). */
typedef struct v6n_start_options_storage v6n_start_options_storage;

/* Everything that changes how a node is built and started, besides its config. */
typedef struct v6n_start_options {
    unsigned int version;
    V6N_START_OPTION_TABLE(V6N_OPTION_FIELD)
    v6n_callbacks callbacks;            /* progress and warnings of a start */
    v6n_start_options_storage *storage; /* owned by the struct; see v6n_start_options_set() */
} v6n_start_options;

#define V6N_START_OPTIONS_VERSION 1
#define V6N_START_OPTIONS_INIT                                                                     \
    {                                                                                              \
        .version = V6N_START_OPTIONS_VERSION                                                       \
    }

/* Initialise `opts` to the defaults (same as V6N_START_OPTIONS_INIT).
 * Errors: V6N_EINVAL for an unknown `version`. */
V6N_EXTERN(int) v6n_start_options_init(v6n_start_options *opts, unsigned int version);

/*
 * Set the option `key` (a field name of the table: "image", "keep", "pull",
 * "path_map"...) from text, as a binding or a command line has it: STR as is;
 * FLAG "1"/"true"/"yes"/"on" or "0"/"false"/"no"/"off"; SCOPE "user"/"system";
 * PULL a v6n_pull_policy_name(); MS and INT a decimal number; PATHS
 * "LOCAL=HOST", added to the list. NULL or "" resets the option to its default
 * (PATHS: empties the list). The value is copied into `opts`, which then owns
 * it until v6n_start_options_dispose().
 * Errors: V6N_EINVAL naming the key (unknown key, a value of the wrong form),
 * V6N_ENOMEM.
 */
V6N_EXTERN(int) v6n_start_options_set(v6n_start_options *opts, const char *key, const char *value);

/* Free what v6n_start_options_set() copied and reset `opts` to the defaults.
 * Safe on a struct that set() never touched. */
V6N_EXTERN(void) v6n_start_options_dispose(v6n_start_options *opts);

/* The table's options, by index (NULL past the last): the field name ("image")
 * and its help. Static strings. */
V6N_EXTERN(const char *) v6n_start_option_name(size_t i);
V6N_EXTERN(const char *) v6n_start_option_help(size_t i);

/* ------------------------------------------------------------------------ */
/* Node container spec                                                       */
/* ------------------------------------------------------------------------ */

/* The complete container specification of a node: pure data, built without
 * talking to any engine. */
typedef struct v6n_node_spec v6n_node_spec;

/* Which rule chose the node image (contract section 5). */
typedef enum v6n_image_rule {
    V6N_IMAGE_FROM_OPTION = 0, /* the image option (-i) */
    V6N_IMAGE_FROM_CONFIG = 1, /* images.node in the config */
    V6N_IMAGE_FROM_SERVER = 2, /* derived from the server's version */
    V6N_IMAGE_DEFAULT = 3,     /* <registry>/infrastructure/node:cotopaxi */
} v6n_image_rule;

/* A short description of the rule, e.g. "the image option". Static string. */
V6N_EXTERN(const char *) v6n_image_rule_describe(v6n_image_rule rule);
/* "option", "config", "server", "default". Static string. */
V6N_EXTERN(const char *) v6n_image_rule_name(v6n_image_rule rule);

/*
 * Build the container spec of the node described by `config` with `opts`
 * (NULL: all defaults). Checks the file system (database files, key files)
 * but changes nothing and talks to no engine.
 *
 * Errors: V6N_ECONFIG (a rule of the contract is broken: mount_mode, a missing
 * file-based database, a missing key while encryption is on, an ssh tunnel key
 * file that does not exist, a non-path uri with force_db_mount, a path that
 * cannot be a bind source...; the message names the key and value),
 * V6N_EINVAL (bad option, or a vantage6 release it does not know),
 * V6N_ENOMEM. On success the caller owns `*out` and frees it with
 * v6n_node_spec_free().
 */
V6N_EXTERN(int)
v6n_node_spec_build(v6n_node_spec **out, const v6n_config *config, const v6n_start_options *opts);

V6N_EXTERN(void) v6n_node_spec_free(v6n_node_spec *spec);

/*
 * Render the Docker "create container" request body, key for key what
 * docker-py 7.1 sends for `v6 node start`. The container name is not part of
 * the body; it goes in the query string (v6n_node_spec_container_name()).
 * The caller frees `*out` with v6n_free(). Errors: V6N_ENOMEM, V6N_ECONFIG
 * (a string that is not valid UTF-8).
 */
V6N_EXTERN(int) v6n_node_spec_create_json(char **out, const v6n_node_spec *spec);

/*
 * Render what `v6node spec` prints: {"name": container name, "image": image,
 * "volumes": [data, vpn, ssh, squid], "create": the create body}. The caller
 * frees `*out` with v6n_free(). Errors as v6n_node_spec_create_json().
 */
V6N_EXTERN(int) v6n_node_spec_json(char **out, const v6n_node_spec *spec);

/* Accessors. Every string is owned by `spec`. Index functions return NULL
 * when `i` is out of range. */
V6N_EXTERN(const char *) v6n_node_spec_node_name(const v6n_node_spec *spec);
V6N_EXTERN(const char *) v6n_node_spec_container_name(const v6n_node_spec *spec);
V6N_EXTERN(v6n_scope) v6n_node_spec_scope(const v6n_node_spec *spec);
V6N_EXTERN(const char *) v6n_node_spec_image(const v6n_node_spec *spec);
V6N_EXTERN(v6n_image_rule) v6n_node_spec_image_rule(const v6n_node_spec *spec);
V6N_EXTERN(int) v6n_node_spec_auto_remove(const v6n_node_spec *spec);
/* The vantage6 release line the spec is built as ("4.15"). With
 * vantage6_version "auto", the default until the start has asked the
 * server. Static string. */
V6N_EXTERN(const char *) v6n_node_spec_vantage6_version(const v6n_node_spec *spec);

typedef enum v6n_volume_kind {
    V6N_VOLUME_DATA = 0,
    V6N_VOLUME_VPN = 1,
    V6N_VOLUME_SSH = 2,
    V6N_VOLUME_SQUID = 3,
} v6n_volume_kind;
#define V6N_VOLUME_COUNT 4

V6N_EXTERN(const char *) v6n_node_spec_volume(const v6n_node_spec *spec, v6n_volume_kind kind);

/* The command (argv) of the node container. */
V6N_EXTERN(size_t) v6n_node_spec_argc(const v6n_node_spec *spec);
V6N_EXTERN(const char *) v6n_node_spec_argv(const v6n_node_spec *spec, size_t i);
/* Env entries "KEY=VALUE" (or a bare "KEY"), in order. */
V6N_EXTERN(size_t) v6n_node_spec_env_count(const v6n_node_spec *spec);
V6N_EXTERN(const char *) v6n_node_spec_env(const v6n_node_spec *spec, size_t i);
/* Binds "source:target" or "source:target:ro", in order (extra mounts last). */
V6N_EXTERN(size_t) v6n_node_spec_bind_count(const v6n_node_spec *spec);
V6N_EXTERN(const char *) v6n_node_spec_bind(const v6n_node_spec *spec, size_t i);
/* Extra hosts "host:ip", sorted by host. */
V6N_EXTERN(size_t) v6n_node_spec_extra_host_count(const v6n_node_spec *spec);
V6N_EXTERN(const char *) v6n_node_spec_extra_host(const v6n_node_spec *spec, size_t i);
/* Labels, in order: vantage6-type, system, name. */
V6N_EXTERN(size_t) v6n_node_spec_label_count(const v6n_node_spec *spec);
V6N_EXTERN(const char *) v6n_node_spec_label_key(const v6n_node_spec *spec, size_t i);
V6N_EXTERN(const char *) v6n_node_spec_label_value(const v6n_node_spec *spec, size_t i);

/* Local folders of the node (as this process sees them): the data and log
 * folders the start creates, and the folder holding the config file. */
V6N_EXTERN(const char *) v6n_node_spec_data_dir(const v6n_node_spec *spec);
V6N_EXTERN(const char *) v6n_node_spec_log_dir(const v6n_node_spec *spec);
V6N_EXTERN(const char *) v6n_node_spec_config_dir(const v6n_node_spec *spec);
/* The node's own log file, <log folder>/node_<scope>.log: the node in its
 * container writes it as /mnt/log/node_<scope>.log. */
V6N_EXTERN(const char *) v6n_node_spec_log_file(const v6n_node_spec *spec);

/* The URL the server-version image rule asks: <server_url>:<port><api_path>/version. */
V6N_EXTERN(const char *) v6n_node_spec_server_version_url(const v6n_node_spec *spec);

/* ------------------------------------------------------------------------ */
/* The Docker engine                                                         */
/* ------------------------------------------------------------------------ */

/* A connection to one Docker engine. Use from one thread at a time. */
typedef struct v6n_client v6n_client;

typedef struct v6n_engine_options {
    unsigned int version;
    /* "unix:///path/docker.sock", "tcp://host:port" (also "http://", "https://")
     * or "ssh://[user@]host[:port][/socket]". NULL: unix:///var/run/docker.sock.
     * ssh:// runs the system's ssh client (found in PATH; it reads the user's
     * ~/.ssh/config, keys, agent and known_hosts) as the docker CLI does: one
     * `ssh -o ConnectTimeout=30 -T -o BatchMode=yes [-l user] [-p port] --
     * host docker system dial-stdio` per connection, so the remote host needs
     * the docker CLI (18.09 or newer) and a key-based login; nothing is ever
     * prompted for (BatchMode), and an unknown host key is refused. A /socket
     * path becomes `docker --host=unix:///socket` there. Over ssh the connect
     * timeout is ssh's ConnectTimeout (default 30 s), and a stream's answer
     * must begin within the request timeout. TLS is for tcp:// only. */
    const char *host;
    int tls;                 /* talk TLS to a tcp host (https) */
    int tls_verify;          /* verify the engine's certificate against ca.pem */
    const char *cert_path;   /* folder with ca.pem, cert.pem, key.pem */
    const char *api_version; /* pin the API version ("1.41"); NULL: negotiate */
    long connect_timeout_ms; /* default 5000 (ssh://: 30000, rounded up to seconds) */
    long request_timeout_ms; /* ordinary requests; default 60000. Streams (pull,
                                logs) have none. */
} v6n_engine_options;

#define V6N_ENGINE_OPTIONS_VERSION 1
#define V6N_ENGINE_OPTIONS_INIT                                                                    \
    {                                                                                              \
        .version = V6N_ENGINE_OPTIONS_VERSION                                                      \
    }

/* Initialise `opts` to the defaults. Errors: V6N_EINVAL for an unknown version. */
V6N_EXTERN(int) v6n_engine_options_init(v6n_engine_options *opts, unsigned int version);

/*
 * A client for the engine `opts` describes (NULL: all defaults). Does not
 * connect yet: the first request negotiates the API version from /_ping.
 * Errors: V6N_EINVAL (bad host or options), V6N_ENOMEM. Free with
 * v6n_client_free().
 */
V6N_EXTERN(int) v6n_client_new(v6n_client **out, const v6n_engine_options *opts);

/*
 * A client configured as the docker CLI and docker-py do from the environment:
 * DOCKER_HOST (default unix:///var/run/docker.sock), DOCKER_TLS_VERIFY,
 * DOCKER_CERT_PATH (default ~/.docker when TLS is on) and DOCKER_API_VERSION.
 */
V6N_EXTERN(int) v6n_client_from_env(v6n_client **out);

/*
 * A client for the engine of Docker context `name`, as `docker context
 * create` stored it under $DOCKER_CONFIG (default ~/.docker): its
 * contexts/meta/<id>/meta.json gives the endpoint's Host and SkipTLSVerify,
 * and contexts/tls/<id>/docker holds its ca.pem, cert.pem, key.pem (TLS is
 * used when that folder exists). Each context brings its own TLS material, so
 * engines with different certificates can be used side by side. "default" is
 * the environment (v6n_client_from_env). DOCKER_API_VERSION still applies.
 * docker-py, and so `v6 node start`, never reads contexts by itself.
 * Errors: V6N_ENOTFOUND (no such context), V6N_EINVAL (a context without a
 * host, or with TLS files missing), V6N_ENOMEM. Free with v6n_client_free().
 */
V6N_EXTERN(int) v6n_client_from_context(v6n_client **out, const char *name);

/* Closes the client's connections; over ssh:// their ssh processes end (EOF,
 * then SIGTERM after 150 ms) and are reaped: the library waits for
 * its own children only, by pid. */
V6N_EXTERN(void) v6n_client_free(v6n_client *client);

/* Ask the engine for /_ping and negotiate the API version.
 * Errors: V6N_EUNAVAILABLE (no engine there; the message names the socket or
 * address; over ssh://: ssh missing here, no server, an unknown or changed
 * host key, a refused login, or the engine over there not answering, each
 * said in its own words), V6N_EENGINE (over ssh://: no docker CLI over there,
 * or one without `system dial-stdio`). */
V6N_EXTERN(int) v6n_client_ping(v6n_client *client);

/* The engine address, e.g. "unix:///var/run/docker.sock". Owned by `client`. */
V6N_EXTERN(const char *) v6n_client_host(const v6n_client *client);
/* The API version in use ("1.41"), or NULL before the first request. */
V6N_EXTERN(const char *) v6n_client_api_version(const v6n_client *client);
/* The path of the engine's unix socket when the client talks to one
 * ("/var/run/docker.sock" for unix:///var/run/docker.sock), else NULL: what a
 * node on that engine gets bound at /var/run/docker.sock when the engine runs
 * on this machine. Owned by `client`. */
V6N_EXTERN(const char *) v6n_client_socket_path(const v6n_client *client);

/* ------------------------------------------------------------------------ */
/* Images and volumes                                                        */
/* ------------------------------------------------------------------------ */

/*
 * Pull `image` ("repo[:tag]" or "repo@digest"; no tag means "latest", never all
 * tags). Progress goes to `cb->on_event` (cb may be NULL). An error reported
 * inside the engine's 200 progress stream fails the pull.
 * Registry credentials are found as docker-py finds them for `v6 node start`:
 * in $DOCKER_CONFIG/config.json or ~/.docker/config.json (`auths`, or the
 * `credHelpers`/`credsStore` programs docker-credential-*, looked up in PATH),
 * and sent in X-Registry-Auth; the V6N_EVENT_PULL_START message says which were
 * used. A config file or helper that cannot be used is a V6N_EVENT_WARNING, and
 * the pull goes on without credentials.
 * Errors: V6N_ENOTFOUND (no such image or tag), V6N_EENGINE (the engine or the
 * registry refused, with the engine's message; a refusal for credentials also
 * says which were sent, or that none were found), V6N_EUNAVAILABLE,
 * V6N_ECANCELLED.
 */
V6N_EXTERN(int) v6n_image_pull(v6n_client *client, const char *image, const v6n_callbacks *cb);

/* Is `image` present on the engine? Sets *out to 1 or 0. */
V6N_EXTERN(int) v6n_image_exists(int *out, v6n_client *client, const char *image);

/*
 * Ask the vantage6 server at `url` (v6n_node_spec_server_version_url()) for its
 * version: GET, no credentials, `attempts` tries of at most `timeout_ms` each
 * (0: 3 tries of 3000 ms). On success `*out` is the version ("4.13.2"), freed
 * with v6n_free(). Errors: V6N_EUNAVAILABLE, V6N_EENGINE (an unexpected
 * answer; http_status set).
 */
V6N_EXTERN(int) v6n_server_version_get(char **out, const char *url, long timeout_ms, int attempts);

/*
 * Create the node's four volumes (data, vpn, ssh, squid) if they do not exist
 * yet. Idempotent. Errors: V6N_EENGINE, V6N_EUNAVAILABLE.
 */
V6N_EXTERN(int) v6n_volumes_ensure(v6n_client *client, const v6n_node_spec *spec);

/*
 * Remove leftover temporary volumes of algorithm runs: volumes named
 * vantage6-<node>-<scope>-<job>-tmpvol, of node `name` in `scope` only, or of
 * every node when `name` is NULL. Volumes still in use are left (a warning).
 * `*out_removed` (may be NULL) is the number removed.
 */
V6N_EXTERN(int)
v6n_volumes_clean(size_t *out_removed, v6n_client *client, const char *name, v6n_scope scope,
                  const v6n_callbacks *cb);

/* ------------------------------------------------------------------------ */
/* A node                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * A node: its name and scope, its config file (when there is one), and the
 * options it is started with. Every call on a node reads its config as it is
 * on disk then, so a long-lived handle sees every edit. A node that was
 * started by v6n_node_start() has a start record (options, release line, image
 * and the rule that chose it, start time) in its default data folder:
 * status, drift and restart take the recorded options as the defaults, and
 * the options given here override those that are set (not 0/NULL). A node
 * without a config (its container only: an orphan) can still be inspected,
 * followed, stopped and removed.
 * One thread at a time; different nodes from different threads.
 */
typedef struct v6n_node v6n_node;

/*
 * Open node `name` in opts->scope: its config is NAME.yaml or NAME.yml in
 * opts->config_dir, else the scope's vantage6 folder, else the current
 * directory. A node whose config is not found opens all the same (its
 * container may exist); calls that need the config then fail with
 * V6N_ENOTFOUND listing the folders searched, and look again first, so a
 * config made after the open (v6n_config_create()) is found. `opts` (NULL: defaults) is
 * copied. Errors: V6N_EINVAL (a bad name or option), V6N_ENOMEM. Free with
 * v6n_node_free().
 */
V6N_EXTERN(int) v6n_node_open(v6n_node **out, const char *name, const v6n_start_options *opts);

/* Open the node whose config is the file at `path` (the node name is its
 * stem). Errors: V6N_ENOTFOUND (no such file), V6N_EINVAL, V6N_ENOMEM. */
V6N_EXTERN(int)
v6n_node_open_config(v6n_node **out, const char *path, const v6n_start_options *opts);

/* Open the node whose container is `container` (vantage6-NAME-user or
 * vantage6-NAME-system), e.g. one v6n_node_list_get() found without a config;
 * its config is then looked up as v6n_node_open() does.
 * Errors: V6N_EINVAL (not a node's container name), V6N_ENOMEM. */
V6N_EXTERN(int)
v6n_node_open_container(v6n_node **out, const char *container, const v6n_start_options *opts);

V6N_EXTERN(void) v6n_node_free(v6n_node *node);

/* The node name, scope and container (vantage6-NAME-SCOPE). Owned by `node`. */
V6N_EXTERN(const char *) v6n_node_name(const v6n_node *node);
V6N_EXTERN(v6n_scope) v6n_node_scope(const v6n_node *node);
V6N_EXTERN(const char *) v6n_node_container(const v6n_node *node);
/* The config file (absolute), or NULL when none was found. Owned by `node`. */
V6N_EXTERN(const char *) v6n_node_config_path(const v6n_node *node);
/* The options the node was opened with. Owned by `node`. */
V6N_EXTERN(const v6n_start_options *) v6n_node_options(const v6n_node *node);
/* The callbacks of the node's next calls (start, restart, stop and remove
 * events; NULL: none). Copied. */
V6N_EXTERN(void) v6n_node_set_callbacks(v6n_node *node, const v6n_callbacks *cb);

/*
 * The container spec of the node now: its config as it is on disk, with its
 * options (over the recorded ones when it was started by this library). The
 * caller frees *out with v6n_node_spec_free(). Errors: V6N_ENOTFOUND (no
 * config), and those of v6n_config_load() and v6n_node_spec_build().
 */
V6N_EXTERN(int) v6n_node_spec_get(v6n_node_spec **out, v6n_node *node);

/*
 * Start the node on the engine, as `v6 node start` does:
 *  1. the engine answers (API version negotiated);
 *  2. a running container of exactly the node's name: V6N_ECONFLICT
 *     "node NAME is already running" (also when the config loads but the
 *     spec cannot be built, e.g. a database file went away: the message then
 *     says why a new start would fail too);
 *  3. the data and log folders are created (mkdir -p);
 *  4. the image: when it comes from the default rule and the options allow it,
 *     the server's version is asked and the image becomes node:<major.minor>
 *     (with vantage6_version "auto" the same answer picks the release line);
 *     then the pull policy (the image is looked up or pulled here, before any
 *     volume is made: a start that fails for want of its image creates nothing);
 *  5. the four volumes;
 *  6. a stopped container of exactly that name is removed (another container
 *     whose name merely contains it is never touched);
 *  7. the container is created and started, and the start is recorded.
 * If a step after 4 fails, what this call created (container, volumes) is
 * removed again; volumes the node already had stay. Events go to the node's
 * callbacks. On success `*out_id` is the container id, freed with v6n_free().
 * Errors: V6N_ENOTFOUND (no config, or the image), V6N_ECONFIG, V6N_EINVAL,
 * V6N_EUNAVAILABLE, V6N_ECONFLICT, V6N_EENGINE (with the engine's message and
 * HTTP status), V6N_EIO (folders), V6N_ECANCELLED.
 */
V6N_EXTERN(int) v6n_node_start(char **out_id, v6n_node *node, v6n_client *client);

typedef struct v6n_stop_options {
    unsigned int version;
    long timeout_ms;  /* grace after SIGTERM before SIGKILL, in milliseconds
                         (rounded up to seconds for the engine); -1 (default):
                         the engine's default, 10 s */
    int force;        /* kill at once (SIGKILL) instead of stopping */
    int keep_volumes; /* do not remove the node's four volumes */
    /* the volumes to remove; NULL (or ""): the volume the container has
     * mounted in that place (/mnt/data, /mnt/vpn, /mnt/ssh, /mnt/squid),
     * whatever names it was started with, else the default
     * vantage6-NAME-SCOPE-vol etc. */
    const char *data_volume;
    const char *vpn_volume;
    const char *ssh_volume;
    const char *squid_volume;
    v6n_callbacks callbacks; /* progress (NULL: the node's callbacks) */
} v6n_stop_options;

#define V6N_STOP_OPTIONS_VERSION 1
#define V6N_STOP_OPTIONS_INIT                                                                      \
    {                                                                                              \
        .version = V6N_STOP_OPTIONS_VERSION, .timeout_ms = -1                                      \
    }

/* Initialise `opts` to the defaults. Errors: V6N_EINVAL for an unknown version. */
V6N_EXTERN(int) v6n_stop_options_init(v6n_stop_options *opts, unsigned int version);

/*
 * Stop the node's container, as `v6 node stop` does: stop (or kill with
 * opts->force), wait until an auto-remove container is gone, then remove the
 * node's four volumes unless opts->keep_volumes. Needs no config: the container
 * name is enough. A volume still in use (a --keep container keeps its volumes)
 * is reported as a V6N_EVENT_WARNING and left. A container that vanishes while
 * stopping (auto-remove) is success. `opts` NULL: defaults.
 * Errors: V6N_ENOTFOUND "node NAME is not running", V6N_EENGINE,
 * V6N_EUNAVAILABLE.
 */
V6N_EXTERN(int) v6n_node_stop(v6n_node *node, v6n_client *client, const v6n_stop_options *opts);

/*
 * Restart: stop the node if it runs (as v6n_node_stop with `opts`), then start
 * it from its config as it is now, with the options it was started with (its
 * image and release line among them) unless the node's own options say
 * otherwise. A node that is not running is just started. On success `*out_id`
 * is the new container id (free with v6n_free()).
 */
V6N_EXTERN(int)
v6n_node_restart(char **out_id, v6n_node *node, v6n_client *client, const v6n_stop_options *opts);

/*
 * Remove a node that is not running: its stopped container (if any), its four
 * volumes (the names it was started with), its config file, and its data and
 * log folders when they are the vantage6 default folders of this node (a
 * folder set by `directories` or an option may be shared and is never deleted;
 * a V6N_EVENT_WARNING says so). Needs no config.
 * Errors: V6N_ECONFLICT (the node runs), V6N_EENGINE, V6N_EIO.
 */
V6N_EXTERN(int) v6n_node_remove(v6n_node *node, v6n_client *client);

typedef enum v6n_node_state {
    V6N_NODE_ABSENT = 0,  /* no container of that name */
    V6N_NODE_RUNNING = 1, /* running, also when paused or restarting (the status text says) */
    V6N_NODE_STOPPED = 2, /* a container that exited (kept with --keep) or was never started */
    V6N_NODE_OTHER = 3,   /* being removed, or a state the engine adds later */
} v6n_node_state;

/* "absent", "running", "stopped", "other". Static string. */
V6N_EXTERN(const char *) v6n_node_state_name(v6n_node_state state);

/* The status of one node, with its drift from its config. */
typedef struct v6n_node_status v6n_node_status;

/*
 * The status of the node: state, container, image, times, exit code, labels,
 * ports, and **drift**: how the container differs from what its config gives
 * now with the options it was started with (image, command, environment,
 * binds, labels, extra hosts, auto-remove), judged as the release line it was
 * started as. When the spec cannot be built (no config, a database file gone),
 * the state is still given and v6n_node_status_drift_error() says why there is
 * no drift. Costs two engine requests (the container and its image's
 * environment) when the container exists, one when it does not. Free with
 * v6n_node_status_free(). Errors: V6N_EENGINE, V6N_EUNAVAILABLE.
 */
V6N_EXTERN(int)
v6n_node_status_get(v6n_node_status **out, v6n_node *node, v6n_client *client);
V6N_EXTERN(void) v6n_node_status_free(v6n_node_status *status);

/* Accessors; strings owned by `status`, NULL when not applicable (no
 * container, a time the engine has not set). Times are RFC 3339 as the engine
 * gives them. */
V6N_EXTERN(const char *) v6n_node_status_name(const v6n_node_status *status);
V6N_EXTERN(v6n_scope) v6n_node_status_scope(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_container(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_config(const v6n_node_status *status);
V6N_EXTERN(v6n_node_state) v6n_node_status_state(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_text(const v6n_node_status *status); /* "absent" too */
V6N_EXTERN(const char *) v6n_node_status_container_id(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_image(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_created_at(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_started_at(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_finished_at(const v6n_node_status *status);
V6N_EXTERN(int) v6n_node_status_exit_code(const v6n_node_status *status);
/* The vantage6 release line the node's container was built as ("4.14"): from
 * the start record, else from the container's config mount; the line the
 * options give when there is no container. */
V6N_EXTERN(const char *) v6n_node_status_vantage6_version(const v6n_node_status *status);
/* The container's labels, in the engine's order. */
V6N_EXTERN(size_t) v6n_node_status_label_count(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_label_key(const v6n_node_status *status, size_t i);
V6N_EXTERN(const char *) v6n_node_status_label_value(const v6n_node_status *status, size_t i);
/* Published ports, "CONTAINER_PORT/PROTO -> HOST_IP:HOST_PORT" (a node has none
 * unless a tool gave it some). */
V6N_EXTERN(size_t) v6n_node_status_port_count(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_port(const v6n_node_status *status, size_t i);
/* The differences, one sentence each, e.g. "env SITE: the container has
 * 'a', the config now gives 'b'". Passwords in URIs are shown as ***. */
V6N_EXTERN(size_t) v6n_node_status_drift_count(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_drift(const v6n_node_status *status, size_t i);
/* Why the drift could not be judged (no config here, the config is invalid, a
 * database file is gone...), or NULL when it was. */
V6N_EXTERN(const char *) v6n_node_status_drift_error(const v6n_node_status *status);
/* A node without a container: the volumes it left behind (a start the engine
 * went away from, a stop that could not finish; v6n_node_remove() deletes
 * them). One more engine request, only then. */
V6N_EXTERN(size_t) v6n_node_status_volume_count(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_volume(const v6n_node_status *status, size_t i);

/*
 * The last `max_lines` lines of the node's own log file (v6n_node_spec_log_file),
 * read from its last 64 KiB: why did a node stop? Its container removes itself
 * when the node exits, and its output goes with it; the log file in the node's
 * log folder stays. *out gets the lines, each ending in '\n' ("" for an empty
 * file); free it with v6n_free(). Errors: V6N_EINVAL, V6N_ENOTFOUND (no log
 * file: the node never wrote one here), V6N_EIO, V6N_ENOMEM.
 */
V6N_EXTERN(int) v6n_node_log_tail(char **out, const v6n_node_spec *spec, size_t max_lines);

/*
 * Render a status as JSON: {"name", "scope", "config", "state", "status",
 * "container", "id", "image", "created_at", "started_at", "finished_at",
 * "exit_code", "vantage6_version", "labels": {...}, "ports": [...], "drift":
 * [...], "drift_error", "leftover_volumes": [...]}, with null where an accessor
 * gives NULL (what
 * `v6node status --json` prints). Free *out with v6n_free().
 */
V6N_EXTERN(int) v6n_node_status_json(char **out, const v6n_node_status *status);

/* Every node this machine knows of: the configs in the user and system
 * folders, and node containers on the engine without a config here. */
typedef struct v6n_node_list v6n_node_list;

/*
 * List the nodes: every config (.yaml/.yml) in the user and system vantage6
 * node folders (or, when opts->config_dir is set, in that folder, as
 * opts->scope), each with the state of its container, plus every container
 * labelled vantage6-type=node that has no config there. One engine request,
 * however many nodes. A config that does not load is listed with its error.
 * `opts` may be NULL. Free with v6n_node_list_free(). Errors: V6N_EENGINE,
 * V6N_EUNAVAILABLE, V6N_EIO.
 */
V6N_EXTERN(int)
v6n_node_list_get(v6n_node_list **out, v6n_client *client, const v6n_start_options *opts);
V6N_EXTERN(void) v6n_node_list_free(v6n_node_list *list);
V6N_EXTERN(size_t) v6n_node_list_count(const v6n_node_list *list);
/* Entry i (strings owned by `list`; NULL when not applicable). */
V6N_EXTERN(const char *) v6n_node_list_name(const v6n_node_list *list, size_t i);
V6N_EXTERN(v6n_scope) v6n_node_list_scope(const v6n_node_list *list, size_t i);
V6N_EXTERN(v6n_node_state) v6n_node_list_state(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_config_path(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_config_error(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_container_name(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_container_id(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_image(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_status_text(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_created_at(const v6n_node_list *list, size_t i);
/* Render the list as JSON: [{"name", "scope", "state", "status", "container",
 * "id", "image", "created_at", "config", "config_error"}...], null where an
 * accessor gives NULL (what `v6node list --json` prints). Free *out with
 * v6n_free(). */
V6N_EXTERN(int) v6n_node_list_json(char **out, const v6n_node_list *list);

/* ------------------------------------------------------------------------ */
/* Logs                                                                      */
/* ------------------------------------------------------------------------ */

typedef struct v6n_logs_options {
    unsigned int version;
    long tail;               /* the last `tail` lines; -1 (the default) for all */
    int follow;              /* keep streaming until the container stops or on_log stops it */
    int timestamps;          /* prefix each line with the engine's RFC 3339 timestamp */
    v6n_callbacks callbacks; /* on_log is required */
} v6n_logs_options;

#define V6N_LOGS_OPTIONS_VERSION 1
#define V6N_LOGS_OPTIONS_INIT                                                                      \
    {                                                                                              \
        .version = V6N_LOGS_OPTIONS_VERSION, .tail = -1                                            \
    }

/* Initialise `opts` to the defaults. Errors: V6N_EINVAL for an unknown version. */
V6N_EXTERN(int) v6n_logs_options_init(v6n_logs_options *opts, unsigned int version);

/*
 * Stream the logs of container `name_or_id` to opts->callbacks.on_log. Raw
 * (TTY) and multiplexed streams are both handled.
 * Errors: V6N_ENOTFOUND (no such container), V6N_EENGINE, V6N_EUNAVAILABLE.
 */
V6N_EXTERN(int)
v6n_container_logs(v6n_client *client, const char *name_or_id, const v6n_logs_options *opts);

/* The logs of the node's container (needs no config). As v6n_container_logs. */
V6N_EXTERN(int) v6n_node_logs(v6n_node *node, v6n_client *client, const v6n_logs_options *opts);

/* ------------------------------------------------------------------------ */
/* Starting a spec directly                                                  */
/* ------------------------------------------------------------------------ */

/*
 * Start the container `spec` describes, with `opts` (pull policy, server
 * lookup, callbacks; NULL: defaults), as v6n_node_start() does, for a caller
 * that built the spec itself (v6n_node_spec_build()). The spec is updated when
 * the server's version picks the image or the release line. Nothing is
 * recorded: status and restart of such a node judge it by its container.
 * Errors as v6n_node_start().
 */
V6N_EXTERN(int)
v6n_spec_start(char **out_id, v6n_client *client, v6n_node_spec *spec,
               const v6n_start_options *opts);

/* ------------------------------------------------------------------------ */
/* Operations on a worker thread                                             */
/* ------------------------------------------------------------------------ */

/* A start, restart, stop, remove or logs stream running on its own thread,
 * whose events and output the caller takes at its pace: for an event loop, a
 * GUI, or a language binding that must not block a thread or be called from a
 * foreign one. */
typedef struct v6n_op v6n_op;

typedef enum v6n_op_kind {
    V6N_OP_START = 0,   /* v6n_node_start */
    V6N_OP_RESTART = 1, /* v6n_node_restart with `stop` */
    V6N_OP_STOP = 2,    /* v6n_node_stop with `stop` */
    V6N_OP_REMOVE = 3,  /* v6n_node_remove */
    V6N_OP_LOGS = 4,    /* v6n_node_logs with `logs` (its callbacks are not used) */
} v6n_op_kind;

/*
 * Begin operation `kind` on a new thread. Until v6n_op_finish(), `node` and
 * `client` belong to the operation: do not use them meanwhile. `stop` and
 * `logs` (NULL: defaults) are copied; their callbacks, and the node's, are
 * replaced by the operation's queue. Errors: V6N_EINVAL, V6N_ENOMEM, V6N_ERROR
 * (no thread). On success free the operation with v6n_op_finish().
 */
V6N_EXTERN(int)
v6n_op_begin(v6n_op **out, v6n_op_kind kind, v6n_node *node, v6n_client *client,
             const v6n_stop_options *stop, const v6n_logs_options *logs);

/* One thing an operation reported: an event, or a piece of log output. */
typedef struct v6n_op_item v6n_op_item;

/* The next item, waiting at most `timeout_ms` for one; NULL when none came in
 * time (or none will: see v6n_op_done()). Free it with v6n_op_item_free(). */
V6N_EXTERN(v6n_op_item *) v6n_op_next(v6n_op *op, long timeout_ms);
/* Has the operation ended, and every item been taken? */
V6N_EXTERN(int) v6n_op_done(v6n_op *op);
/* Ask the operation to stop at its next step (a start undoes what it made; a
 * logs stream ends normally). */
V6N_EXTERN(void) v6n_op_cancel(v6n_op *op);
/*
 * Wait for the operation to end and free it (with any items not taken).
 * Returns its result; on failure the error is v6n_error_last() of the calling
 * thread. `*out_id` (may be NULL) is the container id of a start or restart,
 * freed with v6n_free().
 */
V6N_EXTERN(int) v6n_op_finish(char **out_id, v6n_op *op);

/* An item: log output (data of len bytes, which may hold NULs; stream as for
 * v6n_log_cb) or an event (kind, message, id, image, current, total, as
 * v6n_event). Strings are owned by the item, never NULL. */
V6N_EXTERN(int) v6n_op_item_is_log(const v6n_op_item *item);
V6N_EXTERN(v6n_event_kind) v6n_op_item_kind(const v6n_op_item *item);
V6N_EXTERN(const char *) v6n_op_item_message(const v6n_op_item *item);
V6N_EXTERN(const char *) v6n_op_item_id(const v6n_op_item *item);
V6N_EXTERN(const char *) v6n_op_item_image(const v6n_op_item *item);
V6N_EXTERN(long long) v6n_op_item_current(const v6n_op_item *item);
V6N_EXTERN(long long) v6n_op_item_total(const v6n_op_item *item);
V6N_EXTERN(const char *) v6n_op_item_data(const v6n_op_item *item);
V6N_EXTERN(size_t) v6n_op_item_len(const v6n_op_item *item);
V6N_EXTERN(int) v6n_op_item_stream(const v6n_op_item *item);
V6N_EXTERN(void) v6n_op_item_free(v6n_op_item *item);

/* ------------------------------------------------------------------------ */
/* Writing node configs (`v6 node new`, `v6 node set-api-key`)              */
/* ------------------------------------------------------------------------ */

/* One entry of `databases` for v6n_config_values. */
typedef struct v6n_database {
    const char *label;      /* an identifier: ASCII letters, digits and '_', not
                               starting with a digit; unique */
    const char *uri;        /* a file or folder path, or a URI (postgresql://...) */
    const char *type;       /* csv, parquet, excel, folder (file-based), sql, sparql,
                               omop or other */
    const char *mount_mode; /* "copy" or "ro" (ro for file-based types only);
                               NULL: not written (vantage6 then copies) */
} v6n_database;

/*
 * A new node config: where it goes and what it says. All pointers are
 * borrowed for the duration of the call; NULL (or 0) means the default, which
 * is what the `v6 node new` wizard offers. The file is written the way the
 * wizard saves it (PyYAML's yaml.dump with sorted keys, block style).
 */
typedef struct v6n_config_values {
    unsigned int version;

    /* Where. */
    const char *name;       /* the node name (the file's stem), ^[a-zA-Z0-9_.-]+$ */
    v6n_scope scope;        /* NAME.yaml goes in the scope's config folder
                               (v6n_config_folder()); the scope also decides the
                               default task_dir */
    const char *config_dir; /* NAME.yaml in this folder instead */
    const char *path;       /* exactly this file instead; its stem is the name (`name`
                               may then be NULL, else it must be that stem) */
    int force;              /* replace an existing config (else V6N_ECONFLICT) */

    /* What: the keys `v6 node new` writes. */
    const char *api_key;           /* required */
    const char *server_url;        /* required; a trailing '/' is removed, as the wizard does */
    const char *port;              /* default "443" for an https:// server_url, else "7601";
                                      written as a string, as the wizard writes it */
    const char *api_path;          /* default "/api" */
    const char *task_dir;          /* default the node's data folder in `scope` */
    const v6n_database *databases; /* database_count entries (NULL when 0) */
    size_t database_count;
    int encryption;          /* encryption.enabled */
    const char *private_key; /* encryption.private_key; default "" (the node then uses
                                private_key.pem in its data folder). vantage6 reads a
                                relative path relative to the node's data folder
                                (v6n_node_spec_data_dir()), not to the config's. */
    const char *log_level;   /* logging.level: DEBUG (default), INFO, WARNING, ERROR or
                                CRITICAL; the rest of `logging` is what the wizard writes */
    const char *extra_yaml;  /* more top-level keys, as the text of a YAML mapping
                                (policies, vpn_subnet, node_extra_env, directories...),
                                or NULL; it may not repeat a key written above */
    const char *working_dir; /* when set, a relative private_key and the relative path of
                                a file-based database are written as absolute paths
                                against this folder (what a path typed on a command line
                                means); NULL: written as given */
} v6n_config_values;

#define V6N_CONFIG_VALUES_VERSION 1
#define V6N_CONFIG_VALUES_INIT                                                                     \
    {                                                                                              \
        .version = V6N_CONFIG_VALUES_VERSION                                                       \
    }

/* Initialise `values` to the defaults (same as V6N_CONFIG_VALUES_INIT).
 * Errors: V6N_EINVAL for an unknown `version`. */
V6N_EXTERN(int) v6n_config_values_init(v6n_config_values *values, unsigned int version);

/* The data folder of node `name` in `scope`, as vantage6 computes it (user:
 * $XDG_DATA_HOME/vantage6/node/NAME, default ~/.local/share/...; system:
 * /usr/local/share/vantage6/node/NAME): the wizard's default task_dir, and
 * where vantage6 looks for a relative private key. Free *out with v6n_free().
 * Errors: V6N_EINVAL (not a node name), V6N_EIO (no home), V6N_ENOMEM. */
V6N_EXTERN(int) v6n_node_data_folder(char **out, const char *name, v6n_scope scope);

/*
 * The YAML text of the config `values` describe, validated as
 * v6n_config_create() validates it, without writing anything (a preview).
 * Free *out with v6n_free(). Errors as v6n_config_create(), except those of
 * writing.
 */
V6N_EXTERN(int) v6n_config_render(char **out, const v6n_config_values *values);

/*
 * Create a node config, as `v6 node new` does. The text is rendered, then run
 * through the loader's validator (v6n_config_parse() with the target path) and
 * the start checks that need no files (v6n_node_spec_build() without local
 * checks: database labels, mount modes, extra env...) before anything is
 * written. The file is written atomically: a temporary file in the same
 * folder, mode 0600 (it holds the API key), flushed to disk, then moved into
 * place; the folder is created when missing. An existing config is never
 * replaced unless `force` is set (by name, an existing NAME.yml counts too). After any failure
 * nothing is left behind: no config, no temporary file (a folder created on the way may remain). On
 * success *out_path (may be NULL) is the config's absolute path; free it with v6n_free(). Errors:
 * V6N_ECONFIG (a bad or missing value, with the key path, e.g. "databases[1].label"; a bad name),
 * V6N_ECONFLICT (the config exists), V6N_EIO (the folder or file cannot be written), V6N_EINVAL,
 * V6N_ENOMEM.
 */
V6N_EXTERN(int) v6n_config_create(char **out_path, const v6n_config_values *values);

/*
 * Set one value of the node config at `path` to the string `value`, changing
 * only the bytes of that value: every other byte, comments and formatting
 * included, stays as it was. `key_path` names a key of mappings only, e.g.
 * "api_key" or "encryption.private_key". The value keeps its quoting style
 * where it can (plain, single- or double-quoted; a block scalar becomes a flow
 * scalar, its header comment kept) and is quoted as YAML needs. A key that is
 * absent from its mapping (block or flow) is added at the mapping's end. The
 * edited text must load (v6n_config_parse()) and give back exactly `value`
 * before the file is replaced, atomically, keeping its mode (and owner where
 * allowed). A symbolic link is followed: the file it points to is edited.
 * Errors: V6N_ENOTFOUND (no file; a mapping on the way is missing),
 * V6N_ECONFIG (the file or the edited file does not load, with the loader's
 * message; the key holds a mapping or a list; an alias on the way),
 * V6N_EINVAL (a bad key path, or a value that is not UTF-8), V6N_EIO.
 */
V6N_EXTERN(int) v6n_config_set_string(const char *path, const char *key_path, const char *value);

/* Set `api_key` (v6n_config_set_string(path, "api_key", api_key)), as
 * `v6 node set-api-key` does, without rewriting the rest of the file. */
V6N_EXTERN(int) v6n_config_set_api_key(const char *path, const char *api_key);

/* Set `encryption.private_key` (added under `encryption` when absent). */
V6N_EXTERN(int) v6n_config_set_private_key(const char *path, const char *private_key);

/* ------------------------------------------------------------------------ */
/* Encryption keys (`v6 node create-private-key`)                            */
/* ------------------------------------------------------------------------ */

/*
 * Where `v6 node create-private-key` keeps the key of `organization` in
 * `scope`: <the scope's vantage6 data folder>/node/privkey_<organization>.pem
 * (user: ~/.local/share/vantage6/node, system: /usr/local/share/vantage6/node).
 * Free *out with v6n_free(). Errors: V6N_EINVAL (an organization name that is
 * empty or holds '/' or a control character), V6N_EIO (no home), V6N_ENOMEM.
 */
V6N_EXTERN(int) v6n_private_key_path(char **out, v6n_scope scope, const char *organization);

/*
 * Generate a new 4096-bit RSA key (public exponent 65537) with OpenSSL's
 * libcrypto and write it to `path` as vantage6 does: unencrypted PEM,
 * "TraditionalOpenSSL" (PKCS#1, "BEGIN RSA PRIVATE KEY"), mode 0600, written
 * atomically (the folder is created when missing). An existing file is
 * replaced only with `overwrite` (else V6N_ECONFLICT and the file is untouched).
 * Errors: V6N_ECONFLICT, V6N_EIO, V6N_ERROR (libcrypto failed), V6N_ENOMEM.
 */
V6N_EXTERN(int) v6n_private_key_generate(const char *path, int overwrite);

/*
 * The public key of the RSA private key in `private_key_path` as vantage6
 * uploads it: the base64 (one line, padded) of its PEM SubjectPublicKeyInfo
 * ("-----BEGIN PUBLIC KEY-----..."). Free *out with v6n_free().
 * Errors: V6N_ENOTFOUND, V6N_EIO, V6N_ECONFIG (not an RSA private key in PEM).
 */
V6N_EXTERN(int) v6n_public_key_get(char **out, const char *private_key_path);

/* ------------------------------------------------------------------------ */
/* A vantage6 server, as a user                                              */
/* ------------------------------------------------------------------------ */

/* Asked for the MFA (two-factor) code when the server wants one: write it,
 * NUL-terminated, into `code` (`size` bytes). Return 0, or non-zero to cancel
 * the login (V6N_ECANCELLED). */
typedef int (*v6n_mfa_cb)(char *code, size_t size, void *payload);

/* A user's credentials. The library copies none of them beyond the requests
 * and wipes the buffers that held them; they never appear in a message. */
typedef struct v6n_server_login {
    unsigned int version;
    const char *username;
    const char *password;
    const char *mfa_code; /* sent with the login when not NULL or "" */
    v6n_mfa_cb ask_mfa;   /* called when the server asks for a code that was not
                             given (NULL: the login fails with V6N_EAUTH) */
    void *payload;        /* passed to ask_mfa */
    long timeout_ms;      /* per request; default 10000 */
} v6n_server_login;

#define V6N_SERVER_LOGIN_VERSION 1
#define V6N_SERVER_LOGIN_INIT                                                                      \
    {                                                                                              \
        .version = V6N_SERVER_LOGIN_VERSION                                                        \
    }

/* A logged-in user of a vantage6 server. Use from one thread at a time. */
typedef struct v6n_server_session v6n_server_session;

/*
 * The base URL of the node's server as vantage6's client builds it:
 * <server_url>:<port><api_path> (no ":<port>" when port is empty;
 * http://host.docker.internal and http://172.17.0.1 become http://localhost).
 * Free *out with v6n_free(). Errors: V6N_EINVAL, V6N_ENOMEM.
 */
V6N_EXTERN(int) v6n_config_server_url(char **out, const v6n_config *config);

/*
 * Log in as a user, as vantage6's UserClient does: POST <url>/token/user with
 * {username, password[, mfa_code]}; when the server answers that it wants a
 * two-factor code, login->ask_mfa is asked and the login sent again with it.
 * Then GET <url>/user/<id> and <url>/organization/<id> find the user's
 * organization. `url` is the server's base URL (v6n_config_server_url()).
 * Free *out with v6n_server_session_free() (which wipes the token).
 * Errors: V6N_EAUTH (wrong username, password or MFA code, with the server's
 * message; or MFA must first be set up in the UI), V6N_EUNAVAILABLE (no server
 * there, or no answer in time), V6N_EENGINE (an unexpected answer; http_status
 * set), V6N_ECANCELLED, V6N_EINVAL, V6N_ENOMEM.
 */
V6N_EXTERN(int)
v6n_server_session_open(v6n_server_session **out, const char *url, const v6n_server_login *login);
V6N_EXTERN(void) v6n_server_session_free(v6n_server_session *session);

/* The logged-in user's id, organization id and organization name (owned by
 * the session). */
V6N_EXTERN(long long) v6n_server_session_user_id(const v6n_server_session *session);
V6N_EXTERN(long long) v6n_server_session_organization_id(const v6n_server_session *session);
V6N_EXTERN(const char *) v6n_server_session_organization_name(const v6n_server_session *session);

/* The id of the organization called exactly `name` (among those the user may
 * see). Errors: V6N_ENOTFOUND, V6N_EAUTH, V6N_EENGINE, V6N_EUNAVAILABLE. */
V6N_EXTERN(int)
v6n_server_organization_find(long long *out_id, v6n_server_session *session, const char *name);

/*
 * Set the public key of organization `organization_id` (PATCH
 * <url>/organization/<id> with {"public_key": public_key}), as
 * `v6 node create-private-key` uploads it; `public_key` as v6n_public_key_get()
 * gives it. Errors: V6N_EAUTH (the user may not change that organization),
 * V6N_ENOTFOUND, V6N_EENGINE, V6N_EUNAVAILABLE.
 */
V6N_EXTERN(int)
v6n_server_organization_set_public_key(v6n_server_session *session, long long organization_id,
                                       const char *public_key);

/* ------------------------------------------------------------------------ */
/* Setting up a node's encryption key                                        */
/* ------------------------------------------------------------------------ */

typedef struct v6n_private_key_options {
    unsigned int version;
    const char *organization;      /* names the file privkey_<organization>.pem (in the data
                                      folder of the node's scope, v6n_private_key_path());
                                      NULL: the organization of the user who logs in */
    const char *key_path;          /* write the key to this file instead */
    int overwrite;                 /* make a new key even when the file exists (else the
                                      existing key is used, with a V6N_EVENT_WARNING) */
    int upload;                    /* upload the public key to the node's server */
    const v6n_server_login *login; /* needed when organization is NULL or upload is set */
    v6n_event_cb on_event;         /* warnings and what was done (NULL: none) */
    void *payload;
} v6n_private_key_options;

#define V6N_PRIVATE_KEY_OPTIONS_VERSION 1
#define V6N_PRIVATE_KEY_OPTIONS_INIT                                                               \
    {                                                                                              \
        .version = V6N_PRIVATE_KEY_OPTIONS_VERSION, .upload = 1                                    \
    }

/*
 * Set up the encryption key of `node` (which needs a config: v6n_node_open()
 * or v6n_node_open_config()), as `v6 node create-private-key` does: log in to
 * the node's server when needed (to learn the organization, or to upload);
 * generate a key (v6n_private_key_generate()) unless one exists and
 * `overwrite` is off; set encryption.private_key in the config to the key's
 * absolute path (v6n_config_set_private_key(): nothing else in the file
 * changes); then, with `upload`, set the public key of the organization: the
 * one named `organization` when given (found by name), else the user's own.
 * On success *out_key_path (may be NULL) is the key file; free it with
 * v6n_free(). If the upload fails, the key and the config change stay (run it
 * again without `overwrite` to upload the same key).
 * Errors: those of the functions named, V6N_ENOTFOUND (the node has no
 * config), and V6N_EINVAL (no login given when one is needed).
 */
V6N_EXTERN(int)
v6n_node_private_key_create(char **out_key_path, v6n_node *node,
                            const v6n_private_key_options *opts);

/* ------------------------------------------------------------------------ */
/* Running a command in a container; the node's version                      */
/* ------------------------------------------------------------------------ */

/*
 * Run `argv` (NULL-terminated) in the running container `name_or_id` through
 * the engine's exec API (POST /containers/{id}/exec, then POST /exec/{id}/start,
 * without a TTY, as docker-py's exec_run), and collect what it writes to
 * stdout and stderr (at most 1 MiB). *out_output (may be NULL) is that
 * output, freed with v6n_free(); *out_exit_code (may be NULL) its exit code.
 * A command that runs and fails is not an error: read the exit code (a
 * program the container does not have gives 126 or 127, with the engine's
 * reason as the output, as docker-py's exec_run).
 * Errors: V6N_ENOTFOUND (no such container), V6N_ECONFLICT (not running),
 * V6N_EENGINE, V6N_EUNAVAILABLE.
 */
V6N_EXTERN(int)
v6n_container_exec(char **out_output, int *out_exit_code, v6n_client *client,
                   const char *name_or_id, const char *const *argv);

/*
 * The version of the running `node`, as `v6 node version` asks it: the output
 * of `vnode-local version` in its container, trailing white space removed
 * (needs no config: v6n_node_open_container() will do). Free *out with
 * v6n_free(). Errors: V6N_ENOTFOUND "node NAME is not running", V6N_EENGINE
 * (the command failed; the message has its output), V6N_EUNAVAILABLE.
 */
V6N_EXTERN(int) v6n_node_version(char **out, v6n_node *node, v6n_client *client);

#ifdef __cplusplus
}
#endif

#endif /* V6NODE_H */

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
 *    are initialised with their `*_INIT` macro so they can grow without
 *    breaking the ABI.
 *  - Thread safety: nothing is global except the per-thread error slot. A
 *    handle may be used by one thread at a time; different handles may be used
 *    from different threads at once.
 *  - The library reads no environment variable behind the caller's back except
 *    HOME and the XDG base-directory variables (XDG_CONFIG_HOME,
 *    XDG_DATA_HOME, XDG_CACHE_HOME, XDG_CONFIG_DIRS, XDG_DATA_DIRS), which
 *    decide the vantage6 folders exactly as vantage6 computes them.
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
#define V6N_VERSION_MINOR 1
#define V6N_VERSION_PATCH 0
#define V6N_VERSION       "0.1.0"

/* The version of the library actually loaded, e.g. "0.1.0". Static string. */
V6N_EXTERN(const char *) v6n_version(void);

/* The vantage6 release whose `v6 node start` this library reproduces. */
#define V6N_VANTAGE6_VERSION "4.14.0"

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
/* Events: what a long operation is doing                                    */
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

/* ------------------------------------------------------------------------ */
/* Start options                                                             */
/* ------------------------------------------------------------------------ */

typedef enum v6n_pull_policy {
    V6N_PULL_DEFAULT = 0, /* as `v6 node start`: try to pull; fall back to a local
                             copy, except for the default image */
    V6N_PULL_MISSING = 1, /* pull only when there is no local copy */
    V6N_PULL_ALWAYS = 2,  /* pull; a failed pull is an error */
    V6N_PULL_NEVER = 3,   /* never pull; the image must be present */
} v6n_pull_policy;

/* One entry of the host path map: paths under `local_prefix` (as this process
 * sees them) are `host_prefix` on the engine's host. */
typedef struct v6n_path_map {
    const char *local_prefix;
    const char *host_prefix;
} v6n_path_map;

/*
 * Everything that changes how a node is built and started, besides its config.
 * All pointers are borrowed for the duration of the call that takes the
 * struct; NULL (or 0) means "the vantage6 default".
 */
typedef struct v6n_start_options {
    unsigned int version;

    v6n_scope scope;            /* user (default) or system: names, folders, labels */
    const char *image;          /* -i/--image: overrides every other image rule */
    int keep;                   /* --keep: no auto-remove when the node stops */
    int force_db_mount;         /* --force-db-mount */
    const char *mount_src;      /* --mount-src: mounted at /vantage6 (relative: see working_dir) */
    v6n_pull_policy pull;       /* how the image is obtained (used by v6n_node_start) */
    int no_server_version;      /* do not ask the server which node version it runs */
    const char *server_version; /* the server's version when already known ("4.13.2"):
                                   used by the server-version image rule, no request */

    const char *data_dir;      /* overrides the data folder (and config `directories.data`) */
    const char *log_dir;       /* overrides the log folder (and config `directories.log`) */
    const char *docker_socket; /* host path bound at /var/run/docker.sock;
                                  default /var/run/docker.sock */

    const char *data_volume;  /* volume names; default vantage6-<name>-<scope>-vol, */
    const char *vpn_volume;   /*   ...-vpn-vol, */
    const char *ssh_volume;   /*   ...-ssh-vol, */
    const char *squid_volume; /*   ...-squid-vol */
    const char *private_key;  /* private key file name or path; replaces
                                 encryption.private_key (relative: in the data folder) */

    const v6n_path_map *path_map; /* for callers running in a container themselves: */
    size_t path_map_len;          /* existence checks use local paths, binds host paths */

    const char *working_dir; /* relative database uris and mount_src are resolved
                                against this; default the current directory */

    /* For an engine on another host, whose files this process cannot see: no
     * path is checked or resolved here (file-based databases and ssh keys are
     * mounted as given, after the host path map; the private key is mounted
     * when encryption is on or a key is named), and v6n_node_start creates no
     * folders here (the engine creates a missing bind source on its host). */
    int no_local_checks;

    long server_timeout_ms; /* per attempt of the server-version request; default 3000 */
    int server_attempts;    /* attempts of the server-version request; default 3 */
    v6n_event_cb on_event;  /* progress of v6n_node_start (NULL: none) */
    void *payload;          /* passed to on_event */
} v6n_start_options;

#define V6N_START_OPTIONS_VERSION 1
#define V6N_START_OPTIONS_INIT                                                                     \
    {                                                                                              \
        .version = V6N_START_OPTIONS_VERSION                                                       \
    }

/* Initialise `opts` to the defaults (same as V6N_START_OPTIONS_INIT).
 * Errors: V6N_EINVAL for an unknown `version`. */
V6N_EXTERN(int) v6n_start_options_init(v6n_start_options *opts, unsigned int version);

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
    V6N_IMAGE_DEFAULT = 3,     /* harbor2.vantage6.ai/infrastructure/node:cotopaxi */
} v6n_image_rule;

/* A short description of the rule, e.g. "the image option". Static string. */
V6N_EXTERN(const char *) v6n_image_rule_describe(v6n_image_rule rule);

/*
 * Build the container spec of the node described by `config` with `opts`
 * (NULL: all defaults). Checks the file system (database files, key files)
 * but changes nothing and talks to no engine.
 *
 * Errors: V6N_ECONFIG (a rule of the contract is broken: database label or
 * mount_mode, a missing file-based database, a missing key while encryption is
 * on, an ssh tunnel without a usable key, a non-path uri with force_db_mount,
 * an extra env variable that would overwrite another, a path that cannot be a
 * bind source...; the message names the key and value), V6N_EINVAL (bad
 * option), V6N_ENOMEM. On success the caller owns `*out` and frees it with
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
 * folders v6n_node_start creates, and the folder holding the config file. */
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
    /* "unix:///path/docker.sock" or "tcp://host:port" (also "http://", "https://").
     * NULL: unix:///var/run/docker.sock */
    const char *host;
    int tls;                 /* talk TLS to a tcp host (https) */
    int tls_verify;          /* verify the engine's certificate against ca.pem */
    const char *cert_path;   /* folder with ca.pem, cert.pem, key.pem */
    const char *api_version; /* pin the API version ("1.41"); NULL: negotiate */
    long connect_timeout_ms; /* default 5000 */
    long request_timeout_ms; /* ordinary requests; default 60000. Streams (pull,
                                logs) have none. */
} v6n_engine_options;

#define V6N_ENGINE_OPTIONS_VERSION 1
#define V6N_ENGINE_OPTIONS_INIT                                                                    \
    {                                                                                              \
        .version = V6N_ENGINE_OPTIONS_VERSION                                                      \
    }

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

V6N_EXTERN(void) v6n_client_free(v6n_client *client);

/* Ask the engine for /_ping and negotiate the API version.
 * Errors: V6N_EUNAVAILABLE (no engine there; the message names the socket or
 * address), V6N_EENGINE. */
V6N_EXTERN(int) v6n_client_ping(v6n_client *client);

/* The engine address, e.g. "unix:///var/run/docker.sock". Owned by `client`. */
V6N_EXTERN(const char *) v6n_client_host(const v6n_client *client);
/* The API version in use ("1.41"), or NULL before the first request. */
V6N_EXTERN(const char *) v6n_client_api_version(const v6n_client *client);
/* The number of HTTP requests this client has sent (for tests and benchmarks). */
V6N_EXTERN(unsigned long) v6n_client_request_count(const v6n_client *client);

/* ------------------------------------------------------------------------ */
/* Images                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Pull `image` ("repo[:tag]" or "repo@digest"; no tag means "latest", never all
 * tags). Progress goes to `on_event` (may be NULL). An error reported inside
 * the engine's 200 progress stream fails the pull.
 * Registry credentials are found as docker-py finds them for `v6 node start`:
 * in $DOCKER_CONFIG/config.json or ~/.docker/config.json (`auths`, or the
 * `credHelpers`/`credsStore` programs docker-credential-*), and sent in
 * X-Registry-Auth; the V6N_EVENT_PULL_START message says which were used. A
 * config file or helper that cannot be used is a V6N_EVENT_WARNING, and the
 * pull goes on without credentials.
 * Errors: V6N_ENOTFOUND (no such image or tag), V6N_EENGINE (the engine or the
 * registry refused, with the engine's message; a refusal for credentials also
 * says which were sent, or that none were found), V6N_EUNAVAILABLE,
 * V6N_ECANCELLED.
 */
V6N_EXTERN(int)
v6n_image_pull(v6n_client *client, const char *image, v6n_event_cb on_event, void *payload);

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

/* ------------------------------------------------------------------------ */
/* Starting a node                                                           */
/* ------------------------------------------------------------------------ */

/*
 * Create the node's four volumes (data, vpn, ssh, squid) if they do not exist
 * yet. Idempotent. Errors: V6N_EENGINE, V6N_EUNAVAILABLE.
 */
V6N_EXTERN(int) v6n_volumes_ensure(v6n_client *client, const v6n_node_spec *spec);

/*
 * Start the node described by `spec` on the engine, as `v6 node start` does:
 *  1. the engine answers (API version negotiated);
 *  2. a running container of exactly the node's name: V6N_ECONFLICT
 *     "node NAME is already running";
 *  3. the data and log folders are created (mkdir -p);
 *  4. the image: when the spec's image came from the default rule and the
 *     options allow it, the server's version is asked and the image becomes
 *     node:<major.minor> (the spec is updated: read v6n_node_spec_image() and
 *     v6n_node_spec_image_rule() afterwards); then the pull policy of `opts`
 *     (the image is looked up or pulled here, before any volume is made: a
 *     start that fails for want of its image creates nothing);
 *  5. the four volumes (v6n_volumes_ensure);
 *  6. a stopped container of exactly that name is removed (another container
 *     whose name merely contains it is never touched);
 *  7. the container is created and started.
 * If a step after 4 fails, what this call created (container, volumes) is
 * removed again; volumes the node already had stay.
 * `opts` gives the pull policy, the server-version lookup and the event
 * callback (NULL: defaults). On success `*out_id` is the container id, freed
 * with v6n_free().
 * Errors: V6N_EUNAVAILABLE, V6N_ECONFLICT, V6N_ENOTFOUND (image), V6N_EENGINE
 * (with the engine's message and HTTP status), V6N_EIO (folders),
 * V6N_ECANCELLED.
 */
V6N_EXTERN(int)
v6n_node_start(char **out_id, v6n_client *client, v6n_node_spec *spec,
               const v6n_start_options *opts);

/* ------------------------------------------------------------------------ */
/* The rest of a node's life                                                 */
/* ------------------------------------------------------------------------ */

typedef struct v6n_stop_options {
    unsigned int version;
    int timeout_s;    /* seconds to wait after SIGTERM before SIGKILL; -1 (default):
                         the engine's default (10 s) */
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
    v6n_event_cb on_event; /* progress (NULL: none) */
    void *payload;
} v6n_stop_options;

#define V6N_STOP_OPTIONS_VERSION 1
#define V6N_STOP_OPTIONS_INIT                                                                      \
    {                                                                                              \
        .version = V6N_STOP_OPTIONS_VERSION, .timeout_s = -1                                       \
    }

/*
 * Stop node `name` in `scope` (its container vantage6-NAME-SCOPE), as
 * `v6 node stop` does: stop (or kill with opts->force), wait until an
 * auto-remove container is gone, then remove the node's four volumes unless
 * opts->keep_volumes. A volume still in use (a --keep container keeps its
 * volumes) is reported as a V6N_EVENT_WARNING and left. A container that
 * vanishes while stopping (auto-remove) is success.
 * Errors: V6N_ENOTFOUND "node NAME is not running", V6N_EENGINE,
 * V6N_EUNAVAILABLE.
 */
V6N_EXTERN(int)
v6n_node_stop(v6n_client *client, const char *name, v6n_scope scope, const v6n_stop_options *opts);

/*
 * Restart: stop the node if it runs (as v6n_node_stop with `stop_opts`), then
 * v6n_node_start with `spec` (built from the config as it is now) and
 * `start_opts`. A node that is not running is just started.
 * On success `*out_id` is the new container id (free with v6n_free()).
 */
V6N_EXTERN(int)
v6n_node_restart(char **out_id, v6n_client *client, v6n_node_spec *spec,
                 const v6n_start_options *start_opts, const v6n_stop_options *stop_opts);

typedef enum v6n_node_state {
    V6N_NODE_ABSENT = 0,  /* no container of that name */
    V6N_NODE_RUNNING = 1, /* running, also when paused or restarting (the status text says) */
    V6N_NODE_STOPPED = 2, /* a container that exited (kept with --keep) or was never started */
    V6N_NODE_OTHER = 3,   /* being removed, or a state the engine adds later */
} v6n_node_state;

/* "absent", "running", "stopped", "other". Static string. */
V6N_EXTERN(const char *) v6n_node_state_name(v6n_node_state state);

/* The status of one node, with its drift from the spec. */
typedef struct v6n_node_status v6n_node_status;

/*
 * The status of the node `spec` describes: state, container, image, times,
 * exit code, and **drift**: how the container differs from what its config
 * gives now (image, command, environment, binds, labels, extra hosts,
 * auto-remove). Costs two engine requests (the container and its image's
 * environment) when the container exists, one when it does not. Free with
 * v6n_node_status_free(). Errors: V6N_EENGINE, V6N_EUNAVAILABLE.
 */
V6N_EXTERN(int)
v6n_node_status_get(v6n_node_status **out, v6n_client *client, const v6n_node_spec *spec);
V6N_EXTERN(void) v6n_node_status_free(v6n_node_status *status);

/* Accessors; strings owned by `status`, "" when not applicable. */
V6N_EXTERN(v6n_node_state) v6n_node_status_state(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_text(const v6n_node_status *status); /* engine's */
V6N_EXTERN(const char *) v6n_node_status_container_id(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_image(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_started_at(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_finished_at(const v6n_node_status *status);
V6N_EXTERN(int) v6n_node_status_exit_code(const v6n_node_status *status);
/* The differences, one sentence each, e.g. "env SITE: the container has
 * 'a', the config now gives 'b'". Passwords in URIs are shown as ***. */
V6N_EXTERN(size_t) v6n_node_status_drift_count(const v6n_node_status *status);
V6N_EXTERN(const char *) v6n_node_status_drift(const v6n_node_status *status, size_t i);

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
 * "container", "id", "image", "started_at", "finished_at", "exit_code",
 * "drift": [...]} (what `v6node status --json` prints). `spec` gives the
 * node's name, scope, config and container. Free *out with v6n_free().
 */
V6N_EXTERN(int)
v6n_node_status_json(char **out, const v6n_node_status *status, const v6n_node_spec *spec);

/* Every node this machine knows of: the configs in the user and system
 * folders, and node containers on the engine without a config here. */
typedef struct v6n_node_list v6n_node_list;

/*
 * List the nodes: every config (.yaml/.yml) in the user and system vantage6
 * node folders, each with the state of its container, plus every container
 * labelled vantage6-type=node that has no config here. One engine request,
 * however many nodes. A config that does not load is listed with its error.
 * Free with v6n_node_list_free(). Errors: V6N_EENGINE, V6N_EUNAVAILABLE, V6N_EIO.
 */
V6N_EXTERN(int) v6n_node_list_get(v6n_node_list **out, v6n_client *client);
V6N_EXTERN(void) v6n_node_list_free(v6n_node_list *list);
V6N_EXTERN(size_t) v6n_node_list_count(const v6n_node_list *list);
/* Entry i (strings owned by `list`; "" when not applicable). */
V6N_EXTERN(const char *) v6n_node_list_name(const v6n_node_list *list, size_t i);
V6N_EXTERN(v6n_scope) v6n_node_list_scope(const v6n_node_list *list, size_t i);
V6N_EXTERN(v6n_node_state) v6n_node_list_state(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_config_path(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_config_error(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_container_name(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_container_id(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_image(const v6n_node_list *list, size_t i);
V6N_EXTERN(const char *) v6n_node_list_status_text(const v6n_node_list *list, size_t i);
/* Render the list as JSON: [{"name", "scope", "state", "status", "container",
 * "id", "image", "config", "config_error"}...] (what `v6node list --json`
 * prints). Free *out with v6n_free(). */
V6N_EXTERN(int) v6n_node_list_json(char **out, const v6n_node_list *list);

/*
 * Remove a node that is not running: its stopped container (if any), its four
 * volumes, its config file, and its data and log folders when they are the
 * vantage6 default folders of this node (a folder set by `directories` or an
 * option may be shared and is never deleted; a V6N_EVENT_WARNING says so).
 * Errors: V6N_ECONFLICT (the node runs), V6N_EENGINE, V6N_EIO.
 */
V6N_EXTERN(int)
v6n_node_remove(v6n_client *client, const v6n_node_spec *spec, v6n_event_cb on_event,
                void *payload);

/*
 * Remove leftover temporary volumes of algorithm runs: volumes named
 * vantage6-<node>-<scope>-<job>-tmpvol, of node `name` in `scope` only, or of
 * every node when `name` is NULL. Volumes still in use are left (a warning).
 * `*out_removed` (may be NULL) is the number removed.
 */
V6N_EXTERN(int)
v6n_volumes_clean(size_t *out_removed, v6n_client *client, const char *name, v6n_scope scope,
                  v6n_event_cb on_event, void *payload);

/* ------------------------------------------------------------------------ */
/* Logs                                                                      */
/* ------------------------------------------------------------------------ */

/*
 * Receives log output. `stream` is 0 for a TTY container's merged output (a
 * node runs with a TTY, so this is the usual case), 1 for stdout and 2 for
 * stderr of a container without a TTY. While a followed stream is quiet it is
 * called with (NULL, 0, 0) about once a second. Return 0 to go on, non-zero to
 * stop the stream (v6n_container_logs then returns V6N_OK).
 */
typedef int (*v6n_log_cb)(const char *data, size_t len, int stream, void *payload);

typedef struct v6n_logs_options {
    unsigned int version;
    long tail;          /* the last `tail` lines; -1 (the default) for all */
    int follow;         /* keep streaming until the container stops or on_data stops it */
    int timestamps;     /* prefix each line with the engine's RFC 3339 timestamp */
    v6n_log_cb on_data; /* required */
    void *payload;
} v6n_logs_options;

#define V6N_LOGS_OPTIONS_VERSION 1
#define V6N_LOGS_OPTIONS_INIT                                                                      \
    {                                                                                              \
        .version = V6N_LOGS_OPTIONS_VERSION, .tail = -1                                            \
    }

/*
 * Stream the logs of container `name_or_id` (e.g. v6n_node_spec_container_name())
 * to opts->on_data. Raw (TTY) and multiplexed streams are both handled.
 * Errors: V6N_ENOTFOUND (no such container), V6N_EENGINE, V6N_EUNAVAILABLE.
 */
V6N_EXTERN(int)
v6n_container_logs(v6n_client *client, const char *name_or_id, const v6n_logs_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* V6NODE_H */

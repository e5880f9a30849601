/* The layer the SWIG interface (v6node.i) wraps for Python and Go.
 *
 * It exists for three reasons a plain wrap of v6node.h cannot meet:
 *  - Errors travel in the result objects, never through the per-thread
 *    v6n_error_last(): a Go goroutine may move to another OS thread between two
 *    cgo calls, and would read another thread's error.
 *  - Options go in as JSON objects and structured answers come out as JSON,
 *    so each language maps them to its own types (dicts, structs) with no
 *    pointers, structs of borrowed strings or arrays crossing the boundary.
 *  - Long operations (start with pull progress, following logs) run on a C
 *    thread; the language polls their events with a timeout, so Python can
 *    call a progress callback and Go can stop on a context, and neither needs
 *    a C-to-language callback.
 *
 * Every v6ng_result and v6ng_item must be freed with its free function. */
#ifndef V6NODE_GLUE_H
#define V6NODE_GLUE_H

#include "v6node.h"

/* ---- results ---------------------------------------------------------------- */

typedef struct v6ng_result v6ng_result;

int v6ng_result_code(const v6ng_result *r); /* 0 or a v6n_error_code */
const char *v6ng_result_message(const v6ng_result *r);
const char *v6ng_result_key(const v6ng_result *r); /* the config key or option at fault */
int v6ng_result_http_status(const v6ng_result *r);
const char *v6ng_result_value(const v6ng_result *r); /* the answer ("" on error) */
/* What the call warned about (stop, remove, clean: a volume still in use, a
 * folder kept...), as a JSON list of strings; "[]" when nothing. */
const char *v6ng_result_warnings(const v6ng_result *r);
void v6ng_result_free(v6ng_result *r);

const char *v6ng_version(void);
/* V6N_VANTAGE6_VERSION, and the release lines the library builds (newest
 * first; NULL past the last). */
const char *v6ng_vantage6_version(void);
const char *v6ng_release_line(int i);
const char *v6ng_error_code_name(int code);

/* ---- specs (no engine) -------------------------------------------------------- */

/*
 * What `v6node spec` prints, for the config at `config_path` or the node `name`
 * (exactly one of them non-empty) and `options_json`, an object with any of:
 * scope ("user"|"system"), image, keep, force_db_mount, mount_src, pull
 * ("default"|"missing"|"always"|"never"), no_server_version, server_version,
 * server_timeout_ms, server_attempts, data_dir, log_dir, docker_socket,
 * data_volume, vpn_volume, ssh_volume, squid_volume, private_key, working_dir,
 * host_paths ({local: host}), no_local_checks. An unknown key is V6N_EINVAL
 * naming it.
 */
v6ng_result *v6ng_spec(const char *config_path, const char *name, const char *options_json);

/* The folder of node configs in `scope` ("user"|"system"), and the container
 * name of node `name` in `scope` (vantage6-NAME-SCOPE). */
v6ng_result *v6ng_config_folder(const char *scope);
v6ng_result *v6ng_container_name(const char *name, const char *scope);

/* ---- the engine ------------------------------------------------------------- */

typedef struct v6ng_engine v6ng_engine;

/* `engine_json`: {"host", "tls", "tls_verify", "cert_path", "api_version",
 * "connect_timeout_ms", "request_timeout_ms"}, or "" for the environment
 * (DOCKER_HOST...). On success the result owns an engine: take it. */
v6ng_result *v6ng_engine_open(const char *engine_json);
v6ng_engine *v6ng_result_take_engine(v6ng_result *r);
void v6ng_engine_close(v6ng_engine *e);
const char *v6ng_engine_host(const v6ng_engine *e);

/* The value of each call is given after it. An engine is used by one thread
 * at a time, and not at all while one of its operations (below) runs. */
v6ng_result *v6ng_engine_ping(v6ng_engine *e);          /* the API version */
v6ng_result *v6ng_engine_request_count(v6ng_engine *e); /* a number */
v6ng_result *v6ng_volumes_ensure(v6ng_engine *e, const char *config_path, const char *name,
                                 const char *options_json); /* "" */
/* status JSON as `v6node status --json` */
v6ng_result *v6ng_status(v6ng_engine *e, const char *config_path, const char *name,
                         const char *options_json);
v6ng_result *v6ng_list(v6ng_engine *e); /* list JSON as `v6node list --json` */
/* `stop_json`: {"timeout_s", "force", "keep_volumes", "data_volume", ...}. */
v6ng_result *v6ng_stop(v6ng_engine *e, const char *name, const char *scope,
                       const char *stop_json); /* "" */
v6ng_result *v6ng_remove(v6ng_engine *e, const char *config_path, const char *name,
                         const char *options_json);                           /* "" */
v6ng_result *v6ng_clean(v6ng_engine *e, const char *name, const char *scope); /* a number */
/* The logs so far: the text (`tail` < 0: all). */
v6ng_result *v6ng_logs(v6ng_engine *e, const char *container, long tail, int timestamps);

/* ---- operations that take a while --------------------------------------------- */

typedef struct v6ng_op v6ng_op;
typedef struct v6ng_item v6ng_item;

/* Start / restart a node on a background thread. On success the result owns
 * the operation: take it. The operation's final value is JSON {"id", "image",
 * "image_rule", "container", "name"}. */
v6ng_result *v6ng_start_begin(v6ng_engine *e, const char *config_path, const char *name,
                              const char *options_json);
v6ng_result *v6ng_restart_begin(v6ng_engine *e, const char *config_path, const char *name,
                                const char *options_json, const char *stop_json);
/* Follow (or read) a container's logs; items are chunks of output. */
v6ng_result *v6ng_logs_begin(v6ng_engine *e, const char *container, long tail, int follow,
                             int timestamps);
v6ng_op *v6ng_result_take_op(v6ng_result *r);

/* The next item, waiting at most `timeout_ms`; NULL when none came in time or
 * the operation is over (v6ng_op_done tells which). */
v6ng_item *v6ng_op_next(v6ng_op *op, int timeout_ms);
int v6ng_op_done(v6ng_op *op);
/* Ask the operation to stop (a start is undone, a log stream ends). */
void v6ng_op_cancel(v6ng_op *op);
/* Wait for the end and return the operation's result; frees the operation. */
v6ng_result *v6ng_op_finish(v6ng_op *op);

/* An item: an event of a start (kind = a v6n_event_kind) or, for logs, a chunk
 * of output (kind = -1, stream 0 raw TTY / 1 stdout / 2 stderr, text). */
int v6ng_item_kind(const v6ng_item *it);
const char *v6ng_item_text(const v6ng_item *it); /* message, or the log data */
const char *v6ng_item_id(const v6ng_item *it);
const char *v6ng_item_image(const v6ng_item *it);
long long v6ng_item_current(const v6ng_item *it);
long long v6ng_item_total(const v6ng_item *it);
int v6ng_item_stream(const v6ng_item *it);
void v6ng_item_free(v6ng_item *it);

#endif

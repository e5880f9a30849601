/* A node under test on the real engine: a temp HOME, a unique node name
 * ("v6ntest-<pid>-<n>"), its config, spec and client, and clean-up of every
 * container, volume and image it made (by exact name). */
#ifndef V6N_NODE_FIXTURE_H
#define V6N_NODE_FIXTURE_H

#include <stdbool.h>

#include "support.h"
#include "v6node.h"

/* Not part of the public ABI: the tests link the library's objects. */
unsigned long v6n_client_request_count(const v6n_client *c);

#define STANDIN  "127.0.0.1:5999/v6node-test/node:standin"
#define NO_VNODE "127.0.0.1:5999/v6node-test/node:no-vnode"
#define ABSENT   "127.0.0.1:5999/v6node-test/absent:1"

typedef struct nodefx {
    char *dir;                  /* HOME is dir/home; configs in dir/conf */
    char node[64];              /* the node name */
    char container[96];         /* vantage6-<node>-user */
    char extra_names[4][160];   /* other containers the test made */
    char extra_images[2][300];  /* images the test made */
    char extra_volumes[4][160]; /* other volumes the test made */
    v6n_client *client;
    v6n_config *cfg;
    v6n_node_spec *spec;
    v6n_node *handle;       /* the same node, opened from its config with opts */
    v6n_start_options opts; /* image STANDIN, pull MISSING, working_dir = dir */
    char *cid;
    int server_pid;
} nodefx;

extern nodefx fx;

void nodefx_init(void);
void nodefx_fini(void);

/* The config path of the fixture's node. */
void nodefx_config_path(char *out, size_t size);
/* Write and load the node's config: fixed keys plus `fmt`. */
void nodefx_write_config(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A typical node: a csv and an sql database, a key, extra env and host. */
void nodefx_typical_config(void);
/* Build fx.spec from fx.cfg with fx.opts, and (re)open fx.node. */
void nodefx_build(void);
/* Start fx.spec (v6n_spec_start: no start record). */
void nodefx_start_ok(void);
/* Start fx.node (v6n_node_start: the start is recorded). */
void nodefx_start_node_ok(void);
/* Stop the node (v6n_node_stop of fx.handle); returns the code. */
int nodefx_stop(const v6n_stop_options *opts);
/* Stop node `name` (user scope) on `client` through a handle opened by name;
 * returns the code (of the open, when the name is refused). */
int nodefx_stop_named(v6n_client *client, const char *name, const v6n_stop_options *opts);
/* Remove fx.handle with events to `cb`/`payload`; returns the code. */
int nodefx_remove(v6n_event_cb cb, void *payload);
/* Start, expecting a failure; returns its code. */
int nodefx_start_fails(void);

/* `docker [kind] inspect -f FORMAT name`, trimmed; NULL when absent. Caller frees. */
char *nodefx_inspect(const char *kind, const char *name, const char *format);
bool nodefx_container_exists(const char *name);
bool nodefx_volume_exists(const char *name);
/* How many of the node's four volumes exist. */
int nodefx_volumes_present(void);
/* `docker logs`, waiting up to `seconds` for `needle`; NULL if it never came. */
char *nodefx_wait_for_log(const char *name, const char *needle, double seconds);

#endif

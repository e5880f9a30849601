/* What the engine benchmarks share: a private temp HOME, nodes named
 * v6nbench-<pid>-<n> on the stand-in image and their clean-up by exact name,
 * the floor's request script built from a spec, the docker-py worker, child
 * processes with their peak memory, and a counting proxy for engine requests
 * of processes. */
#ifndef V6N_BENCH_ENGINE_H
#define V6N_BENCH_ENGINE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <yajl/yajl_tree.h>

#include "bench_curl.h"
#include "bench_util.h"
#include "v6node.h"

/* Not part of the public ABI: the engine benchmarks link the library's objects. */
unsigned long v6n_client_request_count(const v6n_client *c);

#define BN_STANDIN "127.0.0.1:5999/v6node-test/node:standin"

typedef struct bn_env {
    char *dir;      /* /tmp/v6nbench-<pid>-XXXXXX */
    char *home;     /* dir/home (HOME) */
    char *confdir;  /* home/.config/vantage6/node: the user scope's config folder */
    char *csv;      /* the typical config's csv database */
    char *python;   /* the interpreter with docker-py ($V6N_BENCH_PYTHON, else python3) */
    char *pyscript; /* bench/dockerpy_bench.py */
    char *bindir;   /* the build's bench folder (this program's folder) */
    char *v6node;   /* the v6node tool ($V6N_BENCH_V6NODE, else <build>/cli/v6node) */
    int pid;
} bn_env;

extern bn_env bn;
/* The start options of every node: the stand-in image, pull policy missing,
 * so no registry is ever asked. */
extern v6n_start_options bn_opts;

/* Set up the temp HOME (XDG variables unset), the csv database, clean-up at
 * exit and on SIGINT/SIGTERM. This program's folder is the build's bench folder. */
void bn_env_init(void);
/* True once SIGINT or SIGTERM arrived: loops stop, clean-up runs at exit. */
bool bn_interrupted(void);

typedef struct bn_node {
    char name[64];      /* v6nbench-<pid>-<n> */
    char container[96]; /* vantage6-<name>-user */
    char *config_path;  /* confdir/<name>.yaml: the typical (demo) config */
    v6n_config *cfg;
    v6n_node_spec *spec;
} bn_node;

/* A new node: a fresh name, its config written and loaded, its spec built
 * (with bn_opts). Registered for clean-up. */
void bn_node_make(bn_node *n);
void bn_node_free(bn_node *n);
/* Remove the node's container and four volumes, by exact name, waiting until
 * they are gone; delete its config and folders too when `forget`. */
void bn_node_cleanup(bn_node *n, bool forget);
/* The same for a container name (clean-up of whatever is registered). */
void bn_cleanup_container(const char *container);

/* The floor's script for a start of `spec`: mkdir of the data and log
 * folders, then the engine requests libv6node sends (API version `api`), with
 * or without the image presence check. */
void bn_script_for(bn_script *s, const v6n_node_spec *spec, const char *api);

/* The docker-py arguments of `v6 node start` for `spec`, as one JSON object:
 * name, image, cmd, env, binds, labels, extra_hosts, auto_remove, volumes,
 * dirs, and create_body (libv6node's body, to check docker-py sends the same). */
char *bn_args_json(const v6n_node_spec *spec);

/* The persistent docker-py worker (dockerpy_bench.py worker). */
typedef struct bn_py {
    pid_t pid;
    FILE *to, *from;
} bn_py;

void bn_py_start(bn_py *p);
/* Send one JSON line, return the parsed answer (dies on {"error": ...}). */
yajl_val bn_py_call(bn_py *p, const char *line);
void bn_py_stop(bn_py *p);
/* A number in a JSON answer (dies when missing). */
double bn_json_num(yajl_val v, const char *key);

/* Run a child process to completion through bench_launch (a small static
 * parent, so that ru_maxrss is the child's own): wall time from spawn to
 * reaped, its CPU time and peak RSS (ru_maxrss, KiB), exit status; stdout and stderr kept
 * in `out` and `err` (first 4 KiB).
 * `env_extra` ("K=V" entries, NULL-terminated, may be NULL) is added to the
 * environment. */
typedef struct bn_proc {
    int exit_code; /* -1: killed by a signal */
    double wall_ns;
    double cpu_ns; /* user + system CPU time */
    long maxrss_kib;
    char out[4096];
    char err[4096];
} bn_proc;

void bn_run(bn_proc *r, char *const argv[], char *const env_extra[]);

/* A unix-socket proxy in front of the engine that counts HTTP requests. */
typedef struct bn_proxy bn_proxy;
bn_proxy *bn_proxy_start(const char *listen_path);
unsigned long bn_proxy_count(bn_proxy *p);
void bn_proxy_stop(bn_proxy *p);

/* Print the machine line (CPU, cores, kernel, engine, libcurl). */
void bn_print_machine(bn_curl *c);

#endif

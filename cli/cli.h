/* The v6node command-line tool: shared pieces. */
#ifndef V6NODE_CLI_H
#define V6NODE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "v6node.h"

#define CLI_MAX_PATH_MAPS 16

/* What `-n/-c/--system/--user` and the start options on the command line say. */
typedef struct cli_node_args {
    const char *name;
    const char *config;
    v6n_start_options opts;
    v6n_path_map maps[CLI_MAX_PATH_MAPS];
    bool pretty;
    bool attach;
} cli_node_args;

/* Exit codes scripts can rely on. */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_ = 1,    /* invalid config or option, or the engine refused */
    EXIT_USAGE = 2,       /* bad command line */
    EXIT_NOTFOUND = 3,    /* no such node, container or image (on the engine) */
    EXIT_CONFLICT = 4,    /* e.g. the node is already running */
    EXIT_UNAVAILABLE = 5, /* the engine (or server) could not be reached */
};

/* The exit status for a failed engine operation with error `code`. */
int cli_exit_status(int code);
/* Follow a container's output until it stops or Ctrl-C; the exit status. */
int cli_follow_logs(v6n_client *client, const char *container, const char *node_name);

int cmd_spec(int argc, char **argv);
int cmd_start(int argc, char **argv);

/* Which optional groups of options a command accepts. */
#define CLI_ARGS_PRETTY 1u /* --pretty */
#define CLI_ARGS_ENGINE 2u /* --pull, --attach/--detach, --no-server-version */

/* Parse the node and start options of `command` into `a` (which it
 * initialises, reading the volume and key variables from the environment).
 * Returns -1 to go on, else the exit status (help printed, or a usage error). */
int cli_parse_node_args(int argc, char **argv, cli_node_args *a, const char *command,
                        const char *help, unsigned flags);

/* Print "v6node: <what>: <message from v6n_error_last()>" to stderr and return 1. */
int cli_fail(const char *what);
/* Print a usage error and return EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Fill the start options from the environment as `v6 node start` does:
 * DATA_VOLUME_NAME, VPN_VOLUME_NAME, SSH_TUNNEL_VOLUME_NAME,
 * SSH_SQUID_VOLUME_NAME and PRIVATE_KEY (empty values are ignored). */
void cli_options_from_env(v6n_start_options *opts);

/* Parse "LOCAL=HOST" into the next free map slot. */
int cli_add_path_map(cli_node_args *a, const char *arg);

/* Free what cli_add_path_map allocated. */
void cli_node_args_free(cli_node_args *a);

/* Load the config that -n/-c and the scope select. */
int cli_load_config(const cli_node_args *a, v6n_config **out);

#endif

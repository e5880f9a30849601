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
    EXIT_FAILURE_ = 1, /* any error: bad input, engine refused, ... */
    EXIT_USAGE = 2,    /* bad command line */
};

int cmd_spec(int argc, char **argv);

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

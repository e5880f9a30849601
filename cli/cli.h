/* The v6node command-line tool: shared pieces. */
#ifndef V6NODE_CLI_H
#define V6NODE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "v6node.h"

#define CLI_MAX_HOSTS  8
#define CLI_MAX_LAYERS 128

/* State of the progress display of one command. */
typedef struct cli_progress {
    bool tty; /* stderr is a terminal: draw a bar for pulls */
    char ids[CLI_MAX_LAYERS][80];
    long long current[CLI_MAX_LAYERS], total[CLI_MAX_LAYERS];
    size_t n;
    bool bar_shown;
} cli_progress;

/* A v6n_event_cb printing each step on stderr; payload: a cli_progress. */
int cli_print_event(const v6n_event *e, void *payload);
/* End a progress bar line, if one is shown. */
void cli_progress_end(cli_progress *p);

/* What the command line says: the node (-n/-c, scope), the start options, and
 * each command's own options. */
typedef struct cli_args {
    const char *name;
    const char *config;
    v6n_start_options opts; /* the table's options, scope included (set() owns the strings) */
    bool pretty, attach, force, all, json, keep_volumes, follow, timestamps;
    int timeout_s;                    /* -1: the engine's default */
    long tail;                        /* -1: all */
    const char *hosts[CLI_MAX_HOSTS]; /* each --host URL or --context NAME, in order */
    bool host_is_context[CLI_MAX_HOSTS];
    size_t nhosts;
    char picked_name[256]; /* the node chosen on the terminal (cli_pick_config) */
} cli_args;

/* The groups of options a command accepts (cli_parse). */
#define CLI_NODE          0x001u /* -n, -c, --system, --user; a node is required... */
#define CLI_NODE_OPTIONAL 0x002u /* ...unless this is given too */
#define CLI_START         0x004u /* -i, --keep, --mount-src... (build the spec as started) */
#define CLI_STARTING      0x008u /* --pull, --attach/--detach, --no-server-version */
#define CLI_PRETTY        0x010u
#define CLI_JSON          0x020u
#define CLI_ALL           0x040u
#define CLI_FORCE         0x080u  /* -f/--force */
#define CLI_STOP          0x100u  /* -t/--timeout, --keep-volumes */
#define CLI_LOGS          0x200u  /* --tail, -F/--follow, --timestamps */
#define CLI_HOST          0x400u  /* one --host or --context */
#define CLI_HOSTS         0x800u  /* several --host/--context */
#define CLI_FOLDER        0x1000u /* --system/--user, --config-dir without a node (list) */

/* Parse the command line of `command` into `a` (which it initialises, reading
 * the volume and key variables from the environment as `v6 node start` does).
 * Returns -1 to go on, else the exit status (help printed, or a usage error).
 * Free `a` with cli_args_free() in every case. */
int cli_parse(int argc, char **argv, cli_args *a, const char *command, const char *help,
              unsigned groups);
/* The node name -n gives, or the stem of -c's file (NULL for neither). Caller frees. */
char *cli_node_name(const cli_args *a);

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
/* Print the last error (as cli_fail) and return the exit status its code means. */
int cli_fail_status(void);
/* Follow a container's output until it stops or Ctrl-C; the exit status. */
int cli_follow_logs(v6n_client *client, const char *container, const char *node_name);

int cmd_spec(int argc, char **argv);
int cmd_start(int argc, char **argv);

/* A client for engine `host` (NULL: DOCKER_HOST), with TLS as DOCKER_TLS_VERIFY
 * and DOCKER_CERT_PATH say, as the docker CLI reads them. */
/* A client for engine `i` of the command line (--host URL or --context NAME;
 * with none given, the environment's). */
int cli_client(v6n_client **out, const cli_args *a, size_t i);
int v6n_err_nomem_cli(void);

/* Print "v6node: <what>: <message from v6n_error_last()>" to stderr and return 1. */
int cli_fail(const char *what);
/* Print a usage error and return EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The help of the start options a command with `groups` accepts, from the
 * library's table. */
void cli_print_option_help(FILE *out, unsigned groups);
/* The table's options as the CLI has them (tests). */
size_t cli_table_option_count(void);
const char *cli_table_option_flag(size_t i);

/* Open the node that -n/-c and the scope select, with the command line's
 * start options. */
int cli_node_open(const cli_args *a, v6n_node **out);

int cmd_stop(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_files(int argc, char **argv);

/* Free what cli_parse made. */
void cli_args_free(cli_args *a);

/* Load the config that -n/-c and the scope select. */
int cli_load_config(const cli_args *a, v6n_config **out);

/* ---- setting a node up (cmd_setup.c, cmd_version.c) ---------------------------- */

int cmd_new(int argc, char **argv);
int cmd_set_api_key(int argc, char **argv);
int cmd_create_private_key(int argc, char **argv);
int cmd_version(int argc, char **argv);

/* ---- questions on the terminal (prompt.c) ------------------------------------- */

/* Is stdin a terminal (so that missing values may be asked)? */
bool cli_interactive(void);
/* Ask for a line (stderr); an empty answer gives `def` (when not NULL). 0, or
 * -1 at the end of input. */
int cli_ask(char *out, size_t size, const char *question, const char *def);
/* Ask without echoing the answer. */
int cli_ask_secret(char *out, size_t size, const char *question);
int cli_ask_yes_no(bool *out, const char *question, bool def);
/* A numbered choice; *out is the index. */
int cli_ask_choice(size_t *out, const char *question, const char *const *choices, size_t n,
                   size_t def);
/* When -n/-c is missing on a terminal: offer the node configs of the scope's
 * folder as a numbered choice, as the official CLI does, and set a->name.
 * -1 when a node was chosen, -2 when stdin is not a terminal, else the exit
 * status (nothing to choose from, or aborted). */
int cli_pick_config(cli_args *a, const char *command);

#endif

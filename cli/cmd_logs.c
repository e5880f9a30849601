/* v6node logs and attach. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char LOGS_HELP[] =
    "NAME\n"
    "    v6node logs - show a node's output\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node logs [-n NAME | -c PATH] [--system | --user] [--tail N] [-F] [--timestamps]\n"
    "\n"
    "DESCRIPTION\n"
    "    Prints the output of the node's container vantage6-NAME-SCOPE (the node runs\n"
    "    with a TTY: one raw stream, lines ending in CRLF). With --follow it keeps\n"
    "    printing until the node stops or Ctrl-C. C API: v6n_container_logs().\n"
    "\n"
    "OPTIONS\n"
    "    -n, --name NAME, -c, --config PATH, --system, --user   the node\n"
    "        --tail N        only the last N lines ('all', the default, for everything)\n"
    "    -F, --follow        keep following the output\n"
    "        --timestamps    prefix each line with the engine's timestamp\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done (or stopped with Ctrl-C); 1 error; 2 bad command line; 3 the node has no\n"
    "    container; 5 no engine.\n";

static const char ATTACH_HELP[] =
    "NAME\n"
    "    v6node attach - follow a running node's output until Ctrl-C\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node attach [-n NAME | -c PATH] [--system | --user]\n"
    "\n"
    "DESCRIPTION\n"
    "    As `v6 node attach`: shows the node's output so far, then follows it. Ctrl-C\n"
    "    stops following; the node keeps running. Same as `v6node logs --follow`.\n"
    "\n"
    "EXIT STATUS\n"
    "    as v6node logs.\n";

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int print_logs(const char *data, size_t len, int stream, void *payload)
{
    (void)payload;
    if (interrupted)
        return 1;
    if (data && len) {
        FILE *out = stream == 2 ? stderr : stdout;
        if (fwrite(data, 1, len, out) != len || fflush(out) != 0)
            return 1; /* the reader went away (e.g. `| head`) */
    }
    return 0;
}

/* Stream the logs; Ctrl-C (or SIGTERM) stops following. */
static int stream_logs(v6n_client *client, const char *container, const cli_args *s,
                       bool *stopped_by_user)
{
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    signal(SIGPIPE, SIG_IGN);
    interrupted = 0;
    v6n_logs_options lo = V6N_LOGS_OPTIONS_INIT;
    lo.follow = s->follow;
    lo.tail = s->tail;
    lo.timestamps = s->timestamps;
    lo.callbacks.on_log = print_logs;
    int rc = v6n_container_logs(client, container, &lo);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    *stopped_by_user = interrupted;
    return rc;
}

int cli_follow_logs(v6n_client *client, const char *container, const char *node_name)
{
    cli_args s = {.follow = true, .tail = -1};
    bool stopped = false;
    if (stream_logs(client, container, &s, &stopped))
        return cli_fail_status();
    if (stopped)
        fprintf(stderr,
                "\nv6node: stopped showing the logs. Node %s is still running; stop it with "
                "'v6node stop -n %s'.\n",
                node_name, node_name);
    else
        fprintf(stderr, "v6node: the container of node %s has stopped.\n", node_name);
    return EXIT_OK;
}

static int logs_command(int argc, char **argv, const char *command, const char *help, bool attach)
{
    cli_args s;
    int status =
        cli_parse(argc, argv, &s, command, help, CLI_NODE | CLI_HOST | (attach ? 0 : CLI_LOGS));
    if (status >= 0) {
        cli_args_free(&s);
        return status;
    }
    v6n_node *node = NULL;
    v6n_client *client = NULL;
    if (cli_node_open(&s, &node) || cli_client(&client, &s, 0)) {
        status = cli_fail_status();
    } else if (attach) {
        status = cli_follow_logs(client, v6n_node_container(node), v6n_node_name(node));
    } else {
        bool stopped = false;
        status = stream_logs(client, v6n_node_container(node), &s, &stopped) ? cli_fail_status()
                                                                             : EXIT_OK;
    }
    v6n_client_free(client);
    v6n_node_free(node);
    cli_args_free(&s);
    return status;
}

int cmd_logs(int argc, char **argv)
{
    return logs_command(argc, argv, "logs", LOGS_HELP, false);
}

int cmd_attach(int argc, char **argv)
{
    return logs_command(argc, argv, "attach", ATTACH_HELP, true);
}

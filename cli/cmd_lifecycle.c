/* v6node stop, restart, remove and clean. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char STOP_HELP[] =
    "NAME\n"
    "    v6node stop - stop a vantage6 node and remove its volumes\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node stop [-n NAME | -c PATH | --all] [--system | --user] [-f] [-t SECONDS]\n"
    "                [--keep-volumes]\n"
    "\n"
    "DESCRIPTION\n"
    "    Stops the node's container vantage6-NAME-SCOPE (SIGTERM, then SIGKILL after the\n"
    "    grace period), waits until the engine has removed it (nodes run with\n"
    "    auto-remove), then removes the node's four volumes as `v6 node stop` does:\n"
    "    the ones it has mounted, whatever names it was started with. With --all\n"
    "    every running node is stopped, each with its own volumes.\n"
    "    A node started with --keep keeps its stopped container and its volumes.\n"
    "    C API: v6n_node_stop().\n"
    "\n"
    "OPTIONS\n"
    "    -n, --name NAME     the node to stop (no config needed)\n"
    "    -c, --config PATH   the node whose config is PATH (its stem is the name)\n"
    "        --all           every running node\n"
    "    -f, --force         kill the node at once (SIGKILL) instead of stopping it\n"
    "    -t, --timeout S     seconds between SIGTERM and SIGKILL (default: the engine's, 10)\n"
    "        --keep-volumes  do not remove the node's volumes\n"
    "    -h, --help          show this help\n"
    "\n"
    "ENVIRONMENT\n"
    "    DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_API_VERSION: the engine.\n"
    "    DATA_VOLUME_NAME, VPN_VOLUME_NAME, SSH_TUNNEL_VOLUME_NAME, SSH_SQUID_VOLUME_NAME:\n"
    "    remove these volumes instead of the ones the node has mounted (not with --all).\n"
    "\n"
    "EXIT STATUS\n"
    "    0 stopped (with --all: every node, or none was running); 1 the engine refused;\n"
    "    2 bad command line; 3 the node is not running; 5 no engine.\n";

static const char RESTART_HELP[] =
    "NAME\n"
    "    v6node restart - stop a node, then start it again from its current config\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node restart [-n NAME | -c PATH | --all] [--system | --user] [-f] [-t S]\n"
    "                   [every option of v6node start]\n"
    "\n"
    "DESCRIPTION\n"
    "    Stops the node as `v6node stop` does (its volumes are removed and made again),\n"
    "    then starts it as `v6node start` does, from the config as it is now: this is\n"
    "    how a changed config (see `v6node status`) takes effect. The node comes back\n"
    "    the way it was last started (its options, image and vantage6 release, from its\n"
    "    start record); an option given here replaces the recorded one. A node that is\n"
    "    not running is just started. With --all, every running node that has a config\n"
    "    here is restarted. C API: v6n_node_restart().\n"
    "\n"
    "OPTIONS\n"
    "    -n, --name NAME, -c, --config PATH   the node\n"
    "    -f, --force, -t, --timeout S   as in v6node stop\n"
    "    --all                          every running node with a config here\n"
    "    --attach, --detach             as in v6node start\n"
    "    --host URL, --context NAME     the engine\n"
    "\n"
    "EXIT STATUS\n"
    "    as v6node start.\n";

static const char REMOVE_HELP[] =
    "NAME\n"
    "    v6node remove - delete a node: container, volumes, config and folders\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node remove [-n NAME | -c PATH] [--system | --user] [-f]\n"
    "\n"
    "DESCRIPTION\n"
    "    Removes a node that is not running: its stopped container, its four volumes\n"
    "    (the names it was started with), its config file, and its data and log folders\n"
    "    when they are the node's default vantage6 folders (a folder set with\n"
    "    `directories:` may be shared and is kept). Works for a node whose config is\n"
    "    gone too. Asks for confirmation on a terminal unless --force.\n"
    "    C API: v6n_node_remove().\n"
    "\n"
    "OPTIONS\n"
    "    -n, --name NAME, -c, --config PATH, --system, --user   the node\n"
    "    -f, --force         do not ask\n"
    "\n"
    "EXIT STATUS\n"
    "    0 removed or declined; 1 error; 2 bad command line (or no terminal to ask and\n"
    "    no --force); 4 the node is running.\n";

static const char CLEAN_HELP[] =
    "NAME\n"
    "    v6node clean - remove leftover temporary volumes of algorithm runs\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node clean [-n NAME [--system | --user]] [-f]\n"
    "\n"
    "DESCRIPTION\n"
    "    Removes the volumes named vantage6-NODE-SCOPE-JOB-tmpvol that algorithm runs\n"
    "    leave behind: of one node with -n, else of every node. Volumes still in use\n"
    "    are kept. Asks for confirmation on a terminal unless --force.\n"
    "    C API: v6n_volumes_clean().\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done or declined; 1 error; 2 bad command line (or no terminal and no --force).\n";

/* Ask on the terminal; false when declined. Without a terminal, --force is needed. */
static int confirm(const char *command, bool force, const char *question)
{
    if (force)
        return 1;
    if (!isatty(STDIN_FILENO))
        return -cli_usage_error(command, "not a terminal: add --force to confirm");
    fprintf(stderr, "%s [y/N] ", question);
    char answer[16] = "";
    if (!fgets(answer, sizeof(answer), stdin))
        return 0;
    return answer[0] == 'y' || answer[0] == 'Y';
}

static void stop_options_from(v6n_stop_options *so, const cli_args *s, cli_progress *p)
{
    v6n_stop_options init = V6N_STOP_OPTIONS_INIT;
    *so = init;
    so->force = s->force;
    so->timeout_ms = s->timeout_s >= 0 ? s->timeout_s * 1000L : -1;
    so->keep_volumes = s->keep_volumes;
    so->callbacks.on_event = cli_print_event;
    so->callbacks.payload = p;
}

/* Stop the node of container entry i of `list`: by its container, so that a
 * node whose config is gone stops too. */
static int stop_listed(v6n_client *client, const v6n_node_list *list, size_t i,
                       const v6n_stop_options *so)
{
    v6n_node *node = NULL;
    int rc = v6n_node_open_container(&node, v6n_node_list_container_name(list, i), NULL);
    if (!rc)
        rc = v6n_node_stop(node, client, so);
    v6n_node_free(node);
    return rc;
}

static int stop_all(v6n_client *client, v6n_stop_options *so)
{
    v6n_node_list *list = NULL;
    if (v6n_node_list_get(&list, client, NULL))
        return cli_fail_status();
    int status = EXIT_OK;
    size_t stopped = 0;
    for (size_t i = 0; i < v6n_node_list_count(list); i++) {
        if (v6n_node_list_state(list, i) != V6N_NODE_RUNNING)
            continue;
        const char *name = v6n_node_list_name(list, i);
        v6n_scope scope = v6n_node_list_scope(list, i);
        if (stop_listed(client, list, i, so)) {
            status = cli_fail_status();
            continue;
        }
        stopped++;
        fprintf(stderr, "v6node: stopped node %s (%s scope)\n", name, v6n_scope_name(scope));
    }
    if (stopped == 0 && status == EXIT_OK)
        fprintf(stderr, "v6node: no nodes are running\n");
    v6n_node_list_free(list);
    return status;
}

int cmd_stop(int argc, char **argv)
{
    cli_args s;
    int status = cli_parse(argc, argv, &s, "stop", STOP_HELP,
                           CLI_NODE | CLI_ALL | CLI_FORCE | CLI_STOP | CLI_HOST);
    if (status >= 0) {
        cli_args_free(&s);
        return status;
    }
    v6n_client *client = NULL;
    v6n_node *node = NULL;
    if (cli_client(&client, &s, 0)) {
        cli_args_free(&s);
        return cli_fail_status();
    }
    cli_progress p = {0};
    v6n_stop_options so;
    stop_options_from(&so, &s, &p);
    if (s.all) {
        status = stop_all(client, &so);
    } else {
        /* the volume names of the environment (cli_parse read them) */
        so.data_volume = s.opts.data_volume;
        so.vpn_volume = s.opts.vpn_volume;
        so.ssh_volume = s.opts.ssh_volume;
        so.squid_volume = s.opts.squid_volume;
        if (cli_node_open(&s, &node) || v6n_node_stop(node, client, &so)) {
            status = cli_fail_status();
        } else {
            status = EXIT_OK;
            fprintf(stderr, "v6node: stopped node %s\n", v6n_node_name(node));
        }
    }
    v6n_node_free(node);
    v6n_client_free(client);
    cli_args_free(&s);
    return status;
}

/* Restart one node: as it was started (its record), with the command line's
 * start options over that. */
static int restart_one(v6n_client *client, const cli_args *a, v6n_node *node,
                       const v6n_stop_options *so, v6n_callbacks *cb)
{
    char *id = NULL;
    int status;
    v6n_node_set_callbacks(node, cb);
    if (v6n_node_restart(&id, node, client, so)) {
        status = cli_fail_status();
    } else {
        status = EXIT_OK;
        fprintf(stderr, "v6node: node %s is running in container %s\n", v6n_node_name(node),
                v6n_node_container(node));
        printf("%s\n", id);
        fflush(stdout);
        if (a->attach)
            status = cli_follow_logs(client, v6n_node_container(node), v6n_node_name(node));
    }
    v6n_free(id);
    return status;
}

int cmd_restart(int argc, char **argv)
{
    cli_args a;
    int status =
        cli_parse(argc, argv, &a, "restart", RESTART_HELP,
                  CLI_NODE | CLI_START | CLI_STARTING | CLI_HOST | CLI_ALL | CLI_FORCE | CLI_STOP);
    if (status >= 0) {
        cli_args_free(&a);
        return status;
    }
    if (a.all && a.attach) {
        cli_args_free(&a);
        return cli_usage_error("restart", "--attach cannot follow several nodes; drop --all");
    }
    cli_progress p = {0};
    p.tty = isatty(STDERR_FILENO);
    v6n_callbacks cb = {.on_event = cli_print_event, .payload = &p};
    v6n_stop_options so;
    stop_options_from(&so, &a, &p);
    v6n_client *client = NULL;
    if (cli_client(&client, &a, 0)) {
        cli_args_free(&a);
        return cli_fail_status();
    }
    if (!a.all) {
        v6n_node *node = NULL;
        status =
            cli_node_open(&a, &node) ? cli_fail_status() : restart_one(client, &a, node, &so, &cb);
        v6n_node_free(node);
    } else {
        v6n_node_list *list = NULL;
        status = EXIT_OK;
        if (v6n_node_list_get(&list, client, NULL))
            status = cli_fail_status();
        size_t restarted = 0;
        for (size_t i = 0; i < v6n_node_list_count(list); i++) {
            if (v6n_node_list_state(list, i) != V6N_NODE_RUNNING ||
                !v6n_node_list_config_path(list, i))
                continue;
            v6n_node *node = NULL;
            v6n_start_options opts = a.opts; /* each node in its own scope */
            opts.scope = v6n_node_list_scope(list, i);
            int one = v6n_node_open_config(&node, v6n_node_list_config_path(list, i), &opts)
                          ? cli_fail_status()
                          : restart_one(client, &a, node, &so, &cb);
            v6n_node_free(node);
            if (one != EXIT_OK)
                status = one;
            else
                restarted++;
        }
        if (restarted == 0 && status == EXIT_OK)
            fprintf(stderr, "v6node: no running node with a config here; nothing restarted\n");
        v6n_node_list_free(list);
    }
    v6n_client_free(client);
    cli_args_free(&a);
    return status;
}

int cmd_remove(int argc, char **argv)
{
    cli_args s;
    int status = cli_parse(argc, argv, &s, "remove", REMOVE_HELP,
                           CLI_NODE | CLI_START | CLI_FORCE | CLI_HOST);
    if (status >= 0) {
        cli_args_free(&s);
        return status;
    }
    v6n_node *node = NULL;
    v6n_client *client = NULL;
    if (cli_node_open(&s, &node) || cli_client(&client, &s, 0)) {
        status = cli_fail_status();
        goto cleanup;
    }
    char question[1024];
    snprintf(question, sizeof(question),
             "Remove node %s: its container, volumes, config %s and folders?", v6n_node_name(node),
             v6n_node_config_path(node) ? v6n_node_config_path(node) : "(none here)");
    int yes = confirm("remove", s.force, question);
    if (yes < 0) {
        status = -yes;
        goto cleanup;
    }
    if (!yes) {
        fprintf(stderr, "v6node: node %s was not removed\n", v6n_node_name(node));
        status = EXIT_OK;
        goto cleanup;
    }
    cli_progress p = {0};
    v6n_callbacks cb = {.on_event = cli_print_event, .payload = &p};
    v6n_node_set_callbacks(node, &cb);
    if (v6n_node_remove(node, client)) {
        status = cli_fail_status();
    } else {
        status = EXIT_OK;
        fprintf(stderr, "v6node: removed node %s\n", v6n_node_name(node));
    }
cleanup:
    v6n_client_free(client);
    v6n_node_free(node);
    cli_args_free(&s);
    return status;
}

int cmd_clean(int argc, char **argv)
{
    cli_args s;
    int status = cli_parse(argc, argv, &s, "clean", CLEAN_HELP,
                           CLI_NODE | CLI_NODE_OPTIONAL | CLI_FORCE | CLI_HOST);
    if (status >= 0) {
        cli_args_free(&s);
        return status;
    }
    char *name = (s.name || s.config) ? cli_node_name(&s) : NULL;
    char question[512];
    if (name)
        snprintf(question, sizeof(question), "Remove the temporary volumes of node %s (%s)?", name,
                 v6n_scope_name(s.opts.scope));
    else
        snprintf(question, sizeof(question),
                 "Remove the temporary volumes (vantage6-*-tmpvol) of every node?");
    int yes = confirm("clean", s.force, question);
    if (yes <= 0) {
        free(name);
        cli_args_free(&s);
        if (yes == 0)
            fprintf(stderr, "v6node: nothing was removed\n");
        return yes < 0 ? -yes : EXIT_OK;
    }
    v6n_client *client = NULL;
    size_t removed = 0;
    cli_progress p = {0};
    v6n_callbacks cb = {.on_event = cli_print_event, .payload = &p};
    if (cli_client(&client, &s, 0) ||
        v6n_volumes_clean(&removed, client, name, s.opts.scope, &cb)) {
        status = cli_fail_status();
    } else {
        status = EXIT_OK;
        fprintf(stderr, "v6node: removed %zu temporary volume%s\n", removed,
                removed == 1 ? "" : "s");
    }
    v6n_client_free(client);
    free(name);
    cli_args_free(&s);
    return status;
}

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
    "        --system        system scope\n"
    "        --user          user scope (the default)\n"
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
    "    how a changed config (see `v6node status`) takes effect. A node that is not\n"
    "    running is just started. With --all, every running node that has a config\n"
    "    here is restarted. The node comes back as the vantage6 release it was built\n"
    "    as, unless --vantage6-version names another. C API: v6n_node_restart().\n"
    "\n"
    "OPTIONS\n"
    "    -f, --force, -t, --timeout S   as in v6node stop\n"
    "    --all                          every running node with a config here\n"
    "    every option of v6node start (see 'v6node start --help')\n"
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
    "    Removes a node that is not running: its stopped container, its four volumes,\n"
    "    its config file, and its data and log folders when they are the node's\n"
    "    default vantage6 folders (a folder set with `directories:` may be shared and\n"
    "    is kept). Asks for confirmation on a terminal unless --force.\n"
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
    so->timeout_s = s->timeout_s;
    so->keep_volumes = s->keep_volumes;
    so->on_event = cli_print_event;
    so->payload = p;
}

static int stop_all(v6n_client *client, v6n_stop_options *so)
{
    v6n_node_list *list = NULL;
    if (v6n_node_list_get(&list, client))
        return cli_fail_status();
    int status = EXIT_OK;
    size_t stopped = 0;
    for (size_t i = 0; i < v6n_node_list_count(list); i++) {
        if (v6n_node_list_state(list, i) != V6N_NODE_RUNNING)
            continue;
        const char *name = v6n_node_list_name(list, i);
        v6n_scope scope = v6n_node_list_scope(list, i);
        if (v6n_node_stop(client, name, scope, so)) {
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
    if (status >= 0)
        return status;
    v6n_client *client = NULL;
    if (cli_client(&client, &s, 0))
        return cli_fail_status();
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
        char *name = cli_node_name(&s);
        if (v6n_node_stop(client, name, s.opts.scope, &so)) {
            status = cli_fail_status();
        } else {
            status = EXIT_OK;
            fprintf(stderr, "v6node: stopped node %s\n", name);
        }
        free(name);
    }
    v6n_client_free(client);
    return status;
}

/* Restart one node from its config, with the command line's start options. */
static int restart_one(v6n_client *client, cli_args *a, const char *name, v6n_scope scope,
                       const v6n_stop_options *so)
{
    v6n_config *config = NULL;
    v6n_node_spec *spec = NULL;
    char *id = NULL;
    int status;
    a->opts.scope = scope;
    int rc = a->config ? v6n_config_load(&config, a->config)
                       : v6n_config_load_name(&config, name, scope, NULL);
    if (rc || v6n_node_spec_build(&spec, config, &a->opts)) {
        status = cli_fail(NULL);
    } else if (v6n_node_restart(&id, client, spec, &a->opts, so)) {
        status = cli_fail_status();
    } else {
        status = EXIT_OK;
        fprintf(stderr, "v6node: node %s is running in container %s\n",
                v6n_node_spec_node_name(spec), v6n_node_spec_container_name(spec));
        printf("%s\n", id);
        fflush(stdout);
        if (a->attach)
            status = cli_follow_logs(client, v6n_node_spec_container_name(spec),
                                     v6n_node_spec_node_name(spec));
    }
    v6n_free(id);
    v6n_node_spec_free(spec);
    v6n_config_free(config);
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
    a.opts.on_event = cli_print_event;
    a.opts.payload = &p;
    v6n_stop_options so = V6N_STOP_OPTIONS_INIT;
    so.force = a.force;
    so.timeout_s = a.timeout_s;
    so.on_event = cli_print_event;
    so.payload = &p;
    v6n_client *client = NULL;
    if (cli_client(&client, &a, 0)) {
        cli_args_free(&a);
        return cli_fail_status();
    }
    if (!a.all) {
        char *name = NULL;
        if (a.name)
            name = strdup(a.name);
        status = restart_one(client, &a, name ? name : "", a.opts.scope, &so);
        free(name);
    } else {
        v6n_node_list *list = NULL;
        status = EXIT_OK;
        if (v6n_node_list_get(&list, client)) {
            status = cli_fail_status();
        }
        size_t restarted = 0;
        for (size_t i = 0; i < v6n_node_list_count(list); i++) {
            if (v6n_node_list_state(list, i) != V6N_NODE_RUNNING ||
                !*v6n_node_list_config_path(list, i))
                continue;
            int one = restart_one(client, &a, v6n_node_list_name(list, i),
                                  v6n_node_list_scope(list, i), &so);
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
    if (status >= 0)
        return status;
    v6n_config *config = NULL;
    v6n_node_spec *spec = NULL;
    v6n_client *client = NULL;
    if (cli_load_config(&s, &config) || v6n_node_spec_build(&spec, config, &s.opts) ||
        cli_client(&client, &s, 0)) {
        status = cli_fail_status();
        goto cleanup;
    }
    char question[1024];
    snprintf(question, sizeof(question),
             "Remove node %s: its container, volumes, config %s and folders?",
             v6n_node_spec_node_name(spec), v6n_config_path(config));
    int yes = confirm("remove", s.force, question);
    if (yes < 0) {
        status = -yes;
        goto cleanup;
    }
    if (!yes) {
        fprintf(stderr, "v6node: node %s was not removed\n", v6n_node_spec_node_name(spec));
        status = EXIT_OK;
        goto cleanup;
    }
    cli_progress p = {0};
    if (v6n_node_remove(client, spec, cli_print_event, &p)) {
        status = cli_fail_status();
    } else {
        status = EXIT_OK;
        fprintf(stderr, "v6node: removed node %s\n", v6n_node_spec_node_name(spec));
    }
cleanup:
    v6n_client_free(client);
    v6n_node_spec_free(spec);
    v6n_config_free(config);
    return status;
}

int cmd_clean(int argc, char **argv)
{
    cli_args s;
    int status = cli_parse(argc, argv, &s, "clean", CLEAN_HELP,
                           CLI_NODE | CLI_NODE_OPTIONAL | CLI_FORCE | CLI_HOST);
    if (status >= 0)
        return status;
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
        if (yes == 0)
            fprintf(stderr, "v6node: nothing was removed\n");
        return yes < 0 ? -yes : EXIT_OK;
    }
    v6n_client *client = NULL;
    size_t removed = 0;
    cli_progress p = {0};
    if (cli_client(&client, &s, 0) ||
        v6n_volumes_clean(&removed, client, name, s.opts.scope, cli_print_event, &p)) {
        status = cli_fail_status();
    } else {
        status = EXIT_OK;
        fprintf(stderr, "v6node: removed %zu temporary volume%s\n", removed,
                removed == 1 ? "" : "s");
    }
    v6n_client_free(client);
    free(name);
    return status;
}

/* v6node start: start a node as `v6 node start` does, saying what it does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char START_HELP[] =
    "Usage: v6node start [-n NAME | -c PATH] [--system | --user] [-i IMAGE]\n"
    "                    [--keep | --auto-remove] [--force-db-mount] [--mount-src DIR]\n"
    "                    [--attach | --detach] [--pull POLICY] [--vantage6-version V]\n"
    "                    [more options]\n"
    "\n"
    "Start a vantage6 node on the Docker engine, exactly as `v6 node start` builds it:\n"
    "check that it is not running, create its data and log folders, choose and pull\n"
    "the image, create its four volumes, replace a stopped container of the same name,\n"
    "then create and start the container. If a step fails, what was created is removed.\n"
    "How it was started is recorded (.libv6node-start.json in its data folder), so that\n"
    "status and restart judge it by that. Progress goes to stderr; the container id is\n"
    "printed on stdout.\n"
    "\n"
    "Node selection (as `v6 node start`):\n"
    "  -n, --name NAME        the node whose config is NAME.yaml (or .yml) in the scope's\n"
    "                         config folder, else in the current directory\n"
    "  -c, --config PATH      the node config file; the node name is its stem\n"
    "      --attach           after starting, show the node's output until Ctrl-C\n"
    "      --detach           return once the node runs (the default)\n"
    "      --host URL, --context NAME   the engine (default DOCKER_HOST)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Environment:\n"
    "  DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_API_VERSION   the engine\n"
    "  DOCKER_CONFIG            where the registry credentials of `docker login` are\n"
    "                           (default ~/.docker; config.json, credential helpers)\n"
    "  and the variables named below, as `v6 node start` reads them (empty: ignored)\n"
    "\n"
    "Exit status: 0 started; 1 invalid config or option, or the engine refused;\n"
    "2 bad command line; 3 no config for the node, or its image not found; 4 the node\n"
    "is already running; 5 the engine (or server) could not be reached.\n";

int cmd_start(int argc, char **argv)
{
    cli_args a;
    int status = cli_parse(argc, argv, &a, "start", START_HELP,
                           CLI_NODE | CLI_START | CLI_STARTING | CLI_HOST);
    if (status >= 0) {
        cli_args_free(&a);
        return status;
    }
    cli_progress p = {0};
    p.tty = isatty(STDERR_FILENO);
    v6n_callbacks cb = {.on_event = cli_print_event, .payload = &p};

    v6n_node *node = NULL;
    v6n_client *client = NULL;
    char *id = NULL;
    if (cli_node_open(&a, &node) || cli_client(&client, &a, 0)) {
        status = cli_fail_status();
        goto cleanup;
    }
    v6n_node_set_callbacks(node, &cb);
    fprintf(stderr, "v6node: starting node %s (%s scope) from %s on %s\n", v6n_node_name(node),
            v6n_scope_name(v6n_node_scope(node)),
            v6n_node_config_path(node) ? v6n_node_config_path(node) : "(no config)",
            v6n_client_host(client));
    if (v6n_node_start(&id, node, client)) {
        cli_progress_end(&p);
        status = cli_fail_status();
        goto cleanup;
    }
    fprintf(stderr, "v6node: node %s is running in container %s\n", v6n_node_name(node),
            v6n_node_container(node));
    printf("%s\n", id);
    fflush(stdout);
    status = EXIT_OK;
    if (a.attach)
        status = cli_follow_logs(client, v6n_node_container(node), v6n_node_name(node));
    else
        fprintf(stderr, "v6node: see its output with 'v6node logs -n %s'\n", v6n_node_name(node));

cleanup:
    v6n_free(id);
    v6n_client_free(client);
    v6n_node_free(node);
    cli_args_free(&a);
    return status;
}

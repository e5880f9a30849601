/* v6node start: start a node as `v6 node start` does, saying what it does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char START_HELP[] =
    "Usage: v6node start [-n NAME | -c PATH] [--system | --user] [-i IMAGE]\n"
    "                    [--keep | --auto-remove] [--force-db-mount] [--mount-src DIR]\n"
    "                    [--attach | --detach] [--pull POLICY] [more options]\n"
    "\n"
    "Start a vantage6 node on the Docker engine, exactly as `v6 node start` builds it:\n"
    "check that it is not running, create its data and log folders, choose and pull\n"
    "the image, create its four volumes, replace a stopped container of the same name,\n"
    "then create and start the container. If a step fails, what was created is removed.\n"
    "Progress goes to stderr; the container id is printed on stdout.\n"
    "\n"
    "Node selection (as `v6 node start`):\n"
    "  -n, --name NAME        the node whose config is NAME.yaml (or .yml) in the scope's\n"
    "                         config folder, else in the current directory\n"
    "  -c, --config PATH      the node config file; the node name is its stem\n"
    "      --system           system scope (/etc/vantage6/node, container NAME-system)\n"
    "      --user             user scope (the default)\n"
    "\n"
    "Start options (as `v6 node start`):\n"
    "  -i, --image IMAGE      node image; overrides images.node and the server version\n"
    "      --keep             keep the container when the node stops (no auto-remove)\n"
    "      --auto-remove      remove the container when it stops (the default)\n"
    "      --force-db-mount   mount every database uri that is a path, even if missing\n"
    "      --mount-src DIR    mount DIR (vantage6 sources) at /vantage6 in the node\n"
    "      --attach           after starting, show the node's output until Ctrl-C\n"
    "      --detach           return once the node runs (the default)\n"
    "\n"
    "More options (libv6node):\n"
    "      --vantage6-version V  build the node as vantage6 V's `v6 node start` does:\n"
    "                         a release line (4.15 ... 4.10) or a release (4.13.7);\n"
    "                         default " V6N_VANTAGE6_VERSION "; 'auto': the line of the node's\n"
    "                         server (asked for its version; the default when it cannot)\n"
    "      --pull POLICY      how to get the image: default (as `v6 node start`: pull,\n"
    "                         fall back to a local copy except for the default image),\n"
    "                         missing (pull only when absent), always, never\n"
    "      --server-version V use V as the server's version instead of asking it\n"
    "      --no-server-version  never ask the server which version it runs\n"
    "      --data-dir DIR     the node's data folder (overrides directories.data)\n"
    "      --log-dir DIR      the node's log folder (overrides directories.log)\n"
    "      --docker-socket P  host path bound at /var/run/docker.sock\n"
    "      --host-path L=H    paths under L here are H on the engine's host (repeatable)\n"
    "      --workdir DIR      resolve relative database uris and --mount-src against DIR\n"
    "  -h, --help             show this help\n"
    "\n"
    "Environment:\n"
    "  DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_API_VERSION   the engine\n"
    "  DATA_VOLUME_NAME, VPN_VOLUME_NAME, SSH_TUNNEL_VOLUME_NAME, SSH_SQUID_VOLUME_NAME,\n"
    "  PRIVATE_KEY              as `v6 node start` (empty values are ignored)\n"
    "  DOCKER_CONFIG            where the registry credentials of `docker login` are\n"
    "                           (default ~/.docker; config.json, credential helpers)\n"
    "\n"
    "Exit status: 0 started; 1 invalid config or option, or the engine refused;\n"
    "2 bad command line; 3 image not found; 4 the node is already running;\n"
    "5 the engine (or server) could not be reached.\n";

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
    a.opts.on_event = cli_print_event;
    a.opts.payload = &p;

    v6n_config *config = NULL;
    v6n_node_spec *spec = NULL;
    v6n_client *client = NULL;
    char *id = NULL;
    if (cli_load_config(&a, &config) != V6N_OK || v6n_node_spec_build(&spec, config, &a.opts)) {
        status = cli_fail(NULL);
        goto cleanup;
    }
    if (cli_client(&client, &a, 0)) {
        status = cli_fail(NULL);
        goto cleanup;
    }
    fprintf(stderr, "v6node: starting node %s (%s scope) from %s on %s\n",
            v6n_node_spec_node_name(spec), v6n_scope_name(a.opts.scope), v6n_config_path(config),
            v6n_client_host(client));
    if (v6n_node_start(&id, client, spec, &a.opts)) {
        cli_progress_end(&p);
        status = cli_fail_status();
        goto cleanup;
    }
    fprintf(stderr, "v6node: node %s is running in container %s\n", v6n_node_spec_node_name(spec),
            v6n_node_spec_container_name(spec));
    printf("%s\n", id);
    fflush(stdout);
    status = EXIT_OK;
    if (a.attach)
        status = cli_follow_logs(client, v6n_node_spec_container_name(spec),
                                 v6n_node_spec_node_name(spec));
    else
        fprintf(stderr, "v6node: see its output with 'v6node logs -n %s'\n",
                v6n_node_spec_node_name(spec));

cleanup:
    v6n_free(id);
    v6n_client_free(client);
    v6n_node_spec_free(spec);
    v6n_config_free(config);
    cli_args_free(&a);
    return status;
}

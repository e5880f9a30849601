/* v6node version: the version of a running node (`vnode-local version` run in
 * its container through the engine's exec API) and of libv6node, as
 * `v6 node version` prints the node's and the CLI's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cli.h"

static const char VERSION_HELP[] =
    "NAME\n"
    "    v6node version - the version of a running node, and of libv6node\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node version [-n NAME | -c PATH] [--system | --user] [--json]\n"
    "                   [--host URL | --context NAME]\n"
    "\n"
    "DESCRIPTION\n"
    "    Runs `vnode-local version` in the node's container vantage6-NAME-SCOPE, as\n"
    "    `v6 node version` does, and prints its answer with the version of libv6node\n"
    "    (and the vantage6 release it builds nodes as by default). The node must be\n"
    "    running. Without -n on a terminal, the running nodes are offered, as\n"
    "    `v6 node version` offers them. C API: v6n_node_version().\n"
    "\n"
    "OPTIONS\n"
    "    -n, --name NAME, -c, --config PATH, --system, --user   the node\n"
    "        --json          {\"node\": ..., \"libv6node\": ..., \"vantage6\": ...}\n"
    "        --host URL      the engine (default DOCKER_HOST)\n"
    "        --context NAME  the engine of a Docker context\n"
    "    -h, --help          show this help\n"
    "\n"
    "EXIT STATUS\n"
    "    0 printed; 1 the command failed in the container; 2 bad command line;\n"
    "    3 the node is not running; 5 no engine.\n";

/* On a terminal: choose among the running nodes. -1 when chosen (name and
 * scope set), else the exit status. */
static int pick_running(v6n_client *client, cli_args *a)
{
    v6n_node_list *list = NULL;
    if (v6n_node_list_get(&list, client, NULL) != V6N_OK)
        return cli_fail_status();
    size_t n = v6n_node_list_count(list), running = 0;
    const char **choices = calloc(n ? n : 1, sizeof(*choices));
    size_t *index = calloc(n ? n : 1, sizeof(*index));
    int status = -1;
    if (!choices || !index) {
        status = v6n_err_nomem_cli();
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        if (v6n_node_list_state(list, i) == V6N_NODE_RUNNING) {
            index[running] = i;
            choices[running++] = v6n_node_list_container_name(list, i);
        }
    if (running == 0) {
        fprintf(stderr, "v6node version: no nodes are running: the version can only be asked "
                        "of a running node\n");
        status = EXIT_NOTFOUND;
        goto cleanup;
    }
    size_t pick;
    if (cli_ask_choice(&pick, "Select the node you wish to inspect:", choices, running, 0) != 0) {
        fprintf(stderr, "v6node version: aborted\n");
        status = EXIT_FAILURE_;
        goto cleanup;
    }
    snprintf(a->picked_name, sizeof(a->picked_name), "%s", v6n_node_list_name(list, index[pick]));
    a->name = a->picked_name;
    a->opts.scope = v6n_node_list_scope(list, index[pick]);
cleanup:
    free(choices);
    free(index);
    v6n_node_list_free(list);
    return status;
}

int cmd_version(int argc, char **argv)
{
    cli_args a;
    int status = cli_parse(argc, argv, &a, "version", VERSION_HELP,
                           CLI_NODE | CLI_NODE_OPTIONAL | CLI_JSON | CLI_HOST);
    if (status >= 0) {
        cli_args_free(&a);
        return status;
    }
    if (!a.name && !a.config && !cli_interactive()) {
        cli_args_free(&a);
        return cli_usage_error("version", "which node? Give -n NAME or -c PATH");
    }
    v6n_client *client = NULL;
    char *version = NULL;
    v6n_node *node = NULL;
    if (cli_client(&client, &a, 0) != V6N_OK) {
        status = cli_fail_status();
        goto cleanup;
    }
    if (!a.name && !a.config && (status = pick_running(client, &a)) >= 0)
        goto cleanup;
    if (cli_node_open(&a, &node) != V6N_OK || v6n_node_version(&version, node, client) != V6N_OK) {
        status = cli_fail_status();
        goto cleanup;
    }
    if (a.json) {
        yajl_gen g = yajl_gen_alloc(NULL);
        const char *keys[] = {"node", "libv6node", "vantage6"};
        const char *values[] = {version, v6n_version(), V6N_VANTAGE6_VERSION};
        yajl_gen_map_open(g);
        for (size_t i = 0; i < 3; i++) {
            yajl_gen_string(g, (const unsigned char *)keys[i], strlen(keys[i]));
            yajl_gen_string(g, (const unsigned char *)values[i], strlen(values[i]));
        }
        yajl_gen_map_close(g);
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(g, &buf, &len);
        fwrite(buf, 1, len, stdout);
        putchar('\n');
        yajl_gen_free(g);
    } else {
        printf("node       %s\n", version);
        printf("libv6node  %s (builds nodes as vantage6 %s by default)\n", v6n_version(),
               V6N_VANTAGE6_VERSION);
    }
    status = EXIT_OK;
cleanup:
    v6n_free(version);
    v6n_node_free(node);
    v6n_client_free(client);
    cli_args_free(&a);
    return status;
}

/* v6node spec: the dry run. Build the node's container spec and print it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char SPEC_HELP[] =
    "Usage: v6node spec [-n NAME | -c PATH] [--system | --user] [-i IMAGE]\n"
    "                   [--keep | --auto-remove] [--force-db-mount] [--mount-src DIR]\n"
    "                   [more options]\n"
    "\n"
    "Print the container spec of a vantage6 node as `v6 node start` would build it,\n"
    "without talking to the Docker engine or the vantage6 server. Output: one JSON\n"
    "object {\"name\", \"image\", \"volumes\", \"create\"}, where \"create\" is the exact\n"
    "body of the engine's create-container request.\n"
    "\n"
    "Node selection (the same options as `v6 node start`):\n"
    "  -n, --name NAME        the node whose config is NAME.yaml (or NAME.yml) in the\n"
    "                         scope's config folder, else in the current directory\n"
    "  -c, --config PATH      the node config file; the node name is its stem\n"
    "      --system           system scope: /etc/vantage6/node, container\n"
    "                         vantage6-NAME-system, system data and log folders\n"
    "      --user             user scope (the default): ~/.config/vantage6/node ...\n"
    "\n"
    "Start options (the same as `v6 node start`):\n"
    "  -i, --image IMAGE      node image; overrides images.node and the server version\n"
    "      --keep             keep the container when the node stops (no auto-remove)\n"
    "      --auto-remove      remove the container when the node stops (the default)\n"
    "      --force-db-mount   mount every database uri that is a path, even when it\n"
    "                         does not exist here\n"
    "      --mount-src DIR    mount DIR (vantage6 sources) at /vantage6 in the node\n"
    "\n"
    "More options (libv6node):\n"
    "      --vantage6-version V  build the node as vantage6 V's `v6 node start` does:\n"
    "                         a release line (4.15, 4.14, 4.13, 4.12, 4.11, 4.10) or a\n"
    "                         release (4.13.7); default " V6N_VANTAGE6_VERSION ". 'auto' takes\n"
    "                         the line of --server-version (spec asks no server)\n"
    "      --server-version V the server's version (e.g. 4.13.2) for the image rule\n"
    "                         '<registry>/infrastructure/node:<major.minor>'\n"
    "      --data-dir DIR     the node's data folder (overrides directories.data)\n"
    "      --log-dir DIR      the node's log folder (overrides directories.log)\n"
    "      --docker-socket P  host path bound at /var/run/docker.sock\n"
    "                         (default /var/run/docker.sock)\n"
    "      --host-path L=H    paths under L here are H on the engine's host; for a\n"
    "                         caller running in a container (repeatable)\n"
    "      --workdir DIR      resolve relative database uris and --mount-src against\n"
    "                         DIR (default: the current directory)\n"
    "      --pretty           indent the JSON\n"
    "  -h, --help             show this help\n"
    "\n"
    "Environment (read as `v6 node start` reads it; empty values are ignored):\n"
    "  DATA_VOLUME_NAME, VPN_VOLUME_NAME, SSH_TUNNEL_VOLUME_NAME,\n"
    "  SSH_SQUID_VOLUME_NAME   replace the four volume names\n"
    "  PRIVATE_KEY             replaces encryption.private_key\n"
    "  HOME, XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME, XDG_CONFIG_DIRS,\n"
    "  XDG_DATA_DIRS           decide the vantage6 folders\n"
    "\n"
    "Exit status: 0 on success, 1 when the config or an option is invalid (the\n"
    "message names the file, key and value), 2 for a bad command line.\n";

/* Re-indent compact JSON for people: two spaces, one value per line. */
static void print_pretty(const char *json)
{
    int depth = 0;
    bool in_string = false;
    for (const char *p = json; *p; p++) {
        char ch = *p;
        if (in_string) {
            putchar(ch);
            if (ch == '\\' && p[1])
                putchar(*++p);
            else if (ch == '"')
                in_string = false;
            continue;
        }
        if (ch == '"') {
            in_string = true;
            putchar(ch);
        } else if ((ch == '{' || ch == '[') && (p[1] == '}' || p[1] == ']')) {
            putchar(ch);
            putchar(*++p);
        } else if (ch == '{' || ch == '[') {
            printf("%c\n%*s", ch, 2 * ++depth, "");
        } else if (ch == '}' || ch == ']') {
            printf("\n%*s%c", 2 * --depth, "", ch);
        } else if (ch == ',') {
            printf(",\n%*s", 2 * depth, "");
        } else if (ch == ':') {
            fputs(": ", stdout);
        } else {
            putchar(ch);
        }
    }
    putchar('\n');
}

int cmd_spec(int argc, char **argv)
{
    cli_args a;
    int status = cli_parse(argc, argv, &a, "spec", SPEC_HELP, CLI_NODE | CLI_START | CLI_PRETTY);
    if (status >= 0) {
        cli_args_free(&a);
        return status;
    }

    v6n_config *config = NULL;
    v6n_node_spec *spec = NULL;
    char *json = NULL;
    status = EXIT_OK;
    if (cli_load_config(&a, &config) != V6N_OK || v6n_node_spec_build(&spec, config, &a.opts) ||
        v6n_node_spec_json(&json, spec)) {
        status = cli_fail(NULL);
    } else if (a.pretty) {
        print_pretty(json);
    } else {
        printf("%s\n", json);
    }
    v6n_free(json);
    v6n_node_spec_free(spec);
    v6n_config_free(config);
    cli_args_free(&a);
    if (status == EXIT_OK && fflush(stdout) != 0) {
        perror("v6node: writing the spec");
        status = EXIT_FAILURE_;
    }
    return status;
}

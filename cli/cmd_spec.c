/* v6node spec: the dry run. Build the node's container spec and print it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char SPEC_HELP[] =
    "Usage: v6node spec [-n NAME | -c PATH] [--system | --user] [-i IMAGE]\n"
    "                   [--keep | --auto-remove] [--force-db-mount] [--mount-src DIR]\n"
    "                   [--vantage6-version V] [more options]\n"
    "\n"
    "Print the container spec of a vantage6 node as `v6 node start` would build it,\n"
    "without talking to the Docker engine or the vantage6 server. Output: one JSON\n"
    "object {\"name\", \"image\", \"volumes\", \"create\"}, where \"create\" is the exact\n"
    "body of the engine's create-container request. With --vantage6-version auto, the\n"
    "line of --server-version (spec asks no server), else the default.\n"
    "\n"
    "Node selection (the same options as `v6 node start`):\n"
    "  -n, --name NAME        the node whose config is NAME.yaml (or NAME.yml) in the\n"
    "                         scope's config folder, else in the current directory\n"
    "  -c, --config PATH      the node config file; the node name is its stem\n"
    "      --pretty           indent the JSON\n"
    "  -h, --help             show this help\n"
    "\n"
    "Environment: HOME and the XDG variables (XDG_CONFIG_HOME, XDG_DATA_HOME,\n"
    "XDG_CACHE_HOME, XDG_CONFIG_DIRS, XDG_DATA_DIRS) decide the vantage6 folders.\n"
    "\n"
    "Exit status: 0 on success, 1 when the config or an option is invalid (the\n"
    "message names the file, key and value), 2 for a bad command line, 3 when there\n"
    "is no config for the node.\n";

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
    v6n_node *node = NULL;
    v6n_node_spec *spec = NULL;
    char *json = NULL;
    status = EXIT_OK;
    if (cli_node_open(&a, &node) || v6n_node_spec_get(&spec, node) ||
        v6n_node_spec_json(&json, spec)) {
        status = cli_fail_status();
    } else if (a.pretty) {
        print_pretty(json);
    } else {
        printf("%s\n", json);
    }
    v6n_free(json);
    v6n_node_spec_free(spec);
    v6n_node_free(node);
    cli_args_free(&a);
    if (status == EXIT_OK && fflush(stdout) != 0) {
        perror("v6node: writing the spec");
        status = EXIT_FAILURE_;
    }
    return status;
}

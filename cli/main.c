/* v6node: start and manage vantage6 nodes with libv6node. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char MAIN_HELP[] =
    "Usage: v6node COMMAND [OPTIONS]\n"
    "\n"
    "Start and manage vantage6 nodes through the Docker Engine API, building each\n"
    "node container exactly as the official `v6 node start` does (libv6node %s; by\n"
    "default as vantage6 %s, or as the release --vantage6-version names).\n"
    "\n"
    "Commands:\n"
    "  spec       print a node's container spec (a dry run: no engine, no server)\n"
    "  start      start a node on the Docker engine\n"
    "  stop       stop a node (and remove its volumes)\n"
    "  restart    stop a node and start it from its current config\n"
    "  status     a node's state, and whether it still matches its config\n"
    "  list       every node: configs here and node containers on the engine\n"
    "  logs       a node's output\n"
    "  attach     follow a node's output until Ctrl-C\n"
    "  files      where a node's config, data, logs and databases are\n"
    "  remove     delete a stopped node: container, volumes, config, folders\n"
    "  clean      remove leftover temporary volumes of algorithm runs\n"
    "\n"
    "Setting a node up:\n"
    "  new                 create a node config (asks for what is missing, as `v6 node new`)\n"
    "  set-api-key         put a new API key in a node's config\n"
    "  create-private-key  make the node's encryption key and upload its public key\n"
    "  version             the version of a running node, and of libv6node\n"
    "\n"
    "Run 'v6node COMMAND --help' for the options of a command.\n"
    "\n"
    "The engine (every command that uses one; status and list take several):\n"
    "  --host URL      unix:///path, tcp://host:port or ssh://user@host[:port]\n"
    "                  (default DOCKER_HOST), as the docker CLI: TLS for tcp:// from\n"
    "                  DOCKER_TLS_VERIFY and DOCKER_CERT_PATH; ssh:// runs ssh (keys,\n"
    "                  known_hosts and ~/.ssh/config as yours) and docker over there\n"
    "  --context NAME  the engine of a Docker context (`docker context ls`), with its\n"
    "                  own TLS files\n"
    "\n"
    "Options:\n"
    "  -h, --help      show this help\n"
    "  -V, --version   print the version\n";

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command COMMANDS[] = {
    {"spec", cmd_spec},     {"start", cmd_start},   {"stop", cmd_stop},   {"restart", cmd_restart},
    {"status", cmd_status}, {"list", cmd_list},     {"logs", cmd_logs},   {"attach", cmd_attach},
    {"files", cmd_files},   {"remove", cmd_remove}, {"clean", cmd_clean},
};

/* The setup half of `v6 node` (cmd_setup.c, cmd_version.c). */
static const command SETUP_COMMANDS[] = {
    {"new", cmd_new},
    {"set-api-key", cmd_set_api_key},
    {"create-private-key", cmd_create_private_key},
    {"version", cmd_version},
};

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        printf(MAIN_HELP, v6n_version(), V6N_VANTAGE6_VERSION);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("v6node %s (vantage6 %s)\n", v6n_version(), V6N_VANTAGE6_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(COMMANDS) / sizeof(COMMANDS[0]); i++)
        if (strcmp(argv[1], COMMANDS[i].name) == 0)
            return COMMANDS[i].run(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof(SETUP_COMMANDS) / sizeof(SETUP_COMMANDS[0]); i++)
        if (strcmp(argv[1], SETUP_COMMANDS[i].name) == 0)
            return SETUP_COMMANDS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "v6node: unknown command '%s'\nTry 'v6node --help'.\n", argv[1]);
    return EXIT_USAGE;
}

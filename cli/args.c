/* The command line of every v6node command: one option table, and per command
 * the groups of options it accepts (cli.h, CLI_*). The names are those of
 * `v6 node` where vantage6 has them. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
    OPT_SYSTEM = 256,
    OPT_USER,
    OPT_KEEP,
    OPT_AUTO_REMOVE,
    OPT_FORCE_DB_MOUNT,
    OPT_MOUNT_SRC,
    OPT_SERVER_VERSION,
    OPT_NO_SERVER_VERSION,
    OPT_DATA_DIR,
    OPT_LOG_DIR,
    OPT_DOCKER_SOCKET,
    OPT_HOST_PATH,
    OPT_WORKDIR,
    OPT_NO_LOCAL_CHECKS,
    OPT_PRETTY,
    OPT_PULL,
    OPT_ATTACH,
    OPT_DETACH,
    OPT_ALL,
    OPT_JSON,
    OPT_HOST,
    OPT_CONTEXT,
    OPT_KEEP_VOLUMES,
    OPT_TAIL,
    OPT_TIMESTAMPS,
    OPT_VANTAGE6_VERSION,
};

static const struct option OPTIONS[] = {
    {"name", required_argument, NULL, 'n'},
    {"config", required_argument, NULL, 'c'},
    {"system", no_argument, NULL, OPT_SYSTEM},
    {"user", no_argument, NULL, OPT_USER},
    {"image", required_argument, NULL, 'i'},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"auto-remove", no_argument, NULL, OPT_AUTO_REMOVE},
    {"force-db-mount", no_argument, NULL, OPT_FORCE_DB_MOUNT},
    {"mount-src", required_argument, NULL, OPT_MOUNT_SRC},
    {"server-version", required_argument, NULL, OPT_SERVER_VERSION},
    {"no-server-version", no_argument, NULL, OPT_NO_SERVER_VERSION},
    {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    {"log-dir", required_argument, NULL, OPT_LOG_DIR},
    {"docker-socket", required_argument, NULL, OPT_DOCKER_SOCKET},
    {"host-path", required_argument, NULL, OPT_HOST_PATH},
    {"workdir", required_argument, NULL, OPT_WORKDIR},
    {"no-local-checks", no_argument, NULL, OPT_NO_LOCAL_CHECKS},
    {"vantage6-version", required_argument, NULL, OPT_VANTAGE6_VERSION},
    {"pretty", no_argument, NULL, OPT_PRETTY},
    {"pull", required_argument, NULL, OPT_PULL},
    {"attach", no_argument, NULL, OPT_ATTACH},
    {"detach", no_argument, NULL, OPT_DETACH},
    {"force", no_argument, NULL, 'f'},
    {"timeout", required_argument, NULL, 't'},
    {"all", no_argument, NULL, OPT_ALL},
    {"json", no_argument, NULL, OPT_JSON},
    {"host", required_argument, NULL, OPT_HOST},
    {"context", required_argument, NULL, OPT_CONTEXT},
    {"keep-volumes", no_argument, NULL, OPT_KEEP_VOLUMES},
    {"tail", required_argument, NULL, OPT_TAIL},
    {"follow", no_argument, NULL, 'F'},
    {"timestamps", no_argument, NULL, OPT_TIMESTAMPS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The group an option belongs to; 0 for options every command has. */
static unsigned group_of(int opt)
{
    switch (opt) {
    case 'n':
    case 'c':
    case OPT_SYSTEM:
    case OPT_USER:
        return CLI_NODE;
    case 'i':
    case OPT_KEEP:
    case OPT_AUTO_REMOVE:
    case OPT_FORCE_DB_MOUNT:
    case OPT_MOUNT_SRC:
    case OPT_SERVER_VERSION:
    case OPT_DATA_DIR:
    case OPT_LOG_DIR:
    case OPT_DOCKER_SOCKET:
    case OPT_HOST_PATH:
    case OPT_WORKDIR:
    case OPT_NO_LOCAL_CHECKS:
    case OPT_VANTAGE6_VERSION:
        return CLI_START;
    case OPT_PULL:
    case OPT_ATTACH:
    case OPT_DETACH:
    case OPT_NO_SERVER_VERSION:
        return CLI_STARTING;
    case OPT_PRETTY:
        return CLI_PRETTY;
    case OPT_JSON:
        return CLI_JSON;
    case OPT_ALL:
        return CLI_ALL;
    case 'f':
        return CLI_FORCE;
    case 't':
    case OPT_KEEP_VOLUMES:
        return CLI_STOP;
    case OPT_TAIL:
    case 'F':
    case OPT_TIMESTAMPS:
        return CLI_LOGS;
    case OPT_HOST:
    case OPT_CONTEXT:
        return CLI_HOST | CLI_HOSTS;
    default:
        return 0;
    }
}

static int parse_pull(const char *v, v6n_pull_policy *out)
{
    static const char *const names[] = {"default", "missing", "always", "never"};
    for (int i = 0; i < 4; i++)
        if (strcmp(v, names[i]) == 0) {
            *out = (v6n_pull_policy)i;
            return 0;
        }
    return -1;
}

/* One option; -1 to go on, else the exit status. */
static int take(cli_args *a, int c, const char *arg, const char *command, const char *help,
                unsigned groups)
{
    char *end;
    switch (c) {
    case 'n':
        a->name = arg;
        break;
    case 'c':
        a->config = arg;
        break;
    case OPT_SYSTEM:
        a->opts.scope = V6N_SCOPE_SYSTEM;
        break;
    case OPT_USER:
        a->opts.scope = V6N_SCOPE_USER;
        break;
    case 'i':
        a->opts.image = arg;
        break;
    case OPT_KEEP:
        a->opts.keep = 1;
        break;
    case OPT_AUTO_REMOVE:
        a->opts.keep = 0;
        break;
    case OPT_FORCE_DB_MOUNT:
        a->opts.force_db_mount = 1;
        break;
    case OPT_MOUNT_SRC:
        a->opts.mount_src = arg;
        break;
    case OPT_SERVER_VERSION:
        a->opts.server_version = arg;
        break;
    case OPT_NO_SERVER_VERSION:
        a->opts.no_server_version = 1;
        break;
    case OPT_DATA_DIR:
        a->opts.data_dir = arg;
        break;
    case OPT_LOG_DIR:
        a->opts.log_dir = arg;
        break;
    case OPT_DOCKER_SOCKET:
        a->opts.docker_socket = arg;
        break;
    case OPT_HOST_PATH:
        if (cli_add_path_map(a, arg) != 0)
            return cli_usage_error(command, "--host-path wants LOCAL=HOST (got '%s')", arg);
        break;
    case OPT_WORKDIR:
        a->opts.working_dir = arg;
        break;
    case OPT_NO_LOCAL_CHECKS:
        a->opts.no_local_checks = 1;
        break;
    case OPT_VANTAGE6_VERSION:
        if (v6n_vantage6_version_check(arg) != V6N_OK)
            return cli_usage_error(command, "--vantage6-version: %s", v6n_error_last()->message);
        a->opts.vantage6_version = arg;
        break;
    case OPT_PRETTY:
        a->pretty = true;
        break;
    case OPT_PULL:
        if (parse_pull(arg, &a->opts.pull) != 0)
            return cli_usage_error(
                command, "--pull wants missing, always, never or default (got '%s')", arg);
        break;
    case OPT_ATTACH:
        a->attach = true;
        break;
    case OPT_DETACH:
        a->attach = false;
        break;
    case 'f':
        a->force = true;
        break;
    case 't':
        a->timeout_s = (int)strtol(arg, &end, 10);
        if (*end || end == arg || a->timeout_s < 0 || a->timeout_s > 3600)
            return cli_usage_error(command, "--timeout wants seconds, 0-3600 (got '%s')", arg);
        break;
    case OPT_ALL:
        a->all = true;
        break;
    case OPT_JSON:
        a->json = true;
        break;
    case OPT_HOST:
    case OPT_CONTEXT:
        if (a->nhosts == ((groups & CLI_HOSTS) ? CLI_MAX_HOSTS : 1))
            return cli_usage_error(command, (groups & CLI_HOSTS)
                                                ? "too many --host/--context options"
                                                : "one engine only: a single --host or --context");
        a->host_is_context[a->nhosts] = c == OPT_CONTEXT;
        a->hosts[a->nhosts++] = arg;
        break;
    case OPT_KEEP_VOLUMES:
        a->keep_volumes = true;
        break;
    case OPT_TAIL:
        if (strcmp(arg, "all") == 0) {
            a->tail = -1;
            break;
        }
        a->tail = strtol(arg, &end, 10);
        if (*end || end == arg || a->tail < 0)
            return cli_usage_error(command, "--tail wants a number of lines or 'all' (got '%s')",
                                   arg);
        break;
    case 'F':
        a->follow = true;
        break;
    case OPT_TIMESTAMPS:
        a->timestamps = true;
        break;
    case 'h':
        fputs(help, stdout);
        return EXIT_OK;
    default:
        return cli_usage_error(command, "unknown option");
    }
    return -1;
}

int cli_parse(int argc, char **argv, cli_args *a, const char *command, const char *help,
              unsigned groups)
{
    memset(a, 0, sizeof(*a));
    v6n_start_options_init(&a->opts, V6N_START_OPTIONS_VERSION);
    cli_options_from_env(&a->opts);
    a->timeout_s = -1;
    a->tail = -1;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":n:c:i:ft:Fh", OPTIONS, NULL)) != -1) {
        if (c == ':')
            return cli_usage_error(command, "option '%s' needs a value", argv[optind - 1]);
        unsigned group = group_of(c);
        if (c == '?' || (group && !(groups & group)))
            return cli_usage_error(command, "unknown option '%s'", argv[optind - 1]);
        int status = take(a, c, optarg, command, help, groups);
        if (status >= 0)
            return status;
    }
    if (optind < argc)
        return cli_usage_error(command, "unexpected argument '%s'", argv[optind]);
    if (a->name && a->config)
        return cli_usage_error(command, "give either -n NAME or -c PATH, not both");
    if (a->all && (a->name || a->config))
        return cli_usage_error(command, "--all and a node (-n/-c) exclude each other");
    if ((groups & CLI_NODE) && !(groups & CLI_NODE_OPTIONAL) && !a->all && !a->name && !a->config) {
        int picked = cli_pick_config(a, command); /* on a terminal: choose one */
        if (picked != -2)
            return picked;
        return cli_usage_error(command, "which node? Give -n NAME or -c PATH%s",
                               (groups & CLI_ALL) ? " (or --all)" : "");
    }
    return -1;
}

char *cli_node_name(const cli_args *a)
{
    if (a->name)
        return strdup(a->name);
    if (!a->config)
        return NULL;
    const char *base = strrchr(a->config, '/');
    base = base ? base + 1 : a->config;
    const char *dot = strrchr(base, '.');
    size_t n = (dot && dot != base) ? (size_t)(dot - base) : strlen(base);
    return strndup(base, n);
}

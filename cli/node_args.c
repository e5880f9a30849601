/* The options of `v6 node start` (and libv6node's additions), parsed once for
 * every command that builds a node spec: spec, start, restart. */
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
    OPT_PRETTY,
    OPT_PULL,
    OPT_ATTACH,
    OPT_DETACH,
    OPT_ALL,
    OPT_JSON,
    OPT_HOST,
    OPT_NO_LOCAL_CHECKS,
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
    {"pretty", no_argument, NULL, OPT_PRETTY},
    {"pull", required_argument, NULL, OPT_PULL},
    {"attach", no_argument, NULL, OPT_ATTACH},
    {"detach", no_argument, NULL, OPT_DETACH},
    {"force", no_argument, NULL, 'f'},
    {"timeout", required_argument, NULL, 't'},
    {"all", no_argument, NULL, OPT_ALL},
    {"json", no_argument, NULL, OPT_JSON},
    {"host", required_argument, NULL, OPT_HOST},
    {"no-local-checks", no_argument, NULL, OPT_NO_LOCAL_CHECKS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static bool allowed(int opt, unsigned flags)
{
    switch (opt) {
    case OPT_PRETTY:
        return flags & CLI_ARGS_PRETTY;
    case OPT_PULL:
    case OPT_ATTACH:
    case OPT_DETACH:
    case OPT_NO_SERVER_VERSION:
        return flags & CLI_ARGS_ENGINE;
    case 'f':
    case 't':
    case OPT_ALL:
        return flags & CLI_ARGS_RESTART;
    case OPT_JSON:
        return flags & CLI_ARGS_JSON;
    case OPT_HOST:
        return flags & (CLI_ARGS_ENGINE | CLI_ARGS_HOSTS);
    default:
        return true;
    }
}

static int parse_pull(const char *v, v6n_pull_policy *out)
{
    if (strcmp(v, "missing") == 0)
        *out = V6N_PULL_MISSING;
    else if (strcmp(v, "always") == 0)
        *out = V6N_PULL_ALWAYS;
    else if (strcmp(v, "never") == 0)
        *out = V6N_PULL_NEVER;
    else if (strcmp(v, "default") == 0)
        *out = V6N_PULL_DEFAULT;
    else
        return -1;
    return 0;
}

int cli_parse_node_args(int argc, char **argv, cli_node_args *a, const char *command,
                        const char *help, unsigned flags)
{
    v6n_start_options_init(&a->opts, V6N_START_OPTIONS_VERSION);
    cli_options_from_env(&a->opts);
    a->timeout_s = -1;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":n:c:i:ft:h", OPTIONS, NULL)) != -1) {
        if (!allowed(c, flags))
            return cli_usage_error(command, "unknown option '%s'", argv[optind - 1]);
        switch (c) {
        case 'n':
            a->name = optarg;
            break;
        case 'c':
            a->config = optarg;
            break;
        case 'i':
            a->opts.image = optarg;
            break;
        case OPT_SYSTEM:
            a->opts.scope = V6N_SCOPE_SYSTEM;
            break;
        case OPT_USER:
            a->opts.scope = V6N_SCOPE_USER;
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
            a->opts.mount_src = optarg;
            break;
        case OPT_SERVER_VERSION:
            a->opts.server_version = optarg;
            break;
        case OPT_NO_SERVER_VERSION:
            a->opts.no_server_version = 1;
            break;
        case OPT_DATA_DIR:
            a->opts.data_dir = optarg;
            break;
        case OPT_LOG_DIR:
            a->opts.log_dir = optarg;
            break;
        case OPT_DOCKER_SOCKET:
            a->opts.docker_socket = optarg;
            break;
        case OPT_HOST_PATH:
            if (cli_add_path_map(a, optarg) != 0)
                return cli_usage_error(command, "--host-path wants LOCAL=HOST (got '%s')", optarg);
            break;
        case OPT_WORKDIR:
            a->opts.working_dir = optarg;
            break;
        case OPT_PRETTY:
            a->pretty = true;
            break;
        case OPT_PULL:
            if (parse_pull(optarg, &a->opts.pull) != 0)
                return cli_usage_error(
                    command, "--pull wants missing, always, never or default (got '%s')", optarg);
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
        case 't': {
            char *end;
            a->timeout_s = (int)strtol(optarg, &end, 10);
            if (*end || a->timeout_s < 0 || a->timeout_s > 3600)
                return cli_usage_error(command, "--timeout wants seconds, 0-3600 (got '%s')",
                                       optarg);
            break;
        }
        case OPT_ALL:
            a->all = true;
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case OPT_HOST:
            if (a->nhosts == ((flags & CLI_ARGS_HOSTS) ? CLI_MAX_HOSTS : 1))
                return cli_usage_error(command, "too many --host options");
            a->hosts[a->nhosts++] = optarg;
            break;
        case OPT_NO_LOCAL_CHECKS:
            a->opts.no_local_checks = 1;
            break;
        case 'h':
            fputs(help, stdout);
            return EXIT_OK;
        case ':':
            return cli_usage_error(command, "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error(command, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(command, "unexpected argument '%s'", argv[optind]);
    if (a->name && a->config)
        return cli_usage_error(command, "give either -n NAME or -c PATH, not both");
    if (a->all && (a->name || a->config))
        return cli_usage_error(command, "--all and a node (-n/-c) exclude each other");
    if (!a->name && !a->config && !a->all)
        return cli_usage_error(command, "which node? Give -n NAME or -c PATH");
    return -1;
}

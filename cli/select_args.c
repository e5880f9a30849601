/* The options of the commands that act on an existing node (stop, status,
 * logs, attach, remove, files, list, clean, and restart's extra ones). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
    OPT_SYSTEM = 300,
    OPT_USER,
    OPT_JSON,
    OPT_ALL,
    OPT_FORCE,
    OPT_TIMEOUT,
    OPT_KEEP_VOLUMES,
    OPT_TAIL,
    OPT_FOLLOW,
    OPT_TIMESTAMPS,
    OPT_HOST,
};

static const struct option OPTIONS[] = {
    {"name", required_argument, NULL, 'n'},
    {"config", required_argument, NULL, 'c'},
    {"system", no_argument, NULL, OPT_SYSTEM},
    {"user", no_argument, NULL, OPT_USER},
    {"json", no_argument, NULL, OPT_JSON},
    {"all", no_argument, NULL, OPT_ALL},
    {"force", no_argument, NULL, 'f'},
    {"timeout", required_argument, NULL, 't'},
    {"keep-volumes", no_argument, NULL, OPT_KEEP_VOLUMES},
    {"tail", required_argument, NULL, OPT_TAIL},
    {"follow", no_argument, NULL, 'F'},
    {"timestamps", no_argument, NULL, OPT_TIMESTAMPS},
    {"host", required_argument, NULL, OPT_HOST},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static unsigned flag_of(int opt)
{
    switch (opt) {
    case 'n':
    case 'c':
        return CLI_SEL_NODE;
    case OPT_SYSTEM:
    case OPT_USER:
        return CLI_SEL_SCOPE;
    case OPT_JSON:
        return CLI_SEL_JSON;
    case OPT_ALL:
        return CLI_SEL_ALL;
    case 'f':
        return CLI_SEL_FORCE;
    case 't':
    case OPT_KEEP_VOLUMES:
        return CLI_SEL_STOP;
    case OPT_TAIL:
    case 'F':
    case OPT_TIMESTAMPS:
        return CLI_SEL_LOGS;
    default:
        return 0;
    }
}

int cli_parse_select(int argc, char **argv, cli_select *s, const char *command, const char *help,
                     unsigned flags)
{
    memset(s, 0, sizeof(*s));
    s->timeout_s = -1;
    s->tail = -1;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":n:c:ft:Fh", OPTIONS, NULL)) != -1) {
        unsigned need = flag_of(c);
        if (need && !(flags & need))
            return cli_usage_error(command, "unknown option '%s'", argv[optind - 1]);
        char *end;
        switch (c) {
        case 'n':
            s->name = optarg;
            break;
        case 'c':
            s->config = optarg;
            break;
        case OPT_SYSTEM:
            s->scope = V6N_SCOPE_SYSTEM;
            break;
        case OPT_USER:
            s->scope = V6N_SCOPE_USER;
            break;
        case OPT_JSON:
            s->json = true;
            break;
        case OPT_ALL:
            s->all = true;
            break;
        case 'f':
            s->force = true;
            break;
        case 't':
            s->timeout_s = (int)strtol(optarg, &end, 10);
            if (*end || s->timeout_s < 0 || s->timeout_s > 3600)
                return cli_usage_error(command, "--timeout wants seconds, 0-3600 (got '%s')",
                                       optarg);
            break;
        case OPT_KEEP_VOLUMES:
            s->keep_volumes = true;
            break;
        case OPT_TAIL:
            if (strcmp(optarg, "all") == 0) {
                s->tail = -1;
                break;
            }
            s->tail = strtol(optarg, &end, 10);
            if (*end || s->tail < 0)
                return cli_usage_error(command,
                                       "--tail wants a number of lines or 'all' (got "
                                       "'%s')",
                                       optarg);
            break;
        case 'F':
            s->follow = true;
            break;
        case OPT_TIMESTAMPS:
            s->timestamps = true;
            break;
        case OPT_HOST:
            if (s->nhosts == ((flags & CLI_SEL_HOSTS) ? CLI_MAX_HOSTS : 1))
                return cli_usage_error(command, "too many --host options");
            s->hosts[s->nhosts++] = optarg;
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
    if (s->name && s->config)
        return cli_usage_error(command, "give either -n NAME or -c PATH, not both");
    if ((flags & CLI_SEL_NODE) && !(flags & CLI_SEL_NODE_OPTIONAL) && !s->all && !s->name &&
        !s->config)
        return cli_usage_error(command, "which node? Give -n NAME or -c PATH%s",
                               (flags & CLI_SEL_ALL) ? " (or --all)" : "");
    if (s->all && (s->name || s->config))
        return cli_usage_error(command, "--all and a node (-n/-c) exclude each other");
    if (s->name && (!v6n_is_node_name_cli(s->name)))
        return cli_usage_error(command, "'%s' is not a node name (a-zA-Z0-9_.-)", s->name);
    return -1;
}

bool v6n_is_node_name_cli(const char *s)
{
    if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-'))
            return false;
    return true;
}

char *cli_select_name(const cli_select *s)
{
    if (s->name)
        return strdup(s->name);
    const char *base = strrchr(s->config, '/');
    base = base ? base + 1 : s->config;
    const char *dot = strrchr(base, '.');
    size_t n = (dot && dot != base) ? (size_t)(dot - base) : strlen(base);
    return strndup(base, n);
}

/* The command line of every v6node command. The start options (and their
 * help) come from the library's one table, V6N_START_OPTION_TABLE; the rest
 * are the commands' own options. Per command, the groups of options it
 * accepts (cli.h, CLI_*). The names are those of `v6 node` where vantage6 has
 * them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The commands' own options; the table's get codes from OPT_TABLE on (and
 * their "off" flags from OPT_TABLE_OFF on). */
enum {
    OPT_PRETTY = 256,
    OPT_ATTACH,
    OPT_DETACH,
    OPT_ALL,
    OPT_JSON,
    OPT_HOST,
    OPT_CONTEXT,
    OPT_KEEP_VOLUMES,
    OPT_TAIL,
    OPT_TIMESTAMPS,
    OPT_TABLE = 1000,
    OPT_TABLE_OFF = 2000,
};

static const struct option OWN_OPTIONS[] = {
    {"name", required_argument, NULL, 'n'},
    {"config", required_argument, NULL, 'c'},
    {"pretty", no_argument, NULL, OPT_PRETTY},
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
};
#define N_OWN (sizeof(OWN_OPTIONS) / sizeof(OWN_OPTIONS[0]))

/* The library's table, as the CLI reads it. */
typedef struct table_option {
    const char *name, *flag, *off, *metavar, *env, *help;
    char shorty;
    bool takes_value;
    bool shapes_node; /* SPEC: every command that builds or judges a node */
} table_option;

#define TAKES_VALUE_SCOPE false
#define TAKES_VALUE_FLAG  false
#define TAKES_VALUE_STR   true
#define TAKES_VALUE_PULL  true
#define TAKES_VALUE_MS    true
#define TAKES_VALUE_INT   true
#define TAKES_VALUE_PATHS true
#define ROW(KIND, name, flag, shorty, off, metavar, env, group, help)                              \
    {#name, flag, off, metavar, env, help, shorty, TAKES_VALUE_##KIND, V6N_GROUP_IS_SPEC_##group},
#define V6N_GROUP_IS_SPEC_SPEC  true
#define V6N_GROUP_IS_SPEC_START false
static table_option TABLE[] = {V6N_START_OPTION_TABLE(ROW)};
#undef ROW
#define N_TABLE (sizeof(TABLE) / sizeof(TABLE[0]))

static bool is_selector(const table_option *t)
{
    return strcmp(t->name, "scope") == 0 || strcmp(t->name, "config_dir") == 0;
}

/* The group a table option belongs to. */
static unsigned table_group(const table_option *t)
{
    if (is_selector(t))
        return CLI_NODE | CLI_FOLDER;
    return t->shapes_node ? CLI_START : CLI_STARTING;
}

/* The group an option code belongs to; 0 for options every command has. */
static unsigned group_of(int opt)
{
    if (opt >= OPT_TABLE_OFF)
        return table_group(&TABLE[opt - OPT_TABLE_OFF]);
    if (opt >= OPT_TABLE)
        return table_group(&TABLE[opt - OPT_TABLE]);
    switch (opt) {
    case 'n':
    case 'c':
        return CLI_NODE;
    case OPT_ATTACH:
    case OPT_DETACH:
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

/* Does a command with `groups` accept an option of group `g`? */
static bool accepts(unsigned groups, unsigned g)
{
    return !g || (groups & g) != 0;
}

/* ---- help --------------------------------------------------------------------- */

/* Print `text` wrapped to the help column. */
static void print_wrapped(FILE *out, const char *text, int indent, int width)
{
    int col = indent;
    const char *p = text;
    while (*p) {
        size_t word = strcspn(p, " ");
        if (col > indent && col + 1 + (int)word > width) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, word, out);
        col += (int)word;
        p += word;
        while (*p == ' ')
            p++;
    }
    fputc('\n', out);
}

static void print_table_option(FILE *out, const table_option *t)
{
    char head[96];
    int n = 0;
    if (t->shorty)
        n = snprintf(head, sizeof(head), "  -%c, --%s", t->shorty, t->flag);
    else
        n = snprintf(head, sizeof(head), "      --%s", t->flag);
    if (t->metavar)
        n += snprintf(head + n, sizeof(head) - (size_t)n, " %s", t->metavar);
    if (t->off)
        n += snprintf(head + n, sizeof(head) - (size_t)n, ", --%s", t->off);
    fputs(head, out);
    if (n >= 26)
        fprintf(out, "\n%*s", 26, "");
    else
        fprintf(out, "%*s", 26 - n, "");
    char help[1024];
    snprintf(help, sizeof(help), "%s%s%s%s", t->help, t->env ? " (environment: " : "",
             t->env ? t->env : "", t->env ? ")" : "");
    /* print_wrapped starts at the current column (26) */
    print_wrapped(out, help, 26, 92);
}

void cli_print_option_help(FILE *out, unsigned groups)
{
    static const struct {
        unsigned group;
        const char *title;
    } sections[] = {
        {CLI_NODE | CLI_FOLDER, "Which configs (the library's start options table):"},
        {CLI_START, "Options that shape the node (as it is started, so also for judging it):"},
        {CLI_STARTING, "Options of a start:"},
    };
    for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
        bool any = false;
        for (size_t i = 0; i < N_TABLE; i++) {
            unsigned g = table_group(&TABLE[i]);
            if (g != sections[s].group || !accepts(groups, g))
                continue;
            if (!any)
                fprintf(out, "\n%s\n", sections[s].title);
            any = true;
            print_table_option(out, &TABLE[i]);
        }
    }
}

/* ---- parsing ------------------------------------------------------------------ */

static int take_table(cli_args *a, int c, const char *arg, const char *command)
{
    bool off = c >= OPT_TABLE_OFF;
    const table_option *t = &TABLE[c - (off ? OPT_TABLE_OFF : OPT_TABLE)];
    const char *value = arg;
    if (!t->takes_value)
        value = strcmp(t->name, "scope") == 0 ? (off ? "user" : "system") : (off ? "0" : "1");
    if (v6n_start_options_set(&a->opts, t->name, value) != V6N_OK)
        return cli_usage_error(command, "--%s: %s", off ? t->off : t->flag,
                               v6n_error_last()->message);
    if (strcmp(t->name, "vantage6_version") == 0 && v6n_vantage6_version_check(arg) != V6N_OK)
        return cli_usage_error(command, "--vantage6-version: %s", v6n_error_last()->message);
    return -1;
}

/* One option; -1 to go on, else the exit status. */
static int take(cli_args *a, int c, const char *arg, const char *command, const char *help,
                unsigned groups)
{
    if (c >= OPT_TABLE)
        return take_table(a, c, arg, command);
    char *end;
    switch (c) {
    case 'n':
        a->name = arg;
        break;
    case 'c':
        a->config = arg;
        break;
    case OPT_PRETTY:
        a->pretty = true;
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
        cli_print_option_help(stdout, groups);
        return EXIT_OK;
    default:
        return cli_usage_error(command, "unknown option");
    }
    return -1;
}

/* The long options getopt sees: the commands' own, then the table's. */
static void long_options(struct option *out, char *shorts, size_t shorts_size)
{
    size_t n = 0;
    for (size_t i = 0; i < N_OWN; i++)
        out[n++] = OWN_OPTIONS[i];
    snprintf(shorts, shorts_size, ":n:c:ft:Fh");
    for (size_t i = 0; i < N_TABLE; i++) {
        const table_option *t = &TABLE[i];
        out[n++] = (struct option){t->flag, t->takes_value ? required_argument : no_argument, NULL,
                                   OPT_TABLE + (int)i};
        if (t->off)
            out[n++] = (struct option){t->off, no_argument, NULL, OPT_TABLE_OFF + (int)i};
        if (t->shorty) {
            size_t len = strlen(shorts);
            snprintf(shorts + len, shorts_size - len, "%c%s", t->shorty, t->takes_value ? ":" : "");
        }
    }
    out[n] = (struct option){NULL, 0, NULL, 0};
}

/* The table's short letters map to their table code. */
static int table_code_of_short(int c)
{
    for (size_t i = 0; i < N_TABLE; i++)
        if (TABLE[i].shorty && TABLE[i].shorty == c)
            return OPT_TABLE + (int)i;
    return c;
}

/* Start options from the environment, as `v6 node start` reads them (the
 * table's env column; empty values are ignored). */
static int options_from_env(cli_args *a, const char *command)
{
    for (size_t i = 0; i < N_TABLE; i++) {
        const char *v = TABLE[i].env ? getenv(TABLE[i].env) : NULL;
        if (v && *v && v6n_start_options_set(&a->opts, TABLE[i].name, v) != V6N_OK)
            return cli_usage_error(command, "%s: %s", TABLE[i].env, v6n_error_last()->message);
    }
    return -1;
}

int cli_parse(int argc, char **argv, cli_args *a, const char *command, const char *help,
              unsigned groups)
{
    memset(a, 0, sizeof(*a));
    v6n_start_options_init(&a->opts, V6N_START_OPTIONS_VERSION);
    a->timeout_s = -1;
    a->tail = -1;
    int status = options_from_env(a, command);
    if (status >= 0)
        return status;
    struct option options[N_OWN + 2 * N_TABLE + 1];
    char shorts[64];
    long_options(options, shorts, sizeof(shorts));
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, options, NULL)) != -1) {
        if (c == ':')
            return cli_usage_error(command, "option '%s' needs a value", argv[optind - 1]);
        c = table_code_of_short(c);
        if (c == '?' || !accepts(groups, group_of(c)))
            return cli_usage_error(command, "unknown option '%s'", argv[optind - 1]);
        status = take(a, c, optarg, command, help, groups);
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

void cli_args_free(cli_args *a)
{
    v6n_start_options_dispose(&a->opts);
}

int cli_node_open(const cli_args *a, v6n_node **out)
{
    if (a->config)
        return v6n_node_open_config(out, a->config, &a->opts);
    return v6n_node_open(out, a->name, &a->opts);
}

int cli_load_config(const cli_args *a, v6n_config **out)
{
    if (a->config)
        return v6n_config_load(out, a->config);
    return v6n_config_load_name(out, a->name, a->opts.scope, a->opts.config_dir);
}

size_t cli_table_option_count(void)
{
    return N_TABLE;
}

const char *cli_table_option_flag(size_t i)
{
    return i < N_TABLE ? TABLE[i].flag : NULL;
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

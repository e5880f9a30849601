/* v6node new, set-api-key and create-private-key: the setup half of
 * `v6 node`, with the library writing the configs (libv6node config_write.c,
 * config_edit.c, keys.c, server.c). The official option names where the
 * official tool has them. On a terminal, what is missing is asked as the
 * official wizard asks it; without one, a missing required value is a usage
 * error (exit 2). Secrets are never echoed, printed or put in a message, and
 * the buffers that held them are wiped. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_DATABASES 32
#define SECRET_MAX    1024

static const char NEW_HELP[] =
    "NAME\n"
    "    v6node new - create a node configuration, as `v6 node new` does\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node new [-n NAME | -c PATH] [--system | --user] [-f]\n"
    "               [--api-key KEY] [--server-url URL] [--port PORT] [--api-path PATH]\n"
    "               [--task-dir DIR] [--database LABEL=URI]... [--database-type LABEL=TYPE]...\n"
    "               [--database-mount-mode LABEL=MODE]... [--encryption | --no-encryption]\n"
    "               [--private-key PATH] [--log-level LEVEL] [--extra-yaml FILE] [--dry-run]\n"
    "\n"
    "DESCRIPTION\n"
    "    Writes NAME.yaml in the scope's node config folder (user:\n"
    "    ~/.config/vantage6/node, system: /etc/vantage6/node) with the keys the official\n"
    "    wizard writes, saved as it saves them (keys sorted, block style). The config\n"
    "    is checked by the loader `v6node start` uses before it is written; it is\n"
    "    written atomically, mode 0600 (it holds the API key), and an existing config\n"
    "    is never replaced without --force. A bad value is refused with its key.\n"
    "    On a terminal, every value not given is asked, as `v6 node new` asks it\n"
    "    (API key, server URL, port, API path, task folder, databases, VPN subnet,\n"
    "    algorithm policies, log level, encryption); the API key is not echoed.\n"
    "    Without a terminal nothing is asked: --api-key and --server-url are then\n"
    "    required (exit 2 without them), and the rest takes the defaults below.\n"
    "    Spaces in NAME become '-', as in `v6 node new`. C API: v6n_config_create().\n"
    "\n"
    "OPTIONS\n"
    "    -n, --name NAME        the node name (the config file's name)\n"
    "    -c, --config PATH      write exactly this file instead (its stem is the name)\n"
    "        --system           the system folders (/etc/vantage6/node)\n"
    "        --user             the user folders (the default)\n"
    "    -f, --force            replace an existing config\n"
    "        --api-key KEY      the node's API key (from the server's UI)\n"
    "        --server-url URL   the server's base URL, e.g. https://v6.example.org\n"
    "                           (a trailing '/' is removed)\n"
    "        --port PORT        default 443 for https://, else 7601\n"
    "        --api-path PATH    default /api\n"
    "        --task-dir DIR     default the node's data folder\n"
    "        --database LABEL=URI        a database (repeatable); a relative file path is\n"
    "                           made absolute against the current directory\n"
    "        --database-type LABEL=TYPE  its type: csv, parquet, excel, folder, sql,\n"
    "                           sparql, omop or other (required for each --database)\n"
    "        --database-mount-mode LABEL=MODE  copy (the default) or ro (file types)\n"
    "        --encryption       encryption on (then give --private-key, or make one\n"
    "                           with `v6node create-private-key`)\n"
    "        --no-encryption    encryption off (the default without a terminal)\n"
    "        --private-key PATH the node's private key file (made absolute)\n"
    "        --log-level LEVEL  DEBUG (default), INFO, WARNING, ERROR or CRITICAL\n"
    "        --extra-yaml FILE  more top-level keys from a YAML file (policies,\n"
    "                           vpn_subnet, node_extra_env, directories...)\n"
    "        --dry-run          print the config on stdout instead of writing it\n"
    "    -h, --help             show this help\n"
    "\n"
    "EXIT STATUS\n"
    "    0 written; 1 a bad value or the file cannot be written; 2 bad command line\n"
    "    (or a required value missing without a terminal); 4 the config exists.\n";

static const char SET_API_KEY_HELP[] =
    "NAME\n"
    "    v6node set-api-key - put a new API key in a node's config\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node set-api-key [-n NAME | -c PATH] [--system | --user] [--api-key KEY]\n"
    "\n"
    "DESCRIPTION\n"
    "    Replaces the value of api_key in the node's config and nothing else: every\n"
    "    other byte of the file, comments included, stays as it was (`v6 node\n"
    "    set-api-key` rewrites the whole file). The edited file is checked by the\n"
    "    loader before it replaces the old one, atomically, with the same mode.\n"
    "    Without --api-key the key is asked on the terminal, not echoed; without a\n"
    "    terminal --api-key is required. Without -n on a terminal, the configs found\n"
    "    are offered. C API: v6n_config_set_api_key().\n"
    "\n"
    "OPTIONS\n"
    "    -n, --name NAME, -c, --config PATH, --system, --user   the node\n"
    "        --api-key KEY      the new API key\n"
    "    -h, --help             show this help\n"
    "\n"
    "EXIT STATUS\n"
    "    0 set; 1 the config cannot be loaded or written; 2 bad command line.\n";

static const char CREATE_PRIVATE_KEY_HELP[] =
    "NAME\n"
    "    v6node create-private-key - make the node's encryption key, upload its public key\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node create-private-key [-n NAME | -c PATH] [--system | --user]\n"
    "                              [-o ORGANIZATION] [--overwrite] [--no-upload] [--mfa]\n"
    "                              [--username USER] [--password-file FILE]\n"
    "\n"
    "DESCRIPTION\n"
    "    As `v6 node create-private-key`: generates a 4096-bit RSA key (OpenSSL) in\n"
    "    <data>/vantage6/node/privkey_<ORGANIZATION>.pem (user: ~/.local/share, system:\n"
    "    /usr/local/share), mode 0600, or uses the one already there; sets\n"
    "    encryption.private_key in the node's config to it (nothing else in the file\n"
    "    changes); then uploads its public key to the node's server as the\n"
    "    organization's public key. Uploading a new key means results encrypted with\n"
    "    the old one can no longer be read.\n"
    "    Logging in to the server (as a user) is needed to upload, and to learn the\n"
    "    organization when -o is not given; it happens before anything is written, so\n"
    "    a wrong password changes nothing. On a terminal the username, password and\n"
    "    (when the server asks for one) the MFA code are asked; the password and code\n"
    "    are not echoed. For scripts: --username, the password from --password-file or\n"
    "    the V6NODE_PASSWORD variable, the code from V6NODE_MFA_CODE.\n"
    "    Encryption itself is switched on by encryption.enabled in the config.\n"
    "    C API: v6n_node_private_key_create().\n"
    "\n"
    "OPTIONS\n"
    "    -n, --name NAME, -c, --config PATH, --system, --user   the node\n"
    "    -o, --organization-name ORGANIZATION\n"
    "                           names the key file; with an upload, the organization\n"
    "                           whose key is set (default: the user's own)\n"
    "        --overwrite        make a new key even if the file exists (else it is used)\n"
    "        --no-upload        do not upload the public key\n"
    "        --mfa              ask for the MFA code before logging in\n"
    "        --username USER    the user to log in as (default: asked)\n"
    "        --password-file FILE  the password: the first line of FILE\n"
    "    -h, --help             show this help\n"
    "\n"
    "ENVIRONMENT\n"
    "    V6NODE_PASSWORD   the password, when --password-file is not given\n"
    "    V6NODE_MFA_CODE   the MFA code, when the server asks for one\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done; 1 error (the server refused the login, the key or config cannot be\n"
    "    written); 2 bad command line (or credentials missing without a terminal);\n"
    "    3 no such organization; 5 the server cannot be reached.\n";

enum {
    O_SYSTEM = 300,
    O_USER,
    O_API_KEY,
    O_SERVER_URL,
    O_PORT,
    O_API_PATH,
    O_TASK_DIR,
    O_DATABASE,
    O_DATABASE_TYPE,
    O_DATABASE_MOUNT_MODE,
    O_ENCRYPTION,
    O_NO_ENCRYPTION,
    O_PRIVATE_KEY,
    O_LOG_LEVEL,
    O_EXTRA_YAML,
    O_DRY_RUN,
    O_OVERWRITE,
    O_NO_UPLOAD,
    O_MFA,
    O_USERNAME,
    O_PASSWORD_FILE,
};

/* Every option of the three commands; each command accepts its own set. */
static const struct option OPTIONS[] = {
    {"name", required_argument, NULL, 'n'},
    {"config", required_argument, NULL, 'c'},
    {"system", no_argument, NULL, O_SYSTEM},
    {"user", no_argument, NULL, O_USER},
    {"force", no_argument, NULL, 'f'},
    {"api-key", required_argument, NULL, O_API_KEY},
    {"server-url", required_argument, NULL, O_SERVER_URL},
    {"port", required_argument, NULL, O_PORT},
    {"api-path", required_argument, NULL, O_API_PATH},
    {"task-dir", required_argument, NULL, O_TASK_DIR},
    {"database", required_argument, NULL, O_DATABASE},
    {"database-type", required_argument, NULL, O_DATABASE_TYPE},
    {"database-mount-mode", required_argument, NULL, O_DATABASE_MOUNT_MODE},
    {"encryption", no_argument, NULL, O_ENCRYPTION},
    {"no-encryption", no_argument, NULL, O_NO_ENCRYPTION},
    {"private-key", required_argument, NULL, O_PRIVATE_KEY},
    {"log-level", required_argument, NULL, O_LOG_LEVEL},
    {"extra-yaml", required_argument, NULL, O_EXTRA_YAML},
    {"dry-run", no_argument, NULL, O_DRY_RUN},
    {"organization-name", required_argument, NULL, 'o'},
    {"overwrite", no_argument, NULL, O_OVERWRITE},
    {"no-upload", no_argument, NULL, O_NO_UPLOAD},
    {"mfa", no_argument, NULL, O_MFA},
    {"username", required_argument, NULL, O_USERNAME},
    {"password-file", required_argument, NULL, O_PASSWORD_FILE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct db_arg {
    char label[128];
    const char *uri;
    const char *type;
    const char *mount_mode;
} db_arg;

typedef struct setup_args {
    const char *name;
    const char *config;
    v6n_scope scope;
    bool force, dry_run, overwrite, no_upload, mfa;
    int encryption; /* -1 not given */
    const char *api_key, *server_url, *port, *api_path, *task_dir, *private_key, *log_level;
    const char *extra_yaml_file;
    const char *organization, *username, *password_file;
    db_arg dbs[MAX_DATABASES];
    size_t ndbs;
    char picked_name[256];
} setup_args;

/* The database entry for LABEL, made when `create`. */
static db_arg *db_for(setup_args *s, const char *label, size_t label_len, bool create)
{
    for (size_t i = 0; i < s->ndbs; i++)
        if (strlen(s->dbs[i].label) == label_len && strncmp(s->dbs[i].label, label, label_len) == 0)
            return &s->dbs[i];
    if (!create || s->ndbs == MAX_DATABASES || label_len >= sizeof(s->dbs[0].label))
        return NULL;
    db_arg *d = &s->dbs[s->ndbs++];
    memset(d, 0, sizeof(*d));
    memcpy(d->label, label, label_len);
    return d;
}

/* LABEL=VALUE into the database entry's field. 0, or -1 when malformed. */
static int take_db(setup_args *s, const char *arg, int which)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return -1;
    db_arg *d = db_for(s, arg, (size_t)(eq - arg), which == O_DATABASE);
    if (!d)
        return -1;
    if (which == O_DATABASE)
        d->uri = eq + 1;
    else if (which == O_DATABASE_TYPE)
        d->type = eq + 1;
    else
        d->mount_mode = eq + 1;
    return 0;
}

/* Parse the command line of a setup command; -1 to go on, else the exit status. */
static int parse(int argc, char **argv, setup_args *s, const char *command, const char *help,
                 const char *accepted)
{
    memset(s, 0, sizeof(*s));
    s->encryption = -1;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":n:c:fo:h", OPTIONS, NULL)) != -1) {
        if (c == ':')
            return cli_usage_error(command, "option '%s' needs a value", argv[optind - 1]);
        /* `accepted` lists the options of this command by their long names */
        const char *long_name = NULL;
        for (const struct option *o = OPTIONS; o->name; o++)
            if (o->val == c)
                long_name = o->name;
        char needle[64];
        snprintf(needle, sizeof(needle), " %s ", long_name ? long_name : "?");
        if (c == '?' || !strstr(accepted, needle))
            return cli_usage_error(command, "unknown option '%s'", argv[optind - 1]);
        switch (c) {
        case 'n':
            s->name = optarg;
            break;
        case 'c':
            s->config = optarg;
            break;
        case O_SYSTEM:
            s->scope = V6N_SCOPE_SYSTEM;
            break;
        case O_USER:
            s->scope = V6N_SCOPE_USER;
            break;
        case 'f':
            s->force = true;
            break;
        case O_API_KEY:
            s->api_key = optarg;
            break;
        case O_SERVER_URL:
            s->server_url = optarg;
            break;
        case O_PORT:
            s->port = optarg;
            break;
        case O_API_PATH:
            s->api_path = optarg;
            break;
        case O_TASK_DIR:
            s->task_dir = optarg;
            break;
        case O_DATABASE:
        case O_DATABASE_TYPE:
        case O_DATABASE_MOUNT_MODE:
            if (take_db(s, optarg, c) != 0)
                return cli_usage_error(command, "--%s wants LABEL=VALUE%s (got '%s')", long_name,
                                       c == O_DATABASE ? "" : " for a LABEL given with --database",
                                       optarg);
            break;
        case O_ENCRYPTION:
            s->encryption = 1;
            break;
        case O_NO_ENCRYPTION:
            s->encryption = 0;
            break;
        case O_PRIVATE_KEY:
            s->private_key = optarg;
            break;
        case O_LOG_LEVEL:
            s->log_level = optarg;
            break;
        case O_EXTRA_YAML:
            s->extra_yaml_file = optarg;
            break;
        case O_DRY_RUN:
            s->dry_run = true;
            break;
        case 'o':
            s->organization = optarg;
            break;
        case O_OVERWRITE:
            s->overwrite = true;
            break;
        case O_NO_UPLOAD:
            s->no_upload = true;
            break;
        case O_MFA:
            s->mfa = true;
            break;
        case O_USERNAME:
            s->username = optarg;
            break;
        case O_PASSWORD_FILE:
            s->password_file = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EXIT_OK;
        default:
            return cli_usage_error(command, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(command, "unexpected argument '%s'", argv[optind]);
    if (s->name && s->config)
        return cli_usage_error(command, "give either -n NAME or -c PATH, not both");
    return -1;
}

/* The config of an existing node (-n/-c, or chosen on the terminal): its
 * path in *path (caller frees with free()). -1 to go on, else the exit status. */
static int existing_config(setup_args *s, const char *command, char **path)
{
    *path = NULL;
    if (!s->name && !s->config) {
        cli_args a;
        memset(&a, 0, sizeof(a));
        a.opts.scope = s->scope;
        int picked = cli_pick_config(&a, command);
        if (picked == -2)
            return cli_usage_error(command, "which node? Give -n NAME or -c PATH");
        if (picked != -1)
            return picked;
        snprintf(s->picked_name, sizeof(s->picked_name), "%s", a.picked_name);
        s->name = s->picked_name;
    }
    v6n_config *c = NULL;
    int rc = s->config ? v6n_config_load(&c, s->config)
                       : v6n_config_load_name(&c, s->name, s->scope, NULL);
    if (rc)
        return cli_fail(command);
    *path = strdup(v6n_config_path(c));
    v6n_config_free(c);
    return *path ? -1 : v6n_err_nomem_cli();
}

/* A growable string (the library's own is internal). Functions return 0, or
 * -1 when out of memory. */
typedef struct text {
    char *ptr;
    size_t len, cap;
} text;

static int text_add(text *t, const char *data, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *p = realloc(t->ptr, cap);
        if (!p)
            return -1;
        t->ptr = p;
        t->cap = cap;
    }
    memcpy(t->ptr + t->len, data, n);
    t->len += n;
    t->ptr[t->len] = '\0';
    return 0;
}

static int text_puts(text *t, const char *s)
{
    return text_add(t, s, strlen(s));
}

static int text_putc(text *t, char c)
{
    return text_add(t, &c, 1);
}

static void text_free(text *t)
{
    free(t->ptr);
    memset(t, 0, sizeof(*t));
}

/* ---- v6node new -------------------------------------------------------------------- */

static const char *const DATABASE_TYPES[] = {"csv",   "parquet", "sql",    "sparql",
                                             "excel", "other",   "folder", "omop"};
static const char *const LEVELS[] = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};

/* Text asked in the wizard; kept until the config is written. */
typedef struct answers {
    char name[256];
    char api_key[SECRET_MAX];
    char server_url[1024], port[64], api_path[256], task_dir[4096], private_key[4096];
    char level[16];
    char db_label[MAX_DATABASES][128], db_uri[MAX_DATABASES][4096], db_type[MAX_DATABASES][32];
    text extra; /* YAML for vpn_subnet and policies */
} answers;

static int aborted(void)
{
    fprintf(stderr, "v6node new: configuration creation aborted\n");
    return EXIT_FAILURE_;
}

/* A YAML double-quoted string. */
static int put_quoted(text *b, const char *s)
{
    int rc = text_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; !rc && *p; p++) {
        if (*p == '"' || *p == '\\')
            rc = text_putc(b, '\\') || text_putc(b, (char)*p);
        else if (*p < 0x20 || *p == 0x7f) {
            char esc[8];
            snprintf(esc, sizeof(esc), "\\x%02X", *p);
            rc = text_puts(b, esc);
        } else
            rc = text_putc(b, (char)*p);
    }
    return rc ? rc : text_putc(b, '"');
}

/* "Enter ..." until the answer is "no"; each answer a list item. */
static int ask_list(text *b, const char *question, const char *again)
{
    char line[1024];
    bool more = true;
    while (more) {
        if (cli_ask(line, sizeof(line), question, NULL) != 0)
            return -1;
        if (text_puts(b, "  - ") || put_quoted(b, line) || text_putc(b, '\n'))
            return -1;
        if (cli_ask_yes_no(&more, again, true) != 0)
            return -1;
    }
    return 0;
}

/* The VPN and algorithm policy questions of the official wizard, as YAML. */
static int ask_vpn_and_policies(answers *q)
{
    bool yes;
    char line[256];
    if (cli_ask_yes_no(&yes, "Do you want to connect to a VPN server?", false) != 0)
        return -1;
    if (yes) {
        if (cli_ask(line, sizeof(line),
                    "Subnet of the VPN server you want to connect to:", "10.76.0.0/16") != 0)
            return -1;
        if (text_puts(&q->extra, "vpn_subnet: ") || put_quoted(&q->extra, line) ||
            text_putc(&q->extra, '\n'))
            return -1;
    }
    if (cli_ask_yes_no(&yes,
                       "Do you want to limit the algorithms allowed to run on your node? This "
                       "should always be done for production scenarios.",
                       true) != 0)
        return -1;
    if (!yes)
        return 0;
    text policies = {0};
    bool algorithms = false, stores = false;
    int rc =
        cli_ask_yes_no(&algorithms, "Do you want to enter a list of allowed algorithms?", false);
    if (!rc && algorithms) {
        fprintf(stderr, "  regular expressions or exact image names, e.g.\n"
                        "  ^ghcr\\.io/vantage6/algorithm/glm:latest$\n");
        rc = text_puts(&policies, " allowed_algorithms:\n") ||
                     ask_list(&policies, "Enter your algorithm expression:",
                              "Do you want to add another algorithm expression?")
                 ? -1
                 : 0;
    }
    if (!rc)
        rc = cli_ask_yes_no(
            &stores, "Do you want to allow algorithms from specific algorithm stores?", false);
    if (!rc && stores)
        rc = text_puts(&policies, " allowed_algorithm_stores:\n") ||
                     ask_list(&policies, "Enter the URL of the algorithm store:",
                              "Do you want to add another algorithm store?")
                 ? -1
                 : 0;
    if (!rc && algorithms && stores) {
        bool both;
        rc = cli_ask_yes_no(&both,
                            "Do you want to allow only algorithms that are both in the list of "
                            "allowed algorithms *AND* are part of one of the allowed algorithm "
                            "stores?",
                            true);
        if (!rc)
            rc = text_puts(&policies, both ? " allow_either_whitelist_or_store: false\n"
                                           : " allow_either_whitelist_or_store: true\n");
    }
    if (!rc && policies.len)
        rc = text_puts(&q->extra, "policies:\n") || text_puts(&q->extra, policies.ptr) ? -1 : 0;
    text_free(&policies);
    return rc;
}

/* Fill in what the command line left out: asked on a terminal, else the
 * defaults (or a usage error for what has none). -1 to go on, else the exit
 * status. */
static int complete_values(setup_args *s, answers *q, v6n_config_values *v, v6n_database *dbs,
                           bool tty)
{
    if (!v->api_key) {
        if (!tty)
            return cli_usage_error("new", "--api-key is required (no terminal to ask on)");
        if (cli_ask_secret(q->api_key, sizeof(q->api_key), "Enter given api-key:") != 0)
            return aborted();
        v->api_key = q->api_key;
    }
    if (!v->server_url) {
        if (!tty)
            return cli_usage_error("new", "--server-url is required (no terminal to ask on)");
        if (cli_ask(q->server_url, sizeof(q->server_url),
                    "The base-URL of the server:", "http://localhost") != 0)
            return aborted();
        v->server_url = q->server_url;
    }
    if (tty && !v->port) {
        const char *def = strncmp(v->server_url, "https", 5) == 0 ? "443" : "7601";
        if (cli_ask(q->port, sizeof(q->port), "Enter port to which the server listens:", def))
            return aborted();
        v->port = q->port;
    }
    if (tty && !v->api_path) {
        if (cli_ask(q->api_path, sizeof(q->api_path), "Path of the api:", "/api") != 0)
            return aborted();
        v->api_path = q->api_path;
    }
    if (tty && !v->task_dir) {
        char *def = NULL;
        if (v6n_node_data_folder(&def, q->name, v->scope) != V6N_OK)
            return cli_fail("new");
        int rc = cli_ask(q->task_dir, sizeof(q->task_dir), "Task directory path:", def);
        v6n_free(def);
        if (rc != 0)
            return aborted();
        v->task_dir = q->task_dir;
    }

    /* databases: the command line's, else asked */
    for (size_t i = 0; i < s->ndbs; i++) {
        db_arg *d = &s->dbs[i];
        if (!d->uri)
            return cli_usage_error("new",
                                   "--database-type/--database-mount-mode for '%s', "
                                   "but no --database %s=URI",
                                   d->label, d->label);
        if (!d->type) {
            if (!tty)
                return cli_usage_error("new", "database '%s' needs --database-type %s=TYPE",
                                       d->label, d->label);
            size_t pick;
            char question[256];
            snprintf(question, sizeof(question), "Database type of '%s':", d->label);
            if (cli_ask_choice(&pick, question, DATABASE_TYPES, 8, 0) != 0)
                return aborted();
            d->type = DATABASE_TYPES[pick];
        }
        dbs[i] = (v6n_database){d->label, d->uri, d->type, d->mount_mode};
    }
    v->database_count = s->ndbs;
    if (tty && s->ndbs == 0) {
        bool more;
        size_t n = 0;
        while (n < MAX_DATABASES) {
            if (cli_ask_yes_no(&more, "Do you want to add a database?", false) != 0)
                return aborted();
            if (!more)
                break;
            size_t pick;
            if (cli_ask(q->db_label[n], sizeof(q->db_label[n]),
                        "Enter unique label for the database:", "default") != 0 ||
                cli_ask(q->db_uri[n], sizeof(q->db_uri[n]), "Database URI:", NULL) != 0 ||
                cli_ask_choice(&pick, "Database type:", DATABASE_TYPES, 8, 0) != 0)
                return aborted();
            snprintf(q->db_type[n], sizeof(q->db_type[n]), "%s", DATABASE_TYPES[pick]);
            dbs[n] = (v6n_database){q->db_label[n], q->db_uri[n], q->db_type[n], NULL};
            n++;
        }
        v->database_count = n;
    }
    v->databases = dbs;

    if (tty && !s->extra_yaml_file && ask_vpn_and_policies(q) != 0)
        return aborted();

    if (tty && !v->log_level) {
        size_t pick;
        if (cli_ask_choice(&pick, "Which level of logging would you like?", LEVELS, 5, 0) != 0)
            return aborted();
        v->log_level = LEVELS[pick];
    }
    if (s->encryption < 0 && tty) {
        bool on;
        if (cli_ask_yes_no(&on, "Enable encryption?", true) != 0)
            return aborted();
        v->encryption = on;
    }
    if (v->encryption && tty && !v->private_key) {
        if (cli_ask(q->private_key, sizeof(q->private_key),
                    "Path to private key file (empty: make one later with `v6node "
                    "create-private-key`):",
                    "") != 0)
            return aborted();
        v->private_key = q->private_key;
    }
    return -1;
}

static char *read_small_file(const char *path, const char *what)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "v6node: %s %s: %s\n", what, path, strerror(errno));
        return NULL;
    }
    text b = {0};
    char chunk[4096];
    size_t n;
    int rc = text_puts(&b, "");
    while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = text_add(&b, chunk, n);
    fclose(f);
    if (rc) {
        text_free(&b);
        return NULL;
    }
    return b.ptr;
}

int cmd_new(int argc, char **argv)
{
    setup_args s;
    int status = parse(argc, argv, &s, "new", NEW_HELP,
                       " name config system user force api-key server-url port api-path "
                       "task-dir database database-type database-mount-mode encryption "
                       "no-encryption private-key log-level extra-yaml dry-run help ");
    if (status >= 0)
        return status;
    bool tty = cli_interactive();
    answers *q = calloc(1, sizeof(*q));
    if (!q)
        return v6n_err_nomem_cli();
    v6n_database dbs[MAX_DATABASES];
    char *extra = NULL, *path = NULL, *yaml = NULL;
    v6n_config_values v;
    v6n_config_values_init(&v, V6N_CONFIG_VALUES_VERSION);

    /* the name: -n, -c's stem, or asked; spaces become '-' as in `v6 node new` */
    if (s.config) {
        v.path = s.config;
        const char *base = strrchr(s.config, '/');
        base = base ? base + 1 : s.config;
        const char *dot = strrchr(base, '.');
        snprintf(q->name, sizeof(q->name), "%.*s",
                 (int)(dot && dot != base ? (size_t)(dot - base) : strlen(base)), base);
    } else if (s.name) {
        snprintf(q->name, sizeof(q->name), "%s", s.name);
    } else if (!tty) {
        status = cli_usage_error("new", "which node? Give -n NAME (or -c PATH)");
        goto cleanup;
    } else if (cli_ask(q->name, sizeof(q->name), "Please enter a configuration-name:", NULL)) {
        status = aborted();
        goto cleanup;
    }
    if (!s.config && strchr(q->name, ' ')) {
        for (char *p = q->name; *p; p++)
            if (*p == ' ')
                *p = '-';
        fprintf(stderr, "v6node new: replaced spaces in the configuration name: %s\n", q->name);
    }
    v.name = s.config ? NULL : q->name;
    v.scope = s.scope;
    v.force = s.force;

    /* an existing config is refused before any question is asked */
    if (!s.force && !s.dry_run) {
        char *folder = NULL;
        char existing[4352];
        if (s.config) {
            snprintf(existing, sizeof(existing), "%s", s.config);
        } else if (v6n_config_folder(&folder, s.scope) == V6N_OK) {
            snprintf(existing, sizeof(existing), "%s/%s.yaml", folder, q->name);
        } else {
            existing[0] = '\0';
        }
        v6n_free(folder);
        if (existing[0] && access(existing, F_OK) == 0) {
            fprintf(stderr,
                    "v6node new: configuration %s already exists: %s (replace it with "
                    "--force)\n",
                    q->name, existing);
            status = EXIT_CONFLICT;
            goto cleanup;
        }
    }

    v.api_key = s.api_key;
    v.server_url = s.server_url;
    v.port = s.port;
    v.api_path = s.api_path;
    v.task_dir = s.task_dir;
    v.private_key = s.private_key;
    v.log_level = s.log_level;
    v.encryption = s.encryption > 0;
    v.working_dir = NULL;
    if (s.extra_yaml_file && !(extra = read_small_file(s.extra_yaml_file, "--extra-yaml"))) {
        status = EXIT_FAILURE_;
        goto cleanup;
    }
    if ((status = complete_values(&s, q, &v, dbs, tty)) >= 0)
        goto cleanup;
    v.extra_yaml = extra ? extra : (q->extra.len ? q->extra.ptr : NULL);
    /* paths typed here mean paths from here */
    char *cwd = getcwd(NULL, 0);
    v.working_dir = cwd;
    int rc = s.dry_run ? v6n_config_render(&yaml, &v) : v6n_config_create(&path, &v);
    free(cwd);
    if (rc) {
        const v6n_error *e = v6n_error_last();
        fprintf(stderr, "v6node new: %s\n", e->message);
        status = cli_exit_status(e->code);
        goto cleanup;
    }
    if (s.dry_run) {
        fputs(yaml, stdout);
    } else {
        printf("%s\n", path);
        fprintf(stderr, "v6node new: new configuration created: %s\n", path);
        fprintf(stderr, "v6node new: start the node with: v6node start %s %s%s\n",
                s.config ? "-c" : "-n", s.config ? path : q->name,
                s.scope == V6N_SCOPE_SYSTEM ? " --system" : "");
        if (v.encryption && (!v.private_key || !v.private_key[0]))
            fprintf(stderr,
                    "v6node new: encryption is on: make the node's key with: v6node "
                    "create-private-key %s %s%s\n",
                    s.config ? "-c" : "-n", s.config ? path : q->name,
                    s.scope == V6N_SCOPE_SYSTEM ? " --system" : "");
    }
    status = EXIT_OK;
cleanup:
    if (yaml) {
        explicit_bzero(yaml, strlen(yaml));
        v6n_free(yaml);
    }
    v6n_free(path);
    free(extra);
    text_free(&q->extra);
    explicit_bzero(q, sizeof(*q));
    free(q);
    return status;
}

/* ---- v6node set-api-key ---------------------------------------------------------- */

int cmd_set_api_key(int argc, char **argv)
{
    setup_args s;
    int status = parse(argc, argv, &s, "set-api-key", SET_API_KEY_HELP,
                       " name config system user api-key help ");
    if (status >= 0)
        return status;
    char key[SECRET_MAX] = "";
    if (!s.api_key && !cli_interactive())
        return cli_usage_error("set-api-key", "--api-key is required (no terminal to ask on)");
    char *path = NULL;
    if ((status = existing_config(&s, "set-api-key", &path)) >= 0)
        return status;
    if (!s.api_key) {
        if (cli_ask_secret(key, sizeof(key), "Please enter your new API key:") != 0) {
            fprintf(stderr, "v6node set-api-key: API key input aborted\n");
            free(path);
            return EXIT_FAILURE_;
        }
    }
    int rc = v6n_config_set_api_key(path, s.api_key ? s.api_key : key);
    explicit_bzero(key, sizeof(key));
    if (rc) {
        status = cli_exit_status(v6n_error_last()->code);
        cli_fail("set-api-key");
    } else {
        fprintf(stderr, "v6node set-api-key: the new API key is in %s\n", path);
        status = EXIT_OK;
    }
    free(path);
    return status;
}

/* ---- v6node create-private-key ------------------------------------------------------ */

/* The first line of a password file, without its line break, into `out`. */
static int read_password_file(char *out, size_t size, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "v6node create-private-key: --password-file %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    size_t n = 0;
    while (n + 1 < size) {
        ssize_t got = read(fd, out + n, size - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    out[n] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

/* Asked on the terminal when the server wants a two-factor code. */
static int ask_mfa_code(char *code, size_t size, void *payload)
{
    (void)payload;
    return cli_ask_secret(code, size, "MFA code:") == 0 ? 0 : 1;
}

static int print_warning(const v6n_event *e, void *payload)
{
    (void)payload;
    if (e->kind == V6N_EVENT_WARNING)
        fprintf(stderr, "v6node create-private-key: warning: %s\n", e->message);
    return 0;
}

int cmd_create_private_key(int argc, char **argv)
{
    setup_args s;
    int status = parse(argc, argv, &s, "create-private-key", CREATE_PRIVATE_KEY_HELP,
                       " name config system user organization-name overwrite no-upload mfa "
                       "username password-file help ");
    if (status >= 0)
        return status;
    bool tty = cli_interactive();
    bool need_login = !s.organization || !s.no_upload;
    const char *env_password = getenv("V6NODE_PASSWORD");
    if (need_login && !tty) {
        if (!s.username)
            return cli_usage_error("create-private-key",
                                   "--username is required to log in (no terminal to ask on)%s",
                                   s.no_upload ? "; or name the organization with -o" : "");
        if (!s.password_file && !(env_password && *env_password))
            return cli_usage_error("create-private-key",
                                   "the password is required: --password-file FILE or "
                                   "V6NODE_PASSWORD (no terminal to ask on)");
    }
    char *config_path = NULL;
    if ((status = existing_config(&s, "create-private-key", &config_path)) >= 0)
        return status;

    char username[256] = "", password[SECRET_MAX] = "", mfa[128] = "";
    char *key_path = NULL;
    v6n_server_login login = V6N_SERVER_LOGIN_INIT;
    if (need_login) {
        if (s.username)
            snprintf(username, sizeof(username), "%s", s.username);
        else if (cli_ask(username, sizeof(username), "Username:", NULL) != 0)
            goto aborted;
        if (s.password_file) {
            if (read_password_file(password, sizeof(password), s.password_file) != 0) {
                status = EXIT_FAILURE_;
                goto cleanup;
            }
        } else if (env_password && *env_password) {
            snprintf(password, sizeof(password), "%s", env_password);
        } else if (cli_ask_secret(password, sizeof(password), "Password:") != 0) {
            goto aborted;
        }
        const char *env_mfa = getenv("V6NODE_MFA_CODE");
        if (env_mfa && *env_mfa)
            snprintf(mfa, sizeof(mfa), "%s", env_mfa);
        else if (s.mfa && tty && cli_ask_secret(mfa, sizeof(mfa), "MFA code:") != 0)
            goto aborted;
        login.username = username;
        login.password = password;
        login.mfa_code = mfa[0] ? mfa : NULL;
        login.ask_mfa = tty ? ask_mfa_code : NULL; /* else: V6NODE_MFA_CODE or nothing */
    }
    v6n_private_key_options opts = V6N_PRIVATE_KEY_OPTIONS_INIT;
    opts.organization = s.organization;
    opts.overwrite = s.overwrite;
    opts.upload = !s.no_upload;
    opts.login = need_login ? &login : NULL;
    opts.on_event = print_warning;
    v6n_node *node = NULL;
    v6n_start_options node_opts = V6N_START_OPTIONS_INIT;
    node_opts.scope = s.scope; /* where the key goes */
    int rc = v6n_node_open_config(&node, config_path, &node_opts);
    if (!rc)
        rc = v6n_node_private_key_create(&key_path, node, &opts);
    v6n_node_free(node);
    explicit_bzero(password, sizeof(password));
    explicit_bzero(mfa, sizeof(mfa));
    if (rc) {
        status = cli_exit_status(v6n_error_last()->code);
        cli_fail("create-private-key");
        goto cleanup;
    }
    printf("%s\n", key_path);
    fprintf(stderr, "v6node create-private-key: private key %s\n", key_path);
    fprintf(stderr, "v6node create-private-key: encryption.private_key set in %s\n", config_path);
    if (s.no_upload)
        fprintf(stderr, "v6node create-private-key: warning: the public key was not uploaded "
                        "(--no-upload)\n");
    else
        fprintf(stderr, "v6node create-private-key: the public key was uploaded to the server\n");
    v6n_config *c = NULL;
    if (v6n_config_load(&c, config_path) == V6N_OK) {
        const char *enabled = v6n_config_get(c, "encryption.enabled");
        if (enabled && strcmp(enabled, "True") != 0)
            fprintf(stderr, "v6node create-private-key: note: encryption is off in the config "
                            "(encryption.enabled: false); the node uses the key only when it "
                            "is on\n");
        v6n_config_free(c);
    }
    status = EXIT_OK;
    goto cleanup;
aborted:
    fprintf(stderr, "v6node create-private-key: authentication aborted\n");
    status = EXIT_FAILURE_;
cleanup:
    explicit_bzero(password, sizeof(password));
    explicit_bzero(mfa, sizeof(mfa));
    v6n_free(key_path);
    free(config_path);
    return status;
}

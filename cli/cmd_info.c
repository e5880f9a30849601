/* v6node status, list and files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cli.h"

static const char STATUS_HELP[] =
    "NAME\n"
    "    v6node status - is a node running, and does it still match its config?\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node status [-n NAME | -c PATH] [--system | --user] [--json]\n"
    "                  [--host URL | --context NAME]...\n"
    "                  [the start options the node was started with]\n"
    "\n"
    "DESCRIPTION\n"
    "    Shows the node's state (running, stopped, absent), container, image, start and\n"
    "    finish times and exit code, and its drift: how the running container differs\n"
    "    from the container its config (and the environment) gives now: image, command,\n"
    "    environment, binds, labels, extra hosts, auto-remove. Drift means the config\n"
    "    changed since the start: restart the node to apply it.\n"
    "    Passwords in database URIs are shown as ***. The node is judged by the way it\n"
    "    was started (its start record: the options, the image and the vantage6\n"
    "    release), so a node started with -i IMAGE or as 4.14 shows no drift for that;\n"
    "    a start option given here replaces the recorded one (and shows as drift when\n"
    "    it differs). When the config is gone or no longer builds (a database file\n"
    "    removed), the state is still shown, with the reason there is no drift.\n"
    "    For a node that is not running, the last lines of its own log file\n"
    "    (<log folder>/node_<scope>.log) say why it stopped: a node's container\n"
    "    removes itself when the node exits, and its output goes with it.\n"
    "    C API: v6n_node_status_get().\n"
    "\n"
    "OPTIONS\n"
    "    -n, --name NAME, -c, --config PATH, --system, --user   the node\n"
    "        --host URL      the engine (default DOCKER_HOST); repeat it to see the node on\n"
    "                        several engines, each labelled with its engine\n"
    "        --context NAME  the engine of a Docker context, with its own TLS files;\n"
    "                        repeatable, and may be mixed with --host\n"
    "        --json          one JSON object: name, scope, config, state, status,\n"
    "                        container, id, image, created_at, started_at, finished_at,\n"
    "                        exit_code, vantage6_version, labels, ports, drift (a list of\n"
    "                        sentences), drift_error, leftover_volumes; null where there is\n"
    "                        no value\n"
    "\n"
    "EXIT STATUS\n"
    "    0 running (on every --host); 3 not running (stopped or absent); 1 error (bad\n"
    "    config, engine);\n"
    "    2 bad command line; 5 no engine.\n";

static const char LIST_HELP[] =
    "NAME\n"
    "    v6node list - every node: configs here and node containers on the engine\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node list [--json] [--config-dir DIR [--system | --user]]\n"
    "                [--host URL | --context NAME]...\n"
    "\n"
    "DESCRIPTION\n"
    "    Lists each node config in the user and system folders with the state of its\n"
    "    container, and every container labelled vantage6-type=node that has no config\n"
    "    here, from one engine request however many nodes there are. A config that does\n"
    "    not load is shown with its error. C API: v6n_node_list_get().\n"
    "\n"
    "OPTIONS\n"
    "        --json          a JSON list of {name, scope, state, status, container, id,\n"
    "                        image, created_at, config, config_error} (null: no value)\n"
    "        --host URL      list the nodes of this engine (unix:///path, tcp://host:port\n"
    "                        with TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, or\n"
    "                        ssh://user@host[:port]); repeat it for several engines:\n"
    "                        each node is then labelled with its engine (an ENGINE\n"
    "                        column; \"engine\" in --json). Default: DOCKER_HOST.\n"
    "        --context NAME  list the nodes of a Docker context's engine, which brings its\n"
    "                        own TLS files (engines with different certificates side by\n"
    "                        side); repeatable, and may be mixed with --host\n"
    "\n"
    "EXIT STATUS\n"
    "    0 listed; 1 error; 2 bad command line; 5 no engine.\n";

static const char FILES_HELP[] =
    "NAME\n"
    "    v6node files - where a node's config, data, logs and databases are\n"
    "\n"
    "SYNOPSIS\n"
    "    v6node files [-n NAME | -c PATH] [--system | --user] [--json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Prints the node's config file, data folder, log folder and log file, and each\n"
    "    database's label, uri (passwords shown as ***) and type. Needs no engine.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 printed; 1 the config cannot be loaded; 2 bad command line; 3 no config.\n";

/* ---- JSON output ------------------------------------------------------------ */

static void js(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)(s ? s : ""), strlen(s ? s : ""));
}

static void jkv(yajl_gen g, const char *k, const char *v)
{
    js(g, k);
    js(g, v);
}

static void print_json(yajl_gen g)
{
    const unsigned char *buf;
    size_t len;
    yajl_gen_get_buf(g, &buf, &len);
    fwrite(buf, 1, len, stdout);
    putchar('\n');
    yajl_gen_free(g);
}

static int load_spec(const cli_args *s, v6n_config **config, v6n_node_spec **spec)
{
    int rc = cli_load_config(s, config);
    return rc ? rc : v6n_node_spec_build(spec, *config, &s->opts);
}

static char *redacted(const char *uri)
{
    char *out = NULL;
    return v6n_uri_redact(&out, uri) == V6N_OK ? out : strdup("***");
}

/* Copy a parsed JSON value into `g`. */
static void gen_value(yajl_gen g, yajl_val v)
{
    if (YAJL_IS_STRING(v)) {
        js(g, YAJL_GET_STRING(v));
    } else if (YAJL_IS_INTEGER(v)) {
        yajl_gen_integer(g, YAJL_GET_INTEGER(v));
    } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        yajl_gen_bool(g, YAJL_IS_TRUE(v));
    } else if (YAJL_IS_ARRAY(v)) {
        yajl_gen_array_open(g);
        for (size_t j = 0; j < v->u.array.len; j++)
            gen_value(g, v->u.array.values[j]);
        yajl_gen_array_close(g);
    } else if (YAJL_IS_OBJECT(v)) {
        yajl_gen_map_open(g);
        for (size_t k = 0; k < v->u.object.len; k++) {
            js(g, v->u.object.keys[k]);
            gen_value(g, v->u.object.values[k]);
        }
        yajl_gen_map_close(g);
    } else {
        yajl_gen_null(g);
    }
}

/* Emit into `g` the object(s) of JSON text `json` (an object, or each element
 * of a list) with "engine": host as their first key. */
static void emit_labelled(yajl_gen g, const char *json, const char *host)
{
    yajl_val v = yajl_tree_parse(json, NULL, 0);
    bool list = v && YAJL_IS_ARRAY(v);
    size_t n = !v ? 0 : list ? v->u.array.len : 1;
    for (size_t i = 0; i < n; i++) {
        yajl_val o = list ? v->u.array.values[i] : v;
        yajl_gen_map_open(g);
        jkv(g, "engine", host);
        for (size_t k = 0; YAJL_IS_OBJECT(o) && k < o->u.object.len; k++) {
            js(g, o->u.object.keys[k]);
            gen_value(g, o->u.object.values[k]);
        }
        yajl_gen_map_close(g);
    }
    yajl_tree_free(v);
}

/* How many lines of the node's own log file `status` shows for a node that is
 * not running: enough for the reason it stopped (an exception's last lines, the
 * node's "Exiting"/"Bye!"), short enough to read. */
#define STATUS_LOG_LINES 10

/* For a node that is not running: the end of its log file, which outlives its
 * container (a node's container removes itself when the node exits). Nothing
 * when the node never wrote one here. */
static void print_log_tail(v6n_node *node)
{
    v6n_node_spec *spec = NULL;
    char *tail = NULL;
    if (v6n_node_spec_get(&spec, node) != V6N_OK ||
        v6n_node_log_tail(&tail, spec, STATUS_LOG_LINES) != V6N_OK) {
        v6n_node_spec_free(spec); /* no config here, or no log file: nothing to show */
        v6n_error_clear();
        return;
    }
    const char *file = v6n_node_spec_log_file(spec);
    if (*tail) {
        char when[40] = "?";
        struct stat sb;
        struct tm tm;
        if (stat(file, &sb) == 0 && gmtime_r(&sb.st_mtime, &tm))
            strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
        printf("log        %s (last written %s); its last lines:\n", file, when);
        for (char *line = tail, *nl; *line; line = nl + 1) {
            nl = strchr(line, '\n'); /* every line ends in one */
            printf("             %.*s\n", (int)(nl - line), line);
        }
    }
    v6n_free(tail);
    v6n_node_spec_free(spec);
}

static void print_status_text(const v6n_node_status *st, v6n_node *node, const char *engine)
{
    v6n_node_state state = v6n_node_status_state(st);
    size_t drift = v6n_node_status_drift_count(st);
    const char *config = v6n_node_status_config(st);
    if (engine)
        printf("engine     %s\n", engine);
    printf("node       %s (%s scope)\n", v6n_node_status_name(st),
           v6n_scope_name(v6n_node_status_scope(st)));
    printf("config     %s\n", config ? config : "(none here)");
    printf("state      %s", v6n_node_state_name(state));
    if (state != V6N_NODE_ABSENT &&
        strcmp(v6n_node_status_text(st), v6n_node_state_name(state)) != 0)
        printf(" (%s)", v6n_node_status_text(st));
    putchar('\n');
    printf("container  %s", v6n_node_status_container(st));
    if (state != V6N_NODE_ABSENT)
        printf(" (id %.12s)", v6n_node_status_container_id(st));
    putchar('\n');
    if (state == V6N_NODE_ABSENT) {
        size_t n = v6n_node_status_volume_count(st);
        if (n) {
            printf("volumes    left behind:");
            for (size_t i = 0; i < n; i++)
                printf("%s %s", i ? "," : "", v6n_node_status_volume(st, i));
            printf(" ('v6node remove' deletes them)\n");
        }
        print_log_tail(node);
        return;
    }
    printf("image      %s\n", v6n_node_status_image(st));
    if (v6n_node_status_vantage6_version(st))
        printf("vantage6   %s (the release the node was built as)\n",
               v6n_node_status_vantage6_version(st));
    if (v6n_node_status_created_at(st))
        printf("created    %s\n", v6n_node_status_created_at(st));
    if (v6n_node_status_started_at(st))
        printf("started    %s\n", v6n_node_status_started_at(st));
    if (state != V6N_NODE_RUNNING)
        printf("finished   %s (exit code %d)\n",
               v6n_node_status_finished_at(st) ? v6n_node_status_finished_at(st) : "-",
               v6n_node_status_exit_code(st));
    for (size_t i = 0; i < v6n_node_status_port_count(st); i++)
        printf("port       %s\n", v6n_node_status_port(st, i));
    if (v6n_node_status_drift_error(st)) {
        printf("drift      not judged: %s\n", v6n_node_status_drift_error(st));
    } else if (drift == 0) {
        printf("drift      none: the container matches the config\n");
    } else {
        printf("drift      config changed since start; restart to apply:\n");
        for (size_t i = 0; i < drift; i++)
            printf("             - %s\n", v6n_node_status_drift(st, i));
    }
    if (state != V6N_NODE_RUNNING)
        print_log_tail(node);
}

int cmd_status(int argc, char **argv)
{
    cli_args a;
    int status = cli_parse(argc, argv, &a, "status", STATUS_HELP,
                           CLI_NODE | CLI_START | CLI_JSON | CLI_HOSTS);
    if (status >= 0) {
        cli_args_free(&a);
        return status;
    }
    v6n_node *node = NULL;
    if (cli_node_open(&a, &node)) {
        status = cli_fail_status();
        goto cleanup;
    }
    /* one engine (DOCKER_HOST) or each --host; the exit status says whether
     * the node runs on every one of them */
    size_t engines = a.nhosts ? a.nhosts : 1;
    bool labelled = a.nhosts > 0;
    bool all_running = true;
    yajl_gen g = (a.json && labelled) ? yajl_gen_alloc(NULL) : NULL;
    if (g && engines > 1)
        yajl_gen_array_open(g);
    for (size_t e = 0; e < engines; e++) {
        v6n_client *client = NULL;
        v6n_node_status *st = NULL;
        char *json = NULL;
        if (cli_client(&client, &a, e) || v6n_node_status_get(&st, node, client) ||
            (a.json && v6n_node_status_json(&json, st))) {
            status = cli_fail_status();
            v6n_client_free(client);
            v6n_node_status_free(st);
            if (g)
                yajl_gen_free(g);
            goto cleanup;
        }
        all_running = all_running && v6n_node_status_state(st) == V6N_NODE_RUNNING;
        const char *host = v6n_client_host(client);
        if (g) {
            emit_labelled(g, json, host);
        } else if (a.json) {
            printf("%s\n", json);
        } else {
            if (e)
                putchar('\n');
            print_status_text(st, node, labelled ? host : NULL);
        }
        v6n_free(json);
        v6n_node_status_free(st);
        v6n_client_free(client);
    }
    if (g) {
        if (engines > 1)
            yajl_gen_array_close(g);
        print_json(g);
    }
    status = all_running ? EXIT_OK : EXIT_NOTFOUND;
cleanup:
    v6n_node_free(node);
    cli_args_free(&a);
    return status;
}

static void print_list_table(const v6n_node_list *list, const char *engine, bool header)
{
    size_t n = v6n_node_list_count(list);
    if (header)
        printf("%s%-24s %-7s %-9s %-22s %s\n", engine ? "ENGINE                          " : "",
               "NAME", "SCOPE", "STATE", "STATUS", "CONFIG");
    for (size_t i = 0; i < n; i++) {
        const char *config = v6n_node_list_config_path(list, i);
        const char *text = v6n_node_list_status_text(list, i);
        if (engine)
            printf("%-31.31s ", engine);
        printf("%-24s %-7s %-9s %-22.22s %s%s\n", v6n_node_list_name(list, i),
               v6n_scope_name(v6n_node_list_scope(list, i)),
               v6n_node_state_name(v6n_node_list_state(list, i)), text ? text : "-",
               config ? config : "(no config here)",
               v6n_node_list_config_error(list, i) ? " (invalid: see status)" : "");
    }
}

int cmd_list(int argc, char **argv)
{
    cli_args s;
    int status = cli_parse(argc, argv, &s, "list", LIST_HELP, CLI_JSON | CLI_HOSTS | CLI_FOLDER);
    if (status >= 0) {
        cli_args_free(&s);
        return status;
    }
    size_t engines = s.nhosts ? s.nhosts : 1;
    bool labelled = s.nhosts > 0;
    size_t shown = 0;
    /* several engines: one flat list, each node labelled with its engine */
    yajl_gen g = (s.json && labelled) ? yajl_gen_alloc(NULL) : NULL;
    if (g)
        yajl_gen_array_open(g);
    for (size_t e = 0; e < engines; e++) {
        v6n_client *client = NULL;
        v6n_node_list *list = NULL;
        char *json = NULL;
        if (cli_client(&client, &s, e) || v6n_node_list_get(&list, client, &s.opts) ||
            (s.json && v6n_node_list_json(&json, list))) {
            status = cli_fail_status();
            v6n_node_list_free(list);
            v6n_client_free(client);
            if (g)
                yajl_gen_free(g);
            cli_args_free(&s);
            return status;
        }
        if (g)
            emit_labelled(g, json, v6n_client_host(client));
        else if (s.json)
            printf("%s\n", json);
        else
            print_list_table(list, labelled ? v6n_client_host(client) : NULL, e == 0);
        shown += v6n_node_list_count(list);
        v6n_free(json);
        v6n_node_list_free(list);
        v6n_client_free(client);
    }
    if (g) {
        yajl_gen_array_close(g);
        print_json(g);
    }
    if (!s.json && shown == 0)
        printf("no nodes: no configs in the user or system folders, no node containers\n");
    cli_args_free(&s);
    return EXIT_OK;
}

int cmd_files(int argc, char **argv)
{
    cli_args s;
    int status = cli_parse(argc, argv, &s, "files", FILES_HELP, CLI_NODE | CLI_START | CLI_JSON);
    if (status >= 0) {
        cli_args_free(&s);
        return status;
    }
    v6n_config *config = NULL;
    v6n_node_spec *spec = NULL;
    if (load_spec(&s, &config, &spec)) {
        status = cli_fail_status();
        goto cleanup;
    }
    const char *log_file = v6n_node_spec_log_file(spec);
    size_t ndb = v6n_config_database_count(config);
    if (s.json) {
        yajl_gen g = yajl_gen_alloc(NULL);
        yajl_gen_map_open(g);
        jkv(g, "config", v6n_config_path(config));
        jkv(g, "data_dir", v6n_node_spec_data_dir(spec));
        jkv(g, "log_dir", v6n_node_spec_log_dir(spec));
        jkv(g, "log_file", log_file);
        js(g, "databases");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < ndb; i++) {
            char *uri = redacted(v6n_config_database_uri(config, i));
            yajl_gen_map_open(g);
            jkv(g, "label", v6n_config_database_label(config, i));
            jkv(g, "uri", uri);
            jkv(g, "type", v6n_config_database_type(config, i));
            yajl_gen_map_close(g);
            v6n_free(uri);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        print_json(g);
    } else {
        printf("config file   %s\n", v6n_config_path(config));
        printf("data folder   %s\n", v6n_node_spec_data_dir(spec));
        printf("log folder    %s\n", v6n_node_spec_log_dir(spec));
        printf("log file      %s\n", log_file);
        printf("databases\n");
        for (size_t i = 0; i < ndb; i++) {
            char *uri = redacted(v6n_config_database_uri(config, i));
            printf("  - %-15s %s (type: %s)\n", v6n_config_database_label(config, i), uri,
                   v6n_config_database_type(config, i));
            v6n_free(uri);
        }
    }
    status = EXIT_OK;
cleanup:
    v6n_node_spec_free(spec);
    v6n_config_free(config);
    cli_args_free(&s);
    return status;
}

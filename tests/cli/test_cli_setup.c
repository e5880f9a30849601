/* v6node new, set-api-key, create-private-key and version, without an engine
 * or a server: exit statuses, what is written (byte for byte), what is never
 * written, the help, and the questions on a pseudo-terminal (answers typed,
 * secrets not echoed). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

static char *dir;
static char home[1024], conf[1200], data_share[1200];

static void init(void)
{
    dir = make_temp_dir("clisetup");
    cr_assert_not_null(dir);
    snprintf(home, sizeof(home), "%s/home", dir);
    snprintf(conf, sizeof(conf), "%s/.config/vantage6/node", home);
    snprintf(data_share, sizeof(data_share), "%s/.local/share/vantage6/node", home);
}

static void fini(void)
{
    remove_tree(dir);
    free(dir);
}

TestSuite(cli_setup, .init = init, .fini = fini, .timeout = 120);

static void env_for(char **envp, char *home_var, char *path_var, const char *const *extra)
{
    size_t e = 0;
    snprintf(home_var, 1100, "HOME=%s", home);
    snprintf(path_var, 1100, "PATH=%s", getenv("PATH") ? getenv("PATH") : "/bin");
    envp[e++] = home_var;
    envp[e++] = path_var;
    envp[e++] = "TERM=dumb";
    for (; extra && *extra && e < 14; extra++)
        envp[e++] = (char *)*extra;
    envp[e] = NULL;
}

/* Run v6node with args (NULL-terminated), stdin /dev/null (no terminal). */
static run_result v6node(const char *const *args, const char *const *extra_env)
{
    char *argv[40];
    size_t n = 0;
    argv[n++] = (char *)V6N_CLI_PATH;
    for (; args && *args && n < 39; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    char *envp[16], h[1100], p[1100];
    env_for(envp, h, p, extra_env);
    run_result r;
    cr_assert_eq(run_program(&r, argv, envp, dir, 100.0), 0);
    return r;
}

/* Run v6node on a pseudo-terminal, answering `script` (see run_in_pty). */
static run_result v6node_tty(const char *const *args, const char *const *script)
{
    char *argv[40];
    size_t n = 0;
    argv[n++] = (char *)V6N_CLI_PATH;
    for (; args && *args && n < 39; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    char *envp[16], h[1100], p[1100];
    env_for(envp, h, p, NULL);
    run_result r;
    cr_assert_eq(run_in_pty(&r, argv, envp, dir, script, 100.0), 0);
    return r;
}

/* Run v6node with `args`; expect exit status `code` and, when `part` is given,
 * `part` in what it wrote to stderr. */
static void expect_exit(const char *const *args, int code, const char *part)
{
    run_result r = v6node(args, NULL);
    cr_expect_eq(r.exit_code, code, "v6node %s: exit %d, expected %d: %s", args[0], r.exit_code,
                 code, r.err);
    if (part)
        cr_expect(strstr(r.err, part), "v6node %s: no \"%s\" in: %s", args[0], part, r.err);
    run_result_free(&r);
}

static char *config_file(const char *name)
{
    static char path[1400];
    snprintf(path, sizeof(path), "%s/%s.yaml", conf, name);
    return path;
}

static int entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

#define CONFIG(key)                                                                                \
    "# alpha: a test node\n"                                                                       \
    "api_key: " key "   # from the server's UI\n"                                                  \
    "server_url: http://127.0.0.1\nport: 5000\napi_path: /api\n"                                   \
    "task_dir: /tmp/t\n"                                                                           \
    "databases: [{label: default, uri: 'postgresql://u:pw@db/x', type: sql}]\n"                    \
    "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, format: x, "       \
    "datefmt: y}\n"                                                                                \
    "encryption:\n  enabled: true\n"

/* ---- new --------------------------------------------------------------------------- */

Test(cli_setup, new_then_spec_accepts_it)
{
    char csv[1100];
    snprintf(csv, sizeof(csv), "%s/data/cohort.csv", dir);
    cr_assert_eq(write_text(csv, "id\n1\n"), 0);
    const char *args[] = {"new",
                          "-n",
                          "alpha",
                          "--api-key",
                          "k-v6ntest-1",
                          "--server-url",
                          "https://v6.example.org/",
                          "--database",
                          "default=data/cohort.csv",
                          "--database-type",
                          "default=csv",
                          "--database",
                          "pg=postgresql://u:pw@db/x",
                          "--database-type",
                          "pg=sql",
                          "--database-mount-mode",
                          "default=ro",
                          "--log-level",
                          "INFO",
                          NULL};
    run_result r = v6node(args, NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    char want[1500];
    snprintf(want, sizeof(want), "%s\n", config_file("alpha"));
    cr_expect_str_eq(r.out, want);
    cr_expect(!strstr(r.err, "k-v6ntest-1"), "the API key was printed: %s", r.err);
    run_result_free(&r);
    struct stat st;
    cr_assert_eq(stat(config_file("alpha"), &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0600);
    char *text = read_text(config_file("alpha"));
    char uri[1300];
    snprintf(uri, sizeof(uri), "  uri: %s\n", csv); /* made absolute from the cwd */
    cr_expect(strstr(text, uri), "%s", text);
    cr_expect(strstr(text, "server_url: https://v6.example.org\n"), "%s", text);
    cr_expect(strstr(text, "  level: INFO\n"), "%s", text);
    cr_expect(strstr(text, "  mount_mode: ro\n"), "%s", text);
    free(text);

    const char *spec[] = {"spec", "-n", "alpha", NULL};
    r = v6node(spec, NULL);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.out, ":/mnt/default.csv:ro\""), "%s", r.out);
    cr_expect(strstr(r.out, "PG_DATABASE_URI=postgresql://u:pw@db/x"), "%s", r.out);
    run_result_free(&r);
}

Test(cli_setup, new_without_a_terminal_needs_the_required_values)
{
    const char *no_key[] = {"new", "-n", "alpha", "--server-url", "http://x", NULL};
    expect_exit(no_key, 2, "--api-key is required");
    const char *no_url[] = {"new", "-n", "alpha", "--api-key", "k", NULL};
    expect_exit(no_url, 2, "--server-url is required");
    const char *no_name[] = {"new", "--api-key", "k", "--server-url", "http://x", NULL};
    expect_exit(no_name, 2, "-n NAME");
    const char *no_type[] = {"new",          "-n",       "alpha",      "--api-key", "k",
                             "--server-url", "http://x", "--database", "d=/x.csv",  NULL};
    expect_exit(no_type, 2, "--database-type d=TYPE");
    const char *type_only[] = {"new",          "-n",       "alpha",           "--api-key", "k",
                               "--server-url", "http://x", "--database-type", "d=csv",     NULL};
    expect_exit(type_only, 2, NULL);
    cr_expect_eq(entries(home), -1, "something was written");
}

Test(cli_setup, new_refusals_leave_nothing)
{
    const char *ok[] = {"new", "-n", "alpha", "--api-key", "k1", "--server-url", "http://x", NULL};
    run_result r = v6node(ok, NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    char *first = read_text(config_file("alpha"));

    const char *again[] = {"new", "-n",           "alpha",    "--api-key",
                           "k2",  "--server-url", "http://x", NULL};
    expect_exit(again, 4, "already exists");
    char *now = read_text(config_file("alpha"));
    cr_expect_str_eq(now, first);
    free(now);

    const char *forced[] = {"new", "-n",           "alpha",    "-f", "--api-key",
                            "k2",  "--server-url", "http://x", NULL};
    r = v6node(forced, NULL);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    now = read_text(config_file("alpha"));
    cr_expect(strstr(now, "api_key: k2\n"), "%s", now);
    free(now);
    free(first);

    const char *bad[] = {
        "new",      "-n",         "beta",          "--api-key",       "k",          "--server-url",
        "http://x", "--database", "9lives=/d.csv", "--database-type", "9lives=csv", NULL};
    expect_exit(bad, 1, "databases[0].label");
    const char *bad_port[] = {"new",          "-n",       "beta",   "--api-key", "k",
                              "--server-url", "http://x", "--port", "http",      NULL};
    expect_exit(bad_port, 1, "port: must be an integer");
    cr_expect_eq(entries(conf), 1, "more than alpha.yaml in the folder");

    const char *dry[] = {"new",          "-n",       "gamma",     "--api-key", "k",
                         "--server-url", "http://x", "--dry-run", NULL};
    r = v6node(dry, NULL);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strncmp(r.out, "api_key: k\napi_path: /api\n", 26) == 0, "%s", r.out);
    run_result_free(&r);
    cr_expect_eq(entries(conf), 1, "--dry-run wrote a file");
}

/* ---- set-api-key ---------------------------------------------------------------------- */

Test(cli_setup, set_api_key_changes_only_the_key)
{
    cr_assert_eq(write_text(config_file("alpha"), CONFIG("old-key")), 0);
    const char *args[] = {"set-api-key", "-n", "alpha", "--api-key", "new key 2", NULL};
    run_result r = v6node(args, NULL);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(!strstr(r.err, "new key 2") && !strstr(r.out, "new key 2"), "key printed");
    run_result_free(&r);
    char *now = read_text(config_file("alpha"));
    cr_expect_str_eq(now, CONFIG("new key 2"));
    free(now);

    const char *no_key[] = {"set-api-key", "-n", "alpha", NULL};
    expect_exit(no_key, 2, "--api-key is required");
    const char *no_node[] = {"set-api-key", "--api-key", "x", NULL};
    expect_exit(no_node, 2, "which node?");
    /* a node without a config is "not found", exit 3, as for every command */
    const char *absent[] = {"set-api-key", "-n", "nobody", "--api-key", "x", NULL};
    expect_exit(absent, 3, "no config for node 'nobody'");
    const char *absent_key[] = {"create-private-key", "-n",       "nobody", "--no-upload",
                                "--organization",     "some-org", NULL};
    expect_exit(absent_key, 3, NULL);
}

/* ---- create-private-key without a server -------------------------------------------- */

Test(cli_setup, create_private_key_reuses_a_key_without_upload)
{
    cr_assert_eq(write_text(config_file("alpha"), CONFIG("k")), 0);
    char key[1400];
    snprintf(key, sizeof(key), "%s/privkey_Org One.pem", data_share);
    cr_assert_eq(write_text(key, ""), 0);
    char *argv[] = {"/usr/bin/env", "openssl", "genrsa", "-traditional", "-out", key, "1024", NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    run_result r;
    cr_assert_eq(run_program(&r, argv, envp, NULL, 60.0), 0);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    run_result_free(&r);
    char *pem = read_text(key);

    const char *args[] = {"create-private-key", "-n", "alpha", "-o", "Org One",
                          "--no-upload",        NULL};
    r = v6node(args, NULL);
    cr_expect_eq(r.exit_code, 0, "%s", r.err);
    char want[1500];
    snprintf(want, sizeof(want), "%s\n", key);
    cr_expect_str_eq(r.out, want);
    cr_expect(strstr(r.err, "exists: using it"), "%s", r.err);
    cr_expect(strstr(r.err, "not uploaded"), "%s", r.err);
    run_result_free(&r);
    char *now = read_text(key);
    cr_expect_str_eq(now, pem, "the existing key was replaced");
    free(now);
    char expected[3000];
    snprintf(expected, sizeof(expected), "%s  private_key: %s\n", CONFIG("k"), key);
    now = read_text(config_file("alpha"));
    cr_expect_str_eq(now, expected);
    free(now);
    free(pem);

    /* a login is needed without -o or with an upload: no terminal, no user */
    const char *login[] = {"create-private-key", "-n", "alpha", NULL};
    expect_exit(login, 2, "--username");
    const char *no_password[] = {"create-private-key", "-n", "alpha", "--username", "alice", NULL};
    expect_exit(no_password, 2, "V6NODE_PASSWORD");
}

/* ---- help --------------------------------------------------------------------------- */

static void help_names(const char *command, const char *const *flags)
{
    const char *args[] = {command, "--help", NULL};
    run_result r = v6node(args, NULL);
    cr_expect_eq(r.exit_code, 0);
    for (; *flags; flags++)
        cr_expect(strstr(r.out, *flags), "%s --help does not document %s", command, *flags);
    run_result_free(&r);
}

Test(cli_setup, help_documents_every_flag)
{
    const char *new_flags[] = {"--name",
                               "--config",
                               "--system",
                               "--user",
                               "--force",
                               "--api-key",
                               "--server-url",
                               "--port",
                               "--api-path",
                               "--task-dir",
                               "--database LABEL=URI",
                               "--database-type LABEL=TYPE",
                               "--database-mount-mode",
                               "--encryption",
                               "--no-encryption",
                               "--private-key",
                               "--log-level",
                               "--extra-yaml",
                               "--dry-run",
                               "--help",
                               NULL};
    help_names("new", new_flags);
    const char *key_flags[] = {"--name",    "--config", "--system", "--user",
                               "--api-key", "--help",   NULL};
    help_names("set-api-key", key_flags);
    const char *pk_flags[] = {
        "--name",          "--config",        "--system", "--user",     "--organization-name",
        "--overwrite",     "--no-upload",     "--mfa",    "--username", "--password-file",
        "V6NODE_PASSWORD", "V6NODE_MFA_CODE", "--help",   NULL};
    help_names("create-private-key", pk_flags);
    const char *version_flags[] = {"--name", "--config",  "--system", "--user", "--json",
                                   "--host", "--context", "--help",   NULL};
    help_names("version", version_flags);
    const char *main_help[] = {"new", "set-api-key", "create-private-key", "version", NULL};
    help_names("--help", main_help);
    const char *wrong[] = {"set-api-key", "--overwrite", NULL};
    run_result r = v6node(wrong, NULL);
    cr_expect_eq(r.exit_code, 2, "an option of another command was taken");
    run_result_free(&r);
    const char *version_no_node[] = {"version", NULL};
    expect_exit(version_no_node, 2, "which node?");
}

/* ---- on a terminal ---------------------------------------------------------------------- */

#define SECRET "S3cr3t-v6ntest-KEY"

/* The whole wizard, as `v6 node new` asks it; the API key is not echoed,
 * the other answers are. */
Test(cli_setup, new_asks_like_the_wizard_on_a_terminal)
{
    char csv[1100];
    snprintf(csv, sizeof(csv), "%s/cohort.csv", dir);
    cr_assert_eq(write_text(csv, "id\n1\n"), 0);
    const char *args[] = {"new", NULL};
    const char *script[] = {
        "configuration-name:",
        "tty node",
        "api-key:",
        SECRET,
        "base-URL of the server:",
        "http://127.0.0.1:9/",
        "port to which the server listens: [7601]",
        "",
        "Path of the api: [/api]",
        "",
        "Task directory path:",
        "/srv/tasks",
        "add a database?",
        "y",
        "label for the database: [default]",
        "",
        "Database URI:",
        "cohort.csv",
        "Database type:",
        "1",
        "add a database?",
        "n",
        "VPN server?",
        "y",
        "[10.76.0.0/16]",
        "",
        "limit the algorithms",
        "",
        "list of allowed algorithms?",
        "y",
        "algorithm expression:",
        "^ghcr\\.io/vantage6/algorithm/glm:latest$",
        "another algorithm expression?",
        "n",
        "specific algorithm stores?",
        "n",
        "level of logging",
        "2",
        "Enable encryption?",
        "n",
        NULL,
        NULL,
    };
    run_result r = v6node_tty(args, script);
    cr_expect_eq(r.exit_code, 0, "%s", r.out);
    cr_expect(!strstr(r.out, SECRET), "the API key was echoed:\n%s", r.out);
    cr_expect(strstr(r.out, "http://127.0.0.1:9/"), "answers are echoed:\n%s", r.out);
    cr_expect(strstr(r.out, "replaced spaces"), "%s", r.out);
    run_result_free(&r);
    char *text = read_text(config_file("tty-node"));
    cr_assert_not_null(text, "no config written");
    char uri[1300];
    snprintf(uri, sizeof(uri), "  uri: %s\n", csv);
    cr_expect(strstr(text, "api_key: " SECRET "\n"), "%s", text);
    cr_expect(strstr(text, "server_url: http://127.0.0.1:9\n"), "%s", text);
    cr_expect(strstr(text, "port: '7601'\n"), "%s", text);
    cr_expect(strstr(text, "task_dir: /srv/tasks\n"), "%s", text);
    cr_expect(strstr(text, "- label: default\n  type: csv\n"), "%s", text);
    cr_expect(strstr(text, uri), "%s", text);
    cr_expect(strstr(text, "vpn_subnet: 10.76.0.0/16\n"), "%s", text);
    cr_expect(strstr(text, "policies:\n  allowed_algorithms:\n  - "
                           "^ghcr\\.io/vantage6/algorithm/glm:latest$\n"),
              "%s", text);
    cr_expect(strstr(text, "  level: INFO\n"), "%s", text);
    cr_expect(strstr(text, "  enabled: false\n"), "%s", text);
    free(text);
}

Test(cli_setup, new_aborted_on_a_terminal_writes_nothing)
{
    const char *args[] = {"new", "-n", "alpha", NULL};
    const char *script[] = {"api-key:", SECRET, "base-URL of the server:", "\x04", NULL, NULL};
    run_result r = v6node_tty(args, script);
    cr_expect_eq(r.exit_code, 1, "%s", r.out);
    cr_expect(strstr(r.out, "aborted"), "%s", r.out);
    run_result_free(&r);
    cr_expect_eq(entries(home), -1, "something was written");
}

/* No -n on a terminal: the configs found are offered; the key is asked, not echoed. */
Test(cli_setup, set_api_key_offers_the_configs_and_hides_the_key)
{
    cr_assert_eq(write_text(config_file("alpha"), CONFIG("a-key")), 0);
    cr_assert_eq(write_text(config_file("beta"), CONFIG("b-key")), 0);
    cr_assert_eq(write_text(config_file("broken"), "api_key: [\n"), 0);
    const char *args[] = {"set-api-key", NULL};
    const char *script[] = {"2) beta", NULL, "choose 1-2", "2", "new API key:", SECRET, NULL, NULL};
    run_result r = v6node_tty(args, script);
    cr_expect_eq(r.exit_code, 0, "%s", r.out);
    cr_expect(strstr(r.out, "1) alpha"), "%s", r.out);
    cr_expect(!strstr(r.out, "broken"), "an invalid config was offered: %s", r.out);
    cr_expect(!strstr(r.out, SECRET), "the key was echoed:\n%s", r.out);
    run_result_free(&r);
    char *a = read_text(config_file("alpha")), *b = read_text(config_file("beta"));
    cr_expect_str_eq(a, CONFIG("a-key"));
    cr_expect_str_eq(b, CONFIG(SECRET));
    free(a);
    free(b);
}

/* Every command that takes a node offers them: `spec` here. */
Test(cli_setup, spec_offers_the_configs_on_a_terminal)
{
    char *text = replace_all(CONFIG("a-key"), "enabled: true", "enabled: false");
    cr_assert_eq(write_text(config_file("alpha"), text), 0);
    free(text);
    const char *args[] = {"spec", NULL};
    const char *script[] = {"choose 1-1", "1", NULL, NULL};
    run_result r = v6node_tty(args, script);
    cr_expect_eq(r.exit_code, 0, "%s", r.out);
    cr_expect(strstr(r.out, "\"vantage6-alpha-user\""), "%s", r.out);
    run_result_free(&r);
}

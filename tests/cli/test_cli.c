/* The v6node tool itself: exit statuses, stdout JSON, stderr messages, help. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "v6node.h" /* the start option table */

static char *dir;

static void init(void)
{
    dir = make_temp_dir("cli");
    cr_assert_not_null(dir);
}

static void fini(void)
{
    remove_tree(dir);
    free(dir);
}

TestSuite(cli, .init = init, .fini = fini, .timeout = 30);

#define CONFIG                                                                                     \
    "api_key: k\nserver_url: https://v6.example.org\nport: 443\napi_path: /api\n"                  \
    "task_dir: /tmp/t\n"                                                                           \
    "databases: [{label: default, uri: 'postgresql://u:pw@db/x', type: sql}]\n"                    \
    "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, format: x, "       \
    "datefmt: y}\n"                                                                                \
    "encryption: {enabled: false}\n"

/* Run v6node with args (NULL-terminated) and extra environment entries. */
static run_result v6node(const char *const *args, const char *const *extra_env)
{
    char *argv[32];
    size_t n = 0;
    argv[n++] = (char *)V6N_CLI_PATH;
    for (; args && *args && n < 31; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    char *envp[16];
    size_t e = 0;
    char home[1024], path[1024];
    snprintf(home, sizeof(home), "HOME=%s/home", dir);
    snprintf(path, sizeof(path), "PATH=%s", getenv("PATH") ? getenv("PATH") : "/bin");
    envp[e++] = home;
    envp[e++] = path;
    for (; extra_env && *extra_env && e < 15; extra_env++)
        envp[e++] = (char *)*extra_env;
    envp[e] = NULL;
    run_result r;
    cr_assert_eq(run_program(&r, argv, envp, dir, 20.0), 0);
    return r;
}

static void write_config(const char *name, const char *text)
{
    char path[2048];
    snprintf(path, sizeof(path), "%s/home/.config/vantage6/node/%s", dir, name);
    cr_assert_eq(write_text(path, text), 0);
}

Test(cli, help_lists_commands_and_options)
{
    const char *a1[] = {"--help", NULL};
    run_result r = v6node(a1, NULL);
    cr_expect_eq(r.exit_code, 0);
    cr_expect(strstr(r.out, "spec"));
    run_result_free(&r);

    const char *a2[] = {"spec", "--help", NULL};
    r = v6node(a2, NULL);
    cr_expect_eq(r.exit_code, 0);
    const char *options[] = {"--name",
                             "--config",
                             "--system",
                             "--user",
                             "--image",
                             "--keep",
                             "--auto-remove",
                             "--force-db-mount",
                             "--mount-src",
                             "--server-version",
                             "--data-dir",
                             "--log-dir",
                             "--docker-socket",
                             "--host-path",
                             "--workdir",
                             "--pretty",
                             "DATA_VOLUME_NAME",
                             "VPN_VOLUME_NAME",
                             "SSH_TUNNEL_VOLUME_NAME",
                             "SSH_SQUID_VOLUME_NAME",
                             "PRIVATE_KEY",
                             "Exit status"};
    for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
        cr_expect(strstr(r.out, options[i]), "spec --help does not explain %s", options[i]);
    run_result_free(&r);
}

Test(cli, version)
{
    const char *a[] = {"--version", NULL};
    run_result r = v6node(a, NULL);
    cr_expect_eq(r.exit_code, 0);
    cr_expect(strstr(r.out, "v6node 0."), "%s", r.out);
    cr_expect(strstr(r.out, "vantage6 4.15.2"), "%s", r.out);
    run_result_free(&r);
}

Test(cli, usage_errors_exit_2)
{
    const char *cases[][5] = {
        {"frobnicate", NULL}, {"spec", "--bogus", NULL},    {"spec", NULL},
        {"spec", "-n", NULL}, {"spec", "-n", "a", "extra"},
    };
    const char *needles[] = {"unknown command", "unknown option", "Give -n NAME or -c PATH",
                             "needs a value", "unexpected argument"};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run_result r = v6node(cases[i], NULL);
        cr_expect_eq(r.exit_code, 2, "case %zu: exit %d", i, r.exit_code);
        cr_expect(strstr(r.err, needles[i]), "case %zu: stderr: %s", i, r.err);
        cr_expect_str_empty(r.out);
        run_result_free(&r);
    }
}

Test(cli, spec_prints_one_json_object)
{
    write_config("alpha.yaml", CONFIG);
    const char *a[] = {"spec", "-n", "alpha", NULL};
    run_result r = v6node(a, NULL);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    cr_expect_str_empty(r.err);
    cr_expect(strncmp(r.out, "{\"name\":\"vantage6-alpha-user\"", 29) == 0, "%s", r.out);
    cr_expect_eq(strchr(r.out, '\n'), r.out + strlen(r.out) - 1, "one line of JSON");

    /* --pretty prints the same JSON, indented */
    const char *p[] = {"spec", "-n", "alpha", "--pretty", NULL};
    run_result rp = v6node(p, NULL);
    cr_assert_eq(rp.exit_code, 0);
    cr_expect(strstr(rp.out, "\n  \"create\": {\n"), "%s", rp.out);
    char *diff = json_diff(r.out, rp.out);
    cr_expect_null(diff, "%s", diff);
    free(diff);
    run_result_free(&r);
    run_result_free(&rp);
}

Test(cli, environment_volume_names_and_empty_values)
{
    write_config("alpha.yaml", CONFIG);
    const char *a[] = {"spec", "-n", "alpha", NULL};
    const char *env[] = {"DATA_VOLUME_NAME=my-data", "VPN_VOLUME_NAME=", NULL};
    run_result r = v6node(a, env);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    cr_expect(strstr(r.out, "\"volumes\":[\"my-data\",\"vantage6-alpha-user-vpn-vol\""), "%s",
              r.out);
    cr_expect(strstr(r.out, "\"my-data:/mnt/data\""));
    run_result_free(&r);

    const char *bad[] = {"SSH_SQUID_VOLUME_NAME=no/slashes", NULL};
    r = v6node(a, bad);
    cr_expect_eq(r.exit_code, 1);
    cr_expect(strstr(r.err, "no/slashes"), "%s", r.err);
    run_result_free(&r);
}

Test(cli, config_errors_exit_1_with_the_key)
{
    write_config("beta.yaml", "api_key: k\n");
    const char *a[] = {"spec", "-n", "beta", NULL};
    run_result r = v6node(a, NULL);
    cr_expect_eq(r.exit_code, 1);
    cr_expect(strstr(r.err, "beta.yaml: server_url: required key is missing"), "%s", r.err);
    cr_expect_str_empty(r.out);
    run_result_free(&r);
}

Test(cli, passwords_never_reach_stderr)
{
    write_config("gamma.yaml", CONFIG);
    const char *a[] = {"spec", "-n", "gamma", "--force-db-mount", NULL};
    run_result r = v6node(a, NULL);
    cr_expect_eq(r.exit_code, 1);
    cr_expect(strstr(r.err, "u:***@db"), "%s", r.err);
    cr_expect_null(strstr(r.err, "pw@"), "%s", r.err);
    run_result_free(&r);
}

/* ---- the start option table reaches the command line ---------------------------- */

/* Every option of the library's table: its flag, off flag, whether it takes a
 * value, and whether it shapes the node (then `spec` takes it too). */
typedef struct table_flag {
    const char *name, *flag, *off;
    bool value, shapes;
} table_flag;

#define VALUE_SCOPE  false
#define VALUE_FLAG   false
#define VALUE_STR    true
#define VALUE_PULL   true
#define VALUE_MS     true
#define VALUE_INT    true
#define VALUE_PATHS  true
#define SHAPES_SPEC  true
#define SHAPES_START false
#define FLAG_ROW(KIND, name, flag, shorty, off, metavar, env, group, help)                         \
    {#name, flag, off, VALUE_##KIND, SHAPES_##group},
static const table_flag TABLE_FLAGS[] = {V6N_START_OPTION_TABLE(FLAG_ROW)};

/* A value each kind accepts. */
static const char *sample_value(const table_flag *t)
{
    if (strcmp(t->name, "pull") == 0)
        return "never";
    if (strcmp(t->name, "path_map") == 0)
        return "/a=/b";
    if (strcmp(t->name, "vantage6_version") == 0)
        return "4.14";
    if (strcmp(t->name, "server_timeout_ms") == 0 || strcmp(t->name, "server_attempts") == 0)
        return "2";
    if (strstr(t->name, "volume"))
        return "v6ntest-volume";
    if (strcmp(t->name, "docker_socket") == 0)
        return "/run/docker.sock";
    return "/tmp";
}

/* about 25 runs of v6node: under valgrind that takes a while */
Test(cli, every_option_of_the_table_is_a_documented_flag, .timeout = 240)
{
    write_config("alpha", CONFIG);
    const char *help_args[] = {"start", "--help", NULL};
    run_result help = v6node(help_args, NULL);
    cr_assert_eq(help.exit_code, 0);
    size_t n = sizeof(TABLE_FLAGS) / sizeof(TABLE_FLAGS[0]);
    cr_assert_geq(n, 20);
    for (size_t i = 0; i < n; i++) {
        const table_flag *t = &TABLE_FLAGS[i];
        char flag[96];
        snprintf(flag, sizeof(flag), "--%s", t->flag);
        cr_expect(strstr(help.out, flag), "start --help does not document %s (%s)", flag, t->name);
        if (t->off) {
            snprintf(flag, sizeof(flag), "--%s", t->off);
            cr_expect(strstr(help.out, flag), "start --help lacks %s", flag);
        }
        /* accepted by start (the usage check comes before any engine) and, when
         * it shapes the node, by spec */
        const char *cmd = t->shapes ? "spec" : "start";
        snprintf(flag, sizeof(flag), "--%s", t->flag);
        const char *args[] = {cmd, "-n", "v6ntest-absent", flag, t->value ? sample_value(t) : NULL,
                              NULL};
        run_result r = v6node(args, NULL);
        cr_expect(!strstr(r.err, "unknown option"), "%s %s: %s", cmd, flag, r.err);
        cr_expect_neq(r.exit_code, 2, "%s %s refused as usage: %s", cmd, flag, r.err);
        run_result_free(&r);
    }
    run_result_free(&help);
}

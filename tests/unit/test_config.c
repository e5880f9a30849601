/* Config loading and validation (contract sections 1, 2 and 4): one test per
 * bad input, each asserting the error code, the key and that the message names
 * the key and the value. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "support.h"

#define GOOD                                                                                       \
    "api_key: k\n"                                                                                 \
    "server_url: https://v6.example.org\n"                                                         \
    "port: 443\n"                                                                                  \
    "api_path: /api\n"                                                                             \
    "task_dir: /tmp/t\n"                                                                           \
    "databases:\n"                                                                                 \
    "  - {label: default, uri: 'postgresql://a/x', type: sql}\n"                                   \
    "logging:\n"                                                                                   \
    "  level: INFO\n"                                                                              \
    "  use_console: true\n"                                                                        \
    "  backup_count: 5\n"                                                                          \
    "  max_size: 1024\n"                                                                           \
    "  format: '%(message)s'\n"                                                                    \
    "  datefmt: '%H:%M'\n"                                                                         \
    "encryption:\n"                                                                                \
    "  enabled: false\n"

static v6n_config *cfg;

static void fini(void)
{
    v6n_config_free(cfg);
    cfg = NULL;
}

TestSuite(config, .fini = fini, .timeout = 20);

static void load_ok(const char *text)
{
    fini();
    int rc = v6n_config_parse(&cfg, text, strlen(text), "/srv/v6/alpha.yaml");
    cr_assert_eq(rc, V6N_OK, "%s", v6n_error_last()->message);
}

/* Parse `text`; expect `code` with `key` and every needle in the message. */
static void load_fails(const char *text, int code, const char *key, const char *needle1,
                       const char *needle2)
{
    fini();
    int rc = v6n_config_parse(&cfg, text, strlen(text), "/srv/v6/alpha.yaml");
    const v6n_error *e = v6n_error_last();
    cr_assert_eq(rc, code, "expected %s, got %s: %s", v6n_error_code_name(code),
                 v6n_error_code_name(rc), e->message);
    cr_assert_null(cfg);
    cr_expect_eq(e->code, code);
    if (key) {
        cr_expect_str_eq(e->key, key);
        cr_expect(strstr(e->message, key), "message lacks the key %s: %s", key, e->message);
    }
    cr_expect(strstr(e->message, "/srv/v6/alpha.yaml"), "message lacks the file: %s", e->message);
    if (needle1)
        cr_expect(strstr(e->message, needle1), "message lacks '%s': %s", needle1, e->message);
    if (needle2)
        cr_expect(strstr(e->message, needle2), "message lacks '%s': %s", needle2, e->message);
}

/* GOOD with the line starting with `prefix` replaced by `line` ("" drops it). */
static char *with_line(const char *prefix, const char *line)
{
    static char buf[4096];
    char *copy = strdup(GOOD);
    buf[0] = '\0';
    for (char *l = strtok(copy, "\n"); l; l = strtok(NULL, "\n")) {
        if (strncmp(l, prefix, strlen(prefix)) == 0) {
            if (*line)
                snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s\n", line);
        } else {
            snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s\n", l);
        }
    }
    free(copy);
    return buf;
}

Test(config, a_good_config_loads)
{
    load_ok(GOOD);
    cr_expect_str_eq(v6n_config_name(cfg), "alpha");
    cr_expect_str_eq(v6n_config_path(cfg), "/srv/v6/alpha.yaml");
    cr_expect_str_eq(v6n_config_get(cfg, "logging.level"), "INFO");
    cr_expect_str_eq(v6n_config_get(cfg, "port"), "443");
    cr_expect_str_eq(v6n_config_get(cfg, "encryption.enabled"), "False");
    cr_expect_str_eq(v6n_config_get(cfg, "databases[0].uri"), "postgresql://a/x");
    cr_expect_null(v6n_config_get(cfg, "databases[1].uri"));
    cr_expect_null(v6n_config_get(cfg, "logging"));
    cr_expect_null(v6n_config_get(cfg, "nope.deeper"));
    cr_expect_eq(v6n_config_database_count(cfg), 1);
    cr_expect_str_eq(v6n_config_database_label(cfg, 0), "default");
    cr_expect_str_eq(v6n_config_database_type(cfg, 0), "sql");
    cr_expect_null(v6n_config_database_label(cfg, 1));
}

Test(config, unknown_keys_are_allowed)
{
    char text[4096];
    snprintf(text, sizeof(text), "%swhitelist: {domains: [a]}\nvpn_subnet: 10.76.0.0/16\n", GOOD);
    load_ok(text);
}

/* GOOD without the top-level key `key` and its indented block. */
static char *without(const char *key)
{
    static char buf[4096];
    char *copy = strdup(GOOD);
    size_t klen = strlen(key);
    bool skipping = false;
    buf[0] = '\0';
    for (char *l = strtok(copy, "\n"); l; l = strtok(NULL, "\n")) {
        if (strncmp(l, key, klen) == 0 && l[klen] == ':') {
            skipping = true;
            continue;
        }
        if (skipping && l[0] == ' ')
            continue;
        skipping = false;
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s\n", l);
    }
    free(copy);
    return buf;
}

Test(config, every_required_key)
{
    const char *keys[] = {"api_key",   "server_url", "port",    "task_dir",
                          "databases", "api_path",   "logging", "encryption"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        load_fails(without(keys[i]), V6N_ECONFIG, keys[i], "required key is missing", NULL);
        fini();
    }
}

Test(config, null_api_key_passes_as_in_vantage6)
{
    load_ok(with_line("api_key:", "api_key:"));
}

Test(config, port_must_be_int_convertible)
{
    load_ok(with_line("port:", "port: '5000'"));
    load_ok(with_line("port:", "port: ' 5_000 '"));
    load_ok(with_line("port:", "port:"));
    load_fails(with_line("port:", "port: abc"), V6N_ECONFIG, "port", "'abc'", "integer");
    fini();
    load_fails(with_line("port:", "port: '0x10'"), V6N_ECONFIG, "port", "'0x10'", NULL);
    fini();
    load_fails(with_line("port:", "port: [1]"), V6N_ECONFIG, "port", "a list", NULL);
}

Test(config, logging_level)
{
    load_fails(with_line("  level:", "  level: info"), V6N_ECONFIG, "logging.level", "'info'",
               "DEBUG, INFO, WARNING, ERROR, CRITICAL");
    fini();
    load_fails(with_line("  level:", "  level: NOTSET"), V6N_ECONFIG, "logging.level", "'NOTSET'",
               NULL);
}

Test(config, logging_counts)
{
    load_fails(with_line("  backup_count:", "  backup_count: 0"), V6N_ECONFIG,
               "logging.backup_count", "'0'", "greater than 0");
    fini();
    load_fails(with_line("  max_size:", "  max_size: 16"), V6N_ECONFIG, "logging.max_size", "'16'",
               "greater than 16");
    fini();
    load_fails(with_line("  max_size:", "  max_size: big"), V6N_ECONFIG, "logging.max_size",
               "'big'", NULL);
    fini();
    load_ok(with_line("  max_size:", "  max_size: '17'"));
}

Test(config, logging_keys_required)
{
    load_fails(with_line("  datefmt:", ""), V6N_ECONFIG, "logging.datefmt",
               "required key is missing", NULL);
    fini();
    load_fails(with_line("  use_console:", ""), V6N_ECONFIG, "logging.use_console", NULL, NULL);
}

Test(config, logging_must_be_a_mapping)
{
    char text[4096];
    snprintf(text, sizeof(text), "%slogging: [a]\n", without("logging"));
    load_fails(text, V6N_ECONFIG, "logging", "a list", NULL);
}

Test(config, encryption_enabled_must_be_a_real_boolean)
{
    load_fails(with_line("  enabled:", "  enabled: 'false'"), V6N_ECONFIG, "encryption.enabled",
               "'false', a string", "true or false");
    fini();
    load_fails(with_line("  enabled:", "  enabled: 1"), V6N_ECONFIG, "encryption.enabled", "'1'",
               NULL);
    fini();
    load_fails(with_line("  enabled:", "  private_key: k.pem"), V6N_ECONFIG, "encryption.enabled",
               "required key is missing", NULL);
    fini();
    load_fails(with_line("  enabled:", ""), V6N_ECONFIG, "encryption", "got null", NULL);
    fini();
    load_ok(with_line("  enabled:", "  enabled: off"));
}

Test(config, databases_must_be_a_list_of_label_uri_type)
{
    load_fails(with_line("  - {label", "  default: /data/x.csv"), V6N_ECONFIG, "databases",
               "databases must be a list of {label, uri, type}", "a mapping");
    fini();
    load_fails(with_line("databases:", "databases:\n  - just-a-string"), V6N_ECONFIG,
               "databases[0]", "a string", NULL);
    fini();
    load_fails(with_line("  - {label", "  - {label: default, type: sql}"), V6N_ECONFIG,
               "databases[0].uri", "required key is missing", NULL);
    fini();
    load_fails(with_line("  - {label", "  - {uri: x, type: sql}"), V6N_ECONFIG,
               "databases[0].label", "required key is missing", NULL);
    fini();
    load_fails(with_line("  - {label", "  - {label: default, uri: x}"), V6N_ECONFIG,
               "databases[0].type", NULL, NULL);
    fini();
    load_fails(with_line("  - {label", "  - {label: 5, uri: x, type: sql}"), V6N_ECONFIG,
               "databases[0].label", "'5'", NULL);
    fini();
    char text[4096];
    snprintf(text, sizeof(text), "%sdatabases:\n", without("databases"));
    load_fails(text, V6N_ECONFIG, "databases", "databases must be a list", "null");
}

Test(config, optional_keys_have_types)
{
    char text[4096];
    struct {
        const char *line, *key, *needle;
    } cases[] = {
        {"node_extra_env: [A]", "node_extra_env", "a list"},
        {"node_extra_env:", "node_extra_env", "null"},
        {"node_extra_mounts: /a:/b", "node_extra_mounts", "'/a:/b'"},
        {"node_extra_mounts: [5]", "node_extra_mounts[0]", "'5'"},
        {"node_extra_hosts: [a]", "node_extra_hosts", "a list"},
        {"images: node", "images", "'node'"},
        {"images: {node: [a]}", "images.node", "a list"},
        {"ssh-tunnels: {a: b}", "ssh-tunnels", "a mapping"},
        {"directories: [a]", "directories", "a list"},
        {"directories: {log: [a]}", "directories.log", "a list"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text), "%s%s\n", GOOD, cases[i].line);
        load_fails(text, V6N_ECONFIG, cases[i].key, cases[i].needle, NULL);
        fini();
    }
}

Test(config, empty_file)
{
    load_fails("", V6N_ECONFIG, NULL, "empty", NULL);
    fini();
    load_fails("# only a comment\n", V6N_ECONFIG, NULL, "empty", NULL);
}

Test(config, top_level_not_a_mapping)
{
    load_fails("- a\n- b\n", V6N_ECONFIG, NULL, "top level must be a mapping", "a list");
    fini();
    load_fails("just a string\n", V6N_ECONFIG, NULL, "top level must be a mapping", NULL);
}

Test(config, invalid_yaml_gives_line_and_column)
{
    load_fails("api_key: [\n", V6N_ECONFIG, NULL, "alpha.yaml:2:", "invalid YAML");
}

Test(config, names_are_checked)
{
    int rc = v6n_config_parse(&cfg, GOOD, strlen(GOOD), "/srv/v6/my node.yaml");
    cr_expect_eq(rc, V6N_ECONFIG);
    cr_expect(strstr(v6n_error_last()->message, "'my node'"), "%s", v6n_error_last()->message);
    rc = v6n_config_parse(&cfg, GOOD, strlen(GOOD), "/srv/v6/..yaml");
    cr_expect_eq(rc, V6N_ECONFIG, "'.' must not be a node name");
    rc = v6n_config_load_name(&cfg, "../etc/passwd", V6N_SCOPE_USER, NULL);
    cr_expect_eq(rc, V6N_ECONFIG);
    rc = v6n_config_load_name(&cfg, "..", V6N_SCOPE_USER, NULL);
    cr_expect_eq(rc, V6N_ECONFIG);
}

Test(config, load_errors)
{
    int rc = v6n_config_load(&cfg, "/nonexistent/v6n/alpha.yaml");
    cr_expect_eq(rc, V6N_ENOTFOUND);
    cr_expect(strstr(v6n_error_last()->message, "/nonexistent/v6n/alpha.yaml"));
    rc = v6n_config_load(&cfg, "/");
    cr_expect_eq(rc, V6N_EIO);
    rc = v6n_config_load(NULL, "x");
    cr_expect_eq(rc, V6N_EINVAL);
    rc = v6n_config_parse(&cfg, NULL, 5, "/x.yaml");
    cr_expect_eq(rc, V6N_EINVAL);
}

Test(config, load_by_name_searches_scope_folder_then_cwd)
{
    char *dir = make_temp_dir("config");
    cr_assert_not_null(dir);
    char path[1024], cwd_before[1024];
    snprintf(path, sizeof(path), "%s/conf/omega.yml", dir);
    cr_assert_eq(write_text(path, GOOD), 0);
    snprintf(path, sizeof(path), "%s/conf", dir);
    cr_assert_eq(v6n_config_load_name(&cfg, "omega", V6N_SCOPE_SYSTEM, path), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_str_eq(v6n_config_name(cfg), "omega");
    fini();

    /* not in the folder: the current directory is the fallback */
    snprintf(path, sizeof(path), "%s/cwdnode.yaml", dir);
    cr_assert_eq(write_text(path, GOOD), 0);
    cr_assert_not_null(getcwd(cwd_before, sizeof(cwd_before)));
    cr_assert_eq(chdir(dir), 0);
    snprintf(path, sizeof(path), "%s/conf", dir);
    int rc = v6n_config_load_name(&cfg, "cwdnode", V6N_SCOPE_USER, path);
    cr_expect_eq(rc, V6N_OK, "%s", v6n_error_last()->message);
    fini();
    rc = v6n_config_load_name(&cfg, "missing", V6N_SCOPE_USER, path);
    cr_expect_eq(rc, V6N_ENOTFOUND);
    cr_expect(strstr(v6n_error_last()->message, path), "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "missing.yaml"));
    cr_assert_eq(chdir(cwd_before), 0);
    remove_tree(dir);
    free(dir);
}

Test(config, errors_are_per_thread_and_clearable)
{
    load_fails("", V6N_ECONFIG, NULL, "empty", NULL);
    v6n_error_clear();
    cr_expect_eq(v6n_error_last()->code, V6N_OK);
    cr_expect_str_eq(v6n_error_last()->message, "no error");
    cr_expect_str_eq(v6n_error_last()->key, "");
    cr_expect_str_eq(v6n_error_code_name(V6N_ECONFIG), "V6N_ECONFIG");
    cr_expect_str_eq(v6n_error_code_name(12345), "V6N_UNKNOWN");
}

/* Writing node configs (v6n_config_render, v6n_config_create): the wizard's
 * keys and defaults, the text PyYAML's yaml.dump writes, validation with the
 * key path, and the atomic write that leaves nothing behind when it refuses. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "support.h"

static char *dir;
static char home[1024];

static void init(void)
{
    dir = make_temp_dir("cfgwrite");
    cr_assert_not_null(dir);
    snprintf(home, sizeof(home), "%s/home", dir);
    setenv("HOME", home, 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_DATA_HOME");
    unsetenv("XDG_DATA_DIRS");
}

static void fini(void)
{
    remove_tree(dir);
    free(dir);
}

TestSuite(config_write, .init = init, .fini = fini, .timeout = 30);

static v6n_config_values basic(void)
{
    v6n_config_values v = V6N_CONFIG_VALUES_INIT;
    v.name = "alpha";
    v.api_key = "k-123";
    v.server_url = "https://v6.example.org/";
    return v;
}

/* The names in a folder (not . and ..), as one string "a b ". */
static char *listing(const char *path)
{
    static char out[4096];
    out[0] = '\0';
    DIR *d = opendir(path);
    if (!d)
        return strcpy(out, "(no folder)");
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s ", e->d_name);
    closedir(d);
    return out;
}

Test(config_write, defaults_are_the_wizards)
{
    v6n_config_values v = basic();
    char *text = NULL;
    cr_assert_eq(v6n_config_render(&text, &v), V6N_OK, "%s", v6n_error_last()->message);
    char expected[4096];
    snprintf(expected, sizeof(expected),
             "api_key: k-123\n"
             "api_path: /api\n"
             "databases: []\n"
             "encryption:\n"
             "  enabled: false\n"
             "  private_key: ''\n"
             "logging:\n"
             "  backup_count: 5\n"
             "  datefmt: '%%Y-%%m-%%d %%H:%%M:%%S'\n"
             "  format: '%%(asctime)s - %%(name)-14s - %%(levelname)-8s - %%(message)s'\n"
             "  level: DEBUG\n"
             "  loggers:\n"
             "  - level: warning\n"
             "    name: urllib3\n"
             "  - level: warning\n"
             "    name: requests\n"
             "  - level: warning\n"
             "    name: engineio.client\n"
             "  - level: warning\n"
             "    name: docker.utils.config\n"
             "  - level: warning\n"
             "    name: docker.auth\n"
             "  max_size: 1024\n"
             "  use_console: true\n"
             "port: '443'\n"
             "server_url: https://v6.example.org\n"
             "task_dir: %s/.local/share/vantage6/node/alpha\n",
             home);
    cr_expect_str_eq(text, expected);
    v6n_free(text);

    /* http: the dev server's port; the system scope's data folder */
    v.server_url = "http://localhost";
    v.scope = V6N_SCOPE_SYSTEM;
    cr_assert_eq(v6n_config_render(&text, &v), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect(strstr(text, "\nport: '7601'\n"), "%s", text);
    cr_expect(strstr(text, "\ntask_dir: /usr/local/share/vantage6/node/alpha\n"), "%s", text);
    v6n_free(text);
}

/* Strings that need quoting, long ones that wrap, non-ASCII: the text is what
 * PyYAML's yaml.dump(yaml.safe_load(text), default_flow_style=False) gives
 * back, byte for byte (python3 with PyYAML, as vantage6 uses). */
Test(config_write, text_is_what_pyyaml_dumps)
{
    v6n_config_values v = basic();
    v.api_key = "yes";
    v.port = "5000";
    v.api_path = "";
    v.task_dir = "/data/tasks: x # not a comment";
    v.private_key = "keys/my key.pem";
    v.encryption = 1;
    v.log_level = "WARNING";
    v6n_database dbs[] = {
        {"default", "/data/a b.csv", "csv", "ro"},
        {"pg", "postgresql://user:pa'ss@db:5432/x", "sql", NULL},
        {"old", "~", "other", NULL},
        {"tab", "a\tb", "other", NULL},
        {"long",
         "/a/very/long/path/that/goes/on/and/on/past/the/eighty/columns/where/"
         "yaml/would/wrap/it.parquet",
         "parquet", NULL},
        {"u", "/données/é.csv", "csv", NULL},
        {"n", "0o17", "other", NULL},
        {"m", "1_000", "other", NULL},
        {"t", "12:30", "other", NULL},
        {"e", "", "other", NULL},
    };
    dbs[9].uri = "-x"; /* an empty uri is refused; a leading dash needs quotes */
    v.databases = dbs;
    v.database_count = sizeof(dbs) / sizeof(dbs[0]);
    v.extra_yaml = "vpn_subnet: 10.76.0.0/16\n"
                   "policies: {allowed_algorithms: ['^ghcr\\.io/x$', 'null'], "
                   "allow_basics_algorithm: false}\n"
                   "node_extra_env: {B: 1, A: 'on', C: 2.5, D: null, E: 1e+30}\n";
    char *text = NULL;
    cr_assert_eq(v6n_config_render(&text, &v), V6N_OK, "%s", v6n_error_last()->message);

    char path[1100];
    snprintf(path, sizeof(path), "%s/ours.yaml", dir);
    cr_assert_eq(write_text(path, text), 0);
    char *argv[] = {"/usr/bin/env",
                    "python3",
                    "-c",
                    "import sys, yaml\n"
                    "d = yaml.safe_load(open(sys.argv[1], encoding='utf-8'))\n"
                    "sys.stdout.write(yaml.dump(d, default_flow_style=False))\n",
                    path,
                    NULL};
    char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", NULL};
    run_result r;
    cr_assert_eq(run_program(&r, argv, envp, NULL, 60.0), 0);
    cr_assert_eq(r.exit_code, 0, "python3 with PyYAML is needed: %s", r.err);
    cr_expect_str_eq(text, r.out);
    /* and it means what was given */
    cr_expect(strstr(text, "api_key: 'yes'\n"), "%s", text);
    cr_expect(strstr(text, "port: '5000'\n"), "%s", text);
    run_result_free(&r);
    v6n_free(text);
}

Test(config_write, create_writes_0600_and_loads)
{
    umask(0);
    v6n_config_values v = basic();
    char *path = NULL;
    cr_assert_eq(v6n_config_create(&path, &v), V6N_OK, "%s", v6n_error_last()->message);
    char expected[1100];
    snprintf(expected, sizeof(expected), "%s/.config/vantage6/node/alpha.yaml", home);
    cr_expect_str_eq(path, expected);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
    umask(022);
    /* only the config in its folder: no temporary file left */
    cr_expect_str_eq(listing(dir), "home ");
    char folder[1100];
    snprintf(folder, sizeof(folder), "%s/.config/vantage6/node", home);
    cr_expect_str_eq(listing(folder), "alpha.yaml ");

    v6n_config *c = NULL;
    cr_assert_eq(v6n_config_load_name(&c, "alpha", V6N_SCOPE_USER, NULL), V6N_OK, "%s",
                 v6n_error_last()->message);
    cr_expect_str_eq(v6n_config_get(c, "api_key"), "k-123");
    cr_expect_str_eq(v6n_config_get(c, "server_url"), "https://v6.example.org");
    cr_expect_str_eq(v6n_config_get(c, "encryption.enabled"), "False");
    v6n_config_free(c);
    v6n_free(path);
}

/* new -> spec: the config builds a node (a csv that exists, a key that exists). */
Test(config_write, round_trip_builds_a_spec)
{
    char csv[1100], key[1100];
    snprintf(csv, sizeof(csv), "%s/data/cohort.csv", dir);
    snprintf(key, sizeof(key), "%s/keys/node.pem", dir);
    cr_assert_eq(write_text(csv, "id\n1\n"), 0);
    cr_assert_eq(write_text(key, "KEY\n"), 0);
    v6n_config_values v = basic();
    v6n_database dbs[] = {{"default", "data/cohort.csv", "csv", "ro"},
                          {"pg", "postgresql://u:pw@db/x", "sql", NULL}};
    v.databases = dbs;
    v.database_count = 2;
    v.encryption = 1;
    v.private_key = "keys/node.pem";
    v.working_dir = dir; /* relative paths typed here mean paths from here */
    char *path = NULL;
    cr_assert_eq(v6n_config_create(&path, &v), V6N_OK, "%s", v6n_error_last()->message);
    v6n_config *c = NULL;
    cr_assert_eq(v6n_config_load(&c, path), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_config_database_uri(c, 0), csv);
    cr_expect_str_eq(v6n_config_get(c, "encryption.private_key"), key);
    cr_expect_str_eq(v6n_config_get(c, "databases[0].mount_mode"), "ro");
    v6n_node_spec *spec = NULL;
    v6n_start_options o = V6N_START_OPTIONS_INIT;
    o.working_dir = "/"; /* the paths are absolute: any working directory will do */
    cr_assert_eq(v6n_node_spec_build(&spec, c, &o), V6N_OK, "%s", v6n_error_last()->message);
    bool key_bound = false, csv_bound = false;
    for (size_t i = 0; i < v6n_node_spec_bind_count(spec); i++) {
        const char *b = v6n_node_spec_bind(spec, i);
        key_bound = key_bound || strstr(b, ":/mnt/private_key.pem:ro");
        csv_bound = csv_bound || strstr(b, ":/mnt/default.csv:ro");
    }
    cr_expect(key_bound && csv_bound);
    v6n_node_spec_free(spec);
    v6n_config_free(c);
    v6n_free(path);

    /* without working_dir the values are written as given */
    v.working_dir = NULL;
    v.name = "beta";
    char *text = NULL;
    cr_assert_eq(v6n_config_render(&text, &v), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect(strstr(text, "  uri: data/cohort.csv\n"), "%s", text);
    cr_expect(strstr(text, "  private_key: keys/node.pem\n"), "%s", text);
    v6n_free(text);
}

/* Refused: the error, its key path, and no file (not even the folder). */
static void refused(v6n_config_values *v, int code, const char *key, const char *needle)
{
    char *path = (char *)"untouched";
    int rc = v6n_config_create(&path, v);
    const v6n_error *e = v6n_error_last();
    cr_assert_eq(rc, code, "expected %s, got %s: %s", v6n_error_code_name(code),
                 v6n_error_code_name(rc), e->message);
    cr_expect_null(path);
    if (key) {
        cr_expect_str_eq(e->key, key);
        cr_expect(strstr(e->message, key), "message lacks the key %s: %s", key, e->message);
    }
    if (needle)
        cr_expect(strstr(e->message, needle), "message lacks '%s': %s", needle, e->message);
    cr_expect(!strstr(e->message, "k-123"), "the API key shows: %s", e->message);
    cr_expect_str_eq(listing(dir), "", "something was written: %s", listing(dir));
}

Test(config_write, bad_values_refused_with_the_key)
{
    v6n_config_values v = basic();
    v6n_database dbs[2] = {{"default", "/x.csv", "csv", NULL},
                           {"pg", "postgresql://x", "sql", NULL}};
    v.databases = dbs;
    v.database_count = 2;

    dbs[0].label = "1bad";
    refused(&v, V6N_ECONFIG, "databases[0].label", "'1bad'");
    dbs[0].label = "pg";
    refused(&v, V6N_ECONFIG, "databases[1].label", "duplicate");
    dbs[0].label = "default";
    dbs[1].mount_mode = "ro";
    refused(&v, V6N_ECONFIG, "databases[1].mount_mode", "only supported for file");
    dbs[1].mount_mode = "fast";
    refused(&v, V6N_ECONFIG, "databases[1].mount_mode", "'fast'");
    dbs[1].mount_mode = NULL;
    dbs[1].type = NULL;
    refused(&v, V6N_ECONFIG, "databases[1].type", "required");
    dbs[1].type = "sql";

    v.port = "abc";
    refused(&v, V6N_ECONFIG, "port", "'abc'");
    v.port = NULL;
    v.log_level = "NOTSET"; /* the wizard offers it, the validator refuses it */
    refused(&v, V6N_ECONFIG, "logging.level", "NOTSET");
    v.log_level = NULL;
    v.extra_yaml = "port: 5000\n";
    refused(&v, V6N_ECONFIG, "port", "extra_yaml");
    v.extra_yaml = "node_extra_env: {PRIVATE_KEY: x}\n";
    refused(&v, V6N_ECONFIG, "node_extra_env.PRIVATE_KEY", "overwrite");
    v.extra_yaml = "node_extra_mounts: /x:/y\n";
    refused(&v, V6N_ECONFIG, "node_extra_mounts", NULL);
    v.extra_yaml = "[a, b]\n";
    refused(&v, V6N_ECONFIG, "extra_yaml", "mapping");
    v.extra_yaml = "a: [\n";
    refused(&v, V6N_ECONFIG, NULL, "invalid YAML");
    v.extra_yaml = NULL;
    v.api_key = "";
    refused(&v, V6N_ECONFIG, "api_key", "required");
    v.api_key = "k-123";
    v.server_url = NULL;
    refused(&v, V6N_ECONFIG, "server_url", "required");
    v.server_url = "https://x";
    v.name = "a b";
    refused(&v, V6N_ECONFIG, "name", "'a b'");
    v.name = NULL;
    refused(&v, V6N_ECONFIG, "name", "required");
    v.name = "alpha";
    v.scope = (v6n_scope)7;
    refused(&v, V6N_EINVAL, "scope", NULL);
    v.scope = V6N_SCOPE_USER;
    v.version = 99;
    refused(&v, V6N_EINVAL, "version", NULL);
}

Test(config_write, existing_config_kept_unless_forced)
{
    v6n_config_values v = basic();
    char *path = NULL;
    cr_assert_eq(v6n_config_create(&path, &v), V6N_OK, "%s", v6n_error_last()->message);
    cr_assert_eq(write_text(path, "# mine\napi_key: old\n"), 0);
    char *first = read_text(path);

    v.api_key = "k-456";
    char *again = NULL;
    int rc = v6n_config_create(&again, &v);
    cr_expect_eq(rc, V6N_ECONFLICT, "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, path), "%s", v6n_error_last()->message);
    cr_expect_null(again);
    char *now = read_text(path);
    cr_expect_str_eq(now, first, "the existing config changed");
    free(now);
    char folder[1100];
    snprintf(folder, sizeof(folder), "%s/.config/vantage6/node", home);
    cr_expect_str_eq(listing(folder), "alpha.yaml ");

    v.force = 1;
    cr_assert_eq(v6n_config_create(&again, &v), V6N_OK, "%s", v6n_error_last()->message);
    now = read_text(path);
    cr_expect(strstr(now, "api_key: k-456\n") && !strstr(now, "# mine"), "%s", now);
    cr_expect_str_eq(listing(folder), "alpha.yaml ");
    free(now);
    free(first);
    v6n_free(again);
    v6n_free(path);
}

/* NAME.yml is the node's config too: `new` by name does not add a NAME.yaml
 * beside it (the loader would then read that one) unless forced. */
Test(config_write, a_yml_config_counts_as_existing)
{
    char folder[1100], yml[1200];
    snprintf(folder, sizeof(folder), "%s/.config/vantage6/node", home);
    snprintf(yml, sizeof(yml), "%s/alpha.yml", folder);
    cr_assert_eq(write_text(yml, "api_key: mine\n"), 0);
    v6n_config_values v = basic();
    char *path = NULL;
    cr_expect_eq(v6n_config_create(&path, &v), V6N_ECONFLICT);
    cr_expect(strstr(v6n_error_last()->message, yml), "%s", v6n_error_last()->message);
    cr_expect_null(path);
    cr_expect_str_eq(listing(folder), "alpha.yml ");
    v.force = 1;
    cr_assert_eq(v6n_config_create(&path, &v), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(listing(folder), "alpha.yaml alpha.yml ");
    v6n_free(path);
}

/* A folder that cannot be made (a file in the way), and a write that fails at
 * its last step (the target is a folder): an error, and no file, no temporary
 * file. */
Test(config_write, unwritable_target_leaves_nothing)
{
    char blocker[1100], conf_dir[1200];
    snprintf(blocker, sizeof(blocker), "%s/blocker", dir);
    cr_assert_eq(write_text(blocker, "a file\n"), 0);
    snprintf(conf_dir, sizeof(conf_dir), "%s/sub", blocker);
    v6n_config_values v = basic();
    v.config_dir = conf_dir;
    char *path = NULL;
    int rc = v6n_config_create(&path, &v);
    cr_expect_eq(rc, V6N_EIO, "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "blocker"), "%s", v6n_error_last()->message);
    cr_expect_str_eq(listing(dir), "blocker ");

    /* the rename is the last step: a folder where the file should go */
    char target[1200], inside[1300];
    snprintf(target, sizeof(target), "%s/conf/alpha.yaml", dir);
    snprintf(inside, sizeof(inside), "%s/keep", target);
    cr_assert_eq(write_text(inside, "x\n"), 0);
    v.config_dir = NULL;
    v.path = target;
    v.name = NULL;
    v.force = 1;
    rc = v6n_config_create(&path, &v);
    cr_expect_eq(rc, V6N_EIO, "%s", v6n_error_last()->message);
    cr_expect_null(path);
    char conf[1200];
    snprintf(conf, sizeof(conf), "%s/conf", dir);
    cr_expect_str_eq(listing(conf), "alpha.yaml ", "a temporary file was left");
    cr_expect_str_eq(listing(target), "keep ");
}

Test(config_write, path_gives_the_name)
{
    char target[1100];
    snprintf(target, sizeof(target), "%s/elsewhere/gamma.yml", dir);
    v6n_config_values v = basic();
    v.name = NULL;
    v.path = target;
    char *path = NULL;
    cr_assert_eq(v6n_config_create(&path, &v), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(path, target);
    char *text = read_text(target);
    cr_expect(strstr(text, "/vantage6/node/gamma\n"), "task_dir of gamma: %s", text);
    free(text);
    v6n_free(path);

    v.name = "delta"; /* not the file's stem */
    v.force = 1;
    cr_expect_eq(v6n_config_create(&path, &v), V6N_ECONFIG);
    cr_expect_str_eq(v6n_error_last()->key, "name");
}

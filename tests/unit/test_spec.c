/* v6n_node_spec_build through the C API: each bad input of contract sections
 * 6, 7 and 8 (code, key, value in the message), the options, the accessors and
 * the rendering. The full expected specs are the fixtures (test_fixtures). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "support.h"

#define HEAD                                                                                       \
    "api_key: k\n"                                                                                 \
    "server_url: %s\n"                                                                             \
    "port: %s\n"                                                                                   \
    "api_path: /api\n"                                                                             \
    "task_dir: /tmp/t\n"                                                                           \
    "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, format: x, "       \
    "datefmt: y}\n"

static char *dir;
static v6n_config *cfg;
static int load_rc; /* the config's own checks happen when it is loaded */
static v6n_node_spec *spec;
static v6n_start_options opts;

static void init(void)
{
    dir = make_temp_dir("spec");
    cr_assert_not_null(dir);
    char home[1024];
    snprintf(home, sizeof(home), "%s/home", dir);
    setenv("HOME", home, 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_DATA_HOME");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("XDG_CONFIG_DIRS");
    unsetenv("XDG_DATA_DIRS");
    cr_assert_eq(v6n_start_options_init(&opts, V6N_START_OPTIONS_VERSION), V6N_OK);
    opts.working_dir = dir;
}

static void fini(void)
{
    v6n_node_spec_free(spec);
    v6n_config_free(cfg);
    spec = NULL;
    cfg = NULL;
    remove_tree(dir);
    free(dir);
}

TestSuite(spec, .init = init, .fini = fini, .timeout = 20);

/* A file under the test's folder. */
static void touch(const char *rel)
{
    char path[2048];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    cr_assert_eq(write_text(path, "x\n"), 0);
}

/* Load a config made of HEAD plus `body` (with server_url/port filled in). */
static void load_full(const char *server_url, const char *port, const char *body)
{
    char text[8192];
    int n = snprintf(text, sizeof(text), HEAD, server_url, port);
    snprintf(text + n, sizeof(text) - (size_t)n, "%s", body);
    char path[2048];
    snprintf(path, sizeof(path), "%s/conf/alpha.yaml", dir);
    cr_assert_eq(write_text(path, text), 0);
    v6n_config_free(cfg);
    cfg = NULL;
    load_rc = v6n_config_load(&cfg, path);
}

static void load(const char *body)
{
    load_full("https://v6.example.org", "443", body);
}

#define SQL_DB  "databases: [{label: default, uri: 'postgresql://a/x', type: sql}]\n"
#define ENC_OFF "encryption: {enabled: false}\n"

static void build_ok(void)
{
    cr_assert_eq(load_rc, V6N_OK, "%s", v6n_error_last()->message);
    int rc = v6n_node_spec_build(&spec, cfg, &opts);
    cr_assert_eq(rc, V6N_OK, "%s", v6n_error_last()->message);
}

/* The config's load, or else the build, fails with `code`, naming `key`. */
static void build_fails(int code, const char *key, const char *needle)
{
    int rc = load_rc ? load_rc : v6n_node_spec_build(&spec, cfg, &opts);
    const v6n_error *e = v6n_error_last();
    cr_assert_eq(rc, code, "expected %s, got %s: %s", v6n_error_code_name(code),
                 v6n_error_code_name(rc), e->message);
    cr_assert_null(spec);
    cr_expect_str_eq(e->key, key);
    cr_expect(strstr(e->message, key), "message lacks key %s: %s", key, e->message);
    if (needle)
        cr_expect(strstr(e->message, needle), "message lacks '%s': %s", needle, e->message);
}

static bool has_env(const char *entry)
{
    for (size_t i = 0; i < v6n_node_spec_env_count(spec); i++)
        if (strcmp(v6n_node_spec_env(spec, i), entry) == 0)
            return true;
    return false;
}

static bool has_bind(const char *entry)
{
    for (size_t i = 0; i < v6n_node_spec_bind_count(spec); i++)
        if (strcmp(v6n_node_spec_bind(spec, i), entry) == 0)
            return true;
    return false;
}

/* ---- section 6 ------------------------------------------------------------ */

Test(spec, private_key_missing_with_encryption_on)
{
    load(SQL_DB "encryption: {enabled: true, private_key: keys/k.pem}\n");
    build_fails(V6N_ECONFIG, "encryption.private_key", "keys/k.pem");
}

Test(spec, private_key_option_missing_with_encryption_on)
{
    load(SQL_DB "encryption: {enabled: true}\n");
    opts.private_key = "/nonexistent/v6n.pem";
    build_fails(V6N_ECONFIG, "private_key", "/nonexistent/v6n.pem");
}

Test(spec, ssh_tunnel_without_key)
{
    load(SQL_DB ENC_OFF "ssh-tunnels: [{hostname: db1, ssh: {host: h}}]\n");
    build_fails(V6N_ECONFIG, "ssh-tunnels[0].ssh.identity.key", "'db1'");
}

Test(spec, ssh_tunnel_key_file_missing)
{
    load(SQL_DB ENC_OFF "ssh-tunnels: [{hostname: db1, ssh: {identity: {key: nope.pem}}}]\n");
    build_fails(V6N_ECONFIG, "ssh-tunnels[0].ssh.identity.key", "nope.pem");
}

Test(spec, ssh_tunnel_hostname_cannot_escape)
{
    touch("k.pem");
    load(SQL_DB ENC_OFF "ssh-tunnels: [{hostname: ../../etc/x, ssh: {identity: {key: k.pem}}}]\n");
    build_fails(V6N_ECONFIG, "ssh-tunnels[0].hostname", "../../etc/x");
}

Test(spec, ssh_tunnel_not_a_mapping)
{
    load(SQL_DB ENC_OFF "ssh-tunnels: [just-a-host]\n");
    build_fails(V6N_ECONFIG, "ssh-tunnels[0]", "a string");
}

Test(spec, colon_in_mount_src)
{
    load(SQL_DB ENC_OFF);
    opts.mount_src = "/src/a:b";
    build_fails(V6N_ECONFIG, "mount_src", "/src/a:b");
}

/* ---- section 7 ------------------------------------------------------------ */

Test(spec, extra_env_invalid_name)
{
    load(SQL_DB ENC_OFF "node_extra_env: {'MY-VAR': x}\n");
    build_fails(V6N_ECONFIG, "node_extra_env.MY-VAR", "'MY-VAR'");
}

Test(spec, extra_env_non_ascii_name)
{
    load(SQL_DB ENC_OFF "node_extra_env: {'VÄR': x}\n");
    build_fails(V6N_ECONFIG, "node_extra_env.VÄR", "not allowed");
}

Test(spec, extra_env_overwrites_a_volume_variable)
{
    load(SQL_DB ENC_OFF "node_extra_env: {SSH_TUNNEL_VOLUME_NAME: mine}\n");
    build_fails(V6N_ECONFIG, "node_extra_env.SSH_TUNNEL_VOLUME_NAME", "cannot overwrite");
}

Test(spec, extra_env_overwrites_a_database_variable)
{
    load(SQL_DB ENC_OFF "node_extra_env: {DEFAULT_DATABASE_URI: x}\n");
    build_fails(V6N_ECONFIG, "node_extra_env.DEFAULT_DATABASE_URI", "cannot overwrite");
}

Test(spec, extra_env_value_must_be_single)
{
    load(SQL_DB ENC_OFF "node_extra_env: {LIST: [1, 2]}\n");
    build_fails(V6N_ECONFIG, "node_extra_env.LIST", "a list");
}

Test(spec, extra_host_with_colon)
{
    load(SQL_DB ENC_OFF "node_extra_hosts: {'evil:host': 1.2.3.4}\n");
    build_fails(V6N_ECONFIG, "node_extra_hosts.evil:host", "evil:host");
}

Test(spec, extra_host_without_address)
{
    load(SQL_DB ENC_OFF "node_extra_hosts: {db: }\n");
    build_fails(V6N_ECONFIG, "node_extra_hosts.db", "null");
}

/* ---- section 8 ------------------------------------------------------------ */

Test(spec, database_label_not_identifier)
{
    load("databases: [{label: 2nd, uri: x, type: sql}]\n" ENC_OFF);
    build_fails(V6N_ECONFIG, "databases[0].label", "'2nd'");
}

Test(spec, database_label_duplicate)
{
    load("databases: [{label: a, uri: x, type: sql}, {label: a, uri: y, type: sql}]\n" ENC_OFF);
    build_fails(V6N_ECONFIG, "databases[1].label", "duplicate");
}

Test(spec, database_mount_mode_unknown)
{
    touch("d.csv");
    load("databases: [{label: a, uri: d.csv, type: csv, mount_mode: readonly}]\n" ENC_OFF);
    build_fails(V6N_ECONFIG, "databases[0].mount_mode", "'readonly'");
}

Test(spec, database_mount_mode_null_is_none)
{
    touch("d.csv");
    load("databases: [{label: a, uri: d.csv, type: csv, mount_mode: }]\n" ENC_OFF);
    build_fails(V6N_ECONFIG, "databases[0].mount_mode", "'None'");
}

Test(spec, database_ro_for_non_file_type)
{
    load("databases: [{label: a, uri: x, type: omop, mount_mode: RO}]\n" ENC_OFF);
    build_fails(V6N_ECONFIG, "databases[0].mount_mode", "'omop'");
}

Test(spec, database_file_missing)
{
    load("databases: [{label: a, uri: missing.parquet, type: parquet}]\n" ENC_OFF);
    build_fails(V6N_ECONFIG, "databases[0].uri", "missing.parquet");
}

Test(spec, database_uri_empty)
{
    load("databases: [{label: a, uri: '', type: sql}]\n" ENC_OFF);
    build_fails(V6N_ECONFIG, "databases[0].uri", "empty");
}

Test(spec, force_db_mount_with_a_url_hides_the_password)
{
    load("databases: [{label: a, uri: 'mysql://root:hunter2@db/x', type: sql}]\n" ENC_OFF);
    opts.force_db_mount = 1;
    build_fails(V6N_ECONFIG, "databases[0].uri", "mysql://root:***@db/x");
    cr_expect_null(strstr(v6n_error_last()->message, "hunter2"));
}

Test(spec, force_db_mount_with_a_volume_name)
{
    load("databases: [{label: a, uri: pgdata, type: sql}]\n" ENC_OFF);
    opts.force_db_mount = 1;
    build_fails(V6N_ECONFIG, "databases[0].uri", "volume name");
}

Test(spec, database_path_with_colon)
{
    touch("odd:name.csv");
    load("databases: [{label: a, uri: 'odd:name.csv', type: csv}]\n" ENC_OFF);
    build_fails(V6N_ECONFIG, "databases[0].uri", "odd:name.csv");
}

Test(spec, relative_database_uri_uses_the_working_dir)
{
    touch("site/d.csv");
    load("databases: [{label: cohort, uri: d.csv, type: csv}]\n" ENC_OFF);
    char site[2048], bind[4096];
    snprintf(site, sizeof(site), "%s/site", dir);
    opts.working_dir = site;
    build_ok();
    snprintf(bind, sizeof(bind), "%s/d.csv:/mnt/cohort.csv", site);
    cr_expect(has_bind(bind), "no bind %s", bind);
    cr_expect(has_env("COHORT_DATABASE_URI=cohort.csv"));
}

/* ---- options -------------------------------------------------------------- */

Test(spec, bad_options_are_einval)
{
    load(SQL_DB ENC_OFF);
    opts.data_volume = "bad/name";
    build_fails(V6N_EINVAL, "data_volume", "bad/name");
    opts.data_volume = NULL;
    opts.scope = (v6n_scope)7;
    build_fails(V6N_EINVAL, "scope", NULL);
    opts.scope = V6N_SCOPE_USER;
    opts.version = 99;
    build_fails(V6N_EINVAL, "version", "99");
    opts.version = V6N_START_OPTIONS_VERSION;
    opts.docker_socket = "relative.sock";
    build_fails(V6N_EINVAL, "docker_socket", "relative.sock");
    opts.docker_socket = NULL;
    v6n_path_map map = {"relative", "/host"};
    opts.path_map = &map;
    opts.path_map_len = 1;
    build_fails(V6N_EINVAL, "path_map", NULL);
    opts.path_map_len = 0;
    opts.server_version = "not a version";
    build_fails(V6N_EINVAL, "server_version", "not a version");
    cr_expect_eq(v6n_node_spec_build(NULL, cfg, &opts), V6N_EINVAL);
    cr_expect_eq(v6n_start_options_init(&opts, V6N_START_OPTIONS_VERSION + 1), V6N_EINVAL);
}

Test(spec, null_options_mean_defaults)
{
    load(SQL_DB ENC_OFF);
    cr_assert_eq(v6n_node_spec_build(&spec, cfg, NULL), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_node_spec_container_name(spec), "vantage6-alpha-user");
    cr_expect(v6n_node_spec_auto_remove(spec));
}

Test(spec, host_path_map_matches_whole_components)
{
    touch("data/d.csv");
    touch("database/e.csv");
    load("databases: [{label: d, uri: data/d.csv, type: csv}, "
         "{label: e, uri: database/e.csv, type: csv}]\n" ENC_OFF);
    char local[2048];
    snprintf(local, sizeof(local), "%s/data", dir);
    v6n_path_map map = {local, "/host/data"};
    opts.path_map = &map;
    opts.path_map_len = 1;
    build_ok();
    cr_expect(has_bind("/host/data/d.csv:/mnt/d.csv"));
    char unmapped[4096];
    snprintf(unmapped, sizeof(unmapped), "%s/database/e.csv:/mnt/e.csv", dir);
    cr_expect(has_bind(unmapped), "a prefix must match whole components: %s", unmapped);
}

Test(spec, accessors)
{
    load(SQL_DB ENC_OFF);
    opts.scope = V6N_SCOPE_SYSTEM;
    opts.keep = 1;
    opts.ssh_volume = "custom-ssh";
    build_ok();
    cr_expect_str_eq(v6n_node_spec_node_name(spec), "alpha");
    cr_expect_str_eq(v6n_node_spec_container_name(spec), "vantage6-alpha-system");
    cr_expect_eq(v6n_node_spec_scope(spec), V6N_SCOPE_SYSTEM);
    cr_expect_eq(v6n_node_spec_auto_remove(spec), 0);
    cr_expect_str_eq(v6n_node_spec_image(spec), "ghcr.io/vantage6/infrastructure/node:cotopaxi");
    cr_expect_str_eq(v6n_node_spec_vantage6_version(spec), "4.15");
    cr_expect_eq(v6n_node_spec_image_rule(spec), V6N_IMAGE_DEFAULT);
    cr_expect_str_eq(v6n_node_spec_volume(spec, V6N_VOLUME_DATA), "vantage6-alpha-system-vol");
    cr_expect_str_eq(v6n_node_spec_volume(spec, V6N_VOLUME_SSH), "custom-ssh");
    cr_expect_null(v6n_node_spec_volume(spec, (v6n_volume_kind)4));
    cr_expect(has_env("SSH_TUNNEL_VOLUME_NAME=custom-ssh"));
    cr_expect_eq(v6n_node_spec_argc(spec), 8);
    cr_expect_str_eq(v6n_node_spec_argv(spec, 7), "--system");
    cr_expect_null(v6n_node_spec_argv(spec, 8));
    cr_expect_eq(v6n_node_spec_label_count(spec), 3);
    cr_expect_str_eq(v6n_node_spec_label_key(spec, 1), "system");
    cr_expect_str_eq(v6n_node_spec_label_value(spec, 1), "True");
    cr_expect_eq(v6n_node_spec_extra_host_count(spec), 0);
    cr_expect_null(v6n_node_spec_extra_host(spec, 0));
    cr_expect_str_eq(v6n_node_spec_data_dir(spec), "/usr/local/share/vantage6/node/alpha");
    cr_expect_str_eq(v6n_node_spec_log_dir(spec), "/usr/local/share/vantage6/node/alpha");
    cr_expect_str_eq(v6n_node_spec_log_file(spec),
                     "/usr/local/share/vantage6/node/alpha/node_system.log");
    cr_expect_null(v6n_node_spec_log_file(NULL));
    char conf[2048];
    snprintf(conf, sizeof(conf), "%s/conf", dir);
    cr_expect_str_eq(v6n_node_spec_config_dir(spec), conf);
    cr_expect_null(v6n_node_spec_image(NULL));
    cr_expect_eq(v6n_node_spec_env_count(NULL), 0);
}

Test(spec, image_rules)
{
    load(SQL_DB ENC_OFF "images: {node: reg/node:1}\n");
    opts.image = "other/node:2";
    build_ok();
    cr_expect_str_eq(v6n_node_spec_image(spec), "other/node:2");
    cr_expect_eq(v6n_node_spec_image_rule(spec), V6N_IMAGE_FROM_OPTION);
    v6n_node_spec_free(spec);
    spec = NULL;
    opts.image = "";
    build_ok();
    cr_expect_eq(v6n_node_spec_image_rule(spec), V6N_IMAGE_FROM_CONFIG);
    cr_expect_str_eq(v6n_image_rule_describe(V6N_IMAGE_FROM_CONFIG),
                     "images.node in the node config");
}

Test(spec, server_version_rule_can_be_disabled)
{
    load(SQL_DB ENC_OFF);
    opts.server_version = "4.13.2";
    opts.no_server_version = 1;
    build_ok();
    cr_expect_eq(v6n_node_spec_image_rule(spec), V6N_IMAGE_DEFAULT);
}

Test(spec, server_version_url_as_vantage6_builds_it)
{
    struct {
        const char *url, *port, *expected;
    } cases[] = {
        {"http://host.docker.internal", "7601", "http://localhost:7601/api/version"},
        {"http://172.17.0.1", "5000", "http://localhost:5000/api/version"},
        {"https://v6.example.org", "~", "https://v6.example.org/api/version"},
        {"https://v6.example.org", "0", "https://v6.example.org/api/version"},
        {"https://v6.example.org", "'443'", "https://v6.example.org:443/api/version"},
        {"http://host.docker.internal/", "7601", "http://host.docker.internal/:7601/api/version"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        load_full(cases[i].url, cases[i].port, SQL_DB ENC_OFF);
        build_ok();
        cr_expect_str_eq(v6n_node_spec_server_version_url(spec), cases[i].expected);
        v6n_node_spec_free(spec);
        v6n_config_free(cfg);
        spec = NULL;
        cfg = NULL;
    }
}

Test(spec, create_body_is_the_create_member_of_the_dry_run)
{
    load(SQL_DB ENC_OFF);
    build_ok();
    char *body = NULL, *dry = NULL;
    cr_assert_eq(v6n_node_spec_create_json(&body, spec), V6N_OK);
    cr_assert_eq(v6n_node_spec_json(&dry, spec), V6N_OK);
    const char *head = "{\"name\":\"vantage6-alpha-user\",\"image\":";
    cr_expect(strncmp(dry, head, strlen(head)) == 0, "%s", dry);
    char *inner = strstr(dry, "\"create\":");
    cr_assert_not_null(inner);
    inner += strlen("\"create\":");
    cr_expect_eq(strncmp(inner, body, strlen(body)), 0);
    cr_expect_str_eq(inner + strlen(body), "}");
    v6n_free(body);
    v6n_free(dry);
}

Test(spec, invalid_utf8_is_refused_when_rendering)
{
    load(SQL_DB ENC_OFF);
    opts.docker_socket = "/run/\xff\xfe.sock";
    build_ok();
    char *body = NULL;
    cr_expect_eq(v6n_node_spec_create_json(&body, spec), V6N_ECONFIG);
    cr_expect_null(body);
    cr_expect(strstr(v6n_error_last()->message, "UTF-8"));
}

Test(spec, spec_build_changes_nothing_on_disk)
{
    load(SQL_DB ENC_OFF);
    build_ok();
    cr_expect(!v6n_path_exists(v6n_node_spec_data_dir(spec)), "spec build created the data dir");
    cr_expect(!v6n_path_exists(v6n_node_spec_log_dir(spec)), "spec build created the log dir");
}

/* ---- release lines (contract section 0) ------------------------------------ */

static void refused(const char *version, const char *needle)
{
    opts.vantage6_version = version;
    build_fails(V6N_EINVAL, "vantage6_version", needle);
    cr_expect_eq(v6n_vantage6_version_check(version), V6N_EINVAL, "%s", version);
    cr_expect(strstr(v6n_error_last()->message, needle), "%s", v6n_error_last()->message);
}

Test(spec, unknown_releases_are_refused_with_the_reason)
{
    load(SQL_DB ENC_OFF);
    refused("5.0", "Helm release on Kubernetes");
    refused("5.0.1", "Helm release on Kubernetes");
    refused("3.11.1", "3.x and older use another config layout");
    refused("4.9", "accept a missing file-based database");
    refused("4.5.5", "end a start on any failed pull");
    refused("4.2", "mount the log folder elsewhere");
    refused("4.0.3", "no v6 command");
    refused("4.16", "not a release line libv6node knows");
    refused("4.15.3", "the 4.15 line has 4.15.0, 4.15.1, 4.15.2");
    refused("4.15.2rc1", "not a release libv6node knows");
    refused("four", "is not a vantage6 version");
    refused("4", "is not a vantage6 version");
    refused("4.", "is not a vantage6 version");
}

Test(spec, each_release_line_builds_its_own_container)
{
    load(SQL_DB "encryption: {enabled: false, private_key: /etc/os-release}\n");
    const char *lines[] = {"4.15", "4.15.2", "4.14", "4.14.0", "4.13.7", "4.12", "4.11", "4.10.0"};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        opts.vantage6_version = lines[i];
        cr_expect_eq(v6n_vantage6_version_check(lines[i]), V6N_OK, "%s", lines[i]);
        v6n_node_spec_free(spec);
        spec = NULL;
        build_ok();
        bool is_415 = strncmp(lines[i], "4.15", 4) == 0;
        bool is_414 = strncmp(lines[i], "4.14", 4) == 0;
        char line[8];
        snprintf(line, sizeof(line), "%.4s", lines[i]);
        cr_expect_str_eq(v6n_node_spec_vantage6_version(spec), line);
        cr_expect_str_eq(v6n_node_spec_image(spec),
                         is_415 ? "ghcr.io/vantage6/infrastructure/node:cotopaxi"
                                : "harbor2.vantage6.ai/infrastructure/node:cotopaxi",
                         "%s", lines[i]);
        char config_bind[4096];
        if (is_415)
            snprintf(config_bind, sizeof(config_bind),
                     "%s/conf/alpha.yaml:/mnt/config/alpha.yaml:ro", dir);
        else
            snprintf(config_bind, sizeof(config_bind), "%s/conf:/mnt/config%s", dir,
                     is_414 ? ":ro" : "");
        cr_expect(has_bind(config_bind), "%s: no %s", lines[i], config_bind);
        cr_expect(has_bind(is_415 || is_414 ? "/etc/os-release:/mnt/private_key.pem:ro"
                                            : "/etc/os-release:/mnt/private_key.pem"),
                  "%s: private key mode", lines[i]);
    }
}

Test(spec, the_default_release_is_the_newest)
{
    load(SQL_DB ENC_OFF);
    build_ok();
    cr_expect_str_eq(v6n_node_spec_vantage6_version(spec), v6n_vantage6_release_line(0));
    cr_expect_str_eq(V6N_VANTAGE6_VERSION, "4.15.2");
    cr_expect_str_eq(v6n_vantage6_release_line(0), "4.15");
    size_t n = 0;
    while (v6n_vantage6_release_line(n))
        n++;
    cr_expect_eq(n, 6, "4.15 to 4.10");
}

Test(spec, a_yml_config_is_mounted_as_name_yaml_by_4_15)
{
    char path[2048];
    snprintf(path, sizeof(path), "%s/conf/beta.yml", dir);
    char text[4096];
    snprintf(text, sizeof(text), HEAD SQL_DB ENC_OFF, "https://v6.example.org", "443");
    cr_assert_eq(write_text(path, text), 0);
    cr_assert_eq(v6n_config_load(&cfg, path), V6N_OK, "%s", v6n_error_last()->message);
    build_ok();
    char bind[4096];
    snprintf(bind, sizeof(bind), "%s:/mnt/config/beta.yaml:ro", path);
    cr_expect(has_bind(bind), "%s", bind);
    cr_expect_str_eq(v6n_node_spec_argv(spec, 3), "/mnt/config/beta.yaml");
    /* 4.14 mounts the folder: the command names the real file (our deviation;
     * 4.14 hard-codes .yaml and the node cannot find its config) */
    opts.vantage6_version = "4.14";
    v6n_node_spec_free(spec);
    spec = NULL;
    build_ok();
    cr_expect_str_eq(v6n_node_spec_argv(spec, 3), "/mnt/config/beta.yml");
}

Test(spec, mount_mode_is_read_from_4_14_on)
{
    touch("data/d.csv");
    load("databases: [{label: d, uri: data/d.csv, type: csv, mount_mode: ro},"
         " {label: s, uri: 'postgresql://a/x', type: sql, mount_mode: whatever}]\n" ENC_OFF);
    opts.vantage6_version = "4.13";
    build_ok();
    char bind[4096];
    snprintf(bind, sizeof(bind), "%s/data/d.csv:/mnt/d.csv", dir);
    cr_expect(has_bind(bind), "4.13 ignores mount_mode: %s", bind);
    opts.vantage6_version = "4.14";
    v6n_node_spec_free(spec);
    spec = NULL;
    build_fails(V6N_ECONFIG, "databases[1].mount_mode", "whatever");
}

Test(spec, auto_takes_the_line_of_a_known_server_version)
{
    load(SQL_DB ENC_OFF);
    opts.vantage6_version = "auto";
    opts.server_version = "4.13.2";
    build_ok();
    cr_expect_str_eq(v6n_node_spec_vantage6_version(spec), "4.13");
    cr_expect_str_eq(v6n_node_spec_image(spec), "harbor2.vantage6.ai/infrastructure/node:4.13");
    v6n_node_spec_free(spec);
    spec = NULL;
    opts.server_version = "4.9.1";
    build_fails(V6N_EINVAL, "server_version", "4.6-4.9 accept a missing file-based database");
    /* without a server version, the default until the start asks the server */
    opts.server_version = NULL;
    build_ok();
    cr_expect_str_eq(v6n_node_spec_vantage6_version(spec), "4.15");
}

/* ---- v6n_node_log_tail: the end of the node's own log file -------------------- */

/* Build the spec with the log folder in the test's folder; returns the log file. */
static const char *spec_with_log_dir(void)
{
    static char logs[2048];
    snprintf(logs, sizeof(logs), "%s/logs", dir);
    load(SQL_DB ENC_OFF);
    opts.log_dir = logs;
    build_ok();
    char want[2100];
    snprintf(want, sizeof(want), "%s/node_user.log", logs);
    cr_assert_str_eq(v6n_node_spec_log_file(spec), want);
    return v6n_node_spec_log_file(spec);
}

static char *tail_of(size_t lines)
{
    char *out = NULL;
    cr_assert_eq(v6n_node_log_tail(&out, spec, lines), V6N_OK, "%s", v6n_error_last()->message);
    return out;
}

Test(spec, log_tail_gives_the_last_lines)
{
    const char *file = spec_with_log_dir();
    char text[1024] = "";
    for (int i = 1; i <= 30; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "line %d\n", i);
    cr_assert_eq(write_text(file, text), 0);
    char *out = tail_of(3);
    cr_expect_str_eq(out, "line 28\nline 29\nline 30\n");
    v6n_free(out);
    out = tail_of(100); /* fewer lines than asked: all of them */
    cr_expect_str_eq(out, text);
    v6n_free(out);
    out = tail_of(0);
    cr_expect_str_eq(out, "");
    v6n_free(out);
}

Test(spec, log_tail_of_a_last_line_without_newline_and_blank_end)
{
    const char *file = spec_with_log_dir();
    cr_assert_eq(write_text(file, "a\nb\nc"), 0);
    char *out = tail_of(2);
    cr_expect_str_eq(out, "b\nc\n");
    v6n_free(out);
    cr_assert_eq(write_text(file, "a\nb\n\n\n"), 0); /* trailing empty lines are no lines */
    out = tail_of(1);
    cr_expect_str_eq(out, "b\n");
    v6n_free(out);
    cr_assert_eq(write_text(file, ""), 0);
    out = tail_of(5);
    cr_expect_str_eq(out, "");
    v6n_free(out);
}

Test(spec, log_tail_reads_only_the_end_of_a_big_file)
{
    const char *file = spec_with_log_dir();
    cr_assert_eq(write_text(file, ""), 0); /* its folder */
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 20000; i++) /* about 580 KiB */
        fprintf(f, "2026-12-04 10:00:00 - node - INFO - line number %05d\n", i);
    fclose(f);
    char *out = tail_of(2);
    cr_expect_str_eq(out, "2026-12-04 10:00:00 - node - INFO - line number 19998\n"
                          "2026-12-04 10:00:00 - node - INFO - line number 19999\n");
    v6n_free(out);
    out = tail_of(100000); /* the whole 64 KiB window, whole lines only */
    cr_expect(strncmp(out, "2026-12-04 10:00:00 - node - INFO - line number ", 48) == 0, "%.80s",
              out);
    cr_expect(strlen(out) <= 64 * 1024);
    v6n_free(out);
}

Test(spec, log_tail_without_a_log_file)
{
    spec_with_log_dir();
    char *out = (char *)"untouched";
    cr_expect_eq(v6n_node_log_tail(&out, spec, 5), V6N_ENOTFOUND);
    cr_expect_null(out);
    cr_expect(strstr(v6n_error_last()->message, "node_user.log"), "%s", v6n_error_last()->message);
    cr_expect_eq(v6n_node_log_tail(NULL, spec, 5), V6N_EINVAL);
    cr_expect_eq(v6n_node_log_tail(&out, NULL, 5), V6N_EINVAL);
}

/* The node fixture of the engine tests: see node_fixture.h. */
#define _GNU_SOURCE
#include "node_fixture.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

nodefx fx;

static const char *const VOLUME_SUFFIXES[] = {"vol", "vpn-vol", "ssh-vol", "squid-vol"};

void nodefx_init(void)
{
    static int counter;
    memset(&fx, 0, sizeof(fx));
    snprintf(fx.node, sizeof(fx.node), "v6ntest-%d-%ld-%d", (int)getpid(),
             (long)time(NULL) % 100000, ++counter);
    snprintf(fx.container, sizeof(fx.container), "vantage6-%s-user", fx.node);
    fx.dir = make_temp_dir("engine");
    cr_assert_not_null(fx.dir);
    char home[1024];
    snprintf(home, sizeof(home), "%s/home", fx.dir);
    setenv("HOME", home, 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_DATA_HOME");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("XDG_CONFIG_DIRS");
    unsetenv("XDG_DATA_DIRS");
    cr_assert_eq(v6n_client_new(&fx.client, NULL), V6N_OK, "%s", v6n_error_last()->message);
    v6n_start_options_init(&fx.opts, V6N_START_OPTIONS_VERSION);
    fx.opts.image = STANDIN;
    fx.opts.pull = V6N_PULL_MISSING;
    fx.opts.working_dir = fx.dir;
}

static void quiet_docker(const char *a, const char *b, const char *c)
{
    run_result r = docker_cli(a, b, c, NULL);
    run_result_free(&r);
}

void nodefx_fini(void)
{
    quiet_docker("rm", "-f", fx.container);
    for (size_t i = 0; i < 4; i++)
        if (fx.extra_names[i][0])
            quiet_docker("rm", "-f", fx.extra_names[i]);
    for (size_t i = 0; i < 4; i++) {
        char vol[160];
        snprintf(vol, sizeof(vol), "%s-%s", fx.container, VOLUME_SUFFIXES[i]);
        quiet_docker("volume", "rm", vol);
        if (fx.extra_volumes[i][0])
            quiet_docker("volume", "rm", fx.extra_volumes[i]);
    }
    for (size_t i = 0; i < 2; i++)
        if (fx.extra_images[i][0])
            quiet_docker("rmi", fx.extra_images[i], NULL);
    stop_server(fx.server_pid);
    v6n_free(fx.cid);
    v6n_node_spec_free(fx.spec);
    v6n_node_free(fx.handle);
    v6n_config_free(fx.cfg);
    v6n_client_free(fx.client);
    v6n_start_options_dispose(&fx.opts); /* strings a test set with v6n_start_options_set */
    remove_tree(fx.dir);
    free(fx.dir);
    memset(&fx, 0, sizeof(fx));
}

void nodefx_config_path(char *out, size_t size)
{
    snprintf(out, size, "%s/conf/%s.yaml", fx.dir, fx.node);
}

void nodefx_write_config(const char *fmt, ...)
{
    char body[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);
    char text[8192], path[2048];
    snprintf(text, sizeof(text),
             "api_key: k\ntask_dir: /tmp/t\n"
             "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, "
             "format: x, datefmt: y}\n"
             "%s",
             body);
    nodefx_config_path(path, sizeof(path));
    cr_assert_eq(write_text(path, text), 0);
    v6n_config_free(fx.cfg);
    fx.cfg = NULL;
    cr_assert_eq(v6n_config_load(&fx.cfg, path), V6N_OK, "%s", v6n_error_last()->message);
}

void nodefx_typical_config(void)
{
    char csv[2048], key[2048];
    snprintf(csv, sizeof(csv), "%s/data/cohort.csv", fx.dir);
    cr_assert_eq(write_text(csv, "id,age\n1,40\n"), 0);
    snprintf(key, sizeof(key), "%s/home/.local/share/vantage6/node/%s/private_key.pem", fx.dir,
             fx.node);
    cr_assert_eq(write_text(key, "KEY\n"), 0);
    nodefx_write_config("server_url: https://v6.example.org\nport: 443\napi_path: /api\n"
                        "databases:\n"
                        "  - label: default\n    uri: data/cohort.csv\n    type: csv\n"
                        "  - label: registry\n    uri: postgresql://u:pw@db.example.org/r\n"
                        "    type: sql\n"
                        "encryption: {enabled: true}\n"
                        "node_extra_env: {SITE: test-site, LEVEL: 3}\n"
                        "node_extra_hosts: {db.example.org: 127.0.0.1}\n");
}

void nodefx_build(void)
{
    v6n_node_spec_free(fx.spec);
    fx.spec = NULL;
    cr_assert_eq(v6n_node_spec_build(&fx.spec, fx.cfg, &fx.opts), V6N_OK, "%s",
                 v6n_error_last()->message);
    v6n_node_free(fx.handle);
    fx.handle = NULL;
    cr_assert_eq(v6n_node_open_config(&fx.handle, v6n_config_path(fx.cfg), &fx.opts), V6N_OK, "%s",
                 v6n_error_last()->message);
}

void nodefx_start_ok(void)
{
    nodefx_build();
    v6n_free(fx.cid);
    fx.cid = NULL;
    int rc = v6n_spec_start(&fx.cid, fx.client, fx.spec, &fx.opts);
    cr_assert_eq(rc, V6N_OK, "start failed: %s", v6n_error_last()->message);
    cr_assert_not_null(fx.cid);
}

void nodefx_start_node_ok(void)
{
    nodefx_build();
    v6n_free(fx.cid);
    fx.cid = NULL;
    int rc = v6n_node_start(&fx.cid, fx.handle, fx.client);
    cr_assert_eq(rc, V6N_OK, "start failed: %s", v6n_error_last()->message);
    cr_assert_not_null(fx.cid);
}

int nodefx_stop(const v6n_stop_options *opts)
{
    if (!fx.handle)
        nodefx_build();
    return v6n_node_stop(fx.handle, fx.client, opts);
}

int nodefx_stop_named(v6n_client *client, const char *name, const v6n_stop_options *opts)
{
    v6n_node *node = NULL;
    int rc = v6n_node_open(&node, name, NULL);
    if (!rc)
        rc = v6n_node_stop(node, client, opts);
    v6n_node_free(node);
    return rc;
}

int nodefx_remove(v6n_event_cb cb, void *payload)
{
    if (!fx.handle)
        nodefx_build();
    v6n_callbacks callbacks = {.on_event = cb, .payload = payload};
    v6n_node_set_callbacks(fx.handle, &callbacks);
    return v6n_node_remove(fx.handle, fx.client);
}

int nodefx_start_fails(void)
{
    nodefx_build();
    char *id = NULL;
    int rc = v6n_spec_start(&id, fx.client, fx.spec, &fx.opts);
    cr_assert_neq(rc, V6N_OK, "start unexpectedly succeeded");
    cr_assert_null(id);
    return rc;
}

char *nodefx_inspect(const char *kind, const char *name, const char *format)
{
    run_result r = kind ? docker_cli(kind, "inspect", "-f", format, name, NULL)
                        : docker_cli("inspect", "-f", format, name, NULL);
    char *out = NULL;
    if (r.exit_code == 0) {
        out = strdup(r.out);
        out[strcspn(out, "\n")] = '\0';
    }
    run_result_free(&r);
    return out;
}

bool nodefx_container_exists(const char *name)
{
    char *s = nodefx_inspect(NULL, name, "{{.Id}}");
    free(s);
    return s != NULL;
}

bool nodefx_volume_exists(const char *name)
{
    char *s = nodefx_inspect("volume", name, "{{.Name}}");
    free(s);
    return s != NULL;
}

int nodefx_volumes_present(void)
{
    int n = 0;
    for (size_t i = 0; i < 4; i++) {
        char vol[160];
        snprintf(vol, sizeof(vol), "%s-%s", fx.container, VOLUME_SUFFIXES[i]);
        n += nodefx_volume_exists(vol);
    }
    return n;
}

char *nodefx_wait_for_log(const char *name, const char *needle, double seconds)
{
    for (int i = 0; i < (int)(seconds * 10); i++) {
        run_result r = docker_cli("logs", name, NULL);
        if (r.exit_code == 0 && strstr(r.out, needle)) {
            char *out = strdup(r.out);
            run_result_free(&r);
            return out;
        }
        run_result_free(&r);
        usleep(100000);
    }
    run_result r = docker_cli("logs", name, NULL);
    cr_log_error("logs of %s: %s%s", name, r.out, r.err);
    run_result_free(&r);
    return NULL;
}

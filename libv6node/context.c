/* Engines named by Docker contexts (`docker context create`), so that each
 * engine brings its own address and TLS material.
 *
 * The docker CLI keeps a context NAME in its config folder ($DOCKER_CONFIG,
 * else ~/.docker) as
 *   contexts/meta/<id>/meta.json   {"Name": NAME, "Endpoints": {"docker":
 *                                   {"Host": "tcp://...", "SkipTLSVerify": false}}}
 *   contexts/tls/<id>/docker/      ca.pem, cert.pem, key.pem (when it has TLS)
 * where <id> is the SHA-256 of the name. We find the context by the Name in
 * each meta.json, so no hashing is needed. The context "default" is the
 * environment (DOCKER_HOST and friends), as for the docker CLI.
 *
 * docker-py's from_env, and so `v6 node start`, ignores contexts: they are
 * used only when asked for by name (v6node --context).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The docker CLI's config folder; NULL on OOM. */
static char *docker_config_dir(void)
{
    const char *dir = getenv("DOCKER_CONFIG");
    return (dir && *dir) ? v6n_strdup(dir) : v6n_home_docker_dir();
}

/* The meta.json tree of context `name` and its folder id; V6N_ENOTFOUND when
 * there is none. */
static int find_context(const char *meta_dir, const char *name, yajl_val *out, char **id)
{
    *out = NULL;
    *id = NULL;
    DIR *d = opendir(meta_dir);
    if (!d)
        return v6n_err(V6N_ENOTFOUND, "context", "no Docker context '%s': %s does not exist", name,
                       meta_dir);
    int rc = V6N_ENOTFOUND;
    struct dirent *e;
    while (rc == V6N_ENOTFOUND && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = v6n_asprintf("%s/%s/meta.json", meta_dir, e->d_name);
        char *text = NULL;
        size_t len = 0;
        if (!path) {
            rc = v6n_err_nomem();
            break;
        }
        if (v6n_read_file(&text, &len, path) == V6N_OK) {
            yajl_val v = yajl_tree_parse(text, NULL, 0);
            const char *n = v6n_json_string(v, "Name");
            if (n && strcmp(n, name) == 0) {
                *out = v;
                *id = v6n_strdup(e->d_name);
                rc = *id ? V6N_OK : v6n_err_nomem();
            } else {
                yajl_tree_free(v);
            }
        }
        v6n_error_clear(); /* an unreadable entry is not this context */
        free(text);
        free(path);
    }
    closedir(d);
    if (rc == V6N_ENOTFOUND)
        rc = v6n_err(V6N_ENOTFOUND, "context",
                     "no Docker context '%s' in %s (see docker context ls)", name, meta_dir);
    return rc;
}

int v6n_client_from_context(v6n_client **out, const char *name)
{
    if (!out || v6n_str_empty(name))
        return v6n_err(V6N_EINVAL, "context", "v6n_client_from_context: out and name are required");
    *out = NULL;
    if (strcmp(name, "default") == 0)
        return v6n_client_from_env(out);
    char *dir = docker_config_dir();
    char *meta_dir = dir ? v6n_asprintf("%s/contexts/meta", dir) : NULL;
    yajl_val meta = NULL;
    char *id = NULL, *tls_dir = NULL;
    int rc = meta_dir ? find_context(meta_dir, name, &meta, &id) : v6n_err_nomem();
    if (!rc) {
        const char *host_path[] = {"Endpoints", "docker", "Host", NULL};
        const char *skip_path[] = {"Endpoints", "docker", "SkipTLSVerify", NULL};
        yajl_val host = v6n_json_get(meta, host_path);
        v6n_engine_options o = V6N_ENGINE_OPTIONS_INIT;
        o.host = YAJL_IS_STRING(host) ? YAJL_GET_STRING(host) : NULL;
        o.api_version = getenv("DOCKER_API_VERSION");
        tls_dir = v6n_asprintf("%s/contexts/tls/%s/docker", dir, id);
        if (!tls_dir) {
            rc = v6n_err_nomem();
        } else if (v6n_str_empty(o.host)) {
            rc = v6n_err(V6N_EINVAL, "context", "Docker context '%s' has no docker endpoint host",
                         name);
        } else if (strncmp(o.host, "unix://", 7) != 0 && strncmp(o.host, "ssh://", 6) != 0 &&
                   v6n_path_is_dir(tls_dir)) {
            /* TLS material stored with the context: TLS, verified unless the
             * context says to skip verification */
            o.tls = 1;
            o.tls_verify = !YAJL_IS_TRUE(v6n_json_get(meta, skip_path));
            o.cert_path = tls_dir;
        }
        if (!rc)
            rc = v6n_client_new(out, &o);
        if (rc && rc != V6N_ENOMEM && !strstr(v6n_error_last()->message, name)) {
            v6n_err_snapshot s;
            v6n_err_save(&s);
            rc = v6n_err(s.code, "context", "Docker context '%s': %s", name, s.message);
        }
    }
    yajl_tree_free(meta);
    free(id);
    free(tls_dir);
    free(meta_dir);
    free(dir);
    return rc;
}

/* The names of a node's things, as vantage6 makes them (contract section 3):
 * the node-name rule, the container, the four volumes and their mount points,
 * the labels, temporary volumes, and the node image of a release line. Every
 * other file asks here instead of spelling a name out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *const V6N_VOLUME_SUFFIXES[V6N_VOLUME_COUNT] = {"vol", "vpn-vol", "ssh-vol",
                                                           "squid-vol"};
const char *const V6N_VOLUME_TARGETS[V6N_VOLUME_COUNT] = {"/mnt/data", "/mnt/vpn", "/mnt/ssh",
                                                          "/mnt/squid"};

const char *v6n_scope_name(v6n_scope scope)
{
    return scope == V6N_SCOPE_SYSTEM ? "system" : "user";
}

bool v6n_name_ok(const char *name)
{
    return name && v6n_is_node_name(name) && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
           strlen(name) <= V6N_NAME_MAX;
}

int v6n_name_check(const char *name, int code, const char *key)
{
    if (v6n_name_ok(name))
        return V6N_OK;
    if (name && strlen(name) > V6N_NAME_MAX)
        return v6n_err(code, key,
                       "node name is %zu characters long; at most %d fit in the names of its "
                       "container and volumes",
                       strlen(name), V6N_NAME_MAX);
    v6n_buf q = V6N_BUF_INIT;
    int rc = v6n_buf_quote(&q, name ? name : "");
    if (!rc)
        rc = v6n_err(code, key, "node name %s is not allowed: use only the characters a-zA-Z0-9_.-",
                     q.ptr);
    v6n_buf_free(&q);
    return rc;
}

char *v6n_name_container(const char *name, v6n_scope scope)
{
    char *c = v6n_asprintf("vantage6-%s-%s", name, v6n_scope_name(scope));
    if (!c)
        v6n_err_nomem();
    return c;
}

int v6n_container_name(char **out, const char *name, v6n_scope scope)
{
    if (!out)
        return v6n_err(V6N_EINVAL, NULL, "v6n_container_name: out is required");
    *out = NULL;
    int rc = v6n_name_check(name, V6N_EINVAL, "name");
    if (rc)
        return rc;
    *out = v6n_name_container(name, scope);
    return *out ? V6N_OK : v6n_error_last()->code;
}

char *v6n_name_volume(const char *container, v6n_volume_kind kind)
{
    char *v = v6n_asprintf("%s-%s", container, V6N_VOLUME_SUFFIXES[kind]);
    if (!v)
        v6n_err_nomem();
    return v;
}

int v6n_name_of_container(const char *container, char **name, v6n_scope *scope)
{
    *name = NULL;
    static const char prefix[] = "vantage6-";
    size_t n = container ? strlen(container) : 0, p = strlen(prefix);
    const char *suffixes[] = {"-user", "-system"};
    for (int s = 0; s < 2; s++) {
        size_t k = strlen(suffixes[s]);
        if (n > p + k && strncmp(container, prefix, p) == 0 &&
            strcmp(container + n - k, suffixes[s]) == 0) {
            char *candidate = v6n_strndup(container + p, n - p - k);
            if (!candidate)
                return v6n_err_nomem();
            if (v6n_name_ok(candidate)) {
                *name = candidate;
                *scope = s == 0 ? V6N_SCOPE_USER : V6N_SCOPE_SYSTEM;
                return V6N_OK;
            }
            free(candidate);
        }
    }
    return v6n_err(V6N_EINVAL, "container",
                   "'%s' is not the container of a node (vantage6-NAME-user or "
                   "vantage6-NAME-system)",
                   container ? container : "");
}

char *v6n_name_tmp_volume_prefix(const char *name, v6n_scope scope)
{
    char *p = name ? v6n_asprintf("vantage6-%s-%s-", name, v6n_scope_name(scope))
                   : v6n_strdup("vantage6-");
    if (!p)
        v6n_err_nomem();
    return p;
}

bool v6n_name_is_tmp_volume(const char *vol, const char *prefix, bool one_node)
{
    size_t p = strlen(prefix), n = strlen(vol), s = strlen(V6N_TMP_VOLUME_SUFFIX);
    if (n <= p + s || strncmp(vol, prefix, p) != 0 ||
        strcmp(vol + n - s, V6N_TMP_VOLUME_SUFFIX) != 0)
        return false;
    if (!one_node)
        return true;
    /* for one node the part between its prefix and "-tmpvol" is the run id
     * (digits), or node "a" would take the volumes of node "a-user-x" */
    for (size_t i = p; i < n - s; i++)
        if (vol[i] < '0' || vol[i] > '9')
            return false;
    return true;
}

/* ---- images ---------------------------------------------------------------- */

/* docker's tag rule: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
static bool valid_tag(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
        return false;
    for (; *t; t++)
        if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') ||
              *t == '_' || *t == '.' || *t == '-'))
            return false;
    return true;
}

char *v6n_server_version_tag(const char *version)
{
    /* "4.13.2" -> "4.13": the first two dot-separated fields, as
     * ".".join(version.split(".")[:2]) */
    const char *first = strchr(version, '.');
    const char *second = first ? strchr(first + 1, '.') : NULL;
    size_t len = second ? (size_t)(second - version) : strlen(version);
    char *tag = v6n_strndup(version, len);
    if (!tag) {
        v6n_err_nomem();
        return NULL;
    }
    if (!valid_tag(tag)) {
        v6n_err(V6N_EINVAL, "server_version",
                "server_version: the server's version '%s' gives no valid image tag", version);
        free(tag);
        return NULL;
    }
    return tag;
}

char *v6n_release_node_image(const v6n_release *r, const char *tag)
{
    char *image = v6n_asprintf("%s/" V6N_NODE_REPOSITORY ":%s", r->registry,
                               tag ? tag : V6N_DEFAULT_NODE_TAG);
    if (!image)
        v6n_err_nomem();
    return image;
}

bool v6n_release_is_node_image(const v6n_release *r, const char *image)
{
    size_t n = strlen(r->registry);
    const char *rest = image + n;
    return strncmp(image, r->registry, n) == 0 &&
           strncmp(rest, "/" V6N_NODE_REPOSITORY ":", strlen(V6N_NODE_REPOSITORY) + 2) == 0;
}

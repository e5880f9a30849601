/* Small helpers over yajl's tree API for reading the engine's answers. */
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "internal.h"

int v6n_json_parse(yajl_val *out, const char *text, const char *step)
{
    char err[256] = "";
    *out = yajl_tree_parse(text ? text : "", err, sizeof(err));
    if (!*out) {
        size_t n = strcspn(err, "\n");
        return v6n_err(V6N_EENGINE, NULL, "%s: the engine's answer is not JSON: %.*s", step, (int)n,
                       err);
    }
    return V6N_OK;
}

yajl_val v6n_json_get(yajl_val v, const char *const *path)
{
    return v ? yajl_tree_get(v, (const char **)path, yajl_t_any) : NULL;
}

const char *v6n_json_string(yajl_val v, const char *key)
{
    if (!v || !YAJL_IS_OBJECT(v))
        return NULL;
    const char *path[] = {key, NULL};
    yajl_val s = yajl_tree_get(v, path, yajl_t_string);
    return s ? YAJL_GET_STRING(s) : NULL;
}

bool v6n_json_bool(yajl_val v, const char *key)
{
    if (!v || !YAJL_IS_OBJECT(v))
        return false;
    const char *path[] = {key, NULL};
    yajl_val b = yajl_tree_get(v, path, yajl_t_any);
    return b && YAJL_IS_TRUE(b);
}

/* ---- output ---------------------------------------------------------------- */

static void check(v6n_jgen *j, yajl_gen_status st)
{
    if (st != yajl_gen_status_ok && j->status == yajl_gen_status_ok)
        j->status = (int)st;
}

int v6n_jgen_open(v6n_jgen *j)
{
    j->status = yajl_gen_status_ok;
    j->g = yajl_gen_alloc(NULL);
    if (!j->g)
        return v6n_err_nomem();
    yajl_gen_config(j->g, yajl_gen_validate_utf8, 1);
    return V6N_OK;
}

void v6n_jgen_str(v6n_jgen *j, const char *s)
{
    s = s ? s : "";
    check(j, yajl_gen_string(j->g, (const unsigned char *)s, strlen(s)));
}

void v6n_jgen_kv(v6n_jgen *j, const char *key, const char *value)
{
    v6n_jgen_str(j, key);
    v6n_jgen_str(j, value);
}

void v6n_jgen_kint(v6n_jgen *j, const char *key, long long value)
{
    v6n_jgen_str(j, key);
    check(j, yajl_gen_integer(j->g, value));
}

void v6n_jgen_kbool(v6n_jgen *j, const char *key, bool value)
{
    v6n_jgen_str(j, key);
    check(j, yajl_gen_bool(j->g, value));
}

void v6n_jgen_map(v6n_jgen *j, bool open)
{
    check(j, open ? yajl_gen_map_open(j->g) : yajl_gen_map_close(j->g));
}

void v6n_jgen_array(v6n_jgen *j, bool open)
{
    check(j, open ? yajl_gen_array_open(j->g) : yajl_gen_array_close(j->g));
}

int v6n_jgen_close(v6n_jgen *j, char **out, const char *what)
{
    int rc = V6N_OK;
    *out = NULL;
    if (j->status == yajl_gen_invalid_string)
        rc = v6n_err(V6N_ECONFIG, NULL, "%s holds a string that is not valid UTF-8", what);
    else if (j->status != yajl_gen_status_ok)
        rc = v6n_err(V6N_ERROR, NULL, "rendering %s as JSON failed (yajl status %d)", what,
                     j->status);
    if (!rc) {
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(j->g, &buf, &len);
        *out = v6n_strndup((const char *)buf, len);
        if (!*out)
            rc = v6n_err_nomem();
    }
    yajl_gen_free(j->g);
    j->g = NULL;
    return rc;
}

/* JSON text of {"<key>": [values...]} or {"Name": value} style bodies. */
char *v6n_json_object(const char *key, const char *const *values, size_t n, bool as_list)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return NULL;
    yajl_gen_map_open(g);
    yajl_gen_string(g, (const unsigned char *)key, strlen(key));
    if (as_list)
        yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        yajl_gen_string(g, (const unsigned char *)values[i], strlen(values[i]));
    if (as_list)
        yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    const unsigned char *buf;
    size_t len;
    char *out = NULL;
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
        out = v6n_strndup((const char *)buf, len);
    yajl_gen_free(g);
    return out;
}

char *v6n_json_filters(const char *key, const char *const *values, size_t n)
{
    char *json = v6n_json_object(key, values, n, true);
    char *escaped = json ? v6n_escape(json) : NULL;
    free(json);
    return escaped;
}

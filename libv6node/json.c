/* Small helpers over yajl's tree API for reading the engine's answers. */
#include <string.h>

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

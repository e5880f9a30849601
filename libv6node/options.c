/* Start options: everything here comes from V6N_START_OPTION_TABLE (v6node.h):
 * init, set from text, the names and help the bindings and the CLI read, deep
 * copies that outlive the caller's strings, and the start record's form. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* What set() copied: every string, and the path map entries it made. */
struct v6n_start_options_storage {
    v6n_strlist strings;
    v6n_path_map *maps;
    size_t n_maps;
    unsigned long long explicit_set; /* bit i: table option i was set(), even to its default */
};

static const char *const PULL_NAMES[] = {"default", "missing", "always", "never"};

const char *v6n_pull_policy_name(v6n_pull_policy policy)
{
    return (int)policy >= 0 && (int)policy < 4 ? PULL_NAMES[policy] : NULL;
}

V6N_DEFINE_OPTIONS_INIT(v6n_start_options_init, v6n_start_options, V6N_START_OPTIONS_INIT,
                        V6N_START_OPTIONS_VERSION)
V6N_DEFINE_OPTIONS_INIT(v6n_stop_options_init, v6n_stop_options, V6N_STOP_OPTIONS_INIT,
                        V6N_STOP_OPTIONS_VERSION)
V6N_DEFINE_OPTIONS_INIT(v6n_logs_options_init, v6n_logs_options, V6N_LOGS_OPTIONS_INIT,
                        V6N_LOGS_OPTIONS_VERSION)
V6N_DEFINE_OPTIONS_INIT(v6n_engine_options_init, v6n_engine_options, V6N_ENGINE_OPTIONS_INIT,
                        V6N_ENGINE_OPTIONS_VERSION)

/* ---- the table, as data ---------------------------------------------------- */

#define ROW(KIND, name, flag, shorty, off, metavar, env, group, help)                              \
    {#name, V6N_OPT_##KIND, flag, shorty, off, metavar, env, V6N_OPT_GROUP_##group, help},
const v6n_option_info V6N_START_OPTIONS[] = {V6N_START_OPTION_TABLE(ROW){.name = NULL}};
#undef ROW
/* one bit per option in the storage's explicit_set */
_Static_assert(sizeof(V6N_START_OPTIONS) / sizeof(V6N_START_OPTIONS[0]) - 1 <= 64,
               "more than 64 start options: widen explicit_set");
const size_t V6N_START_OPTION_COUNT = sizeof(V6N_START_OPTIONS) / sizeof(V6N_START_OPTIONS[0]) - 1;

const char *v6n_start_option_name(size_t i)
{
    return i < V6N_START_OPTION_COUNT ? V6N_START_OPTIONS[i].name : NULL;
}

const char *v6n_start_option_help(size_t i)
{
    return i < V6N_START_OPTION_COUNT ? V6N_START_OPTIONS[i].help : NULL;
}

const v6n_option_info *v6n_option_find(const char *key)
{
    for (size_t i = 0; key && i < V6N_START_OPTION_COUNT; i++)
        if (strcmp(V6N_START_OPTIONS[i].name, key) == 0)
            return &V6N_START_OPTIONS[i];
    return NULL;
}

/* ---- set from text ---------------------------------------------------------- */

static int parse_flag(const char *v, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(v, no[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

static int parse_long(const char *v, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 0)
        return -1;
    *out = n;
    return 0;
}

static int bad_value(const char *key, const char *value, const char *want)
{
    return v6n_err(V6N_EINVAL, key, "option %s: '%s' is not %s", key, value, want);
}

static v6n_start_options_storage *storage_of(v6n_start_options *o)
{
    if (!o->storage)
        o->storage = calloc(1, sizeof(*o->storage));
    return o->storage;
}

/* A copy of `value` that `o` owns. NULL on OOM (recorded). */
static const char *keep_string(v6n_start_options *o, const char *value)
{
    v6n_start_options_storage *s = storage_of(o);
    if (!s || v6n_strlist_push(&s->strings, value)) {
        v6n_err_nomem();
        return NULL;
    }
    return s->strings.items[s->strings.len - 1];
}

static int add_path_map(v6n_start_options *o, const char *key, const char *value)
{
    const char *eq = strchr(value, '=');
    if (!eq || eq == value || !eq[1])
        return bad_value(key, value, "LOCAL=HOST");
    v6n_start_options_storage *s = storage_of(o);
    if (!s)
        return v6n_err_nomem();
    /* the caller's own entries come first, then ours */
    size_t n = o->path_map_len + 1;
    v6n_path_map *maps = calloc(n, sizeof(*maps));
    char *local = v6n_strndup(value, (size_t)(eq - value));
    const char *local_kept = local ? keep_string(o, local) : NULL;
    const char *host_kept = keep_string(o, eq + 1);
    free(local);
    if (!maps || !local_kept || !host_kept) {
        free(maps);
        return v6n_err_nomem();
    }
    for (size_t i = 0; i < o->path_map_len; i++)
        maps[i] = o->path_map[i];
    maps[n - 1] = (v6n_path_map){local_kept, host_kept};
    free(s->maps);
    s->maps = maps;
    s->n_maps = n;
    o->path_map = maps;
    o->path_map_len = n;
    return V6N_OK;
}

int v6n_start_options_set(v6n_start_options *opts, const char *key, const char *value)
{
    if (!opts)
        return v6n_err(V6N_EINVAL, NULL, "v6n_start_options_set: options required");
    int rc = V6N_CHECK_VERSION(opts, V6N_START_OPTIONS_VERSION, "start options");
    if (rc)
        return rc;
    const v6n_option_info *info = v6n_option_find(key);
    if (!info)
        return v6n_err(V6N_EINVAL, key ? key : "", "unknown start option '%s'", key ? key : "");
    bool reset = v6n_str_empty(value);
    v6n_start_options *o = opts;
    v6n_start_options_storage *storage = storage_of(o);
    if (!storage)
        return v6n_err_nomem();
    unsigned long long bit = 1ULL << (info - V6N_START_OPTIONS);
    storage->explicit_set = reset ? storage->explicit_set & ~bit : storage->explicit_set | bit;
    int flag = 0;
    long number = 0;
    const char *kept = NULL;
    if (!reset) {
        switch (info->kind) {
        case V6N_OPT_STR:
            if (!(kept = keep_string(o, value)))
                return V6N_ENOMEM;
            break;
        case V6N_OPT_FLAG:
            if (parse_flag(value, &flag))
                return bad_value(key, value, "true or false");
            break;
        case V6N_OPT_SCOPE:
            if (strcmp(value, "user") != 0 && strcmp(value, "system") != 0)
                return bad_value(key, value, "user or system");
            flag = strcmp(value, "system") == 0;
            break;
        case V6N_OPT_PULL:
            for (flag = 0; flag < 4 && strcmp(value, PULL_NAMES[flag]) != 0; flag++)
                ;
            if (flag == 4)
                return bad_value(key, value, "default, missing, always or never");
            break;
        case V6N_OPT_MS:
        case V6N_OPT_INT:
            if (parse_long(value, &number) || (info->kind == V6N_OPT_INT && number > 1000000))
                return bad_value(key, value, "a whole number");
            break;
        case V6N_OPT_PATHS:
            return add_path_map(o, key, value);
        }
    }
#define SET_SCOPE(n) o->n = (v6n_scope)flag;
#define SET_STR(n)   o->n = kept;
#define SET_FLAG(n)  o->n = flag;
#define SET_PULL(n)  o->n = (v6n_pull_policy)flag;
#define SET_MS(n)    o->n = number;
#define SET_INT(n)   o->n = (int)number;
#define SET_PATHS(n)                                                                               \
    o->n = NULL;                                                                                   \
    o->n##_len = 0;
#define SET_ONE(KIND, name, ...)                                                                   \
    if (strcmp(key, #name) == 0) {                                                                 \
        SET_##KIND(name) return V6N_OK;                                                            \
    }
    V6N_START_OPTION_TABLE(SET_ONE)
#undef SET_ONE
    return V6N_OK;
}

void v6n_start_options_dispose(v6n_start_options *opts)
{
    if (!opts)
        return;
    v6n_start_options_storage *s = opts->storage;
    if (s) {
        v6n_strlist_free(&s->strings);
        free(s->maps);
        free(s);
    }
    unsigned int version = opts->version;
    v6n_start_options init = V6N_START_OPTIONS_INIT;
    *opts = init;
    opts->version = version ? version : V6N_START_OPTIONS_VERSION;
}

/* ---- copies ------------------------------------------------------------------ */

int v6n_options_check_version(const v6n_start_options *o)
{
    return V6N_CHECK_VERSION(o, V6N_START_OPTIONS_VERSION, "start options");
}

int v6n_options_dup(v6n_start_options *dst, const v6n_start_options *src)
{
    v6n_start_options init = V6N_START_OPTIONS_INIT;
    *dst = src ? *src : init;
    dst->storage = NULL;
    const v6n_start_options *from = src ? src : &init;
    /* strings and the path map become copies that dst owns */
#define CLEAR_STR(n) dst->n = NULL;
#define CLEAR_PATHS(n)                                                                             \
    dst->n = NULL;                                                                                 \
    dst->n##_len = 0;
#define CLEAR_OTHER(n)
#define CLEAR_SCOPE            CLEAR_OTHER
#define CLEAR_FLAG             CLEAR_OTHER
#define CLEAR_PULL             CLEAR_OTHER
#define CLEAR_MS               CLEAR_OTHER
#define CLEAR_INT              CLEAR_OTHER
#define CLEAR(KIND, name, ...) CLEAR_##KIND(name)
    V6N_START_OPTION_TABLE(CLEAR)
    int rc = V6N_OK;
#define COPY_STR(n)                                                                                \
    if (!rc && from->n && !(dst->n = keep_string(dst, from->n)))                                   \
        rc = V6N_ENOMEM;
#define COPY_PATHS(n)                                                                              \
    for (size_t i = 0; !rc && from->n && i < from->n##_len; i++) {                                 \
        char *pair = v6n_asprintf("%s=%s", from->n[i].local_prefix ? from->n[i].local_prefix : "", \
                                  from->n[i].host_prefix ? from->n[i].host_prefix : "");           \
        rc = pair ? add_path_map(dst, #n, pair) : v6n_err_nomem();                                 \
        free(pair);                                                                                \
    }
#define COPY_OTHER(n)
#define COPY_SCOPE            COPY_OTHER
#define COPY_FLAG             COPY_OTHER
#define COPY_PULL             COPY_OTHER
#define COPY_MS               COPY_OTHER
#define COPY_INT              COPY_OTHER
#define COPY(KIND, name, ...) COPY_##KIND(name)
    V6N_START_OPTION_TABLE(COPY)
    if (!rc && src && src->storage && src->storage->explicit_set) {
        if (!storage_of(dst))
            rc = v6n_err_nomem();
        else
            dst->storage->explicit_set = src->storage->explicit_set;
    }
    if (rc)
        v6n_start_options_dispose(dst);
    return rc;
}

/* Was table option `name` given explicitly through set()? */
static bool explicitly_set(const v6n_start_options *o, const char *name)
{
    const v6n_option_info *info = v6n_option_find(name);
    return o->storage && info && (o->storage->explicit_set & (1ULL << (info - V6N_START_OPTIONS)));
}

void v6n_options_merge(v6n_start_options *base, const v6n_start_options *over)
{
    /* every option `over` sets (not 0, NULL or "", or given through set()
     * even as its default: --auto-remove) replaces base's; strings stay
     * borrowed from `over` */
#define MERGE_STR(n)                                                                               \
    if (!v6n_str_empty(over->n) || explicitly_set(over, #n))                                       \
        base->n = over->n;
#define MERGE_VALUE(n)                                                                             \
    if (over->n || explicitly_set(over, #n))                                                       \
        base->n = over->n;
#define MERGE_PATHS(n)                                                                             \
    if (over->n##_len || explicitly_set(over, #n)) {                                               \
        base->n = over->n;                                                                         \
        base->n##_len = over->n##_len;                                                             \
    }
#define MERGE_SCOPE            MERGE_VALUE
#define MERGE_FLAG             MERGE_VALUE
#define MERGE_PULL             MERGE_VALUE
#define MERGE_MS               MERGE_VALUE
#define MERGE_INT              MERGE_VALUE
#define MERGE(KIND, name, ...) MERGE_##KIND(name)
    V6N_START_OPTION_TABLE(MERGE)
}

/* ---- the start record's form --------------------------------------------------- */

void v6n_options_to_json(v6n_jgen *j, const v6n_start_options *o)
{
    char number[32];
    v6n_jgen_map(j, true);
#define JSON_STR(n)                                                                                \
    if (!v6n_str_empty(o->n))                                                                      \
        v6n_jgen_kv(j, #n, o->n);
#define JSON_FLAG(n)                                                                               \
    if (o->n)                                                                                      \
        v6n_jgen_kv(j, #n, "true");
#define JSON_SCOPE(n) v6n_jgen_kv(j, #n, v6n_scope_name(o->n));
#define JSON_PULL(n)                                                                               \
    if (o->n)                                                                                      \
        v6n_jgen_kv(j, #n, v6n_pull_policy_name(o->n));
#define JSON_NUMBER(n)                                                                             \
    if (o->n) {                                                                                    \
        snprintf(number, sizeof(number), "%ld", (long)o->n);                                       \
        v6n_jgen_kv(j, #n, number);                                                                \
    }
#define JSON_MS  JSON_NUMBER
#define JSON_INT JSON_NUMBER
#define JSON_PATHS(n)                                                                              \
    if (o->n##_len) {                                                                              \
        v6n_jgen_str(j, #n);                                                                       \
        v6n_jgen_array(j, true);                                                                   \
        for (size_t i = 0; i < o->n##_len; i++) {                                                  \
            char *pair = v6n_asprintf("%s=%s", o->n[i].local_prefix, o->n[i].host_prefix);         \
            v6n_jgen_str(j, pair ? pair : "");                                                     \
            free(pair);                                                                            \
        }                                                                                          \
        v6n_jgen_array(j, false);                                                                  \
    }
#define JSON_ONE(KIND, name, ...) JSON_##KIND(name)
    V6N_START_OPTION_TABLE(JSON_ONE)
    v6n_jgen_map(j, false);
}

int v6n_options_from_json(v6n_start_options *o, yajl_val obj)
{
    int rc = V6N_OK;
    for (size_t i = 0; !rc && YAJL_IS_OBJECT(obj) && i < obj->u.object.len; i++) {
        const char *key = obj->u.object.keys[i];
        yajl_val v = obj->u.object.values[i];
        if (!v6n_option_find(key))
            continue; /* written by a newer libv6node */
        if (YAJL_IS_STRING(v)) {
            rc = v6n_start_options_set(o, key, YAJL_GET_STRING(v));
        } else if (YAJL_IS_ARRAY(v)) {
            for (size_t k = 0; !rc && k < v->u.array.len; k++)
                if (YAJL_IS_STRING(v->u.array.values[k]))
                    rc = v6n_start_options_set(o, key, YAJL_GET_STRING(v->u.array.values[k]));
        }
    }
    return rc;
}

/* Listing every node: the configs in the user and system folders, matched with
 * the node containers from ONE engine request however many nodes there are. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct node_entry {
    char *name;
    v6n_scope scope;
    v6n_node_state state;
    char *config_path, *config_error;
    char *container_name, *container_id, *image, *status_text;
} node_entry;

struct v6n_node_list {
    node_entry *items;
    size_t len, cap;
};

static void entry_free(node_entry *e)
{
    free(e->name);
    free(e->config_path);
    free(e->config_error);
    free(e->container_name);
    free(e->container_id);
    free(e->image);
    free(e->status_text);
}

void v6n_node_list_free(v6n_node_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->len; i++)
        entry_free(&l->items[i]);
    free(l->items);
    free(l);
}

static node_entry *entry_add(v6n_node_list *l)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        node_entry *items = realloc(l->items, cap * sizeof(*items));
        if (!items)
            return NULL;
        l->items = items;
        l->cap = cap;
    }
    node_entry *e = &l->items[l->len++];
    memset(e, 0, sizeof(*e));
    return e;
}

static node_entry *find(v6n_node_list *l, const char *name, v6n_scope scope)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->items[i].scope == scope && strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    return NULL;
}

static bool has_config_suffix(const char *file)
{
    size_t n = strlen(file);
    return (n > 5 && strcmp(file + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(file + n - 4, ".yml") == 0);
}

/* Every config in the scope's folder: .yaml wins over .yml, as in lookups. */
static int add_configs(v6n_node_list *l, v6n_scope scope)
{
    char *folder = v6n_folder_config(scope);
    if (!folder)
        return v6n_error_last()->code;
    DIR *d = opendir(folder);
    if (!d) {
        free(folder);
        return V6N_OK; /* no folder: no configs */
    }
    int rc = V6N_OK;
    struct dirent *de;
    while (!rc && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !has_config_suffix(de->d_name))
            continue;
        char *path = v6n_asprintf("%s/%s", folder, de->d_name);
        char *name = v6n_path_stem(de->d_name);
        if (!path || !name) {
            free(path);
            free(name);
            rc = v6n_err_nomem();
            break;
        }
        size_t flen = strlen(de->d_name);
        bool is_yaml = strcmp(de->d_name + flen - 5, ".yaml") == 0;
        node_entry *e = find(l, name, scope);
        if (v6n_path_is_dir(path) || (e && !is_yaml)) { /* NAME.yaml wins over NAME.yml */
            free(path);
            free(name);
            continue;
        }
        if (!e && !(e = entry_add(l))) {
            free(path);
            free(name);
            rc = v6n_err_nomem();
            break;
        }
        free(e->name);
        free(e->config_path);
        free(e->config_error);
        e->name = name;
        e->scope = scope;
        e->config_path = path;
        v6n_config *c = NULL;
        e->config_error = v6n_strdup(v6n_config_load(&c, path) ? v6n_error_last()->message : "");
        v6n_config_free(c);
        v6n_error_clear();
        if (!e->config_error)
            rc = v6n_err_nomem();
    }
    closedir(d);
    free(folder);
    return rc;
}

static const char *label(yajl_val c, const char *key)
{
    const char *path[] = {"Labels", key, NULL};
    yajl_val v = v6n_json_get(c, path);
    return v && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

/* Fill container fields from one /containers/json element. */
static int add_container(v6n_node_list *l, yajl_val c)
{
    const char *names_path[] = {"Names", NULL};
    yajl_val names = v6n_json_get(c, names_path);
    if (!names || !YAJL_IS_ARRAY(names) || names->u.array.len == 0 ||
        !YAJL_IS_STRING(names->u.array.values[0]))
        return V6N_OK;
    const char *cname = YAJL_GET_STRING(names->u.array.values[0]);
    if (*cname == '/')
        cname++;
    /* the node is vantage6-<name>-<scope>; the labels say the same */
    const char *lname = label(c, V6N_LABEL_NAME);
    const char *system = label(c, V6N_LABEL_SYSTEM);
    v6n_scope scope = (system && strcmp(system, "True") == 0) ? V6N_SCOPE_SYSTEM : V6N_SCOPE_USER;
    char *expected = lname ? v6n_name_container(lname, scope) : NULL;
    bool is_node = expected && strcmp(expected, cname) == 0;
    free(expected);
    if (!is_node)
        return V6N_OK; /* labelled as a node but not named as one: not ours to show */
    node_entry *e = find(l, lname, scope);
    if (!e) {
        if (!(e = entry_add(l)))
            return v6n_err_nomem();
        e->name = v6n_strdup(lname);
        e->scope = scope;
        e->config_path = v6n_strdup("");
        e->config_error = v6n_strdup("");
    }
    e->state = v6n_node_state_from_engine(v6n_json_string(c, "State"));
    free(e->container_id);
    free(e->image);
    free(e->status_text);
    e->container_id = v6n_strdup(v6n_json_string(c, "Id") ? v6n_json_string(c, "Id") : "");
    e->image = v6n_strdup(v6n_json_string(c, "Image") ? v6n_json_string(c, "Image") : "");
    e->status_text = v6n_strdup(v6n_json_string(c, "Status") ? v6n_json_string(c, "Status") : "");
    return (e->name && e->config_path && e->config_error && e->container_id && e->image &&
            e->status_text)
               ? V6N_OK
               : v6n_err_nomem();
}

int v6n_list_merge_containers(v6n_node_list *l, yajl_val containers)
{
    int rc = V6N_OK;
    for (size_t i = 0;
         !rc && containers && YAJL_IS_ARRAY(containers) && i < containers->u.array.len; i++)
        rc = add_container(l, containers->u.array.values[i]);
    return rc;
}

v6n_node_list *v6n_list_new(void)
{
    return calloc(1, sizeof(v6n_node_list));
}

static int compare_entries(const void *a, const void *b)
{
    const node_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (int)x->scope - (int)y->scope;
}

int v6n_node_list_get(v6n_node_list **out, v6n_client *client)
{
    if (!out || !client)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_list_get: out and client are required");
    *out = NULL;
    v6n_node_list *l = calloc(1, sizeof(*l));
    if (!l)
        return v6n_err_nomem();
    int rc = add_configs(l, V6N_SCOPE_SYSTEM);
    if (!rc)
        rc = add_configs(l, V6N_SCOPE_USER);

    const char *values[] = {V6N_NODE_LABEL_FILTER};
    yajl_val v = NULL;
    if (!rc)
        rc = v6n_engine_get_filtered(client, "/containers/json?all=1", "label", values, 1,
                                     "list the node containers", &v);
    if (!rc)
        rc = v6n_list_merge_containers(l, v);
    yajl_tree_free(v);
    /* configs without a container */
    for (size_t i = 0; !rc && i < l->len; i++) {
        node_entry *e = &l->items[i];
        if (!e->container_name)
            e->container_name = v6n_name_container(e->name, e->scope);
        if (!e->container_id)
            e->container_id = v6n_strdup("");
        if (!e->image)
            e->image = v6n_strdup("");
        if (!e->status_text)
            e->status_text = v6n_strdup("");
        if (!e->container_name || !e->container_id || !e->image || !e->status_text)
            rc = v6n_err_nomem();
    }
    if (rc) {
        v6n_node_list_free(l);
        return rc;
    }
    if (l->len > 1)
        qsort(l->items, l->len, sizeof(*l->items), compare_entries);
    *out = l;
    return V6N_OK;
}

size_t v6n_node_list_count(const v6n_node_list *l)
{
    return l ? l->len : 0;
}

static bool in_range(const v6n_node_list *l, size_t i)
{
    return l && i < l->len;
}

const char *v6n_node_list_name(const v6n_node_list *l, size_t i)
{
    return in_range(l, i) ? l->items[i].name : NULL;
}

v6n_scope v6n_node_list_scope(const v6n_node_list *l, size_t i)
{
    return in_range(l, i) ? l->items[i].scope : V6N_SCOPE_USER;
}

v6n_node_state v6n_node_list_state(const v6n_node_list *l, size_t i)
{
    return in_range(l, i) ? l->items[i].state : V6N_NODE_ABSENT;
}

const char *v6n_node_list_config_path(const v6n_node_list *l, size_t i)
{
    return in_range(l, i) ? l->items[i].config_path : NULL;
}

const char *v6n_node_list_config_error(const v6n_node_list *l, size_t i)
{
    return in_range(l, i) ? l->items[i].config_error : NULL;
}

const char *v6n_node_list_container_name(const v6n_node_list *l, size_t i)
{
    return in_range(l, i) ? l->items[i].container_name : NULL;
}

const char *v6n_node_list_container_id(const v6n_node_list *l, size_t i)
{
    return in_range(l, i) ? l->items[i].container_id : NULL;
}

const char *v6n_node_list_image(const v6n_node_list *l, size_t i)
{
    return in_range(l, i) ? l->items[i].image : NULL;
}

const char *v6n_node_list_status_text(const v6n_node_list *l, size_t i)
{
    return in_range(l, i) ? l->items[i].status_text : NULL;
}

int v6n_node_list_json(char **out, const v6n_node_list *l)
{
    if (!out || !l)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_list_json: out and list are required");
    v6n_jgen j;
    int rc = v6n_jgen_open(&j);
    if (rc)
        return rc;
    v6n_jgen_array(&j, true);
    for (size_t i = 0; i < l->len; i++) {
        const node_entry *e = &l->items[i];
        v6n_jgen_map(&j, true);
        v6n_jgen_kv(&j, "name", e->name);
        v6n_jgen_kv(&j, "scope", v6n_scope_name(e->scope));
        v6n_jgen_kv(&j, "state", v6n_node_state_name(e->state));
        v6n_jgen_kv(&j, "status", e->status_text);
        v6n_jgen_kv(&j, "container", e->container_name);
        v6n_jgen_kv(&j, "id", e->container_id);
        v6n_jgen_kv(&j, "image", e->image);
        v6n_jgen_kv(&j, "config", e->config_path);
        v6n_jgen_kv(&j, "config_error", e->config_error);
        v6n_jgen_map(&j, false);
    }
    v6n_jgen_array(&j, false);
    return v6n_jgen_close(&j, out, "the node list");
}

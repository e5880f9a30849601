/* libFuzzer: the engine's JSON (and plain-text) answers: error bodies, a
 * container inspect (status and drift), a /containers/json list, and the
 * vantage6 server's version reply. The first byte picks the parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static v6n_node_spec *spec(void)
{
    static v6n_node_spec *s;
    if (!s) {
        const char *text = "api_key: k\nserver_url: http://x\nport: 1\napi_path: /a\n"
                           "task_dir: /t\ndatabases: [{label: d, uri: 'postgresql://u:p@h/x', "
                           "type: sql}]\nlogging: {level: INFO, use_console: true, "
                           "backup_count: 5, max_size: 99, format: x, datefmt: y}\n"
                           "encryption: {enabled: false}\nnode_extra_env: {A: b}\n"
                           "node_extra_hosts: {h: 1.2.3.4}\n";
        v6n_config *c = NULL;
        v6n_start_options o = V6N_START_OPTIONS_INIT;
        o.working_dir = "/v6n-fuzz";
        if (v6n_config_parse(&c, text, strlen(text), "/v6n-fuzz/n.yaml") ||
            v6n_node_spec_build(&s, c, &o))
            abort();
        v6n_config_free(c); /* the spec owns copies of everything */
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int which = data[0] % 4;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    yajl_val v = yajl_tree_parse(text, NULL, 0);
    switch (which) {
    case 0: { /* an error answer, JSON or text */
        v6n_request req = {.method = "GET", .path = "/x", .step = "fuzz"};
        v6n_http_response resp = {.status = 400 + (size % 200)};
        strcpy(resp.content_type, (size & 1) ? "application/json" : "text/plain");
        v6n_buf_add(&resp.body, text, strlen(text));
        v6n_engine_error(&req, &resp);
        v6n_http_response_free(&resp);
        break;
    }
    case 1: { /* a container inspect, its image's Env from the same document */
        v6n_node_status *st = v6n_status_new();
        const char *env_path[] = {"ImageEnv", NULL};
        v6n_status_set_node(st, "n", V6N_SCOPE_USER, "vantage6-n-user", NULL);
        v6n_status_fill(st, spec(), v, v6n_json_get(v, env_path));
        char *json = NULL;
        if (v6n_node_status_json(&json, st) == V6N_OK)
            free(json);
        v6n_node_status_free(st);
        break;
    }
    case 2: { /* a /containers/json answer */
        v6n_node_list *l = v6n_list_new();
        v6n_list_merge_containers(l, v);
        char *json = NULL;
        if (v6n_node_list_json(&json, l) == V6N_OK)
            free(json);
        v6n_node_list_free(l);
        break;
    }
    default: { /* the vantage6 server's version reply */
        char *version = NULL;
        if (v6n_parse_server_version(&version, (const char *)data + 1, size - 1) == V6N_OK)
            free(version);
        break;
    }
    }
    yajl_tree_free(v);
    free(text);
    return 0;
}

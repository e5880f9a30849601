/* libFuzzer: a node config (YAML text) through loading, validation, spec
 * building and rendering. */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    v6n_config *c = NULL;
    if (v6n_config_parse(&c, (const char *)data, size, "/v6n-fuzz/node.yaml") != V6N_OK)
        return 0;
    v6n_node_spec *s = NULL;
    v6n_start_options o = V6N_START_OPTIONS_INIT;
    o.working_dir = "/v6n-fuzz";
    o.server_version = "4.13.2";
    for (int force = 0; force < 2; force++) {
        o.force_db_mount = force;
        if (v6n_node_spec_build(&s, c, &o) == V6N_OK) {
            char *json = NULL;
            if (v6n_node_spec_json(&json, s) == V6N_OK)
                free(json);
            v6n_node_spec_free(s);
            s = NULL;
        }
    }
    for (size_t i = 0; i < v6n_config_database_count(c); i++)
        (void)v6n_config_database_uri(c, i);
    (void)v6n_config_get(c, "logging.level");
    (void)v6n_config_get(c, "databases[0].uri");
    v6n_config_free(c);
    return 0;
}

/* libFuzzer: the config writer (`v6node new`). The input is up to 17 fields
 * separated by '\n' (name, api key, server url, port, api path, task dir,
 * private key, log level, three databases of label, uri, type, mount mode...)
 * and the rest, after a line "---", is extra_yaml. A config the writer renders
 * must load with the loader and give back the api key, server url and the
 * first database's label exactly: a failure aborts (a finding). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FIELDS 20

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *extra = NULL;
    char *sep = strstr(copy, "\n---\n");
    if (sep) {
        *sep = '\0';
        extra = sep + 5;
    }
    char *field[FIELDS] = {0};
    size_t n = 0;
    for (char *p = copy; p && n < FIELDS; n++) {
        field[n] = p;
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
    }
    v6n_config_values v;
    v6n_config_values_init(&v, V6N_CONFIG_VALUES_VERSION);
    v.name = field[0];
    v.api_key = field[1];
    v.server_url = field[2];
    v.port = field[3] && *field[3] ? field[3] : NULL;
    v.api_path = field[4] && *field[4] ? field[4] : NULL;
    v.task_dir = field[5] && *field[5] ? field[5] : "/tmp/fuzz-task";
    v.private_key = field[6] && *field[6] ? field[6] : NULL;
    v.log_level = field[7] && *field[7] ? field[7] : NULL;
    v.encryption = field[7] && field[7][0] == 'E';
    v.extra_yaml = extra;
    v.config_dir = "/tmp/fuzz-config-write"; /* rendered only: nothing is written */
    v6n_database db[3];
    size_t ndb = 0;
    for (size_t i = 8; i + 3 < FIELDS && field[i] && ndb < 3; i += 4, ndb++) {
        db[ndb].label = field[i];
        db[ndb].uri = field[i + 1] ? field[i + 1] : "";
        db[ndb].type = field[i + 2] ? field[i + 2] : "csv";
        db[ndb].mount_mode = field[i + 3] && *field[i + 3] ? field[i + 3] : NULL;
    }
    v.databases = ndb ? db : NULL;
    v.database_count = ndb;
    char *text = NULL;
    if (v6n_config_render(&text, &v) == V6N_OK) {
        v6n_config *c = NULL;
        if (v6n_config_parse(&c, text, strlen(text), "fuzz.yaml") != V6N_OK)
            abort(); /* the writer validated it: it must load */
        const char *key = v6n_config_get(c, "api_key");
        if (!key || strcmp(key, v.api_key) != 0)
            abort();
        if (ndb && (v6n_config_database_count(c) < 1 ||
                    strcmp(v6n_config_database_label(c, 0), db[0].label) != 0))
            abort();
        v6n_config_free(c);
        v6n_free(text);
    }
    free(copy);
    return 0;
}

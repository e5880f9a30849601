/* libFuzzer: a node's start record (JSON in its data folder, which a user can
 * edit) through the parser that status and restart read it with, then its
 * options back through the text interface and the record's form. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    v6n_start_record rec;
    if (v6n_record_parse(&rec, text, "fuzz") == V6N_OK) {
        v6n_jgen j;
        if (v6n_jgen_open(&j) == V6N_OK) {
            v6n_options_to_json(&j, &rec.opts);
            char *json = NULL;
            if (v6n_jgen_close(&j, &json, "options") == V6N_OK)
                free(json);
        }
        v6n_start_options copy;
        if (v6n_options_dup(&copy, &rec.opts) == V6N_OK)
            v6n_start_options_dispose(&copy);
        v6n_record_clear(&rec);
    }
    free(text);
    return 0;
}

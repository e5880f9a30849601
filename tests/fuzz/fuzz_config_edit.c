/* libFuzzer: the one-value editor (`v6node set-api-key`, create-private-key)
 * on any text. The input is "<key>\n<value>\n<the config text>": the first
 * byte picks the key path, the first line is the new value. When the edit
 * succeeds, the edited text must load and give back exactly the new value,
 * and editing it again to the same value must change nothing: a failure of
 * either aborts (a finding). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const KEYS[] = {"api_key",    "encryption.private_key",
                                   "server_url", "logging.level",
                                   "task_dir",   "encryption.enabled"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const char *key = KEYS[data[0] % (sizeof(KEYS) / sizeof(KEYS[0]))];
    const char *rest = (const char *)data + 1;
    size_t rest_len = size - 1;
    const char *nl = memchr(rest, '\n', rest_len);
    if (!nl)
        return 0;
    char *value = strndup(rest, (size_t)(nl - rest));
    size_t text_len = rest_len - (size_t)(nl - rest) - 1;
    char *text = malloc(text_len + 1);
    if (!value || !text) {
        free(value);
        free(text);
        return 0;
    }
    memcpy(text, nl + 1, text_len);
    text[text_len] = '\0';
    char *edited = NULL;
    if (v6n_config_edit_text(&edited, text, text_len, "fuzz.yaml", key, value) == V6N_OK) {
        v6n_config *c = NULL;
        if (v6n_config_parse(&c, edited, strlen(edited), "fuzz.yaml") != V6N_OK)
            abort(); /* the editor promised a text that loads */
        const char *now = v6n_config_get(c, key);
        if (!now || strcmp(now, value) != 0)
            abort(); /* ... and that holds the value */
        v6n_config_free(c);
        char *again = NULL;
        if (v6n_config_edit_text(&again, edited, strlen(edited), "fuzz.yaml", key, value) !=
                V6N_OK ||
            strcmp(again, edited) != 0)
            abort(); /* the same value once more changes nothing */
        free(again);
        free(edited);
    }
    free(text);
    free(value);
    return 0;
}

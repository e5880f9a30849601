/* Events: telling the caller what a long operation does. */
#include "internal.h"

int v6n_emit(v6n_event_cb cb, void *payload, v6n_event_kind kind, const char *message,
             const char *id, const char *image, long long current, long long total)
{
    if (!cb)
        return 0;
    v6n_event e = {kind, message ? message : "", id ? id : "", image ? image : "", current, total};
    return cb(&e, payload);
}

/* libFuzzer: the streamed answers, split at fuzzer-chosen points: the pull
 * progress stream (NDJSON, errors inside a 200), and log streams (raw TTY or
 * multiplexed frames; with or without the engine saying which). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int count_event(const v6n_event *e, void *payload)
{
    (void)e;
    (*(size_t *)payload)++;
    return 0;
}

static int count_log(const char *data, size_t len, int stream, void *payload)
{
    (void)data;
    (void)stream;
    *(size_t *)payload += len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    int which = data[0] % 4;
    size_t step = 1 + data[1] % 97; /* the chunk size */
    const char *body = (const char *)data + 2;
    size_t len = size - 2;
    size_t seen = 0;
    if (which == 0) {
        v6n_pull_stream st = {.image = "fuzz", .on_event = count_event, .payload = &seen};
        for (size_t off = 0; off < len; off += step)
            v6n_pull_stream_feed(&st, body + off, off + step <= len ? step : len - off);
        v6n_pull_stream_finish(&st);
        v6n_buf_free(&st.line);
    } else {
        const char *types[] = {"", "application/vnd.docker.raw-stream",
                               "application/vnd.docker.multiplexed-stream"};
        v6n_log_demux d = {
            .on_data = count_log, .payload = &seen, .raw = -1, .content_type = types[which - 1]};
        for (size_t off = 0; off < len; off += step) {
            v6n_log_demux_feed(&d, body + off, off + step <= len ? step : len - off);
            v6n_log_demux_feed(&d, NULL, 0); /* a heartbeat between chunks */
        }
        /* everything delivered is part of the input, never more */
        if (seen > len)
            abort();
    }
    return 0;
}

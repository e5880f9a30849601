/* Container logs: GET /containers/{id}/logs, raw (TTY) or multiplexed.
 *
 * A multiplexed stream is frames of an 8-byte header {stream, 0, 0, 0,
 * big-endian length} and the payload; frames arrive split at arbitrary points,
 * so the header is accumulated across callbacks. API 1.42+ says which format
 * it sends in Content-Type; older engines need Config.Tty from an inspect. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef v6n_log_demux demux;

static int deliver(demux *d, const char *data, size_t len, int stream)
{
    if (d->on_data(data, len, stream, d->payload) != 0) {
        d->stopped = true;
        return 1;
    }
    return 0;
}

int v6n_log_demux_feed(v6n_log_demux *d, const char *data, size_t len)
{
    if (!data)
        return deliver(d, NULL, 0, 0);
    if (d->raw < 0) {
        const char *ct = d->content_type ? d->content_type : "";
        if (strncmp(ct, "application/vnd.docker.raw-stream", 33) == 0)
            d->raw = 1;
        else if (strncmp(ct, "application/vnd.docker.multiplexed-stream", 41) == 0)
            d->raw = 0;
        else /* no word from the engine: a frame header starts with 0, 1 or 2 */
            d->raw = !(len >= 4 && (unsigned char)data[0] <= 2 && data[1] == 0 && data[2] == 0 &&
                       data[3] == 0);
    }
    if (d->raw)
        return deliver(d, data, len, 0);
    while (len > 0) {
        if (d->remaining == 0) {
            size_t take = 8 - d->header_len;
            if (take > len)
                take = len;
            memcpy(d->header + d->header_len, data, take);
            d->header_len += take;
            data += take;
            len -= take;
            if (d->header_len < 8)
                return 0;
            d->frame_stream = d->header[0];
            d->remaining = ((size_t)d->header[4] << 24) | ((size_t)d->header[5] << 16) |
                           ((size_t)d->header[6] << 8) | (size_t)d->header[7];
            d->header_len = 0;
            continue;
        }
        size_t take = d->remaining < len ? d->remaining : len;
        if (deliver(d, data, take, d->frame_stream))
            return 1;
        d->remaining -= take;
        data += take;
        len -= take;
    }
    return 0;
}

static int on_log_data(const char *data, size_t len, void *payload)
{
    demux *d = payload;
    if (d->resp)
        d->content_type = d->resp->content_type; /* the headers are in by now */
    return v6n_log_demux_feed(d, data, len);
}

static bool api_at_least(const v6n_client *c, int minor)
{
    const char *v = v6n_client_api_version(c);
    int major = 0, m = 0;
    return v && sscanf(v, "%d.%d", &major, &m) == 2 && (major > 1 || (major == 1 && m >= minor));
}

int v6n_container_logs(v6n_client *client, const char *name_or_id, const v6n_logs_options *opts)
{
    if (!client || v6n_str_empty(name_or_id) || !opts || !opts->callbacks.on_log)
        return v6n_err(
            V6N_EINVAL, NULL,
            "v6n_container_logs: client, a container and opts->callbacks.on_log are required");
    int rc = V6N_CHECK_VERSION(opts, V6N_LOGS_OPTIONS_VERSION, "logs options");
    if (!rc)
        rc = v6n_engine_negotiate(client);
    if (rc)
        return rc;

    demux d = {.on_data = opts->callbacks.on_log, .payload = opts->callbacks.payload, .raw = -1};
    if (!api_at_least(client, 42)) {
        /* before 1.42 only the container's config tells the format */
        yajl_val v;
        if ((rc = v6n_container_inspect(&v, client, name_or_id)))
            return rc;
        const char *tty_path[] = {"Config", "Tty", NULL};
        yajl_val tty = v6n_json_get(v, tty_path);
        d.raw = tty && YAJL_IS_TRUE(tty);
        yajl_tree_free(v);
    }
    char tail[32];
    if (opts->tail < 0)
        snprintf(tail, sizeof(tail), "all");
    else
        snprintf(tail, sizeof(tail), "%ld", opts->tail);
    char *ename = v6n_escape(name_or_id);
    char *path = ename ? v6n_asprintf("/containers/%s/logs?stdout=1&stderr=1&follow=%d"
                                      "&timestamps=%d&tail=%s",
                                      ename, opts->follow ? 1 : 0, opts->timestamps ? 1 : 0, tail)
                       : NULL;
    char *step = v6n_asprintf("read the logs of %s", name_or_id);
    free(ename);
    if (!path || !step) {
        free(path);
        free(step);
        return v6n_err_nomem();
    }
    v6n_request req = {.method = "GET",
                       .path = path,
                       .stream = true,
                       .on_data = on_log_data,
                       .payload = &d,
                       .step = step};
    /* Past output only: a stream that stops sending for a request timeout is
     * stuck. Following may be quiet for hours: the heartbeat lets on_data stop. */
    if (!opts->follow) {
        long stall = v6n_client_request_timeout_ms(client) / 1000;
        req.stall_timeout_s = stall > 0 ? stall : 1;
    }
    v6n_http_response resp;
    d.resp = &resp;
    rc = v6n_engine_do(client, &req, &resp);
    if (!rc && resp.status >= 300)
        rc = v6n_engine_error(&req, &resp);
    v6n_http_response_free(&resp);
    free(path);
    free(step);
    if (rc == V6N_ECANCELLED && d.stopped) {
        v6n_error_clear();
        return V6N_OK;
    }
    return rc;
}

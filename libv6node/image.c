/* Images: pulling (always with a tag, errors inside the 200 progress stream
 * detected), presence checks, and asking the vantage6 server for its version
 * (contract section 5). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* docker-py's parse_repository_tag: "repo@digest", "repo:tag" (a ':' after the
 * last '/'), else no tag, which becomes "latest". */
static int split_image(const char *image, char **repo, char **tag)
{
    const char *at = strrchr(image, '@');
    const char *colon = strrchr(image, ':');
    if (at) {
        *repo = v6n_strndup(image, (size_t)(at - image));
        *tag = v6n_strdup(at + 1);
    } else if (colon && !strchr(colon + 1, '/')) {
        *repo = v6n_strndup(image, (size_t)(colon - image));
        *tag = v6n_strdup(colon + 1);
    } else {
        *repo = v6n_strdup(image);
        *tag = v6n_strdup("latest");
    }
    return (*repo && *tag) ? V6N_OK : v6n_err_nomem();
}

int v6n_image_exists(int *out, v6n_client *client, const char *image)
{
    if (!out || !client || v6n_str_empty(image))
        return v6n_err(V6N_EINVAL, NULL, "v6n_image_exists: out, client and image are required");
    *out = 0;
    v6n_call call = {.method = "GET",
                     .verb = "look for image",
                     .prefix = "/images/",
                     .object = image,
                     .suffix = "/json",
                     .ok = {200, 404}};
    v6n_http_response resp;
    int rc = v6n_engine_call(client, &call, &resp);
    if (!rc)
        *out = resp.status == 200;
    v6n_http_response_free(&resp);
    return rc;
}

/* ---- the pull progress stream ---------------------------------------------- */

/* A pull that sends nothing at all for ten request timeouts (10 minutes by
 * default) is stuck: the engine sends progress lines every few seconds while
 * it downloads or extracts. */
#define PULL_STALL_FACTOR 10

typedef v6n_pull_stream pull_state;

static int pull_line(pull_state *st, const char *line, size_t len)
{
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    if (len == 0)
        return 0;
    char *text = v6n_strndup(line, len);
    if (!text)
        return -1;
    yajl_val v = yajl_tree_parse(text, NULL, 0);
    free(text);
    if (!v) {
        st->parse_failures++;
        return 0;
    }
    int verdict = 0;
    const char *err = v6n_json_string(v, "error");
    if (err) {
        if (!st->error[0])
            snprintf(st->error, sizeof(st->error), "%s", err);
    } else {
        const char *status = v6n_json_string(v, "status");
        const char *id = v6n_json_string(v, "id");
        const char *cur_path[] = {"progressDetail", "current", NULL};
        const char *tot_path[] = {"progressDetail", "total", NULL};
        yajl_val cur = v6n_json_get(v, cur_path), tot = v6n_json_get(v, tot_path);
        verdict = v6n_emit(st->on_event, st->payload, V6N_EVENT_PULL_PROGRESS, status, id,
                           st->image, cur && YAJL_IS_INTEGER(cur) ? YAJL_GET_INTEGER(cur) : 0,
                           tot && YAJL_IS_INTEGER(tot) ? YAJL_GET_INTEGER(tot) : 0);
    }
    yajl_tree_free(v);
    return verdict;
}

int v6n_pull_stream_feed(v6n_pull_stream *st, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] != '\n') {
            if (v6n_buf_putc(&st->line, data[i]))
                return -1;
            continue;
        }
        int verdict = pull_line(st, st->line.ptr ? st->line.ptr : "", st->line.len);
        v6n_buf_clear(&st->line);
        if (verdict)
            return verdict;
    }
    return 0;
}

int v6n_pull_stream_finish(v6n_pull_stream *st)
{
    int verdict = 0;
    if (st->line.len) /* a last line without a newline */
        verdict = pull_line(st, st->line.ptr, st->line.len);
    v6n_buf_clear(&st->line);
    return verdict;
}

static int on_pull_data(const char *data, size_t len, void *payload)
{
    if (!data)
        return 0; /* heartbeat: pulls are only cancelled through events */
    return v6n_pull_stream_feed(payload, data, len);
}

/* When the registry refused the pull for want of (good) credentials, say which
 * credentials were sent, or that none were found. */
static int explain_refusal(int rc, const char *registry, const char *auth_source)
{
    if (v6n_error_last()->http_status == 0) /* not the engine's answer: no registry involved */
        return rc;
    const char *msg = v6n_error_last()->message;
    static const char *const refusals[] = {"unauthorized", "no basic auth credentials",
                                           "authentication required", "denied", NULL};
    bool refused = false;
    for (int i = 0; refusals[i] && !refused; i++)
        refused = strstr(msg, refusals[i]) != NULL;
    if (!refused)
        return rc;
    v6n_err_snapshot snap;
    v6n_err_save(&snap);
    if (auth_source)
        rc = v6n_err_http(rc, snap.http_status,
                          "%s (the registry refused the credentials for %s from %s)", snap.message,
                          registry, auth_source);
    else
        rc = v6n_err_http(rc, snap.http_status,
                          "%s (no credentials for %s were found in the Docker config file: "
                          "`docker login %s` stores them where libv6node, like docker-py, "
                          "looks)",
                          snap.message, registry, registry);
    return rc;
}

int v6n_image_pull(v6n_client *client, const char *image, const v6n_callbacks *cb)
{
    if (!client || v6n_str_empty(image))
        return v6n_err(V6N_EINVAL, NULL, "v6n_image_pull: client and image are required");
    v6n_event_cb on_event = cb ? cb->on_event : NULL;
    void *payload = cb ? cb->payload : NULL;
    char *repo = NULL, *tag = NULL, *erepo = NULL, *etag = NULL, *path = NULL, *step = NULL;
    int rc = split_image(image, &repo, &tag);
    if (!rc) {
        erepo = v6n_escape(repo);
        etag = v6n_escape(tag);
        path = (erepo && etag) ? v6n_asprintf("/images/create?fromImage=%s&tag=%s", erepo, etag)
                               : NULL;
        step = v6n_asprintf("pull image %s", image);
        if (!path || !step)
            rc = v6n_err_nomem();
    }
    pull_state st = {image, on_event, payload, V6N_BUF_INIT, "", 0};
    /* credentials as docker-py finds them (registry_auth.c) */
    char *registry = NULL, *auth = NULL, *auth_source = NULL, *start_msg = NULL;
    if (!rc && !(registry = v6n_registry_of(image)))
        rc = v6n_err_nomem();
    if (!rc)
        rc = v6n_registry_auth(&auth, &auth_source, registry, on_event, payload);
    if (!rc) {
        start_msg = auth ? v6n_asprintf("pulling with the credentials for %s from %s", registry,
                                        auth_source)
                         : v6n_strdup("pulling");
        if (!start_msg)
            rc = v6n_err_nomem();
    }
    if (!rc && v6n_emit(on_event, payload, V6N_EVENT_PULL_START, start_msg, "", image, 0, 0))
        rc = v6n_err(V6N_ECANCELLED, NULL, "%s: stopped by the caller", step);
    if (!rc) {
        v6n_request req = {.method = "POST",
                           .path = path,
                           .stream = true,
                           .on_data = on_pull_data,
                           .payload = &st,
                           .step = step,
                           .stall_timeout_s =
                               PULL_STALL_FACTOR * v6n_client_request_timeout_ms(client) / 1000,
                           .registry_auth = auth};
        v6n_http_response resp;
        rc = v6n_engine_do(client, &req, &resp);
        if (!rc && resp.status >= 300)
            rc = v6n_engine_error(&req, &resp);
        if (!rc)
            v6n_pull_stream_finish(&st);
        if (!rc && st.error[0])
            rc = v6n_err_http(V6N_EENGINE, (int)resp.status,
                              "%s: the engine reported an error while pulling: %s", step, st.error);
        v6n_http_response_free(&resp);
        if (rc && rc != V6N_ECANCELLED)
            rc = explain_refusal(rc, registry, auth_source);
    }
    if (!rc)
        v6n_emit(on_event, payload, V6N_EVENT_PULL_DONE, "pulled", "", image, 0, 0);
    v6n_buf_free(&st.line);
    v6n_registry_auth_free(auth);
    free(auth_source);
    free(registry);
    free(start_msg);
    free(repo);
    free(tag);
    free(erepo);
    free(etag);
    free(path);
    free(step);
    return rc;
}

/* ---- the vantage6 server's version ---------------------------------------- */

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
    v6n_buf *b = userdata;
    size_t len = size * n;
    if (b->len + len > 65536)
        return 0;
    return v6n_buf_add(b, data, len) == V6N_OK ? len : 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int v6n_parse_server_version(char **out, const char *body, size_t len)
{
    *out = NULL;
    if (!body || len == 0 || memchr(body, '\0', len))
        return V6N_EENGINE;
    char *text = v6n_strndup(body, len);
    if (!text)
        return v6n_err_nomem();
    yajl_val v = yajl_tree_parse(text, NULL, 0);
    free(text);
    const char *version = v6n_json_string(v, "version");
    int rc = V6N_EENGINE;
    /* it becomes an image tag: only tag characters, at most 128 */
    if (version && *version && strlen(version) <= 128 &&
        strspn(version, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
            strlen(version) &&
        version[0] != '.' && version[0] != '-')
        rc = (*out = v6n_strdup(version)) ? V6N_OK : v6n_err_nomem();
    yajl_tree_free(v);
    return rc;
}

int v6n_server_version_get(char **out, const char *url, long timeout_ms, int attempts)
{
    if (!out || v6n_str_empty(url))
        return v6n_err(V6N_EINVAL, NULL, "v6n_server_version_get: out and url are required");
    *out = NULL;
    if (timeout_ms <= 0)
        timeout_ms = 3000;
    if (attempts <= 0)
        attempts = 3;
    int rc = v6n_curl_global_init();
    if (rc)
        return rc;

    CURL *h = curl_easy_init();
    if (!h)
        return v6n_err_nomem();
    v6n_buf body = V6N_BUF_INIT;
    long status = 0;
    CURLcode code = CURLE_OK;
    char errbuf[CURL_ERROR_SIZE];
    for (int i = 0; i < attempts; i++) {
        v6n_buf_clear(&body);
        errbuf[0] = '\0';
        v6n_server_curl_reset(h, url, timeout_ms, collect, &body, errbuf);
        code = curl_easy_perform(h);
        if (code == CURLE_OK) {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
            break;
        }
        if (i + 1 < attempts)
            sleep_ms(500);
    }
    curl_easy_cleanup(h);

    if (code != CURLE_OK) {
        rc = v6n_err(V6N_EUNAVAILABLE, NULL,
                     "cannot ask the vantage6 server for its version at %s: %s (%d attempts)", url,
                     errbuf[0] ? errbuf : curl_easy_strerror(code), attempts);
    } else if (status != 200) {
        rc = v6n_err_http(V6N_EENGINE, (int)status,
                          "the vantage6 server at %s answered HTTP %ld instead of its version", url,
                          status);
    } else if ((rc = v6n_parse_server_version(out, body.ptr, body.len)) == V6N_EENGINE) {
        rc = v6n_err_http(V6N_EENGINE, (int)status,
                          "the vantage6 server at %s did not answer {\"version\": \"x.y.z\"}", url);
    }
    v6n_buf_free(&body);
    return rc;
}

/* See bench_curl.h. */
#define _GNU_SOURCE
#include "bench_curl.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bn_curl {
    CURL *h;
    struct curl_slist *json;
    char *buf;
    size_t len, cap;
    unsigned long requests;
    unsigned long connects;
};

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    bn_curl *c = userdata;
    size_t len = size * n;
    if (c->len + len + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap < c->len + len + 1)
            cap *= 2;
        char *buf = realloc(c->buf, cap);
        if (!buf)
            return 0;
        c->buf = buf;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, data, len);
    c->len += len;
    c->buf[c->len] = '\0';
    return len;
}

bn_curl *bn_curl_new(const char *socket_path)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        bn_die("curl_global_init failed");
    bn_curl *c = bn_alloc(sizeof(*c));
    c->h = curl_easy_init();
    c->json = curl_slist_append(NULL, "Content-Type: application/json");
    if (!c->h || !c->json)
        bn_die("curl_easy_init failed");
    curl_easy_setopt(c->h, CURLOPT_UNIX_SOCKET_PATH,
                     socket_path ? socket_path : "/var/run/docker.sock");
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 60000L);
    return c;
}

void bn_curl_free(bn_curl *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->h);
    curl_slist_free_all(c->json);
    free(c->buf);
    free(c);
}

long bn_curl_do(bn_curl *c, const char *method, const char *path, const char *body, size_t body_len)
{
    char url[8192];
    snprintf(url, sizeof(url), "http://docker%s", path);
    CURL *h = c->h;
    c->len = 0;
    if (c->buf)
        c->buf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, body ? (long)body_len : 0L);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, body ? c->json : NULL);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") ? method : NULL);
    }
    c->requests++;
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        fprintf(stderr, "bench: %s %s: %s\n", method, path, curl_easy_strerror(rc));
        return -1;
    }
    long status = 0, connects = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
    c->connects += (unsigned long)connects;
    return status;
}

const char *bn_curl_body(const bn_curl *c, size_t *len)
{
    if (len)
        *len = c->len;
    return c->buf ? c->buf : "";
}

unsigned long bn_curl_requests(const bn_curl *c)
{
    return c->requests;
}

unsigned long bn_curl_connects(const bn_curl *c)
{
    return c->connects;
}

int bn_floor_run(bn_curl *c, const bn_script *s, char id[65], double *step_ns)
{
    id[0] = '\0';
    for (size_t i = 0; i < s->n; i++) {
        const bn_step *st = &s->steps[i];
        double t0 = step_ns ? bn_now_ns() : 0;
        if (st->kind == BN_MKDIR) {
            if (bn_mkdirs(st->path) != 0) {
                perror(st->path);
                return -1;
            }
        } else {
            char path[8192];
            bn_subst_id(path, sizeof(path), st->path, id);
            long status = bn_curl_do(c, st->method, path, st->body, st->body_len);
            if (status != st->expect) {
                fprintf(stderr, "bench: floor step '%s' (%s %s) got HTTP %ld, not %d: %s\n",
                        st->label, st->method, path, status, st->expect, bn_curl_body(c, NULL));
                return -1;
            }
            if (strstr(st->path, "/containers/create")) {
                size_t len;
                const char *body = bn_curl_body(c, &len);
                if (bn_find_id(body, len, id) != 0) {
                    fprintf(stderr, "bench: no Id in the create answer: %s\n", body);
                    return -1;
                }
            }
        }
        if (step_ns)
            step_ns[i] = bn_now_ns() - t0;
    }
    return 0;
}

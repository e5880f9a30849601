/* The floor: a bare libcurl client on the engine's unix socket. One easy
 * handle (so one kept-alive connection), options set once, per request only
 * the URL, the method and the body change; the answer is kept as bytes. */
#ifndef V6N_BENCH_CURL_H
#define V6N_BENCH_CURL_H

#include <stddef.h>

#include "bench_util.h"

typedef struct bn_curl bn_curl;

/* A client for the engine at `socket_path` (NULL: /var/run/docker.sock). Dies
 * when libcurl cannot be set up. */
bn_curl *bn_curl_new(const char *socket_path);
void bn_curl_free(bn_curl *c);

/* Send one request; returns the HTTP status, or -1 when no answer came (the
 * reason is printed). `path` starts with '/'. */
long bn_curl_do(bn_curl *c, const char *method, const char *path, const char *body,
                size_t body_len);
/* The last answer's body (NUL-terminated) and its length. */
const char *bn_curl_body(const bn_curl *c, size_t *len);
/* Requests sent so far, and connections opened for them. */
unsigned long bn_curl_requests(const bn_curl *c);
unsigned long bn_curl_connects(const bn_curl *c);

/* Replay a start script: folders, then each request, checking its status;
 * "{ID}" becomes the id of the create answer. `step_ns` (NULL or s->n
 * entries) receives each step's duration. Returns 0, or -1 with the failing
 * step printed. */
int bn_floor_run(bn_curl *c, const bn_script *s, char id[65], double *step_ns);

#endif

/* The same start script as bench_floor_cmd, sent as plain HTTP/1.1 on one
 * unix-socket connection with no HTTP library at all (libc only): how much of
 * a start process's time and memory is the loading of libcurl and its
 * dependencies. Handles exactly what the engine answers here: Content-Length
 * or chunked bodies, keep-alive.
 *
 * Usage: bench_rawsock_cmd SCRIPT */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench_util.h"

static int fd = -1;
static char in[1 << 16];
static size_t in_len, in_pos;

static int fill(void)
{
    if (in_pos > 0) {
        memmove(in, in + in_pos, in_len - in_pos);
        in_len -= in_pos;
        in_pos = 0;
    }
    if (in_len == sizeof(in))
        return -1;
    ssize_t n = read(fd, in + in_len, sizeof(in) - in_len);
    if (n <= 0)
        return -1;
    in_len += (size_t)n;
    return 0;
}

/* The next line (without CRLF) into out. */
static int get_line(char *out, size_t size)
{
    for (;;) {
        char *eol = memmem(in + in_pos, in_len - in_pos, "\r\n", 2);
        if (eol) {
            size_t n = (size_t)(eol - (in + in_pos));
            if (n >= size)
                return -1;
            memcpy(out, in + in_pos, n);
            out[n] = '\0';
            in_pos += n + 2;
            return 0;
        }
        if (fill() != 0)
            return -1;
    }
}

static int get_bytes(char *out, size_t n, size_t *len, size_t cap)
{
    while (in_len - in_pos < n)
        if (fill() != 0)
            return -1;
    if (*len + n + 1 <= cap) {
        memcpy(out + *len, in + in_pos, n);
        *len += n;
        out[*len] = '\0';
    }
    in_pos += n;
    return 0;
}

static int write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One request; returns the status, the body in `body`. */
static long request(const bn_step *st, const char *path, char *body, size_t cap, size_t *len)
{
    char head[8192];
    int n;
    if (st->body)
        n = snprintf(head, sizeof(head),
                     "%s %s HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     st->method, path, st->body_len);
    else
        n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: docker\r\n%s\r\n", st->method,
                     path, strcmp(st->method, "POST") == 0 ? "Content-Length: 0\r\n" : "");
    if (write_all(head, (size_t)n) != 0 || (st->body && write_all(st->body, st->body_len) != 0))
        return -1;
    char line[8192];
    if (get_line(line, sizeof(line)) != 0)
        return -1;
    long status = strtol(line + 9, NULL, 10);
    long content_length = -1;
    int chunked = 0;
    while (get_line(line, sizeof(line)) == 0 && line[0]) {
        if (strncasecmp(line, "Content-Length:", 15) == 0)
            content_length = strtol(line + 15, NULL, 10);
        else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 && strstr(line, "chunked"))
            chunked = 1;
    }
    *len = 0;
    body[0] = '\0';
    if (chunked) {
        for (;;) {
            if (get_line(line, sizeof(line)) != 0)
                return -1;
            size_t size = strtoul(line, NULL, 16);
            if (size == 0) {
                get_line(line, sizeof(line));
                break;
            }
            if (get_bytes(body, size, len, cap) != 0 || get_line(line, sizeof(line)) != 0)
                return -1;
        }
    } else if (content_length > 0 && get_bytes(body, (size_t)content_length, len, cap) != 0) {
        return -1;
    }
    return status;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_rawsock_cmd SCRIPT\n");
        return 2;
    }
    bn_script s;
    if (bn_script_load(&s, argv[1]) != 0) {
        fprintf(stderr, "bench_rawsock_cmd: cannot read %s\n", argv[1]);
        return 2;
    }
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "/var/run/docker.sock");
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("bench_rawsock_cmd: connect");
        return 1;
    }
    static char body[1 << 16];
    char id[65] = "", path[8192];
    unsigned long requests = 0;
    for (size_t i = 0; i < s.n; i++) {
        const bn_step *st = &s.steps[i];
        if (st->kind == BN_MKDIR) {
            if (bn_mkdirs(st->path) != 0) {
                perror(st->path);
                return 1;
            }
            continue;
        }
        bn_subst_id(path, sizeof(path), st->path, id);
        size_t len;
        long status = request(st, path, body, sizeof(body), &len);
        requests++;
        if (status != st->expect) {
            fprintf(stderr, "bench_rawsock_cmd: %s %s got HTTP %ld, not %d: %s\n", st->method, path,
                    status, st->expect, body);
            return 1;
        }
        if (strstr(st->path, "/containers/create") && bn_find_id(body, len, id) != 0) {
            fprintf(stderr, "bench_rawsock_cmd: no Id in %s\n", body);
            return 1;
        }
    }
    printf("%s\nrequests %lu\n", id, requests);
    close(fd);
    bn_script_free(&s);
    return 0;
}

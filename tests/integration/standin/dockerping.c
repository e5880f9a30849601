/*
 * dockerping: ask a Docker engine's unix socket for /_ping.
 *
 *   dockerping [SOCKET]      (default /var/run/docker.sock)
 *
 * Sends "GET /_ping HTTP/1.0" and exits 0 iff the status is 200 and the body is
 * exactly "OK". Otherwise prints one line on stderr saying why and exits 1.
 * Built with `cc -static -O2` into the stand-in node image, which has no libc.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "dockerping: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/var/run/docker.sock";
    static const char req[] = "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n";
    char buf[8192];
    size_t len = 0;
    struct sockaddr_un addr;
    struct timeval tv = {5, 0};
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path))
        return fail("socket path too long", path);
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, path);

    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return fail("socket", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
        return fail(path, strerror(errno));
    for (size_t off = 0; off < sizeof(req) - 1;) {
        ssize_t n = write(fd, req + off, sizeof(req) - 1 - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fail("write", strerror(errno));
        off += (size_t)n;
    }
    /* HTTP/1.0: the engine closes the connection after the response. */
    for (;;) {
        ssize_t n;
        if (len == sizeof(buf) - 1)
            return fail("response too large", NULL);
        n = read(fd, buf + len, sizeof(buf) - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail("read", strerror(errno));
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';

    /* Status line: HTTP/1.x 200 ... */
    if (strncmp(buf, "HTTP/1.", 7) != 0 || len < 12)
        return fail("not an HTTP response", NULL);
    if (strncmp(buf + 8, " 200", 4) != 0) {
        char *eol = strstr(buf, "\r\n");
        if (eol)
            *eol = '\0';
        return fail("unexpected status", buf);
    }
    char *body = strstr(buf, "\r\n\r\n");
    if (!body)
        return fail("no end of headers", NULL);
    body += 4;
    if (strcmp(body, "OK") != 0)
        return fail("unexpected body", body);
    return 0;
}

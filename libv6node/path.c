/* Path helpers with Python's semantics (os.path.normpath/abspath, PurePath
 * stem/suffix), because the paths we produce must be the ones vantage6 would. */
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

char *v6n_path_normalize(const char *path)
{
    if (*path == '\0')
        return v6n_strdup(".");
    size_t initial = 0;
    if (path[0] == '/')
        initial = (path[1] == '/' && path[2] != '/') ? 2 : 1;

    /* Components are collected as (offset, length) pairs into `path`. */
    size_t cap = strlen(path) / 2 + 2, n = 0;
    const char **start = malloc(cap * sizeof(*start));
    size_t *len = malloc(cap * sizeof(*len));
    if (!start || !len) {
        free(start);
        free(len);
        return NULL;
    }
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t l = (size_t)(p - s);
        if (l == 1 && s[0] == '.')
            continue;
        if (l == 2 && s[0] == '.' && s[1] == '.') {
            bool prev_is_dotdot =
                n > 0 && len[n - 1] == 2 && start[n - 1][0] == '.' && start[n - 1][1] == '.';
            if (n > 0 && !prev_is_dotdot) {
                n--;
                continue;
            }
            if (initial)
                continue; /* "/.." is "/" */
        }
        start[n] = s;
        len[n] = l;
        n++;
    }
    v6n_buf b = V6N_BUF_INIT;
    int rc = v6n_buf_add(&b, "//", initial);
    for (size_t i = 0; !rc && i < n; i++) {
        if (i)
            rc = v6n_buf_putc(&b, '/');
        if (!rc)
            rc = v6n_buf_add(&b, start[i], len[i]);
    }
    if (!rc && b.len == 0)
        rc = v6n_buf_putc(&b, '.');
    free(start);
    free(len);
    if (rc) {
        v6n_buf_free(&b);
        return NULL;
    }
    return v6n_buf_detach(&b);
}

char *v6n_path_join(const char *a, const char *b)
{
    if (b[0] == '/' || v6n_str_empty(a))
        return v6n_path_normalize(b);
    char *joined = v6n_asprintf("%s/%s", a, b);
    if (!joined)
        return NULL;
    char *norm = v6n_path_normalize(joined);
    free(joined);
    return norm;
}

char *v6n_path_absolute(const char *path, const char *base)
{
    char *cwd = NULL;
    if (path[0] != '/' && v6n_str_empty(base)) {
        cwd = getcwd(NULL, 0);
        if (!cwd) {
            v6n_err(V6N_EIO, NULL, "cannot determine the current directory: %s", strerror(errno));
            return NULL;
        }
        base = cwd;
    } else if (path[0] != '/' && base[0] != '/') {
        char *abs_base = v6n_path_absolute(base, NULL);
        if (!abs_base)
            return NULL;
        char *r = v6n_path_join(abs_base, path);
        free(abs_base);
        if (!r)
            v6n_err_nomem();
        return r;
    }
    char *r = path[0] == '/' ? v6n_path_normalize(path) : v6n_path_join(base, path);
    free(cwd);
    if (!r)
        v6n_err_nomem();
    return r;
}

char *v6n_path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return v6n_strdup(".");
    while (slash > path && slash[-1] == '/')
        slash--;
    if (slash == path)
        return v6n_strdup("/");
    return v6n_strndup(path, (size_t)(slash - path));
}

const char *v6n_path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Index of the suffix dot in `name`, or 0 when there is no suffix (Python:
 * a dot at 0 or at the end does not start a suffix). */
static size_t suffix_dot(const char *name)
{
    const char *dot = strrchr(name, '.');
    size_t len = strlen(name);
    if (!dot || dot == name || (size_t)(dot - name) == len - 1)
        return 0;
    return (size_t)(dot - name);
}

const char *v6n_path_suffix(const char *path)
{
    const char *name = v6n_path_basename(path);
    size_t dot = suffix_dot(name);
    return dot ? name + dot : name + strlen(name);
}

char *v6n_path_stem(const char *path)
{
    const char *name = v6n_path_basename(path);
    size_t dot = suffix_dot(name);
    return dot ? v6n_strndup(name, dot) : v6n_strdup(name);
}

bool v6n_path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

bool v6n_path_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Make folder `part` (a prefix of `path`, or `path` itself) when missing. */
static int mkdir_step(const char *path, const char *part)
{
    if (mkdir(part, 0755) == 0)
        return V6N_OK;
    int e = errno;
    struct stat st;
    if (e == EEXIST && stat(part, &st) == 0 && S_ISDIR(st.st_mode))
        return V6N_OK;
    if (e == EEXIST || e == ENOTDIR)
        return v6n_err(V6N_EIO, NULL, "cannot create folder %s: a file is in the way (%s)", path,
                       part);
    if (strcmp(part, path) == 0)
        return v6n_err(V6N_EIO, NULL, "cannot create folder %s: %s", path, strerror(e));
    return v6n_err(V6N_EIO, NULL, "cannot create folder %s: %s: %s", path, part, strerror(e));
}

int v6n_path_mkdirs(const char *path)
{
    char *copy = v6n_strdup(path);
    if (!copy)
        return v6n_err_nomem();
    int rc = V6N_OK;
    for (char *p = copy + 1; *p && !rc; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        rc = mkdir_step(path, copy);
        *p = '/';
    }
    if (!rc)
        rc = mkdir_step(path, copy);
    free(copy);
    return rc;
}

#define READ_MAX (16u * 1024u * 1024u)

int v6n_read_file(char **out, size_t *out_len, const char *path)
{
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return v6n_err(V6N_ENOTFOUND, NULL, "%s: no such file", path);
        return v6n_err(V6N_EIO, NULL, "%s: cannot open: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return v6n_err(V6N_EIO, NULL, "%s: is a directory, not a file", path);
    }
    v6n_buf b = V6N_BUF_INIT;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            v6n_buf_free(&b);
            return v6n_err(V6N_EIO, NULL, "%s: cannot read: %s", path, strerror(e));
        }
        if (n == 0)
            break;
        if (b.len + (size_t)n > READ_MAX) {
            close(fd);
            v6n_buf_free(&b);
            return v6n_err(V6N_EIO, NULL, "%s: larger than %u bytes, not a node config", path,
                           READ_MAX);
        }
        int rc = v6n_buf_add(&b, chunk, (size_t)n);
        if (rc) {
            close(fd);
            v6n_buf_free(&b);
            return rc;
        }
    }
    close(fd);
    *out_len = b.len;
    *out = v6n_buf_detach(&b);
    return *out ? V6N_OK : v6n_err_nomem();
}

char *v6n_home_docker_dir(void)
{
    const char *home = getenv("HOME");
    struct passwd pw, *res = NULL;
    char buf[4096];
    if ((!home || !*home) && getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
        home = res->pw_dir;
    return v6n_asprintf("%s/.docker", home ? home : "");
}

char *v6n_path_which(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path;; p += strcspn(p, ":") + 1) {
        size_t n = strcspn(p, ":");
        char *candidate = n ? v6n_asprintf("%.*s/%s", (int)n, p, name) : v6n_asprintf("./%s", name);
        if (candidate && access(candidate, X_OK) == 0 && !v6n_path_is_dir(candidate))
            return candidate;
        free(candidate);
        if (p[n] == '\0')
            return NULL;
    }
}

/* See bench_util.h. */
#define _GNU_SOURCE
#include "bench_util.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double bn_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double bn_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

void bn_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void *bn_alloc(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (!p)
        bn_die("out of memory");
    return p;
}

char *bn_strdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        bn_die("out of memory");
    return p;
}

char *bn_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    int n = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (n < 0)
        bn_die("out of memory");
    return p;
}

void bn_add(bn_samples *s, double x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = realloc(s->v, s->cap * sizeof(*s->v));
        if (!s->v)
            bn_die("out of memory");
    }
    s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bn_q(const bn_samples *s, double q)
{
    if (s->n == 0)
        return NAN;
    double *copy = bn_alloc(s->n * sizeof(*copy));
    memcpy(copy, s->v, s->n * sizeof(*copy));
    qsort(copy, s->n, sizeof(*copy), cmp_double);
    double r = copy[(size_t)(q * (double)(s->n - 1) + 0.5)];
    free(copy);
    return r;
}

void bn_samples_free(bn_samples *s)
{
    free(s->v);
    memset(s, 0, sizeof(*s));
}

void bn_shuffle(int *order, int n, unsigned long long *state)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        unsigned long long x = *state ? *state : 0x9E3779B97F4A7C15ULL;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *state = x;
        int j = (int)(x % (unsigned long long)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

int bn_mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return (mkdir(buf, 0755) != 0 && errno != EEXIST) ? -1 : 0;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void bn_rmtree(const char *path)
{
    if (path && path[0] == '/' && strlen(path) > 5)
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- scripts ----------------------------------------------------------------- */

static bn_step *script_add(bn_script *s)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->steps = realloc(s->steps, s->cap * sizeof(*s->steps));
        if (!s->steps)
            bn_die("out of memory");
    }
    bn_step *st = &s->steps[s->n++];
    memset(st, 0, sizeof(*st));
    return st;
}

void bn_script_mkdir(bn_script *s, const char *dir)
{
    bn_step *st = script_add(s);
    st->kind = BN_MKDIR;
    st->path = bn_strdup(dir);
    st->label = bn_strdup("mkdir -p");
}

void bn_script_request(bn_script *s, const char *label, const char *method, int expect,
                       const char *path, const char *body)
{
    bn_step *st = script_add(s);
    st->kind = BN_REQUEST;
    snprintf(st->method, sizeof(st->method), "%s", method);
    st->expect = expect;
    st->path = bn_strdup(path);
    st->body = body ? bn_strdup(body) : NULL;
    st->body_len = body ? strlen(body) : 0;
    st->label = bn_strdup(label);
}

size_t bn_script_requests(const bn_script *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->steps[i].kind == BN_REQUEST;
    return n;
}

void bn_script_free(bn_script *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->steps[i].path);
        free(s->steps[i].body);
        free(s->steps[i].label);
    }
    free(s->steps);
    memset(s, 0, sizeof(*s));
}

/* Format: "v6nbench-script 1\n", then per step
 *   "<kind> <method> <expect> <label len> <path len> <body len or -1>\n"
 *   label bytes, path bytes, body bytes, "\n" */
int bn_script_save(const bn_script *s, const char *file)
{
    FILE *f = fopen(file, "w");
    if (!f)
        return -1;
    fprintf(f, "v6nbench-script 1\n");
    for (size_t i = 0; i < s->n; i++) {
        const bn_step *st = &s->steps[i];
        fprintf(f, "%d %s %d %zu %zu %ld\n", (int)st->kind, st->method[0] ? st->method : "-",
                st->expect, strlen(st->label), strlen(st->path),
                st->body ? (long)st->body_len : -1L);
        fputs(st->label, f);
        fputs(st->path, f);
        if (st->body)
            fwrite(st->body, 1, st->body_len, f);
        fputc('\n', f);
    }
    return fclose(f) == 0 ? 0 : -1;
}

static char *read_exact(FILE *f, size_t n)
{
    char *p = bn_alloc(n + 1);
    if (fread(p, 1, n, f) != n) {
        free(p);
        return NULL;
    }
    p[n] = '\0';
    return p;
}

int bn_script_load(bn_script *s, const char *file)
{
    memset(s, 0, sizeof(*s));
    FILE *f = fopen(file, "r");
    if (!f)
        return -1;
    int version = 0, rc = 0;
    if (fscanf(f, "v6nbench-script %d\n", &version) != 1 || version != 1)
        rc = -1;
    while (!rc) {
        int kind, expect;
        char method[8];
        size_t label_len, path_len;
        long body_len;
        int got = fscanf(f, "%d %7s %d %zu %zu %ld\n", &kind, method, &expect, &label_len,
                         &path_len, &body_len);
        if (got == EOF)
            break;
        if (got != 6) {
            rc = -1;
            break;
        }
        bn_step *st = script_add(s);
        st->kind = (bn_step_kind)kind;
        snprintf(st->method, sizeof(st->method), "%s", strcmp(method, "-") ? method : "");
        st->expect = expect;
        st->label = read_exact(f, label_len);
        st->path = read_exact(f, path_len);
        if (body_len >= 0) {
            st->body = read_exact(f, (size_t)body_len);
            st->body_len = (size_t)body_len;
        }
        if (!st->label || !st->path || (body_len >= 0 && !st->body) || fgetc(f) != '\n')
            rc = -1;
    }
    fclose(f);
    if (rc)
        bn_script_free(s);
    return rc;
}

int bn_find_id(const char *body, size_t len, char id[65])
{
    static const char key[] = "\"Id\":\"";
    const char *p = body ? memmem(body, len, key, sizeof(key) - 1) : NULL;
    if (!p || (size_t)(body + len - p) < sizeof(key) - 1 + 64)
        return -1;
    memcpy(id, p + sizeof(key) - 1, 64);
    id[64] = '\0';
    return 0;
}

void bn_subst_id(char *out, size_t size, const char *path, const char *id)
{
    const char *at = strstr(path, "{ID}");
    if (!at)
        snprintf(out, size, "%s", path);
    else
        snprintf(out, size, "%.*s%s%s", (int)(at - path), path, id, at + 4);
}

/* Pieces every benchmark program shares, with no dependency beyond libc:
 * clocks, samples and their quantiles, and the "request script" (the
 * precomputed engine requests of one node start) that the floor contenders
 * replay. */
#ifndef V6N_BENCH_UTIL_H
#define V6N_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define BN_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* Wall clock (CLOCK_MONOTONIC) and the calling thread's CPU time, in ns. */
double bn_now_ns(void);
double bn_cpu_ns(void);

/* Print "bench: <message>" on stderr and exit 1 (atexit clean-up runs). */
void bn_die(const char *fmt, ...) BN_PRINTF(1, 2) __attribute__((noreturn));

/* malloc/strdup/asprintf that die instead of returning NULL. */
void *bn_alloc(size_t size);
char *bn_strdup(const char *s);
char *bn_fmt(const char *fmt, ...) BN_PRINTF(1, 2);

/* A growing list of measurements. */
typedef struct bn_samples {
    double *v;
    size_t n, cap;
} bn_samples;

void bn_add(bn_samples *s, double x);
/* The q-quantile (0..1, nearest rank) of the samples; NAN when there are none. */
double bn_q(const bn_samples *s, double q);
void bn_samples_free(bn_samples *s);

/* A random order of 0..n-1 (Fisher-Yates on a xorshift generator whose state
 * the caller keeps: the same seed gives the same sequence of orders). */
void bn_shuffle(int *order, int n, unsigned long long *state);

/* mkdir -p. Returns 0 or -1 (errno set). */
int bn_mkdirs(const char *path);
/* rm -rf (nftw, no shell). */
void bn_rmtree(const char *path);

/* ---- the request script of one node start --------------------------------- */

typedef enum bn_step_kind { BN_MKDIR, BN_REQUEST } bn_step_kind;

typedef struct bn_step {
    bn_step_kind kind;
    char method[8]; /* GET, POST, DELETE */
    char *path;     /* "/v1.41/..." ("{ID}" stands for the created container's id); or
                       the folder of a BN_MKDIR */
    char *body;     /* NULL: none */
    size_t body_len;
    int expect;  /* the HTTP status the step must get */
    char *label; /* a short name for the tables: "inspect container" */
} bn_step;

typedef struct bn_script {
    bn_step *steps;
    size_t n, cap;
} bn_script;

void bn_script_mkdir(bn_script *s, const char *dir);
void bn_script_request(bn_script *s, const char *label, const char *method, int expect,
                       const char *path, const char *body);
/* The number of engine requests in the script. */
size_t bn_script_requests(const bn_script *s);
void bn_script_free(bn_script *s);
/* Save to / load from a file (a line per step; bodies carry their length). */
int bn_script_save(const bn_script *s, const char *file);
int bn_script_load(bn_script *s, const char *file);

/* The container id in a create answer ({"Id":"<64 hex>",...}): the only JSON the
 * floor reads. Returns 0 when found. */
int bn_find_id(const char *body, size_t len, char id[65]);
/* `path` with "{ID}" replaced by `id`, into `out`. */
void bn_subst_id(char *out, size_t size, const char *path, const char *id);

#endif

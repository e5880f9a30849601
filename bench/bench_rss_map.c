/* Where a libv6node process's resident memory is: the RSS of each mapping
 * (/proc/self/smaps, summed per file), at three points of a process linked
 * exactly like `v6node` (libv6node, hence libcurl and its dependencies):
 *   main      the dynamic loader has mapped and relocated every library
 *   client    after v6n_client_new (libcurl's global init: OpenSSL's set-up)
 *   request   after one request to the engine (v6n_client_ping)
 * Prints a markdown table, largest first (and libv6node's own libraries).
 *
 * Usage: bench_rss_map [TOP]   (default 16 rows) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v6node.h"

#define MAX_MAPS 256
#define STAGES   3

typedef struct mapping {
    char name[256];
    long kib[STAGES];
} mapping;

static mapping maps[MAX_MAPS];
static size_t n_maps;
static long total[STAGES];

static mapping *find(const char *name)
{
    for (size_t i = 0; i < n_maps; i++)
        if (strcmp(maps[i].name, name) == 0)
            return &maps[i];
    if (n_maps == MAX_MAPS)
        return &maps[MAX_MAPS - 1];
    mapping *m = &maps[n_maps++];
    snprintf(m->name, sizeof(m->name), "%s", name);
    return m;
}

static void snapshot(int stage)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f) {
        perror("/proc/self/smaps");
        exit(1);
    }
    char line[1024], name[256] = "[anon]";
    while (fgets(line, sizeof(line), f)) {
        unsigned long a, b;
        char perm[8];
        long kib;
        if (sscanf(line, "%lx-%lx %7s", &a, &b, perm) == 3) {
            const char *path = strchr(line, '/');
            const char *bracket = strchr(line, '[');
            const char *src = path ? path : bracket;
            if (src) {
                const char *base = path ? strrchr(src, '/') + 1 : src;
                snprintf(name, sizeof(name), "%s", base);
                name[strcspn(name, "\n")] = '\0';
            } else {
                snprintf(name, sizeof(name), "[anon]");
            }
        } else if (sscanf(line, "Rss: %ld kB", &kib) == 1) {
            find(name)->kib[stage] += kib;
            total[stage] += kib;
        }
    }
    fclose(f);
}

static int by_last_stage(const void *x, const void *y)
{
    const mapping *a = x, *b = y;
    return (b->kib[STAGES - 1] > a->kib[STAGES - 1]) - (b->kib[STAGES - 1] < a->kib[STAGES - 1]);
}

int main(int argc, char **argv)
{
    size_t top = argc > 1 ? (size_t)atol(argv[1]) : 16;
    snapshot(0);
    v6n_client *c = NULL;
    if (v6n_client_new(&c, NULL)) {
        fprintf(stderr, "bench_rss_map: %s\n", v6n_error_last()->message);
        return 1;
    }
    snapshot(1);
    if (v6n_client_ping(c)) {
        fprintf(stderr, "bench_rss_map: %s\n", v6n_error_last()->message);
        return 1;
    }
    snapshot(2);
    v6n_client_free(c);

    qsort(maps, n_maps, sizeof(*maps), by_last_stage);
    printf("| mapping | at main KiB | + v6n_client_new KiB | + one request KiB |\n"
           "|---|---|---|---|\n");
    long rest[STAGES] = {0};
    size_t others = 0;
    for (size_t i = 0; i < n_maps; i++) {
        /* the top rows, and libv6node's own libraries wherever they rank */
        if (i < top || strstr(maps[i].name, "libv6node") || strstr(maps[i].name, "libyajl") ||
            strstr(maps[i].name, "libyaml")) {
            printf("| %s | %ld | %ld | %ld |\n", maps[i].name, maps[i].kib[0], maps[i].kib[1],
                   maps[i].kib[2]);
            continue;
        }
        others++;
        for (int s = 0; s < STAGES; s++)
            rest[s] += maps[i].kib[s];
    }
    printf("| %zu other mappings | %ld | %ld | %ld |\n", others, rest[0], rest[1], rest[2]);
    printf("| **total RSS** | **%ld** | **%ld** | **%ld** |\n", total[0], total[1], total[2]);
    return 0;
}

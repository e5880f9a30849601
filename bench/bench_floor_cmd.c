/* The floor as a process: replay a start script (bench_util.h) with the bare
 * libcurl client on one connection; print the container id.
 *
 * Usage: bench_floor_cmd SCRIPT */
#include <stdio.h>

#include "bench_curl.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_floor_cmd SCRIPT\n");
        return 2;
    }
    bn_script s;
    if (bn_script_load(&s, argv[1]) != 0) {
        fprintf(stderr, "bench_floor_cmd: cannot read %s\n", argv[1]);
        return 2;
    }
    bn_curl *c = bn_curl_new(NULL);
    char id[65];
    int rc = bn_floor_run(c, &s, id, NULL);
    if (rc == 0)
        printf("%s\nrequests %lu\n", id, bn_curl_requests(c));
    bn_curl_free(c);
    bn_script_free(&s);
    return rc == 0 ? 0 : 1;
}

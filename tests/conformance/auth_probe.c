/* auth_probe IMAGE: print the X-Registry-Auth value libv6node would send to
 * pull IMAGE (found from this process's environment: DOCKER_CONFIG, HOME,
 * PATH), or NONE. Warnings go to stderr as "warning: ...". Exit 0, or 1 on an
 * error. Used by registry_auth_diff.py to compare with docker-py. */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static int print_warning(const v6n_event *e, void *payload)
{
    (void)payload;
    if (e->kind == V6N_EVENT_WARNING)
        fprintf(stderr, "warning: %s\n", e->message);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: auth_probe IMAGE\n");
        return 2;
    }
    char *header = NULL;
    char *registry = v6n_registry_of(argv[1]);
    if (!registry || v6n_registry_auth(&header, NULL, registry, print_warning, NULL)) {
        fprintf(stderr, "error: %s\n", v6n_error_last()->message);
        free(registry);
        return 1;
    }
    free(registry);
    printf("%s\n", header ? header : "NONE");
    v6n_registry_auth_free(header);
    return 0;
}

/* nodectl: a small program on libv6node's C API, as a site's own tool would be.
 *
 *   nodectl start NAME [IMAGE]   start node NAME (user scope), printing progress
 *   nodectl status NAME          its state, the release it was built as, drift
 *   nodectl stop NAME            stop it (its volumes go too)
 *
 * Exit status: 0 done, 1 failed, 2 usage, 3 not found (no config, not running).
 * Build: see CMakeLists.txt (find_package) or `cc nodectl.c $(pkg-config --cflags
 * --libs v6node)`. */
#include <stdio.h>
#include <string.h>
#include <v6node.h>

static int print_event(const v6n_event *e, void *payload)
{
    (void)payload;
    if (e->kind == V6N_EVENT_WARNING)
        fprintf(stderr, "warning: %s\n", e->message);
    else if (e->kind == V6N_EVENT_IMAGE)
        fprintf(stderr, "image %s (%s)\n", e->image, e->message);
    else if (e->kind == V6N_EVENT_STARTED)
        fprintf(stderr, "started %.12s\n", e->id);
    return 0; /* non-zero would cancel */
}

static int fail(const char *what)
{
    const v6n_error *e = v6n_error_last();
    fprintf(stderr, "nodectl: %s: %s (%s)\n", what, e->message, v6n_error_code_name(e->code));
    return e->code == V6N_ENOTFOUND ? 3 : 1;
}

static int status(v6n_node *node, v6n_client *engine)
{
    v6n_node_status *st = NULL;
    if (v6n_node_status_get(&st, node, engine))
        return fail("status");
    printf("%s: %s", v6n_node_name(node), v6n_node_state_name(v6n_node_status_state(st)));
    if (v6n_node_status_vantage6_version(st))
        printf(", built as vantage6 %s", v6n_node_status_vantage6_version(st));
    putchar('\n');
    if (v6n_node_status_drift_error(st))
        printf("  drift not judged: %s\n", v6n_node_status_drift_error(st));
    for (size_t i = 0; i < v6n_node_status_drift_count(st); i++)
        printf("  drift: %s\n", v6n_node_status_drift(st, i));
    int running = v6n_node_status_state(st) == V6N_NODE_RUNNING;
    v6n_node_status_free(st);
    return running ? 0 : 3;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[1], "start") != 0)) {
        fprintf(stderr, "usage: nodectl start NAME [IMAGE] | status NAME | stop NAME\n");
        return 2;
    }
    v6n_start_options opts = V6N_START_OPTIONS_INIT;
    if (argc == 4)
        v6n_start_options_set(&opts, "image", argv[3]); /* copied into opts */
    v6n_node *node = NULL;
    v6n_client *engine = NULL;
    char *id = NULL;
    int status_code = 0;
    if (v6n_node_open(&node, argv[2], &opts)) {
        status_code = fail("open");
    } else if (v6n_client_from_env(&engine)) {
        status_code = fail("engine");
    } else if (strcmp(argv[1], "start") == 0) {
        v6n_callbacks cb = {.on_event = print_event};
        v6n_node_set_callbacks(node, &cb);
        if (v6n_node_start(&id, node, engine))
            status_code = fail("start");
        else
            printf("%s\n", id);
    } else if (strcmp(argv[1], "status") == 0) {
        status_code = status(node, engine);
    } else if (strcmp(argv[1], "stop") == 0) {
        if (v6n_node_stop(node, engine, NULL))
            status_code = fail("stop");
    } else {
        fprintf(stderr, "nodectl: unknown command '%s'\n", argv[1]);
        status_code = 2;
    }
    v6n_free(id);
    v6n_client_free(engine);
    v6n_node_free(node);
    v6n_start_options_dispose(&opts);
    return status_code;
}

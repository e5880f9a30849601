/* Running a command in a container through the engine's exec API, as
 * docker-py's exec_run does for `v6 node version`: POST
 * /containers/{id}/exec, POST /exec/{id}/start (no TTY, not detached), then
 * GET /exec/{id}/json for the exit code.
 *
 * Without a TTY the output is multiplexed frames, whatever Content-Type says:
 * an engine that is not asked to upgrade the connection announces
 * application/vnd.docker.raw-stream even then. So the stream is demultiplexed
 * as logs.c does, with the format known up front. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define OUTPUT_MAX (1024u * 1024u)

typedef struct collected {
    v6n_buf out;
    bool too_large;
} collected;

static int on_output(const char *data, size_t len, int stream, void *payload)
{
    (void)stream; /* stdout and stderr together, as exec_run gives them */
    collected *c = payload;
    if (!data)
        return 0;
    if (c->out.len + len > OUTPUT_MAX) {
        c->too_large = true;
        return 1;
    }
    return v6n_buf_add(&c->out, data, len) == V6N_OK ? 0 : 1;
}

static int on_stream(const char *data, size_t len, void *payload)
{
    return v6n_log_demux_feed(payload, data, len);
}

static int exec_create(char **out_id, v6n_client *client, const char *container,
                       const char *const *argv)
{
    v6n_jgen j;
    int rc = v6n_jgen_open(&j);
    if (rc)
        return rc;
    v6n_jgen_map(&j, true);
    v6n_jgen_kbool(&j, "AttachStdin", false);
    v6n_jgen_kbool(&j, "AttachStdout", true);
    v6n_jgen_kbool(&j, "AttachStderr", true);
    v6n_jgen_kbool(&j, "Tty", false);
    v6n_jgen_kbool(&j, "Privileged", false);
    v6n_jgen_str(&j, "Cmd");
    v6n_jgen_array(&j, true);
    for (size_t i = 0; argv[i]; i++)
        v6n_jgen_str(&j, argv[i]);
    v6n_jgen_array(&j, false);
    v6n_jgen_map(&j, false);
    char *body = NULL;
    if ((rc = v6n_jgen_close(&j, &body, "the exec request")))
        return rc;
    v6n_call call = {.method = "POST",
                     .verb = "run a command in container",
                     .prefix = "/containers/",
                     .object = container,
                     .suffix = "/exec",
                     .body = body,
                     .ok = {201}};
    v6n_http_response resp;
    rc = v6n_engine_call(client, &call, &resp);
    free(body);
    yajl_val v = NULL;
    if (!rc)
        rc = v6n_json_parse(&v, resp.body.ptr, "run a command in the container");
    const char *id = rc ? NULL : v6n_json_string(v, "Id");
    if (!rc && !id)
        rc = v6n_err(V6N_EENGINE, NULL, "the engine created an exec without an id");
    if (!rc && !(*out_id = v6n_strdup(id)))
        rc = v6n_err_nomem();
    yajl_tree_free(v);
    v6n_http_response_free(&resp);
    return rc;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The exit code, once the engine has it (the stream can end a moment before
 * the engine marks the exec as finished). */
static int exec_exit_code(int *out, v6n_client *client, const char *id)
{
    for (int attempt = 0; attempt < 50; attempt++) {
        v6n_call call = {.method = "GET",
                         .verb = "inspect exec",
                         .prefix = "/exec/",
                         .object = id,
                         .suffix = "/json",
                         .ok = {200}};
        v6n_http_response resp;
        int rc = v6n_engine_call(client, &call, &resp);
        yajl_val v = NULL;
        if (!rc)
            rc = v6n_json_parse(&v, resp.body.ptr, "inspect exec");
        v6n_http_response_free(&resp);
        if (rc)
            return rc;
        bool running = v6n_json_bool(v, "Running");
        const char *code_path[] = {"ExitCode", NULL};
        yajl_val code = v6n_json_get(v, code_path);
        if (!running && code && YAJL_IS_INTEGER(code)) {
            *out = (int)YAJL_GET_INTEGER(code);
            yajl_tree_free(v);
            return V6N_OK;
        }
        yajl_tree_free(v);
        sleep_ms(20);
    }
    return v6n_err(V6N_EENGINE, NULL, "the command in the container did not finish");
}

int v6n_container_exec(char **out_output, int *out_exit_code, v6n_client *client,
                       const char *name_or_id, const char *const *argv)
{
    if (out_output)
        *out_output = NULL;
    if (out_exit_code)
        *out_exit_code = -1;
    if (!client || v6n_str_empty(name_or_id) || !argv || !argv[0])
        return v6n_err(V6N_EINVAL, NULL,
                       "v6n_container_exec: client, a container and a command are required");
    char *id = NULL;
    int rc = exec_create(&id, client, name_or_id, argv);
    if (rc)
        return rc;
    collected c = {.out = V6N_BUF_INIT};
    v6n_log_demux d = {.on_data = on_output, .payload = &c, .raw = 0};
    char *eid = v6n_escape(id);
    char *path = eid ? v6n_asprintf("/exec/%s/start", eid) : NULL;
    char *step = v6n_asprintf("run '%s' in %s", argv[0], name_or_id);
    free(eid);
    if (!path || !step) {
        rc = v6n_err_nomem();
        goto cleanup;
    }
    v6n_request req = {.method = "POST",
                       .path = path,
                       .body = "{\"Detach\": false, \"Tty\": false}",
                       .stream = true,
                       .on_data = on_stream,
                       .payload = &d,
                       .step = step};
    long stall = v6n_client_request_timeout_ms(client) / 1000;
    req.stall_timeout_s = stall > 0 ? stall : 1;
    v6n_http_response resp;
    rc = v6n_engine_do(client, &req, &resp);
    if (!rc && resp.status >= 300)
        rc = v6n_engine_error(&req, &resp);
    v6n_http_response_free(&resp);
    if (rc == V6N_ECANCELLED && c.too_large)
        rc = v6n_err(V6N_EENGINE, NULL, "%s: the output is larger than %u bytes", step, OUTPUT_MAX);
    int exit_code = -1;
    if (!rc)
        rc = exec_exit_code(&exit_code, client, id);
    if (rc)
        goto cleanup;
    if (out_exit_code)
        *out_exit_code = exit_code;
    if (out_output) {
        if (!c.out.ptr && v6n_buf_puts(&c.out, "") != V6N_OK) {
            rc = v6n_err_nomem();
            goto cleanup;
        }
        *out_output = v6n_buf_detach(&c.out);
    }
cleanup:
    v6n_buf_free(&c.out);
    free(path);
    free(step);
    free(id);
    return rc;
}

int v6n_node_version(char **out, v6n_node *node, v6n_client *client)
{
    if (!out || !node || !client)
        return v6n_err(V6N_EINVAL, NULL, "v6n_node_version: out, node and client are required");
    *out = NULL;
    const char *name = v6n_node_name(node);
    const char *container = v6n_node_container(node);
    yajl_val info = NULL;
    int rc = v6n_container_inspect(&info, client, container);
    const char *running_path[] = {"State", "Running", NULL};
    if (rc == V6N_ENOTFOUND)
        rc = v6n_err(V6N_ENOTFOUND, NULL, "node %s is not running (no container %s)", name,
                     container);
    else if (!rc && !YAJL_IS_TRUE(v6n_json_get(info, running_path)))
        rc = v6n_err(V6N_ENOTFOUND, NULL, "node %s is not running (container %s is stopped)", name,
                     container);
    yajl_tree_free(info);
    static const char *const argv[] = {"vnode-local", "version", NULL};
    char *output = NULL;
    int exit_code = -1;
    if (!rc)
        rc = v6n_container_exec(&output, &exit_code, client, container, argv);
    if (!rc) {
        size_t n = strlen(output);
        while (n > 0 && (output[n - 1] == '\n' || output[n - 1] == '\r' || output[n - 1] == ' ' ||
                         output[n - 1] == '\t'))
            output[--n] = '\0';
        if (exit_code != 0)
            rc = v6n_err(V6N_EENGINE, NULL,
                         "'vnode-local version' in %s failed (exit code %d)%s%.500s", container,
                         exit_code, n ? ": " : "", output);
        else
            *out = output;
    }
    if (rc)
        free(output);
    return rc;
}

/* Operations on a worker thread: a start, restart, stop, remove or logs stream
 * runs on its own thread while the caller polls its events and log output,
 * and can cancel it. For event loops and language bindings, which cannot
 * block a thread they need (Python's Ctrl-C, Go's contexts) or be called back
 * from a foreign thread. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

struct v6n_op_item {
    bool is_log;
    v6n_event_kind kind;
    char *message, *id, *image;
    long long current, total;
    char *data; /* log output */
    size_t len;
    int stream;
    v6n_op_item *next;
};

struct v6n_op {
    v6n_op_kind kind;
    v6n_node *node;
    v6n_client *client;
    v6n_stop_options stop;
    v6n_logs_options logs;

    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    v6n_op_item *head, *last;
    bool done, cancelled;

    int rc;
    char *id;
    v6n_err_snapshot error; /* the worker's error, handed to the caller's thread */
};

void v6n_op_item_free(v6n_op_item *it)
{
    if (!it)
        return;
    free(it->message);
    free(it->id);
    free(it->image);
    free(it->data);
    free(it);
}

static void push(v6n_op *op, v6n_op_item *it)
{
    pthread_mutex_lock(&op->lock);
    if (op->last)
        op->last->next = it;
    else
        op->head = it;
    op->last = it;
    pthread_cond_broadcast(&op->changed);
    pthread_mutex_unlock(&op->lock);
}

static bool is_cancelled(v6n_op *op)
{
    pthread_mutex_lock(&op->lock);
    bool c = op->cancelled;
    pthread_mutex_unlock(&op->lock);
    return c;
}

static int queue_event(const v6n_event *e, void *payload)
{
    v6n_op *op = payload;
    v6n_op_item *it = calloc(1, sizeof(*it));
    if (it) {
        it->kind = e->kind;
        it->message = v6n_strdup(e->message);
        it->id = v6n_strdup(e->id);
        it->image = v6n_strdup(e->image);
        it->current = e->current;
        it->total = e->total;
        if (it->message && it->id && it->image)
            push(op, it);
        else
            v6n_op_item_free(it);
    }
    return is_cancelled(op) ? 1 : 0;
}

static int queue_log(const char *data, size_t len, int stream, void *payload)
{
    v6n_op *op = payload;
    if (data && len) {
        v6n_op_item *it = calloc(1, sizeof(*it));
        if (it && (it->data = malloc(len + 1))) {
            memcpy(it->data, data, len);
            it->data[len] = '\0';
            it->len = len;
            it->stream = stream;
            it->is_log = true;
            push(op, it);
        } else {
            free(it);
        }
    }
    return is_cancelled(op) ? 1 : 0;
}

static void *run(void *arg)
{
    v6n_op *op = arg;
    v6n_callbacks cb = {.on_event = queue_event, .on_log = queue_log, .payload = op};
    v6n_node_set_callbacks(op->node, &cb);
    op->stop.callbacks = cb;
    op->logs.callbacks = cb;
    switch (op->kind) {
    case V6N_OP_START:
        op->rc = v6n_node_start(&op->id, op->node, op->client);
        break;
    case V6N_OP_RESTART:
        op->rc = v6n_node_restart(&op->id, op->node, op->client, &op->stop);
        break;
    case V6N_OP_STOP:
        op->rc = v6n_node_stop(op->node, op->client, &op->stop);
        break;
    case V6N_OP_REMOVE:
        op->rc = v6n_node_remove(op->node, op->client);
        break;
    case V6N_OP_LOGS:
        op->rc = v6n_node_logs(op->node, op->client, &op->logs);
        break;
    }
    if (op->rc)
        v6n_err_save(&op->error);
    v6n_node_set_callbacks(op->node, NULL);
    pthread_mutex_lock(&op->lock);
    op->done = true;
    pthread_cond_broadcast(&op->changed);
    pthread_mutex_unlock(&op->lock);
    return NULL;
}

int v6n_op_begin(v6n_op **out, v6n_op_kind kind, v6n_node *node, v6n_client *client,
                 const v6n_stop_options *stop, const v6n_logs_options *logs)
{
    if (!out || !node || !client || (int)kind < V6N_OP_START || kind > V6N_OP_LOGS)
        return v6n_err(V6N_EINVAL, NULL,
                       "v6n_op_begin: out, a node, a client and a kind are required");
    *out = NULL;
    int rc = V6N_CHECK_VERSION(stop, V6N_STOP_OPTIONS_VERSION, "stop options");
    if (!rc)
        rc = V6N_CHECK_VERSION(logs, V6N_LOGS_OPTIONS_VERSION, "logs options");
    if (rc)
        return rc;
    v6n_op *op = calloc(1, sizeof(*op));
    if (!op)
        return v6n_err_nomem();
    op->kind = kind;
    op->node = node;
    op->client = client;
    v6n_stop_options stop_defaults = V6N_STOP_OPTIONS_INIT;
    v6n_logs_options logs_defaults = V6N_LOGS_OPTIONS_INIT;
    op->stop = stop ? *stop : stop_defaults;
    op->logs = logs ? *logs : logs_defaults;
    pthread_mutex_init(&op->lock, NULL);
    pthread_cond_init(&op->changed, NULL);
    if (pthread_create(&op->thread, NULL, run, op) != 0) {
        pthread_mutex_destroy(&op->lock);
        pthread_cond_destroy(&op->changed);
        free(op);
        return v6n_err(V6N_ERROR, NULL, "v6n_op_begin: cannot start a thread");
    }
    *out = op;
    return V6N_OK;
}

v6n_op_item *v6n_op_next(v6n_op *op, long timeout_ms)
{
    if (!op)
        return NULL;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&op->lock);
    while (!op->head && !op->done && timeout_ms > 0)
        if (pthread_cond_timedwait(&op->changed, &op->lock, &deadline) == ETIMEDOUT)
            break;
    v6n_op_item *it = op->head;
    if (it) {
        op->head = it->next;
        if (!op->head)
            op->last = NULL;
        it->next = NULL;
    }
    pthread_mutex_unlock(&op->lock);
    return it;
}

int v6n_op_done(v6n_op *op)
{
    if (!op)
        return 1;
    pthread_mutex_lock(&op->lock);
    int done = op->done && !op->head;
    pthread_mutex_unlock(&op->lock);
    return done;
}

void v6n_op_cancel(v6n_op *op)
{
    if (!op)
        return;
    pthread_mutex_lock(&op->lock);
    op->cancelled = true;
    pthread_mutex_unlock(&op->lock);
}

int v6n_op_finish(char **out_id, v6n_op *op)
{
    if (out_id)
        *out_id = NULL;
    if (!op)
        return v6n_err(V6N_EINVAL, NULL, "v6n_op_finish: no operation");
    pthread_join(op->thread, NULL);
    int rc = op->rc;
    /* a log stream the caller stopped ended normally */
    if (op->kind == V6N_OP_LOGS && op->cancelled && rc == V6N_ECANCELLED)
        rc = V6N_OK;
    if (rc)
        v6n_err_restore(&op->error); /* on the caller's thread */
    if (out_id && !rc)
        *out_id = op->id;
    else
        free(op->id);
    v6n_op_item *it = op->head;
    while (it) {
        v6n_op_item *next = it->next;
        v6n_op_item_free(it);
        it = next;
    }
    pthread_mutex_destroy(&op->lock);
    pthread_cond_destroy(&op->changed);
    free(op);
    return rc;
}

/* ---- items ---------------------------------------------------------------------- */

int v6n_op_item_is_log(const v6n_op_item *it)
{
    return it ? it->is_log : 0;
}

v6n_event_kind v6n_op_item_kind(const v6n_op_item *it)
{
    return it ? it->kind : V6N_EVENT_WARNING;
}

#define ITEM_STRING(field)                                                                         \
    const char *v6n_op_item_##field(const v6n_op_item *it)                                         \
    {                                                                                              \
        return it && it->field ? it->field : "";                                                   \
    }
ITEM_STRING(message)
ITEM_STRING(id)
ITEM_STRING(image)
ITEM_STRING(data)

long long v6n_op_item_current(const v6n_op_item *it)
{
    return it ? it->current : 0;
}

long long v6n_op_item_total(const v6n_op_item *it)
{
    return it ? it->total : 0;
}

size_t v6n_op_item_len(const v6n_op_item *it)
{
    return it ? it->len : 0;
}

int v6n_op_item_stream(const v6n_op_item *it)
{
    return it ? it->stream : 0;
}

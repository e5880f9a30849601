/* Printing what the library reports while it works (v6n_event), for every
 * command: one line per step, and a progress bar for pulls on a terminal. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static size_t layer_slot(cli_progress *p, const char *id)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->ids[i], id) == 0)
            return i;
    if (p->n == CLI_MAX_LAYERS)
        return CLI_MAX_LAYERS - 1;
    snprintf(p->ids[p->n], sizeof(p->ids[0]), "%s", id);
    p->current[p->n] = p->total[p->n] = 0;
    return p->n++;
}

static void draw_bar(cli_progress *p, const char *image)
{
    long long cur = 0, tot = 0;
    for (size_t i = 0; i < p->n; i++) {
        cur += p->current[i];
        tot += p->total[i];
    }
    int width = 30, filled = tot > 0 ? (int)(width * cur / tot) : 0;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\rpulling %s [%s] %3d%% %.1f/%.1f MB ", image, bar,
            tot > 0 ? (int)(100 * cur / tot) : 0, (double)cur / 1e6, (double)tot / 1e6);
    p->bar_shown = true;
}

void cli_progress_end(cli_progress *p)
{
    if (p && p->bar_shown)
        fputc('\n', stderr);
    if (p)
        p->bar_shown = false;
}

int cli_print_event(const v6n_event *e, void *payload)
{
    cli_progress *p = payload;
    switch (e->kind) {
    case V6N_EVENT_IMAGE:
        fprintf(stderr, "v6node: image %s (chosen by %s)\n", e->image, e->message);
        break;
    case V6N_EVENT_PULL_START:
        /* the message is "pulling", maybe followed by " with the credentials for ..." */
        fprintf(stderr, "v6node: pulling %s%s\n", e->image,
                strncmp(e->message, "pulling", 7) == 0 ? e->message + 7 : "");
        break;
    case V6N_EVENT_PULL_PROGRESS:
        if (p && p->tty && e->id[0] && e->total > 0) {
            size_t i = layer_slot(p, e->id);
            p->current[i] = e->current;
            p->total[i] = e->total;
            draw_bar(p, e->image);
        } else if (!(p && p->tty) && e->current == 0) {
            fprintf(stderr, "  %s%s%s\n", e->id, e->id[0] ? ": " : "", e->message);
        }
        break;
    case V6N_EVENT_PULL_DONE:
        cli_progress_end(p);
        fprintf(stderr, "v6node: pulled %s\n", e->image);
        break;
    case V6N_EVENT_WARNING:
        cli_progress_end(p);
        fprintf(stderr, "v6node: warning: %s\n", e->message);
        break;
    case V6N_EVENT_VOLUME:
        fprintf(stderr, "v6node: volume %s (%s)\n", e->id, e->message);
        break;
    case V6N_EVENT_REMOVED:
        fprintf(stderr, "v6node: %s (id %.12s)\n", e->message, e->id);
        break;
    case V6N_EVENT_CREATED:
        fprintf(stderr, "v6node: created container %.12s\n", e->id);
        break;
    case V6N_EVENT_STARTED:
        break;
    case V6N_EVENT_STOPPED:
        fprintf(stderr, "v6node: %s container %.12s\n", e->message, e->id);
        break;
    case V6N_EVENT_VOLUME_REMOVED:
        fprintf(stderr, "v6node: removed volume %s\n", e->id);
        break;
    case V6N_EVENT_PATH_REMOVED:
        fprintf(stderr, "v6node: removed %s\n", e->id);
        break;
    }
    return 0;
}

/* Questions on the terminal, as the official CLI asks them with questionary:
 * text with a default, secrets without echo, yes/no, a numbered choice, and
 * the choice of a node config when -n is missing. Questions go to stderr, so
 * stdout stays what the command prints. Only used when stdin is a terminal. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

bool cli_interactive(void)
{
    return isatty(STDIN_FILENO) == 1;
}

/* Read one line from stdin into `out` without its line break. 0, or -1 at the
 * end of input (Ctrl-D). A longer line is cut (and the rest discarded). */
static int read_line(char *out, size_t size)
{
    if (!fgets(out, (int)size, stdin))
        return -1;
    size_t n = strlen(out);
    if (n && out[n - 1] == '\n') {
        out[--n] = '\0';
    } else {
        int c;
        while ((c = getchar()) != EOF && c != '\n')
            ;
    }
    if (n && out[n - 1] == '\r')
        out[--n] = '\0';
    return 0;
}

int cli_ask(char *out, size_t size, const char *question, const char *def)
{
    for (;;) {
        if (def && *def)
            fprintf(stderr, "? %s [%s] ", question, def);
        else
            fprintf(stderr, "? %s ", question);
        fflush(stderr);
        if (read_line(out, size) != 0) {
            fputc('\n', stderr);
            return -1;
        }
        if (!out[0] && def) {
            snprintf(out, size, "%s", def);
            return 0;
        }
        if (out[0] || def)
            return 0;
    }
}

/* The terminal's settings while echo is off, to put back on Ctrl-C. */
static struct termios saved_termios;
static volatile sig_atomic_t echo_off;

static void restore_and_die(int sig)
{
    if (echo_off)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    signal(sig, SIG_DFL);
    raise(sig);
}

int cli_ask_secret(char *out, size_t size, const char *question)
{
    /* echo goes off before the question shows: an answer typed (or sent by a
     * program) as soon as the question is there is never echoed */
    struct termios t;
    bool tty = tcgetattr(STDIN_FILENO, &saved_termios) == 0;
    void (*old_int)(int) = SIG_DFL, (*old_term)(int) = SIG_DFL;
    if (tty) {
        old_int = signal(SIGINT, restore_and_die);
        old_term = signal(SIGTERM, restore_and_die);
        t = saved_termios;
        t.c_lflag &= ~(tcflag_t)ECHO;
        t.c_lflag |= ECHONL; /* the line break still shows */
        echo_off = 1;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
    }
    fprintf(stderr, "? %s ", question);
    fflush(stderr);
    int rc = read_line(out, size);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
        echo_off = 0;
        signal(SIGINT, old_int);
        signal(SIGTERM, old_term);
    }
    if (rc != 0)
        fputc('\n', stderr);
    return rc;
}

int cli_ask_yes_no(bool *out, const char *question, bool def)
{
    char line[64];
    for (;;) {
        fprintf(stderr, "? %s [%s] ", question, def ? "Y/n" : "y/N");
        fflush(stderr);
        if (read_line(line, sizeof(line)) != 0) {
            fputc('\n', stderr);
            return -1;
        }
        if (!line[0]) {
            *out = def;
            return 0;
        }
        if (strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(line, "n") == 0 || strcmp(line, "N") == 0 || strcmp(line, "no") == 0) {
            *out = false;
            return 0;
        }
        fprintf(stderr, "  please answer y or n\n");
    }
}

int cli_ask_choice(size_t *out, const char *question, const char *const *choices, size_t n,
                   size_t def)
{
    char line[64];
    for (;;) {
        fprintf(stderr, "? %s\n", question);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "  %2zu) %s\n", i + 1, choices[i]);
        fprintf(stderr, "  choose 1-%zu [%zu] ", n, def + 1);
        fflush(stderr);
        if (read_line(line, sizeof(line)) != 0) {
            fputc('\n', stderr);
            return -1;
        }
        if (!line[0]) {
            *out = def;
            return 0;
        }
        char *end;
        long k = strtol(line, &end, 10);
        if (!*end && k >= 1 && (size_t)k <= n) {
            *out = (size_t)k - 1;
            return 0;
        }
        for (size_t i = 0; i < n; i++) /* the choice's own text also does */
            if (strcmp(line, choices[i]) == 0) {
                *out = i;
                return 0;
            }
        fprintf(stderr, "  please give a number from 1 to %zu\n", n);
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the valid node configs in `dir` (as vantage6's
 * available_configurations: files that load), sorted. */
static size_t config_names(char ***out, const char *dir)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0, cap = 0;
    char **names = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *dot = strrchr(e->d_name, '.');
        if (!dot || dot == e->d_name || (strcmp(dot, ".yaml") != 0 && strcmp(dot, ".yml") != 0))
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        v6n_config *c = NULL;
        if (v6n_config_load(&c, path) != V6N_OK)
            continue;
        v6n_config_free(c);
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc(names, cap * sizeof(*names));
            if (!grown)
                break;
            names = grown;
        }
        names[n] = strndup(e->d_name, (size_t)(dot - e->d_name));
        if (names[n])
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), by_name);
    *out = names;
    return n;
}

int cli_pick_config(cli_args *a, const char *command)
{
    if (!cli_interactive())
        return -2;
    char *dir = NULL;
    if (v6n_config_folder(&dir, a->opts.scope) != V6N_OK)
        return cli_fail(command);
    char **names = NULL;
    size_t n = config_names(&names, dir);
    int status = -1;
    if (n == 0) {
        fprintf(stderr, "v6node %s: no node configurations could be found in %s\n", command, dir);
        status = EXIT_FAILURE_;
    } else {
        size_t pick = 0;
        if (cli_ask_choice(&pick, "Select the configuration you want to use:",
                           (const char *const *)names, n, 0) != 0) {
            fprintf(stderr, "v6node %s: aborted\n", command);
            status = EXIT_FAILURE_;
        } else {
            snprintf(a->picked_name, sizeof(a->picked_name), "%s", names[pick]);
            a->name = a->picked_name;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    v6n_free(dir);
    return status;
}

/* Helpers shared by the C test suites. */
#ifndef V6N_TEST_SUPPORT_H
#define V6N_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

/* The result of running a program. */
typedef struct run_result {
    int exit_code; /* -1 when it did not exit normally */
    char *out;     /* everything it wrote to stdout (NUL-terminated) */
    char *err;     /* everything it wrote to stderr */
} run_result;

/* Run argv[0] with exactly the environment `envp` (NULL-terminated) in `cwd`
 * (NULL: unchanged), feeding nothing on stdin. Kills it after `timeout_s`. */
int run_program(run_result *r, char *const argv[], char *const envp[], const char *cwd,
                double timeout_s);
void run_result_free(run_result *r);

/* Compare two JSON texts: same values, same object key order. Returns NULL
 * when equal, else a malloc'd description of the first difference. */
char *json_diff(const char *expected, const char *actual);

/* Read a whole file into a malloc'd string, or NULL. */
char *read_text(const char *path);
/* Replace every `from` in `s` by `to`; returns a malloc'd string. */
char *replace_all(const char *s, const char *from, const char *to);
/* mkdtemp under $TMPDIR (or /tmp) with a recognisable prefix; malloc'd path. */
char *make_temp_dir(const char *tag);
/* rm -rf a directory made by make_temp_dir. */
void remove_tree(const char *path);
/* Write `text` to `path` (creating parent folders). 0 on success. */
int write_text(const char *path, const char *text);

/* Start a test server (argv[0] found in PATH) that prints "PORT <n>" on stdout
 * once it listens. Returns 0 and fills *pid and *port, or -1. */
int spawn_server(int *pid, int *port, char *const argv[], double timeout_s);
/* Start a program that prints a line starting with `marker` on stdout once it
 * is ready (e.g. "READY"). Returns 0 and fills *pid, or -1. */
int spawn_until(int *pid, char *const argv[], const char *marker, double timeout_s);
/* SIGTERM a spawned server and reap it. */
void stop_server(int pid);

/* Run argv[0] on a new pseudo-terminal (its stdin, stdout and stderr, and its
 * controlling terminal) with exactly `envp`, in `cwd`. `script` holds pairs
 * (NULL-terminated): wait until the terminal shows the text script[2i] (after
 * what the previous pair matched), then type script[2i+1] and Enter. r->out
 * is everything the terminal showed (the program's output and the echo of
 * what was typed, "\r\n" line ends); r->err is "". Returns -1 when the
 * terminal could not be made; a text that never shows ends the script (the
 * program is killed after `timeout_s`). */
int run_in_pty(run_result *r, char *const argv[], char *const envp[], const char *cwd,
               const char *const *script, double timeout_s);

/* One KEY=value line of the environment file a suite's set-up script writes. */
typedef struct env_field {
    const char *key; /* "KEY=" */
    char *out;
    size_t size;
} env_field;
/* Read the file named by the environment variable `var` and copy each field's
 * value (the rest of its "KEY=" line) into its `out`. Returns NULL, or a
 * malloc'd message naming the variable, file or key that is missing. */
char *read_env_file(const char *var, const env_field *fields, size_t n);

/* Run `docker ARGS...` (NULL-terminated) with the current environment. */
run_result docker_cli(const char *first, ...);

#endif

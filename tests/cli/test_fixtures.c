/* Every fixture under tests/fixtures/ run through `v6node spec`, once for each
 * release line whose construction differs: the JSON it prints must equal
 * expected.json for the default release and expected-<line>.json for the
 * others (values and key order), or the run must fail as expected-error says.
 * The format is described in tests/fixtures/README.md. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture_list.h" /* generated: V6N_FIXTURES */
#include "support.h"

#define MAX_ARGS 64
#define MAX_ENV  64

typedef struct fixture {
    char dir[PATH_MAX];
    char *args[MAX_ARGS];
    size_t nargs;
    char *env[MAX_ENV];
    size_t nenv;
    char *cwd;
} fixture;

static bool file_exists_in(const fixture *f, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    return access(path, F_OK) == 0;
}

static char *file_in(const fixture *f, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    char *raw = read_text(path);
    if (!raw)
        return NULL;
    char *text = replace_all(raw, "@DIR@", f->dir);
    free(raw);
    return text;
}

/* Lines of a fixture file, '#' comments and blank lines skipped. */
static size_t lines_of(char *text, char **out, size_t max)
{
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        out[n++] = strdup(line);
    }
    return n;
}

static void load(fixture *f, const char *name, const char *release)
{
    char rel[PATH_MAX];
    snprintf(rel, sizeof(rel), "%s/%s", V6N_FIXTURES_DIR, name);
    cr_assert_not_null(realpath(rel, f->dir), "fixture %s: no such folder", name);

    f->args[f->nargs++] = strdup(V6N_CLI_PATH);
    f->args[f->nargs++] = strdup("spec");
    char *args = file_in(f, "args");
    cr_assert_not_null(args, "fixture %s has no args file", name);
    f->nargs += lines_of(args, f->args + f->nargs, MAX_ARGS - 5);
    free(args);
    if (release[0]) {
        f->args[f->nargs++] = strdup("--vantage6-version");
        f->args[f->nargs++] = strdup(release);
    }

    char *home, *path;
    cr_assert(asprintf(&home, "HOME=%s/home", f->dir) > 0);
    cr_assert(asprintf(&path, "PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin") > 0);
    f->env[f->nenv++] = path;
    char *env = file_in(f, "env");
    bool home_set = false;
    if (env) {
        size_t n = lines_of(env, f->env + f->nenv, MAX_ENV - 3);
        for (size_t i = 0; i < n; i++)
            home_set = home_set || strncmp(f->env[f->nenv + i], "HOME=", 5) == 0;
        f->nenv += n;
        free(env);
    }
    if (!home_set)
        f->env[f->nenv++] = home;
    else
        free(home);

    char *cwd = file_in(f, "cwd");
    if (cwd) {
        cwd[strcspn(cwd, "\n")] = '\0';
        cr_assert(asprintf(&f->cwd, "%s/%s", f->dir, cwd) > 0);
        free(cwd);
    } else {
        f->cwd = strdup(f->dir);
    }
}

static void unload(fixture *f)
{
    for (size_t i = 0; i < f->nargs; i++)
        free(f->args[i]);
    for (size_t i = 0; i < f->nenv; i++)
        free(f->env[i]);
    free(f->cwd);
}

/* Parameters are copied into the worker process, which may be a fresh exec of
 * this binary: pass the names by value, not as pointers. */
typedef struct fixture_name {
    char text[128];
    char release[16]; /* "" for the default release */
} fixture_name;

/* The release lines whose containers differ (4.10 to 4.12 build what 4.13
 * builds); "" is the default, 4.15. */
#define RELEASES(X, n) X(n, "") X(n, "4.14") X(n, "4.13")

ParameterizedTestParameters(fixtures, spec)
{
    static fixture_name names[] = {
#define AS_PARAM(n, r)  {n, r},
#define EACH_RELEASE(n) RELEASES(AS_PARAM, n)
        V6N_FIXTURES_AS(EACH_RELEASE)
#undef EACH_RELEASE
#undef AS_PARAM
    };
    return cr_make_param_array(fixture_name, names, sizeof(names) / sizeof(names[0]));
}

ParameterizedTest(fixture_name *param, fixtures, spec)
{
    char label[160];
    snprintf(label, sizeof(label), "%s as %s", param->text,
             param->release[0] ? param->release : "the default release");
    const char *const *name = &(const char *){label};
    fixture f = {0};
    load(&f, param->text, param->release);
    run_result r;
    cr_assert_eq(run_program(&r, f.args, f.env, f.cwd, 20.0), 0, "could not run v6node");

    char expected_name[64];
    snprintf(expected_name, sizeof(expected_name), "expected%s%s.json",
             param->release[0] ? "-" : "", param->release);
    char *expected = file_in(&f, expected_name);
    char *expected_error = file_in(&f, "expected-error");
    cr_assert(expected || expected_error,
              "fixture %s has neither %s nor "
              "expected-error",
              *name, expected_name);
    /* a fixture that builds for one release builds for every release */
    cr_assert(!expected_error || !file_exists_in(&f, "expected.json"),
              "fixture %s has both expected.json and expected-error", *name);
    if (expected) {
        cr_assert_eq(r.exit_code, 0, "fixture %s: v6node exited %d; stderr: %s", *name, r.exit_code,
                     r.err);
        cr_assert_str_empty(r.err, "fixture %s: unexpected stderr: %s", *name, r.err);
        char *diff = json_diff(expected, r.out);
        cr_assert_null(diff, "fixture %s: %s", *name, diff ? diff : "");
    } else {
        char *lines[32];
        size_t n = lines_of(expected_error, lines, 32);
        cr_assert(n > 0, "fixture %s: empty expected-error", *name);
        for (size_t i = 0; i < n; i++) {
            if (strncmp(lines[i], "exit ", 5) == 0) {
                cr_assert_eq(r.exit_code, atoi(lines[i] + 5),
                             "fixture %s: expected exit %s, got %d; stderr: %s", *name,
                             lines[i] + 5, r.exit_code, r.err);
            } else if (strncmp(lines[i], "stderr ", 7) == 0) {
                cr_assert(strstr(r.err, lines[i] + 7),
                          "fixture %s: stderr lacks \"%s\"; stderr: %s", *name, lines[i] + 7,
                          r.err);
            } else if (strncmp(lines[i], "stderr-not ", 11) == 0) {
                cr_assert(!strstr(r.err, lines[i] + 11),
                          "fixture %s: stderr must not contain \"%s\"; stderr: %s", *name,
                          lines[i] + 11, r.err);
            } else {
                cr_assert_fail("fixture %s: bad expected-error line '%s'", *name, lines[i]);
            }
            free(lines[i]);
        }
        cr_assert_str_empty(r.out, "fixture %s: a failed run printed to stdout: %s", *name, r.out);
    }
    free(expected);
    free(expected_error);
    run_result_free(&r);
    unload(&f);
}

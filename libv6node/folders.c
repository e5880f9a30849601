/* vantage6's node folders on Linux, as appdirs 1.4.4 computes them for
 * AppDirs("vantage6", "") and vantage6's context adds "node/<name>" to them.
 * Empty or relative XDG values are ignored, as the XDG spec asks (appdirs would
 * use them as relative paths, which cannot be bind sources). */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static char *home_dir(void)
{
    const char *home = getenv("HOME");
    if (!v6n_str_empty(home))
        return v6n_path_normalize(home);
    struct passwd *pw = getpwuid(getuid());
    if (pw && !v6n_str_empty(pw->pw_dir))
        return v6n_path_normalize(pw->pw_dir);
    v6n_err(V6N_EIO, NULL, "cannot find the home directory: HOME is not set");
    return NULL;
}

/* $var when it is an absolute path, else ~/fallback_in_home. */
static char *xdg_home(const char *var, const char *fallback_in_home)
{
    const char *v = getenv(var);
    if (v && v[0] == '/')
        return v6n_path_normalize(v);
    char *home = home_dir();
    if (!home)
        return NULL;
    char *r = v6n_path_join(home, fallback_in_home);
    free(home);
    if (!r)
        v6n_err_nomem();
    return r;
}

/* The first absolute entry of the colon-separated $var, else `fallback`. */
static char *xdg_first_dir(const char *var, const char *fallback)
{
    const char *v = getenv(var);
    if (v && v[0] == '/') {
        size_t n = strcspn(v, ":");
        char *first = v6n_strndup(v, n);
        if (!first) {
            v6n_err_nomem();
            return NULL;
        }
        /* appdirs strips trailing separators of each entry */
        char *r = v6n_path_normalize(first);
        free(first);
        if (!r)
            v6n_err_nomem();
        return r;
    }
    char *r = v6n_strdup(fallback);
    if (!r)
        v6n_err_nomem();
    return r;
}

static char *join_or_fail(char *base, const char *rest)
{
    if (!base)
        return NULL;
    char *r = v6n_path_join(base, rest);
    free(base);
    if (!r)
        v6n_err_nomem();
    return r;
}

char *v6n_folder_config(v6n_scope scope)
{
    if (scope == V6N_SCOPE_USER)
        return join_or_fail(xdg_home("XDG_CONFIG_HOME", ".config"), "vantage6/node");
    char *site = join_or_fail(xdg_first_dir("XDG_CONFIG_DIRS", "/etc/xdg"), "vantage6");
    if (!site)
        return NULL;
    if (strstr(site, "xdg")) {
        /* vantage6 does not want its system config under .../xdg/ */
        free(site);
        site = v6n_strdup("/etc/vantage6");
        if (!site) {
            v6n_err_nomem();
            return NULL;
        }
    }
    return join_or_fail(site, "node");
}

char *v6n_folder_data(v6n_scope scope, const char *name)
{
    char *base = scope == V6N_SCOPE_USER ? xdg_home("XDG_DATA_HOME", ".local/share")
                                         : xdg_first_dir("XDG_DATA_DIRS", "/usr/local/share");
    char *node = join_or_fail(base, "vantage6/node");
    return join_or_fail(node, name);
}

char *v6n_folder_log(v6n_scope scope, const char *name)
{
    if (scope == V6N_SCOPE_SYSTEM)
        return v6n_folder_data(scope, name); /* vantage6: system log dir = data dir */
    char *log = join_or_fail(xdg_home("XDG_CACHE_HOME", ".cache"), "vantage6/log/node");
    return join_or_fail(log, name);
}

int v6n_config_folder(char **out, v6n_scope scope)
{
    if (!out)
        return v6n_err(V6N_EINVAL, NULL, "v6n_config_folder: out is required");
    *out = v6n_folder_config(scope);
    return *out ? V6N_OK : v6n_error_last()->code;
}

/* The vantage6 release lines libv6node builds, as data (contract section 0).
 *
 * Each line is one row of RELEASES: what that line's `v6 node start` builds
 * differently from the others. The spec builder reads the row; nothing else in
 * the library compares version numbers. The facts behind each row are in
 * docs/behaviour.md ("Releases"), read from the releases on PyPI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const V4_15[] = {"4.15.0", "4.15.1", "4.15.2", NULL};
static const char *const V4_14[] = {"4.14.0", NULL};
static const char *const V4_13[] = {"4.13.0", "4.13.1", "4.13.2", "4.13.3", "4.13.4",
                                    "4.13.5", "4.13.6", "4.13.7", NULL};
static const char *const V4_12[] = {"4.12.0", "4.12.1", "4.12.2", NULL};
static const char *const V4_11[] = {"4.11.0", NULL};
static const char *const V4_10[] = {"4.10.0", "4.10.1", "4.10.2", NULL};

#define HARBOR "harbor2.vantage6.ai"
#define GHCR   "ghcr.io/vantage6"

/* Newest first: RELEASES[0] is the default. 4.10 to 4.13 build the same
 * container (their node/start.py is identical); they are separate rows so that
 * each line can be named and checked against its own CLI. */
static const v6n_release RELEASES[] = {
    {.line = "4.15",
     .versions = V4_15,
     .registry = GHCR,
     .config_mount = V6N_CONFIG_MOUNT_FILE,
     .config_read_only = true,
     .private_key_read_only = true,
     .db_mount_modes = true,
     .db_resolve = true},
    {.line = "4.14",
     .versions = V4_14,
     .registry = HARBOR,
     .config_mount = V6N_CONFIG_MOUNT_FOLDER,
     .config_read_only = true,
     .private_key_read_only = true,
     .db_mount_modes = true,
     .db_resolve = true},
    {.line = "4.13", .versions = V4_13, .registry = HARBOR},
    {.line = "4.12", .versions = V4_12, .registry = HARBOR},
    {.line = "4.11", .versions = V4_11, .registry = HARBOR},
    {.line = "4.10", .versions = V4_10, .registry = HARBOR},
};
#define N_RELEASES (sizeof(RELEASES) / sizeof(RELEASES[0]))

const v6n_release *v6n_release_default(void)
{
    return &RELEASES[0];
}

const char *v6n_release_newest(const v6n_release *r)
{
    const char *newest = r->versions[0];
    for (size_t i = 0; r->versions[i]; i++)
        newest = r->versions[i];
    return newest;
}

const char *v6n_vantage6_release_line(size_t i)
{
    return i < N_RELEASES ? RELEASES[i].line : NULL;
}

/* The leading decimal number of `*p`, advancing `*p`; -1 when there is none. */
static long leading_number(const char **p)
{
    const char *s = *p;
    long v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++)
        if ((v = v * 10 + (*s - '0')) > 100000)
            return -1;
    *p = s;
    return v;
}

/* The 4.x lines before 4.10, which libv6node knows but does not build, and
 * why (docs/behaviour.md, "Releases"). */
static const struct {
    int minor_from, minor_to;
    const char *why;
} REFUSED_LINES[] = {
    {6, 9,
     "4.6-4.9 accept a missing file-based database and their already-running check finds "
     "nothing on Python 3.11 and newer; not supported"},
    {3, 5,
     "4.3-4.5 end a start on any failed pull (4.3.0-4.3.2 also drop node_extra_hosts and pull "
     "through the registry's own API); not supported"},
    {1, 2,
     "4.1-4.2 mount the log folder elsewhere (/mnt/log/NAME) or ignore node_extra_env and "
     "node_extra_mounts, and start a wizard for a missing config; not supported"},
    {0, 0, "4.0 has no v6 command and shares one log folder between all nodes; not supported"},
};

static const v6n_release *find_line(long major, long minor)
{
    char line[48];
    snprintf(line, sizeof(line), "%ld.%ld", major, minor);
    for (size_t i = 0; i < N_RELEASES; i++)
        if (strcmp(RELEASES[i].line, line) == 0)
            return &RELEASES[i];
    return NULL;
}

static int refuse(const char *key, const char *version, const char *why)
{
    char lines[256] = "";
    for (size_t i = 0; i < N_RELEASES; i++) {
        strncat(lines, RELEASES[i].line, sizeof(lines) - strlen(lines) - 1);
        if (i + 1 < N_RELEASES)
            strncat(lines, ", ", sizeof(lines) - strlen(lines) - 1);
    }
    return v6n_err(V6N_EINVAL, key,
                   "%s: vantage6 %s: %s (libv6node builds the nodes of vantage6 %s)", key, version,
                   why, lines);
}

/* Parse "X.Y" or "X.Y.Z" (a server may add a suffix: "4.14.0rc1"). With
 * `exact`, a patch must be a release of the line on PyPI; otherwise only the
 * line counts (a server's version). */
static int lookup(const v6n_release **out, const char *key, const char *version, bool exact)
{
    const char *p = version;
    long major = leading_number(&p);
    long minor = -1;
    if (major >= 0 && *p == '.') {
        p++;
        minor = leading_number(&p);
    }
    if (major < 0 || minor < 0)
        return v6n_err(V6N_EINVAL, key,
                       "%s: '%s' is not a vantage6 version: give X.Y or X.Y.Z (e.g. 4.15 or "
                       "4.14.0), or auto",
                       key, version);
    if (exact && *p && !(*p == '.' && p[1] >= '0' && p[1] <= '9'))
        return v6n_err(V6N_EINVAL, key,
                       "%s: '%s' is not a vantage6 version: give X.Y or X.Y.Z (e.g. 4.15 or "
                       "4.14.0), or auto",
                       key, version);
    if (major >= 5)
        return refuse(key, version,
                      "its nodes are not Docker containers: from 5.0 on, `v6 node start` "
                      "installs a node as a Helm release on Kubernetes");
    if (major < 4)
        return refuse(key, version,
                      "3.x and older use another config layout (application and environments) "
                      "and another node command");
    const v6n_release *r = find_line(major, minor);
    for (size_t i = 0; !r && major == 4 && i < sizeof(REFUSED_LINES) / sizeof(REFUSED_LINES[0]);
         i++)
        if (minor >= REFUSED_LINES[i].minor_from && minor <= REFUSED_LINES[i].minor_to)
            return refuse(key, version, REFUSED_LINES[i].why);
    if (!r)
        return refuse(key, version, "not a release line libv6node knows");
    if (exact && *p == '.') {
        bool known = false;
        for (size_t i = 0; r->versions[i] && !known; i++)
            known = strcmp(r->versions[i], version) == 0;
        if (!known) {
            char list[256] = "";
            for (size_t i = 0; r->versions[i]; i++) {
                strncat(list, r->versions[i], sizeof(list) - strlen(list) - 1);
                if (r->versions[i + 1])
                    strncat(list, ", ", sizeof(list) - strlen(list) - 1);
            }
            return v6n_err(V6N_EINVAL, key,
                           "%s: vantage6 %s: not a release libv6node knows (the %s line has %s; "
                           "any of them, or %s, builds the same container)",
                           key, version, r->line, list, r->line);
        }
    }
    *out = r;
    return V6N_OK;
}

int v6n_release_find(const v6n_release **out, const char *version)
{
    *out = NULL;
    if (v6n_str_empty(version)) {
        *out = v6n_release_default();
        return V6N_OK;
    }
    if (strcmp(version, "auto") == 0)
        return v6n_err(V6N_EINVAL, "vantage6_version",
                       "vantage6_version: auto is resolved from the server's version");
    return lookup(out, "vantage6_version", version, true);
}

int v6n_release_of_server(const v6n_release **out, const char *server_version)
{
    *out = NULL;
    return lookup(out, "server_version", server_version, false);
}

bool v6n_release_same_line(const v6n_release *r, const char *server_version)
{
    const v6n_release *s = NULL;
    int rc = lookup(&s, "server_version", server_version, false);
    if (rc)
        v6n_error_clear();
    return !rc && s == r;
}

int v6n_vantage6_version_check(const char *version)
{
    if (!v6n_str_empty(version) && strcmp(version, "auto") == 0)
        return V6N_OK;
    const v6n_release *r;
    return v6n_release_find(&r, version);
}

const v6n_release *v6n_release_at(size_t i)
{
    return i < N_RELEASES ? &RELEASES[i] : NULL;
}

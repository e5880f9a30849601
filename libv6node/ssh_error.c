/* What the end of an ssh process (ssh.c) means for a failed request to an
 * ssh:// engine, in words a person can act on.
 *
 * ssh exits with 255 for its own failures (the server, the host key, the
 * login), and otherwise with the remote command's status: 127 from the remote
 * shell when there is no docker, 1 from `docker system dial-stdio` when the
 * engine there does not answer. Its last line of stderr (ssh's message, or the
 * remote shell's and docker's, which ssh passes on) tells the cases apart. */
#define _GNU_SOURCE /* strcasestr */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "internal.h"

/* The last non-empty line of ssh's stderr, control bytes dropped, in `out`. */
static void last_line(const char *text, char *out, size_t size)
{
    out[0] = '\0';
    const char *end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
        end--;
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    size_t o = 0;
    for (const char *p = start; p < end && o + 1 < size; p++)
        if ((unsigned char)*p >= ' ' && *p != 0x7f)
            out[o++] = *p;
    out[o] = '\0';
}

static bool has(const char *text, const char *needle)
{
    return strcasestr(text, needle) != NULL;
}

/* "host", and " port N" when a port was given. */
static void describe_target(const v6n_ssh_target *s, char *where, size_t size)
{
    snprintf(where, size, "%s%s%s", s->host, s->port ? " port " : "", s->port ? s->port : "");
}

/* The ssh command a person can run to check the connection and accept the host key. */
static void manual_command(const v6n_ssh_target *s, char *out, size_t size)
{
    snprintf(out, size, "ssh %s%s%s%s%s", s->port ? "-p " : "", s->port ? s->port : "",
             s->port ? " " : "", s->user ? s->user : "", s->user ? "@" : "");
    size_t n = strlen(out);
    snprintf(out + n, size - n, "%s", s->host);
}

/* ssh ended with an error status (or one we could not learn: -1): what it
 * and the remote command said, in words. V6N_OK when it says nothing. */
static int explain_exit(const v6n_ssh_target *s, const char *step, const char *err, int status)
{
    char line[512], where[300], cmd[400];
    last_line(err, line, sizeof(line));
    describe_target(s, where, sizeof(where));
    manual_command(s, cmd, sizeof(cmd));
    const char *url = s->url;

    if (status == 255 || status < 0) { /* ssh's own failure */
        if (has(err, "REMOTE HOST IDENTIFICATION HAS CHANGED") ||
            has(err, "has changed and you have requested strict checking"))
            return v6n_err(V6N_EUNAVAILABLE, NULL,
                           "%s: cannot reach the Docker engine at %s: the SSH host key of %s has "
                           "CHANGED since it was recorded in known_hosts: someone may be "
                           "intercepting the connection, or the host was reinstalled; ask its "
                           "administrator before you replace the old key (ssh: %s)",
                           step, url, where, line);
        if (has(err, "Host key verification failed") || has(err, "host key is known") ||
            has(err, "authenticity of host"))
            return v6n_err(V6N_EUNAVAILABLE, NULL,
                           "%s: cannot reach the Docker engine at %s: ssh does not know the host "
                           "key of %s (not in known_hosts), and asks no question here (BatchMode); "
                           "check it and accept it once with `%s` (ssh: %s)",
                           step, url, where, cmd, line);
        if (has(err, "Permission denied") || has(err, "Too many authentication failures"))
            return v6n_err(V6N_EUNAVAILABLE, NULL,
                           "%s: cannot reach the Docker engine at %s: the SSH server at %s "
                           "refused to let %s log in: none of our keys was accepted, and no "
                           "password is asked (BatchMode); load the key into ssh-agent or name "
                           "it as IdentityFile in ~/.ssh/config, and put its public key in "
                           "~/.ssh/authorized_keys there (ssh: %s)",
                           step, url, where, s->user ? s->user : "us", line);
        if (has(err, "Could not resolve hostname"))
            return v6n_err(V6N_EUNAVAILABLE, NULL,
                           "%s: cannot reach the Docker engine at %s: ssh cannot resolve the host "
                           "name %s (ssh: %s)",
                           step, url, s->host, line);
        if (has(err, "Connection refused"))
            return v6n_err(V6N_EUNAVAILABLE, NULL,
                           "%s: cannot reach the Docker engine at %s: no SSH server answers at "
                           "%s (is sshd running, is the port right?) (ssh: %s)",
                           step, url, where, line);
        if (has(err, "timed out"))
            return v6n_err(V6N_EUNAVAILABLE, NULL,
                           "%s: the Docker engine at %s did not answer in time: the SSH "
                           "connection to %s timed out (ssh: %s)",
                           step, url, where, line);
        if (status < 0 && !line[0])
            return V6N_OK;
        if (status == 255)
            return v6n_err(V6N_EUNAVAILABLE, NULL,
                           "%s: cannot reach the Docker engine at %s: ssh to %s failed; try `%s` "
                           "(ssh: %s)",
                           step, url, where, cmd, line[0] ? line : "no message, exit status 255");
    }
    /* The remote command's status: ssh itself logged in. */
    if (has(err, "docker: not found") || has(err, "docker: command not found") ||
        (status == 127 && line[0]))
        return v6n_err(V6N_EENGINE, NULL,
                       "%s: cannot use the Docker engine at %s: ssh logs in to %s, but there is "
                       "no `docker` command in the PATH of its ssh sessions; install the docker "
                       "CLI there (Docker 18.09 or newer: `docker system dial-stdio` carries the "
                       "Engine API), or add its folder to that PATH (ssh: %s)",
                       step, url, where, line);
    if (has(err, "permission denied") &&
        (has(err, "docker.sock") || has(err, "dial unix") || has(err, "daemon socket")))
        return v6n_err(V6N_EUNAVAILABLE, NULL,
                       "%s: cannot reach the Docker engine at %s: ssh logs in to %s, but %s may "
                       "not use the engine's socket there; add that user to the docker group on "
                       "%s (remote docker: %s)",
                       step, url, where, s->user ? s->user : "the ssh user", s->host, line);
    if (has(err, "raw stream connection") || has(err, "Cannot connect to the Docker daemon") ||
        has(err, "no such file or directory") || has(err, "connection refused") ||
        has(err, "Is the docker daemon running"))
        return v6n_err(V6N_EUNAVAILABLE, NULL,
                       "%s: cannot reach the Docker engine at %s: ssh logs in to %s, but the "
                       "docker CLI there cannot reach its engine; is Docker running on %s? "
                       "(remote docker: %s)",
                       step, url, where, s->host, line);
    if (has(err, "Usage:") || has(err, "unknown command") || has(err, "dial-stdio"))
        return v6n_err(V6N_EENGINE, NULL,
                       "%s: cannot use the Docker engine at %s: the docker CLI on %s has no "
                       "`docker system dial-stdio`; Docker 18.09 or newer is needed there "
                       "(remote docker: %s)",
                       step, url, s->host, line);
    if (status > 0)
        return v6n_err(V6N_EENGINE, NULL,
                       "%s: cannot use the Docker engine at %s: `docker system dial-stdio` on %s "
                       "ended with status %d (remote: %s)",
                       step, url, s->host, status, line[0] ? line : "no message");
    return V6N_OK; /* ssh ended cleanly: the engine closed the connection */
}

int v6n_ssh_explain(const v6n_ssh_target *s, const v6n_ssh_ending *o, const char *step,
                    bool timed_out)
{
    if (o->spawn_errno == ENOENT || o->spawn_errno == ENOTDIR)
        return v6n_err(V6N_EUNAVAILABLE, NULL,
                       "%s: cannot reach the Docker engine at %s: the ssh client is not "
                       "installed here (no `ssh` in PATH); install OpenSSH's client (Debian "
                       "and Ubuntu: openssh-client)",
                       step, s->url);
    if (o->spawn_errno)
        return v6n_err(o->spawn_errno == ENOMEM ? V6N_ENOMEM : V6N_EUNAVAILABLE, NULL,
                       "%s: cannot reach the Docker engine at %s: cannot run ssh: %s", step, s->url,
                       strerror(o->spawn_errno));
    if (o->killed && !timed_out)
        return V6N_OK; /* we ended it: nothing it said is about this failure */
    if (o->reaped && WIFEXITED(o->status) && WEXITSTATUS(o->status) != 0) {
        int rc = explain_exit(s, step, o->err, WEXITSTATUS(o->status));
        if (rc)
            return rc;
    }
    if (!o->reaped && !o->killed) { /* a caller that ignores SIGCHLD: no status, only words */
        int rc = explain_exit(s, step, o->err, -1);
        if (rc)
            return rc;
    }
    if (o->reaped && WIFSIGNALED(o->status) && !o->killed)
        return v6n_err(V6N_EUNAVAILABLE, NULL,
                       "%s: cannot reach the Docker engine at %s: ssh was killed by signal %d",
                       step, s->url, WTERMSIG(o->status));
    if (timed_out) {
        char line[512], where[300];
        last_line(o->err, line, sizeof(line));
        describe_target(s, where, sizeof(where));
        return v6n_err(V6N_EUNAVAILABLE, NULL,
                       "%s: the Docker engine at %s did not answer in time: ssh to %s was still "
                       "connecting, or the engine there did not answer%s%s%s",
                       step, s->url, where, line[0] ? " (ssh: " : "", line, line[0] ? ")" : "");
    }
    return V6N_OK;
}

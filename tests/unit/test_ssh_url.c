/* ssh:// engine addresses: what is accepted, how it is shown, and the ssh
 * command line each one runs (the docker CLI's, plus BatchMode). No ssh is
 * run: a client connects only at its first request. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "support.h"

static void setup(void)
{
    unsetenv("DOCKER_HOST");
    unsetenv("DOCKER_TLS_VERIFY");
    unsetenv("DOCKER_CERT_PATH");
    unsetenv("DOCKER_API_VERSION");
}

TestSuite(ssh_url, .init = setup);

/* The command line of `url` with `connect_ms`, its words joined by spaces. */
static char *command_line(const char *url, long connect_ms)
{
    v6n_ssh *s = NULL;
    cr_assert_eq(v6n_ssh_new(&s, url, connect_ms), V6N_OK, "%s: %s", url,
                 v6n_error_last()->message);
    v6n_buf b = V6N_BUF_INIT;
    for (const char *const *a = v6n_ssh_argv(s); *a; a++) {
        if (b.len)
            v6n_buf_putc(&b, ' ');
        v6n_buf_puts(&b, *a);
    }
    v6n_ssh_free(s);
    return v6n_buf_detach(&b);
}

static void expect_command(const char *url, long connect_ms, const char *want)
{
    char *got = command_line(url, connect_ms);
    cr_expect_str_eq(got, want, "%s", url);
    free(got);
}

Test(ssh_url, the_command_lines)
{
    expect_command("ssh://admin@site-b", 0,
                   "ssh -o ConnectTimeout=30 -T -o BatchMode=yes -l admin -- site-b docker system "
                   "dial-stdio");
    expect_command("ssh://site-b", 0,
                   "ssh -o ConnectTimeout=30 -T -o BatchMode=yes -- site-b docker system "
                   "dial-stdio");
    expect_command("ssh://v6test@127.0.0.1:2222", 2500,
                   "ssh -o ConnectTimeout=3 -T -o BatchMode=yes -l v6test -p 2222 -- 127.0.0.1 "
                   "docker system dial-stdio");
    expect_command("ssh://me@[::1]:22/", 1000,
                   "ssh -o ConnectTimeout=1 -T -o BatchMode=yes -l me -p 22 -- ::1 docker system "
                   "dial-stdio");
    /* a socket path: the docker CLI's --host for the remote engine */
    expect_command("ssh://me@h/run/user/1000/docker.sock", 0,
                   "ssh -o ConnectTimeout=30 -T -o BatchMode=yes -l me -- h docker "
                   "--host=unix:///run/user/1000/docker.sock system dial-stdio");
}

static void expect_shown(const char *url, const char *want)
{
    v6n_engine_options o = V6N_ENGINE_OPTIONS_INIT;
    o.host = url;
    v6n_client *c = NULL;
    cr_assert_eq(v6n_client_new(&c, &o), V6N_OK, "%s: %s", url, v6n_error_last()->message);
    cr_expect_str_eq(v6n_client_host(c), want);
    cr_expect_null(v6n_client_socket_path(c), "not a local socket");
    v6n_client_free(c);
}

Test(ssh_url, clients_show_the_address)
{
    expect_shown("ssh://admin@site-b", "ssh://admin@site-b");
    expect_shown("ssh://admin@site-b/", "ssh://admin@site-b");
    expect_shown("ssh://site-b:2222", "ssh://site-b:2222");
    expect_shown("ssh://me@[fe80::1]:2222", "ssh://me@[fe80::1]:2222");
    expect_shown("ssh://me@h/var/run/docker.sock", "ssh://me@h/var/run/docker.sock");
}

static void expect_refused(const char *url, const char *needle)
{
    v6n_engine_options o = V6N_ENGINE_OPTIONS_INIT;
    o.host = url;
    v6n_client *c = NULL;
    cr_expect_eq(v6n_client_new(&c, &o), V6N_EINVAL, "%s was accepted", url);
    cr_expect_null(c);
    cr_expect(strstr(v6n_error_last()->message, needle), "%s: %s", url, v6n_error_last()->message);
    cr_expect_str_eq(v6n_error_last()->key, "host");
}

Test(ssh_url, what_is_refused)
{
    expect_refused("ssh://", "the host is empty");
    expect_refused("ssh://admin@", "the host is empty");
    expect_refused("ssh://admin:secret@site-b", "a password in the URL is not supported");
    expect_refused("ssh://@site-b", "the user name is not valid");
    expect_refused("ssh://-oProxyCommand=x", "the host name is not valid");
    expect_refused("ssh://-l@site-b", "the user name is not valid");
    expect_refused("ssh://site b", "the host name is not valid");
    expect_refused("ssh://site-b?x=1", "no query or fragment");
    expect_refused("ssh://site-b/x#y", "no query or fragment");
    expect_refused("ssh://site-b:0", "the port must be a number");
    expect_refused("ssh://site-b:65536", "the port must be a number");
    expect_refused("ssh://site-b:22x", "the port must be a number");
    expect_refused("ssh://site-b:", "the port must be a number");
    expect_refused("ssh://[::1", "closing ]");
    expect_refused("ssh://h/run/docker.sock;reboot", "the socket path may hold only");
    expect_refused("ssh://h/run/$(id).sock", "the socket path may hold only");
    expect_refused("ftp://site-b", "unix:///path, tcp://host:port or ssh://user@host");
}

/* TLS is for tcp:// engines: asked for with ssh:// it is refused, and the
 * environment's TLS variables do not apply to ssh://, as in the docker CLI. */
Test(ssh_url, tls_is_not_for_ssh)
{
    v6n_engine_options o = V6N_ENGINE_OPTIONS_INIT;
    o.host = "ssh://admin@site-b";
    o.tls = 1;
    v6n_client *c = NULL;
    cr_expect_eq(v6n_client_new(&c, &o), V6N_EINVAL);
    cr_expect(strstr(v6n_error_last()->message, "TLS is for tcp:// hosts, not ssh://admin@site-b"),
              "%s", v6n_error_last()->message);

    setenv("DOCKER_HOST", "ssh://admin@site-b", 1);
    setenv("DOCKER_TLS_VERIFY", "1", 1);
    setenv("DOCKER_CERT_PATH", "/nonexistent/v6ntest-certs", 1);
    cr_expect_eq(v6n_client_from_env(&c), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_client_host(c), "ssh://admin@site-b");
    v6n_client_free(c);
}

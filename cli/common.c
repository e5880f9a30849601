/* Pieces shared by the v6node commands. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int v6n_err_nomem_cli(void)
{
    fprintf(stderr, "v6node: out of memory\n");
    return V6N_ENOMEM;
}

int cli_fail(const char *what)
{
    const v6n_error *e = v6n_error_last();
    if (what)
        fprintf(stderr, "v6node: %s: %s\n", what, e->message);
    else
        fprintf(stderr, "v6node: %s\n", e->message);
    return EXIT_FAILURE_;
}

int cli_client(v6n_client **out, const cli_args *a, size_t i)
{
    const char *host = i < a->nhosts ? a->hosts[i] : NULL;
    if (host && a->host_is_context[i]) /* the context's own address and TLS files */
        return v6n_client_from_context(out, host);
    /* the environment's TLS settings apply to the host given: the same rules
     * as DOCKER_HOST, so the library's reading of them is the one used */
    if (host && setenv("DOCKER_HOST", host, 1) != 0)
        return v6n_err_nomem_cli();
    return v6n_client_from_env(out);
}

int cli_exit_status(int code)
{
    switch (code) {
    case V6N_OK:
        return EXIT_OK;
    case V6N_ENOTFOUND:
        return EXIT_NOTFOUND;
    case V6N_ECONFLICT:
        return EXIT_CONFLICT;
    case V6N_EUNAVAILABLE:
        return EXIT_UNAVAILABLE;
    default:
        return EXIT_FAILURE_;
    }
}

int cli_fail_status(void)
{
    int status = cli_exit_status(v6n_error_last()->code);
    cli_fail(NULL);
    return status;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "v6node %s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'v6node %s --help'.\n", command);
    return EXIT_USAGE;
}

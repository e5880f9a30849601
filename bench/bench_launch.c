/* Run a command and report its wall time and peak memory, as GNU time does:
 * ru_maxrss counts the memory of the process the child was forked from until
 * it execs, so the parent must be small. The benchmark programs are not (10+
 * MiB), this launcher is (static, libc only).
 *
 * Usage: bench_launch COMMAND [ARG...]   with fd 3 open for the report
 * Report on fd 3: "<wall ns> <ru_maxrss KiB> <exit status, -1 for a signal> <user+system
 * CPU ns>\n" */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc < 2 || fcntl(3, F_SETFD, FD_CLOEXEC) != 0) {
        fprintf(stderr, "usage: bench_launch COMMAND [ARG...] (with fd 3 open)\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[1], NULL, NULL, argv + 1, environ);
    if (rc != 0) {
        fprintf(stderr, "bench_launch: %s: %s\n", argv[1], strerror(rc));
        return 127;
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR)
            return 127;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
    dprintf(3, "%.0f %ld %d %.0f\n", ns, ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
            cpu);
    return 0;
}

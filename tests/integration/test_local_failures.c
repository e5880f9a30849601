/* A node's data or log folder cannot be made: a read-only file system under
 * it, a file in the way, a full disk (a small tmpfs, filled). Each start says
 * which folder and why (V6N_EIO), and leaves nothing on the engine: no
 * container, no volume. The file systems are tmpfs mounts the test makes
 * under its own folder (the suite runs as root) and unmounts again. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node_fixture.h"

static char mounted[2][1100]; /* the mounts this test made, unmounted by fini */

static void fini(void)
{
    for (int i = 0; i < 2; i++)
        if (mounted[i][0]) {
            if (umount2(mounted[i], 0) != 0)
                umount2(mounted[i], MNT_DETACH);
            mounted[i][0] = '\0';
        }
    nodefx_fini();
}

TestSuite(local_failures, .init = nodefx_init, .fini = fini, .timeout = 120);

/* A tmpfs at `path` (created), with mount options `data` and flags. */
static void tmpfs_at(const char *path, unsigned long flags, const char *data)
{
    cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", path, strerror(errno));
    cr_assert_eq(mount("v6ntest-tmpfs", path, "tmpfs", flags, data), 0,
                 "mount tmpfs on %s (%s): %s (the suite needs root)", path, data, strerror(errno));
    int slot = mounted[0][0] ? 1 : 0;
    snprintf(mounted[slot], sizeof(mounted[slot]), "%s", path);
}

/* A node with a csv database and no encryption (whose key would live in the
 * data folder). */
static void local_config(void)
{
    char csv[2048];
    snprintf(csv, sizeof(csv), "%s/data/cohort.csv", fx.dir);
    cr_assert_eq(write_text(csv, "id,age\n1,40\n"), 0);
    nodefx_write_config("server_url: https://v6.example.org\nport: 443\napi_path: /api\n"
                        "databases:\n"
                        "  - label: default\n    uri: data/cohort.csv\n    type: csv\n"
                        "encryption: {enabled: false}\n");
}

/* The start fails with V6N_EIO naming `folder` and `why`, and nothing of the
 * node is on the engine. */
static void start_fails_cleanly(const char *folder, const char *why)
{
    nodefx_build();
    char *id = NULL;
    unsigned long before = v6n_client_request_count(fx.client);
    int rc = v6n_node_start(&id, fx.handle, fx.client);
    const v6n_error *e = v6n_error_last();
    cr_expect_eq(rc, V6N_EIO, "%s: %s", v6n_error_code_name(rc), e->message);
    cr_expect(strstr(e->message, folder), "the message names the folder %s: %s", folder,
              e->message);
    cr_expect(strstr(e->message, why), "the message says '%s': %s", why, e->message);
    cr_expect_null(id);
    cr_expect_not(nodefx_container_exists(fx.container), "a container was made");
    cr_expect_eq(nodefx_volumes_present(), 0, "volumes were made");
    /* the engine was asked (version, the existing container) but told to make nothing */
    cr_expect_leq(v6n_client_request_count(fx.client) - before, 3,
                  "%lu requests before the folders failed",
                  v6n_client_request_count(fx.client) - before);
}

Test(local_failures, a_read_only_parent)
{
    local_config();
    char ro[1100], data[1200];
    snprintf(ro, sizeof(ro), "%s/ro", fx.dir);
    tmpfs_at(ro, MS_RDONLY, "size=1m");
    snprintf(data, sizeof(data), "%s/node-data", ro);
    cr_assert_eq(v6n_start_options_set(&fx.opts, "data_dir", data), V6N_OK);
    start_fails_cleanly(data, "Read-only file system");
}

Test(local_failures, a_read_only_log_folder_parent)
{
    local_config();
    char ro[1100], logs[1200];
    snprintf(ro, sizeof(ro), "%s/ro", fx.dir);
    tmpfs_at(ro, MS_RDONLY, "size=1m");
    snprintf(logs, sizeof(logs), "%s/logs", ro);
    cr_assert_eq(v6n_start_options_set(&fx.opts, "log_dir", logs), V6N_OK);
    start_fails_cleanly(logs, "Read-only file system");
}

Test(local_failures, a_file_in_the_way)
{
    local_config();
    char file[1100], data[1200];
    snprintf(file, sizeof(file), "%s/in-the-way", fx.dir);
    cr_assert_eq(write_text(file, "not a folder\n"), 0);
    /* the folder itself is the file */
    cr_assert_eq(v6n_start_options_set(&fx.opts, "data_dir", file), V6N_OK);
    start_fails_cleanly(file, "a file is in the way");
    /* a parent is the file */
    snprintf(data, sizeof(data), "%s/node-data", file);
    cr_assert_eq(v6n_start_options_set(&fx.opts, "data_dir", data), V6N_OK);
    start_fails_cleanly(file, "a file is in the way");
}

Test(local_failures, a_full_disk)
{
    local_config();
    char small[1100], filler[1200], data[1200];
    snprintf(small, sizeof(small), "%s/small", fx.dir);
    /* 64 KiB and 8 inodes: filled with one file and a few folders */
    tmpfs_at(small, 0, "size=64k,nr_inodes=8");
    snprintf(filler, sizeof(filler), "%s/filler", small);
    FILE *f = fopen(filler, "w");
    cr_assert_not_null(f);
    static char block[4096];
    while (fwrite(block, 1, sizeof(block), f) == sizeof(block) && fflush(f) == 0)
        ;
    fclose(f);
    for (int i = 0; i < 16; i++) {
        char d[1300];
        snprintf(d, sizeof(d), "%s/d%d", small, i);
        if (mkdir(d, 0755) != 0)
            break;
    }
    snprintf(data, sizeof(data), "%s/node-data", small);
    cr_assert_eq(v6n_start_options_set(&fx.opts, "data_dir", data), V6N_OK);
    start_fails_cleanly(data, "No space left on device");
}

/* The same, through the tool: exit status 1 and the message on stderr. */
Test(local_failures, the_tool_says_which_folder)
{
    local_config();
    char file[1100], conf[2048];
    snprintf(file, sizeof(file), "%s/in-the-way", fx.dir);
    cr_assert_eq(write_text(file, "x\n"), 0);
    nodefx_config_path(conf, sizeof(conf));
    char *argv[] = {(char *)V6N_CLI_PATH, "start", "-c", conf, "-i", STANDIN, "--pull", "missing",
                    "--data-dir",         file,    NULL};
    extern char **environ;
    run_result r;
    cr_assert_eq(run_program(&r, argv, environ, fx.dir, 120.0), 0);
    cr_expect_eq(r.exit_code, 1, "exit %d: %s", r.exit_code, r.err);
    cr_expect(strstr(r.err, file) && strstr(r.err, "a file is in the way"), "%s", r.err);
    run_result_free(&r);
    cr_expect_not(nodefx_container_exists(fx.container));
    cr_expect_eq(nodefx_volumes_present(), 0);
}

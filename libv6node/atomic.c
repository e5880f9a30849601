/* Writing a file so that readers see the old content or the new, never a part:
 * a temporary file in the same folder (so the final rename stays on one file
 * system), created with the final mode, written and flushed to disk, then
 * renamed (or linked, when an existing file must not be replaced) into place,
 * and the folder flushed. Whatever fails, the temporary file is removed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Flush the folder holding `path`, so that the rename itself survives a crash.
 * Some file systems cannot fsync a folder: that is not an error. */
static void sync_folder(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int v6n_file_write_atomic(const char *path, const char *data, size_t len,
                          const v6n_atomic_options *o)
{
    char *dir = v6n_path_dirname(path);
    const char *base = v6n_path_basename(path);
    char *tmp = dir ? v6n_asprintf("%s/.%s.XXXXXX", dir, base) : NULL;
    if (!dir || !tmp) {
        free(dir);
        free(tmp);
        return v6n_err_nomem();
    }
    int rc = V6N_OK;
    int fd = mkstemp(tmp); /* O_EXCL, mode 0600 */
    if (fd < 0) {
        rc = v6n_err(V6N_EIO, o->key, "cannot write %s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (o->uid >= 0 && fchown(fd, (uid_t)o->uid, (gid_t)o->gid) != 0 && errno != EPERM)
        rc = v6n_err(V6N_EIO, o->key, "cannot write %s: %s", path, strerror(errno));
    if (!rc && fchmod(fd, (mode_t)o->mode) != 0)
        rc = v6n_err(V6N_EIO, o->key, "cannot write %s: %s", path, strerror(errno));
    if (!rc && (write_all(fd, data, len) != 0 || fsync(fd) != 0))
        rc = v6n_err(V6N_EIO, o->key, "cannot write %s: %s", path, strerror(errno));
    if (close(fd) != 0 && !rc)
        rc = v6n_err(V6N_EIO, o->key, "cannot write %s: %s", path, strerror(errno));
    if (rc)
        goto remove_tmp;

    if (o->replace) {
        if (rename(tmp, path) != 0) {
            rc = v6n_err(V6N_EIO, o->key, "cannot write %s: %s", path, strerror(errno));
            goto remove_tmp;
        }
    } else if (link(tmp, path) == 0) {
        unlink(tmp);
    } else {
        /* link() fails if the file appeared meanwhile: never replace it. A file
         * system without hard links gets a check, then a rename. */
        int e = errno;
        bool no_links = e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == EMLINK;
        if (e == EEXIST || (no_links && v6n_path_exists(path))) {
            rc = v6n_err(V6N_ECONFLICT, o->key, "%s already exists", path);
            goto remove_tmp;
        }
        if (!no_links || rename(tmp, path) != 0) {
            rc = v6n_err(V6N_EIO, o->key, "cannot write %s: %s", path,
                         strerror(no_links ? errno : e));
            goto remove_tmp;
        }
    }
    sync_folder(dir);
    goto cleanup;

remove_tmp:
    unlink(tmp);
cleanup:
    free(tmp);
    free(dir);
    return rc;
}

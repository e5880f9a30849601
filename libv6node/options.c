/* Start options: normalising a caller's struct (which may be an older, smaller
 * version) and deep copies that outlive the caller's strings. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The size of each version of v6n_start_options the library accepts. */
static size_t options_size(unsigned int version)
{
    if (version == 1)
        return offsetof(v6n_start_options, vantage6_version);
    return sizeof(v6n_start_options);
}

int v6n_start_options_init(v6n_start_options *opts, unsigned int version)
{
    if (!opts || version == 0 || version > V6N_START_OPTIONS_VERSION)
        return v6n_err(V6N_EINVAL, NULL, "v6n_start_options_init: unsupported version %u", version);
    /* a caller built against an older header has the smaller struct */
    memset(opts, 0, options_size(version));
    opts->version = version;
    return V6N_OK;
}

void v6n_options_normalize(v6n_start_options *dst, const v6n_start_options *src)
{
    memset(dst, 0, sizeof(*dst));
    if (!src) {
        dst->version = V6N_START_OPTIONS_VERSION;
        return;
    }
    size_t n = src->version >= 1 && src->version <= V6N_START_OPTIONS_VERSION
                   ? options_size(src->version)
                   : sizeof(src->version);
    memcpy(dst, src, n);
}

/* The string fields, for copying and freeing. */
#define STRING_FIELDS(X)                                                                           \
    X(image)                                                                                       \
    X(mount_src)                                                                                   \
    X(server_version)                                                                              \
    X(data_dir)                                                                                    \
    X(log_dir)                                                                                     \
    X(docker_socket)                                                                               \
    X(data_volume)                                                                                 \
    X(vpn_volume)                                                                                  \
    X(ssh_volume)                                                                                  \
    X(squid_volume)                                                                                \
    X(private_key)                                                                                 \
    X(working_dir)                                                                                 \
    X(vantage6_version)

int v6n_options_dup(v6n_start_options *dst, const v6n_start_options *src)
{
    v6n_options_normalize(dst, src);
    bool failed = false;
#define DUP(f)                                                                                     \
    if (dst->f && !(dst->f = v6n_strdup(dst->f)))                                                  \
        failed = true;
    STRING_FIELDS(DUP)
#undef DUP
    v6n_path_map *maps = NULL;
    if (dst->path_map_len && dst->path_map) {
        maps = calloc(dst->path_map_len, sizeof(*maps));
        for (size_t i = 0; maps && i < dst->path_map_len; i++) {
            maps[i].local_prefix = v6n_strdup(dst->path_map[i].local_prefix);
            maps[i].host_prefix = v6n_strdup(dst->path_map[i].host_prefix);
            if (!maps[i].local_prefix || !maps[i].host_prefix)
                failed = true;
        }
        if (!maps)
            failed = true;
    }
    dst->path_map = maps;
    if (!maps)
        dst->path_map_len = 0;
    if (failed) {
        v6n_options_dispose(dst);
        return v6n_err_nomem();
    }
    return V6N_OK;
}

void v6n_options_dispose(v6n_start_options *o)
{
#define FREE(f) free((char *)o->f);
    STRING_FIELDS(FREE)
#undef FREE
    for (size_t i = 0; o->path_map && i < o->path_map_len; i++) {
        free((char *)o->path_map[i].local_prefix);
        free((char *)o->path_map[i].host_prefix);
    }
    free((v6n_path_map *)o->path_map);
    memset(o, 0, sizeof(*o));
}

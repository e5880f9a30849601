/* `v6 node create-private-key` as one call: the key, the config's
 * encryption.private_key, and the public key on the server.
 *
 * One deviation in the order: when a login is needed at all, it happens
 * first, so that a wrong password changes nothing (the official command
 * writes the key and the config before it asks for the password to upload). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int v6n_node_private_key_create(char **out_key_path, v6n_node *node,
                                const v6n_private_key_options *opts)
{
    if (out_key_path)
        *out_key_path = NULL;
    if (!node || !opts)
        return v6n_err(V6N_EINVAL, NULL,
                       "v6n_node_private_key_create: a node and options are required");
    if (opts->version == 0 || opts->version > V6N_PRIVATE_KEY_OPTIONS_VERSION)
        return v6n_err(V6N_EINVAL, "version", "private key options version %u is not supported",
                       opts->version);
    bool need_login = v6n_str_empty(opts->organization) || opts->upload;
    if (need_login && !opts->login)
        return v6n_err(V6N_EINVAL, "login", "a login is needed to %s",
                       opts->upload ? "upload the public key"
                                    : "learn the organization (or name it)");

    v6n_config *config = NULL;
    v6n_server_session *session = NULL;
    char *url = NULL, *key_path = NULL, *public_key = NULL, *message = NULL;
    int rc = v6n_node_load_config(&config, node);
    if (rc)
        goto cleanup;
    if (need_login) {
        if ((rc = v6n_config_server_url(&url, config)) ||
            (rc = v6n_server_session_open(&session, url, opts->login)))
            goto cleanup;
    }
    const char *organization = v6n_str_empty(opts->organization)
                                   ? v6n_server_session_organization_name(session)
                                   : opts->organization;
    rc = v6n_str_empty(opts->key_path)
             ? v6n_private_key_path(&key_path, v6n_node_scope(node), organization)
             : ((key_path = v6n_path_absolute(opts->key_path, NULL)) ? V6N_OK
                                                                     : v6n_error_last()->code);
    if (rc)
        goto cleanup;

    if (!opts->overwrite && v6n_path_exists(key_path)) {
        message = v6n_asprintf("the private key %s exists: using it (overwrite to make a new "
                               "one)",
                               key_path);
        if (!message) {
            rc = v6n_err_nomem();
            goto cleanup;
        }
        if (v6n_emit(opts->on_event, opts->payload, V6N_EVENT_WARNING, message, key_path, "", 0,
                     0)) {
            rc = v6n_err(V6N_ECANCELLED, NULL, "stopped by the caller");
            goto cleanup;
        }
    } else if ((rc = v6n_private_key_generate(key_path, opts->overwrite))) {
        goto cleanup;
    }
    /* the key must be usable, new or old, before the config points at it */
    if ((rc = v6n_public_key_get(&public_key, key_path)))
        goto cleanup;
    if ((rc = v6n_config_set_private_key(v6n_config_path(config), key_path)))
        goto cleanup;
    if (opts->upload) {
        long long org_id = v6n_server_session_organization_id(session);
        const char *own = v6n_server_session_organization_name(session);
        if (!v6n_str_empty(opts->organization) && (!own || strcmp(opts->organization, own)) &&
            (rc = v6n_server_organization_find(&org_id, session, opts->organization)))
            goto cleanup;
        if ((rc = v6n_server_organization_set_public_key(session, org_id, public_key)))
            goto cleanup;
    }
    if (out_key_path) {
        *out_key_path = key_path;
        key_path = NULL;
    }
cleanup:
    v6n_server_session_free(session);
    v6n_config_free(config);
    free(url);
    free(key_path);
    free(public_key);
    free(message);
    return rc;
}

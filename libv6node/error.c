/* The per-thread error slot behind v6n_error_last(). Fixed-size buffers, so
 * recording an error never allocates (and never fails, even for ENOMEM). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MESSAGE_MAX 2048
#define KEY_MAX     256

typedef struct error_slot {
    v6n_error pub;
    char message[MESSAGE_MAX];
    char key[KEY_MAX];
} error_slot;

static _Thread_local error_slot slot = {
    {V6N_OK, "no error", "", 0},
    "no error",
    "",
};

/* Hide the password of every "scheme://user:password@host" in `text`: no
 * message of the library ever shows one, whatever put it there. */
static void scrub_passwords(char *text, size_t size)
{
    char out[MESSAGE_MAX];
    size_t o = 0;
    const char *p = text;
#define PUT(from, count)                                                                           \
    do {                                                                                           \
        size_t k_ = (count);                                                                       \
        if (k_ > sizeof(out) - 1 - o)                                                              \
            k_ = sizeof(out) - 1 - o;                                                              \
        memcpy(out + o, (from), k_);                                                               \
        o += k_;                                                                                   \
    } while (0)
    while (*p) {
        const char *scheme = strstr(p, "://");
        if (!scheme) {
            PUT(p, strlen(p));
            break;
        }
        const char *auth = scheme + 3;
        PUT(p, (size_t)(auth - p));
        size_t n = strcspn(auth, "/?# '\"\n");
        const char *at = NULL;
        for (const char *q = auth; q < auth + n; q++)
            if (*q == '@')
                at = q;
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            PUT(auth, (size_t)(colon + 1 - auth));
            PUT("***", 3);
            p = at;
        } else {
            p = auth;
        }
    }
#undef PUT
    out[o] = '\0';
    snprintf(text, size, "%s", out);
}

static void record(int code, const char *key, int http_status, const char *fmt, va_list ap)
    V6N_PRINTF(4, 0);

static void record(int code, const char *key, int http_status, const char *fmt, va_list ap)
{
    vsnprintf(slot.message, sizeof(slot.message), fmt, ap);
    scrub_passwords(slot.message, sizeof(slot.message));
    snprintf(slot.key, sizeof(slot.key), "%s", key ? key : "");
    slot.pub.code = code;
    slot.pub.message = slot.message;
    slot.pub.key = slot.key;
    slot.pub.http_status = http_status;
}

int v6n_err(int code, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(code, key, 0, fmt, ap);
    va_end(ap);
    return code;
}

int v6n_err_http(int code, int http_status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(code, NULL, http_status, fmt, ap);
    va_end(ap);
    return code;
}

int v6n_err_nomem(void)
{
    return v6n_err(V6N_ENOMEM, NULL, "out of memory");
}

void v6n_err_save(v6n_err_snapshot *s)
{
    s->code = slot.pub.code;
    s->http_status = slot.pub.http_status;
    snprintf(s->message, sizeof(s->message), "%s", slot.pub.message);
    snprintf(s->key, sizeof(s->key), "%s", slot.pub.key);
}

int v6n_err_restore(const v6n_err_snapshot *s)
{
    snprintf(slot.message, sizeof(slot.message), "%s", s->message);
    snprintf(slot.key, sizeof(slot.key), "%s", s->key);
    slot.pub.code = s->code;
    slot.pub.http_status = s->http_status;
    slot.pub.message = slot.message;
    slot.pub.key = slot.key;
    return s->code;
}

const v6n_error *v6n_error_last(void)
{
    return &slot.pub;
}

void v6n_error_clear(void)
{
    slot.pub.code = V6N_OK;
    snprintf(slot.message, sizeof(slot.message), "no error");
    slot.key[0] = '\0';
    slot.pub.message = slot.message;
    slot.pub.key = slot.key;
    slot.pub.http_status = 0;
}

const char *v6n_error_code_name(int code)
{
    switch (code) {
    case V6N_OK:
        return "V6N_OK";
    case V6N_ERROR:
        return "V6N_ERROR";
    case V6N_ECONFIG:
        return "V6N_ECONFIG";
    case V6N_ENOTFOUND:
        return "V6N_ENOTFOUND";
    case V6N_ECONFLICT:
        return "V6N_ECONFLICT";
    case V6N_EENGINE:
        return "V6N_EENGINE";
    case V6N_EIO:
        return "V6N_EIO";
    case V6N_ENOMEM:
        return "V6N_ENOMEM";
    case V6N_EINVAL:
        return "V6N_EINVAL";
    case V6N_EUNAVAILABLE:
        return "V6N_EUNAVAILABLE";
    case V6N_ECANCELLED:
        return "V6N_ECANCELLED";
    case V6N_EAUTH:
        return "V6N_EAUTH";
    default:
        return "V6N_UNKNOWN";
    }
}

void v6n_free(void *ptr)
{
    free(ptr);
}

const char *v6n_version(void)
{
    return V6N_VERSION;
}

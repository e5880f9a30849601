/* Growable strings and string lists, used everywhere instead of hand-managed
 * buffers, plus small string predicates. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"

static int buf_grow(v6n_buf *b, size_t extra)
{
    if (extra > (size_t)-1 / 2 - b->len)
        return v6n_err_nomem();
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return V6N_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->ptr, cap);
    if (!p)
        return v6n_err_nomem();
    b->ptr = p;
    b->cap = cap;
    return V6N_OK;
}

int v6n_buf_add(v6n_buf *b, const char *data, size_t len)
{
    int rc = buf_grow(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
    return V6N_OK;
}

int v6n_buf_puts(v6n_buf *b, const char *s)
{
    return v6n_buf_add(b, s, strlen(s));
}

int v6n_buf_putc(v6n_buf *b, char c)
{
    return v6n_buf_add(b, &c, 1);
}

int v6n_buf_vprintf(v6n_buf *b, const char *fmt, va_list ap)
{
    /* one pass when the text fits the room there is (a new buffer gets a
     * first 64 bytes), a second one after growing when it does not */
    if (!b->ptr && buf_grow(b, 0))
        return v6n_error_last()->code;
    size_t room = b->cap - b->len;
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(b->ptr + b->len, room, fmt, copy);
    va_end(copy);
    if (n < 0) {
        b->ptr[b->len] = '\0';
        return v6n_err(V6N_ERROR, NULL, "invalid format string");
    }
    if ((size_t)n < room) {
        b->len += (size_t)n;
        return V6N_OK;
    }
    int rc = buf_grow(b, (size_t)n);
    if (rc) {
        b->ptr[b->len] = '\0';
        return rc;
    }
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return V6N_OK;
}

int v6n_buf_printf(v6n_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = v6n_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *v6n_buf_detach(v6n_buf *b)
{
    char *p = b->ptr;
    if (!p)
        p = calloc(1, 1);
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

void v6n_buf_clear(v6n_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

void v6n_buf_free(v6n_buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

int v6n_strlist_push_owned(v6n_strlist *l, char *s)
{
    if (!s)
        return v6n_err_nomem();
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **items = realloc(l->items, cap * sizeof(*items));
        if (!items) {
            free(s);
            return v6n_err_nomem();
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = s;
    return V6N_OK;
}

int v6n_strlist_push(v6n_strlist *l, const char *s)
{
    return v6n_strlist_push_owned(l, v6n_strdup(s));
}

int v6n_strlist_pushf(v6n_strlist *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = v6n_vasprintf(fmt, ap);
    va_end(ap);
    return v6n_strlist_push_owned(l, s); /* NULL: out of memory */
}

bool v6n_strlist_contains(const v6n_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

void v6n_strlist_free(v6n_strlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}

char *v6n_strdup(const char *s)
{
    return s ? v6n_strndup(s, strlen(s)) : NULL;
}

char *v6n_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *v6n_vasprintf(const char *fmt, va_list ap)
{
    v6n_buf b = V6N_BUF_INIT;
    if (v6n_buf_vprintf(&b, fmt, ap)) {
        v6n_buf_free(&b);
        return NULL;
    }
    return v6n_buf_detach(&b);
}

char *v6n_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = v6n_vasprintf(fmt, ap);
    va_end(ap);
    return s;
}

bool v6n_str_empty(const char *s)
{
    return s == NULL || *s == '\0';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool v6n_is_identifier(const char *s)
{
    if (v6n_str_empty(s) || !(is_alpha(*s) || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!(is_alpha(*s) || is_digit(*s) || *s == '_'))
            return false;
    return true;
}

bool v6n_is_node_name(const char *s)
{
    if (v6n_str_empty(s))
        return false;
    for (; *s; s++)
        if (!(is_alpha(*s) || is_digit(*s) || *s == '_' || *s == '.' || *s == '-'))
            return false;
    return true;
}

bool v6n_is_volume_name(const char *s)
{
    if (v6n_str_empty(s) || !(is_alpha(*s) || is_digit(*s)) || s[1] == '\0')
        return false;
    return v6n_is_node_name(s + 1);
}

#define QUOTE_MAX 120

int v6n_buf_quote(v6n_buf *b, const char *s)
{
    int rc = v6n_buf_putc(b, '\'');
    size_t n = 0;
    for (; !rc && *s && n < QUOTE_MAX; s++, n++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n')
            rc = v6n_buf_puts(b, "\\n");
        else if (c == '\t')
            rc = v6n_buf_puts(b, "\\t");
        else if (c == '\r')
            rc = v6n_buf_puts(b, "\\r");
        else if (c == '\'' || c == '\\')
            rc = v6n_buf_printf(b, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            rc = v6n_buf_printf(b, "\\x%02x", c);
        else
            rc = v6n_buf_putc(b, (char)c);
    }
    if (!rc && *s)
        rc = v6n_buf_puts(b, "...");
    if (!rc)
        rc = v6n_buf_putc(b, '\'');
    return rc;
}

char *v6n_redact_uri(const char *uri)
{
    if (!uri)
        return NULL;
    const char *scheme_end = strstr(uri, "://");
    if (!scheme_end)
        return v6n_strdup(uri);
    const char *auth = scheme_end + 3;
    size_t auth_len = strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < auth + auth_len; p++)
        if (*p == '@')
            at = p; /* the last '@' ends the user info */
    if (!at)
        return v6n_strdup(uri);
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    if (!colon)
        return v6n_strdup(uri);
    return v6n_asprintf("%.*s***%s", (int)(colon + 1 - uri), uri, at);
}

int v6n_uri_redact(char **out, const char *uri)
{
    if (!out || !uri)
        return v6n_err(V6N_EINVAL, NULL, "v6n_uri_redact: out and uri are required");
    *out = v6n_redact_uri(uri);
    return *out ? V6N_OK : v6n_err_nomem();
}

char *v6n_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    v6n_buf b = V6N_BUF_INIT;
    int rc = V6N_OK;
    for (const unsigned char *p = (const unsigned char *)s; !rc && *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~')
            rc = v6n_buf_putc(&b, (char)*p);
        else
            rc = v6n_buf_printf(&b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
    if (rc) {
        v6n_buf_free(&b);
        return NULL;
    }
    return v6n_buf_detach(&b);
}

char *v6n_base64(const unsigned char *data, size_t len)
{
    if (len > (size_t)INT_MAX / 4 * 3 - 3)
        return NULL;
    unsigned char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out)
        return NULL;
    EVP_EncodeBlock(out, data, (int)len); /* NUL-terminated, no newlines */
    return (char *)out;
}

char *v6n_base64url(const unsigned char *data, size_t len)
{
    char *out = v6n_base64(data, len);
    for (char *p = out; p && *p; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
    }
    return out;
}

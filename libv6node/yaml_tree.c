/* libyaml events -> a tree with the values PyYAML's safe_load would build.
 *
 * vantage6 reads node configs with yaml.safe_load, so a config means what
 * PyYAML (YAML 1.1 resolution) says it means: `on` is True, `0o17`/`017` is
 * 15, `1:30` is 90, `1.` is a float. Scalars keep the text Python's str()
 * gives, because that is what ends up in the container's environment.
 *
 * Aliases share the anchored node instead of copying it, and an anchor only
 * becomes usable once its node is complete, so the tree is acyclic and an
 * alias bomb costs nothing. Nesting is limited to MAX_DEPTH. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "internal.h"

#define MAX_DEPTH       100
#define MAX_MERGE_PAIRS 1000000u

#define TAG_PREFIX "tag:yaml.org,2002:"

typedef struct anchor {
    char *name;
    v6n_ynode *node;
} anchor;

typedef struct frame {
    v6n_ynode *node;
    v6n_ynode *key; /* a mapping's key waiting for its value */
    char *anchor;
} frame;

typedef struct builder {
    v6n_ydoc *doc;
    const char *name;
    frame *stack;
    size_t depth, stack_cap;
    anchor *anchors;
    size_t n_anchors, anchors_cap;
    size_t merge_pairs;
    int documents;
} builder;

const char *v6n_ytype_name(v6n_ytype type)
{
    switch (type) {
    case V6N_Y_NULL:
        return "null";
    case V6N_Y_BOOL:
        return "a boolean";
    case V6N_Y_INT:
        return "an integer";
    case V6N_Y_FLOAT:
        return "a float";
    case V6N_Y_STR:
        return "a string";
    case V6N_Y_MAP:
        return "a mapping";
    case V6N_Y_SEQ:
        return "a list";
    }
    return "?";
}

static int err_at(builder *b, size_t line, size_t column, const char *fmt, ...) V6N_PRINTF(4, 5);

static int err_at(builder *b, size_t line, size_t column, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return v6n_err(V6N_ECONFIG, NULL, "%s:%zu:%zu: invalid YAML: %s", b->name, line, column, what);
}

static v6n_ynode *node_new(builder *b, v6n_ytype type, const yaml_mark_t *mark)
{
    v6n_ynode *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->type = type;
    n->line = mark->line + 1;
    n->column = mark->column + 1;
    n->next_alloc = b->doc->nodes;
    b->doc->nodes = n;
    return n;
}

static int node_append(v6n_ynode *parent, v6n_ynode *key, v6n_ynode *value)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        v6n_ynode **items = realloc(parent->items, cap * sizeof(*items));
        if (!items)
            return v6n_err_nomem();
        parent->items = items;
        if (parent->type == V6N_Y_MAP) {
            v6n_ynode **keys = realloc(parent->keys, cap * sizeof(*keys));
            if (!keys)
                return v6n_err_nomem();
            parent->keys = keys;
        }
        parent->cap = cap;
    }
    if (parent->type == V6N_Y_MAP)
        parent->keys[parent->n] = key;
    parent->items[parent->n++] = value;
    return V6N_OK;
}

/* ---- scalar resolution (PyYAML's implicit resolvers, YAML 1.1) ------------ */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool all_in(const char *s, const char *set)
{
    for (; *s; s++)
        if (!strchr(set, *s))
            return false;
    return true;
}

static bool one_of(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(s, *words) == 0)
            return true;
    return false;
}

static const char *const BOOL_TRUE[] = {"yes",  "Yes", "YES", "true", "True",
                                        "TRUE", "on",  "On",  "ON",   NULL};
static const char *const BOOL_FALSE[] = {"no",    "No",  "NO",  "false", "False",
                                         "FALSE", "off", "Off", "OFF",   NULL};
static const char *const NULLS[] = {"~", "null", "Null", "NULL", "", NULL};

/* [-+]? then the body; returns the body. */
static const char *skip_sign(const char *s)
{
    return (*s == '-' || *s == '+') ? s + 1 : s;
}

/* ":[0-5]?[0-9]" groups, one or more, to the end. */
static bool sexagesimal_tail(const char *s, const char **stop)
{
    int groups = 0;
    while (*s == ':') {
        s++;
        if (is_digit(s[0]) && is_digit(s[1]) && s[0] <= '5')
            s += 2;
        else if (is_digit(s[0]))
            s += 1;
        else
            return false;
        groups++;
    }
    *stop = s;
    return groups > 0;
}

static bool looks_int(const char *s)
{
    const char *b = skip_sign(s);
    if (b[0] == '0' && b[1] == 'b')
        return b[2] && all_in(b + 2, "01_");
    if (b[0] == '0' && b[1] == 'x')
        return b[2] && all_in(b + 2, "0123456789abcdefABCDEF_");
    if (b[0] == '0')
        return b[1] == '\0' || all_in(b + 1, "01234567_");
    if (b[0] < '1' || b[0] > '9')
        return false;
    const char *p = b + 1;
    while (is_digit(*p) || *p == '_')
        p++;
    if (*p == '\0')
        return true;
    const char *stop;
    return sexagesimal_tail(p, &stop) && *stop == '\0';
}

static bool exponent_tail(const char *p)
{
    if (*p == '\0')
        return true;
    if ((*p != 'e' && *p != 'E') || (p[1] != '-' && p[1] != '+') || !is_digit(p[2]))
        return false;
    for (p += 2; is_digit(*p); p++)
        ;
    return *p == '\0';
}

static bool looks_float(const char *s)
{
    const char *b = skip_sign(s);
    if (strcmp(b, ".inf") == 0 || strcmp(b, ".Inf") == 0 || strcmp(b, ".INF") == 0)
        return true;
    if (strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 || strcmp(s, ".NAN") == 0)
        return true;
    if (s[0] == '.') { /* \.[0-9_]+ exponent? (no sign allowed here) */
        const char *p = s + 1;
        if (!(is_digit(*p) || *p == '_'))
            return false;
        while (is_digit(*p) || *p == '_')
            p++;
        return exponent_tail(p);
    }
    if (!is_digit(b[0]))
        return false;
    const char *p = b + 1;
    while (is_digit(*p) || *p == '_')
        p++;
    if (*p == ':') { /* [0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* */
        const char *stop;
        if (!sexagesimal_tail(p, &stop) || *stop != '.')
            return false;
        return all_in(stop + 1, "0123456789_");
    }
    if (*p != '.')
        return false;
    for (p++; is_digit(*p) || *p == '_'; p++)
        ;
    return exponent_tail(p);
}

/* Decimal digits of an arbitrarily large non-negative integer, built by
 * multiply-and-add, most significant digit first. */
typedef struct bigdec {
    v6n_buf digits; /* reversed: least significant first */
} bigdec;

static int bigdec_muladd(bigdec *d, unsigned base, unsigned add)
{
    unsigned carry = add;
    for (size_t i = 0; i < d->digits.len; i++) {
        unsigned v = (unsigned)(d->digits.ptr[i] - '0') * base + carry;
        d->digits.ptr[i] = (char)('0' + v % 10);
        carry = v / 10;
    }
    while (carry) {
        int rc = v6n_buf_putc(&d->digits, (char)('0' + carry % 10));
        if (rc)
            return rc;
        carry /= 10;
    }
    return V6N_OK;
}

static int digit_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Fill node->str/integer from an int literal already matched by looks_int. */
static int resolve_int(v6n_ynode *node, const char *text)
{
    bool negative = text[0] == '-';
    const char *b = skip_sign(text);
    bigdec d = {V6N_BUF_INIT};
    int rc = V6N_OK;

    if (b[0] == '0' && (b[1] == 'b' || b[1] == 'x' || (b[1] && b[1] != ':'))) {
        unsigned base = b[1] == 'b' ? 2 : b[1] == 'x' ? 16 : 8;
        const char *p = (base == 8) ? b + 1 : b + 2;
        bool any = false;
        for (; !rc && *p; p++) {
            if (*p == '_')
                continue;
            rc = bigdec_muladd(&d, base, (unsigned)digit_value(*p));
            any = true;
        }
        if (!rc && !any && base != 8)
            rc = V6N_ECONFIG; /* "0b_" : int('', 2) fails in Python too */
    } else if (strchr(b, ':')) {
        /* sexagesimal: the first part in decimal, then base-60 digits (< 60) */
        const char *p = b;
        for (; !rc && *p != ':'; p++)
            if (*p != '_')
                rc = bigdec_muladd(&d, 10, (unsigned)(*p - '0'));
        while (!rc && *p == ':') {
            unsigned part = 0;
            for (p++; *p && *p != ':'; p++)
                part = part * 10 + (unsigned)(*p - '0');
            rc = bigdec_muladd(&d, 60, part);
        }
    } else {
        for (const char *p = b; !rc && *p; p++)
            if (*p != '_')
                rc = bigdec_muladd(&d, 10, (unsigned)(*p - '0'));
    }
    if (rc) {
        v6n_buf_free(&d.digits);
        return rc;
    }
    /* Strip leading zeros (stored at the end of the reversed digits). */
    while (d.digits.len > 1 && d.digits.ptr[d.digits.len - 1] == '0')
        d.digits.len--;
    if (d.digits.len == 0)
        rc = v6n_buf_putc(&d.digits, '0');
    bool zero = !rc && d.digits.len == 1 && d.digits.ptr[0] == '0';

    v6n_buf out = V6N_BUF_INIT;
    if (!rc && negative && !zero)
        rc = v6n_buf_putc(&out, '-');
    for (size_t i = d.digits.len; !rc && i > 0; i--)
        rc = v6n_buf_putc(&out, d.digits.ptr[i - 1]);
    v6n_buf_free(&d.digits);
    if (rc) {
        v6n_buf_free(&out);
        return rc;
    }
    node->str = v6n_buf_detach(&out);
    if (!node->str)
        return v6n_err_nomem();
    errno = 0;
    char *end;
    node->integer = strtoll(node->str, &end, 10);
    node->int_fits = errno == 0 && *end == '\0';
    return V6N_OK;
}

/* Python's repr() of a float: the shortest digits that round-trip, in fixed
 * notation when the decimal exponent is in [-4, 16), else scientific. */
static char *python_float_repr(double x)
{
    if (isnan(x))
        return v6n_strdup("nan");
    if (isinf(x))
        return v6n_strdup(x < 0 ? "-inf" : "inf");
    char tmp[64];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, x);
        if (strtod(tmp, NULL) == x)
            break;
    }
    /* tmp is "[-]D[.DDD]e(+|-)XX" */
    bool negative = tmp[0] == '-';
    char digits[32];
    size_t nd = 0;
    const char *p = tmp + (negative ? 1 : 0);
    for (; *p && *p != 'e'; p++)
        if (is_digit(*p))
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int exp10 = atoi(p + 1);
    int decpt = exp10 + 1;

    v6n_buf b = V6N_BUF_INIT;
    int rc = negative ? v6n_buf_putc(&b, '-') : V6N_OK;
    if (decpt <= -4 || decpt > 16) {
        if (!rc)
            rc = v6n_buf_putc(&b, digits[0]);
        if (!rc && nd > 1)
            rc = v6n_buf_printf(&b, ".%s", digits + 1);
        if (!rc)
            rc = v6n_buf_printf(&b, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (decpt <= 0) {
        if (!rc)
            rc = v6n_buf_puts(&b, "0.");
        for (int i = 0; !rc && i < -decpt; i++)
            rc = v6n_buf_putc(&b, '0');
        if (!rc)
            rc = v6n_buf_puts(&b, digits);
    } else if ((size_t)decpt >= nd) {
        if (!rc)
            rc = v6n_buf_puts(&b, digits);
        for (size_t i = nd; !rc && i < (size_t)decpt; i++)
            rc = v6n_buf_putc(&b, '0');
        if (!rc)
            rc = v6n_buf_puts(&b, ".0");
    } else {
        if (!rc)
            rc = v6n_buf_printf(&b, "%.*s.%s", decpt, digits, digits + decpt);
    }
    if (rc) {
        v6n_buf_free(&b);
        return NULL;
    }
    return v6n_buf_detach(&b);
}

static int resolve_float(v6n_ynode *node, const char *text)
{
    v6n_buf clean = V6N_BUF_INIT;
    int rc = V6N_OK;
    for (const char *p = text; !rc && *p; p++)
        if (*p != '_')
            rc = v6n_buf_putc(&clean, (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p));
    if (rc)
        return rc;
    const char *v = clean.ptr ? clean.ptr : "";
    int sign = 1;
    if (*v == '-' || *v == '+') {
        sign = *v == '-' ? -1 : 1;
        v++;
    }
    double x;
    if (strcmp(v, ".inf") == 0) {
        x = sign * INFINITY;
    } else if (strcmp(v, ".nan") == 0) {
        x = NAN;
    } else if (strchr(v, ':')) {
        /* sexagesimal, summed from the last part up as PyYAML does */
        double parts[64];
        size_t n = 0;
        const char *p = v;
        while (n < 64) {
            parts[n++] = strtod(p, NULL);
            p = strchr(p, ':');
            if (!p)
                break;
            p++;
        }
        double base = 1;
        x = 0;
        for (size_t i = n; i > 0; i--) {
            x += parts[i - 1] * base;
            base *= 60;
        }
        x *= sign;
    } else {
        char *end;
        x = strtod(v, &end);
        if (end == v || *end != '\0') {
            v6n_buf_free(&clean);
            return V6N_ECONFIG;
        }
        x *= sign;
    }
    v6n_buf_free(&clean);
    node->real = x;
    node->str = python_float_repr(x);
    return node->str ? V6N_OK : v6n_err_nomem();
}

/* Decide the type of a scalar. `tag` is the explicit tag or NULL. */
static int resolve_scalar(builder *b, v6n_ynode *node, const char *text, const char *tag,
                          bool plain)
{
    const char *t = NULL; /* the tag's short name, e.g. "str" */
    if (tag && strcmp(tag, "!") != 0) {
        if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0)
            return err_at(b, node->line, node->column, "unsupported tag '%s'", tag);
        t = tag + strlen(TAG_PREFIX);
    } else if (tag || !plain) {
        t = "str";
    }
    int rc;
    if (t == NULL) {
        if (one_of(text, NULLS))
            t = "null";
        else if (one_of(text, BOOL_TRUE) || one_of(text, BOOL_FALSE))
            t = "bool";
        else if (strchr("-+0123456789", text[0]) && looks_int(text))
            t = "int";
        else if (strchr("-+0123456789.", text[0]) && looks_float(text))
            t = "float";
        else if (strcmp(text, "=") == 0)
            return err_at(b, node->line, node->column, "could not determine a constructor for '='");
        else
            t = "str";
    }
    if (strcmp(t, "null") == 0) {
        node->type = V6N_Y_NULL;
        node->str = v6n_strdup("None");
    } else if (strcmp(t, "bool") == 0) {
        bool yes = one_of(text, BOOL_TRUE);
        if (!yes && !one_of(text, BOOL_FALSE))
            return err_at(b, node->line, node->column, "'%s' is not a boolean", text);
        node->type = V6N_Y_BOOL;
        node->boolean = yes;
        node->str = v6n_strdup(yes ? "True" : "False");
    } else if (strcmp(t, "int") == 0) {
        node->type = V6N_Y_INT;
        if (!looks_int(text) || (rc = resolve_int(node, text)) == V6N_ECONFIG)
            return err_at(b, node->line, node->column, "'%s' is not an integer", text);
        if (rc)
            return rc;
    } else if (strcmp(t, "float") == 0) {
        node->type = V6N_Y_FLOAT;
        if ((rc = resolve_float(node, text)) == V6N_ECONFIG)
            return err_at(b, node->line, node->column, "'%s' is not a float", text);
        if (rc)
            return rc;
    } else if (strcmp(t, "str") == 0 || strcmp(t, "binary") == 0 || strcmp(t, "timestamp") == 0) {
        node->type = V6N_Y_STR;
        node->str = v6n_strdup(text);
    } else {
        return err_at(b, node->line, node->column, "unsupported tag '%s' on a scalar", tag);
    }
    return node->str ? V6N_OK : v6n_err_nomem();
}

/* ---- mappings: merge keys and duplicate keys ------------------------------ */

static bool is_merge_key(const v6n_ynode *key)
{
    return key->merge;
}

static bool same_key(const v6n_ynode *a, const v6n_ynode *b)
{
    return a->type == b->type && strcmp(a->str, b->str) == 0;
}

static size_t key_hash(const v6n_ynode *k)
{
    size_t h = 1469598103934665603u ^ (size_t)k->type;
    for (const char *p = k->str; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    return h;
}

/* Rebuild map `m` from the pair list (keys[i], vals[i]): a key keeps the
 * position of its first occurrence and the value of its last, as a Python
 * dict built pair by pair does. */
static int map_assign(v6n_ynode *m, v6n_ynode **keys, v6n_ynode **vals, size_t n)
{
    size_t slots = 16;
    while (slots < n * 2)
        slots *= 2;
    size_t *table = malloc(slots * sizeof(*table)); /* index+1 into m, 0 = empty */
    v6n_ynode **out_k = malloc((n ? n : 1) * sizeof(*out_k));
    v6n_ynode **out_v = malloc((n ? n : 1) * sizeof(*out_v));
    if (!table || !out_k || !out_v) {
        free(table);
        free(out_k);
        free(out_v);
        return v6n_err_nomem();
    }
    memset(table, 0, slots * sizeof(*table));
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t h = key_hash(keys[i]) & (slots - 1);
        while (table[h] && !same_key(out_k[table[h] - 1], keys[i]))
            h = (h + 1) & (slots - 1);
        if (table[h]) {
            out_v[table[h] - 1] = vals[i];
        } else {
            out_k[count] = keys[i];
            out_v[count] = vals[i];
            table[h] = ++count;
        }
    }
    free(table);
    free(m->keys);
    free(m->items);
    m->keys = out_k;
    m->items = out_v;
    m->n = count;
    m->cap = n ? n : 1;
    return V6N_OK;
}

static int pairs_add(builder *b, v6n_buf *keys, v6n_buf *vals, v6n_ynode *k, v6n_ynode *v)
{
    if (++b->merge_pairs > MAX_MERGE_PAIRS)
        return v6n_err(V6N_ECONFIG, NULL,
                       "%s: invalid YAML: merge keys expand to more than %u "
                       "entries",
                       b->name, MAX_MERGE_PAIRS);
    int rc = v6n_buf_add(keys, (const char *)&k, sizeof(k));
    return rc ? rc : v6n_buf_add(vals, (const char *)&v, sizeof(v));
}

static int map_finish(builder *b, v6n_ynode *m)
{
    bool has_merge = false;
    for (size_t i = 0; i < m->n && !has_merge; i++)
        has_merge = is_merge_key(m->keys[i]);

    v6n_buf keys = V6N_BUF_INIT, vals = V6N_BUF_INIT;
    int rc = V6N_OK;
    if (has_merge) {
        /* PyYAML: merged pairs first (a list of mappings in reverse order), then
         * the mapping's own pairs, so explicit keys win over merged ones. */
        for (size_t i = 0; !rc && i < m->n; i++) {
            if (!is_merge_key(m->keys[i]))
                continue;
            v6n_ynode *v = m->items[i];
            if (v->type == V6N_Y_MAP) {
                for (size_t j = 0; !rc && j < v->n; j++)
                    rc = pairs_add(b, &keys, &vals, v->keys[j], v->items[j]);
            } else if (v->type == V6N_Y_SEQ) {
                for (size_t s = v->n; !rc && s > 0; s--) {
                    v6n_ynode *sub = v->items[s - 1];
                    if (sub->type != V6N_Y_MAP) {
                        rc = err_at(b, sub->line, sub->column,
                                    "expected a mapping for merging, but found %s",
                                    v6n_ytype_name(sub->type));
                        break;
                    }
                    for (size_t j = 0; !rc && j < sub->n; j++)
                        rc = pairs_add(b, &keys, &vals, sub->keys[j], sub->items[j]);
                }
            } else {
                rc = err_at(b, v->line, v->column,
                            "expected a mapping or list of mappings for merging, but found %s",
                            v6n_ytype_name(v->type));
            }
        }
    }
    for (size_t i = 0; !rc && i < m->n; i++)
        if (!is_merge_key(m->keys[i]))
            rc = pairs_add(b, &keys, &vals, m->keys[i], m->items[i]);
    if (!rc)
        rc = map_assign(m, (v6n_ynode **)keys.ptr, (v6n_ynode **)vals.ptr,
                        keys.len / sizeof(v6n_ynode *));
    v6n_buf_free(&keys);
    v6n_buf_free(&vals);
    return rc;
}

/* ---- the event loop ------------------------------------------------------- */

static int anchor_add(builder *b, const char *name, v6n_ynode *node)
{
    if (!name)
        return V6N_OK;
    if (b->n_anchors == b->anchors_cap) {
        size_t cap = b->anchors_cap ? b->anchors_cap * 2 : 8;
        anchor *a = realloc(b->anchors, cap * sizeof(*a));
        if (!a)
            return v6n_err_nomem();
        b->anchors = a;
        b->anchors_cap = cap;
    }
    char *copy = v6n_strdup(name);
    if (!copy)
        return v6n_err_nomem();
    b->anchors[b->n_anchors].name = copy;
    b->anchors[b->n_anchors].node = node;
    b->n_anchors++;
    return V6N_OK;
}

static v6n_ynode *anchor_find(builder *b, const char *name)
{
    for (size_t i = b->n_anchors; i > 0; i--)
        if (strcmp(b->anchors[i - 1].name, name) == 0)
            return b->anchors[i - 1].node;
    return NULL;
}

/* Attach a complete node to whatever is open (or make it the root). */
static int attach(builder *b, v6n_ynode *node)
{
    if (b->depth == 0) {
        b->doc->root = node;
        return V6N_OK;
    }
    frame *f = &b->stack[b->depth - 1];
    if (f->node->type == V6N_Y_SEQ)
        return node_append(f->node, NULL, node);
    if (!f->key) {
        if (node->type == V6N_Y_MAP || node->type == V6N_Y_SEQ)
            return err_at(b, node->line, node->column,
                          "found unhashable key (%s used as a mapping key)",
                          v6n_ytype_name(node->type));
        f->key = node;
        return V6N_OK;
    }
    v6n_ynode *key = f->key;
    f->key = NULL;
    return node_append(f->node, key, node);
}

static int push(builder *b, v6n_ynode *node, const char *anchor_name)
{
    if (b->depth >= MAX_DEPTH)
        return err_at(b, node->line, node->column, "nested deeper than %d levels", MAX_DEPTH);
    if (b->depth == b->stack_cap) {
        size_t cap = b->stack_cap ? b->stack_cap * 2 : 16;
        frame *s = realloc(b->stack, cap * sizeof(*s));
        if (!s)
            return v6n_err_nomem();
        b->stack = s;
        b->stack_cap = cap;
    }
    char *a = NULL;
    if (anchor_name && !(a = v6n_strdup(anchor_name)))
        return v6n_err_nomem();
    b->stack[b->depth].node = node;
    b->stack[b->depth].key = NULL;
    b->stack[b->depth].anchor = a;
    b->depth++;
    return V6N_OK;
}

static int check_collection_tag(builder *b, const yaml_mark_t *mark, const char *tag, bool mapping)
{
    if (!tag || strcmp(tag, "!") == 0)
        return V6N_OK;
    const char *ok_map[] = {TAG_PREFIX "map", TAG_PREFIX "set", NULL};
    const char *ok_seq[] = {TAG_PREFIX "seq", TAG_PREFIX "omap", TAG_PREFIX "pairs", NULL};
    if (one_of(tag, mapping ? ok_map : ok_seq))
        return V6N_OK;
    return err_at(b, mark->line + 1, mark->column + 1, "unsupported tag '%s'", tag);
}

static int on_event(builder *b, yaml_event_t *ev)
{
    int rc = V6N_OK;
    v6n_ynode *node;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1)
            return err_at(b, ev->start_mark.line + 1, ev->start_mark.column + 1,
                          "expected a single document, but found another document");
        return V6N_OK;
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        node = anchor_find(b, name);
        if (!node)
            return err_at(b, ev->start_mark.line + 1, ev->start_mark.column + 1,
                          "found undefined or recursive alias '%s'", name);
        return attach(b, node);
    }
    case YAML_SCALAR_EVENT: {
        const char *text = (const char *)ev->data.scalar.value;
        if (memchr(text, '\0', ev->data.scalar.length))
            return err_at(b, ev->start_mark.line + 1, ev->start_mark.column + 1,
                          "a NUL character in a value is not allowed");
        node = node_new(b, V6N_Y_STR, &ev->start_mark);
        if (!node)
            return v6n_err_nomem();
        bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        rc = resolve_scalar(b, node, text, (const char *)ev->data.scalar.tag, plain);
        if (rc)
            return rc;
        /* A plain, untagged "<<" is a merge key; a quoted one is a string. */
        node->merge = plain && !ev->data.scalar.tag && strcmp(text, "<<") == 0;
        rc = anchor_add(b, (const char *)ev->data.scalar.anchor, node);
        return rc ? rc : attach(b, node);
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool mapping = ev->type == YAML_MAPPING_START_EVENT;
        const char *tag =
            (const char *)(mapping ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
        const char *anchor_name = (const char *)(mapping ? ev->data.mapping_start.anchor
                                                         : ev->data.sequence_start.anchor);
        rc = check_collection_tag(b, &ev->start_mark, tag, mapping);
        if (rc)
            return rc;
        node = node_new(b, mapping ? V6N_Y_MAP : V6N_Y_SEQ, &ev->start_mark);
        if (!node)
            return v6n_err_nomem();
        return push(b, node, anchor_name);
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        frame f = b->stack[--b->depth];
        if (f.node->type == V6N_Y_MAP)
            rc = map_finish(b, f.node);
        if (!rc && f.anchor)
            rc = anchor_add(b, f.anchor, f.node);
        free(f.anchor);
        return rc ? rc : attach(b, f.node);
    }
    default:
        return V6N_OK;
    }
}

int v6n_yaml_parse(v6n_ydoc *doc, const char *text, size_t len, const char *name)
{
    memset(doc, 0, sizeof(*doc));
    builder b = {0};
    b.doc = doc;
    b.name = name;

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return v6n_err_nomem();
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    int rc = V6N_OK;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            if (parser.error == YAML_MEMORY_ERROR) {
                rc = v6n_err_nomem();
            } else if (parser.context) {
                rc = err_at(&b, parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                            "%s (%s, started at line %zu column %zu)",
                            parser.problem ? parser.problem : "syntax error", parser.context,
                            parser.context_mark.line + 1, parser.context_mark.column + 1);
            } else {
                rc = err_at(&b, parser.problem_mark.line + 1, parser.problem_mark.column + 1, "%s",
                            parser.problem ? parser.problem : "syntax error");
            }
            break;
        }
        bool done = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
        if (rc || done)
            break;
    }
    yaml_parser_delete(&parser);
    for (size_t i = 0; i < b.depth; i++)
        free(b.stack[i].anchor);
    free(b.stack);
    for (size_t i = 0; i < b.n_anchors; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    if (rc)
        v6n_yaml_free(doc);
    return rc;
}

void v6n_yaml_free(v6n_ydoc *doc)
{
    v6n_ynode *n = doc->nodes;
    while (n) {
        v6n_ynode *next = n->next_alloc;
        free(n->str);
        free(n->items);
        free(n->keys);
        free(n);
        n = next;
    }
    doc->nodes = NULL;
    doc->root = NULL;
}

const v6n_ynode *v6n_ymap_get(const v6n_ynode *map, const char *key)
{
    if (!map || map->type != V6N_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (map->keys[i]->type == V6N_Y_STR && strcmp(map->keys[i]->str, key) == 0)
            return map->items[i];
    return NULL;
}

bool v6n_ynode_truthy(const v6n_ynode *node)
{
    if (!node)
        return false;
    switch (node->type) {
    case V6N_Y_NULL:
        return false;
    case V6N_Y_BOOL:
        return node->boolean;
    case V6N_Y_INT:
        return strcmp(node->str, "0") != 0;
    case V6N_Y_FLOAT:
        return node->real != 0.0;
    case V6N_Y_STR:
        return node->str[0] != '\0';
    case V6N_Y_MAP:
    case V6N_Y_SEQ:
        return node->n > 0;
    }
    return false;
}

/* Changing one value of a node config without rewriting the rest of the file
 * (`v6 node set-api-key` rewrites it with yaml.dump: comments, order and
 * quoting are lost; we keep every byte but the value's).
 *
 * libyaml's events give each node's start and end marks; we build a small
 * tree of them, find the scalar the loader would read for the key (the last
 * occurrence in its mapping, as PyYAML's dict keeps the last), and replace
 * only its bytes, or add the key at the end of its mapping. Marks count
 * characters, not bytes, so they are mapped to byte offsets first. The new
 * text must load and give back the value before it replaces the file. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "internal.h"

#define MAX_SEGMENTS 8
#define MAX_DEPTH    100

/* ---- the tree of marks ---------------------------------------------------------- */

typedef struct enode enode;
struct enode {
    yaml_event_type_t kind; /* SCALAR, ALIAS, MAPPING_START or SEQUENCE_START */
    size_t start, end;      /* byte offsets of the whole node (properties included) */
    size_t column;          /* of its start, in characters */
    yaml_scalar_style_t style;
    bool flow;      /* a flow collection */
    bool has_props; /* an anchor or a tag before a scalar */
    char *value;    /* scalars: the value */
    enode **kids;   /* mappings: key, value, key, value...; sequences: items */
    size_t n, cap;
    size_t content_end; /* end of the last scalar, alias or flow bracket inside */
    size_t close_start; /* flow collections: the closing bracket */
};

typedef struct tree {
    const char *text;
    size_t len;
    size_t *byte_of; /* character index -> byte offset */
    size_t nchars;
    enode **all;
    size_t nall, capall;
    enode *root;
} tree;

static void tree_free(tree *t)
{
    for (size_t i = 0; i < t->nall; i++) {
        free(t->all[i]->value);
        free(t->all[i]->kids);
        free(t->all[i]);
    }
    free(t->all);
    free(t->byte_of);
}

/* libyaml counts characters (a UTF-8 sequence is one; a leading BOM none). */
static int map_characters(tree *t)
{
    t->byte_of = malloc((t->len + 2) * sizeof(*t->byte_of));
    if (!t->byte_of)
        return v6n_err_nomem();
    size_t b = 0, c = 0;
    if (t->len >= 3 && memcmp(t->text, "\xEF\xBB\xBF", 3) == 0)
        b = 3;
    while (b < t->len) {
        t->byte_of[c++] = b;
        unsigned char ch = (unsigned char)t->text[b];
        size_t w = ch < 0x80 ? 1 : (ch & 0xE0) == 0xC0 ? 2 : (ch & 0xF0) == 0xE0 ? 3 : 4;
        b += w;
    }
    t->byte_of[c] = t->len;
    t->nchars = c;
    return V6N_OK;
}

static size_t byte_at(const tree *t, size_t index)
{
    return t->byte_of[index <= t->nchars ? index : t->nchars];
}

static enode *node_add(tree *t, yaml_event_type_t kind, const yaml_event_t *ev)
{
    if (t->nall == t->capall) {
        size_t cap = t->capall ? t->capall * 2 : 32;
        enode **all = realloc(t->all, cap * sizeof(*all));
        if (!all)
            return NULL;
        t->all = all;
        t->capall = cap;
    }
    enode *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    t->all[t->nall++] = n;
    n->kind = kind;
    n->start = byte_at(t, ev->start_mark.index);
    n->end = byte_at(t, ev->end_mark.index);
    n->column = ev->start_mark.column;
    return n;
}

static int kid_add(enode *parent, enode *kid)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        enode **k = realloc(parent->kids, cap * sizeof(*k));
        if (!k)
            return v6n_err_nomem();
        parent->kids = k;
        parent->cap = cap;
    }
    parent->kids[parent->n++] = kid;
    return V6N_OK;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Where a scalar's content ends: a block scalar's end mark lies past its
 * trailing line breaks (and the next line's indentation). */
static size_t content_end_of(const tree *t, const enode *n)
{
    size_t e = n->end;
    if (n->kind == YAML_SCALAR_EVENT &&
        (n->style == YAML_LITERAL_SCALAR_STYLE || n->style == YAML_FOLDED_SCALAR_STYLE))
        while (e > n->start && is_space(t->text[e - 1]))
            e--;
    return e;
}

static int build_tree(tree *t)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return v6n_err_nomem();
    yaml_parser_set_input_string(&parser, (const unsigned char *)t->text, t->len);
    enode *stack[MAX_DEPTH];
    size_t depth = 0;
    int rc = V6N_OK;
    bool done = false;
    while (!rc && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = V6N_ECONFIG; /* the loader says why */
            break;
        }
        enode *n = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_END_EVENT:
            done = true; /* the loader refuses a second document */
            break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT:
            if (!(n = node_add(t, ev.type, &ev))) {
                rc = v6n_err_nomem();
                break;
            }
            if (ev.type == YAML_SCALAR_EVENT) {
                n->style = ev.data.scalar.style;
                n->has_props = ev.data.scalar.anchor || ev.data.scalar.tag;
                n->value = v6n_strndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
                if (!n->value) {
                    rc = v6n_err_nomem();
                    break;
                }
            }
            for (size_t i = 0; i < depth; i++)
                if (content_end_of(t, n) > stack[i]->content_end)
                    stack[i]->content_end = content_end_of(t, n);
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            if (depth == MAX_DEPTH) {
                rc = V6N_ECONFIG;
                break;
            }
            if (!(n = node_add(t, ev.type, &ev))) {
                rc = v6n_err_nomem();
                break;
            }
            n->flow = ev.type == YAML_MAPPING_START_EVENT
                          ? ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                          : ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT: {
            enode *c = stack[--depth];
            c->end = byte_at(t, ev.end_mark.index);
            if (c->flow) {
                c->close_start = byte_at(t, ev.start_mark.index);
                for (size_t i = 0; i < depth; i++)
                    if (c->end > stack[i]->content_end)
                        stack[i]->content_end = c->end;
                c->content_end = c->end;
            }
            break;
        }
        default:
            break;
        }
        bool opens = ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT;
        yaml_event_delete(&ev);
        if (rc || !n)
            continue;
        if (depth == 0 && !t->root)
            t->root = n;
        else if (depth > 0)
            rc = kid_add(stack[depth - 1], n);
        if (!rc && opens)
            stack[depth++] = n;
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* The value of the last key `key` in mapping `map` (the one a dict keeps). */
static enode *map_value(const enode *map, const char *key)
{
    enode *found = NULL;
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const enode *k = map->kids[i];
        if (k->kind == YAML_SCALAR_EVENT && strcmp(k->value, key) == 0 &&
            !(k->style == YAML_PLAIN_SCALAR_STYLE && strcmp(k->value, "<<") == 0))
            found = map->kids[i + 1];
    }
    return found;
}

/* A scalar with an anchor or a tag: where its own text starts (the scanner's
 * scalar token that ends where the node ends). */
static int scalar_text_start(const tree *t, const enode *n, size_t *out)
{
    *out = n->start;
    if (!n->has_props)
        return V6N_OK;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return v6n_err_nomem();
    yaml_parser_set_input_string(&parser, (const unsigned char *)t->text, t->len);
    int rc = V6N_ECONFIG;
    for (;;) {
        yaml_token_t tok;
        if (!yaml_parser_scan(&parser, &tok))
            break;
        bool end = tok.type == YAML_STREAM_END_TOKEN;
        if (tok.type == YAML_SCALAR_TOKEN && byte_at(t, tok.end_mark.index) == n->end) {
            *out = byte_at(t, tok.start_mark.index);
            rc = V6N_OK;
            end = true;
        }
        yaml_token_delete(&tok);
        if (end)
            break;
    }
    yaml_parser_delete(&parser);
    return rc == V6N_OK ? V6N_OK : v6n_err(V6N_ERROR, NULL, "cannot find the value's text");
}

/* ---- quoting ------------------------------------------------------------------- */

typedef enum quoting { Q_PLAIN, Q_SINGLE, Q_DOUBLE } quoting;

/* The code point at s (valid UTF-8 assumed), its width in *w. */
static unsigned decode(const unsigned char *s, size_t *w)
{
    if (s[0] < 0x80) {
        *w = 1;
        return s[0];
    }
    if ((s[0] & 0xE0) == 0xC0) {
        *w = 2;
        return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    }
    if ((s[0] & 0xF0) == 0xE0) {
        *w = 3;
        return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    }
    *w = 4;
    return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
}

static bool valid_utf8(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned char c = *s;
        size_t w = c < 0x80             ? 1
                   : (c & 0xE0) == 0xC0 ? 2
                   : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4
                                        : 0;
        if (w == 0 || (w == 2 && c < 0xC2))
            return false;
        for (size_t i = 1; i < w; i++)
            if ((s[i] & 0xC0) != 0x80)
                return false;
        size_t dw;
        unsigned cp = decode(s, &dw);
        if ((w == 3 && cp < 0x800) || (w == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        s += w;
    }
    return true;
}

/* YAML's printable characters, line breaks excluded. */
static bool printable_inline(unsigned cp)
{
    return (cp >= 0x20 && cp <= 0x7E) ||
           (cp >= 0xA0 && cp <= 0xD7FF && cp != 0x2028 && cp != 0x2029) ||
           (cp >= 0xE000 && cp <= 0xFFFD && cp != 0xFEFF) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Plain style for values that surely read back as written: a conservative
 * set of characters (the result is checked anyway, and quoted if not). */
static bool plain_ok(const char *v, bool flow)
{
    if (!v[0] || !((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z') ||
                   (v[0] >= '0' && v[0] <= '9') || v[0] == '/' || v[0] == '.' || v[0] == '_'))
        return false;
    for (const char *p = v; *p; p++) {
        char c = *p;
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum || strchr("._-/+=@%~", c))
            continue;
        if (c == ' ' && p[1] != '\0')
            continue; /* inside: "a b" is plain; "a #b" cannot be ('#' never is) */
        if (c == ':' && !flow && p[1] != '\0' && p[1] != ' ')
            continue; /* ':' ends a plain scalar only before a space or the end */
        return false;
    }
    return true;
}

static bool single_ok(const char *v)
{
    const unsigned char *s = (const unsigned char *)v;
    while (*s) {
        size_t w;
        if (!printable_inline(decode(s, &w)))
            return false;
        s += w;
    }
    return true;
}

static int render_scalar(v6n_buf *b, const char *v, quoting q)
{
    if (q == Q_PLAIN)
        return v6n_buf_puts(b, v);
    int rc = v6n_buf_putc(b, q == Q_SINGLE ? '\'' : '"');
    const unsigned char *s = (const unsigned char *)v;
    while (!rc && *s) {
        size_t w;
        unsigned cp = decode(s, &w);
        if (q == Q_SINGLE)
            rc = cp == '\'' ? v6n_buf_puts(b, "''") : v6n_buf_add(b, (const char *)s, w);
        else if (cp == '"' || cp == '\\')
            rc = v6n_buf_printf(b, "\\%c", (char)cp);
        else if (cp == '\n')
            rc = v6n_buf_puts(b, "\\n");
        else if (cp == '\t')
            rc = v6n_buf_puts(b, "\\t");
        else if (printable_inline(cp))
            rc = v6n_buf_add(b, (const char *)s, w);
        else if (cp <= 0xFF)
            rc = v6n_buf_printf(b, "\\x%02X", cp);
        else if (cp <= 0xFFFF)
            rc = v6n_buf_printf(b, "\\u%04X", cp);
        else
            rc = v6n_buf_printf(b, "\\U%08X", cp);
        s += w;
    }
    return rc ? rc : v6n_buf_putc(b, q == Q_SINGLE ? '\'' : '"');
}

/* ---- the edit ---------------------------------------------------------------------- */

typedef struct edit {
    size_t from, to;           /* bytes replaced */
    const char *before;        /* text put before the value (insertion) */
    const char *after;         /* and after it */
    size_t keep_from, keep_to; /* a block scalar's header comment, kept after the value */
    size_t drop_to;            /* and then the text up to here dropped (its content) */
    bool flow;                 /* the value sits in a flow collection */
    quoting first;             /* the quoting to try first */
} edit;

static quoting quoting_of(const enode *n)
{
    if (n->kind == YAML_SCALAR_EVENT && n->style == YAML_SINGLE_QUOTED_SCALAR_STYLE)
        return Q_SINGLE;
    if (n->kind == YAML_SCALAR_EVENT && n->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
        return Q_DOUBLE;
    return Q_PLAIN;
}

static const char *eol_of(const tree *t)
{
    const char *nl = memchr(t->text, '\n', t->len);
    return nl && nl > t->text && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* Replace the scalar (or alias) `n`. */
static int plan_replace(const tree *t, const enode *n, bool in_flow, edit *e)
{
    memset(e, 0, sizeof(*e));
    e->flow = in_flow;
    e->first = quoting_of(n);
    int rc = scalar_text_start(t, n, &e->from);
    if (rc)
        return rc;
    e->to = n->end;
    if (n->kind == YAML_SCALAR_EVENT &&
        (n->style == YAML_LITERAL_SCALAR_STYLE || n->style == YAML_FOLDED_SCALAR_STYLE)) {
        /* "|-2  # comment\n  content\n": the indicators are replaced by the
         * value, the comment stays, the content lines go, the line break
         * after them stays */
        size_t h = e->from + 1;
        while (h < t->len && t->text[h] && strchr("+-0123456789", t->text[h]))
            h++;
        size_t line_end = h;
        while (line_end < t->len && t->text[line_end] != '\n' && t->text[line_end] != '\r')
            line_end++;
        size_t content_end = content_end_of(t, n);
        e->to = h;
        e->keep_from = h;
        e->keep_to = line_end;
        e->drop_to = content_end > line_end ? content_end : line_end;
        e->first = Q_PLAIN;
    }
    return V6N_OK;
}

/* Add `key: value` at the end of mapping `map`. */
static int plan_insert(const tree *t, const enode *map, const char *key, edit *e, char **owned)
{
    memset(e, 0, sizeof(*e));
    e->first = Q_PLAIN;
    *owned = NULL;
    v6n_buf kb = V6N_BUF_INIT;
    quoting kq = plain_ok(key, map->flow) ? Q_PLAIN : single_ok(key) ? Q_SINGLE : Q_DOUBLE;
    int rc = render_scalar(&kb, key, kq);
    if (rc) {
        v6n_buf_free(&kb);
        return rc;
    }
    if (map->flow) {
        e->flow = true;
        size_t p = map->close_start;
        while (p > map->start && is_space(t->text[p - 1]))
            p--;
        char prev = t->text[p - 1];
        *owned = v6n_asprintf("%s%s: ", prev == '{' ? "" : prev == ',' ? " " : ", ", kb.ptr);
        e->from = e->to = p;
    } else {
        const enode *first_key = map->n ? map->kids[0] : map;
        size_t indent = first_key->column;
        const char *eol = eol_of(t);
        size_t p = map->content_end > map->start ? map->content_end : map->end;
        const char *nl = memchr(t->text + p, '\n', t->len - p);
        bool at_end = !nl;
        p = nl ? (size_t)(nl - t->text) + 1 : t->len;
        *owned = v6n_asprintf("%s%*s%s: ", at_end ? eol : "", (int)indent, "", kb.ptr);
        e->after = eol;
        e->from = e->to = p;
    }
    v6n_buf_free(&kb);
    if (!*owned)
        return v6n_err_nomem();
    e->before = *owned;
    return V6N_OK;
}

static int apply(const tree *t, const edit *e, const char *value, quoting q, char **out)
{
    v6n_buf b = V6N_BUF_INIT;
    int rc = v6n_buf_add(&b, t->text, e->from);
    if (!rc && e->before)
        rc = v6n_buf_puts(&b, e->before);
    if (!rc)
        rc = render_scalar(&b, value, q);
    if (!rc && e->keep_to > e->keep_from)
        rc = v6n_buf_add(&b, t->text + e->keep_from, e->keep_to - e->keep_from);
    if (!rc && e->after)
        rc = v6n_buf_puts(&b, e->after);
    size_t rest = e->drop_to > e->to ? e->drop_to : e->to;
    if (!rc)
        rc = v6n_buf_add(&b, t->text + rest, t->len - rest);
    if (rc) {
        v6n_buf_free(&b);
        return rc;
    }
    *out = v6n_buf_detach(&b);
    return *out ? V6N_OK : v6n_err_nomem();
}

/* Does `text` load, and give back `value` at the key path? */
static int check_result(const char *text, const char *path, char **segs, size_t nsegs,
                        const char *value, bool *same)
{
    *same = false;
    v6n_config *c = NULL;
    int rc = v6n_config_parse(&c, text, strlen(text), path);
    if (rc)
        return rc;
    const v6n_ynode *n = c->root;
    for (size_t i = 0; n && i < nsegs; i++)
        n = v6n_ymap_get(n, segs[i]);
    *same = n && n->type == V6N_Y_STR && strcmp(n->str, value) == 0;
    v6n_config_free(c);
    return V6N_OK;
}

static int split_key_path(char *copy, char **segs, size_t *nsegs)
{
    *nsegs = 0;
    for (char *p = copy;;) {
        char *dot = strchr(p, '.');
        if (dot)
            *dot = '\0';
        if (!*p || strchr(p, '[') || *nsegs == MAX_SEGMENTS)
            return V6N_EINVAL;
        segs[(*nsegs)++] = p;
        if (!dot)
            return V6N_OK;
        p = dot + 1;
    }
}

/* Why the file does not load, in the loader's words. */
static int loader_error(const char *text, size_t len, const char *path)
{
    v6n_config *c = NULL;
    int rc = v6n_config_parse(&c, text, len, path);
    v6n_config_free(c);
    return rc ? rc : v6n_err(V6N_ECONFIG, NULL, "%s: not a node config", path);
}

int v6n_config_edit_text(char **out, const char *text, size_t len, const char *path,
                         const char *key_path, const char *value)
{
    *out = NULL;
    if (v6n_str_empty(key_path) || !value)
        return v6n_err(V6N_EINVAL, NULL, "v6n_config_set_string: key_path and value are required");
    if (!valid_utf8(value))
        return v6n_err(V6N_EINVAL, key_path, "%s: the new value is not valid UTF-8", key_path);
    char *copy = v6n_strdup(key_path);
    if (!copy)
        return v6n_err_nomem();
    char *segs[MAX_SEGMENTS];
    size_t nsegs;
    if (split_key_path(copy, segs, &nsegs)) {
        free(copy);
        return v6n_err(V6N_EINVAL, NULL,
                       "key path '%s' is not allowed: mapping keys joined by '.', e.g. "
                       "encryption.private_key",
                       key_path);
    }

    tree t = {.text = text, .len = len};
    char *owned = NULL, *result = NULL;
    int rc = map_characters(&t);
    if (rc)
        goto cleanup;
    rc = build_tree(&t);
    if (rc == V6N_ECONFIG || (!rc && (!t.root || t.root->kind != YAML_MAPPING_START_EVENT))) {
        rc = loader_error(text, len, path);
        goto cleanup;
    }
    if (rc)
        goto cleanup;

    /* the mapping that holds the key */
    const enode *map = t.root;
    for (size_t i = 0; i + 1 < nsegs; i++) {
        const enode *v = map_value(map, segs[i]);
        char shown[256];
        snprintf(shown, sizeof(shown), "%.*s", (int)(segs[i] - copy + strlen(segs[i])), key_path);
        if (!v) {
            rc = v6n_err(V6N_ENOTFOUND, shown, "%s: %s: not in the file (a mapping is needed here)",
                         path, shown);
            goto cleanup;
        }
        if (v->kind != YAML_MAPPING_START_EVENT) {
            rc = v6n_err(V6N_ECONFIG, shown, "%s: %s: %s, not a mapping written here", path, shown,
                         v->kind == YAML_ALIAS_EVENT ? "an alias" : "a single value or list");
            goto cleanup;
        }
        map = v;
    }
    const enode *target = map_value(map, segs[nsegs - 1]);
    edit e;
    if (target && target->kind != YAML_SCALAR_EVENT && target->kind != YAML_ALIAS_EVENT) {
        rc = v6n_err(V6N_ECONFIG, key_path, "%s: %s holds a %s, not a single value", path, key_path,
                     target->kind == YAML_MAPPING_START_EVENT ? "mapping" : "list");
        goto cleanup;
    }
    rc = target ? plan_replace(&t, target, map->flow, &e)
                : plan_insert(&t, map, segs[nsegs - 1], &e, &owned);
    if (rc)
        goto cleanup;

    /* the quoting the value had, else the first that reads back exactly */
    quoting order[3] = {e.first, Q_SINGLE, Q_DOUBLE};
    bool same = false;
    for (size_t i = 0; i < 3 && !same; i++) {
        quoting q = order[i];
        if ((q == Q_PLAIN && !plain_ok(value, e.flow)) || (q == Q_SINGLE && !single_ok(value)))
            continue;
        if (result)
            explicit_bzero(result, strlen(result));
        free(result);
        result = NULL;
        if ((rc = apply(&t, &e, value, q, &result)))
            goto cleanup;
        if ((rc = check_result(result, path, segs, nsegs, value, &same)))
            goto cleanup; /* the edited text does not load: the loader's message */
    }
    if (!same) {
        rc = v6n_err(V6N_ERROR, key_path,
                     "%s: %s: the edited file does not give back the new "
                     "value; the file was not changed",
                     path, key_path);
        goto cleanup;
    }
    *out = result;
    result = NULL;
cleanup:
    if (result)
        explicit_bzero(result, strlen(result)); /* it may hold an API key */
    free(result);
    free(owned);
    free(copy);
    t.text = NULL; /* the caller's */
    tree_free(&t);
    return rc;
}

int v6n_config_set_string(const char *path, const char *key_path, const char *value)
{
    if (v6n_str_empty(path) || v6n_str_empty(key_path) || !value)
        return v6n_err(V6N_EINVAL, NULL,
                       "v6n_config_set_string: path, key_path and value are "
                       "required");
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(path, real) || stat(real, &st) != 0)
        return v6n_err(errno == ENOENT ? V6N_ENOTFOUND : V6N_EIO, NULL, "%s: %s", path,
                       strerror(errno));
    char *text = NULL, *result = NULL;
    size_t len = 0;
    int rc = v6n_read_file(&text, &len, real);
    if (!rc)
        rc = v6n_config_edit_text(&result, text, len, real, key_path, value);
    if (!rc) {
        v6n_atomic_options o = {.mode = st.st_mode & 07777,
                                .uid = (int)st.st_uid,
                                .gid = (int)st.st_gid,
                                .replace = true,
                                .key = key_path};
        rc = v6n_file_write_atomic(real, result, strlen(result), &o);
    }
    if (result)
        explicit_bzero(result, strlen(result)); /* it may hold an API key */
    if (text)
        explicit_bzero(text, len);
    free(result);
    free(text);
    return rc;
}

int v6n_config_set_api_key(const char *path, const char *api_key)
{
    return v6n_config_set_string(path, "api_key", api_key);
}

int v6n_config_set_private_key(const char *path, const char *private_key)
{
    return v6n_config_set_string(path, "encryption.private_key", private_key);
}

/* The YAML layer: PyYAML safe_load semantics, and hostile input refused
 * quickly and without a crash. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static v6n_ydoc doc;

static void fini(void)
{
    v6n_yaml_free(&doc);
}

TestSuite(yaml, .fini = fini, .timeout = 20);

static const v6n_ynode *parse_ok(const char *text)
{
    int rc = v6n_yaml_parse(&doc, text, strlen(text), "t.yaml");
    cr_assert_eq(rc, V6N_OK, "parse failed: %s", v6n_error_last()->message);
    return doc.root;
}

static void parse_fails(const char *text, size_t len, const char *needle)
{
    int rc = v6n_yaml_parse(&doc, text, len, "t.yaml");
    cr_assert_eq(rc, V6N_ECONFIG, "expected V6N_ECONFIG, got %d", rc);
    cr_assert(strstr(v6n_error_last()->message, needle), "message '%s' lacks '%s'",
              v6n_error_last()->message, needle);
    cr_assert_null(doc.root);
}

/* The value of `key` rendered as Python's str() would. */
static const char *str_of(const char *yaml_value)
{
    static char text[256];
    v6n_yaml_free(&doc);
    snprintf(text, sizeof(text), "k: %s\n", yaml_value);
    const v6n_ynode *root = parse_ok(text);
    const v6n_ynode *v = v6n_ymap_get(root, "k");
    cr_assert_not_null(v);
    return v->str;
}

static v6n_ytype type_of(const char *yaml_value)
{
    str_of(yaml_value);
    return v6n_ymap_get(doc.root, "k")->type;
}

Test(yaml, booleans_of_yaml_1_1)
{
    const char *yes[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
    const char *no[] = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
    for (size_t i = 0; i < 9; i++) {
        cr_expect_str_eq(str_of(yes[i]), "True", "%s", yes[i]);
        cr_expect_str_eq(str_of(no[i]), "False", "%s", no[i]);
    }
    cr_expect_str_eq(str_of("yEs"), "yEs");
    cr_expect_eq(type_of("yEs"), V6N_Y_STR);
    cr_expect_str_eq(str_of("'yes'"), "yes");
    cr_expect_eq(type_of("'yes'"), V6N_Y_STR);
}

Test(yaml, nulls)
{
    cr_expect_eq(type_of("~"), V6N_Y_NULL);
    cr_expect_eq(type_of("null"), V6N_Y_NULL);
    cr_expect_eq(type_of("NULL"), V6N_Y_NULL);
    cr_expect_eq(type_of(""), V6N_Y_NULL);
    cr_expect_str_eq(str_of("~"), "None");
    cr_expect_eq(type_of("nUll"), V6N_Y_STR);
    cr_expect_eq(type_of("\"\""), V6N_Y_STR);
}

Test(yaml, integers_of_yaml_1_1)
{
    cr_expect_str_eq(str_of("0"), "0");
    cr_expect_str_eq(str_of("-0"), "0");
    cr_expect_str_eq(str_of("+17"), "17");
    cr_expect_str_eq(str_of("017"), "15");  /* octal */
    cr_expect_str_eq(str_of("0_17"), "15"); /* octal with underscore */
    cr_expect_str_eq(str_of("0x1F"), "31"); /* hex */
    cr_expect_str_eq(str_of("-0x10"), "-16");
    cr_expect_str_eq(str_of("0b1010"), "10"); /* binary */
    cr_expect_str_eq(str_of("1_000"), "1000");
    cr_expect_str_eq(str_of("1:30"), "90"); /* sexagesimal */
    cr_expect_str_eq(str_of("1:00:00"), "3600");
    cr_expect_str_eq(str_of("123456789012345678901234567890"), "123456789012345678901234567890");
    cr_expect_str_eq(str_of("0xFFFFFFFFFFFFFFFFFF"), "4722366482869645213695");
    cr_expect_eq(type_of("08"), V6N_Y_STR);   /* not octal, not decimal */
    cr_expect_eq(type_of("0o17"), V6N_Y_STR); /* YAML 1.2 only */
    cr_expect_eq(type_of("1:60"), V6N_Y_STR);
    str_of("7601");
    const v6n_ynode *v = v6n_ymap_get(doc.root, "k");
    cr_expect(v->int_fits);
    cr_expect_eq(v->integer, 7601);
}

Test(yaml, floats_rendered_as_python_repr)
{
    cr_expect_str_eq(str_of("1.5"), "1.5");
    cr_expect_str_eq(str_of("1.50"), "1.5");
    cr_expect_str_eq(str_of("1."), "1.0");
    cr_expect_str_eq(str_of(".5"), "0.5");
    cr_expect_str_eq(str_of("-0.0"), "-0.0");
    cr_expect_str_eq(str_of("1.0e+3"), "1000.0");
    cr_expect_str_eq(str_of("0.1"), "0.1");
    cr_expect_str_eq(str_of("0.0001"), "0.0001");
    cr_expect_str_eq(str_of("0.00001"), "1e-05");
    cr_expect_str_eq(str_of("1000000000000000.0"), "1000000000000000.0");
    cr_expect_str_eq(str_of("10000000000000000.0"), "1e+16");
    cr_expect_str_eq(str_of("1_0.2_5"), "10.25");
    cr_expect_str_eq(str_of(".inf"), "inf");
    cr_expect_str_eq(str_of("-.Inf"), "-inf");
    cr_expect_str_eq(str_of(".NaN"), "nan");
    cr_expect_str_eq(str_of("1:30.5"), "90.5");
    cr_expect_eq(type_of("1e3"), V6N_Y_STR);   /* PyYAML needs a dot */
    cr_expect_eq(type_of("1.0e3"), V6N_Y_STR); /* ...and a signed exponent */
}

Test(yaml, strings_keep_their_text)
{
    cr_expect_str_eq(str_of("'017'"), "017");
    cr_expect_str_eq(str_of("\"caf\\u00e9\""), "caf\xc3\xa9");
    cr_expect_str_eq(str_of("hello world"), "hello world");
    cr_expect_str_eq(str_of("!!str 5"), "5");
    cr_expect_eq(type_of("!!str 5"), V6N_Y_STR);
    cr_expect_eq(type_of("!!int '5'"), V6N_Y_INT);
    cr_expect_str_eq(str_of("2001-12-14"), "2001-12-14");
}

Test(yaml, duplicate_keys_last_value_first_position)
{
    const v6n_ynode *root = parse_ok("a: 1\nb: 2\na: 3\n");
    cr_assert_eq(root->n, 2);
    cr_expect_str_eq(root->keys[0]->str, "a");
    cr_expect_str_eq(root->items[0]->str, "3");
    cr_expect_str_eq(root->keys[1]->str, "b");
}

Test(yaml, merge_keys_as_pyyaml)
{
    const v6n_ynode *root = parse_ok("base: &b {x: 1, y: 2}\n"
                                     "other: &o {y: 20, z: 30}\n"
                                     "m:\n  <<: [*b, *o]\n  x: 100\n"
                                     "q:\n  '<<': literal\n");
    const v6n_ynode *m = v6n_ymap_get(root, "m");
    cr_assert_eq(m->n, 3);
    /* explicit keys win; among merged maps the first listed wins */
    cr_expect_str_eq(v6n_ymap_get(m, "x")->str, "100");
    cr_expect_str_eq(v6n_ymap_get(m, "y")->str, "2");
    cr_expect_str_eq(v6n_ymap_get(m, "z")->str, "30");
    /* a quoted "<<" is an ordinary key */
    cr_expect_str_eq(v6n_ymap_get(v6n_ymap_get(root, "q"), "<<")->str, "literal");
}

Test(yaml, merge_of_a_scalar_is_refused)
{
    const char *text = "a: 1\nm:\n  <<: 5\n";
    parse_fails(text, strlen(text), "for merging");
}

Test(yaml, aliases_share_nodes)
{
    const v6n_ynode *root = parse_ok("a: &x [1, 2]\nb: *x\n");
    cr_expect_eq(v6n_ymap_get(root, "a"), v6n_ymap_get(root, "b"));
}

Test(yaml, errors_give_line_and_column)
{
    const char *text = "api_key: x\nserver_url: [unclosed\nport: 1\n";
    parse_fails(text, strlen(text), "t.yaml:3:");
    text = "a: 1\n  b: 2\n";
    parse_fails(text, strlen(text), "t.yaml:2:");
    text = "a: \"unterminated\n";
    parse_fails(text, strlen(text), "invalid YAML");
}

Test(yaml, undefined_and_recursive_aliases_are_refused)
{
    const char *text = "a: *nothing\n";
    parse_fails(text, strlen(text), "alias 'nothing'");
    text = "a: &x [1, *x]\n";
    parse_fails(text, strlen(text), "alias 'x'");
}

Test(yaml, unknown_tags_are_refused)
{
    const char *text = "a: !!python/object:os.system x\n";
    parse_fails(text, strlen(text), "unsupported tag");
    text = "a: !custom x\n";
    parse_fails(text, strlen(text), "unsupported tag");
}

Test(yaml, collections_as_keys_are_refused)
{
    const char *text = "? [a, b]\n: 1\n";
    parse_fails(text, strlen(text), "unhashable");
}

Test(yaml, several_documents_are_refused)
{
    const char *text = "a: 1\n---\nb: 2\n";
    parse_fails(text, strlen(text), "single document");
}

Test(yaml, nul_in_a_value_is_refused)
{
    const char *text = "a: \"x\\0y\"\n";
    parse_fails(text, strlen(text), "NUL");
}

Test(yaml, binary_garbage_is_refused)
{
    unsigned char garbage[4096];
    srand(42);
    for (size_t i = 0; i < sizeof(garbage); i++)
        garbage[i] = (unsigned char)(rand() & 0xff);
    garbage[0] = 0xff;
    garbage[1] = 0xfe;
    garbage[2] = 0x00;
    int rc = v6n_yaml_parse(&doc, (const char *)garbage, sizeof(garbage), "t.yaml");
    cr_expect_eq(rc, V6N_ECONFIG);
    cr_expect(strstr(v6n_error_last()->message, "invalid YAML"), "%s", v6n_error_last()->message);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

Test(yaml, billion_laughs_costs_nothing)
{
    /* Each level aliases the previous one ten times: 10^9 expanded strings.
     * Aliases are shared, so this parses as a small tree. */
    const char *text =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const v6n_ynode *root = parse_ok(text);
    cr_expect_eq(v6n_ymap_get(root, "i")->n, 9);
    cr_expect_lt(seconds_since(&t0), 1.0);
}

Test(yaml, merge_bombs_are_bounded)
{
    /* Merge keys copy pairs; a chain of merges must hit the bound, not run away. */
    char *text = malloc(1 << 20);
    size_t len = 0;
    len += (size_t)sprintf(text + len, "m0: &m0 {");
    for (int i = 0; i < 5000; i++)
        len += (size_t)sprintf(text + len, "%sk%d: %d", i ? ", " : "", i, i);
    len += (size_t)sprintf(text + len, "}\n");
    for (int level = 1; level < 300; level++)
        len += (size_t)sprintf(text + len, "m%d: &m%d {<<: [*m%d], x%d: 1}\n", level, level,
                               level - 1, level);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = v6n_yaml_parse(&doc, text, len, "t.yaml");
    cr_expect_eq(rc, V6N_ECONFIG);
    cr_expect(strstr(v6n_error_last()->message, "merge keys expand"), "%s",
              v6n_error_last()->message);
    cr_expect_lt(seconds_since(&t0), 5.0);
    free(text);
}

Test(yaml, deep_nesting_is_refused)
{
    size_t n = 20000;
    char *text = malloc(2 * n + 8);
    size_t len = 0;
    memcpy(text, "a: ", 3);
    len = 3;
    for (size_t i = 0; i < n; i++)
        text[len++] = '[';
    for (size_t i = 0; i < n; i++)
        text[len++] = ']';
    text[len++] = '\n';
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    parse_fails(text, len, "nested deeper than");
    cr_expect_lt(seconds_since(&t0), 2.0);
    free(text);

    text = malloc(2 * n + 8);
    len = 0;
    for (size_t i = 0; i < n; i++)
        text[len++] = '{';
    parse_fails(text, len, "t.yaml:1:");
    free(text);
}

Test(yaml, empty_and_comment_only_documents_have_no_root)
{
    cr_assert_eq(v6n_yaml_parse(&doc, "", 0, "t.yaml"), V6N_OK);
    cr_expect_null(doc.root);
    cr_assert_eq(v6n_yaml_parse(&doc, "# nothing\n", 10, "t.yaml"), V6N_OK);
    cr_expect_null(doc.root);
}

Test(yaml, truthiness_as_python)
{
    const v6n_ynode *root = parse_ok("a: 0\nb: ''\nc: []\nd: {}\ne: 0.0\nf: x\ng: 1\nh: [0]\n");
    const char *falsy[] = {"a", "b", "c", "d", "e"};
    for (size_t i = 0; i < 5; i++)
        cr_expect(!v6n_ynode_truthy(v6n_ymap_get(root, falsy[i])), "%s", falsy[i]);
    cr_expect(v6n_ynode_truthy(v6n_ymap_get(root, "f")));
    cr_expect(v6n_ynode_truthy(v6n_ymap_get(root, "g")));
    cr_expect(v6n_ynode_truthy(v6n_ymap_get(root, "h")));
}

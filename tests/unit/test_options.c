/* The start options table: set() from text for every kind, resets, refusals
 * naming the key, the names and help the bindings and the CLI read, deep
 * copies and merges, and the start record's form of the options. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static v6n_start_options o;

static void init(void)
{
    cr_assert_eq(v6n_start_options_init(&o, V6N_START_OPTIONS_VERSION), V6N_OK);
}

static void fini(void)
{
    v6n_start_options_dispose(&o);
}

TestSuite(options, .init = init, .fini = fini, .timeout = 20);

static void set_ok(const char *key, const char *value)
{
    cr_assert_eq(v6n_start_options_set(&o, key, value), V6N_OK, "%s=%s: %s", key,
                 value ? value : "(null)", v6n_error_last()->message);
}

static void set_fails(const char *key, const char *value, const char *needle)
{
    cr_assert_eq(v6n_start_options_set(&o, key, value), V6N_EINVAL, "%s=%s", key, value);
    const v6n_error *e = v6n_error_last();
    cr_expect_str_eq(e->key, key);
    cr_expect(strstr(e->message, needle), "%s", e->message);
}

Test(options, every_kind_is_set_from_text)
{
    char image[] = "img:1";
    set_ok("image", image);
    image[0] = 'X'; /* set() copied it */
    cr_expect_str_eq(o.image, "img:1");
    set_ok("keep", "true");
    cr_expect_eq(o.keep, 1);
    set_ok("keep", "off");
    cr_expect_eq(o.keep, 0);
    set_ok("scope", "system");
    cr_expect_eq(o.scope, V6N_SCOPE_SYSTEM);
    set_ok("pull", "never");
    cr_expect_eq(o.pull, V6N_PULL_NEVER);
    set_ok("server_timeout_ms", "250");
    cr_expect_eq(o.server_timeout_ms, 250);
    set_ok("server_attempts", "2");
    cr_expect_eq(o.server_attempts, 2);
    set_ok("path_map", "/data=/srv/data");
    set_ok("path_map", "/cfg=/srv/cfg");
    cr_assert_eq(o.path_map_len, 2);
    cr_expect_str_eq(o.path_map[0].local_prefix, "/data");
    cr_expect_str_eq(o.path_map[1].host_prefix, "/srv/cfg");
    set_ok("vantage6_version", "4.14");
    cr_expect_str_eq(o.vantage6_version, "4.14");
}

Test(options, empty_values_reset_to_the_default)
{
    set_ok("image", "img:1");
    set_ok("image", NULL);
    cr_expect_null(o.image);
    set_ok("pull", "always");
    set_ok("pull", "");
    cr_expect_eq(o.pull, V6N_PULL_DEFAULT);
    set_ok("path_map", "/a=/b");
    set_ok("path_map", "");
    cr_expect_eq(o.path_map_len, 0);
}

Test(options, bad_values_name_the_key)
{
    set_fails("no_such_option", "x", "unknown start option");
    set_fails("keep", "maybe", "true or false");
    set_fails("scope", "global", "user or system");
    set_fails("pull", "sometimes", "default, missing, always or never");
    set_fails("server_timeout_ms", "-5", "a whole number");
    set_fails("server_attempts", "3x", "a whole number");
    set_fails("path_map", "/no-host", "LOCAL=HOST");
}

Test(options, the_table_is_listed_for_bindings_and_the_cli)
{
    size_t n = 0;
    while (v6n_start_option_name(n)) {
        cr_expect_not_null(v6n_start_option_help(n));
        cr_expect(strlen(v6n_start_option_help(n)) > 10);
        for (size_t k = 0; k < n; k++)
            cr_expect_str_neq(v6n_start_option_name(k), v6n_start_option_name(n));
        n++;
    }
    cr_expect_eq(n, V6N_START_OPTION_COUNT);
    cr_expect_geq(n, 20);
    cr_expect_null(v6n_start_option_help(n));
    cr_expect_str_eq(v6n_pull_policy_name(V6N_PULL_MISSING), "missing");
    cr_expect_null(v6n_pull_policy_name((v6n_pull_policy)9));
}

Test(options, a_copy_owns_its_strings_and_a_merge_takes_what_is_set)
{
    char image[] = "img:1", local[] = "/data";
    v6n_path_map map = {local, "/srv"};
    o.image = image;
    o.path_map = &map;
    o.path_map_len = 1;
    o.keep = 1;
    v6n_start_options copy;
    cr_assert_eq(v6n_options_dup(&copy, &o), V6N_OK);
    image[0] = 'X';
    local[1] = 'X';
    cr_expect_str_eq(copy.image, "img:1");
    cr_expect_str_eq(copy.path_map[0].local_prefix, "/data");
    v6n_start_options over = V6N_START_OPTIONS_INIT;
    over.mount_src = "/src";
    over.keep = 0; /* not set: the copy keeps its own */
    v6n_options_merge(&copy, &over);
    cr_expect_str_eq(copy.mount_src, "/src");
    cr_expect_eq(copy.keep, 1);
    cr_expect_str_eq(copy.image, "img:1");
    v6n_start_options_dispose(&copy);
    o.image = NULL;
    o.path_map = NULL;
    o.path_map_len = 0;
}

Test(options, the_record_form_round_trips)
{
    set_ok("image", "img:\"quoted\"");
    set_ok("keep", "1");
    set_ok("pull", "missing");
    set_ok("path_map", "/a=/b");
    set_ok("server_timeout_ms", "900");
    v6n_jgen j;
    cr_assert_eq(v6n_jgen_open(&j), V6N_OK);
    v6n_options_to_json(&j, &o);
    char *json = NULL;
    cr_assert_eq(v6n_jgen_close(&j, &json, "options"), V6N_OK);
    yajl_val v = yajl_tree_parse(json, NULL, 0);
    cr_assert_not_null(v, "%s", json);
    v6n_start_options back = V6N_START_OPTIONS_INIT;
    cr_assert_eq(v6n_options_from_json(&back, v), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(back.image, "img:\"quoted\"");
    cr_expect_eq(back.keep, 1);
    cr_expect_eq(back.pull, V6N_PULL_MISSING);
    cr_expect_eq(back.server_timeout_ms, 900);
    cr_assert_eq(back.path_map_len, 1);
    cr_expect_str_eq(back.path_map[0].host_prefix, "/b");
    cr_expect_null(back.mount_src, "unset options stay unset");
    v6n_start_options_dispose(&back);
    yajl_tree_free(v);
    free(json);
}

/* Hostile configs: names, labels, env keys and values, mount strings and hosts
 * chosen to break out (shell metacharacters, newlines, '=', ':', '..', very long
 * strings, NUL bytes, non-UTF-8) are refused with V6N_ECONFIG or reach the
 * create body verbatim, never interpreted. A database password never appears
 * in any message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "internal.h"
#include "support.h"

#define HEAD                                                                                       \
    "api_key: k\nserver_url: http://x\nport: 1\napi_path: /a\ntask_dir: /t\n"                      \
    "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 99, format: x, "         \
    "datefmt: y}\nencryption: {enabled: false}\n"

static char *dir;

static void init(void)
{
    dir = make_temp_dir("hostile");
    cr_assert_not_null(dir);
    char home[1024];
    snprintf(home, sizeof(home), "%s/home", dir);
    setenv("HOME", home, 1);
}

static void fini(void)
{
    remove_tree(dir);
    free(dir);
}

TestSuite(hostile, .init = init, .fini = fini, .timeout = 30);

/* Load `text` as node `name` and build its spec. Returns the code; on success
 * *body is the create JSON (free it). */
static int build(const char *name, const char *text, size_t len, char **body)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.yaml", dir, name);
    v6n_config *c = NULL;
    v6n_node_spec *s = NULL;
    v6n_start_options o = V6N_START_OPTIONS_INIT;
    o.working_dir = dir;
    *body = NULL;
    int rc = v6n_config_parse(&c, text, len, path);
    if (!rc)
        rc = v6n_node_spec_build(&s, c, &o);
    if (!rc)
        rc = v6n_node_spec_create_json(body, s);
    v6n_node_spec_free(s);
    v6n_config_free(c);
    return rc;
}

static int build_str(const char *name, const char *text, char **body)
{
    return build(name, text, strlen(text), body);
}

/* Building node `name` from `len` bytes of `text` must fail with V6N_ECONFIG. */
static void must_refuse_raw(const char *what, const char *name, const char *text, size_t len)
{
    char *body = NULL;
    int rc = build(name, text, len, &body);
    cr_expect_eq(rc, V6N_ECONFIG, "%s: expected V6N_ECONFIG, got %s (%s)", what,
                 v6n_error_code_name(rc), rc ? v6n_error_last()->message : body);
    free(body);
}

static void must_refuse(const char *what, const char *name, const char *text)
{
    must_refuse_raw(what, name, text, strlen(text));
}

/* Is `want` exactly one of the strings of array `key` (or of HostConfig.key)? */
static bool body_has(const char *body, const char *key, const char *want)
{
    yajl_val v = yajl_tree_parse(body, NULL, 0);
    cr_assert_not_null(v, "the create body is not JSON");
    const char *p1[] = {key, NULL}, *p2[] = {"HostConfig", key, NULL};
    yajl_val arr = yajl_tree_get(v, p1, yajl_t_array);
    if (!arr)
        arr = yajl_tree_get(v, p2, yajl_t_array);
    bool found = false;
    for (size_t i = 0; arr && i < arr->u.array.len; i++)
        found = found || strcmp(arr->u.array.values[i]->u.string, want) == 0;
    yajl_tree_free(v);
    return found;
}

Test(hostile, node_names)
{
    const char *names[] = {"a;rm -rf ~", "a b",  "$(id)", "a`x`", "a=b", "a:b", "..",
                           ".",          "a\nb", "a'b",   "a|b",  "a&b", "a*b", "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        must_refuse(names[i], names[i], HEAD "databases: []\n");
    char long_name[300];
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    must_refuse("a 299-character name", long_name, HEAD "databases: []\n");
}

Test(hostile, database_labels)
{
    const char *labels[] = {"'a;b'",  "'a b'",   "'a\\nb'", "'a=b'",
                            "'../x'", "'$(id)'", "'1a'",    "'caf\xc3\xa9'"};
    char text[1024];
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        snprintf(text, sizeof(text), HEAD "databases: [{label: %s, uri: x, type: sql}]\n",
                 labels[i]);
        must_refuse(labels[i], "n", text);
    }
    char *big = malloc(5000);
    memset(big, 'l', 4000);
    big[4000] = '\0';
    char *t = v6n_asprintf(HEAD "databases: [{label: %s, uri: x, type: sql}]\n", big);
    must_refuse("a 4000-character label", "n", t);
    free(t);
    free(big);
}

Test(hostile, env_keys_are_refused)
{
    const char *keys[] = {"'A;B'", "'A=B'", "'A B'", "'A\\nB'", "'$(id)'", "''", "'-x'"};
    char text[1024];
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        snprintf(text, sizeof(text), HEAD "databases: []\nnode_extra_env: {%s: v}\n", keys[i]);
        must_refuse(keys[i], "n", text);
    }
}

Test(hostile, env_values_pass_verbatim)
{
    struct {
        const char *yaml, *expected;
    } values[] = {
        {"'$(rm -rf /)'", "X=$(rm -rf /)"},
        {"\"a\\nb\"", "X=a\nb"},
        {"'x=y=z'", "X=x=y=z"},
        {"'`id`; echo \"hi\"'", "X=`id`; echo \"hi\""},
        {"'../../etc'", "X=../../etc"},
        {"'a:b:c'", "X=a:b:c"},
    };
    char text[1024], *body;
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        snprintf(text, sizeof(text), HEAD "databases: []\nnode_extra_env: {X: %s}\n",
                 values[i].yaml);
        int rc = build_str("n", text, &body);
        cr_assert_eq(rc, V6N_OK, "%s: %s", values[i].yaml, v6n_error_last()->message);
        cr_expect(body_has(body, "Env", values[i].expected), "%s not passed verbatim",
                  values[i].yaml);
        free(body);
    }
    /* a megabyte-long value */
    char *big = malloc(1 << 20);
    memset(big, 'v', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    char *t = v6n_asprintf(HEAD "databases: []\nnode_extra_env: {BIG: %s}\n", big);
    cr_assert_eq(build_str("n", t, &body), V6N_OK);
    char *want = v6n_asprintf("BIG=%s", big);
    cr_expect(body_has(body, "Env", want));
    free(want);
    free(body);
    free(t);
    free(big);
}

Test(hostile, mount_strings)
{
    char text[1024], *body;
    const char *refused[] = {"\"/a:/b\\n\"", "\"/a:/b\\r\"", "\"/a\\t:/b\"", "''"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        snprintf(text, sizeof(text), HEAD "databases: []\nnode_extra_mounts: [%s]\n", refused[i]);
        must_refuse(refused[i], "n", text);
    }
    /* anything else is the user's own mount: passed on as written, no shell */
    const char *verbatim[] = {"/a;rm -rf /:/b", "..:/x", "$(id):/x:ro", "/a b:/c d"};
    for (size_t i = 0; i < sizeof(verbatim) / sizeof(verbatim[0]); i++) {
        snprintf(text, sizeof(text), HEAD "databases: []\nnode_extra_mounts: ['%s']\n",
                 verbatim[i]);
        cr_assert_eq(build_str("n", text, &body), V6N_OK, "%s", v6n_error_last()->message);
        cr_expect(body_has(body, "Binds", verbatim[i]), "%s", verbatim[i]);
        free(body);
    }
}

Test(hostile, extra_hosts)
{
    char text[1024], *body;
    const char *refused[] = {"{'h:x': 1.2.3.4}", "{\"h\\n127.0.0.1 evil\": 1.2.3.4}",
                             "{h: \"1.2.3.4\\nx\"}", "{'h x': 1.2.3.4}", "{h: ''}"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        snprintf(text, sizeof(text), HEAD "databases: []\nnode_extra_hosts: %s\n", refused[i]);
        must_refuse(refused[i], "n", text);
    }
    snprintf(text, sizeof(text), HEAD "databases: []\nnode_extra_hosts: {'h;x': 1.2.3.4}\n");
    cr_assert_eq(build_str("n", text, &body), V6N_OK);
    cr_expect(body_has(body, "ExtraHosts", "h;x:1.2.3.4"));
    free(body);
}

Test(hostile, nul_bytes_and_non_utf8)
{

    /* a raw NUL byte in the text, an escaped one, and invalid UTF-8 */
    const char raw_nul[] = HEAD "databases: []\nnode_extra_env: {X: a\0b}\n";
    must_refuse_raw("raw NUL", "n", raw_nul, sizeof(raw_nul) - 1);
    must_refuse("escaped NUL", "n", HEAD "databases: []\nnode_extra_env: {X: \"a\\0b\"}\n");
    must_refuse("invalid UTF-8", "n", HEAD "databases: []\nnode_extra_env: {X: \"\xff\xfe\"}\n");
    must_refuse("invalid UTF-8 in a key", "n",
                HEAD "databases: []\nnode_extra_env: {\xc3\x28: x}\n");
}

Test(hostile, ssh_tunnel_hosts_cannot_escape)
{
    char key[2048], text[4096];
    snprintf(key, sizeof(key), "%s/k.pem", dir);
    cr_assert_eq(write_text(key, "k"), 0);
    const char *hosts[] = {"'../../etc/cron.d/x'", "'a/b'", "'a:b'", "'.hidden'", "'a\\nb'"};
    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        snprintf(text, sizeof(text),
                 HEAD "databases: []\nssh-tunnels: [{hostname: %s, ssh: {identity: {key: %s}}}]\n",
                 hosts[i], key);
        must_refuse(hosts[i], "n", text);
    }
}

/* Every failure below involves a database URI with the password "S3cr3tPw";
 * no message may show it. */
Test(hostile, passwords_never_appear_in_messages)
{
    char csv[2048];
    snprintf(csv, sizeof(csv), "%s/d.csv", dir);
    cr_assert_eq(write_text(csv, "x\n"), 0);
    const char *uri = "postgresql://admin:S3cr3tPw@db.example.org:5432/x";
    struct {
        const char *yaml;
        bool force;
    } cases[] = {
        {"databases: [{label: d, uri: '%s', type: sql}]\n", true},  /* force a URL */
        {"databases: [{label: d, uri: '%s', type: csv}]\n", false}, /* a URL for a csv */
        {"databases: [{label: d, uri: '%s', type: sql, mount_mode: ro}]\n", false},
        {"databases: [{label: 'bad-label', uri: '%s', type: sql}]\n", false},
        {"databases: [{label: d, uri: '%s', type: sql}, {label: d, uri: x, type: sql}]\n", false},
        {"databases: [{label: d, uri: '%s', type: sql}]\nnode_extra_env: {D_DATABASE_URI: x}\n",
         false},
        {"databases: [{label: d, uri: '%s', type: sql, mount_mode: [x]}]\n", false},
        {"databases: {d: '%s'}\n", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[2048], path[2048];
        char *body_text = replace_all(cases[i].yaml, "%s", uri);
        snprintf(text, sizeof(text), HEAD "%s", body_text);
        free(body_text);
        snprintf(path, sizeof(path), "%s/n.yaml", dir);
        v6n_config *c = NULL;
        v6n_node_spec *s = NULL;
        v6n_start_options o = V6N_START_OPTIONS_INIT;
        o.force_db_mount = cases[i].force;
        o.working_dir = dir;
        int rc = v6n_config_parse(&c, text, strlen(text), path);
        if (!rc)
            rc = v6n_node_spec_build(&s, c, &o);
        cr_expect_neq(rc, V6N_OK, "case %zu should fail", i);
        cr_expect_null(strstr(v6n_error_last()->message, "S3cr3tPw"), "case %zu shows it: %s", i,
                       v6n_error_last()->message);
        v6n_node_spec_free(s);
        v6n_config_free(c);
    }
    /* and a message that quotes a URI verbatim is scrubbed too */
    v6n_err(V6N_EENGINE, NULL, "engine said: bind %s:/mnt/x is invalid; and mysql://u:p@h/db", uri);
    cr_expect_null(strstr(v6n_error_last()->message, "S3cr3tPw"), "%s", v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "postgresql://admin:***@db.example.org"), "%s",
              v6n_error_last()->message);
    cr_expect(strstr(v6n_error_last()->message, "mysql://u:***@h/db"), "%s",
              v6n_error_last()->message);
}

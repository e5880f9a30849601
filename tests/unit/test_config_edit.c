/* One-value edits (v6n_config_set_string, _set_api_key, _set_private_key):
 * the file after the edit must be the file before with exactly the value's
 * bytes replaced (or the key's line added), whatever the value's style. Each
 * test states the whole expected file. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "support.h"

static char *dir;
static char path[1100];

static void init(void)
{
    dir = make_temp_dir("cfgedit");
    cr_assert_not_null(dir);
    snprintf(path, sizeof(path), "%s/node1.yaml", dir);
}

static void fini(void)
{
    remove_tree(dir);
    free(dir);
}

TestSuite(config_edit, .init = init, .fini = fini, .timeout = 30);

/* The required keys but api_key and encryption. */
#define REST                                                                                       \
    "server_url: http://localhost\n"                                                               \
    "port: 7601\n"                                                                                 \
    "api_path: /api\n"                                                                             \
    "task_dir: /tmp/t\n"                                                                           \
    "databases: []\n"                                                                              \
    "logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, format: x, "       \
    "datefmt: y}\n"

#define ENC "encryption: {enabled: false}\n"

/* Write `before`, set `key` to `value`, and expect exactly `after`. */
static void edit_gives(const char *before, const char *key, const char *value, const char *after)
{
    cr_assert_eq(write_text(path, before), 0);
    int rc = v6n_config_set_string(path, key, value);
    cr_assert_eq(rc, V6N_OK, "%s", v6n_error_last()->message);
    char *now = read_text(path);
    cr_expect_str_eq(now, after);
    free(now);
    /* and it reads back */
    v6n_config *c = NULL;
    cr_assert_eq(v6n_config_load(&c, path), V6N_OK, "%s", v6n_error_last()->message);
    cr_expect_str_eq(v6n_config_get(c, key), value);
    v6n_config_free(c);
}

Test(config_edit, plain_value_and_comments_kept)
{
    edit_gives("# node config\napi_key: old-key   # from the UI\n" REST "# end\n" ENC, "api_key",
               "new-key-42",
               "# node config\napi_key: new-key-42   # from the UI\n" REST "# end\n" ENC);
}

Test(config_edit, quoted_values_keep_their_quotes)
{
    edit_gives("api_key: 'old'\n" REST ENC, "api_key", "new", "api_key: 'new'\n" REST ENC);
    edit_gives("api_key: \"old\"\n" REST ENC, "api_key", "new", "api_key: \"new\"\n" REST ENC);
    /* a quote inside: doubled in single quotes, escaped in double quotes */
    edit_gives("api_key: 'old'\n" REST ENC, "api_key", "it's", "api_key: 'it''s'\n" REST ENC);
    edit_gives("api_key: \"old\"\n" REST ENC, "api_key", "say \"hi\"\\",
               "api_key: \"say \\\"hi\\\"\\\\\"\n" REST ENC);
    /* a quoted value over two lines becomes one */
    edit_gives("api_key: \"old\n  key\"\n" REST ENC, "api_key", "x", "api_key: \"x\"\n" REST ENC);
}

Test(config_edit, plain_values_quoted_when_yaml_needs_it)
{
    /* these would not read back as the same string in plain style */
    edit_gives("api_key: old\n" REST ENC, "api_key", "true", "api_key: 'true'\n" REST ENC);
    edit_gives("api_key: old\n" REST ENC, "api_key", "123", "api_key: '123'\n" REST ENC);
    edit_gives("api_key: old\n" REST ENC, "api_key", "", "api_key: ''\n" REST ENC);
    edit_gives("api_key: old\n" REST ENC, "api_key", "a: b #c", "api_key: 'a: b #c'\n" REST ENC);
    edit_gives("api_key: old\n" REST ENC, "api_key", "-dash", "api_key: '-dash'\n" REST ENC);
    edit_gives("api_key: old\n" REST ENC, "api_key", "tab\there",
               "api_key: \"tab\\there\"\n" REST ENC);
    edit_gives("api_key: old\n" REST ENC, "api_key", "two\nlines",
               "api_key: \"two\\nlines\"\n" REST ENC);
    edit_gives("api_key: old\n" REST ENC, "api_key", "ключ", "api_key: 'ключ'\n" REST ENC);
    edit_gives("api_key: old\n" REST ENC, "api_key", "https://x:5000/a",
               "api_key: https://x:5000/a\n" REST ENC);
}

Test(config_edit, block_scalars_become_flow_keeping_the_header_comment)
{
    edit_gives("api_key: |  # the key\n  old\n  more\n" REST ENC, "api_key", "new",
               "api_key: new  # the key\n" REST ENC);
    edit_gives("api_key: >-\n    folded\n    old\n\n" REST ENC, "api_key", "n e w",
               "api_key: n e w\n\n" REST ENC);
    /* the last key of the file */
    edit_gives(REST ENC "api_key: |\n  old\n", "api_key", "new", REST ENC "api_key: new\n");
}

Test(config_edit, flow_style_mappings)
{
    edit_gives("{api_key: old, server_url: 'http://x', port: 1, api_path: /a, task_dir: /t,\n"
               " databases: [], logging: {level: INFO, use_console: true, backup_count: 5,\n"
               " max_size: 1024, format: x, datefmt: y}, encryption: {enabled: false}}\n",
               "api_key", "a,b",
               "{api_key: 'a,b', server_url: 'http://x', port: 1, api_path: /a, task_dir: /t,\n"
               " databases: [], logging: {level: INFO, use_console: true, backup_count: 5,\n"
               " max_size: 1024, format: x, datefmt: y}, encryption: {enabled: false}}\n");
    /* ':' is not written plain in a flow mapping */
    edit_gives("api_key: k\n" REST "encryption: { enabled: true, private_key: old }\n",
               "encryption.private_key", "/k:1.pem",
               "api_key: k\n" REST "encryption: { enabled: true, private_key: '/k:1.pem' }\n");
}

Test(config_edit, anchors_and_aliases)
{
    /* the anchor stays on the value; what aliases it follows it */
    edit_gives("api_key: &k old # c\n" REST ENC "copy: *k\n", "api_key", "new",
               "api_key: &k new # c\n" REST ENC "copy: *k\n");
    edit_gives("api_key: !!str &k 'old'\n" REST ENC, "api_key", "new",
               "api_key: !!str &k 'new'\n" REST ENC);
    /* an alias as the value: only this key changes, the anchored value stays */
    edit_gives("other: &o shared\napi_key: *o\n" REST ENC, "api_key", "mine",
               "other: &o shared\napi_key: mine\n" REST ENC);
}

Test(config_edit, the_last_of_duplicate_keys_is_the_one_read)
{
    edit_gives("api_key: first\n" REST ENC "api_key: second\n", "api_key", "new",
               "api_key: first\n" REST ENC "api_key: new\n");
}

Test(config_edit, multibyte_text_before_the_value)
{
    /* libyaml's marks count characters: the bytes must still be right */
    edit_gives("\xEF\xBB\xBF# ключ узла: é\nnote: «x»\napi_key: old\n" REST ENC, "api_key", "new",
               "\xEF\xBB\xBF# ключ узла: é\nnote: «x»\napi_key: new\n" REST ENC);
}

Test(config_edit, crlf_line_ends_kept)
{
    edit_gives("api_key: old\r\nserver_url: h\r\nport: 1\r\napi_path: /a\r\ntask_dir: /t\r\n"
               "databases: []\r\nlogging: {level: INFO, use_console: true, backup_count: 5, "
               "max_size: 1024, format: x, datefmt: y}\r\nencryption:\r\n  enabled: false",
               "encryption.private_key", "k.pem",
               "api_key: old\r\nserver_url: h\r\nport: 1\r\napi_path: /a\r\ntask_dir: /t\r\n"
               "databases: []\r\nlogging: {level: INFO, use_console: true, backup_count: 5, "
               "max_size: 1024, format: x, datefmt: y}\r\nencryption:\r\n  enabled: false\r\n"
               "  private_key: k.pem\r\n");
}

Test(config_edit, private_key_added_under_encryption)
{
    /* block mapping: a line at the mapping's indentation, after its last value */
    cr_assert_eq(write_text(path, "api_key: k\n" REST "encryption:\n    enabled: true  # on\n"
                                  "# after\nextra: 1\n"),
                 0);
    cr_assert_eq(v6n_config_set_private_key(path, "/keys/privkey_Org One.pem"), V6N_OK, "%s",
                 v6n_error_last()->message);
    char *now = read_text(path);
    cr_expect_str_eq(now, "api_key: k\n" REST "encryption:\n    enabled: true  # on\n"
                          "    private_key: /keys/privkey_Org One.pem\n# after\nextra: 1\n");
    free(now);
    /* flow mapping */
    edit_gives("api_key: k\n" REST "encryption: {enabled: false}  # later\n",
               "encryption.private_key", "/k.pem",
               "api_key: k\n" REST "encryption: {enabled: false, private_key: /k.pem}  # later\n");
    /* and then replaced in place */
    edit_gives("api_key: k\n" REST "encryption: {enabled: false, private_key: /k.pem}  # later\n",
               "encryption.private_key", "/other.pem",
               "api_key: k\n" REST
               "encryption: {enabled: false, private_key: /other.pem}  # later\n");
    /* a key only merged in from an anchor gets its own line (explicit keys win) */
    edit_gives("base: &b {api_key: old}\n<<: *b\n" REST ENC, "api_key", "new",
               "base: &b {api_key: old}\n<<: *b\n" REST ENC "api_key: new\n");
}

/* Refused: the code, and the file exactly as it was, no temporary file. */
static void edit_refused(const char *before, const char *key, const char *value, int code,
                         const char *needle)
{
    cr_assert_eq(write_text(path, before), 0);
    int rc = v6n_config_set_string(path, key, value);
    const v6n_error *e = v6n_error_last();
    cr_expect_eq(rc, code, "expected %s, got %s: %s", v6n_error_code_name(code),
                 v6n_error_code_name(rc), e->message);
    if (needle)
        cr_expect(strstr(e->message, needle), "message lacks '%s': %s", needle, e->message);
    if (strcmp(key, "api_key") == 0) /* a key is a secret: never in a message */
        cr_expect(!strstr(e->message, value), "the value shows in the message: %s", e->message);
    char *now = read_text(path);
    cr_expect_str_eq(now, before, "the file changed");
    free(now);
    DIR *d = opendir(dir);
    struct dirent *ent;
    int files = 0;
    while ((ent = readdir(d)))
        files += strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0;
    closedir(d);
    cr_expect_eq(files, 1, "a temporary file was left");
}

Test(config_edit, refusals_change_nothing)
{
    edit_refused("api_key: old\n" REST, "api_key", "s3cret-new", V6N_ECONFIG, "encryption");
    edit_refused("api_key: [old\n" REST ENC, "api_key", "s3cret-new", V6N_ECONFIG, "invalid YAML");
    edit_refused("api_key: old\n" REST ENC, "logging", "x", V6N_ECONFIG, "mapping");
    edit_refused("api_key: old\n" REST ENC, "databases", "x", V6N_ECONFIG, "list");
    edit_refused("api_key: old\n" REST ENC, "nothing.here", "x", V6N_ENOTFOUND, "nothing");
    edit_refused("api_key: old\n" REST "enc: &e {enabled: false}\nencryption: *e\n",
                 "encryption.private_key", "x", V6N_ECONFIG, "alias");
    edit_refused("api_key: old\n" REST ENC, "api_key", "bad \xC3\x28 utf8", V6N_EINVAL, "UTF-8");
    edit_refused("api_key: old\n" REST ENC, "databases[0].uri", "x", V6N_EINVAL, "key path");
    edit_refused("api_key: old\n" REST ENC, "a..b", "x", V6N_EINVAL, "key path");
    /* the edit would make the file invalid: port must be an integer */
    edit_refused("api_key: old\n" REST ENC, "port", "abc", V6N_ECONFIG, "port");
}

Test(config_edit, mode_owner_and_symlink)
{
    cr_assert_eq(write_text(path, "api_key: old\n" REST ENC), 0);
    cr_assert_eq(chmod(path, 0640), 0);
    char link_path[1200];
    snprintf(link_path, sizeof(link_path), "%s/link.yaml", dir);
    cr_assert_eq(symlink(path, link_path), 0);
    cr_assert_eq(v6n_config_set_api_key(link_path, "new"), V6N_OK, "%s", v6n_error_last()->message);
    struct stat st;
    cr_assert_eq(lstat(link_path, &st), 0);
    cr_expect(S_ISLNK(st.st_mode), "the link was replaced by a file");
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0640, "mode %o", st.st_mode & 07777);
    char *now = read_text(path);
    cr_expect_str_eq(now, "api_key: new\n" REST ENC);
    free(now);
    cr_expect_eq(v6n_config_set_api_key("/nonexistent/v6ntest.yaml", "x"), V6N_ENOTFOUND);
}

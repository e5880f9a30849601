/* Path helpers (Python semantics), bind targets (docker-py semantics) and
 * small string helpers. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void expect_norm(const char *in, const char *out)
{
    char *n = v6n_path_normalize(in);
    cr_expect_str_eq(n, out, "normalize(%s)", in);
    free(n);
}

Test(paths, normalize_like_os_path_normpath)
{
    expect_norm("/a/b/../c/./d//e/", "/a/c/d/e");
    expect_norm("/../a", "/a");
    expect_norm("a/../../b", "../b");
    expect_norm("", ".");
    expect_norm("./", ".");
    expect_norm("//a", "//a"); /* POSIX keeps exactly two leading slashes */
    expect_norm("///a", "/a");
    expect_norm("/", "/");
}

Test(paths, absolute_against_a_base)
{
    char *p = v6n_path_absolute("data/x.csv", "/srv/site");
    cr_expect_str_eq(p, "/srv/site/data/x.csv");
    free(p);
    p = v6n_path_absolute("/abs/../y", "/srv/site");
    cr_expect_str_eq(p, "/y");
    free(p);
    p = v6n_path_absolute("../up", "/srv/site/");
    cr_expect_str_eq(p, "/srv/up");
    free(p);
}

static void expect_suffix(const char *path, const char *suffix)
{
    cr_expect_str_eq(v6n_path_suffix(path), suffix, "suffix(%s)", path);
}

Test(paths, suffix_and_stem_like_pathlib)
{
    expect_suffix("/d/cohort.csv", ".csv");
    expect_suffix("/d/archive.tar.gz", ".gz");
    expect_suffix("/d/.hidden", "");
    expect_suffix("/d/folder", "");
    expect_suffix("/d/trailing.", "");
    expect_suffix("/d.x/noext", "");
    char *s = v6n_path_stem("/etc/vantage6/node/alpha.yaml");
    cr_expect_str_eq(s, "alpha");
    free(s);
    s = v6n_path_stem("node.conf.yaml");
    cr_expect_str_eq(s, "node.conf");
    free(s);
    s = v6n_path_stem("..yaml");
    cr_expect_str_eq(s, ".");
    free(s);
}

static void expect_target(const char *bind, const char *target)
{
    char *t = v6n_bind_target(bind);
    cr_expect_str_eq(t, target, "target(%s)", bind);
    free(t);
}

Test(paths, bind_targets_like_docker_py)
{
    expect_target("/host:/mnt/log", "/mnt/log");
    expect_target("/host:/mnt/config:ro", "/mnt/config");
    expect_target("/host:/mnt/x:rw", "/mnt/x");
    expect_target("vol:/mnt/data", "/mnt/data");
    expect_target("/anonymous", "/anonymous");
    expect_target("/anonymous:ro", "/anonymous");
    expect_target("C:\\data:/mnt/win", "/mnt/win");
    /* docker-py garbles sources with ':'; we reproduce it exactly */
    expect_target("postgresql://u:p@db/x:/mnt/pg", "//u:p@db/x:/mnt/pg");
    expect_target("//server/share/dir:/mnt/unc", "/mnt/unc");
}

Test(paths, names_and_identifiers)
{
    cr_expect(v6n_is_identifier("default"));
    cr_expect(v6n_is_identifier("_x9"));
    cr_expect(!v6n_is_identifier("9x"));
    cr_expect(!v6n_is_identifier("a-b"));
    cr_expect(!v6n_is_identifier("stra\xc3\x9f"
                                 "e"));
    cr_expect(!v6n_is_identifier(""));
    cr_expect(v6n_is_node_name("my.node_1-a"));
    cr_expect(!v6n_is_node_name("my node"));
    cr_expect(!v6n_is_node_name("a/b"));
    cr_expect(v6n_is_volume_name("site-data"));
    cr_expect(!v6n_is_volume_name("-data"));
    cr_expect(!v6n_is_volume_name("x"));
    cr_expect(!v6n_is_volume_name("a/b"));
}

Test(paths, uri_passwords_are_redacted)
{
    char *r = v6n_redact_uri("postgresql://v6:secret@db:5432/x");
    cr_expect_str_eq(r, "postgresql://v6:***@db:5432/x");
    free(r);
    r = v6n_redact_uri("postgresql://v6@db/x");
    cr_expect_str_eq(r, "postgresql://v6@db/x");
    free(r);
    r = v6n_redact_uri("mysql://u:p@ss:w@rd@host/db");
    cr_expect_str_eq(r, "mysql://u:***@host/db");
    free(r);
    r = v6n_redact_uri("/plain/path");
    cr_expect_str_eq(r, "/plain/path");
    free(r);
}

Test(paths, quoting_escapes_control_bytes_and_cuts)
{
    v6n_buf b = V6N_BUF_INIT;
    cr_assert_eq(v6n_buf_quote(&b, "a\nb'c\x01"), V6N_OK);
    cr_expect_str_eq(b.ptr, "'a\\nb\\'c\\x01'");
    v6n_buf_clear(&b);
    char long_value[400];
    memset(long_value, 'x', sizeof(long_value) - 1);
    long_value[sizeof(long_value) - 1] = '\0';
    cr_assert_eq(v6n_buf_quote(&b, long_value), V6N_OK);
    cr_expect(strstr(b.ptr, "...'"));
    cr_expect_lt(b.len, 140);
    v6n_buf_free(&b);
}

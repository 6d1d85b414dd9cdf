/* tests/unit/test_config.c: liandongd's configuration file: a valid file
 * loads with relative paths resolved; each kind of mistake is refused with a
 * message naming the file, the line and the key. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/config.h"
#include "common/curve.h"
#include "testutil.h"

struct fx {
	char *dir;
	char path[512];
	char root_hex[65];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char p[600];
	ld_curve_pair_t pair;
	uint8_t pub[32];
	ld_key_t *k;

	f->dir = tu_tmpdir("conf");
	snprintf(f->path, sizeof(f->path), "%s/node.conf", f->dir);
	snprintf(p, sizeof(p), "%s/node.key", f->dir);
	assert_int_equal(ld_key_generate(&k), 0);
	assert_int_equal(ld_key_save(k, p), 0);
	ld_key_public(k, pub);
	ld_hex(pub, 32, f->root_hex);
	ld_key_destroy(&k);
	snprintf(p, sizeof(p), "%s/node.curve", f->dir);
	assert_int_equal(ld_curve_create(p, &pair), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void write_conf(struct fx *f, const char *extra_node, const char *extra)
{
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	fprintf(fp, "# test\n[node]\nid = county-a\ndata = data\nkey = node.key\n"
		    "curve = node.curve\nroot = %s\n%s\n[peers]\n%s\n",
		f->root_hex, extra_node, extra);
	fclose(fp);
}

static void test_valid(void **state)
{
	struct fx *f = *state;
	ld_config_t *c = NULL;
	char err[1024] = "", want[600];

	write_conf(f, "bind = tcp://127.0.0.1:7401\nlog_level = debug",
		   "province = tcp://127.0.0.1:7400 rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
	assert_int_equal(ld_config_load(f->path, &c, err, sizeof(err)), 0);
	assert_string_equal(c->id, "county-a");
	snprintf(want, sizeof(want), "%s/data", f->dir);
	assert_string_equal(c->data_dir, want);
	snprintf(want, sizeof(want), "ipc://%s/data/api.sock", f->dir);
	assert_string_equal(c->api, want);
	assert_string_equal(c->bind, "tcp://127.0.0.1:7401");
	assert_int_equal(c->log_level, 3);
	assert_int_equal(c->n_peers, 1);
	assert_string_equal(c->peers[0].id, "province");
	assert_string_equal(c->peers[0].endpoint, "tcp://127.0.0.1:7400");
	assert_int_equal(strlen(c->peers[0].curve_pub), 40);
	assert_int_equal(c->credit, 4096);
	ld_config_destroy(&c);
	ld_config_destroy(&c);
}

static void expect_error(struct fx *f, const char *node, const char *peers, const char *line_key,
			 const char *why)
{
	ld_config_t *c = NULL;
	char err[1024] = "";

	write_conf(f, node, peers);
	assert_int_equal(ld_config_load(f->path, &c, err, sizeof(err)), -EINVAL);
	assert_null(c);
	/* The file, then the line and key, then the reason. */
	assert_non_null(strstr(err, f->path));
	assert_non_null(strstr(err, line_key));
	assert_non_null(strstr(err, why));
}

static void test_errors_name_file_line_key(void **state)
{
	struct fx *f = *state;

	/* Line numbers: comment 1, [node] 2, its keys 3-7, extra lines from 8,
	 * [peers] after them. */
	expect_error(f, "log_level = chatty", "", ":8: key 'log_level' in [node]",
		     "error, warn, info or debug");
	expect_error(f, "bind = http://example", "", ":8: key 'bind' in [node]", "ZeroMQ endpoint");
	expect_error(f, "colour = blue", "", ":8: key 'colour' in [node]", "unknown key");
	expect_error(f, "", "province = 127.0.0.1:7400", ":10: key 'province' in [peers]",
		     "expected 'tcp://HOST:PORT");
	expect_error(f, "", "province = tcp://127.0.0.1:7400 notakey",
		     ":10: key 'province' in [peers]", "40 Z85");
	expect_error(f, "", "county-a = tcp://127.0.0.1:7400", "key 'county-a' in [peers]",
		     "its own peer");
	expect_error(f, "[sync]\ncredit = 0", "", ":9: key 'credit' in [sync]",
		     "whole number from 1 to 65536");
	expect_error(f, "[extra]\nx = 1", "", ":9: key 'x' in [extra]", "unknown section");
	expect_error(f, "this is not ini", "", ":8:", "not an INI line");
}

static void test_missing_and_unreadable(void **state)
{
	struct fx *f = *state;
	ld_config_t *c = NULL;
	char err[1024] = "";
	FILE *fp = fopen(f->path, "w");

	fprintf(fp, "[node]\nid = county-a\ndata = data\nkey = node.key\ncurve = node.curve\n");
	fclose(fp);
	assert_int_equal(ld_config_load(f->path, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "key 'root' in [node] is required"));
	fp = fopen(f->path, "w");
	fprintf(fp, "[node]\nid = County A\n");
	fclose(fp);
	assert_int_equal(ld_config_load(f->path, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: key 'id' in [node]: not a valid node id"));
	assert_int_not_equal(ld_config_load("/nonexistent/liandongd.conf", &c, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "/nonexistent/liandongd.conf: cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_file_line_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_unreadable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/conf/config.h"
#include "common/crypto/curve.h"
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
	fprintf(fp,
		"# test\n[node]\nid = county-a\ndata = data\nkey = node.key\n"
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
	/* The API socket is not under the data directory (whose depth could
	 * exceed a socket path's 107 bytes) but in a private runtime one. */
	assert_true(c->api_default);
	if (geteuid() == 0 && access("/run", F_OK) == 0)
		snprintf(want, sizeof(want), "ipc:///run/liandong/county-a-");
	else
		snprintf(want, sizeof(want), "ipc:///tmp/liandong-%u/county-a-",
			 (unsigned)geteuid());
	assert_memory_equal(c->api, want, strlen(want));
	assert_int_equal(strlen(c->api), strlen(want) + 12 + 5);
	assert_string_equal(c->api + strlen(c->api) - 5, ".sock");
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

static char *api_of(struct fx *f, const char *extra_node)
{
	ld_config_t *c = NULL;
	char err[2048] = "", *api;

	write_conf(f, extra_node, "");
	if (ld_config_load(f->path, &c, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	api = strdup(c->api);
	ld_config_destroy(&c);
	return api;
}

/* The default API endpoint is a function of the configuration alone: the
 * same config gives the same path (daemon and tool agree), another data
 * directory another path, and any depth of data directory a short one. */
static void test_default_api(void **state)
{
	struct fx *f = *state;
	char deep[700], line[750], *a = api_of(f, ""), *b = api_of(f, ""), *d, *e;

	assert_string_equal(a, b);
	d = api_of(f, "data = other-data");
	assert_string_not_equal(a, d);
	/* A config (and so its data) 250 bytes deeper than the fixture. */
	snprintf(deep, sizeof(deep), "%s", f->dir);
	for (int i = 0; i < 5; i++) {
		snprintf(deep + strlen(deep), sizeof(deep) - strlen(deep), "/%.49s",
			 "ddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
		assert_int_equal(mkdir(deep, 0700), 0);
	}
	snprintf(line, sizeof(line), "%s/node.conf", deep);
	{
		FILE *fp = fopen(line, "w");
		ld_config_t *c = NULL;
		char err[2048];

		assert_non_null(fp);
		fprintf(fp, "[node]\nid = county-a\ndata = data\nkey = k\ncurve = c\nroot = %s\n",
			f->root_hex);
		fclose(fp);
		assert_int_equal(ld_config_load(line, &c, err, sizeof(err)), 0);
		assert_true(strlen(c->data_dir) > 250);
		e = strdup(c->api);
		ld_config_destroy(&c);
	}
	assert_true(strlen(e) - 6 <= 107);
	free(a);
	free(b);
	free(d);
	free(e);
	/* Set explicitly, it is kept as written. */
	a = api_of(f, "api = ipc:///run/liandong/mine.sock");
	assert_string_equal(a, "ipc:///run/liandong/mine.sock");
	free(a);
}

static void expect_error(struct fx *f, const char *node, const char *peers, const char *line_key,
			 const char *why)
{
	ld_config_t *c = NULL;
	char err[2048] = "";

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
	/* The signing API only on a socket file: no tcp://, no abstract ipc://@. */
	expect_error(f, "api = tcp://127.0.0.1:7499", "", ":8: key 'api' in [node]",
		     "must be a filesystem ipc:// socket");
	expect_error(f, "api = ipc://@node", "", ":8: key 'api' in [node]",
		     "abstract socket, which has no file permissions");
	expect_error(f, "api_ro = ipc://@node-ro", "", ":8: key 'api_ro' in [node]",
		     "abstract socket");
	expect_error(f, "api_ro = tcp://127.0.0.1:7498", "", ":8: key 'api_ro' in [node]",
		     "must be a filesystem ipc:// socket");
	/* An ipc:// path a Unix socket cannot hold: the path, its length, the
	 * limit, and what to write instead. */
	{
		char line[300], path[200];

		memset(path, 'p', sizeof(path));
		path[0] = '/';
		path[108] = '\0';
		snprintf(line, sizeof(line), "api = ipc://%s", path);
		expect_error(f, line, "", ":8: key 'api' in [node]: the ipc:// path /ppp",
			     "is 108 bytes long, over the limit of 107 bytes");
		expect_error(f, line, "", ":8: key 'api' in [node]", "api = ipc:///");
		path[107] = '\0';
		snprintf(line, sizeof(line), "api = ipc://%s", path);
		write_conf(f, line, "");
		{
			ld_config_t *c = NULL;
			char err[2048];

			assert_int_equal(ld_config_load(f->path, &c, err, sizeof(err)), 0);
			ld_config_destroy(&c);
		}
		path[107] = 'p';
		snprintf(line, sizeof(line), "bind = ipc://%s", path);
		expect_error(f, line, "", ":8: key 'bind' in [node]", "108 bytes long");
		snprintf(line, sizeof(line), "province = ipc://%s", path);
		expect_error(f, "", line, ":10: key 'province' in [peers]", "108 bytes long");
		/* A line the INI reader would cut (a deep absolute path) is
		 * named, not parsed in two halves. */
		memset(path, 'd', 199);
		path[0] = '/';
		path[199] = '\0';
		snprintf(line, sizeof(line), "data = %s", path);
		expect_error(f, line, "", ":8: line longer than the 199 characters",
			     "relative to the configuration file's directory");
	}
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
	assert_int_not_equal(ld_config_load("/nonexistent/liandongd.conf", &c, err, sizeof(err)),
			     0);
	assert_non_null(strstr(err, "/nonexistent/liandongd.conf: cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_api, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_file_line_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_unreadable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

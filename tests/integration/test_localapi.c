/* tests/integration/test_localapi.c: who may sign as a node through its
 * local API, with real daemons. A tcp:// or abstract ipc://@ endpoint for
 * [node] api (or api_ro) is refused by liandongd, `liandongd --check` and
 * `liandong init --api`, naming the key and what to write instead; a
 * configuration others can change, a key others can read, a key owned by
 * another user are refused at start with the file, its mode or owner and the
 * fix; `liandong init` under umask 000 writes 0640/0600/0644 files the
 * daemon accepts; an append of more items than LD_API_APPEND_MAX is refused
 * whole with the limit, nothing signed (a million items too, at once),
 * while one at the limit is signed, and three at once, more than one turn
 * of the loop reads, are all signed. */
#include <errno.h>
#include <pwd.h>
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
#include <zmq.h>

#include "cluster.h"
#include "api.pb-c.h"
#include "common/base/errors.h"
#include "server/api.h"
#include "testutil.h"

#define OPAQUE_KIND 100 /* a kind no rule reads: only the limits judge it */

static char out[65536], err[8192];

static int run(const char *const *argv)
{
	return cl_run(argv, 20000, out, sizeof(out), err, sizeof(err));
}

static void contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

/* Rewrite the "KEY = " line of config 'path' to 'value' (added under
 * [node] if missing). */
static void set_key(const char *path, const char *key, const char *value)
{
	char buf[8192], line[1024], prefix[64];
	size_t len = 0;
	bool done = false;
	FILE *f = fopen(path, "r");

	snprintf(prefix, sizeof(prefix), "%s = ", key);
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, prefix, strlen(prefix))) {
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s\n", prefix,
						value);
			done = true;
			continue;
		}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", line);
		if (!done && !strcmp(line, "[node]\n")) {
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s\n", prefix,
						value);
			done = true;
		}
	}
	fclose(f);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(buf, f);
	fclose(f);
}

/* liandongd -c CONF, then liandongd -c CONF --check: both exit 3 and say
 * every one of 'needles' on stderr. */
static void both_refuse(cluster_t *c, const char *conf, const char *const *needles)
{
	const char *daemon[] = {c->daemon, "-c", conf, NULL, NULL};

	for (int check = 0; check < 2; check++) {
		daemon[3] = check ? "--check" : NULL;
		assert_int_equal(run(daemon), 3);
		for (size_t i = 0; needles[i]; i++)
			contains(err, needles[i]);
	}
}

static int check_ok(cluster_t *c, const char *conf)
{
	const char *daemon[] = {c->daemon, "-c", conf, "--check", NULL};
	int r = run(daemon);

	if (r != 0)
		fprintf(stderr, "%s", err);
	return r;
}

static void test_endpoints_refused(void **state)
{
	cluster_t *c = cl_new("localapi");
	char data[700], dir[700], ro[700];
	tn_t *n;

	(void)state;
	n = cl_node(c, "province", true, NULL, NULL, 0);
	snprintf(ro, sizeof(ro), "%s", n->api);
	memcpy(ro + strlen(ro) - 5, "-ro.sock", 9);

	set_key(n->conf, "api", "tcp://127.0.0.1:7499");
	both_refuse(c, n->conf,
		    (const char *[]){"key 'api' in [node]", "must be a filesystem ipc:// socket",
				     "a tcp:// port has no file permissions",
				     "could sign as this node", "api = ipc:///", NULL});
	set_key(n->conf, "api", "ipc://@province-api");
	both_refuse(c, n->conf,
		    (const char *[]){"key 'api' in [node]", "ipc://@... is an abstract socket",
				     "could sign as this node", "api = ipc:///", NULL});
	/* The read-only API alike: it reads everything the node holds. */
	set_key(n->conf, "api", n->api);
	set_key(n->conf, "api_ro", "ipc://@province-ro");
	both_refuse(c, n->conf,
		    (const char *[]){"key 'api_ro' in [node]", "abstract socket",
				     "api_ro = ipc:///", NULL});
	set_key(n->conf, "api_ro", "tcp://127.0.0.1:7498");
	both_refuse(
		c, n->conf,
		(const char *[]){"key 'api_ro' in [node]", "must be a filesystem ipc://", NULL});
	/* Nothing was started: no data directory. */
	snprintf(data, sizeof(data), "%s/data", n->dir);
	assert_int_equal(access(data, F_OK), -1);
	/* A filesystem socket starts. */
	set_key(n->conf, "api_ro", ro);
	assert_int_equal(check_ok(c, n->conf), 0);

	/* init refuses them before creating anything. */
	snprintf(dir, sizeof(dir), "%s/new-node", c->base);
	for (int i = 0; i < 2; i++) {
		const char *argv[] = {getenv("LD_CLI"),
				      "init",
				      "--id",
				      "new-node",
				      "--dir",
				      dir,
				      "--root-node",
				      "--api",
				      i ? "ipc://@new-node" : "tcp://127.0.0.1:7497",
				      NULL};

		assert_int_equal(run(argv), 2);
		contains(err, "the signing API must be a filesystem ipc:// socket");
		contains(err, "nothing was created");
		assert_int_equal(access(dir, F_OK), -1);
	}
	cl_destroy(&c);
}

static void test_files_refused(void **state)
{
	cluster_t *c = cl_new("localapi");
	char key[700], curve[700], want[2048];
	struct passwd *nobody;
	tn_t *n;

	(void)state;
	n = cl_node(c, "province", true, NULL, NULL, 0);
	snprintf(key, sizeof(key), "%s/node.key", n->dir);
	snprintf(curve, sizeof(curve), "%s/node.curve", n->dir);

	/* A configuration every user (or the group) can change. */
	assert_int_equal(chmod(n->conf, 0666), 0);
	snprintf(want, sizeof(want), "configuration %s has mode 0666", n->conf);
	both_refuse(c, n->conf,
		    (const char *[]){want, "every user can change it", "run chmod 600 ", NULL});
	assert_int_equal(chmod(n->conf, 0660), 0);
	both_refuse(c, n->conf, (const char *[]){"has mode 0660: its group can change it", NULL});
	assert_int_equal(chmod(n->conf, 0640), 0);
	assert_int_equal(check_ok(c, n->conf), 0);

	/* Keys others can read. */
	assert_int_equal(chmod(key, 0644), 0);
	snprintf(want, sizeof(want),
		 "signing key %s has mode 0644: every user can read it; run "
		 "chmod 600 %s",
		 key, key);
	both_refuse(c, n->conf, (const char *[]){want, NULL});
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(chmod(curve, 0640), 0);
	snprintf(want, sizeof(want), "curve key pair %s has mode 0640: its group can read it",
		 curve);
	both_refuse(c, n->conf, (const char *[]){want, NULL});
	assert_int_equal(chmod(curve, 0600), 0);
	assert_int_equal(check_ok(c, n->conf), 0);

	/* A key owned by another user (only root can make one). */
	nobody = getpwnam("nobody");
	if (geteuid() != 0 || !nobody) {
		printf("# skipped: a key owned by another user needs root and a user "
		       "'nobody'\n");
	} else {
		assert_int_equal(chown(key, nobody->pw_uid, (gid_t)-1), 0);
		snprintf(want, sizeof(want), "signing key %s (mode 0600) belongs to nobody", key);
		both_refuse(
			c, n->conf,
			(const char *[]){want, "the user this daemon runs as", "run chown ", NULL});
		assert_int_equal(chown(key, 0, (gid_t)-1), 0);
		assert_int_equal(chown(n->conf, nobody->pw_uid, (gid_t)-1), 0);
		both_refuse(c, n->conf,
			    (const char *[]){"configuration ", "belongs to nobody", NULL});
		assert_int_equal(chown(n->conf, 0, (gid_t)-1), 0);
		assert_int_equal(check_ok(c, n->conf), 0);
	}
	cl_destroy(&c);
}

static unsigned mode_of(const char *dir, const char *name)
{
	char path[800];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void test_init_under_umask_000(void **state)
{
	cluster_t *c = cl_new("localapi");
	char dir[700], conf[760];
	const char *argv[] = {getenv("LD_CLI"), "init", "--id",	       "lax",
			      "--dir",		dir,	"--root-node", NULL};
	mode_t old;
	int r;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/lax", c->base);
	snprintf(conf, sizeof(conf), "%s/liandongd.conf", dir);
	old = umask(0);
	r = run(argv);
	if (r == 0)
		r = check_ok(c, conf); /* the daemon, under umask 000 too */
	umask(old);
	assert_int_equal(r, 0);
	assert_int_equal(mode_of(dir, "liandongd.conf"), 0640);
	assert_int_equal(mode_of(dir, "lax.key"), 0600);
	assert_int_equal(mode_of(dir, "lax.curve"), 0600);
	assert_int_equal(mode_of(dir, "root.pub"), 0644);
	assert_int_equal(mode_of(dir, "."), 0700);
	assert_int_equal(mode_of(dir, "data") & 077, 0);
	cl_destroy(&c);
}

/* 'count' items of kind OPAQUE_KIND for everyone; 'payload' bytes each. */
static int append_many(tn_t *n, size_t count, size_t payload, bool check, char **msg)
{
	Ld__AppendItem *items = calloc(count, sizeof(*items));
	const Ld__AppendItem **ptrs = calloc(count, sizeof(*ptrs));
	uint8_t body[64];
	int r;

	assert_non_null(items);
	assert_non_null(ptrs);
	assert_true(payload <= sizeof(body));
	memset(body, 'p', sizeof(body));
	for (size_t i = 0; i < count; i++) {
		ld__append_item__init(&items[i]);
		items[i].has_kind = items[i].has_everyone = true;
		items[i].kind = OPAQUE_KIND;
		items[i].everyone = true;
		items[i].has_payload = payload > 0;
		items[i].payload.data = body;
		items[i].payload.len = payload;
		ptrs[i] = &items[i];
	}
	r = check ? ldc_check(n->c, ptrs, count, msg) : ldc_append(n->c, ptrs, count, NULL, msg);
	free(items);
	free(ptrs);
	return r;
}

/* 'k' clients each send an append of LD_API_APPEND_MAX items at once (raw
 * REQ sockets, all sent before any answer is read): more than one turn's
 * work, so the daemon reads them over several turns; every one is signed. */
static void appends_at_once(tn_t *n, int k)
{
	enum { K_MAX = 4 };
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__AppendItem *items = calloc(LD_API_APPEND_MAX, sizeof(*items));
	Ld__AppendItem **ptrs = calloc(LD_API_APPEND_MAX, sizeof(*ptrs));
	void *ctx = zmq_ctx_new(), *socks[K_MAX];
	uint8_t body[32], *buf;
	size_t len;

	assert_true(k <= K_MAX);
	assert_non_null(items);
	assert_non_null(ptrs);
	memset(body, 'q', sizeof(body));
	for (size_t i = 0; i < LD_API_APPEND_MAX; i++) {
		ld__append_item__init(&items[i]);
		items[i].has_kind = items[i].has_everyone = items[i].has_payload = true;
		items[i].kind = OPAQUE_KIND;
		items[i].everyone = true;
		items[i].payload.data = body;
		items[i].payload.len = sizeof(body);
		ptrs[i] = &items[i];
	}
	q.has_type = true;
	q.type = LD__API_TYPE__API_APPEND;
	q.n_append = LD_API_APPEND_MAX;
	q.append = ptrs;
	len = ld__api_request__get_packed_size(&q);
	buf = malloc(len);
	assert_non_null(buf);
	ld__api_request__pack(&q, buf);
	for (int i = 0; i < k; i++) {
		socks[i] = zmq_socket(ctx, ZMQ_REQ);
		assert_int_equal(zmq_connect(socks[i], n->api), 0);
		assert_int_equal(zmq_send(socks[i], buf, len, 0), (int)len);
	}
	for (int i = 0; i < k; i++) {
		zmq_pollitem_t it = {.socket = socks[i], .events = ZMQ_POLLIN};
		Ld__ApiResponse *resp;
		zmq_msg_t m;
		int zero = 0;

		assert_int_equal(zmq_poll(&it, 1, 60000), 1);
		zmq_msg_init(&m);
		assert_true(zmq_msg_recv(&m, socks[i], 0) >= 0);
		resp = ld__api_response__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
		assert_non_null(resp);
		assert_true(resp->ok);
		assert_int_equal(resp->n_refs, LD_API_APPEND_MAX);
		ld__api_response__free_unpacked(resp, NULL);
		zmq_msg_close(&m);
		zmq_setsockopt(socks[i], ZMQ_LINGER, &zero, sizeof(zero));
		zmq_close(socks[i]);
	}
	zmq_ctx_term(ctx);
	free(buf);
	free(items);
	free(ptrs);
}

static void test_append_bounded(void **state)
{
	cluster_t *c = cl_new("localapi");
	const char *counties[] = {"county-a"};
	char want[160], *msg = NULL;
	int64_t head, signed0;
	tn_t *nodes[2], *a;
	double t0;

	(void)state;
	assert_int_equal(cl_star(c, counties, 1, nodes), 0);
	a = nodes[1];
	head = cl_head(a, "county-a");
	signed0 = cl_signed(a);
	snprintf(want, sizeof(want), "%d items in one request, over the limit of %d per request",
		 LD_API_APPEND_MAX + 1, LD_API_APPEND_MAX);

	/* One over the limit: refused whole, nothing signed; check_only too. */
	assert_int_equal(append_many(a, LD_API_APPEND_MAX + 1, 32, false, &msg), LD_ETOOBIG);
	assert_non_null(msg);
	contains(msg, want);
	contains(msg, "nothing was signed");
	free(msg);
	msg = NULL;
	assert_int_equal(append_many(a, LD_API_APPEND_MAX + 1, 32, true, &msg), LD_ETOOBIG);
	free(msg);
	msg = NULL;
	/* The probe of the issue: a million bare items, refused at once. */
	t0 = tu_now();
	assert_int_equal(append_many(a, 1000000, 0, false, &msg), LD_ETOOBIG);
	printf("# figure: 1,000,000 items refused in %.2f s (round trip)\n", tu_now() - t0);
	contains(msg, "1000000 items in one request");
	free(msg);
	msg = NULL;
	assert_int_equal(cl_head(a, "county-a"), head);
	assert_int_equal(cl_signed(a), signed0);
	assert_true(cl_log_contains(a, "a request of 1000000 append items refused (limit 4096)"));

	/* At the limit: signed, in one commit. */
	t0 = tu_now();
	assert_int_equal(append_many(a, LD_API_APPEND_MAX, 32, false, &msg), 0);
	printf("# figure: %d items signed in one request in %.2f s\n", LD_API_APPEND_MAX,
	       tu_now() - t0);
	assert_int_equal(cl_head(a, "county-a"), head + LD_API_APPEND_MAX);
	/* More than a turn's work at once: read over several turns, all signed. */
	t0 = tu_now();
	appends_at_once(a, 3);
	printf("# figure: 3 requests of %d items sent at once, all signed in %.2f s\n",
	       LD_API_APPEND_MAX, tu_now() - t0);
	head += 4 * LD_API_APPEND_MAX;
	assert_int_equal(cl_head(a, "county-a"), head);
	assert_int_equal(cl_wait(nodes[0], "county-a", (uint64_t)head, 30000), 0);
	cl_destroy(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoints_refused),
		cmocka_unit_test(test_files_refused),
		cmocka_unit_test(test_init_under_umask_000),
		cmocka_unit_test(test_append_bounded),
	};

	if (getenv("LD_TEST_FILTER"))
		cmocka_set_test_filter(getenv("LD_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/integration/test_web.c: the read-only API and liandong-web against
 * real daemons (a province and three counties on loopback):
 *  - an append, a reindex and an evidence-file request on [node] api_ro are
 *    refused ("read-only API") and nothing is signed; reads are answered;
 *  - /api/view is the document `liandong view --json` prints on the node
 *    (plus node, as_of_ms, zone), with the answer-time histograms;
 *  - an SSE client gets `change` within 1 s of `liandong refer` returning
 *    on a county, and the province's /api/view then shows the case;
 *  - /metrics agrees with `liandong status --json`;
 *  - beyond loopback without TLS and accounts it refuses to start, naming
 *    what is missing; with them (self-signed certificate made by openssl)
 *    a request without credentials gets 401, with them 200, logins logged;
 *  - stopping the daemon gives a `daemon` event up=false and /healthz 503,
 *    starting it again up=true and 200.
 * liandong-web is $LD_WEB, curl and openssl the system's. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cluster.h"
#include "common/base/errors.h"
#include "testutil.h"

typedef struct world {
	cl_world_t cw;
	const char *web;
	pid_t web_pid;
	int port;
	char web_log[700];
	char ro[700]; /* the province's read-only API endpoint */
} world_t;

#define cli(w, node, ...) cl_cli(node, (w)->cw.out, sizeof((w)->cw.out), __VA_ARGS__)

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void append_file(const char *path, const char *fmt, ...)
{
	FILE *f = fopen(path, "a");
	va_list ap;

	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* ---- a small HTTP client on loopback ---- */

static int http_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* GET 'path': the status code (-1: no answer in 10 s), the body into buf. */
static int http_get(int port, const char *path, char *buf, size_t size)
{
	char req[512];
	size_t len = 0;
	int fd = http_connect(port), code = -1;
	double t0 = tu_now();

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return -1;
	}
	while (len + 1 < size && tu_now() - t0 < 10) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1)
		return -1;
	{
		char *body = strstr(buf, "\r\n\r\n");

		if (body)
			memmove(buf, body + 4, strlen(body + 4) + 1);
	}
	return code;
}

/* A response body sent chunked (MHD, when the length is not known up front)
 * is de-chunked for parsing; one sent with a length is left as it is. */
static json_t *get_json(world_t *w, const char *path)
{
	static char buf[1 << 20];
	int code = http_get(w->port, path, buf, sizeof(buf));
	json_error_t e;
	json_t *j;

	assert_int_equal(code, 200);
	j = json_loads(buf, 0, &e);
	if (!j)
		fprintf(stderr, "not JSON (%s): %.300s\n", e.text, buf);
	assert_non_null(j);
	return j;
}

/* An SSE stream: the socket and what has been read of it. */
typedef struct sse {
	int fd;
	char buf[1 << 16];
	size_t len, seen; /* seen: events consumed up to here */
} sse_t;

static void sse_open(sse_t *s, int port)
{
	const char req[] = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: "
			   "text/event-stream\r\n\r\n";

	memset(s, 0, sizeof(*s));
	s->fd = http_connect(port);
	assert_true(s->fd >= 0);
	assert_int_equal(write(s->fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
}

/* Wait up to timeout_ms for the next event of 'type' after those already
 * consumed; its data line into data (size n). True if it came. */
static bool sse_next(sse_t *s, const char *type, char *data, size_t n, int timeout_ms)
{
	char want[64];
	double t0 = tu_now();

	snprintf(want, sizeof(want), "event: %s\n", type);
	for (;;) {
		char *at;

		s->buf[s->len] = '\0';
		if ((at = strstr(s->buf + s->seen, want)) && strstr(at, "\n\n")) {
			char *d = strstr(at, "data: "), *end = strstr(at, "\n\n");

			if (d && d < end) {
				size_t l = (size_t)(strchr(d, '\n') - d - 6);

				snprintf(data, n, "%.*s", (int)l, d + 6);
			}
			s->seen = (size_t)(end + 2 - s->buf);
			return true;
		}
		if ((tu_now() - t0) * 1000 > timeout_ms || s->len + 1 >= sizeof(s->buf))
			return false;
		{
			struct pollfd p = {.fd = s->fd, .events = POLLIN};
			ssize_t r;

			if (poll(&p, 1, 20) <= 0)
				continue;
			r = read(s->fd, s->buf + s->len, sizeof(s->buf) - 1 - s->len);
			if (r <= 0)
				return false;
			s->len += (size_t)r;
		}
	}
}

static void sse_close(sse_t *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* ---- processes ---- */

/* The path of program 'name' in $PATH (cl_run wants a path), or NULL. */
static const char *which(const char *name, char *buf, size_t n)
{
	const char *path = getenv("PATH");
	char dirs[4096], *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s", path ? path : "/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, n, "%s/%s", d, name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/* Start liandong-web with 'conf' and '--listen listen', its stderr into
 * 'log'. The PID, or -1. */
static pid_t web_spawn(const char *web, const char *conf, const char *listen, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		/* The zone the tool runs in (cl_run), so documents match. */
		setenv("TZ", getenv("CL_TZ") ? getenv("CL_TZ") : "Asia/Shanghai", 1);
		execl(web, web, "--config", conf, "--listen", listen, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void web_stop(pid_t *pid)
{
	int st;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(*pid, &st, WNOHANG) == *pid) {
			*pid = 0;
			return;
		}
		usleep(20000);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, &st, 0);
	*pid = 0;
}

static bool file_has(const char *path, const char *needle)
{
	char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

struct up_q {
	int port;
	int want;
};

static bool healthz_is(void *ud)
{
	struct up_q *q = ud;
	char buf[512];

	return http_get(q->port, "/healthz", buf, sizeof(buf)) == q->want;
}

/* The province restarted with a read-only API and [web] regions; its web
 * server started on a free loopback port. */
static int setup(void **state)
{
	world_t *w = calloc(1, sizeof(*w));
	void *cw = NULL;
	tn_t *p;
	char path[800];
	struct up_q q;

	if (!w || cl_world_setup(&cw) < 0)
		return -1;
	w->cw = *(cl_world_t *)cw;
	free(cw);
	w->web = getenv("LD_WEB");
	assert_non_null(w->web);
	p = w->cw.p;
	assert_true(cl_stop(w->cw.c, p) == 0);
	snprintf(w->ro, sizeof(w->ro), "ipc://%s/province-ro.sock", w->cw.c->sockdir);
	snprintf(path, sizeof(path), "%s/regions.tsv", p->dir);
	append_file(path, "330000\t浙江省\n330100\t杭州市\n# a comment\n");
	append_file(p->conf, "[node]\napi_ro = %s\n[web]\nregions = regions.tsv\n", w->ro);
	assert_int_equal(cl_start(w->cw.c, p), 0);
	w->port = free_port();
	snprintf(w->web_log, sizeof(w->web_log), "%s/web.log", p->dir);
	{
		char listen[64];

		snprintf(listen, sizeof(listen), "127.0.0.1:%d", w->port);
		w->web_pid = web_spawn(w->web, p->conf, listen, w->web_log);
	}
	q.port = w->port;
	q.want = 200;
	assert_true(cl_until(healthz_is, &q, 10000));
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world_t *w = *state;
	cl_world_t *cw = malloc(sizeof(*cw));
	void *s = cw;

	web_stop(&w->web_pid);
	*cw = w->cw;
	free(w);
	return cl_world_teardown(&s);
}

static bool peers_up(void *ud)
{
	world_t *w = ud;

	return cl_peer_up(w->cw.p, "county-a") && cl_peer_up(w->cw.p, "county-b") &&
	       cl_peer_up(w->cw.a, "province") && cl_peer_up(w->cw.b, "province");
}

/* ---- the read-only API ---- */

static void test_ro_api(void **state)
{
	world_t *w = *state;
	Ld__AppendItem item = LD__APPEND_ITEM__INIT;
	const Ld__AppendItem *items[] = {&item};
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	int64_t head = cl_head(w->cw.p, "province"), signed_ = cl_signed(w->cw.p);
	struct stat st;
	char *msg = NULL;
	ldc_t *ro;
	uint32_t refused[] = {LD__API_TYPE__API_REINDEX, LD__API_TYPE__API_BLOB};

	/* The socket is 0660: a web server's group may read, never sign. */
	assert_int_equal(stat(w->ro + 6, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(ldc_open(w->ro, &ro), 0);
	item.has_kind = item.has_everyone = item.has_payload = true;
	item.kind = 99;
	item.everyone = true;
	item.payload.data = (uint8_t *)"x";
	item.payload.len = 1;
	assert_int_equal(ldc_append(ro, items, 1, NULL, &msg), LD_EREADONLY);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "read-only API"));
	free(msg);
	msg = NULL;
	assert_int_equal(ldc_check(ro, items, 1, &msg), LD_EREADONLY);
	free(msg);
	for (size_t i = 0; i < 2; i++) {
		q.has_type = true;
		q.type = refused[i];
		q.feed = "province";
		q.has_seq = true;
		q.seq = 1;
		assert_int_equal(ldc_call(ro, &q, 5000, &resp), 0);
		assert_false(resp->ok);
		assert_int_equal(resp->err, LD_EREADONLY);
		assert_non_null(strstr(resp->message, "read-only API"));
		ld__api_response__free_unpacked(resp, NULL);
	}
	/* Nothing was signed or written. */
	assert_int_equal(cl_head(w->cw.p, "province"), head);
	assert_int_equal(cl_signed(w->cw.p), signed_);
	/* Reads are answered. */
	q = (Ld__ApiRequest)LD__API_REQUEST__INIT;
	q.has_type = true;
	q.type = LD__API_TYPE__API_VIEW;
	assert_int_equal(ldc_call(ro, &q, 10000, &resp), 0);
	assert_true(resp->ok);
	assert_non_null(resp->view);
	assert_int_equal(resp->view->n_answer_buckets_ms, 33);
	assert_int_equal(resp->view->answer_buckets_ms[0], 1000);
	ld__api_response__free_unpacked(resp, NULL);
	assert_int_equal(ldc_status(ro, &resp), 0);
	assert_true(resp->ok);
	assert_string_equal(resp->status->node_id, "province");
	ld__api_response__free_unpacked(resp, NULL);
	ldc_destroy(&ro);
	/* The daemon logged the refusal. */
	assert_true(cl_log_contains(w->cw.p, "read-only API: a append (signing) request was "
					     "refused"));
}

/* ---- the documents ---- */

/* The web's /api/view against `liandong view --json` on the same node: equal
 * but for the moment each was read and the web's additions. */
static void test_view_matches_cli(void **state)
{
	world_t *w = *state;
	json_t *web = NULL, *cli_doc = NULL, *r0;
	bool same = false;

	assert_true(cl_until(peers_up, w, 15000));
	assert_int_equal(cli(w, w->cw.a, "refer", "--to", "county-b", "--title", "污水直排 <b>",
			     "--violation", "water", "--facts", "outfall", "--answer-by", "+2d",
			     NULL),
			 0);
	/* Read both until the node is quiet between them (receipts flow). */
	for (int i = 0; i < 50 && !same; i++) {
		json_decref(web);
		json_decref(cli_doc);
		web = get_json(w, "/api/view");
		assert_int_equal(cli(w, w->cw.p, "view", "--json", NULL), 0);
		cli_doc = cl_json(w->cw.out);
		assert_string_equal(json_string_value(json_object_get(web, "node")), "province");
		assert_true(json_integer_value(json_object_get(web, "as_of_ms")) > 0);
		assert_true(json_is_object(json_object_get(web, "zone")));
		assert_true(json_is_integer(
			json_object_get(json_object_get(web, "zone"), "offset_min")));
		json_object_del(web, "as_of_ms");
		json_object_del(web, "zone");
		json_object_del(web, "now_ms");
		json_object_del(cli_doc, "now_ms");
		same = json_equal(web, cli_doc) && json_array_size(json_object_get(web, "cases"));
		if (!same)
			usleep(100000);
	}
	assert_true(same);
	/* Regions carry the histogram and its bounds, of the same length. */
	r0 = json_array_get(json_object_get(web, "regions"), 0);
	assert_non_null(r0);
	assert_int_equal(json_array_size(json_object_get(r0, "answer_hist")), 33);
	assert_int_equal(json_array_size(json_object_get(r0, "answer_buckets_ms")), 33);
	assert_int_equal(json_array_size(json_object_get(web, "answer_buckets_ms")), 33);
	assert_true(cl_jhas(web, "cases/*/title", "污水直排 <b>"));
	json_decref(web);
	json_decref(cli_doc);

	/* The roster with region names and the tree. */
	web = get_json(w, "/api/roster");
	assert_true(cl_jhas(web, "members/*/id", "county-a"));
	assert_true(cl_jhas(web, "members/*/region_name", "杭州市"));
	assert_true(cl_jhas(web, "regions/*/code", "330100"));
	assert_non_null(cl_jfind(web, "regions", "code", "330100"));
	assert_string_equal(json_string_value(json_object_get(
				    cl_jfind(web, "regions", "code", "330100"), "parent")),
			    "330000");
	assert_true(json_is_null(
		json_object_get(cl_jfind(web, "regions", "code", "330000"), "parent")));
	json_decref(web);
	/* Status is the CLI's document; an unknown case is a 404. */
	web = get_json(w, "/api/status");
	assert_string_equal(json_string_value(json_object_get(web, "node")), "province");
	assert_true(json_is_object(json_object_get(web, "counters")));
	json_decref(web);
	{
		static char buf[4096];

		assert_int_equal(http_get(w->port, "/api/case/county-a/nope", buf, sizeof(buf)),
				 404);
		assert_int_equal(http_get(w->port, "/api/case/not%20an%20id", buf, sizeof(buf)),
				 400);
		assert_int_equal(http_get(w->port, "/nowhere", buf, sizeof(buf)), 404);
		assert_int_equal(http_get(w->port, "/", buf, sizeof(buf)), 200);
	}
}

/* ---- live ---- */

struct case_q {
	world_t *w;
	const char *id;
};

static void test_sse_change_after_refer(void **state)
{
	world_t *w = *state;
	char data[512], id[128];
	sse_t s;
	double t0, dt;
	bool seen = false;
	json_t *o;

	assert_true(cl_until(peers_up, w, 15000));
	sse_open(&s, w->port);
	assert_true(sse_next(&s, "daemon", data, sizeof(data), 5000));
	assert_non_null(strstr(data, "\"up\":true"));
	assert_true(sse_next(&s, "change", data, sizeof(data), 5000));
	/* Quiet first: nothing in flight from earlier tests. */
	while (sse_next(&s, "change", data, sizeof(data), 1500))
		;
	assert_int_equal(cli(w, w->cw.a, "refer", "--to", "county-b", "--title", "live",
			     "--violation", "air", "--facts", "smoke", "--json", NULL),
			 0);
	t0 = tu_now();
	o = cl_json(w->cw.out);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "case")));
	json_decref(o);
	assert_true(id[0]);
	/* Within 1 s of refer returning: a change, after which the province's
	 * view holds the new case. */
	while (!seen && (dt = tu_now() - t0) < 1.0) {
		if (!sse_next(&s, "change", data, sizeof(data), (int)((1.0 - dt) * 1000) + 1))
			break;
		o = get_json(w, "/api/view");
		seen = cl_jhas(o, "cases/*/case", id);
		json_decref(o);
	}
	dt = tu_now() - t0;
	fprintf(stderr, "test_web: change on the province's /events %.0f ms after refer\n",
		dt * 1000);
	assert_true(seen);
	assert_true(dt < 1.0);
	/* The case's document on the web is the CLI's. */
	{
		char path[256];
		json_t *cli_doc;

		bool same = false;

		/* Receipts may still arrive: read both until they agree. */
		snprintf(path, sizeof(path), "/api/case/%s", id);
		for (int k = 0; k < 50 && !same; k++) {
			o = get_json(w, path);
			assert_int_equal(cli(w, w->cw.p, "show", id, "--json", NULL), 0);
			cli_doc = cl_json(w->cw.out);
			same = json_equal(o, cli_doc);
			if (!same)
				usleep(100000);
			json_decref(o);
			json_decref(cli_doc);
		}
		assert_true(same);
	}
	sse_close(&s);
}

/* ---- /metrics ---- */

/* The value of metric line 'name' (with its labels, e.g.
 * liandong_peer_up{peer="county-a"}), or -1. */
static long long metric(const char *text, const char *name)
{
	char want[256];
	const char *at;

	snprintf(want, sizeof(want), "\n%s ", name);
	at = strstr(text, want);
	return at ? atoll(at + strlen(want)) : -1;
}

static void test_metrics_match_status(void **state)
{
	world_t *w = *state;
	static char m1[1 << 18], m2[1 << 18];
	json_t *st = NULL, *x;
	size_t i;
	bool stable = false;

	assert_true(cl_until(peers_up, w, 15000));
	/* Metrics, status, metrics: equal metrics mean status was read in a
	 * quiet moment between them. */
	for (int k = 0; k < 50 && !stable; k++) {
		json_decref(st);
		assert_int_equal(http_get(w->port, "/metrics", m1, sizeof(m1)), 200);
		assert_true(cli(w, w->cw.p, "status", "--json", NULL) == 0);
		st = cl_json(w->cw.out);
		assert_int_equal(http_get(w->port, "/metrics", m2, sizeof(m2)), 200);
		stable = !strcmp(m1, m2);
		if (!stable)
			usleep(200000);
	}
	assert_true(stable);
	assert_int_equal(metric(m1, "liandong_up"), 1);
	json_array_foreach(json_object_get(st, "peers"), i, x)
	{
		char name[128];

		snprintf(name, sizeof(name), "liandong_peer_up{peer=\"%s\"}",
			 json_string_value(json_object_get(x, "node")));
		assert_int_equal(metric(m1, name), json_is_true(json_object_get(x, "up")));
		snprintf(name, sizeof(name), "liandong_peer_entries_received_total{peer=\"%s\"}",
			 json_string_value(json_object_get(x, "node")));
		assert_int_equal(metric(m1, name),
				 json_integer_value(json_object_get(x, "entries_in")));
	}
	assert_true(json_array_size(json_object_get(st, "peers")) >= 3);
	json_array_foreach(json_object_get(st, "feeds"), i, x)
	{
		char name[128];

		snprintf(name, sizeof(name), "liandong_feed_head_seq{feed=\"%s\"}",
			 json_string_value(json_object_get(x, "feed")));
		assert_int_equal(metric(m1, name), json_integer_value(json_object_get(x, "seq")));
	}
	x = json_object_get(st, "counters");
	assert_int_equal(metric(m1, "liandong_entries_ingested_total"),
			 json_integer_value(json_object_get(x, "entries_ingested")));
	assert_true(metric(m1, "liandong_entries_ingested_total") > 0);
	assert_int_equal(metric(m1, "liandong_entries_signed_total"),
			 json_integer_value(json_object_get(x, "entries_signed")));
	assert_int_equal(metric(m1, "liandong_escalations_total"),
			 json_integer_value(json_object_get(x, "escalations")));
	assert_int_equal(metric(m1, "liandong_store_bytes"),
			 json_integer_value(json_object_get(x, "store_bytes")));
	assert_true(metric(m1, "liandong_store_bytes") > 0);
	assert_int_equal(metric(m1, "liandong_equivocations"),
			 (long long)json_array_size(json_object_get(st, "alerts")));
	assert_int_equal(metric(m1, "liandong_process_start_time_seconds"),
			 json_integer_value(json_object_get(st, "started_ms")) / 1000);
	/* Cases by state against the view. */
	assert_int_equal(cli(w, w->cw.p, "view", "--json", NULL), 0);
	json_decref(st);
	st = cl_json(w->cw.out);
	assert_int_equal(metric(m1, "liandong_cases{state=\"all\"}"),
			 json_integer_value(json_object_get(st, "cases_total")));
	assert_int_equal(metric(m1, "liandong_cases{state=\"awaiting\"}"),
			 json_integer_value(json_object_get(st, "cases_awaiting")));
	assert_true(metric(m1, "liandong_cases{state=\"all\"}") >= 2);
	assert_non_null(strstr(m1, "# TYPE liandong_entries_ingested_total counter\n"));
	json_decref(st);
}

/* ---- security ---- */

static void test_nonloopback_refused(void **state)
{
	world_t *w = *state;
	char log[800], listen[64];
	pid_t pid;
	int st;

	snprintf(log, sizeof(log), "%s/web-refused.log", w->cw.p->dir);
	snprintf(listen, sizeof(listen), "0.0.0.0:%d", free_port());
	pid = web_spawn(w->web, w->cw.p->conf, listen, log);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
	assert_true(file_has(log, "refusing to listen on 0.0.0.0"));
	assert_true(file_has(log, "lacks [web] tls_cert tls_key accounts"));
}

static void test_tls_accounts(void **state)
{
	world_t *w = *state;
	const char *dir = w->cw.p->dir;
	char conf[800], key[800], crt[800], acc[800], log[800], subj[900], listen[64], url[128];
	char out[8192], err[4096], line[512], openssl[512], curl[512];
	pid_t pid;
	FILE *f;
	int port = free_port();

	assert_non_null(which("openssl", openssl, sizeof(openssl)));
	assert_non_null(which("curl", curl, sizeof(curl)));
	snprintf(key, sizeof(key), "%s/web.key", dir);
	snprintf(crt, sizeof(crt), "%s/web.crt", dir);
	snprintf(acc, sizeof(acc), "%s/web.accounts", dir);
	snprintf(conf, sizeof(conf), "%s/web-tls.conf", dir);
	snprintf(log, sizeof(log), "%s/web-tls.log", dir);
	snprintf(subj, sizeof(subj), "/CN=127.0.0.1");
	{
		const char *argv[] = {openssl,
				      "req",
				      "-x509",
				      "-newkey",
				      "ec",
				      "-pkeyopt",
				      "ec_paramgen_curve:prime256v1",
				      "-nodes",
				      "-days",
				      "1",
				      "-subj",
				      subj,
				      "-keyout",
				      key,
				      "-out",
				      crt,
				      NULL};

		assert_int_equal(cl_run(argv, 30000, out, sizeof(out), err, sizeof(err)), 0);
	}
	/* The accounts line from `liandong-web passwd`, the password on stdin. */
	{
		char cmd[1200];
		FILE *p;

		snprintf(cmd, sizeof(cmd), "printf 'correct horse\\n' | '%s' passwd viewer1",
			 w->web);
		p = popen(cmd, "r");
		assert_non_null(p);
		assert_non_null(fgets(line, sizeof(line), p));
		assert_int_equal(pclose(p), 0);
		assert_true(!strncmp(line, "viewer1:viewer:scrypt$", 22));
		f = fopen(acc, "w");
		assert_non_null(f);
		fputs(line, f);
		fclose(f);
	}
	/* The node's configuration with TLS and accounts. */
	{
		char buf[8192];
		size_t n;

		f = fopen(w->cw.p->conf, "r");
		assert_non_null(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		f = fopen(conf, "w");
		assert_non_null(f);
		fprintf(f,
			"%s\n[web]\ntls_cert = web.crt\ntls_key = web.key\naccounts = "
			"web.accounts\n",
			buf);
		fclose(f);
	}
	snprintf(listen, sizeof(listen), "0.0.0.0:%d", port);
	pid = web_spawn(w->web, conf, listen, log);
	assert_true(pid > 0);
	/* Up when a request with credentials gets 200. */
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/api/view", port);
	{
		const char *good[] = {curl, "-sk",
				      "-o", "/dev/null",
				      "-w", "%{http_code}",
				      "-u", "viewer1:correct horse",
				      url,  NULL};
		const char *none[] = {curl, "-sk",	    "-o", "/dev/null",
				      "-w", "%{http_code}", url,  NULL};
		const char *bad[] = {curl, "-sk",
				     "-o", "/dev/null",
				     "-w", "%{http_code}",
				     "-u", "viewer1:wrong horse",
				     url,  NULL};
		const char *plain[] = {curl, "-s",	     "-o",    "/dev/null",
				       "-w", "%{http_code}", url + 0, NULL};
		char plain_url[128];
		double t0 = tu_now();

		out[0] = '\0';
		while (strcmp(out, "200") && tu_now() - t0 < 15) {
			cl_run(good, 10000, out, sizeof(out), err, sizeof(err));
			if (strcmp(out, "200"))
				usleep(100000);
		}
		assert_string_equal(out, "200");
		cl_run(none, 10000, out, sizeof(out), err, sizeof(err));
		assert_string_equal(out, "401");
		cl_run(bad, 10000, out, sizeof(out), err, sizeof(err));
		assert_string_equal(out, "401");
		/* Plain HTTP on the TLS port gets nothing. */
		snprintf(plain_url, sizeof(plain_url), "http://127.0.0.1:%d/api/view", port);
		plain[6] = plain_url;
		cl_run(plain, 10000, out, sizeof(out), err, sizeof(err));
		assert_string_not_equal(out, "200");
	}
	web_stop(&pid);
	assert_true(file_has(log, "login accepted: user 'viewer1' from 127.0.0.1"));
	assert_true(file_has(log, "login refused (wrong password): user 'viewer1' from 127.0.0.1"));
	assert_true(file_has(log, "login refused: user '' from 127.0.0.1: no credentials"));
}

/* ---- the daemon going away ---- */

static void test_daemon_down_up(void **state)
{
	world_t *w = *state;
	char data[512], buf[512];
	struct up_q q = {.port = w->port};
	sse_t s;

	sse_open(&s, w->port);
	assert_true(sse_next(&s, "daemon", data, sizeof(data), 5000));
	assert_non_null(strstr(data, "\"up\":true"));
	assert_int_equal(cl_stop(w->cw.c, w->cw.p), 0);
	assert_true(sse_next(&s, "daemon", data, sizeof(data), 3000));
	assert_non_null(strstr(data, "\"up\":false"));
	assert_non_null(strstr(data, "\"since_ms\":"));
	assert_int_equal(http_get(w->port, "/healthz", buf, sizeof(buf)), 503);
	assert_non_null(strstr(buf, "daemon not answering"));
	assert_int_equal(http_get(w->port, "/api/view", buf, sizeof(buf)), 503);
	assert_int_equal(cl_start(w->cw.c, w->cw.p), 0);
	assert_true(sse_next(&s, "daemon", data, sizeof(data), 5000));
	assert_non_null(strstr(data, "\"up\":true"));
	q.want = 200;
	assert_true(cl_until(healthz_is, &q, 3000));
	sse_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ro_api),
		cmocka_unit_test(test_view_matches_cli),
		cmocka_unit_test(test_sse_change_after_refer),
		cmocka_unit_test(test_metrics_match_status),
		cmocka_unit_test(test_nonloopback_refused),
		cmocka_unit_test(test_tls_accounts),
		cmocka_unit_test(test_daemon_down_up),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

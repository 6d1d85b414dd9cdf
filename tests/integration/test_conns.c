/* tests/integration/test_conns.c: what the network cannot do to a node.
 * A flood of TCP connections that never speak (FLOOD_CONNS of them, from
 * one address and from many), a member opening 400 connections with its
 * real CURVE key, and a flood of refused handshakes: the province stays up,
 * its local API answers, a member's entry still reaches it within seconds,
 * a restarted member links within seconds, and its log stays short.
 *
 * The daemons start with the descriptor limit of the issue (soft 1024) and
 * raise it themselves; the test raises its own to open the flood. Built a
 * second time with FLOOD_CONNS=10000 as the program `flood_conns` (run on
 * demand: `meson test -C build --benchmark conns-10k`). Each figure is
 * printed as "figure: ..." (docs/RELIABILITY.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <zmq.h>

#include "cluster.h"
#include "testutil.h"
#include "wire.pb-c.h"

#ifndef FLOOD_CONNS
#define FLOOD_CONNS 1100
#endif
#define HOG_CONNS 400
#define REFERRAL 100 /* a kind this version does not interpret */

typedef struct world {
	cluster_t *c;
	tn_t *p, *a, *b, *hog;
	int *fds;
	size_t n_fds;
	void *ctx;
	void *hog_s[HOG_CONNS];
} world_t;

static void set_soft_limit(rlim_t soft)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = soft < rl.rlim_max ? soft : rl.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* 'hard': the province's hard descriptor limit too is 1024, so it cannot
 * raise it (run under prlimit(1) by a wrapper script). */
static int setup_limit(void **state, bool hard)
{
	world_t *w = calloc(1, sizeof(*w));
	const char *to_p[] = {"province"}, *daemon;
	char wrapper[700];

	/* The daemons inherit the usual soft limit of 1024. */
	set_soft_limit(1024);
	w->c = cl_new("conns");
	w->p = cl_node(w->c, "province", true, NULL, NULL, 0);
	w->a = cl_node(w->c, "county-a", false, "province", to_p, 1);
	w->b = cl_node(w->c, "county-b", false, "province", to_p, 1);
	/* A roster member whose keys the test holds. */
	w->hog = cl_node(w->c, "county-h", false, "province", to_p, 1);
	daemon = w->c->daemon;
	if (hard) {
		FILE *f;

		snprintf(wrapper, sizeof(wrapper), "%s/liandongd-1024", w->p->dir);
		f = fopen(wrapper, "w");
		assert_non_null(f);
		fprintf(f, "#!/bin/sh\nexec prlimit --nofile=1024:1024 -- '%s' \"$@\"\n", daemon);
		fclose(f);
		assert_int_equal(chmod(wrapper, 0700), 0);
		w->c->daemon = wrapper;
	}
	assert_int_equal(cl_start(w->c, w->p), 0);
	w->c->daemon = daemon;
	assert_int_equal(cl_roster_add(w->c, w->p), 0);
	assert_int_equal(cl_roster_add(w->c, w->a), 0);
	assert_int_equal(cl_roster_add(w->c, w->b), 0);
	assert_int_equal(cl_roster_add(w->c, w->hog), 0);
	assert_int_equal(cl_start(w->c, w->a), 0);
	assert_int_equal(cl_start(w->c, w->b), 0);
	assert_int_equal(cl_wait(w->a, "province", 4, 15000), 0);
	assert_int_equal(cl_wait(w->b, "province", 4, 15000), 0);
	/* The flood comes from this process: it needs descriptors. */
	set_soft_limit(FLOOD_CONNS + 2 * HOG_CONNS + 1024);
	w->ctx = zmq_ctx_new();
	zmq_ctx_set(w->ctx, ZMQ_MAX_SOCKETS, HOG_CONNS + 64);
	*state = w;
	return 0;
}

static int setup(void **state)
{
	return setup_limit(state, false);
}

static int setup_hard(void **state)
{
	return setup_limit(state, true);
}

static void close_flood(world_t *w)
{
	for (size_t i = 0; i < w->n_fds; i++)
		close(w->fds[i]);
	free(w->fds);
	w->fds = NULL;
	w->n_fds = 0;
}

static void close_hog(world_t *w)
{
	for (size_t i = 0; i < HOG_CONNS; i++)
		if (w->hog_s[i]) {
			zmq_close(w->hog_s[i]);
			w->hog_s[i] = NULL;
		}
}

static int teardown(void **state)
{
	world_t *w = *state;

	close_flood(w);
	close_hog(w);
	zmq_ctx_term(w->ctx);
	cl_destroy(&w->c);
	free(w);
	return 0;
}

static size_t fd_count(pid_t pid);

static int port_of(const tn_t *n)
{
	return atoi(strrchr(n->endpoint, ':') + 1);
}

/* A connection to n's peer port that never sends a byte, from source
 * address number i of 'count': the first half from 127.0.0.2, the rest
 * from 127.0.1.1-250 (many addresses). Non-blocking: it completes as the
 * node accepts. */
static int flood_one(const tn_t *n, size_t i, size_t count)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port_of(n))};
	struct sockaddr_in from = {.sin_family = AF_INET};
	char ip[32];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	if (i < count / 2)
		snprintf(ip, sizeof(ip), "127.0.0.2");
	else
		snprintf(ip, sizeof(ip), "127.0.1.%zu", 1 + i % 250);
	inet_pton(AF_INET, ip, &from.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0)
		assert_int_equal(errno, EINPROGRESS);
	return fd;
}

static void open_flood(world_t *w, tn_t *n, size_t count)
{
	w->fds = calloc(count, sizeof(*w->fds));
	assert_non_null(w->fds);
	for (size_t i = 0; i < count; i++)
		w->fds[w->n_fds++] = flood_one(n, i, count);
}

/* Keep the flood at its size for 'ms': every 50 ms, each connection the
 * node closed is opened again, as an attacker would. Samples n's
 * descriptors meanwhile (the most into *peak); returns the reopenings. */
static size_t sustain_flood(world_t *w, tn_t *n, int ms, size_t *peak)
{
	double end = tu_now() + ms / 1000.0;
	size_t again = 0;
	struct pollfd *p = calloc(w->n_fds, sizeof(*p));

	assert_non_null(p);
	while (tu_now() < end) {
		size_t k = fd_count(n->pid);

		*peak = k > *peak ? k : *peak;
		for (size_t i = 0; i < w->n_fds; i++)
			p[i] = (struct pollfd){.fd = w->fds[i], .events = POLLIN};
		poll(p, w->n_fds, 0);
		for (size_t i = 0; i < w->n_fds; i++) {
			char b;

			if (!(p[i].revents & (POLLHUP | POLLERR | POLLIN)) ||
			    recv(w->fds[i], &b, 1, MSG_DONTWAIT) > 0)
				continue;
			close(w->fds[i]);
			w->fds[i] = flood_one(n, i, w->n_fds);
			again++;
		}
		usleep(50 * 1000);
	}
	free(p);
	return again;
}

/* Open descriptors of process 'pid'. */
static size_t fd_count(pid_t pid)
{
	char path[64];
	struct dirent *d;
	size_t k = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	assert_non_null(dir);
	while ((d = readdir(dir)))
		k += d->d_name[0] != '.';
	closedir(dir);
	return k;
}

struct fds_back {
	pid_t pid;
	size_t base;
};

/* Back to what it had before the flood, give or take a few. */
static bool fds_back(void *ud)
{
	const struct fds_back *b = ud;

	return fd_count(b->pid) <= b->base + 8;
}

/* CPU time (user + system) of process 'pid' so far, in clock ticks. */
static long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')');
	assert_non_null(p);
	/* Fields 14 and 15 (utime, stime); p is at the end of field 2. */
	assert_int_equal(
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st), 2);
	return (long)(ut + st);
}

/* "VmHWM" of 'pid' in KiB (peak resident memory). */
static long peak_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kib = atol(line + 6);
	fclose(f);
	return kib;
}

static size_t log_lines(const tn_t *n)
{
	FILE *f = fopen(n->log, "r");
	size_t k = 0;
	int ch;

	assert_non_null(f);
	while ((ch = fgetc(f)) != EOF)
		k += ch == '\n';
	fclose(f);
	return k;
}

static bool province_up(void *ud)
{
	world_t *w = ud;

	return cl_peer_up(w->p, "county-b") && cl_peer_up(w->b, "province");
}

/* county-a appends; the province holds it within 'ms'. Returns the time. */
static double entry_reaches_province(world_t *w, int ms)
{
	ldc_ref_t ref;
	double t0 = tu_now();

	assert_int_equal(cl_append(w->a, REFERRAL, NULL, 0, "during the flood", 16, &ref), 0);
	assert_int_equal(cl_wait(w->p, "county-a", ref.seq, ms), 0);
	return tu_now() - t0;
}

/* county-b stopped and started again: the time until both ends say up. */
static double restart_links(world_t *w, int ms)
{
	double t0;

	assert_int_equal(cl_stop(w->c, w->b), 0);
	assert_int_equal(cl_start(w->c, w->b), 0);
	t0 = tu_now();
	assert_true(cl_until(province_up, w, ms));
	return tu_now() - t0;
}

static void silent_flood(world_t *w, bool hard)
{
	char out[4096];
	double t0 = tu_now(), t_status, t_entry, t_link, t_closed;
	long cpu0, cpu1, hz = sysconf(_SC_CLK_TCK);
	struct fds_back back = {w->p->pid, fd_count(w->p->pid)};
	size_t peak = 0, again;

	assert_true(cl_log_contains(w->p, hard ? "the descriptor limit (1024) is low"
					       : "descriptor limit raised from 1024"));
	open_flood(w, w->p, FLOOD_CONNS);
	fprintf(stderr, "figure: %d silent connections opened in %.2f s\n", FLOOD_CONNS,
		tu_now() - t0);
	/* Held, and reopened as the node closes them, for longer than a
	 * handshake may take: the node's CPU and descriptors meanwhile. */
	cpu0 = cpu_ticks(w->p->pid);
	again = sustain_flood(w, w->p, 15000, &peak);
	cpu1 = cpu_ticks(w->p->pid);
	fprintf(stderr,
		"figure: province CPU during 15 s of the flood: %ld ms; %zu connections opened "
		"again as the node closed them\n",
		(cpu1 - cpu0) * 1000 / hz, again);
	assert_true((cpu1 - cpu0) * 1000 / hz < 7500); /* not a core */
	assert_int_equal(kill(w->p->pid, 0), 0);
	t0 = tu_now();
	assert_int_equal(cl_cli(w->p, out, sizeof(out), "status", NULL), 0);
	t_status = tu_now() - t0;
	t_entry = entry_reaches_province(w, 5000);
	t_link = restart_links(w, 10000);
	fprintf(stderr,
		"figure: during the flood: status in %.3f s, county-a's entry at the province in "
		"%.3f s, restarted county-b linked in %.3f s\n",
		t_status, t_entry, t_link);
	/* Every silent connection the node took is closed by it. (Those the
	 * kernel's accept queue had no room for never reach it: the client
	 * may think them open while the node never knew them.) */
	t0 = tu_now();
	if (!cl_until(fds_back, &back, 15000))
		fail_msg("the province holds %zu descriptors, %zu before the flood",
			 fd_count(w->p->pid), back.base);
	t_closed = tu_now() - t0;
	fprintf(stderr,
		"figure: province descriptors (limit %s): %zu before, at most %zu during the "
		"flood, back %.1f s after the checks; peak RSS %ld KiB\n",
		hard ? "1024, hard" : "raised from 1024", back.base, peak, t_closed,
		peak_kib(w->p->pid));
	/* Under the limit the node started with (1024) when it cannot raise
	 * it; otherwise within its budget of 1024 waiting connections and
	 * what it holds besides. */
	assert_true(peak < (hard ? 1024 : 1024 + 512));
	assert_true(cl_log_contains(w->p, "connections from 127.0.0.2: more than 32 waiting"));
	assert_int_equal(cl_cli(w->p, out, sizeof(out), "status", NULL), 0);
	close_flood(w);
}

static void test_silent_flood(void **state)
{
	silent_flood(*state, false);
}

/* The limit of the issue, which the node cannot raise: 1024. */
static void test_silent_flood_low_limit(void **state)
{
	silent_flood(*state, true);
}

static void send_hello(void *s, const char *id)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Hello h = LD__HELLO__INIT;
	uint8_t buf[256];
	size_t len;

	h.node_id = (char *)id;
	h.has_reply = true;
	h.reply = true;
	f.body_case = LD__FRAME__BODY_HELLO;
	f.hello = &h;
	len = ld__frame__pack(&f, buf);
	zmq_send(s, buf, len, ZMQ_DONTWAIT);
}

static void *dial(world_t *w, const char *pub, const char *sec)
{
	void *s = zmq_socket(w->ctx, ZMQ_DEALER);
	int zero = 0;

	assert_non_null(s);
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, w->p->curve_pub, 40);
	zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40);
	zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40);
	assert_int_equal(zmq_connect(s, w->p->endpoint), 0);
	return s;
}

static size_t hog_links(world_t *w)
{
	Ld__ApiResponse *resp;
	size_t k = 0;

	assert_int_equal(ldc_status(w->p->c, &resp), 0);
	for (size_t i = 0; resp->status && i < resp->status->n_peers; i++)
		k += !strcmp(resp->status->peers[i]->node_id, "county-h");
	ld__api_response__free_unpacked(resp, NULL);
	return k;
}

static bool hog_refused(void *ud)
{
	return cl_log_contains(ud, "member county-h already has 4 connections open") ||
	       cl_log_contains(ud, "member county-h has 4 connections open");
}

static void test_member_hog(void **state)
{
	world_t *w = *state;
	double t_entry, t_link;

	/* 400 connections with county-h's real key, each saying Hello, and
	 * pinging as libzmq does. */
	for (size_t i = 0; i < HOG_CONNS; i++) {
		w->hog_s[i] = dial(w, w->hog->curve_pub, w->hog->curve_sec);
		send_hello(w->hog_s[i], "county-h");
	}
	assert_true(cl_until(hog_refused, w->p, 10000));
	t_entry = entry_reaches_province(w, 5000);
	t_link = restart_links(w, 10000);
	fprintf(stderr,
		"figure: county-h with %d connections: county-a's entry at the province in %.3f "
		"s, restarted county-b linked in %.3f s; county-h holds %zu links\n",
		HOG_CONNS, t_entry, t_link, hog_links(w));
	assert_true(hog_links(w) <= 4);
	assert_int_equal(kill(w->p->pid, 0), 0);
	close_hog(w);
}

static void test_refused_handshakes_log(void **state)
{
	world_t *w = *state;
	size_t before = log_lines(w->p), after, refused = 0;
	char pub[41], sec[41];
	double t0 = tu_now();

	/* 4 waves of 100 handshakes with keys the roster does not list. */
	for (int wave = 0; wave < 4; wave++) {
		void *s[100];

		for (int i = 0; i < 100; i++) {
			assert_int_equal(zmq_curve_keypair(pub, sec), 0);
			s[i] = dial(w, pub, sec);
			send_hello(s[i], "county-z");
		}
		usleep(500 * 1000);
		for (int i = 0; i < 100; i++)
			zmq_close(s[i]);
		refused += 100;
	}
	after = log_lines(w->p);
	fprintf(stderr, "figure: %zu refused handshakes in %.1f s wrote %zu log lines\n", refused,
		tu_now() - t0, after - before);
	assert_true(cl_log_contains(w->p, "is not a current roster member"));
	assert_true(after - before < 60);
	assert_int_equal(kill(w->p->pid, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_silent_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_flood_low_limit, setup_hard, teardown),
		cmocka_unit_test_setup_teardown(test_member_hog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_handshakes_log, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

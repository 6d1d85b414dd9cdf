/* tests/integration/test_clock.c: a wall-clock step neither fires nor
 * freezes the daemon's link timers, and a wrong clock signs nothing that
 * every node would refuse or order out of place.
 *
 * County-a's liandongd runs under libfaketime (Debian's faketime package)
 * with its wall clock read from a file the test rewrites: the clock jumps
 * two hours ahead, then four hours back, as an NTP step or an operator
 * setting the date would make it; CLOCK_MONOTONIC is left alone
 * (DONT_FAKE_MONOTONIC=1). Timers on the wall clock would, after the jump
 * ahead, find the province silent for two hours and cut the link; after
 * the jump back, they would wait four hours before noticing a province
 * that really went silent. On the monotonic clock neither happens. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "cluster.h"
#include "common/base/errors.h"
#include "testutil.h"

#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"

typedef struct world {
	cluster_t *c;
	tn_t *p, *a, *b; /* county-a runs on the fake clock */
	char clock_file[600];
	char out[65536];
} world_t;

#define cli(w, node, ...) cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__)

/* County-a's wall clock: 'offset' from the real one ("+2h", "-2h", "+0"). */
static void set_clock(world_t *w, const char *offset)
{
	FILE *f = fopen(w->clock_file, "w");

	assert_non_null(f);
	fprintf(f, "%s\n", offset);
	fclose(f);
}

struct up_q {
	tn_t *n;
	const char *peer;
	bool want;
};

static bool peer_is(void *ud)
{
	struct up_q *q = ud;

	return cl_peer_up(q->n, q->peer) == q->want;
}

/* Start county-a's daemon on the fake clock: only its daemon gets it (the
 * environment is inherited through fork and exec, then taken back).
 * AddressSanitizer builds accept a preloaded library before their
 * runtime. */
static void start_faked(world_t *w)
{
	const char *asan = getenv("ASAN_OPTIONS");
	char asan_opts[512];

	snprintf(asan_opts, sizeof(asan_opts), "%s%sverify_asan_link_order=0", asan ? asan : "",
		 asan ? ":" : "");
	setenv("LD_PRELOAD", FAKETIME_LIB, 1);
	setenv("FAKETIME_TIMESTAMP_FILE", w->clock_file, 1);
	setenv("FAKETIME_NO_CACHE", "1", 1);
	setenv("DONT_FAKE_MONOTONIC", "1", 1);
	setenv("ASAN_OPTIONS", asan_opts, 1);
	assert_int_equal(cl_start(w->c, w->a), 0);
	unsetenv("LD_PRELOAD");
	unsetenv("FAKETIME_TIMESTAMP_FILE");
	unsetenv("FAKETIME_NO_CACHE");
	unsetenv("DONT_FAKE_MONOTONIC");
	if (asan)
		setenv("ASAN_OPTIONS", asan, 1);
	else
		unsetenv("ASAN_OPTIONS");
}

static int setup(void **state)
{
	world_t *w = calloc(1, sizeof(*w));
	const char *to_p[] = {"province"};
	struct up_q q;

	if (access(FAKETIME_LIB, R_OK) != 0)
		fail_msg(
			"%s is missing: install Debian's faketime package (deploy/install-deps.sh)",
			FAKETIME_LIB);
	w->c = cl_new("clock");
	w->p = cl_node(w->c, "province", true, NULL, NULL, 0);
	w->a = cl_node(w->c, "county-a", false, "province", to_p, 1);
	w->b = cl_node(w->c, "county-b", false, "province", to_p, 1);
	snprintf(w->clock_file, sizeof(w->clock_file), "%s/faketime", w->c->base);
	set_clock(w, "+0");
	assert_int_equal(cl_start(w->c, w->p), 0);
	assert_int_equal(cl_roster_add(w->c, w->p), 0);
	assert_int_equal(cl_roster_add(w->c, w->a), 0);
	assert_int_equal(cl_roster_add(w->c, w->b), 0);
	assert_int_equal(cl_start(w->c, w->b), 0);
	start_faked(w);
	q = (struct up_q){w->a, "province", true};
	assert_true(cl_until(peer_is, &q, 20000));
	q = (struct up_q){w->b, "province", true};
	assert_true(cl_until(peer_is, &q, 20000));
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world_t *w = *state;

	/* Never leave the province stopped: cl_destroy stops it by PID. */
	if (w->p->pid)
		kill(w->p->pid, SIGCONT);
	cl_destroy(&w->c);
	free(w);
	return 0;
}

/* One entry of the province's reaches county-a: the loop has turned. */
static void replicate(world_t *w)
{
	ldc_ref_t ref;

	assert_int_equal(cl_append(w->p, 100, NULL, 0, "clock step", 10, &ref), 0);
	assert_int_equal(cl_wait(w->a, "province", ref.seq, 15000), 0);
}

static void test_wall_clock_step(void **state)
{
	world_t *w = *state;
	struct up_q q;

	/* Two hours ahead: the province is not "silent for 7200000 ms". */
	set_clock(w, "+2h");
	replicate(w);
	replicate(w);
	assert_false(cl_log_contains(w->a, "peer province down"));
	assert_true(cl_peer_up(w->a, "province"));

	/* Four hours back, the province stopped just before: its last frame
	 * seems to come from four hours ahead. A province that is silent is
	 * still down within the peer timeout (2 s here), not four hours. */
	assert_int_equal(kill(w->p->pid, SIGSTOP), 0);
	set_clock(w, "-2h");
	q = (struct up_q){w->a, "province", false};
	assert_true(cl_until(peer_is, &q, 10000));
	assert_true(cl_log_contains(w->a, "peer province down: silent for"));
	assert_int_equal(kill(w->p->pid, SIGCONT), 0);
	/* Back (redial and Hello timers run on after the step), and
	 * replicating again, with nothing more cut. */
	q.want = true;
	assert_true(cl_until(peer_is, &q, 20000));
	replicate(w);
	replicate(w);
	assert_true(cl_peer_up(w->a, "province"));
}

/* County-b refers case 'id' to county-a; county-a holds the referral. */
static void refer(world_t *w, const char *id)
{
	assert_int_equal(cli(w, w->b, "refer", "--to", "county-a", "--case", id, "--title",
			     "Fly-ash dumped on the river bank", "--violation", "solid-waste",
			     "--facts", "About 40 t at km 12", NULL),
			 0);
	assert_int_equal(cl_wait(w->a, "county-b", (uint64_t)cl_head(w->b, "county-b"), 15000), 0);
}

/* An answer is never dated before what it answers: a county whose clock is
 * an hour, then 10 s, behind is refused at signing with both times and the
 * referral named, and signs nothing; set right, the same answer is signed
 * and every node holds it accepted. */
static void test_answer_behind(void **state)
{
	world_t *w = *state;
	int64_t signed0 = cl_signed(w->a);

	set_clock(w, "-1h");
	refer(w, "county-b/2026-0301");
	assert_int_equal(cli(w, w->a, "respond", "county-b/2026-0301", "accept", NULL), 6);
	assert_non_null(strstr(w->a->err, "this node's clock reads"));
	assert_non_null(strstr(w->a->err, "before the referral county-b:"));
	assert_non_null(strstr(w->a->err, "of case county-b/2026-0301, dated"));
	assert_non_null(strstr(w->a->err, "check this node's clock"));
	/* The check-only form gives the same answer. */
	assert_int_equal(cli(w, w->a, "respond", "county-b/2026-0301", "accept", "--check", NULL),
			 6);
	assert_int_equal(cl_signed(w->a), signed0);

	set_clock(w, "-10");
	refer(w, "county-b/2026-0302");
	assert_int_equal(cli(w, w->a, "respond", "county-b/2026-0302", "accept", NULL), 6);
	assert_non_null(strstr(w->a->err, "before the referral county-b:"));
	assert_non_null(strstr(w->a->err, "of case county-b/2026-0302"));
	assert_int_equal(cl_signed(w->a), signed0);

	/* The clock set right: the answer is signed, and no node refuses it. */
	set_clock(w, "+0");
	assert_int_equal(cli(w, w->a, "respond", "county-b/2026-0302", "accept", NULL), 0);
	assert_int_equal(cl_signed(w->a), signed0 + 1);
	assert_int_equal(cl_wait(w->b, "county-a", (uint64_t)cl_head(w->a, "county-a"), 15000), 0);
	assert_int_equal(cli(w, w->b, "show", "county-b/2026-0302", "--json", NULL), 0);
	assert_true(cl_out_has(w->out, "timeline/*/kind", "referral-response"));
	assert_false(cl_out_has(w->out, "timeline/*/refused", "true"));
}

/* An author's times never run backwards: a county a day ahead signs; its
 * clock set right again, it refuses to sign anything dated before that
 * entry, saying both times, and signs again once its clock passes it. */
static void test_feed_never_backwards(void **state)
{
	world_t *w = *state;
	ldc_ref_t ref;
	int64_t signed0;

	set_clock(w, "+1d");
	assert_int_equal(
		cli(w, w->a, "append", "--kind", "100", "--everyone", "--text", "ahead", NULL), 0);
	signed0 = cl_signed(w->a);
	set_clock(w, "+0");
	assert_int_equal(
		cli(w, w->a, "append", "--kind", "100", "--everyone", "--text", "now", NULL), 6);
	assert_non_null(strstr(w->a->err, "this node's clock reads"));
	assert_non_null(strstr(w->a->err, "before the last entry of its own feed (county-a:"));
	assert_non_null(strstr(w->a->err, "check the clock"));
	assert_int_equal(cl_append(w->a, 100, NULL, 0, "api", 3, &ref), LD_ECLOCK);
	assert_int_equal(cl_signed(w->a), signed0);
	/* Equal or later is fine. */
	set_clock(w, "+2d");
	assert_int_equal(cl_append(w->a, 100, NULL, 0, "api", 3, &ref), 0);
	assert_int_equal(cl_signed(w->a), signed0 + 1);
}

/* Is there a "clock" alert naming 'peer' in n's status? */
static bool clock_alert(world_t *w, tn_t *n, const char *peer)
{
	json_t *st, *x;
	bool found;

	cl_cli(n, w->out, sizeof(w->out), "status", "--json", NULL);
	st = cl_json(w->out);
	x = cl_jfind(st, "alerts", "kind", "clock");
	found = x && cl_jhas(x, "feed", peer);
	json_decref(st);
	return found;
}

struct alert_q {
	world_t *w;
	tn_t *n;
	const char *peer;
	bool want;
};

static bool alert_is(void *ud)
{
	struct alert_q *q = ud;

	return clock_alert(q->w, q->n, q->peer) == q->want;
}

/* Peers compare clocks: county-a an hour ahead is an alert at the
 * province (and the province one at county-a), logged once; set right,
 * the alert is gone at the next Hello. */
static void test_skew_alert(void **state)
{
	world_t *w = *state;
	struct up_q q = {w->a, "province", true};
	struct alert_q aq = {w, w->p, "county-a", false};

	assert_false(clock_alert(w, w->p, "county-a"));
	assert_false(clock_alert(w, w->a, "province"));
	assert_int_equal(cl_stop(w->c, w->a), 0);
	set_clock(w, "+1h");
	start_faked(w);
	assert_true(cl_until(peer_is, &q, 20000));
	aq.want = true;
	assert_true(cl_until(alert_is, &aq, 10000));
	assert_int_equal(cl_cli(w->p, w->out, sizeof(w->out), "status", NULL), 1);
	assert_non_null(strstr(w->out, "ALERT clock: the clock of peer county-a is"));
	assert_non_null(strstr(w->out, "ahead of this node's"));
	print_message("figure: %s", strstr(w->out, "ALERT clock"));
	assert_true(cl_log_contains(w->p, "clock: peer county-a's clock is"));
	assert_true(clock_alert(w, w->a, "province"));
	assert_true(cl_log_contains(w->a, "behind this node's"));
	/* Set right: no alert once the link is back. */
	assert_int_equal(cl_stop(w->c, w->a), 0);
	set_clock(w, "+0");
	start_faked(w);
	assert_true(cl_until(peer_is, &q, 20000));
	aq.want = false;
	assert_true(cl_until(alert_is, &aq, 10000));
	/* A clock stepped while the link stays up is seen too (a Hello of the
	 * clock every 10 s), and the link still replicates. */
	set_clock(w, "-2h");
	aq.want = true;
	assert_true(cl_until(alert_is, &aq, 25000));
	assert_non_null(strstr(w->out, "behind this node's"));
	assert_true(cl_peer_up(w->a, "province"));
	replicate(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wall_clock_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feed_never_backwards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skew_alert, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/integration/test_kill.c: SIGKILL any node during replication; after
 * restart no entry that a node had acknowledged is lost and every feed
 * converges.
 *
 * Topology as in test_replication.c: the province (root) and counties A, B,
 * C, each dialling the province. Three scenarios, each on a fresh cluster:
 * kill the relay (the province), kill the receiver (B, while catching up),
 * kill the writer (A, right after its appends returned).
 *
 * An acknowledgement is what a node's API reported as durably stored: an
 * append that returned (for the writer), or a head in the status (for a
 * receiver or the relay; the daemon only reports committed heads). After a
 * kill, the victim's store is opened offline, before the daemon restarts and
 * could re-fetch what it lost from a peer, and must still hold every
 * acknowledged entry, with the same id.
 *
 * Random choices come from a seeded PRNG; the seed is printed, and
 * LD_SEED=<n> replays a run (LD_TEST_FILTER=test_kill_relay runs one test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "common/store/store.h"
#include "common/views/views.h"
#include "testutil.h"

/* A kind this version does not interpret: signed, stored and passed on as
 * is, so any bytes make a payload. */
#define REFERRAL 100
#define GROUP_MAX 100
#define PAYLOAD_MAX 2048
#define TOTAL_MAX 20000 /* entries A appends in one scenario, at most */

static const char *const FEEDS[] = {"county-a", "county-b", "province"};
#define N_FEEDS (sizeof(FEEDS) / sizeof(FEEDS[0]))

static uint64_t base_seed;

typedef struct world {
	cluster_t *c;
	tn_t *p, *a, *b, *x; /* province (root), counties a, b, c */
	uint64_t rng;
	uint64_t appended; /* entries A appended (and had acknowledged) */
	uint64_t last_seq; /* seq and id of the last acknowledged append */
	uint8_t last_id[32];
} world_t;

/* splitmix64: small, seedable, good enough to pick kill points. */
static uint64_t rnd(world_t *w)
{
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Each test's own stream, from the run's seed and the test's name, so that
 * LD_SEED replays a test also when it runs alone (LD_TEST_FILTER). */
static void seed_test(world_t *w, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	w->rng = base_seed ^ h;
	printf("# %s: LD_SEED=%llu\n", name, (unsigned long long)base_seed);
}

/* Uniform in [lo, hi]. */
static uint64_t rnd_in(world_t *w, uint64_t lo, uint64_t hi)
{
	return lo + rnd(w) % (hi - lo + 1);
}

/* County A, B and C each dial only the province: A - P - B, P - C. */
static int setup(void **state)
{
	world_t *w = calloc(1, sizeof(*w));
	const char *counties[] = {"county-a", "county-b", "county-c"};
	tn_t *n[4];

	w->c = cl_new("kill");
	assert_int_equal(cl_star(w->c, counties, 3, n), 0);
	w->p = n[0];
	w->a = n[1];
	w->b = n[2];
	w->x = n[3];
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world_t *w = *state;

	cl_destroy(&w->c);
	free(w);
	return 0;
}

/* A appends n entries addressed to B in one commit. Returns 0 or the error;
 * on success the last one is recorded as acknowledged. */
static int append_for_b(world_t *w, size_t n, size_t len)
{
	static const char *const to_b[] = {"county-b"};
	Ld__AppendItem items[GROUP_MAX];
	const Ld__AppendItem *ptrs[GROUP_MAX];
	ldc_ref_t refs[GROUP_MAX];
	static char payload[GROUP_MAX][PAYLOAD_MAX];
	int r;

	assert_true(n > 0 && n <= GROUP_MAX && len >= 64 && len <= PAYLOAD_MAX);
	for (size_t i = 0; i < n; i++) {
		ld__append_item__init(&items[i]);
		memset(payload[i], 'r', len);
		snprintf(payload[i], 64, "kill-test referral #%llu for county-b",
			 (unsigned long long)(w->appended + i + 1));
		items[i].has_kind = items[i].has_payload = true;
		items[i].kind = REFERRAL;
		items[i].audience = (char **)to_b;
		items[i].n_audience = 1;
		items[i].payload.data = (uint8_t *)payload[i];
		items[i].payload.len = len;
		ptrs[i] = &items[i];
	}
	r = ldc_append(w->a->c, ptrs, n, refs, NULL);
	if (r < 0)
		return r;
	/* A's acknowledgement: n consecutive seqs after the previous one. */
	assert_int_equal(refs[0].seq, w->last_seq + 1);
	assert_int_equal(refs[n - 1].seq, w->last_seq + n);
	assert_string_equal(refs[n - 1].feed, "county-a");
	w->appended += n;
	w->last_seq = refs[n - 1].seq;
	memcpy(w->last_id, refs[n - 1].id, 32);
	return 0;
}

/* --- heads with ids, through the API --- */

typedef struct head {
	int64_t seq; /* -1: the daemon did not answer */
	uint8_t id[32];
} head_t;

static void get_heads(tn_t *n, head_t out[N_FEEDS])
{
	Ld__ApiResponse *resp;

	memset(out, 0, N_FEEDS * sizeof(*out));
	if (!n->c || n->pid <= 0 || ldc_status(n->c, &resp) < 0) {
		for (size_t f = 0; f < N_FEEDS; f++)
			out[f].seq = -1;
		return;
	}
	for (size_t i = 0; resp->status && i < resp->status->n_heads; i++) {
		const Ld__ApiHead *h = resp->status->heads[i];

		for (size_t f = 0; f < N_FEEDS; f++)
			if (h->feed && !strcmp(h->feed, FEEDS[f])) {
				out[f].seq = (int64_t)h->seq;
				if (h->has_id && h->id.len == 32)
					memcpy(out[f].id, h->id.data, 32);
			}
	}
	if (!resp->status)
		for (size_t f = 0; f < N_FEEDS; f++)
			out[f].seq = -1;
	ld__api_response__free_unpacked(resp, NULL);
}

/* A, P, B and C hold the same head (seq and id) of every feed. */
static bool all_agree(void *ud)
{
	world_t *w = ud;
	tn_t *nodes[] = {w->a, w->p, w->b, w->x};
	head_t h0[N_FEEDS], h[N_FEEDS];

	get_heads(nodes[0], h0);
	for (size_t f = 0; f < N_FEEDS; f++)
		if (h0[f].seq < 0)
			return false;
	for (size_t i = 1; i < 4; i++) {
		get_heads(nodes[i], h);
		for (size_t f = 0; f < N_FEEDS; f++)
			if (h[f].seq != h0[f].seq || memcmp(h[f].id, h0[f].id, 32) != 0)
				return false;
	}
	return true;
}

static void print_heads(world_t *w, const char *when)
{
	tn_t *nodes[] = {w->a, w->p, w->b, w->x};

	printf("# heads %s:\n", when);
	for (size_t i = 0; i < 4; i++) {
		head_t h[N_FEEDS];

		get_heads(nodes[i], h);
		printf("#   %-9s", nodes[i]->id);
		for (size_t f = 0; f < N_FEEDS; f++)
			printf("  %s=%lld/%02x%02x", FEEDS[f], (long long)h[f].seq, h[f].id[0],
			       h[f].id[1]);
		printf("\n");
	}
}

/* Everything converges, without any alert, within timeout_ms. */
static void assert_converged(world_t *w, int timeout_ms)
{
	tn_t *nodes[] = {w->a, w->p, w->b, w->x};
	double t0 = tu_now();
	bool ok;

	assert_int_equal(cl_head(w->a, "county-a"), (int64_t)w->last_seq);
	assert_int_equal(cl_wait(w->p, "county-a", w->last_seq, timeout_ms), 0);
	assert_int_equal(cl_wait(w->b, "county-a", w->last_seq, timeout_ms), 0);
	ok = cl_until(all_agree, w, timeout_ms);
	printf("# converged %s in %.2f s after the last restart check\n", ok ? "" : "NOT",
	       tu_now() - t0);
	if (ok && tu_now() - t0 > 10)
		printf("# NOTE: slow convergence; if the daemon logs (LD_KEEP=1 keeps them) "
		       "warn 'pull of ... timed out', a pull sent to the killed relay stayed "
		       "pending until its timeout\n");
	if (!ok)
		print_heads(w, "after the convergence timeout");
	assert_true(ok);
	/* B holds every entry A appended for it, with its payload; receipts came
	 * back (B's feed is not empty). */
	assert_int_equal(cl_head(w->b, "county-a"), (int64_t)w->last_seq);
	assert_true(cl_head(w->b, "county-b") >= 1);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(cl_alerts(nodes[i]), 0);
		if (cl_log_contains(nodes[i], "ALERT"))
			fail_msg("%s logged an ALERT (see %s)", nodes[i]->id, nodes[i]->log);
	}
}

/* --- the victim's store, read offline while its daemon is dead --- */

static ld_store_t *open_offline(world_t *w, tn_t *n)
{
	char dir[700];
	ld_store_t *s = NULL;

	assert_true(n->pid <= 0);
	snprintf(dir, sizeof(dir), "%s/data", n->dir);
	assert_int_equal(ld_views_open(dir, w->c->root->sign_pub, NULL, &s), 0);
	return s;
}

/* The dead node n still holds entry (feed, seq), which it acknowledged with
 * id 'id'. */
static void assert_kept(world_t *w, tn_t *n, const char *feed, uint64_t seq, const uint8_t *id)
{
	ld_store_t *s;
	ld_feed_head_t h = {.seq = 0};
	ld_entry_t *e = NULL;
	int r;

	if (seq == 0)
		return;
	s = open_offline(w, n);
	r = ld_store_head(s, feed, &h);
	if (r < 0 || h.seq < seq)
		fail_msg("%s lost acknowledged entries of %s: head %llu after SIGKILL, %llu was "
			 "acknowledged (r=%d)",
			 n->id, feed, (unsigned long long)h.seq, (unsigned long long)seq, r);
	assert_int_equal(ld_store_get(s, feed, seq, &e, NULL), 0);
	assert_memory_equal(e->id, id, 32);
	ld_entry_destroy(&e);
	ld_store_destroy(&s);
}

/* Stop n and re-authenticate every feed it holds, every signature and
 * payload, with the project's store. */
static void check_store_offline(world_t *w, tn_t *n)
{
	head_t h[N_FEEDS];
	ld_store_t *s;
	double t0 = tu_now();

	get_heads(n, h);
	assert_int_equal(cl_stop(w->c, n), 0);
	s = open_offline(w, n);
	for (size_t f = 0; f < N_FEEDS; f++) {
		ld_feed_head_t fh;
		uint64_t count = 0;

		assert_true(h[f].seq > 0);
		assert_int_equal(ld_store_head(s, FEEDS[f], &fh), 0);
		assert_int_equal(fh.seq, h[f].seq);
		assert_memory_equal(fh.id, h[f].id, 32);
		assert_false(fh.frozen);
		assert_int_equal(ld_store_check_feed(s, FEEDS[f], LD_CHAIN_EACH_SIG, &count), 0);
		assert_int_equal(count, fh.seq);
	}
	ld_store_destroy(&s);
	printf("# %s's store verified offline in %.2f s\n", n->id, tu_now() - t0);
}

/* --- 1. kill the relay --- */

static bool province_down_for_all(void *ud)
{
	world_t *w = ud;

	return !cl_peer_up(w->a, "province") && !cl_peer_up(w->b, "province") &&
	       !cl_peer_up(w->x, "province");
}

/* Kill P with A appending and B following, twice: the first time P stays down
 * until every county saw it down (peer timeout), the second time it comes
 * back at once, before the counties' links notice anything. */
static void test_kill_relay(void **state)
{
	world_t *w = *state;
	const size_t group = 50;
	size_t groups, kill_at[2], down_for[2];
	int kills = 0;
	uint64_t p_ack = 0;
	double t0 = tu_now();

	seed_test(w, "test_kill_relay");
	groups = rnd_in(w, 200, TOTAL_MAX / group);
	kill_at[0] = rnd_in(w, 10, groups / 3);
	down_for[0] = rnd_in(w, 1, 20);
	kill_at[1] = rnd_in(w, kill_at[0] + down_for[0] + 10, 2 * groups / 3);
	down_for[1] = rnd_in(w, 1, 20);
	printf("# %zu groups of %zu; kill P after group %zu (down until noticed, %zu groups "
	       "appended meanwhile), then after group %zu (down for %zu groups)\n",
	       groups, group, kill_at[0], down_for[0], kill_at[1], down_for[1]);
	for (size_t i = 1; i <= groups; i++) {
		assert_int_equal(append_for_b(w, group, 64), 0);
		if (kills < 2 && i == kill_at[kills]) {
			head_t hp[N_FEEDS];

			/* What P acknowledged of A's feed, right before the kill. */
			get_heads(w->p, hp);
			assert_true(hp[0].seq >= 0);
			p_ack = (uint64_t)hp[0].seq;
			printf("# kill P: A at %llu, P acknowledged %llu, B at %lld\n",
			       (unsigned long long)w->last_seq, (unsigned long long)p_ack,
			       (long long)cl_head(w->b, "county-a"));
			cl_kill(w->c, w->p);
			assert_kept(w, w->p, "county-a", p_ack, hp[0].id);
		}
		if (kills < 2 && i == kill_at[kills] + down_for[kills]) {
			/* Long outage: every county notices (peer timeout 2 s). */
			if (kills == 0)
				assert_true(cl_until(province_down_for_all, w, 10000));
			assert_int_equal(cl_start(w->c, w->p), 0);
			assert_true(cl_head(w->p, "county-a") >= (int64_t)p_ack);
			printf("# P restarted: A at %llu, P at %lld\n",
			       (unsigned long long)w->last_seq,
			       (long long)cl_head(w->p, "county-a"));
			kills++;
		}
	}
	assert_int_equal(kills, 2);
	assert_true(w->appended <= TOTAL_MAX);
	printf("# A appended %llu entries in %.2f s\n", (unsigned long long)w->appended,
	       tu_now() - t0);
	assert_converged(w, 40000);
	check_store_offline(w, w->p);
	printf("# test_kill_relay took %.2f s\n", tu_now() - t0);
}

/* --- 2. kill the receiver --- */

/* Kill B five times while it catches up a backlog of A's entries, each time
 * once it has passed a random point of the backlog. */
static void test_kill_receiver(void **state)
{
	world_t *w = *state;
	enum { KILLS = 5 };
	int64_t ack_a = 0, ack_b = 0; /* what B acknowledged before the last kill */
	int mid_catch_up = 0;
	double t0 = tu_now();

	seed_test(w, "test_kill_receiver");
	assert_int_equal(cl_stop(w->c, w->b), 0);
	{
		/* B asks for few entries per pull, so that catching up is many
		 * commits spread over a fraction of a second (the default credit
		 * of 4096 swallows a backlog before cl_start() even returns). */
		unsigned credit = (unsigned)rnd_in(w, 32, 128);
		FILE *f = fopen(w->b->conf, "a");

		assert_non_null(f);
		fprintf(f, "[sync]\ncredit = %u\n", credit);
		fclose(f);
		printf("# B pulls with a credit of %u\n", credit);
	}
	for (int k = 0; k < KILLS; k++) {
		size_t backlog = rnd_in(w, 2000, 3600) / GROUP_MAX * GROUP_MAX;
		head_t hb[N_FEEDS];
		int64_t cur, target;
		uint64_t left;
		double t1;

		/* B is down: A builds up a backlog, which P takes in. */
		for (size_t i = 0; i < backlog / GROUP_MAX; i++)
			assert_int_equal(append_for_b(w, GROUP_MAX, PAYLOAD_MAX), 0);
		assert_int_equal(cl_wait(w->p, "county-a", w->last_seq, 20000), 0);

		assert_int_equal(cl_start(w->c, w->b), 0);
		/* Restarted: still holds what it acknowledged before the kill. */
		cur = cl_head(w->b, "county-a");
		assert_true(cur >= ack_a);
		assert_true(cl_head(w->b, "county-b") >= ack_b);
		/* Kill it at a random point in the first 60% of what is left. */
		left = w->last_seq - (uint64_t)cur;
		target = cur + (int64_t)(left * 3 / 5 ? rnd_in(w, 1, left * 3 / 5) : left);
		t1 = tu_now();
		for (int polls = 0; polls < 20000 && tu_now() - t1 < 20; polls++) {
			int64_t s = cl_head(w->b, "county-a");

			assert_true(s >= 0);
			if (s >= target)
				break;
			usleep(1000);
		}
		/* B's acknowledgement: its durable heads, right before the kill. */
		get_heads(w->b, hb);
		assert_true(hb[0].seq >= target);
		ack_a = hb[0].seq;
		ack_b = hb[1].seq;
		cl_kill(w->c, w->b);
		if (ack_a < (int64_t)w->last_seq)
			mid_catch_up++;
		printf("# kill %d: B restarted at %lld, killed past %lld, had acknowledged %lld of "
		       "%llu (own feed at %lld)\n",
		       k + 1, (long long)cur, (long long)target, (long long)ack_a,
		       (unsigned long long)w->last_seq, (long long)ack_b);
		/* Nothing B acknowledged is lost: checked in its store before it
		 * could fetch anything again. Its own receipts too: losing them
		 * would make B sign other entries with the same seqs. */
		assert_kept(w, w->b, "county-a", (uint64_t)ack_a, hb[0].id);
		assert_kept(w, w->b, "county-b", (uint64_t)ack_b, hb[1].id);
	}
	printf("# %d of %d kills hit B with a backlog left\n", mid_catch_up, KILLS);
	/* The kills must have hit B while it was catching up. */
	assert_true(mid_catch_up >= 1);
	assert_true(w->appended <= TOTAL_MAX);
	assert_int_equal(cl_start(w->c, w->b), 0);
	assert_true(cl_head(w->b, "county-a") >= ack_a);
	assert_true(cl_head(w->b, "county-b") >= ack_b);
	assert_converged(w, 40000);
	check_store_offline(w, w->b);
	printf("# test_kill_receiver took %.2f s\n", tu_now() - t0);
}

/* --- 3. kill the writer --- */

/* Kill A right after its appends returned; after the restart the feed goes
 * on from the last acknowledged entry, with no seq signed twice. */
static void test_kill_writer(void **state)
{
	world_t *w = *state;
	enum { KILLS = 5 };
	double t0 = tu_now();

	seed_test(w, "test_kill_writer");
	for (int k = 0; k < KILLS; k++) {
		size_t groups = rnd_in(w, 1, 40);
		uint64_t acked;
		uint8_t acked_id[32];
		ldc_ref_t ref;

		for (size_t i = 0; i < groups; i++)
			assert_int_equal(append_for_b(w, 50, 64), 0);
		/* Sometimes let P catch up first, so that it holds (and relays)
		 * everything the dead writer acknowledged. */
		if (rnd(w) & 1)
			assert_int_equal(cl_wait(w->p, "county-a", w->last_seq, 20000), 0);
		acked = w->last_seq;
		memcpy(acked_id, w->last_id, 32);
		cl_kill(w->c, w->a);
		printf("# kill %d: A acknowledged %llu, P at %lld, B at %lld\n", k + 1,
		       (unsigned long long)acked, (long long)cl_head(w->p, "county-a"),
		       (long long)cl_head(w->b, "county-a"));
		assert_kept(w, w->a, "county-a", acked, acked_id);

		/* Restarted, A appends at once, as a client waiting for it would.
		 * The sequence continues: the next append gets the next seq, so
		 * A's head after the restart was exactly the last acknowledged
		 * one (nobody addresses A: its feed holds only these appends). */
		assert_int_equal(cl_start(w->c, w->a), 0);
		assert_int_equal(cl_append(w->a, REFERRAL, NULL, 0, "after restart", 13, &ref), 0);
		assert_int_equal(ref.seq, acked + 1);
		assert_int_equal(cl_head(w->a, "county-a"), (int64_t)acked + 1);
		w->appended++;
		w->last_seq = ref.seq;
		memcpy(w->last_id, ref.id, 32);
		/* That entry reaches P without anything else happening, and P
		 * saw no second entry for any seq A signed before the kill. */
		if (cl_wait(w->p, "county-a", ref.seq, 10000) != 0) {
			print_heads(w, "10 s after A's first append since its restart");
			fail_msg("P never got county-a #%llu, appended right after A's restart",
				 (unsigned long long)ref.seq);
		}
		assert_int_equal(cl_alerts(w->p), 0);
	}
	assert_true(w->appended <= TOTAL_MAX);
	assert_converged(w, 40000);
	assert_int_equal(cl_alerts(w->p), 0);
	check_store_offline(w, w->a);
	printf("# test_kill_writer took %.2f s\n", tu_now() - t0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kill_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_receiver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_writer, setup, teardown),
	};
	const char *s = getenv("LD_SEED");

	base_seed = s ? strtoull(s, NULL, 0)
		      : ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ (uint64_t)clock();
	printf("# test_kill: seed %llu (LD_SEED=%llu replays it)\n", (unsigned long long)base_seed,
	       (unsigned long long)base_seed);
	fflush(stdout);
	if (getenv("LD_TEST_FILTER"))
		cmocka_set_test_filter(getenv("LD_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}

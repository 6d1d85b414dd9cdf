/* tests/unit/test_monitor.c: the monitor index on a real store — readings
 * entries found by station and period across hours (the time-major m_rdt),
 * regular series (interval_s) timed like explicit offsets, the latest value
 * and an episode opened once, and the same after a reindex; the live state
 * between checkpoints: restarts (replayed from the feed), writes that roll
 * back (a map too small, the transaction run again) and a reindex all give
 * the index byte for byte as one uninterrupted ingest does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/views/monitor.h"
#include "common/views/views.h"
#include "common/store/txn.h"
#include "monitor.pb-c.h"
#include "roster.pb-c.h"
#include "testutil.h"

#define H 3600000ll
#define T0 (1764547200000ll) /* 2025-12-01T00:00Z */
#define S1 "county-a/S1"
#define S2 "county-a/S2"

typedef struct fx {
	char *dir;
	tu_node_t root, a;
	ld_store_t *s;
} fx_t;

static ld_entry_t *station(tu_node_t *n, const char *id)
{
	Ld__MonitorStation m = LD__MONITOR_STATION__INIT;
	uint8_t buf[512];

	m.station_id = (char *)id;
	m.name = (char *)id;
	m.region_code = "330402";
	m.has_medium = m.has_water_class = true;
	m.medium = LD__MEDIUM__MEDIUM_SURFACE_WATER;
	m.water_class = 3; /* COD limit 20 mg/L (GB 3838-2002 class III) */
	return tu_next(n, LD__KIND__KIND_MONITOR_STATION, buf, ld__monitor_station__pack(&m, buf),
		       NULL, 0);
}

/* A batch of 'k' COD readings of value v from 'start', one a minute: as an
 * interval (regular) or with every offset given. */
static ld_entry_t *batch(tu_node_t *n, const char *id, int64_t start, size_t k, double v,
			 bool regular)
{
	Ld__MonitorReadings m = LD__MONITOR_READINGS__INIT;
	Ld__MonitorReadings__Series se = LD__MONITOR_READINGS__SERIES__INIT, *sp = &se;
	uint32_t off[60];
	double val[60];
	uint8_t buf[2048];

	assert_true(k <= 60);
	for (size_t i = 0; i < k; i++) {
		off[i] = (uint32_t)i * 60;
		val[i] = v;
	}
	m.station_id = (char *)id;
	m.has_start_ms = true;
	m.start_ms = start;
	se.parameter = "COD";
	se.unit = "mg/L";
	se.n_value = k;
	se.value = val;
	if (regular) {
		se.has_interval_s = true;
		se.interval_s = 60;
	} else {
		se.n_offset_s = k;
		se.offset_s = off;
	}
	m.n_series = 1;
	m.series = &sp;
	return tu_next(n, LD__KIND__KIND_MONITOR_READINGS, buf, ld__monitor_readings__pack(&m, buf),
		       NULL, 0);
}

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof(*f));
	tu_node_t *m[1];

	assert_non_null(f);
	f->dir = tu_tmpdir("monitor");
	tu_node_init(&f->root, "province");
	tu_node_init(&f->a, "county-a");
	m[0] = &f->a;
	f->s = tu_store_with_roster(f->dir, &f->root, m, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;

	ld_store_destroy(&f->s);
	tu_rmrf(f->dir);
	free(f->dir);
	tu_node_fini(&f->root);
	tu_node_fini(&f->a);
	free(f);
	return 0;
}

struct got {
	size_t n;
	int64_t start[64];
	uint64_t seq[64];
};

static int got_one(void *ud, uint64_t seq, int64_t start_ms)
{
	struct got *g = ud;

	if (g->n < 64) {
		g->start[g->n] = start_ms;
		g->seq[g->n] = seq;
	}
	g->n++;
	return 0;
}

static struct got period(ld_store_t *s, const char *id, int64_t from, int64_t to)
{
	struct got g = {0};

	assert_int_equal(ld_monitor_foreach_readings(LD_RD(s), id, from, to, got_one, &g), 0);
	return g;
}

/* Batches of two stations over six hours (one every 30 min, the two
 * stations interleaved, one hour empty, one batch before 1970), ingested
 * out of time order: each station's own, oldest first, bounds included. */
static void check_periods(ld_store_t *s, const uint64_t *seq1)
{
	struct got g = period(s, S1, INT64_MIN, INT64_MAX);

	assert_int_equal(g.n, 10);
	assert_int_equal(g.start[0], -H / 2);
	for (size_t i = 1; i < g.n; i++)
		assert_true(g.start[i] > g.start[i - 1]);
	for (size_t i = 0; i < g.n; i++)
		assert_int_equal(g.seq[i], seq1[i]);
	/* [T0 + 1 h, T0 + 2 h]: the batches at 1 h, 1.5 h and 2 h. */
	g = period(s, S1, T0 + H, T0 + 2 * H);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.start[0], T0 + H);
	assert_int_equal(g.start[2], T0 + 2 * H);
	/* One millisecond inside the bounds leaves the ends out. */
	g = period(s, S1, T0 + H + 1, T0 + 2 * H - 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.start[0], T0 + H + H / 2);
	/* Across the empty hour (T0 + 3 h): 2.5 h, then 4 h. */
	g = period(s, S1, T0 + 2 * H + 1, T0 + 4 * H);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.start[1], T0 + 4 * H);
	/* The other station, an unknown one, an empty or reversed period. */
	assert_int_equal(period(s, S2, INT64_MIN, INT64_MAX).n, 5);
	assert_int_equal(period(s, "county-a/S9", INT64_MIN, INT64_MAX).n, 0);
	assert_int_equal(period(s, S1, T0 + 3 * H, T0 + 3 * H + 59 * 60000).n, 0);
	assert_int_equal(period(s, S1, T0 + 2 * H, T0 + H).n, 0);
}

static void test_periods(void **state)
{
	fx_t *f = *state;
	ld_entry_t *e[32];
	uint64_t seq1[10];
	size_t n = 0, k = 0;
	/* S1 at 0, .5, 1, 1.5, 2, 2.5, 4, 4.5 h and (backfilled) 5 h and
	 * -0.5 h before 1970; S2 every hour 0..5 but 3. */
	const double s1[] = {0, 0.5, 1, 1.5, 2, 2.5, 4, 4.5, 5};

	e[n++] = station(&f->a, S1);
	e[n++] = station(&f->a, S2);
	for (size_t i = 0; i < 9; i++) {
		int64_t t = T0 + (int64_t)(s1[i] * H);

		e[n] = batch(&f->a, S1, t, 30, 12, i % 2);
		seq1[k++] = e[n++]->hdr->seq;
		if (s1[i] == (int)s1[i] && s1[i] != 3 && s1[i] != 4)
			e[n++] = batch(&f->a, S2, t, 60, 12, true);
	}
	e[n++] = batch(&f->a, S2, T0 + 4 * H, 60, 12, true);
	e[n] = batch(&f->a, S1, -H / 2, 10, 12, true);
	/* The pre-1970 batch sorts first: seq1 in time order. */
	memmove(seq1 + 1, seq1, 9 * sizeof(seq1[0]));
	seq1[0] = e[n++]->hdr->seq;
	assert_int_equal(tu_ingest(f->s, e, n, LD_CHAIN_BATCH, NULL, NULL), 0);
	check_periods(f->s, seq1);
	assert_int_equal(ld_store_reindex(f->s), 0);
	check_periods(f->s, seq1);
	tu_free_run(e, n);
}

static int count_due(void *ud, const char *station, const char *param, int rule,
		     const ld_mon_state_t *st)
{
	(void)station;
	(void)param;
	(void)st;
	if (rule == 0)
		(*(size_t *)ud)++;
	return 0;
}

/* The latest value is the last valid reading, timed by the interval; a run
 * of COD readings beyond class III (20 mg/L) opens one episode however many
 * batches it spans, and readings back within the limit end it. */
static void test_latest_and_episode(void **state)
{
	fx_t *f = *state;
	ld_entry_t *e[8];
	ld_mon_state_t st;
	size_t n = 0, due = 0;

	e[n++] = station(&f->a, S1);
	e[n++] = batch(&f->a, S1, T0, 60, 12, true);
	assert_int_equal(tu_ingest(f->s, e, n, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(ld_monitor_state(LD_RD(f->s), S1, "COD", &st), 0);
	assert_int_equal(st.t_ms, T0 + 59 * 60000);
	assert_true(st.value > 11.99 && st.value < 12.01);
	assert_string_equal(st.unit, "mg/L");
	assert_false(st.ep[0].in_run);

	e[n++] = batch(&f->a, S1, T0 + H, 60, 31, false);
	e[n++] = batch(&f->a, S1, T0 + 2 * H, 60, 33, true);
	assert_int_equal(tu_ingest(f->s, e + 2, 2, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(ld_monitor_state(LD_RD(f->s), S1, "COD", &st), 0);
	assert_true(st.ep[0].in_run);
	assert_int_equal(st.ep[0].first_ms, T0 + H);
	assert_int_equal(st.ep[0].first_seq, e[2]->hdr->seq);
	assert_true(st.ep[0].first_value > 30.99 && st.ep[0].first_value < 31.01);
	assert_int_equal(ld_monitor_foreach_due(LD_RD(f->s), count_due, &due), 0);
	assert_int_equal(due, 1);

	e[n++] = batch(&f->a, S1, T0 + 3 * H, 60, 12, true);
	assert_int_equal(tu_ingest(f->s, e + 4, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(ld_monitor_state(LD_RD(f->s), S1, "COD", &st), 0);
	assert_false(st.ep[0].in_run);
	assert_int_equal(st.t_ms, T0 + 3 * H + 59 * 60000);
	tu_free_run(e, n);
}

#define N_HOT 60

/* County A's feed: two stations, then N_HOT hourly batches alternating
 * between them, values drifting, S1 beyond its limit in hours 20-24 and
 * a jump in hour 40, S2 published again in hour 30 (stricter limits). */
static size_t hot_feed(fx_t *f, ld_entry_t **e)
{
	size_t n = 0;

	e[n++] = station(&f->a, S1);
	e[n++] = station(&f->a, S2);
	for (int i = 0; i < N_HOT; i++) {
		const char *id = i % 2 ? S2 : S1;
		double v = 10 + (i % 7) * 0.7 + (i >= 20 && i <= 24 && !(i % 2) ? 15 : 0) +
			   (i == 40 ? 9 : 0);

		if (i == 30) {
			Ld__MonitorStation m = LD__MONITOR_STATION__INIT;
			Ld__MonitorLimit l = LD__MONITOR_LIMIT__INIT, *lp = &l;
			uint8_t buf[512];

			m.station_id = S2;
			m.name = S2;
			m.region_code = "330402";
			m.has_medium = m.has_water_class = true;
			m.medium = LD__MEDIUM__MEDIUM_SURFACE_WATER;
			m.water_class = 3;
			l.parameter = "COD";
			l.has_max = true;
			l.max = 12;
			m.n_limits = 1;
			m.limits = &lp;
			e[n++] = tu_next(&f->a, LD__KIND__KIND_MONITOR_STATION, buf,
					 ld__monitor_station__pack(&m, buf), NULL, 0);
		}
		e[n++] = batch(&f->a, id, T0 + i * H, 60, v, i % 3 != 0);
	}
	return n;
}

static void digest_of(ld_store_t *s, uint8_t d[32])
{
	assert_int_equal(ld_store_index_digest(s, d), 0);
}

/* A fresh store in 'dir' holding the roster 'roster' (map of 'map' bytes). */
static ld_store_t *hot_store(fx_t *f, const char *dir, ld_entry_t **roster, size_t map)
{
	ld_store_opts_t o = {.map_size = map};
	ld_store_t *s;

	assert_int_equal(ld_views_open(dir, f->root.pub, &o, &s), 0);
	assert_int_equal(tu_ingest(s, roster, 2, LD_CHAIN_BATCH, NULL, NULL), 0);
	return s;
}

static void test_hot_state(void **state)
{
	fx_t *f = *state;
	ld_entry_t *e[N_HOT + 8], *roster[2];
	uint8_t want[32], got[32];
	size_t n;
	ld_mon_state_t a, b;
	char *d1 = tu_tmpdir("monitor-a"), *d2 = tu_tmpdir("monitor-b"),
	     *d3 = tu_tmpdir("monitor-c");
	ld_store_t *s1, *s2, *s3;
	uint64_t before;

	f->root.seq = 0;
	roster[0] = tu_roster(&f->root, LD__ROSTER_UPDATE__ACTION__ADD, "province", f->root.pub,
			      NULL, 0);
	roster[1] = tu_roster(&f->root, LD__ROSTER_UPDATE__ACTION__ADD, "county-a", f->a.pub,
			      "province", 0);
	n = hot_feed(f, e);

	/* One uninterrupted ingest. */
	s1 = hot_store(f, d1, roster, 0);
	assert_int_equal(tu_ingest(s1, e, n, LD_CHAIN_BATCH, NULL, NULL), 0);
	digest_of(s1, want);
	assert_int_equal(ld_monitor_state(LD_RD(s1), S1, "COD", &a), 0);
	/* The latest run beyond the limit: hour 40 (22.5 mg/L); the jump's: hour 20. */
	assert_true(a.ep[0].first_ms == T0 + 40 * H && !a.ep[0].in_run);
	assert_true(a.ep[1].first_ms == T0 + 20 * H);
	ld_store_destroy(&s1);

	/* Three entries a call, the store closed and opened again every
	 * other call: each live state is replayed from its checkpoint. */
	s2 = hot_store(f, d2, roster, 0);
	for (size_t i = 0; i < n; i += 3) {
		size_t k = i + 3 > n ? n - i : 3;

		assert_int_equal(tu_ingest(s2, e + i, k, LD_CHAIN_BATCH, NULL, NULL), 0);
		if (i % 6 == 3) {
			ld_store_destroy(&s2);
			assert_int_equal(ld_views_open(d2, f->root.pub, NULL, &s2), 0);
		}
	}
	digest_of(s2, got);
	assert_memory_equal(got, want, 32);
	/* A restart with no entry since: a reader replays on its own. */
	ld_store_destroy(&s2);
	assert_int_equal(ld_views_open(d2, f->root.pub, NULL, &s2), 0);
	assert_int_equal(ld_monitor_state(LD_RD(s2), S1, "COD", &b), 0);
	assert_int_equal(b.t_ms, a.t_ms);
	assert_int_equal(b.seq, a.seq);
	assert_true(b.value == a.value);
	assert_int_equal(b.ep[0].first_ms, a.ep[0].first_ms);
	ld_store_destroy(&s2);

	/* A map too small: transactions fail for want of room and run again
	 * (the live states of a failed run are not believed). */
	s3 = hot_store(f, d3, roster, 1u << 17);
	before = ld_txn_rollbacks();
	for (size_t i = 0; i < n; i += 8) {
		size_t k = i + 8 > n ? n - i : 8;

		assert_int_equal(tu_ingest(s3, e + i, k, LD_CHAIN_BATCH, NULL, NULL), 0);
	}
	assert_true(ld_txn_rollbacks() > before);
	digest_of(s3, got);
	assert_memory_equal(got, want, 32);
	/* And a reindex writes the same again. */
	assert_int_equal(ld_store_reindex(s3), 0);
	digest_of(s3, got);
	assert_memory_equal(got, want, 32);
	ld_store_destroy(&s3);

	tu_rmrf(d1);
	tu_rmrf(d2);
	tu_rmrf(d3);
	free(d1);
	free(d2);
	free(d3);
	tu_free_run(roster, 2);
	tu_free_run(e, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_periods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latest_and_episode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_state, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_views.c: the case index and case judgement: rules that need
 * an authority, reindex byte-identical, and independence of arrival order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lmdb.h>

#include "case.pb-c.h"
#include "common/base/text.h"
#include "common/domain/access.h"
#include "common/domain/casefile.h"
#include "common/views/casesum.h"
#include "common/views/cmdview.h"
#include "common/views/search.h"
#include "roster.pb-c.h"
#include "common/base/errors.h"
#include "testutil.h"

#define CASE "county-a/2026-0117"

typedef struct fx {
	char *dir, *dir2;
	tu_node_t root, a, b, c;
	ld_store_t *s;
	ld_entry_t *fa[4], *fb[4], *fc[2], *fr[2];
	size_t na, nb, nc, nr;
} fx_t;

static ld_entry_t *referral(tu_node_t *n, const char *case_id, const char *to)
{
	Ld__CaseReferral m = LD__CASE_REFERRAL__INIT;
	const char *aud[] = {to};
	uint8_t buf[512];

	m.case_id = (char *)case_id;
	m.title = "Dyeing plant discharging into the Grand Canal";
	m.has_violation = true;
	m.violation = LD__VIOLATION__VIOLATION_WATER;
	m.facts = "COD 412 mg/L at outfall 3";
	m.addressee = (char *)to;
	m.has_answer_by_ms = true;
	m.answer_by_ms = 1764100000000;
	return tu_next(n, LD__KIND__KIND_CASE_REFERRAL, buf, ld__case_referral__pack(&m, buf), aud,
		       1);
}

static ld_entry_t *response(tu_node_t *n, int decision, const char *reason, const char *to)
{
	Ld__ReferralResponse m = LD__REFERRAL_RESPONSE__INIT;
	const char *aud[] = {"county-a"};
	uint8_t buf[512];

	m.case_id = CASE;
	m.has_decision = true;
	m.decision = (uint32_t)decision;
	m.reason = (char *)reason;
	if (decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE)
		m.designated = (char *)to;
	return tu_next(n, LD__KIND__KIND_REFERRAL_RESPONSE, buf,
		       ld__referral_response__pack(&m, buf), aud, 1);
}

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof(*f));
	tu_node_t *members[3];

	f->dir = tu_tmpdir("views");
	f->dir2 = tu_tmpdir("views2");
	tu_node_init(&f->root, "province");
	tu_node_init(&f->a, "county-a");
	tu_node_init(&f->b, "county-b");
	tu_node_init(&f->c, "county-c");
	members[0] = &f->a;
	members[1] = &f->b;
	members[2] = &f->c;
	f->s = tu_store_with_roster(f->dir, &f->root, members, 3);
	/* Author times follow creation order (testutil: base + seq per feed),
	 * so give each feed's entries distinct, interleaved times by building
	 * them in this order. */
	f->fa[f->na++] = referral(&f->a, CASE, "county-b");
	/* C is not the addressee: its accept is kept but refused. */
	f->fc[f->nc++] =
		response(&f->c, LD__REFERRAL_DECISION__REFERRAL_DECISION_ACCEPT, NULL, NULL);
	/* B rejects without a reason: refused; then accepts: valid. */
	f->fb[f->nb++] =
		response(&f->b, LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT, NULL, NULL);
	f->fb[f->nb++] =
		response(&f->b, LD__REFERRAL_DECISION__REFERRAL_DECISION_ACCEPT, NULL, NULL);
	/* B is no superior: its designation is refused. */
	f->fb[f->nb++] = response(&f->b, LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE, NULL,
				  "county-c");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;

	ld_store_destroy(&f->s);
	tu_free_run(f->fa, f->na);
	tu_free_run(f->fb, f->nb);
	tu_free_run(f->fc, f->nc);
	tu_free_run(f->fr, f->nr);
	tu_node_fini(&f->root);
	tu_node_fini(&f->a);
	tu_node_fini(&f->b);
	tu_node_fini(&f->c);
	tu_rmrf(f->dir);
	tu_rmrf(f->dir2);
	free(f->dir);
	free(f->dir2);
	free(f);
	return 0;
}

static void ingest_all(fx_t *f, ld_store_t *s, bool responses_first)
{
	if (responses_first) {
		assert_int_equal(tu_ingest(s, f->fb, f->nb, LD_CHAIN_BATCH, NULL, NULL), 0);
		assert_int_equal(tu_ingest(s, f->fc, f->nc, LD_CHAIN_BATCH, NULL, NULL), 0);
	}
	assert_int_equal(tu_ingest(s, f->fa, f->na, LD_CHAIN_BATCH, NULL, NULL), 0);
	if (!responses_first) {
		assert_int_equal(tu_ingest(s, f->fc, f->nc, LD_CHAIN_BATCH, NULL, NULL), 0);
		assert_int_equal(tu_ingest(s, f->fb, f->nb, LD_CHAIN_BATCH, NULL, NULL), 0);
	}
}

static const ld_case_item_t *item_of(const ld_case_t *c, const char *feed, uint64_t seq)
{
	for (size_t i = 0; i < c->n_items; i++)
		if (!strcmp(c->items[i].feed, feed) && c->items[i].seq == seq)
			return &c->items[i];
	fail_msg("no item %s #%llu", feed, (unsigned long long)seq);
	return NULL;
}

static void check_case(ld_store_t *s)
{
	ld_access_t *a;
	ld_case_t *c;

	assert_int_equal(ld_access_load(s, &a), 0);
	assert_int_equal(ld_case_load(s, a, CASE, &c), 0);
	assert_true(c->opened);
	assert_string_equal(c->referrer, "county-a");
	assert_string_equal(c->holder, "county-b");
	assert_int_equal(c->state, LD_CASE_ACCEPTED);
	assert_int_equal(c->n_items, 5);
	assert_false(item_of(c, "county-a", 1)->refused);
	assert_true(item_of(c, "county-c", 1)->refused);
	assert_non_null(strstr(item_of(c, "county-c", 1)->reason, "addressed to"));
	assert_true(item_of(c, "county-b", 1)->refused);
	assert_non_null(strstr(item_of(c, "county-b", 1)->reason, "need a reason"));
	assert_false(item_of(c, "county-b", 2)->refused);
	assert_true(item_of(c, "county-b", 3)->refused);
	assert_non_null(strstr(item_of(c, "county-b", 3)->reason, "superior"));
	assert_non_null(strstr(item_of(c, "county-a", 1)->summary, "REFERRAL to county-b"));
	ld_case_destroy(&c);
	assert_int_equal(ld_case_load(s, a, "county-a/none", &c), -ENOENT);
	assert_int_equal(ld_case_load(s, a, "no slash", &c), -EINVAL);
	ld_access_destroy(&a);
}

static void test_rules(void **state)
{
	fx_t *f = *state;

	ingest_all(f, f->s, false);
	check_case(f->s);
}

static void test_reindex_identical_and_order_free(void **state)
{
	fx_t *f = *state;
	tu_node_t *members[] = {&f->a, &f->b, &f->c};
	uint8_t d1[32], d2[32], d3[32], empty[32];
	ld_store_t *s2;

	assert_int_equal(ld_store_index_digest(f->s, empty), 0);
	ingest_all(f, f->s, false);
	assert_int_equal(ld_store_index_digest(f->s, d1), 0);
	assert_memory_not_equal(d1, empty, 32);
	/* Rebuilt from the feeds: byte for byte the same. */
	assert_int_equal(ld_store_reindex(f->s), 0);
	assert_int_equal(ld_store_index_digest(f->s, d2), 0);
	assert_memory_equal(d1, d2, 32);
	check_case(f->s);

	/* Another node that received the answers before the referral derives
	 * the same views and judges the case the same way. */
	{
		tu_node_t root2 = f->root;

		root2.seq = 0;
		s2 = tu_store_with_roster(f->dir2, &root2, members, 3);
	}
	ingest_all(f, s2, true);
	assert_int_equal(ld_store_index_digest(s2, d3), 0);
	assert_memory_equal(d1, d3, 32);
	check_case(s2);
	ld_store_destroy(&s2);
}

struct grants {
	char who[4][LD_NODE_ID_MAX + 1];
	int n;
};

static int grant_cb(void *ud, const char *grantor)
{
	struct grants *g = ud;

	if (g->n < 4)
		snprintf(g->who[g->n++], sizeof(g->who[0]), "%s", grantor);
	return 0;
}

static void test_designation_by_superior(void **state)
{
	fx_t *f = *state;
	ld_access_t *a;
	ld_case_t *c;

	ingest_all(f, f->s, false);
	/* The province, superior of both counties, designates county C. */
	f->fr[f->nr++] = response(&f->root, LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE,
				  "C holds the discharge permit", "county-c");
	assert_int_equal(tu_ingest(f->s, f->fr, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(ld_access_load(f->s, &a), 0);
	assert_int_equal(ld_case_load(f->s, a, CASE, &c), 0);
	assert_string_equal(c->holder, "county-c");
	assert_int_equal(c->state, LD_CASE_AWAITING);
	assert_int_equal(c->n_items, 6);
	assert_string_equal(c->referral_feed, "county-a");
	assert_int_equal(c->referral_seq, 1);
	/* The grant index keeps every unit that passed the case to C (the
	 * province, and B, whose designation was refused: the server checks
	 * that a grantor could read what it would grant). */
	{
		struct grants g = {0};

		assert_int_equal(ld_store_foreach_case_grant(f->s, CASE, "county-c", grant_cb, &g),
				 0);
		assert_int_equal(g.n, 2);
		assert_string_equal(g.who[0], "county-b");
		assert_string_equal(g.who[1], "province");
		g.n = 0;
		assert_int_equal(ld_store_foreach_case_grant(f->s, CASE, "county-d", grant_cb, &g),
				 0);
		assert_int_equal(g.n, 0);
	}
	/* Grants are views too: rebuilt byte for byte. */
	{
		uint8_t d1[32], d2[32];

		assert_int_equal(ld_store_index_digest(f->s, d1), 0);
		assert_int_equal(ld_store_reindex(f->s), 0);
		assert_int_equal(ld_store_index_digest(f->s, d2), 0);
		assert_memory_equal(d1, d2, 32);
	}
	ld_case_destroy(&c);
	ld_access_destroy(&a);
}

/* An author cannot rewrite its answer by backdating a later entry: its
 * entries are judged in the order of its own feed. */
static void test_backdating_does_not_rewrite(void **state)
{
	fx_t *f = *state;
	Ld__ReferralResponse m = LD__REFERRAL_RESPONSE__INIT;
	const char *aud[] = {"county-a"};
	ld_entry_draft_t d = {.author = "county-b",
			      .kind = LD__KIND__KIND_REFERRAL_RESPONSE,
			      .audience = aud,
			      .n_audience = 1};
	ld_entry_t *late;
	ld_access_t *a;
	ld_case_t *c;
	uint8_t buf[256];

	ingest_all(f, f->s, false);
	m.case_id = CASE;
	m.has_decision = true;
	m.decision = LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT;
	m.reason = "changed our mind, dated before the acceptance";
	d.payload = buf;
	d.payload_len = ld__referral_response__pack(&m, buf);
	d.seq = f->b.seq + 1;
	d.prev = f->b.head;
	d.time_ms = 1764000000000 - 1000000; /* long before B's acceptance */
	assert_int_equal(ld_entry_build(&d, f->b.key, &late), 0);
	assert_int_equal(tu_ingest(f->s, &late, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(ld_access_load(f->s, &a), 0);
	assert_int_equal(ld_case_load(f->s, a, CASE, &c), 0);
	assert_int_equal(c->state, LD_CASE_ACCEPTED);
	assert_true(c->items[c->n_items - 1].refused || c->items[c->n_items - 2].refused);
	ld_case_destroy(&c);
	ld_access_destroy(&a);
	ld_entry_destroy(&late);
}

/* A designation by a unit that is not (yet) a superior is refused; when the
 * roster makes it one, the case summary is judged again in the transaction
 * that changed the roster, and equals a rebuild from the feeds. */
static void test_summary_follows_roster(void **state)
{
	fx_t *f = *state;
	ld_case_sum_t sum;
	ld_entry_t *up[2];
	uint8_t d1[32], d2[32];

	ingest_all(f, f->s, false);
	f->fr[f->nr++] = response(&f->c, LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE,
				  "upstream permit", "county-c");
	assert_int_equal(tu_ingest(f->s, &f->fr[0], 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(ld_case_sum_get(f->s, CASE, &sum), 0);
	assert_string_equal(sum.referrer, "county-a");
	assert_string_equal(sum.holder, "county-b");
	assert_int_equal(sum.state, LD_CASE_ACCEPTED);
	assert_false(sum.awaiting);
	assert_int_equal(ld_case_sum_get(f->s, "county-a/none", &sum), -ENOENT);

	/* C becomes the superior of A and B. */
	up[0] = tu_roster(&f->root, LD__ROSTER_UPDATE__ACTION__UPDATE, "county-a", NULL, "county-c",
			  0);
	up[1] = tu_roster(&f->root, LD__ROSTER_UPDATE__ACTION__UPDATE, "county-b", NULL, "county-c",
			  0);
	assert_int_equal(tu_ingest(f->s, up, 2, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_false(ld_store_rejudge_pending(f->s));
	assert_int_equal(ld_case_sum_get(f->s, CASE, &sum), 0);
	assert_string_equal(sum.holder, "county-c");
	assert_int_equal(sum.state, LD_CASE_AWAITING);
	assert_true(sum.awaiting);
	assert_int_equal(ld_store_index_digest(f->s, d1), 0);
	assert_int_equal(ld_store_reindex(f->s), 0);
	assert_int_equal(ld_store_index_digest(f->s, d2), 0);
	assert_memory_equal(d1, d2, 32);
	tu_free_run(up, 2);
}

#define T0 1765000000000ll
#define HOUR 3600000ll
#define DAY (24 * HOUR)

static ld_entry_t *referral_at(tu_node_t *n, const char *id, int64_t t, int64_t answer_by)
{
	Ld__CaseReferral m = LD__CASE_REFERRAL__INIT;
	const char *aud[] = {"county-b"};
	uint8_t buf[512];
	ld_entry_t *e;

	m.case_id = (char *)id;
	m.title = "Sand mining in the fishing-ban season";
	m.addressee = "county-b";
	m.has_answer_by_ms = answer_by != 0;
	m.answer_by_ms = answer_by;
	n->time_ms = t;
	e = tu_next(n, LD__KIND__KIND_CASE_REFERRAL, buf, ld__case_referral__pack(&m, buf), aud, 1);
	n->time_ms = 0;
	return e;
}

static ld_entry_t *answer_at(tu_node_t *n, const char *id, int decision, int64_t t)
{
	Ld__ReferralResponse m = LD__REFERRAL_RESPONSE__INIT;
	const char *aud[] = {"county-a"};
	uint8_t buf[512];
	ld_entry_t *e;

	m.case_id = (char *)id;
	m.has_decision = true;
	m.decision = (uint32_t)decision;
	m.reason = decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT ? "not ours" : NULL;
	n->time_ms = t;
	e = tu_next(n, LD__KIND__KIND_REFERRAL_RESPONSE, buf, ld__referral_response__pack(&m, buf),
		    aud, 1);
	n->time_ms = 0;
	return e;
}

static void assert_listed(const ld_view_t *v, const char *const *ids, size_t n)
{
	assert_int_equal(v->n_cases, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(v->cases[i].case_id, ids[i]);
}

/* The command view from summaries: totals and per-region counts over every
 * case, overdue answers first, then awaiting by age, then the most recent
 * others, cut at the limit; filters select what is listed. */
static void test_view_from_summaries(void **state)
{
	fx_t *f = *state;
	ld_entry_t *ra[6], *rb[3];
	ld_view_filter_t lim = {.limit = 2}, acc = {.status = "accepted"};
	ld_access_t *a;
	ld_view_t *v;
	const int64_t now = T0 + 10 * DAY;

	ra[0] = referral_at(&f->a, "county-a/c1", T0 + 1 * HOUR, T0 + DAY);	 /* overdue */
	ra[1] = referral_at(&f->a, "county-a/c2", T0 + 2 * HOUR, T0 + DAY);	 /* accepted */
	ra[2] = referral_at(&f->a, "county-a/c3", T0 + 3 * HOUR, 0);		 /* awaiting */
	ra[3] = referral_at(&f->a, "county-a/c4", T0 + 4 * HOUR, T0 + 30 * DAY); /* awaiting */
	ra[4] = referral_at(&f->a, "county-a/c5", T0 + 5 * HOUR, 0);		 /* accepted */
	ra[5] = referral_at(&f->a, "county-a/c6", T0 + 6 * HOUR, 0);		 /* rejected */
	rb[0] = answer_at(&f->b, "county-a/c2", 1, T0 + 2 * HOUR + 1 * HOUR);
	rb[1] = answer_at(&f->b, "county-a/c5", 1, T0 + 5 * HOUR + 2 * HOUR);
	rb[2] = answer_at(&f->b, "county-a/c6", LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT,
			  T0 + 6 * HOUR + 4 * HOUR);
	/* Answers first: the summaries do not depend on arrival order. The
	 * fixture's case (accepted, referred before all these) comes first. */
	ingest_all(f, f->s, false);
	assert_int_equal(tu_ingest(f->s, rb, 3, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(tu_ingest(f->s, ra, 6, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(ld_access_load(f->s, &a), 0);

	assert_int_equal(ld_view_build(f->s, a, now, NULL, &v), 0);
	assert_int_equal(v->cases_total, 7);
	assert_int_equal(v->cases_awaiting, 3);
	assert_int_equal(v->cases_overdue, 1);
	{
		const char *order[] = {"county-a/c1", "county-a/c3", "county-a/c4", "county-a/c6",
				       "county-a/c5", "county-a/c2", CASE};

		assert_listed(v, order, 7);
	}
	assert_true(v->cases[0].overdue);
	assert_false(v->cases[1].overdue);
	assert_int_equal(v->cases[5].answered_ms, T0 + 3 * HOUR);
	assert_int_equal(v->n_regions, 1);
	assert_string_equal(v->regions[0].region, "330100");
	assert_int_equal(v->regions[0].referrals_out, 7);
	assert_int_equal(v->regions[0].referrals_in, 7);
	assert_int_equal(v->regions[0].awaiting, 3);
	assert_int_equal(v->regions[0].overdue, 1);
	assert_int_equal(v->regions[0].answered, 4);
	/* Answer times 1 ms, 1, 2 and 4 hours: the (upper) median is 2 hours,
	 * within 2.2 %. */
	assert_true(v->regions[0].median_answer_ms > 2 * HOUR * 978 / 1000);
	assert_true(v->regions[0].median_answer_ms < 2 * HOUR * 1022 / 1000);
	ld_view_destroy(&v);

	/* The limit cuts the list, never the counts. */
	assert_int_equal(ld_view_build(f->s, a, now, &lim, &v), 0);
	{
		const char *order[] = {"county-a/c1", "county-a/c3"};

		assert_listed(v, order, 2);
	}
	assert_int_equal(v->cases_total, 7);
	ld_view_destroy(&v);
	assert_int_equal(ld_view_build(f->s, a, now, &acc, &v), 0);
	{
		const char *order[] = {"county-a/c5", "county-a/c2", CASE};

		assert_listed(v, order, 3);
	}
	ld_view_destroy(&v);
	/* Before c1's deadline nothing is overdue. */
	assert_int_equal(ld_view_build(f->s, a, T0 + 12 * HOUR, NULL, &v), 0);
	assert_int_equal(v->cases_overdue, 0);
	assert_false(v->cases[0].overdue);
	assert_string_equal(v->cases[0].case_id, "county-a/c1");
	ld_view_destroy(&v);

	/* B accepts c1 late: it leaves the overdue and awaiting counts. */
	{
		ld_entry_t *late = answer_at(&f->b, "county-a/c1", 1, T0 + 11 * DAY);
		uint8_t d1[32], d2[32];

		assert_int_equal(tu_ingest(f->s, &late, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
		assert_int_equal(ld_view_build(f->s, a, now, NULL, &v), 0);
		assert_int_equal(v->cases_awaiting, 2);
		assert_int_equal(v->cases_overdue, 0);
		assert_int_equal(v->regions[0].answered, 5);
		ld_view_destroy(&v);
		assert_int_equal(ld_store_index_digest(f->s, d1), 0);
		assert_int_equal(ld_store_reindex(f->s), 0);
		assert_int_equal(ld_store_index_digest(f->s, d2), 0);
		assert_memory_equal(d1, d2, 32);
		ld_entry_destroy(&late);
	}
	ld_access_destroy(&a);
	tu_free_run(ra, 6);
	tu_free_run(rb, 3);
}

/* With more cases than a transaction judges inline, a roster change leaves
 * the rest to ld_store_rejudge(), in slices, to the same result. */
static void test_rejudge_in_slices(void **state)
{
	fx_t *f = *state;
	enum { N = 2600, RUN = 500 };
	ld_entry_t **run = calloc(RUN, sizeof(*run)), *up;
	uint8_t d1[32], d2[32];
	size_t done = 0, calls = 0;

	ingest_all(f, f->s, false);
	for (size_t i = 0; i < N; i += RUN) {
		for (size_t k = 0; k < RUN; k++) {
			char id[40];

			snprintf(id, sizeof(id), "county-a/%05zu", i + k);
			run[k] = referral_at(&f->a, id, T0 + (int64_t)(i + k), 0);
		}
		assert_int_equal(tu_ingest(f->s, run, RUN, LD_CHAIN_BATCH, NULL, NULL), 0);
		tu_free_run(run, RUN);
	}
	assert_false(ld_store_rejudge_pending(f->s));
	up = tu_roster(&f->root, LD__ROSTER_UPDATE__ACTION__UPDATE, "county-b", NULL, "county-c",
		       0);
	assert_int_equal(tu_ingest(f->s, &up, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_true(ld_store_rejudge_pending(f->s));
	do {
		assert_int_equal(ld_store_rejudge(f->s, 400, &done), 0);
	} while (done && ++calls < 100);
	assert_true(calls >= 2 && calls < 100);
	assert_false(ld_store_rejudge_pending(f->s));
	assert_int_equal(ld_store_index_digest(f->s, d1), 0);
	assert_int_equal(ld_store_reindex(f->s), 0);
	assert_int_equal(ld_store_index_digest(f->s, d2), 0);
	assert_memory_equal(d1, d2, 32);
	ld_entry_destroy(&up);
	free(run);
}

/* A referral as `liandong refer` makes it: title, one party with a credit
 * code, the place's region. */
static ld_entry_t *referral_cn(tu_node_t *n, const char *id, const char *title, const char *party,
			       const char *code, const char *region, uint32_t violation, int64_t t)
{
	Ld__CaseReferral m = LD__CASE_REFERRAL__INIT;
	Ld__Place place = LD__PLACE__INIT;
	Ld__Party pa = LD__PARTY__INIT, *parties[] = {&pa};
	const char *aud[] = {"county-b"};
	uint8_t buf[1024];
	ld_entry_t *e;

	m.case_id = (char *)id;
	m.title = (char *)title;
	m.has_violation = true;
	m.violation = violation;
	m.addressee = "county-b";
	place.region_code = (char *)region;
	m.place = &place;
	pa.name = (char *)party;
	pa.credit_code = (char *)code;
	m.parties = parties;
	m.n_parties = 1;
	n->time_ms = t;
	e = tu_next(n, LD__KIND__KIND_CASE_REFERRAL, buf, ld__case_referral__pack(&m, buf), aud, 1);
	n->time_ms = 0;
	return e;
}

/* The ids found by a query, newest first, joined by spaces; the total. */
static char *found(ld_store_t *s, const ld_search_query_t *q, long long *total)
{
	static char out[1024];
	ld_search_result_t *res;

	assert_int_equal(ld_search(s, q, &res), 0);
	out[0] = '\0';
	for (size_t i = 0; i < res->n_hits; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "",
			 strchr(res->hits[i].case_id, '/') + 1);
	*total = res->total_known ? (long long)res->total : -1;
	ld_search_result_destroy(&res);
	return out;
}

#define FOUND(want, want_total, ...)                                                               \
	do {                                                                                       \
		ld_search_query_t q_ = {__VA_ARGS__};                                              \
		long long t_;                                                                      \
		assert_string_equal(found(f->s, &q_, &t_), want);                                  \
		assert_int_equal(t_, want_total);                                                  \
	} while (0)

/* The search index: Chinese text by characters and pairs, parties, codes,
 * regions, statuses, violations, times; a re-referral leaves nothing of
 * the old text; invalid UTF-8 is only a separator; reindex and another
 * arrival order give the same bytes; a store from before the index gets it
 * built by the re-judgement in slices. */
static void test_search_index(void **state)
{
	fx_t *f = *state;
	ld_entry_t *ra[5], *rb[3], *re;
	uint8_t d1[32], d2[32];

	ra[0] = referral_cn(&f->a, "county-a/s1", "某某化工有限公司向XX河偷排含镍废水",
			    "嘉兴某某化工有限公司", "91330402MA28A1B2C3", "330402", 1,
			    T0 + 1 * HOUR);
	ra[1] = referral_cn(&f->a, "county-a/s2", "印染厂夜间偷排废水", "海宁印染有限公司",
			    "91330481MA28D4E5F6", "330481", 1, T0 + 2 * HOUR);
	ra[2] = referral_cn(&f->a, "county-a/s3", "非法倾倒危险废物 Nickel sludge", "张三", NULL,
			    "320500", 4, T0 + 3 * HOUR);
	ra[3] = referral_cn(&f->a, "county-a/s4", "废\xff气\xe5超标排放", "某\xc0热电厂", NULL,
			    "330402", 2, T0 + 4 * HOUR);
	rb[0] = answer_at(&f->b, "county-a/s1", 1, T0 + 5 * HOUR);
	rb[1] = answer_at(&f->b, "county-a/s2", LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT,
			  T0 + 6 * HOUR);
	/* The fixture's case (accepted, English title, no party) is older. */
	ingest_all(f, f->s, false);
	assert_int_equal(tu_ingest(f->s, rb, 2, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(tu_ingest(f->s, ra, 4, LD_CHAIN_BATCH, NULL, NULL), 0);

	FOUND("s2 s1", 2, .text = "废水");  /* a pair */
	FOUND("s2", 1, .text = "印");	    /* one character */
	FOUND("s1", 1, .text = "含镍废水"); /* pairs, then checked */
	FOUND("", 0, .text = "镍废 含水");
	FOUND("s3", 1, .text = "NICKEL");  /* words in any case */
	FOUND("s4", 1, .text = "废 排放"); /* bad bytes only separate */
	FOUND("", 0, .text = "废气");
	FOUND("s1", 1, .party = "化工");
	FOUND("s4", 1, .party = "热电");
	FOUND("s2", 1, .credit_code = "91330481ma28d4e5f6");
	FOUND("s4 s1", 2, .region = "330402");
	FOUND("s4 s2 s1", 3, .region = "3304");
	FOUND("s4 s3 s2 s1 2026-0117", 5, .region = "3301"); /* the units' region */
	FOUND("s1 2026-0117", 2, .status = "accepted");
	FOUND("s2", 1, .status = "rejected");
	FOUND("s4 s3", 2, .status = "awaiting answer", .violation = NULL);
	FOUND("s3", 1, .violation = "hazardous-waste");
	FOUND("s3 s2", 2, .since_ms = T0 + 2 * HOUR, .until_ms = T0 + 3 * HOUR);
	FOUND("s2 s1", 2, .text = "废水", .region = "3304", .violation = "water");
	FOUND("", 0, .text = "废水", .status = "awaiting answer");
	FOUND("s4 s3", 4, .limit = 2, .since_ms = T0); /* counted past the limit */
	FOUND("s4", 5, .limit = 1);		       /* one list: its length */
	FOUND("2026-0117", 1, .text = "Grand Canal");
	FOUND("", 0, .party = "不存在");

	/* Rejected, then referred again with another title and party: the
	 * old text no longer finds it. */
	re = referral_cn(&f->a, "county-a/s2", "皮革厂向运河排放含铬废水", "桐乡皮革有限公司", NULL,
			 "330483", 1, T0 + 7 * HOUR);
	assert_int_equal(tu_ingest(f->s, &re, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	FOUND("", 0, .text = "印染");
	FOUND("", 0, .party = "海宁");
	FOUND("", 0, .credit_code = "91330481MA28D4E5F6");
	FOUND("s2", 1, .text = "含铬");
	FOUND("s2", 1, .party = "桐乡");
	FOUND("s2", 1, .region = "330483");
	FOUND("s2", 1, .status = "awaiting answer", .text = "废水");
	/* Transferred on: found by that status too. */
	{
		Ld__ReferralResponse m = LD__REFERRAL_RESPONSE__INIT;
		const char *aud[] = {"county-a"};
		uint8_t buf[256];

		m.case_id = "county-a/s2";
		m.has_decision = true;
		m.decision = LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER;
		m.transfer_to = "county-c";
		f->b.time_ms = T0 + 8 * HOUR;
		rb[2] = tu_next(&f->b, LD__KIND__KIND_REFERRAL_RESPONSE, buf,
				ld__referral_response__pack(&m, buf), aud, 1);
		f->b.time_ms = 0;
		assert_int_equal(tu_ingest(f->s, &rb[2], 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	}
	FOUND("s2", 1, .status = "transferred");

	assert_int_equal(ld_store_index_digest(f->s, d1), 0);
	assert_int_equal(ld_store_reindex(f->s), 0);
	assert_int_equal(ld_store_index_digest(f->s, d2), 0);
	assert_memory_equal(d1, d2, 32);
	FOUND("s2 s1", 2, .text = "废水", .region = "3304");

	/* Another node, answers and the re-referral first: the same bytes. */
	{
		tu_node_t root2 = f->root, *members[] = {&f->a, &f->b, &f->c};
		ld_store_t *s2;

		root2.seq = 0;
		s2 = tu_store_with_roster(f->dir2, &root2, members, 3);
		ingest_all(f, s2, true);
		assert_int_equal(tu_ingest(s2, rb, 3, LD_CHAIN_BATCH, NULL, NULL), 0);
		ra[4] = re;
		assert_int_equal(tu_ingest(s2, ra, 5, LD_CHAIN_BATCH, NULL, NULL), 0);
		assert_int_equal(ld_store_index_digest(s2, d2), 0);
		assert_memory_equal(d1, d2, 32);
		ld_store_destroy(&s2);
	}

	/* A store from before the search index: summaries, no index. Opening
	 * it starts a re-judgement that builds the index. */
	{
		MDB_env *env;
		MDB_txn *txn;
		MDB_dbi dbi;
		size_t done = 0;
		int calls = 0;

		ld_store_destroy(&f->s);
		assert_int_equal(mdb_env_create(&env), 0);
		mdb_env_set_maxdbs(env, 24);
		assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
		assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
		for (int i = 0; i < 3; i++) {
			const char *names[] = {"v_srch", "v_sref", "v_sdoc"};

			assert_int_equal(mdb_dbi_open(txn, names[i], 0, &dbi), 0);
			assert_int_equal(mdb_drop(txn, dbi, 1), 0);
		}
		assert_int_equal(mdb_txn_commit(txn), 0);
		mdb_env_close(env);
		assert_int_equal(ld_views_open(f->dir, f->root.pub, NULL, &f->s), 0);
		assert_true(ld_store_rejudge_pending(f->s));
		{
			ld_search_result_t *res;

			assert_int_equal(
				ld_search(f->s, &(ld_search_query_t){.text = "废水"}, &res), 0);
			assert_true(res->rebuilding);
			ld_search_result_destroy(&res);
		}
		do {
			assert_int_equal(ld_store_rejudge(f->s, 2, &done), 0);
		} while (done && ++calls < 100);
		assert_false(ld_store_rejudge_pending(f->s));
		assert_int_equal(ld_store_index_digest(f->s, d2), 0);
		assert_memory_equal(d1, d2, 32);
		FOUND("s2 s1", 2, .text = "废水");
	}
	tu_free_run(ra, 5);
	tu_free_run(rb, 3);
}

struct idh {
	uint32_t h, n;
};

static int idh_cmp(const void *x, const void *y)
{
	const struct idh *a = x, *b = y;

	return a->h < b->h ? -1 : a->h > b->h;
}

/* Two cases referred in the same millisecond whose ids have the same 32-bit
 * hash share their postings: changing one leaves what the other needs. */
static void test_search_shared_posting(void **state)
{
	fx_t *f = *state;
	enum { N = 400000, M = 1531 };
	struct idh *v = calloc(N, sizeof(*v));
	char id1[40] = "", id2[40] = "";
	ld_entry_t *e[4];
	uint8_t d1[32], d2[32];

	for (uint32_t i = 0; i < N; i++) {
		char id[40];
		uint32_t h = 2166136261u;

		snprintf(id, sizeof(id), "county-a/x%u.%u", i % M, i / M);
		for (const char *c = id; *c; c++)
			h = (h ^ (uint8_t)*c) * 16777619u;
		v[i] = (struct idh){h, i};
	}
	qsort(v, N, sizeof(*v), idh_cmp);
	for (size_t i = 1; i < N && !id1[0]; i++)
		if (v[i].h == v[i - 1].h) {
			snprintf(id1, sizeof(id1), "county-a/x%u.%u", v[i - 1].n % M,
				 v[i - 1].n / M);
			snprintf(id2, sizeof(id2), "county-a/x%u.%u", v[i].n % M, v[i].n / M);
		}
	free(v);
	assert_true(id1[0]);
	ingest_all(f, f->s, false);
	e[0] = referral_cn(&f->a, id1, "甲化工厂排放废水", "甲公司", NULL, "330402", 1, T0);
	e[1] = referral_cn(&f->a, id2, "乙造纸厂排放废气", "乙公司", NULL, "330402", 2, T0);
	assert_int_equal(tu_ingest(f->s, e, 2, LD_CHAIN_BATCH, NULL, NULL), 0);
	{
		char both[90];

		/* One posting: its cases in id order. */
		snprintf(both, sizeof(both), "%s %s",
			 strchr(strcmp(id1, id2) < 0 ? id1 : id2, '/') + 1,
			 strchr(strcmp(id1, id2) < 0 ? id2 : id1, '/') + 1);
		FOUND(both, 2, .text = "排放");
	}
	/* B rejects the second, A refers it again with another title. */
	e[2] = answer_at(&f->b, id2, LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT, T0 + HOUR);
	assert_int_equal(tu_ingest(f->s, &e[2], 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	e[3] = referral_cn(&f->a, id2, "丙印染厂夜间偷排", "丙公司", NULL, "330402", 1, T0 + DAY);
	assert_int_equal(tu_ingest(f->s, &e[3], 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	FOUND(strchr(id1, '/') + 1, 1, .text = "排放");
	FOUND("", 0, .text = "造纸");
	FOUND(strchr(id2, '/') + 1, 1, .text = "偷排");
	assert_int_equal(ld_store_index_digest(f->s, d1), 0);
	assert_int_equal(ld_store_reindex(f->s), 0);
	assert_int_equal(ld_store_index_digest(f->s, d2), 0);
	assert_memory_equal(d1, d2, 32);
	tu_free_run(e, 4);
}

static void test_utf8_trim(void **state)
{
	char a[] = "ab\xe4\xb8\xad", b[] = "ab\xe4\xb8", c[] = "x\xf0\x9f", d[] = "plain";

	ld_utf8_trim(a); /* whole character: kept */
	assert_string_equal(a, "ab\xe4\xb8\xad");
	ld_utf8_trim(b); /* cut inside a 3-byte character: dropped */
	assert_string_equal(b, "ab");
	ld_utf8_trim(c);
	assert_string_equal(c, "x");
	ld_utf8_trim(d);
	assert_string_equal(d, "plain");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reindex_identical_and_order_free, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_designation_by_superior, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backdating_does_not_rewrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_follows_roster, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_from_summaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejudge_in_slices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_shared_posting, setup, teardown),
		cmocka_unit_test(test_utf8_trim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

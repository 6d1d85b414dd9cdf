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

#include "case.pb-c.h"
#include "common/access.h"
#include "common/casefile.h"
#include "common/errors.h"
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
	f->fc[f->nc++] = response(&f->c, LD__REFERRAL_DECISION__REFERRAL_DECISION_ACCEPT, NULL, NULL);
	/* B rejects without a reason: refused; then accepts: valid. */
	f->fb[f->nb++] = response(&f->b, LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT, NULL, NULL);
	f->fb[f->nb++] = response(&f->b, LD__REFERRAL_DECISION__REFERRAL_DECISION_ACCEPT, NULL, NULL);
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
	assert_string_equal(c->status, "accepted");
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

	assert_int_equal(ld_store_views_digest(f->s, empty), 0);
	ingest_all(f, f->s, false);
	assert_int_equal(ld_store_views_digest(f->s, d1), 0);
	assert_memory_not_equal(d1, empty, 32);
	/* Rebuilt from the feeds: byte for byte the same. */
	assert_int_equal(ld_store_reindex(f->s), 0);
	assert_int_equal(ld_store_views_digest(f->s, d2), 0);
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
	assert_int_equal(ld_store_views_digest(s2, d3), 0);
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
	assert_string_equal(c->status, "awaiting answer");
	assert_int_equal(c->n_items, 6);
	assert_string_equal(c->referral_feed, "county-a");
	assert_int_equal(c->referral_seq, 1);
	/* The grant index keeps every unit that passed the case to C (the
	 * province, and B, whose designation was refused: the server checks
	 * that a grantor could read what it would grant). */
	{
		struct grants g = {0};

		assert_int_equal(ld_store_foreach_case_grant(f->s, CASE, "county-c", grant_cb, &g), 0);
		assert_int_equal(g.n, 2);
		assert_string_equal(g.who[0], "county-b");
		assert_string_equal(g.who[1], "province");
		g.n = 0;
		assert_int_equal(ld_store_foreach_case_grant(f->s, CASE, "county-d", grant_cb, &g), 0);
		assert_int_equal(g.n, 0);
	}
	/* Grants are views too: rebuilt byte for byte. */
	{
		uint8_t d1[32], d2[32];

		assert_int_equal(ld_store_views_digest(f->s, d1), 0);
		assert_int_equal(ld_store_reindex(f->s), 0);
		assert_int_equal(ld_store_views_digest(f->s, d2), 0);
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
	ld_entry_draft_t d = {.author = "county-b", .kind = LD__KIND__KIND_REFERRAL_RESPONSE,
			      .audience = aud, .n_audience = 1};
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
	assert_string_equal(c->status, "accepted");
	assert_true(c->items[c->n_items - 1].refused || c->items[c->n_items - 2].refused);
	ld_case_destroy(&c);
	ld_access_destroy(&a);
	ld_entry_destroy(&late);
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
		cmocka_unit_test_setup_teardown(test_reindex_identical_and_order_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_designation_by_superior, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backdating_does_not_rewrite, setup, teardown),
		cmocka_unit_test(test_utf8_trim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

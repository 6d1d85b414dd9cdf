/* tests/unit/test_fundrules.c: the judgement of substitute performance (代履行)
 * and remediation funds (common/domain/funds.c) through the one question
 * "may this entry be signed?" (ld_entry_check) and the judged case
 * (ld_case_load): who signs what, amounts never negative, never more than
 * held, a receipt once and for the transfer's amount, the totals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "case.pb-c.h"
#include "funds.pb-c.h"
#include "common/base/errors.h"
#include "common/domain/access.h"
#include "common/domain/casefile.h"
#include "common/domain/check.h"
#include "common/feed/kinds.h"
#include "testutil.h"

#define CASE "county-a/2027-0031"
#define T0 1764000000000LL

typedef struct fx {
	char *dir;
	tu_node_t root, a, b, c;
	ld_store_t *s;
	ld_access_t *acc;
	ld_entry_t *held[8];
	size_t n_held;
} fx_t;

static const char *const to_all[] = {"county-a", "county-b"};

static ld_entry_t *referral(tu_node_t *n)
{
	Ld__CaseReferral m = LD__CASE_REFERRAL__INIT;
	uint8_t buf[512];

	m.case_id = CASE;
	m.title = "河道底泥铬污染";
	m.addressee = "county-b";
	return tu_next(n, LD__KIND__KIND_CASE_REFERRAL, buf, ld__case_referral__pack(&m, buf),
		       to_all, 2);
}

static ld_entry_t *accept_case(tu_node_t *n)
{
	Ld__ReferralResponse m = LD__REFERRAL_RESPONSE__INIT;
	uint8_t buf[512];

	m.case_id = CASE;
	m.has_decision = true;
	m.decision = LD__REFERRAL_DECISION__REFERRAL_DECISION_ACCEPT;
	return tu_next(n, LD__KIND__KIND_REFERRAL_RESPONSE, buf,
		       ld__referral_response__pack(&m, buf), to_all, 2);
}

/* A fund record; 'amount' < 0 with has_amount false when INT64_MIN. */
static ld_entry_t *fund(tu_node_t *n, uint32_t action, int64_t amount, const char *to,
			const char *reference, const ld_entry_t *transfer)
{
	Ld__FundRecord m = LD__FUND_RECORD__INIT;
	Ld__EntryRef r = LD__ENTRY_REF__INIT;
	uint8_t buf[512];

	m.case_id = CASE;
	m.has_action = true;
	m.action = action;
	m.has_amount_fen = amount != INT64_MIN;
	m.amount_fen = amount;
	m.to_unit = (char *)to;
	m.reference = (char *)reference;
	if (transfer) {
		r.feed = transfer->hdr->author;
		r.has_seq = r.has_id = true;
		r.seq = transfer->hdr->seq;
		r.id.data = (uint8_t *)transfer->id;
		r.id.len = LD_ID_LEN;
		m.transfer = &r;
	}
	if (action == LD__FUND_ACTION__FUND_ACTION_SPEND) {
		m.has_checkpoint = true;
		m.checkpoint = 0;
	}
	return tu_next(n, LD__KIND__KIND_FUND_RECORD, buf, ld__fund_record__pack(&m, buf), to_all,
		       2);
}

static ld_entry_t *order(tu_node_t *n, int64_t cost, int64_t due)
{
	Ld__SubstituteOrder m = LD__SUBSTITUTE_ORDER__INIT;
	uint8_t buf[512];

	m.case_id = CASE;
	m.party = "浙江清源环境工程有限公司";
	m.scope = "清淤并按危险废物处置底泥";
	m.has_cost_fen = m.has_due_ms = true;
	m.cost_fen = cost;
	m.due_ms = due;
	return tu_next(n, LD__KIND__KIND_SUBSTITUTE_ORDER, buf, ld__substitute_order__pack(&m, buf),
		       to_all, 2);
}

static ld_entry_t *acceptance(tu_node_t *n, const ld_entry_t *ord)
{
	Ld__SubstituteAcceptance m = LD__SUBSTITUTE_ACCEPTANCE__INIT;
	Ld__EntryRef r = LD__ENTRY_REF__INIT;
	uint8_t buf[512];

	m.case_id = CASE;
	m.has_result = true;
	m.result = LD__ACCEPTANCE_RESULT__ACCEPTANCE_RESULT_PASSED;
	r.feed = ord->hdr->author;
	r.has_seq = r.has_id = true;
	r.seq = ord->hdr->seq;
	r.id.data = (uint8_t *)ord->id;
	r.id.len = LD_ID_LEN;
	m.order = &r;
	return tu_next(n, LD__KIND__KIND_SUBSTITUTE_ACCEPTANCE, buf,
		       ld__substitute_acceptance__pack(&m, buf), to_all, 2);
}

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof(*f));
	tu_node_t *members[3];

	f->dir = tu_tmpdir("funds");
	tu_node_init(&f->root, "province");
	tu_node_init(&f->a, "county-a");
	tu_node_init(&f->b, "county-b");
	tu_node_init(&f->c, "county-c");
	members[0] = &f->a;
	members[1] = &f->b;
	members[2] = &f->c;
	f->s = tu_store_with_roster(f->dir, &f->root, members, 3);
	/* Held: A refers the case to B, B accepts; the province commits
	 * 10000 fen and pays 6000 to B; B's first receipt states the wrong
	 * amount, its second is right. */
	f->a.time_ms = T0 + 1000;
	f->held[f->n_held++] = referral(&f->a);
	f->b.time_ms = T0 + 2000;
	f->held[f->n_held++] = accept_case(&f->b);
	f->root.time_ms = T0 + 3000;
	f->held[f->n_held++] =
		fund(&f->root, LD__FUND_ACTION__FUND_ACTION_ASSIGN, 10000, NULL, NULL, NULL);
	f->root.time_ms = T0 + 4000;
	f->held[f->n_held++] = fund(&f->root, LD__FUND_ACTION__FUND_ACTION_TRANSFER, 6000,
				    "county-b", "BV-1", NULL);
	f->b.time_ms = T0 + 5000;
	f->held[f->n_held++] =
		fund(&f->b, LD__FUND_ACTION__FUND_ACTION_RECEIVE, 5000, NULL, NULL, f->held[3]);
	f->b.time_ms = T0 + 6000;
	f->held[f->n_held++] = fund(&f->b, LD__FUND_ACTION__FUND_ACTION_RECEIVE, INT64_MIN, NULL,
				    NULL, f->held[3]);
	f->b.time_ms = T0 + 7000;
	f->held[f->n_held++] = order(&f->b, 800000, T0 + 86400000);
	/* What is asked about comes after everything held. */
	f->a.time_ms = f->b.time_ms = f->c.time_ms = f->root.time_ms = T0 + 60000;
	for (size_t i = 0; i < f->n_held; i++)
		assert_int_equal(tu_ingest(f->s, &f->held[i], 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(ld_access_load(f->s, &f->acc), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;

	ld_access_destroy(&f->acc);
	ld_store_destroy(&f->s);
	tu_free_run(f->held, f->n_held);
	tu_node_fini(&f->root);
	tu_node_fini(&f->a);
	tu_node_fini(&f->b);
	tu_node_fini(&f->c);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Judge 'cand' and free it: the result, the reason in 'why'. */
static int check(fx_t *f, ld_entry_t *cand, char *why, size_t n)
{
	int r;

	why[0] = '\0';
	r = ld_entry_check(LD_RD(f->s), f->acc, cand, why, n);
	ld_entry_destroy(&cand);
	return r;
}

static void test_judged(void **state)
{
	fx_t *f = *state;
	const ld_fund_unit_t *u;
	ld_case_t *c;

	assert_int_equal(ld_case_load(f->s, f->acc, CASE, &c), 0);
	assert_int_equal(c->n_items, 7);
	/* The receipt of the wrong amount stays in the timeline, refused. */
	assert_true(c->items[4].refused);
	assert_non_null(strstr(c->items[4].reason, "received 5000 fen, but transfer province:"));
	assert_non_null(strstr(c->items[4].reason, "is of 6000 fen"));
	assert_false(c->items[5].refused);
	assert_int_equal(c->funds.committed, 10000);
	assert_int_equal(c->funds.transferred, 6000);
	assert_int_equal(c->funds.received, 6000);
	assert_int_equal(c->funds.spent, 0);
	assert_non_null(u = ld_funds_unit(&c->funds, "province"));
	assert_int_equal(ld_fund_held(u), 4000);
	assert_non_null(u = ld_funds_unit(&c->funds, "county-b"));
	assert_int_equal(ld_fund_held(u), 6000);
	assert_int_equal(u->in, 6000);
	assert_int_equal(c->funds.n_transfers, 1);
	assert_int_equal(c->funds.transfers[0].received_ms, T0 + 6000);
	assert_int_equal(c->funds.n_orders, 1);
	assert_int_equal(c->funds.orders[0].cost_fen, 800000);
	assert_true(ld_subst_overdue(&c->funds.orders[0], T0 + 86400001));
	assert_false(ld_subst_overdue(&c->funds.orders[0], T0 + 86400000));
	assert_non_null(strstr(c->items[6].summary, "SUBSTITUTE PERFORMANCE #0 ordered"));
	ld_case_destroy(&c);
}

static void test_fund_rules(void **state)
{
	fx_t *f = *state;
	char why[320];

	/* Never negative, never zero. */
	assert_int_equal(
		check(f, fund(&f->root, LD__FUND_ACTION__FUND_ACTION_ASSIGN, -1, NULL, NULL, NULL),
		      why, sizeof(why)),
		LD_EREFUSED);
	assert_non_null(strstr(why, "more than 0"));
	assert_int_equal(
		check(f, fund(&f->root, LD__FUND_ACTION__FUND_ACTION_ASSIGN, 0, NULL, NULL, NULL),
		      why, sizeof(why)),
		LD_EREFUSED);
	/* County C is no unit of the case. */
	assert_int_equal(
		check(f, fund(&f->c, LD__FUND_ACTION__FUND_ACTION_ASSIGN, 100, NULL, NULL, NULL),
		      why, sizeof(why)),
		LD_EREFUSED);
	assert_non_null(strstr(why, "only a unit of case " CASE));
	/* The province holds 4000: not a fen more; a reference is needed;
	 * the payee is another unit of the case. */
	assert_int_equal(check(f,
			       fund(&f->root, LD__FUND_ACTION__FUND_ACTION_TRANSFER, 4001,
				    "county-b", "BV-2", NULL),
			       why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why,
			       "transferring 4001 fen exceeds what province holds for case " CASE
			       ": 4000 fen (assigned 10000 + received 0 - transferred 6000 - "
			       "spent 0)"));
	assert_int_equal(check(f,
			       fund(&f->root, LD__FUND_ACTION__FUND_ACTION_TRANSFER, 4000,
				    "county-b", NULL, NULL),
			       why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "reference"));
	assert_int_equal(check(f,
			       fund(&f->root, LD__FUND_ACTION__FUND_ACTION_TRANSFER, 4000,
				    "county-c", "BV-2", NULL),
			       why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "county-c is not a unit of case"));
	assert_int_equal(check(f,
			       fund(&f->root, LD__FUND_ACTION__FUND_ACTION_TRANSFER, 4000,
				    "county-b", "BV-2", NULL),
			       why, sizeof(why)),
			 0);
	/* A transfer is received once, by its payee. */
	assert_int_equal(check(f,
			       fund(&f->b, LD__FUND_ACTION__FUND_ACTION_RECEIVE, INT64_MIN, NULL,
				    NULL, f->held[3]),
			       why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "was received already"));
	assert_int_equal(check(f,
			       fund(&f->a, LD__FUND_ACTION__FUND_ACTION_RECEIVE, INT64_MIN, NULL,
				    NULL, f->held[3]),
			       why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "only county-b confirms receiving it"));
	/* Spending names a checkpoint the case has. */
	assert_int_equal(
		check(f, fund(&f->b, LD__FUND_ACTION__FUND_ACTION_SPEND, 100, NULL, NULL, NULL),
		      why, sizeof(why)),
		LD_EREFUSED);
	assert_non_null(strstr(why, "names checkpoint 0, but case " CASE " has 0"));
	/* An action this version does not know. */
	assert_int_equal(check(f, fund(&f->b, 9, 100, NULL, NULL, NULL), why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "unknown fund action"));
}

static void test_substitute_rules(void **state)
{
	fx_t *f = *state;
	char why[320];

	/* Only the holder orders, with a cost not negative and a deadline
	 * after the order. */
	assert_int_equal(check(f, order(&f->a, 100, T0 + 86400000), why, sizeof(why)), LD_EREFUSED);
	assert_non_null(strstr(why, "only the unit handling case " CASE " (county-b)"));
	assert_int_equal(check(f, order(&f->b, -100, T0 + 86400000), why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "(-100 given)"));
	assert_int_equal(check(f, order(&f->b, 100, T0 + 60000), why, sizeof(why)), LD_EREFUSED);
	assert_non_null(strstr(why, "deadline after the order"));
	assert_int_equal(check(f, order(&f->b, 0, T0 + 86400000), why, sizeof(why)), 0);
	/* Only the holder accepts, an order it holds. */
	assert_int_equal(check(f, acceptance(&f->a, f->held[6]), why, sizeof(why)), LD_EREFUSED);
	assert_non_null(strstr(why, "accepts substitute performance"));
	assert_int_equal(check(f, acceptance(&f->b, f->held[3]), why, sizeof(why)), LD_EREFUSED);
	assert_non_null(strstr(why, "names no substitute-performance order"));
	assert_int_equal(check(f, acceptance(&f->b, f->held[6]), why, sizeof(why)), 0);
}

static void test_fen(void **state)
{
	char b[48];

	(void)state;
	ld_fen_format(12000050, b, sizeof(b));
	assert_string_equal(b, "120000.50 yuan");
	ld_fen_format(7, b, sizeof(b));
	assert_string_equal(b, "0.07 yuan");
	ld_fen_format(INT64_MIN, b, sizeof(b));
	assert_string_equal(b, "-92233720368547758.08 yuan");
	assert_string_equal(ld_fund_action_name(2), "transfer");
	assert_string_equal(ld_acceptance_name(7), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_judged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fund_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_substitute_rules, setup, teardown),
		cmocka_unit_test(test_fen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

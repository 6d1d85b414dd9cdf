/* tests/unit/test_check.c: "may this entry be signed?" is answered by the
 * same judgement as what is held (common/domain/check.h): a candidate the
 * rules would mark refused is refused with that rule, one they accept is
 * accepted, and asking changes nothing stored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "action.pb-c.h"
#include "case.pb-c.h"
#include "common/base/errors.h"
#include "common/domain/access.h"
#include "common/domain/action.h"
#include "common/domain/casefile.h"
#include "common/domain/check.h"
#include "common/feed/kinds.h"
#include "common/store/store_index.h"
#include "monitor.pb-c.h"
#include "testutil.h"

#define CASE "county-a/2026-0117"
#define ACTION "province/A-1"
#define T0 1764000000000LL

typedef struct fx {
	char *dir;
	tu_node_t root, a, b, c;
	ld_store_t *s;
	ld_access_t *acc;
	ld_entry_t *held[8];
	size_t n_held;
} fx_t;

static ld_entry_t *referral(tu_node_t *n, const char *case_id, const char *to)
{
	Ld__CaseReferral m = LD__CASE_REFERRAL__INIT;
	const char *aud[] = {to};
	uint8_t buf[512];

	m.case_id = (char *)case_id;
	m.title = "印染厂向京杭运河排放废水";
	m.has_violation = true;
	m.violation = LD__VIOLATION__VIOLATION_WATER;
	m.addressee = (char *)to;
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
	if (decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER)
		m.transfer_to = (char *)to;
	return tu_next(n, LD__KIND__KIND_REFERRAL_RESPONSE, buf,
		       ld__referral_response__pack(&m, buf), aud, 1);
}

static ld_entry_t *dispatch(tu_node_t *n)
{
	Ld__ActionDispatch m = LD__ACTION_DISPATCH__INIT;
	Ld__ActionDispatch__Participant p = LD__ACTION_DISPATCH__PARTICIPANT__INIT, *pp[] = {&p};
	const char *aud[] = {"county-b"};
	uint8_t buf[512];

	p.node_id = "county-b";
	m.action_id = ACTION;
	m.has_kind = m.has_priority = true;
	m.kind = LD__ACTION_KIND__ACTION_KIND_JOINT_INSPECTION;
	m.priority = LD__PRIORITY__PRIORITY_URGENT;
	m.title = "联合执法：运河排口";
	m.n_participants = 1;
	m.participants = pp;
	return tu_next(n, LD__KIND__KIND_ACTION_DISPATCH, buf, ld__action_dispatch__pack(&m, buf),
		       aud, 1);
}

static ld_entry_t *answer(tu_node_t *n, int reply, const char *reason)
{
	Ld__ActionResponse m = LD__ACTION_RESPONSE__INIT;
	const char *aud[] = {"province"};
	uint8_t buf[512];

	m.action_id = ACTION;
	m.has_response = true;
	m.response = (uint32_t)reply;
	m.reason = (char *)reason;
	return tu_next(n, LD__KIND__KIND_ACTION_RESPONSE, buf, ld__action_response__pack(&m, buf),
		       aud, 1);
}

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof(*f));
	tu_node_t *members[3];

	f->dir = tu_tmpdir("check");
	tu_node_init(&f->root, "province");
	tu_node_init(&f->a, "county-a");
	tu_node_init(&f->b, "county-b");
	tu_node_init(&f->c, "county-c");
	members[0] = &f->a;
	members[1] = &f->b;
	members[2] = &f->c;
	f->s = tu_store_with_roster(f->dir, &f->root, members, 3);
	/* Held: A refers the case to B, B accepts; the province dispatches B,
	 * B declines. */
	f->a.time_ms = T0 + 1000;
	f->held[f->n_held++] = referral(&f->a, CASE, "county-b");
	f->b.time_ms = T0 + 2000;
	f->held[f->n_held++] =
		response(&f->b, LD__REFERRAL_DECISION__REFERRAL_DECISION_ACCEPT, NULL, NULL);
	f->root.time_ms = T0 + 3000;
	f->held[f->n_held++] = dispatch(&f->root);
	f->b.time_ms = T0 + 4000;
	f->held[f->n_held++] = answer(&f->b, LD__ACTION_REPLY__ACTION_REPLY_DECLINED, "人员不足");
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

static void test_case_rules_asked(void **state)
{
	fx_t *f = *state;
	uint8_t before[32], after[32];
	char why[320];
	ld_case_t *c;

	assert_int_equal(ld_store_index_digest(f->s, before), 0);
	/* C is not the holder. */
	assert_int_equal(
		check(f,
		      response(&f->c, LD__REFERRAL_DECISION__REFERRAL_DECISION_ACCEPT, NULL, NULL),
		      why, sizeof(why)),
		LD_EREFUSED);
	assert_non_null(strstr(why, "only the unit the case is addressed to may answer it"));
	assert_non_null(strstr(why, "accepted, held by county-b"));
	/* B has accepted: rejecting now is refused, transferring is not. */
	assert_int_equal(check(f,
			       response(&f->b, LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT,
					"管辖错误", NULL),
			       why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "the case is not awaiting an answer"));
	assert_int_equal(check(f,
			       response(&f->b, LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER,
					NULL, "county-c"),
			       why, sizeof(why)),
			 0);
	/* A may not refer it again; a new case it may. */
	assert_int_equal(check(f, referral(&f->a, CASE, "county-c"), why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "already referred"));
	assert_int_equal(
		check(f, referral(&f->a, "county-a/2026-0200", "county-c"), why, sizeof(why)), 0);
	/* Only the owner of a case id refers it. */
	assert_int_equal(
		check(f, referral(&f->c, "county-a/2026-0201", "county-b"), why, sizeof(why)),
		LD_EREFUSED);
	assert_non_null(strstr(why, "owns the case id"));

	/* Asking stored nothing and changed no view. */
	assert_int_equal(ld_store_index_digest(f->s, after), 0);
	assert_memory_equal(before, after, 32);
	assert_int_equal(ld_case_load(f->s, f->acc, CASE, &c), 0);
	assert_int_equal(c->state, LD_CASE_ACCEPTED);
	assert_int_equal(c->n_items, 2);
	ld_case_destroy(&c);
	assert_int_equal(ld_case_load(f->s, f->acc, "county-a/2026-0200", &c), -ENOENT);
}

static void test_action_rules_asked(void **state)
{
	fx_t *f = *state;
	char why[320];

	/* C is no participant; B has declined and may answer no more. */
	assert_int_equal(check(f, answer(&f->c, LD__ACTION_REPLY__ACTION_REPLY_ACKNOWLEDGED, NULL),
			       why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "participants"));
	assert_int_equal(check(f, answer(&f->b, LD__ACTION_REPLY__ACTION_REPLY_ACCEPTED, NULL), why,
			       sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "already declined or completed"));
	/* A dispatch of the same id again: refused; of another, accepted. */
	assert_int_equal(check(f, dispatch(&f->root), why, sizeof(why)), LD_EREFUSED);
	assert_non_null(strstr(why, "already dispatched"));
}

/* An entry that answers or follows another is never dated before it: a
 * candidate dated before the latest entry held of its case or action is
 * refused with both times and that entry named; dated with it, judged as
 * usual. */
static void test_dated_before_thread(void **state)
{
	fx_t *f = *state;
	char why[512];

	/* B's clock is behind its own acceptance (T0 + 2000). */
	f->b.time_ms = T0 + 1500;
	assert_int_equal(check(f,
			       response(&f->b, LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER,
					NULL, "county-c"),
			       why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "this node's clock reads"));
	assert_non_null(strstr(why, "before the referral-response county-b:1 of case " CASE));
	/* C's clock is behind the referral: the clock is said, not "no
	 * referral held". */
	f->c.time_ms = T0 + 500;
	assert_int_equal(
		check(f,
		      response(&f->c, LD__REFERRAL_DECISION__REFERRAL_DECISION_ACCEPT, NULL, NULL),
		      why, sizeof(why)),
		LD_EREFUSED);
	assert_non_null(strstr(why, "before the referral-response county-b:1"));
	/* The action's latest is B's decline (T0 + 4000). */
	f->root.time_ms = T0 + 3500;
	assert_int_equal(check(f, dispatch(&f->root), why, sizeof(why)), LD_EREFUSED);
	assert_non_null(strstr(why, "before the action-response county-b:2 of joint action"));
	/* Equal times are in order. */
	f->b.time_ms = T0 + 2000;
	assert_int_equal(check(f,
			       response(&f->b, LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER,
					NULL, "county-c"),
			       why, sizeof(why)),
			 0);
}

static void test_states_are_enums(void **state)
{
	(void)state;
	for (int s = 0; s < LD_CASE_STATES; s++)
		assert_int_equal(ld_case_state_parse(ld_case_state_name((enum ld_case_state)s)), s);
	assert_string_equal(ld_case_state_name(LD_CASE_AWAITING), "awaiting answer");
	assert_int_equal(ld_case_state_parse("awaiting"), -EINVAL);
	assert_string_equal(ld_case_state_name((enum ld_case_state)99), "unknown");
}

static void test_payload_by_kind(void **state)
{
	fx_t *f = *state;
	Ld__CaseReferral *m = ld_entry_payload(f->held[0], LD__KIND__KIND_CASE_REFERRAL);

	/* Decoded by the kinds table, and only as the entry's own kind. */
	assert_non_null(m);
	assert_string_equal(m->case_id, CASE);
	ld_payload_free(m);
	assert_null(ld_entry_payload(f->held[0], LD__KIND__KIND_REFERRAL_RESPONSE));
	assert_null(ld_payload_unpack(LD__KIND__KIND_CASE_REFERRAL, "\xff\xff", 2));
	ld_payload_free(NULL);
}

/* A readings block: a unit and as many values for each parameter, an
 * interval; anything else is refused before it is signed, saying why. */
static void test_readings_block(void **state)
{
	fx_t *f = *state;
	Ld__MonitorReadings m = LD__MONITOR_READINGS__INIT;
	Ld__MonitorReadings__Block b = LD__MONITOR_READINGS__BLOCK__INIT;
	char *names[] = {"COD", "pH"}, *units[] = {"mg/L", ""}, why[512];
	double v[6] = {14, 15, 16, 7.1, 7.2, 7.3};
	uint8_t buf[512];

	m.station_id = "county-a/S1";
	m.has_start_ms = true;
	m.start_ms = T0;
	b.n_parameter = b.n_unit = 2;
	b.parameter = names;
	b.unit = units;
	b.has_interval_s = true;
	b.interval_s = 60;
	b.n_value = 6;
	b.value = v;
	m.block = &b;
	assert_int_equal(check(f,
			       tu_next(&f->a, LD__KIND__KIND_MONITOR_READINGS, buf,
				       ld__monitor_readings__pack(&m, buf), NULL, 0),
			       why, sizeof(why)),
			 0);
	b.n_value = 5; /* one value short */
	assert_int_equal(check(f,
			       tu_next(&f->a, LD__KIND__KIND_MONITOR_READINGS, buf,
				       ld__monitor_readings__pack(&m, buf), NULL, 0),
			       why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "2 parameters, 2 units, 5 values"));
	b.n_value = 6;
	b.n_unit = 1; /* a unit missing */
	assert_int_equal(check(f,
			       tu_next(&f->a, LD__KIND__KIND_MONITOR_READINGS, buf,
				       ld__monitor_readings__pack(&m, buf), NULL, 0),
			       why, sizeof(why)),
			 LD_EREFUSED);
	assert_non_null(strstr(why, "malformed"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_case_rules_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_action_rules_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dated_before_thread, setup, teardown),
		cmocka_unit_test(test_states_are_enums),
		cmocka_unit_test_setup_teardown(test_payload_by_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readings_block, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

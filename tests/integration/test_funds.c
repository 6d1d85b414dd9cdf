/* tests/integration/test_funds.c: substitute performance (代履行) and
 * remediation funds (修复资金) through the real `liandong` tool against real
 * daemons: a province and three counties. County B refers a case to county
 * A, which handles it; the province commits funds and transfers part to
 * county A, which receives them and spends against a filed stage report.
 * Every node party to the case sees the same committed / transferred /
 * received / spent figures; overspending and the other rules are refused
 * with the rule and the amounts; a county not party to the case sees
 * nothing; a substitute-performance order whose deadline is missed is
 * escalated by the province once, and then accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "cluster.h"
#include "testutil.h"

#define CASE "county-b/2027-031"

#define cli(w, node, ...) cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__)

/* `liandong CMD CASE --json` at n has 'path' matching 'want'. */
struct q {
	cl_world_t *w;
	tn_t *n;
	const char *cmd, *path, *want;
};

static bool has(void *ud)
{
	struct q *q = ud;

	if (cli(q->w, q->n, q->cmd, CASE, "--json", NULL) != 0)
		return false;
	return cl_out_has(q->w->out, q->path, q->want);
}

static bool until(cl_world_t *w, tn_t *n, const char *cmd, const char *path, const char *want)
{
	struct q q = {w, n, cmd, path, want};

	return cl_until(has, &q, 20000);
}

/* Escalations in n's timeline of the case naming 'who' responsible. */
static int escalations(cl_world_t *w, tn_t *n, const char *who)
{
	json_t *j, *x;
	size_t i;
	int count = 0;

	assert_int_equal(cli(w, n, "show", CASE, "--json", NULL), 0);
	j = cl_json(w->out);
	json_array_foreach(json_object_get(j, "timeline"), i, x) count +=
		cl_jhas(x, "kind", "escalation") && cl_jhas(x, "content/responsible", who) &&
		cl_jhas(x, "content/what", "substitute-performance");
	json_decref(j);
	return count;
}

static void open_case(cl_world_t *w)
{
	assert_int_equal(cli(w, w->b, "refer", "--to", "county-a", "--case", CASE, "--title",
			     "Sediment polluted by a tannery's discharge", "--violation", "water",
			     "--facts", "Cr 850 mg/kg in the sediment of 2 km of the Haiyan Tang",
			     NULL),
			 0);
	assert_true(cl_wait(w->a, "county-b", (uint64_t)cl_head(w->b, "county-b"), 15000) == 0);
	assert_int_equal(cli(w, w->a, "respond", CASE, "accept", NULL), 0);
	assert_int_equal(cli(w, w->a, "update", CASE, "--status", "remediation-ordered",
			     "--checkpoint", "+1d=dredging of reach 1 done", "--checkpoint",
			     "+2d=dredging of reach 2 done", NULL),
			 0);
	assert_true(until(w, w->p, "show", "checkpoints/1/description", "~reach 2"));
}

/* The figures every node party to the case must agree on. */
static void figures(cl_world_t *w, tn_t *n)
{
	assert_true(until(w, n, "funds", "funds/spent_fen", "12000050"));
	assert_true(cl_out_has(w->out, "funds/committed_fen", "50000000"));
	assert_true(cl_out_has(w->out, "funds/transferred_fen", "30000000"));
	assert_true(cl_out_has(w->out, "funds/received_fen", "30000000"));
	assert_true(cl_out_has(w->out, "funds/in_transit_fen", "0"));
	assert_true(cl_out_has(w->out, "funds/held_fen", "37999950"));
	{
		json_t *j = cl_json(w->out), *u;

		u = cl_jfind(j, "funds/units", "unit", "province");
		assert_non_null(u);
		assert_true(cl_jhas(u, "assigned_fen", "50000000"));
		assert_true(cl_jhas(u, "transferred_out_fen", "30000000"));
		assert_true(cl_jhas(u, "held_fen", "20000000"));
		u = cl_jfind(j, "funds/units", "unit", "county-a");
		assert_non_null(u);
		assert_true(cl_jhas(u, "received_fen", "30000000"));
		assert_true(cl_jhas(u, "spent_fen", "12000050"));
		assert_true(cl_jhas(u, "held_fen", "17999950"));
		assert_true(cl_jhas(j, "funds/transfers/0/reference", "BV-2027-0042"));
		assert_true(cl_jhas(j, "funds/transfers/0/to", "county-a"));
		json_decref(j);
	}
}

static void test_funds(void **state)
{
	cl_world_t *w = *state;
	char seq[32], ref[96];

	open_case(w);
	/* Nothing held yet: spending is refused with the amounts. */
	assert_int_equal(
		cli(w, w->a, "funds", "spend", CASE, "--amount", "1000", "--checkpoint", "0", NULL),
		6);
	assert_non_null(strstr(w->a->err, "spending 100000 fen exceeds what county-a holds for "
					  "case " CASE ": 0 fen"));
	/* Input: amounts in yuan, never negative, two decimals at most. */
	assert_int_equal(cli(w, w->p, "funds", "assign", CASE, "--amount", "-5", NULL), 2);
	assert_int_equal(cli(w, w->p, "funds", "assign", CASE, "--amount", "1.234", NULL), 2);
	assert_int_equal(cli(w, w->p, "funds", "assign", CASE, "--amount", "0", NULL), 2);
	/* The province commits 500,000 yuan and pays 300,000 to county A. */
	assert_int_equal(cli(w, w->p, "funds", "assign", CASE, "--amount", "500000", "--source",
			     "compensation agreement (赔偿协议) 2027-3", NULL),
			 0);
	assert_int_equal(cli(w, w->p, "funds", "transfer", CASE, "--to", "county-a", "--amount",
			     "300000", "--reference", "BV-2027-0042", "--purpose",
			     "dredging, reaches 1 and 2", NULL),
			 0);
	/* A transfer needs a reference; nobody pays more than it holds; a
	 * unit not of the case is not paid; only a unit of the case assigns. */
	assert_int_equal(
		cli(w, w->p, "funds", "transfer", CASE, "--to", "county-a", "--amount", "1", NULL),
		2);
	assert_int_equal(cli(w, w->p, "funds", "transfer", CASE, "--to", "county-a", "--amount",
			     "200000.01", "--reference", "BV-x", NULL),
			 6);
	assert_non_null(strstr(w->p->err, "transferring 20000001 fen exceeds what province holds "
					  "for case " CASE ": 20000000 fen (assigned 50000000 + "
					  "received 0 - transferred 30000000 - spent 0)"));
	assert_int_equal(cli(w, w->p, "funds", "transfer", CASE, "--to", "county-c", "--amount",
			     "1", "--reference", "BV-x", NULL),
			 6);
	assert_non_null(strstr(w->p->err, "county-c is not a unit of case " CASE));
	assert_int_equal(cli(w, w->x, "funds", "assign", CASE, "--amount", "1", NULL), 7);

	/* In transit until county A confirms it; county B may not. */
	assert_true(until(w, w->a, "funds", "funds/in_transit_fen", "30000000"));
	{
		json_t *j = cl_json(w->out);

		snprintf(seq, sizeof(seq), "%lld",
			 (long long)json_integer_value(json_object_get(
				 json_object_get(
					 json_array_get(json_object_get(json_object_get(j, "funds"),
									"transfers"),
							0),
					 "transfer"),
				 "seq")));
		json_decref(j);
	}
	snprintf(ref, sizeof(ref), "province:%s", seq);
	assert_true(until(w, w->b, "funds", "funds/in_transit_fen", "30000000"));
	assert_int_equal(cli(w, w->b, "funds", "receive", CASE, NULL), 7);
	assert_int_equal(cli(w, w->b, "funds", "receive", CASE, "--transfer", ref, NULL), 6);
	assert_non_null(strstr(w->b->err, "only county-a confirms receiving it"));
	assert_int_equal(
		cli(w, w->a, "funds", "receive", CASE, "--reference", "BV-2027-0042", NULL), 0);
	assert_int_equal(cli(w, w->a, "funds", "receive", CASE, "--transfer", ref, NULL), 6);
	assert_non_null(strstr(w->a->err, "was received already"));

	/* Spending needs a filed stage report. */
	assert_int_equal(cli(w, w->a, "funds", "spend", CASE, "--amount", "120000.50",
			     "--checkpoint", "0", NULL),
			 6);
	assert_non_null(strstr(w->a->err, "no stage report is filed for checkpoint 0"));
	assert_int_equal(cli(w, w->a, "update", CASE, "--stage-report", "0", "--text",
			     "reach 1 dredged: 3,400 m3 of sediment removed", NULL),
			 0);
	assert_int_equal(cli(w, w->a, "funds", "spend", CASE, "--amount", "120000.50",
			     "--checkpoint", "0", "--purpose", "dredging contractor, reach 1",
			     "--reference", "PAY-2027-17", NULL),
			 0);
	/* Overspending is refused, naming what county A holds. */
	assert_int_equal(cli(w, w->a, "funds", "spend", CASE, "--amount", "200000", "--checkpoint",
			     "0", NULL),
			 6);
	assert_non_null(strstr(w->a->err, "spending 20000000 fen exceeds what county-a holds for "
					  "case " CASE ": 17999950 fen (assigned 0 + received "
					  "30000000 - transferred 0 - spent 12000050)"));

	/* The same figures at the province, county A and county B. */
	figures(w, w->p);
	figures(w, w->a);
	figures(w, w->b);
	/* County C, not party to the case, holds none of it. */
	assert_int_equal(cli(w, w->x, "funds", CASE, NULL), 7);
	/* For people. */
	assert_int_equal(cli(w, w->p, "funds", CASE, NULL), 0);
	assert_non_null(strstr(w->out, "500000.00"));
	assert_non_null(strstr(w->out, "179999.50"));
	assert_non_null(strstr(w->out, "BV-2027-0042"));
	assert_int_equal(cli(w, w->p, "show", CASE, NULL), 0);
	assert_non_null(strstr(w->out, "FUNDS spent: 120000.50 yuan"));
}

static void test_substitute(void **state)
{
	cl_world_t *w = *state;

	/* Only the unit handling the case orders substitute performance. */
	assert_int_equal(cli(w, w->p, "remediation", "order", CASE, "--party", "x", "--scope", "y",
			     "--cost", "1", "--deadline", "+1d", NULL),
			 6);
	assert_non_null(strstr(w->p->err, "only the unit handling case " CASE " (county-a)"));
	assert_int_equal(cli(w, w->a, "remediation", "order", CASE, "--party", "x", "--scope", "y",
			     "--cost", "-1", "--deadline", "+1d", NULL),
			 2);
	/* County A orders it, due in 3 s; nobody accepts it in time. */
	assert_int_equal(cli(w, w->a, "remediation", "order", CASE, "--party",
			     "浙江清源环境工程有限公司", "--credit-code", "91330400MA2B3C4D5E",
			     "--scope",
			     "dredge reach 2 and dispose of the sediment as hazardous "
			     "waste",
			     "--cost", "80000", "--deadline", "+3s", "--document-no",
			     "嘉环代履〔2027〕3号", NULL),
			 0);
	assert_true(until(w, w->b, "show", "substitute_performance/0/cost_fen", "8000000"));
	/* The province escalates it to its own superior level, once. */
	assert_true(until(w, w->p, "show", "substitute_performance/0/overdue", "true"));
	assert_true(until(w, w->a, "show", "timeline/*/content/what", "substitute-performance"));
	assert_true(cl_log_contains(w->p, "escalated: county-a did not have substitute-performance "
					  "order 0 of " CASE));
	{
		time_t t = time(NULL) + 3;

		cl_until(cl_past, &t, 5000);
	}
	assert_int_equal(escalations(w, w->p, "county-a"), 1);
	/* Accepted late: county A only, once. */
	assert_int_equal(
		cli(w, w->p, "remediation", "accept", CASE, "--passed", "--findings", "x", NULL),
		6);
	assert_int_equal(cli(w, w->a, "remediation", "accept", CASE, "--passed", "--findings",
			     "sediment Cr below 150 mg/kg at all 12 points", "--final-cost",
			     "78500", NULL),
			 0);
	assert_int_equal(
		cli(w, w->a, "remediation", "accept", CASE, "--failed", "--findings", "x", NULL),
		7);
	assert_int_equal(cli(w, w->a, "remediation", "accept", CASE, "--order", "0", "--failed",
			     "--findings", "x", NULL),
			 6);
	assert_non_null(strstr(w->a->err, "was accepted already (passed)"));
	assert_true(until(w, w->p, "show", "substitute_performance/0/result", "passed"));
	assert_true(cl_out_has(w->out, "substitute_performance/0/final_cost_fen", "7850000"));
	assert_true(cl_out_has(w->out, "substitute_performance/0/overdue", "false"));
	assert_int_equal(escalations(w, w->p, "county-a"), 1);
	assert_int_equal(cli(w, w->b, "show", CASE, NULL), 0);
	assert_non_null(strstr(w->out, "substitute performance #0 by county-a"));
	assert_non_null(strstr(w->out, "passed"));
}

static void test_help(void **state)
{
	cl_world_t *w = *state;

	assert_int_equal(cli(w, w->p, "remediation", "order", "--help", NULL), 0);
	assert_non_null(strstr(w->out, "Usage: liandong remediation order"));
	assert_int_equal(cli(w, w->p, "funds", "--help", NULL), 0);
	assert_non_null(strstr(w->out, "liandong funds transfer"));
	assert_int_equal(cli(w, w->p, "funds", "spend", "--help", NULL), 0);
	assert_non_null(strstr(w->out, "--checkpoint N"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_funds),
		cmocka_unit_test(test_substitute),
	};

	return cmocka_run_group_tests(tests, cl_world_setup, cl_world_teardown);
}

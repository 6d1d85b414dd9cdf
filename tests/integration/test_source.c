/* tests/integration/test_source.c: the pollution-source register
 * (污染源档案) and the people a joint-action dispatch names, through the
 * real `liandong` tool against real daemons: a province (330000) and two
 * counties (330402, 330421).
 *
 * A county publishes a source with outlets and permits; the other county
 * and the province read it, each permit judged valid, expiring or expired;
 * publishing again replaces the record; a source outside the county's
 * region is refused before signing, and one signed anyway (forged into its
 * feed) is in nobody's register; the cases naming the source's credit code
 * are listed with it. A dispatch names an expert and a liaison person from
 * a county's directory: a participant sees them resolved; a person in no
 * directory held is refused, nothing signed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cluster.h"
#include "testutil.h"
#include "common/store/store.h"
#include "common/views/views.h"
#include "entry.pb-c.h"
#include "source.pb-c.h"

/* Valid codes (GB 32100-2015 check characters). */
#define CODE_A "91330402MA2B3C4D53"   /* county A's electroplating works */
#define CODE_B "91330421MA2C7K8L92"   /* in county B's region */
#define CODE_C "91330481MA28D4E5FU"   /* a second source of county A's */
#define CODE_D "91330421MA2D0E1F2P"   /* only ever signed outside its author's region */
#define CODE_E "91330402MA2E5F6G7L"   /* from a JSON file */
#define CODE_BAD "91330402MA2B3C4D54" /* CODE_A with a wrong check character */

typedef struct world {
	cluster_t *c;
	tn_t *p, *a, *b;
	char out[65536];
} world_t;

#define cli(w, node, ...) cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__)

static int setup(void **state)
{
	world_t *w = calloc(1, sizeof(*w));
	const char *to_p[] = {"province"};
	tn_t *all[3];

	w->c = cl_new("source");
	w->p = all[0] = cl_node(w->c, "province", true, NULL, NULL, 0);
	w->a = all[1] = cl_node(w->c, "county-a", false, "province", to_p, 1);
	w->b = all[2] = cl_node(w->c, "county-b", false, "province", to_p, 1);
	snprintf(w->p->region, sizeof(w->p->region), "330000");
	snprintf(w->a->region, sizeof(w->a->region), "330402");
	snprintf(w->b->region, sizeof(w->b->region), "330421");
	if (cl_start(w->c, w->p) < 0)
		return -1;
	for (size_t i = 0; i < 3; i++)
		if (cl_roster_add(w->c, all[i]) < 0)
			return -1;
	for (size_t i = 1; i < 3; i++)
		if (cl_start(w->c, all[i]) < 0 || cl_wait(all[i], "province", 3, 15000) < 0)
			return -1;
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

/* `ARGS --json` at n succeeds and its output has 'path' matching 'want'. */
struct q {
	world_t *w;
	tn_t *n;
	const char *a0, *a1, *path, *want;
};

static bool has(void *ud)
{
	struct q *q = ud;

	if (cli(q->w, q->n, "source", q->a0, q->a1, "--json", NULL) != 0)
		return false;
	return cl_out_has(q->w->out, q->path, q->want);
}

static bool until(world_t *w, tn_t *n, const char *a0, const char *a1, const char *path,
		  const char *want)
{
	struct q q = {w, n, a0, a1, path, want};

	return cl_until(has, &q, 20000);
}

/* Sign an entry into n's feed without the daemon's checks, as a broken or
 * hostile unit could: the daemon stopped, the entry appended to its store
 * directly with its key, the daemon started again. Returns its seq. */
static uint64_t forge(world_t *w, tn_t *n, uint32_t kind, const void *payload, size_t len)
{
	ld_append_req_t q = {
		.kind = kind, .everyone = true, .payload = payload, .payload_len = len};
	ld_store_t *s;
	char dir[700];
	int64_t head = cl_head(n, n->id);

	assert_true(head > 0);
	assert_int_equal(cl_stop(w->c, n), 0);
	snprintf(dir, sizeof(dir), "%s/data", n->dir);
	assert_int_equal(ld_views_open(dir, w->c->root->sign_pub, NULL, &s), 0);
	assert_int_equal(ld_store_set_local(s, n->id, n->key), 0);
	assert_int_equal(ld_store_append(s, &q, 1, NULL), 0);
	ld_store_destroy(&s);
	assert_int_equal(cl_start(w->c, n), 0);
	return (uint64_t)head + 1;
}

/* The permit 'no' of the record in w->out (show --json): its state. */
static bool permit_state(world_t *w, const char *no, const char *state)
{
	json_t *j = cl_json(w->out), *p = cl_jfind(j, "source/permits", "permit_no", no);
	bool r = p && cl_jhas(p, "state", state);

	json_decref(j);
	return r;
}

static void test_register(void **state)
{
	world_t *w = *state;
	int64_t signed_a;

	/* Malformed: a wrong check character, a region not of 6 digits. */
	signed_a = cl_signed(w->a);
	assert_int_equal(cli(w, w->a, "source", "publish", "--code", CODE_BAD, "--name", "x",
			     "--region", "330402", NULL),
			 2);
	assert_non_null(strstr(w->a->err, "check character is 4"));
	assert_int_equal(cli(w, w->a, "source", "publish", "--code", CODE_A, "--name", "x",
			     "--region", "3304", NULL),
			 2);
	/* Outside county A's region (330421 is county B's): refused, exit 6. */
	assert_int_equal(cli(w, w->a, "source", "publish", "--code", CODE_B, "--name",
			     "某印染有限公司", "--region", "330421", NULL),
			 6);
	assert_non_null(strstr(w->a->err, "outside county-a's region 330402"));
	assert_int_equal(cl_signed(w->a), signed_a);

	/* County A publishes its works: two outlets, three permits. */
	assert_int_equal(cli(w, w->a, "source", "publish", "--code", CODE_A, "--name",
			     "嘉兴某电镀有限公司", "--region", "330402", "--address",
			     "南湖区工业园 8 号", "--industry", "electroplating", "--outlet",
			     "DW001,water,30.75,120.76,county-a/S1", "--outlet", "DA001,air",
			     "--permit", "P-NOW,2024-01-01,+400d,COD=50 mg/L;NH3-N=5 mg/L",
			     "--permit", "P-SOON,2024-01-01,+10d", "--permit",
			     "P-OLD,2019-01-01,2020-12-31", NULL),
			 0);
	assert_non_null(strstr(w->out, "source " CODE_A " signed as county-a #"));
	/* Every unit reads it: the other county and the province. */
	assert_true(until(w, w->b, "show", CODE_A, "source/name", "嘉兴某电镀有限公司"));
	assert_true(until(w, w->p, "show", CODE_A, "source/name", "嘉兴某电镀有限公司"));
	assert_int_equal(cli(w, w->b, "source", "show", CODE_A, "--json", NULL), 0);
	assert_true(cl_out_has(w->out, "source/published_by", "county-a"));
	assert_true(cl_out_has(w->out, "source/outlets/*/station_id", "county-a/S1"));
	assert_true(cl_out_has(w->out, "source/outlets/*/type", "air"));
	assert_true(cl_out_has(w->out, "source/permits/*/pollutants/*", "NH3-N"));
	/* Permit states, judged at the time of the query. */
	assert_true(permit_state(w, "P-NOW", "valid"));
	assert_true(permit_state(w, "P-SOON", "expiring"));
	assert_true(permit_state(w, "P-OLD", "expired"));
	assert_true(cl_out_has(w->out, "source/state", "valid"));
	/* For people: the states in words, the outlets. */
	assert_int_equal(cli(w, w->p, "source", "show", CODE_A, NULL), 0);
	assert_non_null(strstr(w->out, "P-SOON"));
	assert_non_null(strstr(w->out, "expiring"));
	assert_non_null(strstr(w->out, "DW001"));

	/* A second source whose only permit ends within 30 days: --expiring. */
	assert_int_equal(cli(w, w->a, "source", "publish", "--code", CODE_C, "--name",
			     "某化工有限公司", "--region", "330402", "--permit",
			     "P-C,2024-01-01,+20d", NULL),
			 0);
	assert_true(until(w, w->p, "list", "--expiring", "sources/*/credit_code", CODE_C));
	assert_false(cl_out_has(w->out, "sources/*/credit_code", CODE_A));
	assert_true(cl_out_has(w->out, "sources/*/state", "expiring"));
	assert_int_equal(cli(w, w->p, "source", "list", "--region", "330421", NULL), 7);
	assert_int_equal(cli(w, w->p, "source", "list", "--region", "3304", "--json", NULL), 0);
	assert_true(cl_out_has(w->out, "sources/*/credit_code", CODE_A));
	assert_true(cl_out_has(w->out, "sources/*/credit_code", CODE_C));

	/* Published again by the same unit: the new record replaces the old. */
	assert_int_equal(cli(w, w->a, "source", "publish", "--code", CODE_A, "--name",
			     "嘉兴某电镀股份有限公司", "--region", "330402", "--permit",
			     "P-NEW,2024-01-01,+800d", NULL),
			 0);
	assert_true(until(w, w->b, "show", CODE_A, "source/name", "嘉兴某电镀股份有限公司"));
	assert_false(cl_out_has(w->out, "source/permits/*/permit_no", "P-NOW"));
	assert_true(cl_out_has(w->out, "source/permits/*/state", "valid"));

	/* From a JSON file: an array, the fields show --json prints. */
	{
		char path[700];
		FILE *f;

		snprintf(path, sizeof(path), "%s/sources.json", w->a->dir);
		assert_non_null(f = fopen(path, "w"));
		fputs("[{\"credit_code\": \"" CODE_E "\", \"name\": \"某印刷厂\", "
		      "\"region_code\": \"330402\", \"outlets\": [{\"outlet_id\": \"DA001\", "
		      "\"type\": \"air\", \"lat\": 30.7, \"lon\": 120.7}], \"permits\": "
		      "[{\"permit_no\": \"P-E\", \"valid_from\": \"2020-01-01\", "
		      "\"valid_to\": \"2021-06-30\", \"pollutants\": [\"VOCs\"], "
		      "\"limits\": [60], \"limit_units\": [\"mg/m3\"]}]},"
		      " {\"credit_code\": \"" CODE_BAD "\", \"name\": \"x\", "
		      "\"region_code\": \"330402\"}]",
		      f);
		fclose(f);
		/* One bad record: nothing of the file is signed. */
		signed_a = cl_signed(w->a);
		assert_int_equal(cli(w, w->a, "source", "publish", "--file", path, NULL), 2);
		assert_int_equal(cl_signed(w->a), signed_a);
		assert_non_null(f = fopen(path, "w"));
		fputs("{\"credit_code\": \"" CODE_E "\", \"name\": \"某印刷厂\", "
		      "\"region_code\": \"330402\", \"outlets\": [{\"outlet_id\": \"DA001\", "
		      "\"type\": \"air\", \"lat\": 30.7, \"lon\": 120.7}], \"permits\": "
		      "[{\"permit_no\": \"P-E\", \"valid_from\": \"2020-01-01\", "
		      "\"valid_to\": \"2021-06-30\", \"pollutants\": [\"VOCs\"], "
		      "\"limits\": [60], \"limit_units\": [\"mg/m3\"]}]}",
		      f);
		fclose(f);
		assert_int_equal(cli(w, w->a, "source", "publish", "--file", path, NULL), 0);
		assert_true(until(w, w->b, "show", CODE_E, "source/state", "expired"));
		assert_true(cl_out_has(w->out, "source/outlets/0/lat_e6", "30700000"));
		assert_true(cl_out_has(w->out, "source/permits/0/limit_units/0", "mg/m3"));
	}

	/* The province's region contains county B's: it may publish there. */
	assert_int_equal(cli(w, w->p, "source", "publish", "--code", CODE_B, "--name",
			     "某印染有限公司", "--region", "330421", "--json", NULL),
			 0);
	assert_true(until(w, w->b, "show", CODE_B, "source/published_by", "province"));

	/* The cases naming a source's code, with the source. */
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", "county-a/S-1",
			     "--title", "电镀废水超标", "--violation", "water", "--facts",
			     "总铬超标", "--party", "嘉兴某电镀股份有限公司", "--credit-code",
			     CODE_A, "--region", "330402", NULL),
			 0);
	assert_true(until(w, w->b, "show", CODE_A, "cases/cases/*", "county-a/S-1"));
	assert_true(cl_out_has(w->out, "cases/other_cases", "1"));
	assert_int_equal(cli(w, w->b, "source", "show", CODE_A, NULL), 0);
	assert_non_null(strstr(w->out, "county-a/S-1"));
}

/* A source outside its author's region, signed anyway: every node holds
 * the entry, none has it in its register. */
static void test_forged_outside_region(void **state)
{
	world_t *w = *state;
	Ld__PollutionSource m = LD__POLLUTION_SOURCE__INIT;
	tn_t *all[] = {w->p, w->a, w->b};
	uint8_t buf[256];
	uint64_t seq;

	/* CODE_B is the province's record; county A's later one is not. */
	m.credit_code = CODE_B;
	m.name = "越界登记";
	m.region_code = "330421";
	forge(w, w->a, LD__KIND__KIND_POLLUTION_SOURCE, buf, ld__pollution_source__pack(&m, buf));
	/* A code only county A published, outside its region. */
	m.credit_code = CODE_D;
	seq = forge(w, w->a, LD__KIND__KIND_POLLUTION_SOURCE, buf,
		    ld__pollution_source__pack(&m, buf));
	assert_int_equal(cl_wait(w->p, "county-a", seq, 20000), 0);
	assert_int_equal(cl_wait(w->b, "county-a", seq, 20000), 0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(cli(w, all[i], "source", "show", CODE_B, "--json", NULL), 0);
		assert_true(cl_out_has(w->out, "source/published_by", "province"));
		assert_false(cl_out_has(w->out, "source/name", "越界登记"));
		assert_int_equal(cli(w, all[i], "source", "show", CODE_D, NULL), 7);
		assert_int_equal(
			cli(w, all[i], "source", "list", "--region", "330421", "--json", NULL), 0);
		assert_false(cl_out_has(w->out, "sources/*/credit_code", CODE_D));
	}
}

/* `show ID` (or `directory --unit ID`) at n succeeds. */
struct sq {
	world_t *w;
	tn_t *n;
	const char *id;
	bool dir;
};

static bool shown(void *ud)
{
	struct sq *q = ud;

	return (q->dir ? cli(q->w, q->n, "directory", "--unit", q->id, NULL)
		       : cli(q->w, q->n, "show", q->id, NULL)) == 0;
}

static void test_dispatch_people(void **state)
{
	world_t *w = *state;
	char action[128];
	int64_t signed_p;
	json_t *j;

	assert_int_equal(cli(w, w->b, "directory", "publish", "--liaison",
			     "l-zhang,duty officer,张伟,13800000001", "--expert",
			     "e-li,李娟,water sampling;ecological damage appraisal,13900000002",
			     NULL),
			 0);
	assert_true(cl_until(shown, &(struct sq){w, w->p, "county-b", true}, 20000));
	/* Someone in no directory held: refused precisely, nothing signed. */
	signed_p = cl_signed(w->p);
	assert_int_equal(cli(w, w->p, "dispatch", "--kind", "joint-inspection", "--priority",
			     "urgent", "--title", "电镀园区联合检查", "--instructions", "i",
			     "--ack-by", "+1d", "--participant", "county-a", "--expert",
			     "county-b:e-wang", NULL),
			 7);
	assert_non_null(strstr(w->p->err, "lists no expert 'e-wang'"));
	assert_int_equal(cli(w, w->p, "dispatch", "--kind", "joint-inspection", "--priority",
			     "urgent", "--title", "电镀园区联合检查", "--instructions", "i",
			     "--ack-by", "+1d", "--participant", "county-a", "--liaison",
			     "county-a:l-x", NULL),
			 7);
	assert_non_null(strstr(w->p->err, "no directory of county-a is held here"));
	assert_int_equal(cl_signed(w->p), signed_p);

	/* Named and listed: signed, and resolved at a participant. */
	assert_int_equal(cli(w, w->p, "dispatch", "--kind", "joint-inspection", "--priority",
			     "urgent", "--title", "电镀园区联合检查", "--instructions", "i",
			     "--ack-by", "+1d", "--participant", "county-a", "--expert",
			     "county-b:e-li", "--liaison", "county-b:l-zhang", "--json", NULL),
			 0);
	j = cl_json(w->out);
	snprintf(action, sizeof(action), "%s", json_string_value(json_object_get(j, "action")));
	json_decref(j);
	assert_true(cl_until(shown, &(struct sq){w, w->a, action, false}, 20000));
	assert_non_null(strstr(w->out, "county-b:e-li  李娟, water sampling, 13900000002"));
	assert_non_null(strstr(w->out, "county-b:l-zhang  张伟, duty officer, 13800000001"));
	assert_int_equal(cli(w, w->a, "show", action, "--json", NULL), 0);
	assert_true(cl_out_has(w->out, "timeline/*/content/experts/*/person_id", "e-li"));
	assert_true(cl_out_has(w->out, "timeline/*/content/liaisons/*/unit", "county-b"));
	/* County B, whose people it names, reads the dispatch too. */
	assert_true(cl_until(shown, &(struct sq){w, w->b, action, false}, 20000));
	assert_non_null(strstr(w->out, "电镀园区联合检查"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_forged_outside_region),
		cmocka_unit_test(test_dispatch_people),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

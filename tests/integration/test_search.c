/* tests/integration/test_search.c: `liandong cases` on real daemons. Cases
 * with Chinese titles and parties are referred with the real `liandong
 * refer` at the counties; then the province and the counties search them by
 * a pair of characters, one character, party, credit code, region, status,
 * violation, time and combinations, with --limit and --json (parsed). A
 * county finds nothing of a case between two other counties; a re-referral
 * leaves nothing of the old text; `liandong reindex` gives the same answers. */
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

typedef cl_world_t world_t;

#define cli(w, node, ...) cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__)

/* The output, parsed: the ids of its "cases", in order, joined by spaces
 * (the part after "county-x/"), and its total (-1: null). */
static const char *tj_cases(const char *out, long long *total)
{
	static char ids[1024];
	json_t *j = cl_json(out), *x, *t = json_object_get(j, "total");
	size_t i;

	assert_true(json_is_integer(t) || json_is_null(t));
	*total = json_is_integer(t) ? (long long)json_integer_value(t) : -1;
	ids[0] = '\0';
	json_array_foreach(json_object_get(j, "cases"), i, x)
	{
		const char *id = json_string_value(json_object_get(x, "case"));

		assert_non_null(id);
		assert_non_null(strchr(id, '/'));
		snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s", ids[0] ? " " : "",
			 strchr(id, '/') + 1);
	}
	json_decref(j);
	return ids;
}

/* `liandong cases ARGS --json` at node: the ids found and the total. */
#define FIND(w, node, want, want_total, ...)                                                       \
	do {                                                                                       \
		long long t_;                                                                      \
		assert_int_equal(cli(w, node, "cases", "--json", __VA_ARGS__, NULL), 0);           \
		assert_string_equal(tj_cases((w)->out, &t_), want);                                \
		assert_int_equal(t_, want_total);                                                  \
	} while (0)

struct found_q {
	world_t *w;
	tn_t *n;
	const char *args[4];
	long long total;
};

static bool found_total(void *ud)
{
	struct found_q *q = ud;
	long long t;

	if (cl_cli(q->n, q->w->out, sizeof(q->w->out), "cases", "--json", q->args[0], q->args[1],
		   q->args[2], q->args[3], NULL) != 0)
		return false;
	tj_cases(q->w->out, &t);
	return t == q->total;
}

/* Wait until `cases --json ARGS` at n counts 'total' (replication). */
static void wait_total(world_t *w, tn_t *n, long long total, const char *a0, const char *a1)
{
	struct found_q q = {w, n, {a0, a1, NULL, NULL}, total};

	assert_true(cl_until(found_total, &q, 15000));
}

static void refer(world_t *w, tn_t *from, const char *to, const char *id, const char *title,
		  const char *party, const char *code, const char *region, const char *violation)
{
	if (code)
		assert_int_equal(cli(w, from, "refer", "--to", to, "--case", id, "--title", title,
				     "--violation", violation, "--facts", "现场检查发现", "--party",
				     party, "--credit-code", code, "--region", region, NULL),
				 0);
	else
		assert_int_equal(cli(w, from, "refer", "--to", to, "--case", id, "--title", title,
				     "--violation", violation, "--facts", "现场检查发现", "--party",
				     party, "--region", region, NULL),
				 0);
}

static void fmt_utc(time_t t, char *buf, size_t n)
{
	struct tm tm;

	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

static void test_search(void **state)
{
	world_t *w = *state;
	static char json1[sizeof(((world_t *)0)->out)];
	char since[32], until[32];
	time_t t;

	refer(w, w->a, "county-b", "county-a/s1", "某某化工有限公司向XX河偷排含镍废水",
	      "嘉兴某某化工有限公司", "91330402MA28A1B2C3", "330402", "water");
	refer(w, w->a, "county-b", "county-a/s2", "印染厂夜间偷排废水", "海宁印染有限公司",
	      "91330481MA28D4E5F6", "330481", "water");
	/* The first two are referred by 'until'; the others from 'since' on,
	 * a second later. */
	t = time(NULL) + 1;
	fmt_utc(t, until, sizeof(until));
	t++;
	fmt_utc(t, since, sizeof(since));
	assert_true(cl_until(cl_past, &t, 5000));
	refer(w, w->b, "county-a", "county-b/s3", "非法倾倒危险废物", "张三", NULL, "320500",
	      "hazardous-waste");
	refer(w, w->b, "county-c", "county-b/s4", "砂场在禁采区非法采砂", "某某砂石有限公司", NULL,
	      "330481", "sand-mining");
	wait_total(w, w->b, 2, "--text", "废水");
	assert_int_equal(cli(w, w->b, "respond", "county-a/s1", "accept", NULL), 0);
	assert_int_equal(cli(w, w->b, "respond", "county-a/s2", "reject", "--reason",
			     "企业不在本辖区", NULL),
			 0);
	assert_int_equal(cli(w, w->b, "update", "county-a/s1", "--status", "investigating", NULL),
			 0);
	wait_total(w, w->p, 1, "--status", "investigating");
	wait_total(w, w->p, 1, "--status", "rejected");
	wait_total(w, w->p, 4, "--region", "33");

	/* The province holds its subtree: every case. */
	FIND(w, w->p, "s2 s1", 2, "--text", "废水");	   /* a pair of characters */
	FIND(w, w->p, "s1", 1, "--text", "镍");		   /* one character */
	FIND(w, w->p, "s1", 1, "--text", "xx河 含镍废水"); /* mixed, a longer run */
	FIND(w, w->p, "", 0, "--text", "化工厂");
	FIND(w, w->p, "s2", 1, "--party", "印染");
	FIND(w, w->p, "s1", 1, "--credit-code", "91330402ma28a1b2c3");
	FIND(w, w->p, "s4 s2 s1", 3, "--region", "3304");
	FIND(w, w->p, "s4 s3 s2 s1", 4, "--region", "3301"); /* the units' region */
	FIND(w, w->p, "s1", 1, "--status", "accepted");
	FIND(w, w->p, "s1", 1, "--status", "investigating"); /* from a case update */
	FIND(w, w->p, "s2", 1, "--status", "rejected");
	FIND(w, w->p, "s4 s3", 2, "--status", "awaiting");
	FIND(w, w->p, "s3", 1, "--violation", "hazardous-waste");
	FIND(w, w->p, "s4 s3", 2, "--since", since);
	FIND(w, w->p, "s2 s1", 2, "--until", until);
	FIND(w, w->p, "s2", 1, "--text", "废水", "--region", "330481");
	FIND(w, w->p, "s1", 1, "--text", "废水", "--status", "accepted", "--violation", "water");
	FIND(w, w->p, "s4", 1, "--region", "330481", "--since", since);
	FIND(w, w->p, "s2", 2, "--text", "废水", "--limit", "1");
	{
		json_t *j = cl_json(w->out), *c = json_array_get(json_object_get(j, "cases"), 0);

		assert_true(cl_jhas(c, "title", "印染厂夜间偷排废水"));
		assert_true(cl_jhas(c, "party", "海宁印染有限公司"));
		assert_true(cl_jhas(c, "referrer", "county-a"));
		assert_true(cl_jhas(c, "holder", "county-b"));
		assert_true(cl_jhas(c, "status", "rejected"));
		assert_true(cl_jhas(c, "case_status", "null"));
		assert_true(cl_jhas(c, "violation", "water"));
		assert_true(json_integer_value(json_object_get(c, "referred_ms")) > 0);
		assert_true(cl_jhas(c, "referred", "~T"));
		assert_true(cl_jhas(j, "rebuilding", "false"));
		json_decref(j);
	}

	/* Text (a golden line): one line per case, the count of the rest;
	 * nothing found is no error but says so; bad options are usage
	 * errors, nothing asked. */
	assert_int_equal(cli(w, w->p, "search", "--text", "废水", "--limit", "1", NULL), 0);
	assert_non_null(strstr(w->out, "county-a/s2"));
	assert_non_null(strstr(w->out, "印染厂夜间偷排废水  [海宁印染有限公司]"));
	assert_non_null(strstr(w->out, "(1 shown of 2 matching"));
	assert_null(strstr(w->out, "county-a/s1"));
	assert_int_equal(cli(w, w->p, "cases", "--party", "不存在的公司", NULL), 0);
	assert_string_equal(w->out, "");
	assert_non_null(strstr(w->p->err, "no case matches"));
	FIND(w, w->p, "", 0, "--party", "不存在的公司");
	assert_int_equal(cli(w, w->p, "cases", "--region", "33x", NULL), 2);
	assert_non_null(strstr(w->p->err, "--region '33x'"));
	assert_int_equal(cli(w, w->p, "cases", "--credit-code", "9133", NULL), 2);
	assert_int_equal(cli(w, w->p, "cases", "--status", "sunny", NULL), 2);
	assert_int_equal(cli(w, w->p, "cases", "--since", "tomorrow", NULL), 2);
	assert_int_equal(cli(w, w->p, "cases", "--since", since, "--until", until, NULL), 2);

	/* County A reads its own cases and the one addressed to it, not the
	 * case between B and C. */
	FIND(w, w->a, "", 0, "--text", "采砂");
	FIND(w, w->a, "s3 s2 s1", 3, "--region", "33");
	FIND(w, w->a, "s3", 1, "--party", "张三");
	FIND(w, w->x, "s4", 1, "--text", "采砂");
	FIND(w, w->x, "", 0, "--text", "废水");

	/* Rejected, referred again with another title and party: the old text
	 * finds nothing any more, anywhere. */
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", "county-a/s2",
			     "--title", "皮革厂向运河排放含铬废水", "--violation", "water",
			     "--facts", "补充材料", "--party", "桐乡皮革有限公司", "--region",
			     "330483", NULL),
			 0);
	wait_total(w, w->p, 1, "--text", "含铬");
	FIND(w, w->p, "", 0, "--text", "印染");
	FIND(w, w->p, "", 0, "--credit-code", "91330481MA28D4E5F6");
	FIND(w, w->p, "s2", 1, "--party", "桐乡", "--status", "awaiting");
	FIND(w, w->a, "", 0, "--party", "海宁");

	/* Rebuilt from the feeds: the same answers, byte for byte. */
	assert_int_equal(cli(w, w->p, "cases", "--json", "--region", "33", NULL), 0);
	memcpy(json1, w->out, sizeof(json1));
	assert_int_equal(cli(w, w->p, "reindex", NULL), 0);
	assert_int_equal(cli(w, w->p, "cases", "--json", "--region", "33", NULL), 0);
	assert_string_equal(json1, w->out);
	FIND(w, w->p, "s2 s1", 2, "--text", "废水");
	FIND(w, w->p, "s1", 1, "--text", "镍");
	assert_int_equal(cli(w, w->x, "reindex", NULL), 0);
	FIND(w, w->x, "s4", 1, "--text", "采砂");
	FIND(w, w->x, "", 0, "--text", "废水");
}

/* Repeat offenders (重复违法比对): one enterprise referred by county A and by
 * county C, both to county B. B and the province hold both cases and `show`
 * tells them of the other one, in another region; A holds only its own and
 * learns of nothing. */
static bool holds(void *ud)
{
	void **a = ud;
	world_t *w = a[0];

	return cli(w, (tn_t *)a[1], "show", (const char *)a[2], "--json", NULL) == 0;
}

static long long other_cases(world_t *w, tn_t *n, const char *id)
{
	json_t *j, *x;
	long long c = -1;

	assert_int_equal(cli(w, n, "show", id, "--json", NULL), 0);
	j = cl_json(w->out);
	x = json_array_get(json_object_get(j, "repeat_parties"), 0);
	if (x) {
		c = json_integer_value(json_object_get(x, "other_cases"));
		if (c > 0)
			assert_int_equal(json_integer_value(json_object_get(x, "other_regions")),
					 1);
	}
	json_decref(j);
	return c;
}

static void test_repeat_offender(void **state)
{
	world_t *w = *state;
	const char *code = "91330400MA2B3C4D5E";

	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", "county-a/R-1",
			     "--title", "印染厂偷排", "--violation", "water", "--facts", "COD 412",
			     "--region", "330402", "--party", "嘉兴某印染有限公司", "--credit-code",
			     code, NULL),
			 0);
	assert_int_equal(cli(w, w->x, "refer", "--to", "county-b", "--case", "county-c/R-2",
			     "--title", "同一企业夜间废气", "--violation", "air", "--facts", "VOCs",
			     "--region", "330421", "--party", "嘉兴某印染有限公司", "--credit-code",
			     code, NULL),
			 0);
	{
		void *b1[] = {w, w->b, "county-a/R-1"}, *b2[] = {w, w->b, "county-c/R-2"};
		void *p1[] = {w, w->p, "county-a/R-1"}, *p2[] = {w, w->p, "county-c/R-2"};

		assert_true(cl_until(holds, b1, 20000) && cl_until(holds, b2, 20000));
		assert_true(cl_until(holds, p1, 20000) && cl_until(holds, p2, 20000));
	}
	/* B and the province hold both: each case names the other. */
	assert_int_equal(other_cases(w, w->b, "county-a/R-1"), 1);
	assert_non_null(strstr(w->out, "county-c/R-2"));
	assert_int_equal(other_cases(w, w->p, "county-a/R-1"), 1);
	assert_int_equal(other_cases(w, w->p, "county-c/R-2"), 1);
	assert_non_null(strstr(w->out, "county-a/R-1"));
	/* A may not read county C's case: it learns of nothing, not even a count. */
	assert_int_equal(other_cases(w, w->a, "county-a/R-1"), 0);
	assert_null(strstr(w->out, "county-c/R-2"));
	/* And the text for people says it (English here: LC_ALL=C). */
	assert_int_equal(cli(w, w->b, "show", "county-a/R-1", NULL), 0);
	assert_non_null(strstr(w->out, "repeat offender"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_search, cl_world_setup, cl_world_teardown),
		cmocka_unit_test_setup_teardown(test_repeat_offender, cl_world_setup,
						cl_world_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

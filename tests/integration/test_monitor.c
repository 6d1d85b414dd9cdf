/* tests/integration/test_monitor.c: monitoring data and early warning
 * (智能预警) through the real `liandong` tool against real daemons.
 *
 * County A runs a section upstream, county B the border section downstream
 * of it (交界断面). When B's COD goes beyond the class III limit while A's
 * stays within it:
 *  - exactly one warning, signed by B, reaches B, A and the province within
 *    a replication round; county C, not concerned, holds it redacted;
 *  - more bad readings of the same episode raise nothing more; readings back
 *    within the limit and bad again raise a second one; a restart and a
 *    reindex raise nothing (each "nothing" is proved by a later warning of
 *    another parameter having been signed after it);
 *  - `refer --from-warning` makes a referral whose evidence is the warning
 *    and both sections' readings;
 *  - a unit cannot push another unit's station; a bad CSV line is refused
 *    with its line number and nothing is signed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <unistd.h>

#include "cluster.h"
#include "common/base/timeutil.h"
#include "testutil.h"

typedef cl_world_t world_t;

#define cli(w, node, ...) cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__)

#define UP "county-a/S-UP"
#define DOWN "county-b/S-DOWN"
#define MIN_MS 60000LL

static int64_t base_ms;

/* Write a CSV file in n's directory: a header, then one line per minute
 * from minute 'from' to 'to' (excluded): the time in ms, then 'row'. */
static void csv(tn_t *n, const char *name, char *path, size_t size, const char *head, int from,
		int to, const char *row)
{
	FILE *f;

	snprintf(path, size, "%s/%s", n->dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", head);
	for (int i = from; i < to; i++) {
		fprintf(f, "%lld%s\n", (long long)(base_ms + i * MIN_MS), row);
	}
	assert_int_equal(fclose(f), 0);
}

/* Warnings about 'param' at n (`warnings --json`), or -1. */
struct wq {
	world_t *w;
	tn_t *n;
	const char *param;
	int want;
};

static int count(world_t *w, tn_t *n, const char *param)
{
	json_t *j, *x;
	size_t i;
	int c = 0;

	if (cli(w, n, "warnings", "--json", NULL) != 0)
		return -1;
	j = cl_json(w->out);
	json_array_foreach(j, i, x)
	{
		if (!strcmp(json_string_value(json_object_get(x, "parameter")), param))
			c++;
	}
	json_decref(j);
	return c;
}

static bool count_is(void *ud)
{
	struct wq *q = ud;

	return count(q->w, q->n, q->param) == q->want;
}

static void until_count(world_t *w, tn_t *n, const char *param, int want)
{
	struct wq q = {w, n, param, want};

	if (!cl_until(count_is, &q, 20000))
		fail_msg("%s: %d warning(s) about %s expected, %d held", n->id, want, param,
			 count(w, n, param));
}

/* The warning about 'param' at n (newest), as JSON (caller decrefs). */
static json_t *warning(world_t *w, tn_t *n, const char *param)
{
	json_t *j, *x, *r = NULL;
	size_t i;

	assert_int_equal(cli(w, n, "warnings", "--json", NULL), 0);
	j = cl_json(w->out);
	json_array_foreach(j, i, x)
	{
		if (!r && !strcmp(json_string_value(json_object_get(x, "parameter")), param))
			r = json_incref(x);
	}
	json_decref(j);
	assert_non_null(r);
	return r;
}

/* The command view's warnings about 'param' at n: how many, and in *open
 * how many of them are still beyond their rule (the episode goes on). */
static int view_count(world_t *w, tn_t *n, const char *param, int *open)
{
	json_t *j, *x;
	size_t i;
	int c = 0;

	assert_int_equal(cli(w, n, "view", "--json", NULL), 0);
	j = cl_json(w->out);
	assert_non_null(json_object_get(j, "warnings"));
	*open = 0;
	json_array_foreach(json_object_get(j, "warnings"), i, x)
	{
		if (strcmp(json_string_value(json_object_get(x, "parameter")), param))
			continue;
		c++;
		*open += json_is_true(json_object_get(x, "open"));
		assert_string_equal(json_string_value(json_object_get(x, "station_id")), DOWN);
	}
	json_decref(j);
	return c;
}

static void push(world_t *w, tn_t *n, const char *station, const char *path)
{
	int64_t before = cl_head(n, n->id);

	assert_int_equal(cli(w, n, "monitor", "push", station, path, "--json", NULL), 0);
	assert_true(cl_head(n, n->id) > before);
}

static void stations(world_t *w)
{
	int64_t h;

	assert_int_equal(cli(w, w->a, "monitor", "add-station", "--id", "S-UP", "--name",
			     "南湖上游断面", "--region", "330402", "--medium", "water", "--class",
			     "3", "--basin", "京杭运河", NULL),
			 0);
	assert_int_equal(cli(w, w->b, "monitor", "add-station", "--id", "S-DOWN", "--name",
			     "秀洲交界断面", "--region", "330411", "--medium", "water", "--class",
			     "3", "--border", "--upstream", UP, "--lat", "30.77", "--lon", "120.71",
			     NULL),
			 0);
	/* B compares with what it holds of A's section. */
	h = cl_head(w->a, "county-a");
	assert_int_equal(cl_wait(w->b, "county-a", (uint64_t)h, 20000), 0);
}

static void test_border_warning(void **state)
{
	world_t *w = *state;
	char up[700], down[700], path[700];
	json_t *x;
	int64_t h;
	int open;

	base_ms = (ld_now_ms() / MIN_MS - 240) * MIN_MS; /* four hours ago */
	stations(w);
	/* Upstream within class III (COD 20 mg/L): 15.x. */
	csv(w->a, "up.csv", up, sizeof(up), "time,COD(mg/L),NH3-N(mg/L)", 0, 60, ",15.2,0.50");
	push(w, w->a, UP, up);
	h = cl_head(w->a, "county-a");
	assert_int_equal(cl_wait(w->b, "county-a", (uint64_t)h, 20000), 0);
	/* Downstream: 18 for half an hour, then 35. */
	{
		FILE *f;

		snprintf(down, sizeof(down), "%s/down.csv", w->b->dir);
		f = fopen(down, "w");
		assert_non_null(f);
		fprintf(f, "time,parameter,value,unit,flag\n");
		for (int i = 0; i < 60; i++)
			fprintf(f, "%lld,COD,%d,mg/L,N\n", (long long)(base_ms + i * MIN_MS),
				i < 30 ? 18 : 35);
		fclose(f);
	}
	push(w, w->b, DOWN, down);

	/* One warning, at B, A and the province. */
	until_count(w, w->b, "COD", 1);
	until_count(w, w->a, "COD", 1);
	until_count(w, w->p, "COD", 1);
	x = warning(w, w->p, "COD");
	assert_string_equal(json_string_value(json_object_get(x, "station_id")), DOWN);
	assert_string_equal(json_string_value(json_object_get(x, "rule")), "upstream");
	assert_string_equal(json_string_value(json_object_get(x, "feed")), "county-b");
	assert_true(json_real_value(json_object_get(x, "value")) == 35.0);
	assert_true(json_real_value(json_object_get(x, "limit")) == 20.0);
	assert_true(json_real_value(json_object_get(x, "upstream_value")) < 20.0);
	/* The first reading beyond the limit: minute 30. */
	assert_int_equal(json_integer_value(json_object_get(x, "at_ms")), base_ms + 30 * MIN_MS);
	json_decref(x);
	/* The command view shows it, its episode open, at all three. */
	{
		tn_t *at[] = {w->b, w->a, w->p};

		for (size_t i = 0; i < 3; i++) {
			assert_int_equal(view_count(w, at[i], "COD", &open), 1);
			assert_int_equal(open, 1);
		}
	}
	/* County C is not concerned: it holds the entry, not its payload. */
	h = cl_head(w->b, "county-b");
	assert_int_equal(cl_wait(w->x, "county-b", (uint64_t)h, 20000), 0);
	assert_int_equal(count(w, w->x, "COD"), 0);
	assert_int_equal(view_count(w, w->x, "COD", &open), 0);

	/* The same episode goes on (COD 36), and NH3-N goes beyond 1.0: only
	 * the NH3-N warning is new. */
	csv(w->b, "d2.csv", path, sizeof(path), "time,COD,NH3-N", 60, 90, ",36,2.5");
	push(w, w->b, DOWN, path);
	until_count(w, w->b, "NH3-N", 1);
	assert_int_equal(count(w, w->b, "COD"), 1);

	/* Back within the limit, then beyond again: a second COD warning. */
	snprintf(path, sizeof(path), "%s/d3.csv", w->b->dir);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fprintf(f, "time,COD\n");
		for (int i = 90; i < 120; i++)
			fprintf(f, "%lld,%d\n", (long long)(base_ms + i * MIN_MS),
				i < 100 ? 15 : 40);
		fclose(f);
	}
	push(w, w->b, DOWN, path);
	until_count(w, w->b, "COD", 2);
	until_count(w, w->p, "COD", 2);
	/* In the view, the first episode has ended, the second goes on. */
	assert_int_equal(view_count(w, w->p, "COD", &open), 2);
	assert_int_equal(open, 1);

	/* A restart raises nothing again: a TP warning signed after it is the
	 * proof the watcher ran. */
	assert_int_equal(cl_stop(w->c, w->b), 0);
	assert_int_equal(cl_start(w->c, w->b), 0);
	csv(w->b, "d4.csv", path, sizeof(path), "time,TP(mg/L)", 120, 130, ",0.5");
	push(w, w->b, DOWN, path);
	until_count(w, w->b, "TP", 1);
	assert_int_equal(count(w, w->b, "COD"), 2);
	assert_int_equal(count(w, w->b, "NH3-N"), 1);

	/* Rebuilding the views from the feeds raises nothing either. */
	assert_int_equal(cli(w, w->b, "reindex", NULL), 0);
	csv(w->b, "d5.csv", path, sizeof(path), "time,DO(mg/L)", 130, 140, ",2.0");
	push(w, w->b, DOWN, path);
	until_count(w, w->b, "DO", 1);
	assert_int_equal(count(w, w->b, "COD"), 2);
	assert_int_equal(count(w, w->b, "TP"), 1);

	/* `monitor show` at the province: the latest COD, beyond its limit. */
	assert_int_equal(
		cli(w, w->p, "monitor", "show", DOWN, "--from", "2000-01-01", "--json", NULL), 0);
	x = cl_json(w->out);
	assert_true(cl_jhas(x, "params/*/parameter", "COD"));
	assert_true(json_array_size(json_object_get(x, "readings")) >= 4);
	json_decref(x);

	/* The warning becomes a referral to the upstream county, carrying the
	 * readings of both sections. */
	x = warning(w, w->b, "NH3-N");
	{
		char ref[96], up_ref[96];
		json_t *rd = json_object_get(x, "readings"), *c;

		snprintf(ref, sizeof(ref), "%s:%lld", json_string_value(json_object_get(x, "feed")),
			 (long long)json_integer_value(json_object_get(x, "seq")));
		snprintf(up_ref, sizeof(up_ref), "%s",
			 json_string_value(json_object_get(rd, "feed")));
		assert_int_equal(cli(w, w->b, "refer", "--from-warning", ref, "--to", "county-a",
				     "--case", "county-b/W-0001", "--json", NULL),
				 0);
		assert_int_equal(cli(w, w->b, "show", "county-b/W-0001", "--json", NULL), 0);
		c = cl_json(w->out);
		assert_true(strstr(w->out, "监测预警移送") != NULL);
		assert_true(cl_jhas(c, "timeline/*/content/evidence/*/feed", "county-b"));
		assert_true(cl_jhas(c, "timeline/*/content/evidence/*/feed", "county-a"));
		json_decref(c);
		assert_string_equal(up_ref, "county-b");
	}
	json_decref(x);
}

static void test_refused(void **state)
{
	world_t *w = *state;
	char path[700];
	int64_t h;

	base_ms = (ld_now_ms() / MIN_MS - 60) * MIN_MS;
	stations(w);
	csv(w->b, "mine.csv", path, sizeof(path), "time,COD", 0, 5, ",10");
	/* B cannot push A's station. */
	h = cl_head(w->b, "county-b");
	assert_int_equal(cli(w, w->b, "monitor", "push", UP, path, NULL), 6);
	assert_non_null(strstr(w->b->err, "not a station of this node"));
	/* Nor publish a station under A's name. */
	assert_int_equal(cli(w, w->b, "monitor", "add-station", "--id", "county-a/X", "--name", "x",
			     "--region", "330411", "--medium", "water", NULL),
			 2);
	/* A bad line: refused with its line number, nothing signed. */
	{
		FILE *f;

		snprintf(path, sizeof(path), "%s/bad.csv", w->b->dir);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "time,COD\n%lld,12\n%lld,twelve\n", (long long)base_ms,
			(long long)(base_ms + MIN_MS));
		fclose(f);
	}
	assert_int_equal(cli(w, w->b, "monitor", "push", DOWN, path, NULL), 2);
	assert_non_null(strstr(w->b->err, "line 3"));
	assert_int_equal(cl_head(w->b, "county-b"), h);
	/* An unknown station. */
	assert_int_equal(cli(w, w->b, "monitor", "show", "county-b/NOPE", NULL), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_border_warning, cl_world_setup,
						cl_world_teardown),
		cmocka_unit_test_setup_teardown(test_refused, cl_world_setup, cl_world_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/integration/test_visibility.c: what units may see of each other's
 * work, and that the view never guesses, through the real `liandong` tool
 * against real daemons (province root, counties a, b, c):
 *  - participants of a joint action see each other's answers;
 *  - an answer held redacted (addressed narrowly, as older software did)
 *    shows "not visible here" and is never judged overdue;
 *  - a unit a case is designated to sees the rejection that led to it;
 *  - a refusal to a non-party names the rule, not the parties;
 *  - a revoked unit is told, and signs nothing more (exit 6). */
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

#include "action.pb-c.h"
#include "cluster.h"
#include "testutil.h"

#define ACT "province/A-VIS-1"
#define NARROW "province/A-VIS-2"
#define CASE "county-a/VIS-7"

typedef cl_world_t world_t;

#define cli(w, node, ...) cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__)

/* --- reading the tool's JSON: participants of a show (or of one action of
 * a view, as view_action() gives it) by node. --- */

/* Field 'key' of participant 'node' in the JSON text 'json' (an object with
 * "participants"), matched against 'want' as cl_jhas does. */
static bool part_is(const char *json, const char *node, const char *key, const char *want)
{
	json_t *j = cl_json(json), *p = cl_jfind(j, "participants", "node", node);
	bool r = p && cl_jhas(p, key, want);

	json_decref(j);
	return r;
}

/* State of participant 'node' in a show JSON (or a view_action()), into state. */
static bool part_state(const char *json, const char *node, char *state, size_t size)
{
	json_t *j = cl_json(json), *p = cl_jfind(j, "participants", "node", node);
	const char *v = p ? json_string_value(json_object_get(p, "state")) : NULL;

	if (v)
		snprintf(state, size, "%s", v);
	json_decref(j);
	return v != NULL;
}

static bool part_flag(const char *json, const char *node, const char *flag)
{
	return part_is(json, node, flag, "true");
}

/* Does participant 'node' carry "flag": false? */
static bool part_flag_false(const char *json, const char *node, const char *flag)
{
	return part_is(json, node, flag, "false");
}

/* The view's action 'id' as JSON text (valid until the next call). */
static const char *view_action(const char *json, const char *id)
{
	static char *last;
	json_t *j = cl_json(json), *a = cl_jfind(j, "actions", "action", id);

	free(last);
	last = a ? json_dumps(a, 0) : NULL;
	json_decref(j);
	return last;
}

struct state_q {
	world_t *w;
	tn_t *n;
	const char *id, *node, *state;
};

static bool shows_state(void *ud)
{
	struct state_q *q = ud;
	char st[64];

	return cli(q->w, q->n, "show", q->id, "--json", NULL) == 0 &&
	       part_state(q->w->out, q->node, st, sizeof(st)) && !strcmp(st, q->state);
}

/* The seq of what a --json command signed. */
static uint64_t signed_seq(const char *out)
{
	json_t *j = cl_json(out);
	uint64_t seq = (uint64_t)json_integer_value(json_object_get(j, "seq"));

	json_decref(j);
	return seq;
}

/* The must-show test: a participant county sees another
 * participant's decline and on-site answers, in show and in view. */
static void test_participants_see_each_other(void **state)
{
	world_t *w = *state;
	struct state_q q;
	const char *va;
	char st[64];

	assert_int_equal(cli(w, w->p, "dispatch", "--action", ACT, "--kind", "emergency",
			     "--priority", "emergency", "--title", "Oil sheen at the county border",
			     "--participant", "county-a:lead", "--participant", "county-b:support",
			     "--participant", "county-c:support", "--instructions", "boom at km 12",
			     "--ack-by", "+1d", NULL),
			 0);
	assert_int_equal(cl_wait(w->a, "province", 5, 15000), 0);
	assert_int_equal(cl_wait(w->b, "province", 5, 15000), 0);
	assert_int_equal(cl_wait(w->x, "province", 5, 15000), 0);
	assert_int_equal(
		cli(w, w->b, "decline", ACT, "--reason", "both boats in dry dock", "--json", NULL),
		0);
	assert_int_equal(
		cli(w, w->x, "report", ACT, "--status", "on-site", "--personnel", "4", NULL), 0);

	/* County A, a participant, sees B's decline and C's arrival. */
	q = (struct state_q){w, w->a, ACT, "county-b", "declined"};
	assert_true(cl_until(shows_state, &q, 15000));
	q = (struct state_q){w, w->a, ACT, "county-c", "on site"};
	assert_true(cl_until(shows_state, &q, 15000));
	assert_false(part_flag(w->out, "county-b", "overdue"));
	assert_false(part_flag_false(w->out, "county-b", "visible"));
	assert_true(cl_out_has(w->out, "timeline/*/content/reason", "both boats in dry dock"));
	assert_int_equal(cli(w, w->a, "view", "--json", NULL), 0);
	assert_non_null(va = view_action(w->out, ACT));
	assert_true(part_state(va, "county-b", st, sizeof(st)));
	assert_string_equal(st, "declined");
	assert_true(part_state(va, "county-c", st, sizeof(st)));
	assert_string_equal(st, "on site");
	assert_false(part_flag(va, "county-b", "overdue"));
	/* County C sees B's decline too, and B sees C on site. */
	q = (struct state_q){w, w->x, ACT, "county-b", "declined"};
	assert_true(cl_until(shows_state, &q, 15000));
	q = (struct state_q){w, w->b, ACT, "county-c", "on site"};
	assert_true(cl_until(shows_state, &q, 15000));
	/* The province, as before, sees everyone. */
	q = (struct state_q){w, w->p, ACT, "county-b", "declined"};
	assert_true(cl_until(shows_state, &q, 15000));
}

/* An answer addressed to the dispatcher only (as older software sent it)
 * is held redacted by another participant: "not visible here", and not
 * overdue, where a participant truly silent is overdue. */
static void test_redacted_answer_not_visible(void **state)
{
	world_t *w = *state;
	Ld__ActionResponse m = LD__ACTION_RESPONSE__INIT;
	Ld__EntryRef dref = LD__ENTRY_REF__INIT;
	const char *aud[] = {"province"};
	struct state_q q;
	ldc_ref_t ref;
	uint8_t buf[512];
	time_t due;
	const char *va;
	char st[64];
	uint64_t dseq;

	assert_int_equal(cli(w, w->p, "dispatch", "--action", NARROW, "--kind", "joint-inspection",
			     "--priority", "urgent", "--title", "Night check of the dye works",
			     "--participant", "county-a:lead", "--participant", "county-b:support",
			     "--participant", "county-c:observer", "--instructions",
			     "gate 2, 22:00", "--ack-by", "+4s", "--json", NULL),
			 0);
	due = time(NULL) + 5;
	dseq = signed_seq(w->out);
	assert_true(dseq > 0);
	assert_int_equal(cl_wait(w->b, "province", dseq, 15000), 0);
	/* County B acknowledges, addressed to the dispatcher only. */
	m.dispatch = &dref;
	dref.feed = "province";
	dref.has_seq = true;
	dref.seq = dseq;
	m.action_id = NARROW;
	m.has_response = true;
	m.response = LD__ACTION_REPLY__ACTION_REPLY_ACKNOWLEDGED;
	assert_int_equal(cl_append(w->b, LD__KIND__KIND_ACTION_RESPONSE, aud, 1, buf,
				   ld__action_response__pack(&m, buf), &ref),
			 0);
	assert_int_equal(cl_wait(w->a, "county-b", ref.seq, 15000), 0);
	/* The province reads it: acknowledged. */
	q = (struct state_q){w, w->p, NARROW, "county-b", "acknowledged"};
	assert_true(cl_until(shows_state, &q, 15000));
	/* Past the deadline, county A: B is not visible here (not overdue),
	 * C said nothing at all (overdue). */
	assert_true(cl_until(cl_past, &due, 15000));
	assert_int_equal(cli(w, w->a, "show", NARROW, "--json", NULL), 0);
	assert_true(part_state(w->out, "county-b", st, sizeof(st)));
	assert_string_equal(st, "not visible here");
	assert_false(part_flag(w->out, "county-b", "overdue"));
	assert_true(part_flag_false(w->out, "county-b", "visible"));
	assert_true(part_state(w->out, "county-c", st, sizeof(st)));
	assert_string_equal(st, "no answer");
	assert_true(part_flag(w->out, "county-c", "overdue"));
	/* The answer is in the timeline, marked as not visible, its content
	 * absent; the text says so in words (a golden check). */
	{
		json_t *j = cl_json(w->out), *x = cl_jfind(j, "timeline", "feed", "county-b");

		assert_non_null(x);
		assert_true(cl_jhas(x, "visible", "false"));
		assert_true(cl_jhas(x, "content", "null"));
		assert_true(cl_jhas(x, "summary", "~not visible here"));
		json_decref(j);
	}
	assert_int_equal(cli(w, w->a, "show", NARROW, NULL), 0);
	assert_non_null(strstr(w->out, "not visible here"));
	/* The command view says the same. */
	assert_int_equal(cli(w, w->a, "view", "--json", NULL), 0);
	assert_non_null(va = view_action(w->out, NARROW));
	assert_true(part_state(va, "county-b", st, sizeof(st)));
	assert_string_equal(st, "not visible here");
	assert_false(part_flag(va, "county-b", "overdue"));
	assert_true(part_flag_false(va, "county-b", "visible"));
	assert_true(part_flag(va, "county-c", "overdue"));
	assert_true(cl_out_has(va, "not_visible", "1"));
	/* Rebuilding the views from the feeds gives the same judgement. */
	assert_int_equal(cli(w, w->a, "reindex", NULL), 0);
	assert_int_equal(cli(w, w->a, "show", NARROW, "--json", NULL), 0);
	assert_true(part_state(w->out, "county-b", st, sizeof(st)));
	assert_string_equal(st, "not visible here");
}

struct show_q {
	world_t *w;
	tn_t *n;
	const char *id, *path, *want;
};

/* Does `show ID --json` at n have 'want' at 'path' (cl_jhas)? */
static bool show_has(void *ud)
{
	struct show_q *q = ud;

	return cli(q->w, q->n, "show", q->id, "--json", NULL) == 0 &&
	       cl_out_has(q->w->out, q->path, q->want);
}

/* County C, designated after B rejected the case, sees the rejection and
 * its reason (held redacted until then), and the evidence record; a
 * non-party is refused the evidence file without being told the parties. */
static void test_designated_sees_history(void **state)
{
	world_t *w = *state;
	struct show_q q;
	char src[700], dest[700], ref[96];
	uint64_t rej, ev;
	FILE *f;

	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", CASE, "--title",
			     "Tannery effluent in the Xi river", "--violation", "water", "--facts",
			     "chromium 3x limit at the outfall", NULL),
			 0);
	snprintf(src, sizeof(src), "%s/county-a/lab.txt", w->c->base);
	assert_non_null(f = fopen(src, "w"));
	fputs("Cr(VI) 0.31 mg/L, sample 2026-44", f);
	fclose(f);
	assert_int_equal(cli(w, w->a, "evidence", "add", CASE, src, "--type", "sampling",
			     "--evidence-id", "LAB-44", "--json", NULL),
			 0);
	ev = signed_seq(w->out);
	assert_true(ev > 0);
	assert_int_equal(cl_wait(w->b, "county-a", ev, 15000), 0);
	assert_int_equal(cli(w, w->b, "respond", CASE, "reject", "--reason",
			     "the outfall lies in county C, not in our county", "--json", NULL),
			 0);
	rej = signed_seq(w->out);
	assert_true(rej > 0);
	/* C holds the rejection already, redacted, and is no party yet. */
	assert_int_equal(cl_wait(w->x, "county-b", rej, 15000), 0);
	assert_int_equal(cl_wait(w->x, "county-a", ev, 15000), 0);
	assert_int_equal(cli(w, w->x, "show", CASE, NULL), 7);
	assert_null(strstr(w->x->err, "county-b"));

	/* A non-party is refused the evidence file: the rule, no parties. */
	snprintf(ref, sizeof(ref), "county-a:%llu", (unsigned long long)ev);
	snprintf(dest, sizeof(dest), "%s/county-c/lab.txt", w->c->base);
	assert_int_equal(cli(w, w->x, "evidence", "get", ref, "-o", dest, "--quiet", "--timeout",
			     "20", NULL),
			 6);
	assert_non_null(strstr(w->x->err, "not entitled"));
	assert_null(strstr(w->x->err, "county-b"));
	assert_null(strstr(w->x->err, CASE));
	assert_null(strstr(w->x->err, "LAB-44"));

	/* The province designates C: C sees what led to it. */
	assert_int_equal(cli(w, w->p, "designate", CASE, "--to", "county-c", NULL), 0);
	q = (struct show_q){w, w->x, CASE, "timeline/*/content/reason",
			    "the outfall lies in county C, not in our county"};
	assert_true(cl_until(show_has, &q, 20000));
	{
		json_t *j = cl_json(w->out);
		json_t *x = cl_jfind(j, "timeline", "kind", "referral-response");

		assert_true(cl_jhas(j, "holder", "county-c"));
		assert_true(cl_jhas(j, "status", "awaiting answer"));
		assert_non_null(x);
		assert_true(cl_jhas(x, "feed", "county-b"));
		assert_true(cl_jhas(x, "content/decision", "reject"));
		json_decref(j);
	}
	q = (struct show_q){w, w->x, CASE, "timeline/*/content/evidence_id", "LAB-44"};
	assert_true(cl_until(show_has, &q, 20000));
	assert_true(cl_log_contains(w->x, "earlier entr"));
	/* ...and, now entitled, fetches the file. */
	assert_int_equal(cli(w, w->x, "evidence", "get", ref, "-o", dest, "--quiet", "--timeout",
			     "20", NULL),
			 0);
}

struct revoked_q {
	world_t *w;
	tn_t *n;
};

static bool says_revoked(void *ud)
{
	struct revoked_q *q = ud;

	cli(q->w, q->n, "status", "--json", NULL);
	return !cl_out_has(q->w->out, "revoked", "null");
}

/* A revoked county is told by its status, and its signing commands are
 * refused (exit 6) with nothing signed. */
static void test_revoked_is_told(void **state)
{
	world_t *w = *state;
	struct revoked_q q = {w, w->x};
	char pat[96], want[100];
	int64_t head, root;

	head = cl_head(w->x, "county-c");
	assert_true(head >= 0);
	assert_int_equal(cl_roster_revoke(w->c, w->x, (uint64_t)head), 0);
	root = cl_head(w->p, "province");
	assert_true(cl_until(says_revoked, &q, 15000));
	snprintf(pat, sizeof(pat), "(roster entry province:%lld): test revocation",
		 (long long)root);
	{
		json_t *j = cl_json(w->out), *rv = json_object_get(j, "revoked");
		char seq[24];

		snprintf(seq, sizeof(seq), "%lld", (long long)root);
		assert_true(json_is_object(rv));
		assert_true(cl_jhas(rv, "roster_entry/feed", "province"));
		assert_true(cl_jhas(rv, "roster_entry/seq", seq));
		assert_true(cl_jhas(rv, "reason", "test revocation"));
		assert_true(json_integer_value(json_object_get(rv, "time_ms")) > 0);
		assert_true(cl_jhas(rv, "text", "~revoked by the root at "));
		snprintf(want, sizeof(want), "~%s", pat);
		assert_true(cl_jhas(rv, "text", want));
		json_decref(j);
	}
	/* The text says it first (a golden check of the status rendering). */
	assert_int_equal(cli(w, w->x, "status", NULL), 1);
	assert_non_null(strstr(w->out, "REVOKED: this node is revoked by the root at"));
	assert_non_null(strstr(w->out, pat));

	assert_int_equal(cli(w, w->x, "refer", "--to", "county-a", "--title", "x", "--violation",
			     "water", "--facts", "f", NULL),
			 6);
	assert_non_null(strstr(w->x->err, "revoked by the root at"));
	assert_int_equal(cli(w, w->x, "append", "--kind", "100", "--to", "county-a", "--text",
			     "hello", NULL),
			 6);
	assert_non_null(strstr(w->x->err, pat));
	assert_int_equal(cl_head(w->x, "county-c"), head);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_participants_see_each_other, cl_world_setup,
						cl_world_teardown),
		cmocka_unit_test_setup_teardown(test_redacted_answer_not_visible, cl_world_setup,
						cl_world_teardown),
		cmocka_unit_test_setup_teardown(test_designated_sees_history, cl_world_setup,
						cl_world_teardown),
		cmocka_unit_test_setup_teardown(test_revoked_is_told, cl_world_setup,
						cl_world_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

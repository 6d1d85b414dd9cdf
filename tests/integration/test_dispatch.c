/* tests/integration/test_dispatch.c: joint action dispatch (联合执法/应急联动)
 * through the real `liandong` tool against real daemons: dispatch, answers by
 * participants only, the rules on declining and completing, overdue
 * acknowledgements, and what a non-participant sees. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "cluster.h"
#include "testutil.h"

#define ACT "province/A-2026-031"
#define LATE "province/A-2026-032"

typedef cl_world_t world_t;

/* Run `liandong ARGS... --api NODE`, capture stdout into w->out; exit code. */
#define cli(w, node, ...) cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__)

/* A cl_until() predicate on `show ID --json` at n: participant 'node' has
 * 'field' matching 'want' (node NULL: 'field' is a cl_jhas path). */
struct show_q {
	world_t *w;
	tn_t *n;
	const char *id, *node, *field, *want;
};

static bool show_has(void *ud)
{
	struct show_q *q = ud;
	json_t *j, *p;
	bool r;

	if (cli(q->w, q->n, "show", q->id, "--json", NULL) != 0)
		return false;
	j = cl_json(q->w->out);
	p = q->node ? cl_jfind(j, "participants", "node", q->node) : j;
	r = p && cl_jhas(p, q->field, q->want);
	json_decref(j);
	return r;
}

/* Participant 'node' of action 'id' in `view --json` output 'out'. Its
 * field 'field' matches 'want'? */
static bool view_part(const char *out, const char *id, const char *node, const char *field,
		      const char *want)
{
	json_t *j = cl_json(out), *a = cl_jfind(j, "actions", "action", id);
	json_t *p = a ? cl_jfind(a, "participants", "node", node) : NULL;
	bool r = p && cl_jhas(p, field, want);

	json_decref(j);
	return r;
}

/* Escalation entries about 'who' in `show ID --json` output 'out'. */
static int escalations_of(const char *out, const char *who)
{
	json_t *j = cl_json(out), *x;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(j, "timeline"), i, x) n +=
		cl_jhas(x, "kind", "escalation") && cl_jhas(x, "content/responsible", who);
	json_decref(j);
	return n;
}

static void test_dispatch_workflow(void **state)
{
	world_t *w = *state;
	struct show_q q;
	int64_t head0;

	/* Incomplete or wrong input: refused, nothing signed. */
	assert_int_equal(cli(w, w->p, "dispatch", "--kind", "emergency", "--priority", "emergency",
			     "--title", "t", "--instructions", "i", "--ack-by", "+30m", NULL),
			 2);
	assert_int_equal(cli(w, w->p, "dispatch", "--kind", "flood", "--priority", "emergency",
			     "--title", "t", "--instructions", "i", "--ack-by", "+30m",
			     "--participant", "county-a", NULL),
			 2);
	assert_int_equal(cl_head(w->p, "province"), 4);

	assert_int_equal(cli(w, w->p, "dispatch", "--action", ACT, "--kind", "emergency",
			     "--priority", "emergency", "--title", "Fish kill below outfall 3",
			     "--participant", "county-a:lead", "--participant", "county-b:support",
			     "--instructions", "Sample at km 41, 44, 47", "--ack-by", "+1d", NULL),
			 0);
	assert_int_equal(cl_wait(w->a, "province", 5, 15000), 0);
	assert_int_equal(cl_wait(w->b, "province", 5, 15000), 0);
	assert_int_equal(cl_wait(w->x, "province", 5, 15000), 0);

	/* C is not a participant: it holds the header only (exit 7). */
	assert_int_equal(cli(w, w->x, "ack", ACT, NULL), 7);
	assert_int_equal(cli(w, w->x, "show", ACT, NULL), 7);
	/* The dispatcher is no participant either (exit 6). */
	assert_int_equal(cli(w, w->p, "accept", ACT, NULL), 6);

	assert_int_equal(cli(w, w->a, "ack", ACT, NULL), 0);
	assert_int_equal(cli(w, w->a, "decline", ACT, NULL), 2); /* reason needed */
	assert_int_equal(cli(w, w->b, "decline", ACT, "--reason", "boats under repair", NULL), 0);
	assert_int_equal(cli(w, w->b, "report", ACT, "--status", "on-site", NULL),
			 6); /* declined */
	assert_int_equal(
		cli(w, w->a, "report", ACT, "--status", "on-site", "--personnel", "6", NULL), 0);
	assert_int_equal(cli(w, w->a, "report", ACT, "--status", "completed", NULL),
			 2); /* findings */
	assert_int_equal(
		cli(w, w->a, "report", ACT, "--status", "progress", "--evidence", "county-a", NULL),
		2);
	assert_non_null(strstr(w->a->err, "--evidence 'county-a': expected FEED:SEQ"));
	assert_int_equal(cli(w, w->a, "report", ACT, "--status", "completed", "--findings",
			     "dissolved oxygen 1.2 mg/L at km 44; intake 7 closed", "--evidence",
			     "province:1", NULL),
			 0);

	/* The command centre sees every participant's state, none overdue. */
	q = (struct show_q){w, w->p, ACT, "county-a", "state", "completed"};
	assert_true(cl_until(show_has, &q, 15000));
	assert_true(cl_out_has(w->out, "participants/0/role", "lead"));
	q = (struct show_q){w, w->p, ACT, "county-b", "state", "declined"};
	assert_true(cl_until(show_has, &q, 15000));
	assert_false(cl_out_has(w->out, "participants/*/overdue", "true"));
	/* ...with A's findings as signed, and received by the province. */
	assert_true(cl_out_has(w->out, "timeline/*/content/findings",
			       "dissolved oxygen 1.2 mg/L at km 44; intake 7 closed"));
	assert_true(cl_out_has(w->out, "timeline/*/content/reason", "boats under repair"));
	assert_true(cl_out_has(w->out, "timeline/*/receipts/*/receiver", "province"));

	/* A deadline already past is refused (exit 9), naming the option and
	 * when it passed; nothing is signed. So is a window that has ended. */
	head0 = cl_head(w->p, "province");
	assert_int_equal(cli(w, w->p, "dispatch", "--action", LATE, "--kind", "joint-inspection",
			     "--priority", "urgent", "--title", "Night inspection of the dye works",
			     "--participant", "county-a", "--participant", "county-b",
			     "--instructions", "Meet at the gate at 22:00", "--ack-by",
			     "2026-01-01", NULL),
			 9);
	assert_non_null(strstr(w->p->err, "--ack-by '2026-01-01' (2026-01-01 23:59:59 +08:00) "
					  "passed"));
	assert_int_equal(cli(w, w->p, "dispatch", "--action", LATE, "--kind", "joint-inspection",
			     "--priority", "urgent", "--title", "Night inspection of the dye works",
			     "--participant", "county-a", "--participant", "county-b",
			     "--instructions", "Meet at the gate at 22:00", "--ack-by", "+1h",
			     "--from", "2026-01-01", "--to", "2026-01-02", NULL),
			 9);
	assert_non_null(strstr(w->p->err, "--to '2026-01-02'"));
	assert_int_equal(cl_head(w->p, "province"), head0);

	/* A dispatch whose acknowledgement deadline then passes: B never
	 * answered, so B is overdue; A acknowledges late (recorded, with a
	 * note saying how late), also overdue. */
	assert_int_equal(cli(w, w->p, "dispatch", "--action", LATE, "--kind", "joint-inspection",
			     "--priority", "urgent", "--title", "Night inspection of the dye works",
			     "--participant", "county-a", "--participant", "county-b",
			     "--instructions", "Meet at the gate at 22:00", "--ack-by", "+2s",
			     NULL),
			 0);
	assert_int_equal(cl_wait(w->a, "province", 6, 15000), 0);
	{
		time_t due = time(NULL) + 3;

		assert_true(cl_until(cl_past, &due, 10000));
	}
	assert_int_equal(cli(w, w->a, "ack", LATE, NULL), 0);
	assert_non_null(strstr(w->a->err, "ack: note: recorded late"));
	q = (struct show_q){w, w->p, LATE, "county-a", "state", "acknowledged"};
	assert_true(cl_until(show_has, &q, 15000));
	{
		json_t *j = cl_json(w->out), *b = cl_jfind(j, "participants", "node", "county-b");

		assert_non_null(b);
		assert_true(cl_jhas(b, "state", "no answer"));
		assert_true(cl_jhas(b, "ack_ms", "0"));
		assert_true(cl_jhas(b, "overdue", "true"));
		assert_true(cl_jhas(j, "participants/*/role", "support"));
		json_decref(j);
	}

	/* The command view: the province sees both actions, the late one with
	 * B overdue; filters apply; county C, no participant, sees neither. */
	assert_int_equal(cli(w, w->p, "view", "--json", NULL), 0);
	assert_true(cl_out_has(w->out, "actions/*/action", ACT));
	assert_true(cl_out_has(w->out, "actions/*/action", LATE));
	assert_true(view_part(w->out, LATE, "county-b", "state", "no answer"));
	assert_true(view_part(w->out, LATE, "county-b", "acknowledged", "false"));
	assert_true(view_part(w->out, LATE, "county-b", "overdue", "true"));
	assert_int_equal(cli(w, w->p, "view", "--json", "--kind", "cases", NULL), 0);
	assert_false(cl_out_has(w->out, "actions/*/action", ACT));
	assert_int_equal(cli(w, w->p, "view", "--json", "--status", "done", NULL), 0);
	assert_true(cl_out_has(w->out, "actions/*/action", ACT)); /* A completed, B declined */
	assert_true(cl_out_has(w->out, "actions/*/active", "false"));
	assert_false(cl_out_has(w->out, "actions/*/action", LATE));
	assert_int_equal(cli(w, w->x, "view", "--json", NULL), 0);
	assert_false(cl_out_has(w->out, "actions/*/action", ACT));
	assert_false(cl_out_has(w->out, "actions/*/action", LATE));
	assert_int_equal(cli(w, w->p, "view", "--kind", "everything", NULL), 2);
	assert_int_equal(cli(w, w->p, "view", "--limit", "0", NULL), 2);
	assert_int_equal(cli(w, w->p, "view", "--limit", "10001", NULL), 2);
	/* Finished actions are cut at the limit; active ones are all listed. */
	assert_int_equal(cli(w, w->p, "view", "--json", "--limit", "1", NULL), 0);
	assert_true(cl_out_has(w->out, "cases_total", "0"));
	assert_true(cl_out_has(w->out, "rejudging", "false"));
	/* Text form (a golden check of the rendering), most urgent first: the
	 * urgent, unacknowledged action. */
	assert_int_equal(cli(w, w->p, "view", NULL), 0);
	assert_non_null(strstr(w->out, "NOT ACKNOWLEDGED"));
	assert_non_null(strstr(w->out, "OVERDUE"));

	/* The province, a command centre, escalates B's missed acknowledgement
	 * of the late dispatch: once, signed, seen by B. The first action's
	 * deadline has not passed, so nothing is escalated there. */
	q = (struct show_q){w,
			    w->p,
			    LATE,
			    NULL,
			    "timeline/*/summary",
			    "~ESCALATED to province: county-b did not acknowledge"};
	assert_true(cl_until(show_has, &q, 15000));
	assert_true(cl_log_contains(w->p, "escalated: county-b did not acknowledge " LATE));
	q = (struct show_q){w, w->b, LATE, NULL, "timeline/*/summary", "~ESCALATED to province"};
	assert_true(cl_until(show_has, &q, 15000));
	assert_int_equal(cli(w, w->p, "view", "--json", NULL), 0);
	assert_true(view_part(w->out, LATE, "county-b", "state", "no answer"));
	assert_true(view_part(w->out, LATE, "county-b", "overdue", "true"));
	assert_true(view_part(w->out, LATE, "county-b", "escalated", "true"));
	/* Three more watcher rounds: still exactly one escalation. */
	{
		int64_t head = cl_head(w->p, "province");

		assert_int_equal(cli(w, w->p, "append", "--kind", "100", "--everyone", "--text",
				     "marker", NULL),
				 0);
		assert_int_equal(cl_wait(w->p, "province", (uint64_t)head + 1, 5000), 0);
		assert_int_equal(cl_wait(w->p, "province", (uint64_t)head + 2, 3500), -ETIMEDOUT);
		assert_int_equal(cli(w, w->p, "show", LATE, "--json", NULL), 0);
		/* B exactly once. (A may be escalated too, legitimately, if the
		 * watcher ran before A's late acknowledgement arrived.) */
		assert_int_equal(escalations_of(w->out, "county-b"), 1);
	}

	/* Rebuilt from the feeds, the province's view is the same. */
	{
		char *before;

		assert_int_equal(cli(w, w->p, "show", ACT, "--json", NULL), 0);
		before = strdup(w->out);
		assert_int_equal(cli(w, w->p, "reindex", NULL), 0);
		assert_int_equal(cli(w, w->p, "show", ACT, "--json", NULL), 0);
		assert_string_equal(before, w->out);
		free(before);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dispatch_workflow, cl_world_setup,
						cl_world_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

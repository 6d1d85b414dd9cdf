/* tests/integration/test_referral.c: the cross-border referral workflow
 * driven through the real `liandong` tool against real daemons: refer,
 * answer, refusals before signing, designation by the superior, and the
 * judged case at every node (including what a non-party does not see). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster.h"
#include "testutil.h"

#define CASE "county-a/2026-0117"
#define CASE_BAD_FILE "/nonexistent/report.pdf"

typedef cl_world_t world_t;

/* Run `liandong ARGS... --api NODE`, capture stdout into w->out; exit code. */
#define cli(w, node, ...) cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__)

struct show_q {
	world_t *w;
	tn_t *n;
	const char *needle;
};

static bool show_has(void *ud)
{
	struct show_q *q = ud;

	return cli(q->w, q->n, "show", CASE, "--json", NULL) == 0 && strstr(q->w->out, q->needle);
}

static void test_referral_workflow(void **state)
{
	world_t *w = *state;
	struct show_q q;

	/* Bad input is refused with its own exit code, nothing signed. */
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "x", "--violation",
			     "smog", "--facts", "f", NULL), 2);
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "x", "--violation",
			     "water", "--facts", "f", "--case", "county-b/1", NULL), 2);
	assert_int_equal(cl_head(w->a, "county-a"), 0);

	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", CASE, "--title",
			     "Dyeing plant discharging into the Grand Canal", "--violation", "water",
			     "--facts", "COD 412 mg/L at outfall 3", "--region", "330411",
			     "--answer-by", "2026-12-10", "--json", NULL), 0);
	assert_non_null(strstr(w->out, "\"seq\": 1"));
	assert_int_equal(cl_wait(w->b, "county-a", 1, 15000), 0);
	assert_int_equal(cl_wait(w->x, "county-a", 1, 15000), 0);

	/* C holds the header only: for C the case does not exist (exit 7). */
	assert_int_equal(cli(w, w->x, "show", CASE, NULL), 7);
	assert_int_equal(cli(w, w->x, "respond", CASE, "accept", NULL), 7);
	/* The province holds it (superior) but may not answer for B (exit 6). */
	assert_int_equal(cli(w, w->p, "respond", CASE, "accept", NULL), 6);
	/* B: a reason is required to reject (exit 2). */
	assert_int_equal(cli(w, w->b, "respond", CASE, "reject", NULL), 2);
	assert_int_equal(cli(w, w->b, "respond", CASE, "accept", NULL), 0);
	/* Accepted: nothing more to answer (exit 6). */
	assert_int_equal(cli(w, w->b, "respond", CASE, "need-info", "--reason", "more", NULL), 6);

	/* The judged case reaches A, with B's signed receipt of the referral. */
	q = (struct show_q){w, w->a, "\"status\": \"accepted\""};
	assert_true(cl_until(show_has, &q, 15000));
	q.needle = "{\"receiver\": \"county-b\"";
	assert_true(cl_until(show_has, &q, 15000));
	/* The province sees the same case (it reads what its counties read). */
	q = (struct show_q){w, w->p, "\"status\": \"accepted\""};
	assert_true(cl_until(show_has, &q, 15000));

	/* Evidence (mutual recognition): A records a file; B checks it against
	 * its own copy and recognises it; A may not attest its own; a copy that
	 * differs is refused; C, not a party, may not read the record. */
	{
		char path[600], ref[96];
		FILE *f;

		snprintf(path, sizeof(path), "%s/report.pdf", w->c->base);
		f = fopen(path, "w");
		fputs("COD 412 mg/L, lab report 2026-117", f);
		fclose(f);
		assert_int_equal(cli(w, w->a, "evidence", "add", CASE, path, "--type", "sampling",
				     "--collector", "Inspector Wang", "--json", NULL), 0);
		{
			const char *p = strstr(w->out, "\"seq\": ");
			unsigned long long seq = 0;

			assert_non_null(p);
			assert_int_equal(sscanf(p, "\"seq\": %llu", &seq), 1);
			snprintf(ref, sizeof(ref), "county-a:%llu", seq);
			assert_int_equal(cl_wait(w->b, "county-a", seq, 15000), 0);
			assert_int_equal(cl_wait(w->x, "county-a", seq, 15000), 0);
		}
		assert_int_equal(cli(w, w->a, "evidence", "attest", ref, "--verdict", "recognised",
				     NULL), 6);
		assert_int_equal(cli(w, w->x, "evidence", "attest", ref, "--verdict", "recognised",
				     NULL), 6);
		assert_int_equal(cli(w, w->b, "evidence", "attest", ref, "--verdict", "recognised",
				     "--file", CASE_BAD_FILE, NULL), 3);
		f = fopen(path, "a");
		fputs(" (edited)", f);
		fclose(f);
		assert_int_equal(cli(w, w->b, "evidence", "attest", ref, "--verdict", "recognised",
				     "--file", path, NULL), 1);
		f = fopen(path, "w");
		fputs("COD 412 mg/L, lab report 2026-117", f);
		fclose(f);
		assert_int_equal(cli(w, w->b, "evidence", "attest", ref, "--verdict", "recognised",
				     "--file", path, "--notes", "matches our copy", NULL), 0);
		q = (struct show_q){w, w->a, "recognised, file hash checked"};
		assert_true(cl_until(show_has, &q, 15000));
	}

	/* The province designates county C; B may not (it is a party). */
	assert_int_equal(cli(w, w->b, "designate", CASE, "--to", "county-c", NULL), 6);
	assert_int_equal(cli(w, w->p, "designate", CASE, "--to", "county-c", "--reason",
			     "C holds the discharge permit", NULL), 0);
	q = (struct show_q){w, w->a, "\"holder\": \"county-c\""};
	assert_true(cl_until(show_has, &q, 15000));
	/* C, designated by the province (which may read the referral), is
	 * granted the case: it fetches the referral again, now in full, and
	 * sees the case it must answer. */
	q = (struct show_q){w, w->x, "\"status\": \"awaiting answer\""};
	assert_true(cl_until(show_has, &q, 15000));
	assert_non_null(strstr(w->out, "\"holder\": \"county-c\""));
	assert_true(cl_log_contains(w->x, "passed to this node by province"));
	/* ...and may now answer it. */
	assert_int_equal(cli(w, w->x, "respond", CASE, "accept", NULL), 0);
	q = (struct show_q){w, w->a, "\"status\": \"accepted\""};
	assert_true(cl_until(show_has, &q, 15000));
	/* Remediation and supervision, by county C which now handles the case. */
	assert_int_equal(cli(w, w->a, "update", CASE, "--status", "closed", NULL), 6);
	assert_int_equal(cli(w, w->x, "update", CASE, "--status", "sunny", NULL), 2);
	assert_int_equal(cli(w, w->x, "update", CASE, "--status", "remediation-ordered",
			     "--remediation-due", "2027-06-30",
			     "--checkpoint", "2026-01-01=outfall sealed, report with photos",
			     "--checkpoint", "2027-03-01=riverbed dredged", NULL), 0);
	/* Checkpoint 0 is past due and not reported: the province escalates. */
	q = (struct show_q){w, w->p, "did not file the stage report for checkpoint 0"};
	assert_true(cl_until(show_has, &q, 15000));
	assert_int_equal(cli(w, w->b, "update", CASE, "--stage-report", "0", "--text", "x", NULL), 6);
	assert_int_equal(cli(w, w->x, "update", CASE, "--stage-report", "5", "--text", "x", NULL), 2);
	assert_int_equal(cli(w, w->x, "update", CASE, "--stage-report", "0", "--text",
			     "outfall sealed on 2025-12-28, photos attached", NULL), 0);
	/* Follow-up assessment: independent of the unit assessed. */
	assert_int_equal(cli(w, w->x, "update", CASE, "--assess", "after-rectification",
			     "--outcome", "satisfactory", "--findings", "self", NULL), 6);
	assert_int_equal(cli(w, w->a, "update", CASE, "--assess", "after-rectification",
			     "--outcome", "satisfactory", "--findings", "x", NULL), 6);
	assert_int_equal(cli(w, w->p, "update", CASE, "--assess", "after-rectification",
			     "--outcome", "false-rectification", "--findings",
			     "outfall reopened at night: sealing was for show", NULL), 0);
	q = (struct show_q){w, w->a, "{\"stage\": \"after-rectification\", \"outcome\": "
				     "\"false-rectification\", \"assessor\": \"province\"}"};
	assert_true(cl_until(show_has, &q, 15000));
	assert_non_null(strstr(w->out, "\"case_status\": \"remediation-ordered\""));
	assert_null(strstr(w->out, "\"reported_ms\": 0, \"dropped\": false}, {"));

	/* Rebuilt from the feeds, A's view of the case is the same. */
	assert_int_equal(cli(w, w->a, "show", CASE, "--json", NULL), 0);
	{
		char *before = strdup(w->out);

		assert_int_equal(cli(w, w->a, "reindex", NULL), 0);
		assert_int_equal(cli(w, w->a, "show", CASE, "--json", NULL), 0);
		assert_string_equal(before, w->out);
		free(before);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_referral_workflow, cl_world_setup, cl_world_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/integration/test_consult.c: consultations (会商) and the liaison
 * directory through the real `liandong` tool against real daemons: a
 * province, two counties and a police liaison unit (and a county revoked on
 * the way). A consultation from convening to co-signed minutes, a follow-up
 * task escalated by the province when its deadline is missed, the rules
 * refusing what they must; and a liaison's phone number reaching every
 * member but neither a revoked node nor a case bundle exported for a court. */
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
#include "roster.pb-c.h"

#define CONSULT "province/C-2027-001"
#define CASE "county-a/2027-017"
#define PHONE1 "13800000001" /* county A's duty officer, directory v1 */
#define PHONE2 "13811112222" /* the same officer's new number, directory v2 */
#define PHONE_EXPERT "13900000002"
#define PHONE_POLICE "13700000003"

typedef struct world {
	cluster_t *c;
	tn_t *p, *a, *b, *police, *x;
	char out[65536];
} world_t;

#define cli(w, node, ...) cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__)

static int setup(void **state)
{
	world_t *w = calloc(1, sizeof(*w));
	const char *to_p[] = {"province"};
	tn_t *all[5];

	w->c = cl_new("consult");
	w->p = all[0] = cl_node(w->c, "province", true, NULL, NULL, 0);
	w->a = all[1] = cl_node(w->c, "county-a", false, "province", to_p, 1);
	w->b = all[2] = cl_node(w->c, "county-b", false, "province", to_p, 1);
	w->police = all[3] = cl_node(w->c, "police-a", false, "province", to_p, 1);
	w->x = all[4] = cl_node(w->c, "county-x", false, "province", to_p, 1);
	w->police->kind = LD__NODE_KIND__NODE_POLICE;
	if (cl_start(w->c, w->p) < 0)
		return -1;
	for (size_t i = 0; i < 5; i++)
		if (cl_roster_add(w->c, all[i]) < 0)
			return -1;
	for (size_t i = 1; i < 5; i++)
		if (cl_start(w->c, all[i]) < 0 || cl_wait(all[i], "province", 5, 15000) < 0)
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

/* `show CONSULT --json` at n has 'path' matching 'want'. */
struct q {
	world_t *w;
	tn_t *n;
	const char *cmd, *path, *want;
};

static bool has(void *ud)
{
	struct q *q = ud;

	bool show = !strcmp(q->cmd, "show");
	int rc = cli(q->w, q->n, q->cmd, show ? CONSULT : "--json", show ? "--json" : NULL, NULL);

	/* `status` of a revoked node says so and exits 1. */
	if (rc != 0 && !(rc == 1 && !strcmp(q->cmd, "status")))
		return false;
	return cl_out_has(q->w->out, q->path, q->want);
}

static bool until(world_t *w, tn_t *n, const char *cmd, const char *path, const char *want)
{
	struct q q = {w, n, cmd, path, want};

	return cl_until(has, &q, 20000);
}

/* The participant 'node' of the consultation as n shows it: field matches? */
static bool part(world_t *w, tn_t *n, const char *node, const char *field, const char *want)
{
	json_t *j, *p;
	bool r;

	if (cli(w, n, "show", CONSULT, "--json", NULL) != 0)
		return false;
	j = cl_json(w->out);
	p = cl_jfind(j, "participants", "node", node);
	r = p && cl_jhas(p, field, want);
	json_decref(j);
	return r;
}

static int escalations(world_t *w, tn_t *n)
{
	json_t *j, *x;
	size_t i;
	int count = 0;

	assert_int_equal(cli(w, n, "show", CONSULT, "--json", NULL), 0);
	j = cl_json(w->out);
	json_array_foreach(json_object_get(j, "timeline"), i, x) count +=
		cl_jhas(x, "kind", "escalation") && cl_jhas(x, "content/responsible", "county-b");
	json_decref(j);
	return count;
}

static bool file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, cap = 1 << 20;
	char *buf = malloc(cap);
	bool r;

	assert_non_null(f);
	assert_non_null(buf);
	for (size_t k; (k = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += k;
		if (n == cap)
			assert_non_null(buf = realloc(buf, cap *= 2));
	}
	fclose(f);
	r = memmem(buf, n, needle, strlen(needle)) != NULL;
	free(buf);
	return r;
}

static void directories(world_t *w)
{
	/* Publishing needs a liaison or an expert; a field's limit holds. */
	assert_int_equal(cli(w, w->a, "directory", "publish", NULL), 2);
	assert_int_equal(cli(w, w->a, "directory", "publish", "--liaison", "l-zhang,duty", NULL),
			 2);
	assert_int_equal(cli(w, w->a, "directory", "publish", "--liaison",
			     "l-zhang,duty officer,Zhang Wei,138000000011234567890123456789012345",
			     NULL),
			 2);
	assert_int_equal(cli(w, w->a, "directory", "publish", "--liaison",
			     "l-zhang,duty officer,张伟," PHONE1, "--expert",
			     "e-li,李娟,water sampling;ecological damage appraisal," PHONE_EXPERT
			     ",Jiaxing monitoring station",
			     "--json", NULL),
			 0);
	assert_int_equal(cli(w, w->police, "directory", "publish", "--liaison",
			     "p-wang,police liaison officer,王强," PHONE_POLICE, NULL),
			 0);
	/* Every member sees both, county X (still a member) too. */
	assert_true(until(w, w->b, "directory", "units/*/liaisons/*/phone", PHONE1));
	assert_true(until(w, w->b, "directory", "units/*/liaisons/*/phone", PHONE_POLICE));
	assert_true(until(w, w->x, "directory", "units/*/liaisons/*/phone", PHONE1));
	/* --expertise keeps the experts of that field, and no liaison. */
	assert_int_equal(
		cli(w, w->b, "directory", "--expertise", "ECOLOGICAL damage", "--json", NULL), 0);
	assert_true(cl_out_has(w->out, "units/*/experts/*/person", "e-li"));
	assert_false(cl_out_has(w->out, "units/*/liaisons/*/phone", PHONE1));
	assert_int_equal(cli(w, w->b, "directory", "--expertise", "astrology", NULL), 7);
	/* Text for people. */
	assert_int_equal(cli(w, w->b, "directory", NULL), 0);
	assert_non_null(strstr(w->out, "water sampling; ecological damage appraisal"));
}

static void test_consultation(void **state)
{
	world_t *w = *state;
	char bundle[700], root[65], cmd[2048];
	int wst;
	FILE *pp;
	size_t n;

	/* County A refers a case to county B; the province convenes a major
	 * case consultation on it with both counties and the police. */
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", CASE, "--title",
			     "Tannery discharging chromium into the Haiyan Tang", "--violation",
			     "water", "--facts", "Cr(VI) 2.1 mg/L at outfall 2", NULL),
			 0);
	assert_true(cl_wait(w->p, "county-a", (uint64_t)cl_head(w->a, "county-a"), 15000) == 0);
	/* Published after the referral: inside county A's span of the bundle
	 * below, where it must be written as a header only. */
	directories(w);
	/* Unknown units are refused before signing (exit 7), and so is an id
	 * this node does not own. */
	assert_int_equal(cli(w, w->p, "consult", "convene", "--title", "t", "--at", "+1h",
			     "--participant", "county-q", NULL),
			 7);
	assert_int_equal(cli(w, w->p, "consult", "convene", "--title", "t", "--at", "+1h",
			     "--participant", "county-a", "--id", "county-a/C-1", NULL),
			 2);
	assert_int_equal(cli(w, w->p, "consult", "convene", "--kind", "major-case", "--title",
			     "Chromium discharge into the Haiyan Tang: joint handling", "--at",
			     "+1h", "--until", "+2h", "--participant", "county-a", "--participant",
			     "county-b", "--participant", "police-a:liaison", "--case", CASE,
			     "--expert", "county-a:e-li", "--liaison", "police-a:p-wang",
			     "--agenda", "1. facts\n2. criminal liability\n3. remediation", "--via",
			     "video", "--id", CONSULT, "--json", NULL),
			 0);
	assert_true(cl_out_has(w->out, "consult", CONSULT));
	/* Convened: every participant holds it. */
	assert_true(until(w, w->a, "show", "status", "convened"));
	assert_true(until(w, w->b, "show", "status", "convened"));
	assert_true(until(w, w->police, "show", "status", "convened"));
	/* No phone number in the record: people by reference. */
	assert_true(cl_out_has(w->out, "liaisons/*/person", "p-wang"));
	assert_null(strstr(w->out, PHONE_POLICE));
	/* ... but `show` at a member resolves them from its directories. */
	assert_int_equal(cli(w, w->police, "show", CONSULT, NULL), 0);
	assert_non_null(strstr(w->out, PHONE_EXPERT));
	/* The case lists its consultation. */
	assert_int_equal(cli(w, w->b, "show", CASE, "--json", NULL), 0);
	assert_true(cl_out_has(w->out, "timeline/*/kind", "consult"));

	/* Answers: attendance, opinions. Only participants; a county A
	 * attempt at the minutes is refused (exit 6, the rule said). */
	assert_int_equal(
		cli(w, w->a, "consult", "attend", CONSULT, "--attendee", "county-a:e-li", NULL), 0);
	assert_int_equal(cli(w, w->b, "consult", "attend", CONSULT, NULL), 0);
	assert_int_equal(cli(w, w->police, "consult", "attend", CONSULT, NULL), 0);
	assert_int_equal(cli(w, w->b, "consult", "decline", CONSULT, NULL), 2);
	assert_int_equal(cli(w, w->b, "consult", "opinion", CONSULT, "--text",
			     "Accept jurisdiction; order the outfall sealed", NULL),
			 0);
	assert_int_equal(cli(w, w->police, "consult", "opinion", CONSULT, "--text",
			     "Cr(VI) above 3x the standard: file a criminal case (涉嫌污染环境罪)",
			     NULL),
			 0);
	assert_int_equal(cli(w, w->a, "consult", "minutes", CONSULT, "--text", "x", NULL), 6);
	assert_non_null(strstr(w->a->err, "only the convener records the minutes"));
	assert_int_equal(cli(w, w->x, "consult", "attend", CONSULT, NULL), 7);
	assert_true(until(w, w->p, "show", "participants/1/opinions", "1"));
	assert_true(until(w, w->p, "show", "participants/2/opinions", "1"));
	assert_true(until(w, w->p, "show", "participants/0/attendance", "attending"));
	assert_true(until(w, w->p, "show", "participants/2/attendance", "attending"));
	assert_true(part(w, w->p, "county-b", "attendance", "attending"));

	/* Minutes: decisions, a task for county B due in 3 s, one for the
	 * police due tomorrow. */
	assert_int_equal(
		cli(w, w->p, "consult", "minutes", CONSULT, "--text",
		    "Met by video; facts agreed; see decisions.", "--decision",
		    "County B holds the case", "--decision", "Police open a criminal investigation",
		    "--task", "county-b,+3s,seal outfall 2 and sample daily", "--task",
		    "police-a,+1d,open the criminal case file", "--task-case", "0=" CASE, NULL),
		0);
	assert_true(until(w, w->a, "show", "status", "minutes recorded"));
	assert_true(until(w, w->b, "show", "status", "minutes recorded"));
	assert_true(until(w, w->police, "show", "status", "minutes recorded"));
	/* Attendance is settled now; signatures: all three, once each. */
	assert_int_equal(cli(w, w->b, "consult", "decline", CONSULT, "--reason", "late", NULL), 6);
	assert_int_equal(cli(w, w->a, "consult", "sign", CONSULT, "--object", NULL), 2);
	assert_int_equal(cli(w, w->a, "consult", "sign", CONSULT, NULL), 0);
	assert_int_equal(cli(w, w->a, "consult", "sign", CONSULT, NULL), 6);
	assert_non_null(strstr(w->a->err, "already signed"));
	assert_int_equal(cli(w, w->b, "consult", "sign", CONSULT, NULL), 0);
	assert_int_equal(cli(w, w->police, "consult", "sign", CONSULT, NULL), 0);
	assert_true(until(w, w->p, "show", "status", "minutes signed"));
	assert_true(part(w, w->p, "police-a", "signoff", "confirmed"));
	assert_true(part(w, w->p, "county-b", "signoff", "confirmed"));

	/* County B misses its deadline: the province escalates it, once. */
	assert_true(until(w, w->p, "show", "tasks/0/escalated", "true"));
	assert_true(cl_out_has(w->out, "tasks/0/overdue", "true"));
	assert_true(cl_log_contains(w->p, "escalated: county-b did not complete follow-up task 0 "
					  "of consultation " CONSULT));
	assert_true(until(w, w->b, "show", "tasks/0/escalated", "true"));
	{
		time_t t = time(NULL) + 3;

		cl_until(cl_past, &t, 5000);
	}
	assert_int_equal(escalations(w, w->p), 1);
	/* The police's task is not due: not escalated; reported done. */
	assert_true(cl_out_has(w->out, "tasks/1/escalated", "false"));
	assert_int_equal(
		cli(w, w->b, "consult", "done", CONSULT, "--task", "1", "--text", "x", NULL), 6);
	assert_int_equal(cli(w, w->police, "consult", "done", CONSULT, "--task", "1", "--text",
			     "case file 2027-0042 opened", NULL),
			 0);
	assert_true(until(w, w->p, "show", "tasks/1/done", "~")); /* a date */
	/* Text for people. */
	assert_int_equal(cli(w, w->p, "show", CONSULT, NULL), 0);
	assert_non_null(strstr(w->out, "OVERDUE"));
	assert_non_null(strstr(w->out, "ESCALATED"));

	/* The directory and the law: county X is revoked, then county A's
	 * duty officer gets a new number. Every member gets it; X does not. */
	assert_true(cl_data_contains(w->x, PHONE1, strlen(PHONE1))); /* as a member, before */
	assert_int_equal(cl_roster_revoke(w->c, w->x, (uint64_t)cl_head(w->x, "county-x")), 0);
	assert_true(until(w, w->x, "status", "revoked/text", "~"));
	assert_int_equal(cli(w, w->a, "directory", "publish", "--liaison",
			     "l-zhang,duty officer,张伟," PHONE2, NULL),
			 0);
	assert_true(until(w, w->b, "directory", "units/*/liaisons/*/phone", PHONE2));
	assert_true(until(w, w->police, "directory", "units/*/liaisons/*/phone", PHONE2));
	cl_stop(w->c, w->x);
	assert_false(cl_data_contains(w->x, PHONE2, strlen(PHONE2)));

	/* A bundle for the court: the case with its consultation, verified
	 * offline, and not one phone number in it. */
	snprintf(bundle, sizeof(bundle), "%s/case.ldb", w->c->base);
	assert_int_equal(cli(w, w->b, "export", CASE, "-o", bundle, "--for", "court", NULL), 0);
	ld_hex(w->c->root->sign_pub, 32, root);
	snprintf(cmd, sizeof(cmd), "'%s' verify '%s' --root %s 2>&1", getenv("LD_CLI"), bundle,
		 root);
	pp = popen(cmd, "r");
	assert_non_null(pp);
	n = fread(w->out, 1, sizeof(w->out) - 1, pp);
	w->out[n] = '\0';
	wst = pclose(pp);
	assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
	assert_non_null(strstr(w->out, "VERIFIED"));
	assert_non_null(strstr(w->out, "consultation minutes"));
	assert_true(file_has(bundle, "seal outfall 2 and sample daily"));
	assert_true(file_has(bundle, "p-wang"));
	assert_false(file_has(bundle, PHONE1));
	assert_false(file_has(bundle, PHONE2));
	assert_false(file_has(bundle, PHONE_EXPERT));
	assert_false(file_has(bundle, PHONE_POLICE));
}

static void test_help(void **state)
{
	world_t *w = *state;
	const char *const subs[] = {"convene", "attend", "decline", "opinion",
				    "minutes", "sign",	 "done"};

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		assert_int_equal(cli(w, w->p, "consult", subs[i], "--help", NULL), 0);
		assert_non_null(strstr(w->out, "Usage: liandong consult convene"));
	}
	assert_int_equal(cli(w, w->p, "directory", "--help", NULL), 0);
	assert_non_null(strstr(w->out, "Usage: liandong directory"));
	assert_int_equal(cli(w, w->p, "directory", "publish", "--help", NULL), 0);
	assert_non_null(strstr(w->out, "directory publish"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_consultation),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

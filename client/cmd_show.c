/* client/cmd_show.c: `liandong show CASE|ACTION`: the signed timeline as this
 * node holds it, judged, with every field of every entry it may read.
 *
 * One model, two renderings: the answer is built once as a JSON document
 * (every payload field typed, from its protobuf descriptor: common/pbjson)
 * and printed either as JSON (--json) or for people. What the node holds
 * only redacted is said to be "not visible here", never guessed. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "client/docs.h"
#include "client/ldclient.h"
#include "common/domain/action.h"
#include "common/domain/casefile.h"
#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "common/feed/pbjson.h"
#include "common/store/store.h"

static void timeline_text(json_t *tl)
{
	size_t i, j;
	json_t *x, *r;
	char when[48];

	json_array_foreach(tl, i, x)
	{
		json_t *content = json_object_get(x, "content");

		cli_fmt_time(json_integer_value(json_object_get(x, "time_ms")), when, sizeof(when));
		printf("\n  %s  %s #%lld  %s\n", when,
		       json_string_value(json_object_get(x, "feed")),
		       (long long)json_integer_value(json_object_get(x, "seq")),
		       json_string_value(json_object_get(x, "label")));
		printf("    %s\n", cli_1l(json_string_value(json_object_get(x, "summary"))));
		if (json_is_true(json_object_get(x, "refused")))
			printf("    REFUSED: %s\n",
			       cli_1l(json_string_value(json_object_get(x, "reason"))));
		if (json_is_object(content))
			cli_render(stdout, content, 6);
		else if (!json_is_true(json_object_get(x, "visible")))
			printf("      (content not visible here: this node holds the entry redacted)\n");
		json_array_foreach(json_object_get(x, "receipts"), j, r)
		{
			cli_fmt_time(json_integer_value(json_object_get(r, "time_ms")), when,
				     sizeof(when));
			printf("    received by %s at %s (signed receipt)\n",
			       json_string_value(json_object_get(r, "receiver")), when);
		}
	}
}

static int show_action(ldc_t *cl, const char *id, bool json)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	Ld__ApiAction *a;
	json_t *o;
	char when[48];
	int r;

	q.has_type = true;
	q.type = LD__API_TYPE__API_ACTION;
	q.case_id = (char *)id;
	if ((r = ldc_call(cl, &q, 10000, &resp)) < 0)
		return cli_daemon_fail(r, "show");
	if (!resp->ok || !resp->action) {
		r = cli_fail(
			resp->err == -ENOENT ? EXIT_NO_CASE : EXIT_STORE,
			"show %s: no case or "
			"action of that id is held here (unknown id, or this node is not party "
			"to it)",
			id);
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	a = resp->action;
	o = docs_action(a, cli_time_flags);
	if (json) {
		r = cli_json_dump(o);
	} else {
		printf("action %s: %s\n  %s, %s, dispatched by %s", a->action_id, cli_1l(a->title),
		       ld_action_kind_name(a->kind), ld_priority_name(a->priority),
		       a->dispatched ? a->dispatcher : "(dispatch not held here)");
		if (a->ack_by_ms) {
			cli_fmt_time(a->ack_by_ms, when, sizeof(when));
			printf("; acknowledge by %s", when);
		}
		printf("\n\nparticipants:\n");
		for (size_t i = 0; i < a->n_participants; i++)
			printf("  %-20s %-9s %-16s%s%s%s\n", a->participants[i]->node_id,
			       ld_role_name(a->participants[i]->role), a->participants[i]->state,
			       a->participants[i]->overdue ? "  OVERDUE (not acknowledged in time)"
							   : "",
			       a->participants[i]->escalated ? ", ESCALATED" : "",
			       a->participants[i]->not_visible ? "  (an answer of it is held here "
								 "unreadable: its state is unknown)"
							       : "");
		printf("\ntimeline (every entry signed by its author and verified on arrival):\n");
		timeline_text(json_object_get(o, "timeline"));
		r = 0;
	}
	json_decref(o);
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

static void case_text(const Ld__ApiCase *k, json_t *o)
{
	char when[48], rep[48];

	printf("case %s: %s\n", k->case_id, cli_1l(k->title));
	if (k->opened) {
		printf("  referred by %s to %s; status: %s", k->referrer, k->holder, k->status);
		if (k->answer_by_ms) {
			cli_fmt_time(k->answer_by_ms, when, sizeof(when));
			printf("; answer by %s", when);
		}
		printf("\n");
	} else {
		printf("  no referral of this case is held here\n");
	}
	if (k->case_status) {
		printf("  case status: %s", k->case_status);
		if (k->remediation_due_ms) {
			cli_fmt_time(k->remediation_due_ms, when, sizeof(when));
			printf("; remediation due %s", when);
		}
		printf("\n");
	}
	for (size_t i = 0; i < k->n_checkpoints; i++) {
		const Ld__ApiCheckpoint *x = k->checkpoints[i];

		cli_fmt_time(x->due_ms, when, sizeof(when));
		if (x->reported_ms)
			cli_fmt_time(x->reported_ms, rep, sizeof(rep));
		printf("  checkpoint %zu due %s: %s - %s%s\n", i, when, cli_1l(x->description),
		       x->dropped	? "dropped"
		       : x->reported_ms ? "reported "
					: "NOT REPORTED",
		       !x->dropped && x->reported_ms ? rep : "");
	}
	for (size_t i = 0; i < k->n_assessments; i++)
		printf("  assessment %s by %s: %s\n", ld_stage_name(k->assessments[i]->stage),
		       k->assessments[i]->assessor, ld_outcome_name(k->assessments[i]->outcome));
	printf("\ntimeline (every entry signed by its author and verified on arrival):\n");
	timeline_text(json_object_get(o, "timeline"));
}

int cmd_show(int argc, char **argv)
{
	cli_common_t co = {0};
	Ld__ApiResponse *resp;
	const char *id;
	ldc_t *cl;
	json_t *o;
	int r, first;

	if ((r = cli_common_only(
		     argc, argv, "show",
		     "Usage: liandong show CASE|ACTION [-c CONFIG | --api EP] [--json] [--utc]\n"
		     "The case's (or joint action's) whole signed timeline as this node holds\n"
		     "it: author, time, what each entry says (every field: facts, reasons,\n"
		     "parties, places, evidence references, deadlines), refused entries with\n"
		     "the rule they break, and who received each entry when. Entries this\n"
		     "node holds only redacted are marked \"not visible here\".\n"
		     "--json: the same, typed (times as ms and RFC 3339).\n"
		     "Exit 7: no case or action of that id is held here.\n",
		     1, 1, &co, &first)))
		return r == 1 ? 0 : r;
	id = argv[first];
	if (!ld_case_id_valid(id))
		return cli_fail(EXIT_USAGE,
				"show: '%.80s' is not a case or action id "
				"(OWNER-NODE/LOCAL-ID)",
				id);
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	if ((r = cli_fetch_case(cl, id, &resp)) < 0) {
		ldc_destroy(&cl);
		return cli_daemon_fail(r, "show");
	}
	if (!resp->ok && resp->err == -ENOENT) {
		/* Not a case this node holds: perhaps a joint action. */
		ld__api_response__free_unpacked(resp, NULL);
		r = show_action(cl, id, co.json);
		ldc_destroy(&cl);
		return r;
	}
	ldc_destroy(&cl);
	if (!resp->ok || !resp->case_view) {
		r = cli_fail(EXIT_STORE, "show %s: %s", id,
			     resp->message ? resp->message : "failed");
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	o = docs_case(resp->case_view, cli_time_flags);
	if (co.json) {
		r = cli_json_dump(o);
	} else {
		case_text(resp->case_view, o);
		r = 0;
	}
	json_decref(o);
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

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
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/domain/action.h"
#include "common/domain/casefile.h"
#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "common/feed/pbjson.h"
#include "common/store/store.h"

void cli_timeline_text(json_t *tl)
{
	size_t i, j;
	json_t *x, *r;
	char when[48];

	printf("\n%s\n", _("timeline (every entry signed by its author and verified on arrival):"));
	json_array_foreach(tl, i, x)
	{
		json_t *content = json_object_get(x, "content");
		const ld_kind_info_t *k = ld_kind_by_name(cli_jstr(x, "kind"));

		cli_fmt_time(cli_jint(x, "time_ms"), when, sizeof(when));
		printf("\n  %s  %s #%lld  %s\n", when, cli_jstr(x, "feed"), cli_jint(x, "seq"),
		       cli_term("entry kind", cli_jstr(x, "label")));
		printf("    %s\n", cli_1l(cli_jstr(x, "summary")));
		if (cli_jtrue(x, "refused"))
			printf(_("    REFUSED: %s\n"), cli_1l(cli_jstr(x, "reason")));
		if (json_is_object(content))
			cli_render(stdout, content, 6, k ? k->desc : NULL);
		else if (!cli_jtrue(x, "visible"))
			printf("      %s\n",
			       _("(content not visible here: this node holds the entry redacted)"));
		json_array_foreach(json_object_get(x, "receipts"), j, r)
		{
			cli_fmt_time(cli_jint(r, "time_ms"), when, sizeof(when));
			printf(_("    received by %s at %s (signed receipt)\n"),
			       cli_jstr(r, "receiver"), when);
		}
	}
}

static void action_text(const Ld__ApiAction *a)
{
	char when[48];

	printf(_("action %s: %s\n"), a->action_id, cli_1l(a->title));
	printf(_("  %s, %s, "), cli_term("action kind", ld_action_kind_name(a->kind)),
	       cli_term("ld.Priority", ld_priority_name(a->priority)));
	if (a->dispatched)
		printf(_("dispatched by %s"), a->dispatcher);
	else
		printf("%s", _("dispatched by (dispatch not held here)"));
	if (a->ack_by_ms) {
		cli_fmt_time(a->ack_by_ms, when, sizeof(when));
		printf(_("; acknowledge by %s"), when);
	}
	printf("\n\n%s\n", _("participants:"));
	for (size_t i = 0; i < a->n_participants; i++) {
		const Ld__ApiParticipant *p = a->participants[i];

		printf("  %s %s %s%s%s%s\n", cli_pad(p->node_id, 20),
		       cli_col(cli_term("ld.ParticipantRole", ld_role_name(p->role)), 9),
		       cli_col(cli_term("participant state", p->state), 16),
		       p->overdue ? _("  OVERDUE (not acknowledged in time)") : "",
		       p->escalated ? _(", ESCALATED") : "",
		       p->not_visible
			       ? _("  (an answer of it is held here unreadable: its state is unknown)")
			       : "");
	}
}

static int show_action(ldc_t *cl, const char *id, bool json)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	Ld__ApiAction *a;
	json_t *o;
	int r;

	q.has_type = true;
	q.type = LD__API_TYPE__API_ACTION;
	q.case_id = (char *)id;
	if ((r = ldc_call(cl, &q, 10000, &resp)) < 0)
		return cli_daemon_fail(r, "show");
	if (!resp->ok && resp->err == -ENOENT) {
		/* Neither a case nor an action: perhaps a consultation. */
		ld__api_response__free_unpacked(resp, NULL);
		r = cli_show_consult(cl, id, json);
		if (r != -ENOENT)
			return r;
		return cli_fail(EXIT_NO_CASE,
				"show %s: no case, action or consultation of that id is held here "
				"(unknown id, or this node is not party to it)",
				id);
	}
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
		action_text(a);
		cli_timeline_text(json_object_get(o, "timeline"));
		r = 0;
	}
	json_decref(o);
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

static void case_text(const Ld__ApiCase *k, json_t *o)
{
	char when[48], rep[48];

	printf(_("case %s: %s\n"), k->case_id, cli_1l(k->title));
	if (k->opened) {
		printf(_("  referred by %s to %s; status: %s"), k->referrer, k->holder,
		       cli_term("case state", k->status));
		if (k->answer_by_ms) {
			cli_fmt_time(k->answer_by_ms, when, sizeof(when));
			printf(_("; answer by %s"), when);
		}
		printf("\n");
	} else {
		printf("  %s\n", _("no referral of this case is held here"));
	}
	if (k->case_status) {
		printf(_("  case status: %s"), cli_term("ld.CaseStatus", k->case_status));
		if (k->remediation_due_ms) {
			cli_fmt_time(k->remediation_due_ms, when, sizeof(when));
			printf(_("; remediation due %s"), when);
		}
		printf("\n");
	}
	for (size_t i = 0; i < k->n_checkpoints; i++) {
		const Ld__ApiCheckpoint *x = k->checkpoints[i];

		cli_fmt_time(x->due_ms, when, sizeof(when));
		printf(_("  checkpoint %zu due %s: %s - "), i, when, cli_1l(x->description));
		if (x->dropped) {
			printf("%s\n", _("dropped"));
		} else if (x->reported_ms) {
			cli_fmt_time(x->reported_ms, rep, sizeof(rep));
			printf(_("reported %s\n"), rep);
		} else {
			printf("%s\n", _("NOT REPORTED"));
		}
	}
	for (size_t i = 0; i < k->n_assessments; i++)
		printf(_("  assessment %s by %s: %s\n"),
		       cli_term("ld.AssessmentStage", ld_stage_name(k->assessments[i]->stage)),
		       k->assessments[i]->assessor,
		       cli_term("ld.AssessmentOutcome",
				ld_outcome_name(k->assessments[i]->outcome)));
	cli_timeline_text(json_object_get(o, "timeline"));
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
		     "Usage: liandong show CASE|ACTION|CONSULTATION [-c CONFIG | --api EP] [--json] [--utc]\n"
		     "The case's (joint action's, consultation's) whole signed timeline as this node holds\n"
		     "it: author, time, what each entry says (every field: facts, reasons,\n"
		     "parties, places, evidence references, deadlines), refused entries with\n"
		     "the rule they break, and who received each entry when. Entries this\n"
		     "node holds only redacted are marked \"not visible here\".\n"
		     "--json: the same, typed (times as ms and RFC 3339).\n"
		     "A consultation (会商) shows its participants' attendance and signatures of\n"
		     "the minutes, the follow-up tasks, and the experts and liaison persons it\n"
		     "names (their contact details from the directory, never from the record).\n"
		     "Exit 7: no case, action or consultation of that id is held here.\n",
		     1, 1, &co, &first)))
		return r == 1 ? 0 : r;
	id = argv[first];
	if (!ld_case_id_valid(id))
		return cli_fail(EXIT_USAGE,
				"show: '%.80s' is not a case, action or consultation id "
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
			     resp->message ? resp->message : _("failed"));
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

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
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/domain/action.h"
#include "common/domain/casefile.h"
#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "common/feed/pbjson.h"
#include "common/store/store.h"

/* A time as a pair: milliseconds and RFC 3339 in the operator's zone. */
static void put_time(json_t *o, const char *key, int64_t ms)
{
	char k[64], when[48];

	snprintf(k, sizeof(k), "%s_ms", key);
	json_object_set_new(o, k, json_integer(ms));
	if (ms > 0) {
		ld_time_format(ms, cli_time_flags | LD_TIME_RFC3339, when, sizeof(when));
		json_object_set_new(o, key, json_string(when));
	}
}

static json_t *item_json(const Ld__ApiCaseItem *x)
{
	const ld_kind_info_t *k = ld_kind_info(x->kind);
	json_t *o = json_object(), *rc = json_array(), *content = NULL;
	char hex[65];

	json_object_set_new(o, "feed", cli_json_text(x->ref->feed));
	json_object_set_new(o, "seq", json_integer((json_int_t)x->ref->seq));
	if (x->ref->id.len == 32)
		json_object_set_new(o, "id", json_string(ld_hex(x->ref->id.data, 32, hex)));
	json_object_set_new(o, "kind", json_string(k ? k->name : "unknown"));
	json_object_set_new(o, "label", json_string(k ? k->label : "entry of a kind unknown here"));
	put_time(o, "time", x->time_ms);
	put_time(o, "recv", x->recv_ms);
	json_object_set_new(o, "summary", cli_json_text(x->summary));
	json_object_set_new(o, "refused", json_boolean(x->refused));
	if (x->refused)
		json_object_set_new(o, "reason", cli_json_text(x->reason));
	if (x->has_payload) {
		bool bad = false;

		content = ld_payload_json(x->kind, x->payload.data, x->payload.len, cli_time_flags,
					  &bad);
		if (bad)
			cli_json_note_invalid();
	}
	json_object_set_new(o, "visible", json_boolean(x->has_payload));
	json_object_set_new(o, "content", content ? content : json_null());
	for (size_t j = 0; j < x->n_receipts; j++) {
		json_t *r = json_object();

		json_object_set_new(r, "receiver", cli_json_text(x->receipts[j]->receiver));
		put_time(r, "time", x->receipts[j]->time_ms);
		if (x->receipts[j]->receipt)
			json_object_set_new(r, "receipt_seq",
					    json_integer((json_int_t)x->receipts[j]->receipt->seq));
		json_array_append_new(rc, r);
	}
	json_object_set_new(o, "receipts", rc);
	return o;
}

static json_t *timeline_json(Ld__ApiCaseItem **items, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, item_json(items[i]));
	return a;
}

static void timeline_text(json_t *tl)
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
	json_t *o, *parts;
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
	o = json_object();
	parts = json_array();
	json_object_set_new(o, "action", cli_json_text(a->action_id));
	json_object_set_new(o, "dispatched", json_boolean(a->dispatched));
	json_object_set_new(o, "dispatcher",
			    a->dispatched ? cli_json_text(a->dispatcher) : json_null());
	json_object_set_new(o, "kind", json_string(ld_action_kind_name(a->kind)));
	json_object_set_new(o, "priority", json_string(ld_priority_name(a->priority)));
	put_time(o, "ack_by", a->ack_by_ms);
	json_object_set_new(o, "title", cli_json_text(a->title));
	for (size_t i = 0; i < a->n_participants; i++) {
		const Ld__ApiParticipant *p = a->participants[i];
		json_t *x = json_object();

		json_object_set_new(x, "node", cli_json_text(p->node_id));
		json_object_set_new(x, "role", json_string(ld_role_name(p->role)));
		json_object_set_new(x, "state", cli_json_text(p->state));
		put_time(x, "ack", p->ack_ms);
		json_object_set_new(x, "overdue", json_boolean(p->overdue));
		json_object_set_new(x, "escalated", json_boolean(p->escalated));
		json_object_set_new(x, "visible", json_boolean(!p->not_visible));
		json_array_append_new(parts, x);
	}
	json_object_set_new(o, "participants", parts);
	json_object_set_new(o, "timeline", timeline_json(a->items, a->n_items));
	if (json) {
		r = cli_json_dump(o);
	} else {
		action_text(a);
		timeline_text(json_object_get(o, "timeline"));
		r = 0;
	}
	json_decref(o);
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

static json_t *case_json(const Ld__ApiCase *k)
{
	json_t *o = json_object(), *cps = json_array(), *as = json_array();

	json_object_set_new(o, "case", cli_json_text(k->case_id));
	json_object_set_new(o, "opened", json_boolean(k->opened));
	json_object_set_new(o, "referrer", cli_json_text(k->referrer));
	json_object_set_new(o, "holder", cli_json_text(k->holder));
	json_object_set_new(o, "status", cli_json_text(k->status));
	json_object_set_new(o, "title", cli_json_text(k->title));
	put_time(o, "answer_by", k->answer_by_ms);
	json_object_set_new(o, "case_status", cli_json_text(k->case_status));
	put_time(o, "remediation_due", k->remediation_due_ms);
	for (size_t i = 0; i < k->n_checkpoints; i++) {
		const Ld__ApiCheckpoint *x = k->checkpoints[i];
		json_t *c = json_object();

		put_time(c, "due", x->due_ms);
		json_object_set_new(c, "description", cli_json_text(x->description));
		put_time(c, "reported", x->reported_ms);
		json_object_set_new(c, "dropped", json_boolean(x->dropped));
		json_array_append_new(cps, c);
	}
	json_object_set_new(o, "checkpoints", cps);
	for (size_t i = 0; i < k->n_assessments; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "stage",
				    json_string(ld_stage_name(k->assessments[i]->stage)));
		json_object_set_new(x, "outcome",
				    json_string(ld_outcome_name(k->assessments[i]->outcome)));
		json_object_set_new(x, "assessor", cli_json_text(k->assessments[i]->assessor));
		put_time(x, "time", k->assessments[i]->time_ms);
		json_array_append_new(as, x);
	}
	json_object_set_new(o, "assessments", as);
	json_object_set_new(o, "may_update", json_boolean(k->may_update));
	json_object_set_new(o, "may_assess", json_boolean(k->may_assess));
	json_object_set_new(o, "may_designate", json_boolean(k->may_designate));
	json_object_set_new(o, "timeline", timeline_json(k->items, k->n_items));
	return o;
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
			     resp->message ? resp->message : _("failed"));
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	o = case_json(resp->case_view);
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

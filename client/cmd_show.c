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

#include "case.pb-c.h"
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
		json_t *x, *content = NULL;
		size_t i;

		action_text(a);
		/* The experts and liaison persons the dispatch names, as the
		 * directories held here describe them. */
		json_array_foreach(json_object_get(o, "timeline"), i, x)
		{
			if (!strcmp(cli_jstr(x, "kind"), "dispatch") &&
			    json_is_object(json_object_get(x, "content")))
				content = json_object_get(x, "content");
		}
		if (content)
			cli_persons_text(cl, json_object_get(content, "experts"),
					 json_object_get(content, "liaisons"));
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
	cli_funds_text(json_object_get(o, "substitute_performance"), json_object_get(o, "funds"));
	cli_timeline_text(json_object_get(o, "timeline"));
}

/* ---- repeat offenders (重复违法比对) ---- */

/* The referral of case 'k' in force as this node holds it (the last one not
 * refused), decoded; NULL if none readable. Caller frees (ld_payload_free). */
static Ld__CaseReferral *case_referral(const Ld__ApiCase *k)
{
	Ld__CaseReferral *m = NULL;

	for (size_t i = 0; i < k->n_items; i++) {
		const Ld__ApiCaseItem *x = k->items[i];

		if (x->kind != LD__KIND__KIND_CASE_REFERRAL || x->refused || !x->has_payload)
			continue;
		ld_payload_free(m);
		m = ld_payload_unpack(LD__KIND__KIND_CASE_REFERRAL, x->payload.data,
				      x->payload.len);
	}
	return m;
}

/* The region of case 'id' as this node holds it: its place's GB/T 2260
 * code, else "" (unknown). */
static void case_region(ldc_t *cl, const char *id, char *out, size_t n)
{
	Ld__ApiResponse *resp = NULL;
	Ld__CaseReferral *m;

	out[0] = '\0';
	if (cli_fetch_case(cl, id, &resp) < 0)
		return;
	if (resp->ok && resp->case_view && (m = case_referral(resp->case_view))) {
		if (m->place && m->place->region_code)
			snprintf(out, n, "%s", m->place->region_code);
		ld_payload_free(m);
	}
	ld__api_response__free_unpacked(resp, NULL);
}

#define REPEAT_MAX 50

json_t *cli_party_cases(struct ldc *cl, const char *name, const char *credit_code,
			const char *exclude, const char *here)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiSearchQuery sq = LD__API_SEARCH_QUERY__INIT;
	Ld__ApiResponse *resp = NULL;
	char regions[REPEAT_MAX][8];
	size_t n_regions = 0, n_other = 0;
	json_t *cases;

	q.has_type = true;
	q.type = LD__API_TYPE__API_SEARCH;
	sq.credit_code = (char *)credit_code;
	sq.has_limit = true;
	sq.limit = REPEAT_MAX;
	q.search = &sq;
	if (ldc_call(cl, &q, 10000, &resp) < 0 || !resp->ok || !resp->search) {
		if (resp)
			ld__api_response__free_unpacked(resp, NULL);
		return NULL;
	}
	cases = json_array();
	for (size_t i = 0; i < resp->search->n_hits; i++) {
		const char *id = resp->search->hits[i]->case_id;
		char reg[8];
		size_t j;

		if (!id || (exclude && !strcmp(id, exclude)))
			continue;
		n_other++;
		json_array_append_new(cases, cli_json_text(id));
		case_region(cl, id, reg, sizeof(reg));
		if (!reg[0] || (here && !strcmp(reg, here)))
			continue;
		for (j = 0; j < n_regions && strcmp(regions[j], reg); j++)
			;
		if (j == n_regions && n_regions < REPEAT_MAX)
			snprintf(regions[n_regions++], sizeof(regions[0]), "%s", reg);
	}
	ld__api_response__free_unpacked(resp, NULL);
	return json_pack("{s:o, s:o, s:I, s:I, s:o}", "name", cli_json_opt(name), "credit_code",
			 cli_json_text(credit_code), "other_cases", (json_int_t)n_other,
			 "other_regions", (json_int_t)n_regions, "cases", cases);
}

/* For each party of case 'k' with a credit code: the other cases this node
 * holds naming the same code, and in how many other regions. What a node
 * may not read it does not hold, so a unit learns only of cases it is
 * entitled to see. A JSON array (possibly empty); NULL on a daemon error. */
static json_t *repeat_parties(ldc_t *cl, const Ld__ApiCase *k)
{
	Ld__CaseReferral *m = case_referral(k);
	char here[8] = "";
	json_t *out = json_array();

	if (!m)
		return out;
	if (m->place && m->place->region_code)
		snprintf(here, sizeof(here), "%s", m->place->region_code);
	for (size_t p = 0; out && p < m->n_parties; p++) {
		const Ld__Party *party = m->parties[p];
		json_t *o;

		if (!party->credit_code || !party->credit_code[0])
			continue;
		o = cli_party_cases(cl, party->name, party->credit_code, k->case_id, here);
		if (o)
			json_array_append_new(out, o);
	}
	ld_payload_free(m);
	return out;
}

static void party_text(json_t *x)
{
	json_t *c;
	size_t j;

	if (!cli_jint(x, "other_cases"))
		return;
	printf(_("  repeat offender: %s (%s) has %lld other case(s) held here, in %lld "
		 "other region(s):"),
	       cli_1l(cli_jstr(x, "name")), cli_jstr(x, "credit_code"), cli_jint(x, "other_cases"),
	       cli_jint(x, "other_regions"));
	json_array_foreach(json_object_get(x, "cases"), j, c)
	{
		printf(" %s", json_string_value(c));
	}
	printf("\n");
}

static void repeat_text(json_t *rp)
{
	size_t i;
	json_t *x;

	json_array_foreach(rp, i, x) party_text(x);
}

int cmd_show(int argc, char **argv)
{
	cli_common_t co = {0};
	Ld__ApiResponse *resp;
	const char *id;
	ldc_t *cl;
	json_t *o, *rp;
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
		     "A case also lists, for each party with a credit code, the other cases this\n"
		     "node holds naming it and in how many other regions (repeat offenders,\n"
		     "重复违法): only cases this node may read, so a unit learns of no case it\n"
		     "is not entitled to see (--json: repeat_parties, when a party has a code).\n"
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
	if (!resp->ok || !resp->case_view) {
		ldc_destroy(&cl);
		r = cli_fail(EXIT_STORE, "show %s: %s", id,
			     resp->message ? resp->message : _("failed"));
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	o = docs_case(resp->case_view, cli_time_flags);
	rp = repeat_parties(cl, resp->case_view);
	ldc_destroy(&cl);
	/* Only when a party has a credit code: otherwise the document is the
	 * wall's /api/case one exactly (client/docs.c), which has no
	 * repeat-offender comparison yet. */
	if (o && json_array_size(rp))
		json_object_set(o, "repeat_parties", rp);
	if (co.json) {
		r = cli_json_dump(o);
	} else {
		case_text(resp->case_view, o);
		repeat_text(rp);
		r = 0;
	}
	json_decref(rp);
	json_decref(o);
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

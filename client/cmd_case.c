/* client/cmd_case.c: the cross-border referral workflow (跨区域案件移送) and
 * the hand-over to the judiciary: `liandong refer`, `respond`, `transfer`,
 * `designate`, `show`, `reindex`. Every command checks its input, and what the
 * node knows of the case, before anything is signed: a refused action writes
 * nothing. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "case.pb-c.h"
#include "client/cli.h"
#include "client/ldclient.h"
#include "common/action.h"
#include "common/casefile.h"
#include "common/entry.h"
#include "common/errors.h"
#include "common/store.h"

static const char *const reasons[] = {NULL, "jurisdiction", "suspected-crime", "public-interest",
				      "damage-compensation", "other"};

static int fetch_case(ldc_t *cl, const char *case_id, Ld__ApiResponse **ret)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;

	q.has_type = true;
	q.type = LD__API_TYPE__API_CASE;
	q.case_id = (char *)case_id;
	return ldc_call(cl, &q, 10000, ret);
}

static void refer_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong refer --to NODE --title TEXT --violation TYPE --facts TEXT\n"
		"         [--case ID] [--legal-basis TEXT] [--region CODE] [--river NAME]\n"
		"         [--site NAME] [--party NAME] [--credit-code CODE]\n"
		"         [--evidence FEED:SEQ]... [--answer-by YYYY-MM-DD[THH:MM]]\n"
		"         [--reason jurisdiction|suspected-crime|public-interest|damage-compensation]\n"
		"         [-c CONFIG | --api EP] [--json]\n"
		"Refer a case to another unit (a county across the border, or police,\n"
		"procuratorate or court for the hand-over to the judiciary).\n"
		"TYPE: water, air, solid-waste, hazardous-waste, soil, noise, sand-mining,\n"
		"      fishing-ban, ecological-damage, radiation, other.\n"
		"ID defaults to THIS-NODE/YYYYMMDD-HHMMSS; it must start with this node's id.\n"
		"--answer-by must lie ahead (a bare date means 23:59 UTC; +48h also works);\n"
		"a deadline already past exits 9 and nothing is signed.\n");
}

int cmd_refer(int argc, char **argv)
{
	static const struct option opts[] = {
		{"to", required_argument, NULL, 't'},          {"title", required_argument, NULL, 'T'},
		{"violation", required_argument, NULL, 'v'},   {"facts", required_argument, NULL, 'f'},
		{"case", required_argument, NULL, 'k'},        {"legal-basis", required_argument, NULL, 'l'},
		{"region", required_argument, NULL, 'g'},      {"river", required_argument, NULL, 'w'},
		{"site", required_argument, NULL, 's'},        {"party", required_argument, NULL, 'p'},
		{"credit-code", required_argument, NULL, 'C'}, {"evidence", required_argument, NULL, 'e'},
		{"answer-by", required_argument, NULL, 'b'},   {"reason", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'},      {"api", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},              {"help", no_argument, NULL, 'h'},
		{0},
	};
	Ld__CaseReferral m = LD__CASE_REFERRAL__INIT;
	Ld__Place place = LD__PLACE__INIT;
	Ld__Party party = LD__PARTY__INIT, *parties[] = {&party};
	cli_refs_t ev = {.max = 16};
	char case_buf[LD_CASE_ID_MAX + 1], self[LD_NODE_ID_MAX + 1];
	const char *conf = NULL, *api = NULL, *aud[1];
	bool json = false, have_place = false;
	uint8_t *buf;
	ldc_t *cl;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': m.addressee = optarg; break;
		case 'T': m.title = optarg; break;
		case 'f': m.facts = optarg; break;
		case 'k': m.case_id = optarg; break;
		case 'l': m.legal_basis = optarg; break;
		case 'g': place.region_code = optarg; have_place = true; break;
		case 'w': place.water_body = optarg; have_place = true; break;
		case 's': place.site_name = optarg; have_place = true; break;
		case 'p': party.name = optarg; break;
		case 'C': party.credit_code = optarg; break;
		case 'c': conf = optarg; break;
		case 'a': api = optarg; break;
		case 'j': json = true; break;
		case 'v': {
			int v = -1;

			for (uint32_t i = 1; i < 12; i++)
				if (!strcmp(optarg, ld_violation_name(i)))
					v = (int)i;
			if (v < 0)
				return cli_fail(EXIT_USAGE, "refer: --violation '%s' unknown (water, air, "
							    "solid-waste, hazardous-waste, soil, noise, "
							    "sand-mining, fishing-ban, ecological-damage, "
							    "radiation, other)", optarg);
			m.has_violation = true;
			m.violation = (uint32_t)v;
			break;
		}
		case 'r': {
			int v = cli_pick(reasons, sizeof(reasons) / sizeof(reasons[0]), optarg);

			if (v < 0)
				return cli_fail(EXIT_USAGE, "refer: --reason '%s' unknown (jurisdiction, "
							    "suspected-crime, public-interest, "
							    "damage-compensation, other)", optarg);
			m.has_reason = true;
			m.reason = (uint32_t)v;
			break;
		}
		case 'b':
			if ((m.answer_by_ms = cli_parse_time(optarg, true)) < 0)
				return cli_fail(EXIT_USAGE, "refer: --answer-by '%s' is not a date "
							    "(" CLI_TIME_FORMS ")", optarg);
			if (cli_deadline_ahead("refer", "--answer-by", optarg, m.answer_by_ms))
				return EXIT_EXPIRED;
			m.has_answer_by_ms = true;
			break;
		case 'e':
			if (cli_refs_add(&ev, "refer", "--evidence", optarg))
				return EXIT_USAGE;
			break;
		case 'h': refer_usage(stdout); return 0;
		default: refer_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc + 1) {
		refer_usage(stderr);
		return cli_fail(EXIT_USAGE, "refer: unexpected argument '%s'", argv[optind - 1]);
	}
	if (!m.addressee || !m.title || !m.has_violation || !m.facts) {
		refer_usage(stderr);
		return cli_fail(EXIT_USAGE, "refer: --to, --title, --violation and --facts are "
					    "required");
	}
	if (!ld_node_id_valid(m.addressee))
		return cli_fail(EXIT_USAGE, "refer: --to '%s' is not a valid node id", m.addressee);
	if (place.region_code && (strlen(place.region_code) != 6 ||
				  strspn(place.region_code, "0123456789") != 6))
		return cli_fail(EXIT_USAGE, "refer: --region '%s' must be six digits (GB/T 2260)",
				place.region_code);
	if (party.credit_code && strlen(party.credit_code) != 18)
		return cli_fail(EXIT_USAGE, "refer: --credit-code '%s' must be the 18-character "
					    "unified social credit code", party.credit_code);
	if ((r = cli_connect(api, conf, &cl)) != 0)
		return r;
	if ((r = cli_self_id(cl, self)) < 0) {
		ldc_destroy(&cl);
		return cli_daemon_fail(r, "refer");
	}
	if (!strcmp(self, m.addressee)) {
		ldc_destroy(&cl);
		return cli_fail(EXIT_USAGE, "refer: --to names this node itself");
	}
	if (!m.case_id) {
		time_t t = time(NULL);
		char stamp[32];

		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", gmtime(&t));
		snprintf(case_buf, sizeof(case_buf), "%s/%s", self, stamp);
		m.case_id = case_buf;
	}
	if (!ld_case_id_valid(m.case_id) || strncmp(m.case_id, self, strlen(self)) != 0 ||
	    m.case_id[strlen(self)] != '/') {
		ldc_destroy(&cl);
		return cli_fail(EXIT_USAGE, "refer: --case '%s' must be %s/LOCAL-ID (1-64 of A-Z a-z "
					    "0-9 . _ -)", m.case_id, self);
	}
	/* Re-referring is for a case rejected or waiting for more information;
	 * anything else would be signed and then refused. */
	{
		Ld__ApiResponse *cr = NULL;

		if (fetch_case(cl, m.case_id, &cr) == 0 && cr->ok && cr->case_view &&
		    cr->case_view->opened && strcmp(cr->case_view->status, "need-info") &&
		    strcmp(cr->case_view->status, "rejected")) {
			r = cli_fail(EXIT_DENIED, "refer: case %s is already referred to %s (status: "
						  "%s)", m.case_id, cr->case_view->holder,
				     cr->case_view->status);
			ld__api_response__free_unpacked(cr, NULL);
			ldc_destroy(&cl);
			return r;
		}
		if (cr)
			ld__api_response__free_unpacked(cr, NULL);
	}
	if (have_place)
		m.place = &place;
	if (party.name || party.credit_code) {
		m.n_parties = 1;
		m.parties = parties;
	}
	m.evidence = ev.ptrs;
	m.n_evidence = ev.n;
	aud[0] = m.addressee;
	buf = malloc(ld__case_referral__get_packed_size(&m));
	if (!buf) {
		ldc_destroy(&cl);
		return cli_fail(EXIT_STORE, "out of memory");
	}
	r = cli_sign(cl, LD__KIND__KIND_CASE_REFERRAL, aud, 1, buf,
		       ld__case_referral__pack(&m, buf), json, "referral");
	if (r == 0 && !json)
		printf("case %s referred to %s\n", m.case_id, m.addressee);
	free(buf);
	ldc_destroy(&cl);
	return r;
}

static void respond_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong respond CASE accept|reject|need-info [--reason TEXT]\n"
		"       liandong transfer CASE --to NODE [--reason TEXT]\n"
		"       liandong designate CASE --to NODE [--reason TEXT]   (a superior only)\n"
		"         [-c CONFIG | --api EP] [--json]\n"
		"Answer a referral addressed to this node; reject and need-info need a reason.\n"
		"An answer after the answer-by deadline is still recorded (a note on stderr\n"
		"says how late). Exit: 6 this node may not do that, 7 unknown case.\n");
}

/* respond / transfer / designate share everything but the decision. */
static int answer(int argc, char **argv, const char *verb)
{
	static const struct option opts[] = {
		{"to", required_argument, NULL, 't'},     {"reason", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'}, {"api", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
		{0},
	};
	Ld__ReferralResponse m = LD__REFERRAL_RESPONSE__INIT;
	Ld__EntryRef referral;
	const char *conf = NULL, *api = NULL, *to = NULL, *aud[3];
	char self[LD_NODE_ID_MAX + 1];
	Ld__ApiResponse *resp = NULL;
	Ld__ApiCase *k;
	bool json = false;
	size_t n_aud = 0;
	uint8_t buf[4096];
	ldc_t *cl;
	int c, r, decision = 0, pos = 0;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': to = optarg; break;
		case 'r': m.reason = optarg; break;
		case 'c': conf = optarg; break;
		case 'a': api = optarg; break;
		case 'j': json = true; break;
		case 'h': respond_usage(stdout); return 0;
		default: respond_usage(stderr); return EXIT_USAGE;
		}
	}
	for (int i = optind - 1; i < argc; i++, pos++) {
		if (pos == 0)
			m.case_id = argv[i];
		else if (pos == 1 && !strcmp(verb, "respond"))
			decision = cli_pick((const char *const[]){NULL, "accept", "reject", "need-info"},
					      4, argv[i]);
		else
			return cli_fail(EXIT_USAGE, "%s: unexpected argument '%s'", verb, argv[i]);
	}
	if (!strcmp(verb, "transfer"))
		decision = LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER;
	else if (!strcmp(verb, "designate"))
		decision = LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE;
	if (!m.case_id || decision <= 0) {
		respond_usage(stderr);
		return cli_fail(EXIT_USAGE, "%s: expected CASE%s", verb,
				!strcmp(verb, "respond") ? " accept|reject|need-info" : " --to NODE");
	}
	if (!ld_case_id_valid(m.case_id))
		return cli_fail(EXIT_USAGE, "%s: '%s' is not a case id (OWNER-NODE/LOCAL-ID)", verb,
				m.case_id);
	if ((decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT ||
	     decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_NEED_INFO) &&
	    (!m.reason || !m.reason[0]))
		return cli_fail(EXIT_USAGE, "%s: --reason is required to %s", verb,
				ld_decision_name((uint32_t)decision));
	if (decision >= LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER &&
	    (!to || !ld_node_id_valid(to)))
		return cli_fail(EXIT_USAGE, "%s: --to NODE (a valid node id) is required", verb);
	if ((r = cli_connect(api, conf, &cl)) != 0)
		return r;
	if ((r = cli_self_id(cl, self)) < 0 || (r = fetch_case(cl, m.case_id, &resp)) < 0) {
		ldc_destroy(&cl);
		return cli_daemon_fail(r, verb);
	}
	if (!resp->ok || !resp->case_view || !resp->case_view->opened) {
		ld__api_response__free_unpacked(resp, NULL);
		ldc_destroy(&cl);
		return cli_fail(EXIT_NO_CASE, "%s: case %s is unknown here (no referral of it has "
					      "reached this node)", verb, m.case_id);
	}
	k = resp->case_view;
	r = 0;
	if (decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE) {
		if (!k->may_designate)
			r = cli_fail(EXIT_DENIED, "designate: only a superior of both %s and %s may "
						  "designate jurisdiction", k->referrer, k->holder);
	} else if (strcmp(self, k->holder) != 0) {
		r = cli_fail(EXIT_DENIED, "%s: case %s is addressed to %s, not to this node (%s)",
			     verb, m.case_id, k->holder, self);
	} else if (strcmp(k->status, "awaiting answer") != 0 &&
		   !(decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER &&
		     !strcmp(k->status, "accepted"))) {
		r = cli_fail(EXIT_DENIED, "%s: case %s is not awaiting an answer (status: %s)", verb,
			     m.case_id, k->status);
	}
	if (r == 0) {
		m.has_decision = true;
		m.decision = (uint32_t)decision;
		if (decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER)
			m.transfer_to = (char *)to;
		if (decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE)
			m.designated = (char *)to;
		/* Name the referral answered, so a unit it is passed to can fetch it. */
		if (k->referral && k->referral->feed) {
			ld__entry_ref__init(&referral);
			referral.feed = k->referral->feed;
			referral.has_seq = referral.has_id = true;
			referral.seq = k->referral->seq;
			referral.id = k->referral->id;
			m.referral = &referral;
		}
		aud[n_aud++] = k->referrer;
		if (strcmp(k->holder, self) != 0)
			aud[n_aud++] = k->holder;
		if (to && strcmp(to, k->referrer) != 0 && strcmp(to, k->holder) != 0)
			aud[n_aud++] = to;
		if (ld__referral_response__get_packed_size(&m) > sizeof(buf))
			r = cli_fail(EXIT_USAGE, "%s: --reason too long", verb);
		else
			r = cli_sign(cl, LD__KIND__KIND_REFERRAL_RESPONSE, aud, n_aud, buf,
				       ld__referral_response__pack(&m, buf), json, verb);
		/* The first answer to a referral: say if it came late. */
		if (r == 0 && strcmp(verb, "designate") != 0 && !strcmp(k->status, "awaiting answer") &&
		    k->has_answer_by_ms)
			cli_note_late(verb, "answer-by", k->answer_by_ms);
	}
	ld__api_response__free_unpacked(resp, NULL);
	ldc_destroy(&cl);
	return r;
}

int cmd_respond(int argc, char **argv)
{
	return answer(argc, argv, "respond");
}

int cmd_transfer(int argc, char **argv)
{
	return answer(argc, argv, "transfer");
}

int cmd_designate(int argc, char **argv)
{
	return answer(argc, argv, "designate");
}

static void print_items(Ld__ApiCaseItem **items, size_t n, bool json)
{
	char when[32];

	for (size_t i = 0; i < n; i++) {
		Ld__ApiCaseItem *x = items[i];

		if (json) {
			printf("%s\n  {\"feed\": \"%s\", \"seq\": %llu, \"time_ms\": %lld, "
			       "\"recv_ms\": %lld, \"summary\": ", i ? "," : "", x->ref->feed,
			       (unsigned long long)x->ref->seq, (long long)x->time_ms,
			       (long long)x->recv_ms);
			cli_json_str(stdout, x->summary ? x->summary : "");
			printf(", \"refused\": %s%s", x->refused ? "true" : "false",
			       x->not_visible ? ", \"visible\": false" : "");
			if (x->refused) {
				printf(", \"reason\": ");
				cli_json_str(stdout, x->reason ? x->reason : "");
			}
			printf(", \"receipts\": [");
			for (size_t j = 0; j < x->n_receipts; j++)
				printf("%s{\"receiver\": \"%s\", \"time_ms\": %lld}", j ? ", " : "",
				       x->receipts[j]->receiver, (long long)x->receipts[j]->time_ms);
			printf("]}");
			continue;
		}
		cli_fmt_time(x->time_ms, when, sizeof(when));
		printf("  %s  %-12s #%-4llu %s\n", when, x->ref->feed, (unsigned long long)x->ref->seq,
		       x->summary ? x->summary : "");
		if (x->refused)
			printf("      REFUSED: %s\n", x->reason ? x->reason : "");
		if (x->not_visible)
			printf("      NOT VISIBLE HERE: this node holds its header and signature "
			       "only\n");
		for (size_t j = 0; j < x->n_receipts; j++) {
			cli_fmt_time(x->receipts[j]->time_ms, when, sizeof(when));
			printf("      received by %s at %s (signed receipt)\n", x->receipts[j]->receiver,
			       when);
		}
	}
}

static int show_action(const char *api, const char *conf, const char *id, bool json)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	Ld__ApiAction *a;
	char when[32];
	ldc_t *cl;
	int r;

	if ((r = cli_connect(api, conf, &cl)) != 0)
		return r;
	q.has_type = true;
	q.type = LD__API_TYPE__API_ACTION;
	q.case_id = (char *)id;
	r = ldc_call(cl, &q, 10000, &resp);
	ldc_destroy(&cl);
	if (r < 0)
		return cli_daemon_fail(r, "show");
	if (!resp->ok || !resp->action) {
		r = cli_fail(resp->err == -ENOENT ? EXIT_NO_CASE : EXIT_STORE, "show %s: no case or "
			     "action of that id is held here (unknown id, or this node is not party "
			     "to it)", id);
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	a = resp->action;
	if (json) {
		printf("{\"action\": ");
		cli_json_str(stdout, a->action_id);
		printf(", \"dispatched\": %s, \"dispatcher\": \"%s\", \"kind\": \"%s\", "
		       "\"priority\": \"%s\", \"ack_by_ms\": %lld, \"title\": ",
		       a->dispatched ? "true" : "false", a->dispatcher ? a->dispatcher : "",
		       ld_action_kind_name(a->kind), ld_priority_name(a->priority),
		       (long long)a->ack_by_ms);
		cli_json_str(stdout, a->title ? a->title : "");
		printf(", \"participants\": [");
		for (size_t i = 0; i < a->n_participants; i++)
			printf("%s\n  {\"node\": \"%s\", \"role\": \"%s\", \"state\": \"%s\", "
			       "\"ack_ms\": %lld, \"overdue\": %s%s}", i ? "," : "",
			       a->participants[i]->node_id, ld_role_name(a->participants[i]->role),
			       a->participants[i]->state, (long long)a->participants[i]->ack_ms,
			       a->participants[i]->overdue ? "true" : "false",
			       a->participants[i]->not_visible ? ", \"visible\": false" : "");
		printf("], \"timeline\": [");
		print_items(a->items, a->n_items, true);
		printf("]}\n");
	} else {
		printf("action %s: %s\n  %s, %s, dispatched by %s", a->action_id,
		       a->title ? a->title : "", ld_action_kind_name(a->kind),
		       ld_priority_name(a->priority), a->dispatched ? a->dispatcher : "(not held)");
		if (a->ack_by_ms) {
			cli_fmt_time(a->ack_by_ms, when, sizeof(when));
			printf("; acknowledge by %s", when);
		}
		printf("\n\nparticipants:\n");
		for (size_t i = 0; i < a->n_participants; i++)
			printf("  %-20s %-9s %-16s%s%s%s\n", a->participants[i]->node_id,
			       ld_role_name(a->participants[i]->role), a->participants[i]->state,
			       a->participants[i]->overdue ? "  OVERDUE (not acknowledged in time)" : "",
			       a->participants[i]->escalated ? ", ESCALATED" : "",
			       a->participants[i]->not_visible ? "  (an answer of it is held here "
								 "unreadable: its state is unknown)"
							       : "");
		printf("\ntimeline:\n");
		print_items(a->items, a->n_items, false);
	}
	ld__api_response__free_unpacked(resp, NULL);
	return 0;
}

int cmd_show(int argc, char **argv)
{
	const char *conf = NULL, *api = NULL, *case_id = NULL;
	Ld__ApiResponse *resp;
	Ld__ApiCase *k;
	bool json = false;
	ldc_t *cl;
	int r;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("Usage: liandong show CASE [-c CONFIG | --api EP] [--json]\n"
			       "The case's whole signed timeline as this node holds it: author, time,\n"
			       "verification, refused actions with the rule they break, and who\n"
			       "received each entry when. Exit 7: unknown case.\n");
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
			conf = argv[++i];
		} else if (!strcmp(argv[i], "--api") && i + 1 < argc) {
			api = argv[++i];
		} else if (argv[i][0] != '-' && !case_id) {
			case_id = argv[i];
		} else {
			return cli_fail(EXIT_USAGE, "show: unexpected argument '%s'", argv[i]);
		}
	}
	if (!case_id || !ld_case_id_valid(case_id))
		return cli_fail(EXIT_USAGE, "show: expected a case id (OWNER-NODE/LOCAL-ID)");
	if ((r = cli_connect(api, conf, &cl)) != 0)
		return r;
	r = fetch_case(cl, case_id, &resp);
	ldc_destroy(&cl);
	if (r < 0)
		return cli_daemon_fail(r, "show");
	if (!resp->ok && resp->err == -ENOENT) {
		/* Not a case this node holds: perhaps a joint action. */
		ld__api_response__free_unpacked(resp, NULL);
		return show_action(api, conf, case_id, json);
	}
	if (!resp->ok || !resp->case_view) {
		r = cli_fail(EXIT_STORE, "show %s: %s", case_id, resp->message ? resp->message : "failed");
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	k = resp->case_view;
	if (json) {
		printf("{\"case\": ");
		cli_json_str(stdout, k->case_id);
		printf(", \"opened\": %s, \"referrer\": \"%s\", \"holder\": \"%s\", \"status\": ",
		       k->opened ? "true" : "false", k->referrer ? k->referrer : "",
		       k->holder ? k->holder : "");
		cli_json_str(stdout, k->status ? k->status : "");
		printf(", \"title\": ");
		cli_json_str(stdout, k->title ? k->title : "");
		printf(", \"answer_by_ms\": %lld, \"case_status\": \"%s\", \"remediation_due_ms\": %lld, "
		       "\"checkpoints\": [", (long long)k->answer_by_ms,
		       k->case_status ? k->case_status : "", (long long)k->remediation_due_ms);
		for (size_t i = 0; i < k->n_checkpoints; i++)
			printf("%s{\"due_ms\": %lld, \"reported_ms\": %lld, \"dropped\": %s}", i ? ", " : "",
			       (long long)k->checkpoints[i]->due_ms,
			       (long long)k->checkpoints[i]->reported_ms,
			       k->checkpoints[i]->dropped ? "true" : "false");
		printf("], \"assessments\": [");
		for (size_t i = 0; i < k->n_assessments; i++)
			printf("%s{\"stage\": \"%s\", \"outcome\": \"%s\", \"assessor\": \"%s\"}",
			       i ? ", " : "", ld_stage_name(k->assessments[i]->stage),
			       ld_outcome_name(k->assessments[i]->outcome), k->assessments[i]->assessor);
		printf("], \"timeline\": [");
		print_items(k->items, k->n_items, true);
		printf("]}\n");
	} else {
		char when[32];

		printf("case %s: %s\n", k->case_id, k->title && k->title[0] ? k->title : "");
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
			char rep[32];

			cli_fmt_time(x->due_ms, when, sizeof(when));
			if (x->reported_ms)
				cli_fmt_time(x->reported_ms, rep, sizeof(rep));
			printf("  checkpoint %zu due %s: %s - %s%s\n", i, when,
			       x->description ? x->description : "",
			       x->dropped ? "dropped" : x->reported_ms ? "reported " : "NOT REPORTED",
			       !x->dropped && x->reported_ms ? rep : "");
		}
		for (size_t i = 0; i < k->n_assessments; i++)
			printf("  assessment %s by %s: %s\n", ld_stage_name(k->assessments[i]->stage),
			       k->assessments[i]->assessor, ld_outcome_name(k->assessments[i]->outcome));
		printf("\ntimeline (every entry signed by its author and verified on arrival):\n");
		print_items(k->items, k->n_items, false);
	}
	ld__api_response__free_unpacked(resp, NULL);
	return 0;
}

int cmd_reindex(int argc, char **argv)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	const char *conf = NULL, *api = NULL;
	Ld__ApiResponse *resp;
	ldc_t *cl;
	int r;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("Usage: liandong reindex [-c CONFIG | --api EP]\n"
			       "Rebuild the node's derived views (cases, ...) from its feeds.\n");
			return 0;
		} else if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
			conf = argv[++i];
		} else if (!strcmp(argv[i], "--api") && i + 1 < argc) {
			api = argv[++i];
		} else {
			return cli_fail(EXIT_USAGE, "reindex: unexpected argument '%s'", argv[i]);
		}
	}
	if ((r = cli_connect(api, conf, &cl)) != 0)
		return r;
	q.has_type = true;
	q.type = LD__API_TYPE__API_REINDEX;
	r = ldc_call(cl, &q, 600000, &resp);
	ldc_destroy(&cl);
	if (r < 0)
		return cli_daemon_fail(r, "reindex");
	r = resp->ok ? 0 : cli_fail(EXIT_STORE, "reindex: %s", resp->message ? resp->message : "failed");
	if (!r)
		printf("views rebuilt from the feeds\n");
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

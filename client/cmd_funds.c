/* client/cmd_funds.c: substitute performance (代履行) and remediation funds
 * (修复资金) of a case: `liandong remediation order|accept` and `liandong
 * funds assign|transfer|receive|spend`, and `liandong funds CASE` (committed
 * vs transferred vs received vs spent, per unit). Who may sign what, and
 * how much, is judged by the daemon before it signs (common/domain/funds.c,
 * exit 6 with the rule); the tool checks its input. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "client/docs.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/domain/casefile.h"
#include "common/feed/entry.h"
#include "common/feed/kinds.h"
#include "funds.pb-c.h"

static void remediation_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong remediation order CASE --party NAME --scope TEXT --cost YUAN\n"
		"         --deadline DATE [--credit-code CODE] [--document-no NO] [--note TEXT]\n"
		"       liandong remediation accept CASE (--passed | --failed) --findings TEXT\n"
		"         [--order N] [--final-cost YUAN] [--evidence FEED:SEQ]...\n"
		"       Common: [--check] [-c CONFIG | --api EP] [--json] [--utc]\n"
		"Substitute performance (代履行): the unit handling the case has a third party\n"
		"(第三方: --party, and its unified social credit code) do the remediation the\n"
		"liable party did not, for a cost, by a deadline; then records the acceptance\n"
		"of the work (验收): passed or failed, once per order (--order N, from\n"
		"liandong show CASE; by default the one order not yet accepted). A command\n"
		"centre's escalation watcher escalates an order not accepted by its deadline\n"
		"to the superior of the unit handling the case, once.\n"
		"YUAN: an amount in yuan with at most two decimals (12000.50); it is signed\n"
		"in fen. DATE: " LD_TIME_FORMS ".\n" CLI_CHECK_HELP
		"Exit: 6 the case rules refuse it (the rule is said), 7 unknown case,\n"
		"9 the deadline has already passed.\n");
}

static void funds_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong funds CASE [--json]\n"
		"       liandong funds assign CASE --amount YUAN [--source TEXT] [--note TEXT]\n"
		"       liandong funds transfer CASE --to NODE --amount YUAN --reference REF\n"
		"         [--purpose TEXT] [--note TEXT]\n"
		"       liandong funds receive CASE [--transfer FEED:SEQ] [--reference REF]\n"
		"       liandong funds spend CASE --amount YUAN --checkpoint N [--purpose TEXT]\n"
		"         [--reference REF] [--note TEXT]\n"
		"       Common: [--check] [-c CONFIG | --api EP] [--json] [--utc]\n"
		"Remediation funds (生态环境损害赔偿/修复资金) of a case. assign commits money\n"
		"to the case, held by this unit (--source: the compensation agreement or\n"
		"judgment it comes from). transfer pays money this unit holds to another\n"
		"unit of the case (划拨; --reference: the bank voucher number); the unit paid\n"
		"confirms it with receive (by default the one transfer to it not yet\n"
		"received). spend records money this unit holds spent on the work of a\n"
		"stage report (支出; --checkpoint N: a checkpoint whose report is filed).\n"
		"A unit of the case is its holder, the unit that referred it, or a superior\n"
		"of either. Nobody transfers or spends more than it holds: assigned +\n"
		"received - transferred - spent. liandong funds CASE shows the money\n"
		"committed, transferred, received, spent and held, per unit, and the\n"
		"transfers. YUAN: at most two decimals (12000.50); signed in fen.\n" CLI_CHECK_HELP
		"Exit: 6 the case rules refuse it (the rule and the amounts are said), 7\n"
		"unknown case or unit.\n");
}

/* Yuan with at most two decimals ("12000", "12000.5", "0.07") into fen. */
static int yuan_arg(const char *cmd, const char *opt, const char *s, int64_t *fen)
{
	int64_t v = 0;
	int dec = -1;

	for (const char *p = s; *p; p++) {
		if (*p == '.' && dec < 0 && p != s) {
			dec = 0;
			continue;
		}
		if (*p < '0' || *p > '9' || dec == 2 || v > LD_FEN_MAX / 10)
			goto bad;
		v = v * 10 + (*p - '0');
		if (dec >= 0)
			dec++;
	}
	if (!s[0] || dec == 0)
		goto bad;
	for (int i = dec < 0 ? 0 : dec; i < 2; i++)
		v *= 10;
	if (v > LD_FEN_MAX)
		goto bad;
	*fen = v;
	return 0;
bad:
	return cli_fail(EXIT_USAGE,
			"%s: %s '%.40s': an amount in yuan, not negative, with at most two "
			"decimals (e.g. 12000.50)",
			cmd, opt, s);
}

/* What every signing subcommand shares: the case as the daemon judges it. */
struct ctx {
	const char *cmd, *case_id;
	cli_common_t co;
	ldc_t *cl;
	Ld__ApiResponse *resp;
	const Ld__ApiCase *k;
	char self[LD_NODE_ID_MAX + 1];
	const char *aud[4];
	size_t n_aud;
};

/* Connect, fetch the case (opened here) and address its holder and
 * referrer. 0, or an exit code after saying why. */
static int ctx_open(struct ctx *x)
{
	int r;

	if ((r = cli_connect(x->co.api, x->co.conf, &x->cl)) != 0)
		return r;
	if ((r = cli_self_id(x->cl, x->self)) < 0 ||
	    (r = cli_fetch_case(x->cl, x->case_id, &x->resp)) < 0)
		return cli_daemon_fail(r, x->cmd);
	if (!x->resp->ok || !x->resp->case_view || !x->resp->case_view->opened)
		return cli_fail(EXIT_NO_CASE, "%s: case %s is unknown here", x->cmd, x->case_id);
	x->k = x->resp->case_view;
	cli_aud_add(x->aud, &x->n_aud, 4, x->self, x->k->holder);
	cli_aud_add(x->aud, &x->n_aud, 4, x->self, x->k->referrer);
	return 0;
}

static void ctx_close(struct ctx *x)
{
	if (x->resp)
		ld__api_response__free_unpacked(x->resp, NULL);
	ldc_destroy(&x->cl);
}

/* Pack message 'm' and sign it as 'kind'. */
static int ctx_sign(struct ctx *x, uint32_t kind, const ProtobufCMessage *m, const char *what)
{
	uint8_t *buf = malloc(protobuf_c_message_get_packed_size(m) + 1);
	int r;

	if (!buf)
		return cli_fail(EXIT_STORE, "out of memory");
	r = cli_sign(x->cl, kind, x->aud, x->n_aud, buf, protobuf_c_message_pack(m, buf),
		     x->co.json, what, json_pack("{s:s}", "case", x->case_id));
	free(buf);
	return r;
}

enum {
	O_PARTY = 1000,
	O_SCOPE,
	O_COST,
	O_DEADLINE,
	O_CREDIT,
	O_DOCNO,
	O_NOTE,
	O_PASSED,
	O_FAILED,
	O_FINDINGS,
	O_ORDER,
	O_FINAL,
	O_EVIDENCE,
	O_AMOUNT,
	O_SOURCE,
	O_TO,
	O_REF,
	O_PURPOSE,
	O_TRANSFER,
	O_CHECKPOINT
};

static const struct option opts[] = {
	{"party", required_argument, NULL, O_PARTY},
	{"scope", required_argument, NULL, O_SCOPE},
	{"cost", required_argument, NULL, O_COST},
	{"deadline", required_argument, NULL, O_DEADLINE},
	{"credit-code", required_argument, NULL, O_CREDIT},
	{"document-no", required_argument, NULL, O_DOCNO},
	{"note", required_argument, NULL, O_NOTE},
	{"passed", no_argument, NULL, O_PASSED},
	{"failed", no_argument, NULL, O_FAILED},
	{"findings", required_argument, NULL, O_FINDINGS},
	{"order", required_argument, NULL, O_ORDER},
	{"final-cost", required_argument, NULL, O_FINAL},
	{"evidence", required_argument, NULL, O_EVIDENCE},
	{"amount", required_argument, NULL, O_AMOUNT},
	{"source", required_argument, NULL, O_SOURCE},
	{"to", required_argument, NULL, O_TO},
	{"reference", required_argument, NULL, O_REF},
	{"purpose", required_argument, NULL, O_PURPOSE},
	{"transfer", required_argument, NULL, O_TRANSFER},
	{"checkpoint", required_argument, NULL, O_CHECKPOINT},
	CLI_SIGN_OPTS,
};

/* Every option of every subcommand, as given. */
struct args {
	const char *text[O_CHECKPOINT - O_PARTY + 1];
	bool seen[O_CHECKPOINT - O_PARTY + 1];
	cli_refs_t ev;
};

#define ARG(a, o) ((a)->text[(o)-O_PARTY])
#define SEEN(a, o) ((a)->seen[(o)-O_PARTY])

/* The text options and the payload fields they fill (for their limits). */
static const struct {
	int opt;
	const char *name, *field;
} text_opts[] = {
	{O_PARTY, "--party", "party"},
	{O_SCOPE, "--scope", "scope"},
	{O_CREDIT, "--credit-code", "credit_code"},
	{O_DOCNO, "--document-no", "document_no"},
	{O_NOTE, "--note", "note"},
	{O_FINDINGS, "--findings", "findings"},
	{O_SOURCE, "--source", "source"},
	{O_REF, "--reference", "reference"},
	{O_PURPOSE, "--purpose", "purpose"},
};

/* Parse argv (after the subcommand) into *a, x->co and x->case_id, allowing
 * only the options in 'allowed' (0-terminated). 0; 1 after --help; or an
 * exit code. */
static int parse(int argc, char **argv, struct ctx *x, struct args *a, const int *allowed,
		 void (*usage)(FILE *f))
{
	int c;

	optind = 1;
	a->ev.max = 8;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		bool ok = false;

		if (cli_common_opt(&x->co, c))
			continue;
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		for (const int *p = allowed; *p && !ok; p++)
			ok = *p == c;
		if (!ok) {
			usage(stderr);
			return cli_fail(EXIT_USAGE, "%s: an option not taken here (see --help)",
					x->cmd);
		}
		for (size_t i = 0; i < sizeof(text_opts) / sizeof(text_opts[0]); i++)
			if (text_opts[i].opt == c &&
			    cli_text_arg(x->cmd, text_opts[i].name, optarg, text_opts[i].field))
				return EXIT_USAGE;
		if (c == O_EVIDENCE && cli_refs_add(&a->ev, x->cmd, "--evidence", optarg))
			return EXIT_USAGE;
		a->text[c - O_PARTY] = optarg;
		a->seen[c - O_PARTY] = true;
	}
	if (optind != argc || !ld_case_id_valid(argv[optind - 1])) {
		usage(stderr);
		return cli_fail(EXIT_USAGE, "%s: expected one CASE id (OWNER-NODE/LOCAL-ID)",
				x->cmd);
	}
	x->case_id = argv[optind - 1];
	return 0;
}

/* Non-negative number option 'opt' below 'max'. */
static int num_arg(const char *cmd, const char *opt, const char *s, unsigned long max,
		   uint32_t *ret)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!s[0] || *end || s[0] == '-' || v >= max)
		return cli_fail(EXIT_USAGE, "%s: %s '%.40s': a number from 0 to %lu", cmd, opt, s,
				max - 1);
	*ret = (uint32_t)v;
	return 0;
}

static int order(int argc, char **argv)
{
	static const int allowed[] = {O_PARTY,	O_SCOPE, O_COST, O_DEADLINE,
				      O_CREDIT, O_DOCNO, O_NOTE, 0};
	Ld__SubstituteOrder m = LD__SUBSTITUTE_ORDER__INIT;
	struct ctx x = {.cmd = "remediation order"};
	struct args a = {0};
	int r = parse(argc, argv, &x, &a, allowed, remediation_usage);

	if (r)
		return r == 1 ? 0 : r;
	if (!ARG(&a, O_PARTY) || !ARG(&a, O_SCOPE) || !ARG(&a, O_COST) || !ARG(&a, O_DEADLINE)) {
		remediation_usage(stderr);
		return cli_fail(EXIT_USAGE, "remediation order: --party, --scope, --cost and "
					    "--deadline are required");
	}
	m.case_id = (char *)x.case_id;
	m.party = (char *)ARG(&a, O_PARTY);
	m.scope = (char *)ARG(&a, O_SCOPE);
	m.credit_code = (char *)ARG(&a, O_CREDIT);
	m.document_no = (char *)ARG(&a, O_DOCNO);
	m.note = (char *)ARG(&a, O_NOTE);
	m.has_cost_fen = m.has_due_ms = true;
	if ((r = yuan_arg(x.cmd, "--cost", ARG(&a, O_COST), &m.cost_fen)) ||
	    (r = cli_time_arg(x.cmd, "--deadline", ARG(&a, O_DEADLINE), true, &m.due_ms)) ||
	    (r = cli_deadline_ahead(x.cmd, "--deadline", ARG(&a, O_DEADLINE), m.due_ms)))
		return r;
	if ((r = ctx_open(&x)) == 0)
		r = ctx_sign(&x, LD__KIND__KIND_SUBSTITUTE_ORDER, &m.base,
			     "substitute-performance order");
	if (r == 0 && !x.co.json && !cli_check_only)
		printf(_("substitute-performance order #%zu of case %s: %s\n"), x.k->n_substitutes,
		       x.case_id, cli_1l(m.party));
	ctx_close(&x);
	return r;
}

static int accept_work(int argc, char **argv)
{
	static const int allowed[] = {O_PASSED, O_FAILED,   O_FINDINGS, O_ORDER,
				      O_FINAL,	O_EVIDENCE, 0};
	Ld__SubstituteAcceptance m = LD__SUBSTITUTE_ACCEPTANCE__INIT;
	Ld__EntryRef ref = LD__ENTRY_REF__INIT;
	struct ctx x = {.cmd = "remediation accept"};
	struct args a = {0};
	const Ld__ApiSubstitute *o = NULL;
	uint32_t no = 0;
	int r = parse(argc, argv, &x, &a, allowed, remediation_usage);

	if (r)
		return r == 1 ? 0 : r;
	if (SEEN(&a, O_PASSED) == SEEN(&a, O_FAILED) || !ARG(&a, O_FINDINGS)) {
		remediation_usage(stderr);
		return cli_fail(EXIT_USAGE, "remediation accept: give --passed or --failed, and "
					    "--findings");
	}
	m.case_id = (char *)x.case_id;
	m.has_result = true;
	m.result = SEEN(&a, O_PASSED) ? LD__ACCEPTANCE_RESULT__ACCEPTANCE_RESULT_PASSED
				      : LD__ACCEPTANCE_RESULT__ACCEPTANCE_RESULT_FAILED;
	m.findings = (char *)ARG(&a, O_FINDINGS);
	m.evidence = a.ev.ptrs;
	m.n_evidence = a.ev.n;
	if ((ARG(&a, O_ORDER) &&
	     (r = num_arg(x.cmd, "--order", ARG(&a, O_ORDER), LD_SUBST_MAX, &no))) ||
	    (ARG(&a, O_FINAL) &&
	     (r = yuan_arg(x.cmd, "--final-cost", ARG(&a, O_FINAL), &m.final_cost_fen))))
		return r;
	m.has_final_cost_fen = ARG(&a, O_FINAL) != NULL;
	if ((r = ctx_open(&x)) != 0)
		goto out;
	if (ARG(&a, O_ORDER)) {
		if (no < x.k->n_substitutes)
			o = x.k->substitutes[no];
	} else {
		for (size_t i = 0; i < x.k->n_substitutes; i++)
			if (!x.k->substitutes[i]->accepted_ms) {
				if (o) {
					r = cli_fail(
						EXIT_USAGE,
						"remediation accept: case %s has several orders "
						"not accepted: say which with --order N",
						x.case_id);
					goto out;
				}
				o = x.k->substitutes[i];
			}
	}
	if (!o || !o->order) {
		r = cli_fail(EXIT_NO_CASE,
			     "remediation accept: case %s has no such substitute-performance order "
			     "not accepted here (liandong show %s lists them)",
			     x.case_id, x.case_id);
		goto out;
	}
	ref.feed = o->order->feed;
	ref.has_seq = ref.has_id = true;
	ref.seq = o->order->seq;
	ref.id = o->order->id;
	m.order = &ref;
	r = ctx_sign(&x, LD__KIND__KIND_SUBSTITUTE_ACCEPTANCE, &m.base,
		     "substitute-performance acceptance");
	if (r == 0 && !cli_check_only)
		cli_note_late(x.cmd, N_("substitute-performance acceptance"), o->due_ms);
out:
	ctx_close(&x);
	return r;
}

int cmd_remediation(int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		remediation_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[0], "order"))
		return order(argc - 1, argv + 1);
	if (!strcmp(argv[0], "accept"))
		return accept_work(argc - 1, argv + 1);
	remediation_usage(stderr);
	return cli_fail(EXIT_USAGE, "remediation: unknown subcommand '%.80s'", argv[0]);
}

/* The transfer to this node not yet received, when there is exactly one. */
static const Ld__ApiFundTransfer *pending_transfer(struct ctx *x, int *r)
{
	const Ld__ApiFundTransfer *t = NULL;

	for (size_t i = 0; i < x->k->n_fund_transfers; i++) {
		const Ld__ApiFundTransfer *y = x->k->fund_transfers[i];

		if (y->received_ms || !y->to_unit || strcmp(y->to_unit, x->self))
			continue;
		if (t) {
			*r = cli_fail(
				EXIT_USAGE,
				"funds receive: several transfers to this unit are not received "
				"yet: say which with --transfer FEED:SEQ (liandong funds %s)",
				x->case_id);
			return NULL;
		}
		t = y;
	}
	if (!t)
		*r = cli_fail(EXIT_NO_CASE,
			      "funds receive: no transfer to this unit is waiting in case %s",
			      x->case_id);
	return t;
}

static int fund(int argc, char **argv, uint32_t action)
{
	static const int allowed[][7] = {
		{0},
		{O_AMOUNT, O_SOURCE, O_NOTE, 0},
		{O_TO, O_AMOUNT, O_REF, O_PURPOSE, O_NOTE, 0},
		{O_TRANSFER, O_REF, O_NOTE, 0},
		{O_AMOUNT, O_CHECKPOINT, O_PURPOSE, O_REF, O_NOTE, 0},
	};
	static const char *const cmds[] = {"", "funds assign", "funds transfer", "funds receive",
					   "funds spend"};
	Ld__FundRecord m = LD__FUND_RECORD__INIT;
	Ld__EntryRef ref = LD__ENTRY_REF__INIT;
	struct ctx x = {.cmd = cmds[action]};
	struct args a = {0};
	char feed[65];
	int r = parse(argc, argv, &x, &a, allowed[action], funds_usage);

	if (r)
		return r == 1 ? 0 : r;
	m.case_id = (char *)x.case_id;
	m.has_action = true;
	m.action = action;
	m.source = (char *)ARG(&a, O_SOURCE);
	m.note = (char *)ARG(&a, O_NOTE);
	m.purpose = (char *)ARG(&a, O_PURPOSE);
	m.reference = (char *)ARG(&a, O_REF);
	m.to_unit = (char *)ARG(&a, O_TO);
	if (action != LD__FUND_ACTION__FUND_ACTION_RECEIVE && !ARG(&a, O_AMOUNT))
		r = cli_fail(EXIT_USAGE, "%s: --amount is required", x.cmd);
	else if (action == LD__FUND_ACTION__FUND_ACTION_TRANSFER && (!m.to_unit || !m.reference))
		r = cli_fail(EXIT_USAGE, "funds transfer: --to and --reference are required");
	else if (action == LD__FUND_ACTION__FUND_ACTION_SPEND && !ARG(&a, O_CHECKPOINT))
		r = cli_fail(EXIT_USAGE, "funds spend: --checkpoint is required");
	else if (ARG(&a, O_AMOUNT) &&
		 !(r = yuan_arg(x.cmd, "--amount", ARG(&a, O_AMOUNT), &m.amount_fen)) &&
		 m.amount_fen == 0)
		r = cli_fail(EXIT_USAGE, "%s: --amount must be more than 0", x.cmd);
	if (r == 0 && ARG(&a, O_CHECKPOINT))
		r = num_arg(x.cmd, "--checkpoint", ARG(&a, O_CHECKPOINT), LD_CHECKPOINTS_MAX,
			    &m.checkpoint);
	if (r == 0 && ARG(&a, O_TRANSFER) && cli_parse_ref(ARG(&a, O_TRANSFER), feed, &ref.seq) < 0)
		r = cli_fail(EXIT_USAGE, "funds receive: --transfer '%.80s': expected FEED:SEQ",
			     ARG(&a, O_TRANSFER));
	if (r)
		return r;
	m.has_amount_fen = ARG(&a, O_AMOUNT) != NULL;
	m.has_checkpoint = ARG(&a, O_CHECKPOINT) != NULL;
	if ((r = ctx_open(&x)) != 0)
		goto out;
	if (m.to_unit && (r = cli_member(x.cl, x.cmd, "--to", m.to_unit)))
		goto out;
	if (action == LD__FUND_ACTION__FUND_ACTION_RECEIVE) {
		const Ld__ApiFundTransfer *t = NULL;

		if (ARG(&a, O_TRANSFER)) {
			for (size_t i = 0; i < x.k->n_fund_transfers && !t; i++) {
				const Ld__ApiEntryRef *y = x.k->fund_transfers[i]->transfer;

				if (y && !strcmp(y->feed, feed) && y->seq == ref.seq)
					t = x.k->fund_transfers[i];
			}
			if (!t)
				r = cli_fail(EXIT_NO_CASE,
					     "funds receive: %s is not a transfer of case %s held "
					     "here",
					     ARG(&a, O_TRANSFER), x.case_id);
		} else {
			t = pending_transfer(&x, &r);
		}
		if (!t)
			goto out;
		ref.feed = t->transfer->feed;
		ref.has_seq = ref.has_id = true;
		ref.seq = t->transfer->seq;
		ref.id = t->transfer->id;
		m.transfer = &ref;
		m.has_amount_fen = true;
		m.amount_fen = t->amount_fen;
		cli_aud_add(x.aud, &x.n_aud, 4, x.self, t->from_unit);
	}
	if (m.to_unit)
		cli_aud_add(x.aud, &x.n_aud, 4, x.self, m.to_unit);
	r = ctx_sign(&x, LD__KIND__KIND_FUND_RECORD, &m.base, "fund record");
out:
	ctx_close(&x);
	return r;
}

/* ---- liandong funds CASE ---- */

static void fen_col(long long fen, int w)
{
	char b[48];

	ld_fen_format(fen, b, sizeof(b));
	/* The unit is said once, in the heading. */
	b[strlen(b) - 5] = '\0';
	printf(" %s", cli_rpad(b, (size_t)w));
}

void cli_funds_text(json_t *subst, json_t *f)
{
	json_t *x;
	size_t i;

	json_array_foreach(subst, i, x)
	{
		char due[48], acc[48], cost[48];

		cli_fmt_time(cli_jint(x, "due_ms"), due, sizeof(due));
		ld_fen_format(cli_jint(x, "cost_fen"), cost, sizeof(cost));
		printf(_("  substitute performance #%lld by %s: %s (%s), cost %s, due %s - "),
		       cli_jint(x, "number"), cli_jstr(x, "ordered_by"),
		       cli_1l(cli_jstr(x, "party")), cli_1l(cli_jstr(x, "scope")), cost, due);
		if (cli_jint(x, "accepted_ms")) {
			cli_fmt_time(cli_jint(x, "accepted_ms"), acc, sizeof(acc));
			printf(_("accepted %s: %s\n"), acc,
			       cli_term("ld.AcceptanceResult", cli_jstr(x, "result")));
		} else {
			printf("%s\n", cli_jtrue(x, "overdue") ? _("NOT ACCEPTED, OVERDUE")
							       : _("not accepted yet"));
		}
	}
	if (!f || (!json_array_size(json_object_get(f, "units")) && !cli_jint(f, "committed_fen")))
		return;
	printf("%s\n", _("  remediation funds (修复资金), yuan:"));
	printf("    %s", cli_pad(_("unit"), 22));
	printf(" %s %s %s %s %s\n", cli_rpad(_("assigned"), 16), cli_rpad(_("transferred"), 16),
	       cli_rpad(_("received"), 16), cli_rpad(_("spent"), 16), cli_rpad(_("held"), 16));
	json_array_foreach(json_object_get(f, "units"), i, x)
	{
		printf("    %s", cli_pad(cli_jstr(x, "unit"), 22));
		fen_col(cli_jint(x, "assigned_fen"), 16);
		fen_col(cli_jint(x, "transferred_out_fen"), 16);
		fen_col(cli_jint(x, "received_fen"), 16);
		fen_col(cli_jint(x, "spent_fen"), 16);
		fen_col(cli_jint(x, "held_fen"), 16);
		printf("\n");
	}
	printf("    %s", cli_pad(_("case total"), 22));
	fen_col(cli_jint(f, "committed_fen"), 16);
	fen_col(cli_jint(f, "transferred_fen"), 16);
	fen_col(cli_jint(f, "received_fen"), 16);
	fen_col(cli_jint(f, "spent_fen"), 16);
	fen_col(cli_jint(f, "held_fen"), 16);
	printf("\n");
	if (cli_jint(f, "in_transit_fen")) {
		char b[48];

		ld_fen_format(cli_jint(f, "in_transit_fen"), b, sizeof(b));
		printf(_("    in transit (transferred, not received): %s\n"), b);
	}
	json_array_foreach(json_object_get(f, "transfers"), i, x)
	{
		char amt[48], when[48];
		json_t *ref = json_object_get(x, "transfer");

		ld_fen_format(cli_jint(x, "amount_fen"), amt, sizeof(amt));
		cli_fmt_time(cli_jint(x, "sent_ms"), when, sizeof(when));
		printf(_("    transfer %s:%lld %s -> %s, %s, %s"), cli_jstr(ref, "feed"),
		       cli_jint(ref, "seq"), cli_jstr(x, "from"), cli_jstr(x, "to"), amt, when);
		if (cli_jstr(x, "reference")[0])
			printf(_(", reference %s"), cli_1l(cli_jstr(x, "reference")));
		if (cli_jint(x, "received_ms")) {
			cli_fmt_time(cli_jint(x, "received_ms"), when, sizeof(when));
			printf(_(", received %s\n"), when);
		} else {
			printf("%s\n", _(", NOT RECEIVED"));
		}
	}
}

static void funds_doc_text(json_t *o)
{
	printf(_("case %s: substitute performance (代履行) and remediation funds (修复资金)\n"),
	       cli_jstr(o, "case"));
	if (!json_array_size(json_object_get(o, "substitute_performance")) &&
	    !json_array_size(json_object_get(json_object_get(o, "funds"), "units")))
		printf("  %s\n", _("none recorded"));
	cli_funds_text(json_object_get(o, "substitute_performance"), json_object_get(o, "funds"));
}

static int funds_show(int argc, char **argv)
{
	struct ctx x = {.cmd = "funds"};
	struct args a = {0};
	static const int none[] = {0};
	json_t *o;
	int r = parse(argc, argv, &x, &a, none, funds_usage);

	if (r)
		return r == 1 ? 0 : r;
	if ((r = ctx_open(&x)) == 0) {
		o = json_pack("{s:o, s:o, s:o}", "case", cli_json_text(x.case_id),
			      "substitute_performance", docs_substitutes(x.k, cli_time_flags),
			      "funds", docs_funds(x.k, cli_time_flags));
		r = cli_output(o, x.co.json, funds_doc_text);
	}
	ctx_close(&x);
	return r;
}

int cmd_funds(int argc, char **argv)
{
	static const char *const subs[] = {NULL, "assign", "transfer", "receive", "spend"};
	int v;

	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		funds_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? EXIT_USAGE : 0;
	}
	if ((v = cli_pick(subs, 5, argv[0])) > 0)
		return fund(argc - 1, argv + 1, (uint32_t)v);
	if (ld_case_id_valid(argv[0]))
		return funds_show(argc, argv);
	funds_usage(stderr);
	return cli_fail(EXIT_USAGE, "funds: unknown subcommand '%.80s'", argv[0]);
}

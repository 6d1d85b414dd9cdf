/* client/cmd_case.c: the cross-border referral workflow (跨区域案件移送) and
 * the hand-over to the judiciary: `liandong refer`, `supplement`, `respond`,
 * `transfer`, `designate`, `reindex`. Every command checks its input, the
 * units it names and what the node knows of the case before anything is
 * signed: a refused action writes nothing. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "case.pb-c.h"
#include "client/cli.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/domain/casefile.h"
#include "common/feed/entry.h"
#include "common/base/errors.h"
#include "common/store/store.h"
#include "common/feed/kinds.h"
#include "common/domain/standards.h"
#include "monitor.pb-c.h"

static const char *const reasons[] = {
	NULL, "jurisdiction", "suspected-crime", "public-interest", "damage-compensation", "other"};

/* A text option, given inline or read from a file ("-": stdin). The file's
 * text is owned here. */
typedef struct text_opt {
	const char *value;
	char *owned;
} text_opt_t;

static int text_set(text_opt_t *t, const char *cmd, const char *opt, const char *field,
		    const char *arg, bool from_file)
{
	int r;

	if (t->value) {
		char both[64];

		snprintf(both, sizeof(both), "%s or %s-file", opt, opt);
		return cli_fail(EXIT_USAGE, "%s: give %s once", cmd, both);
	}
	if (!from_file) {
		if ((r = cli_text_arg(cmd, opt, arg, field)))
			return r;
		t->value = arg;
		return 0;
	}
	if ((r = cli_text_file(cmd, opt, arg, field, &t->owned)))
		return r;
	t->value = t->owned;
	return 0;
}

static void refer_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong refer --to NODE --title TEXT --violation TYPE\n"
		"         (--facts TEXT | --facts-file FILE) [--case ID] [--legal-basis TEXT]\n"
		"         [--region CODE] [--river NAME] [--site NAME] [--address TEXT]\n"
		"         [--party NAME] [--credit-code CODE] [--contact TEXT]\n"
		"         [--evidence FEED:SEQ]... [--answer-by DATE]\n"
		"         [--reason jurisdiction|suspected-crime|public-interest|damage-compensation]\n"
		"         [--related-case CASE] [--from-warning FEED:SEQ] [--check]\n"
		"         [-c CONFIG | --api EP] [--json] [--utc]\n"
		"Refer a case to another unit (a county across the border, or police,\n"
		"procuratorate or court for the hand-over to the judiciary: 移送司法).\n"
		"NODE must be a current member of the roster (exit 7 otherwise).\n"
		"TYPE: water, air, solid-waste, hazardous-waste, soil, noise, sand-mining,\n"
		"      fishing-ban, ecological-damage, radiation, other.\n"
		"ID defaults to THIS-NODE/YYYYMMDD-HHMMSS-XXXXXX (random, never repeated).\n"
		"--related-case names the case this one comes from (e.g. a hand-over of a case\n"
		"this unit handles). --facts-file reads the facts from a file ('-': stdin).\n"
		"--from-warning FEED:SEQ turns an early warning (liandong warnings) into the\n"
		"referral: the warning and the readings it names become its evidence, and\n"
		"title, facts and violation come from it unless given.\n"
		"DATE: " LD_TIME_FORMS ".\n"
		"--answer-by must lie ahead: a deadline already past exits 9, nothing signed.\n"
		"Text must be UTF-8: title at most 512 bytes, facts 64 KiB, legal basis 4 KiB,\n"
		"party, site 256 bytes, address 512 bytes, contact 256 bytes.\n"
		"A case already referred can be referred again only after reject or need-info\n"
		"(exit 6 with the rule; nothing signed).\n" CLI_CHECK_HELP
		"--json prints {feed, seq, id, case, addressee}.\n");
}

/* --from-warning FEED:SEQ: the warning and the readings it names become
 * evidence references; title, facts and violation are filled in from it
 * where the operator gave none. */
static int from_warning_fill(ldc_t *cl, const char *arg, Ld__CaseReferral *m, cli_refs_t *ev,
			     char *title, size_t tn, char *facts, size_t fn, char refs[3][96])
{
	Ld__MonitorWarning *w;
	struct ld_entry *e = NULL;
	char feed[65], when[48];
	uint64_t seq;
	size_t nr = 0;
	int r;

	if (cli_parse_ref(arg, feed, &seq) < 0)
		return cli_fail(EXIT_USAGE, "refer: --from-warning must be FEED:SEQ: '%.80s'", arg);
	if ((r = cli_get_entry(cl, feed, seq, &e)) < 0)
		return r == -ENOENT ? cli_fail(EXIT_NO_CASE,
					       "refer: --from-warning %s: this node holds no such "
					       "entry",
					       arg)
				    : cli_daemon_fail(r, "refer");
	w = ld_entry_payload(e, LD__KIND__KIND_MONITOR_WARNING);
	ld_entry_destroy(&e);
	if (!w)
		return cli_fail(EXIT_USAGE,
				"refer: --from-warning %s is not an early warning this node can "
				"read",
				arg);
	snprintf(refs[nr++], 96, "%s:%llu", feed, (unsigned long long)seq);
	if (w->readings && w->readings->feed)
		snprintf(refs[nr++], 96, "%s:%llu", w->readings->feed,
			 (unsigned long long)w->readings->seq);
	if (w->upstream_readings && w->upstream_readings->feed)
		snprintf(refs[nr++], 96, "%s:%llu", w->upstream_readings->feed,
			 (unsigned long long)w->upstream_readings->seq);
	for (size_t i = 0; i < nr && r >= 0; i++)
		if ((r = cli_refs_add(ev, "refer", "--from-warning", refs[i])))
			break;
	if (r > 0) {
		ld_payload_free(w);
		return r;
	}
	ld_time_format(w->at_ms, cli_time_flags, when, sizeof(when));
	if (!m->title) {
		snprintf(title, tn, "监测预警移送：%s %s %g %s（限值 %g）", w->station_id,
			 w->parameter, w->value, w->unit ? w->unit : "", w->limit);
		m->title = title;
	}
	if (!m->facts) {
		int l = snprintf(facts, fn, "%s 断面 %s 自 %s 起为 %g %s，超过限值 %g。",
				 w->station_id, w->parameter, when, w->value,
				 w->unit ? w->unit : "", w->limit);

		if (w->upstream_station && l > 0 && (size_t)l < fn)
			snprintf(facts + l, fn - (size_t)l, "上游断面 %s 同期为 %g %s。",
				 w->upstream_station, w->upstream_value, w->unit ? w->unit : "");
		m->facts = facts;
	}
	if (!m->has_violation) {
		m->has_violation = true;
		m->violation = ld_standard_param(2, w->parameter) ? LD__VIOLATION__VIOLATION_AIR
								  : LD__VIOLATION__VIOLATION_WATER;
	}
	ld_payload_free(w);
	return 0;
}

int cmd_refer(int argc, char **argv)
{
	static const struct option opts[] = {
		{"to", required_argument, NULL, 't'},
		{"title", required_argument, NULL, 'T'},
		{"violation", required_argument, NULL, 'v'},
		{"facts", required_argument, NULL, 'f'},
		{"facts-file", required_argument, NULL, 'F'},
		{"case", required_argument, NULL, 'k'},
		{"legal-basis", required_argument, NULL, 'l'},
		{"region", required_argument, NULL, 'g'},
		{"river", required_argument, NULL, 'w'},
		{"site", required_argument, NULL, 's'},
		{"address", required_argument, NULL, 'd'},
		{"party", required_argument, NULL, 'p'},
		{"credit-code", required_argument, NULL, 'C'},
		{"evidence", required_argument, NULL, 'e'},
		{"answer-by", required_argument, NULL, 'b'},
		{"reason", required_argument, NULL, 'r'},
		{"related-case", required_argument, NULL, 'R'},
		{"contact", required_argument, NULL, 'o'},
		{"from-warning", required_argument, NULL, 'W'},
		CLI_SIGN_OPTS,
	};
	static const struct {
		int c;
		const char *opt, *field;
	} texts[] = {
		{'T', "--title", "title"},	{'l', "--legal-basis", "legal_basis"},
		{'w', "--river", "water_body"}, {'s', "--site", "site_name"},
		{'d', "--address", "address"},	{'p', "--party", "name"},
		{'o', "--contact", "contact"},
	};
	Ld__CaseReferral m = LD__CASE_REFERRAL__INIT;
	Ld__Place place = LD__PLACE__INIT;
	Ld__Party party = LD__PARTY__INIT, *parties[] = {&party};
	cli_refs_t ev = {.max = 16};
	text_opt_t facts = {0};
	char case_buf[LD_CASE_ID_MAX + 1], self[LD_NODE_ID_MAX + 1];
	const char *aud[1];
	cli_common_t co = {0};
	bool have_place = false;
	Ld__ApiResponse *cr = NULL;
	uint8_t *buf = NULL;
	ldc_t *cl = NULL;
	json_t *extra;
	const char *from_warning = NULL;
	char w_title[512], w_facts[1024], w_refs[3][96];
	int c, r = 0;

	optind = 1;
	while (r == 0 && (c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
			if (texts[i].c == c &&
			    (r = cli_text_arg("refer", texts[i].opt, optarg, texts[i].field)))
				goto out;
		switch (c) {
		case 't':
			m.addressee = optarg;
			break;
		case 'T':
			m.title = optarg;
			break;
		case 'f':
		case 'F':
			r = text_set(&facts, "refer", "--facts", "facts", optarg, c == 'F');
			break;
		case 'k':
			m.case_id = optarg;
			break;
		case 'l':
			m.legal_basis = optarg;
			break;
		case 'g':
			place.region_code = optarg;
			have_place = true;
			break;
		case 'w':
			place.water_body = optarg;
			have_place = true;
			break;
		case 's':
			place.site_name = optarg;
			have_place = true;
			break;
		case 'd':
			place.address = optarg;
			have_place = true;
			break;
		case 'p':
			party.name = optarg;
			break;
		case 'C':
			party.credit_code = optarg;
			break;
		case 'o':
			m.contact = optarg;
			break;
		case 'R':
			if (!ld_case_id_valid(optarg))
				r = cli_fail(EXIT_USAGE,
					     "refer: --related-case '%.80s' is not a case id "
					     "(OWNER-NODE/LOCAL-ID)",
					     optarg);
			m.related_case_id = optarg;
			break;
		case 'v': {
			int v = -1;

			for (uint32_t i = 1; i < 12; i++)
				if (!strcmp(optarg, ld_violation_name(i)))
					v = (int)i;
			if (v < 0)
				r = cli_fail(EXIT_USAGE,
					     "refer: --violation '%.80s' unknown (water, air, "
					     "solid-waste, hazardous-waste, soil, noise, "
					     "sand-mining, fishing-ban, ecological-damage, "
					     "radiation, other)",
					     optarg);
			m.has_violation = true;
			m.violation = (uint32_t)v;
			break;
		}
		case 'r': {
			int v = cli_pick(reasons, sizeof(reasons) / sizeof(reasons[0]), optarg);

			if (v < 0)
				r = cli_fail(EXIT_USAGE,
					     "refer: --reason '%.80s' unknown (jurisdiction, "
					     "suspected-crime, public-interest, "
					     "damage-compensation, other)",
					     optarg);
			m.has_reason = true;
			m.reason = (uint32_t)v;
			break;
		}
		case 'b':
			if ((r = cli_time_arg("refer", "--answer-by", optarg, true,
					      &m.answer_by_ms)) ||
			    (r = cli_deadline_ahead("refer", "--answer-by", optarg,
						    m.answer_by_ms)))
				break;
			m.has_answer_by_ms = true;
			break;
		case 'e':
			r = cli_refs_add(&ev, "refer", "--evidence", optarg);
			break;
		case 'W':
			from_warning = optarg;
			break;
		case 'h':
			refer_usage(stdout);
			goto out;
		default:
			refer_usage(stderr);
			r = EXIT_USAGE;
			break;
		}
	}
	if (r)
		goto out;
	m.facts = (char *)facts.value;
	if (optind != argc + 1) {
		refer_usage(stderr);
		r = cli_fail(EXIT_USAGE, "refer: unexpected argument '%.80s'", argv[optind - 1]);
		goto out;
	}
	if (from_warning) {
		/* An early warning made a referral: its readings are the evidence,
		 * the title, facts and violation follow from it unless given. */
		if ((r = cli_connect(co.api, co.conf, &cl)) != 0 ||
		    (r = from_warning_fill(cl, from_warning, &m, &ev, w_title, sizeof(w_title),
					   w_facts, sizeof(w_facts), w_refs)) != 0)
			goto out;
	}
	if (!m.addressee || !m.title || !m.has_violation || !m.facts) {
		refer_usage(stderr);
		r = cli_fail(EXIT_USAGE, "refer: --to, --title, --violation and --facts (or "
					 "--facts-file) are required");
		goto out;
	}
	if (!ld_node_id_valid(m.addressee)) {
		r = cli_fail(EXIT_USAGE, "refer: --to '%.80s' is not a valid node id", m.addressee);
		goto out;
	}
	if (place.region_code &&
	    (strlen(place.region_code) != 6 || strspn(place.region_code, "0123456789") != 6)) {
		r = cli_fail(EXIT_USAGE, "refer: --region '%.80s' must be six digits (GB/T 2260)",
			     place.region_code);
		goto out;
	}
	if (party.credit_code &&
	    (strlen(party.credit_code) != 18 ||
	     strspn(party.credit_code, "0123456789ABCDEFGHJKLMNPQRTUWXY") != 18)) {
		r = cli_fail(EXIT_USAGE,
			     "refer: --credit-code '%.40s' must be the 18-character "
			     "unified social credit code (digits and capital letters)",
			     party.credit_code);
		goto out;
	}
	if (!cl && (r = cli_connect(co.api, co.conf, &cl)) != 0)
		goto out;
	if ((r = cli_self_id(cl, self)) < 0) {
		r = cli_daemon_fail(r, "refer");
		goto out;
	}
	if (!strcmp(self, m.addressee)) {
		r = cli_fail(EXIT_USAGE, "refer: --to names this node itself");
		goto out;
	}
	if ((r = cli_member(cl, "refer", "--to", m.addressee)))
		goto out;
	if (!m.case_id) {
		cli_new_id(self, "", case_buf, sizeof(case_buf));
		m.case_id = case_buf;
	}
	if (!ld_case_id_valid(m.case_id) || strncmp(m.case_id, self, strlen(self)) != 0 ||
	    m.case_id[strlen(self)] != '/') {
		r = cli_fail(EXIT_USAGE,
			     "refer: --case '%.80s' must be %s/LOCAL-ID (1-64 of A-Z a-z "
			     "0-9 . _ -)",
			     m.case_id, self);
		goto out;
	}
	if (m.related_case_id) {
		Ld__ApiResponse *rc = NULL;
		bool held = cli_fetch_case(cl, m.related_case_id, &rc) == 0 && rc->ok &&
			    rc->case_view && rc->case_view->opened;

		if (rc)
			ld__api_response__free_unpacked(rc, NULL);
		if (!held) {
			r = cli_fail(EXIT_NO_CASE,
				     "refer: --related-case %s is not a case held here",
				     m.related_case_id);
			goto out;
		}
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
	buf = malloc(ld__case_referral__get_packed_size(&m) + 1);
	if (!buf) {
		r = cli_fail(EXIT_STORE, "out of memory");
		goto out;
	}
	extra = json_pack("{s:s, s:s}", "case", m.case_id, "addressee", m.addressee);
	r = cli_sign(cl, LD__KIND__KIND_CASE_REFERRAL, aud, 1, buf,
		     ld__case_referral__pack(&m, buf), co.json, "referral", extra);
	if (r == 0 && !co.json && !cli_check_only)
		printf("case %s referred to %s\n", m.case_id, m.addressee);
out:
	if (cr)
		ld__api_response__free_unpacked(cr, NULL);
	free(buf);
	free(facts.owned);
	ldc_destroy(&cl);
	return r;
}

static void supplement_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong supplement CASE (--text TEXT | --text-file FILE)\n"
		"         [--evidence FEED:SEQ]... [--answer-by DATE]\n"
		"         [--check] [-c CONFIG | --api EP] [--json] [--utc]\n"
		"Answer a request for more information (need-info) on a case this node referred\n"
		"(补充材料): the referral is made again with the text and evidence added and\n"
		"every other field as before; the answer-by date is kept unless a new one is\n"
		"given. --text-file reads the text from a file ('-': stdin); at most 64 KiB.\n" CLI_CHECK_HELP
		"Exit: 6 the case rules refuse it (e.g. not waiting for more information: the\n"
		"rule is said), 7 unknown case, 9 --answer-by already past.\n");
}

int cmd_supplement(int argc, char **argv)
{
	static const struct option opts[] = {
		{"text", required_argument, NULL, 't'},
		{"text-file", required_argument, NULL, 'F'},
		{"evidence", required_argument, NULL, 'e'},
		{"answer-by", required_argument, NULL, 'b'},
		CLI_SIGN_OPTS,
	};
	cli_refs_t ev = {.max = 16};
	text_opt_t text = {0};
	cli_common_t co = {0};
	const char *case_id, *aud[1];
	char self[LD_NODE_ID_MAX + 1];
	Ld__ApiResponse *cr = NULL;
	Ld__CaseReferral *prev = NULL;
	Ld__EntryRef pref = LD__ENTRY_REF__INIT, **refs = NULL;
	ld_entry_t *e = NULL;
	int64_t answer_by = 0;
	bool new_by = false;
	uint8_t *buf = NULL;
	ldc_t *cl = NULL;
	int c, r = 0;

	optind = 1;
	while (r == 0 && (c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		switch (c) {
		case 't':
		case 'F':
			r = text_set(&text, "supplement", "--text", "supplement", optarg, c == 'F');
			break;
		case 'e':
			r = cli_refs_add(&ev, "supplement", "--evidence", optarg);
			break;
		case 'b':
			if (!(r = cli_time_arg("supplement", "--answer-by", optarg, true,
					       &answer_by)))
				r = cli_deadline_ahead("supplement", "--answer-by", optarg,
						       answer_by);
			new_by = true;
			break;
		case 'h':
			supplement_usage(stdout);
			goto out;
		default:
			supplement_usage(stderr);
			r = EXIT_USAGE;
			break;
		}
	}
	if (r)
		goto out;
	if (optind != argc || !ld_case_id_valid(argv[optind - 1]) || !text.value) {
		supplement_usage(stderr);
		r = cli_fail(EXIT_USAGE, "supplement: expected CASE and --text (or --text-file)");
		goto out;
	}
	if (!text.value[strspn(text.value, " \t\n")]) {
		r = cli_fail(EXIT_USAGE, "supplement: the text is empty: say what is added");
		goto out;
	}
	case_id = argv[optind - 1];
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		goto out;
	if ((r = cli_self_id(cl, self)) < 0 || (r = cli_fetch_case(cl, case_id, &cr)) < 0) {
		r = cli_daemon_fail(r, "supplement");
		goto out;
	}
	if (!cr->ok || !cr->case_view || !cr->case_view->opened || !cr->case_view->referral) {
		r = cli_fail(EXIT_NO_CASE, "supplement: case %s is unknown here", case_id);
		goto out;
	}
	if ((r = cli_get_entry(cl, cr->case_view->referral->feed, cr->case_view->referral->seq,
			       &e)) < 0 ||
	    !e->has_payload || !(prev = ld_entry_payload(e, LD__KIND__KIND_CASE_REFERRAL))) {
		r = cli_fail(EXIT_STORE, "supplement: the referral of case %s cannot be read here",
			     case_id);
		goto out;
	}
	/* The previous referral restated, with what is added. */
	pref.feed = cr->case_view->referral->feed;
	pref.has_seq = pref.has_id = true;
	pref.seq = cr->case_view->referral->seq;
	pref.id = cr->case_view->referral->id;
	prev->previous = &pref;
	prev->supplement = (char *)text.value;
	if (new_by) {
		prev->has_answer_by_ms = true;
		prev->answer_by_ms = answer_by;
	} else if (prev->has_answer_by_ms && prev->answer_by_ms <= ld_now_ms()) {
		char when[48];

		cli_fmt_time(prev->answer_by_ms, when, sizeof(when));
		fprintf(stderr, "liandong: ");
		fprintf(stderr,
			_("supplement: note: the answer-by date kept (%s) has passed; give "
			  "--answer-by for a new one\n"),
			when);
	}
	if (ev.n) {
		size_t n = prev->n_evidence + ev.n;

		refs = calloc(n, sizeof(*refs));
		if (!refs) {
			r = cli_fail(EXIT_STORE, "out of memory");
			goto out;
		}
		memcpy(refs, prev->evidence, prev->n_evidence * sizeof(*refs));
		memcpy(refs + prev->n_evidence, ev.ptrs, ev.n * sizeof(*refs));
		prev->evidence = refs;
		prev->n_evidence = n;
	}
	aud[0] = prev->addressee;
	buf = malloc(ld__case_referral__get_packed_size(prev) + 1);
	if (!buf) {
		r = cli_fail(EXIT_STORE, "out of memory");
		goto out;
	}
	r = cli_sign(cl, LD__KIND__KIND_CASE_REFERRAL, aud, 1, buf,
		     ld__case_referral__pack(prev, buf), co.json, "supplement",
		     json_pack("{s:s, s:o}", "case", case_id, "addressee",
			       cli_json_opt(prev->addressee)));
	/* What the unpacked message must not free. */
	prev->previous = NULL;
	prev->supplement = NULL;
	if (refs) {
		prev->evidence = NULL;
		prev->n_evidence = 0;
	}
out:
	if (prev)
		ld__case_referral__free_unpacked(prev, NULL);
	free(refs);
	free(buf);
	free(text.owned);
	ld_entry_destroy(&e);
	if (cr)
		ld__api_response__free_unpacked(cr, NULL);
	ldc_destroy(&cl);
	return r;
}

static void respond_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong respond CASE accept|reject|need-info [--reason TEXT]\n"
		"       liandong transfer CASE --to NODE [--reason TEXT]\n"
		"       liandong designate CASE --to NODE [--reason TEXT]   (a superior only)\n"
		"         [--reason-file FILE] [--check] [-c CONFIG | --api EP] [--json] [--utc]\n"
		"Answer a referral addressed to this node; reject and need-info need a reason\n"
		"(at most 8 KiB; --reason-file reads it from a file, '-': stdin).\n"
		"NODE must be a current member of the roster.\n"
		"An answer after the answer-by deadline is still recorded (a note on stderr\n"
		"says how late). Whether this node may answer so (the holder answers; only\n"
		"a superior of both units designates) the case rules decide.\n" CLI_CHECK_HELP
		"Exit: 6 the case rules refuse it (the rule is said), 7 unknown case or unit.\n");
}

/* respond / transfer / designate share everything but the decision. */
static int answer(int argc, char **argv, const char *verb)
{
	static const struct option opts[] = {
		{"to", required_argument, NULL, 't'},
		{"reason", required_argument, NULL, 'r'},
		{"reason-file", required_argument, NULL, 'R'},
		CLI_SIGN_OPTS,
	};
	Ld__ReferralResponse m = LD__REFERRAL_RESPONSE__INIT;
	Ld__EntryRef referral;
	const char *to = NULL, *aud[LD_AUDIENCE_MAX];
	char self[LD_NODE_ID_MAX + 1];
	Ld__ApiResponse *resp = NULL;
	text_opt_t reason = {0};
	cli_common_t co = {0};
	Ld__ApiCase *k;
	size_t n_aud = 0;
	uint8_t *buf = NULL;
	ldc_t *cl = NULL;
	int c, r = 0, decision = 0, pos = 0;

	optind = 1;
	while (r == 0 && (c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		switch (c) {
		case 't':
			to = optarg;
			break;
		case 'r':
		case 'R':
			r = text_set(&reason, verb, "--reason", "reason", optarg, c == 'R');
			break;
		case 'h':
			respond_usage(stdout);
			goto out;
		default:
			respond_usage(stderr);
			r = EXIT_USAGE;
			break;
		}
	}
	if (r)
		goto out;
	m.reason = (char *)reason.value;
	for (int i = optind - 1; i < argc; i++, pos++) {
		if (pos == 0) {
			m.case_id = argv[i];
		} else if (pos == 1 && !strcmp(verb, "respond")) {
			decision = cli_pick(
				(const char *const[]){NULL, "accept", "reject", "need-info"}, 4,
				argv[i]);
			if (decision < 0) {
				r = cli_fail(EXIT_USAGE,
					     "respond: '%.80s' is not a decision (accept, "
					     "reject, need-info)",
					     argv[i]);
				goto out;
			}
		} else {
			r = cli_fail(EXIT_USAGE, "%s: unexpected argument '%.80s'", verb, argv[i]);
			goto out;
		}
	}
	if (!strcmp(verb, "transfer"))
		decision = LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER;
	else if (!strcmp(verb, "designate"))
		decision = LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE;
	if (!m.case_id || decision <= 0) {
		respond_usage(stderr);
		r = cli_fail(EXIT_USAGE, "%s: expected CASE%s", verb,
			     !strcmp(verb, "respond") ? " accept|reject|need-info" : " --to NODE");
		goto out;
	}
	if (!ld_case_id_valid(m.case_id)) {
		r = cli_fail(EXIT_USAGE, "%s: '%.80s' is not a case id (OWNER-NODE/LOCAL-ID)", verb,
			     m.case_id);
		goto out;
	}
	if ((decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT ||
	     decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_NEED_INFO) &&
	    (!m.reason || !m.reason[0])) {
		r = cli_fail(EXIT_USAGE, "%s: --reason is required to %s", verb,
			     ld_decision_name((uint32_t)decision));
		goto out;
	}
	if (decision >= LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER &&
	    (!to || !ld_node_id_valid(to))) {
		r = cli_fail(EXIT_USAGE, "%s: --to NODE (a valid node id) is required", verb);
		goto out;
	}
	if (decision < LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER && to) {
		r = cli_fail(EXIT_USAGE, "respond: --to is for transfer and designate");
		goto out;
	}
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		goto out;
	if ((r = cli_self_id(cl, self)) < 0 || (r = cli_fetch_case(cl, m.case_id, &resp)) < 0) {
		r = cli_daemon_fail(r, verb);
		goto out;
	}
	if (!resp->ok || !resp->case_view || !resp->case_view->opened) {
		r = cli_fail(EXIT_NO_CASE,
			     "%s: case %s is unknown here (no referral of it has "
			     "reached this node)",
			     verb, m.case_id);
		goto out;
	}
	if (to && (r = cli_member(cl, verb, "--to", to)))
		goto out;
	k = resp->case_view;
	if (to && (!strcmp(to, self) || !strcmp(to, k->holder))) {
		r = cli_fail(EXIT_USAGE, "%s: --to %s already holds the case", verb, to);
		goto out;
	}
	/* Whether this node may answer so is the daemon's to judge, by the
	 * case rules, before it signs (exit 6 with the rule when it may not). */
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
	/* The referrer, the holder, the unit it goes to, and every unit that
	 * has taken part in the case (e.g. one that passed it on): none of
	 * them is left guessing how it was answered. */
	cli_aud_add(aud, &n_aud, LD_AUDIENCE_MAX, self, k->referrer);
	cli_aud_add(aud, &n_aud, LD_AUDIENCE_MAX, self, k->holder);
	cli_aud_add(aud, &n_aud, LD_AUDIENCE_MAX, self, to);
	for (size_t i = 0; i < k->n_items; i++)
		if (!k->items[i]->refused && k->items[i]->kind == LD__KIND__KIND_REFERRAL_RESPONSE)
			cli_aud_add(aud, &n_aud, LD_AUDIENCE_MAX, self, k->items[i]->ref->feed);
	buf = malloc(ld__referral_response__get_packed_size(&m) + 1);
	if (!buf) {
		r = cli_fail(EXIT_STORE, "out of memory");
		goto out;
	}
	r = cli_sign(cl, LD__KIND__KIND_REFERRAL_RESPONSE, aud, n_aud, buf,
		     ld__referral_response__pack(&m, buf), co.json, verb,
		     json_pack("{s:s, s:s}", "case", m.case_id, "decision",
			       ld_decision_name((uint32_t)decision)));
	/* The first answer to a referral: say if it came late. */
	if (r == 0 && !cli_check_only && strcmp(verb, "designate") != 0 &&
	    k->state == LD__CASE_STATE__CASE_AWAITING_ANSWER && k->has_answer_by_ms)
		cli_note_late(verb, N_("answer-by"), k->answer_by_ms);
out:
	free(buf);
	free(reason.owned);
	if (resp)
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

int cmd_reindex(int argc, char **argv)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	cli_common_t co = {0};
	ldc_t *cl;
	int r, first;

	if ((r = cli_common_only(
		     argc, argv, "reindex",
		     "Usage: liandong reindex [-c CONFIG | --api EP]\n"
		     "Rebuild the node's derived views (cases, actions, summaries) from its\n"
		     "feeds, in one transaction.\n",
		     0, 0, &co, &first)))
		return r == 1 ? 0 : r;
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	q.has_type = true;
	q.type = LD__API_TYPE__API_REINDEX;
	r = ldc_call(cl, &q, 600000, &resp);
	ldc_destroy(&cl);
	if (r < 0)
		return cli_daemon_fail(r, "reindex");
	r = resp->ok ? 0
		     : cli_fail(EXIT_STORE, "reindex: %s",
				resp->message ? resp->message : _("failed"));
	if (!r)
		printf("views rebuilt from the feeds\n");
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

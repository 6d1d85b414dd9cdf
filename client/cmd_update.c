/* client/cmd_update.c: `liandong update CASE ...`: remediation and
 * supervision (长效执行监督): status, remediation deadline, stage-report
 * checkpoints, stage reports, follow-up assessments at the four points, and
 * closure. Checked against the case as this node holds it before signing. */
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

#define MAX_ITEMS 16

static void update_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong update CASE [--status STATUS] [--note TEXT]\n"
		"          [--remediation-due DATE] [--checkpoint DATE=DESCRIPTION]...\n"
		"          [--stage-report N --text TEXT [--evidence FEED:SEQ]...]\n"
		"          [--assess STAGE --outcome OUTCOME --findings TEXT]\n"
		"          [--closure TEXT] [--check] [-c CONFIG | --api EP] [--json] [--utc]\n"
		"--text-file FILE and --findings-file FILE read long text ('-': stdin).\n"
		"DATE: " LD_TIME_FORMS ".\n"
		"STATUS: filed, referred, accepted, investigating, penalty-decided,\n"
		"        handed-to-judiciary, remediation-ordered, remediation-verified, closed.\n"
		"STAGE: after-rectification, during-remediation, at-completion, after-completion.\n"
		"OUTCOME: satisfactory, unsatisfactory, false-rectification.\n"
		"--checkpoint may repeat: the list replaces the case's checkpoints (N counts\n"
		"from 0). The handling unit sets status and files stage reports; assessments\n"
		"come from a superior or a supervising body. New dates must lie ahead (a\n"
		"checkpoint already listed may be restated with its date).\n" CLI_CHECK_HELP
		"Exit: 6 not permitted by the case rules (the rule is said), 7 unknown case,\n"
		"9 a date given has already passed.\n");
}

/* A new checkpoint list replaces the old one position by position, so a
 * checkpoint whose date has passed may be restated (same position, same
 * date) but not introduced. 0, or EXIT_EXPIRED after saying which. */
static int past_checkpoints(const Ld__ApiCase *k, const Ld__CaseUpdate__Checkpoint *cps, size_t n,
			    const char *const *args)
{
	for (size_t i = 0; i < n; i++) {
		int64_t due = cps[i].due_ms;

		/* Whole seconds: what `show` prints can be typed back. */
		if (i < k->n_checkpoints && k->checkpoints[i]->due_ms / 1000 == due / 1000)
			continue;
		if (cli_deadline_ahead("update", "--checkpoint", args[i], due))
			return EXIT_EXPIRED;
	}
	return 0;
}

int cmd_update(int argc, char **argv)
{
	static const struct option opts[] = {
		{"status", required_argument, NULL, 's'},
		{"note", required_argument, NULL, 'n'},
		{"remediation-due", required_argument, NULL, 'd'},
		{"checkpoint", required_argument, NULL, 'k'},
		{"stage-report", required_argument, NULL, 'r'},
		{"text", required_argument, NULL, 't'},
		{"evidence", required_argument, NULL, 'e'},
		{"assess", required_argument, NULL, 'A'},
		{"outcome", required_argument, NULL, 'O'},
		{"findings", required_argument, NULL, 'F'},
		{"closure", required_argument, NULL, 'C'},
		{"text-file", required_argument, NULL, 'T'},
		{"findings-file", required_argument, NULL, 'G'},
		CLI_SIGN_OPTS,
	};
	static const char *const statuses[] = {NULL,
					       "filed",
					       "referred",
					       "accepted",
					       "investigating",
					       "penalty-decided",
					       "handed-to-judiciary",
					       "remediation-ordered",
					       "remediation-verified",
					       "closed"};
	static const char *const stages[] = {NULL, "after-rectification", "during-remediation",
					     "at-completion", "after-completion"};
	static const char *const outcomes[] = {NULL, "satisfactory", "unsatisfactory",
					       "false-rectification"};
	Ld__CaseUpdate m = LD__CASE_UPDATE__INIT;
	Ld__CaseUpdate__Checkpoint cps[MAX_ITEMS], *cpp[MAX_ITEMS];
	Ld__CaseUpdate__StageReport sr = LD__CASE_UPDATE__STAGE_REPORT__INIT, *srp[1] = {&sr};
	Ld__CaseUpdate__Assessment as = LD__CASE_UPDATE__ASSESSMENT__INIT, *asp[1] = {&as};
	Ld__EntryRef ref = LD__ENTRY_REF__INIT;
	cli_refs_t ev = {.max = 8};
	char self[LD_NODE_ID_MAX + 1], *text_file = NULL, *findings_file = NULL;
	const char *cpargs[MAX_ITEMS];
	const char *aud[2];
	Ld__ApiResponse *resp = NULL;
	bool report = false, assess = false;
	cli_common_t co = {0};
	size_t n_aud = 0;
	uint8_t *buf;
	ldc_t *cl = NULL;
	int c, r = 0, v;

	optind = 1;
	while (r == 0 && (c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		if ((c == 'n' && (r = cli_text_arg("update", "--note", optarg, "note"))) ||
		    (c == 'C' &&
		     (r = cli_text_arg("update", "--closure", optarg, "closure_summary"))) ||
		    (c == 't' && (r = cli_text_arg("update", "--text", optarg, "text"))) ||
		    (c == 'F' && (r = cli_text_arg("update", "--findings", optarg, "findings"))) ||
		    (c == 'T' && !text_file &&
		     (r = cli_text_file("update", "--text-file", optarg, "text", &text_file))) ||
		    (c == 'G' && !findings_file &&
		     (r = cli_text_file("update", "--findings-file", optarg, "findings",
					&findings_file))))
			break;
		switch (c) {
		case 's':
			if ((v = cli_pick(statuses, 10, optarg)) < 0)
				return cli_fail(EXIT_USAGE,
						"update: --status '%.80s' unknown (see --help)",
						optarg);
			m.has_status = true;
			m.status = (uint32_t)v;
			break;
		case 'n':
			m.note = optarg;
			break;
		case 'C':
			m.closure_summary = optarg;
			break;
		case 'd':
			if ((r = cli_time_arg("update", "--remediation-due", optarg, true,
					      &m.remediation_due_ms)) ||
			    (r = cli_deadline_ahead("update", "--remediation-due", optarg,
						    m.remediation_due_ms)))
				break;
			m.has_remediation_due_ms = true;
			break;
		case 'k': {
			char *eq = strchr(optarg, '='), date[32];
			size_t i = m.n_checkpoints;

			if (i == MAX_ITEMS || !eq || (size_t)(eq - optarg) >= sizeof(date) ||
			    !eq[1]) {
				r = cli_fail(EXIT_USAGE,
					     "update: --checkpoint '%.60s': expected "
					     "DATE=DESCRIPTION (at most %d)",
					     optarg, MAX_ITEMS);
				break;
			}
			snprintf(date, sizeof(date), "%.*s", (int)(eq - optarg), optarg);
			ld__case_update__checkpoint__init(&cps[i]);
			cps[i].has_due_ms = true;
			if ((r = cli_time_arg("update", "--checkpoint", date, true,
					      &cps[i].due_ms)) ||
			    (r = cli_text_arg("update", "--checkpoint", eq + 1, "description")))
				break;
			cpargs[i] = optarg;
			cps[i].description = eq + 1;
			cpp[i] = &cps[i];
			m.n_checkpoints++;
			break;
		}
		case 'r': {
			char *end;
			unsigned long k = strtoul(optarg, &end, 10);

			if (*end || end == optarg || k >= LD_CHECKPOINTS_MAX) {
				r = cli_fail(EXIT_USAGE,
					     "update: --stage-report N: a checkpoint number");
				break;
			}
			sr.has_checkpoint = true;
			sr.checkpoint = (uint32_t)k;
			report = true;
			break;
		}
		case 't':
			sr.text = optarg;
			break;
		case 'T':
			sr.text = text_file;
			break;
		case 'e':
			r = cli_refs_add(&ev, "update", "--evidence", optarg);
			break;
		case 'A':
			if ((v = cli_pick(stages, 5, optarg)) < 0) {
				r = cli_fail(EXIT_USAGE,
					     "update: --assess '%.80s' unknown (after-"
					     "rectification, during-remediation, at-"
					     "completion, after-completion)",
					     optarg);
				break;
			}
			as.has_stage = true;
			as.stage = (uint32_t)v;
			assess = true;
			break;
		case 'O':
			if ((v = cli_pick(outcomes, 4, optarg)) < 0) {
				r = cli_fail(EXIT_USAGE,
					     "update: --outcome '%.80s' unknown (satisfactory, "
					     "unsatisfactory, false-rectification)",
					     optarg);
				break;
			}
			as.has_outcome = true;
			as.outcome = (uint32_t)v;
			break;
		case 'F':
			as.findings = optarg;
			break;
		case 'G':
			as.findings = findings_file;
			break;
		case 'h':
			update_usage(stdout);
			goto out;
		default:
			update_usage(stderr);
			r = EXIT_USAGE;
			break;
		}
	}
	if (r)
		goto out;
	if (optind != argc || !ld_case_id_valid(argv[optind - 1])) {
		update_usage(stderr);
		r = cli_fail(EXIT_USAGE, "update: expected one CASE id (OWNER-NODE/LOCAL-ID)");
		goto out;
	}
	m.case_id = argv[optind - 1];
	if (report && (!sr.text || !sr.text[0]))
		r = cli_fail(EXIT_USAGE, "update: --stage-report needs --text");
	else if (assess && (!as.has_outcome || !as.findings))
		r = cli_fail(EXIT_USAGE, "update: --assess needs --outcome and --findings");
	else if (!m.has_status && !m.n_checkpoints && !report && !assess &&
		 !m.has_remediation_due_ms && !m.closure_summary && !m.note)
		r = cli_fail(EXIT_USAGE, "update: nothing to update (see --help)");
	if (r || (r = cli_connect(co.api, co.conf, &cl)) != 0)
		goto out;
	if ((r = cli_self_id(cl, self)) < 0 || (r = cli_fetch_case(cl, m.case_id, &resp)) < 0) {
		r = cli_daemon_fail(r, "update");
		goto out;
	}
	if (!resp->ok || !resp->case_view || !resp->case_view->opened) {
		r = cli_fail(EXIT_NO_CASE, "update: case %s is unknown here", m.case_id);
	} else {
		Ld__ApiCase *k = resp->case_view;

		/* Who may set, report or assess, and on which checkpoint, is the
		 * daemon's to judge by the case rules before it signs (exit 6
		 * with the rule). Checked here is input: dates already past. */
		r = past_checkpoints(k, cps, m.n_checkpoints, cpargs);
		if (r == 0) {
			aud[n_aud++] = k->holder;
			if (strcmp(k->referrer, k->holder))
				aud[n_aud++] = k->referrer;
			if (k->referral && k->referral->feed) {
				ref.feed = k->referral->feed;
				ref.has_seq = ref.has_id = true;
				ref.seq = k->referral->seq;
				ref.id = k->referral->id;
				m.referral = &ref;
			}
		}
	}
	if (r == 0) {
		m.checkpoints = cpp;
		sr.evidence = ev.ptrs;
		sr.n_evidence = ev.n;
		if (report) {
			m.n_stage_reports = 1;
			m.stage_reports = srp;
		}
		if (assess) {
			as.assessor = self;
			m.n_assessments = 1;
			m.assessments = asp;
		}
		buf = malloc(ld__case_update__get_packed_size(&m) + 1);
		r = buf ? cli_sign(cl, LD__KIND__KIND_CASE_UPDATE, aud, n_aud, buf,
				   ld__case_update__pack(&m, buf), co.json, "case update",
				   json_pack("{s:s}", "case", m.case_id))
			: cli_fail(EXIT_STORE, "out of memory");
		/* The note judges the list as it was: not when this update
		 * replaces it too. */
		if (r == 0 && report && !m.n_checkpoints && !cli_check_only &&
		    sr.checkpoint < resp->case_view->n_checkpoints &&
		    !resp->case_view->checkpoints[sr.checkpoint]->reported_ms &&
		    !resp->case_view->checkpoints[sr.checkpoint]->dropped)
			cli_note_late("update", N_("stage-report"),
				      resp->case_view->checkpoints[sr.checkpoint]->due_ms);
		free(buf);
	}
out:
	if (resp)
		ld__api_response__free_unpacked(resp, NULL);
	free(text_file);
	free(findings_file);
	ldc_destroy(&cl);
	return r;
}

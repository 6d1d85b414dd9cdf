/* client/cmd_action.c: joint action dispatch and answers (联合执法/应急联动):
 * `liandong dispatch`, `ack`, `accept`, `decline`, `report`. Checked against
 * what the node knows of the action before anything is signed. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "action.pb-c.h"
#include "client/cli.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/domain/action.h"
#include "common/feed/entry.h"
#include "common/base/errors.h"

#define DISPATCH_PERSONS_MAX 16

/* "UNIT:PERSON" into r (strings pointing into 'arg', which is cut). */
static int person_arg(const char *opt, char *arg, Ld__PersonRef *r)
{
	char *colon = strchr(arg, ':');

	ld__person_ref__init(r);
	if (!colon || colon == arg || !colon[1])
		return cli_fail(EXIT_USAGE, "dispatch: %s '%.80s': expected UNIT:PERSON", opt, arg);
	*colon = '\0';
	if (!ld_node_id_valid(arg) || cli_text_arg("dispatch", opt, colon + 1, "person_id"))
		return cli_fail(EXIT_USAGE, "dispatch: %s: '%.80s' is not a unit's node id", opt,
				arg);
	r->unit = arg;
	r->person_id = colon + 1;
	return 0;
}

static void dispatch_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong dispatch --kind joint-inspection|special-campaign|emergency\n"
		"         --priority routine|urgent|emergency --title TEXT\n"
		"         --participant NODE[:lead|support|observer]... --instructions TEXT\n"
		"         --ack-by DEADLINE [--from DATE --to DATE] [--site NAME]...\n"
		"         [--case CASE]... [--action ID] [-c CONFIG | --api EP] [--json]\n"
		"         [--expert UNIT:PERSON]... [--liaison UNIT:PERSON]...\n"
		"         [--instructions-file FILE] [--utc] [--check]\n"
		"DATE, DEADLINE: " LD_TIME_FORMS ".\n"
		"Every participant must be a current member of the roster (exit 7).\n"
		"--expert and --liaison name experts (专家) and liaison persons (联络员) by\n"
		"their id in a unit's directory (liandong directory): each must be listed\n"
		"in the directory of UNIT held here (exit 7 says what is missing); their\n"
		"units read the dispatch too, and show ACTION gives their name, unit, field\n"
		"and phone from the directories (never copied into the record).\n"
		"ID defaults to THIS-NODE/A-YYYYMMDD-HHMMSS-XXXXXX (random, never repeated).\n"
		"Text: title at most 512 bytes, instructions 16 KiB ('-' reads stdin).\n" CLI_CHECK_HELP
		"--json prints {feed, seq, id, action, participants}.\n"
		"--ack-by and --to must lie ahead: a deadline already past exits 9 and\n"
		"nothing is signed.\n");
}

int cmd_dispatch(int argc, char **argv)
{
	static const struct option opts[] = {
		{"kind", required_argument, NULL, 'k'},
		{"priority", required_argument, NULL, 'p'},
		{"title", required_argument, NULL, 'T'},
		{"participant", required_argument, NULL, 'P'},
		{"instructions", required_argument, NULL, 'i'},
		{"ack-by", required_argument, NULL, 'b'},
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"site", required_argument, NULL, 's'},
		{"case", required_argument, NULL, 'C'},
		{"action", required_argument, NULL, 'A'},
		{"instructions-file", required_argument, NULL, 'I'},
		{"expert", required_argument, NULL, 'e'},
		{"liaison", required_argument, NULL, 'l'},
		CLI_SIGN_OPTS,
	};
	static const char *const kinds[] = {NULL, "joint-inspection", "special-campaign",
					    "emergency"};
	static const char *const prios[] = {NULL, "routine", "urgent", "emergency"};
	static const char *const roles[] = {NULL, "lead", "support", "observer"};
	Ld__ActionDispatch m = LD__ACTION_DISPATCH__INIT;
	Ld__ActionDispatch__Participant parts[LD_ACTION_PARTICIPANTS_MAX],
		*pp[LD_ACTION_PARTICIPANTS_MAX];
	char names[LD_ACTION_PARTICIPANTS_MAX][LD_NODE_ID_MAX + 1], self[LD_NODE_ID_MAX + 1];
	Ld__Place sites[8], *sp[8];
	const char *aud[LD_ACTION_PARTICIPANTS_MAX + 2 * DISPATCH_PERSONS_MAX], *cases[8];
	Ld__PersonRef ex[DISPATCH_PERSONS_MAX], li[DISPATCH_PERSONS_MAX];
	Ld__PersonRef *exp[DISPATCH_PERSONS_MAX], *lip[DISPATCH_PERSONS_MAX];
	size_t n_aud = 0;
	char idbuf[LD_CASE_ID_MAX + 1], *instr_file = NULL;
	cli_common_t co = {0};
	uint8_t *buf;
	ldc_t *cl;
	int c, r, v;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		if ((c == 'T' && cli_text_arg("dispatch", "--title", optarg, "title")) ||
		    (c == 'i' &&
		     cli_text_arg("dispatch", "--instructions", optarg, "instructions")) ||
		    (c == 's' && cli_text_arg("dispatch", "--site", optarg, "site_name")))
			return EXIT_USAGE;
		switch (c) {
		case 'k':
			if ((v = cli_pick(kinds, 4, optarg)) < 0)
				return cli_fail(EXIT_USAGE,
						"dispatch: --kind '%.80s' unknown (joint-"
						"inspection, special-campaign, emergency)",
						optarg);
			m.has_kind = true;
			m.kind = (uint32_t)v;
			break;
		case 'p':
			if ((v = cli_pick(prios, 4, optarg)) < 0)
				return cli_fail(EXIT_USAGE,
						"dispatch: --priority '%.80s' unknown (routine, "
						"urgent, emergency)",
						optarg);
			m.has_priority = true;
			m.priority = (uint32_t)v;
			break;
		case 'T':
			m.title = optarg;
			break;
		case 'i':
		case 'I':
			if (m.instructions)
				return cli_fail(EXIT_USAGE, "dispatch: give --instructions or "
							    "--instructions-file once");
			if (c == 'I' && cli_text_file("dispatch", "--instructions-file", optarg,
						      "instructions", &instr_file))
				return EXIT_USAGE;
			m.instructions = c == 'I' ? instr_file : optarg;
			break;
		case 'A':
			m.action_id = optarg;
			break;
		case 'P': {
			char *colon = strchr(optarg, ':');
			size_t i = m.n_participants,
			       len = colon ? (size_t)(colon - optarg) : strlen(optarg);

			if (i == LD_ACTION_PARTICIPANTS_MAX)
				return cli_fail(EXIT_USAGE, "dispatch: at most %d participants",
						LD_ACTION_PARTICIPANTS_MAX);
			if (len > LD_NODE_ID_MAX)
				return cli_fail(EXIT_USAGE,
						"dispatch: --participant '%.80s' too long", optarg);
			memcpy(names[i], optarg, len);
			names[i][len] = '\0';
			v = colon ? cli_pick(roles, 4, colon + 1)
				  : LD__PARTICIPANT_ROLE__PARTICIPANT_ROLE_SUPPORT;
			if (!ld_node_id_valid(names[i]) || v < 0)
				return cli_fail(EXIT_USAGE,
						"dispatch: --participant '%.80s': expected NODE or "
						"NODE:lead|support|observer",
						optarg);
			for (size_t j = 0; j < i; j++)
				if (!strcmp(names[j], names[i]))
					return cli_fail(EXIT_USAGE,
							"dispatch: participant %s listed twice",
							names[i]);
			ld__action_dispatch__participant__init(&parts[i]);
			parts[i].node_id = names[i];
			parts[i].has_role = true;
			parts[i].role = (uint32_t)v;
			pp[i] = &parts[i];
			m.n_participants++;
			break;
		}
		case 'b':
			if (cli_time_arg("dispatch", "--ack-by", optarg, true, &m.ack_by_ms))
				return EXIT_USAGE;
			if (cli_deadline_ahead("dispatch", "--ack-by", optarg, m.ack_by_ms))
				return EXIT_EXPIRED;
			m.has_ack_by_ms = true;
			break;
		case 'f':
		case 't': {
			int64_t t;

			if (cli_time_arg("dispatch", c == 'f' ? "--from" : "--to", optarg, c == 't',
					 &t))
				return EXIT_USAGE;
			if (c == 't' && cli_deadline_ahead("dispatch", "--to", optarg, t))
				return EXIT_EXPIRED;
			if (c == 'f') {
				m.has_window_start_ms = true;
				m.window_start_ms = t;
			} else {
				m.has_window_end_ms = true;
				m.window_end_ms = t;
			}
			break;
		}
		case 's':
			if (m.n_sites == 8)
				return cli_fail(EXIT_USAGE, "dispatch: at most 8 --site");
			ld__place__init(&sites[m.n_sites]);
			sites[m.n_sites].site_name = optarg;
			sp[m.n_sites] = &sites[m.n_sites];
			m.n_sites++;
			break;
		case 'C':
			if (m.n_case_ids == 8 || !ld_case_id_valid(optarg))
				return cli_fail(
					EXIT_USAGE,
					"dispatch: --case '%.80s' is not a case id (at most "
					"8)",
					optarg);
			cases[m.n_case_ids++] = optarg;
			break;
		case 'e':
		case 'l': {
			size_t *n = c == 'e' ? &m.n_experts : &m.n_liaisons;
			Ld__PersonRef *ref = c == 'e' ? &ex[*n] : &li[*n];

			if (*n == DISPATCH_PERSONS_MAX)
				return cli_fail(EXIT_USAGE, "dispatch: at most %d %s",
						DISPATCH_PERSONS_MAX,
						c == 'e' ? "--expert" : "--liaison");
			if ((r = person_arg(c == 'e' ? "--expert" : "--liaison", optarg, ref)))
				return r;
			(c == 'e' ? exp : lip)[(*n)++] = ref;
			break;
		}
		case 'h':
			dispatch_usage(stdout);
			return 0;
		default:
			dispatch_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc + 1 || !m.has_kind || !m.has_priority || !m.title || !m.instructions ||
	    !m.n_participants || !m.has_ack_by_ms) {
		dispatch_usage(stderr);
		return cli_fail(EXIT_USAGE,
				"dispatch: --kind, --priority, --title, --instructions, "
				"--ack-by and at least one --participant are required");
	}
	if (m.has_window_start_ms && m.has_window_end_ms && m.window_end_ms < m.window_start_ms)
		return cli_fail(EXIT_USAGE, "dispatch: --to is before --from");
	m.participants = pp;
	m.sites = sp;
	m.case_ids = (char **)cases;
	m.experts = exp;
	m.liaisons = lip;
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0) {
		free(instr_file);
		return r;
	}
	if ((r = cli_self_id(cl, self)) < 0) {
		ldc_destroy(&cl);
		free(instr_file);
		return cli_daemon_fail(r, "dispatch");
	}
	for (size_t i = 0; i < m.n_participants; i++)
		if ((r = cli_member(cl, "dispatch", "--participant", names[i]))) {
			ldc_destroy(&cl);
			free(instr_file);
			return r;
		}
	/* The people named must be in a directory held here. */
	for (size_t i = 0; i < m.n_experts + m.n_liaisons; i++) {
		bool e = i < m.n_experts;
		const Ld__PersonRef *p = e ? &ex[i] : &li[i - m.n_experts];

		if ((r = cli_dir_person(cl, "dispatch", e ? "--expert" : "--liaison", p->unit,
					p->person_id, e))) {
			ldc_destroy(&cl);
			free(instr_file);
			return r;
		}
	}
	/* The participants read it, and so do the units whose people it names. */
	for (size_t i = 0; i < m.n_participants; i++)
		cli_aud_add(aud, &n_aud, sizeof(aud) / sizeof(aud[0]), self, names[i]);
	for (size_t i = 0; i < m.n_experts; i++)
		cli_aud_add(aud, &n_aud, sizeof(aud) / sizeof(aud[0]), self, ex[i].unit);
	for (size_t i = 0; i < m.n_liaisons; i++)
		cli_aud_add(aud, &n_aud, sizeof(aud) / sizeof(aud[0]), self, li[i].unit);
	if (!m.action_id) {
		cli_new_id(self, "A-", idbuf, sizeof(idbuf));
		m.action_id = idbuf;
	}
	if (!ld_case_id_valid(m.action_id) || strncmp(m.action_id, self, strlen(self)) ||
	    m.action_id[strlen(self)] != '/') {
		ldc_destroy(&cl);
		free(instr_file);
		return cli_fail(EXIT_USAGE, "dispatch: --action '%.80s' must be %s/LOCAL-ID",
				m.action_id, self);
	}
	buf = malloc(ld__action_dispatch__get_packed_size(&m) + 1);
	if (buf) {
		json_t *extra = json_pack("{s:s, s:[]}", "action", m.action_id, "participants");

		for (size_t i = 0; i < m.n_participants; i++)
			json_array_append_new(json_object_get(extra, "participants"),
					      json_string(names[i]));
		r = cli_sign(cl, LD__KIND__KIND_ACTION_DISPATCH, aud, n_aud, buf,
			     ld__action_dispatch__pack(&m, buf), co.json, "dispatch", extra);
	} else {
		r = cli_fail(EXIT_STORE, "out of memory");
	}
	if (r == 0 && !co.json && !cli_check_only)
		printf("action %s dispatched to %zu participant(s)\n", m.action_id,
		       m.n_participants);
	free(buf);
	free(instr_file);
	ldc_destroy(&cl);
	return r;
}

static void answer_usage(FILE *f)
{
	fprintf(f, "Usage: liandong ack ACTION\n"
		   "       liandong accept ACTION\n"
		   "       liandong decline ACTION --reason TEXT\n"
		   "       liandong report ACTION --status on-site|progress|completed\n"
		   "                [--findings TEXT] [--evidence FEED:SEQ]... [--personnel N]\n"
		   "                [--findings-file FILE] [--reason-file FILE]\n"
		   "       Common: [--check] [-c CONFIG | --api EP] [--json] [--utc]\n"
		   "An answer is shown to the dispatcher and every participant.\n"
		   "Text: reason at most 8 KiB, findings 64 KiB ('-' reads stdin).\n"
		   "Completing needs --findings. An answer after the acknowledge-by deadline is\n"
		   "still recorded (a note on stderr says how late). Only participants answer,\n"
		   "and nothing after declining or completing.\n" CLI_CHECK_HELP
		   "Exit: 6 the action rules refuse it (the rule is said), 7 unknown action.\n");
}

static int action_answer(int argc, char **argv, int reply)
{
	static const struct option opts[] = {
		{"reason", required_argument, NULL, 'r'},
		{"status", required_argument, NULL, 's'},
		{"findings", required_argument, NULL, 'f'},
		{"evidence", required_argument, NULL, 'e'},
		{"personnel", required_argument, NULL, 'n'},
		{"reason-file", required_argument, NULL, 'R'},
		{"findings-file", required_argument, NULL, 'F'},
		CLI_SIGN_OPTS,
	};
	static const char *const statuses[] = {NULL,	  NULL,	      NULL,	  NULL,
					       "on-site", "progress", "completed"};
	Ld__ActionResponse m = LD__ACTION_RESPONSE__INIT;
	Ld__EntryRef dref = LD__ENTRY_REF__INIT;
	cli_refs_t ev = {.max = 8};
	char self[LD_NODE_ID_MAX + 1], dfeed[LD_NODE_ID_MAX + 1];
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	const char *aud[LD_ACTION_PARTICIPANTS_MAX + 1];
	size_t n_aud = 0;
	Ld__ApiResponse *resp = NULL;
	Ld__ApiAction *av;
	uint8_t *buf = NULL;
	char *reason_file = NULL, *findings_file = NULL;
	cli_common_t co = {0};
	bool acked = false;
	int64_t late = 0;
	ldc_t *cl = NULL;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		if ((c == 'r' && cli_text_arg("answer", "--reason", optarg, "reason")) ||
		    (c == 'f' && cli_text_arg("answer", "--findings", optarg, "findings")) ||
		    (c == 'R' && !reason_file &&
		     cli_text_file("answer", "--reason-file", optarg, "reason", &reason_file)) ||
		    (c == 'F' && !findings_file &&
		     cli_text_file("answer", "--findings-file", optarg, "findings",
				   &findings_file))) {
			free(reason_file);
			free(findings_file);
			return EXIT_USAGE;
		}
		switch (c) {
		case 'r':
			m.reason = optarg;
			break;
		case 'f':
			m.findings = optarg;
			break;
		case 'R':
			m.reason = reason_file;
			break;
		case 'F':
			m.findings = findings_file;
			break;
		case 's':
			if (reply != 0 || cli_pick(statuses, 7, optarg) < 4) {
				r = cli_fail(EXIT_USAGE,
					     "report: --status '%.80s' unknown (on-site, "
					     "progress, completed)",
					     optarg);
				goto out;
			}
			reply = cli_pick(statuses, 7, optarg);
			break;
		case 'n': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || end == optarg || v > 100000 || optarg[0] == '-') {
				r = cli_fail(EXIT_USAGE, "report: --personnel must be a number");
				goto out;
			}
			m.has_personnel = true;
			m.personnel = (uint32_t)v;
			break;
		}
		case 'e':
			if (cli_refs_add(&ev, "report", "--evidence", optarg)) {
				r = EXIT_USAGE;
				goto out;
			}
			break;
		case 'h':
			answer_usage(stdout);
			r = 0;
			goto out;
		default:
			answer_usage(stderr);
			r = EXIT_USAGE;
			goto out;
		}
	}
	r = 0;
	if (optind != argc || !ld_case_id_valid(argv[optind - 1])) {
		answer_usage(stderr);
		r = cli_fail(EXIT_USAGE, "expected one ACTION id (OWNER-NODE/LOCAL-ID)");
	} else if (reply == 0) {
		r = cli_fail(EXIT_USAGE, "report: --status is required");
	} else if (reply == LD__ACTION_REPLY__ACTION_REPLY_DECLINED &&
		   (!m.reason || !m.reason[0])) {
		r = cli_fail(EXIT_USAGE, "decline: --reason is required");
	} else if (reply == LD__ACTION_REPLY__ACTION_REPLY_COMPLETED &&
		   (!m.findings || !m.findings[0])) {
		r = cli_fail(EXIT_USAGE, "report --status completed: --findings is required");
	}
	if (r || (r = cli_connect(co.api, co.conf, &cl)) != 0)
		goto out;
	m.action_id = argv[optind - 1];
	q.has_type = true;
	q.type = LD__API_TYPE__API_ACTION;
	q.case_id = (char *)m.action_id;
	if ((r = cli_self_id(cl, self)) < 0 || (r = ldc_call(cl, &q, 10000, &resp)) < 0) {
		r = cli_daemon_fail(r, "answer");
		goto out;
	}
	av = resp->ok ? resp->action : NULL;
	for (size_t i = 0; av && i < av->n_participants; i++)
		if (!strcmp(av->participants[i]->node_id, self))
			acked = av->participants[i]->ack_ms != 0;
	/* Whether this node may answer (a participant, not after its final
	 * answer) the daemon judges by the action rules before it signs. */
	if (!av || !av->dispatched) {
		r = cli_fail(EXIT_NO_CASE,
			     "action %s is unknown here (no dispatch of it has reached "
			     "this node)",
			     m.action_id);
		goto out;
	}
	late = !acked && av->has_ack_by_ms ? av->ack_by_ms : 0;
	m.has_response = m.has_time_ms = true;
	m.response = (uint32_t)reply;
	m.time_ms = ld_now_ms();
	m.evidence = ev.ptrs;
	m.n_evidence = ev.n;
	/* The dispatch answered: the accepted one, as the daemon judged. */
	if (av->dispatch && av->dispatch->feed) {
		snprintf(dfeed, sizeof(dfeed), "%s", av->dispatch->feed);
		dref.feed = dfeed;
		dref.has_seq = dref.has_id = true;
		dref.seq = av->dispatch->seq;
		dref.id = av->dispatch->id;
		m.dispatch = &dref;
	}
	/* Participants coordinate: every one of them and the dispatcher read
	 * the answer (this node, a participant, is left out). */
	cli_aud_add(aud, &n_aud, LD_ACTION_PARTICIPANTS_MAX + 1, self, av->dispatcher);
	for (size_t i = 0; i < av->n_participants; i++)
		cli_aud_add(aud, &n_aud, LD_ACTION_PARTICIPANTS_MAX + 1, self,
			    av->participants[i]->node_id);
	if (!(buf = malloc(ld__action_response__get_packed_size(&m) + 1))) {
		r = cli_fail(EXIT_STORE, "out of memory");
		goto out;
	}
	r = cli_sign(cl, LD__KIND__KIND_ACTION_RESPONSE, aud, n_aud, buf,
		     ld__action_response__pack(&m, buf), co.json,
		     ld_part_state_name((enum ld_part_state)reply),
		     json_pack("{s:s, s:s}", "action", m.action_id, "answer",
			       ld_part_state_name((enum ld_part_state)reply)));
	/* The first answer acknowledges; say if that came too late. */
	if (r == 0 && late && !cli_check_only)
		cli_note_late(reply == LD__ACTION_REPLY__ACTION_REPLY_ACKNOWLEDGED ? "ack"
			      : reply == LD__ACTION_REPLY__ACTION_REPLY_ACCEPTED   ? "accept"
			      : reply == LD__ACTION_REPLY__ACTION_REPLY_DECLINED   ? "decline"
										   : "report",
			      N_("acknowledge-by"), late);
out:
	if (resp)
		ld__api_response__free_unpacked(resp, NULL);
	free(buf);
	free(reason_file);
	free(findings_file);
	ldc_destroy(&cl);
	return r;
}

int cmd_ack(int argc, char **argv)
{
	return action_answer(argc, argv, LD__ACTION_REPLY__ACTION_REPLY_ACKNOWLEDGED);
}

int cmd_accept(int argc, char **argv)
{
	return action_answer(argc, argv, LD__ACTION_REPLY__ACTION_REPLY_ACCEPTED);
}

int cmd_decline(int argc, char **argv)
{
	return action_answer(argc, argv, LD__ACTION_REPLY__ACTION_REPLY_DECLINED);
}

int cmd_report(int argc, char **argv)
{
	return action_answer(argc, argv, 0);
}

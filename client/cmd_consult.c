/* client/cmd_consult.c: consultations (会商: remote consultations and joint
 * consultations on major cases): `liandong consult convene|attend|decline|
 * opinion|minutes|sign|done`, and `show` of a consultation. What the rules
 * refuse (common/domain/consult.c) the daemon refuses before signing; the
 * tool checks its input and who is named. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "client/docs.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/base/errors.h"
#include "common/domain/consult.h"
#include "common/feed/entry.h"
#include "common/feed/kinds.h"
#include "consult.pb-c.h"

#define AUD_MAX (LD_CONSULT_PARTS_MAX + 2 * LD_CONSULT_PERSONS_MAX + 1)

static void consult_usage(FILE *f)
{
	fprintf(f, "Usage: liandong consult convene --title TEXT --at DATE\n"
		   "         --participant NODE[:member|liaison|observer]...\n"
		   "         [--kind remote|major-case] [--until DATE] [--agenda TEXT |\n"
		   "         --agenda-file FILE] [--case CASE]... [--expert UNIT:PERSON]...\n"
		   "         [--liaison UNIT:PERSON]... [--via TEXT] [--place TEXT] [--id ID]\n"
		   "       liandong consult attend ID [--attendee UNIT:PERSON]...\n"
		   "       liandong consult decline ID --reason TEXT\n"
		   "       liandong consult opinion ID (--text TEXT | --text-file FILE)\n"
		   "       liandong consult minutes ID (--text TEXT | --text-file FILE)\n"
		   "         [--decision TEXT]... [--task OWNER,DEADLINE,DESCRIPTION]...\n"
		   "         [--task-case N=CASE]...\n"
		   "       liandong consult sign ID [--object --reason TEXT]\n"
		   "       liandong consult done ID --task N (--text TEXT | --text-file FILE)\n"
		   "       Common: [--check] [-c CONFIG | --api EP] [--json] [--utc]\n"
		   "A consultation (会商) is convened by one unit with other units (bureaus,\n"
		   "command centres, police, procuratorate and court liaison units: role\n"
		   "liaison) and names experts and liaison persons from the units' directories\n"
		   "by reference (UNIT:PERSON, see liandong directory): their phone numbers\n"
		   "never enter the record. Participants answer: attend or decline (until the\n"
		   "minutes), give opinions (until the minutes). The convener records the\n"
		   "minutes: decisions and follow-up tasks, each with an owner (the convener or\n"
		   "a participant) and a deadline (DATE: " LD_TIME_FORMS ");\n"
		   "recording them again replaces them. Every participant that is not an\n"
		   "observer and did not decline signs the minutes in force (sign), or\n"
		   "objects with --reason. A task's owner reports it done (done --task N,\n"
		   "N from liandong show ID). A command centre's escalation watcher escalates\n"
		   "a task not done by its deadline to the owner's superior.\n"
		   "ID defaults to THIS-NODE/C-YYYYMMDD-HHMMSS-XXXXXX.\n" CLI_CHECK_HELP
		   "Exit: 6 the consultation rules refuse it (the rule is said), 7 unknown\n"
		   "consultation or unit, 9 a deadline or time already past.\n");
}

/* "UNIT:PERSON" into r (strings pointing into 'arg', which is cut). */
static int person_arg(const char *cmd, const char *opt, char *arg, Ld__PersonRef *r)
{
	char *colon = strchr(arg, ':');

	ld__person_ref__init(r);
	if (!colon || colon == arg || !colon[1])
		return cli_fail(EXIT_USAGE, "%s: %s '%.80s': expected UNIT:PERSON", cmd, opt, arg);
	*colon = '\0';
	if (!ld_node_id_valid(arg) || cli_text_arg(cmd, opt, colon + 1, "person_id"))
		return cli_fail(EXIT_USAGE, "%s: %s: '%.80s' is not a unit's node id", cmd, opt,
				arg);
	r->unit = arg;
	r->person_id = colon + 1;
	return 0;
}

/* The consultation as the daemon judges it (API_CONSULT). 0 with *ret
 * (caller frees), -ENOENT if not held, or -errno. */
static int fetch(ldc_t *cl, const char *id, Ld__ApiResponse **ret)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	int r;

	q.has_type = true;
	q.type = LD__API_TYPE__API_CONSULT;
	q.case_id = (char *)id;
	if ((r = ldc_call(cl, &q, 10000, ret)) < 0)
		return r;
	if (!(*ret)->ok || !(*ret)->consult) {
		r = (*ret)->err == -ENOENT ? -ENOENT : (*ret)->err ? (*ret)->err : -EPROTO;
		ld__api_response__free_unpacked(*ret, NULL);
		*ret = NULL;
		return r;
	}
	return 0;
}

static int convene(int argc, char **argv)
{
	static const struct option opts[] = {
		{"title", required_argument, NULL, 'T'},
		{"at", required_argument, NULL, 'f'},
		{"until", required_argument, NULL, 't'},
		{"participant", required_argument, NULL, 'P'},
		{"kind", required_argument, NULL, 'k'},
		{"agenda", required_argument, NULL, 'g'},
		{"agenda-file", required_argument, NULL, 'G'},
		{"case", required_argument, NULL, 'C'},
		{"expert", required_argument, NULL, 'e'},
		{"liaison", required_argument, NULL, 'l'},
		{"via", required_argument, NULL, 'v'},
		{"place", required_argument, NULL, 'p'},
		{"id", required_argument, NULL, 'I'},
		CLI_SIGN_OPTS,
	};
	static const char *const kinds[] = {NULL, "remote", "major-case"};
	static const char *const roles[] = {NULL, "member", "liaison", "observer"};
	Ld__ConsultConvene m = LD__CONSULT_CONVENE__INIT;
	Ld__ConsultConvene__Participant parts[LD_CONSULT_PARTS_MAX], *pp[LD_CONSULT_PARTS_MAX];
	Ld__PersonRef ex[LD_CONSULT_PERSONS_MAX], li[LD_CONSULT_PERSONS_MAX];
	Ld__PersonRef *exp[LD_CONSULT_PERSONS_MAX], *lip[LD_CONSULT_PERSONS_MAX];
	char names[LD_CONSULT_PARTS_MAX][LD_NODE_ID_MAX + 1], self[LD_NODE_ID_MAX + 1];
	char idbuf[LD_CASE_ID_MAX + 1], *agenda_file = NULL;
	const char *aud[AUD_MAX], *cases[8];
	size_t n_aud = 0;
	cli_common_t co = {0};
	uint8_t *buf = NULL;
	ldc_t *cl = NULL;
	int c, r = 0, v;

	m.has_kind = true;
	m.kind = LD__CONSULT_KIND__CONSULT_KIND_REMOTE;
	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		if ((c == 'T' && cli_text_arg("consult convene", "--title", optarg, "title")) ||
		    (c == 'g' && cli_text_arg("consult convene", "--agenda", optarg, "agenda")) ||
		    (c == 'v' && cli_text_arg("consult convene", "--via", optarg, "via")) ||
		    (c == 'p' && cli_text_arg("consult convene", "--place", optarg, "address"))) {
			r = EXIT_USAGE;
			goto out;
		}
		switch (c) {
		case 'T':
			m.title = optarg;
			break;
		case 'g':
		case 'G':
			if (m.agenda) {
				r = cli_fail(EXIT_USAGE, "consult convene: give --agenda or "
							 "--agenda-file once");
				goto out;
			}
			if (c == 'G' && (r = cli_text_file("consult convene", "--agenda-file",
							   optarg, "agenda", &agenda_file)))
				goto out;
			m.agenda = c == 'G' ? agenda_file : optarg;
			break;
		case 'v':
			m.via = optarg;
			break;
		case 'p':
			m.address = optarg;
			break;
		case 'I':
			m.consult_id = optarg;
			break;
		case 'k':
			if ((v = cli_pick(kinds, 3, optarg)) < 0) {
				r = cli_fail(EXIT_USAGE,
					     "consult convene: --kind '%.80s' unknown (remote, "
					     "major-case)",
					     optarg);
				goto out;
			}
			m.kind = (uint32_t)v;
			break;
		case 'f':
		case 't': {
			int64_t t;

			if ((r = cli_time_arg("consult convene", c == 'f' ? "--at" : "--until",
					      optarg, false, &t)))
				goto out;
			if ((r = cli_deadline_ahead("consult convene",
						    c == 'f' ? "--at" : "--until", optarg, t)))
				goto out;
			if (c == 'f') {
				m.has_start_ms = true;
				m.start_ms = t;
			} else {
				m.has_end_ms = true;
				m.end_ms = t;
			}
			break;
		}
		case 'P': {
			char *colon = strchr(optarg, ':');
			size_t i = m.n_participants,
			       len = colon ? (size_t)(colon - optarg) : strlen(optarg);

			if (i == LD_CONSULT_PARTS_MAX || len > LD_NODE_ID_MAX) {
				r = cli_fail(EXIT_USAGE,
					     "consult convene: --participant '%.80s': at most %d "
					     "participants, node ids of at most 64 characters",
					     optarg, LD_CONSULT_PARTS_MAX);
				goto out;
			}
			memcpy(names[i], optarg, len);
			names[i][len] = '\0';
			v = colon ? cli_pick(roles, 4, colon + 1)
				  : LD__CONSULT_ROLE__CONSULT_ROLE_MEMBER;
			if (!ld_node_id_valid(names[i]) || v < 0) {
				r = cli_fail(EXIT_USAGE,
					     "consult convene: --participant '%.80s': expected "
					     "NODE or NODE:member|liaison|observer",
					     optarg);
				goto out;
			}
			ld__consult_convene__participant__init(&parts[i]);
			parts[i].node_id = names[i];
			parts[i].has_role = true;
			parts[i].role = (uint32_t)v;
			pp[i] = &parts[i];
			m.n_participants++;
			break;
		}
		case 'C':
			if (m.n_case_ids == 8 || !ld_case_id_valid(optarg)) {
				r = cli_fail(EXIT_USAGE,
					     "consult convene: --case '%.80s' is not a case id (at "
					     "most 8)",
					     optarg);
				goto out;
			}
			cases[m.n_case_ids++] = optarg;
			break;
		case 'e':
		case 'l': {
			bool e = c == 'e';
			size_t *n = e ? &m.n_experts : &m.n_liaisons;

			if (*n == LD_CONSULT_PERSONS_MAX) {
				r = cli_fail(EXIT_USAGE, "consult convene: at most %d of %s",
					     LD_CONSULT_PERSONS_MAX, e ? "--expert" : "--liaison");
				goto out;
			}
			if ((r = person_arg("consult convene", e ? "--expert" : "--liaison", optarg,
					    e ? &ex[*n] : &li[*n])))
				goto out;
			(e ? exp : lip)[*n] = e ? &ex[*n] : &li[*n];
			(*n)++;
			break;
		}
		case 'h':
			consult_usage(stdout);
			goto out;
		default:
			consult_usage(stderr);
			r = EXIT_USAGE;
			goto out;
		}
	}
	if (optind != argc + 1 || !m.title || !m.has_start_ms || !m.n_participants) {
		consult_usage(stderr);
		r = cli_fail(EXIT_USAGE, "consult convene: --title, --at and at least one "
					 "--participant are required");
		goto out;
	}
	if (m.has_end_ms && m.end_ms < m.start_ms) {
		r = cli_fail(EXIT_USAGE, "consult convene: --until is before --at");
		goto out;
	}
	m.participants = pp;
	m.case_ids = (char **)cases;
	m.experts = exp;
	m.liaisons = lip;
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		goto out;
	if ((r = cli_self_id(cl, self)) < 0) {
		r = cli_daemon_fail(r, "consult convene");
		goto out;
	}
	for (size_t i = 0; i < m.n_participants; i++)
		if ((r = cli_member(cl, "consult convene", "--participant", names[i])))
			goto out;
	for (size_t i = 0; i < m.n_experts + m.n_liaisons; i++)
		if ((r = cli_member(cl, "consult convene",
				    i < m.n_experts ? "--expert" : "--liaison",
				    i < m.n_experts ? ex[i].unit : li[i - m.n_experts].unit)))
			goto out;
	if (!m.consult_id) {
		cli_new_id(self, "C-", idbuf, sizeof(idbuf));
		m.consult_id = idbuf;
	}
	if (!ld_case_id_valid(m.consult_id) || strncmp(m.consult_id, self, strlen(self)) ||
	    m.consult_id[strlen(self)] != '/') {
		r = cli_fail(EXIT_USAGE, "consult convene: --id '%.80s' must be %s/LOCAL-ID",
			     m.consult_id, self);
		goto out;
	}
	/* The participants read it, and so do the units whose people it names. */
	for (size_t i = 0; i < m.n_participants; i++)
		cli_aud_add(aud, &n_aud, AUD_MAX, self, names[i]);
	for (size_t i = 0; i < m.n_experts; i++)
		cli_aud_add(aud, &n_aud, AUD_MAX, self, ex[i].unit);
	for (size_t i = 0; i < m.n_liaisons; i++)
		cli_aud_add(aud, &n_aud, AUD_MAX, self, li[i].unit);
	if (!(buf = malloc(ld__consult_convene__get_packed_size(&m) + 1))) {
		r = cli_fail(EXIT_STORE, "out of memory");
		goto out;
	}
	r = cli_sign(cl, LD__KIND__KIND_CONSULT_CONVENE, aud, n_aud, buf,
		     ld__consult_convene__pack(&m, buf), co.json, "consult",
		     json_pack("{s:s, s:i}", "consult", m.consult_id, "participants",
			       (int)m.n_participants));
	if (r == 0 && !co.json && !cli_check_only)
		printf(_("consultation %s convened with %zu participant(s)\n"), m.consult_id,
		       m.n_participants);
out:
	free(buf);
	free(agenda_file);
	ldc_destroy(&cl);
	return r;
}

enum sub { S_ATTEND, S_DECLINE, S_OPINION, S_SIGN, S_DONE, S_MINUTES };

/* "OWNER,DEADLINE,DESCRIPTION" into t (strings into 'arg', which is cut). */
static int task_arg(char *arg, Ld__ConsultMinutes__Task *t)
{
	char *c1 = strchr(arg, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
	int r;

	ld__consult_minutes__task__init(t);
	if (!c1 || !c2 || !c2[1])
		return cli_fail(EXIT_USAGE,
				"consult minutes: --task '%.80s': expected "
				"OWNER,DEADLINE,DESCRIPTION",
				arg);
	*c1 = *c2 = '\0';
	if (!ld_node_id_valid(arg))
		return cli_fail(EXIT_USAGE, "consult minutes: --task: '%.80s' is not a node id",
				arg);
	if ((r = cli_time_arg("consult minutes", "--task", c1 + 1, true, &t->due_ms)) ||
	    (r = cli_deadline_ahead("consult minutes", "--task", c1 + 1, t->due_ms)) ||
	    (r = cli_text_arg("consult minutes", "--task", c2 + 1, "description")))
		return r;
	t->owner = arg;
	t->has_due_ms = true;
	t->description = c2 + 1;
	return 0;
}

/* Every answer and the minutes: the consultation as judged gives the
 * convening (and minutes) named and the audience: the convener and every
 * participant. */
static int answer(int argc, char **argv, enum sub sub, const char *cmd)
{
	static const struct option opts[] = {
		{"reason", required_argument, NULL, 'r'},
		{"text", required_argument, NULL, 'x'},
		{"text-file", required_argument, NULL, 'X'},
		{"attendee", required_argument, NULL, 'a'},
		{"object", no_argument, NULL, 'o'},
		{"task", required_argument, NULL, 'n'},
		{"decision", required_argument, NULL, 'd'},
		{"task-case", required_argument, NULL, 'C'},
		CLI_SIGN_OPTS,
	};
	Ld__ConsultAnswer m = LD__CONSULT_ANSWER__INIT;
	Ld__ConsultMinutes mm = LD__CONSULT_MINUTES__INIT;
	Ld__ConsultMinutes__Task tasks[LD_CONSULT_TASKS_MAX], *tp[LD_CONSULT_TASKS_MAX];
	Ld__PersonRef att[LD_CONSULT_PERSONS_MAX], *attp[LD_CONSULT_PERSONS_MAX];
	Ld__EntryRef cref = LD__ENTRY_REF__INIT, mref = LD__ENTRY_REF__INIT;
	char *decisions[32], self[LD_NODE_ID_MAX + 1], *text_file = NULL;
	char cfeed[LD_NODE_ID_MAX + 1], mfeed[LD_NODE_ID_MAX + 1];
	const char *aud[AUD_MAX], *id, *what;
	size_t n_aud = 0, n_dec = 0;
	Ld__ApiResponse *resp = NULL;
	const Ld__ApiConsult *k;
	cli_common_t co = {0};
	bool object = false;
	uint8_t *buf = NULL;
	ldc_t *cl = NULL;
	size_t len;
	int c, r = 0;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		if ((c == 'r' && cli_text_arg(cmd, "--reason", optarg, "reason")) ||
		    (c == 'x' && cli_text_arg(cmd, "--text", optarg, "text")) ||
		    (c == 'd' && cli_text_arg(cmd, "--decision", optarg, "decisions"))) {
			r = EXIT_USAGE;
			goto out;
		}
		switch (c) {
		case 'r':
			m.reason = optarg;
			break;
		case 'x':
		case 'X':
			if (m.text) {
				r = cli_fail(EXIT_USAGE, "%s: give --text or --text-file once",
					     cmd);
				goto out;
			}
			if (c == 'X' &&
			    (r = cli_text_file(cmd, "--text-file", optarg, "text", &text_file)))
				goto out;
			m.text = c == 'X' ? text_file : optarg;
			break;
		case 'a':
			if (sub != S_ATTEND || m.n_attendees == LD_CONSULT_PERSONS_MAX) {
				r = cli_fail(EXIT_USAGE, "%s: --attendee is for consult attend",
					     cmd);
				goto out;
			}
			if ((r = person_arg(cmd, "--attendee", optarg, &att[m.n_attendees])))
				goto out;
			attp[m.n_attendees] = &att[m.n_attendees];
			m.n_attendees++;
			break;
		case 'o':
			object = true;
			break;
		case 'd':
			if (n_dec == 32) {
				r = cli_fail(EXIT_USAGE, "%s: at most 32 --decision", cmd);
				goto out;
			}
			decisions[n_dec++] = optarg;
			break;
		case 'n':
			if (sub == S_DONE) {
				char *end;
				unsigned long v = strtoul(optarg, &end, 10);

				if (*end || end == optarg || optarg[0] == '-' ||
				    v >= LD_CONSULT_TASKS_MAX) {
					r = cli_fail(EXIT_USAGE,
						     "%s: --task must be a task number "
						     "(0, 1, ...)",
						     cmd);
					goto out;
				}
				m.has_task = true;
				m.task = (uint32_t)v;
			} else if (mm.n_tasks == LD_CONSULT_TASKS_MAX) {
				r = cli_fail(EXIT_USAGE, "%s: at most %d --task", cmd,
					     LD_CONSULT_TASKS_MAX);
				goto out;
			} else if ((r = task_arg(optarg, &tasks[mm.n_tasks]))) {
				goto out;
			} else {
				tp[mm.n_tasks] = &tasks[mm.n_tasks];
				mm.n_tasks++;
			}
			break;
		case 'C': {
			char *eq = strchr(optarg, '=');
			unsigned long v = eq ? strtoul(optarg, NULL, 10) : 0;

			if (!eq || v >= mm.n_tasks || !ld_case_id_valid(eq + 1)) {
				r = cli_fail(EXIT_USAGE,
					     "%s: --task-case '%.80s': expected N=CASE after the "
					     "N-th --task",
					     cmd, optarg);
				goto out;
			}
			tasks[v].case_id = eq + 1;
			break;
		}
		case 'h':
			consult_usage(stdout);
			goto out;
		default:
			consult_usage(stderr);
			r = EXIT_USAGE;
			goto out;
		}
	}
	if (optind != argc || !ld_case_id_valid(argv[optind - 1])) {
		consult_usage(stderr);
		r = cli_fail(EXIT_USAGE, "%s: expected one consultation id (OWNER-NODE/LOCAL-ID)",
			     cmd);
		goto out;
	}
	id = argv[optind - 1];
	if ((sub == S_DECLINE || (sub == S_SIGN && object)) && (!m.reason || !m.reason[0])) {
		r = cli_fail(EXIT_USAGE, "%s: --reason is required", cmd);
		goto out;
	}
	if ((sub == S_OPINION || sub == S_DONE || sub == S_MINUTES) && (!m.text || !m.text[0])) {
		r = cli_fail(EXIT_USAGE, "%s: --text or --text-file is required", cmd);
		goto out;
	}
	if (sub == S_DONE && !m.has_task) {
		r = cli_fail(EXIT_USAGE, "%s: --task N is required", cmd);
		goto out;
	}
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		goto out;
	if ((r = cli_self_id(cl, self)) < 0 || ((r = fetch(cl, id, &resp)) < 0 && r != -ENOENT)) {
		r = cli_daemon_fail(r, cmd);
		goto out;
	}
	k = resp ? resp->consult : NULL;
	if (!k || !k->convened || !k->convene) {
		r = cli_fail(EXIT_NO_CASE,
			     "consultation %s is unknown here (no convening of it has reached "
			     "this node)",
			     id);
		goto out;
	}
	snprintf(cfeed, sizeof(cfeed), "%s", k->convene->feed);
	cref.feed = cfeed;
	cref.has_seq = cref.has_id = true;
	cref.seq = k->convene->seq;
	cref.id = k->convene->id;
	if (k->minutes && k->minutes->feed) {
		snprintf(mfeed, sizeof(mfeed), "%s", k->minutes->feed);
		mref.feed = mfeed;
		mref.has_seq = mref.has_id = true;
		mref.seq = k->minutes->seq;
		mref.id = k->minutes->id;
	}
	cli_aud_add(aud, &n_aud, AUD_MAX, self, k->convener);
	for (size_t i = 0; i < k->n_participants; i++)
		cli_aud_add(aud, &n_aud, AUD_MAX, self, k->participants[i]->node_id);
	if (sub == S_MINUTES) {
		mm.consult_id = (char *)id;
		mm.convene = &cref;
		mm.text = m.text;
		mm.decisions = decisions;
		mm.n_decisions = n_dec;
		mm.tasks = tp;
		for (size_t i = 0; i < k->n_participants; i++)
			if (!strcmp(k->participants[i]->attendance, "attending"))
				mm.n_attended++;
		mm.attended = calloc(mm.n_attended + 1, sizeof(char *));
		mm.n_attended = 0;
		for (size_t i = 0; mm.attended && i < k->n_participants; i++)
			if (!strcmp(k->participants[i]->attendance, "attending"))
				mm.attended[mm.n_attended++] = k->participants[i]->node_id;
		len = ld__consult_minutes__get_packed_size(&mm);
		if ((buf = malloc(len + 1)))
			ld__consult_minutes__pack(&mm, buf);
		free(mm.attended);
	} else {
		static const uint32_t codes[] = {
			LD__CONSULT_REPLY__CONSULT_REPLY_ATTEND,
			LD__CONSULT_REPLY__CONSULT_REPLY_DECLINE,
			LD__CONSULT_REPLY__CONSULT_REPLY_OPINION,
			LD__CONSULT_REPLY__CONSULT_REPLY_CONFIRM_MINUTES,
			LD__CONSULT_REPLY__CONSULT_REPLY_TASK_DONE,
		};

		m.consult_id = (char *)id;
		m.convene = &cref;
		m.has_answer = true;
		m.answer = object ? LD__CONSULT_REPLY__CONSULT_REPLY_OBJECT_MINUTES : codes[sub];
		m.minutes = mref.feed ? &mref : NULL;
		m.attendees = attp;
		if ((sub == S_SIGN || sub == S_DONE) && !m.minutes) {
			r = cli_fail(EXIT_DENIED, "%s: no minutes of consultation %s are held here",
				     cmd, id);
			goto out;
		}
		len = ld__consult_answer__get_packed_size(&m);
		if ((buf = malloc(len + 1)))
			ld__consult_answer__pack(&m, buf);
	}
	if (!buf) {
		r = cli_fail(EXIT_STORE, "out of memory");
		goto out;
	}
	what = sub == S_MINUTES ? "minutes" : object ? "objection" : cmd + strlen("consult ");
	r = cli_sign(cl,
		     sub == S_MINUTES ? LD__KIND__KIND_CONSULT_MINUTES
				      : LD__KIND__KIND_CONSULT_ANSWER,
		     aud, n_aud, buf, len, co.json, what,
		     json_pack("{s:s, s:s}", "consult", id, "answer", what));
out:
	if (resp)
		ld__api_response__free_unpacked(resp, NULL);
	free(buf);
	free(text_file);
	ldc_destroy(&cl);
	return r;
}

int cmd_consult(int argc, char **argv)
{
	static const char *const subs[] = {"attend", "decline", "opinion",
					   "sign",   "done",	"minutes"};

	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		consult_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[0], "convene"))
		return convene(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[0], subs[i])) {
			char cmd[32];

			snprintf(cmd, sizeof(cmd), "consult %s", subs[i]);
			return answer(argc - 1, argv + 1, (enum sub)i, cmd);
		}
	consult_usage(stderr);
	return cli_fail(EXIT_USAGE, "consult: unknown subcommand '%.80s'", argv[0]);
}

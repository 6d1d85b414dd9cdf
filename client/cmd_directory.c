/* client/cmd_directory.c: the liaison directory and expert pool
 * (联络员名录、专家库): `liandong directory [publish]`, and `show` of a
 * consultation, whose experts and liaison persons are resolved here from
 * the directories this node holds (the record names them by reference).
 *
 * Phone numbers are personal data: a directory is signed for every roster
 * member and nobody else (non-members and revoked members are refused at
 * the transport; a case bundle never carries a directory's content); the
 * daemon answers API_DIRECTORY only on its main socket, not on the
 * read-only one a web server uses. */
#include <ctype.h>
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

#define DIR_PEOPLE_MAX 64

static void directory_usage(FILE *f)
{
	fprintf(f, "Usage: liandong directory [--expertise TEXT] [--unit NODE] [--json]\n"
		   "       liandong directory publish [--liaison ID,ROLE,NAME,PHONE]...\n"
		   "         [--expert ID,NAME,FIELD[;FIELD...],PHONE[,ORGANISATION]]...\n"
		   "         [--note TEXT] [--check]\n"
		   "       Common: [-c CONFIG | --api EP] [--json] [--utc]\n"
		   "Each unit publishes its liaison persons (role, name, phone) and its experts\n"
		   "(fields of expertise, e.g. water sampling, ecological damage appraisal).\n"
		   "publish replaces this node's whole directory. The directory is signed for\n"
		   "every roster member and nobody else: phone numbers are personal data.\n"
		   "Consultations name people by UNIT:ID (liandong consult convene --expert).\n"
		   "directory lists every unit's directory in force; --expertise keeps the\n"
		   "experts whose field contains TEXT (any case), --unit one unit.\n"
		   "--json: {units: [{unit, feed, seq, liaisons: [...], experts: [...]}]}.\n"
		   "Exit 7: no directory matches.\n");
}

/* Every unit's directory in force, decoded: *ret (caller frees with
 * dir_free), *n. 0 or -errno. */
typedef struct dir_unit {
	char unit[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	int64_t time_ms;
	Ld__DirectoryUpdate *d;
} dir_unit_t;

static void dir_free(dir_unit_t *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ld_payload_free(u[i].d);
	free(u);
}

static int dir_fetch(ldc_t *cl, dir_unit_t **ret, size_t *ret_n)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	dir_unit_t *u;
	size_t n = 0;
	int r;

	q.has_type = true;
	q.type = LD__API_TYPE__API_DIRECTORY;
	if ((r = ldc_call(cl, &q, 10000, &resp)) < 0)
		return r;
	if (!resp->ok) {
		r = resp->err ? resp->err : -EPROTO;
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	u = calloc(resp->n_entries + 1, sizeof(*u));
	for (size_t i = 0; u && i < resp->n_entries; i++) {
		ld_entry_t *e;

		if (ld_entry_parse(resp->entries[i]->entry.data, resp->entries[i]->entry.len, &e) <
		    0)
			continue;
		u[n].d = ld_entry_payload(e, LD__KIND__KIND_DIRECTORY_UPDATE);
		if (u[n].d) {
			snprintf(u[n].unit, sizeof(u[n].unit), "%s", e->hdr->author);
			u[n].seq = e->hdr->seq;
			u[n].time_ms = e->hdr->time_ms;
			n++;
		}
		ld_entry_destroy(&e);
	}
	ld__api_response__free_unpacked(resp, NULL);
	if (!u)
		return -ENOMEM;
	*ret = u;
	*ret_n = n;
	return 0;
}

/* Does 'hay' contain 'needle', ASCII letters in any case? */
static bool contains(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);

	for (; hay && *hay; hay++) {
		size_t i = 0;

		while (i < nl && hay[i] &&
		       tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == nl)
			return true;
	}
	return nl == 0;
}

static json_t *liaison_json(const Ld__DirectoryUpdate__Liaison *l)
{
	return json_pack("{s:o, s:o, s:o, s:o}", "person", cli_json_text(l->person_id), "role",
			 cli_json_text(l->role), "name", cli_json_text(l->name), "phone",
			 cli_json_text(l->phone));
}

static json_t *expert_json(const Ld__DirectoryUpdate__Expert *x)
{
	json_t *f = json_array();

	for (size_t i = 0; i < x->n_expertise; i++)
		json_array_append_new(f, cli_json_text(x->expertise[i]));
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "person", cli_json_text(x->person_id), "name",
			 cli_json_text(x->name), "expertise", f, "organisation",
			 cli_json_opt(x->organisation), "phone", cli_json_text(x->phone));
}

static void directory_text(json_t *o)
{
	size_t i, j;
	json_t *u, *x;

	json_array_foreach(json_object_get(o, "units"), i, u)
	{
		printf(_("%s (directory %s #%lld):\n"), cli_jstr(u, "unit"), cli_jstr(u, "feed"),
		       cli_jint(u, "seq"));
		json_array_foreach(json_object_get(u, "liaisons"), j, x)
			printf(_("  liaison %s  %s  %s  %s\n"), cli_pad(cli_jstr(x, "person"), 12),
			       cli_col(cli_jstr(x, "role"), 24), cli_col(cli_jstr(x, "name"), 12),
			       cli_jstr(x, "phone"));
		json_array_foreach(json_object_get(u, "experts"), j, x)
		{
			json_t *f;
			size_t k;

			printf(_("  expert  %s  %s  %s  "), cli_pad(cli_jstr(x, "person"), 12),
			       cli_col(cli_jstr(x, "name"), 12), cli_jstr(x, "phone"));
			json_array_foreach(json_object_get(x, "expertise"), k, f)
				printf("%s%s", k ? "; " : "", cli_1l(json_string_value(f)));
			printf("\n");
		}
	}
}

static int list(int argc, char **argv)
{
	static const struct option opts[] = {
		{"expertise", required_argument, NULL, 'e'},
		{"unit", required_argument, NULL, 'u'},
		CLI_COMMON_OPTS,
	};
	const char *expertise = NULL, *unit = NULL;
	cli_common_t co = {0};
	dir_unit_t *u = NULL;
	json_t *o, *units;
	size_t n = 0;
	ldc_t *cl;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		if (c == 'e')
			expertise = optarg;
		else if (c == 'u')
			unit = optarg;
		else if (c == 'h')
			return directory_usage(stdout), 0;
		else
			return directory_usage(stderr), EXIT_USAGE;
	}
	if (optind != argc + 1)
		return directory_usage(stderr), EXIT_USAGE;
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	r = dir_fetch(cl, &u, &n);
	ldc_destroy(&cl);
	if (r < 0)
		return r == LD_EREADONLY ? cli_fail(EXIT_DENIED, "directory: %s", cli_strerror(r))
					 : cli_daemon_fail(r, "directory");
	o = json_object();
	units = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *x, *ls = json_array(), *es = json_array();

		if (unit && strcmp(unit, u[i].unit))
			continue;
		for (size_t j = 0; !expertise && j < u[i].d->n_liaisons; j++)
			json_array_append_new(ls, liaison_json(u[i].d->liaisons[j]));
		for (size_t j = 0; j < u[i].d->n_experts; j++) {
			bool match = !expertise;

			for (size_t f = 0; !match && f < u[i].d->experts[j]->n_expertise; f++)
				match = contains(u[i].d->experts[j]->expertise[f], expertise);
			if (match)
				json_array_append_new(es, expert_json(u[i].d->experts[j]));
		}
		if (expertise && !json_array_size(es)) {
			json_decref(ls);
			json_decref(es);
			continue;
		}
		x = json_pack("{s:o, s:o, s:I, s:o, s:o}", "unit", cli_json_text(u[i].unit), "feed",
			      cli_json_text(u[i].unit), "seq", (json_int_t)u[i].seq, "liaisons", ls,
			      "experts", es);
		json_array_append_new(units, x);
	}
	json_object_set_new(o, "units", units);
	dir_free(u, n);
	if (!json_array_size(units)) {
		json_decref(o);
		return cli_fail(EXIT_NO_CASE, "directory: no directory held here matches");
	}
	return cli_output(o, co.json, directory_text);
}

/* Split 'arg' at commas into at most 'max' fields (the last takes the
 * rest). Returns the number of fields. */
static size_t split(char *arg, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = arg;
	while (n < max && (arg = strchr(arg, ','))) {
		*arg++ = '\0';
		f[n++] = arg;
	}
	return n;
}

static int publish(int argc, char **argv)
{
	static const struct option opts[] = {
		{"liaison", required_argument, NULL, 'l'},
		{"expert", required_argument, NULL, 'e'},
		{"note", required_argument, NULL, 'n'},
		CLI_SIGN_OPTS,
	};
	Ld__DirectoryUpdate m = LD__DIRECTORY_UPDATE__INIT;
	Ld__DirectoryUpdate__Liaison ls[DIR_PEOPLE_MAX], *lp[DIR_PEOPLE_MAX];
	Ld__DirectoryUpdate__Expert es[DIR_PEOPLE_MAX], *ep[DIR_PEOPLE_MAX];
	char *fields_of[DIR_PEOPLE_MAX][8];
	cli_common_t co = {0};
	uint8_t *buf;
	ldc_t *cl;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		char *f[5];
		size_t nf;

		if (cli_common_opt(&co, c))
			continue;
		switch (c) {
		case 'l':
			if (m.n_liaisons == DIR_PEOPLE_MAX || (nf = split(optarg, f, 4)) != 4 ||
			    !f[0][0] || !f[3][0])
				return cli_fail(EXIT_USAGE,
						"directory publish: --liaison: expected "
						"ID,ROLE,NAME,PHONE (at most 64)");
			if (cli_text_arg("directory publish", "--liaison", f[0], "person_id") ||
			    cli_text_arg("directory publish", "--liaison", f[1], "role") ||
			    cli_text_arg("directory publish", "--liaison", f[2], "name") ||
			    cli_text_arg("directory publish", "--liaison", f[3], "phone"))
				return EXIT_USAGE;
			ld__directory_update__liaison__init(&ls[m.n_liaisons]);
			ls[m.n_liaisons].person_id = f[0];
			ls[m.n_liaisons].role = f[1];
			ls[m.n_liaisons].name = f[2];
			ls[m.n_liaisons].phone = f[3];
			lp[m.n_liaisons] = &ls[m.n_liaisons];
			m.n_liaisons++;
			break;
		case 'e': {
			Ld__DirectoryUpdate__Expert *x = &es[m.n_experts];
			char *fld;

			if (m.n_experts == DIR_PEOPLE_MAX || (nf = split(optarg, f, 5)) < 4 ||
			    !f[0][0] || !f[2][0])
				return cli_fail(EXIT_USAGE,
						"directory publish: --expert: expected "
						"ID,NAME,FIELD[;FIELD...],PHONE[,ORGANISATION] (at "
						"most 64)");
			ld__directory_update__expert__init(x);
			x->person_id = f[0];
			x->name = f[1];
			x->phone = f[3];
			x->organisation = nf == 5 ? f[4] : NULL;
			x->expertise = fields_of[m.n_experts];
			for (fld = strtok(f[2], ";"); fld && x->n_expertise < 8;
			     fld = strtok(NULL, ";"))
				x->expertise[x->n_expertise++] = fld;
			if (cli_text_arg("directory publish", "--expert", f[0], "person_id") ||
			    cli_text_arg("directory publish", "--expert", f[1], "name") ||
			    cli_text_arg("directory publish", "--expert", f[3], "phone") ||
			    (x->organisation && cli_text_arg("directory publish", "--expert",
							     x->organisation, "organisation")))
				return EXIT_USAGE;
			for (size_t i = 0; i < x->n_expertise; i++)
				if (cli_text_arg("directory publish", "--expert", x->expertise[i],
						 "expertise"))
					return EXIT_USAGE;
			ep[m.n_experts] = x;
			m.n_experts++;
			break;
		}
		case 'n':
			if (cli_text_arg("directory publish", "--note", optarg, "note"))
				return EXIT_USAGE;
			m.note = optarg;
			break;
		case 'h':
			directory_usage(stdout);
			return 0;
		default:
			directory_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc + 1 || (!m.n_liaisons && !m.n_experts)) {
		directory_usage(stderr);
		return cli_fail(EXIT_USAGE, "directory publish: give at least one --liaison or "
					    "--expert");
	}
	m.liaisons = lp;
	m.experts = ep;
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	buf = malloc(ld__directory_update__get_packed_size(&m) + 1);
	r = buf ? cli_sign(cl, LD__KIND__KIND_DIRECTORY_UPDATE, NULL, 0, buf,
			   ld__directory_update__pack(&m, buf), co.json, "directory",
			   json_pack("{s:i, s:i}", "liaisons", (int)m.n_liaisons, "experts",
				     (int)m.n_experts))
		: cli_fail(EXIT_STORE, "out of memory");
	free(buf);
	ldc_destroy(&cl);
	return r;
}

int cmd_directory(int argc, char **argv)
{
	if (argc >= 1 && !strcmp(argv[0], "publish"))
		return publish(argc - 1, argv + 1);
	/* `directory [options]`: its options start at argv[0]. */
	return list(argc, argv);
}

/* A person named by a consultation, with what this node's directories say
 * of them (or that they are not listed). */
static void person_text(const char *what, json_t *p, const dir_unit_t *u, size_t n)
{
	const char *unit = cli_jstr(p, "unit"), *id = json_object_get(p, "person")
							      ? cli_jstr(p, "person")
							      : cli_jstr(p, "person_id");

	printf("  %s %s:%s", what, unit, id);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(u[i].unit, unit))
			continue;
		for (size_t j = 0; j < u[i].d->n_liaisons; j++)
			if (u[i].d->liaisons[j]->person_id &&
			    !strcmp(u[i].d->liaisons[j]->person_id, id)) {
				printf("  %s, %s, %s\n", cli_1l(u[i].d->liaisons[j]->name),
				       cli_1l(u[i].d->liaisons[j]->role),
				       cli_1l(u[i].d->liaisons[j]->phone));
				return;
			}
		for (size_t j = 0; j < u[i].d->n_experts; j++)
			if (u[i].d->experts[j]->person_id &&
			    !strcmp(u[i].d->experts[j]->person_id, id)) {
				printf("  %s, %s, %s\n", cli_1l(u[i].d->experts[j]->name),
				       u[i].d->experts[j]->n_expertise
					       ? cli_1l(u[i].d->experts[j]->expertise[0])
					       : "",
				       cli_1l(u[i].d->experts[j]->phone));
				return;
			}
	}
	printf("  %s\n", _("(not in any directory held here)"));
}

int cli_dir_person(struct ldc *cl, const char *cmd, const char *opt, const char *unit,
		   const char *person, bool expert)
{
	dir_unit_t *u = NULL;
	size_t n = 0;
	int r = dir_fetch(cl, &u, &n);

	if (r < 0)
		return cli_daemon_fail(r, cmd);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(u[i].unit, unit))
			continue;
		for (size_t j = 0; expert && j < u[i].d->n_experts; j++)
			if (u[i].d->experts[j]->person_id &&
			    !strcmp(u[i].d->experts[j]->person_id, person))
				goto found;
		for (size_t j = 0; !expert && j < u[i].d->n_liaisons; j++)
			if (u[i].d->liaisons[j]->person_id &&
			    !strcmp(u[i].d->liaisons[j]->person_id, person))
				goto found;
		if (expert)
			r = cli_fail(EXIT_NO_CASE,
				     "%s: %s %s:%s: the directory of %s held here (#%llu) lists no "
				     "expert '%s' (liandong directory --unit %s)",
				     cmd, opt, unit, person, unit, (unsigned long long)u[i].seq,
				     person, unit);
		else
			r = cli_fail(EXIT_NO_CASE,
				     "%s: %s %s:%s: the directory of %s held here (#%llu) lists no "
				     "liaison person '%s' (liandong directory --unit %s)",
				     cmd, opt, unit, person, unit, (unsigned long long)u[i].seq,
				     person, unit);
		dir_free(u, n);
		return r;
	}
	dir_free(u, n);
	return cli_fail(EXIT_NO_CASE,
			"%s: %s %s:%s: no directory of %s is held here (it has published none, "
			"or it has not reached this node)",
			cmd, opt, unit, person, unit);
found:
	dir_free(u, n);
	return 0;
}

void cli_persons_text(struct ldc *cl, json_t *experts, json_t *liaisons)
{
	dir_unit_t *u = NULL;
	size_t n = 0, i;
	json_t *x;

	if (!json_array_size(experts) && !json_array_size(liaisons))
		return;
	/* Who they are: from the directories held here (none on the read-only
	 * socket: phone numbers are for members' own tools). */
	if (dir_fetch(cl, &u, &n) < 0)
		u = NULL, n = 0;
	json_array_foreach(experts, i, x) person_text(_("expert "), x, u, n);
	json_array_foreach(liaisons, i, x) person_text(_("liaison"), x, u, n);
	dir_free(u, n);
}

static void consult_text(json_t *o, const dir_unit_t *u, size_t n)
{
	char when[48];
	size_t i;
	json_t *x;

	printf(_("consultation %s: %s\n"), cli_jstr(o, "consult"), cli_1l(cli_jstr(o, "title")));
	cli_fmt_time(cli_jint(o, "start_ms"), when, sizeof(when));
	printf(_("  %s, convened by %s, at %s; status: %s\n"),
	       cli_term("consult kind", cli_jstr(o, "kind")),
	       cli_jtrue(o, "convened") ? cli_jstr(o, "convener") : "?", when,
	       cli_term("consult state", cli_jstr(o, "status")));
	json_array_foreach(json_object_get(o, "cases"), i, x)
		printf(_("  concerns case %s\n"), json_string_value(x));
	printf("\n%s\n", _("participants:"));
	json_array_foreach(json_object_get(o, "participants"), i, x) printf(
		"  %s %s %s %s %lld\n", cli_pad(cli_jstr(x, "node"), 20),
		cli_col(cli_term("consult role", cli_jstr(x, "role")), 9),
		cli_col(cli_term("attendance", cli_jstr(x, "attendance")), 10),
		cli_col(cli_term("signoff", cli_jstr(x, "signoff")), 14), cli_jint(x, "opinions"));
	json_array_foreach(json_object_get(o, "experts"), i, x) person_text(_("expert "), x, u, n);
	json_array_foreach(json_object_get(o, "liaisons"), i, x) person_text(_("liaison"), x, u, n);
	if (json_array_size(json_object_get(o, "tasks")))
		printf("\n%s\n", _("follow-up tasks:"));
	json_array_foreach(json_object_get(o, "tasks"), i, x)
	{
		cli_fmt_time(cli_jint(x, "due_ms"), when, sizeof(when));
		printf(_("  %zu. %s: %s (due %s)%s%s%s\n"), i, cli_jstr(x, "owner"),
		       cli_1l(cli_jstr(x, "description")), when,
		       cli_jint(x, "done_ms") ? _(", done") : "",
		       cli_jtrue(x, "overdue") ? _("  OVERDUE") : "",
		       cli_jtrue(x, "escalated") ? _(", ESCALATED") : "");
	}
	cli_timeline_text(json_object_get(o, "timeline"));
}

int cli_show_consult(struct ldc *cl, const char *id, bool json)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	dir_unit_t *u = NULL;
	size_t n = 0;
	json_t *o;
	int r;

	q.has_type = true;
	q.type = LD__API_TYPE__API_CONSULT;
	q.case_id = (char *)id;
	if ((r = ldc_call(cl, &q, 10000, &resp)) < 0)
		return cli_daemon_fail(r, "show");
	if (!resp->ok || !resp->consult) {
		r = resp->err == -ENOENT ? -ENOENT
					 : cli_fail(EXIT_STORE, "show %s: %s", id,
						    resp->message ? resp->message : _("failed"));
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	o = docs_consult(resp->consult, cli_time_flags);
	if (json) {
		r = cli_json_dump(o);
	} else {
		/* Who the people named are: from the directories held here. */
		if (dir_fetch(cl, &u, &n) < 0)
			u = NULL, n = 0;
		consult_text(o, u, n);
		dir_free(u, n);
		r = 0;
	}
	json_decref(o);
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

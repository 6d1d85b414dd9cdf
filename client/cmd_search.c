/* client/cmd_search.c: `liandong cases` (also `liandong search`): find the
 * cases this node holds by title words, party, credit code, region, status,
 * violation and time of referral (common/search.h says how each matches). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/domain/casefile.h"
#include "common/views/search.h"

static void cases_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong cases [--text TEXT] [--party NAME] [--credit-code CODE]\n"
		"                      [--region CODE] [--status STATUS] [--violation TYPE]\n"
		"                      [--since DATE] [--until DATE] [--limit N] [--json]\n"
		"                      [-c CONFIG | --api EP]\n"
		"       liandong search ...   (the same)\n"
		"Find cases this node holds, newest referral first. Options combine (AND).\n"
		"Only cases whose referral this node can read are found: a province its\n"
		"subtree's, a county those it is party to.\n"
		"  --text TEXT       every word and every run of Chinese characters of TEXT\n"
		"                    occurs in the title (letters in any case; punctuation\n"
		"                    and spaces separate); facts are not searched\n"
		"  --party NAME      likewise, in the name of a suspected party\n"
		"  --credit-code C   a party's unified social credit code (18 characters)\n"
		"  --region CODE     2 to 6 digits: the start of a GB/T 2260 code of the case\n"
		"                    (the place, a party, the referring or holding unit)\n"
		"  --status S        awaiting (answer), accepted, rejected, need-info,\n"
		"                    transferred, designated (passed on that way), or a case\n"
		"                    status from updates: filed, referred, investigating,\n"
		"                    penalty-decided, handed-to-judiciary, remediation-ordered,\n"
		"                    remediation-verified, closed\n"
		"  --violation TYPE  water, air, solid-waste, hazardous-waste, soil, noise,\n"
		"                    sand-mining, fishing-ban, ecological-damage, radiation,\n"
		"                    other\n"
		"  --since/--until   time of the case's first referral, " LD_TIME_FORMS "\n"
		"                    (a bare --until date means the end of that day)\n"
		"  --limit N         list at most N cases (default 50, at most 10000)\n"
		"  --json            an object: total (null, with at_least, when counting\n"
		"                    stopped early), rebuilding, and cases: case,\n"
		"                    referred_ms, referrer, holder, status, case_status,\n"
		"                    violation, title, party\n"
		"No case matching is not an error: exit 0, \"no case matches\" on stderr.\n");
}

static json_t *hit_json(const Ld__ApiSearchHit *h)
{
	char when[48];

	ld_time_format(h->referred_ms, cli_time_flags | LD_TIME_RFC3339, when, sizeof(when));
	return json_pack("{s:o, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "case",
			 cli_json_text(h->case_id), "referred_ms", (json_int_t)h->referred_ms,
			 "referred", when, "referrer", cli_json_opt(h->referrer), "holder",
			 cli_json_opt(h->holder), "status", cli_json_opt(h->status), "case_status",
			 cli_json_opt(h->case_status), "violation",
			 h->violation ? json_string(ld_violation_name(h->violation)) : json_null(),
			 "title", cli_json_text(h->title), "party", cli_json_opt(h->party));
}

/* The answer, built once: total (null with at_least when counting stopped
 * early), rebuilding, and the cases. */
static json_t *result_json(const Ld__ApiSearchResult *r)
{
	json_t *o = json_object(), *a = json_array();

	for (size_t i = 0; i < r->n_hits; i++)
		json_array_append_new(a, hit_json(r->hits[i]));
	json_object_set_new(o, "total",
			    r->total_known ? json_integer((json_int_t)r->total) : json_null());
	if (!r->total_known)
		json_object_set_new(o, "at_least", json_integer((json_int_t)r->total));
	json_object_set_new(o, "rebuilding", json_boolean(r->rebuilding));
	json_object_set_new(o, "cases", a);
	return o;
}

/* One line per case; what is not listed, counted. Columns by display
 * width (statuses are Chinese in zh_CN). */
static void result_text(json_t *o)
{
	json_t *cases = json_object_get(o, "cases"), *x;
	size_t i, n = json_array_size(cases);
	char when[48], st[256];

	json_array_foreach(cases, i, x)
	{
		const char *party = json_string_value(json_object_get(x, "party"));

		cli_fmt_time(cli_jint(x, "referred_ms"), when, sizeof(when));
		snprintf(st, sizeof(st), "%s%s%s",
			 cli_jstr(x, "status")[0] ? cli_term("case state", cli_jstr(x, "status"))
						  : "?",
			 cli_jstr(x, "case_status")[0] ? "/" : "",
			 cli_term("ld.CaseStatus", cli_jstr(x, "case_status")));
		printf("%s %.16s  %s %s %s%s%s%s\n", cli_pad(cli_jstr(x, "case"), 26), when,
		       cli_pad(cli_jstr(x, "holder")[0] ? cli_jstr(x, "holder") : "?", 14),
		       cli_pad(st, 24), cli_1l(cli_jstr(x, "title")), party ? "  [" : "",
		       party ? cli_1l(party) : "", party ? "]" : "");
	}
	if (json_is_integer(json_object_get(o, "total")) && (size_t)cli_jint(o, "total") > n)
		printf(_("(%zu shown of %lld matching; --limit N shows more)\n"), n,
		       cli_jint(o, "total"));
	else if (!json_is_integer(json_object_get(o, "total")))
		printf(_("(%zu shown of at least %lld matching; --limit N shows more)\n"), n,
		       cli_jint(o, "at_least"));
}

int cmd_cases(int argc, char **argv)
{
	static const struct option opts[] = {
		{"text", required_argument, NULL, 't'},
		{"party", required_argument, NULL, 'p'},
		{"credit-code", required_argument, NULL, 'C'},
		{"region", required_argument, NULL, 'g'},
		{"status", required_argument, NULL, 's'},
		{"violation", required_argument, NULL, 'v'},
		{"since", required_argument, NULL, 'S'},
		{"until", required_argument, NULL, 'u'},
		{"limit", required_argument, NULL, 'l'},
		CLI_COMMON_OPTS,
	};
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiSearchQuery sq = LD__API_SEARCH_QUERY__INIT;
	ld_search_query_t check = {0};
	const char *field, *why, *since = NULL, *until = NULL;
	Ld__ApiResponse *resp;
	cli_common_t co = {0};
	ldc_t *cl;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		switch (c) {
		case 't':
			sq.text = optarg;
			break;
		case 'p':
			sq.party = optarg;
			break;
		case 'C':
			sq.credit_code = optarg;
			break;
		case 'g':
			sq.region = optarg;
			break;
		case 's':
			sq.status = !strcmp(optarg, "awaiting") ? "awaiting answer" : optarg;
			break;
		case 'v':
			sq.violation = optarg;
			break;
		case 'S':
			since = optarg;
			if (cli_time_arg("cases", "--since", optarg, false, &sq.since_ms))
				return EXIT_USAGE;
			sq.has_since_ms = true;
			break;
		case 'u':
			until = optarg;
			if (cli_time_arg("cases", "--until", optarg, true, &sq.until_ms))
				return EXIT_USAGE;
			sq.has_until_ms = true;
			break;
		case 'l': {
			char *end;
			unsigned long l = strtoul(optarg, &end, 10);

			if (*end || !l || l > LD_SEARCH_LIMIT_MAX || optarg[0] == '-')
				return cli_fail(EXIT_USAGE,
						"cases: --limit '%s' must be 1 to "
						"10000",
						optarg);
			sq.has_limit = true;
			sq.limit = (uint32_t)l;
			break;
		}
		case 'h':
			cases_usage(stdout);
			return 0;
		default:
			cases_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc + 1) {
		cases_usage(stderr);
		return cli_fail(EXIT_USAGE,
				"cases: unexpected argument '%s' (search words go after "
				"--text)",
				argv[optind - 1]);
	}
	if (sq.credit_code && (strlen(sq.credit_code) != 18 ||
			       strspn(sq.credit_code, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						      "abcdefghijklmnopqrstuvwxyz") != 18))
		return cli_fail(EXIT_USAGE,
				"cases: --credit-code '%s' must be the 18 letters and "
				"digits of a unified social credit code",
				sq.credit_code);
	check = (ld_search_query_t){
		.text = sq.text,
		.party = sq.party,
		.credit_code = sq.credit_code,
		.region = sq.region,
		.status = sq.status,
		.violation = sq.violation,
		.since_ms = sq.since_ms,
		.until_ms = sq.until_ms,
		.limit = sq.limit,
	};
	if (ld_search_check(&check, &field, &why) < 0) {
		if (!strcmp(field, "since"))
			return cli_fail(EXIT_USAGE,
					"cases: --since '%s' is later than --until '%s'", since,
					until);
		{
			const char *names[] = {"text",	 "party",  "credit-code",
					       "region", "status", "violation"};
			const char *vals[] = {sq.text,	 sq.party,  sq.credit_code,
					      sq.region, sq.status, sq.violation};

			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (!strcmp(field, names[i]))
					return cli_fail(EXIT_USAGE, "cases: --%s '%s' %s", field,
							vals[i], _(why));
		}
		return cli_fail(EXIT_USAGE, "cases: --%s %s", field, _(why));
	}
	q.has_type = true;
	q.type = LD__API_TYPE__API_SEARCH;
	q.search = &sq;
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	r = ldc_call(cl, &q, 30000, &resp);
	ldc_destroy(&cl);
	if (r < 0)
		return cli_daemon_fail(r, "cases");
	if (!resp->ok || !resp->search) {
		r = cli_fail(resp->err == -EINVAL ? EXIT_USAGE : EXIT_STORE, "cases: %s",
			     resp->message ? resp->message : _("the daemon could not search"));
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	if (resp->search->rebuilding)
		fprintf(stderr, "liandong: %s\n",
			_("cases: note: the search index is being rebuilt (after a roster change "
			  "or an upgrade); cases may be missing until it ends"));
	if (!co.json && !resp->search->n_hits)
		fprintf(stderr, "liandong: %s\n", _("cases: no case matches"));
	r = cli_output(result_json(resp->search), co.json, result_text);
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

/* client/cmd_search.c: `liandong cases` (also `liandong search`): find the
 * cases this node holds by title words, party, credit code, region, status,
 * violation and time of referral (common/search.h says how each matches). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
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

/* Titles and names come from other units: no control characters reach the
 * terminal (the daemon already replaced bytes that are not UTF-8). */
static void put_text(const char *s)
{
	for (; s && *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

static void print_text(const Ld__ApiSearchResult *r)
{
	char when[48], st[128];

	for (size_t i = 0; i < r->n_hits; i++) {
		const Ld__ApiSearchHit *h = r->hits[i];

		cli_fmt_time(h->referred_ms, when, sizeof(when));
		snprintf(st, sizeof(st), "%s%s%s", h->status ? h->status : "?",
			 h->case_status ? "/" : "", h->case_status ? h->case_status : "");
		printf("%-26s %.16s  %-14s %-24s ", h->case_id ? h->case_id : "?", when,
		       h->holder ? h->holder : "?", st);
		put_text(h->title);
		if (h->party) {
			printf("  [");
			put_text(h->party);
			putchar(']');
		}
		putchar('\n');
	}
	if (r->total_known && r->total > r->n_hits)
		printf("(%zu shown of %llu matching; --limit N shows more)\n", r->n_hits,
		       (unsigned long long)r->total);
	else if (!r->total_known)
		printf("(%zu shown of at least %llu matching; --limit N shows more)\n", r->n_hits,
		       (unsigned long long)r->total);
}

static void json_opt(const char *name, const char *s)
{
	printf(", \"%s\": ", name);
	if (s)
		cli_json_str(stdout, s);
	else
		printf("null");
}

static void print_json(const Ld__ApiSearchResult *r)
{
	printf("{\"total\": ");
	if (r->total_known)
		printf("%llu", (unsigned long long)r->total);
	else
		printf("null, \"at_least\": %llu", (unsigned long long)r->total);
	printf(", \"rebuilding\": %s, \"cases\": [", r->rebuilding ? "true" : "false");
	for (size_t i = 0; i < r->n_hits; i++) {
		const Ld__ApiSearchHit *h = r->hits[i];
		char when[48];

		ld_time_format(h->referred_ms, cli_time_flags | LD_TIME_RFC3339, when, sizeof(when));
		printf("%s\n  {\"case\": ", i ? "," : "");
		cli_json_str(stdout, h->case_id ? h->case_id : "");
		printf(", \"referred_ms\": %lld, \"referred\": \"%s\"", (long long)h->referred_ms,
		       when);
		json_opt("referrer", h->referrer);
		json_opt("holder", h->holder);
		json_opt("status", h->status);
		json_opt("case_status", h->case_status);
		json_opt("violation", h->violation ? ld_violation_name(h->violation) : NULL);
		json_opt("title", h->title ? h->title : "");
		json_opt("party", h->party);
		printf("}");
	}
	printf("]");
	cli_json_flag(stdout);
	printf("}\n");
}

int cmd_cases(int argc, char **argv)
{
	static const struct option opts[] = {
		{"text", required_argument, NULL, 't'},   {"party", required_argument, NULL, 'p'},
		{"credit-code", required_argument, NULL, 'C'},
		{"region", required_argument, NULL, 'g'}, {"status", required_argument, NULL, 's'},
		{"violation", required_argument, NULL, 'v'},
		{"since", required_argument, NULL, 'S'},  {"until", required_argument, NULL, 'u'},
		{"limit", required_argument, NULL, 'l'},  CLI_COMMON_OPTS,
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
		case 't': sq.text = optarg; break;
		case 'p': sq.party = optarg; break;
		case 'C': sq.credit_code = optarg; break;
		case 'g': sq.region = optarg; break;
		case 's':
			sq.status = !strcmp(optarg, "awaiting") ? "awaiting answer" : optarg;
			break;
		case 'v': sq.violation = optarg; break;
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
				return cli_fail(EXIT_USAGE, "cases: --limit '%s' must be 1 to "
							    "10000", optarg);
			sq.has_limit = true;
			sq.limit = (uint32_t)l;
			break;
		}
		case 'h': cases_usage(stdout); return 0;
		default: cases_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc + 1) {
		cases_usage(stderr);
		return cli_fail(EXIT_USAGE, "cases: unexpected argument '%s' (search words go after "
					    "--text)", argv[optind - 1]);
	}
	if (sq.credit_code && (strlen(sq.credit_code) != 18 ||
			       strspn(sq.credit_code, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						      "abcdefghijklmnopqrstuvwxyz") != 18))
		return cli_fail(EXIT_USAGE, "cases: --credit-code '%s' must be the 18 letters and "
					    "digits of a unified social credit code", sq.credit_code);
	check = (ld_search_query_t){
		.text = sq.text, .party = sq.party, .credit_code = sq.credit_code,
		.region = sq.region, .status = sq.status, .violation = sq.violation,
		.since_ms = sq.since_ms, .until_ms = sq.until_ms, .limit = sq.limit,
	};
	if (ld_search_check(&check, &field, &why) < 0) {
		if (!strcmp(field, "since"))
			return cli_fail(EXIT_USAGE, "cases: --since '%s' is later than --until '%s'",
					since, until);
		{
			const char *names[] = {"text", "party", "credit-code", "region", "status",
					       "violation"};
			const char *vals[] = {sq.text, sq.party, sq.credit_code, sq.region, sq.status,
					      sq.violation};

			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (!strcmp(field, names[i]))
					return cli_fail(EXIT_USAGE, "cases: --%s '%s' %s", field,
							vals[i], why);
		}
		return cli_fail(EXIT_USAGE, "cases: --%s %s", field, why);
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
			     resp->message ? resp->message : "the daemon could not search");
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	if (resp->search->rebuilding)
		fprintf(stderr, "liandong: cases: note: the search index is being rebuilt (after a "
				"roster change or an upgrade); cases may be missing until it ends\n");
	if (co.json)
		print_json(resp->search);
	else if (resp->search->n_hits)
		print_text(resp->search);
	else
		fprintf(stderr, "liandong: cases: no case matches\n");
	ld__api_response__free_unpacked(resp, NULL);
	return 0;
}

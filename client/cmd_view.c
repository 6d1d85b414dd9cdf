/* client/cmd_view.c: `liandong view`, the unified command view: on one
 * screen, most urgent first, what a duty officer must act on. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/cli.h"
#include "client/docs.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/domain/action.h"
#include "common/base/errors.h"

static volatile sig_atomic_t stop;

static void on_sigint(int sig)
{
	stop = 1;
}

static void view_usage(FILE *f)
{
	fprintf(f, "Usage: liandong view [--json] [--watch [SECONDS]] [--region CODE]\n"
		   "                     [--status STATUS] [--kind cases|actions] [--since DATE]\n"
		   "                     [--limit N] [-c CONFIG | --api EP]\n"
		   "The command view: emergency actions and who has not acknowledged, overdue\n"
		   "items, early warnings of the last 7 days (ONGOING: still beyond the\n"
		   "limit), referrals awaiting an answer by age, active joint actions with each\n"
		   "participant's state, counts per region, and node health. A province sees\n"
		   "its whole subtree; a county what it is party to.\n"
		   "--watch refreshes in place (default every 5 s) until Ctrl-C.\n"
		   "Times are local with their offset (--utc for UTC); --since DATE: " LD_TIME_FORMS
		   ".\n"
		   "STATUS: a case status (\"awaiting answer\", accepted, ...) or active/done.\n"
		   "--limit N lists at most N cases (overdue first, then awaiting by age, then\n"
		   "the most recent others) and N finished actions; default 50, at most 10000.\n"
		   "Counts per region and the totals always cover every case held.\n");
}

/* ---- the view for people, from the same data ---- */

static void when(long long ms, char *buf, size_t n)
{
	if (ms <= 0)
		snprintf(buf, n, "-");
	else
		cli_fmt_time(ms, buf, n);
}

static bool unacknowledged(json_t *p)
{
	return !cli_jtrue(p, "acknowledged") && cli_jtrue(p, "visible");
}

static void action_text(json_t *a)
{
	const char *by = cli_jstr(a, "dispatcher");
	json_t *p;
	size_t j;
	char t[48];

	when(cli_jint(a, "ack_by_ms"), t, sizeof(t));
	printf("  %s %s %s: %s ", cli_pad(cli_jstr(a, "action"), 26),
	       cli_col(cli_term("ld.Priority", cli_jstr(a, "priority")), 9),
	       cli_term("action kind", cli_jstr(a, "kind")), cli_1l(cli_jstr(a, "title")));
	printf(_("(by %s; acknowledge by %s)\n"), by[0] ? by : "?", t);
	json_array_foreach(json_object_get(a, "participants"), j, p) printf(
		"      %s %s %s%s%s\n", cli_pad(cli_jstr(p, "node"), 20),
		cli_col(cli_term("ld.ParticipantRole", cli_jstr(p, "role")), 8),
		cli_col(unacknowledged(p) ? _("NOT ACKNOWLEDGED")
					  : cli_term("participant state", cli_jstr(p, "state")),
			16),
		cli_jtrue(p, "overdue") ? _("  OVERDUE") : "",
		cli_jtrue(p, "escalated") ? _(", ESCALATED") : "");
}

/* Active, urgent or emergency, someone has not acknowledged. */
static bool wants_ack(json_t *a)
{
	const char *prio = cli_jstr(a, "priority");
	bool unack = false;
	json_t *p;
	size_t j;

	json_array_foreach(json_object_get(a, "participants"), j, p) unack |= unacknowledged(p);
	return cli_jtrue(a, "active") && unack &&
	       (!strcmp(prio, "urgent") || !strcmp(prio, "emergency"));
}

static void none_if(bool any)
{
	if (!any)
		printf("  %s\n", _("none"));
}

/* A section's heading: "== TITLE". */
static void heading(const char *title)
{
	printf("\n== %s\n", title);
}

static void overdue_text(json_t *o)
{
	json_t *a, *p, *k;
	size_t i, j;
	bool any = false;
	char t[48];

	heading(_("OVERDUE"));
	json_array_foreach(json_object_get(o, "actions"), i, a)
		json_array_foreach(json_object_get(a, "participants"), j,
				   p) if (cli_jtrue(p, "overdue") && cli_jtrue(a, "active"))
	{
		printf("  %s %s ", cli_col(C_("overdue item", "action"), 6),
		       cli_pad(cli_jstr(a, "action"), 26));
		printf(_("%s has not acknowledged in time\n"), cli_jstr(p, "node"));
		any = true;
	}
	json_array_foreach(json_object_get(o, "cases"), i, k) if (cli_jtrue(k, "overdue"))
	{
		when(cli_jint(k, "answer_by_ms"), t, sizeof(t));
		printf("  %s %s ", cli_col(C_("overdue item", "case"), 6),
		       cli_pad(cli_jstr(k, "case"), 26));
		printf(_("%s has not answered (due %s)\n"), cli_jstr(k, "holder"), t);
		any = true;
	}
	none_if(any);
}

static void awaiting_text(json_t *o)
{
	json_t *k, *cases = json_object_get(o, "cases");
	long long now = cli_jint(o, "now_ms");
	char t[48], t2[48];
	bool any = false;
	size_t i;

	heading(_("REFERRALS AWAITING AN ANSWER (oldest first)"));
	json_array_foreach(cases, i, k)
	{
		if (!cli_jtrue(k, "awaiting"))
			continue;
		if (cli_jint(k, "referred_ms") <= 0)
			snprintf(t, sizeof(t), "-");
		else
			cli_span(now - cli_jint(k, "referred_ms"), t, sizeof(t));
		when(cli_jint(k, "answer_by_ms"), t2, sizeof(t2));
		printf("  %s %s -> %s ", cli_pad(cli_jstr(k, "case"), 26), cli_jstr(k, "referrer"),
		       cli_pad(cli_jstr(k, "holder"), 12));
		printf(_("waiting %s answer by %s"), cli_pad(t, 8), t2);
		printf("%s\n    %s\n", cli_jtrue(k, "overdue") ? _("  OVERDUE") : "",
		       cli_1l(cli_jstr(k, "title")));
		any = true;
	}
	none_if(any);
}

static void cases_text(json_t *o)
{
	json_t *k, *cases = json_object_get(o, "cases");
	bool any = false;
	size_t i;

	awaiting_text(o);
	heading(_("ACTIVE JOINT ACTIONS"));
	json_array_foreach(json_object_get(o, "actions"), i, k) if (cli_jtrue(k, "active"))
	{
		action_text(k);
		any = true;
	}
	none_if(any);
	printf("\n== ");
	printf(_("CASES (%zu shown of %lld held: %lld awaiting an answer, %lld overdue)"),
	       json_array_size(cases), cli_jint(o, "cases_total"), cli_jint(o, "cases_awaiting"),
	       cli_jint(o, "cases_overdue"));
	printf("\n");
	if (cli_jtrue(o, "rejudging"))
		printf("   %s\n", _("(summaries are being judged again after a roster change)"));
	/* One row a case; the title cut to its column (by display width: a
	 * Chinese character takes two), so what follows stays aligned. */
	json_array_foreach(cases, i, k)
		printf("  %s %s %s %s -> %s\n", cli_pad(cli_jstr(k, "case"), 26),
		       cli_col(cli_term("case state", cli_jstr(k, "status")), 16),
		       cli_col(cli_1l(cli_jstr(k, "title")), 30), cli_jstr(k, "referrer"),
		       cli_jstr(k, "holder"));
	none_if(json_array_size(cases));
}

static void regions_health_text(json_t *o)
{
	json_t *x, *health = json_object_get(o, "health");
	char t[48];
	size_t i;

	heading(_("REGIONS"));
	/* Each column's heading over its figures, by display width. */
	printf("  %s %s %s %s %s  %s\n", cli_col(_("region"), 16), cli_rpad(_("referrals out"), 14),
	       cli_rpad(_("in"), 4), cli_rpad(_("awaiting"), 9), cli_rpad(_("overdue"), 8),
	       _("median answer"));
	json_array_foreach(json_object_get(o, "regions"), i, x)
	{
		if (cli_jint(x, "median_answer_ms") < 0)
			snprintf(t, sizeof(t), "-");
		else
			cli_span(cli_jint(x, "median_answer_ms"), t, sizeof(t));
		printf("  %s %14lld %4lld %9lld %8lld  %s\n", cli_col(cli_jstr(x, "region"), 16),
		       cli_jint(x, "referrals_out"), cli_jint(x, "referrals_in"),
		       cli_jint(x, "awaiting"), cli_jint(x, "overdue"), t);
	}
	none_if(json_array_size(json_object_get(o, "regions")));
	heading(_("NODE HEALTH"));
	json_array_foreach(json_object_get(health, "peers"), i, x)
	{
		printf("  %s %s %s", cli_col(C_("health", "peer"), 4),
		       cli_pad(cli_jstr(x, "node"), 20),
		       cli_col(cli_jtrue(x, "up") ? _("UP") : _("DOWN"), 4));
		if (cli_jint(x, "behind"))
			printf(_("  %lld entries behind"), cli_jint(x, "behind"));
		printf("\n");
	}
	json_array_foreach(json_object_get(health, "alert_list"), i, x)
		printf("  %s %s\n", _("ALERT"), cli_jstr(x, "text"));
	if (!json_array_size(json_object_get(health, "alert_list")))
		printf("  %s\n", _("alerts: none"));
}

static void warnings_text(json_t *o)
{
	json_t *w;
	size_t i;
	char t[48];

	printf("\n== ");
	printf(_("EARLY WARNINGS (last 7 days: %zu, %lld still beyond the limit)"),
	       json_array_size(json_object_get(o, "warnings")), cli_jint(o, "warnings_open"));
	printf("\n");
	json_array_foreach(json_object_get(o, "warnings"), i, w)
	{
		when(cli_jint(w, "at_ms"), t, sizeof(t));
		printf("  %s %s %s %s %g %s (%s %g)", t, cli_pad(cli_jstr(w, "station_id"), 20),
		       cli_col(cli_term("ld.WarningRule", cli_jstr(w, "rule")), 10),
		       cli_jstr(w, "parameter"), json_real_value(json_object_get(w, "value")),
		       cli_jstr(w, "unit"), _("limit"),
		       json_real_value(json_object_get(w, "limit")));
		if (json_object_get(w, "upstream_station"))
			printf(_("  upstream %s: %g"), cli_jstr(w, "upstream_station"),
			       json_real_value(json_object_get(w, "upstream_value")));
		printf("%s  [%s:%lld]\n", cli_jtrue(w, "open") ? _("  ONGOING") : "",
		       cli_jstr(w, "feed"), cli_jint(w, "seq"));
	}
	none_if(json_array_size(json_object_get(o, "warnings")));
}

static void view_text(json_t *o)
{
	json_t *a;
	size_t i;
	bool any = false;
	char t[48];

	when(cli_jint(o, "now_ms"), t, sizeof(t));
	printf(_("LIANDONG COMMAND VIEW  %s  node %s\n"), t,
	       cli_jstr(o, "node")[0] ? cli_jstr(o, "node") : "?");
	heading(_("EMERGENCY AND URGENT ACTIONS NOT FULLY ACKNOWLEDGED"));
	json_array_foreach(json_object_get(o, "actions"), i, a) if (wants_ack(a))
	{
		action_text(a);
		any = true;
	}
	none_if(any);
	overdue_text(o);
	warnings_text(o);
	cases_text(o);
	regions_health_text(o);
}

int cmd_view(int argc, char **argv)
{
	static const struct option opts[] = {
		{"watch", optional_argument, NULL, 'w'},
		{"region", required_argument, NULL, 'g'},
		{"status", required_argument, NULL, 's'},
		{"kind", required_argument, NULL, 'k'},
		{"since", required_argument, NULL, 'S'},
		{"limit", required_argument, NULL, 'l'},
		CLI_COMMON_OPTS,
	};
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	cli_common_t co = {0};
	int watch = 0, r = 0, c;
	ldc_t *cl;

	q.has_type = true;
	q.type = LD__API_TYPE__API_VIEW;
	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		const char *arg = optarg;
		char *end;

		if (cli_common_opt(&co, c))
			continue;
		switch (c) {
		case 'h':
			view_usage(stdout);
			return 0;
		case 'w':
			/* --watch, --watch=S, or --watch S */
			if (!arg && optind <= argc && argv[optind - 1][0] >= '0' &&
			    argv[optind - 1][0] <= '9')
				arg = argv[optind++ - 1];
			watch = arg ? (int)strtol(arg, &end, 10) : 5;
			if (arg && (*end || watch < 1 || watch > 3600))
				return cli_fail(EXIT_USAGE,
						"view: --watch SECONDS must be 1 to 3600");
			break;
		case 'g':
			q.region = optarg;
			break;
		case 's':
			q.status = optarg;
			break;
		case 'k':
			q.has_kind = true;
			q.kind = !strcmp(optarg, "cases") ? 1 : !strcmp(optarg, "actions") ? 2 : 9;
			if (q.kind == 9)
				return cli_fail(EXIT_USAGE,
						"view: --kind must be cases or actions");
			break;
		case 'S':
			q.has_since_ms = true;
			if (cli_time_arg("view", "--since", optarg, false, &q.since_ms))
				return EXIT_USAGE;
			break;
		case 'l': {
			unsigned long l = strtoul(optarg, &end, 10);

			if (*end || !l || l > 10000 || optarg[0] == '-')
				return cli_fail(EXIT_USAGE,
						"view: --limit '%.20s' must be 1 to 10000", optarg);
			q.has_limit = true;
			q.limit = (uint32_t)l;
			break;
		}
		default:
			view_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc + 1) {
		view_usage(stderr);
		return cli_fail(EXIT_USAGE, "view: unexpected argument '%.80s'", argv[optind - 1]);
	}
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	if (watch)
		signal(SIGINT, on_sigint);
	do {
		Ld__ApiResponse *resp;

		r = ldc_call(cl, &q, 30000, &resp);
		if (r < 0) {
			r = cli_daemon_fail(r, "view");
			break;
		}
		if (!resp->ok || !resp->view) {
			r = cli_fail(EXIT_STORE, "view: %s",
				     resp->message ? resp->message : "failed");
			ld__api_response__free_unpacked(resp, NULL);
			break;
		}
		/* Redraw in place, on a terminal only: a file or a pipe gets
		 * one view after the other. */
		if (watch && !co.json && !cli_tty_raw(stdout, "\033[H\033[2J"))
			printf("\n");
		r = cli_output(docs_view(resp->view), co.json, view_text);
		fflush(stdout);
		ld__api_response__free_unpacked(resp, NULL);
		if (r)
			break;
		for (int s = 0; watch && !stop && s < watch * 10; s++)
			usleep(100000);
	} while (watch && !stop);
	ldc_destroy(&cl);
	return r;
}

/* client/cmd_view.c: `liandong view`, the unified command view: on one
 * screen, most urgent first, what a duty officer must act on. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/cli.h"
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
	fprintf(f,
		"Usage: liandong view [--json] [--watch [SECONDS]] [--region CODE]\n"
		"                     [--status STATUS] [--kind cases|actions] [--since DATE]\n"
		"                     [--limit N] [-c CONFIG | --api EP]\n"
		"The command view: emergency actions and who has not acknowledged, overdue\n"
		"items, referrals awaiting an answer by age, active joint actions with each\n"
		"participant's state, counts per region, and node health. A province sees\n"
		"its whole subtree; a county what it is party to.\n"
		"--watch refreshes in place (default every 5 s) until Ctrl-C.\n"
		"Times are local with their offset (--utc for UTC); --since DATE: "
		LD_TIME_FORMS ".\n"
		"STATUS: a case status (\"awaiting answer\", accepted, ...) or active/done.\n"
		"--limit N lists at most N cases (overdue first, then awaiting by age, then\n"
		"the most recent others) and N finished actions; default 50, at most 10000.\n"
		"Counts per region and the totals always cover every case held.\n");
}

static void ago(int64_t now, int64_t t, char *buf, size_t n)
{
	if (t <= 0)
		snprintf(buf, n, "-");
	else
		ld_span_format(now - t, buf, n);
}

static void when(int64_t ms, char *buf, size_t n)
{
	if (ms <= 0)
		snprintf(buf, n, "-");
	else
		cli_fmt_time(ms, buf, n);
}

static void print_action(const Ld__ApiViewAction *a, int64_t now)
{
	char t[48];

	when(a->ack_by_ms, t, sizeof(t));
	printf("  %-26s %-9s %s: %s (by %s; acknowledge by %s)\n", a->action_id,
	       ld_priority_name(a->priority), ld_action_kind_name(a->kind),
	       cli_1l(a->title), a->dispatcher ? a->dispatcher : "?", t);
	for (size_t j = 0; j < a->n_participants; j++) {
		const Ld__ApiParticipant *p = a->participants[j];

		printf("      %-20s %-8s %-16s%s%s\n", p->node_id, ld_role_name(p->role),
		       p->not_visible || p->ack_ms ? p->state : "NOT ACKNOWLEDGED",
		       p->overdue ? "  OVERDUE" : "", p->escalated ? ", ESCALATED" : "");
	}
}

static void print_text(const Ld__ApiView *v)
{
	char t[48], t2[48];
	bool any;

	when(v->now_ms, t, sizeof(t));
	printf("LIANDONG COMMAND VIEW  %s  node %s\n", t,
	       v->health && v->health->node_id ? v->health->node_id : "?");

	printf("\n== EMERGENCY AND URGENT ACTIONS NOT FULLY ACKNOWLEDGED\n");
	any = false;
	for (size_t i = 0; i < v->n_actions; i++) {
		const Ld__ApiViewAction *a = v->actions[i];
		bool unack = false;

		for (size_t j = 0; j < a->n_participants; j++)
			unack |= !a->participants[j]->ack_ms && !a->participants[j]->not_visible;
		if (a->active && unack && a->priority >= 2) {
			print_action(a, v->now_ms);
			any = true;
		}
	}
	if (!any)
		printf("  none\n");

	printf("\n== OVERDUE\n");
	any = false;
	for (size_t i = 0; i < v->n_actions; i++)
		for (size_t j = 0; j < v->actions[i]->n_participants; j++)
			if (v->actions[i]->participants[j]->overdue && v->actions[i]->active) {
				printf("  action %-26s %s has not acknowledged in time\n",
				       v->actions[i]->action_id, v->actions[i]->participants[j]->node_id);
				any = true;
			}
	for (size_t i = 0; i < v->n_cases; i++)
		if (v->cases[i]->overdue) {
			when(v->cases[i]->answer_by_ms, t, sizeof(t));
			printf("  case   %-26s %s has not answered (due %s)\n", v->cases[i]->case_id,
			       v->cases[i]->holder, t);
			any = true;
		}
	if (!any)
		printf("  none\n");

	printf("\n== REFERRALS AWAITING AN ANSWER (oldest first)\n");
	any = false;
	for (size_t i = 0; i < v->n_cases; i++) {
		const Ld__ApiViewCase *k = v->cases[i];

		if (strcmp(k->status, "awaiting answer") != 0)
			continue;
		ago(v->now_ms, k->referred_ms, t, sizeof(t));
		when(k->answer_by_ms, t2, sizeof(t2));
		printf("  %-26s %s -> %-12s waiting %-8s answer by %s%s\n    %s\n", k->case_id,
		       k->referrer, k->holder, t, t2, k->overdue ? "  OVERDUE" : "",
		       cli_1l(k->title));
		any = true;
	}
	if (!any)
		printf("  none\n");

	printf("\n== ACTIVE JOINT ACTIONS\n");
	any = false;
	for (size_t i = 0; i < v->n_actions; i++)
		if (v->actions[i]->active) {
			print_action(v->actions[i], v->now_ms);
			any = true;
		}
	if (!any)
		printf("  none\n");

	printf("\n== CASES (%zu shown of %llu held: %llu awaiting an answer, %llu overdue)%s\n",
	       v->n_cases, (unsigned long long)v->cases_total,
	       (unsigned long long)v->cases_awaiting, (unsigned long long)v->cases_overdue,
	       v->rejudging ? "\n   (summaries are being judged again after a roster change)" : "");
	for (size_t i = 0; i < v->n_cases; i++)
		printf("  %-26s %-16s %s -> %s\n", v->cases[i]->case_id, v->cases[i]->status,
		       v->cases[i]->referrer, v->cases[i]->holder);
	if (!v->n_cases)
		printf("  none\n");

	printf("\n== REGIONS          referrals out  in  awaiting  overdue  median answer\n");
	for (size_t i = 0; i < v->n_regions; i++) {
		const Ld__ApiViewRegion *r = v->regions[i];

		if (r->median_answer_ms < 0)
			snprintf(t, sizeof(t), "-");
		else
			ld_span_format(r->median_answer_ms, t, sizeof(t));
		printf("  %-16s %14u %4u %9u %8u  %s\n", r->region, r->referrals_out, r->referrals_in,
		       r->awaiting, r->overdue, t);
	}
	if (!v->n_regions)
		printf("  none\n");

	printf("\n== NODE HEALTH\n");
	if (v->health) {
		const Ld__ApiStatus *h = v->health;

		for (size_t i = 0; i < h->n_peers; i++) {
			size_t lag = 0;

			for (size_t j = 0; j < h->peers[i]->n_lag; j++)
				if (h->peers[i]->lag[j]->peer_seq > h->peers[i]->lag[j]->local_seq)
					lag += h->peers[i]->lag[j]->peer_seq - h->peers[i]->lag[j]->local_seq;
			printf("  peer %-20s %-4s%s", h->peers[i]->node_id,
			       h->peers[i]->up ? "UP" : "DOWN", lag ? "" : "\n");
			if (lag)
				printf("  %zu entries behind\n", lag);
		}
		for (size_t i = 0; i < h->n_alerts; i++)
			printf("  ALERT %s\n", h->alerts[i]->text ? h->alerts[i]->text : "");
		if (!h->n_alerts)
			printf("  alerts: none\n");
	}
}

static void print_json(const Ld__ApiView *v)
{
	printf("{\"now_ms\": %lld, \"node\": \"%s\", \"actions\": [", (long long)v->now_ms,
	       v->health && v->health->node_id ? v->health->node_id : "");
	for (size_t i = 0; i < v->n_actions; i++) {
		const Ld__ApiViewAction *a = v->actions[i];

		printf("%s\n  {\"action\": ", i ? "," : "");
		cli_json_str(stdout, a->action_id);
		printf(", \"priority\": \"%s\", \"kind\": \"%s\", \"active\": %s, \"dispatcher\": \"%s\", "
		       "\"ack_by_ms\": %lld, \"title\": ", ld_priority_name(a->priority),
		       ld_action_kind_name(a->kind), a->active ? "true" : "false",
		       a->dispatcher ? a->dispatcher : "", (long long)a->ack_by_ms);
		cli_json_str(stdout, a->title ? a->title : "");
		printf(", \"not_visible\": %u, \"participants\": [", a->not_visible);
		for (size_t j = 0; j < a->n_participants; j++)
			printf("%s{\"node\": \"%s\", \"role\": \"%s\", \"state\": \"%s\", "
			       "\"acknowledged\": %s, \"overdue\": %s, \"escalated\": %s%s}",
			       j ? ", " : "", a->participants[j]->node_id,
			       ld_role_name(a->participants[j]->role), a->participants[j]->state,
			       a->participants[j]->ack_ms ? "true" : "false",
			       a->participants[j]->overdue ? "true" : "false",
			       a->participants[j]->escalated ? "true" : "false",
			       a->participants[j]->not_visible ? ", \"visible\": false" : "");
		printf("]}");
	}
	printf("],\n \"cases\": [");
	for (size_t i = 0; i < v->n_cases; i++) {
		const Ld__ApiViewCase *k = v->cases[i];

		printf("%s\n  {\"case\": ", i ? "," : "");
		cli_json_str(stdout, k->case_id);
		printf(", \"status\": ");
		cli_json_str(stdout, k->status);
		printf(", \"referrer\": \"%s\", \"holder\": \"%s\", \"referred_ms\": %lld, "
		       "\"answer_by_ms\": %lld, \"answered_ms\": %lld, \"overdue\": %s, \"title\": ",
		       k->referrer, k->holder, (long long)k->referred_ms, (long long)k->answer_by_ms,
		       (long long)k->answered_ms, k->overdue ? "true" : "false");
		cli_json_str(stdout, k->title ? k->title : "");
		printf("}");
	}
	printf("],\n \"cases_total\": %llu, \"cases_awaiting\": %llu, \"cases_overdue\": %llu, "
	       "\"rejudging\": %s,", (unsigned long long)v->cases_total,
	       (unsigned long long)v->cases_awaiting, (unsigned long long)v->cases_overdue,
	       v->rejudging ? "true" : "false");
	printf("\n \"regions\": [");
	for (size_t i = 0; i < v->n_regions; i++)
		printf("%s\n  {\"region\": \"%s\", \"referrals_out\": %u, \"referrals_in\": %u, "
		       "\"awaiting\": %u, \"overdue\": %u, \"median_answer_ms\": %lld}", i ? "," : "",
		       v->regions[i]->region, v->regions[i]->referrals_out, v->regions[i]->referrals_in,
		       v->regions[i]->awaiting, v->regions[i]->overdue,
		       (long long)v->regions[i]->median_answer_ms);
	printf("],\n \"health\": {\"peers\": [");
	for (size_t i = 0; v->health && i < v->health->n_peers; i++)
		printf("%s{\"node\": \"%s\", \"up\": %s}", i ? ", " : "", v->health->peers[i]->node_id,
		       v->health->peers[i]->up ? "true" : "false");
	printf("], \"alerts\": %zu}", v->health ? v->health->n_alerts : 0);
	cli_json_flag(stdout);
	printf("}\n");
}

int cmd_view(int argc, char **argv)
{
	static const struct option opts[] = {
		{"watch", optional_argument, NULL, 'w'}, {"region", required_argument, NULL, 'g'},
		{"status", required_argument, NULL, 's'}, {"kind", required_argument, NULL, 'k'},
		{"since", required_argument, NULL, 'S'},  {"limit", required_argument, NULL, 'l'},
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
		case 'h': view_usage(stdout); return 0;
		case 'w':
			/* --watch, --watch=S, or --watch S */
			if (!arg && optind <= argc && argv[optind - 1][0] >= '0' &&
			    argv[optind - 1][0] <= '9')
				arg = argv[optind++ - 1];
			watch = arg ? (int)strtol(arg, &end, 10) : 5;
			if (arg && (*end || watch < 1 || watch > 3600))
				return cli_fail(EXIT_USAGE, "view: --watch SECONDS must be 1 to 3600");
			break;
		case 'g': q.region = optarg; break;
		case 's': q.status = optarg; break;
		case 'k':
			q.has_kind = true;
			q.kind = !strcmp(optarg, "cases") ? 1 : !strcmp(optarg, "actions") ? 2 : 9;
			if (q.kind == 9)
				return cli_fail(EXIT_USAGE, "view: --kind must be cases or actions");
			break;
		case 'S':
			q.has_since_ms = true;
			if (cli_time_arg("view", "--since", optarg, false, &q.since_ms))
				return EXIT_USAGE;
			break;
		case 'l': {
			unsigned long l = strtoul(optarg, &end, 10);

			if (*end || !l || l > 10000 || optarg[0] == '-')
				return cli_fail(EXIT_USAGE, "view: --limit '%.20s' must be 1 to 10000",
						optarg);
			q.has_limit = true;
			q.limit = (uint32_t)l;
			break;
		}
		default: view_usage(stderr); return EXIT_USAGE;
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
			r = cli_fail(EXIT_STORE, "view: %s", resp->message ? resp->message : "failed");
			ld__api_response__free_unpacked(resp, NULL);
			break;
		}
		/* Redraw in place, on a terminal only: a file or a pipe gets
		 * one view after the other. */
		if (watch && !co.json && !cli_tty_raw(stdout, "\033[H\033[2J"))
			printf("\n");
		if (co.json)
			print_json(resp->view);
		else
			print_text(resp->view);
		fflush(stdout);
		ld__api_response__free_unpacked(resp, NULL);
		for (int s = 0; watch && !stop && s < watch * 10; s++)
			usleep(100000);
	} while (watch && !stop);
	ldc_destroy(&cl);
	return r;
}

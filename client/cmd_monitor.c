/* client/cmd_monitor.c: monitoring data and early warning (智能预警):
 * `liandong monitor add-station|push|show|stations` and `liandong warnings`.
 *
 * A station (or section, 断面) is published by the unit that runs it, with
 * its id "UNIT/LOCAL"; its readings are pushed from the CSV files stations
 * export, batched into one signed entry per station and interval (an hour
 * by default). Stations and readings are for every roster member (the data
 * the regions pool); warnings are signed by the daemon of the station's
 * unit (server/monitor.c) and addressed to the units upstream and
 * downstream. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/cli.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/base/errors.h"
#include "common/base/text.h"
#include "common/domain/standards.h"
#include "common/feed/entry.h"
#include "common/feed/kinds.h"
#include "common/feed/pbjson.h"
#include "common/views/monitor.h"
#include "monitor.pb-c.h"

#define LIMITS_MAX 32
#define UPSTREAM_MAX 8
#define NOTIFY_MAX 8
#define PARAMS_MAX 32

static void monitor_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong monitor add-station --id ID --name NAME --region CODE\n"
		"                 --medium water|air [--class N] [--basin NAME] [--border]\n"
		"                 [--upstream STATION]... [--lat DEG --lon DEG]\n"
		"                 [--limit PARAM=MAX | PARAM=MIN..MAX]... [--jump RATIO]\n"
		"                 [--notify NODE]... [-c CONFIG | --api EP] [--json]\n"
		"       liandong monitor push STATION [FILE | -] [--batch SECONDS] [--json]\n"
		"       liandong monitor show STATION [--from DATE] [--to DATE] [--json]\n"
		"       liandong monitor stations [--json]\n"
		"Monitoring stations and sections (监测站点、断面) and their readings, shared\n"
		"with every roster member; the unit that runs a station signs an early\n"
		"warning (预警) when a reading breaks its limit, when it does so while a\n"
		"section upstream is within it (上下游比对), or jumps above its recent\n"
		"baseline: once per episode (liandong warnings).\n"
		"add-station: ID is LOCAL or THIS-NODE/LOCAL; publishing it again replaces it.\n"
		"  --class N       the class the section must meet: GB 3838-2002 I..V (1-5) for\n"
		"                  water (default 3), GB 3095-2012 1 or 2 for air (default 2)\n"
		"  --upstream S    a station upstream of this one (another unit's too):\n"
		"                  compared with it, and its unit is warned\n"
		"  --limit P=MAX   this section's own limit of parameter P (overrides the\n"
		"                  standard's); P=MIN..MAX a range, P=MIN.. a minimum\n"
		"  --jump RATIO    warn when a reading exceeds the baseline x (1 + RATIO)\n"
		"                  (default 1: double the recent mean)\n"
		"  --notify NODE   a further unit to warn\n"
		"push: readings from a CSV file (or standard input), either long:\n"
		"    time,parameter,value,unit[,flag]\n"
		"  or wide, as automatic stations export them:\n"
		"    time,COD(mg/L),NH3-N(mg/L),pH\n"
		"  time: " LD_TIME_FORMS " or Unix ms; flag: 0/N valid, else not judged\n"
		"  (HJ 212: T over range, M maintenance, C calibration, D fault). One entry\n"
		"  per --batch seconds (default 3600); a header line is required.\n"
		"  Parameters: pH DO CODMn COD BOD5 NH3-N TP TN ... (water), SO2 NO2 CO O3\n"
		"  PM10 PM2.5 (air), Chinese names too (氨氮, 总磷, ...); others are kept\n"
		"  and judged only against --limit.\n"
		"show: the station, each parameter's latest value (and the limit it breaks),\n"
		"  and its readings in [--from, --to] (default: the last 24 hours).\n"
		"--json: add-station and push print what was signed; show {station, params,\n"
		"  readings}; stations a list.\n");
}

static void warnings_usage(FILE *f)
{
	fprintf(f, "Usage: liandong warnings [--since DATE] [--limit N] [-c CONFIG | --api EP] "
		   "[--json]\n"
		   "The early warnings (预警) this node holds, newest first: station, parameter,\n"
		   "value against its limit, the rule (threshold 超标, upstream comparison\n"
		   "上下游比对, jump 突变), the upstream reading compared, and the readings\n"
		   "entry. A province holds its subtree's; a unit those addressed to it.\n"
		   "--since: readings at or after DATE (" LD_TIME_FORMS "; default: all)\n"
		   "--limit N: at most N (default 100).\n");
}

/* ---- reading the daemon ---- */

static int monitor_call(struct ldc *cl, uint32_t op, const char *station, int64_t since,
			int64_t until, uint32_t limit, Ld__ApiResponse **ret)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	int r;

	q.has_type = q.has_monitor_op = true;
	q.type = LD__API_TYPE__API_MONITOR;
	q.monitor_op = op;
	q.station = (char *)station;
	if (since != INT64_MIN) {
		q.has_since_ms = true;
		q.since_ms = since;
	}
	if (until != INT64_MAX) {
		q.has_until_ms = true;
		q.until_ms = until;
	}
	if (limit) {
		q.has_limit = true;
		q.limit = limit;
	}
	if ((r = ldc_call(cl, &q, 30000, ret)) < 0)
		return cli_daemon_fail(r, "monitor");
	if (!(*ret)->ok) {
		r = (*ret)->err == -ENOENT ? EXIT_NO_CASE : EXIT_USAGE;
		cli_fail(r, "%s", (*ret)->message ? (*ret)->message : cli_strerror((*ret)->err));
		ld__api_response__free_unpacked(*ret, NULL);
		*ret = NULL;
		return r;
	}
	return 0;
}

static json_t *pb_json(const void *m)
{
	bool invalid = false;
	json_t *o = ld_pb_json(m, cli_time_flags, &invalid);

	if (invalid)
		cli_json_note_invalid();
	return o;
}

/* An entry of the answer, decoded with its payload as JSON (pbjson). */
static json_t *entry_json(const Ld__ApiEntry *ae, uint32_t kind, void **ret_msg)
{
	ld_entry_t *e = NULL;
	json_t *o = NULL;
	void *m;

	*ret_msg = NULL;
	if (!ae->has_entry || ld_entry_parse(ae->entry.data, ae->entry.len, &e) < 0)
		return NULL;
	if ((m = ld_entry_payload(e, kind))) {
		o = pb_json(m);
		if (o) {
			json_object_set_new(o, "feed", json_string(e->hdr->author));
			json_object_set_new(o, "seq", json_integer((json_int_t)e->hdr->seq));
		}
		*ret_msg = m;
	}
	ld_entry_destroy(&e);
	return o;
}

/* ---- add-station ---- */

static int parse_limit(const char *arg, Ld__MonitorLimit *l, char *param, size_t n)
{
	const char *eq = strchr(arg, '='), *dots;
	char *end;

	if (!eq || eq == arg || (size_t)(eq - arg) >= n)
		return -EINVAL;
	memcpy(param, arg, (size_t)(eq - arg));
	param[eq - arg] = '\0';
	l->parameter = param;
	if ((dots = strstr(eq + 1, ".."))) {
		if (dots > eq + 1) {
			l->min = strtod(eq + 1, &end);
			if (end != dots)
				return -EINVAL;
			l->has_min = true;
		}
		if (dots[2]) {
			l->max = strtod(dots + 2, &end);
			if (*end)
				return -EINVAL;
			l->has_max = true;
		}
	} else {
		l->max = strtod(eq + 1, &end);
		if (end == eq + 1 || *end)
			return -EINVAL;
		l->has_max = true;
	}
	return l->has_min || l->has_max ? 0 : -EINVAL;
}

static int add_station(int argc, char **argv)
{
	static const struct option opts[] = {{"id", required_argument, NULL, 'i'},
					     {"name", required_argument, NULL, 'n'},
					     {"region", required_argument, NULL, 'r'},
					     {"medium", required_argument, NULL, 'm'},
					     {"class", required_argument, NULL, 'C'},
					     {"basin", required_argument, NULL, 'b'},
					     {"border", no_argument, NULL, 'B'},
					     {"upstream", required_argument, NULL, 'u'},
					     {"lat", required_argument, NULL, 'y'},
					     {"lon", required_argument, NULL, 'x'},
					     {"limit", required_argument, NULL, 'l'},
					     {"jump", required_argument, NULL, 'J'},
					     {"notify", required_argument, NULL, 'N'},
					     CLI_SIGN_OPTS};
	Ld__MonitorStation m = LD__MONITOR_STATION__INIT;
	Ld__MonitorLimit lim[LIMITS_MAX], *limp[LIMITS_MAX];
	char lim_param[LIMITS_MAX][LD_MON_PARAM_MAX], self[65], id[LD_CASE_ID_MAX + 1];
	const char *up[UPSTREAM_MAX], *notify[NOTIFY_MAX], *local = NULL;
	cli_common_t co = {0};
	struct ldc *cl = NULL;
	Ld__AppendItem item = LD__APPEND_ITEM__INIT;
	const Ld__AppendItem *items[] = {&item};
	ldc_ref_t ref;
	char *msg = NULL, *end, hex[65];
	uint8_t *buf = NULL;
	size_t len;
	json_t *o;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		switch (c) {
		case 'i':
			local = optarg;
			break;
		case 'n':
			if ((r = cli_text_arg("monitor add-station", "--name", optarg, "name")))
				return r;
			m.name = optarg;
			break;
		case 'r':
			if (strlen(optarg) != 6 || strspn(optarg, "0123456789") != 6)
				return cli_fail(EXIT_USAGE,
						"monitor add-station: --region must be a 6-digit "
						"GB/T 2260 code: '%s'",
						optarg);
			m.region_code = optarg;
			break;
		case 'm':
			m.has_medium = true;
			if (!strcmp(optarg, "water"))
				m.medium = LD__MEDIUM__MEDIUM_SURFACE_WATER;
			else if (!strcmp(optarg, "air"))
				m.medium = LD__MEDIUM__MEDIUM_AIR;
			else
				return cli_fail(EXIT_USAGE,
						"monitor add-station: --medium must be water or "
						"air: '%s'",
						optarg);
			break;
		case 'C':
			m.has_water_class = true;
			m.water_class = (uint32_t)strtoul(optarg, &end, 10);
			if (*end || m.water_class < 1 || m.water_class > 5)
				return cli_fail(EXIT_USAGE,
						"monitor add-station: --class must be 1 to 5: '%s'",
						optarg);
			break;
		case 'b':
			if ((r = cli_text_arg("monitor add-station", "--basin", optarg, "basin")))
				return r;
			m.basin = optarg;
			break;
		case 'B':
			m.has_border = m.border = true;
			break;
		case 'u':
			if (m.n_upstream >= UPSTREAM_MAX || !ld_case_id_valid(optarg) ||
			    !strchr(optarg, '/'))
				return cli_fail(EXIT_USAGE,
						"monitor add-station: --upstream must be a station "
						"id UNIT/LOCAL (at most %d): '%s'",
						UPSTREAM_MAX, optarg);
			up[m.n_upstream++] = optarg;
			break;
		case 'y':
		case 'x': {
			double d = strtod(optarg, &end);

			if (*end || end == optarg || fabs(d) > (c == 'y' ? 90 : 180))
				return cli_fail(EXIT_USAGE,
						"monitor add-station: --%s must be degrees: '%s'",
						c == 'y' ? "lat" : "lon", optarg);
			if (c == 'y') {
				m.has_lat_e6 = true;
				m.lat_e6 = (int32_t)lround(d * 1e6);
			} else {
				m.has_lon_e6 = true;
				m.lon_e6 = (int32_t)lround(d * 1e6);
			}
			break;
		}
		case 'l':
			if (m.n_limits >= LIMITS_MAX)
				return cli_fail(EXIT_USAGE,
						"monitor add-station: at most %d --limit",
						LIMITS_MAX);
			ld__monitor_limit__init(&lim[m.n_limits]);
			if (parse_limit(optarg, &lim[m.n_limits], lim_param[m.n_limits],
					sizeof(lim_param[0])) < 0)
				return cli_fail(EXIT_USAGE,
						"monitor add-station: --limit must be PARAM=MAX, "
						"PARAM=MIN..MAX or PARAM=MIN..: '%s'",
						optarg);
			limp[m.n_limits] = &lim[m.n_limits];
			m.n_limits++;
			break;
		case 'J':
			m.has_jump_ratio = true;
			m.jump_ratio = strtod(optarg, &end);
			if (*end || !(m.jump_ratio > 0))
				return cli_fail(
					EXIT_USAGE,
					"monitor add-station: --jump must be a ratio above 0: "
					"'%s'",
					optarg);
			break;
		case 'N':
			if (m.n_notify >= NOTIFY_MAX || !ld_node_id_valid(optarg))
				return cli_fail(
					EXIT_USAGE,
					"monitor add-station: --notify must be a node id (at "
					"most %d): '%s'",
					NOTIFY_MAX, optarg);
			notify[m.n_notify++] = optarg;
			break;
		case 'h':
			monitor_usage(stdout);
			return 0;
		default:
			monitor_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!local || !m.name || !m.region_code || !m.has_medium || optind != argc) {
		monitor_usage(stderr);
		return cli_fail(EXIT_USAGE, "monitor add-station: --id, --name, --region and "
					    "--medium are required");
	}
	if ((r = cli_connect(co.api, co.conf, &cl)))
		return r;
	if ((r = cli_self_id(cl, self)) < 0) {
		r = cli_daemon_fail(r, "whoami");
		goto out;
	}
	if (strchr(local, '/'))
		snprintf(id, sizeof(id), "%s", local);
	else
		snprintf(id, sizeof(id), "%s/%s", self, local);
	if (!ld_case_id_valid(id) || strncmp(id, self, strlen(self)) || id[strlen(self)] != '/') {
		r = cli_fail(EXIT_USAGE,
			     "monitor add-station: --id must be LOCAL or %s/LOCAL (letters, "
			     "digits, . _ -): '%s'",
			     self, local);
		goto out;
	}
	for (size_t i = 0; i < m.n_notify; i++)
		if ((r = cli_member(cl, "monitor add-station", "--notify", notify[i])))
			goto out;
	m.station_id = id;
	m.upstream = (char **)up;
	m.notify = (char **)notify;
	m.limits = limp;
	len = ld__monitor_station__get_packed_size(&m);
	if (!(buf = malloc(len))) {
		r = cli_fail(EXIT_STORE, "out of memory");
		goto out;
	}
	ld__monitor_station__pack(&m, buf);
	item.has_kind = item.has_payload = item.has_everyone = true;
	item.kind = LD__KIND__KIND_MONITOR_STATION;
	item.everyone = true;
	item.payload.data = buf;
	item.payload.len = len;
	r = cli_check_only ? ldc_check(cl, items, 1, &msg) : ldc_append(cl, items, 1, &ref, &msg);
	if (r < 0) {
		r = cli_sign_fail(r, msg, "station");
		goto out;
	}
	if (cli_check_only) {
		r = 0;
		goto out;
	}
	o = json_pack("{s:s, s:I, s:s, s:o}", "feed", ref.feed, "seq", (json_int_t)ref.seq, "id",
		      ld_hex(ref.id, 32, hex), "station", cli_json_text(id));
	if (co.json) {
		r = cli_json_dump(o);
	} else {
		printf(_("station %s published as %s #%llu\n"), id, ref.feed,
		       (unsigned long long)ref.seq);
		r = 0;
	}
	json_decref(o);
out:
	free(msg);
	free(buf);
	ldc_destroy(&cl);
	return r;
}

/* ---- push ---- */

typedef struct series {
	char param[LD_MON_PARAM_MAX], unit[16];
	uint32_t *off;
	double *val;
	uint32_t *flag;
	size_t n, cap;
} series_t;

typedef struct batch {
	int64_t start;
	series_t s[PARAMS_MAX];
	size_t n_s;
} batch_t;

typedef struct push {
	batch_t *b;
	size_t n_b, cap_b;
	int64_t period_ms;
	size_t readings, lineno;
	int64_t t_min, t_max;
	const char *file;
} push_t;

static batch_t *batch_for(push_t *p, int64_t t)
{
	int64_t start = t - (((t % p->period_ms) + p->period_ms) % p->period_ms);

	for (size_t i = p->n_b; i-- > 0;)
		if (p->b[i].start == start)
			return &p->b[i];
	if (p->n_b == p->cap_b) {
		size_t cap = p->cap_b ? 2 * p->cap_b : 16;
		batch_t *nb = realloc(p->b, cap * sizeof(*nb));

		if (!nb)
			return NULL;
		p->b = nb;
		p->cap_b = cap;
	}
	memset(&p->b[p->n_b], 0, sizeof(p->b[0]));
	p->b[p->n_b].start = start;
	return &p->b[p->n_b++];
}

static int add_reading(push_t *p, int64_t t, const char *param, const char *unit, double v,
		       uint32_t flag)
{
	batch_t *b = batch_for(p, t);
	series_t *s = NULL;

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < b->n_s; i++)
		if (!strcmp(b->s[i].param, param))
			s = &b->s[i];
	if (!s) {
		if (b->n_s >= PARAMS_MAX)
			return -E2BIG;
		s = &b->s[b->n_s++];
		snprintf(s->param, sizeof(s->param), "%s", param);
		snprintf(s->unit, sizeof(s->unit), "%s", unit);
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		uint32_t *o = realloc(s->off, cap * sizeof(*o)), *f;
		double *va;

		if (!o)
			return -ENOMEM;
		s->off = o;
		if (!(va = realloc(s->val, cap * sizeof(*va))))
			return -ENOMEM;
		s->val = va;
		if (!(f = realloc(s->flag, cap * sizeof(*f))))
			return -ENOMEM;
		s->flag = f;
		s->cap = cap;
	}
	s->off[s->n] = (uint32_t)((t - b->start) / 1000);
	s->val[s->n] = v;
	s->flag[s->n] = flag;
	s->n++;
	p->readings++;
	if (!p->t_min || t < p->t_min)
		p->t_min = t;
	if (t > p->t_max)
		p->t_max = t;
	return 0;
}

/* Pack series 's' into 'se': readings at a regular interval as that interval
 * (and the first offset, if not 0), flags only if one is not valid — the
 * form minute data takes, a third of the bytes to decode. */
static void series_pack(series_t *s, Ld__MonitorReadings__Series *se)
{
	uint32_t d = s->n > 1 && s->off[1] > s->off[0] ? s->off[1] - s->off[0] : 0;
	bool regular = d > 0, valid = true;

	for (size_t i = 0; i < s->n; i++) {
		if (regular && (uint64_t)s->off[i] != (uint64_t)s->off[0] + (uint64_t)d * i)
			regular = false;
		if (s->flag[i])
			valid = false;
	}
	ld__monitor_readings__series__init(se);
	se->parameter = s->param;
	se->unit = s->unit;
	se->n_value = s->n;
	se->value = s->val;
	se->n_offset_s = regular ? (s->off[0] ? 1 : 0) : s->n;
	se->offset_s = s->off;
	se->has_interval_s = regular;
	se->interval_s = regular ? d : 0;
	se->n_flag = valid ? 0 : s->n;
	se->flag = s->flag;
}

/* Batch 'b' as one block (every series valid, regular, with the same
 * readings count, first offset and interval): 'blk' points into b and into
 * *vals (the values, parameter after parameter; the caller frees it), and
 * *start the time of the first readings. false: not of that form. */
static bool block_pack(batch_t *b, Ld__MonitorReadings__Block *blk, char **params, char **units,
		       double **vals, int64_t *start)
{
	const series_t *s0 = &b->s[0];
	uint32_t d = s0->n > 1 ? s0->off[1] - s0->off[0] : 0;

	if (!b->n_s || s0->n < 2 || s0->off[1] <= s0->off[0])
		return false;
	for (size_t j = 0; j < b->n_s; j++) {
		const series_t *s = &b->s[j];

		if (s->n != s0->n)
			return false;
		for (size_t i = 0; i < s->n; i++)
			if (s->flag[i] ||
			    (uint64_t)s->off[i] != (uint64_t)s0->off[0] + (uint64_t)d * i)
				return false;
	}
	if (!(*vals = malloc(b->n_s * s0->n * sizeof(double))))
		return false;
	ld__monitor_readings__block__init(blk);
	for (size_t j = 0; j < b->n_s; j++) {
		params[j] = b->s[j].param;
		units[j] = b->s[j].unit;
		memcpy(*vals + j * s0->n, b->s[j].val, s0->n * sizeof(double));
	}
	blk->n_parameter = blk->n_unit = b->n_s;
	blk->parameter = params;
	blk->unit = units;
	blk->has_interval_s = true;
	blk->interval_s = d;
	blk->n_value = b->n_s * s0->n;
	blk->value = *vals;
	*start = b->start + (int64_t)s0->off[0] * 1000;
	return true;
}

static void push_free(push_t *p)
{
	for (size_t i = 0; i < p->n_b; i++)
		for (size_t j = 0; j < p->b[i].n_s; j++) {
			free(p->b[i].s[j].off);
			free(p->b[i].s[j].val);
			free(p->b[i].s[j].flag);
		}
	free(p->b);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '"')
		s++;
	e = s + strlen(s);
	while (e > s &&
	       (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n' || e[-1] == '"'))
		*--e = '\0';
	return s;
}

/* Split 'line' at commas into at most max fields. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		char *c = strchr(p, ',');

		f[n++] = trim(p);
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

static int parse_time(const char *s, int64_t *t)
{
	char *end;
	long long v;

	if (*s && strspn(s, "0123456789") == strlen(s) && strlen(s) >= 12) {
		v = strtoll(s, &end, 10);
		*t = v;
		return 0;
	}
	return ld_time_parse(s, false, 0, t);
}

static int parse_flag(const char *s, uint32_t *flag)
{
	static const char codes[] = "NTMCD";
	char *end;

	if (!*s || !strcmp(s, "N")) {
		*flag = 0;
		return 0;
	}
	if (strlen(s) == 1 && strchr(codes, s[0])) {
		*flag = (uint32_t)(strchr(codes, s[0]) - codes);
		return 0;
	}
	*flag = (uint32_t)strtoul(s, &end, 10);
	return *end ? -EINVAL : 0;
}

/* "COD(mg/L)" or "COD[mg/L]" -> param "COD", unit "mg/L". */
static void head_param(const char *h, char *param, size_t pn, char *unit, size_t un)
{
	const char *o = strpbrk(h, "([（");
	size_t l = o ? (size_t)(o - h) : strlen(h);

	snprintf(param, pn, "%.*s", (int)l, h);
	unit[0] = '\0';
	if (o) {
		const char *u = o + (strncmp(o, "（", 3) ? 1 : 3), *c = strpbrk(u, ")]）");

		snprintf(unit, un, "%.*s", (int)(c ? (size_t)(c - u) : strlen(u)), u);
	}
}

static int read_csv(FILE *f, push_t *p)
{
	char line[8192], *fields[PARAMS_MAX + 2], head[PARAMS_MAX + 1][LD_MON_PARAM_MAX],
		hunit[PARAMS_MAX + 1][16];
	size_t nh = 0;
	bool wide = false;

	while (fgets(line, sizeof(line), f)) {
		size_t n;

		p->lineno++;
		if (!strchr(line, '\n') && !feof(f))
			return cli_fail(EXIT_USAGE, "%s line %zu: longer than %zu bytes", p->file,
					p->lineno, sizeof(line) - 1);
		if (!*trim(line) || line[0] == '#')
			continue;
		n = split(line, fields, PARAMS_MAX + 2);
		if (!nh) { /* the header */
			if (n < 2 || strcasecmp(fields[0], "time"))
				if (strcmp(fields[0], "时间") && strcmp(fields[0], "监测时间"))
					return cli_fail(EXIT_USAGE,
							"%s line %zu: the first line must be a "
							"header starting with 'time'",
							p->file, p->lineno);
			wide = !(n >= 3 && !strcasecmp(fields[1], "parameter") &&
				 !strcasecmp(fields[2], "value"));
			for (size_t i = 1; i < n && i <= PARAMS_MAX; i++) {
				head_param(fields[i], head[i], sizeof(head[0]), hunit[i],
					   sizeof(hunit[0]));
				if (wide &&
				    (!head[i][0] || ld_text_check(head[i], strlen(head[i]),
								  LD_MON_PARAM_MAX - 1, false)))
					return cli_fail(EXIT_USAGE,
							"%s line %zu: column %zu is not a "
							"parameter name: '%s'",
							p->file, p->lineno, i + 1, fields[i]);
			}
			nh = n;
			continue;
		}
		{
			int64_t t;
			int r = 0;

			if (parse_time(fields[0], &t) < 0)
				return cli_fail(EXIT_USAGE, "%s line %zu: not a time: '%s'",
						p->file, p->lineno, fields[0]);
			if (!wide) {
				uint32_t flag = 0;
				double v;
				char *end;

				if (n < 4)
					return cli_fail(
						EXIT_USAGE,
						"%s line %zu: expected time,parameter,value,"
						"unit[,flag]",
						p->file, p->lineno);
				v = strtod(fields[2], &end);
				if (end == fields[2] || *end || !fields[1][0] ||
				    strlen(fields[1]) >= LD_MON_PARAM_MAX ||
				    strlen(fields[3]) >= 16 ||
				    (n > 4 && parse_flag(fields[4], &flag) < 0))
					return cli_fail(
						EXIT_USAGE,
						"%s line %zu: bad parameter, value, unit or "
						"flag",
						p->file, p->lineno);
				r = add_reading(p, t, fields[1], fields[3], v, flag);
			} else {
				for (size_t i = 1; i < n && i < nh && r == 0; i++) {
					char *end;
					double v;

					if (!fields[i][0] || !strcmp(fields[i], "-"))
						continue; /* no reading */
					v = strtod(fields[i], &end);
					if (*end)
						return cli_fail(EXIT_USAGE,
								"%s line %zu, column %zu: not a "
								"number: '%s'",
								p->file, p->lineno, i + 1,
								fields[i]);
					r = add_reading(p, t, head[i], hunit[i], v, 0);
				}
			}
			if (r == -E2BIG)
				return cli_fail(EXIT_USAGE,
						"%s line %zu: more than %d parameters in one batch",
						p->file, p->lineno, PARAMS_MAX);
			if (r < 0)
				return cli_fail(EXIT_STORE, "out of memory");
		}
	}
	if (ferror(f))
		return cli_fail(EXIT_FILE, "%s: %s", p->file, strerror(errno));
	if (!nh)
		return cli_fail(EXIT_USAGE, "%s: no header line (time,...)", p->file);
	return 0;
}

static int push(int argc, char **argv)
{
	static const struct option opts[] = {{"batch", required_argument, NULL, 'b'},
					     CLI_SIGN_OPTS};
	cli_common_t co = {0};
	push_t p = {.period_ms = 3600000, .file = "-"};
	struct ldc *cl = NULL;
	Ld__ApiResponse *resp = NULL;
	char *end, self[65], unit[65];
	const char *station;
	FILE *f = stdin;
	size_t signed_n = 0;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		if (c == 'b') {
			long s = strtol(optarg, &end, 10);

			if (*end || s < 60 || s > 86400)
				return cli_fail(
					EXIT_USAGE,
					"monitor push: --batch must be 60 to 86400 seconds: "
					"'%s'",
					optarg);
			p.period_ms = s * 1000;
		} else if (c == 'h') {
			monitor_usage(stdout);
			return 0;
		} else {
			monitor_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		monitor_usage(stderr);
		return EXIT_USAGE;
	}
	station = argv[optind];
	if (argc - optind == 2 && strcmp(argv[optind + 1], "-")) {
		p.file = argv[optind + 1];
		if (!(f = fopen(p.file, "r")))
			return cli_fail(EXIT_FILE, "%s: %s", p.file, strerror(errno));
	}
	if ((r = cli_connect(co.api, co.conf, &cl)))
		goto out;
	if ((r = cli_self_id(cl, self)) < 0) {
		r = cli_daemon_fail(r, "whoami");
		goto out;
	}
	{
		const char *slash = strchr(station, '/');

		snprintf(unit, sizeof(unit), "%.*s", slash ? (int)(slash - station) : 0, station);
	}
	if (strcmp(unit, self)) {
		r = cli_fail(EXIT_DENIED,
			     "monitor push: %s is not a station of this node (%s): only the unit "
			     "that runs a station pushes its readings",
			     station, self);
		goto out;
	}
	if ((r = monitor_call(cl, 2, station, 0, -1, 0, &resp)))
		goto out;
	ld__api_response__free_unpacked(resp, NULL);
	resp = NULL;
	if ((r = read_csv(f, &p)))
		goto out;
	/* One API call per group of batches: one durable commit each. */
	for (size_t i = 0; i < p.n_b;) {
		enum { GROUP = 64 };
		Ld__AppendItem items[GROUP], *ip[GROUP];
		Ld__MonitorReadings m[GROUP];
		Ld__MonitorReadings__Series se[GROUP][PARAMS_MAX], *sp[GROUP][PARAMS_MAX];
		Ld__MonitorReadings__Block blk[GROUP];
		char *names[GROUP][PARAMS_MAX], *units[GROUP][PARAMS_MAX];
		double *vals[GROUP] = {0};
		uint8_t *bufs[GROUP] = {0};
		size_t k = 0;
		char *msg = NULL;

		for (; k < GROUP && i < p.n_b; k++, i++) {
			batch_t *b = &p.b[i];
			size_t len;

			ld__monitor_readings__init(&m[k]);
			m[k].station_id = (char *)station;
			m[k].has_start_ms = true;
			m[k].start_ms = b->start;
			/* Minute data as one block; else a series per parameter. */
			if (block_pack(b, &blk[k], names[k], units[k], &vals[k], &m[k].start_ms)) {
				m[k].block = &blk[k];
			} else {
				for (size_t j = 0; j < b->n_s; j++) {
					series_pack(&b->s[j], &se[k][j]);
					sp[k][j] = &se[k][j];
				}
				m[k].n_series = b->n_s;
				m[k].series = sp[k];
			}
			len = ld__monitor_readings__get_packed_size(&m[k]);
			if (!(bufs[k] = malloc(len))) {
				free(vals[k]);
				vals[k] = NULL;
				r = cli_fail(EXIT_STORE, "out of memory");
				break;
			}
			ld__monitor_readings__pack(&m[k], bufs[k]);
			ld__append_item__init(&items[k]);
			items[k].has_kind = items[k].has_payload = items[k].has_everyone = true;
			items[k].kind = LD__KIND__KIND_MONITOR_READINGS;
			items[k].everyone = true;
			items[k].payload.data = bufs[k];
			items[k].payload.len = len;
			ip[k] = &items[k];
		}
		if (r == 0) {
			r = cli_check_only
				    ? ldc_check(cl, (const Ld__AppendItem *const *)ip, k, &msg)
				    : ldc_append(cl, (const Ld__AppendItem *const *)ip, k, NULL,
						 &msg);
			if (r < 0)
				r = cli_sign_fail(r, msg, "readings");
			else
				signed_n += k;
		}
		free(msg);
		for (size_t j = 0; j < k; j++) {
			free(bufs[j]);
			free(vals[j]);
		}
		if (r)
			goto out;
	}
	if (co.json) {
		json_t *o = json_pack("{s:o, s:I, s:I, s:I, s:I}", "station",
				      cli_json_text(station), "readings", (json_int_t)p.readings,
				      "entries", (json_int_t)signed_n, "from_ms",
				      (json_int_t)p.t_min, "to_ms", (json_int_t)p.t_max);

		r = cli_json_dump(o);
		json_decref(o);
	} else {
		char a[48], b[48];

		cli_fmt_time(p.t_min, a, sizeof(a));
		cli_fmt_time(p.t_max, b, sizeof(b));
		printf(_("%zu readings of %s (%s to %s) signed in %zu entries\n"), p.readings,
		       station, p.readings ? a : "-", p.readings ? b : "-", signed_n);
	}
out:
	if (f != stdin)
		fclose(f);
	push_free(&p);
	ldc_destroy(&cl);
	return r;
}

/* ---- show, stations, warnings ---- */

static json_t *station_json(const ProtobufCBinaryData *b)
{
	Ld__MonitorStation *m = ld_payload_unpack(LD__KIND__KIND_MONITOR_STATION, b->data, b->len);
	json_t *o = m ? pb_json(&m->base) : NULL;

	ld_payload_free(m);
	return o;
}

static void stations_text(json_t *o)
{
	size_t i;
	json_t *s;

	if (!json_array_size(o))
		fprintf(stderr, "%s\n", _("no station is held here"));
	json_array_foreach(o, i, s)
	{
		printf("%s  %s  %s  %s%s\n", cli_pad(cli_jstr(s, "station_id"), 24),
		       cli_col(cli_jstr(s, "name"), 24), cli_jstr(s, "region_code"),
		       cli_jstr(s, "basin"), cli_jtrue(s, "border") ? _("  (border section)") : "");
	}
}

static void show_text(json_t *o)
{
	json_t *st = json_object_get(o, "station"), *p;
	size_t i;

	cli_render(stdout, st, 0, &ld__monitor_station__descriptor);
	printf("\n%s\n", _("latest readings:"));
	json_array_foreach(json_object_get(o, "params"), i, p)
	{
		char when[48];

		cli_fmt_time(cli_jint(p, "t_ms"), when, sizeof(when));
		printf("  %s %12g %-6s %s", cli_pad(cli_jstr(p, "parameter"), 8),
		       json_real_value(json_object_get(p, "value")), cli_jstr(p, "unit"), when);
		if (cli_jtrue(p, "beyond"))
			printf(_("  BEYOND its limit %g"),
			       json_real_value(json_object_get(p, "limit")));
		printf("\n");
	}
	printf("%s %zu\n", _("readings entries in the period:"),
	       json_array_size(json_object_get(o, "readings")));
}

static int show_or_list(int argc, char **argv, bool show)
{
	static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
					     {"to", required_argument, NULL, 't'},
					     CLI_COMMON_OPTS};
	cli_common_t co = {0};
	struct ldc *cl = NULL;
	Ld__ApiResponse *resp = NULL;
	int64_t from = INT64_MIN, to = INT64_MAX;
	json_t *o = NULL;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		if (show && c == 'f') {
			if ((r = cli_time_arg("monitor show", "--from", optarg, false, &from)))
				return r;
		} else if (show && c == 't') {
			if ((r = cli_time_arg("monitor show", "--to", optarg, true, &to)))
				return r;
		} else if (c == 'h') {
			monitor_usage(stdout);
			return 0;
		} else {
			monitor_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != (show ? 1 : 0)) {
		monitor_usage(stderr);
		return EXIT_USAGE;
	}
	if (show && from == INT64_MIN && to == INT64_MAX)
		from = ld_now_ms() - 86400000;
	if ((r = cli_connect(co.api, co.conf, &cl)))
		return r;
	if ((r = monitor_call(cl, show ? 2 : 1, show ? argv[optind] : NULL, from, to, 0, &resp)))
		goto out;
	if (!show) {
		o = json_array();
		for (size_t i = 0; o && i < resp->n_stations; i++)
			json_array_append_new(o, station_json(&resp->stations[i]));
		r = cli_output(o, co.json, stations_text);
		goto out;
	}
	o = json_pack("{s:o, s:[], s:[]}", "station",
		      resp->n_stations ? station_json(&resp->stations[0]) : json_null(), "params",
		      "readings");
	for (size_t i = 0; o && i < resp->n_params; i++) {
		const Ld__ApiMonitorParam *p = resp->params[i];
		json_t *j =
			json_pack("{s:o, s:I, s:f, s:o, s:b}", "parameter",
				  cli_json_text(p->parameter), "t_ms", (json_int_t)p->t_ms, "value",
				  p->value, "unit", cli_json_opt(p->unit), "beyond", p->beyond);

		if (j && p->beyond) {
			json_object_set_new(j, "limit", json_real(p->limit));
			json_object_set_new(j, "beyond_since_ms",
					    json_integer((json_int_t)p->beyond_since_ms));
		}
		json_array_append_new(json_object_get(o, "params"), j);
	}
	for (size_t i = 0; o && i < resp->n_entries; i++) {
		void *m;
		json_t *j = entry_json(resp->entries[i], LD__KIND__KIND_MONITOR_READINGS, &m);

		ld_payload_free(m);
		if (j)
			json_array_append_new(json_object_get(o, "readings"), j);
	}
	r = cli_output(o, co.json, show_text);
out:
	if (resp)
		ld__api_response__free_unpacked(resp, NULL);
	ldc_destroy(&cl);
	return r;
}

static const char *rule_name(uint32_t rule)
{
	return rule == LD__WARNING_RULE__WARNING_RULE_UPSTREAM ? N_("upstream comparison")
	       : rule == LD__WARNING_RULE__WARNING_RULE_JUMP   ? N_("jump")
							       : N_("threshold");
}

static void warnings_text(json_t *o)
{
	size_t i;
	json_t *w;

	if (!json_array_size(o))
		fprintf(stderr, "%s\n", _("no warning is held here"));
	json_array_foreach(o, i, w)
	{
		char when[48];

		cli_fmt_time(cli_jint(w, "at_ms"), when, sizeof(when));
		printf("%s  %s  %s %g %s (%s %g)  %s", when, cli_pad(cli_jstr(w, "station_id"), 20),
		       cli_jstr(w, "parameter"), json_real_value(json_object_get(w, "value")),
		       cli_jstr(w, "unit"), _("limit"),
		       json_real_value(json_object_get(w, "limit")), _(cli_jstr(w, "rule_name")));
		if (json_object_get(w, "upstream_station"))
			printf(_("  upstream %s: %g"), cli_jstr(w, "upstream_station"),
			       json_real_value(json_object_get(w, "upstream_value")));
		printf("  [%s:%lld]\n", cli_jstr(w, "feed"), cli_jint(w, "seq"));
	}
}

int cmd_warnings(int argc, char **argv)
{
	static const struct option opts[] = {{"since", required_argument, NULL, 's'},
					     {"limit", required_argument, NULL, 'l'},
					     CLI_COMMON_OPTS};
	cli_common_t co = {0};
	struct ldc *cl = NULL;
	Ld__ApiResponse *resp = NULL;
	int64_t since = INT64_MIN;
	unsigned long limit = 0;
	json_t *o;
	char *end;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		if (c == 's') {
			if ((r = cli_time_arg("warnings", "--since", optarg, false, &since)))
				return r;
		} else if (c == 'l') {
			limit = strtoul(optarg, &end, 10);
			if (*end || !limit || limit > 1000)
				return cli_fail(EXIT_USAGE,
						"warnings: --limit must be 1 to 1000: '%s'",
						optarg);
		} else if (c == 'h') {
			warnings_usage(stdout);
			return 0;
		} else {
			warnings_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc + 1) {
		warnings_usage(stderr);
		return EXIT_USAGE;
	}
	if ((r = cli_connect(co.api, co.conf, &cl)))
		return r;
	if ((r = monitor_call(cl, 3, NULL, since, INT64_MAX, (uint32_t)limit, &resp)))
		goto out;
	o = json_array();
	for (size_t i = 0; o && i < resp->n_entries; i++) {
		Ld__MonitorWarning *m;
		json_t *j =
			entry_json(resp->entries[i], LD__KIND__KIND_MONITOR_WARNING, (void **)&m);

		if (j && m)
			json_object_set_new(j, "rule_name", json_string(rule_name(m->rule)));
		ld_payload_free(m);
		if (j)
			json_array_append_new(o, j);
	}
	r = cli_output(o, co.json, warnings_text);
out:
	if (resp)
		ld__api_response__free_unpacked(resp, NULL);
	ldc_destroy(&cl);
	return r;
}

int cmd_monitor(int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		monitor_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[0], "add-station"))
		return add_station(argc, argv);
	if (!strcmp(argv[0], "push"))
		return push(argc, argv);
	if (!strcmp(argv[0], "show"))
		return show_or_list(argc, argv, true);
	if (!strcmp(argv[0], "stations"))
		return show_or_list(argc, argv, false);
	monitor_usage(stderr);
	return cli_fail(EXIT_USAGE,
			"monitor: unknown subcommand '%s' (add-station, push, show, stations)",
			argv[0]);
}

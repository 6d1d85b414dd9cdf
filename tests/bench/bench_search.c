/* tests/bench/bench_search.c: `liandong cases` against a store of N cases
 * with realistic Chinese titles and parties.
 *
 *   bench_search [--cases N] [--runs R] [--build-only]
 *
 * The store: a province root and 100 county bureaus in 10 prefectures (GB/T
 * 2260 codes 33PPCC); county i refers case after case to county i+1, one a
 * second, over the days before the run. Each case names one of 400
 * enterprises (嘉兴宏达化工有限公司, ...; drawn with a Zipf law, so a few
 * are in tens of thousands of cases and most in a few hundred), with its
 * unified social credit code and region, in one of 8 kinds of title
 * ("…向京杭运河偷排含镍废水", "…超标排放废气", ...) naming one of 30 rivers
 * and 8 metals: "废水" is in a quarter of all titles. Half the cases are
 * accepted, a tenth rejected. One enterprise is in only 5 cases.
 *
 * Measured, for each query shape (a rare party name, the common word 废水,
 * a 1-character query, a 4-character run (checked on each candidate), a
 * credit code, region + status, a one-hour time range, text + region +
 * status, and two long lists with nothing in common: 废水 in noise cases):
 *   - in-process: ld_search(), the code the daemon's API runs;
 *   - end to end, when $LD_DAEMON and $LD_CLI name the built binaries: the
 *     store becomes the data directory of a real liandongd (the province),
 *     and each run is one `liandong cases ... --json` process, from fork to
 *     its last byte of output, next to `liandong --help` (the process start
 *     alone) measured in the same run.
 * Every answer is checked (the total, or the first case, against what the
 * build counted). Target (issue): a search returning <= 50 results in
 * <= 100 ms end to end at 1,000,000 cases.
 *
 * The time to build the store (ingest, batch-authenticated, with every
 * derived view including the search index in the same transactions) is
 * printed as a rate: --build-only stops there, for comparing builds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "case.pb-c.h"
#include "cluster.h"
#include "common/views/search.h"
#include "roster.pb-c.h"
#include "testutil.h"

#define COUNTIES 100
#define FIRMS 400
#define RARE_EVERY 200000 /* the rare firm: cases 7, 200007, ... */

static const char *const places[] = {"嘉兴", "海宁", "桐乡", "平湖", "海盐", "嘉善", "绍兴", "上虞",
				     "诸暨", "湖州", "长兴", "德清", "安吉", "杭州", "萧山", "余杭",
				     "宁波", "慈溪", "余姚", "温州", "瑞安", "乐清", "台州", "温岭",
				     "金华", "义乌", "东阳", "衢州", "丽水", "舟山"};
static const char *const cores[] = {"宏达", "华盛", "永泰", "恒信", "新华", "金鑫", "鑫源",
				    "龙盛", "天成", "富源", "顺发", "振兴", "利民", "东方"};
static const char *const trades[] = {"化工", "印染", "电镀", "造纸", "制革", "医药", "钢铁",
				     "水泥", "热电", "纺织", "塑料", "食品", "养殖", "砂石"};
static const char *const rivers[] = {"京杭运河", "海盐塘", "长水塘", "南湖",   "钱塘江", "曹娥江",
				     "浦阳江",	 "瓯江",   "椒江",   "东苕溪", "西苕溪", "太湖",
				     "千岛湖",	 "新安江", "富春江", "甬江",   "姚江",	 "楠溪江",
				     "飞云江",	 "灵江",   "鳌江",   "若耶溪", "剡溪",	 "兰江",
				     "衢江",	 "婺江",   "分水江", "浦阳溪", "东钱湖", "鉴湖"};
static const char *const metals[] = {"镍", "铬", "铜", "锌", "铅", "镉", "汞", "砷"};
static const char *const rare_firm = "嘉兴市秀洲区稀有金属回收有限公司";

static int64_t base_ms;
static double zipf_cdf[FIRMS];
static char firm_name[FIRMS][96], firm_code[FIRMS][19], county_region[COUNTIES][7];

/* What the build counted, to check the answers against. */
static struct {
	size_t rare, waste, nickel, nickel_waste, code_firm, region_rejected, hour,
		waste_region_accepted;
	int64_t hour_from, hour_to;
} want;

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_d);
	return v[n / 2];
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void firms_init(void)
{
	double sum = 0, acc = 0;

	for (size_t i = 0; i < FIRMS; i++) {
		/* Distinct names: place, core and trade from different strides. */
		snprintf(firm_name[i], sizeof(firm_name[i]), "%s%s%s有限公司", places[i % 30],
			 cores[(i / 30 + i) % 14], trades[(i * 7 + i / 14) % 14]);
		snprintf(firm_code[i], sizeof(firm_code[i]), "9133%04zuMA2%07zu", i % 10000,
			 i * 7919 % 10000000);
		sum += 1.0 / (double)(i + 1);
	}
	for (size_t i = 0; i < FIRMS; i++) {
		acc += 1.0 / (double)(i + 1) / sum;
		zipf_cdf[i] = acc;
	}
	for (size_t i = 0; i < COUNTIES; i++)
		snprintf(county_region[i], sizeof(county_region[i]), "33%02zu%02zu", i / 10 + 1,
			 i % 10 + 1);
}

static size_t zipf_firm(void)
{
	double u = (double)(next_rand() >> 11) / 9007199254740992.0;
	size_t lo = 0, hi = FIRMS - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The title of case i of a firm, and its violation. */
static uint32_t title_of(char *buf, size_t n, const char *firm, size_t kind)
{
	const char *river = rivers[next_rand() % 30], *metal = metals[next_rand() % 8];

	switch (kind) {
	case 0:
		snprintf(buf, n, "%s向%s偷排含%s废水", firm, river, metal);
		return 1;
	case 1:
		snprintf(buf, n, "%s夜间通过暗管向%s排放未经处理的废水", firm, river);
		return 1;
	case 2:
		snprintf(buf, n, "%s超标排放废气", firm);
		return 2;
	case 3:
		snprintf(buf, n, "%s非法倾倒危险废物于%s岸边", firm, river);
		return 4;
	case 4:
		snprintf(buf, n, "%s在%s禁采区非法采砂", firm, river);
		return 7;
	case 5:
		snprintf(buf, n, "%s堆放固体废物未采取防渗措施", firm);
		return 3;
	case 6:
		snprintf(buf, n, "%s在线监测数据造假", firm);
		return 11;
	default:
		snprintf(buf, n, "%s厂界噪声超标扰民", firm);
		return 6;
	}
}

static ld_entry_t *referral(tu_node_t *from, size_t r, size_t to, size_t i, int decision)
{
	Ld__CaseReferral m = LD__CASE_REFERRAL__INIT;
	Ld__Place place = LD__PLACE__INIT;
	Ld__Party party = LD__PARTY__INIT, *parties[] = {&party};
	char id[LD_CASE_ID_MAX + 1], title[256], to_id[32], code[19];
	const char *aud[] = {to_id};
	const char *name;
	size_t firm = zipf_firm(), kind = next_rand() % 8;
	uint8_t buf[1024];
	ld_entry_t *e;
	int64_t t = base_ms + (int64_t)i * 1000;
	/* The place and the party are in the addressee's county; the region
	 * filter sees the referring unit's region too. */
	bool in3304 =
		!strncmp(county_region[to], "3304", 4) || !strncmp(county_region[r], "3304", 4);

	snprintf(to_id, sizeof(to_id), "county-%03zu", to);
	snprintf(id, sizeof(id), "%s/%zu", from->id, i);
	name = i % RARE_EVERY == 7 ? rare_firm : firm_name[firm];
	snprintf(code, sizeof(code), "%s",
		 i % RARE_EVERY == 7 ? "91330411MA2RARE001" : firm_code[firm]);
	m.case_id = id;
	m.violation = title_of(title, sizeof(title), name, kind);
	m.has_violation = true;
	m.title = title;
	m.facts = "现场检查发现排污口水样化学需氧量超标，企业负责人在场";
	m.addressee = to_id;
	place.region_code = county_region[to];
	m.place = &place;
	party.name = (char *)name;
	party.credit_code = code;
	party.region_code = county_region[to];
	m.parties = parties;
	m.n_parties = 1;
	/* Counted for the checks. */
	want.rare += i % RARE_EVERY == 7;
	want.waste += kind <= 1;
	want.nickel += strstr(title, "镍") != NULL;
	want.nickel_waste += strstr(title, "含镍废水") != NULL;
	want.code_firm += !strcmp(code, firm_code[0]);
	want.region_rejected += in3304 && decision == 2;
	want.hour += t >= want.hour_from && t <= want.hour_to;
	want.waste_region_accepted += kind <= 1 && in3304 && decision == 1;
	from->time_ms = t;
	e = tu_next(from, LD__KIND__KIND_CASE_REFERRAL, buf, ld__case_referral__pack(&m, buf), aud,
		    1);
	from->time_ms = 0;
	return e;
}

static ld_entry_t *answer(tu_node_t *by, const char *owner, size_t i, int decision)
{
	Ld__ReferralResponse m = LD__REFERRAL_RESPONSE__INIT;
	char id[LD_CASE_ID_MAX + 1];
	const char *aud[] = {owner};
	uint8_t buf[256];
	ld_entry_t *e;

	snprintf(id, sizeof(id), "%s/%zu", owner, i);
	m.case_id = id;
	m.has_decision = true;
	m.decision = (uint32_t)decision;
	m.reason = decision == 2 ? "涉事企业不在本辖区" : NULL;
	by->time_ms = base_ms + (int64_t)i * 1000 + 3600000;
	e = tu_next(by, LD__KIND__KIND_REFERRAL_RESPONSE, buf, ld__referral_response__pack(&m, buf),
		    aud, 1);
	by->time_ms = 0;
	return e;
}

/* Roster: the province and 100 counties, each with its region code. */
static ld_store_t *make_store(const char *dir, tu_node_t *root, tu_node_t *c)
{
	ld_entry_t *e[COUNTIES + 1];
	uint8_t buf[512];
	ld_store_t *s;

	if (ld_views_open(dir, root->pub, &(ld_store_opts_t){.map_size = 1ull << 33}, &s) < 0)
		abort();
	for (size_t i = 0; i <= COUNTIES; i++) {
		Ld__RosterUpdate u = LD__ROSTER_UPDATE__INIT;
		tu_node_t *n = i ? &c[i - 1] : root;

		u.has_action = u.has_kind = u.has_sign_key = true;
		u.action = LD__ROSTER_UPDATE__ACTION__ADD;
		u.node_id = n->id;
		u.name = n->id;
		u.kind = i ? LD__NODE_KIND__NODE_BUREAU : LD__NODE_KIND__NODE_COMMAND_CENTRE;
		u.region_code = i ? county_region[i - 1] : "330000";
		u.superior = i ? root->id : NULL;
		u.sign_key.data = n->pub;
		u.sign_key.len = 32;
		e[i] = tu_next(root, LD__KIND__KIND_ROSTER_UPDATE, buf,
			       ld__roster_update__pack(&u, buf), NULL, 0);
	}
	if (tu_ingest(s, e, COUNTIES + 1, LD_CHAIN_BATCH, NULL, NULL) < 0)
		abort();
	tu_free_run(e, COUNTIES + 1);
	return s;
}

/* Ingest n cases, ~1000 per durable commit; returns the seconds taken,
 * and in *ret_ingest those spent in ld_store_ingest() (the rest is making
 * and signing the entries). */
static double build(ld_store_t *s, tu_node_t *c, size_t n_cases, double *ret_ingest)
{
	double t0 = tu_now(), ti;
	size_t i = 0;

	*ret_ingest = 0;

	while (i < n_cases) {
		enum { PER = 10 };
		ld_ingest_batch_t b[2 * COUNTIES];
		ld_entry_t *ref[COUNTIES][PER], *ans[COUNTIES][PER];
		size_t nb = 0;

		for (size_t r = 0; r < COUNTIES && i < n_cases; r++) {
			size_t k = 0, ka = 0, to = (r + 1) % COUNTIES;

			for (; k < PER && i < n_cases; k++, i++) {
				size_t d = i % 10;
				int decision = d < 5 ? 1 : d == 5 ? 2 : 0;

				ref[r][k] = referral(&c[r], r, to, i, decision);
				if (decision)
					ans[r][ka++] = answer(&c[to], c[r].id, i, decision);
			}
			b[nb++] = (ld_ingest_batch_t){.entries = ref[r], .n = k};
			if (ka)
				b[nb++] = (ld_ingest_batch_t){.entries = ans[r], .n = ka};
		}
		ti = tu_now();
		if (ld_store_ingest(s, b, nb, LD_CHAIN_BATCH) < 0)
			abort();
		*ret_ingest += tu_now() - ti;
		for (size_t j = 0; j < nb; j++) {
			if (b[j].status < 0) {
				fprintf(stderr, "bench_search: ingest refused: %d\n", b[j].status);
				abort();
			}
			tu_free_run((ld_entry_t **)b[j].entries, b[j].n);
		}
	}
	return tu_now() - t0;
}

struct shape {
	const char *name;
	const char *args[8]; /* `liandong cases` options */
	ld_search_query_t q; /* the same, in process */
	size_t want;	     /* cases matching */
};

/* 'name' padded to 34 columns (a Chinese character takes two). */
static const char *padded(const char *name)
{
	static char buf[128];
	size_t cols = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		cols += *p < 0x80 ? 1 : (*p & 0xc0) == 0xc0 ? 2 : 0;
	snprintf(buf, sizeof(buf), "%s%*s", name, cols < 34 ? (int)(34 - cols) : 0, "");
	return buf;
}

static void fmt_utc(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	strftime(buf, n, "%Y-%m-%dT%H:%M:%S", gmtime_r(&t, &tm));
}

/* A query's answer is right: the total when it is known, else a full page. */
static void check(const struct shape *sh, uint64_t total, bool known, size_t listed)
{
	size_t page = sh->want < 50 ? sh->want : 50;

	if (listed != page || (known && total != sh->want) || (!known && total > sh->want)) {
		fprintf(stderr,
			"bench_search: %s: %zu listed, total %llu%s; the build counted %zu\n",
			sh->name, listed, (unsigned long long)total, known ? "" : " (at least)",
			sh->want);
		abort();
	}
}

static void measure_cli(cluster_t *cl, tn_t *p, struct shape *sh, size_t n_sh, int runs,
			double *inproc)
{
	size_t size = 4 << 20;
	char *out = malloc(size);
	double *tv = calloc((size_t)runs, sizeof(double)),
	       *th = calloc((size_t)runs, sizeof(double));

	if (!out || !tv || !th || cl_start(cl, p) < 0) {
		fprintf(stderr, "bench_search: the daemon did not start (see %s)\n", p->log);
		abort();
	}
	printf("\n  end to end, `liandong cases ... --json` (median of %d), each next to the floor "
	       "`liandong --help` timed in turn with it:\n",
	       runs);
	for (size_t k = 0; k < n_sh; k++) {
		const char **a = sh[k].args;

		/* One untimed call first: the daemon's pages for this query. */
		if (cl_cli(p, out, size, "cases", "--json", a[0], a[1], a[2], a[3], a[4], a[5],
			   a[6], a[7], NULL) != 0)
			abort();
		for (int i = 0; i < runs; i++) {
			unsigned long long total = 0;
			size_t listed = 0;
			double t0 = tu_now();
			bool known;

			if (cl_cli(p, out, size, "cases", "--json", a[0], a[1], a[2], a[3], a[4],
				   a[5], a[6], a[7], NULL) != 0)
				abort();
			tv[i] = (tu_now() - t0) * 1000;
			known = sscanf(out, "{\"total\": %llu", &total) == 1;
			if (!known &&
			    sscanf(out, "{\"total\": null, \"at_least\": %llu", &total) != 1)
				abort();
			for (const char *q = out; (q = strstr(q, "{\"case\": ")); q++)
				listed++;
			check(&sh[k], total, known, listed);
			/* The floor: the same process start, no daemon call. */
			t0 = tu_now();
			if (cl_cli(p, out, size, "--help", NULL) != 0)
				abort();
			th[i] = (tu_now() - t0) * 1000;
		}
		{
			double m = median(tv, runs), f = median(th, runs);

			printf("  %s %7.1f ms  floor %5.1f ms: %.1fx, +%.1f ms (in-process %.2f ms)  "
			       "%s\n",
			       padded(sh[k].name), m, f, m / f, m - f, inproc[k],
			       m <= 100 ? "PASS" : "FAIL");
		}
	}
	if (cl_stop(cl, p) != 0)
		fprintf(stderr, "bench_search: the daemon did not exit cleanly (see %s)\n", p->log);
	free(out);
	free(tv);
	free(th);
}

int main(int argc, char **argv)
{
	size_t n_cases = 1000000;
	int runs = 9;
	bool build_only = false, e2e = getenv("LD_DAEMON") && getenv("LD_CLI");
	tu_node_t root, *c = calloc(COUNTIES, sizeof(*c));
	cluster_t *cl = NULL;
	tn_t *p = NULL;
	char *dir = NULL, data[600], from[32], to[32], code[19];
	ld_store_t *s;
	double secs, ingest;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("Usage: bench_search [--cases N] [--runs R] [--build-only]\n"
			       "Default: --cases 1000000 --runs 9. End to end when LD_DAEMON and "
			       "LD_CLI name the built liandongd and liandong.\n");
			return 0;
		} else if (!strcmp(argv[i], "--cases") && i + 1 < argc) {
			n_cases = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--build-only")) {
			build_only = true;
		} else {
			fprintf(stderr, "bench_search: unknown option %s (try --help)\n", argv[i]);
			return 1;
		}
	}
	if (runs < 1)
		runs = 1;
	if (n_cases < 1000)
		n_cases = 1000;
	firms_init();
	/* One case a second, ending an hour before now; the hour window lies
	 * in the middle. */
	base_ms = (int64_t)time(NULL) * 1000 - (int64_t)n_cases * 1000 - 3600000;
	want.hour_from = base_ms + (int64_t)n_cases / 2 * 1000;
	want.hour_to = want.hour_from + 3600 * 1000 - 1;
	if (e2e && !build_only) {
		FILE *f;

		cl = cl_new("bench-search");
		p = cl_node(cl, "province", true, NULL, NULL, 0);
		if (!(f = fopen(p->conf, "a")))
			abort();
		fprintf(f, "[escalation]\nenabled = no\n[node]\nlog_level = info\n");
		fclose(f);
		memset(&root, 0, sizeof(root));
		snprintf(root.id, sizeof(root.id), "%s", p->id);
		root.key = p->key;
		memcpy(root.pub, p->sign_pub, sizeof(root.pub));
		snprintf(data, sizeof(data), "%s/data", p->dir);
		if (mkdir(data, 0700) < 0)
			abort();
	} else {
		dir = tu_tmpdir("bench-search");
		tu_node_init(&root, "province");
		snprintf(data, sizeof(data), "%s", dir);
	}
	for (size_t i = 0; i < COUNTIES; i++) {
		char id[32];

		snprintf(id, sizeof(id), "county-%03zu", i);
		tu_node_init(&c[i], id);
	}
	s = make_store(data, &root, c);
	secs = build(s, c, n_cases, &ingest);
	{
		char path[700];
		struct stat st = {0};

		snprintf(path, sizeof(path), "%s/data.mdb", data);
		stat(path, &st);
		printf("%zu cases (%zu entries with the answers) built in %.1f s, of which "
		       "ld_store_ingest %.1f s: %.1f us per case (%.0f cases/s); data.mdb %.0f MB\n",
		       n_cases, n_cases + n_cases * 6 / 10, secs, ingest,
		       ingest * 1e6 / (double)n_cases, (double)n_cases / ingest,
		       (double)st.st_size / 1e6);
	}
	fflush(stdout);
	if (build_only)
		goto out;
	fmt_utc(want.hour_from, from, sizeof(from));
	fmt_utc(want.hour_to, to, sizeof(to));
	snprintf(code, sizeof(code), "%s", firm_code[0]);
	{
		struct shape sh[] = {
			{"rare party 稀有金属回收",
			 {"--party", "稀有金属回收"},
			 {.party = "稀有金属回收"},
			 want.rare},
			{"common word 废水, --limit 50",
			 {"--text", "废水", "--limit", "50"},
			 {.text = "废水", .limit = 50},
			 want.waste},
			{"one character 镍", {"--text", "镍"}, {.text = "镍"}, want.nickel},
			{"run 含镍废水 (checked)",
			 {"--text", "含镍废水"},
			 {.text = "含镍废水"},
			 want.nickel_waste},
			{"credit code (commonest firm)",
			 {"--credit-code", code},
			 {.credit_code = code},
			 want.code_firm},
			{"region 3304 + rejected",
			 {"--region", "3304", "--status", "rejected"},
			 {.region = "3304", .status = "rejected"},
			 want.region_rejected},
			{"one hour (--since/--until)",
			 {"--since", from, "--until", to},
			 {.since_ms = want.hour_from, .until_ms = want.hour_to - 999},
			 want.hour},
			{"废水 + 3304 + accepted",
			 {"--text", "废水", "--region", "3304", "--status", "accepted"},
			 {.text = "废水", .region = "3304", .status = "accepted"},
			 want.waste_region_accepted},
			/* Two long lists that never meet: the leapfrog's worst case. */
			{"废水 + noise (none)",
			 {"--text", "废水", "--violation", "noise"},
			 {.text = "废水", .violation = "noise"},
			 0},
		};
		size_t n_sh = sizeof(sh) / sizeof(sh[0]);
		double inproc[sizeof(sh) / sizeof(sh[0])];
		double *tv = calloc((size_t)runs, sizeof(double));

		/* --until is whole seconds: the hour ends at hour_to - 999 ms. */
		printf("\n  in-process, ld_search (median of %d):\n", runs);
		for (size_t k = 0; k < n_sh; k++) {
			for (int i = 0; i < runs; i++) {
				ld_search_result_t *res;
				double t0 = tu_now();

				if (ld_search(s, &sh[k].q, &res) < 0)
					abort();
				tv[i] = (tu_now() - t0) * 1000;
				check(&sh[k], res->total, res->total_known, res->n_hits);
				if (i == 0)
					printf("  %s matches %7zu; ", padded(sh[k].name),
					       sh[k].want);
				ld_search_result_destroy(&res);
			}
			inproc[k] = median(tv, runs);
			printf("%8.2f ms\n", inproc[k]);
		}
		free(tv);
		fflush(stdout);
		ld_store_destroy(&s);
		if (e2e)
			measure_cli(cl, p, sh, n_sh, runs, inproc);
	}
out:
	ld_store_destroy(&s);
	for (size_t i = 0; i < COUNTIES; i++)
		tu_node_fini(&c[i]);
	if (cl) {
		cl_destroy(&cl);
	} else {
		tu_node_fini(&root);
		tu_rmrf(dir);
		free(dir);
	}
	free(c);
	return 0;
}

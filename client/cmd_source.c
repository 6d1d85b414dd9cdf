/* client/cmd_source.c: the pollution-source register (污染源档案):
 * `liandong source publish|show|list`.
 *
 * A unit publishes the sources in its region (enterprises by unified social
 * credit code, with outlets 排污口 and discharge permits 排污许可证) from
 * options or from a JSON file; every member reads the register (it is not
 * personal data). `show` adds the cases this node holds naming the source's
 * credit code (the repeat-offender comparison of `show CASE`). Permit states
 * are judged by the daemon at the time of the query. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/base/creditcode.h"
#include "common/base/errors.h"
#include "common/domain/source.h"
#include "common/feed/entry.h"
#include "common/feed/kinds.h"
#include "common/feed/pbjson.h"
#include "source.pb-c.h"

#define SRC_FILE_MAX 1000 /* sources in one file (one commit) */

static void source_usage(FILE *f)
{
	fprintf(f, "Usage: liandong source publish --code CODE --name NAME --region CODE\n"
		   "         [--address TEXT] [--industry TEXT] [--note TEXT]\n"
		   "         [--outlet ID,water|air[,LAT,LON[,STATION]]]...\n"
		   "         [--permit NUMBER,FROM,TO[,POLLUTANT=LIMIT UNIT;...]]... [--check]\n"
		   "       liandong source publish --file FILE.json [--check]\n"
		   "       liandong source show CODE [--json]\n"
		   "       liandong source list [--region PREFIX] [--expiring] [--json]\n"
		   "       Common: [-c CONFIG | --api EP] [--json] [--utc]\n"
		   "The pollution-source register (污染源档案): enterprises by unified social\n"
		   "credit code (18 characters, check character per GB 32100-2015), with their\n"
		   "outlets (排污口: id, water or air, WGS-84 degrees, the monitoring station on\n"
		   "it) and discharge permits (排污许可证: number, valid from and to, permitted\n"
		   "pollutants and limits, e.g. 'COD=50 mg/L;NH3-N=5 mg/L'). A unit publishes\n"
		   "the sources in its region (GB/T 2260: a county its own code, a city or\n"
		   "province every code within it; others are refused, exit 6); publishing a\n"
		   "code again replaces the unit's earlier record. Every member reads the\n"
		   "register. FROM, TO: " LD_TIME_FORMS " (TO: the end of that day).\n"
		   "--file: a JSON object, or an array of them (signed in one commit), with\n"
		   "the fields `source show --json` prints: credit_code, name, region_code,\n"
		   "address, industry, note, outlets [{outlet_id, type (water|air), lat, lon\n"
		   "(degrees) or lat_e6, lon_e6, station_id, name}], permits [{permit_no,\n"
		   "valid_from, valid_to (dates as above) or valid_from_ms, valid_to_ms,\n"
		   "pollutants [..], limits [..], limit_units [..]}]; other keys are ignored.\n"
		   "show: the record in force, each permit's state (valid 有效, expiring within\n"
		   "30 days 即将到期, expired 已过期, not yet valid), and the cases this node\n"
		   "holds naming the code, in how many other regions (only cases it may read).\n"
		   "list: every source in force; --region keeps codes starting with PREFIX,\n"
		   "--expiring those whose permit in force expires within 30 days or has\n"
		   "expired, or that have none. --json: {as_of_ms, sources: [...]}; show:\n"
		   "one record with its cases.\n" CLI_CHECK_HELP
		   "Exit: 2 a malformed code or record, 6 outside this unit's region, 7 no\n"
		   "source of that code (show) or none matches (list).\n");
}

/* Memory of one publication being built: freed together. */
typedef struct pool {
	void **p;
	size_t n, cap;
} pool_t;

static void *pool_alloc(pool_t *pl, size_t n, size_t size)
{
	void *x;

	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? 2 * pl->cap : 32;
		void **np = realloc(pl->p, cap * sizeof(*np));

		if (!np)
			return NULL;
		pl->p = np;
		pl->cap = cap;
	}
	if (!(x = calloc(n ? n : 1, size)))
		return NULL;
	pl->p[pl->n++] = x;
	return x;
}

static void pool_free(pool_t *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		free(pl->p[i]);
	free(pl->p);
	*pl = (pool_t){0};
}

/* Degrees as a number into x10^6. */
static bool degrees(const char *s, double max, int32_t *out)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s || *end || !isfinite(d) || fabs(d) > max)
		return false;
	*out = (int32_t)lround(d * 1e6);
	return true;
}

static int outlet_type(const char *s)
{
	if (!strcmp(s, "water"))
		return LD__OUTLET_TYPE__OUTLET_TYPE_WATER;
	if (!strcmp(s, "air"))
		return LD__OUTLET_TYPE__OUTLET_TYPE_AIR;
	return -1;
}

/* "ID,water|air[,LAT,LON[,STATION]]" into o (strings into 'arg'). */
static int outlet_arg(char *arg, Ld__PollutionSource__Outlet *o)
{
	char *f[5] = {0};
	size_t n = 0;
	int t;

	ld__pollution_source__outlet__init(o);
	for (char *p = arg; n < 5 && p; n++) {
		f[n] = p;
		if ((p = strchr(p, ',')))
			*p++ = '\0';
	}
	if (n < 2 || n == 3 || !f[0][0] || (t = outlet_type(f[1])) < 0)
		return cli_fail(
			EXIT_USAGE,
			"source publish: --outlet: expected ID,water|air[,LAT,LON[,STATION]]");
	o->outlet_id = f[0];
	o->has_type = true;
	o->type = (uint32_t)t;
	if (n >= 4) {
		if (!degrees(f[2], 90, &o->lat_e6) || !degrees(f[3], 180, &o->lon_e6))
			return cli_fail(EXIT_USAGE,
					"source publish: --outlet %s: latitude and longitude are "
					"degrees (-90..90, -180..180)",
					f[0]);
		o->has_lat_e6 = o->has_lon_e6 = true;
	}
	if (n == 5 && f[4][0])
		o->station_id = f[4];
	return 0;
}

/* "POLLUTANT=LIMIT UNIT" pairs separated by ';' into permit p. */
static int limits_arg(char *s, Ld__PollutionSource__Permit *p, pool_t *pl)
{
	size_t max = 1;

	for (const char *c = s; *c; c++)
		max += *c == ';';
	p->pollutants = pool_alloc(pl, max, sizeof(char *));
	p->limits = pool_alloc(pl, max, sizeof(double));
	p->limit_units = pool_alloc(pl, max, sizeof(char *));
	if (!p->pollutants || !p->limits || !p->limit_units)
		return cli_fail(EXIT_STORE, "out of memory");
	for (char *tok = strtok(s, ";"); tok; tok = strtok(NULL, ";")) {
		char *eq = strchr(tok, '='), *end;
		double v;

		if (!eq || eq == tok)
			return cli_fail(EXIT_USAGE,
					"source publish: --permit: '%.40s': expected "
					"POLLUTANT=LIMIT UNIT",
					tok);
		*eq++ = '\0';
		v = strtod(eq, &end);
		if (end == eq || !isfinite(v) || v < 0)
			return cli_fail(EXIT_USAGE,
					"source publish: --permit: the limit of %s is not a number",
					tok);
		while (*end == ' ')
			end++;
		p->pollutants[p->n_pollutants] = tok;
		p->limits[p->n_limits++] = v;
		p->limit_units[p->n_limit_units++] = end;
		p->n_pollutants++;
	}
	return 0;
}

/* "NUMBER,FROM,TO[,LIMITS]" into p (strings into 'arg'). */
static int permit_arg(char *arg, Ld__PollutionSource__Permit *p, pool_t *pl)
{
	char *f[4] = {0};
	size_t n = 0;

	ld__pollution_source__permit__init(p);
	for (char *c = arg; n < 4 && c; n++) {
		f[n] = c;
		if (n < 3 && (c = strchr(c, ',')))
			*c++ = '\0';
		else if (n == 3)
			c = NULL;
	}
	if (n < 3 || !f[0][0])
		return cli_fail(EXIT_USAGE, "source publish: --permit: expected "
					    "NUMBER,FROM,TO[,POLLUTANT=LIMIT UNIT;...]");
	p->permit_no = f[0];
	if (cli_time_arg("source publish", "--permit FROM", f[1], false, &p->valid_from_ms) ||
	    cli_time_arg("source publish", "--permit TO", f[2], true, &p->valid_to_ms))
		return EXIT_USAGE;
	p->has_valid_from_ms = p->has_valid_to_ms = true;
	return n == 4 && f[3][0] ? limits_arg(f[3], p, pl) : 0;
}

/* A string member of o, or NULL. */
static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A date member: KEY_ms as a number, else KEY as typed. 0, 1 absent, or an
 * exit code. */
static int jdate(json_t *o, const char *key, bool end_of_day, int64_t *ms)
{
	char k[32];
	json_t *v;

	snprintf(k, sizeof(k), "%s_ms", key);
	if (json_is_integer(v = json_object_get(o, k))) {
		*ms = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v = json_object_get(o, key)))
		return 1;
	return cli_time_arg("source publish", key, json_string_value(v), end_of_day, ms);
}

/* A list of strings of o[key] into a pooled array. */
static int jstrings(json_t *o, const char *key, char ***out, size_t *n, pool_t *pl)
{
	json_t *a = json_object_get(o, key), *x;
	size_t i;

	*n = 0;
	if (!a)
		return 0;
	if (!json_is_array(a) || !(*out = pool_alloc(pl, json_array_size(a), sizeof(char *))))
		return cli_fail(EXIT_USAGE, "source publish: %s must be a list", key);
	json_array_foreach(a, i, x)
	{
		if (!json_is_string(x))
			return cli_fail(EXIT_USAGE, "source publish: %s must be a list of text",
					key);
		(*out)[(*n)++] = (char *)json_string_value(x);
	}
	return 0;
}

/* One source of a JSON file into m (strings borrowed from o). */
static int from_json(json_t *o, Ld__PollutionSource *m, pool_t *pl)
{
	json_t *a, *x;
	size_t i;
	int r;

	ld__pollution_source__init(m);
	if (!json_is_object(o))
		return cli_fail(EXIT_USAGE, "source publish: --file: each source is a JSON object");
	m->credit_code = (char *)jstr(o, "credit_code");
	m->name = (char *)jstr(o, "name");
	m->region_code = (char *)jstr(o, "region_code");
	m->address = (char *)jstr(o, "address");
	m->industry = (char *)jstr(o, "industry");
	m->note = (char *)jstr(o, "note");
	if (json_is_array(a = json_object_get(o, "outlets"))) {
		m->outlets = pool_alloc(pl, json_array_size(a), sizeof(*m->outlets));
		if (!m->outlets)
			return cli_fail(EXIT_STORE, "out of memory");
		json_array_foreach(a, i, x)
		{
			Ld__PollutionSource__Outlet *ot = pool_alloc(pl, 1, sizeof(*ot));
			const char *t = jstr(x, "type");
			json_t *la = json_object_get(x, "lat"), *lo = json_object_get(x, "lon");

			if (!ot)
				return cli_fail(EXIT_STORE, "out of memory");
			ld__pollution_source__outlet__init(ot);
			ot->outlet_id = (char *)jstr(x, "outlet_id");
			ot->station_id = (char *)jstr(x, "station_id");
			ot->name = (char *)jstr(x, "name");
			if (t && outlet_type(t) > 0) {
				ot->has_type = true;
				ot->type = (uint32_t)outlet_type(t);
			}
			if (json_is_number(la) && json_is_number(lo)) {
				ot->has_lat_e6 = ot->has_lon_e6 = true;
				ot->lat_e6 = (int32_t)lround(json_number_value(la) * 1e6);
				ot->lon_e6 = (int32_t)lround(json_number_value(lo) * 1e6);
			} else if (json_is_integer(la = json_object_get(x, "lat_e6")) &&
				   json_is_integer(lo = json_object_get(x, "lon_e6"))) {
				ot->has_lat_e6 = ot->has_lon_e6 = true;
				ot->lat_e6 = (int32_t)json_integer_value(la);
				ot->lon_e6 = (int32_t)json_integer_value(lo);
			}
			m->outlets[m->n_outlets++] = ot;
		}
	}
	if (json_is_array(a = json_object_get(o, "permits"))) {
		m->permits = pool_alloc(pl, json_array_size(a), sizeof(*m->permits));
		if (!m->permits)
			return cli_fail(EXIT_STORE, "out of memory");
		json_array_foreach(a, i, x)
		{
			Ld__PollutionSource__Permit *p = pool_alloc(pl, 1, sizeof(*p));
			json_t *lim = json_object_get(x, "limits"), *v;
			size_t k;

			if (!p)
				return cli_fail(EXIT_STORE, "out of memory");
			ld__pollution_source__permit__init(p);
			p->permit_no = (char *)jstr(x, "permit_no");
			if ((r = jdate(x, "valid_from", false, &p->valid_from_ms)) > 1)
				return r;
			p->has_valid_from_ms = r == 0;
			if ((r = jdate(x, "valid_to", true, &p->valid_to_ms)) > 1)
				return r;
			p->has_valid_to_ms = r == 0;
			if ((r = jstrings(x, "pollutants", &p->pollutants, &p->n_pollutants, pl)) ||
			    (r = jstrings(x, "limit_units", &p->limit_units, &p->n_limit_units,
					  pl)))
				return r;
			if (json_is_array(lim)) {
				if (!(p->limits =
					      pool_alloc(pl, json_array_size(lim), sizeof(double))))
					return cli_fail(EXIT_STORE, "out of memory");
				json_array_foreach(lim, k, v) p->limits[p->n_limits++] =
					json_number_value(v);
			}
			m->permits[m->n_permits++] = p;
		}
	}
	return 0;
}

/* Check and sign the n sources of m in one commit (everyone reads them). */
static int sign_all(ldc_t *cl, Ld__PollutionSource **m, size_t n, bool json)
{
	Ld__AppendItem *items = calloc(n, sizeof(*items));
	const Ld__AppendItem **ip = calloc(n, sizeof(*ip));
	ldc_ref_t *refs = calloc(n, sizeof(*refs));
	char *msg = NULL, why[512];
	json_t *out = NULL;
	int r = 0;

	if (!items || !ip || !refs) {
		r = cli_fail(EXIT_STORE, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		/* What the daemon would refuse as malformed, said here first. */
		if (ld_source_valid(m[i], why, sizeof(why))) {
			r = cli_fail(EXIT_USAGE, "source publish: %s", why);
			goto out;
		}
		ld__append_item__init(&items[i]);
		items[i].has_kind = items[i].has_payload = items[i].has_everyone = true;
		items[i].kind = LD__KIND__KIND_POLLUTION_SOURCE;
		items[i].everyone = true;
		items[i].payload.len = ld__pollution_source__get_packed_size(m[i]);
		if (!(items[i].payload.data = malloc(items[i].payload.len + 1))) {
			r = cli_fail(EXIT_STORE, "out of memory");
			goto out;
		}
		ld__pollution_source__pack(m[i], items[i].payload.data);
		ip[i] = &items[i];
	}
	r = cli_check_only ? ldc_check(cl, ip, n, &msg) : ldc_append(cl, ip, n, refs, &msg);
	if (r < 0) {
		r = cli_sign_fail(r, msg, "source publish");
		goto out;
	}
	out = json_pack("{s:[]}", "sources");
	for (size_t i = 0; out && i < n; i++) {
		char hex[65];
		json_t *x = cli_check_only ? json_pack("{s:s, s:b}", "credit_code",
						       m[i]->credit_code, "accepted", 1)
					   : json_pack("{s:s, s:s, s:I, s:s}", "credit_code",
						       m[i]->credit_code, "feed", refs[i].feed,
						       "seq", (json_int_t)refs[i].seq, "id",
						       ld_hex(refs[i].id, 32, hex));

		json_array_append_new(json_object_get(out, "sources"), x);
		if (json)
			continue;
		if (cli_check_only)
			printf(_("source %s: the rules accept it (--check: nothing signed)\n"),
			       m[i]->credit_code);
		else
			printf(_("source %s signed as %s #%llu\n"), m[i]->credit_code, refs[i].feed,
			       (unsigned long long)refs[i].seq);
	}
	if (json)
		r = cli_json_dump(out);
out:
	json_decref(out);
	for (size_t i = 0; items && i < n; i++)
		free(items[i].payload.data);
	free(items);
	free(ip);
	free(refs);
	free(msg);
	return r;
}

static int publish(int argc, char **argv)
{
	static const struct option opts[] = {
		{"code", required_argument, NULL, 'C'},
		{"name", required_argument, NULL, 'n'},
		{"region", required_argument, NULL, 'r'},
		{"address", required_argument, NULL, 'A'},
		{"industry", required_argument, NULL, 'i'},
		{"note", required_argument, NULL, 'N'},
		{"outlet", required_argument, NULL, 'o'},
		{"permit", required_argument, NULL, 'p'},
		{"file", required_argument, NULL, 'f'},
		CLI_SIGN_OPTS,
	};
	Ld__PollutionSource one = LD__POLLUTION_SOURCE__INIT, **ms = NULL, *onep = &one;
	Ld__PollutionSource__Outlet outs[64], *op[64];
	Ld__PollutionSource__Permit pms[16], *pp[16];
	const char *file = NULL;
	cli_common_t co = {0};
	json_error_t jerr;
	json_t *doc = NULL;
	pool_t pl = {0};
	size_t n = 0;
	ldc_t *cl = NULL;
	bool flags = false;
	int c, r;

	one.outlets = op;
	one.permits = pp;
	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		flags |= c != 'f' && c != 'h';
		switch (c) {
		case 'C':
			one.credit_code = optarg;
			break;
		case 'n':
			one.name = optarg;
			break;
		case 'r':
			one.region_code = optarg;
			break;
		case 'A':
			one.address = optarg;
			break;
		case 'i':
			one.industry = optarg;
			break;
		case 'N':
			one.note = optarg;
			break;
		case 'o':
			if (one.n_outlets == 64)
				return cli_fail(EXIT_USAGE, "source publish: at most 64 --outlet");
			if ((r = outlet_arg(optarg, &outs[one.n_outlets])))
				return r;
			op[one.n_outlets] = &outs[one.n_outlets];
			one.n_outlets++;
			break;
		case 'p':
			if (one.n_permits == 16)
				return cli_fail(EXIT_USAGE, "source publish: at most 16 --permit");
			if ((r = permit_arg(optarg, &pms[one.n_permits], &pl))) {
				pool_free(&pl);
				return r;
			}
			pp[one.n_permits] = &pms[one.n_permits];
			one.n_permits++;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			pool_free(&pl);
			return source_usage(stdout), 0;
		default:
			pool_free(&pl);
			return source_usage(stderr), EXIT_USAGE;
		}
	}
	if (optind != argc + 1 || (file && flags) || (!file && !flags)) {
		pool_free(&pl);
		source_usage(stderr);
		return cli_fail(EXIT_USAGE, "source publish: give the source's options, or --file "
					    "FILE alone");
	}
	if (file) {
		json_t *x;
		size_t i;

		doc = strcmp(file, "-") ? json_load_file(file, 0, &jerr)
					: json_loadf(stdin, 0, &jerr);
		if (!doc) {
			r = cli_fail(EXIT_FILE, "source publish: %s: line %d: %s", file, jerr.line,
				     jerr.text);
			goto out;
		}
		n = json_is_array(doc) ? json_array_size(doc) : 1;
		if (n == 0 || n > SRC_FILE_MAX) {
			r = cli_fail(EXIT_USAGE, "source publish: %s: 1 to %d sources", file,
				     SRC_FILE_MAX);
			goto out;
		}
		if (!(ms = pool_alloc(&pl, n, sizeof(*ms)))) {
			r = cli_fail(EXIT_STORE, "out of memory");
			goto out;
		}
		for (i = 0; i < n; i++) {
			x = json_is_array(doc) ? json_array_get(doc, i) : doc;
			if (!(ms[i] = pool_alloc(&pl, 1, sizeof(**ms)))) {
				r = cli_fail(EXIT_STORE, "out of memory");
				goto out;
			}
			if ((r = from_json(x, ms[i], &pl)))
				goto out;
		}
	} else {
		ms = &onep;
		n = 1;
	}
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		goto out;
	r = sign_all(cl, ms, n, co.json);
out:
	ldc_destroy(&cl);
	json_decref(doc);
	pool_free(&pl);
	return r;
}

/* The register as the daemon holds it: 0 with *ret (caller frees), or an
 * exit code after saying why. */
static int fetch(ldc_t *cl, const char *cmd, const Ld__ApiSourceQuery *sq, Ld__ApiResponse **ret)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	int r;

	q.has_type = true;
	q.type = LD__API_TYPE__API_SOURCE;
	q.source_query = (Ld__ApiSourceQuery *)sq;
	if ((r = ldc_call(cl, &q, 10000, &resp)) < 0)
		return cli_daemon_fail(r, cmd);
	if (!resp->ok) {
		r = resp->err == -ENOENT
			    ? cli_fail(EXIT_NO_CASE,
				       "%s %s: no source of that credit code is in the "
				       "register held here",
				       cmd, sq->credit_code ? sq->credit_code : "")
			    : cli_fail(EXIT_STORE, "%s: %s", cmd,
				       resp->message ? resp->message : cli_strerror(resp->err));
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	*ret = resp;
	return 0;
}

/* One source in force as a JSON record: its fields (as the payload
 * renders), who published it, its state and each permit's. NULL if the
 * entry does not decode. */
static json_t *record_json(const Ld__ApiSource *x)
{
	ld_entry_t *e = NULL;
	json_t *o = NULL, *pa;
	bool invalid = false;
	size_t i;

	if (ld_entry_parse(x->entry.data, x->entry.len, &e) < 0)
		return NULL;
	if (e->has_payload)
		o = ld_payload_json(LD__KIND__KIND_POLLUTION_SOURCE, e->payload, e->payload_len,
				    cli_time_flags, &invalid);
	if (o) {
		if (invalid)
			cli_json_note_invalid();
		json_object_set_new(o, "published_by", cli_json_text(e->hdr->author));
		json_object_set_new(o, "seq", json_integer((json_int_t)e->hdr->seq));
		json_object_set_new(o, "published_ms", json_integer(e->hdr->time_ms));
		json_object_set_new(o, "state", json_string(x->state ? x->state : ""));
		json_array_foreach(json_object_get(o, "permits"), i, pa)
		{
			if (i < x->n_permit_states)
				json_object_set_new(pa, "state", json_string(x->permit_states[i]));
		}
	}
	ld_entry_destroy(&e);
	return o;
}

static void line_text(json_t *s)
{
	printf("%s  %s  %s  %s  %s\n", cli_pad(cli_jstr(s, "credit_code"), 18),
	       cli_col(cli_jstr(s, "name"), 28), cli_pad(cli_jstr(s, "region_code"), 6),
	       cli_col(cli_term("permit state", cli_jstr(s, "state")), 14),
	       cli_jstr(s, "published_by"));
}

static void list_text(json_t *o)
{
	char when[48];
	size_t i;
	json_t *s;

	cli_fmt_time(cli_jint(o, "as_of_ms"), when, sizeof(when));
	printf(_("pollution sources held here, permits judged at %s:\n"), when);
	json_array_foreach(json_object_get(o, "sources"), i, s) line_text(s);
	if (cli_jtrue(o, "truncated"))
		printf("%s\n", _("(more sources match than one answer carries: narrow with "
				 "--region)"));
}

static void show_text(json_t *o)
{
	json_t *s = json_object_get(o, "source"), *x, *cases = json_object_get(o, "cases");
	char when[48], to[48];
	size_t i;

	printf(_("pollution source %s: %s\n"), cli_jstr(s, "credit_code"),
	       cli_1l(cli_jstr(s, "name")));
	printf(_("  region %s; address: %s; industry: %s\n"), cli_jstr(s, "region_code"),
	       cli_1l(cli_jstr(s, "address")), cli_1l(cli_jstr(s, "industry")));
	cli_fmt_time(cli_jint(s, "published_ms"), when, sizeof(when));
	printf(_("  published by %s (%s:%lld) at %s\n"), cli_jstr(s, "published_by"),
	       cli_jstr(s, "published_by"), cli_jint(s, "seq"), when);
	if (json_object_get(s, "note"))
		printf(_("  note: %s\n"), cli_1l(cli_jstr(s, "note")));
	if (json_array_size(json_object_get(s, "outlets")))
		printf("%s\n", _("outlets (排污口):"));
	json_array_foreach(json_object_get(s, "outlets"), i, x)
	{
		printf("  %s %s", cli_pad(cli_jstr(x, "outlet_id"), 10),
		       cli_col(cli_term("ld.OutletType", cli_jstr(x, "type")), 6));
		if (json_object_get(x, "lat_e6"))
			printf("  %.6f, %.6f", (double)cli_jint(x, "lat_e6") / 1e6,
			       (double)cli_jint(x, "lon_e6") / 1e6);
		if (json_object_get(x, "station_id"))
			printf(_("  station %s"), cli_jstr(x, "station_id"));
		if (json_object_get(x, "name"))
			printf("  %s", cli_1l(cli_jstr(x, "name")));
		printf("\n");
	}
	cli_fmt_time(cli_jint(o, "as_of_ms"), when, sizeof(when));
	printf(_("permits (排污许可证), judged at %s: %s\n"), when,
	       cli_term("permit state", cli_jstr(s, "state")));
	json_array_foreach(json_object_get(s, "permits"), i, x)
	{
		json_t *pol = json_object_get(x, "pollutants");
		size_t k;

		cli_fmt_time(cli_jint(x, "valid_from_ms"), when, sizeof(when));
		cli_fmt_time(cli_jint(x, "valid_to_ms"), to, sizeof(to));
		printf(_("  %s  %s .. %s  %s\n"), cli_1l(cli_jstr(x, "permit_no")), when, to,
		       cli_term("permit state", cli_jstr(x, "state")));
		for (k = 0; k < json_array_size(pol); k++) {
			json_t *lim = json_array_get(json_object_get(x, "limits"), k);
			json_t *unit = json_array_get(json_object_get(x, "limit_units"), k);

			printf("      %s", cli_1l(json_string_value(json_array_get(pol, k))));
			if (lim && json_number_value(lim) > 0)
				printf(" %g %s", json_number_value(lim),
				       unit ? cli_1l(json_string_value(unit)) : "");
			printf("\n");
		}
	}
	if (!cases) {
		printf("%s\n", _("cases naming it: the case index did not answer"));
		return;
	}
	printf(_("cases naming it held here: %lld, in %lld region(s) other than %s:"),
	       cli_jint(cases, "other_cases"), cli_jint(cases, "other_regions"),
	       cli_jstr(s, "region_code"));
	json_array_foreach(json_object_get(cases, "cases"), i, x)
		printf(" %s", json_string_value(x));
	printf("\n");
}

static int show(int argc, char **argv)
{
	Ld__ApiSourceQuery sq = LD__API_SOURCE_QUERY__INIT;
	Ld__ApiResponse *resp = NULL;
	cli_common_t co = {0};
	json_t *o, *s;
	char why[200];
	ldc_t *cl;
	int r, first;

	if ((r = cli_common_only(argc, argv, "source show",
				 "Usage: liandong source show CODE [-c CONFIG | --api EP] [--json] "
				 "[--utc]\n(liandong help source: the register)\n",
				 1, 1, &co, &first)))
		return r == 1 ? 0 : r;
	sq.credit_code = argv[first];
	if (!ld_credit_code_valid(sq.credit_code, why, sizeof(why)))
		return cli_fail(EXIT_USAGE,
				"source show: '%.40s' is not a unified social credit "
				"code: %s",
				sq.credit_code, why);
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	if ((r = fetch(cl, "source show", &sq, &resp))) {
		ldc_destroy(&cl);
		return r;
	}
	if (resp->n_sources != 1 || !(s = record_json(resp->sources[0]))) {
		ld__api_response__free_unpacked(resp, NULL);
		ldc_destroy(&cl);
		return cli_fail(EXIT_STORE, "source show: the daemon's answer does not decode");
	}
	o = json_pack("{s:I, s:o}", "as_of_ms", (json_int_t)resp->as_of_ms, "source", s);
	/* The cases naming it: the repeat-offender comparison of show CASE. */
	if (o) {
		json_t *cases = cli_party_cases(cl, cli_jstr(s, "name"), sq.credit_code, NULL,
						cli_jstr(s, "region_code"));

		if (cases)
			json_object_set_new(o, "cases", cases);
	}
	ldc_destroy(&cl);
	ld__api_response__free_unpacked(resp, NULL);
	return cli_output(o, co.json, show_text);
}

static int list(int argc, char **argv)
{
	static const struct option opts[] = {
		{"region", required_argument, NULL, 'r'},
		{"expiring", no_argument, NULL, 'e'},
		CLI_COMMON_OPTS,
	};
	Ld__ApiSourceQuery sq = LD__API_SOURCE_QUERY__INIT;
	Ld__ApiResponse *resp = NULL;
	cli_common_t co = {0};
	json_t *o, *arr;
	ldc_t *cl;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		if (c == 'r') {
			size_t len = strlen(optarg);

			if (len < 2 || len > 6 || strspn(optarg, "0123456789") != len)
				return cli_fail(EXIT_USAGE,
						"source list: --region '%.40s' must be 2 to 6 "
						"digits of a GB/T 2260 code",
						optarg);
			sq.region = optarg;
		} else if (c == 'e') {
			sq.has_expiring = sq.expiring = true;
		} else if (c == 'h') {
			return source_usage(stdout), 0;
		} else {
			return source_usage(stderr), EXIT_USAGE;
		}
	}
	if (optind != argc + 1)
		return source_usage(stderr), EXIT_USAGE;
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	r = fetch(cl, "source list", &sq, &resp);
	ldc_destroy(&cl);
	if (r)
		return r;
	arr = json_array();
	for (size_t i = 0; i < resp->n_sources; i++) {
		json_t *s = record_json(resp->sources[i]);

		if (s)
			json_array_append_new(arr, s);
	}
	o = json_pack("{s:I, s:o, s:b}", "as_of_ms", (json_int_t)resp->as_of_ms, "sources", arr,
		      "truncated", resp->truncated);
	ld__api_response__free_unpacked(resp, NULL);
	if (o && !json_array_size(arr)) {
		json_decref(o);
		return cli_fail(EXIT_NO_CASE, "source list: no source held here matches");
	}
	return cli_output(o, co.json, list_text);
}

int cmd_source(int argc, char **argv)
{
	if (argc >= 1 && !strcmp(argv[0], "publish"))
		return publish(argc - 1, argv + 1);
	if (argc >= 1 && !strcmp(argv[0], "show"))
		return show(argc - 1, argv + 1);
	if (argc >= 1 && !strcmp(argv[0], "list"))
		return list(argc - 1, argv + 1);
	if (argc >= 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")))
		return source_usage(stdout), 0;
	source_usage(stderr);
	return cli_fail(EXIT_USAGE, "source: expected publish, show or list");
}

/* client/cli_util.c: helpers shared by the workflow commands. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "client/cli.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/feed/entry.h"
#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "common/base/text.h"
#include "common/base/timeutil.h"

int cli_pick(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 1; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

bool cli_check_only;

bool cli_common_opt(cli_common_t *o, int c)
{
	switch (c) {
	case 'c':
		o->conf = optarg;
		return true;
	case 'a':
		o->api = optarg;
		return true;
	case 'j':
		o->json = true;
		return true;
	case 'U':
		cli_time_flags |= LD_TIME_UTC;
		return true;
	case 'K':
		cli_check_only = true;
		return true;
	default:
		return false;
	}
}

int cli_time_arg(const char *cmd, const char *opt, const char *arg, bool end_of_day,
		 int64_t *ret_ms)
{
	char q[160];
	int r = ld_time_parse(arg, end_of_day, ld_now_ms(), ret_ms);

	if (r == 0)
		return 0;
	ld_text_quote(arg, 40, q, sizeof(q));
	if (r == -ERANGE)
		return cli_fail(EXIT_USAGE,
				"%s: %s '%.80s': no such date or time in the calendar "
				"(check the day of the month, hours 00-23, minutes "
				"00-59)",
				cmd, opt, q);
	return cli_fail(EXIT_USAGE, "%s: %s '%.80s' is not a date: %s", cmd, opt, q,
			_(LD_TIME_FORMS));
}

int cli_text_arg(const char *cmd, const char *opt, const char *value, const char *field)
{
	ld_text_limit_t lim = ld_field_limit(field);
	size_t len = strlen(value);
	const char *bad = ld_text_check(value, len, lim.max_bytes, lim.multiline);
	char q[160];

	if (!bad)
		return 0;
	ld_text_quote(value, 40, q, sizeof(q));
	if (len > lim.max_bytes && ld_utf8_valid(value, len))
		return cli_fail(EXIT_USAGE,
				"%s: %s is too long: %zu bytes, at most %zu%s ('%.80s')", cmd, opt,
				len, lim.max_bytes,
				lim.multiline ? _("; long text can come from a file") : "", q);
	return cli_fail(EXIT_USAGE, "%s: %s %s: '%.80s'", cmd, opt, _(bad), q);
}

int cli_text_file(const char *cmd, const char *opt, const char *path, const char *field, char **ret)
{
	ld_text_limit_t lim = ld_field_limit(field);
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = lim.max_bytes + 2, len = 0, w = 0;
	char *buf;
	int r;

	if (!f)
		return cli_fail(EXIT_FILE, "%s: %s %s: %s", cmd, opt, path, strerror(errno));
	buf = malloc(cap + 1);
	if (buf)
		len = fread(buf, 1, cap, f);
	if (buf && ferror(f)) {
		r = cli_fail(EXIT_FILE, "%s: %s %s: %s", cmd, opt, path, strerror(errno));
		free(buf);
		if (f != stdin)
			fclose(f);
		return r;
	}
	if (f != stdin)
		fclose(f);
	if (!buf)
		return cli_fail(EXIT_STORE, "out of memory");
	/* CRLF as LF, and no final newline: text as people typed it. */
	for (size_t i = 0; i < len; i++)
		if (!(buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n'))
			buf[w++] = buf[i];
	if (w && buf[w - 1] == '\n')
		w--;
	buf[w] = '\0';
	if (memchr(buf, '\0', w))
		r = cli_fail(EXIT_USAGE, "%s: %s %s holds NUL bytes: is it a text file?", cmd, opt,
			     path);
	else if (w > lim.max_bytes)
		r = cli_fail(EXIT_USAGE, "%s: %s %s is too long: more than %zu bytes", cmd, opt,
			     path, lim.max_bytes);
	else
		r = cli_text_arg(cmd, opt, buf, field);
	if (r) {
		free(buf);
		return r;
	}
	*ret = buf;
	return 0;
}

int cli_deadline_ahead(const char *cmd, const char *opt, const char *arg, int64_t t_ms)
{
	int64_t now = ld_now_ms();
	char when[48], at[48], ago[32];

	if (t_ms > now)
		return 0;
	cli_fmt_time(t_ms, when, sizeof(when));
	cli_fmt_time(now, at, sizeof(at));
	cli_span(now - t_ms, ago, sizeof(ago));
	return cli_fail(EXIT_EXPIRED,
			"%s: %s '%.80s' (%s) passed %s ago (it is now %s); give a later "
			"date, or a span such as +48h",
			cmd, opt, arg, when, ago, at);
}

bool cli_note_late(const char *cmd, const char *what, int64_t deadline_ms)
{
	int64_t now = ld_now_ms();
	char when[48], late[32];

	if (!deadline_ms || now <= deadline_ms)
		return false;
	cli_fmt_time(deadline_ms, when, sizeof(when));
	cli_span(now - deadline_ms, late, sizeof(late));
	fprintf(stderr, "liandong: ");
	fprintf(stderr, _("%s: note: recorded late, %s after the %s deadline (%s)\n"), cmd, late,
		_(what), when);
	return true;
}

int cli_self_id(struct ldc *cl, char out[LD_NODE_ID_MAX + 1])
{
	Ld__ApiResponse *resp;
	int r = ldc_status(cl, &resp);

	if (r < 0)
		return r;
	snprintf(out, LD_NODE_ID_MAX + 1, "%s",
		 resp->status && resp->status->node_id ? resp->status->node_id : "");
	ld__api_response__free_unpacked(resp, NULL);
	return out[0] ? 0 : -EPROTO;
}

int cli_get_entry(struct ldc *cl, const char *feed, uint64_t seq, ld_entry_t **ret)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	int r;

	q.has_type = q.has_seq = true;
	q.type = LD__API_TYPE__API_GET;
	q.feed = (char *)feed;
	q.seq = seq;
	if ((r = ldc_call(cl, &q, 10000, &resp)) < 0)
		return r;
	r = resp->ok && resp->n_entries == 1
		    ? ld_entry_parse(resp->entries[0]->entry.data, resp->entries[0]->entry.len, ret)
		    : -ENOENT;
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

int cli_blob_dir(struct ldc *cl, char *out, size_t size)
{
	Ld__ApiResponse *resp;
	int r = ldc_status(cl, &resp);

	if (r < 0)
		return r;
	snprintf(out, size, "%s",
		 resp->status && resp->status->blob_dir ? resp->status->blob_dir : "");
	ld__api_response__free_unpacked(resp, NULL);
	return out[0] ? 0 : -EPROTO;
}

int cli_sign_json(struct ldc *cl, uint32_t kind, const char *const *aud, size_t n_aud,
		  const uint8_t *payload, size_t len, const char *what, json_t *extra, json_t **ret)
{
	Ld__AppendItem item = LD__APPEND_ITEM__INIT;
	const Ld__AppendItem *items[] = {&item};
	char *msg = NULL, hex[65];
	ldc_ref_t ref;
	json_t *o;
	int r;

	item.has_kind = item.has_payload = true;
	item.kind = kind;
	item.audience = (char **)aud;
	item.n_audience = n_aud;
	/* No audience at all: an entry for every member (a directory). */
	item.has_everyone = item.everyone = aud == NULL;
	item.payload.data = (uint8_t *)payload;
	item.payload.len = len;
	r = cli_check_only ? ldc_check(cl, items, 1, &msg) : ldc_append(cl, items, 1, &ref, &msg);
	if (r < 0) {
		r = cli_sign_fail(r, msg, what);
		free(msg);
		json_decref(extra);
		return r;
	}
	if (cli_check_only) {
		o = json_pack("{s:b, s:b}", "checked", 1, "accepted", 1);
		if (o && extra)
			json_object_update(o, extra);
		json_decref(extra);
		if (!o)
			return cli_fail(EXIT_STORE, "out of memory");
		*ret = o;
		return 0;
	}
	o = json_pack("{s:s, s:I, s:s}", "feed", ref.feed, "seq", (json_int_t)ref.seq, "id",
		      ld_hex(ref.id, 32, hex));
	if (o && extra)
		json_object_update(o, extra);
	json_decref(extra);
	if (!o)
		return cli_fail(EXIT_STORE, "%s signed as %s #%llu, but out of memory", what,
				ref.feed, (unsigned long long)ref.seq);
	*ret = o;
	return 0;
}

int cli_sign(struct ldc *cl, uint32_t kind, const char *const *aud, size_t n_aud,
	     const uint8_t *payload, size_t len, bool json, const char *what, json_t *extra)
{
	json_t *o;
	int r = cli_sign_json(cl, kind, aud, n_aud, payload, len, what, extra, &o);

	if (r)
		return r;
	if (json)
		r = cli_json_dump(o);
	else
		cli_signed_text(what, o);
	json_decref(o);
	return r;
}

void cli_signed_text(const char *what, json_t *o)
{
	if (cli_check_only) {
		printf("%s: the rules accept it (--check: nothing signed)\n", what);
		return;
	}
	printf("%s signed as %s #%lld (%s:%lld)\n", what, cli_jstr(o, "feed"), cli_jint(o, "seq"),
	       cli_jstr(o, "feed"), cli_jint(o, "seq"));
}

int cli_sign_fail(int r, const char *msg, const char *what)
{
	int code = r == LD_ENOTMEMBER				       ? EXIT_NO_CASE
		   : r == LD_EMALFORMED				       ? EXIT_USAGE
		   : r == LD_EREVOKED || r == -EPERM || r == LD_ECLOCK ? EXIT_DENIED
								       : EXIT_STORE;

	if (r == -ETIMEDOUT)
		return cli_daemon_fail(r, what);
	/* A revoked node: the daemon signed nothing and says since when. */
	if (r == LD_ESELFREVOKED)
		return cli_fail(EXIT_DENIED, "%s refused: this node is %s", what,
				msg ? msg : cli_strerror(r));
	return cli_fail(code, "%s refused: %s", what, msg ? msg : cli_strerror(r));
}

void cli_aud_add(const char **aud, size_t *n, size_t max, const char *self, const char *node)
{
	if (!node || !strcmp(node, self) || *n >= max)
		return;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(aud[i], node))
			return;
	aud[(*n)++] = node;
}

int cli_refs_add(cli_refs_t *l, const char *cmd, const char *opt, const char *arg)
{
	size_t i = l->n;

	if (i >= l->max || i >= CLI_REFS_MAX)
		return cli_fail(EXIT_USAGE, "%s: %s '%.80s': at most %zu", cmd, opt, arg, l->max);
	ld__entry_ref__init(&l->refs[i]);
	if (cli_parse_ref(arg, l->feed[i], &l->refs[i].seq) < 0)
		return cli_fail(EXIT_USAGE,
				"%s: %s '%.80s': expected FEED:SEQ (an entry, e.g. "
				"county-a:6)",
				cmd, opt, arg);
	l->refs[i].feed = l->feed[i];
	l->refs[i].has_seq = true;
	l->ptrs[i] = &l->refs[i];
	l->n++;
	return 0;
}

int cli_parse_ref(const char *arg, char feed[LD_NODE_ID_MAX + 1], uint64_t *seq)
{
	const char *colon = strrchr(arg, ':');
	char *end;

	if (!colon || colon == arg || (size_t)(colon - arg) > LD_NODE_ID_MAX)
		return -EINVAL;
	snprintf(feed, LD_NODE_ID_MAX + 1, "%.*s", (int)(colon - arg), arg);
	errno = 0;
	*seq = strtoull(colon + 1, &end, 10);
	return ld_node_id_valid(feed) && !*end && *seq && !errno ? 0 : -EINVAL;
}

int cli_case_parties(struct ldc *cl, const char *case_id, char parties[2][LD_NODE_ID_MAX + 1],
		     bool *known)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	int r;

	q.has_type = true;
	q.type = LD__API_TYPE__API_CASE;
	q.case_id = (char *)case_id;
	if ((r = ldc_call(cl, &q, 10000, &resp)) < 0)
		return r;
	*known = resp->ok && resp->case_view && resp->case_view->opened;
	if (*known) {
		snprintf(parties[0], LD_NODE_ID_MAX + 1, "%s", resp->case_view->referrer);
		snprintf(parties[1], LD_NODE_ID_MAX + 1, "%s", resp->case_view->holder);
	}
	ld__api_response__free_unpacked(resp, NULL);
	return 0;
}

int cli_fetch_case(struct ldc *cl, const char *case_id, Ld__ApiResponse **ret)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;

	q.has_type = true;
	q.type = LD__API_TYPE__API_CASE;
	q.case_id = (char *)case_id;
	return ldc_call(cl, &q, 10000, ret);
}

void cli_new_id(const char *self, const char *prefix, char *buf, size_t n)
{
	uint8_t rnd[3] = {0};
	time_t t = time(NULL);
	struct tm tm;
	char stamp[32];

	/* The second alone is not unique (two referrals in one second); a
	 * random tail makes a collision vanishingly rare, and the caller still
	 * refuses an id already in use. */
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		rnd[0] = (uint8_t)ts.tv_nsec, rnd[1] = (uint8_t)(ts.tv_nsec >> 8);
		rnd[2] = (uint8_t)getpid();
	}
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, n, "%s/%s%s-%02x%02x%02x", self, prefix, stamp, rnd[0], rnd[1], rnd[2]);
}

int cli_common_only(int argc, char **argv, const char *cmd, const char *help, int min, int max,
		    cli_common_t *co, int *ret_first)
{
	static const struct option opts[] = {CLI_COMMON_OPTS};
	int c, n;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(co, c))
			continue;
		if (c == 'h') {
			fputs(help, stdout);
			return 1;
		}
		fputs(help, stderr);
		return EXIT_USAGE;
	}
	n = argc + 1 - optind;
	if (n < min || n > max) {
		fputs(help, stderr);
		return n > max ? cli_fail(EXIT_USAGE, "%s: unexpected argument '%.80s'", cmd,
					  argv[optind - 1 + max])
			       : cli_fail(EXIT_USAGE, "%s: missing argument (see above)", cmd);
	}
	*ret_first = optind - 1;
	return 0;
}

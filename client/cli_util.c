/* client/cli_util.c: helpers shared by the workflow commands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cli.h"
#include "client/ldclient.h"
#include "common/entry.h"
#include "common/errors.h"

int cli_pick(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 1; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

int64_t cli_parse_time(const char *s, bool end_of_day)
{
	struct tm tm = {0};
	char *end;
	time_t t;

	if (s[0] == '+') {
		long v = strtol(s + 1, &end, 10);
		int64_t unit = *end == 's' ? 1000 : *end == 'm' ? 60000 : *end == 'h' ? 3600000
			       : *end == 'd' ? 86400000 : 0;

		if (v <= 0 || v > 100000000 || !unit || end[1])
			return -1;
		return (int64_t)time(NULL) * 1000 + v * unit;
	}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end && (*end == 'T' || *end == ' ')) {
		end = strptime(end + 1, "%H:%M", &tm);
		if (end && *end == ':')
			end = strptime(end + 1, "%S", &tm);
	} else if (end && end_of_day) {
		tm.tm_hour = 23, tm.tm_min = 59, tm.tm_sec = 59;
	}
	/* A trailing Z, as `show` prints times, is welcome: they are UTC. */
	if (end && *end == 'Z')
		end++;
	if (!end || *end)
		return -1;
	t = timegm(&tm);
	/* Before 1970 is a date, long past: the epoch, not the error value. */
	return t < 0 ? 0 : (int64_t)t * 1000;
}

void cli_fmt_time(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%SZ", &tm))
		snprintf(buf, n, "%lld", (long long)ms);
}

/* "3 d 4 h", "2 h 5 min", "40 s": a span for people. */
static void fmt_span(int64_t ms, char *buf, size_t n)
{
	int64_t s = ms / 1000;

	if (s >= 86400)
		snprintf(buf, n, "%lld d %lld h", (long long)(s / 86400), (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, n, "%lld h %lld min", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, n, "%lld min", (long long)(s / 60));
	else
		snprintf(buf, n, "%lld s", (long long)s);
}

int cli_deadline_ahead(const char *cmd, const char *opt, const char *arg, int64_t t_ms)
{
	int64_t now = (int64_t)time(NULL) * 1000;
	char when[32], at[32], ago[32];

	if (t_ms > now)
		return 0;
	cli_fmt_time(t_ms, when, sizeof(when));
	cli_fmt_time(now, at, sizeof(at));
	fmt_span(now - t_ms, ago, sizeof(ago));
	return cli_fail(EXIT_EXPIRED, "%s: %s '%s' (%s) passed %s ago (it is now %s); give a later "
				      "date, or a span such as +48h", cmd, opt, arg, when, ago, at);
}

bool cli_note_late(const char *cmd, const char *what, int64_t deadline_ms)
{
	int64_t now = (int64_t)time(NULL) * 1000;
	char when[32], late[32];

	if (!deadline_ms || now <= deadline_ms)
		return false;
	cli_fmt_time(deadline_ms, when, sizeof(when));
	fmt_span(now - deadline_ms, late, sizeof(late));
	fprintf(stderr, "liandong: %s: note: recorded late, %s after the %s deadline (%s)\n", cmd,
		late, what, when);
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
	snprintf(out, size, "%s", resp->status && resp->status->blob_dir ? resp->status->blob_dir : "");
	ld__api_response__free_unpacked(resp, NULL);
	return out[0] ? 0 : -EPROTO;
}

int cli_append_fail(int r, const char *what, const char *msg)
{
	if (r == -ETIMEDOUT)
		return cli_daemon_fail(r, what);
	/* A revoked node: the daemon signed nothing and says since when. */
	if (r == LD_ESELFREVOKED)
		return cli_fail(EXIT_DENIED, "%s refused: this node is %s", what,
				msg ? msg : ld_strerror(r));
	return cli_fail(EXIT_STORE, "%s refused: %s", what, msg ? msg : ld_strerror(r));
}

int cli_sign(struct ldc *cl, uint32_t kind, const char *const *aud, size_t n_aud,
	     const uint8_t *payload, size_t len, bool json, const char *what)
{
	Ld__AppendItem item = LD__APPEND_ITEM__INIT;
	const Ld__AppendItem *items[] = {&item};
	char *msg = NULL;
	ldc_ref_t ref;
	int r;

	item.has_kind = item.has_payload = true;
	item.kind = kind;
	item.audience = (char **)aud;
	item.n_audience = n_aud;
	item.payload.data = (uint8_t *)payload;
	item.payload.len = len;
	r = ldc_append(cl, items, 1, &ref, &msg);
	if (r < 0) {
		r = cli_append_fail(r, what, msg);
		free(msg);
		return r;
	}
	if (json)
		printf("{\"feed\": \"%s\", \"seq\": %llu}\n", ref.feed, (unsigned long long)ref.seq);
	else
		printf("%s signed as %s #%llu (%s:%llu)\n", what, ref.feed, (unsigned long long)ref.seq,
		       ref.feed, (unsigned long long)ref.seq);
	return 0;
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
		return cli_fail(EXIT_USAGE, "%s: %s '%s': at most %zu", cmd, opt, arg, l->max);
	ld__entry_ref__init(&l->refs[i]);
	if (cli_parse_ref(arg, l->feed[i], &l->refs[i].seq) < 0)
		return cli_fail(EXIT_USAGE, "%s: %s '%s': expected FEED:SEQ (an entry, e.g. "
					    "county-a:6)", cmd, opt, arg);
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

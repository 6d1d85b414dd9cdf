/* server/monitor.c: early warning (智能预警). The monitor index keeps, per
 * station, parameter and rule, whether an episode of readings beyond the
 * rule still wants its warning; once a second this node signs that warning
 * for the stations it runs. The rule is told apart here, with the freshest
 * readings held: a section beyond its limit while an upstream section of
 * it, read within two hours of it, is within that limit is an upstream
 * comparison (上下游比对: the excess arises between them); otherwise it is
 * the threshold (超标). Applying the signed warning to the index ends the
 * episode's wish, so each episode is warned once, across restarts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "common/views/monitor.h"
#include "monitor.pb-c.h"
#include "server/log.h"
#include "server/monitor.h"
#include "server/node.h"

#define WARN_MAX 64
#define NEAR_MS (2 * 3600 * 1000LL)
#define AUD_MAX 16

struct warn {
	Ld__MonitorWarning m;
	Ld__EntryRef ref, up_ref;
	char station[LD_CASE_ID_MAX + 1], param[LD_MON_PARAM_MAX], unit[16];
	char up_station[LD_CASE_ID_MAX + 1], up_feed[LD_NODE_ID_MAX + 1];
	char note[512];
	char aud_buf[AUD_MAX][LD_NODE_ID_MAX + 1];
	const char *aud[AUD_MAX];
	size_t n_aud;
	uint8_t *buf;
	size_t len;
};

struct tick {
	ld_node_t *n;
	struct warn *w;
	size_t nw;
};

static void aud_add(struct warn *w, ld_node_t *n, const char *node)
{
	if (!node || !strcmp(node, n->conf->id) || w->n_aud >= AUD_MAX ||
	    !ld_access_member(n->access, node))
		return;
	for (size_t i = 0; i < w->n_aud; i++)
		if (!strcmp(w->aud[i], node))
			return;
	snprintf(w->aud_buf[w->n_aud], sizeof(w->aud_buf[0]), "%s", node);
	w->aud[w->n_aud] = w->aud_buf[w->n_aud];
	w->n_aud++;
}

static void aud_add_unit_of(struct warn *w, ld_node_t *n, const char *station)
{
	char unit[LD_NODE_ID_MAX + 1];

	if (ld_monitor_station_unit(station, unit, sizeof(unit)) == 0)
		aud_add(w, n, unit);
}

/* Units whose stations name 'station' upstream: the sections downstream. */
struct down_walk {
	struct warn *w;
	ld_node_t *n;
	const char *station;
};

static int down_one(void *ud, const void *p)
{
	const Ld__MonitorStation *s = p;
	struct down_walk *d = ud;

	for (size_t i = 0; i < s->n_upstream; i++)
		if (!strcmp(s->upstream[i], d->station))
			aud_add_unit_of(d->w, d->n, s->station_id);
	return 0;
}

/* Is 'v' within limit 'lim' on the side reading 'bad' broke it? */
static bool within(double v, double lim, double bad)
{
	return bad > lim ? v <= lim : v >= lim;
}

static int due_cb(void *ud, const char *station, const char *param, int rule,
		  const ld_mon_state_t *st)
{
	struct tick *t = ud;
	ld_node_t *n = t->n;
	char unit[LD_NODE_ID_MAX + 1];
	const ld_mon_episode_t *ep = &st->ep[rule];
	Ld__MonitorStation *sm = NULL;
	struct warn *w;

	if (t->nw >= WARN_MAX)
		return 1;
	if (ld_monitor_station_unit(station, unit, sizeof(unit)) < 0 || strcmp(unit, n->conf->id))
		return 0; /* another unit's station: it warns for it */
	w = &t->w[t->nw];
	memset(w, 0, sizeof(*w));
	ld__monitor_warning__init(&w->m);
	ld__entry_ref__init(&w->ref);
	snprintf(w->station, sizeof(w->station), "%s", station);
	snprintf(w->param, sizeof(w->param), "%s", param);
	snprintf(w->unit, sizeof(w->unit), "%s", st->unit);
	w->m.station_id = w->station;
	w->m.parameter = w->param;
	w->m.unit = w->unit;
	w->m.has_rule = w->m.has_value = w->m.has_limit = w->m.has_at_ms = true;
	w->m.rule = rule ? LD__WARNING_RULE__WARNING_RULE_JUMP
			 : LD__WARNING_RULE__WARNING_RULE_THRESHOLD;
	w->m.value = ep->first_value;
	w->m.limit = ep->first_limit;
	w->m.at_ms = ep->first_ms;
	w->ref.feed = n->conf->id;
	w->ref.has_seq = true;
	w->ref.seq = ep->first_seq;
	w->m.readings = &w->ref;
	ld_monitor_station(LD_RD(n->store), station, (void **)&sm);
	for (size_t i = 0; rule == 0 && sm && i < sm->n_upstream; i++) {
		ld_mon_state_t us;

		aud_add_unit_of(w, n, sm->upstream[i]);
		if (ld_monitor_state(LD_RD(n->store), sm->upstream[i], param, &us) < 0 ||
		    llabs(us.t_ms - ep->first_ms) > NEAR_MS)
			continue;
		/* The nearest upstream reading in time; a within-limit one wins. */
		if (!w->m.upstream_station ||
		    (within(us.value, ep->first_limit, ep->first_value) &&
		     w->m.rule != LD__WARNING_RULE__WARNING_RULE_UPSTREAM)) {
			snprintf(w->up_station, sizeof(w->up_station), "%s", sm->upstream[i]);
			ld_monitor_station_unit(sm->upstream[i], w->up_feed, sizeof(w->up_feed));
			ld__entry_ref__init(&w->up_ref);
			w->up_ref.feed = w->up_feed;
			w->up_ref.has_seq = true;
			w->up_ref.seq = us.seq;
			w->m.upstream_station = w->up_station;
			w->m.upstream_readings = &w->up_ref;
			w->m.has_upstream_value = w->m.has_upstream_at_ms = true;
			w->m.upstream_value = us.value;
			w->m.upstream_at_ms = us.t_ms;
			if (within(us.value, ep->first_limit, ep->first_value))
				w->m.rule = LD__WARNING_RULE__WARNING_RULE_UPSTREAM;
		}
	}
	for (size_t i = 0; sm && i < sm->n_notify; i++)
		aud_add(w, n, sm->notify[i]);
	{
		struct down_walk d = {w, n, station};

		ld_monitor_foreach_station(LD_RD(n->store), down_one, &d);
	}
	if (w->m.rule == LD__WARNING_RULE__WARNING_RULE_UPSTREAM)
		snprintf(w->note, sizeof(w->note),
			 "%s %s %g %s at %s is beyond its limit %g while upstream %s shows %g",
			 station, param, ep->first_value, st->unit, sm && sm->name ? sm->name : "",
			 ep->first_limit, w->up_station, w->m.upstream_value);
	else
		snprintf(w->note, sizeof(w->note), "%s %s %g %s %s %g", station, param,
			 ep->first_value, st->unit, rule ? "jumped above" : "is beyond its limit",
			 ep->first_limit);
	w->m.note = w->note;
	ld_payload_free(sm);
	w->len = ld__monitor_warning__get_packed_size(&w->m);
	if (!(w->buf = malloc(w->len)))
		return 0;
	ld__monitor_warning__pack(&w->m, w->buf);
	t->nw++;
	return 0;
}

void ld_monitor_tick(ld_node_t *n, int64_t mono)
{
	struct tick t = {n, NULL, 0};
	ld_append_req_t *reqs = NULL;
	int r;

	if (mono < n->monitor_at)
		return;
	n->monitor_at = mono + 1000;
	if (n->revoked || !(t.w = calloc(WARN_MAX, sizeof(*t.w))))
		return;
	if (ld_monitor_foreach_due(LD_RD(n->store), due_cb, &t) < 0 || !t.nw)
		goto out;
	if (!(reqs = calloc(t.nw, sizeof(*reqs))))
		goto out;
	for (size_t i = 0; i < t.nw; i++)
		reqs[i] = (ld_append_req_t){.kind = LD__KIND__KIND_MONITOR_WARNING,
					    .audience = t.w[i].aud,
					    .n_audience = t.w[i].n_aud,
					    .payload = t.w[i].buf,
					    .payload_len = t.w[i].len};
	r = ld_store_append(n->store, reqs, t.nw, NULL);
	if (r < 0) {
		rlog_error(NULL, "cannot sign %zu warning(s): %s", t.nw, ld_strerror(r));
	} else {
		n->stats.entries_signed += t.nw;
		n->stats.warnings += t.nw;
		for (size_t i = 0; i < t.nw; i++)
			log_info("early warning: %s", t.w[i].note);
		ld_outbox_announce(n->outbox, n->conf->id);
	}
out:
	for (size_t i = 0; t.w && i < t.nw; i++)
		free(t.w[i].buf);
	free(t.w);
	free(reqs);
}

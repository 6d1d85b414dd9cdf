/* server/api_status.c: the API's STATUS answer: this node, its peers (up,
 * last seen, what they announced that we lack), every feed head, alerts,
 * and whether this node is revoked. */
#include <stdlib.h>
#include <string.h>

#include "common/base/timeutil.h"
#include "server/api_int.h"
#include "server/blobx_int.h"
#include "server/clock.h"
#include "server/node.h"

static int status_head(void *ud, const ld_feed_head_t *h)
{
	struct status_acc *a = ud;
	Ld__ApiHead *x;

	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 32;
		Ld__ApiHead *nh = realloc(a->heads, cap * sizeof(*nh));

		if (!nh)
			return -ENOMEM;
		a->heads = nh;
		a->cap = cap;
	}
	x = &a->heads[a->n++];
	ld__api_head__init(x);
	x->feed = strdup(h->feed);
	x->has_seq = true;
	x->seq = h->seq;
	x->has_id = true;
	x->id.len = LD_ID_LEN;
	x->id.data = malloc(LD_ID_LEN);
	if (x->id.data)
		memcpy(x->id.data, h->id, LD_ID_LEN);
	x->has_frozen = true;
	x->frozen = h->frozen;
	return x->feed && x->id.data ? 0 : -ENOMEM;
}

/* A new alert in 'a', or NULL (out of memory). */
static Ld__ApiAlert *alert_add(struct status_acc *a)
{
	Ld__ApiAlert *x;

	if (a->na == a->capa) {
		size_t cap = a->capa ? 2 * a->capa : 8;
		Ld__ApiAlert *nx = realloc(a->alerts, cap * sizeof(*nx));

		if (!nx)
			return NULL;
		a->alerts = nx;
		a->capa = cap;
	}
	x = &a->alerts[a->na++];
	ld__api_alert__init(x);
	return x;
}

/* A peer up whose clock differs from ours past LD_CLOCK_SKEW_MS (sync.c). */
static int clock_alert(struct status_acc *a, const link_t *l)
{
	Ld__ApiAlert *x;
	char text[256], span[40];

	if (!l->up || !l->has_clock ||
	    (l->clock_offset_ms <= LD_CLOCK_SKEW_MS && l->clock_offset_ms >= -LD_CLOCK_SKEW_MS))
		return 0;
	if (!(x = alert_add(a)))
		return -ENOMEM;
	ld_span_format(l->clock_offset_ms, span, sizeof(span));
	snprintf(text, sizeof(text),
		 "the clock of peer %s is %s %s this node's: one of the two is wrong; check both "
		 "(NTP, timedatectl)",
		 l->peer, span, l->clock_offset_ms > 0 ? "ahead of" : "behind");
	x->kind = strdup("clock");
	x->feed = strdup(l->peer);
	x->text = strdup(text);
	return x->kind && x->feed && x->text ? 0 : -ENOMEM;
}

static int status_alert(void *ud, const ld_equivocation_t *eq)
{
	struct status_acc *a = ud;
	Ld__ApiAlert *x;
	char text[256];

	if (!(x = alert_add(a)))
		return -ENOMEM;
	x->kind = strdup("equivocation");
	x->feed = strdup(eq->feed);
	x->has_seq = true;
	x->seq = eq->seq;
	x->has_id_a = x->has_id_b = true;
	x->id_a.len = x->id_b.len = LD_ID_LEN;
	x->id_a.data = malloc(LD_ID_LEN);
	x->id_b.data = malloc(LD_ID_LEN);
	if (x->id_a.data)
		memcpy(x->id_a.data, eq->kept->id, LD_ID_LEN);
	if (x->id_b.data)
		memcpy(x->id_b.data, eq->other->id, LD_ID_LEN);
	snprintf(text, sizeof(text), "%s signed two different entries with seq %llu; feed frozen",
		 eq->feed, (unsigned long long)eq->seq);
	x->text = strdup(text);
	return 0;
}

static void counters_fill(ld_node_t *n, struct status_out *o)
{
	ld_stats_t *s = &n->stats;
	Ld__ApiCounters *c = &o->counters;

	ld_stats_disk(s, n->conf->data_dir, ld_blobs_dir(n->blobs), ld_mono_ms());
	ld__api_counters__init(c);
	c->has_entries_signed = c->has_entries_ingested = c->has_escalations = true;
	c->has_store_bytes = c->has_blob_bytes = true;
	c->has_evidence_bytes_in = c->has_evidence_bytes_out = true;
	c->entries_signed = s->entries_signed;
	c->entries_ingested = s->entries_ingested;
	c->escalations = s->escalations;
	c->store_bytes = s->store_bytes;
	c->blob_bytes = s->blob_bytes;
	c->evidence_bytes_in = n->bx ? n->bx->rx : 0;
	c->evidence_bytes_out = n->bx ? n->bx->sent : 0;
	for (size_t i = 0; i < s->n_refused; i++) {
		ld__api_count__init(&o->refused[i]);
		o->refused[i].name = (char *)ld_stats_reason(s->refused[i].err);
		o->refused[i].has_count = true;
		o->refused[i].count = s->refused[i].count;
		o->refused_p[i] = &o->refused[i];
	}
	c->n_refused = s->n_refused;
	c->refused = o->refused_p;
	o->st.counters = c;
}

int api_status_build(ld_node_t *n, struct status_out *o)
{
	struct status_acc *a = &o->a;
	size_t np = 0;
	int r;

	ld__api_status__init(&o->st);
	o->st.blob_dir = (char *)ld_blobs_dir(n->blobs);
	o->peers = calloc(n->n_links + 1, sizeof(*o->peers));
	o->pp = calloc(n->n_links + 1, sizeof(*o->pp));
	r = ld_store_foreach_head(n->store, status_head, a);
	if (r == 0)
		r = ld_store_foreach_equivocation(n->store, status_alert, a);
	for (size_t i = 0; r == 0 && i < n->n_links; i++)
		r = clock_alert(a, n->links[i]);
	if (r < 0 || !o->peers || !o->pp)
		return r < 0 ? r : -ENOMEM;
	a->hp = calloc(a->n + 1, sizeof(*a->hp));
	a->ap = calloc(a->na + 1, sizeof(*a->ap));
	for (size_t i = 0; a->hp && i < a->n; i++)
		a->hp[i] = &a->heads[i];
	for (size_t i = 0; a->ap && i < a->na; i++)
		a->ap[i] = &a->alerts[i];
	for (size_t i = 0; i < n->n_links; i++)
		o->n_lags += n->links[i]->n_heads;
	o->lags = calloc(o->n_lags + 1, sizeof(*o->lags));
	o->n_lags = 0;
	for (size_t i = 0; i < n->n_links; i++) {
		link_t *l = n->links[i];
		Ld__ApiPeer *p = &o->peers[np];

		/* Incoming links that are down are not worth showing. */
		if (!l->outgoing && !l->up)
			continue;
		ld__api_peer__init(p);
		p->node_id = l->peer;
		p->endpoint = l->outgoing ? l->conf->endpoint : NULL;
		p->has_up = p->has_outgoing = p->has_last_seen_ms = true;
		p->up = l->up;
		p->outgoing = l->outgoing;
		p->last_seen_ms = ld_mono_to_wall(l->last_rx);
		p->has_entries_in = p->has_entries_out = true;
		p->entries_in = l->entries_in;
		p->entries_out = l->entries_out;
		p->has_clock_offset_ms = l->has_clock;
		p->clock_offset_ms = l->clock_offset_ms;
		p->lag = o->lags ? o->lags + o->n_lags : NULL;
		for (size_t j = 0; o->lags && j < l->n_heads; j++) {
			ld_feed_head_t local = {.seq = 0};
			Ld__ApiPeerFeed *f;

			ld_store_head(n->store, l->heads[j].feed, &local);
			if (local.seq == l->heads[j].seq)
				continue;
			f = calloc(1, sizeof(*f));
			if (!f)
				break;
			ld__api_peer_feed__init(f);
			f->feed = l->heads[j].feed;
			f->has_peer_seq = f->has_local_seq = true;
			f->peer_seq = l->heads[j].seq;
			f->local_seq = local.seq;
			o->lags[o->n_lags++] = f;
			p->n_lag++;
		}
		o->pp[np++] = p;
	}
	o->st.node_id = n->conf->id;
	o->st.root_id = (char *)ld_store_root_id(n->store);
	o->st.version = LD_VERSION;
	o->st.has_started_ms = true;
	o->st.started_ms = n->started_ms;
	o->st.n_peers = np;
	o->st.peers = o->pp;
	o->st.n_heads = a->hp ? a->n : 0;
	o->st.heads = a->hp;
	o->st.n_alerts = a->ap ? a->na : 0;
	o->st.alerts = a->ap;
	counters_fill(n, o);
	if (n->revoked) {
		o->st.has_revoked = o->st.has_revoked_ms = true;
		o->st.revoked = true;
		o->st.revoked_ms = n->revocation.time_ms;
		ld__api_entry_ref__init(&o->revoked_by);
		o->revoked_by.feed = n->revocation.root;
		o->revoked_by.has_seq = true;
		o->revoked_by.seq = n->revocation.seq;
		o->st.revoked_by = &o->revoked_by;
		o->st.revoked_reason = n->revocation.reason[0] ? n->revocation.reason : NULL;
	}
	return 0;
}

void api_status_free(struct status_out *o)
{
	struct status_acc *a = &o->a;

	for (size_t i = 0; i < o->n_lags; i++)
		free(o->lags[i]);
	free(o->lags);
	for (size_t i = 0; i < a->n; i++) {
		free(a->heads[i].feed);
		free(a->heads[i].id.data);
	}
	for (size_t i = 0; i < a->na; i++) {
		free(a->alerts[i].kind);
		free(a->alerts[i].feed);
		free(a->alerts[i].id_a.data);
		free(a->alerts[i].id_b.data);
		free(a->alerts[i].text);
	}
	free(a->heads);
	free(a->hp);
	free(a->alerts);
	free(a->ap);
	free(o->peers);
	free(o->pp);
	memset(o, 0, sizeof(*o));
}

void api_status(ld_node_t *n, const ld_api_client_t *c)
{
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_STATUS);
	struct status_out o = {0};
	int r = api_status_build(n, &o);

	if (r < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_STATUS, r, NULL);
	} else {
		resp.status = &o.st;
		api_respond(n, c, &resp);
	}
	api_status_free(&o);
}

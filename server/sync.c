/* server/sync.c: replication of feeds between links (see sync.h). */
#include <stdlib.h>
#include <string.h>

#include "common/base/errors.h"
#include "common/base/timeutil.h"
#include "common/domain/evidence.h"
#include "server/clock.h"
#include "server/log.h"
#include "server/node.h"
#include "server/sync.h"

#define PULL_BYTES_MAX (16u << 20) /* bytes sent in answer to one Pull */
#define HEADS_MAX 4096		   /* feeds remembered per peer */
#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 60000
#define STORAGE_RETRY_MS 5000
#define HELLO_ANSWER_MS 1000 /* answer a peer's Hello at most this often */

/* ---- heads ---- */

struct heads_acc {
	Ld__FeedHead *h;
	Ld__FeedHead **p;
	size_t n, cap;
};

static int heads_add(void *ud, const ld_feed_head_t *fh)
{
	struct heads_acc *a = ud;
	Ld__FeedHead *h;

	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		Ld__FeedHead *nh = realloc(a->h, cap * sizeof(*nh));

		if (!nh)
			return -ENOMEM;
		a->h = nh;
		a->cap = cap;
	}
	h = &a->h[a->n++];
	ld__feed_head__init(h);
	h->feed = strdup(fh->feed);
	h->has_seq = true;
	h->seq = fh->seq;
	h->has_id = true;
	h->id.len = LD_ID_LEN;
	h->id.data = malloc(LD_ID_LEN);
	if (!h->feed || !h->id.data)
		return -ENOMEM;
	memcpy(h->id.data, fh->id, LD_ID_LEN);
	return 0;
}

static void heads_free(struct heads_acc *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->h[i].feed);
		free(a->h[i].id.data);
	}
	free(a->h);
	free(a->p);
}

static Ld__FeedHead **heads_ptrs(struct heads_acc *a)
{
	a->p = calloc(a->n ? a->n : 1, sizeof(*a->p));
	for (size_t i = 0; a->p && i < a->n; i++)
		a->p[i] = &a->h[i];
	return a->p;
}

void ld_sync_hello(ld_node_t *n, link_t *l, bool reply)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Hello h = LD__HELLO__INIT;
	struct heads_acc a = {0};

	/* The time of the attempt: a failed one is tried again a heartbeat later. */
	l->last_hello = ld_mono_ms();
	if (ld_store_foreach_head(n->store, heads_add, &a) < 0 || !heads_ptrs(&a)) {
		heads_free(&a);
		return;
	}
	h.node_id = n->conf->id;
	h.n_heads = a.n;
	h.heads = a.p;
	h.has_protocol = true;
	h.protocol = LD_PROTOCOL;
	h.has_reply = reply;
	h.reply = reply;
	h.has_time_ms = true;
	h.time_ms = ld_now_ms(); /* a date, on the wall clock: peers compare clocks */
	f.body_case = LD__FRAME__BODY_HELLO;
	f.hello = &h;
	ld_link_send(n, l, &f);
	heads_free(&a);
}

void ld_sync_clock(ld_node_t *n, link_t *l)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Hello h = LD__HELLO__INIT;

	l->clock_at = ld_mono_ms();
	h.node_id = n->conf->id;
	h.has_protocol = true;
	h.protocol = LD_PROTOCOL;
	h.has_time_ms = true;
	h.time_ms = ld_now_ms();
	f.body_case = LD__FRAME__BODY_HELLO;
	f.hello = &h;
	ld_link_send(n, l, &f);
}

void ld_sync_announce(ld_node_t *n, const char *const *feeds, size_t n_feeds)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Have have = LD__HAVE__INIT;
	struct heads_acc a = {0};

	for (size_t i = 0; i < n_feeds; i++) {
		ld_feed_head_t fh;

		if (ld_store_head(n->store, feeds[i], &fh) == 0 && heads_add(&a, &fh) < 0)
			break;
	}
	if (a.n && heads_ptrs(&a)) {
		have.n_heads = a.n;
		have.heads = a.p;
		f.body_case = LD__FRAME__BODY_HAVE;
		f.have = &have;
		for (size_t i = 0; i < n->n_links; i++)
			if (n->links[i]->up && !n->links[i]->cut)
				ld_link_send(n, n->links[i], &f);
	}
	heads_free(&a);
}

static peer_head_t *peer_head(link_t *l, const char *feed, bool create)
{
	for (size_t i = 0; i < l->n_heads; i++)
		if (!strcmp(l->heads[i].feed, feed))
			return &l->heads[i];
	if (!create)
		return NULL;
	if (l->n_heads == l->cap_heads) {
		size_t cap = l->cap_heads ? 2 * l->cap_heads : 32;
		peer_head_t *nh = realloc(l->heads, cap * sizeof(*nh));

		if (!nh)
			return NULL;
		l->heads = nh;
		l->cap_heads = cap;
	}
	memset(&l->heads[l->n_heads], 0, sizeof(*l->heads));
	snprintf(l->heads[l->n_heads].feed, sizeof(l->heads->feed), "%s", feed);
	return &l->heads[l->n_heads++];
}

uint64_t ld_sync_peer_seq(const link_t *l, const char *feed)
{
	peer_head_t *ph = peer_head((link_t *)l, feed, false);

	return ph ? ph->seq : 0;
}

static void head_backoff(link_t *l, const char *feed)
{
	peer_head_t *ph = peer_head(l, feed, false);

	if (!ph)
		return;
	ph->retry_ms = ph->retry_ms
			       ? (ph->retry_ms * 2 < RETRY_MAX_MS ? ph->retry_ms * 2 : RETRY_MAX_MS)
			       : RETRY_MIN_MS;
	ph->retry_at = ld_mono_ms() + ph->retry_ms;
}

static void learn_heads(ld_node_t *n, link_t *l, Ld__FeedHead **heads, size_t nh)
{
	/* Before the roster is known, only the root's feed can be checked, so
	 * a bootstrapping node takes heads of any feed; after, members only. */
	bool any = ld_access_count(n->access) == 0;

	for (size_t i = 0; i < nh; i++) {
		const Ld__FeedHead *h = heads[i];
		peer_head_t *ph;

		if (!h->feed || !ld_node_id_valid(h->feed) || !h->has_seq ||
		    (h->has_id && h->id.len != LD_ID_LEN))
			continue;
		if (!any && !ld_access_known(n->access, h->feed))
			continue;
		ph = peer_head(l, h->feed, l->n_heads < HEADS_MAX);
		if (!ph)
			continue;
		if (ph->seq != h->seq || (h->has_id && memcmp(ph->id, h->id.data, LD_ID_LEN))) {
			ph->seq = h->seq;
			if (h->has_id)
				memcpy(ph->id, h->id.data, LD_ID_LEN);
			ph->fork_checked = !h->has_id;
			/* News from the peer: worth asking again at once. */
			ph->retry_at = 0;
			ph->retry_ms = 0;
		}
	}
}

/* Judgement never depends on clocks agreeing, but an operator must know
 * when they do not: the peer's clock against ours at its Hello, logged
 * once when they differ by more than LD_CLOCK_SKEW_MS (and once when they
 * agree again), and shown as an alert in status (api_status.c). */
static void clock_compare(link_t *l, int64_t peer_ms)
{
	int64_t off = peer_ms - ld_now_ms();
	bool skew = off > LD_CLOCK_SKEW_MS || off < -LD_CLOCK_SKEW_MS;
	char span[40];

	l->clock_offset_ms = off;
	l->has_clock = true;
	if (skew == l->skew_logged)
		return;
	l->skew_logged = skew;
	ld_span_format(off, span, sizeof(span));
	if (skew)
		log_warn("clock: peer %s's clock is %s %s this node's (at its Hello): one of the "
			 "two is wrong; check both (NTP, timedatectl)",
			 l->peer, span, off > 0 ? "ahead of" : "behind");
	else
		log_info("clock: peer %s's clock agrees with this node's again (within %s)",
			 l->peer, span);
}

void ld_sync_on_hello(ld_node_t *n, link_t *l, const Ld__Frame *f)
{
	const Ld__Hello *h = f->hello;

	if (!h->node_id || strcmp(h->node_id, l->peer) != 0) {
		rlog_warn(l->peer, "peer %s introduced itself as '%s': ignored", l->peer,
			  h->node_id ? h->node_id : "");
		return;
	}
	if (h->has_time_ms)
		clock_compare(l, h->time_ms);
	learn_heads(n, l, h->heads, h->n_heads);
	/* Each answer lists all our heads: at most one a second. */
	if (h->reply && ld_mono_ms() - l->last_hello >= HELLO_ANSWER_MS)
		ld_sync_hello(n, l, false);
	ld_sync_schedule(n);
}

void ld_sync_on_have(ld_node_t *n, link_t *l, const Ld__Frame *f)
{
	learn_heads(n, l, f->have->heads, f->have->n_heads);
	ld_sync_schedule(n);
}

/* ---- pulls ---- */

/* The pulls in flight are n->pulls[0, n_pulls): ending one moves the last
 * into its place, so every scan is over the pulls in flight only. */
static pull_t *pull_find(ld_node_t *n, const char *feed)
{
	for (size_t i = 0; i < n->n_pulls; i++)
		if (!strcmp(n->pulls[i].feed, feed))
			return &n->pulls[i];
	return NULL;
}

static void pull_end(ld_node_t *n, pull_t *p)
{
	*p = n->pulls[--n->n_pulls];
}

void ld_sync_link_reset(ld_node_t *n, link_t *l)
{
	for (size_t i = 0; i < n->n_pulls;)
		if (n->pulls[i].link == l)
			pull_end(n, &n->pulls[i]);
		else
			i++;
}

static void pull_start(ld_node_t *n, link_t *l, const char *feed, uint64_t from, uint32_t credit)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Pull p = LD__PULL__INIT;
	pull_t *slot;

	if (n->n_pulls == LD_MAX_PULLS)
		return;
	p.feed = (char *)feed;
	p.has_from_seq = true;
	p.from_seq = from;
	p.has_credit = true;
	p.credit = credit;
	f.body_case = LD__FRAME__BODY_PULL;
	f.pull = &p;
	if (ld_link_send(n, l, &f) < 0)
		return;
	slot = &n->pulls[n->n_pulls++];
	snprintf(slot->feed, sizeof(slot->feed), "%s", feed);
	slot->link = l;
	slot->from = from;
	slot->want = credit;
	slot->deadline = ld_mono_ms() + LD_PULL_TIMEOUT_MS;
	log_debug("pull %s from %s: seq %llu, credit %u", feed, l->peer, (unsigned long long)from,
		  credit);
}

struct id_at {
	uint8_t id[LD_ID_LEN];
	bool found;
};

static int id_at_cb(void *ud, const ld_raw_entry_t *e)
{
	struct id_at *a = ud;

	memcpy(a->id, e->id, LD_ID_LEN);
	a->found = true;
	return 1;
}

void ld_sync_schedule(ld_node_t *n)
{
	int64_t now = ld_mono_ms();

	if (now < n->storage_retry_at)
		return;
	for (size_t i = 0; i < n->n_links; i++) {
		link_t *l = n->links[i];

		if (!l->up || l->cut)
			continue;
		for (size_t j = 0; j < l->n_heads; j++) {
			peer_head_t *ph = &l->heads[j];
			ld_feed_head_t local = {.seq = 0};
			int r = ld_store_head(n->store, ph->feed, &local);

			if ((r < 0 && r != -ENOENT) || local.frozen || now < ph->retry_at ||
			    pull_find(n, ph->feed))
				continue;
			if (ph->seq > local.seq) {
				pull_start(n, l, ph->feed, local.seq + 1, n->conf->credit);
			} else if (ph->seq > 0 && !ph->fork_checked) {
				struct id_at a = {.found = false};

				ph->fork_checked = true;
				ld_store_foreach_raw(n->store, ph->feed, ph->seq, ph->seq, id_at_cb,
						     &a);
				/* Same seq, other id: fetch theirs; ingest proves it. */
				if (a.found && memcmp(a.id, ph->id, LD_ID_LEN) != 0)
					pull_start(n, l, ph->feed, ph->seq, 1);
			}
		}
	}
}

void ld_sync_answered(ld_node_t *n, link_t *l, const char *feed, bool last, int status,
		      size_t n_new, size_t n_dup)
{
	pull_t *pl = pull_find(n, feed);

	if (!pl || pl->link != l)
		return;
	if (last || status < 0) {
		pull_end(n, pl);
		/* Refused, or "last" without bringing anything new: this peer
		 * cannot serve what it announced; ask it again only later. */
		if (status < 0 || (n_new == 0 && n_dup == 0))
			head_backoff(l, feed);
	} else if (n_new) {
		pl->deadline = ld_mono_ms() + LD_PULL_TIMEOUT_MS;
	}
}

void ld_sync_storage_failed(ld_node_t *n, const char *const *feeds, size_t n_feeds)
{
	n->storage_retry_at = ld_mono_ms() + STORAGE_RETRY_MS;
	for (size_t i = 0; i < n_feeds; i++) {
		pull_t *pl = pull_find(n, feeds[i]);

		if (pl)
			pull_end(n, pl);
	}
}

void ld_sync_timers(ld_node_t *n, int64_t now)
{
	for (size_t i = 0; i < n->n_pulls;) {
		pull_t *p = &n->pulls[i];

		if (now <= p->deadline) {
			i++;
			continue;
		}
		rlog_warn(p->link->peer,
			  "pull of %s from %s timed out; asking again (another peer first, if "
			  "one has it)",
			  p->feed, p->link->peer);
		head_backoff(p->link, p->feed);
		pull_end(n, p);
	}
	ld_sync_schedule(n);
}

int64_t ld_sync_next_due(const ld_node_t *n)
{
	int64_t now = ld_mono_ms(), due = INT64_MAX;

	if (n->storage_retry_at > now)
		due = n->storage_retry_at;
	for (size_t i = 0; i < n->n_pulls; i++)
		if (n->pulls[i].deadline + 1 < due)
			due = n->pulls[i].deadline + 1;
	/* A backoff ending may let a feed be pulled. */
	for (size_t i = 0; i < n->n_links; i++) {
		const link_t *l = n->links[i];

		for (size_t j = 0; l->up && !l->cut && j < l->n_heads; j++)
			if (l->heads[j].retry_at > now && l->heads[j].retry_at < due)
				due = l->heads[j].retry_at;
	}
	return due;
}

/* ---- serving, redacted for the reader ---- */

/* Answer a Pull with at most 'credit' entries, in frames of bounded size,
 * each payload only if the puller may read it. */
struct serve {
	ld_node_t *n;
	link_t *l;
	const char *feed;
	uint64_t from;
	uint8_t *buf;
	size_t used, cap;
	ProtobufCBinaryData bins[LD_ENTRIES_FRAME_MAX];
	size_t n_bins, total, sent;
	int err;
};

static int serve_flush(struct serve *s, bool last)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Entries e = LD__ENTRIES__INIT;
	size_t off = 0;

	/* bins[].data are offsets until the buffer stops moving. */
	for (size_t i = 0; i < s->n_bins; i++) {
		s->bins[i].data = s->buf + off;
		off += s->bins[i].len;
	}
	e.feed = (char *)s->feed;
	e.has_from_seq = true;
	e.from_seq = s->from;
	e.n_entries = s->n_bins;
	e.entries = s->bins;
	e.has_last = true;
	e.last = last;
	f.body_case = LD__FRAME__BODY_ENTRIES;
	f.entries = &e;
	s->err = ld_link_send(s->n, s->l, &f);
	s->l->entries_out += s->n_bins;
	s->from += s->n_bins;
	s->n_bins = 0;
	s->used = 0;
	return s->err;
}

static int serve_one(void *ud, const ld_raw_entry_t *e)
{
	struct serve *s = ud;
	Ld__EntryHeader *h = ld__entry_header__unpack(NULL, e->header_len, e->header);
	bool full = false;
	size_t need;

	if (h) {
		/* A case transferred or designated to the reader by a unit that
		 * may itself read this entry grants it too. */
		full = e->payload && ld_payload_for(s->n->store, s->n->access, h, e->payload,
						    e->payload_len, s->l->peer);
		ld__entry_header__free_unpacked(h, NULL);
	}
	need = ld_entry_parts_wire_size(e->header_len, full ? e->payload : NULL, e->payload_len);
	/* A byte budget per Pull bounds what one request makes us queue; the
	 * puller asks again from where this answer ends. */
	if (s->sent + s->used + need > PULL_BYTES_MAX && s->n_bins)
		return 1;
	if (s->n_bins &&
	    (s->n_bins == LD_ENTRIES_FRAME_MAX || s->used + need > LD_ENTRIES_FRAME_BYTES)) {
		s->sent += s->used;
		if (serve_flush(s, false) < 0)
			return s->err;
	}
	if (s->used + need > s->cap) {
		size_t cap = s->used + need > 2 * s->cap ? s->used + need : 2 * s->cap;
		uint8_t *nb = realloc(s->buf, cap);

		if (!nb)
			return -ENOMEM;
		s->buf = nb;
		s->cap = cap;
	}
	s->bins[s->n_bins].len =
		ld_entry_encode_parts(e->header, e->header_len, e->sig, full ? e->payload : NULL,
				      e->payload_len, s->buf + s->used);
	s->used += s->bins[s->n_bins].len;
	s->n_bins++;
	s->total++;
	return 0;
}

static void serve_pull(ld_node_t *n, link_t *l, const Ld__Pull *p)
{
	struct serve *s;
	uint64_t credit;
	int r;

	if (!p->feed || !ld_node_id_valid(p->feed) || !p->has_from_seq || p->from_seq == 0) {
		rlog_warn(l->peer, "malformed pull from %s ignored", l->peer);
		return;
	}
	credit = p->has_credit && p->credit ? p->credit : 1;
	if (credit > 65536)
		credit = 65536;
	s = calloc(1, sizeof(*s));
	if (!s)
		return;
	s->n = n;
	s->l = l;
	s->feed = p->feed;
	s->from = p->from_seq;
	r = ld_store_foreach_raw(n->store, p->feed, p->from_seq, p->from_seq + credit - 1,
				 serve_one, s);
	if (r < 0 && r != -ENOENT && r != 1)
		log_warn("serving %s to %s failed: %s", p->feed, l->peer, ld_strerror(r));
	else if (s->err == 0)
		serve_flush(s, true);
	if (s->err < 0 && s->err != -EHOSTUNREACH)
		rlog_warn(l->peer, "sending %s to %s failed: %s (the peer will ask again)", p->feed,
			  l->peer, ld_strerror(s->err));
	free(s->buf);
	free(s);
}

void ld_sync_on_pull(ld_node_t *n, link_t *l, const Ld__Frame *f)
{
	serve_pull(n, l, f->pull);
}

void ld_sync_send_tail(ld_node_t *n, link_t *l, const char *feed)
{
	Ld__Pull p = LD__PULL__INIT;
	peer_head_t *ph = peer_head(l, feed, false);

	p.feed = (char *)feed;
	p.has_from_seq = p.has_credit = true;
	p.from_seq = ph ? ph->seq + 1 : 1;
	p.credit = LD_ENTRIES_FRAME_MAX;
	serve_pull(n, l, &p);
}

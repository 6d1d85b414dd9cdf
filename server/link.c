/* server/link.c: the peer protocol. Frames (wire.proto) over one link per
 * peer: Hello/Have announce heads, Pull asks for a range with a credit, Entries
 * answers at most that many, redacted for the receiver. What arrives in one
 * poll round is ingested as one group commit, then announced onward (store
 * and forward), receipted, and the next pulls are sent. */
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "case.pb-c.h"
#include "common/base/errors.h"
#include "common/domain/evidence.h"
#include "receipt.pb-c.h"
#include "server/log.h"
#include "server/node.h"

#define DRAIN_MAX 256
#define RECEIPT_REFS_MAX 4096
#define ROUND_BYTES_MAX (64u << 20)      /* entries held for one group commit */
#define PULL_BYTES_MAX (16u << 20)       /* bytes sent in answer to one Pull */
#define HEADS_MAX 4096                   /* feeds remembered per peer */
#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 60000

link_t *ld_link_new(ld_node_t *n, const char *peer, bool outgoing)
{
	link_t *l;

	if (n->n_links >= LD_MAX_LINKS)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	snprintf(l->peer, sizeof(l->peer), "%s", peer);
	l->outgoing = outgoing;
	l->down_since = ld_now_ms();
	n->links[n->n_links++] = l;
	return l;
}

void ld_link_free(link_t *l)
{
	if (!l)
		return;
	if (l->sock)
		zmq_close(l->sock);
	free(l->heads);
	free(l);
}

int ld_link_send(ld_node_t *n, link_t *l, const Ld__Frame *f)
{
	size_t len = ld__frame__get_packed_size(f);
	uint8_t *buf = malloc(len ? len : 1);
	int r = 0;

	if (!buf)
		return -ENOMEM;
	ld__frame__pack(f, buf);
	if (l->outgoing) {
		if (!l->sock || zmq_send(l->sock, buf, len, ZMQ_DONTWAIT) < 0)
			r = l->sock ? -errno : -ENOTCONN;
	} else if (zmq_send(n->router, l->rid, l->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
		   zmq_send(n->router, buf, len, ZMQ_DONTWAIT) < 0) {
		r = -errno;
		/* ROUTER_MANDATORY: the peer's connection is gone. */
		if (r == -EHOSTUNREACH && l->up)
			ld_link_mark_down(n, l, "connection closed");
	}
	free(buf);
	if (r == 0)
		l->last_tx = ld_now_ms();
	return r;
}

int ld_link_send_msg(ld_node_t *n, link_t *l, zmq_msg_t *msg)
{
	int r = 0;

	if (l->outgoing) {
		if (!l->sock || zmq_msg_send(msg, l->sock, ZMQ_DONTWAIT) < 0)
			r = l->sock ? -errno : -ENOTCONN;
	} else if (zmq_send(n->router, l->rid, l->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
		   zmq_msg_send(msg, n->router, ZMQ_DONTWAIT) < 0) {
		r = -errno;
		if (r == -EHOSTUNREACH && l->up)
			ld_link_mark_down(n, l, "connection closed");
	}
	if (r == 0)
		l->last_tx = ld_now_ms();
	return r;
}

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

void ld_link_send_hello(ld_node_t *n, link_t *l, bool reply)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Hello h = LD__HELLO__INIT;
	struct heads_acc a = {0};

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
	f.body_case = LD__FRAME__BODY_HELLO;
	f.hello = &h;
	ld_link_send(n, l, &f);
	l->last_hello = ld_now_ms();
	heads_free(&a);
}

void ld_link_broadcast_have(ld_node_t *n, const char *const *feeds, size_t n_feeds)
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

static void head_backoff(link_t *l, const char *feed)
{
	peer_head_t *ph = peer_head(l, feed, false);

	if (!ph)
		return;
	ph->retry_ms = ph->retry_ms ? (ph->retry_ms * 2 < RETRY_MAX_MS ? ph->retry_ms * 2
								: RETRY_MAX_MS)
				    : RETRY_MIN_MS;
	ph->retry_at = ld_now_ms() + ph->retry_ms;
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

static pull_t *pull_find(ld_node_t *n, const char *feed)
{
	for (size_t i = 0; i < LD_MAX_PULLS; i++)
		if (n->pulls[i].active && !strcmp(n->pulls[i].feed, feed))
			return &n->pulls[i];
	return NULL;
}

static void pull_clear_link(ld_node_t *n, link_t *l)
{
	for (size_t i = 0; i < LD_MAX_PULLS; i++)
		if (n->pulls[i].active && n->pulls[i].link == l)
			n->pulls[i].active = false;
}

static void pull_start(ld_node_t *n, link_t *l, const char *feed, uint64_t from, uint32_t credit)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Pull p = LD__PULL__INIT;
	pull_t *slot = NULL;

	for (size_t i = 0; i < LD_MAX_PULLS && !slot; i++)
		if (!n->pulls[i].active)
			slot = &n->pulls[i];
	if (!slot)
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
	snprintf(slot->feed, sizeof(slot->feed), "%s", feed);
	slot->link = l;
	slot->from = from;
	slot->want = credit;
	slot->deadline = ld_now_ms() + LD_PULL_TIMEOUT_MS;
	slot->active = true;
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

void ld_link_schedule_pulls(ld_node_t *n)
{
	int64_t now = ld_now_ms();

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
				ld_store_foreach_raw(n->store, ph->feed, ph->seq, ph->seq, id_at_cb, &a);
				/* Same seq, other id: fetch theirs; ingest proves it. */
				if (a.found && memcmp(a.id, ph->id, LD_ID_LEN) != 0)
					pull_start(n, l, ph->feed, ph->seq, 1);
			}
		}
	}
}

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
	if (s->n_bins && (s->n_bins == LD_ENTRIES_FRAME_MAX ||
			  s->used + need > LD_ENTRIES_FRAME_BYTES)) {
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
	s->bins[s->n_bins].len = ld_entry_encode_parts(e->header, e->header_len, e->sig,
						      full ? e->payload : NULL, e->payload_len,
						      s->buf + s->used);
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
		log_warn("malformed pull from %s ignored", l->peer);
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
		log_warn("sending %s to %s failed: %s (the peer will ask again)", p->feed, l->peer,
			 ld_strerror(s->err));
	free(s->buf);
	free(s);
}

void ld_link_send_tail(ld_node_t *n, link_t *l, const char *feed)
{
	Ld__Pull p = LD__PULL__INIT;
	peer_head_t *ph = peer_head(l, feed, false);

	p.feed = (char *)feed;
	p.has_from_seq = p.has_credit = true;
	p.from_seq = ph ? ph->seq + 1 : 1;
	p.credit = LD_ENTRIES_FRAME_MAX;
	serve_pull(n, l, &p);
}

static void send_refusal(ld_node_t *n, link_t *l, const char *feed, uint64_t seq, int code)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Refusal rf = LD__REFUSAL__INIT;

	rf.feed = (char *)feed;
	rf.has_seq = true;
	rf.seq = seq;
	rf.has_code = true;
	rf.code = code;
	rf.reason = (char *)ld_strerror(code);
	f.body_case = LD__FRAME__BODY_REFUSAL;
	f.refusal = &rf;
	ld_link_send(n, l, &f);
}

static void broadcast_proof(ld_node_t *n, const ld_entry_t *a, const ld_entry_t *b,
			    const link_t *except)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Proof p = LD__PROOF__INIT;
	uint8_t *wa = malloc(ld_entry_wire_size(a, false)), *wb = malloc(ld_entry_wire_size(b, false));

	if (wa && wb) {
		p.has_a = p.has_b = true;
		p.a.data = wa;
		p.a.len = ld_entry_encode(a, false, wa);
		p.b.data = wb;
		p.b.len = ld_entry_encode(b, false, wb);
		f.body_case = LD__FRAME__BODY_PROOF;
		f.proof = &p;
		for (size_t i = 0; i < n->n_links; i++)
			if (n->links[i] != except && n->links[i]->up && !n->links[i]->cut)
				ld_link_send(n, n->links[i], &f);
	}
	free(wa);
	free(wb);
}

static void alert_equivocation(ld_node_t *n, const ld_entry_t *a, const ld_entry_t *b,
			       const char *via)
{
	char ha[2 * LD_ID_LEN + 1], hb[2 * LD_ID_LEN + 1];

	ld_hex(a->id, LD_ID_LEN, ha);
	ld_hex(b->id, LD_ID_LEN, hb);
	log_error("ALERT equivocation: %s signed two entries with seq %llu (%.16s, %.16s), "
		  "learnt from %s; feed %s frozen, proof kept",
		  a->hdr->author, (unsigned long long)a->hdr->seq, ha, hb, via, a->hdr->author);
}

static void handle_proof(ld_node_t *n, link_t *l, const Ld__Proof *p)
{
	ld_entry_t *a = NULL, *b = NULL;
	int r = -EINVAL;

	if (p->has_a && p->has_b && ld_entry_parse(p->a.data, p->a.len, &a) == 0 &&
	    ld_entry_parse(p->b.data, p->b.len, &b) == 0)
		r = ld_store_add_proof(n->store, a, b);
	if (r == 0) {
		alert_equivocation(n, a, b, l->peer);
		broadcast_proof(n, a, b, l);
	} else if (r != -EEXIST) {
		log_warn("invalid equivocation proof from %s refused: %s", l->peer, ld_strerror(r));
	}
	ld_entry_destroy(&a);
	ld_entry_destroy(&b);
}

/* Entries frames waiting for the group commit of this round. */
struct pending {
	link_t *l;
	Ld__Frame *f;
	ld_entry_t **run;
	size_t n;
	int parse_err;
	size_t parse_bad;
};

struct round {
	struct pending p[DRAIN_MAX * 2];
	size_t n;
	size_t bytes;   /* entry bytes held for this round's commit */
};

static void link_up(ld_node_t *n, link_t *l, const Ld__Frame *f)
{
	bool hello = f->body_case == LD__FRAME__BODY_HELLO;

	if (l->up) {
		/* A Hello asking for an answer on a link we think is up: the peer
		 * restarted. What we asked of its previous life is lost. */
		if (hello && f->hello->reply)
			pull_clear_link(n, l);
		return;
	}
	l->up = true;
	l->retry_ms = 2000;
	log_info("peer %s up (%s, down for %lld ms)", l->peer, l->outgoing ? "we connect" : "it connects",
		 (long long)(ld_now_ms() - l->down_since));
	/* Our heads as of now: anything appended since our last Hello, while
	 * the link was coming up, was announced to nobody. (A Hello asking for
	 * a reply gets one below, with the same heads.) */
	if (!hello)
		ld_link_send_hello(n, l, true);
	else if (!f->hello->reply)
		ld_link_send_hello(n, l, false);
}

void ld_link_mark_down(ld_node_t *n, link_t *l, const char *why)
{
	if (!l->up)
		return;
	l->up = false;
	l->down_since = ld_now_ms();
	pull_clear_link(n, l);
	ld_blobx_link_down(n, l);
	log_info("peer %s down: %s", l->peer, why);
}

static void handle_frame(ld_node_t *n, link_t *l, const void *data, size_t size, struct round *rd)
{
	Ld__Frame *f;

	if (size > LD_FRAME_MAX) {
		log_warn("frame of %zu bytes from %s refused (limit %u)", size, l->peer, LD_FRAME_MAX);
		return;
	}
	/* Evidence chunks (most of the bytes) skip the decoder's copy. */
	if (size && *(const uint8_t *)data == 0x6a && ld_blobx_raw_chunk(n, l, data, size)) {
		l->last_rx = ld_now_ms();
		return;
	}
	f = ld__frame__unpack(NULL, size, data);
	if (!f) {
		log_warn("undecodable frame of %zu bytes from %s ignored", size, l->peer);
		return;
	}
	l->last_rx = ld_now_ms();
	link_up(n, l, f);
	switch (f->body_case) {
	case LD__FRAME__BODY_HELLO:
		if (!f->hello->node_id || strcmp(f->hello->node_id, l->peer) != 0) {
			log_warn("peer %s introduced itself as '%s': ignored", l->peer,
				 f->hello->node_id ? f->hello->node_id : "");
			break;
		}
		learn_heads(n, l, f->hello->heads, f->hello->n_heads);
		/* Each answer lists all our heads: at most one a second. */
		if (f->hello->reply && ld_now_ms() - l->last_hello >= 1000)
			ld_link_send_hello(n, l, false);
		ld_link_schedule_pulls(n);
		break;
	case LD__FRAME__BODY_HAVE:
		learn_heads(n, l, f->have->heads, f->have->n_heads);
		ld_link_schedule_pulls(n);
		break;
	case LD__FRAME__BODY_PULL:
		serve_pull(n, l, f->pull);
		break;
	case LD__FRAME__BODY_ENTRIES:
		if (!f->entries->feed || !ld_node_id_valid(f->entries->feed) ||
		    f->entries->n_entries > LD_ENTRIES_FRAME_MAX) {
			log_warn("malformed Entries frame from %s (%zu entries) refused", l->peer,
				 f->entries->n_entries);
			break;
		}
		if (rd->n < sizeof(rd->p) / sizeof(rd->p[0])) {
			rd->p[rd->n++] = (struct pending){.l = l, .f = f};
			rd->bytes += size;
			return; /* kept until the round's commit */
		}
		break;
	case LD__FRAME__BODY_PROOF:
		handle_proof(n, l, f->proof);
		break;
	case LD__FRAME__BODY_REFUSAL:
		log_warn("peer %s refused %s #%llu: %s", l->peer,
			 f->refusal->feed ? f->refusal->feed : "?",
			 (unsigned long long)f->refusal->seq,
			 f->refusal->reason ? f->refusal->reason : "no reason given");
		break;
	case LD__FRAME__BODY_CASE_HISTORY:
		ld_history_serve(n, l, f->case_history);
		break;
	case LD__FRAME__BODY_CASE_ENTRIES:
		ld_history_receive(n, l, f->case_entries);
		break;
	case LD__FRAME__BODY_BLOB_OPEN:
	case LD__FRAME__BODY_BLOB_OFFER:
	case LD__FRAME__BODY_BLOB_REFUSAL:
	case LD__FRAME__BODY_BLOB_GET:
	case LD__FRAME__BODY_BLOB_CHUNK:
		ld_blobx_frame(n, l, f);
		break;
	default:
		break; /* ping, pong, or a body from a newer protocol */
	}
	ld__frame__free_unpacked(f, NULL);
}

static link_t *inbound_link(ld_node_t *n, const zmq_msg_t *rid, const char *user)
{
	link_t *l;

	for (size_t i = 0; i < n->n_links; i++) {
		l = n->links[i];
		if (!l->outgoing && l->rid_len == zmq_msg_size((zmq_msg_t *)rid) &&
		    !memcmp(l->rid, zmq_msg_data((zmq_msg_t *)rid), l->rid_len)) {
			if (!strcmp(l->peer, user))
				return l;
			/* A routing id reused by another member: never serve it
			 * as the previous owner. */
			l->rid_len = 0;
			if (l->up)
				ld_link_mark_down(n, l, "connection replaced");
		}
	}
	if (zmq_msg_size((zmq_msg_t *)rid) > LD_RID_MAX)
		return NULL;
	l = ld_link_new(n, user, false);
	if (!l)
		return NULL;
	l->rid_len = zmq_msg_size((zmq_msg_t *)rid);
	memcpy(l->rid, zmq_msg_data((zmq_msg_t *)rid), l->rid_len);
	return l;
}

static void drain_router(ld_node_t *n, struct round *rd)
{
	for (int i = 0; i < DRAIN_MAX && n->router; i++) {
		zmq_msg_t rid, body;
		const char *user;
		link_t *l;

		zmq_msg_init(&rid);
		if (zmq_msg_recv(&rid, n->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&rid);
			return;
		}
		zmq_msg_init(&body);
		if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, n->router, 0) < 0) {
			zmq_msg_close(&rid);
			zmq_msg_close(&body);
			continue;
		}
		/* A well-behaved peer sends one frame per message: drop the rest,
		 * and the message with them. */
		if (zmq_msg_more(&body)) {
			int more = 1;

			while (more) {
				zmq_msg_t extra;

				zmq_msg_init(&extra);
				if (zmq_msg_recv(&extra, n->router, 0) < 0) {
					zmq_msg_close(&extra);
					break;
				}
				more = zmq_msg_more(&extra);
				zmq_msg_close(&extra);
			}
			log_warn("multi-part message from %s dropped",
				 zmq_msg_gets(&body, "User-Id") ? zmq_msg_gets(&body, "User-Id") : "?");
			zmq_msg_close(&rid);
			zmq_msg_close(&body);
			continue;
		}
		user = zmq_msg_gets(&body, "User-Id");
		if (!user || !ld_node_id_valid(user) || !ld_access_member(n->access, user)) {
			log_warn("frame from unauthenticated or revoked connection (%s) dropped",
				 user ? user : "no user id");
		} else if ((l = inbound_link(n, &rid, user)) && !l->cut) {
			handle_frame(n, l, zmq_msg_data(&body), zmq_msg_size(&body), rd);
		}
		zmq_msg_close(&rid);
		zmq_msg_close(&body);
		/* What is not read now stays queued in ZeroMQ for the next round. */
		if (rd->bytes > ROUND_BYTES_MAX)
			return;
	}
}

static void drain_dealer(ld_node_t *n, link_t *l, struct round *rd)
{
	for (int i = 0; i < DRAIN_MAX && l->sock; i++) {
		zmq_msg_t body;

		zmq_msg_init(&body);
		if (zmq_msg_recv(&body, l->sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&body);
			return;
		}
		if (zmq_msg_more(&body)) {
			/* Drop multi-part messages whole (see drain_router). */
			int more = 1;

			while (more) {
				zmq_msg_close(&body);
				zmq_msg_init(&body);
				if (zmq_msg_recv(&body, l->sock, 0) < 0)
					break;
				more = zmq_msg_more(&body);
			}
			log_warn("multi-part message from %s dropped", l->peer);
		} else if (!l->cut && !ld_access_revoked(n->access, l->peer)) {
			handle_frame(n, l, zmq_msg_data(&body), zmq_msg_size(&body), rd);
		}
		zmq_msg_close(&body);
		if (rd->bytes > ROUND_BYTES_MAX)
			return;
	}
}

/* Receipts for entries addressed to this node by name, one entry per round. */
struct receipts {
	Ld__EntryRef *refs;
	Ld__EntryRef **ptrs;
	size_t n;
	const char *aud[LD_AUDIENCE_MAX];
	size_t n_aud;
	const char *via;
};

/* A transfer or designation naming this node: ask for the case's earlier
 * history, held redacted until now (history.c). */
static void want_granted(ld_node_t *n, const ld_entry_t *e)
{
	Ld__ReferralResponse *m;
	const char *to;

	if (e->hdr->kind != LD__KIND__KIND_REFERRAL_RESPONSE || !e->has_payload)
		return;
	m = ld__referral_response__unpack(NULL, e->payload_len, e->payload);
	if (!m)
		return;
	to = m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER   ? m->transfer_to
	     : m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE ? m->designated
										 : NULL;
	if (to && !strcmp(to, n->conf->id) && ld_case_id_valid(m->case_id)) {
		log_info("case %s passed to this node by %s: asking for its earlier history",
			 m->case_id, e->hdr->author);
		ld_history_want(n, m->case_id);
	}
	ld__referral_response__free_unpacked(m, NULL);
}

static void receipt_add(struct receipts *rc, const ld_entry_t *e, const char *self, const char *via)
{
	bool named = false;

	if (e->hdr->kind == LD__KIND__KIND_DELIVERY_RECEIPT || rc->n >= RECEIPT_REFS_MAX)
		return;
	for (size_t i = 0; i < e->hdr->n_audience && !named; i++)
		named = !strcmp(e->hdr->audience[i], self);
	if (!named)
		return;
	ld__entry_ref__init(&rc->refs[rc->n]);
	rc->refs[rc->n].feed = e->hdr->author;
	rc->refs[rc->n].has_seq = true;
	rc->refs[rc->n].seq = e->hdr->seq;
	rc->refs[rc->n].has_id = true;
	rc->refs[rc->n].id.data = (uint8_t *)e->id;
	rc->refs[rc->n].id.len = LD_ID_LEN;
	rc->ptrs[rc->n] = &rc->refs[rc->n];
	rc->n++;
	rc->via = via;
	for (size_t i = 0; i < rc->n_aud; i++)
		if (!strcmp(rc->aud[i], e->hdr->author))
			return;
	if (rc->n_aud < LD_AUDIENCE_MAX)
		rc->aud[rc->n_aud++] = e->hdr->author;
}

static int receipt_append(ld_node_t *n, struct receipts *rc)
{
	Ld__DeliveryReceipt d = LD__DELIVERY_RECEIPT__INIT;
	ld_append_req_t q = {.kind = LD__KIND__KIND_DELIVERY_RECEIPT};
	uint8_t *buf;
	int r;

	/* A revoked node's receipts would be refused everywhere. */
	if (!rc->n || n->revoked)
		return 0;
	d.n_entries = rc->n;
	d.entries = rc->ptrs;
	d.has_received_ms = true;
	d.received_ms = ld_now_ms();
	d.via = (char *)rc->via;
	q.payload_len = ld__delivery_receipt__get_packed_size(&d);
	buf = malloc(q.payload_len);
	if (!buf)
		return -ENOMEM;
	ld__delivery_receipt__pack(&d, buf);
	q.payload = buf;
	q.audience = rc->aud;
	q.n_audience = rc->n_aud;
	r = ld_store_append(n->store, &q, 1, NULL);
	free(buf);
	if (r < 0)
		log_error("cannot write delivery receipt for %zu entries: %s", rc->n, ld_strerror(r));
	return r;
}

static void progress(ld_node_t *n, const struct pending *p, const ld_ingest_batch_t *b)
{
	int64_t now = ld_now_ms();
	peer_head_t *ph;

	if (now - n->last_progress_log < 1000 || !b->n)
		return;
	ph = peer_head(p->l, p->f->entries->feed, false);
	n->last_progress_log = now;
	log_info("catching up %s from %s: at seq %llu of %llu", p->f->entries->feed, p->l->peer,
		 (unsigned long long)p->run[b->n - 1]->hdr->seq,
		 (unsigned long long)(ph ? ph->seq : 0));
}

static void ingest_round(ld_node_t *n, struct round *rd)
{
	ld_ingest_batch_t *b = calloc(rd->n, sizeof(*b));
	const char *changed[DRAIN_MAX * 2 + 1];
	size_t n_changed = 0;
	struct receipts rc = {0};
	bool roster = false;
	int r;

	rc.refs = calloc(RECEIPT_REFS_MAX, sizeof(*rc.refs));
	rc.ptrs = calloc(RECEIPT_REFS_MAX, sizeof(*rc.ptrs));
	if (!b || !rc.refs || !rc.ptrs)
		goto out;
	for (size_t i = 0; i < rd->n; i++) {
		struct pending *p = &rd->p[i];
		Ld__Entries *e = p->f->entries;

		p->run = calloc(e->n_entries ? e->n_entries : 1, sizeof(*p->run));
		for (size_t j = 0; p->run && j < e->n_entries; j++) {
			r = ld_entry_parse(e->entries[j].data, e->entries[j].len, &p->run[p->n]);
			if (r < 0) {
				p->parse_err = r;
				p->parse_bad = j;
				break;
			}
			p->n++;
			/* The frame's label is only a label: the store ingests by
			 * author, and so must everything we decide from it. */
			if (strcmp(p->run[j]->hdr->author, e->feed) != 0) {
				p->parse_err = LD_EMALFORMED;
				p->parse_bad = j;
				break;
			}
		}
		/* p->n stays what was parsed, so it is all freed below. */
		b[i] = (ld_ingest_batch_t){.entries = p->run, .n = p->parse_err ? 0 : p->n};
	}
	r = ld_store_ingest(n->store, b, rd->n, LD_CHAIN_BATCH);
	if (r < 0) {
		log_error("storage error in %s: cannot store received entries: %s; retrying in 5 s",
			  n->conf->data_dir, ld_strerror(r));
		n->storage_retry_at = ld_now_ms() + 5000;
		for (size_t i = 0; i < rd->n; i++) {
			pull_t *pl = pull_find(n, rd->p[i].f->entries->feed);

			if (pl)
				pl->active = false;
		}
		goto out;
	}
	for (size_t i = 0; i < rd->n; i++) {
		struct pending *p = &rd->p[i];
		const char *feed = p->f->entries->feed;
		pull_t *pl = pull_find(n, feed);
		int st = p->parse_err ? p->parse_err : b[i].status;

		p->l->entries_in += b[i].n_new;
		if (b[i].n_new) {
			bool dup = false;

			for (size_t k = 0; k < n_changed && !dup; k++)
				dup = !strcmp(changed[k], feed);
			if (!dup)
				changed[n_changed++] = feed;
			if (ld_store_root_id(n->store) && !strcmp(feed, ld_store_root_id(n->store)))
				roster = true;
			for (size_t k = b[i].n - b[i].n_new; k < b[i].n; k++) {
				receipt_add(&rc, p->run[k], n->conf->id, p->l->peer);
				want_granted(n, p->run[k]);
			}
			if (!p->f->entries->last)
				progress(n, p, &b[i]);
		}
		if (st == LD_EEQUIVOCATION && !p->parse_err && b[i].bad < b[i].n) {
			ld_entry_t *kept = NULL, *other = p->run[b[i].bad];

			/* Either this batch proved a new equivocation, or it tried
			 * to extend a feed already frozen by one. */
			if (ld_store_get(n->store, feed, other->hdr->seq, &kept, NULL) == 0 &&
			    memcmp(kept->id, other->id, LD_ID_LEN) != 0) {
				alert_equivocation(n, kept, other, p->l->peer);
				broadcast_proof(n, kept, other, NULL);
			} else {
				log_warn("refused entries of %s from %s at seq %llu: the feed is frozen "
					 "after a proven equivocation",
					 feed, p->l->peer, (unsigned long long)other->hdr->seq);
			}
			send_refusal(n, p->l, feed, other->hdr->seq, st);
			ld_entry_destroy(&kept);
		} else if (st < 0) {
			uint64_t seq = p->f->entries->from_seq +
				       (p->parse_err ? p->parse_bad : b[i].bad);

			log_warn("refused entries of %s from %s at seq %llu: %s; nothing of that "
				 "batch was stored",
				 feed, p->l->peer, (unsigned long long)seq, ld_strerror(st));
			send_refusal(n, p->l, feed, seq, st);
		}
		if (pl && pl->link == p->l && (p->f->entries->last || st < 0)) {
			pl->active = false;
			/* Refused, or "last" without bringing anything new: this peer
			 * cannot serve what it announced; ask it again only later. */
			if (st < 0 || (b[i].n_new == 0 && b[i].n_dup == 0))
				head_backoff(p->l, feed);
		} else if (pl && pl->link == p->l && b[i].n_new) {
			pl->deadline = ld_now_ms() + LD_PULL_TIMEOUT_MS;
		}
	}
	if (receipt_append(n, &rc) == 0 && rc.n)
		changed[n_changed++] = n->conf->id;
	if (roster)
		ld_node_roster_changed(n);
	if (n_changed)
		ld_node_committed(n, changed, n_changed);
out:
	for (size_t i = 0; i < rd->n; i++) {
		for (size_t j = 0; j < rd->p[i].n; j++)
			ld_entry_destroy(&rd->p[i].run[j]);
		free(rd->p[i].run);
		ld__frame__free_unpacked(rd->p[i].f, NULL);
	}
	free(rc.refs);
	free(rc.ptrs);
	free(b);
	rd->n = 0;
}

void ld_link_receive_all(ld_node_t *n)
{
	struct round *rd = calloc(1, sizeof(*rd));

	if (!rd)
		return;
	drain_router(n, rd);
	for (size_t i = 0; i < n->n_links; i++)
		if (n->links[i]->outgoing)
			drain_dealer(n, n->links[i], rd);
	if (rd->n)
		ingest_round(n, rd);
	ld_link_schedule_pulls(n);
	free(rd);
}

void ld_link_timers(ld_node_t *n, int64_t now)
{
	bool cleared = false;

	for (size_t i = 0; i < n->n_links; i++) {
		link_t *l = n->links[i];

		if (l->cut)
			continue;
		if (l->up && now - l->last_rx > n->conf->peer_timeout_ms) {
			char why[64];

			snprintf(why, sizeof(why), "silent for %lld ms", (long long)(now - l->last_rx));
			ld_link_mark_down(n, l, why);
		}
		if (l->outgoing && !l->up && now - l->sock_since >= l->retry_ms) {
			l->retry_ms = l->retry_ms * 2 < 30000 ? l->retry_ms * 2 : 30000;
			ld_node_redial(n, l);
		}
		if (l->outgoing && l->sock && !l->up &&
		    now - l->last_hello >= n->conf->heartbeat_ms)
			ld_link_send_hello(n, l, true);
		else if (l->up && now - l->last_tx >= n->conf->heartbeat_ms) {
			Ld__Frame f = LD__FRAME__INIT;

			f.body_case = LD__FRAME__BODY_PING;
			f.ping = true;
			ld_link_send(n, l, &f);
		}
	}
	/* Forget incoming links that went away; they come back with a Hello. */
	for (size_t i = 0; i < n->n_links;) {
		link_t *l = n->links[i];

		if (!l->outgoing && !l->up && now - l->down_since > 60000) {
			pull_clear_link(n, l);
			ld_blobx_link_down(n, l);
			ld_link_free(l);
			n->links[i] = n->links[--n->n_links];
			continue;
		}
		i++;
	}
	for (size_t i = 0; i < LD_MAX_PULLS; i++) {
		pull_t *p = &n->pulls[i];

		if (p->active && now > p->deadline) {
			log_warn("pull of %s from %s timed out; asking again (another peer first, if "
				 "one has it)", p->feed, p->link->peer);
			p->active = false;
			head_backoff(p->link, p->feed);
			cleared = true;
		}
	}
	if (cleared || now >= n->storage_retry_at)
		ld_link_schedule_pulls(n);
	ld_history_tick(n, now);
}

/* server/ingest.c: storing what peers send (see ingest.h).
 *
 * The path of an incoming entry, as this file walks it:
 *   ld_ingest_take()   an Entries frame from frame.c's table is kept
 *   ld_ingest_round()  parse_round(): each entry parsed (ld_entry_parse),
 *                      its author checked against the frame's feed
 *                      ld_store_ingest(): links, keys, the last signature
 *                      of each frame, stored with the views, one commit
 *                      judge(): per frame, a refusal, an equivocation, or
 *                      what is new (receipts, case histories)
 *                      the outbox: announce, roster, histories
 */
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "case.pb-c.h"
#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "receipt.pb-c.h"
#include "server/clock.h"
#include "server/ingest.h"
#include "server/log.h"
#include "server/node.h"
#include "server/sync.h"

#define ROUND_FRAMES_MAX 512
#define RECEIPT_REFS_MAX 4096
#define PROGRESS_LOG_MS 1000

/* An Entries frame waiting for the round's commit, and its parsed run. */
struct pending {
	link_t *l;
	Ld__Frame *f;
	ld_entry_t **run;
	size_t n;
	int parse_err;
	size_t parse_bad;
};

struct ld_round {
	struct pending p[ROUND_FRAMES_MAX];
	size_t n;
	size_t bytes; /* entry bytes held for this round's commit */
};

int ld_ingest_round_new(struct ld_round **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

void ld_ingest_round_free(struct ld_round **rd_p)
{
	struct ld_round *rd = rd_p ? *rd_p : NULL;

	if (!rd)
		return;
	for (size_t i = 0; i < rd->n; i++)
		ld__frame__free_unpacked(rd->p[i].f, NULL);
	free(rd);
	*rd_p = NULL;
}

bool ld_ingest_full(const ld_node_t *n)
{
	return n->round->bytes > LD_ROUND_BYTES_MAX || n->round->n == ROUND_FRAMES_MAX;
}

void ld_ingest_take(ld_node_t *n, link_t *l, Ld__Frame **f_p, size_t size)
{
	const Ld__Entries *e = (*f_p)->entries;
	struct ld_round *rd = n->round;

	if (!e->feed || !ld_node_id_valid(e->feed) || e->n_entries > LD_ENTRIES_FRAME_MAX) {
		rlog_warn(l->peer, "malformed Entries frame from %s (%zu entries) refused", l->peer,
			  e->n_entries);
		return;
	}
	if (rd->n == ROUND_FRAMES_MAX)
		return;
	rd->p[rd->n++] = (struct pending){.l = l, .f = *f_p};
	rd->bytes += size;
	*f_p = NULL;
}

/* ---- refusals and proofs ---- */

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
	uint8_t *wa = malloc(ld_entry_wire_size(a, false)),
		*wb = malloc(ld_entry_wire_size(b, false));

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

static void alert_equivocation(const ld_entry_t *a, const ld_entry_t *b, const char *via)
{
	char ha[2 * LD_ID_LEN + 1], hb[2 * LD_ID_LEN + 1];

	ld_hex(a->id, LD_ID_LEN, ha);
	ld_hex(b->id, LD_ID_LEN, hb);
	log_error("ALERT equivocation: %s signed two entries with seq %llu (%.16s, %.16s), "
		  "learnt from %s; feed %s frozen, proof kept",
		  a->hdr->author, (unsigned long long)a->hdr->seq, ha, hb, via, a->hdr->author);
}

void ld_ingest_on_proof(ld_node_t *n, link_t *l, const Ld__Frame *f)
{
	const Ld__Proof *p = f->proof;
	ld_entry_t *a = NULL, *b = NULL;
	int r = -EINVAL;

	if (p->has_a && p->has_b && ld_entry_parse(p->a.data, p->a.len, &a) == 0 &&
	    ld_entry_parse(p->b.data, p->b.len, &b) == 0)
		r = ld_store_add_proof(n->store, a, b);
	if (r == 0) {
		alert_equivocation(a, b, l->peer);
		broadcast_proof(n, a, b, l);
	} else if (r != -EEXIST) {
		rlog_warn(l->peer, "invalid equivocation proof from %s refused: %s", l->peer,
			  ld_strerror(r));
	}
	ld_entry_destroy(&a);
	ld_entry_destroy(&b);
}

/* ---- receipts ---- */

/* Receipts for entries addressed to this node by name, one entry per round. */
struct receipts {
	Ld__EntryRef *refs;
	Ld__EntryRef **ptrs;
	size_t n;
	const char *aud[LD_AUDIENCE_MAX];
	size_t n_aud;
	const char *via;
};

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

/* Sign the round's receipt. 0 (also when there is nothing to receipt) or
 * -errno. */
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
	d.received_ms = ld_now_ms(); /* a date, on the wall clock */
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
	if (r < 0) {
		rlog_error(NULL, "cannot write delivery receipt for %zu entries: %s", rc->n,
			   ld_strerror(r));
	} else {
		n->stats.entries_signed++;
		ld_outbox_announce(n->outbox, n->conf->id);
	}
	return r;
}

/* ---- the round ---- */

/* A transfer or designation naming this node: its earlier history is to be
 * asked for (history.c, through the outbox). */
static void want_granted(ld_node_t *n, const ld_entry_t *e)
{
	Ld__ReferralResponse *m;
	const char *to;

	if (e->hdr->kind != LD__KIND__KIND_REFERRAL_RESPONSE || !e->has_payload)
		return;
	m = ld_entry_payload(e, LD__KIND__KIND_REFERRAL_RESPONSE);
	if (!m)
		return;
	to = m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER	 ? m->transfer_to
	     : m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE ? m->designated
										 : NULL;
	if (to && !strcmp(to, n->conf->id) && ld_case_id_valid(m->case_id)) {
		rlog_info(e->hdr->author,
			  "case %s passed to this node by %s: asking for its earlier history",
			  m->case_id, e->hdr->author);
		ld_outbox_history(n->outbox, m->case_id);
	}
	ld__referral_response__free_unpacked(m, NULL);
}

static void progress(ld_node_t *n, const struct pending *p, const ld_ingest_batch_t *b)
{
	int64_t now = ld_mono_ms();

	if (now - n->last_progress_log < PROGRESS_LOG_MS || !b->n)
		return;
	n->last_progress_log = now;
	log_info("catching up %s from %s: at seq %llu of %llu", p->f->entries->feed, p->l->peer,
		 (unsigned long long)p->run[b->n - 1]->hdr->seq,
		 (unsigned long long)ld_sync_peer_seq(p->l, p->f->entries->feed));
}

/* Frames to runs of parsed entries, one batch each. A frame with an entry
 * that does not parse, or whose author is not the frame's feed, is a batch
 * of nothing (refused in judge()). */
static void parse_round(struct ld_round *rd, ld_ingest_batch_t *b)
{
	for (size_t i = 0; i < rd->n; i++) {
		struct pending *p = &rd->p[i];
		Ld__Entries *e = p->f->entries;

		p->run = calloc(e->n_entries ? e->n_entries : 1, sizeof(*p->run));
		for (size_t j = 0; p->run && j < e->n_entries; j++) {
			int r = ld_entry_parse(e->entries[j].data, e->entries[j].len,
					       &p->run[p->n]);

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
		/* p->n stays what was parsed, so it is all freed after. */
		b[i] = (ld_ingest_batch_t){.entries = p->run, .n = p->parse_err ? 0 : p->n};
	}
}

/* What one stored (or refused) frame calls for. */
static void judge(ld_node_t *n, struct pending *p, const ld_ingest_batch_t *b, struct receipts *rc)
{
	const char *feed = p->f->entries->feed;
	int st = p->parse_err ? p->parse_err : b->status;

	p->l->entries_in += b->n_new;
	n->stats.entries_ingested += b->n_new;
	if (st < 0)
		ld_stats_refused(&n->stats, st);
	if (b->n_new) {
		ld_outbox_announce(n->outbox, feed);
		if (ld_store_root_id(n->store) && !strcmp(feed, ld_store_root_id(n->store)))
			ld_outbox_roster(n->outbox);
		for (size_t k = b->n - b->n_new; k < b->n; k++) {
			receipt_add(rc, p->run[k], n->conf->id, p->l->peer);
			want_granted(n, p->run[k]);
		}
		if (!p->f->entries->last)
			progress(n, p, b);
	}
	if (st == LD_EEQUIVOCATION && !p->parse_err && b->bad < b->n) {
		ld_entry_t *kept = NULL, *other = p->run[b->bad];

		/* Either this batch proved a new equivocation, or it tried
		 * to extend a feed already frozen by one. */
		if (ld_store_get(n->store, feed, other->hdr->seq, &kept, NULL) == 0 &&
		    memcmp(kept->id, other->id, LD_ID_LEN) != 0) {
			alert_equivocation(kept, other, p->l->peer);
			broadcast_proof(n, kept, other, NULL);
		} else {
			rlog_warn(p->l->peer,
				  "refused entries of %s from %s at seq %llu: the feed is frozen "
				  "after a proven equivocation",
				  feed, p->l->peer, (unsigned long long)other->hdr->seq);
		}
		send_refusal(n, p->l, feed, other->hdr->seq, st);
		ld_entry_destroy(&kept);
	} else if (st < 0) {
		uint64_t seq = p->f->entries->from_seq + (p->parse_err ? p->parse_bad : b->bad);

		rlog_warn(p->l->peer,
			  "refused entries of %s from %s at seq %llu: %s; nothing of that "
			  "batch was stored",
			  feed, p->l->peer, (unsigned long long)seq, ld_strerror(st));
		send_refusal(n, p->l, feed, seq, st);
	}
	ld_sync_answered(n, p->l, feed, p->f->entries->last, st, b->n_new, b->n_dup);
}

void ld_ingest_round(ld_node_t *n)
{
	struct ld_round *rd = n->round;
	ld_ingest_batch_t *b;
	struct receipts rc = {0};
	int r;

	if (!rd->n)
		return;
	b = calloc(rd->n, sizeof(*b));
	rc.refs = calloc(RECEIPT_REFS_MAX, sizeof(*rc.refs));
	rc.ptrs = calloc(RECEIPT_REFS_MAX, sizeof(*rc.ptrs));
	if (!b || !rc.refs || !rc.ptrs)
		goto out;
	/* frame -> parse -> authenticate + store (+ views) -> judge -> outbox */
	parse_round(rd, b);
	r = ld_store_ingest(n->store, b, rd->n, LD_CHAIN_BATCH);
	if (r < 0) {
		const char *feeds[ROUND_FRAMES_MAX];

		log_error("storage error in %s: cannot store received entries: %s; retrying in 5 s",
			  n->conf->data_dir, ld_strerror(r));
		for (size_t i = 0; i < rd->n; i++)
			feeds[i] = rd->p[i].f->entries->feed;
		ld_sync_storage_failed(n, feeds, rd->n);
		goto out;
	}
	for (size_t i = 0; i < rd->n; i++)
		judge(n, &rd->p[i], &b[i], &rc);
	receipt_append(n, &rc);
out:
	for (size_t i = 0; i < rd->n; i++) {
		for (size_t j = 0; j < rd->p[i].n; j++)
			ld_entry_destroy(&rd->p[i].run[j]);
		free(rd->p[i].run);
		ld__frame__free_unpacked(rd->p[i].f, NULL);
		rd->p[i] = (struct pending){0};
	}
	free(rc.refs);
	free(rc.ptrs);
	free(b);
	rd->n = 0;
	rd->bytes = 0;
}

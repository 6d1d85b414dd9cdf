/* server/blobfetch.c: evidence files between nodes, the fetching side
 * (wire.proto Blob* frames; blobx.h tells the whole module).
 *
 * Fetching: a fetch names an evidence record (feed, seq). It asks every up
 * link with a BlobOpen; the first offer that checks out (the record entry
 * has the id this node holds, the chunk hashes match the record's signed
 * chunk list hash) is taken, a partial file is opened or resumed, and chunks
 * are asked for in order, at most a window of bytes ahead, each checked on
 * arrival. When the serving link goes down or stalls, the fetch opens
 * again and resumes from the chunks it holds, from whichever node answers.
 *
 * This file is the bottom of the module: the table of fetches, which
 * blobserve.c uses to relay, and the frames a fetch receives and sends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "common/base/errors.h"
#include "common/base/varint.h"
#include "server/blobx_int.h"
#include "server/clock.h"
#include "server/log.h"

static const char *const state_names[] = {"opening", "fetching", "waiting", "held", "failed"};

void bx_fetch_free(fetch_t *f)
{
	ld_blob_part_close(&f->part);
	free(f->rec_wire);
	memset(f, 0, sizeof(*f));
}

fetch_t *bx_fetch_by_sha(ld_node_t *n, const uint8_t sha[32])
{
	for (size_t i = 0; i < FETCH_MAX; i++)
		if (n->bx->f[i].used && n->bx->f[i].info_known &&
		    !memcmp(n->bx->f[i].info.sha256, sha, 32) && n->bx->f[i].state != F_DONE &&
		    n->bx->f[i].state != F_FAILED)
			return &n->bx->f[i];
	return NULL;
}

fetch_t *bx_fetch_by_record(ld_node_t *n, const char *feed, uint64_t seq)
{
	for (size_t i = 0; i < FETCH_MAX; i++)
		if (n->bx->f[i].used && n->bx->f[i].seq == seq && !strcmp(n->bx->f[i].feed, feed))
			return &n->bx->f[i];
	return NULL;
}

/* A free slot, evicting a finished or idle fetch if need be. */
fetch_t *bx_fetch_slot(ld_node_t *n)
{
	fetch_t *old = NULL;

	for (size_t i = 0; i < FETCH_MAX; i++) {
		fetch_t *f = &n->bx->f[i];

		if (!f->used)
			return f;
		if ((f->state == F_DONE || f->state == F_FAILED) &&
		    (!old || f->touched < old->touched))
			old = f;
	}
	if (old)
		bx_fetch_free(old);
	return old;
}

void bx_send_refusal(ld_node_t *n, link_t *l, uint32_t req, const uint8_t *sha, int code,
		     const char *reason)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__BlobRefusal m = LD__BLOB_REFUSAL__INIT;

	m.has_req = true;
	m.req = req;
	if (sha) {
		m.has_sha256 = true;
		m.sha256.data = (uint8_t *)sha;
		m.sha256.len = 32;
	}
	m.has_code = true;
	m.code = code;
	m.reason = (char *)reason;
	f.body_case = LD__FRAME__BODY_BLOB_REFUSAL;
	f.blob_refusal = &m;
	ld_link_send(n, l, &f);
}

void bx_send_offer(ld_node_t *n, link_t *l, uint32_t req, const uint8_t *rec, size_t rec_len,
		   const ld_blob_info_t *info, const uint8_t *hashes, uint32_t held)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__BlobOffer m = LD__BLOB_OFFER__INIT;

	m.has_req = m.has_record = m.has_sha256 = m.has_size = m.has_chunk_size = true;
	m.has_chunk_hashes = m.has_held = true;
	m.req = req;
	m.record.data = (uint8_t *)rec;
	m.record.len = rec_len;
	m.sha256.data = (uint8_t *)info->sha256;
	m.sha256.len = 32;
	m.size = info->size;
	m.chunk_size = info->chunk_size;
	m.chunk_hashes.data = (uint8_t *)hashes;
	m.chunk_hashes.len = (size_t)info->n_chunks * 32;
	m.held = held;
	f.body_case = LD__FRAME__BODY_BLOB_OFFER;
	f.blob_offer = &m;
	if (ld_link_send(n, l, &f) < 0)
		rlog_warn(l->peer, "offering evidence file to %s failed", l->peer);
}

/* ---- fetching ---- */

static bool is_waiter_link(const fetch_t *f, const link_t *l)
{
	for (size_t i = 0; i < f->n_waiters; i++)
		if (f->waiters[i].l == l)
			return true;
	return false;
}

static void fetch_fail(ld_node_t *n, fetch_t *f, int code, const char *why)
{
	f->state = F_FAILED;
	f->code = code;
	snprintf(f->why, sizeof(f->why), "%s", why);
	ld_blob_part_close(&f->part);
	f->src = NULL;
	for (size_t i = 0; i < f->n_waiters; i++)
		bx_send_refusal(n, f->waiters[i].l, f->waiters[i].req, NULL, code, f->why);
	f->n_waiters = 0;
}

/* Ask every up link (but those we relay for) for the file. */
void bx_fetch_open(ld_node_t *n, fetch_t *f, int64_t now)
{
	Ld__Frame fr = LD__FRAME__INIT;
	Ld__BlobOpen m = LD__BLOB_OPEN__INIT;

	f->state = F_OPENING;
	f->src = NULL;
	f->req = n->bx->next_req++;
	f->asked = f->answered = 0;
	f->code = 0;
	f->deadline = now + OPEN_TIMEOUT_MS;
	m.has_req = m.has_seq = m.has_hops = true;
	m.req = f->req;
	m.feed = f->feed;
	m.seq = f->seq;
	m.hops = f->hops;
	fr.body_case = LD__FRAME__BODY_BLOB_OPEN;
	fr.blob_open = &m;
	for (size_t i = 0; i < n->n_links; i++) {
		link_t *l = n->links[i];

		if (!l->up || l->cut || is_waiter_link(f, l) || (l == f->bad && now < f->bad_until))
			continue;
		if (ld_link_send(n, l, &fr) == 0)
			f->asked++;
	}
	if (!f->asked) {
		f->state = F_WAITING;
		f->deadline = now + RETRY_MS;
		snprintf(f->why, sizeof(f->why), "no connected node to ask");
		if (f->n_waiters)
			fetch_fail(n, f, -ENOENT, "not held here, and no other node to ask");
	}
}

static void fetch_ask_chunks(ld_node_t *n, fetch_t *f)
{
	Ld__Frame fr = LD__FRAME__INIT;
	Ld__BlobGet m = LD__BLOB_GET__INIT;
	uint64_t window = (uint64_t)n->conf->evidence_window_kb * 1024;
	uint32_t next = ld_blob_part_next(f->part), ahead, want;

	ahead = f->next_req > next ? f->next_req - next : 0;
	if (f->next_req < next)
		f->next_req = next;
	want = (uint32_t)(window / f->info.chunk_size);
	if (want < 2)
		want = 2;
	/* Keep the window full, asking as soon as an eighth of it is free
	 * (the server sends only what was asked for, so a server whose loop
	 * turns slowly, busy signing, still has a window's worth to send). */
	if (ahead + (want / 8 ? want / 8 : 1) > want || f->next_req >= f->info.n_chunks)
		return;
	want -= ahead;
	if (f->next_req + want > f->info.n_chunks)
		want = f->info.n_chunks - f->next_req;
	m.has_sha256 = m.has_index = m.has_count = true;
	m.sha256.data = f->info.sha256;
	m.sha256.len = 32;
	m.index = f->next_req;
	m.count = want;
	fr.body_case = LD__FRAME__BODY_BLOB_GET;
	fr.blob_get = &m;
	if (ld_link_send(n, f->src, &fr) == 0)
		f->next_req += want;
}

static void fetch_done(ld_node_t *n, fetch_t *f)
{
	int r = ld_blob_part_finish(f->part);
	char hex[65];

	if (r < 0) {
		char why[256];

		snprintf(why, sizeof(why), "storing the fetched file failed: %s", ld_strerror(r));
		log_error("evidence %s: %s", f->evid, why);
		fetch_fail(n, f, r, why);
		return;
	}
	ld_blob_part_close(&f->part);
	f->state = F_DONE;
	log_info("evidence %s of case %s fetched: %llu bytes, sha256 %s (%llu received here, "
		 "resumed from %llu)",
		 f->evid, f->case_id, (unsigned long long)f->info.size,
		 ld_hex(f->info.sha256, 32, hex), (unsigned long long)f->received,
		 (unsigned long long)f->resumed_from);
}

/* Start the part and tell the relayed askers. */
static int fetch_accept(ld_node_t *n, fetch_t *f, link_t *l, const uint8_t *hashes)
{
	int r = ld_blob_part_open(n->blobs, &f->info, hashes, &f->part);

	if (r == -EEXIST) {
		f->state = F_DONE;
	} else if (r < 0) {
		char why[256];

		snprintf(why, sizeof(why), "cannot store the file here: %s", ld_strerror(r));
		fetch_fail(n, f, r, why);
		return r;
	} else {
		f->state = F_FETCHING;
		f->src = l;
		f->next_req = ld_blob_part_next(f->part);
		f->resumed_from = (uint64_t)ld_blob_part_resumed(f->part) * f->info.chunk_size;
		if (f->resumed_from > f->info.size)
			f->resumed_from = f->info.size;
		f->deadline = ld_mono_ms() + STALL_MS;
		log_info("evidence %s: fetching %llu bytes from %s%s", f->evid,
			 (unsigned long long)f->info.size, l->peer,
			 ld_blob_part_next(f->part) ? " (resuming)" : "");
	}
	for (size_t i = 0; i < f->n_waiters; i++)
		bx_send_offer(n, f->waiters[i].l, f->waiters[i].req, f->rec_wire, f->rec_len,
			      &f->info, hashes,
			      f->part ? ld_blob_part_next(f->part) : f->info.n_chunks);
	f->n_waiters = 0;
	if (f->state == F_DONE)
		return 0;
	if (ld_blob_part_next(f->part) == f->info.n_chunks)
		fetch_done(n, f);
	else
		fetch_ask_chunks(n, f);
	return 0;
}

void ld_blobx_on_offer(ld_node_t *n, link_t *l, const Ld__Frame *fr)
{
	const Ld__BlobOffer *m = fr->blob_offer;
	ld_entry_t *e = NULL, *mine = NULL;
	ld_blob_info_t info;
	fetch_t *f = NULL;
	uint8_t list[32];
	int r;

	for (size_t i = 0; i < FETCH_MAX && !f; i++)
		if (n->bx->f[i].used && n->bx->f[i].state == F_OPENING && n->bx->f[i].req == m->req)
			f = &n->bx->f[i];
	if (!f)
		return; /* late: another offer was taken */
	f->answered++;
	if (!m->has_record || ld_entry_parse(m->record.data, m->record.len, &e) < 0 ||
	    !e->has_payload || strcmp(e->hdr->author, f->feed) != 0 || e->hdr->seq != f->seq ||
	    ld_store_get(n->store, f->feed, f->seq, &mine, NULL) < 0 ||
	    memcmp(mine->id, e->id, LD_ID_LEN) != 0) {
		rlog_warn(l->peer,
			  "evidence offer from %s does not carry record %s:%llu as signed: ignored",
			  l->peer, f->feed, (unsigned long long)f->seq);
		goto out;
	}
	if ((r = ld_evidence_file_info(e, &info, f->case_id, f->evid)) < 0 ||
	    !m->has_chunk_hashes || m->chunk_hashes.len != (size_t)info.n_chunks * 32 ||
	    !m->has_sha256 || m->sha256.len != 32 || memcmp(m->sha256.data, info.sha256, 32) != 0) {
		rlog_warn(l->peer,
			  "evidence offer from %s for %s:%llu does not match the record: ignored",
			  l->peer, f->feed, (unsigned long long)f->seq);
		goto out;
	}
	ld_blob_list_sha256(m->chunk_hashes.data, info.n_chunks, list);
	if (memcmp(list, info.list_sha256, 32) != 0) {
		rlog_warn(
			l->peer,
			"evidence offer from %s: chunk list does not match record %s:%llu: ignored",
			l->peer, f->feed, (unsigned long long)f->seq);
		goto out;
	}
	f->info = info;
	f->info_known = true;
	/* Held redacted until now: a node entitled to the file may read its
	 * record; the store fills the payload in (its hash is in the header). */
	if (!mine->has_payload) {
		ld_entry_t *const one[] = {e};
		ld_ingest_batch_t b = {.entries = one, .n = 1};

		if (ld_store_ingest(n->store, &b, 1, LD_CHAIN_EACH_SIG) < 0 || b.status < 0)
			log_warn("evidence %s: storing the record's content failed", f->evid);
	}
	if (!f->rec_wire) {
		f->rec_len = m->record.len;
		f->rec_wire = malloc(f->rec_len);
		if (f->rec_wire)
			memcpy(f->rec_wire, m->record.data, f->rec_len);
	}
	fetch_accept(n, f, l, m->chunk_hashes.data);
out:
	ld_entry_destroy(&e);
	ld_entry_destroy(&mine);
}

void ld_blobx_on_refusal(ld_node_t *n, link_t *l, const Ld__Frame *fr)
{
	const Ld__BlobRefusal *m = fr->blob_refusal;
	fetch_t *f = NULL;

	for (size_t i = 0; i < FETCH_MAX && !f; i++) {
		fetch_t *g = &n->bx->f[i];

		if (g->used &&
		    ((g->state == F_OPENING && m->req && g->req == m->req) ||
		     (g->state == F_FETCHING && !m->req && g->src == l && m->has_sha256 &&
		      m->sha256.len == 32 && !memcmp(m->sha256.data, g->info.sha256, 32))))
			f = g;
	}
	if (!f)
		return;
	if (f->state == F_FETCHING) {
		rlog_warn(l->peer, "evidence %s: %s stopped serving it: %s", f->evid, l->peer,
			  m->reason ? m->reason : "no reason given");
		bx_fetch_open(n, f, ld_mono_ms());
		return;
	}
	f->answered++;
	/* A refusal for entitlement is what the operator must see. */
	if (m->code == -EACCES || f->code != -EACCES) {
		f->code = m->has_code ? m->code : -EIO;
		snprintf(f->why, sizeof(f->why), "%s: %s", l->peer,
			 m->reason ? m->reason : "refused, no reason given");
	}
	if (f->answered >= f->asked) {
		if (f->code == -EACCES) {
			char why[sizeof(f->why)];

			memcpy(why, f->why, sizeof(why));
			rlog_warn(f->feed, "evidence fetch of %s:%llu refused by %s", f->feed,
				  (unsigned long long)f->seq, why);
			fetch_fail(n, f, -EACCES, why);
		} else if (f->n_waiters) {
			fetch_fail(n, f, -ENOENT, "not held here or by any node this one reaches");
		} else {
			f->state = F_WAITING;
			f->deadline = ld_mono_ms() + RETRY_MS;
		}
	}
}

static void handle_chunk(ld_node_t *n, link_t *l, const uint8_t *sha, uint32_t index,
			 const uint8_t *data, size_t len)
{
	fetch_t *f = bx_fetch_by_sha(n, sha);
	int r;

	if (!f || f->state != F_FETCHING || f->src != l || index != ld_blob_part_next(f->part))
		return; /* stale: from an earlier source or request */
	r = ld_blob_part_put(f->part, index, data, len);
	if (r == -EBADMSG) {
		rlog_warn(l->peer,
			  "evidence %s: chunk %u from %s does not match its hash: dropped, asking "
			  "another node",
			  f->evid, index, l->peer);
		f->bad = l;
		f->bad_until = ld_mono_ms() + BAD_SOURCE_MS;
		bx_fetch_open(n, f, ld_mono_ms());
		return;
	}
	if (r < 0) {
		char why[256];

		snprintf(why, sizeof(why), "writing chunk %u failed: %s", index, ld_strerror(r));
		log_error("evidence %s: %s", f->evid, why);
		fetch_fail(n, f, r, why);
		return;
	}
	/* The rate is measured over a second from the first chunk after an idle spell. */
	if (!f->rate_bytes && !f->rate_bps)
		f->rate_t0 = ld_mono_ms();
	f->received += len;
	f->rate_bytes += len;
	n->bx->rx += len;
	f->deadline = ld_mono_ms() + STALL_MS;
	if (ld_blob_part_next(f->part) == f->info.n_chunks)
		fetch_done(n, f);
	else
		fetch_ask_chunks(n, f);
}

void bx_fetch_tick(ld_node_t *n, int64_t now)
{
	/* Fetches: timeouts, retries, rate. */
	for (size_t i = 0; i < FETCH_MAX; i++) {
		fetch_t *f = &n->bx->f[i];

		if (!f->used)
			continue;
		if (now - f->rate_t0 >= 1000) {
			f->rate_bps = f->rate_t0
					      ? f->rate_bytes * 1000 / (uint64_t)(now - f->rate_t0)
					      : 0;
			f->rate_bytes = 0;
			f->rate_t0 = now;
		}
		if (f->local && !f->n_waiters && f->state != F_DONE && f->state != F_FAILED &&
		    now - f->touched > IDLE_DROP_MS) {
			log_info(
				"evidence %s: nobody is waiting for it any more; fetch paused (the "
				"chunks held are kept)",
				f->evid);
			bx_fetch_free(f);
			continue;
		}
		switch (f->state) {
		case F_OPENING:
			if (now >= f->deadline) {
				if (f->n_waiters)
					fetch_fail(n, f, -ETIMEDOUT,
						   "no node this one reaches answered in time");
				else
					bx_fetch_open(n, f, now);
			}
			break;
		case F_WAITING:
			if (now >= f->deadline)
				bx_fetch_open(n, f, now);
			break;
		case F_FETCHING:
			if (now >= f->deadline) {
				rlog_warn(NULL,
					  "evidence %s: %s sent nothing for %d s; asking again",
					  f->evid, f->src ? f->src->peer : "?", STALL_MS / 1000);
				bx_fetch_open(n, f, now);
			}
			break;
		default:
			break;
		}
	}
}

static void due_min(int64_t *due, int64_t t)
{
	if (t < *due)
		*due = t;
}

int64_t bx_fetch_next_due(const ld_node_t *n)
{
	int64_t due = INT64_MAX;

	for (size_t i = 0; i < FETCH_MAX; i++) {
		const fetch_t *f = &n->bx->f[i];
		bool live = f->state != F_DONE && f->state != F_FAILED;

		if (!f->used)
			continue;
		if (f->rate_bytes || f->rate_bps)
			due_min(&due, f->rate_t0 + 1000);
		if (f->local && !f->n_waiters && live)
			due_min(&due, f->touched + IDLE_DROP_MS + 1);
		if (f->state == F_OPENING || f->state == F_WAITING || f->state == F_FETCHING)
			due_min(&due, f->deadline);
	}
	return due;
}

void bx_fetch_link_down(ld_node_t *n, link_t *l)
{
	for (size_t i = 0; i < FETCH_MAX; i++) {
		fetch_t *f = &n->bx->f[i];
		size_t k = 0;

		if (!f->used)
			continue;
		for (size_t j = 0; j < f->n_waiters; j++)
			if (f->waiters[j].l != l)
				f->waiters[k++] = f->waiters[j];
		f->n_waiters = k;
		if (f->bad == l)
			f->bad = NULL;
		if (f->state == F_FETCHING && f->src == l) {
			rlog_info(l->peer,
				  "evidence %s: %s went down after %u of %u chunks; asking again",
				  f->evid, l->peer, ld_blob_part_next(f->part), f->info.n_chunks);
			f->src = NULL;
			f->state = F_WAITING;
			f->deadline = ld_mono_ms();
		}
	}
}

void ld_blobx_on_chunk(ld_node_t *n, link_t *l, const Ld__Frame *f)
{
	const Ld__BlobChunk *m = f->blob_chunk;

	if (m->has_sha256 && m->sha256.len == 32 && m->has_index && m->has_data)
		handle_chunk(n, l, m->sha256.data, m->index, m->data.data, m->data.len);
}

/* A varint as send_chunk writes it: minimal (no trailing zero groups);
 * anything else is for the general path. */
static bool varint_minimal(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	const uint8_t *start = *p;

	return ld_varint_get(p, end, v) == 0 && (size_t)(*p - start) == ld_varint_size(*v);
}

bool ld_blobx_chunk_parse(const uint8_t *data, size_t size, const uint8_t **ret_sha,
			  uint32_t *ret_index, const uint8_t **ret_chunk, size_t *ret_len)
{
	const uint8_t *p = data, *end = data + size, *sha;
	uint64_t len, index, dlen;

	/* Exactly the layout send_chunk writes: 0x6a LEN { 0x0a 32 SHA
	 * 0x10 INDEX 0x1a DLEN DATA }, each length the rest of the input. */
	if (size < 40 || *p++ != 0x6a || !varint_minimal(&p, end, &len) ||
	    len != (uint64_t)(end - p) || *p++ != 0x0a || p >= end || *p++ != 32 || end - p < 32)
		return false;
	sha = p;
	p += 32;
	if (p >= end || *p++ != 0x10 || !varint_minimal(&p, end, &index) || index > UINT32_MAX ||
	    p >= end || *p++ != 0x1a || !varint_minimal(&p, end, &dlen) ||
	    dlen != (uint64_t)(end - p))
		return false;
	*ret_sha = sha;
	*ret_index = (uint32_t)index;
	*ret_chunk = p;
	*ret_len = (size_t)dlen;
	return true;
}

bool ld_blobx_raw_chunk(ld_node_t *n, link_t *l, const uint8_t *data, size_t size)
{
	const uint8_t *sha, *chunk;
	uint32_t index;
	size_t len;

	if (!ld_blobx_chunk_parse(data, size, &sha, &index, &chunk, &len))
		return false;
	if (l->up)
		handle_chunk(n, l, sha, index, chunk, len);
	return true;
}

/* ---- local API ---- */

int ld_blobx_api(ld_node_t *n, const char *feed, uint64_t seq, bool start, Ld__ApiBlob *out,
		 char *msg, size_t msglen)
{
	static char path[4200];
	static char case_id[LD_CASE_ID_MAX + 1], evid[LD_EVIDENCE_ID_MAX + 1],
		author[LD_NODE_ID_MAX + 1];
	static uint8_t sha[32];
	ld_entry_t *rec = NULL;
	ld_blob_info_t info;
	bool known = false;
	fetch_t *f;
	int r;

	r = ld_store_get(n->store, feed, seq, &rec, NULL);
	if (r < 0) {
		snprintf(msg, msglen, "evidence record %s:%llu is not held here%s", feed,
			 (unsigned long long)seq,
			 r == -ENOENT ? " (not replicated yet, or no such entry)" : "");
		return r;
	}
	if (rec->hdr->kind != LD__KIND__KIND_EVIDENCE_RECORD) {
		snprintf(msg, msglen, "%s:%llu is not an evidence record", feed,
			 (unsigned long long)seq);
		ld_entry_destroy(&rec);
		return -EINVAL;
	}
	snprintf(author, sizeof(author), "%s", feed);
	out->record_author = author;
	if (rec->has_payload) {
		r = ld_evidence_file_info(rec, &info, case_id, evid);
		if (r == -ENOENT || r == -ENOTSUP || r == -EPROTO) {
			snprintf(msg, msglen, "evidence record %s:%llu %s", feed,
				 (unsigned long long)seq,
				 r == -ENOENT ? "records a physical item, no file"
				 : r == -ENOTSUP
					 ? "was written before files could move between nodes "
					   "(it has no chunk list); record the file again"
					 : "does not decode");
			ld_entry_destroy(&rec);
			return r == -ENOENT ? -ENOENT : -EINVAL;
		}
		known = true;
		out->case_id = case_id;
		out->evidence_id = evid;
	}
	ld_entry_destroy(&rec);
	f = bx_fetch_by_record(n, feed, seq);
	if (!known && f && f->info_known) {
		info = f->info;
		known = true;
		snprintf(case_id, sizeof(case_id), "%s", f->case_id);
		snprintf(evid, sizeof(evid), "%s", f->evid);
		out->case_id = case_id;
		out->evidence_id = evid;
	}
	if (known) {
		memcpy(sha, info.sha256, 32);
		out->has_sha256 = out->has_size = true;
		out->sha256.data = sha;
		out->sha256.len = 32;
		out->size = info.size;
		/* Not while a fetch of it runs (callers poll; stat reads the
		 * chunk index). */
		if ((!f || f->state == F_DONE || f->state == F_FAILED) &&
		    ld_blob_stat(n->blobs, info.sha256, NULL) == 0) {
			ld_blob_path(n->blobs, info.sha256, path, sizeof(path));
			out->state = (char *)"held";
			out->path = path;
			out->has_held = true;
			out->held = info.size;
			if (f) {
				out->has_received = out->has_resumed_from = true;
				out->received = f->received;
				out->resumed_from = f->resumed_from;
				out->source = f->src ? f->src->peer : NULL;
				f->touched = ld_mono_ms();
			}
			return 0;
		}
	}
	/* Finished earlier but no longer held (the file was removed): fetch
	 * it again. */
	if (f && f->state == F_DONE && start) {
		bx_fetch_free(f);
		f = NULL;
	}
	if (f && f->state == F_FAILED) {
		snprintf(msg, msglen, "%s", f->why);
		r = f->code ? f->code : -EIO;
		if (start)
			bx_fetch_free(f); /* a new request asks again */
		return r;
	}
	if (!f && start) {
		if (!(f = bx_fetch_slot(n))) {
			snprintf(msg, msglen,
				 "too many evidence transfers at once; try again shortly");
			return -EBUSY;
		}
		f->used = true;
		snprintf(f->feed, sizeof(f->feed), "%s", feed);
		f->seq = seq;
		f->hops = HOPS_DEFAULT;
		f->local = true;
		f->touched = ld_mono_ms();
		if (known) {
			f->info = info;
			f->info_known = true;
			snprintf(f->case_id, sizeof(f->case_id), "%s", case_id);
			snprintf(f->evid, sizeof(f->evid), "%s", evid);
		} else {
			snprintf(f->evid, sizeof(f->evid), "%s:%llu", feed,
				 (unsigned long long)seq);
		}
		bx_fetch_open(n, f, ld_mono_ms());
	}
	if (!f) {
		out->state = (char *)"idle";
		return 0;
	}
	f->local = f->local || start;
	f->touched = ld_mono_ms();
	out->state = (char *)state_names[f->state];
	out->has_received = out->has_resumed_from = out->has_rate_bps = out->has_held = true;
	out->received = f->received;
	out->resumed_from = f->resumed_from;
	out->rate_bps = f->rate_bps;
	out->held = f->part ? (uint64_t)ld_blob_part_next(f->part) * f->info.chunk_size : 0;
	if (f->info_known && out->held > f->info.size)
		out->held = f->info.size;
	out->source = f->src ? f->src->peer : NULL;
	if (f->state == F_WAITING)
		snprintf(msg, msglen, "%s",
			 f->why[0] ? f->why : "no node this one reaches holds it yet");
	return 0;
}

/* server/blobserve.c: serving evidence files to peers (see blobx.c for the
 * protocol): a BlobOpen is answered only if the asker is entitled to the
 * record's evidence (judged on this node's store) and this node holds the
 * file, is fetching it, or may relay it; chunks asked for are sent after the
 * turn's replication work, within a budget per turn and the token bucket of
 * [evidence] rate_limit_mb. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "common/base/errors.h"
#include "common/base/varint.h"
#include "server/blobx_int.h"
#include "server/clock.h"
#include "server/log.h"

static sess_t *sess_get(ld_node_t *n, link_t *l, const uint8_t sha[32], bool create)
{
	sess_t *free_s = NULL, *old = NULL;
	size_t per_link = 0;

	for (size_t i = 0; i < SESS_MAX; i++) {
		sess_t *s = &n->bx->s[i];

		if (!s->used) {
			free_s = free_s ? free_s : s;
			continue;
		}
		if (s->l != l)
			continue;
		if (!memcmp(s->sha, sha, 32))
			return s;
		per_link++;
		if (!old || s->last < old->last)
			old = s;
	}
	if (!create)
		return NULL;
	if (per_link >= SESS_PER_LINK || !free_s) {
		if (!old)
			return NULL;
		ld_blob_close(&old->blob);
		free_s = old;
	}
	memset(free_s, 0, sizeof(*free_s));
	free_s->used = true;
	free_s->l = l;
	memcpy(free_s->sha, sha, 32);
	free_s->last = ld_mono_ms();
	return free_s;
}

void ld_blobx_on_open(ld_node_t *n, link_t *l, const Ld__Frame *fr)
{
	const Ld__BlobOpen *m = fr->blob_open;
	char why[640];
	ld_entry_t *rec = NULL;
	ld_blob_info_t info;
	ld_blob_t *bl = NULL;
	uint8_t *wire = NULL;
	fetch_t *f;
	size_t len;
	int r;

	if (!m->has_req || !m->feed || !ld_node_id_valid(m->feed) || !m->has_seq) {
		rlog_warn(l->peer, "malformed BlobOpen from %s ignored", l->peer);
		return;
	}
	r = ld_store_get(n->store, m->feed, m->seq, &rec, NULL);
	if (r < 0 || !rec->has_payload) {
		snprintf(why, sizeof(why), "%s does not hold evidence record %s:%llu%s",
			 n->conf->id, m->feed, (unsigned long long)m->seq,
			 r < 0 ? "" : " with its content");
		bx_send_refusal(n, l, m->req, NULL, -ENOENT, why);
		goto out;
	}
	/* Entitlement first: what the record says (whether it names a file)
	 * is for the entitled only. */
	if ((r = ld_evidence_entitled(n->store, n->access, rec, l->peer, why, sizeof(why))) < 0) {
		if (r == -EPROTO)
			snprintf(why, sizeof(why), "%s:%llu is not an evidence record", m->feed,
				 (unsigned long long)m->seq);
		else if (r != -EACCES)
			snprintf(why, sizeof(why), "%s could not decide: %s", n->conf->id,
				 ld_strerror(r));
		rlog_warn(l->peer, "evidence fetch by %s of %s:%llu refused: %s", l->peer, m->feed,
			  (unsigned long long)m->seq, why);
		bx_send_refusal(n, l, m->req, NULL, r == -EPROTO ? LD_EMALFORMED : r, why);
		goto out;
	}
	r = ld_evidence_file_info(rec, &info, NULL, NULL);
	if (r < 0) {
		snprintf(why, sizeof(why), "%s:%llu %s", m->feed, (unsigned long long)m->seq,
			 r == -ENOENT	 ? "records no file"
			 : r == -ENOTSUP ? "has no chunk list (recorded before files could move)"
					 : "is not an evidence record");
		bx_send_refusal(n, l, m->req, NULL, r == -EPROTO ? LD_EMALFORMED : r, why);
		goto out;
	}
	len = ld_entry_wire_size(rec, true);
	wire = malloc(len);
	if (!wire) {
		bx_send_refusal(n, l, m->req, NULL, -ENOMEM, "out of memory on the serving node");
		goto out;
	}
	ld_entry_encode(rec, true, wire);
	if (ld_blob_open(n->blobs, info.sha256, &bl) == 0) {
		sess_get(n, l, info.sha256, true);
		bx_send_offer(n, l, m->req, wire, len, &info, ld_blob_hashes(bl), info.n_chunks);
		goto out;
	}
	f = bx_fetch_by_sha(n, info.sha256);
	if (f && f->part) {
		sess_get(n, l, info.sha256, true);
		bx_send_offer(n, l, m->req, wire, len, &f->info, ld_blob_part_hashes(f->part),
			      ld_blob_part_next(f->part));
		goto out;
	}
	if (!f && m->has_hops && m->hops > 0) {
		f = bx_fetch_by_record(n, m->feed, m->seq);
		if (f && (f->state == F_DONE || f->state == F_FAILED))
			bx_fetch_free(f);
		else if (f)
			goto join;
		if (!(f = bx_fetch_slot(n))) {
			bx_send_refusal(n, l, m->req, NULL, -EBUSY,
					"too many evidence transfers at once");
			goto out;
		}
		f->used = true;
		snprintf(f->feed, sizeof(f->feed), "%s", m->feed);
		f->seq = m->seq;
		f->hops = m->hops - 1;
		f->touched = ld_mono_ms();
		f->rec_wire = wire;
		f->rec_len = len;
		wire = NULL;
		ld_evidence_file_info(rec, &f->info, f->case_id, f->evid);
		f->info_known = true;
		f->waiters[f->n_waiters].l = l;
		f->waiters[f->n_waiters++].req = m->req;
		sess_get(n, l, info.sha256, true);
		rlog_info(l->peer, "evidence %s: %s asks for it; fetching it to relay", f->evid,
			  l->peer);
		bx_fetch_open(n, f, ld_mono_ms());
		goto out;
	}
join:
	if (f && f->n_waiters < WAITERS_MAX && f->state == F_OPENING) {
		f->waiters[f->n_waiters].l = l;
		f->waiters[f->n_waiters++].req = m->req;
		sess_get(n, l, info.sha256, true);
		goto out;
	}
	snprintf(why, sizeof(why), "%s does not hold the file of %s:%llu", n->conf->id, m->feed,
		 (unsigned long long)m->seq);
	bx_send_refusal(n, l, m->req, NULL, -ENOENT, why);
out:
	free(wire);
	ld_blob_close(&bl);
	ld_entry_destroy(&rec);
}

void ld_blobx_on_get(ld_node_t *n, link_t *l, const Ld__Frame *fr)
{
	const Ld__BlobGet *m = fr->blob_get;
	sess_t *s;
	uint32_t count;

	if (!m->has_sha256 || m->sha256.len != 32 || !m->has_index)
		return;
	s = sess_get(n, l, m->sha256.data, false);
	if (!s) {
		bx_send_refusal(n, l, 0, m->sha256.data, -EACCES,
				"no offer of this file was made to you: ask with BlobOpen first");
		return;
	}
	count = m->has_count && m->count ? m->count : 1;
	if (count > GET_CHUNKS_MAX)
		count = GET_CHUNKS_MAX;
	if (m->index != s->to || s->from == s->to)
		s->from = m->index;
	s->to = m->index + count;
	s->last = ld_mono_ms();
}

/* Encode a BlobChunk frame straight into a ZeroMQ message, reading the
 * chunk into it: one copy of the data on the way out. */
static int send_chunk(ld_node_t *n, sess_t *s, const ld_blob_info_t *info, uint32_t idx,
		      ld_blob_t *bl, ld_blob_part_t *part)
{
	size_t clen = ld_blob_chunk_len(info->size, info->chunk_size, idx), got = 0;
	uint8_t hdr[64], inner[48];
	size_t ni = 0, nh = 0;
	zmq_msg_t msg;
	int r;

	inner[ni++] = 0x0a; /* sha256 */
	inner[ni++] = 32;
	memcpy(inner + ni, s->sha, 32);
	ni += 32;
	inner[ni++] = 0x10; /* index */
	ni = (size_t)(ld_varint_put(inner + ni, idx) - inner);
	inner[ni++] = 0x1a; /* data */
	ni = (size_t)(ld_varint_put(inner + ni, clen) - inner);
	hdr[nh++] = 0x6a; /* Frame.blob_chunk = 13, length-delimited */
	nh = (size_t)(ld_varint_put(hdr + nh, ni + clen) - hdr);
	if (zmq_msg_init_size(&msg, nh + ni + clen) < 0)
		return -ENOMEM;
	memcpy(zmq_msg_data(&msg), hdr, nh);
	memcpy((uint8_t *)zmq_msg_data(&msg) + nh, inner, ni);
	r = bl ? ld_blob_read_chunk(bl, idx, (uint8_t *)zmq_msg_data(&msg) + nh + ni, &got)
	       : ld_blob_part_read_chunk(part, idx, (uint8_t *)zmq_msg_data(&msg) + nh + ni, &got);
	if (r < 0 || got != clen) {
		zmq_msg_close(&msg);
		return r < 0 ? r : -EIO;
	}
	r = ld_link_send_msg(n, s->l, &msg);
	zmq_msg_close(&msg);
	return r;
}

/* Serve one session as far as tokens and the turn's budget go. Returns the
 * bytes sent, or -errno to stop serving this link for the turn. */
static int64_t serve_sess(ld_node_t *n, sess_t *s, uint64_t budget)
{
	const ld_blob_info_t *info;
	ld_blob_part_t *part = NULL;
	uint64_t sent = 0;
	fetch_t *f;

	if (!s->l->up || s->l->cut) {
		ld_blob_close(&s->blob);
		s->used = false;
		return 0;
	}
	if (!s->blob && ld_blob_open(n->blobs, s->sha, &s->blob) < 0) {
		f = bx_fetch_by_sha(n, s->sha);
		if (!f || !f->part)
			return 0; /* relay not started yet */
		part = f->part;
		info = ld_blob_part_info(part);
	} else {
		info = ld_blob_info(s->blob);
	}
	if (s->to > info->n_chunks)
		s->to = info->n_chunks;
	while (s->from < s->to && sent < budget) {
		size_t clen = ld_blob_chunk_len(info->size, info->chunk_size, s->from);
		int r;

		if (part && s->from >= ld_blob_part_next(part))
			break; /* relaying: not here yet */
		if (rate_limit(n) && n->bx->tokens < (double)clen)
			break;
		r = send_chunk(n, s, info, s->from, s->blob, part);
		if (r == -EAGAIN)
			return -EAGAIN; /* the link's queue is full: its turn is over */
		if (r < 0) {
			rlog_warn(s->l->peer, "serving chunk %u to %s failed: %s", s->from,
				  s->l->peer, ld_strerror(r));
			bx_send_refusal(n, s->l, 0, s->sha, r,
					"reading the file failed on the server");
			s->from = s->to;
			break;
		}
		if (rate_limit(n))
			n->bx->tokens -= (double)clen;
		s->from++;
		sent += clen;
		s->last = ld_mono_ms();
	}
	n->bx->sent += sent;
	return (int64_t)sent;
}

static void refill(ld_node_t *n, int64_t now)
{
	uint64_t lim = rate_limit(n);

	if (!lim)
		return;
	if (n->bx->refill_at == 0)
		n->bx->refill_at = now;
	if (now > n->bx->refill_at) {
		n->bx->tokens += (double)lim * (double)(now - n->bx->refill_at) / 1000.0;
		n->bx->refill_at = now;
	}
	/* At most a tenth of a second's worth (and one chunk) banked. */
	if (n->bx->tokens > (double)lim / 10 + LD_BLOB_CHUNK_MAX)
		n->bx->tokens = (double)lim / 10 + LD_BLOB_CHUNK_MAX;
}

bool bx_serve_tick(ld_node_t *n, int64_t now)
{
	uint64_t left = TICK_BYTES;
	bool more = false;

	refill(n, now);
	n->bx->tick_at = now;
	n->bx->blocked = false;
	n->bx->starved = false;
	/* Round robin over sessions; called after replication's work. */
	for (size_t k = 0; k < SESS_MAX && left > 0; k++) {
		sess_t *s = &n->bx->s[(n->bx->rr + k) % SESS_MAX];
		int64_t sent;

		if (!s->used)
			continue;
		if (s->from >= s->to) {
			if (now - s->last > SESS_IDLE_MS) {
				ld_blob_close(&s->blob);
				s->used = false;
			}
			continue;
		}
		sent = serve_sess(n, s, left / 2 + 1);
		if (sent > 0)
			left = (uint64_t)sent >= left ? 0 : left - (uint64_t)sent;
		if (sent == -EAGAIN)
			n->bx->blocked = true;
		else if (s->from < s->to && s->l->up && (!rate_limit(n) || n->bx->tokens > 0))
			more = true;
		else if (s->from < s->to && s->l->up && rate_limit(n))
			n->bx->starved = true;
	}
	n->bx->rr++;
	return more;
}

int64_t bx_serve_next_due(const ld_node_t *n)
{
	int64_t due = INT64_MAX;

	/* A full queue to a peer, or tokens run out: try again shortly (a
	 * ROUTER is always writable, so polling for it would spin). */
	if (n->bx->blocked || n->bx->starved)
		due = n->bx->tick_at + RETRY_SEND_MS;
	for (size_t i = 0; i < SESS_MAX; i++) {
		const sess_t *s = &n->bx->s[i];

		if (s->used && s->from >= s->to && s->last + SESS_IDLE_MS + 1 < due)
			due = s->last + SESS_IDLE_MS + 1;
	}
	return due;
}

void bx_sess_drop_link(ld_node_t *n, link_t *l)
{
	for (size_t i = 0; i < SESS_MAX; i++)
		if (n->bx->s[i].used && (!l || n->bx->s[i].l == l)) {
			ld_blob_close(&n->bx->s[i].blob);
			n->bx->s[i].used = false;
		}
}

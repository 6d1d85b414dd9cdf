/* common/store/store_write.c: the write side of the store: local appends, ingest of
 * foreign runs, roster derivation, equivocation proofs and the id index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/base/errors.h"
#include "common/store/store_int.h"
#include "common/feed/kinds.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ld_store_set_local(ld_store_t *s, const char *node_id, ld_key_t *key)
{
	uint8_t pub[LD_PUBKEY_LEN];

	if (!ld_node_id_valid(node_id) || !key)
		return -EINVAL;
	/* The root authority signs with the trust anchor and nothing else. */
	ld_key_public(key, pub);
	if (s->root_id[0] && strcmp(node_id, s->root_id) == 0 &&
	    memcmp(pub, s->root_pub, LD_PUBKEY_LEN) != 0)
		return LD_EWRONGKEY;
	snprintf(s->local_id, sizeof(s->local_id), "%s", node_id);
	s->local_key = key;
	return 0;
}

/* Create the state of a feed seen for the first time, with the next number. */
static int feed_create(ld_store_t *s, ld_txn_t *t, const char *feed, feed_state_t *st)
{
	MDB_val k = store_str_val("next_num"), v;
	uint8_t next[4], num[4];
	int r;

	if ((r = ld_txn_get(t, s->db_meta, &k, &v)) < 0)
		return r;
	if (v.mv_size != 4)
		return ld_txn_fail(t, -EIO);
	memset(st, 0, sizeof(*st));
	st->num = store_get_be32(v.mv_data);
	store_be32(next, st->num + 1);
	v = (MDB_val){.mv_size = 4, .mv_data = next};
	ld_txn_put(t, s->db_meta, &k, &v, 0);
	store_be32(num, st->num);
	k = (MDB_val){.mv_size = 4, .mv_data = num};
	v = store_str_val(feed);
	/* Feed numbers only grow, so this is always an append. */
	ld_txn_put(t, s->db_nums, &k, &v, MDB_APPEND);
	return store_feed_put(s, t, feed, st);
}

static int feed_get_or_create(ld_store_t *s, ld_txn_t *t, const char *feed, feed_state_t *st)
{
	int r = store_feed_load(s, t, feed, st);

	return r == -ENOENT ? feed_create(s, t, feed, st) : r;
}

/* Is 'num' the highest feed number? Then its new entries go at the end of
 * the entries tree and MDB_APPEND applies. */
static bool feed_is_last(ld_store_t *s, ld_txn_t *t, uint32_t num)
{
	MDB_val k = store_str_val("next_num"), v;

	return ld_txn_get(t, s->db_meta, &k, &v) == 0 && v.mv_size == 4 &&
	       store_get_be32(v.mv_data) == num + 1;
}

static int entry_put(ld_store_t *s, ld_txn_t *t, uint32_t num, const ld_entry_t *e, int64_t recv_ms,
		     unsigned flags)
{
	uint8_t kb[ENTRY_KEY_LEN];
	size_t plen = e->has_payload ? e->payload_len : 0;
	MDB_val k = {.mv_size = sizeof(kb), .mv_data = kb};
	MDB_val v = {.mv_size = VAL_HDR_LEN + e->header_len + plen};
	uint8_t *p;
	int r;

	store_entry_key(kb, num, e->hdr->seq);
	/* MDB_RESERVE: LMDB hands out the space and we fill it, one copy less. */
	r = ld_txn_put(t, s->db_entries, &k, &v, flags | MDB_RESERVE);
	if (r < 0)
		return r;
	p = v.mv_data;
	p[0] = STORE_FORMAT;
	p[1] = e->has_payload ? VAL_HAS_PAYLOAD : 0;
	p[2] = (uint8_t)(e->header_len >> 8);
	p[3] = (uint8_t)e->header_len;
	store_be32(p + 4, (uint32_t)plen);
	store_be64(p + 8, (uint64_t)recv_ms);
	memcpy(p + 16, e->id, LD_ID_LEN);
	memcpy(p + 48, e->sig, LD_SIG_LEN);
	memcpy(p + VAL_HDR_LEN, e->header, e->header_len);
	if (plen)
		memcpy(p + VAL_HDR_LEN + e->header_len, e->payload, plen);
	return 0;
}

static int refusal_put(ld_store_t *s, ld_txn_t *t, uint32_t num, uint64_t seq, const char *why)
{
	uint8_t kb[ENTRY_KEY_LEN];
	MDB_val k = {.mv_size = sizeof(kb), .mv_data = kb}, v = store_str_val(why);

	store_entry_key(kb, num, seq);
	return ld_txn_put(t, s->db_refusals, &k, &v, 0);
}

/* Derive the roster from one entry of the root's feed. A refused update is
 * kept (it is signed history) with the reason in 'refusals'. Only the very
 * first root entry is special: it must add the root itself, with the root
 * key, which is how a store learns the root's node id. */
static int roster_apply_entry(ld_store_t *s, ld_txn_t *t, lookup_ctx_t *lk, uint32_t num,
			      const ld_entry_t *e, const char **ret_why)
{
	Ld__RosterUpdate *u;
	Ld__RosterNode *cur = NULL, *next = NULL;
	const char *why = NULL;
	MDB_val k, v;
	int r;

	if (e->hdr->kind != LD__KIND__KIND_ROSTER_UPDATE) {
		if (!lk->root_id[0])
			return LD_EMALFORMED;
		return 0;
	}
	/* Everyone must be able to derive the roster. */
	if (!e->has_payload)
		return LD_EMALFORMED;
	u = ld_entry_payload(e, LD__KIND__KIND_ROSTER_UPDATE);
	if (!lk->root_id[0]) {
		if (!u || e->hdr->seq != 1 || u->action != LD__ROSTER_UPDATE__ACTION__ADD ||
		    !u->node_id || strcmp(u->node_id, e->hdr->author) != 0 || !u->has_sign_key ||
		    u->sign_key.len != LD_PUBKEY_LEN ||
		    memcmp(u->sign_key.data, s->root_pub, LD_PUBKEY_LEN) != 0) {
			if (u)
				ld__roster_update__free_unpacked(u, NULL);
			return LD_EMALFORMED;
		}
		snprintf(lk->root_id, sizeof(lk->root_id), "%s", e->hdr->author);
		k = store_str_val("root_id");
		v = store_str_val(lk->root_id);
		if ((r = ld_txn_put(t, s->db_meta, &k, &v, 0)) < 0)
			goto out;
	}
	if (!u) {
		*ret_why = "roster update does not decode";
		return refusal_put(s, t, num, e->hdr->seq, *ret_why);
	}
	if (u->node_id && ld_node_id_valid(u->node_id)) {
		k = store_str_val(u->node_id);
		r = ld_txn_get(t, s->db_roster, &k, &v);
		if (r == 0) {
			cur = ld__roster_node__unpack(NULL, v.mv_size, v.mv_data);
			if (!cur) {
				r = ld_txn_fail(t, -EIO);
				goto out;
			}
		} else if (r != -ENOENT) {
			goto out;
		}
	}
	r = ld_roster_apply(cur, u, e->hdr->seq, lk->root_id, &next, &why);
	if (r == -EINVAL) {
		*ret_why = why;
		r = refusal_put(s, t, num, e->hdr->seq, why);
		goto out;
	}
	if (r < 0)
		goto out;
	{
		size_t len = ld__roster_node__get_packed_size(next);

		k = store_str_val(next->node_id);
		v = (MDB_val){.mv_size = len};
		r = ld_txn_put(t, s->db_roster, &k, &v, MDB_RESERVE);
		if (r == 0)
			ld__roster_node__pack(next, v.mv_data);
	}
	/* The cached record of that member is stale now. */
	lookup_ctx_forget(lk);
out:
	if (cur)
		ld__roster_node__free_unpacked(cur, NULL);
	if (next)
		ld__roster_node__free_unpacked(next, NULL);
	ld__roster_update__free_unpacked(u, NULL);
	return r;
}

static bool is_root_feed(const lookup_ctx_t *lk, const ld_entry_t *e)
{
	if (lk->root_id[0])
		return strcmp(e->hdr->author, lk->root_id) == 0;
	return memcmp(e->hdr->signer.data, lk->s->root_pub, LD_PUBKEY_LEN) == 0;
}

struct append_ctx {
	const ld_append_req_t *reqs;
	size_t n;
	ld_entry_ref_t *refs;
	char root_id[LD_NODE_ID_MAX + 1];
};

/* The author time of the head entry of feed 'st' into *ret_ms (INT64_MIN
 * for an empty feed). 0 or -errno. */
static int head_time(ld_store_t *s, ld_txn_t *t, const feed_state_t *st, int64_t *ret_ms)
{
	uint8_t kb[ENTRY_KEY_LEN];
	MDB_val k = {.mv_size = sizeof(kb), .mv_data = kb}, v;
	ld_entry_t *e;
	int r;

	*ret_ms = INT64_MIN;
	if (!st->head_seq)
		return 0;
	store_entry_key(kb, st->num, st->head_seq);
	if ((r = ld_txn_get(t, s->db_entries, &k, &v)) < 0 ||
	    (r = store_entry_decode(&v, &e, NULL)) < 0)
		return r;
	*ret_ms = e->hdr->time_ms;
	ld_entry_destroy(&e);
	return 0;
}

static int append_txn(ld_store_t *s, ld_txn_t *t, void *ud)
{
	struct append_ctx *a = ud;
	lookup_ctx_t lk;
	feed_state_t st;
	int64_t last_ms;
	unsigned flags;
	int r;

	lookup_ctx_init(&lk, s, t->txn);
	if ((r = feed_get_or_create(s, t, s->local_id, &st)) < 0)
		return r;
	if (st.flags & FEED_FROZEN)
		return LD_EEQUIVOCATION;
	flags = feed_is_last(s, t, st.num) ? MDB_APPEND : 0;
	if ((r = head_time(s, t, &st, &last_ms)) < 0)
		return r;
	for (size_t i = 0; i < a->n && r == 0; i++) {
		const ld_append_req_t *q = &a->reqs[i];
		ld_entry_draft_t d = {
			.author = s->local_id,
			.seq = st.head_seq + 1,
			.prev = st.head_seq ? st.head_id : NULL,
			.time_ms = q->time_ms ? q->time_ms : now_ms(),
			.kind = q->kind,
			.audience = q->audience,
			.n_audience = q->n_audience,
			.everyone = q->everyone,
			.payload = q->payload,
			.payload_len = q->payload_len,
		};
		ld_entry_t *e;

		/* An author's times never run backwards in its feed. */
		if (d.time_ms < last_ms) {
			r = LD_ECLOCK;
			break;
		}
		last_ms = d.time_ms;
		if ((r = ld_entry_build(&d, s->local_key, &e)) < 0)
			break;
		if (is_root_feed(&lk, e)) {
			const char *why = NULL;

			r = roster_apply_entry(s, t, &lk, st.num, e, &why);
			/* The root does not sign an update its own roster refuses. */
			if (r == 0 && why)
				r = -EINVAL;
		}
		if (r == 0) {
			entry_put(s, t, st.num, e, now_ms(), flags);
			r = store_index_apply(s, t, e);
		}
		if (r == 0) {
			st.head_seq = e->hdr->seq;
			memcpy(st.head_id, e->id, LD_ID_LEN);
			if (a->refs) {
				snprintf(a->refs[i].feed, sizeof(a->refs[i].feed), "%s",
					 s->local_id);
				a->refs[i].seq = e->hdr->seq;
				memcpy(a->refs[i].id, e->id, LD_ID_LEN);
			}
		}
		ld_entry_destroy(&e);
	}
	if (r == 0)
		r = store_feed_put(s, t, s->local_id, &st);
	memcpy(a->root_id, lk.root_id, sizeof(a->root_id));
	lookup_ctx_forget(&lk);
	return r;
}

int ld_store_append(ld_store_t *s, const ld_append_req_t *reqs, size_t n, ld_entry_ref_t *ret_refs)
{
	struct append_ctx a = {.reqs = reqs, .n = n, .refs = ret_refs};
	int r;

	if (!s->local_key || !s->local_id[0])
		return -EINVAL;
	if (n == 0)
		return 0;
	r = store_write_txn(s, append_txn, &a);
	if (r == 0)
		memcpy(s->root_id, a.root_id, sizeof(s->root_id));
	return r;
}

/* Store proof that 'other' conflicts with the entry held at its (feed, seq),
 * and freeze the feed. Value: u16 len | header | sig, for each of the two. */
static int proof_put(ld_store_t *s, ld_txn_t *t, const char *feed, feed_state_t *st,
		     const ld_entry_t *kept, const ld_entry_t *other)
{
	uint8_t kb[ENTRY_KEY_LEN + LD_ID_LEN];
	MDB_val k = {.mv_size = sizeof(kb), .mv_data = kb};
	MDB_val v = {.mv_size = 4 + kept->header_len + other->header_len + 2 * LD_SIG_LEN};
	const ld_entry_t *parts[2] = {kept, other};
	uint8_t *p;
	int r;

	store_entry_key(kb, st->num, other->hdr->seq);
	memcpy(kb + ENTRY_KEY_LEN, other->id, LD_ID_LEN);
	/* -EEXIST (the proof is known) is an answer, not a failure. */
	r = ld_txn_put(t, s->db_equiv, &k, &v, MDB_RESERVE | MDB_NOOVERWRITE);
	if (r < 0)
		return r;
	p = v.mv_data;
	for (int i = 0; i < 2; i++) {
		p[0] = (uint8_t)(parts[i]->header_len >> 8);
		p[1] = (uint8_t)parts[i]->header_len;
		memcpy(p + 2, parts[i]->header, parts[i]->header_len);
		memcpy(p + 2 + parts[i]->header_len, parts[i]->sig, LD_SIG_LEN);
		p += 2 + parts[i]->header_len + LD_SIG_LEN;
	}
	if (!(st->flags & FEED_FROZEN) || other->hdr->seq < st->equiv_seq) {
		st->flags |= FEED_FROZEN;
		st->equiv_seq = other->hdr->seq;
	}
	return store_feed_put(s, t, feed, st);
}

/* Check one entry on its own: the roster key for its seq, and its signature. */
static int verify_single(lookup_ctx_t *lk, const ld_entry_t *e)
{
	const ld_pubkey_t *pub;
	int r = store_lookup_key(lk, e->hdr->author, e->hdr->seq, e->hdr->signer.data,
				 e->hdr->time_ms, &pub);

	return r < 0 ? r : ld_entry_verify(e, pub);
}

/* The stored value of (num, seq), or -ENOENT. Valid until the txn ends. */
static int stored_get(ld_store_t *s, ld_txn_t *t, uint32_t num, uint64_t seq, MDB_val *v)
{
	uint8_t kb[ENTRY_KEY_LEN];
	MDB_val k = {.mv_size = sizeof(kb), .mv_data = kb};
	int r;

	store_entry_key(kb, num, seq);
	r = ld_txn_get(t, s->db_entries, &k, v);
	if (r == 0 && v->mv_size < VAL_HDR_LEN)
		return -EIO;
	return r;
}

static int equivocation(ld_store_t *s, ld_txn_t *t, lookup_ctx_t *lk, feed_state_t *st,
			const MDB_val *held, const ld_entry_t *e)
{
	ld_entry_t *kept;
	int r;

	/* A conflicting entry that does not verify is a forgery, not proof. */
	if ((r = verify_single(lk, e)) < 0)
		return r;
	if ((r = store_entry_decode(held, &kept, NULL)) < 0)
		return r;
	r = proof_put(s, t, e->hdr->author, st, kept, e);
	ld_entry_destroy(&kept);
	if (r == -EEXIST)
		r = 0;
	return r < 0 ? r : LD_EEQUIVOCATION;
}

static int ingest_run(ld_store_t *s, ld_txn_t *t, lookup_ctx_t *lk, ld_ingest_batch_t *b,
		      enum ld_chain_mode mode)
{
	ld_entry_t *const *run = b->entries;
	const char *feed = run[0]->hdr->author;
	feed_state_t st;
	int64_t recv = now_ms();
	unsigned flags;
	size_t i;
	bool root;
	int r;

	for (i = 1; i < b->n; i++) {
		b->bad = i;
		if (strcmp(run[i]->hdr->author, feed) != 0)
			return LD_EMALFORMED;
		if (run[i]->hdr->seq != run[i - 1]->hdr->seq + 1)
			return LD_EGAP;
	}
	b->bad = 0;
	r = store_feed_load(s, t, feed, &st);
	if (r == -ENOENT)
		memset(&st, 0, sizeof(st));
	else if (r < 0)
		return r;
	if (st.flags & FEED_FROZEN)
		return LD_EEQUIVOCATION;

	/* What we already hold must be exactly what we hold: same ids. */
	for (i = 0; i < b->n && run[i]->hdr->seq <= st.head_seq; i++) {
		MDB_val held;

		b->bad = i;
		if ((r = stored_get(s, t, st.num, run[i]->hdr->seq, &held)) < 0)
			return r == -ENOENT ? -EIO : r;
		if (memcmp((uint8_t *)held.mv_data + 16, run[i]->id, LD_ID_LEN) != 0)
			return equivocation(s, t, lk, &st, &held, run[i]);
		/* Held redacted and now received in full: keep the payload. */
		if (!(((uint8_t *)held.mv_data)[1] & VAL_HAS_PAYLOAD) && run[i]->has_payload) {
			entry_put(s, t, st.num, run[i], recv, 0);
			if ((r = store_index_apply(s, t, run[i])) < 0)
				return r;
		}
	}
	b->n_dup = i;
	if (i == b->n)
		return 0;

	r = ld_chain_authenticate(run + i, b->n - i, st.head_seq, st.head_id, store_lookup_key, lk,
				  mode, &b->bad);
	if (r < 0) {
		b->bad += i;
		return r;
	}
	if (st.num == 0 && (r = feed_create(s, t, feed, &st)) < 0)
		return r;
	root = is_root_feed(lk, run[i]);
	flags = feed_is_last(s, t, st.num) ? MDB_APPEND : 0;
	for (size_t j = i; j < b->n; j++) {
		const char *why = NULL;

		b->bad = j;
		if (root && (r = roster_apply_entry(s, t, lk, st.num, run[j], &why)) < 0)
			return r;
		entry_put(s, t, st.num, run[j], recv, flags);
		if ((r = store_index_apply(s, t, run[j])) < 0)
			return r;
	}
	st.head_seq = run[b->n - 1]->hdr->seq;
	memcpy(st.head_id, run[b->n - 1]->id, LD_ID_LEN);
	b->n_new = b->n - i;
	return store_feed_put(s, t, feed, &st);
}

struct ingest_ctx {
	ld_ingest_batch_t *batches;
	size_t n;
	enum ld_chain_mode mode;
	char root_id[LD_NODE_ID_MAX + 1];
};

static int ingest_txn(ld_store_t *s, ld_txn_t *t, void *ud)
{
	struct ingest_ctx *c = ud;
	lookup_ctx_t lk;
	int r = 0;

	lookup_ctx_init(&lk, s, t->txn);
	for (size_t i = 0; i < c->n; i++) {
		ld_ingest_batch_t *b = &c->batches[i];
		char root_before[LD_NODE_ID_MAX + 1];
		ld_txn_t child;

		b->status = 0;
		b->bad = 0;
		b->n_new = b->n_dup = 0;
		if (b->n == 0)
			continue;
		/* Each batch in a transaction of its own, nested: its first
		 * error is the batch's, and only a hard one is the parent's. */
		if ((r = ld_txn_begin(&child, s->env, t, 0)) < 0)
			break;
		memcpy(root_before, lk.root_id, sizeof(root_before));
		lk.txn = child.txn;
		r = ingest_run(s, &child, &lk, b, c->mode);
		lk.txn = t->txn;
		if (child.err)
			r = child.err; /* what failed first, whatever came of it */
		if (r == 0 || r == LD_EEQUIVOCATION) {
			b->status = r;
			r = ld_txn_commit(&child);
		} else {
			ld_txn_abort(&child);
			/* The roster may have been read from the aborted child. */
			lookup_ctx_forget(&lk);
			memcpy(lk.root_id, root_before, sizeof(lk.root_id));
			b->status = r;
			b->n_new = 0;
			/* Map full and hard storage errors abort everything. */
			r = (r == STORE_EMAPFULL || r == -EIO || r == -ENOMEM) ? r : 0;
		}
		if (r < 0)
			break;
	}
	memcpy(c->root_id, lk.root_id, sizeof(c->root_id));
	lookup_ctx_forget(&lk);
	return r;
}

int ld_store_ingest(ld_store_t *s, ld_ingest_batch_t *batches, size_t n, enum ld_chain_mode mode)
{
	struct ingest_ctx c = {.batches = batches, .n = n, .mode = mode};
	int r = store_write_txn(s, ingest_txn, &c);

	if (r == 0) {
		memcpy(s->root_id, c.root_id, sizeof(s->root_id));
	} else {
		for (size_t i = 0; i < n; i++) {
			batches[i].n_new = 0;
			if (batches[i].status == 0)
				batches[i].status = r;
		}
	}
	return r;
}

struct proof_ctx {
	const ld_entry_t *a, *b;
};

static int proof_txn(ld_store_t *s, ld_txn_t *t, void *ud)
{
	struct proof_ctx *p = ud;
	const ld_entry_t *kept = p->a, *other = p->b;
	const char *feed = p->a->hdr->author;
	lookup_ctx_t lk;
	feed_state_t st;
	MDB_val held;
	int r;

	lookup_ctx_init(&lk, s, t->txn);
	if ((r = verify_single(&lk, p->a)) < 0 || (r = verify_single(&lk, p->b)) < 0)
		goto out;
	if ((r = feed_get_or_create(s, t, feed, &st)) < 0)
		goto out;
	/* Keep the side we hold as "kept", whichever order the peer sent; if
	 * we hold neither, order by id so the same proof always has one key. */
	if (stored_get(s, t, st.num, p->a->hdr->seq, &held) == 0) {
		if (memcmp((uint8_t *)held.mv_data + 16, p->b->id, LD_ID_LEN) == 0) {
			kept = p->b;
			other = p->a;
		}
	} else if (memcmp(p->a->id, p->b->id, LD_ID_LEN) > 0) {
		kept = p->b;
		other = p->a;
	}
	r = proof_put(s, t, feed, &st, kept, other);
out:
	lookup_ctx_forget(&lk);
	return r;
}

int ld_store_add_proof(ld_store_t *s, const ld_entry_t *a, const ld_entry_t *b)
{
	struct proof_ctx p = {a, b};

	if (strcmp(a->hdr->author, b->hdr->author) != 0 || a->hdr->seq != b->hdr->seq ||
	    memcmp(a->id, b->id, LD_ID_LEN) == 0)
		return -EINVAL;
	return store_write_txn(s, proof_txn, &p);
}

struct id_rec {
	uint8_t id[LD_ID_LEN];
	uint8_t ref[ENTRY_KEY_LEN];
};

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, LD_ID_LEN);
}

struct index_ctx {
	size_t max, done;
	struct id_rec *recs;
};

static int index_txn(ld_store_t *s, ld_txn_t *t, void *ud)
{
	struct index_ctx *c = ud;
	MDB_cursor *fc = NULL;
	MDB_val k, v;
	size_t n = 0;
	int r = 0, rc;

	c->done = 0;
	if ((r = ld_txn_check(t, mdb_cursor_open(t->txn, s->db_feeds, &fc))) < 0)
		return r;
	for (rc = mdb_cursor_get(fc, &k, &v, MDB_FIRST); rc == 0 && n < c->max;
	     rc = mdb_cursor_get(fc, &k, &v, MDB_NEXT)) {
		char feed[LD_NODE_ID_MAX + 1];
		uint8_t kb[ENTRY_KEY_LEN];
		MDB_val from = {.mv_size = sizeof(kb), .mv_data = kb};
		feed_state_t st;

		if (store_feed_key(&k, feed) < 0)
			continue;
		if ((r = store_feed_load(s, t, feed, &st)) < 0)
			goto out;
		if (st.indexed_seq >= st.head_seq)
			continue;
		/* The feed's entries from the first unindexed one: keys that
		 * start with its number (4 bytes). */
		store_entry_key(kb, st.num, st.indexed_seq + 1);
		ld_txn_foreach(t, s->db_entries, &from, 4)
		{
			if (n == c->max)
				break;
			memcpy(c->recs[n].id, (uint8_t *)t->val.mv_data + 16, LD_ID_LEN);
			memcpy(c->recs[n].ref, t->key.mv_data, ENTRY_KEY_LEN);
			st.indexed_seq = store_get_be64((uint8_t *)t->key.mv_data + 4);
			n++;
		}
		/* The put below touches the feeds tree 'fc' walks: re-find our
		 * place afterwards. */
		if ((r = store_feed_put(s, t, feed, &st)) < 0)
			goto out;
		k = (MDB_val){.mv_size = strlen(feed), .mv_data = feed};
		if ((r = ld_txn_check(t, mdb_cursor_get(fc, &k, &v, MDB_SET))) < 0)
			goto out;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		ld_txn_check(t, rc);
	/* Sorted inserts touch each index page once per batch. */
	qsort(c->recs, n, sizeof(*c->recs), id_cmp);
	for (size_t i = 0; i < n; i++) {
		MDB_val ik = {.mv_size = LD_ID_LEN, .mv_data = c->recs[i].id};
		MDB_val iv = {.mv_size = ENTRY_KEY_LEN, .mv_data = c->recs[i].ref};

		ld_txn_put(t, s->db_ids, &ik, &iv, 0);
	}
	if ((r = ld_txn_err(t)) == 0)
		c->done = n;
out:
	mdb_cursor_close(fc);
	return r;
}

int ld_store_index_ids(ld_store_t *s, size_t max, size_t *ret_done)
{
	struct index_ctx c = {.max = max ? max : 1};
	int r;

	c.recs = malloc(c.max * sizeof(*c.recs));
	if (!c.recs)
		return -ENOMEM;
	r = store_write_txn(s, index_txn, &c);
	free(c.recs);
	if (r == 0 && ret_done)
		*ret_done = c.done;
	return r;
}

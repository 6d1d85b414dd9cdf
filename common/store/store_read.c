/* common/store/store_read.c: the read side of the store: heads, entries, ranges,
 * the id index and its unindexed tails, feed re-verification, equivocation
 * proofs, receipts and the roster. Every call runs in its own read
 * transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base/errors.h"
#include "common/store/store_int.h"

#define CHECK_RUN 4096

static void head_from_state(const char *feed, const feed_state_t *st, ld_feed_head_t *h)
{
	snprintf(h->feed, sizeof(h->feed), "%s", feed);
	h->seq = st->head_seq;
	memcpy(h->id, st->head_id, LD_ID_LEN);
	h->frozen = st->flags & FEED_FROZEN;
	h->equivocation_seq = st->equiv_seq;
}

/* Begin a read and find 'feed'. On 0 the caller ends *txn (store_read_end);
 * on error nothing is left open. */
static int feed_begin(ld_store_t *s, const char *feed, MDB_txn **txn, feed_state_t *st)
{
	int r;

	if (!ld_node_id_valid(feed))
		return -EINVAL;
	if ((r = store_read_txn(s, txn)) < 0)
		return r;
	if ((r = store_feed_get(s, *txn, feed, st)) < 0)
		store_read_end(s, *txn);
	return r;
}

/* The value under (feed, seq) in 'db', in a read the caller ends on 0. */
static int feed_value(ld_store_t *s, const char *feed, uint64_t seq, MDB_dbi db, MDB_txn **txn,
		      MDB_val *v)
{
	uint8_t kb[ENTRY_KEY_LEN];
	MDB_val k = {.mv_size = sizeof(kb), .mv_data = kb};
	feed_state_t st;
	int r;

	if ((r = feed_begin(s, feed, txn, &st)) < 0)
		return r;
	store_entry_key(kb, st.num, seq);
	if ((r = store_mdb_err(mdb_get(*txn, db, &k, v))) < 0)
		store_read_end(s, *txn);
	return r;
}

int ld_store_head(ld_store_t *s, const char *feed, ld_feed_head_t *ret_head)
{
	feed_state_t st;
	MDB_txn *txn;
	int r;

	if ((r = feed_begin(s, feed, &txn, &st)) < 0)
		return r;
	store_read_end(s, txn);
	head_from_state(feed, &st, ret_head);
	return 0;
}

struct head_walk {
	int (*cb)(void *ud, const ld_feed_head_t *h);
	void *ud;
};

static int head_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct head_walk *w = ud;
	char feed[LD_NODE_ID_MAX + 1];
	feed_state_t st;
	ld_feed_head_t h;
	int r;

	if ((r = store_feed_key(k, feed)) < 0 || (r = store_feed_state_decode(v, &st)) < 0)
		return r;
	head_from_state(feed, &st, &h);
	return w->cb(w->ud, &h);
}

int ld_store_foreach_head(ld_store_t *s, int (*cb)(void *ud, const ld_feed_head_t *h), void *ud)
{
	struct head_walk w = {cb, ud};
	int r = store_walk_read(s, s->db_feeds, NULL, head_one, &w);

	return r;
}

/* Walk entries (num, from..to) in a read transaction. */
struct entry_walk {
	uint32_t num;
	uint64_t to;
	int (*cb)(void *ud, const MDB_val *v, uint64_t seq);
	void *ud;
	bool ended;
};

static int entry_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct entry_walk *w = ud;
	uint64_t seq;

	if (k->mv_size != ENTRY_KEY_LEN || store_get_be32(k->mv_data) != w->num ||
	    (seq = store_get_be64((uint8_t *)k->mv_data + 4)) > w->to) {
		w->ended = true;
		return 1;
	}
	return w->cb(w->ud, v, seq);
}

static int walk_entries(ld_store_t *s, MDB_txn *txn, uint32_t num, uint64_t from, uint64_t to,
			int (*cb)(void *ud, const MDB_val *v, uint64_t seq), void *ud)
{
	struct entry_walk w = {num, to, cb, ud, false};
	uint8_t kb[ENTRY_KEY_LEN];
	MDB_val k = {.mv_size = sizeof(kb), .mv_data = kb};
	int r;

	store_entry_key(kb, num, from);
	r = store_walk_db(txn, s->db_entries, &k, entry_one, &w);
	return w.ended ? 0 : r;
}

int ld_rd_get(const ld_rd_t *rd, const char *feed, uint64_t seq, ld_entry_t **ret_entry,
	      int64_t *ret_recv_ms)
{
	ld_store_t *s = rd->s;
	uint8_t kb[ENTRY_KEY_LEN];
	MDB_val k = {.mv_size = sizeof(kb), .mv_data = kb}, v;
	feed_state_t st;
	MDB_txn *txn;
	int r;

	if (!ld_node_id_valid(feed))
		return -EINVAL;
	if ((r = ld_rd_txn(rd, &txn)) < 0)
		return r;
	if ((r = store_feed_get(s, txn, feed, &st)) == 0) {
		store_entry_key(kb, st.num, seq);
		if ((r = store_mdb_err(mdb_get(txn, s->db_entries, &k, &v))) == 0)
			r = store_entry_decode(&v, ret_entry, ret_recv_ms);
	}
	ld_rd_txn_end(rd, txn);
	return r;
}

int ld_store_get(ld_store_t *s, const char *feed, uint64_t seq, ld_entry_t **ret_entry,
		 int64_t *ret_recv_ms)
{
	return ld_rd_get(LD_RD(s), feed, seq, ret_entry, ret_recv_ms);
}

struct foreach_ctx {
	int (*cb)(void *ud, const ld_entry_t *e, int64_t recv_ms);
	void *ud;
};

static int foreach_one(void *ud, const MDB_val *v, uint64_t seq)
{
	struct foreach_ctx *c = ud;
	ld_entry_t *e;
	int64_t recv;
	int r = store_entry_decode(v, &e, &recv);

	if (r < 0)
		return r;
	r = c->cb(c->ud, e, recv);
	ld_entry_destroy(&e);
	return r;
}

/* Walk entries from..to (to = 0: to the head) of 'feed' in a read
 * transaction of its own. */
static int feed_range(ld_store_t *s, const char *feed, uint64_t from, uint64_t to,
		      int (*cb)(void *ud, const MDB_val *v, uint64_t seq), void *ud)
{
	feed_state_t st;
	MDB_txn *txn;
	int r;

	if ((r = feed_begin(s, feed, &txn, &st)) < 0)
		return r;
	r = walk_entries(s, txn, st.num, from ? from : 1, to ? to : UINT64_MAX, cb, ud);
	store_read_end(s, txn);
	return r;
}

int ld_store_foreach_entry(ld_store_t *s, const char *feed, uint64_t from, uint64_t to,
			   int (*cb)(void *ud, const ld_entry_t *e, int64_t recv_ms), void *ud)
{
	struct foreach_ctx c = {cb, ud};

	return feed_range(s, feed, from, to, foreach_one, &c);
}

struct raw_ctx {
	int (*cb)(void *ud, const ld_raw_entry_t *e);
	void *ud;
};

static int raw_one(void *ud, const MDB_val *v, uint64_t seq)
{
	struct raw_ctx *c = ud;
	ld_raw_entry_t e;
	int r = store_value_parts(v, seq, &e);

	return r < 0 ? r : c->cb(c->ud, &e);
}

int ld_store_foreach_raw(ld_store_t *s, const char *feed, uint64_t from, uint64_t to,
			 int (*cb)(void *ud, const ld_raw_entry_t *e), void *ud)
{
	struct raw_ctx c = {cb, ud};

	return feed_range(s, feed, from, to, raw_one, &c);
}

struct roster_walk {
	int (*cb)(void *ud, const Ld__RosterNode *n);
	void *ud;
};

static int roster_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct roster_walk *w = ud;
	Ld__RosterNode *n = ld__roster_node__unpack(NULL, v->mv_size, v->mv_data);
	int r;

	if (!n)
		return -EIO;
	r = w->cb(w->ud, n);
	ld__roster_node__free_unpacked(n, NULL);
	return r;
}

int ld_rd_foreach_roster(const ld_rd_t *rd, int (*cb)(void *ud, const Ld__RosterNode *n), void *ud)
{
	struct roster_walk w = {cb, ud};
	MDB_txn *txn;
	int r = ld_rd_txn(rd, &txn);

	if (r < 0)
		return r;
	r = store_walk_db(txn, rd->s->db_roster, NULL, roster_one, &w);
	ld_rd_txn_end(rd, txn);
	return r;
}

int ld_store_foreach_roster(ld_store_t *s, int (*cb)(void *ud, const Ld__RosterNode *n), void *ud)
{
	return ld_rd_foreach_roster(LD_RD(s), cb, ud);
}

struct scan_ctx {
	const uint8_t *id;
	uint64_t found;
};

static int scan_one(void *ud, const MDB_val *v, uint64_t seq)
{
	struct scan_ctx *c = ud;

	if (v->mv_size >= VAL_HDR_LEN &&
	    memcmp((uint8_t *)v->mv_data + 16, c->id, LD_ID_LEN) == 0) {
		c->found = seq;
		return 1;
	}
	return 0;
}

struct tail_walk {
	ld_store_t *s;
	MDB_txn *txn;
	const uint8_t *id;
	ld_entry_ref_t *ref;
};

static int tail_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct tail_walk *w = ud;
	struct scan_ctx c = {w->id, 0};
	feed_state_t st;
	char feed[LD_NODE_ID_MAX + 1];
	int r;

	if (store_feed_key(k, feed) < 0 || store_feed_state_decode(v, &st) < 0 ||
	    st.indexed_seq >= st.head_seq)
		return 0;
	r = walk_entries(w->s, w->txn, st.num, st.indexed_seq + 1, st.head_seq, scan_one, &c);
	if (r != 1)
		return r < 0 ? r : 0;
	snprintf(w->ref->feed, sizeof(w->ref->feed), "%s", feed);
	w->ref->seq = c.found;
	return 1;
}

int ld_store_find_id(ld_store_t *s, const uint8_t id[LD_ID_LEN], ld_entry_ref_t *ret_ref)
{
	MDB_val k = {.mv_size = LD_ID_LEN, .mv_data = (void *)id}, v;
	MDB_txn *txn;
	int r;

	if ((r = store_read_txn(s, &txn)) < 0)
		return r;
	r = store_mdb_err(mdb_get(txn, s->db_ids, &k, &v));
	if (r == 0) {
		if (v.mv_size != ENTRY_KEY_LEN) {
			r = -EIO;
		} else {
			ret_ref->seq = store_get_be64((uint8_t *)v.mv_data + 4);
			r = store_feed_name(s, txn, store_get_be32(v.mv_data), ret_ref->feed);
		}
		goto out;
	}
	if (r != -ENOENT)
		goto out;
	/* Not indexed (yet): scan the unindexed tail of every feed. */
	{
		struct tail_walk w = {s, txn, id, ret_ref};

		r = store_walk_db(txn, s->db_feeds, NULL, tail_one, &w);
		r = r == 1 ? 0 : r == 0 ? -ENOENT : r;
	}
out:
	if (r == 0)
		memcpy(ret_ref->id, id, LD_ID_LEN);
	store_read_end(s, txn);
	return r;
}

struct check_ctx {
	lookup_ctx_t lk;
	enum ld_chain_mode mode;
	ld_entry_t *run[CHECK_RUN];
	size_t n;
	uint64_t head_seq, count;
	uint8_t head_id[LD_ID_LEN];
};

static int check_flush(struct check_ctx *c)
{
	int r;

	if (c->n == 0)
		return 0;
	r = ld_chain_authenticate(c->run, c->n, c->head_seq, c->head_id, store_lookup_key, &c->lk,
				  c->mode, NULL);
	if (r == 0) {
		c->head_seq = c->run[c->n - 1]->hdr->seq;
		memcpy(c->head_id, c->run[c->n - 1]->id, LD_ID_LEN);
		c->count += c->n;
	}
	for (size_t i = 0; i < c->n; i++)
		ld_entry_destroy(&c->run[i]);
	c->n = 0;
	return r;
}

static int check_one(void *ud, const MDB_val *v, uint64_t seq)
{
	struct check_ctx *c = ud;
	int r = store_entry_decode(v, &c->run[c->n], NULL);

	if (r < 0)
		return r;
	if (++c->n == CHECK_RUN)
		return check_flush(c);
	return 0;
}

int ld_store_check_feed(ld_store_t *s, const char *feed, enum ld_chain_mode mode,
			uint64_t *ret_count)
{
	struct check_ctx *c;
	feed_state_t st;
	MDB_txn *txn;
	int r;

	if (!ld_node_id_valid(feed))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if ((r = store_read_txn(s, &txn)) < 0) {
		free(c);
		return r;
	}
	lookup_ctx_init(&c->lk, s, txn);
	c->mode = mode;
	r = store_feed_get(s, txn, feed, &st);
	if (r == 0)
		r = walk_entries(s, txn, st.num, 1, st.head_seq, check_one, c);
	if (r == 0)
		r = check_flush(c);
	for (size_t i = 0; i < c->n; i++)
		ld_entry_destroy(&c->run[i]);
	/* Every seq up to the head must be there: a shorter walk is a hole. */
	if (r == 0 && c->count != st.head_seq)
		r = -EIO;
	if (r == 0 && ret_count)
		*ret_count = c->count;
	lookup_ctx_forget(&c->lk);
	store_read_end(s, txn);
	free(c);
	return r;
}

static int proof_decode_part(const uint8_t **p, const uint8_t *end, ld_entry_t **ret)
{
	size_t len;

	if (end - *p < 2)
		return -EIO;
	len = (size_t)(*p)[0] << 8 | (*p)[1];
	*p += 2;
	if ((size_t)(end - *p) < len + LD_SIG_LEN)
		return -EIO;
	if (ld_entry_from_parts(*p, len, *p + len, NULL, 0, ret) < 0)
		return -EIO;
	*p += len + LD_SIG_LEN;
	return 0;
}

struct equiv_walk {
	ld_store_t *s;
	MDB_txn *txn;
	int (*cb)(void *ud, const ld_equivocation_t *eq);
	void *ud;
};

static int equiv_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct equiv_walk *w = ud;
	const uint8_t *p = v->mv_data, *end = p + v->mv_size;
	ld_entry_t *a = NULL, *b = NULL;
	ld_equivocation_t eq;
	int r;

	if (k->mv_size != ENTRY_KEY_LEN + LD_ID_LEN)
		return -EIO;
	if ((r = store_feed_name(w->s, w->txn, store_get_be32(k->mv_data), eq.feed)) < 0 ||
	    (r = proof_decode_part(&p, end, &a)) < 0 || (r = proof_decode_part(&p, end, &b)) < 0) {
		ld_entry_destroy(&a);
		return r;
	}
	eq.seq = store_get_be64((uint8_t *)k->mv_data + 4);
	eq.kept = a;
	eq.other = b;
	r = w->cb(w->ud, &eq);
	ld_entry_destroy(&a);
	ld_entry_destroy(&b);
	return r;
}

int ld_store_foreach_equivocation(ld_store_t *s, int (*cb)(void *ud, const ld_equivocation_t *eq),
				  void *ud)
{
	struct equiv_walk w = {s, NULL, cb, ud};
	int r;

	if ((r = store_read_txn(s, &w.txn)) < 0)
		return r;
	r = store_walk_db(w.txn, s->db_equiv, NULL, equiv_one, &w);
	store_read_end(s, w.txn);
	return r;
}

int ld_store_roster_get(ld_store_t *s, const char *node_id, Ld__RosterNode **ret_node)
{
	MDB_txn *txn;
	int r;

	if (!ld_node_id_valid(node_id))
		return -EINVAL;
	if ((r = store_read_txn(s, &txn)) < 0)
		return r;
	r = store_roster_read(s, txn, node_id, ret_node);
	store_read_end(s, txn);
	return r;
}

int ld_store_refusal(ld_store_t *s, const char *feed, uint64_t seq, char *buf, size_t size)
{
	MDB_txn *txn;
	MDB_val v;
	int r;

	if (size == 0)
		return -EINVAL;
	if ((r = feed_value(s, feed, seq, s->db_refusals, &txn, &v)) < 0)
		return r;
	snprintf(buf, size, "%.*s", (int)v.mv_size, (const char *)v.mv_data);
	store_read_end(s, txn);
	return 0;
}

const char *ld_store_root_id(const ld_store_t *s)
{
	return s->root_id[0] ? s->root_id : NULL;
}

size_t ld_store_map_size(const ld_store_t *s)
{
	return s->map_size;
}

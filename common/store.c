/* common/store.c: LMDB environment, transactions and the read side of the store. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/store_int.h"

#define MAP_DEFAULT (64ull << 20)
#define MAP_MAX_DEFAULT (1ull << 40)
#define CHECK_RUN 4096

int store_mdb_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
		return STORE_EMAPFULL;
	case MDB_TXN_FULL:
		return -E2BIG;
	case MDB_READERS_FULL:
		return -EAGAIN;
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID:
		return LD_EVERSION;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_PANIC:
	case MDB_BAD_TXN:
		return -EIO;
	case MDB_MAP_RESIZED:
		return -EAGAIN;
	default:
		return rc > 0 ? -rc : -EIO;
	}
}

void store_be32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

void store_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

uint32_t store_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t store_get_be64(const uint8_t *p)
{
	return (uint64_t)store_get_be32(p) << 32 | store_get_be32(p + 4);
}

void store_entry_key(uint8_t k[ENTRY_KEY_LEN], uint32_t num, uint64_t seq)
{
	store_be32(k, num);
	store_be64(k + 4, seq);
}

static MDB_val str_val(const char *s)
{
	return (MDB_val){.mv_size = strlen(s), .mv_data = (void *)s};
}

int store_feed_get(ld_store_t *s, MDB_txn *txn, const char *feed, feed_state_t *st)
{
	MDB_val k = str_val(feed), v;
	const uint8_t *p;
	int r = store_mdb_err(mdb_get(txn, s->db_feeds, &k, &v));

	if (r < 0)
		return r;
	if (v.mv_size != FEED_STATE_LEN)
		return -EIO;
	p = v.mv_data;
	st->num = store_get_be32(p);
	st->flags = store_get_be32(p + 4);
	st->head_seq = store_get_be64(p + 8);
	memcpy(st->head_id, p + 16, LD_ID_LEN);
	st->indexed_seq = store_get_be64(p + 48);
	st->equiv_seq = store_get_be64(p + 56);
	return 0;
}

int store_feed_put(ld_store_t *s, MDB_txn *txn, const char *feed, const feed_state_t *st)
{
	uint8_t b[FEED_STATE_LEN];
	MDB_val k = str_val(feed), v = {.mv_size = sizeof(b), .mv_data = b};

	store_be32(b, st->num);
	store_be32(b + 4, st->flags);
	store_be64(b + 8, st->head_seq);
	memcpy(b + 16, st->head_id, LD_ID_LEN);
	store_be64(b + 48, st->indexed_seq);
	store_be64(b + 56, st->equiv_seq);
	return store_mdb_err(mdb_put(txn, s->db_feeds, &k, &v, 0));
}

int store_feed_name(ld_store_t *s, MDB_txn *txn, uint32_t num, char *buf)
{
	uint8_t kb[4];
	MDB_val k = {.mv_size = 4, .mv_data = kb}, v;
	int r;

	store_be32(kb, num);
	r = store_mdb_err(mdb_get(txn, s->db_nums, &k, &v));
	if (r < 0)
		return r;
	if (v.mv_size == 0 || v.mv_size > LD_NODE_ID_MAX)
		return -EIO;
	memcpy(buf, v.mv_data, v.mv_size);
	buf[v.mv_size] = '\0';
	return 0;
}

int store_entry_decode(const MDB_val *v, ld_entry_t **ret, int64_t *ret_recv_ms)
{
	const uint8_t *p = v->mv_data;
	size_t hlen, plen;
	bool has_payload;
	ld_entry_t *e;
	int r;

	if (v->mv_size < VAL_HDR_LEN || p[0] != STORE_FORMAT)
		return -EIO;
	has_payload = p[1] & VAL_HAS_PAYLOAD;
	hlen = (size_t)p[2] << 8 | p[3];
	plen = store_get_be32(p + 4);
	if (v->mv_size != VAL_HDR_LEN + hlen + plen)
		return -EIO;
	r = ld_entry_from_parts(p + VAL_HDR_LEN, hlen, p + 48,
				has_payload ? p + VAL_HDR_LEN + hlen : NULL, plen, &e);
	if (r < 0)
		return -EIO;
	if (memcmp(e->id, p + 16, LD_ID_LEN) != 0) {
		ld_entry_destroy(&e);
		return -EIO;
	}
	if (ret_recv_ms)
		*ret_recv_ms = (int64_t)store_get_be64(p + 8);
	*ret = e;
	return 0;
}

void lookup_ctx_init(lookup_ctx_t *ctx, ld_store_t *s, MDB_txn *txn)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->s = s;
	ctx->txn = txn;
	memcpy(ctx->root_id, s->root_id, sizeof(ctx->root_id));
}

void lookup_ctx_forget(lookup_ctx_t *ctx)
{
	if (ctx->cached)
		ld__roster_node__free_unpacked(ctx->cached, NULL);
	ctx->cached = NULL;
	ctx->cached_id[0] = '\0';
}

static int roster_read(ld_store_t *s, MDB_txn *txn, const char *node_id, Ld__RosterNode **ret)
{
	MDB_val k = str_val(node_id), v;
	int r = store_mdb_err(mdb_get(txn, s->db_roster, &k, &v));

	if (r < 0)
		return r;
	*ret = ld__roster_node__unpack(NULL, v.mv_size, v.mv_data);
	return *ret ? 0 : -EIO;
}

int store_lookup_key(void *ud, const char *feed, uint64_t seq, const uint8_t signer[LD_PUBKEY_LEN],
		     int64_t time_ms, const ld_pubkey_t **ret_pub)
{
	lookup_ctx_t *ctx = ud;
	ld_store_t *s = ctx->s;
	int r;

	/* The root feed is checked against the trust anchor itself; before the
	 * root's first entry is held, any feed signed by the root key is taken
	 * as the root candidate (its first entry must then name itself). */
	if (ctx->root_id[0] ? strcmp(feed, ctx->root_id) == 0
			    : memcmp(signer, s->root_pub, LD_PUBKEY_LEN) == 0) {
		if (memcmp(signer, s->root_pub, LD_PUBKEY_LEN) != 0)
			return LD_EWRONGKEY;
		*ret_pub = s->root_key;
		return 0;
	}
	if (!ctx->cached || strcmp(ctx->cached_id, feed) != 0) {
		lookup_ctx_forget(ctx);
		r = roster_read(s, ctx->txn, feed, &ctx->cached);
		if (r == -ENOENT)
			return LD_EUNKNOWN;
		if (r < 0)
			return r;
		snprintf(ctx->cached_id, sizeof(ctx->cached_id), "%s", feed);
	}
	r = ld_roster_check_key(ctx->cached, seq, signer, time_ms);
	if (r < 0)
		return r;
	return ld_keycache_get(s->keys, signer, ret_pub);
}

static int env_open(ld_store_t *s)
{
	MDB_txn *txn;
	MDB_envinfo info;
	int r;

	r = store_mdb_err(mdb_env_create(&s->env));
	if (r < 0)
		return r;
	mdb_env_set_maxdbs(s->env, 16);
	mdb_env_set_mapsize(s->env, s->map_size);
	/* NOTLS: read transactions are not tied to a thread. No WRITEMAP: with
	 * it a full disk is a SIGBUS instead of an error. */
	r = store_mdb_err(mdb_env_open(s->env, s->dir, MDB_NOTLS, 0600));
	if (r < 0)
		goto fail;
	if (mdb_env_info(s->env, &info) == 0 && info.me_mapsize > s->map_size)
		s->map_size = info.me_mapsize;
	r = store_mdb_err(mdb_txn_begin(s->env, NULL, 0, &txn));
	if (r < 0)
		goto fail;
	if ((r = store_mdb_err(mdb_dbi_open(txn, "meta", MDB_CREATE, &s->db_meta))) < 0 ||
	    (r = store_mdb_err(mdb_dbi_open(txn, "feeds", MDB_CREATE, &s->db_feeds))) < 0 ||
	    (r = store_mdb_err(mdb_dbi_open(txn, "nums", MDB_CREATE, &s->db_nums))) < 0 ||
	    (r = store_mdb_err(mdb_dbi_open(txn, "entries", MDB_CREATE, &s->db_entries))) < 0 ||
	    (r = store_mdb_err(mdb_dbi_open(txn, "ids", MDB_CREATE, &s->db_ids))) < 0 ||
	    (r = store_mdb_err(mdb_dbi_open(txn, "equiv", MDB_CREATE, &s->db_equiv))) < 0 ||
	    (r = store_mdb_err(mdb_dbi_open(txn, "roster", MDB_CREATE, &s->db_roster))) < 0 ||
	    (r = store_mdb_err(mdb_dbi_open(txn, "refusals", MDB_CREATE, &s->db_refusals))) < 0 ||
	    (r = store_mdb_err(mdb_dbi_open(txn, "receipts", MDB_CREATE, &s->db_receipts))) < 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	r = store_mdb_err(mdb_txn_commit(txn));
	if (r < 0)
		goto fail;
	/* Slots of readers that died (a killed process) are reclaimed here. */
	mdb_reader_check(s->env, NULL);
	return 0;
fail:
	mdb_env_close(s->env);
	s->env = NULL;
	return r;
}

static int meta_init(ld_store_t *s, MDB_txn *txn, void *ud)
{
	MDB_val k = str_val("format"), v;
	uint8_t b[4];
	int r;

	r = store_mdb_err(mdb_get(txn, s->db_meta, &k, &v));
	if (r == -ENOENT) {
		store_be32(b, STORE_FORMAT);
		v = (MDB_val){.mv_size = 4, .mv_data = b};
		if ((r = store_mdb_err(mdb_put(txn, s->db_meta, &k, &v, 0))) < 0)
			return r;
		k = str_val("root_pub");
		v = (MDB_val){.mv_size = LD_PUBKEY_LEN, .mv_data = s->root_pub};
		if ((r = store_mdb_err(mdb_put(txn, s->db_meta, &k, &v, 0))) < 0)
			return r;
		k = str_val("next_num");
		store_be32(b, 1);
		v = (MDB_val){.mv_size = 4, .mv_data = b};
		return store_mdb_err(mdb_put(txn, s->db_meta, &k, &v, 0));
	}
	if (r < 0)
		return r;
	if (v.mv_size != 4 || store_get_be32(v.mv_data) != STORE_FORMAT)
		return LD_EVERSION;
	k = str_val("root_pub");
	if ((r = store_mdb_err(mdb_get(txn, s->db_meta, &k, &v))) < 0)
		return r == -ENOENT ? -EIO : r;
	if (v.mv_size != LD_PUBKEY_LEN || memcmp(v.mv_data, s->root_pub, LD_PUBKEY_LEN) != 0)
		return LD_EWRONGKEY;
	k = str_val("root_id");
	r = store_mdb_err(mdb_get(txn, s->db_meta, &k, &v));
	if (r == 0 && v.mv_size > 0 && v.mv_size <= LD_NODE_ID_MAX) {
		memcpy(s->root_id, v.mv_data, v.mv_size);
		s->root_id[v.mv_size] = '\0';
	}
	return r == -ENOENT ? 0 : r;
}

int ld_store_open(const char *dir, const uint8_t root_pub[LD_PUBKEY_LEN],
		  const ld_store_opts_t *opts, ld_store_t **ret_store)
{
	char *lock_path = NULL;
	ld_store_t *s;
	int r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->lock_fd = -1;
	s->map_size = opts && opts->map_size ? opts->map_size : MAP_DEFAULT;
	s->map_max = opts && opts->map_size_max ? opts->map_size_max : MAP_MAX_DEFAULT;
	memcpy(s->root_pub, root_pub, LD_PUBKEY_LEN);
	s->dir = strdup(dir);
	if (!s->dir || asprintf(&lock_path, "%s/liandong.lock", dir) < 0) {
		lock_path = NULL;
		r = -ENOMEM;
		goto fail;
	}
	s->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock_path);
	if (s->lock_fd < 0) {
		r = -errno;
		goto fail;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? LD_EBUSY : -errno;
		goto fail;
	}
	if ((r = ld_keycache_new(&s->keys)) < 0)
		goto fail;
	if ((r = ld_keycache_get(s->keys, root_pub, &s->root_key)) < 0)
		goto fail;
	if ((r = env_open(s)) < 0)
		goto fail;
	if ((r = store_write_txn(s, meta_init, NULL)) < 0)
		goto fail;
	*ret_store = s;
	return 0;
fail:
	ld_store_destroy(&s);
	return r;
}

void ld_store_destroy(ld_store_t **store_p)
{
	ld_store_t *s;

	if (!store_p || !*store_p)
		return;
	s = *store_p;
	if (s->env)
		mdb_env_close(s->env);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	ld_keycache_destroy(&s->keys);
	free(s->dir);
	free(s);
	*store_p = NULL;
}

static bool storage_error(int r)
{
	return r == -ENOSPC || r == -EIO || r == -EFBIG || r == -EDQUOT;
}

int store_write_txn(ld_store_t *s, int (*fn)(ld_store_t *s, MDB_txn *txn, void *ud), void *ud)
{
	for (int attempt = 0; attempt < 48; attempt++) {
		MDB_txn *txn;
		int r;

		if (!s->env && (r = env_open(s)) < 0)
			return storage_error(r) ? LD_ENOSPACE : r;
		r = store_mdb_err(mdb_txn_begin(s->env, NULL, 0, &txn));
		if (r < 0)
			return storage_error(r) ? LD_ENOSPACE : r;
		r = fn(s, txn, ud);
		if (r < 0 && r != STORE_EMAPFULL) {
			mdb_txn_abort(txn);
			return r;
		}
		if (r == STORE_EMAPFULL)
			mdb_txn_abort(txn);
		else
			r = store_mdb_err(mdb_txn_commit(txn)); /* frees txn, even on failure */
		/* The body or the commit itself (it allocates pages too) ran out
		 * of map: grow it and run the whole transaction again. */
		if (r == STORE_EMAPFULL) {
			if (s->map_size >= s->map_max)
				return LD_ENOSPACE;
			s->map_size = s->map_size * 2 < s->map_max ? s->map_size * 2 : s->map_max;
			r = store_mdb_err(mdb_env_set_mapsize(s->env, s->map_size));
			if (r < 0)
				return r;
			continue;
		}
		if (r < 0 && storage_error(r)) {
			/* The transaction is gone; reopen so a failed meta write
			 * (MDB_FATAL_ERROR) does not poison later ones. */
			mdb_env_close(s->env);
			s->env = NULL;
			env_open(s);
			return LD_ENOSPACE;
		}
		return r;
	}
	return -EIO;
}

static int read_txn(ld_store_t *s, MDB_txn **txn)
{
	if (!s->env) {
		int r = env_open(s);

		if (r < 0)
			return r;
	}
	return store_mdb_err(mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn));
}

static void head_from_state(const char *feed, const feed_state_t *st, ld_feed_head_t *h)
{
	snprintf(h->feed, sizeof(h->feed), "%s", feed);
	h->seq = st->head_seq;
	memcpy(h->id, st->head_id, LD_ID_LEN);
	h->frozen = st->flags & FEED_FROZEN;
	h->equivocation_seq = st->equiv_seq;
}

int ld_store_head(ld_store_t *s, const char *feed, ld_feed_head_t *ret_head)
{
	feed_state_t st;
	MDB_txn *txn;
	int r;

	if (!ld_node_id_valid(feed))
		return -EINVAL;
	if ((r = read_txn(s, &txn)) < 0)
		return r;
	r = store_feed_get(s, txn, feed, &st);
	mdb_txn_abort(txn);
	if (r == 0)
		head_from_state(feed, &st, ret_head);
	return r;
}

int ld_store_foreach_head(ld_store_t *s, int (*cb)(void *ud, const ld_feed_head_t *h), void *ud)
{
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int r, rc;

	if ((r = read_txn(s, &txn)) < 0)
		return r;
	if ((r = store_mdb_err(mdb_cursor_open(txn, s->db_feeds, &cur))) < 0) {
		mdb_txn_abort(txn);
		return r;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char feed[LD_NODE_ID_MAX + 1];
		feed_state_t st;
		ld_feed_head_t h;

		if (k.mv_size == 0 || k.mv_size > LD_NODE_ID_MAX) {
			r = -EIO;
			break;
		}
		memcpy(feed, k.mv_data, k.mv_size);
		feed[k.mv_size] = '\0';
		if ((r = store_feed_get(s, txn, feed, &st)) < 0)
			break;
		head_from_state(feed, &st, &h);
		if ((r = cb(ud, &h)) != 0)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND && r == 0)
		r = store_mdb_err(rc);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return r;
}

/* Walk entries (num, from..to) in a read transaction. */
static int walk_entries(ld_store_t *s, MDB_txn *txn, uint32_t num, uint64_t from, uint64_t to,
			int (*cb)(void *ud, const MDB_val *v, uint64_t seq), void *ud)
{
	uint8_t kb[ENTRY_KEY_LEN];
	MDB_val k = {.mv_size = sizeof(kb), .mv_data = kb}, v;
	MDB_cursor *cur;
	int r = 0, rc;

	if ((r = store_mdb_err(mdb_cursor_open(txn, s->db_entries, &cur))) < 0)
		return r;
	store_entry_key(kb, num, from);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint64_t seq;

		if (k.mv_size != ENTRY_KEY_LEN || store_get_be32(k.mv_data) != num)
			break;
		seq = store_get_be64((uint8_t *)k.mv_data + 4);
		if (seq > to)
			break;
		if ((r = cb(ud, &v, seq)) != 0)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND && r == 0)
		r = store_mdb_err(rc);
	mdb_cursor_close(cur);
	return r;
}

int ld_store_get(ld_store_t *s, const char *feed, uint64_t seq, ld_entry_t **ret_entry,
		 int64_t *ret_recv_ms)
{
	uint8_t kb[ENTRY_KEY_LEN];
	MDB_val k = {.mv_size = sizeof(kb), .mv_data = kb}, v;
	feed_state_t st;
	MDB_txn *txn;
	int r;

	if (!ld_node_id_valid(feed))
		return -EINVAL;
	if ((r = read_txn(s, &txn)) < 0)
		return r;
	r = store_feed_get(s, txn, feed, &st);
	if (r == 0) {
		store_entry_key(kb, st.num, seq);
		r = store_mdb_err(mdb_get(txn, s->db_entries, &k, &v));
	}
	if (r == 0)
		r = store_entry_decode(&v, ret_entry, ret_recv_ms);
	mdb_txn_abort(txn);
	return r;
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

int ld_store_foreach_entry(ld_store_t *s, const char *feed, uint64_t from, uint64_t to,
			   int (*cb)(void *ud, const ld_entry_t *e, int64_t recv_ms), void *ud)
{
	struct foreach_ctx c = {cb, ud};
	feed_state_t st;
	MDB_txn *txn;
	int r;

	if (!ld_node_id_valid(feed))
		return -EINVAL;
	if ((r = read_txn(s, &txn)) < 0)
		return r;
	r = store_feed_get(s, txn, feed, &st);
	if (r == 0)
		r = walk_entries(s, txn, st.num, from ? from : 1, to ? to : UINT64_MAX, foreach_one,
				 &c);
	mdb_txn_abort(txn);
	return r;
}

struct raw_ctx {
	int (*cb)(void *ud, const ld_raw_entry_t *e);
	void *ud;
};

static int raw_one(void *ud, const MDB_val *v, uint64_t seq)
{
	struct raw_ctx *c = ud;
	const uint8_t *p = v->mv_data;
	ld_raw_entry_t e;
	size_t hlen, plen;

	if (v->mv_size < VAL_HDR_LEN || p[0] != STORE_FORMAT)
		return -EIO;
	hlen = (size_t)p[2] << 8 | p[3];
	plen = store_get_be32(p + 4);
	if (v->mv_size != VAL_HDR_LEN + hlen + plen)
		return -EIO;
	e.seq = seq;
	e.id = p + 16;
	e.sig = p + 48;
	e.header = p + VAL_HDR_LEN;
	e.header_len = hlen;
	e.payload = (p[1] & VAL_HAS_PAYLOAD) ? p + VAL_HDR_LEN + hlen : NULL;
	e.payload_len = e.payload ? plen : 0;
	e.recv_ms = (int64_t)store_get_be64(p + 8);
	return c->cb(c->ud, &e);
}

int ld_store_foreach_raw(ld_store_t *s, const char *feed, uint64_t from, uint64_t to,
			 int (*cb)(void *ud, const ld_raw_entry_t *e), void *ud)
{
	struct raw_ctx c = {cb, ud};
	feed_state_t st;
	MDB_txn *txn;
	int r;

	if (!ld_node_id_valid(feed))
		return -EINVAL;
	if ((r = read_txn(s, &txn)) < 0)
		return r;
	r = store_feed_get(s, txn, feed, &st);
	if (r == 0)
		r = walk_entries(s, txn, st.num, from ? from : 1, to ? to : UINT64_MAX, raw_one, &c);
	mdb_txn_abort(txn);
	return r;
}

int ld_store_foreach_receipt(ld_store_t *s, const char *feed, uint64_t seq,
			     int (*cb)(void *ud, const ld_receipt_t *r), void *ud)
{
	uint8_t kb[ENTRY_KEY_LEN];
	MDB_val k = {.mv_size = sizeof(kb), .mv_data = kb}, v;
	MDB_cursor *cur;
	feed_state_t st;
	MDB_txn *txn;
	int r, rc;

	if (!ld_node_id_valid(feed))
		return -EINVAL;
	if ((r = read_txn(s, &txn)) < 0)
		return r;
	if ((r = store_feed_get(s, txn, feed, &st)) < 0 ||
	    (r = store_mdb_err(mdb_cursor_open(txn, s->db_receipts, &cur))) < 0) {
		mdb_txn_abort(txn);
		return r == -ENOENT ? 0 : r;
	}
	store_entry_key(kb, st.num, seq);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		ld_receipt_t rec;
		size_t idlen = k.mv_size - ENTRY_KEY_LEN;

		if (k.mv_size <= ENTRY_KEY_LEN || memcmp(k.mv_data, kb, ENTRY_KEY_LEN) != 0)
			break;
		if (idlen > LD_NODE_ID_MAX || v.mv_size != 16) {
			r = -EIO;
			break;
		}
		memcpy(rec.receiver, (uint8_t *)k.mv_data + ENTRY_KEY_LEN, idlen);
		rec.receiver[idlen] = '\0';
		rec.receipt_seq = store_get_be64(v.mv_data);
		rec.received_ms = (int64_t)store_get_be64((uint8_t *)v.mv_data + 8);
		if ((r = cb(ud, &rec)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return r;
}

int ld_store_foreach_roster(ld_store_t *s, int (*cb)(void *ud, const Ld__RosterNode *n),
			   void *ud)
{
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int r, rc;

	if ((r = read_txn(s, &txn)) < 0)
		return r;
	if ((r = store_mdb_err(mdb_cursor_open(txn, s->db_roster, &cur))) < 0) {
		mdb_txn_abort(txn);
		return r;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Ld__RosterNode *n = ld__roster_node__unpack(NULL, v.mv_size, v.mv_data);

		if (!n) {
			r = -EIO;
			break;
		}
		r = cb(ud, n);
		ld__roster_node__free_unpacked(n, NULL);
		if (r != 0)
			break;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return r;
}

struct scan_ctx {
	const uint8_t *id;
	uint64_t found;
};

static int scan_one(void *ud, const MDB_val *v, uint64_t seq)
{
	struct scan_ctx *c = ud;

	if (v->mv_size >= VAL_HDR_LEN && memcmp((uint8_t *)v->mv_data + 16, c->id, LD_ID_LEN) == 0) {
		c->found = seq;
		return 1;
	}
	return 0;
}

int ld_store_find_id(ld_store_t *s, const uint8_t id[LD_ID_LEN], ld_entry_ref_t *ret_ref)
{
	MDB_val k = {.mv_size = LD_ID_LEN, .mv_data = (void *)id}, v;
	MDB_cursor *cur = NULL;
	MDB_txn *txn;
	int r, rc;

	if ((r = read_txn(s, &txn)) < 0)
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
	if ((r = store_mdb_err(mdb_cursor_open(txn, s->db_feeds, &cur))) < 0)
		goto out;
	r = -ENOENT;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char feed[LD_NODE_ID_MAX + 1];
		struct scan_ctx c = {id, 0};
		feed_state_t st;

		if (k.mv_size == 0 || k.mv_size > LD_NODE_ID_MAX)
			continue;
		memcpy(feed, k.mv_data, k.mv_size);
		feed[k.mv_size] = '\0';
		if (store_feed_get(s, txn, feed, &st) < 0 || st.indexed_seq >= st.head_seq)
			continue;
		if (walk_entries(s, txn, st.num, st.indexed_seq + 1, st.head_seq, scan_one, &c) == 1) {
			snprintf(ret_ref->feed, sizeof(ret_ref->feed), "%s", feed);
			ret_ref->seq = c.found;
			r = 0;
			break;
		}
	}
	mdb_cursor_close(cur);
out:
	if (r == 0)
		memcpy(ret_ref->id, id, LD_ID_LEN);
	mdb_txn_abort(txn);
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
	if ((r = read_txn(s, &txn)) < 0) {
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
	mdb_txn_abort(txn);
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

int ld_store_foreach_equivocation(ld_store_t *s,
				  int (*cb)(void *ud, const ld_equivocation_t *eq), void *ud)
{
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int r, rc;

	if ((r = read_txn(s, &txn)) < 0)
		return r;
	if ((r = store_mdb_err(mdb_cursor_open(txn, s->db_equiv, &cur))) < 0) {
		mdb_txn_abort(txn);
		return r;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data, *end = p + v.mv_size;
		ld_entry_t *a = NULL, *b = NULL;
		ld_equivocation_t eq;

		if (k.mv_size != ENTRY_KEY_LEN + LD_ID_LEN) {
			r = -EIO;
			break;
		}
		if ((r = store_feed_name(s, txn, store_get_be32(k.mv_data), eq.feed)) < 0 ||
		    (r = proof_decode_part(&p, end, &a)) < 0 ||
		    (r = proof_decode_part(&p, end, &b)) < 0) {
			ld_entry_destroy(&a);
			break;
		}
		eq.seq = store_get_be64((uint8_t *)k.mv_data + 4);
		eq.kept = a;
		eq.other = b;
		r = cb(ud, &eq);
		ld_entry_destroy(&a);
		ld_entry_destroy(&b);
		if (r != 0)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND && r == 0)
		r = store_mdb_err(rc);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return r;
}

int ld_store_roster_get(ld_store_t *s, const char *node_id, Ld__RosterNode **ret_node)
{
	MDB_txn *txn;
	int r;

	if (!ld_node_id_valid(node_id))
		return -EINVAL;
	if ((r = read_txn(s, &txn)) < 0)
		return r;
	r = roster_read(s, txn, node_id, ret_node);
	mdb_txn_abort(txn);
	return r;
}

int ld_store_refusal(ld_store_t *s, const char *feed, uint64_t seq, char *buf, size_t size)
{
	uint8_t kb[ENTRY_KEY_LEN];
	MDB_val k = {.mv_size = sizeof(kb), .mv_data = kb}, v;
	feed_state_t st;
	MDB_txn *txn;
	int r;

	if (!ld_node_id_valid(feed) || size == 0)
		return -EINVAL;
	if ((r = read_txn(s, &txn)) < 0)
		return r;
	r = store_feed_get(s, txn, feed, &st);
	if (r == 0) {
		store_entry_key(kb, st.num, seq);
		r = store_mdb_err(mdb_get(txn, s->db_refusals, &k, &v));
	}
	if (r == 0)
		snprintf(buf, size, "%.*s", (int)v.mv_size, (const char *)v.mv_data);
	mdb_txn_abort(txn);
	return r;
}

const char *ld_store_root_id(const ld_store_t *s)
{
	return s->root_id[0] ? s->root_id : NULL;
}

size_t ld_store_map_size(const ld_store_t *s)
{
	return s->map_size;
}

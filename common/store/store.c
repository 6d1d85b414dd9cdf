/* common/store/store.c: the LMDB environment, transactions, key layout helpers and
 * key lookups against the roster. Reads are in store_read.c, writes in
 * store_write.c. */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "common/store/store_int.h"

#define MAP_DEFAULT (64ull << 20)
#define MAP_MAX_DEFAULT (1ull << 40)

void store_entry_key(uint8_t k[ENTRY_KEY_LEN], uint32_t num, uint64_t seq)
{
	store_be32(k, num);
	store_be64(k + 4, seq);
}

MDB_val store_str_val(const char *s)
{
	return (MDB_val){.mv_size = strlen(s), .mv_data = (void *)s};
}

int store_feed_state_decode(const MDB_val *v, feed_state_t *st)
{
	const uint8_t *p = v->mv_data;

	if (v->mv_size != FEED_STATE_LEN)
		return -EIO;
	st->num = store_get_be32(p);
	st->flags = store_get_be32(p + 4);
	st->head_seq = store_get_be64(p + 8);
	memcpy(st->head_id, p + 16, LD_ID_LEN);
	st->indexed_seq = store_get_be64(p + 48);
	st->equiv_seq = store_get_be64(p + 56);
	return 0;
}

int store_feed_get(ld_store_t *s, MDB_txn *txn, const char *feed, feed_state_t *st)
{
	MDB_val k = store_str_val(feed), v;
	int r = store_mdb_err(mdb_get(txn, s->db_feeds, &k, &v));

	return r < 0 ? r : store_feed_state_decode(&v, st);
}

/* Walk 'dbi' from the first key >= *from (NULL: from the start), calling cb
 * for each pair until it returns non-zero, which is then returned (callers
 * use 1 for "stop, found" and negative errno for errors). */
int store_walk_db(MDB_txn *txn, MDB_dbi dbi, const MDB_val *from,
		  int (*cb)(void *ud, const MDB_val *k, const MDB_val *v), void *ud)
{
	MDB_val k = from ? *from : (MDB_val){0}, v;
	MDB_cursor *cur;
	int r, rc;

	if ((r = store_mdb_err(mdb_cursor_open(txn, dbi, &cur))) < 0)
		return r;
	for (rc = mdb_cursor_get(cur, &k, &v, from ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if ((r = cb(ud, &k, &v)) != 0)
			break;
	if (rc != 0 && rc != MDB_NOTFOUND && r == 0)
		r = store_mdb_err(rc);
	mdb_cursor_close(cur);
	return r;
}

/* A feeds-database key as a node id, into buf (LD_NODE_ID_MAX + 1). */
int store_feed_key(const MDB_val *k, char *buf)
{
	if (k->mv_size == 0 || k->mv_size > LD_NODE_ID_MAX)
		return -EIO;
	memcpy(buf, k->mv_data, k->mv_size);
	buf[k->mv_size] = '\0';
	return 0;
}

int store_feed_load(ld_store_t *s, ld_txn_t *t, const char *feed, feed_state_t *st)
{
	MDB_val k = store_str_val(feed), v;
	int r = ld_txn_get(t, s->db_feeds, &k, &v);

	return r < 0 ? r : ld_txn_fail(t, store_feed_state_decode(&v, st));
}

int store_feed_put(ld_store_t *s, ld_txn_t *t, const char *feed, const feed_state_t *st)
{
	uint8_t b[FEED_STATE_LEN];
	MDB_val k = store_str_val(feed), v = {.mv_size = sizeof(b), .mv_data = b};

	store_be32(b, st->num);
	store_be32(b + 4, st->flags);
	store_be64(b + 8, st->head_seq);
	memcpy(b + 16, st->head_id, LD_ID_LEN);
	store_be64(b + 48, st->indexed_seq);
	store_be64(b + 56, st->equiv_seq);
	return ld_txn_put(t, s->db_feeds, &k, &v, 0);
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

int store_value_parts(const MDB_val *v, uint64_t seq, ld_raw_entry_t *out)
{
	const uint8_t *p = v->mv_data;
	size_t hlen, plen;

	if (v->mv_size < VAL_HDR_LEN || p[0] != STORE_FORMAT)
		return -EIO;
	hlen = (size_t)p[2] << 8 | p[3];
	plen = store_get_be32(p + 4);
	if (v->mv_size != VAL_HDR_LEN + hlen + plen)
		return -EIO;
	out->seq = seq;
	out->id = p + 16;
	out->sig = p + 48;
	out->header = p + VAL_HDR_LEN;
	out->header_len = hlen;
	out->payload = (p[1] & VAL_HAS_PAYLOAD) ? p + VAL_HDR_LEN + hlen : NULL;
	out->payload_len = out->payload ? plen : 0;
	out->recv_ms = (int64_t)store_get_be64(p + 8);
	return 0;
}

int store_entry_decode(const MDB_val *v, ld_entry_t **ret, int64_t *ret_recv_ms)
{
	ld_raw_entry_t raw;
	ld_entry_t *e;

	/* Re-parse and re-hash, and check the id stored beside it: a corrupt
	 * value is an I/O error, never a different entry. */
	if (store_value_parts(v, 0, &raw) < 0 ||
	    ld_entry_from_parts(raw.header, raw.header_len, raw.sig, raw.payload, raw.payload_len,
				&e) < 0)
		return -EIO;
	if (memcmp(e->id, raw.id, LD_ID_LEN) != 0) {
		ld_entry_destroy(&e);
		return -EIO;
	}
	if (ret_recv_ms)
		*ret_recv_ms = raw.recv_ms;
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

int store_roster_read(ld_store_t *s, MDB_txn *txn, const char *node_id, Ld__RosterNode **ret)
{
	MDB_val k = store_str_val(node_id), v;
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
		r = store_roster_read(s, ctx->txn, feed, &ctx->cached);
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
	ld_txn_t t;
	MDB_envinfo info;
	int r;

	r = store_mdb_err(mdb_env_create(&s->env));
	if (r < 0)
		return r;
	/* 30 named databases in use (store and views): room for more. */
	mdb_env_set_maxdbs(s->env, 64);
	mdb_env_set_mapsize(s->env, s->map_size);
	/* NOTLS: read transactions are not tied to a thread. No WRITEMAP: with
	 * it a full disk is a SIGBUS instead of an error. */
	r = store_mdb_err(mdb_env_open(s->env, s->dir, MDB_NOTLS, 0600));
	if (r < 0)
		goto fail;
	if (mdb_env_info(s->env, &info) == 0 && info.me_mapsize > s->map_size)
		s->map_size = info.me_mapsize;
	if ((r = ld_txn_begin(&t, s->env, NULL, 0)) < 0)
		goto fail;
	/* No checks: after a failure the others do nothing, and the commit
	 * aborts and says what failed first. */
	ld_txn_dbi_open(&t, "meta", MDB_CREATE, &s->db_meta);
	ld_txn_dbi_open(&t, "feeds", MDB_CREATE, &s->db_feeds);
	ld_txn_dbi_open(&t, "nums", MDB_CREATE, &s->db_nums);
	ld_txn_dbi_open(&t, "entries", MDB_CREATE, &s->db_entries);
	ld_txn_dbi_open(&t, "ids", MDB_CREATE, &s->db_ids);
	ld_txn_dbi_open(&t, "equiv", MDB_CREATE, &s->db_equiv);
	ld_txn_dbi_open(&t, "roster", MDB_CREATE, &s->db_roster);
	ld_txn_dbi_open(&t, "refusals", MDB_CREATE, &s->db_refusals);
	/* The derived indexes' own databases, with the environment. */
	for (size_t i = 0; i < s->n_ix && !t.err; i++)
		ld_txn_fail(&t, s->ix[i].ix->open(s->ix[i].ud, s, &t));
	/* Aborted, with the first error, if anything failed. */
	r = ld_txn_commit(&t);
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

static int meta_init(ld_store_t *s, ld_txn_t *t, void *ud)
{
	MDB_val k = store_str_val("format"), v;
	uint8_t b[4], one[4];
	int r;

	r = ld_txn_get(t, s->db_meta, &k, &v);
	if (r == -ENOENT) {
		store_be32(b, STORE_FORMAT);
		store_be32(one, 1);
		v = (MDB_val){.mv_size = 4, .mv_data = b};
		ld_txn_put(t, s->db_meta, &k, &v, 0);
		k = store_str_val("root_pub");
		v = (MDB_val){.mv_size = LD_PUBKEY_LEN, .mv_data = s->root_pub};
		ld_txn_put(t, s->db_meta, &k, &v, 0);
		k = store_str_val("next_num");
		v = (MDB_val){.mv_size = 4, .mv_data = one};
		return ld_txn_put(t, s->db_meta, &k, &v, 0);
	}
	if (r < 0)
		return r;
	if (v.mv_size != 4 || store_get_be32(v.mv_data) != STORE_FORMAT)
		return LD_EVERSION;
	k = store_str_val("root_pub");
	if ((r = ld_txn_get(t, s->db_meta, &k, &v)) < 0)
		return r == -ENOENT ? -EIO : r;
	if (v.mv_size != LD_PUBKEY_LEN || memcmp(v.mv_data, s->root_pub, LD_PUBKEY_LEN) != 0)
		return LD_EWRONGKEY;
	k = store_str_val("root_id");
	r = ld_txn_get(t, s->db_meta, &k, &v);
	if (r == 0 && v.mv_size > 0 && v.mv_size <= LD_NODE_ID_MAX) {
		memcpy(s->root_id, v.mv_data, v.mv_size);
		s->root_id[v.mv_size] = '\0';
	}
	if (r < 0 && r != -ENOENT)
		return r;
	return 0;
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
	for (size_t i = 0; i < s->n_ix; i++)
		if (s->ix[i].ix->free)
			s->ix[i].ix->free(s->ix[i].ud);
	free(s->dir);
	free(s);
	*store_p = NULL;
}

static bool storage_error(int r)
{
	return r == -ENOSPC || r == -EIO || r == -EFBIG || r == -EDQUOT;
}

int store_write_txn(ld_store_t *s, int (*fn)(ld_store_t *s, ld_txn_t *t, void *ud), void *ud)
{
	for (int attempt = 0; attempt < 48; attempt++) {
		ld_txn_t t;
		int r;

		if (!s->env && (r = env_open(s)) < 0)
			return storage_error(r) ? LD_ENOSPACE : r;
		r = ld_txn_begin(&t, s->env, NULL, 0);
		if (r < 0)
			return storage_error(r) ? LD_ENOSPACE : r;
		/* What fn returns, or what failed first inside it. */
		r = ld_txn_fail(&t, fn(s, &t, ud));
		/* The indexers finish what the entries queued, in this
		 * transaction, or forget it if it does not commit. */
		for (size_t i = 0; r == 0 && i < s->n_ix; i++)
			if (s->ix[i].ix->commit)
				r = ld_txn_fail(&t, s->ix[i].ix->commit(s->ix[i].ud, s, &t));
		for (size_t i = 0; r < 0 && i < s->n_ix; i++)
			if (s->ix[i].ix->abort)
				s->ix[i].ix->abort(s->ix[i].ud);
		if (r < 0 && r != STORE_EMAPFULL) {
			ld_txn_abort(&t);
			return r;
		}
		/* Aborts on STORE_EMAPFULL; a commit frees the txn even when it
		 * fails. */
		r = ld_txn_commit(&t);
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

int store_read_txn(ld_store_t *s, MDB_txn **txn)
{
	if (!s->env) {
		int r = env_open(s);

		if (r < 0)
			return r;
	}
	return store_mdb_err(mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn));
}

int store_walk_read(ld_store_t *s, MDB_dbi dbi, const MDB_val *from,
		    int (*cb)(void *ud, const MDB_val *k, const MDB_val *v), void *ud)
{
	MDB_txn *txn;
	int r = store_read_txn(s, &txn);

	if (r < 0)
		return r;
	r = store_walk_db(txn, dbi, from, cb, ud);
	store_read_end(s, txn);
	return r;
}

void store_read_end(ld_store_t *s, MDB_txn *txn)
{
	if (txn)
		mdb_txn_abort(txn);
}

/* --- derived indexes --- */

int ld_store_add_indexer(ld_store_t *s, const ld_indexer_t *ix, void *ud)
{
	ld_txn_t t;
	int r;

	if (s->n_ix == LD_STORE_INDEXERS_MAX) {
		if (ix->free)
			ix->free(ud);
		return -ENOSPC;
	}
	if (!s->env && (r = env_open(s)) < 0)
		return r;
	if (ld_txn_begin(&t, s->env, NULL, 0) == 0)
		ld_txn_fail(&t, ix->open(ud, s, &t));
	if ((r = ld_txn_commit(&t)) < 0) {
		if (ix->free)
			ix->free(ud);
		return r;
	}
	s->ix[s->n_ix].ix = ix;
	s->ix[s->n_ix].ud = ud;
	s->n_ix++;
	return 0;
}

void *ld_store_indexer(const ld_store_t *s, const char *name)
{
	for (size_t i = 0; i < s->n_ix; i++)
		if (!strcmp(s->ix[i].ix->name, name))
			return s->ix[i].ud;
	return NULL;
}

int store_index_apply(ld_store_t *s, ld_txn_t *t, const ld_entry_t *e)
{
	const ld_kind_info_t *k = ld_kind_info(e->hdr->kind);
	ProtobufCMessage *m = NULL;
	int r = t->err;

	if (!s->n_ix || r < 0)
		return r;
	/* Decoded once, here, for every index. */
	if (e->has_payload && k && k->desc)
		m = protobuf_c_message_unpack(k->desc, NULL, e->payload_len, e->payload);
	for (size_t i = 0; r == 0 && i < s->n_ix; i++)
		r = ld_txn_fail(t, s->ix[i].ix->apply(s->ix[i].ud, s, t, e, m));
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
	return r;
}

static int reindex_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	void **c = ud;
	ld_entry_t *e;
	int r = store_entry_decode(v, &e, NULL);

	if (r < 0)
		return r;
	r = store_index_apply(c[0], c[1], e);
	ld_entry_destroy(&e);
	return r;
}

static int reindex_txn(ld_store_t *s, ld_txn_t *t, void *ud)
{
	void *c[2] = {s, t};
	int r = 0;

	for (size_t i = 0; r == 0 && i < s->n_ix; i++)
		r = ld_txn_fail(t, s->ix[i].ix->drop(s->ix[i].ud, s, t));
	/* A walk of its own (the indexers may walk in t). */
	if (r == 0)
		r = ld_txn_fail(t, store_walk_db(t->txn, s->db_entries, NULL, reindex_one, c));
	for (size_t i = 0; r == 0 && i < s->n_ix; i++)
		if (s->ix[i].ix->rebuilt)
			r = ld_txn_fail(t, s->ix[i].ix->rebuilt(s->ix[i].ud, s, t));
	return r;
}

int ld_store_reindex(ld_store_t *s)
{
	return store_write_txn(s, reindex_txn, NULL);
}

static int digest_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	uint8_t len[8];

	/* Lengths first, so key/value boundaries cannot be shifted. */
	store_be32(len, (uint32_t)k->mv_size);
	store_be32(len + 4, (uint32_t)v->mv_size);
	return EVP_DigestUpdate(ud, len, sizeof(len)) == 1 &&
			       EVP_DigestUpdate(ud, k->mv_data, k->mv_size) == 1 &&
			       EVP_DigestUpdate(ud, v->mv_data, v->mv_size) == 1
		       ? 0
		       : -EIO;
}

int ld_store_index_digest(ld_store_t *s, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	MDB_txn *txn;
	int r;

	if (!md)
		return -ENOMEM;
	if ((r = store_read_txn(s, &txn)) < 0) {
		EVP_MD_CTX_free(md);
		return r;
	}
	r = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
	for (size_t i = 0; r == 0 && i < s->n_ix; i++) {
		MDB_dbi dbis[8];
		size_t n = s->ix[i].ix->dbis(s->ix[i].ud, dbis, 8);

		for (size_t j = 0; r == 0 && j < n; j++)
			r = store_walk_db(txn, dbis[j], NULL, digest_one, md);
	}
	if (r == 0 && EVP_DigestFinal_ex(md, out, NULL) != 1)
		r = -EIO;
	store_read_end(s, txn);
	EVP_MD_CTX_free(md);
	return r;
}

int ld_rd_txn(const ld_rd_t *rd, MDB_txn **ret_txn)
{
	if (rd->txn) {
		*ret_txn = rd->txn;
		return 0;
	}
	return store_read_txn(rd->s, ret_txn);
}

void ld_rd_txn_end(const ld_rd_t *rd, MDB_txn *txn)
{
	if (txn && txn != rd->txn)
		mdb_txn_abort(txn);
}

int ld_rd_open(ld_store_t *s, ld_rd_t *ret)
{
	MDB_txn *txn;
	int r = store_read_txn(s, &txn);

	if (r < 0)
		return r;
	ret->s = s;
	ret->txn = txn;
	return 0;
}

void ld_rd_close(ld_rd_t *rd)
{
	if (rd->txn)
		mdb_txn_abort(rd->txn);
	rd->txn = NULL;
}

int ld_store_write(ld_store_t *s, int (*fn)(ld_store_t *s, ld_txn_t *t, void *ud), void *ud)
{
	return store_write_txn(s, fn, ud);
}

MDB_dbi ld_store_meta_dbi(const ld_store_t *s)
{
	return s->db_meta;
}

int ld_store_mdb_err(int rc)
{
	return ld_txn_mdb_err(rc);
}

int ld_store_walk(MDB_txn *txn, MDB_dbi dbi, const MDB_val *from,
		  int (*cb)(void *ud, const MDB_val *k, const MDB_val *v), void *ud)
{
	return store_walk_db(txn, dbi, from, cb, ud);
}

int ld_store_entry_key(ld_store_t *s, MDB_txn *txn, const char *feed, uint64_t seq,
		       uint8_t key[LD_ENTRY_KEY_LEN])
{
	feed_state_t st;
	int r = store_feed_get(s, txn, feed, &st);

	if (r < 0)
		return r;
	store_entry_key(key, st.num, seq);
	return 0;
}

/* common/store/txn.h: an LMDB transaction that carries its first error.
 *
 * A write touches many keys in several databases (an entry, its feed state,
 * the roster, every derived index). Rather than check each put, a caller
 * writes through an ld_txn_t: the first failure is recorded in 'err' and
 * every later operation does nothing and returns that same error, so the
 * code that follows need not test each step; ld_txn_commit() then aborts
 * and returns the first error, and nothing of the transaction is stored.
 *
 * Errors are -errno as everywhere in the store (ld_store_mdb_err()), with
 * MDB_MAP_FULL as LD_TXN_EMAPFULL, which ld_store_write() answers by growing
 * the map and running the whole transaction again (LD_ENOSPACE once the map
 * is at its maximum). Answers are not failures and are not recorded: a get
 * or a walk that finds nothing, a delete of an absent key, a put refused by
 * MDB_NOOVERWRITE.
 *
 * The struct is public so that a transaction lives on the stack of the code
 * that runs it; read 'err' (or call ld_txn_err()), never write it directly.
 * Reads in a write transaction that go through code taking an ld_rd_t pass
 * 'txn' (a borrowed MDB_txn *, valid until the commit or abort).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

/* MDB_MAP_FULL as an error code: the map must grow (store_write_txn()). */
#define LD_TXN_EMAPFULL (-ENOBUFS)

/* An LMDB or errno code as 0 / -errno (MDB_MAP_FULL as LD_TXN_EMAPFULL,
 * a version mismatch as LD_EVERSION): the one place LMDB codes are read. */
int ld_txn_mdb_err(int rc);

/* Big-endian integers in keys (byte order is numeric order). */
void ld_be32_put(uint8_t *p, uint32_t v);
void ld_be64_put(uint8_t *p, uint64_t v);
uint32_t ld_be32_get(const uint8_t *p);
uint64_t ld_be64_get(const uint8_t *p);

typedef struct ld_txn {
	MDB_txn *txn;	       /* NULL once committed or aborted */
	MDB_env *env;	       /* borrowed */
	struct ld_txn *parent; /* borrowed; NULL for a top-level transaction */
	int err;	       /* the first error; 0 while there is none */
	bool write;	       /* not MDB_RDONLY */
	/* The walk in progress (ld_txn_foreach): one per transaction. */
	MDB_cursor *cur;
	MDB_dbi cur_dbi;
	MDB_val key, val; /* the current pair; valid until the next write */
} ld_txn_t;

/* Begin a transaction in 'env' (flags: 0 or MDB_RDONLY), nested in
 * 'parent' if it is not NULL (which must then not be used until this one
 * ends). A parent that has failed gives a child that has failed with the
 * same error. Returns t->err. t must still be ended (commit or abort). */
int ld_txn_begin(ld_txn_t *t, MDB_env *env, ld_txn_t *parent, unsigned flags);

/* Commit, or abort if an error was recorded. Returns the first error, or
 * the commit's own (also recorded on the parent of a nested transaction,
 * which LMDB leaves unusable then). Safe on an ended transaction (returns
 * t->err). */
int ld_txn_commit(ld_txn_t *t);

/* Abort (nothing of it is stored). Safe on an ended transaction. */
void ld_txn_abort(ld_txn_t *t);

/* How many write transactions, or nested parts of one, this process has
 * rolled back (aborted, or failed to commit). A state kept in memory beside
 * the store, written by transactions that may yet roll back, can be
 * believed without asking the store while this has not changed. */
uint64_t ld_txn_rollbacks(void);

/* The first error, or 0. */
static inline int ld_txn_err(const ld_txn_t *t)
{
	return t->err;
}

/* Record 'err' (-errno, or 0 for nothing) unless an error is already
 * recorded. Returns the first error: a caller's failure that is not LMDB's
 * (a record that does not decode, -ENOMEM) fails the transaction too. */
int ld_txn_fail(ld_txn_t *t, int err);

/* Record the result of an LMDB call made on t->txn directly (cursor
 * operations, mdb_stat, ...): 0 or the first error. MDB_NOTFOUND is an
 * answer: -ENOENT, not recorded. */
int ld_txn_check(ld_txn_t *t, int rc);

/* Put (flags as mdb_put). With MDB_RESERVE, v->mv_data receives the space
 * to fill. 0, -EEXIST (MDB_NOOVERWRITE and the key is there; not
 * recorded), or the first error. A key from an overflowed ld_kbuf_t
 * (mv_data NULL) fails with -E2BIG. */
int ld_txn_put(ld_txn_t *t, MDB_dbi dbi, const MDB_val *k, MDB_val *v, unsigned flags);

/* Get: 0 (v points into the map until the next write), -ENOENT (not
 * recorded) or the first error. */
int ld_txn_get(ld_txn_t *t, MDB_dbi dbi, const MDB_val *k, MDB_val *v);

/* Delete key k (or with v, that one duplicate of a DUPSORT database). An
 * absent key is not an error: 0 or the first error. */
int ld_txn_del(ld_txn_t *t, MDB_dbi dbi, const MDB_val *k, const MDB_val *v);

/* Empty database 'dbi' (kept open). 0 or the first error. */
int ld_txn_drop(ld_txn_t *t, MDB_dbi dbi);

/* Open (creating) the named database 'name'. 0 or the first error. */
int ld_txn_dbi_open(ld_txn_t *t, const char *name, unsigned flags, MDB_dbi *ret_dbi);

/* Walks: put the walk of 't' on the first key >= *from (NULL: the first
 * key) in 'dbi' whose first 'plen' bytes are those of *from (plen 0: any
 * key; from->mv_size: a prefix walk). True if there is one, in t->key and t->val; false at the
 * end or after an error. ld_txn_next() moves on, within the same prefix. */
bool ld_txn_seek(ld_txn_t *t, MDB_dbi dbi, const MDB_val *from, size_t plen);
bool ld_txn_next(ld_txn_t *t, const MDB_val *from, size_t plen);

/* Is the first plen bytes of *from a prefix of key? */
bool ld_txn_has_prefix(const MDB_val *from, size_t plen, const MDB_val *key);

/* Delete the pair the walk is on; the next ld_txn_next() gives the pair
 * after it. 0 or the first error. */
int ld_txn_del_cur(ld_txn_t *t);

/* Every pair of 'dbi' with key >= *from sharing its first plen bytes, in
 * key order, as t->key and t->val. One walk per transaction at a time; a
 * put into the walked database (other than ld_txn_del_cur) loses the place,
 * seek again after it. Stops at the first error (then in t->err). */
#define ld_txn_foreach(t, dbi, from, plen)                                                         \
	for (bool ld_txn_more_ = ld_txn_seek((t), (dbi), (from), (plen)); ld_txn_more_;            \
	     ld_txn_more_ = ld_txn_next((t), (from), (plen)))

/* --- key builders --- */

/* The longest key LMDB takes by default. */
#define LD_KBUF_MAX 511

/* A key built from parts, big-endian, as the store's keys are. Parts that
 * do not fit mark the key overflowed: ld_kbuf_val() then gives a key every
 * ld_txn_* operation refuses with -E2BIG, so a builder needs no checks. */
typedef struct ld_kbuf {
	size_t len;
	bool over;
	uint8_t b[LD_KBUF_MAX];
} ld_kbuf_t;

void ld_kbuf_init(ld_kbuf_t *k);
void ld_kbuf_bytes(ld_kbuf_t *k, const void *p, size_t n);
/* A string without its NUL (ld_kbuf_strz: with it, as a separator). */
void ld_kbuf_str(ld_kbuf_t *k, const char *s);
void ld_kbuf_strz(ld_kbuf_t *k, const char *s);
void ld_kbuf_u8(ld_kbuf_t *k, uint8_t v);
void ld_kbuf_be32(ld_kbuf_t *k, uint32_t v);
void ld_kbuf_be64(ld_kbuf_t *k, uint64_t v);
/* The key as an MDB_val pointing into k ({0, NULL} if it overflowed). */
MDB_val ld_kbuf_val(const ld_kbuf_t *k);

/* common/store/store_index.h: derived indexes the store keeps without knowing what
 * they hold.
 *
 * The store stores entries, feeds, the roster and the proofs; it knows no
 * case, action or view. Whatever is derived from entries (the case and
 * action threads, receipts, case summaries, search postings, ...) registers
 * here as an indexer: the store opens its databases with the environment,
 * hands it every entry it stores, in the same write transaction, with the
 * payload decoded once (by the kinds table), lets it finish before the
 * transaction commits, and has it rebuilt from the feeds by
 * ld_store_reindex(). Indexers live above the store and write through the
 * transaction object they are given (txn.h): a put that fails records the
 * error in it, every later operation of any indexer is skipped, and the
 * whole write transaction is aborted with that first error, so an indexer
 * need not check each put. Reads (helpers below, ld_rd_t) take t->txn.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>
#include <protobuf-c/protobuf-c.h>

#include "common/store/store.h"
#include "common/store/txn.h"

typedef struct ld_indexer {
	const char *name;
	/* Each function below that takes 't' returns 0 or an error; an error
	 * recorded in 't' (ld_txn_err()) fails the write even if 0 is
	 * returned, and one returned is recorded in 't' by the store. */
	/* Open (creating) the index's databases in 't': when registered,
	 * and again whenever the store reopens its environment. */
	int (*open)(void *ud, ld_store_t *s, ld_txn_t *t);
	/* An entry was stored in 't' (or its payload filled in): 'payload'
	 * is its payload decoded as its kind's message, or NULL (not held,
	 * a kind this version does not interpret, or bytes that do not
	 * decode). Borrowed for the call. 't' may be nested in the write
	 * transaction (one ingest batch): write through the 't' given. */
	int (*apply)(void *ud, ld_store_t *s, ld_txn_t *t, const ld_entry_t *e,
		     const ProtobufCMessage *payload);
	/* Before 't' commits: finish what apply() queued. May be NULL. */
	int (*commit)(void *ud, ld_store_t *s, ld_txn_t *t);
	/* The write will not commit: forget what apply() queued. May be NULL. */
	void (*abort)(void *ud);
	/* Reindex, in one transaction: drop() empties the index, apply() sees
	 * every entry held, then rebuilt() (may be NULL) finishes. */
	int (*drop)(void *ud, ld_store_t *s, ld_txn_t *t);
	int (*rebuilt)(void *ud, ld_store_t *s, ld_txn_t *t);
	/* The databases that hold the index, in digest order, into out (at
	 * most max). */
	size_t (*dbis)(void *ud, MDB_dbi *out, size_t max);
	/* Free 'ud' (the store is being destroyed). May be NULL. */
	void (*free)(void *ud);
} ld_indexer_t;

/* Register 'ix' (borrowed: static) with its state 'ud' (owned by the store
 * from now on: freed with ix->free). Indexers are applied, committed and
 * digested in registration order. 0 or -errno (then 'ud' is freed). */
int ld_store_add_indexer(ld_store_t *s, const ld_indexer_t *ix, void *ud);

/* The state of indexer 'name', or NULL if none is registered. Borrowed. */
void *ld_store_indexer(const ld_store_t *s, const char *name);

/* The transaction reader 'rd' reads in: its own, or a new read
 * transaction that ld_rd_txn_end() ends (and leaves the reader's alone). */
int ld_rd_txn(const ld_rd_t *rd, MDB_txn **ret_txn);
void ld_rd_txn_end(const ld_rd_t *rd, MDB_txn *txn);

/* Run fn in a write transaction of its own and commit durably (indexers
 * applied and committed as for any write). fn's error, or the first one
 * recorded in 't', aborts it. 0 or -errno; LD_ENOSPACE. */
int ld_store_write(ld_store_t *s, int (*fn)(ld_store_t *s, ld_txn_t *t, void *ud), void *ud);

/* The store's key of entry (feed, seq): its feed's number and the seq,
 * 12 bytes, as entries are keyed (an index keyed the same way sorts like
 * the feeds). -ENOENT if the store holds nothing of 'feed'. */
#define LD_ENTRY_KEY_LEN 12
int ld_store_entry_key(ld_store_t *s, MDB_txn *txn, const char *feed, uint64_t seq,
		       uint8_t key[LD_ENTRY_KEY_LEN]);

/* The store's meta database (small named values, e.g. an indexer's
 * cursor). Keys an indexer uses start with its name. */
MDB_dbi ld_store_meta_dbi(const ld_store_t *s);

/* LMDB codes as 0 / -errno (MDB_MAP_FULL as LD_TXN_EMAPFULL, which the
 * store retries on). */
int ld_store_mdb_err(int rc);

/* Walk 'dbi' in 'txn' from the first key >= *from (NULL: the start),
 * calling cb until it returns non-zero, which is returned. */
int ld_store_walk(MDB_txn *txn, MDB_dbi dbi, const MDB_val *from,
		  int (*cb)(void *ud, const MDB_val *k, const MDB_val *v), void *ud);

/* Big-endian integers in keys: ld_be32_put etc. (txn.h). */

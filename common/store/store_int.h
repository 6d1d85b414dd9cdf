/* common/store/store_int.h: internals shared by store.c (environment, reads) and
 * store_write.c (appends, ingest, roster, index). Not part of the API.
 *
 * LMDB layout (named databases):
 *   meta      "format" -> u32; "root_pub" -> 32 B; "root_id" -> node id;
 *             "next_num" -> u32 (next feed number to assign)
 *   feeds     node id -> feed state (FEED_STATE_LEN bytes, big-endian)
 *   nums      u32 feed number -> node id
 *   entries   u32 feed number ++ u64 seq (big-endian) -> stored entry
 *   ids       32 B entry id -> u32 feed number ++ u64 seq (deferred index)
 *   equiv     u32 num ++ u64 seq ++ 32 B other id -> proof
 *   roster    node id -> packed ld.RosterNode
 *   refusals  u32 num ++ u64 seq -> reason text
 * Derived indexes keep databases of their own (store_index.h).
 *
 * Stored entry value: u8 format(1) | u8 flags | u16 header_len |
 * u32 payload_len | i64 recv_ms | 32 B id | 64 B sig | header | payload.
 * Big-endian keys make byte order numeric order, so a feed's entries are
 * contiguous and appends to the newest feed go to the end of the tree.
 */
#pragma once

#include <lmdb.h>

#include "common/feed/roster.h"
#include "common/store/store.h"
#include "common/store/store_index.h"

#define STORE_FORMAT 1
#define LD_STORE_INDEXERS_MAX 16
#define FEED_STATE_LEN 64
#define FEED_FROZEN 1u
#define ENTRY_KEY_LEN 12
#define VAL_HDR_LEN 112
#define VAL_HAS_PAYLOAD 1u

/* Internal code for MDB_MAP_FULL: the caller grows the map and retries. */
#define STORE_EMAPFULL LD_TXN_EMAPFULL

struct ld_store {
	MDB_env *env;
	MDB_dbi db_meta, db_feeds, db_nums, db_entries, db_ids, db_equiv, db_roster, db_refusals;
	char *dir;
	int lock_fd;
	size_t map_size, map_max;
	uint8_t root_pub[LD_PUBKEY_LEN];
	const ld_pubkey_t *root_key;	  /* borrowed from 'keys' */
	char root_id[LD_NODE_ID_MAX + 1]; /* "" until the root's first entry is held */
	char local_id[LD_NODE_ID_MAX + 1];
	ld_key_t *local_key; /* borrowed */
	ld_keycache_t *keys;
	/* The derived indexes, in registration order. */
	struct {
		const ld_indexer_t *ix;
		void *ud;
	} ix[LD_STORE_INDEXERS_MAX];
	size_t n_ix;
};

typedef struct feed_state {
	uint32_t num;
	uint32_t flags;
	uint64_t head_seq;
	uint8_t head_id[LD_ID_LEN];
	uint64_t indexed_seq; /* the id index covers seq 1..indexed_seq */
	uint64_t equiv_seq;
} feed_state_t;

/* Key lookups during one transaction: roster records of the last author. */
typedef struct lookup_ctx {
	ld_store_t *s;
	MDB_txn *txn;
	char root_id[LD_NODE_ID_MAX + 1]; /* as seen inside this transaction */
	char cached_id[LD_NODE_ID_MAX + 1];
	Ld__RosterNode *cached;
} lookup_ctx_t;

/* LMDB codes as 0 / -errno: ld_txn_mdb_err (txn.h), the one place LMDB
 * codes are interpreted; byte order in keys: ld_be* (txn.h). */
#define store_mdb_err(rc) ld_txn_mdb_err(rc)
#define store_be32(p, v) ld_be32_put(p, v)
#define store_be64(p, v) ld_be64_put(p, v)
#define store_get_be32(p) ld_be32_get(p)
#define store_get_be64(p) ld_be64_get(p)

/* A NUL-terminated string as an LMDB key or value (without the NUL). */
MDB_val store_str_val(const char *s);
void store_entry_key(uint8_t k[ENTRY_KEY_LEN], uint32_t num, uint64_t seq);

/* Feed state of 'feed' in 'txn': 0 or -ENOENT. */
int store_feed_get(ld_store_t *s, MDB_txn *txn, const char *feed, feed_state_t *st);
/* The same in a write transaction: 0, -ENOENT, or t's first error. */
int store_feed_load(ld_store_t *s, ld_txn_t *t, const char *feed, feed_state_t *st);
int store_feed_put(ld_store_t *s, ld_txn_t *t, const char *feed, const feed_state_t *st);
/* Node id of feed number 'num' into buf (LD_NODE_ID_MAX + 1). */
int store_feed_name(ld_store_t *s, MDB_txn *txn, uint32_t num, char *buf);

/* Decode a feeds-database value. 0 or -EIO. */
int store_feed_state_decode(const MDB_val *v, feed_state_t *st);
/* A feeds-database key as a node id into buf (LD_NODE_ID_MAX + 1). */
int store_feed_key(const MDB_val *k, char *buf);
/* Walk 'dbi' from the first key >= *from (NULL: the start), calling cb for
 * each pair until it returns non-zero, which is returned (1 = stop, found;
 * negative = error). */
int store_walk_db(MDB_txn *txn, MDB_dbi dbi, const MDB_val *from,
		  int (*cb)(void *ud, const MDB_val *k, const MDB_val *v), void *ud);
/* store_walk_db() over 'dbi' in a read transaction of its own. */
int store_walk_read(ld_store_t *s, MDB_dbi dbi, const MDB_val *from,
		    int (*cb)(void *ud, const MDB_val *k, const MDB_val *v), void *ud);

/* Begin a read transaction (reopening the environment if a storage error
 * closed it). */
int store_read_txn(ld_store_t *s, MDB_txn **txn);
/* End a transaction from store_read_txn(). */
void store_read_end(ld_store_t *s, MDB_txn *txn);
/* The roster record of node_id in txn; caller frees. 0, -ENOENT, -EIO. */
int store_roster_read(ld_store_t *s, MDB_txn *txn, const char *node_id, Ld__RosterNode **ret);

/* The parts of a stored entry value, without parsing the header (the one
 * place that knows the value layout). Pointers into the value. 0 or -EIO. */
int store_value_parts(const MDB_val *v, uint64_t seq, ld_raw_entry_t *out);

/* Parse a stored entry value; checks the stored id. Caller owns *ret. */
int store_entry_decode(const MDB_val *v, ld_entry_t **ret, int64_t *ret_recv_ms);

/* Key lookup for ld_chain_authenticate() (ud is a lookup_ctx_t). */
int store_lookup_key(void *ud, const char *feed, uint64_t seq, const uint8_t signer[LD_PUBKEY_LEN],
		     int64_t time_ms, const ld_pubkey_t **ret_pub);
void lookup_ctx_init(lookup_ctx_t *ctx, ld_store_t *s, MDB_txn *txn);
void lookup_ctx_forget(lookup_ctx_t *ctx);

/* Hand a newly stored entry (or one whose payload was filled in) to every
 * indexer, its payload decoded once. */
int store_index_apply(ld_store_t *s, ld_txn_t *t, const ld_entry_t *e);

/* Run fn in a write transaction and commit durably; fn's error or the
 * first one recorded in the transaction aborts it. On STORE_EMAPFULL grow
 * the map and run it again from scratch. Storage errors at commit become
 * LD_ENOSPACE and the environment is reopened (a failed meta write leaves
 * LMDB unusable until then). */
int store_write_txn(ld_store_t *s, int (*fn)(ld_store_t *s, ld_txn_t *t, void *ud), void *ud);

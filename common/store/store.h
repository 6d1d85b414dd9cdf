/* common/store/store.h: a node's LMDB replica of feeds.
 *
 * One store per data directory, used by one process (an exclusive lock file
 * enforces it) and from one thread at a time. It holds the node's own feed and
 * every foreign feed it receives, the roster derived from the root's feed, the
 * feed heads, the equivocation proofs and a deferred index by entry id.
 *
 * Durability: ld_store_append() signs, commits durably, then returns; nothing
 * signed is visible outside the process before its commit succeeded, so a
 * sequence number is never signed twice for the world. ld_store_ingest()
 * commits many batches in one durable transaction (group commit), each batch
 * all-or-nothing in a nested transaction.
 *
 * Full storage: MDB_MAP_FULL grows the map (up to the configured maximum) and
 * retries; a disk that refuses the write gives LD_ENOSPACE, stores nothing of
 * that call, and leaves the store readable and writable once there is room.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/feed/chain.h"
#include "common/feed/entry.h"
#include "common/crypto/key.h"
#include "roster.pb-c.h"

typedef struct ld_store ld_store_t;

typedef struct ld_store_opts {
	size_t map_size;     /* initial LMDB map size in bytes; 0 = 64 MiB */
	size_t map_size_max; /* the map never grows beyond this; 0 = 1 TiB */
} ld_store_opts_t;

/* A reference to one entry: feed, position and id. */
typedef struct ld_entry_ref {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	uint8_t id[LD_ID_LEN];
} ld_entry_ref_t;

/* The head of one feed as this store holds it. */
typedef struct ld_feed_head {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;	       /* 0 for a feed known but empty */
	uint8_t id[LD_ID_LEN]; /* id of entry 'seq' */
	bool frozen;	       /* an equivocation was proven: nothing more is accepted */
	uint64_t equivocation_seq;
} ld_feed_head_t;

/* Open (creating if needed) the store in 'dir' for the deployment whose root
 * authority key is 'root_pub'. 'opts' may be NULL. LD_EBUSY if another
 * process has it open, LD_EWRONGKEY if it was created for another root key,
 * LD_EVERSION for an unknown store format. Caller owns *ret_store. */
int ld_store_open(const char *dir, const uint8_t root_pub[LD_PUBKEY_LEN],
		  const ld_store_opts_t *opts, ld_store_t **ret_store);

/* Close and free; sets *store_p = NULL. Safe on NULL and twice. */
void ld_store_destroy(ld_store_t **store_p);

/* Make this store the writer of feed 'node_id', signing with 'key' (borrowed:
 * it must outlive the store or the next call). 0 or -EINVAL. */
int ld_store_set_local(ld_store_t *s, const char *node_id, ld_key_t *key);

/* One entry for the local feed. Everything is borrowed. */
typedef struct ld_append_req {
	uint32_t kind; /* enum ld.Kind */
	const char *const *audience;
	size_t n_audience;
	bool everyone;
	const void *payload;
	size_t payload_len;
	int64_t time_ms; /* author time; 0 = now */
} ld_append_req_t;

/* Append n entries to the local feed in one durable transaction (group
 * commit): all are stored or none. 'ret_refs' (n elements, may be NULL)
 * receives their references. -EINVAL if no local feed is set, LD_EEQUIVOCATION
 * if the local feed is frozen, LD_ENOSPACE if storage is full, LD_ECLOCK if
 * an entry would be dated before the one it follows in the feed (an author's
 * times never run backwards; equal times are fine). */
int ld_store_append(ld_store_t *s, const ld_append_req_t *reqs, size_t n, ld_entry_ref_t *ret_refs);

/* A contiguous run of one feed to ingest, and what became of it. */
typedef struct ld_ingest_batch {
	ld_entry_t *const *entries; /* borrowed; ascending seq, one author */
	size_t n;
	int status;   /* out: 0 or an LD_E* code; on error nothing of the batch was stored
		       * except, for LD_EEQUIVOCATION, the proof */
	size_t bad;   /* out: index of the offending entry when status < 0 */
	size_t n_new; /* out: entries stored */
	size_t n_dup; /* out: entries already held (replay) */
} ld_ingest_batch_t;

/* Ingest n batches in one durable transaction. Each batch is authenticated
 * (mode: links + last signature, or every signature) and stored all-or-nothing;
 * a bad batch does not affect the others. Entries already held are skipped
 * (a replay changes nothing). Roster updates in the root's feed are applied in
 * the same transaction. Returns 0 when the transaction committed (see each
 * batch's status) or an error (LD_ENOSPACE, -EIO) when nothing was stored. */
int ld_store_ingest(ld_store_t *s, ld_ingest_batch_t *batches, size_t n, enum ld_chain_mode mode);

/* Record an equivocation proven by two valid entries with the same feed and
 * seq and different ids (as passed on by a peer). Freezes the feed. 0 if the
 * proof is new and valid, -EEXIST if already known, or the
 * verification error of either entry. */
int ld_store_add_proof(ld_store_t *s, const ld_entry_t *a, const ld_entry_t *b);

/* Where reads go: a store and the transaction they read in. With txn NULL
 * each read begins and ends a transaction of its own; several reads given
 * one reader with a transaction see one state. The derived indexes hand
 * the write transaction they judge in to the domain code this way: there
 * is no mode that redirects reads behind a caller's back. */
typedef struct ld_rd {
	ld_store_t *s;
	void *txn; /* MDB_txn *, borrowed; NULL: a transaction per read */
} ld_rd_t;

/* A reader of 's' for reads of the store itself, each in its own
 * transaction. */
#define LD_RD(store) (&(ld_rd_t){(store), NULL})

/* Open a read transaction for *ret: every read through it sees the store
 * as it is now. End it with ld_rd_close(). 0 or -errno. */
int ld_rd_open(ld_store_t *s, ld_rd_t *ret);
void ld_rd_close(ld_rd_t *rd);

/* ld_store_get() through reader 'rd'. */
int ld_rd_get(const ld_rd_t *rd, const char *feed, uint64_t seq, ld_entry_t **ret_entry,
	      int64_t *ret_recv_ms);

/* ld_store_foreach_roster() through reader 'rd'. */
int ld_rd_foreach_roster(const ld_rd_t *rd, int (*cb)(void *ud, const Ld__RosterNode *n), void *ud);

/* Head of 'feed'. -ENOENT if the store holds nothing of it. */
int ld_store_head(ld_store_t *s, const char *feed, ld_feed_head_t *ret_head);

/* Call cb for every feed head, in feed-name order. Stops and returns cb's
 * value if it is non-zero. */
int ld_store_foreach_head(ld_store_t *s, int (*cb)(void *ud, const ld_feed_head_t *h), void *ud);

/* Read entry (feed, seq). The payload is absent if the store holds it
 * redacted. -ENOENT if absent, -EIO if the stored bytes are corrupt. Caller
 * owns *ret_entry. If ret_recv_ms is not NULL it receives the local receive
 * (or append) time. */
int ld_store_get(ld_store_t *s, const char *feed, uint64_t seq, ld_entry_t **ret_entry,
		 int64_t *ret_recv_ms);

/* Call cb for entries of 'feed' with from <= seq <= to (to = 0: to the head),
 * in order, each parsed and owned by the store for the duration of the call.
 * Stops and returns cb's value if non-zero. */
int ld_store_foreach_entry(ld_store_t *s, const char *feed, uint64_t from, uint64_t to,
			   int (*cb)(void *ud, const ld_entry_t *e, int64_t recv_ms), void *ud);

/* An entry as stored, without decoding: pointers valid only during the
 * callback (they point into the LMDB map). */
typedef struct ld_raw_entry {
	uint64_t seq;
	const uint8_t *id; /* LD_ID_LEN bytes */
	const uint8_t *header;
	size_t header_len;
	const uint8_t *sig;	/* LD_SIG_LEN bytes */
	const uint8_t *payload; /* NULL when held redacted */
	size_t payload_len;
	int64_t recv_ms;
} ld_raw_entry_t;

/* Call cb for the stored entries of 'feed' with from <= seq <= to (to = 0:
 * to the head), in order, without parsing or re-hashing them (the cheap path
 * for serving peers). Stops and returns cb's value if non-zero. */
int ld_store_foreach_raw(ld_store_t *s, const char *feed, uint64_t from, uint64_t to,
			 int (*cb)(void *ud, const ld_raw_entry_t *e), void *ud);

/* Call cb for every roster member (node-id order). The record is owned by
 * the store for the duration of the call. */
int ld_store_foreach_roster(ld_store_t *s, int (*cb)(void *ud, const Ld__RosterNode *n), void *ud);

/* Rebuild every derived index (store_index.h) from the entries held, in
 * one transaction. The result is byte-identical to the indexes built as
 * entries arrived. */
int ld_store_reindex(ld_store_t *s);

/* SHA-256 over every key and value of every derived index, in key order:
 * two stores holding the same entries have the same digest. */
int ld_store_index_digest(ld_store_t *s, uint8_t out[32]);

/* Find an entry by id. -ENOENT if the store does not hold it. */
int ld_store_find_id(ld_store_t *s, const uint8_t id[LD_ID_LEN], ld_entry_ref_t *ret_ref);

/* Extend the id index by up to 'max' entries (the index is built off the hot
 * write path, in sorted batches). *ret_done (may be NULL) receives how many
 * were indexed; 0 means the index is complete. */
int ld_store_index_ids(ld_store_t *s, size_t max, size_t *ret_done);

/* Re-authenticate the whole stored chain of 'feed' from seq 1 with the
 * roster (mode as for ingest) and recheck every stored payload. *ret_count
 * (may be NULL) receives the number of entries checked. */
int ld_store_check_feed(ld_store_t *s, const char *feed, enum ld_chain_mode mode,
			uint64_t *ret_count);

/* A stored equivocation proof: two signed headers for one (feed, seq). */
typedef struct ld_equivocation {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	const ld_entry_t *kept;	 /* the entry the store held first */
	const ld_entry_t *other; /* the conflicting one, never applied */
} ld_equivocation_t;

/* Call cb for every stored equivocation proof (the alerts). Entries are
 * redacted and owned by the store for the duration of the call. */
int ld_store_foreach_equivocation(ld_store_t *s, int (*cb)(void *ud, const ld_equivocation_t *eq),
				  void *ud);

/* Roster record of 'node_id' (packed ld.RosterNode, see roster.h). Caller
 * owns *ret_node (ld__roster_node__free_unpacked(.., NULL)). -ENOENT if not
 * a member. */
int ld_store_roster_get(ld_store_t *s, const char *node_id, Ld__RosterNode **ret_node);

/* Why entry (feed, seq) was kept but not applied (e.g. a refused roster
 * update). Copies up to 'size' bytes into 'buf'. -ENOENT if it was not refused. */
int ld_store_refusal(ld_store_t *s, const char *feed, uint64_t seq, char *buf, size_t size);

/* The root authority's node id, once its first entry is held; NULL before. */
const char *ld_store_root_id(const ld_store_t *s);

/* Current LMDB map size in bytes (grows on demand). */
size_t ld_store_map_size(const ld_store_t *s);

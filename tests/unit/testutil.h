/* tests/unit/testutil.h: helpers shared by the cmocka tests and benchmarks:
 * temporary data dirs, nodes with real keys, and rosters built as real root
 * feed entries. Everything returns real objects; nothing is mocked. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/feed/entry.h"
#include "common/crypto/key.h"
#include "common/store/store.h"
#include "common/views/views.h"

/* A feed writer under test: node id, key, and its feed's current head. */
typedef struct tu_node {
	char id[LD_NODE_ID_MAX + 1];
	ld_key_t *key;
	uint8_t pub[LD_PUBKEY_LEN];
	uint64_t seq;		 /* last seq built */
	uint8_t head[LD_ID_LEN]; /* id of the last entry built */
	int64_t time_ms;	 /* author time of the next entry; 0: base + seq */
} tu_node_t;

/* A fresh directory under $TMPDIR (or /tmp); caller frees the string and
 * removes the tree with tu_rmrf(). Aborts the test on failure. */
char *tu_tmpdir(const char *tag);

/* rm -rf 'dir'. */
void tu_rmrf(const char *dir);

/* New node with a generated key. */
void tu_node_init(tu_node_t *n, const char *id);
void tu_node_fini(tu_node_t *n);

/* Build the next entry of n's feed and advance n. 'audience' may be NULL
 * (then the entry is for everyone). Caller owns the entry. */
ld_entry_t *tu_next(tu_node_t *n, uint32_t kind, const void *payload, size_t len,
		    const char *const *audience, size_t n_audience);

/* Build the next entry of n's feed WITHOUT advancing n (to forge a second
 * entry for the same seq: equivocation). */
ld_entry_t *tu_fork(tu_node_t *n, uint32_t kind, const void *payload, size_t len);

/* Next root feed entry: a roster update. 'key' is the member's signing key
 * (ADD/ROTATE_KEY); for ROTATE_KEY 'from_seq' is key_from_seq, for REVOKE it
 * is last_valid_seq. */
ld_entry_t *tu_roster(tu_node_t *root, int action, const char *node_id, const uint8_t *key,
		      const char *superior, uint64_t from_seq);

/* Open a store in 'dir' for root 'root' and ingest the root's self-add plus
 * an ADD for each member (superior: the root). Returns the open store. */
ld_store_t *tu_store_with_roster(const char *dir, tu_node_t *root, tu_node_t *const *members,
				 size_t n_members);

/* Ingest entries run[0..n) as one batch. Returns the batch status (or the
 * call's error); *bad and *n_new may be NULL. */
int tu_ingest(ld_store_t *s, ld_entry_t *const *run, size_t n, enum ld_chain_mode mode, size_t *bad,
	      size_t *n_new);

/* Wire-encode (with payload); caller frees. */
uint8_t *tu_wire(const ld_entry_t *e, size_t *len);

/* Free n entries. */
void tu_free_run(ld_entry_t **run, size_t n);

/* Monotonic clock in seconds. */
double tu_now(void);

/* common/feed/chain.h: authenticating runs of one feed.
 *
 * A run is a contiguous, ascending sequence of entries of one feed that follows
 * a known head. Every link (author, seq, prev) and every present payload is
 * checked, and every entry's named signer must be the key the roster gives the
 * author for that sequence. Signatures are then checked either on every entry
 * (per-entry mode: what a court does with one entry) or on the last entry only
 * (batch mode): since each id covers the header and signature of its entry and
 * each prev names the previous id, a valid last signature vouches for the whole
 * run, and a change to any byte of any header or signature in it breaks a link.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/feed/entry.h"
#include "common/crypto/key.h"

/* Look up the key that must have signed entry (feed, seq) whose header names
 * 'signer' and claims time 'time_ms'. Sets *ret_pub (borrowed from the
 * callee, valid at least until the run is checked) and returns 0, or returns
 * LD_EUNKNOWN, LD_EWRONGKEY, LD_EREVOKED or LD_EEXPIRED. */
typedef int (*ld_key_lookup_fn)(void *ud, const char *feed, uint64_t seq,
				const uint8_t signer[LD_PUBKEY_LEN], int64_t time_ms,
				const ld_pubkey_t **ret_pub);

enum ld_chain_mode {
	LD_CHAIN_BATCH = 0,    /* links of all, signature of the last */
	LD_CHAIN_EACH_SIG = 1, /* links and signature of every entry */
};

/* Authenticate run[0..n) as the continuation of a feed at (head_seq,
 * head_id); head_seq 0 for an empty feed. On failure *ret_bad (if not NULL)
 * is the index of the first offending entry. 0 or an LD_E* code; nothing is
 * modified. */
int ld_chain_authenticate(ld_entry_t *const *run, size_t n, uint64_t head_seq,
			  const uint8_t *head_id, ld_key_lookup_fn lookup, void *ud,
			  enum ld_chain_mode mode, size_t *ret_bad);

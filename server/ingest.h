/* server/ingest.h: storing what peers send (wire.proto Entries, Proof).
 *
 * Owns the ingest round: the Entries frames that arrive in one loop turn
 * are kept (up to 64 MiB, 512 frames), then, in ld_ingest_round(), parsed,
 * authenticated and stored in one group commit (ld_store_ingest(): each
 * frame a batch, links + last signature, views derived by the store in the
 * same transaction). Then, per batch: a refusal goes back to the peer (bad
 * signature, gap, unknown author, malformed: nothing of the batch stored),
 * an equivocation is proven, alerted and its proof passed on, the pull is
 * ended or extended (sync.h); and once per round, entries naming this node
 * are acknowledged in one DeliveryReceipt of its own feed. What the commit
 * calls for (announce the feeds that moved, a roster change, case
 * histories to ask for) goes to the outbox (outbox.h), which the loop does.
 * Also owns proofs a peer passes on (Proof frames).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "server/peer.h"
#include "wire.pb-c.h"

#define LD_ROUND_BYTES_MAX (64u << 20) /* entry bytes held for one group commit */

struct ld_round;

/* A new empty round. Caller owns *ret (ld_ingest_round_free). 0 or -ENOMEM. */
int ld_ingest_round_new(struct ld_round **ret);
void ld_ingest_round_free(struct ld_round **rd_p);

/* Entries frame handler: keep *f_p (of 'size' bytes on the wire) for this
 * turn's round, taking it (*f_p = NULL); a malformed frame is refused and
 * left to the caller. */
void ld_ingest_take(ld_node_t *n, link_t *l, Ld__Frame **f_p, size_t size);

/* Is the round full (bytes or frames)? Then stop reading sockets. */
bool ld_ingest_full(const ld_node_t *n);

/* Parse, authenticate and store what the round holds, in one durable
 * commit; refusals, proofs, pull bookkeeping, receipts; queue what the
 * commit calls for in the outbox. Empties the round. */
void ld_ingest_round(ld_node_t *n);

/* Proof frame handler: verify both entries, keep the proof (the feed is
 * frozen), alert, and pass it on to every other link. */
void ld_ingest_on_proof(ld_node_t *n, link_t *l, const Ld__Frame *f);

/* common/index/hidden.h: answers this node holds but may not read.
 *
 * A node holds every entry of every feed, the payload only where it may
 * read it; the rest is header and signature (author, time, kind, audience).
 * For the kinds whose content decides someone's state (a participant's
 * answer to a joint action), the store keeps an index of the entries it
 * holds redacted, so a judgement can tell "no answer" from "an answer may
 * exist that this node cannot read": the latter is shown as not visible
 * here, never flagged overdue or escalated on a guess.
 *
 *   v_hide  author \0 u32 kind u64 time (sign bit flipped) u64 seq
 *           -> audience node ids, each \0-terminated
 *
 * A derived index (store_index.h): kept in the transaction that stores the
 * entry, removed when its payload is filled in, rebuilt by ld_store_reindex. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/store/store.h"

/* Register the index with store 's'. 0 or -errno. */
int ld_hidden_attach(ld_store_t *s);

/* One redacted entry as the index has it. Strings valid during the call. */
typedef struct ld_hidden {
	uint64_t seq;
	int64_t time_ms;
	const char *aud[LD_AUDIENCE_MAX];
	size_t n_aud;
} ld_hidden_t;

/* Call cb for every entry of feed 'author' and 'kind' held redacted here
 * whose author time is 'from_ms' or later, oldest first. Stops and returns
 * cb's value if non-zero. */
int ld_store_foreach_hidden(ld_store_t *s, const char *author, uint32_t kind, int64_t from_ms,
			    int (*cb)(void *ud, const ld_hidden_t *h), void *ud);
/* The same, through reader 'rd' (store.h). */
int ld_rd_foreach_hidden(const ld_rd_t *rd, const char *author, uint32_t kind, int64_t from_ms,
			 int (*cb)(void *ud, const ld_hidden_t *h), void *ud);

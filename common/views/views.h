/* common/views/views.h: every derived index a node keeps, attached to its store.
 *
 * The store (store.h) keeps entries, feeds, the roster and proofs, and knows
 * nothing of cases; the views are indexers (store_index.h) kept in the same
 * write transactions: receipts, redacted answers, the case and action
 * threads, the judged case summaries (which feed the search index), and the
 * search index. ld_views_open() is what a node opens.
 */
#pragma once

#include "common/views/casesum.h"
#include "common/index/hidden.h"
#include "common/index/receipts.h"
#include "common/store/store.h"
#include "common/index/threads.h"

/* Register every view with store 's', in the order they depend on each
 * other. 0 or -errno. */
int ld_views_attach(ld_store_t *s);

/* ld_store_open() and ld_views_attach(): a node's store with its views.
 * Caller owns *ret_store. */
int ld_views_open(const char *dir, const uint8_t root_pub[LD_PUBKEY_LEN],
		  const ld_store_opts_t *opts, ld_store_t **ret_store);

/* common/index/receipts.h: who confirmed receiving an entry, and when.
 *
 * A derived index (store_index.h): for each entry a DeliveryReceipt names,
 * the first receipt of each receiver, kept in the transaction that stores
 * the receipt.
 *
 *   receipts  entry key (feed number, seq) ++ receiver id
 *             -> be64 receipt seq ++ be64 received time
 */
#pragma once

#include <stdint.h>

#include "common/store/store.h"

/* A delivery receipt for one entry: 'receiver' confirmed holding it. */
typedef struct ld_receipt {
	char receiver[LD_NODE_ID_MAX + 1];
	uint64_t receipt_seq; /* the receipt entry in the receiver's feed */
	int64_t received_ms;  /* receiver's clock */
} ld_receipt_t;

/* Register the receipts index with store 's'. 0 or -errno. */
int ld_receipts_attach(ld_store_t *s);

/* Call cb for every receipt the store holds for entry (feed, seq), in
 * receiver order. Stops and returns cb's value if non-zero. */
int ld_store_foreach_receipt(ld_store_t *s, const char *feed, uint64_t seq,
			     int (*cb)(void *ud, const ld_receipt_t *r), void *ud);

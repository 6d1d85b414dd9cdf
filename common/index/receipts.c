/* common/index/receipts.c: see receipts.h. */
#include <stdlib.h>
#include <string.h>

#include "receipt.pb-c.h"
#include "common/base/errors.h"
#include "common/index/receipts.h"
#include "common/store/store_index.h"

struct receipts {
	MDB_dbi db;
};

static int rc_open(void *ud, ld_store_t *s, ld_txn_t *t)
{
	struct receipts *x = ud;

	return ld_txn_dbi_open(t, "receipts", MDB_CREATE, &x->db);
}

static int rc_apply(void *ud, ld_store_t *s, ld_txn_t *t, const ld_entry_t *e,
		    const ProtobufCMessage *payload)
{
	const struct receipts *x = ud;
	const Ld__DeliveryReceipt *d = (const Ld__DeliveryReceipt *)payload;
	size_t rlen = strlen(e->hdr->author);
	int r = 0;

	/* Kept as history whatever it says; only what decodes is indexed. */
	if (e->hdr->kind != LD__KIND__KIND_DELIVERY_RECEIPT || !d)
		return 0;
	for (size_t i = 0; i < d->n_entries && r == 0; i++) {
		const Ld__EntryRef *ref = d->entries[i];
		uint8_t kb[LD_ENTRY_KEY_LEN + LD_NODE_ID_MAX], vb[16];
		MDB_val k = {.mv_size = LD_ENTRY_KEY_LEN + rlen, .mv_data = kb};
		MDB_val v = {.mv_size = sizeof(vb), .mv_data = vb};

		if (!ref->feed || !ld_node_id_valid(ref->feed) || !ref->has_seq)
			continue;
		r = ld_store_entry_key(s, t->txn, ref->feed, ref->seq, kb);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		memcpy(kb + LD_ENTRY_KEY_LEN, e->hdr->author, rlen);
		ld_be64_put(vb, e->hdr->seq);
		ld_be64_put(vb + 8,
			    (uint64_t)(d->has_received_ms ? d->received_ms : e->hdr->time_ms));
		/* The first receipt of an entry by a receiver is the proof (a
		 * later one, -EEXIST, is not a failure: not recorded). */
		ld_txn_put(t, x->db, &k, &v, MDB_NOOVERWRITE);
	}
	return r < 0 ? r : ld_txn_err(t);
}

static int rc_drop(void *ud, ld_store_t *s, ld_txn_t *t)
{
	const struct receipts *x = ud;

	return ld_txn_drop(t, x->db);
}

static size_t rc_dbis(void *ud, MDB_dbi *out, size_t max)
{
	const struct receipts *x = ud;

	if (max < 1)
		return 0;
	out[0] = x->db;
	return 1;
}

static const ld_indexer_t receipts_indexer = {
	.name = "receipts",
	.open = rc_open,
	.apply = rc_apply,
	.drop = rc_drop,
	.dbis = rc_dbis,
	.free = free,
};

int ld_receipts_attach(ld_store_t *s)
{
	struct receipts *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	return ld_store_add_indexer(s, &receipts_indexer, x);
}

struct receipt_walk {
	uint8_t prefix[LD_ENTRY_KEY_LEN];
	int (*cb)(void *ud, const ld_receipt_t *r);
	void *ud;
};

static int receipt_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct receipt_walk *w = ud;
	size_t idlen = k->mv_size - LD_ENTRY_KEY_LEN;
	ld_receipt_t rec;

	if (k->mv_size <= LD_ENTRY_KEY_LEN || memcmp(k->mv_data, w->prefix, LD_ENTRY_KEY_LEN) != 0)
		return 1; /* past this entry's receipts */
	if (idlen > LD_NODE_ID_MAX || v->mv_size != 16)
		return -EIO;
	memcpy(rec.receiver, (uint8_t *)k->mv_data + LD_ENTRY_KEY_LEN, idlen);
	rec.receiver[idlen] = '\0';
	rec.receipt_seq = ld_be64_get(v->mv_data);
	rec.received_ms = (int64_t)ld_be64_get((uint8_t *)v->mv_data + 8);
	return w->cb(w->ud, &rec);
}

int ld_store_foreach_receipt(ld_store_t *s, const char *feed, uint64_t seq,
			     int (*cb)(void *ud, const ld_receipt_t *r), void *ud)
{
	const struct receipts *x = ld_store_indexer(s, "receipts");
	struct receipt_walk w = {.cb = cb, .ud = ud};
	MDB_val k = {.mv_size = LD_ENTRY_KEY_LEN, .mv_data = w.prefix};
	MDB_txn *txn;
	int r;

	if (!x)
		return -ENOTSUP;
	if ((r = ld_rd_txn(LD_RD(s), &txn)) < 0)
		return r;
	r = ld_store_entry_key(s, txn, feed, seq, w.prefix);
	if (r == 0)
		r = ld_store_walk(txn, x->db, &k, receipt_one, &w);
	ld_rd_txn_end(LD_RD(s), txn);
	return r == 1 || r == -ENOENT ? 0 : r;
}

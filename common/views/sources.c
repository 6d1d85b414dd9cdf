/* common/views/sources.c: see sources.h. */
#include <stdlib.h>
#include <string.h>

#include "common/base/creditcode.h"
#include "common/base/errors.h"
#include "common/domain/source.h"
#include "common/feed/entry.h"
#include "common/feed/kinds.h"
#include "common/store/store_index.h"
#include "common/store/txn.h"
#include "common/views/sources.h"
#include "entry.pb-c.h"
#include "source.pb-c.h"

#define VAL_LEN (8 + 8 + 6)

struct sources {
	MDB_dbi db;
};

static int src_open(void *ud, ld_store_t *s, ld_txn_t *t)
{
	struct sources *x = ud;

	return ld_txn_dbi_open(t, "v_src", MDB_CREATE, &x->db);
}

static int src_apply(void *ud, ld_store_t *s, ld_txn_t *t, const ld_entry_t *e,
		     const ProtobufCMessage *pm)
{
	const struct sources *x = ud;
	const Ld__PollutionSource *m = (const Ld__PollutionSource *)pm;
	uint8_t kb[LD_CREDIT_CODE_LEN + LD_NODE_ID_MAX], vb[VAL_LEN];
	size_t al = strlen(e->hdr->author);
	char why[256];
	MDB_val k = {.mv_size = LD_CREDIT_CODE_LEN + al, .mv_data = kb}, v;
	int r;

	/* Only a source this node may read (every member may), well formed. */
	if (e->hdr->kind != LD__KIND__KIND_POLLUTION_SOURCE || !m || al > LD_NODE_ID_MAX ||
	    ld_source_valid(m, why, sizeof(why)))
		return 0;
	memcpy(kb, m->credit_code, LD_CREDIT_CODE_LEN);
	memcpy(kb + LD_CREDIT_CODE_LEN, e->hdr->author, al);
	r = ld_txn_get(t, x->db, &k, &v);
	if (r == 0 && v.mv_size == VAL_LEN && ld_be64_get(v.mv_data) >= e->hdr->seq)
		return 0;
	if (r < 0 && r != -ENOENT)
		return r;
	ld_be64_put(vb, e->hdr->seq);
	ld_be64_put(vb + 8, (uint64_t)e->hdr->time_ms);
	memcpy(vb + 16, m->region_code, 6);
	v = (MDB_val){.mv_size = sizeof(vb), .mv_data = vb};
	return ld_txn_put(t, x->db, &k, &v, 0);
}

static int src_drop(void *ud, ld_store_t *s, ld_txn_t *t)
{
	const struct sources *x = ud;

	return ld_txn_drop(t, x->db);
}

static size_t src_dbis(void *ud, MDB_dbi *out, size_t max)
{
	const struct sources *x = ud;

	if (max < 1)
		return 0;
	out[0] = x->db;
	return 1;
}

static const ld_indexer_t sources_indexer = {
	.name = "sources",
	.open = src_open,
	.apply = src_apply,
	.drop = src_drop,
	.dbis = src_dbis,
	.free = free,
};

int ld_sources_attach(ld_store_t *s)
{
	struct sources *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	return ld_store_add_indexer(s, &sources_indexer, x);
}

/* The publications of one code as they are walked: the best so far. */
struct src_walk {
	const ld_access_t *a;
	const char *only;
	int (*cb)(void *ud, const char *code, const char *author, uint64_t seq);
	void *ud;
	char code[LD_CREDIT_CODE_LEN + 1];
	char author[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	int64_t time_ms;
	bool have, found;
};

static int flush(struct src_walk *w)
{
	int r = 0;

	if (w->have) {
		w->found = true;
		r = w->cb(w->ud, w->code, w->author, w->seq);
	}
	w->have = false;
	return r;
}

static int src_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct src_walk *w = ud;
	size_t al = k->mv_size - LD_CREDIT_CODE_LEN;
	char author[LD_NODE_ID_MAX + 1], region[7];
	const char *unit_region;
	int64_t t;
	int r;

	if (k->mv_size <= LD_CREDIT_CODE_LEN || al > LD_NODE_ID_MAX || v->mv_size != VAL_LEN)
		return -EIO;
	if (memcmp(k->mv_data, w->code, LD_CREDIT_CODE_LEN)) {
		if (w->only)
			return 1; /* past the code asked for */
		if ((r = flush(w)) != 0)
			return r;
		memcpy(w->code, k->mv_data, LD_CREDIT_CODE_LEN);
	}
	memcpy(author, (const char *)k->mv_data + LD_CREDIT_CODE_LEN, al);
	author[al] = '\0';
	memcpy(region, (const char *)v->mv_data + 16, 6);
	region[6] = '\0';
	unit_region = ld_access_region_of(w->a, author);
	if (!unit_region || !ld_region_contains(unit_region, region))
		return 0;
	t = (int64_t)ld_be64_get((const uint8_t *)v->mv_data + 8);
	/* Keys come in author order: a later author wins a tie in time. */
	if (!w->have || t >= w->time_ms) {
		memcpy(w->author, author, al + 1);
		w->seq = ld_be64_get(v->mv_data);
		w->time_ms = t;
		w->have = true;
	}
	return 0;
}

int ld_sources_foreach(const ld_rd_t *rd, const ld_access_t *a, const char *code,
		       int (*cb)(void *ud, const char *code, const char *author, uint64_t seq),
		       void *ud)
{
	const struct sources *x = ld_store_indexer(rd->s, "sources");
	struct src_walk w = {.a = a, .only = code, .cb = cb, .ud = ud};
	MDB_val from = {.mv_size = LD_CREDIT_CODE_LEN, .mv_data = w.code};
	MDB_txn *txn;
	int r;

	if (!x)
		return -ENOTSUP;
	if (code && strlen(code) != LD_CREDIT_CODE_LEN)
		return -ENOENT;
	if (code)
		memcpy(w.code, code, LD_CREDIT_CODE_LEN);
	if ((r = ld_rd_txn(rd, &txn)) < 0)
		return r;
	r = ld_store_walk(txn, x->db, code ? &from : NULL, src_one, &w);
	ld_rd_txn_end(rd, txn);
	if (r == 1 && code)
		r = 0;
	if (r == 0)
		r = flush(&w);
	if (r == 0 && code && !w.found)
		r = -ENOENT;
	return r;
}

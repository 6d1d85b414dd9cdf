/* common/index/hidden.c: see hidden.h. */
#include <stdlib.h>
#include <string.h>

#include "common/base/errors.h"
#include "common/index/hidden.h"
#include "common/store/store_index.h"

struct hidden {
	MDB_dbi db;
};

#define HIDE_KEY_MAX (LD_NODE_ID_MAX + 1 + 4 + 8 + 8)

/* Only answers to joint actions are indexed: their content decides a
 * participant's state, and a participant may hold another's answer
 * redacted (older software addressed answers to the dispatcher only). */
static bool hidden_kind(uint32_t kind)
{
	return kind == LD__KIND__KIND_ACTION_RESPONSE;
}

static size_t hide_key(uint8_t *kb, const char *author, uint32_t kind, int64_t t, uint64_t seq)
{
	size_t l = strlen(author);

	memcpy(kb, author, l);
	kb[l] = '\0';
	ld_be32_put(kb + l + 1, kind);
	ld_be64_put(kb + l + 5, (uint64_t)t ^ (1ull << 63));
	ld_be64_put(kb + l + 13, seq);
	return l + 21;
}

static int hd_apply(void *ud, ld_store_t *s, ld_txn_t *t, const ld_entry_t *e,
		    const ProtobufCMessage *m)
{
	const struct hidden *x = ud;
	uint8_t kb[HIDE_KEY_MAX], vb[LD_AUDIENCE_MAX * (LD_NODE_ID_MAX + 1)];
	MDB_val k = {.mv_data = kb}, v = {.mv_data = vb};
	size_t n = 0;

	if (!hidden_kind(e->hdr->kind) || e->hdr->everyone)
		return 0;
	k.mv_size = hide_key(kb, e->hdr->author, e->hdr->kind, e->hdr->time_ms, e->hdr->seq);
	if (e->has_payload) {
		/* Read now (or filled in): no longer hidden. */
		return ld_txn_del(t, x->db, &k, NULL);
	}
	for (size_t i = 0; i < e->hdr->n_audience; i++) {
		size_t l = strlen(e->hdr->audience[i]) + 1;

		memcpy(vb + n, e->hdr->audience[i], l);
		n += l;
	}
	v.mv_size = n;
	return ld_txn_put(t, x->db, &k, &v, 0);
}

static int hd_open(void *ud, ld_store_t *s, ld_txn_t *t)
{
	struct hidden *x = ud;

	return ld_txn_dbi_open(t, "v_hide", MDB_CREATE, &x->db);
}

static int hd_drop(void *ud, ld_store_t *s, ld_txn_t *t)
{
	const struct hidden *x = ud;

	return ld_txn_drop(t, x->db);
}

static size_t hd_dbis(void *ud, MDB_dbi *out, size_t max)
{
	const struct hidden *x = ud;

	if (max < 1)
		return 0;
	out[0] = x->db;
	return 1;
}

static const ld_indexer_t hidden_indexer = {
	.name = "hidden",
	.open = hd_open,
	.apply = hd_apply,
	.drop = hd_drop,
	.dbis = hd_dbis,
	.free = free,
};

int ld_hidden_attach(ld_store_t *s)
{
	struct hidden *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	return ld_store_add_indexer(s, &hidden_indexer, x);
}

struct hide_walk {
	uint8_t prefix[LD_NODE_ID_MAX + 1 + 4];
	size_t plen;
	int (*cb)(void *ud, const ld_hidden_t *h);
	void *ud;
	bool ended;
};

static int hide_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct hide_walk *w = ud;
	const uint8_t *p = k->mv_data;
	const char *a = v->mv_data, *end = a + v->mv_size;
	ld_hidden_t h = {0};

	if (k->mv_size != w->plen + 16 || memcmp(p, w->prefix, w->plen) != 0) {
		w->ended = true;
		return 1;
	}
	h.time_ms = (int64_t)(ld_be64_get(p + w->plen) ^ (1ull << 63));
	h.seq = ld_be64_get(p + w->plen + 8);
	/* Names were written \0-terminated from a checked header. */
	while (a < end && h.n_aud < LD_AUDIENCE_MAX) {
		const char *nul = memchr(a, '\0', (size_t)(end - a));

		if (!nul)
			return -EIO;
		h.aud[h.n_aud++] = a;
		a = nul + 1;
	}
	return w->cb(w->ud, &h);
}

int ld_rd_foreach_hidden(const ld_rd_t *rd, const char *author, uint32_t kind, int64_t from_ms,
			 int (*cb)(void *ud, const ld_hidden_t *h), void *ud)
{
	const struct hidden *x = ld_store_indexer(rd->s, "hidden");
	struct hide_walk w = {.cb = cb, .ud = ud};
	uint8_t kb[HIDE_KEY_MAX];
	MDB_val from = {.mv_data = kb};
	MDB_txn *txn;
	int r;

	if (!ld_node_id_valid(author))
		return -EINVAL;
	from.mv_size = hide_key(kb, author, kind, from_ms, 0);
	w.plen = strlen(author) + 5;
	memcpy(w.prefix, kb, w.plen);
	if (!x)
		return -ENOTSUP;
	if ((r = ld_rd_txn(rd, &txn)) < 0)
		return r;
	r = ld_store_walk(txn, x->db, &from, hide_one, &w);
	ld_rd_txn_end(rd, txn);
	return w.ended ? 0 : r;
}

int ld_store_foreach_hidden(ld_store_t *s, const char *author, uint32_t kind, int64_t from_ms,
			    int (*cb)(void *ud, const ld_hidden_t *h), void *ud)
{
	return ld_rd_foreach_hidden(LD_RD(s), author, kind, from_ms, cb, ud);
}

/* common/hidden.c: see hidden.h. */
#include <string.h>

#include "common/errors.h"
#include "common/hidden.h"
#include "common/store_int.h"

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
	store_be32(kb + l + 1, kind);
	store_be64(kb + l + 5, (uint64_t)t ^ (1ull << 63));
	store_be64(kb + l + 13, seq);
	return l + 21;
}

int store_hidden_apply(ld_store_t *s, MDB_txn *txn, const ld_entry_t *e)
{
	uint8_t kb[HIDE_KEY_MAX], vb[LD_AUDIENCE_MAX * (LD_NODE_ID_MAX + 1)];
	MDB_val k = {.mv_data = kb}, v = {.mv_data = vb};
	size_t n = 0;
	int r;

	if (!hidden_kind(e->hdr->kind) || e->hdr->everyone)
		return 0;
	k.mv_size = hide_key(kb, e->hdr->author, e->hdr->kind, e->hdr->time_ms, e->hdr->seq);
	if (e->has_payload) {
		/* Read now (or filled in): no longer hidden. */
		r = store_mdb_err(mdb_del(txn, s->db_hidden, &k, NULL));
		return r == -ENOENT ? 0 : r;
	}
	for (size_t i = 0; i < e->hdr->n_audience; i++) {
		size_t l = strlen(e->hdr->audience[i]) + 1;

		memcpy(vb + n, e->hdr->audience[i], l);
		n += l;
	}
	v.mv_size = n;
	return store_mdb_err(mdb_put(txn, s->db_hidden, &k, &v, 0));
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
	h.time_ms = (int64_t)(store_get_be64(p + w->plen) ^ (1ull << 63));
	h.seq = store_get_be64(p + w->plen + 8);
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

int ld_store_foreach_hidden(ld_store_t *s, const char *author, uint32_t kind, int64_t from_ms,
			    int (*cb)(void *ud, const ld_hidden_t *h), void *ud)
{
	struct hide_walk w = {.cb = cb, .ud = ud};
	uint8_t kb[HIDE_KEY_MAX];
	MDB_val from = {.mv_data = kb};
	int r;

	if (!ld_node_id_valid(author))
		return -EINVAL;
	from.mv_size = hide_key(kb, author, kind, from_ms, 0);
	w.plen = strlen(author) + 5;
	memcpy(w.prefix, kb, w.plen);
	r = store_walk_read(s, s->db_hidden, &from, hide_one, &w);
	return w.ended ? 0 : r;
}

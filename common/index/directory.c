/* common/index/directory.c: see directory.h. */
#include <stdlib.h>
#include <string.h>

#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "common/index/directory.h"
#include "common/store/store_index.h"
#include "common/store/txn.h"
#include "entry.pb-c.h"

struct directory {
	MDB_dbi db;
};

static int dir_open(void *ud, ld_store_t *s, ld_txn_t *t)
{
	struct directory *x = ud;

	return ld_txn_dbi_open(t, "v_dir", MDB_CREATE, &x->db);
}

static int dir_apply(void *ud, ld_store_t *s, ld_txn_t *t, const ld_entry_t *e,
		     const ProtobufCMessage *m)
{
	const struct directory *x = ud;
	MDB_val k = {.mv_size = strlen(e->hdr->author), .mv_data = e->hdr->author}, v;
	uint8_t vb[8];
	int r;

	/* Only a directory this node may read (held with payload) is in force. */
	if (e->hdr->kind != LD__KIND__KIND_DIRECTORY_UPDATE || !m)
		return 0;
	r = ld_txn_get(t, x->db, &k, &v);
	if (r == 0 && v.mv_size == 8 && ld_be64_get(v.mv_data) >= e->hdr->seq)
		return 0;
	if (r < 0 && r != -ENOENT)
		return r;
	ld_be64_put(vb, e->hdr->seq);
	v = (MDB_val){.mv_size = sizeof(vb), .mv_data = vb};
	return ld_txn_put(t, x->db, &k, &v, 0);
}

static int dir_drop(void *ud, ld_store_t *s, ld_txn_t *t)
{
	const struct directory *x = ud;

	return ld_txn_drop(t, x->db);
}

static size_t dir_dbis(void *ud, MDB_dbi *out, size_t max)
{
	const struct directory *x = ud;

	if (max < 1)
		return 0;
	out[0] = x->db;
	return 1;
}

static const ld_indexer_t directory_indexer = {
	.name = "directory",
	.open = dir_open,
	.apply = dir_apply,
	.drop = dir_drop,
	.dbis = dir_dbis,
	.free = free,
};

int ld_directory_attach(ld_store_t *s)
{
	struct directory *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	return ld_store_add_indexer(s, &directory_indexer, x);
}

struct dir_walk {
	int (*cb)(void *ud, const char *unit, uint64_t seq);
	void *ud;
};

static int dir_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct dir_walk *w = ud;
	char unit[LD_NODE_ID_MAX + 1];

	if (k->mv_size == 0 || k->mv_size > LD_NODE_ID_MAX || v->mv_size != 8)
		return -EIO;
	memcpy(unit, k->mv_data, k->mv_size);
	unit[k->mv_size] = '\0';
	return w->cb(w->ud, unit, ld_be64_get(v->mv_data));
}

int ld_directory_foreach(const ld_rd_t *rd, int (*cb)(void *ud, const char *unit, uint64_t seq),
			 void *ud)
{
	const struct directory *x = ld_store_indexer(rd->s, "directory");
	struct dir_walk w = {cb, ud};
	MDB_txn *txn;
	int r;

	if (!x)
		return -ENOTSUP;
	if ((r = ld_rd_txn(rd, &txn)) < 0)
		return r;
	r = ld_store_walk(txn, x->db, NULL, dir_one, &w);
	ld_rd_txn_end(rd, txn);
	return r;
}

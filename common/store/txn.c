/* common/store/txn.c: see txn.h. */
#include <stdatomic.h>
#include <string.h>

#include "common/base/errors.h"
#include "common/store/txn.h"

int ld_txn_mdb_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
		return LD_TXN_EMAPFULL;
	case MDB_TXN_FULL:
		return -E2BIG;
	case MDB_READERS_FULL:
		return -EAGAIN;
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID:
		return LD_EVERSION;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_PANIC:
	case MDB_BAD_TXN:
		return -EIO;
	case MDB_MAP_RESIZED:
		return -EAGAIN;
	default:
		return rc > 0 ? -rc : -EIO;
	}
}

void ld_be32_put(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

void ld_be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

uint32_t ld_be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t ld_be64_get(const uint8_t *p)
{
	return (uint64_t)ld_be32_get(p) << 32 | ld_be32_get(p + 4);
}

int ld_txn_fail(ld_txn_t *t, int err)
{
	if (!t->err && err < 0)
		t->err = err;
	return t->err;
}

int ld_txn_check(ld_txn_t *t, int rc)
{
	if (t->err)
		return t->err;
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	return ld_txn_fail(t, ld_txn_mdb_err(rc));
}

static void cur_close(ld_txn_t *t)
{
	if (t->cur)
		mdb_cursor_close(t->cur);
	t->cur = NULL;
}

static _Atomic uint64_t rollbacks;

uint64_t ld_txn_rollbacks(void)
{
	return atomic_load(&rollbacks);
}

int ld_txn_begin(ld_txn_t *t, MDB_env *env, ld_txn_t *parent, unsigned flags)
{
	memset(t, 0, sizeof(*t));
	t->env = env;
	t->parent = parent;
	t->write = !(flags & MDB_RDONLY);
	if (parent && parent->err)
		return t->err = parent->err;
	return ld_txn_fail(
		t, ld_txn_mdb_err(mdb_txn_begin(env, parent ? parent->txn : NULL, flags, &t->txn)));
}

void ld_txn_abort(ld_txn_t *t)
{
	cur_close(t);
	if (t->txn) {
		mdb_txn_abort(t->txn);
		if (t->write)
			atomic_fetch_add(&rollbacks, 1);
	}
	t->txn = NULL;
}

int ld_txn_commit(ld_txn_t *t)
{
	if (!t->txn)
		return t->err;
	if (t->err) {
		ld_txn_abort(t);
		return t->err;
	}
	cur_close(t);
	/* mdb_txn_commit() frees the transaction, even when it fails. */
	if (ld_txn_fail(t, ld_txn_mdb_err(mdb_txn_commit(t->txn))) < 0 && t->write)
		atomic_fetch_add(&rollbacks, 1);
	t->txn = NULL;
	if (t->err && t->parent)
		ld_txn_fail(t->parent, t->err);
	return t->err;
}

int ld_txn_put(ld_txn_t *t, MDB_dbi dbi, const MDB_val *k, MDB_val *v, unsigned flags)
{
	MDB_val key;
	int rc;

	if (t->err)
		return t->err;
	if (!k->mv_data)
		return ld_txn_fail(t, -E2BIG);
	key = *k;
	rc = mdb_put(t->txn, dbi, &key, v, flags);
	if (rc == MDB_KEYEXIST && (flags & MDB_NOOVERWRITE))
		return -EEXIST;
	return ld_txn_fail(t, ld_txn_mdb_err(rc));
}

int ld_txn_get(ld_txn_t *t, MDB_dbi dbi, const MDB_val *k, MDB_val *v)
{
	MDB_val key;

	if (t->err)
		return t->err;
	if (!k->mv_data)
		return ld_txn_fail(t, -E2BIG);
	key = *k;
	return ld_txn_check(t, mdb_get(t->txn, dbi, &key, v));
}

int ld_txn_del(ld_txn_t *t, MDB_dbi dbi, const MDB_val *k, const MDB_val *v)
{
	MDB_val key, val;
	int r;

	if (t->err)
		return t->err;
	if (!k->mv_data)
		return ld_txn_fail(t, -E2BIG);
	key = *k;
	if (v)
		val = *v;
	r = ld_txn_check(t, mdb_del(t->txn, dbi, &key, v ? &val : NULL));
	return r == -ENOENT ? 0 : r;
}

int ld_txn_drop(ld_txn_t *t, MDB_dbi dbi)
{
	if (t->err)
		return t->err;
	if (t->cur && t->cur_dbi == dbi)
		cur_close(t);
	return ld_txn_fail(t, ld_txn_mdb_err(mdb_drop(t->txn, dbi, 0)));
}

int ld_txn_dbi_open(ld_txn_t *t, const char *name, unsigned flags, MDB_dbi *ret_dbi)
{
	if (t->err)
		return t->err;
	return ld_txn_fail(t, ld_txn_mdb_err(mdb_dbi_open(t->txn, name, flags, ret_dbi)));
}

bool ld_txn_has_prefix(const MDB_val *from, size_t plen, const MDB_val *key)
{
	if (plen == 0)
		return true;
	return key->mv_size >= plen && memcmp(key->mv_data, from->mv_data, plen) == 0;
}

/* Take the cursor's answer rc: a pair inside the prefix, the end, or an
 * error (recorded). */
static bool walk_at(ld_txn_t *t, int rc, const MDB_val *from, size_t plen)
{
	if (rc == MDB_NOTFOUND || (rc != 0 && ld_txn_check(t, rc) < 0))
		return false;
	return ld_txn_has_prefix(from, plen, &t->key);
}

bool ld_txn_seek(ld_txn_t *t, MDB_dbi dbi, const MDB_val *from, size_t plen)
{
	bool start = !from;

	if (t->err)
		return false;
	if (from && (!from->mv_data || plen > from->mv_size)) {
		/* An overflowed key (ld_kbuf_t), or a prefix longer than it. */
		ld_txn_fail(t, from->mv_data ? -EINVAL : -E2BIG);
		return false;
	}
	if (!start && from->mv_size == 0)
		start = true;
	if (t->cur && t->cur_dbi != dbi)
		cur_close(t);
	if (!t->cur && ld_txn_check(t, mdb_cursor_open(t->txn, dbi, &t->cur)) < 0) {
		t->cur = NULL;
		return false;
	}
	t->cur_dbi = dbi;
	if (start)
		return walk_at(t, mdb_cursor_get(t->cur, &t->key, &t->val, MDB_FIRST), NULL, 0);
	t->key = *from;
	return walk_at(t, mdb_cursor_get(t->cur, &t->key, &t->val, MDB_SET_RANGE), from, plen);
}

bool ld_txn_next(ld_txn_t *t, const MDB_val *from, size_t plen)
{
	if (t->err || !t->cur)
		return false;
	if (!from || from->mv_size == 0)
		plen = 0;
	return walk_at(t, mdb_cursor_get(t->cur, &t->key, &t->val, MDB_NEXT), from, plen);
}

int ld_txn_del_cur(ld_txn_t *t)
{
	if (t->err)
		return t->err;
	if (!t->cur)
		return ld_txn_fail(t, -EINVAL);
	return ld_txn_check(t, mdb_cursor_del(t->cur, 0));
}

/* --- key builders --- */

void ld_kbuf_init(ld_kbuf_t *k)
{
	k->len = 0;
	k->over = false;
}

void ld_kbuf_bytes(ld_kbuf_t *k, const void *p, size_t n)
{
	if (k->over || n > sizeof(k->b) - k->len) {
		k->over = true;
		return;
	}
	memcpy(k->b + k->len, p, n);
	k->len += n;
}

void ld_kbuf_str(ld_kbuf_t *k, const char *s)
{
	ld_kbuf_bytes(k, s, strlen(s));
}

void ld_kbuf_strz(ld_kbuf_t *k, const char *s)
{
	ld_kbuf_bytes(k, s, strlen(s) + 1);
}

void ld_kbuf_u8(ld_kbuf_t *k, uint8_t v)
{
	ld_kbuf_bytes(k, &v, 1);
}

void ld_kbuf_be32(ld_kbuf_t *k, uint32_t v)
{
	uint8_t b[4];

	ld_be32_put(b, v);
	ld_kbuf_bytes(k, b, sizeof(b));
}

void ld_kbuf_be64(ld_kbuf_t *k, uint64_t v)
{
	uint8_t b[8];

	ld_be64_put(b, v);
	ld_kbuf_bytes(k, b, sizeof(b));
}

MDB_val ld_kbuf_val(const ld_kbuf_t *k)
{
	if (k->over)
		return (MDB_val){0};
	return (MDB_val){.mv_size = k->len, .mv_data = (void *)k->b};
}

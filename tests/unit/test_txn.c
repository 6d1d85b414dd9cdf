/* tests/unit/test_txn.c: the transaction that carries its first error
 * (common/store/txn.h), on real LMDB environments in temporary directories.
 *
 * A failing put (a map too small: MDB_MAP_FULL; a key builder that
 * overflowed) is recorded; every later operation is skipped and returns
 * that same error; the commit aborts and returns it; nothing of the
 * transaction is stored. Then the same through the store: an indexer whose
 * put fails (and which does not even check it) aborts the whole write.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/base/errors.h"
#include "common/store/store_index.h"
#include "common/store/txn.h"
#include "testutil.h"

struct env_fx {
	char *dir;
	MDB_env *env;
	MDB_dbi a, b;
};

/* An environment of 'map' bytes with databases "a" and "b", and one pair
 * committed in "a" ("before" -> "1"). */
static void env_fx_open(struct env_fx *fx, size_t map)
{
	MDB_val k = {6, "before"}, v = {1, "1"};
	ld_txn_t t;

	fx->dir = tu_tmpdir("txn");
	assert_int_equal(mdb_env_create(&fx->env), 0);
	assert_int_equal(mdb_env_set_maxdbs(fx->env, 4), 0);
	assert_int_equal(mdb_env_set_mapsize(fx->env, map), 0);
	assert_int_equal(mdb_env_open(fx->env, fx->dir, 0, 0600), 0);
	assert_int_equal(ld_txn_begin(&t, fx->env, NULL, 0), 0);
	ld_txn_dbi_open(&t, "a", MDB_CREATE, &fx->a);
	ld_txn_dbi_open(&t, "b", MDB_CREATE, &fx->b);
	ld_txn_put(&t, fx->a, &k, &v, 0);
	assert_int_equal(ld_txn_commit(&t), 0);
}

static void env_fx_close(struct env_fx *fx)
{
	mdb_env_close(fx->env);
	tu_rmrf(fx->dir);
	free(fx->dir);
}

/* Number of pairs in 'dbi', read in a transaction of its own. */
static size_t db_count(MDB_env *env, MDB_dbi dbi)
{
	MDB_txn *txn;
	MDB_stat st;

	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_stat(txn, dbi, &st), 0);
	mdb_txn_abort(txn);
	return st.ms_entries;
}

static bool db_has(MDB_env *env, MDB_dbi dbi, const char *key)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	MDB_txn *txn;
	int rc;

	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	rc = mdb_get(txn, dbi, &k, &v);
	mdb_txn_abort(txn);
	assert_true(rc == 0 || rc == MDB_NOTFOUND);
	return rc == 0;
}

/* A map of 32 pages fills up: the put that does not fit records the map-full
 * code (the one the store grows the map on), everything after it is
 * skipped with that code (LMDB itself would now answer MDB_BAD_TXN, -EIO),
 * and the commit returns it and stores nothing. */
static void test_map_full_first_error(void **state)
{
	struct env_fx fx;
	static uint8_t big[1500];
	MDB_val k = {5, "first"}, v = {1, "x"};
	char key[32];
	size_t n = 0;
	ld_txn_t t;
	int r = 0;

	env_fx_open(&fx, 32 * 4096);
	assert_int_equal(ld_txn_begin(&t, fx.env, NULL, 0), 0);
	assert_int_equal(ld_txn_put(&t, fx.a, &k, &v, 0), 0);
	while (r == 0 && n < 1000) {
		MDB_val bk = {(size_t)snprintf(key, sizeof(key), "big%04zu", n), key};
		MDB_val bv = {sizeof(big), big};

		r = ld_txn_put(&t, fx.b, &bk, &bv, 0);
		n++;
	}
	assert_int_equal(r, LD_TXN_EMAPFULL);
	assert_int_equal(ld_txn_err(&t), LD_TXN_EMAPFULL);
	assert_true(n > 1); /* some fitted before */

	/* Skipped: the same first error from every operation. */
	k = (MDB_val){5, "later"};
	assert_int_equal(ld_txn_put(&t, fx.a, &k, &v, 0), LD_TXN_EMAPFULL);
	assert_int_equal(ld_txn_get(&t, fx.a, &k, &v), LD_TXN_EMAPFULL);
	assert_int_equal(ld_txn_del(&t, fx.a, &k, NULL), LD_TXN_EMAPFULL);
	assert_int_equal(ld_txn_drop(&t, fx.b), LD_TXN_EMAPFULL);
	assert_false(ld_txn_seek(&t, fx.a, NULL, 0));
	assert_int_equal(ld_txn_fail(&t, -EIO), LD_TXN_EMAPFULL);
	assert_int_equal(ld_txn_check(&t, MDB_CORRUPTED), LD_TXN_EMAPFULL);
	assert_int_equal(ld_txn_err(&t), LD_TXN_EMAPFULL);

	assert_int_equal(ld_txn_commit(&t), LD_TXN_EMAPFULL);
	assert_null(t.txn);
	assert_int_equal(ld_txn_commit(&t), LD_TXN_EMAPFULL); /* ended: says so again */
	ld_txn_abort(&t);				      /* and is harmless */

	/* Nothing of it is stored; what was there before is. */
	assert_false(db_has(fx.env, fx.a, "first"));
	assert_false(db_has(fx.env, fx.a, "later"));
	assert_int_equal(db_count(fx.env, fx.b), 0);
	assert_true(db_has(fx.env, fx.a, "before"));
	assert_int_equal(db_count(fx.env, fx.a), 1);
	env_fx_close(&fx);
}

/* A key built past LD_KBUF_MAX fails with -E2BIG before LMDB sees it; the
 * transaction itself is still sound, yet the puts after it are skipped and
 * the ones before it are not stored either. Answers (absent keys, a
 * refused MDB_NOOVERWRITE) are not failures. */
static void test_key_too_long_first_error(void **state)
{
	struct env_fx fx;
	char part[200];
	ld_kbuf_t kb;
	MDB_val k, v = {1, "x"};
	ld_txn_t t;

	env_fx_open(&fx, 1 << 20);
	assert_int_equal(ld_txn_begin(&t, fx.env, NULL, 0), 0);
	/* Answers first: none of them fails the transaction. */
	k = (MDB_val){6, "absent"};
	assert_int_equal(ld_txn_get(&t, fx.a, &k, &v), -ENOENT);
	assert_int_equal(ld_txn_del(&t, fx.a, &k, NULL), 0);
	k = (MDB_val){6, "before"};
	v = (MDB_val){1, "2"};
	assert_int_equal(ld_txn_put(&t, fx.a, &k, &v, MDB_NOOVERWRITE), -EEXIST);
	assert_int_equal(ld_txn_err(&t), 0);

	ld_kbuf_init(&kb);
	ld_kbuf_str(&kb, "k0");
	k = ld_kbuf_val(&kb);
	assert_int_equal(ld_txn_put(&t, fx.a, &k, &v, 0), 0);

	memset(part, 'p', sizeof(part) - 1);
	part[sizeof(part) - 1] = '\0';
	ld_kbuf_init(&kb);
	for (int i = 0; i < 3; i++)
		ld_kbuf_strz(&kb, part); /* 600 bytes: over */
	ld_kbuf_be64(&kb, 7);
	assert_true(kb.over);
	k = ld_kbuf_val(&kb);
	assert_int_equal(ld_txn_put(&t, fx.a, &k, &v, 0), -E2BIG);

	k = (MDB_val){2, "k2"};
	assert_int_equal(ld_txn_put(&t, fx.b, &k, &v, 0), -E2BIG);
	assert_int_equal(ld_txn_commit(&t), -E2BIG);

	assert_false(db_has(fx.env, fx.a, "k0"));
	assert_int_equal(db_count(fx.env, fx.b), 0);
	assert_int_equal(db_count(fx.env, fx.a), 1);
	env_fx_close(&fx);
}

/* Key builders give the store's big-endian layout; ld_txn_foreach walks a
 * prefix from a starting key, and ld_txn_del_cur deletes as it goes. */
static void test_kbuf_and_foreach(void **state)
{
	static const char *const ids[] = {"case-a", "case-b", "case-c"};
	struct env_fx fx;
	ld_kbuf_t kb;
	MDB_val k, v = {1, "v"};
	uint64_t seqs[8];
	size_t n = 0;
	ld_txn_t t;

	env_fx_open(&fx, 1 << 20);
	ld_kbuf_init(&kb);
	ld_kbuf_strz(&kb, "ab");
	ld_kbuf_be32(&kb, 0x01020304);
	ld_kbuf_u8(&kb, 9);
	ld_kbuf_be64(&kb, 5);
	assert_int_equal(kb.len, 3 + 4 + 1 + 8);
	assert_memory_equal(kb.b, "ab\0\1\2\3\4\x09\0\0\0\0\0\0\0\5", kb.len);

	assert_int_equal(ld_txn_begin(&t, fx.env, NULL, 0), 0);
	for (size_t i = 0; i < 3; i++)
		for (uint64_t seq = 1; seq <= 4; seq++) {
			ld_kbuf_init(&kb);
			ld_kbuf_strz(&kb, ids[i]);
			ld_kbuf_be64(&kb, seq);
			k = ld_kbuf_val(&kb);
			ld_txn_put(&t, fx.b, &k, &v, 0);
		}
	assert_int_equal(ld_txn_err(&t), 0);

	/* case-b from seq 2: 2, 3, 4 and nothing of case-c. */
	ld_kbuf_init(&kb);
	ld_kbuf_strz(&kb, "case-b");
	ld_kbuf_be64(&kb, 2);
	k = ld_kbuf_val(&kb);
	ld_txn_foreach(&t, fx.b, &k, strlen("case-b") + 1)
	{
		assert_int_equal(t.key.mv_size, 7 + 8);
		seqs[n++] = ld_be64_get((uint8_t *)t.key.mv_data + 7);
	}
	assert_int_equal(n, 3);
	assert_true(seqs[0] == 2 && seqs[1] == 3 && seqs[2] == 4);

	/* A whole prefix, deleting every other pair as it goes. */
	k = (MDB_val){7, "case-a"}; /* with its NUL */
	n = 0;
	ld_txn_foreach(&t, fx.b, &k, k.mv_size)
	{
		if (n++ % 2 == 0)
			assert_int_equal(ld_txn_del_cur(&t), 0);
	}
	assert_int_equal(n, 4);
	/* plen 0 and no start: everything left. */
	n = 0;
	ld_txn_foreach(&t, fx.b, NULL, 0) n++;
	assert_int_equal(n, 12 - 2);
	/* A prefix with nothing under it. */
	k = (MDB_val){4, "zzz"};
	assert_false(ld_txn_seek(&t, fx.b, &k, k.mv_size));
	assert_int_equal(ld_txn_err(&t), 0);
	assert_int_equal(ld_txn_commit(&t), 0);
	assert_int_equal(db_count(fx.env, fx.b), 10);
	env_fx_close(&fx);
}

/* A nested transaction's failure is its own: the child aborts with it, the
 * parent goes on and commits. A failed parent gives failed children. */
static void test_nested(void **state)
{
	struct env_fx fx;
	ld_txn_t t, c;
	ld_kbuf_t kb;
	MDB_val k = {1, "A"}, v = {1, "x"};

	env_fx_open(&fx, 1 << 20);
	assert_int_equal(ld_txn_begin(&t, fx.env, NULL, 0), 0);
	ld_txn_put(&t, fx.a, &k, &v, 0);
	assert_int_equal(ld_txn_begin(&c, fx.env, &t, 0), 0);
	k = (MDB_val){1, "B"};
	ld_txn_put(&c, fx.a, &k, &v, 0);
	ld_kbuf_init(&kb);
	kb.over = true;
	k = ld_kbuf_val(&kb);
	assert_int_equal(ld_txn_put(&c, fx.a, &k, &v, 0), -E2BIG);
	assert_int_equal(ld_txn_commit(&c), -E2BIG);
	assert_int_equal(ld_txn_err(&t), 0);
	assert_int_equal(ld_txn_commit(&t), 0);
	assert_true(db_has(fx.env, fx.a, "A"));
	assert_false(db_has(fx.env, fx.a, "B"));

	assert_int_equal(ld_txn_begin(&t, fx.env, NULL, 0), 0);
	assert_int_equal(ld_txn_fail(&t, -EIO), -EIO);
	assert_int_equal(ld_txn_begin(&c, fx.env, &t, 0), -EIO);
	assert_null(c.txn);
	assert_int_equal(ld_txn_commit(&c), -EIO);
	assert_int_equal(ld_txn_commit(&t), -EIO);
	env_fx_close(&fx);
}

/* --- through the store: an indexer that fails --- */

struct bad_ix {
	MDB_dbi db;
	bool fail;
	int applied;
};

static int bad_open(void *ud, ld_store_t *s, ld_txn_t *t)
{
	struct bad_ix *x = ud;

	return ld_txn_dbi_open(t, "t_bad", MDB_CREATE, &x->db);
}

/* Puts without looking at a single result, as indexers now may: a key
 * that overflows when 'fail' is set. Returns 0 whatever happened. */
static int bad_apply(void *ud, ld_store_t *s, ld_txn_t *t, const ld_entry_t *e,
		     const ProtobufCMessage *m)
{
	struct bad_ix *x = ud;
	MDB_val v = {1, "x"}, k;
	ld_kbuf_t kb;

	x->applied++;
	ld_kbuf_init(&kb);
	ld_kbuf_strz(&kb, e->hdr->author);
	ld_kbuf_be64(&kb, e->hdr->seq);
	k = ld_kbuf_val(&kb);
	ld_txn_put(t, x->db, &k, &v, 0);
	if (x->fail)
		kb.over = true;
	k = ld_kbuf_val(&kb);
	ld_txn_put(t, x->db, &k, &v, 0);
	return 0;
}

static int bad_drop(void *ud, ld_store_t *s, ld_txn_t *t)
{
	return ld_txn_drop(t, ((struct bad_ix *)ud)->db);
}

static size_t bad_dbis(void *ud, MDB_dbi *out, size_t max)
{
	if (max < 1)
		return 0;
	out[0] = ((struct bad_ix *)ud)->db;
	return 1;
}

static const ld_indexer_t bad_indexer = {
	.name = "bad",
	.open = bad_open,
	.apply = bad_apply,
	.drop = bad_drop,
	.dbis = bad_dbis,
	.free = free,
};

static void test_store_indexer_failure_aborts_write(void **state)
{
	tu_node_t root, w, other;
	tu_node_t *members[2] = {&w, &other};
	char *dir = tu_tmpdir("txnstore");
	ld_store_t *s;
	struct bad_ix *x = calloc(1, sizeof(*x));
	ld_append_req_t q = {.kind = LD__KIND__KIND_CASE_REFERRAL,
			     .everyone = true,
			     .payload = "p",
			     .payload_len = 1};
	ld_feed_head_t h;
	ld_entry_t *e;
	size_t n_new = 9;
	uint8_t d0[32], d1[32];

	assert_non_null(x);
	tu_node_init(&root, "root");
	tu_node_init(&w, "writer");
	tu_node_init(&other, "other");
	s = tu_store_with_roster(dir, &root, members, 2);
	assert_int_equal(ld_store_add_indexer(s, &bad_indexer, x), 0);
	assert_int_equal(ld_store_set_local(s, w.id, w.key), 0);

	/* The indexer's put fails: the append, the entry, the feed state and
	 * the indexer's own first put are all gone. */
	assert_int_equal(ld_store_index_digest(s, d0), 0);
	x->fail = true;
	assert_int_equal(ld_store_append(s, &q, 1, NULL), -E2BIG);
	assert_int_equal(x->applied, 1);
	assert_int_equal(ld_store_head(s, w.id, &h), -ENOENT);
	assert_int_equal(ld_store_index_digest(s, d1), 0);
	assert_memory_equal(d0, d1, sizeof(d0));

	/* In an ingest the failure is the batch's (its nested transaction):
	 * nothing of it is stored, the call itself commits. */
	e = tu_next(&other, LD__KIND__KIND_CASE_REFERRAL, "q", 1, NULL, 0);
	assert_int_equal(tu_ingest(s, &e, 1, LD_CHAIN_EACH_SIG, NULL, &n_new), -E2BIG);
	assert_int_equal(n_new, 0);
	assert_int_equal(ld_store_head(s, other.id, &h), -ENOENT);

	/* Once the indexer succeeds, so do both. */
	x->fail = false;
	assert_int_equal(ld_store_append(s, &q, 1, NULL), 0);
	assert_int_equal(ld_store_head(s, w.id, &h), 0);
	assert_int_equal(h.seq, 1);
	assert_int_equal(tu_ingest(s, &e, 1, LD_CHAIN_EACH_SIG, NULL, &n_new), 0);
	assert_int_equal(n_new, 1);
	assert_int_equal(ld_store_index_digest(s, d1), 0);
	assert_memory_not_equal(d0, d1, sizeof(d0));
	/* A reindex (drop, apply everything: the roster entries too, which
	 * arrived before this indexer) is a write like the others, and
	 * gives the same index twice. */
	assert_int_equal(ld_store_reindex(s), 0);
	assert_int_equal(ld_store_index_digest(s, d0), 0);
	assert_int_equal(ld_store_reindex(s), 0);
	assert_int_equal(ld_store_index_digest(s, d1), 0);
	assert_memory_equal(d0, d1, sizeof(d0));
	/* ... and a reindex that fails stores nothing of itself either. */
	x->fail = true;
	assert_int_equal(ld_store_reindex(s), -E2BIG);
	assert_int_equal(ld_store_index_digest(s, d1), 0);
	assert_memory_equal(d0, d1, sizeof(d0));

	ld_entry_destroy(&e);
	ld_store_destroy(&s);
	tu_node_fini(&root);
	tu_node_fini(&w);
	tu_node_fini(&other);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_full_first_error),
		cmocka_unit_test(test_key_too_long_first_error),
		cmocka_unit_test(test_kbuf_and_foreach),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_store_indexer_failure_aborts_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_store.c: the LMDB store of feeds: bootstrap from the root
 * key, ingest rules, replay, equivocation, roster, group commit, index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/base/errors.h"
#include "receipt.pb-c.h"
#include "roster.pb-c.h"
#include "testutil.h"

#define ADD LD__ROSTER_UPDATE__ACTION__ADD
#define REVOKE LD__ROSTER_UPDATE__ACTION__REVOKE
#define ROTATE LD__ROSTER_UPDATE__ACTION__ROTATE_KEY
#define REFERRAL LD__KIND__KIND_CASE_REFERRAL

typedef struct fixture {
	char *dir;
	tu_node_t root, a, b;
	ld_store_t *s;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof(*f));
	tu_node_t *members[2];

	f->dir = tu_tmpdir("store");
	tu_node_init(&f->root, "province");
	tu_node_init(&f->a, "county-a");
	tu_node_init(&f->b, "county-b");
	members[0] = &f->a;
	members[1] = &f->b;
	f->s = tu_store_with_roster(f->dir, &f->root, members, 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;

	ld_store_destroy(&f->s);
	tu_node_fini(&f->root);
	tu_node_fini(&f->a);
	tu_node_fini(&f->b);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void make_run(tu_node_t *n, ld_entry_t **run, size_t count)
{
	char buf[64];

	for (size_t i = 0; i < count; i++) {
		int len = snprintf(buf, sizeof(buf), "%s entry %zu", n->id, n->seq + 1);

		run[i] = tu_next(n, REFERRAL, buf, (size_t)len, NULL, 0);
	}
}

static uint64_t head_seq(ld_store_t *s, const char *feed)
{
	ld_feed_head_t h;

	return ld_store_head(s, feed, &h) == 0 ? h.seq : 0;
}

static void test_bootstrap_from_root_key(void **state)
{
	fixture_t *f = *state;
	Ld__RosterNode *n = NULL;
	ld_feed_head_t h;

	/* The store knew nothing but the root public key; the roster came in
	 * as ordinary entries of the root's feed. */
	assert_string_equal(ld_store_root_id(f->s), "province");
	assert_int_equal(ld_store_head(f->s, "province", &h), 0);
	assert_int_equal(h.seq, 3);
	assert_false(h.frozen);
	assert_int_equal(ld_store_roster_get(f->s, "county-a", &n), 0);
	assert_int_equal(n->n_keys, 1);
	assert_memory_equal(n->keys[0]->sign_key.data, f->a.pub, LD_PUBKEY_LEN);
	assert_string_equal(n->superior, "province");
	ld__roster_node__free_unpacked(n, NULL);
	assert_int_equal(ld_store_roster_get(f->s, "county-z", &n), -ENOENT);

	/* Reopen: the root id and roster are durable. */
	ld_store_destroy(&f->s);
	assert_int_equal(ld_views_open(f->dir, f->root.pub, NULL, &f->s), 0);
	assert_string_equal(ld_store_root_id(f->s), "province");
	assert_int_equal(ld_store_check_feed(f->s, "province", LD_CHAIN_EACH_SIG, NULL), 0);
}

static void test_root_feed_must_start_with_self(void **state)
{
	char *dir = tu_tmpdir("store");
	tu_node_t root, a;
	ld_entry_t *e;
	ld_store_t *s;

	tu_node_init(&root, "province");
	tu_node_init(&a, "county-a");
	assert_int_equal(ld_views_open(dir, root.pub, NULL, &s), 0);
	/* A root feed whose first entry is not the root adding itself cannot
	 * bootstrap a roster. */
	e = tu_roster(&root, ADD, "county-a", a.pub, "province", 0);
	assert_int_equal(tu_ingest(s, &e, 1, LD_CHAIN_EACH_SIG, NULL, NULL), LD_EMALFORMED);
	assert_null(ld_store_root_id(s));
	ld_entry_destroy(&e);
	/* Another feed before any roster: unknown author. */
	e = tu_next(&a, REFERRAL, "x", 1, NULL, 0);
	assert_int_equal(tu_ingest(s, &e, 1, LD_CHAIN_EACH_SIG, NULL, NULL), LD_EUNKNOWN);
	ld_entry_destroy(&e);
	ld_store_destroy(&s);
	/* Opening with another root key is refused: wrong deployment. */
	assert_int_equal(ld_views_open(dir, a.pub, NULL, &s), LD_EWRONGKEY);
	tu_node_fini(&root);
	tu_node_fini(&a);
	tu_rmrf(dir);
	free(dir);
}

static void test_ingest_and_replay(void **state)
{
	fixture_t *f = *state;
	ld_entry_t *run[50], *got;
	ld_feed_head_t h1, h2;
	size_t n_new, bad;
	uint64_t count;
	int64_t recv;

	make_run(&f->a, run, 50);
	assert_int_equal(tu_ingest(f->s, run, 30, LD_CHAIN_BATCH, &bad, &n_new), 0);
	assert_int_equal(n_new, 30);
	/* Overlapping run: 20 held, 20 new. */
	assert_int_equal(tu_ingest(f->s, run + 10, 40, LD_CHAIN_EACH_SIG, &bad, &n_new), 0);
	assert_int_equal(n_new, 20);
	assert_int_equal(ld_store_head(f->s, "county-a", &h1), 0);
	assert_int_equal(h1.seq, 50);
	assert_memory_equal(h1.id, run[49]->id, LD_ID_LEN);

	/* A replay changes nothing. */
	assert_int_equal(tu_ingest(f->s, run, 50, LD_CHAIN_BATCH, &bad, &n_new), 0);
	assert_int_equal(n_new, 0);
	assert_int_equal(ld_store_head(f->s, "county-a", &h2), 0);
	assert_int_equal(h2.seq, h1.seq);
	assert_memory_equal(h2.id, h1.id, LD_ID_LEN);
	assert_int_equal(ld_store_get(f->s, "county-a", 7, &got, &recv), 0);
	assert_memory_equal(got->id, run[6]->id, LD_ID_LEN);
	assert_memory_equal(got->payload, run[6]->payload, run[6]->payload_len);
	assert_true(recv > 0);
	ld_entry_destroy(&got);
	assert_int_equal(ld_store_get(f->s, "county-a", 51, &got, NULL), -ENOENT);

	assert_int_equal(ld_store_check_feed(f->s, "county-a", LD_CHAIN_EACH_SIG, &count), 0);
	assert_int_equal(count, 50);
	tu_free_run(run, 50);
}

static void test_rejections_distinct(void **state)
{
	fixture_t *f = *state;
	tu_node_t stranger;
	ld_entry_t *run[4], *e, *forged;
	size_t bad;

	make_run(&f->a, run, 4);
	/* Gap: 1, then 3. */
	assert_int_equal(tu_ingest(f->s, run, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(tu_ingest(f->s, run + 2, 1, LD_CHAIN_BATCH, NULL, NULL), LD_EGAP);
	/* Out of order inside a batch. */
	{
		ld_entry_t *swapped[2] = {run[2], run[1]};

		assert_int_equal(tu_ingest(f->s, swapped, 2, LD_CHAIN_BATCH, &bad, NULL), LD_EGAP);
		assert_int_equal(bad, 1);
	}
	/* An author outside the roster. */
	tu_node_init(&stranger, "county-x");
	e = tu_next(&stranger, REFERRAL, "x", 1, NULL, 0);
	assert_int_equal(tu_ingest(f->s, &e, 1, LD_CHAIN_BATCH, NULL, NULL), LD_EUNKNOWN);
	ld_entry_destroy(&e);
	/* A member's feed signed with someone else's key. */
	{
		tu_node_t impostor = stranger;

		snprintf(impostor.id, sizeof(impostor.id), "county-b");
		impostor.seq = 0;
		e = tu_next(&impostor, REFERRAL, "x", 1, NULL, 0);
		assert_int_equal(tu_ingest(f->s, &e, 1, LD_CHAIN_BATCH, NULL, NULL), LD_EWRONGKEY);
		ld_entry_destroy(&e);
	}
	/* A right-looking entry whose signature is forged. */
	{
		ld_entry_t *good = run[1];

		assert_int_equal(ld_entry_from_parts(good->header, good->header_len,
						     (uint8_t[LD_SIG_LEN]){1}, good->payload,
						     good->payload_len, &forged),
				 0);
		assert_int_equal(tu_ingest(f->s, &forged, 1, LD_CHAIN_BATCH, NULL, NULL),
				 LD_EBADSIG);
		ld_entry_destroy(&forged);
	}
	assert_int_equal(head_seq(f->s, "county-a"), 1);
	assert_int_equal(head_seq(f->s, "county-x"), 0);
	tu_node_fini(&stranger);
	tu_free_run(run, 4);
}

static void test_tampered_middle_rejects_batch(void **state)
{
	fixture_t *f = *state;
	ld_entry_t *run[10], *orig, *tampered;
	uint8_t sig[LD_SIG_LEN];
	size_t bad, n_new;

	make_run(&f->a, run, 10);
	orig = run[5];

	/* The middle signature changed: its id changes, so entry 7's link
	 * breaks even though only the last signature is checked. */
	memcpy(sig, orig->sig, LD_SIG_LEN);
	sig[0] ^= 0x40;
	assert_int_equal(ld_entry_from_parts(orig->header, orig->header_len, sig, orig->payload,
					     orig->payload_len, &tampered),
			 0);
	run[5] = tampered;
	assert_int_equal(tu_ingest(f->s, run, 10, LD_CHAIN_BATCH, &bad, &n_new), LD_ELINK);
	assert_int_equal(bad, 6);
	assert_int_equal(n_new, 0);
	assert_int_equal(head_seq(f->s, "county-a"), 0);
	/* Checked one by one, the bad signature itself is named. */
	assert_int_equal(tu_ingest(f->s, run, 10, LD_CHAIN_EACH_SIG, &bad, &n_new), LD_EBADSIG);
	assert_int_equal(bad, 5);
	assert_int_equal(head_seq(f->s, "county-a"), 0);
	ld_entry_destroy(&tampered);

	/* A redacted middle entry is fine (payload not needed to link). */
	assert_int_equal(
		ld_entry_from_parts(orig->header, orig->header_len, orig->sig, NULL, 0, &tampered),
		0);
	run[5] = tampered;
	assert_int_equal(tu_ingest(f->s, run, 10, LD_CHAIN_BATCH, &bad, &n_new), 0);
	assert_int_equal(n_new, 10);
	/* Received in full later: the payload is filled in, nothing else moves. */
	run[5] = orig;
	assert_int_equal(tu_ingest(f->s, run + 5, 1, LD_CHAIN_BATCH, &bad, &n_new), 0);
	assert_int_equal(n_new, 0);
	{
		ld_entry_t *got;

		assert_int_equal(ld_store_get(f->s, "county-a", 6, &got, NULL), 0);
		assert_true(got->has_payload);
		ld_entry_destroy(&got);
	}
	ld_entry_destroy(&tampered);
	tu_free_run(run, 10);
}

struct eq_seen {
	int count;
	uint8_t kept[LD_ID_LEN], other[LD_ID_LEN];
};

static int eq_cb(void *ud, const ld_equivocation_t *eq)
{
	struct eq_seen *s = ud;

	s->count++;
	memcpy(s->kept, eq->kept->id, LD_ID_LEN);
	memcpy(s->other, eq->other->id, LD_ID_LEN);
	return 0;
}

static void test_equivocation(void **state)
{
	fixture_t *f = *state;
	ld_entry_t *run[3], *evil, *next, *got;
	struct eq_seen seen = {0};
	ld_feed_head_t h;
	char *dir2;
	ld_store_t *s2;
	tu_node_t *members[] = {&f->a, &f->b};
	size_t bad;

	make_run(&f->a, run, 2);
	assert_int_equal(tu_ingest(f->s, run, 2, LD_CHAIN_BATCH, NULL, NULL), 0);
	/* county-a signs a second, different entry 2. */
	f->a.seq = 1;
	memcpy(f->a.head, run[0]->id, LD_ID_LEN);
	evil = tu_next(&f->a, REFERRAL, "other story", 11, NULL, 0);
	assert_int_equal(evil->hdr->seq, 2);
	assert_memory_not_equal(evil->id, run[1]->id, LD_ID_LEN);
	assert_int_equal(tu_ingest(f->s, &evil, 1, LD_CHAIN_BATCH, &bad, NULL), LD_EEQUIVOCATION);

	/* Proof kept, the first entry stays, the second is never applied. */
	assert_int_equal(ld_store_foreach_equivocation(f->s, eq_cb, &seen), 0);
	assert_int_equal(seen.count, 1);
	assert_memory_equal(seen.kept, run[1]->id, LD_ID_LEN);
	assert_memory_equal(seen.other, evil->id, LD_ID_LEN);
	assert_int_equal(ld_store_get(f->s, "county-a", 2, &got, NULL), 0);
	assert_memory_equal(got->id, run[1]->id, LD_ID_LEN);
	ld_entry_destroy(&got);
	assert_int_equal(ld_store_head(f->s, "county-a", &h), 0);
	assert_true(h.frozen);
	assert_int_equal(h.equivocation_seq, 2);
	/* Nothing is built on either branch. */
	next = tu_next(&f->a, REFERRAL, "more", 4, NULL, 0);
	assert_int_equal(tu_ingest(f->s, &next, 1, LD_CHAIN_BATCH, NULL, NULL), LD_EEQUIVOCATION);
	assert_int_equal(head_seq(f->s, "county-a"), 2);
	/* The same proof again adds nothing. */
	assert_int_equal(tu_ingest(f->s, &evil, 1, LD_CHAIN_BATCH, NULL, NULL), LD_EEQUIVOCATION);
	seen.count = 0;
	ld_store_foreach_equivocation(f->s, eq_cb, &seen);
	assert_int_equal(seen.count, 1);

	/* A proof passed on to another node freezes the feed there too. */
	dir2 = tu_tmpdir("store2");
	{
		tu_node_t root2 = f->root;

		root2.seq = 0;
		s2 = tu_store_with_roster(dir2, &root2, members, 2);
	}
	assert_int_equal(ld_store_add_proof(s2, run[1], evil), 0);
	assert_int_equal(ld_store_add_proof(s2, evil, run[1]), -EEXIST);
	assert_int_equal(ld_store_head(s2, "county-a", &h), 0);
	assert_true(h.frozen);
	assert_int_equal(tu_ingest(s2, run, 1, LD_CHAIN_BATCH, NULL, NULL), LD_EEQUIVOCATION);
	/* A "proof" with a forged side is refused. */
	{
		ld_entry_t *forged;

		ld_entry_from_parts(evil->header, evil->header_len, (uint8_t[LD_SIG_LEN]){7}, NULL,
				    0, &forged);
		assert_int_equal(ld_store_add_proof(f->s, run[1], forged), LD_EBADSIG);
		ld_entry_destroy(&forged);
	}
	ld_store_destroy(&s2);
	tu_rmrf(dir2);
	free(dir2);
	ld_entry_destroy(&evil);
	ld_entry_destroy(&next);
	tu_free_run(run, 2);
}

static void test_roster_revoke_and_rotate(void **state)
{
	fixture_t *f = *state;
	ld_entry_t *run[6], *upd, *e;
	tu_node_t newkey;
	char why[128];
	size_t bad;

	make_run(&f->a, run, 4);
	assert_int_equal(tu_ingest(f->s, run, 2, LD_CHAIN_BATCH, NULL, NULL), 0);
	/* Revoked after seq 3: entry 3 still counts, entry 4 does not. */
	upd = tu_roster(&f->root, REVOKE, "county-a", NULL, NULL, 3);
	assert_int_equal(tu_ingest(f->s, &upd, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	ld_entry_destroy(&upd);
	assert_int_equal(tu_ingest(f->s, run + 2, 2, LD_CHAIN_BATCH, &bad, NULL), LD_EREVOKED);
	assert_int_equal(tu_ingest(f->s, run + 2, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(head_seq(f->s, "county-a"), 3);
	tu_free_run(run, 4);

	/* county-b rotates its key from seq 3 on. */
	tu_node_init(&newkey, "county-b");
	make_run(&f->b, run, 2);
	upd = tu_roster(&f->root, ROTATE, "county-b", newkey.pub, NULL, 3);
	assert_int_equal(tu_ingest(f->s, &upd, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	ld_entry_destroy(&upd);
	/* Old key at seq 3: refused. */
	e = tu_fork(&f->b, REFERRAL, "old key", 7);
	assert_int_equal(tu_ingest(f->s, run, 2, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(tu_ingest(f->s, &e, 1, LD_CHAIN_BATCH, NULL, NULL), LD_EWRONGKEY);
	ld_entry_destroy(&e);
	/* New key at seq 3 and 4, in one batch with the rotation point. */
	newkey.seq = f->b.seq;
	memcpy(newkey.head, f->b.head, LD_ID_LEN);
	run[2] = tu_next(&newkey, REFERRAL, "new key 3", 9, NULL, 0);
	run[3] = tu_next(&newkey, REFERRAL, "new key 4", 9, NULL, 0);
	assert_int_equal(tu_ingest(f->s, run + 2, 2, LD_CHAIN_EACH_SIG, NULL, NULL), 0);
	assert_int_equal(head_seq(f->s, "county-b"), 4);
	assert_int_equal(ld_store_check_feed(f->s, "county-b", LD_CHAIN_EACH_SIG, NULL), 0);

	/* An invalid roster update is kept (signed history) but refused. */
	upd = tu_roster(&f->root, ADD, "county-b", newkey.pub, "province", 0);
	assert_int_equal(tu_ingest(f->s, &upd, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(head_seq(f->s, "province"), upd->hdr->seq);
	assert_int_equal(ld_store_refusal(f->s, "province", upd->hdr->seq, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "already a member"));
	assert_int_equal(ld_store_refusal(f->s, "province", 1, why, sizeof(why)), -ENOENT);
	ld_entry_destroy(&upd);
	tu_free_run(run, 4);
	tu_node_fini(&newkey);
}

static void test_group_commit_isolates_batches(void **state)
{
	fixture_t *f = *state;
	ld_entry_t *ra[5], *rb[5], *bad_entry;
	ld_ingest_batch_t b[3];

	make_run(&f->a, ra, 5);
	make_run(&f->b, rb, 5);
	/* Batch 2 is a's feed again but skips seq 1: a gap. */
	bad_entry = ra[4];
	memset(b, 0, sizeof(b));
	b[0] = (ld_ingest_batch_t){.entries = ra, .n = 4};
	b[1] = (ld_ingest_batch_t){.entries = rb + 1, .n = 4};
	b[2] = (ld_ingest_batch_t){.entries = &bad_entry, .n = 1};
	assert_int_equal(ld_store_ingest(f->s, b, 3, LD_CHAIN_BATCH), 0);
	assert_int_equal(b[0].status, 0);
	assert_int_equal(b[0].n_new, 4);
	assert_int_equal(b[1].status, LD_EGAP);
	assert_int_equal(b[1].n_new, 0);
	/* Batch 3 follows batch 1 inside the same transaction. */
	assert_int_equal(b[2].status, 0);
	assert_int_equal(head_seq(f->s, "county-a"), 5);
	assert_int_equal(head_seq(f->s, "county-b"), 0);
	tu_free_run(ra, 5);
	tu_free_run(rb, 5);
}

static void test_local_append_group_commit(void **state)
{
	fixture_t *f = *state;
	const char *aud[] = {"county-b"};
	ld_append_req_t q[8] = {{0}};
	ld_entry_ref_t refs[8];
	ld_entry_t *got;

	assert_int_equal(ld_store_append(f->s, q, 1, refs), -EINVAL); /* no local feed */
	assert_int_equal(ld_store_set_local(f->s, "county-a", f->a.key), 0);
	for (int i = 0; i < 8; i++)
		q[i] = (ld_append_req_t){.kind = REFERRAL,
					 .audience = aud,
					 .n_audience = 1,
					 .payload = "case",
					 .payload_len = 4};
	assert_int_equal(ld_store_append(f->s, q, 8, refs), 0);
	assert_int_equal(refs[7].seq, 8);
	assert_string_equal(refs[7].feed, "county-a");
	assert_int_equal(ld_store_get(f->s, "county-a", 8, &got, NULL), 0);
	assert_memory_equal(got->id, refs[7].id, LD_ID_LEN);
	assert_string_equal(got->hdr->audience[0], "county-b");
	assert_true(got->hdr->time_ms > 1700000000000);
	ld_entry_destroy(&got);
	/* One bad request: none of the group is written. */
	q[3].n_audience = LD_AUDIENCE_MAX + 1;
	assert_int_equal(ld_store_append(f->s, q, 8, refs), LD_ETOOBIG);
	assert_int_equal(head_seq(f->s, "county-a"), 8);
	assert_int_equal(ld_store_check_feed(f->s, "county-a", LD_CHAIN_EACH_SIG, NULL), 0);

	/* The root refuses to sign a roster update its roster would refuse. */
	assert_int_equal(ld_store_set_local(f->s, "province", f->root.key), 0);
	{
		ld_entry_t *dup = tu_roster(&f->root, ADD, "county-a", f->a.pub, "province", 0);
		ld_append_req_t r = {.kind = LD__KIND__KIND_ROSTER_UPDATE,
				     .everyone = true,
				     .payload = dup->payload,
				     .payload_len = dup->payload_len};
		uint64_t before = head_seq(f->s, "province");

		assert_int_equal(ld_store_append(f->s, &r, 1, NULL), -EINVAL);
		assert_int_equal(head_seq(f->s, "province"), before);
		ld_entry_destroy(&dup);
	}
	/* Nor can another key write as the root. */
	assert_int_equal(ld_store_set_local(f->s, "province", f->a.key), LD_EWRONGKEY);
}

static void test_map_growth_and_id_index(void **state)
{
	fixture_t *f = *state;
	ld_store_opts_t opts = {.map_size = 1 << 20};
	enum { N = 4000 };
	ld_entry_t **run = calloc(N, sizeof(*run));
	ld_entry_ref_t ref;
	size_t done, total = 0;
	uint8_t big[1500];

	ld_store_destroy(&f->s);
	assert_int_equal(ld_views_open(f->dir, f->root.pub, &opts, &f->s), 0);
	memset(big, 'x', sizeof(big));
	for (size_t i = 0; i < N; i++)
		run[i] = tu_next(&f->a, REFERRAL, big, sizeof(big), NULL, 0);
	/* ~6 MB into a 1 MiB map: it must grow, transparently. */
	assert_int_equal(tu_ingest(f->s, run, N, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_true(ld_store_map_size(f->s) > (1 << 20));
	assert_int_equal(head_seq(f->s, "county-a"), N);

	/* Found by id before the index catches up (tail scan) and after. */
	assert_int_equal(ld_store_find_id(f->s, run[1234]->id, &ref), 0);
	assert_string_equal(ref.feed, "county-a");
	assert_int_equal(ref.seq, 1235);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(ld_store_index_ids(f->s, 1000, &done), 0);
		total += done;
		if (done == 0)
			break;
	}
	assert_int_equal(done, 0);
	assert_true(total >= N);
	assert_int_equal(ld_store_find_id(f->s, run[N - 1]->id, &ref), 0);
	assert_int_equal(ref.seq, N);
	assert_memory_equal(ref.id, run[N - 1]->id, LD_ID_LEN);
	{
		uint8_t none[LD_ID_LEN] = {1, 2, 3};

		assert_int_equal(ld_store_find_id(f->s, none, &ref), -ENOENT);
	}
	tu_free_run(run, N);
	free(run);
}

struct rc_seen {
	int n;
	ld_receipt_t last;
};

static int rc_cb(void *ud, const ld_receipt_t *r)
{
	struct rc_seen *s = ud;

	s->n++;
	s->last = *r;
	return 0;
}

static void test_receipts_view(void **state)
{
	fixture_t *f = *state;
	Ld__DeliveryReceipt d = LD__DELIVERY_RECEIPT__INIT;
	Ld__EntryRef ref = LD__ENTRY_REF__INIT, *refs[] = {&ref};
	const char *to_a[] = {"county-a"};
	ld_entry_t *run[2], *rcpt;
	struct rc_seen seen = {0};
	uint8_t buf[256];
	size_t len;

	make_run(&f->a, run, 2);
	assert_int_equal(tu_ingest(f->s, run, 2, LD_CHAIN_BATCH, NULL, NULL), 0);
	ref.feed = "county-a";
	ref.has_seq = true;
	ref.seq = 2;
	ref.has_id = true;
	ref.id.data = run[1]->id;
	ref.id.len = LD_ID_LEN;
	d.n_entries = 1;
	d.entries = refs;
	d.has_received_ms = true;
	d.received_ms = 1764000001234;
	d.via = "province";
	len = ld__delivery_receipt__pack(&d, buf);
	rcpt = tu_next(&f->b, LD__KIND__KIND_DELIVERY_RECEIPT, buf, len, to_a, 1);
	assert_int_equal(tu_ingest(f->s, &rcpt, 1, LD_CHAIN_BATCH, NULL, NULL), 0);

	assert_int_equal(ld_store_foreach_receipt(f->s, "county-a", 2, rc_cb, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.last.receiver, "county-b");
	assert_int_equal(seen.last.receipt_seq, 1);
	assert_int_equal(seen.last.received_ms, 1764000001234);
	seen.n = 0;
	assert_int_equal(ld_store_foreach_receipt(f->s, "county-a", 1, rc_cb, &seen), 0);
	assert_int_equal(seen.n, 0);
	ld_entry_destroy(&rcpt);
	tu_free_run(run, 2);
}

static void test_single_process_lock(void **state)
{
	fixture_t *f = *state;
	ld_store_t *other = NULL;

	assert_int_equal(ld_views_open(f->dir, f->root.pub, NULL, &other), LD_EBUSY);
	assert_null(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bootstrap_from_root_key, setup, teardown),
		cmocka_unit_test(test_root_feed_must_start_with_self),
		cmocka_unit_test_setup_teardown(test_ingest_and_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejections_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_middle_rejects_batch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_equivocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roster_revoke_and_rotate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit_isolates_batches, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_local_append_group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_growth_and_id_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipts_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_process_lock, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_full.c: a store whose storage runs out.
 *
 * A full disk is simulated with RLIMIT_FSIZE: LMDB's writes past the limit
 * fail with EFBIG (SIGXFSZ is ignored) or come up short, which is what a full
 * file system does to them, and no root or special mount is needed. The limit
 * is this process's own; the teardown puts it back even if a test fails.
 *
 * Map growth is tested from a 1 MiB initial map that several MB outgrow, and
 * a map at its configured maximum must count as full storage.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/base/errors.h"
#include "roster.pb-c.h"
#include "testutil.h"

#define WRITER "writer"
#define OTHER "other"
#define MIB ((size_t)1 << 20)
#define HEADROOM (256u << 10) /* the file limit, above data.mdb when it is set */
#define TRIES_MAX 5000
#define GROUP_MAX 8
#define PAYLOAD_BUF 4096
#define RUNS 4	    /* batches per ingest call in the growth test */
#define RUN_LEN 200 /* entries per batch there */
#define BUDGET 50.0 /* s per loop, against one that never ends */

/* What a feed should hold: per seq (index seq - 1) the id and payload length;
 * the payload itself is regenerated from (tag, seq). */
typedef struct expect {
	uint8_t (*id)[LD_ID_LEN];
	size_t *len;
	uint64_t head;
	size_t cap;
	uint64_t tag;
} expect_t;

/* Everything a failed assertion would otherwise leak; freed by teardown. */
struct full_fx {
	char *dir;
	tu_node_t root, writer, other;
	ld_store_t *s;
	expect_t xw, xo;	/* the writer's (local) and other's (received) feeds */
	ld_entry_t **run[RUNS]; /* built, not yet ingested */
	size_t run_n[RUNS];
	bool passed; /* else the data dir is kept, to look at */
};

static struct rlimit saved_fsize;
static void (*saved_xfsz)(int);
static bool limited;

/* Limit the size of any file this process writes to 'bytes'. */
static void fsize_limit(rlim_t bytes)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < bytes)
		fail_msg("hard RLIMIT_FSIZE %llu is below the %llu needed",
			 (unsigned long long)rl.rlim_max, (unsigned long long)bytes);
	if (!limited) {
		saved_fsize = rl;
		saved_xfsz = signal(SIGXFSZ, SIG_IGN);
		assert_true(saved_xfsz != SIG_ERR);
		limited = true;
	}
	rl.rlim_cur = bytes;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static void fsize_unlimit(void)
{
	if (!limited)
		return;
	if (setrlimit(RLIMIT_FSIZE, &saved_fsize) < 0)
		abort(); /* the rest of the run would write through a limit */
	signal(SIGXFSZ, saved_xfsz);
	limited = false;
}

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The payload of entry 'seq' of the feed tagged 'tag'. */
static void payload_fill(uint8_t *buf, size_t len, uint64_t tag, uint64_t seq)
{
	uint64_t st = tag << 40 ^ seq;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t x = mix(st += 0x9e3779b97f4a7c15ull);

		memcpy(buf + i, &x, len - i < 8 ? len - i : 8);
	}
}

static void expect_push(expect_t *x, const uint8_t id[LD_ID_LEN], size_t len)
{
	if (x->head == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 256;
		x->id = realloc(x->id, x->cap * sizeof(*x->id));
		x->len = realloc(x->len, x->cap * sizeof(*x->len));
		if (!x->id || !x->len)
			abort();
	}
	memcpy(x->id[x->head], id, LD_ID_LEN);
	x->len[x->head] = len;
	x->head++;
}

static void expect_free(expect_t *x)
{
	free(x->id);
	free(x->len);
	x->id = NULL;
	x->len = NULL;
	x->head = x->cap = 0;
}

/* Append n entries of 'len' payload bytes to the local feed in one call and,
 * if that succeeded, add them to 'x'. Returns what ld_store_append() did. */
static int append_group(ld_store_t *s, expect_t *x, size_t n, size_t len)
{
	static uint8_t buf[GROUP_MAX][PAYLOAD_BUF];
	ld_append_req_t reqs[GROUP_MAX];
	ld_entry_ref_t refs[GROUP_MAX];
	int r;

	assert_true(n > 0 && n <= GROUP_MAX && len <= PAYLOAD_BUF);
	for (size_t i = 0; i < n; i++) {
		payload_fill(buf[i], len, x->tag, x->head + 1 + i);
		reqs[i] = (ld_append_req_t){
			.kind = LD__KIND__KIND_CASE_REFERRAL,
			.everyone = true,
			.payload = buf[i],
			.payload_len = len,
		};
	}
	r = ld_store_append(s, reqs, n, refs);
	for (size_t i = 0; r == 0 && i < n; i++) {
		assert_int_equal(refs[i].seq, x->head + 1);
		assert_string_equal(refs[i].feed, WRITER);
		expect_push(x, refs[i].id, len);
	}
	return r;
}

/* Build the next n entries of 'node' into fx->run[slot] without storing
 * them: payloads of 'len' bytes, or of 256..3072 drawn from *lens_seed. */
static ld_entry_t **build_run(struct full_fx *fx, int slot, tu_node_t *node, uint64_t tag, size_t n,
			      size_t len, uint64_t *lens_seed)
{
	static uint8_t buf[PAYLOAD_BUF];

	assert_null(fx->run[slot]);
	fx->run[slot] = calloc(n, sizeof(*fx->run[slot]));
	assert_non_null(fx->run[slot]);
	fx->run_n[slot] = n;
	for (size_t i = 0; i < n; i++) {
		size_t l = lens_seed ? 256 + mix((*lens_seed)++) % (3072 - 256 + 1) : len;

		assert_true(l <= PAYLOAD_BUF);
		payload_fill(buf, l, tag, node->seq + 1);
		fx->run[slot][i] = tu_next(node, LD__KIND__KIND_CASE_REFERRAL, buf, l, NULL, 0);
	}
	return fx->run[slot];
}

static void free_run(struct full_fx *fx, int slot)
{
	if (!fx->run[slot])
		return;
	tu_free_run(fx->run[slot], fx->run_n[slot]);
	free(fx->run[slot]);
	fx->run[slot] = NULL;
	fx->run_n[slot] = 0;
}

/* fx->run[slot] was stored: expect it, and let it go. */
static void expect_run(struct full_fx *fx, expect_t *x, int slot)
{
	for (size_t i = 0; i < fx->run_n[slot]; i++) {
		assert_int_equal(fx->run[slot][i]->hdr->seq, x->head + 1);
		expect_push(x, fx->run[slot][i]->id, fx->run[slot][i]->payload_len);
	}
	free_run(fx, slot);
}

/* The store holds exactly what 'x' says of 'feed': the head, every entry
 * with its payload, and the whole chain verifies signature by signature. */
static void verify_feed(ld_store_t *s, const char *feed, const expect_t *x)
{
	static uint8_t buf[PAYLOAD_BUF];
	ld_feed_head_t h;
	uint64_t count = 0;
	int r;

	assert_int_equal(ld_store_head(s, feed, &h), 0);
	assert_int_equal(h.seq, x->head);
	assert_false(h.frozen);
	for (uint64_t seq = 1; seq <= x->head; seq++) {
		ld_entry_t *e = NULL;
		bool same;

		r = ld_store_get(s, feed, seq, &e, NULL);
		if (r != 0)
			fail_msg("%s %" PRIu64 ": %s", feed, seq, ld_strerror(r));
		payload_fill(buf, x->len[seq - 1], x->tag, seq);
		same = memcmp(e->id, x->id[seq - 1], LD_ID_LEN) == 0 && e->has_payload &&
		       e->payload_len == x->len[seq - 1] &&
		       memcmp(e->payload, buf, e->payload_len) == 0;
		ld_entry_destroy(&e);
		if (!same)
			fail_msg("%s %" PRIu64 ": not the entry that was stored", feed, seq);
	}
	r = ld_store_check_feed(s, feed, LD_CHAIN_EACH_SIG, &count);
	if (r != 0)
		fail_msg("%s: chain does not verify: %s", feed, ld_strerror(r));
	assert_int_equal(count, x->head);
}

static off_t data_size(const char *dir)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* Open fx->s in a new dir with a 1 MiB map growing up to 'map_max' (0: the
 * default), ingest the roster (root, writer, other) and make the writer the
 * local feed. */
static void open_small(struct full_fx *fx, size_t map_max)
{
	ld_store_opts_t opts = {.map_size = MIB, .map_size_max = map_max};
	tu_node_t *root = &fx->root;
	ld_entry_t *run[3];
	int r;

	assert_int_equal(ld_views_open(fx->dir, root->pub, &opts, &fx->s), 0);
	assert_int_equal(ld_store_map_size(fx->s), MIB);
	run[0] = tu_roster(root, LD__ROSTER_UPDATE__ACTION__ADD, root->id, root->pub, NULL, 0);
	run[1] = tu_roster(root, LD__ROSTER_UPDATE__ACTION__ADD, fx->writer.id, fx->writer.pub,
			   root->id, 0);
	run[2] = tu_roster(root, LD__ROSTER_UPDATE__ACTION__ADD, fx->other.id, fx->other.pub,
			   root->id, 0);
	r = tu_ingest(fx->s, run, 3, LD_CHAIN_EACH_SIG, NULL, NULL);
	tu_free_run(run, 3);
	assert_int_equal(r, 0);
	assert_int_equal(ld_store_set_local(fx->s, fx->writer.id, fx->writer.key), 0);
}

static int setup_full(void **state)
{
	struct full_fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	tu_node_init(&fx->root, "root");
	tu_node_init(&fx->writer, WRITER);
	tu_node_init(&fx->other, OTHER);
	fx->xw.tag = 1;
	fx->xo.tag = 2;
	fx->dir = tu_tmpdir("full");
	*state = fx;
	return 0;
}

static int teardown_full(void **state)
{
	struct full_fx *fx = *state;

	fsize_unlimit();
	ld_store_destroy(&fx->s);
	for (int i = 0; i < RUNS; i++)
		free_run(fx, i);
	expect_free(&fx->xw);
	expect_free(&fx->xo);
	if (fx->passed)
		tu_rmrf(fx->dir);
	else
		fprintf(stderr, "full: data dir kept: %s\n", fx->dir);
	free(fx->dir);
	tu_node_fini(&fx->other);
	tu_node_fini(&fx->writer);
	tu_node_fini(&fx->root);
	free(fx);
	return 0;
}

/* The disk refuses writes: LD_ENOSPACE, nothing of that call stored, all
 * that was stored before intact and readable, and writes work again once
 * there is room, on the same open store. */
static void test_disk_full(void **state)
{
	struct full_fx *fx = *state;
	ld_store_opts_t opts = {.map_size = MIB};
	ld_ingest_batch_t b;
	ld_entry_t **run;
	double start = tu_now();
	uint64_t head_full;
	size_t ok_limited = 0, n_run = 64;
	rlim_t limit;
	int r = 0;

	open_small(fx, 0);
	/* History of both kinds, local and received, to lose if anything below
	 * goes wrong. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(append_group(fx->s, &fx->xw, 1 + i % 3, 1000), 0);
	run = build_run(fx, 0, &fx->other, fx->xo.tag, 20, 1000, NULL);
	assert_int_equal(tu_ingest(fx->s, run, 20, LD_CHAIN_EACH_SIG, NULL, NULL), 0);
	expect_run(fx, &fx->xo, 0);

	limit = (rlim_t)data_size(fx->dir) + HEADROOM;
	fsize_limit(limit);
	for (int i = 0; i < TRIES_MAX && tu_now() - start < BUDGET; i++) {
		if ((r = append_group(fx->s, &fx->xw, 1, 2000)) != 0)
			break;
		ok_limited++;
	}
	if (r != LD_ENOSPACE)
		fail_msg("append at the file limit: %d (%s), want LD_ENOSPACE after %zu appends", r,
			 ld_strerror(r), ok_limited);
	assert_non_null(strstr(ld_strerror(r), "storage full"));
	/* It was the limit that stopped the appends, and only once reached. */
	assert_true(ok_limited >= 8);
	assert_true(data_size(fx->dir) <= (off_t)limit);
	head_full = fx->xw.head;

	/* Still full: all committed reads back and verifies, and every further
	 * write fails the same way and stores nothing. */
	verify_feed(fx->s, WRITER, &fx->xw);
	verify_feed(fx->s, OTHER, &fx->xo);
	for (int i = 0; i < 3; i++) {
		r = append_group(fx->s, &fx->xw, GROUP_MAX, 3000);
		assert_int_equal(r, LD_ENOSPACE);
		assert_int_equal(fx->xw.head, head_full);
	}
	run = build_run(fx, 0, &fx->other, fx->xo.tag, n_run, 3000, NULL);
	b = (ld_ingest_batch_t){.entries = run, .n = n_run};
	r = ld_store_ingest(fx->s, &b, 1, LD_CHAIN_EACH_SIG);
	assert_int_equal(r, LD_ENOSPACE);
	assert_int_equal(b.status, LD_ENOSPACE);
	assert_int_equal(b.n_new, 0);
	verify_feed(fx->s, WRITER, &fx->xw);
	verify_feed(fx->s, OTHER, &fx->xo);

	/* Room again: the same store object takes writes; the refused run is
	 * taken whole this time. */
	fsize_unlimit();
	assert_int_equal(append_group(fx->s, &fx->xw, 5, 2000), 0);
	assert_int_equal(fx->xw.head, head_full + 5);
	b = (ld_ingest_batch_t){.entries = run, .n = n_run};
	assert_int_equal(ld_store_ingest(fx->s, &b, 1, LD_CHAIN_EACH_SIG), 0);
	assert_int_equal(b.status, 0);
	assert_int_equal(b.n_new, n_run);
	assert_int_equal(b.n_dup, 0);
	expect_run(fx, &fx->xo, 0);
	verify_feed(fx->s, WRITER, &fx->xw);
	verify_feed(fx->s, OTHER, &fx->xo);
	assert_true(data_size(fx->dir) > (off_t)limit);

	/* And it is all on disk, not only in this process. */
	ld_store_destroy(&fx->s);
	assert_int_equal(ld_views_open(fx->dir, fx->root.pub, &opts, &fx->s), 0);
	verify_feed(fx->s, WRITER, &fx->xw);
	verify_feed(fx->s, OTHER, &fx->xo);
	assert_int_equal(ld_store_check_feed(fx->s, fx->root.id, LD_CHAIN_EACH_SIG, NULL), 0);

	printf("full: LD_ENOSPACE after %zu appends at a %llu-byte file limit; %" PRIu64
	       " + %" PRIu64 " entries intact, %.1f s\n",
	       ok_limited, (unsigned long long)limit, fx->xw.head, fx->xo.head, tu_now() - start);
	fx->passed = true;
}

/* Several MB received in big group commits into a 1 MiB map: the first call
 * alone outgrows it by more than one doubling. */
static void test_map_growth_ingest(void **state)
{
	struct full_fx *fx = *state;
	ld_store_opts_t opts = {.map_size = MIB};
	uint64_t lens_seed = 7, bytes = 0;
	double start = tu_now();
	size_t map_grown;

	open_small(fx, 0);
	for (int call = 0; call < 6; call++) {
		ld_ingest_batch_t b[RUNS];
		int r;

		for (int i = 0; i < RUNS; i++) {
			ld_entry_t **run =
				build_run(fx, i, &fx->other, fx->xo.tag, RUN_LEN, 0, &lens_seed);

			b[i] = (ld_ingest_batch_t){.entries = run, .n = RUN_LEN};
			for (size_t j = 0; j < RUN_LEN; j++)
				bytes += run[j]->payload_len;
		}
		r = ld_store_ingest(fx->s, b, RUNS, LD_CHAIN_BATCH);
		if (r != 0)
			fail_msg("ingest call %d at map %zu: %d (%s)", call,
				 ld_store_map_size(fx->s), r, ld_strerror(r));
		for (int i = 0; i < RUNS; i++) {
			assert_int_equal(b[i].status, 0);
			assert_int_equal(b[i].n_new, RUN_LEN);
			expect_run(fx, &fx->xo, i);
		}
		/* 1 MiB -> 2 -> 4 within the first call. */
		if (call == 0)
			assert_true(ld_store_map_size(fx->s) >= 4 * MIB);
	}
	assert_true(bytes > 6 * MIB);
	map_grown = ld_store_map_size(fx->s);
	assert_true((off_t)map_grown >= data_size(fx->dir));
	verify_feed(fx->s, OTHER, &fx->xo);

	/* Reopened with the small map asked for again, the store takes the
	 * size the data needs, and keeps growing from there. */
	ld_store_destroy(&fx->s);
	assert_int_equal(ld_views_open(fx->dir, fx->root.pub, &opts, &fx->s), 0);
	assert_true((off_t)ld_store_map_size(fx->s) >= data_size(fx->dir));
	assert_int_equal(ld_store_set_local(fx->s, fx->writer.id, fx->writer.key), 0);
	for (int i = 0; i < 40; i++) {
		int r = append_group(fx->s, &fx->xw, GROUP_MAX, 3000);

		if (r != 0)
			fail_msg("append %d after reopen at map %zu: %d (%s)", i,
				 ld_store_map_size(fx->s), r, ld_strerror(r));
	}
	assert_true((off_t)ld_store_map_size(fx->s) >= data_size(fx->dir));
	verify_feed(fx->s, WRITER, &fx->xw);
	verify_feed(fx->s, OTHER, &fx->xo);
	assert_int_equal(ld_store_check_feed(fx->s, fx->root.id, LD_CHAIN_EACH_SIG, NULL), 0);
	printf("full: %" PRIu64 " payload bytes ingested, map 1 MiB -> %zu; after reopen %zu, "
	       "%" PRIu64 " + %" PRIu64 " entries, %.1f s\n",
	       bytes, map_grown, ld_store_map_size(fx->s), fx->xw.head, fx->xo.head,
	       tu_now() - start);
	fx->passed = true;
}

/* One entry per call across the first growths of a 1 MiB map: a transaction
 * meets MDB_MAP_FULL wherever the map's edge falls, in its body or in its
 * commit, and every such call must still succeed. */
static void test_map_growth_appends(void **state)
{
	struct full_fx *fx = *state;
	double start = tu_now();
	size_t grown_at = 0, growths = 0;

	open_small(fx, 0);
	for (int i = 0; i < 1500 && tu_now() - start < BUDGET; i++) {
		size_t before = ld_store_map_size(fx->s);
		int r = append_group(fx->s, &fx->xw, 1, 1500 + (size_t)(i % 7) * 150);

		if (r != 0)
			fail_msg("append of entry %" PRIu64 " at map %zu: %d (%s)", fx->xw.head + 1,
				 before, r, ld_strerror(r));
		if (ld_store_map_size(fx->s) > before) {
			growths++;
			if (!grown_at)
				grown_at = fx->xw.head;
		}
	}
	assert_true(growths >= 2);
	assert_true((off_t)ld_store_map_size(fx->s) >= data_size(fx->dir));
	verify_feed(fx->s, WRITER, &fx->xw);
	printf("full: %" PRIu64 " single appends grew the map %zu times to %zu bytes "
	       "(first at entry %zu), %.1f s\n",
	       fx->xw.head, growths, ld_store_map_size(fx->s), grown_at, tu_now() - start);
	fx->passed = true;
}

/* A map at its configured maximum is full storage too: LD_ENOSPACE, nothing
 * of the call stored, and a reopen with a larger maximum goes on. */
static void test_map_max(void **state)
{
	struct full_fx *fx = *state;
	ld_store_opts_t opts = {.map_size = MIB, .map_size_max = 8 * MIB};
	double start = tu_now();
	uint64_t head_full;
	int r = 0;

	open_small(fx, 2 * MIB);
	for (int i = 0; i < TRIES_MAX && tu_now() - start < BUDGET; i++)
		if ((r = append_group(fx->s, &fx->xw, 1 + i % GROUP_MAX, 1200)) != 0)
			break;
	if (r != LD_ENOSPACE)
		fail_msg("append at the map maximum: %d (%s), want LD_ENOSPACE", r, ld_strerror(r));
	assert_int_equal(ld_store_map_size(fx->s), 2 * MIB);
	head_full = fx->xw.head;
	assert_true(head_full > 100);
	assert_int_equal(append_group(fx->s, &fx->xw, GROUP_MAX, 1200), LD_ENOSPACE);
	assert_int_equal(fx->xw.head, head_full);
	verify_feed(fx->s, WRITER, &fx->xw);
	ld_store_destroy(&fx->s);

	assert_int_equal(ld_views_open(fx->dir, fx->root.pub, &opts, &fx->s), 0);
	assert_int_equal(ld_store_set_local(fx->s, fx->writer.id, fx->writer.key), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(append_group(fx->s, &fx->xw, GROUP_MAX, 1200), 0);
	assert_true(ld_store_map_size(fx->s) > 2 * MIB);
	verify_feed(fx->s, WRITER, &fx->xw);
	printf("full: map maximum reached at %" PRIu64 " entries, %" PRIu64 " after raising it, "
	       "%.1f s\n",
	       head_full, fx->xw.head, tu_now() - start);
	fx->passed = true;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_disk_full, setup_full, teardown_full),
		cmocka_unit_test_setup_teardown(test_map_growth_ingest, setup_full, teardown_full),
		cmocka_unit_test_setup_teardown(test_map_growth_appends, setup_full, teardown_full),
		cmocka_unit_test_setup_teardown(test_map_max, setup_full, teardown_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/bench/bench_store.c: the foundation benchmark of the store.
 *
 * One run measures, on 512-byte payloads, against a store that already holds
 * --entries (default 1,000,000) entries spread over 100 feeds:
 *   1. raw Ed25519 verify and sign rates (ld_pubkey_verify, ld_key_sign), the
 *      reference every other figure is compared with;
 *   2. durable ingest with a signature check per entry (LD_CHAIN_EACH_SIG);
 *   3. durable ingest with batch authentication (LD_CHAIN_BATCH);
 *   4. own-feed appends with group commit (ld_store_append, 256 per call);
 *   5. latency of a single durable append (n = 1), median and p99.
 * Ingested entries are pre-signed and pre-serialised; the timed section parses
 * them from wire bytes (ld_entry_parse), as a receiving node does, and hands
 * --per-call of them to each ld_store_ingest() call (one durable commit).
 *
 * Realism: the measured feeds and the local feed get their first entry BEFORE
 * the preload, so their feed numbers are low and every measured write lands in
 * the middle of the entries tree, not on LMDB's MDB_APPEND fast path that only
 * the newest feed enjoys. Durability is LMDB's default (sync on commit). The id
 * index is deferred (ld_store_index_ids() is never called here).
 *
 * The machine is shared and drifts by 10-30%, so each ratio is taken against
 * a reference (raw verify or sign) timed interleaved with the measurement.
 *
 * Prints PASS/FAIL against the targets; exits 0 unless an API call failed.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/base/errors.h"
#include "testutil.h"

#define PAYLOAD_LEN 512
#define MFEEDS 4      /* measured feeds per ingest mode */
#define PRE_FEEDS 100 /* preload feeds (fewer if --entries is tiny) */
#define GROUP_APPEND 256
#define LAT_SAMPLES 500
#define KIND LD__KIND__KIND_EVIDENCE_RECORD
#define MARKER "bench-store.txt"
#define MARKER_MAGIC "liandong bench_store v1"

#define TARGET_EACH 0.85
#define TARGET_BATCH 15.0
#define TARGET_APPEND_MS 2.0

static const char *const audience[] = {"cn-330000-province", "cn-330102-county"};

static void fail(const char *what, int r)
{
	fprintf(stderr, "bench_store: %s failed: %d (%s)\n", what, r, ld_strerror(r));
	exit(2);
}

#define CHECK(call)                                                                                \
	do {                                                                                       \
		int r_ = (call);                                                                   \
		if (r_ < 0)                                                                        \
			fail(#call, r_);                                                           \
	} while (0)

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		fail("calloc", -ENOMEM);
	return p;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fill_payload(uint8_t *p, uint64_t salt)
{
	uint64_t x = salt * 0x9e3779b97f4a7c15ull + 1;

	for (size_t i = 0; i < PAYLOAD_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
}

/* The next entry of n's feed: 512-byte payload, a two-node audience. */
static ld_entry_t *next_entry(tu_node_t *n)
{
	uint8_t payload[PAYLOAD_LEN];

	fill_payload(payload, n->seq + 1 + ((uint64_t)n->pub[0] << 40));
	return tu_next(n, KIND, payload, sizeof(payload), audience, 2);
}

/* ---- options ---------------------------------------------------------- */

typedef struct opts {
	size_t entries, measure, per_call, appends;
	const char *dir;
	bool keep, entries_set;
} opts_t;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_store [options]\n"
		"  --entries N   entries preloaded into the store before measuring (default 1000000,\n"
		"                spread over %d feeds)\n"
		"  --measure N   entries per ingest measurement (default 200000)\n"
		"  --per-call N  entries per ld_store_ingest() call = per durable commit (default 1000)\n"
		"  --appends N   entries for the group-commit append measurement\n"
		"                (default measure/4, a multiple of %d)\n"
		"  --dir DIR     data dir; if it holds a store preloaded by an earlier run it is\n"
		"                reused and the preload skipped (default: a fresh dir under $TMPDIR)\n"
		"  --keep        do not delete the data dir at the end\n"
		"  --help        this text\n"
		"Exit status: 0 when every API call succeeded (PASS/FAIL is informational), 2 on\n"
		"an API error, 1 on bad usage.\n",
		PRE_FEEDS, GROUP_APPEND);
}

static size_t parse_size(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "bench_store: bad %s: %s\n", what, s);
		exit(1);
	}
	return (size_t)v;
}

static void parse_opts(int argc, char **argv, opts_t *o)
{
	static const struct option lo[] = {
		{"entries", required_argument, NULL, 'e'},
		{"measure", required_argument, NULL, 'm'},
		{"per-call", required_argument, NULL, 'c'},
		{"appends", required_argument, NULL, 'a'},
		{"dir", required_argument, NULL, 'd'},
		{"keep", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*o = (opts_t){.entries = 1000000, .measure = 200000, .per_call = 1000};
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'e':
			o->entries = parse_size(optarg, "--entries");
			o->entries_set = true;
			break;
		case 'm':
			o->measure = parse_size(optarg, "--measure");
			break;
		case 'c':
			o->per_call = parse_size(optarg, "--per-call");
			break;
		case 'a':
			o->appends = parse_size(optarg, "--appends");
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'k':
			o->keep = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(1);
		}
	}
	if (optind < argc || o->per_call < MFEEDS || o->measure < o->per_call) {
		if (optind >= argc)
			fprintf(stderr,
				"bench_store: need --per-call >= %d and --measure >= --per-call\n",
				MFEEDS);
		usage(stderr);
		exit(1);
	}
	if (!o->appends)
		o->appends = o->measure / 4;
	o->appends = (o->appends + GROUP_APPEND - 1) / GROUP_APPEND * GROUP_APPEND;
}

/* ---- nodes and their keys --------------------------------------------- */

typedef struct bench {
	char *dir, *store_dir, *key_dir;
	tu_node_t root, local, each[MFEEDS], batch[MFEEDS];
	tu_node_t *pre;
	size_t npre, preloaded;
	ld_store_t *s;
} bench_t;

static char *path_join(const char *a, const char *b)
{
	char *p;

	if (asprintf(&p, "%s/%s", a, b) < 0)
		fail("asprintf", -ENOMEM);
	return p;
}

static char *key_path(bench_t *b, const char *id)
{
	char *p;

	if (asprintf(&p, "%s/%s.pem", b->key_dir, id) < 0)
		fail("asprintf", -ENOMEM);
	return p;
}

static void node_new(bench_t *b, tu_node_t *n, const char *id)
{
	char *p = key_path(b, id);

	tu_node_init(n, id);
	CHECK(ld_key_save(n->key, p));
	free(p);
}

static void node_load(bench_t *b, tu_node_t *n, const char *id)
{
	char *p = key_path(b, id);

	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", id);
	CHECK(ld_key_load(p, &n->key));
	ld_key_public(n->key, n->pub);
	free(p);
}

/* Continue n's feed from what the store holds. */
static void node_sync(bench_t *b, tu_node_t *n, const char *id)
{
	ld_feed_head_t h;

	CHECK(ld_store_head(b->s, n->id, &h));
	n->seq = h.seq;
	memcpy(n->head, h.id, LD_ID_LEN);
}

static void node_ids(char *buf, size_t size, const char *what, size_t i)
{
	snprintf(buf, size, "bench-%s-%03zu", what, i);
}

/* Visit every node: fn(b, node, id). */
static void foreach_node(bench_t *b, void (*fn)(bench_t *, tu_node_t *, const char *))
{
	char id[LD_NODE_ID_MAX + 1];

	fn(b, &b->root, "bench-root");
	fn(b, &b->local, "bench-local");
	for (size_t i = 0; i < MFEEDS; i++) {
		node_ids(id, sizeof(id), "each", i);
		fn(b, &b->each[i], id);
		node_ids(id, sizeof(id), "batch", i);
		fn(b, &b->batch[i], id);
	}
	for (size_t i = 0; i < b->npre; i++) {
		node_ids(id, sizeof(id), "pre", i);
		fn(b, &b->pre[i], id);
	}
}

static void node_free(bench_t *b, tu_node_t *n, const char *id)
{
	tu_node_fini(n);
}

/* Map sized once, as a deployment configures it, so no measured commit is
 * repeated to grow the map. */
static void store_reopen(bench_t *b)
{
	struct stat st;
	char *data = path_join(b->store_dir, "data.mdb");
	ld_store_opts_t o = {0};

	ld_store_destroy(&b->s);
	if (stat(data, &st) < 0)
		fail("stat data.mdb", -errno);
	free(data);
	o.map_size = ((size_t)st.st_size + (4ull << 30)) & ~((1ull << 20) - 1);
	CHECK(ld_views_open(b->store_dir, b->root.pub, &o, &b->s));
	CHECK(ld_store_set_local(b->s, b->local.id, b->local.key));
}

/* ---- marker of a preloaded store -------------------------------------- */

static int marker_read(bench_t *b)
{
	char *p = path_join(b->dir, MARKER), line[128];
	FILE *f = fopen(p, "re");
	size_t entries = 0, feeds = 0;
	int ok;

	free(p);
	if (!f)
		return -errno;
	ok = fgets(line, sizeof(line), f) &&
	     strncmp(line, MARKER_MAGIC, strlen(MARKER_MAGIC)) == 0 &&
	     fscanf(f, "entries %zu\nfeeds %zu\n", &entries, &feeds) == 2;
	fclose(f);
	if (!ok || feeds > PRE_FEEDS)
		return -EINVAL;
	b->preloaded = entries;
	b->npre = feeds;
	return 0;
}

static void marker_write(bench_t *b)
{
	char *p = path_join(b->dir, MARKER);
	FILE *f = fopen(p, "we");

	if (!f ||
	    fprintf(f, "%s\nentries %zu\nfeeds %zu\n", MARKER_MAGIC, b->preloaded, b->npre) < 0 ||
	    fclose(f) != 0)
		fail("write marker", -errno);
	free(p);
}

static bool dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return false;
	while (empty && (de = readdir(d)))
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* ---- preload: 2 signing threads, the main thread ingests -------------- */

#define QCAP 4

typedef struct pre_item {
	ld_entry_t **run;
	size_t n;
} pre_item_t;

typedef struct preload {
	bench_t *b;
	size_t *counts;
	atomic_size_t next;
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
	pre_item_t q[QCAP];
	size_t qhead, qlen;
} preload_t;

static void *preload_worker(void *arg)
{
	preload_t *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->b->npre) {
		pre_item_t it = {.n = p->counts[i]};

		it.run = xcalloc(it.n, sizeof(*it.run));
		for (size_t j = 0; j < it.n; j++)
			it.run[j] = next_entry(&p->b->pre[i]);
		pthread_mutex_lock(&p->mu);
		while (p->qlen == QCAP)
			pthread_cond_wait(&p->nonfull, &p->mu);
		p->q[(p->qhead + p->qlen) % QCAP] = it;
		p->qlen++;
		pthread_cond_signal(&p->nonempty);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

static void preload(bench_t *b, size_t entries)
{
	preload_t p = {.b = b};
	pthread_t th[2];
	double t0 = tu_now();

	p.counts = xcalloc(b->npre, sizeof(*p.counts));
	for (size_t i = 0; i < b->npre; i++)
		p.counts[i] = entries / b->npre + (i < entries % b->npre);
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.nonempty, NULL);
	pthread_cond_init(&p.nonfull, NULL);
	for (int t = 0; t < 2; t++)
		if (pthread_create(&th[t], NULL, preload_worker, &p) != 0)
			fail("pthread_create", -EAGAIN);
	for (size_t k = 0; k < b->npre; k++) {
		pre_item_t it;
		ld_ingest_batch_t batch;

		pthread_mutex_lock(&p.mu);
		while (p.qlen == 0)
			pthread_cond_wait(&p.nonempty, &p.mu);
		it = p.q[p.qhead];
		p.qhead = (p.qhead + 1) % QCAP;
		p.qlen--;
		pthread_cond_signal(&p.nonfull);
		pthread_mutex_unlock(&p.mu);

		batch = (ld_ingest_batch_t){.entries = it.run, .n = it.n};
		CHECK(ld_store_ingest(b->s, &batch, 1, LD_CHAIN_BATCH));
		if (batch.status < 0)
			fail("preload batch", batch.status);
		if (batch.n_new != it.n)
			fail("preload batch (entries not new)", -EEXIST);
		tu_free_run(it.run, it.n);
		free(it.run);
		if ((k + 1) % 10 == 0 || k + 1 == b->npre)
			fprintf(stderr, "  preload: %zu/%zu feeds, %.1f s\n", k + 1, b->npre,
				tu_now() - t0);
	}
	for (int t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.nonempty);
	pthread_cond_destroy(&p.nonfull);
	free(p.counts);
}

/* Create the store, the roster, the first entries of the local and measured
 * feeds, then the preload. */
static void setup_fresh(bench_t *b, size_t entries)
{
	tu_node_t **members;
	size_t nm = 0;
	double t0, dt;

	b->npre = entries < PRE_FEEDS ? entries : PRE_FEEDS;
	b->pre = xcalloc(b->npre ? b->npre : 1, sizeof(*b->pre));
	if (mkdir(b->key_dir, 0700) < 0)
		fail("mkdir keys", -errno);
	foreach_node(b, node_new);

	members = xcalloc(2 * MFEEDS + 1 + b->npre, sizeof(*members));
	members[nm++] = &b->local;
	for (size_t i = 0; i < MFEEDS; i++)
		members[nm++] = &b->each[i];
	for (size_t i = 0; i < MFEEDS; i++)
		members[nm++] = &b->batch[i];
	for (size_t i = 0; i < b->npre; i++)
		members[nm++] = &b->pre[i];
	b->s = tu_store_with_roster(b->store_dir, &b->root, members, nm);
	free(members);

	/* Feed numbers follow first appearance: local and measured feeds first,
	 * so they sit before (in key order) the whole preload. */
	CHECK(ld_store_set_local(b->s, b->local.id, b->local.key));
	{
		uint8_t payload[PAYLOAD_LEN];
		ld_append_req_t q = {.kind = KIND,
				     .everyone = true,
				     .payload = payload,
				     .payload_len = sizeof(payload)};

		fill_payload(payload, 0);
		CHECK(ld_store_append(b->s, &q, 1, NULL));
	}
	for (size_t i = 0; i < 2 * MFEEDS; i++) {
		tu_node_t *n = i < MFEEDS ? &b->each[i] : &b->batch[i - MFEEDS];
		ld_entry_t *e = next_entry(n);
		size_t n_new = 0;

		CHECK(tu_ingest(b->s, &e, 1, LD_CHAIN_EACH_SIG, NULL, &n_new));
		if (n_new != 1)
			fail("first entry of a measured feed", -EEXIST);
		ld_entry_destroy(&e);
	}

	printf("preload: %zu entries over %zu feeds, signed by 2 threads, ingested with\n"
	       "         LD_CHAIN_BATCH, one feed per ld_store_ingest() call ...\n",
	       entries, b->npre);
	fflush(stdout);
	t0 = tu_now();
	preload(b, entries);
	dt = tu_now() - t0;
	b->preloaded = entries;
	printf("preload: done in %.1f s (%.0f entries/s, signing-bound)\n", dt,
	       dt > 0 ? entries / dt : 0);
	marker_write(b);
}

static void setup_reuse(bench_t *b)
{
	b->pre = xcalloc(b->npre ? b->npre : 1, sizeof(*b->pre));
	foreach_node(b, node_load);
	CHECK(ld_views_open(b->store_dir, b->root.pub, NULL, &b->s));
}

/* ---- raw crypto ------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum raw_op { RAW_VERIFY, RAW_SIGN, RAW_EVP_VERIFY, RAW_ENTRY_VERIFY };

typedef struct raw_ctx {
	ld_key_t *key;
	ld_pubkey_t *pub;
	EVP_PKEY *pkey;
	EVP_MD_CTX *md;
	uint8_t msg[PAYLOAD_LEN];
	uint8_t sig[LD_SIG_LEN];
	ld_entry_t *entry;
} raw_ctx_t;

static void raw_once(raw_ctx_t *x, enum raw_op op)
{
	uint8_t sig[LD_SIG_LEN];

	switch (op) {
	case RAW_VERIFY:
		CHECK(ld_pubkey_verify(x->pub, x->msg, sizeof(x->msg), x->sig));
		break;
	case RAW_SIGN:
		CHECK(ld_key_sign(x->key, x->msg, sizeof(x->msg), sig));
		break;
	case RAW_EVP_VERIFY:
		if (EVP_DigestVerifyInit(x->md, NULL, NULL, NULL, x->pkey) != 1 ||
		    EVP_DigestVerify(x->md, x->sig, LD_SIG_LEN, x->msg, sizeof(x->msg)) != 1)
			fail("EVP_DigestVerify", -EIO);
		break;
	case RAW_ENTRY_VERIFY:
		CHECK(ld_entry_verify(x->entry, x->pub));
		break;
	}
}

/* Median over 'reps' runs of 'secs' seconds each, ops per second. */
static double raw_rate(raw_ctx_t *x, enum raw_op op, int reps, double secs)
{
	double r[5];

	for (int i = 0; i < reps; i++) {
		double t0 = tu_now(), t;
		size_t n = 0;

		do {
			for (int k = 0; k < 64; k++)
				raw_once(x, op);
			n += 64;
		} while ((t = tu_now() - t0) < secs);
		r[i] = n / t;
	}
	qsort(r, reps, sizeof(r[0]), cmp_double);
	return r[reps / 2];
}

/* ---- pre-built measurement entries ------------------------------------ */

typedef struct wire_set {
	tu_node_t *node;
	size_t n, used, cap;
	uint8_t *buf;
	size_t *off, *len;
} wire_set_t;

typedef struct build_job {
	wire_set_t *sets;
	size_t nsets;
	atomic_size_t next;
} build_job_t;

static void *build_worker(void *arg)
{
	build_job_t *j = arg;
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->nsets) {
		wire_set_t *w = &j->sets[i];

		w->off = xcalloc(w->n, sizeof(*w->off));
		w->len = xcalloc(w->n, sizeof(*w->len));
		for (size_t k = 0; k < w->n; k++) {
			ld_entry_t *e = next_entry(w->node);
			size_t len = ld_entry_wire_size(e, true);

			if (w->used + len > w->cap) {
				w->cap = (w->cap + len) * 2;
				w->buf = realloc(w->buf, w->cap);
				if (!w->buf)
					fail("realloc", -ENOMEM);
			}
			w->off[k] = w->used;
			w->len[k] = ld_entry_encode(e, true, w->buf + w->used);
			w->used += w->len[k];
			ld_entry_destroy(&e);
		}
	}
	return NULL;
}

static void build_sets(wire_set_t *sets, size_t nsets)
{
	build_job_t j = {.sets = sets, .nsets = nsets};
	pthread_t th[2];

	for (int t = 0; t < 2; t++)
		if (pthread_create(&th[t], NULL, build_worker, &j) != 0)
			fail("pthread_create", -EAGAIN);
	for (int t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
}

static void free_sets(wire_set_t *sets, size_t nsets)
{
	for (size_t i = 0; i < nsets; i++) {
		free(sets[i].buf);
		free(sets[i].off);
		free(sets[i].len);
	}
}

/* Entries of feed f in each call. */
static size_t share(size_t per_call, size_t f)
{
	return per_call / MFEEDS + (f < per_call % MFEEDS);
}

/* Reference operations after each call: 'want' per call, but at least 'total'
 * over the run so that short runs still get a usable reference. */
static size_t ref_share(size_t want, size_t total, size_t calls)
{
	size_t min = (total + calls - 1) / calls;

	return want > min ? want : min;
}

typedef struct result {
	double rate, wall, cpu;
	size_t n;
	double ref_rate; /* raw verify, interleaved with the measurement */
} result_t;

/* The timed section: per call, parse per_call wire entries (MFEEDS batches,
 * one per feed) and ingest them in one durable commit. After each call,
 * outside the ingest timing, 'ref_n' raw verifications (ld_pubkey_verify, 512
 * B) are timed too: the reference is measured interleaved with the ingest, so
 * the ratio does not depend on how the shared machine drifts over time. */
static result_t run_ingest(ld_store_t *s, wire_set_t *sets, size_t per_call, size_t calls,
			   enum ld_chain_mode mode, raw_ctx_t *x, size_t ref_n)
{
	ld_entry_t **ents = xcalloc(per_call, sizeof(*ents));
	ld_ingest_batch_t batches[MFEEDS];
	size_t pos[MFEEDS] = {0};
	double ref_wall = 0;
	result_t res = {0};

	for (size_t c = 0; c < calls; c++) {
		double t0 = tu_now(), c0 = cpu_now(), t1;
		size_t k = 0;

		for (size_t f = 0; f < MFEEDS; f++) {
			wire_set_t *w = &sets[f];
			size_t m = share(per_call, f);

			batches[f] = (ld_ingest_batch_t){.entries = ents + k, .n = m};
			for (size_t i = 0; i < m; i++, k++) {
				size_t idx = pos[f] + i;

				CHECK(ld_entry_parse(w->buf + w->off[idx], w->len[idx], &ents[k]));
			}
			pos[f] += m;
		}
		CHECK(ld_store_ingest(s, batches, MFEEDS, mode));
		for (size_t f = 0; f < MFEEDS; f++) {
			if (batches[f].status < 0)
				fail("ingest batch", batches[f].status);
			if (batches[f].n_new != batches[f].n)
				fail("ingest batch (entries not new)", -EEXIST);
		}
		tu_free_run(ents, per_call);
		t1 = tu_now();
		res.wall += t1 - t0;
		res.cpu += cpu_now() - c0;
		for (size_t i = 0; i < ref_n; i++)
			raw_once(x, RAW_VERIFY);
		ref_wall += tu_now() - t1;
	}
	res.n = calls * per_call;
	res.rate = res.n / res.wall;
	res.ref_rate = ref_wall > 0 ? calls * ref_n / ref_wall : 0;
	free(ents);
	return res;
}

/* ---- appends ---------------------------------------------------------- */

/* Group-commit appends; like run_ingest(), a raw sign reference (one tenth
 * of the entries) is timed interleaved with the calls. */
static result_t run_appends(ld_store_t *s, size_t total, raw_ctx_t *x)
{
	ld_append_req_t *q = xcalloc(GROUP_APPEND, sizeof(*q));
	uint8_t(*payload)[PAYLOAD_LEN] = xcalloc(GROUP_APPEND, PAYLOAD_LEN);
	double ref_wall = 0;
	result_t res = {0};
	size_t calls = total / GROUP_APPEND;

	for (size_t i = 0; i < GROUP_APPEND; i++) {
		fill_payload(payload[i], 1000 + i);
		q[i] = (ld_append_req_t){.kind = KIND,
					 .audience = audience,
					 .n_audience = 2,
					 .payload = payload[i],
					 .payload_len = PAYLOAD_LEN};
	}
	for (size_t c = 0; c < calls; c++) {
		double t0 = tu_now(), c0 = cpu_now(), t1;

		CHECK(ld_store_append(s, q, GROUP_APPEND, NULL));
		t1 = tu_now();
		res.wall += t1 - t0;
		res.cpu += cpu_now() - c0;
		for (size_t i = 0; i < GROUP_APPEND / 10; i++)
			raw_once(x, RAW_SIGN);
		ref_wall += tu_now() - t1;
	}
	res.n = calls * GROUP_APPEND;
	res.rate = res.n / res.wall;
	res.ref_rate = ref_wall > 0 ? calls * (GROUP_APPEND / 10) / ref_wall : 0;
	free(q);
	free(payload);
	return res;
}

static void run_latency(ld_store_t *s, double *lat_ms, size_t n, double *cpu)
{
	uint8_t payload[PAYLOAD_LEN];
	ld_append_req_t q = {.kind = KIND,
			     .audience = audience,
			     .n_audience = 2,
			     .payload = payload,
			     .payload_len = PAYLOAD_LEN};
	double c0 = cpu_now(), wall = 0;

	fill_payload(payload, 7);
	for (size_t i = 0; i < n; i++) {
		double t0 = tu_now();

		CHECK(ld_store_append(s, &q, 1, NULL));
		lat_ms[i] = (tu_now() - t0) * 1e3;
		wall += lat_ms[i] / 1e3;
	}
	*cpu = (cpu_now() - c0) / wall;
	qsort(lat_ms, n, sizeof(*lat_ms), cmp_double);
}

/* ---- store totals ----------------------------------------------------- */

typedef struct totals {
	size_t feeds;
	uint64_t entries;
} totals_t;

static int count_head(void *ud, const ld_feed_head_t *h)
{
	totals_t *t = ud;

	t->feeds++;
	t->entries += h->seq;
	return 0;
}

static totals_t store_totals(ld_store_t *s)
{
	totals_t t = {0};

	CHECK(ld_store_foreach_head(s, count_head, &t));
	return t;
}

static double file_mib(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	struct stat st;
	double v = stat(p, &st) == 0 ? st.st_size / 1048576.0 : 0;

	free(p);
	return v;
}

/* Other work on the machine skews every figure; say how busy it was. */
static void print_load(const char *when)
{
	double l[3];

	if (getloadavg(l, 3) == 3)
		printf("load average %s: %.2f %.2f %.2f (this run alone accounts for ~1-2;\n"
		       "  more means other work competed: ratios are measured interleaved)\n",
		       when, l[0], l[1], l[2]);
}

static const char *verdict(bool ok)
{
	return ok ? "PASS" : "FAIL";
}

int main(int argc, char **argv)
{
	opts_t o;
	bench_t b = {0};
	raw_ctx_t x = {0};
	wire_set_t each[MFEEDS] = {0}, batch[MFEEDS] = {0};
	double verify_rate, verify_rate2, sign_rate, evp_rate, entry_rate;
	double lat_ms[LAT_SAMPLES], lat_cpu, t0;
	result_t r_each, r_batch, r_app;
	size_t calls;
	totals_t tot;
	char date[64];
	time_t now = time(NULL);
	bool own_dir;
	int major, minor, patch;

	parse_opts(argc, argv, &o);
	calls = o.measure / o.per_call;
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %Z", localtime(&now));
	mdb_version(&major, &minor, &patch);
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("bench_store: liandong store foundation benchmark\n");
	printf("date: %s; %ld online CPUs; %s; LMDB %d.%d.%d\n", date,
	       sysconf(_SC_NPROCESSORS_ONLN), OpenSSL_version(OPENSSL_VERSION), major, minor,
	       patch);
	print_load("at start");
	printf("payload %d B; per ingest call (one durable commit): %zu entries in %d batches\n",
	       PAYLOAD_LEN, o.per_call, MFEEDS);

	/* The data dir: ours, an empty one, or a preloaded one to reuse. */
	own_dir = o.dir == NULL;
	if (own_dir) {
		b.dir = tu_tmpdir("bench-store");
	} else {
		if (mkdir(o.dir, 0700) < 0 && errno != EEXIST)
			fail("mkdir --dir", -errno);
		b.dir = strdup(o.dir);
	}
	b.store_dir = path_join(b.dir, "store");
	b.key_dir = path_join(b.dir, "keys");
	printf("data dir: %s\n", b.dir);

	if (marker_read(&b) == 0) {
		printf("preload: REUSING the store preloaded by an earlier run (%zu entries over %zu\n"
		       "         feeds, plus what earlier runs measured); preload skipped\n",
		       b.preloaded, b.npre);
		if (o.entries_set && o.entries != b.preloaded)
			printf("         note: --entries %zu ignored: the store was preloaded with %zu\n",
			       o.entries, b.preloaded);
		setup_reuse(&b);
	} else {
		if (!dir_empty(b.dir)) {
			fprintf(stderr,
				"bench_store: %s is not empty and holds no preloaded bench "
				"store (no %s); refusing to use it\n",
				b.dir, MARKER);
			return 1;
		}
		setup_fresh(&b, o.entries);
	}
	store_reopen(&b);
	foreach_node(&b, node_sync);
	tot = store_totals(b.s);
	printf("store: %llu entries in %zu feeds before measuring; data.mdb %.0f MiB, map %.0f MiB\n",
	       (unsigned long long)tot.entries, tot.feeds, file_mib(b.store_dir, "data.mdb"),
	       ld_store_map_size(b.s) / 1048576.0);
	printf("realism: the %d measured ingest feeds and the local feed were created before the\n"
	       "         preload (low feed numbers): every measured write goes into the middle of\n"
	       "         the entries tree, never the MDB_APPEND fast path of the newest feed.\n"
	       "         LMDB syncs on every commit. The id index is deferred:\n"
	       "         ld_store_index_ids() is not called (entries stay unindexed).\n",
	       2 * MFEEDS);

	/* Measurement entries: signed and serialised now, untimed. */
	t0 = tu_now();
	for (size_t f = 0; f < MFEEDS; f++) {
		each[f] = (wire_set_t){.node = &b.each[f], .n = calls * share(o.per_call, f)};
		batch[f] = (wire_set_t){.node = &b.batch[f], .n = calls * share(o.per_call, f)};
	}
	{
		wire_set_t all[2 * MFEEDS];

		memcpy(all, each, sizeof(each));
		memcpy(all + MFEEDS, batch, sizeof(batch));
		build_sets(all, 2 * MFEEDS);
		memcpy(each, all, sizeof(each));
		memcpy(batch, all + MFEEDS, sizeof(batch));
	}
	printf("prepared 2 x %zu signed wire entries (%zu B each) in %.1f s (untimed)\n\n",
	       calls * o.per_call, each[0].len[0], tu_now() - t0);

	/* 1. Raw crypto on one core: the reference. */
	CHECK(ld_key_generate(&x.key));
	{
		uint8_t raw[LD_PUBKEY_LEN];

		fill_payload(x.msg, 42);
		CHECK(ld_key_sign(x.key, x.msg, sizeof(x.msg), x.sig));
		ld_key_public(x.key, raw);
		CHECK(ld_pubkey_new(raw, &x.pub));
		x.pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, LD_PUBKEY_LEN);
		x.md = EVP_MD_CTX_new();
		if (!x.pkey || !x.md)
			fail("EVP_PKEY_new_raw_public_key", -EIO);
		{
			tu_node_t n = {0};

			snprintf(n.id, sizeof(n.id), "bench-raw");
			n.key = x.key;
			memcpy(n.pub, raw, LD_PUBKEY_LEN);
			x.entry = next_entry(&n);
		}
	}
	verify_rate = raw_rate(&x, RAW_VERIFY, 3, 1.0);
	sign_rate = raw_rate(&x, RAW_SIGN, 3, 1.0);
	evp_rate = raw_rate(&x, RAW_EVP_VERIFY, 3, 1.0);
	entry_rate = raw_rate(&x, RAW_ENTRY_VERIFY, 3, 1.0);
	printf("1. raw Ed25519, one core, cached key (median of 3 x 1 s)\n");
	printf("   verify  ld_pubkey_verify, 512 B message     %9.0f /s   (reference)\n",
	       verify_rate);
	printf("   sign    ld_key_sign, 512 B message          %9.0f /s\n", sign_rate);
	printf("   info:   EVP_DigestVerify, reused EVP_MD_CTX %9.0f /s\n", evp_rate);
	printf("   info:   ld_entry_verify, %3zu B header       %9.0f /s\n\n", x.entry->header_len,
	       entry_rate);

	/* 2. and 3. Durable ingest. */
	/* 2. and 3. Durable ingest. The shared machine drifts by 10-30%, so
	 * each ratio is taken against raw verify measured interleaved with it:
	 * by default 100 verifies after each per-entry call (~10% of its time) and
	 * 20 after each batch call, and at least 2000 / 1000 over the run. */
	r_each = run_ingest(b.s, each, o.per_call, calls, LD_CHAIN_EACH_SIG, &x,
			    ref_share(o.per_call / 10, 2000, calls));
	free_sets(each, MFEEDS);
	printf("2. durable ingest, LD_CHAIN_EACH_SIG, parse from wire + ingest, %zu entries\n",
	       r_each.n);
	printf("   %9.0f entries/s   (%.2f s, CPU %.0f%% of wall, %.2f ms per %zu-entry commit)\n",
	       r_each.rate, r_each.wall, 100 * r_each.cpu / r_each.wall, 1e3 * r_each.wall / calls,
	       o.per_call);
	printf("   raw verify interleaved with it: %.0f /s; cost beyond the signature check:\n"
	       "   %.1f us/entry\n",
	       r_each.ref_rate, 1e6 * (1 / r_each.rate - 1 / r_each.ref_rate));

	r_batch = run_ingest(b.s, batch, o.per_call, calls, LD_CHAIN_BATCH, &x,
			     ref_share(o.per_call / 50, 1000, calls));
	free_sets(batch, MFEEDS);
	printf("3. durable ingest, LD_CHAIN_BATCH, parse from wire + ingest, %zu entries\n",
	       r_batch.n);
	printf("   %9.0f entries/s   (%.2f s, CPU %.0f%% of wall, %.2f ms per %zu-entry commit)\n",
	       r_batch.rate, r_batch.wall, 100 * r_batch.cpu / r_batch.wall,
	       1e3 * r_batch.wall / calls, o.per_call);
	printf("   raw verify interleaved with it: %.0f /s; %.2f us/entry in all\n",
	       r_batch.ref_rate, 1e6 / r_batch.rate);

	/* 4. Group-commit appends. */
	r_app = run_appends(b.s, o.appends, &x);
	printf("4. own-feed appends, %d per ld_store_append() call (signs each), %zu entries\n",
	       GROUP_APPEND, r_app.n);
	printf("   %9.0f entries/s   (%.2f s, CPU %.0f%% of wall, %.2f ms per call)\n", r_app.rate,
	       r_app.wall, 100 * r_app.cpu / r_app.wall,
	       1e3 * r_app.wall / (r_app.n / GROUP_APPEND));
	printf("   raw sign interleaved with it: %.0f /s\n", r_app.ref_rate);

	/* 5. Single durable append latency. */
	run_latency(b.s, lat_ms, LAT_SAMPLES, &lat_cpu);
	printf("5. single durable append (n = 1), %d appends\n", LAT_SAMPLES);
	printf("   median %.3f ms, p99 %.3f ms, max %.3f ms   (CPU %.0f%% of wall)\n",
	       lat_ms[LAT_SAMPLES / 2], lat_ms[LAT_SAMPLES * 99 / 100], lat_ms[LAT_SAMPLES - 1],
	       100 * lat_cpu);

	/* Drift check: the reference again, after the store work. */
	verify_rate2 = raw_rate(&x, RAW_VERIFY, 1, 1.0);
	printf("   (raw verify re-measured after: %.0f /s, drift %+.1f%%)\n\n", verify_rate2,
	       100 * (verify_rate2 / verify_rate - 1));

	print_load("at end");
	tot = store_totals(b.s);
	printf("store after: %llu entries in %zu feeds; data.mdb %.0f MiB\n\n",
	       (unsigned long long)tot.entries, tot.feeds, file_mib(b.store_dir, "data.mdb"));

	{
		double q_each = r_each.rate / r_each.ref_rate,
		       q_batch = r_batch.rate / r_batch.ref_rate;
		double med = lat_ms[LAT_SAMPLES / 2];

		printf("summary (each ingest ratio against raw verify interleaved with it: %.0f and\n"
		       "         %.0f /s)\n",
		       r_each.ref_rate, r_batch.ref_rate);
		printf("  per-entry ingest / raw verify  %6.2f   target >= %.2f   %s\n", q_each,
		       TARGET_EACH, verdict(q_each >= TARGET_EACH));
		printf("  batch ingest / raw verify      %6.2f   target >= %.0f     %s\n", q_batch,
		       TARGET_BATCH, verdict(q_batch >= TARGET_BATCH));
		printf("  single append median           %6.3f ms  target <= %.0f ms  %s\n", med,
		       TARGET_APPEND_MS, verdict(med <= TARGET_APPEND_MS));
		printf("  info: group append / raw sign  %6.2f\n", r_app.rate / r_app.ref_rate);
	}

	ld_entry_destroy(&x.entry);
	ld_pubkey_destroy(&x.pub);
	EVP_PKEY_free(x.pkey);
	EVP_MD_CTX_free(x.md);
	ld_key_destroy(&x.key);
	ld_store_destroy(&b.s);
	foreach_node(&b, node_free);
	if (o.keep) {
		printf("kept %s (pass --dir %s to reuse the preloaded store)\n", b.dir, b.dir);
	} else {
		tu_rmrf(b.dir);
		if (!own_dir)
			printf("removed %s (use --keep to keep it)\n", b.dir);
	}
	free(b.pre);
	free(b.dir);
	free(b.store_dir);
	free(b.key_dir);
	return 0;
}

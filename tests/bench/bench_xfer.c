/* tests/bench/bench_xfer.c: evidence file transfer between two liandongd
 * processes on loopback with CurveZMQ, against the single-core SHA-256 rate
 * measured in the same run (every byte is hashed on arrival, so that is the
 * ceiling).
 *
 *   alone:     node B fetches a file of N MB that node A holds; rate from the
 *              fetch request to B holding the whole file, checked.
 *   with load: the same while A appends 512-byte entries addressed to B at
 *              a steady rate (default 5,000 entries/s, in API calls of 100
 *              every 20 ms) and B replicates them; the replication rate is
 *              printed beside the rate without a transfer, so a starved
 *              replication shows.
 *   saturated: one run more while A's API takes appends as fast as it can
 *              (calls of 1,000): both cores are then busy signing, verifying
 *              and committing, and the figure shows what is left.
 *
 * Targets: alone >= 25% of the SHA-256 rate, with load >= 20%.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cluster.h"
#include "common/store/blob.h"
#include "evidence.pb-c.h"
#include "testutil.h"

#define PAYLOAD 512
#define GROUP 1000

static double sha_rate(size_t block, double seconds)
{
	uint8_t *buf = malloc(block), out[32];
	double t0 = tu_now(), t;
	uint64_t bytes = 0;

	memset(buf, 0x5a, block);
	do {
		for (int i = 0; i < 64; i++) {
			EVP_Digest(buf, block, out, NULL, EVP_sha256(), NULL);
			bytes += block;
		}
		t = tu_now() - t0;
	} while (t < seconds);
	free(buf);
	return (double)bytes / t;
}

static void make_file(const char *path, uint64_t mb, uint64_t seed)
{
	uint64_t *buf = malloc(1 << 20), x = seed | 1;
	FILE *f = fopen(path, "wb");

	if (!f || !buf)
		abort();
	for (uint64_t i = 0; i < mb; i++) {
		for (size_t k = 0; k < (1 << 20) / 8; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[k] = x;
		}
		if (fwrite(buf, 1, 1 << 20, f) != 1 << 20)
			abort();
	}
	fclose(f);
	free(buf);
}

/* Import a file into A's evidence store and sign its record for B. */
static uint64_t record_file(cluster_t *c, tn_t *a, const char *path, int k)
{
	Ld__EvidenceRecord m = LD__EVIDENCE_RECORD__INIT;
	const char *aud[] = {"node-b"};
	char dir[700], case_id[64], evid[32];
	ld_blobs_t *blobs;
	ld_blob_info_t info;
	uint8_t buf[1024];
	ldc_ref_t ref;

	snprintf(dir, sizeof(dir), "%s/node-a/data/blobs", c->base);
	if (ld_blobs_open(dir, &blobs) < 0 || ld_blob_import(blobs, path, &info) < 0)
		abort();
	ld_blobs_destroy(&blobs);
	snprintf(case_id, sizeof(case_id), "node-a/BENCH-%d", k);
	snprintf(evid, sizeof(evid), "F-%d", k);
	m.case_id = case_id;
	m.evidence_id = evid;
	m.has_type = m.has_sha256 = m.has_size = m.has_chunk_size = m.has_chunk_list_sha256 = true;
	m.type = 4;
	m.sha256.data = info.sha256;
	m.sha256.len = 32;
	m.size = info.size;
	m.chunk_size = info.chunk_size;
	m.chunk_list_sha256.data = info.list_sha256;
	m.chunk_list_sha256.len = 32;
	m.collector_unit = m.holder = (char *)"node-a";
	if (cl_append(a, LD__KIND__KIND_EVIDENCE_RECORD, aud, 1, buf,
		      ld__evidence_record__pack(&m, buf), &ref) < 0)
		abort();
	return ref.seq;
}

/* Ask B to fetch (feed node-a, seq); poll until held. Seconds, or -1. */
static double fetch(tn_t *b, uint64_t seq)
{
	double t0 = tu_now();

	for (;;) {
		Ld__ApiRequest q = LD__API_REQUEST__INIT;
		Ld__ApiResponse *resp;
		struct timespec ts = {0, 5 * 1000000L};
		bool held;

		q.has_type = q.has_seq = q.has_start = true;
		q.type = LD__API_TYPE__API_BLOB;
		q.feed = (char *)"node-a";
		q.seq = seq;
		q.start = true;
		if (ldc_call(b->c, &q, 10000, &resp) < 0)
			return -1;
		if (!resp->ok) {
			fprintf(stderr, "fetch failed: %s\n", resp->message ? resp->message : "?");
			ld__api_response__free_unpacked(resp, NULL);
			return -1;
		}
		held = resp->blob && resp->blob->state && !strcmp(resp->blob->state, "held");
		ld__api_response__free_unpacked(resp, NULL);
		if (held)
			return tu_now() - t0;
		if (tu_now() - t0 > 600)
			return -1;
		nanosleep(&ts, NULL);
	}
}

struct load {
	const char *api;
	unsigned rate; /* entries/s, 0 = as fast as possible */
	atomic_bool stop;
	uint64_t appended;
};

static void *load_run(void *ud)
{
	static uint8_t payload[PAYLOAD];
	static Ld__AppendItem items[GROUP], *ptrs[GROUP];
	struct load *l = ud;
	const char *audience[] = {"node-b"};
	ldc_t *cl;

	if (ldc_open(l->api, &cl) < 0)
		return NULL;
	memset(payload, 'e', sizeof(payload));
	for (size_t i = 0; i < GROUP; i++) {
		ld__append_item__init(&items[i]);
		items[i].has_kind = items[i].has_payload = true;
		items[i].kind = 4;
		items[i].audience = (char **)audience;
		items[i].n_audience = 1;
		items[i].payload.data = payload;
		items[i].payload.len = sizeof(payload);
		ptrs[i] = &items[i];
	}
	double next = tu_now();
	size_t group = l->rate ? l->rate / 50 : GROUP;

	if (group < 1)
		group = 1;
	if (group > GROUP)
		group = GROUP;
	while (!atomic_load(&l->stop)) {
		if (l->rate) {
			double wait;

			next += 0.020;
			wait = next - tu_now();
			if (wait > 0) {
				struct timespec ts = {0, (long)(wait * 1e9)};

				nanosleep(&ts, NULL);
			}
		}
		if (ldc_append(cl, (const Ld__AppendItem *const *)ptrs, group, NULL, NULL) < 0)
			break;
		l->appended += group;
	}
	ldc_destroy(&cl);
	return NULL;
}

/* Replication rate at B (entries/s of node-a's feed) over 'seconds'. */
static double repl_rate(tn_t *b, double seconds)
{
	int64_t h0 = cl_head(b, "node-a"), h1;
	double t0 = tu_now();
	struct timespec ts = {0, 50 * 1000000L};

	while (tu_now() - t0 < seconds)
		nanosleep(&ts, NULL);
	h1 = cl_head(b, "node-a");
	return (double)(h1 - h0) / (tu_now() - t0);
}

static void usage(void)
{
	printf("Usage: bench_xfer [--mb N] [--runs N] [--load ENTRIES_PER_S]\n"
	       "Needs LD_DAEMON=path/to/liandongd (meson's benchmark target sets it).\n"
	       "Defaults: a 256 MB file; 3 runs alone, 3 with a steady replication load of\n"
	       "5000 entries/s (50..50000), 1 with a saturating load.\n");
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	uint64_t mb = 256, seqs[24];
	int runs = 3;
	unsigned load_rate = 5000;
	double sha8k, sha256k, alone[8], loaded[8], repl_alone = 0, repl_during[8], saturated = 0;
	const char *to_a[] = {"node-a"};
	cluster_t *c;
	tn_t *a, *b;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			return 0;
		} else if (i + 1 < argc && !strcmp(argv[i], "--mb")) {
			mb = strtoull(argv[++i], NULL, 10);
		} else if (i + 1 < argc && !strcmp(argv[i], "--runs")) {
			runs = atoi(argv[++i]);
		} else if (i + 1 < argc && !strcmp(argv[i], "--load")) {
			load_rate = (unsigned)strtoul(argv[++i], NULL, 10);
		} else {
			usage();
			return 1;
		}
	}
	if (mb < 1 || mb > 16384 || runs < 1 || runs > 8 || load_rate < 50 || load_rate > 50000) {
		usage();
		return 1;
	}
	c = cl_new("bench-xfer");
	a = cl_node(c, "node-a", true, NULL, NULL, 0);
	b = cl_node(c, "node-b", false, "node-a", to_a, 1);
	if (cl_start(c, a) < 0 || cl_roster_add(c, a) < 0 || cl_roster_add(c, b) < 0 ||
	    cl_start(c, b) < 0) {
		fprintf(stderr, "cannot start the nodes\n");
		cl_destroy(&c);
		return 2;
	}
	printf("two liandongd on 127.0.0.1 with CurveZMQ; B fetches a %llu MB evidence file from A "
	       "(no rate limit, default window)\n",
	       (unsigned long long)mb);
	sha8k = sha_rate(8192, 2.0);
	sha256k = sha_rate(256 << 10, 2.0);
	printf("raw SHA-256 (one core): %.0f MB/s in 8 KiB blocks, %.0f MB/s in 256 KiB blocks\n",
	       sha8k / 1e6, sha256k / 1e6);
	for (int k = 0; k < 2 * runs + 1; k++) {
		char path[700];

		snprintf(path, sizeof(path), "%s/file-%d", c->base, k);
		make_file(path, mb, 0x9e3779b97f4a7c15ull * (uint64_t)(k + 1));
		seqs[k] = record_file(c, a, path, k);
		unlink(path); /* the store holds its own copy */
	}
	if (cl_wait(b, "node-a", seqs[2 * runs], 30000) < 0)
		goto fail;

	for (int k = 0; k < runs; k++) {
		double t = fetch(b, seqs[k]);

		if (t < 0)
			goto fail;
		alone[k] = (double)(mb << 20) / t;
		printf("alone     run %d: %7.1f MB/s  (%.2f s)\n", k + 1, alone[k] / 1e6, t);
	}

	/* Replication alone, then transfers while it runs. */
	for (int phase = 0; phase < 2; phase++) {
		struct load l = {.api = a->api, .rate = phase ? 0 : load_rate};
		int n = phase ? 1 : runs, base = phase ? 2 * runs : runs;
		double ra, rd = 0;
		pthread_t th;

		atomic_init(&l.stop, false);
		pthread_create(&th, NULL, load_run, &l);
		repl_rate(b, 1.0); /* warm up */
		ra = repl_rate(b, 3.0);
		printf("%s replication alone: %.0f entries/s at B\n",
		       phase ? "saturating" : "steady", ra);
		for (int k = 0; k < n; k++) {
			int64_t h0 = cl_head(b, "node-a");
			double t0 = tu_now(), t = fetch(b, seqs[base + k]);

			if (t < 0) {
				atomic_store(&l.stop, true);
				pthread_join(th, NULL);
				goto fail;
			}
			rd = (double)(cl_head(b, "node-a") - h0) / (tu_now() - t0);
			if (phase) {
				saturated = (double)(mb << 20) / t;
			} else {
				repl_during[k] = rd;
				loaded[k] = (double)(mb << 20) / t;
			}
			printf("%s run %d: %7.1f MB/s  (%.2f s); replication meanwhile %.0f "
			       "entries/s = %.2f x alone\n",
			       phase ? "saturated" : "with load", k + 1,
			       (double)(mb << 20) / t / 1e6, t, rd, rd / ra);
		}
		if (!phase)
			repl_alone = ra;
		atomic_store(&l.stop, true);
		pthread_join(th, NULL);
		/* Let B catch up before the next phase. */
		cl_wait(b, "node-a", (uint64_t)cl_head(a, "node-a"), 120000);
	}
	qsort(alone, (size_t)runs, sizeof(double), cmp_d);
	qsort(loaded, (size_t)runs, sizeof(double), cmp_d);
	qsort(repl_during, (size_t)runs, sizeof(double), cmp_d);
	{
		double ma = alone[runs / 2], ml = loaded[runs / 2];

		printf("median alone:     %7.1f MB/s = %5.1f%% of SHA-256 (target >= 25%%)  %s\n",
		       ma / 1e6, 100 * ma / sha8k, ma / sha8k >= 0.25 ? "PASS" : "FAIL");
		printf("median with load: %7.1f MB/s = %5.1f%% of SHA-256 (target >= 20%%)  %s\n",
		       ml / 1e6, 100 * ml / sha8k, ml / sha8k >= 0.20 ? "PASS" : "FAIL");
		printf("replication during transfers: %.0f entries/s = %.2f x replication alone "
		       "(steady load of %u/s)\n",
		       repl_during[runs / 2], repl_during[runs / 2] / repl_alone, load_rate);
		printf("saturating load:  %7.1f MB/s = %5.1f%% of SHA-256 (no target: both cores "
		       "busy with replication)\n",
		       saturated / 1e6, 100 * saturated / sha8k);
	}
	cl_destroy(&c);
	return 0;
fail:
	fprintf(stderr, "benchmark failed\n");
	cl_destroy(&c);
	return 2;
}

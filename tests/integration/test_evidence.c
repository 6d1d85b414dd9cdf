/* tests/integration/test_evidence.c: evidence files between nodes.
 *
 * Province (root) with county A, county C and a court, each dialling only the
 * province. County A refers a case to the court (a hand-over to the
 * judiciary) and records a 100 MB video as evidence. The court fetches it
 * through the province (which relays it from county A); the province, the
 * node serving the court, is killed mid-transfer and restarted, and the
 * transfer resumes where it stopped at both the court and the province. The
 * file matches its hash, the fetch is recorded as custody, and no daemon's
 * peak memory reaches 64 MB. County C, no party to the case, is refused and
 * receives no chunk; a hand-over entry by county A then entitles it.
 *
 * County A and the province serve at most 20 MB/s ([evidence] rate_limit_mb)
 * so that the transfer lasts long enough to be interrupted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cluster.h"
#include "common/crypto/key.h"
#include "testutil.h"

#define FILE_MB 100
#define RSS_LIMIT_KB (64 * 1024)
#define CASE "county-a/V-2026-031"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

typedef struct world {
	cluster_t *c;
	tn_t *p, *a, *x, *court;
	char out[65536];
} world_t;

static void conf_append(tn_t *n, const char *text)
{
	FILE *f = fopen(n->conf, "a");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	static const char *const ids[] = {"county-a", "county-c", "court"};
	world_t *w = calloc(1, sizeof(*w));
	tn_t *nodes[4];

	w->c = cl_new("evidence");
	if (cl_star(w->c, ids, 3, nodes) < 0)
		return -1;
	w->p = nodes[0];
	w->a = nodes[1];
	w->x = nodes[2];
	w->court = nodes[3];
	/* Slow the serving side down so that the transfer can be interrupted. */
	for (int i = 0; i < 2; i++) {
		tn_t *n = i ? w->p : w->a;

		if (cl_stop(w->c, n) != 0)
			return -1;
		conf_append(n, "\n[evidence]\nrate_limit_mb = 20\n");
		if (cl_start(w->c, n) < 0)
			return -1;
	}
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world_t *w = *state;

	cl_destroy(&w->c);
	free(w);
	return 0;
}

/* A file of 'mb' MiB of PRNG bytes; its SHA-256 into sha. */
static void make_file(const char *path, int mb, uint8_t sha[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint64_t x = 0x243f6a8885a308d3ull;
	uint64_t *buf = malloc(1 << 20);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (int i = 0; i < mb; i++) {
		for (size_t k = 0; k < (1 << 20) / 8; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[k] = x;
		}
		assert_int_equal(fwrite(buf, 1, 1 << 20, f), 1 << 20);
		EVP_DigestUpdate(md, buf, 1 << 20);
	}
	fclose(f);
	EVP_DigestFinal_ex(md, sha, NULL);
	EVP_MD_CTX_free(md);
	free(buf);
}

static void file_sha(const char *path, uint8_t sha[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t *buf = malloc(1 << 20);
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while ((n = fread(buf, 1, 1 << 20, f)) > 0)
		EVP_DigestUpdate(md, buf, n);
	fclose(f);
	EVP_DigestFinal_ex(md, sha, NULL);
	EVP_MD_CTX_free(md);
	free(buf);
}

/* Peak resident memory of a process (kB), from /proc. */
static long peak_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* Regular files anywhere under 'dir'. */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[1024];
		struct stat sb;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			n += count_files(path);
		else
			n++;
	}
	closedir(d);
	return n;
}

/* The node's view of the fetch of (feed, seq), without starting one. */
static int blob_state(tn_t *n, const char *feed, uint64_t seq, char *state, size_t ssz,
		      uint64_t *held, uint64_t *resumed)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	int r;

	q.has_type = q.has_seq = true;
	q.type = LD__API_TYPE__API_BLOB;
	q.feed = (char *)feed;
	q.seq = seq;
	if ((r = ldc_call(n->c, &q, 5000, &resp)) < 0)
		return r;
	r = resp->ok ? 0 : resp->err;
	if (r == 0 && resp->blob) {
		snprintf(state, ssz, "%s", resp->blob->state ? resp->blob->state : "");
		*held = resp->blob->held;
		*resumed = resp->blob->resumed_from;
	}
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

/* Start `liandong evidence get` at node n in the background, its stdout
 * into out_path. */
static pid_t get_bg(tn_t *n, const char *ref, const char *dest, const char *out_path)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 1);
		execl(getenv("LD_CLI"), "liandong", "evidence", "get", ref, "-o", dest, "--json",
		      "--quiet", "--timeout", "60", "--api", n->api, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Wait for child 'pid' at most timeout_ms; its exit code, or -1 (killed). */
static int wait_child(pid_t pid, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 50) {
		int st;
		struct timespec ts = {0, 50 * 1000000L};

		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

struct held_at_least {
	tn_t *n;
	const char *feed;
	uint64_t seq, bytes;
};

static bool court_holds(void *ud)
{
	struct held_at_least *h = ud;
	char state[32] = "";
	uint64_t held = 0, resumed = 0;

	return blob_state(h->n, h->feed, h->seq, state, sizeof(state), &held, &resumed) == 0 &&
	       held >= h->bytes;
}

/* The seq of what a --json command signed, after checking it signed into
 * 'feed'. */
static uint64_t signed_seq(const char *out, const char *feed)
{
	json_t *j = cl_json(out);
	uint64_t seq = (uint64_t)json_integer_value(json_object_get(j, "seq"));

	assert_true(cl_jhas(j, "feed", feed));
	json_decref(j);
	return seq;
}

/* Does county A's timeline of the case show the court's fetch, signed as a
 * custody transfer from county A to the court? */
static bool fetch_seen(void *ud)
{
	world_t *w = ud;
	bool seen = false;
	json_t *j, *x;
	size_t i;

	if (cl_cli(w->a, w->out, sizeof(w->out), "show", CASE, "--json", NULL) != 0)
		return false;
	j = cl_json(w->out);
	json_array_foreach(json_object_get(j, "timeline"), i, x) seen |=
		cl_jhas(x, "kind", "custody") && cl_jhas(x, "feed", "court") &&
		cl_jhas(x, "content/reason", "fetch") &&
		cl_jhas(x, "content/from_node", "county-a") &&
		cl_jhas(x, "content/to_node", "court");
	json_decref(j);
	return seen;
}

static void test_fetch_through_province_resumes(void **state)
{
	world_t *w = *state;
	const uint64_t size = (uint64_t)FILE_MB << 20;
	char src[700], dest[700], dest_c[700], json[700], blobs_c[700], ref[96], st[32];
	uint8_t sha[32], got[32];
	uint64_t seq, held = 0, resumed = 0;
	long rss;
	pid_t cli;
	int rc;

	/* County A hands the case to the court and records the video. */
	assert_int_equal(cl_cli(w->a, w->out, sizeof(w->out), "refer", "--to", "court", "--case",
				CASE, "--title", "Illegal sand mining in the river channel",
				"--violation", "sand-mining", "--facts", "dredger filmed at night",
				"--reason", "public-interest", NULL),
			 0);
	snprintf(src, sizeof(src), "%s/county-a/drone-0312.mp4", w->c->base);
	make_file(src, FILE_MB, sha);
	assert_int_equal(cl_cli(w->a, w->out, sizeof(w->out), "evidence", "add", CASE, src,
				"--type", "video", "--evidence-id", "V-1", "--json", NULL),
			 0);
	seq = signed_seq(w->out, "county-a");
	assert_true(seq > 0);
	snprintf(ref, sizeof(ref), "county-a:%llu", (unsigned long long)seq);
	assert_int_equal(cl_wait(w->court, "county-a", seq, 15000), 0);
	assert_int_equal(cl_wait(w->x, "county-a", seq, 15000), 0);

	/* County C is no party: refused by the province, nothing stored. */
	snprintf(dest_c, sizeof(dest_c), "%s/county-c/stolen.mp4", w->c->base);
	assert_int_equal(cl_cli(w->x, w->out, sizeof(w->out), "evidence", "get", ref, "-o", dest_c,
				"--quiet", "--timeout", "20", NULL),
			 6);
	assert_true(access(dest_c, F_OK) < 0);
	snprintf(blobs_c, sizeof(blobs_c), "%s/county-c/data/blobs", w->c->base);
	assert_int_equal(count_files(blobs_c), 0);
	assert_true(cl_log_contains(w->p, "evidence fetch by county-c of county-a"));

	/* The court fetches it through the province. */
	snprintf(dest, sizeof(dest), "%s/court/drone-0312.mp4", w->c->base);
	snprintf(json, sizeof(json), "%s/court/get.json", w->c->base);
	cli = get_bg(w->court, ref, dest, json);
	{
		struct held_at_least h = {w->court, "county-a", seq, size * 3 / 10};

		assert_true(cl_until(court_holds, &h, 60000));
	}
	assert_int_equal(blob_state(w->court, "county-a", seq, st, sizeof(st), &held, &resumed), 0);
	assert_string_equal(st, "fetching");
	assert_true(held < size);
	/* Kill the node serving the court; its peak memory first. */
	rss = peak_rss_kb(w->p->pid);
	printf("# province peak RSS before the kill: %ld kB\n", rss);
	if (!SANITIZED)
		assert_true(rss > 0 && rss < RSS_LIMIT_KB);
	cl_kill(w->c, w->p);
	assert_int_equal(cl_start(w->c, w->p), 0);

	rc = wait_child(cli, 120000);
	{
		FILE *f = fopen(json, "r");
		size_t n;
		json_t *j;
		char hex[65];

		assert_non_null(f);
		n = fread(w->out, 1, sizeof(w->out) - 1, f);
		w->out[n] = '\0';
		fclose(f);
		printf("# court: %s", w->out);
		assert_int_equal(rc, 0);
		j = cl_json(w->out);
		assert_true(cl_jhas(j, "sha256", ld_hex(sha, 32, hex)));
		assert_true(cl_jhas(j, "matches", "true"));
		assert_true(cl_jhas(j, "file", dest));
		assert_true(json_integer_value(json_object_get(j, "size")) == (json_int_t)size);
		/* Resumed where it stopped: the court received each byte about
		 * once (at most a window of chunks again), not the file twice. */
		assert_true(json_is_integer(json_object_get(j, "received")));
		assert_true((uint64_t)json_integer_value(json_object_get(j, "received")) <=
			    size + (8u << 20));
		/* The fetch signed as a custody transfer, in the same document. */
		assert_true(cl_jhas(j, "custody/feed", "court"));
		assert_true(cl_jhas(j, "custody/evidence_id", "V-1"));
		assert_true(cl_jhas(j, "custody/to", "court"));
		json_decref(j);
	}
	file_sha(dest, got);
	assert_memory_equal(got, sha, 32);

	/* The province resumed its own copy from the chunks it held. */
	assert_int_equal(blob_state(w->p, "county-a", seq, st, sizeof(st), &held, &resumed), 0);
	assert_string_equal(st, "held");
	printf("# province resumed its relay copy from %llu bytes\n", (unsigned long long)resumed);
	assert_true(resumed > 0);

	/* Peak memory of every node during the transfer. */
	for (tn_t *const *n = (tn_t *const[]){w->p, w->a, w->court, NULL}; *n; n++) {
		rss = peak_rss_kb((*n)->pid);
		printf("# %s peak RSS: %ld kB\n", (*n)->id, rss);
		if (!SANITIZED)
			assert_true(rss > 0 && rss < RSS_LIMIT_KB);
	}

	/* The fetch is in the signed history, seen by county A. */
	assert_true(cl_until(fetch_seen, w, 10000));

	/* The court's case file carries the fetched video: it verifies offline. */
	{
		char bundle[700], root[65], cmd[2048];
		size_t n;
		FILE *pp;
		int wst;

		snprintf(bundle, sizeof(bundle), "%s/court/case.ldb", w->c->base);
		assert_int_equal(cl_cli(w->court, w->out, sizeof(w->out), "export", CASE, "-o",
					bundle, "--files", NULL),
				 0);
		ld_hex(w->c->root->sign_pub, 32, root);
		snprintf(cmd, sizeof(cmd), "'%s' verify '%s' --root %s 2>&1", getenv("LD_CLI"),
			 bundle, root);
		pp = popen(cmd, "r");
		assert_non_null(pp);
		n = fread(w->out, 1, sizeof(w->out) - 1, pp);
		w->out[n] = '\0';
		wst = pclose(pp);
		assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
		assert_non_null(strstr(w->out, "VERIFIED"));
		assert_non_null(strstr(w->out, "SHA-256 matches"));
	}

	/* A hand-over by county A entitles county C. */
	assert_int_equal(cl_cli(w->a, w->out, sizeof(w->out), "evidence", "hand-over", ref, "--to",
				"county-c", "--note", "seal 0042", "--json", NULL),
			 0);
	assert_true(cl_out_has(w->out, "to", "county-c"));
	/* The province (which judges county C's request) must hold it. */
	assert_int_equal(cl_wait(w->p, "county-a", signed_seq(w->out, "county-a"), 15000), 0);
	assert_int_equal(cl_cli(w->x, w->out, sizeof(w->out), "evidence", "get", ref, "-o", dest_c,
				"--quiet", "--no-custody", "--timeout", "60", NULL),
			 0);
	file_sha(dest_c, got);
	assert_memory_equal(got, sha, 32);
}

/* Wrong arguments and unknown records: precise errors, nothing written. */
static void test_get_errors(void **state)
{
	world_t *w = *state;
	char dest[700];

	snprintf(dest, sizeof(dest), "%s/court/none", w->c->base);
	assert_int_equal(
		cl_cli(w->court, w->out, sizeof(w->out), "evidence", "get", "county-a:1", NULL), 2);
	assert_int_equal(cl_cli(w->court, w->out, sizeof(w->out), "evidence", "get", "nonsense",
				"-o", dest, NULL),
			 2);
	assert_int_equal(cl_cli(w->court, w->out, sizeof(w->out), "evidence", "get",
				"county-a:999999", "-o", dest, "--quiet", NULL),
			 7);
	/* An entry that is not an evidence record (the roster's first). */
	assert_int_equal(cl_cli(w->court, w->out, sizeof(w->out), "evidence", "get", "province:1",
				"-o", dest, "--quiet", NULL),
			 2);
	assert_true(access(dest, F_OK) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_through_province_resumes),
		cmocka_unit_test(test_get_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

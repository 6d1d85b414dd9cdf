/* tests/unit/test_crash.c: crash safety of local appends.
 *
 * A child process appends to its feed and acknowledges every committed call
 * through a pipe (seq and id of the last entry). The parent SIGKILLs it at a
 * random moment, reaps it, reopens the store and checks that the whole chain
 * verifies and that no acknowledged entry was lost or replaced by another one
 * (which would mean a sequence number was signed twice). This is repeated on
 * one data dir, each new child continuing the feed where the last one died.
 *
 * The parent never holds an LMDB environment across fork(): the store is
 * opened there only while no child is alive.
 *
 * LD_TEST_SEED=<n> repeats the kill schedule and payloads of a failed run
 * (the exact moments a kill lands still depend on the machine).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/errors.h"
#include "testutil.h"

#define WRITER "writer"
#define CYCLES 60
#define EARLY_EVERY 5           /* about one kill in 5 lands while the child opens */
#define EARLY_US 1500
#define LATE_US 30000
/* A child stops appending after this many calls and waits to be killed, so
 * that on a fast disk the feed (and the per-cycle full re-check) stays small. */
#define CHILD_MAX_CALLS 80
#define GROUP_MAX 6
#define PAYLOAD_MIN 200
#define PAYLOAD_MAX 700
#define DRAIN_TIMEOUT 10.0      /* s for a killed child's pipe to reach EOF */
#define TEST_BUDGET 120.0       /* s; far above the normal run, only against hangs */
#define READS_MAX 1000000

/* Child exit codes. Anything but death by our SIGKILL fails the test. */
enum {
	CHILD_EOPEN = 10,
	CHILD_ELOCAL,
	CHILD_EHEAD,
	CHILD_EAPPEND,
	CHILD_ESEQ,
	CHILD_EPIPE,
	CHILD_EPARENT,
};

/* What the child reports after each successful ld_store_append(). A pipe
 * write this small is atomic, so a record is never torn by the kill. */
struct ack {
	uint64_t seq;
	uint8_t id[LD_ID_LEN];
};

struct ack_reader {
	uint8_t buf[64 * sizeof(struct ack)];
	size_t fill;
	bool eof;
	struct ack *acks;   /* every ack of the whole test */
	size_t n, cap;
};

static uint64_t rng_next(uint64_t *st)
{
	/* splitmix64: tiny, seedable, good enough for schedules and payloads. */
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *st, uint64_t n)
{
	return rng_next(st) % n;
}

static _Noreturn void child_fail(int code, const char *what, int err)
{
	fprintf(stderr, "crash child %d: %s: %d (%s)\n", (int)getpid(), what, err,
		ld_strerror(err));
	_exit(code);
}

/* The writer. Never returns: it must not run any of cmocka's code, and it
 * leaves with _exit() so nothing of the parent's state is flushed twice. */
static _Noreturn void child_main(const char *dir, const uint8_t *root_pub, ld_key_t *key,
				 int wfd, pid_t parent, uint64_t seed)
{
	static uint8_t payload[GROUP_MAX][PAYLOAD_MAX];
	ld_append_req_t reqs[GROUP_MAX];
	ld_entry_ref_t refs[GROUP_MAX];
	uint64_t rng = seed, last = 0;
	ld_feed_head_t h;
	ld_store_t *s;
	int r;

	/* Should the test process die, nobody else would kill the writer. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(CHILD_EPARENT);
	if ((r = ld_store_open(dir, root_pub, NULL, &s)) < 0)
		child_fail(CHILD_EOPEN, "ld_store_open", r);
	if ((r = ld_store_set_local(s, WRITER, key)) < 0)
		child_fail(CHILD_ELOCAL, "ld_store_set_local", r);
	r = ld_store_head(s, WRITER, &h);
	if (r == 0)
		last = h.seq;
	else if (r != -ENOENT)
		child_fail(CHILD_EHEAD, "ld_store_head", r);

	for (int call = 0; call < CHILD_MAX_CALLS; call++) {
		size_t n = rng_below(&rng, 4) == 0 ? 2 + rng_below(&rng, GROUP_MAX - 1) : 1;
		struct ack a;

		for (size_t i = 0; i < n; i++) {
			size_t len = PAYLOAD_MIN + rng_below(&rng, PAYLOAD_MAX - PAYLOAD_MIN + 1);

			for (size_t j = 0; j < len; j += 8) {
				uint64_t x = rng_next(&rng);

				memcpy(payload[i] + j, &x, len - j < 8 ? len - j : 8);
			}
			reqs[i] = (ld_append_req_t){
				.kind = LD__KIND__KIND_CASE_REFERRAL,
				.everyone = true,
				.payload = payload[i],
				.payload_len = len,
			};
		}
		if ((r = ld_store_append(s, reqs, n, refs)) < 0)
			child_fail(CHILD_EAPPEND, "ld_store_append", r);
		for (size_t i = 0; i < n; i++)
			if (refs[i].seq != last + 1 + i)
				child_fail(CHILD_ESEQ, "append returned a seq out of order",
					   (int)refs[i].seq);
		last += n;
		a.seq = last;
		memcpy(a.id, refs[n - 1].id, LD_ID_LEN);
		if (write(wfd, &a, sizeof(a)) != (ssize_t)sizeof(a))
			child_fail(CHILD_EPIPE, "write ack", -errno);
	}
	/* Budget spent: wait for the kill, which the parent sends at its
	 * deadline whatever happens (and PDEATHSIG covers the parent dying). */
	for (;;)
		pause();
}

static void ack_push(struct ack_reader *rd, const struct ack *a)
{
	if (rd->n == rd->cap) {
		rd->cap = rd->cap ? rd->cap * 2 : 256;
		rd->acks = realloc(rd->acks, rd->cap * sizeof(*rd->acks));
		if (!rd->acks)
			abort();
	}
	rd->acks[rd->n++] = *a;
}

/* Collect acks from 'fd' until 'deadline' (tu_now() seconds) or EOF.
 * 0, or -errno on a read error. */
static int ack_read(struct ack_reader *rd, int fd, double deadline)
{
	for (int i = 0; i < READS_MAX && !rd->eof; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		double left = deadline - tu_now();
		struct timespec ts;
		ssize_t n;
		size_t off;
		int r;

		if (left <= 0)
			return 0;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		r = ppoll(&p, 1, &ts, NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		n = read(fd, rd->buf + rd->fill, sizeof(rd->buf) - rd->fill);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			rd->eof = true;
			break;
		}
		rd->fill += (size_t)n;
		for (off = 0; rd->fill - off >= sizeof(struct ack); off += sizeof(struct ack)) {
			struct ack a;

			memcpy(&a, rd->buf + off, sizeof(a));
			ack_push(rd, &a);
		}
		memmove(rd->buf, rd->buf + off, rd->fill - off);
		rd->fill -= off;
	}
	return rd->eof ? 0 : -ETIMEDOUT;
}

/* Does the store hold exactly the acknowledged entry at acks[i]? */
static void assert_acked(ld_store_t *s, const struct ack *a)
{
	ld_entry_t *e = NULL;
	int r = ld_store_get(s, WRITER, a->seq, &e, NULL);

	if (r != 0)
		fail_msg("acknowledged entry %" PRIu64 " unreadable: %s", a->seq, ld_strerror(r));
	if (memcmp(e->id, a->id, LD_ID_LEN) != 0)
		fail_msg("acknowledged entry %" PRIu64 " was replaced by another one", a->seq);
	ld_entry_destroy(&e);
}

static uint64_t test_seed(void)
{
	const char *env = getenv("LD_TEST_SEED");

	if (env && *env)
		return strtoull(env, NULL, 0);
	return (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid();
}

static void test_kill_during_appends(void **state)
{
	uint64_t seed = test_seed(), rng = seed, head = 0, acked = 0;
	struct ack_reader rd = {0};
	tu_node_t root, writer, *members[] = {&writer};
	int kills = 0, early = 0, progress = 0, unacked_commits = 0;
	double start = tu_now();
	ld_store_t *s;
	char *dir;

	printf("crash: seed %" PRIu64 " (LD_TEST_SEED=%" PRIu64 " repeats it)\n", seed, seed);
	/* Keys are made once, before any fork, so every child signs with the
	 * same key and continues the same feed. */
	tu_node_init(&root, "root");
	tu_node_init(&writer, WRITER);
	dir = tu_tmpdir("crash");
	s = tu_store_with_roster(dir, &root, members, 1);
	ld_store_destroy(&s);

	for (int cycle = 0; cycle < CYCLES; cycle++) {
		bool is_early = rng_below(&rng, EARLY_EVERY) == 0;
		double delay = (double)rng_below(&rng, is_early ? EARLY_US : LATE_US) / 1e6;
		uint64_t child_seed = rng_next(&rng), cycle_acked = acked;
		size_t first_ack = rd.n;
		int fds[2], status = 0, r1, r2;
		ld_feed_head_t h;
		uint64_t count = 0;
		pid_t pid, w;
		double t0;
		int r;

		if (tu_now() - start > TEST_BUDGET)
			fail_msg("cycle %d: over the %.0f s budget", cycle, TEST_BUDGET);
		assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
		fflush(stdout);
		fflush(stderr);
		t0 = tu_now();
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child_main(dir, root.pub, writer.key, fds[1], getppid(), child_seed);
		}
		close(fds[1]);

		/* No assertion may fire while the child lives: it would leave
		 * the test with a writer still running. */
		rd.eof = false;
		r1 = ack_read(&rd, fds[0], t0 + delay);
		kill(pid, SIGKILL);
		r2 = ack_read(&rd, fds[0], tu_now() + DRAIN_TIMEOUT);
		close(fds[0]);
		do
			w = waitpid(pid, &status, 0);
		while (w < 0 && errno == EINTR);

		assert_int_equal(w, pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("cycle %d: child did not die by our SIGKILL (status 0x%x, exit %d)",
				 cycle, status, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		assert_int_equal(r1, 0);
		assert_int_equal(r2, 0);
		assert_true(rd.eof);
		assert_int_equal(rd.fill, 0);
		kills++;
		for (size_t i = first_ack; i < rd.n; i++) {
			/* Acks of one child ascend; a restart continues above. */
			if (rd.acks[i].seq <= cycle_acked)
				fail_msg("cycle %d: ack %" PRIu64 " after %" PRIu64, cycle,
					 rd.acks[i].seq, cycle_acked);
			cycle_acked = rd.acks[i].seq;
		}
		if (rd.n == first_ack)
			early++;

		r = ld_store_open(dir, root.pub, NULL, &s);
		if (r != 0)
			fail_msg("cycle %d: reopen after kill: %s", cycle, ld_strerror(r));
		r = ld_store_head(s, WRITER, &h);
		if (r == -ENOENT) {
			/* Killed before its first commit ever: nothing may have been acked. */
			assert_int_equal(cycle_acked, 0);
			h.seq = 0;
		} else {
			assert_int_equal(r, 0);
			r = ld_store_check_feed(s, WRITER, LD_CHAIN_EACH_SIG, &count);
			if (r != 0)
				fail_msg("cycle %d: chain of %" PRIu64 " entries does not verify: %s",
					 cycle, h.seq, ld_strerror(r));
			assert_int_equal(count, h.seq);
			assert_false(h.frozen);
		}
		if (h.seq < cycle_acked)
			fail_msg("cycle %d: head %" PRIu64 " but %" PRIu64 " was acknowledged",
				 cycle, h.seq, cycle_acked);
		/* What the previous reopen saw was committed too. */
		if (h.seq < head)
			fail_msg("cycle %d: head went back from %" PRIu64 " to %" PRIu64,
				 cycle, head, h.seq);
		for (size_t i = first_ack; i < rd.n; i++)
			assert_acked(s, &rd.acks[i]);
		assert_int_equal(ld_store_check_feed(s, root.id, LD_CHAIN_EACH_SIG, &count), 0);
		assert_int_equal(count, 2);
		ld_store_destroy(&s);

		if (h.seq > head)
			progress++;
		/* Killed between its commit and its ack. */
		if (h.seq > cycle_acked)
			unacked_commits++;
		head = h.seq;
		acked = cycle_acked;
	}

	/* The feed must really have grown, in many separate lives, or the kills
	 * tested nothing. */
	assert_true(head > 0);
	assert_true(rd.n > 0);
	assert_true(progress >= CYCLES / 4);
	assert_int_equal(kills, CYCLES);

	/* Finally every acknowledgement of the whole run, against one store. */
	assert_int_equal(ld_store_open(dir, root.pub, NULL, &s), 0);
	for (size_t i = 0; i < rd.n; i++)
		assert_acked(s, &rd.acks[i]);
	ld_store_destroy(&s);

	printf("crash: %d kills (%d before any ack, %d between a commit and its ack), "
	       "%d lives advanced the feed, %" PRIu64 " entries committed, %zu acks, %.1f s\n",
	       kills, early, unacked_commits, progress, head, rd.n, tu_now() - start);

	free(rd.acks);
	tu_rmrf(dir);
	free(dir);
	tu_node_fini(&writer);
	tu_node_fini(&root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_during_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

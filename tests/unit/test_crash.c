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

#include "common/base/errors.h"
#include "testutil.h"

#define WRITER "writer"
#define CYCLES 60
#define EARLY_EVERY 5 /* about one kill in 5 lands while the child opens */
#define EARLY_US 1500
#define LATE_US 30000	   /* the usual kill window after fork */
#define LATE_MAX_US 300000 /* the widest it gets on a slow machine */
/* A child stops appending after this many calls and waits to be killed, so
 * that on a fast disk the feed (and the per-cycle full re-check) stays small. */
#define CHILD_MAX_CALLS 50
#define GROUP_MAX 6
#define PAYLOAD_MIN 200
#define PAYLOAD_MAX 700
#define DRAIN_TIMEOUT 10.0 /* s for a killed child's pipe to reach EOF */
#define TEST_BUDGET 120.0  /* s; far above the normal run, only against hangs */
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

/* What the child tells the parent: before each ld_store_append() the seqs it
 * is about to write, after it the seq and id of the last entry committed.
 * A pipe write this small is atomic, so a record is never torn by the kill. */
enum { REC_INTENT = 1, REC_ACK = 2 };

struct rec {
	uint32_t type;
	uint32_t pad;
	uint64_t first, last;
	uint8_t id[LD_ID_LEN]; /* REC_ACK: id of entry 'last' */
};

struct ack {
	uint64_t seq;
	uint8_t id[LD_ID_LEN];
};

/* The parent's view of one child's records. */
struct ack_reader {
	uint8_t buf[64 * sizeof(struct rec)];
	size_t fill;
	bool eof;
	uint64_t known;	       /* highest seq known committed (ack or earlier reopen) */
	uint64_t intent_first; /* the call in flight, 0 if none */
	uint64_t intent_last;
	double t_first_ack; /* tu_now() of this child's first ack, 0 if none */
	char bad[160];	    /* first protocol violation, "" if none */
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
static _Noreturn void child_main(const char *dir, const uint8_t *root_pub, ld_key_t *key, int wfd,
				 pid_t parent, uint64_t seed)
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
	if ((r = ld_views_open(dir, root_pub, NULL, &s)) < 0)
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
		struct rec rec;

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
		rec = (struct rec){.type = REC_INTENT, .first = last + 1, .last = last + n};
		if (write(wfd, &rec, sizeof(rec)) != (ssize_t)sizeof(rec))
			child_fail(CHILD_EPIPE, "write intent", -errno);
		if ((r = ld_store_append(s, reqs, n, refs)) < 0)
			child_fail(CHILD_EAPPEND, "ld_store_append", r);
		for (size_t i = 0; i < n; i++) {
			if (refs[i].seq != last + 1 + i) {
				fprintf(stderr,
					"crash child: append gave seq %" PRIu64 ", want %" PRIu64
					"\n",
					refs[i].seq, last + 1 + i);
				_exit(CHILD_ESEQ);
			}
		}
		last += n;
		rec = (struct rec){.type = REC_ACK, .first = last + 1 - n, .last = last};
		memcpy(rec.id, refs[n - 1].id, LD_ID_LEN);
		if (write(wfd, &rec, sizeof(rec)) != (ssize_t)sizeof(rec))
			child_fail(CHILD_EPIPE, "write ack", -errno);
	}
	/* Budget spent: wait for the kill, which the parent sends at its
	 * deadline whatever happens (and PDEATHSIG covers the parent dying). */
	for (;;)
		pause();
}

static void ack_push(struct ack_reader *rd, const struct rec *rec)
{
	if (rd->n == rd->cap) {
		rd->cap = rd->cap ? rd->cap * 2 : 256;
		rd->acks = realloc(rd->acks, rd->cap * sizeof(*rd->acks));
		if (!rd->acks)
			abort();
	}
	rd->acks[rd->n].seq = rec->last;
	memcpy(rd->acks[rd->n].id, rec->id, LD_ID_LEN);
	rd->n++;
}

/* Follow the child's protocol. No assertion here: the child may be alive,
 * so a violation is only noted, to fail once the child is reaped. */
static void rec_take(struct ack_reader *rd, const struct rec *rec)
{
	if (rd->bad[0])
		return;
	if (rec->type == REC_INTENT && !rd->intent_first && rec->first == rd->known + 1 &&
	    rec->last >= rec->first) {
		rd->intent_first = rec->first;
		rd->intent_last = rec->last;
	} else if (rec->type == REC_ACK && rd->intent_first && rec->first == rd->intent_first &&
		   rec->last == rd->intent_last) {
		ack_push(rd, rec);
		if (!rd->t_first_ack)
			rd->t_first_ack = tu_now();
		rd->known = rec->last;
		rd->intent_first = rd->intent_last = 0;
	} else {
		snprintf(rd->bad, sizeof(rd->bad),
			 "record type %u seqs %" PRIu64 "..%" PRIu64 " after %" PRIu64
			 " (in flight %" PRIu64 "..%" PRIu64 ")",
			 rec->type, rec->first, rec->last, rd->known, rd->intent_first,
			 rd->intent_last);
	}
}

/* Take the child's records from 'fd' until 'deadline' (tu_now() seconds) or EOF.
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
		for (off = 0; rd->fill - off >= sizeof(struct rec); off += sizeof(struct rec)) {
			struct rec rec;

			memcpy(&rec, rd->buf + off, sizeof(rec));
			rec_take(rd, &rec);
		}
		memmove(rd->buf, rd->buf + off, rd->fill - off);
		rd->fill -= off;
	}
	return rd->eof ? 0 : -ETIMEDOUT;
}

/* Does the store hold exactly the acknowledged entry 'a'? */
static void assert_acked(ld_store_t *s, const struct ack *a)
{
	ld_entry_t *e = NULL;
	int r = ld_store_get(s, WRITER, a->seq, &e, NULL);
	bool same = r == 0 && memcmp(e->id, a->id, LD_ID_LEN) == 0;

	ld_entry_destroy(&e);
	if (r != 0)
		fail_msg("acknowledged entry %" PRIu64 " unreadable: %s", a->seq, ld_strerror(r));
	if (!same)
		fail_msg("acknowledged entry %" PRIu64 " was replaced by another one", a->seq);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static uint64_t test_seed(void)
{
	const char *env = getenv("LD_TEST_SEED");

	if (env && *env)
		return strtoull(env, NULL, 0);
	return (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid();
}

/* Everything a failed assertion would otherwise leak; freed by teardown. */
struct crash_fx {
	char *dir;
	tu_node_t root, writer;
	ld_store_t *s;
	struct ack_reader rd;
	bool passed; /* else the data dir is kept, to look at */
};

static int setup_crash(void **state)
{
	struct crash_fx *fx = calloc(1, sizeof(*fx));
	tu_node_t *members[1];

	if (!fx)
		return -1;
	/* Keys are made once, before any fork, so every child signs with the
	 * same key and continues the same feed. */
	tu_node_init(&fx->root, "root");
	tu_node_init(&fx->writer, WRITER);
	members[0] = &fx->writer;
	fx->dir = tu_tmpdir("crash");
	fx->s = tu_store_with_roster(fx->dir, &fx->root, members, 1);
	ld_store_destroy(&fx->s);
	*state = fx;
	return 0;
}

static int teardown_crash(void **state)
{
	struct crash_fx *fx = *state;

	ld_store_destroy(&fx->s);
	free(fx->rd.acks);
	if (fx->passed)
		tu_rmrf(fx->dir);
	else
		fprintf(stderr, "crash: data dir kept: %s\n", fx->dir);
	free(fx->dir);
	tu_node_fini(&fx->writer);
	tu_node_fini(&fx->root);
	free(fx);
	return 0;
}

static void test_kill_during_appends(void **state)
{
	struct crash_fx *fx = *state;
	struct ack_reader *rd = &fx->rd;
	uint64_t seed = test_seed(), rng = seed, head = 0;
	int kills = 0, early = 0, progress = 0, in_flight = 0, unacked = 0;
	double start = tu_now(), late = LATE_US / 1e6, first_ack_s[CYCLES];
	size_t n_first_ack = 0;

	printf("crash: seed %" PRIu64 " (LD_TEST_SEED=%" PRIu64 " repeats it)\n", seed, seed);
	for (int cycle = 0; cycle < CYCLES; cycle++) {
		bool is_early = rng_below(&rng, EARLY_EVERY) == 0;
		uint64_t frac = rng_next(&rng), child_seed = rng_next(&rng), count = 0;
		double delay = is_early ? (double)(frac % EARLY_US) / 1e6
					: late * (double)(frac >> 11) / (double)(1ull << 53);
		size_t first_ack = rd->n;
		int fds[2], status = 0, r1, r2, r;
		ld_feed_head_t h;
		pid_t parent, pid, w;
		double t0;

		if (tu_now() - start > TEST_BUDGET)
			fail_msg("cycle %d: over the %.0f s budget", cycle, TEST_BUDGET);
		assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
		fflush(stdout);
		fflush(stderr);
		parent = getpid();
		t0 = tu_now();
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child_main(fx->dir, fx->root.pub, fx->writer.key, fds[1], parent,
				   child_seed);
		}
		close(fds[1]);

		/* No assertion may fire while the child lives: it would leave
		 * the test with a writer still running. */
		rd->eof = false;
		rd->known = head;
		rd->intent_first = rd->intent_last = 0;
		rd->t_first_ack = 0;
		r1 = ack_read(rd, fds[0], t0 + delay);
		kill(pid, SIGKILL);
		r2 = ack_read(rd, fds[0], tu_now() + DRAIN_TIMEOUT);
		close(fds[0]);
		do
			w = waitpid(pid, &status, 0);
		while (w < 0 && errno == EINTR);

		assert_int_equal(w, pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("cycle %d: child not ended by our SIGKILL (status 0x%x, exit %d)",
				 cycle, status, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		kills++;
		assert_int_equal(r1, 0);
		assert_int_equal(r2, 0);
		assert_true(rd->eof);
		assert_int_equal(rd->fill, 0);
		if (rd->bad[0])
			fail_msg("cycle %d: child broke the protocol: %s", cycle, rd->bad);
		if (rd->n == first_ack)
			early++;
		/* On a slow machine a child may need more than the nominal window
		 * to open and commit at all; widen it so that most kills still
		 * land among appends rather than before the first. The median
		 * keeps one stalled fsync from widening it for good. */
		if (rd->t_first_ack) {
			first_ack_s[n_first_ack++] = rd->t_first_ack - t0;
			qsort(first_ack_s, n_first_ack, sizeof(double), cmp_double);
			late = 3 * first_ack_s[n_first_ack / 2];
			late = late < LATE_US / 1e6	  ? LATE_US / 1e6
			       : late > LATE_MAX_US / 1e6 ? LATE_MAX_US / 1e6
							  : late;
		} else if (!is_early && n_first_ack == 0) {
			/* Not one commit yet in the whole window: the machine is
			 * slower than the window assumes (a loaded CI runner);
			 * widen it until commits land, or every kill would land
			 * before the first and test nothing. */
			late = late * 2 > LATE_MAX_US / 1e6 ? LATE_MAX_US / 1e6 : late * 2;
		}

		r = ld_views_open(fx->dir, fx->root.pub, NULL, &fx->s);
		if (r != 0)
			fail_msg("cycle %d: reopen after kill: %s", cycle, ld_strerror(r));
		r = ld_store_head(fx->s, WRITER, &h);
		if (r == -ENOENT) {
			h.seq = 0; /* killed before the feed's first commit ever */
		} else {
			assert_int_equal(r, 0);
			r = ld_store_check_feed(fx->s, WRITER, LD_CHAIN_EACH_SIG, &count);
			if (r != 0)
				fail_msg("cycle %d: chain of %" PRIu64 " does not verify: %s",
					 cycle, h.seq, ld_strerror(r));
			assert_int_equal(count, h.seq);
			assert_false(h.frozen);
		}
		/* Nothing acknowledged (or seen by an earlier reopen) is lost, and
		 * the call in flight is stored whole or not at all. */
		if (h.seq < rd->known)
			fail_msg("cycle %d: head %" PRIu64 " but %" PRIu64 " was committed", cycle,
				 h.seq, rd->known);
		if (h.seq != rd->known && !(rd->intent_first && h.seq == rd->intent_last))
			fail_msg("cycle %d: head %" PRIu64 ", committed %" PRIu64
				 ", in flight %" PRIu64 "..%" PRIu64,
				 cycle, h.seq, rd->known, rd->intent_first, rd->intent_last);
		for (size_t i = first_ack; i < rd->n; i++)
			assert_acked(fx->s, &rd->acks[i]);
		assert_int_equal(ld_store_check_feed(fx->s, fx->root.id, LD_CHAIN_EACH_SIG, &count),
				 0);
		assert_int_equal(count, 2);
		ld_store_destroy(&fx->s);

		if (rd->intent_first)
			in_flight++;
		if (h.seq > rd->known)
			unacked++;
		if (h.seq > head)
			progress++;
		head = h.seq;
	}

	/* The feed must really have grown, in many separate lives, or the kills
	 * tested nothing. */
	assert_true(head > 0);
	assert_true(rd->n > 0);
	assert_true(progress >= CYCLES / 5);
	assert_int_equal(kills, CYCLES);

	/* Finally every acknowledgement of the whole run, against one store. */
	assert_int_equal(ld_views_open(fx->dir, fx->root.pub, NULL, &fx->s), 0);
	for (size_t i = 0; i < rd->n; i++)
		assert_acked(fx->s, &rd->acks[i]);
	ld_store_destroy(&fx->s);

	printf("crash: %d kills (%d before any ack, %d during a call: %d after its commit), "
	       "%d lives advanced the feed, %" PRIu64 " entries, %zu acks, window %.0f ms, "
	       "%.1f s\n",
	       kills, early, in_flight, unacked, progress, head, rd->n, late * 1e3,
	       tu_now() - start);
	fx->passed = true;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kill_during_appends, setup_crash,
						teardown_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/integration/test_decode.c: decode bombs from a member. A roster
 * member, with its real CURVE key, sends the province HELLOS Hello frames
 * of about 7 MiB, each with millions of empty feed heads (2 bytes on the
 * wire, some 170 bytes once decoded: before frames were walked first, 20
 * of them took the province from 12 to 651 MiB and stalled replication for
 * 9.8 s). Each is refused before decoding with a rate-limited line naming
 * the peer and the field, and counted among the refusals; the province's
 * peak resident memory stays within RSS_BOUND_MIB of what it was before,
 * and another member's entry reaches it within seconds. Each figure is
 * printed as "figure: ..." (docs/RELIABILITY.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <signal.h>
#include <zmq.h>

#include "cluster.h"
#include "testutil.h"
#include "api.pb-c.h"

#define HELLOS 20
#define HELLO_BYTES (7u << 20)
#define RSS_BOUND_MIB 100
#define REFERRAL 100 /* a kind this version does not interpret */

typedef struct world {
	cluster_t *c;
	tn_t *p, *a, *bomber;
	void *ctx, *s;
} world_t;

static int setup(void **state)
{
	world_t *w = calloc(1, sizeof(*w));
	const char *to_p[] = {"province"};

	w->c = cl_new("decode");
	w->p = cl_node(w->c, "province", true, NULL, NULL, 0);
	w->a = cl_node(w->c, "county-a", false, "province", to_p, 1);
	/* A roster member whose keys the test holds. */
	w->bomber = cl_node(w->c, "county-h", false, "province", to_p, 1);
	assert_int_equal(cl_start(w->c, w->p), 0);
	assert_int_equal(cl_roster_add(w->c, w->p), 0);
	assert_int_equal(cl_roster_add(w->c, w->a), 0);
	assert_int_equal(cl_roster_add(w->c, w->bomber), 0);
	assert_int_equal(cl_start(w->c, w->a), 0);
	assert_int_equal(cl_wait(w->a, "province", 3, 15000), 0);
	w->ctx = zmq_ctx_new();
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world_t *w = *state;

	if (w->s)
		zmq_close(w->s);
	zmq_ctx_term(w->ctx);
	cl_destroy(&w->c);
	free(w);
	return 0;
}

/* "VmRSS" or "VmHWM" of 'pid' in KiB. */
static long status_kib(pid_t pid, const char *key)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			kib = atol(line + strlen(key) + 1);
	fclose(f);
	return kib;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	for (; v >= 0x80; v >>= 7)
		p[n++] = (uint8_t)(v | 0x80);
	p[n++] = (uint8_t)v;
	return n;
}

/* Frame { hello { node_id: "county-h", heads {} x many } } of about
 * HELLO_BYTES bytes, written by hand: *ret_heads gets the heads. */
static uint8_t *bomb(size_t *ret_len, size_t *ret_heads)
{
	static const char id[] = "county-h";
	size_t heads = (HELLO_BYTES - 64) / 2, inner = 2 + strlen(id) + 2 * heads, off = 0;
	uint8_t *b = malloc(inner + 16);

	assert_non_null(b);
	b[off++] = 0x0a; /* Frame.hello */
	off += put_varint(b + off, inner);
	b[off++] = 0x0a; /* Hello.node_id */
	b[off++] = (uint8_t)strlen(id);
	memcpy(b + off, id, strlen(id));
	off += strlen(id);
	for (size_t i = 0; i < heads; i++) {
		b[off++] = 0x12; /* Hello.heads, empty */
		b[off++] = 0x00;
	}
	*ret_len = off;
	*ret_heads = heads;
	return b;
}

static uint64_t too_big(tn_t *n)
{
	Ld__ApiResponse *resp;
	uint64_t k = 0;

	assert_int_equal(ldc_status(n->c, &resp), 0);
	for (size_t i = 0;
	     resp->status && resp->status->counters && i < resp->status->counters->n_refused; i++)
		if (!strcmp(resp->status->counters->refused[i]->name, "too_big"))
			k = resp->status->counters->refused[i]->count;
	ld__api_response__free_unpacked(resp, NULL);
	return k;
}

static bool all_refused(void *ud)
{
	return too_big(ud) >= HELLOS;
}

static void test_hello_bombs(void **state)
{
	world_t *w = *state;
	long rss0 = status_kib(w->p->pid, "VmRSS"), hwm;
	size_t len, heads;
	uint8_t *b = bomb(&len, &heads);
	int zero = 0;
	double t0 = tu_now(), t_sent, t_refused, t_entry;
	ldc_ref_t ref;

	w->s = zmq_socket(w->ctx, ZMQ_DEALER);
	assert_non_null(w->s);
	zmq_setsockopt(w->s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(w->s, ZMQ_CURVE_SERVERKEY, w->p->curve_pub, 40);
	zmq_setsockopt(w->s, ZMQ_CURVE_PUBLICKEY, w->bomber->curve_pub, 40);
	zmq_setsockopt(w->s, ZMQ_CURVE_SECRETKEY, w->bomber->curve_sec, 40);
	assert_int_equal(zmq_connect(w->s, w->p->endpoint), 0);
	for (int i = 0; i < HELLOS; i++)
		assert_int_equal(zmq_send(w->s, b, len, 0), (int)len);
	t_sent = tu_now() - t0;
	/* county-a's entry, while the province takes the bombs. */
	t0 = tu_now();
	assert_int_equal(cl_append(w->a, REFERRAL, NULL, 0, "during the bombs", 16, &ref), 0);
	assert_int_equal(cl_wait(w->p, "county-a", ref.seq, 5000), 0);
	t_entry = tu_now() - t0;
	assert_true(cl_until(all_refused, w->p, 60000));
	t_refused = tu_now() - t0;
	hwm = status_kib(w->p->pid, "VmHWM");
	fprintf(stderr,
		"figure: %d Hello frames of %zu bytes (%zu empty heads each) sent in %.2f s; "
		"county-a's entry at the province in %.3f s; all refused %.2f s after; province "
		"RSS %ld KiB before, peak %ld KiB, now %ld KiB\n",
		HELLOS, len, heads, t_sent, t_entry, t_refused, rss0, hwm,
		status_kib(w->p->pid, "VmRSS"));
	assert_true(cl_log_contains(w->p, "from county-h refused before decoding: ld.Hello"));
	assert_true(hwm - rss0 < RSS_BOUND_MIB * 1024);
	assert_int_equal(kill(w->p->pid, 0), 0);
	assert_true(t_entry < 5.0);
	free(b);
}

/* Sanitizer builds: AddressSanitizer keeps freed memory in a quarantine
 * (256 MiB by default), so the province would hold the refused frames' bytes
 * as if they were live. The daemons this test starts keep a small one, and
 * the bound measures what the node holds, as in a normal build. */
static void small_quarantine(void)
{
#if defined(__SANITIZE_ADDRESS__)
	const char *o = getenv("ASAN_OPTIONS");
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s%squarantine_size_mb=4", o ? o : "", o && *o ? ":" : "");
	setenv("ASAN_OPTIONS", buf, 1);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello_bombs, setup, teardown),
	};

	small_quarantine();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

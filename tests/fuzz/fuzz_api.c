/* tests/fuzz/fuzz_api.c: libFuzzer harness for the local API: bytes that
 * arrive on the API socket, as the city's node (fuzz_world.h) answers them.
 *
 * The input is a sequence of requests, each "[u16 length, big endian]
 * [bytes]" (gen_server_corpus.c writes seeds so), read together as the
 * loop reads what waits on the socket: ld_api_serve() decodes, checks and
 * answers them (appends among them signed in one commit), the outbox is
 * done, and ten minutes later every WAIT still open times out. A real
 * store in a temporary directory; no socket, no network, no other process.
 *
 * Beyond the sanitizers, the harness abort()s unless every request gets
 * exactly one answer, and every answer decodes as ld.ApiResponse and says
 * whether it succeeded; whatever an input made the node sign re-verifies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.pb-c.h"
#include "common/base/errors.h"
#include "server/api.h"
#include "fuzz_world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUESTS_MAX 64

static fw_node_t *world;
static unsigned answers[REQUESTS_MAX];

static _Noreturn void broken(const char *what, unsigned i)
{
	fprintf(stderr, "fuzz_api: invariant broken: %s (request %u)\n", what, i);
	abort();
}

/* Client k's routing id is "c" and k as one byte. */
static void tap_answer(void *ud, const uint8_t *rid, size_t rid_len, const void *data, size_t len)
{
	Ld__ApiResponse *r;

	if (rid_len != 2 || rid[0] != 'c' || rid[1] >= REQUESTS_MAX)
		broken("an answer to a client that did not ask", 0);
	r = ld__api_response__unpack(NULL, len, data);
	if (!r || !r->has_ok)
		broken("an answer that does not decode or does not say ok or not", rid[1]);
	if (!r->ok && (!r->has_err || r->err >= 0 || !r->message || !r->message[0]))
		broken("a failure without an error and a message", rid[1]);
	ld__api_response__free_unpacked(r, NULL);
	answers[rid[1]]++;
}

static int check_head(void *ud, const ld_feed_head_t *h)
{
	uint64_t count = 0;
	int r = ld_store_check_feed(ud, h->feed, LD_CHAIN_EACH_SIG, &count);

	if (r < 0 || count != h->seq) {
		fprintf(stderr, "fuzz_api: feed %s does not re-verify: %s\n", h->feed,
			ld_strerror(r));
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ld_node_tap_t tap = {.answer = tap_answer};
	ld_api_msg_t msgs[REQUESTS_MAX];
	size_t count = 0, off = 0;
	ld_node_t *n;

	if (!world)
		world = fw_node_new(&tap);
	n = fw_node(world);
	fw_clock_set(FW_T0);
	while (count < REQUESTS_MAX && size - off >= 2) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (len > size - off)
			len = size - off;
		memset(&msgs[count].c, 0, sizeof(msgs[count].c));
		msgs[count].c.rid[0] = 'c';
		msgs[count].c.rid[1] = (uint8_t)count;
		msgs[count].c.rid_len = 2;
		msgs[count].c.delim = count % 2;
		msgs[count].data = data + off;
		msgs[count].len = len;
		answers[count] = 0;
		count++;
		off += len;
	}
	ld_api_serve(n, msgs, count);
	ld_node_drain(n);
	/* Every WAIT has a timeout of at most ten minutes. */
	fw_clock_set(FW_T0 + 600001);
	ld_api_check_waiters(n, true);
	for (size_t i = 0; i < count; i++)
		if (answers[i] != 1)
			broken(answers[i] ? "more than one answer" : "no answer", (unsigned)i);
	if (fw_store_changed(world))
		ld_store_foreach_head(n->store, check_head, n->store);
	fw_node_settle(world);
	return 0;
}

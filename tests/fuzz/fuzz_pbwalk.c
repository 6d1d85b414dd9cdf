/* tests/fuzz/fuzz_pbwalk.c: libFuzzer harness for the wire walker
 * (common/base/pbwalk.h), which reads frames, API requests and entry
 * headers before protobuf-c does.
 *
 * The first byte picks the message type (ld.Frame, ld.ApiRequest,
 * ld.EntryHeader, ld.MonitorReadings with its packed fields, ld.ApiView);
 * the rest is the message. Beyond "no crash, no leak, no UB" (the
 * sanitizers, and the walker reading the input in place), the harness
 * abort()s when the walker breaks a promise:
 *  - bytes it calls malformed, protobuf-c refuses too;
 *  - what it lets through without bounds, protobuf-c decodes within its
 *    estimate: the peak of what protobuf-c holds, counted by an allocator
 *    with the walker's own cost of a malloc, is at most est_bytes;
 *  - under the frame's rules (limits, 8 x + 16 KiB) it refuses exactly the
 *    messages whose estimate is over the bound or whose counts are over a
 *    limit, and lets the others through with the same estimate.
 *
 * Seeds (corpus/pbwalk/, made by gen_pbwalk.py): frames of each body, a
 * Hello with real heads and one with thousands of empty ones, Entries,
 * API requests, entry headers, readings with packed fields, and malformed
 * bytes of each kind the walker tells apart.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base/errors.h"
#include "common/base/pbwalk.h"
#include "api.pb-c.h"
#include "entry.pb-c.h"
#include "monitor.pb-c.h"
#include "wire.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Noreturn void broken(const char *what, const char *type, size_t len)
{
	fprintf(stderr, "fuzz_pbwalk: invariant broken: %s (%s, %zu bytes)\n", what, type, len);
	abort();
}

/* What protobuf-c holds, at malloc's cost (the walker's alloc_cost()). */
struct count {
	uint64_t live, peak;
};

static uint64_t cost(size_t n)
{
	uint64_t c = (n + 8 + 15) & ~(uint64_t)15;

	return n == 0 ? 0 : c < 32 ? 32 : c;
}

static void *count_alloc(void *ud, size_t n)
{
	struct count *c = ud;
	size_t *p = malloc(n + sizeof(size_t) * 2);

	if (!p)
		return NULL;
	p[0] = n;
	c->live += cost(n);
	if (c->live > c->peak)
		c->peak = c->live;
	return p + 2;
}

static void count_free(void *ud, void *ptr)
{
	struct count *c = ud;
	size_t *p = ptr;

	if (!p)
		return;
	c->live -= cost(p[-2]);
	free(p - 2);
}

static const ld_pb_limit_t limits[] = {
	{&ld__hello__descriptor, 2, 65536},	{&ld__have__descriptor, 1, 65536},
	{&ld__entries__descriptor, 3, 1024},	{&ld__case_entries__descriptor, 2, 1024},
	{&ld__entry_header__descriptor, 7, 64},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ProtobufCMessageDescriptor *const types[] = {
		&ld__frame__descriptor,	       &ld__api_request__descriptor,
		&ld__entry_header__descriptor, &ld__monitor_readings__descriptor,
		&ld__api_view__descriptor,
	};
	static const ld_pb_rules_t open = {0};
	static const ld_pb_rules_t bounded = {
		.limits = limits,
		.n_limits = sizeof(limits) / sizeof(limits[0]),
		.ratio = 8,
		.slack = 16384,
	};
	const ProtobufCMessageDescriptor *desc;
	struct count c = {0};
	ProtobufCAllocator a = {count_alloc, count_free, &c};
	ProtobufCMessage *m;
	ld_pb_tally_t t, tb;
	uint8_t *copy;
	size_t len;
	int r, rb;
	char why[200];

	if (size < 1)
		return 0;
	desc = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	len = size - 1;
	/* Exactly the message's bytes, so that ASan sees a read past them. */
	copy = malloc(len ? len : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, len);
	r = ld_pb_check(desc, copy, len, &open, &t);
	ld_pb_explain(&t, len, why, sizeof(why));
	if (r < 0 && r != LD_EMALFORMED && r != LD_ETOOBIG)
		broken("an error other than malformed or too big", desc->name, len);
	/* Unbounded, only nesting and a repeated sub-message are refused. */
	if (r == LD_ETOOBIG && t.refusal != LD_PB_DEPTH &&
	    !(t.refusal == LD_PB_COUNT && t.limit == 1))
		broken("refused without bounds", desc->name, len);
	m = r == LD_ETOOBIG ? NULL : protobuf_c_message_unpack(desc, &a, len, copy);
	if (r == LD_EMALFORMED && m)
		broken("called malformed what protobuf-c decodes", desc->name, len);
	if (r == 0 && m && c.peak > t.est_bytes) {
		fprintf(stderr, "peak %llu, estimate %llu\n", (unsigned long long)c.peak,
			(unsigned long long)t.est_bytes);
		broken("protobuf-c took more than the estimate", desc->name, len);
	}
	if (m)
		protobuf_c_message_free_unpacked(m, &a);
	if (c.live != 0)
		broken("the counting allocator lost track", desc->name, len);
	/* Under bounds: refused exactly when over one, the same estimate. */
	rb = ld_pb_check(desc, copy, len, &bounded, &tb);
	if (r == 0) {
		uint64_t bound = 8 * (uint64_t)len + 16384;

		if (rb == 0 && tb.est_bytes != t.est_bytes)
			broken("another estimate under bounds", desc->name, len);
		if (rb == 0 && tb.est_bytes > bound)
			broken("let through over the bound", desc->name, len);
		if (rb < 0 && !(tb.refusal == LD_PB_SIZE && tb.count > bound) &&
		    tb.refusal != LD_PB_COUNT)
			broken("refused under the bound", desc->name, len);
		if (rb < 0 && tb.refusal == LD_PB_SIZE && t.est_bytes <= bound)
			broken("refused for its size under the bound", desc->name, len);
	} else if (r == LD_EMALFORMED && rb == 0) {
		broken("malformed let through under bounds", desc->name, len);
	}
	free(copy);
	return 0;
}

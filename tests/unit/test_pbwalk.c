/* tests/unit/test_pbwalk.c: the wire walker (common/base/pbwalk.h): what
 * it counts in a message and its sub-messages, the bytes it calls
 * malformed (and protobuf-c with it), the per-field limits, the bound on
 * what decoding costs, and the estimate against what protobuf-c takes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/base/errors.h"
#include "common/base/pbwalk.h"
#include "wire.pb-c.h"

static const ld_pb_rules_t open_rules = {0};

/* A Hello frame of n heads; 'empty': heads with no field set. The caller
 * frees the bytes. */
static uint8_t *hello(size_t n, bool empty, size_t *ret_len)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Hello h = LD__HELLO__INIT;
	Ld__FeedHead *heads = calloc(n ? n : 1, sizeof(*heads));
	Ld__FeedHead **p = calloc(n ? n : 1, sizeof(*p));
	static uint8_t id[32];
	uint8_t *buf;

	assert_non_null(heads);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		ld__feed_head__init(&heads[i]);
		if (!empty) {
			heads[i].feed = "county-a";
			heads[i].has_seq = heads[i].has_id = true;
			heads[i].seq = i + 1;
			heads[i].id.len = sizeof(id);
			heads[i].id.data = id;
		}
		p[i] = &heads[i];
	}
	h.node_id = "province";
	h.n_heads = n;
	h.heads = p;
	f.body_case = LD__FRAME__BODY_HELLO;
	f.hello = &h;
	*ret_len = ld__frame__get_packed_size(&f);
	buf = malloc(*ret_len);
	assert_non_null(buf);
	ld__frame__pack(&f, buf);
	free(heads);
	free(p);
	return buf;
}

static void test_counts(void **state)
{
	ld_pb_tally_t t;
	size_t len;
	uint8_t *b = hello(3, false, &len);

	(void)state;
	assert_int_equal(ld_pb_check(&ld__frame__descriptor, b, len, &open_rules, &t), 0);
	assert_int_equal(t.refusal, LD_PB_OK);
	assert_int_equal(t.messages, 4); /* the Hello and its 3 heads */
	assert_int_equal(t.elements, 3);
	assert_int_equal(t.unknown, 0);
	/* Frame, Hello, 3 heads, their strings and ids, the array: a few
	 * hundred bytes, about 4 times the wire. */
	assert_true(t.est_bytes > 3 * len && t.est_bytes < 8 * len);
	free(b);
}

static void test_nested(void **state)
{
	/* Frame { have { heads { feed: "a" } heads { } 99: 1 } }: field 99
	 * is one the Have does not know. */
	uint8_t b[] = {0x12, 0x0a, 0x0a, 0x03, 0x0a, 0x01, 'a', 0x0a, 0x00, 0x98, 0x06, 0x01};
	ld_pb_tally_t t;

	(void)state;
	assert_int_equal(ld_pb_check(&ld__frame__descriptor, b, sizeof(b), &open_rules, &t), 0);
	assert_int_equal(t.messages, 3);
	assert_int_equal(t.elements, 2);
	assert_int_equal(t.unknown, 1);
	/* The Have claiming two bytes more than there are. */
	b[1] = 0x0c;
	assert_int_equal(ld_pb_check(&ld__frame__descriptor, b, sizeof(b), &open_rules, &t),
			 LD_EMALFORMED);
	/* The first head claiming a byte more than the Have holds. */
	b[1] = 0x0a;
	b[3] = 0x0a;
	assert_int_equal(ld_pb_check(&ld__frame__descriptor, b, sizeof(b), &open_rules, &t),
			 LD_EMALFORMED);
	assert_null(ld__frame__unpack(NULL, sizeof(b), b));
}

/* Bytes the walker calls malformed, and protobuf-c with it. */
static void test_malformed(void **state)
{
	static const struct {
		const char *what;
		uint8_t b[8];
		size_t len;
	} bad[] = {
		{"length past the end", {0x0a, 0x7f, 0x0a}, 3},
		{"a group", {0x0b, 0x0c}, 2},
		{"field number 0", {0x00, 0x01}, 2},
		{"wire type 7", {0x0f, 0x01}, 2},
		{"varint cut short", {0x38, 0x80}, 2},
		{"a message field as a varint", {0x08, 0x05}, 2},
		{"a string as a varint", {0x1a, 0x02, 0x08, 0x01}, 4},
		{"malformed inside a sub-message", {0x0a, 0x04, 0x12, 0x05, 'a', 'b'}, 6},
		{"a tag of 6 bytes", {0x88, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00}, 7},
	};
	ld_pb_tally_t t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = ld_pb_check(&ld__frame__descriptor, bad[i].b, bad[i].len, &open_rules, &t);
		Ld__Frame *f = ld__frame__unpack(NULL, bad[i].len, bad[i].b);

		if (r != LD_EMALFORMED || f)
			fail_msg("%s: walker %d, protobuf-c %s", bad[i].what, r,
				 f ? "decodes it" : "refuses it");
		assert_int_equal(t.refusal, LD_PB_MALFORMED);
	}
	assert_int_equal(ld_pb_check(&ld__frame__descriptor, NULL, 0, &open_rules, &t), 0);
}

static void test_limits(void **state)
{
	static const ld_pb_limit_t lim[] = {{&ld__hello__descriptor, 2, 65536}};
	ld_pb_rules_t rules = {.limits = lim, .n_limits = 1};
	ld_pb_tally_t t;
	char why[200];
	size_t len;
	uint8_t *b = hello(65536, true, &len);

	(void)state;
	assert_int_equal(ld_pb_check(&ld__frame__descriptor, b, len, &rules, &t), 0);
	free(b);
	b = hello(65537, true, &len);
	assert_int_equal(ld_pb_check(&ld__frame__descriptor, b, len, &rules, &t), LD_ETOOBIG);
	assert_int_equal(t.refusal, LD_PB_COUNT);
	assert_ptr_equal(t.msg, &ld__hello__descriptor);
	assert_string_equal(t.field->name, "heads");
	ld_pb_explain(&t, len, why, sizeof(why));
	assert_string_equal(why, "ld.Hello.heads: 65537 elements (limit 65536)");
	free(b);
	/* A message field not repeated: once (protobuf-c would merge). */
	b = hello(1, false, &len);
	{
		uint8_t *two = malloc(2 * len);

		memcpy(two, b, len);
		memcpy(two + len, b, len);
		assert_int_equal(ld_pb_check(&ld__frame__descriptor, two, 2 * len, &open_rules, &t),
				 LD_ETOOBIG);
		ld_pb_explain(&t, 2 * len, why, sizeof(why));
		assert_string_equal(why, "ld.Frame.hello: 2 times (limit 1)");
		free(two);
	}
	free(b);
	/* Nesting: a Frame is 3 deep at most; 2 refuses its heads. */
	b = hello(1, false, &len);
	rules = (ld_pb_rules_t){.depth_max = 2};
	assert_int_equal(ld_pb_check(&ld__frame__descriptor, b, len, &rules, &t), 0);
	rules.depth_max = 1;
	assert_int_equal(ld_pb_check(&ld__frame__descriptor, b, len, &rules, &t), LD_ETOOBIG);
	assert_int_equal(t.refusal, LD_PB_DEPTH);
	free(b);
}

/* The frame: 7 MiB of empty heads would take over 500 MiB; under
 * 8 x + 16 KiB it is refused after walking a part of it. Real heads pass. */
static void test_ratio(void **state)
{
	ld_pb_rules_t rules = {.ratio = 8, .slack = 16384};
	ld_pb_tally_t t;
	char why[200];
	size_t len;
	uint8_t *b = hello(3500000, true, &len);

	(void)state;
	assert_int_equal(ld_pb_check(&ld__frame__descriptor, b, len, &open_rules, &t), 0);
	assert_true(t.est_bytes > 500ull << 20);
	assert_int_equal(ld_pb_check(&ld__frame__descriptor, b, len, &rules, &t), LD_ETOOBIG);
	assert_int_equal(t.refusal, LD_PB_SIZE);
	assert_true(t.elements < 3500000);
	ld_pb_explain(&t, len, why, sizeof(why));
	assert_non_null(strstr(why, "would take more than"));
	free(b);
	b = hello(60000, false, &len);
	assert_int_equal(ld_pb_check(&ld__frame__descriptor, b, len, &rules, &t), 0);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),	  cmocka_unit_test(test_nested),
		cmocka_unit_test(test_malformed), cmocka_unit_test(test_limits),
		cmocka_unit_test(test_ratio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

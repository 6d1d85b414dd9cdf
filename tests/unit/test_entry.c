/* tests/unit/test_entry.c: building, parsing and verifying single entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/base/errors.h"
#include "testutil.h"

static const char payload[] = "Referral: Jiaxing chemical plant discharging into the Grand Canal";

static void test_roundtrip(void **state)
{
	tu_node_t a;
	const char *aud[] = {"county-b", "province"};
	ld_entry_t *e, *p;
	ld_pubkey_t *pub;
	uint8_t *wire;
	size_t len;

	tu_node_init(&a, "county-a");
	e = tu_next(&a, LD__KIND__KIND_CASE_REFERRAL, payload, sizeof(payload), aud, 2);
	wire = tu_wire(e, &len);
	assert_int_equal(len, ld_entry_wire_size(e, true));
	assert_int_equal(ld_entry_parse(wire, len, &p), 0);
	assert_memory_equal(p->id, e->id, LD_ID_LEN);
	assert_int_equal(p->header_len, e->header_len);
	assert_memory_equal(p->header, e->header, e->header_len);
	assert_true(p->has_payload);
	assert_memory_equal(p->payload, payload, sizeof(payload));
	assert_string_equal(p->hdr->author, "county-a");
	assert_int_equal(p->hdr->seq, 1);
	assert_int_equal(p->hdr->n_audience, 2);
	assert_string_equal(p->hdr->audience[1], "province");
	assert_int_equal(ld_pubkey_new(a.pub, &pub), 0);
	assert_int_equal(ld_entry_verify(p, pub), 0);
	ld_entry_destroy(&p);

	/* Redacted: header and signature travel, payload does not; the
	 * entry is still the same entry and still verifies. */
	len = ld_entry_encode(e, false, wire);
	assert_int_equal(len, ld_entry_wire_size(e, false));
	assert_int_equal(ld_entry_parse(wire, len, &p), 0);
	assert_false(p->has_payload);
	assert_null(p->payload);
	assert_memory_equal(p->id, e->id, LD_ID_LEN);
	assert_int_equal(p->hdr->payload_len, sizeof(payload));
	assert_int_equal(ld_entry_verify(p, pub), 0);
	ld_entry_destroy(&p);
	ld_entry_destroy(&p);

	free(wire);
	ld_pubkey_destroy(&pub);
	ld_entry_destroy(&e);
	tu_node_fini(&a);
}

/* Accept 'buf' only if it parses AND verifies. */
static bool accepted(const uint8_t *buf, size_t len, const ld_pubkey_t *pub, ld_entry_t **ret)
{
	ld_entry_t *p;

	if (ld_entry_parse(buf, len, &p) < 0)
		return false;
	if (ld_entry_verify(p, pub) < 0) {
		ld_entry_destroy(&p);
		return false;
	}
	*ret = p;
	return true;
}

static void test_every_byte_change_rejected(void **state)
{
	static const uint8_t masks[] = {0x01, 0x80, 0xff, 0x5a};
	tu_node_t a;
	ld_entry_t *prev, *e, *p;
	ld_pubkey_t *pub;
	uint8_t *wire, *copy;
	size_t len, hoff, soff, poff, changes = 0;

	tu_node_init(&a, "county-a");
	prev = tu_next(&a, 2, "first", 5, NULL, 0);
	e = tu_next(&a, LD__KIND__KIND_CASE_REFERRAL, payload, sizeof(payload), NULL, 0);
	assert_int_equal(ld_pubkey_new(a.pub, &pub), 0);
	wire = tu_wire(e, &len);
	copy = malloc(len);
	/* Offsets of the three fields inside the envelope. */
	hoff = (size_t)(memmem(wire, len, e->header, e->header_len) - (void *)wire);
	soff = (size_t)(memmem(wire, len, e->sig, LD_SIG_LEN) - (void *)wire);
	poff = (size_t)(memmem(wire, len, payload, sizeof(payload)) - (void *)wire);
	assert_true(hoff < soff && soff < poff);

	for (size_t i = 0; i < len; i++) {
		bool in_field = (i >= hoff && i < hoff + e->header_len) ||
				(i >= soff && i < soff + LD_SIG_LEN) ||
				(i >= poff && i < poff + sizeof(payload));

		for (size_t m = 0; m < sizeof(masks); m++) {
			memcpy(copy, wire, len);
			copy[i] ^= masks[m];
			changes++;
			if (!accepted(copy, len, pub, &p))
				continue;
			/* A byte of the header, signature or payload: never accepted. */
			assert_false(in_field);
			/* An envelope byte may turn the payload field into an
			 * unknown one (a redaction); then it must still be the very
			 * same entry, with the payload absent, never different. */
			assert_memory_equal(p->id, e->id, LD_ID_LEN);
			assert_true(!p->has_payload ||
				    (p->payload_len == sizeof(payload) &&
				     memcmp(p->payload, payload, sizeof(payload)) == 0));
			ld_entry_destroy(&p);
		}
	}
	assert_true(changes >= 4 * (e->header_len + LD_SIG_LEN + sizeof(payload)));
	free(copy);
	free(wire);
	ld_pubkey_destroy(&pub);
	ld_entry_destroy(&prev);
	ld_entry_destroy(&e);
	tu_node_fini(&a);
}

static void test_distinct_errors(void **state)
{
	tu_node_t a, b;
	ld_entry_t *e1, *e2, *e3, *p;
	ld_pubkey_t *pub_b;
	uint8_t *wire, *big;
	size_t len;
	const int codes[] = {LD_EMALFORMED,    LD_ETOOBIG,  LD_EBADSIG,	 LD_EUNKNOWN, LD_EWRONGKEY,
			     LD_EREVOKED,      LD_EEXPIRED, LD_EGAP,	 LD_ELINK,    LD_EPAYLOAD,
			     LD_EEQUIVOCATION, LD_ENOSPACE, LD_EVERSION, LD_EBUSY};

	/* Every code is its own, with its own words. */
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		for (size_t j = i + 1; j < sizeof(codes) / sizeof(codes[0]); j++) {
			assert_int_not_equal(codes[i], codes[j]);
			assert_string_not_equal(ld_strerror(codes[i]), ld_strerror(codes[j]));
		}

	tu_node_init(&a, "county-a");
	tu_node_init(&b, "county-b");
	e1 = tu_next(&a, 2, "one", 3, NULL, 0);
	e2 = tu_next(&a, 2, "two", 3, NULL, 0);
	e3 = tu_next(&a, 2, "three", 5, NULL, 0);

	/* Wrong key. */
	assert_int_equal(ld_pubkey_new(b.pub, &pub_b), 0);
	assert_int_equal(ld_entry_verify(e1, pub_b), LD_EWRONGKEY);
	/* Sequence gap and broken link. */
	assert_int_equal(ld_entry_check_next(e3, "county-a", 1, e1->id), LD_EGAP);
	assert_int_equal(ld_entry_check_next(e2, "county-a", 1, e3->id), LD_ELINK);
	assert_int_equal(ld_entry_check_next(e2, "county-a", 1, e1->id), 0);
	assert_int_equal(ld_entry_check_next(e1, "county-b", 0, NULL), LD_EMALFORMED);

	/* Oversize input, refused before decoding. */
	big = calloc(1, LD_ENTRY_MAX + 1);
	assert_int_equal(ld_entry_parse(big, LD_ENTRY_MAX + 1, &p), LD_ETOOBIG);
	/* A header field over the limit, inside an otherwise small message. */
	big[0] = 0x0a;
	big[1] = 0x81; /* varint 4097 = 0x1001 */
	big[2] = 0x20;
	big[3 + 4097] = 0x12;
	big[3 + 4097 + 1] = LD_SIG_LEN;
	assert_int_equal(ld_entry_parse(big, 3 + 4097 + 2 + LD_SIG_LEN, &p), LD_ETOOBIG);
	{
		ld_entry_draft_t d = {.author = "county-a",
				      .seq = 1,
				      .kind = 2,
				      .payload = big,
				      .payload_len = LD_PAYLOAD_MAX + 1};
		assert_int_equal(ld_entry_build(&d, a.key, &p), LD_ETOOBIG);
		d.payload_len = 10;
		d.author = "County A";
		assert_int_equal(ld_entry_build(&d, a.key, &p), LD_EMALFORMED);
	}
	free(big);

	/* Truncated and junk input. */
	wire = tu_wire(e2, &len);
	for (size_t cut = 0; cut < len; cut += 7)
		assert_int_not_equal(ld_entry_parse(wire, cut, &p), 0);
	assert_int_equal(ld_entry_parse("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11, &p),
			 LD_EMALFORMED);
	/* Payload that does not match the signed hash. */
	wire[len - 1] ^= 1;
	assert_int_equal(ld_entry_parse(wire, len, &p), LD_EPAYLOAD);
	free(wire);

	ld_pubkey_destroy(&pub_b);
	ld_entry_destroy(&e1);
	ld_entry_destroy(&e2);
	ld_entry_destroy(&e3);
	tu_node_fini(&a);
	tu_node_fini(&b);
}

static void test_header_fields_checked(void **state)
{
	Ld__EntryHeader h = LD__ENTRY_HEADER__INIT;
	uint8_t hbuf[512], sig[LD_SIG_LEN], zeros[32] = {0};
	ld_entry_t *p;
	size_t len;
	tu_node_t a;

	tu_node_init(&a, "county-a");
	h.has_version = true;
	h.version = 2;
	h.author = "county-a";
	h.has_seq = true;
	h.seq = 1;
	h.has_time_ms = true;
	h.has_kind = true;
	h.has_payload_hash = true;
	h.payload_hash.data = zeros;
	h.payload_hash.len = 32;
	h.has_payload_len = true;
	h.has_signer = true;
	h.signer.data = a.pub;
	h.signer.len = 32;
	len = ld__entry_header__pack(&h, hbuf);
	ld_key_sign(a.key, hbuf, len, sig);
	/* A future header version is refused, not guessed at. */
	assert_int_equal(ld_entry_from_parts(hbuf, len, sig, NULL, 0, &p), LD_EVERSION);
	h.version = 1;
	h.has_prev = true; /* seq 1 cannot have a predecessor */
	h.prev.data = zeros;
	h.prev.len = 32;
	len = ld__entry_header__pack(&h, hbuf);
	assert_int_equal(ld_entry_from_parts(hbuf, len, sig, NULL, 0, &p), LD_EMALFORMED);
	h.has_prev = false;
	h.signer.len = 31;
	len = ld__entry_header__pack(&h, hbuf);
	assert_int_equal(ld_entry_from_parts(hbuf, len, sig, NULL, 0, &p), LD_EMALFORMED);
	h.signer.len = 32;
	len = ld__entry_header__pack(&h, hbuf);
	assert_int_equal(ld_entry_from_parts(hbuf, len, sig, NULL, 0, &p), 0);
	ld_entry_destroy(&p);
	tu_node_fini(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_every_byte_change_rejected),
		cmocka_unit_test(test_distinct_errors),
		cmocka_unit_test(test_header_fields_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

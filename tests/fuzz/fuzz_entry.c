/* tests/fuzz/fuzz_entry.c: libFuzzer harness for received entries.
 *
 * Everything a peer sends reaches ld_entry_parse() first, so the whole input
 * is parsed as one wire entry; what parses is verified, re-encoded and
 * re-parsed. The input is also read as a two-entry run in the split format of
 * fuzz_key.h and, if both halves parse, authenticated as a chain.
 *
 * Beyond "no crash, no leak, no UB" (left to the sanitizers) the harness
 * checks properties the rest of the system relies on, and abort()s when one
 * breaks, because that is a bug in common/, not in the input:
 *  - the header, signature and payload of a parsed entry are exactly the
 *    envelope's fields 1, 2 and 3, as an independent reading finds them;
 *  - an entry we encode parses back to the same header bytes, signature,
 *    payload and id (ids are what chains and receipts name), and so does
 *    rebuilding it from its parts, as a store does;
 *  - the fixed key and the entry's own claimed key agree on the signature;
 *  - ld_chain_authenticate() accepts exactly the runs whose links, keys and
 *    required signatures hold (for two roster stand-ins), and per-entry mode
 *    never accepts a run that batch mode refuses.
 *
 * Inputs named crash-* in corpus/entry/ reproduce such bugs; see
 * gen_corpus.c for the seeds and their meaning.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/feed/chain.h"
#include "common/feed/entry.h"
#include "common/base/errors.h"
#include "common/crypto/key.h"

#include "fuzz_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static _Noreturn void broken(const char *what, int r)
{
	fprintf(stderr, "fuzz_entry: invariant broken: %s (r=%d)\n", what, r);
	abort();
}

/* Built once: a pubkey costs an EVP_PKEY, and the fuzzer runs millions of
 * inputs. Kept for the life of the process (still reachable, not a leak). */
static const ld_pubkey_t *fixed_pub(void)
{
	static ld_pubkey_t *pub;
	int r;

	if (!pub && (r = ld_pubkey_new(FUZZ_PUB_A, &pub)) < 0)
		broken("fixed public key refused", r);
	return pub;
}

/* Verify 'e' with the key its own header names: what a receiver does once
 * the roster has told it that key is the author's. */
static int verify_own(const ld_entry_t *e)
{
	ld_pubkey_t *pub = NULL;
	int r = ld_pubkey_new(e->hdr->signer.data, &pub);

	if (r < 0)
		return r;
	r = ld_entry_verify(e, pub);
	ld_pubkey_destroy(&pub);
	return r;
}

/* Copy into a buffer of exactly 'len' bytes so that ASan sees any read past
 * the part, rather than it landing silently in the rest of the input. */
static int parse_exact(const uint8_t *data, size_t len, ld_entry_t **ret)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	r = ld_entry_parse(copy, len, ret);
	free(copy);
	return r;
}

static bool same_entry(const ld_entry_t *a, const ld_entry_t *b, bool with_payload)
{
	bool payload = with_payload && a->has_payload;

	if (memcmp(a->id, b->id, LD_ID_LEN) != 0 || a->header_len != b->header_len ||
	    memcmp(a->header, b->header, a->header_len) != 0 ||
	    memcmp(a->sig, b->sig, LD_SIG_LEN) != 0)
		return false;
	if (b->has_payload != payload)
		return false;
	if (payload && (a->payload_len != b->payload_len ||
			(a->payload_len && memcmp(a->payload, b->payload, a->payload_len) != 0)))
		return false;
	return true;
}

/* Encode 'e' (with or without its payload) and parse it back. */
static void check_roundtrip(const ld_entry_t *e, bool with_payload)
{
	size_t n = ld_entry_wire_size(e, with_payload), w;
	ld_entry_t *again = NULL;
	uint8_t *buf = malloc(n);
	int r;

	if (!buf)
		return;
	w = ld_entry_encode(e, with_payload, buf);
	if (w != n)
		broken("ld_entry_encode wrote a size other than ld_entry_wire_size", (int)w);
	r = parse_exact(buf, n, &again);
	free(buf);
	if (r == -ENOMEM)
		return;
	if (r < 0)
		broken(with_payload ? "re-encoded entry does not parse"
				    : "re-encoded redacted entry does not parse",
		       r);
	if (!same_entry(e, again, with_payload))
		broken(with_payload ? "re-encoded entry differs"
				    : "re-encoded redacted entry differs",
		       0);
	ld_entry_destroy(&again);
}

/* A store rebuilds entries from the parts it kept: that must give the same
 * entry as the wire form did. */
static void check_from_parts(const ld_entry_t *e)
{
	ld_entry_t *again = NULL;
	int r;

	r = ld_entry_from_parts(e->header, e->header_len, e->sig,
				e->has_payload ? e->payload : NULL, e->payload_len, &again);
	if (r == -ENOMEM)
		return;
	if (r < 0)
		broken("ld_entry_from_parts refuses the parts of a parsed entry", r);
	if (!same_entry(e, again, true))
		broken("ld_entry_from_parts gives another entry", 0);
	ld_entry_destroy(&again);
}

/* A second reading of the ld.Entry envelope, written from the protobuf
 * encoding rules rather than from entry.c, to check which bytes
 * ld_entry_parse() took as header, signature and payload. It is lenient
 * where entry.c may choose (unknown fields, wire type of unknown fields,
 * overlong varints) and strict on what decides the entry: a field is field
 * 1, 2 or 3 only if the whole key says so. */
struct envelope {
	const uint8_t *field[4];
	size_t len[4];
};

static bool env_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (unsigned i = 0; i < 10; i++) {
		if (*p == end)
			return false;
		*v |= (uint64_t)(**p & 0x7f) << (7 * i);
		if (!(*(*p)++ & 0x80))
			return true;
	}
	return false;
}

static bool envelope_read(const uint8_t *p, size_t size, struct envelope *env)
{
	const uint8_t *end = p + size;

	*env = (struct envelope){0};
	while (p < end) {
		uint64_t key, n;

		if (!env_varint(&p, end, &key) || key >> 3 == 0)
			return false;
		switch (key & 7) {
		case 0:
			if (!env_varint(&p, end, &n))
				return false;
			break;
		case 1:
		case 5:
			n = (key & 7) == 1 ? 8 : 4;
			if ((size_t)(end - p) < n)
				return false;
			p += n;
			break;
		case 2:
			if (!env_varint(&p, end, &n) || n > (size_t)(end - p))
				return false;
			if (key >> 3 <= 3) {
				if (env->field[key >> 3])
					return false;
				env->field[key >> 3] = p;
				env->len[key >> 3] = n;
			}
			p += n;
			break;
		default:
			return false;
		}
	}
	return true;
}

static bool same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* 'e' was parsed from data[0..size): it must be made of the envelope's
 * fields, byte for byte. */
static void check_envelope(const ld_entry_t *e, const uint8_t *data, size_t size)
{
	struct envelope env;

	if (!envelope_read(data, size, &env))
		broken("ld_entry_parse accepted an undecodable envelope", 0);
	if (!env.field[1] || !same_bytes(env.field[1], env.len[1], e->header, e->header_len))
		broken("parsed header is not the envelope's field 1", 0);
	if (!env.field[2] || !same_bytes(env.field[2], env.len[2], e->sig, LD_SIG_LEN))
		broken("parsed signature is not the envelope's field 2", 0);
	if (e->has_payload != (env.field[3] != NULL) ||
	    (env.field[3] && !same_bytes(env.field[3], env.len[3], e->payload, e->payload_len)))
		broken("parsed payload is not the envelope's field 3", 0);
}

static void check_single(const uint8_t *data, size_t size)
{
	ld_entry_t *e = NULL;
	int r_fixed, r_own, r;

	if (ld_entry_parse(data, size, &e) < 0)
		return;
	check_envelope(e, data, size);

	r_fixed = ld_entry_verify(e, fixed_pub());
	r_own = verify_own(e);
	if (r_own == LD_EWRONGKEY)
		broken("entry refused under the very key its header names", r_own);
	if (memcmp(e->hdr->signer.data, FUZZ_PUB_A, LD_PUBKEY_LEN) == 0) {
		/* Two pubkey objects for the same 32 bytes must agree. */
		if (r_fixed != r_own)
			broken("fixed key and claimed key disagree on the same signer", r_fixed);
	} else if (r_fixed != LD_EWRONGKEY) {
		broken("fixed key accepted for an entry naming another signer", r_fixed);
	}

	/* The entry follows the head its own header names. */
	r = ld_entry_check_next(e, e->hdr->author, e->hdr->seq - 1, e->hdr->prev.data);
	if (r < 0)
		broken("entry does not follow the head it names", r);

	check_roundtrip(e, true);
	check_roundtrip(e, false);
	check_from_parts(e);
	ld_entry_destroy(&e);
}

/* Roster stand-ins. ROSTER_SIGNER trusts whatever signer the header names,
 * so that every run reaches the link and signature checks. ROSTER_FIXED
 * gives every feed the fixed key for every seq and refuses other signers,
 * as store_lookup_key() does, so runs also fail in the lookup. Keys built
 * here live until the run has been checked, as chain.h asks of a lookup. */
enum roster { ROSTER_SIGNER, ROSTER_FIXED };

struct lookup_ctx {
	enum roster roster;
	ld_pubkey_t *keys[2];
	size_t n, calls;
};

static int lookup_key(void *ud, const char *feed, uint64_t seq, const uint8_t signer[LD_PUBKEY_LEN],
		      int64_t time_ms, const ld_pubkey_t **ret_pub)
{
	struct lookup_ctx *c = ud;

	if (c->calls++ >= ARRAY_SIZE(c->keys))
		broken("key lookup called more often than the run is long", (int)c->calls);
	if (c->roster == ROSTER_FIXED) {
		if (memcmp(signer, FUZZ_PUB_A, LD_PUBKEY_LEN) != 0)
			return LD_EWRONGKEY;
		*ret_pub = fixed_pub();
		return 0;
	}
	if (ld_pubkey_new(signer, &c->keys[c->n]) < 0)
		return LD_EUNKNOWN;
	*ret_pub = c->keys[c->n++];
	return 0;
}

/* Whether lookup_key() gives a key for 'e'. */
static bool signer_usable(const ld_entry_t *e, enum roster roster)
{
	ld_pubkey_t *pub = NULL;

	if (roster == ROSTER_FIXED)
		return memcmp(e->hdr->signer.data, FUZZ_PUB_A, LD_PUBKEY_LEN) == 0;
	if (ld_pubkey_new(e->hdr->signer.data, &pub) < 0)
		return false;
	ld_pubkey_destroy(&pub);
	return true;
}

/* What ld_chain_authenticate() must answer, from the single-entry checks.
 * Every entry's key is looked up (epochs and revocation hold per seq);
 * batch mode then checks the last signature only. */
static bool chain_expected(ld_entry_t *const run[2], uint64_t head_seq, const uint8_t *head_id,
			   enum ld_chain_mode mode, enum roster roster)
{
	const char *feed = run[0]->hdr->author;

	if (ld_entry_check_next(run[0], feed, head_seq, head_id) < 0 ||
	    ld_entry_check_next(run[1], feed, run[0]->hdr->seq, run[0]->id) < 0)
		return false;
	if (!signer_usable(run[0], roster) || !signer_usable(run[1], roster))
		return false;
	if (mode == LD_CHAIN_EACH_SIG && verify_own(run[0]) < 0)
		return false;
	return verify_own(run[1]) == 0;
}

static void check_chain(ld_entry_t *const run[2], uint64_t head_seq, const uint8_t *head_id)
{
	static const enum ld_chain_mode modes[] = {LD_CHAIN_BATCH, LD_CHAIN_EACH_SIG};
	static const enum roster rosters[] = {ROSTER_SIGNER, ROSTER_FIXED};

	for (size_t k = 0; k < ARRAY_SIZE(rosters); k++) {
		bool ok[ARRAY_SIZE(modes)];

		for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
			struct lookup_ctx c = {.roster = rosters[k]};
			size_t bad = SIZE_MAX;
			int r;

			r = ld_chain_authenticate(run, 2, head_seq, head_id, lookup_key, &c,
						  modes[m], &bad);
			for (size_t i = 0; i < c.n; i++)
				ld_pubkey_destroy(&c.keys[i]);
			if (r > 0)
				broken("ld_chain_authenticate returned a positive value", r);
			if (r < 0 && bad >= 2)
				broken("failed run without a valid bad index", r);
			ok[m] = r == 0;
			if (ok[m] != chain_expected(run, head_seq, head_id, modes[m], rosters[k]))
				broken(ok[m] ? "run accepted that should be refused"
					     : "run refused that should be accepted",
				       r);
		}
		/* Per-entry mode checks a superset of what batch mode checks. */
		if (ok[1] && !ok[0])
			broken("per-entry mode accepts a run batch mode refuses", 0);
	}
}

static void check_run(const uint8_t *data, size_t size)
{
	ld_entry_t *run[2] = {NULL, NULL};
	size_t len0;

	if (size < FUZZ_SPLIT_PREFIX)
		return;
	len0 = (size_t)data[0] << 8 | data[1];
	if (len0 > size - FUZZ_SPLIT_PREFIX)
		return;
	data += FUZZ_SPLIT_PREFIX;
	size -= FUZZ_SPLIT_PREFIX;
	if (parse_exact(data, len0, &run[0]) < 0)
		return;
	if (parse_exact(data + len0, size - len0, &run[1]) < 0)
		goto out;

	/* An empty feed (head_id is documented as ignored: pass NULL to hold
	 * chain.c to that), then the head the first entry itself names, which
	 * is the same as an empty feed when it claims seq 1. */
	check_chain(run, 0, NULL);
	check_chain(run, run[0]->hdr->seq - 1, run[0]->hdr->prev.data);
out:
	ld_entry_destroy(&run[0]);
	ld_entry_destroy(&run[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_single(data, size);
	check_run(data, size);
	return 0;
}

/* tests/fuzz/fuzz_key.h: the fixed signing key shared by the corpus generator
 * and the entry harness.
 *
 * The generator signs most seed entries with the key made from FUZZ_SEED_A,
 * and the harness verifies every parsed entry with FUZZ_PUB_A. Because the
 * two agree, seeds (and mutants that keep the signer field) reach the real
 * Ed25519 check under the fixed key instead of stopping at LD_EWRONGKEY, and
 * since Ed25519 signatures are deterministic, regenerating the corpus gives
 * the same bytes. gen_corpus checks that each seed still derives the public
 * key written here, so the two cannot drift apart silently.
 *
 * These keys are public test data: never use them for anything else.
 */
#pragma once

#include <stdint.h>

#include "common/crypto/key.h"

/* 32 ASCII bytes, no NUL: "liandong fuzz harness fixed key!" */
static const uint8_t FUZZ_SEED_A[32] = {
	'l', 'i', 'a', 'n', 'd', 'o', 'n', 'g', ' ', 'f', 'u', 'z', 'z', ' ', 'h', 'a',
	'r', 'n', 'e', 's', 's', ' ', 'f', 'i', 'x', 'e', 'd', ' ', 'k', 'e', 'y', '!',
};

static const uint8_t FUZZ_PUB_A[LD_PUBKEY_LEN] = {
	0xaf, 0x7c, 0xdc, 0x3e, 0x4a, 0x8d, 0x9a, 0xf8, 0xf7, 0xb7, 0x1a,
	0xfb, 0x3d, 0x89, 0x7a, 0x7b, 0x62, 0x0d, 0x11, 0x57, 0x50, 0xd8,
	0x60, 0x37, 0x35, 0x87, 0x31, 0x5e, 0x6f, 0xa9, 0x48, 0x34,
};

/* A second signer, for entries the fixed key must refuse (LD_EWRONGKEY) and
 * for runs whose two entries name different signers.
 * "liandong fuzz other signer key B" */
static const uint8_t FUZZ_SEED_B[32] = {
	'l', 'i', 'a', 'n', 'd', 'o', 'n', 'g', ' ', 'f', 'u', 'z', 'z', ' ', 'o', 't',
	'h', 'e', 'r', ' ', 's', 'i', 'g', 'n', 'e', 'r', ' ', 'k', 'e', 'y', ' ', 'B',
};

static const uint8_t FUZZ_PUB_B[LD_PUBKEY_LEN] = {
	0xa3, 0xc2, 0xb1, 0x12, 0x4f, 0x7f, 0x2e, 0x00, 0x31, 0x88, 0xee,
	0xc8, 0xc8, 0x28, 0x92, 0x8c, 0x9e, 0x23, 0xb4, 0x60, 0x95, 0x01,
	0x44, 0x08, 0x5d, 0x5b, 0x1c, 0x80, 0x2f, 0x59, 0x73, 0xec,
};

/* Split format of a two-entry run, read by the harness and written by the
 * generator: a 2-byte big-endian length L, then L bytes of the first wire
 * entry, then the second wire entry up to the end of the input. */
#define FUZZ_SPLIT_PREFIX 2

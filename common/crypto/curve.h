/* common/crypto/curve.h: CurveZMQ key pairs on disk and in the roster.
 *
 * A key pair file has two lines, "public = Z85" and "secret = Z85" (40 Z85
 * characters each), mode 0600. The roster carries the raw 32-byte public key.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define LD_CURVE_Z85_LEN 40

typedef struct ld_curve_pair {
	char pub[LD_CURVE_Z85_LEN + 1];
	char sec[LD_CURVE_Z85_LEN + 1];
} ld_curve_pair_t;

/* Generate a pair (zmq_curve_keypair) and write 'path' with mode 0600,
 * refusing to overwrite (-EEXIST). 0 or -errno. */
int ld_curve_create(const char *path, ld_curve_pair_t *ret_pair);

/* Read a pair; -EACCES if group or others can access the file, -EINVAL if it
 * is not a key pair file. The caller wipes ret_pair->sec (explicit_bzero). */
int ld_curve_load(const char *path, ld_curve_pair_t *ret_pair);

/* Z85 text <-> raw 32 bytes. 0 or -EINVAL. */
int ld_curve_z85_decode(const char *z85, uint8_t raw[32]);
int ld_curve_z85_encode(const uint8_t raw[32], char z85[LD_CURVE_Z85_LEN + 1]);

/* Is 'raw' a public key a CurveZMQ peer can have: a canonical Curve25519
 * u-coordinate (below 2^255 - 19) that is not one of the points of small
 * order (which would make every shared secret predictable)? */
bool ld_curve_pub_valid(const uint8_t raw[32]);

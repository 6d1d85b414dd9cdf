/* common/crypto/key.h: Ed25519 keys through OpenSSL 3.
 *
 * ld_key_t is a signing key (private); ld_pubkey_t a verifying key built once
 * from 32 raw bytes and reused (building an EVP_PKEY per check costs ~15%).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LD_PUBKEY_LEN 32
#define LD_SIG_LEN 64
/* "xxxx-xxxx-xxxx-xxxx" plus NUL: base32 of the first 10 bytes of SHA-256(key). */
#define LD_FINGERPRINT_SIZE 20

typedef struct ld_key ld_key_t;
typedef struct ld_pubkey ld_pubkey_t;

/* Generate a new signing key. Caller owns *ret_key. 0 or -errno. */
int ld_key_generate(ld_key_t **ret_key);

/* Write 'key' to 'path' as PKCS#8 PEM, created with mode 0600. Refuses to
 * overwrite an existing file (-EEXIST). 0 or -errno. */
int ld_key_save(const ld_key_t *key, const char *path);

/* Load a signing key saved by ld_key_save(). -EACCES if the file is readable
 * or writable by group or others (fix: chmod 600), -EINVAL if it is not an
 * Ed25519 private key. Caller owns *ret_key. 0 or -errno. */
int ld_key_load(const char *path, ld_key_t **ret_key);

/* Copy the raw 32-byte public half of 'key' into 'out'. */
void ld_key_public(const ld_key_t *key, uint8_t out[LD_PUBKEY_LEN]);

/* Sign 'len' bytes at 'msg' into 'sig'. 0 or -EIO. */
int ld_key_sign(ld_key_t *key, const void *msg, size_t len, uint8_t sig[LD_SIG_LEN]);

/* Free the key and wipe it; sets *key_p = NULL. Safe on NULL and twice. */
void ld_key_destroy(ld_key_t **key_p);

/* Build a verifying key from 32 raw bytes. Caller owns *ret_pub. 0 or -EINVAL. */
int ld_pubkey_new(const uint8_t raw[LD_PUBKEY_LEN], ld_pubkey_t **ret_pub);

/* The raw 32 bytes of 'pub' (borrowed, valid while 'pub' lives). */
const uint8_t *ld_pubkey_raw(const ld_pubkey_t *pub);

/* 0 if 'sig' is a valid signature of 'msg' by 'pub', -EBADMSG if not, -EIO if
 * OpenSSL failed for another reason. Thread-safe for a shared 'pub'. */
int ld_pubkey_verify(const ld_pubkey_t *pub, const void *msg, size_t len,
		     const uint8_t sig[LD_SIG_LEN]);

/* Free; sets *pub_p = NULL. Safe on NULL and twice. */
void ld_pubkey_destroy(ld_pubkey_t **pub_p);

/* Write a public key file: one line of 64 lowercase hex digits. Mode 0644
 * whatever the umask. Overwrites. 0 or -errno. */
int ld_pubkey_save_hex(const uint8_t raw[LD_PUBKEY_LEN], const char *path);

/* Read a public key given either as 64 hex digits or as the path of a file
 * holding them (as written by ld_pubkey_save_hex) or a PEM public key.
 * 0, -ENOENT (no such file), or -EINVAL (not a key). */
int ld_pubkey_parse(const char *text_or_path, uint8_t out[LD_PUBKEY_LEN]);

/* Short printable fingerprint of a public key, for operators to compare by
 * eye or over the phone. */
void ld_fingerprint(const uint8_t raw[LD_PUBKEY_LEN], char out[LD_FINGERPRINT_SIZE]);

/* Lowercase hex of 'len' bytes into 'out' (2*len+1 bytes). Returns out. */
char *ld_hex(const uint8_t *bytes, size_t len, char *out);

/* Parse exactly 2*len hex digits into 'out'. 0 or -EINVAL. */
int ld_unhex(const char *hex, uint8_t *out, size_t len);

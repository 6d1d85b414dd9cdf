/* common/crypto/key.c: Ed25519 keys through OpenSSL 3 EVP (one-shot sign/verify). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "common/base/errors.h"
#include "common/crypto/key.h"
#include "common/base/secret.h"

struct ld_key {
	EVP_PKEY *pkey;
	EVP_MD_CTX *md; /* reused for every signature */
	uint8_t pub[LD_PUBKEY_LEN];
};

struct ld_pubkey {
	EVP_PKEY *pkey;
	uint8_t raw[LD_PUBKEY_LEN];
};

/* OpenSSL keeps a per-thread error queue; drop it once an error is handled so
 * the next failure is not blamed on this one. */
static int ssl_fail(int err)
{
	ERR_clear_error();
	return err;
}

static int key_wrap(EVP_PKEY *pkey, ld_key_t **ret_key)
{
	size_t len = LD_PUBKEY_LEN;
	ld_key_t *key = calloc(1, sizeof(*key));

	if (!key)
		return -ENOMEM;
	key->pkey = pkey;
	key->md = EVP_MD_CTX_new();
	if (!key->md || EVP_PKEY_get_raw_public_key(pkey, key->pub, &len) != 1 ||
	    len != LD_PUBKEY_LEN) {
		key->pkey = NULL;
		ld_key_destroy(&key);
		return ssl_fail(-EIO);
	}
	*ret_key = key;
	return 0;
}

int ld_key_generate(ld_key_t **ret_key)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	int r;

	if (!pkey)
		return ssl_fail(-EIO);
	r = key_wrap(pkey, ret_key);
	if (r < 0)
		EVP_PKEY_free(pkey);
	return r;
}

int ld_key_save(const ld_key_t *key, const char *path)
{
	FILE *f;
	int r = ld_secret_create(path, &f);

	if (r < 0)
		return r;
	if (PEM_write_PrivateKey(f, key->pkey, NULL, NULL, 0, NULL, NULL) != 1)
		r = ssl_fail(-EIO);
	return ld_secret_close(f, path, r);
}

int ld_key_load(const char *path, ld_key_t **ret_key)
{
	EVP_PKEY *pkey;
	FILE *f;
	int r = ld_secret_open(path, &f);

	if (r < 0)
		return r;
	pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!pkey)
		return ssl_fail(-EINVAL);
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		return -EINVAL;
	}
	r = key_wrap(pkey, ret_key);
	if (r < 0)
		EVP_PKEY_free(pkey);
	return r;
}

void ld_key_public(const ld_key_t *key, uint8_t out[LD_PUBKEY_LEN])
{
	memcpy(out, key->pub, LD_PUBKEY_LEN);
}

int ld_key_sign(ld_key_t *key, const void *msg, size_t len, uint8_t sig[LD_SIG_LEN])
{
	size_t siglen = LD_SIG_LEN;

	if (EVP_DigestSignInit(key->md, NULL, NULL, NULL, key->pkey) != 1 ||
	    EVP_DigestSign(key->md, sig, &siglen, msg, len) != 1 || siglen != LD_SIG_LEN)
		return ssl_fail(-EIO);
	return 0;
}

void ld_key_destroy(ld_key_t **key_p)
{
	ld_key_t *key;

	if (!key_p || !*key_p)
		return;
	key = *key_p;
	/* EVP_PKEY_free cleanses the private scalar itself. */
	EVP_PKEY_free(key->pkey);
	EVP_MD_CTX_free(key->md);
	OPENSSL_cleanse(key, sizeof(*key));
	free(key);
	*key_p = NULL;
}

int ld_pubkey_new(const uint8_t raw[LD_PUBKEY_LEN], ld_pubkey_t **ret_pub)
{
	ld_pubkey_t *pub = calloc(1, sizeof(*pub));

	if (!pub)
		return -ENOMEM;
	pub->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, LD_PUBKEY_LEN);
	if (!pub->pkey) {
		free(pub);
		return ssl_fail(-EINVAL);
	}
	memcpy(pub->raw, raw, LD_PUBKEY_LEN);
	*ret_pub = pub;
	return 0;
}

const uint8_t *ld_pubkey_raw(const ld_pubkey_t *pub)
{
	return pub->raw;
}

int ld_pubkey_verify(const ld_pubkey_t *pub, const void *msg, size_t len,
		     const uint8_t sig[LD_SIG_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	if (!md)
		return -ENOMEM;
	if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, pub->pkey) != 1) {
		EVP_MD_CTX_free(md);
		return ssl_fail(-EIO);
	}
	ok = EVP_DigestVerify(md, sig, LD_SIG_LEN, msg, len);
	EVP_MD_CTX_free(md);
	if (ok == 1)
		return 0;
	/* 0 is "does not verify"; a negative value is an internal failure, but
	 * for a signature check both mean the entry is not authentic. */
	return ssl_fail(ok == 0 ? -EBADMSG : -EIO);
}

void ld_pubkey_destroy(ld_pubkey_t **pub_p)
{
	if (!pub_p || !*pub_p)
		return;
	EVP_PKEY_free((*pub_p)->pkey);
	free(*pub_p);
	*pub_p = NULL;
}

char *ld_hex(const uint8_t *bytes, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * len] = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ld_unhex(const char *hex, uint8_t *out, size_t len)
{
	if (strlen(hex) != 2 * len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int ld_pubkey_save_hex(const uint8_t raw[LD_PUBKEY_LEN], const char *path)
{
	char hex[2 * LD_PUBKEY_LEN + 1];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), r = 0;
	FILE *f;

	if (fd < 0)
		return -errno;
	/* 0644 whatever the umask: nobody else may swap the key it holds. */
	if (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		r = -errno;
		close(fd);
		return r;
	}
	if (fprintf(f, "%s\n", ld_hex(raw, LD_PUBKEY_LEN, hex)) < 0)
		r = -EIO;
	if (fclose(f) != 0 && !r)
		r = -errno;
	return r;
}

int ld_pubkey_parse(const char *text, uint8_t out[LD_PUBKEY_LEN])
{
	char buf[256];
	EVP_PKEY *pkey;
	size_t len = LD_PUBKEY_LEN;
	FILE *f;

	if (ld_unhex(text, out, LD_PUBKEY_LEN) == 0)
		return 0;
	f = fopen(text, "re");
	if (!f)
		return -errno;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (ld_unhex(buf, out, LD_PUBKEY_LEN) == 0) {
			fclose(f);
			return 0;
		}
	}
	rewind(f);
	pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!pkey)
		return ssl_fail(-EINVAL);
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pkey, out, &len) != 1 || len != LD_PUBKEY_LEN) {
		EVP_PKEY_free(pkey);
		return ssl_fail(-EINVAL);
	}
	EVP_PKEY_free(pkey);
	return 0;
}

void ld_fingerprint(const uint8_t raw[LD_PUBKEY_LEN], char out[LD_FINGERPRINT_SIZE])
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint8_t d[SHA256_DIGEST_LENGTH];
	size_t o = 0;

	SHA256(raw, LD_PUBKEY_LEN, d);
	/* 10 bytes = 80 bits = 16 base32 digits, in four groups. */
	for (int i = 0; i < 16; i++) {
		int bit = i * 5, byte = bit / 8, off = bit % 8;
		unsigned v = (unsigned)d[byte] << 8 | d[byte + 1];

		if (i && i % 4 == 0)
			out[o++] = '-';
		out[o++] = b32[(v >> (11 - off)) & 31];
	}
	out[o] = '\0';
}

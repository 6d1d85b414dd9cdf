/* client/web/auth.c: see auth.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "client/web/auth.h"
#include "client/web/weblog.h"

#define LN_DEFAULT 15 /* N = 32768, r = 8: 32 MiB and about 0.1 s a check */
#define SALT_LEN 16
#define KEY_LEN 32
#define CACHE_MAX 64
#define CACHE_S 600 /* a success is remembered this long (no new login) */

struct account {
	char user[65];
	unsigned ln, r, p;
	unsigned char salt[SALT_LEN], key[KEY_LEN];
};

struct seen {
	char user[65];
	unsigned char tag[32]; /* SHA-256 of salt and password */
	time_t until;
};

struct accounts {
	struct account *v;
	size_t n;
	pthread_mutex_t mu;  /* the cache */
	pthread_mutex_t kdf; /* one scrypt at a time: memory, and a brake */
	struct seen cache[CACHE_MAX];
};

bool accounts_user_valid(const char *user)
{
	size_t l = strlen(user);

	if (!l || l > 64)
		return false;
	for (const char *c = user; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return false;
	return true;
}

static int scrypt(const char *pass, const unsigned char *salt, unsigned ln, unsigned r, unsigned p,
		  unsigned char out[KEY_LEN])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	uint64_t n = (uint64_t)1 << ln, maxmem = (uint64_t)1 << 30;
	uint32_t r32 = r, p32 = p;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pass,
						  strlen(pass)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, SALT_LEN),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r32),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p32),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
		OSSL_PARAM_construct_end(),
	};
	int ok = ctx && EVP_KDF_derive(ctx, out, KEY_LEN, params) == 1;

	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -EIO;
}

static int unhex(const char *s, unsigned char *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (unsigned char)v;
	}
	return 0;
}

static void hex(const unsigned char *v, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", v[i]);
}

int accounts_hash(const char *pass, char *out, size_t n)
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	char hs[2 * SALT_LEN + 1], hk[2 * KEY_LEN + 1];
	int r;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return -EIO;
	if ((r = scrypt(pass, salt, LN_DEFAULT, 8, 1, key)) < 0)
		return r;
	hex(salt, SALT_LEN, hs);
	hex(key, KEY_LEN, hk);
	snprintf(out, n, "scrypt$%u$%u$%u$%s$%s", LN_DEFAULT, 8u, 1u, hs, hk);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

/* Parse one line "user:role:hash" into *a. NULL, or what is wrong. */
static const char *parse_line(char *line, struct account *a)
{
	char *role = strchr(line, ':'), *hash, salt[80], key[80];

	if (!role || !(hash = strchr(role + 1, ':')))
		return "expected user:role:hash";
	*role++ = '\0';
	*hash++ = '\0';
	if (!accounts_user_valid(line))
		return "the user name must be 1-64 of A-Z a-z 0-9 . _ -";
	if (strcmp(role, "viewer"))
		return "the role must be viewer (the wall is read-only)";
	if (sscanf(hash, "scrypt$%u$%u$%u$%79[0-9a-f]$%79[0-9a-f]", &a->ln, &a->r, &a->p, salt,
		   key) != 5 ||
	    unhex(salt, a->salt, SALT_LEN) < 0 || unhex(key, a->key, KEY_LEN) < 0)
		return "the hash is not scrypt$LN$R$P$SALT$KEY (make one with "
		       "`liandong-web passwd USER`)";
	if (a->ln < 10 || a->ln > 22 || !a->r || a->r > 32 || !a->p || a->p > 16)
		return "scrypt parameters out of range (LN 10-22, R 1-32, P 1-16)";
	snprintf(a->user, sizeof(a->user), "%s", line);
	return NULL;
}

int accounts_load(const char *path, accounts_t **ret, char *err, size_t n)
{
	FILE *f = fopen(path, "r");
	accounts_t *a;
	char line[512];
	int no = 0;

	if (!f) {
		snprintf(err, n, "accounts file %s: %s", path, strerror(errno));
		return -errno;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		fclose(f);
		return -ENOMEM;
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->kdf, NULL);
	while (fgets(line, sizeof(line), f)) {
		struct account x = {0}, *nv;
		const char *why;
		size_t l = strlen(line);

		no++;
		while (l && (line[l - 1] == '\n' || line[l - 1] == '\r' || line[l - 1] == ' '))
			line[--l] = '\0';
		if (!l || line[0] == '#')
			continue;
		if ((why = parse_line(line, &x))) {
			snprintf(err, n, "accounts file %s:%d: %s", path, no, why);
			goto fail;
		}
		for (size_t i = 0; i < a->n; i++)
			if (!strcmp(a->v[i].user, x.user)) {
				snprintf(err, n, "accounts file %s:%d: user '%s' listed twice",
					 path, no, x.user);
				goto fail;
			}
		nv = realloc(a->v, (a->n + 1) * sizeof(*nv));
		if (!nv)
			goto fail;
		a->v = nv;
		a->v[a->n++] = x;
	}
	fclose(f);
	if (!a->n) {
		snprintf(err, n,
			 "accounts file %s holds no account (add lines made by "
			 "`liandong-web passwd USER`)",
			 path);
		accounts_destroy(&a);
		return -EINVAL;
	}
	*ret = a;
	return 0;
fail:
	fclose(f);
	accounts_destroy(&a);
	return -EINVAL;
}

void accounts_destroy(accounts_t **a_p)
{
	accounts_t *a = a_p ? *a_p : NULL;

	if (!a)
		return;
	OPENSSL_cleanse(a->v, a->n * sizeof(*a->v));
	free(a->v);
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->kdf);
	free(a);
	*a_p = NULL;
}

static void tag_of(const struct account *x, const char *pass, unsigned char tag[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned len = 0;

	memset(tag, 0, 32);
	if (!c)
		return;
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, x->salt, SALT_LEN);
	EVP_DigestUpdate(c, pass, strlen(pass));
	EVP_DigestFinal_ex(c, tag, &len);
	EVP_MD_CTX_free(c);
}

bool accounts_check(accounts_t *a, const char *user, const char *pass, const char *addr)
{
	const struct account *x = NULL;
	unsigned char tag[32], key[KEY_LEN];
	time_t now = time(NULL);
	bool ok = false;

	for (size_t i = 0; user && i < a->n; i++)
		if (!strcmp(a->v[i].user, user))
			x = &a->v[i];
	if (!x || !pass) {
		web_log("login refused: user '%.64s' from %s: %s", user ? user : "", addr,
			!user ? "no credentials"
			: !x  ? "no such account"
			      : "no password");
		return false;
	}
	tag_of(x, pass, tag);
	pthread_mutex_lock(&a->mu);
	for (size_t i = 0; i < CACHE_MAX; i++)
		if (a->cache[i].until > now && !strcmp(a->cache[i].user, user) &&
		    !CRYPTO_memcmp(a->cache[i].tag, tag, 32))
			ok = true;
	pthread_mutex_unlock(&a->mu);
	if (ok)
		return true;
	pthread_mutex_lock(&a->kdf);
	ok = scrypt(pass, x->salt, x->ln, x->r, x->p, key) == 0 &&
	     !CRYPTO_memcmp(key, x->key, KEY_LEN);
	pthread_mutex_unlock(&a->kdf);
	OPENSSL_cleanse(key, sizeof(key));
	web_log("login %s: user '%s' from %s", ok ? "accepted" : "refused (wrong password)", user,
		addr);
	if (ok) {
		size_t slot = 0;

		pthread_mutex_lock(&a->mu);
		for (size_t i = 1; i < CACHE_MAX; i++)
			if (a->cache[i].until < a->cache[slot].until)
				slot = i;
		snprintf(a->cache[slot].user, sizeof(a->cache[slot].user), "%s", user);
		memcpy(a->cache[slot].tag, tag, 32);
		a->cache[slot].until = now + CACHE_S;
		pthread_mutex_unlock(&a->mu);
	}
	return ok;
}

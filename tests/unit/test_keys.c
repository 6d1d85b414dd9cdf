/* tests/unit/test_keys.c: Ed25519 keys through OpenSSL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/base/errors.h"
#include "testutil.h"

static void test_roundtrip(void **state)
{
	char *dir = tu_tmpdir("keys"), path[512];
	uint8_t pub1[LD_PUBKEY_LEN], pub2[LD_PUBKEY_LEN], sig[LD_SIG_LEN];
	const char msg[] = "referral: county A to county B";
	ld_key_t *k = NULL, *loaded = NULL;
	ld_pubkey_t *pub = NULL;
	struct stat st;

	snprintf(path, sizeof(path), "%s/node.key", dir);
	assert_int_equal(ld_key_generate(&k), 0);
	assert_int_equal(ld_key_save(k, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Never overwrite a key: losing one loses a feed. */
	assert_int_equal(ld_key_save(k, path), -EEXIST);

	assert_int_equal(ld_key_load(path, &loaded), 0);
	ld_key_public(k, pub1);
	ld_key_public(loaded, pub2);
	assert_memory_equal(pub1, pub2, LD_PUBKEY_LEN);

	/* Signed by the loaded key, verified by the original public half. */
	assert_int_equal(ld_key_sign(loaded, msg, sizeof(msg), sig), 0);
	assert_int_equal(ld_pubkey_new(pub1, &pub), 0);
	assert_int_equal(ld_pubkey_verify(pub, msg, sizeof(msg), sig), 0);
	sig[10] ^= 1;
	assert_int_equal(ld_pubkey_verify(pub, msg, sizeof(msg), sig), -EBADMSG);

	ld_pubkey_destroy(&pub);
	ld_pubkey_destroy(&pub); /* safe twice */
	ld_key_destroy(&loaded);
	ld_key_destroy(&k);
	assert_null(k);
	tu_rmrf(dir);
	free(dir);
}

static void test_load_refuses(void **state)
{
	char *dir = tu_tmpdir("keys"), path[512];
	ld_key_t *k = NULL, *loaded = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/node.key", dir);
	assert_int_equal(ld_key_generate(&k), 0);
	assert_int_equal(ld_key_save(k, path), 0);
	/* A secret readable by others is refused, not silently used. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(ld_key_load(path, &loaded), -EACCES);
	assert_null(loaded);
	assert_int_equal(ld_key_load("/nonexistent/node.key", &loaded), -ENOENT);

	snprintf(path, sizeof(path), "%s/garbage.key", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", f);
	fclose(f);
	chmod(path, 0600);
	assert_int_equal(ld_key_load(path, &loaded), -EINVAL);
	ld_key_destroy(&k);
	tu_rmrf(dir);
	free(dir);
}

static void test_fingerprint_and_hex(void **state)
{
	char *dir = tu_tmpdir("keys"), path[512], fp1[LD_FINGERPRINT_SIZE],
	     fp2[LD_FINGERPRINT_SIZE];
	char hex[2 * LD_PUBKEY_LEN + 1];
	uint8_t a[LD_PUBKEY_LEN], b[LD_PUBKEY_LEN], back[LD_PUBKEY_LEN];
	ld_key_t *k1, *k2;

	assert_int_equal(ld_key_generate(&k1), 0);
	assert_int_equal(ld_key_generate(&k2), 0);
	ld_key_public(k1, a);
	ld_key_public(k2, b);
	ld_fingerprint(a, fp1);
	ld_fingerprint(b, fp2);
	assert_int_equal(strlen(fp1), 19);
	assert_true(fp1[4] == '-' && fp1[9] == '-' && fp1[14] == '-');
	assert_string_not_equal(fp1, fp2);
	ld_fingerprint(a, fp2);
	assert_string_equal(fp1, fp2);

	ld_hex(a, LD_PUBKEY_LEN, hex);
	assert_int_equal(ld_pubkey_parse(hex, back), 0);
	assert_memory_equal(a, back, LD_PUBKEY_LEN);
	snprintf(path, sizeof(path), "%s/root.pub", dir);
	assert_int_equal(ld_pubkey_save_hex(b, path), 0);
	assert_int_equal(ld_pubkey_parse(path, back), 0);
	assert_memory_equal(b, back, LD_PUBKEY_LEN);
	hex[5] = 'z';
	assert_int_equal(ld_pubkey_parse(hex, back), -ENOENT);
	assert_int_equal(ld_unhex("abc", back, 2), -EINVAL);
	ld_key_destroy(&k1);
	ld_key_destroy(&k2);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_load_refuses),
		cmocka_unit_test(test_fingerprint_and_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

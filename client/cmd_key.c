/* client/cmd_key.c: `liandong key new|show`. */
#include <string.h>

#include "client/cli.h"
#include "common/base/errors.h"
#include "common/crypto/key.h"

static void key_usage(FILE *f)
{
	fprintf(f, "Usage: liandong key new FILE    create a signing key, mode 0600\n"
		   "       liandong key show FILE   print public key (hex) and fingerprint\n"
		   "  --json   machine-readable output\n");
}

static void print_pub(const char *path, const ld_key_t *k, bool json)
{
	uint8_t pub[LD_PUBKEY_LEN];
	char hex[2 * LD_PUBKEY_LEN + 1], fp[LD_FINGERPRINT_SIZE];

	ld_key_public(k, pub);
	ld_hex(pub, LD_PUBKEY_LEN, hex);
	ld_fingerprint(pub, fp);
	if (json) {
		printf("{\"file\": ");
		cli_json_str(stdout, path);
		printf(", \"public_key\": \"%s\", \"fingerprint\": \"%s\"}\n", hex, fp);
	} else {
		printf("key file:    %s\npublic key:  %s\nfingerprint: %s\n", path, hex, fp);
	}
}

int cmd_key(int argc, char **argv)
{
	const char *verb = NULL, *path = NULL;
	bool json = false;
	ld_key_t *k = NULL;
	int r;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			key_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-') {
			key_usage(stderr);
			return cli_fail(EXIT_USAGE, "key: unknown option '%.80s'", argv[i]);
		} else if (!verb) {
			verb = argv[i];
		} else if (!path) {
			path = argv[i];
		} else {
			return cli_fail(EXIT_USAGE, "key: unexpected argument '%.80s'", argv[i]);
		}
	}
	if (!verb || !path || (strcmp(verb, "new") && strcmp(verb, "show"))) {
		key_usage(stderr);
		return cli_fail(EXIT_USAGE, "key: expected 'new FILE' or 'show FILE'");
	}
	if (!strcmp(verb, "new")) {
		if ((r = ld_key_generate(&k)) < 0)
			return cli_fail(EXIT_FILE, "cannot generate a key: %s", ld_strerror(r));
		r = ld_key_save(k, path);
		if (r == -EEXIST) {
			ld_key_destroy(&k);
			return cli_fail(EXIT_FILE, "%s already exists; refusing to overwrite a key",
					path);
		}
	} else {
		r = ld_key_load(path, &k);
		if (r == -EACCES)
			return cli_fail(EXIT_FILE,
					"%s is accessible by group or others; run: chmod 600 %s",
					path, path);
	}
	if (r < 0) {
		ld_key_destroy(&k);
		return cli_fail(EXIT_FILE, "%s: %s", path,
				r == -EINVAL ? "not an Ed25519 private key" : ld_strerror(r));
	}
	print_pub(path, k, json);
	ld_key_destroy(&k);
	return 0;
}

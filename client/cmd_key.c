/* client/cmd_key.c: `liandong key new|show`. */
#include <getopt.h>
#include <string.h>

#include "client/cli.h"
#include "client/i18n.h"
#include "common/base/errors.h"
#include "common/crypto/key.h"

static void key_usage(FILE *f)
{
	fprintf(f, "Usage: liandong key new FILE    create a signing key, mode 0600\n"
		   "       liandong key show FILE   print public key (hex) and fingerprint\n"
		   "  --json   machine-readable output: {file, public_key, fingerprint}\n");
}

static void key_text(json_t *o)
{
	printf("key file:    %s\npublic key:  %s\nfingerprint: %s\n", cli_jstr(o, "file"),
	       cli_jstr(o, "public_key"), cli_jstr(o, "fingerprint"));
}

static json_t *key_json(const char *path, const ld_key_t *k)
{
	uint8_t pub[LD_PUBKEY_LEN];
	char hex[2 * LD_PUBKEY_LEN + 1], fp[LD_FINGERPRINT_SIZE];

	ld_key_public(k, pub);
	ld_fingerprint(pub, fp);
	return json_pack("{s:o, s:s, s:s}", "file", cli_json_text(path), "public_key",
			 ld_hex(pub, LD_PUBKEY_LEN, hex), "fingerprint", fp);
}

int cmd_key(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *verb, *path;
	bool json = false;
	ld_key_t *k = NULL;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			key_usage(stdout);
			return 0;
		default:
			key_usage(stderr);
			return EXIT_USAGE;
		}
	}
	/* What remains: the verb and FILE. */
	if (argc + 1 - optind > 2)
		return cli_fail(EXIT_USAGE, "key: unexpected argument '%.80s'", argv[argc - 1]);
	verb = argc + 1 - optind > 0 ? argv[optind - 1] : "";
	if ((strcmp(verb, "new") && strcmp(verb, "show")) || argc + 1 - optind != 2) {
		key_usage(stderr);
		return cli_fail(EXIT_USAGE, "key: expected 'new FILE' or 'show FILE'");
	}
	path = argv[optind];
	if (!strcmp(verb, "new")) {
		if ((r = ld_key_generate(&k)) < 0)
			return cli_fail(EXIT_FILE, "cannot generate a key: %s", cli_strerror(r));
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
				r == -EINVAL ? _("not an Ed25519 private key") : cli_strerror(r));
	}
	r = cli_output(key_json(path, k), json, key_text);
	ld_key_destroy(&k);
	return r;
}

/* client/cmd_store.c: `liandong store check`: offline re-verification of
 * everything a node's store holds, for an operator or an auditor. */
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "common/base/errors.h"
#include "common/store/store.h"
#include "common/views/views.h"

static void store_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong store check --data DIR --root KEY [--fast] [--json]\n"
		"\n"
		"Re-verify every feed held in the store at DIR: each hash link, each\n"
		"payload against its signed hash, and every signature against the key the\n"
		"root's roster gives its author (--fast: only the last signature of each\n"
		"run, which authenticates the run through the hash links).\n"
		"KEY is the root authority's public key: 64 hex digits or a file.\n"
		"The node's daemon must be stopped (the store admits one process).\n"
		"Exit: 0 all verified, 1 a feed failed, 2 usage, 3 bad key, 4 store error.\n");
}

struct check {
	ld_store_t *s;
	enum ld_chain_mode mode;
	bool json;
	int feeds, bad;
	bool first;
};

static int check_one(void *ud, const ld_feed_head_t *h)
{
	struct check *c = ud;
	uint64_t count = 0;
	int r = ld_store_check_feed(c->s, h->feed, c->mode, &count);
	char hex[2 * LD_ID_LEN + 1];

	c->feeds++;
	if (r < 0 || h->frozen)
		c->bad++;
	ld_hex(h->id, LD_ID_LEN, hex);
	if (c->json) {
		printf("%s\n    {\"feed\": ", c->first ? "" : ",");
		cli_json_str(stdout, h->feed);
		printf(", \"head_seq\": %llu, \"head_id\": \"%s\", \"verified\": %s, "
		       "\"entries_checked\": %llu, \"frozen\": %s",
		       (unsigned long long)h->seq, hex, r == 0 ? "true" : "false",
		       (unsigned long long)count, h->frozen ? "true" : "false");
		if (r < 0) {
			printf(", \"error\": ");
			cli_json_str(stdout, ld_strerror(r));
		}
		printf("}");
	} else {
		printf("%-24s seq %-10llu head %.16s  %s%s%s\n", h->feed,
		       (unsigned long long)h->seq, hex, r == 0 ? "verified" : "FAILED: ",
		       r == 0 ? "" : ld_strerror(r),
		       h->frozen ? "  [FROZEN: equivocation proven]" : "");
	}
	c->first = false;
	return 0;
}

static int alert_one(void *ud, const ld_equivocation_t *eq)
{
	char a[2 * LD_ID_LEN + 1], b[2 * LD_ID_LEN + 1];

	ld_hex(eq->kept->id, LD_ID_LEN, a);
	ld_hex(eq->other->id, LD_ID_LEN, b);
	fprintf(*(bool *)ud ? stderr : stdout,
		"ALERT equivocation: %s signed two entries with seq %llu: %.16s and %.16s\n",
		eq->feed, (unsigned long long)eq->seq, a, b);
	return 0;
}

int cmd_store(int argc, char **argv)
{
	const char *data = NULL, *root = NULL;
	struct check c = {.mode = LD_CHAIN_EACH_SIG, .first = true};
	uint8_t root_pub[LD_PUBKEY_LEN];
	int r;

	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		store_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[0], "check") != 0) {
		store_usage(stderr);
		return cli_fail(EXIT_USAGE, "store: unknown subcommand '%.80s'", argv[0]);
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			store_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			c.json = true;
		} else if (!strcmp(argv[i], "--fast")) {
			c.mode = LD_CHAIN_BATCH;
		} else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
			data = argv[++i];
		} else if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			root = argv[++i];
		} else {
			store_usage(stderr);
			return cli_fail(EXIT_USAGE, "store check: unknown or incomplete option '%.80s'",
					argv[i]);
		}
	}
	if (!data || !root) {
		store_usage(stderr);
		return cli_fail(EXIT_USAGE, "store check: --data and --root are required");
	}
	r = ld_pubkey_parse(root, root_pub);
	if (r < 0)
		return cli_fail(EXIT_FILE, "--root %s: %s", root,
				r == -ENOENT ? "neither 64 hex digits nor an existing file"
					     : "not an Ed25519 public key");
	r = ld_views_open(data, root_pub, NULL, &c.s);
	if (r == LD_EBUSY)
		return cli_fail(EXIT_STORE, "%s is in use by another process (a running "
					    "liandongd?); stop it first", data);
	if (r == LD_EWRONGKEY)
		return cli_fail(EXIT_FILE, "%s belongs to a deployment with another root key", data);
	if (r < 0)
		return cli_fail(EXIT_STORE, "cannot open store %s: %s", data, ld_strerror(r));
	if (c.json)
		printf("{\"root_id\": %s%s%s, \"feeds\": [", ld_store_root_id(c.s) ? "\"" : "",
		       ld_store_root_id(c.s) ? ld_store_root_id(c.s) : "null",
		       ld_store_root_id(c.s) ? "\"" : "");
	r = ld_store_foreach_head(c.s, check_one, &c);
	if (c.json)
		printf("\n  ], \"feeds_checked\": %d, \"feeds_failed\": %d}\n", c.feeds, c.bad);
	if (r == 0)
		r = ld_store_foreach_equivocation(c.s, alert_one, &c.json);
	ld_store_destroy(&c.s);
	if (r < 0)
		return cli_fail(EXIT_STORE, "reading %s failed: %s", data, ld_strerror(r));
	if (!c.json)
		printf("%d feed(s) checked, %d failed\n", c.feeds, c.bad);
	return c.bad ? EXIT_VERIFY : 0;
}

/* client/cmd_store.c: `liandong store check`: offline re-verification of
 * everything a node's store holds, for an operator or an auditor. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "client/i18n.h"
#include "common/base/errors.h"
#include "common/store/store.h"
#include "common/views/views.h"

static void store_usage(FILE *f)
{
	fprintf(f, "Usage: liandong store check --data DIR --root KEY [--fast] [--json]\n"
		   "\n"
		   "Re-verify every feed held in the store at DIR: each hash link, each\n"
		   "payload against its signed hash, and every signature against the key the\n"
		   "root's roster gives its author (--fast: only the last signature of each\n"
		   "run, which authenticates the run through the hash links).\n"
		   "KEY is the root authority's public key: 64 hex digits or a file.\n"
		   "The node's daemon must be stopped (the store admits one process).\n"
		   "--json: {root_id, feeds: [{feed, head_seq, head_id, verified,\n"
		   "entries_checked, frozen, error}], feeds_checked, feeds_failed,\n"
		   "equivocations: [{feed, seq, kept, other}]}.\n"
		   "Exit: 0 all verified, 1 a feed failed, 2 usage, 3 bad key, 4 store error.\n");
}

struct check {
	ld_store_t *s;
	enum ld_chain_mode mode;
	json_t *feeds, *eqs;
	int bad;
};

static int check_one(void *ud, const ld_feed_head_t *h)
{
	struct check *c = ud;
	uint64_t count = 0;
	int r = ld_store_check_feed(c->s, h->feed, c->mode, &count);
	char hex[2 * LD_ID_LEN + 1];
	json_t *o;

	if (r < 0 || h->frozen)
		c->bad++;
	o = json_pack("{s:o, s:I, s:s, s:b, s:I, s:b}", "feed", cli_json_text(h->feed), "head_seq",
		      (json_int_t)h->seq, "head_id", ld_hex(h->id, LD_ID_LEN, hex), "verified",
		      r == 0, "entries_checked", (json_int_t)count, "frozen", h->frozen);
	if (o && r < 0)
		json_object_set_new(o, "error", json_string(ld_strerror(r)));
	return o && json_array_append_new(c->feeds, o) == 0 ? 0 : -ENOMEM;
}

static int alert_one(void *ud, const ld_equivocation_t *eq)
{
	struct check *c = ud;
	char a[2 * LD_ID_LEN + 1], b[2 * LD_ID_LEN + 1];
	json_t *o = json_pack("{s:o, s:I, s:s, s:s}", "feed", cli_json_text(eq->feed), "seq",
			      (json_int_t)eq->seq, "kept", ld_hex(eq->kept->id, LD_ID_LEN, a),
			      "other", ld_hex(eq->other->id, LD_ID_LEN, b));

	return o && json_array_append_new(c->eqs, o) == 0 ? 0 : -ENOMEM;
}

static void alerts_text(FILE *f, json_t *o)
{
	size_t i;
	json_t *x;

	json_array_foreach(json_object_get(o, "equivocations"), i, x) fprintf(
		f,
		"ALERT equivocation: %s signed two entries with seq %lld: %.16s and "
		"%.16s\n",
		cli_jstr(x, "feed"), cli_jint(x, "seq"), cli_jstr(x, "kept"), cli_jstr(x, "other"));
}

static void store_text(json_t *o)
{
	size_t i;
	json_t *x;

	json_array_foreach(json_object_get(o, "feeds"), i, x)
	{
		bool ok = cli_jtrue(x, "verified");

		printf("%-24s seq %-10lld head %.16s  %s%s%s\n", cli_jstr(x, "feed"),
		       cli_jint(x, "head_seq"), cli_jstr(x, "head_id"),
		       ok ? "verified" : "FAILED: ", ok ? "" : cli_jstr(x, "error"),
		       cli_jtrue(x, "frozen") ? "  [FROZEN: equivocation proven]" : "");
	}
	alerts_text(stdout, o);
	printf("%lld feed(s) checked, %lld failed\n", cli_jint(o, "feeds_checked"),
	       cli_jint(o, "feeds_failed"));
}

int cmd_store(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'}, {"root", required_argument, NULL, 'r'},
		{"fast", no_argument, NULL, 'f'},	{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},	{0},
	};
	const char *data = NULL, *root = NULL;
	struct check c = {.mode = LD_CHAIN_EACH_SIG};
	uint8_t root_pub[LD_PUBKEY_LEN];
	bool json = false;
	json_t *o;
	int r, opt;

	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		store_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[0], "check") != 0) {
		store_usage(stderr);
		return cli_fail(EXIT_USAGE, "store: unknown subcommand '%.80s'", argv[0]);
	}
	/* argv[0] is "check" (getopt's "program name"). */
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			data = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 'f':
			c.mode = LD_CHAIN_BATCH;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			store_usage(stdout);
			return 0;
		default:
			store_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, "store check: unexpected argument '%.80s'",
				argv[optind]);
	if (!data || !root) {
		store_usage(stderr);
		return cli_fail(EXIT_USAGE, "store check: --data and --root are required");
	}
	r = ld_pubkey_parse(root, root_pub);
	if (r < 0)
		return cli_fail(EXIT_FILE, "--root %s: %s", root,
				r == -ENOENT ? _("neither 64 hex digits nor an existing file")
					     : _("not an Ed25519 public key"));
	r = ld_views_open(data, root_pub, NULL, &c.s);
	if (r == LD_EBUSY)
		return cli_fail(EXIT_STORE,
				"%s is in use by another process (a running "
				"liandongd?); stop it first",
				data);
	if (r == LD_EWRONGKEY)
		return cli_fail(EXIT_FILE, "%s belongs to a deployment with another root key",
				data);
	if (r < 0)
		return cli_fail(EXIT_STORE, "cannot open store %s: %s", data, cli_strerror(r));
	c.feeds = json_array();
	c.eqs = json_array();
	o = json_pack("{s:o, s:o, s:o}", "root_id", cli_json_opt(ld_store_root_id(c.s)), "feeds",
		      c.feeds, "equivocations", c.eqs);
	r = o ? ld_store_foreach_head(c.s, check_one, &c) : -ENOMEM;
	if (r == 0)
		r = ld_store_foreach_equivocation(c.s, alert_one, &c);
	ld_store_destroy(&c.s);
	if (r < 0) {
		json_decref(o);
		return cli_fail(EXIT_STORE, "reading %s failed: %s", data, cli_strerror(r));
	}
	json_object_set_new(o, "feeds_checked", json_integer((json_int_t)json_array_size(c.feeds)));
	json_object_set_new(o, "feeds_failed", json_integer(c.bad));
	/* In JSON, the alerts go to stderr as well, where an operator sees them. */
	if (json)
		alerts_text(stderr, o);
	r = cli_output(o, json, store_text);
	return r ? r : c.bad ? EXIT_VERIFY : 0;
}

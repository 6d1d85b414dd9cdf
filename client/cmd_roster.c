/* client/cmd_roster.c: the roster seen from the tool: `liandong roster
 * add|revoke|rotate|list`, `liandong whoami`, and the check every command
 * makes before it names a unit: is it a current member? */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/cli.h"
#include "client/docs.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/crypto/curve.h"
#include "common/feed/entry.h"
#include "common/base/errors.h"
#include "common/crypto/key.h"
#include "common/feed/kinds.h"
#include "common/feed/pbjson.h"
#include "common/base/text.h"
#include "common/base/timeutil.h"
#include "roster.pb-c.h"

/* The roster as the daemon holds it, fetched once per run. */
static Ld__ApiResponse *roster_cache;

static void roster_cache_free(void)
{
	if (roster_cache)
		ld__api_response__free_unpacked(roster_cache, NULL);
	roster_cache = NULL;
}

static int roster_fetch(ldc_t *cl, Ld__ApiResponse **ret)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	int r;

	if (!roster_cache) {
		q.has_type = true;
		q.type = LD__API_TYPE__API_ROSTER;
		if ((r = ldc_call(cl, &q, 10000, &roster_cache)) < 0)
			return r;
		atexit(roster_cache_free);
		if (!roster_cache->ok) {
			r = roster_cache->has_err && roster_cache->err < 0 ? roster_cache->err
									   : -EIO;
			roster_cache_free();
			return r;
		}
	}
	*ret = roster_cache;
	return 0;
}

int cli_member(ldc_t *cl, const char *cmd, const char *opt, const char *id)
{
	Ld__ApiResponse *ro;
	const char **names, *close[3];
	size_t n = 0, k;
	int64_t now = ld_now_ms();
	int r = roster_fetch(cl, &ro);

	if (r < 0)
		return cli_daemon_fail(r, cmd);
	names = calloc(ro->n_roster + 1, sizeof(*names));
	if (!names)
		return cli_fail(EXIT_STORE, "out of memory");
	for (size_t i = 0; i < ro->n_roster; i++) {
		const Ld__RosterNode *m = ro->roster[i];

		if (!strcmp(m->node_id, id)) {
			free(names);
			if (docs_member_current(m, now))
				return 0;
			if (m->revoked)
				return cli_fail(EXIT_NO_CASE,
						"%s: %s '%.80s': that unit was revoked from "
						"the roster (%s)",
						cmd, opt, id,
						m->revoke_reason ? m->revoke_reason
								 : _("no reason given"));
			return cli_fail(EXIT_NO_CASE,
					"%s: %s '%.80s': that unit's membership is not "
					"valid now (see liandong roster list)",
					cmd, opt, id);
		}
		if (docs_member_current(m, now))
			names[n++] = m->node_id;
	}
	k = ld_text_closest(id, names, n, close, 3);
	free(names);
	if (!ro->n_roster)
		return cli_fail(EXIT_NO_CASE,
				"%s: %s '%.80s' is not in the roster: this node holds no "
				"roster yet (is it linked to its superior?)",
				cmd, opt, id);
	if (!k)
		return cli_fail(EXIT_NO_CASE,
				"%s: %s '%.80s' is not a member of the roster (liandong roster "
				"list shows every unit)",
				cmd, opt, id);
	return cli_fail(EXIT_NO_CASE,
			"%s: %s '%.80s' is not a member of the roster; did you mean %s%s%s%s%s? "
			"(liandong roster list shows every unit)",
			cmd, opt, id, close[0], k > 1 ? ", " : "", k > 1 ? close[1] : "",
			k > 2 ? ", " : "", k > 2 ? close[2] : "");
}

/* ---- roster add | revoke | rotate ---- */

static void roster_usage(FILE *f)
{
	fprintf(f,
		"Usage (changes are signed on the root authority's node):\n"
		"  liandong roster add ID --name NAME --kind KIND --region CODE [--superior ID]\n"
		"                  (--sign-key HEX | --sign-key-file FILE)\n"
		"                  (--curve-key Z85 | --curve-key-file FILE) [--role ROLE]...\n"
		"  liandong roster revoke ID --last-seq N [--reason TEXT]\n"
		"  liandong roster rotate ID (--sign-key HEX | --sign-key-file FILE) --from-seq N\n"
		"                  [--curve-key Z85 | --curve-key-file FILE]\n"
		"  liandong roster list [--json]        every member, on any node\n"
		"Common: [-c CONFIG | --api ENDPOINT] [--json] [--utc]\n"
		"KIND: command-centre, bureau, police, procuratorate, court, supervisor.\n"
		"--sign-key: the node's Ed25519 public key, 64 hex digits (liandong init prints it);\n"
		"--sign-key-file: a file holding it, or the node's private key file.\n"
		"--curve-key: the node's CurveZMQ public key, 40 Z85 characters (quote it: Z85\n"
		"uses & < > ( ) { } $ # and more); --curve-key-file: the node's .curve file.\n"
		"The root adds itself first, with its own keys, then every other node.\n");
}

static const char *const kinds[] = {NULL,    "command-centre", "bureau", "police", "procuratorate",
				    "court", "supervisor"};

static int sign_key_arg(const char *arg, bool file, uint8_t out[LD_PUBKEY_LEN])
{
	ld_key_t *k;
	char q[120];

	ld_text_quote(arg, 40, q, sizeof(q));
	if (!file) {
		/* A key must decode and must not also name a file: never guess. */
		if (ld_unhex(arg, out, LD_PUBKEY_LEN) == 0 && access(arg, F_OK) != 0)
			return 0;
		if (access(arg, F_OK) == 0)
			return cli_fail(EXIT_USAGE,
					"roster: --sign-key '%.80s' is a file: use "
					"--sign-key-file for a file",
					q);
		return cli_fail(EXIT_USAGE, "roster: --sign-key '%.80s' is not 64 hex digits", q);
	}
	if (ld_pubkey_parse(arg, out) == 0)
		return 0;
	if (ld_key_load(arg, &k) == 0) {
		ld_key_public(k, out);
		ld_key_destroy(&k);
		return 0;
	}
	return cli_fail(access(arg, R_OK) ? EXIT_FILE : EXIT_USAGE,
			"roster: --sign-key-file %s: %s", q,
			access(arg, R_OK) ? strerror(errno)
					  : _("neither a public key file nor a private key file"));
}

static int curve_key_arg(const char *arg, bool file, uint8_t out[32])
{
	ld_curve_pair_t p;
	char q[120];
	int r;

	ld_text_quote(arg, 48, q, sizeof(q));
	if (!file) {
		/* A path can be 40 Z85 characters too: a key must decode and must
		 * not name a file, or nobody can tell which was meant. */
		if (access(arg, F_OK) == 0)
			return cli_fail(EXIT_USAGE,
					"roster: --curve-key '%.80s' names a file: use "
					"--curve-key-file for a file",
					q);
		if (ld_curve_z85_decode(arg, out) < 0)
			return cli_fail(EXIT_USAGE,
					"roster: --curve-key '%.80s' is not 40 Z85 "
					"characters (quote it in the shell)",
					q);
	} else if ((r = ld_curve_load(arg, &p)) == 0) {
		explicit_bzero(p.sec, sizeof(p.sec));
		if (ld_curve_z85_decode(p.pub, out) < 0)
			return cli_fail(EXIT_USAGE, "roster: --curve-key-file %s: bad public key",
					q);
	} else {
		FILE *f = fopen(arg, "re");
		char line[128] = "";

		/* A file holding only the public key, as the node's operator sent it. */
		if (!f)
			return cli_fail(EXIT_FILE, "roster: --curve-key-file %s: %s", q,
					strerror(errno));
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
		line[strcspn(line, "\r\n")] = '\0';
		if (ld_curve_z85_decode(line, out) < 0 &&
		    !(sscanf(line, " public = %40s", line) == 1 &&
		      ld_curve_z85_decode(line, out) == 0))
			return cli_fail(EXIT_USAGE,
					"roster: --curve-key-file %s: neither a .curve key "
					"pair file nor a file with a public key",
					q);
	}
	if (!ld_curve_pub_valid(out))
		return cli_fail(EXIT_USAGE,
				"roster: curve key '%.80s' decodes, but is not a valid "
				"Curve25519 public key (a point of small order or out of "
				"range): ask the node for the key liandong init printed",
				q);
	return 0;
}

static int roster_list(int argc, char **argv);

static void update_text(json_t *o)
{
	printf("roster %s %s: signed as %s #%lld\n", cli_jstr(o, "action"), cli_jstr(o, "node"),
	       cli_jstr(o, "feed"), cli_jint(o, "seq"));
}

int cmd_roster(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"kind", required_argument, NULL, 'k'},
		{"region", required_argument, NULL, 'g'},
		{"superior", required_argument, NULL, 's'},
		{"sign-key", required_argument, NULL, 'S'},
		{"sign-key-file", required_argument, NULL, 'F'},
		{"curve-key", required_argument, NULL, 'C'},
		{"curve-key-file", required_argument, NULL, 'Z'}, /* 'K' is --check */
		{"role", required_argument, NULL, 'o'},
		{"last-seq", required_argument, NULL, 'l'},
		{"from-seq", required_argument, NULL, 'f'},
		{"reason", required_argument, NULL, 'r'},
		CLI_COMMON_OPTS,
	};
	Ld__RosterUpdate u = LD__ROSTER_UPDATE__INIT;
	Ld__AppendItem item = LD__APPEND_ITEM__INIT;
	const Ld__AppendItem *items[] = {&item};
	uint8_t sign[LD_PUBKEY_LEN], curve[32], buf[4096];
	const char *verb, *roles[16];
	cli_common_t co = {0};
	bool has_sign = false, has_curve = false;
	char *msg = NULL, hex[65];
	ldc_ref_t ref;
	ldc_t *cl;
	int c, r;

	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		roster_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? EXIT_USAGE : 0;
	}
	verb = argv[0];
	if (!strcmp(verb, "list"))
		return roster_list(argc, argv);
	u.has_action = true;
	if (!strcmp(verb, "add"))
		u.action = LD__ROSTER_UPDATE__ACTION__ADD;
	else if (!strcmp(verb, "revoke"))
		u.action = LD__ROSTER_UPDATE__ACTION__REVOKE;
	else if (!strcmp(verb, "rotate"))
		u.action = LD__ROSTER_UPDATE__ACTION__ROTATE_KEY;
	else
		return cli_fail(EXIT_USAGE,
				"roster: unknown action '%.80s' (add, revoke, rotate, list)", verb);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		char *end;

		if (cli_common_opt(&co, c))
			continue;
		switch (c) {
		case 'n':
			if (cli_text_arg("roster", "--name", optarg, "name"))
				return EXIT_USAGE;
			u.name = optarg;
			break;
		case 'g':
			u.region_code = optarg;
			break;
		case 's':
			u.superior = optarg;
			break;
		case 'r':
			if (cli_text_arg("roster", "--reason", optarg, "reason"))
				return EXIT_USAGE;
			u.reason = optarg;
			break;
		case 'k':
			for (size_t i = 1; i < sizeof(kinds) / sizeof(kinds[0]); i++)
				if (!strcmp(optarg, kinds[i])) {
					u.has_kind = true;
					u.kind = (uint32_t)i;
				}
			if (!u.has_kind)
				return cli_fail(EXIT_USAGE,
						"roster: --kind '%.80s' unknown (command-centre, "
						"bureau, police, procuratorate, court, "
						"supervisor)",
						optarg);
			break;
		case 'S':
		case 'F':
			if ((r = sign_key_arg(optarg, c == 'F', sign)))
				return r;
			has_sign = true;
			break;
		case 'C':
		case 'Z':
			if ((r = curve_key_arg(optarg, c == 'Z', curve)))
				return r;
			has_curve = true;
			break;
		case 'o':
			if (u.n_roles == 16)
				return cli_fail(EXIT_USAGE, "roster: at most 16 --role");
			if (cli_text_arg("roster", "--role", optarg, "roles"))
				return EXIT_USAGE;
			roles[u.n_roles++] = optarg;
			break;
		case 'l':
		case 'f':
			errno = 0;
			{
				unsigned long long v = strtoull(optarg, &end, 10);

				if (errno || *end || end == optarg || optarg[0] == '-')
					return cli_fail(EXIT_USAGE, "roster: --%s must be a number",
							c == 'l' ? "last-seq" : "from-seq");
				if (c == 'l') {
					u.has_last_valid_seq = true;
					u.last_valid_seq = v;
				} else {
					u.has_key_from_seq = true;
					u.key_from_seq = v;
				}
			}
			break;
		case 'h':
			roster_usage(stdout);
			return 0;
		default:
			roster_usage(stderr);
			return EXIT_USAGE;
		}
	}
	/* argv[0] is the verb (getopt's "program name"); the node id is the
	 * one remaining argument. */
	if (optind != argc - 1)
		return cli_fail(EXIT_USAGE, "roster %s: exactly one node ID is required", verb);
	u.node_id = argv[optind];
	if (!u.node_id || !ld_node_id_valid(u.node_id))
		return cli_fail(EXIT_USAGE,
				"roster %s: '%.80s' is not a valid node id (1-64 of a-z 0-9 "
				". _ -)",
				verb, u.node_id ? u.node_id : "");
	if (u.region_code &&
	    (strlen(u.region_code) != 6 || strspn(u.region_code, "0123456789") != 6))
		return cli_fail(EXIT_USAGE,
				"roster: --region '%.80s' must be six digits (GB/T 2260)",
				u.region_code);
	if (u.superior && !ld_node_id_valid(u.superior))
		return cli_fail(EXIT_USAGE, "roster: --superior '%.80s' is not a valid node id",
				u.superior);
	if (u.action == LD__ROSTER_UPDATE__ACTION__ADD &&
	    (!u.name || !u.has_kind || !u.region_code || !has_sign || !has_curve))
		return cli_fail(EXIT_USAGE, "roster add: --name, --kind, --region, a signing key "
					    "(--sign-key or --sign-key-file) and a curve key "
					    "(--curve-key or --curve-key-file) are required");
	if (u.action == LD__ROSTER_UPDATE__ACTION__REVOKE && !u.has_last_valid_seq)
		return cli_fail(EXIT_USAGE, "roster revoke: --last-seq is required (the last entry "
					    "of the node's feed that stays valid; 0 for none)");
	if (u.action == LD__ROSTER_UPDATE__ACTION__ROTATE_KEY && (!has_sign || !u.has_key_from_seq))
		return cli_fail(EXIT_USAGE,
				"roster rotate: a signing key and --from-seq are required");
	if (has_sign) {
		u.has_sign_key = true;
		u.sign_key.data = sign;
		u.sign_key.len = LD_PUBKEY_LEN;
	}
	if (has_curve) {
		u.has_curve_key = true;
		u.curve_key.data = curve;
		u.curve_key.len = 32;
	}
	u.roles = (char **)roles;
	if (ld__roster_update__get_packed_size(&u) > sizeof(buf))
		return cli_fail(EXIT_USAGE, "roster: fields too long");
	item.has_kind = item.has_everyone = item.has_payload = true;
	item.kind = LD__KIND__KIND_ROSTER_UPDATE;
	item.everyone = true;
	item.payload.data = buf;
	item.payload.len = ld__roster_update__pack(&u, buf);
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	r = ldc_append(cl, items, 1, &ref, &msg);
	ldc_destroy(&cl);
	if (r < 0) {
		int rc = r == -EINVAL ? cli_fail(EXIT_USAGE,
						 "roster %s %s refused by the root: %s "
						 "(is this the root's node? is the "
						 "update valid for the current roster?)",
						 verb, u.node_id, msg ? msg : cli_strerror(r))
				      : cli_sign_fail(r, msg, "roster");
		free(msg);
		return rc;
	}
	return cli_output(json_pack("{s:s, s:s, s:s, s:I, s:s}", "action", verb, "node", u.node_id,
				    "feed", ref.feed, "seq", (json_int_t)ref.seq, "id",
				    ld_hex(ref.id, 32, hex)),
			  co.json, update_text);
}

/* ---- roster list, whoami ---- */

/* The fingerprint of a member's current signing key (its last), or "-". */
static const char *current_fp(json_t *m)
{
	json_t *keys = json_object_get(m, "keys");
	const char *fp = cli_jstr(json_array_get(keys, json_array_size(keys) - 1), "fingerprint");

	return fp[0] ? fp : "-";
}

static void list_text(json_t *o)
{
	json_t *m, *members = json_object_get(o, "members");
	size_t i;

	if (!json_array_size(members)) {
		printf("%s\n",
		       _("no roster held here yet (the root's roster entries have not arrived)"));
		return;
	}
	/* Columns by display width: headings, kinds and names may be Chinese. */
	printf("%s %s %s %s %s %s\n", cli_col(_("NODE"), 20), cli_col(_("KIND"), 15),
	       cli_col(_("REGION"), 7), cli_col(_("SUPERIOR"), 20),
	       cli_col(_("KEY FINGERPRINT"), 19), _("NAME"));
	json_array_foreach(members, i, m)
	{
		json_t *sup = json_object_get(m, "superior");

		printf("%s %s %s %s %s %s%s%s\n", cli_pad(cli_jstr(m, "node"), 20),
		       cli_pad(cli_term("ld.NodeKind", cli_jstr(m, "kind")), 15),
		       cli_pad(cli_jstr(m, "region")[0] ? cli_jstr(m, "region") : "-", 7),
		       cli_pad(json_is_string(sup) ? json_string_value(sup) : _("(root)"), 20),
		       cli_pad(current_fp(m), 19), cli_1l(cli_jstr(m, "name")),
		       cli_jtrue(m, "revoked") ? _("  REVOKED") : "",
		       !cli_jtrue(m, "revoked") && !cli_jtrue(m, "current") ? _("  (not valid now)")
									    : "");
	}
}

static int roster_list(int argc, char **argv)
{
	cli_common_t co = {0};
	Ld__ApiResponse *ro;
	int64_t now = ld_now_ms();
	json_t *o, *a;
	ldc_t *cl;
	int r, first;

	/* argv[0] is "list": the command's name for the parser. */
	if ((r = cli_common_only(
		     argc - 1, argv + 1, "roster list",
		     "Usage: liandong roster list [-c CONFIG | --api EP] [--json]\n"
		     "Every member of the roster as this node holds it: id, kind, region,\n"
		     "superior, the fingerprint of its current signing key, name, and\n"
		     "whether it is revoked. --json adds every key and the curve key.\n",
		     0, 0, &co, &first)))
		return r == 1 ? 0 : r;
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	r = roster_fetch(cl, &ro);
	ldc_destroy(&cl);
	if (r < 0)
		return cli_daemon_fail(r, "roster list");
	o = json_object();
	a = json_array();
	for (size_t i = 0; a && i < ro->n_roster; i++)
		json_array_append_new(a, docs_member(ro->roster[i], now));
	json_object_set_new(o, "root_head", json_integer((json_int_t)ro->root_head));
	json_object_set_new(o, "members", a);
	return cli_output(o, co.json, list_text);
}

static void whoami_text(json_t *o)
{
	json_t *root = json_object_get(o, "root"), *sup = json_object_get(o, "superior");

	printf("node     %s\n", cli_jstr(o, "node")[0] ? cli_jstr(o, "node") : "?");
	printf("root     %s\n", json_is_string(root) ? json_string_value(root) : "(no roster yet)");
	if (!cli_jtrue(o, "in_roster")) {
		printf("member   not in the roster held here (ask the root authority to add "
		       "this node: liandong init printed the command)\n");
		return;
	}
	printf("name     %s\nkind     %s\nregion   %s\nsuperior %s\nkey      %s\nmember   %s\n",
	       cli_1l(cli_jstr(o, "name")), cli_jstr(o, "kind"),
	       cli_jstr(o, "region")[0] ? cli_jstr(o, "region") : "-",
	       json_is_string(sup) ? json_string_value(sup) : "(none: the root)", current_fp(o),
	       cli_jtrue(o, "revoked")	 ? "REVOKED"
	       : cli_jtrue(o, "current") ? "yes, current"
					 : "not valid now");
}

int cmd_whoami(int argc, char **argv)
{
	cli_common_t co = {0};
	json_t *o;
	Ld__ApiResponse *st = NULL, *ro;
	const Ld__RosterNode *me = NULL;
	int64_t now = ld_now_ms();
	ldc_t *cl;
	int r, first;

	if ((r = cli_common_only(argc, argv, "whoami",
				 "Usage: liandong whoami [-c CONFIG | --api EP] [--json]\n"
				 "This node as the roster describes it: id, name, kind, region,\n"
				 "superior, keys, and whether it is a current member.\n",
				 0, 0, &co, &first)))
		return r == 1 ? 0 : r;
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	if ((r = ldc_status(cl, &st)) < 0 || (r = roster_fetch(cl, &ro)) < 0) {
		if (st)
			ld__api_response__free_unpacked(st, NULL);
		ldc_destroy(&cl);
		return cli_daemon_fail(r, "whoami");
	}
	ldc_destroy(&cl);
	for (size_t i = 0; st->status && i < ro->n_roster; i++)
		if (!strcmp(ro->roster[i]->node_id, st->status->node_id))
			me = ro->roster[i];
	o = me ? docs_member(me, now) : json_object();
	json_object_set_new(o, "node", cli_json_text(st->status ? st->status->node_id : ""));
	json_object_set_new(o, "root", cli_json_opt(st->status ? st->status->root_id : NULL));
	json_object_set_new(o, "in_roster", json_boolean(me != NULL));
	r = cli_output(o, co.json, whoami_text);
	ld__api_response__free_unpacked(st, NULL);
	return r;
}

/* client/cmd_node.c: commands that set up a node or talk to its daemon:
 * `liandong init`, `liandong roster add|revoke|rotate`, `liandong status`. */
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client/cli.h"
#include "client/docs.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/conf/apisock.h"
#include "common/conf/config.h"
#include "common/crypto/curve.h"
#include "common/base/errors.h"
#include "common/crypto/key.h"
#include "common/domain/revocation.h"
#include "roster.pb-c.h"

/* Where the daemon's API is: --api EP, else the api of -c CONFIG, else of
 * $LIANDONG_CONFIG, else ./liandongd.conf. */
static int api_endpoint(const char *api, const char *conf_path, char **ret)
{
	ld_config_t *conf;
	char err[2048];

	if (api) {
		if (ld_endpoint_check(api, err, sizeof(err)) < 0)
			return cli_fail(EXIT_USAGE, "--api: %s; give a shorter one", err);
		*ret = strdup(api);
		return 0;
	}
	if (!conf_path)
		conf_path = getenv("LIANDONG_CONFIG");
	if (!conf_path)
		conf_path = "liandongd.conf";
	if (ld_config_load(conf_path, &conf, err, sizeof(err)) < 0)
		return cli_fail(EXIT_FILE, "%s (use -c CONFIG or --api ENDPOINT)", err);
	*ret = strdup(conf->api);
	ld_config_destroy(&conf);
	return 0;
}

/* Before any request: a missing or stale socket means no daemon (exit 5 at
 * once, not after a request's timeout); a refused one is a permission
 * problem of this user (exit 3), not the daemon's. */
static int probe(const char *ep)
{
	const char *path = ld_ipc_path(ep);
	char why[512];
	int r = ldc_probe(ep, why, sizeof(why));

	switch (r) {
	case 0:
		return 0;
	case -ENOENT:
		return cli_fail(5,
				"no daemon is listening at %s (is liandongd running for this "
				"node? it creates the socket when it starts)",
				path);
	case -ECONNREFUSED:
		return cli_fail(5,
				"no daemon is listening at %s: the socket was left by a daemon "
				"that stopped without removing it (is liandongd running for this "
				"node? starting it replaces the socket)",
				path);
	case -EACCES:
	case -EPERM:
		return cli_fail(EXIT_FILE,
				"permission denied on the API socket %s (%s): run this "
				"command as the node's user (the owner named) or as root",
				path, why);
	case -ENOTSOCK:
		return cli_fail(EXIT_FILE,
				"%s is not a socket: check [node] api in the "
				"configuration, or --api",
				path);
	default:
		return cli_fail(EXIT_FILE, "cannot reach the API socket %s: %s", path,
				strerror(-r));
	}
}

int cli_connect(const char *api, const char *conf_path, ldc_t **ret)
{
	char *ep = NULL;
	int r = api_endpoint(api, conf_path, &ep);

	if (r)
		return r;
	if (!ep)
		return cli_fail(EXIT_STORE, "out of memory");
	if ((r = probe(ep)) != 0) {
		free(ep);
		return r;
	}
	r = ldc_open(ep, ret);
	if (r < 0)
		r = cli_fail(EXIT_STORE, "cannot open the API endpoint %s: %s", ep, strerror(-r));
	free(ep);
	return r;
}

/* ---- init ---- */

static void init_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong init --id ID --dir DIR (--root KEY | --root-node)\n"
		"                     [--bind ENDPOINT] [--peer ID=ENDPOINT[@CURVEKEY]]...\n"
		"                     [--api ipc:///PATH.sock] [--timezone ZONE] [--json]\n"
		"\n"
		"Create a node: its Ed25519 signing key, its CurveZMQ key pair (both 0600)\n"
		"and a starter configuration DIR/liandongd.conf (0640) with data in\n"
		"DIR/data; these modes whatever the umask (liandongd refuses files others\n"
		"can change, and keys others can read).\n"
		"--timezone (e.g. Asia/Shanghai) sets the zone in which `liandong` reads and\n"
		"shows dates for this node ([node] timezone; TZ still takes precedence).\n"
		"\n"
		"The configuration names the local API socket (api = ipc://...) explicitly,\n"
		"so the tool finds it from any environment: --api, or by default a short\n"
		"path in a private runtime directory (/run/liandong when run as root, else\n"
		"/tmp/liandong-UID), never under DIR, whose depth could exceed the 107 bytes\n"
		"a Unix socket path can hold. An ipc:// path over that limit is refused\n"
		"before anything is created, and so is a tcp:// or abstract ipc://@ --api:\n"
		"only a socket file's permissions keep other users from signing.\n"
		"\n"
		"Prints the roster command for the node, every key in single quotes so it\n"
		"can be pasted into a shell. Every other node is added by the root\n"
		"authority, on the root's node:\n"
		"  liandong roster add ID --name NAME --kind bureau --region CODE --superior ID \\\n"
		"      --sign-key 'HEX' --curve-key 'Z85'\n"
		"\n"
		"--root-node makes this node the root authority: its key is the root key,\n"
		"written to DIR/root.pub for the other nodes. The root adds itself first:\n"
		"the first entry of its feed must be that addition. Start its daemon, then\n"
		"add it (no --superior), then the others:\n"
		"  liandongd -c DIR/liandongd.conf &\n"
		"  liandong roster add ID -c DIR/liandongd.conf --name NAME --kind command-centre \\\n"
		"      --region CODE --sign-key 'HEX' --curve-key 'Z85'\n"
		"(init prints both lines with the real paths and keys).\n"
		"\n"
		"Exit: 0 created, 2 usage (bad option, ipc:// path too long), 3 file or key\n"
		"problem.\n");
}

/* 's' as one shell word: in single quotes, each ' as '\''. Z85 keys hold
 * & < > ( ) { } $ # and other characters a shell would act on. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

/* The absolute path 'dir' will have once created, as ld_config_load will
 * resolve it (the real path of the config file's directory), without
 * creating anything. 0 or -errno. */
static int init_abs_dir(const char *dir, char *out, size_t n)
{
	char *real = realpath(dir, NULL), *copy, *base;
	size_t len;
	int r;

	if (real) {
		snprintf(out, n, "%s", real);
		free(real);
		return 0;
	}
	if (errno != ENOENT || !(copy = strdup(dir)))
		return -errno;
	for (len = strlen(copy); len > 1 && copy[len - 1] == '/'; len--)
		copy[len - 1] = '\0';
	base = strrchr(copy, '/');
	if (base)
		*base++ = '\0';
	real = realpath(!base ? "." : copy[0] ? copy : "/", NULL);
	r = real ? 0 : -errno;
	if (real)
		snprintf(out, n, "%s/%s", strcmp(real, "/") ? real : "", base ? base : copy);
	free(real);
	free(copy);
	return r;
}

/* An endpoint given to init: its form, and an ipc:// path short enough. */
static int init_endpoint(const char *opt, const char *ep)
{
	char err[1536];

	if (strncmp(ep, "ipc://", 6) && strncmp(ep, "tcp://", 6))
		return cli_fail(EXIT_USAGE, "init: %s '%s': expected a tcp:// or ipc:// endpoint",
				opt, ep);
	/* The daemon refuses these for its signing API ([node] api): say so
	 * before anything is created. */
	if (!strcmp(opt, "--api") && (strncmp(ep, "ipc://", 6) || ep[6] == '@'))
		return cli_fail(EXIT_USAGE,
				"init: --api %s: the signing API must be a filesystem ipc:// "
				"socket: a tcp:// port or an abstract ipc://@ socket has no file "
				"permissions, so any local user could sign as this node; give "
				"e.g. --api ipc:///run/liandong/NODE.sock, or leave --api out for "
				"the default (nothing was created)",
				ep);
	if (ld_endpoint_check(ep, err, sizeof(err)) < 0)
		return cli_fail(EXIT_USAGE,
				"init: %s: %s; give a shorter path%s (nothing was "
				"created)",
				opt, err,
				!strcmp(opt, "--api")
					? _(", e.g. --api ipc:///run/liandong/NODE.sock, "
					    "or leave --api out for the default")
					: _(" or a tcp:// endpoint"));
	return 0;
}

/* The read-only API beside 'api': ".../X.sock" -> ".../X-ro.sock"; NULL if
 * api is not an ipc:// path or the result would be too long for a socket
 * (then init writes the key commented out). Caller frees. */
static char *init_api_ro(const char *api)
{
	size_t l = strlen(api);
	char *ro, err[512];

	if (!ld_ipc_path(api))
		return NULL;
	if (l > 5 && !strcmp(api + l - 5, ".sock")) {
		if (asprintf(&ro, "%.*s-ro.sock", (int)(l - 5), api) < 0)
			return NULL;
	} else if (asprintf(&ro, "%s-ro", api) < 0) {
		return NULL;
	}
	if (ld_endpoint_check(ro, err, sizeof(err)) < 0) {
		free(ro);
		return NULL;
	}
	return ro;
}

/* Create the configuration 'path' (it must not exist) with mode 0640
 * whatever the umask: its owner writes it, its group (a web server, duty
 * officers' tools) may read it, nobody else. The daemon refuses one that
 * others can change. 0 or -errno; *ret open for writing. */
static int init_conf_create(const char *path, FILE **ret)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640), r;

	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0640) < 0 || !(*ret = fdopen(fd, "w"))) {
		r = -errno;
		close(fd);
		unlink(path);
		return r;
	}
	return 0;
}

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"id", required_argument, NULL, 'i'},
		{"dir", required_argument, NULL, 'd'},
		{"root", required_argument, NULL, 'r'},
		{"root-node", no_argument, NULL, 'R'},
		{"bind", required_argument, NULL, 'b'},
		{"peer", required_argument, NULL, 'p'},
		{"api", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},
		{"timezone", required_argument, NULL, 'z'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *id = NULL, *dir = NULL, *root = NULL, *bind = NULL, *api_opt = NULL,
		   *zone = NULL, *peers[64];
	size_t n_peers = 0;
	bool root_node = false, json = false;
	char path[4200], absdir[4000], data[4100], hex[65], fp[LD_FINGERPRINT_SIZE], root_hex[65];
	char *api = NULL, *api_ro;
	uint8_t pub[LD_PUBKEY_LEN], root_pub[LD_PUBKEY_LEN];
	ld_curve_pair_t curve;
	ld_key_t *key = NULL;
	FILE *f;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			id = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 'R':
			root_node = true;
			break;
		case 'b':
			bind = optarg;
			break;
		case 'a':
			api_opt = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'z': {
			char zpath[512];

			snprintf(zpath, sizeof(zpath), "/usr/share/zoneinfo/%s", optarg);
			if (!optarg[0] || strstr(optarg, "..") || strpbrk(optarg, " \t\n") ||
			    access(zpath, R_OK) < 0)
				return cli_fail(EXIT_USAGE,
						"init: --timezone '%.80s' is not a time zone "
						"of the tz database (e.g. Asia/Shanghai)",
						optarg);
			zone = optarg;
			break;
		}
		case 'p':
			if (n_peers == 64)
				return cli_fail(EXIT_USAGE, "init: at most 64 --peer");
			peers[n_peers++] = optarg;
			break;
		case 'h':
			init_usage(stdout);
			return 0;
		default:
			init_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!id || !dir || (!root == !root_node)) {
		init_usage(stderr);
		return cli_fail(EXIT_USAGE,
				"init: --id, --dir and exactly one of --root/--root-node "
				"are required");
	}
	if (!ld_node_id_valid(id))
		return cli_fail(EXIT_USAGE,
				"init: --id '%.80s' is not a valid node id (1-64 of a-z 0-9 "
				". _ -)",
				id);
	if (root && (r = ld_pubkey_parse(root, root_pub)) < 0)
		return cli_fail(EXIT_FILE, "init: --root %s: %s", root,
				r == -ENOENT ? _("neither 64 hex digits nor an existing file")
					     : _("not an Ed25519 public key"));
	for (size_t i = 0; i < n_peers; i++) {
		if (!strchr(peers[i], '=') || !strstr(peers[i], "://"))
			return cli_fail(EXIT_USAGE,
					"init: --peer '%.80s': expected ID=tcp://HOST:PORT"
					"[@CURVEKEY]",
					peers[i]);
		if ((r = init_endpoint("--peer", strchr(peers[i], '=') + 1)) != 0)
			return r;
	}
	if ((bind && (r = init_endpoint("--bind", bind)) != 0) ||
	    (api_opt && (r = init_endpoint("--api", api_opt)) != 0))
		return r;
	/* Everything checked before anything is created. */
	if ((r = init_abs_dir(dir, absdir, sizeof(absdir))) < 0)
		return cli_fail(EXIT_FILE, "init: cannot create %s: %s", dir, strerror(-r));
	snprintf(path, sizeof(path), "%s/liandongd.conf", dir);
	if (access(path, F_OK) == 0)
		return cli_fail(EXIT_FILE, "init: %s already exists; refusing to overwrite a node",
				path);
	snprintf(data, sizeof(data), "%s/data", absdir);
	if (api_opt)
		api = strdup(api_opt);
	else if (ld_api_default(id, data, &api) < 0)
		api = NULL;
	if (!api)
		return cli_fail(EXIT_FILE, "init: out of memory");
	api_ro = init_api_ro(api);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		free(api);
		free(api_ro);
		return cli_fail(EXIT_FILE, "init: cannot create %s: %s", dir, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/%s.key", dir, id);
	if ((r = ld_key_generate(&key)) < 0 || (r = ld_key_save(key, path)) < 0) {
		ld_key_destroy(&key);
		free(api);
		free(api_ro);
		return cli_fail(EXIT_FILE, "init: %s: %s", path, cli_strerror(r));
	}
	ld_key_public(key, pub);
	ld_key_destroy(&key);
	snprintf(path, sizeof(path), "%s/%s.curve", dir, id);
	if ((r = ld_curve_create(path, &curve)) < 0) {
		free(api);
		free(api_ro);
		return cli_fail(EXIT_FILE, "init: %s: %s", path, cli_strerror(r));
	}
	explicit_bzero(curve.sec, sizeof(curve.sec));
	if (root_node)
		memcpy(root_pub, pub, sizeof(pub));
	ld_hex(root_pub, LD_PUBKEY_LEN, root_hex);
	snprintf(path, sizeof(path), "%s/root.pub", dir);
	if ((r = ld_pubkey_save_hex(root_pub, path)) < 0) {
		free(api);
		free(api_ro);
		return cli_fail(EXIT_FILE, "init: %s: %s", path, cli_strerror(r));
	}

	snprintf(path, sizeof(path), "%s/liandongd.conf", dir);
	if ((r = init_conf_create(path, &f)) < 0) {
		free(api);
		free(api_ro);
		return cli_fail(EXIT_FILE, "init: %s: %s", path, strerror(-r));
	}
	fprintf(f,
		"# liandongd configuration for %s (created by liandong init)\n"
		"[node]\nid = %s\ndata = data\nkey = %s.key\ncurve = %s.curve\n"
		"root = root.pub\n%s%s%s"
		"# The local API socket: short, in a private directory, and named here so\n"
		"# that `liandong -c` finds it whatever its environment.\n"
		"api = %s\n"
		"# The read-only API (mode 0660): reads only, never signs; for liandong-web.\n"
		"%sapi_ro = %s\nlog_level = info\n"
		"# Dates the operators type and read with `liandong` (default: TZ, else the\n"
		"# system's zone).\n%stimezone = %s\n\n[peers]\n",
		id, id, id, id, bind ? "bind = " : "", bind ? bind : "", bind ? "\n" : "", api,
		api_ro ? "" : "# ", api_ro ? api_ro : "ipc:///PATH-ro.sock", zone ? "" : "# ",
		zone ? zone : "Asia/Shanghai");
	for (size_t i = 0; i < n_peers; i++) {
		char *copy = strdup(peers[i]), *eq = strchr(copy, '='), *at = strchr(copy, '@');

		*eq = '\0';
		if (at && at > eq)
			*at = '\0';
		fprintf(f, "%s = %s%s%s\n", copy, eq + 1, at && at > eq ? " " : "",
			at && at > eq ? at + 1 : "");
		free(copy);
	}
	r = fflush(f) != 0 || fsync(fileno(f)) != 0 ? -errno : 0;
	if (fclose(f) != 0 && !r)
		r = -errno;
	if (r < 0) {
		free(api);
		free(api_ro);
		return cli_fail(EXIT_FILE, "init: %s: %s", path, strerror(-r));
	}

	ld_hex(pub, LD_PUBKEY_LEN, hex);
	ld_fingerprint(pub, fp);
	if (json) {
		json_t *o = json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", id,
				      "dir", cli_json_text(dir), "sign_key", hex, "fingerprint", fp,
				      "curve_key", curve.pub, "root_key", root_hex, "api",
				      cli_json_text(api), "api_ro", cli_json_opt(api_ro), "config",
				      cli_json_text(path));

		free(api);
		free(api_ro);
		r = cli_json_dump(o);
		json_decref(o);
		return r;
	}
	printf("created node %s in %s\n  signing key  %s (fingerprint %s)\n"
	       "  curve key    %s\n  api socket   %s\n  read-only    %s\n  config       %s\n",
	       id, dir, hex, fp, curve.pub, api, api_ro ? api_ro : "(none)", path);
	free(api_ro);
	snprintf(path, sizeof(path), "%s/liandongd.conf", absdir);
	if (root_node) {
		printf("this node is the root authority: start it, then add it to the roster first\n"
		       "(before any other node; no --superior):\n  liandongd -c ");
		put_quoted(stdout, path);
		printf(" &\n  liandong roster add %s -c ", id);
		put_quoted(stdout, path);
		printf(" --name NAME --kind command-centre --region CODE \\\n      --sign-key ");
	} else {
		printf("ask the root authority to add it (on the root's node):\n"
		       "  liandong roster add %s --name NAME --kind bureau --region CODE "
		       "--superior ID \\\n      --sign-key ",
		       id);
	}
	put_quoted(stdout, hex);
	printf(" --curve-key ");
	put_quoted(stdout, curve.pub);
	printf("\n");
	if (root_node)
		printf("then add each other node with the command its `liandong init` printed, "
		       "run with -c as above.\n");
	free(api);
	return 0;
}

/* ---- status ---- */

static const char status_help[] =
	"Usage: liandong status [-c CONFIG | --api ENDPOINT] [--json] [--utc]\n"
	"Show the node's peers, feed heads, replication lag and alerts, and\n"
	"whether the root has revoked this node (then it signs nothing).\n"
	"--json: {node, root, version, revoked (null, or {text, time_ms,\n"
	"roster_entry, reason}), peers: [{node, up, outgoing, last_seen_ms,\n"
	"entries_in, entries_out, lag, clock_offset_ms (its clock minus\n"
	"ours at its last Hello; null: not said)}], feeds: [{feed, seq, id, frozen}],\n"
	"alerts: [{kind, feed, seq, text}]}.\n"
	"Exit: 0 ok, 5 the daemon did not answer, 1 alerts are raised or the\n"
	"node is revoked.\n";

static void fmt_ago(int64_t ms, char *buf, size_t n)
{
	char span[24];

	if (!ms) {
		snprintf(buf, n, "%s", _("never"));
		return;
	}
	cli_span(ld_now_ms() - ms, span, sizeof(span));
	snprintf(buf, n, _("%s ago"), span);
}

static void status_text(json_t *o)
{
	json_t *rv = json_object_get(o, "revoked"), *x, *l;
	size_t i, j;

	printf(_("node %s (root %s), liandongd %s\n"), cli_jstr(o, "node"),
	       json_is_string(json_object_get(o, "root")) ? cli_jstr(o, "root") : _("unknown yet"),
	       cli_jstr(o, "version")[0] ? cli_jstr(o, "version") : "?");
	if (json_is_object(rv))
		printf(_("\nREVOKED: this node is %s.\nIt signs nothing more: every signing "
			 "command is refused.\n"),
		       cli_jstr(rv, "text"));
	printf("\n%s\n", _("peers:"));
	json_array_foreach(json_object_get(o, "peers"), i, x)
	{
		json_t *lag = json_object_get(x, "lag");
		char ago[48];

		fmt_ago(cli_jint(x, "last_seen_ms"), ago, sizeof(ago));
		/* Columns by display width: the words are Chinese in zh_CN. */
		printf("  %s %s %s ", cli_pad(cli_jstr(x, "node"), 20),
		       cli_col(cli_jtrue(x, "up") ? _("UP") : _("DOWN"), 4),
		       cli_col(cli_jtrue(x, "outgoing") ? _("outgoing") : _("incoming"), 8));
		printf(_("last seen %s in %-8lld out %-8lld"), cli_pad(ago, 12),
		       cli_jint(x, "entries_in"), cli_jint(x, "entries_out"));
		printf("%s\n", json_array_size(lag) ? _("  lag:") : "");
		json_array_foreach(lag, j, l) printf(
			_("      %s peer %lld, here %lld\n"), cli_pad(cli_jstr(l, "feed"), 20),
			cli_jint(l, "peer_seq"), cli_jint(l, "local_seq"));
	}
	printf("\n%s\n", _("feeds:"));
	json_array_foreach(json_object_get(o, "feeds"), i, x)
	{
		printf(_("  %s seq %-10lld"), cli_pad(cli_jstr(x, "feed"), 20), cli_jint(x, "seq"));
		printf("%s\n", cli_jtrue(x, "frozen") ? _("  FROZEN (equivocation)") : "");
	}
	printf("\n%s\n",
	       json_array_size(json_object_get(o, "alerts")) ? _("alerts:") : _("alerts: none"));
	json_array_foreach(json_object_get(o, "alerts"), i, x)
		printf(_("  ALERT %s: %s\n"), cli_jstr(x, "kind"), cli_jstr(x, "text"));
}

int cmd_status(int argc, char **argv)
{
	Ld__ApiResponse *resp;
	cli_common_t co = {0};
	ldc_t *cl;
	int r, first;

	if ((r = cli_common_only(argc, argv, "status", status_help, 0, 0, &co, &first)))
		return r == 1 ? 0 : r;
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	r = ldc_status(cl, &resp);
	ldc_destroy(&cl);
	if (r < 0)
		return cli_daemon_fail(r, "status");
	if (!resp->ok || !resp->status) {
		r = cli_fail(EXIT_STORE, "status: %s", resp->message ? resp->message : _("failed"));
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	r = cli_output(docs_status(resp->status), co.json, status_text);
	if (r == 0 && (resp->status->n_alerts || resp->status->revoked))
		r = EXIT_VERIFY;
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

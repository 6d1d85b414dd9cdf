/* client/cmd_entry.c: `liandong append`, `liandong get`, `liandong receipts`:
 * generic access to the node's feeds through its daemon, for scripts and
 * operators (the enforcement workflows build on the same API). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/feed/entry.h"
#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "common/feed/pbjson.h"

static int kind_parse(const char *s, uint32_t *out)
{
	const ld_kind_info_t *k = ld_kind_by_name(s);
	char *end;
	unsigned long v;

	if (k) {
		*out = k->kind;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > UINT32_MAX || s[0] == '-')
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static void append_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong append --kind KIND (--to NODE... | --everyone)\n"
		"                       (--text TEXT | --file FILE) [-c CONFIG | --api EP] [--json]\n"
		"Sign an entry into this node's feed (durable when the command returns).\n"
		"KIND: referral, referral-response, evidence, attestation, custody, dispatch,\n"
		"      action-response, case-update, escalation, or a number. The payload is\n"
		"      taken as given (the workflow commands build typed payloads); a payload\n"
		"      of a kind this version knows must decode as that kind and hold valid\n"
		"      text, or nothing is signed (exit 2). A kind number this version does\n"
		"      not know is signed as is, stored and passed on by every node.\n"
		"Every NODE must be a current member of the roster (exit 7).\n");
}

static void append_text(json_t *o)
{
	printf("signed %s #%lld (%s), id %s\n", cli_jstr(o, "feed"), cli_jint(o, "seq"),
	       cli_jstr(o, "kind"), cli_jstr(o, "id"));
}

int cmd_append(int argc, char **argv)
{
	static const struct option opts[] = {
		{"kind", required_argument, NULL, 'k'}, {"to", required_argument, NULL, 't'},
		{"everyone", no_argument, NULL, 'e'},	{"text", required_argument, NULL, 'x'},
		{"file", required_argument, NULL, 'f'}, CLI_COMMON_OPTS,
	};
	Ld__AppendItem item = LD__APPEND_ITEM__INIT;
	const Ld__AppendItem *items[] = {&item};
	const char *to[LD_AUDIENCE_MAX], *text = NULL, *file = NULL;
	size_t n_to = 0, len = 0;
	bool everyone = false, have_kind = false;
	cli_common_t co = {0};
	uint8_t *payload = NULL;
	char *msg = NULL, hex[65];
	const char *kname;
	ldc_ref_t ref;
	ldc_t *cl;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		switch (c) {
		case 'k':
			if (kind_parse(optarg, &item.kind) < 0 || item.kind == 0 ||
			    item.kind == LD__KIND__KIND_ROSTER_UPDATE)
				return cli_fail(EXIT_USAGE,
						"append: --kind '%.80s' unknown (roster updates "
						"go through `liandong roster`)",
						optarg);
			have_kind = true;
			break;
		case 't':
			if (!ld_node_id_valid(optarg))
				return cli_fail(EXIT_USAGE,
						"append: --to '%.64s' is not a valid node id",
						optarg);
			if (n_to == LD_AUDIENCE_MAX)
				return cli_fail(EXIT_USAGE, "append: at most %d --to",
						LD_AUDIENCE_MAX);
			to[n_to++] = optarg;
			break;
		case 'e':
			everyone = true;
			break;
		case 'x':
			text = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			append_usage(stdout);
			return 0;
		default:
			append_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc + 1 || !have_kind || (!n_to == !everyone) || (!text == !file)) {
		append_usage(stderr);
		return cli_fail(EXIT_USAGE,
				"append: need --kind, one of --to/--everyone, and one of "
				"--text/--file");
	}
	if (file) {
		FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;

		if (!f)
			return cli_fail(EXIT_FILE, "append: %s: %s", file, strerror(errno));
		payload = malloc(LD_PAYLOAD_MAX + 1);
		len = payload ? fread(payload, 1, LD_PAYLOAD_MAX + 1, f) : 0;
		if (f != stdin)
			fclose(f);
		if (!payload)
			return cli_fail(EXIT_STORE, "out of memory");
		if (len > LD_PAYLOAD_MAX) {
			free(payload);
			return cli_fail(EXIT_USAGE,
					"append: %s is larger than %u bytes; evidence "
					"files travel apart from entries",
					file, LD_PAYLOAD_MAX);
		}
	}
	item.has_kind = item.has_payload = item.has_everyone = true;
	item.everyone = everyone;
	item.audience = (char **)to;
	item.n_audience = n_to;
	item.payload.data = file ? payload : (uint8_t *)text;
	item.payload.len = file ? len : strlen(text);
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0) {
		free(payload);
		return r;
	}
	for (size_t i = 0; i < n_to; i++)
		if ((r = cli_member(cl, "append", "--to", to[i]))) {
			free(payload);
			ldc_destroy(&cl);
			return r;
		}
	r = ldc_append(cl, items, 1, &ref, &msg);
	ldc_destroy(&cl);
	free(payload);
	if (r < 0) {
		int rc = cli_sign_fail(r, msg, "append");

		free(msg);
		return rc;
	}
	kname = ld_kind_info(item.kind) ? ld_kind_info(item.kind)->name : "unknown kind";
	return cli_output(json_pack("{s:s, s:I, s:s, s:s}", "feed", ref.feed, "seq",
				    (json_int_t)ref.seq, "id", ld_hex(ref.id, 32, hex), "kind",
				    kname),
			  co.json, append_text);
}

/* FEED SEQ, with the common options, for get and receipts. 0; -1 after
 * printing the help; or an exit code. */
static int feed_seq_args(int argc, char **argv, const char *cmd, const char *help, cli_common_t *co,
			 const char **feed, uint64_t *seq)
{
	const char *s;
	char *end;
	int r, first;

	if ((r = cli_common_only(argc, argv, cmd, help, 2, 2, co, &first)))
		return r == 1 ? -1 : r;
	*feed = argv[first];
	s = argv[first + 1];
	if (!ld_node_id_valid(*feed))
		return cli_fail(EXIT_USAGE, "%s: FEED '%.80s' is not a node id", cmd, *feed);
	errno = 0;
	*seq = strtoull(s, &end, 10);
	if (errno || *end || end == s || *seq == 0 || s[0] == '-')
		return cli_fail(EXIT_USAGE, "%s: SEQ '%.32s' must be a number from 1", cmd, s);
	return 0;
}

static const char get_help[] =
	"Usage: liandong get FEED SEQ [-c CONFIG | --api EP] [--json] [--utc]\n"
	"One entry as this node holds it: header, audience, and its content decoded\n"
	"field by field (or that it is not visible here: held redacted).\n"
	"Exit 7: this node does not hold that entry.\n";

static void get_text(json_t *o)
{
	json_t *content = json_object_get(o, "content"), *x;
	char when[48];
	size_t i;

	cli_fmt_time(cli_jint(o, "time_ms"), when, sizeof(when));
	printf("%s #%lld  %s  by %s at %s\nid       %s\naudience %s", cli_jstr(o, "feed"),
	       cli_jint(o, "seq"), cli_jstr(o, "label"), cli_jstr(o, "feed"), when,
	       cli_jstr(o, "id"), cli_jtrue(o, "everyone") ? "everyone" : "");
	json_array_foreach(json_object_get(o, "audience"), i, x)
		printf("%s%s", i ? ", " : "", json_string_value(x));
	printf("\npayload  %lld bytes, %s\n", cli_jint(o, "payload_len"),
	       cli_jtrue(o, "payload_held")
		       ? "held (hash checked)"
		       : "not visible here (held redacted: this node is not entitled)");
	if (json_is_object(content)) {
		printf("content:\n");
		{
			const ld_kind_info_t *k = ld_kind_by_name(cli_jstr(o, "kind"));

			cli_render(stdout, content, 2, k ? k->desc : NULL);
		}
	} else if (!cli_jtrue(o, "decodes")) {
		printf("content: does not decode as a %s\n", cli_jstr(o, "label"));
	}
}

int cmd_get(int argc, char **argv)
{
	const char *feed = NULL;
	const ld_kind_info_t *k;
	cli_common_t co = {0};
	json_t *o, *aud, *content = NULL;
	uint64_t seq = 0;
	char hex[65], when[48];
	ld_entry_t *e;
	ldc_t *cl;
	bool bad = false;
	int r;

	if ((r = feed_seq_args(argc, argv, "get", get_help, &co, &feed, &seq)))
		return r < 0 ? 0 : r;
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	r = cli_get_entry(cl, feed, seq, &e);
	ldc_destroy(&cl);
	if (r == -ENOENT)
		return cli_fail(EXIT_NO_CASE, "get %s %llu: this node does not hold that entry",
				feed, (unsigned long long)seq);
	if (r == -ETIMEDOUT || r == -ECONNREFUSED)
		return cli_daemon_fail(r, "get");
	if (r < 0)
		return cli_fail(EXIT_VERIFY, "get: the daemon returned an invalid entry: %s",
				cli_strerror(r));
	k = ld_kind_info(e->hdr->kind);
	o = json_object();
	aud = json_array();
	json_object_set_new(o, "feed", json_string(e->hdr->author));
	json_object_set_new(o, "seq", json_integer((json_int_t)e->hdr->seq));
	json_object_set_new(o, "id", json_string(ld_hex(e->id, 32, hex)));
	json_object_set_new(o, "kind", json_string(k ? k->name : "unknown"));
	json_object_set_new(o, "label", json_string(k ? k->label : "entry of a kind unknown here"));
	json_object_set_new(o, "kind_number", json_integer(e->hdr->kind));
	json_object_set_new(o, "time_ms", json_integer(e->hdr->time_ms));
	ld_time_format(e->hdr->time_ms, cli_time_flags | LD_TIME_RFC3339, when, sizeof(when));
	json_object_set_new(o, "time", json_string(when));
	for (size_t i = 0; i < e->hdr->n_audience; i++)
		json_array_append_new(aud, json_string(e->hdr->audience[i]));
	json_object_set_new(o, "audience", aud);
	json_object_set_new(o, "everyone", json_boolean(e->hdr->everyone));
	json_object_set_new(o, "payload_len", json_integer((json_int_t)e->hdr->payload_len));
	json_object_set_new(o, "payload_held", json_boolean(e->has_payload));
	if (e->has_payload)
		content = ld_payload_json(e->hdr->kind, e->payload, e->payload_len, cli_time_flags,
					  &bad);
	if (bad)
		cli_json_note_invalid();
	json_object_set_new(o, "content", content ? content : json_null());
	/* Held, of a kind known here, and yet it does not decode: said so. */
	json_object_set_new(o, "decodes",
			    json_boolean(!e->has_payload || !k || !k->desc || content));
	ld_entry_destroy(&e);
	return cli_output(o, co.json, get_text);
}

static const char receipts_help[] =
	"Usage: liandong receipts FEED SEQ [-c CONFIG | --api EP] [--json] [--utc]\n"
	"Who has confirmed receiving entry FEED #SEQ (signed delivery receipts), and\n"
	"when. Exit 7: this node does not hold that entry.\n";

static void receipts_text(json_t *o)
{
	json_t *x, *a = json_object_get(o, "receipts");
	char when[48];
	size_t i;

	json_array_foreach(a, i, x)
	{
		cli_fmt_time(cli_jint(x, "time_ms"), when, sizeof(when));
		printf("%-20s received at %s (receipt %s #%lld)\n", cli_jstr(x, "receiver"), when,
		       cli_jstr(x, "receiver"), cli_jint(x, "receipt_seq"));
	}
	if (!json_array_size(a))
		printf("no receipt yet for %s #%lld\n", cli_jstr(o, "feed"), cli_jint(o, "seq"));
}

int cmd_receipts(int argc, char **argv)
{
	const char *feed = NULL;
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	cli_common_t co = {0};
	uint64_t seq = 0;
	json_t *o, *a;
	ldc_t *cl;
	int r;

	if ((r = feed_seq_args(argc, argv, "receipts", receipts_help, &co, &feed, &seq)))
		return r < 0 ? 0 : r;
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	q.has_type = q.has_seq = true;
	q.type = LD__API_TYPE__API_RECEIPTS;
	q.feed = (char *)feed;
	q.seq = seq;
	r = ldc_call(cl, &q, 5000, &resp);
	ldc_destroy(&cl);
	if (r < 0)
		return cli_daemon_fail(r, "receipts");
	if (!resp->ok) {
		r = cli_fail(resp->err == -ENOENT ? EXIT_NO_CASE : EXIT_STORE,
			     "receipts %s %llu: %s", feed, (unsigned long long)seq,
			     resp->message ? resp->message : _("failed"));
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	o = json_object();
	a = json_array();
	json_object_set_new(o, "feed", json_string(feed));
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	for (size_t i = 0; i < resp->n_receipts; i++) {
		Ld__ApiReceipt *x = resp->receipts[i];
		char when[48];

		ld_time_format(x->time_ms, cli_time_flags | LD_TIME_RFC3339, when, sizeof(when));
		json_array_append_new(
			a, json_pack("{s:o, s:I, s:s, s:I}", "receiver", cli_json_text(x->receiver),
				     "time_ms", (json_int_t)x->time_ms, "time", when, "receipt_seq",
				     (json_int_t)(x->receipt ? x->receipt->seq : 0)));
	}
	json_object_set_new(o, "receipts", a);
	ld__api_response__free_unpacked(resp, NULL);
	return cli_output(o, co.json, receipts_text);
}

/* client/cmd_entry.c: `liandong append`, `liandong get`, `liandong receipts`:
 * generic access to the node's feeds through its daemon, for scripts and
 * operators (the enforcement workflows build on the same API). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cli.h"
#include "client/ldclient.h"
#include "common/entry.h"
#include "common/errors.h"


static const char *const kind_names[] = {
	"unspecified",   "roster-update",   "referral",        "referral-response",
	"evidence",      "attestation",     "custody",         "dispatch",
	"action-response", "case-update",   "receipt",         "escalation",      "case-export",
};

static int kind_parse(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	for (uint32_t i = 1; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (!strcmp(s, kind_names[i])) {
			*out = i;
			return 0;
		}
	v = strtoul(s, &end, 10);
	if (*end || end == s || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static const char *kind_name(uint32_t k)
{
	return k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "unknown";
}

static void append_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong append --kind KIND (--to NODE... | --everyone)\n"
		"                       (--text TEXT | --file FILE) [-c CONFIG | --api EP] [--json]\n"
		"Sign an entry into this node's feed (durable when the command returns).\n"
		"KIND: referral, referral-response, evidence, attestation, custody, dispatch,\n"
		"      action-response, case-update, escalation, or a number. The payload is\n"
		"      taken as given (the workflow commands build typed payloads).\n");
}

int cmd_append(int argc, char **argv)
{
	static const struct option opts[] = {
		{"kind", required_argument, NULL, 'k'}, {"to", required_argument, NULL, 't'},
		{"everyone", no_argument, NULL, 'e'},   {"text", required_argument, NULL, 'x'},
		{"file", required_argument, NULL, 'f'}, {"config", required_argument, NULL, 'c'},
		{"api", required_argument, NULL, 'a'},  {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},       {0},
	};
	Ld__AppendItem item = LD__APPEND_ITEM__INIT;
	const Ld__AppendItem *items[] = {&item};
	const char *to[LD_AUDIENCE_MAX], *text = NULL, *file = NULL, *conf = NULL, *api = NULL;
	size_t n_to = 0, len = 0;
	bool everyone = false, json = false, have_kind = false;
	uint8_t *payload = NULL;
	char *msg = NULL, hex[65];
	ldc_ref_t ref;
	ldc_t *cl;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (kind_parse(optarg, &item.kind) < 0 || item.kind == 1)
				return cli_fail(EXIT_USAGE, "append: --kind '%s' unknown (roster updates "
							    "go through `liandong roster`)", optarg);
			have_kind = true;
			break;
		case 't':
			if (!ld_node_id_valid(optarg))
				return cli_fail(EXIT_USAGE, "append: --to '%s' is not a valid node id",
						optarg);
			if (n_to == LD_AUDIENCE_MAX)
				return cli_fail(EXIT_USAGE, "append: at most %d --to", LD_AUDIENCE_MAX);
			to[n_to++] = optarg;
			break;
		case 'e': everyone = true; break;
		case 'x': text = optarg; break;
		case 'f': file = optarg; break;
		case 'c': conf = optarg; break;
		case 'a': api = optarg; break;
		case 'j': json = true; break;
		case 'h': append_usage(stdout); return 0;
		default: append_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc + 1 || !have_kind || (!n_to == !everyone) || (!text == !file)) {
		append_usage(stderr);
		return cli_fail(EXIT_USAGE, "append: need --kind, one of --to/--everyone, and one of "
					    "--text/--file");
	}
	if (file) {
		FILE *f = fopen(file, "rb");

		if (!f)
			return cli_fail(EXIT_FILE, "append: %s: %s", file, strerror(errno));
		payload = malloc(LD_PAYLOAD_MAX + 1);
		len = payload ? fread(payload, 1, LD_PAYLOAD_MAX + 1, f) : 0;
		fclose(f);
		if (len > LD_PAYLOAD_MAX) {
			free(payload);
			return cli_fail(EXIT_USAGE, "append: %s is larger than %u bytes; evidence "
						    "files travel apart from entries", file,
					LD_PAYLOAD_MAX);
		}
	}
	item.has_kind = item.has_payload = item.has_everyone = true;
	item.everyone = everyone;
	item.audience = (char **)to;
	item.n_audience = n_to;
	item.payload.data = file ? payload : (uint8_t *)text;
	item.payload.len = file ? len : strlen(text);
	if ((r = cli_connect(api, conf, &cl)) != 0) {
		free(payload);
		return r;
	}
	r = ldc_append(cl, items, 1, &ref, &msg);
	ldc_destroy(&cl);
	free(payload);
	if (r < 0) {
		int rc = cli_append_fail(r, "append", msg);
		free(msg);
		return rc;
	}
	ld_hex(ref.id, 32, hex);
	if (json)
		printf("{\"feed\": \"%s\", \"seq\": %llu, \"id\": \"%s\"}\n", ref.feed,
		       (unsigned long long)ref.seq, hex);
	else
		printf("signed %s #%llu (%s), id %s\n", ref.feed, (unsigned long long)ref.seq,
		       kind_name(item.kind), hex);
	return 0;
}

static int parse_feed_seq(int argc, char **argv, const char **feed, uint64_t *seq,
			  const char **conf, const char **api, bool *json, const char *cmd)
{
	int pos = 0;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			*json = true;
		} else if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
			*conf = argv[++i];
		} else if (!strcmp(argv[i], "--api") && i + 1 < argc) {
			*api = argv[++i];
		} else if (argv[i][0] == '-') {
			return cli_fail(EXIT_USAGE, "%s: unknown option '%s'", cmd, argv[i]);
		} else if (pos == 0) {
			*feed = argv[i];
			pos++;
		} else if (pos == 1) {
			char *end;

			*seq = strtoull(argv[i], &end, 10);
			if (*end || end == argv[i] || *seq == 0)
				return cli_fail(EXIT_USAGE, "%s: SEQ '%s' must be a number from 1", cmd,
						argv[i]);
			pos++;
		} else {
			return cli_fail(EXIT_USAGE, "%s: unexpected argument '%s'", cmd, argv[i]);
		}
	}
	if (pos != 2 || !ld_node_id_valid(*feed))
		return cli_fail(EXIT_USAGE, "%s: expected FEED SEQ (a node id and a number)", cmd);
	return 0;
}

int cmd_get(int argc, char **argv)
{
	const char *feed = NULL, *conf = NULL, *api = NULL;
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	char hex[65], when[32];
	uint64_t seq = 0;
	bool json = false;
	ld_entry_t *e;
	ldc_t *cl;
	time_t t;
	int r;

	if (argc > 0 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
		printf("Usage: liandong get FEED SEQ [-c CONFIG | --api EP] [--json]\n"
		       "Show one entry as this node holds it: header, signature check, payload\n"
		       "(or that it is redacted for this node).\n");
		return 0;
	}
	if ((r = parse_feed_seq(argc, argv, &feed, &seq, &conf, &api, &json, "get")) != 0)
		return r;
	if ((r = cli_connect(api, conf, &cl)) != 0)
		return r;
	q.has_type = q.has_seq = true;
	q.type = LD__API_TYPE__API_GET;
	q.feed = (char *)feed;
	q.seq = seq;
	r = ldc_call(cl, &q, 5000, &resp);
	ldc_destroy(&cl);
	if (r < 0)
		return cli_daemon_fail(r, "get");
	if (!resp->ok || resp->n_entries != 1) {
		r = cli_fail(EXIT_VERIFY, "get %s %llu: %s", feed, (unsigned long long)seq,
			     resp->message ? resp->message : "not held");
		ld__api_response__free_unpacked(resp, NULL);
		return r;
	}
	r = ld_entry_parse(resp->entries[0]->entry.data, resp->entries[0]->entry.len, &e);
	if (r < 0) {
		ld__api_response__free_unpacked(resp, NULL);
		return cli_fail(EXIT_VERIFY, "get: the daemon returned an invalid entry: %s",
				ld_strerror(r));
	}
	ld_hex(e->id, 32, hex);
	t = (time_t)(e->hdr->time_ms / 1000);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if (json) {
		printf("{\"feed\": \"%s\", \"seq\": %llu, \"id\": \"%s\", \"kind\": \"%s\", "
		       "\"time_ms\": %lld, \"recv_ms\": %lld, \"audience\": [",
		       e->hdr->author, (unsigned long long)e->hdr->seq, hex, kind_name(e->hdr->kind),
		       (long long)e->hdr->time_ms, (long long)resp->entries[0]->recv_ms);
		for (size_t i = 0; i < e->hdr->n_audience; i++)
			printf("%s\"%s\"", i ? ", " : "", e->hdr->audience[i]);
		printf("], \"everyone\": %s, \"payload_len\": %llu, \"payload_held\": %s}\n",
		       e->hdr->everyone ? "true" : "false", (unsigned long long)e->hdr->payload_len,
		       e->has_payload ? "true" : "false");
	} else {
		printf("%s #%llu  %s  by %s at %s\nid       %s\naudience ", e->hdr->author,
		       (unsigned long long)e->hdr->seq, kind_name(e->hdr->kind), e->hdr->author, when,
		       hex);
		if (e->hdr->everyone)
			printf("everyone");
		for (size_t i = 0; i < e->hdr->n_audience; i++)
			printf("%s%s", i ? ", " : "", e->hdr->audience[i]);
		printf("\npayload  %llu bytes, %s\n", (unsigned long long)e->hdr->payload_len,
		       e->has_payload ? "held (hash checked)" : "REDACTED: this node is not entitled");
	}
	ld_entry_destroy(&e);
	ld__api_response__free_unpacked(resp, NULL);
	return 0;
}

int cmd_receipts(int argc, char **argv)
{
	const char *feed = NULL, *conf = NULL, *api = NULL;
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	uint64_t seq = 0;
	bool json = false;
	ldc_t *cl;
	int r;

	if (argc > 0 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
		printf("Usage: liandong receipts FEED SEQ [-c CONFIG | --api EP] [--json]\n"
		       "Who has confirmed receiving entry FEED #SEQ (signed delivery receipts), "
		       "and when.\n");
		return 0;
	}
	if ((r = parse_feed_seq(argc, argv, &feed, &seq, &conf, &api, &json, "receipts")) != 0)
		return r;
	if ((r = cli_connect(api, conf, &cl)) != 0)
		return r;
	q.has_type = q.has_seq = true;
	q.type = LD__API_TYPE__API_RECEIPTS;
	q.feed = (char *)feed;
	q.seq = seq;
	r = ldc_call(cl, &q, 5000, &resp);
	ldc_destroy(&cl);
	if (r < 0)
		return cli_daemon_fail(r, "receipts");
	if (json)
		printf("{\"feed\": \"%s\", \"seq\": %llu, \"receipts\": [", feed,
		       (unsigned long long)seq);
	for (size_t i = 0; i < resp->n_receipts; i++) {
		Ld__ApiReceipt *x = resp->receipts[i];
		time_t t = (time_t)(x->time_ms / 1000);
		char when[32];

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		if (json)
			printf("%s{\"receiver\": \"%s\", \"time_ms\": %lld, \"receipt_seq\": %llu}",
			       i ? ", " : "", x->receiver, (long long)x->time_ms,
			       (unsigned long long)(x->receipt ? x->receipt->seq : 0));
		else
			printf("%-20s received at %s (receipt %s #%llu)\n", x->receiver, when,
			       x->receiver, (unsigned long long)(x->receipt ? x->receipt->seq : 0));
	}
	if (json)
		printf("]}\n");
	else if (!resp->n_receipts)
		printf("no receipt yet for %s #%llu\n", feed, (unsigned long long)seq);
	ld__api_response__free_unpacked(resp, NULL);
	return 0;
}

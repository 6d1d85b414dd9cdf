/* client/cmd_demo.c: `liandong demo`: the foundation at work on one machine,
 * without network: a province (the root authority) publishes the roster,
 * county A refers a polluter to county B, the province receives A's feed and
 * checks it, and tampering and equivocation are caught. Every step uses the
 * real keys, entries and LMDB stores; entries move between stores as the
 * wire bytes a peer would send. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "case.pb-c.h"
#include "client/cli.h"
#include "common/base/errors.h"
#include "common/store/store.h"
#include "common/views/views.h"
#include "evidence.pb-c.h"
#include "roster.pb-c.h"

struct node {
	const char *id, *name, *region;
	uint32_t kind;
	ld_key_t *key;
	uint8_t pub[LD_PUBKEY_LEN];
	ld_store_t *s;
};

static void demo_usage(FILE *f)
{
	fprintf(f, "Usage: liandong demo [--dir DIR]\n"
		   "\n"
		   "Runs a single-machine demonstration of liandong's signed feeds in DIR\n"
		   "(default: ./liandong-demo, which must not exist yet): keys, roster,\n"
		   "a cross-border referral, batch-authenticated replication between\n"
		   "stores, and detection of tampering and equivocation.\n");
}

static int must(int r, const char *what)
{
	if (r < 0)
		fprintf(stderr, "liandong demo: %s: %s\n", what, ld_strerror(r));
	return r;
}

static int roster_add(struct node *root, const struct node *n, const char *superior)
{
	Ld__RosterUpdate u = LD__ROSTER_UPDATE__INIT;
	uint8_t buf[512];
	ld_append_req_t q = {.kind = LD__KIND__KIND_ROSTER_UPDATE, .everyone = true};

	u.has_action = true;
	u.action = LD__ROSTER_UPDATE__ACTION__ADD;
	u.node_id = (char *)n->id;
	u.name = (char *)n->name;
	u.has_kind = true;
	u.kind = n->kind;
	u.region_code = (char *)n->region;
	u.superior = (char *)superior;
	u.has_sign_key = true;
	u.sign_key.data = (uint8_t *)n->pub;
	u.sign_key.len = LD_PUBKEY_LEN;
	q.payload = buf;
	q.payload_len = ld__roster_update__pack(&u, buf);
	return ld_store_append(root->s, &q, 1, NULL);
}

/* Copy feed 'feed' from 'from' to 'to' as wire bytes, one batch, the way a
 * peer would send it, redacting payloads the receiver may not read. */
struct xfer {
	ld_entry_t **run;
	size_t n, cap;
	const char *to_id;
};

static bool may_read(const ld_entry_t *e, const char *node)
{
	if (e->hdr->everyone || !strcmp(e->hdr->author, node))
		return true;
	for (size_t i = 0; i < e->hdr->n_audience; i++)
		if (!strcmp(e->hdr->audience[i], node))
			return true;
	/* The demo's province is everyone's superior. */
	return !strcmp(node, "zj-province");
}

static int xfer_one(void *ud, const ld_entry_t *e, int64_t recv)
{
	struct xfer *x = ud;
	bool full = may_read(e, x->to_id);
	uint8_t *wire = malloc(ld_entry_wire_size(e, full));
	size_t len;
	int r;

	if (!wire)
		return -ENOMEM;
	len = ld_entry_encode(e, full, wire);
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 16;
		x->run = realloc(x->run, x->cap * sizeof(*x->run));
	}
	r = ld_entry_parse(wire, len, &x->run[x->n]);
	free(wire);
	if (r == 0)
		x->n++;
	return r;
}

static int replicate(struct node *from, struct node *to, const char *feed)
{
	struct xfer x = {.to_id = to->id};
	ld_ingest_batch_t b;
	int r = ld_store_foreach_entry(from->s, feed, 1, 0, xfer_one, &x);

	if (r == 0) {
		b = (ld_ingest_batch_t){.entries = x.run, .n = x.n};
		r = ld_store_ingest(to->s, &b, 1, LD_CHAIN_BATCH);
		if (r == 0)
			r = b.status;
		printf("  %-12s -> %-12s feed %-12s %zu entries, %zu new, %s\n", from->id, to->id,
		       feed, x.n, b.n_new,
		       r == 0 ? "authenticated (hash links + last signature)" : ld_strerror(r));
	}
	for (size_t i = 0; i < x.n; i++)
		ld_entry_destroy(&x.run[i]);
	free(x.run);
	return r;
}

static const char *kind_name(uint32_t k)
{
	static const char *names[] = {"?",
				      "roster-update",
				      "case-referral",
				      "referral-response",
				      "evidence-record",
				      "evidence-attestation",
				      "custody-transfer",
				      "action-dispatch",
				      "action-response",
				      "case-update",
				      "delivery-receipt",
				      "escalation"};

	return k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

static int print_entry(void *ud, const ld_entry_t *e, int64_t recv)
{
	char hex[2 * LD_ID_LEN + 1], when[32];
	time_t t = (time_t)(e->hdr->time_ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
	ld_hex(e->id, LD_ID_LEN, hex);
	printf("    %-12s #%-3llu %-18s %s  id %.16s  %s\n", e->hdr->author,
	       (unsigned long long)e->hdr->seq, kind_name(e->hdr->kind), when, hex,
	       e->has_payload ? "payload held" : "payload REDACTED (not in audience)");
	return 0;
}

static int print_feeds(struct node *n)
{
	static const char *feeds[] = {"zj-province", "county-a", "county-b"};

	printf("  store of %s:\n", n->id);
	for (size_t i = 0; i < 3; i++) {
		uint64_t count = 0;
		int r = ld_store_check_feed(n->s, feeds[i], LD_CHAIN_EACH_SIG, &count);

		if (r == -ENOENT)
			continue;
		printf("   feed %-12s %llu entries, every signature %s\n", feeds[i],
		       (unsigned long long)count, r == 0 ? "verified" : ld_strerror(r));
		ld_store_foreach_entry(n->s, feeds[i], 1, 0, print_entry, NULL);
	}
	return 0;
}

static int referral(struct node *a)
{
	Ld__CaseReferral c = LD__CASE_REFERRAL__INIT;
	Ld__Place place = LD__PLACE__INIT;
	Ld__Party party = LD__PARTY__INIT, *parties[] = {&party};
	Ld__EvidenceRecord ev = LD__EVIDENCE_RECORD__INIT;
	static const char *aud[] = {"county-b"};
	uint8_t buf[2][2048], sha[32];
	ld_append_req_t q[2] = {
		{.kind = LD__KIND__KIND_EVIDENCE_RECORD, .audience = aud, .n_audience = 1},
		{.kind = LD__KIND__KIND_CASE_REFERRAL, .audience = aud, .n_audience = 1},
	};

	memset(sha, 0xab, sizeof(sha));
	ev.case_id = "county-a/2026-0117";
	ev.evidence_id = "county-a/2026-0117/E1";
	ev.has_type = true;
	ev.type = LD__EVIDENCE_TYPE__EVIDENCE_TYPE_SAMPLING;
	ev.has_sha256 = true;
	ev.sha256.data = sha;
	ev.sha256.len = 32;
	ev.has_size = true;
	ev.size = 48213;
	ev.media_type = "application/pdf";
	ev.file_name = "sampling-report-outfall-3.pdf";
	ev.collector = "Inspector Wang";
	ev.collector_unit = "county-a";
	ev.place = &place;
	place.region_code = "330411";
	place.water_body = "Grand Canal (Jiaxing section)";
	place.site_name = "Outfall 3, downstream of the county line";
	place.has_lat_e6 = place.has_lon_e6 = true;
	place.lat_e6 = 30746210;
	place.lon_e6 = 120755310;
	q[0].payload = buf[0];
	q[0].payload_len = ld__evidence_record__pack(&ev, buf[0]);

	c.case_id = "county-a/2026-0117";
	c.title = "Chemical plant upstream in county B discharging untreated wastewater";
	c.has_violation = true;
	c.violation = LD__VIOLATION__VIOLATION_WATER;
	c.place = &place;
	party.name = "Example Dyeing Co., Ltd.";
	party.credit_code = "91330400MA2XXXXXX1";
	c.n_parties = 1;
	c.parties = parties;
	c.facts = "COD 412 mg/L at outfall 3 (limit 100); the outfall belongs to a plant in "
		  "county B.";
	c.legal_basis = "Water Pollution Prevention and Control Law, art. 83";
	c.addressee = "county-b";
	c.has_reason = true;
	c.reason = LD__REFERRAL_REASON__REFERRAL_REASON_JURISDICTION;
	q[1].payload = buf[1];
	q[1].payload_len = ld__case_referral__pack(&c, buf[1]);
	/* Both in one durable commit (group commit). */
	return ld_store_append(a->s, q, 2, NULL);
}

int cmd_demo(int argc, char **argv)
{
	struct node n[4] = {
		{.id = "zj-province",
		 .name = "Zhejiang Ecology & Environment Command Centre",
		 .region = "330000",
		 .kind = LD__NODE_KIND__NODE_COMMAND_CENTRE},
		{.id = "county-a",
		 .name = "County A Ecology Bureau",
		 .region = "330411",
		 .kind = LD__NODE_KIND__NODE_BUREAU},
		{.id = "county-b",
		 .name = "County B Ecology Bureau",
		 .region = "330421",
		 .kind = LD__NODE_KIND__NODE_BUREAU},
		{.id = "county-c",
		 .name = "County C Ecology Bureau",
		 .region = "330424",
		 .kind = LD__NODE_KIND__NODE_BUREAU},
	};
	static const struct option opts[] = {
		{"dir", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *dir = "liandong-demo";
	char path[4096];
	int r = 0, rc = 0, c;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'h':
			demo_usage(stdout);
			return 0;
		default:
			demo_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc + 1) {
		demo_usage(stderr);
		return cli_fail(EXIT_USAGE, "demo: unexpected argument '%.80s'", argv[optind - 1]);
	}
	if (mkdir(dir, 0700) < 0)
		return cli_fail(EXIT_FILE, "cannot create %s: %s (choose a new --dir)", dir,
				strerror(errno));

	printf("1. Keys: every organisation gets an Ed25519 signing key (files 0600)\n");
	for (int i = 0; i < 4; i++) {
		char fp[LD_FINGERPRINT_SIZE];

		snprintf(path, sizeof(path), "%s/%s.key", dir, n[i].id);
		if (must(ld_key_generate(&n[i].key), "keygen") < 0 ||
		    must(ld_key_save(n[i].key, path), path) < 0)
			return EXIT_FILE;
		ld_key_public(n[i].key, n[i].pub);
		ld_fingerprint(n[i].pub, fp);
		printf("   %-12s %s  fingerprint %s\n", n[i].id, n[i].name, fp);
	}
	snprintf(path, sizeof(path), "%s/root.pub", dir);
	ld_pubkey_save_hex(n[0].pub, path);

	printf("\n2. Stores: each node opens an LMDB store knowing only the root public key\n");
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, n[i].id);
		if (must(ld_views_open(path, n[0].pub, NULL, &n[i].s), path) < 0 ||
		    must(ld_store_set_local(n[i].s, n[i].id, n[i].key), "set local") < 0) {
			rc = EXIT_STORE;
			goto out;
		}
	}

	printf("\n3. Roster: the province (root authority) adds itself and the counties\n");
	if (must(roster_add(&n[0], &n[0], NULL), "roster") < 0 ||
	    must(roster_add(&n[0], &n[1], "zj-province"), "roster") < 0 ||
	    must(roster_add(&n[0], &n[2], "zj-province"), "roster") < 0 ||
	    must(roster_add(&n[0], &n[3], "zj-province"), "roster") < 0) {
		rc = EXIT_STORE;
		goto out;
	}
	for (int i = 1; i < 4; i++)
		if ((r = replicate(&n[0], &n[i], "zj-province")) < 0) {
			rc = EXIT_STORE;
			goto out;
		}

	printf("\n4. County A records evidence and refers the case to county B (audience: B)\n");
	if (must(referral(&n[1]), "referral") < 0) {
		rc = EXIT_STORE;
		goto out;
	}
	printf("\n5. Replication: A's feed reaches the province and B in full, C redacted\n");
	if (replicate(&n[1], &n[0], "county-a") < 0 || replicate(&n[1], &n[2], "county-a") < 0 ||
	    replicate(&n[1], &n[3], "county-a") < 0) {
		rc = EXIT_STORE;
		goto out;
	}

	printf("\n6. What each store holds, every signature re-verified from disk:\n");
	print_feeds(&n[0]);
	print_feeds(&n[3]);

	printf("\n7. Tampering: one byte of A's referral changed in transit\n");
	{
		ld_entry_t *e, *bad;
		uint8_t *wire;
		size_t len;

		ld_store_get(n[1].s, "county-a", 2, &e, NULL);
		wire = malloc(ld_entry_wire_size(e, true));
		len = ld_entry_encode(e, true, wire);
		wire[len - 20] ^= 0x01;
		r = ld_entry_parse(wire, len, &bad);
		printf("   payload byte changed: %s\n", r < 0 ? ld_strerror(r) : "ACCEPTED (bug!)");
		if (r == 0) {
			rc = EXIT_VERIFY;
			ld_entry_destroy(&bad);
		}
		free(wire);
		ld_entry_destroy(&e);
	}

	printf("\n8. Equivocation: county A signs a second, different entry #2\n");
	{
		ld_entry_t *first, *evil;
		ld_entry_draft_t d = {.author = "county-a",
				      .seq = 2,
				      .time_ms = 1764000000000,
				      .kind = LD__KIND__KIND_CASE_UPDATE,
				      .everyone = true,
				      .payload = "case closed",
				      .payload_len = 11};
		ld_ingest_batch_t b;
		ld_feed_head_t h;

		ld_store_get(n[1].s, "county-a", 1, &first, NULL);
		d.prev = first->id;
		ld_entry_build(&d, n[1].key, &evil);
		b = (ld_ingest_batch_t){.entries = &evil, .n = 1};
		ld_store_ingest(n[0].s, &b, 1, LD_CHAIN_BATCH);
		ld_store_head(n[0].s, "county-a", &h);
		printf("   province: %s; proof kept, feed frozen: %s\n", ld_strerror(b.status),
		       h.frozen ? "yes" : "NO (bug!)");
		if (b.status != LD_EEQUIVOCATION || !h.frozen)
			rc = EXIT_VERIFY;
		ld_entry_destroy(&first);
		ld_entry_destroy(&evil);
	}
	printf("\nDone. Inspect a store offline:\n"
	       "  liandong store check --data %s/zj-province --root %s/root.pub\n",
	       dir, dir);
out:
	for (int i = 0; i < 4; i++) {
		ld_store_destroy(&n[i].s);
		ld_key_destroy(&n[i].key);
	}
	return rc;
}

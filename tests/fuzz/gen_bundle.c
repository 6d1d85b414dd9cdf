/* tests/fuzz/gen_bundle.c: write the seed corpus of the bundle harness.
 *
 *	gen_bundle OUT_DIR
 *
 * Built with the tests but not run by them: the seeds are committed under
 * tests/fuzz/corpus/bundle/, and this program is how they were made. Run it
 * again after a change of the bundle or entry format, then commit the files.
 *
 * A small deployment is built with fixed keys: the root "province" signs
 * with the key of FUZZ_SEED_A (the key fuzz_bundle.c verifies against),
 * county-a with FUZZ_SEED_B, county-b with a third fixed seed. County A
 * refers a case to county B, records evidence, county B confirms receipt,
 * answers and updates the case, and the bundle is assembled by the real
 * builder (common/bundle_build) from those entries held in memory. Ed25519
 * signatures are deterministic and every time is fixed, so rerunning gives
 * the same bytes.
 *
 * Names say what a seed is: valid-* verify; fail-* are refused, most of them
 * a valid bundle changed in one way and its end digest recomputed, so that
 * the verifier's later checks (roster, chain, manifest, files) are what
 * refuses them. crash-* reproduce bugs the harness found. Each seed is
 * verified before it is written and must give the result its name says.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "case.pb-c.h"
#include "common/files/bundle.h"
#include "common/files/bundle_build.h"
#include "common/base/errors.h"
#include "evidence.pb-c.h"
#include "receipt.pb-c.h"
#include "roster.pb-c.h"

#include "fuzz_key.h"

#define CASE "county-a/2026-0117"
#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define MAX_ENTRIES 64

/* "liandong fuzz bundle county b!!!" */
static const uint8_t SEED_C[32] = {
	'l', 'i', 'a', 'n', 'd', 'o', 'n', 'g', ' ', 'f', 'u', 'z', 'z', ' ', 'b', 'u',
	'n', 'd', 'l', 'e', ' ', 'c', 'o', 'u', 'n', 't', 'y', ' ', 'b', '!', '!', '!',
};

static const char *out_dir;
static char tmp_dir[64];

__attribute__((format(printf, 1, 2))) static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "gen_bundle: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* ld_key_t comes only from a file: write the seed as the PKCS#8 PEM
 * ld_key_load() reads (mkstemp makes it 0600, as ld_key_load insists). */
static ld_key_t *fixed_key(const uint8_t seed[32])
{
	char path[128];
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	ld_key_t *key;
	FILE *f;
	int fd, r;

	snprintf(path, sizeof(path), "%s/key-XXXXXX", tmp_dir);
	if (!pkey || (fd = mkstemp(path)) < 0 || !(f = fdopen(fd, "w")))
		die("cannot write a key file");
	if (PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f) != 0)
		die("cannot write %s", path);
	EVP_PKEY_free(pkey);
	r = ld_key_load(path, &key);
	unlink(path);
	if (r < 0)
		die("ld_key_load: %s", ld_strerror(r));
	return key;
}

struct node {
	const char *id;
	ld_key_t *key;
	uint8_t pub[LD_PUBKEY_LEN];
	uint64_t seq;
	uint8_t head[LD_ID_LEN];
};

/* The entries every node holds here, in the order signed. */
static ld_entry_t *held[MAX_ENTRIES];
static bool redacted[MAX_ENTRIES];
static size_t n_held;

static ld_entry_t *sign(struct node *n, uint32_t kind, const void *payload, size_t len,
			const char *to, bool hide)
{
	const char *aud[] = {to};
	ld_entry_draft_t d = {
		.author = n->id,
		.seq = n->seq + 1,
		.prev = n->seq ? n->head : NULL,
		.time_ms = T0 + 1000 * (int64_t)n_held,
		.kind = kind,
		.audience = to ? aud : NULL,
		.n_audience = to ? 1 : 0,
		.everyone = !to,
		.payload = payload,
		.payload_len = len,
	};
	ld_entry_t *e;
	int r;

	if (n_held == MAX_ENTRIES || (r = ld_entry_build(&d, n->key, &e)) < 0)
		die("cannot sign %s #%llu", n->id, (unsigned long long)d.seq);
	n->seq = e->hdr->seq;
	memcpy(n->head, e->id, LD_ID_LEN);
	redacted[n_held] = hide;
	held[n_held++] = e;
	return e;
}

static ld_entry_t *sign_msg(struct node *n, uint32_t kind, const ProtobufCMessage *m,
			    const char *to, bool hide)
{
	uint8_t buf[4096];

	if (protobuf_c_message_get_packed_size(m) > sizeof(buf))
		die("message too big");
	return sign(n, kind, buf, protobuf_c_message_pack(m, buf), to, hide);
}

static void roster(struct node *root, int action, const struct node *who, const char *superior,
		   const char *region, uint64_t seq_arg)
{
	Ld__RosterUpdate u = LD__ROSTER_UPDATE__INIT;
	uint8_t curve[32];

	memset(curve, 0x42, sizeof(curve));
	u.has_action = true;
	u.action = action;
	u.node_id = (char *)who->id;
	if (action == LD__ROSTER_UPDATE__ACTION__ADD) {
		u.name = (char *)who->id;
		u.has_kind = true;
		u.kind = superior ? LD__NODE_KIND__NODE_BUREAU : LD__NODE_KIND__NODE_COMMAND_CENTRE;
		u.region_code = (char *)region;
		u.superior = (char *)superior;
		u.has_curve_key = true;
		u.curve_key.data = curve;
		u.curve_key.len = 32;
	}
	if (action == LD__ROSTER_UPDATE__ACTION__ADD ||
	    action == LD__ROSTER_UPDATE__ACTION__ROTATE_KEY) {
		u.has_sign_key = true;
		u.sign_key.data = (uint8_t *)who->pub;
		u.sign_key.len = LD_PUBKEY_LEN;
	}
	if (action == LD__ROSTER_UPDATE__ACTION__ROTATE_KEY) {
		u.has_key_from_seq = true;
		u.key_from_seq = seq_arg;
	}
	if (action == LD__ROSTER_UPDATE__ACTION__REVOKE) {
		u.has_last_valid_seq = true;
		u.last_valid_seq = seq_arg;
		u.reason = "fuzz seed";
	}
	sign_msg(root, LD__KIND__KIND_ROSTER_UPDATE, &u.base, NULL, false);
}

/* ---- the source the builder reads: the entries held above ---- */

static ld_entry_t *copy(const ld_entry_t *e, bool hide)
{
	uint8_t *buf = malloc(ld_entry_wire_size(e, !hide));
	ld_entry_t *c = NULL;

	if (!buf || ld_entry_parse(buf, ld_entry_encode(e, !hide, buf), &c) < 0)
		die("cannot copy an entry");
	free(buf);
	return c;
}

static int src_get(void *ud, const char *feed, uint64_t seq, ld_entry_t **ret)
{
	for (size_t i = 0; i < n_held; i++)
		if (held[i]->hdr->seq == seq && !strcmp(held[i]->hdr->author, feed)) {
			*ret = copy(held[i], redacted[i]);
			return 0;
		}
	return -ENOENT;
}

static int src_list(void *ud, const char *feed, uint64_t from, uint64_t to, size_t max,
		    ld_entry_t **ret, size_t *ret_n)
{
	*ret_n = 0;
	for (uint64_t s = from; s <= to && *ret_n < max; s++)
		if (src_get(ud, feed, s, &ret[*ret_n]) == 0)
			(*ret_n)++;
	return *ret_n ? 0 : -ENOENT;
}

static const ld_bundle_source_t source = {.get = src_get, .list = src_list};

/* ---- bundles as records, to change one thing and rewrite the digest ---- */

struct rec {
	uint8_t type;
	uint8_t *body;
	size_t len;
};

struct bundle {
	uint8_t head[20];
	struct rec r[MAX_ENTRIES + 8];
	size_t n;
};

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die("cannot read %s", path);
	p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n)
		die("cannot read %s", path);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void parse_bundle(const uint8_t *p, size_t len, struct bundle *b)
{
	size_t at = 20;

	memcpy(b->head, p, 20);
	b->n = 0;
	while (at + 9 <= len && p[at] != LD_BREC_END) {
		uint64_t l = 0;

		for (int i = 0; i < 8; i++)
			l = l << 8 | p[at + 1 + i];
		if (b->n == sizeof(b->r) / sizeof(b->r[0]) || at + 9 + l > len)
			die("cannot parse the bundle written");
		b->r[b->n].type = p[at];
		b->r[b->n].len = (size_t)l;
		b->r[b->n].body = malloc(l + 1);
		memcpy(b->r[b->n++].body, p + at + 9, l);
		at += 9 + l;
	}
}

static void free_bundle(struct bundle *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->r[i].body);
	b->n = 0;
}

struct buf {
	uint8_t *p;
	size_t len;
};

static void put(struct buf *o, const void *p, size_t n)
{
	o->p = realloc(o->p, o->len + n + 1);
	if (!o->p)
		die("out of memory");
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

static void put_head(struct buf *o, uint8_t type, uint64_t len)
{
	uint8_t h[9] = {type};

	for (int i = 0; i < 8; i++)
		h[1 + i] = (uint8_t)(len >> (56 - 8 * i));
	put(o, h, 9);
}

/* Header, records, and an end record with the digest of all of it. */
static struct buf emit(const struct bundle *b)
{
	struct buf o = {0};
	uint8_t d[32];

	put(&o, b->head, 20);
	for (size_t i = 0; i < b->n; i++) {
		put_head(&o, b->r[i].type, b->r[i].len);
		put(&o, b->r[i].body, b->r[i].len);
	}
	put_head(&o, LD_BREC_END, 32);
	if (EVP_Digest(o.p, o.len, d, NULL, EVP_sha256(), NULL) != 1)
		die("sha256");
	put(&o, d, 32);
	return o;
}

/* Write seed 'name' after checking the verifier gives 'expect' (0, or any
 * refusal: 1). */
static void seed(const char *name, const void *p, size_t len, int expect)
{
	char path[4200], why[512], check[128];
	FILE *f;
	int r;

	snprintf(check, sizeof(check), "%s/check.ldb", tmp_dir);
	f = fopen(check, "wb");
	if (!f || (len && fwrite(p, 1, len, f) != len) || fclose(f))
		die("cannot write %s", check);
	r = ld_bundle_verify(check, FUZZ_PUB_A, NULL, why, sizeof(why));
	unlink(check);
	if ((r == 0) != (expect == 0))
		die("%s: the verifier gives %d (%s), expected %s", name, r, why,
		    expect ? "a refusal" : "success");
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "wb");
	if (!f || (len && fwrite(p, 1, len, f) != len) || fclose(f))
		die("cannot write %s", path);
	printf("%-32s %6zu bytes  %s\n", name, len, r ? why : "verified");
}

static void seed_bundle(const char *name, const struct bundle *b, int expect)
{
	struct buf o = emit(b);

	seed(name, o.p, o.len, expect);
	free(o.p);
}

/* ---- the deployment and its case ---- */

static struct node root = {.id = "province"}, ca = {.id = "county-a"}, cb = {.id = "county-b"};
static uint8_t file_sha[32];
static char file_path[128];

static void world(void)
{
	Ld__CaseReferral ref = LD__CASE_REFERRAL__INIT;
	Ld__Party party = LD__PARTY__INIT, *parties[] = {&party};
	Ld__EvidenceRecord ev = LD__EVIDENCE_RECORD__INIT;
	Ld__DeliveryReceipt rc = LD__DELIVERY_RECEIPT__INIT;
	Ld__ReferralResponse rr = LD__REFERRAL_RESPONSE__INIT;
	Ld__CaseUpdate up = LD__CASE_UPDATE__INIT;
	Ld__EntryRef er = LD__ENTRY_REF__INIT, *erp[] = {&er};
	const ld_entry_t *referral;
	FILE *f;

	snprintf(file_path, sizeof(file_path), "%s/sampling-report.txt", tmp_dir);
	f = fopen(file_path, "w");
	if (!f)
		die("cannot write %s", file_path);
	fputs("采样报告 3号排污口：COD 412 mg/L（限值 100）\n", f);
	fclose(f);
	if (ld_file_sha256(file_path, file_sha, NULL) < 0)
		die("cannot hash %s", file_path);

	root.key = fixed_key(FUZZ_SEED_A);
	ca.key = fixed_key(FUZZ_SEED_B);
	cb.key = fixed_key(SEED_C);
	ld_key_public(root.key, root.pub);
	ld_key_public(ca.key, ca.pub);
	ld_key_public(cb.key, cb.pub);
	if (memcmp(root.pub, FUZZ_PUB_A, LD_PUBKEY_LEN) ||
	    memcmp(ca.pub, FUZZ_PUB_B, LD_PUBKEY_LEN))
		die("the fixed seeds no longer give the keys in fuzz_key.h");
	roster(&root, LD__ROSTER_UPDATE__ACTION__ADD, &root, NULL, "330000", 0);
	roster(&root, LD__ROSTER_UPDATE__ACTION__ADD, &ca, "province", "330402", 0);
	roster(&root, LD__ROSTER_UPDATE__ACTION__ADD, &cb, "province", "330411", 0);

	ref.case_id = CASE;
	ref.title = "跨界案件移送：上游印染厂向京杭运河偷排未经处理废水";
	ref.addressee = "county-b";
	ref.facts = "3号排污口 COD 412 mg/L（标准限值 100）";
	ref.has_violation = true;
	ref.violation = LD__VIOLATION__VIOLATION_WATER;
	party.name = "嘉兴某印染有限公司";
	party.credit_code = "91330400MA2B3C4D5E";
	ref.parties = parties;
	ref.n_parties = 1;
	referral = sign_msg(&ca, LD__KIND__KIND_CASE_REFERRAL, &ref.base, "county-b", false);
	ref.case_id = "county-a/2026-0099"; /* another case: a header in the span */
	ref.n_parties = 0;
	sign_msg(&ca, LD__KIND__KIND_CASE_REFERRAL, &ref.base, "county-b", false);
	ev.case_id = CASE;
	ev.evidence_id = "county-a/ev-1";
	ev.has_sha256 = ev.has_size = true;
	ev.sha256.data = file_sha;
	ev.sha256.len = 32;
	ev.file_name = "sampling-report.txt";
	sign_msg(&ca, LD__KIND__KIND_EVIDENCE_RECORD, &ev.base, "county-b", false);

	er.feed = "county-a";
	er.has_seq = er.has_id = true;
	er.seq = 1;
	er.id.data = (uint8_t *)referral->id;
	er.id.len = LD_ID_LEN;
	rc.entries = erp;
	rc.n_entries = 1;
	rc.has_received_ms = true;
	rc.received_ms = T0 + 500;
	sign_msg(&cb, LD__KIND__KIND_DELIVERY_RECEIPT, &rc.base, "county-a", false);
	rr.case_id = CASE;
	rr.has_decision = true;
	rr.decision = LD__REFERRAL_DECISION__REFERRAL_DECISION_ACCEPT;
	sign_msg(&cb, LD__KIND__KIND_REFERRAL_RESPONSE, &rr.base, "county-a", false);
	up.case_id = CASE;
	sign_msg(&cb, LD__KIND__KIND_CASE_UPDATE, &up.base, "province", true);
}

/* Assemble the case's bundle with the builder, signed by county A, into
 * 'path'. */
static void export(const char *path, bool with_file)
{
	ld_bundle_build_t *b;
	const char *aud[2];
	uint8_t *payload;
	size_t len, n_aud;
	const ld_entry_t *m;
	int r;

	if (ld_bundle_build_new(CASE, "county-a", "county-b", &source, &b) < 0)
		die("out of memory");
	r = ld_bundle_build_take(b, "county-a", 1);
	r = r ? r : ld_bundle_build_take(b, "county-a", 3);
	r = r ? r : ld_bundle_build_take(b, "county-b", 1);
	r = r ? r : ld_bundle_build_take(b, "county-b", 2);
	r = r ? r : ld_bundle_build_take(b, "county-b", 3);
	if (r == 0 && with_file)
		r = ld_bundle_build_file(b, "county-a", 3, file_path, file_sha);
	if (r < 0 || ld_bundle_build_manifest(b, "Jiaxing Intermediate People's Court", &payload,
					      &len, aud, &n_aud) < 0)
		die("cannot assemble the bundle: %s", ld_strerror(r));
	m = sign(&ca, LD__KIND__KIND_CASE_EXPORT, payload, len, aud[1], false);
	free(payload);
	if (ld_bundle_build_signed(b, "county-a", m->hdr->seq, m->id) < 0 ||
	    (r = ld_bundle_build_write(b, path, "province", root.seq)) < 0)
		die("cannot write the bundle: %s", ld_strerror(r));
	ld_bundle_build_destroy(&b);
}

/* Index of the first record that is an entry (feed, seq), or -1. */
static int find_entry(const struct bundle *b, const char *feed, uint64_t seq)
{
	for (size_t i = 0; i < b->n; i++) {
		ld_entry_t *e;
		bool hit;

		if (b->r[i].type != LD_BREC_ENTRY ||
		    ld_entry_parse(b->r[i].body, b->r[i].len, &e) < 0)
			continue;
		hit = e->hdr->seq == seq && !strcmp(e->hdr->author, feed);
		ld_entry_destroy(&e);
		if (hit)
			return (int)i;
	}
	return -1;
}

static void drop(struct bundle *b, size_t at)
{
	free(b->r[at].body);
	memmove(&b->r[at], &b->r[at + 1], (b->n - at - 1) * sizeof(b->r[0]));
	b->n--;
}

static void variants(const uint8_t *valid, size_t len)
{
	struct bundle b;
	uint8_t *p = malloc(len + 64);
	ld_entry_t *e;
	int i;

	memcpy(p, valid, len);
	/* Damage the verifier must name without reading further. */
	seed("fail-empty", p, 0, 1);
	seed("fail-magic", "LIANDONG-BUNDLX\n", 16, 1);
	seed("fail-truncated-header", p, 18, 1);
	p[19] = 2;
	seed("fail-version", p, len, 1);
	p[19] = 1;
	seed("fail-truncated", p, len / 2, 1);
	seed("fail-no-end", p, len - 41, 1);
	p[len / 3] ^= 0x20;
	seed("fail-digest", p, len, 1);
	p[len / 3] ^= 0x20;
	memcpy(p + len, "X", 1);
	seed("fail-trailing-byte", p, len + 1, 1);
	free(p);

	/* One thing changed, the digest recomputed: the later checks. */
	parse_bundle(valid, len, &b);
	i = find_entry(&b, "province", 2);
	drop(&b, (size_t)i);
	seed_bundle("fail-root-gap", &b, 1);
	free_bundle(&b);

	parse_bundle(valid, len, &b);
	drop(&b, (size_t)find_entry(&b, "county-a", 3));
	seed_bundle("fail-feed-gap", &b, 1);
	free_bundle(&b);

	parse_bundle(valid, len, &b);
	for (size_t k = 0; k < b.n; k++)
		if (b.r[k].type == LD_BREC_FILE)
			b.r[k].body[b.r[k].len - 1] ^= 1;
	seed_bundle("fail-file-substituted", &b, 1);
	free_bundle(&b);

	parse_bundle(valid, len, &b);
	for (size_t k = 0; k < b.n; k++)
		if (b.r[k].type == LD_BREC_FILE)
			drop(&b, k--);
	seed_bundle("fail-file-missing", &b, 1);
	free_bundle(&b);

	parse_bundle(valid, len, &b);
	b.r[b.n].type = LD_BREC_FILE;
	b.r[b.n].len = 40;
	b.r[b.n].body = calloc(1, 41);
	memset(b.r[b.n].body + 32, 'x', 8);
	EVP_Digest(b.r[b.n].body + 32, 8, b.r[b.n].body, NULL, EVP_sha256(), NULL);
	b.n++;
	seed_bundle("fail-file-unlisted", &b, 1);
	b.r[b.n - 1].len = 16;
	seed_bundle("fail-file-short", &b, 1);
	b.r[b.n - 1].type = 7;
	seed_bundle("fail-record-type", &b, 1);
	free_bundle(&b);

	/* The unrelated referral given its content: not in the manifest. */
	parse_bundle(valid, len, &b);
	i = find_entry(&b, "county-a", 2);
	free(b.r[i].body);
	b.r[i].len = ld_entry_wire_size(held[4], true);
	b.r[i].body = malloc(b.r[i].len);
	ld_entry_encode(held[4], true, b.r[i].body);
	seed_bundle("fail-unlisted-content", &b, 1);
	free_bundle(&b);

	/* The manifest left without its content. */
	parse_bundle(valid, len, &b);
	i = find_entry(&b, "county-a", 4);
	if (ld_entry_parse(b.r[i].body, b.r[i].len, &e) < 0)
		die("manifest");
	b.r[i].len = ld_entry_encode(e, false, b.r[i].body);
	ld_entry_destroy(&e);
	seed_bundle("fail-no-manifest", &b, 1);
	free_bundle(&b);

	/* County B signs a second, different #2. */
	parse_bundle(valid, len, &b);
	{
		Ld__ReferralResponse rr = LD__REFERRAL_RESPONSE__INIT;
		const char *aud[] = {"county-a"};
		uint8_t buf[256];
		ld_entry_draft_t d = {
			.author = "county-b",
			.seq = 2,
			.prev = held[6]->id,
			.time_ms = T0 + 99,
			.kind = LD__KIND__KIND_REFERRAL_RESPONSE,
			.audience = aud,
			.n_audience = 1,
			.payload = buf,
		};

		rr.case_id = CASE;
		rr.has_decision = true;
		rr.decision = LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT;
		rr.reason = "not ours";
		d.payload_len = ld__referral_response__pack(&rr, buf);
		if (ld_entry_build(&d, cb.key, &e) < 0)
			die("cannot sign the second #2");
		b.r[b.n].type = LD_BREC_ENTRY;
		b.r[b.n].len = ld_entry_wire_size(e, false);
		b.r[b.n].body = malloc(b.r[b.n].len);
		ld_entry_encode(e, false, b.r[b.n++].body);
		ld_entry_destroy(&e);
	}
	seed_bundle("fail-equivocation", &b, 1);
	free_bundle(&b);

	/* No root feed: nothing vouches for any key. */
	parse_bundle(valid, len, &b);
	while ((i = find_entry(&b, "province", 1)) >= 0 ||
	       (i = find_entry(&b, "province", 2)) >= 0 || (i = find_entry(&b, "province", 3)) >= 0)
		drop(&b, (size_t)i);
	seed_bundle("fail-no-root", &b, 1);
	free_bundle(&b);

	/* An entry record longer than an entry may be. */
	parse_bundle(valid, len, &b);
	{
		struct buf o = emit(&b);
		size_t at = 20;

		/* the first record's length, made huge */
		memset(o.p + at + 1, 0x7f, 4);
		seed("fail-entry-too-long", o.p, o.len, 1);
		free(o.p);
	}
	free_bundle(&b);
}

/* Keys rotated, a member revoked, and an equivocation: bundles of a
 * deployment that lived longer. */
static void later_life(void)
{
	struct node ca2 = {.id = "county-a"};
	char path[128];
	uint8_t *p, seed2[32];
	struct bundle b;
	size_t len;

	/* County A's key is rotated from its #6 on; the next bundle has the
	 * old key's entries and the new key's. */
	memcpy(seed2, FUZZ_SEED_B, 32);
	seed2[31] = '2';
	ca2.key = fixed_key(seed2);
	ld_key_public(ca2.key, ca2.pub);
	roster(&root, LD__ROSTER_UPDATE__ACTION__ROTATE_KEY, &ca2, NULL, NULL, ca.seq + 2);
	{
		Ld__CaseUpdate up = LD__CASE_UPDATE__INIT;
		ld_key_t *old = ca.key;

		up.case_id = CASE;
		up.has_status = true;
		up.status = LD__CASE_STATUS__CASE_STATUS_INVESTIGATING;
		sign_msg(&ca, LD__KIND__KIND_CASE_UPDATE, &up.base, "county-b", false);
		ca.key = ca2.key;
		up.status = LD__CASE_STATUS__CASE_STATUS_CLOSED;
		sign_msg(&ca, LD__KIND__KIND_CASE_UPDATE, &up.base, "county-b", false);
		ca.key = old;
	}
	/* County B revoked after its #2: its #3 no longer counts. */
	roster(&root, LD__ROSTER_UPDATE__ACTION__REVOKE, &cb, NULL, NULL, 2);
	snprintf(path, sizeof(path), "%s/later.ldb", tmp_dir);
	{
		ld_key_t *old = ca.key;

		ca.key = ca2.key;
		export(path, true);
		ca.key = old;
	}
	p = slurp(path, &len);
	unlink(path);
	/* County B's #3 (a header here) is past its revocation; without it,
	 * what county B signed before stays valid. */
	seed("fail-revoked-author", p, len, 1);
	parse_bundle(p, len, &b);
	drop(&b, (size_t)find_entry(&b, "county-b", 3));
	seed_bundle("valid-rotated-and-revoked", &b, 0);
	free_bundle(&b);
	free(p);
	ld_key_destroy(&ca2.key);
}

int main(int argc, char **argv)
{
	char path[128];
	uint8_t *p;
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_bundle OUT_DIR\n");
		return 2;
	}
	out_dir = argv[1];
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/ld-gen-bundle-XXXXXX");
	if (!mkdtemp(tmp_dir))
		die("mkdtemp: %s", strerror(errno));
	world();

	snprintf(path, sizeof(path), "%s/case.ldb", tmp_dir);
	export(path, true);
	p = slurp(path, &len);
	seed("valid-case-with-file", p, len, 0);
	variants(p, len);
	free(p);
	export(path, false); /* a second manifest, later: the one that counts */
	p = slurp(path, &len);
	seed("valid-second-export", p, len, 0);
	free(p);
	later_life();

	unlink(path);
	unlink(file_path);
	rmdir(tmp_dir);
	for (size_t i = 0; i < n_held; i++)
		ld_entry_destroy(&held[i]);
	ld_key_destroy(&root.key);
	ld_key_destroy(&ca.key);
	ld_key_destroy(&cb.key);
	return 0;
}

/* tests/unit/test_bundle.c: assembling a case bundle (common/bundle_build)
 * from real signed feeds held in memory, checked by the offline verifier.
 *
 * The world: a root "province" with two counties. County A refers case
 * county-a/c1 to county B (#1), refers an unrelated case (#2), records
 * evidence for c1 (#3); county B signs a receipt for A #1 (#1), accepts
 * (#2), and updates the case (#3, held here as a header only). The bundle
 * takes the case's entries and the receipt, the evidence file, and a
 * manifest signed as A #4; what goes in, what is listed and what is left a
 * header is asserted entry by entry, then the bundle verifies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "case.pb-c.h"
#include "common/store/blob.h"
#include "common/files/bundle.h"
#include "common/files/bundle_build.h"
#include "common/base/errors.h"
#include "evidence.pb-c.h"
#include "receipt.pb-c.h"
#include "roster.pb-c.h"
#include "testutil.h"

#define CASE "county-a/c1"
#define ADD LD__ROSTER_UPDATE__ACTION__ADD
#define MAX_HELD 32

/* The feeds as the exporting node holds them. */
struct held {
	ld_entry_t *e[MAX_HELD];
	bool redacted[MAX_HELD];
	size_t n;
	uint64_t skip_seq; /* list() leaves this seq of county-a out (0: none) */
	int progress;
};

struct fx {
	char *dir;
	char file[600], bundle[600];
	uint8_t sha[32];
	tu_node_t root, a, b;
	struct held h;
	ld_bundle_source_t src;
};

static ld_entry_t *copy(const ld_entry_t *e, bool redacted)
{
	uint8_t *buf = malloc(ld_entry_wire_size(e, !redacted));
	ld_entry_t *c = NULL;

	assert_non_null(buf);
	assert_int_equal(ld_entry_parse(buf, ld_entry_encode(e, !redacted, buf), &c), 0);
	free(buf);
	return c;
}

static int src_get(void *ud, const char *feed, uint64_t seq, ld_entry_t **ret)
{
	struct held *h = ud;

	for (size_t i = 0; i < h->n; i++)
		if (h->e[i]->hdr->seq == seq && !strcmp(h->e[i]->hdr->author, feed)) {
			*ret = copy(h->e[i], h->redacted[i]);
			return 0;
		}
	return -ENOENT;
}

static int src_list(void *ud, const char *feed, uint64_t from, uint64_t to, size_t max,
		    ld_entry_t **ret, size_t *ret_n)
{
	struct held *h = ud;

	*ret_n = 0;
	for (uint64_t s = from; s <= to && *ret_n < max; s++) {
		if (h->skip_seq == s && !strcmp(feed, "county-a"))
			continue;
		if (src_get(ud, feed, s, &ret[*ret_n]) == 0)
			(*ret_n)++;
	}
	return *ret_n ? 0 : -ENOENT;
}

static void src_progress(void *ud, const char *path)
{
	((struct held *)ud)->progress++;
}

static void hold(struct fx *f, ld_entry_t *e, bool redacted)
{
	assert_true(f->h.n < MAX_HELD);
	f->h.redacted[f->h.n] = redacted;
	f->h.e[f->h.n++] = e;
}

static void hold_msg(struct fx *f, tu_node_t *n, uint32_t kind, const ProtobufCMessage *m,
		     const char *to, bool redacted)
{
	uint8_t buf[4096];
	size_t len = protobuf_c_message_pack(m, buf);
	const char *aud[] = {to};

	hold(f, tu_next(n, kind, buf, len, aud, 1), redacted);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	Ld__CaseReferral ref = LD__CASE_REFERRAL__INIT;
	Ld__EvidenceRecord ev = LD__EVIDENCE_RECORD__INIT;
	Ld__DeliveryReceipt rc = LD__DELIVERY_RECEIPT__INIT;
	Ld__ReferralResponse rr = LD__REFERRAL_RESPONSE__INIT;
	Ld__CaseUpdate up = LD__CASE_UPDATE__INIT;
	Ld__EntryRef er = LD__ENTRY_REF__INIT, *erp[] = {&er};
	FILE *fp;

	f->dir = tu_tmpdir("bundle");
	snprintf(f->file, sizeof(f->file), "%s/sample.txt", f->dir);
	snprintf(f->bundle, sizeof(f->bundle), "%s/case.ldb", f->dir);
	fp = fopen(f->file, "w");
	assert_non_null(fp);
	fputs("COD 412 mg/L at outfall 3\n", fp);
	fclose(fp);
	assert_int_equal(ld_file_sha256(f->file, f->sha, NULL), 0);

	tu_node_init(&f->root, "province");
	tu_node_init(&f->a, "county-a");
	tu_node_init(&f->b, "county-b");
	hold(f, tu_roster(&f->root, ADD, "province", f->root.pub, NULL, 0), false);
	hold(f, tu_roster(&f->root, ADD, "county-a", f->a.pub, "province", 0), false);
	hold(f, tu_roster(&f->root, ADD, "county-b", f->b.pub, "province", 0), false);

	ref.case_id = CASE;
	ref.title = "Dye works discharging into the canal";
	ref.addressee = "county-b";
	hold_msg(f, &f->a, LD__KIND__KIND_CASE_REFERRAL, &ref.base, "county-b", false);
	ref.case_id = "county-a/other";
	hold_msg(f, &f->a, LD__KIND__KIND_CASE_REFERRAL, &ref.base, "county-b", false);
	ev.case_id = CASE;
	ev.evidence_id = "county-a/e1";
	ev.has_sha256 = true;
	ev.sha256.data = f->sha;
	ev.sha256.len = 32;
	hold_msg(f, &f->a, LD__KIND__KIND_EVIDENCE_RECORD, &ev.base, "county-b", false);

	er.feed = "county-a";
	er.has_seq = er.has_id = true;
	er.seq = 1;
	er.id.data = f->h.e[3]->id;
	er.id.len = LD_ID_LEN;
	rc.entries = erp;
	rc.n_entries = 1;
	rc.has_received_ms = true;
	rc.received_ms = 1764000000500;
	hold_msg(f, &f->b, LD__KIND__KIND_DELIVERY_RECEIPT, &rc.base, "county-a", false);
	rr.case_id = CASE;
	rr.has_decision = true;
	rr.decision = LD__REFERRAL_DECISION__REFERRAL_DECISION_ACCEPT;
	hold_msg(f, &f->b, LD__KIND__KIND_REFERRAL_RESPONSE, &rr.base, "county-a", false);
	up.case_id = CASE;
	hold_msg(f, &f->b, LD__KIND__KIND_CASE_UPDATE, &up.base, "province", true);

	f->src = (ld_bundle_source_t){
		.get = src_get, .list = src_list, .progress = src_progress, .ud = &f->h};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_free_run(f->h.e, f->h.n);
	tu_node_fini(&f->root);
	tu_node_fini(&f->a);
	tu_node_fini(&f->b);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Take what the daemon's case view names: the case's entries and the
 * receipt of A #1. */
static ld_bundle_build_t *taken(struct fx *f)
{
	ld_bundle_build_t *b;

	assert_int_equal(ld_bundle_build_new(CASE, "county-a", "county-b", &f->src, &b), 0);
	assert_int_equal(ld_bundle_build_take(b, "county-a", 1), 0);
	assert_int_equal(ld_bundle_build_take(b, "county-a", 3), 0);
	assert_int_equal(ld_bundle_build_take(b, "county-b", 2), 0);
	assert_int_equal(ld_bundle_build_take(b, "county-b", 3), 0);
	assert_int_equal(ld_bundle_build_take(b, "county-b", 1), 0);
	assert_int_equal(ld_bundle_build_take(b, "county-b", 1), 0); /* twice is once */
	assert_int_equal(ld_bundle_build_take(b, "county-b", 3), 0);
	assert_int_equal(ld_bundle_build_take(b, "county-c", 1), -ENOENT);
	return b;
}

/* Sign the manifest as county A's next entry and hand it back. */
static Ld__CaseExport *sign_manifest(struct fx *f, ld_bundle_build_t *b, const char *recipient)
{
	const char *aud[2];
	size_t len, n_aud;
	uint8_t *payload;
	Ld__CaseExport *m;
	ld_entry_t *e;

	assert_int_equal(ld_bundle_build_manifest(b, recipient, &payload, &len, aud, &n_aud), 0);
	assert_int_equal(n_aud, 2);
	assert_string_equal(aud[0], "county-a");
	assert_string_equal(aud[1], "county-b");
	m = ld__case_export__unpack(NULL, len, payload);
	assert_non_null(m);
	e = tu_next(&f->a, LD__KIND__KIND_CASE_EXPORT, payload, len, aud + 1, 1);
	free(payload);
	hold(f, e, false);
	assert_int_equal(ld_bundle_build_signed(b, "county-a", e->hdr->seq, e->id), 0);
	return m;
}

static bool in_manifest(const Ld__CaseExport *m, const char *feed, uint64_t seq)
{
	for (size_t i = 0; i < m->n_entries; i++)
		if (m->entries[i]->seq == seq && !strcmp(m->entries[i]->feed, feed))
			return true;
	return false;
}

/* The bundle's entries by (feed, seq): with content or not; -1 if absent. */
static int content_of(const char *path, const char *feed, uint64_t seq)
{
	FILE *fp = fopen(path, "rb");
	uint8_t head[20], rh[9], *buf = malloc(LD_ENTRY_MAX);
	int found = -1;

	assert_non_null(fp);
	assert_int_equal(fread(head, 1, 20, fp), 20);
	while (fread(rh, 1, 9, fp) == 9 && rh[0] != LD_BREC_END) {
		uint64_t len = 0;

		for (int i = 0; i < 8; i++)
			len = len << 8 | rh[1 + i];
		if (rh[0] == LD_BREC_ENTRY) {
			ld_entry_t *e;

			assert_int_equal(fread(buf, 1, len, fp), len);
			assert_int_equal(ld_entry_parse(buf, len, &e), 0);
			if (e->hdr->seq == seq && !strcmp(e->hdr->author, feed))
				found = e->has_payload;
			ld_entry_destroy(&e);
		} else {
			fseek(fp, (long)len, SEEK_CUR);
		}
	}
	fclose(fp);
	free(buf);
	return found;
}

static void test_case_bundle(void **state)
{
	struct fx *f = *state;
	ld_bundle_build_t *b = taken(f);
	ld_bundle_counts_t n;
	Ld__CaseExport *m;
	uint8_t other[32] = {1};
	char why[512];

	/* A file only for an evidence record of the case, and only its file. */
	assert_int_equal(ld_bundle_build_file(b, "county-a", 1, f->file, f->sha), -ENOENT);
	assert_int_equal(ld_bundle_build_file(b, "county-a", 2, f->file, f->sha), -ENOENT);
	assert_int_equal(ld_bundle_build_file(b, "county-a", 3, f->file, other), LD_EPAYLOAD);
	assert_int_equal(ld_bundle_build_file(b, "county-a", 3, f->file, f->sha), 0);

	m = sign_manifest(f, b, "Jiaxing Intermediate People's Court");
	assert_string_equal(m->case_id, CASE);
	assert_string_equal(m->recipient, "Jiaxing Intermediate People's Court");
	assert_int_equal(m->n_entries, 4);
	assert_true(in_manifest(m, "county-a", 1));
	assert_true(in_manifest(m, "county-a", 3));
	assert_true(in_manifest(m, "county-b", 1));
	assert_true(in_manifest(m, "county-b", 2));
	assert_int_equal(m->n_file_sha256, 1);
	assert_memory_equal(m->file_sha256[0].data, f->sha, 32);
	ld__case_export__free_unpacked(m, NULL);

	assert_int_equal(ld_bundle_build_write(b, f->bundle, "province", 3), 0);
	ld_bundle_build_counts(b, &n);
	assert_int_equal(n.entries, 3 + 4 + 3);
	assert_int_equal(n.listed, 5);
	assert_int_equal(n.header_only, 1);
	assert_int_equal(n.files, 1);
	assert_int_equal(f->h.progress, 1);
	ld_bundle_build_destroy(&b);
	ld_bundle_build_destroy(&b);

	/* Roster updates and the case's entries with content; the unrelated
	 * referral between them and the redacted update as headers. */
	assert_int_equal(content_of(f->bundle, "province", 2), 1);
	assert_int_equal(content_of(f->bundle, "county-a", 1), 1);
	assert_int_equal(content_of(f->bundle, "county-a", 2), 0);
	assert_int_equal(content_of(f->bundle, "county-a", 4), 1);
	assert_int_equal(content_of(f->bundle, "county-b", 3), 0);
	assert_int_equal(ld_bundle_verify(f->bundle, f->root.pub, NULL, why, sizeof(why)), 0);
}

/* --files: every evidence file of the case the store holds, once. */
static void test_held_files(void **state)
{
	struct fx *f = *state;
	ld_bundle_build_t *b = taken(f);
	char blobdir[700], why[512];
	ld_blob_info_t info;
	ld_blobs_t *blobs;
	ld_bundle_counts_t n;

	snprintf(blobdir, sizeof(blobdir), "%s/blobs", f->dir);
	assert_int_equal(ld_blobs_open(blobdir, &blobs), 0);
	assert_int_equal(ld_bundle_build_held_files(b, blobs), 0); /* not held yet */
	ld_bundle_build_counts(b, &n);
	assert_int_equal(n.files, 0);
	assert_int_equal(ld_blob_import(blobs, f->file, &info), 0);
	assert_int_equal(ld_bundle_build_file(b, "county-a", 3, f->file, f->sha), 0);
	assert_int_equal(ld_bundle_build_held_files(b, blobs), 0); /* attached already */
	ld_bundle_build_counts(b, &n);
	assert_int_equal(n.files, 1);
	ld_bundle_build_destroy(&b);

	b = taken(f);
	assert_int_equal(ld_bundle_build_held_files(b, blobs), 0);
	ld_bundle_build_counts(b, &n);
	assert_int_equal(n.files, 1);
	ld__case_export__free_unpacked(sign_manifest(f, b, NULL), NULL);
	assert_int_equal(ld_bundle_build_write(b, f->bundle, "province", 3), 0);
	assert_int_equal(ld_bundle_verify(f->bundle, f->root.pub, NULL, why, sizeof(why)), 0);
	ld_bundle_build_destroy(&b);
	ld_blobs_destroy(&blobs);
}

/* A source that skips an entry of a span: refused, nothing left behind. */
static void test_source_gap(void **state)
{
	struct fx *f = *state;
	ld_bundle_build_t *b = taken(f);

	ld__case_export__free_unpacked(sign_manifest(f, b, NULL), NULL);
	f->h.skip_seq = 2;
	assert_int_equal(ld_bundle_build_write(b, f->bundle, "province", 3), LD_EGAP);
	assert_int_equal(access(f->bundle, F_OK), -1);
	ld_bundle_build_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_case_bundle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_gap, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

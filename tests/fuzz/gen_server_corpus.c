/* tests/fuzz/gen_server_corpus.c: write the seed corpora of the server
 * harnesses (fuzz_frame, fuzz_api, fuzz_chunk).
 *
 *	gen_server_corpus OUT_DIR
 *
 * writes OUT_DIR/frame, OUT_DIR/api and OUT_DIR/chunk. Built with the tests
 * but not run by them: the seeds are committed under tests/fuzz/corpus/,
 * and this program is how they were made; run it again after a change to
 * wire.proto, api.proto or the world (fuzz_world.c), then commit the files.
 * The world is deterministic (fixed keys and times, Ed25519), so a rerun
 * gives the same bytes. Files named crash-* are not made here: they are
 * reproducers of bugs the fuzzers found (docs/FUZZING.md), and fuzz-*
 * files are inputs libFuzzer found that reach code the seeds do not.
 *
 * Frame seeds are made in gen_frame_seeds.c. API seeds are requests, each a 16-bit big-endian
 *length and the bytes. Chunk seeds are single frames.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/sha.h>

#include "api.pb-c.h"
#include "case.pb-c.h"
#include "common/store/blob.h"
#include "common/base/errors.h"
#include "wire.pb-c.h"
#include "fuzz_world.h"
#include "gen_seeds.h"

static char dir[4096];

_Noreturn void gen_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "gen_server_corpus: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

void put(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		if (!(b->p = realloc(b->p, b->cap)))
			gen_die("out of memory");
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

void put_u16(struct buf *b, size_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	if (v > 0xffff)
		gen_die("a seed part of %zu bytes does not fit a 16-bit length", v);
	put(b, x, 2);
}

void save(struct buf *b, const char *sub, const char *name)
{
	char path[4300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s.bin", dir, sub, name);
	if (!(f = fopen(path, "wb")) || (b->len && fwrite(b->p, 1, b->len, f) != b->len) ||
	    fclose(f) != 0)
		gen_die("cannot write %s", path);
	free(b->p);
	*b = (struct buf){0};
}

/* A chunk frame in the layout send_chunk writes (the parser's fast path). */
static size_t varint(uint8_t *p, uint64_t v)
{
	size_t i = 0;

	do {
		p[i++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return i;
}

size_t chunk_layout(uint8_t *out, const uint8_t *sha, uint64_t index, const uint8_t *data,
		    size_t len)
{
	uint8_t inner[64];
	size_t ni = 0, n = 0;

	inner[ni++] = 0x0a;
	inner[ni++] = 32;
	memcpy(inner + ni, sha, 32);
	ni += 32;
	inner[ni++] = 0x10;
	ni += varint(inner + ni, index);
	inner[ni++] = 0x1a;
	ni += varint(inner + ni, len);
	out[n++] = 0x6a;
	n += varint(out + n, ni + len);
	memcpy(out + n, inner, ni);
	memcpy(out + n + ni, data, len);
	return n + ni + len;
}

/* ---- API requests ---- */

static void req(struct buf *b, const Ld__ApiRequest *q)
{
	size_t len = ld__api_request__get_packed_size(q);
	uint8_t *p = malloc(len ? len : 1);

	ld__api_request__pack(q, p);
	put_u16(b, len);
	put(b, p, len);
	free(p);
}

static Ld__ApiRequest typed(uint32_t type)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;

	q.has_type = true;
	q.type = type;
	return q;
}

static void one(uint32_t type, const char *feed, uint64_t seq, const char *name)
{
	Ld__ApiRequest q = typed(type);
	struct buf b = {0};

	q.feed = (char *)feed;
	q.has_seq = seq != 0;
	q.seq = seq;
	req(&b, &q);
	save(&b, "api", name);
}

static void append(struct buf *b, uint32_t kind, const char *const *aud, size_t n_aud,
		   const void *payload, size_t len)
{
	Ld__ApiRequest q = typed(LD__API_TYPE__API_APPEND);
	Ld__AppendItem it = LD__APPEND_ITEM__INIT, *p = &it;

	it.has_kind = it.has_payload = true;
	it.kind = kind;
	it.audience = (char **)aud;
	it.n_audience = n_aud;
	it.everyone = !aud;
	it.has_everyone = true;
	it.payload.data = (uint8_t *)payload;
	it.payload.len = len;
	q.n_append = 1;
	q.append = &p;
	req(b, &q);
}

static void gen_api(void)
{
	const char *to_a[] = {"county-a"}, *to_ghost[] = {"county-q"};
	Ld__CaseReferral ref = LD__CASE_REFERRAL__INIT;
	uint8_t pb[512];
	struct buf b = {0};
	Ld__ApiRequest q;
	size_t len;

	one(LD__API_TYPE__API_STATUS, NULL, 0, "status");
	one(LD__API_TYPE__API_ROSTER, NULL, 0, "roster");
	one(LD__API_TYPE__API_GET, "county-a", 1, "get");
	one(LD__API_TYPE__API_GET, "county-a", 9, "get-not-held");
	one(LD__API_TYPE__API_GET, "Not/An/Id", 1, "get-bad-feed");
	one(LD__API_TYPE__API_LIST, "county-a", 2, "list");
	one(LD__API_TYPE__API_RECEIPTS, "county-a", 1, "receipts");
	one(LD__API_TYPE__API_WAIT, "county-a", 3, "wait-held");
	one(LD__API_TYPE__API_REINDEX, NULL, 0, "reindex");
	one(77, NULL, 0, "unknown-type");

	q = typed(LD__API_TYPE__API_LIST);
	q.feed = "county-a";
	q.has_max = true;
	q.max = 2;
	req(&b, &q);
	save(&b, "api", "list-max");
	q = typed(LD__API_TYPE__API_WAIT);
	q.feed = "county-c";
	q.has_seq = q.has_timeout_ms = true;
	q.seq = 1;
	q.timeout_ms = 2000;
	req(&b, &q);
	save(&b, "api", "wait-times-out");
	q = typed(LD__API_TYPE__API_CASE);
	q.case_id = FW_CASE;
	req(&b, &q);
	save(&b, "api", "case");
	q.type = LD__API_TYPE__API_ACTION;
	q.case_id = "province/A-9";
	req(&b, &q);
	save(&b, "api", "action-unknown");
	q = typed(LD__API_TYPE__API_VIEW);
	req(&b, &q);
	save(&b, "api", "view");
	q.region = "3301";
	q.status = "awaiting answer";
	q.has_kind = q.has_since_ms = q.has_limit = true;
	q.kind = 1;
	q.since_ms = 1764000000000;
	q.limit = 5;
	req(&b, &q);
	save(&b, "api", "view-filtered");
	q = typed(LD__API_TYPE__API_BLOB);
	q.feed = "county-a";
	q.has_seq = true;
	q.seq = 4;
	req(&b, &q);
	save(&b, "api", "blob-report");
	q.has_start = q.start = true;
	req(&b, &q);
	save(&b, "api", "blob-start");
	q.seq = 2;
	req(&b, &q);
	save(&b, "api", "blob-not-evidence");
	{
		Ld__ApiSearchQuery s = LD__API_SEARCH_QUERY__INIT;

		q = typed(LD__API_TYPE__API_SEARCH);
		s.text = "Grand Canal";
		q.search = &s;
		req(&b, &q);
		save(&b, "api", "search-text");
		s.text = NULL;
		s.region = "3301";
		s.violation = "water";
		s.status = "accepted";
		s.has_since_ms = s.has_until_ms = s.has_limit = true;
		s.since_ms = 1;
		s.until_ms = INT64_MAX;
		s.limit = 3;
		req(&b, &q);
		save(&b, "api", "search-filters");
	}

	append(&b, 100, NULL, 0, "bulletin", 8);
	save(&b, "api", "append-everyone");
	ref.case_id = "city/C-1";
	ref.title = "Smoke from a kiln";
	ref.has_violation = true;
	ref.violation = LD__VIOLATION__VIOLATION_AIR;
	ref.facts = "black smoke, 3 h";
	ref.addressee = "county-a";
	len = ld__case_referral__pack(&ref, pb);
	append(&b, LD__KIND__KIND_CASE_REFERRAL, to_a, 1, pb, len);
	q = typed(LD__API_TYPE__API_WAIT);
	q.feed = "city";
	q.has_seq = true;
	q.seq = 1;
	req(&b, &q);
	save(&b, "api", "append-referral-and-wait");
	append(&b, 100, to_ghost, 1, "x", 1);
	save(&b, "api", "append-not-a-member");
	ref.title = "bad \x1b[31m title";
	len = ld__case_referral__pack(&ref, pb);
	append(&b, LD__KIND__KIND_CASE_REFERRAL, to_a, 1, pb, len);
	save(&b, "api", "append-bad-text");
	append(&b, LD__KIND__KIND_CASE_REFERRAL, to_a, 1, "\x0a\xff", 2);
	save(&b, "api", "append-undecodable-payload");
	q = typed(LD__API_TYPE__API_APPEND);
	req(&b, &q);
	save(&b, "api", "append-nothing");
	append(&b, 100, NULL, 0, "one", 3);
	append(&b, 100, to_ghost, 1, "two", 3);
	append(&b, 100, to_a, 1, "three", 5);
	save(&b, "api", "appends-grouped-one-bad");

	put_u16(&b, 3);
	put(&b, "\xff\xff\xff", 3);
	save(&b, "api", "undecodable");
	put_u16(&b, 0);
	save(&b, "api", "empty-request");
}

/* ---- chunk frames ---- */

static void chunk(const char *name, uint64_t index, size_t len)
{
	static uint8_t data[4096], out[4200];
	struct buf b = {0};
	size_t n;

	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 13);
	n = chunk_layout(out, fw_file_sha256(), index, data, len);
	put(&b, out, n);
	save(&b, "chunk", name);
}

static void gen_chunks(void)
{
	struct buf b = {0};
	uint8_t out[512];
	size_t n;

	chunk("chunk-index-0", 0, 200);
	chunk("chunk-index-1-byte-varint", 127, 64);
	chunk("chunk-index-2-byte-varint", 128, 64);
	chunk("chunk-index-max", UINT32_MAX, 16);
	chunk("chunk-index-over-32-bits", (uint64_t)UINT32_MAX + 1, 16);
	chunk("chunk-empty-data", 5, 0);
	chunk("chunk-4096", 3, 4096);
	chunk("chunk-length-2-byte-varint", 1, 200);
	/* Near misses, each breaking the layout in one place. With 60 bytes
	 * of data every length is one byte: 0x6a LEN 0x0a 32 SHA(4..35) 0x10
	 * INDEX(37) 0x1a DLEN(39) DATA(40..). */
	static const struct {
		const char *name;
		size_t at;
		int delta; /* added to the byte at 'at' */
	} miss[] = {
		{"not-field-13", 0, -8},       {"frame-length-long", 1, 1},
		{"sha-wrong-tag", 2, 8},       {"sha-31-bytes", 3, -1},
		{"index-wrong-tag", 36, 8},    {"data-wrong-tag", 38, 8},
		{"data-length-short", 39, -1},
	};

	for (size_t i = 0; i < sizeof(miss) / sizeof(miss[0]); i++) {
		n = chunk_layout(out, fw_file_sha256(), 2, fw_file(), 60);
		out[miss[i].at] = (uint8_t)(out[miss[i].at] + miss[i].delta);
		put(&b, out, n);
		save(&b, "chunk", miss[i].name);
	}
	n = chunk_layout(out, fw_file_sha256(), 2, fw_file(), 60);
	put(&b, out, n - 1);
	save(&b, "chunk", "truncated");
	n = chunk_layout(out, fw_file_sha256(), 2, fw_file(), 60);
	put(&b, out, n);
	put(&b, "x", 1);
	save(&b, "chunk", "trailing-byte");
	/* The index in two bytes where one does (0x82 0x00 for 2). */
	n = chunk_layout(out, fw_file_sha256(), 2, fw_file(), 60);
	memmove(out + 38, out + 37, n - 37);
	out[37] = 0x82;
	out[38] = 0x00;
	out[1]++;
	put(&b, out, n + 1);
	save(&b, "chunk", "index-overlong-varint");
	{
		/* Fields in another order: a valid frame, not the layout. */
		Ld__Frame f = LD__FRAME__INIT;
		Ld__BlobChunk c = LD__BLOB_CHUNK__INIT;
		uint8_t p[512];

		c.has_sha256 = c.has_index = c.has_data = true;
		c.sha256.data = (uint8_t *)fw_file_sha256();
		c.sha256.len = 32;
		c.index = 0;
		c.data.data = (uint8_t *)fw_file();
		c.data.len = 50;
		f.body_case = LD__FRAME__BODY_BLOB_CHUNK;
		f.blob_chunk = &c;
		n = ld__frame__pack(&f, p);
		put(&b, p, n);
		save(&b, "chunk", "protobuf-c-layout");
	}
	put(&b, "\x6a\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80", 11);
	save(&b, "chunk", "length-varint-too-long");
	put(&b, "\x6a", 1);
	save(&b, "chunk", "tag-only");
}

int main(int argc, char **argv)
{
	static const char *const subs[] = {"frame", "api", "chunk"};

	if (argc != 2) {
		fprintf(stderr, "usage: gen_server_corpus OUT_DIR\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	for (size_t i = 0; i < 3; i++) {
		char path[4200];

		snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			gen_die("cannot create %s", path);
	}
	gen_frames();
	gen_api();
	gen_chunks();
	printf("seeds written under %s/{frame,api,chunk}\n", dir);
	return 0;
}

/* tests/fuzz/gen_frame_seeds.c: the seeds of fuzz_frame: what members of
 * the world (fuzz_world.h) send the city's node, in the harness's format
 * (per frame a peer byte, a 16-bit big-endian length and the frame; a peer
 * byte FW_TURN ends a loop turn). Part of gen_server_corpus. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "common/store/blob.h"
#include "common/base/errors.h"
#include "wire.pb-c.h"
#include "fuzz_world.h"
#include "gen_seeds.h"

static void frame(struct buf *b, int peer, const Ld__Frame *f)
{
	size_t len = ld__frame__get_packed_size(f);
	uint8_t *p = malloc(len ? len : 1), who = (uint8_t)peer;

	ld__frame__pack(f, p);
	put(b, &who, 1);
	put_u16(b, len);
	put(b, p, len);
	free(p);
}

static void raw_frame(struct buf *b, int peer, const void *data, size_t len)
{
	uint8_t who = (uint8_t)peer;

	put(b, &who, 1);
	put_u16(b, len);
	put(b, data, len);
}

static void turn(struct buf *b)
{
	uint8_t t = FW_TURN;

	put(b, &t, 1);
}

static const ld_entry_t *E(int who, size_t seq)
{
	return fw_feed(who)->e[seq - 1];
}

/* Member who's entries from seq on. */
static const ld_entry_t *const *from(int who, size_t seq)
{
	return (const ld_entry_t *const *)fw_feed(who)->e + seq - 1;
}

static void hello(struct buf *b, int peer, const char *name, bool reply,
		  const ld_entry_t *const *heads, size_t n)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Hello h = LD__HELLO__INIT;
	Ld__FeedHead fh[8], *p[8];

	for (size_t i = 0; i < n; i++) {
		ld__feed_head__init(&fh[i]);
		fh[i].feed = heads[i]->hdr->author;
		fh[i].has_seq = fh[i].has_id = true;
		fh[i].seq = heads[i]->hdr->seq;
		fh[i].id.data = (uint8_t *)heads[i]->id;
		fh[i].id.len = LD_ID_LEN;
		p[i] = &fh[i];
	}
	h.node_id = (char *)name;
	h.n_heads = n;
	h.heads = p;
	h.has_protocol = h.has_reply = true;
	h.protocol = 1;
	h.reply = reply;
	f.body_case = LD__FRAME__BODY_HELLO;
	f.hello = &h;
	frame(b, peer, &f);
}

static void have(struct buf *b, int peer, const ld_entry_t *const *heads, size_t n)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Have h = LD__HAVE__INIT;
	Ld__FeedHead fh[8], *p[8];

	for (size_t i = 0; i < n; i++) {
		ld__feed_head__init(&fh[i]);
		fh[i].feed = heads[i]->hdr->author;
		fh[i].has_seq = fh[i].has_id = true;
		fh[i].seq = heads[i]->hdr->seq;
		fh[i].id.data = (uint8_t *)heads[i]->id;
		fh[i].id.len = LD_ID_LEN;
		p[i] = &fh[i];
	}
	h.n_heads = n;
	h.heads = p;
	f.body_case = LD__FRAME__BODY_HAVE;
	f.have = &h;
	frame(b, peer, &f);
}

static void pull(struct buf *b, int peer, const char *feed, uint64_t from, uint32_t credit)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Pull p = LD__PULL__INIT;

	p.feed = (char *)feed;
	p.has_from_seq = p.has_credit = true;
	p.from_seq = from;
	p.credit = credit;
	f.body_case = LD__FRAME__BODY_PULL;
	f.pull = &p;
	frame(b, peer, &f);
}

/* Entries of 'feed' from 'from': the wire forms given. */
static void entries_wire(struct buf *b, int peer, const char *feed, uint64_t from,
			 ProtobufCBinaryData *bins, size_t n, bool last)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Entries e = LD__ENTRIES__INIT;

	e.feed = (char *)feed;
	e.has_from_seq = e.has_last = true;
	e.from_seq = from;
	e.last = last;
	e.n_entries = n;
	e.entries = bins;
	f.body_case = LD__FRAME__BODY_ENTRIES;
	f.entries = &e;
	frame(b, peer, &f);
}

static void entries(struct buf *b, int peer, const char *feed, const ld_entry_t *const *run,
		    size_t n, bool full)
{
	ProtobufCBinaryData bins[8];

	for (size_t i = 0; i < n; i++)
		bins[i].data = fw_wire(run[i], full, &bins[i].len);
	entries_wire(b, peer, feed, n ? run[0]->hdr->seq : 1, bins, n, true);
	for (size_t i = 0; i < n; i++)
		free(bins[i].data);
}

static void proof(struct buf *b, int peer, const ld_entry_t *x, const ld_entry_t *y)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Proof p = LD__PROOF__INIT;

	p.has_a = p.has_b = true;
	p.a.data = fw_wire(x, false, &p.a.len);
	p.b.data = fw_wire(y, false, &p.b.len);
	f.body_case = LD__FRAME__BODY_PROOF;
	f.proof = &p;
	frame(b, peer, &f);
	free(p.a.data);
	free(p.b.data);
}

static void ping(struct buf *b, int peer)
{
	Ld__Frame f = LD__FRAME__INIT;

	f.body_case = LD__FRAME__BODY_PING;
	f.ping = true;
	frame(b, peer, &f);
}

static void case_history(struct buf *b, int peer, const char *case_id)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__CaseHistory h = LD__CASE_HISTORY__INIT;

	h.case_id = (char *)case_id;
	f.body_case = LD__FRAME__BODY_CASE_HISTORY;
	f.case_history = &h;
	frame(b, peer, &f);
}

static void case_entries(struct buf *b, int peer, const char *case_id, const ld_entry_t *const *run,
			 size_t n)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__CaseEntries m = LD__CASE_ENTRIES__INIT;
	ProtobufCBinaryData bins[8];

	for (size_t i = 0; i < n; i++)
		bins[i].data = fw_wire(run[i], true, &bins[i].len);
	m.case_id = (char *)case_id;
	m.n_entries = n;
	m.entries = bins;
	m.has_last = m.last = true;
	f.body_case = LD__FRAME__BODY_CASE_ENTRIES;
	f.case_entries = &m;
	frame(b, peer, &f);
	for (size_t i = 0; i < n; i++)
		free(bins[i].data);
}

static void blob_open(struct buf *b, int peer, uint32_t req, uint32_t hops)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__BlobOpen m = LD__BLOB_OPEN__INIT;

	m.has_req = m.has_seq = m.has_hops = true;
	m.req = req;
	m.feed = "county-a";
	m.seq = 4;
	m.hops = hops;
	f.body_case = LD__FRAME__BODY_BLOB_OPEN;
	f.blob_open = &m;
	frame(b, peer, &f);
}

static void blob_offer(struct buf *b, int peer, uint32_t req)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__BlobOffer m = LD__BLOB_OFFER__INIT;
	uint8_t chunk_sha[32];

	SHA256(fw_file(), FW_FILE_LEN, chunk_sha);
	m.has_req = m.has_record = m.has_sha256 = m.has_size = m.has_chunk_size = true;
	m.has_chunk_hashes = m.has_held = true;
	m.req = req;
	m.record.data = fw_wire(E(FW_A, 4), true, &m.record.len);
	m.sha256.data = (uint8_t *)fw_file_sha256();
	m.sha256.len = 32;
	m.size = FW_FILE_LEN;
	m.chunk_size = ld_blob_chunk_size(FW_FILE_LEN);
	m.chunk_hashes.data = chunk_sha;
	m.chunk_hashes.len = 32;
	m.held = 1;
	f.body_case = LD__FRAME__BODY_BLOB_OFFER;
	f.blob_offer = &m;
	frame(b, peer, &f);
	free(m.record.data);
}

static void blob_get(struct buf *b, int peer, uint32_t index, uint32_t count)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__BlobGet m = LD__BLOB_GET__INIT;

	m.has_sha256 = m.has_index = m.has_count = true;
	m.sha256.data = (uint8_t *)fw_file_sha256();
	m.sha256.len = 32;
	m.index = index;
	m.count = count;
	f.body_case = LD__FRAME__BODY_BLOB_GET;
	f.blob_get = &m;
	frame(b, peer, &f);
}

static void blob_refusal(struct buf *b, int peer, uint32_t req)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__BlobRefusal m = LD__BLOB_REFUSAL__INIT;

	m.has_req = m.has_code = true;
	m.req = req;
	m.code = -EACCES;
	m.reason = "county-a: not entitled";
	f.body_case = LD__FRAME__BODY_BLOB_REFUSAL;
	f.blob_refusal = &m;
	frame(b, peer, &f);
}

void gen_frames(void)
{
	const ld_entry_t *a6 = E(FW_A, 6), *a1 = E(FW_A, 1), *b1 = E(FW_B, 1);
	const ld_entry_t *heads[] = {E(FW_A, 6), E(FW_B, 2), E(FW_C, 2)};
	const ld_entry_t *fork = fw_fork();
	struct buf b = {0};
	uint8_t raw[512];
	size_t n;

	hello(&b, FW_A, "county-a", true, heads, 3);
	save(&b, "frame", "hello-with-heads");
	hello(&b, FW_A, "county-b", false, NULL, 0);
	save(&b, "frame", "hello-wrong-name");
	hello(&b, FW_C, "county-c", false, &a6, 1);
	turn(&b);
	hello(&b, FW_C, "county-c", true, &a6, 1);
	save(&b, "frame", "hello-restart");
	have(&b, FW_C, &a6, 1);
	save(&b, "frame", "have-longer-head");
	have(&b, FW_A, &fork, 1);
	save(&b, "frame", "have-fork");
	have(&b, FW_PROVINCE, heads, 3);
	have(&b, FW_C, heads, 3);
	save(&b, "frame", "have-two-peers");

	pull(&b, FW_C, "county-a", 1, 100);
	save(&b, "frame", "pull-redacted-for-c");
	pull(&b, FW_B, "county-a", 1, 100);
	save(&b, "frame", "pull-by-audience");
	pull(&b, FW_PROVINCE, "county-a", 2, 2);
	save(&b, "frame", "pull-by-superior");
	pull(&b, FW_C, "county-a", 0, 1);
	pull(&b, FW_C, "county-z", 1, 0);
	save(&b, "frame", "pull-malformed-and-unknown");

	entries(&b, FW_A, "county-a", from(FW_A, 5), 2, true);
	save(&b, "frame", "entries-new-with-receipt");
	entries(&b, FW_C, "county-c", from(FW_C, 1), 2, true);
	save(&b, "frame", "entries-new-feed");
	entries(&b, FW_A, "county-a", &a6, 1, true);
	save(&b, "frame", "entries-gap");
	entries(&b, FW_A, "county-a", from(FW_A, 5), 1, false);
	save(&b, "frame", "entries-redacted");
	entries(&b, FW_C, "county-a", from(FW_C, 1), 1, true);
	save(&b, "frame", "entries-mislabelled");
	entries(&b, FW_A, "county-a", from(FW_A, 1), 4, true);
	save(&b, "frame", "entries-replay");
	{
		ld_entry_t copy = *E(FW_A, 6);
		ProtobufCBinaryData bins[2];

		bins[0].data = fw_wire(E(FW_A, 5), true, &bins[0].len);
		copy.sig[7] ^= 0x20;
		bins[1].data = fw_wire(&copy, true, &bins[1].len);
		entries_wire(&b, FW_A, "county-a", 5, bins, 2, true);
		save(&b, "frame", "entries-bad-signature");
		free(bins[0].data);
		free(bins[1].data);
	}
	entries(&b, FW_C, "county-b", &fork, 1, true);
	save(&b, "frame", "entries-equivocation");
	entries(&b, FW_C, "county-b", &fork, 1, true);
	turn(&b);
	entries(&b, FW_A, "county-b", from(FW_B, 2), 1, true);
	save(&b, "frame", "entries-after-freeze");
	{
		/* An author the roster does not know: the fixed fuzz key. */
		ld_entry_draft_t d = {.author = "county-z",
				      .seq = 1,
				      .time_ms = 1764000000000,
				      .kind = 100,
				      .everyone = true,
				      .payload = "z",
				      .payload_len = 1};
		ld_key_t *k = fw_key(FW_A);
		ld_entry_t *z = NULL;
		int r = ld_entry_build(&d, k, &z);

		if (r < 0)
			gen_die("ld_entry_build: %s", ld_strerror(r));
		entries(&b, FW_A, "county-z", (const ld_entry_t *const *)&z, 1, true);
		save(&b, "frame", "entries-unknown-author");
		ld_entry_destroy(&z);
	}

	proof(&b, FW_PROVINCE, b1, fork);
	save(&b, "frame", "proof-valid");
	proof(&b, FW_PROVINCE, a1, E(FW_A, 2));
	save(&b, "frame", "proof-not-a-fork");
	{
		Ld__Frame f = LD__FRAME__INIT;
		Ld__Refusal r = LD__REFUSAL__INIT;

		r.feed = "city";
		r.has_seq = r.has_code = true;
		r.seq = 3;
		r.code = LD_EGAP;
		r.reason = "sequence number is not the next one";
		f.body_case = LD__FRAME__BODY_REFUSAL;
		f.refusal = &r;
		frame(&b, FW_PROVINCE, &f);
		save(&b, "frame", "refusal");
	}

	case_history(&b, FW_B, FW_CASE);
	save(&b, "frame", "case-history-asked");
	case_history(&b, FW_B, "not a case id");
	save(&b, "frame", "case-history-malformed");
	/* The case is passed to the city: it asks for the history, and an
	 * answer fills in an entry held redacted. */
	ping(&b, FW_A);
	entries(&b, FW_A, "county-a", from(FW_A, 5), 1, false);
	entries(&b, FW_B, "county-b", from(FW_B, 2), 1, true);
	turn(&b);
	case_entries(&b, FW_A, FW_CASE, from(FW_A, 5), 1);
	save(&b, "frame", "case-transferred-history-filled");
	case_entries(&b, FW_A, FW_CASE, &a1, 1);
	save(&b, "frame", "case-entries-unasked");

	/* Evidence: county-b asks for the file of county-a 4; the city relays,
	 * asking county-a, which offers it and sends its one chunk; county-b
	 * then asks for the chunk. */
	ping(&b, FW_A);
	blob_open(&b, FW_B, 9, 2);
	blob_offer(&b, FW_A, 1);
	n = chunk_layout(raw, fw_file_sha256(), 0, fw_file(), FW_FILE_LEN);
	raw_frame(&b, FW_A, raw, n);
	blob_get(&b, FW_B, 0, 1);
	save(&b, "frame", "blob-relayed-fetch");
	blob_open(&b, FW_B, 9, 0);
	save(&b, "frame", "blob-open-not-held");
	blob_open(&b, FW_C, 4, 2);
	save(&b, "frame", "blob-open-not-entitled");
	ping(&b, FW_A);
	blob_open(&b, FW_B, 9, 2);
	blob_refusal(&b, FW_A, 1);
	save(&b, "frame", "blob-refused");
	blob_get(&b, FW_B, 0, 4);
	save(&b, "frame", "blob-get-unoffered");
	n = chunk_layout(raw, fw_file_sha256(), 0, fw_file(), FW_FILE_LEN);
	raw_frame(&b, FW_A, raw, n);
	save(&b, "frame", "blob-chunk-unasked");
	{
		/* The same chunk with its fields in another order: not the fast
		 * path's layout, decoded by protobuf-c. */
		Ld__Frame f = LD__FRAME__INIT;
		Ld__BlobChunk c = LD__BLOB_CHUNK__INIT;

		c.has_sha256 = c.has_index = c.has_data = true;
		c.sha256.data = (uint8_t *)fw_file_sha256();
		c.sha256.len = 32;
		c.data.data = (uint8_t *)fw_file();
		c.data.len = 10;
		f.body_case = LD__FRAME__BODY_BLOB_CHUNK;
		f.blob_chunk = &c;
		frame(&b, FW_A, &f);
		save(&b, "frame", "blob-chunk-decoded");
	}

	ping(&b, FW_C);
	save(&b, "frame", "ping");
	{
		static const uint8_t pong[] = {0x40, 0x01}, future[] = {0x82, 0x01, 0x00},
				     garbage[] = {0xff, 0xff, 0xff, 0x0f, 0x12};

		raw_frame(&b, FW_C, pong, sizeof(pong));
		save(&b, "frame", "pong");
		raw_frame(&b, FW_C, future, sizeof(future));
		save(&b, "frame", "body-from-a-newer-protocol");
		raw_frame(&b, FW_C, garbage, sizeof(garbage));
		save(&b, "frame", "undecodable");
		raw_frame(&b, FW_C, "", 0);
		save(&b, "frame", "empty");
	}
}

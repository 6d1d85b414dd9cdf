/* tests/fuzz/fuzz_frame.c: libFuzzer harness for what a linked peer sends.
 *
 * The input is a sequence of frames, each "[peer byte][u16 length, big
 * endian][frame bytes]" (gen_server_corpus.c writes seeds so), as they
 * would arrive from the world's members (fuzz_world.h) on incoming links
 * of the city's node: each goes through ld_frame_handle() (size check, the
 * evidence chunk fast path, decoding, the dispatch table). A peer byte of
 * 255 (no length follows) ends a loop turn: the ingest round, pull
 * scheduling, the outbox, as the loop does; so does the end of the input,
 * and the timers then run twenty seconds later (silence, pull timeouts,
 * case history asks, evidence transfers). A real store in a temporary
 * directory; no sockets, no network, no other process.
 *
 * Beyond "no crash, no leak, no UB" (the sanitizers), the harness abort()s
 * when the node breaks a promise to its peers:
 *  - every frame it sends decodes as ld.Frame and fits the frame limit;
 *  - no entry it sends (Entries, CaseEntries) carries a payload the
 *    receiving peer may not read (redaction), and proofs carry none;
 *  - whatever an input made it store is authenticated: every feed of the
 *    store re-verifies, signature by signature, from seq 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base/errors.h"
#include "common/domain/evidence.h"
#include "server/blobx.h"
#include "server/frame.h"
#include "server/ingest.h"
#include "server/links.h"
#include "fuzz_world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FRAMES_MAX 64

static fw_node_t *world;

static _Noreturn void broken(const char *what, const char *peer)
{
	fprintf(stderr, "fuzz_frame: invariant broken: %s (to %s)\n", what, peer);
	abort();
}

/* Every entry in 'bins' sent to 'peer': a payload only if it may read it. */
static void check_redacted(const ProtobufCBinaryData *bins, size_t n, const char *peer)
{
	ld_node_t *node = fw_node(world);

	for (size_t i = 0; i < n; i++) {
		ld_entry_t *e = NULL;

		if (ld_entry_parse(bins[i].data, bins[i].len, &e) < 0)
			broken("an entry sent does not parse", peer);
		if (e->has_payload && !ld_payload_for(node->store, node->access, e->hdr, e->payload,
						      e->payload_len, peer))
			broken("a payload sent to a peer that may not read it", peer);
		ld_entry_destroy(&e);
	}
}

static int tap_frame(void *ud, link_t *l, const void *data, size_t len)
{
	Ld__Frame *f;

	if (len > LD_FRAME_MAX)
		broken("a frame over the limit", l->peer);
	f = ld__frame__unpack(NULL, len, data);
	if (!f)
		broken("a frame that does not decode", l->peer);
	if (f->body_case == LD__FRAME__BODY_ENTRIES)
		check_redacted(f->entries->entries, f->entries->n_entries, l->peer);
	else if (f->body_case == LD__FRAME__BODY_CASE_ENTRIES)
		check_redacted(f->case_entries->entries, f->case_entries->n_entries, l->peer);
	else if (f->body_case == LD__FRAME__BODY_PROOF) {
		ld_entry_t *a = NULL, *b = NULL;

		if (ld_entry_parse(f->proof->a.data, f->proof->a.len, &a) < 0 ||
		    ld_entry_parse(f->proof->b.data, f->proof->b.len, &b) < 0 || a->has_payload ||
		    b->has_payload)
			broken("a proof that is not two redacted entries", l->peer);
		ld_entry_destroy(&a);
		ld_entry_destroy(&b);
	}
	ld__frame__free_unpacked(f, NULL);
	return 0;
}

static int check_head(void *ud, const ld_feed_head_t *h)
{
	uint64_t count = 0;
	int r = ld_store_check_feed(ud, h->feed, LD_CHAIN_EACH_SIG, &count);

	if (r < 0 || count != h->seq) {
		fprintf(stderr, "fuzz_frame: feed %s does not re-verify: %s\n", h->feed,
			ld_strerror(r));
		abort();
	}
	return 0;
}

/* What the loop does after reading the sockets. */
static void end_turn(ld_node_t *n)
{
	ld_links_settle(n);
	ld_ingest_round(n);
	ld_sync_schedule(n);
	ld_node_drain(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ld_node_tap_t tap = {.frame = tap_frame};
	link_t *links[FW_N] = {NULL};
	ld_node_t *n;
	size_t off = 0;

	if (!world)
		world = fw_node_new(&tap);
	n = fw_node(world);
	fw_clock_set(FW_T0);
	/* A link from every member but the node itself. */
	for (int i = 0; i < FW_N; i++)
		if (i != FW_SELF && !(links[i] = ld_link_new(n, fw_id(i), false)))
			abort();
	for (int k = 0; k < FRAMES_MAX && size - off >= 1; k++) {
		int who = data[off] % FW_N;
		size_t len;

		if (data[off] == FW_TURN) {
			off++;
			end_turn(n);
			continue;
		}
		if (size - off < 3)
			break;
		len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		if (who == FW_SELF)
			who = FW_PROVINCE;
		ld_frame_handle(n, links[who], data + off, len);
		off += len;
	}
	/* The rest of the loop's turn, then its timers a while later. */
	end_turn(n);
	fw_clock_set(FW_T0 + 20000);
	ld_links_timers(n, FW_T0 + 20000);
	ld_links_settle(n);
	ld_sync_timers(n, FW_T0 + 20000);
	ld_history_tick(n, FW_T0 + 20000);
	ld_blobx_tick(n, FW_T0 + 20000);
	/* The links go: what they held goes with them. */
	for (size_t i = 0; i < n->n_links; i++)
		ld_link_mark_down(n, n->links[i], "input ended");
	ld_links_settle(n);
	for (size_t i = 0; i < n->n_links; i++)
		ld_link_free(n, n->links[i]);
	n->n_links = 0;
	if (fw_store_changed(world))
		ld_store_foreach_head(n->store, check_head, n->store);
	fw_node_settle(world);
	return 0;
}

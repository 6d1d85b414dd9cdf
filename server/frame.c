/* server/frame.c: one frame from a peer to its handler (see frame.h). */
#include <string.h>

#include "common/base/errors.h"
#include "common/base/pbwalk.h"
#include "server/blobx.h"
#include "server/clock.h"
#include "server/frame.h"
#include "server/history.h"
#include "server/ingest.h"
#include "server/links.h"
#include "server/log.h"
#include "server/node.h"
#include "server/sync.h"

static void on_refusal(ld_node_t *n, link_t *l, const Ld__Frame *f)
{
	const Ld__Refusal *r = f->refusal;

	rlog_warn(l->peer, "peer %s refused %s #%llu: %s", l->peer, r->feed ? r->feed : "?",
		  (unsigned long long)r->seq, r->reason ? r->reason : "no reason given");
}

/* The dispatch table: a handler reads the frame (and may send), or, for
 * Entries, keeps it for the ingest round. Ping and pong only show the
 * link is alive (ld_link_heard). */
static const struct frame_kind {
	void (*handle)(ld_node_t *n, link_t *l, const Ld__Frame *f);
	void (*keep)(ld_node_t *n, link_t *l, Ld__Frame **f_p, size_t size);
} kinds[] = {
	[LD__FRAME__BODY_HELLO] = {ld_sync_on_hello, NULL},
	[LD__FRAME__BODY_HAVE] = {ld_sync_on_have, NULL},
	[LD__FRAME__BODY_PULL] = {ld_sync_on_pull, NULL},
	[LD__FRAME__BODY_ENTRIES] = {NULL, ld_ingest_take},
	[LD__FRAME__BODY_PROOF] = {ld_ingest_on_proof, NULL},
	[LD__FRAME__BODY_REFUSAL] = {on_refusal, NULL},
	[LD__FRAME__BODY_PING] = {NULL, NULL}, /* the link is alive: nothing more */
	[LD__FRAME__BODY_PONG] = {NULL, NULL},
	[LD__FRAME__BODY_BLOB_OPEN] = {ld_blobx_on_open, NULL},
	[LD__FRAME__BODY_BLOB_OFFER] = {ld_blobx_on_offer, NULL},
	[LD__FRAME__BODY_BLOB_REFUSAL] = {ld_blobx_on_refusal, NULL},
	[LD__FRAME__BODY_BLOB_GET] = {ld_blobx_on_get, NULL},
	[LD__FRAME__BODY_BLOB_CHUNK] = {ld_blobx_on_chunk, NULL},
	[LD__FRAME__BODY_CASE_HISTORY] = {ld_history_on_request, NULL},
	[LD__FRAME__BODY_CASE_ENTRIES] = {ld_history_on_entries, NULL},
};

#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/* What a frame may hold, checked on its bytes before it is decoded: feed
 * heads up to the roster's bound, entries up to what one Entries or
 * CaseEntries frame carries, and no more memory to decode it than 8 times
 * its size (a few KiB for the smallest). An Entries frame of 1 MiB costs
 * about 1.5 times its size, a Hello about 5; 2 bytes of empty feed head
 * would cost 170. */
#define HEADS_MAX 65536
static const ld_pb_limit_t frame_limits[] = {
	{&ld__hello__descriptor, 2, HEADS_MAX},
	{&ld__have__descriptor, 1, HEADS_MAX},
	{&ld__entries__descriptor, 3, LD_ENTRIES_FRAME_MAX},
	{&ld__case_entries__descriptor, 2, LD_ENTRIES_FRAME_MAX},
};
static const ld_pb_rules_t frame_rules = {
	.limits = frame_limits,
	.n_limits = sizeof(frame_limits) / sizeof(frame_limits[0]),
	.ratio = 8,
	.slack = 16384,
};

/* true if the frame may be decoded; if not, says so (rate-limited) and
 * counts it among the refusals. */
static bool frame_walk(ld_node_t *n, link_t *l, const void *data, size_t size)
{
	ld_pb_tally_t t;
	char why[160];
	int r = ld_pb_check(&ld__frame__descriptor, data, size, &frame_rules, &t);

	if (r == LD_ETOOBIG) {
		ld_pb_explain(&t, size, why, sizeof(why));
		rlog_warn(l->peer, "frame of %zu bytes from %s refused before decoding: %s", size,
			  l->peer, why);
		ld_stats_refused(&n->stats, r);
	} else if (r < 0) {
		rlog_warn(l->peer, "undecodable frame of %zu bytes from %s ignored", size, l->peer);
	}
	return r == 0;
}

void ld_frame_handle(ld_node_t *n, link_t *l, const void *data, size_t size)
{
	const struct frame_kind *k;
	Ld__Frame *f;

	if (size > LD_FRAME_MAX) {
		rlog_warn(l->peer, "frame of %zu bytes from %s refused (limit %u)", size, l->peer,
			  LD_FRAME_MAX);
		return;
	}
	/* Evidence chunks (most of the bytes) skip the decoder's copy. */
	if (size && *(const uint8_t *)data == 0x6a && ld_blobx_raw_chunk(n, l, data, size)) {
		l->last_rx = ld_mono_ms();
		return;
	}
	if (!frame_walk(n, l, data, size))
		return;
	f = ld__frame__unpack(NULL, size, data);
	if (!f) {
		rlog_warn(l->peer, "undecodable frame of %zu bytes from %s ignored", size, l->peer);
		return;
	}
	ld_link_heard(n, l, f);
	k = (unsigned)f->body_case < N_KINDS ? &kinds[f->body_case] : NULL;
	/* A body from a newer protocol has no entry: ignored. */
	if (k && k->keep)
		k->keep(n, l, &f, size);
	else if (k && k->handle)
		k->handle(n, l, f);
	if (f)
		ld__frame__free_unpacked(f, NULL);
}

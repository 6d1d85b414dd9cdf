/* server/sync.h: replication of feeds between links (wire.proto Hello,
 * Have, Pull, Entries).
 *
 * Owns the heads each link announced (peer_head_t, per link), the pulls in
 * flight (pull_t, per node) and serving pulls:
 *  - heads: our Hello (every head we hold) when a link comes up, Have after a
 *    commit (the announcement and the acknowledgement), and what a peer's
 *    Hello and Have tell us, kept for roster members only;
 *  - pull scheduling: a feed is pulled from the first up link announcing a
 *    longer head, one pull per feed in flight, with a credit; a peer that
 *    refused, answered nothing new or timed out is asked again only after a
 *    backoff (1 s doubling to 60 s), so another that has it goes first; a
 *    head at a seq we hold with another id is pulled to prove the fork;
 *  - serving: a Pull is answered with at most its credit (and 16 MiB), in
 *    frames of at most 1024 entries / 1 MiB, each payload only if the puller
 *    may read it (common/access.h, ld_payload_for()), else header and
 *    signature only.
 * Entries that arrive are the ingest round's (ingest.h), which reports back
 * with ld_sync_answered().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/feed/entry.h"
#include "server/peer.h"
#include "wire.pb-c.h"

#define LD_ENTRIES_FRAME_BYTES (1u << 20)
#define LD_ENTRIES_FRAME_MAX 1024
#define LD_MAX_PULLS 1024
#define LD_PULL_TIMEOUT_MS 15000
#define LD_PROTOCOL 1

/* A feed's head as a link announced it. */
typedef struct peer_head {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	uint8_t id[LD_ID_LEN];
	bool fork_checked; /* we compared this head's id with ours */
	int64_t retry_at;  /* monotonic: do not pull this feed from this peer before */
	int64_t retry_ms;  /* current backoff */
} peer_head_t;

/* A pull in flight (one per feed; n->pulls[0, n->n_pulls)). */
typedef struct pull {
	char feed[LD_NODE_ID_MAX + 1];
	link_t *link;
	uint64_t from, want;
	int64_t deadline; /* monotonic */
} pull_t;

/* Send 'l' our Hello: every head we hold; 'reply' asks for its own. */
void ld_sync_hello(ld_node_t *n, link_t *l, bool reply);

/* Send 'l' (up) a Hello of no heads with our wall clock, so that a clock
 * stepped while the link stays up is seen within LD_CLOCK_HELLO_MS; a
 * peer of any version takes it as an empty Hello that asks nothing. */
void ld_sync_clock(ld_node_t *n, link_t *l);

/* Have with the current heads of 'feeds' to every up link. */
void ld_sync_announce(ld_node_t *n, const char *const *feeds, size_t n_feeds);

/* Frame handlers (frame.c's table). */
void ld_sync_on_hello(ld_node_t *n, link_t *l, const Ld__Frame *f);
void ld_sync_on_have(ld_node_t *n, link_t *l, const Ld__Frame *f);
void ld_sync_on_pull(ld_node_t *n, link_t *l, const Ld__Frame *f);

/* Send pulls where a link announced more than we hold (or a fork to check),
 * unless storage is failing. */
void ld_sync_schedule(ld_node_t *n);

/* The ingest round stored an Entries frame of 'feed' from 'l': 'status' is
 * the batch's (0 or LD_E*), 'last' the frame's flag, n_new and n_dup what it
 * brought. Ends or extends the pull; backs off a peer that could not serve. */
void ld_sync_answered(ld_node_t *n, link_t *l, const char *feed, bool last, int status,
		      size_t n_new, size_t n_dup);

/* Storing failed (storage error): pull nothing for 5 s, and ask again then
 * for 'feeds' (their pulls end). */
void ld_sync_storage_failed(ld_node_t *n, const char *const *feeds, size_t n_feeds);

/* The seq link 'l' announced for 'feed' (0 if none). */
uint64_t ld_sync_peer_seq(const link_t *l, const char *feed);

/* 'l' is gone or restarted: what we asked of it is lost. */
void ld_sync_link_reset(ld_node_t *n, link_t *l);

/* Send 'l' the entries of 'feed' after the head it announced, unasked and
 * redacted for it as any answer (the root's feed to a peer being revoked:
 * the notice it would otherwise never get). */
void ld_sync_send_tail(ld_node_t *n, link_t *l, const char *feed);

/* Pull timeouts (then a backoff for that peer and feed) and pulls whose
 * backoff or storage retry ended; 'now' is ld_mono_ms(). */
void ld_sync_timers(ld_node_t *n, int64_t now);

/* When ld_sync_timers() next has something to do (INT64_MAX: never). */
int64_t ld_sync_next_due(const ld_node_t *n);

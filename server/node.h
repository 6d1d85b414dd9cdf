/* server/node.h: liandongd's node: one store, one signing key, peer links
 * over ZeroMQ/CurveZMQ, a ZAP handler, a local API. Single-threaded: one
 * zmq_poll loop owns everything, so no locks. Internal to server/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include "api.pb-c.h"
#include "common/domain/access.h"
#include "common/views/views.h"
#include "common/base/timeutil.h"
#include "common/store/blob.h"
#include "common/conf/config.h"
#include "common/crypto/curve.h"
#include "common/domain/revocation.h"
#include "common/store/store.h"
#include "wire.pb-c.h"
#include <zmq.h>

#define LD_FRAME_MAX (8u << 20)   /* largest ZeroMQ message accepted from anyone */
#define LD_ENTRIES_FRAME_BYTES (1u << 20)
#define LD_ENTRIES_FRAME_MAX 1024
#define LD_MAX_LINKS 256
#define LD_MAX_PULLS 1024
#define LD_PULL_TIMEOUT_MS 15000
#define LD_RID_MAX 256
#define LD_PROTOCOL 1

typedef struct peer_head {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	uint8_t id[LD_ID_LEN];
	bool fork_checked;       /* we compared this head's id with ours */
	int64_t retry_at;        /* do not pull this feed from this peer before */
	int64_t retry_ms;        /* current backoff */
} peer_head_t;

typedef struct link {
	char peer[LD_NODE_ID_MAX + 1];
	bool outgoing;                /* our DEALER to a configured peer */
	void *sock;                   /* that DEALER; NULL for incoming links */
	uint8_t rid[LD_RID_MAX];      /* routing id on our ROUTER (incoming) */
	size_t rid_len;
	const ld_peer_conf_t *conf;   /* outgoing only */
	bool up;
	bool cut;                     /* revoked: never used again */
	int64_t last_rx, last_tx, last_hello, down_since;
	int64_t sock_since, retry_ms;   /* outgoing: when the socket was made, backoff */
	peer_head_t *heads;
	size_t n_heads, cap_heads;
	uint64_t entries_in, entries_out;
} link_t;

typedef struct pull {
	char feed[LD_NODE_ID_MAX + 1];
	link_t *link;
	uint64_t from, want;
	int64_t deadline;
	bool active;
} pull_t;

typedef struct waiter {
	uint8_t rid[LD_RID_MAX];
	size_t rid_len;
	bool delim;
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	int64_t deadline;
} waiter_t;

/* A case passed to this node whose earlier history it asks its links for
 * (history.c). */
typedef struct history_want {
	char case_id[LD_CASE_ID_MAX + 1];
	int64_t next_at;
	int asks;
} history_want_t;

#define LD_MAX_HISTORY 64

struct ld_blobx;

typedef struct ld_node {
	ld_config_t *conf;
	ld_store_t *store;
	ld_key_t *key;
	ld_curve_pair_t curve;
	ld_access_t *access;
	void *ctx, *router, *zap, *api;
	dev_t api_dev;              /* the API socket file bound (ino 0: none), */
	ino_t api_ino;              /* removed at the end if it is still ours */
	int sigfd;
	link_t *links[LD_MAX_LINKS];
	size_t n_links;
	pull_t pulls[LD_MAX_PULLS];
	history_want_t history[LD_MAX_HISTORY];
	size_t n_history;
	waiter_t *waiters;
	size_t n_waiters, cap_waiters;
	int64_t started_ms, storage_retry_at, last_progress_log, index_at, rebind_at, escalate_at;
	int64_t cut_at;             /* close the sockets of cut peers then (0: none) */
	bool stopping, rebind_router, blob_busy;
	bool revoked;               /* the root revoked this node: sign nothing */
	ld_revocation_t revocation; /* by which roster entry, when revoked */
	ld_blobs_t *blobs;          /* evidence files (DATA/blobs) */
	struct ld_blobx *bx;        /* their transfers (blobx.c) */
} ld_node_t;


/* node.c */
int ld_node_open(ld_config_t *conf, ld_node_t **ret);   /* takes conf */
int ld_node_run(ld_node_t *n);
void ld_node_destroy(ld_node_t **n_p);
/* Re-read the roster snapshot; cut off peers no longer in it. */
void ld_node_roster_changed(ld_node_t *n);
/* Learn whether the roster revokes this node (n->revoked, n->revocation). */
void ld_node_check_revoked(ld_node_t *n);
/* After any durable commit that advanced 'feeds': announce, answer waiters. */
void ld_node_committed(ld_node_t *n, const char *const *feeds, size_t n_feeds);
/* Give a down outgoing link a fresh socket: libzmq 4.3 never reconnects a
 * socket whose handshake the peer refused (e.g. not yet in its roster). */
void ld_node_redial(ld_node_t *n, link_t *l);

/* link.c: the peer protocol */
link_t *ld_link_new(ld_node_t *n, const char *peer, bool outgoing);
void ld_link_free(link_t *l);
int ld_link_send(ld_node_t *n, link_t *l, const Ld__Frame *f);
/* Send a prepared frame; 'msg' is consumed on success. -EAGAIN: queue full. */
int ld_link_send_msg(ld_node_t *n, link_t *l, zmq_msg_t *msg);
void ld_link_send_hello(ld_node_t *n, link_t *l, bool reply);
void ld_link_broadcast_have(ld_node_t *n, const char *const *feeds, size_t n_feeds);
/* Read what is waiting on the ROUTER and every DEALER, then ingest. */
void ld_link_receive_all(ld_node_t *n);
void ld_link_schedule_pulls(ld_node_t *n);
/* Send 'l' the entries of 'feed' after the head it announced, unasked and
 * redacted for it as any answer (the root's feed to a peer being revoked:
 * the notice it would otherwise never get). */
void ld_link_send_tail(ld_node_t *n, link_t *l, const char *feed);
void ld_link_timers(ld_node_t *n, int64_t now);
void ld_link_mark_down(ld_node_t *n, link_t *l, const char *why);

/* escalate.c: a command centre's deadline watcher (runs from the loop) */
void ld_escalate_tick(ld_node_t *n, int64_t now);

/* blobx.c: evidence files to and from peers */
int ld_blobx_open(ld_node_t *n);
void ld_blobx_destroy(ld_node_t *n);
void ld_blobx_frame(ld_node_t *n, link_t *l, const Ld__Frame *f);
void ld_blobx_link_down(ld_node_t *n, link_t *l);
/* A BlobChunk frame in the layout this daemon sends, handled without
 * decoding a copy; false if 'data' is not one (decode it normally). */
bool ld_blobx_raw_chunk(ld_node_t *n, link_t *l, const uint8_t *data, size_t size);
/* Serve chunks (after replication's work), time out and retry fetches.
 * True if chunks wait to be sent now (poll without sleeping). */
bool ld_blobx_tick(ld_node_t *n, int64_t now);
/* Report on (and with 'start', start or keep alive) the fetch of the file
 * of evidence record (feed, seq) into *out (pointers valid until the next
 * call). 0, or -errno with a message for the operator in 'msg'. */
int ld_blobx_api(ld_node_t *n, const char *feed, uint64_t seq, bool start, Ld__ApiBlob *out,
		 char *msg, size_t msglen);

/* history.c: a case's earlier history for the unit it was passed to */
/* Ask every link for case 'case_id's history now (and a few times more). */
void ld_history_want(ld_node_t *n, const char *case_id);
/* Ask again where due; forget requests asked often enough. */
void ld_history_tick(ld_node_t *n, int64_t now);
/* Answer a peer's CaseHistory with the entries it may have. */
void ld_history_serve(ld_node_t *n, link_t *l, const Ld__CaseHistory *m);
/* Fill in the payloads of held redacted entries from a CaseEntries answer. */
void ld_history_receive(ld_node_t *n, link_t *l, const Ld__CaseEntries *m);

/* zap.c */
void ld_zap_handle(ld_node_t *n);

/* api.c */
void ld_api_handle(ld_node_t *n);
void ld_api_check_waiters(ld_node_t *n, bool all_expired_only);

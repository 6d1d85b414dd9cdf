/* server/node.h: liandongd's node: one store, one signing key, peer links
 * over ZeroMQ/CurveZMQ, a ZAP handler, a local API. Single-threaded: one
 * zmq_poll loop owns everything, so no locks. Internal to server/.
 *
 * The node is what every module works on; each module owns its part of it
 * (see its header): links (peer.h), heads and pulls (sync.h), the ingest
 * round (ingest.h), what a commit calls for (outbox.h), API waiters
 * (api.h), case histories (history.h), evidence transfers (blobx.h). This
 * file owns opening, the loop and roster changes.
 *
 * A node can be made without sockets (ld_node_new()) and driven by hand,
 * its output caught by a tap: what unit tests and fuzzers do.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include "common/domain/access.h"
#include "common/store/blob.h"
#include "common/conf/config.h"
#include "common/crypto/curve.h"
#include "common/domain/revocation.h"
#include "common/store/store.h"
#include "common/views/views.h"
#include "common/base/timeutil.h"
#include "server/api.h"
#include "server/conns.h"
#include "server/history.h"
#include "server/outbox.h"
#include "server/peer.h"
#include "server/stats.h"
#include "server/sync.h"

struct ld_blobx;
struct ld_round;

/* Where a node's output goes instead of its sockets (tests, fuzzers). */
typedef struct ld_node_tap {
	/* A frame for link 'l' (borrowed bytes). 0, or -errno as a send
	 * would fail (-EAGAIN: the link's queue is full). */
	int (*frame)(void *ud, link_t *l, const void *data, size_t len);
	/* An answer to API client 'rid' (borrowed bytes). */
	void (*answer)(void *ud, const uint8_t *rid, size_t rid_len, const void *data, size_t len);
	void *ud;
} ld_node_tap_t;

struct ld_node {
	ld_config_t *conf;
	ld_store_t *store;
	ld_key_t *key;
	ld_curve_pair_t curve;
	ld_access_t *access;
	void *ctx, *router, *zap, *api;
	dev_t api_dev; /* the API socket file bound (ino 0: none), */
	ino_t api_ino; /* removed at the end if it is still ours */
	void *api_ro;  /* the read-only API ([node] api_ro), or NULL */
	dev_t api_ro_dev;
	ino_t api_ro_ino;
	int sigfd;
	ld_node_tap_t tap; /* frame/answer set: output goes there */
	link_t *links[LD_MAX_LINKS];
	size_t n_links;
	size_t n_held;		    /* frames held by links for later turns (peer.h) */
	ld_conns_bounds_t bounds;   /* of connections (conns.h), from the fd limit */
	ld_conns_t *conns;	    /* the ROUTER's connections, or NULL */
	void *conns_mon;	    /* their monitor socket (owned by conns) */
	pull_t pulls[LD_MAX_PULLS]; /* in flight: the first n_pulls */
	size_t n_pulls;
	struct ld_round *round; /* Entries frames for this turn's commit */
	ld_outbox_t *outbox;	/* what commits call for, done once per turn */
	history_want_t history[LD_MAX_HISTORY];
	size_t n_history;
	waiter_t *waiters;
	size_t n_waiters, cap_waiters;
	int64_t started_ms; /* wall clock: a date the API reports */
	/* Monotonic times (clock.h) when something is due. */
	int64_t storage_retry_at, last_progress_log, index_at, rebind_at, escalate_at, monitor_at;
	int64_t busy_at; /* the poll last found something to read */
	int64_t cut_at;	 /* close the sockets of cut peers then (0: none) */
	bool stopping, rebind_router, blob_busy;
	bool revoked;		    /* the root revoked this node: sign nothing */
	ld_revocation_t revocation; /* by which roster entry, when revoked */
	ld_blobs_t *blobs;	    /* evidence files (DATA/blobs) */
	ld_stats_t stats;	    /* counters for operators (stats.h) */
	struct ld_blobx *bx;	    /* their transfers (blobx.c) */
};

/* A node without sockets: identity, store, roster, evidence files, the
 * configured peers' links (not connected). Takes conf. On failure logs why
 * and returns -errno. Caller owns *ret (ld_node_destroy). */
int ld_node_new(ld_config_t *conf, ld_node_t **ret);

/* Bind and connect: ZAP, the peer ROUTER, the API socket (and the
 * read-only one if configured), the DEALERs to
 * configured peers, SIGTERM/SIGINT. On failure logs why; -errno. */
int ld_node_listen(ld_node_t *n);

/* ld_node_new() then ld_node_listen(): what liandongd runs. */
int ld_node_open(ld_config_t *conf, ld_node_t **ret);

/* The loop, until SIGTERM or SIGINT. 0, or -errno if polling failed. */
int ld_node_run(ld_node_t *n);

/* Close everything; sets *n_p = NULL. Safe on NULL. */
void ld_node_destroy(ld_node_t **n_p);

/* Send output to 'tap' (copied) instead of the sockets. */
void ld_node_set_tap(ld_node_t *n, const ld_node_tap_t *tap);

/* Do what the outbox holds: roster, announcements and waiters, case
 * histories. The loop calls it once per turn; so do tests driving a node. */
void ld_node_drain(ld_node_t *n);

/* Run every timer due at 'now' (ld_mono_ms()); 'idle' if the poll found
 * nothing to read (index slices run only then, after 100 ms of quiet). */
void ld_node_timers(ld_node_t *n, int64_t now, bool idle);

/* When the loop next has a timer due (monotonic ms; INT64_MAX: none). */
int64_t ld_node_next_due(const ld_node_t *n);

/* Re-read the roster snapshot; cut off peers no longer in it. */
void ld_node_roster_changed(ld_node_t *n);

/* Learn whether the roster revokes this node (n->revoked, n->revocation). */
void ld_node_check_revoked(ld_node_t *n);

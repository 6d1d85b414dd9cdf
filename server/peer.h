/* server/peer.h: links to peers, the transport under the peer protocol.
 *
 * One link per peer. An outgoing link is our DEALER to a configured peer (a
 * CURVE client pinning the peer's key); an incoming one is a routing id on
 * our ROUTER, attributed by ZAP to a roster member. This module owns the
 * links and their sockets: connecting and redialling, sending a frame,
 * draining what arrived (each frame to the handler the caller gives),
 * marking a link down. It is the bottom of the peer files and calls none of
 * them: what a link's life means to the protocol (a Hello when it comes up,
 * its pulls and transfers ended when it goes) is links.c's; what frames mean
 * is frame.c's dispatch table.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "common/conf/config.h"
#include "wire.pb-c.h"

#define LD_FRAME_MAX (8u << 20) /* largest ZeroMQ message accepted from anyone */
#define LD_MAX_LINKS 256
#define LD_RID_MAX 256
#define LD_LINK_FORGET_MS 60000 /* an incoming link down this long is forgotten */
#define LD_REDIAL_MIN_MS 2000	/* backoff of an outgoing link's redials */
#define LD_REDIAL_MAX_MS 30000
#define LD_TURN_FRAMES 32	  /* frames of one link handled per loop turn */
#define LD_HELD_MAX 256		  /* frames of one link read but kept for later turns */
#define LD_HELD_BYTES (32u << 20) /* and their bytes */
#define LD_CLOCK_SKEW_MS 60000	  /* clocks differing more than this: an alert */
#define LD_CLOCK_HELLO_MS 10000	  /* an up link's clocks compared this often */

typedef struct ld_node ld_node_t;
struct peer_head;

typedef struct link {
	char peer[LD_NODE_ID_MAX + 1];
	bool outgoing;		 /* our DEALER to a configured peer */
	void *sock;		 /* that DEALER; NULL for incoming links */
	uint8_t rid[LD_RID_MAX]; /* routing id on our ROUTER (incoming) */
	size_t rid_len;
	const ld_peer_conf_t *conf; /* outgoing only */
	bool up;
	bool cut;  /* revoked: never used again */
	bool lost; /* went down; ld_links_settle() not yet run */
	/* Monotonic times (clock.h): last frame in, last frame out, last
	 * Hello, last ping tried, when it went down. */
	int64_t last_rx, last_tx, last_hello, ping_at, down_since;
	int64_t sock_since, retry_ms; /* outgoing: last (re)dial, backoff */
	struct peer_head *heads;      /* what it announced (sync.c) */
	size_t n_heads, cap_heads;
	uint64_t entries_in, entries_out;
	/* Its wall clock minus ours at its last Hello (its transit counts as
	 * its clock being behind), if it said; whether the difference past
	 * LD_CLOCK_SKEW_MS was logged (once until it is back within). */
	int64_t clock_offset_ms;
	int64_t clock_at; /* monotonic: our last Hello of the clock only */
	bool has_clock, skew_logged;
	/* Incoming: frames read from the ROUTER past this turn's share, for
	 * the next turns (a ring of LD_HELD_MAX, allocated when first
	 * needed), and the frames handled this turn. */
	zmq_msg_t *held;
	size_t held_head, n_held, held_bytes;
	unsigned turn_frames;
} link_t;

/* When the last ping was due to count from: the last frame sent or ping
 * tried, whichever is later (monotonic ms). */
static inline int64_t ld_link_ping_base(const link_t *l)
{
	return l->last_tx > l->ping_at ? l->last_tx : l->ping_at;
}

/* A new link to 'peer' owned by the node (n->links); NULL if there are
 * LD_MAX_LINKS already or no memory. */
link_t *ld_link_new(ld_node_t *n, const char *peer, bool outgoing);

/* Close its socket, drop what it held, and free it (the caller removes it
 * from n->links). */
void ld_link_free(ld_node_t *n, link_t *l);

/* Send frame 'f' to 'l' without blocking. 0, -EAGAIN if the link's queue is
 * full, -ENOTCONN without a socket, or another -errno. */
int ld_link_send(ld_node_t *n, link_t *l, const Ld__Frame *f);

/* Send a prepared frame; 'msg' is consumed on success. As ld_link_send(). */
int ld_link_send_msg(ld_node_t *n, link_t *l, zmq_msg_t *msg);

/* 'l' is down for reason 'why' (logged). Its pulls and transfers end at
 * the next ld_links_settle() (links.h), before it can come up again. */
void ld_link_mark_down(ld_node_t *n, link_t *l, const char *why);

/* Options every peer socket gets: queue and message limits, ZMTP
 * heartbeats, reconnect backoff. */
void ld_peer_sockopts(ld_node_t *n, void *s);

/* Give every outgoing link that has no socket one (logs why not). */
void ld_peer_connect_all(ld_node_t *n);

/* Give a down outgoing link a fresh socket: libzmq 4.3 never reconnects a
 * socket whose handshake the peer refused (e.g. not yet in its roster). */
void ld_peer_redial(ld_node_t *n, link_t *l);

/* What the receiver does with what arrives: handle() gets each message
 * from an authenticated member (borrowed for the call); full() says the
 * ingest round can take no more this turn. */
typedef struct ld_peer_rx {
	void (*handle)(ld_node_t *n, link_t *l, const void *data, size_t size);
	bool (*full)(const ld_node_t *n);
} ld_peer_rx_t;

/* Read what waits on the ROUTER and every DEALER, each message to
 * rx->handle(), until nothing waits or rx->full() (the rest stays queued in
 * ZeroMQ for the next turn). Each link gets LD_TURN_FRAMES frames handled
 * a turn, so no member starves the others: a DEALER's extra frames stay in
 * its socket; what the ROUTER gives past a link's share is held for the
 * next turns, in order (LD_HELD_MAX, LD_HELD_BYTES; beyond, dropped). A
 * frame is handled only if its connection is within the bounds of conns.h;
 * an incoming member has at most LD_CONN_PER_MEMBER links. */
void ld_peer_receive(ld_node_t *n, const ld_peer_rx_t *rx);

/* Are frames held for the next turn (the loop must not sleep)? */
bool ld_peer_held(const ld_node_t *n);

/* When the link timers (ld_links_timers(), links.h) next have something to
 * do (INT64_MAX: never). */
int64_t ld_peer_next_due(const ld_node_t *n);

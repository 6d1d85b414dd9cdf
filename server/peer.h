/* server/peer.h: links to peers, the transport under the peer protocol.
 *
 * One link per peer. An outgoing link is our DEALER to a configured peer (a
 * CURVE client pinning the peer's key); an incoming one is a routing id on
 * our ROUTER, attributed by ZAP to a roster member. This module owns the
 * links and their sockets: connecting and redialling, sending a frame,
 * draining what arrived (each frame to ld_frame_handle(), frame.h), up and
 * down, silence and heartbeats. What frames mean is for frame.c's dispatch
 * table and the modules it names.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "common/conf/config.h"
#include "wire.pb-c.h"

#define LD_FRAME_MAX (8u << 20)   /* largest ZeroMQ message accepted from anyone */
#define LD_MAX_LINKS 256
#define LD_RID_MAX 256

typedef struct ld_node ld_node_t;
struct peer_head;

typedef struct link {
	char peer[LD_NODE_ID_MAX + 1];
	bool outgoing;                /* our DEALER to a configured peer */
	void *sock;                   /* that DEALER; NULL for incoming links */
	uint8_t rid[LD_RID_MAX];      /* routing id on our ROUTER (incoming) */
	size_t rid_len;
	const ld_peer_conf_t *conf;   /* outgoing only */
	bool up;
	bool cut;                     /* revoked: never used again */
	/* Monotonic times (clock.h): last frame in, last frame out, last
	 * Hello, last ping tried, when it went down. */
	int64_t last_rx, last_tx, last_hello, ping_at, down_since;
	int64_t sock_since, retry_ms;   /* outgoing: last (re)dial, backoff */
	struct peer_head *heads;      /* what it announced (sync.c) */
	size_t n_heads, cap_heads;
	uint64_t entries_in, entries_out;
} link_t;

/* A new link to 'peer' owned by the node (n->links); NULL if there are
 * LD_MAX_LINKS already or no memory. */
link_t *ld_link_new(ld_node_t *n, const char *peer, bool outgoing);

/* Close its socket and free it (the caller removes it from n->links). */
void ld_link_free(link_t *l);

/* Send frame 'f' to 'l' without blocking. 0, -EAGAIN if the link's queue is
 * full, -ENOTCONN without a socket, or another -errno. */
int ld_link_send(ld_node_t *n, link_t *l, const Ld__Frame *f);

/* Send a prepared frame; 'msg' is consumed on success. As ld_link_send(). */
int ld_link_send_msg(ld_node_t *n, link_t *l, zmq_msg_t *msg);

/* Frame 'f' came from 'l': the link is up (a Hello asking for one is
 * answered with ours; a peer that restarted loses what we asked of it). */
void ld_link_heard(ld_node_t *n, link_t *l, const Ld__Frame *f);

/* 'l' is down for reason 'why' (logged): its pulls and transfers end. */
void ld_link_mark_down(ld_node_t *n, link_t *l, const char *why);

/* Options every peer socket gets: queue and message limits, ZMTP
 * heartbeats, reconnect backoff. */
void ld_peer_sockopts(ld_node_t *n, void *s);

/* Give every outgoing link that has no socket one (logs why not). */
void ld_peer_connect_all(ld_node_t *n);

/* Give a down outgoing link a fresh socket: libzmq 4.3 never reconnects a
 * socket whose handshake the peer refused (e.g. not yet in its roster). */
void ld_peer_redial(ld_node_t *n, link_t *l);

/* Read what waits on the ROUTER and every DEALER, each frame to
 * ld_frame_handle(), until nothing waits or the ingest round is full
 * (the rest stays queued in ZeroMQ for the next turn). */
void ld_peer_receive(ld_node_t *n);

/* Silence, redials, Hellos while connecting, pings, forgetting incoming
 * links gone a minute; 'now' is ld_mono_ms(). */
void ld_peer_timers(ld_node_t *n, int64_t now);

/* When ld_peer_timers() next has something to do (INT64_MAX: never). */
int64_t ld_peer_next_due(const ld_node_t *n);

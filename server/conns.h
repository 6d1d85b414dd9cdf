/* server/conns.h: the TCP connections of the peer ROUTER, and the bounds
 * that keep the network from exhausting the node.
 *
 * libzmq accepts every connection and tells nobody but a socket monitor, so
 * this module watches the ROUTER's monitor: each accepted connection is
 * known by its descriptor (ZMQ_EVENT_ACCEPTED) until it closes
 * (ZMQ_EVENT_DISCONNECTED). A connection is "pending" until a frame
 * arrives on it from an admitted member (ZMQ_SRCFD names its descriptor),
 * then it is that member's. The bounds:
 *  - pending connections from one address: LD_CONN_PER_ADDR; from all:
 *    the node's pending budget (at most LD_CONN_PENDING_MAX, less when the
 *    descriptor limit is low). Beyond either, the oldest pending one goes,
 *    so a flood costs its sender its own connections, and a member's
 *    handshake, which takes milliseconds, still completes;
 *  - a connection with no frame from a member a few heartbeats after the
 *    handshake time is closed (libzmq itself drops an unfinished handshake
 *    after LD_HANDSHAKE_MS); one whose member has sent nothing for twice
 *    the peer timeout (at least LD_CONN_IDLE_MS) is closed too;
 *  - a member has at most LD_CONN_PER_MEMBER connections: ZAP refuses its
 *    key beyond that, and a connection past it that still gets through is
 *    closed at its first frame.
 * Closing is shutdown(2) on the descriptor, after checking it is still the
 * connection we think (its local port is the ROUTER's, its peer the
 * address accepted): libzmq sees the end of the stream and closes it
 * itself. The descriptor limit is raised to its hard limit at start, and
 * libzmq's socket count capped, so what is left (the store, the local API
 * and its clients, evidence files, our own dials) keeps its headroom.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LD_HANDSHAKE_MS 5000	 /* libzmq drops a handshake not done by then */
#define LD_CONN_IDLE_MS 30000	 /* least silence of a member's connection that closes it */
#define LD_CONN_PER_ADDR 32	 /* pending connections from one address */
#define LD_CONN_PENDING_MAX 1024 /* pending connections from everyone */
#define LD_CONN_PER_MEMBER 4	 /* connections of one member */
#define LD_CONN_MEMBERS_MAX 1024 /* connections of all members */
#define LD_FD_RESERVE 512	 /* descriptors kept for everything else */
#define LD_ZMQ_SOCKETS_MAX 320	 /* libzmq sockets (ZMQ_MAX_SOCKETS) */

typedef struct ld_node ld_node_t;
typedef struct ld_conns ld_conns_t;

/* The bounds a node runs with (ld_conns_fd_limit() and the config). */
typedef struct ld_conns_bounds {
	size_t pending_max; /* pending connections from everyone */
	size_t members_max; /* connections of all members */
	int64_t first_ms;   /* no member frame by then: closed */
	int64_t idle_ms;    /* a member's connection silent this long: closed */
} ld_conns_bounds_t;

/* Raise the soft descriptor limit to the hard one and fill in the
 * connection budgets of 'b' it leaves, with 'n_out_peers' dials of our own
 * (logged, with a warning when the limit is low). Call once, before the
 * ZeroMQ context opens sockets. */
void ld_conns_fd_limit(size_t n_out_peers, ld_conns_bounds_t *b);

/* Watch the ROUTER 'router' (bound, in context 'ctx') with bounds 'b'
 * (copied): *ret_mon is the monitor socket the caller polls, owned by the
 * returned object. Caller owns *ret (ld_conns_destroy). 0 or -errno. */
int ld_conns_new(void *ctx, void *router, const ld_conns_bounds_t *b, ld_conns_t **ret,
		 void **ret_mon);

/* Close the monitor, forget every connection; *c_p = NULL. Safe on NULL. */
void ld_conns_destroy(ld_conns_t **c_p);

/* Read the monitor's events (at most a bounded number per call) and apply
 * the address and pending bounds. */
void ld_conns_events(ld_conns_t *c);

/* Is there more to read on the monitor than one call took? */
bool ld_conns_busy(const ld_conns_t *c);

/* A frame from member 'member' arrived on descriptor 'fd' (ZMQ_SRCFD; -1
 * unknown). false if it must be dropped: the connection is past the
 * member's bound (then it is closed, and logged). */
bool ld_conns_heard(ld_conns_t *c, int fd, const char *member);

/* May member 'member' open one more connection (asked by ZAP)? */
bool ld_conns_member_room(const ld_conns_t *c, const char *member);

/* Close connections past their deadlines; 'now' is ld_mono_ms(). */
void ld_conns_timers(ld_conns_t *c, int64_t now);

/* When ld_conns_timers() next has something to do (INT64_MAX: never). */
int64_t ld_conns_next_due(const ld_conns_t *c);

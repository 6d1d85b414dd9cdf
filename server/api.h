/* server/api.h: the local API on the node's ipc:// socket (api.proto).
 *
 * Requests from the `liandong` tool arrive on a ROUTER as [routing id]
 * [empty][ApiRequest]. Requests read together are answered together, and
 * the appends among them are signed and committed together (group commit).
 * A WAIT is answered right after the commit that makes it true, or at its
 * timeout (monotonic clock). api.c reads the socket and dispatches;
 * api_status.c, api_views.c and api_search.c answer the reads.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/feed/entry.h"
#include "server/peer.h"

/* The most items one API_APPEND request may carry (check_only too): more
 * is refused whole (LD_ETOOBIG), nothing signed, the limit in the message.
 * Signing and judging cost ~0.1 ms an item on a shared 2-vCPU machine, so
 * one request at the limit holds the loop under half a second. */
#define LD_API_APPEND_MAX 4096
/* One turn of the loop stops reading API requests once those in hand carry
 * this many append items (the rest wait in the socket for the next turn,
 * after peers and timers): at most 2 * LD_API_APPEND_MAX - 1 items, about
 * one second of work, are signed between two looks at everything else. */
#define LD_API_TURN_ITEMS LD_API_APPEND_MAX

/* Who asked: the API socket's routing id, and whether it sent the empty
 * delimiter frame of REQ-style clients (then the answer carries one too);
 * 'ro': it asked on the read-only socket ([node] api_ro), which answers
 * reads only and is where its answer goes. */
typedef struct ld_api_client {
	uint8_t rid[LD_RID_MAX];
	size_t rid_len;
	bool delim;
	bool ro;
} ld_api_client_t;

/* One request as it arrived: its client and bytes (borrowed). */
typedef struct ld_api_msg {
	ld_api_client_t c;
	const void *data;
	size_t len;
} ld_api_msg_t;

/* A WAIT request not yet true. */
typedef struct waiter {
	ld_api_client_t c;
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	int64_t deadline; /* monotonic */
} waiter_t;

/* Read the requests waiting on API socket 'sock' (n->api, or n->api_ro
 * with 'ro'), at most LD_API_TURN_ITEMS append items' worth, and serve
 * them as ld_api_serve() does. */
void ld_api_handle(ld_node_t *n, void *sock, bool ro);

/* Is a request of 'type' refused on the read-only socket? Those that sign
 * (append, even check-only), rebuild views (reindex) or fetch or reveal
 * evidence files (blob); unknown types too. */
bool ld_api_ro_refused(uint32_t type);

/* Answer 'count' requests that arrived together (each gets one answer, a
 * WAIT possibly later); appends among them are signed in one commit, one
 * of more than LD_API_APPEND_MAX items refused without being decoded. */
void ld_api_serve(ld_node_t *n, const ld_api_msg_t *msgs, size_t count);

/* Answer the waiters whose entry is now held ('expired_only': only those
 * whose time is up, with a timeout or the entry if it came after all). */
void ld_api_check_waiters(ld_node_t *n, bool expired_only);

/* The earliest waiter deadline (INT64_MAX: none). */
int64_t ld_api_next_due(const ld_node_t *n);

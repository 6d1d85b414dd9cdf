/* tests/unit/nodeutil.h: a real liandongd node in the test's process, for
 * unit tests of the daemon's logic (server/ linked as a library).
 *
 * The node is made with ld_node_new(): real keys and config files in a
 * temporary directory, a real LMDB store, the real roster (entries of a
 * root feed), but no sockets. Frames a test delivers go through the same
 * dispatch table as frames from the network (ld_frame_handle); what the
 * node sends is caught by a tap and decoded, so a test asserts on the very
 * frames a peer would receive. The monotonic clock the daemon's timers read
 * is the test's (nu_advance), so timeouts and backoff are tested without
 * sleeping. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/node.h"
#include "testutil.h"
#include "wire.pb-c.h"

#define NU_SENT_MAX 4096

/* A frame the node sent: to whom, decoded, and its bytes. */
typedef struct nu_sent {
	char peer[LD_NODE_ID_MAX + 1];
	Ld__Frame *f;
	uint8_t *raw;
	size_t len;
} nu_sent_t;

typedef struct nu {
	char *dir;
	ld_node_t *n;
	nu_sent_t sent[NU_SENT_MAX];
	size_t n_sent;
	int send_result; /* what the tap returns for frames (0: sent) */
} nu_t;

/* Roster helper: the next root entry adding 'id' with key 'pub', kind
 * (enum ld.NodeKind) and superior (NULL: none, for the root itself). */
ld_entry_t *nu_roster_add(tu_node_t *root, const char *id, const uint8_t *pub, uint32_t kind,
			  const char *superior);

/* Make node 'self' (its key is written to a file) for root 'root' in a new
 * temporary directory; 'extra' is appended to the config file (sections
 * such as "[sync]\ncredit = 3\n"), may be NULL. Roster entries 'roster'
 * (the root's first entries) are stored and the roster re-read. Aborts the
 * test on failure. */
nu_t *nu_new(const tu_node_t *self, const tu_node_t *root, ld_entry_t *const *roster,
	     size_t n_roster, const char *extra);

/* Destroy the node and remove its directory. Safe on NULL. */
void nu_free(nu_t **u_p);

/* Close the node and open it again on the same data (a restart). */
void nu_restart(nu_t *u);

/* An incoming link from roster member 'peer' (not up until a frame arrives). */
link_t *nu_link(nu_t *u, const char *peer);

/* Deliver frame 'f' on link 'l' as the network would (packed, then through
 * ld_frame_handle). */
void nu_deliver(nu_t *u, link_t *l, const Ld__Frame *f);

/* Deliver raw bytes on link 'l'. */
void nu_deliver_raw(nu_t *u, link_t *l, const void *data, size_t len);

/* The rest of a loop turn: the ingest round, pull scheduling, the outbox. */
void nu_turn(nu_t *u);

/* A link up: a Hello from it with no heads (its Hello to us is caught). */
link_t *nu_link_up(nu_t *u, const char *peer);

/* Announce heads: a Have from 'l' with (feed, seq, id) for each entry
 * given (its author, seq, id), then a turn. */
void nu_have(nu_t *u, link_t *l, ld_entry_t *const *heads, size_t n);

/* An Entries frame of 'feed' from 'from_seq' carrying entries (wire-encoded
 * with payloads), 'last' set as given, delivered on 'l', then a turn. */
void nu_entries(nu_t *u, link_t *l, const char *feed, uint64_t from_seq, ld_entry_t *const *run,
		size_t n, bool last);

/* Same, with the wire bytes of each entry given (for tampered entries). */
void nu_entries_raw(nu_t *u, link_t *l, const char *feed, uint64_t from_seq,
		    ProtobufCBinaryData *bins, size_t n, bool last);

/* The i-th frame (0-based) of body 'body' (LD__FRAME__BODY_*) sent to
 * 'peer' since the last nu_clear (NULL: any peer), or NULL. */
const nu_sent_t *nu_find(const nu_t *u, const char *peer, unsigned body, size_t i);

/* How many frames of body 'body' went to 'peer' (NULL: anyone). */
size_t nu_count(const nu_t *u, const char *peer, unsigned body);

/* Forget the frames caught so far. */
void nu_clear(nu_t *u);

/* The test's monotonic clock: now, and moving it on (ms). */
int64_t nu_now(void);
void nu_advance(int64_t ms);

/* Head seq of 'feed' in the node's store (0 if none). */
uint64_t nu_head(const nu_t *u, const char *feed);

/* client/web/hub.h: what liandong-web knows of its daemon, and the events
 * it pushes to browsers (Server-Sent Events on /events).
 *
 * One watcher thread asks the daemon (read-only API) for its status every
 * 200 ms. When the feed heads (or the peers' up/down states) differ from
 * the last answer, it publishes a `change` event {"as_of_ms", "heads"};
 * when the daemon stops or starts answering, a `daemon` event {"up",
 * "since_ms"}. A deadline of the command view passing (an acknowledgement
 * or an answer due) also publishes a `change`, at that moment: the watcher
 * reads the view (at most every 2 s) to learn the next one. Events are
 * coalesced: a client that is slow gets the latest of each kind. Every SSE
 * client thread waits on the hub's condition variable; none polls. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/web/upstream.h"

typedef struct hub hub_t;

/* A new hub reading through 'u' (borrowed; must outlive the hub). Caller
 * owns *ret (hub_destroy). 0 or -errno. */
int hub_new(upstream_t *u, hub_t **ret);

/* Start the watcher thread. 0 or -errno. */
int hub_start(hub_t *h);

/* Stop the watcher and wake every waiting client: their streams end. */
void hub_stop(hub_t *h);

/* hub_stop(), then free (after the HTTP server stopped: no client may be
 * waiting any more); sets *h_p = NULL. Safe on NULL. */
void hub_destroy(hub_t **h_p);

/* Is the daemon answering, and since when (Unix ms)? */
bool hub_up(hub_t *h, int64_t *ret_since_ms);

/* The latest status answer's heads digest (hex, 64 chars + NUL) and when
 * it was read (Unix ms; 0: never). */
void hub_heads(hub_t *h, char digest[65], int64_t *ret_as_of_ms);

/* Where one SSE client is in the stream of events. Zeroed: at the start
 * (it gets the current `daemon` and `change` state first). */
typedef struct hub_pos {
	uint64_t change_gen, daemon_gen;
} hub_pos_t;

/* Wait up to 'wait_ms' for an event 'pos' has not had, and write it as SSE
 * text ("event: ...\ndata: ...\n\n") into buf (size n). Returns its
 * length; 0 if nothing came in time (the caller sends a ping); -1 if the
 * hub is stopping (end the stream). */
int hub_next(hub_t *h, hub_pos_t *pos, char *buf, size_t n, int wait_ms);

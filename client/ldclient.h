/* client/ldclient.h: a small client library for a node's local API.
 *
 * One synchronous request at a time over a DEALER socket to the daemon's
 * ipc:// endpoint, with a timeout, so a dead daemon is reported, not waited
 * for forever. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.pb-c.h"

typedef struct ldc ldc_t;

/* Connect to the API endpoint 'endpoint' (e.g. "ipc:///run/liandong/x.sock").
 * Caller owns *ret. 0 or -errno. Connecting succeeds even if no daemon is
 * there yet; the first request then times out with -ETIMEDOUT. To fail at
 * once instead, ldc_probe() first. */
int ldc_open(const char *endpoint, ldc_t **ret);

/* Is a daemon listening at 'endpoint'? Never blocks. 0: something listens on
 * the ipc:// socket (or it cannot be told: tcp://, abstract ipc://@name);
 * -ENOENT: no socket file; -ECONNREFUSED: a socket nobody listens on (left
 * by a daemon that was killed); -EACCES or -EPERM: this user may not connect,
 * and 'why' (size n) says whose the socket or its refusing directory is and
 * its mode, e.g. "its directory /run/liandong: owner root, mode 0700";
 * -ENOTSOCK: a file that is not a socket; another -errno otherwise. */
int ldc_probe(const char *endpoint, char *why, size_t n);

/* Close; sets *c_p = NULL. Safe on NULL and twice. */
void ldc_destroy(ldc_t **c_p);

/* Send 'req' and wait up to timeout_ms for the answer. On success *ret_resp
 * is the decoded answer (caller frees with ld__api_response__free_unpacked(.., NULL)),
 * which may still say !ok. -ETIMEDOUT if the daemon did not answer (then the
 * connection is reset so a late answer cannot be mistaken for the next one). */
int ldc_call(ldc_t *c, const Ld__ApiRequest *req, int timeout_ms, Ld__ApiResponse **ret_resp);

/* Append n items to the node's own feed in one commit. On success ret_refs
 * (n elements, may be NULL) get feed/seq/id. Returns 0, the daemon's error
 * code (message in *ret_msg if not NULL, caller frees), or -ETIMEDOUT. */
typedef struct ldc_ref {
	char feed[65];
	uint64_t seq;
	uint8_t id[32];
} ldc_ref_t;
int ldc_append(ldc_t *c, const Ld__AppendItem *const *items, size_t n, ldc_ref_t *ret_refs,
	       char **ret_msg);

/* Would the daemon append these items? It checks them as for an append
 * (input, audience, the case and action rules) and signs nothing. 0, or
 * the error an append would give (message in *ret_msg, caller frees). */
int ldc_check(ldc_t *c, const Ld__AppendItem *const *items, size_t n, char **ret_msg);

/* Wait until the node holds (feed, seq). 0, -ETIMEDOUT, or the daemon's error. */
int ldc_wait(ldc_t *c, const char *feed, uint64_t seq, int timeout_ms);

/* The node's status; caller frees *ret. 0 or -errno. */
int ldc_status(ldc_t *c, Ld__ApiResponse **ret);

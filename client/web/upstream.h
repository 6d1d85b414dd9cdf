/* client/web/upstream.h: liandong-web's connections to its daemon, over the
 * READ-ONLY local API socket only ([node] api_ro): a small pool of
 * ldclient connections shared by the HTTP threads (one request at a time
 * on each; the daemon answers one at a time anyway). Thread-safe. */
#pragma once

#include "api.pb-c.h"

typedef struct upstream upstream_t;

/* A pool of at most 'max' connections to 'endpoint'. Caller owns *ret
 * (upstream_destroy). 0 or -errno. */
int upstream_new(const char *endpoint, unsigned max, upstream_t **ret);

/* Close every connection; sets *u_p = NULL. Safe on NULL. */
void upstream_destroy(upstream_t **u_p);

/* Send 'req' and wait up to timeout_ms for the answer. A socket that no
 * daemon listens on fails at once (-ENOENT, -ECONNREFUSED), a daemon that
 * does not answer with -ETIMEDOUT. On success the caller owns *ret
 * (ld__api_response__free_unpacked), which may still say !ok. */
int upstream_call(upstream_t *u, const Ld__ApiRequest *req, int timeout_ms, Ld__ApiResponse **ret);

/* The same for a request of 'type' with no fields. */
int upstream_simple(upstream_t *u, uint32_t type, int timeout_ms, Ld__ApiResponse **ret);

/* client/web/http.h: liandong-web's HTTP side (libmicrohttpd, a thread per
 * connection): the wall's assets, the JSON documents the CLI prints
 * (/api/view, /api/roster, /api/case/ID, /api/action/ID, /api/status),
 * Server-Sent Events (/events), /metrics and /healthz. GET and HEAD only.
 * With accounts, every request needs HTTP Basic credentials. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "client/web/auth.h"
#include "client/web/hub.h"
#include "client/web/regions.h"
#include "client/web/upstream.h"

typedef struct web {
	const char *node_id;
	char zone[64];	/* the zone's name, for the documents */
	upstream_t *up; /* the read-only API */
	hub_t *hub;
	accounts_t *acc; /* NULL: no authentication (loopback only) */
	regions_t *rg;
	int64_t started_ms;
} web_t;

typedef struct web_http web_http_t;

/* Serve 'w' (borrowed) on 'addr' (IPv4 or IPv6); with TLS if cert_pem and
 * key_pem (PEM text, borrowed until web_http_stop) are given. 0, or -errno
 * after writing why into err (size n). Caller owns *ret. On success
 * *ret_port is the port bound (useful with port 0). */
int web_http_start(web_t *w, const struct sockaddr *addr, const char *cert_pem, const char *key_pem,
		   web_http_t **ret, unsigned *ret_port, char *err, size_t n);

/* Stop serving (waits for the connections' threads); sets *h_p = NULL. */
void web_http_stop(web_http_t **h_p);

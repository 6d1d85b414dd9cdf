/* common/conf/config.h: liandongd's configuration file (INI, parsed with inih).
 *
 *   [node]
 *   id = county-a                     ; this node's id in the roster
 *   data = /var/lib/liandong/county-a ; data directory (LMDB store, evidence files)
 *   key = county-a.key                ; Ed25519 signing key (PEM, mode 0600)
 *   curve = county-a.curve            ; CurveZMQ key pair (mode 0600)
 *   root = root.pub                   ; root authority public key (hex or file)
 *   bind = tcp://127.0.0.1:7401       ; where peers connect (optional)
 *   api = ipc:///run/liandong/x.sock  ; local API (default: see common/apisock.h)
 *   api_ro = ipc:///run/liandong/x-ro.sock ; read-only local API (optional): answers
 *                                     ; reads only, for liandong-web (socket 0660)
 *                                     ; both filesystem ipc:// only: tcp:// and
 *                                     ; abstract ipc://@ are refused (no permissions)
 *   log_level = info                  ; error, warn, info, debug
 *   timezone = Asia/Shanghai          ; zone of dates `liandong` reads and shows
 *                                     ; (default: TZ, else the system's zone)
 *
 *   [peers]
 *   province = tcp://127.0.0.1:7400 [CURVE-PUBLIC-KEY]
 *
 *   [escalation]           ; command centres watch their subtree's deadlines
 *   enabled = auto         ; auto: if the roster says this node is a command centre
 *   interval_s = 30        ; how often deadlines are checked
 *   ack_emergency_min = 30 ; SLAs for dispatches without an explicit deadline
 *   ack_urgent_h = 4
 *   ack_routine_h = 72
 *   answer_days = 15       ; SLA for referrals without an answer-by date
 *
 *   [sync]
 *   credit = 4096          ; most entries asked for in one pull
 *   heartbeat_ms = 1000    ; link heartbeat
 *   peer_timeout_ms = 5000 ; a peer silent this long is down
 *
 *   [evidence]             ; evidence files sent to and fetched from peers
 *   rate_limit_mb = 0      ; MB/s this node sends to all peers together; 0 = no limit
 *   window_kb = 16384      ; bytes of chunks asked for ahead when fetching
 *
 *   [web]                  ; liandong-web, the command wall (read by it, not the daemon)
 *   listen = 127.0.0.1:8480 ; ADDR:PORT; beyond loopback needs the three below
 *   regions = regions.tsv  ; lines CODE<TAB>NAME: region names shown on the wall
 *   tls_cert = web.crt     ; PEM certificate and key (TLS)
 *   tls_key = web.key
 *   accounts = web.accounts ; lines user:role:hash (liandong-web passwd USER)
 *
 * Relative paths are relative to the config file's directory. A peer's curve
 * public key (40 Z85 characters) is needed only until the roster is known.
 * An ipc:// path longer than a Unix socket can hold (107 bytes) is refused
 * here, naming the key, the path and its length; so is a line longer than
 * libinih reads (199 characters in Debian's build), naming the line: give a
 * deep path relative to the config file's directory.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/feed/entry.h"
#include "common/crypto/key.h"

#define LD_MAX_PEERS 64

typedef struct ld_peer_conf {
	char id[LD_NODE_ID_MAX + 1];
	char *endpoint;
	char curve_pub[41]; /* Z85, or "" to take it from the roster */
} ld_peer_conf_t;

typedef struct ld_config {
	char *path;
	char id[LD_NODE_ID_MAX + 1];
	char *data_dir;
	char *key_path;
	char *curve_path;
	uint8_t root_pub[LD_PUBKEY_LEN];
	char *bind; /* NULL: accept no incoming links */
	char *api;
	char *api_ro;	  /* NULL: no read-only API socket */
	char *timezone;	  /* NULL: the system's (or TZ) */
	bool api_default; /* api was not set: computed by ld_api_default() */
	int log_level;	  /* 0 error, 1 warn, 2 info, 3 debug */
	unsigned credit, heartbeat_ms, peer_timeout_ms;
	unsigned evidence_rate_mb, evidence_window_kb;
	int escalate; /* -1 auto, 0 no, 1 yes */
	unsigned escalate_interval_s, sla_ack_emergency_min, sla_ack_urgent_h, sla_ack_routine_h,
		sla_answer_days;
	ld_peer_conf_t peers[LD_MAX_PEERS];
	size_t n_peers;
	/* [web]: liandong-web's settings (paths resolved; NULL when not set). */
	char *web_listen, *web_regions, *web_tls_cert, *web_tls_key, *web_accounts;
} ld_config_t;

/* Load 'path'. On error returns -errno and writes a message naming the file,
 * line and key into 'err' (size 'errsz'). Caller owns *ret_conf. */
int ld_config_load(const char *path, ld_config_t **ret_conf, char *err, size_t errsz);

/* Free; sets *conf_p = NULL. Safe on NULL and twice. */
void ld_config_destroy(ld_config_t **conf_p);

/* Only [node] timezone of the file at 'path', into buf (size n; "" if not
 * set): cheap enough for every run of the tool, no keys read. 0, or -errno
 * if the file cannot be read. */
int ld_config_timezone(const char *path, char *buf, size_t n);

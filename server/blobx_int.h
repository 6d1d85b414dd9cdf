/* server/blobx_int.h: state shared by the evidence file transfer modules:
 * blobx.c (the top: open, close, each turn), blobfetch.c (fetching, the
 * local API, chunk frames) and blobserve.c (serving peers). Internal to server/. */
#pragma once

#include "common/domain/evidence.h"
#include "server/blobx.h"
#include "server/node.h"

#define FETCH_MAX 16
#define SESS_MAX 64
#define SESS_PER_LINK 8
#define WAITERS_MAX 8
#define HOPS_DEFAULT 3
#define OPEN_TIMEOUT_MS 5000
#define STALL_MS 10000
#define RETRY_MS 2000
#define IDLE_DROP_MS 30000
#define SESS_IDLE_MS 60000
#define TICK_BYTES (32u << 20) /* most chunk bytes sent per loop turn */
#define GET_CHUNKS_MAX 256
#define BAD_SOURCE_MS 30000
#define RETRY_SEND_MS 10 /* a blocked or rate-limited send is tried again */

enum fstate { F_OPENING, F_FETCHING, F_WAITING, F_DONE, F_FAILED };

typedef struct fetch {
	bool used;
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	enum fstate state;
	ld_blob_info_t info;
	bool info_known;
	char case_id[LD_CASE_ID_MAX + 1], evid[LD_EVIDENCE_ID_MAX + 1];
	uint8_t *rec_wire; /* the record entry, encoded with its payload */
	size_t rec_len;
	uint32_t req; /* the current BlobOpen round */
	unsigned asked, answered;
	int64_t deadline; /* opening: answers; fetching: next chunk */
	int code;	  /* failed: why */
	char why[512];
	ld_blob_part_t *part;
	link_t *src;
	link_t *bad; /* a source whose chunk failed its check */
	int64_t bad_until;
	uint32_t next_req; /* next chunk to ask for */
	uint64_t received, resumed_from;
	uint64_t rate_bps, rate_bytes;
	int64_t rate_t0, touched;
	bool local; /* a local caller wants it */
	uint32_t hops;
	struct {
		link_t *l;
		uint32_t req;
	} waiters[WAITERS_MAX]; /* relayed BlobOpens to answer */
	size_t n_waiters;
} fetch_t;

typedef struct sess {
	bool used;
	link_t *l;
	uint8_t sha[32];
	ld_blob_t *blob;   /* complete, opened on first use */
	uint32_t from, to; /* chunks asked for and not yet sent */
	int64_t last;
} sess_t;

struct ld_blobx {
	fetch_t f[FETCH_MAX];
	sess_t s[SESS_MAX];
	uint32_t next_req;
	uint8_t *buf;	       /* one chunk (LD_BLOB_CHUNK_MAX) */
	double tokens;	       /* bytes that may be sent now */
	int64_t refill_at;     /* monotonic: tokens counted up to then */
	int64_t tick_at;       /* monotonic: the last serving tick */
	bool blocked, starved; /* then: a queue was full, tokens ran out */
	uint64_t sent, rx;
	size_t rr; /* round robin over sessions */
};

static inline uint64_t rate_limit(const ld_node_t *n)
{
	return (uint64_t)n->conf->evidence_rate_mb * 1000000u;
}

/* blobfetch.c */
fetch_t *bx_fetch_by_sha(ld_node_t *n, const uint8_t sha[32]);
fetch_t *bx_fetch_by_record(ld_node_t *n, const char *feed, uint64_t seq);
/* A free slot, evicting a finished fetch if need be; NULL if none. */
fetch_t *bx_fetch_slot(ld_node_t *n);
void bx_fetch_free(fetch_t *f);
/* Ask every up link (but those the fetch relays for) for the file. */
void bx_fetch_open(ld_node_t *n, fetch_t *f, int64_t now);
void bx_send_refusal(ld_node_t *n, link_t *l, uint32_t req, const uint8_t *sha, int code,
		     const char *reason);
void bx_send_offer(ld_node_t *n, link_t *l, uint32_t req, const uint8_t *rec, size_t rec_len,
		   const ld_blob_info_t *info, const uint8_t *hashes, uint32_t held);

/* Fetches: timeouts, retries, rate; when that next has something to do
 * (INT64_MAX: never); link 'l' went down (fetches from it ask again). */
void bx_fetch_tick(ld_node_t *n, int64_t now);
int64_t bx_fetch_next_due(const ld_node_t *n);
void bx_fetch_link_down(ld_node_t *n, link_t *l);

/* blobserve.c */
/* Send what sessions asked for, within the turn's budget and the rate
 * limit. True if more could be sent now. */
bool bx_serve_tick(ld_node_t *n, int64_t now);
/* When serving next has something to do (INT64_MAX: never). */
int64_t bx_serve_next_due(const ld_node_t *n);
/* Forget the sessions of link 'l' (all of them if NULL). */
void bx_sess_drop_link(ld_node_t *n, link_t *l);

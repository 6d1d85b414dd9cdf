/* server/stats.h: what the daemon counts for its operators (ApiStatus
 * counters, liandong-web's /metrics): entries signed and stored from peers,
 * batches refused by reason, escalations signed, and the bytes its store and
 * evidence files take on disk (measured at most every 10 s). Counters start
 * at zero when the daemon starts. Owned by the node (node.h: n->stats). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define LD_STATS_REASONS 24

typedef struct ld_stats {
	uint64_t entries_signed;   /* this node's own entries committed */
	uint64_t entries_ingested; /* entries from peers stored (new ones) */
	uint64_t escalations;	   /* escalation entries signed */
	uint64_t warnings;	   /* early warnings signed */
	struct {
		int err; /* LD_E* or -errno */
		uint64_t count;
	} refused[LD_STATS_REASONS]; /* batches refused, per reason (first n_refused) */
	size_t n_refused;
	int64_t disk_at; /* monotonic ms of the last disk measure (0: never) */
	uint64_t store_bytes, blob_bytes;
} ld_stats_t;

/* Count a batch from a peer refused with 'err'. */
void ld_stats_refused(ld_stats_t *s, int err);

/* A short name for a refusal reason, as a metric label ("bad_signature"). */
const char *ld_stats_reason(int err);

/* Measure the bytes of the store (regular files in 'data_dir') and of the
 * evidence files ('blob_dir', recursively) if the last measure is older than
 * 10 s at monotonic 'now'. */
void ld_stats_disk(ld_stats_t *s, const char *data_dir, const char *blob_dir, int64_t now);

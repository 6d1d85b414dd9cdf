/* common/views/monitor.h: monitoring stations, their latest readings and
 * the early-warning episodes derived from them (智能预警).
 *
 * A derived index (store_index.h), kept in the transaction that stores each
 * station, readings or warning entry and rebuilt by ld_store_reindex:
 *
 *   m_st    station_id -> be64 author time, packed MonitorStation (latest)
 *   m_conf  station_id -> per parameter: its name, unit and limits, resolved
 *           once from the station and the standards (rewritten only when a
 *           series first appears, its unit changes or the station is
 *           published again)
 *   m_last  station_id -> per parameter (same slots as m_conf): the latest
 *           valid reading, the jump baseline, which rules are in a run
 *           (32 bytes): a checkpoint, written when a run starts or ends and
 *           at least every 16 readings entries; the state between lives in
 *           memory and is replayed from the feed (monitor_int.h)
 *   m_ep    station_id \0 param \0 rule -> the episode: its first reading,
 *           the latest warning (written when a run starts, ends, is warned)
 *   m_due   station_id \0 param \0 rule -> (empty): an episode without its
 *           warning yet; the station's unit signs one (server/monitor.c)
 *   m_rdt   be64 hour, station_id \0 be64 start_ms be64 seq -> (empty):
 *           readings entries, hour first so that new ones are appended
 *   m_warn  be64 at_ms author \0 be64 seq -> station_id \0 param
 *
 * Only a station's own unit (the id's prefix, "UNIT/LOCAL") publishes the
 * station, its readings and its warnings; other authors' are ignored here.
 *
 * Episodes. For each station, parameter and rule (0: the limit — the
 * section's own, else the standard's of its class, standards.h —; 1: a jump
 * against the baseline) a run of readings beyond the rule is an episode: it
 * starts with its first bad reading and ends with a good one. An episode
 * wants a warning while it lasts and no warning came for it (warn_ms before
 * its first reading). Readings and warnings of a station come from one feed,
 * so they are judged in that feed's order, at ingest and on reindex alike;
 * the jump baseline is an exponential mean (alpha 0.1) of the valid readings
 * before, judged after 10 readings. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/store/store.h"

#define LD_MON_PARAM_MAX 24
#define LD_MON_RULES 2 /* 0: limit (threshold / upstream), 1: jump */

typedef struct ld_mon_episode {
	bool in_run; /* the latest judged reading breaks the rule */
	/* The first reading of the current (or last) run beyond the rule, the
	 * limit it broke, its readings entry in the station unit's feed. */
	int64_t first_ms;
	double first_value, first_limit;
	uint64_t first_seq;
	int64_t warn_ms; /* the reading the latest warning was about */
} ld_mon_episode_t;

typedef struct ld_mon_state {
	int64_t t_ms; /* the latest valid reading */
	double value;
	uint64_t seq; /* its readings entry */
	char unit[16];
	ld_mon_episode_t ep[LD_MON_RULES];
} ld_mon_state_t;

/* Register the index with store 's'. 0 or -errno. */
int ld_monitor_attach(ld_store_t *s);

/* The station 'id' as last published: an Ld__MonitorStation the caller
 * frees with ld_payload_free(). 0, -ENOENT. */
int ld_monitor_station(const ld_rd_t *rd, const char *id, void **ret_station);

/* Every station, in id order: cb gets an Ld__MonitorStation (borrowed for
 * the call). Stops and returns cb's value if non-zero. */
int ld_monitor_foreach_station(const ld_rd_t *rd, int (*cb)(void *ud, const void *station),
			       void *ud);

/* The state of (station, parameter). 0, -ENOENT. */
int ld_monitor_state(const ld_rd_t *rd, const char *station, const char *param,
		     ld_mon_state_t *ret);

/* Every parameter of 'station' with its state, by name. */
int ld_monitor_foreach_param(const ld_rd_t *rd, const char *station,
			     int (*cb)(void *ud, const char *param, const ld_mon_state_t *st),
			     void *ud);

/* Every episode that wants a warning: station, parameter, rule (0, 1). */
int ld_monitor_foreach_due(const ld_rd_t *rd,
			   int (*cb)(void *ud, const char *station, const char *param, int rule,
				     const ld_mon_state_t *st),
			   void *ud);

/* The readings entries of 'station' (in its unit's feed) whose batch starts
 * in [from_ms, to_ms], oldest first. */
int ld_monitor_foreach_readings(const ld_rd_t *rd, const char *station, int64_t from_ms,
				int64_t to_ms, int (*cb)(void *ud, uint64_t seq, int64_t start_ms),
				void *ud);

/* The warnings held, newest first (by the time of their reading), those
 * about readings at 'from_ms' or later. */
int ld_monitor_foreach_warning(const ld_rd_t *rd, int64_t from_ms,
			       int (*cb)(void *ud, const char *author, uint64_t seq, int64_t at_ms),
			       void *ud);

/* The unit that runs station 'id' ("UNIT/LOCAL") into unit (size n):
 * 0, or -EINVAL if 'id' is not a valid station id. */
int ld_monitor_station_unit(const char *id, char *unit, size_t n);

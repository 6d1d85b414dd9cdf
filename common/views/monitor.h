/* common/views/monitor.h: monitoring stations, their latest readings and
 * the early-warning episodes derived from them (智能预警).
 *
 * A derived index (store_index.h), kept in the transaction that stores each
 * station, readings or warning entry and rebuilt by ld_store_reindex:
 *
 *   m_st    station_id -> be64 author time, packed MonitorStation (latest)
 *   m_last  station_id -> its parameters: name, ld_mon_state_t (one record)
 *   m_due   station_id \0 param \0 rule -> (empty): an episode without its
 *           warning yet; the station's unit signs one (server/monitor.c)
 *   m_rd    station_id \0 be64 start_ms be64 seq -> (empty): readings entries
 *   m_warn  be64 at_ms author \0 be64 seq -> station_id \0 param
 *
 * Only a station's own unit (the id's prefix, "UNIT/LOCAL") publishes the
 * station, its readings and its warnings; other authors' are ignored here.
 *
 * Episodes. For each station, parameter and rule (0: the limit — the
 * section's own, else the standard's of its class, standards.h —; 1: a jump
 * against the baseline) the index keeps the time of the latest reading
 * within the rule (ok_ms), of the latest reading breaking it (bad_ms), of
 * the first one of the current run (first_ms, with its value) and of the
 * latest warning (warn_ms, the time of the reading it was about). An episode wants a warning when
 * bad_ms > ok_ms and warn_ms <= ok_ms: once per run of bad readings, whatever order readings and
 * warnings of other feeds are applied in (maxima commute). The jump baseline is an exponential mean
 * (alpha 0.1) of the valid readings before, in the order of the station's own feed, judged after 10
 * readings. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/store/store.h"

#define LD_MON_PARAM_MAX 24
#define LD_MON_RULES 2 /* 0: limit (threshold / upstream), 1: jump */

typedef struct ld_mon_episode {
	int64_t ok_ms, bad_ms, warn_ms;
	/* The first reading of the current run beyond the rule (first_ms >
	 * ok_ms while the run lasts), the limit it broke, its readings entry
	 * in the station unit's feed. */
	int64_t first_ms;
	double first_value, first_limit;
	uint64_t first_seq;
} ld_mon_episode_t;

typedef struct ld_mon_state {
	int64_t t_ms; /* the latest valid reading */
	double value;
	uint64_t seq; /* its readings entry */
	char unit[16];
	double base; /* jump baseline and the readings it has seen */
	uint32_t n_base;
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

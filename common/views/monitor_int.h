/* common/views/monitor_int.h: the monitor index's own layouts and the
 * functions its two files share (common/views/monitor.c: the indexer and the
 * reads; common/views/monitor_state.c: a station's records, episodes, how
 * readings fold into its state, and the live states between checkpoints).
 * Not for use outside them. */
#pragma once

#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/feed/entry.h"
#include "common/store/store.h"
#include "common/views/monitor.h"
#include "monitor.pb-c.h"

#define ST_MAX 131 /* a station id: like a case id, "UNIT/LOCAL" */
#define KEY_MAX (ST_MAX + 1 + LD_MON_PARAM_MAX + 2)
#define ALPHA 0.1
#define BASE_MIN 10

/* How many readings entries of a station may be folded into its live
 * state before m_last is written again (see "Checkpoints" below). */
#define CKPT_EVERY 16
#define REPLAY_MAX (1u << 22) /* feed entries a replay reads, at most */
#define HOT_MIN 1024
#define HOT_MAX (1u << 16) /* stations held live; beyond, the table starts again */

/* m_rdt, the readings entries: be64 hour, station_id \0, be64 start_ms,
 * be64 seq (times with the sign bit flipped, so that they sort as signed).
 * Hour first: the batches that arrive are the latest, so new keys go to the
 * end of the index, a few pages per transaction whatever the number of
 * stations and however long the history; a station's batches in a period
 * are found with one seek per hour that holds any. */
#define HOUR_MS 3600000
#define RD_KEY_MAX (8 + ST_MAX + 1 + 16)

/* Two records per station describe its series. m_conf says what they are
 * and is written only when a series first appears, its unit changes or the
 * station is published again: per parameter its name, unit and limits
 * (resolved once from the station and the standards, so that a readings
 * entry decodes no station). m_last holds what changes with every batch and
 * is rewritten with each readings entry, so it is small: per parameter the
 * latest valid reading, the jump baseline and which rules are in a run of
 * readings beyond them (32 bytes). Slot i of both is the same parameter. An
 * episode's times and values are in m_ep, written only when a run starts or
 * ends or is warned about. */
#define REC_MAX 16
#define REC_VER 3

typedef struct conf_slot {
	char param[LD_MON_PARAM_MAX];
	char unit[16];
	uint8_t has; /* bit 0: min, bit 1: max */
	uint8_t pad[7];
	double min, max;
} conf_slot_t;

typedef struct conf {
	uint8_t ver, n, known; /* known: the station was published */
	uint8_t pad;
	uint32_t medium, water_class;
	uint32_t pad2;
	double ratio; /* the jump rule's */
	conf_slot_t s[REC_MAX];
} conf_t;

typedef struct mon_rec {
	int64_t t_ms;
	uint64_t seq;
	float value, base;
	uint16_t n_base;
	uint8_t run; /* bit r: rule r's latest judged reading breaks it */
	uint8_t pad[5];
} mon_rec_t;

typedef struct recs {
	uint8_t ver, n;
	uint8_t pad[2];
	uint32_t since;	    /* entries folded since the record was written (0 in it) */
	uint64_t last_seq;  /* the last readings entry folded in (0: none) */
	int64_t last_start; /* its batch start: with last_seq, its m_rdt key */
	mon_rec_t r[REC_MAX];
} recs_t;

#define CONF_HDR offsetof(conf_t, s)
#define RECS_HDR offsetof(recs_t, r)

typedef struct mon_ep {
	int64_t first_ms, warn_ms;
	double first_value, first_limit;
	uint64_t first_seq;
} mon_ep_t;

/* Checkpoints. Folding a readings entry into its station's state changes
 * the latest values and the jump baseline every time, and the run of a rule
 * seldom. The state lives in memory (the hot table) and m_last is written
 * only when a run starts or ends, a series appears or changes unit, the
 * station is published again, or CKPT_EVERY entries were folded since it was
 * last written: a checkpoint, the state after entry last_seq. Episodes
 * (m_ep, m_due) are written at every transition as before. The live state
 * is the checkpoint plus the readings entries of the station's unit's feed
 * folded after it: load() replays them (no transition can be among them: a
 * transition is a checkpoint), after a restart, an eviction, or a write that
 * did not commit. A state in the table is believed while no write of this
 * process has rolled back since it was last found good (ld_txn_rollbacks()),
 * else only if the entry it folded last is held in the transaction at hand
 * (its m_rdt key): whatever rolled back is never believed. Where checkpoints fall depends only on the
 * station's own entries, in its feed's order: a reindex writes the same. */
struct hot {
	char id[ST_MAX];
	uint64_t gen; /* ld_txn_rollbacks() when last found good */
	conf_t c;
	recs_t rs;
};

struct monitor {
	MDB_dbi st, conf, last, ep, due, rd, warn;
	ld_store_t *s; /* the feeds a replay reads */
	/* The live states: open addressing by station id. Readers may run
	 * beside the writer: the lock covers the table and its states. */
	pthread_mutex_t mu;
	struct hot **hot;
	size_t hot_cap, hot_n;
};

/* Is 'id' a station of unit 'author'? */
bool mon_owned(const char *id, const char *author);

/* Key station \0 param into kb (KEY_MAX bytes); its length. */
size_t mon_sp_key(uint8_t *kb, const char *station, const char *param);

/* The hour of time t (ms), rounded down, also before 1970. */
int64_t mon_hour_of(int64_t t);

/* The m_rdt key of a readings entry into kb (RD_KEY_MAX bytes); its length. */
size_t mon_rd_key(uint8_t *kb, const char *station, int64_t start_ms, uint64_t seq);

/* Write record 'station' of db: buf, its header of 'hdr' bytes and as many
 * slots of 'slot' bytes as its byte 1 says. 0 or -errno. */
int mon_rec_put(MDB_txn *txn, MDB_dbi db, const char *station, const void *buf, size_t hdr,
		   size_t slot);

/* Both records of 'station'; slot i of each is the same parameter. */
int mon_station_recs(MDB_txn *txn, const struct monitor *x, const char *station, conf_t *c,
			recs_t *rs);

/* The slot of 'param' in c, or -1. */
int mon_conf_find(const conf_t *c, const char *param);

/* Station 'sm' into the conf: its medium, class, jump ratio, and the limits
 * of every series already seen. */
void mon_conf_station(conf_t *c, const Ld__MonitorStation *sm);

/* The episode of (station, param, rule) from db into ep (zeroes if none).
 * 0 or -errno. */
int mon_ep_get(MDB_txn *txn, MDB_dbi db, const char *station, const char *param, int rule,
		  mon_ep_t *ep);

/* Write episode 'ep' and keep m_due for it ('was': wanted before). */
int mon_ep_put(const struct monitor *x, MDB_txn *txn, const char *station, const char *param,
		  int rule, const mon_ep_t *ep, bool was, bool now);

/* An episode wants its warning while its run lasts and no warning came
 * for it. */
bool mon_wants(bool run, const mon_ep_t *ep);

/* A state as readers see it: slot 'cs'/'rec' and its episodes. */
int mon_state_of(const struct monitor *x, MDB_txn *txn, const char *station,
		    const conf_slot_t *cs, const mon_rec_t *rec, ld_mon_state_t *st);

/* Fold readings entry 'm' (seq) into state h, each series into its slot.
 * *dirty: a series appeared or changed unit (m_conf to write); *ran: a
 * rule's run started or ended. With 'quiet' (a replay) nothing is written. */
int mon_fold(const struct monitor *x, MDB_txn *txn, struct hot *h, const Ld__MonitorReadings *m,
		uint64_t seq, bool quiet, bool *dirty, bool *ran);

/* The writer's live state of 'station', before entry 'seq': from the table
 * if it can be believed, else loaded and kept. */
int mon_live_for(struct monitor *x, MDB_txn *txn, const char *station, uint64_t seq,
		    struct hot **ret);

/* A reader's copy of the live state of 'station' as txn sees it. */
int mon_live_copy(struct monitor *x, MDB_txn *txn, const char *station, struct hot *out);

/* Forget every live state (they are replayed from their checkpoints). */
void mon_hot_clear(struct monitor *x);

/* Forget the state of 'id' (it may hold what will not be committed). */
void mon_hot_forget(struct monitor *x, const char *id);

/* Readings entry 'm' of 'author' is one the index folds. */
bool mon_readings_ok(const Ld__MonitorReadings *m, const char *author);

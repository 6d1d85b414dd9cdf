/* common/views/monitor.c: see monitor.h. */
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base/errors.h"
#include "common/domain/standards.h"
#include "common/feed/entry.h"
#include "common/feed/kinds.h"
#include "common/store/store_index.h"
#include "common/store/txn.h"
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

struct hot;

struct monitor {
	MDB_dbi st, conf, last, ep, due, rd, warn;
	ld_store_t *s; /* the feeds a replay reads */
	/* The live states: open addressing by station id. Readers may run
	 * beside the writer: the lock covers the table and its states. */
	pthread_mutex_t mu;
	struct hot **hot;
	size_t hot_cap, hot_n;
};

int ld_monitor_station_unit(const char *id, char *unit, size_t n)
{
	const char *slash = id ? strchr(id, '/') : NULL;

	if (!slash || slash == id || !ld_case_id_valid(id) || (size_t)(slash - id) >= n)
		return -EINVAL;
	memcpy(unit, id, (size_t)(slash - id));
	unit[slash - id] = '\0';
	return ld_node_id_valid(unit) ? 0 : -EINVAL;
}

/* Is 'id' a station of unit 'author'? */
static bool owned(const char *id, const char *author)
{
	char unit[LD_NODE_ID_MAX + 1];

	return ld_monitor_station_unit(id, unit, sizeof(unit)) == 0 && !strcmp(unit, author);
}

static size_t sp_key(uint8_t *kb, const char *station, const char *param)
{
	size_t a = strlen(station), b = strlen(param);

	memcpy(kb, station, a + 1);
	memcpy(kb + a + 1, param, b);
	return a + 1 + b;
}

/* m_rdt, the readings entries: be64 hour, station_id \0, be64 start_ms,
 * be64 seq (times with the sign bit flipped, so that they sort as signed).
 * Hour first: the batches that arrive are the latest, so new keys go to the
 * end of the index, a few pages per transaction whatever the number of
 * stations and however long the history; a station's batches in a period
 * are found with one seek per hour that holds any. */
#define HOUR_MS 3600000
#define RD_KEY_MAX (8 + ST_MAX + 1 + 16)

static int64_t hour_of(int64_t t)
{
	return t >= 0 ? t / HOUR_MS : -((-(t + 1)) / HOUR_MS) - 1;
}

static size_t rd_key(uint8_t *kb, const char *station, int64_t start_ms, uint64_t seq)
{
	size_t l = strlen(station);

	ld_be64_put(kb, (uint64_t)hour_of(start_ms) ^ (1ull << 63));
	memcpy(kb + 8, station, l + 1);
	ld_be64_put(kb + 9 + l, (uint64_t)start_ms ^ (1ull << 63));
	ld_be64_put(kb + 17 + l, seq);
	return l + 25;
}

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

/* Read record 'station' of db into buf (size hdr + REC_MAX slots of
 * 'slot' bytes). A record of another layout (written by an older version,
 * before a reindex) reads as absent. 0 (absent: n = 0) or -errno. */
static int rec_get(MDB_txn *txn, MDB_dbi db, const char *station, void *buf, size_t hdr,
		   size_t slot)
{
	MDB_val k = {strlen(station), (void *)station}, v;
	int r = ld_store_mdb_err(mdb_get(txn, db, &k, &v));
	uint8_t *b = buf;

	memset(b, 0, hdr);
	b[0] = REC_VER;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (v.mv_size < hdr || ((const uint8_t *)v.mv_data)[0] != REC_VER ||
	    ((const uint8_t *)v.mv_data)[1] > REC_MAX ||
	    v.mv_size != hdr + ((const uint8_t *)v.mv_data)[1] * slot)
		return 0;
	memcpy(b, v.mv_data, v.mv_size);
	return 0;
}

static int rec_put(MDB_txn *txn, MDB_dbi db, const char *station, const void *buf, size_t hdr,
		   size_t slot)
{
	MDB_val k = {strlen(station), (void *)station},
		v = {hdr + ((const uint8_t *)buf)[1] * slot, (void *)buf};

	return ld_store_mdb_err(mdb_put(txn, db, &k, &v, 0));
}

static int conf_get(MDB_txn *txn, const struct monitor *x, const char *station, conf_t *c)
{
	int r = rec_get(txn, x->conf, station, c, CONF_HDR, sizeof(conf_slot_t));

	if (r == 0 && !c->n && !c->known)
		c->ratio = 1.0;
	return r;
}

static int recs_get(MDB_txn *txn, const struct monitor *x, const char *station, recs_t *rs)
{
	return rec_get(txn, x->last, station, rs, RECS_HDR, sizeof(mon_rec_t));
}

/* The slot of 'param' in c, or -1. */
static int conf_find(const conf_t *c, const char *param)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->s[i].param, param))
			return i;
	return -1;
}

/* Both records of 'station'; slot i of each is the same parameter. */
static int station_recs(MDB_txn *txn, const struct monitor *x, const char *station, conf_t *c,
			recs_t *rs)
{
	int r = conf_get(txn, x, station, c);

	if (r == 0)
		r = recs_get(txn, x, station, rs);
	if (r == 0 && rs->n > c->n)
		rs->n = c->n;
	while (r == 0 && rs->n < c->n)
		memset(&rs->r[rs->n++], 0, sizeof(rs->r[0]));
	return r;
}

/* Resolve the limits of slot 'cs' from station 'sm' (NULL: unknown): the
 * section's own for its parameter, else its class's in the standard. */
static void conf_limits(conf_slot_t *cs, const Ld__MonitorStation *sm)
{
	double min = 0, max = 0;
	bool has_min = false, has_max = false;

	cs->has = 0;
	cs->min = cs->max = 0;
	if (!sm)
		return;
	for (size_t i = 0; i < sm->n_limits; i++) {
		const Ld__MonitorLimit *l = sm->limits[i];

		if (l->parameter && !strcasecmp(l->parameter, cs->param)) {
			cs->has = (uint8_t)((l->has_min ? 1 : 0) | (l->has_max ? 2 : 0));
			cs->min = l->min;
			cs->max = l->max;
			return;
		}
	}
	if (ld_standard_limit(sm->medium, sm->has_water_class ? sm->water_class : 3, cs->param,
			      &min, &has_min, &max, &has_max, NULL) == 0) {
		cs->has = (uint8_t)((has_min ? 1 : 0) | (has_max ? 2 : 0));
		cs->min = min;
		cs->max = max;
	}
}

/* Station 'sm' into the conf: its medium, class, jump ratio, and the limits
 * of every series already seen. */
static void conf_station(conf_t *c, const Ld__MonitorStation *sm)
{
	c->known = 1;
	c->medium = sm->medium;
	c->water_class = sm->has_water_class ? sm->water_class : 3;
	c->ratio = sm->has_jump_ratio && sm->jump_ratio > 0 ? sm->jump_ratio : 1.0;
	for (int i = 0; i < c->n; i++)
		conf_limits(&c->s[i], sm);
}

/* The station as last published (NULL: none, or it does not decode). The
 * caller frees it with ld_payload_free(). */
static Ld__MonitorStation *station_get(MDB_txn *txn, const struct monitor *x, const char *id)
{
	MDB_val k = {strlen(id), (void *)id}, v;

	if (mdb_get(txn, x->st, &k, &v) != 0 || v.mv_size <= 8)
		return NULL;
	return ld_payload_unpack(LD__KIND__KIND_MONITOR_STATION, (uint8_t *)v.mv_data + 8,
				 v.mv_size - 8);
}

/* The key of (station, param, rule) in m_ep and m_due. */
static size_t epr_key(uint8_t *kb, const char *station, const char *param, int rule)
{
	size_t kl = sp_key(kb, station, param);

	kb[kl] = '\0';
	kb[kl + 1] = (uint8_t)rule;
	return kl + 2;
}

static int ep_get(MDB_txn *txn, MDB_dbi db, const char *station, const char *param, int rule,
		  mon_ep_t *ep)
{
	uint8_t kb[KEY_MAX];
	MDB_val k = {epr_key(kb, station, param, rule), kb}, v;
	int r = ld_store_mdb_err(mdb_get(txn, db, &k, &v));

	memset(ep, 0, sizeof(*ep));
	if (r == -ENOENT)
		return 0;
	if (r == 0 && v.mv_size == sizeof(*ep))
		memcpy(ep, v.mv_data, sizeof(*ep));
	return r < 0 ? r : v.mv_size == sizeof(*ep) ? 0 : -EIO;
}

/* An episode wants its warning while its run lasts and no warning came
 * for it. */
static bool wants(bool run, const mon_ep_t *ep)
{
	return run && ep->warn_ms < ep->first_ms;
}

/* Write episode 'ep' and keep m_due for it ('was': wanted before). */
static int ep_put(const struct monitor *x, MDB_txn *txn, const char *station, const char *param,
		  int rule, const mon_ep_t *ep, bool was, bool now)
{
	uint8_t kb[KEY_MAX];
	MDB_val k = {epr_key(kb, station, param, rule), kb}, v = {sizeof(*ep), (void *)ep},
		dv = {0, ""};
	int r = ld_store_mdb_err(mdb_put(txn, x->ep, &k, &v, 0));

	if (r < 0 || was == now)
		return r;
	if (now)
		return ld_store_mdb_err(mdb_put(txn, x->due, &k, &dv, 0));
	r = ld_store_mdb_err(mdb_del(txn, x->due, &k, NULL));
	return r == -ENOENT ? 0 : r;
}

/* A state as readers see it: slot 'cs'/'rec' and its episodes. */
static int state_of(const struct monitor *x, MDB_txn *txn, const char *station,
		    const conf_slot_t *cs, const mon_rec_t *rec, ld_mon_state_t *st)
{
	int r = 0;

	memset(st, 0, sizeof(*st));
	st->t_ms = rec->t_ms;
	st->value = rec->value;
	st->seq = rec->seq;
	memcpy(st->unit, cs->unit, sizeof(st->unit));
	st->unit[sizeof(st->unit) - 1] = '\0';
	for (int i = 0; r == 0 && i < LD_MON_RULES; i++) {
		mon_ep_t ep;

		if ((r = ep_get(txn, x->ep, station, cs->param, i, &ep)) < 0)
			break;
		st->ep[i] = (ld_mon_episode_t){.in_run = rec->run >> i & 1,
					       .first_ms = ep.first_ms,
					       .first_value = ep.first_value,
					       .first_limit = ep.first_limit,
					       .first_seq = ep.first_seq,
					       .warn_ms = ep.warn_ms};
	}
	return r;
}

/* Per rule of one series: the episode, loaded at its first transition. */
struct judging {
	mon_ep_t ep;
	bool loaded, was, changed;
};

static int judge(const struct monitor *x, MDB_txn *txn, const char *station, const char *param,
		 mon_rec_t *rec, int rule, struct judging *j, bool bad, int64_t t, double v,
		 double lim, uint64_t seq)
{
	bool run = rec->run >> rule & 1;
	int r;

	if (bad == run)
		return 0; /* no transition: nothing of the episode changes */
	if (!txn) {	  /* a replay (see load()): the state only */
		rec->run = (uint8_t)(bad ? rec->run | 1u << rule : rec->run & ~(1u << rule));
		return 0;
	}
	if (!j->loaded) {
		if ((r = ep_get(txn, x->ep, station, param, rule, &j->ep)) < 0)
			return r;
		j->loaded = true;
		j->was = wants(run, &j->ep);
	}
	if (bad) { /* a run starts: its first reading */
		j->ep.first_ms = t;
		j->ep.first_value = v;
		j->ep.first_limit = lim;
		j->ep.first_seq = seq;
		rec->run |= (uint8_t)(1u << rule);
	} else {
		rec->run &= (uint8_t) ~(1u << rule);
	}
	j->changed = true;
	return 0;
}

/* The slot of series 'name' at the station, made if new (its limits
 * resolved from the station, decoded here once for all the series new in
 * this batch); -1 if the station has as many series as a record holds. */
static int series_slot(const struct monitor *x, MDB_txn *txn, const char *station, const char *name,
		       conf_t *c, recs_t *rs, Ld__MonitorStation **sm, bool *decoded, bool *dirty)
{
	const char *param;
	int i;

	if ((i = conf_find(c, name)) >= 0)
		return i; /* the name as the slot has it: nothing to resolve */
	param = c->known ? ld_standard_param(c->medium, name) : NULL;
	if (!param)
		param = name;
	if ((i = conf_find(c, param)) >= 0)
		return i;
	if (c->n >= REC_MAX)
		return -1;
	if (!*decoded) {
		*sm = station_get(txn, x, station);
		*decoded = true;
	}
	i = c->n++;
	memset(&c->s[i], 0, sizeof(c->s[i]));
	strcpy(c->s[i].param, param);
	conf_limits(&c->s[i], *sm);
	while (rs->n < c->n)
		memset(&rs->r[rs->n++], 0, sizeof(rs->r[0]));
	*dirty = true;
	return i;
}

/* apply_series() for the common form of minute data: every reading valid
 * by its flag (none sent) and timed by the interval alone. The same
 * judgement in the same order with the same arithmetic (so the same state,
 * byte for byte), without a time, flag and maximum per reading: a time is
 * computed only for a reading that changes a run, and the latest reading is
 * the last that is not NaN (the times increase). */
static int apply_regular(const struct monitor *x, MDB_txn *txn, const char *station, int64_t start,
			 const Ld__MonitorReadings__Series *se, uint64_t seq, const conf_t *c,
			 int slot, mon_rec_t *rec)
{
	const conf_slot_t *cs = &c->s[slot];
	const double *val = se->value;
	double max = cs->has & 2 ? cs->max : HUGE_VAL, min = cs->has & 1 ? cs->min : -HUGE_VAL;
	double base = rec->base, thr_k = 1 + (c->ratio > 0 ? c->ratio : 1.0);
	int64_t step = (int64_t)se->interval_s * 1000;
	unsigned n_base = rec->n_base;
	struct judging j[LD_MON_RULES] = {0};
	bool has_lim = cs->has != 0, run0 = rec->run & 1, run1 = rec->run >> 1 & 1;
	size_t n = se->n_value, last = SIZE_MAX;
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		double v = val[i];
		bool bad;

		if (v != v)
			continue;
		bad = v > max || v < min;
		if (has_lim && bad != run0) {
			r = judge(x, txn, station, cs->param, rec, 0, &j[0], bad,
				  start + step * (int64_t)i, v, v > max ? max : min, seq);
			run0 = rec->run & 1;
		}
		if (n_base >= BASE_MIN && base > 0 && (v > base * thr_k) != run1 && r == 0) {
			r = judge(x, txn, station, cs->param, rec, 1, &j[1], v > base * thr_k,
				  start + step * (int64_t)i, v, base * thr_k, seq);
			run1 = rec->run >> 1 & 1;
		}
		base = n_base ? base + ALPHA * (v - base) : v;
		n_base += n_base < UINT16_MAX;
		last = i;
	}
	rec->base = (float)base;
	rec->n_base = (uint16_t)n_base;
	if (last != SIZE_MAX && start + step * (int64_t)last >= rec->t_ms) {
		rec->t_ms = start + step * (int64_t)last;
		rec->value = (float)val[last];
		rec->seq = seq;
	} else {
		last = SIZE_MAX;
	}
	for (int i = 0; r == 0 && txn && i < LD_MON_RULES; i++)
		if (j[i].changed)
			r = ep_put(x, txn, station, cs->param, i, &j[i].ep, j[i].was,
				   wants(rec->run >> i & 1, &j[i].ep));
	return r < 0 ? r : last != SIZE_MAX;
}

static int apply_series(const struct monitor *x, MDB_txn *txn, const char *station, int64_t start,
			const Ld__MonitorReadings__Series *se, uint64_t seq, const conf_t *c,
			int slot, mon_rec_t *rec)
{
	const conf_slot_t *cs = &c->s[slot];
	bool has_min = cs->has & 1, has_max = cs->has & 2, has_lim = cs->has != 0, latest = false;
	double min = cs->min, max = cs->max, ratio = c->ratio > 0 ? c->ratio : 1.0;
	struct judging j[LD_MON_RULES] = {0};
	int r = 0;

	/* The batch's state in locals (the baseline in double precision,
	 * stored as float once per batch); a rule is judged by judge() only
	 * when a reading changes its run. */
	double base = rec->base, thr_k = 1 + ratio, best_v = 0;
	unsigned n_base = rec->n_base;
	int64_t best_t = rec->t_ms;
	size_t n_flag = se->n_flag < se->n_value ? se->n_flag : se->n_value, n_off = se->n_offset_s;
	/* Past the offsets given, readings follow every interval_s seconds. */
	int64_t last_off = n_off ? (int64_t)se->offset_s[n_off - 1] * 1000 : 0,
		step = se->has_interval_s ? (int64_t)se->interval_s * 1000 : 0;

	for (size_t i = 0; r == 0 && i < se->n_value; i++) {
		double v = se->value[i];
		int64_t t;

		if ((i < n_flag && se->flag[i] != 0) || v != v)
			continue; /* not a valid reading (HJ 212 flag), or NaN */
		t = start + (i < n_off ? (int64_t)se->offset_s[i] * 1000
				       : last_off + step * (int64_t)(i - n_off + (n_off ? 1 : 0)));
		if (has_lim) {
			bool hi = has_max && v > max, lo = has_min && v < min;

			if ((hi || lo) != (bool)(rec->run & 1))
				r = judge(x, txn, station, cs->param, rec, 0, &j[0], hi || lo, t, v,
					  hi ? max : min, seq);
		}
		if (n_base >= BASE_MIN && base > 0) {
			double thr = base * thr_k;

			if ((v > thr) != (bool)(rec->run >> 1 & 1) && r == 0)
				r = judge(x, txn, station, cs->param, rec, 1, &j[1], v > thr, t, v,
					  thr, seq);
		}
		base = n_base ? base + ALPHA * (v - base) : v;
		if (n_base < UINT16_MAX)
			n_base++;
		if (t >= best_t) {
			best_t = t;
			best_v = v;
			latest = true;
		}
	}
	rec->base = (float)base;
	rec->n_base = (uint16_t)n_base;
	if (latest) {
		rec->t_ms = best_t;
		rec->value = (float)best_v;
		rec->seq = seq;
	}
	for (int i = 0; r == 0 && txn && i < LD_MON_RULES; i++)
		if (j[i].changed)
			r = ep_put(x, txn, station, cs->param, i, &j[i].ep, j[i].was,
				   wants(rec->run >> i & 1, &j[i].ep));
	return r < 0 ? r : latest;
}

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
 * did not commit. A state in the table is used only if the entry it folded
 * last is held in the transaction at hand (its m_rdt key): whatever aborted
 * is thus never believed. Where checkpoints fall depends only on the
 * station's own entries, in its feed's order: a reindex writes the same. */

struct hot {
	char id[ST_MAX];
	uint64_t gen; /* ld_txn_rollbacks() when last found good */
	conf_t c;
	recs_t rs;
};

static uint64_t hot_hash(const char *id)
{
	uint64_t h = 14695981039346656037ull;

	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 1099511628211ull;
	return h;
}

static void hot_clear(struct monitor *x)
{
	for (size_t i = 0; i < x->hot_cap; i++)
		free(x->hot[i]);
	free(x->hot);
	x->hot = NULL;
	x->hot_cap = x->hot_n = 0;
}

/* The slot of 'id' in the table: its state, or the empty slot for it. */
static struct hot **hot_slot(const struct monitor *x, const char *id)
{
	size_t m = x->hot_cap - 1, i = (size_t)hot_hash(id) & m;

	while (x->hot[i] && strcmp(x->hot[i]->id, id))
		i = (i + 1) & m;
	return &x->hot[i];
}

static struct hot *hot_find(const struct monitor *x, const char *id)
{
	return x->hot_cap ? *hot_slot(x, id) : NULL;
}

/* Keep a copy of 'h' in the table (replacing the station's). NULL: out of
 * memory (the table is then as before). */
static struct hot *hot_keep(struct monitor *x, const struct hot *h)
{
	struct hot **slot, *n;

	if (x->hot_n >= HOT_MAX)
		hot_clear(x); /* states are reloaded from their checkpoints */
	if (2 * (x->hot_n + 1) > x->hot_cap) {
		size_t cap = x->hot_cap ? 2 * x->hot_cap : HOT_MIN;
		struct hot **old = x->hot, **t = calloc(cap, sizeof(*t));
		size_t old_cap = x->hot_cap;

		if (!t)
			return NULL;
		x->hot = t;
		x->hot_cap = cap;
		for (size_t i = 0; i < old_cap; i++)
			if (old[i])
				*hot_slot(x, old[i]->id) = old[i];
		free(old);
	}
	slot = hot_slot(x, h->id);
	if (!(n = *slot)) {
		if (!(n = malloc(sizeof(*n))))
			return NULL;
		*slot = n;
		x->hot_n++;
	}
	*n = *h;
	return n;
}

/* Forget the state of 'id' (it may hold what will not be committed). */
static void hot_forget(struct monitor *x, const char *id)
{
	struct hot **slot;
	size_t m, i, j;

	if (!x->hot_cap || !*(slot = hot_slot(x, id)))
		return;
	free(*slot);
	*slot = NULL;
	x->hot_n--;
	/* Re-place the run that followed, so that no lookup stops short. */
	m = x->hot_cap - 1;
	for (i = ((size_t)(slot - x->hot) + 1) & m; x->hot[i]; i = (i + 1) & m) {
		struct hot *h = x->hot[i];

		x->hot[i] = NULL;
		j = (size_t)hot_hash(h->id) & m;
		while (x->hot[j])
			j = (j + 1) & m;
		x->hot[j] = h;
	}
}

/* Is the entry that state h folded last held in txn? */
static bool held(const struct monitor *x, MDB_txn *txn, const struct hot *h)
{
	uint8_t kb[RD_KEY_MAX];
	MDB_val k = {rd_key(kb, h->id, h->rs.last_start, h->rs.last_seq), kb}, v;

	return h->rs.last_seq && mdb_get(txn, x->rd, &k, &v) == 0;
}

/* Readings entry 'm' of 'author' is one the index folds. */
static bool readings_ok(const Ld__MonitorReadings *m, const char *author)
{
	/* A batch start beyond ±2^53 ms (285,000 years) is no reading's: it is
	 * left out, so that start + offset and the differences of times
	 * judged later cannot overflow, whatever a peer signed. */
	return m->station_id && owned(m->station_id, author) && m->has_start_ms &&
	       m->start_ms <= (1ll << 53) && m->start_ms >= -(1ll << 53) &&
	       strlen(m->station_id) < ST_MAX;
}

/* Fold readings entry 'm' (seq) into state h, each series into its slot.
 * *dirty: a series appeared or changed unit (m_conf to write); *ran: a
 * rule's run started or ended. With 'quiet' (a replay) nothing is written. */
static int fold(const struct monitor *x, MDB_txn *txn, struct hot *h, const Ld__MonitorReadings *m,
		uint64_t seq, bool quiet, bool *dirty, bool *ran)
{
	Ld__MonitorStation *sm = NULL;
	uint8_t before[REC_MAX];
	bool decoded = false;
	int r = 0, n = h->rs.n;

	for (int i = 0; i < n; i++)
		before[i] = h->rs.r[i].run;
	for (size_t i = 0; r == 0 && i < m->n_series; i++) {
		const Ld__MonitorReadings__Series *se = m->series[i];
		int slot;

		if (!se->parameter || !se->parameter[0] ||
		    strlen(se->parameter) >= LD_MON_PARAM_MAX)
			continue;
		slot = series_slot(x, txn, h->id, se->parameter, &h->c, &h->rs, &sm, &decoded,
				   dirty);
		if (slot < 0)
			continue; /* more parameters than a station record holds */
		r = (se->n_flag == 0 && se->n_offset_s == 0 && se->has_interval_s
			     ? apply_regular
			     : apply_series)(x, quiet ? NULL : txn, h->id, m->start_ms, se, seq,
					     &h->c, slot, &h->rs.r[slot]);
		if (r > 0 && se->unit && strlen(se->unit) < sizeof(h->c.s[slot].unit) &&
		    strcmp(h->c.s[slot].unit, se->unit)) {
			strcpy(h->c.s[slot].unit, se->unit);
			*dirty = true;
		}
		r = r > 0 ? 0 : r;
	}
	ld_payload_free(sm);
	for (int i = 0; i < n; i++)
		*ran |= h->rs.r[i].run != before[i];
	h->rs.last_seq = seq;
	h->rs.last_start = m->start_ms;
	h->rs.since++;
	return r;
}

/* The live state of 'station' in txn into h: its checkpoint and the
 * readings entries of its unit's feed after it, those before seq 'upto'. */
static int load(const struct monitor *x, MDB_txn *txn, const char *station, uint64_t upto,
		struct hot *h)
{
	char unit[LD_NODE_ID_MAX + 1];
	int r;

	memset(h, 0, sizeof(*h));
	strcpy(h->id, station);
	if ((r = station_recs(txn, x, station, &h->c, &h->rs)) < 0)
		return r;
	h->rs.since = 0;
	if (!h->rs.last_seq || ld_monitor_station_unit(station, unit, sizeof(unit)) < 0)
		return 0; /* nothing folded yet */
	for (uint64_t seq = h->rs.last_seq + 1, n = 0; seq < upto && n < REPLAY_MAX; seq++, n++) {
		ld_entry_t *e = NULL;
		Ld__MonitorReadings *m;
		bool dirty = false, ran = false;

		r = ld_rd_get(&(ld_rd_t){x->s, txn}, unit, seq, &e, NULL);
		if (r == -ENOENT)
			return 0; /* past the feed's head */
		if (r < 0)
			return r;
		m = ld_entry_payload(e, LD__KIND__KIND_MONITOR_READINGS);
		if (m && readings_ok(m, e->hdr->author) && !strcmp(m->station_id, station))
			r = fold(x, txn, h, m, seq, true, &dirty, &ran);
		ld_payload_free(m);
		ld_entry_destroy(&e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The writer's live state of 'station', before entry 'seq': from the table
 * if it can be believed, else loaded and kept. */
static int live_for(struct monitor *x, MDB_txn *txn, const char *station, uint64_t seq,
		    struct hot **ret)
{
	struct hot *h = hot_find(x, station), tmp;
	uint64_t gen = ld_txn_rollbacks();
	int r;

	/* Nothing rolled back since the state was last found good: what it
	 * folded is committed or in this transaction. Else ask the store. */
	if (h && h->rs.last_seq < seq && (h->gen == gen || held(x, txn, h))) {
		h->gen = gen;
		*ret = h;
		return 0;
	}
	if ((r = load(x, txn, station, seq, &tmp)) < 0)
		return r;
	tmp.gen = gen;
	return (*ret = hot_keep(x, &tmp)) ? 0 : -ENOMEM;
}

/* A reader's copy of the live state of 'station' as txn sees it. */
static int live_copy(struct monitor *x, MDB_txn *txn, const char *station, struct hot *out)
{
	struct hot *h;
	int r = 0;

	pthread_mutex_lock(&x->mu);
	if ((h = hot_find(x, station)) && held(x, txn, h))
		*out = *h;
	else
		r = load(x, txn, station, UINT64_MAX, out);
	pthread_mutex_unlock(&x->mu);
	return r;
}

static int apply_readings(struct monitor *x, MDB_txn *txn, const ld_entry_t *e,
			  const Ld__MonitorReadings *m)
{
	uint8_t kb[RD_KEY_MAX];
	MDB_val k = {0, kb}, v = {0, ""};
	struct hot *h = NULL;
	bool dirty = false, ran = false;
	int r;

	if (!readings_ok(m, e->hdr->author))
		return 0;
	pthread_mutex_lock(&x->mu);
	r = live_for(x, txn, m->station_id, e->hdr->seq, &h);
	if (r == 0)
		r = fold(x, txn, h, m, e->hdr->seq, false, &dirty, &ran);
	if (r == 0 && dirty)
		r = rec_put(txn, x->conf, h->id, &h->c, CONF_HDR, sizeof(conf_slot_t));
	if (r == 0 && (dirty || ran || h->rs.since >= CKPT_EVERY)) {
		h->rs.since = 0;
		r = rec_put(txn, x->last, h->id, &h->rs, RECS_HDR, sizeof(mon_rec_t));
	}
	if (r == 0) {
		k.mv_size = rd_key(kb, m->station_id, m->start_ms, e->hdr->seq);
		r = ld_store_mdb_err(mdb_put(txn, x->rd, &k, &v, 0));
	}
	if (r < 0)
		hot_forget(x, m->station_id);
	pthread_mutex_unlock(&x->mu);
	return r;
}

static int apply_station(struct monitor *x, MDB_txn *txn, const ld_entry_t *e,
			 const Ld__MonitorStation *m)
{
	MDB_val k, v;
	uint8_t *buf;
	size_t len;
	int r;

	if (!m->station_id || !owned(m->station_id, e->hdr->author))
		return 0;
	k.mv_data = m->station_id;
	k.mv_size = strlen(m->station_id);
	/* The latest publication counts (by author time, then arrival). */
	if (mdb_get(txn, x->st, &k, &v) == 0 && v.mv_size >= 8 &&
	    (int64_t)(ld_be64_get(v.mv_data) ^ (1ull << 63)) > e->hdr->time_ms)
		return 0;
	len = ld__monitor_station__get_packed_size(m);
	if (!(buf = malloc(8 + len)))
		return -ENOMEM;
	ld_be64_put(buf, (uint64_t)e->hdr->time_ms ^ (1ull << 63));
	ld__monitor_station__pack(m, buf + 8);
	v.mv_data = buf;
	v.mv_size = 8 + len;
	r = ld_store_mdb_err(mdb_put(txn, x->st, &k, &v, 0));
	free(buf);
	if (r < 0)
		return r;
	/* The limits of the series seen so far follow the new publication:
	 * a checkpoint first, so that no replay folds an entry with limits
	 * it was not judged by. */
	if (strlen(m->station_id) >= ST_MAX)
		return 0;
	pthread_mutex_lock(&x->mu);
	{
		struct hot *h = NULL;

		r = live_for(x, txn, m->station_id, e->hdr->seq, &h);
		if (r == 0 && h->rs.since > 0) {
			h->rs.since = 0;
			r = rec_put(txn, x->last, h->id, &h->rs, RECS_HDR, sizeof(mon_rec_t));
		}
		if (r == 0) {
			conf_station(&h->c, m);
			r = rec_put(txn, x->conf, h->id, &h->c, CONF_HDR, sizeof(conf_slot_t));
		}
		if (r < 0)
			hot_forget(x, m->station_id);
	}
	pthread_mutex_unlock(&x->mu);
	return r;
}

static int apply_warning(const struct monitor *x, MDB_txn *txn, const ld_entry_t *e,
			 const Ld__MonitorWarning *m)
{
	uint8_t kb[KEY_MAX], wk[8 + LD_NODE_ID_MAX + 1 + 8];
	int rule = m->rule == LD__WARNING_RULE__WARNING_RULE_JUMP ? 1 : 0;
	MDB_val k, v;
	conf_t c;
	recs_t rs;
	mon_ep_t ep;
	bool run, was;
	size_t kl, al;
	int r, i;

	if (!m->station_id || !owned(m->station_id, e->hdr->author) || !m->parameter ||
	    !m->parameter[0] || strlen(m->parameter) >= LD_MON_PARAM_MAX || !m->has_at_ms)
		return 0;
	kl = sp_key(kb, m->station_id, m->parameter);
	if ((r = station_recs(txn, x, m->station_id, &c, &rs)) < 0)
		return r;
	i = conf_find(&c, m->parameter);
	run = i >= 0 && rs.r[i].run >> rule & 1;
	if ((r = ep_get(txn, x->ep, m->station_id, m->parameter, rule, &ep)) < 0)
		return r;
	was = wants(run, &ep);
	if (m->at_ms > ep.warn_ms)
		ep.warn_ms = m->at_ms;
	if ((r = ep_put(x, txn, m->station_id, m->parameter, rule, &ep, was, wants(run, &ep))) < 0)
		return r;
	al = strlen(e->hdr->author);
	ld_be64_put(wk, (uint64_t)m->at_ms ^ (1ull << 63));
	memcpy(wk + 8, e->hdr->author, al + 1);
	ld_be64_put(wk + 9 + al, e->hdr->seq);
	k.mv_data = wk;
	k.mv_size = 17 + al;
	v.mv_data = kb;
	v.mv_size = kl;
	return ld_store_mdb_err(mdb_put(txn, x->warn, &k, &v, 0));
}

static int mo_apply(void *ud, ld_store_t *s, ld_txn_t *t, const ld_entry_t *e,
		    const ProtobufCMessage *m)
{
	struct monitor *x = ud;
	MDB_txn *txn = t->txn; /* each call's error is returned: it aborts the write */

	if (!m)
		return 0;
	switch (e->hdr->kind) {
	case LD__KIND__KIND_MONITOR_STATION:
		return apply_station(x, txn, e, (const Ld__MonitorStation *)m);
	case LD__KIND__KIND_MONITOR_READINGS:
		return apply_readings(x, txn, e, (const Ld__MonitorReadings *)m);
	case LD__KIND__KIND_MONITOR_WARNING:
		return apply_warning(x, txn, e, (const Ld__MonitorWarning *)m);
	default:
		return 0;
	}
}

static int mo_open(void *ud, ld_store_t *s, ld_txn_t *t)
{
	struct monitor *x = ud;

	pthread_mutex_lock(&x->mu);
	hot_clear(x);
	pthread_mutex_unlock(&x->mu);
	x->s = s;
	ld_txn_dbi_open(t, "m_st", MDB_CREATE, &x->st);
	ld_txn_dbi_open(t, "m_conf", MDB_CREATE, &x->conf);
	ld_txn_dbi_open(t, "m_last", MDB_CREATE, &x->last);
	ld_txn_dbi_open(t, "m_ep", MDB_CREATE, &x->ep);
	ld_txn_dbi_open(t, "m_due", MDB_CREATE, &x->due);
	ld_txn_dbi_open(t, "m_rdt", MDB_CREATE, &x->rd);
	return ld_txn_dbi_open(t, "m_warn", MDB_CREATE, &x->warn);
}

static int mo_drop(void *ud, ld_store_t *s, ld_txn_t *t)
{
	struct monitor *x = ud;

	pthread_mutex_lock(&x->mu);
	hot_clear(x);
	pthread_mutex_unlock(&x->mu);

	ld_txn_drop(t, x->st);
	ld_txn_drop(t, x->conf);
	ld_txn_drop(t, x->last);
	ld_txn_drop(t, x->ep);
	ld_txn_drop(t, x->due);
	ld_txn_drop(t, x->rd);
	return ld_txn_drop(t, x->warn);
}

static size_t mo_dbis(void *ud, MDB_dbi *out, size_t max)
{
	const struct monitor *x = ud;
	MDB_dbi dbs[] = {x->st, x->conf, x->last, x->ep, x->due, x->rd, x->warn};
	size_t n = 0;

	for (; n < max && n < sizeof(dbs) / sizeof(dbs[0]); n++)
		out[n] = dbs[n];
	return n;
}

static void mo_free(void *ud)
{
	struct monitor *x = ud;

	hot_clear(x);
	pthread_mutex_destroy(&x->mu);
	free(x);
}

static const ld_indexer_t monitor_indexer = {
	.name = "monitor",
	.open = mo_open,
	.apply = mo_apply,
	.drop = mo_drop,
	.dbis = mo_dbis,
	.free = mo_free,
};

int ld_monitor_attach(ld_store_t *s)
{
	struct monitor *x = calloc(1, sizeof(*x));
	pthread_mutexattr_t a;

	if (!x)
		return -ENOMEM;
	/* Recursive: a reader called back from inside the writer's apply. */
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&x->mu, &a);
	pthread_mutexattr_destroy(&a);
	return ld_store_add_indexer(s, &monitor_indexer, x);
}

/* ---- reads ---- */

static struct monitor *mon(const ld_rd_t *rd)
{
	return ld_store_indexer(rd->s, "monitor");
}

int ld_monitor_station(const ld_rd_t *rd, const char *id, void **ret)
{
	const struct monitor *x = mon(rd);
	MDB_val k = {id ? strlen(id) : 0, (void *)id}, v;
	MDB_txn *txn;
	int r;

	*ret = NULL;
	if (!x)
		return -ENOTSUP;
	if (!id || !id[0])
		return -ENOENT;
	if ((r = ld_rd_txn(rd, &txn)) < 0)
		return r;
	r = ld_store_mdb_err(mdb_get(txn, x->st, &k, &v));
	if (r == 0 &&
	    (v.mv_size < 8 || !(*ret = ld_payload_unpack(LD__KIND__KIND_MONITOR_STATION,
							 (uint8_t *)v.mv_data + 8, v.mv_size - 8))))
		r = -EIO;
	ld_rd_txn_end(rd, txn);
	return r;
}

struct st_walk {
	int (*cb)(void *ud, const void *station);
	void *ud;
};

static int st_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct st_walk *w = ud;
	void *m;
	int r;

	if (v->mv_size < 8 || !(m = ld_payload_unpack(LD__KIND__KIND_MONITOR_STATION,
						      (uint8_t *)v->mv_data + 8, v->mv_size - 8)))
		return -EIO;
	r = w->cb(w->ud, m);
	ld_payload_free(m);
	return r;
}

int ld_monitor_foreach_station(const ld_rd_t *rd, int (*cb)(void *ud, const void *station),
			       void *ud)
{
	const struct monitor *x = mon(rd);
	struct st_walk w = {cb, ud};
	MDB_txn *txn;
	int r;

	if (!x)
		return -ENOTSUP;
	if ((r = ld_rd_txn(rd, &txn)) < 0)
		return r;
	r = ld_store_walk(txn, x->st, NULL, st_one, &w);
	ld_rd_txn_end(rd, txn);
	return r;
}

int ld_monitor_state(const ld_rd_t *rd, const char *station, const char *param, ld_mon_state_t *ret)
{
	struct monitor *x = mon(rd);
	MDB_txn *txn;
	struct hot h;
	int r, i;

	if (!x)
		return -ENOTSUP;
	if (!station || !param || strlen(station) >= ST_MAX)
		return -ENOENT;
	if ((r = ld_rd_txn(rd, &txn)) < 0)
		return r;
	r = live_copy(x, txn, station, &h);
	if (r == 0)
		r = (i = conf_find(&h.c, param)) >= 0
			    ? state_of(x, txn, station, &h.c.s[i], &h.rs.r[i], ret)
			    : -ENOENT;
	ld_rd_txn_end(rd, txn);
	return r;
}

int ld_monitor_foreach_param(const ld_rd_t *rd, const char *station,
			     int (*cb)(void *ud, const char *param, const ld_mon_state_t *st),
			     void *ud)
{
	struct monitor *x = mon(rd);
	MDB_txn *txn;
	struct hot *h;
	int r;

	if (!x)
		return -ENOTSUP;
	if (!station || strlen(station) >= ST_MAX)
		return -ENOENT;
	if (!(h = malloc(sizeof(*h))))
		return -ENOMEM;
	if ((r = ld_rd_txn(rd, &txn)) < 0) {
		free(h);
		return r;
	}
	r = live_copy(x, txn, station, h);
	for (size_t i = 0; r == 0 && i < h->c.n; i++) {
		ld_mon_state_t st;

		if ((r = state_of(x, txn, station, &h->c.s[i], &h->rs.r[i], &st)) == 0)
			r = cb(ud, h->c.s[i].param, &st);
	}
	free(h);
	ld_rd_txn_end(rd, txn);
	return r;
}

struct due_walk {
	struct monitor *x;
	MDB_txn *txn;
	int (*cb)(void *ud, const char *station, const char *param, int rule,
		  const ld_mon_state_t *st);
	void *ud;
	char station[ST_MAX]; /* the state read last */
	struct hot h;
};

static int due_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct due_walk *w = ud;
	const char *key = k->mv_data, *nul;
	char param[LD_MON_PARAM_MAX];
	ld_mon_state_t st;
	size_t sl, pl;
	int r, i;

	(void)v;
	if (k->mv_size < 4 || !(nul = memchr(key, '\0', k->mv_size)) ||
	    (sl = (size_t)(nul - key)) >= ST_MAX || (pl = k->mv_size - sl - 3) >= sizeof(param))
		return -EIO;
	memcpy(param, nul + 1, pl);
	param[pl] = '\0';
	if (strncmp(w->station, key, sl) || w->station[sl]) {
		memcpy(w->station, key, sl);
		w->station[sl] = '\0';
		if ((r = live_copy(w->x, w->txn, w->station, &w->h)) < 0)
			return r;
	}
	if ((i = conf_find(&w->h.c, param)) < 0)
		return 0;
	if ((r = state_of(w->x, w->txn, w->station, &w->h.c.s[i], &w->h.rs.r[i], &st)) < 0)
		return r;
	return w->cb(w->ud, w->station, param, key[k->mv_size - 1], &st);
}

int ld_monitor_foreach_due(const ld_rd_t *rd,
			   int (*cb)(void *ud, const char *station, const char *param, int rule,
				     const ld_mon_state_t *st),
			   void *ud)
{
	struct due_walk *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	*w = (struct due_walk){.x = mon(rd), .cb = cb, .ud = ud};
	if (!w->x) {
		free(w);
		return -ENOTSUP;
	}
	if ((r = ld_rd_txn(rd, &w->txn)) == 0) {
		r = ld_store_walk(w->txn, w->x->due, NULL, due_one, w);
		ld_rd_txn_end(rd, w->txn);
	}
	free(w);
	return r;
}

int ld_monitor_foreach_readings(const ld_rd_t *rd, const char *station, int64_t from_ms,
				int64_t to_ms, int (*cb)(void *ud, uint64_t seq, int64_t start_ms),
				void *ud)
{
	const struct monitor *x = mon(rd);
	size_t sl = station ? strlen(station) : 0;
	uint8_t kb[RD_KEY_MAX];
	MDB_val k, v;
	MDB_cursor *cur = NULL;
	MDB_txn *txn;
	int64_t hour, last;
	int r, op = MDB_SET_RANGE;

	if (!x)
		return -ENOTSUP;
	if (!station || sl >= ST_MAX)
		return -ENOENT;
	/* Batch starts beyond ±2^53 ms are not indexed (apply_readings). */
	from_ms = from_ms < -(1ll << 53) ? -(1ll << 53) : from_ms;
	to_ms = to_ms > (1ll << 53) ? (1ll << 53) : to_ms;
	if (from_ms > to_ms)
		return 0;
	hour = hour_of(from_ms);
	last = hour_of(to_ms);
	if ((r = ld_rd_txn(rd, &txn)) < 0)
		return r;
	if ((r = ld_store_mdb_err(mdb_cursor_open(txn, x->rd, &cur))) < 0)
		goto out;
	k.mv_data = kb;
	k.mv_size = rd_key(kb, station, from_ms, 0);
	/* One seek per hour that holds a batch, then the station's batches of
	 * that hour in order. */
	while (r == 0) {
		const uint8_t *p;
		int64_t h, t;

		if ((r = ld_store_mdb_err(mdb_cursor_get(cur, &k, &v, op))) < 0)
			break;
		p = k.mv_data;
		if (k.mv_size < 25)
			break; /* not a key of this layout: the index is rebuilt by reindex */
		h = (int64_t)(ld_be64_get(p) ^ (1ull << 63));
		if (h > last)
			break;
		if (h == hour && k.mv_size == sl + 25 && !memcmp(p + 8, station, sl + 1)) {
			t = (int64_t)(ld_be64_get(p + 9 + sl) ^ (1ull << 63));
			if (t > to_ms)
				break;
			if (t >= from_ms && (r = cb(ud, ld_be64_get(p + 17 + sl), t)) != 0)
				break;
			op = MDB_NEXT;
			continue;
		}
		/* Past the station in this hour: seek it in the next hour held. */
		hour = h > hour ? h : hour + 1;
		if (hour > last)
			break;
		k.mv_data = kb;
		k.mv_size = rd_key(kb, station, INT64_MIN, 0);
		ld_be64_put(kb, (uint64_t)hour ^ (1ull << 63));
		op = MDB_SET_RANGE;
	}
	if (r == -ENOENT || r > 0)
		r = 0;
	mdb_cursor_close(cur);
out:
	ld_rd_txn_end(rd, txn);
	return r;
}

int ld_monitor_foreach_warning(const ld_rd_t *rd, int64_t from_ms,
			       int (*cb)(void *ud, const char *author, uint64_t seq, int64_t at_ms),
			       void *ud)
{
	const struct monitor *x = mon(rd);
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int r, op = MDB_LAST;

	if (!x)
		return -ENOTSUP;
	if ((r = ld_rd_txn(rd, &txn)) < 0)
		return r;
	if ((r = ld_store_mdb_err(mdb_cursor_open(txn, x->warn, &c))) < 0) {
		ld_rd_txn_end(rd, txn);
		return r;
	}
	while ((r = ld_store_mdb_err(mdb_cursor_get(c, &k, &v, op))) == 0) {
		const uint8_t *p = k.mv_data;
		const char *author = (const char *)p + 8;
		int64_t t;

		op = MDB_PREV;
		if (k.mv_size < 18 || p[k.mv_size - 9] != '\0') {
			r = -EIO;
			break;
		}
		t = (int64_t)(ld_be64_get(p) ^ (1ull << 63));
		if (t < from_ms)
			break;
		if ((r = cb(ud, author, ld_be64_get(p + k.mv_size - 8), t)) != 0)
			break;
	}
	mdb_cursor_close(c);
	ld_rd_txn_end(rd, txn);
	return r == -ENOENT ? 0 : r;
}

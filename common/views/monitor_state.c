/* common/views/monitor_state.c: see monitor_int.h. */
#include <errno.h>
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
#include "common/views/monitor_int.h"

/* Is 'id' a station of unit 'author'? */
int ld_monitor_station_unit(const char *id, char *unit, size_t n)
{
	const char *slash = id ? strchr(id, '/') : NULL;

	if (!slash || slash == id || !ld_case_id_valid(id) || (size_t)(slash - id) >= n)
		return -EINVAL;
	memcpy(unit, id, (size_t)(slash - id));
	unit[slash - id] = '\0';
	return ld_node_id_valid(unit) ? 0 : -EINVAL;
}

bool mon_owned(const char *id, const char *author)
{
	char unit[LD_NODE_ID_MAX + 1];

	return ld_monitor_station_unit(id, unit, sizeof(unit)) == 0 && !strcmp(unit, author);
}

size_t mon_sp_key(uint8_t *kb, const char *station, const char *param)
{
	size_t a = strlen(station), b = strlen(param);

	memcpy(kb, station, a + 1);
	memcpy(kb + a + 1, param, b);
	return a + 1 + b;
}

int64_t mon_hour_of(int64_t t)
{
	return t >= 0 ? t / HOUR_MS : -((-(t + 1)) / HOUR_MS) - 1;
}

size_t mon_rd_key(uint8_t *kb, const char *station, int64_t start_ms, uint64_t seq)
{
	size_t l = strlen(station);

	ld_be64_put(kb, (uint64_t)mon_hour_of(start_ms) ^ (1ull << 63));
	memcpy(kb + 8, station, l + 1);
	ld_be64_put(kb + 9 + l, (uint64_t)start_ms ^ (1ull << 63));
	ld_be64_put(kb + 17 + l, seq);
	return l + 25;
}

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

int mon_rec_put(MDB_txn *txn, MDB_dbi db, const char *station, const void *buf, size_t hdr,
		size_t slot)
{
	MDB_val k = {strlen(station), (void *)station},
		v = {hdr + ((const uint8_t *)buf)[1] * slot, (void *)buf};

	return ld_store_mdb_err(mdb_put(txn, db, &k, &v, 0));
}

static int mon_conf_get(MDB_txn *txn, const struct monitor *x, const char *station, conf_t *c)
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
int mon_conf_find(const conf_t *c, const char *param)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->s[i].param, param))
			return i;
	return -1;
}

/* Both records of 'station'; slot i of each is the same parameter. */
int mon_station_recs(MDB_txn *txn, const struct monitor *x, const char *station, conf_t *c,
		     recs_t *rs)
{
	int r = mon_conf_get(txn, x, station, c);

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
void mon_conf_station(conf_t *c, const Ld__MonitorStation *sm)
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
	size_t kl = mon_sp_key(kb, station, param);

	kb[kl] = '\0';
	kb[kl + 1] = (uint8_t)rule;
	return kl + 2;
}

int mon_ep_get(MDB_txn *txn, MDB_dbi db, const char *station, const char *param, int rule,
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
bool mon_wants(bool run, const mon_ep_t *ep)
{
	return run && ep->warn_ms < ep->first_ms;
}

/* Write episode 'ep' and keep m_due for it ('was': wanted before). */
int mon_ep_put(const struct monitor *x, MDB_txn *txn, const char *station, const char *param,
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
int mon_state_of(const struct monitor *x, MDB_txn *txn, const char *station, const conf_slot_t *cs,
		 const mon_rec_t *rec, ld_mon_state_t *st)
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

		if ((r = mon_ep_get(txn, x->ep, station, cs->param, i, &ep)) < 0)
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
		if ((r = mon_ep_get(txn, x->ep, station, param, rule, &j->ep)) < 0)
			return r;
		j->loaded = true;
		j->was = mon_wants(run, &j->ep);
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

	if ((i = mon_conf_find(c, name)) >= 0)
		return i; /* the name as the slot has it: nothing to resolve */
	param = c->known ? ld_standard_param(c->medium, name) : NULL;
	if (!param)
		param = name;
	if ((i = mon_conf_find(c, param)) >= 0)
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
			 const double *val, size_t n, uint32_t interval_s, uint64_t seq,
			 const conf_t *c, int slot, mon_rec_t *rec)
{
	const conf_slot_t *cs = &c->s[slot];
	double max = cs->has & 2 ? cs->max : HUGE_VAL, min = cs->has & 1 ? cs->min : -HUGE_VAL;
	double base = rec->base, thr_k = 1 + (c->ratio > 0 ? c->ratio : 1.0);
	int64_t step = (int64_t)interval_s * 1000;
	unsigned n_base = rec->n_base;
	struct judging j[LD_MON_RULES] = {0};
	bool has_lim = cs->has != 0, run0 = rec->run & 1, run1 = rec->run >> 1 & 1;
	size_t last = SIZE_MAX;
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
			r = mon_ep_put(x, txn, station, cs->param, i, &j[i].ep, j[i].was,
				       mon_wants(rec->run >> i & 1, &j[i].ep));
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
			r = mon_ep_put(x, txn, station, cs->param, i, &j[i].ep, j[i].was,
				       mon_wants(rec->run >> i & 1, &j[i].ep));
	return r < 0 ? r : latest;
}

static uint64_t hot_hash(const char *id)
{
	uint64_t h = 14695981039346656037ull;

	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 1099511628211ull;
	return h;
}

void mon_hot_clear(struct monitor *x)
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
		mon_hot_clear(x); /* states are reloaded from their checkpoints */
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
void mon_hot_forget(struct monitor *x, const char *id)
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
	MDB_val k = {mon_rd_key(kb, h->id, h->rs.last_start, h->rs.last_seq), kb}, v;

	return h->rs.last_seq && mdb_get(txn, x->rd, &k, &v) == 0;
}

/* Readings entry 'm' of 'author' is one the index folds. */
bool mon_readings_ok(const Ld__MonitorReadings *m, const char *author)
{
	/* A batch start beyond ±2^53 ms (285,000 years) is no reading's: it is
	 * left out, so that start + offset and the differences of times
	 * judged later cannot overflow, whatever a peer signed. */
	return m->station_id && mon_owned(m->station_id, author) && m->has_start_ms &&
	       m->start_ms <= (1ll << 53) && m->start_ms >= -(1ll << 53) &&
	       strlen(m->station_id) < ST_MAX;
}

/* Fold readings entry 'm' (seq) into state h, each series into its slot.
 * *dirty: a series appeared or changed unit (m_conf to write); *ran: a
 * rule's run started or ended. With 'quiet' (a replay) nothing is written. */
/* After a series of 'unit' was folded into 'slot' (r: 1 if it gave the
 * latest reading): a new unit is kept (*dirty). r, 0 for 1. */
static int unit_seen(struct hot *h, int slot, const char *unit, int r, bool *dirty)
{
	if (r > 0 && unit && strlen(unit) < sizeof(h->c.s[slot].unit) &&
	    strcmp(h->c.s[slot].unit, unit)) {
		strcpy(h->c.s[slot].unit, unit);
		*dirty = true;
	}
	return r > 0 ? 0 : r;
}

bool mon_block_ok(const Ld__MonitorReadings__Block *b)
{
	return b && b->n_parameter && b->n_unit == b->n_parameter && b->has_interval_s &&
	       b->n_value % b->n_parameter == 0;
}

int mon_fold(const struct monitor *x, MDB_txn *txn, struct hot *h, const Ld__MonitorReadings *m,
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
		if (se->n_flag == 0 && se->n_offset_s == 0 && se->has_interval_s)
			r = apply_regular(x, quiet ? NULL : txn, h->id, m->start_ms, se->value,
					  se->n_value, se->interval_s, seq, &h->c, slot,
					  &h->rs.r[slot]);
		else
			r = apply_series(x, quiet ? NULL : txn, h->id, m->start_ms, se, seq, &h->c,
					 slot, &h->rs.r[slot]);
		r = unit_seen(h, slot, se->unit, r, dirty);
	}
	/* The block: each parameter's readings in turn, as a regular series. */
	if (r == 0 && mon_block_ok(m->block)) {
		const Ld__MonitorReadings__Block *b = m->block;
		size_t k = b->n_value / b->n_parameter;

		for (size_t i = 0; r == 0 && i < b->n_parameter; i++) {
			int slot;

			if (!b->parameter[i][0] || strlen(b->parameter[i]) >= LD_MON_PARAM_MAX)
				continue;
			slot = series_slot(x, txn, h->id, b->parameter[i], &h->c, &h->rs, &sm,
					   &decoded, dirty);
			if (slot < 0)
				continue;
			r = apply_regular(x, quiet ? NULL : txn, h->id, m->start_ms,
					  b->value + i * k, k, b->interval_s, seq, &h->c, slot,
					  &h->rs.r[slot]);
			r = unit_seen(h, slot, b->unit[i], r, dirty);
		}
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
	if ((r = mon_station_recs(txn, x, station, &h->c, &h->rs)) < 0)
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
		if (m && mon_readings_ok(m, e->hdr->author) && !strcmp(m->station_id, station))
			r = mon_fold(x, txn, h, m, seq, true, &dirty, &ran);
		ld_payload_free(m);
		ld_entry_destroy(&e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The writer's live state of 'station', before entry 'seq': from the table
 * if it can be believed, else loaded and kept. */
int mon_live_for(struct monitor *x, MDB_txn *txn, const char *station, uint64_t seq,
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
int mon_live_copy(struct monitor *x, MDB_txn *txn, const char *station, struct hot *out)
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

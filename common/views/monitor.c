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
#include "common/views/monitor_int.h"
#include "monitor.pb-c.h"

static int apply_readings(struct monitor *x, MDB_txn *txn, const ld_entry_t *e,
			  const Ld__MonitorReadings *m)
{
	uint8_t kb[RD_KEY_MAX];
	MDB_val k = {0, kb}, v = {0, ""};
	struct hot *h = NULL;
	bool dirty = false, ran = false;
	int r;

	if (!mon_readings_ok(m, e->hdr->author))
		return 0;
	pthread_mutex_lock(&x->mu);
	r = mon_live_for(x, txn, m->station_id, e->hdr->seq, &h);
	if (r == 0)
		r = mon_fold(x, txn, h, m, e->hdr->seq, false, &dirty, &ran);
	if (r == 0 && dirty)
		r = mon_rec_put(txn, x->conf, h->id, &h->c, CONF_HDR, sizeof(conf_slot_t));
	if (r == 0 && (dirty || ran || h->rs.since >= CKPT_EVERY)) {
		h->rs.since = 0;
		r = mon_rec_put(txn, x->last, h->id, &h->rs, RECS_HDR, sizeof(mon_rec_t));
	}
	if (r == 0) {
		k.mv_size = mon_rd_key(kb, m->station_id, m->start_ms, e->hdr->seq);
		r = ld_store_mdb_err(mdb_put(txn, x->rd, &k, &v, 0));
	}
	if (r < 0)
		mon_hot_forget(x, m->station_id);
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

	if (!m->station_id || !mon_owned(m->station_id, e->hdr->author))
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

		r = mon_live_for(x, txn, m->station_id, e->hdr->seq, &h);
		if (r == 0 && h->rs.since > 0) {
			h->rs.since = 0;
			r = mon_rec_put(txn, x->last, h->id, &h->rs, RECS_HDR, sizeof(mon_rec_t));
		}
		if (r == 0) {
			mon_conf_station(&h->c, m);
			r = mon_rec_put(txn, x->conf, h->id, &h->c, CONF_HDR, sizeof(conf_slot_t));
		}
		if (r < 0)
			mon_hot_forget(x, m->station_id);
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

	if (!m->station_id || !mon_owned(m->station_id, e->hdr->author) || !m->parameter ||
	    !m->parameter[0] || strlen(m->parameter) >= LD_MON_PARAM_MAX || !m->has_at_ms)
		return 0;
	kl = mon_sp_key(kb, m->station_id, m->parameter);
	if ((r = mon_station_recs(txn, x, m->station_id, &c, &rs)) < 0)
		return r;
	i = mon_conf_find(&c, m->parameter);
	run = i >= 0 && rs.r[i].run >> rule & 1;
	if ((r = mon_ep_get(txn, x->ep, m->station_id, m->parameter, rule, &ep)) < 0)
		return r;
	was = mon_wants(run, &ep);
	if (m->at_ms > ep.warn_ms)
		ep.warn_ms = m->at_ms;
	if ((r = mon_ep_put(x, txn, m->station_id, m->parameter, rule, &ep, was,
			    mon_wants(run, &ep))) < 0)
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
	mon_hot_clear(x);
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
	mon_hot_clear(x);
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

	mon_hot_clear(x);
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
	r = mon_live_copy(x, txn, station, &h);
	if (r == 0)
		r = (i = mon_conf_find(&h.c, param)) >= 0
			    ? mon_state_of(x, txn, station, &h.c.s[i], &h.rs.r[i], ret)
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
	r = mon_live_copy(x, txn, station, h);
	for (size_t i = 0; r == 0 && i < h->c.n; i++) {
		ld_mon_state_t st;

		if ((r = mon_state_of(x, txn, station, &h->c.s[i], &h->rs.r[i], &st)) == 0)
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
		if ((r = mon_live_copy(w->x, w->txn, w->station, &w->h)) < 0)
			return r;
	}
	if ((i = mon_conf_find(&w->h.c, param)) < 0)
		return 0;
	if ((r = mon_state_of(w->x, w->txn, w->station, &w->h.c.s[i], &w->h.rs.r[i], &st)) < 0)
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
	hour = mon_hour_of(from_ms);
	last = mon_hour_of(to_ms);
	if ((r = ld_rd_txn(rd, &txn)) < 0)
		return r;
	if ((r = ld_store_mdb_err(mdb_cursor_open(txn, x->rd, &cur))) < 0)
		goto out;
	k.mv_data = kb;
	k.mv_size = mon_rd_key(kb, station, from_ms, 0);
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
		k.mv_size = mon_rd_key(kb, station, INT64_MIN, 0);
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

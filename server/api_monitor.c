/* server/api_monitor.c: API_MONITOR, the monitoring stations, one station's
 * latest values and readings entries, and the early warnings this node
 * holds (common/views/monitor.h). */
#include <stdlib.h>
#include <string.h>

#include "common/base/errors.h"
#include "common/feed/entry.h"
#include "common/feed/kinds.h"
#include "common/views/monitor.h"
#include "monitor.pb-c.h"
#include "server/api_int.h"

#define MON_ENTRIES_MAX 1024
#define MON_BYTES (16u << 20)

struct acc {
	Ld__ApiEntry **p;
	size_t n, max, bytes;
	ProtobufCBinaryData *st;
	size_t n_st, cap_st;
	Ld__ApiMonitorParam **par;
	size_t n_par, cap_par;
	ld_node_t *node;
};

static int raw_one(void *ud, const ld_raw_entry_t *e)
{
	struct acc *a = ud;
	Ld__ApiEntry *x;

	if (a->n >= a->max || a->bytes >= MON_BYTES)
		return 1;
	if (!(x = calloc(1, sizeof(*x))))
		return -ENOMEM;
	ld__api_entry__init(x);
	x->has_entry = x->has_recv_ms = true;
	x->recv_ms = e->recv_ms;
	x->entry.len = ld_entry_parts_wire_size(e->header_len, e->payload, e->payload_len);
	if (!(x->entry.data = malloc(x->entry.len))) {
		free(x);
		return -ENOMEM;
	}
	ld_entry_encode_parts(e->header, e->header_len, e->sig, e->payload, e->payload_len,
			      x->entry.data);
	a->p[a->n++] = x;
	a->bytes += x->entry.len;
	return 1; /* one entry asked for */
}

static int add_entry(struct acc *a, const char *feed, uint64_t seq)
{
	int r = ld_store_foreach_raw(a->node->store, feed, seq, seq, raw_one, a);

	return r == 1 || r == -ENOENT ? 0 : r;
}

static int station_one(void *ud, const void *p)
{
	struct acc *a = ud;
	const Ld__MonitorStation *m = p;
	ProtobufCBinaryData *b;

	if (a->n_st == a->cap_st) {
		size_t cap = a->cap_st ? 2 * a->cap_st : 64;

		if (!(b = realloc(a->st, cap * sizeof(*b))))
			return -ENOMEM;
		a->st = b;
		a->cap_st = cap;
	}
	b = &a->st[a->n_st];
	b->len = ld__monitor_station__get_packed_size(m);
	if (!(b->data = malloc(b->len ? b->len : 1)))
		return -ENOMEM;
	ld__monitor_station__pack(m, b->data);
	a->n_st++;
	return 0;
}

static int param_one(void *ud, const char *param, const ld_mon_state_t *st)
{
	struct acc *a = ud;
	Ld__ApiMonitorParam *x;

	if (a->n_par == a->cap_par) {
		size_t cap = a->cap_par ? 2 * a->cap_par : 16;
		Ld__ApiMonitorParam **np = realloc(a->par, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		a->par = np;
		a->cap_par = cap;
	}
	if (!(x = calloc(1, sizeof(*x))))
		return -ENOMEM;
	ld__api_monitor_param__init(x);
	x->parameter = strdup(param);
	x->unit = strdup(st->unit);
	x->has_t_ms = x->has_value = x->has_beyond = true;
	x->t_ms = st->t_ms;
	x->value = st->value;
	x->beyond = st->ep[0].in_run;
	if (x->beyond) {
		x->has_limit = x->has_beyond_since_ms = true;
		x->limit = st->ep[0].first_limit;
		x->beyond_since_ms = st->ep[0].first_ms;
	}
	a->par[a->n_par++] = x;
	return x->parameter && x->unit ? 0 : -ENOMEM;
}

struct rd_ctx {
	struct acc *a;
	char unit[LD_NODE_ID_MAX + 1];
};

static int readings_one(void *ud, uint64_t seq, int64_t start_ms)
{
	struct rd_ctx *c = ud;

	(void)start_ms;
	if (c->a->n >= c->a->max || c->a->bytes >= MON_BYTES)
		return 1;
	return add_entry(c->a, c->unit, seq);
}

static int warning_one(void *ud, const char *author, uint64_t seq, int64_t at_ms)
{
	struct acc *a = ud;

	(void)at_ms;
	if (a->n >= a->max)
		return 1;
	return add_entry(a, author, seq);
}

void api_monitor(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q)
{
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_MONITOR);
	struct acc a = {.node = n, .max = MON_ENTRIES_MAX};
	uint32_t op = q->has_monitor_op ? q->monitor_op : 0;
	int r = 0;

	if (!(a.p = calloc(MON_ENTRIES_MAX, sizeof(*a.p)))) {
		api_respond_err(n, c, LD__API_TYPE__API_MONITOR, -ENOMEM, NULL);
		return;
	}
	if (op == 1) {
		r = ld_monitor_foreach_station(LD_RD(n->store), station_one, &a);
	} else if (op == 2) {
		struct rd_ctx rc = {&a, ""};
		void *st = NULL;

		if (!q->station || ld_monitor_station_unit(q->station, rc.unit, sizeof(rc.unit))) {
			api_respond_err(n, c, LD__API_TYPE__API_MONITOR, -EINVAL,
					"field 'station' must be a station id UNIT/LOCAL");
			goto out;
		}
		if ((r = ld_monitor_station(LD_RD(n->store), q->station, &st)) == 0) {
			r = station_one(&a, st);
			ld_payload_free(st);
		}
		if (r == 0)
			r = ld_monitor_foreach_param(LD_RD(n->store), q->station, param_one, &a);
		if (r == 0)
			r = ld_monitor_foreach_readings(LD_RD(n->store), q->station,
							q->has_since_ms ? q->since_ms : INT64_MIN,
							q->has_until_ms ? q->until_ms : INT64_MAX,
							readings_one, &rc);
		if (r == -ENOENT) {
			api_respond_err(n, c, LD__API_TYPE__API_MONITOR, -ENOENT,
					"this node holds no station of that id");
			goto out;
		}
	} else if (op == 3) {
		a.max = q->has_limit && q->limit && q->limit < MON_ENTRIES_MAX ? q->limit : 100;
		r = ld_monitor_foreach_warning(LD_RD(n->store), q->has_since_ms ? q->since_ms : 0,
					       warning_one, &a);
	} else {
		api_respond_err(n, c, LD__API_TYPE__API_MONITOR, -EINVAL,
				"field 'monitor_op' must be 1 (stations), 2 (a station) or 3 "
				"(warnings)");
		goto out;
	}
	if (r < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_MONITOR, r, NULL);
		goto out;
	}
	resp.n_entries = a.n;
	resp.entries = a.p;
	resp.n_stations = a.n_st;
	resp.stations = a.st;
	resp.n_params = a.n_par;
	resp.params = a.par;
	api_respond(n, c, &resp);
out:
	for (size_t i = 0; i < a.n; i++) {
		free(a.p[i]->entry.data);
		free(a.p[i]);
	}
	for (size_t i = 0; i < a.n_st; i++)
		free(a.st[i].data);
	for (size_t i = 0; i < a.n_par; i++) {
		free(a.par[i]->parameter);
		free(a.par[i]->unit);
		free(a.par[i]);
	}
	free(a.p);
	free(a.st);
	free(a.par);
}

/* ---- the command view's warnings ---- */

#define VIEW_WARN_MAX 50
#define VIEW_WARN_SPAN_MS (7ll * 86400000)

struct view_warn {
	ld_node_t *node;
	size_t n, open;
	Ld__ApiViewWarning w[VIEW_WARN_MAX];
	Ld__ApiViewWarning *p[VIEW_WARN_MAX];
	Ld__MonitorWarning *m[VIEW_WARN_MAX];
	char *name[VIEW_WARN_MAX];
	char *feed[VIEW_WARN_MAX];
};

static bool episode_open(ld_node_t *n, const Ld__MonitorWarning *m)
{
	ld_mon_state_t st;
	int rule = m->rule == LD__WARNING_RULE__WARNING_RULE_JUMP ? 1 : 0;

	if (ld_monitor_state(LD_RD(n->store), m->station_id, m->parameter, &st) < 0)
		return false;
	return st.ep[rule].in_run && m->at_ms >= st.ep[rule].first_ms;
}

static int view_warn_one(void *ud, const char *author, uint64_t seq, int64_t at_ms)
{
	struct view_warn *v = ud;
	Ld__ApiViewWarning *w = &v->w[v->n];
	Ld__MonitorWarning *m;
	Ld__MonitorStation *st = NULL;
	ld_entry_t *e = NULL;

	(void)at_ms;
	if (v->n >= VIEW_WARN_MAX)
		return 1;
	if (ld_store_get(v->node->store, author, seq, &e, NULL) < 0)
		return 0;
	m = ld_entry_payload(e, LD__KIND__KIND_MONITOR_WARNING);
	ld_entry_destroy(&e);
	if (!m || !m->station_id || !m->parameter) {
		ld_payload_free(m); /* held redacted here: not this node's to show */
		return 0;
	}
	v->m[v->n] = m;
	if (!(v->feed[v->n] = strdup(author)))
		return -ENOMEM;
	if (ld_monitor_station(LD_RD(v->node->store), m->station_id, (void **)&st) == 0) {
		v->name[v->n] = st->name ? strdup(st->name) : NULL;
		ld_payload_free(st);
	}
	ld__api_view_warning__init(w);
	w->feed = v->feed[v->n];
	w->has_seq = w->has_rule = w->has_value = w->has_limit = true;
	w->has_at_ms = w->has_open = true;
	w->seq = seq;
	w->station_id = m->station_id;
	w->station_name = v->name[v->n];
	w->parameter = m->parameter;
	w->rule = m->rule;
	w->value = m->value;
	w->limit = m->limit;
	w->unit = m->unit;
	w->at_ms = m->at_ms;
	if (m->upstream_station) {
		w->upstream_station = m->upstream_station;
		w->has_upstream_value = true;
		w->upstream_value = m->upstream_value;
	}
	w->open = episode_open(v->node, m);
	v->open += w->open;
	v->p[v->n] = w;
	v->n++;
	return 0;
}

int api_view_warnings(ld_node_t *n, int64_t now_ms, Ld__ApiView *av, void **ret_mem)
{
	struct view_warn *v = calloc(1, sizeof(*v));
	int r;

	*ret_mem = v;
	if (!v)
		return -ENOMEM;
	v->node = n;
	r = ld_monitor_foreach_warning(LD_RD(n->store), now_ms - VIEW_WARN_SPAN_MS, view_warn_one,
				       v);
	if (r < 0 && r != -ENOTSUP)
		return r;
	av->n_warnings = v->n;
	av->warnings = v->p;
	av->has_warnings_open = true;
	av->warnings_open = (uint32_t)v->open;
	return 0;
}

void api_view_warnings_free(void **mem)
{
	struct view_warn *v = *mem;

	if (!v)
		return;
	for (size_t i = 0; i < VIEW_WARN_MAX; i++) {
		ld_payload_free(v->m[i]);
		free(v->name[i]);
		free(v->feed[i]);
	}
	free(v);
	*mem = NULL;
}

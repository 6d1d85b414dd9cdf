/* common/index/threads.c: see threads.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.pb-c.h"
#include "case.pb-c.h"
#include "consult.pb-c.h"
#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "common/store/store_index.h"
#include "common/index/threads.h"
#include "evidence.pb-c.h"

struct threads {
	MDB_dbi cases, grants, actions, escalations, consults;
};

/* Key: case (or action) id \0 author \0 be64 seq; value: be32 kind. */
static void thread_put(ld_txn_t *t, MDB_dbi dbi, const char *case_id, const ld_entry_t *e)
{
	ld_kbuf_t kb;
	uint8_t vb[4];
	MDB_val k, v = {.mv_size = sizeof(vb), .mv_data = vb};

	ld_kbuf_init(&kb);
	ld_kbuf_strz(&kb, case_id);
	ld_kbuf_strz(&kb, e->hdr->author);
	ld_kbuf_be64(&kb, e->hdr->seq);
	ld_be32_put(vb, e->hdr->kind);
	k = ld_kbuf_val(&kb);
	ld_txn_put(t, dbi, &k, &v, 0);
}

/* A transfer or designation grants the named unit the case's payloads,
 * provided (checked when serving) its writer could read them itself. Keyed
 * by grantor too, so every grant is kept whatever the arrival order. */
static void grant_put(const struct threads *x, ld_txn_t *t, const char *case_id, const char *to,
		      const ld_entry_t *e)
{
	ld_kbuf_t kb;
	/* The key says it all; a constant value keeps the index independent of
	 * which of several equal grants arrived (or got its payload) first. */
	MDB_val k, v = {.mv_size = 1, .mv_data = (void *)"1"};

	ld_kbuf_init(&kb);
	ld_kbuf_strz(&kb, case_id);
	ld_kbuf_strz(&kb, to);
	ld_kbuf_str(&kb, e->hdr->author);
	k = ld_kbuf_val(&kb);
	ld_txn_put(t, x->grants, &k, &v, 0);
}

static MDB_val esc_key(ld_kbuf_t *kb, const char *thread, const char *responsible, uint32_t what,
		       int64_t deadline_ms, const char *author)
{
	ld_kbuf_init(kb);
	ld_kbuf_strz(kb, thread);
	ld_kbuf_strz(kb, responsible);
	ld_kbuf_be32(kb, what);
	ld_kbuf_be64(kb, (uint64_t)deadline_ms);
	ld_kbuf_u8(kb, 0);
	ld_kbuf_str(kb, author);
	return ld_kbuf_val(kb);
}

/* Escalations by (thread, responsible, what, deadline, author): a command
 * centre escalates each missed deadline once, across restarts; a new
 * deadline (a re-referral, a new checkpoint date) can be escalated again. */
static void esc_put(const struct threads *x, ld_txn_t *t, const char *thread,
		    const char *responsible, uint32_t what, int64_t deadline_ms,
		    const ld_entry_t *e)
{
	ld_kbuf_t kb;
	MDB_val k = esc_key(&kb, thread, responsible, what, deadline_ms, e->hdr->author);
	MDB_val v = {.mv_size = 1, .mv_data = (void *)"1"};

	ld_txn_put(t, x->escalations, &k, &v, 0);
}

/* Every entry whose payload names a case or an action, under it. The
 * payload comes decoded (store_index.h): nothing is unpacked here. The
 * puts are not checked one by one: the first that fails is t's error and
 * the rest do nothing. */
static int th_apply(void *ud, ld_store_t *s, ld_txn_t *t, const ld_entry_t *e,
		    const ProtobufCMessage *m)
{
	const struct threads *x = ud;
	const char *case_id, *action_id, *consult_id;

	/* A payload this node may not read names nothing it may index. */
	if (!m)
		return 0;
	case_id = ld_kind_case_id(m);
	action_id = ld_kind_action_id(m);
	consult_id = ld_kind_consult_id(m);
	if (case_id)
		thread_put(t, x->cases, case_id, e);
	if (action_id)
		thread_put(t, x->actions, action_id, e);
	if (consult_id)
		thread_put(t, x->consults, consult_id, e);
	switch (e->hdr->kind) {
	case LD__KIND__KIND_REFERRAL_RESPONSE: {
		const Ld__ReferralResponse *rr = (const Ld__ReferralResponse *)m;
		const char *to =
			rr->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER
				? rr->transfer_to
			: rr->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE
				? rr->designated
				: NULL;

		if (case_id && to && ld_node_id_valid(to))
			grant_put(x, t, case_id, to, e);
		break;
	}
	case LD__KIND__KIND_ESCALATION: {
		const Ld__Escalation *es = (const Ld__Escalation *)m;
		const char *thread = action_id ? action_id : case_id ? case_id : consult_id;

		if (thread && es->responsible && ld_node_id_valid(es->responsible))
			esc_put(x, t, thread, es->responsible,
				ld_escalation_code(es->what,
						   es->has_checkpoint ? (int)es->checkpoint : -1),
				es->deadline_ms, e);
		break;
	}
	case LD__KIND__KIND_ACTION_DISPATCH: {
		const Ld__ActionDispatch *d = (const Ld__ActionDispatch *)m;

		/* At most 16 related cases are indexed per dispatch (the CLI
		 * sends at most 8): a hostile dispatch cannot flood the index. */
		for (size_t i = 0; i < d->n_case_ids && i < 16; i++)
			if (ld_case_id_valid(d->case_ids[i]))
				thread_put(t, x->cases, d->case_ids[i], e);
		break;
	}
	case LD__KIND__KIND_CONSULT_CONVENE: {
		const Ld__ConsultConvene *d = (const Ld__ConsultConvene *)m;

		/* A consultation is listed with the cases it concerns (16 at most,
		 * as a dispatch's). */
		for (size_t i = 0; i < d->n_case_ids && i < 16; i++)
			if (ld_case_id_valid(d->case_ids[i]))
				thread_put(t, x->cases, d->case_ids[i], e);
		break;
	}
	default:
		break;
	}
	return ld_txn_err(t);
}

static int th_open(void *ud, ld_store_t *s, ld_txn_t *t)
{
	struct threads *x = ud;

	ld_txn_dbi_open(t, "v_case", MDB_CREATE, &x->cases);
	ld_txn_dbi_open(t, "v_grant", MDB_CREATE, &x->grants);
	ld_txn_dbi_open(t, "v_action", MDB_CREATE, &x->actions);
	ld_txn_dbi_open(t, "v_consult", MDB_CREATE, &x->consults);
	return ld_txn_dbi_open(t, "v_esc", MDB_CREATE, &x->escalations);
}

static int th_drop(void *ud, ld_store_t *s, ld_txn_t *t)
{
	const struct threads *x = ud;

	ld_txn_drop(t, x->cases);
	ld_txn_drop(t, x->grants);
	ld_txn_drop(t, x->actions);
	ld_txn_drop(t, x->consults);
	return ld_txn_drop(t, x->escalations);
}

static size_t th_dbis(void *ud, MDB_dbi *out, size_t max)
{
	const struct threads *x = ud;

	if (max < 5)
		return 0;
	out[0] = x->cases;
	out[1] = x->grants;
	out[2] = x->actions;
	out[3] = x->escalations;
	out[4] = x->consults;
	return 5;
}

static const ld_indexer_t threads_indexer = {
	.name = "threads",
	.open = th_open,
	.apply = th_apply,
	.drop = th_drop,
	.dbis = th_dbis,
	.free = free,
};

int ld_threads_attach(ld_store_t *s)
{
	struct threads *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	return ld_store_add_indexer(s, &threads_indexer, x);
}

struct case_walk {
	const char *case_id;
	size_t cl;
	int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind);
	void *ud;
	bool ended;
};

static int case_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct case_walk *w = ud;
	const uint8_t *p = k->mv_data;
	char feed[LD_NODE_ID_MAX + 1];
	size_t al;

	if (k->mv_size <= w->cl + 1 || memcmp(p, w->case_id, w->cl) != 0 || p[w->cl] != '\0') {
		w->ended = true; /* past this case */
		return 1;
	}
	al = k->mv_size - w->cl - 1 - 1 - 8;
	if (k->mv_size < w->cl + 10 || al == 0 || al > LD_NODE_ID_MAX || v->mv_size != 4)
		return -EIO;
	memcpy(feed, p + w->cl + 1, al);
	feed[al] = '\0';
	return w->cb(w->ud, feed, ld_be64_get(p + k->mv_size - 8), ld_be32_get(v->mv_data));
}

/* ld_store_walk over 'dbi' through reader 'rd'. */
static int walk_read(const ld_rd_t *rd, MDB_dbi dbi, const MDB_val *from,
		     int (*cb)(void *ud, const MDB_val *k, const MDB_val *v), void *ud)
{
	MDB_txn *txn;
	int r = ld_rd_txn(rd, &txn);

	if (r < 0)
		return r;
	r = ld_store_walk(txn, dbi, from, cb, ud);
	ld_rd_txn_end(rd, txn);
	return r;
}

static const struct threads *threads_of(ld_store_t *s)
{
	return ld_store_indexer(s, "threads");
}

enum thread_db { TH_CASES, TH_ACTIONS, TH_CONSULTS };

static MDB_dbi thread_dbi(const struct threads *x, enum thread_db t)
{
	return t == TH_CASES ? x->cases : t == TH_ACTIONS ? x->actions : x->consults;
}

static int foreach_thread(const ld_rd_t *rd, enum thread_db db, const char *case_id,
			  int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
			  void *ud)
{
	const struct threads *x = threads_of(rd->s);
	struct case_walk w = {case_id, strlen(case_id), cb, ud, false};
	uint8_t kb[LD_CASE_ID_MAX + 1];
	MDB_val k = {.mv_size = w.cl + 1, .mv_data = kb};
	int r;

	if (!ld_case_id_valid(case_id))
		return -EINVAL;
	if (!x)
		return -ENOTSUP;
	memcpy(kb, case_id, w.cl);
	kb[w.cl] = '\0';
	r = walk_read(rd, thread_dbi(x, db), &k, case_one, &w);
	return w.ended ? 0 : r;
}

int ld_rd_foreach_case_entry(const ld_rd_t *rd, const char *case_id,
			     int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
			     void *ud)
{
	return foreach_thread(rd, TH_CASES, case_id, cb, ud);
}

int ld_rd_foreach_action_entry(const ld_rd_t *rd, const char *action_id,
			       int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
			       void *ud)
{
	return foreach_thread(rd, TH_ACTIONS, action_id, cb, ud);
}

int ld_rd_foreach_consult_entry(const ld_rd_t *rd, const char *consult_id,
				int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
				void *ud)
{
	return foreach_thread(rd, TH_CONSULTS, consult_id, cb, ud);
}

int ld_store_foreach_case_entry(ld_store_t *s, const char *case_id,
				int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
				void *ud)
{
	return foreach_thread(LD_RD(s), TH_CASES, case_id, cb, ud);
}

int ld_store_foreach_action_entry(ld_store_t *s, const char *action_id,
				  int (*cb)(void *ud, const char *feed, uint64_t seq,
					    uint32_t kind),
				  void *ud)
{
	return foreach_thread(LD_RD(s), TH_ACTIONS, action_id, cb, ud);
}

struct grant_walk {
	uint8_t prefix[LD_CASE_ID_MAX + LD_NODE_ID_MAX + 2];
	size_t plen;
	int (*cb)(void *ud, const char *grantor);
	void *ud;
	bool ended;
};

static int grant_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct grant_walk *w = ud;
	char grantor[LD_NODE_ID_MAX + 1];
	size_t gl = k->mv_size - w->plen;

	if (k->mv_size <= w->plen || memcmp(k->mv_data, w->prefix, w->plen) != 0) {
		w->ended = true;
		return 1;
	}
	if (gl > LD_NODE_ID_MAX)
		return -EIO;
	memcpy(grantor, (const uint8_t *)k->mv_data + w->plen, gl);
	grantor[gl] = '\0';
	return w->cb(w->ud, grantor);
}

int ld_rd_foreach_case_grant(const ld_rd_t *rd, const char *case_id, const char *grantee,
			     int (*cb)(void *ud, const char *grantor), void *ud)
{
	ld_store_t *s = rd->s;
	struct grant_walk w = {.cb = cb, .ud = ud};
	size_t cl = strlen(case_id), gl = strlen(grantee);
	MDB_val k;
	int r;

	if (!ld_case_id_valid(case_id) || !ld_node_id_valid(grantee))
		return -EINVAL;
	memcpy(w.prefix, case_id, cl);
	w.prefix[cl] = '\0';
	memcpy(w.prefix + cl + 1, grantee, gl);
	w.prefix[cl + 1 + gl] = '\0';
	w.plen = cl + gl + 2;
	k = (MDB_val){.mv_size = w.plen, .mv_data = w.prefix};
	if (!threads_of(s))
		return -ENOTSUP;
	r = walk_read(rd, threads_of(s)->grants, &k, grant_one, &w);
	return w.ended ? 0 : r;
}

int ld_store_foreach_case_grant(ld_store_t *s, const char *case_id, const char *grantee,
				int (*cb)(void *ud, const char *grantor), void *ud)
{
	return ld_rd_foreach_case_grant(LD_RD(s), case_id, grantee, cb, ud);
}

struct id_walk {
	char last[LD_CASE_ID_MAX + 1];
	const char *after;
	int (*cb)(void *ud, const char *id);
	void *ud;
};

static int id_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct id_walk *w = ud;
	const char *p = k->mv_data, *nul = memchr(p, '\0', k->mv_size);
	size_t len = nul ? (size_t)(nul - p) : 0;

	if (!nul || len == 0 || len > LD_CASE_ID_MAX)
		return -EIO;
	/* Keys are sorted, so an id's entries are adjacent. */
	if (strlen(w->last) == len && !memcmp(w->last, p, len))
		return 0;
	memcpy(w->last, p, len);
	w->last[len] = '\0';
	if (w->after && strcmp(w->last, w->after) <= 0)
		return 0;
	return w->cb(w->ud, w->last);
}

int ld_threads_foreach_id(const ld_rd_t *rd, bool cases, const char *after,
			  int (*cb)(void *ud, const char *id), void *ud)
{
	struct id_walk w = {.after = after && after[0] ? after : NULL, .cb = cb, .ud = ud};
	MDB_val from = {.mv_size = w.after ? strlen(w.after) : 0, .mv_data = (void *)w.after};
	const struct threads *x = threads_of(rd->s);

	if (!x)
		return -ENOTSUP;
	return walk_read(rd, cases ? x->cases : x->actions, w.after ? &from : NULL, id_one, &w);
}

int ld_threads_foreach_consult_id(const ld_rd_t *rd, int (*cb)(void *ud, const char *id), void *ud)
{
	struct id_walk w = {.cb = cb, .ud = ud};
	const struct threads *x = threads_of(rd->s);

	if (!x)
		return -ENOTSUP;
	return walk_read(rd, x->consults, NULL, id_one, &w);
}

int ld_store_foreach_thread_id(ld_store_t *s, bool cases, int (*cb)(void *ud, const char *id),
			       void *ud)
{
	return ld_threads_foreach_id(LD_RD(s), cases, NULL, cb, ud);
}

int ld_store_escalated(ld_store_t *s, const char *thread_id, const char *responsible, uint32_t what,
		       int64_t deadline_ms, const char *author)
{
	ld_kbuf_t kb;
	MDB_val k, v;
	MDB_txn *txn;
	int r;

	if (!ld_case_id_valid(thread_id) || !ld_node_id_valid(responsible) ||
	    !ld_node_id_valid(author))
		return -EINVAL;
	k = esc_key(&kb, thread_id, responsible, what, deadline_ms, author);
	if (!threads_of(s))
		return -ENOTSUP;
	if ((r = ld_rd_txn(LD_RD(s), &txn)) < 0)
		return r;
	r = ld_store_mdb_err(mdb_get(txn, threads_of(s)->escalations, &k, &v));
	ld_rd_txn_end(LD_RD(s), txn);
	return r;
}

uint32_t ld_escalation_code(uint32_t what, int checkpoint)
{
	return (what & 0xff) | (checkpoint >= 0 ? ((uint32_t)checkpoint + 1) << 8 : 0);
}

/* common/views/casesum.c: see casesum.h.
 *
 * Layouts (big-endian):
 *   v_csum  case id -> u8 version(1) | u8 flags (1 = awaiting) |
 *           i64 referred | i64 answer_by | i64 answered | u8 n |
 *           n x (u32 checkpoint, i64 due) | referrer \0 holder \0 status \0
 *           case_status \0 title \0   (a checkpoint number with the high
 *           bit set: the due date of substitute-performance order number
 *           & 0x7fffffff, not accepted yet)
 *   v_cidx  u8 class | u64 time (sign bit flipped, so negative times sort
 *           first) | case id [\0 u32 checkpoint or order] -> holder
 *   v_ncnt  node id -> u32 out, in, awaiting, answered, hist[512]
 *           (classes 4 and 5, joint actions: -> the dispatcher)
 *   v_aact  action id -> u8 priority | u8 active | i64 dispatched
 *   meta "rejudge" -> 'c' case id | 'a' action id: where a re-judgement
 *           after a roster change has got to (absent: none pending). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base/text.h"
#include "common/domain/access.h"
#include "common/domain/action.h"
#include "common/domain/casefile.h"
#include "common/views/casesum.h"
#include "common/base/vec.h"
#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "common/views/search_int.h"
#include "common/store/store_index.h"
#include "common/index/threads.h"

#include "action.pb-c.h"

#define SUM_VERSION 1
#define SUM_HDR 26
#define CNT_LEN (16 + 4 * LD_ANSWER_BUCKETS)
#define REJUDGE_INLINE 1000

/* A due date in the checkpoint list with this bit set in its number is
 * substitute-performance order number & ~SUBST_BIT (class LD_DUE_SUBSTITUTE). */
#define SUBST_BIT 0x80000000u
#define DUE_MAX (LD_CHECKPOINTS_MAX + LD_SUBST_MAX)

struct sum {
	ld_case_sum_t c;
	size_t n_cp;
	uint32_t cp_no[DUE_MAX];
	int64_t cp_due[DUE_MAX];
};

static const MDB_val rejudge_key = {.mv_size = 7, .mv_data = (void *)"rejudge"};

/* A case or action whose summary is judged again before commit. */
struct sum_touch {
	char id[LD_CASE_ID_MAX + 1];
	bool action;
};

/* The summaries as an index of the store (store_index.h). */
struct sums {
	MDB_dbi csum, cidx, ncnt, aact;
	struct sum_touch *touched; /* touched in the write transaction */
	size_t n_touched, cap_touched;
	bool rebuilding;     /* reindex judges everything itself */
	bool roster_changed; /* a roster update was stored */
	ld_access_t *access; /* the roster judgements use */
};

#define SUMS(s) ((struct sums *)ld_store_indexer((s), "summaries"))

unsigned ld_answer_bucket(int64_t ms)
{
	double b;

	if (ms < 1000)
		return 0;
	b = floor(16.0 * log2((double)ms / 1000.0)) + 1;
	return b >= LD_ANSWER_BUCKETS - 1 ? LD_ANSWER_BUCKETS - 1 : (unsigned)b;
}

int64_t ld_answer_bucket_ms(unsigned b)
{
	if (b == 0)
		return 500;
	return (int64_t)(1000.0 * exp2(((double)b - 0.5) / 16.0));
}

static int sum_touch(struct sums *x, const char *id, bool action)
{
	struct sum_touch *t;

	if (x->rebuilding)
		return 0;
	/* Consecutive entries of one thread are the common case. */
	if (x->n_touched && x->touched[x->n_touched - 1].action == action &&
	    !strcmp(x->touched[x->n_touched - 1].id, id))
		return 0;
	if (ld_vec_grow(&x->touched, x->n_touched, &x->cap_touched, sizeof(*x->touched), 64) < 0)
		return -ENOMEM;
	t = &x->touched[x->n_touched++];
	snprintf(t->id, sizeof(t->id), "%s", id);
	t->action = action;
	return 0;
}

/* What of a judged case the summary keeps. */
static void summarize(const ld_case_t *c, struct sum *m)
{
	ld_case_sum_t *x = &m->c;

	memset(m, 0, sizeof(*m));
	snprintf(x->case_id, sizeof(x->case_id), "%s", c->case_id);
	snprintf(x->referrer, sizeof(x->referrer), "%s", c->referrer);
	snprintf(x->holder, sizeof(x->holder), "%s", c->holder);
	x->state = c->state;
	snprintf(x->case_status, sizeof(x->case_status), "%s", c->case_status);
	snprintf(x->title, sizeof(x->title), "%.127s", c->title);
	ld_utf8_trim(x->title);
	x->awaiting = c->state == LD_CASE_AWAITING;
	x->answer_by_ms = c->answer_by_ms;
	for (size_t i = 0; i < c->n_items; i++) {
		const ld_case_item_t *it = &c->items[i];

		if (it->refused)
			continue;
		if (it->kind == LD__KIND__KIND_CASE_REFERRAL && !x->referred_ms)
			x->referred_ms = it->time_ms;
		else if (it->kind == LD__KIND__KIND_REFERRAL_RESPONSE && !x->answered_ms &&
			 x->referred_ms)
			x->answered_ms = it->time_ms;
	}
	for (size_t i = 0; i < c->n_checkpoints && i < LD_CHECKPOINTS_MAX; i++) {
		const ld_checkpoint_t *cp = &c->checkpoints[i];

		if (!cp->dropped && !cp->reported_ms && cp->due_ms) {
			m->cp_no[m->n_cp] = (uint32_t)i;
			m->cp_due[m->n_cp++] = cp->due_ms;
		}
	}
	for (size_t i = 0; i < c->funds.n_orders; i++) {
		const ld_subst_t *o = &c->funds.orders[i];

		if (!o->accepted_ms && o->due_ms) {
			m->cp_no[m->n_cp] = SUBST_BIT | (uint32_t)i;
			m->cp_due[m->n_cp++] = o->due_ms;
		}
	}
}

static size_t put_str(uint8_t *p, const char *str)
{
	size_t l = strlen(str) + 1;

	memcpy(p, str, l);
	return l;
}

/* Encode into buf (at least 1024 bytes); returns the length. */
static size_t sum_encode(const struct sum *m, uint8_t *buf)
{
	const ld_case_sum_t *x = &m->c;
	size_t n = 0;

	buf[n++] = SUM_VERSION;
	buf[n++] = x->awaiting ? 1 : 0;
	ld_be64_put(buf + n, (uint64_t)x->referred_ms);
	ld_be64_put(buf + n + 8, (uint64_t)x->answer_by_ms);
	ld_be64_put(buf + n + 16, (uint64_t)x->answered_ms);
	n += 24;
	buf[n++] = (uint8_t)m->n_cp;
	for (size_t i = 0; i < m->n_cp; i++, n += 12) {
		ld_be32_put(buf + n, m->cp_no[i]);
		ld_be64_put(buf + n + 4, (uint64_t)m->cp_due[i]);
	}
	n += put_str(buf + n, x->referrer);
	n += put_str(buf + n, x->holder);
	n += put_str(buf + n, ld_case_state_name(x->state));
	n += put_str(buf + n, x->case_status);
	n += put_str(buf + n, x->title);
	return n;
}

static int get_str(const uint8_t **p, const uint8_t *end, char *out, size_t cap)
{
	const uint8_t *nul = memchr(*p, '\0', (size_t)(end - *p));
	size_t l;

	if (!nul || (l = (size_t)(nul - *p)) >= cap)
		return -EIO;
	memcpy(out, *p, l + 1);
	*p = nul + 1;
	return 0;
}

static int sum_decode(const MDB_val *k, const MDB_val *v, struct sum *m)
{
	const uint8_t *p = v->mv_data, *end = p + v->mv_size;
	ld_case_sum_t *x = &m->c;
	char state[32];
	int st = 0;

	memset(m, 0, sizeof(*m));
	if (k->mv_size == 0 || k->mv_size > LD_CASE_ID_MAX || v->mv_size < SUM_HDR + 1 ||
	    p[0] != SUM_VERSION)
		return -EIO;
	memcpy(x->case_id, k->mv_data, k->mv_size);
	x->awaiting = p[1] & 1;
	x->referred_ms = (int64_t)ld_be64_get(p + 2);
	x->answer_by_ms = (int64_t)ld_be64_get(p + 10);
	x->answered_ms = (int64_t)ld_be64_get(p + 18);
	m->n_cp = p[SUM_HDR];
	p += SUM_HDR + 1;
	if (m->n_cp > DUE_MAX || (size_t)(end - p) < 12 * m->n_cp)
		return -EIO;
	for (size_t i = 0; i < m->n_cp; i++, p += 12) {
		m->cp_no[i] = ld_be32_get(p);
		m->cp_due[i] = (int64_t)ld_be64_get(p + 4);
	}
	if (get_str(&p, end, x->referrer, sizeof(x->referrer)) < 0 ||
	    get_str(&p, end, x->holder, sizeof(x->holder)) < 0 ||
	    get_str(&p, end, state, sizeof(state)) < 0 || (st = ld_case_state_parse(state)) < 0 ||
	    get_str(&p, end, x->case_status, sizeof(x->case_status)) < 0 ||
	    get_str(&p, end, x->title, sizeof(x->title)) < 0 || p != end)
		return -EIO;
	x->state = (enum ld_case_state)st;
	return 0;
}

int ld_rd_case_sum_get(const ld_rd_t *rd, const char *case_id, ld_case_sum_t *ret)
{
	MDB_val k = (MDB_val){.mv_size = strlen(case_id), .mv_data = (void *)(case_id)}, v;
	MDB_txn *txn;
	struct sum m;
	int r;

	if (!ld_case_id_valid(case_id))
		return -EINVAL;
	if ((r = ld_rd_txn(rd, &txn)) < 0)
		return r;
	r = ld_store_mdb_err(mdb_get(txn, SUMS(rd->s)->csum, &k, &v));
	if (r == 0 && (r = sum_decode(&k, &v, &m)) == 0)
		*ret = m.c;
	ld_rd_txn_end(rd, txn);
	return r;
}

int ld_case_sum_get(ld_store_t *s, const char *case_id, ld_case_sum_t *ret)
{
	return ld_rd_case_sum_get(LD_RD(s), case_id, ret);
}

/* ---- due index ---- */

static uint64_t time_key(int64_t t)
{
	return (uint64_t)t ^ (1ull << 63);
}

static size_t due_key(uint8_t *kb, enum ld_due_class cls, int64_t t, const char *case_id,
		      int checkpoint)
{
	size_t l = strlen(case_id), n = 9 + l;

	kb[0] = (uint8_t)cls;
	ld_be64_put(kb + 1, time_key(t));
	memcpy(kb + 9, case_id, l);
	if (checkpoint >= 0) {
		kb[n++] = '\0';
		ld_be32_put(kb + n, (uint32_t)checkpoint);
		n += 4;
	}
	return n;
}

/* Add or remove a due-index key. 0 or txn's first error. */
static int due_op(ld_store_t *s, ld_txn_t *txn, bool add, enum ld_due_class cls, int64_t t,
		  const char *case_id, int checkpoint, const char *holder)
{
	uint8_t kb[9 + LD_CASE_ID_MAX + 5];
	MDB_val k = {.mv_data = kb},
		v = (MDB_val){.mv_size = strlen(holder), .mv_data = (void *)(holder)};

	k.mv_size = due_key(kb, cls, t, case_id, checkpoint);
	if (add)
		return ld_txn_put(txn, SUMS(s)->cidx, &k, &v, 0);
	return ld_txn_del(txn, SUMS(s)->cidx, &k, NULL);
}

/* ---- per-unit counters ---- */

static int count_op(ld_store_t *s, ld_txn_t *txn, const char *node, int sign, int d_out, int d_in,
		    int d_await, int bucket)
{
	uint8_t b[CNT_LEN];
	MDB_val k = (MDB_val){.mv_size = strlen(node), .mv_data = (void *)(node)}, v;
	bool zero = true;
	int r = ld_txn_get(txn, SUMS(s)->ncnt, &k, &v);

	if (r == 0 && v.mv_size == CNT_LEN)
		memcpy(b, v.mv_data, CNT_LEN);
	else if (r == 0)
		return ld_txn_fail(txn, -EIO);
	else if (r == -ENOENT)
		memset(b, 0, sizeof(b));
	else
		return r;
	{
		int d[4] = {d_out, d_in, d_await, bucket >= 0};

		for (int i = 0; i < 4; i++)
			ld_be32_put(b + 4 * i, ld_be32_get(b + 4 * i) + (uint32_t)(sign * d[i]));
		if (bucket >= 0) {
			uint8_t *h = b + 16 + 4 * bucket;

			ld_be32_put(h, ld_be32_get(h) + (uint32_t)sign);
		}
	}
	for (size_t i = 0; i < CNT_LEN && zero; i++)
		zero = b[i] == 0;
	/* A unit with nothing left is removed, as a rebuild would not have it. */
	if (zero)
		return ld_txn_del(txn, SUMS(s)->ncnt, &k, NULL);
	v = (MDB_val){.mv_size = CNT_LEN, .mv_data = b};
	return ld_txn_put(txn, SUMS(s)->ncnt, &k, &v, 0);
}

/* Add (sign 1) or remove (sign -1) everything a summary contributes. The
 * writes are not checked one by one: the first failure is txn's error,
 * and what follows it does nothing. */
static int sum_contribute(ld_store_t *s, ld_txn_t *txn, const struct sum *m, int sign)
{
	const ld_case_sum_t *x = &m->c;
	bool add = sign > 0;
	int bucket = -1;

	/* Author times are claims: a negative or absurd span is not a time. */
	if (x->answered_ms && x->answered_ms >= x->referred_ms &&
	    x->answered_ms - x->referred_ms < INT64_MAX / 2)
		bucket = (int)ld_answer_bucket(x->answered_ms - x->referred_ms);
	count_op(s, txn, x->referrer, sign, 1, 0, 0, -1);
	count_op(s, txn, x->holder, sign, 0, 1, x->awaiting, bucket);
	if (x->awaiting && x->answer_by_ms)
		due_op(s, txn, add, LD_DUE_ANSWER_BY, x->answer_by_ms, x->case_id, -1, x->holder);
	due_op(s, txn, add, x->awaiting ? LD_DUE_AWAITING : LD_DUE_OTHER, x->referred_ms,
	       x->case_id, -1, x->holder);
	for (size_t i = 0; i < m->n_cp; i++)
		due_op(s, txn, add, m->cp_no[i] & SUBST_BIT ? LD_DUE_SUBSTITUTE : LD_DUE_CHECKPOINT,
		       m->cp_due[i], x->case_id, (int)(m->cp_no[i] & ~SUBST_BIT), x->holder);
	return ld_txn_err(txn);
}

static int access_ready(ld_store_t *s, ld_txn_t *txn)
{
	if (SUMS(s)->access)
		return 0;
	return ld_txn_fail(txn, ld_access_load_rd(&(ld_rd_t){s, txn->txn}, &SUMS(s)->access));
}

/* Judge case 'id' again, reading in the write transaction 'txn'. */
static int rejudge_case(ld_store_t *s, ld_txn_t *txn, const char *id)
{
	uint8_t old_b[1024], new_b[1024];
	MDB_val k = (MDB_val){.mv_size = strlen(id), .mv_data = (void *)(id)}, v;
	size_t old_len = 0, new_len = 0;
	struct sum old_m, new_m;
	ld_case_t *c = NULL;
	int r = ld_txn_get(txn, SUMS(s)->csum, &k, &v);

	if (r == 0) {
		if (v.mv_size > sizeof(old_b) || sum_decode(&k, &v, &old_m) < 0)
			return ld_txn_fail(txn, -EIO);
		old_len = v.mv_size;
		memcpy(old_b, v.mv_data, old_len);
	} else if (r != -ENOENT) {
		return r;
	}
	r = ld_case_load_rd(&(ld_rd_t){s, txn->txn}, SUMS(s)->access, id, &c);
	if (r < 0 && r != -ENOENT)
		return ld_txn_fail(txn, r);
	if (c && c->opened) {
		summarize(c, &new_m);
		new_len = sum_encode(&new_m, new_b);
	}
	/* The search index follows the judged case, whether or not the
	 * summary changed (it was absent before an upgrade). */
	r = store_search_update(s, txn, id, c, SUMS(s)->access);
	ld_case_destroy(&c);
	if (r < 0)
		return r;
	if (old_len == new_len && !memcmp(old_b, new_b, old_len))
		return 0;
	if (old_len)
		sum_contribute(s, txn, &old_m, -1);
	if (new_len)
		sum_contribute(s, txn, &new_m, 1);
	if (!new_len)
		return ld_txn_del(txn, SUMS(s)->csum, &k, NULL);
	v = (MDB_val){.mv_size = new_len, .mv_data = new_b};
	return ld_txn_put(txn, SUMS(s)->csum, &k, &v, 0);
}

/* v_aact keeps what the action's index key was made of, to remove it. */
static int rejudge_action(ld_store_t *s, ld_txn_t *txn, const char *id)
{
	MDB_val k = (MDB_val){.mv_size = strlen(id), .mv_data = (void *)(id)}, v;
	ld_action_t *a = NULL;
	uint8_t vb[10];
	int r = ld_txn_get(txn, SUMS(s)->aact, &k, &v);

	if (r == 0) {
		if (v.mv_size != sizeof(vb))
			return ld_txn_fail(txn, -EIO);
		memcpy(vb, v.mv_data, sizeof(vb));
		due_op(s, txn, false, vb[1] ? LD_DUE_ACTION_ACTIVE : LD_DUE_ACTION_DONE,
		       (int64_t)ld_be64_get(vb + 2), id, -1, "");
		if ((r = ld_txn_del(txn, SUMS(s)->aact, &k, NULL)) < 0)
			return r;
	} else if (r != -ENOENT) {
		return r;
	}
	r = ld_action_load_rd(&(ld_rd_t){s, txn->txn}, SUMS(s)->access, id, 0, &a);
	if (r == -ENOENT)
		return 0;
	if (r == 0 && a->dispatched) {
		bool active = ld_action_active(a);

		vb[0] = (uint8_t)(a->priority > 255 ? 255 : a->priority);
		vb[1] = active;
		ld_be64_put(vb + 2, (uint64_t)a->dispatch_ms);
		v = (MDB_val){.mv_size = sizeof(vb), .mv_data = vb};
		ld_txn_put(txn, SUMS(s)->aact, &k, &v, 0);
		r = due_op(s, txn, true, active ? LD_DUE_ACTION_ACTIVE : LD_DUE_ACTION_DONE,
			   a->dispatch_ms, id, -1, a->dispatcher);
	}
	ld_action_destroy(&a);
	return ld_txn_fail(txn, r);
}

static int touch_cmp(const void *x, const void *y)
{
	const struct sum_touch *a = x, *b = y;

	if (a->action != b->action)
		return a->action ? 1 : -1;
	return strcmp(a->id, b->id);
}

struct collect {
	char (*ids)[LD_CASE_ID_MAX + 1];
	size_t n, max;
};

static int collect_one(void *ud, const char *id)
{
	struct collect *c = ud;

	if (c->n == c->max)
		return 1;
	snprintf(c->ids[c->n++], sizeof(*c->ids), "%s", id);
	return 0;
}

/* Judge up to 'max' cases, then actions, from the cursor in meta. */
static int rejudge_step(ld_store_t *s, ld_txn_t *txn, size_t max, size_t *ret_done)
{
	char cur[LD_CASE_ID_MAX + 2];
	struct collect c = {.max = max};
	MDB_val v;
	bool action;
	int r = ld_txn_get(txn, ld_store_meta_dbi(s), &rejudge_key, &v);

	*ret_done = 0;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (v.mv_size < 1 || v.mv_size > LD_CASE_ID_MAX + 1)
		return ld_txn_fail(txn, -EIO);
	memcpy(cur, v.mv_data, v.mv_size);
	cur[v.mv_size] = '\0';
	action = cur[0] == 'a';
	if ((r = access_ready(s, txn)) < 0)
		return r;
	c.ids = calloc(max ? max : 1, sizeof(*c.ids));
	if (!c.ids)
		return ld_txn_fail(txn, -ENOMEM);
	/* Ids after the cursor (reads go through txn). */
	r = ld_threads_foreach_id(&(ld_rd_t){s, txn->txn}, !action, cur + 1, collect_one, &c);
	for (size_t i = 0; r >= 0 && i < c.n; i++)
		r = action ? rejudge_action(s, txn, c.ids[i]) : rejudge_case(s, txn, c.ids[i]);
	if (r >= 0) {
		*ret_done = c.n;
		if (c.n == max) {
			/* More may follow: remember the last one done. */
			snprintf(cur, sizeof(cur), "%c%s", action ? 'a' : 'c', c.ids[c.n - 1]);
			v = (MDB_val){.mv_size = strlen(cur), .mv_data = (void *)(cur)};
			r = ld_txn_put(txn, ld_store_meta_dbi(s), &rejudge_key, &v, 0);
		} else if (!action) {
			v = (MDB_val){.mv_size = strlen("a"), .mv_data = (void *)("a")};
			r = ld_txn_put(txn, ld_store_meta_dbi(s), &rejudge_key, &v, 0);
			*ret_done += 1; /* the action phase is still to come */
		} else {
			r = ld_txn_del(txn, ld_store_meta_dbi(s), &rejudge_key, NULL);
		}
	}
	free(c.ids);
	return r < 0 ? ld_txn_fail(txn, r) : 0;
}

static int store_rejudge_start(ld_store_t *s, ld_txn_t *txn)
{
	MDB_val v = (MDB_val){.mv_size = strlen("c"), .mv_data = (void *)("c")};

	return ld_txn_put(txn, ld_store_meta_dbi(s), &rejudge_key, &v, 0);
}

/* Before commit: judge again what the transaction touched (reads go
 * through it). */
static int sums_commit(void *ud, ld_store_t *s, ld_txn_t *txn)
{
	struct sums *x = ud;
	int r = 0;

	if (!x->n_touched && !x->roster_changed)
		return 0;
	if (x->roster_changed)
		ld_access_destroy(&x->access);
	r = access_ready(s, txn);
	if (x->n_touched)
		qsort(x->touched, x->n_touched, sizeof(*x->touched), touch_cmp);
	for (size_t i = 0; r == 0 && i < x->n_touched; i++) {
		if (i && x->touched[i].action == x->touched[i - 1].action &&
		    !strcmp(x->touched[i].id, x->touched[i - 1].id))
			continue;
		r = x->touched[i].action ? rejudge_action(s, txn, x->touched[i].id)
					 : rejudge_case(s, txn, x->touched[i].id);
	}
	/* A roster change may change any judgement: start again from the
	 * first case, and finish here if the store is small. */
	if (r == 0 && x->roster_changed) {
		size_t done = 1;

		r = store_rejudge_start(s, txn);
		for (int i = 0; r == 0 && done && i < 2; i++)
			r = rejudge_step(s, txn, REJUDGE_INLINE, &done);
	}
	/* The roster snapshot of a changed roster is not the roster any more. */
	if (x->roster_changed)
		ld_access_destroy(&x->access);
	x->n_touched = 0;
	x->roster_changed = false;
	return r;
}

static void sums_abort(void *ud)
{
	struct sums *x = ud;

	/* What was read in a transaction that does not commit is not so. */
	ld_access_destroy(&x->access);
	x->n_touched = 0;
	x->roster_changed = false;
}

/* Reindex: empty the summaries; the entries are applied without touching
 * anything, then rebuilt() judges every case and action once. */
static int sums_drop(void *ud, ld_store_t *s, ld_txn_t *txn)
{
	struct sums *x = ud;

	x->rebuilding = true;
	x->n_touched = 0;
	x->roster_changed = false;
	ld_txn_drop(txn, x->csum);
	ld_txn_drop(txn, x->cidx);
	ld_txn_drop(txn, x->ncnt);
	return ld_txn_drop(txn, x->aact);
}

static int sums_rebuilt(void *ud, ld_store_t *s, ld_txn_t *txn)
{
	struct sums *x = ud;
	MDB_val v = {.mv_size = 1, .mv_data = (void *)"c"};
	size_t done = 1;
	int r;

	x->rebuilding = false;
	if ((r = ld_txn_put(txn, ld_store_meta_dbi(s), &rejudge_key, &v, 0)) < 0)
		return r;
	ld_access_destroy(&x->access);
	while (r == 0 && done)
		r = rejudge_step(s, txn, 20000, &done);
	return r;
}

struct rejudge_ctx {
	size_t max, done;
};

static int rejudge_txn(ld_store_t *s, ld_txn_t *txn, void *ud)
{
	struct rejudge_ctx *c = ud;
	return rejudge_step(s, txn, c->max, &c->done);
}

int ld_store_rejudge(ld_store_t *s, size_t max, size_t *ret_done)
{
	struct rejudge_ctx c = {.max = max ? max : 1};
	int r;

	if (ret_done)
		*ret_done = 0;
	if (!ld_store_rejudge_pending(s))
		return 0;
	r = ld_store_write(s, rejudge_txn, &c);
	if (r == 0 && ret_done)
		*ret_done = c.done;
	return r;
}

bool ld_rd_rejudge_pending(const ld_rd_t *rd)
{
	MDB_txn *txn;
	MDB_val v;
	bool pending;

	if (ld_rd_txn(rd, &txn) < 0)
		return false;
	pending = mdb_get(txn, ld_store_meta_dbi(rd->s), (MDB_val *)&rejudge_key, &v) == 0;
	ld_rd_txn_end(rd, txn);
	return pending;
}

bool ld_store_rejudge_pending(ld_store_t *s)
{
	return ld_rd_rejudge_pending(LD_RD(s));
}

/* ---- the summaries as an index of the store ---- */

static int sums_open(void *ud, ld_store_t *s, ld_txn_t *txn)
{
	struct sums *x = ud;
	MDB_dbi sdoc;
	MDB_stat sum, doc;
	int r;

	ld_txn_dbi_open(txn, "v_csum", MDB_CREATE, &x->csum);
	ld_txn_dbi_open(txn, "v_cidx", MDB_CREATE, &x->cidx);
	ld_txn_dbi_open(txn, "v_ncnt", MDB_CREATE, &x->ncnt);
	ld_txn_dbi_open(txn, "v_aact", MDB_CREATE, &x->aact);
	if ((r = ld_txn_dbi_open(txn, "v_sdoc", MDB_CREATE, &sdoc)) < 0)
		return r;
	/* A store written before the search index existed has case summaries
	 * but no search records (both exist for every opened case otherwise):
	 * judge every case again, in the daemon's idle slices, which builds
	 * the index. */
	if ((r = ld_txn_check(txn, mdb_stat(txn->txn, x->csum, &sum))) < 0 ||
	    (r = ld_txn_check(txn, mdb_stat(txn->txn, sdoc, &doc))) < 0)
		return r;
	if (sum.ms_entries == 0 || doc.ms_entries != 0)
		return 0;
	return store_rejudge_start(s, txn);
}

/* Every stored entry that names a case or an action (or changes the
 * roster) has it judged again before the transaction commits. */
static int sums_apply(void *ud, ld_store_t *s, ld_txn_t *txn, const ld_entry_t *e,
		      const ProtobufCMessage *m)
{
	struct sums *x = ud;
	const char *id;
	int r = 0;

	if (e->hdr->kind == LD__KIND__KIND_ROSTER_UPDATE) {
		const char *root = ld_store_root_id(s);

		/* Only the root's updates change the roster (another feed's
		 * would be refused): nobody else can start a re-judgement. */
		if (!x->rebuilding && (!root || !strcmp(root, e->hdr->author)))
			x->roster_changed = true;
		return 0;
	}
	if (!m)
		return 0;
	if ((id = ld_kind_case_id(m)))
		r = sum_touch(x, id, false);
	if (r == 0 && (id = ld_kind_action_id(m)))
		r = sum_touch(x, id, true);
	if (e->hdr->kind == LD__KIND__KIND_ACTION_DISPATCH) {
		const Ld__ActionDispatch *d = (const Ld__ActionDispatch *)m;

		for (size_t i = 0; r == 0 && i < d->n_case_ids && i < 16; i++)
			if (ld_case_id_valid(d->case_ids[i]))
				r = sum_touch(x, d->case_ids[i], false);
	}
	return r;
}

static size_t sums_dbis(void *ud, MDB_dbi *out, size_t max)
{
	const struct sums *x = ud;

	if (max < 4)
		return 0;
	out[0] = x->csum;
	out[1] = x->cidx;
	out[2] = x->ncnt;
	out[3] = x->aact;
	return 4;
}

static void sums_free(void *ud)
{
	struct sums *x = ud;

	ld_access_destroy(&x->access);
	free(x->touched);
	free(x);
}

static const ld_indexer_t sums_indexer = {
	.name = "summaries",
	.open = sums_open,
	.apply = sums_apply,
	.commit = sums_commit,
	.abort = sums_abort,
	.drop = sums_drop,
	.rebuilt = sums_rebuilt,
	.dbis = sums_dbis,
	.free = sums_free,
};

int ld_summaries_attach(ld_store_t *s)
{
	struct sums *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	return ld_store_add_indexer(s, &sums_indexer, x);
}

/* ---- readers ---- */

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

struct due_walk {
	uint8_t cls;
	int (*cb)(void *ud, int64_t t, const char *case_id, const char *holder, int checkpoint);
	void *ud;
};

static int due_one(struct due_walk *w, const MDB_val *k, const MDB_val *v)
{
	const uint8_t *p = k->mv_data;
	char id[LD_CASE_ID_MAX + 1], holder[LD_NODE_ID_MAX + 1];
	const uint8_t *nul;
	size_t l;
	int cp = -1;

	if (k->mv_size < 10 || p[0] != w->cls)
		return 2; /* past the class */
	l = k->mv_size - 9;
	nul = memchr(p + 9, '\0', l);
	if (nul) {
		if ((size_t)(p + k->mv_size - nul) != 5)
			return -EIO;
		cp = (int)ld_be32_get(nul + 1);
		l = (size_t)(nul - (p + 9));
	}
	if (l == 0 || l > LD_CASE_ID_MAX || v->mv_size == 0 || v->mv_size > LD_NODE_ID_MAX)
		return -EIO;
	memcpy(id, p + 9, l);
	id[l] = '\0';
	memcpy(holder, v->mv_data, v->mv_size);
	holder[v->mv_size] = '\0';
	return w->cb(w->ud, (int64_t)(ld_be64_get(p + 1) ^ (1ull << 63)), id, holder, cp);
}

int ld_rd_foreach_due(const ld_rd_t *rd, enum ld_due_class cls, bool reverse,
		      int (*cb)(void *ud, int64_t t, const char *case_id, const char *holder,
				int checkpoint),
		      void *ud)
{
	struct due_walk w = {(uint8_t)cls, cb, ud};
	uint8_t kb[1] = {(uint8_t)(cls + (reverse ? 1 : 0))};
	MDB_val k = {.mv_size = 1, .mv_data = kb}, v;
	MDB_cursor *cur;
	MDB_txn *txn;
	int r, rc;

	if ((r = ld_rd_txn(rd, &txn)) < 0)
		return r;
	if ((r = ld_store_mdb_err(mdb_cursor_open(txn, SUMS(rd->s)->cidx, &cur))) < 0) {
		ld_rd_txn_end(rd, txn);
		return r;
	}
	if (!reverse) {
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	} else {
		/* The last key of the class: just before the next class. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV)
			     : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	}
	for (r = 0; rc == 0 && r == 0;) {
		r = due_one(&w, &k, &v);
		if (r == 0)
			rc = mdb_cursor_get(cur, &k, &v, reverse ? MDB_PREV : MDB_NEXT);
	}
	if (r == 2)
		r = 0;
	else if (r == 0 && rc != MDB_NOTFOUND)
		r = ld_store_mdb_err(rc);
	mdb_cursor_close(cur);
	ld_rd_txn_end(rd, txn);
	return r;
}

int ld_store_foreach_due(ld_store_t *s, enum ld_due_class cls, bool reverse,
			 int (*cb)(void *ud, int64_t t, const char *case_id, const char *holder,
				   int checkpoint),
			 void *ud)
{
	return ld_rd_foreach_due(LD_RD(s), cls, reverse, cb, ud);
}

struct cnt_walk {
	int (*cb)(void *ud, const ld_unit_counts_t *c);
	void *ud;
	ld_unit_counts_t c;
};

static int cnt_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct cnt_walk *w = ud;
	const uint8_t *p = v->mv_data;

	if (k->mv_size == 0 || k->mv_size > LD_NODE_ID_MAX || v->mv_size != CNT_LEN)
		return -EIO;
	memcpy(w->c.node, k->mv_data, k->mv_size);
	w->c.node[k->mv_size] = '\0';
	w->c.out = ld_be32_get(p);
	w->c.in = ld_be32_get(p + 4);
	w->c.awaiting = ld_be32_get(p + 8);
	w->c.answered = ld_be32_get(p + 12);
	for (size_t i = 0; i < LD_ANSWER_BUCKETS; i++)
		w->c.hist[i] = ld_be32_get(p + 16 + 4 * i);
	return w->cb(w->ud, &w->c);
}

int ld_rd_foreach_unit_counts(const ld_rd_t *rd, int (*cb)(void *ud, const ld_unit_counts_t *c),
			      void *ud)
{
	struct cnt_walk *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	w->cb = cb;
	w->ud = ud;
	r = walk_read(rd, SUMS(rd->s)->ncnt, NULL, cnt_one, w);
	free(w);
	return r;
}

int ld_store_foreach_unit_counts(ld_store_t *s, int (*cb)(void *ud, const ld_unit_counts_t *c),
				 void *ud)
{
	return ld_rd_foreach_unit_counts(LD_RD(s), cb, ud);
}

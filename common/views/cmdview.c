/* common/views/cmdview.c: see cmdview.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/views/casesum.h"
#include "common/views/cmdview.h"
#include "common/base/errors.h"

size_t ld_action_unacknowledged(const ld_action_t *a)
{
	size_t n = 0;

	/* One whose answers are not all visible here is not known to be. */
	for (size_t i = 0; i < a->n_parts; i++)
		n += a->parts[i].ack_ms == 0 && !a->parts[i].hidden;
	return n;
}

struct build {
	ld_store_t *s;
	ld_rd_t rd; /* every read: one state of the store */
	const ld_access_t *a;
	const ld_view_filter_t *f;
	ld_view_t *v;
	size_t limit, cap_cases, cap_actions, done_listed;
	bool list_awaiting, list_other;
	/* Region code -> index + 1 in v->regions (open addressing, power of
	 * two): every overdue answer looks its region up. */
	uint32_t *slots;
	size_t n_slots;
	int err;
};

static bool prefix_match(const struct build *b, const char *node)
{
	const char *r = ld_access_region_of(b->a, node);

	return r && !strncmp(r, b->f->region, strlen(b->f->region));
}

static bool region_match(const struct build *b, const char *node)
{
	return !b->f->region || prefix_match(b, node);
}

static size_t region_hash(const char *code)
{
	uint32_t h = 2166136261u;

	for (; *code; code++)
		h = (h ^ (uint8_t)*code) * 16777619u;
	return h;
}

/* Put region index i into the table (which has a free slot). */
static void slot_put(struct build *b, size_t i)
{
	size_t k = region_hash(b->v->regions[i].region) & (b->n_slots - 1);

	while (b->slots[k])
		k = (k + 1) & (b->n_slots - 1);
	b->slots[k] = (uint32_t)i + 1;
}

/* Keep the table at most half full. 0 or -ENOMEM. */
static int slots_grow(struct build *b)
{
	size_t n = b->n_slots ? 2 * b->n_slots : 256;
	uint32_t *s;

	if (2 * (b->v->n_regions + 1) <= b->n_slots)
		return 0;
	if (!(s = calloc(n, sizeof(*s))))
		return -ENOMEM;
	free(b->slots);
	b->slots = s;
	b->n_slots = n;
	for (size_t i = 0; i < b->v->n_regions; i++)
		slot_put(b, i);
	return 0;
}

static ld_view_region_t *region_slot(struct build *b, const char *node)
{
	const char *code = ld_access_region_of(b->a, node);
	ld_view_t *v = b->v;
	ld_view_region_t *nr;
	char key[sizeof(nr->region)];
	size_t k;

	if (!code || !code[0])
		code = "unknown";
	/* Not snprintf: this runs once per overdue answer. */
	for (k = 0; k + 1 < sizeof(key) && code[k]; k++)
		key[k] = code[k];
	key[k] = '\0';
	for (k = b->n_slots ? region_hash(key) & (b->n_slots - 1) : 0; b->n_slots && b->slots[k];
	     k = (k + 1) & (b->n_slots - 1))
		if (!strcmp(v->regions[b->slots[k] - 1].region, key))
			return &v->regions[b->slots[k] - 1];
	nr = realloc(v->regions, (v->n_regions + 1) * sizeof(*nr));
	if (!nr || slots_grow(b) < 0) {
		if (nr)
			v->regions = nr;
		b->err = -ENOMEM;
		return NULL;
	}
	v->regions = nr;
	nr = &v->regions[v->n_regions];
	memset(nr, 0, sizeof(*nr));
	snprintf(nr->region, sizeof(nr->region), "%s", key);
	slot_put(b, v->n_regions++);
	return nr;
}

static bool case_match(const struct build *b, const ld_case_sum_t *c)
{
	return (!b->f->status || !strcmp(ld_case_state_name(c->state), b->f->status)) &&
	       (region_match(b, c->referrer) || region_match(b, c->holder)) &&
	       c->referred_ms >= b->f->since_ms;
}

/* List case 'id' (its summary) if it passes the filters. */
static int case_list(struct build *b, const char *id, bool overdue_only)
{
	ld_view_case_t *vc;
	ld_case_sum_t c;
	bool overdue;
	int r = ld_rd_case_sum_get(&b->rd, id, &c);

	if (r < 0)
		return r;
	overdue = c.awaiting && c.answer_by_ms && b->v->now_ms > c.answer_by_ms;
	/* Overdue cases were listed first, from the deadline index. */
	if ((overdue && !overdue_only) || !case_match(b, &c))
		return 0;
	if (b->v->n_cases == b->cap_cases) {
		size_t cap = b->cap_cases ? 2 * b->cap_cases : 64;
		ld_view_case_t *nc = realloc(b->v->cases, cap * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		b->v->cases = nc;
		b->cap_cases = cap;
	}
	vc = &b->v->cases[b->v->n_cases++];
	memset(vc, 0, sizeof(*vc));
	snprintf(vc->case_id, sizeof(vc->case_id), "%s", c.case_id);
	snprintf(vc->title, sizeof(vc->title), "%s", c.title);
	snprintf(vc->referrer, sizeof(vc->referrer), "%s", c.referrer);
	snprintf(vc->holder, sizeof(vc->holder), "%s", c.holder);
	vc->state = c.state;
	vc->referred_ms = c.referred_ms;
	vc->answer_by_ms = c.answer_by_ms;
	vc->answered_ms = c.answered_ms;
	vc->overdue = overdue;
	return 0;
}

/* Deadline index: every overdue answer is counted, the first listed. */
static int overdue_cb(void *ud, int64_t t, const char *id, const char *holder, int cp)
{
	struct build *b = ud;
	ld_view_region_t *reg;

	(void)cp;
	if (t >= b->v->now_ms)
		return 1;
	b->v->cases_overdue++;
	if ((reg = region_slot(b, holder)) != NULL)
		reg->overdue++;
	if (b->list_awaiting && b->v->n_cases < b->limit)
		return case_list(b, id, true);
	return b->err;
}

static int listed_cb(void *ud, int64_t t, const char *id, const char *holder, int cp)
{
	struct build *b = ud;

	(void)t, (void)holder, (void)cp;
	if (b->v->n_cases >= b->limit)
		return 1;
	return case_list(b, id, false);
}

static int counts_cb(void *ud, const ld_unit_counts_t *c)
{
	struct build *b = ud;
	ld_view_region_t *reg = region_slot(b, c->node);

	b->v->cases_total += c->out;
	b->v->cases_awaiting += c->awaiting;
	if (!reg)
		return b->err;
	reg->referrals_out += c->out;
	reg->referrals_in += c->in;
	reg->awaiting += c->awaiting;
	reg->answered += c->answered;
	for (size_t i = 0; i < LD_ANSWER_BUCKETS; i++)
		reg->hist[i] += c->hist[i];
	return 0;
}

static int action_cb(void *ud, int64_t t, const char *id, const char *dispatcher, int cp)
{
	struct build *b = ud;
	bool any_region = !b->f->region;
	ld_action_t *a;
	int r;

	(void)dispatcher, (void)cp;
	if (t < b->f->since_ms)
		return 0;
	if ((r = ld_action_load_rd(&b->rd, b->a, id, b->v->now_ms, &a)) < 0)
		return r == -ENOENT ? 0 : r;
	for (size_t i = 0; !any_region && i < a->n_parts; i++)
		any_region = region_match(b, a->parts[i].node);
	if (!a->dispatched || !any_region) {
		ld_action_destroy(&a);
		return 0;
	}
	if (b->v->n_actions == b->cap_actions) {
		size_t cap = b->cap_actions ? 2 * b->cap_actions : 32;
		ld_action_t **na = realloc(b->v->actions, cap * sizeof(*na));

		if (!na) {
			ld_action_destroy(&a);
			return -ENOMEM;
		}
		b->v->actions = na;
		b->cap_actions = cap;
	}
	b->v->actions[b->v->n_actions++] = a;
	return 0;
}

/* Finished actions: the most recent, up to the limit. */
static int done_cb(void *ud, int64_t t, const char *id, const char *dispatcher, int cp)
{
	struct build *b = ud;
	size_t before = b->v->n_actions;
	int r;

	if (b->done_listed >= b->limit)
		return 1;
	r = action_cb(ud, t, id, dispatcher, cp);
	b->done_listed += b->v->n_actions > before;
	return r;
}

/* Most urgent first: emergency > urgent > routine, then unacknowledged,
 * then the oldest. */
static int action_cmp(const void *x, const void *y)
{
	const ld_action_t *a = *(ld_action_t *const *)x, *b = *(ld_action_t *const *)y;
	size_t ua = ld_action_unacknowledged(a), ub = ld_action_unacknowledged(b);

	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	if (!ua != !ub)
		return ua ? -1 : 1;
	return a->ack_by_ms < b->ack_by_ms ? -1 : a->ack_by_ms > b->ack_by_ms;
}

static int view_fill(struct build *b)
{
	const ld_view_filter_t *f = b->f;
	bool act_active = !f->status || !strcmp(f->status, "active"),
	     act_done = !f->status || !strcmp(f->status, "done");
	int r;

	b->v->rejudging = ld_rd_rejudge_pending(&b->rd);
	/* Overdue answers (all counted), then awaiting by age, then the
	 * others, most recent first; each list stops at the limit. */
	b->list_awaiting =
		f->kind != 2 && (!f->status || ld_case_state_parse(f->status) == LD_CASE_AWAITING);
	b->list_other =
		f->kind != 2 && (!f->status || ld_case_state_parse(f->status) != LD_CASE_AWAITING);
	if ((r = ld_rd_foreach_due(&b->rd, LD_DUE_ANSWER_BY, false, overdue_cb, b)) < 0)
		return r;
	if (b->list_awaiting && b->v->n_cases < b->limit &&
	    (r = ld_rd_foreach_due(&b->rd, LD_DUE_AWAITING, false, listed_cb, b)) < 0)
		return r;
	if (b->list_other && b->v->n_cases < b->limit &&
	    (r = ld_rd_foreach_due(&b->rd, LD_DUE_OTHER, true, listed_cb, b)) < 0)
		return r;
	if ((r = ld_rd_foreach_unit_counts(&b->rd, counts_cb, b)) < 0)
		return r;
	if (f->kind != 1 && act_active &&
	    (r = ld_rd_foreach_due(&b->rd, LD_DUE_ACTION_ACTIVE, false, action_cb, b)) < 0)
		return r;
	if (f->kind != 1 && act_done &&
	    (r = ld_rd_foreach_due(&b->rd, LD_DUE_ACTION_DONE, true, done_cb, b)) < 0)
		return r;
	return b->err;
}

int ld_view_build(ld_store_t *s, const ld_access_t *a, int64_t now_ms, const ld_view_filter_t *f,
		  ld_view_t **ret)
{
	static const ld_view_filter_t none;
	struct build b = {.s = s, .a = a, .f = f ? f : &none};
	size_t keep = 0;
	int r;

	b.limit = b.f->limit ? b.f->limit : LD_VIEW_LIMIT;
	b.v = calloc(1, sizeof(*b.v));
	if (!b.v)
		return -ENOMEM;
	b.v->now_ms = now_ms;
	/* One read transaction for every walk: one state of the store. */
	if ((r = ld_rd_open(s, &b.rd)) < 0) {
		ld_view_destroy(&b.v);
		return r;
	}
	r = view_fill(&b);
	ld_rd_close(&b.rd);
	free(b.slots);
	if (r < 0) {
		ld_view_destroy(&b.v);
		return r;
	}
	for (size_t i = 0; i < b.v->n_regions; i++) {
		ld_view_region_t *x = &b.v->regions[i];
		uint64_t seen = 0;

		x->median_answer_ms = -1;
		for (unsigned k = 0; x->answered && k < LD_ANSWER_BUCKETS; k++) {
			seen += x->hist[k];
			if (seen > x->answered / 2) {
				x->median_answer_ms = ld_answer_bucket_ms(k);
				break;
			}
		}
		if (!b.f->region || !strncmp(x->region, b.f->region, strlen(b.f->region)))
			b.v->regions[keep++] = *x;
	}
	b.v->n_regions = keep;
	if (b.v->n_actions)
		qsort(b.v->actions, b.v->n_actions, sizeof(*b.v->actions), action_cmp);
	*ret = b.v;
	return 0;
}

void ld_view_destroy(ld_view_t **v_p)
{
	ld_view_t *v;

	if (!v_p || !*v_p)
		return;
	v = *v_p;
	for (size_t i = 0; i < v->n_actions; i++)
		ld_action_destroy(&v->actions[i]);
	free(v->actions);
	free(v->cases);
	free(v->regions);
	free(v);
	*v_p = NULL;
}

/* common/cmdview.c: see cmdview.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmdview.h"
#include "common/errors.h"

bool ld_action_active(const ld_action_t *a)
{
	for (size_t i = 0; i < a->n_parts; i++)
		if (a->parts[i].state != LD_PART_COMPLETED && a->parts[i].state != LD_PART_DECLINED)
			return true;
	return false;
}

size_t ld_action_unacknowledged(const ld_action_t *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n_parts; i++)
		n += a->parts[i].ack_ms == 0;
	return n;
}

struct build {
	ld_store_t *s;
	const ld_access_t *a;
	const ld_view_filter_t *f;
	ld_view_t *v;
	size_t cap_cases, cap_actions;
	int64_t **answers;          /* per region: answer times, for medians */
	size_t *n_answers;
};

static bool region_match(const struct build *b, const char *node)
{
	const char *r = b->f->region ? ld_access_region_of(b->a, node) : NULL;

	return !b->f->region || (r && !strncmp(r, b->f->region, strlen(b->f->region)));
}

static ld_view_region_t *region_slot(struct build *b, const char *node)
{
	const char *code = ld_access_region_of(b->a, node);
	ld_view_t *v = b->v;

	if (!code)
		code = "unknown";
	for (size_t i = 0; i < v->n_regions; i++)
		if (!strcmp(v->regions[i].region, code))
			return &v->regions[i];
	{
		ld_view_region_t *nr = realloc(v->regions, (v->n_regions + 1) * sizeof(*nr));
		int64_t **na = realloc(b->answers, (v->n_regions + 1) * sizeof(*na));
		size_t *nn = realloc(b->n_answers, (v->n_regions + 1) * sizeof(*nn));

		if (nr)
			v->regions = nr;
		if (na)
			b->answers = na;
		if (nn)
			b->n_answers = nn;
		if (!nr || !na || !nn)
			return NULL;
	}
	memset(&v->regions[v->n_regions], 0, sizeof(*v->regions));
	snprintf(v->regions[v->n_regions].region, sizeof(v->regions->region), "%s", code);
	b->answers[v->n_regions] = NULL;
	b->n_answers[v->n_regions] = 0;
	return &v->regions[v->n_regions++];
}

static void answer_add(struct build *b, ld_view_region_t *reg, int64_t ms)
{
	size_t i = (size_t)(reg - b->v->regions);
	int64_t *na = realloc(b->answers[i], (b->n_answers[i] + 1) * sizeof(*na));

	if (!na)
		return;
	b->answers[i] = na;
	na[b->n_answers[i]++] = ms;
}

static int case_cb(void *ud, const char *id)
{
	struct build *b = ud;
	ld_view_case_t *vc;
	ld_view_region_t *out, *in;
	ld_case_t *c;
	int r = ld_case_load(b->s, b->a, id, &c);

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	if (!c->opened || (b->f->status && strcmp(c->status, b->f->status)) ||
	    !(region_match(b, c->referrer) || region_match(b, c->holder)))
		goto out;
	for (size_t i = 0; i < c->n_items; i++) {
		ld_case_item_t *it = &c->items[i];

		if (it->kind == LD__KIND__KIND_CASE_REFERRAL && !it->refused && !b->f->since_ms)
			break;
		if (it->kind == LD__KIND__KIND_CASE_REFERRAL && !it->refused &&
		    it->time_ms < b->f->since_ms)
			goto out;
	}
	if (b->v->n_cases == b->cap_cases) {
		size_t cap = b->cap_cases ? 2 * b->cap_cases : 64;
		ld_view_case_t *nc = realloc(b->v->cases, cap * sizeof(*nc));

		if (!nc) {
			r = -ENOMEM;
			goto out;
		}
		b->v->cases = nc;
		b->cap_cases = cap;
	}
	vc = &b->v->cases[b->v->n_cases++];
	memset(vc, 0, sizeof(*vc));
	snprintf(vc->case_id, sizeof(vc->case_id), "%s", c->case_id);
	snprintf(vc->title, sizeof(vc->title), "%.127s", c->title);
	ld_utf8_trim(vc->title);
	snprintf(vc->referrer, sizeof(vc->referrer), "%s", c->referrer);
	snprintf(vc->holder, sizeof(vc->holder), "%s", c->holder);
	snprintf(vc->status, sizeof(vc->status), "%s", c->status);
	vc->answer_by_ms = c->answer_by_ms;
	for (size_t i = 0; i < c->n_items; i++) {
		ld_case_item_t *it = &c->items[i];

		if (it->refused)
			continue;
		if (it->kind == LD__KIND__KIND_CASE_REFERRAL && !vc->referred_ms)
			vc->referred_ms = it->time_ms;
		else if (it->kind == LD__KIND__KIND_REFERRAL_RESPONSE && !vc->answered_ms &&
			 vc->referred_ms)
			vc->answered_ms = it->time_ms;
	}
	vc->overdue = !strcmp(c->status, "awaiting answer") && c->answer_by_ms &&
		      b->v->now_ms > c->answer_by_ms;
	out = region_slot(b, c->referrer);
	if (out)
		out->referrals_out++;
	in = region_slot(b, c->holder);
	if (in) {
		in->referrals_in++;
		in->awaiting += !strcmp(c->status, "awaiting answer");
		in->overdue += vc->overdue;
		/* Author times are claims: a negative or absurd span is not a time. */
		if (vc->answered_ms >= vc->referred_ms && vc->answered_ms - vc->referred_ms < INT64_MAX / 2)
			answer_add(b, in, vc->answered_ms - vc->referred_ms);
	}
	r = 0;
out:
	ld_case_destroy(&c);
	return r;
}

static int action_cb(void *ud, const char *id)
{
	struct build *b = ud;
	bool any_region = !b->f->region;
	ld_action_t *a;
	int r = ld_action_load(b->s, b->a, id, b->v->now_ms, &a);

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	for (size_t i = 0; !any_region && i < a->n_parts; i++)
		any_region = region_match(b, a->parts[i].node);
	if (!a->dispatched || !any_region ||
	    (b->f->status && strcmp(b->f->status, ld_action_active(a) ? "active" : "done")) ||
	    (b->f->since_ms && a->dispatch_ms < b->f->since_ms)) {
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

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return a < b ? -1 : a > b;
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

/* Overdue first, then awaiting an answer by age, then the rest. */
static int case_cmp(const void *x, const void *y)
{
	const ld_view_case_t *a = x, *b = y;
	bool wa = !strcmp(a->status, "awaiting answer"), wb = !strcmp(b->status, "awaiting answer");

	if (a->overdue != b->overdue)
		return a->overdue ? -1 : 1;
	if (wa != wb)
		return wa ? -1 : 1;
	return a->referred_ms < b->referred_ms ? -1 : a->referred_ms > b->referred_ms;
}

int ld_view_build(ld_store_t *s, const ld_access_t *a, int64_t now_ms,
		  const ld_view_filter_t *f, ld_view_t **ret)
{
	static const ld_view_filter_t none;
	struct build b = {.s = s, .a = a, .f = f ? f : &none};
	int r = 0;

	b.v = calloc(1, sizeof(*b.v));
	if (!b.v)
		return -ENOMEM;
	b.v->now_ms = now_ms;
	if (b.f->kind != 2)
		r = ld_store_foreach_thread_id(s, true, case_cb, &b);
	if (r == 0 && b.f->kind != 1)
		r = ld_store_foreach_thread_id(s, false, action_cb, &b);
	for (size_t i = 0; i < b.v->n_regions; i++) {
		size_t n = b.n_answers[i];

		qsort(b.answers[i], n, sizeof(int64_t), cmp_i64);
		b.v->regions[i].median_answer_ms = n ? b.answers[i][n / 2] : -1;
		free(b.answers[i]);
	}
	free(b.answers);
	free(b.n_answers);
	if (r < 0) {
		ld_view_destroy(&b.v);
		return r;
	}
	if (b.v->n_actions)
		qsort(b.v->actions, b.v->n_actions, sizeof(*b.v->actions), action_cmp);
	if (b.v->n_cases)
		qsort(b.v->cases, b.v->n_cases, sizeof(*b.v->cases), case_cmp);
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

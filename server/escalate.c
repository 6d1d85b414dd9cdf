/* server/escalate.c: the escalation watcher of a command centre. Every
 * [escalation] interval_s it judges the joint actions and cases this node
 * holds and, for each participant of its subtree that has not acknowledged
 * a dispatch by its deadline, and each referral not answered by its
 * answer-by date, each stage report not filed by its checkpoint and each
 * substitute-performance order (代履行) not accepted by its deadline,
 * appends one signed Escalation entry (to the unit at fault,
 * the dispatching or referring unit, and this node's superior). The escalation
 * index makes it once per missed deadline, across restarts. Deadlines absent
 * from a dispatch or referral come from the SLAs in the configuration. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.pb-c.h"
#include "common/domain/consult.h"
#include "common/index/threads.h"
#include "common/views/casesum.h"
#include "common/views/cmdview.h"
#include "common/base/errors.h"
#include "roster.pb-c.h"
#include "server/escalate.h"
#include "server/log.h"
#include "server/node.h"

#define ESC_MAX 64

struct esc {
	Ld__Escalation m;
	Ld__EntryRef ref;
	char note[256];
	/* Copies: the case or action they come from is freed before signing. */
	char responsible[LD_NODE_ID_MAX + 1], owner[LD_NODE_ID_MAX + 1];
	const char *aud[3];
	size_t n_aud;
	uint8_t *buf;
	size_t len;
};

static bool watching(ld_node_t *n)
{
	if (n->conf->escalate >= 0)
		return n->conf->escalate == 1;
	return ld_access_kind_of(n->access, n->conf->id) == LD__NODE_KIND__NODE_COMMAND_CENTRE;
}

/* Is 'node' this node's business: itself below us in the tree? */
static bool ours(ld_node_t *n, const char *node)
{
	return ld_access_is_superior(n->access, n->conf->id, node);
}

static int64_t sla_ack_ms(const ld_config_t *c, uint32_t priority)
{
	return priority == 3   ? (int64_t)c->sla_ack_emergency_min * 60000
	       : priority == 2 ? (int64_t)c->sla_ack_urgent_h * 3600000
			       : (int64_t)c->sla_ack_routine_h * 3600000;
}

/* a + b without signed overflow (author times are claims from peers). */
static int64_t add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

enum thread_kind { TH_CASE, TH_ACTION, TH_CONSULT };

static struct esc *esc_add(ld_node_t *n, struct esc *e, size_t *ne, const char *thread,
			   enum thread_kind tk, const char *ref_feed, uint64_t ref_seq,
			   const uint8_t *ref_id, uint32_t what, int checkpoint,
			   const char *responsible, const char *owner, int64_t deadline)
{
	const char *up = ld_access_superior_of(n->access, n->conf->id);
	struct esc *x;

	if (*ne >= ESC_MAX ||
	    ld_store_escalated(n->store, thread, responsible, ld_escalation_code(what, checkpoint),
			       deadline, n->conf->id) != -ENOENT)
		return NULL;
	x = &e[(*ne)++];
	memset(x, 0, sizeof(*x));
	ld__escalation__init(&x->m);
	ld__entry_ref__init(&x->ref);
	x->ref.feed = (char *)ref_feed;
	x->ref.has_seq = x->ref.has_id = true;
	x->ref.seq = ref_seq;
	x->ref.id.data = (uint8_t *)ref_id;
	x->ref.id.len = LD_ID_LEN;
	x->m.overdue = &x->ref;
	x->m.has_what = x->m.has_deadline_ms = x->m.has_level = true;
	x->m.what = what;
	snprintf(x->responsible, sizeof(x->responsible), "%s", responsible);
	snprintf(x->owner, sizeof(x->owner), "%s", owner);
	x->m.responsible = x->responsible;
	x->m.deadline_ms = deadline;
	x->m.escalated_to = (char *)(up ? up : n->conf->id);
	x->m.level = 1;
	if (tk == TH_ACTION)
		x->m.action_id = (char *)thread;
	else if (tk == TH_CONSULT)
		x->m.consult_id = (char *)thread;
	else
		x->m.case_id = (char *)thread;
	if (tk == TH_CONSULT) {
		x->m.has_checkpoint = true;
		x->m.checkpoint = (uint32_t)checkpoint;
		snprintf(x->note, sizeof(x->note),
			 "%s did not complete follow-up task %d of consultation %s in time",
			 responsible, checkpoint, thread);
	} else if (what == LD__OVERDUE__OVERDUE_SUBSTITUTE_PERFORMANCE) {
		x->m.has_checkpoint = true;
		x->m.checkpoint = (uint32_t)checkpoint;
		snprintf(x->note, sizeof(x->note),
			 "%s did not have substitute-performance order %d of %s done and "
			 "accepted in time",
			 responsible, checkpoint, thread);
	} else if (checkpoint >= 0) {
		x->m.has_checkpoint = true;
		x->m.checkpoint = (uint32_t)checkpoint;
		snprintf(x->note, sizeof(x->note),
			 "%s did not file the stage report for checkpoint "
			 "%d of %s in time",
			 responsible, checkpoint, thread);
	} else {
		snprintf(x->note, sizeof(x->note), "%s did not %s %s in time", responsible,
			 what == LD__OVERDUE__OVERDUE_ACKNOWLEDGEMENT ? "acknowledge" : "answer",
			 thread);
	}
	x->m.note = x->note;
	x->aud[x->n_aud++] = x->responsible;
	if (strcmp(owner, n->conf->id) && strcmp(owner, responsible))
		x->aud[x->n_aud++] = x->owner;
	if (up)
		x->aud[x->n_aud++] = up;
	return x;
}

/* Pack an escalation now: it points into data freed before signing. If
 * that fails the escalation is dropped (it will be tried next round). */
static void esc_pack(struct esc *e, size_t *ne, struct esc *x)
{
	if (!x || x->buf)
		return;
	x->len = ld__escalation__get_packed_size(&x->m);
	x->buf = malloc(x->len);
	if (x->buf)
		ld__escalation__pack(&x->m, x->buf);
	else if (x == &e[*ne - 1])
		(*ne)--;
}

/* Escalate what is overdue on case 'case_id' (answer, stage reports). */
static void case_escalate(ld_node_t *n, struct esc *e, size_t *ne, const char *case_id, int64_t now)
{
	int64_t deadline;
	ld_case_t *k;

	if (ld_case_load(n->store, n->access, case_id, &k) < 0)
		return;
	/* The referral now in force (a re-referral replaces the first). */
	deadline = k->answer_by_ms
			   ? k->answer_by_ms
			   : add_sat(k->referral_ms, (int64_t)n->conf->sla_answer_days * 86400000);
	if (k->opened && ours(n, k->holder) && k->state == LD_CASE_AWAITING && now > deadline)
		esc_pack(e, ne,
			 esc_add(n, e, ne, case_id, TH_CASE, k->referral_feed, k->referral_seq,
				 k->referral_id, LD__OVERDUE__OVERDUE_ANSWER, -1, k->holder,
				 k->referrer, deadline));
	for (size_t j = 0; k->opened && ours(n, k->holder) && j < k->n_checkpoints; j++) {
		ld_checkpoint_t *cp = &k->checkpoints[j];

		if (!cp->dropped && !cp->reported_ms && cp->due_ms && now > cp->due_ms)
			esc_pack(e, ne,
				 esc_add(n, e, ne, case_id, TH_CASE, k->referral_feed,
					 k->referral_seq, k->referral_id,
					 LD__OVERDUE__OVERDUE_STAGE_REPORT, (int)j, k->holder,
					 k->referrer, cp->due_ms));
	}
	/* Substitute performance (代履行) not accepted by its deadline. */
	for (size_t j = 0; k->opened && ours(n, k->holder) && j < k->funds.n_orders; j++) {
		ld_subst_t *o = &k->funds.orders[j];

		if (ld_subst_overdue(o, now))
			esc_pack(e, ne,
				 esc_add(n, e, ne, case_id, TH_CASE, o->feed, o->seq, o->id,
					 LD__OVERDUE__OVERDUE_SUBSTITUTE_PERFORMANCE, (int)j,
					 k->holder, k->referrer, o->due_ms));
	}
	ld_case_destroy(&k);
}

struct due_walk {
	ld_node_t *n;
	struct esc *e;
	size_t *ne;
	int64_t now, sla_ms;
	enum ld_due_class cls;
};

/* One key of a due index: a case is judged only when one of its deadlines
 * has passed, it is ours and that deadline is not escalated yet. */
static int due_cb(void *ud, int64_t t, const char *case_id, const char *holder, int checkpoint)
{
	struct due_walk *w = ud;
	uint32_t what = w->cls == LD_DUE_CHECKPOINT   ? LD__OVERDUE__OVERDUE_STAGE_REPORT
			: w->cls == LD_DUE_SUBSTITUTE ? LD__OVERDUE__OVERDUE_SUBSTITUTE_PERFORMANCE
						      : LD__OVERDUE__OVERDUE_ANSWER;
	int64_t deadline = t;

	if (*w->ne >= ESC_MAX)
		return 1;
	if (w->cls == LD_DUE_AWAITING) {
		ld_case_sum_t c;

		deadline = add_sat(t, w->sla_ms);
		if (deadline >= w->now)
			return 1;
		/* Those with an answer-by date are in the deadline index. */
		if (ld_case_sum_get(w->n->store, case_id, &c) < 0 || c.answer_by_ms)
			return 0;
	} else if (t >= w->now) {
		return 1;
	}
	if (!ours(w->n, holder) ||
	    ld_store_escalated(w->n->store, case_id, holder, ld_escalation_code(what, checkpoint),
			       deadline, w->n->conf->id) != -ENOENT)
		return 0;
	case_escalate(w->n, w->e, w->ne, case_id, w->now);
	return 0;
}

struct consult_walk {
	ld_node_t *n;
	struct esc *e;
	size_t *ne;
	int64_t now;
};

/* One consultation: each follow-up task of the minutes in force that is
 * not done by its deadline, owned by a unit of this subtree, once. */
static int consult_cb(void *ud, const char *id)
{
	struct consult_walk *w = ud;
	ld_consult_t *k;

	if (*w->ne >= ESC_MAX)
		return 1;
	if (ld_consult_load(w->n->store, w->n->access, id, w->now, &k) < 0)
		return 0;
	for (size_t i = 0; k->minuted && i < k->n_tasks; i++) {
		ld_consult_task_t *t = &k->tasks[i];

		if (!t->done_ms && w->now > t->due_ms && ours(w->n, t->owner))
			esc_pack(w->e, w->ne,
				 esc_add(w->n, w->e, w->ne, id, TH_CONSULT, k->minutes.feed,
					 k->minutes.seq, k->minutes.id,
					 LD__OVERDUE__OVERDUE_FOLLOW_UP, (int)i, t->owner,
					 k->convener, t->due_ms));
	}
	ld_consult_destroy(&k);
	return 0;
}

void ld_escalate_tick(ld_node_t *n, int64_t mono)
{
	static const enum ld_due_class classes[] = {LD_DUE_ANSWER_BY, LD_DUE_AWAITING,
						    LD_DUE_CHECKPOINT, LD_DUE_SUBSTITUTE};
	ld_view_filter_t f = {.kind = 2, .status = "active"};
	struct esc *e = NULL;
	ld_append_req_t *reqs = NULL;
	ld_view_t *v = NULL;
	size_t ne = 0;
	int64_t now;
	int r;

	if (mono < n->escalate_at)
		return;
	n->escalate_at = mono + (int64_t)n->conf->escalate_interval_s * 1000;
	/* Deadlines are dates: judged on the wall clock. */
	now = ld_now_ms();
	if (n->revoked || !watching(n) || ld_view_build(n->store, n->access, now, &f, &v) < 0)
		return;
	e = calloc(ESC_MAX, sizeof(*e));
	if (!e)
		goto out;
	for (size_t i = 0; i < v->n_actions; i++) {
		ld_action_t *a = v->actions[i];
		int64_t deadline = a->ack_by_ms;

		if (!a->dispatched)
			continue;
		if (!deadline)
			deadline = add_sat(a->dispatch_ms, sla_ack_ms(n->conf, a->priority));
		for (size_t j = 0; j < a->n_parts; j++)
			/* Not on a guess: a state not visible here is not missed. */
			if (!a->parts[j].ack_ms && !a->parts[j].hidden && now > deadline &&
			    ours(n, a->parts[j].node))
				esc_add(n, e, &ne, a->action_id, TH_ACTION, a->dispatch_feed,
					a->dispatch_seq, a->dispatch_id,
					LD__OVERDUE__OVERDUE_ACKNOWLEDGEMENT, -1, a->parts[j].node,
					a->dispatcher, deadline);
	}
	/* Cases: only the due indexes up to now, never every case. Each
	 * escalation is packed when it is made (it points into the case). */
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]) && ne < ESC_MAX; i++) {
		struct due_walk w = {
			n, e, &ne, now, (int64_t)n->conf->sla_answer_days * 86400000, classes[i]};

		if (ld_store_foreach_due(n->store, classes[i], false, due_cb, &w) < 0)
			break;
	}
	/* Consultations: the follow-up tasks of their minutes. */
	if (ne < ESC_MAX) {
		struct consult_walk cw = {n, e, &ne, now};

		ld_threads_foreach_consult_id(LD_RD(n->store), consult_cb, &cw);
	}
	if (!ne)
		goto out;
	reqs = calloc(ne, sizeof(*reqs));
	if (!reqs)
		goto out;
	for (size_t i = 0; i < ne; i++) {
		struct esc *x = &e[i];

		if (!x->buf) {
			x->len = ld__escalation__get_packed_size(&x->m);
			x->buf = malloc(x->len);
			if (!x->buf)
				goto out;
			ld__escalation__pack(&x->m, x->buf);
		}
		reqs[i] = (ld_append_req_t){.kind = LD__KIND__KIND_ESCALATION,
					    .audience = x->aud,
					    .n_audience = x->n_aud,
					    .payload = x->buf,
					    .payload_len = x->len};
	}
	r = ld_store_append(n->store, reqs, ne, NULL);
	if (r < 0) {
		rlog_error(NULL, "cannot sign %zu escalation(s): %s", ne, ld_strerror(r));
	} else {
		n->stats.entries_signed += ne;
		n->stats.escalations += ne;
		for (size_t i = 0; i < ne; i++)
			log_info("escalated: %s (deadline passed %lld s ago)", e[i].note,
				 (long long)((now - e[i].m.deadline_ms) / 1000));
		ld_outbox_announce(n->outbox, n->conf->id);
	}
out:
	for (size_t i = 0; e && i < ne; i++)
		free(e[i].buf);
	free(e);
	free(reqs);
	ld_view_destroy(&v);
}

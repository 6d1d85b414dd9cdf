/* common/domain/action.c: see action.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.pb-c.h"
#include "common/base/text.h"
#include "common/index/threads.h"
#include "common/domain/action.h"
#include "common/base/errors.h"
#include "common/index/hidden.h"
#include "common/feed/kinds.h"

const char *ld_part_state_name(enum ld_part_state s)
{
	static const char *const n[] = {"no answer", "acknowledged", "accepted", "declined",
					"on site",   "in progress",  "completed"};

	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *ld_participant_state(const ld_participant_t *p)
{
	return p->hidden ? "not visible here" : ld_part_state_name(p->state);
}

const char *ld_priority_name(uint32_t p)
{
	static const char *const n[] = {"?", "routine", "urgent", "emergency"};

	return p < 4 ? n[p] : "?";
}

const char *ld_action_kind_name(uint32_t k)
{
	static const char *const n[] = {"?", "joint inspection", "special campaign",
					"emergency response"};

	return k < 4 ? n[k] : "?";
}

const char *ld_role_name(uint32_t r)
{
	static const char *const n[] = {"?", "lead", "support", "observer"};

	return r < 4 ? n[r] : "?";
}

static void refuse(ld_case_item_t *it, const char *why)
{
	it->refused = true;
	snprintf(it->reason, sizeof(it->reason), "%s", why);
}

static ld_participant_t *part_of(ld_action_t *a, const char *node)
{
	for (size_t i = 0; i < a->n_parts; i++)
		if (!strcmp(a->parts[i].node, node))
			return &a->parts[i];
	return NULL;
}

static void judge_dispatch(ld_action_t *a, ld_case_item_t *it, const ld_entry_t *e)
{
	Ld__ActionDispatch *m = ld_entry_payload(e, LD__KIND__KIND_ACTION_DISPATCH);
	size_t olen = strchr(a->action_id, '/') - a->action_id;

	if (!m) {
		refuse(it, "payload does not decode as a dispatch");
		return;
	}
	snprintf(it->summary, sizeof(it->summary), "DISPATCH %s, %s: %s (%zu participants)",
		 ld_action_kind_name(m->kind), ld_priority_name(m->priority),
		 m->title ? m->title : "", m->n_participants);
	if (strlen(e->hdr->author) != olen || strncmp(a->action_id, e->hdr->author, olen) != 0)
		refuse(it, "only the unit that owns the action id may dispatch it");
	else if (a->dispatched)
		refuse(it, "the action is already dispatched");
	else if (m->n_participants == 0 || m->n_participants > LD_ACTION_PARTICIPANTS_MAX)
		refuse(it, "a dispatch needs 1 to 64 participants");
	if (!it->refused) {
		a->dispatched = true;
		snprintf(a->dispatcher, sizeof(a->dispatcher), "%s", e->hdr->author);
		snprintf(a->title, sizeof(a->title), "%s", m->title ? m->title : "");
		a->kind = m->kind;
		a->priority = m->priority;
		a->ack_by_ms = m->has_ack_by_ms ? m->ack_by_ms : 0;
		a->window_start_ms = m->window_start_ms;
		a->window_end_ms = m->window_end_ms;
		snprintf(a->dispatch_feed, sizeof(a->dispatch_feed), "%s", e->hdr->author);
		a->dispatch_seq = e->hdr->seq;
		memcpy(a->dispatch_id, e->id, LD_ID_LEN);
		a->dispatch_ms = e->hdr->time_ms;
		for (size_t i = 0; i < m->n_participants; i++) {
			const Ld__ActionDispatch__Participant *p = m->participants[i];

			/* A participant listed twice is one participant. */
			if (!p->node_id || !ld_node_id_valid(p->node_id) || part_of(a, p->node_id))
				continue;
			snprintf(a->parts[a->n_parts].node, sizeof(a->parts[0].node), "%s",
				 p->node_id);
			a->parts[a->n_parts++].role = p->role;
		}
	}
	ld__action_dispatch__free_unpacked(m, NULL);
}

static void judge_response(ld_action_t *a, ld_case_item_t *it, const ld_entry_t *e)
{
	Ld__ActionResponse *m = ld_entry_payload(e, LD__KIND__KIND_ACTION_RESPONSE);
	ld_participant_t *p;

	if (!m) {
		refuse(it, "payload does not decode as an action response");
		return;
	}
	snprintf(it->summary, sizeof(it->summary), "%s%s%s%s%s",
		 m->response >= 1 && m->response <= 6
			 ? ld_part_state_name((enum ld_part_state)m->response)
			 : "?",
		 m->reason ? ": " : "", m->reason ? m->reason : "",
		 m->findings ? "; findings: " : "", m->findings ? m->findings : "");
	p = a->dispatched ? part_of(a, e->hdr->author) : NULL;
	if (!a->dispatched)
		refuse(it, "no dispatch of this action is held here");
	else if (!p)
		refuse(it, "only the dispatch's participants may answer it");
	else if (m->response < 1 || m->response > 6)
		refuse(it, "unknown answer");
	else if (m->response == LD__ACTION_REPLY__ACTION_REPLY_DECLINED &&
		 (!m->reason || !m->reason[0]))
		refuse(it, "declining needs a reason");
	else if (m->response == LD__ACTION_REPLY__ACTION_REPLY_COMPLETED &&
		 (!m->findings || !m->findings[0]))
		refuse(it, "completing needs findings");
	else if (p->state == LD_PART_DECLINED || p->state == LD_PART_COMPLETED)
		refuse(it, "this participant has already declined or completed");
	if (!it->refused) {
		p->state = (enum ld_part_state)m->response;
		p->state_ms = e->hdr->time_ms;
		p->state_seq = e->hdr->seq;
		if (!p->ack_ms)
			p->ack_ms = e->hdr->time_ms;
	}
	ld__action_response__free_unpacked(m, NULL);
}

#define HIDDEN_SCAN_MAX 1024
#define HIDDEN_ITEMS_MAX 64

struct hid {
	const ld_action_t *a;
	const ld_participant_t *p;
	uint64_t seq[HIDDEN_ITEMS_MAX];
	int64_t time_ms[HIDDEN_ITEMS_MAX];
	size_t n, scanned;
	bool more; /* more than could be looked at: assume one */
};

static bool concerned(const ld_action_t *a, const char *node)
{
	return !strcmp(node, a->dispatcher) || part_of((ld_action_t *)a, node);
}

/* Could this redacted answer of p be an answer to a? */
static int hidden_cb(void *ud, const ld_hidden_t *h)
{
	struct hid *x = ud;
	bool ours = h->n_aud > 0;

	if (++x->scanned > HIDDEN_SCAN_MAX) {
		x->more = true;
		return 1;
	}
	/* After p's final answer nothing counts; addressed to anyone outside
	 * the action, it answers something else. */
	if ((x->p->state == LD_PART_DECLINED || x->p->state == LD_PART_COMPLETED) &&
	    h->seq > x->p->state_seq)
		return 0;
	for (size_t i = 0; ours && i < h->n_aud; i++)
		ours = concerned(x->a, h->aud[i]);
	if (!ours)
		return 0;
	if (x->n == HIDDEN_ITEMS_MAX) {
		x->more = true;
		return 1;
	}
	x->seq[x->n] = h->seq;
	x->time_ms[x->n++] = h->time_ms;
	return 0;
}

/* Insert a not-visible item for p's redacted answer (seq, time) into the
 * timeline, before the first item dated later. */
static int hidden_item(const ld_rd_t *rd, ld_action_t *a, const ld_participant_t *p, uint64_t seq,
		       int64_t time_ms)
{
	ld_case_item_t *items = realloc(a->items, (a->n_items + 1) * sizeof(*items)), *it;
	ld_entry_t *e = NULL;
	int64_t recv = 0;
	size_t at = a->n_items;
	int r;

	if (!items)
		return -ENOMEM;
	a->items = items;
	if ((r = ld_rd_get(rd, p->node, seq, &e, &recv)) < 0)
		return r;
	while (at > 0 && items[at - 1].time_ms > time_ms)
		at--;
	memmove(items + at + 1, items + at, (a->n_items - at) * sizeof(*items));
	a->n_items++;
	it = &items[at];
	memset(it, 0, sizeof(*it));
	snprintf(it->feed, sizeof(it->feed), "%s", p->node);
	it->seq = seq;
	it->kind = e->hdr->kind;
	it->time_ms = time_ms;
	it->recv_ms = recv;
	memcpy(it->id, e->id, LD_ID_LEN);
	it->hidden = true;
	snprintf(it->summary, sizeof(it->summary),
		 "answer by %s: not visible here (held as header and signature only, addressed "
		 "to %s%s)",
		 p->node, e->hdr->n_audience ? e->hdr->audience[0] : "?",
		 e->hdr->n_audience > 1 ? " and others" : "");
	ld_entry_destroy(&e);
	return 0;
}

/* Participants with an answer held here redacted that may be one to this
 * action: their state is not visible here. */
static int judge_hidden(const ld_rd_t *rd, ld_action_t *a)
{
	int r = 0;

	for (size_t i = 0; a->dispatched && r == 0 && i < a->n_parts; i++) {
		ld_participant_t *p = &a->parts[i];
		struct hid x = {.a = a, .p = p};

		r = ld_rd_foreach_hidden(rd, p->node, LD__KIND__KIND_ACTION_RESPONSE,
					 a->dispatch_ms, hidden_cb, &x);
		if (r == 1)
			r = 0;
		/* Before a final answer, a hidden one may be a decline or a
		 * completion (which makes what follows refused): unknown too. */
		p->hidden = x.n > 0 || x.more;
		for (size_t k = 0; r == 0 && k < x.n; k++)
			r = hidden_item(rd, a, p, x.seq[k], x.time_ms[k]);
	}
	return r;
}

int ld_action_load(ld_store_t *s, const ld_access_t *acc, const char *action_id, int64_t now_ms,
		   ld_action_t **ret)
{
	return ld_action_load_rd(LD_RD(s), acc, action_id, now_ms, ret);
}

/* Judge every item of 't' in order into 'a'. */
static void judge_all(ld_action_t *a, const ld_access_t *acc, ld_timeline_t *t)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->entries[i]->hdr->kind == LD__KIND__KIND_ACTION_DISPATCH) {
			judge_dispatch(a, &t->items[i], t->entries[i]);
		} else if (t->entries[i]->hdr->kind == LD__KIND__KIND_ESCALATION) {
			char who[LD_NODE_ID_MAX + 1];
			ld_participant_t *p;

			ld_escalation_summary(&t->items[i], t->entries[i], who);
			/* Only a command centre above the participant escalates. */
			if (who[0] && (p = part_of(a, who)) &&
			    ld_access_is_superior(acc, t->entries[i]->hdr->author, who))
				p->escalated = true;
			else if (who[0])
				refuse(&t->items[i], "only a superior of the unit may escalate it");
		} else {
			judge_response(a, &t->items[i], t->entries[i]);
		}
	}
	for (size_t i = 0; i < t->n; i++)
		ld_utf8_trim(t->items[i].summary);
	ld_utf8_trim(a->title);
}

static int load(const ld_rd_t *rd, const ld_access_t *acc, const char *action_id,
		const ld_entry_t *cand, ld_timeline_t *t, ld_action_t **ret)
{
	ld_action_t *a;
	int r;

	if (!ld_case_id_valid(action_id))
		return -EINVAL;
	if ((r = ld_timeline_load(rd, ld_rd_foreach_action_entry, action_id, cand, t)) < 0)
		return r;
	a = calloc(1, sizeof(*a));
	if (!a) {
		ld_timeline_free(t);
		return -ENOMEM;
	}
	snprintf(a->action_id, sizeof(a->action_id), "%s", action_id);
	judge_all(a, acc, t);
	*ret = a;
	return 0;
}

int ld_action_load_rd(const ld_rd_t *rd, const ld_access_t *acc, const char *action_id,
		      int64_t now_ms, ld_action_t **ret)
{
	ld_timeline_t t;
	ld_action_t *a;
	int r = load(rd, acc, action_id, NULL, &t, &a);

	if (r < 0)
		return r;
	a->items = t.items;
	a->n_items = t.n;
	t.items = NULL;
	ld_timeline_free(&t);
	if ((r = judge_hidden(rd, a)) < 0) {
		ld_action_destroy(&a);
		return r;
	}
	/* Overdue: acknowledged after the deadline, or not yet and it passed;
	 * never for a participant whose answers are not all visible here. */
	for (size_t i = 0; a->ack_by_ms && i < a->n_parts; i++)
		a->parts[i].overdue = !a->parts[i].hidden &&
				      (a->parts[i].ack_ms ? a->parts[i].ack_ms > a->ack_by_ms
							  : now_ms > a->ack_by_ms);
	*ret = a;
	return 0;
}

int ld_action_check(const ld_rd_t *rd, const ld_access_t *acc, const char *action_id,
		    const ld_entry_t *cand, char *why, size_t n)
{
	ld_timeline_t t;
	ld_action_t *a;
	int r = load(rd, acc, action_id, cand, &t, &a);

	if (r < 0)
		return r;
	for (size_t i = 0; i < t.n; i++)
		if (t.entries[i] == cand && t.items[i].refused) {
			snprintf(why, n, "%s", t.items[i].reason);
			r = LD_EREFUSED;
		}
	ld_timeline_free(&t);
	ld_action_destroy(&a);
	return r;
}

void ld_action_destroy(ld_action_t **a_p)
{
	if (!a_p || !*a_p)
		return;
	free((*a_p)->items);
	free(*a_p);
	*a_p = NULL;
}

bool ld_action_active(const ld_action_t *a)
{
	for (size_t i = 0; i < a->n_parts; i++)
		if (a->parts[i].state != LD_PART_COMPLETED && a->parts[i].state != LD_PART_DECLINED)
			return true;
	return false;
}

/* common/domain/consult.c: see consult.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.pb-c.h"
#include "consult.pb-c.h"
#include "common/base/text.h"
#include "common/base/errors.h"
#include "common/domain/consult.h"
#include "common/feed/kinds.h"
#include "common/index/threads.h"

const char *ld_consult_state_name(enum ld_consult_state s)
{
	static const char *const n[] = {"not convened here", "convened", "minutes recorded",
					"minutes signed"};

	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *ld_attendance_name(enum ld_attendance a)
{
	static const char *const n[] = {"no answer", "attending", "declined"};

	return (unsigned)a < sizeof(n) / sizeof(n[0]) ? n[a] : "?";
}

const char *ld_signoff_name(enum ld_signoff s)
{
	static const char *const n[] = {"not signed", "confirmed", "objected", "signs nothing"};

	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *ld_consult_kind_name(uint32_t k)
{
	static const char *const n[] = {"?", "remote consultation", "major case consultation"};

	return k < 3 ? n[k] : "?";
}

const char *ld_consult_role_name(uint32_t r)
{
	static const char *const n[] = {"?", "member", "liaison", "observer"};

	return r < 4 ? n[r] : "?";
}

static void refuse(ld_case_item_t *it, const char *why)
{
	it->refused = true;
	snprintf(it->reason, sizeof(it->reason), "%s", why);
}

static ld_consult_part_t *part_of(ld_consult_t *c, const char *node)
{
	for (size_t i = 0; i < c->n_parts; i++)
		if (!strcmp(c->parts[i].node, node))
			return &c->parts[i];
	return NULL;
}

static void pos_set(ld_entry_pos_t *p, const ld_entry_t *e)
{
	snprintf(p->feed, sizeof(p->feed), "%s", e->hdr->author);
	p->seq = e->hdr->seq;
	memcpy(p->id, e->id, LD_ID_LEN);
	p->time_ms = e->hdr->time_ms;
}

/* Does 'ref' name the entry at 'p'? */
static bool names(const Ld__EntryRef *ref, const ld_entry_pos_t *p)
{
	return ref && ref->feed && !strcmp(ref->feed, p->feed) && ref->has_seq &&
	       ref->seq == p->seq && ref->has_id && ref->id.len == LD_ID_LEN &&
	       !memcmp(ref->id.data, p->id, LD_ID_LEN);
}

static void refs_copy(ld_person_ref_t *out, size_t *n, Ld__PersonRef **in, size_t n_in)
{
	for (size_t i = 0; i < n_in && *n < LD_CONSULT_PERSONS_MAX; i++) {
		if (!in[i]->unit || !ld_node_id_valid(in[i]->unit) || !in[i]->person_id)
			continue;
		snprintf(out[*n].unit, sizeof(out[0].unit), "%s", in[i]->unit);
		snprintf(out[*n].person_id, sizeof(out[0].person_id), "%s", in[i]->person_id);
		(*n)++;
	}
}

static void judge_convene(ld_consult_t *c, ld_case_item_t *it, const ld_entry_t *e)
{
	Ld__ConsultConvene *m = ld_entry_payload(e, LD__KIND__KIND_CONSULT_CONVENE);
	size_t olen = strchr(c->consult_id, '/') - c->consult_id;

	if (!m) {
		refuse(it, "payload does not decode as a convening");
		return;
	}
	snprintf(it->summary, sizeof(it->summary), "CONVENED %s: %s (%zu participants)",
		 ld_consult_kind_name(m->kind), m->title ? m->title : "", m->n_participants);
	if (strlen(e->hdr->author) != olen || strncmp(c->consult_id, e->hdr->author, olen) != 0)
		refuse(it, "only the unit that owns the consultation id may convene it");
	else if (c->convened)
		refuse(it, "the consultation is already convened");
	else if (m->n_participants == 0 || m->n_participants > LD_CONSULT_PARTS_MAX)
		refuse(it, "a consultation needs 1 to 64 participants");
	else if (!m->has_start_ms)
		refuse(it, "a consultation needs a time");
	if (!it->refused) {
		c->convened = true;
		c->state = LD_CONSULT_CONVENED;
		snprintf(c->convener, sizeof(c->convener), "%s", e->hdr->author);
		snprintf(c->title, sizeof(c->title), "%s", m->title ? m->title : "");
		c->kind = m->kind;
		c->start_ms = m->start_ms;
		c->end_ms = m->has_end_ms ? m->end_ms : 0;
		pos_set(&c->convene, e);
		for (size_t i = 0; i < m->n_participants; i++) {
			const Ld__ConsultConvene__Participant *p = m->participants[i];

			/* Listed twice is one participant; the convener is no
			 * participant of its own consultation. */
			if (!p->node_id || !ld_node_id_valid(p->node_id) ||
			    part_of(c, p->node_id) || !strcmp(p->node_id, c->convener))
				continue;
			snprintf(c->parts[c->n_parts].node, sizeof(c->parts[0].node), "%s",
				 p->node_id);
			c->parts[c->n_parts].role = p->role;
			c->parts[c->n_parts++].sign =
				p->role == LD__CONSULT_ROLE__CONSULT_ROLE_OBSERVER
					? LD_SIGN_NOT_ASKED
					: LD_SIGN_NONE;
		}
		for (size_t i = 0; i < m->n_case_ids && c->n_cases < LD_CONSULT_CASES_MAX; i++)
			if (ld_case_id_valid(m->case_ids[i]))
				snprintf(c->cases[c->n_cases++], sizeof(c->cases[0]), "%s",
					 m->case_ids[i]);
		refs_copy(c->experts, &c->n_experts, m->experts, m->n_experts);
		refs_copy(c->liaisons, &c->n_liaisons, m->liaisons, m->n_liaisons);
	}
	ld__consult_convene__free_unpacked(m, NULL);
}

static void judge_minutes(ld_consult_t *c, ld_case_item_t *it, const ld_entry_t *e)
{
	Ld__ConsultMinutes *m = ld_entry_payload(e, LD__KIND__KIND_CONSULT_MINUTES);

	if (!m) {
		refuse(it, "payload does not decode as minutes");
		return;
	}
	snprintf(it->summary, sizeof(it->summary), "MINUTES: %zu decisions, %zu follow-up tasks",
		 m->n_decisions, m->n_tasks);
	if (!c->convened)
		refuse(it, "no convening of this consultation is held here");
	else if (strcmp(e->hdr->author, c->convener))
		refuse(it, "only the convener records the minutes");
	else if (!m->text || !m->text[0])
		refuse(it, "minutes need their text");
	else if (m->n_tasks > LD_CONSULT_TASKS_MAX)
		refuse(it, "at most 32 follow-up tasks");
	for (size_t i = 0; !it->refused && i < m->n_tasks; i++) {
		const Ld__ConsultMinutes__Task *t = m->tasks[i];

		if (!t->owner || (strcmp(t->owner, c->convener) && !part_of(c, t->owner)))
			refuse(it,
			       "a follow-up task's owner must be the convener or a participant");
		else if (!t->has_due_ms || t->due_ms <= 0)
			refuse(it, "a follow-up task needs a deadline");
		else if (!t->description || !t->description[0])
			refuse(it, "a follow-up task needs a description");
	}
	if (!it->refused) {
		c->minuted = true;
		c->minutes_version++;
		pos_set(&c->minutes, e);
		/* New minutes: the signatures and the tasks of the old ones lapse. */
		for (size_t i = 0; i < c->n_parts; i++) {
			ld_consult_part_t *p = &c->parts[i];

			p->sign = p->role == LD__CONSULT_ROLE__CONSULT_ROLE_OBSERVER ||
						  p->attend == LD_ATTEND_DECLINED
					  ? LD_SIGN_NOT_ASKED
					  : LD_SIGN_NONE;
			p->sign_ms = 0;
		}
		c->n_tasks = m->n_tasks;
		for (size_t i = 0; i < m->n_tasks; i++) {
			ld_consult_task_t *t = &c->tasks[i];

			memset(t, 0, sizeof(*t));
			snprintf(t->description, sizeof(t->description), "%s",
				 m->tasks[i]->description);
			ld_utf8_trim(t->description);
			snprintf(t->owner, sizeof(t->owner), "%s", m->tasks[i]->owner);
			if (m->tasks[i]->case_id && ld_case_id_valid(m->tasks[i]->case_id))
				snprintf(t->case_id, sizeof(t->case_id), "%s",
					 m->tasks[i]->case_id);
			t->due_ms = m->tasks[i]->due_ms;
		}
	}
	ld__consult_minutes__free_unpacked(m, NULL);
}

/* The rule an answer 'a' by participant 'p' (NULL: the convener) breaks,
 * or NULL. */
static const char *answer_rule(const ld_consult_t *c, const ld_consult_part_t *p,
			       const Ld__ConsultAnswer *m, const char *author)
{
	uint32_t a = m->answer;

	if (!p && a != LD__CONSULT_REPLY__CONSULT_REPLY_OPINION &&
	    a != LD__CONSULT_REPLY__CONSULT_REPLY_TASK_DONE)
		return "only the consultation's participants may answer it";
	switch (a) {
	case LD__CONSULT_REPLY__CONSULT_REPLY_DECLINE:
		if (!m->reason || !m->reason[0])
			return "declining needs a reason";
		/* fall through */
	case LD__CONSULT_REPLY__CONSULT_REPLY_ATTEND:
		if (c->minuted)
			return "attendance is settled once the minutes are recorded";
		return NULL;
	case LD__CONSULT_REPLY__CONSULT_REPLY_OPINION:
		if (!m->text || !m->text[0])
			return "an opinion needs its text";
		if (c->minuted)
			return "opinions close when the minutes are recorded";
		if (p && p->attend == LD_ATTEND_DECLINED)
			return "a unit that declined gives no opinion";
		return NULL;
	case LD__CONSULT_REPLY__CONSULT_REPLY_CONFIRM_MINUTES:
	case LD__CONSULT_REPLY__CONSULT_REPLY_OBJECT_MINUTES:
		if (!c->minuted || !names(m->minutes, &c->minutes))
			return "the signature does not name the minutes in force";
		if (p->sign == LD_SIGN_NOT_ASKED)
			return "observers and units that declined sign nothing";
		if (p->sign != LD_SIGN_NONE)
			return "this unit has already signed these minutes";
		if (a == LD__CONSULT_REPLY__CONSULT_REPLY_OBJECT_MINUTES &&
		    (!m->reason || !m->reason[0]))
			return "an objection needs a reason";
		return NULL;
	case LD__CONSULT_REPLY__CONSULT_REPLY_TASK_DONE:
		if (!c->minuted || !names(m->minutes, &c->minutes))
			return "the report does not name the minutes in force";
		if (!m->has_task || m->task >= c->n_tasks)
			return "no such follow-up task in the minutes";
		if (strcmp(c->tasks[m->task].owner, author))
			return "only the task's owner reports it done";
		if (c->tasks[m->task].done_ms)
			return "the task is already reported done";
		if (!m->text || !m->text[0])
			return "a task report needs its text";
		return NULL;
	default:
		return "unknown answer";
	}
}

static void judge_answer(ld_consult_t *c, ld_case_item_t *it, const ld_entry_t *e)
{
	static const char *const what[] = {"?",	       "attending",	    "declined",
					   "opinion",  "minutes confirmed", "minutes objected",
					   "task done"};
	Ld__ConsultAnswer *m = ld_entry_payload(e, LD__KIND__KIND_CONSULT_ANSWER);
	ld_consult_part_t *p;
	const char *rule;

	if (!m) {
		refuse(it, "payload does not decode as a consultation answer");
		return;
	}
	snprintf(it->summary, sizeof(it->summary), "%s%s%s%s%s",
		 what[m->answer < 7 ? m->answer : 0], m->reason ? ": " : "",
		 m->reason ? m->reason : "", m->text ? ": " : "", m->text ? m->text : "");
	p = c->convened ? part_of(c, e->hdr->author) : NULL;
	if (!c->convened)
		rule = "no convening of this consultation is held here";
	else if (!p && strcmp(e->hdr->author, c->convener))
		rule = "only the consultation's participants may answer it";
	else
		rule = answer_rule(c, p, m, e->hdr->author);
	if (rule) {
		refuse(it, rule);
		ld__consult_answer__free_unpacked(m, NULL);
		return;
	}
	switch (m->answer) {
	case LD__CONSULT_REPLY__CONSULT_REPLY_ATTEND:
	case LD__CONSULT_REPLY__CONSULT_REPLY_DECLINE:
		p->attend = m->answer == LD__CONSULT_REPLY__CONSULT_REPLY_ATTEND
				    ? LD_ATTEND_YES
				    : LD_ATTEND_DECLINED;
		p->attend_ms = e->hdr->time_ms;
		if (p->role != LD__CONSULT_ROLE__CONSULT_ROLE_OBSERVER)
			p->sign =
				p->attend == LD_ATTEND_DECLINED ? LD_SIGN_NOT_ASKED : LD_SIGN_NONE;
		break;
	case LD__CONSULT_REPLY__CONSULT_REPLY_OPINION:
		if (p)
			p->opinions++;
		break;
	case LD__CONSULT_REPLY__CONSULT_REPLY_CONFIRM_MINUTES:
	case LD__CONSULT_REPLY__CONSULT_REPLY_OBJECT_MINUTES:
		p->sign = m->answer == LD__CONSULT_REPLY__CONSULT_REPLY_CONFIRM_MINUTES
				  ? LD_SIGN_CONFIRMED
				  : LD_SIGN_OBJECTED;
		p->sign_ms = e->hdr->time_ms;
		break;
	case LD__CONSULT_REPLY__CONSULT_REPLY_TASK_DONE:
		c->tasks[m->task].done_ms = e->hdr->time_ms;
		break;
	default:
		break;
	}
	ld__consult_answer__free_unpacked(m, NULL);
}

static void judge_escalation(ld_consult_t *c, const ld_access_t *acc, ld_case_item_t *it,
			     const ld_entry_t *e)
{
	Ld__Escalation *m = ld_entry_payload(e, LD__KIND__KIND_ESCALATION);
	char who[LD_NODE_ID_MAX + 1];

	ld_escalation_summary(it, e, who);
	if (!m)
		return;
	if (!who[0] || !ld_access_is_superior(acc, e->hdr->author, who))
		refuse(it, "only a superior of the unit may escalate it");
	else if (m->has_checkpoint && m->checkpoint < c->n_tasks &&
		 !strcmp(c->tasks[m->checkpoint].owner, who) &&
		 c->tasks[m->checkpoint].due_ms == m->deadline_ms)
		c->tasks[m->checkpoint].escalated = true;
	ld__escalation__free_unpacked(m, NULL);
}

static void judge_all(ld_consult_t *c, const ld_access_t *acc, ld_timeline_t *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const ld_entry_t *e = t->entries[i];

		switch (e->hdr->kind) {
		case LD__KIND__KIND_CONSULT_CONVENE:
			judge_convene(c, &t->items[i], e);
			break;
		case LD__KIND__KIND_CONSULT_MINUTES:
			judge_minutes(c, &t->items[i], e);
			break;
		case LD__KIND__KIND_CONSULT_ANSWER:
			judge_answer(c, &t->items[i], e);
			break;
		case LD__KIND__KIND_ESCALATION:
			judge_escalation(c, acc, &t->items[i], e);
			break;
		default:
			snprintf(t->items[i].summary, sizeof(t->items[i].summary), "entry");
			break;
		}
		ld_utf8_trim(t->items[i].summary);
	}
	ld_utf8_trim(c->title);
	if (c->minuted) {
		bool all = true;

		for (size_t i = 0; i < c->n_parts; i++)
			all &= c->parts[i].sign != LD_SIGN_NONE;
		c->state = all ? LD_CONSULT_SIGNED : LD_CONSULT_MINUTED;
	}
}

static int load(const ld_rd_t *rd, const ld_access_t *acc, const char *consult_id,
		const ld_entry_t *cand, ld_timeline_t *t, ld_consult_t **ret)
{
	ld_consult_t *c;
	int r;

	if (!ld_case_id_valid(consult_id))
		return -EINVAL;
	if ((r = ld_timeline_load(rd, ld_rd_foreach_consult_entry, consult_id, cand, t)) < 0)
		return r;
	if (!(c = calloc(1, sizeof(*c)))) {
		ld_timeline_free(t);
		return -ENOMEM;
	}
	snprintf(c->consult_id, sizeof(c->consult_id), "%s", consult_id);
	judge_all(c, acc, t);
	*ret = c;
	return 0;
}

int ld_consult_load_rd(const ld_rd_t *rd, const ld_access_t *acc, const char *consult_id,
		       int64_t now_ms, ld_consult_t **ret)
{
	ld_timeline_t t;
	ld_consult_t *c;
	int r = load(rd, acc, consult_id, NULL, &t, &c);

	if (r < 0)
		return r;
	c->items = t.items;
	c->n_items = t.n;
	t.items = NULL;
	ld_timeline_free(&t);
	for (size_t i = 0; i < c->n_tasks; i++) {
		ld_consult_task_t *x = &c->tasks[i];

		x->overdue = x->done_ms ? x->done_ms > x->due_ms : now_ms > x->due_ms;
	}
	*ret = c;
	return 0;
}

int ld_consult_load(ld_store_t *s, const ld_access_t *acc, const char *consult_id, int64_t now_ms,
		    ld_consult_t **ret)
{
	return ld_consult_load_rd(LD_RD(s), acc, consult_id, now_ms, ret);
}

int ld_consult_check(const ld_rd_t *rd, const ld_access_t *acc, const char *consult_id,
		     const ld_entry_t *cand, char *why, size_t n)
{
	ld_timeline_t t;
	ld_consult_t *c;
	int r = load(rd, acc, consult_id, cand, &t, &c);

	if (r < 0)
		return r;
	for (size_t i = 0; i < t.n; i++)
		if (t.entries[i] == cand && t.items[i].refused) {
			snprintf(why, n, "%s", t.items[i].reason);
			r = LD_EREFUSED;
		}
	ld_timeline_free(&t);
	ld_consult_destroy(&c);
	return r;
}

void ld_consult_destroy(ld_consult_t **c_p)
{
	if (!c_p || !*c_p)
		return;
	free((*c_p)->items);
	free(*c_p);
	*c_p = NULL;
}

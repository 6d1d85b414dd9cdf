/* server/api_consult.c: the local API's consultations (会商) and liaison
 * directories. API_CONSULT answers one consultation as judged
 * (common/domain/consult.c); API_DIRECTORY every unit's directory entry in
 * force, as held (only on the main socket: phone numbers are personal data,
 * and the read-only socket serves a web server). */
#include <stdlib.h>
#include <string.h>

#include "common/domain/consult.h"
#include "common/index/directory.h"
#include "common/base/errors.h"
#include "server/api_int.h"

_Static_assert(LD__CONSULT_STATE__CONSULT_SIGNED == (int)LD_CONSULT_SIGNED &&
		       LD__CONSULT_STATE__CONSULT_MINUTED == (int)LD_CONSULT_MINUTED,
	       "ld.ConsultState and enum ld_consult_state differ");

static void ref_fill(Ld__ApiEntryRef *r, ld_entry_pos_t *p)
{
	ld__api_entry_ref__init(r);
	r->feed = p->feed;
	r->has_seq = r->has_id = true;
	r->seq = p->seq;
	r->id.data = p->id;
	r->id.len = LD_ID_LEN;
}

static void persons_fill(Ld__PersonRef *out, Ld__PersonRef **pp, ld_person_ref_t *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ld__person_ref__init(&out[i]);
		out[i].unit = in[i].unit;
		out[i].person_id = in[i].person_id;
		pp[i] = &out[i];
	}
}

void api_consult(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q)
{
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_CONSULT);
	Ld__ApiConsult cv = LD__API_CONSULT__INIT;
	Ld__ApiEntryRef cref, mref;
	Ld__ApiConsultPart parts[LD_CONSULT_PARTS_MAX], *pp[LD_CONSULT_PARTS_MAX];
	Ld__ApiConsultTask tasks[LD_CONSULT_TASKS_MAX], *tp[LD_CONSULT_TASKS_MAX];
	Ld__PersonRef ex[LD_CONSULT_PERSONS_MAX], li[LD_CONSULT_PERSONS_MAX];
	Ld__PersonRef *exp[LD_CONSULT_PERSONS_MAX], *lip[LD_CONSULT_PERSONS_MAX];
	char *cases[LD_CONSULT_CASES_MAX];
	struct items_out o = {0};
	ld_consult_t *k = NULL;
	int r;

	if (!q->case_id || !ld_case_id_valid(q->case_id)) {
		api_respond_err(
			n, c, LD__API_TYPE__API_CONSULT, -EINVAL,
			"field 'case_id' must be a consultation id like OWNER-NODE/LOCAL-ID");
		return;
	}
	r = ld_consult_load(n->store, n->access, q->case_id, ld_now_ms(), &k);
	if (r < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_CONSULT, r,
				r == -ENOENT ? "this node holds nothing of that consultation "
					       "(unknown id, or one this node is not part of)"
					     : NULL);
		return;
	}
	if ((r = api_items_fill(n, &o, k->items, k->n_items)) < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_CONSULT, r, NULL);
		goto out;
	}
	cv.consult_id = k->consult_id;
	cv.has_convened = cv.has_kind = cv.has_state = true;
	cv.convened = k->convened;
	cv.convener = k->convened ? k->convener : NULL;
	cv.kind = k->kind;
	cv.title = k->title;
	cv.status = (char *)ld_consult_state_name(k->state);
	cv.state = (Ld__ConsultState)k->state;
	cv.has_start_ms = cv.has_end_ms = true;
	cv.start_ms = k->start_ms;
	cv.end_ms = k->end_ms;
	for (size_t i = 0; i < k->n_cases; i++)
		cases[i] = k->cases[i];
	cv.n_case_ids = k->n_cases;
	cv.case_ids = cases;
	for (size_t i = 0; i < k->n_parts; i++) {
		const ld_consult_part_t *p = &k->parts[i];
		Ld__ApiConsultPart *x = &parts[i];

		ld__api_consult_part__init(x);
		x->node_id = (char *)p->node;
		x->has_role = x->has_attend_ms = x->has_opinions = x->has_sign_ms = true;
		x->role = p->role;
		x->attendance = (char *)ld_attendance_name(p->attend);
		x->attend_ms = p->attend_ms;
		x->opinions = p->opinions;
		x->signoff = (char *)ld_signoff_name(p->sign);
		x->sign_ms = p->sign_ms;
		pp[i] = x;
	}
	cv.n_participants = k->n_parts;
	cv.participants = pp;
	for (size_t i = 0; i < k->n_tasks; i++) {
		const ld_consult_task_t *t = &k->tasks[i];
		Ld__ApiConsultTask *x = &tasks[i];

		ld__api_consult_task__init(x);
		x->description = (char *)t->description;
		x->owner = (char *)t->owner;
		x->case_id = t->case_id[0] ? (char *)t->case_id : NULL;
		x->has_due_ms = x->has_done_ms = x->has_overdue = x->has_escalated = true;
		x->due_ms = t->due_ms;
		x->done_ms = t->done_ms;
		x->overdue = t->overdue;
		x->escalated = t->escalated;
		tp[i] = x;
	}
	cv.n_tasks = k->n_tasks;
	cv.tasks = tp;
	persons_fill(ex, exp, k->experts, k->n_experts);
	persons_fill(li, lip, k->liaisons, k->n_liaisons);
	cv.n_experts = k->n_experts;
	cv.experts = exp;
	cv.n_liaisons = k->n_liaisons;
	cv.liaisons = lip;
	if (k->convened) {
		ref_fill(&cref, &k->convene);
		cv.convene = &cref;
	}
	if (k->minuted) {
		ref_fill(&mref, &k->minutes);
		cv.minutes = &mref;
		cv.has_minutes_version = true;
		cv.minutes_version = k->minutes_version;
	}
	cv.n_items = o.n;
	cv.items = o.ip;
	resp.consult = &cv;
	api_respond(n, c, &resp);
out:
	api_items_free(&o);
	ld_consult_destroy(&k);
}

struct dir_acc {
	ld_node_t *n;
	Ld__ApiEntry *e;
	Ld__ApiEntry **p;
	size_t count, cap;
};

static int dir_entry(void *ud, const ld_raw_entry_t *e)
{
	struct dir_acc *a = ud;
	Ld__ApiEntry *x = &a->e[a->count];

	ld__api_entry__init(x);
	x->has_entry = x->has_recv_ms = true;
	x->recv_ms = e->recv_ms;
	x->entry.len = ld_entry_parts_wire_size(e->header_len, e->payload, e->payload_len);
	x->entry.data = malloc(x->entry.len);
	if (!x->entry.data)
		return -ENOMEM;
	ld_entry_encode_parts(e->header, e->header_len, e->sig, e->payload, e->payload_len,
			      x->entry.data);
	a->p[a->count++] = x;
	return 1;
}

static int dir_unit(void *ud, const char *unit, uint64_t seq)
{
	struct dir_acc *a = ud;
	int r;

	if (a->count == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 32;
		Ld__ApiEntry *ne = realloc(a->e, cap * sizeof(*ne));
		Ld__ApiEntry **np;

		if (!ne)
			return -ENOMEM;
		/* The pointers move with the array. */
		for (size_t i = 0; i < a->count; i++)
			a->p[i] = &ne[i];
		a->e = ne;
		if (!(np = realloc(a->p, cap * sizeof(*np))))
			return -ENOMEM;
		a->p = np;
		a->cap = cap;
	}
	r = ld_store_foreach_raw(a->n->store, unit, seq, seq, dir_entry, a);
	return r < 0 && r != -ENOENT ? r : 0;
}

void api_directory(ld_node_t *n, const ld_api_client_t *c)
{
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_DIRECTORY);
	struct dir_acc a = {.n = n};
	int r = ld_directory_foreach(LD_RD(n->store), dir_unit, &a);

	if (r < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_DIRECTORY, r, NULL);
	} else {
		for (size_t i = 0; i < a.count; i++)
			a.p[i] = &a.e[i];
		resp.n_entries = a.count;
		resp.entries = a.p;
		api_respond(n, c, &resp);
	}
	for (size_t i = 0; i < a.count; i++)
		free(a.e[i].entry.data);
	free(a.e);
	free(a.p);
}

/* server/api_views.c: the local API's judged views: one case, one joint
 * action, and the unified command view. */
#include <stdlib.h>
#include <string.h>

#include "common/domain/action.h"
#include "common/domain/casefile.h"
#include "common/views/cmdview.h"
#include "common/base/errors.h"
#include "server/api_int.h"
#include "server/log.h"

/* The API's enums are the judged states, value for value. */
_Static_assert(LD__CASE_STATE__CASE_NEED_INFO == (int)LD_CASE_NEED_INFO &&
		       LD__CASE_STATE__CASE_AWAITING_ANSWER == (int)LD_CASE_AWAITING,
	       "ld.CaseState and enum ld_case_state differ");
_Static_assert(LD__PART_STATE__PART_COMPLETED == (int)LD_PART_COMPLETED &&
		       LD__PART_STATE__PART_ON_SITE == (int)LD_PART_ON_SITE,
	       "ld.PartState and enum ld_part_state differ");

/* --- cases --- */

static int item_receipt(void *ud, const ld_receipt_t *rc)
{
	struct item_receipts *a = ud;

	if (a->n == a->cap)
		return 1;
	ld__api_receipt__init(&a->r[a->n]);
	a->r[a->n].receiver = strdup(rc->receiver);
	a->r[a->n].has_time_ms = true;
	a->r[a->n].time_ms = rc->received_ms;
	ld__api_entry_ref__init(&a->refs[a->n]);
	a->refs[a->n].feed = a->r[a->n].receiver;
	a->refs[a->n].has_seq = true;
	a->refs[a->n].seq = rc->receipt_seq;
	a->r[a->n].receipt = &a->refs[a->n];
	a->p[a->n] = &a->r[a->n];
	a->n++;
	return 0;
}

int api_items_fill(ld_node_t *n, struct items_out *o, ld_case_item_t *src, size_t count)
{
	o->n = count;
	o->items = calloc(count + 1, sizeof(*o->items));
	o->ip = calloc(count + 1, sizeof(*o->ip));
	o->refs = calloc(count + 1, sizeof(*o->refs));
	o->rcs = calloc(count + 1, sizeof(*o->rcs));
	o->entries = calloc(count + 1, sizeof(*o->entries));
	if (!o->items || !o->ip || !o->refs || !o->rcs || !o->entries)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		ld_case_item_t *it = &src[i];
		Ld__ApiCaseItem *x = &o->items[i];

		ld__api_case_item__init(x);
		ld__api_entry_ref__init(&o->refs[i]);
		o->refs[i].feed = it->feed;
		o->refs[i].has_seq = o->refs[i].has_id = true;
		o->refs[i].seq = it->seq;
		o->refs[i].id.data = it->id;
		o->refs[i].id.len = LD_ID_LEN;
		x->ref = &o->refs[i];
		x->has_kind = x->has_time_ms = x->has_recv_ms = x->has_refused = true;
		x->kind = it->kind;
		x->time_ms = it->time_ms;
		x->recv_ms = it->recv_ms;
		x->summary = it->summary;
		x->refused = it->refused;
		x->reason = it->refused ? it->reason : NULL;
		/* The payload as held, for a client to show every field. */
		x->has_payload_held = true;
		if (ld_store_get(n->store, it->feed, it->seq, &o->entries[i], NULL) == 0 &&
		    o->entries[i]->has_payload) {
			x->payload_held = true;
			x->has_payload = true;
			x->payload.data = (uint8_t *)o->entries[i]->payload;
			x->payload.len = o->entries[i]->payload_len;
		}
		x->has_not_visible = it->hidden;
		x->not_visible = it->hidden;
		o->rcs[i].cap = 64;
		o->rcs[i].r = calloc(o->rcs[i].cap, sizeof(*o->rcs[i].r));
		o->rcs[i].p = calloc(o->rcs[i].cap, sizeof(*o->rcs[i].p));
		o->rcs[i].refs = calloc(o->rcs[i].cap, sizeof(*o->rcs[i].refs));
		if (o->rcs[i].r && o->rcs[i].p && o->rcs[i].refs)
			ld_store_foreach_receipt(n->store, it->feed, it->seq, item_receipt,
						 &o->rcs[i]);
		x->n_receipts = o->rcs[i].n;
		x->receipts = o->rcs[i].p;
		o->ip[i] = x;
	}
	return 0;
}

void api_items_free(struct items_out *o)
{
	for (size_t i = 0; o->rcs && i < o->n; i++) {
		for (size_t j = 0; j < o->rcs[i].n; j++)
			free(o->rcs[i].r[j].receiver);
		free(o->rcs[i].r);
		free(o->rcs[i].p);
		free(o->rcs[i].refs);
	}
	free(o->rcs);
	for (size_t i = 0; o->entries && i < o->n; i++)
		ld_entry_destroy(&o->entries[i]);
	free(o->entries);
	free(o->refs);
	free(o->ip);
	free(o->items);
}

void api_case(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q)
{
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_CASE);
	Ld__ApiCase cv = LD__API_CASE__INIT;
	Ld__ApiEntryRef referral = LD__API_ENTRY_REF__INIT;
	Ld__ApiCheckpoint cps[LD_CHECKPOINTS_MAX], *cpp[LD_CHECKPOINTS_MAX];
	Ld__ApiAssessment as[LD_ASSESSMENTS_MAX], *asp[LD_ASSESSMENTS_MAX];
	struct items_out o = {0};
	struct funds_out fo;
	ld_case_t *k = NULL;
	int r;

	if (!q->case_id || !ld_case_id_valid(q->case_id)) {
		api_respond_err(n, c, LD__API_TYPE__API_CASE, -EINVAL,
				"field 'case_id' must look like OWNER-NODE/LOCAL-ID");
		return;
	}
	r = ld_case_load(n->store, n->access, q->case_id, &k);
	if (r < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_CASE, r,
				r == -ENOENT
					? "this node holds no entry of that case (unknown case id, "
					  "or a case this node is not party to)"
					: NULL);
		return;
	}
	if ((r = api_items_fill(n, &o, k->items, k->n_items)) < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_CASE, r, NULL);
		goto out;
	}
	cv.case_id = k->case_id;
	cv.has_opened = true;
	cv.opened = k->opened;
	cv.referrer = k->opened ? k->referrer : NULL;
	cv.holder = k->opened ? k->holder : NULL;
	cv.title = k->title;
	cv.status = (char *)ld_case_state_name(k->state);
	cv.has_state = true;
	cv.state = (Ld__CaseState)k->state;
	cv.has_answer_by_ms = k->answer_by_ms != 0;
	cv.answer_by_ms = k->answer_by_ms;
	cv.n_items = o.n;
	cv.items = o.ip;
	if (k->opened) {
		referral.feed = k->referral_feed;
		referral.has_seq = referral.has_id = true;
		referral.seq = k->referral_seq;
		referral.id.data = k->referral_id;
		referral.id.len = LD_ID_LEN;
		cv.referral = &referral;
	}
	cv.case_status = k->case_status[0] ? k->case_status : NULL;
	cv.has_remediation_due_ms = k->remediation_due_ms != 0;
	cv.remediation_due_ms = k->remediation_due_ms;
	for (size_t i = 0; i < k->n_checkpoints; i++) {
		ld__api_checkpoint__init(&cps[i]);
		cps[i].has_due_ms = cps[i].has_reported_ms = cps[i].has_dropped = true;
		cps[i].due_ms = k->checkpoints[i].due_ms;
		cps[i].description = k->checkpoints[i].description;
		cps[i].reported_ms = k->checkpoints[i].reported_ms;
		cps[i].dropped = k->checkpoints[i].dropped;
		cpp[i] = &cps[i];
	}
	cv.n_checkpoints = k->n_checkpoints;
	cv.checkpoints = cpp;
	for (size_t i = 0; i < k->n_assessments; i++) {
		ld__api_assessment__init(&as[i]);
		as[i].has_stage = as[i].has_outcome = as[i].has_time_ms = true;
		as[i].stage = k->assessments[i].stage;
		as[i].outcome = k->assessments[i].outcome;
		as[i].assessor = k->assessments[i].assessor;
		as[i].time_ms = k->assessments[i].time_ms;
		asp[i] = &as[i];
	}
	cv.n_assessments = k->n_assessments;
	cv.assessments = asp;
	api_case_funds(&cv, &k->funds, ld_now_ms(), &fo);
	if (k->opened) {
		bool holder = !strcmp(n->conf->id, k->holder);
		bool above = ld_access_is_superior(n->access, n->conf->id, k->holder);

		cv.has_may_update = cv.has_may_assess = cv.has_may_designate = true;
		cv.may_designate = ld_access_is_superior(n->access, n->conf->id, k->holder) &&
				   ld_access_is_superior(n->access, n->conf->id, k->referrer);
		cv.may_update = holder || above;
		cv.may_assess =
			!holder && (above || ld_access_kind_of(n->access, n->conf->id) == 6);
	}
	resp.case_view = &cv;
	api_respond(n, c, &resp);
out:
	api_items_free(&o);
	ld_case_destroy(&k);
}

/* One participant as judged; a state not visible here travels as such. */
static void participant_fill(Ld__ApiParticipant *x, const ld_participant_t *p)
{
	ld__api_participant__init(x);
	x->node_id = (char *)p->node;
	x->has_role = x->has_state_ms = x->has_ack_ms = x->has_overdue = true;
	x->has_escalated = x->has_not_visible = true;
	x->role = p->role;
	x->state = (char *)ld_participant_state(p);
	x->has_part_state = !p->hidden;
	x->part_state = (Ld__PartState)p->state;
	x->state_ms = p->state_ms;
	x->ack_ms = p->ack_ms;
	x->overdue = p->overdue;
	x->escalated = p->escalated;
	x->not_visible = p->hidden;
}

void api_action(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q)
{
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_ACTION);
	Ld__ApiAction av = LD__API_ACTION__INIT;
	Ld__ApiEntryRef dref = LD__API_ENTRY_REF__INIT;
	Ld__ApiParticipant parts[LD_ACTION_PARTICIPANTS_MAX], *pp[LD_ACTION_PARTICIPANTS_MAX];
	struct items_out o = {0};
	ld_action_t *a = NULL;
	int r;

	if (!q->case_id || !ld_case_id_valid(q->case_id)) {
		api_respond_err(n, c, LD__API_TYPE__API_ACTION, -EINVAL,
				"field 'case_id' must be an action id like OWNER-NODE/LOCAL-ID");
		return;
	}
	r = ld_action_load(n->store, n->access, q->case_id, ld_now_ms(), &a);
	if (r < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_ACTION, r,
				r == -ENOENT
					? "this node holds nothing of that action (unknown id, or "
					  "an action this node is not part of)"
					: NULL);
		return;
	}
	if ((r = api_items_fill(n, &o, a->items, a->n_items)) < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_ACTION, r, NULL);
		goto out;
	}
	for (size_t i = 0; i < a->n_parts; i++) {
		participant_fill(&parts[i], &a->parts[i]);
		pp[i] = &parts[i];
	}
	av.action_id = a->action_id;
	av.has_dispatched = av.has_kind = av.has_priority = av.has_ack_by_ms = true;
	av.dispatched = a->dispatched;
	av.dispatcher = a->dispatched ? a->dispatcher : NULL;
	av.kind = a->kind;
	av.priority = a->priority;
	av.title = a->title;
	av.ack_by_ms = a->ack_by_ms;
	av.n_participants = a->n_parts;
	av.participants = pp;
	av.n_items = o.n;
	av.items = o.ip;
	if (a->dispatched) {
		dref.feed = a->dispatch_feed;
		dref.has_seq = dref.has_id = true;
		dref.seq = a->dispatch_seq;
		dref.id.data = a->dispatch_id;
		dref.id.len = LD_ID_LEN;
		av.dispatch = &dref;
	}
	resp.action = &av;
	api_respond(n, c, &resp);
out:
	api_items_free(&o);
	ld_action_destroy(&a);
}

/* The answer-time histogram on the API: the summaries' 16 buckets per
 * doubling (casesum.h) merged into one per doubling from 1 s, enough for a
 * chart and a few dozen numbers per region. */
#define VIEW_HIST 33

static unsigned hist_group(unsigned b)
{
	return b == 0 ? 0 : (b + 15) / 16;
}

static void hist_fill(Ld__ApiViewRegion *vr, const ld_view_region_t *x, uint32_t *out)
{
	memset(out, 0, VIEW_HIST * sizeof(*out));
	for (unsigned b = 0; b < LD_ANSWER_BUCKETS; b++)
		out[hist_group(b) < VIEW_HIST ? hist_group(b) : VIEW_HIST - 1] += x->hist[b];
	vr->n_answer_hist = VIEW_HIST;
	vr->answer_hist = out;
}

void api_view(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q)
{
	int64_t bounds[VIEW_HIST];
	uint32_t *hists = NULL;
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_VIEW);
	Ld__ApiView av = LD__API_VIEW__INIT;
	ld_view_filter_t f = {
		.region = q->region && q->region[0] ? q->region : NULL,
		.status = q->status && q->status[0] ? q->status : NULL,
		.kind = q->has_kind ? (int)q->kind : 0,
		.since_ms = q->has_since_ms ? q->since_ms : 0,
		.limit = q->has_limit && q->limit ? q->limit : LD_VIEW_LIMIT,
	};
	Ld__ApiViewCase *vc = NULL, **vcp = NULL;
	Ld__ApiViewAction *va = NULL, **vap = NULL;
	Ld__ApiViewRegion *vr = NULL, **vrp = NULL;
	Ld__ApiParticipant *parts = NULL, **pp = NULL;
	struct status_out st = {0};
	size_t n_parts = 0, np = 0;
	ld_view_t *v = NULL;
	void *warn = NULL;
	int r;

	r = ld_view_build(n->store, n->access, ld_now_ms(), &f, &v);
	if (r == 0)
		r = api_status_build(n, &st);
	if (r == 0)
		r = api_view_warnings(n, v->now_ms, &av, &warn);
	if (r < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_VIEW, r, NULL);
		goto out;
	}
	for (size_t i = 0; i < v->n_actions; i++)
		n_parts += v->actions[i]->n_parts;
	vc = calloc(v->n_cases + 1, sizeof(*vc));
	vcp = calloc(v->n_cases + 1, sizeof(*vcp));
	va = calloc(v->n_actions + 1, sizeof(*va));
	vap = calloc(v->n_actions + 1, sizeof(*vap));
	vr = calloc(v->n_regions + 1, sizeof(*vr));
	vrp = calloc(v->n_regions + 1, sizeof(*vrp));
	parts = calloc(n_parts + 1, sizeof(*parts));
	pp = calloc(n_parts + 1, sizeof(*pp));
	hists = calloc((v->n_regions + 1) * VIEW_HIST, sizeof(*hists));
	if (!vc || !vcp || !va || !vap || !vr || !vrp || !parts || !pp || !hists) {
		api_respond_err(n, c, LD__API_TYPE__API_VIEW, -ENOMEM, NULL);
		goto out;
	}
	for (size_t i = 0; i < v->n_cases; i++) {
		ld_view_case_t *x = &v->cases[i];

		ld__api_view_case__init(&vc[i]);
		vc[i].case_id = x->case_id;
		vc[i].title = x->title;
		vc[i].referrer = x->referrer;
		vc[i].holder = x->holder;
		vc[i].status = (char *)ld_case_state_name(x->state);
		vc[i].has_state = true;
		vc[i].state = (Ld__CaseState)x->state;
		vc[i].has_referred_ms = vc[i].has_answer_by_ms = vc[i].has_answered_ms = true;
		vc[i].has_overdue = true;
		vc[i].referred_ms = x->referred_ms;
		vc[i].answer_by_ms = x->answer_by_ms;
		vc[i].answered_ms = x->answered_ms;
		vc[i].overdue = x->overdue;
		vcp[i] = &vc[i];
	}
	for (size_t i = 0; i < v->n_actions; i++) {
		ld_action_t *a = v->actions[i];

		ld__api_view_action__init(&va[i]);
		va[i].action_id = a->action_id;
		va[i].title = a->title;
		va[i].dispatcher = a->dispatcher;
		va[i].has_kind = va[i].has_priority = va[i].has_ack_by_ms = true;
		va[i].has_dispatched_ms = va[i].has_active = true;
		va[i].kind = a->kind;
		va[i].priority = a->priority;
		va[i].ack_by_ms = a->ack_by_ms;
		va[i].dispatched_ms = a->dispatch_ms;
		va[i].active = ld_action_active(a);
		va[i].participants = pp + np;
		va[i].has_not_visible = true;
		for (size_t j = 0; j < a->n_parts; j++, np++) {
			participant_fill(&parts[np], &a->parts[j]);
			va[i].not_visible += a->parts[j].hidden;
			pp[np] = &parts[np];
		}
		va[i].n_participants = a->n_parts;
		vap[i] = &va[i];
	}
	for (size_t i = 0; i < v->n_regions; i++) {
		ld_view_region_t *x = &v->regions[i];

		ld__api_view_region__init(&vr[i]);
		vr[i].region = x->region;
		vr[i].has_referrals_out = vr[i].has_referrals_in = vr[i].has_awaiting = true;
		vr[i].has_overdue = vr[i].has_median_answer_ms = true;
		vr[i].referrals_out = x->referrals_out;
		vr[i].referrals_in = x->referrals_in;
		vr[i].awaiting = x->awaiting;
		vr[i].overdue = x->overdue;
		vr[i].median_answer_ms = x->median_answer_ms;
		hist_fill(&vr[i], x, hists + i * VIEW_HIST);
		vrp[i] = &vr[i];
	}
	for (unsigned g = 0; g < VIEW_HIST; g++)
		bounds[g] = (int64_t)1000 << g;
	av.n_answer_buckets_ms = VIEW_HIST;
	av.answer_buckets_ms = bounds;
	av.has_now_ms = true;
	av.now_ms = v->now_ms;
	av.n_cases = v->n_cases;
	av.cases = vcp;
	av.n_actions = v->n_actions;
	av.actions = vap;
	av.n_regions = v->n_regions;
	av.regions = vrp;
	av.health = &st.st;
	av.has_cases_total = av.has_cases_awaiting = av.has_cases_overdue = true;
	av.has_rejudging = true;
	av.cases_total = v->cases_total;
	av.cases_awaiting = v->cases_awaiting;
	av.cases_overdue = v->cases_overdue;
	av.rejudging = v->rejudging;
	resp.view = &av;
	api_respond(n, c, &resp);
out:
	api_status_free(&st);
	api_view_warnings_free(&warn);
	free(vc);
	free(vcp);
	free(va);
	free(vap);
	free(vr);
	free(vrp);
	free(parts);
	free(pp);
	free(hists);
	ld_view_destroy(&v);
}

/* --- the roster --- */

struct roster_acc {
	Ld__RosterNode **v;
	size_t n, cap;
};

static int roster_copy(void *ud, const Ld__RosterNode *m)
{
	struct roster_acc *a = ud;
	size_t len = ld__roster_node__get_packed_size(m);
	uint8_t *buf;

	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 32;
		Ld__RosterNode **nv = realloc(a->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		a->v = nv;
		a->cap = cap;
	}
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	ld__roster_node__pack(m, buf);
	a->v[a->n] = ld__roster_node__unpack(NULL, len, buf);
	free(buf);
	return a->v[a->n] ? (a->n++, 0) : -ENOMEM;
}

void api_roster(ld_node_t *n, const ld_api_client_t *c)
{
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_ROSTER);
	struct roster_acc a = {0};
	const char *root = ld_store_root_id(n->store);
	ld_feed_head_t h;
	int r = ld_store_foreach_roster(n->store, roster_copy, &a);

	if (r < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_ROSTER, r, NULL);
	} else {
		resp.n_roster = a.n;
		resp.roster = a.v;
		if (root && ld_store_head(n->store, root, &h) == 0) {
			resp.has_root_head = true;
			resp.root_head = h.seq;
		}
		api_respond(n, c, &resp);
	}
	for (size_t i = 0; i < a.n; i++)
		ld__roster_node__free_unpacked(a.v[i], NULL);
	free(a.v);
}

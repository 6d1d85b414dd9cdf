/* server/api_funds.c: a case's substitute performance (代履行) and
 * remediation funds in the API_CASE answer, as judged
 * (common/domain/funds.c). */
#include <string.h>

#include "common/domain/funds.h"
#include "server/api_int.h"

static void ref_fill(Ld__ApiEntryRef *r, const char *feed, uint64_t seq, const uint8_t *id)
{
	ld__api_entry_ref__init(r);
	r->feed = (char *)feed;
	r->has_seq = r->has_id = true;
	r->seq = seq;
	r->id.data = (uint8_t *)id;
	r->id.len = LD_ID_LEN;
}

static void subst_fill(struct funds_out *o, size_t i, const ld_subst_t *s, int64_t now)
{
	Ld__ApiSubstitute *x = &o->subst[i];

	ld__api_substitute__init(x);
	ref_fill(&o->subst_ref[i], s->feed, s->seq, s->id);
	x->order = &o->subst_ref[i];
	x->ordered_by = (char *)s->feed;
	x->party = (char *)s->party;
	x->scope = (char *)s->scope;
	x->has_ordered_ms = x->has_cost_fen = x->has_due_ms = x->has_accepted_ms = true;
	x->has_final_cost_fen = x->has_overdue = true;
	x->ordered_ms = s->ordered_ms;
	x->cost_fen = s->cost_fen;
	x->due_ms = s->due_ms;
	x->accepted_ms = s->accepted_ms;
	x->has_result = s->accepted_ms != 0;
	x->result = s->result;
	x->final_cost_fen = s->final_cost_fen;
	x->overdue = ld_subst_overdue(s, now);
	o->subst_p[i] = x;
}

static void unit_fill(struct funds_out *o, size_t i, const ld_fund_unit_t *u)
{
	Ld__ApiFundUnit *x = &o->unit[i];

	ld__api_fund_unit__init(x);
	x->node = (char *)u->node;
	x->has_assigned_fen = x->has_transferred_out_fen = x->has_transferred_in_fen = true;
	x->has_received_fen = x->has_spent_fen = x->has_held_fen = true;
	x->assigned_fen = u->assigned;
	x->transferred_out_fen = u->out;
	x->transferred_in_fen = u->in;
	x->received_fen = u->received;
	x->spent_fen = u->spent;
	x->held_fen = ld_fund_held(u);
	o->unit_p[i] = x;
}

static void transfer_fill(struct funds_out *o, size_t i, const ld_fund_transfer_t *t)
{
	Ld__ApiFundTransfer *x = &o->xfer[i];

	ld__api_fund_transfer__init(x);
	ref_fill(&o->xfer_ref[i], t->from, t->seq, t->id);
	x->transfer = &o->xfer_ref[i];
	x->from_unit = (char *)t->from;
	x->to_unit = (char *)t->to;
	x->has_amount_fen = x->has_sent_ms = x->has_received_ms = true;
	x->amount_fen = t->amount;
	x->sent_ms = t->sent_ms;
	x->received_ms = t->received_ms;
	x->purpose = t->purpose[0] ? (char *)t->purpose : NULL;
	x->reference = t->reference[0] ? (char *)t->reference : NULL;
	o->xfer_p[i] = x;
}

void api_case_funds(Ld__ApiCase *cv, const ld_funds_t *f, int64_t now, struct funds_out *o)
{
	Ld__ApiFundTotals *t = &o->totals;

	for (size_t i = 0; i < f->n_orders; i++)
		subst_fill(o, i, &f->orders[i], now);
	cv->n_substitutes = f->n_orders;
	cv->substitutes = o->subst_p;
	for (size_t i = 0; i < f->n_units; i++)
		unit_fill(o, i, &f->units[i]);
	cv->n_fund_units = f->n_units;
	cv->fund_units = o->unit_p;
	for (size_t i = 0; i < f->n_transfers; i++)
		transfer_fill(o, i, &f->transfers[i]);
	cv->n_fund_transfers = f->n_transfers;
	cv->fund_transfers = o->xfer_p;
	ld__api_fund_totals__init(t);
	t->has_committed_fen = t->has_transferred_fen = t->has_received_fen = true;
	t->has_spent_fen = t->has_in_transit_fen = t->has_held_fen = true;
	t->committed_fen = f->committed;
	t->transferred_fen = f->transferred;
	t->received_fen = f->received;
	t->spent_fen = f->spent;
	t->in_transit_fen = f->transferred - f->received;
	t->held_fen = f->committed + f->received - f->transferred - f->spent;
	cv->fund_totals = t;
}

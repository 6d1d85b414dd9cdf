/* common/domain/funds.c: see funds.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/base/text.h"
#include "common/domain/access.h"
#include "common/domain/casetypes.h"
#include "common/domain/funds.h"
#include "common/feed/kinds.h"
#include "funds.pb-c.h"

const char *ld_acceptance_name(uint32_t v)
{
	static const char *const n[] = {"unspecified", "passed", "failed"};

	return v < sizeof(n) / sizeof(n[0]) ? n[v] : "unknown";
}

const char *ld_fund_action_name(uint32_t v)
{
	static const char *const n[] = {"unspecified", "assign", "transfer", "receive", "spend"};

	return v < sizeof(n) / sizeof(n[0]) ? n[v] : "unknown";
}

void ld_fen_format(int64_t fen, char *buf, size_t n)
{
	/* Magnitude as unsigned: INT64_MIN has no positive counterpart. */
	uint64_t m = fen < 0 ? 0 - (uint64_t)fen : (uint64_t)fen;

	snprintf(buf, n, "%s%llu.%02llu yuan", fen < 0 ? "-" : "", (unsigned long long)(m / 100),
		 (unsigned long long)(m % 100));
}

int64_t ld_fund_held(const ld_fund_unit_t *u)
{
	return u->assigned + u->received - u->out - u->spent;
}

const ld_fund_unit_t *ld_funds_unit(const ld_funds_t *f, const char *node)
{
	for (size_t i = 0; i < f->n_units; i++)
		if (!strcmp(f->units[i].node, node))
			return &f->units[i];
	return NULL;
}

bool ld_subst_overdue(const ld_subst_t *o, int64_t now)
{
	return !o->accepted_ms && o->due_ms && now > o->due_ms;
}

static void refuse(ld_case_item_t *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(ld_case_item_t *it, const char *fmt, ...)
{
	va_list ap;

	it->refused = true;
	va_start(ap, fmt);
	if (vsnprintf(it->reason, sizeof(it->reason), fmt, ap) >= (int)sizeof(it->reason))
		ld_utf8_trim(it->reason);
	va_end(ap);
}

/* Is 'who' a unit of the case: its holder, its referrer, or a superior
 * of either (the units that read its records)? */
static bool of_case(const ld_case_t *c, const ld_access_t *a, const char *who)
{
	return !strcmp(who, c->holder) || !strcmp(who, c->referrer) ||
	       ld_access_is_superior(a, who, c->holder) ||
	       ld_access_is_superior(a, who, c->referrer);
}

/* The unit 'node' of f, added if new and there is room; NULL if full. */
static ld_fund_unit_t *unit_get(ld_funds_t *f, const char *node)
{
	ld_fund_unit_t *u = (ld_fund_unit_t *)ld_funds_unit(f, node);

	if (u || f->n_units == LD_FUND_UNITS_MAX)
		return u;
	u = &f->units[f->n_units++];
	memset(u, 0, sizeof(*u));
	snprintf(u->node, sizeof(u->node), "%s", node);
	return u;
}

/* Would units 'x' and 'y' (may be NULL) find room? */
static bool units_room(const ld_funds_t *f, const char *x, const char *y)
{
	size_t need =
		(x && !ld_funds_unit(f, x)) + (y && !ld_funds_unit(f, y) && (!x || strcmp(x, y)));

	return f->n_units + need <= LD_FUND_UNITS_MAX;
}

static bool ref_is(const Ld__EntryRef *r, const char *feed, uint64_t seq, const uint8_t *id)
{
	return r && r->feed && !strcmp(r->feed, feed) && r->has_seq && r->seq == seq && r->has_id &&
	       r->id.len == LD_ID_LEN && !memcmp(r->id.data, id, LD_ID_LEN);
}

static const char *str(const char *s)
{
	return s ? s : "";
}

static void judge_order(ld_case_t *c, ld_case_item_t *it, const ld_entry_t *e)
{
	Ld__SubstituteOrder *m = ld_entry_payload(e, LD__KIND__KIND_SUBSTITUTE_ORDER);
	ld_funds_t *f = &c->funds;
	char cost[48];

	if (!m) {
		refuse(it, "payload does not decode as a substitute-performance order");
		return;
	}
	ld_fen_format(m->cost_fen, cost, sizeof(cost));
	snprintf(it->summary, sizeof(it->summary),
		 "SUBSTITUTE PERFORMANCE #%zu ordered: %s - %s (cost %s)", f->n_orders,
		 str(m->party), str(m->scope), cost);
	if (!c->opened)
		refuse(it, "no referral of this case is held here");
	else if (strcmp(e->hdr->author, c->holder))
		refuse(it, "only the unit handling case %s (%s) orders substitute performance",
		       c->case_id, c->holder);
	else if (!m->party || !m->party[0] || !m->scope || !m->scope[0])
		refuse(it, "a substitute-performance order names the third party and the scope "
			   "of its work");
	else if (!m->has_cost_fen || m->cost_fen < 0 || m->cost_fen > LD_FEN_MAX)
		refuse(it,
		       "a substitute-performance order states its cost in fen, 0 to %lld "
		       "(%lld given)",
		       LD_FEN_MAX, (long long)m->cost_fen);
	else if (!m->has_due_ms || m->due_ms <= e->hdr->time_ms)
		refuse(it, "a substitute-performance order needs a deadline after the order");
	else if (f->n_orders == LD_SUBST_MAX)
		refuse(it, "case %s has %d substitute-performance orders already (at most %d)",
		       c->case_id, LD_SUBST_MAX, LD_SUBST_MAX);
	if (!it->refused) {
		ld_subst_t *o = &f->orders[f->n_orders++];

		memset(o, 0, sizeof(*o));
		snprintf(o->feed, sizeof(o->feed), "%s", e->hdr->author);
		o->seq = e->hdr->seq;
		memcpy(o->id, e->id, LD_ID_LEN);
		o->ordered_ms = e->hdr->time_ms;
		snprintf(o->party, sizeof(o->party), "%s", m->party);
		snprintf(o->scope, sizeof(o->scope), "%s", m->scope);
		ld_utf8_trim(o->party);
		ld_utf8_trim(o->scope);
		o->cost_fen = o->final_cost_fen = m->cost_fen;
		o->due_ms = m->due_ms;
	}
	ld__substitute_order__free_unpacked(m, NULL);
}

static void judge_acceptance(ld_case_t *c, ld_case_item_t *it, const ld_entry_t *e)
{
	Ld__SubstituteAcceptance *m = ld_entry_payload(e, LD__KIND__KIND_SUBSTITUTE_ACCEPTANCE);
	ld_funds_t *f = &c->funds;
	ld_subst_t *o = NULL;
	char no[24] = "?";
	size_t k;

	if (!m) {
		refuse(it, "payload does not decode as a substitute-performance acceptance");
		return;
	}
	for (k = 0; k < f->n_orders && !o; k++)
		if (ref_is(m->order, f->orders[k].feed, f->orders[k].seq, f->orders[k].id))
			o = &f->orders[k];
	if (o)
		snprintf(no, sizeof(no), "%zu", k - 1);
	snprintf(it->summary, sizeof(it->summary), "SUBSTITUTE PERFORMANCE #%s accepted: %s%s%s",
		 no, ld_acceptance_name(m->result), m->findings ? " - " : "", str(m->findings));
	if (!c->opened)
		refuse(it, "no referral of this case is held here");
	else if (strcmp(e->hdr->author, c->holder))
		refuse(it, "only the unit handling case %s (%s) accepts substitute performance",
		       c->case_id, c->holder);
	else if (!o)
		refuse(it,
		       "the acceptance names no substitute-performance order of case %s held "
		       "here",
		       c->case_id);
	else if (o->accepted_ms)
		refuse(it, "substitute-performance order #%zu of case %s was accepted already (%s)",
		       k - 1, c->case_id, ld_acceptance_name(o->result));
	else if (m->result != LD__ACCEPTANCE_RESULT__ACCEPTANCE_RESULT_PASSED &&
		 m->result != LD__ACCEPTANCE_RESULT__ACCEPTANCE_RESULT_FAILED)
		refuse(it, "an acceptance is passed or failed");
	else if (m->has_final_cost_fen && (m->final_cost_fen < 0 || m->final_cost_fen > LD_FEN_MAX))
		refuse(it, "the settled cost is in fen, 0 to %lld (%lld given)", LD_FEN_MAX,
		       (long long)m->final_cost_fen);
	if (!it->refused) {
		o->accepted_ms = e->hdr->time_ms ? e->hdr->time_ms : 1;
		o->result = m->result;
		if (m->has_final_cost_fen)
			o->final_cost_fen = m->final_cost_fen;
	}
	ld__substitute_acceptance__free_unpacked(m, NULL);
}

/* Why unit 'u' (NULL: none yet) cannot pay 'amount' for 'what'. */
static void refuse_held(ld_case_item_t *it, const ld_case_t *c, const char *who,
			const ld_fund_unit_t *u, const char *what, int64_t amount)
{
	ld_fund_unit_t none = {0};

	if (!u)
		u = &none;
	refuse(it,
	       "%s %lld fen exceeds what %s holds for case %s: %lld fen (assigned %lld + "
	       "received %lld - transferred %lld - spent %lld)",
	       what, (long long)amount, who, c->case_id, (long long)ld_fund_held(u),
	       (long long)u->assigned, (long long)u->received, (long long)u->out,
	       (long long)u->spent);
}

static void fund_summary(ld_case_item_t *it, const Ld__FundRecord *m, const char *from)
{
	char amt[48];

	ld_fen_format(m->amount_fen, amt, sizeof(amt));
	switch (m->action) {
	case LD__FUND_ACTION__FUND_ACTION_ASSIGN:
		snprintf(it->summary, sizeof(it->summary), "FUNDS assigned: %s%s%s", amt,
			 m->source ? " from " : "", str(m->source));
		break;
	case LD__FUND_ACTION__FUND_ACTION_TRANSFER:
		snprintf(it->summary, sizeof(it->summary), "FUNDS transferred: %s to %s%s%s%s%s",
			 amt, m->to_unit ? m->to_unit : "?", m->purpose ? " for " : "",
			 str(m->purpose), m->reference ? ", reference " : "", str(m->reference));
		break;
	case LD__FUND_ACTION__FUND_ACTION_RECEIVE:
		snprintf(it->summary, sizeof(it->summary), "FUNDS received: %s%s%s%s%s",
			 m->has_amount_fen ? amt : "the transfer", from ? " from " : "", str(from),
			 m->reference ? ", reference " : "", str(m->reference));
		break;
	case LD__FUND_ACTION__FUND_ACTION_SPEND:
		snprintf(it->summary, sizeof(it->summary),
			 "FUNDS spent: %s on the stage report of checkpoint %u%s%s", amt,
			 m->checkpoint, m->purpose ? " for " : "", str(m->purpose));
		break;
	default:
		snprintf(it->summary, sizeof(it->summary), "FUNDS: %s (%s)", amt,
			 ld_fund_action_name(m->action));
	}
}

/* The transfer a receipt names, or NULL. */
static ld_fund_transfer_t *transfer_of(ld_funds_t *f, const Ld__EntryRef *r)
{
	for (size_t i = 0; i < f->n_transfers; i++)
		if (ref_is(r, f->transfers[i].from, f->transfers[i].seq, f->transfers[i].id))
			return &f->transfers[i];
	return NULL;
}

/* The rule a fund record breaks, if any (it->refused), before applying. */
static void fund_rules(ld_case_t *c, const ld_access_t *a, ld_case_item_t *it, const ld_entry_t *e,
		       const Ld__FundRecord *m, ld_fund_transfer_t *t)
{
	ld_funds_t *f = &c->funds;
	const char *who = e->hdr->author;
	const ld_fund_unit_t *u = ld_funds_unit(f, who);
	int64_t amount = m->amount_fen;

	if (!c->opened) {
		refuse(it, "no referral of this case is held here");
		return;
	}
	if (!of_case(c, a, who)) {
		refuse(it,
		       "only a unit of case %s (its holder %s, the referring unit %s, or a superior "
		       "of either) records its funds",
		       c->case_id, c->holder, c->referrer);
		return;
	}
	if (m->action == LD__FUND_ACTION__FUND_ACTION_RECEIVE && !t) {
		refuse(it, "the receipt names no transfer of case %s held here", c->case_id);
		return;
	}
	if (m->action == LD__FUND_ACTION__FUND_ACTION_RECEIVE && !m->has_amount_fen)
		amount = t->amount;
	else if (!m->has_amount_fen || m->amount_fen <= 0 || m->amount_fen > LD_FEN_MAX) {
		refuse(it, "an amount is in fen, more than 0 and at most %lld (%lld given)",
		       LD_FEN_MAX, (long long)m->amount_fen);
		return;
	}
	switch (m->action) {
	case LD__FUND_ACTION__FUND_ACTION_ASSIGN:
		if (f->committed > LD_FEN_MAX - amount)
			refuse(it, "case %s would have more than %lld fen committed", c->case_id,
			       LD_FEN_MAX);
		else if (!units_room(f, who, NULL))
			refuse(it, "case %s has funds at %d units already (at most)", c->case_id,
			       LD_FUND_UNITS_MAX);
		break;
	case LD__FUND_ACTION__FUND_ACTION_TRANSFER:
		if (!m->to_unit || !ld_node_id_valid(m->to_unit) || !strcmp(m->to_unit, who))
			refuse(it, "a transfer names the unit paid (to_unit), not the payer");
		else if (!of_case(c, a, m->to_unit))
			refuse(it,
			       "%s is not a unit of case %s: funds go to its holder %s, the referring "
			       "unit %s, or a superior of either",
			       m->to_unit, c->case_id, c->holder, c->referrer);
		else if (!m->reference || !m->reference[0])
			refuse(it, "a transfer gives its reference (e.g. the bank voucher number)");
		else if (!u || ld_fund_held(u) < amount)
			refuse_held(it, c, who, u, "transferring", amount);
		else if (f->n_transfers == LD_FUND_TRANSFERS_MAX)
			refuse(it, "case %s has %d transfers already (at most)", c->case_id,
			       LD_FUND_TRANSFERS_MAX);
		else if (!units_room(f, who, m->to_unit))
			refuse(it, "case %s has funds at %d units already (at most)", c->case_id,
			       LD_FUND_UNITS_MAX);
		break;
	case LD__FUND_ACTION__FUND_ACTION_RECEIVE:
		if (strcmp(t->to, who))
			refuse(it,
			       "transfer %s:%llu is addressed to %s: only %s confirms receiving it",
			       t->from, (unsigned long long)t->seq, t->to, t->to);
		else if (t->received_ms)
			refuse(it, "transfer %s:%llu was received already", t->from,
			       (unsigned long long)t->seq);
		else if (amount != t->amount)
			refuse(it, "received %lld fen, but transfer %s:%llu is of %lld fen",
			       (long long)amount, t->from, (unsigned long long)t->seq,
			       (long long)t->amount);
		break;
	case LD__FUND_ACTION__FUND_ACTION_SPEND:
		if (!m->has_checkpoint)
			refuse(it, "spending names the checkpoint whose stage report it pays for");
		else if (m->checkpoint >= c->n_checkpoints)
			refuse(it,
			       "spending names checkpoint %u, but case %s has %zu (numbered from 0)",
			       m->checkpoint, c->case_id, c->n_checkpoints);
		else if (!u || ld_fund_held(u) < amount)
			refuse_held(it, c, who, u, "spending", amount);
		else if (!c->checkpoints[m->checkpoint].reported_ms)
			refuse(it,
			       "no stage report is filed for checkpoint %u of case %s: funds are "
			       "spent against a filed stage report",
			       m->checkpoint, c->case_id);
		break;
	default:
		refuse(it, "unknown fund action %u (assign, transfer, receive, spend)", m->action);
	}
}

static void judge_fund(ld_case_t *c, const ld_access_t *a, ld_case_item_t *it, const ld_entry_t *e)
{
	Ld__FundRecord *m = ld_entry_payload(e, LD__KIND__KIND_FUND_RECORD);
	ld_funds_t *f = &c->funds;
	const char *who = e->hdr->author;
	ld_fund_transfer_t *t;
	ld_fund_unit_t *u;

	if (!m) {
		refuse(it, "payload does not decode as a fund record");
		return;
	}
	t = m->action == LD__FUND_ACTION__FUND_ACTION_RECEIVE ? transfer_of(f, m->transfer) : NULL;
	fund_summary(it, m, t ? t->from : NULL);
	fund_rules(c, a, it, e, m, t);
	if (!it->refused) {
		int64_t amount = m->has_amount_fen ? m->amount_fen : t ? t->amount : 0;

		u = unit_get(f, who);
		switch (m->action) {
		case LD__FUND_ACTION__FUND_ACTION_ASSIGN:
			u->assigned += amount;
			f->committed += amount;
			break;
		case LD__FUND_ACTION__FUND_ACTION_TRANSFER:
			u->out += amount;
			unit_get(f, m->to_unit)->in += amount;
			f->transferred += amount;
			t = &f->transfers[f->n_transfers++];
			memset(t, 0, sizeof(*t));
			snprintf(t->from, sizeof(t->from), "%s", who);
			snprintf(t->to, sizeof(t->to), "%s", m->to_unit);
			t->seq = e->hdr->seq;
			memcpy(t->id, e->id, LD_ID_LEN);
			t->amount = amount;
			t->sent_ms = e->hdr->time_ms;
			snprintf(t->purpose, sizeof(t->purpose), "%s", str(m->purpose));
			snprintf(t->reference, sizeof(t->reference), "%s", str(m->reference));
			ld_utf8_trim(t->purpose);
			ld_utf8_trim(t->reference);
			break;
		case LD__FUND_ACTION__FUND_ACTION_RECEIVE:
			u->received += amount;
			f->received += amount;
			t->received_ms = e->hdr->time_ms ? e->hdr->time_ms : 1;
			break;
		default: /* spend */
			u->spent += amount;
			f->spent += amount;
		}
	}
	ld__fund_record__free_unpacked(m, NULL);
}

void ld_funds_judge(ld_case_t *c, const ld_access_t *a, ld_case_item_t *it, const ld_entry_t *e)
{
	if (e->hdr->kind == LD__KIND__KIND_SUBSTITUTE_ORDER)
		judge_order(c, it, e);
	else if (e->hdr->kind == LD__KIND__KIND_SUBSTITUTE_ACCEPTANCE)
		judge_acceptance(c, it, e);
	else
		judge_fund(c, a, it, e);
}

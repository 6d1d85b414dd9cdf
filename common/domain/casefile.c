/* common/domain/casefile.c: see casefile.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.pb-c.h"
#include "consult.pb-c.h"
#include "common/base/text.h"
#include "common/index/threads.h"
#include "common/domain/casefile.h"
#include "common/base/vec.h"
#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "evidence.pb-c.h"

static const char *const violations[] = {
	"unspecified", "water", "air",	       "solid-waste", "hazardous-waste",
	"soil",	       "noise", "sand-mining", "fishing-ban", "ecological-damage",
	"radiation",   "other"};
static const char *const decisions[] = {"unspecified", "accept",   "reject",
					"need-info",   "transfer", "designate"};

static const char *const case_states[LD_CASE_STATES] = {"not referred", "awaiting answer",
							"accepted", "rejected", "need-info"};

const char *ld_case_state_name(enum ld_case_state st)
{
	return (unsigned)st < LD_CASE_STATES ? case_states[st] : "unknown";
}

int ld_case_state_parse(const char *name)
{
	for (int i = 0; name && i < LD_CASE_STATES; i++)
		if (!strcmp(name, case_states[i]))
			return i;
	return -EINVAL;
}

const char *ld_case_status_name(uint32_t v)
{
	static const char *const n[] = {"unspecified",
					"filed",
					"referred",
					"accepted",
					"investigating",
					"penalty-decided",
					"handed-to-judiciary",
					"remediation-ordered",
					"remediation-verified",
					"closed"};

	return v < sizeof(n) / sizeof(n[0]) ? n[v] : "unknown";
}

const char *ld_stage_name(uint32_t v)
{
	static const char *const n[] = {"unspecified", "after-rectification", "during-remediation",
					"at-completion", "after-completion"};

	return v < sizeof(n) / sizeof(n[0]) ? n[v] : "unknown";
}

const char *ld_outcome_name(uint32_t v)
{
	static const char *const n[] = {"unspecified", "satisfactory", "unsatisfactory",
					"false-rectification"};

	return v < sizeof(n) / sizeof(n[0]) ? n[v] : "unknown";
}

const char *ld_violation_name(uint32_t v)
{
	return v < sizeof(violations) / sizeof(violations[0]) ? violations[v] : "unknown";
}

const char *ld_decision_name(uint32_t d)
{
	return d < sizeof(decisions) / sizeof(decisions[0]) ? decisions[d] : "unknown";
}

/* An item with its entry, so both sort together. */
struct pair {
	ld_case_item_t item;
	ld_entry_t *e;
	int64_t eff_ms;
};

struct load {
	const ld_rd_t *rd;
	struct pair *p;
	size_t n, cap;
};

static int collect(void *ud, const char *feed, uint64_t seq, uint32_t kind)
{
	struct load *l = ud;
	ld_case_item_t *it;
	ld_entry_t *e;
	int64_t recv;
	int r = ld_rd_get(l->rd, feed, seq, &e, &recv);

	if (r < 0)
		return r;
	if (ld_vec_grow(&l->p, l->n, &l->cap, sizeof(*l->p), 16) < 0) {
		ld_entry_destroy(&e);
		return -ENOMEM;
	}
	it = &l->p[l->n].item;
	memset(it, 0, sizeof(*it));
	snprintf(it->feed, sizeof(it->feed), "%s", feed);
	it->seq = seq;
	it->kind = kind;
	it->time_ms = e->hdr->time_ms;
	it->recv_ms = recv;
	memcpy(it->id, e->id, LD_ID_LEN);
	l->p[l->n++].e = e;
	return 0;
}

static int feed_seq_cmp(const void *a, const void *b)
{
	const ld_case_item_t *x = &((const struct pair *)a)->item;
	const ld_case_item_t *y = &((const struct pair *)b)->item;
	int r = strcmp(x->feed, y->feed);

	return r ? r : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Judged order: effective time (an author's time, never earlier than that
 * author's previous entry: nobody rewrites their own answer by backdating),
 * then author, then seq. All signed content, so order-independent. */
static int pair_cmp(const void *a, const void *b)
{
	const struct pair *pa = a, *pb = b;
	const ld_case_item_t *x = &pa->item, *y = &pb->item;
	int r;

	if (pa->eff_ms != pb->eff_ms)
		return pa->eff_ms < pb->eff_ms ? -1 : 1;
	if ((r = strcmp(x->feed, y->feed)) != 0)
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int ld_timeline_load(const ld_rd_t *rd,
		     int (*foreach)(const ld_rd_t *rd, const char *id,
				    int (*cb)(void *ud, const char *feed, uint64_t seq,
					      uint32_t kind),
				    void *ud),
		     const char *id, const ld_entry_t *cand, ld_timeline_t *t)
{
	struct load l = {.rd = rd};
	int r = foreach (rd, id, collect, &l);

	memset(t, 0, sizeof(*t));
	if (r == 0 && cand && (r = ld_vec_grow(&l.p, l.n, &l.cap, sizeof(*l.p), 16)) == 0) {
		ld_case_item_t *it = &l.p[l.n].item;

		memset(it, 0, sizeof(*it));
		snprintf(it->feed, sizeof(it->feed), "%s", cand->hdr->author);
		it->seq = cand->hdr->seq;
		it->kind = cand->hdr->kind;
		it->time_ms = it->recv_ms = cand->hdr->time_ms;
		memcpy(it->id, cand->id, LD_ID_LEN);
		l.p[l.n++].e = (ld_entry_t *)cand;
		t->cand = cand;
	}
	if (r == 0 && l.n == 0)
		r = -ENOENT;
	if (r == 0) {
		t->items = calloc(l.n, sizeof(*t->items));
		t->entries = calloc(l.n, sizeof(*t->entries));
		if (!t->items || !t->entries)
			r = -ENOMEM;
	}
	if (r == 0) {
		qsort(l.p, l.n, sizeof(*l.p), feed_seq_cmp);
		for (size_t i = 0; i < l.n; i++) {
			l.p[i].eff_ms = l.p[i].item.time_ms;
			if (i && !strcmp(l.p[i].item.feed, l.p[i - 1].item.feed) &&
			    l.p[i].eff_ms < l.p[i - 1].eff_ms)
				l.p[i].eff_ms = l.p[i - 1].eff_ms;
		}
		qsort(l.p, l.n, sizeof(*l.p), pair_cmp);
		for (size_t i = 0; i < l.n; i++) {
			t->items[i] = l.p[i].item;
			t->entries[i] = l.p[i].e;
		}
		t->n = l.n;
	} else {
		for (size_t i = 0; i < l.n; i++)
			if (l.p[i].e != cand)
				ld_entry_destroy(&l.p[i].e);
		free(t->items);
		free(t->entries);
		memset(t, 0, sizeof(*t));
	}
	free(l.p);
	return r;
}

void ld_timeline_free(ld_timeline_t *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->entries[i] != t->cand)
			ld_entry_destroy(&t->entries[i]);
	free(t->entries);
	free(t->items);
	memset(t, 0, sizeof(*t));
}

static void refuse(ld_case_item_t *it, const char *why)
{
	it->refused = true;
	snprintf(it->reason, sizeof(it->reason), "%s", why);
}

/* Refused for the state the case is in: the rule, then the state. */
static void refuse_in(ld_case_item_t *it, const ld_case_t *c, const char *why)
{
	it->refused = true;
	if (snprintf(it->reason, sizeof(it->reason), "%s (case %s: %s, held by %s)", why,
		     c->case_id, ld_case_state_name(c->state),
		     c->holder) >= (int)sizeof(it->reason))
		ld_utf8_trim(it->reason);
}

static void judge_referral(ld_case_t *c, ld_case_item_t *it, const ld_entry_t *e)
{
	Ld__CaseReferral *m = ld_entry_payload(e, LD__KIND__KIND_CASE_REFERRAL);
	size_t olen = strchr(c->case_id, '/') - c->case_id;

	if (!m) {
		refuse(it, "payload does not decode as a referral");
		return;
	}
	snprintf(it->summary, sizeof(it->summary), "REFERRAL to %s: %s [%s]%s%s",
		 m->addressee ? m->addressee : "?", m->title ? m->title : "(no title)",
		 ld_violation_name(m->violation), m->facts ? " - " : "", m->facts ? m->facts : "");
	if (strlen(e->hdr->author) != olen || strncmp(c->case_id, e->hdr->author, olen) != 0)
		refuse(it, "only the unit that owns the case id may refer it");
	else if (!m->addressee || !ld_node_id_valid(m->addressee))
		refuse(it, "no valid addressee");
	else if (c->opened && c->state != LD_CASE_NEED_INFO && c->state != LD_CASE_REJECTED)
		refuse_in(it, c,
			  "the case is already referred: it can be referred again only "
			  "after reject or need-info");
	if (!it->refused) {
		c->opened = true;
		snprintf(c->referrer, sizeof(c->referrer), "%s", e->hdr->author);
		snprintf(c->holder, sizeof(c->holder), "%s", m->addressee);
		snprintf(c->title, sizeof(c->title), "%s", m->title ? m->title : "");
		c->state = LD_CASE_AWAITING;
		c->answer_by_ms = m->has_answer_by_ms ? m->answer_by_ms : 0;
		snprintf(c->referral_feed, sizeof(c->referral_feed), "%s", e->hdr->author);
		c->referral_seq = e->hdr->seq;
		c->referral_ms = e->hdr->time_ms;
		memcpy(c->referral_id, e->id, LD_ID_LEN);
	}
	ld__case_referral__free_unpacked(m, NULL);
}

static void judge_response(ld_case_t *c, const ld_access_t *a, ld_case_item_t *it,
			   const ld_entry_t *e)
{
	Ld__ReferralResponse *m = ld_entry_payload(e, LD__KIND__KIND_REFERRAL_RESPONSE);
	const char *who = e->hdr->author, *to;

	if (!m) {
		refuse(it, "payload does not decode as a referral response");
		return;
	}
	to = m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER ? m->transfer_to
									      : m->designated;
	snprintf(it->summary, sizeof(it->summary), "%s%s%s%s%s", ld_decision_name(m->decision),
		 to ? " to " : "", to ? to : "", m->reason ? ": " : "", m->reason ? m->reason : "");
	if (!c->opened) {
		refuse(it, "no referral of this case is held here");
	} else if (m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE) {
		if (!to || !ld_node_id_valid(to))
			refuse(it, "designate needs the designated unit");
		else if (!ld_access_is_superior(a, who, c->holder) ||
			 !ld_access_is_superior(a, who, c->referrer))
			refuse(it,
			       "only a superior of the units concerned may designate jurisdiction");
	} else if (strcmp(who, c->holder) != 0) {
		refuse_in(it, c, "only the unit the case is addressed to may answer it");
	} else if ((m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT ||
		    m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_NEED_INFO) &&
		   (!m->reason || !m->reason[0])) {
		refuse(it, "reject and need-info need a reason");
	} else if (m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER &&
		   (!to || !ld_node_id_valid(to))) {
		refuse(it, "transfer needs the unit to transfer to");
	} else if (m->decision < 1 || m->decision > 4) {
		refuse(it, "unknown decision");
	} else if (c->state != LD_CASE_AWAITING &&
		   !(m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER &&
		     c->state == LD_CASE_ACCEPTED)) {
		refuse_in(it, c,
			  m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER
				  ? "a case can be transferred only while awaiting an answer or "
				    "after accepting it"
				  : "the case is not awaiting an answer");
	}
	if (!it->refused) {
		switch (m->decision) {
		case LD__REFERRAL_DECISION__REFERRAL_DECISION_ACCEPT:
			c->state = LD_CASE_ACCEPTED;
			break;
		case LD__REFERRAL_DECISION__REFERRAL_DECISION_REJECT:
			c->state = LD_CASE_REJECTED;
			break;
		case LD__REFERRAL_DECISION__REFERRAL_DECISION_NEED_INFO:
			c->state = LD_CASE_NEED_INFO;
			break;
		default: /* transfer, designate: a new holder must answer */
			if (m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER)
				c->transferred = true;
			else
				c->designated = true;
			snprintf(c->holder, sizeof(c->holder), "%s", to);
			c->state = LD_CASE_AWAITING;
		}
	}
	ld__referral_response__free_unpacked(m, NULL);
}

static void judge_attestation(ld_case_item_t *it, const ld_entry_t *e)
{
	static const char *const verdicts[] = {"?", "recognised", "recognised with reservations",
					       "not recognised"};
	Ld__EvidenceAttestation *m = ld_entry_payload(e, LD__KIND__KIND_EVIDENCE_ATTESTATION);

	if (!m) {
		refuse(it, "payload does not decode as an attestation");
		return;
	}
	snprintf(it->summary, sizeof(it->summary), "ATTESTS %s (%s:%llu): %s%s%s%s",
		 m->evidence_id ? m->evidence_id : "?",
		 m->record && m->record->feed ? m->record->feed : "?",
		 (unsigned long long)(m->record ? m->record->seq : 0),
		 m->verdict < 4 ? verdicts[m->verdict] : "?",
		 m->has_checked_sha256 ? ", file hash checked" : "", m->notes ? ": " : "",
		 m->notes ? m->notes : "");
	if (!m->record || !m->record->feed)
		refuse(it, "names no evidence record");
	else if (!strcmp(m->record->feed, e->hdr->author))
		refuse(it, "a unit cannot attest its own evidence");
	ld__evidence_attestation__free_unpacked(m, NULL);
}

/* The first stage report of 'm' naming a checkpoint the case does not
 * have, or SIZE_MAX. */
static size_t stage_report_beyond(const ld_case_t *c, const Ld__CaseUpdate *m)
{
	for (size_t i = 0; i < m->n_stage_reports; i++)
		if (m->stage_reports[i]->checkpoint >= c->n_checkpoints)
			return i;
	return SIZE_MAX;
}

static void refuse_checkpoint(ld_case_item_t *it, const ld_case_t *c, uint32_t k)
{
	it->refused = true;
	snprintf(it->reason, sizeof(it->reason),
		 "a stage report names checkpoint %u, but case %s has %zu (numbered from 0)", k,
		 c->case_id, c->n_checkpoints);
}

/* Remediation supervision (长效执行监督): the holder (or a superior of it)
 * sets status, deadlines and checkpoints and files stage reports; follow-up
 * assessments are independent: by a superior of the holder or a supervising
 * body, never by the holder itself. */
static void judge_update(ld_case_t *c, const ld_access_t *a, ld_case_item_t *it,
			 const ld_entry_t *e)
{
	Ld__CaseUpdate *m = ld_entry_payload(e, LD__KIND__KIND_CASE_UPDATE);
	const char *who = e->hdr->author;
	bool holder, above, supervisor;
	size_t o = 0, beyond;

	if (!m) {
		refuse(it, "payload does not decode as a case update");
		return;
	}
	if (m->has_status)
		o += (size_t)snprintf(it->summary + o, sizeof(it->summary) - o, "STATUS %s ",
				      ld_case_status_name(m->status));
	if (m->n_checkpoints && o < sizeof(it->summary))
		o += (size_t)snprintf(it->summary + o, sizeof(it->summary) - o,
				      "%zu checkpoint(s) ", m->n_checkpoints);
	for (size_t i = 0; i < m->n_stage_reports && o < sizeof(it->summary); i++)
		o += (size_t)snprintf(it->summary + o, sizeof(it->summary) - o,
				      "STAGE REPORT #%u: %s ", m->stage_reports[i]->checkpoint,
				      m->stage_reports[i]->text ? m->stage_reports[i]->text : "");
	for (size_t i = 0; i < m->n_assessments && o < sizeof(it->summary); i++)
		o += (size_t)snprintf(
			it->summary + o, sizeof(it->summary) - o, "ASSESSMENT %s: %s%s%s ",
			ld_stage_name(m->assessments[i]->stage),
			ld_outcome_name(m->assessments[i]->outcome),
			m->assessments[i]->findings ? " - " : "",
			m->assessments[i]->findings ? m->assessments[i]->findings : "");
	if (m->note && o < sizeof(it->summary))
		snprintf(it->summary + o, sizeof(it->summary) - o, "(%s)", m->note);
	holder = c->opened && !strcmp(who, c->holder);
	above = c->opened && ld_access_is_superior(a, who, c->holder);
	supervisor = ld_access_kind_of(a, who) == 6 /* NODE_SUPERVISOR */;
	if (!c->opened)
		refuse(it, "no referral of this case is held here");
	else if ((m->has_status || m->n_checkpoints || m->has_remediation_due_ms ||
		  m->closure_summary) &&
		 !holder && !above)
		refuse(it, "only the unit handling the case (or its superior) sets status, "
			   "deadlines and checkpoints");
	else if (m->n_stage_reports && !holder)
		refuse(it, "only the unit handling the case files stage reports");
	else if ((beyond = stage_report_beyond(c, m)) != SIZE_MAX)
		refuse_checkpoint(it, c, m->stage_reports[beyond]->checkpoint);
	else if (m->n_assessments && holder)
		refuse(it, "follow-up assessment must be independent: not by the unit assessed");
	else if (m->n_assessments && !above && !supervisor)
		refuse(it, "only a superior of the handling unit or a supervising body assesses");
	if (!it->refused) {
		if (m->has_status)
			snprintf(c->case_status, sizeof(c->case_status), "%s",
				 ld_case_status_name(m->status));
		if (m->has_remediation_due_ms)
			c->remediation_due_ms = m->remediation_due_ms;
		if (m->n_checkpoints) {
			/* A new list replaces the old; positions keep their meaning. */
			for (size_t i = 0; i < m->n_checkpoints && i < LD_CHECKPOINTS_MAX; i++) {
				ld_checkpoint_t *k = &c->checkpoints[i];
				const Ld__CaseUpdate__Checkpoint *x = m->checkpoints[i];

				if (i >= c->n_checkpoints)
					memset(k, 0, sizeof(*k));
				k->due_ms = x->due_ms;
				k->dropped = x->dropped;
				snprintf(k->description, sizeof(k->description), "%s",
					 x->description ? x->description : "");
			}
			c->n_checkpoints = m->n_checkpoints < LD_CHECKPOINTS_MAX
						   ? m->n_checkpoints
						   : LD_CHECKPOINTS_MAX;
		}
		for (size_t i = 0; i < m->n_stage_reports; i++) {
			uint32_t k = m->stage_reports[i]->checkpoint;

			if (k < c->n_checkpoints && !c->checkpoints[k].reported_ms)
				c->checkpoints[k].reported_ms = e->hdr->time_ms;
		}
		for (size_t i = 0; i < m->n_assessments && c->n_assessments < LD_ASSESSMENTS_MAX;
		     i++) {
			ld_assessment_t *x = &c->assessments[c->n_assessments++];

			x->stage = m->assessments[i]->stage;
			x->outcome = m->assessments[i]->outcome;
			x->time_ms = e->hdr->time_ms;
			snprintf(x->assessor, sizeof(x->assessor), "%s", who);
		}
	}
	ld__case_update__free_unpacked(m, NULL);
}

void ld_escalation_summary(ld_case_item_t *it, const ld_entry_t *e, char *responsible)
{
	Ld__Escalation *m = ld_entry_payload(e, LD__KIND__KIND_ESCALATION);

	responsible[0] = '\0';
	if (!m) {
		snprintf(it->summary, sizeof(it->summary), "escalation (does not decode)");
		return;
	}
	snprintf(it->summary, sizeof(it->summary), "ESCALATED to %s: %s",
		 m->escalated_to ? m->escalated_to : "?", m->note ? m->note : "");
	if (m->responsible && ld_node_id_valid(m->responsible))
		snprintf(responsible, LD_NODE_ID_MAX + 1, "%s", m->responsible);
	ld__escalation__free_unpacked(m, NULL);
}

static void summarise_other(ld_case_item_t *it, const ld_entry_t *e)
{
	static const char *const names[] = {
		"?",	       "roster",     "referral",   "response",	      "evidence",
		"attestation", "custody",    "dispatch",   "action-response", "case-update",
		"receipt",     "escalation", "case-export"};

	if (e->hdr->kind == LD__KIND__KIND_CUSTODY_TRANSFER) {
		static const char *const why[] = {"changed hands", "copy fetched", "handed over",
						  "returned", "submitted to court"};
		Ld__CustodyTransfer *m = ld_entry_payload(e, LD__KIND__KIND_CUSTODY_TRANSFER);
		char hex[65] = "";

		if (m) {
			if (m->has_sha256 && m->sha256.len == 32)
				ld_hex(m->sha256.data, 32, hex);
			snprintf(it->summary, sizeof(it->summary),
				 "CUSTODY %s (%s:%llu): %s, %s -> %s%s%.16s%s%s%s",
				 m->evidence_id ? m->evidence_id : "?",
				 m->record && m->record->feed ? m->record->feed : "?",
				 (unsigned long long)(m->record ? m->record->seq : 0),
				 why[m->reason < 5 ? m->reason : 0],
				 m->from_node ? m->from_node : "?", m->to_node ? m->to_node : "?",
				 hex[0] ? ", sha256 " : "", hex, hex[0] ? "..." : "",
				 m->note ? " - " : "", m->note ? m->note : "");
			ld_utf8_trim(it->summary);
			ld__custody_transfer__free_unpacked(m, NULL);
			return;
		}
	}
	if (e->hdr->kind == LD__KIND__KIND_CASE_EXPORT) {
		Ld__CaseExport *m = ld_entry_payload(e, LD__KIND__KIND_CASE_EXPORT);

		if (m) {
			snprintf(it->summary, sizeof(it->summary),
				 "CASE FILE EXPORTED: %zu entries, %zu evidence files%s%s",
				 m->n_entries, m->n_file_sha256, m->recipient ? ", for " : "",
				 m->recipient ? m->recipient : "");
			ld__case_export__free_unpacked(m, NULL);
			return;
		}
	}
	if (e->hdr->kind == LD__KIND__KIND_CONSULT_CONVENE) {
		Ld__ConsultConvene *m = ld_entry_payload(e, LD__KIND__KIND_CONSULT_CONVENE);

		if (m) {
			snprintf(it->summary, sizeof(it->summary),
				 "CONSULTATION %s convened: %s (liandong show %s)",
				 m->consult_id ? m->consult_id : "?", m->title ? m->title : "",
				 m->consult_id ? m->consult_id : "?");
			ld__consult_convene__free_unpacked(m, NULL);
			return;
		}
	}
	if (e->hdr->kind == LD__KIND__KIND_EVIDENCE_RECORD) {
		Ld__EvidenceRecord *m = ld_entry_payload(e, LD__KIND__KIND_EVIDENCE_RECORD);

		if (m) {
			snprintf(it->summary, sizeof(it->summary), "EVIDENCE %s: %s (%llu bytes)",
				 m->evidence_id ? m->evidence_id : "?",
				 m->file_name ? m->file_name : "", (unsigned long long)m->size);
			ld__evidence_record__free_unpacked(m, NULL);
			return;
		}
	}
	snprintf(it->summary, sizeof(it->summary), "%s",
		 e->hdr->kind < sizeof(names) / sizeof(names[0]) ? names[e->hdr->kind] : "entry");
}

int ld_case_load(ld_store_t *s, const ld_access_t *a, const char *case_id, ld_case_t **ret)
{
	return ld_case_load_rd(LD_RD(s), a, case_id, ret);
}

/* Judge every item of 't' in order into 'c'. */
static void judge_all(ld_case_t *c, const ld_access_t *a, ld_timeline_t *t)
{
	for (size_t i = 0; i < t->n; i++) {
		ld_case_item_t *it = &t->items[i];
		const ld_entry_t *e = t->entries[i];

		if (e->hdr->kind == LD__KIND__KIND_CASE_REFERRAL)
			judge_referral(c, it, e);
		else if (e->hdr->kind == LD__KIND__KIND_REFERRAL_RESPONSE)
			judge_response(c, a, it, e);
		else if (e->hdr->kind == LD__KIND__KIND_EVIDENCE_ATTESTATION)
			judge_attestation(it, e);
		else if (e->hdr->kind == LD__KIND__KIND_CASE_UPDATE)
			judge_update(c, a, it, e);
		else if (e->hdr->kind == LD__KIND__KIND_SUBSTITUTE_ORDER ||
			 e->hdr->kind == LD__KIND__KIND_SUBSTITUTE_ACCEPTANCE ||
			 e->hdr->kind == LD__KIND__KIND_FUND_RECORD)
			ld_funds_judge(c, a, it, e);
		else if (e->hdr->kind == LD__KIND__KIND_ESCALATION) {
			char who[LD_NODE_ID_MAX + 1];

			ld_escalation_summary(it, e, who);
		} else
			summarise_other(it, e);
		ld_utf8_trim(it->summary);
		ld_utf8_trim(it->reason);
	}
	ld_utf8_trim(c->title);
}

static int load(const ld_rd_t *rd, const ld_access_t *a, const char *case_id,
		const ld_entry_t *cand, ld_timeline_t *t, ld_case_t **ret)
{
	ld_case_t *c;
	int r;

	if (!ld_case_id_valid(case_id))
		return -EINVAL;
	if ((r = ld_timeline_load(rd, ld_rd_foreach_case_entry, case_id, cand, t)) < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c) {
		ld_timeline_free(t);
		return -ENOMEM;
	}
	snprintf(c->case_id, sizeof(c->case_id), "%s", case_id);
	c->state = LD_CASE_NOT_REFERRED;
	judge_all(c, a, t);
	*ret = c;
	return 0;
}

int ld_case_load_rd(const ld_rd_t *rd, const ld_access_t *a, const char *case_id, ld_case_t **ret)
{
	ld_timeline_t t;
	ld_case_t *c;
	int r = load(rd, a, case_id, NULL, &t, &c);

	if (r < 0)
		return r;
	/* The judged items move into the case; the entries are freed. */
	c->items = t.items;
	c->n_items = t.n;
	t.items = NULL;
	ld_timeline_free(&t);
	*ret = c;
	return 0;
}

int ld_case_check(const ld_rd_t *rd, const ld_access_t *a, const char *case_id,
		  const ld_entry_t *cand, char *why, size_t n)
{
	ld_timeline_t t;
	ld_case_t *c;
	int r = load(rd, a, case_id, cand, &t, &c);

	if (r < 0)
		return r;
	for (size_t i = 0; i < t.n; i++)
		if (t.entries[i] == cand && t.items[i].refused) {
			snprintf(why, n, "%s", t.items[i].reason);
			r = LD_EREFUSED;
		}
	ld_timeline_free(&t);
	ld_case_destroy(&c);
	return r;
}

void ld_case_destroy(ld_case_t **c_p)
{
	if (!c_p || !*c_p)
		return;
	free((*c_p)->items);
	free(*c_p);
	*c_p = NULL;
}

/* common/domain/check.c: see check.h. */
#include <errno.h>
#include <stdio.h>

#include "common/base/errors.h"
#include "common/domain/action.h"
#include "common/domain/casefile.h"
#include "common/domain/consult.h"
#include "common/domain/check.h"
#include "common/feed/kinds.h"

int ld_entry_check(const ld_rd_t *rd, const ld_access_t *a, const ld_entry_t *cand, char *why,
		   size_t n)
{
	ProtobufCMessage *m = ld_entry_payload(cand, cand->hdr->kind);
	const char *case_id, *action_id, *consult_id;
	int r = 0;

	if (!m)
		return 0; /* a kind without rules here, or checked as malformed before */
	case_id = ld_kind_case_id(m);
	action_id = ld_kind_action_id(m);
	consult_id = ld_kind_consult_id(m);
	switch (cand->hdr->kind) {
	case LD__KIND__KIND_CASE_REFERRAL:
	case LD__KIND__KIND_REFERRAL_RESPONSE:
	case LD__KIND__KIND_EVIDENCE_ATTESTATION:
	case LD__KIND__KIND_CASE_UPDATE:
		if (case_id)
			r = ld_case_check(rd, a, case_id, cand, why, n);
		break;
	case LD__KIND__KIND_ACTION_DISPATCH:
	case LD__KIND__KIND_ACTION_RESPONSE:
		if (action_id)
			r = ld_action_check(rd, a, action_id, cand, why, n);
		break;
	case LD__KIND__KIND_CONSULT_CONVENE:
	case LD__KIND__KIND_CONSULT_ANSWER:
	case LD__KIND__KIND_CONSULT_MINUTES:
		if (consult_id)
			r = ld_consult_check(rd, a, consult_id, cand, why, n);
		break;
	case LD__KIND__KIND_ESCALATION:
		if (consult_id)
			r = ld_consult_check(rd, a, consult_id, cand, why, n);
		else if (action_id)
			r = ld_action_check(rd, a, action_id, cand, why, n);
		else if (case_id)
			r = ld_case_check(rd, a, case_id, cand, why, n);
		break;
	default:
		break;
	}
	ld_payload_free(m);
	/* Nothing held of it yet: only a first referral or dispatch opens one;
	 * anything else would be refused everywhere. */
	if (r == -ENOENT) {
		snprintf(why, n, "%s %s is not held here",
			 consult_id  ? "consultation"
			 : action_id ? "joint action"
				     : "case",
			 consult_id  ? consult_id
			 : action_id ? action_id
				     : case_id);
		r = LD_EREFUSED;
	}
	return r;
}

/* client/i18n.c: see i18n.h. */
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/i18n.h"
#include "common/base/text.h"

#ifndef LD_LOCALEDIR
#define LD_LOCALEDIR "/usr/local/share/locale"
#endif

void cli_i18n_init(void)
{
	const char *dir = getenv("LIANDONG_LOCALEDIR");

	setlocale(LC_ALL, "");
	/* Numbers as scripts and the parsers expect them, in any language. */
	setlocale(LC_NUMERIC, "C");
	bindtextdomain("liandong", dir && dir[0] ? dir : LD_LOCALEDIR);
	/* The catalogue is UTF-8 and so is everything else the tool writes,
	 * whatever the locale's own charset. */
	bind_textdomain_codeset("liandong", "UTF-8");
	textdomain("liandong");
}

const char *cli_pgettext(const char *ctx, const char *msgid)
{
	char key[512];
	const char *t;
	int n = snprintf(key, sizeof(key), "%s\004%s", ctx, msgid);

	if (n < 0 || (size_t)n >= sizeof(key))
		return msgid;
	t = gettext(key);
	return t == key ? msgid : t;
}

const char *cli_term(const char *ctx, const char *word)
{
	if (!word || !word[0])
		return word;
	return cli_pgettext(ctx, word);
}

/* Results of cli_col and cli_pad: a ring, so that one printf can hold
 * several columns. */
static char *ring_put(char *s)
{
	static char *ring[16];
	static unsigned next;

	free(ring[next]);
	ring[next] = s;
	next = (next + 1) % 16;
	return s;
}

static const char *fit(const char *s, size_t cols, bool cut, bool right)
{
	size_t len, w, keep, kw;
	char *o;

	if (!s)
		s = "";
	len = strlen(s);
	w = ld_text_width(s, len);
	keep = len;
	kw = w;
	if (cut && w > cols) {
		/* Room for the ".." that says the text goes on. */
		keep = ld_text_cut(s, len, cols >= 2 ? cols - 2 : cols, &kw);
		kw += cols >= 2 ? 2 : 0;
	}
	o = malloc(keep + (cols > kw ? cols - kw : 0) + 3);
	if (!o)
		return s;
	if (right && cols > kw) {
		memset(o, ' ', cols - kw);
		memcpy(o + cols - kw, s, keep);
		o[cols - kw + keep] = '\0';
		return ring_put(o);
	}
	memcpy(o, s, keep);
	if (keep < len && cols >= 2) {
		memcpy(o + keep, "..", 2);
		keep += 2;
	}
	if (cols > kw) {
		memset(o + keep, ' ', cols - kw);
		keep += cols - kw;
	}
	o[keep] = '\0';
	return ring_put(o);
}

const char *cli_col(const char *s, size_t cols)
{
	return fit(s, cols, true, false);
}

const char *cli_pad(const char *s, size_t cols)
{
	return fit(s, cols, false, false);
}

const char *cli_rpad(const char *s, size_t cols)
{
	return fit(s, cols, false, true);
}

/* The vocabulary that reaches the text renderings from common/ and the
 * daemon, by context: the states and names the judges give (case state,
 * participant state, action kind), the labels of entry kinds, every value of
 * every enum a payload carries (context: the enum's full protobuf name), and
 * the label of every payload field ("field"). Listed here for xgettext;
 * tests/unit/test_i18n.c checks that it covers what common/ can say. */
static const cli_word_t vocab[] = {
	{"case state", NC_("case state", "not referred")},
	{"case state", NC_("case state", "awaiting answer")},
	{"case state", NC_("case state", "accepted")},
	{"case state", NC_("case state", "rejected")},
	{"case state", NC_("case state", "need-info")},
	{"case state", NC_("case state", "unknown")},
	{"participant state", NC_("participant state", "no answer")},
	{"participant state", NC_("participant state", "acknowledged")},
	{"participant state", NC_("participant state", "accepted")},
	{"participant state", NC_("participant state", "declined")},
	{"participant state", NC_("participant state", "on site")},
	{"participant state", NC_("participant state", "in progress")},
	{"participant state", NC_("participant state", "completed")},
	{"participant state", NC_("participant state", "not visible here")},
	{"action kind", NC_("action kind", "joint inspection")},
	{"action kind", NC_("action kind", "special campaign")},
	{"action kind", NC_("action kind", "emergency response")},
	{"entry kind", NC_("entry kind", "unspecified")},
	{"entry kind", NC_("entry kind", "roster update")},
	{"entry kind", NC_("entry kind", "case referral (案件移送)")},
	{"entry kind", NC_("entry kind", "referral response (移送答复)")},
	{"entry kind", NC_("entry kind", "evidence record (证据)")},
	{"entry kind", NC_("entry kind", "evidence attestation (证据互认)")},
	{"entry kind", NC_("entry kind", "custody transfer (证据交接)")},
	{"entry kind", NC_("entry kind", "joint action dispatch (联合执法调度)")},
	{"entry kind", NC_("entry kind", "action response (调度答复)")},
	{"entry kind", NC_("entry kind", "case update (整改督办)")},
	{"entry kind", NC_("entry kind", "delivery receipt (签收回执)")},
	{"entry kind", NC_("entry kind", "escalation (督办升级)")},
	{"entry kind", NC_("entry kind", "case bundle manifest (案卷导出)")},
	{"entry kind", NC_("entry kind", "entry of a kind unknown here")},
	{"ld.ActionKind", NC_("ld.ActionKind", "unspecified")},
	{"ld.ActionKind", NC_("ld.ActionKind", "joint-inspection")},
	{"ld.ActionKind", NC_("ld.ActionKind", "special-campaign")},
	{"ld.ActionKind", NC_("ld.ActionKind", "emergency-response")},
	{"ld.Priority", NC_("ld.Priority", "unspecified")},
	{"ld.Priority", NC_("ld.Priority", "routine")},
	{"ld.Priority", NC_("ld.Priority", "urgent")},
	{"ld.Priority", NC_("ld.Priority", "emergency")},
	{"ld.ParticipantRole", NC_("ld.ParticipantRole", "unspecified")},
	{"ld.ParticipantRole", NC_("ld.ParticipantRole", "lead")},
	{"ld.ParticipantRole", NC_("ld.ParticipantRole", "support")},
	{"ld.ParticipantRole", NC_("ld.ParticipantRole", "observer")},
	{"ld.ActionReply", NC_("ld.ActionReply", "unspecified")},
	{"ld.ActionReply", NC_("ld.ActionReply", "acknowledged")},
	{"ld.ActionReply", NC_("ld.ActionReply", "accepted")},
	{"ld.ActionReply", NC_("ld.ActionReply", "declined")},
	{"ld.ActionReply", NC_("ld.ActionReply", "on-site")},
	{"ld.ActionReply", NC_("ld.ActionReply", "progress")},
	{"ld.ActionReply", NC_("ld.ActionReply", "completed")},
	{"ld.Violation", NC_("ld.Violation", "unspecified")},
	{"ld.Violation", NC_("ld.Violation", "water")},
	{"ld.Violation", NC_("ld.Violation", "air")},
	{"ld.Violation", NC_("ld.Violation", "solid-waste")},
	{"ld.Violation", NC_("ld.Violation", "hazardous-waste")},
	{"ld.Violation", NC_("ld.Violation", "soil")},
	{"ld.Violation", NC_("ld.Violation", "noise")},
	{"ld.Violation", NC_("ld.Violation", "sand-mining")},
	{"ld.Violation", NC_("ld.Violation", "fishing-ban")},
	{"ld.Violation", NC_("ld.Violation", "ecological-damage")},
	{"ld.Violation", NC_("ld.Violation", "radiation")},
	{"ld.Violation", NC_("ld.Violation", "other")},
	{"ld.ReferralReason", NC_("ld.ReferralReason", "unspecified")},
	{"ld.ReferralReason", NC_("ld.ReferralReason", "jurisdiction")},
	{"ld.ReferralReason", NC_("ld.ReferralReason", "suspected-crime")},
	{"ld.ReferralReason", NC_("ld.ReferralReason", "public-interest")},
	{"ld.ReferralReason", NC_("ld.ReferralReason", "damage-compensation")},
	{"ld.ReferralReason", NC_("ld.ReferralReason", "other")},
	{"ld.ReferralDecision", NC_("ld.ReferralDecision", "unspecified")},
	{"ld.ReferralDecision", NC_("ld.ReferralDecision", "accept")},
	{"ld.ReferralDecision", NC_("ld.ReferralDecision", "reject")},
	{"ld.ReferralDecision", NC_("ld.ReferralDecision", "need-info")},
	{"ld.ReferralDecision", NC_("ld.ReferralDecision", "transfer")},
	{"ld.ReferralDecision", NC_("ld.ReferralDecision", "designate")},
	{"ld.CaseStatus", NC_("ld.CaseStatus", "unspecified")},
	{"ld.CaseStatus", NC_("ld.CaseStatus", "filed")},
	{"ld.CaseStatus", NC_("ld.CaseStatus", "referred")},
	{"ld.CaseStatus", NC_("ld.CaseStatus", "accepted")},
	{"ld.CaseStatus", NC_("ld.CaseStatus", "investigating")},
	{"ld.CaseStatus", NC_("ld.CaseStatus", "penalty-decided")},
	{"ld.CaseStatus", NC_("ld.CaseStatus", "handed-to-judiciary")},
	{"ld.CaseStatus", NC_("ld.CaseStatus", "remediation-ordered")},
	{"ld.CaseStatus", NC_("ld.CaseStatus", "remediation-verified")},
	{"ld.CaseStatus", NC_("ld.CaseStatus", "closed")},
	{"ld.CaseStatus", NC_("ld.CaseStatus", "unknown")},
	{"ld.AssessmentStage", NC_("ld.AssessmentStage", "unspecified")},
	{"ld.AssessmentStage", NC_("ld.AssessmentStage", "after-rectification")},
	{"ld.AssessmentStage", NC_("ld.AssessmentStage", "during-remediation")},
	{"ld.AssessmentStage", NC_("ld.AssessmentStage", "at-completion")},
	{"ld.AssessmentStage", NC_("ld.AssessmentStage", "after-completion")},
	{"ld.AssessmentStage", NC_("ld.AssessmentStage", "unknown")},
	{"ld.AssessmentOutcome", NC_("ld.AssessmentOutcome", "unspecified")},
	{"ld.AssessmentOutcome", NC_("ld.AssessmentOutcome", "satisfactory")},
	{"ld.AssessmentOutcome", NC_("ld.AssessmentOutcome", "unsatisfactory")},
	{"ld.AssessmentOutcome", NC_("ld.AssessmentOutcome", "false-rectification")},
	{"ld.AssessmentOutcome", NC_("ld.AssessmentOutcome", "unknown")},
	{"ld.Overdue", NC_("ld.Overdue", "unspecified")},
	{"ld.Overdue", NC_("ld.Overdue", "acknowledgement")},
	{"ld.Overdue", NC_("ld.Overdue", "answer")},
	{"ld.Overdue", NC_("ld.Overdue", "stage-report")},
	{"ld.Overdue", NC_("ld.Overdue", "remediation")},
	{"ld.EvidenceType", NC_("ld.EvidenceType", "unspecified")},
	{"ld.EvidenceType", NC_("ld.EvidenceType", "sampling")},
	{"ld.EvidenceType", NC_("ld.EvidenceType", "monitoring")},
	{"ld.EvidenceType", NC_("ld.EvidenceType", "photo")},
	{"ld.EvidenceType", NC_("ld.EvidenceType", "video")},
	{"ld.EvidenceType", NC_("ld.EvidenceType", "inspection-record")},
	{"ld.EvidenceType", NC_("ld.EvidenceType", "appraisal")},
	{"ld.EvidenceType", NC_("ld.EvidenceType", "interrogation-record")},
	{"ld.EvidenceType", NC_("ld.EvidenceType", "document")},
	{"ld.EvidenceType", NC_("ld.EvidenceType", "other")},
	{"ld.AttestationVerdict", NC_("ld.AttestationVerdict", "unspecified")},
	{"ld.AttestationVerdict", NC_("ld.AttestationVerdict", "recognised")},
	{"ld.AttestationVerdict", NC_("ld.AttestationVerdict", "recognised-with-reservations")},
	{"ld.AttestationVerdict", NC_("ld.AttestationVerdict", "not-recognised")},
	{"ld.CustodyReason", NC_("ld.CustodyReason", "unspecified")},
	{"ld.CustodyReason", NC_("ld.CustodyReason", "fetch")},
	{"ld.CustodyReason", NC_("ld.CustodyReason", "hand-over")},
	{"ld.CustodyReason", NC_("ld.CustodyReason", "return")},
	{"ld.CustodyReason", NC_("ld.CustodyReason", "court-submission")},
	{"ld.NodeKind", NC_("ld.NodeKind", "kind-unspecified")},
	{"ld.NodeKind", NC_("ld.NodeKind", "command-centre")},
	{"ld.NodeKind", NC_("ld.NodeKind", "bureau")},
	{"ld.NodeKind", NC_("ld.NodeKind", "police")},
	{"ld.NodeKind", NC_("ld.NodeKind", "procuratorate")},
	{"ld.NodeKind", NC_("ld.NodeKind", "court")},
	{"ld.NodeKind", NC_("ld.NodeKind", "supervisor")},
	{"ld.RosterUpdate.Action", NC_("ld.RosterUpdate.Action", "action-unspecified")},
	{"ld.RosterUpdate.Action", NC_("ld.RosterUpdate.Action", "add")},
	{"ld.RosterUpdate.Action", NC_("ld.RosterUpdate.Action", "update")},
	{"ld.RosterUpdate.Action", NC_("ld.RosterUpdate.Action", "revoke")},
	{"ld.RosterUpdate.Action", NC_("ld.RosterUpdate.Action", "rotate-key")},
	{"field", NC_("field", "ack by")},
	{"field", NC_("field", "action")},
	{"field", NC_("field", "action id")},
	{"field", NC_("field", "added at root seq")},
	{"field", NC_("field", "addressee")},
	{"field", NC_("field", "answer by")},
	{"field", NC_("field", "assessed")},
	{"field", NC_("field", "assessments")},
	{"field", NC_("field", "assessor")},
	{"field", NC_("field", "case id")},
	{"field", NC_("field", "case ids")},
	{"field", NC_("field", "checked sha256")},
	{"field", NC_("field", "checkpoint")},
	{"field", NC_("field", "checkpoints")},
	{"field", NC_("field", "chunk list sha256")},
	{"field", NC_("field", "chunk size")},
	{"field", NC_("field", "closure summary")},
	{"field", NC_("field", "collected")},
	{"field", NC_("field", "collector")},
	{"field", NC_("field", "collector unit")},
	{"field", NC_("field", "contact")},
	{"field", NC_("field", "curve key")},
	{"field", NC_("field", "deadline")},
	{"field", NC_("field", "decision")},
	{"field", NC_("field", "description")},
	{"field", NC_("field", "designated")},
	{"field", NC_("field", "dispatch")},
	{"field", NC_("field", "document no")},
	{"field", NC_("field", "dropped")},
	{"field", NC_("field", "due")},
	{"field", NC_("field", "duties")},
	{"field", NC_("field", "entries")},
	{"field", NC_("field", "escalated to")},
	{"field", NC_("field", "evidence")},
	{"field", NC_("field", "evidence id")},
	{"field", NC_("field", "facts")},
	{"field", NC_("field", "file name")},
	{"field", NC_("field", "file sha256")},
	{"field", NC_("field", "findings")},
	{"field", NC_("field", "from node")},
	{"field", NC_("field", "from seq")},
	{"field", NC_("field", "holder")},
	{"field", NC_("field", "info by")},
	{"field", NC_("field", "info requested")},
	{"field", NC_("field", "instructions")},
	{"field", NC_("field", "key from seq")},
	{"field", NC_("field", "keys")},
	{"field", NC_("field", "kind")},
	{"field", NC_("field", "last valid seq")},
	{"field", NC_("field", "legal basis")},
	{"field", NC_("field", "level")},
	{"field", NC_("field", "local file no")},
	{"field", NC_("field", "media type")},
	{"field", NC_("field", "method")},
	{"field", NC_("field", "name")},
	{"field", NC_("field", "node id")},
	{"field", NC_("field", "note")},
	{"field", NC_("field", "notes")},
	{"field", NC_("field", "officer")},
	{"field", NC_("field", "outcome")},
	{"field", NC_("field", "overdue")},
	{"field", NC_("field", "participants")},
	{"field", NC_("field", "parties")},
	{"field", NC_("field", "personnel")},
	{"field", NC_("field", "place")},
	{"field", NC_("field", "previous")},
	{"field", NC_("field", "priority")},
	{"field", NC_("field", "reason")},
	{"field", NC_("field", "received")},
	{"field", NC_("field", "recipient")},
	{"field", NC_("field", "record")},
	{"field", NC_("field", "referral")},
	{"field", NC_("field", "region code")},
	{"field", NC_("field", "related case id")},
	{"field", NC_("field", "remediation due")},
	{"field", NC_("field", "response")},
	{"field", NC_("field", "responsible")},
	{"field", NC_("field", "revoke reason")},
	{"field", NC_("field", "revoked")},
	{"field", NC_("field", "role")},
	{"field", NC_("field", "roles")},
	{"field", NC_("field", "sha256")},
	{"field", NC_("field", "sign key")},
	{"field", NC_("field", "sites")},
	{"field", NC_("field", "size")},
	{"field", NC_("field", "stage")},
	{"field", NC_("field", "stage reports")},
	{"field", NC_("field", "status")},
	{"field", NC_("field", "superior")},
	{"field", NC_("field", "supplement")},
	{"field", NC_("field", "tasks")},
	{"field", NC_("field", "text")},
	{"field", NC_("field", "time")},
	{"field", NC_("field", "title")},
	{"field", NC_("field", "to node")},
	{"field", NC_("field", "transfer to")},
	{"field", NC_("field", "type")},
	{"field", NC_("field", "valid from")},
	{"field", NC_("field", "valid until")},
	{"field", NC_("field", "verdict")},
	{"field", NC_("field", "via")},
	{"field", NC_("field", "violation")},
	{"field", NC_("field", "what")},
	{"field", NC_("field", "window end")},
	{"field", NC_("field", "window start")},
	{"field", NC_("field", "address")},
	{"field", NC_("field", "lat e6")},
	{"field", NC_("field", "lon e6")},
	{"field", NC_("field", "water body")},
	{"field", NC_("field", "site name")},
	{"field", NC_("field", "credit code")},
	{"field", NC_("field", "legal rep")},
	/* Consultations (会商) and the liaison directory. */
	{"entry kind", NC_("entry kind", "consultation convened (会商)")},
	{"entry kind", NC_("entry kind", "consultation answer (会商答复)")},
	{"entry kind", NC_("entry kind", "consultation minutes (会商纪要)")},
	{"entry kind", NC_("entry kind", "liaison directory and expert pool (联络员名录)")},
	{"ld.ConsultKind", NC_("ld.ConsultKind", "unspecified")},
	{"ld.ConsultKind", NC_("ld.ConsultKind", "remote")},
	{"ld.ConsultKind", NC_("ld.ConsultKind", "major-case")},
	{"ld.ConsultRole", NC_("ld.ConsultRole", "unspecified")},
	{"ld.ConsultRole", NC_("ld.ConsultRole", "member")},
	{"ld.ConsultRole", NC_("ld.ConsultRole", "liaison")},
	{"ld.ConsultRole", NC_("ld.ConsultRole", "observer")},
	{"ld.ConsultReply", NC_("ld.ConsultReply", "unspecified")},
	{"ld.ConsultReply", NC_("ld.ConsultReply", "attend")},
	{"ld.ConsultReply", NC_("ld.ConsultReply", "decline")},
	{"ld.ConsultReply", NC_("ld.ConsultReply", "opinion")},
	{"ld.ConsultReply", NC_("ld.ConsultReply", "confirm-minutes")},
	{"ld.ConsultReply", NC_("ld.ConsultReply", "object-minutes")},
	{"ld.ConsultReply", NC_("ld.ConsultReply", "task-done")},
	{"ld.Overdue", NC_("ld.Overdue", "follow-up")},
	{"consult kind", NC_("consult kind", "remote consultation")},
	{"consult kind", NC_("consult kind", "major case consultation")},
	{"consult state", NC_("consult state", "not convened here")},
	{"consult state", NC_("consult state", "convened")},
	{"consult state", NC_("consult state", "minutes recorded")},
	{"consult state", NC_("consult state", "minutes signed")},
	{"consult role", NC_("consult role", "member")},
	{"consult role", NC_("consult role", "liaison")},
	{"consult role", NC_("consult role", "observer")},
	{"attendance", NC_("attendance", "no answer")},
	{"attendance", NC_("attendance", "attending")},
	{"attendance", NC_("attendance", "declined")},
	{"signoff", NC_("signoff", "not signed")},
	{"signoff", NC_("signoff", "confirmed")},
	{"signoff", NC_("signoff", "objected")},
	{"signoff", NC_("signoff", "signs nothing")},
	{"field", NC_("field", "agenda")},
	{"field", NC_("field", "answer")},
	{"field", NC_("field", "attended")},
	{"field", NC_("field", "attendees")},
	{"field", NC_("field", "consult id")},
	{"field", NC_("field", "convene")},
	{"field", NC_("field", "decisions")},
	{"field", NC_("field", "end")},
	{"field", NC_("field", "expertise")},
	{"field", NC_("field", "experts")},
	{"field", NC_("field", "liaisons")},
	{"field", NC_("field", "minutes")},
	{"field", NC_("field", "organisation")},
	{"field", NC_("field", "owner")},
	{"field", NC_("field", "person id")},
	{"field", NC_("field", "phone")},
	{"field", NC_("field", "start")},
	{"field", NC_("field", "task")},
	{"field", NC_("field", "unit")},
	/* Monitoring data and early warning (监测数据、智能预警). */
	{"entry kind", NC_("entry kind", "monitoring station (监测站点)")},
	{"entry kind", NC_("entry kind", "monitoring readings (监测数据)")},
	{"entry kind", NC_("entry kind", "early warning (预警)")},
	{"ld.Medium", NC_("ld.Medium", "unspecified")},
	{"ld.Medium", NC_("ld.Medium", "surface-water")},
	{"ld.Medium", NC_("ld.Medium", "air")},
	{"ld.WarningRule", NC_("ld.WarningRule", "unspecified")},
	{"ld.WarningRule", NC_("ld.WarningRule", "threshold")},
	{"ld.WarningRule", NC_("ld.WarningRule", "upstream")},
	{"ld.WarningRule", NC_("ld.WarningRule", "jump")},
	{"field", NC_("field", "station id")},
	{"field", NC_("field", "basin")},
	{"field", NC_("field", "medium")},
	{"field", NC_("field", "upstream")},
	{"field", NC_("field", "water class")},
	{"field", NC_("field", "border")},
	{"field", NC_("field", "limits")},
	{"field", NC_("field", "parameter")},
	{"field", NC_("field", "max")},
	{"field", NC_("field", "min")},
	{"field", NC_("field", "jump ratio")},
	{"field", NC_("field", "notify")},
	{"field", NC_("field", "series")},
	{"field", NC_("field", "offset s")},
	{"field", NC_("field", "value")},
	{"field", NC_("field", "flag")},
	{"field", NC_("field", "interval s")},
	{"field", NC_("field", "block")},
	{"field", NC_("field", "rule")},
	{"field", NC_("field", "limit")},
	{"field", NC_("field", "at")},
	{"field", NC_("field", "readings")},
	{"field", NC_("field", "upstream station")},
	{"field", NC_("field", "upstream value")},
	{"field", NC_("field", "upstream at")},
	{"field", NC_("field", "upstream readings")},
	/* Substitute performance (代履行) and remediation funds (修复资金). */
	{"entry kind", NC_("entry kind", "substitute-performance order (代履行)")},
	{"entry kind", NC_("entry kind", "substitute-performance acceptance (代履行验收)")},
	{"entry kind", NC_("entry kind", "remediation funds (修复资金)")},
	{"ld.AcceptanceResult", NC_("ld.AcceptanceResult", "unspecified")},
	{"ld.AcceptanceResult", NC_("ld.AcceptanceResult", "passed")},
	{"ld.AcceptanceResult", NC_("ld.AcceptanceResult", "failed")},
	{"ld.FundAction", NC_("ld.FundAction", "unspecified")},
	{"ld.FundAction", NC_("ld.FundAction", "assign")},
	{"ld.FundAction", NC_("ld.FundAction", "transfer")},
	{"ld.FundAction", NC_("ld.FundAction", "receive")},
	{"ld.FundAction", NC_("ld.FundAction", "spend")},
	{"ld.Overdue", NC_("ld.Overdue", "substitute-performance")},
	{"field", NC_("field", "party")},
	{"field", NC_("field", "scope")},
	{"field", NC_("field", "cost fen")},
	{"field", NC_("field", "order")},
	{"field", NC_("field", "result")},
	{"field", NC_("field", "final cost fen")},
	{"field", NC_("field", "amount fen")},
	{"field", NC_("field", "to unit")},
	{"field", NC_("field", "purpose")},
	{"field", NC_("field", "reference")},
	{"field", NC_("field", "transfer")},
	{"field", NC_("field", "source")},
	/* The pollution-source register (污染源档案). */
	{"entry kind", NC_("entry kind", "pollution source (污染源档案)")},
	{"ld.OutletType", NC_("ld.OutletType", "unspecified")},
	{"ld.OutletType", NC_("ld.OutletType", "water")},
	{"ld.OutletType", NC_("ld.OutletType", "air")},
	{"permit state", NC_("permit state", "no permit")},
	{"permit state", NC_("permit state", "valid")},
	{"permit state", NC_("permit state", "expiring")},
	{"permit state", NC_("permit state", "expired")},
	{"permit state", NC_("permit state", "not yet valid")},
	{"field", NC_("field", "industry")},
	{"field", NC_("field", "outlets")},
	{"field", NC_("field", "outlet id")},
	{"field", NC_("field", "permits")},
	{"field", NC_("field", "permit no")},
	{"field", NC_("field", "valid to")},
	{"field", NC_("field", "pollutants")},
	{"field", NC_("field", "limit units")},
};

const cli_word_t *cli_vocab(size_t *ret_n)
{
	*ret_n = sizeof(vocab) / sizeof(vocab[0]);
	return vocab;
}

void cli_span(int64_t ms, char *buf, size_t n)
{
	long long s = (long long)((ms < 0 ? -ms : ms) / 1000);

	if (s >= 86400)
		snprintf(buf, n, _("%lld d %lld h"), s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, n, _("%lld h %lld min"), s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, n, _("%lld min"), s / 60);
	else if (s)
		snprintf(buf, n, _("%lld s"), s);
	else
		snprintf(buf, n, "%s", _("under 1 s"));
}

/* common/feed/kinds.c: see kinds.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.pb-c.h"
#include "case.pb-c.h"
#include "consult.pb-c.h"
#include "evidence.pb-c.h"
#include "funds.pb-c.h"
#include "monitor.pb-c.h"
#include "receipt.pb-c.h"
#include "roster.pb-c.h"
#include "source.pb-c.h"
#include "common/feed/entry.h"
#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "common/base/text.h"

static const ld_kind_info_t kinds[] = {
	{0, "unspecified", "unspecified", NULL},
	{1, "roster-update", "roster update", &ld__roster_update__descriptor},
	{2, "referral", "case referral (案件移送)", &ld__case_referral__descriptor},
	{3, "referral-response", "referral response (移送答复)",
	 &ld__referral_response__descriptor},
	{4, "evidence", "evidence record (证据)", &ld__evidence_record__descriptor},
	{5, "attestation", "evidence attestation (证据互认)",
	 &ld__evidence_attestation__descriptor},
	{6, "custody", "custody transfer (证据交接)", &ld__custody_transfer__descriptor},
	{7, "dispatch", "joint action dispatch (联合执法调度)", &ld__action_dispatch__descriptor},
	{8, "action-response", "action response (调度答复)", &ld__action_response__descriptor},
	{9, "case-update", "case update (整改督办)", &ld__case_update__descriptor},
	{10, "receipt", "delivery receipt (签收回执)", &ld__delivery_receipt__descriptor},
	{11, "escalation", "escalation (督办升级)", &ld__escalation__descriptor},
	{12, "case-export", "case bundle manifest (案卷导出)", &ld__case_export__descriptor},
	/* Consultations and the liaison directory (consult.proto): 13-16. */
	{13, "consult", "consultation convened (会商)", &ld__consult_convene__descriptor},
	{14, "consult-answer", "consultation answer (会商答复)", &ld__consult_answer__descriptor},
	{15, "minutes", "consultation minutes (会商纪要)", &ld__consult_minutes__descriptor},
	{16, "directory", "liaison directory and expert pool (联络员名录)",
	 &ld__directory_update__descriptor},
	/* Monitoring data and early warning (monitor.proto): 17-19. */
	{17, "monitor-station", "monitoring station (监测站点)", &ld__monitor_station__descriptor},
	{18, "monitor-readings", "monitoring readings (监测数据)",
	 &ld__monitor_readings__descriptor},
	{19, "monitor-warning", "early warning (预警)", &ld__monitor_warning__descriptor},
	/* Substitute performance and remediation funds (funds.proto): 20-22. */
	{20, "substitute-order", "substitute-performance order (代履行)",
	 &ld__substitute_order__descriptor},
	{21, "substitute-acceptance", "substitute-performance acceptance (代履行验收)",
	 &ld__substitute_acceptance__descriptor},
	{22, "fund-record", "remediation funds (修复资金)", &ld__fund_record__descriptor},
	/* The pollution-source register (source.proto): 23. */
	{23, "pollution-source", "pollution source (污染源档案)",
	 &ld__pollution_source__descriptor},
};

#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

const ld_kind_info_t *ld_kind_info(uint32_t kind)
{
	size_t lo = 0, hi = N_KINDS;

	/* Rows are in number order; a number not in use here leaves a gap. */
	if (kind < N_KINDS && kinds[kind].kind == kind)
		return &kinds[kind];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (kinds[mid].kind == kind)
			return &kinds[mid];
		if (kinds[mid].kind < kind)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const ld_kind_info_t *ld_kind_by_name(const char *name)
{
	for (size_t i = 1; i < N_KINDS; i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}

const ld_kind_info_t *ld_kinds(size_t *ret_n)
{
	*ret_n = N_KINDS;
	return kinds;
}

static const struct {
	const ProtobufCMessageDescriptor *msg;
	const char *field;
	const ProtobufCEnumDescriptor *e;
} enum_fields[] = {
	{&ld__case_referral__descriptor, "violation", &ld__violation__descriptor},
	{&ld__case_referral__descriptor, "reason", &ld__referral_reason__descriptor},
	{&ld__referral_response__descriptor, "decision", &ld__referral_decision__descriptor},
	{&ld__case_update__descriptor, "status", &ld__case_status__descriptor},
	{&ld__case_update__assessment__descriptor, "stage", &ld__assessment_stage__descriptor},
	{&ld__case_update__assessment__descriptor, "outcome", &ld__assessment_outcome__descriptor},
	{&ld__escalation__descriptor, "what", &ld__overdue__descriptor},
	{&ld__action_dispatch__descriptor, "kind", &ld__action_kind__descriptor},
	{&ld__action_dispatch__descriptor, "priority", &ld__priority__descriptor},
	{&ld__action_dispatch__participant__descriptor, "role", &ld__participant_role__descriptor},
	{&ld__action_response__descriptor, "response", &ld__action_reply__descriptor},
	{&ld__evidence_record__descriptor, "type", &ld__evidence_type__descriptor},
	{&ld__evidence_attestation__descriptor, "verdict", &ld__attestation_verdict__descriptor},
	{&ld__custody_transfer__descriptor, "reason", &ld__custody_reason__descriptor},
	{&ld__roster_update__descriptor, "kind", &ld__node_kind__descriptor},
	{&ld__roster_node__descriptor, "kind", &ld__node_kind__descriptor},
	{&ld__consult_convene__descriptor, "kind", &ld__consult_kind__descriptor},
	{&ld__consult_convene__participant__descriptor, "role", &ld__consult_role__descriptor},
	{&ld__consult_answer__descriptor, "answer", &ld__consult_reply__descriptor},
	{&ld__monitor_station__descriptor, "medium", &ld__medium__descriptor},
	{&ld__monitor_warning__descriptor, "rule", &ld__warning_rule__descriptor},
	{&ld__substitute_acceptance__descriptor, "result", &ld__acceptance_result__descriptor},
	{&ld__fund_record__descriptor, "action", &ld__fund_action__descriptor},
	{&ld__pollution_source__outlet__descriptor, "type", &ld__outlet_type__descriptor},
};

const ProtobufCEnumDescriptor *ld_field_enum(const ProtobufCMessageDescriptor *desc,
					     const char *field)
{
	for (size_t i = 0; i < sizeof(enum_fields) / sizeof(enum_fields[0]); i++)
		if (enum_fields[i].msg == desc && !strcmp(enum_fields[i].field, field))
			return enum_fields[i].e;
	return NULL;
}

bool ld_enum_short(const ProtobufCEnumDescriptor *e, int v, char *buf, size_t n)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(e, v);
	size_t pre = 0, len, i;

	if (!ev) {
		snprintf(buf, n, "%d", v);
		return false;
	}
	/* The prefix every value shares, up to its last '_'. */
	if (e->n_values > 1) {
		const char *a = e->values[0].name;

		len = strlen(a);
		for (unsigned j = 1; j < e->n_values; j++) {
			size_t k = 0;

			while (k < len && a[k] == e->values[j].name[k])
				k++;
			len = k;
		}
		while (len && a[len - 1] != '_')
			len--;
		pre = len;
	}
	len = strlen(ev->name + pre);
	if (!n)
		return true;
	for (i = 0; i < len && i + 1 < n; i++) {
		char ch = ev->name[pre + i];

		buf[i] = ch == '_' ? '-' : (char)tolower((unsigned char)ch);
	}
	buf[i] = '\0';
	return true;
}

/* Text limits. Multi-line fields hold prose; the rest are one line. */
static const struct {
	const char *field;
	size_t max;
	bool multiline;
} limits[] = {
	{"title", 512, false},
	{"facts", 65536, true},
	{"legal_basis", 4096, true},
	{"reason", 8192, true},
	{"findings", 65536, true},
	{"instructions", 16384, true},
	{"tasks", 4096, true},
	{"text", 65536, true},
	{"notes", 16384, true},
	{"note", 8192, true},
	{"description", 16384, true},
	{"duties", 16384, true},
	{"closure_summary", 65536, true},
	{"supplement", 65536, true},
	{"recipient", 1024, true},
	{"method", 1024, false},
	{"name", 256, false},
	{"address", 512, false},
	{"site_name", 256, false},
	{"water_body", 128, false},
	{"credit_code", 18, false},
	{"region_code", 6, false},
	{"legal_rep", 128, false},
	{"contact", 256, false},
	{"collector", 128, false},
	{"officer", 128, false},
	{"media_type", 128, false},
	{"file_name", 255, false},
	{"local_file_no", 128, false},
	{"document_no", 128, false},
	{"via", 64, false},
	{"roles", 64, false},
	{"info_requested", 1024, false},
	{"agenda", 16384, true},
	{"decisions", 4096, true},
	{"role", 128, false},
	{"phone", 32, false},
	{"expertise", 128, false},
	{"organisation", 256, false},
	{"basin", 128, false},
	{"parameter", 23, false},
	{"unit", 16, false},
	{"party", 256, false},
	{"scope", 16384, true},
	{"purpose", 1024, false},
	{"reference", 128, false},
	{"source", 1024, false},
	{"industry", 128, false},
	{"permit_no", 64, false},
	{"outlet_id", 64, false},
	{"pollutants", 23, false},
	{"limit_units", 16, false},
};

ld_text_limit_t ld_field_limit(const char *field)
{
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (!strcmp(limits[i].field, field))
			return (ld_text_limit_t){limits[i].max, limits[i].multiline};
	/* Ids and node names (case_id, addressee, holder, ...): one line. */
	return (ld_text_limit_t){130, false};
}

static int check_str(const ProtobufCFieldDescriptor *f, const char *prefix, const char *v,
		     char *why, size_t n)
{
	ld_text_limit_t lim = ld_field_limit(f->name);
	const char *bad = ld_text_check(v, strlen(v), lim.max_bytes, lim.multiline);
	char q[160];

	if (!bad)
		return 0;
	ld_text_quote(v, 40, q, sizeof(q));
	if (!strcmp(bad, "is too long"))
		snprintf(why, n, "%s%s is too long: %zu bytes, at most %zu ('%s')", prefix, f->name,
			 strlen(v), lim.max_bytes, q);
	else
		snprintf(why, n, "%s%s %s: '%s'", prefix, f->name, bad, q);
	return LD_EMALFORMED;
}

static int check_msg(const ProtobufCMessage *m, int depth, char *why, size_t n)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	char prefix[96];

	if (depth > 4)
		return LD_EMALFORMED;
	snprintf(prefix, sizeof(prefix), "%s", depth ? d->short_name : "");
	if (depth) {
		size_t l = strlen(prefix);

		snprintf(prefix + l, sizeof(prefix) - l, ".");
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m + f->offset;
		int r;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t cnt = *(const size_t *)((const char *)m + f->quantifier_offset);
			void *const *arr = *(void *const *const *)base;

			for (size_t k = 0; k < cnt; k++) {
				if (f->type == PROTOBUF_C_TYPE_STRING)
					r = check_str(f, prefix, arr[k], why, n);
				else if (f->type == PROTOBUF_C_TYPE_MESSAGE)
					r = check_msg(arr[k], depth + 1, why, n);
				else
					r = 0;
				if (r)
					return r;
			}
		} else if (f->type == PROTOBUF_C_TYPE_STRING) {
			const char *v = *(const char *const *)base;

			if (v && (r = check_str(f, prefix, v, why, n)))
				return r;
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)base;

			if (sub && (r = check_msg(sub, depth + 1, why, n)))
				return r;
		}
	}
	return 0;
}

int ld_payload_check(uint32_t kind, const void *payload, size_t len, char *why, size_t n)
{
	const ld_kind_info_t *k = ld_kind_info(kind);
	ProtobufCMessage *m;
	int r;

	if (!k || !k->desc)
		return 0;
	m = protobuf_c_message_unpack(k->desc, NULL, len, payload);
	if (!m) {
		snprintf(why, n, "the payload does not decode as a %s", k->label);
		return LD_EMALFORMED;
	}
	r = check_msg(m, 0, why, n);
	protobuf_c_message_free_unpacked(m, NULL);
	return r;
}

/* A string field 'name' of message m, or NULL. */
static const char *str_field(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f;

	if (!m || !(f = protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name)) ||
	    f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
		return NULL;
	return *(const char *const *)((const char *)m + f->offset);
}

const char *ld_kind_case_id(const ProtobufCMessage *m)
{
	const char *id = str_field(m, "case_id");

	return ld_case_id_valid(id) ? id : NULL;
}

const char *ld_kind_action_id(const ProtobufCMessage *m)
{
	const char *id = str_field(m, "action_id");

	return ld_case_id_valid(id) ? id : NULL;
}

const char *ld_kind_consult_id(const ProtobufCMessage *m)
{
	const char *id = str_field(m, "consult_id");

	return ld_case_id_valid(id) ? id : NULL;
}

void *ld_payload_unpack(uint32_t kind, const void *payload, size_t len)
{
	const ld_kind_info_t *k = ld_kind_info(kind);

	if (!k || !k->desc || (!payload && len))
		return NULL;
	return protobuf_c_message_unpack(k->desc, NULL, len, payload);
}

void *ld_entry_payload(const ld_entry_t *e, uint32_t kind)
{
	if (!e || !e->hdr || e->hdr->kind != kind || !e->has_payload)
		return NULL;
	return ld_payload_unpack(kind, e->payload, e->payload_len);
}

void ld_payload_free(void *m)
{
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}

int ld_payload_case_id(uint32_t kind, const void *payload, size_t len, char *buf)
{
	const ld_kind_info_t *k = ld_kind_info(kind);
	ProtobufCMessage *m;
	const char *id;
	int r = -ENOENT;

	/* Dispatches and their answers name actions, not cases. */
	if (!k || !k->desc || kind == LD__KIND__KIND_ACTION_DISPATCH ||
	    kind == LD__KIND__KIND_ACTION_RESPONSE)
		return -ENOENT;
	m = protobuf_c_message_unpack(k->desc, NULL, len, payload);
	if ((id = ld_kind_case_id(m))) {
		snprintf(buf, LD_CASE_ID_MAX + 1, "%s", id);
		r = 0;
	}
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
	return r;
}

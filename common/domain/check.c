/* common/domain/check.c: see check.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/base/errors.h"
#include "common/base/timeutil.h"
#include "common/domain/action.h"
#include "common/domain/casefile.h"
#include "common/domain/consult.h"
#include "common/domain/check.h"
#include "common/domain/source.h"
#include "common/feed/entry.h"
#include "common/feed/kinds.h"
#include "common/index/threads.h"
#include "monitor.pb-c.h"

/* A station, its readings and warnings come from the unit that runs it:
 * its id is "UNIT/LOCAL". */
static int station_check(const ProtobufCMessage *m, const char *author, char *why, size_t n)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "station_id");
	const char *id = f ? *(const char *const *)((const char *)m + f->offset) : NULL;
	size_t al = strlen(author);

	if (!id || !ld_case_id_valid(id) || strncmp(id, author, al) || id[al] != '/' ||
	    !id[al + 1]) {
		snprintf(why, n,
			 "station id '%.140s' is not one of this unit's: a station id is "
			 "'%s/LOCAL', and only the unit that runs a station publishes it, its "
			 "readings and its warnings",
			 id ? id : "", author);
		return LD_EREFUSED;
	}
	return 0;
}

/* A readings block holds a unit and as many readings for each parameter,
 * every interval_s seconds. */
static int block_check(const Ld__MonitorReadings *m, char *why, size_t n)
{
	const Ld__MonitorReadings__Block *b = m->block;

	if (!b)
		return 0;
	if (!b->n_parameter || b->n_unit != b->n_parameter || !b->has_interval_s ||
	    b->n_value % b->n_parameter) {
		snprintf(why, n,
			 "the readings block is malformed: %zu parameters, %zu units, %zu values "
			 "(a unit for each parameter, and as many values for each), interval %s",
			 b->n_parameter, b->n_unit, b->n_value,
			 b->has_interval_s ? "set" : "missing");
		return LD_EREFUSED;
	}
	return 0;
}

typedef int (*thread_foreach_t)(const ld_rd_t *rd, const char *id,
				int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
				void *ud);

/* An entry that answers or follows another is never dated before it: a
 * candidate dated before the latest entry held of its thread (case, joint
 * action, consultation) would be ordered before what it follows by every
 * node, and judged there without it. The rule holds whoever's clock is
 * wrong; the message names both times and the entry. 0, LD_EREFUSED, or
 * -errno (-ENOENT: nothing of the thread held). */
static int thread_time_check(const ld_rd_t *rd, thread_foreach_t foreach, const char *what,
			     const char *id, const ld_entry_t *cand, char *why, size_t n)
{
	ld_timeline_t t;
	const ld_case_item_t *last = NULL;
	const ld_kind_info_t *ki;
	char now_s[40], last_s[40], span[40];
	int r = ld_timeline_load(rd, foreach, id, NULL, &t);

	if (r < 0)
		return r;
	for (size_t i = 0; i < t.n; i++)
		if (!last || t.items[i].time_ms > last->time_ms)
			last = &t.items[i];
	if (last && cand->hdr->time_ms < last->time_ms) {
		ki = ld_kind_info(last->kind);
		ld_time_format(cand->hdr->time_ms, 0, now_s, sizeof(now_s));
		ld_time_format(last->time_ms, 0, last_s, sizeof(last_s));
		ld_span_format(last->time_ms - cand->hdr->time_ms, span, sizeof(span));
		snprintf(
			why, n,
			"this node's clock reads %s, %s before the %s %s:%llu of %s %s, dated %s, "
			"that this entry would follow: every node would order it before that entry, "
			"so nothing was signed; check this node's clock (or the other node's, if "
			"it is ahead) and sign again",
			now_s, span, ki ? ki->name : "entry", last->feed,
			(unsigned long long)last->seq, what, id, last_s);
		r = LD_EREFUSED;
	}
	ld_timeline_free(&t);
	return r;
}

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
	/* Dated after what it follows, first: otherwise the rules below would
	 * judge it out of its place and refuse it for a reason that is not the
	 * real one ("no referral of this case is held here"). */
	if (ld_kind_info(cand->hdr->kind) && (case_id || action_id || consult_id)) {
		r = consult_id	? thread_time_check(rd, ld_rd_foreach_consult_entry, "consultation",
						    consult_id, cand, why, n)
		    : action_id ? thread_time_check(rd, ld_rd_foreach_action_entry, "joint action",
						    action_id, cand, why, n)
				: thread_time_check(rd, ld_rd_foreach_case_entry, "case", case_id,
						    cand, why, n);
		if (r == -ENOENT)
			r = 0; /* nothing held yet: judged below */
		if (r) {
			ld_payload_free(m);
			return r;
		}
	}
	switch (cand->hdr->kind) {
	case LD__KIND__KIND_CASE_REFERRAL:
	case LD__KIND__KIND_REFERRAL_RESPONSE:
	case LD__KIND__KIND_EVIDENCE_ATTESTATION:
	case LD__KIND__KIND_CASE_UPDATE:
	case LD__KIND__KIND_SUBSTITUTE_ORDER:
	case LD__KIND__KIND_SUBSTITUTE_ACCEPTANCE:
	case LD__KIND__KIND_FUND_RECORD:
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
	case LD__KIND__KIND_MONITOR_STATION:
	case LD__KIND__KIND_MONITOR_WARNING:
		r = station_check(m, cand->hdr->author, why, n);
		break;
	case LD__KIND__KIND_MONITOR_READINGS:
		if ((r = station_check(m, cand->hdr->author, why, n)) == 0)
			r = block_check((const Ld__MonitorReadings *)m, why, n);
		break;
	case LD__KIND__KIND_POLLUTION_SOURCE:
		r = ld_source_check(a, cand->hdr->author, m, why, n);
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

/* client/docs.c: the JSON documents of the API's answers (docs.h), one copy
 * for the tool and the web server. */
#include <stdio.h>
#include <string.h>

#include "client/docs.h"
#include "common/base/timeutil.h"
#include "common/crypto/curve.h"
#include "common/crypto/key.h"
#include "common/domain/action.h"
#include "common/domain/casefile.h"
#include "common/domain/consult.h"
#include "common/domain/funds.h"
#include "common/domain/revocation.h"
#include "common/feed/entry.h"
#include "common/feed/kinds.h"
#include "common/feed/pbjson.h"
#include "monitor.pb-c.h"

/* Per thread: the web server builds documents on several at once. */
static _Thread_local bool invalid;

json_t *docs_text(const char *s)
{
	bool bad = false;
	json_t *j = ld_json_text(s, &bad);

	if (bad)
		invalid = true;
	return j;
}

json_t *docs_opt(const char *s)
{
	return s ? docs_text(s) : json_null();
}

void docs_note_invalid(void)
{
	invalid = true;
}

bool docs_invalid(void)
{
	return invalid;
}

void docs_invalid_clear(void)
{
	invalid = false;
}

/* ---- the command view ---- */

static json_t *view_action(const Ld__ApiViewAction *a)
{
	json_t *parts = json_array();

	for (size_t j = 0; j < a->n_participants; j++) {
		const Ld__ApiParticipant *p = a->participants[j];

		json_array_append_new(
			parts, json_pack("{s:o, s:s, s:o, s:b, s:b, s:b, s:b}", "node",
					 docs_text(p->node_id), "role", ld_role_name(p->role),
					 "state", docs_text(p->state), "acknowledged",
					 p->ack_ms != 0, "overdue", p->overdue, "escalated",
					 p->escalated, "visible", !p->not_visible));
	}
	return json_pack("{s:o, s:s, s:s, s:b, s:o, s:I, s:o, s:i, s:o}", "action",
			 docs_text(a->action_id), "priority", ld_priority_name(a->priority), "kind",
			 ld_action_kind_name(a->kind), "active", a->active, "dispatcher",
			 docs_text(a->dispatcher), "ack_by_ms", (json_int_t)a->ack_by_ms, "title",
			 docs_text(a->title), "not_visible", (int)a->not_visible, "participants",
			 parts);
}

static json_t *view_case(const Ld__ApiViewCase *k)
{
	return json_pack("{s:o, s:o, s:b, s:o, s:o, s:I, s:I, s:I, s:b, s:o}", "case",
			 docs_text(k->case_id), "status", docs_text(k->status), "awaiting",
			 k->state == LD__CASE_STATE__CASE_AWAITING_ANSWER, "referrer",
			 docs_text(k->referrer), "holder", docs_text(k->holder), "referred_ms",
			 (json_int_t)k->referred_ms, "answer_by_ms", (json_int_t)k->answer_by_ms,
			 "answered_ms", (json_int_t)k->answered_ms, "overdue", k->overdue, "title",
			 docs_text(k->title));
}

static json_t *view_health(const Ld__ApiStatus *h)
{
	json_t *peers = json_array(), *alerts = json_array();

	for (size_t i = 0; h && i < h->n_peers; i++) {
		const Ld__ApiPeer *p = h->peers[i];
		uint64_t behind = 0;

		for (size_t j = 0; j < p->n_lag; j++)
			if (p->lag[j]->peer_seq > p->lag[j]->local_seq)
				behind += p->lag[j]->peer_seq - p->lag[j]->local_seq;
		json_array_append_new(peers,
				      json_pack("{s:o, s:b, s:I}", "node", docs_text(p->node_id),
						"up", p->up, "behind", (json_int_t)behind));
	}
	for (size_t i = 0; h && i < h->n_alerts; i++)
		json_array_append_new(alerts, json_pack("{s:o, s:o, s:I, s:o}", "kind",
							docs_text(h->alerts[i]->kind), "feed",
							docs_text(h->alerts[i]->feed), "seq",
							(json_int_t)h->alerts[i]->seq, "text",
							docs_text(h->alerts[i]->text)));
	return json_pack("{s:o, s:I, s:o}", "peers", peers, "alerts",
			 (json_int_t)json_array_size(alerts), "alert_list", alerts);
}

static json_t *int_array(const int64_t *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

static json_t *view_region(const Ld__ApiViewRegion *r, const Ld__ApiView *v)
{
	json_t *o = json_pack("{s:o, s:i, s:i, s:i, s:i, s:I}", "region", docs_text(r->region),
			      "referrals_out", (int)r->referrals_out, "referrals_in",
			      (int)r->referrals_in, "awaiting", (int)r->awaiting, "overdue",
			      (int)r->overdue, "median_answer_ms", (json_int_t)r->median_answer_ms);
	json_t *hist = json_array();

	for (size_t i = 0; hist && i < r->n_answer_hist; i++)
		json_array_append_new(hist, json_integer(r->answer_hist[i]));
	json_object_set_new(o, "answer_hist", hist);
	json_object_set_new(o, "answer_buckets_ms",
			    int_array(v->answer_buckets_ms, v->n_answer_buckets_ms));
	return o;
}

static const char *warning_rule(uint32_t rule)
{
	return rule == LD__WARNING_RULE__WARNING_RULE_UPSTREAM ? "upstream"
	       : rule == LD__WARNING_RULE__WARNING_RULE_JUMP   ? "jump"
							       : "threshold";
}

static json_t *view_warning(const Ld__ApiViewWarning *w)
{
	json_t *o = json_pack("{s:o, s:I, s:o, s:o, s:o, s:s, s:f, s:f, s:o, s:I, s:b}", "feed",
			      docs_text(w->feed), "seq", (json_int_t)w->seq, "station_id",
			      docs_text(w->station_id), "station_name", docs_opt(w->station_name),
			      "parameter", docs_text(w->parameter), "rule", warning_rule(w->rule),
			      "value", w->value, "limit", w->limit, "unit", docs_opt(w->unit),
			      "at_ms", (json_int_t)w->at_ms, "open", w->open);

	if (o && w->upstream_station) {
		json_object_set_new(o, "upstream_station", docs_text(w->upstream_station));
		json_object_set_new(o, "upstream_value", json_real(w->upstream_value));
	}
	return o;
}

json_t *docs_view(const Ld__ApiView *v)
{
	json_t *o = json_object(), *actions = json_array(), *cases = json_array(),
	       *regions = json_array(), *warnings;

	for (size_t i = 0; i < v->n_actions; i++)
		json_array_append_new(actions, view_action(v->actions[i]));
	for (size_t i = 0; i < v->n_cases; i++)
		json_array_append_new(cases, view_case(v->cases[i]));
	for (size_t i = 0; i < v->n_regions; i++)
		json_array_append_new(regions, view_region(v->regions[i], v));
	json_object_set_new(o, "now_ms", json_integer(v->now_ms));
	json_object_set_new(o, "node", docs_text(v->health ? v->health->node_id : ""));
	json_object_set_new(o, "actions", actions);
	json_object_set_new(o, "cases", cases);
	json_object_set_new(o, "cases_total", json_integer((json_int_t)v->cases_total));
	json_object_set_new(o, "cases_awaiting", json_integer((json_int_t)v->cases_awaiting));
	json_object_set_new(o, "cases_overdue", json_integer((json_int_t)v->cases_overdue));
	json_object_set_new(o, "rejudging", json_boolean(v->rejudging));
	json_object_set_new(o, "regions", regions);
	json_object_set_new(o, "answer_buckets_ms",
			    int_array(v->answer_buckets_ms, v->n_answer_buckets_ms));
	json_object_set_new(o, "health", view_health(v->health));
	warnings = json_array();
	for (size_t i = 0; warnings && i < v->n_warnings; i++)
		json_array_append_new(warnings, view_warning(v->warnings[i]));
	json_object_set_new(o, "warnings", warnings);
	json_object_set_new(o, "warnings_open", json_integer(v->warnings_open));
	return o;
}

/* ---- status ---- */

static json_t *status_counters(const Ld__ApiCounters *c)
{
	json_t *refused = json_object();

	for (size_t i = 0; i < c->n_refused; i++) {
		const char *k = c->refused[i]->name ? c->refused[i]->name : "other";
		json_int_t before = json_integer_value(json_object_get(refused, k));

		json_object_set_new(refused, k,
				    json_integer(before + (json_int_t)c->refused[i]->count));
	}
	return json_pack("{s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I}", "entries_signed",
			 (json_int_t)c->entries_signed, "entries_ingested",
			 (json_int_t)c->entries_ingested, "refused", refused, "escalations",
			 (json_int_t)c->escalations, "store_bytes", (json_int_t)c->store_bytes,
			 "blob_bytes", (json_int_t)c->blob_bytes, "evidence_bytes_in",
			 (json_int_t)c->evidence_bytes_in, "evidence_bytes_out",
			 (json_int_t)c->evidence_bytes_out);
}

json_t *docs_status(const Ld__ApiStatus *st)
{
	json_t *o = json_object(), *peers = json_array(), *feeds = json_array(),
	       *alerts = json_array(), *rv = json_null();
	char hex[65];

	if (st->revoked) {
		ld_revocation_t x = {.time_ms = st->revoked_ms};
		char text[512];

		snprintf(x.root, sizeof(x.root), "%s",
			 st->revoked_by && st->revoked_by->feed ? st->revoked_by->feed : "?");
		x.seq = st->revoked_by ? st->revoked_by->seq : 0;
		snprintf(x.reason, sizeof(x.reason), "%s",
			 st->revoked_reason ? st->revoked_reason : "");
		ld_revocation_text(&x, text, sizeof(text));
		rv = json_pack("{s:o, s:I, s:{s:o, s:I}, s:o}", "text", docs_text(text), "time_ms",
			       (json_int_t)st->revoked_ms, "roster_entry", "feed",
			       docs_text(st->revoked_by ? st->revoked_by->feed : ""), "seq",
			       (json_int_t)(st->revoked_by ? st->revoked_by->seq : 0), "reason",
			       docs_text(st->revoked_reason));
	}
	for (size_t i = 0; i < st->n_peers; i++) {
		const Ld__ApiPeer *p = st->peers[i];
		json_t *lag = json_array();

		for (size_t j = 0; j < p->n_lag; j++) {
			const Ld__ApiPeerFeed *l = p->lag[j];

			json_array_append_new(lag, json_pack("{s:o, s:I, s:I}", "feed",
							     docs_text(l->feed), "peer_seq",
							     (json_int_t)l->peer_seq, "local_seq",
							     (json_int_t)l->local_seq));
		}
		json_array_append_new(
			peers, json_pack("{s:o, s:b, s:b, s:I, s:I, s:I, s:o, s:o}", "node",
					 docs_text(p->node_id), "up", p->up, "outgoing",
					 p->outgoing, "last_seen_ms", (json_int_t)p->last_seen_ms,
					 "entries_in", (json_int_t)p->entries_in, "entries_out",
					 (json_int_t)p->entries_out, "lag", lag, "clock_offset_ms",
					 p->has_clock_offset_ms
						 ? json_integer((json_int_t)p->clock_offset_ms)
						 : json_null()));
	}
	for (size_t i = 0; i < st->n_heads; i++) {
		const Ld__ApiHead *h = st->heads[i];

		ld_hex(h->id.data, h->id.len == 32 ? 32 : 0, hex);
		json_array_append_new(
			feeds, json_pack("{s:o, s:I, s:s, s:b}", "feed", docs_text(h->feed), "seq",
					 (json_int_t)h->seq, "id", hex, "frozen", h->frozen));
	}
	for (size_t i = 0; i < st->n_alerts; i++)
		json_array_append_new(alerts, json_pack("{s:o, s:o, s:I, s:o}", "kind",
							docs_text(st->alerts[i]->kind), "feed",
							docs_text(st->alerts[i]->feed), "seq",
							(json_int_t)st->alerts[i]->seq, "text",
							docs_text(st->alerts[i]->text)));
	json_object_set_new(o, "node", docs_text(st->node_id));
	json_object_set_new(o, "root", docs_opt(st->root_id));
	json_object_set_new(o, "version", docs_text(st->version));
	json_object_set_new(o, "revoked", rv);
	json_object_set_new(o, "peers", peers);
	json_object_set_new(o, "feeds", feeds);
	json_object_set_new(o, "alerts", alerts);
	json_object_set_new(o, "started_ms", json_integer(st->started_ms));
	if (st->counters)
		json_object_set_new(o, "counters", status_counters(st->counters));
	return o;
}

/* ---- show: cases and actions ---- */

/* A time as a pair: milliseconds and RFC 3339 in the process's zone. */
static void put_time(json_t *o, const char *key, int64_t ms, unsigned tflags)
{
	char k[64], when[48];

	snprintf(k, sizeof(k), "%s_ms", key);
	json_object_set_new(o, k, json_integer(ms));
	if (ms > 0) {
		ld_time_format(ms, tflags | LD_TIME_RFC3339, when, sizeof(when));
		json_object_set_new(o, key, json_string(when));
	}
}

static json_t *item_json(const Ld__ApiCaseItem *x, unsigned tflags)
{
	const ld_kind_info_t *k = ld_kind_info(x->kind);
	json_t *o = json_object(), *rc = json_array(), *content = NULL;
	char hex[65];

	json_object_set_new(o, "feed", docs_text(x->ref->feed));
	json_object_set_new(o, "seq", json_integer((json_int_t)x->ref->seq));
	if (x->ref->id.len == 32)
		json_object_set_new(o, "id", json_string(ld_hex(x->ref->id.data, 32, hex)));
	json_object_set_new(o, "kind", json_string(k ? k->name : "unknown"));
	json_object_set_new(o, "label", json_string(k ? k->label : "entry of a kind unknown here"));
	put_time(o, "time", x->time_ms, tflags);
	put_time(o, "recv", x->recv_ms, tflags);
	json_object_set_new(o, "summary", docs_text(x->summary));
	json_object_set_new(o, "refused", json_boolean(x->refused));
	if (x->refused)
		json_object_set_new(o, "reason", docs_text(x->reason));
	if (x->has_payload) {
		bool bad = false;

		content = ld_payload_json(x->kind, x->payload.data, x->payload.len, tflags, &bad);
		if (bad)
			docs_note_invalid();
	}
	json_object_set_new(o, "visible", json_boolean(x->has_payload));
	json_object_set_new(o, "content", content ? content : json_null());
	for (size_t j = 0; j < x->n_receipts; j++) {
		json_t *r = json_object();

		json_object_set_new(r, "receiver", docs_text(x->receipts[j]->receiver));
		put_time(r, "time", x->receipts[j]->time_ms, tflags);
		if (x->receipts[j]->receipt)
			json_object_set_new(r, "receipt_seq",
					    json_integer((json_int_t)x->receipts[j]->receipt->seq));
		json_array_append_new(rc, r);
	}
	json_object_set_new(o, "receipts", rc);
	return o;
}

static json_t *timeline_json(Ld__ApiCaseItem **items, size_t n, unsigned tflags)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, item_json(items[i], tflags));
	return a;
}

json_t *docs_action(const Ld__ApiAction *a, unsigned tflags)
{
	json_t *o = json_object(), *parts = json_array();

	json_object_set_new(o, "action", docs_text(a->action_id));
	json_object_set_new(o, "dispatched", json_boolean(a->dispatched));
	json_object_set_new(o, "dispatcher",
			    a->dispatched ? docs_text(a->dispatcher) : json_null());
	json_object_set_new(o, "kind", json_string(ld_action_kind_name(a->kind)));
	json_object_set_new(o, "priority", json_string(ld_priority_name(a->priority)));
	put_time(o, "ack_by", a->ack_by_ms, tflags);
	json_object_set_new(o, "title", docs_text(a->title));
	for (size_t i = 0; i < a->n_participants; i++) {
		const Ld__ApiParticipant *p = a->participants[i];
		json_t *x = json_object();

		json_object_set_new(x, "node", docs_text(p->node_id));
		json_object_set_new(x, "role", json_string(ld_role_name(p->role)));
		json_object_set_new(x, "state", docs_text(p->state));
		put_time(x, "ack", p->ack_ms, tflags);
		json_object_set_new(x, "overdue", json_boolean(p->overdue));
		json_object_set_new(x, "escalated", json_boolean(p->escalated));
		json_object_set_new(x, "visible", json_boolean(!p->not_visible));
		json_array_append_new(parts, x);
	}
	json_object_set_new(o, "participants", parts);
	json_object_set_new(o, "timeline", timeline_json(a->items, a->n_items, tflags));
	return o;
}

static json_t *persons_json(Ld__PersonRef **p, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:o, s:o}", "unit", docs_text(p[i]->unit),
						   "person", docs_text(p[i]->person_id)));
	return a;
}

static json_t *ref_json(const Ld__ApiEntryRef *r)
{
	char hex[65] = "";

	if (!r || !r->feed)
		return json_null();
	if (r->id.len == 32)
		ld_hex(r->id.data, 32, hex);
	return json_pack("{s:o, s:I, s:s}", "feed", docs_text(r->feed), "seq", (json_int_t)r->seq,
			 "id", hex);
}

json_t *docs_consult(const Ld__ApiConsult *k, unsigned tflags)
{
	json_t *o = json_object(), *parts = json_array(), *tasks = json_array(),
	       *cases = json_array();

	json_object_set_new(o, "consult", docs_text(k->consult_id));
	json_object_set_new(o, "convened", json_boolean(k->convened));
	json_object_set_new(o, "convener", k->convened ? docs_text(k->convener) : json_null());
	json_object_set_new(o, "kind", json_string(ld_consult_kind_name(k->kind)));
	json_object_set_new(o, "title", docs_text(k->title));
	json_object_set_new(o, "status", docs_text(k->status));
	put_time(o, "start", k->start_ms, tflags);
	put_time(o, "end", k->end_ms, tflags);
	for (size_t i = 0; i < k->n_case_ids; i++)
		json_array_append_new(cases, docs_text(k->case_ids[i]));
	json_object_set_new(o, "cases", cases);
	for (size_t i = 0; i < k->n_participants; i++) {
		const Ld__ApiConsultPart *p = k->participants[i];
		json_t *x = json_object();

		json_object_set_new(x, "node", docs_text(p->node_id));
		json_object_set_new(x, "role", json_string(ld_consult_role_name(p->role)));
		json_object_set_new(x, "attendance", docs_text(p->attendance));
		put_time(x, "attend", p->attend_ms, tflags);
		json_object_set_new(x, "opinions", json_integer(p->opinions));
		json_object_set_new(x, "signoff", docs_text(p->signoff));
		put_time(x, "signed", p->sign_ms, tflags);
		json_array_append_new(parts, x);
	}
	json_object_set_new(o, "participants", parts);
	json_object_set_new(o, "experts", persons_json(k->experts, k->n_experts));
	json_object_set_new(o, "liaisons", persons_json(k->liaisons, k->n_liaisons));
	json_object_set_new(o, "convening", ref_json(k->convene));
	json_object_set_new(o, "minutes", ref_json(k->minutes));
	json_object_set_new(o, "minutes_version", json_integer(k->minutes_version));
	for (size_t i = 0; i < k->n_tasks; i++) {
		const Ld__ApiConsultTask *t = k->tasks[i];
		json_t *x = json_object();

		json_object_set_new(x, "task", json_integer((json_int_t)i));
		json_object_set_new(x, "description", docs_text(t->description));
		json_object_set_new(x, "owner", docs_text(t->owner));
		json_object_set_new(x, "case", docs_opt(t->case_id));
		put_time(x, "due", t->due_ms, tflags);
		put_time(x, "done", t->done_ms, tflags);
		json_object_set_new(x, "overdue", json_boolean(t->overdue));
		json_object_set_new(x, "escalated", json_boolean(t->escalated));
		json_array_append_new(tasks, x);
	}
	json_object_set_new(o, "tasks", tasks);
	json_object_set_new(o, "timeline", timeline_json(k->items, k->n_items, tflags));
	return o;
}

/* ---- substitute performance and remediation funds ---- */

json_t *docs_substitutes(const Ld__ApiCase *k, unsigned tflags)
{
	json_t *a = json_array();

	for (size_t i = 0; i < k->n_substitutes; i++) {
		const Ld__ApiSubstitute *x = k->substitutes[i];
		json_t *o = json_object();

		json_object_set_new(o, "number", json_integer((json_int_t)i));
		json_object_set_new(o, "order", ref_json(x->order));
		json_object_set_new(o, "ordered_by", docs_text(x->ordered_by));
		put_time(o, "ordered", x->ordered_ms, tflags);
		json_object_set_new(o, "party", docs_text(x->party));
		json_object_set_new(o, "scope", docs_text(x->scope));
		json_object_set_new(o, "cost_fen", json_integer(x->cost_fen));
		put_time(o, "due", x->due_ms, tflags);
		put_time(o, "accepted", x->accepted_ms, tflags);
		json_object_set_new(o, "result",
				    x->has_result ? json_string(ld_acceptance_name(x->result))
						  : json_null());
		json_object_set_new(o, "final_cost_fen", json_integer(x->final_cost_fen));
		json_object_set_new(o, "overdue", json_boolean(x->overdue));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *docs_funds(const Ld__ApiCase *k, unsigned tflags)
{
	const Ld__ApiFundTotals *t = k->fund_totals;
	json_t *o = json_object(), *units = json_array(), *xs = json_array();

	json_object_set_new(o, "committed_fen", json_integer(t ? t->committed_fen : 0));
	json_object_set_new(o, "transferred_fen", json_integer(t ? t->transferred_fen : 0));
	json_object_set_new(o, "received_fen", json_integer(t ? t->received_fen : 0));
	json_object_set_new(o, "spent_fen", json_integer(t ? t->spent_fen : 0));
	json_object_set_new(o, "in_transit_fen", json_integer(t ? t->in_transit_fen : 0));
	json_object_set_new(o, "held_fen", json_integer(t ? t->held_fen : 0));
	for (size_t i = 0; i < k->n_fund_units; i++) {
		const Ld__ApiFundUnit *u = k->fund_units[i];

		json_array_append_new(
			units,
			json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "unit", docs_text(u->node),
				  "assigned_fen", (json_int_t)u->assigned_fen,
				  "transferred_out_fen", (json_int_t)u->transferred_out_fen,
				  "transferred_in_fen", (json_int_t)u->transferred_in_fen,
				  "received_fen", (json_int_t)u->received_fen, "spent_fen",
				  (json_int_t)u->spent_fen, "held_fen", (json_int_t)u->held_fen));
	}
	json_object_set_new(o, "units", units);
	for (size_t i = 0; i < k->n_fund_transfers; i++) {
		const Ld__ApiFundTransfer *x = k->fund_transfers[i];
		json_t *j = json_object();

		json_object_set_new(j, "transfer", ref_json(x->transfer));
		json_object_set_new(j, "from", docs_text(x->from_unit));
		json_object_set_new(j, "to", docs_text(x->to_unit));
		json_object_set_new(j, "amount_fen", json_integer(x->amount_fen));
		put_time(j, "sent", x->sent_ms, tflags);
		put_time(j, "received", x->received_ms, tflags);
		json_object_set_new(j, "purpose", docs_opt(x->purpose));
		json_object_set_new(j, "reference", docs_opt(x->reference));
		json_array_append_new(xs, j);
	}
	json_object_set_new(o, "transfers", xs);
	return o;
}

json_t *docs_case(const Ld__ApiCase *k, unsigned tflags)
{
	json_t *o = json_object(), *cps = json_array(), *as = json_array();

	json_object_set_new(o, "case", docs_text(k->case_id));
	json_object_set_new(o, "opened", json_boolean(k->opened));
	json_object_set_new(o, "referrer", docs_text(k->referrer));
	json_object_set_new(o, "holder", docs_text(k->holder));
	json_object_set_new(o, "status", docs_text(k->status));
	json_object_set_new(o, "title", docs_text(k->title));
	put_time(o, "answer_by", k->answer_by_ms, tflags);
	json_object_set_new(o, "case_status", docs_text(k->case_status));
	put_time(o, "remediation_due", k->remediation_due_ms, tflags);
	for (size_t i = 0; i < k->n_checkpoints; i++) {
		const Ld__ApiCheckpoint *x = k->checkpoints[i];
		json_t *c = json_object();

		put_time(c, "due", x->due_ms, tflags);
		json_object_set_new(c, "description", docs_text(x->description));
		put_time(c, "reported", x->reported_ms, tflags);
		json_object_set_new(c, "dropped", json_boolean(x->dropped));
		json_array_append_new(cps, c);
	}
	json_object_set_new(o, "checkpoints", cps);
	for (size_t i = 0; i < k->n_assessments; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "stage",
				    json_string(ld_stage_name(k->assessments[i]->stage)));
		json_object_set_new(x, "outcome",
				    json_string(ld_outcome_name(k->assessments[i]->outcome)));
		json_object_set_new(x, "assessor", docs_text(k->assessments[i]->assessor));
		put_time(x, "time", k->assessments[i]->time_ms, tflags);
		json_array_append_new(as, x);
	}
	json_object_set_new(o, "assessments", as);
	json_object_set_new(o, "substitute_performance", docs_substitutes(k, tflags));
	json_object_set_new(o, "funds", docs_funds(k, tflags));
	json_object_set_new(o, "may_update", json_boolean(k->may_update));
	json_object_set_new(o, "may_assess", json_boolean(k->may_assess));
	json_object_set_new(o, "may_designate", json_boolean(k->may_designate));
	json_object_set_new(o, "timeline", timeline_json(k->items, k->n_items, tflags));
	return o;
}

/* ---- the roster ---- */

bool docs_member_current(const Ld__RosterNode *m, int64_t now)
{
	return !m->revoked && (!m->has_valid_from_ms || now >= m->valid_from_ms) &&
	       (!m->has_valid_until_ms || now < m->valid_until_ms);
}

json_t *docs_member(const Ld__RosterNode *m, int64_t now)
{
	json_t *o = json_object(), *keys = json_array(), *roles = json_array();
	char hex[65], fp[LD_FINGERPRINT_SIZE], name[32], z85[LD_CURVE_Z85_LEN + 1];

	if (!o || !keys || !roles) {
		json_decref(o);
		json_decref(keys);
		json_decref(roles);
		return NULL;
	}
	json_object_set_new(o, "node", docs_text(m->node_id));
	json_object_set_new(o, "name", docs_text(m->name));
	ld_enum_short(&ld__node_kind__descriptor, (int)m->kind, name, sizeof(name));
	json_object_set_new(o, "kind", json_string(name));
	json_object_set_new(o, "region", docs_text(m->region_code));
	json_object_set_new(o, "superior", m->superior ? docs_text(m->superior) : json_null());
	for (size_t i = 0; i < m->n_keys; i++) {
		json_t *k = json_object();

		if (!k || m->keys[i]->sign_key.len != LD_PUBKEY_LEN)
			continue;
		ld_hex(m->keys[i]->sign_key.data, LD_PUBKEY_LEN, hex);
		ld_fingerprint(m->keys[i]->sign_key.data, fp);
		json_object_set_new(k, "sign_key", json_string(hex));
		json_object_set_new(k, "fingerprint", json_string(fp));
		json_object_set_new(k, "from_seq", json_integer((json_int_t)m->keys[i]->from_seq));
		json_array_append_new(keys, k);
	}
	json_object_set_new(o, "keys", keys);
	if (m->has_curve_key && m->curve_key.len == 32 &&
	    ld_curve_z85_encode(m->curve_key.data, z85) == 0)
		json_object_set_new(o, "curve_key", json_string(z85));
	for (size_t i = 0; i < m->n_roles; i++)
		json_array_append_new(roles, docs_text(m->roles[i]));
	json_object_set_new(o, "roles", roles);
	json_object_set_new(o, "current", json_boolean(docs_member_current(m, now)));
	json_object_set_new(o, "revoked", json_boolean(m->revoked));
	if (m->revoked) {
		json_object_set_new(o, "last_valid_seq",
				    json_integer((json_int_t)m->last_valid_seq));
		json_object_set_new(o, "revoke_reason", docs_text(m->revoke_reason));
	}
	if (m->has_valid_from_ms)
		json_object_set_new(o, "valid_from_ms", json_integer(m->valid_from_ms));
	if (m->has_valid_until_ms)
		json_object_set_new(o, "valid_until_ms", json_integer(m->valid_until_ms));
	json_object_set_new(o, "added_at_root_seq", json_integer((json_int_t)m->added_at_root_seq));
	return o;
}

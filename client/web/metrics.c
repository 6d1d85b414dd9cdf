/* client/web/metrics.c: see metrics.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/web/metrics.h"
#include "common/domain/action.h"

struct out {
	char *buf;
	size_t len;
	FILE *f;
};

/* A label value: node ids and reason names are [a-z0-9._-]; anything else
 * is escaped as the format asks. */
static void label(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(FILE *f, const char *name, const char *type, const char *help, unsigned long long v)
{
	head(f, name, type, help);
	fprintf(f, "%s %llu\n", name, v);
}

static void status_metrics(FILE *f, const Ld__ApiStatus *st)
{
	const Ld__ApiCounters *c = st->counters;
	size_t eq = 0;

	fprintf(f, "# HELP liandong_node_info This node, its root and the daemon's version.\n"
		   "# TYPE liandong_node_info gauge\nliandong_node_info{node=\"");
	label(f, st->node_id);
	fprintf(f, "\",root=\"");
	label(f, st->root_id);
	fprintf(f, "\",version=\"");
	label(f, st->version);
	fprintf(f, "\"} 1\n");
	head(f, "liandong_process_start_time_seconds", "gauge",
	     "When the daemon (liandongd) started, Unix seconds.");
	fprintf(f, "liandong_process_start_time_seconds %.3f\n", (double)st->started_ms / 1000.0);
	one(f, "liandong_revoked", "gauge", "1 if the root revoked this node (it signs nothing).",
	    st->revoked);
	head(f, "liandong_peer_up", "gauge", "1 if the link to the peer is up.");
	for (size_t i = 0; i < st->n_peers; i++) {
		fprintf(f, "liandong_peer_up{peer=\"");
		label(f, st->peers[i]->node_id);
		fprintf(f, "\"} %d\n", st->peers[i]->up);
	}
	head(f, "liandong_peer_entries_received_total", "counter",
	     "Entries received from the peer and stored, since the daemon started.");
	for (size_t i = 0; i < st->n_peers; i++) {
		fprintf(f, "liandong_peer_entries_received_total{peer=\"");
		label(f, st->peers[i]->node_id);
		fprintf(f, "\"} %llu\n", (unsigned long long)st->peers[i]->entries_in);
	}
	head(f, "liandong_peer_entries_sent_total", "counter",
	     "Entries sent to the peer, since the daemon started.");
	for (size_t i = 0; i < st->n_peers; i++) {
		fprintf(f, "liandong_peer_entries_sent_total{peer=\"");
		label(f, st->peers[i]->node_id);
		fprintf(f, "\"} %llu\n", (unsigned long long)st->peers[i]->entries_out);
	}
	head(f, "liandong_replication_lag_entries", "gauge",
	     "Entries of a feed the peer announced that this node does not hold yet.");
	for (size_t i = 0; i < st->n_peers; i++)
		for (size_t j = 0; j < st->peers[i]->n_lag; j++) {
			const Ld__ApiPeerFeed *l = st->peers[i]->lag[j];

			fprintf(f, "liandong_replication_lag_entries{peer=\"");
			label(f, st->peers[i]->node_id);
			fprintf(f, "\",feed=\"");
			label(f, l->feed);
			fprintf(f, "\"} %llu\n",
				(unsigned long long)(l->peer_seq > l->local_seq
							     ? l->peer_seq - l->local_seq
							     : 0));
		}
	head(f, "liandong_feed_head_seq", "gauge", "The last entry of each feed held here.");
	for (size_t i = 0; i < st->n_heads; i++) {
		fprintf(f, "liandong_feed_head_seq{feed=\"");
		label(f, st->heads[i]->feed);
		fprintf(f, "\"} %llu\n", (unsigned long long)st->heads[i]->seq);
	}
	for (size_t i = 0; i < st->n_alerts; i++)
		eq += st->alerts[i]->kind && !strcmp(st->alerts[i]->kind, "equivocation");
	one(f, "liandong_equivocations", "gauge",
	    "Proven equivocations (a feed signed twice at one seq; the feed is frozen).", eq);
	if (!c)
		return;
	one(f, "liandong_entries_signed_total", "counter",
	    "This node's own entries committed, since the daemon started.", c->entries_signed);
	one(f, "liandong_entries_ingested_total", "counter",
	    "New entries from peers stored, since the daemon started.", c->entries_ingested);
	head(f, "liandong_entries_refused_total", "counter",
	     "Batches of entries from peers refused, by reason, since the daemon started.");
	for (size_t i = 0; i < c->n_refused; i++) {
		fprintf(f, "liandong_entries_refused_total{reason=\"");
		label(f, c->refused[i]->name);
		fprintf(f, "\"} %llu\n", (unsigned long long)c->refused[i]->count);
	}
	one(f, "liandong_escalations_total", "counter",
	    "Escalations of missed deadlines signed, since the daemon started.", c->escalations);
	one(f, "liandong_store_bytes", "gauge", "Bytes of the LMDB store on disk.", c->store_bytes);
	one(f, "liandong_blob_bytes", "gauge", "Bytes of evidence files on disk.", c->blob_bytes);
	one(f, "liandong_evidence_bytes_received_total", "counter",
	    "Evidence file bytes received from peers, since the daemon started.",
	    c->evidence_bytes_in);
	one(f, "liandong_evidence_bytes_sent_total", "counter",
	    "Evidence file bytes sent to peers, since the daemon started.", c->evidence_bytes_out);
}

static void view_metrics(FILE *f, const Ld__ApiView *v)
{
	static const char *const prios[] = {"emergency", "urgent", "routine"};
	unsigned long long answered = 0;

	for (size_t i = 0; i < v->n_regions; i++)
		for (size_t k = 0; k < v->regions[i]->n_answer_hist; k++)
			answered += v->regions[i]->answer_hist[k];
	head(f, "liandong_cases", "gauge",
	     "Cases held here: all, awaiting an answer, overdue (awaiting past the answer-by "
	     "date), answered.");
	fprintf(f, "liandong_cases{state=\"all\"} %llu\n", (unsigned long long)v->cases_total);
	fprintf(f, "liandong_cases{state=\"awaiting\"} %llu\n",
		(unsigned long long)v->cases_awaiting);
	fprintf(f, "liandong_cases{state=\"overdue\"} %llu\n",
		(unsigned long long)v->cases_overdue);
	fprintf(f, "liandong_cases{state=\"answered\"} %llu\n", answered);
	head(f, "liandong_actions_unacknowledged", "gauge",
	     "Active joint actions with a participant that has not acknowledged, by priority.");
	for (size_t p = 0; p < sizeof(prios) / sizeof(*prios); p++) {
		unsigned long long n = 0;

		for (size_t i = 0; i < v->n_actions; i++) {
			const Ld__ApiViewAction *a = v->actions[i];
			bool unack = false;

			for (size_t j = 0; j < a->n_participants; j++)
				unack |= !a->participants[j]->ack_ms &&
					 !a->participants[j]->not_visible;
			n += a->active && unack && !strcmp(ld_priority_name(a->priority), prios[p]);
		}
		fprintf(f, "liandong_actions_unacknowledged{priority=\"%s\"} %llu\n", prios[p], n);
	}
	head(f, "liandong_participants_overdue", "gauge",
	     "Participants of active joint actions that did not acknowledge in time.");
	{
		unsigned long long n = 0;

		for (size_t i = 0; i < v->n_actions; i++)
			for (size_t j = 0;
			     v->actions[i]->active && j < v->actions[i]->n_participants; j++)
				n += v->actions[i]->participants[j]->overdue;
		fprintf(f, "liandong_participants_overdue %llu\n", n);
	}
}

char *metrics_text(const Ld__ApiStatus *st, const Ld__ApiView *v, int64_t web_started_ms)
{
	struct out o = {0};

	o.f = open_memstream(&o.buf, &o.len);
	if (!o.f)
		return NULL;
	one(o.f, "liandong_up", "gauge", "1 if the daemon answers on its read-only API.",
	    st != NULL);
	if (st)
		status_metrics(o.f, st);
	if (v)
		view_metrics(o.f, v);
	head(o.f, "liandong_web_start_time_seconds", "gauge",
	     "When this liandong-web started, Unix seconds.");
	fprintf(o.f, "liandong_web_start_time_seconds %.3f\n", (double)web_started_ms / 1000.0);
	if (fclose(o.f) != 0) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}

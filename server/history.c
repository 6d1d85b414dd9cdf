/* server/history.c: a case's earlier history for the unit it was passed to.
 *
 * A transfer or designation gives the receiving unit a grant on the case,
 * and replication sends it payloads by that grant from then on. But the
 * case's earlier entries (the referral, the rejection that led to the
 * designation, evidence records) were addressed to others when written, so
 * the receiver usually holds them already, redacted, and never pulls them
 * again. It therefore asks its links for the case's history (CaseHistory);
 * a node answers with the entries of the case it holds in full that the
 * asker may have (ld_payload_for: the same rule as replication), and the
 * asker's store fills in the payloads of the entries it holds redacted
 * (their ids must match what it holds; the payload hash is signed). */
#include <stdlib.h>
#include <string.h>

#include "common/base/errors.h"
#include "common/domain/evidence.h"
#include "server/clock.h"
#include "server/history.h"
#include "server/log.h"
#include "server/node.h"

#define ASKS_MAX 4	  /* a request is sent this many times */
#define ASK_AGAIN_MS 5000 /* first interval between them; doubles */
#define ANSWER_BYTES_MAX (16u << 20)
#define ANSWER_ENTRIES_MAX 4096

static history_want_t *want_find(ld_node_t *n, const char *case_id)
{
	for (size_t i = 0; i < n->n_history; i++)
		if (!strcmp(n->history[i].case_id, case_id))
			return &n->history[i];
	return NULL;
}

void ld_history_want(ld_node_t *n, const char *case_id)
{
	history_want_t *w = want_find(n, case_id);

	if (!w) {
		if (n->n_history == LD_MAX_HISTORY) {
			rlog_warn(
				NULL,
				"case %s passed to this node: too many case histories asked for at "
				"once; its earlier entries stay redacted here for now",
				case_id);
			return;
		}
		w = &n->history[n->n_history++];
		snprintf(w->case_id, sizeof(w->case_id), "%s", case_id);
	}
	w->asks = 0;
	w->next_at = 0;
	ld_history_tick(n, ld_mono_ms());
}

void ld_history_tick(ld_node_t *n, int64_t now)
{
	for (size_t i = 0; i < n->n_history;) {
		history_want_t *w = &n->history[i];
		Ld__Frame f = LD__FRAME__INIT;
		Ld__CaseHistory h = LD__CASE_HISTORY__INIT;
		bool sent = false;

		if (now < w->next_at) {
			i++;
			continue;
		}
		if (w->asks >= ASKS_MAX) {
			n->history[i] = n->history[--n->n_history];
			continue;
		}
		h.case_id = w->case_id;
		f.body_case = LD__FRAME__BODY_CASE_HISTORY;
		f.case_history = &h;
		/* Every link: each holds what it holds of the case. */
		for (size_t j = 0; j < n->n_links; j++)
			if (n->links[j]->up && !n->links[j]->cut)
				sent = ld_link_send(n, n->links[j], &f) == 0 || sent;
		if (sent)
			w->asks++;
		w->next_at = now + (int64_t)ASK_AGAIN_MS * (1 << (w->asks < 6 ? w->asks : 6));
		i++;
	}
}

int64_t ld_history_next_due(const ld_node_t *n)
{
	int64_t due = INT64_MAX;

	for (size_t i = 0; i < n->n_history; i++)
		if (n->history[i].next_at < due)
			due = n->history[i].next_at;
	return due;
}

struct answer {
	ld_node_t *n;
	link_t *l;
	const char *case_id;
	ProtobufCBinaryData bins[LD_ENTRIES_FRAME_MAX];
	size_t n_bins, used, total, count;
	int err;
};

static void answer_flush(struct answer *a, bool last)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__CaseEntries m = LD__CASE_ENTRIES__INIT;

	m.case_id = (char *)a->case_id;
	m.n_entries = a->n_bins;
	m.entries = a->bins;
	m.has_last = true;
	m.last = last;
	f.body_case = LD__FRAME__BODY_CASE_ENTRIES;
	f.case_entries = &m;
	if (a->err == 0)
		a->err = ld_link_send(a->n, a->l, &f);
	a->l->entries_out += a->n_bins;
	for (size_t i = 0; i < a->n_bins; i++)
		free(a->bins[i].data);
	a->n_bins = 0;
	a->used = 0;
}

static int answer_raw(void *ud, const ld_raw_entry_t *e)
{
	struct answer *a = ud;
	Ld__EntryHeader *h;
	size_t need;
	uint8_t *buf;
	bool ok;

	if (!e->payload)
		return 1;
	h = ld__entry_header__unpack(NULL, e->header_len, e->header);
	if (!h)
		return 1;
	ok = ld_payload_for(a->n->store, a->n->access, h, e->payload, e->payload_len, a->l->peer);
	ld__entry_header__free_unpacked(h, NULL);
	if (!ok)
		return 1;
	need = ld_entry_parts_wire_size(e->header_len, e->payload, e->payload_len);
	if (a->n_bins &&
	    (a->n_bins == LD_ENTRIES_FRAME_MAX || a->used + need > LD_ENTRIES_FRAME_BYTES))
		answer_flush(a, false);
	if (!(buf = malloc(need)))
		return -ENOMEM;
	a->bins[a->n_bins].data = buf;
	a->bins[a->n_bins++].len = ld_entry_encode_parts(e->header, e->header_len, e->sig,
							 e->payload, e->payload_len, buf);
	a->used += need;
	a->total += need;
	a->count++;
	return 1;
}

static int answer_one(void *ud, const char *feed, uint64_t seq, uint32_t kind)
{
	struct answer *a = ud;
	int r;

	(void)kind;
	/* The budget bounds what one request makes us queue. */
	if (a->total >= ANSWER_BYTES_MAX || a->count >= ANSWER_ENTRIES_MAX)
		return 1;
	r = ld_store_foreach_raw(a->n->store, feed, seq, seq, answer_raw, a);
	return r < 0 && r != -ENOENT ? r : 0;
}

void ld_history_on_request(ld_node_t *n, link_t *l, const Ld__Frame *f)
{
	const Ld__CaseHistory *m = f->case_history;
	struct answer *a;
	int r;

	if (!m->case_id || !ld_case_id_valid(m->case_id)) {
		rlog_warn(l->peer, "malformed CaseHistory from %s ignored", l->peer);
		return;
	}
	if (!(a = calloc(1, sizeof(*a))))
		return;
	a->n = n;
	a->l = l;
	a->case_id = m->case_id;
	r = ld_store_foreach_case_entry(n->store, m->case_id, answer_one, a);
	if (r < 0 && r != -ENOENT)
		rlog_warn(l->peer, "case history of %s for %s: %s", m->case_id, l->peer,
			  ld_strerror(r));
	answer_flush(a, true);
	if (a->count)
		rlog_info(l->peer, "case history of %s: %zu entr%s sent to %s", m->case_id,
			  a->count, a->count == 1 ? "y" : "ies", l->peer);
	free(a);
}

struct held {
	bool held, full;
};

static int held_cb(void *ud, const ld_raw_entry_t *e)
{
	struct held *h = ud;

	h->held = true;
	h->full = e->payload != NULL;
	return 1;
}

void ld_history_on_entries(ld_node_t *n, link_t *l, const Ld__Frame *f)
{
	const Ld__CaseEntries *m = f->case_entries;
	ld_entry_t **e = NULL;
	ld_ingest_batch_t *b = NULL;
	size_t nb = 0, filled = 0;
	int r;

	/* Only what was asked for: nothing is taken unasked. */
	if (!m->case_id || !want_find(n, m->case_id) || m->n_entries > LD_ENTRIES_FRAME_MAX) {
		log_debug("case entries from %s not asked for: ignored", l->peer);
		return;
	}
	e = calloc(m->n_entries + 1, sizeof(*e));
	b = calloc(m->n_entries + 1, sizeof(*b));
	if (!e || !b)
		goto out;
	for (size_t i = 0; i < m->n_entries; i++) {
		struct held h = {false, false};

		if ((r = ld_entry_parse(m->entries[i].data, m->entries[i].len, &e[nb])) < 0) {
			rlog_warn(
				l->peer,
				"case history of %s from %s: an entry does not parse (%s); skipped",
				m->case_id, l->peer, ld_strerror(r));
			continue;
		}
		/* Entries not held yet come by pulls (in order, in full by the
		 * same rule); held in full: nothing to do. */
		ld_store_foreach_raw(n->store, e[nb]->hdr->author, e[nb]->hdr->seq, e[nb]->hdr->seq,
				     held_cb, &h);
		if (!h.held || h.full || !e[nb]->has_payload) {
			ld_entry_destroy(&e[nb]);
			continue;
		}
		b[nb] = (ld_ingest_batch_t){.entries = &e[nb], .n = 1};
		nb++;
	}
	if (nb && (r = ld_store_ingest(n->store, b, nb, LD_CHAIN_BATCH)) < 0) {
		log_error("storage error in %s: cannot fill in the history of case %s: %s",
			  n->conf->data_dir, m->case_id, ld_strerror(r));
		goto out;
	}
	for (size_t i = 0; i < nb; i++) {
		if (b[i].status < 0)
			rlog_warn(l->peer, "case history of %s from %s: %s #%llu refused: %s",
				  m->case_id, l->peer, e[i]->hdr->author,
				  (unsigned long long)e[i]->hdr->seq, ld_strerror(b[i].status));
		else
			filled++;
	}
	if (filled)
		rlog_info(l->peer, "case %s: %zu earlier entr%s filled in from %s", m->case_id,
			  filled, filled == 1 ? "y" : "ies", l->peer);
out:
	for (size_t i = 0; e && i < nb; i++)
		ld_entry_destroy(&e[i]);
	free(e);
	free(b);
}

/* common/domain/evidence.c: entitlement to evidence files (see evidence.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain/casefile.h"
#include "common/domain/evidence.h"
#include "common/feed/kinds.h"
#include "common/index/threads.h"
#include "evidence.pb-c.h"

#define CUSTODY_GRANTS_MAX 64
#define GRANT_ROUNDS 8

int ld_evidence_file_info(const ld_entry_t *rec, ld_blob_info_t *info, char *case_id,
			  char *evidence_id)
{
	Ld__EvidenceRecord *m;
	int r = 0;

	if (rec->hdr->kind != LD__KIND__KIND_EVIDENCE_RECORD || !rec->has_payload)
		return -EPROTO;
	m = ld_entry_payload(rec, LD__KIND__KIND_EVIDENCE_RECORD);
	if (!m)
		return -EPROTO;
	if (case_id)
		snprintf(case_id, LD_CASE_ID_MAX + 1, "%s", m->case_id ? m->case_id : "");
	if (evidence_id)
		snprintf(evidence_id, LD_EVIDENCE_ID_MAX + 1, "%s",
			 m->evidence_id ? m->evidence_id : "");
	memset(info, 0, sizeof(*info));
	if (!m->has_sha256) {
		r = -ENOENT;
	} else if (m->sha256.len != 32 || !m->has_size) {
		r = -EPROTO;
	} else if (!m->has_chunk_size || !m->has_chunk_list_sha256) {
		r = -ENOTSUP;
	} else if (m->chunk_list_sha256.len != 32 || m->chunk_size < LD_BLOB_CHUNK_MIN ||
		   m->chunk_size > LD_BLOB_CHUNK_MAX || m->size > LD_BLOB_SIZE_MAX ||
		   ld_blob_n_chunks(m->size, m->chunk_size) > LD_BLOB_CHUNKS_MAX) {
		r = -EPROTO;
	} else {
		memcpy(info->sha256, m->sha256.data, 32);
		memcpy(info->list_sha256, m->chunk_list_sha256.data, 32);
		info->size = m->size;
		info->chunk_size = m->chunk_size;
		info->n_chunks = ld_blob_n_chunks(m->size, m->chunk_size);
	}
	ld__evidence_record__free_unpacked(m, NULL);
	return r;
}

struct grant_check {
	const ld_access_t *a;
	const Ld__EntryHeader *h;
	const char *reader;
};

static int grantor_may_read(void *ud, const char *grantor)
{
	struct grant_check *g = ud;

	return strcmp(grantor, g->reader) != 0 && ld_access_may_read(g->a, g->h, grantor);
}

bool ld_case_granted(ld_store_t *s, const ld_access_t *a, const Ld__EntryHeader *h,
		     const char *case_id, const char *reader)
{
	struct grant_check g = {a, h, reader};

	return ld_store_foreach_case_grant(s, case_id, reader, grantor_may_read, &g) == 1;
}

bool ld_payload_for(ld_store_t *s, const ld_access_t *a, const Ld__EntryHeader *h,
		    const void *payload, size_t len, const char *reader)
{
	char case_id[LD_CASE_ID_MAX + 1];

	if (ld_access_may_read(a, h, reader))
		return true;
	return ld_payload_case_id(h->kind, payload, len, case_id) == 0 &&
	       ld_case_granted(s, a, h, case_id, reader);
}

/* A custody transfer of the record to someone, by someone. */
struct custody {
	ld_store_t *s;
	const ld_entry_t *rec;
	char from[CUSTODY_GRANTS_MAX][LD_NODE_ID_MAX + 1];
	char to[CUSTODY_GRANTS_MAX][LD_NODE_ID_MAX + 1];
	bool on[CUSTODY_GRANTS_MAX];
	size_t n;
};

static int custody_cb(void *ud, const char *feed, uint64_t seq, uint32_t kind)
{
	struct custody *c = ud;
	Ld__CustodyTransfer *m;
	ld_entry_t *e = NULL;

	if (kind != LD__KIND__KIND_CUSTODY_TRANSFER || c->n == CUSTODY_GRANTS_MAX)
		return 0;
	if (ld_store_get(c->s, feed, seq, &e, NULL) < 0 || !e->has_payload) {
		ld_entry_destroy(&e);
		return 0;
	}
	m = ld_entry_payload(e, LD__KIND__KIND_CUSTODY_TRANSFER);
	if (m && m->record && m->record->feed && m->to_node &&
	    !strcmp(m->record->feed, c->rec->hdr->author) && m->record->seq == c->rec->hdr->seq &&
	    (m->reason == LD__CUSTODY_REASON__CUSTODY_REASON_HAND_OVER ||
	     m->reason == LD__CUSTODY_REASON__CUSTODY_REASON_RETURN ||
	     m->reason == LD__CUSTODY_REASON__CUSTODY_REASON_COURT_SUBMISSION) &&
	    strcmp(m->to_node, feed) != 0 && strlen(m->to_node) <= LD_NODE_ID_MAX) {
		/* The signer gives it, whatever from_node says. */
		snprintf(c->from[c->n], LD_NODE_ID_MAX + 1, "%s", feed);
		snprintf(c->to[c->n], LD_NODE_ID_MAX + 1, "%s", m->to_node);
		c->n++;
	}
	if (m)
		ld__custody_transfer__free_unpacked(m, NULL);
	ld_entry_destroy(&e);
	return 0;
}

/* Entitled without any custody transfer: reads the record, holds a case
 * grant, or is (a superior of) a party. */
static bool entitled_base(ld_store_t *s, const ld_access_t *a, const ld_entry_t *rec,
			  const ld_case_t *c, const char *case_id, const char *who)
{
	if (ld_access_may_read(a, rec->hdr, who) || ld_case_granted(s, a, rec->hdr, case_id, who))
		return true;
	if (!c || !c->opened)
		return false;
	return !strcmp(who, c->referrer) || !strcmp(who, c->holder) ||
	       ld_access_is_superior(a, who, c->referrer) ||
	       ld_access_is_superior(a, who, c->holder);
}

/* The refusal names the rule and the record asked for, nothing of the
 * record's content (its case, its evidence id) nor who the case's parties
 * are: the asker is, by definition, not entitled to know them. */
static void refusal(const ld_entry_t *rec, const char *reader, char *why, size_t whylen)
{
	snprintf(why, whylen,
		 "%s is not entitled to the file of evidence record %s:%llu: it is given only "
		 "to a unit that may read the record, a party to the record's case or a "
		 "superior of one, a unit the case was transferred or designated to, or a unit "
		 "a hand-over of the record names",
		 reader, rec->hdr->author, (unsigned long long)rec->hdr->seq);
}

int ld_evidence_entitled(ld_store_t *s, const ld_access_t *a, const ld_entry_t *rec,
			 const char *reader, char *why, size_t whylen)
{
	char case_id[LD_CASE_ID_MAX + 1];
	struct custody *cu = NULL;
	ld_blob_info_t info;
	ld_case_t *c = NULL;
	bool ok = false;
	int r;

	r = ld_evidence_file_info(rec, &info, case_id, NULL);
	if (r == -EPROTO)
		return r;
	if (ld_access_may_read(a, rec->hdr, reader))
		return 0;
	if (!ld_case_id_valid(case_id)) {
		refusal(rec, reader, why, whylen);
		return -EACCES;
	}
	r = ld_case_load(s, a, case_id, &c);
	if (r < 0 && r != -ENOENT)
		return r;
	r = 0;
	if (entitled_base(s, a, rec, c, case_id, reader)) {
		ok = true;
		goto out;
	}
	cu = calloc(1, sizeof(*cu));
	if (!cu) {
		r = -ENOMEM;
		goto out;
	}
	cu->s = s;
	cu->rec = rec;
	if ((r = ld_store_foreach_case_entry(s, case_id, custody_cb, cu)) < 0 && r != -ENOENT)
		goto out;
	r = 0;
	/* Hand-overs chain: a unit handed the item may hand it on. */
	for (int round = 0; round < GRANT_ROUNDS && !ok; round++) {
		bool more = false;

		for (size_t i = 0; i < cu->n; i++) {
			bool giver = false;

			if (cu->on[i])
				continue;
			for (size_t j = 0; j < cu->n && !giver; j++)
				giver = cu->on[j] && !strcmp(cu->to[j], cu->from[i]);
			if (giver || entitled_base(s, a, rec, c, case_id, cu->from[i])) {
				cu->on[i] = more = true;
				ok = ok || !strcmp(cu->to[i], reader);
			}
		}
		if (!more)
			break;
	}
out:
	if (r >= 0 && !ok) {
		refusal(rec, reader, why, whylen);
		r = -EACCES;
	}
	free(cu);
	ld_case_destroy(&c);
	return ok ? 0 : r;
}

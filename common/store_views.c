/* common/store_views.c: views derived from entries, in the transaction that
 * stores them.
 *
 * The case index: for every entry whose payload names a case (referrals,
 * responses, case updates, escalations, evidence records, attestations,
 * custody transfers, dispatches' related cases) one key
 *     case_id \0 author \0 be64 seq  ->  be32 kind
 * Keys and values depend only on signed content, never on arrival order or
 * receive time, so the index is a pure function of the entries held and
 * ld_store_reindex() rebuilds it byte for byte. Rules that need an authority
 * (only the addressee may accept) are evaluated when a case is read, since a
 * response may well arrive before the referral it answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "action.pb-c.h"
#include "case.pb-c.h"
#include "common/errors.h"
#include "common/store_int.h"
#include "evidence.pb-c.h"

bool ld_case_id_valid(const char *s)
{
	const char *slash;
	char owner[LD_NODE_ID_MAX + 1];
	size_t olen, llen;

	if (!s || !(slash = strchr(s, '/')))
		return false;
	olen = (size_t)(slash - s);
	llen = strlen(slash + 1);
	if (olen == 0 || olen > LD_NODE_ID_MAX || llen == 0 || llen > 64)
		return false;
	memcpy(owner, s, olen);
	owner[olen] = '\0';
	if (!ld_node_id_valid(owner))
		return false;
	for (const char *p = slash + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

static int thread_put(ld_store_t *s, MDB_txn *txn, MDB_dbi dbi, const char *case_id,
		      const ld_entry_t *e)
{
	uint8_t kb[LD_CASE_ID_MAX + LD_NODE_ID_MAX + 2 + 8], vb[4];
	size_t cl = strlen(case_id), al = strlen(e->hdr->author), n = 0;
	MDB_val k, v = {.mv_size = sizeof(vb), .mv_data = vb};
	int r;

	memcpy(kb, case_id, cl);
	n = cl;
	kb[n++] = '\0';
	memcpy(kb + n, e->hdr->author, al);
	n += al;
	kb[n++] = '\0';
	store_be64(kb + n, e->hdr->seq);
	n += 8;
	store_be32(vb, e->hdr->kind);
	k = (MDB_val){.mv_size = n, .mv_data = kb};
	r = store_mdb_err(mdb_put(txn, dbi, &k, &v, 0));
	/* Its summary is judged again before the transaction commits. */
	return r < 0 ? r : store_touch(s, case_id, dbi == s->db_action_entries);
}

static int index_put(ld_store_t *s, MDB_txn *txn, const char *case_id, const ld_entry_t *e)
{
	return thread_put(s, txn, s->db_case_entries, case_id, e);
}

/* A transfer or designation grants the named unit the case's payloads,
 * provided (checked when serving) its writer could read them itself. Keyed
 * by grantor too, so every grant is kept whatever the arrival order. */
static int grant_put(ld_store_t *s, MDB_txn *txn, const char *case_id, const char *to,
		     const ld_entry_t *e)
{
	uint8_t kb[LD_CASE_ID_MAX + 2 * LD_NODE_ID_MAX + 3];
	size_t cl = strlen(case_id), tl = strlen(to), al = strlen(e->hdr->author), n = 0;
	/* The key says it all; a constant value keeps the index independent of
	 * which of several equal grants arrived (or got its payload) first. */
	MDB_val k, v = {.mv_size = 1, .mv_data = (void *)"1"};

	memcpy(kb, case_id, cl);
	n = cl;
	kb[n++] = '\0';
	memcpy(kb + n, to, tl);
	n += tl;
	kb[n++] = '\0';
	memcpy(kb + n, e->hdr->author, al);
	n += al;
	k = (MDB_val){.mv_size = n, .mv_data = kb};
	return store_mdb_err(mdb_put(txn, s->db_grants, &k, &v, 0));
}

static size_t esc_key(uint8_t *kb, const char *thread, const char *responsible, uint32_t what,
		      int64_t deadline_ms, const char *author)
{
	size_t n = 0, l;

	l = strlen(thread);
	memcpy(kb, thread, l);
	n += l;
	kb[n++] = '\0';
	l = strlen(responsible);
	memcpy(kb + n, responsible, l);
	n += l;
	kb[n++] = '\0';
	store_be32(kb + n, what);
	n += 4;
	store_be64(kb + n, (uint64_t)deadline_ms);
	n += 8;
	kb[n++] = '\0';
	l = strlen(author);
	memcpy(kb + n, author, l);
	return n + l;
}

/* Escalations by (thread, responsible, what, deadline, author): a command
 * centre escalates each missed deadline once, across restarts; a new
 * deadline (a re-referral, a new checkpoint date) can be escalated again. */
static int esc_put(ld_store_t *s, MDB_txn *txn, const char *thread, const char *responsible,
		   uint32_t what, int64_t deadline_ms, const ld_entry_t *e)
{
	uint8_t kb[LD_CASE_ID_MAX + 2 * LD_NODE_ID_MAX + 16];
	MDB_val k = {.mv_data = kb}, v = {.mv_size = 1, .mv_data = (void *)"1"};

	k.mv_size = esc_key(kb, thread, responsible, what, deadline_ms, e->hdr->author);
	return store_mdb_err(mdb_put(txn, s->db_escalations, &k, &v, 0));
}

#define DECODE_CASE(type, fn, field)                                                   \
	do {                                                                           \
		type *m = fn##__unpack(NULL, e->payload_len, e->payload);              \
		if (m) {                                                               \
			if (ld_case_id_valid(m->field))                                \
				r = index_put(s, txn, m->field, e);                    \
			fn##__free_unpacked(m, NULL);                                  \
		}                                                                      \
	} while (0)

int store_views_apply(ld_store_t *s, MDB_txn *txn, const ld_entry_t *e)
{
	int r = store_hidden_apply(s, txn, e);

	/* A payload this node may not read names nothing it may index (but
	 * that it exists is indexed above, for the kinds where it matters). */
	if (r < 0 || !e->has_payload)
		return r;
	switch (e->hdr->kind) {
	case LD__KIND__KIND_CASE_REFERRAL:
		DECODE_CASE(Ld__CaseReferral, ld__case_referral, case_id);
		break;
	case LD__KIND__KIND_REFERRAL_RESPONSE: {
		Ld__ReferralResponse *m =
			ld__referral_response__unpack(NULL, e->payload_len, e->payload);
		const char *to;

		if (!m || !ld_case_id_valid(m->case_id)) {
			if (m)
				ld__referral_response__free_unpacked(m, NULL);
			break;
		}
		r = index_put(s, txn, m->case_id, e);
		to = m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER   ? m->transfer_to
		     : m->decision == LD__REFERRAL_DECISION__REFERRAL_DECISION_DESIGNATE ? m->designated
											 : NULL;
		if (r == 0 && to && ld_node_id_valid(to))
			r = grant_put(s, txn, m->case_id, to, e);
		ld__referral_response__free_unpacked(m, NULL);
		break;
	}
	case LD__KIND__KIND_CASE_UPDATE:
		DECODE_CASE(Ld__CaseUpdate, ld__case_update, case_id);
		break;
	case LD__KIND__KIND_ESCALATION: {
		Ld__Escalation *m = ld__escalation__unpack(NULL, e->payload_len, e->payload);
		const char *thread = NULL;

		if (!m)
			break;
		if (ld_case_id_valid(m->case_id)) {
			r = index_put(s, txn, m->case_id, e);
			thread = m->case_id;
		}
		if (r == 0 && ld_case_id_valid(m->action_id)) {
			r = thread_put(s, txn, s->db_action_entries, m->action_id, e);
			thread = m->action_id;
		}
		if (r == 0 && thread && m->responsible && ld_node_id_valid(m->responsible))
			r = esc_put(s, txn, thread, m->responsible,
				    ld_escalation_code(m->what, m->has_checkpoint ? (int)m->checkpoint : -1),
				    m->deadline_ms, e);
		ld__escalation__free_unpacked(m, NULL);
		break;
	}
	case LD__KIND__KIND_EVIDENCE_RECORD:
		DECODE_CASE(Ld__EvidenceRecord, ld__evidence_record, case_id);
		break;
	case LD__KIND__KIND_EVIDENCE_ATTESTATION:
		DECODE_CASE(Ld__EvidenceAttestation, ld__evidence_attestation, case_id);
		break;
	case LD__KIND__KIND_CUSTODY_TRANSFER:
		DECODE_CASE(Ld__CustodyTransfer, ld__custody_transfer, case_id);
		break;
	case LD__KIND__KIND_CASE_EXPORT:
		DECODE_CASE(Ld__CaseExport, ld__case_export, case_id);
		break;
	case LD__KIND__KIND_ACTION_DISPATCH: {
		Ld__ActionDispatch *m = ld__action_dispatch__unpack(NULL, e->payload_len, e->payload);

		if (m && ld_case_id_valid(m->action_id))
			r = thread_put(s, txn, s->db_action_entries, m->action_id, e);
		/* At most 16 related cases are indexed per dispatch (the CLI
		 * sends at most 8): a hostile dispatch cannot flood the index. */
		for (size_t i = 0; m && i < m->n_case_ids && i < 16 && r == 0; i++)
			if (ld_case_id_valid(m->case_ids[i]))
				r = index_put(s, txn, m->case_ids[i], e);
		if (m)
			ld__action_dispatch__free_unpacked(m, NULL);
		break;
	}
	case LD__KIND__KIND_ACTION_RESPONSE: {
		Ld__ActionResponse *m = ld__action_response__unpack(NULL, e->payload_len, e->payload);

		if (m && ld_case_id_valid(m->action_id))
			r = thread_put(s, txn, s->db_action_entries, m->action_id, e);
		if (m)
			ld__action_response__free_unpacked(m, NULL);
		break;
	}
	default:
		break;
	}
	return r;
}

struct case_walk {
	const char *case_id;
	size_t cl;
	int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind);
	void *ud;
	bool ended;
};

static int case_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct case_walk *w = ud;
	const uint8_t *p = k->mv_data;
	char feed[LD_NODE_ID_MAX + 1];
	size_t al;

	if (k->mv_size <= w->cl + 1 || memcmp(p, w->case_id, w->cl) != 0 || p[w->cl] != '\0') {
		w->ended = true; /* past this case */
		return 1;
	}
	al = k->mv_size - w->cl - 1 - 1 - 8;
	if (k->mv_size < w->cl + 10 || al == 0 || al > LD_NODE_ID_MAX || v->mv_size != 4)
		return -EIO;
	memcpy(feed, p + w->cl + 1, al);
	feed[al] = '\0';
	return w->cb(w->ud, feed, store_get_be64(p + k->mv_size - 8), store_get_be32(v->mv_data));
}

static int foreach_thread(ld_store_t *s, MDB_dbi dbi, const char *case_id,
			  int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
			  void *ud)
{
	struct case_walk w = {case_id, strlen(case_id), cb, ud, false};
	uint8_t kb[LD_CASE_ID_MAX + 1];
	MDB_val k = {.mv_size = w.cl + 1, .mv_data = kb};
	int r;

	if (!ld_case_id_valid(case_id))
		return -EINVAL;
	memcpy(kb, case_id, w.cl);
	kb[w.cl] = '\0';
	r = store_walk_read(s, dbi, &k, case_one, &w);
	return w.ended ? 0 : r;
}

int ld_store_foreach_case_entry(ld_store_t *s, const char *case_id,
				int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
				void *ud)
{
	return foreach_thread(s, s->db_case_entries, case_id, cb, ud);
}

int ld_store_foreach_action_entry(ld_store_t *s, const char *action_id,
				  int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
				  void *ud)
{
	return foreach_thread(s, s->db_action_entries, action_id, cb, ud);
}

static int reindex_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	void **c = ud;
	ld_entry_t *e;
	int r = store_entry_decode(v, &e, NULL);

	if (r < 0)
		return r;
	r = store_views_apply(c[0], c[1], e);
	ld_entry_destroy(&e);
	return r;
}

static int reindex_txn(ld_store_t *s, MDB_txn *txn, void *ud)
{
	void *c[2] = {s, txn};
	int r = store_mdb_err(mdb_drop(txn, s->db_case_entries, 0));

	if (r == 0)
		r = store_mdb_err(mdb_drop(txn, s->db_grants, 0));
	if (r == 0)
		r = store_mdb_err(mdb_drop(txn, s->db_action_entries, 0));
	if (r == 0)
		r = store_mdb_err(mdb_drop(txn, s->db_escalations, 0));
	if (r == 0)
		r = store_mdb_err(mdb_drop(txn, s->db_hidden, 0));
	/* Every case is judged once at the end, not once per entry. */
	s->touch_off = true;
	if (r == 0)
		r = store_walk_db(txn, s->db_entries, NULL, reindex_one, c);
	s->touch_off = false;
	return r < 0 ? r : store_sum_rebuild(s, txn);
}

int ld_store_reindex(ld_store_t *s)
{
	return store_write_txn(s, reindex_txn, NULL);
}

static int digest_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	uint8_t len[8];

	/* Lengths first, so key/value boundaries cannot be shifted. */
	store_be32(len, (uint32_t)k->mv_size);
	store_be32(len + 4, (uint32_t)v->mv_size);
	return EVP_DigestUpdate(ud, len, sizeof(len)) == 1 &&
			       EVP_DigestUpdate(ud, k->mv_data, k->mv_size) == 1 &&
			       EVP_DigestUpdate(ud, v->mv_data, v->mv_size) == 1
		       ? 0
		       : -EIO;
}

int ld_store_views_digest(ld_store_t *s, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	MDB_txn *txn;
	int r;

	if (!md)
		return -ENOMEM;
	if ((r = store_read_txn(s, &txn)) < 0) {
		EVP_MD_CTX_free(md);
		return r;
	}
	r = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
	if (r == 0)
		r = store_walk_db(txn, s->db_case_entries, NULL, digest_one, md);
	if (r == 0)
		r = store_walk_db(txn, s->db_grants, NULL, digest_one, md);
	if (r == 0)
		r = store_walk_db(txn, s->db_action_entries, NULL, digest_one, md);
	if (r == 0)
		r = store_walk_db(txn, s->db_escalations, NULL, digest_one, md);
	if (r == 0)
		r = store_walk_db(txn, s->db_csum, NULL, digest_one, md);
	if (r == 0)
		r = store_walk_db(txn, s->db_cidx, NULL, digest_one, md);
	if (r == 0)
		r = store_walk_db(txn, s->db_ncnt, NULL, digest_one, md);
	if (r == 0)
		r = store_walk_db(txn, s->db_aact, NULL, digest_one, md);
	if (r == 0)
		r = store_walk_db(txn, s->db_hidden, NULL, digest_one, md);
	if (r == 0)
		r = store_walk_db(txn, s->db_srch, NULL, digest_one, md);
	if (r == 0)
		r = store_walk_db(txn, s->db_sref, NULL, digest_one, md);
	if (r == 0)
		r = store_walk_db(txn, s->db_sdoc, NULL, digest_one, md);
	if (r == 0 && EVP_DigestFinal_ex(md, out, NULL) != 1)
		r = -EIO;
	store_read_end(s, txn);
	EVP_MD_CTX_free(md);
	return r;
}

#define CASE_OF(type, fn, field)                                                        \
	do {                                                                            \
		type *m = fn##__unpack(NULL, len, payload);                             \
		if (m && ld_case_id_valid(m->field)) {                                  \
			snprintf(buf, LD_CASE_ID_MAX + 1, "%s", m->field);              \
			r = 0;                                                          \
		}                                                                       \
		if (m)                                                                  \
			fn##__free_unpacked(m, NULL);                                   \
	} while (0)

int ld_payload_case_id(uint32_t kind, const void *payload, size_t len, char *buf)
{
	int r = -ENOENT;

	switch (kind) {
	case LD__KIND__KIND_CASE_REFERRAL:
		CASE_OF(Ld__CaseReferral, ld__case_referral, case_id);
		break;
	case LD__KIND__KIND_REFERRAL_RESPONSE:
		CASE_OF(Ld__ReferralResponse, ld__referral_response, case_id);
		break;
	case LD__KIND__KIND_CASE_UPDATE:
		CASE_OF(Ld__CaseUpdate, ld__case_update, case_id);
		break;
	case LD__KIND__KIND_ESCALATION:
		CASE_OF(Ld__Escalation, ld__escalation, case_id);
		break;
	case LD__KIND__KIND_EVIDENCE_RECORD:
		CASE_OF(Ld__EvidenceRecord, ld__evidence_record, case_id);
		break;
	case LD__KIND__KIND_EVIDENCE_ATTESTATION:
		CASE_OF(Ld__EvidenceAttestation, ld__evidence_attestation, case_id);
		break;
	case LD__KIND__KIND_CUSTODY_TRANSFER:
		CASE_OF(Ld__CustodyTransfer, ld__custody_transfer, case_id);
		break;
	case LD__KIND__KIND_CASE_EXPORT:
		CASE_OF(Ld__CaseExport, ld__case_export, case_id);
		break;
	default:
		break;
	}
	return r;
}

struct grant_walk {
	uint8_t prefix[LD_CASE_ID_MAX + LD_NODE_ID_MAX + 2];
	size_t plen;
	int (*cb)(void *ud, const char *grantor);
	void *ud;
	bool ended;
};

static int grant_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct grant_walk *w = ud;
	char grantor[LD_NODE_ID_MAX + 1];
	size_t gl = k->mv_size - w->plen;

	if (k->mv_size <= w->plen || memcmp(k->mv_data, w->prefix, w->plen) != 0) {
		w->ended = true;
		return 1;
	}
	if (gl > LD_NODE_ID_MAX)
		return -EIO;
	memcpy(grantor, (const uint8_t *)k->mv_data + w->plen, gl);
	grantor[gl] = '\0';
	return w->cb(w->ud, grantor);
}

int ld_store_foreach_case_grant(ld_store_t *s, const char *case_id, const char *grantee,
				int (*cb)(void *ud, const char *grantor), void *ud)
{
	struct grant_walk w = {.cb = cb, .ud = ud};
	size_t cl = strlen(case_id), gl = strlen(grantee);
	MDB_val k;
	int r;

	if (!ld_case_id_valid(case_id) || !ld_node_id_valid(grantee))
		return -EINVAL;
	memcpy(w.prefix, case_id, cl);
	w.prefix[cl] = '\0';
	memcpy(w.prefix + cl + 1, grantee, gl);
	w.prefix[cl + 1 + gl] = '\0';
	w.plen = cl + gl + 2;
	k = (MDB_val){.mv_size = w.plen, .mv_data = w.prefix};
	r = store_walk_read(s, s->db_grants, &k, grant_one, &w);
	return w.ended ? 0 : r;
}

struct id_walk {
	char last[LD_CASE_ID_MAX + 1];
	const char *after;
	int (*cb)(void *ud, const char *id);
	void *ud;
};

static int id_one(void *ud, const MDB_val *k, const MDB_val *v)
{
	struct id_walk *w = ud;
	const char *p = k->mv_data, *nul = memchr(p, '\0', k->mv_size);
	size_t len = nul ? (size_t)(nul - p) : 0;

	if (!nul || len == 0 || len > LD_CASE_ID_MAX)
		return -EIO;
	/* Keys are sorted, so an id's entries are adjacent. */
	if (strlen(w->last) == len && !memcmp(w->last, p, len))
		return 0;
	memcpy(w->last, p, len);
	w->last[len] = '\0';
	if (w->after && strcmp(w->last, w->after) <= 0)
		return 0;
	return w->cb(w->ud, w->last);
}

int store_foreach_thread_id(ld_store_t *s, bool cases, const char *after,
			    int (*cb)(void *ud, const char *id), void *ud)
{
	struct id_walk w = {.after = after && after[0] ? after : NULL, .cb = cb, .ud = ud};
	MDB_val from = store_str_val(w.after ? w.after : "");

	return store_walk_read(s, cases ? s->db_case_entries : s->db_action_entries,
			       w.after ? &from : NULL, id_one, &w);
}

int ld_store_foreach_thread_id(ld_store_t *s, bool cases, int (*cb)(void *ud, const char *id),
			       void *ud)
{
	return store_foreach_thread_id(s, cases, NULL, cb, ud);
}

int ld_store_escalated(ld_store_t *s, const char *thread_id, const char *responsible,
		       uint32_t what, int64_t deadline_ms, const char *author)
{
	uint8_t kb[LD_CASE_ID_MAX + 2 * LD_NODE_ID_MAX + 16];
	MDB_val k = {.mv_data = kb}, v;
	MDB_txn *txn;
	int r;

	if (!ld_case_id_valid(thread_id) || !ld_node_id_valid(responsible) ||
	    !ld_node_id_valid(author))
		return -EINVAL;
	k.mv_size = esc_key(kb, thread_id, responsible, what, deadline_ms, author);
	if ((r = store_read_txn(s, &txn)) < 0)
		return r;
	r = store_mdb_err(mdb_get(txn, s->db_escalations, &k, &v));
	store_read_end(s, txn);
	return r;
}

uint32_t ld_escalation_code(uint32_t what, int checkpoint)
{
	return (what & 0xff) | (checkpoint >= 0 ? ((uint32_t)checkpoint + 1) << 8 : 0);
}

/* common/views/search.c: see search.h. The index (search_int.h) holds one posting
 * list per token, each in the order of the cases' first referral, newest
 * first, with its length kept by LMDB (a DUPSORT key's duplicate count). A
 * query is the intersection of its tokens' lists: the shortest drives, the
 * others are sought to each of its postings (and it to theirs: leapfrog),
 * so the cost follows the rarest token, not the cases held; a time range
 * is a range of every list. Each posting found is resolved to its case and
 * checked against the query on the case's record (which also settles runs
 * of three or more characters, whose pairs alone do not prove adjacency).
 * The walk stops once the limit is listed and the total is either read off
 * a single list's length or counted on, up to COUNT_STEPS more seeks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain/casefile.h"
#include "common/views/casesum.h"
#include "common/base/errors.h"
#include "common/views/search.h"
#include "common/views/search_int.h"
#include "common/store/store_index.h"

/* A message of the tool's catalogue (client/po/POTFILES lists this file):
 * English here, translated where `liandong` shows it. */
#define N_(s) s

#define COUNT_STEPS 20000
#define LISTS_MAX 64

static const char *const flag_statuses[] = {"transferred", "designated"};

bool ld_search_status_known(const char *s)
{
	for (size_t i = 0; i < 2; i++)
		if (!strcmp(s, flag_statuses[i]))
			return true;
	if (ld_case_state_parse(s) > LD_CASE_NOT_REFERRED)
		return true;
	for (uint32_t i = 1; strcmp(ld_case_status_name(i), "unknown") != 0; i++)
		if (!strcmp(s, ld_case_status_name(i)))
			return true;
	return false;
}

/* The violation number of a name, 0 if none. */
static uint32_t violation_of(const char *name)
{
	for (uint32_t i = 1; strcmp(ld_violation_name(i), "unknown") != 0; i++)
		if (!strcmp(name, ld_violation_name(i)))
			return i;
	return 0;
}

/* A credit code as the index keeps it: 1-32 letters and digits, upper case. */
static bool code_norm(const char *in, char out[33])
{
	size_t n = 0;

	for (; in[n] && n < 32; n++) {
		char c = in[n];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return false;
		out[n] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
	}
	out[n] = '\0';
	return n > 0 && !in[n];
}

static bool given(const char *s)
{
	return s && s[0];
}

static const char *text_why(const char *s)
{
	char norm[4 * LD_SEARCH_TEXT_MAX + 1];

	if (strlen(s) > LD_SEARCH_TEXT_MAX)
		return N_("is longer than 256 bytes");
	if (!ld_ngram_normalize(s, strlen(s), norm, sizeof(norm)))
		return N_("has no letter, digit or character to search for (punctuation and spaces "
			  "separate words)");
	return NULL;
}

int ld_search_check(const ld_search_query_t *q, const char **ret_field, const char **ret_why)
{
	const char *field = NULL, *why = NULL;
	char code[33];

	if (given(q->text) && (why = text_why(q->text)))
		field = "text";
	else if (given(q->party) && (why = text_why(q->party)))
		field = "party";
	else if (given(q->credit_code) && !code_norm(q->credit_code, code))
		field = "credit-code", why = N_("must be letters and digits only (the 18-character "
						"unified social credit code)");
	else if (given(q->region) && (strlen(q->region) < 2 || strlen(q->region) > 6 ||
				      strspn(q->region, "0123456789") != strlen(q->region)))
		field = "region",
		why = N_("must be 2 to 6 digits: the start of a GB/T 2260 code (33 a "
			 "province, 3304 a prefecture, 330402 a county)");
	else if (given(q->status) && !ld_search_status_known(q->status))
		field = "status",
		why = N_("is unknown (awaiting answer, accepted, rejected, need-info, "
			 "transferred, designated, or a case status: filed, referred, "
			 "investigating, penalty-decided, handed-to-judiciary, "
			 "remediation-ordered, remediation-verified, closed)");
	else if (given(q->violation) && !violation_of(q->violation))
		field = "violation",
		why = N_("is unknown (water, air, solid-waste, hazardous-waste, soil, "
			 "noise, sand-mining, fishing-ban, ecological-damage, "
			 "radiation, other)");
	else if (q->since_ms && q->until_ms && q->since_ms > q->until_ms)
		field = "since", why = N_("is later than until");
	else if (q->limit > LD_SEARCH_LIMIT_MAX)
		field = "limit", why = N_("must be at most 10000");
	if (ret_field)
		*ret_field = field;
	if (ret_why)
		*ret_why = why;
	return field ? -EINVAL : 0;
}

/* ---- the plan: one posting list per token ---- */

struct plist {
	uint8_t key[SEARCH_TOKEN_MAX];
	size_t klen;
	MDB_cursor *cur;
	size_t count;
	uint8_t val[SEARCH_POSTING_LEN]; /* where the cursor is */
};

struct run {
	ld_store_t *s;
	MDB_txn *txn;
	const ld_search_query_t *q;
	struct plist l[LISTS_MAX];
	size_t n;
	char field; /* of the tokens being added */
	bool exact; /* the postings alone decide */
	char ntext[4 * LD_SEARCH_TEXT_MAX + 1], nparty[4 * LD_SEARCH_TEXT_MAX + 1];
	char code[33];
	uint32_t violation;
	MDB_cursor *ref;
	size_t limit, cap, steps;
	ld_search_result_t *res;
};

static int list_add(void *ud, const char *tok, size_t n)
{
	struct run *x = ud;
	uint8_t key[SEARCH_TOKEN_MAX];
	size_t klen = search_token_key(key, x->field, tok, n);

	for (size_t i = 0; i < x->n; i++)
		if (x->l[i].klen == klen && !memcmp(x->l[i].key, key, klen))
			return 0;
	/* A long query needs no more lists than this: the record checks it. */
	if (x->n == LISTS_MAX) {
		x->exact = false;
		return 0;
	}
	memcpy(x->l[x->n].key, key, klen);
	x->l[x->n++].klen = klen;
	return 0;
}

static int plan(struct run *x)
{
	const ld_search_query_t *q = x->q;
	bool exact = true;
	int r = 0;

	x->exact = true;
	if (given(q->text)) {
		size_t n = ld_ngram_normalize(q->text, strlen(q->text), x->ntext, sizeof(x->ntext));

		x->field = SF_TITLE;
		r = ld_ngram_query(x->ntext, n, list_add, x, &exact);
		x->exact &= exact;
	}
	if (r == 0 && given(q->party)) {
		size_t n = ld_ngram_normalize(q->party, strlen(q->party), x->nparty,
					      sizeof(x->nparty));

		x->field = SF_PARTY;
		r = ld_ngram_query(x->nparty, n, list_add, x, &exact);
		x->exact &= exact;
	}
	if (r == 0 && given(q->credit_code)) {
		code_norm(q->credit_code, x->code);
		x->field = SF_CODE;
		r = list_add(x, x->code, strlen(x->code));
	}
	if (r == 0 && given(q->region)) {
		x->field = SF_REGION;
		r = list_add(x, q->region, strlen(q->region));
	}
	if (r == 0 && given(q->status)) {
		x->field = SF_STATUS;
		r = list_add(x, q->status, strlen(q->status));
	}
	if (r == 0 && given(q->violation)) {
		x->violation = violation_of(q->violation);
		x->field = SF_VIOLATION;
		r = list_add(x, q->violation, strlen(q->violation));
	}
	if (r == 0 && x->n == 0) {
		x->field = SF_ALL;
		r = list_add(x, "", 0);
	}
	return r;
}

static int count_cmp(const void *a, const void *b)
{
	const struct plist *x = a, *y = b;

	return x->count < y->count ? -1 : x->count > y->count;
}

/* Position every list on its newest posting and learn its length. 1 if a
 * list is empty (nothing can match), 0, or -errno. */
static int lists_open(struct run *x)
{
	for (size_t i = 0; i < x->n; i++) {
		struct plist *l = &x->l[i];
		MDB_val k = {.mv_size = l->klen, .mv_data = l->key}, v;
		int rc, r;

		if ((r = ld_store_mdb_err(
			     mdb_cursor_open(x->txn, search_ix_of(x->s)->srch, &l->cur))) < 0)
			return r;
		rc = mdb_cursor_get(l->cur, &k, &v, MDB_SET_KEY);
		if (rc == MDB_NOTFOUND)
			return 1;
		if (rc == 0)
			rc = mdb_cursor_count(l->cur, &l->count);
		if (rc == 0)
			rc = mdb_cursor_get(l->cur, &k, &v, MDB_LAST_DUP);
		if (rc != 0)
			return ld_store_mdb_err(rc);
		if (v.mv_size != SEARCH_POSTING_LEN)
			return -EIO;
		memcpy(l->val, v.mv_data, SEARCH_POSTING_LEN);
	}
	qsort(x->l, x->n, sizeof(x->l[0]), count_cmp);
	return 0;
}

/* Move list l back to its last posting <= t. 1 if there is none, 0, -errno. */
static int seek(struct run *x, struct plist *l, const uint8_t *t)
{
	MDB_val k = {.mv_size = l->klen, .mv_data = l->key}, v;
	int rc;

	if (memcmp(l->val, t, SEARCH_POSTING_LEN) <= 0)
		return 0;
	x->steps++;
	/* Walking a list from posting to posting is the common step. */
	rc = mdb_cursor_get(l->cur, &k, &v, MDB_PREV_DUP);
	if (rc == 0 && v.mv_size == SEARCH_POSTING_LEN &&
	    memcmp(v.mv_data, t, SEARCH_POSTING_LEN) > 0) {
		/* Further back: the first posting >= t, then one before it
		 * unless it is t (there is one >= t: the list's current). */
		k = (MDB_val){.mv_size = l->klen, .mv_data = l->key};
		v = (MDB_val){.mv_size = SEARCH_POSTING_LEN, .mv_data = (void *)t};
		rc = mdb_cursor_get(l->cur, &k, &v, MDB_GET_BOTH_RANGE);
		if (rc == 0 && v.mv_size == SEARCH_POSTING_LEN &&
		    memcmp(v.mv_data, t, SEARCH_POSTING_LEN) != 0)
			rc = mdb_cursor_get(l->cur, &k, &v, MDB_PREV_DUP);
	}
	if (rc == MDB_NOTFOUND)
		return 1;
	if (rc != 0)
		return ld_store_mdb_err(rc);
	if (v.mv_size != SEARCH_POSTING_LEN)
		return -EIO;
	memcpy(l->val, v.mv_data, SEARCH_POSTING_LEN);
	return 0;
}

static bool in_list(const char *list, const char *item, bool prefix)
{
	size_t n = strlen(item);

	while (*list) {
		size_t m = strcspn(list, "\n");

		if ((prefix ? m >= n : m == n) && !memcmp(list, item, n))
			return true;
		list += m + (list[m] == '\n');
	}
	return false;
}

/* Does the case's record answer the query? (The postings may belong to
 * another case referred in the same millisecond with an id of equal hash,
 * and runs of three or more characters are only checked here.) */
static bool doc_matches(const struct run *x, const search_doc_t *d)
{
	const ld_search_query_t *q = x->q;

	if ((q->since_ms && d->referred_ms < q->since_ms) ||
	    (q->until_ms && d->referred_ms > q->until_ms))
		return false;
	if (given(q->text) &&
	    !ld_ngram_match(d->ntitle, strlen(d->ntitle), x->ntext, strlen(x->ntext)))
		return false;
	if (given(q->party) &&
	    !ld_ngram_match(d->nparties, strlen(d->nparties), x->nparty, strlen(x->nparty)))
		return false;
	if (given(q->credit_code) && !in_list(d->codes, x->code, false))
		return false;
	if (given(q->region) && !in_list(d->pregions, q->region, true) &&
	    !in_list(d->uregions, q->region, true))
		return false;
	if (given(q->status) && strcmp(q->status, d->status) && strcmp(q->status, d->case_status) &&
	    !(!strcmp(q->status, "transferred") && (d->flags & SEARCH_TRANSFERRED)) &&
	    !(!strcmp(q->status, "designated") && (d->flags & SEARCH_DESIGNATED)))
		return false;
	return !given(q->violation) || d->violation == x->violation;
}

static int hit_add(struct run *x, const char *id, const search_doc_t *d)
{
	ld_search_result_t *res = x->res;
	ld_search_hit_t *h;

	if (res->n_hits == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 64;

		if (cap > x->limit)
			cap = x->limit;
		h = realloc(res->hits, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		res->hits = h;
		x->cap = cap;
	}
	h = &res->hits[res->n_hits++];
	memset(h, 0, sizeof(*h));
	snprintf(h->case_id, sizeof(h->case_id), "%s", id);
	h->referred_ms = d->referred_ms;
	snprintf(h->referrer, sizeof(h->referrer), "%s", d->referrer);
	snprintf(h->holder, sizeof(h->holder), "%s", d->holder);
	snprintf(h->status, sizeof(h->status), "%s", d->status);
	snprintf(h->case_status, sizeof(h->case_status), "%s", d->case_status);
	h->violation = d->violation;
	snprintf(h->title, sizeof(h->title), "%s", d->title);
	snprintf(h->party, sizeof(h->party), "%s", d->party);
	return 0;
}

/* The cases of posting p that answer the query: counted, and listed up to
 * the limit. */
static int resolve(struct run *x, const uint8_t *p)
{
	MDB_val k = {.mv_size = SEARCH_POSTING_LEN, .mv_data = (void *)p}, v;
	int rc, r = 0;

	x->steps++;
	for (rc = mdb_cursor_get(x->ref, &k, &v, MDB_SET_KEY); rc == 0 && r == 0;
	     rc = mdb_cursor_get(x->ref, &k, &v, MDB_NEXT_DUP)) {
		char id[LD_CASE_ID_MAX + 1];
		MDB_val dk, dv;
		search_doc_t d;

		if (v.mv_size == 0 || v.mv_size > LD_CASE_ID_MAX)
			return -EIO;
		memcpy(id, v.mv_data, v.mv_size);
		id[v.mv_size] = '\0';
		dk = (MDB_val){.mv_size = strlen(id), .mv_data = (void *)(id)};
		if ((r = ld_store_mdb_err(mdb_get(x->txn, search_ix_of(x->s)->sdoc, &dk, &dv))) <
			    0 ||
		    (r = search_doc_decode(dv.mv_data, dv.mv_size, &d)) < 0)
			return r == -ENOENT ? -EIO : r;
		if (!doc_matches(x, &d))
			continue;
		x->res->total++;
		if (x->res->n_hits < x->limit)
			r = hit_add(x, id, &d);
	}
	if (r == 0 && rc != 0 && rc != MDB_NOTFOUND)
		r = ld_store_mdb_err(rc);
	return r;
}

/* Leapfrog, newest first: the first list proposes, the others confirm or
 * move the proposal further back. */
static int walk(struct run *x)
{
	uint8_t t[SEARCH_POSTING_LEN];
	uint64_t first = x->q->since_ms ? search_rank(x->q->since_ms) : 0;
	/* One list, no time range, exact: its length is the total. */
	bool whole = x->n == 1 && x->exact && !x->q->since_ms && !x->q->until_ms;
	size_t budget = 0;
	int r;

	memset(t, 0xff, sizeof(t));
	if (x->q->until_ms)
		ld_be64_put(t, search_rank(x->q->until_ms));
	for (;;) {
		const uint8_t *c;
		bool agreed = true;

		if ((r = seek(x, &x->l[0], t)) != 0)
			break;
		c = x->l[0].val;
		if (ld_be64_get(c) < first)
			break;
		for (size_t i = 1; i < x->n && agreed; i++) {
			if ((r = seek(x, &x->l[i], c)) != 0)
				goto end;
			if (memcmp(x->l[i].val, c, SEARCH_POSTING_LEN) != 0) {
				memcpy(t, x->l[i].val, SEARCH_POSTING_LEN);
				agreed = false;
			}
		}
		if (!agreed)
			continue;
		if (x->res->n_hits < x->limit || !x->exact) {
			if ((r = resolve(x, c)) < 0)
				return r;
		} else {
			x->res->total++;
		}
		if (x->res->n_hits >= x->limit) {
			if (whole) {
				/* (Cases sharing a posting count once in a list.) */
				if (x->l[0].count > x->res->total)
					x->res->total = x->l[0].count;
				return 0;
			}
			if (!budget)
				budget = x->steps + COUNT_STEPS;
			else if (x->steps > budget) {
				x->res->total_known = false;
				return 0;
			}
		}
		/* On to the posting before c. */
		memcpy(t, c, SEARCH_POSTING_LEN);
		for (int i = SEARCH_POSTING_LEN - 1; i >= 0 && t[i]-- == 0; i--)
			if (i == 0)
				goto end;
	}
end:
	return r < 0 ? r : 0;
}

int ld_search(ld_store_t *s, const ld_search_query_t *q, ld_search_result_t **ret)
{
	struct run *x;
	int r;

	if ((r = ld_search_check(q, NULL, NULL)) < 0)
		return r;
	if (!(x = calloc(1, sizeof(*x))) || !(x->res = calloc(1, sizeof(*x->res)))) {
		free(x);
		return -ENOMEM;
	}
	x->s = s;
	x->q = q;
	x->limit = q->limit ? q->limit : LD_SEARCH_LIMIT;
	x->res->total_known = true;
	x->res->rebuilding = ld_store_rejudge_pending(s);
	if ((r = plan(x)) == 0 && (r = ld_rd_txn(LD_RD(s), &x->txn)) == 0) {
		r = ld_store_mdb_err(mdb_cursor_open(x->txn, search_ix_of(s)->sref, &x->ref));
		if (r == 0 && (r = lists_open(x)) == 0)
			r = walk(x);
		if (r == 1) /* a token no case has */
			r = 0;
		for (size_t i = 0; i < x->n; i++)
			if (x->l[i].cur)
				mdb_cursor_close(x->l[i].cur);
		if (x->ref)
			mdb_cursor_close(x->ref);
		ld_rd_txn_end(LD_RD(s), x->txn);
	}
	if (r == 0)
		*ret = x->res;
	else
		ld_search_result_destroy(&x->res);
	free(x);
	return r;
}

void ld_search_result_destroy(ld_search_result_t **r_p)
{
	if (!r_p || !*r_p)
		return;
	free((*r_p)->hits);
	free(*r_p);
	*r_p = NULL;
}

/* common/views/search_index.c: the case search index (layout in search_int.h),
 * kept in the transaction that judges a case: casesum.c calls
 * store_search_update() for every case it judges, whether its summary
 * changed or not. A case's record (v_sdoc) says what it is indexed under,
 * and its postings are derived from the record alone, so an update takes
 * out exactly what the old record put in: a re-referral that changes the
 * title or the parties leaves nothing of the old text behind.
 *
 * Everything indexed is bounded per case (the text comes from other units):
 * the first TITLE_NORM_MAX bytes of the normalised title, PARTIES_MAX
 * parties of PARTY_NORM_MAX bytes each, their credit codes and region
 * codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.pb-c.h"
#include "common/domain/casefile.h"
#include "common/base/errors.h"
#include "common/views/search.h"
#include "common/views/search_int.h"
#include "common/store/store_index.h"
#include "common/feed/kinds.h"

#define TITLE_NORM_MAX 400
#define PARTY_NORM_MAX 200
#define PARTIES_MAX 8
#define CODE_MAX 32

uint64_t search_rank(int64_t ms)
{
	return (uint64_t)ms ^ (1ull << 63);
}

void search_posting(uint8_t p[SEARCH_POSTING_LEN], int64_t referred_ms, const char *case_id)
{
	uint32_t h = 2166136261u;

	for (const char *c = case_id; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	ld_be64_put(p, search_rank(referred_ms));
	ld_be32_put(p + 8, h);
}

int search_doc_decode(const void *v, size_t len, search_doc_t *d)
{
	const char **strs[] = {&d->ref_feed,	&d->referrer, &d->holder,   &d->status,
			       &d->case_status, &d->title,    &d->party,    &d->ntitle,
			       &d->nparties,	&d->codes,    &d->pregions, &d->uregions};
	const uint8_t *p = v, *end = p + len;

	if (len < SEARCH_DOC_HDR || p[0] != SEARCH_DOC_VERSION)
		return -EIO;
	d->referred_ms = (int64_t)ld_be64_get(p + 1);
	d->violation = ld_be32_get(p + 9);
	d->flags = p[13];
	d->ref_seq = ld_be64_get(p + 14);
	p += SEARCH_DOC_HDR;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));

		if (!nul)
			return -EIO;
		*strs[i] = (const char *)p;
		p = nul + 1;
	}
	return p == end ? 0 : -EIO;
}

size_t search_token_key(uint8_t k[SEARCH_TOKEN_MAX], char field, const char *s, size_t n)
{
	if (n > SEARCH_TOKEN_MAX - 1)
		n = SEARCH_TOKEN_MAX - 1;
	k[0] = (uint8_t)field;
	memcpy(k + 1, s, n);
	return n + 1;
}

/* ---- the tokens of a record ---- */

struct tok {
	uint8_t len;
	uint8_t b[SEARCH_TOKEN_MAX];
};

struct toks {
	struct tok *v;
	size_t n, cap;
};

static int toks_add(struct toks *t, char field, const char *s, size_t n)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 128;
		struct tok *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n].len = (uint8_t)search_token_key(t->v[t->n].b, field, s, n);
	t->n++;
	return 0;
}

static int tok_cmp(const void *x, const void *y)
{
	const struct tok *a = x, *b = y;
	int r = memcmp(a->b, b->b, a->len < b->len ? a->len : b->len);

	return r ? r : (int)a->len - (int)b->len;
}

struct tok_field {
	struct toks *t;
	char field;
};

static int tok_cb(void *ud, const char *s, size_t n)
{
	struct tok_field *f = ud;

	return toks_add(f->t, f->field, s, n);
}

/* Call cb for each non-empty line of a '\n'-separated list. */
static int list_each(const char *list, int (*cb)(void *ud, const char *s, size_t n), void *ud)
{
	int r;

	while (*list) {
		size_t n = strcspn(list, "\n");

		if (n && (r = cb(ud, list, n)) != 0)
			return r;
		list += n + (list[n] == '\n');
	}
	return 0;
}

/* Every prefix of a region code from the province (2 digits) down. */
static int region_cb(void *ud, const char *s, size_t n)
{
	int r = 0;

	for (size_t l = 2; l <= n && r == 0; l++)
		r = tok_cb(ud, s, l);
	return r;
}

/* Add the tokens of record d to t, then sort t and drop repeats. */
static int doc_tokens(const search_doc_t *d, struct toks *t)
{
	struct tok_field f = {t, SF_REGION};
	const char *v = ld_violation_name(d->violation);
	int r = toks_add(t, SF_ALL, "", 0);

	if (r == 0)
		r = toks_add(t, SF_STATUS, d->status, strlen(d->status));
	if (r == 0 && d->case_status[0])
		r = toks_add(t, SF_STATUS, d->case_status, strlen(d->case_status));
	if (r == 0 && (d->flags & SEARCH_TRANSFERRED))
		r = toks_add(t, SF_STATUS, "transferred", 11);
	if (r == 0 && (d->flags & SEARCH_DESIGNATED))
		r = toks_add(t, SF_STATUS, "designated", 10);
	if (r == 0 && d->violation && strcmp(v, "unknown") != 0)
		r = toks_add(t, SF_VIOLATION, v, strlen(v));
	if (r == 0)
		r = list_each(d->pregions, region_cb, &f);
	if (r == 0)
		r = list_each(d->uregions, region_cb, &f);
	f.field = SF_CODE;
	if (r == 0)
		r = list_each(d->codes, tok_cb, &f);
	f.field = SF_TITLE;
	if (r == 0)
		r = ld_ngram_index(d->ntitle, strlen(d->ntitle), tok_cb, &f);
	f.field = SF_PARTY;
	if (r == 0)
		r = ld_ngram_index(d->nparties, strlen(d->nparties), tok_cb, &f);
	if (r < 0)
		return r;
	qsort(t->v, t->n, sizeof(*t->v), tok_cmp);
	{
		size_t k = 0;

		for (size_t i = 0; i < t->n; i++)
			if (!k || tok_cmp(&t->v[k - 1], &t->v[i]) != 0)
				t->v[k++] = t->v[i];
		t->n = k;
	}
	return 0;
}

static bool toks_has(const struct toks *t, const struct tok *x)
{
	return t->n && bsearch(x, t->v, t->n, sizeof(*t->v), tok_cmp) != NULL;
}

/* ---- building a record from a judged case ---- */

/* What the record takes from the standing referral's payload. */
struct ppart {
	uint32_t violation;
	char title[256], party[128];
	char ntitle[TITLE_NORM_MAX + 1];
	char nparties[PARTIES_MAX * (PARTY_NORM_MAX + 1) + 1];
	char codes[PARTIES_MAX * (CODE_MAX + 1) + 1];
	char pregions[(PARTIES_MAX + 1) * 7 + 1];
};

/* Append 'item' as a line of list 'l' (cap bytes) unless it is there. */
static void list_add(char *l, size_t cap, const char *item)
{
	size_t n = strlen(item), len = strlen(l);

	for (const char *p = l; *p;) {
		size_t m = strcspn(p, "\n");

		if (m == n && !memcmp(p, item, n))
			return;
		p += m + (p[m] == '\n');
	}
	if (len + (len > 0) + n + 1 <= cap)
		snprintf(l + len, cap - len, "%s%s", len ? "\n" : "", item);
}

/* A GB/T 2260 code is six digits; anything else names no region. */
static bool region_ok(const char *s)
{
	return s && strlen(s) == 6 && strspn(s, "0123456789") == 6;
}

static void code_add(struct ppart *pp, const char *in)
{
	char code[CODE_MAX + 1];
	size_t n = 0;

	if (!in)
		return;
	for (; in[n] && n < CODE_MAX; n++) {
		char ch = in[n];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= 'a' && ch <= 'z')))
			return;
		code[n] = (char)(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
	}
	if (n == 0 || in[n])
		return;
	code[n] = '\0';
	list_add(pp->codes, sizeof(pp->codes), code);
}

static int ppart_load(const ld_rd_t *rd, const ld_case_t *c, struct ppart *pp)
{
	Ld__CaseReferral *m;
	ld_entry_t *e;
	size_t np = 0;
	int r = ld_rd_get(rd, c->referral_feed, c->referral_seq, &e, NULL);

	memset(pp, 0, sizeof(*pp));
	if (r < 0)
		return r;
	/* The judgement opened the case on this very payload. */
	m = e->has_payload ? ld_entry_payload(e, LD__KIND__KIND_CASE_REFERRAL) : NULL;
	ld_entry_destroy(&e);
	if (!m)
		return -EIO;
	pp->violation = m->has_violation ? m->violation : 0;
	if (m->title) {
		ld_ngram_clean(m->title, strlen(m->title), pp->title, sizeof(pp->title));
		ld_ngram_normalize(m->title, strlen(m->title), pp->ntitle, sizeof(pp->ntitle));
	}
	if (m->place && region_ok(m->place->region_code))
		list_add(pp->pregions, sizeof(pp->pregions), m->place->region_code);
	for (size_t i = 0; i < m->n_parties && i < PARTIES_MAX; i++) {
		const Ld__Party *p = m->parties[i];
		char norm[PARTY_NORM_MAX + 1];

		if (p->name && p->name[0]) {
			if (!pp->party[0])
				ld_ngram_clean(p->name, strlen(p->name), pp->party,
					       sizeof(pp->party));
			if (ld_ngram_normalize(p->name, strlen(p->name), norm, sizeof(norm))) {
				size_t len = strlen(pp->nparties);

				snprintf(pp->nparties + len, sizeof(pp->nparties) - len, "%s%s",
					 np++ ? "\n" : "", norm);
			}
		}
		code_add(pp, p->credit_code);
		if (region_ok(p->region_code))
			list_add(pp->pregions, sizeof(pp->pregions), p->region_code);
	}
	ld__case_referral__free_unpacked(m, NULL);
	return 0;
}

struct out {
	uint8_t *b;
	size_t n, cap;
};

static int put_str(struct out *o, const char *s)
{
	size_t l = strlen(s) + 1;

	if (o->n + l > o->cap)
		return -E2BIG;
	memcpy(o->b + o->n, s, l);
	o->n += l;
	return 0;
}

/* The record of judged, opened case c into buf (SEARCH_DOC_MAX bytes).
 * The payload part is taken from 'old' when it names the same referral. */
static int doc_build(const ld_rd_t *rd, const ld_access_t *a, const ld_case_t *c,
		     const search_doc_t *old, uint8_t *buf, size_t *ret_len)
{
	struct out o = {buf, SEARCH_DOC_HDR, SEARCH_DOC_MAX};
	char uregions[2 * 7 + 1] = "";
	const char *units[] = {c->referrer, c->holder};
	struct ppart *pp = calloc(1, sizeof(*pp));
	int64_t referred = 0;
	int r = 0;

	if (!pp)
		return -ENOMEM;
	if (old && !strcmp(old->ref_feed, c->referral_feed) && old->ref_seq == c->referral_seq) {
		pp->violation = old->violation;
		snprintf(pp->title, sizeof(pp->title), "%s", old->title);
		snprintf(pp->party, sizeof(pp->party), "%s", old->party);
		snprintf(pp->ntitle, sizeof(pp->ntitle), "%s", old->ntitle);
		snprintf(pp->nparties, sizeof(pp->nparties), "%s", old->nparties);
		snprintf(pp->codes, sizeof(pp->codes), "%s", old->codes);
		snprintf(pp->pregions, sizeof(pp->pregions), "%s", old->pregions);
	} else if ((r = ppart_load(rd, c, pp)) < 0) {
		free(pp);
		return r;
	}
	/* The case's time, as its summary has it: the first valid referral. */
	for (size_t i = 0; i < c->n_items && !referred; i++)
		if (c->items[i].kind == LD__KIND__KIND_CASE_REFERRAL && !c->items[i].refused)
			referred = c->items[i].time_ms;
	for (size_t i = 0; i < 2; i++) {
		const char *reg = a ? ld_access_region_of(a, units[i]) : NULL;

		if (region_ok(reg))
			list_add(uregions, sizeof(uregions), reg);
	}
	buf[0] = SEARCH_DOC_VERSION;
	ld_be64_put(buf + 1, (uint64_t)referred);
	ld_be32_put(buf + 9, pp->violation);
	buf[13] = (uint8_t)((c->transferred ? SEARCH_TRANSFERRED : 0) |
			    (c->designated ? SEARCH_DESIGNATED : 0));
	ld_be64_put(buf + 14, c->referral_seq);
	{
		const char *strs[] = {
			c->referral_feed, c->referrer, c->holder,    ld_case_state_name(c->state),
			c->case_status,	  pp->title,   pp->party,    pp->ntitle,
			pp->nparties,	  pp->codes,   pp->pregions, uregions};

		for (size_t i = 0; r == 0 && i < sizeof(strs) / sizeof(strs[0]); i++)
			r = put_str(&o, strs[i]);
	}
	free(pp);
	*ret_len = o.n;
	return r;
}

/* ---- applying a change ---- */

/* ---- posting changes, grouped by token ---- */

/* Queued changes are applied at most this many at a time (a reindex queues
 * every posting of every case). */
#define OPS_FLUSH 262144

struct search_op {
	struct tok t;
	bool add;
	uint32_t seq; /* queue order, kept among equal postings */
	uint8_t p[SEARCH_POSTING_LEN];
};

static int op_cmp(const void *x, const void *y)
{
	const struct search_op *a = x, *b = y;
	int r = tok_cmp(&a->t, &b->t);

	if (!r)
		r = memcmp(a->p, b->p, SEARCH_POSTING_LEN);
	return r ? r : a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int op_push(ld_store_t *s, ld_txn_t *txn, const struct tok *t,
		   const uint8_t p[SEARCH_POSTING_LEN], bool add)
{
	struct search_op *o;
	int r;

	if (search_ix_of(s)->n_sops == OPS_FLUSH && (r = store_search_flush(s, txn)) < 0)
		return r;
	if (search_ix_of(s)->n_sops == search_ix_of(s)->cap_sops) {
		size_t cap = search_ix_of(s)->cap_sops ? 2 * search_ix_of(s)->cap_sops : 4096;

		if (!(o = realloc(search_ix_of(s)->sops, cap * sizeof(*o))))
			return ld_txn_fail(txn, -ENOMEM);
		search_ix_of(s)->sops = o;
		search_ix_of(s)->cap_sops = cap;
	}
	o = &search_ix_of(s)->sops[search_ix_of(s)->n_sops];
	o->t = *t;
	o->add = add;
	o->seq = (uint32_t)search_ix_of(s)->n_sops++;
	memcpy(o->p, p, SEARCH_POSTING_LEN);
	return 0;
}

/* Add the n distinct postings 'arr' (ascending) to token t's list. New
 * cases are mostly the newest: their postings go at the end of the list,
 * where LMDB appends them in one call into full pages (MDB_MULTIPLE,
 * MDB_APPENDDUP) instead of splitting pages in half; older ones are put
 * one by one. */
static int adds_apply(ld_txn_t *txn, MDB_cursor *cur, const struct tok *t, uint8_t *arr, size_t n)
{
	MDB_val k = {.mv_size = t->len, .mv_data = (void *)t->b}, v;
	uint8_t last[SEARCH_POSTING_LEN];
	size_t i = 0;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);

	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST_DUP);
	if (rc == 0 && v.mv_size != SEARCH_POSTING_LEN)
		return ld_txn_fail(txn, -EIO);
	if (rc == 0) {
		memcpy(last, v.mv_data, SEARCH_POSTING_LEN);
	} else if (rc == MDB_NOTFOUND) {
		/* A new token: its first posting creates the key. */
		k = (MDB_val){.mv_size = t->len, .mv_data = (void *)t->b};
		v = (MDB_val){.mv_size = SEARCH_POSTING_LEN, .mv_data = arr};
		if (ld_txn_check(txn, mdb_cursor_put(cur, &k, &v, 0)) < 0)
			return ld_txn_err(txn);
		memcpy(last, arr, SEARCH_POSTING_LEN);
		i = 1;
	} else {
		return ld_txn_check(txn, rc);
	}
	for (; i < n && memcmp(arr + i * SEARCH_POSTING_LEN, last, SEARCH_POSTING_LEN) <= 0; i++) {
		k = (MDB_val){.mv_size = t->len, .mv_data = (void *)t->b};
		v = (MDB_val){.mv_size = SEARCH_POSTING_LEN,
			      .mv_data = arr + i * SEARCH_POSTING_LEN};
		if (ld_txn_check(txn, mdb_cursor_put(cur, &k, &v, 0)) < 0)
			return ld_txn_err(txn);
	}
	if (i < n) {
		MDB_val d[2] = {
			{.mv_size = SEARCH_POSTING_LEN, .mv_data = arr + i * SEARCH_POSTING_LEN},
			{.mv_size = n - i}};

		k = (MDB_val){.mv_size = t->len, .mv_data = (void *)t->b};
		rc = mdb_cursor_put(cur, &k, d, MDB_MULTIPLE | MDB_APPENDDUP);
		if (rc == 0 && d[1].mv_size != n - i)
			return ld_txn_fail(txn, -EIO);
		return ld_txn_check(txn, rc);
	}
	return 0;
}

int store_search_flush(ld_store_t *s, ld_txn_t *txn)
{
	uint8_t *arr = NULL;
	size_t n_arr = 0, cap_arr = 0;
	MDB_cursor *cur;
	int r;

	if (!search_ix_of(s)->n_sops || (r = ld_txn_err(txn)) < 0)
		return ld_txn_err(txn);
	qsort(search_ix_of(s)->sops, search_ix_of(s)->n_sops, sizeof(*search_ix_of(s)->sops),
	      op_cmp);
	if ((r = ld_txn_check(txn, mdb_cursor_open(txn->txn, search_ix_of(s)->srch, &cur))) < 0)
		return r;
	for (size_t i = 0; r == 0 && i < search_ix_of(s)->n_sops; i++) {
		const struct search_op *o = &search_ix_of(s)->sops[i];
		bool last_of_token = i + 1 == search_ix_of(s)->n_sops ||
				     tok_cmp(&o->t, &search_ix_of(s)->sops[i + 1].t) != 0;

		if (o->add) {
			if (n_arr == cap_arr) {
				size_t cap = cap_arr ? 2 * cap_arr : 256;
				uint8_t *a = realloc(arr, cap * SEARCH_POSTING_LEN);

				if (!a) {
					r = ld_txn_fail(txn, -ENOMEM);
					break;
				}
				arr = a;
				cap_arr = cap;
			}
			/* The same posting twice (cases sharing one) is one. */
			if (!n_arr || memcmp(arr + (n_arr - 1) * SEARCH_POSTING_LEN, o->p,
					     SEARCH_POSTING_LEN) != 0)
				memcpy(arr + n_arr++ * SEARCH_POSTING_LEN, o->p,
				       SEARCH_POSTING_LEN);
		} else {
			MDB_val k = {.mv_size = o->t.len, .mv_data = (void *)o->t.b};
			MDB_val v = {.mv_size = SEARCH_POSTING_LEN, .mv_data = (void *)o->p};
			int rc;

			/* Adds queued before this delete go first. */
			if (n_arr && (r = adds_apply(txn, cur, &o->t, arr, n_arr)) < 0)
				break;
			n_arr = 0;
			rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH);
			if (rc == 0)
				rc = mdb_cursor_del(cur, 0);
			/* An absent posting is no failure (-ENOENT). */
			if (ld_txn_check(txn, rc) < 0 && rc != MDB_NOTFOUND)
				r = ld_txn_err(txn);
		}
		if (r == 0 && last_of_token && n_arr) {
			r = adds_apply(txn, cur, &o->t, arr, n_arr);
			n_arr = 0;
		}
	}
	mdb_cursor_close(cur);
	free(arr);
	search_ix_of(s)->n_sops = 0;
	/* A reindex grows the queue to OPS_FLUSH: do not keep that. */
	if (search_ix_of(s)->cap_sops > OPS_FLUSH / 4) {
		free(search_ix_of(s)->sops);
		search_ix_of(s)->sops = NULL;
		search_ix_of(s)->cap_sops = 0;
	}
	return r;
}

/* The tokens of the other cases sharing posting p with case_id (almost
 * always none): a posting they also need must stay. */
static int shared_tokens(ld_store_t *s, ld_txn_t *txn, const uint8_t p[SEARCH_POSTING_LEN],
			 const char *case_id, struct toks *t)
{
	MDB_val k = {.mv_size = SEARCH_POSTING_LEN, .mv_data = (void *)p}, v;
	size_t cl = strlen(case_id);
	MDB_cursor *cur;
	size_t n = 0;
	int r, rc;

	if ((r = ld_txn_check(txn, mdb_cursor_open(txn->txn, search_ix_of(s)->sref, &cur))) < 0)
		return r;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	if (rc == 0)
		rc = mdb_cursor_count(cur, &n);
	for (; rc == 0 && n > 1 && r == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		char id[LD_CASE_ID_MAX + 1];
		MDB_val dk, dv;
		search_doc_t d;

		if (v.mv_size > LD_CASE_ID_MAX) {
			r = -EIO;
			break;
		}
		if (v.mv_size == cl && !memcmp(v.mv_data, case_id, cl))
			continue;
		memcpy(id, v.mv_data, v.mv_size);
		id[v.mv_size] = '\0';
		dk = (MDB_val){.mv_size = strlen(id), .mv_data = (void *)(id)};
		if ((r = ld_txn_get(txn, search_ix_of(s)->sdoc, &dk, &dv)) < 0 ||
		    (r = search_doc_decode(dv.mv_data, dv.mv_size, &d)) < 0)
			break;
		/* doc_tokens() sorts and de-duplicates all of t: the union. */
		r = doc_tokens(&d, t);
	}
	if (r == 0 && rc != 0 && rc != MDB_NOTFOUND)
		r = ld_txn_check(txn, rc);
	mdb_cursor_close(cur);
	return r;
}

int store_search_update(ld_store_t *s, ld_txn_t *txn, const char *case_id, const ld_case_t *c,
			const ld_access_t *a)
{
	uint8_t *ob = malloc(2 * SEARCH_DOC_MAX), *nb = ob + SEARCH_DOC_MAX;
	uint8_t op[SEARCH_POSTING_LEN], np[SEARCH_POSTING_LEN];
	struct toks ot = {0}, nt = {0}, keep = {0};
	MDB_val k = (MDB_val){.mv_size = strlen(case_id), .mv_data = (void *)(case_id)}, v;
	size_t ol = 0, nl = 0;
	search_doc_t od, nd;
	bool moved;
	int r;

	if (!ob)
		return ld_txn_fail(txn, -ENOMEM);
	r = ld_txn_get(txn, search_ix_of(s)->sdoc, &k, &v);
	if (r == 0) {
		if (v.mv_size > SEARCH_DOC_MAX ||
		    search_doc_decode(v.mv_data, v.mv_size, &od) < 0) {
			r = -EIO;
			goto out;
		}
		/* LMDB's pointer dies with the next write: keep a copy. */
		memcpy(ob, v.mv_data, v.mv_size);
		ol = v.mv_size;
		search_doc_decode(ob, ol, &od);
	} else if (r != -ENOENT) {
		goto out;
	}
	r = 0;
	if (c && c->opened &&
	    (r = doc_build(&(ld_rd_t){s, txn->txn}, a, c, ol ? &od : NULL, nb, &nl)) < 0)
		goto out;
	if (ol == nl && !memcmp(ob, nb, ol))
		goto out;
	if (nl)
		search_doc_decode(nb, nl, &nd);
	if ((ol && (r = doc_tokens(&od, &ot)) < 0) || (nl && (r = doc_tokens(&nd, &nt)) < 0))
		goto out;
	if (ol)
		search_posting(op, od.referred_ms, case_id);
	if (nl)
		search_posting(np, nd.referred_ms, case_id);
	moved = !ol || !nl || memcmp(op, np, SEARCH_POSTING_LEN) != 0;
	if (ol && (r = shared_tokens(s, txn, op, case_id, &keep)) < 0)
		goto out;
	/* Out with what only the old record had (all of it if the case's
	 * posting moved), in with what only the new one has. */
	for (size_t i = 0; r == 0 && i < ot.n; i++)
		if ((moved || !toks_has(&nt, &ot.v[i])) && !toks_has(&keep, &ot.v[i]))
			r = op_push(s, txn, &ot.v[i], op, false);
	for (size_t i = 0; r == 0 && i < nt.n; i++)
		if (moved || !toks_has(&ot, &nt.v[i]))
			r = op_push(s, txn, &nt.v[i], np, true);
	if (r < 0)
		goto out;
	/* The writes: unchecked, the first failure is txn's error. */
	if (moved) {
		MDB_val pv = (MDB_val){.mv_size = strlen(case_id), .mv_data = (void *)(case_id)};
		MDB_val opk = {.mv_size = SEARCH_POSTING_LEN, .mv_data = op};
		MDB_val npk = {.mv_size = SEARCH_POSTING_LEN, .mv_data = np};

		if (ol)
			ld_txn_del(txn, search_ix_of(s)->sref, &opk, &pv);
		if (nl)
			ld_txn_put(txn, search_ix_of(s)->sref, &npk, &pv, 0);
	}
	v = (MDB_val){.mv_size = nl, .mv_data = nb};
	if (nl)
		ld_txn_put(txn, search_ix_of(s)->sdoc, &k, &v, 0);
	else
		ld_txn_del(txn, search_ix_of(s)->sdoc, &k, NULL);
	r = ld_txn_err(txn);
out:
	free(ot.v);
	free(nt.v);
	free(keep.v);
	free(ob);
	return r;
}

int store_search_drop(ld_store_t *s, ld_txn_t *txn)
{
	ld_txn_drop(txn, search_ix_of(s)->srch);
	ld_txn_drop(txn, search_ix_of(s)->sref);
	return ld_txn_drop(txn, search_ix_of(s)->sdoc);
}

/* --- the index as the store sees it (store_index.h) --- */

struct search_ix *search_ix_of(ld_store_t *s)
{
	return ld_store_indexer(s, "search");
}

static int sx_open(void *ud, ld_store_t *s, ld_txn_t *t)
{
	struct search_ix *x = ud;

	ld_txn_dbi_open(t, "v_srch", MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED, &x->srch);
	ld_txn_dbi_open(t, "v_sref", MDB_CREATE | MDB_DUPSORT, &x->sref);
	return ld_txn_dbi_open(t, "v_sdoc", MDB_CREATE, &x->sdoc);
}

static int sx_apply(void *ud, ld_store_t *s, ld_txn_t *t, const ld_entry_t *e,
		    const ProtobufCMessage *m)
{
	return 0; /* fed by the case summaries as they judge (casesum.c) */
}

static int sx_commit(void *ud, ld_store_t *s, ld_txn_t *t)
{
	return store_search_flush(s, t);
}

static void sx_abort(void *ud)
{
	struct search_ix *x = ud;

	x->n_sops = 0;
}

static int sx_drop(void *ud, ld_store_t *s, ld_txn_t *t)
{
	return store_search_drop(s, t);
}

static size_t sx_dbis(void *ud, MDB_dbi *out, size_t max)
{
	const struct search_ix *x = ud;

	if (max < 3)
		return 0;
	out[0] = x->srch;
	out[1] = x->sref;
	out[2] = x->sdoc;
	return 3;
}

static void sx_free(void *ud)
{
	struct search_ix *x = ud;

	free(x->sops);
	free(x);
}

static const ld_indexer_t search_indexer = {
	.name = "search",
	.open = sx_open,
	.apply = sx_apply,
	.commit = sx_commit,
	.abort = sx_abort,
	.drop = sx_drop,
	.dbis = sx_dbis,
	.free = sx_free,
};

int ld_search_attach(ld_store_t *s)
{
	struct search_ix *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	return ld_store_add_indexer(s, &search_indexer, x);
}

/* common/views/search_int.h: the search index's layout, shared by its writer
 * (search_index.c, in the judging transaction) and its reader (search.c).
 * Not part of the API.
 *
 *   v_srch  (DUPSORT, DUPFIXED) u8 field ++ token -> posting, 12 bytes:
 *           be64 rank ++ be32 FNV-1a of the case id, where rank orders the
 *           first referral time (oldest first: new cases append; queries
 *           walk from the end). Fields: '*' every case (no
 *           token), 't' title n-gram or word, 'p' party name n-gram or word,
 *           'c' credit code, 'g' region code prefix (2-6 digits), 's'
 *           status, 'v' violation name.
 *   v_sref  (DUPSORT) posting -> case id (two cases share a posting only if
 *           referred in the same millisecond with ids of equal hash)
 *   v_sdoc  case id -> what the case is indexed under (search_doc_t):
 *           u8 version | i64 referred | u32 violation | u8 flags | u64
 *           referral seq | 12 NUL-terminated strings, in the order of the
 *           struct below; lists are separated by '\n'.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "common/views/ngram.h"
#include "common/store/store.h"
#include "common/store/txn.h"

#define SEARCH_POSTING_LEN 12
#define SEARCH_TOKEN_MAX (1 + LD_NGRAM_WORD_MAX)
#define SEARCH_DOC_VERSION 1
#define SEARCH_DOC_HDR 22
#define SEARCH_DOC_MAX 4096

#define SEARCH_TRANSFERRED 1u
#define SEARCH_DESIGNATED 2u

enum search_field {
	SF_ALL = '*',
	SF_TITLE = 't',
	SF_PARTY = 'p',
	SF_CODE = 'c',
	SF_REGION = 'g',
	SF_STATUS = 's',
	SF_VIOLATION = 'v',
};

typedef struct search_doc {
	int64_t referred_ms;  /* first valid referral: the case's time */
	uint32_t violation;   /* enum ld.Violation, of the standing referral */
	uint8_t flags;	      /* SEARCH_TRANSFERRED, SEARCH_DESIGNATED */
	uint64_t ref_seq;     /* the standing referral entry ... */
	const char *ref_feed; /* ... (feed, seq) */
	const char *referrer, *holder, *status, *case_status;
	const char *title;    /* as written (cut to 255 bytes) */
	const char *party;    /* first party's name as written (127 bytes) */
	const char *ntitle;   /* title, normalised (ngram.h) */
	const char *nparties; /* parties' names, normalised, '\n' between */
	const char *codes;    /* credit codes, upper case, '\n' between */
	const char *pregions; /* region codes in the referral: place, parties */
	const char *uregions; /* regions of the referring and holding units */
} search_doc_t;

/* Decode a v_sdoc value; the strings point into 'v'. 0 or -EIO. */
int search_doc_decode(const void *v, size_t len, search_doc_t *d);

/* The posting of a case: rank of its time, then a hash of its id. */
void search_posting(uint8_t p[SEARCH_POSTING_LEN], int64_t referred_ms, const char *case_id);

/* The key of a token of 'field' (cut to SEARCH_TOKEN_MAX) into k; its length. */
size_t search_token_key(uint8_t k[SEARCH_TOKEN_MAX], char field, const char *s, size_t n);

/* The rank of a time: byte order is time order. */
uint64_t search_rank(int64_t ms);

/* The index's databases and the posting changes queued in the write
 * transaction (applied grouped by token before it commits). */
struct search_op;
struct search_ix {
	MDB_dbi srch, sref, sdoc;
	struct search_op *sops;
	size_t n_sops, cap_sops;
};

/* The search index registered with store 's' (NULL if none). */
struct search_ix *search_ix_of(ld_store_t *s);

/* Index case 'case_id' for search as judged in 'c' with roster 'a' (c NULL
 * or not opened: take it out of the index), in 'txn' (queued; applied at
 * commit). */
struct ld_case;
struct ld_access;
int store_search_update(ld_store_t *s, ld_txn_t *txn, const char *case_id, const struct ld_case *c,
			const struct ld_access *a);
/* Empty the search index (reindex builds it again as it judges). */
int store_search_drop(ld_store_t *s, ld_txn_t *txn);
/* Apply the posting changes store_search_update() queued, in 'txn'. */
int store_search_flush(ld_store_t *s, ld_txn_t *txn);

/* common/views/search.h: finding cases: by words and characters of the title, by a
 * party's name or unified social credit code, by region, status, violation
 * and the time of the referral.
 *
 * Only cases this node can read are found: a case is indexed when the node
 * holds the payload of the referral that opened it (a province its
 * subtree's, a county what it is party to). The index is derived in the
 * transaction that judges the case (casesum.c), from the referral that
 * currently stands (a re-referral replaces what the earlier one said) and
 * the case's judged state; ld_store_reindex() rebuilds it byte for byte and
 * ld_store_index_digest() covers it. Layout and costs: docs/ARCHITECTURE.md.
 *
 * Matching (every field given must match; text is normalised as in
 * ngram.h, so ASCII letters match in either case):
 *   text         every word and every run of characters of the query occurs
 *                in the title (a run contiguously; a word as a whole word);
 *   party        likewise, in the name of one of the suspected parties;
 *   credit_code  a party's unified social credit code, whole, any case;
 *   region       a prefix (2 to 6 digits) of a GB/T 2260 code of the case:
 *                the place, a party's registration, or the region of the
 *                referring or the holding unit;
 *   status       the judged status (awaiting answer, accepted, rejected,
 *                need-info), the status set by case updates (filed, ...,
 *                closed), or "transferred" / "designated" for a case passed
 *                on that way at some point;
 *   violation    the kind of violation (water, air, ...);
 *   since, until the time of the first referral of the case.
 * Results come newest referral first. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/store/store.h"

#define LD_SEARCH_LIMIT 50 /* results listed when no limit is given */
#define LD_SEARCH_LIMIT_MAX 10000
#define LD_SEARCH_TEXT_MAX 256 /* bytes of a text or party query */

typedef struct ld_search_query {
	const char *text; /* NULL or "": any */
	const char *party;
	const char *credit_code;
	const char *region;
	const char *status;
	const char *violation;
	int64_t since_ms; /* 0: no lower bound */
	int64_t until_ms; /* 0: no upper bound */
	size_t limit;	  /* 0: LD_SEARCH_LIMIT */
} ld_search_query_t;

typedef struct ld_search_hit {
	char case_id[LD_CASE_ID_MAX + 1];
	int64_t referred_ms; /* first referral, author time */
	char referrer[LD_NODE_ID_MAX + 1], holder[LD_NODE_ID_MAX + 1];
	char status[64];      /* judged status */
	char case_status[40]; /* from case updates, or "" */
	uint32_t violation;   /* enum ld.Violation */
	char title[256];
	char party[128]; /* the first suspected party's name, or "" */
} ld_search_hit_t;

typedef struct ld_search_result {
	ld_search_hit_t *hits; /* newest referral first */
	size_t n_hits;
	bool total_known; /* else 'total' is a lower bound */
	uint64_t total;	  /* cases matching, whatever the limit */
	bool rebuilding;  /* the index is being built again (after a
			   * roster change or an upgrade): results may
			   * miss cases until it ends */
} ld_search_result_t;

/* Is the query well formed? 0, or -EINVAL with the offending field's name
 * ("text", "region", ...) in *ret_field and what is wrong, for a person,
 * in *ret_why (static strings). */
int ld_search_check(const ld_search_query_t *q, const char **ret_field, const char **ret_why);

/* Is 's' a status a query may ask for (see above)? */
bool ld_search_status_known(const char *s);

/* Run query 'q' on the store. Caller owns *ret (ld_search_result_destroy).
 * -EINVAL for a query ld_search_check() refuses. */
int ld_search(ld_store_t *s, const ld_search_query_t *q, ld_search_result_t **ret);

/* Register the search index with store 's' (after the case summaries,
 * which feed it). 0 or -errno. */
int ld_search_attach(ld_store_t *s);

/* Free; sets *r_p = NULL. Safe on NULL and twice. */
void ld_search_result_destroy(ld_search_result_t **r_p);

/* common/domain/casefile.h: one case, read from the case index and judged.
 *
 * A case is every entry this node holds that names its id. Reading it applies
 * the rules that need an authority, in a deterministic order (author time,
 * then author, then seq): only the current holder may accept, reject, ask for
 * more or transfer; only a superior of the holder (and of the referring unit)
 * may designate jurisdiction; reject and need-info need a reason. An entry
 * that breaks a rule stays in the timeline (it is signed history) marked
 * refused, with the reason. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/domain/access.h"
#include "common/domain/casetypes.h"
#include "common/store/store.h"

/* A timeline being judged: items with their entries, sorted in judged order
 * (author time, author, seq). Used by cases and joint actions alike. */
typedef struct ld_timeline {
	ld_case_item_t *items;
	ld_entry_t **entries; /* entries[i] belongs to items[i]; owned */
	size_t n;
	const ld_entry_t *cand; /* the candidate (not owned), or NULL */
} ld_timeline_t;

/* Collect every entry 'foreach' lists for 'id', and 'cand' if not NULL
 * (an entry not stored, borrowed: t->entries holds it but does not own
 * it), and sort them. 0, -ENOENT when there is none, or -errno. Free with
 * ld_timeline_free(). */
int ld_timeline_load(const ld_rd_t *rd,
		     int (*foreach)(const ld_rd_t *rd, const char *id,
				    int (*cb)(void *ud, const char *feed, uint64_t seq,
					      uint32_t kind),
				    void *ud),
		     const char *id, const ld_entry_t *cand, ld_timeline_t *t);

/* Free the entries and arrays; *t is left empty. */
void ld_timeline_free(ld_timeline_t *t);

/* Load and judge case 'case_id' from 's' with the roster snapshot 'a'.
 * -ENOENT if this node holds no entry naming it, -EINVAL for a malformed id.
 * Caller owns *ret (ld_case_destroy). */
int ld_case_load(ld_store_t *s, const ld_access_t *a, const char *case_id, ld_case_t **ret);
/* The same, every read through reader 'rd' (store.h): one state, or the
 * write transaction a derived index judges in. */
int ld_case_load_rd(const ld_rd_t *rd, const ld_access_t *a, const char *case_id, ld_case_t **ret);

/* Free; sets *c_p = NULL. Safe on NULL and twice. */
void ld_case_destroy(ld_case_t **c_p);

/* Would the case rules accept entry 'cand' (not stored: e.g. one this node
 * is about to sign) if it were added to case 'case_id' as held through
 * 'rd'? It is judged with everything held, in judged order, by the same
 * code as ld_case_load. 0 if accepted; LD_EREFUSED with the rule it breaks
 * in 'why' (size n); -errno on failure. 'cand' is borrowed. */
int ld_case_check(const ld_rd_t *rd, const ld_access_t *a, const char *case_id,
		  const ld_entry_t *cand, char *why, size_t n);

/* One-line summary of an Escalation entry into it->summary; the node it
 * names as responsible into 'responsible' (LD_NODE_ID_MAX + 1), or "". */
void ld_escalation_summary(ld_case_item_t *it, const ld_entry_t *e, char *responsible);

/* Names for the payload enums, for people ("water", "accept", ...). */
const char *ld_violation_name(uint32_t v);
const char *ld_case_status_name(uint32_t s);
const char *ld_stage_name(uint32_t s);
const char *ld_outcome_name(uint32_t o);
const char *ld_decision_name(uint32_t d);

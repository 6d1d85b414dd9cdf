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
#include "common/domain/funds.h"
#include "common/store/store.h"

typedef struct ld_case_item {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	uint32_t kind;	 /* enum ld.Kind */
	int64_t time_ms; /* author time */
	int64_t recv_ms; /* when this node stored it */
	uint8_t id[LD_ID_LEN];
	char summary[512]; /* one line for a person */
	bool refused;
	char reason[320]; /* why it was refused */
	bool hidden;	  /* held redacted: its content is not visible here */
} ld_case_item_t;

#define LD_CHECKPOINTS_MAX 32
#define LD_ASSESSMENTS_MAX 16

/* A stage-report checkpoint set by a case update. */
typedef struct ld_checkpoint {
	int64_t due_ms;
	char description[160];
	int64_t reported_ms; /* first stage report for it, 0 = none */
	bool dropped;
} ld_checkpoint_t;

/* A follow-up assessment (跟踪评估) at one of the four points. */
typedef struct ld_assessment {
	uint32_t stage;	  /* enum ld.AssessmentStage */
	uint32_t outcome; /* enum ld.AssessmentOutcome */
	char assessor[LD_NODE_ID_MAX + 1];
	int64_t time_ms;
} ld_assessment_t;

/* Where a case stands, as judged (the names are the API's and the view's
 * text: ld_case_state_name). */
enum ld_case_state {
	LD_CASE_NOT_REFERRED = 0, /* no valid referral held */
	LD_CASE_AWAITING,	  /* the holder must answer */
	LD_CASE_ACCEPTED,
	LD_CASE_REJECTED,
	LD_CASE_NEED_INFO, /* the referrer must supplement */
};
#define LD_CASE_STATES 5

/* "not referred", "awaiting answer", "accepted", "rejected", "need-info";
 * "unknown" for a value out of range. */
const char *ld_case_state_name(enum ld_case_state s);
/* The state named 'name', or -EINVAL. */
int ld_case_state_parse(const char *name);

typedef struct ld_case {
	char case_id[LD_CASE_ID_MAX + 1];
	bool opened;			   /* a referral by the owner is held */
	char referrer[LD_NODE_ID_MAX + 1]; /* unit that opened the case */
	char holder[LD_NODE_ID_MAX + 1];   /* unit that must answer / handles it */
	char title[256];
	enum ld_case_state state;
	int64_t answer_by_ms;
	char referral_feed[LD_NODE_ID_MAX + 1]; /* the opening referral entry */
	uint64_t referral_seq;
	int64_t referral_ms; /* its author time */
	uint8_t referral_id[LD_ID_LEN];
	bool transferred, designated; /* passed on by a valid transfer / designation */
	/* Remediation supervision, from case updates. */
	char case_status[40]; /* "" until an update sets it */
	int64_t remediation_due_ms;
	ld_checkpoint_t checkpoints[LD_CHECKPOINTS_MAX];
	size_t n_checkpoints;
	ld_assessment_t assessments[LD_ASSESSMENTS_MAX];
	size_t n_assessments;
	/* Substitute performance and remediation funds (funds.h). */
	ld_funds_t funds;
	ld_case_item_t *items; /* timeline, in judged order */
	size_t n_items;
} ld_case_t;

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

/* Cut a string truncated by snprintf back to a whole UTF-8 character (titles
 * and summaries are mostly Chinese). */
void ld_utf8_trim(char *s);

/* Names for the payload enums, for people ("water", "accept", ...). */
const char *ld_violation_name(uint32_t v);
const char *ld_case_status_name(uint32_t s);
const char *ld_stage_name(uint32_t s);
const char *ld_outcome_name(uint32_t o);
const char *ld_decision_name(uint32_t d);

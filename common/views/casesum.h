/* common/views/casesum.h: judged summaries of cases and joint actions, kept in the
 * transaction that stores the entries they come from, so the command view
 * and the escalation watcher never judge every case.
 *
 * For every opened case: a summary (who referred it to whom, its status,
 * deadlines, title), due-index keys (overdue answers by deadline, referrals
 * awaiting an answer by age, the rest by referral time, open stage-report
 * checkpoints and substitute-performance orders not accepted by due date)
 * and per-unit counters (referrals out and in,
 * awaiting, answered, and a histogram of answer times). For every
 * dispatched joint action: whether it is active, by dispatch time.
 *
 * Each summary is the judgement of the case's entries (ld_case_load) under
 * the roster, so it is a pure function of the entries held: a case is judged
 * again whenever an entry naming it is stored, and every case is judged again
 * after a roster change (in steps, see ld_store_rejudge). Counters are
 * per unit, not per region: regions come from the roster when the view is
 * read, so a unit moving region needs no rewrite. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/domain/casefile.h"
#include "common/store/store.h"

typedef struct ld_case_sum {
	char case_id[LD_CASE_ID_MAX + 1];
	char referrer[LD_NODE_ID_MAX + 1], holder[LD_NODE_ID_MAX + 1];
	enum ld_case_state state; /* as judged (stored by name) */
	char case_status[40];	  /* remediation status from updates, or "" */
	char title[128];
	bool awaiting;	      /* state is LD_CASE_AWAITING */
	int64_t referred_ms;  /* first valid referral, author time */
	int64_t answer_by_ms; /* 0 = none */
	int64_t answered_ms;  /* first valid answer after it, 0 = none */
} ld_case_sum_t;

/* The summary of case 'case_id': 0, or -ENOENT if no opened case. */
int ld_case_sum_get(ld_store_t *s, const char *case_id, ld_case_sum_t *ret);
int ld_rd_case_sum_get(const ld_rd_t *rd, const char *case_id, ld_case_sum_t *ret);

enum ld_due_class {
	LD_DUE_ANSWER_BY = 0,	  /* awaiting, with an answer-by date: by that date */
	LD_DUE_AWAITING = 1,	  /* every case awaiting an answer: by referral time */
	LD_DUE_OTHER = 2,	  /* every other opened case: by referral time */
	LD_DUE_CHECKPOINT = 3,	  /* every open stage-report checkpoint: by due date */
	LD_DUE_ACTION_ACTIVE = 4, /* joint actions someone still works on: by dispatch */
	LD_DUE_ACTION_DONE = 5,	  /* joint actions all completed or declined: by dispatch */
	LD_DUE_SUBSTITUTE = 6,	  /* substitute-performance orders not accepted: by deadline */
};

/* Call cb for the keys of 'cls' in time order (newest first if 'reverse'),
 * with the time, the case (or action), its holder (or dispatcher) and
 * (checkpoints, orders) the checkpoint or order number, else -1. Stops and returns cb's value when
 * it is non-zero.
 */
int ld_store_foreach_due(ld_store_t *s, enum ld_due_class cls, bool reverse,
			 int (*cb)(void *ud, int64_t t, const char *case_id, const char *holder,
				   int checkpoint),
			 void *ud);
int ld_rd_foreach_due(const ld_rd_t *rd, enum ld_due_class cls, bool reverse,
		      int (*cb)(void *ud, int64_t t, const char *case_id, const char *holder,
				int checkpoint),
		      void *ud);

#define LD_ANSWER_BUCKETS 512

/* The bucket of an answer time (16 per doubling from one second), and the
 * time a bucket stands for (its geometric middle: within 2.2 %). */
/* Register the summaries (and their judging) with store 's', after the
 * threads index they read. 0 or -errno. */
int ld_summaries_attach(ld_store_t *s);

/* The readers above come in two forms: on the store (each read its own
 * transaction) and through a reader 'rd' (store.h: one state for many). */
unsigned ld_answer_bucket(int64_t ms);
int64_t ld_answer_bucket_ms(unsigned b);

typedef struct ld_unit_counts {
	char node[LD_NODE_ID_MAX + 1];
	uint32_t out, in, awaiting, answered;
	uint32_t hist[LD_ANSWER_BUCKETS]; /* answered cases by answer time */
} ld_unit_counts_t;

/* Call cb for the counters of every unit that referred or holds a case. */
int ld_store_foreach_unit_counts(ld_store_t *s, int (*cb)(void *ud, const ld_unit_counts_t *c),
				 void *ud);
int ld_rd_foreach_unit_counts(const ld_rd_t *rd, int (*cb)(void *ud, const ld_unit_counts_t *c),
			      void *ud);

/* After a roster change every summary is judged again, up to 'max' cases
 * and actions per call (the daemon calls it when idle; small stores finish
 * inside the transaction that changed the roster). *ret_done (may be NULL)
 * receives how many were judged; 0 means nothing is pending. */
int ld_store_rejudge(ld_store_t *s, size_t max, size_t *ret_done);

/* Is a re-judgement after a roster change still pending? */
bool ld_store_rejudge_pending(ld_store_t *s);
bool ld_rd_rejudge_pending(const ld_rd_t *rd);

/* common/views/cmdview.h: the unified command view: what a duty officer needs on
 * one screen, built from the judged cases and joint actions a node holds
 * (a province holds its subtree's payloads, a county what it is party to;
 * payloads a node may not read are not there to show).
 *
 * It reads the summaries, due indexes and per-unit counters kept at ingest
 * (casesum.h), never judging every case: its cost grows with the number of
 * items listed, overdue answers, units and active joint actions, not with
 * the number of cases held (see docs/BENCHMARKS.md). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/domain/access.h"
#include "common/domain/action.h"
#include "common/domain/casefile.h"
#include "common/views/casesum.h"

typedef struct ld_view_filter {
	const char *region; /* prefix of a party's region code, or NULL */
	const char *status; /* case status or "active"/"done" for actions, or NULL */
	int kind;	    /* 0 all, 1 cases only, 2 actions only */
	int64_t since_ms;   /* only items dispatched/referred since, 0 = all */
	size_t limit;	    /* cases and finished actions listed at most;
			     * 0 = LD_VIEW_LIMIT, SIZE_MAX = all */
} ld_view_filter_t;

#define LD_VIEW_LIMIT 50

typedef struct ld_view_case {
	char case_id[LD_CASE_ID_MAX + 1];
	char title[128];
	char referrer[LD_NODE_ID_MAX + 1], holder[LD_NODE_ID_MAX + 1];
	enum ld_case_state state;
	int64_t referred_ms, answer_by_ms, answered_ms; /* answered_ms: first valid answer */
	bool overdue;					/* awaiting past answer_by */
} ld_view_case_t;

typedef struct ld_view_region {
	char region[16];
	unsigned referrals_out, referrals_in, awaiting, overdue, answered;
	int64_t median_answer_ms; /* -1 if none answered; within 2.2 % */
	uint32_t hist[LD_ANSWER_BUCKETS];
} ld_view_region_t;

typedef struct ld_view {
	int64_t now_ms;
	ld_view_case_t *cases;
	size_t n_cases;
	ld_action_t **actions; /* judged actions, owned */
	size_t n_actions;
	ld_view_region_t *regions;
	size_t n_regions;
	/* Over every case held, whatever the filters. */
	uint64_t cases_total, cases_awaiting, cases_overdue;
	bool rejudging; /* summaries being judged again (roster change) */
} ld_view_t;

/* Build the view at 'now_ms'. Caller owns *ret (ld_view_destroy). */
int ld_view_build(ld_store_t *s, const ld_access_t *a, int64_t now_ms, const ld_view_filter_t *f,
		  ld_view_t **ret);

void ld_view_destroy(ld_view_t **v_p);

/* Participants of an action known not to have acknowledged yet (not
 * those whose state is not visible here). */
size_t ld_action_unacknowledged(const ld_action_t *a);

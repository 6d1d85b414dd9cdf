/* common/domain/casetypes.h: what a judged case is made of (its items, its
 * checkpoints and assessments, its state), apart from the functions that
 * read and judge it (casefile.h), so that the parts of the judgement kept in
 * their own files (funds.c) see the case without seeing back up into the
 * file that calls them. Types only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/domain/funds.h"

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

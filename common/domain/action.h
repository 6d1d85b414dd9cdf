/* common/domain/action.h: one joint action (联合执法/应急联动), read from the action
 * index and judged: the dispatch by the action id's owner, then each
 * participant's answers in (author time, author, seq) order. Only listed
 * participants may answer; declining needs a reason, completing needs
 * findings; nothing follows a decline or a completion. Answers that break a
 * rule stay in the timeline, marked refused. A participant that has not
 * acknowledged by the deadline is overdue (judged against 'now').
 *
 * Never a guess: when this node holds, redacted, an answer by a participant
 * that may belong to this action (dated from the dispatch on, addressed to
 * nobody but the action's dispatcher and participants, and not after its
 * final answer), that participant's state is not visible here: it is not
 * judged overdue, and the answer is listed in the timeline as not visible. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/domain/access.h"
#include "common/domain/casefile.h"
#include "common/store/store.h"

#define LD_ACTION_PARTICIPANTS_MAX 64

enum ld_part_state {
	LD_PART_NONE = 0, /* nothing heard yet */
	LD_PART_ACKNOWLEDGED,
	LD_PART_ACCEPTED,
	LD_PART_DECLINED,
	LD_PART_ON_SITE,
	LD_PART_PROGRESS,
	LD_PART_COMPLETED,
};

typedef struct ld_participant {
	char node[LD_NODE_ID_MAX + 1];
	uint32_t role; /* enum ld.ParticipantRole */
	enum ld_part_state state;
	int64_t state_ms;   /* author time of the answer that set it */
	int64_t ack_ms;	    /* first acknowledgement (any answer), 0 = none */
	bool overdue;	    /* not acknowledged by the deadline */
	bool escalated;	    /* a command centre escalated it */
	bool hidden;	    /* an answer of it is held here redacted:
			     * its state is not visible here */
	uint64_t state_seq; /* seq of the answer that set 'state' */
} ld_participant_t;

typedef struct ld_action {
	char action_id[LD_CASE_ID_MAX + 1];
	bool dispatched;
	char dispatcher[LD_NODE_ID_MAX + 1];
	uint32_t kind, priority; /* enums ld.ActionKind, ld.Priority */
	char title[256];
	int64_t ack_by_ms, window_start_ms, window_end_ms;
	/* The accepted dispatch entry (not simply the first in the timeline:
	 * a refused, backdated entry may sort before it). */
	char dispatch_feed[LD_NODE_ID_MAX + 1];
	uint64_t dispatch_seq;
	uint8_t dispatch_id[LD_ID_LEN];
	int64_t dispatch_ms;
	ld_participant_t parts[LD_ACTION_PARTICIPANTS_MAX];
	size_t n_parts;
	ld_case_item_t *items;
	size_t n_items;
} ld_action_t;

/* Load and judge action 'action_id' with the roster snapshot 'a'; overdue is
 * judged at 'now_ms'. -ENOENT if nothing of it is held, -EINVAL for a
 * malformed id. Caller owns *ret. */
int ld_action_load(ld_store_t *s, const ld_access_t *a, const char *action_id, int64_t now_ms,
		   ld_action_t **ret);
/* The same, every read through reader 'rd' (store.h). */
int ld_action_load_rd(const ld_rd_t *rd, const ld_access_t *a, const char *action_id,
		      int64_t now_ms, ld_action_t **ret);

/* Free; sets *a_p = NULL. Safe on NULL and twice. */
void ld_action_destroy(ld_action_t **a_p);

/* Would the action rules accept entry 'cand' (not stored) added to action
 * 'action_id'? As ld_case_check(): 0, LD_EREFUSED with the rule in 'why',
 * or -errno. */
int ld_action_check(const ld_rd_t *rd, const ld_access_t *acc, const char *action_id,
		    const ld_entry_t *cand, char *why, size_t n);

const char *ld_part_state_name(enum ld_part_state s);
/* The state to show for p: "not visible here" when hidden. */
const char *ld_participant_state(const ld_participant_t *p);
const char *ld_priority_name(uint32_t p);
const char *ld_action_kind_name(uint32_t k);
const char *ld_role_name(uint32_t r);

/* An action is active until every participant has completed or declined. */
bool ld_action_active(const ld_action_t *a);

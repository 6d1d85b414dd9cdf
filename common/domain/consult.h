/* common/domain/consult.h: one consultation (会商: remote consultation,
 * joint consultation on a major case), read from the consultation index and
 * judged in (author time, author, seq) order:
 *
 *   convening   only by the unit that owns the consultation id, once, with
 *               1 to 64 participants and a time;
 *   answers     only by listed participants: attend or decline (a reason),
 *               until the minutes are recorded; an opinion (text) until
 *               then too, not after declining; the convener may give
 *               opinions as well;
 *   minutes     only by the convener, after convening, with text; tasks
 *               owned by the convener or a participant, each with a
 *               deadline; recording them again replaces the earlier
 *               minutes and their signatures;
 *   signatures  by every participant that is neither an observer nor
 *               declined, naming the minutes in force: a confirmation, or
 *               an objection with a reason; once per minutes;
 *   tasks done  by the task's owner, naming the minutes in force, with a
 *               report; once;
 *   escalation  of a follow-up task, only by a superior of its owner.
 *
 * Entries that break a rule stay in the timeline, marked refused. A task
 * not done by its deadline (or done after it) is overdue, judged at 'now'.
 * A consultation names experts and liaison persons by reference (unit and
 * person id in the unit's directory): their personal data never enters
 * the record. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/domain/access.h"
#include "common/domain/casefile.h"
#include "common/store/store.h"

#define LD_CONSULT_PARTS_MAX 64
#define LD_CONSULT_TASKS_MAX 32
#define LD_CONSULT_PERSONS_MAX 32
#define LD_CONSULT_CASES_MAX 16

enum ld_consult_state {
	LD_CONSULT_NOT_CONVENED = 0, /* answers held, no valid convening */
	LD_CONSULT_CONVENED,	     /* convened, no minutes yet */
	LD_CONSULT_MINUTED,	     /* minutes recorded, signatures missing */
	LD_CONSULT_SIGNED,	     /* every signer confirmed or objected */
};

enum ld_attendance {
	LD_ATTEND_NONE = 0, /* not answered */
	LD_ATTEND_YES,
	LD_ATTEND_DECLINED,
};

enum ld_signoff {
	LD_SIGN_NONE = 0, /* has not signed the minutes in force */
	LD_SIGN_CONFIRMED,
	LD_SIGN_OBJECTED,
	LD_SIGN_NOT_ASKED, /* observer or declined: signs nothing */
};

typedef struct ld_consult_part {
	char node[LD_NODE_ID_MAX + 1];
	uint32_t role; /* enum ld.ConsultRole */
	enum ld_attendance attend;
	int64_t attend_ms;
	unsigned opinions; /* opinions recorded */
	enum ld_signoff sign;
	int64_t sign_ms;
} ld_consult_part_t;

typedef struct ld_consult_task {
	char description[256];
	char owner[LD_NODE_ID_MAX + 1];
	char case_id[LD_CASE_ID_MAX + 1];
	int64_t due_ms;
	int64_t done_ms; /* 0 = not done */
	bool overdue;	 /* not done by the deadline */
	bool escalated;	 /* a superior of the owner escalated it */
} ld_consult_task_t;

typedef struct ld_person_ref {
	char unit[LD_NODE_ID_MAX + 1];
	char person_id[LD_NODE_ID_MAX + 1];
} ld_person_ref_t;

typedef struct ld_entry_pos {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	uint8_t id[LD_ID_LEN];
	int64_t time_ms;
} ld_entry_pos_t;

typedef struct ld_consult {
	char consult_id[LD_CASE_ID_MAX + 1];
	enum ld_consult_state state;
	bool convened;
	char convener[LD_NODE_ID_MAX + 1];
	uint32_t kind; /* enum ld.ConsultKind */
	char title[256];
	int64_t start_ms, end_ms;
	ld_entry_pos_t convene; /* the accepted convening */
	bool minuted;
	ld_entry_pos_t minutes;	  /* the minutes in force */
	unsigned minutes_version; /* 1 for the first minutes recorded */
	char cases[LD_CONSULT_CASES_MAX][LD_CASE_ID_MAX + 1];
	size_t n_cases;
	ld_consult_part_t parts[LD_CONSULT_PARTS_MAX];
	size_t n_parts;
	ld_consult_task_t tasks[LD_CONSULT_TASKS_MAX];
	size_t n_tasks;
	ld_person_ref_t experts[LD_CONSULT_PERSONS_MAX], liaisons[LD_CONSULT_PERSONS_MAX];
	size_t n_experts, n_liaisons;
	ld_case_item_t *items;
	size_t n_items;
} ld_consult_t;

/* Load and judge consultation 'consult_id' with roster snapshot 'a';
 * overdue tasks are judged at 'now_ms'. -ENOENT if nothing of it is held,
 * -EINVAL for a malformed id. Caller owns *ret (ld_consult_destroy). */
int ld_consult_load_rd(const ld_rd_t *rd, const ld_access_t *a, const char *consult_id,
		       int64_t now_ms, ld_consult_t **ret);
int ld_consult_load(ld_store_t *s, const ld_access_t *a, const char *consult_id, int64_t now_ms,
		    ld_consult_t **ret);

/* Free; sets *c_p = NULL. Safe on NULL and twice. */
void ld_consult_destroy(ld_consult_t **c_p);

/* Would the consultation rules accept entry 'cand' (not stored)? As
 * ld_case_check(): 0, LD_EREFUSED with the rule in 'why', or -errno
 * (-ENOENT: nothing of it held). */
int ld_consult_check(const ld_rd_t *rd, const ld_access_t *acc, const char *consult_id,
		     const ld_entry_t *cand, char *why, size_t n);

/* Names for people (English; the tool translates them). */
const char *ld_consult_state_name(enum ld_consult_state s);
const char *ld_attendance_name(enum ld_attendance a);
const char *ld_signoff_name(enum ld_signoff s);
const char *ld_consult_kind_name(uint32_t k);
const char *ld_consult_role_name(uint32_t r);

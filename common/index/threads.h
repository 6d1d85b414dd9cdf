/* common/index/threads.h: the entries of each case and joint action, and the
 * grants and escalations among them.
 *
 * A derived index (store_index.h). For every entry whose payload names a
 * case (referrals, responses, case updates, escalations, evidence records,
 * attestations, custody transfers, dispatches' related cases) or an action
 * (dispatches, answers, escalations):
 *
 *   v_case    case id \0 author \0 be64 seq -> be32 kind
 *   v_action  action id \0 author \0 be64 seq -> be32 kind
 *   v_grant   case id \0 grantee \0 grantor -> "1" (transfers, designations)
 *   v_esc     thread id \0 responsible \0 be32 what be64 deadline \0 author -> "1"
 *   v_consult consultation id \0 author \0 be64 seq -> be32 kind (convenings,
 *             answers, minutes, escalations of follow-up tasks; a convening
 *             also goes under each case it names, in v_case)
 *
 * Keys and values depend only on signed content, never on arrival order or
 * receive time, so the index is a pure function of the entries held and
 * ld_store_reindex() rebuilds it byte for byte. Rules that need an authority
 * (only the addressee may accept) are judged when a case is read, since a
 * response may well arrive before the referral it answers.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/store/store.h"

/* Register the index with store 's'. 0 or -errno. */
int ld_threads_attach(ld_store_t *s);

/* Call cb for every entry this store holds (with its payload) that names
 * case 'case_id', in (author, seq) order. -EINVAL for a malformed id. */
int ld_store_foreach_case_entry(ld_store_t *s, const char *case_id,
				int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
				void *ud);

/* Call cb for every dispatch, answer and escalation this store holds (with
 * payload) for joint action 'action_id'. */
int ld_store_foreach_action_entry(ld_store_t *s, const char *action_id,
				  int (*cb)(void *ud, const char *feed, uint64_t seq,
					    uint32_t kind),
				  void *ud);

/* The same two through reader 'rd' (store.h). */
int ld_rd_foreach_case_entry(const ld_rd_t *rd, const char *case_id,
			     int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
			     void *ud);
int ld_rd_foreach_action_entry(const ld_rd_t *rd, const char *action_id,
			       int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
			       void *ud);

/* Call cb for every entry this store holds (with payload) that names
 * consultation 'consult_id' (convening, answers, minutes, escalations). */
int ld_rd_foreach_consult_entry(const ld_rd_t *rd, const char *consult_id,
				int (*cb)(void *ud, const char *feed, uint64_t seq, uint32_t kind),
				void *ud);

/* Call cb once for every consultation id indexed, in id order. */
int ld_threads_foreach_consult_id(const ld_rd_t *rd, int (*cb)(void *ud, const char *id), void *ud);

/* Call cb with every unit that has transferred or designated case 'case_id'
 * to 'grantee' (the caller decides whether that unit could grant what is
 * asked). Stops and returns cb's value if non-zero. */
int ld_store_foreach_case_grant(ld_store_t *s, const char *case_id, const char *grantee,
				int (*cb)(void *ud, const char *grantor), void *ud);
int ld_rd_foreach_case_grant(const ld_rd_t *rd, const char *case_id, const char *grantee,
			     int (*cb)(void *ud, const char *grantor), void *ud);

/* Call cb once for every case id (cases = true) or action id the store has
 * indexed, in id order, from the first after 'after' (NULL or "": from the
 * start), through reader 'rd'. Stops and returns cb's value if non-zero. */
int ld_threads_foreach_id(const ld_rd_t *rd, bool cases, const char *after,
			  int (*cb)(void *ud, const char *id), void *ud);
int ld_store_foreach_thread_id(ld_store_t *s, bool cases, int (*cb)(void *ud, const char *id),
			       void *ud);

/* The escalation index's code for 'what' (enum ld.Overdue) and, for stage
 * reports, the checkpoint number (-1: none). */
uint32_t ld_escalation_code(uint32_t what, int checkpoint);

/* Has 'author' already escalated 'responsible' for 'what' (a code from
 * ld_escalation_code) with this deadline on case or action 'thread_id'?
 * 0 if so, -ENOENT if not. */
int ld_store_escalated(ld_store_t *s, const char *thread_id, const char *responsible, uint32_t what,
		       int64_t deadline_ms, const char *author);

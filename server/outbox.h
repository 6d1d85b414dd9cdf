/* server/outbox.h: what is to be done after a durable commit.
 *
 * A module that commits (the ingest round, API appends, the escalation
 * watcher) does not call back up into the loop: it queues here what the
 * commit calls for, and the loop (node.c) does it once per turn, in this
 * order: re-read the roster if the root's feed moved (a new member may read
 * what is announced next, a revoked one is cut off first), announce the
 * heads that moved (Have to every link) and answer the API waiters they
 * satisfy, then ask links for the history of cases passed to this node.
 * Owns copies of the names queued.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct ld_outbox ld_outbox_t;

/* A new, empty outbox. Caller owns *ret. 0 or -ENOMEM. */
int ld_outbox_new(ld_outbox_t **ret);

/* Free; sets *o_p = NULL. Safe on NULL and twice. */
void ld_outbox_destroy(ld_outbox_t **o_p);

/* The head of 'feed' moved: announce it, answer waiters (once per feed per
 * turn, however often queued). 0 or -ENOMEM. */
int ld_outbox_announce(ld_outbox_t *o, const char *feed);

/* The root's feed moved: the roster may have changed. */
void ld_outbox_roster(ld_outbox_t *o);

/* Case 'case_id' was passed to this node: ask links for its history. 0 or
 * -ENOMEM. */
int ld_outbox_history(ld_outbox_t *o, const char *case_id);

/* Is anything queued? (Then the loop turns again without sleeping.) */
bool ld_outbox_pending(const ld_outbox_t *o);

/* What is queued, for the loop to do. Pointers are valid until
 * ld_outbox_clear(). */
bool ld_outbox_roster_changed(const ld_outbox_t *o);
size_t ld_outbox_feeds(const ld_outbox_t *o, const char *const **ret_feeds);
size_t ld_outbox_cases(const ld_outbox_t *o, const char *const **ret_cases);

/* Forget everything queued (after the loop did it). */
void ld_outbox_clear(ld_outbox_t *o);

/* server/history.h: a case's earlier history for the unit it was passed to
 * (wire.proto CaseHistory, CaseEntries); see history.c. */
#pragma once

#include <stdint.h>

#include "common/store/store.h"
#include "server/peer.h"

#define LD_MAX_HISTORY 64

/* A case passed to this node whose earlier history it asks its links for. */
typedef struct history_want {
	char case_id[LD_CASE_ID_MAX + 1];
	int64_t next_at; /* monotonic: ask (again) then */
	int asks;
} history_want_t;

/* Ask every link for case 'case_id's history now (and a few times more). */
void ld_history_want(ld_node_t *n, const char *case_id);

/* Ask again where due ('now' is ld_mono_ms()); forget requests asked often
 * enough. */
void ld_history_tick(ld_node_t *n, int64_t now);

/* When ld_history_tick() next has something to do (INT64_MAX: never). */
int64_t ld_history_next_due(const ld_node_t *n);

/* Frame handlers (frame.c's table): answer a peer's CaseHistory with the
 * entries it may have; fill in the payloads of held redacted entries from a
 * CaseEntries answer to what we asked. */
void ld_history_on_request(ld_node_t *n, link_t *l, const Ld__Frame *f);
void ld_history_on_entries(ld_node_t *n, link_t *l, const Ld__Frame *f);

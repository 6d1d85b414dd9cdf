/* server/escalate.h: a command centre's deadline watcher; see escalate.c. */
#pragma once

#include <stdint.h>

typedef struct ld_node ld_node_t;

/* Every [escalation] interval_s of the monotonic clock ('now' is
 * ld_mono_ms()), judge the deadlines of this node's subtree against the
 * wall clock and sign one Escalation per missed deadline, once. */
void ld_escalate_tick(ld_node_t *n, int64_t now);

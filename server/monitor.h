/* server/monitor.h: the early-warning signer; see monitor.c. */
#pragma once

#include <stdint.h>

typedef struct ld_node ld_node_t;

/* Every second of the monotonic clock ('mono' is ld_mono_ms()): sign one
 * MonitorWarning for each episode of a station this node runs that wants
 * one (common/views/monitor.h), addressed to the units upstream and
 * downstream and those the station names; their command centres read it as
 * superiors. */
void ld_monitor_tick(ld_node_t *n, int64_t mono);

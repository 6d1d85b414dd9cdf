/* client/web/metrics.h: /metrics in the Prometheus text format (0.0.4),
 * from the daemon's status and command view (read-only API). Names start
 * with liandong_; what each one is, in its HELP line. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "api.pb-c.h"

/* The metrics text (caller frees). 'st' and 'v' may be NULL when the daemon
 * did not answer (then liandong_up is 0 and only the web server's own
 * metrics follow). 'web_started_ms': when this liandong-web started. NULL if
 * out of memory. */
char *metrics_text(const Ld__ApiStatus *st, const Ld__ApiView *v, int64_t web_started_ms);

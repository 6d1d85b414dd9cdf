/* server/clock.h: the daemon's clock for timers.
 *
 * Every timer, timeout and backoff of the daemon (peer silence, pull
 * timeouts and backoff, redials, evidence transfer stalls, API waiters, the
 * escalation interval, index slices, storage retries) runs on CLOCK_MONOTONIC,
 * which neither NTP stepping the clock nor an operator setting the date moves.
 * The wall clock (ld_now_ms(), common/timeutil.h) is only for dates: author
 * and receive times, deadlines that are dates, and times the API reports.
 */
#pragma once

#include <stdint.h>

/* Milliseconds on the monotonic clock, from an arbitrary start (> 0). */
int64_t ld_mono_ms(void);

/* Read the monotonic time from 'fn' instead of CLOCK_MONOTONIC (NULL: the
 * real clock again): unit tests move time on without sleeping. */
void ld_mono_override(int64_t (*fn)(void));

/* Monotonic time 't' (from ld_mono_ms()) as a wall-clock date in Unix ms,
 * for reports ("last seen"); 0 (never) stays 0. */
int64_t ld_mono_to_wall(int64_t t);

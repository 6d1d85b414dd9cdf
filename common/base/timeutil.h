/* common/base/timeutil.h: dates and spans as people type and read them.
 *
 * Entries carry Unix milliseconds (UTC). People work in their own zone (the
 * command centres in China Standard Time): a date typed without an offset is
 * read in the local zone of the process (TZ), and times are shown in it with
 * their offset, so nothing is silently taken as UTC.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The forms ld_time_parse() accepts, for error messages and help. */
/* N_() marks a message of the tool's catalogue (client/po): unchanged here. */
#ifndef N_
#define N_(s) s
#endif
#define LD_TIME_FORMS                                                                              \
	N_("YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] (without an offset in local time; a bare date "      \
	   "means the end of that day for a deadline), or +N with s, m, h or d from now")

/* Parse 's': "YYYY-MM-DD" (00:00:00, or 23:59:59 if end_of_day), with
 * "THH:MM[:SS]" (or a space for the T), then optionally "Z" or an offset
 * "+HH:MM", "+HHMM", "+HH" (or '-'), possibly after a space; or "+N" with a
 * unit s, m, h or d, from 'now_ms'. Without an offset the local zone
 * applies. On success *ret_ms is Unix ms (negative before 1970).
 * -EINVAL if malformed, -ERANGE if the calendar has no such moment
 * (2027-02-30, 24:00, month 13, a local time skipped by a clock change). */
int ld_time_parse(const char *s, bool end_of_day, int64_t now_ms, int64_t *ret_ms);

enum {
	LD_TIME_UTC = 1, /* in UTC, "Z", instead of the local zone */
	LD_TIME_RFC3339 =
		2, /* "2027-01-10T09:00:00+08:00" instead of "2027-01-10 09:00:00 +08:00" */
};

/* Format Unix ms 'ms' into buf (size n; 32 bytes suffice). */
void ld_time_format(int64_t ms, unsigned flags, char *buf, size_t n);

/* A span for people: "3 d 4 h", "2 h 5 min", "7 min", "40 s". Negative
 * spans are formatted as their absolute value. */
void ld_span_format(int64_t ms, char *buf, size_t n);

/* Wall clock now, Unix ms. */
int64_t ld_now_ms(void);

/* server/log.h: the daemon's log: one line per event an operator cares
 * about, to stderr, with a UTC timestamp and a level.
 *
 * A line another machine can make us write (a refused handshake, a bad
 * frame, a flapping link) goes through the rate limiter: for one key (its
 * format and subject) at most LD_LOG_BURST lines per LD_LOG_WINDOW_MS, then
 * one line saying how many more there were and the last of them, so a flood
 * costs a few lines a window, not a disk. */
#pragma once

#include <stdint.h>

#include "common/base/loglevel.h"

#define LD_LOG_BURST 5	       /* lines of one key per window */
#define LD_LOG_WINDOW_MS 10000 /* the rate limiter's window */

/* Set the most verbose level printed. */
void ld_log_set_level(enum ld_log_level level);

/* Parse "error", "warn", "info", "debug". 0 or -EINVAL. */
int ld_log_parse_level(const char *s, enum ld_log_level *ret);

/* Log a line; a trailing newline is added. */
void ld_log(enum ld_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Log a line a remote peer can trigger, rate-limited per key: the format
 * 'fmt' (a string literal: its address is the key) and 'subject' (borrowed;
 * a roster member's id, or NULL when the subject is chosen by whoever
 * connects, e.g. its address, so that a flood from many addresses still
 * shares one key). */
void ld_log_limited(enum ld_log_level level, const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write the "repeated" line of every key whose window has passed with lines
 * held back, and forget idle keys. 'now' is ld_mono_ms(); the loop calls it
 * once a turn. */
void ld_log_flush(int64_t now);

#define log_error(...) ld_log(LD_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) ld_log(LD_LOG_WARN, __VA_ARGS__)
#define log_info(...) ld_log(LD_LOG_INFO, __VA_ARGS__)
#define log_debug(...) ld_log(LD_LOG_DEBUG, __VA_ARGS__)

/* Rate-limited lines (ld_log_limited) about 'who' (a member, or NULL). */
#define rlog_error(who, ...) ld_log_limited(LD_LOG_ERROR, who, __VA_ARGS__)
#define rlog_warn(who, ...) ld_log_limited(LD_LOG_WARN, who, __VA_ARGS__)
#define rlog_info(who, ...) ld_log_limited(LD_LOG_INFO, who, __VA_ARGS__)

/* server/log.h: the daemon's log: one line per event an operator cares
 * about, to stderr, with a UTC timestamp and a level. */
#pragma once

#include "common/base/loglevel.h"

/* Set the most verbose level printed. */
void ld_log_set_level(enum ld_log_level level);

/* Parse "error", "warn", "info", "debug". 0 or -EINVAL. */
int ld_log_parse_level(const char *s, enum ld_log_level *ret);

/* Log a line; a trailing newline is added. */
void ld_log(enum ld_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) ld_log(LD_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) ld_log(LD_LOG_WARN, __VA_ARGS__)
#define log_info(...) ld_log(LD_LOG_INFO, __VA_ARGS__)
#define log_debug(...) ld_log(LD_LOG_DEBUG, __VA_ARGS__)

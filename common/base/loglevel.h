/* common/base/loglevel.h: the one table of log levels, as the config file
 * names them and as logs print them (common/ itself logs nothing). */
#pragma once

enum ld_log_level {
	LD_LOG_ERROR = 0,
	LD_LOG_WARN = 1,
	LD_LOG_INFO = 2,
	LD_LOG_DEBUG = 3,
};

/* "error", "warn", "info", "debug"; "?" for anything else. Static. */
const char *ld_log_level_name(int level);

/* The level named 's', or -1. */
int ld_log_level_parse(const char *s);

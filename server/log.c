/* server/log.c: see log.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "server/log.h"

static enum ld_log_level max_level = LD_LOG_INFO;

void ld_log_set_level(enum ld_log_level level)
{
	max_level = level;
}

int ld_log_parse_level(const char *s, enum ld_log_level *ret)
{
	int l = ld_log_level_parse(s);

	if (l < 0)
		return -EINVAL;
	*ret = (enum ld_log_level)l;
	return 0;
}

void ld_log(enum ld_log_level level, const char *fmt, ...)
{
	char line[2048], when[32];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int n;

	if (level > max_level)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %-5s ", when, (long)tv.tv_usec / 1000,
		     ld_log_level_name(level));
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line so lines of concurrent processes do not interleave. */
	fprintf(stderr, "%s\n", line);
}

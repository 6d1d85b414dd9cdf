/* client/web/weblog.c: see weblog.h. */
#include <stdarg.h>
#include <stdio.h>

#include "client/web/weblog.h"
#include "common/base/timeutil.h"

void web_log(const char *fmt, ...)
{
	char when[48], line[1024];
	va_list ap;

	ld_time_format(ld_now_ms(), 0, when, sizeof(when));
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One call: lines of different threads do not interleave. */
	fprintf(stderr, "%s liandong-web: %s\n", when, line);
}

/* server/clock.c: see clock.h. */
#include <time.h>

#include "common/base/timeutil.h"
#include "server/clock.h"

static int64_t (*override)(void);

int64_t ld_mono_ms(void)
{
	struct timespec ts;

	if (override)
		return override();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1: never 0, which the daemon's timers read as "never". */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1;
}

void ld_mono_override(int64_t (*fn)(void))
{
	override = fn;
}

int64_t ld_mono_to_wall(int64_t t)
{
	return t ? ld_now_ms() - (ld_mono_ms() - t) : 0;
}

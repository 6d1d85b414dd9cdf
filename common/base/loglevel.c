/* common/base/loglevel.c: see loglevel.h. */
#include <string.h>

#include "common/base/loglevel.h"

static const char *const names[] = {"error", "warn", "info", "debug"};

const char *ld_log_level_name(int level)
{
	return level >= 0 && level < 4 ? names[level] : "?";
}

int ld_log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

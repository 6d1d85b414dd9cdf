/* server/log.c: see log.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "server/clock.h"
#include "server/log.h"

#define RL_SLOTS 128
#define RL_SUBJECT 72
#define RL_TEXT 480

/* One key of the rate limiter: lines written and held back in the window
 * that began at 'since', and the last line held back. */
struct rl_slot {
	const char *fmt; /* NULL: free */
	char subject[RL_SUBJECT];
	enum ld_log_level level;
	int64_t since;
	unsigned lines, held;
	char last[RL_TEXT];
};

static enum ld_log_level max_level = LD_LOG_INFO;
static struct rl_slot slots[RL_SLOTS];

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

static void vlog(enum ld_log_level level, const char *fmt, va_list ap)
{
	char line[2048], when[32];
	struct timeval tv;
	struct tm tm;
	int n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %-5s ", when, (long)tv.tv_usec / 1000,
		     ld_log_level_name(level));
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* One write per line so lines of concurrent processes do not interleave. */
	fprintf(stderr, "%s\n", line);
}

void ld_log(enum ld_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

/* The window of 's' is over: say what was held back, start afresh. */
static void rl_close(struct rl_slot *s, int64_t now)
{
	if (s->held)
		ld_log(s->level, "the last message repeated %u times in %lld s: %s", s->held,
		       (long long)((now - s->since + 999) / 1000), s->last);
	s->since = now;
	s->lines = s->held = 0;
}

static struct rl_slot *rl_find(const char *fmt, const char *subject, int64_t now)
{
	struct rl_slot *free_slot = NULL, *oldest = NULL;

	for (size_t i = 0; i < RL_SLOTS; i++) {
		struct rl_slot *s = &slots[i];

		if (!s->fmt) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->fmt == fmt && !strncmp(s->subject, subject, RL_SUBJECT - 1))
			return s;
		if (!oldest || s->since < oldest->since)
			oldest = s;
	}
	if (!free_slot) {
		/* Every key busy: the oldest window ends early. */
		rl_close(oldest, now);
		free_slot = oldest;
	}
	free_slot->fmt = fmt;
	snprintf(free_slot->subject, sizeof(free_slot->subject), "%s", subject);
	free_slot->since = now;
	free_slot->lines = free_slot->held = 0;
	return free_slot;
}

void ld_log_limited(enum ld_log_level level, const char *subject, const char *fmt, ...)
{
	int64_t now = ld_mono_ms();
	struct rl_slot *s;
	va_list ap;

	if (level > max_level)
		return;
	s = rl_find(fmt, subject ? subject : "", now);
	if (now - s->since >= LD_LOG_WINDOW_MS)
		rl_close(s, now);
	s->level = level;
	va_start(ap, fmt);
	if (s->lines < LD_LOG_BURST) {
		s->lines++;
		vlog(level, fmt, ap);
	} else {
		s->held++;
		vsnprintf(s->last, sizeof(s->last), fmt, ap);
	}
	va_end(ap);
}

void ld_log_flush(int64_t now)
{
	for (size_t i = 0; i < RL_SLOTS; i++) {
		struct rl_slot *s = &slots[i];

		if (!s->fmt || now - s->since < LD_LOG_WINDOW_MS)
			continue;
		if (s->held)
			rl_close(s, now);
		else
			s->fmt = NULL; /* idle for a window: forgotten */
	}
}

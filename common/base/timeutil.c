/* common/base/timeutil.c: see timeutil.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/base/timeutil.h"

int64_t ld_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Exactly 'n' decimal digits at *p; advances. -1 if not. */
static int digits(const char **p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

static int parse_span(const char *s, int64_t now_ms, int64_t *ret_ms)
{
	char *end;
	long v;
	int64_t unit;

	errno = 0;
	v = strtol(s + 1, &end, 10);
	if (errno || end == s + 1 || s[1] < '0' || s[1] > '9')
		return -EINVAL;
	unit = *end == 's'   ? 1000
	       : *end == 'm' ? 60000
	       : *end == 'h' ? 3600000
	       : *end == 'd' ? 86400000
			     : 0;
	if (!unit || end[1])
		return -EINVAL;
	if (v <= 0 || v > 3153600000 / (unit / 1000))
		return -ERANGE; /* nothing, or more than a century */
	*ret_ms = now_ms + v * unit;
	return 0;
}

int ld_time_parse(const char *s, bool end_of_day, int64_t now_ms, int64_t *ret_ms)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0;
	bool has_time = false, has_off = false;
	struct tm tm = {0};
	time_t t;

	if (!s)
		return -EINVAL;
	if (s[0] == '+')
		return parse_span(s, now_ms, ret_ms);
	if ((y = digits(&p, 4)) < 0 || *p++ != '-' || (mo = digits(&p, 2)) < 0 || *p++ != '-' ||
	    (d = digits(&p, 2)) < 0)
		return -EINVAL;
	if ((*p == 'T' || *p == 't' || *p == ' ') && p[1] >= '0' && p[1] <= '9') {
		p++;
		if ((h = digits(&p, 2)) < 0 || *p++ != ':' || (mi = digits(&p, 2)) < 0)
			return -EINVAL;
		if (*p == ':' && (p++, (sec = digits(&p, 2)) < 0))
			return -EINVAL;
		has_time = true;
	}
	if (*p == ' ' && (p[1] == 'Z' || p[1] == '+' || p[1] == '-'))
		p++;
	if (*p == 'Z' || *p == 'z') {
		p++;
		has_off = true;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om = 0;

		if ((oh = digits(&p, 2)) < 0)
			return -EINVAL;
		if (*p == ':')
			p++;
		if (*p && (om = digits(&p, 2)) < 0)
			return -EINVAL;
		if (oh > 14 || om > 59)
			return -ERANGE;
		off = sign * (oh * 3600 + om * 60);
		has_off = true;
	}
	if (*p)
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo) || h > 23 || mi > 59 || sec > 59)
		return -ERANGE;
	if (!has_time && end_of_day)
		h = 23, mi = 59, sec = 59;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (has_off) {
		t = timegm(&tm) - off;
	} else {
		struct tm back;

		tm.tm_isdst = -1;
		t = mktime(&tm);
		/* A local time a clock change skipped does not exist: mktime would
		 * move it silently. */
		if (!localtime_r(&t, &back) || back.tm_year != y - 1900 || back.tm_mon != mo - 1 ||
		    back.tm_mday != d || back.tm_hour != h || back.tm_min != mi)
			return -ERANGE;
	}
	*ret_ms = (int64_t)t * 1000;
	return 0;
}

void ld_time_format(int64_t ms, unsigned flags, char *buf, size_t n)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	const char *sep = flags & LD_TIME_RFC3339 ? "T" : " ";
	struct tm tm;
	char date[24];
	long off;

	if (flags & LD_TIME_UTC ? !gmtime_r(&t, &tm) : !localtime_r(&t, &tm)) {
		snprintf(buf, n, "%lld", (long long)ms);
		return;
	}
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	off = flags & LD_TIME_UTC ? 0 : tm.tm_gmtoff;
	if (flags & LD_TIME_UTC)
		snprintf(buf, n, "%s%s%02d:%02d:%02dZ", date, sep, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
	else
		snprintf(buf, n, "%s%s%02d:%02d:%02d%s%c%02ld:%02ld", date, sep, tm.tm_hour,
			 tm.tm_min, tm.tm_sec, flags & LD_TIME_RFC3339 ? "" : " ",
			 off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60);
}

void ld_span_format(int64_t ms, char *buf, size_t n)
{
	int64_t s = (ms < 0 ? -ms : ms) / 1000;

	if (s >= 86400)
		snprintf(buf, n, "%lld d %lld h", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, n, "%lld h %lld min", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, n, "%lld min", (long long)(s / 60));
	else if (s)
		snprintf(buf, n, "%lld s", (long long)s);
	else
		snprintf(buf, n, "under 1 s");
}

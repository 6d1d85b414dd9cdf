/* common/domain/source.c: see source.h. */
#include <stdio.h>
#include <string.h>

#include "common/base/creditcode.h"
#include "common/base/errors.h"
#include "common/domain/source.h"
#include "source.pb-c.h"

bool ld_region_code_valid(const char *code)
{
	if (!code || strlen(code) != 6)
		return false;
	for (size_t i = 0; i < 6; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return true;
}

bool ld_region_contains(const char *unit_region, const char *code)
{
	size_t len = 6;

	if (!ld_region_code_valid(unit_region) || !ld_region_code_valid(code))
		return false;
	/* 330000 -> "33", 330400 -> "3304", 330402 -> "330402". */
	while (len > 2 && !memcmp(unit_region + len - 2, "00", 2))
		len -= 2;
	return !memcmp(unit_region, code, len);
}

enum ld_permit_state ld_permit_state(int64_t from_ms, int64_t to_ms, int64_t now_ms)
{
	if (from_ms && now_ms < from_ms)
		return LD_PERMIT_NOT_YET;
	if (now_ms > to_ms)
		return LD_PERMIT_EXPIRED;
	if (to_ms - now_ms <= LD_PERMIT_EXPIRING_MS)
		return LD_PERMIT_EXPIRING;
	return LD_PERMIT_VALID;
}

const char *ld_permit_state_name(enum ld_permit_state s)
{
	static const char *const names[] = {"no permit", "valid", "expiring", "expired",
					    "not yet valid"};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

enum ld_permit_state ld_source_state(const void *src, int64_t now_ms)
{
	const Ld__PollutionSource *m = src;
	const Ld__PollutionSource__Permit *best = NULL, *first = NULL;

	for (size_t i = 0; i < m->n_permits; i++) {
		const Ld__PollutionSource__Permit *p = m->permits[i];

		if (p->valid_from_ms <= now_ms) {
			if (!best || p->valid_to_ms > best->valid_to_ms)
				best = p;
		} else if (!first || p->valid_from_ms < first->valid_from_ms) {
			first = p;
		}
	}
	if (!best)
		best = first;
	return best ? ld_permit_state(best->valid_from_ms, best->valid_to_ms, now_ms)
		    : LD_PERMIT_NONE;
}

int ld_source_valid(const void *src, char *why, size_t n)
{
	const Ld__PollutionSource *m = src;
	char what[160];

	if (!ld_credit_code_valid(m->credit_code, what, sizeof(what))) {
		snprintf(why, n, "credit code '%.20s' %s", m->credit_code ? m->credit_code : "",
			 what);
		return LD_EREFUSED;
	}
	if (!m->name || !m->name[0]) {
		snprintf(why, n, "source %s has no name", m->credit_code);
		return LD_EREFUSED;
	}
	if (!ld_region_code_valid(m->region_code)) {
		snprintf(why, n, "source %s: region code '%.16s' must be 6 digits (GB/T 2260)",
			 m->credit_code, m->region_code ? m->region_code : "");
		return LD_EREFUSED;
	}
	for (size_t i = 0; i < m->n_outlets; i++) {
		const Ld__PollutionSource__Outlet *o = m->outlets[i];

		if (!o->outlet_id || !o->outlet_id[0] || !o->has_type ||
		    (o->type != LD__OUTLET_TYPE__OUTLET_TYPE_WATER &&
		     o->type != LD__OUTLET_TYPE__OUTLET_TYPE_AIR)) {
			snprintf(why, n,
				 "source %s: outlet %zu needs an id and a type (water or air)",
				 m->credit_code, i + 1);
			return LD_EREFUSED;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(m->outlets[j]->outlet_id, o->outlet_id)) {
				snprintf(why, n, "source %s: outlet '%.40s' listed twice",
					 m->credit_code, o->outlet_id);
				return LD_EREFUSED;
			}
	}
	for (size_t i = 0; i < m->n_permits; i++) {
		const Ld__PollutionSource__Permit *p = m->permits[i];

		if (!p->permit_no || !p->permit_no[0] || !p->has_valid_to_ms) {
			snprintf(why, n,
				 "source %s: permit %zu needs a number and an end of validity",
				 m->credit_code, i + 1);
			return LD_EREFUSED;
		}
		if (p->valid_to_ms < p->valid_from_ms) {
			snprintf(why, n, "source %s: permit %.40s ends before it starts",
				 m->credit_code, p->permit_no);
			return LD_EREFUSED;
		}
		if ((p->n_limits && p->n_limits != p->n_pollutants) ||
		    (p->n_limit_units && p->n_limit_units != p->n_pollutants)) {
			snprintf(why, n,
				 "source %s: permit %.40s gives %zu pollutants but %zu limits and "
				 "%zu units",
				 m->credit_code, p->permit_no, p->n_pollutants, p->n_limits,
				 p->n_limit_units);
			return LD_EREFUSED;
		}
	}
	return 0;
}

int ld_source_check(const ld_access_t *a, const char *author, const void *src, char *why, size_t n)
{
	const Ld__PollutionSource *m = src;
	const char *region = ld_access_region_of(a, author);
	int r = ld_source_valid(src, why, n);

	if (r)
		return r;
	if (!region || !ld_region_contains(region, m->region_code)) {
		snprintf(why, n,
			 "source %s is in region %s, outside %s's region %s: only a unit whose "
			 "region contains a source publishes it",
			 m->credit_code, m->region_code, author, region ? region : "(none)");
		return LD_EREFUSED;
	}
	return 0;
}

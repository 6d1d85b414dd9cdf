/* common/domain/standards.c: see standards.h. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "common/domain/standards.h"

/* NaN-free "no limit": a flag per side. */
typedef struct {
	const char *name;
	const char *alias[3];
	bool lower;    /* a minimum (DO) instead of a maximum */
	double lim[5]; /* by class I..V (air: 1, 2) */
	double lo, hi; /* pH: a range for every class */
} std_param_t;

/* GB 3838-2002, table 1 (mg/L; pH none). */
static const std_param_t water[] = {
	{"pH", {NULL}, false, {0}, 6, 9},
	{"DO", {"溶解氧"}, true, {7.5, 6, 5, 3, 2}, 0, 0},
	{"CODMn", {"高锰酸盐指数"}, false, {2, 4, 6, 10, 15}, 0, 0},
	{"COD", {"CODcr", "化学需氧量"}, false, {15, 15, 20, 30, 40}, 0, 0},
	{"BOD5", {"五日生化需氧量"}, false, {3, 3, 4, 6, 10}, 0, 0},
	{"NH3-N", {"NH3N", "氨氮"}, false, {0.15, 0.5, 1.0, 1.5, 2.0}, 0, 0},
	{"TP", {"总磷"}, false, {0.02, 0.1, 0.2, 0.3, 0.4}, 0, 0},
	{"TN", {"总氮"}, false, {0.2, 0.5, 1.0, 1.5, 2.0}, 0, 0},
	{"F", {"氟化物"}, false, {1.0, 1.0, 1.0, 1.5, 1.5}, 0, 0},
	{"Cu", {"铜"}, false, {0.01, 1.0, 1.0, 1.0, 1.0}, 0, 0},
	{"Zn", {"锌"}, false, {0.05, 1.0, 1.0, 2.0, 2.0}, 0, 0},
	{"As", {"砷"}, false, {0.05, 0.05, 0.05, 0.1, 0.1}, 0, 0},
	{"Hg", {"汞"}, false, {0.00005, 0.00005, 0.0001, 0.001, 0.001}, 0, 0},
	{"Cd", {"镉"}, false, {0.001, 0.005, 0.005, 0.005, 0.01}, 0, 0},
	{"Cr6+", {"CrVI", "六价铬"}, false, {0.01, 0.05, 0.05, 0.05, 0.1}, 0, 0},
	{"Pb", {"铅"}, false, {0.01, 0.01, 0.05, 0.05, 0.1}, 0, 0},
	{"CN", {"氰化物"}, false, {0.005, 0.05, 0.2, 0.2, 0.2}, 0, 0},
	{"petroleum", {"石油类"}, false, {0.05, 0.05, 0.05, 0.5, 1.0}, 0, 0},
};

/* GB 3095-2012, table 1 (ug/m3; CO mg/m3): 1-hour limits, 24-hour for
 * PM10 and PM2.5 (no 1-hour limit). */
static const std_param_t air[] = {
	{"SO2", {"二氧化硫"}, false, {150, 500}, 0, 0},
	{"NO2", {"二氧化氮"}, false, {200, 200}, 0, 0},
	{"CO", {"一氧化碳"}, false, {10, 10}, 0, 0},
	{"O3", {"臭氧"}, false, {160, 200}, 0, 0},
	{"PM10", {"可吸入颗粒物"}, false, {50, 150}, 0, 0},
	{"PM2.5", {"PM25", "细颗粒物"}, false, {35, 75}, 0, 0},
};

static const std_param_t *find(uint32_t medium, const char *p)
{
	const std_param_t *t = medium == 1 ? water : medium == 2 ? air : NULL;
	size_t n = medium == 1 ? sizeof(water) / sizeof(water[0]) : sizeof(air) / sizeof(air[0]);

	for (size_t i = 0; t && p && i < n; i++) /* the usual case: the name itself */
		if (t[i].name[0] == p[0] && !strcmp(t[i].name, p))
			return &t[i];
	for (size_t i = 0; t && p && i < n; i++) {
		if (!strcasecmp(t[i].name, p))
			return &t[i];
		for (size_t j = 0; j < 3 && t[i].alias[j]; j++)
			if (!strcasecmp(t[i].alias[j], p))
				return &t[i];
	}
	return NULL;
}

const char *ld_standard_param(uint32_t medium, const char *parameter)
{
	const std_param_t *sp = find(medium, parameter);

	return sp ? sp->name : NULL;
}

int ld_standard_limit(uint32_t medium, uint32_t cls, const char *parameter, double *min,
		      bool *has_min, double *max, bool *has_max, const char **canon)
{
	const std_param_t *sp = find(medium, parameter);

	*has_min = *has_max = false;
	if (!sp || cls < 1 || cls > (medium == 1 ? 5u : 2u))
		return -ENOENT;
	if (canon)
		*canon = sp->name;
	if (sp->lo < sp->hi) {
		*min = sp->lo;
		*max = sp->hi;
		*has_min = *has_max = true;
	} else if (sp->lower) {
		*min = sp->lim[cls - 1];
		*has_min = true;
	} else {
		*max = sp->lim[cls - 1];
		*has_max = true;
	}
	return 0;
}

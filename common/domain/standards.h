/* common/domain/standards.h: the limits of the national environmental
 * quality standards a monitoring reading is judged against.
 *
 *  - surface water, GB 3838-2002 table 1 (classes I..V): pH, DO, CODMn,
 *    COD, BOD5, NH3-N, TP, TN, F, Cu, Zn, As, Hg, Cd, Cr6+, Pb, CN, petroleum;
 *  - ambient air, GB 3095-2012 table 1 (classes 1, 2), 1-hour limits where the
 *    standard has them, 24-hour ones otherwise: SO2, NO2, CO, O3, PM10, PM2.5.
 *
 * Parameter names are matched case-insensitively, with the usual aliases
 * ("NH3-N", "氨氮"; "COD", "CODcr", "化学需氧量"; ...). A station can override
 * any limit (MonitorStation.limits). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Limits of 'parameter' for 'medium' (enum ld.Medium) and 'cls' (1..5 for
 * water, 1..2 for air): *min / *max, with has_min / has_max saying which
 * apply. The canonical name of the parameter (e.g. "NH3-N") into *canon
 * (static). 0, or -ENOENT for a parameter or class the standard does not
 * cover. */
int ld_standard_limit(uint32_t medium, uint32_t cls, const char *parameter, double *min,
		      bool *has_min, double *max, bool *has_max, const char **canon);

/* The canonical name of 'parameter' (static), or NULL if unknown. */
const char *ld_standard_param(uint32_t medium, const char *parameter);

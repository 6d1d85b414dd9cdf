/* common/domain/source.h: the pollution-source register's rules
 * (污染源档案): who may publish a source, what a publication must hold, and
 * the state of a discharge permit at a given time.
 *
 * A source (PollutionSource, source.proto) is published by a unit whose
 * region contains the source's: GB/T 2260 codes nest by their digits
 * (330000 a province, 330400 a city in it, 330402 a county in that), so a
 * unit's region contains a code when the code starts with the unit's code
 * stripped of its trailing "00" pairs. The same rule refuses a publication
 * before it is signed (check.c) and leaves it out of every node's register
 * (views/sources.c), judged with the roster held when the register is read.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/domain/access.h"

/* A permit expiring within this span is "expiring" (即将到期). */
#define LD_PERMIT_EXPIRING_MS (30LL * 86400 * 1000)

enum ld_permit_state {
	LD_PERMIT_NONE = 0, /* a source with no permit */
	LD_PERMIT_VALID,    /* in force, more than 30 days to run (有效) */
	LD_PERMIT_EXPIRING, /* in force, ends within 30 days (即将到期) */
	LD_PERMIT_EXPIRED,  /* ended (已过期) */
	LD_PERMIT_NOT_YET,  /* starts later (未生效) */
};

/* Is 'code' a 6-digit GB/T 2260 region code? */
bool ld_region_code_valid(const char *code);

/* Does region 'unit_region' (a unit's, 6 digits) contain region 'code'
 * (6 digits; a region contains itself)? False if either is malformed. */
bool ld_region_contains(const char *unit_region, const char *code);

/* The state at 'now_ms' of a permit valid [from_ms, to_ms] (from_ms 0: no
 * start given). */
enum ld_permit_state ld_permit_state(int64_t from_ms, int64_t to_ms, int64_t now_ms);

/* Its name for people and JSON: "no permit", "valid", "expiring",
 * "expired", "not yet valid". Static. */
const char *ld_permit_state_name(enum ld_permit_state s);

/* The state of a source as a whole: that of its permit in force, the one
 * that ends last among those started (else the first to start). 'src' is a
 * decoded Ld__PollutionSource (borrowed). */
enum ld_permit_state ld_source_state(const void *src, int64_t now_ms);

/* Is the decoded PollutionSource 'src' (borrowed) well formed: a valid
 * credit code, a 6-digit region, outlets with ids and a known type,
 * permits with a number, an end not before their start, and as many
 * limits and units as pollutants (or none)? 0, or LD_EREFUSED with why. */
int ld_source_valid(const void *src, char *why, size_t n);

/* May 'author' publish 'src' (decoded, borrowed) by the roster 'a': is it
 * well formed (ld_source_valid) and is its region within the author's? 0,
 * or LD_EREFUSED with the rule in 'why' (size n). */
int ld_source_check(const ld_access_t *a, const char *author, const void *src, char *why, size_t n);

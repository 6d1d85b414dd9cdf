/* client/web/regions.h: region names for the wall ([web] regions = FILE,
 * lines "CODE<TAB>NAME", GB/T 2260 codes, '#' comments) and the wall's
 * roster document, with each member's region name and the region tree
 * (county 330102 -> prefecture 330100 -> province 330000, derived from the
 * code's structure). Read-only after loading: safe from any thread. */
#pragma once

#include <stdint.h>

#include <jansson.h>

#include "api.pb-c.h"

typedef struct regions regions_t;

/* Load 'path' (NULL: no names). 0, or -errno with the file, line and what
 * is wrong in err (size n). Caller owns *ret (regions_destroy). */
int regions_load(const char *path, regions_t **ret, char *err, size_t n);

void regions_destroy(regions_t **r_p);

/* The name of region 'code', or NULL if the file does not name it. */
const char *regions_name(const regions_t *rg, const char *code);

/* The parent of a six-digit code into out (7 bytes): "330102" -> "330100"
 * -> "330000"; false for a province or a code of another form. */
bool regions_parent(const char *code, char out[7]);

/* /api/roster from an API_ROSTER answer: {"members": [the member as
 * `liandong roster list --json` shows it, plus "id" and "region_name"],
 * "regions": [{"code", "name", "parent"}] (every region named in the file
 * or served by a member, with their ancestors, by code)}. Caller owns it. */
json_t *regions_roster_doc(const regions_t *rg, const Ld__ApiResponse *ro, int64_t now);

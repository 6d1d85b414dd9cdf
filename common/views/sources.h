/* common/views/sources.h: the pollution-source register in force
 * (污染源档案), keyed by credit code.
 *
 * A derived index (store_index.h), kept in the transaction that stores
 * each PollutionSource entry and rebuilt by ld_store_reindex:
 *
 *   v_src  credit_code (18 bytes) author -> be64 seq, be64 author time,
 *          region code (6 bytes): each unit's latest publication of the
 *          source (the highest seq held with payload)
 *
 * A later publication of a code by the same unit replaces its earlier
 * one; the highest seq does not depend on arrival order, so a reindex
 * rebuilds the index byte for byte. Publications that are not well formed
 * (ld_source_valid: a credit code failing its check, ...) are left out.
 * Who may publish is judged when the register is read, with the roster
 * then held (a unit's region comes from the roster, which may change): the
 * source in force is the latest publication (author time, then author id)
 * by a unit whose region contains the source's (ld_region_contains);
 * others are not in the register at all.
 */
#pragma once

#include <stdint.h>

#include "common/domain/access.h"
#include "common/store/store.h"

/* Register the index with store 's'. 0 or -errno. */
int ld_sources_attach(ld_store_t *s);

/* The source in force for each credit code, in code order, through reader
 * 'rd' with roster snapshot 'a': cb gets the code, and the entry (author,
 * seq) in force. Only 'code' if not NULL (-ENOENT if none is in force).
 * Stops and returns cb's value if non-zero. */
int ld_sources_foreach(const ld_rd_t *rd, const ld_access_t *a, const char *code,
		       int (*cb)(void *ud, const char *code, const char *author, uint64_t seq),
		       void *ud);

/* common/index/directory.h: the newest liaison directory of each unit.
 *
 * A derived index (store_index.h). A unit's DirectoryUpdate entries each
 * state its whole directory (liaison persons, experts); the newest one held
 * with its payload is in force:
 *
 *   v_dir  author -> be64 seq (the highest seq of a directory entry of that
 *          author held with payload)
 *
 * The highest seq does not depend on arrival order, so ld_store_reindex()
 * rebuilds it byte for byte. Directory entries are signed for every member
 * (personal data: visible to roster members only, see docs/ARCHITECTURE.md).
 */
#pragma once

#include <stdint.h>

#include "common/store/store.h"

/* Register the index with store 's'. 0 or -errno. */
int ld_directory_attach(ld_store_t *s);

/* Call cb with each unit whose directory is held and the seq of the entry in
 * force, in unit order, through reader 'rd'. Stops and returns cb's value if
 * non-zero. */
int ld_directory_foreach(const ld_rd_t *rd, int (*cb)(void *ud, const char *unit, uint64_t seq),
			 void *ud);

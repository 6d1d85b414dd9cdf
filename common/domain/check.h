/* common/domain/check.h: may this entry be signed? The rules' one answer.
 *
 * Before a node signs an entry (the API's append, or its check-only form),
 * the entry is judged as if it were added now to the case or joint action
 * it names, by the same code that judges what is held (casefile.c,
 * action.c): what every node would mark refused is refused here, with the
 * rule it breaks, and nothing is signed. The tool asks; it does not keep
 * rules of its own. */
#pragma once

#include <stddef.h>

#include "common/domain/access.h"
#include "common/feed/entry.h"
#include "common/store/store.h"

/* Judge 'cand' (borrowed; its header gives author, kind and time, its
 * payload the content) against what 'rd' holds, with roster snapshot 'a'.
 * 0 if the rules accept it (or govern no case or action it names);
 * LD_EREFUSED with the rule in 'why' (size n); -errno on failure. */
int ld_entry_check(const ld_rd_t *rd, const ld_access_t *a, const ld_entry_t *cand, char *why,
		   size_t n);

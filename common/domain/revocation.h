/* common/domain/revocation.h: has the root revoked a member, and by which entry.
 *
 * A revoked node must be told, not left signing entries nobody accepts: the
 * daemon reads this when the roster changes and refuses every append with
 * the roster entry that revoked it. */
#pragma once

#include <stdint.h>

#include "common/store/store.h"

typedef struct ld_revocation {
	char root[LD_NODE_ID_MAX + 1]; /* the root's feed */
	uint64_t seq;		       /* the REVOKE entry in it */
	int64_t time_ms;	       /* its author time */
	uint64_t last_valid_seq;       /* the member's entries up to here stay valid */
	char reason[256];	       /* "" if none was given */
} ld_revocation_t;

/* Is 'node' revoked in the roster of 's'? 0 and *ret filled if so (the
 * REVOKE entry the roster applied), -ENOENT if it is not revoked (or the
 * roster does not list it), or -errno. */
int ld_revocation_find(ld_store_t *s, const char *node, ld_revocation_t *ret);

/* "revoked by the root at <time> (roster entry <root>:<seq>)[: <reason>]"
 * into buf. */
void ld_revocation_text(const ld_revocation_t *r, char *buf, size_t size);

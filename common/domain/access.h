/* common/domain/access.h: who may read what, from the roster.
 *
 * An in-memory snapshot of the roster (ids, superiors, transport keys,
 * revocation), rebuilt whenever the root's feed changes. It answers the two
 * questions every send and every connection asks: may node P read this
 * entry's payload (P is in the audience, is the author, or is a superior of
 * one of them; or the entry is for everyone), and which node owns this curve
 * key. Access is enforced where entries leave a node (redaction), not only in
 * what a client shows.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/store/store.h"

typedef struct ld_access ld_access_t;

/* Snapshot the store's roster. Caller owns *ret. 0 or -errno. */
int ld_access_load(ld_store_t *s, ld_access_t **ret);
/* The same, through reader 'rd' (store.h). */
int ld_access_load_rd(const ld_rd_t *rd, ld_access_t **ret);

/* Free; sets *a_p = NULL. Safe on NULL and twice. */
void ld_access_destroy(ld_access_t **a_p);

/* Number of members in the snapshot. */
size_t ld_access_count(const ld_access_t *a);

/* Is 'node' a current member: listed, not revoked, and inside its
 * membership validity window now? */
bool ld_access_member(const ld_access_t *a, const char *node);

/* Is 'node' listed in the roster at all (current or revoked)? */
bool ld_access_known(const ld_access_t *a, const char *node);

/* Is 'node' listed and revoked? */
bool ld_access_revoked(const ld_access_t *a, const char *node);

/* Is 'sup' a superior (transitively) of 'node'? A node is not its own superior. */
bool ld_access_is_superior(const ld_access_t *a, const char *sup, const char *node);

/* May 'reader' read the payload of the entry with this header? */
bool ld_access_may_read(const ld_access_t *a, const Ld__EntryHeader *h, const char *reader);

/* Node id owning CurveZMQ public key 'curve' (raw 32 bytes) if it is a
 * current member (as ld_access_member), else NULL. Borrowed. */
const char *ld_access_by_curve(const ld_access_t *a, const uint8_t curve[32]);

/* Kind (enum ld.NodeKind) of 'node', 0 if unknown. */
uint32_t ld_access_kind_of(const ld_access_t *a, const char *node);

/* Superior of 'node', or NULL (root, or unknown). Borrowed. */
const char *ld_access_superior_of(const ld_access_t *a, const char *node);

/* Region code (GB/T 2260) of 'node', or NULL if unknown. Borrowed. */
const char *ld_access_region_of(const ld_access_t *a, const char *node);

/* Raw curve key of 'node', or NULL if unknown. Borrowed from the snapshot. */
const uint8_t *ld_access_curve_of(const ld_access_t *a, const char *node);

/* Up to 'max' current members whose ids are closest to 'id' (for "did you
 * mean"), best first, into out (borrowed from the snapshot). Returns how
 * many. */
size_t ld_access_closest(const ld_access_t *a, const char *id, const char **out, size_t max);

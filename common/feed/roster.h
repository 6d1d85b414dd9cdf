/* common/feed/roster.h: the membership roster, derived from the root's feed.
 *
 * The roster is a function of the root's RosterUpdate entries, applied in feed
 * order. Each member has a list of key epochs (a key and the first sequence
 * number of the member's feed it signs), an optional revocation point and a
 * validity window. Records are kept as packed ld.RosterNode messages in the
 * store; this module holds the pure rules and a cache of verifying keys.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "roster.pb-c.h"
#include "common/crypto/key.h"

/* Apply update 'u' (from root feed entry 'root_seq') to 'cur', the member's
 * current record or NULL if it is not a member. On success *ret_node is the
 * new record (caller owns; free with ld__roster_node__free_unpacked(.., NULL)
 * -- it is allocated by protobuf-c's default allocator). On refusal returns
 * -EINVAL and, if 'why' is not NULL, a static reason in *why; nothing changes.
 * 'root_id' is the root's node id (the root cannot be revoked or rotated). */
int ld_roster_apply(const Ld__RosterNode *cur, const Ld__RosterUpdate *u, uint64_t root_seq,
		    const char *root_id, Ld__RosterNode **ret_node, const char **why);

/* May entry 'seq' of member 'n', claiming time 'time_ms', be signed by
 * 'signer'? 0, LD_EWRONGKEY, LD_EREVOKED or LD_EEXPIRED. */
int ld_roster_check_key(const Ld__RosterNode *n, uint64_t seq, const uint8_t signer[LD_PUBKEY_LEN],
			int64_t time_ms);

/* Cache of verifying keys by raw bytes, so each author's EVP_PKEY is built
 * once. Keys are immutable, so the cache never needs invalidating. */
typedef struct ld_keycache ld_keycache_t;

/* Caller owns *ret_cache. 0 or -ENOMEM. */
int ld_keycache_new(ld_keycache_t **ret_cache);

/* The cached key for 'raw', created on first use. *ret_pub is borrowed from
 * the cache, valid until ld_keycache_destroy(). 0, -EINVAL or -ENOMEM. */
int ld_keycache_get(ld_keycache_t *cache, const uint8_t raw[LD_PUBKEY_LEN],
		    const ld_pubkey_t **ret_pub);

/* Free all keys; sets *cache_p = NULL. Safe on NULL and twice. */
void ld_keycache_destroy(ld_keycache_t **cache_p);

/* common/feed/roster.c: roster rules and the verifying-key cache. */
#include <stdlib.h>
#include <string.h>

#include "common/feed/entry.h"
#include "common/base/errors.h"
#include "common/feed/roster.h"

static bool region_valid(const char *s)
{
	if (!s || strlen(s) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Deep copy through pack/unpack: RosterNode is small and this keeps every
 * allocation owned by protobuf-c's allocator, so one free_unpacked frees it. */
static Ld__RosterNode *node_copy(const Ld__RosterNode *n)
{
	size_t len = ld__roster_node__get_packed_size(n);
	uint8_t *buf = malloc(len ? len : 1);
	Ld__RosterNode *c;

	if (!buf)
		return NULL;
	ld__roster_node__pack(n, buf);
	c = ld__roster_node__unpack(NULL, len, buf);
	free(buf);
	return c;
}

static int refuse(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EINVAL;
}

int ld_roster_apply(const Ld__RosterNode *cur, const Ld__RosterUpdate *u, uint64_t root_seq,
		    const char *root_id, Ld__RosterNode **ret_node, const char **why)
{
	Ld__RosterNode n = LD__ROSTER_NODE__INIT;
	Ld__RosterNode__KeyEpoch ep = LD__ROSTER_NODE__KEY_EPOCH__INIT;
	Ld__RosterNode__KeyEpoch **eps = NULL;
	Ld__RosterNode *out;
	bool is_root;

	if (!u->has_action || !ld_node_id_valid(u->node_id))
		return refuse(why, "roster update needs an action and a valid node_id");
	if (u->has_curve_key && u->curve_key.len != 32)
		return refuse(why, "curve_key must be 32 bytes");
	if (u->superior && !ld_node_id_valid(u->superior))
		return refuse(why, "superior is not a valid node id");
	if (u->region_code && !region_valid(u->region_code))
		return refuse(why, "region_code must be six digits (GB/T 2260)");
	is_root = root_id && strcmp(u->node_id, root_id) == 0;

	switch (u->action) {
	case LD__ROSTER_UPDATE__ACTION__ADD:
		if (cur)
			return refuse(why, "node is already a member");
		if (!u->has_sign_key || u->sign_key.len != LD_PUBKEY_LEN)
			return refuse(why, "ADD needs a 32-byte sign_key");
		if (!u->name || !u->has_kind || !u->region_code)
			return refuse(why, "ADD needs name, kind and region_code");
		n.node_id = u->node_id;
		n.name = u->name;
		n.has_kind = true;
		n.kind = u->kind;
		n.region_code = u->region_code;
		n.superior = u->superior;
		n.has_curve_key = u->has_curve_key;
		n.curve_key = u->curve_key;
		n.n_roles = u->n_roles;
		n.roles = u->roles;
		n.has_valid_from_ms = u->has_valid_from_ms;
		n.valid_from_ms = u->valid_from_ms;
		n.has_valid_until_ms = u->has_valid_until_ms;
		n.valid_until_ms = u->valid_until_ms;
		ep.has_sign_key = true;
		ep.sign_key = u->sign_key;
		ep.has_from_seq = true;
		ep.from_seq = 1;
		eps = &(Ld__RosterNode__KeyEpoch *){&ep};
		n.n_keys = 1;
		n.keys = eps;
		n.has_added_at_root_seq = true;
		n.added_at_root_seq = root_seq;
		out = node_copy(&n);
		break;
	case LD__ROSTER_UPDATE__ACTION__UPDATE:
		if (!cur)
			return refuse(why, "UPDATE of a node that is not a member");
		if (cur->revoked)
			return refuse(why, "UPDATE of a revoked node");
		out = node_copy(cur);
		if (!out)
			return -ENOMEM;
		/* Replace only what the update carries; strings are re-packed so
		 * they stay owned by 'out' (see the final node_copy). */
		n = *out;
		if (u->name)
			n.name = u->name;
		if (u->has_kind)
			n.kind = u->kind;
		if (u->region_code)
			n.region_code = u->region_code;
		if (u->superior)
			n.superior = u->superior;
		if (u->has_curve_key) {
			n.has_curve_key = true;
			n.curve_key = u->curve_key;
		}
		if (u->n_roles) {
			n.n_roles = u->n_roles;
			n.roles = u->roles;
		}
		if (u->has_valid_from_ms) {
			n.has_valid_from_ms = true;
			n.valid_from_ms = u->valid_from_ms;
		}
		if (u->has_valid_until_ms) {
			n.has_valid_until_ms = true;
			n.valid_until_ms = u->valid_until_ms;
		}
		{
			Ld__RosterNode *tmp = out;

			out = node_copy(&n);
			ld__roster_node__free_unpacked(tmp, NULL);
		}
		break;
	case LD__ROSTER_UPDATE__ACTION__REVOKE:
		if (!cur)
			return refuse(why, "REVOKE of a node that is not a member");
		if (is_root)
			return refuse(why, "the root authority cannot be revoked");
		if (cur->revoked)
			return refuse(why, "node is already revoked");
		n = *cur;
		n.has_revoked = true;
		n.revoked = true;
		n.has_last_valid_seq = true;
		n.last_valid_seq = u->has_last_valid_seq ? u->last_valid_seq : 0;
		n.revoke_reason = u->reason;
		out = node_copy(&n);
		break;
	case LD__ROSTER_UPDATE__ACTION__ROTATE_KEY: {
		Ld__RosterNode__KeyEpoch **all;

		if (!cur)
			return refuse(why, "ROTATE_KEY of a node that is not a member");
		if (is_root)
			return refuse(why,
				      "the root key is the trust anchor and cannot be rotated");
		if (cur->revoked)
			return refuse(why, "ROTATE_KEY of a revoked node");
		if (!u->has_sign_key || u->sign_key.len != LD_PUBKEY_LEN || !u->has_key_from_seq)
			return refuse(why, "ROTATE_KEY needs a 32-byte sign_key and key_from_seq");
		if (cur->n_keys == 0 || u->key_from_seq <= cur->keys[cur->n_keys - 1]->from_seq)
			return refuse(why,
				      "key_from_seq must be above the current key's first seq");
		all = calloc(cur->n_keys + 1, sizeof(*all));
		if (!all)
			return -ENOMEM;
		memcpy(all, cur->keys, cur->n_keys * sizeof(*all));
		ep.has_sign_key = true;
		ep.sign_key = u->sign_key;
		ep.has_from_seq = true;
		ep.from_seq = u->key_from_seq;
		all[cur->n_keys] = &ep;
		n = *cur;
		n.keys = all;
		n.n_keys = cur->n_keys + 1;
		if (u->has_curve_key) {
			n.has_curve_key = true;
			n.curve_key = u->curve_key;
		}
		out = node_copy(&n);
		free(all);
		break;
	}
	default:
		return refuse(why, "unknown roster action");
	}
	if (!out)
		return -ENOMEM;
	*ret_node = out;
	return 0;
}

int ld_roster_check_key(const Ld__RosterNode *n, uint64_t seq, const uint8_t signer[LD_PUBKEY_LEN],
			int64_t time_ms)
{
	const Ld__RosterNode__KeyEpoch *ep = NULL;

	if (n->revoked && seq > n->last_valid_seq)
		return LD_EREVOKED;
	if ((n->has_valid_from_ms && time_ms < n->valid_from_ms) ||
	    (n->has_valid_until_ms && time_ms >= n->valid_until_ms))
		return LD_EEXPIRED;
	for (size_t i = 0; i < n->n_keys; i++)
		if (n->keys[i]->from_seq <= seq)
			ep = n->keys[i];
	if (!ep || ep->sign_key.len != LD_PUBKEY_LEN ||
	    memcmp(ep->sign_key.data, signer, LD_PUBKEY_LEN) != 0)
		return LD_EWRONGKEY;
	return 0;
}

/* Open addressing on the first 8 key bytes (keys are uniformly random). */
struct ld_keycache {
	ld_pubkey_t **slots;
	size_t cap, used;
};

int ld_keycache_new(ld_keycache_t **ret_cache)
{
	ld_keycache_t *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->cap = 64;
	c->slots = calloc(c->cap, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return -ENOMEM;
	}
	*ret_cache = c;
	return 0;
}

static size_t slot_of(const ld_keycache_t *c, const uint8_t raw[LD_PUBKEY_LEN])
{
	uint64_t h;

	memcpy(&h, raw, sizeof(h));
	return (size_t)(h & (c->cap - 1));
}

static int cache_grow(ld_keycache_t *c)
{
	ld_keycache_t bigger = {.cap = c->cap * 2};

	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < c->cap; i++) {
		size_t s;

		if (!c->slots[i])
			continue;
		s = slot_of(&bigger, ld_pubkey_raw(c->slots[i]));
		while (bigger.slots[s])
			s = (s + 1) & (bigger.cap - 1);
		bigger.slots[s] = c->slots[i];
	}
	free(c->slots);
	c->slots = bigger.slots;
	c->cap = bigger.cap;
	return 0;
}

int ld_keycache_get(ld_keycache_t *c, const uint8_t raw[LD_PUBKEY_LEN], const ld_pubkey_t **ret_pub)
{
	size_t s;
	int r;

	if (2 * (c->used + 1) > c->cap && (r = cache_grow(c)) < 0)
		return r;
	s = slot_of(c, raw);
	while (c->slots[s]) {
		if (memcmp(ld_pubkey_raw(c->slots[s]), raw, LD_PUBKEY_LEN) == 0) {
			*ret_pub = c->slots[s];
			return 0;
		}
		s = (s + 1) & (c->cap - 1);
	}
	r = ld_pubkey_new(raw, &c->slots[s]);
	if (r < 0)
		return r;
	c->used++;
	*ret_pub = c->slots[s];
	return 0;
}

void ld_keycache_destroy(ld_keycache_t **cache_p)
{
	ld_keycache_t *c;

	if (!cache_p || !*cache_p)
		return;
	c = *cache_p;
	for (size_t i = 0; i < c->cap; i++)
		ld_pubkey_destroy(&c->slots[i]);
	free(c->slots);
	free(c);
	*cache_p = NULL;
}

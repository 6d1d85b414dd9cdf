/* common/domain/access.c: see access.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/domain/access.h"
#include "common/base/vec.h"
#include "common/base/text.h"

struct member {
	char id[LD_NODE_ID_MAX + 1];
	char superior[LD_NODE_ID_MAX + 1];
	char region[16];
	uint32_t kind;
	int64_t valid_from, valid_until; /* 0 = open */
	uint8_t curve[32];
	bool has_curve, revoked;
};

struct ld_access {
	struct member *m;
	size_t n, cap;
};

/* The superior chain is data from the network; cap its walk. */
#define MAX_DEPTH 32

static int add_member(void *ud, const Ld__RosterNode *n)
{
	ld_access_t *a = ud;
	struct member *m;

	if (ld_vec_grow(&a->m, a->n, &a->cap, sizeof(*a->m), 32) < 0)
		return -ENOMEM;
	m = &a->m[a->n++];
	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", n->node_id ? n->node_id : "");
	snprintf(m->superior, sizeof(m->superior), "%s", n->superior ? n->superior : "");
	snprintf(m->region, sizeof(m->region), "%s", n->region_code ? n->region_code : "");
	m->kind = n->kind;
	m->valid_from = n->has_valid_from_ms ? n->valid_from_ms : 0;
	m->valid_until = n->has_valid_until_ms ? n->valid_until_ms : 0;
	m->has_curve = n->has_curve_key && n->curve_key.len == 32;
	if (m->has_curve)
		memcpy(m->curve, n->curve_key.data, 32);
	m->revoked = n->revoked;
	return 0;
}

int ld_access_load(ld_store_t *s, ld_access_t **ret)
{
	return ld_access_load_rd(LD_RD(s), ret);
}

int ld_access_load_rd(const ld_rd_t *rd, ld_access_t **ret)
{
	ld_access_t *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	/* The store iterates in node-id order, so the array is sorted. */
	r = ld_rd_foreach_roster(rd, add_member, a);
	if (r < 0) {
		ld_access_destroy(&a);
		return r;
	}
	*ret = a;
	return 0;
}

void ld_access_destroy(ld_access_t **a_p)
{
	if (!a_p || !*a_p)
		return;
	free((*a_p)->m);
	free(*a_p);
	*a_p = NULL;
}

size_t ld_access_count(const ld_access_t *a)
{
	return a->n;
}

static int cmp_id(const void *key, const void *elem)
{
	return strcmp(key, ((const struct member *)elem)->id);
}

static const struct member *find(const ld_access_t *a, const char *id)
{
	return a->n ? bsearch(id, a->m, a->n, sizeof(*a->m), cmp_id) : NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Listed, not revoked, and inside its validity window now. */
static bool current(const struct member *m)
{
	int64_t t;

	if (!m || m->revoked)
		return false;
	if (!m->valid_from && !m->valid_until)
		return true;
	t = now_ms();
	return (!m->valid_from || t >= m->valid_from) && (!m->valid_until || t < m->valid_until);
}

bool ld_access_member(const ld_access_t *a, const char *node)
{
	return current(find(a, node));
}

bool ld_access_known(const ld_access_t *a, const char *node)
{
	return find(a, node) != NULL;
}

bool ld_access_revoked(const ld_access_t *a, const char *node)
{
	const struct member *m = find(a, node);

	return m && m->revoked;
}

bool ld_access_is_superior(const ld_access_t *a, const char *sup, const char *node)
{
	const struct member *m = find(a, node);

	for (int depth = 0; m && m->superior[0] && depth < MAX_DEPTH; depth++) {
		if (!strcmp(m->superior, sup))
			return true;
		m = find(a, m->superior);
	}
	return false;
}

static bool covers(const ld_access_t *a, const char *reader, const char *node)
{
	return !strcmp(reader, node) || ld_access_is_superior(a, reader, node);
}

bool ld_access_may_read(const ld_access_t *a, const Ld__EntryHeader *h, const char *reader)
{
	if (h->everyone)
		return true;
	if (covers(a, reader, h->author))
		return true;
	for (size_t i = 0; i < h->n_audience; i++)
		if (covers(a, reader, h->audience[i]))
			return true;
	return false;
}

const char *ld_access_by_curve(const ld_access_t *a, const uint8_t curve[32])
{
	for (size_t i = 0; i < a->n; i++)
		if (a->m[i].has_curve && current(&a->m[i]) && !memcmp(a->m[i].curve, curve, 32))
			return a->m[i].id;
	return NULL;
}

const uint8_t *ld_access_curve_of(const ld_access_t *a, const char *node)
{
	const struct member *m = find(a, node);

	return m && m->has_curve ? m->curve : NULL;
}

const char *ld_access_region_of(const ld_access_t *a, const char *node)
{
	const struct member *m = find(a, node);

	return m && m->region[0] ? m->region : NULL;
}

uint32_t ld_access_kind_of(const ld_access_t *a, const char *node)
{
	const struct member *m = find(a, node);

	return m ? m->kind : 0;
}

const char *ld_access_superior_of(const ld_access_t *a, const char *node)
{
	const struct member *m = find(a, node);

	return m && m->superior[0] ? m->superior : NULL;
}

size_t ld_access_closest(const ld_access_t *a, const char *id, const char **out, size_t max)
{
	const char **names = calloc(a->n + 1, sizeof(*names));
	size_t n = 0, k;

	if (!names)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (ld_access_member(a, a->m[i].id))
			names[n++] = a->m[i].id;
	k = ld_text_closest(id, names, n, out, max);
	free(names);
	return k;
}

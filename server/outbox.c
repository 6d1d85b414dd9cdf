/* server/outbox.c: see outbox.h. Names are few per turn (the feeds of one
 * ingest round, this node's own), so a list with a linear duplicate check
 * does. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "server/outbox.h"

struct names {
	char **v;
	size_t n, cap;
};

struct ld_outbox {
	bool roster;
	struct names feeds, cases;
};

static int names_add(struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char **nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	if (!(s->v[s->n] = strdup(name)))
		return -ENOMEM;
	s->n++;
	return 0;
}

static void names_clear(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

int ld_outbox_new(ld_outbox_t **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

void ld_outbox_destroy(ld_outbox_t **o_p)
{
	if (!o_p || !*o_p)
		return;
	ld_outbox_clear(*o_p);
	free((*o_p)->feeds.v);
	free((*o_p)->cases.v);
	free(*o_p);
	*o_p = NULL;
}

int ld_outbox_announce(ld_outbox_t *o, const char *feed)
{
	return names_add(&o->feeds, feed);
}

void ld_outbox_roster(ld_outbox_t *o)
{
	o->roster = true;
}

int ld_outbox_history(ld_outbox_t *o, const char *case_id)
{
	return names_add(&o->cases, case_id);
}

bool ld_outbox_pending(const ld_outbox_t *o)
{
	return o->roster || o->feeds.n || o->cases.n;
}

bool ld_outbox_roster_changed(const ld_outbox_t *o)
{
	return o->roster;
}

size_t ld_outbox_feeds(const ld_outbox_t *o, const char *const **ret_feeds)
{
	*ret_feeds = (const char *const *)o->feeds.v;
	return o->feeds.n;
}

size_t ld_outbox_cases(const ld_outbox_t *o, const char *const **ret_cases)
{
	*ret_cases = (const char *const *)o->cases.v;
	return o->cases.n;
}

void ld_outbox_clear(ld_outbox_t *o)
{
	o->roster = false;
	names_clear(&o->feeds);
	names_clear(&o->cases);
}

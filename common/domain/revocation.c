/* common/domain/revocation.c: see revocation.h. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/base/errors.h"
#include "common/domain/revocation.h"
#include "common/feed/kinds.h"
#include "roster.pb-c.h"

struct find {
	ld_store_t *s;
	const char *node;
	ld_revocation_t *out;
	bool found;
};

static int revoke_cb(void *ud, const ld_entry_t *e, int64_t recv_ms)
{
	struct find *f = ud;
	Ld__RosterUpdate *u;
	char why[8];

	(void)recv_ms;
	if (e->hdr->kind != LD__KIND__KIND_ROSTER_UPDATE || !e->has_payload)
		return 0;
	u = ld_entry_payload(e, LD__KIND__KIND_ROSTER_UPDATE);
	/* A revocation the roster rules refused revoked nothing. */
	if (u && u->action == LD__ROSTER_UPDATE__ACTION__REVOKE && u->node_id &&
	    !strcmp(u->node_id, f->node) &&
	    ld_store_refusal(f->s, e->hdr->author, e->hdr->seq, why, sizeof(why)) == -ENOENT) {
		snprintf(f->out->root, sizeof(f->out->root), "%s", e->hdr->author);
		f->out->seq = e->hdr->seq;
		f->out->time_ms = e->hdr->time_ms;
		f->out->last_valid_seq = u->last_valid_seq;
		snprintf(f->out->reason, sizeof(f->out->reason), "%s", u->reason ? u->reason : "");
		f->found = true;
	}
	if (u)
		ld__roster_update__free_unpacked(u, NULL);
	return 0;
}

int ld_revocation_find(ld_store_t *s, const char *node, ld_revocation_t *ret)
{
	struct find f = {s, node, ret, false};
	const char *root = ld_store_root_id(s);
	Ld__RosterNode *m = NULL;
	bool revoked;
	int r;

	if (!root)
		return -ENOENT;
	if ((r = ld_store_roster_get(s, node, &m)) < 0)
		return r;
	revoked = m->revoked;
	ld__roster_node__free_unpacked(m, NULL);
	if (!revoked)
		return -ENOENT;
	memset(ret, 0, sizeof(*ret));
	/* The root's feed holds roster updates (and the root's own work):
	 * read once per roster change, and only by a node found revoked. */
	r = ld_store_foreach_entry(s, root, 1, 0, revoke_cb, &f);
	if (r < 0)
		return r;
	return f.found ? 0 : -ENOENT;
}

void ld_revocation_text(const ld_revocation_t *r, char *buf, size_t size)
{
	time_t t = (time_t)(r->time_ms / 1000);
	char when[32];
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm))
		snprintf(when, sizeof(when), "%lld ms", (long long)r->time_ms);
	snprintf(buf, size, "revoked by the root at %s (roster entry %s:%llu)%s%s", when, r->root,
		 (unsigned long long)r->seq, r->reason[0] ? ": " : "", r->reason);
}

/* server/api_source.c: API_SOURCE, the pollution-source register in force
 * (common/views/sources.h), filtered, each source's permits judged at the
 * time of the query (common/domain/source.h). Not personal data: answered
 * on the read-only socket too. */
#include <stdlib.h>
#include <string.h>

#include "common/base/errors.h"
#include "common/domain/source.h"
#include "common/feed/kinds.h"
#include "common/views/sources.h"
#include "server/api_int.h"
#include "source.pb-c.h"

#define SRC_BYTES (16u << 20) /* at most this much in one answer */

struct acc {
	ld_node_t *node;
	const Ld__ApiSourceQuery *q;
	int64_t now_ms;
	Ld__ApiSource **p;
	size_t n, cap, bytes;
	bool truncated;
};

static void source_free(Ld__ApiSource *x)
{
	if (!x)
		return;
	free(x->entry.data);
	free(x->permit_states);
	free(x);
}

/* Does the decoded source pass the query's filters? */
static bool wanted(const struct acc *a, const Ld__PollutionSource *m)
{
	const char *reg = a->q ? a->q->region : NULL;
	enum ld_permit_state st;

	if (reg && reg[0] && strncmp(m->region_code, reg, strlen(reg)))
		return false;
	if (!a->q || !a->q->expiring)
		return true;
	st = ld_source_state(m, a->now_ms);
	return st != LD_PERMIT_VALID && st != LD_PERMIT_NOT_YET;
}

static int raw_one(void *ud, const ld_raw_entry_t *e)
{
	struct acc *a = ud;
	Ld__PollutionSource *m =
		ld_payload_unpack(LD__KIND__KIND_POLLUTION_SOURCE, e->payload, e->payload_len);
	Ld__ApiSource *x = NULL;
	int r = 1;

	if (!m || !e->payload || !wanted(a, m))
		goto out;
	if (a->bytes >= SRC_BYTES) {
		a->truncated = true;
		r = 2;
		goto out;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		Ld__ApiSource **np = realloc(a->p, cap * sizeof(*np));

		if (!np) {
			r = -ENOMEM;
			goto out;
		}
		a->p = np;
		a->cap = cap;
	}
	if (!(x = calloc(1, sizeof(*x)))) {
		r = -ENOMEM;
		goto out;
	}
	ld__api_source__init(x);
	if (!(x->permit_states = calloc(m->n_permits + 1, sizeof(char *)))) {
		r = -ENOMEM;
		goto out;
	}
	x->has_entry = x->has_recv_ms = true;
	x->recv_ms = e->recv_ms;
	x->entry.len = ld_entry_parts_wire_size(e->header_len, e->payload, e->payload_len);
	if (!(x->entry.data = malloc(x->entry.len))) {
		r = -ENOMEM;
		goto out;
	}
	ld_entry_encode_parts(e->header, e->header_len, e->sig, e->payload, e->payload_len,
			      x->entry.data);
	x->state = (char *)ld_permit_state_name(ld_source_state(m, a->now_ms));
	for (size_t i = 0; i < m->n_permits; i++)
		x->permit_states[i] = (char *)ld_permit_state_name(ld_permit_state(
			m->permits[i]->valid_from_ms, m->permits[i]->valid_to_ms, a->now_ms));
	x->n_permit_states = m->n_permits;
	a->bytes += x->entry.len;
	a->p[a->n++] = x;
	x = NULL;
out:
	source_free(x);
	ld_payload_free(m);
	return r;
}

static int one(void *ud, const char *code, const char *author, uint64_t seq)
{
	struct acc *a = ud;
	int r = ld_store_foreach_raw(a->node->store, author, seq, seq, raw_one, a);

	if (r == 2)
		return 1; /* full: stop */
	return r == 1 || r == 0 || r == -ENOENT ? 0 : r;
}

void api_source(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q)
{
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_SOURCE);
	const Ld__ApiSourceQuery *sq = q->source_query;
	struct acc a = {.node = n, .q = sq, .now_ms = ld_now_ms()};
	const char *code = sq && sq->credit_code && sq->credit_code[0] ? sq->credit_code : NULL;
	int r = ld_sources_foreach(LD_RD(n->store), n->access, code, one, &a);

	if (r < 0 && !(r == -ENOENT && code)) {
		api_respond_err(n, c, LD__API_TYPE__API_SOURCE, r, NULL);
	} else if (r == -ENOENT) {
		api_respond_err(n, c, LD__API_TYPE__API_SOURCE, -ENOENT,
				"no source of that credit code is in the register held here");
	} else {
		resp.n_sources = a.n;
		resp.sources = a.p;
		resp.has_as_of_ms = true;
		resp.as_of_ms = a.now_ms;
		resp.has_truncated = a.truncated;
		resp.truncated = a.truncated;
		api_respond(n, c, &resp);
	}
	for (size_t i = 0; i < a.n; i++)
		source_free(a.p[i]);
	free(a.p);
}

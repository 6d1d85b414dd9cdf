/* server/api_search.c: API_SEARCH, finding cases this node holds
 * (common/search.h). */
#include <stdio.h>
#include <stdlib.h>

#include "common/base/errors.h"
#include "common/views/search.h"
#include "server/api_int.h"

void api_search(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q)
{
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_SEARCH);
	Ld__ApiSearchResult out = LD__API_SEARCH_RESULT__INIT;
	const Ld__ApiSearchQuery *sq = q->search;
	Ld__ApiSearchHit *hits = NULL, **hp = NULL;
	ld_search_result_t *res = NULL;
	ld_search_query_t query = {0};
	const char *field, *why;
	char msg[512];
	int r;

	if (sq) {
		query = (ld_search_query_t){
			.text = sq->text,
			.party = sq->party,
			.credit_code = sq->credit_code,
			.region = sq->region,
			.status = sq->status,
			.violation = sq->violation,
			.since_ms = sq->has_since_ms ? sq->since_ms : 0,
			.until_ms = sq->has_until_ms ? sq->until_ms : 0,
			.limit = sq->has_limit ? sq->limit : 0,
		};
	}
	if (ld_search_check(&query, &field, &why) < 0) {
		snprintf(msg, sizeof(msg), "field 'search.%s' %s", field, why);
		api_respond_err(n, c, LD__API_TYPE__API_SEARCH, -EINVAL, msg);
		return;
	}
	if ((r = ld_search(n->store, &query, &res)) < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_SEARCH, r, NULL);
		return;
	}
	hits = calloc(res->n_hits + 1, sizeof(*hits));
	hp = calloc(res->n_hits + 1, sizeof(*hp));
	if (!hits || !hp) {
		api_respond_err(n, c, LD__API_TYPE__API_SEARCH, -ENOMEM, NULL);
		goto out;
	}
	for (size_t i = 0; i < res->n_hits; i++) {
		ld_search_hit_t *h = &res->hits[i];

		ld__api_search_hit__init(&hits[i]);
		hits[i].case_id = h->case_id;
		hits[i].has_referred_ms = hits[i].has_violation = true;
		hits[i].referred_ms = h->referred_ms;
		hits[i].violation = h->violation;
		hits[i].referrer = h->referrer;
		hits[i].holder = h->holder;
		hits[i].status = h->status;
		hits[i].case_status = h->case_status[0] ? h->case_status : NULL;
		hits[i].title = h->title;
		hits[i].party = h->party[0] ? h->party : NULL;
		hp[i] = &hits[i];
	}
	out.n_hits = res->n_hits;
	out.hits = hp;
	out.has_total = out.has_total_known = out.has_rebuilding = true;
	out.total = res->total;
	out.total_known = res->total_known;
	out.rebuilding = res->rebuilding;
	resp.search = &out;
	api_respond(n, c, &resp);
out:
	free(hits);
	free(hp);
	ld_search_result_destroy(&res);
}

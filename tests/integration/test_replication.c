/* tests/integration/test_replication.c: liandongd replicating feeds between
 * separate processes: relay through the province, redaction, receipts,
 * catch-up after an outage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "cluster.h"
#include "testutil.h"

/* A kind this version does not interpret: signed, stored and passed on as
 * is, so any bytes make a payload. */
#define REFERRAL 100

typedef cl_world_t world_t;

struct rcpt_q {
	tn_t *n;
	const char *feed;
	uint64_t seq;
	const char *receiver;
};

static bool has_receipt(void *ud)
{
	struct rcpt_q *q = ud;
	Ld__ApiRequest req = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	bool found = false;

	req.has_type = req.has_seq = true;
	req.type = LD__API_TYPE__API_RECEIPTS;
	req.feed = (char *)q->feed;
	req.seq = q->seq;
	if (ldc_call(q->n->c, &req, 5000, &resp) < 0)
		return false;
	for (size_t i = 0; resp->ok && i < resp->n_receipts; i++)
		if (!strcmp(resp->receipts[i]->receiver, q->receiver) &&
		    resp->receipts[i]->time_ms > 0)
			found = true;
	ld__api_response__free_unpacked(resp, NULL);
	return found;
}

static Ld__ApiResponse *get_entry(tn_t *n, const char *feed, uint64_t seq)
{
	Ld__ApiRequest req = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp = NULL;

	req.has_type = req.has_seq = true;
	req.type = LD__API_TYPE__API_GET;
	req.feed = (char *)feed;
	req.seq = seq;
	assert_int_equal(ldc_call(n->c, &req, 5000, &resp), 0);
	return resp;
}

static void test_relay_redaction_receipts(void **state)
{
	world_t *w = *state;
	const char *to_b[] = {"county-b"};
	char secret[96];
	ldc_ref_t ref;
	Ld__ApiResponse *resp;
	ld_entry_t *e;
	struct rcpt_q q;

	/* A unique marker so its bytes can be searched for in data files. */
	snprintf(secret, sizeof(secret), "CONFIDENTIAL-referral-%08x-%08x-upstream-outfall",
		 (unsigned)random(), (unsigned)getpid());
	assert_int_equal(cl_append(w->a, REFERRAL, to_b, 1, secret, strlen(secret), &ref), 0);
	assert_int_equal(ref.seq, 1);

	/* A's entry reaches B through P (A and B are not connected). */
	assert_int_equal(cl_wait(w->b, "county-a", 1, 15000), 0);
	resp = get_entry(w->b, "county-a", 1);
	assert_true(resp->ok);
	assert_int_equal(resp->n_entries, 1);
	assert_int_equal(
		ld_entry_parse(resp->entries[0]->entry.data, resp->entries[0]->entry.len, &e), 0);
	assert_true(e->has_payload);
	assert_memory_equal(e->payload, secret, strlen(secret));
	assert_memory_equal(e->id, ref.id, 32);
	ld_entry_destroy(&e);
	ld__api_response__free_unpacked(resp, NULL);

	/* B's receipt comes back to A, through P. */
	q = (struct rcpt_q){w->a, "county-a", 1, "county-b"};
	assert_true(cl_until(has_receipt, &q, 15000));
	/* P holds both feeds. */
	assert_int_equal(cl_wait(w->p, "county-a", 1, 5000), 0);
	assert_true(cl_head(w->p, "county-b") >= 1);

	/* C, not a party, holds the header but never the payload. */
	assert_int_equal(cl_wait(w->x, "county-a", 1, 15000), 0);
	resp = get_entry(w->x, "county-a", 1);
	assert_true(resp->ok);
	assert_int_equal(
		ld_entry_parse(resp->entries[0]->entry.data, resp->entries[0]->entry.len, &e), 0);
	assert_false(e->has_payload);
	assert_memory_equal(e->id, ref.id, 32);
	assert_int_equal(e->hdr->payload_len, strlen(secret));
	ld_entry_destroy(&e);
	ld__api_response__free_unpacked(resp, NULL);
	assert_false(cl_data_contains(w->x, secret, strlen(secret)));
	/* ...while the parties' and the superior's files do hold it. */
	assert_true(cl_data_contains(w->b, secret, strlen(secret)));
	assert_true(cl_data_contains(w->p, secret, strlen(secret)));
	/* No receipt from C: it was not addressed. */
	q = (struct rcpt_q){w->a, "county-a", 1, "county-c"};
	assert_false(has_receipt(&q));
}

struct heads_eq {
	world_t *w;
	const char *feeds[4];
};

static bool all_agree(void *ud)
{
	struct heads_eq *h = ud;
	tn_t *nodes[] = {h->w->a, h->w->p, h->w->b};

	for (size_t f = 0; f < 4 && h->feeds[f]; f++) {
		int64_t s0 = cl_head(nodes[0], h->feeds[f]);

		for (size_t i = 1; i < 3; i++)
			if (s0 < 0 || cl_head(nodes[i], h->feeds[f]) != s0)
				return false;
	}
	return true;
}

static void test_outage_catch_up(void **state)
{
	world_t *w = *state;
	const char *to_b[] = {"county-b"};
	enum { N = 10000, GROUP = 100 };
	Ld__AppendItem items[GROUP], *ptrs[GROUP];
	struct heads_eq h = {w, {"county-a", "county-b", "province", NULL}};
	char payload[128];
	double t0;

	assert_int_equal(cl_stop(w->c, w->b), 0);
	/* A appends 10,000 entries for B while B is down. */
	for (int i = 0; i < GROUP; i++) {
		ld__append_item__init(&items[i]);
		items[i].has_kind = items[i].has_payload = true;
		items[i].kind = REFERRAL;
		items[i].audience = (char **)to_b;
		items[i].n_audience = 1;
		items[i].payload.data = (uint8_t *)payload;
		items[i].payload.len = sizeof(payload);
		ptrs[i] = &items[i];
	}
	memset(payload, 'p', sizeof(payload));
	for (int i = 0; i < N / GROUP; i++)
		assert_int_equal(
			ldc_append(w->a->c, (const Ld__AppendItem *const *)ptrs, GROUP, NULL, NULL),
			0);
	assert_int_equal(cl_head(w->a, "county-a"), N);
	assert_int_equal(cl_wait(w->p, "county-a", N, 30000), 0);

	t0 = tu_now();
	assert_int_equal(cl_start(w->c, w->b), 0);
	assert_int_equal(cl_wait(w->b, "county-a", N, 60000), 0);
	printf("# B caught up %d entries in %.2f s\n", N, tu_now() - t0);
	/* B's receipts go out; then all three agree on every feed head. */
	assert_true(cl_until(all_agree, &h, 30000));
	assert_true(cl_head(w->b, "county-b") >= 1);
	assert_true(cl_log_contains(w->b, "peer province up"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_relay_redaction_receipts, cl_world_setup,
						cl_world_teardown),
		cmocka_unit_test_setup_teardown(test_outage_catch_up, cl_world_setup,
						cl_world_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

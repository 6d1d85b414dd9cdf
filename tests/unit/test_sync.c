/* tests/unit/test_sync.c: replication logic of the daemon, in process
 * (server/sync.c through frame.c's table): which feeds are pulled from
 * which peer with what credit, retries and backoff on the daemon's
 * monotonic clock, forks checked, and what a peer receives when it pulls:
 * header and signature only outside the audience, payloads for the
 * audience, the author, everyone-entries and superiors. Real store, real
 * keys, the node's own frames as the network would carry them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/feed/entry.h"
#include "common/base/errors.h"
#include "nodeutil.h"
#include "roster.pb-c.h"

#define CC LD__NODE_KIND__NODE_COMMAND_CENTRE
#define BUREAU LD__NODE_KIND__NODE_BUREAU

typedef struct fx {
	tu_node_t root, a, b, c, city;
	ld_entry_t *roster[8];
	size_t n_roster;
	ld_entry_t *eb[8]; /* county-b's feed */
	nu_t *u;
} fx_t;

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof(*f));

	tu_node_init(&f->root, "province");
	tu_node_init(&f->city, "city-b");
	tu_node_init(&f->a, "county-a");
	tu_node_init(&f->b, "county-b");
	tu_node_init(&f->c, "county-c");
	f->roster[f->n_roster++] = nu_roster_add(&f->root, "province", f->root.pub, CC, NULL);
	f->roster[f->n_roster++] = nu_roster_add(&f->root, "city-b", f->city.pub, CC, "province");
	f->roster[f->n_roster++] =
		nu_roster_add(&f->root, "county-a", f->a.pub, BUREAU, "province");
	f->roster[f->n_roster++] = nu_roster_add(&f->root, "county-b", f->b.pub, BUREAU, "city-b");
	f->roster[f->n_roster++] =
		nu_roster_add(&f->root, "county-c", f->c.pub, BUREAU, "province");
	for (int i = 0; i < 5; i++)
		f->eb[i] = tu_next(&f->b, 100, "update", 6, NULL, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;

	nu_free(&f->u);
	tu_free_run(f->roster, f->n_roster);
	tu_free_run(f->eb, 5);
	tu_node_fini(&f->root);
	tu_node_fini(&f->city);
	tu_node_fini(&f->a);
	tu_node_fini(&f->b);
	tu_node_fini(&f->c);
	free(f);
	return 0;
}

static const Ld__Pull *pull_to(nu_t *u, const char *peer, size_t i)
{
	const nu_sent_t *s = nu_find(u, peer, LD__FRAME__BODY_PULL, i);

	return s ? s->f->pull : NULL;
}

/* A feed is pulled from the first link that announces more than we hold,
 * once (one pull per feed in flight), with the configured credit, and
 * pulled on from where the answer ended. */
static void test_pull_first_announcer_with_credit(void **state)
{
	fx_t *f = *state;
	link_t *lc, *lp;
	const Ld__Pull *p;
	const nu_sent_t *have;

	f->u = nu_new(&f->a, &f->root, f->roster, f->n_roster, "[sync]\ncredit = 3\n");
	lc = nu_link_up(f->u, "county-c");
	lp = nu_link_up(f->u, "province");
	nu_clear(f->u);

	nu_have(f->u, lc, &f->eb[4], 1);
	p = pull_to(f->u, "county-c", 0);
	assert_non_null(p);
	assert_string_equal(p->feed, "county-b");
	assert_int_equal(p->from_seq, 1);
	assert_int_equal(p->credit, 3);
	/* The province announces the same head: the pull in flight covers it. */
	nu_have(f->u, lp, &f->eb[4], 1);
	assert_int_equal(nu_count(f->u, "province", LD__FRAME__BODY_PULL), 0);
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_PULL), 1);

	/* The answer (3 entries, the credit) is stored and announced to every
	 * link; the next pull starts after it, of the same peer. */
	nu_entries(f->u, lc, "county-b", 1, f->eb, 3, true);
	assert_int_equal(nu_head(f->u, "county-b"), 3);
	p = pull_to(f->u, "county-c", 1);
	assert_non_null(p);
	assert_int_equal(p->from_seq, 4);
	assert_int_equal(p->credit, 3);
	assert_int_equal(nu_count(f->u, "province", LD__FRAME__BODY_PULL), 0);
	have = nu_find(f->u, "province", LD__FRAME__BODY_HAVE, 0);
	assert_non_null(have);
	assert_int_equal(have->f->have->n_heads, 1);
	assert_string_equal(have->f->have->heads[0]->feed, "county-b");
	assert_int_equal(have->f->have->heads[0]->seq, 3);
	assert_int_equal(f->u->n->links[0]->entries_in, 3);

	nu_entries(f->u, lc, "county-b", 4, f->eb + 3, 2, true);
	assert_int_equal(nu_head(f->u, "county-b"), 5);
	/* All held: nothing more asked of anyone. */
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_PULL), 2);
	nu_advance(60000);
	ld_sync_timers(f->u->n, nu_now());
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_PULL), 2);
}

/* A peer that answers nothing, refuses, or times out is asked again only
 * after a backoff (1 s, doubling), and another peer that has the feed is
 * asked first; news from the peer ends its backoff. */
static void test_pull_retry_and_backoff(void **state)
{
	fx_t *f = *state;
	link_t *lc, *lp;
	int64_t t;
	ProtobufCBinaryData bad;

	f->u = nu_new(&f->a, &f->root, f->roster, f->n_roster, NULL);
	lc = nu_link_up(f->u, "county-c");
	lp = nu_link_up(f->u, "province");
	nu_have(f->u, lc, &f->eb[4], 1);
	nu_have(f->u, lp, &f->eb[4], 1);
	assert_int_equal(nu_count(f->u, "county-c", LD__FRAME__BODY_PULL), 1);
	nu_clear(f->u);

	/* County-c answers "last" with nothing: it cannot serve what it
	 * announced. The province is asked. */
	nu_entries(f->u, lc, "county-b", 1, NULL, 0, true);
	assert_int_equal(nu_count(f->u, "province", LD__FRAME__BODY_PULL), 1);
	assert_int_equal(pull_to(f->u, "province", 0)->from_seq, 1);
	assert_int_equal(nu_count(f->u, "county-c", LD__FRAME__BODY_PULL), 0);

	/* The province never answers: after 15 s the pull times out, the
	 * province backs off, and county-c (its 1 s backoff over) is asked. */
	t = nu_now();
	nu_advance(LD_PULL_TIMEOUT_MS);
	ld_sync_timers(f->u->n, nu_now());
	assert_int_equal(nu_count(f->u, "county-c", LD__FRAME__BODY_PULL), 0);
	/* The next timer due is that timeout: the loop would sleep until it. */
	assert_int_equal(ld_sync_next_due(f->u->n), t + LD_PULL_TIMEOUT_MS + 1);
	nu_advance(1);
	ld_sync_timers(f->u->n, nu_now());
	assert_int_equal(nu_count(f->u, "county-c", LD__FRAME__BODY_PULL), 1);
	assert_int_equal(nu_count(f->u, "province", LD__FRAME__BODY_PULL), 1);

	/* County-c now sends a batch that fails authentication: refused, and
	 * its backoff doubles to 2 s; the province's (1 s) ends first. */
	bad.data = tu_wire(f->eb[0], &bad.len);
	bad.data[bad.len - 1] ^= 1; /* the payload no longer matches its hash */
	t = nu_now();
	nu_entries_raw(f->u, lc, "county-b", 1, &bad, 1, true);
	free(bad.data);
	assert_int_equal(nu_head(f->u, "county-b"), 0);
	assert_int_equal(nu_count(f->u, "county-c", LD__FRAME__BODY_REFUSAL), 1);
	assert_int_equal(ld_sync_next_due(f->u->n), t + 1000);
	nu_advance(999);
	ld_sync_timers(f->u->n, nu_now());
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_PULL), 2);
	nu_advance(1);
	ld_sync_timers(f->u->n, nu_now());
	assert_int_equal(nu_count(f->u, "province", LD__FRAME__BODY_PULL), 2);
	assert_int_equal(ld_sync_next_due(f->u->n), t + 2000);

	/* The province serves it. */
	nu_entries(f->u, lp, "county-b", 1, f->eb, 5, true);
	assert_int_equal(nu_head(f->u, "county-b"), 5);

	/* News resets a backoff: county-c announces a longer head (seq 6)
	 * and is asked at once, though its 2 s are not over. */
	{
		ld_entry_t *e6 = tu_next(&f->b, 100, "six", 3, NULL, 0);
		size_t before = nu_count(f->u, "county-c", LD__FRAME__BODY_PULL);

		nu_have(f->u, lc, &e6, 1);
		assert_int_equal(nu_count(f->u, "county-c", LD__FRAME__BODY_PULL), before + 1);
		assert_int_equal(pull_to(f->u, "county-c", before)->from_seq, 6);
		ld_entry_destroy(&e6);
	}
}

/* A head announced at a seq we hold, with another id: that one entry is
 * pulled (credit 1), so that ingesting it proves the fork. */
static void test_fork_is_pulled(void **state)
{
	fx_t *f = *state;
	ld_entry_t *fork;
	link_t *lc;
	const Ld__Pull *p;

	f->u = nu_new(&f->a, &f->root, f->roster, f->n_roster, NULL);
	assert_int_equal(tu_ingest(f->u->n->store, f->eb, 2, LD_CHAIN_BATCH, NULL, NULL), 0);
	lc = nu_link_up(f->u, "county-c");
	/* Same head as ours: nothing to do. */
	nu_have(f->u, lc, &f->eb[1], 1);
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_PULL), 0);
	/* Seq 2 again, another entry. */
	f->b.seq = 1;
	memcpy(f->b.head, f->eb[0]->id, LD_ID_LEN);
	fork = tu_fork(&f->b, 100, "other", 5);
	nu_have(f->u, lc, &fork, 1);
	p = pull_to(f->u, "county-c", 0);
	assert_non_null(p);
	assert_int_equal(p->from_seq, 2);
	assert_int_equal(p->credit, 1);
	ld_entry_destroy(&fork);
}

/* ---- serving, redacted ---- */

typedef struct serve_fx {
	fx_t *f;
	ld_entry_t *ea[3];
} serve_fx_t;

static const char P_B[] = "PAYLOAD-ONLY-FOR-COUNTY-B-1234";
static const char P_ALL[] = "PAYLOAD-FOR-EVERYONE";
static const char P_C[] = "PAYLOAD-ONLY-FOR-COUNTY-C-5678";

/* The province holds three entries of county-a: one for county-b, one for
 * everyone, one for county-c. */
static void serve_setup(fx_t *f, ld_entry_t **ea)
{
	const char *to_b[] = {"county-b"}, *to_c[] = {"county-c"};

	ea[0] = tu_next(&f->a, 100, P_B, sizeof(P_B), to_b, 1);
	ea[1] = tu_next(&f->a, 100, P_ALL, sizeof(P_ALL), NULL, 0);
	ea[2] = tu_next(&f->a, 100, P_C, sizeof(P_C), to_c, 1);
	f->u = nu_new(&f->root, &f->root, f->roster, f->n_roster, NULL);
	assert_int_equal(tu_ingest(f->u->n->store, ea, 3, LD_CHAIN_BATCH, NULL, NULL), 0);
}

static void deliver_pull(nu_t *u, link_t *l, const char *feed, uint64_t from, uint32_t credit)
{
	Ld__Frame fr = LD__FRAME__INIT;
	Ld__Pull p = LD__PULL__INIT;

	p.feed = (char *)feed;
	p.has_from_seq = p.has_credit = true;
	p.from_seq = from;
	p.credit = credit;
	fr.body_case = LD__FRAME__BODY_PULL;
	fr.pull = &p;
	nu_deliver(u, l, &fr);
}

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(hay + i, needle, k))
			return true;
	return false;
}

/* What 'peer' receives when it pulls county-a's feed: for each entry,
 * whether its payload came, checked against the original entry (same id,
 * same signed header, signature valid); the raw frame never holds a
 * payload it may not read. */
static void check_served(fx_t *f, ld_entry_t **ea, const char *peer, const bool want[3])
{
	static const char *const payloads[] = {P_B, P_ALL, P_C};
	link_t *l = nu_link_up(f->u, peer);
	const nu_sent_t *s;
	ld_pubkey_t *pub;

	nu_clear(f->u);
	deliver_pull(f->u, l, "county-a", 1, 100);
	s = nu_find(f->u, peer, LD__FRAME__BODY_ENTRIES, 0);
	assert_non_null(s);
	assert_string_equal(s->f->entries->feed, "county-a");
	assert_int_equal(s->f->entries->from_seq, 1);
	assert_true(s->f->entries->last);
	assert_int_equal(s->f->entries->n_entries, 3);
	assert_int_equal(ld_pubkey_new(f->a.pub, &pub), 0);
	for (size_t i = 0; i < 3; i++) {
		ld_entry_t *e = NULL;

		assert_int_equal(ld_entry_parse(s->f->entries->entries[i].data,
						s->f->entries->entries[i].len, &e),
				 0);
		assert_memory_equal(e->id, ea[i]->id, LD_ID_LEN);
		assert_int_equal(ld_entry_verify(e, pub), 0);
		assert_int_equal(e->has_payload, want[i]);
		if (want[i])
			assert_memory_equal(e->payload, payloads[i], strlen(payloads[i]) + 1);
		else
			assert_false(contains(s->raw, s->len, payloads[i]));
		ld_entry_destroy(&e);
	}
	ld_pubkey_destroy(&pub);
}

static void test_serve_redacts_outside_audience(void **state)
{
	fx_t *f = *state;
	ld_entry_t *ea[3];
	/* county-c: not the audience of the first; city-b: superior of
	 * county-b, not of county-c; county-b: the audience of the first;
	 * county-a: the author reads all. */
	const bool for_c[3] = {false, true, true}, for_city[3] = {true, true, false},
		   for_b[3] = {true, true, false}, for_a[3] = {true, true, true};

	serve_setup(f, ea);
	check_served(f, ea, "county-c", for_c);
	check_served(f, ea, "city-b", for_city);
	check_served(f, ea, "county-b", for_b);
	check_served(f, ea, "county-a", for_a);
	assert_int_equal(f->u->n->links[0]->entries_out, 3);
	tu_free_run(ea, 3);
}

/* At most the credit is sent; a pull of a feed not held gets an empty
 * "last" answer (the puller backs off); a malformed pull none. */
static void test_serve_credit_and_limits(void **state)
{
	fx_t *f = *state;
	ld_entry_t *ea[3];
	const nu_sent_t *s;
	link_t *l;

	serve_setup(f, ea);
	l = nu_link_up(f->u, "county-b");
	nu_clear(f->u);
	deliver_pull(f->u, l, "county-a", 2, 1);
	s = nu_find(f->u, "county-b", LD__FRAME__BODY_ENTRIES, 0);
	assert_non_null(s);
	assert_int_equal(s->f->entries->n_entries, 1);
	assert_int_equal(s->f->entries->from_seq, 2);
	assert_true(s->f->entries->last);

	nu_clear(f->u);
	deliver_pull(f->u, l, "county-z", 1, 10);
	s = nu_find(f->u, "county-b", LD__FRAME__BODY_ENTRIES, 0);
	assert_non_null(s);
	assert_int_equal(s->f->entries->n_entries, 0);
	assert_true(s->f->entries->last);

	nu_clear(f->u);
	deliver_pull(f->u, l, "county-a", 0, 10);
	deliver_pull(f->u, l, "not a node id", 1, 10);
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_ENTRIES), 0);
	tu_free_run(ea, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pull_first_announcer_with_credit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pull_retry_and_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_is_pulled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serve_redacts_outside_audience, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_serve_credit_and_limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_ingest.c: what the daemon does with entries a peer
 * sends (server/ingest.c through frame.c's table), in process: stored, or
 * refused with the refusal sent back to the peer naming feed, seq and
 * reason and nothing of the batch stored (bad signature, broken link, gap,
 * unknown author, mislabelled frame); an equivocation proven, the proof
 * kept, the feed frozen and the proof passed on; roster updates the rules
 * refuse kept as history with the reason recorded; receipts for what is
 * addressed to this node. Real store, real keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/domain/access.h"
#include "common/feed/entry.h"
#include "common/base/errors.h"
#include "nodeutil.h"
#include "receipt.pb-c.h"
#include "roster.pb-c.h"

#define CC LD__NODE_KIND__NODE_COMMAND_CENTRE
#define BUREAU LD__NODE_KIND__NODE_BUREAU

typedef struct fx {
	tu_node_t root, a, b, c, z;
	ld_entry_t *roster[8];
	size_t n_roster;
	ld_entry_t *eb[4]; /* county-b's feed, for everyone */
	nu_t *u;
	link_t *lp, *lc; /* links from the province and county-c */
} fx_t;

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof(*f));

	tu_node_init(&f->root, "province");
	tu_node_init(&f->a, "county-a");
	tu_node_init(&f->b, "county-b");
	tu_node_init(&f->c, "county-c");
	tu_node_init(&f->z, "county-z"); /* never in the roster */
	f->roster[f->n_roster++] = nu_roster_add(&f->root, "province", f->root.pub, CC, NULL);
	f->roster[f->n_roster++] =
		nu_roster_add(&f->root, "county-a", f->a.pub, BUREAU, "province");
	f->roster[f->n_roster++] =
		nu_roster_add(&f->root, "county-b", f->b.pub, BUREAU, "province");
	f->roster[f->n_roster++] =
		nu_roster_add(&f->root, "county-c", f->c.pub, BUREAU, "province");
	for (int i = 0; i < 4; i++)
		f->eb[i] = tu_next(&f->b, 100, "status update", 13, NULL, 0);
	f->u = nu_new(&f->a, &f->root, f->roster, f->n_roster, NULL);
	f->lp = nu_link_up(f->u, "province");
	f->lc = nu_link_up(f->u, "county-c");
	nu_clear(f->u);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;

	nu_free(&f->u);
	tu_free_run(f->roster, f->n_roster);
	tu_free_run(f->eb, 4);
	tu_node_fini(&f->root);
	tu_node_fini(&f->a);
	tu_node_fini(&f->b);
	tu_node_fini(&f->c);
	tu_node_fini(&f->z);
	free(f);
	return 0;
}

/* The one Refusal sent to 'peer' since the last clear: feed, seq, code. */
static void assert_refused(nu_t *u, const char *peer, const char *feed, uint64_t seq, int code)
{
	const nu_sent_t *s = nu_find(u, peer, LD__FRAME__BODY_REFUSAL, 0);

	assert_non_null(s);
	assert_null(nu_find(u, peer, LD__FRAME__BODY_REFUSAL, 1));
	assert_string_equal(s->f->refusal->feed, feed);
	assert_int_equal(s->f->refusal->seq, seq);
	assert_int_equal(s->f->refusal->code, code);
	assert_string_equal(s->f->refusal->reason, ld_strerror(code));
}

/* Wire bytes of 'e' with its signature's first byte flipped. */
static ProtobufCBinaryData forged_sig(const ld_entry_t *e)
{
	ld_entry_t copy = *e;
	ProtobufCBinaryData b;

	copy.sig[0] ^= 0x01;
	b.len = ld_entry_wire_size(&copy, true);
	b.data = malloc(b.len);
	assert_non_null(b.data);
	ld_entry_encode(&copy, true, b.data);
	return b;
}

static void test_bad_signature_refused(void **state)
{
	fx_t *f = *state;
	ProtobufCBinaryData bins[2];

	/* The last signature of a batch is verified: a forged one refuses
	 * the whole batch. */
	bins[0].data = tu_wire(f->eb[0], &bins[0].len);
	bins[1] = forged_sig(f->eb[1]);
	nu_entries_raw(f->u, f->lp, "county-b", 1, bins, 2, true);
	assert_int_equal(nu_head(f->u, "county-b"), 0);
	assert_refused(f->u, "province", "county-b", 2, LD_EBADSIG);
	free(bins[0].data);
	free(bins[1].data);

	/* A forged signature in the middle changes that entry's id, which the
	 * next entry's prev names: the links catch it. */
	nu_clear(f->u);
	bins[0] = forged_sig(f->eb[0]);
	bins[1].data = tu_wire(f->eb[1], &bins[1].len);
	nu_entries_raw(f->u, f->lp, "county-b", 1, bins, 2, true);
	assert_int_equal(nu_head(f->u, "county-b"), 0);
	assert_refused(f->u, "province", "county-b", 2, LD_ELINK);
	free(bins[0].data);
	free(bins[1].data);
	/* Nothing was announced: nothing was stored. */
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_HAVE), 0);

	/* The same entries, intact, are stored. */
	nu_clear(f->u);
	nu_entries(f->u, f->lp, "county-b", 1, f->eb, 2, true);
	assert_int_equal(nu_head(f->u, "county-b"), 2);
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_REFUSAL), 0);
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_HAVE), 2);
}

static void test_gap_refused(void **state)
{
	fx_t *f = *state;

	nu_entries(f->u, f->lp, "county-b", 2, f->eb + 1, 2, true);
	assert_int_equal(nu_head(f->u, "county-b"), 0);
	assert_refused(f->u, "province", "county-b", 2, LD_EGAP);

	nu_clear(f->u);
	nu_entries(f->u, f->lp, "county-b", 1, f->eb, 3, true);
	assert_int_equal(nu_head(f->u, "county-b"), 3);
	/* Held already: a replay is no news and no refusal. */
	nu_clear(f->u);
	nu_entries(f->u, f->lp, "county-b", 1, f->eb, 3, true);
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_REFUSAL), 0);
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_HAVE), 0);
}

static void test_unknown_author_and_mislabelled_frame(void **state)
{
	fx_t *f = *state;
	ld_entry_t *ez = tu_next(&f->z, 100, "who am I", 8, NULL, 0);
	ld_entry_t *ec = tu_next(&f->c, 100, "county-c's", 10, NULL, 0);

	nu_entries(f->u, f->lp, "county-z", 1, &ez, 1, true);
	assert_int_equal(nu_head(f->u, "county-z"), 0);
	assert_refused(f->u, "province", "county-z", 1, LD_EUNKNOWN);

	/* A frame labelled county-b carrying county-c's entry: refused whole,
	 * nothing of county-c stored under either name. */
	nu_clear(f->u);
	nu_entries(f->u, f->lc, "county-b", 1, &ec, 1, true);
	assert_refused(f->u, "county-c", "county-b", 1, LD_EMALFORMED);
	assert_int_equal(nu_head(f->u, "county-b"), 0);
	assert_int_equal(nu_head(f->u, "county-c"), 0);
	ld_entry_destroy(&ez);
	ld_entry_destroy(&ec);
}

/* Two frames of one round: the bad batch is refused alone. */
static void test_bad_batch_alone_in_a_round(void **state)
{
	fx_t *f = *state;
	ld_entry_t *ec = tu_next(&f->c, 100, "county-c's", 10, NULL, 0);
	Ld__Frame fr = LD__FRAME__INIT;
	Ld__Entries e = LD__ENTRIES__INIT;
	ProtobufCBinaryData good, gap;

	good.data = tu_wire(ec, &good.len);
	gap.data = tu_wire(f->eb[2], &gap.len);
	fr.body_case = LD__FRAME__BODY_ENTRIES;
	fr.entries = &e;
	e.has_from_seq = e.has_last = e.last = true;
	e.n_entries = 1;
	e.feed = "county-c";
	e.from_seq = 1;
	e.entries = &good;
	nu_deliver(f->u, f->lc, &fr);
	e.feed = "county-b";
	e.from_seq = 3;
	e.entries = &gap;
	nu_deliver(f->u, f->lp, &fr);
	nu_turn(f->u);
	assert_int_equal(nu_head(f->u, "county-c"), 1);
	assert_int_equal(nu_head(f->u, "county-b"), 0);
	assert_refused(f->u, "province", "county-b", 3, LD_EGAP);
	assert_int_equal(nu_count(f->u, "county-c", LD__FRAME__BODY_REFUSAL), 0);
	free(good.data);
	free(gap.data);
	ld_entry_destroy(&ec);
}

static int count_alerts(void *ud, const ld_equivocation_t *eq)
{
	(*(int *)ud)++;
	return 0;
}

static void test_equivocation_proven_and_passed_on(void **state)
{
	fx_t *f = *state;
	ld_entry_t *fork;
	ld_feed_head_t h;
	const nu_sent_t *p;
	int alerts = 0;

	nu_entries(f->u, f->lp, "county-b", 1, f->eb, 2, true);
	assert_int_equal(nu_head(f->u, "county-b"), 2);
	/* County-b signs another seq 2. */
	f->b.seq = 1;
	memcpy(f->b.head, f->eb[0]->id, LD_ID_LEN);
	fork = tu_fork(&f->b, 100, "something else", 14);
	nu_clear(f->u);
	nu_entries(f->u, f->lc, "county-b", 2, &fork, 1, true);
	assert_refused(f->u, "county-c", "county-b", 2, LD_EEQUIVOCATION);
	assert_int_equal(ld_store_foreach_equivocation(f->u->n->store, count_alerts, &alerts), 0);
	assert_int_equal(alerts, 1);
	assert_int_equal(ld_store_head(f->u->n->store, "county-b", &h), 0);
	assert_true(h.frozen);
	assert_int_equal(h.seq, 2);
	/* The proof goes to every link, the one that brought it too. */
	p = nu_find(f->u, "province", LD__FRAME__BODY_PROOF, 0);
	assert_non_null(p);
	assert_non_null(nu_find(f->u, "county-c", LD__FRAME__BODY_PROOF, 0));
	{
		ld_entry_t *pa = NULL, *pb = NULL;

		assert_int_equal(ld_entry_parse(p->f->proof->a.data, p->f->proof->a.len, &pa), 0);
		assert_int_equal(ld_entry_parse(p->f->proof->b.data, p->f->proof->b.len, &pb), 0);
		assert_memory_equal(pa->id, f->eb[1]->id, LD_ID_LEN);
		assert_memory_equal(pb->id, fork->id, LD_ID_LEN);
		/* Passed on redacted: headers and signatures prove it. */
		assert_false(pa->has_payload);
		ld_entry_destroy(&pa);
		ld_entry_destroy(&pb);
	}
	/* The frozen feed takes nothing more, from anyone. */
	nu_clear(f->u);
	nu_entries(f->u, f->lp, "county-b", 3, f->eb + 2, 1, true);
	assert_refused(f->u, "province", "county-b", 3, LD_EEQUIVOCATION);
	assert_int_equal(nu_head(f->u, "county-b"), 2);
	/* The same proof from a peer is known: not passed on again. */
	nu_clear(f->u);
	{
		Ld__Frame fr = LD__FRAME__INIT;
		Ld__Proof pr = LD__PROOF__INIT;
		ProtobufCBinaryData a, b;

		a.data = tu_wire(f->eb[1], &a.len);
		b.data = tu_wire(fork, &b.len);
		pr.has_a = pr.has_b = true;
		pr.a = a;
		pr.b = b;
		fr.body_case = LD__FRAME__BODY_PROOF;
		fr.proof = &pr;
		nu_deliver(f->u, f->lp, &fr);
		assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_PROOF), 0);
		/* Two entries that are not a fork prove nothing. */
		free(b.data);
		b.data = tu_wire(f->eb[0], &b.len);
		pr.b = b;
		nu_deliver(f->u, f->lp, &fr);
		assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_PROOF), 0);
		free(a.data);
		free(b.data);
	}
	ld_entry_destroy(&fork);
}

/* A proof of a fork this node never saw, from a peer: verified, kept, the
 * feed frozen, passed on to the other links only. */
static void test_proof_from_peer(void **state)
{
	fx_t *f = *state;
	ld_entry_t *c1 = tu_next(&f->c, 100, "one", 3, NULL, 0), *c1b;
	Ld__Frame fr = LD__FRAME__INIT;
	Ld__Proof pr = LD__PROOF__INIT;
	ld_feed_head_t h;

	f->c.seq = 0;
	c1b = tu_fork(&f->c, 100, "two", 3);
	pr.has_a = pr.has_b = true;
	pr.a.data = tu_wire(c1, &pr.a.len);
	pr.b.data = tu_wire(c1b, &pr.b.len);
	fr.body_case = LD__FRAME__BODY_PROOF;
	fr.proof = &pr;
	nu_deliver(f->u, f->lp, &fr);
	assert_int_equal(ld_store_head(f->u->n->store, "county-c", &h), 0);
	assert_true(h.frozen);
	assert_non_null(nu_find(f->u, "county-c", LD__FRAME__BODY_PROOF, 0));
	assert_null(nu_find(f->u, "province", LD__FRAME__BODY_PROOF, 0));
	free(pr.a.data);
	free(pr.b.data);
	ld_entry_destroy(&c1);
	ld_entry_destroy(&c1b);
}

/* Entries naming this node are acknowledged in one receipt of its own
 * feed per round, addressed to their authors, and announced. */
static void test_receipt_for_entries_addressed_here(void **state)
{
	fx_t *f = *state;
	const char *to_a[] = {"county-a"}, *to_b[] = {"county-b"};
	ld_entry_t *run[3];
	ld_entry_t *rcpt = NULL;
	Ld__DeliveryReceipt *d;
	const nu_sent_t *have;

	run[0] = tu_next(&f->c, 100, "to a", 4, to_a, 1);
	run[1] = tu_next(&f->c, 100, "to all", 6, NULL, 0);
	run[2] = tu_next(&f->c, 100, "to b", 4, to_b, 1);
	nu_entries(f->u, f->lc, "county-c", 1, run, 3, true);
	assert_int_equal(nu_head(f->u, "county-c"), 3);
	assert_int_equal(nu_head(f->u, "county-a"), 1);
	assert_int_equal(ld_store_get(f->u->n->store, "county-a", 1, &rcpt, NULL), 0);
	assert_int_equal(rcpt->hdr->kind, LD__KIND__KIND_DELIVERY_RECEIPT);
	assert_int_equal(rcpt->hdr->n_audience, 1);
	assert_string_equal(rcpt->hdr->audience[0], "county-c");
	d = ld__delivery_receipt__unpack(NULL, rcpt->payload_len, rcpt->payload);
	assert_non_null(d);
	/* Only the entry naming this node, not the one for everyone nor the
	 * one for another unit. */
	assert_int_equal(d->n_entries, 1);
	assert_string_equal(d->entries[0]->feed, "county-c");
	assert_int_equal(d->entries[0]->seq, 1);
	assert_memory_equal(d->entries[0]->id.data, run[0]->id, LD_ID_LEN);
	assert_string_equal(d->via, "county-c");
	ld__delivery_receipt__free_unpacked(d, NULL);
	/* One Have per link with both heads that moved. */
	have = nu_find(f->u, "province", LD__FRAME__BODY_HAVE, 0);
	assert_non_null(have);
	assert_null(nu_find(f->u, "province", LD__FRAME__BODY_HAVE, 1));
	assert_int_equal(have->f->have->n_heads, 2);
	ld_entry_destroy(&rcpt);
	tu_free_run(run, 3);
}

/* A roster update the rules refuse (adding a member twice) is kept as the
 * root's signed history with the reason recorded, and changes nothing; a
 * valid one changes the roster once the outbox is done. */
static void test_roster_refusal_recorded(void **state)
{
	fx_t *f = *state;
	tu_node_t d;
	ld_entry_t *run[2];
	char why[256];

	tu_node_init(&d, "county-d");
	run[0] = nu_roster_add(&f->root, "county-b", d.pub, BUREAU, "province");
	run[1] = nu_roster_add(&f->root, "county-d", d.pub, BUREAU, "province");
	nu_entries(f->u, f->lp, "province", f->n_roster + 1, run, 2, true);
	assert_int_equal(nu_head(f->u, "province"), f->n_roster + 2);
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_REFUSAL), 0);
	assert_int_equal(
		ld_store_refusal(f->u->n->store, "province", f->n_roster + 1, why, sizeof(why)), 0);
	assert_true(strlen(why) > 0);
	assert_int_equal(
		ld_store_refusal(f->u->n->store, "province", f->n_roster + 2, why, sizeof(why)),
		-ENOENT);
	/* County-b keeps its key: its entries still verify. */
	nu_entries(f->u, f->lp, "county-b", 1, f->eb, 1, true);
	assert_int_equal(nu_head(f->u, "county-b"), 1);
	/* The new member is known to the node's access rules. */
	assert_true(ld_access_member(f->u->n->access, "county-d"));
	tu_free_run(run, 2);
	tu_node_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_signature_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_author_and_mislabelled_frame, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_batch_alone_in_a_round, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equivocation_proven_and_passed_on, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proof_from_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt_for_entries_addressed_here, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_roster_refusal_recorded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

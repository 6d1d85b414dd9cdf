/* tests/unit/test_escalate.c: the escalation policy of command centres
 * (server/escalate.c), in process on a real store: who escalates what
 * (a command centre, for the units of its own subtree; a bureau never),
 * once per missed deadline (also across a restart), deadlines judged as
 * dates on the wall clock, the watcher run every interval of the
 * monotonic clock, and the signed Escalation announced through the outbox. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "action.pb-c.h"
#include "case.pb-c.h"
#include "common/base/errors.h"
#include "nodeutil.h"
#include "roster.pb-c.h"
#include "server/escalate.h"

#define CC LD__NODE_KIND__NODE_COMMAND_CENTRE
#define BUREAU LD__NODE_KIND__NODE_BUREAU
#define HOUR INT64_C(3600000)

typedef struct fx {
	tu_node_t root, city, a, b, c;
	ld_entry_t *roster[8];
	size_t n_roster;
	ld_entry_t *work[8]; /* referrals and the action, in store order */
	size_t n_work;
	int64_t missed_ms; /* the deadline missed */
	nu_t *u;
} fx_t;

static ld_entry_t *referral(tu_node_t *n, const char *case_id, const char *to, int64_t answer_by)
{
	Ld__CaseReferral m = LD__CASE_REFERRAL__INIT;
	const char *aud[] = {to};
	uint8_t buf[512];

	m.case_id = (char *)case_id;
	m.title = "Dyeing plant discharging into the Grand Canal";
	m.has_violation = true;
	m.violation = LD__VIOLATION__VIOLATION_WATER;
	m.facts = "COD 412 mg/L at outfall 3";
	m.addressee = (char *)to;
	m.has_answer_by_ms = true;
	m.answer_by_ms = answer_by;
	return tu_next(n, LD__KIND__KIND_CASE_REFERRAL, buf, ld__case_referral__pack(&m, buf), aud,
		       1);
}

static ld_entry_t *dispatch(tu_node_t *n, const char *action_id, int64_t ack_by)
{
	Ld__ActionDispatch m = LD__ACTION_DISPATCH__INIT;
	Ld__ActionDispatch__Participant p[2], *pp[2];
	const char *aud[] = {"county-b", "county-c"};
	uint8_t buf[512];

	for (int i = 0; i < 2; i++) {
		ld__action_dispatch__participant__init(&p[i]);
		p[i].node_id = (char *)aud[i];
		p[i].has_role = true;
		p[i].role = LD__PARTICIPANT_ROLE__PARTICIPANT_ROLE_SUPPORT;
		pp[i] = &p[i];
	}
	m.action_id = (char *)action_id;
	m.has_kind = m.has_priority = m.has_ack_by_ms = true;
	m.kind = LD__ACTION_KIND__ACTION_KIND_JOINT_INSPECTION;
	m.priority = LD__PRIORITY__PRIORITY_URGENT;
	m.title = "Joint inspection of the canal outfalls";
	m.n_participants = 2;
	m.participants = pp;
	m.ack_by_ms = ack_by;
	return tu_next(n, LD__KIND__KIND_ACTION_DISPATCH, buf, ld__action_dispatch__pack(&m, buf),
		       aud, 2);
}

static ld_entry_t *acknowledge(tu_node_t *n, const ld_entry_t *d, const char *action_id)
{
	Ld__ActionResponse m = LD__ACTION_RESPONSE__INIT;
	Ld__EntryRef ref = LD__ENTRY_REF__INIT;
	const char *aud[] = {d->hdr->author};
	uint8_t buf[512];

	ref.feed = d->hdr->author;
	ref.has_seq = ref.has_id = true;
	ref.seq = d->hdr->seq;
	ref.id.data = (uint8_t *)d->id;
	ref.id.len = LD_ID_LEN;
	m.dispatch = &ref;
	m.action_id = (char *)action_id;
	m.has_response = true;
	m.response = LD__ACTION_REPLY__ACTION_REPLY_ACKNOWLEDGED;
	return tu_next(n, LD__KIND__KIND_ACTION_RESPONSE, buf, ld__action_response__pack(&m, buf),
		       aud, 1);
}

/* The province (root), a city command centre over county-a and county-b,
 * county-c directly under the province. County-a refers R-1 to county-b
 * and R-2 to county-c, both an hour past their answer-by date, and R-3 to
 * county-b due tomorrow; the province dispatches an inspection to
 * county-b and county-c, an hour past its acknowledge-by date, and only
 * county-c acknowledges. */
static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof(*f));
	int64_t now = ld_now_ms();

	tu_node_init(&f->root, "province");
	tu_node_init(&f->city, "city");
	tu_node_init(&f->a, "county-a");
	tu_node_init(&f->b, "county-b");
	tu_node_init(&f->c, "county-c");
	f->roster[f->n_roster++] = nu_roster_add(&f->root, "province", f->root.pub, CC, NULL);
	f->roster[f->n_roster++] = nu_roster_add(&f->root, "city", f->city.pub, CC, "province");
	f->roster[f->n_roster++] = nu_roster_add(&f->root, "county-a", f->a.pub, BUREAU, "city");
	f->roster[f->n_roster++] = nu_roster_add(&f->root, "county-b", f->b.pub, BUREAU, "city");
	f->roster[f->n_roster++] =
		nu_roster_add(&f->root, "county-c", f->c.pub, BUREAU, "province");
	f->missed_ms = now - HOUR;
	f->work[f->n_work++] = referral(&f->a, "county-a/R-1", "county-b", now - HOUR);
	f->work[f->n_work++] = referral(&f->a, "county-a/R-2", "county-c", now - HOUR);
	f->work[f->n_work++] = referral(&f->a, "county-a/R-3", "county-b", now + 24 * HOUR);
	f->work[f->n_work++] = dispatch(&f->root, "province/A-1", now - HOUR);
	f->c.time_ms = f->work[3]->hdr->time_ms + 60000; /* a minute after the dispatch */
	f->work[f->n_work++] = acknowledge(&f->c, f->work[3], "province/A-1");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;

	nu_free(&f->u);
	tu_free_run(f->roster, f->n_roster);
	tu_free_run(f->work, f->n_work);
	tu_node_fini(&f->root);
	tu_node_fini(&f->city);
	tu_node_fini(&f->a);
	tu_node_fini(&f->b);
	tu_node_fini(&f->c);
	free(f);
	return 0;
}

/* Node 'self' holding the roster and all the work. */
static nu_t *node(fx_t *f, const tu_node_t *self, const char *extra)
{
	nu_t *u = nu_new(self, &f->root, f->roster, f->n_roster, extra);

	assert_int_equal(tu_ingest(u->n->store, f->work, 3, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(tu_ingest(u->n->store, f->work + 3, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	assert_int_equal(tu_ingest(u->n->store, f->work + 4, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	return u;
}

/* The escalations 'self' has signed, as "responsible what thread" lines. */
static void signed_escalations(nu_t *u, const char *self, char *out, size_t size)
{
	uint64_t head = nu_head(u, self);

	out[0] = 0;
	for (uint64_t s = 1; s <= head; s++) {
		ld_entry_t *e = NULL;
		Ld__Escalation *m;

		assert_int_equal(ld_store_get(u->n->store, self, s, &e, NULL), 0);
		if (e->hdr->kind != LD__KIND__KIND_ESCALATION) {
			ld_entry_destroy(&e);
			continue;
		}
		m = ld__escalation__unpack(NULL, e->payload_len, e->payload);
		assert_non_null(m);
		snprintf(out + strlen(out), size - strlen(out), "%s %s %s;", m->responsible,
			 m->what == LD__OVERDUE__OVERDUE_ANSWER ? "answer" : "ack",
			 m->case_id ? m->case_id : m->action_id);
		ld__escalation__free_unpacked(m, NULL);
		ld_entry_destroy(&e);
	}
}

static bool has(const char *list, const char *item)
{
	return strstr(list, item) != NULL;
}

/* The city escalates, once, what its own units missed: county-b's answer
 * to R-1 and its acknowledgement of A-1; not county-c's (not its unit),
 * not R-3 (not due). */
static void test_city_escalates_its_subtree_once(void **state)
{
	fx_t *f = *state;
	char list[1024];
	ld_entry_t *e = NULL;
	Ld__Escalation *m;
	const nu_sent_t *have;

	f->u = node(f, &f->city, NULL);
	nu_link_up(f->u, "province");
	nu_clear(f->u);
	ld_escalate_tick(f->u->n, nu_now());
	signed_escalations(f->u, "city", list, sizeof(list));
	assert_int_equal(nu_head(f->u, "city"), 2);
	assert_true(has(list, "county-b answer county-a/R-1;"));
	assert_true(has(list, "county-b ack province/A-1;"));

	/* The escalation of R-1: to the unit at fault, the referring unit and
	 * the city's superior, escalated to that superior, with the missed
	 * deadline and the referral it concerns. */
	for (uint64_t s = 1; s <= 2; s++) {
		assert_int_equal(ld_store_get(f->u->n->store, "city", s, &e, NULL), 0);
		m = ld__escalation__unpack(NULL, e->payload_len, e->payload);
		if (m->case_id) {
			assert_int_equal(e->hdr->n_audience, 3);
			assert_string_equal(e->hdr->audience[0], "county-b");
			assert_string_equal(e->hdr->audience[1], "county-a");
			assert_string_equal(e->hdr->audience[2], "province");
			assert_string_equal(m->escalated_to, "province");
			assert_int_equal(m->deadline_ms, f->missed_ms);
			assert_string_equal(m->overdue->feed, "county-a");
			assert_int_equal(m->overdue->seq, 1);
			assert_memory_equal(m->overdue->id.data, f->work[0]->id, LD_ID_LEN);
		}
		ld__escalation__free_unpacked(m, NULL);
		ld_entry_destroy(&e);
	}

	/* Signed, then announced once the loop does the outbox. */
	assert_true(ld_outbox_pending(f->u->n->outbox));
	assert_int_equal(nu_count(f->u, NULL, LD__FRAME__BODY_HAVE), 0);
	ld_node_drain(f->u->n);
	have = nu_find(f->u, "province", LD__FRAME__BODY_HAVE, 0);
	assert_non_null(have);
	assert_string_equal(have->f->have->heads[0]->feed, "city");
	assert_int_equal(have->f->have->heads[0]->seq, 2);

	/* Once: the next intervals, and a restart, escalate nothing again. */
	nu_advance(30000);
	ld_escalate_tick(f->u->n, nu_now());
	nu_advance(30000);
	ld_escalate_tick(f->u->n, nu_now());
	assert_int_equal(nu_head(f->u, "city"), 2);
	nu_restart(f->u);
	nu_advance(30000);
	ld_escalate_tick(f->u->n, nu_now());
	assert_int_equal(nu_head(f->u, "city"), 2);
}

/* The province's subtree is everyone: it escalates all three misses. */
static void test_province_escalates_everything_below(void **state)
{
	fx_t *f = *state;
	char list[1024];

	f->u = node(f, &f->root, NULL);
	ld_escalate_tick(f->u->n, nu_now());
	signed_escalations(f->u, "province", list, sizeof(list));
	assert_true(has(list, "county-b answer county-a/R-1;"));
	assert_true(has(list, "county-c answer county-a/R-2;"));
	assert_true(has(list, "county-b ack province/A-1;"));
	assert_false(has(list, "county-c ack"));
	assert_false(has(list, "R-3"));
}

/* A bureau watches nothing; made to watch, it has no units below it; a
 * command centre told not to watch does not. */
static void test_who_does_not_escalate(void **state)
{
	fx_t *f = *state;

	f->u = node(f, &f->a, NULL);
	ld_escalate_tick(f->u->n, nu_now());
	assert_int_equal(nu_head(f->u, "county-a"), 3); /* its referrals, nothing more */
	nu_free(&f->u);

	f->u = node(f, &f->c, "[escalation]\nenabled = yes\n");
	ld_escalate_tick(f->u->n, nu_now());
	assert_int_equal(nu_head(f->u, "county-c"), 1); /* its acknowledgement */
	nu_free(&f->u);

	f->u = node(f, &f->city, "[escalation]\nenabled = no\n");
	ld_escalate_tick(f->u->n, nu_now());
	assert_int_equal(nu_head(f->u, "city"), 0);
}

/* The watcher runs every interval_s of the monotonic clock; deadlines are
 * dates, judged on the wall clock: however far the monotonic clock moves,
 * R-3 (due tomorrow by the calendar) is not escalated. */
static void test_interval_monotonic_deadlines_wall(void **state)
{
	fx_t *f = *state;
	ld_entry_t *r4;

	f->u = node(f, &f->root, "[escalation]\ninterval_s = 60\n");
	ld_escalate_tick(f->u->n, nu_now());
	assert_int_equal(nu_head(f->u, "province"), f->n_roster + 1 + 3);
	/* A new miss arrives: judged at the next interval, not before. */
	r4 = referral(&f->a, "county-a/R-4", "county-c", ld_now_ms() - HOUR);
	assert_int_equal(tu_ingest(f->u->n->store, &r4, 1, LD_CHAIN_BATCH, NULL, NULL), 0);
	nu_advance(59999);
	ld_escalate_tick(f->u->n, nu_now());
	assert_int_equal(nu_head(f->u, "province"), f->n_roster + 1 + 3);
	nu_advance(1);
	ld_escalate_tick(f->u->n, nu_now());
	assert_int_equal(nu_head(f->u, "province"), f->n_roster + 1 + 4);
	/* Two days on the monotonic clock: R-3 is still not due. */
	nu_advance(48 * HOUR);
	ld_escalate_tick(f->u->n, nu_now());
	assert_int_equal(nu_head(f->u, "province"), f->n_roster + 1 + 4);
	ld_entry_destroy(&r4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_city_escalates_its_subtree_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_province_escalates_everything_below, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_who_does_not_escalate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interval_monotonic_deadlines_wall, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

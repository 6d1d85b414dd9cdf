/* tests/unit/nodeutil.c: see nodeutil.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/conf/config.h"
#include "common/crypto/curve.h"
#include "roster.pb-c.h"
#include "server/clock.h"
#include "server/frame.h"
#include "server/ingest.h"
#include "server/log.h"
#include "nodeutil.h"

static int64_t clock_ms = 1000000;

int64_t nu_now(void)
{
	return clock_ms;
}

void nu_advance(int64_t ms)
{
	clock_ms += ms;
}

ld_entry_t *nu_roster_add(tu_node_t *root, const char *id, const uint8_t *pub, uint32_t kind,
			  const char *superior)
{
	Ld__RosterUpdate u = LD__ROSTER_UPDATE__INIT;
	uint8_t buf[1024];

	u.has_action = true;
	u.action = LD__ROSTER_UPDATE__ACTION__ADD;
	u.node_id = (char *)id;
	u.name = (char *)id;
	u.has_kind = true;
	u.kind = kind;
	u.region_code = "330100";
	u.superior = (char *)superior;
	u.has_sign_key = true;
	u.sign_key.data = (uint8_t *)pub;
	u.sign_key.len = LD_PUBKEY_LEN;
	return tu_next(root, LD__KIND__KIND_ROSTER_UPDATE, buf, ld__roster_update__pack(&u, buf),
		       NULL, 0);
}

static int tap_frame(void *ud, link_t *l, const void *data, size_t len)
{
	nu_t *u = ud;
	nu_sent_t *s;

	if (u->send_result < 0)
		return u->send_result;
	assert_true(u->n_sent < NU_SENT_MAX);
	s = &u->sent[u->n_sent++];
	snprintf(s->peer, sizeof(s->peer), "%s", l->peer);
	s->raw = malloc(len ? len : 1);
	assert_non_null(s->raw);
	memcpy(s->raw, data, len);
	s->len = len;
	s->f = ld__frame__unpack(NULL, len, data);
	/* Whatever the node sends must decode. */
	assert_non_null(s->f);
	return 0;
}

static void node_open(nu_t *u)
{
	char path[4200], err[1024];
	ld_config_t *conf = NULL;
	ld_node_tap_t tap = {.frame = tap_frame, .ud = u};

	snprintf(path, sizeof(path), "%s/node.conf", u->dir);
	if (ld_config_load(path, &conf, err, sizeof(err)) < 0)
		fail_msg("config: %s", err);
	ld_log_set_level((enum ld_log_level)conf->log_level);
	assert_int_equal(ld_node_new(conf, &u->n), 0);
	ld_node_set_tap(u->n, &tap);
}

nu_t *nu_new(const tu_node_t *self, const tu_node_t *root, ld_entry_t *const *roster,
	     size_t n_roster, const char *extra)
{
	nu_t *u = calloc(1, sizeof(*u));
	char path[4200];
	ld_curve_pair_t cp;
	FILE *f;

	assert_non_null(u);
	ld_mono_override(nu_now);
	u->dir = tu_tmpdir("node");
	snprintf(path, sizeof(path), "%s/node.key", u->dir);
	assert_int_equal(ld_key_save(self->key, path), 0);
	snprintf(path, sizeof(path), "%s/node.curve", u->dir);
	assert_int_equal(ld_curve_create(path, &cp), 0);
	snprintf(path, sizeof(path), "%s/root.pub", u->dir);
	assert_int_equal(ld_pubkey_save_hex(root->pub, path), 0);
	snprintf(path, sizeof(path), "%s/node.conf", u->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"[node]\nid = %s\ndata = data\nkey = node.key\ncurve = node.curve\n"
		"root = root.pub\nlog_level = warn\n%s",
		self->id, extra ? extra : "");
	fclose(f);
	node_open(u);
	if (n_roster) {
		assert_int_equal(
			tu_ingest(u->n->store, roster, n_roster, LD_CHAIN_EACH_SIG, NULL, NULL), 0);
		ld_node_roster_changed(u->n);
	}
	return u;
}

void nu_clear(nu_t *u)
{
	for (size_t i = 0; i < u->n_sent; i++) {
		ld__frame__free_unpacked(u->sent[i].f, NULL);
		free(u->sent[i].raw);
	}
	u->n_sent = 0;
}

void nu_free(nu_t **u_p)
{
	nu_t *u = *u_p;

	if (!u)
		return;
	nu_clear(u);
	ld_node_destroy(&u->n);
	tu_rmrf(u->dir);
	free(u->dir);
	free(u);
	ld_mono_override(NULL);
	*u_p = NULL;
}

void nu_restart(nu_t *u)
{
	ld_node_destroy(&u->n);
	node_open(u);
}

link_t *nu_link(nu_t *u, const char *peer)
{
	link_t *l = ld_link_new(u->n, peer, false);

	assert_non_null(l);
	return l;
}

void nu_deliver_raw(nu_t *u, link_t *l, const void *data, size_t len)
{
	ld_frame_handle(u->n, l, data, len);
}

void nu_deliver(nu_t *u, link_t *l, const Ld__Frame *f)
{
	size_t len = ld__frame__get_packed_size(f);
	uint8_t *buf = malloc(len ? len : 1);

	assert_non_null(buf);
	ld__frame__pack(f, buf);
	nu_deliver_raw(u, l, buf, len);
	free(buf);
}

void nu_turn(nu_t *u)
{
	ld_ingest_round(u->n);
	ld_sync_schedule(u->n);
	ld_node_drain(u->n);
}

link_t *nu_link_up(nu_t *u, const char *peer)
{
	link_t *l = nu_link(u, peer);
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Hello h = LD__HELLO__INIT;

	h.node_id = (char *)peer;
	h.has_protocol = true;
	h.protocol = LD_PROTOCOL;
	f.body_case = LD__FRAME__BODY_HELLO;
	f.hello = &h;
	nu_deliver(u, l, &f);
	nu_turn(u);
	assert_true(l->up);
	return l;
}

void nu_have(nu_t *u, link_t *l, ld_entry_t *const *heads, size_t n)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Have h = LD__HAVE__INIT;
	Ld__FeedHead *fh = calloc(n + 1, sizeof(*fh)), **p = calloc(n + 1, sizeof(*p));

	assert_true(fh && p);
	for (size_t i = 0; i < n; i++) {
		ld__feed_head__init(&fh[i]);
		fh[i].feed = heads[i]->hdr->author;
		fh[i].has_seq = fh[i].has_id = true;
		fh[i].seq = heads[i]->hdr->seq;
		fh[i].id.data = (uint8_t *)heads[i]->id;
		fh[i].id.len = LD_ID_LEN;
		p[i] = &fh[i];
	}
	h.n_heads = n;
	h.heads = p;
	f.body_case = LD__FRAME__BODY_HAVE;
	f.have = &h;
	nu_deliver(u, l, &f);
	nu_turn(u);
	free(fh);
	free(p);
}

void nu_entries_raw(nu_t *u, link_t *l, const char *feed, uint64_t from_seq,
		    ProtobufCBinaryData *bins, size_t n, bool last)
{
	Ld__Frame f = LD__FRAME__INIT;
	Ld__Entries e = LD__ENTRIES__INIT;

	e.feed = (char *)feed;
	e.has_from_seq = e.has_last = true;
	e.from_seq = from_seq;
	e.last = last;
	e.n_entries = n;
	e.entries = bins;
	f.body_case = LD__FRAME__BODY_ENTRIES;
	f.entries = &e;
	nu_deliver(u, l, &f);
	nu_turn(u);
}

void nu_entries(nu_t *u, link_t *l, const char *feed, uint64_t from_seq, ld_entry_t *const *run,
		size_t n, bool last)
{
	ProtobufCBinaryData *bins = calloc(n + 1, sizeof(*bins));

	assert_non_null(bins);
	for (size_t i = 0; i < n; i++)
		bins[i].data = tu_wire(run[i], &bins[i].len);
	nu_entries_raw(u, l, feed, from_seq, bins, n, last);
	for (size_t i = 0; i < n; i++)
		free(bins[i].data);
	free(bins);
}

const nu_sent_t *nu_find(const nu_t *u, const char *peer, unsigned body, size_t i)
{
	for (size_t k = 0; k < u->n_sent; k++)
		if (u->sent[k].f->body_case == body && (!peer || !strcmp(u->sent[k].peer, peer)) &&
		    i-- == 0)
			return &u->sent[k];
	return NULL;
}

size_t nu_count(const nu_t *u, const char *peer, unsigned body)
{
	size_t c = 0;

	while (nu_find(u, peer, body, c))
		c++;
	return c;
}

uint64_t nu_head(const nu_t *u, const char *feed)
{
	ld_feed_head_t h;

	return ld_store_head(u->n->store, feed, &h) == 0 ? h.seq : 0;
}

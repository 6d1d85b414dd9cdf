/* server/api.c: the local API (see api.h): reading requests, dispatching
 * them, appends (checked, then grouped), reads of entries and receipts,
 * waiters. */
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "common/base/errors.h"
#include "common/base/pbwalk.h"
#include "common/base/varint.h"
#include "common/domain/check.h"
#include "common/feed/kinds.h"
#include "server/log.h"
#include "server/api_int.h"
#include "server/blobx.h"
#include "server/clock.h"
#include "server/node.h"

#define API_DRAIN 256
#define API_LIST_MAX 1024
#define API_LIST_BYTES (16u << 20)

/* A request costs at most 8 times its size to decode (a few KiB for the
 * smallest), checked on its bytes before it is decoded. */
static const ld_pb_rules_t request_rules = {.ratio = 8, .slack = 16384};

/* A request read from the socket: decoded, and its append items as
 * counted on the wire before decoding (SIZE_MAX: not protobuf); err
 * LD_ETOOBIG if it would cost too much to decode (why says what). */
struct api_req {
	Ld__ApiRequest *q;
	size_t items;
	int err;
	char why[200];
};

/* --- evidence files --- */

static void api_blob(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q)
{
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_BLOB);
	Ld__ApiBlob b = LD__API_BLOB__INIT;
	char msg[640] = "";
	int r;

	if (!q->feed || !ld_node_id_valid(q->feed) || !q->has_seq || q->seq == 0) {
		api_respond_err(n, c, LD__API_TYPE__API_BLOB, -EINVAL,
				"an evidence record is named FEED:SEQ (feed and seq)");
		return;
	}
	r = ld_blobx_api(n, q->feed, q->seq, q->has_start && q->start, &b, msg, sizeof(msg));
	if (r < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_BLOB, r, msg[0] ? msg : NULL);
		return;
	}
	if (msg[0])
		resp.message = msg;
	resp.blob = &b;
	api_respond(n, c, &resp);
}

/* --- reads --- */

struct list_acc {
	Ld__ApiEntry *e;
	Ld__ApiEntry **p;
	size_t n, max, bytes;
};

static int list_one(void *ud, const ld_raw_entry_t *e)
{
	struct list_acc *a = ud;
	Ld__ApiEntry *x = &a->e[a->n];

	ld__api_entry__init(x);
	x->has_entry = x->has_recv_ms = true;
	x->recv_ms = e->recv_ms;
	x->entry.len = ld_entry_parts_wire_size(e->header_len, e->payload, e->payload_len);
	x->entry.data = malloc(x->entry.len);
	if (!x->entry.data)
		return -ENOMEM;
	ld_entry_encode_parts(e->header, e->header_len, e->sig, e->payload, e->payload_len,
			      x->entry.data);
	a->p[a->n] = x;
	a->bytes += x->entry.len;
	/* A byte budget keeps one answer well under the client's message limit;
	 * the client continues from the next seq. */
	return ++a->n >= a->max || a->bytes >= API_LIST_BYTES ? 1 : 0;
}

static void list(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q, uint32_t type)
{
	Ld__ApiResponse resp = api_ok(type);
	struct list_acc a = {0};
	uint64_t from = q->has_seq ? q->seq : 1;
	int r;

	if (!q->feed || !ld_node_id_valid(q->feed)) {
		api_respond_err(n, c, type, -EINVAL, "field 'feed' must be a valid node id");
		return;
	}
	if (type == LD__API_TYPE__API_GET && (!q->has_seq || q->seq == 0)) {
		api_respond_err(n, c, type, -EINVAL, "field 'seq' must be a number from 1");
		return;
	}
	a.max = type == LD__API_TYPE__API_GET			? 1
		: q->has_max && q->max && q->max < API_LIST_MAX ? q->max
								: API_LIST_MAX;
	a.e = calloc(a.max, sizeof(*a.e));
	a.p = calloc(a.max, sizeof(*a.p));
	if (!a.e || !a.p) {
		api_respond_err(n, c, type, -ENOMEM, NULL);
		goto out;
	}
	r = ld_store_foreach_raw(n->store, q->feed, from, type == LD__API_TYPE__API_GET ? from : 0,
				 list_one, &a);
	if (r < 0 && r != 1) {
		api_respond_err(n, c, type, r,
				r == -ENOENT ? "this node holds nothing of that feed" : NULL);
		goto out;
	}
	if (type == LD__API_TYPE__API_GET && a.n == 0) {
		api_respond_err(n, c, type, -ENOENT, "this node does not hold that entry");
		goto out;
	}
	resp.n_entries = a.n;
	resp.entries = a.p;
	api_respond(n, c, &resp);
out:
	for (size_t i = 0; i < a.n; i++)
		free(a.e[i].entry.data);
	free(a.e);
	free(a.p);
}

struct rcpt_acc {
	Ld__ApiReceipt *r;
	Ld__ApiReceipt **p;
	Ld__ApiEntryRef *refs;
	size_t n, cap;
};

static int rcpt_one(void *ud, const ld_receipt_t *rc)
{
	struct rcpt_acc *a = ud;
	Ld__ApiReceipt *x;

	if (a->n == a->cap)
		return 1;
	x = &a->r[a->n];
	ld__api_receipt__init(x);
	ld__api_entry_ref__init(&a->refs[a->n]);
	x->receiver = strdup(rc->receiver);
	x->has_time_ms = true;
	x->time_ms = rc->received_ms;
	a->refs[a->n].feed = x->receiver;
	a->refs[a->n].has_seq = true;
	a->refs[a->n].seq = rc->receipt_seq;
	x->receipt = &a->refs[a->n];
	a->p[a->n++] = x;
	return 0;
}

static void receipts(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q)
{
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_RECEIPTS);
	struct rcpt_acc a = {.cap = 1024};
	int r;

	if (!q->feed || !ld_node_id_valid(q->feed) || !q->has_seq) {
		api_respond_err(n, c, LD__API_TYPE__API_RECEIPTS, -EINVAL,
				"fields 'feed' (node id) and 'seq' are required");
		return;
	}
	{
		ld_feed_head_t h;

		if (ld_store_head(n->store, q->feed, &h) < 0 || h.seq < q->seq || !q->seq) {
			api_respond_err(n, c, LD__API_TYPE__API_RECEIPTS, -ENOENT,
					"this node does not hold that entry");
			return;
		}
	}
	a.r = calloc(a.cap, sizeof(*a.r));
	a.p = calloc(a.cap, sizeof(*a.p));
	a.refs = calloc(a.cap, sizeof(*a.refs));
	r = a.r && a.p && a.refs ? ld_store_foreach_receipt(n->store, q->feed, q->seq, rcpt_one, &a)
				 : -ENOMEM;
	if (r < 0) {
		api_respond_err(n, c, LD__API_TYPE__API_RECEIPTS, r, NULL);
	} else {
		resp.n_receipts = a.n;
		resp.receipts = a.p;
		api_respond(n, c, &resp);
	}
	for (size_t i = 0; i < a.n; i++)
		free(a.r[i].receiver);
	free(a.r);
	free(a.p);
	free(a.refs);
}

/* --- wait --- */

static bool wait_done(ld_node_t *n, const char *feed, uint64_t seq, ld_feed_head_t *h)
{
	return ld_store_head(n->store, feed, h) == 0 && h->seq >= seq;
}

static void respond_head(ld_node_t *n, const ld_api_client_t *c, const ld_feed_head_t *h)
{
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_WAIT);
	Ld__ApiHead head = LD__API_HEAD__INIT;

	head.feed = (char *)h->feed;
	head.has_seq = head.has_id = head.has_frozen = true;
	head.seq = h->seq;
	head.id.data = (uint8_t *)h->id;
	head.id.len = LD_ID_LEN;
	head.frozen = h->frozen;
	resp.head = &head;
	api_respond(n, c, &resp);
}

static void wait_add(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q)
{
	ld_feed_head_t h;
	waiter_t *w;

	if (!q->feed || !ld_node_id_valid(q->feed) || !q->has_seq) {
		api_respond_err(n, c, LD__API_TYPE__API_WAIT, -EINVAL,
				"fields 'feed' (node id) and 'seq' are required");
		return;
	}
	if (wait_done(n, q->feed, q->seq, &h)) {
		respond_head(n, c, &h);
		return;
	}
	if (n->n_waiters == n->cap_waiters) {
		size_t cap = n->cap_waiters ? 2 * n->cap_waiters : 16;
		waiter_t *nw = cap <= 4096 ? realloc(n->waiters, cap * sizeof(*nw)) : NULL;

		if (!nw) {
			api_respond_err(n, c, LD__API_TYPE__API_WAIT, -EAGAIN,
					"too many waiting requests");
			return;
		}
		n->waiters = nw;
		n->cap_waiters = cap;
	}
	w = &n->waiters[n->n_waiters++];
	w->c = *c;
	snprintf(w->feed, sizeof(w->feed), "%s", q->feed);
	w->seq = q->seq;
	w->deadline = ld_mono_ms() + (!q->has_timeout_ms       ? 10000
				      : q->timeout_ms > 600000 ? 600000
							       : q->timeout_ms);
}

void ld_api_check_waiters(ld_node_t *n, bool expired_only)
{
	int64_t now = ld_mono_ms();

	for (size_t i = 0; i < n->n_waiters;) {
		waiter_t *w = &n->waiters[i];
		ld_feed_head_t h;
		bool done = !expired_only && wait_done(n, w->feed, w->seq, &h);

		if (!done && now < w->deadline) {
			i++;
			continue;
		}
		if (done || wait_done(n, w->feed, w->seq, &h))
			respond_head(n, &w->c, &h);
		else
			api_respond_err(n, &w->c, LD__API_TYPE__API_WAIT, -ETIMEDOUT,
					"timed out before this node held that entry");
		n->waiters[i] = n->waiters[--n->n_waiters];
	}
}

int64_t ld_api_next_due(const ld_node_t *n)
{
	int64_t due = INT64_MAX;

	for (size_t i = 0; i < n->n_waiters; i++)
		if (n->waiters[i].deadline < due)
			due = n->waiters[i].deadline;
	return due;
}

/* --- appends, grouped --- */

struct append_job {
	ld_api_client_t c;
	Ld__ApiRequest *q;
	size_t first, n; /* its items in the flat request array */
};

/* Would the case and action rules accept item 'it' signed now by this
 * node? Judged by the domain code as if it were held (check.h), after
 * everything this node has signed. 0, or LD_EREFUSED with the rule. */
static int append_judge(ld_node_t *n, const Ld__AppendItem *it, int64_t now_ms, char *why,
			size_t size)
{
	Ld__EntryHeader h = LD__ENTRY_HEADER__INIT;
	ld_entry_t e = {.hdr = &h};

	h.author = (char *)n->conf->id;
	h.has_seq = h.has_time_ms = h.has_kind = true;
	h.seq = UINT64_MAX;
	h.time_ms = now_ms;
	h.kind = it->kind;
	e.payload = it->payload.data;
	e.payload_len = it->payload.len;
	e.has_payload = true;
	return ld_entry_check(LD_RD(n->store), n->access, &e, why, size);
}

/* An author's times never run backwards in its feed: refuse to sign at
 * 'now_ms' when the last entry of this node's feed is dated later (equal is
 * fine). 0, or LD_ECLOCK with both times in 'why'. */
static int append_clock(ld_node_t *n, int64_t now_ms, char *why, size_t size)
{
	char now_s[40], last_s[40], span[40];
	ld_feed_head_t h;
	ld_entry_t *e;
	int64_t last;
	int r = ld_store_head(n->store, n->conf->id, &h);

	if (r == -ENOENT || (r == 0 && !h.seq))
		return 0;
	if (r < 0 || (r = ld_store_get(n->store, n->conf->id, h.seq, &e, NULL)) < 0)
		return r;
	last = e->hdr->time_ms;
	ld_entry_destroy(&e);
	if (now_ms >= last)
		return 0;
	ld_time_format(now_ms, 0, now_s, sizeof(now_s));
	ld_time_format(last, 0, last_s, sizeof(last_s));
	ld_span_format(last - now_ms, span, sizeof(span));
	snprintf(why, size,
		 "this node's clock reads %s, %s before the last entry of its own feed (%s:%llu, "
		 "dated %s): an author's times never run backwards, so nothing was signed; check "
		 "the clock (NTP, timedatectl) and sign again",
		 now_s, span, n->conf->id, (unsigned long long)h.seq, last_s);
	rlog_warn(NULL, "clock: %s", why);
	return LD_ECLOCK;
}

/* Refuse before signing what nobody should sign: anything, once this node
 * is revoked; an entry dated before the last of this node's feed; payload text that is not
 * UTF-8 or too long, a payload of a known kind that does not decode, an
 * audience naming a node that is not a current roster member; what the
 * case and action rules would refuse. 0, or the error with the reason in
 * 'why'. */
static int append_check(ld_node_t *n, const Ld__ApiRequest *q, char *why, size_t size)
{
	int64_t now_ms = ld_now_ms();
	int rc;

	/* Nobody accepts what a revoked node signs: sign nothing, say why. */
	if (n->revoked) {
		ld_revocation_text(&n->revocation, why, size);
		return LD_ESELFREVOKED;
	}
	if ((rc = append_clock(n, now_ms, why, size)) < 0)
		return rc;
	for (size_t k = 0; k < q->n_append; k++) {
		const Ld__AppendItem *it = q->append[k];
		int r;

		if (it->has_payload &&
		    (r = ld_payload_check(it->kind, it->payload.data, it->payload.len, why, size)))
			return r;
		for (size_t i = 0; !it->everyone && i < it->n_audience; i++) {
			const char *id = it->audience[i], *close[3];
			size_t nc;

			if (!ld_node_id_valid(id)) {
				snprintf(why, size, "audience: '%.64s' is not a valid node id", id);
				return LD_EMALFORMED;
			}
			if (ld_access_member(n->access, id))
				continue;
			if (ld_access_revoked(n->access, id)) {
				snprintf(why, size,
					 "'%s' was revoked from the roster: it can no "
					 "longer receive anything",
					 id);
				return LD_ENOTMEMBER;
			}
			nc = ld_access_closest(n->access, id, close, 3);
			snprintf(
				why, size, "'%s' is not a current member of the roster%s%s%s%s%s%s",
				id, nc ? " (closest: " : "", nc ? close[0] : "", nc > 1 ? ", " : "",
				nc > 1 ? close[1] : "", nc > 2 ? ", " : "", nc > 2 ? close[2] : "");
			if (nc)
				snprintf(why + strlen(why), size - strlen(why), ")");
			return LD_ENOTMEMBER;
		}
	}
	for (size_t k = 0; k < q->n_append; k++) {
		int r = q->append[k]->has_payload ? append_judge(n, q->append[k], now_ms, why, size)
						  : 0;

		if (r)
			return r;
	}
	return 0;
}

static void append_reply(ld_node_t *n, struct append_job *j, const ld_entry_ref_t *refs, int r)
{
	if (r >= 0)
		n->stats.entries_signed += j->n;
	Ld__ApiResponse resp = api_ok(LD__API_TYPE__API_APPEND);
	Ld__ApiEntryRef *er = calloc(j->n + 1, sizeof(*er));
	Ld__ApiEntryRef **ep = calloc(j->n + 1, sizeof(*ep));

	if (r < 0 || !er || !ep) {
		api_respond_err(n, &j->c, LD__API_TYPE__API_APPEND, r < 0 ? r : -ENOMEM,
				r == -EINVAL
					? "refused: a roster update the roster rules reject, or no "
					  "local feed"
					: NULL);
	} else {
		for (size_t i = 0; i < j->n; i++) {
			ld__api_entry_ref__init(&er[i]);
			er[i].feed = (char *)refs[i].feed;
			er[i].has_seq = er[i].has_id = true;
			er[i].seq = refs[i].seq;
			er[i].id.data = (uint8_t *)refs[i].id;
			er[i].id.len = LD_ID_LEN;
			ep[i] = &er[i];
		}
		resp.n_refs = j->n;
		resp.refs = ep;
		api_respond(n, &j->c, &resp);
	}
	free(er);
	free(ep);
}

static void appends_run(ld_node_t *n, struct append_job *jobs, size_t nj)
{
	ld_append_req_t *reqs;
	ld_entry_ref_t *refs;
	size_t total = 0;
	bool roster = false;
	int r;

	for (size_t i = 0; i < nj; i++) {
		jobs[i].first = total;
		total += jobs[i].n;
	}
	reqs = calloc(total + 1, sizeof(*reqs));
	refs = calloc(total + 1, sizeof(*refs));
	if (!reqs || !refs) {
		for (size_t i = 0; i < nj; i++)
			append_reply(n, &jobs[i], NULL, -ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < nj; i++)
		for (size_t k = 0; k < jobs[i].n; k++) {
			const Ld__AppendItem *it = jobs[i].q->append[k];
			ld_append_req_t *q = &reqs[jobs[i].first + k];

			q->kind = it->kind;
			q->audience = (const char *const *)it->audience;
			q->n_audience = it->n_audience;
			q->everyone = it->everyone;
			q->payload = it->has_payload ? it->payload.data : NULL;
			q->payload_len = it->has_payload ? it->payload.len : 0;
			if (it->kind == LD__KIND__KIND_ROSTER_UPDATE)
				roster = true;
		}
	/* One durable commit for everything that arrived together; if the group
	 * fails on one bad request, each is retried alone so only it fails. */
	r = ld_store_append(n->store, reqs, total, refs);
	if (r < 0 && nj > 1 && r != LD_ENOSPACE) {
		for (size_t i = 0; i < nj; i++) {
			int ri = ld_store_append(n->store, reqs + jobs[i].first, jobs[i].n,
						 refs + jobs[i].first);

			append_reply(n, &jobs[i], refs + jobs[i].first, ri);
		}
	} else {
		if (r == LD_ENOSPACE)
			log_error("storage full in %s: appends refused", n->conf->data_dir);
		for (size_t i = 0; i < nj; i++)
			append_reply(n, &jobs[i], refs + jobs[i].first, r);
	}
	if (roster)
		ld_outbox_roster(n->outbox);
	ld_outbox_announce(n->outbox, n->conf->id);
out:
	free(reqs);
	free(refs);
}

/* One request from the socket: its client (routing id, delimiter) and its
 * last frame, the body, into 'body'. -EAGAIN when none waits. */
static int recv_request(void *sock, bool ro, ld_api_client_t *c, zmq_msg_t *body)
{
	zmq_msg_t m;
	int nf = 0;

	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&m);
		return -EAGAIN;
	}
	c->rid_len = zmq_msg_size(&m) <= LD_RID_MAX ? zmq_msg_size(&m) : 0;
	memcpy(c->rid, zmq_msg_data(&m), c->rid_len);
	c->delim = false;
	c->ro = ro;
	zmq_msg_init(body);
	while (zmq_msg_more(&m)) {
		zmq_msg_close(&m);
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, 0) < 0)
			break;
		nf++;
		if (nf == 1 && zmq_msg_size(&m) == 0 && zmq_msg_more(&m)) {
			c->delim = true;
			continue;
		}
		zmq_msg_close(body);
		zmq_msg_init(body);
		zmq_msg_copy(body, &m);
	}
	zmq_msg_close(&m);
	return 0;
}

/* The AppendItems (field 2, length-delimited) a request's bytes carry,
 * counted on the wire without decoding them: a request over the limit
 * costs no allocation. SIZE_MAX if the bytes are not protobuf. */
static size_t wire_appends(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	size_t count = 0;
	uint64_t key, v;

	while (p < end) {
		if (ld_varint_get(&p, end, &key) < 0)
			return SIZE_MAX;
		switch (key & 7) {
		case 0:
			if (ld_varint_get(&p, end, &v) < 0)
				return SIZE_MAX;
			break;
		case 1:
		case 5:
			if ((size_t)(end - p) < ((key & 7) == 1 ? 8u : 4u))
				return SIZE_MAX;
			p += (key & 7) == 1 ? 8 : 4;
			break;
		case 2:
			if (ld_varint_get(&p, end, &v) < 0 || v > (uint64_t)(end - p))
				return SIZE_MAX;
			p += v;
			count += key >> 3 == 2;
			break;
		default:
			return SIZE_MAX;
		}
	}
	return count;
}

/* Decode one request as it arrived into r->q (NULL: the caller answers),
 * its append items counted first into r->items; one with more than
 * LD_API_APPEND_MAX is not decoded at all. */
static void request_decode(const ld_api_msg_t *m, struct api_req *r)
{
	ld_pb_tally_t t;
	int c;

	r->q = NULL;
	r->err = 0;
	r->items = m->len <= LD_FRAME_MAX ? wire_appends(m->data, m->len) : SIZE_MAX;
	if (m->len > LD_FRAME_MAX) {
		r->err = LD_ETOOBIG;
		snprintf(r->why, sizeof(r->why), "request of %zu bytes over the limit of %u",
			 m->len, (unsigned)LD_FRAME_MAX);
		return;
	}
	if (r->items > LD_API_APPEND_MAX)
		return; /* refused by count, or not protobuf */
	c = ld_pb_check(&ld__api_request__descriptor, m->data, m->len, &request_rules, &t);
	if (c == LD_ETOOBIG) {
		r->err = LD_ETOOBIG;
		ld_pb_explain(&t, m->len, r->why, sizeof(r->why));
		return;
	}
	if (c == 0)
		r->q = ld__api_request__unpack(NULL, m->len, m->data);
}

static void serve_decoded(ld_node_t *n, const ld_api_msg_t *msgs, struct api_req *rs, size_t count);

void ld_api_handle(ld_node_t *n, void *sock, bool ro)
{
	ld_api_msg_t msgs[API_DRAIN];
	zmq_msg_t bodies[API_DRAIN];
	struct api_req rs[API_DRAIN];
	size_t count = 0, items = 0;

	/* Decoded as they are read, so that reading stops once the appends in
	 * hand are a turn's work: the rest stay queued in the socket. */
	while (count < API_DRAIN && items < LD_API_TURN_ITEMS &&
	       recv_request(sock, ro, &msgs[count].c, &bodies[count]) == 0) {
		msgs[count].data = zmq_msg_data(&bodies[count]);
		msgs[count].len = zmq_msg_size(&bodies[count]);
		request_decode(&msgs[count], &rs[count]);
		if (rs[count].q)
			items += rs[count].items;
		count++;
	}
	if (count)
		serve_decoded(n, msgs, rs, count);
	for (size_t i = 0; i < count; i++)
		zmq_msg_close(&bodies[i]);
}

bool ld_api_ro_refused(uint32_t type)
{
	switch (type) {
	case LD__API_TYPE__API_STATUS:
	case LD__API_TYPE__API_GET:
	case LD__API_TYPE__API_LIST:
	case LD__API_TYPE__API_RECEIPTS:
	case LD__API_TYPE__API_WAIT:
	case LD__API_TYPE__API_CASE:
	case LD__API_TYPE__API_ACTION:
	case LD__API_TYPE__API_VIEW:
	case LD__API_TYPE__API_ROSTER:
	case LD__API_TYPE__API_SEARCH:
	case LD__API_TYPE__API_CONSULT:
	case LD__API_TYPE__API_MONITOR:
	case LD__API_TYPE__API_SOURCE:
		return false;
	default:
		return true;
	}
}

static const char *ro_name(uint32_t type)
{
	switch (type) {
	case LD__API_TYPE__API_APPEND:
		return "append (signing)";
	case LD__API_TYPE__API_REINDEX:
		return "reindex";
	case LD__API_TYPE__API_BLOB:
		return "evidence file (blob)";
	case LD__API_TYPE__API_DIRECTORY:
		return "liaison directory (personal data)";
	default:
		return "unknown";
	}
}

/* Answer one request that is not an append. */
static void serve_one(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q,
		      uint32_t type)
{
	switch (type) {
	case LD__API_TYPE__API_STATUS:
		api_status(n, c);
		break;
	case LD__API_TYPE__API_GET:
	case LD__API_TYPE__API_LIST:
		list(n, c, q, type);
		break;
	case LD__API_TYPE__API_RECEIPTS:
		receipts(n, c, q);
		break;
	case LD__API_TYPE__API_WAIT:
		wait_add(n, c, q);
		break;
	case LD__API_TYPE__API_CASE:
		api_case(n, c, q);
		break;
	case LD__API_TYPE__API_ACTION:
		api_action(n, c, q);
		break;
	case LD__API_TYPE__API_VIEW:
		api_view(n, c, q);
		break;
	case LD__API_TYPE__API_BLOB:
		api_blob(n, c, q);
		break;
	case LD__API_TYPE__API_ROSTER:
		api_roster(n, c);
		break;
	case LD__API_TYPE__API_SEARCH:
		api_search(n, c, q);
		break;
	case LD__API_TYPE__API_CONSULT:
		api_consult(n, c, q);
		break;
	case LD__API_TYPE__API_DIRECTORY:
		api_directory(n, c);
		break;
	case LD__API_TYPE__API_MONITOR:
		api_monitor(n, c, q);
		break;
	case LD__API_TYPE__API_SOURCE:
		api_source(n, c, q);
		break;
	case LD__API_TYPE__API_REINDEX: {
		Ld__ApiResponse resp = api_ok(type);
		int r = ld_store_reindex(n->store);

		if (r < 0)
			api_respond_err(n, c, type, r, NULL);
		else
			api_respond(n, c, &resp);
		log_info("views rebuilt from the feeds on request: %s", ld_strerror(r));
		break;
	}
	default:
		api_respond_err(n, c, type, -EOPNOTSUPP, "unknown request type");
	}
}

void ld_api_serve(ld_node_t *n, const ld_api_msg_t *msgs, size_t count)
{
	struct api_req rs[API_DRAIN];

	while (count) {
		size_t k = count < API_DRAIN ? count : API_DRAIN;

		for (size_t i = 0; i < k; i++)
			request_decode(&msgs[i], &rs[i]);
		serve_decoded(n, msgs, rs, k);
		msgs += k;
		count -= k;
	}
}

/* Answer 'count' requests decoded into rs (q NULL: not decoded), whose
 * requests it frees; appends among them signed in one commit. */
static void serve_decoded(ld_node_t *n, const ld_api_msg_t *msgs, struct api_req *rs, size_t count)
{
	struct append_job jobs[API_DRAIN];
	size_t nj = 0;

	for (size_t i = 0; i < count; i++) {
		const ld_api_client_t *c = &msgs[i].c;
		Ld__ApiRequest *q = rs[i].q;
		uint32_t type;
		char why[512];
		int r;

		if (!q && rs[i].items != SIZE_MAX && rs[i].items > LD_API_APPEND_MAX) {
			snprintf(why, sizeof(why),
				 "%zu items in one request, over the limit of %d per request: "
				 "nothing was signed; send them in requests of at most %d",
				 rs[i].items, LD_API_APPEND_MAX, LD_API_APPEND_MAX);
			api_respond_err(n, c, LD__API_TYPE__API_APPEND, LD_ETOOBIG, why);
			log_warn("local API: a request of %zu append items refused (limit %d)",
				 rs[i].items, LD_API_APPEND_MAX);
			continue;
		}
		if (!q && rs[i].err == LD_ETOOBIG) {
			api_respond_err(n, c, 0, LD_ETOOBIG, rs[i].why);
			rlog_warn(NULL, "API request refused before decoding: %s", rs[i].why);
			continue;
		}
		if (!q) {
			api_respond_err(n, c, 0, LD_EMALFORMED,
					"request does not decode as ld.ApiRequest");
			continue;
		}
		type = q->has_type ? q->type : 0;
		if (c->ro && ld_api_ro_refused(type)) {
			snprintf(why, sizeof(why),
				 "read-only API: %s requests are not answered on this socket "
				 "([node] api_ro); nothing was signed, written or fetched",
				 ro_name(type));
			api_respond_err(n, c, type, LD_EREADONLY, why);
			log_warn("read-only API: a %s request was refused", ro_name(type));
		} else if (type != LD__API_TYPE__API_APPEND) {
			serve_one(n, c, q, type);
		} else if (q->n_append == 0) {
			api_respond_err(n, c, type, -EINVAL, "nothing to append");
		} else if ((r = append_check(n, q, why, sizeof(why))) < 0) {
			api_respond_err(n, c, type, r, why);
		} else if (q->check_only) {
			Ld__ApiResponse ok = api_ok(type);

			api_respond(n, c, &ok);
		} else if (nj == API_DRAIN) {
			api_respond_err(n, c, type, -EAGAIN,
					"too many appends at once; send again");
		} else {
			jobs[nj++] = (struct append_job){.c = *c, .q = q, .n = q->n_append};
			continue; /* q freed after the group commit */
		}
		ld__api_request__free_unpacked(q, NULL);
	}
	if (nj)
		appends_run(n, jobs, nj);
	for (size_t i = 0; i < nj; i++)
		ld__api_request__free_unpacked(jobs[i].q, NULL);
}

/* server/peer.c: links to peers (see peer.h). */
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "common/base/errors.h"
#include "server/clock.h"
#include "server/conns.h"
#include "server/log.h"
#include "server/node.h"

#define DRAIN_MAX 256 /* messages read from the ROUTER per turn */

link_t *ld_link_new(ld_node_t *n, const char *peer, bool outgoing)
{
	link_t *l;

	if (n->n_links >= LD_MAX_LINKS)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	snprintf(l->peer, sizeof(l->peer), "%s", peer);
	l->outgoing = outgoing;
	l->down_since = ld_mono_ms();
	n->links[n->n_links++] = l;
	return l;
}

void ld_link_free(ld_node_t *n, link_t *l)
{
	if (!l)
		return;
	n->n_held -= l->n_held;
	if (l->sock)
		zmq_close(l->sock);
	for (size_t i = 0; i < l->n_held; i++)
		zmq_msg_close(&l->held[(l->held_head + i) % LD_HELD_MAX]);
	free(l->held);
	free(l->heads);
	free(l);
}

int ld_link_send_msg(ld_node_t *n, link_t *l, zmq_msg_t *msg)
{
	int r = 0;

	if (n->tap.frame) {
		r = n->tap.frame(n->tap.ud, l, zmq_msg_data(msg), zmq_msg_size(msg));
	} else if (l->outgoing) {
		if (!l->sock || zmq_msg_send(msg, l->sock, ZMQ_DONTWAIT) < 0)
			r = l->sock ? -errno : -ENOTCONN;
	} else if (!n->router ||
		   zmq_send(n->router, l->rid, l->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
		   zmq_msg_send(msg, n->router, ZMQ_DONTWAIT) < 0) {
		r = n->router ? -errno : -ENOTCONN;
		/* ROUTER_MANDATORY: the peer's connection is gone. */
		if (r == -EHOSTUNREACH && l->up)
			ld_link_mark_down(n, l, "connection closed");
	}
	if (r == 0)
		l->last_tx = ld_mono_ms();
	return r;
}

int ld_link_send(ld_node_t *n, link_t *l, const Ld__Frame *f)
{
	size_t len = ld__frame__get_packed_size(f);
	zmq_msg_t msg;
	int r;

	if (zmq_msg_init_size(&msg, len) < 0)
		return -ENOMEM;
	ld__frame__pack(f, zmq_msg_data(&msg));
	r = ld_link_send_msg(n, l, &msg);
	zmq_msg_close(&msg);
	return r;
}

void ld_link_mark_down(ld_node_t *n, link_t *l, const char *why)
{
	if (!l->up)
		return;
	l->up = false;
	l->down_since = ld_mono_ms();
	l->lost = true;
	rlog_info(l->peer, "peer %s down: %s", l->peer, why);
}

void ld_peer_sockopts(ld_node_t *n, void *s)
{
	/* Frames are up to 1 MiB: 256 of them bound what a peer that stops
	 * reading can make us queue. */
	int zero = 0, hwm = 256, ivl = (int)n->conf->heartbeat_ms, hs = LD_HANDSHAKE_MS;
	int timeout = (int)n->conf->peer_timeout_ms, rmin = 100, rmax = 5000;
	int64_t maxmsg = LD_FRAME_MAX;

	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
	/* A connection that has not finished its handshake by then goes. */
	zmq_setsockopt(s, ZMQ_HANDSHAKE_IVL, &hs, sizeof(hs));
	zmq_setsockopt(s, ZMQ_HEARTBEAT_IVL, &ivl, sizeof(ivl));
	zmq_setsockopt(s, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof(timeout));
	zmq_setsockopt(s, ZMQ_HEARTBEAT_TTL, &timeout, sizeof(timeout));
	zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &rmin, sizeof(rmin));
	zmq_setsockopt(s, ZMQ_RECONNECT_IVL_MAX, &rmax, sizeof(rmax));
}

static int peer_connect(ld_node_t *n, link_t *l)
{
	char server[LD_CURVE_Z85_LEN + 1];
	const uint8_t *raw;
	int one = 1;
	void *s;

	/* The roster is the authority on a member's transport key (it may have
	 * been rotated); the key in the config only bootstraps a new node. */
	if ((raw = ld_access_curve_of(n->access, l->peer))) {
		ld_curve_z85_encode(raw, server);
	} else if (l->conf->curve_pub[0]) {
		snprintf(server, sizeof(server), "%s", l->conf->curve_pub);
	} else {
		return -ENOKEY;
	}
	s = zmq_socket(n->ctx, ZMQ_DEALER);
	if (!s)
		return -errno;
	ld_peer_sockopts(n, s);
	zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof(one));
	if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, LD_CURVE_Z85_LEN) < 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, n->curve.pub, LD_CURVE_Z85_LEN) < 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, n->curve.sec, LD_CURVE_Z85_LEN) < 0 ||
	    zmq_connect(s, l->conf->endpoint) < 0) {
		int r = -errno;

		zmq_close(s);
		return r;
	}
	l->sock = s;
	if (!l->retry_ms)
		l->retry_ms = LD_REDIAL_MIN_MS;
	log_info("connecting to peer %s at %s", l->peer, l->conf->endpoint);
	return 0;
}

void ld_peer_redial(ld_node_t *n, link_t *l)
{
	int r;

	if (!l->outgoing || l->cut || l->up || !n->ctx)
		return;
	if (l->sock) {
		zmq_close(l->sock);
		l->sock = NULL;
	}
	/* The time of the attempt, made or not: the next one waits retry_ms. */
	l->sock_since = ld_mono_ms();
	r = peer_connect(n, l);
	if (r < 0 && r != -ENOKEY)
		log_error("cannot connect to %s at %s: %s", l->peer, l->conf->endpoint,
			  zmq_strerror(-r));
}

void ld_peer_connect_all(ld_node_t *n)
{
	for (size_t i = 0; i < n->n_links; i++) {
		link_t *l = n->links[i];
		int r;

		if (!l->outgoing || l->sock || l->cut)
			continue;
		l->sock_since = ld_mono_ms();
		r = peer_connect(n, l);
		if (r == -ENOKEY)
			log_warn(
				"peer %s: no curve key known; put 'ENDPOINT CURVE-KEY' under [peers] "
				"in %s, or wait for the roster to list %s",
				l->peer, n->conf->path, l->peer);
		else if (r < 0)
			log_error("cannot connect to %s at %s: %s", l->peer, l->conf->endpoint,
				  zmq_strerror(-r));
	}
}

/* Make room for one more incoming link of 'user', who has
 * LD_CONN_PER_MEMBER already: the one down longest goes, if it is down and
 * settled (nothing refers to it then). false if all are up. */
static bool member_room(ld_node_t *n, const char *user)
{
	size_t mine = 0, spare = SIZE_MAX;

	for (size_t i = 0; i < n->n_links; i++) {
		const link_t *l = n->links[i];

		if (l->outgoing || strcmp(l->peer, user) != 0)
			continue;
		mine++;
		if (!l->up && !l->lost &&
		    (spare == SIZE_MAX || l->down_since < n->links[spare]->down_since))
			spare = i;
	}
	if (mine < LD_CONN_PER_MEMBER)
		return true;
	if (spare == SIZE_MAX)
		return false;
	ld_link_free(n, n->links[spare]);
	n->links[spare] = n->links[--n->n_links];
	return true;
}

static link_t *inbound_link(ld_node_t *n, const zmq_msg_t *rid, const char *user)
{
	size_t len = zmq_msg_size((zmq_msg_t *)rid);
	const void *id = zmq_msg_data((zmq_msg_t *)rid);
	link_t *l;

	for (size_t i = 0; i < n->n_links; i++) {
		l = n->links[i];
		if (!l->outgoing && l->rid_len == len && !memcmp(l->rid, id, len)) {
			if (!strcmp(l->peer, user))
				return l;
			/* A routing id reused by another member: never serve it
			 * as the previous owner. */
			l->rid_len = 0;
			if (l->up)
				ld_link_mark_down(n, l, "connection replaced");
		}
	}
	if (len > LD_RID_MAX)
		return NULL;
	if (!member_room(n, user)) {
		rlog_warn(user,
			  "member %s already has %d links up: a frame on another connection "
			  "dropped",
			  user, LD_CONN_PER_MEMBER);
		return NULL;
	}
	l = ld_link_new(n, user, false);
	if (!l) {
		rlog_warn(NULL, "all %d links in use: a frame from %s dropped", LD_MAX_LINKS, user);
		return NULL;
	}
	l->rid_len = len;
	memcpy(l->rid, id, len);
	return l;
}

/* Keep 'body' (moved) for a later turn of 'l'; dropped past the bounds. */
static void hold(ld_node_t *n, link_t *l, zmq_msg_t *body)
{
	size_t size = zmq_msg_size(body);

	if (!l->held && !(l->held = calloc(LD_HELD_MAX, sizeof(*l->held)))) {
		rlog_warn(l->peer, "no memory to hold a frame of %s: dropped", l->peer);
		return;
	}
	if (l->n_held == LD_HELD_MAX || l->held_bytes + size > LD_HELD_BYTES) {
		rlog_warn(l->peer,
			  "peer %s sends faster than this node takes its frames (%zu held, %zu "
			  "bytes): a frame dropped",
			  l->peer, l->n_held, l->held_bytes);
		return;
	}
	zmq_msg_init(&l->held[(l->held_head + l->n_held) % LD_HELD_MAX]);
	zmq_msg_move(&l->held[(l->held_head + l->n_held) % LD_HELD_MAX], body);
	l->n_held++;
	l->held_bytes += size;
	n->n_held++;
}

/* Handle what 'l' had held, up to its share of the turn. */
static void release(ld_node_t *n, link_t *l, const ld_peer_rx_t *rx)
{
	while (l->n_held && l->turn_frames < LD_TURN_FRAMES && !rx->full(n)) {
		zmq_msg_t *m = &l->held[l->held_head];

		l->held_head = (l->held_head + 1) % LD_HELD_MAX;
		l->n_held--;
		n->n_held--;
		l->held_bytes -= zmq_msg_size(m);
		l->turn_frames++;
		if (!l->cut)
			rx->handle(n, l, zmq_msg_data(m), zmq_msg_size(m));
		zmq_msg_close(m);
	}
}

/* Read and drop the rest of a multi-part message: a well-behaved peer sends
 * one frame per message, so the whole message goes. */
static void drop_parts(void *sock, zmq_msg_t *body)
{
	while (zmq_msg_more(body)) {
		zmq_msg_close(body);
		zmq_msg_init(body);
		if (zmq_msg_recv(body, sock, 0) < 0)
			break;
	}
}

static void drain_router(ld_node_t *n, const ld_peer_rx_t *rx)
{
	for (int i = 0; i < DRAIN_MAX && n->router && !rx->full(n); i++) {
		zmq_msg_t rid, body;
		const char *user;
		link_t *l;

		zmq_msg_init(&rid);
		if (zmq_msg_recv(&rid, n->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&rid);
			return;
		}
		zmq_msg_init(&body);
		if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, n->router, 0) < 0) {
			zmq_msg_close(&rid);
			zmq_msg_close(&body);
			continue;
		}
		user = zmq_msg_gets(&body, "User-Id");
		if (zmq_msg_more(&body)) {
			rlog_warn(user, "multi-part message from %s dropped", user ? user : "?");
			drop_parts(n->router, &body);
		} else if (!user || !ld_node_id_valid(user) || !ld_access_member(n->access, user)) {
			rlog_warn(NULL,
				  "frame from unauthenticated or revoked connection (%s) dropped",
				  user ? user : "no user id");
		} else if (!ld_conns_heard(n->conns, zmq_msg_get(&body, ZMQ_SRCFD), user)) {
			/* past the member's bound: its connection is closed */
		} else if (!(l = inbound_link(n, &rid, user)) || l->cut) {
			/* no link for it (logged), or cut off */
		} else if (l->n_held || l->turn_frames >= LD_TURN_FRAMES) {
			hold(n, l, &body);
		} else {
			l->turn_frames++;
			rx->handle(n, l, zmq_msg_data(&body), zmq_msg_size(&body));
		}
		zmq_msg_close(&rid);
		zmq_msg_close(&body);
	}
}

static void drain_dealer(ld_node_t *n, link_t *l, const ld_peer_rx_t *rx)
{
	/* What is past the link's share stays in its socket. */
	for (int i = 0; i < LD_TURN_FRAMES && l->sock && !rx->full(n); i++) {
		zmq_msg_t body;

		zmq_msg_init(&body);
		if (zmq_msg_recv(&body, l->sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&body);
			return;
		}
		if (zmq_msg_more(&body)) {
			rlog_warn(l->peer, "multi-part message from %s dropped", l->peer);
			drop_parts(l->sock, &body);
		} else if (!l->cut && !ld_access_revoked(n->access, l->peer)) {
			rx->handle(n, l, zmq_msg_data(&body), zmq_msg_size(&body));
		}
		zmq_msg_close(&body);
	}
}

void ld_peer_receive(ld_node_t *n, const ld_peer_rx_t *rx)
{
	for (size_t i = 0; i < n->n_links; i++)
		n->links[i]->turn_frames = 0;
	for (size_t i = 0; i < n->n_links && n->n_held; i++)
		release(n, n->links[i], rx);
	drain_router(n, rx);
	for (size_t i = 0; i < n->n_links; i++)
		if (n->links[i]->outgoing)
			drain_dealer(n, n->links[i], rx);
}

bool ld_peer_held(const ld_node_t *n)
{
	return n->n_held > 0;
}

static void due_min(int64_t *due, int64_t t)
{
	if (t < *due)
		*due = t;
}

int64_t ld_peer_next_due(const ld_node_t *n)
{
	int64_t hb = n->conf->heartbeat_ms, due = INT64_MAX;

	for (size_t i = 0; i < n->n_links; i++) {
		const link_t *l = n->links[i];

		if (l->cut)
			continue;
		if (l->up) {
			due_min(&due, l->last_rx + n->conf->peer_timeout_ms + 1);
			due_min(&due, ld_link_ping_base(l) + hb);
		} else if (l->outgoing) {
			due_min(&due, l->sock_since + l->retry_ms);
			if (l->sock)
				due_min(&due, l->last_hello + hb);
		} else {
			due_min(&due, l->down_since + LD_LINK_FORGET_MS + 1);
		}
	}
	return due;
}

/* server/links.c: what a link's life means to the protocol (see links.h). */
#include <stdio.h>

#include "server/blobx.h"
#include "server/clock.h"
#include "server/links.h"
#include "server/log.h"
#include "server/node.h"
#include "server/sync.h"

/* 'l' went down: what we asked of it and what it was sent ends. */
static void settle(ld_node_t *n, link_t *l)
{
	l->lost = false;
	ld_sync_link_reset(n, l);
	ld_blobx_link_down(n, l);
}

void ld_links_settle(ld_node_t *n)
{
	for (size_t i = 0; i < n->n_links; i++)
		if (n->links[i]->lost)
			settle(n, n->links[i]);
}

void ld_link_heard(ld_node_t *n, link_t *l, const Ld__Frame *f)
{
	bool hello = f->body_case == LD__FRAME__BODY_HELLO;

	l->last_rx = ld_mono_ms();
	if (l->lost)
		settle(n, l); /* down and up again within one turn */
	if (l->up) {
		/* A Hello asking for an answer on a link we think is up: the peer
		 * restarted. What we asked of its previous life is lost. */
		if (hello && f->hello->reply)
			ld_sync_link_reset(n, l);
		return;
	}
	l->up = true;
	l->retry_ms = LD_REDIAL_MIN_MS;
	rlog_info(l->peer, "peer %s up (%s, down for %lld ms)", l->peer,
		  l->outgoing ? "we connect" : "it connects",
		  (long long)(l->last_rx - l->down_since));
	/* Our heads as of now: anything appended since our last Hello, while
	 * the link was coming up, was announced to nobody. (A Hello asking for
	 * a reply gets one from sync.c, with the same heads.) A Hello of the
	 * clock only (no heads, no reply asked) says nothing of the peer's
	 * heads: ask for them. */
	if (!hello || (!f->hello->reply && !f->hello->n_heads))
		ld_sync_hello(n, l, true);
	else if (!f->hello->reply)
		ld_sync_hello(n, l, false);
}

void ld_links_timers(ld_node_t *n, int64_t now)
{
	int64_t hb = n->conf->heartbeat_ms;

	for (size_t i = 0; i < n->n_links; i++) {
		link_t *l = n->links[i];

		if (l->cut)
			continue;
		if (l->up && now - l->last_rx > n->conf->peer_timeout_ms) {
			char why[64];

			snprintf(why, sizeof(why), "silent for %lld ms",
				 (long long)(now - l->last_rx));
			ld_link_mark_down(n, l, why);
		}
		if (l->outgoing && !l->up && now - l->sock_since >= l->retry_ms) {
			l->retry_ms = l->retry_ms * 2 < LD_REDIAL_MAX_MS ? l->retry_ms * 2
									 : LD_REDIAL_MAX_MS;
			ld_peer_redial(n, l);
		}
		if (l->outgoing && l->sock && !l->up && now - l->last_hello >= hb) {
			ld_sync_hello(n, l, true);
		} else if (l->up && now - ld_link_ping_base(l) >= hb) {
			Ld__Frame f = LD__FRAME__INIT;

			f.body_case = LD__FRAME__BODY_PING;
			f.ping = true;
			l->ping_at = now;
			ld_link_send(n, l, &f);
		}
		if (l->up && now - l->clock_at >= LD_CLOCK_HELLO_MS &&
		    now - l->last_hello >= LD_CLOCK_HELLO_MS)
			ld_sync_clock(n, l);
	}
	/* Forget incoming links that went away; they come back with a Hello. */
	for (size_t i = 0; i < n->n_links;) {
		link_t *l = n->links[i];

		if (!l->outgoing && !l->up && now - l->down_since > LD_LINK_FORGET_MS) {
			if (l->lost)
				settle(n, l);
			ld_link_free(n, l);
			n->links[i] = n->links[--n->n_links];
			continue;
		}
		i++;
	}
}

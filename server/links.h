/* server/links.h: what a link's life means to the peer protocol.
 *
 * peer.c moves bytes and marks links up and down; this module, above it and
 * above sync.c and blobx.c, acts on that: a link heard from is up, and gets
 * our Hello; a peer that restarted, or a link that went down, ends what we
 * asked of it and what we were sending it (ld_links_settle, once a turn,
 * so nothing below calls back up); silence, redials, Hellos while
 * connecting, pings, and forgetting incoming links long gone.
 */
#pragma once

#include <stdint.h>

#include "server/peer.h"
#include "wire.pb-c.h"

/* Frame 'f' (borrowed) came from 'l': the link is up (a Hello asking for
 * one is answered with ours; a peer that restarted loses what we asked of
 * it). */
void ld_link_heard(ld_node_t *n, link_t *l, const Ld__Frame *f);

/* End the pulls and transfers of every link marked down since the last
 * call (ld_link_mark_down). The loop calls it once a turn. */
void ld_links_settle(ld_node_t *n);

/* Silence, redials, Hellos while connecting, pings, forgetting incoming
 * links gone a minute; 'now' is ld_mono_ms(). Due: ld_peer_next_due(). */
void ld_links_timers(ld_node_t *n, int64_t now);

/* server/frame.h: the peer protocol's front door: one frame that arrived
 * on a link, checked and decoded, to the handler of its body.
 *
 * One table maps each Frame body (wire.proto) to its handler: Hello, Have
 * and Pull to sync.c, Entries and Proof to ingest.c, the Blob* frames to
 * blobx.c, CaseHistory and CaseEntries to history.c. Everything that comes
 * from a peer passes here first: the size, the elements of each repeated
 * field and what decoding would cost (common/base/pbwalk.h) are checked
 * before decoding,
 * evidence chunks in the layout this daemon sends skip the decoder's copy
 * (blobx.c), and a body this version does not know is ignored.
 */
#pragma once

#include <stddef.h>

#include "server/peer.h"

/* Handle frame 'data' (size bytes, borrowed) from link 'l', an attributed
 * roster member. Never fails: bad frames are logged and dropped. */
void ld_frame_handle(ld_node_t *n, link_t *l, const void *data, size_t size);

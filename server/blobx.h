/* server/blobx.h: evidence files to and from peers (wire.proto Blob*
 * frames): fetching for the local API and for relaying (blobx.c), serving
 * entitled peers (blobserve.c). State in blobx_int.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.pb-c.h"
#include "server/peer.h"

int ld_blobx_open(ld_node_t *n);
void ld_blobx_destroy(ld_node_t *n);

/* Frame handlers (frame.c's table). */
void ld_blobx_on_open(ld_node_t *n, link_t *l, const Ld__Frame *f);
void ld_blobx_on_offer(ld_node_t *n, link_t *l, const Ld__Frame *f);
void ld_blobx_on_refusal(ld_node_t *n, link_t *l, const Ld__Frame *f);
void ld_blobx_on_get(ld_node_t *n, link_t *l, const Ld__Frame *f);
void ld_blobx_on_chunk(ld_node_t *n, link_t *l, const Ld__Frame *f);

/* Link 'l' went down: its sessions end, fetches from it ask again. */
void ld_blobx_link_down(ld_node_t *n, link_t *l);

/* A BlobChunk frame exactly in the layout this daemon sends (blobserve.c,
 * send_chunk): the file's SHA-256, the chunk index and the data, pointing
 * into 'data'. True if 'data' (size bytes) is one; false if not (decode it
 * with protobuf-c). Reads nothing outside data[0, size). */
bool ld_blobx_chunk_parse(const uint8_t *data, size_t size, const uint8_t **ret_sha,
			  uint32_t *ret_index, const uint8_t **ret_chunk, size_t *ret_len);

/* A BlobChunk frame handled without decoding a copy (ld_blobx_chunk_parse);
 * false if 'data' is not in that layout. */
bool ld_blobx_raw_chunk(ld_node_t *n, link_t *l, const uint8_t *data, size_t size);

/* Serve chunks (after replication's work), time out and retry fetches;
 * 'now' is ld_mono_ms(). True if chunks wait to be sent now (poll without
 * sleeping). */
bool ld_blobx_tick(ld_node_t *n, int64_t now);

/* When ld_blobx_tick() next has something to do (INT64_MAX: never). */
int64_t ld_blobx_next_due(const ld_node_t *n);

/* Report on (and with 'start', start or keep alive) the fetch of the file
 * of evidence record (feed, seq) into *out (pointers valid until the next
 * call). 0, or -errno with a message for the operator in 'msg'. */
int ld_blobx_api(ld_node_t *n, const char *feed, uint64_t seq, bool start, Ld__ApiBlob *out,
		 char *msg, size_t msglen);

/* server/blobx.c: evidence files between nodes (wire.proto Blob* frames),
 * the module's top (see blobx.h): it opens and closes the module and runs
 * its two sides each turn, fetching (blobfetch.c) and serving
 * (blobserve.c, which relays through the fetch table). Neither side calls
 * this file.
 *
 * Serving: a BlobOpen is answered only if the asker is entitled to the
 * record's evidence (common/domain/evidence.h, judged on this node's store)
 * and this node holds the file, is fetching it, or may relay (hops > 0: it
 * starts its own fetch and offers what it receives, chunk by chunk, so a
 * court reaches a county through the province). Chunks are sent after the
 * round's replication work, under a token bucket ([evidence] rate_limit_mb),
 * and only as many as the asker's window asked for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "server/blobx_int.h"

int ld_blobx_open(ld_node_t *n)
{
	char dir[4096];
	int r;

	snprintf(dir, sizeof(dir), "%s/blobs", n->conf->data_dir);
	if ((r = ld_blobs_open(dir, &n->blobs)) < 0)
		return r;
	n->bx = calloc(1, sizeof(*n->bx));
	if (!n->bx || !(n->bx->buf = malloc(LD_BLOB_CHUNK_MAX)))
		return -ENOMEM;
	n->bx->next_req = 1;
	return 0;
}

void ld_blobx_destroy(ld_node_t *n)
{
	if (n->bx) {
		for (size_t i = 0; i < FETCH_MAX; i++)
			bx_fetch_free(&n->bx->f[i]);
		bx_sess_drop_link(n, NULL);
		free(n->bx->buf);
		free(n->bx);
		n->bx = NULL;
	}
	ld_blobs_destroy(&n->blobs);
}

bool ld_blobx_tick(ld_node_t *n, int64_t now)
{
	bool more = bx_serve_tick(n, now);

	bx_fetch_tick(n, now);
	return more;
}

int64_t ld_blobx_next_due(const ld_node_t *n)
{
	int64_t serve = bx_serve_next_due(n), fetch = bx_fetch_next_due(n);

	return serve < fetch ? serve : fetch;
}

void ld_blobx_link_down(ld_node_t *n, link_t *l)
{
	if (!n->bx)
		return;
	bx_sess_drop_link(n, l);
	bx_fetch_link_down(n, l);
}

/* tests/fuzz/fuzz_chunk.c: libFuzzer harness for the hand-written parser
 * of evidence chunk frames (ld_blobx_chunk_parse, server/blobfetch.c), which
 * reads most of the bytes nodes send each other without protobuf-c.
 *
 * The input is one frame as it arrives. Beyond the sanitizers (the parser
 * must read nothing outside the input: the input is copied into a buffer
 * of exactly its size), the harness abort()s unless:
 *  - what the parser accepts, protobuf-c decodes as a Frame holding a
 *    BlobChunk with the same SHA-256, index and data (the fast path and the
 *    general path can never disagree on a chunk);
 *  - what it accepts is exactly the layout send_chunk writes: the fields
 *    it returned, written in that layout, give back the input byte for
 *    byte (nothing else is taken for a chunk).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/blobx.h"
#include "wire.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Noreturn void broken(const char *what)
{
	fprintf(stderr, "fuzz_chunk: invariant broken: %s\n", what);
	abort();
}

static size_t varint(uint8_t *p, uint64_t v)
{
	size_t i = 0;

	do {
		p[i++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return i;
}

/* The layout of server/blobserve.c's send_chunk, written independently. */
static uint8_t *layout(const uint8_t *sha, uint32_t index, const uint8_t *chunk, size_t len,
		       size_t *out_len)
{
	uint8_t inner[64], head[16], *out;
	size_t ni = 0, nh = 0;

	inner[ni++] = 0x0a;
	inner[ni++] = 32;
	memcpy(inner + ni, sha, 32);
	ni += 32;
	inner[ni++] = 0x10;
	ni += varint(inner + ni, index);
	inner[ni++] = 0x1a;
	ni += varint(inner + ni, len);
	head[nh++] = 0x6a;
	nh += varint(head + nh, ni + len);
	*out_len = nh + ni + len;
	out = malloc(*out_len);
	if (!out)
		abort();
	memcpy(out, head, nh);
	memcpy(out + nh, inner, ni);
	memcpy(out + nh + ni, chunk, len);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1), *again;
	const uint8_t *sha, *chunk;
	uint32_t index;
	size_t len, again_len;
	Ld__Frame *f;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (!ld_blobx_chunk_parse(copy, size, &sha, &index, &chunk, &len)) {
		free(copy);
		return 0;
	}
	if (sha < copy || sha + 32 > copy + size || chunk < copy || chunk + len != copy + size)
		broken("fields outside the input");
	f = ld__frame__unpack(NULL, size, copy);
	if (!f || f->body_case != LD__FRAME__BODY_BLOB_CHUNK || !f->blob_chunk->has_sha256 ||
	    f->blob_chunk->sha256.len != 32 || memcmp(f->blob_chunk->sha256.data, sha, 32) ||
	    !f->blob_chunk->has_index || f->blob_chunk->index != index ||
	    !f->blob_chunk->has_data || f->blob_chunk->data.len != len ||
	    (len && memcmp(f->blob_chunk->data.data, chunk, len)))
		broken("the parser and protobuf-c read the chunk differently");
	again = layout(sha, index, chunk, len, &again_len);
	if (again_len != size || memcmp(again, copy, size))
		broken("accepted bytes that are not the chunk layout");
	free(again);
	ld__frame__free_unpacked(f, NULL);
	free(copy);
	return 0;
}

/* tests/fuzz/gen_seeds.h: what the two files of gen_server_corpus share:
 * a growing buffer that becomes one seed file, and the chunk frame layout.
 * See gen_server_corpus.c. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A growing byte buffer: one seed. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

/* Exit with a message (the generator stops at the first problem). */
__attribute__((format(printf, 1, 2))) _Noreturn void gen_die(const char *fmt, ...);

void put(struct buf *b, const void *data, size_t len);
/* A 16-bit big-endian length. */
void put_u16(struct buf *b, size_t v);
/* Write the seed to OUT_DIR/sub/name.bin and empty the buffer. */
void save(struct buf *b, const char *sub, const char *name);

/* A BlobChunk frame in the layout blobserve.c's send_chunk writes, into out
 * (len + 64 bytes suffice). Returns its size. */
size_t chunk_layout(uint8_t *out, const uint8_t *sha, uint64_t index, const uint8_t *data,
		    size_t len);

/* gen_frame_seeds.c: the frame corpus. */
void gen_frames(void);

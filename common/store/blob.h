/* common/store/blob.h: evidence files, content-addressed, in a blob directory
 * beside the LMDB store (DATA/blobs; why not LMDB: docs/ARCHITECTURE.md).
 *
 *   blobs/ab/ab12...ef        the file, named by its SHA-256 (hex)
 *   blobs/ab/ab12...ef.idx    its chunk index: "LDBLOBI1", u32 chunk size,
 *                             u64 size, then the SHA-256 of every chunk
 *   blobs/partial/HEX.part    a file being fetched: its first chunks, in order
 *   blobs/partial/HEX.idx     the chunk index the fetch was offered (checked)
 *   blobs/tmp/                imports being written
 *
 * A complete blob is written once (temporary file, fsync, rename; the index
 * first, then the file, whose presence means complete) and never modified,
 * so readers need no lock: the daemon serves and fetches, the CLI imports
 * (evidence add) and copies out (evidence get) on the same host.
 *
 * A file is cut into chunks of ld_blob_chunk_size(size) bytes (the last may
 * be shorter); the chunk list hash (SHA-256 of the concatenated chunk
 * hashes) goes into the signed evidence record, so every chunk a node
 * receives is checked on arrival against what the collector signed. Nothing
 * here holds more than one chunk in memory. Functions return 0 or -errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LD_BLOB_CHUNK_MIN (256u << 10)
#define LD_BLOB_CHUNK_MAX (4u << 20)
#define LD_BLOB_CHUNKS_MAX 16384u /* so an offer's chunk list stays ≤ 512 KiB */
#define LD_BLOB_SIZE_MAX ((uint64_t)LD_BLOB_CHUNK_MAX * LD_BLOB_CHUNKS_MAX) /* 64 GiB */

typedef struct ld_blobs ld_blobs_t;	    /* one blob directory */
typedef struct ld_blob ld_blob_t;	    /* a complete blob open for reading */
typedef struct ld_blob_part ld_blob_part_t; /* a blob being fetched */

typedef struct ld_blob_info {
	uint8_t sha256[32];
	uint64_t size;
	uint32_t chunk_size;
	uint32_t n_chunks;
	uint8_t list_sha256[32]; /* SHA-256 of the concatenated chunk hashes */
} ld_blob_info_t;

/* Chunk size for a file of 'size' bytes: 256 KiB, doubled until at most
 * LD_BLOB_CHUNKS_MAX chunks are needed (4 MiB at most). */
uint32_t ld_blob_chunk_size(uint64_t size);

/* Number of chunks of a file (0 for an empty file). */
uint32_t ld_blob_n_chunks(uint64_t size, uint32_t chunk_size);

/* Length of chunk 'idx'. */
size_t ld_blob_chunk_len(uint64_t size, uint32_t chunk_size, uint32_t idx);

/* SHA-256 of 'n' concatenated 32-byte hashes. */
void ld_blob_list_sha256(const uint8_t *hashes, uint32_t n, uint8_t out[32]);

/* Open (creating, mode 0700) the blob directory 'dir'. Caller owns *ret. */
int ld_blobs_open(const char *dir, ld_blobs_t **ret);
void ld_blobs_destroy(ld_blobs_t **b_p);
const char *ld_blobs_dir(const ld_blobs_t *b);

/* Path of the complete blob 'sha' into 'path' (whether held or not). */
void ld_blob_path(const ld_blobs_t *b, const uint8_t sha[32], char *path, size_t size);

/* Is blob 'sha' complete here? 0 and *info filled, -ENOENT, or -errno
 * (-EPROTO: its index is damaged). 'info' may be NULL. */
int ld_blob_stat(ld_blobs_t *b, const uint8_t sha[32], ld_blob_info_t *info);

/* Copy the file at 'path' into the store, reading it once in blocks: its
 * SHA-256, chunk hashes and list hash go into *info. Importing a file held
 * already is a no-op. -EFBIG past LD_BLOB_SIZE_MAX. */
int ld_blob_import(ld_blobs_t *b, const char *path, ld_blob_info_t *info);

/* Open complete blob 'sha' for serving. -ENOENT if not held. */
int ld_blob_open(ld_blobs_t *b, const uint8_t sha[32], ld_blob_t **ret);
const ld_blob_info_t *ld_blob_info(const ld_blob_t *bl);
/* The chunk hashes (n_chunks × 32 bytes), borrowed from 'bl'. */
const uint8_t *ld_blob_hashes(const ld_blob_t *bl);
/* Read chunk 'idx' into 'buf' (at least chunk_size bytes); *len = its length. */
int ld_blob_read_chunk(ld_blob_t *bl, uint32_t idx, uint8_t *buf, size_t *len);
void ld_blob_close(ld_blob_t **bl_p);

/* Start or resume fetching a blob described by 'info' whose chunk hashes
 * are 'hashes' (the caller checked them against info->list_sha256). A
 * partial file left by an earlier fetch with the same index is resumed: its
 * whole chunks are kept after the last one is checked again (a torn tail is
 * cut off). -EEXIST if the blob is complete already. Caller owns *ret. */
int ld_blob_part_open(ld_blobs_t *b, const ld_blob_info_t *info, const uint8_t *hashes,
		      ld_blob_part_t **ret);
/* Chunks held, contiguous from 0. */
uint32_t ld_blob_part_next(const ld_blob_part_t *p);
/* Chunks held when the part was opened (what a resume started from). */
uint32_t ld_blob_part_resumed(const ld_blob_part_t *p);
const ld_blob_info_t *ld_blob_part_info(const ld_blob_part_t *p);
const uint8_t *ld_blob_part_hashes(const ld_blob_part_t *p);
/* Append chunk 'idx' (must be the next): checked against its hash first;
 * -EBADMSG if it does not match (nothing written), -ERANGE if not the next. */
int ld_blob_part_put(ld_blob_part_t *p, uint32_t idx, const uint8_t *data, size_t len);
/* Read held chunk 'idx' (relaying while fetching). */
int ld_blob_part_read_chunk(ld_blob_part_t *p, uint32_t idx, uint8_t *buf, size_t *len);
/* All chunks held: make it a complete blob (fsync, rename). */
int ld_blob_part_finish(ld_blob_part_t *p);
/* Close; a partial file stays for a later resume. Safe on NULL. */
void ld_blob_part_close(ld_blob_part_t **p_p);

/* Does the blob directory hold anything of 'sha' (complete or partial)? */
bool ld_blob_any(ld_blobs_t *b, const uint8_t sha[32]);

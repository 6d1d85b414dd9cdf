/* tests/unit/test_blob.c: the blob directory on a real filesystem: chunk
 * arithmetic; import of a file whose hashes are recomputed here
 * independently; serving chunks; a fetch into a second directory that is
 * interrupted, resumed (a torn tail and a damaged chunk are cut) and
 * finished; a partial left by a different index; an empty file; and a
 * damaged index. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "common/store/blob.h"
#include "common/crypto/key.h"
#include "testutil.h"

#define SRC_SIZE 1300000u		 /* not a multiple of the chunk size */
#define SRC_CS (256u * 1024)		 /* its chunk size, written out here */
#define SRC_CHUNKS 5u			 /* ceil(1300000 / 262144) */
#define SRC_LAST (SRC_SIZE - 4 * SRC_CS) /* 251424 */

struct fx {
	char *dir;
	char src[512];	 /* the file imported */
	uint8_t *data;	 /* its bytes */
	uint8_t sha[32]; /* computed here, not by blob.c */
	uint8_t hashes[SRC_CHUNKS * 32];
	uint8_t list[32];
	ld_blobs_t *a; /* DIR/blobs: where the file is imported */
	ld_blobs_t *b; /* DIR/fetch: where it is fetched to */
	char a_dir[512], b_dir[512];
};

static void sha256_buf(const void *p, size_t len, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;

	assert_non_null(md);
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(md, p, len), 1);
	assert_int_equal(EVP_DigestFinal_ex(md, out, &n), 1);
	assert_int_equal(n, 32);
	EVP_MD_CTX_free(md);
}

static void write_file(const char *path, const void *p, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	if (len)
		assert_int_equal(fwrite(p, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* The whole file at 'path' (malloc'd; *len its size). */
static uint8_t *read_file(const char *path, size_t *len)
{
	struct stat sb;
	uint8_t *p;
	FILE *fp;

	assert_int_equal(stat(path, &sb), 0);
	p = malloc((size_t)sb.st_size + 1);
	assert_non_null(p);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(p, 1, (size_t)sb.st_size, fp), (size_t)sb.st_size);
	fclose(fp);
	*len = (size_t)sb.st_size;
	return p;
}

static void assert_file_is(const char *path, const uint8_t *want, size_t want_len)
{
	size_t len;
	uint8_t *got = read_file(path, &len);

	assert_int_equal(len, want_len);
	if (want_len)
		assert_memory_equal(got, want, want_len);
	free(got);
}

static mode_t mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mode & 07777;
}

static bool exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static void assert_info_equal(const ld_blob_info_t *x, const ld_blob_info_t *y)
{
	assert_memory_equal(x->sha256, y->sha256, 32);
	assert_int_equal(x->size, y->size);
	assert_int_equal(x->chunk_size, y->chunk_size);
	assert_int_equal(x->n_chunks, y->n_chunks);
	assert_memory_equal(x->list_sha256, y->list_sha256, 32);
}

/* The info of the source file, built from the hashes computed here. */
static void src_info(const struct fx *f, ld_blob_info_t *info)
{
	memset(info, 0, sizeof(*info));
	memcpy(info->sha256, f->sha, 32);
	info->size = SRC_SIZE;
	info->chunk_size = SRC_CS;
	info->n_chunks = SRC_CHUNKS;
	memcpy(info->list_sha256, f->list, 32);
}

static const uint8_t *chunk_of(const struct fx *f, uint32_t idx)
{
	return f->data + (size_t)idx * SRC_CS;
}

static size_t chunk_len_of(uint32_t idx)
{
	return idx + 1 < SRC_CHUNKS ? SRC_CS : SRC_LAST;
}

static void part_path(const ld_blobs_t *b, const uint8_t sha[32], const char *ext, char *out,
		      size_t size)
{
	char hex[65];

	ld_hex(sha, 32, hex);
	snprintf(out, size, "%s/partial/%s.%s", ld_blobs_dir(b), hex, ext);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t cat[SRC_CHUNKS * 32];

	assert_non_null(f);
	f->dir = tu_tmpdir("blob");
	snprintf(f->src, sizeof(f->src), "%s/evidence.bin", f->dir);
	f->data = malloc(SRC_SIZE);
	assert_non_null(f->data);
	for (size_t i = 0; i < SRC_SIZE; i++) { /* xorshift64: pseudo-random, repeatable */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		f->data[i] = (uint8_t)(x >> 24);
	}
	write_file(f->src, f->data, SRC_SIZE);
	sha256_buf(f->data, SRC_SIZE, f->sha);
	for (uint32_t i = 0; i < SRC_CHUNKS; i++)
		sha256_buf(chunk_of(f, i), chunk_len_of(i), f->hashes + i * 32);
	memcpy(cat, f->hashes, sizeof(cat));
	sha256_buf(cat, sizeof(cat), f->list);

	snprintf(f->a_dir, sizeof(f->a_dir), "%s/blobs", f->dir);
	snprintf(f->b_dir, sizeof(f->b_dir), "%s/fetch", f->dir);
	assert_int_equal(ld_blobs_open(f->a_dir, &f->a), 0);
	assert_int_equal(ld_blobs_open(f->b_dir, &f->b), 0);
	assert_string_equal(ld_blobs_dir(f->a), f->a_dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ld_blobs_destroy(&f->a);
	ld_blobs_destroy(&f->b);
	assert_null(f->a);
	tu_rmrf(f->dir);
	assert_false(exists(f->dir));
	free(f->dir);
	free(f->data);
	free(f);
	return 0;
}

/* 1. Chunk arithmetic. */
static void test_chunk_math(void **state)
{
	const uint64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
	uint64_t sizes[] = {
		1,
		1000,
		SRC_SIZE,
		256 * KiB,
		256 * KiB + 1,
		4 * GiB - 1,
		4 * GiB,
		4 * GiB + 1,
		8 * GiB,
		8 * GiB + 1,
		16 * GiB + 12345,
		32 * GiB + 1,
		LD_BLOB_SIZE_MAX - 1,
		LD_BLOB_SIZE_MAX,
	};

	(void)state;
	assert_int_equal(LD_BLOB_CHUNK_MIN, 256 * KiB);
	assert_int_equal(LD_BLOB_CHUNK_MAX, 4 * MiB);
	assert_int_equal(LD_BLOB_CHUNKS_MAX, 16384);
	assert_int_equal(LD_BLOB_SIZE_MAX, 64 * GiB);

	/* Small files: 256 KiB. */
	assert_int_equal(ld_blob_chunk_size(0), 256 * KiB);
	assert_int_equal(ld_blob_chunk_size(1), 256 * KiB);
	assert_int_equal(ld_blob_chunk_size(SRC_SIZE), 256 * KiB);
	assert_int_equal(ld_blob_chunk_size(4 * GiB), 256 * KiB); /* exactly 16384 chunks */
	/* Doubling. */
	assert_int_equal(ld_blob_chunk_size(4 * GiB + 1), 512 * KiB);
	assert_int_equal(ld_blob_chunk_size(8 * GiB), 512 * KiB);
	assert_int_equal(ld_blob_chunk_size(8 * GiB + 1), 1 * MiB);
	assert_int_equal(ld_blob_chunk_size(16 * GiB + 1), 2 * MiB);
	assert_int_equal(ld_blob_chunk_size(32 * GiB + 1), 4 * MiB);
	assert_int_equal(ld_blob_chunk_size(LD_BLOB_SIZE_MAX), 4 * MiB);
	/* Capped past 64 GiB (more chunks than the maximum: import refuses). */
	assert_int_equal(ld_blob_chunk_size(LD_BLOB_SIZE_MAX + 1), 4 * MiB);
	assert_int_equal(ld_blob_chunk_size(1000 * GiB), 4 * MiB);
	assert_int_equal(ld_blob_n_chunks(LD_BLOB_SIZE_MAX + 1, 4 * MiB), LD_BLOB_CHUNKS_MAX + 1);

	/* The chosen size is the smallest power of two from 256 KiB that fits. */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t cs = ld_blob_chunk_size(sizes[i]);
		uint32_t n = ld_blob_n_chunks(sizes[i], cs);

		assert_true(cs >= LD_BLOB_CHUNK_MIN && cs <= LD_BLOB_CHUNK_MAX);
		assert_int_equal(cs & (cs - 1), 0);
		assert_true(n >= 1 && n <= LD_BLOB_CHUNKS_MAX);
		assert_true((uint64_t)n * cs >= sizes[i]);
		assert_true((uint64_t)(n - 1) * cs < sizes[i]);
		if (cs > LD_BLOB_CHUNK_MIN)
			assert_true(ld_blob_n_chunks(sizes[i], cs / 2) > LD_BLOB_CHUNKS_MAX);
		/* The last chunk holds the rest, the others are full. */
		assert_int_equal(ld_blob_chunk_len(sizes[i], cs, 0), n > 1 ? cs : sizes[i]);
		assert_int_equal(ld_blob_chunk_len(sizes[i], cs, n - 1),
				 sizes[i] - (uint64_t)(n - 1) * cs);
		assert_int_equal(ld_blob_chunk_len(sizes[i], cs, n), 0);
	}

	/* n_chunks and chunk_len. */
	assert_int_equal(ld_blob_n_chunks(0, 256 * KiB), 0);
	assert_int_equal(ld_blob_chunk_len(0, 256 * KiB, 0), 0);
	assert_int_equal(ld_blob_n_chunks(1, 256 * KiB), 1);
	assert_int_equal(ld_blob_chunk_len(1, 256 * KiB, 0), 1);
	assert_int_equal(ld_blob_n_chunks(256 * KiB, 256 * KiB), 1);
	assert_int_equal(ld_blob_chunk_len(256 * KiB, 256 * KiB, 0), 256 * KiB);
	assert_int_equal(ld_blob_n_chunks(256 * KiB + 1, 256 * KiB), 2);
	assert_int_equal(ld_blob_chunk_len(256 * KiB + 1, 256 * KiB, 1), 1);
	assert_int_equal(ld_blob_n_chunks(SRC_SIZE, SRC_CS), SRC_CHUNKS);
	for (uint32_t i = 0; i < SRC_CHUNKS; i++)
		assert_int_equal(ld_blob_chunk_len(SRC_SIZE, SRC_CS, i), chunk_len_of(i));
	assert_true(SRC_LAST < SRC_CS);
	assert_int_equal(ld_blob_chunk_len(SRC_SIZE, SRC_CS, SRC_CHUNKS), 0);
	assert_int_equal(ld_blob_chunk_len(SRC_SIZE, SRC_CS, UINT32_MAX), 0);
	assert_int_equal(ld_blob_chunk_len(LD_BLOB_SIZE_MAX, 4 * MiB, LD_BLOB_CHUNKS_MAX - 1),
			 4 * MiB);
}

/* 2. Import: hashes, layout, modes, idempotence, refusals. */
static void test_import(void **state)
{
	struct fx *f = *state;
	ld_blob_info_t info, again, st, want;
	char path[1024], idx[1100], shard[1024], sub[1024];
	uint8_t list[32];

	src_info(f, &want);
	assert_false(ld_blob_any(f->a, f->sha));
	assert_int_equal(ld_blob_stat(f->a, f->sha, &st), -ENOENT);

	assert_int_equal(ld_blob_import(f->a, f->src, &info), 0);
	assert_info_equal(&info, &want);
	assert_memory_equal(info.sha256, f->sha, 32);
	assert_int_equal(info.size, SRC_SIZE);
	assert_int_equal(info.chunk_size, SRC_CS);
	assert_int_equal(info.n_chunks, SRC_CHUNKS);
	ld_blob_list_sha256(f->hashes, SRC_CHUNKS, list);
	assert_memory_equal(list, f->list, 32);
	assert_memory_equal(info.list_sha256, list, 32);

	/* The file, named by its hash, under a two-hex-digit shard. */
	ld_blob_path(f->a, f->sha, path, sizeof(path));
	{
		char hex[65], want_path[1024];

		ld_hex(f->sha, 32, hex);
		snprintf(want_path, sizeof(want_path), "%s/%.2s/%s", f->a_dir, hex, hex);
		assert_string_equal(path, want_path);
		snprintf(shard, sizeof(shard), "%s/%.2s", f->a_dir, hex);
	}
	assert_file_is(path, f->data, SRC_SIZE);
	snprintf(idx, sizeof(idx), "%s.idx", path);
	assert_true(exists(idx));
	{
		size_t len;
		uint8_t *p = read_file(idx, &len);

		assert_int_equal(len, 20 + SRC_CHUNKS * 32);
		assert_memory_equal(p, "LDBLOBI1", 8);
		assert_memory_equal(p + 20, f->hashes, SRC_CHUNKS * 32);
		free(p);
	}
	assert_true(ld_blob_any(f->a, f->sha));
	assert_false(ld_blob_any(f->b, f->sha));

	/* stat: the same info; NULL info allowed. */
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(ld_blob_stat(f->a, f->sha, &st), 0);
	assert_info_equal(&st, &want);
	assert_int_equal(ld_blob_stat(f->a, f->sha, NULL), 0);
	assert_int_equal(ld_blob_stat(f->b, f->sha, NULL), -ENOENT);

	/* Modes: files 0600, directories 0700. */
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(mode_of(idx), 0600);
	assert_int_equal(mode_of(f->a_dir), 0700);
	assert_int_equal(mode_of(shard), 0700);
	snprintf(sub, sizeof(sub), "%s/partial", f->a_dir);
	assert_int_equal(mode_of(sub), 0700);
	snprintf(sub, sizeof(sub), "%s/tmp", f->a_dir);
	assert_int_equal(mode_of(sub), 0700);

	/* Again: a no-op that still reports the info; no temporary left. */
	{
		struct stat before, after;

		assert_int_equal(stat(path, &before), 0);
		assert_int_equal(ld_blob_import(f->a, f->src, &again), 0);
		assert_info_equal(&again, &want);
		assert_int_equal(stat(path, &after), 0);
		assert_int_equal(before.st_ino, after.st_ino); /* not replaced */
		assert_file_is(path, f->data, SRC_SIZE);
		assert_int_equal(rmdir(sub), 0); /* tmp/ is empty */
		assert_int_equal(mkdir(sub, 0700), 0);
	}

	/* Refusals. */
	snprintf(sub, sizeof(sub), "%s/no-such-file", f->dir);
	assert_int_equal(ld_blob_import(f->a, sub, &info), -ENOENT);
	assert_int_equal(ld_blob_import(f->a, f->dir, &info), -EINVAL);
	assert_int_equal(ld_blob_import(f->a, f->a_dir, &info), -EINVAL);
}

/* 3. Serving: each chunk's bytes; past the end -ERANGE. */
static void test_read_chunks(void **state)
{
	struct fx *f = *state;
	ld_blob_info_t info, want;
	ld_blob_t *bl = NULL;
	uint8_t *buf = malloc(SRC_CS);
	size_t len;

	assert_non_null(buf);
	src_info(f, &want);
	assert_int_equal(ld_blob_open(f->a, f->sha, &bl), -ENOENT);
	assert_int_equal(ld_blob_import(f->a, f->src, &info), 0);
	assert_int_equal(ld_blob_open(f->a, f->sha, &bl), 0);
	assert_non_null(bl);
	assert_info_equal(ld_blob_info(bl), &want);
	assert_memory_equal(ld_blob_hashes(bl), f->hashes, SRC_CHUNKS * 32);
	/* Out of order on purpose. */
	for (uint32_t k = 0; k < SRC_CHUNKS; k++) {
		uint32_t i = (k * 3 + 2) % SRC_CHUNKS;

		memset(buf, 0, SRC_CS);
		len = 0;
		assert_int_equal(ld_blob_read_chunk(bl, i, buf, &len), 0);
		assert_int_equal(len, chunk_len_of(i));
		assert_memory_equal(buf, chunk_of(f, i), len);
	}
	assert_int_equal(ld_blob_read_chunk(bl, SRC_CHUNKS, buf, &len), -ERANGE);
	assert_int_equal(ld_blob_read_chunk(bl, SRC_CHUNKS + 1, buf, &len), -ERANGE);
	assert_int_equal(ld_blob_read_chunk(bl, UINT32_MAX, buf, &len), -ERANGE);
	ld_blob_close(&bl);
	assert_null(bl);
	ld_blob_close(&bl); /* safe twice */
	free(buf);
}

/* Flip one byte of the file at 'path' at 'off'. */
static void flip_byte(const char *path, off_t off)
{
	int fd = open(path, O_RDWR);
	uint8_t c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 0x5a;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

/* 4. Fetch into a second directory: refusals, resume, torn tail, finish. */
static void test_partial_fetch(void **state)
{
	struct fx *f = *state;
	ld_blob_info_t info, st;
	ld_blob_part_t *p = NULL;
	char part[1100], pidx[1100], path[1024], sub[1024];
	uint8_t *bad = malloc(SRC_CS), *buf = malloc(SRC_CS);
	size_t len;

	assert_non_null(bad);
	assert_non_null(buf);
	/* The offer: the info and hashes of the import. */
	assert_int_equal(ld_blob_import(f->a, f->src, &info), 0);
	part_path(f->b, f->sha, "part", part, sizeof(part));
	part_path(f->b, f->sha, "idx", pidx, sizeof(pidx));

	assert_int_equal(ld_blob_part_open(f->b, &info, f->hashes, &p), 0);
	assert_non_null(p);
	assert_int_equal(ld_blob_part_next(p), 0);
	assert_int_equal(ld_blob_part_resumed(p), 0);
	assert_info_equal(ld_blob_part_info(p), &info);
	assert_memory_equal(ld_blob_part_hashes(p), f->hashes, SRC_CHUNKS * 32);
	assert_true(exists(part));
	assert_true(exists(pidx));
	assert_int_equal(mode_of(part), 0600);

	/* Not the next chunk. */
	assert_int_equal(ld_blob_part_put(p, 1, chunk_of(f, 1), SRC_CS), -ERANGE);
	assert_int_equal(ld_blob_part_next(p), 0);
	/* One flipped byte; the wrong length. */
	memcpy(bad, chunk_of(f, 0), SRC_CS);
	bad[12345] ^= 0x01;
	assert_int_equal(ld_blob_part_put(p, 0, bad, SRC_CS), -EBADMSG);
	assert_int_equal(ld_blob_part_next(p), 0);
	assert_int_equal(ld_blob_part_put(p, 0, chunk_of(f, 0), SRC_CS - 1), -EBADMSG);
	assert_int_equal(ld_blob_part_put(p, 0, chunk_of(f, 1), SRC_CS), -EBADMSG);
	assert_int_equal(ld_blob_part_next(p), 0);
	{
		struct stat sb;

		assert_int_equal(stat(part, &sb), 0);
		assert_int_equal(sb.st_size, 0); /* nothing written */
	}
	assert_int_equal(ld_blob_part_read_chunk(p, 0, buf, &len), -ENOENT);
	assert_int_equal(ld_blob_part_finish(p), -EAGAIN);

	/* Chunks 0 and 1. */
	assert_int_equal(ld_blob_part_put(p, 0, chunk_of(f, 0), SRC_CS), 0);
	assert_int_equal(ld_blob_part_next(p), 1);
	assert_int_equal(ld_blob_part_put(p, 0, chunk_of(f, 0), SRC_CS), -ERANGE); /* again */
	assert_int_equal(ld_blob_part_put(p, 1, chunk_of(f, 1), SRC_CS), 0);
	assert_int_equal(ld_blob_part_next(p), 2);
	assert_int_equal(ld_blob_part_read_chunk(p, 1, buf, &len), 0);
	assert_int_equal(len, SRC_CS);
	assert_memory_equal(buf, chunk_of(f, 1), SRC_CS);
	assert_int_equal(ld_blob_part_read_chunk(p, 2, buf, &len), -ENOENT);
	ld_blob_part_close(&p);
	assert_null(p);
	ld_blob_part_close(&p); /* safe on NULL */
	assert_file_is(part, f->data, 2 * SRC_CS);

	assert_true(ld_blob_any(f->b, f->sha));
	assert_int_equal(ld_blob_stat(f->b, f->sha, &st), -ENOENT);
	assert_int_equal(ld_blob_open(f->b, f->sha, &(ld_blob_t *){NULL}), -ENOENT);

	/* Resume: both chunks kept. */
	assert_int_equal(ld_blob_part_open(f->b, &info, f->hashes, &p), 0);
	assert_int_equal(ld_blob_part_next(p), 2);
	assert_int_equal(ld_blob_part_resumed(p), 2);
	assert_int_equal(ld_blob_part_read_chunk(p, 0, buf, &len), 0);
	assert_memory_equal(buf, chunk_of(f, 0), SRC_CS);
	ld_blob_part_close(&p);

	/* A torn tail after chunk 1, and chunk 1 itself damaged. */
	{
		uint8_t junk[1000];
		int fd;

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)(i * 7 + 1);
		fd = open(part, O_WRONLY | O_APPEND);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
		close(fd);
		flip_byte(part, (off_t)SRC_CS + 4242);
	}
	assert_int_equal(ld_blob_part_open(f->b, &info, f->hashes, &p), 0);
	assert_int_equal(ld_blob_part_next(p), 1);
	assert_int_equal(ld_blob_part_resumed(p), 1);
	assert_file_is(part, f->data, SRC_CS); /* chunk 1 and the tail cut */
	assert_int_equal(ld_blob_part_finish(p), -EAGAIN);

	/* The rest. */
	for (uint32_t i = 1; i < SRC_CHUNKS; i++) {
		assert_int_equal(ld_blob_part_put(p, i, chunk_of(f, i), chunk_len_of(i)), 0);
		assert_int_equal(ld_blob_part_next(p), i + 1);
	}
	assert_int_equal(ld_blob_part_put(p, SRC_CHUNKS, chunk_of(f, 0), SRC_CS), -ERANGE);
	assert_int_equal(ld_blob_part_read_chunk(p, SRC_CHUNKS - 1, buf, &len), 0);
	assert_int_equal(len, SRC_LAST);
	assert_memory_equal(buf, chunk_of(f, SRC_CHUNKS - 1), SRC_LAST);
	assert_int_equal(ld_blob_part_finish(p), 0);
	ld_blob_part_close(&p);

	/* Complete, identical, and the partial files gone. */
	assert_int_equal(ld_blob_stat(f->b, f->sha, &st), 0);
	assert_info_equal(&st, &info);
	ld_blob_path(f->b, f->sha, path, sizeof(path));
	assert_file_is(path, f->data, SRC_SIZE);
	assert_int_equal(mode_of(path), 0600);
	assert_false(exists(part));
	assert_false(exists(pidx));
	snprintf(sub, sizeof(sub), "%s/partial", f->b_dir);
	assert_int_equal(rmdir(sub), 0); /* nothing else left in partial/ */
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_true(ld_blob_any(f->b, f->sha));
	{
		ld_blob_t *bl = NULL;

		assert_int_equal(ld_blob_open(f->b, f->sha, &bl), 0);
		assert_memory_equal(ld_blob_hashes(bl), f->hashes, SRC_CHUNKS * 32);
		assert_int_equal(ld_blob_read_chunk(bl, 3, buf, &len), 0);
		assert_memory_equal(buf, chunk_of(f, 3), SRC_CS);
		ld_blob_close(&bl);
	}

	/* Held: no second fetch, and nothing left behind by the refusal. */
	p = NULL;
	assert_int_equal(ld_blob_part_open(f->b, &info, f->hashes, &p), -EEXIST);
	assert_null(p);
	assert_false(exists(part));
	free(bad);
	free(buf);
}

/* 5. A partial left by a different index (other hashes for the same file
 * hash) is not resumed. */
static void test_partial_other_index(void **state)
{
	struct fx *f = *state;
	ld_blob_info_t info, other;
	ld_blob_part_t *p = NULL;
	uint8_t hashes2[SRC_CHUNKS * 32];
	char part[1100];
	struct stat sb;

	src_info(f, &info);
	part_path(f->b, f->sha, "part", part, sizeof(part));
	assert_int_equal(ld_blob_part_open(f->b, &info, f->hashes, &p), 0);
	assert_int_equal(ld_blob_part_put(p, 0, chunk_of(f, 0), SRC_CS), 0);
	assert_int_equal(ld_blob_part_put(p, 1, chunk_of(f, 1), SRC_CS), 0);
	ld_blob_part_close(&p);

	/* Same sha256, another chunk list (only the last hash differs). */
	memcpy(hashes2, f->hashes, sizeof(hashes2));
	hashes2[(SRC_CHUNKS - 1) * 32] ^= 0xff;
	other = info;
	ld_blob_list_sha256(hashes2, SRC_CHUNKS, other.list_sha256);
	assert_int_equal(ld_blob_part_open(f->b, &other, hashes2, &p), 0);
	assert_int_equal(ld_blob_part_next(p), 0);
	assert_int_equal(ld_blob_part_resumed(p), 0);
	assert_int_equal(stat(part, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(ld_blob_part_put(p, 0, chunk_of(f, 0), SRC_CS), 0);
	ld_blob_part_close(&p);

	/* Back to the original index: the other one's chunk is not kept either. */
	assert_int_equal(ld_blob_part_open(f->b, &info, f->hashes, &p), 0);
	assert_int_equal(ld_blob_part_next(p), 0);
	assert_int_equal(ld_blob_part_resumed(p), 0);
	assert_int_equal(ld_blob_part_put(p, 0, chunk_of(f, 0), SRC_CS), 0);
	ld_blob_part_close(&p);
	assert_int_equal(ld_blob_part_open(f->b, &info, f->hashes, &p), 0);
	assert_int_equal(ld_blob_part_next(p), 1); /* same index: resumed */
	ld_blob_part_close(&p);

	/* A different size (and so chunk count) for the same hash: from 0. */
	other = info;
	other.size = SRC_SIZE - SRC_LAST;
	other.n_chunks = SRC_CHUNKS - 1;
	assert_int_equal(ld_blob_part_open(f->b, &other, f->hashes, &p), 0);
	assert_int_equal(ld_blob_part_next(p), 0);
	ld_blob_part_close(&p);

	/* An inconsistent info is refused. */
	other = info;
	other.n_chunks = SRC_CHUNKS + 1;
	assert_int_equal(ld_blob_part_open(f->b, &other, f->hashes, &p), -EINVAL);
	other = info;
	other.chunk_size = LD_BLOB_CHUNK_MIN / 2;
	other.n_chunks = ld_blob_n_chunks(other.size, other.chunk_size);
	assert_int_equal(ld_blob_part_open(f->b, &other, f->hashes, &p), -EINVAL);
	assert_null(p);
}

/* 6. An empty file. */
/* Every chunk received, then the daemon stops before finishing: the resume
 * keeps them all (the short last chunk is not padded) and finishing makes
 * the complete blob. */
static void test_resume_all_held(void **state)
{
	struct fx *f = *state;
	ld_blob_info_t info, st;
	ld_blob_part_t *p = NULL;
	char part[1100];
	uint8_t *buf = malloc(SRC_CS);
	size_t len;

	assert_non_null(buf);
	assert_int_equal(ld_blob_import(f->a, f->src, &info), 0);
	part_path(f->b, f->sha, "part", part, sizeof(part));
	assert_int_equal(ld_blob_part_open(f->b, &info, f->hashes, &p), 0);
	for (uint32_t i = 0; i < SRC_CHUNKS; i++)
		assert_int_equal(ld_blob_part_put(p, i, chunk_of(f, i),
						  i == SRC_CHUNKS - 1 ? SRC_LAST : SRC_CS),
				 0);
	ld_blob_part_close(&p);
	assert_int_equal(ld_blob_part_open(f->b, &info, f->hashes, &p), 0);
	assert_int_equal(ld_blob_part_next(p), SRC_CHUNKS);
	assert_int_equal(ld_blob_part_resumed(p), SRC_CHUNKS);
	assert_int_equal(ld_blob_part_finish(p), 0);
	ld_blob_part_close(&p);
	assert_int_equal(ld_blob_stat(f->b, f->sha, &st), 0);
	assert_int_equal(st.size, SRC_SIZE);
	{
		ld_blob_t *bl = NULL;

		assert_int_equal(ld_blob_open(f->b, f->sha, &bl), 0);
		for (uint32_t i = 0; i < SRC_CHUNKS; i++) {
			assert_int_equal(ld_blob_read_chunk(bl, i, buf, &len), 0);
			assert_memory_equal(buf, chunk_of(f, i), len);
		}
		ld_blob_close(&bl);
	}
	assert_int_equal(ld_blob_part_open(f->b, &info, f->hashes, &p), -EEXIST);
	free(buf);
}

static void test_empty(void **state)
{
	struct fx *f = *state;
	ld_blob_info_t info, st;
	ld_blob_t *bl = NULL;
	char src[1024], path[1024];
	uint8_t empty_sha[32], buf[16];
	size_t len;

	snprintf(src, sizeof(src), "%s/empty", f->dir);
	write_file(src, NULL, 0);
	sha256_buf("", 0, empty_sha);
	assert_int_equal(ld_blob_import(f->a, src, &info), 0);
	assert_memory_equal(info.sha256, empty_sha, 32);
	assert_int_equal(info.size, 0);
	assert_int_equal(info.chunk_size, LD_BLOB_CHUNK_MIN);
	assert_int_equal(info.n_chunks, 0);
	assert_memory_equal(info.list_sha256, empty_sha, 32); /* hash of no hashes */
	ld_blob_path(f->a, empty_sha, path, sizeof(path));
	assert_file_is(path, NULL, 0);
	assert_int_equal(ld_blob_stat(f->a, empty_sha, &st), 0);
	assert_info_equal(&st, &info);
	assert_int_equal(ld_blob_import(f->a, src, &st), 0); /* again */
	assert_info_equal(&st, &info);
	assert_int_equal(ld_blob_open(f->a, empty_sha, &bl), 0);
	assert_int_equal(ld_blob_info(bl)->n_chunks, 0);
	assert_int_equal(ld_blob_read_chunk(bl, 0, buf, &len), -ERANGE);
	ld_blob_close(&bl);
	assert_int_equal(ld_blob_part_open(f->a, &info, NULL, &(ld_blob_part_t *){NULL}), -EEXIST);
}

/* 7. A damaged index: not complete, not served. */
static void test_damaged_index(void **state)
{
	struct fx *f = *state;
	ld_blob_info_t info, st;
	ld_blob_t *bl = NULL;
	char path[1024], idx[1100];
	struct stat sb;

	assert_int_equal(ld_blob_import(f->a, f->src, &info), 0);
	ld_blob_path(f->a, f->sha, path, sizeof(path));
	snprintf(idx, sizeof(idx), "%s.idx", path);
	assert_int_equal(stat(idx, &sb), 0);
	assert_int_equal(truncate(idx, sb.st_size - 5), 0);
	assert_int_equal(ld_blob_stat(f->a, f->sha, &st), -EPROTO);
	assert_int_not_equal(ld_blob_open(f->a, f->sha, &bl), 0);
	assert_null(bl);
	/* Cut into the header. */
	assert_int_equal(truncate(idx, 10), 0);
	assert_int_equal(ld_blob_stat(f->a, f->sha, NULL), -EPROTO);
	assert_int_not_equal(ld_blob_open(f->a, f->sha, &bl), 0);
	/* Gone. */
	assert_int_equal(unlink(idx), 0);
	assert_int_equal(ld_blob_stat(f->a, f->sha, NULL), -EPROTO);
	assert_int_not_equal(ld_blob_open(f->a, f->sha, &bl), 0);
	assert_null(bl);

	/* A blob file of the wrong length under a good index. */
	assert_int_equal(ld_blob_import(f->a, f->src, &info), 0); /* not held: rewritten */
	assert_int_equal(ld_blob_stat(f->a, f->sha, &st), 0);
	assert_info_equal(&st, &info);
	assert_int_equal(truncate(path, SRC_SIZE - 1), 0);
	assert_int_equal(ld_blob_stat(f->a, f->sha, NULL), -EPROTO);
	assert_int_not_equal(ld_blob_open(f->a, f->sha, &bl), 0);
	assert_null(bl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunk_math),
		cmocka_unit_test_setup_teardown(test_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_fetch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_other_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_all_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_index, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

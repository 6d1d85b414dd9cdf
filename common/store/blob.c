/* common/store/blob.c: the blob directory (see blob.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/store/blob.h"
#include "common/crypto/key.h"

#define IDX_MAGIC "LDBLOBI1"
#define IDX_HDR 20 /* magic 8, chunk size 4, size 8 */
#define PATH_MAX_LEN 4096

struct ld_blobs {
	char *dir;
};

struct ld_blob {
	int fd;
	ld_blob_info_t info;
	uint8_t *hashes;
};

struct ld_blob_part {
	ld_blobs_t *b;
	int fd;
	ld_blob_info_t info;
	uint8_t *hashes;
	uint32_t next, resumed;
	char part[PATH_MAX_LEN], idx[PATH_MAX_LEN];
};

uint32_t ld_blob_chunk_size(uint64_t size)
{
	uint32_t cs = LD_BLOB_CHUNK_MIN;

	while (cs < LD_BLOB_CHUNK_MAX && (size + cs - 1) / cs > LD_BLOB_CHUNKS_MAX)
		cs *= 2;
	return cs;
}

uint32_t ld_blob_n_chunks(uint64_t size, uint32_t chunk_size)
{
	return chunk_size ? (uint32_t)((size + chunk_size - 1) / chunk_size) : 0;
}

size_t ld_blob_chunk_len(uint64_t size, uint32_t chunk_size, uint32_t idx)
{
	uint64_t off = (uint64_t)idx * chunk_size;

	if (off >= size)
		return 0;
	return size - off < chunk_size ? (size_t)(size - off) : chunk_size;
}

static void sha256(const void *data, size_t len, uint8_t out[32])
{
	EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL);
}

void ld_blob_list_sha256(const uint8_t *hashes, uint32_t n, uint8_t out[32])
{
	sha256(hashes, (size_t)n * 32, out);
}

static int mkdir_p(const char *path)
{
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

int ld_blobs_open(const char *dir, ld_blobs_t **ret)
{
	char sub[PATH_MAX_LEN];
	ld_blobs_t *b;
	int r;

	if (strlen(dir) > PATH_MAX_LEN - 200)
		return -ENAMETOOLONG;
	if ((r = mkdir_p(dir)) < 0)
		return r;
	snprintf(sub, sizeof(sub), "%s/partial", dir);
	if ((r = mkdir_p(sub)) < 0)
		return r;
	snprintf(sub, sizeof(sub), "%s/tmp", dir);
	if ((r = mkdir_p(sub)) < 0)
		return r;
	b = calloc(1, sizeof(*b));
	if (!b || !(b->dir = strdup(dir))) {
		free(b);
		return -ENOMEM;
	}
	*ret = b;
	return 0;
}

void ld_blobs_destroy(ld_blobs_t **b_p)
{
	if (!b_p || !*b_p)
		return;
	free((*b_p)->dir);
	free(*b_p);
	*b_p = NULL;
}

const char *ld_blobs_dir(const ld_blobs_t *b)
{
	return b->dir;
}

void ld_blob_path(const ld_blobs_t *b, const uint8_t sha[32], char *path, size_t size)
{
	char hex[65];

	ld_hex(sha, 32, hex);
	snprintf(path, size, "%s/%.2s/%s", b->dir, hex, hex);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO; /* shorter than its index says */
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Write an index file (temporary name, fsync, rename). */
static int idx_write(const char *path, const ld_blob_info_t *info, const uint8_t *hashes)
{
	char tmp[PATH_MAX_LEN + 8];
	uint8_t hdr[IDX_HDR];
	int fd, r;

	memcpy(hdr, IDX_MAGIC, 8);
	for (int i = 0; i < 4; i++)
		hdr[8 + i] = (uint8_t)(info->chunk_size >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		hdr[12 + i] = (uint8_t)(info->size >> (56 - 8 * i));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, hdr, sizeof(hdr));
	if (!r)
		r = write_all(fd, hashes, (size_t)info->n_chunks * 32);
	if (!r && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

/* Read an index file: info (without sha256) and the hashes (caller frees). */
static int idx_read(const char *path, ld_blob_info_t *info, uint8_t **ret_hashes)
{
	uint8_t hdr[IDX_HDR], *h = NULL;
	struct stat sb;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || pread_all(fd, hdr, sizeof(hdr), 0) < 0 ||
	    memcmp(hdr, IDX_MAGIC, 8) != 0) {
		r = -EPROTO;
		goto out;
	}
	info->chunk_size = 0;
	info->size = 0;
	for (int i = 0; i < 4; i++)
		info->chunk_size = info->chunk_size << 8 | hdr[8 + i];
	for (int i = 0; i < 8; i++)
		info->size = info->size << 8 | hdr[12 + i];
	if (info->chunk_size < LD_BLOB_CHUNK_MIN || info->chunk_size > LD_BLOB_CHUNK_MAX ||
	    info->size > LD_BLOB_SIZE_MAX) {
		r = -EPROTO;
		goto out;
	}
	info->n_chunks = ld_blob_n_chunks(info->size, info->chunk_size);
	if (info->n_chunks > LD_BLOB_CHUNKS_MAX ||
	    (uint64_t)sb.st_size != IDX_HDR + (uint64_t)info->n_chunks * 32) {
		r = -EPROTO;
		goto out;
	}
	h = malloc((size_t)info->n_chunks * 32 + 1);
	if (!h) {
		r = -ENOMEM;
		goto out;
	}
	if (pread_all(fd, h, (size_t)info->n_chunks * 32, IDX_HDR) < 0) {
		r = -EPROTO;
		goto out;
	}
	ld_blob_list_sha256(h, info->n_chunks, info->list_sha256);
	if (ret_hashes) {
		*ret_hashes = h;
		h = NULL;
	}
out:
	free(h);
	close(fd);
	return r;
}

int ld_blob_stat(ld_blobs_t *b, const uint8_t sha[32], ld_blob_info_t *info)
{
	char path[PATH_MAX_LEN], idx[PATH_MAX_LEN + 8];
	ld_blob_info_t tmp;
	struct stat sb;
	int r;

	ld_blob_path(b, sha, path, sizeof(path));
	if (stat(path, &sb) < 0)
		return -errno;
	snprintf(idx, sizeof(idx), "%s.idx", path);
	if ((r = idx_read(idx, &tmp, NULL)) < 0)
		return r == -ENOENT ? -EPROTO : r;
	if ((uint64_t)sb.st_size != tmp.size)
		return -EPROTO;
	memcpy(tmp.sha256, sha, 32);
	if (info)
		*info = tmp;
	return 0;
}

bool ld_blob_any(ld_blobs_t *b, const uint8_t sha[32])
{
	char path[PATH_MAX_LEN], hex[65];
	struct stat sb;

	ld_blob_path(b, sha, path, sizeof(path));
	if (stat(path, &sb) == 0)
		return true;
	snprintf(path, sizeof(path), "%s/partial/%s.part", b->dir, ld_hex(sha, 32, hex));
	return stat(path, &sb) == 0;
}

int ld_blob_import(ld_blobs_t *b, const char *path, ld_blob_info_t *info)
{
	EVP_MD_CTX *file_md = EVP_MD_CTX_new();
	char tmp[PATH_MAX_LEN], dst[PATH_MAX_LEN], idx[PATH_MAX_LEN + 8], dir[PATH_MAX_LEN];
	uint8_t *buf = NULL, *hashes = NULL;
	int in = -1, out = -1, r = 0;
	struct stat sb;

	memset(info, 0, sizeof(*info));
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &sb) < 0) {
		r = -errno;
		goto done;
	}
	if (!S_ISREG(sb.st_mode)) {
		r = -EINVAL;
		goto done;
	}
	if ((uint64_t)sb.st_size > LD_BLOB_SIZE_MAX) {
		r = -EFBIG;
		goto done;
	}
	info->size = (uint64_t)sb.st_size;
	info->chunk_size = ld_blob_chunk_size(info->size);
	info->n_chunks = ld_blob_n_chunks(info->size, info->chunk_size);
	buf = malloc(info->chunk_size);
	hashes = malloc((size_t)info->n_chunks * 32 + 1);
	if (!file_md || !buf || !hashes) {
		r = -ENOMEM;
		goto done;
	}
	snprintf(tmp, sizeof(tmp), "%s/tmp/import.XXXXXX", b->dir);
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0) {
		r = -errno;
		goto done;
	}
	EVP_DigestInit_ex(file_md, EVP_sha256(), NULL);
	for (uint32_t i = 0; i < info->n_chunks; i++) {
		size_t len = ld_blob_chunk_len(info->size, info->chunk_size, i);

		if ((r = pread_all(in, buf, len, (uint64_t)i * info->chunk_size)) < 0)
			goto done; /* the file shrank while being read */
		EVP_DigestUpdate(file_md, buf, len);
		sha256(buf, len, hashes + (size_t)i * 32);
		if ((r = write_all(out, buf, len)) < 0)
			goto done;
	}
	EVP_DigestFinal_ex(file_md, info->sha256, NULL);
	ld_blob_list_sha256(hashes, info->n_chunks, info->list_sha256);
	if (ld_blob_stat(b, info->sha256, NULL) == 0)
		goto done; /* held already */
	if (fsync(out) < 0) {
		r = -errno;
		goto done;
	}
	ld_blob_path(b, info->sha256, dst, sizeof(dst));
	snprintf(dir, sizeof(dir), "%s", dst);
	*strrchr(dir, '/') = '\0';
	if ((r = mkdir_p(dir)) < 0)
		goto done;
	snprintf(idx, sizeof(idx), "%s.idx", dst);
	if ((r = idx_write(idx, info, hashes)) < 0)
		goto done;
	if (rename(tmp, dst) < 0)
		r = -errno;
done:
	if (out >= 0) {
		close(out);
		unlink(tmp); /* gone after a successful rename */
	}
	if (in >= 0)
		close(in);
	free(buf);
	free(hashes);
	EVP_MD_CTX_free(file_md);
	return r;
}

int ld_blob_open(ld_blobs_t *b, const uint8_t sha[32], ld_blob_t **ret)
{
	char path[PATH_MAX_LEN], idx[PATH_MAX_LEN + 8];
	ld_blob_t *bl = calloc(1, sizeof(*bl));
	struct stat sb;
	int r;

	if (!bl)
		return -ENOMEM;
	ld_blob_path(b, sha, path, sizeof(path));
	snprintf(idx, sizeof(idx), "%s.idx", path);
	bl->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (bl->fd < 0) {
		r = -errno;
		free(bl);
		return r;
	}
	if ((r = idx_read(idx, &bl->info, &bl->hashes)) < 0 || fstat(bl->fd, &sb) < 0 ||
	    (uint64_t)sb.st_size != bl->info.size) {
		close(bl->fd);
		free(bl->hashes);
		free(bl);
		return r < 0 && r != -ENOENT ? r : -EPROTO;
	}
	memcpy(bl->info.sha256, sha, 32);
	*ret = bl;
	return 0;
}

const ld_blob_info_t *ld_blob_info(const ld_blob_t *bl)
{
	return &bl->info;
}

const uint8_t *ld_blob_hashes(const ld_blob_t *bl)
{
	return bl->hashes;
}

static int read_chunk(int fd, const ld_blob_info_t *info, uint32_t idx, uint8_t *buf, size_t *len)
{
	if (idx >= info->n_chunks)
		return -ERANGE;
	*len = ld_blob_chunk_len(info->size, info->chunk_size, idx);
	return pread_all(fd, buf, *len, (uint64_t)idx * info->chunk_size);
}

int ld_blob_read_chunk(ld_blob_t *bl, uint32_t idx, uint8_t *buf, size_t *len)
{
	return read_chunk(bl->fd, &bl->info, idx, buf, len);
}

void ld_blob_close(ld_blob_t **bl_p)
{
	if (!bl_p || !*bl_p)
		return;
	close((*bl_p)->fd);
	free((*bl_p)->hashes);
	free(*bl_p);
	*bl_p = NULL;
}

static bool chunk_ok(const ld_blob_part_t *p, uint32_t idx, const uint8_t *data, size_t len)
{
	uint8_t h[32];

	if (len != ld_blob_chunk_len(p->info.size, p->info.chunk_size, idx))
		return false;
	sha256(data, len, h);
	return memcmp(h, p->hashes + (size_t)idx * 32, 32) == 0;
}

/* Keep the whole chunks of an earlier partial file if its index is the
 * same; check the last one again (a crash may have torn it). */
static int part_resume(ld_blob_part_t *p)
{
	ld_blob_info_t old;
	uint8_t *old_hashes = NULL, *buf;
	struct stat sb;
	uint64_t keep;
	uint32_t held;
	size_t len;
	int r = idx_read(p->idx, &old, &old_hashes);

	if (r < 0 || old.size != p->info.size || old.chunk_size != p->info.chunk_size ||
	    memcmp(old_hashes, p->hashes, (size_t)old.n_chunks * 32) != 0) {
		free(old_hashes);
		return ftruncate(p->fd, 0) < 0 ? -errno : 0;
	}
	free(old_hashes);
	if (fstat(p->fd, &sb) < 0)
		return -errno;
	held = (uint32_t)((uint64_t)sb.st_size / p->info.chunk_size);
	if ((uint64_t)sb.st_size >= p->info.size)
		held = p->info.n_chunks; /* the loop below checks the last one */
	buf = malloc(p->info.chunk_size);
	if (!buf)
		return -ENOMEM;
	while (held > 0) {
		if (read_chunk(p->fd, &p->info, held - 1, buf, &len) == 0 &&
		    chunk_ok(p, held - 1, buf, len))
			break;
		held--;
	}
	free(buf);
	keep = (uint64_t)held * p->info.chunk_size;
	if (keep > p->info.size)
		keep = p->info.size; /* the last chunk is short */
	if (ftruncate(p->fd, (off_t)keep) < 0)
		return -errno;
	p->next = p->resumed = held;
	return 0;
}

int ld_blob_part_open(ld_blobs_t *b, const ld_blob_info_t *info, const uint8_t *hashes,
		      ld_blob_part_t **ret)
{
	ld_blob_part_t *p;
	char hex[65];
	int r;

	if (info->size > LD_BLOB_SIZE_MAX ||
	    info->n_chunks != ld_blob_n_chunks(info->size, info->chunk_size) ||
	    info->n_chunks > LD_BLOB_CHUNKS_MAX || info->chunk_size < LD_BLOB_CHUNK_MIN ||
	    info->chunk_size > LD_BLOB_CHUNK_MAX)
		return -EINVAL;
	if (ld_blob_stat(b, info->sha256, NULL) == 0)
		return -EEXIST;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->b = b;
	p->info = *info;
	p->fd = -1;
	p->hashes = malloc((size_t)info->n_chunks * 32 + 1);
	if (!p->hashes) {
		free(p);
		return -ENOMEM;
	}
	memcpy(p->hashes, hashes, (size_t)info->n_chunks * 32);
	ld_hex(info->sha256, 32, hex);
	snprintf(p->part, sizeof(p->part), "%s/partial/%s.part", b->dir, hex);
	snprintf(p->idx, sizeof(p->idx), "%s/partial/%s.idx", b->dir, hex);
	p->fd = open(p->part, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (p->fd < 0 || (r = part_resume(p)) < 0 ||
	    (p->next == 0 && (r = idx_write(p->idx, info, hashes)) < 0)) {
		r = p->fd < 0 ? -errno : r;
		ld_blob_part_close(&p);
		return r;
	}
	*ret = p;
	return 0;
}

uint32_t ld_blob_part_next(const ld_blob_part_t *p)
{
	return p->next;
}

uint32_t ld_blob_part_resumed(const ld_blob_part_t *p)
{
	return p->resumed;
}

const ld_blob_info_t *ld_blob_part_info(const ld_blob_part_t *p)
{
	return &p->info;
}

const uint8_t *ld_blob_part_hashes(const ld_blob_part_t *p)
{
	return p->hashes;
}

int ld_blob_part_put(ld_blob_part_t *p, uint32_t idx, const uint8_t *data, size_t len)
{
	uint64_t off = (uint64_t)idx * p->info.chunk_size;
	size_t done = 0;

	if (idx != p->next || idx >= p->info.n_chunks)
		return -ERANGE;
	if (!chunk_ok(p, idx, data, len))
		return -EBADMSG;
	while (done < len) {
		ssize_t w = pwrite(p->fd, data + done, len - done, (off_t)(off + done));

		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* A short write leaves a torn tail that resume cuts. */
			return -errno;
		}
		done += (size_t)w;
	}
	p->next++;
	return 0;
}

int ld_blob_part_read_chunk(ld_blob_part_t *p, uint32_t idx, uint8_t *buf, size_t *len)
{
	if (idx >= p->next)
		return -ENOENT;
	return read_chunk(p->fd, &p->info, idx, buf, len);
}

int ld_blob_part_finish(ld_blob_part_t *p)
{
	char dst[PATH_MAX_LEN], dir[PATH_MAX_LEN], idx[PATH_MAX_LEN + 8];
	struct stat sb;
	int r;

	if (p->next != p->info.n_chunks)
		return -EAGAIN;
	if (fstat(p->fd, &sb) < 0)
		return -errno;
	if ((uint64_t)sb.st_size != p->info.size)
		return -EPROTO;
	if (fsync(p->fd) < 0)
		return -errno;
	ld_blob_path(p->b, p->info.sha256, dst, sizeof(dst));
	snprintf(dir, sizeof(dir), "%s", dst);
	*strrchr(dir, '/') = '\0';
	if ((r = mkdir_p(dir)) < 0)
		return r;
	snprintf(idx, sizeof(idx), "%s.idx", dst);
	if ((r = idx_write(idx, &p->info, p->hashes)) < 0)
		return r;
	if (rename(p->part, dst) < 0)
		return -errno;
	unlink(p->idx);
	return 0;
}

void ld_blob_part_close(ld_blob_part_t **p_p)
{
	if (!p_p || !*p_p)
		return;
	if ((*p_p)->fd >= 0)
		close((*p_p)->fd);
	free((*p_p)->hashes);
	free(*p_p);
	*p_p = NULL;
}

/* server/stats.c: see stats.h. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/base/errors.h"
#include "server/stats.h"

void ld_stats_refused(ld_stats_t *s, int err)
{
	size_t i;

	for (i = 0; i < s->n_refused; i++)
		if (s->refused[i].err == err)
			break;
	if (i == s->n_refused) {
		/* More distinct reasons than slots: the last one counts the rest. */
		if (s->n_refused == LD_STATS_REASONS)
			i = LD_STATS_REASONS - 1;
		else
			s->refused[s->n_refused++].err = err;
	}
	s->refused[i].count++;
}

const char *ld_stats_reason(int err)
{
	switch (err) {
	case LD_EMALFORMED:
		return "malformed";
	case LD_ETOOBIG:
		return "too_big";
	case LD_EBADSIG:
		return "bad_signature";
	case LD_EUNKNOWN:
		return "unknown_author";
	case LD_EWRONGKEY:
		return "wrong_key";
	case LD_EREVOKED:
		return "revoked";
	case LD_EEXPIRED:
		return "expired";
	case LD_EGAP:
		return "gap";
	case LD_ELINK:
		return "broken_chain";
	case LD_EPAYLOAD:
		return "payload_mismatch";
	case LD_EEQUIVOCATION:
		return "equivocation";
	case LD_EVERSION:
		return "version";
	default:
		return "other";
	}
}

/* Bytes of the regular files under 'dir' (into subdirectories if 'deep'),
 * as allocated on disk. */
static uint64_t dir_bytes(const char *dir, int deep)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	uint64_t sum = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[4096];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st) < 0)
			continue;
		if (S_ISREG(st.st_mode))
			sum += (uint64_t)st.st_blocks * 512;
		else if (S_ISDIR(st.st_mode) && deep > 0)
			sum += dir_bytes(path, deep - 1);
	}
	closedir(d);
	return sum;
}

void ld_stats_disk(ld_stats_t *s, const char *data_dir, const char *blob_dir, int64_t now)
{
	if (s->disk_at && now - s->disk_at < 10000)
		return;
	s->disk_at = now;
	s->store_bytes = dir_bytes(data_dir, 0);
	s->blob_bytes = blob_dir ? dir_bytes(blob_dir, 4) : 0;
}

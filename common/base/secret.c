/* common/base/secret.c: see secret.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base/secret.h"

int ld_secret_create(const char *path, FILE **ret)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), r;

	if (fd < 0)
		return -errno;
	/* The umask cannot widen 0600, but an inherited ACL default could. */
	if (fchmod(fd, 0600) < 0 || !(*ret = fdopen(fd, "w"))) {
		r = -errno;
		close(fd);
		unlink(path);
		return r;
	}
	return 0;
}

int ld_secret_close(FILE *f, const char *path, int r)
{
	if ((fflush(f) != 0 || fsync(fileno(f)) != 0) && !r)
		r = -errno;
	if (fclose(f) != 0 && !r)
		r = -errno;
	if (r)
		unlink(path);
	return r;
}

int ld_secret_open(const char *path, FILE **ret)
{
	struct stat st;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) < 0 || (st.st_mode & 077)) {
		fclose(f);
		return -EACCES;
	}
	*ret = f;
	return 0;
}

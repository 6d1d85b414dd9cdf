/* common/base/secret.c: see secret.h. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
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

/* A user's name for messages, "liandong (uid 998)" or "uid 998", and for
 * chown, "liandong" or "998". */
static void user_name(uid_t uid, char *out, size_t n, char *login, size_t ln)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res) {
		snprintf(out, n, "%s (uid %u)", res->pw_name, (unsigned)uid);
		snprintf(login, ln, "%s", res->pw_name);
	} else {
		snprintf(out, n, "uid %u", (unsigned)uid);
		snprintf(login, ln, "%u", (unsigned)uid);
	}
}

int ld_file_trusted(const char *path, const char *what, bool secret, char *err, size_t errsz)
{
	char owner[160], me[160], login[128];
	uid_t euid = geteuid();
	struct stat st;
	unsigned mode;

	if (stat(path, &st) < 0)
		return -errno;
	mode = st.st_mode & 07777;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s %s is not a regular file", what, path);
		return -EACCES;
	}
	if (st.st_uid != euid && st.st_uid != 0) {
		user_name(st.st_uid, owner, sizeof(owner), login, sizeof(login));
		user_name(euid, me, sizeof(me), login, sizeof(login));
		snprintf(err, errsz,
			 "%s %s (mode %04o) belongs to %s, not to %s, the user this daemon "
			 "runs as%s: its owner could change it%s; run chown %s %s (or run "
			 "liandongd as its owner)",
			 what, path, mode, owner, me, euid ? ", nor to root" : "",
			 secret ? " or take the key" : " and so what this node does", login, path);
		return -EPERM;
	}
	if (mode & 022) {
		snprintf(err, errsz, "%s %s has mode %04o: %s can change it%s; run chmod 600 %s%s",
			 what, path, mode, (mode & 002) ? "every user" : "its group",
			 secret ? " (and read it)" : " and so what this node does", path,
			 secret ? "" : " (or chmod 640 to let its group read it)");
		return -EACCES;
	}
	if (secret && (mode & 077)) {
		snprintf(err, errsz, "%s %s has mode %04o: %s can read it; run chmod 600 %s", what,
			 path, mode, (mode & 004) ? "every user" : "its group", path);
		return -EACCES;
	}
	return 0;
}

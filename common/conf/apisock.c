/* common/conf/apisock.c: see apisock.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/conf/apisock.h"
#include "common/crypto/key.h"

_Static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) == LD_IPC_PATH_MAX + 1,
	       "LD_IPC_PATH_MAX must match this system's sun_path");

const char *ld_ipc_path(const char *endpoint)
{
	if (strncmp(endpoint, "ipc://", 6) || endpoint[6] == '@')
		return NULL;
	return endpoint + 6;
}

int ld_endpoint_check(const char *endpoint, char *err, size_t errsz)
{
	const char *path = ld_ipc_path(endpoint);
	size_t len = path ? strlen(path) : 0;

	if (len <= LD_IPC_PATH_MAX)
		return 0;
	snprintf(err, errsz,
		 "the ipc:// path %s is %zu bytes long, over the limit of %d bytes for "
		 "a Unix socket path",
		 path, len, LD_IPC_PATH_MAX);
	return -ENAMETOOLONG;
}

int ld_api_default(const char *id, const char *data_dir, char **ret)
{
	uint8_t md[32];
	char hex[65], dir[32];
	size_t len = strlen(data_dir);
	struct stat st;
	uid_t uid;

	/* "/a/b/" and "/a/b" are one directory: one socket. */
	while (len > 1 && data_dir[len - 1] == '/')
		len--;
	if (EVP_Digest(data_dir, len, md, NULL, EVP_sha256(), NULL) != 1)
		return -ENOMEM;
	ld_hex(md, 6, hex);
	uid = stat(data_dir, &st) == 0 ? st.st_uid : geteuid();
	if (uid == 0 && stat("/run", &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(dir, sizeof(dir), "/run/liandong");
	else
		snprintf(dir, sizeof(dir), "/tmp/liandong-%u", (unsigned)uid);
	/* At most 25 + 1 + 40 + 1 + 12 + 5 bytes: always under the limit. */
	if (asprintf(ret, "ipc://%s/%.40s-%s.sock", dir, id, hex) < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

#define SET_API "set api = ipc:///SHORT/PATH.sock under [node] in the configuration"

int ld_api_dir_prepare(const char *path, bool private_dir, char *err, size_t errsz)
{
	const char *slash = strrchr(path, '/');
	char dir[LD_IPC_PATH_MAX + 1];
	uid_t me = geteuid();
	struct stat st;
	int r;

	if (!slash) {
		snprintf(err, errsz,
			 "the API socket path %s is relative; give an absolute one "
			 "(api = ipc:///PATH.sock under [node])",
			 path);
		return -EINVAL;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	r = private_dir ? lstat(dir, &st) : stat(dir, &st);
	if (r < 0 && errno == ENOENT) {
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			r = -errno;
			snprintf(err, errsz,
				 "cannot create the API socket directory %s: %s (create "
				 "it, owned by this node's user with mode 0700, or " SET_API ")",
				 dir, strerror(-r));
			return r;
		}
		r = private_dir ? lstat(dir, &st) : stat(dir, &st);
	}
	if (r < 0) {
		r = -errno;
		snprintf(err, errsz, "the API socket directory %s: %s (" SET_API ")", dir,
			 strerror(-r));
		return r;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errsz,
			 "the API socket directory %s is not a directory (%s is in the "
			 "way): remove it, or " SET_API,
			 dir, S_ISLNK(st.st_mode) ? "a symbolic link" : "a file");
		return -ENOTDIR;
	}
	if (private_dir ? st.st_uid != me : st.st_uid != me && st.st_uid != 0) {
		snprintf(err, errsz,
			 "the API socket directory %s belongs to uid %u, not to this "
			 "node's user (uid %u): another user may have made it to take the "
			 "socket's place; remove it, or " SET_API,
			 dir, (unsigned)st.st_uid, (unsigned)me);
		return -EPERM;
	}
	if (private_dir ? (st.st_mode & 077) : (st.st_mode & 022)) {
		snprintf(err, errsz,
			 "the API socket directory %s has mode %04o: other users could "
			 "%s the socket; run chmod 700 %s, or " SET_API,
			 dir, (unsigned)(st.st_mode & 07777),
			 private_dir ? "reach or replace" : "replace", dir);
		return -EPERM;
	}
	return 0;
}

int ld_ipc_probe(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	struct stat st;
	int fd, r;

	if (len > LD_IPC_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, len + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : -errno;
	close(fd);
	/* A listener whose queue is full is still a listener. */
	if (r == -EAGAIN || r == -EINPROGRESS)
		return 0;
	if (r == -ECONNREFUSED && stat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	return r;
}

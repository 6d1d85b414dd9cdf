/* common/conf/apisock.h: where a node's local API socket lives, and the checks on
 * ipc:// paths that keep it reachable and private.
 *
 * A Unix socket path holds at most 107 bytes (sun_path), so the API socket
 * does not live under the data directory, whose depth nobody controls. The
 * default is a short name in a private per-user runtime directory:
 *
 *   /run/liandong/ID-HASH.sock       for data owned by root (if /run exists)
 *   /tmp/liandong-UID/ID-HASH.sock   otherwise
 *
 * where ID is the node id (at most 40 characters of it) and HASH the first
 * 12 hex digits of the SHA-256 of the absolute data directory, so two nodes
 * with the same id on one machine never share a socket. UID is the owner of
 * the data directory (the user its daemon runs as), not the caller: the
 * daemon and the `liandong` tool of any user compute the same path from the
 * same configuration. Nothing here reads the environment for the same reason.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The longest ipc:// path a Unix socket can be bound to (sun_path - NUL). */
#define LD_IPC_PATH_MAX 107

/* The filesystem path of 'endpoint' if it is "ipc://PATH" (not an abstract
 * "ipc://@name"), else NULL. Borrowed from 'endpoint'. */
const char *ld_ipc_path(const char *endpoint);

/* 0 if 'endpoint' can be bound or connected to as far as its form goes; if it
 * is an ipc:// path longer than LD_IPC_PATH_MAX, -ENAMETOOLONG and a sentence
 * into err naming the path, its length and the limit. */
int ld_endpoint_check(const char *endpoint, char *err, size_t errsz);

/* The default API endpoint ("ipc://...", caller frees *ret) of node 'id' whose
 * data directory is the absolute path 'data_dir' (it need not exist yet; then
 * the caller's effective uid stands for its owner). 0 or -ENOMEM. */
int ld_api_default(const char *id, const char *data_dir, char **ret);

/* Make the directory of ipc path 'path' ready for the daemon to bind in,
 * creating it (one level, mode 0700) if it is missing. 'private_dir': the
 * directory is a default runtime directory and must be a real directory owned
 * by this process's user with no access for group or others; otherwise it
 * must be owned by this user or root and writable by nobody else (so no other
 * user can put their socket in its place). 0, or -errno with the reason and
 * what to do in err. */
int ld_api_dir_prepare(const char *path, bool private_dir, char *err, size_t errsz);

/* Is a process listening on the Unix socket 'path'? Connects and hangs up
 * at once, never blocking. 0: yes (or its queue is full); -ENOENT: no such
 * file; -ECONNREFUSED: a socket file nobody listens on (left by a daemon that
 * was killed); -ENOTSOCK: a file that is not a socket; -EACCES or -EPERM: not
 * allowed; another -errno otherwise. */
int ld_ipc_probe(const char *path);

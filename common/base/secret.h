/* common/base/secret.h: files that hold secrets (signing keys, CurveZMQ pairs):
 * created with mode 0600 and never overwritten; refused when group or
 * others can access them. And the test the daemon puts to every file it
 * trusts (its configuration, its keys): whose it is and who may change it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Create 'path' (mode 0600, -EEXIST if it exists) and return it open for
 * writing in *ret. The caller writes, then finishes with ld_secret_close(). */
int ld_secret_create(const char *path, FILE **ret);

/* Flush, fsync and close a file from ld_secret_create(). If 'r' (the
 * caller's result so far) or any of these fails, the file is removed.
 * Returns 'r' if it was an error, else 0 or the close error. */
int ld_secret_close(FILE *f, const char *path, int r);

/* Open 'path' for reading: -EACCES if group or others can access it (fix:
 * chmod 600), -errno if it cannot be opened. Caller fcloses *ret. */
int ld_secret_open(const char *path, FILE **ret);

/* May the daemon trust the file at 'path' ('what' names it in messages,
 * e.g. "configuration", "signing key")? It must be a regular file owned by
 * this process's effective user or root, writable by nobody else (no group
 * or other write bit); with 'secret', not readable by group or others
 * either. 0; -EPERM (owner) or -EACCES (mode) with a sentence into 'err'
 * naming the file, its owner and mode and the command that fixes it; the
 * -errno of stat() if it cannot be examined, 'err' untouched (the caller's
 * own open reports it). */
int ld_file_trusted(const char *path, const char *what, bool secret, char *err, size_t errsz);

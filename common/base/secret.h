/* common/base/secret.h: files that hold secrets (signing keys, CurveZMQ pairs):
 * created with mode 0600 and never overwritten; refused when group or
 * others can access them. */
#pragma once

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

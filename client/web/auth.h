/* client/web/auth.h: the accounts of liandong-web ([web] accounts = FILE):
 * lines "user:role:hash", the hash made by `liandong-web passwd USER`:
 *
 *   scrypt$LN$R$P$SALT$KEY     (OpenSSL EVP_KDF "SCRYPT": N = 2^LN, r, p;
 *                               16-byte salt and 32-byte key in hex)
 *
 * The only role is "viewer" (the wall is read-only whatever the account).
 * Every check of a password (HTTP Basic) that is not a recent success of the
 * same user and password is a login: logged with the user and the remote
 * address, success or failure. Thread-safe; one scrypt at a time. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct accounts accounts_t;

/* Load 'path'. 0, or -errno with a message naming the file, line and what is
 * wrong into err (size n). Caller owns *ret (accounts_destroy). */
int accounts_load(const char *path, accounts_t **ret, char *err, size_t n);

/* Free; sets *a_p = NULL. Safe on NULL. */
void accounts_destroy(accounts_t **a_p);

/* Are 'user' and 'pass' (from remote address 'addr') an account? */
bool accounts_check(accounts_t *a, const char *user, const char *pass, const char *addr);

/* A new hash of 'pass' (random salt) into out (size n; 160 bytes suffice).
 * 0 or -errno. */
int accounts_hash(const char *pass, char *out, size_t n);

/* Is 'user' a valid account name (1-64 of A-Z a-z 0-9 . _ -)? */
bool accounts_user_valid(const char *user);

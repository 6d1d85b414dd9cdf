/* common/base/errors.h: the error codes of liandong's common library.
 *
 * Every function that can fail returns 0 or a negative errno. The project's
 * own failure reasons are negative errno values too (aliases below), each
 * chosen once and kept distinct so a caller can tell a forged signature from a
 * broken chain from a full disk. ld_strerror() words them for an operator.
 */
#pragma once

#include <errno.h>

enum {
	LD_EMALFORMED = -EPROTO,	/* bytes do not decode, or a field is missing/invalid */
	LD_ETOOBIG = -EMSGSIZE,		/* input larger than the limit, refused before decoding */
	LD_EBADSIG = -EBADMSG,		/* signature does not verify */
	LD_EUNKNOWN = -ENOKEY,		/* author not in the roster (or no roster yet) */
	LD_EWRONGKEY = -EKEYREJECTED,	/* signer is not the key the roster gives for this seq */
	LD_EREVOKED = -EKEYREVOKED,	/* author revoked before this seq */
	LD_EEXPIRED = -EKEYEXPIRED,	/* entry time outside the author's membership validity */
	LD_EGAP = -ERANGE,		/* sequence number is not the next one of the feed */
	LD_ELINK = -EILSEQ,		/* prev does not equal the previous entry's id */
	LD_EPAYLOAD = -EBADE,		/* payload hash or length does not match the header */
	LD_EEQUIVOCATION = -ENOTUNIQ,	/* two valid entries for one (feed, seq); feed frozen */
	LD_ENOSPACE = -ENOSPC,		/* storage full: nothing was written */
	LD_EVERSION = -EPROTONOSUPPORT, /* header or store format version not supported */
	LD_EBUSY = -EBUSY,		/* data directory locked by another process */
	LD_ENOTMEMBER = -ENXIO,		/* a node named is not a current roster member */
	LD_ESELFREVOKED = -ENOTRECOVERABLE, /* this node is revoked: it signs nothing more */
	LD_EREFUSED = -EPERM,		    /* the case/action rules refuse it (the rule is said) */
	LD_EREADONLY = -EROFS, /* a request that would sign, write or fetch, on the read-only API */
	LD_ECLOCK = -ETIME,    /* the clock reads earlier than what it would follow: check it */
};

/* A short, operator-facing description of 'err' (negative or positive errno,
 * or an LD_E* code). Returns a static string; never NULL. */
const char *ld_strerror(int err);

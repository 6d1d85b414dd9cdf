/* common/base/errors.c: words for liandong's error codes. */
#include <string.h>

#include "common/base/errors.h"

/* A message of the tool's catalogue (client/po/POTFILES lists this file):
 * the words stay English here, `liandong` shows them translated. */
#define N_(s) s

const char *ld_strerror(int err)
{
	if (err > 0)
		err = -err;
	switch (err) {
	case 0:
		return N_("success");
	case LD_EMALFORMED:
		return N_(
			"malformed entry: it does not decode or a required field is missing or invalid");
	case LD_ETOOBIG:
		return N_("input larger than the allowed limit (refused before decoding)");
	case LD_EBADSIG:
		return N_("signature does not verify");
	case LD_EUNKNOWN:
		return N_("author is not in the roster");
	case LD_EWRONGKEY:
		return N_(
			"signed with a key the roster does not give this author for this sequence");
	case LD_EREVOKED:
		return N_("author was revoked in the roster before this entry");
	case LD_EEXPIRED:
		return N_("entry time lies outside the author's roster validity");
	case LD_EGAP:
		return N_("sequence number is not the next one of the feed (gap or out of order)");
	case LD_ELINK:
		return N_("broken hash chain: prev does not match the previous entry's id");
	case LD_EPAYLOAD:
		return N_("payload does not match the hash or length in the signed header");
	case LD_EEQUIVOCATION:
		return N_(
			"equivocation: the author signed two different entries with one sequence number");
	case LD_ENOSPACE:
		return N_("storage full: the disk refused the write; nothing was stored");
	case LD_EVERSION:
		return N_("unsupported format version");
	case LD_EBUSY:
		return N_("data directory is in use by another process");
	case LD_ENOTMEMBER:
		return N_("a node named is not a current member of the roster");
	case LD_ESELFREVOKED:
		return N_("this node is revoked by the root: nothing it signs would be accepted");
	case LD_EREFUSED:
		return N_("the case rules refuse it: every node would mark it refused");
	case LD_ECLOCK:
		return N_(
			"this node's clock reads earlier than the entry it would follow: check the "
			"clock; nothing was signed");
	case LD_EREADONLY:
		return N_(
			"read-only API: this socket answers reads only (nothing is signed, written or "
			"fetched through it)");
	default:
		return strerror(-err);
	}
}

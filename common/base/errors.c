/* common/base/errors.c: words for liandong's error codes. */
#include <string.h>

#include "common/base/errors.h"

const char *ld_strerror(int err)
{
	if (err > 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case LD_EMALFORMED:
		return "malformed entry: it does not decode or a required field is missing or invalid";
	case LD_ETOOBIG:
		return "input larger than the allowed limit (refused before decoding)";
	case LD_EBADSIG:
		return "signature does not verify";
	case LD_EUNKNOWN:
		return "author is not in the roster";
	case LD_EWRONGKEY:
		return "signed with a key the roster does not give this author for this sequence";
	case LD_EREVOKED:
		return "author was revoked in the roster before this entry";
	case LD_EEXPIRED:
		return "entry time lies outside the author's roster validity";
	case LD_EGAP:
		return "sequence number is not the next one of the feed (gap or out of order)";
	case LD_ELINK:
		return "broken hash chain: prev does not match the previous entry's id";
	case LD_EPAYLOAD:
		return "payload does not match the hash or length in the signed header";
	case LD_EEQUIVOCATION:
		return "equivocation: the author signed two different entries with one sequence number";
	case LD_ENOSPACE:
		return "storage full: the disk refused the write; nothing was stored";
	case LD_EVERSION:
		return "unsupported format version";
	case LD_EBUSY:
		return "data directory is in use by another process";
	case LD_ENOTMEMBER:
		return "a node named is not a current member of the roster";
	case LD_ESELFREVOKED:
		return "this node is revoked by the root: nothing it signs would be accepted";
	case LD_EREFUSED:
		return "the case rules refuse it: every node would mark it refused";
	case LD_EREADONLY:
		return "read-only API: this socket answers reads only (nothing is signed, written or "
		       "fetched through it)";
	default:
		return strerror(-err);
	}
}

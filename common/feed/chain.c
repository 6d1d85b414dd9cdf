/* common/feed/chain.c: batch and per-entry authentication of a run of one feed. */
#include <string.h>

#include "common/feed/chain.h"
#include "common/base/errors.h"

int ld_chain_authenticate(ld_entry_t *const *run, size_t n, uint64_t head_seq,
			  const uint8_t *head_id, ld_key_lookup_fn lookup, void *ud,
			  enum ld_chain_mode mode, size_t *ret_bad)
{
	const ld_pubkey_t *pub = NULL;
	const char *feed;
	size_t i;
	int r = 0;

	if (n == 0)
		return 0;
	feed = run[0]->hdr->author;
	for (i = 0; i < n; i++) {
		const ld_entry_t *e = run[i];

		if (i == 0)
			r = ld_entry_check_next(e, feed, head_seq, head_id);
		else
			r = ld_entry_check_next(e, feed, run[i - 1]->hdr->seq, run[i - 1]->id);
		if (r < 0)
			break;
		/* Key epochs, revocation and validity hold per sequence number,
		 * so every entry is looked up; the lookup is a comparison against
		 * the roster record the caller cached, not a signature check. */
		r = lookup(ud, feed, e->hdr->seq, e->hdr->signer.data, e->hdr->time_ms, &pub);
		if (r < 0)
			break;
		if (mode == LD_CHAIN_EACH_SIG || i == n - 1) {
			r = ld_entry_verify(e, pub);
			if (r < 0)
				break;
		}
	}
	if (r < 0 && ret_bad)
		*ret_bad = i;
	return r;
}

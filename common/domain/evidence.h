/* common/domain/evidence.h: who may have an evidence file, and what an evidence
 * record says about its file.
 *
 * A node may fetch the file of an evidence record (调取证据) if it may read
 * the record itself (audience, author, a superior of one of them), is a
 * party to the record's case (the unit that referred it or the one holding
 * it, as judged), is a superior of a party, holds a grant on the case
 * (transfer or designation by a unit that may read the record), or a
 * custody transfer of that record (hand-over, return, court submission)
 * names it as receiver, written by a unit that is itself entitled. The node
 * serving the file decides, from what it holds. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/domain/access.h"
#include "common/store/blob.h"
#include "common/feed/entry.h"
#include "common/store/store.h"

#define LD_EVIDENCE_ID_MAX 255

/* What record 'rec' (an EvidenceRecord entry with its payload) says about its
 * file: hash, size, chunking into *info; case and evidence id (buffers of
 * LD_CASE_ID_MAX + 1 and LD_EVIDENCE_ID_MAX + 1, either may be NULL).
 * -EPROTO if it is not such an entry or does not decode, -ENOENT if it names
 * no file (a physical item), -ENOTSUP if it has no chunk list (it cannot be
 * moved between nodes). */
int ld_evidence_file_info(const ld_entry_t *rec, ld_blob_info_t *info, char *case_id,
			  char *evidence_id);

/* Does 'reader' hold a grant on 'case_id' from a unit (not itself) that may
 * read the entry with header 'h'? */
bool ld_case_granted(ld_store_t *s, const ld_access_t *a, const Ld__EntryHeader *h,
		     const char *case_id, const char *reader);

/* May 'reader' have the payload of the entry with header 'h' and payload
 * 'payload' (len bytes), held here in full? It may read it (audience,
 * author, a superior of one), or holds a grant on the case the payload
 * names from a unit that may read it. The rule every payload sent to a
 * peer follows (replication and a grantee's case history). */
bool ld_payload_for(ld_store_t *s, const ld_access_t *a, const Ld__EntryHeader *h,
		    const void *payload, size_t len, const char *reader);

/* May 'reader' fetch the file of record 'rec' (held with its payload)? 0 if
 * so; -EACCES if not, with the reason for the operator in 'why'; -EPROTO for
 * a record that does not decode; -errno from the store. */
int ld_evidence_entitled(ld_store_t *s, const ld_access_t *a, const ld_entry_t *rec,
			 const char *reader, char *why, size_t whylen);

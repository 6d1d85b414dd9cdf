/* common/feed/entry.h: one signed entry of a feed.
 *
 * An entry is the exact serialised header bytes, an Ed25519 signature over
 * them, and the payload (absent when redacted for the holder). Its id is
 * SHA-256(header || signature): the next entry's `prev` is that id, so the
 * chain commits to every earlier header and signature, and a contiguous run can
 * be authenticated by its links plus the last signature (see chain.h).
 *
 * Wire form (network, bundles): the ld.Entry protobuf message. It is parsed by
 * hand here (three length-delimited fields) so that limits are checked before
 * anything is allocated; the header itself is decoded with protobuf-c only
 * after its size is checked.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.pb-c.h"
#include "common/crypto/key.h"

#define LD_ID_LEN 32
#define LD_HASH_LEN 32
#define LD_HEADER_VERSION 1
#define LD_HEADER_MAX 4096	       /* serialised header bytes */
#define LD_PAYLOAD_MAX (1024u * 1024u) /* payload bytes; evidence files travel apart */
#define LD_ENTRY_MAX (LD_HEADER_MAX + LD_PAYLOAD_MAX + 128) /* whole wire entry */
#define LD_NODE_ID_MAX 64				    /* characters in a node id */
#define LD_AUDIENCE_MAX 64				    /* node ids in one audience */

/* A parsed entry. Created by ld_entry_parse(), ld_entry_from_parts() or
 * ld_entry_build(); the caller owns it and frees it with ld_entry_destroy().
 * All pointers point into memory owned by the entry. Fields are read-only. */
typedef struct ld_entry {
	Ld__EntryHeader *hdr;  /* decoded header (author, seq, prev, ...) */
	const uint8_t *header; /* exact signed header bytes */
	size_t header_len;
	uint8_t sig[LD_SIG_LEN];
	const uint8_t *payload; /* NULL when redacted */
	size_t payload_len;	/* 0 when redacted; hdr->payload_len says the real length */
	bool has_payload;
	uint8_t id[LD_ID_LEN];
} ld_entry_t;

/* What the author supplies to write a new entry. Everything is borrowed. */
typedef struct ld_entry_draft {
	const char *author;
	uint64_t seq;
	const uint8_t *prev; /* id of entry seq-1; NULL for seq 1 */
	int64_t time_ms;
	uint32_t kind; /* enum ld.Kind */
	const char *const *audience;
	size_t n_audience;
	bool everyone;
	const void *payload;
	size_t payload_len;
} ld_entry_draft_t;

/* True if 's' is a valid node id: 1..LD_NODE_ID_MAX characters from
 * [a-z0-9._-], starting with a letter or digit. */
bool ld_node_id_valid(const char *s);

/* Case ids are "<owner node id>/<local part>" (1-64 of A-Z a-z 0-9 . _ -),
 * chosen by the unit that opens the case, so they are unique everywhere.
 * Joint action ids have the same syntax. */
#define LD_CASE_ID_MAX (LD_NODE_ID_MAX + 1 + 64)
bool ld_case_id_valid(const char *s);

/* Parse a wire entry. Sizes are checked before decoding: more than
 * LD_ENTRY_MAX bytes, a header over LD_HEADER_MAX or a payload over
 * LD_PAYLOAD_MAX give LD_ETOOBIG; undecodable bytes or invalid header fields
 * LD_EMALFORMED; an unknown header version LD_EVERSION; a payload whose hash
 * or length differs from the header LD_EPAYLOAD. The signature is NOT checked
 * here (see ld_entry_verify). Caller owns *ret_entry. */
int ld_entry_parse(const void *buf, size_t len, ld_entry_t **ret_entry);

/* Same checks as ld_entry_parse(), from separate parts (store, bundle).
 * 'payload' NULL means redacted. Caller owns *ret_entry. */
int ld_entry_from_parts(const void *header, size_t header_len, const uint8_t sig[LD_SIG_LEN],
			const void *payload, size_t payload_len, ld_entry_t **ret_entry);

/* Serialise and sign a new entry with 'key'. The draft is validated like a
 * received entry (LD_EMALFORMED, LD_ETOOBIG). Caller owns *ret_entry. */
int ld_entry_build(const ld_entry_draft_t *draft, ld_key_t *key, ld_entry_t **ret_entry);

/* Wire size of 'e', with or without its payload. */
size_t ld_entry_wire_size(const ld_entry_t *e, bool with_payload);

/* Write the wire form into 'out' (ld_entry_wire_size() bytes). Returns the
 * number of bytes written. Without payload (or when 'e' has none) the entry
 * is sent redacted. */
size_t ld_entry_encode(const ld_entry_t *e, bool with_payload, uint8_t *out);

/* Wire size / encoding of an entry given as stored parts (no parsing);
 * 'payload' NULL sends it redacted. */
size_t ld_entry_parts_wire_size(size_t header_len, const void *payload, size_t payload_len);
size_t ld_entry_encode_parts(const void *header, size_t header_len, const uint8_t *sig,
			     const void *payload, size_t payload_len, uint8_t *out);

/* Check the signature of 'e' with 'pub': LD_EWRONGKEY if the header names
 * another signer, LD_EBADSIG if the signature does not verify, 0 if it does. */
int ld_entry_verify(const ld_entry_t *e, const ld_pubkey_t *pub);

/* Check that 'e' may follow a feed whose head is (head_seq, head_id):
 * head_seq 0 means an empty feed (head_id ignored). LD_EMALFORMED if the
 * author is not 'feed', LD_EGAP if the seq is not head_seq + 1, LD_ELINK if
 * prev is not head_id. */
int ld_entry_check_next(const ld_entry_t *e, const char *feed, uint64_t head_seq,
			const uint8_t *head_id);

/* Free; sets *entry_p = NULL. Safe on NULL and twice. */
void ld_entry_destroy(ld_entry_t **entry_p);

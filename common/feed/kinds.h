/* common/feed/kinds.h: the one table of entry kinds.
 *
 * For each value of enum ld.Kind: its name (as `liandong append --kind`
 * takes it), a label for people, and the protobuf-c descriptor of its
 * payload. Payload fields that carry an enum as a plain uint32 (so that an
 * older node keeps values it does not know) are mapped to their enum here,
 * and every text field has a documented size limit.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

typedef struct ld_kind_info {
	uint32_t kind;				/* enum ld.Kind */
	const char *name;			/* "referral" */
	const char *label;			/* "case referral (案件移送)" */
	const ProtobufCMessageDescriptor *desc; /* payload message */
} ld_kind_info_t;

/* The kind's entry, or NULL for a kind this version does not know. */
const ld_kind_info_t *ld_kind_info(uint32_t kind);

/* The payload of entry 'e' decoded as the message of 'kind', the one
 * place entries' payloads are decoded (no caller unpacks by hand): NULL if
 * 'e' is of another kind, holds no payload (redacted), or its payload does
 * not decode. The caller owns the message: ld_payload_free(). */
struct ld_entry;
void *ld_entry_payload(const struct ld_entry *e, uint32_t kind);

/* The same for payload bytes of an entry of 'kind' (e.g. one being
 * written); NULL for a kind without a payload message, or bytes that do
 * not decode. */
void *ld_payload_unpack(uint32_t kind, const void *payload, size_t len);

/* Free what ld_entry_payload()/ld_payload_unpack() returned. Safe on NULL. */
void ld_payload_free(void *m);

/* The case a decoded payload names (its "case_id" field, if valid), or
 * NULL. Borrowed from 'm'. */
const char *ld_kind_case_id(const ProtobufCMessage *m);

/* The joint action a decoded payload names (its "action_id"), or NULL. */
const char *ld_kind_action_id(const ProtobufCMessage *m);

/* The consultation a decoded payload names (its "consult_id"), or NULL. */
const char *ld_kind_consult_id(const ProtobufCMessage *m);

/* The case the payload of an entry of 'kind' belongs to, into buf
 * (LD_CASE_ID_MAX + 1). -ENOENT if it names none or does not decode. */
int ld_payload_case_id(uint32_t kind, const void *payload, size_t len, char *buf);

/* The kind named 'name' ("referral", ...), or NULL. */
const ld_kind_info_t *ld_kind_by_name(const char *name);

/* The kinds, in number order (numbers not in use here left out). *ret_n
 * gets n. */
const ld_kind_info_t *ld_kinds(size_t *ret_n);

/* The enum carried by uint32 field 'field' of message 'desc', or NULL if
 * the field is a plain number. */
const ProtobufCEnumDescriptor *ld_field_enum(const ProtobufCMessageDescriptor *desc,
					     const char *field);

/* Short name of enum value 'v' of 'e': the value's name without the prefix
 * all values share, lower case, '_' as '-' ("REFERRAL_REASON_SUSPECTED_CRIME"
 * -> "suspected-crime"), into buf (size n). False if 'v' is not a value of e
 * (buf then holds the number). */
bool ld_enum_short(const ProtobufCEnumDescriptor *e, int v, char *buf, size_t n);

/* Size limit (bytes) of text field 'field' and whether it may hold several
 * lines. Every string field of every payload has one. */
typedef struct ld_text_limit {
	size_t max_bytes;
	bool multiline;
} ld_text_limit_t;
ld_text_limit_t ld_field_limit(const char *field);

/* Check every text field of the payload of an entry of 'kind' before it is
 * signed: it decodes, each string is valid UTF-8 within its field's limit,
 * with no control characters (lines only where the field allows them).
 * 0, or LD_EMALFORMED with the field and the reason written into 'why'
 * (size n; the value is quoted, cut to a few dozen characters). A kind this
 * version does not know is not checked (0). */
int ld_payload_check(uint32_t kind, const void *payload, size_t len, char *why, size_t n);

/* common/feed/pbjson.h: any payload as typed JSON, from its protobuf-c descriptor.
 *
 * One generic walk renders every field of every payload kind, so a new field
 * or kind is shown without new code: field names as keys, enums carried as a
 * uint32 by their short name ("suspected-crime"), bytes in hex, entry
 * references as {feed, seq, id}, and each "*_ms" time with an RFC 3339
 * sibling (the name without "_ms"). Text is untrusted: bytes that are not
 * UTF-8 are written as the text "\xNN" so the JSON stays valid, and the
 * caller is told.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* Message 'm' as a JSON object. 'time_flags' are ld_time_format() flags
 * (LD_TIME_RFC3339 is added). *ret_invalid (may be NULL) is set true if some
 * text was not UTF-8. Caller owns the result (json_decref); NULL if out of
 * memory. */
json_t *ld_pb_json(const ProtobufCMessage *m, unsigned time_flags, bool *ret_invalid);

/* The payload of an entry of 'kind' decoded and rendered as above; NULL if
 * the kind is unknown to this version or the bytes do not decode. */
json_t *ld_payload_json(uint32_t kind, const void *payload, size_t len, unsigned time_flags,
			bool *ret_invalid);

/* A JSON string from untrusted text (bytes that are not UTF-8 escaped,
 * *ret_invalid set). Caller owns it; NULL if out of memory. */
json_t *ld_json_text(const char *s, bool *ret_invalid);

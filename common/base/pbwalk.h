/* common/base/pbwalk.h: what a protobuf message would cost to decode,
 * read from its wire bytes before protobuf-c decodes it.
 *
 * protobuf-c has no size or element limit: it allocates a struct for every
 * sub-message, an array slot for every repeated element and a copy of every
 * string, bytes and unknown field, so 2 bytes on the wire (an empty
 * sub-message) can cost 150 bytes of memory. ld_pb_check() walks the tags
 * and lengths of a message against its descriptor (no allocation, no
 * copy), counts the elements of each repeated field per message and the
 * sub-messages, estimates the memory protobuf-c 1.4 would take to decode
 * it (its structs, arrays, copies and scanning slabs, with malloc's
 * overhead), and refuses the message when a field has more elements than
 * its limit or the estimate is beyond a multiple of the wire size.
 *
 * The walk follows protobuf-c's reading of the wire: bytes it calls
 * malformed protobuf-c refuses as well. One rule is the walker's own: a
 * message field that is not repeated may appear once per message
 * (protobuf-c would merge repeats, at a cost no estimate made beforehand
 * can bound; no encoder used here writes them).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#define LD_PB_FIELDS_MAX 64 /* fields of one message type the walker handles */
#define LD_PB_DEPTH_MAX 16  /* nesting of sub-messages when the rules say none */

/* At most 'max' elements of repeated field number 'field' of message
 * 'msg', in each message of that type. */
typedef struct ld_pb_limit {
	const ProtobufCMessageDescriptor *msg; /* borrowed (static descriptor) */
	uint32_t field;
	uint32_t max;
} ld_pb_limit_t;

/* What a message must keep to. The estimate may be at most ratio x its
 * wire size + slack bytes (a small message's structs cost more than its
 * bytes, whatever they hold). */
typedef struct ld_pb_rules {
	const ld_pb_limit_t *limits; /* borrowed; n_limits of them */
	size_t n_limits;
	unsigned ratio; /* 0: no bound on the estimate */
	size_t slack;
	unsigned depth_max; /* 0: LD_PB_DEPTH_MAX */
} ld_pb_rules_t;

/* Why a walk refused a message. */
enum ld_pb_refusal {
	LD_PB_OK,
	LD_PB_COUNT,	 /* a field has more elements than its limit */
	LD_PB_DEPTH,	 /* sub-messages nested deeper than allowed */
	LD_PB_SIZE,	 /* the estimate is over the bound */
	LD_PB_MALFORMED, /* not the wire format of the message */
};

/* What a walk found. On a refusal, why and where: 'field' (in message
 * 'msg') is the field over its limit or nested too deep, NULL when the
 * estimate is over the bound. */
typedef struct ld_pb_tally {
	enum ld_pb_refusal refusal;
	uint64_t messages;  /* sub-messages, the outer message not counted */
	uint64_t elements;  /* elements of repeated fields (packed ones too) */
	uint64_t unknown;   /* fields the descriptor does not know */
	uint64_t est_bytes; /* memory protobuf-c would take (as far as walked) */
	const ProtobufCMessageDescriptor *msg;
	const ProtobufCFieldDescriptor *field;
	uint64_t count; /* the field's elements, the depth, or the estimate */
	uint64_t limit; /* the limit it is over */
} ld_pb_tally_t;

/* Walk 'data' (len bytes, borrowed) as a message of 'desc' under 'rules'.
 * 0 if it may be decoded; LD_ETOOBIG if a field is over its limit, the
 * nesting is deeper than allowed, or the estimate is over the bound (the
 * walk stops there); LD_EMALFORMED if the bytes are not the wire format
 * of 'desc' (protobuf-c would refuse them). *ret (may be NULL) gets the
 * tally, also on a refusal. 'desc' and every message type it contains
 * have at most LD_PB_FIELDS_MAX fields (a caller's bug otherwise). */
int ld_pb_check(const ProtobufCMessageDescriptor *desc, const void *data, size_t len,
		const ld_pb_rules_t *rules, ld_pb_tally_t *ret);

/* One line for the log on why a walk refused a message of len bytes:
 * "ld.Hello.heads: 4194304 elements (limit 65536)", or "would take about
 * 560 MiB to decode 7340 KiB (limit 56 MiB)", into buf (size n). */
void ld_pb_explain(const ld_pb_tally_t *t, size_t len, char *buf, size_t n);

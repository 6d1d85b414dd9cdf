/* common/base/pbwalk.c: see pbwalk.h. The readings of tags, varints and
 * length prefixes below are protobuf-c 1.4's (protobuf-c.c: scan and
 * parse_tag_and_wiretype), so that what is malformed here is malformed
 * there; the costs are those of its protobuf_c_message_unpack(). */
#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/base/errors.h"
#include "common/base/pbwalk.h"

/* Members protobuf-c scans into a slab on its stack; past them, heap slabs
 * that double (32 members, then 64, ...), each member 32 bytes: under 64
 * bytes a member in all, plus each slab's allocation header. */
#define STACK_MEMBERS 16
#define SLAB_COST 64
#define SLAB_FIRST 32
#define SLAB_HEADER 16

struct walk {
	const ld_pb_rules_t *rules;
	ld_pb_tally_t *t;
	uint64_t bound;
	unsigned depth_max;
};

/* What malloc(n) takes from the heap (glibc on 64 bits: 8 bytes of header,
 * 16-byte steps, 32 at least); 0 for nothing allocated. */
static uint64_t alloc_cost(uint64_t n)
{
	uint64_t c = (n + 8 + 15) & ~(uint64_t)15;

	return n == 0 ? 0 : c < 32 ? 32 : c;
}

/* protobuf-c's slot in a repeated field's array (sizeof_elt_in_repeated_array). */
static size_t elt_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

/* The wire type a single value of 'type' comes in. */
static unsigned wire_of(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return PROTOBUF_C_WIRE_TYPE_64BIT;
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		return PROTOBUF_C_WIRE_TYPE_32BIT;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		return PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
	default:
		return PROTOBUF_C_WIRE_TYPE_VARINT;
	}
}

/* A tag of at most 5 bytes whose first byte holds a field number: its
 * length, or 0. */
static size_t read_tag(const uint8_t *p, size_t rem, uint32_t *tag, unsigned *wt)
{
	size_t max = rem < 5 ? rem : 5;
	uint32_t t = (p[0] & 0x7f) >> 3;
	unsigned shift = 4;

	if ((p[0] & 0xf8) == 0)
		return 0;
	*wt = p[0] & 7;
	if (!(p[0] & 0x80)) {
		*tag = t;
		return 1;
	}
	for (size_t i = 1; i < max; i++) {
		t |= (uint32_t)(p[i] & 0x7f) << shift;
		shift += 7;
		if (!(p[i] & 0x80)) {
			*tag = t;
			return i + 1;
		}
	}
	return 0;
}

/* A varint of at most 10 bytes: its length, or 0. */
static size_t varint_len(const uint8_t *p, size_t rem)
{
	size_t max = rem < 10 ? rem : 10;

	for (size_t i = 0; i < max; i++)
		if (!(p[i] & 0x80))
			return i + 1;
	return 0;
}

/* A length prefix of at most 5 bytes and the bytes it counts, within rem:
 * the prefix's length (the count in *ret_n), or 0. */
static size_t read_prefix(const uint8_t *p, size_t rem, size_t *ret_n)
{
	size_t max = rem < 5 ? rem : 5;
	uint64_t v = 0;

	for (size_t i = 0; i < max; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (v > INT_MAX || v > rem - i - 1)
				return 0;
			*ret_n = (size_t)v;
			return i + 1;
		}
	}
	return 0;
}

static uint32_t limit_of(const struct walk *w, const ProtobufCMessageDescriptor *desc,
			 const ProtobufCFieldDescriptor *f)
{
	uint32_t max = f->label != PROTOBUF_C_LABEL_REPEATED ? 1 : UINT32_MAX;

	for (size_t i = 0; i < w->rules->n_limits; i++)
		if (w->rules->limits[i].msg == desc && w->rules->limits[i].field == f->id &&
		    w->rules->limits[i].max < max)
			max = w->rules->limits[i].max;
	return max;
}

static int refuse(struct walk *w, enum ld_pb_refusal why, const ProtobufCMessageDescriptor *desc,
		  const ProtobufCFieldDescriptor *f, uint64_t count, uint64_t limit)
{
	w->t->refusal = why;
	w->t->msg = desc;
	w->t->field = f;
	w->t->count = count;
	w->t->limit = limit;
	return LD_ETOOBIG;
}

static int add_cost(struct walk *w, const ProtobufCMessageDescriptor *desc, uint64_t bytes)
{
	w->t->est_bytes += bytes;
	if (w->t->est_bytes > w->bound)
		return refuse(w, LD_PB_SIZE, desc, NULL, w->t->est_bytes, w->bound);
	return 0;
}

/* Elements of a packed field of 'type' in 'len' bytes at p: the count, or
 * -1 if they do not divide as protobuf-c reads them. */
static int64_t packed_count(ProtobufCType type, const uint8_t *p, size_t len)
{
	int64_t k = 0;

	switch (wire_of(type)) {
	case PROTOBUF_C_WIRE_TYPE_64BIT:
		return len % 8 ? -1 : (int64_t)(len / 8);
	case PROTOBUF_C_WIRE_TYPE_32BIT:
		return len % 4 ? -1 : (int64_t)(len / 4);
	default:
		if (len && (p[len - 1] & 0x80))
			return -1;
		for (size_t i = 0; i < len; i++)
			k += !(p[i] & 0x80);
		return k;
	}
}

static int walk_msg(struct walk *w, const ProtobufCMessageDescriptor *desc, const uint8_t *p,
		    size_t len, unsigned depth);

/* One occurrence of known field f (element counter *n, limit max) whose
 * value is 'body' (blen bytes) for wire type 2, else a scalar. */
static int walk_field(struct walk *w, const ProtobufCMessageDescriptor *desc,
		      const ProtobufCFieldDescriptor *f, unsigned wt, const uint8_t *body,
		      size_t blen, uint32_t *n, uint32_t max, unsigned depth)
{
	bool rep = f->label == PROTOBUF_C_LABEL_REPEATED;
	int64_t k = 1;

	if (wt != wire_of(f->type)) {
		/* Strings, bytes and messages only length-prefixed; a scalar
		 * in another wire type protobuf-c reads as it can (a bool as
		 * bytes, say): one value, or packed when repeated. */
		if (wire_of(f->type) == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)
			return LD_EMALFORMED;
		if (rep && wt == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED &&
		    (k = packed_count(f->type, body, blen)) < 0)
			return LD_EMALFORMED;
	}
	if (rep || f->type == PROTOBUF_C_TYPE_MESSAGE) {
		if ((uint64_t)*n + (uint64_t)k > max)
			return refuse(w, LD_PB_COUNT, desc, f, (uint64_t)*n + (uint64_t)k, max);
		*n += (uint32_t)k;
		if (rep)
			w->t->elements += (uint64_t)k;
	}
	if (wt != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)
		return 0;
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		return add_cost(w, desc, alloc_cost((uint64_t)blen + 1));
	case PROTOBUF_C_TYPE_BYTES:
		return add_cost(w, desc, alloc_cost(blen));
	case PROTOBUF_C_TYPE_MESSAGE:
		w->t->messages++;
		if (depth + 1 > w->depth_max)
			return refuse(w, LD_PB_DEPTH, desc, f, depth + 1, w->depth_max);
		return walk_msg(w, f->descriptor, body, blen, depth + 1);
	default:
		return 0; /* packed: the array is counted with the message */
	}
}

static int walk_msg(struct walk *w, const ProtobufCMessageDescriptor *desc, const uint8_t *p,
		    size_t len, unsigned depth)
{
	uint32_t n[LD_PB_FIELDS_MAX] = {0}, max[LD_PB_FIELDS_MAX];
	const uint8_t *end = p + len;
	uint64_t occ = 0, unknown = 0, slab_at = STACK_MEMBERS + 1, slab = SLAB_FIRST;
	int r;

	assert(desc->n_fields <= LD_PB_FIELDS_MAX);
	for (unsigned i = 0; i < desc->n_fields; i++)
		max[i] = limit_of(w, desc, &desc->fields[i]);
	if ((r = add_cost(w, desc, alloc_cost(desc->sizeof_message))) < 0)
		return r;
	while (p < end) {
		const ProtobufCFieldDescriptor *f;
		size_t rem = (size_t)(end - p), vl, blen = 0, tl;
		const uint8_t *body = NULL;
		uint32_t tag;
		unsigned wt;

		if (!(tl = read_tag(p, rem, &tag, &wt)))
			return LD_EMALFORMED;
		p += tl;
		rem -= tl;
		switch (wt) {
		case PROTOBUF_C_WIRE_TYPE_VARINT:
			vl = varint_len(p, rem);
			break;
		case PROTOBUF_C_WIRE_TYPE_64BIT:
			vl = rem >= 8 ? 8 : 0;
			break;
		case PROTOBUF_C_WIRE_TYPE_32BIT:
			vl = rem >= 4 ? 4 : 0;
			break;
		case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED:
			if ((vl = read_prefix(p, rem, &blen))) {
				body = p + vl;
				vl += blen;
			}
			break;
		default: /* groups, and wire types that do not exist */
			vl = 0;
		}
		if (!vl)
			return LD_EMALFORMED;
		occ++;
		/* Past the stack slab, every member scanned costs heap, and each
		 * new slab its header (found by fuzz_pbwalk: 16 bytes short at
		 * the fourth slab). */
		if (occ > STACK_MEMBERS &&
		    (r = add_cost(w, desc, occ == STACK_MEMBERS + 1 ? occ * SLAB_COST : SLAB_COST)))
			return r;
		if (occ == slab_at) {
			if ((r = add_cost(w, desc, SLAB_HEADER)))
				return r;
			slab_at += slab;
			slab *= 2;
		}
		f = protobuf_c_message_descriptor_get_field(desc, tag);
		if (!f) {
			/* Kept by protobuf-c: a copy of the value. */
			unknown++;
			w->t->unknown++;
			r = add_cost(w, desc, alloc_cost(vl));
		} else {
			r = walk_field(w, desc, f, wt, body, blen, &n[f - desc->fields],
				       max[f - desc->fields], depth);
		}
		if (r < 0)
			return r;
		p += vl;
	}
	/* The arrays, allocated once the members are counted. */
	for (unsigned i = 0; i < desc->n_fields; i++)
		if (n[i] && desc->fields[i].label == PROTOBUF_C_LABEL_REPEATED &&
		    (r = add_cost(w, desc,
				  alloc_cost((uint64_t)n[i] * elt_size(desc->fields[i].type)))))
			return r;
	return add_cost(w, desc, alloc_cost(unknown * sizeof(ProtobufCMessageUnknownField)));
}

int ld_pb_check(const ProtobufCMessageDescriptor *desc, const void *data, size_t len,
		const ld_pb_rules_t *rules, ld_pb_tally_t *ret)
{
	ld_pb_tally_t t = {0};
	struct walk w = {
		.rules = rules,
		.t = &t,
		.bound = rules->ratio ? (uint64_t)rules->ratio * len + rules->slack : UINT64_MAX,
		.depth_max = rules->depth_max ? rules->depth_max : LD_PB_DEPTH_MAX,
	};
	int r = len && !data ? LD_EMALFORMED : walk_msg(&w, desc, data, len, 0);

	if (r == LD_EMALFORMED) {
		t.refusal = LD_PB_MALFORMED;
		t.msg = desc;
	}
	if (ret)
		*ret = t;
	return r;
}

/* bytes as "512 B", "12 KiB", "560 MiB". */
static void human(uint64_t b, char *buf, size_t n)
{
	if (b < 10 * 1024)
		snprintf(buf, n, "%llu B", (unsigned long long)b);
	else if (b < 10 * 1024 * 1024)
		snprintf(buf, n, "%llu KiB", (unsigned long long)(b >> 10));
	else
		snprintf(buf, n, "%llu MiB", (unsigned long long)(b >> 20));
}

void ld_pb_explain(const ld_pb_tally_t *t, size_t len, char *buf, size_t n)
{
	char est[32], wire[32], lim[32];

	switch (t->refusal) {
	case LD_PB_COUNT:
		snprintf(buf, n, "%s.%s: %llu %s (limit %llu)", t->msg->name, t->field->name,
			 (unsigned long long)t->count,
			 t->field->label == PROTOBUF_C_LABEL_REPEATED ? "elements" : "times",
			 (unsigned long long)t->limit);
		break;
	case LD_PB_DEPTH:
		snprintf(buf, n, "%s.%s: nested %llu deep (limit %llu)", t->msg->name,
			 t->field->name, (unsigned long long)t->count,
			 (unsigned long long)t->limit);
		break;
	case LD_PB_SIZE:
		human(t->count, est, sizeof(est));
		human(len, wire, sizeof(wire));
		human(t->limit, lim, sizeof(lim));
		snprintf(buf, n, "would take more than %s to decode %s (limit %s)", est, wire, lim);
		break;
	case LD_PB_MALFORMED:
		snprintf(buf, n, "not the wire format of %s", t->msg->name);
		break;
	default:
		snprintf(buf, n, "not refused");
	}
}

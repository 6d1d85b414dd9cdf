/* common/feed/pbjson.c: see pbjson.h. */
#include <stdlib.h>
#include <string.h>

#include "entry.pb-c.h"
#include "common/feed/kinds.h"
#include "common/feed/pbjson.h"
#include "common/base/text.h"
#include "common/base/timeutil.h"

json_t *ld_json_text(const char *s, bool *ret_invalid)
{
	char *u = ld_text_utf8(s ? s : "", s ? strlen(s) : 0, ret_invalid);
	json_t *j = u ? json_string(u) : NULL;

	free(u);
	return j;
}

static json_t *hex_json(const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *h = malloc(2 * len + 1);
	json_t *j;

	if (!h)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		h[2 * i] = digits[p[i] >> 4];
		h[2 * i + 1] = digits[p[i] & 15];
	}
	h[2 * len] = '\0';
	j = json_string(h);
	free(h);
	return j;
}

struct ctx {
	unsigned tflags;
	bool *invalid;
};

static json_t *msg_json(const ProtobufCMessage *m, const struct ctx *x, int depth);

/* One value of field f at address p (a scalar, or a pointer for strings,
 * bytes and messages). */
static json_t *value_json(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
			  const void *p, const struct ctx *x, int depth)
{
	const ProtobufCEnumDescriptor *e;
	char name[64];

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		return ld_json_text(*(const char *const *)p, x->invalid);
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;

		return hex_json(b->data, b->len);
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return msg_json(*(const ProtobufCMessage *const *)p, x, depth + 1);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM:
		ld_enum_short(f->descriptor, *(const int *)p, name, sizeof(name));
		return json_string(name);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if ((e = ld_field_enum(d, f->name)) &&
		    ld_enum_short(e, (int)*(const uint32_t *)p, name, sizeof(name)))
			return json_string(name);
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return json_integer(*(const int64_t *)p);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return json_integer((json_int_t) * (const uint64_t *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		return json_real(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return json_real(*(const double *)p);
	}
	return json_null();
}

static size_t elem_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	default:
		return 4;
	}
}

/* Is an optional (proto2) field present? */
static bool present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)m;

	if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(const void *const *)(base + f->offset) != NULL;
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return true;
	return f->quantifier_offset && *(const protobuf_c_boolean *)(base + f->quantifier_offset);
}

static int put_time_sibling(json_t *o, const char *name, int64_t ms, const struct ctx *x)
{
	size_t l = strlen(name);
	char key[96], when[48];

	if (l < 4 || strcmp(name + l - 3, "_ms") || l - 3 >= sizeof(key))
		return 0;
	memcpy(key, name, l - 3);
	key[l - 3] = '\0';
	ld_time_format(ms, x->tflags | LD_TIME_RFC3339, when, sizeof(when));
	return json_object_set_new(o, key, json_string(when));
}

static json_t *msg_json(const ProtobufCMessage *m, const struct ctx *x, int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	json_t *o = json_object();

	if (!o || depth > 4)
		return o;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m + f->offset;
		json_t *v;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t cnt = *(const size_t *)((const char *)m + f->quantifier_offset);
			const char *arr = *(const char *const *)base;

			if (!cnt)
				continue;
			v = json_array();
			for (size_t k = 0; v && k < cnt; k++)
				json_array_append_new(
					v, value_json(d, f, arr + k * elem_size(f), x, depth));
		} else {
			if (!present(m, f))
				continue;
			v = value_json(d, f, base, x, depth);
		}
		if (!v || json_object_set_new(o, f->name, v) < 0) {
			json_decref(o);
			return NULL;
		}
		if (f->label != PROTOBUF_C_LABEL_REPEATED &&
		    (f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_SINT64))
			put_time_sibling(o, f->name, *(const int64_t *)base, x);
	}
	return o;
}

json_t *ld_pb_json(const ProtobufCMessage *m, unsigned time_flags, bool *ret_invalid)
{
	struct ctx x = {time_flags, ret_invalid};

	return msg_json(m, &x, 0);
}

json_t *ld_payload_json(uint32_t kind, const void *payload, size_t len, unsigned time_flags,
			bool *ret_invalid)
{
	const ld_kind_info_t *k = ld_kind_info(kind);
	ProtobufCMessage *m;
	json_t *j;

	if (!k || !k->desc)
		return NULL;
	m = protobuf_c_message_unpack(k->desc, NULL, len, payload);
	if (!m)
		return NULL;
	j = ld_pb_json(m, time_flags, ret_invalid);
	protobuf_c_message_free_unpacked(m, NULL);
	return j;
}

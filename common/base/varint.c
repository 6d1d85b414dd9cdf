/* common/base/varint.c: see varint.h. */
#include <errno.h>

#include "common/base/varint.h"

int ld_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *ret)
{
	const uint8_t *q = *p;
	uint64_t x = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (q >= end)
			return -EPROTO;
		b = *q++;
		/* The tenth byte may carry only the top bit of 64. */
		if (shift == 63 && b > 1)
			return -EPROTO;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*p = q;
			*ret = x;
			return 0;
		}
	}
	return -EPROTO;
}

size_t ld_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

uint8_t *ld_varint_put(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

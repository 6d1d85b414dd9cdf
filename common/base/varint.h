/* common/base/varint.h: the protobuf varint (base 128, little-endian
 * groups), for the few places that read or write protobuf framing by hand
 * (the entry envelope, evidence chunk frames) instead of through
 * protobuf-c. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Read a varint at *p (not past 'end'), advancing *p. 0, or -EPROTO if it
 * is cut short or longer than 64 bits (nothing is advanced then). */
int ld_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *ret);

/* Bytes ld_varint_put() writes for 'v' (1 to 10). */
size_t ld_varint_size(uint64_t v);

/* Write 'v' at p (room for ld_varint_size(v) bytes); returns the end. */
uint8_t *ld_varint_put(uint8_t *p, uint64_t v);

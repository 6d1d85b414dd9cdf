/* common/feed/entry.c: build, parse, encode and verify entries. */
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "common/base/pbwalk.h"
#include "common/base/varint.h"
#include "common/feed/entry.h"
#include "common/base/errors.h"

/* A header's audience is counted before it is decoded, and decoding it may
 * cost at most 8 times its size plus 16 KiB: a header of 64 short node ids
 * costs under 12 KiB; one of 2,000 empty ones would cost 200 KiB. */
static const ld_pb_limit_t header_limits[] = {
	{&ld__entry_header__descriptor, 7, LD_AUDIENCE_MAX},
};
static const ld_pb_rules_t header_rules = {
	.limits = header_limits,
	.n_limits = 1,
	.ratio = 8,
	.slack = 16384,
};

bool ld_node_id_valid(const char *s)
{
	size_t n = 0;

	if (!s || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (; s[n]; n++) {
		char c = s[n];

		if (n >= LD_NODE_ID_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == '_'))
			return false;
	}
	return true;
}

/* SHA-256 of one buffer without OpenSSL 3's per-call digest fetch, which
 * costs ~10% of batch ingest (see docs/BENCHMARKS.md). */
static void sha256(const void *data, size_t len, uint8_t out[LD_HASH_LEN])
{
	SHA256_CTX c;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	SHA256_Init(&c);
	SHA256_Update(&c, data, len);
	SHA256_Final(out, &c);
#pragma GCC diagnostic pop
}

/* Entry id: SHA-256 over header bytes then signature. */
static void entry_id(const uint8_t *header, size_t len, const uint8_t sig[LD_SIG_LEN],
		     uint8_t id[LD_ID_LEN])
{
	SHA256_CTX c;

	/* SHA256_Init & co. are deprecated in 3.0, but for ~250 bytes the EVP
	 * fetch path costs more than the hash; the one-shot SHA256() needs
	 * contiguous input, which we do not always have. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	SHA256_Init(&c);
	SHA256_Update(&c, header, len);
	SHA256_Update(&c, sig, LD_SIG_LEN);
	SHA256_Final(id, &c);
#pragma GCC diagnostic pop
}

static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);

/* protobuf-c hands out strings as C strings: an author "a\0evil" would be
 * read as "a" here and as something else by another decoder. Refuse NUL
 * inside the string fields (author 2, audience 7) on the raw bytes. */
static int header_strings_clean(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;

	while (p < end) {
		uint64_t key, n;

		if (read_varint(&p, end, &key) < 0)
			return LD_EMALFORMED;
		switch (key & 7) {
		case 0:
			if (read_varint(&p, end, &n) < 0)
				return LD_EMALFORMED;
			break;
		case 1:
		case 5:
			n = (key & 7) == 1 ? 8 : 4;
			if ((size_t)(end - p) < n)
				return LD_EMALFORMED;
			p += n;
			break;
		case 2:
			if (read_varint(&p, end, &n) < 0 || n > (size_t)(end - p))
				return LD_EMALFORMED;
			if (((key >> 3) == 2 || (key >> 3) == 7) && memchr(p, 0, n))
				return LD_EMALFORMED;
			p += n;
			break;
		default:
			return LD_EMALFORMED;
		}
	}
	return 0;
}

static int header_check(const Ld__EntryHeader *h)
{
	if (!h->has_version || h->version != LD_HEADER_VERSION)
		return h->has_version ? LD_EVERSION : LD_EMALFORMED;
	if (!ld_node_id_valid(h->author))
		return LD_EMALFORMED;
	if (!h->has_seq || h->seq == 0 || h->seq == UINT64_MAX)
		return LD_EMALFORMED;
	if (h->seq == 1 ? h->has_prev : (!h->has_prev || h->prev.len != LD_ID_LEN))
		return LD_EMALFORMED;
	if (!h->has_time_ms || !h->has_kind)
		return LD_EMALFORMED;
	if (h->n_audience > LD_AUDIENCE_MAX)
		return LD_ETOOBIG;
	for (size_t i = 0; i < h->n_audience; i++)
		if (!ld_node_id_valid(h->audience[i]))
			return LD_EMALFORMED;
	if (!h->has_payload_hash || h->payload_hash.len != LD_HASH_LEN || !h->has_payload_len)
		return LD_EMALFORMED;
	if (h->payload_len > LD_PAYLOAD_MAX)
		return LD_ETOOBIG;
	if (!h->has_signer || h->signer.len != LD_PUBKEY_LEN)
		return LD_EMALFORMED;
	return 0;
}

int ld_entry_from_parts(const void *header, size_t header_len, const uint8_t sig[LD_SIG_LEN],
			const void *payload, size_t payload_len, ld_entry_t **ret_entry)
{
	uint8_t digest[LD_HASH_LEN];
	ld_entry_t *e;
	uint8_t *p;
	int r;

	if (header_len > LD_HEADER_MAX || (payload && payload_len > LD_PAYLOAD_MAX))
		return LD_ETOOBIG;
	if (header_len == 0)
		return LD_EMALFORMED;
	e = malloc(sizeof(*e) + header_len + (payload ? payload_len : 0) + 1);
	if (!e)
		return -ENOMEM;
	p = (uint8_t *)(e + 1);
	memcpy(p, header, header_len);
	e->header = p;
	e->header_len = header_len;
	memcpy(e->sig, sig, LD_SIG_LEN);
	e->has_payload = payload != NULL;
	e->payload = NULL;
	e->payload_len = 0;
	if (payload) {
		memcpy(p + header_len, payload, payload_len);
		e->payload = p + header_len;
		e->payload_len = payload_len;
	}
	r = ld_pb_check(&ld__entry_header__descriptor, e->header, header_len, &header_rules, NULL);
	e->hdr = r == 0 ? ld__entry_header__unpack(NULL, header_len, e->header) : NULL;
	if (!e->hdr) {
		free(e);
		return r < 0 ? r : LD_EMALFORMED;
	}
	r = header_check(e->hdr);
	if (r == 0)
		r = header_strings_clean(e->header, e->header_len);
	if (r == 0 && payload) {
		if (payload_len != e->hdr->payload_len) {
			r = LD_EPAYLOAD;
		} else {
			sha256(payload, payload_len, digest);
			if (memcmp(digest, e->hdr->payload_hash.data, LD_HASH_LEN) != 0)
				r = LD_EPAYLOAD;
		}
	}
	if (r < 0) {
		ld_entry_destroy(&e);
		return r;
	}
	entry_id(e->header, e->header_len, e->sig, e->id);
	*ret_entry = e;
	return 0;
}

/* Minimal protobuf reader for the three-field ld.Entry envelope. */
static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	return ld_varint_get(p, end, v) == 0 ? 0 : LD_EMALFORMED;
}

int ld_entry_parse(const void *buf, size_t len, ld_entry_t **ret_entry)
{
	const uint8_t *p = buf, *end = p + len;
	const uint8_t *field[4] = {NULL};
	size_t flen[4] = {0};
	int r;

	if (len > LD_ENTRY_MAX)
		return LD_ETOOBIG;
	while (p < end) {
		uint64_t key, n;
		unsigned num, type;

		if ((r = read_varint(&p, end, &key)) < 0)
			return r;
		/* Protobuf field numbers stop at 2^29-1; a larger one must not be
		 * narrowed into a known field. */
		if ((key >> 3) > 0x1fffffff)
			return LD_EMALFORMED;
		num = (unsigned)(key >> 3);
		type = key & 7;
		switch (type) {
		case 0:
			if ((r = read_varint(&p, end, &n)) < 0)
				return r;
			break;
		case 1:
		case 5:
			n = type == 1 ? 8 : 4;
			if ((size_t)(end - p) < n)
				return LD_EMALFORMED;
			p += n;
			break;
		case 2:
			if ((r = read_varint(&p, end, &n)) < 0)
				return r;
			if (n > (size_t)(end - p))
				return LD_EMALFORMED;
			if (num >= 1 && num <= 3) {
				/* A repeated field would make "the" header ambiguous. */
				if (field[num])
					return LD_EMALFORMED;
				field[num] = p;
				flen[num] = n;
			}
			p += n;
			break;
		default:
			return LD_EMALFORMED;
		}
		if (num == 0)
			return LD_EMALFORMED;
	}
	if (!field[1] || !field[2])
		return LD_EMALFORMED;
	if (flen[1] > LD_HEADER_MAX || flen[3] > LD_PAYLOAD_MAX)
		return LD_ETOOBIG;
	if (flen[2] != LD_SIG_LEN)
		return LD_EMALFORMED;
	/* An empty payload is still a payload: presence is field[3] != NULL. */
	return ld_entry_from_parts(field[1], flen[1], field[2], field[3], flen[3], ret_entry);
}

int ld_entry_build(const ld_entry_draft_t *d, ld_key_t *key, ld_entry_t **ret_entry)
{
	Ld__EntryHeader h = LD__ENTRY_HEADER__INIT;
	uint8_t digest[LD_HASH_LEN], signer[LD_PUBKEY_LEN], sig[LD_SIG_LEN];
	uint8_t hbuf[LD_HEADER_MAX];
	static const uint8_t empty[1];
	size_t hlen;
	int r;

	if (!ld_node_id_valid(d->author) || d->seq == 0 || (d->seq > 1 && !d->prev))
		return LD_EMALFORMED;
	if (d->payload_len > LD_PAYLOAD_MAX || d->n_audience > LD_AUDIENCE_MAX)
		return LD_ETOOBIG;
	for (size_t i = 0; i < d->n_audience; i++)
		if (!ld_node_id_valid(d->audience[i]))
			return LD_EMALFORMED;

	sha256(d->payload_len ? d->payload : empty, d->payload_len, digest);
	ld_key_public(key, signer);
	h.has_version = true;
	h.version = LD_HEADER_VERSION;
	h.author = (char *)d->author;
	h.has_seq = true;
	h.seq = d->seq;
	if (d->seq > 1) {
		h.has_prev = true;
		h.prev.data = (uint8_t *)d->prev;
		h.prev.len = LD_ID_LEN;
	}
	h.has_time_ms = true;
	h.time_ms = d->time_ms;
	h.has_kind = true;
	h.kind = d->kind;
	h.n_audience = d->n_audience;
	h.audience = (char **)d->audience;
	if (d->everyone) {
		h.has_everyone = true;
		h.everyone = true;
	}
	h.has_payload_hash = true;
	h.payload_hash.data = digest;
	h.payload_hash.len = LD_HASH_LEN;
	h.has_payload_len = true;
	h.payload_len = d->payload_len;
	h.has_signer = true;
	h.signer.data = signer;
	h.signer.len = LD_PUBKEY_LEN;

	hlen = ld__entry_header__get_packed_size(&h);
	if (hlen > LD_HEADER_MAX)
		return LD_ETOOBIG;
	ld__entry_header__pack(&h, hbuf);
	r = ld_key_sign(key, hbuf, hlen, sig);
	if (r < 0)
		return r;
	return ld_entry_from_parts(hbuf, hlen, sig, d->payload_len ? d->payload : empty,
				   d->payload_len, ret_entry);
}

static uint8_t *put_bytes(uint8_t *p, unsigned field, const void *data, size_t len)
{
	*p++ = (uint8_t)(field << 3 | 2);
	p = ld_varint_put(p, len);
	memcpy(p, data, len);
	return p + len;
}

size_t ld_entry_parts_wire_size(size_t header_len, const void *payload, size_t payload_len)
{
	size_t n = 1 + ld_varint_size(header_len) + header_len + 1 + 1 + LD_SIG_LEN;

	if (payload)
		n += 1 + ld_varint_size(payload_len) + payload_len;
	return n;
}

size_t ld_entry_encode_parts(const void *header, size_t header_len, const uint8_t *sig,
			     const void *payload, size_t payload_len, uint8_t *out)
{
	uint8_t *p = out;

	p = put_bytes(p, 1, header, header_len);
	p = put_bytes(p, 2, sig, LD_SIG_LEN);
	if (payload)
		p = put_bytes(p, 3, payload, payload_len);
	return (size_t)(p - out);
}

size_t ld_entry_wire_size(const ld_entry_t *e, bool with_payload)
{
	return ld_entry_parts_wire_size(
		e->header_len, with_payload && e->has_payload ? e->payload : NULL, e->payload_len);
}

size_t ld_entry_encode(const ld_entry_t *e, bool with_payload, uint8_t *out)
{
	return ld_entry_encode_parts(e->header, e->header_len, e->sig,
				     with_payload && e->has_payload ? e->payload : NULL,
				     e->payload_len, out);
}

int ld_entry_verify(const ld_entry_t *e, const ld_pubkey_t *pub)
{
	if (memcmp(e->hdr->signer.data, ld_pubkey_raw(pub), LD_PUBKEY_LEN) != 0)
		return LD_EWRONGKEY;
	return ld_pubkey_verify(pub, e->header, e->header_len, e->sig) == 0 ? 0 : LD_EBADSIG;
}

int ld_entry_check_next(const ld_entry_t *e, const char *feed, uint64_t head_seq,
			const uint8_t *head_id)
{
	if (strcmp(e->hdr->author, feed) != 0)
		return LD_EMALFORMED;
	if (e->hdr->seq != head_seq + 1)
		return LD_EGAP;
	if (head_seq > 0 && memcmp(e->hdr->prev.data, head_id, LD_ID_LEN) != 0)
		return LD_ELINK;
	return 0;
}

void ld_entry_destroy(ld_entry_t **entry_p)
{
	if (!entry_p || !*entry_p)
		return;
	if ((*entry_p)->hdr)
		ld__entry_header__free_unpacked((*entry_p)->hdr, NULL);
	free(*entry_p);
	*entry_p = NULL;
}

bool ld_case_id_valid(const char *s)
{
	const char *slash;
	char owner[LD_NODE_ID_MAX + 1];
	size_t olen, llen;

	if (!s || !(slash = strchr(s, '/')))
		return false;
	olen = (size_t)(slash - s);
	llen = strlen(slash + 1);
	if (olen == 0 || olen > LD_NODE_ID_MAX || llen == 0 || llen > 64)
		return false;
	memcpy(owner, s, olen);
	owner[olen] = '\0';
	if (!ld_node_id_valid(owner))
		return false;
	for (const char *p = slash + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

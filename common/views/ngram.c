/* common/views/ngram.c: see ngram.h. */
#include <stdint.h>
#include <string.h>

#include "common/views/ngram.h"

/* Decode the UTF-8 character at p (n bytes left). Returns its length and
 * the code point in *cp, or 0 if the bytes there are not a well-formed
 * character (overlong forms, surrogates and values past U+10FFFF are not). */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		c = p[0] & 0x1f;
		len = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		c = p[0] & 0x0f;
		len = 3;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		c = p[0] & 0x07;
		len = 4;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Non-ASCII code points that separate rather than belong to a run:
 * Latin-1 controls and punctuation, general punctuation, CJK symbols and
 * punctuation (but 々 〆 〇, which are written inside words and numbers),
 * vertical and small forms, fullwidth and halfwidth punctuation, BOM. */
static bool separator(uint32_t c)
{
	return (c >= 0x80 && c <= 0xbf) || c == 0xd7 || c == 0xf7 || (c >= 0x2000 && c <= 0x206f) ||
	       (c >= 0x3000 && c <= 0x303f && !(c >= 0x3005 && c <= 0x3007)) ||
	       (c >= 0xfe10 && c <= 0xfe1f) || (c >= 0xfe30 && c <= 0xfe6f) || c == 0xfeff ||
	       (c >= 0xff00 && c <= 0xff0f) || (c >= 0xff1a && c <= 0xff20) ||
	       (c >= 0xff3b && c <= 0xff40) || (c >= 0xff5b && c <= 0xff65);
}

static bool alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

size_t ld_ngram_normalize(const char *in, size_t len, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, i = 0;
	bool gap = false;

	while (i < len) {
		uint32_t c;
		size_t n = utf8_next(p + i, len - i, &c);
		char ascii = 0;

		if (n == 0) { /* a byte that is no character: a separator */
			i++;
			gap = true;
			continue;
		}
		if (c < 0x80 && alnum((unsigned char)c))
			ascii = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		else if (c >= 0xff10 && c <= 0xff19)
			ascii = (char)('0' + (c - 0xff10));
		else if (c >= 0xff21 && c <= 0xff3a)
			ascii = (char)('a' + (c - 0xff21));
		else if (c >= 0xff41 && c <= 0xff5a)
			ascii = (char)('a' + (c - 0xff41));
		if (!ascii && (c < 0x80 || separator(c))) {
			i += n;
			gap = true;
			continue;
		}
		/* Room for the space before it, itself and the final NUL. */
		if (o + (gap && o) + (ascii ? 1 : n) + 1 > cap)
			break;
		if (gap && o)
			out[o++] = ' ';
		gap = false;
		if (ascii) {
			out[o++] = ascii;
		} else {
			memcpy(out + o, p + i, n);
			o += n;
		}
		i += n;
	}
	if (cap)
		out[o] = '\0';
	return o;
}

size_t ld_ngram_clean(const char *in, size_t len, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		uint32_t c;
		size_t n = utf8_next(p + i, len - i, &c);
		const char *put = (const char *)p + i;
		size_t m = n;

		if (n == 0)
			put = "\xef\xbf\xbd", m = 3, n = 1;
		else if (c < 0x20 || c == 0x7f)
			put = " ", m = 1;
		if (o + m + 1 > cap)
			break;
		memcpy(out + o, put, m);
		o += m;
		i += n;
	}
	if (cap)
		out[o] = '\0';
	return o;
}

/* Length of the UTF-8 character starting at normalised text p (well formed
 * by construction). */
static size_t char_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* Split normalised text into runs (bytes >= 0x80) and words (ASCII
 * alphanumerics); call part(ud, start, len, is_run) for each. */
static int parts(const char *s, size_t len,
		 int (*part)(void *ud, const char *p, size_t n, bool run), void *ud)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int r;

	while (i < len) {
		size_t j = i;

		if (u[i] >= 0x80) {
			while (j < len && u[j] >= 0x80)
				j += char_len(u[j]);
			if (j > len)
				j = len;
			if ((r = part(ud, s + i, j - i, true)) != 0)
				return r;
		} else if (alnum(u[i])) {
			while (j < len && u[j] < 0x80 && alnum(u[j]))
				j++;
			if ((r = part(ud, s + i, j - i, false)) != 0)
				return r;
		} else {
			j++;
		}
		i = j;
	}
	return 0;
}

struct emit {
	int (*cb)(void *ud, const char *tok, size_t n);
	void *ud;
	bool query, exact;
};

static int emit_part(void *ud, const char *p, size_t n, bool run)
{
	struct emit *e = ud;
	size_t i = 0, a, b, pairs = 0;
	int r;

	if (!run) {
		if (n > LD_NGRAM_WORD_MAX) {
			e->exact = false;
			n = LD_NGRAM_WORD_MAX;
		}
		return e->cb(e->ud, p, n);
	}
	a = char_len((unsigned char)p[0]);
	if (a > n)
		return 0;
	/* A query of one character needs that character; the index holds
	 * every character, and every pair. */
	if (a == n || !e->query) {
		if ((r = e->cb(e->ud, p, a)) != 0)
			return r;
	}
	for (i = 0; i + a < n; i += a, a = b) {
		b = char_len((unsigned char)p[i + a]);
		if (i + a + b > n)
			break;
		if (!e->query && (r = e->cb(e->ud, p + i + a, b)) != 0)
			return r;
		if ((r = e->cb(e->ud, p + i, a + b)) != 0)
			return r;
		pairs++;
	}
	/* Three characters or more: the pairs alone do not prove adjacency. */
	if (pairs > 1)
		e->exact = false;
	return 0;
}

int ld_ngram_index(const char *norm, size_t len, int (*cb)(void *ud, const char *tok, size_t n),
		   void *ud)
{
	struct emit e = {cb, ud, false, true};

	return parts(norm, len, emit_part, &e);
}

int ld_ngram_query(const char *q, size_t len, int (*cb)(void *ud, const char *tok, size_t n),
		   void *ud, bool *ret_exact)
{
	struct emit e = {cb, ud, true, true};
	int r = parts(q, len, emit_part, &e);

	if (ret_exact)
		*ret_exact = e.exact;
	return r;
}

struct find {
	const char *hay;
	size_t hay_len;
};

/* Is the word w (n bytes) somewhere in hay with no letter or digit either
 * side of it? */
static bool find_word(const struct find *f, const char *w, size_t n)
{
	const char *p = f->hay, *end = f->hay + f->hay_len;

	while ((p = memmem(p, (size_t)(end - p), w, n)) != NULL) {
		bool before =
			p > f->hay && (unsigned char)p[-1] < 0x80 && alnum((unsigned char)p[-1]);
		bool after =
			p + n < end && (unsigned char)p[n] < 0x80 && alnum((unsigned char)p[n]);

		if (!before && !after)
			return true;
		p++;
	}
	return false;
}

static int match_part(void *ud, const char *p, size_t n, bool run)
{
	const struct find *f = ud;

	/* UTF-8 synchronises: a run found as bytes starts on a character. */
	if (run)
		return memmem(f->hay, f->hay_len, p, n) ? 0 : 1;
	return find_word(f, p, n) ? 0 : 1;
}

bool ld_ngram_match(const char *hay, size_t hay_len, const char *q, size_t q_len)
{
	struct find f = {hay, hay_len};

	return parts(q, q_len, match_part, &f) == 0;
}

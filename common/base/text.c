/* common/base/text.c: see text.h. */
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "common/base/text.h"

/* A message of the tool's catalogue (client/po/POTFILES lists this file):
 * English here, translated where `liandong` shows it. */
#define N_(s) s

size_t ld_utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c, min;
	size_t n;

	if (!len)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		n = 2, c &= 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 3, c &= 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past Unicode are not UTF-8. */
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

bool ld_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	while (len) {
		size_t k = ld_utf8_next(p, len, &cp);

		if (!k)
			return false;
		p += k;
		len -= k;
	}
	return true;
}

size_t ld_utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n = 0;
	uint32_t cp;

	while (len) {
		size_t k = ld_utf8_next(p, len, &cp);

		k = k ? k : 1;
		p += k;
		len -= k;
		n++;
	}
	return n;
}

bool ld_text_unsafe_cp(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0xfeff;
}

/* Display widths come from the C library's tables (wcwidth), read under
 * C.UTF-8 whatever locale the process runs in: under LANG=C wcwidth() knows
 * no character past ASCII, yet the text shown is UTF-8 all the same. */
static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Without a C.UTF-8 locale: the East Asian wide and fullwidth blocks. */
static int wide_fallback(uint32_t cp)
{
	static const uint32_t wide[][2] = {
		{0x1100, 0x115f},   {0x2e80, 0x303e},	{0x3041, 0x33ff},   {0x3400, 0x4dbf},
		{0x4e00, 0x9fff},   {0xa000, 0xa4cf},	{0xac00, 0xd7a3},   {0xf900, 0xfaff},
		{0xfe30, 0xfe4f},   {0xff00, 0xff60},	{0xffe0, 0xffe6},   {0x1f300, 0x1f64f},
		{0x1f900, 0x1f9ff}, {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
	};

	if ((cp >= 0x0300 && cp <= 0x036f) || cp == 0x200b || (cp >= 0xfe00 && cp <= 0xfe0f))
		return 0;
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (cp >= wide[i][0] && cp <= wide[i][1])
			return 2;
	return 1;
}

int ld_cp_width(uint32_t cp)
{
	locale_t old;
	int w;

	if (ld_text_unsafe_cp(cp))
		return cp < 0x20 ? 4 : 6; /* "\x1b", "\u202e" */
	if (cp < 0x7f)
		return 1;
	pthread_once(&utf8_once, utf8_locale_init);
	if (!utf8_locale)
		return wide_fallback(cp);
	old = uselocale(utf8_locale);
	w = wcwidth((wchar_t)cp);
	uselocale(old);
	/* Unassigned and other unprintable code points: terminals show one
	 * cell (a box or a replacement). */
	return w < 0 ? 1 : w;
}

size_t ld_text_cut(const char *s, size_t len, size_t cols, size_t *ret_width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t at = 0, width = 0;

	while (at < len) {
		uint32_t cp;
		size_t k = ld_utf8_next(p + at, len - at, &cp);
		size_t w = k ? (size_t)ld_cp_width(cp) : 4; /* "\xNN" */

		if (width + w > cols)
			break;
		width += w;
		at += k ? k : 1;
	}
	if (ret_width)
		*ret_width = width;
	return at;
}

size_t ld_text_width(const char *s, size_t len)
{
	size_t width;

	ld_text_cut(s, len, (size_t)-1, &width);
	return width;
}

/* A growing output string. */
struct sbuf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void sb_put(struct sbuf *b, const void *s, size_t len)
{
	if (b->oom)
		return;
	if (b->n + len + 1 > b->cap) {
		size_t cap = (b->n + len + 1) * 2;
		char *np = realloc(b->p, cap);

		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

static char *sb_done(struct sbuf *b)
{
	if (!b->oom && !b->p)
		sb_put(b, "", 0);
	if (b->oom) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

/* Escape s into b; utf8_only: only bytes that are not UTF-8 (JSON mode).
 * Runs of bytes kept as they are go in with one copy. */
static void escape_into(struct sbuf *b, const char *s, size_t len, unsigned flags, bool utf8_only,
			bool *ret_invalid)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	bool keep_nl = flags & LD_TEXT_KEEP_NL;
	char esc[16];

	while (len) {
		uint32_t cp;
		size_t k;

		/* Printable ASCII, the common case. */
		if (*p >= 0x20 && *p < 0x7f) {
			p++;
			len--;
			continue;
		}
		k = ld_utf8_next(p, len, &cp);
		if (k && (utf8_only || !ld_text_unsafe_cp(cp) ||
			  (keep_nl && (cp == '\n' || cp == '\t')))) {
			p += k;
			len -= k;
			continue;
		}
		sb_put(b, run, (size_t)(p - run));
		if (!k) {
			snprintf(esc, sizeof(esc), "\\x%02x", p[0]);
			sb_put(b, esc, 4);
			if (ret_invalid)
				*ret_invalid = true;
			k = 1;
		} else if (cp < 0x20) {
			/* C0 as "\x1b"; DEL, C1 and the rest as "\u009b", which is also
			 * what they mean inside a JSON string. */
			sb_put(b, esc, (size_t)snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)cp));
		} else {
			sb_put(b, esc, (size_t)snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp));
		}
		p += k;
		len -= k;
		run = p;
	}
	sb_put(b, run, (size_t)(p - run));
}

char *ld_text_escape(const char *s, size_t len, unsigned flags, bool *ret_invalid)
{
	struct sbuf b = {0};

	escape_into(&b, s, len, flags, false, ret_invalid);
	return sb_done(&b);
}

char *ld_text_utf8(const char *s, size_t len, bool *ret_invalid)
{
	struct sbuf b = {0};

	escape_into(&b, s, len, 0, true, ret_invalid);
	return sb_done(&b);
}

void ld_text_quote(const char *s, size_t max_chars, char *buf, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), cut = 0, chars = 0;
	char *esc;

	if (!n)
		return;
	while (cut < len && chars < max_chars) {
		uint32_t cp;
		size_t k = ld_utf8_next(p + cut, len - cut, &cp);

		cut += k ? k : 1;
		chars++;
	}
	esc = ld_text_escape(s, cut, 0, NULL);
	if (!esc) {
		snprintf(buf, n, "(%zu bytes)", len);
		return;
	}
	if (cut < len)
		snprintf(buf, n, "%s... (%zu bytes)", esc, len);
	else
		snprintf(buf, n, "%s", esc);
	free(esc);
}

const char *ld_text_check(const char *value, size_t len, size_t max_bytes, bool multiline)
{
	const unsigned char *p = (const unsigned char *)value;

	if (!ld_utf8_valid(value, len))
		return N_("is not valid UTF-8 text (convert it, e.g. from GB 18030 with iconv -f "
			  "GB18030 -t UTF-8)");
	if (len > max_bytes)
		return N_("is too long");
	while (len) {
		uint32_t cp;
		size_t k = ld_utf8_next(p, len, &cp);

		if (ld_text_unsafe_cp(cp) && !(multiline && (cp == '\n' || cp == '\t')))
			return multiline ? N_("holds a control character (only newlines and tabs "
					      "may appear)")
					 : N_("holds a control character or a line break (one line "
					      "is expected)");
		p += k;
		len -= k;
	}
	return NULL;
}

unsigned ld_text_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[129];

	if (la > 128 || lb > 128)
		return 255;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb] > 255 ? 255 : row[lb];
}

size_t ld_text_closest(const char *want, const char *const *names, size_t n, const char **out,
		       size_t max)
{
	unsigned score[16];
	size_t k = 0;

	if (max > 16)
		max = 16;
	for (size_t i = 0; i < n; i++) {
		unsigned d = ld_text_distance(want, names[i]);
		size_t pos;

		if (want[0] && strstr(names[i], want))
			d = 0;
		else if (d > (strlen(names[i]) + 1) / 2)
			continue;
		for (pos = k; pos > 0 && score[pos - 1] > d; pos--)
			;
		if (pos >= max)
			continue;
		for (size_t j = (k < max ? k : max - 1); j > pos; j--) {
			score[j] = score[j - 1];
			out[j] = out[j - 1];
		}
		score[pos] = d;
		out[pos] = names[i];
		if (k < max)
			k++;
	}
	return k;
}

void ld_utf8_trim(char *s)
{
	size_t n = strlen(s), i = n, need;

	/* Walk back over continuation bytes to the last lead byte. */
	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return;
	need = ((unsigned char)s[i - 1] & 0x80) == 0	  ? 1
	       : ((unsigned char)s[i - 1] & 0xe0) == 0xc0 ? 2
	       : ((unsigned char)s[i - 1] & 0xf0) == 0xe0 ? 3
	       : ((unsigned char)s[i - 1] & 0xf8) == 0xf0 ? 4
							  : 1;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

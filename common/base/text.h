/* common/base/text.h: text that other units signed, checked and rendered safely.
 *
 * Signed text (titles, facts, names, reasons) comes from other units and
 * may be anything: invalid UTF-8, terminal escape sequences, carriage
 * returns that overwrite a line, bidirectional overrides that reorder it.
 * Before signing, text is checked (ld_utf8_valid, ld_text_check); before
 * showing, it is rendered so that it can never control a terminal
 * (ld_text_escape) and so that JSON stays valid UTF-8 (ld_text_utf8).
 *
 * Escapes are those of journalctl and C: "\x1b" for a control byte or a byte
 * that is not UTF-8, "\u202e" for an invisible formatting code point.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Is s[0..len) valid UTF-8 (shortest forms, no surrogates, at most
 * U+10FFFF)? */
bool ld_utf8_valid(const char *s, size_t len);

/* Length (1-4) of the valid UTF-8 sequence at s[0..len) and its code point
 * in *cp; 0 if s starts with an invalid byte (or len is 0). */
size_t ld_utf8_next(const unsigned char *s, size_t len, uint32_t *cp);

/* Number of code points in the valid UTF-8 string s (invalid bytes count
 * one each). */
size_t ld_utf8_chars(const char *s);

/* Is code point 'cp' one a terminal acts on or hides: C0 and C1 controls,
 * DEL, bidirectional overrides and isolates, line and paragraph
 * separators? (Tab and newline are controls too; callers decide.) */
bool ld_text_unsafe_cp(uint32_t cp);

/* Columns code point 'cp' takes on a terminal: 0 (combining marks and
 * other zero-width code points), 1, or 2 (East Asian wide and fullwidth:
 * CJK ideographs and punctuation, kana, hangul, fullwidth forms, most
 * emoji). A code point ld_text_escape() escapes counts as its escape
 * ("\x1b": 4, "\u202e": 6). The same whatever the process's locale:
 * wcwidth() under the C library's C.UTF-8 locale (or, where it has none, the
 * East Asian wide ranges). */
int ld_cp_width(uint32_t cp);

/* Columns s[0..len) takes on a terminal once rendered by ld_text_escape()
 * with flags 0: each byte that is not UTF-8 four ("\xNN"), tab and newline
 * as their escapes, every other code point ld_cp_width(). */
size_t ld_text_width(const char *s, size_t len);

/* The longest start of s[0..len) that takes at most 'cols' columns (as
 * ld_text_width counts them), ending on a whole code point, never inside a
 * UTF-8 sequence (zero-width marks stay with their character): its length
 * in bytes. Its width into *ret_width (may be NULL). */
size_t ld_text_cut(const char *s, size_t len, size_t cols, size_t *ret_width);

/* Flags of ld_text_escape. */
enum {
	LD_TEXT_KEEP_NL = 1, /* pass newline and tab through (multi-line fields) */
};

/* Render s[0..len) for a terminal: unsafe code points and bytes that are
 * not UTF-8 escaped, everything else kept. Returns a new string (caller
 * frees) or NULL if out of memory. *ret_invalid (may be NULL) is set true if
 * a byte was not UTF-8. */
char *ld_text_escape(const char *s, size_t len, unsigned flags, bool *ret_invalid);

/* s[0..len) as valid UTF-8: bytes that are not UTF-8 become the text
 * "\xNN"; the rest is kept as is (JSON escapes its own controls). Returns a
 * new string (caller frees) or NULL. *ret_invalid as above. */
char *ld_text_utf8(const char *s, size_t len, bool *ret_invalid);

/* A value quoted for an error message: at most 'max_chars' code points of
 * it, escaped as ld_text_escape does (newlines too), and "... (N bytes)"
 * when cut. Always terminated; 'n' is the size of 'buf'. */
void ld_text_quote(const char *s, size_t max_chars, char *buf, size_t n);

/* Why text field 'value' may not be signed, or NULL if it may: not UTF-8,
 * longer than 'max_bytes', or holding a control character (newline and tab
 * allowed only if 'multiline'). Static string. */
const char *ld_text_check(const char *value, size_t len, size_t max_bytes, bool multiline);

/* Edit distance (insertions, deletions, substitutions of bytes) between a
 * and b, saturating at 255; strings longer than 128 bytes compare as far. */
unsigned ld_text_distance(const char *a, const char *b);

/* Up to 'max' of the n 'names' closest to 'want' (by ld_text_distance, and
 * names that start with or contain it first), best first, into out (borrowed
 * pointers). Returns how many. Names farther than half their length are
 * left out unless they contain 'want'. */
size_t ld_text_closest(const char *want, const char *const *names, size_t n, const char **out,
		       size_t max);

/* Cut a string truncated by snprintf back to a whole UTF-8 character (titles
 * and summaries are mostly Chinese). */
void ld_utf8_trim(char *s);

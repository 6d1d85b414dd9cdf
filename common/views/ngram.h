/* common/views/ngram.h: text normalisation and character n-grams for the case
 * search index (search.h).
 *
 * Titles and party names are mostly Chinese, written without spaces between
 * words, so they are indexed by characters, not by words:
 *   - a run of non-ASCII characters (Chinese, or any other script) gives
 *     every character (unigram) and every pair of neighbours (bigram);
 *   - a run of ASCII letters and digits is one word, lowercased;
 *   - everything else separates: ASCII spaces and punctuation, control
 *     characters, the CJK, fullwidth and general punctuation blocks, and
 *     every byte that is not part of a well-formed UTF-8 character (the text
 *     comes from other units' payloads and is not trusted).
 * Fullwidth letters and digits (Ａ, ９) are folded to ASCII first, so a
 * title typed with a Chinese input method matches an ASCII query.
 *
 * Normalised text keeps exactly what is indexed: ASCII alphanumerics in
 * lower case, other characters as UTF-8, and one space wherever separators
 * were. Queries are normalised the same way. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Words longer than this are indexed by their first LD_NGRAM_WORD_MAX
 * bytes (a match is then confirmed on the text). */
#define LD_NGRAM_WORD_MAX 32

/* Normalise 'len' bytes of 'in' into 'out' ('cap' bytes, at least 1; always
 * NUL-terminated): no separator at either end, one space between parts. A
 * character that would not fit ends the text there. Returns the length. */
size_t ld_ngram_normalize(const char *in, size_t len, char *out, size_t cap);

/* A copy of 'len' bytes of 'in' fit to show a person, into 'out' ('cap'
 * bytes, at least 1; always NUL-terminated): well-formed UTF-8 kept, each
 * byte that is not (from an untrusted payload) replaced by U+FFFD, control
 * characters by spaces. A character that would not fit ends it. Returns
 * the length. */
size_t ld_ngram_clean(const char *in, size_t len, char *out, size_t cap);

/* Call cb with every token normalised text 'norm' is indexed under: each
 * character and each pair of neighbouring characters of every run, and each
 * word (cut to LD_NGRAM_WORD_MAX bytes), in text order, repeats included.
 * Stops and returns cb's value when it is non-zero; else 0. */
int ld_ngram_index(const char *norm, size_t len, int (*cb)(void *ud, const char *tok, size_t n),
		   void *ud);

/* Call cb with the tokens a match of normalised query 'q' needs: for a run
 * of one character, that character; of two or more, each pair of
 * neighbours; for a word, the word (cut as above). *ret_exact (may be NULL)
 * says whether holding every token proves the match; it does not for a run
 * of three or more characters (the pairs need not be adjacent) or a word
 * longer than LD_NGRAM_WORD_MAX: then check with ld_ngram_match(). Stops
 * and returns cb's value when it is non-zero; else 0. */
int ld_ngram_query(const char *q, size_t len, int (*cb)(void *ud, const char *tok, size_t n),
		   void *ud, bool *ret_exact);

/* Does normalised text 'hay' hold normalised query 'q': every run of q as a
 * contiguous part of a run of hay, every word of q as a whole word? Parts
 * of hay separated by any byte below 0x80 other than letters and digits
 * (a space, a newline between names) are separate places to find them. */
bool ld_ngram_match(const char *hay, size_t hay_len, const char *q, size_t q_len);

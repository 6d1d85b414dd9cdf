/* tests/unit/test_ngram.c: the search index's tokenizer: Chinese runs by
 * characters and pairs, ASCII words in either case, mixed text, fullwidth
 * forms, and bytes that are not UTF-8 (separators, never part of a token). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/views/ngram.h"

struct toks {
	char s[1024]; /* tokens joined by '|' */
	int n;
};

static int collect(void *ud, const char *tok, size_t n)
{
	struct toks *t = ud;
	size_t len = strlen(t->s);

	snprintf(t->s + len, sizeof(t->s) - len, "%s%.*s", t->n++ ? "|" : "", (int)n, tok);
	return 0;
}

static const char *norm(const char *in, char *out, size_t cap)
{
	ld_ngram_normalize(in, strlen(in), out, cap);
	return out;
}

static void index_of(const char *text, struct toks *t)
{
	char n[512];

	memset(t, 0, sizeof(*t));
	norm(text, n, sizeof(n));
	assert_int_equal(ld_ngram_index(n, strlen(n), collect, t), 0);
}

static bool query_of(const char *text, struct toks *t)
{
	char n[512];
	bool exact = false;

	memset(t, 0, sizeof(*t));
	norm(text, n, sizeof(n));
	assert_int_equal(ld_ngram_query(n, strlen(n), collect, t, &exact), 0);
	return exact;
}

static bool match(const char *hay, const char *q)
{
	char h[512], n[512];

	norm(hay, h, sizeof(h));
	norm(q, n, sizeof(n));
	return ld_ngram_match(h, strlen(h), n, strlen(n));
}

static void test_normalize(void **state)
{
	char out[256];

	/* Chinese kept, ASCII lowered, no separator inside a run. */
	assert_string_equal(norm("某某化工有限公司向XX河偷排含镍废水", out, sizeof(out)),
			    "某某化工有限公司向xx河偷排含镍废水");
	/* Chinese and ASCII punctuation, spaces: one space each, none at the ends. */
	assert_string_equal(norm("  化工，有限公司。 (Grand  Canal)! ", out, sizeof(out)),
			    "化工 有限公司 grand canal");
	assert_string_equal(norm("【通报】“嘉兴”、《水法》", out, sizeof(out)), "通报 嘉兴 水法");
	/* Fullwidth letters and digits fold to ASCII; 〇 is a character. */
	assert_string_equal(norm("ＸＸ河９号　二〇二五", out, sizeof(out)), "xx河9号 二〇二五");
	/* Nothing to index. */
	assert_int_equal(ld_ngram_normalize("，。! ?", 9, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* A character that does not fit is left out whole. */
	assert_int_equal(ld_ngram_normalize("化工厂", 9, out, 8), 6);
	assert_string_equal(out, "化工");
}

static void test_invalid_utf8(void **state)
{
	/* A stray byte, a cut sequence, an overlong '/', a surrogate, a code
	 * point past U+10FFFF: each a separator; what is around them stays. */
	const char in[] = "化\xff工\xe5\x8c"
			  "厂\xc0\xaf"
			  "水\xed\xa0\x80"
			  "河\xf4\x90\x80\x80"
			  "ab\x80"
			  "cd";
	char out[256];
	struct toks t;

	assert_string_equal(norm(in, out, sizeof(out)), "化 工 厂 水 河 ab cd");
	index_of(in, &t);
	assert_string_equal(t.s, "化|工|厂|水|河|ab|cd");
	/* Only bad bytes: nothing. */
	assert_int_equal(ld_ngram_normalize("\xff\xfe\xc3", 3, out, sizeof(out)), 0);
	/* Every token of random bytes is well-formed UTF-8 or an ASCII word. */
	srand(7);
	for (int round = 0; round < 200; round++) {
		char junk[64], n[256];

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (char)(rand() & 0xff);
		ld_ngram_normalize(junk, sizeof(junk), n, sizeof(n));
		for (const unsigned char *p = (const unsigned char *)n; *p; p++)
			assert_true(*p >= 0x80 || *p == ' ' || (*p >= '0' && *p <= '9') ||
				    (*p >= 'a' && *p <= 'z'));
		memset(&t, 0, sizeof(t));
		assert_int_equal(ld_ngram_index(n, strlen(n), collect, &t), 0);
	}
}

static void test_clean(void **state)
{
	/* Bad bytes become U+FFFD, control characters spaces; no cut character. */
	const char *in = "化\xff工\n\x1b[31m";
	char out[64];

	assert_int_equal(ld_ngram_clean(in, strlen(in), out, sizeof(out)), 15);
	assert_string_equal(out, "化\xef\xbf\xbd工  [31m");
	assert_int_equal(ld_ngram_clean("化工厂", 9, out, 7), 6);
	assert_string_equal(out, "化工");
}

static void test_index_tokens(void **state)
{
	struct toks t;

	/* Every character and every pair of neighbours. */
	index_of("化工厂", &t);
	assert_string_equal(t.s, "化|工|化工|厂|工厂");
	/* ASCII words lowered; a word next to Chinese is its own part. */
	index_of("Grand Canal XX河", &t);
	assert_string_equal(t.s, "grand|canal|xx|河");
	index_of("3号排污口", &t);
	assert_string_equal(t.s, "3|号|排|号排|污|排污|口|污口");
	/* A very long word is indexed by its first LD_NGRAM_WORD_MAX bytes. */
	index_of("abcdefghijklmnopqrstuvwxyz0123456789", &t);
	assert_string_equal(t.s, "abcdefghijklmnopqrstuvwxyz012345");
}

static void test_query_tokens(void **state)
{
	struct toks t;

	assert_true(query_of("镍", &t)); /* one character: itself */
	assert_string_equal(t.s, "镍");
	assert_true(query_of("废水", &t)); /* two: the pair, exact */
	assert_string_equal(t.s, "废水");
	assert_false(query_of("含镍废水", &t)); /* more: every pair, to be checked */
	assert_string_equal(t.s, "含镍|镍废|废水");
	assert_true(query_of("NICKEL 废水", &t));
	assert_string_equal(t.s, "nickel|废水");
	assert_false(query_of("abcdefghijklmnopqrstuvwxyz0123456789", &t));
	assert_true(query_of("XX河", &t));
	assert_string_equal(t.s, "xx|河");
}

static void test_match(void **state)
{
	const char *title = "某某化工有限公司向XX河偷排含镍废水";

	assert_true(match(title, "化工"));
	assert_true(match(title, "含镍废水"));
	assert_true(match(title, "xx河"));
	assert_true(match(title, "废水 化工")); /* every part, anywhere */
	assert_true(match(title, "镍"));
	/* Every pair present, but not next to each other. */
	assert_false(match("化工 工厂", "化工厂"));
	assert_false(match(title, "化工厂"));
	/* Words are whole words, in either case. */
	assert_true(match("Nickel plating waste", "NICKEL"));
	assert_false(match("Nickels plating", "nickel"));
	assert_false(match("xx河", "x"));
	/* A run does not cross a name boundary. */
	assert_true(match("甲化工\n乙公司", "化工"));
	assert_false(match("甲化工\n公司乙", "工公"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),    cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_clean),	     cmocka_unit_test(test_index_tokens),
		cmocka_unit_test(test_query_tokens), cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

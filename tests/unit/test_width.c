/* tests/unit/test_width.c: display width of text on a terminal and the
 * columns the tool pads with it: CJK characters take two columns, combining
 * marks none, what the output guard escapes the width of its escape; text
 * is cut on a whole character (never inside a UTF-8 sequence) and the
 * result is the same whatever the process's locale. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client/i18n.h"
#include "common/base/text.h"

static size_t width(const char *s)
{
	return ld_text_width(s, strlen(s));
}

static void test_cp_width(void **state)
{
	static const struct {
		uint32_t cp;
		int w;
	} cases[] = {
		{'a', 1},
		{' ', 1},
		{0x00e9, 1} /* é */,
		{0x4e2d, 2} /* 中 */,
		{0x3001, 2} /* 、 */,
		{0xff0c, 2} /* ， */,
		{0x3000, 2} /* ideographic space */,
		{0xac00, 2} /* 가 */,
		{0x20000, 2} /* 𠀀 */,
		{0x1f600, 2} /* emoji */,
		{0x0301, 0} /* combining acute */,
		{0x200b, 0} /* zero width space */,
		{0x1b, 4} /* "\x1b" */,
		{'\n', 4},
		{0x7f, 6} /* "\u007f" */,
		{0x202e, 6} /* "\u202e" */,
		{0x009b, 6},
	};

	/* The same under any locale: C, then a UTF-8 one. */
	for (int pass = 0; pass < 2; pass++) {
		setlocale(LC_ALL, pass ? "C.UTF-8" : "C");
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			if (ld_cp_width(cases[i].cp) != cases[i].w)
				fail_msg("U+%04x: width %d, expected %d", (unsigned)cases[i].cp,
					 ld_cp_width(cases[i].cp), cases[i].w);
		}
	}
	setlocale(LC_ALL, "C");
}

static void test_text_width(void **state)
{
	assert_int_equal(width(""), 0);
	assert_int_equal(width("abc"), 3);
	assert_int_equal(width("中文"), 4);
	assert_int_equal(width("长江 Yangtze"), 12);
	assert_int_equal(width("e\xcc\x81"), 1); /* e + combining acute */
	assert_int_equal(width("a\xff"), 5);	 /* "\xff" */
	assert_int_equal(width("\xe4\xb8"), 8);	 /* a cut sequence: two bytes */
	assert_int_equal(width("a\tb"), 6);	 /* "\x09" */
	assert_int_equal(width("\xe2\x80\xae"
			       "x"),
			 7);			       /* "\u202e" */
	assert_int_equal(ld_text_width("中文", 3), 2); /* a length, not a string */
}

static void test_cut(void **state)
{
	const char *mixed = "A长江e\xcc\x81 \xff水";
	size_t w, n;

	/* Whole characters only: a wide one that does not fit is left out. */
	assert_int_equal(ld_text_cut("中文字", 9, 3, &w), 3);
	assert_int_equal(w, 2);
	assert_int_equal(ld_text_cut("中文字", 9, 4, &w), 6);
	assert_int_equal(w, 4);
	assert_int_equal(ld_text_cut("中文字", 9, 1, &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(ld_text_cut("A中", 4, 2, &w), 1);
	assert_int_equal(w, 1);
	/* A combining mark stays with its letter. */
	assert_int_equal(ld_text_cut("e\xcc\x81x", 4, 1, &w), 3);
	assert_int_equal(w, 1);
	/* A byte that is not UTF-8 is one unit of four columns. */
	assert_int_equal(ld_text_cut("\xe4\xb8", 2, 5, &w), 1);
	assert_int_equal(w, 4);
	/* At every width: a valid start of the text that fits, and the longest
	 * such (the next character would not fit). */
	n = strlen(mixed);
	for (size_t cols = 0; cols <= width(mixed) + 1; cols++) {
		size_t k = ld_text_cut(mixed, n, cols, &w);

		assert_true(w <= cols);
		assert_int_equal(w, ld_text_width(mixed, k));
		if (k < n) {
			size_t next = ld_text_cut(mixed + k, n - k, (size_t)-1, NULL);
			uint32_t cp;
			size_t step = ld_utf8_next((const unsigned char *)mixed + k, n - k, &cp);

			assert_true(next > 0);
			assert_true(w + ld_text_width(mixed + k, step ? step : 1) > cols);
			/* Not inside a sequence: the byte at the cut starts one. */
			assert_true(((unsigned char)mixed[k] & 0xc0) != 0x80);
		} else {
			assert_int_equal(w, width(mixed));
		}
	}
	assert_int_equal(ld_text_cut(mixed, n, (size_t)-1, NULL), n);
	assert_int_equal(ld_text_cut(NULL, 0, 5, &w), 0);
	assert_int_equal(w, 0);
}

static void test_columns(void **state)
{
	/* Padded to exactly the columns asked, cut with ".." when wider. */
	assert_string_equal(cli_col("中文", 6), "中文  ");
	assert_string_equal(cli_col("中文标题", 6), "中文..");
	assert_string_equal(cli_col("中文标题", 5), "中.. ");
	assert_string_equal(cli_col("abcdef", 4), "ab..");
	assert_string_equal(cli_col("abc", 1), "a");
	assert_string_equal(cli_col("中", 1), " ");
	assert_string_equal(cli_col(NULL, 2), "  ");
	assert_string_equal(cli_col("Night discharge into the canal", 30),
			    "Night discharge into the canal");
	for (size_t cols = 0; cols < 12; cols++) {
		const char *c = cli_col("A长江入河e\xcc\x81\xff", cols);

		assert_int_equal(width(c), cols);
		assert_true(ld_utf8_valid(c, strlen(c)) || strchr(c, '\xff'));
	}
	/* Padded, never cut; right-aligned. */
	assert_string_equal(cli_pad("中文中文", 4), "中文中文");
	assert_string_equal(cli_pad("区划", 6), "区划  ");
	assert_string_equal(cli_rpad("移出", 6), "  移出");
	assert_string_equal(cli_rpad("12", 5), "   12");
	assert_string_equal(cli_rpad("toolong", 3), "toolong");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cp_width),
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

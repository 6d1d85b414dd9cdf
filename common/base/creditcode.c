/* common/base/creditcode.c: see creditcode.h. */
#include <stdio.h>
#include <string.h>

#include "common/base/creditcode.h"

/* The code's alphabet, a character's value its position (GB 32100-2015,
 * table 1): no I, O, S, V, Z. */
static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int value_of(char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

char ld_credit_code_check_char(const char *code17)
{
	int sum = 0, w = 1;

	for (size_t i = 0; i < LD_CREDIT_CODE_LEN - 1; i++) {
		int v = value_of(code17[i]);

		if (v < 0)
			return '\0';
		sum += v * w;
		w = w * 3 % 31;
	}
	return alphabet[(31 - sum % 31) % 31];
}

bool ld_credit_code_valid(const char *code, char *why, size_t n)
{
	char want;
	size_t i;

	if (!why)
		n = 0;
	if (!code || strlen(code) != LD_CREDIT_CODE_LEN) {
		if (n)
			snprintf(why, n, "must be 18 characters");
		return false;
	}
	for (i = 0; i < LD_CREDIT_CODE_LEN; i++)
		if (value_of(code[i]) < 0) {
			if (n)
				snprintf(
					why, n,
					"has a character outside the code's 31 (digits and capital "
					"letters but I, O, S, V, Z) at position %zu",
					i + 1);
			return false;
		}
	for (i = 2; i < 8; i++)
		if (code[i] < '0' || code[i] > '9') {
			if (n)
				snprintf(
					why, n,
					"characters 3-8 must be the registering region's 6 digits");
			return false;
		}
	want = ld_credit_code_check_char(code);
	if (code[LD_CREDIT_CODE_LEN - 1] != want) {
		if (n)
			snprintf(why, n,
				 "check character is %c, the first 17 characters want %c "
				 "(GB 32100-2015)",
				 code[LD_CREDIT_CODE_LEN - 1], want);
		return false;
	}
	return true;
}

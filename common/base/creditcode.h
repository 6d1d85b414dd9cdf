/* common/base/creditcode.h: the unified social credit code (统一社会信用代码)
 * of GB 32100-2015.
 *
 * 18 characters from the 31 of the standard (digits and the capital letters
 * but I, O, S, V and Z): registration authority (1), kind of organisation
 * (1), the registering region's GB/T 2260 code (6 digits), the organisation
 * code (9), and a check character: the weighted sum of the first 17 (weight
 * of position i, from 0: 3^i mod 31) plus the check's value is a multiple
 * of 31. The register (pollution sources) keys on it and accepts only a
 * code that passes; case referrals and searches take any 18 such letters.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define LD_CREDIT_CODE_LEN 18

/* Is 'code' (NUL-terminated) a unified social credit code: its form and
 * its check character? NULL is not. On false, what is wrong ("must be 18
 * characters", "has a character outside the code's 31", "characters 3-8 must
 * be the region's 6 digits", "check character is X, the code wants Y") into
 * why (size n; may be NULL). */
bool ld_credit_code_valid(const char *code, char *why, size_t n);

/* The check character that the 17 characters 'code17' want, or '\0' if one
 * of them is outside the code's alphabet. */
char ld_credit_code_check_char(const char *code17);

/* tests/unit/test_text.c: untrusted text, dates and payload rendering:
 * UTF-8 checks, escaping for terminals and JSON, the field limits checked
 * before signing, strict calendar dates in a time zone, curve key validity,
 * and every payload kind rendered as typed JSON from its descriptor. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "action.pb-c.h"
#include "case.pb-c.h"
#include "common/base/creditcode.h"
#include "common/crypto/curve.h"
#include "common/domain/source.h"
#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "common/feed/pbjson.h"
#include "common/base/text.h"
#include "common/base/timeutil.h"

static void test_utf8(void **state)
{
	static const char *const good[] = {
		"", "abc", "长江 Yangtze", "\xf0\x9f\x8c\x8a", "\xc2\xa9", "\xef\xbf\xbd"};
	static const char *const bad[] = {"\xff",
					  "\xc0\xaf" /* overlong '/' */,
					  "\xe4\xb8",
					  "\xed\xa0\x80" /* surrogate */,
					  "\xf4\x90\x80\x80",
					  "ok\x80"};
	uint32_t cp;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(ld_utf8_valid(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ld_utf8_valid(bad[i], strlen(bad[i])));
	assert_int_equal(ld_utf8_next((const unsigned char *)"水", 3, &cp), 3);
	assert_int_equal(cp, 0x6c34);
	assert_int_equal(ld_utf8_chars("水a\xff"), 3);
}

static void test_escape(void **state)
{
	const char *evil = "\x1b[2J\r\b red\xff \xe2\x80\xae rtl \xc2\x9b csi\n水";
	bool invalid = false;
	char *t = ld_text_escape(evil, strlen(evil), 0, &invalid), q[128];

	assert_non_null(t);
	assert_true(invalid);
	assert_string_equal(t, "\\x1b[2J\\x0d\\x08 red\\xff \\u202e rtl \\u009b csi\\x0a水");
	free(t);
	t = ld_text_escape("a\nb\tc\r", 6, LD_TEXT_KEEP_NL, NULL);
	assert_string_equal(t, "a\nb\tc\\x0d");
	free(t);
	/* JSON mode: only bytes that are not UTF-8 are rewritten. */
	invalid = false;
	t = ld_text_utf8("ok\x1b\xfe", 4, &invalid);
	assert_string_equal(t, "ok\x1b\\xfe");
	assert_true(invalid);
	free(t);
	/* Quoting for errors: a bounded number of characters. */
	ld_text_quote("长江长江长江长江长江长江", 4, q, sizeof(q));
	assert_string_equal(q, "长江长江... (36 bytes)");
	ld_text_quote("short", 40, q, sizeof(q));
	assert_string_equal(q, "short");
}

static void test_check(void **state)
{
	char big[600];

	assert_null(ld_text_check("水污染", 9, 512, false));
	assert_non_null(ld_text_check("a\nb", 3, 512, false));
	assert_null(ld_text_check("a\nb\tc", 5, 512, true));
	assert_non_null(ld_text_check("a\rb", 3, 512, true));
	assert_non_null(ld_text_check("\xff", 1, 512, true));
	memset(big, 'x', sizeof(big));
	assert_string_equal(ld_text_check(big, sizeof(big), 512, false), "is too long");
	/* Every field has a limit: known ones their own, ids a short one. */
	assert_int_equal(ld_field_limit("title").max_bytes, 512);
	assert_true(ld_field_limit("facts").multiline);
	assert_false(ld_field_limit("addressee").multiline);
	assert_int_equal(ld_field_limit("addressee").max_bytes, 130);
}

static void test_closest(void **state)
{
	const char *names[] = {"county-a", "county-b", "police", "province", "court"};
	const char *out[3];

	assert_int_equal(ld_text_distance("kitten", "sitting"), 3);
	assert_int_equal(ld_text_closest("polce", names, 5, out, 3), 2);
	assert_string_equal(out[0], "police");
	assert_int_equal(ld_text_closest("zzzzzzzz", names, 5, out, 3), 0);
	assert_true(ld_text_closest("county", names, 5, out, 3) >= 2);
}

static void test_time_parse(void **state)
{
	int64_t ms, now = 1800000000000LL;

	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	assert_int_equal(ld_time_parse("2027-01-10T09:00", false, now, &ms), 0);
	assert_int_equal(ms, 1799542800000LL); /* 01:00 UTC */
	assert_int_equal(ld_time_parse("2027-01-10 09:00:00 +08:00", false, now, &ms), 0);
	assert_int_equal(ms, 1799542800000LL);
	assert_int_equal(ld_time_parse("2027-01-10T01:00:00Z", false, now, &ms), 0);
	assert_int_equal(ms, 1799542800000LL);
	assert_int_equal(ld_time_parse("2027-01-09T20:00-0500", false, now, &ms), 0);
	assert_int_equal(ms, 1799542800000LL);
	assert_int_equal(ld_time_parse("2027-01-10", true, now, &ms), 0);
	assert_int_equal(ms, 1799596799000LL); /* 23:59:59 in Beijing */
	assert_int_equal(ld_time_parse("2028-02-29", false, now, &ms), 0);
	assert_int_equal(ld_time_parse("+30m", false, now, &ms), 0);
	assert_int_equal(ms, now + 1800000);
	assert_int_equal(ld_time_parse("2027-02-30", false, now, &ms), -ERANGE);
	assert_int_equal(ld_time_parse("2027-02-29", false, now, &ms), -ERANGE);
	assert_int_equal(ld_time_parse("2027-13-01", false, now, &ms), -ERANGE);
	assert_int_equal(ld_time_parse("2027-00-10", false, now, &ms), -ERANGE);
	assert_int_equal(ld_time_parse("2027-01-10T24:00", false, now, &ms), -ERANGE);
	assert_int_equal(ld_time_parse("2027-01-10T12:60", false, now, &ms), -ERANGE);
	assert_int_equal(ld_time_parse("2027-01-10T12:00:60", false, now, &ms), -ERANGE);
	assert_int_equal(ld_time_parse("+0d", false, now, &ms), -ERANGE);
	assert_int_equal(ld_time_parse("2027-1-10", false, now, &ms), -EINVAL);
	assert_int_equal(ld_time_parse("2027-01-10T9:00", false, now, &ms), -EINVAL);
	assert_int_equal(ld_time_parse("2027-01-10junk", false, now, &ms), -EINVAL);
	assert_int_equal(ld_time_parse("+5w", false, now, &ms), -EINVAL);
	assert_int_equal(ld_time_parse("", false, now, &ms), -EINVAL);
	/* A local time skipped by a clock change does not exist. */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	assert_int_equal(ld_time_parse("2027-03-28T02:30", false, now, &ms), -ERANGE);
	assert_int_equal(ld_time_parse("2027-03-28T03:30", false, now, &ms), 0);
}

static void test_time_format(void **state)
{
	char buf[48];

	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	ld_time_format(1799542800000LL, 0, buf, sizeof(buf));
	assert_string_equal(buf, "2027-01-10 09:00:00 +08:00");
	ld_time_format(1799542800000LL, LD_TIME_RFC3339, buf, sizeof(buf));
	assert_string_equal(buf, "2027-01-10T09:00:00+08:00");
	ld_time_format(1799542800000LL, LD_TIME_UTC, buf, sizeof(buf));
	assert_string_equal(buf, "2027-01-10 01:00:00Z");
	ld_time_format(1799542800000LL, LD_TIME_UTC | LD_TIME_RFC3339, buf, sizeof(buf));
	assert_string_equal(buf, "2027-01-10T01:00:00Z");
	ld_span_format(3 * 86400000LL + 4 * 3600000LL, buf, sizeof(buf));
	assert_string_equal(buf, "3 d 4 h");
	ld_span_format(125 * 60000LL, buf, sizeof(buf));
	assert_string_equal(buf, "2 h 5 min");
	ld_span_format(40000, buf, sizeof(buf));
	assert_string_equal(buf, "40 s");
	ld_span_format(-40000, buf, sizeof(buf));
	assert_string_equal(buf, "40 s");
}

static void test_curve_valid(void **state)
{
	uint8_t k[32] = {0};

	assert_false(ld_curve_pub_valid(k));
	k[0] = 1;
	assert_false(ld_curve_pub_valid(k));
	k[0] = 9; /* the base point */
	assert_true(ld_curve_pub_valid(k));
	memset(k, 0xff, 32);
	k[31] = 0x7f;
	k[0] = 0xec; /* p - 1 */
	assert_false(ld_curve_pub_valid(k));
	k[0] = 0xeb;
	assert_true(ld_curve_pub_valid(k));
	k[31] = 0xff; /* the top bit */
	assert_false(ld_curve_pub_valid(k));
}

/* The kinds table, enum names, and typed JSON of a payload. */
static void test_payload_json(void **state)
{
	Ld__CaseReferral m = LD__CASE_REFERRAL__INIT;
	Ld__Party party = LD__PARTY__INIT, *parties[] = {&party};
	Ld__EntryRef ev = LD__ENTRY_REF__INIT, *evp[] = {&ev};
	uint8_t buf[1024], id[32] = {0xab};
	char name[32];
	bool invalid = false;
	json_t *j;
	char *s;
	size_t n;

	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	assert_string_equal(ld_kind_info(2)->name, "referral");
	assert_ptr_equal(ld_kind_by_name("dispatch")->desc, &ld__action_dispatch__descriptor);
	assert_null(ld_kind_info(1000));
	ld_kinds(&n);
	assert_int_equal(n, 24);
	assert_true(ld_enum_short(&ld__referral_reason__descriptor, 2, name, sizeof(name)));
	assert_string_equal(name, "suspected-crime");
	assert_false(ld_enum_short(&ld__priority__descriptor, 77, name, sizeof(name)));
	assert_string_equal(name, "77");

	m.case_id = "county-a/1";
	m.title = "偷排 \xff";
	m.has_violation = m.has_reason = m.has_answer_by_ms = true;
	m.violation = 4;
	m.reason = 2;
	m.answer_by_ms = 1799542800000LL;
	party.name = "某化工厂";
	party.credit_code = "91330402MA2B3C4D5E";
	m.parties = parties;
	m.n_parties = 1;
	ev.feed = "county-a";
	ev.has_seq = ev.has_id = true;
	ev.seq = 3;
	ev.id.data = id;
	ev.id.len = 32;
	m.evidence = evp;
	m.n_evidence = 1;
	j = ld_payload_json(2, buf, ld__case_referral__pack(&m, buf), 0, &invalid);
	assert_non_null(j);
	assert_true(invalid);
	assert_string_equal(json_string_value(json_object_get(j, "violation")), "hazardous-waste");
	assert_string_equal(json_string_value(json_object_get(j, "reason")), "suspected-crime");
	assert_string_equal(json_string_value(json_object_get(j, "title")), "偷排 \\xff");
	assert_int_equal(json_integer_value(json_object_get(j, "answer_by_ms")), 1799542800000LL);
	assert_string_equal(json_string_value(json_object_get(j, "answer_by")),
			    "2027-01-10T09:00:00+08:00");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(json_object_get(j, "parties"), 0),
						  "credit_code")),
		"91330402MA2B3C4D5E");
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(j, "evidence"), 0), "seq")),
			 3);
	assert_int_equal(strlen(json_string_value(json_object_get(
				 json_array_get(json_object_get(j, "evidence"), 0), "id"))),
			 64);
	assert_null(json_object_get(j, "facts")); /* absent stays absent */
	s = json_dumps(j, 0);
	assert_non_null(s);
	free(s);
	json_decref(j);
	/* Bytes that do not decode: no rendering, and the check says so. */
	assert_null(ld_payload_json(2, "\xff\xff\xff", 3, 0, NULL));
	{
		char why[256];

		assert_int_equal(ld_payload_check(2, "\xff\xff\xff", 3, why, sizeof(why)),
				 LD_EMALFORMED);
		assert_int_equal(ld_payload_check(2, buf, ld__case_referral__pack(&m, buf), why,
						  sizeof(why)),
				 LD_EMALFORMED);
		assert_non_null(strstr(why, "title is not valid UTF-8"));
		party.name = "a\nb";
		m.title = "ok";
		assert_int_equal(ld_payload_check(2, buf, ld__case_referral__pack(&m, buf), why,
						  sizeof(why)),
				 LD_EMALFORMED);
		assert_non_null(strstr(why, "Party.name"));
		party.name = "ok";
		assert_int_equal(ld_payload_check(2, buf, ld__case_referral__pack(&m, buf), why,
						  sizeof(why)),
				 0);
		/* A kind this version does not know is not interpreted. */
		assert_int_equal(ld_payload_check(100, "\xff", 1, why, sizeof(why)), 0);
	}
}

/* GB 32100-2015: the form and the check character; GB/T 2260 nesting;
 * permit states. */
static void test_credit_code(void **state)
{
	char why[200];

	(void)state;
	/* Published codes of real organisations, and test codes. */
	assert_true(ld_credit_code_valid("91350100M000100Y43", why, sizeof(why)));
	assert_true(ld_credit_code_valid("91110000802100433B", NULL, 0));
	assert_true(ld_credit_code_valid("91330402MA2B3C4D53", NULL, 0));
	assert_int_equal(ld_credit_code_check_char("91330421MA2D0E1F2"), 'P');
	/* A wrong check character, named with the one wanted. */
	assert_false(ld_credit_code_valid("91350100M000100Y44", why, sizeof(why)));
	assert_non_null(strstr(why, "check character is 4"));
	assert_non_null(strstr(why, "want 3"));
	/* Length, alphabet (no I O S V Z, no lower case), region digits. */
	assert_false(ld_credit_code_valid("91350100M000100Y4", why, sizeof(why)));
	assert_non_null(strstr(why, "18 characters"));
	assert_false(ld_credit_code_valid("91350100M000100Y433", NULL, 0));
	assert_false(ld_credit_code_valid("91350100MI00100Y43", why, sizeof(why)));
	assert_non_null(strstr(why, "position 10"));
	assert_false(ld_credit_code_valid("91350100m000100Y43", NULL, 0));
	assert_false(ld_credit_code_valid("913501A0M000100Y43", why, sizeof(why)));
	assert_non_null(strstr(why, "region"));
	assert_false(ld_credit_code_valid(NULL, NULL, 0));
	assert_int_equal(ld_credit_code_check_char("9135010OM000100Y4"), '\0');
	/* Every single-character change of a valid code is caught. */
	for (size_t i = 0; i < 18; i++) {
		char c[19] = "91330402MA2B3C4D53";

		c[i] = c[i] == '8' ? '7' : '8';
		assert_false(ld_credit_code_valid(c, NULL, 0));
	}

	assert_true(ld_region_contains("330000", "330402"));
	assert_true(ld_region_contains("330400", "330402"));
	assert_true(ld_region_contains("330402", "330402"));
	assert_false(ld_region_contains("330402", "330421"));
	assert_false(ld_region_contains("330400", "330100"));
	assert_false(ld_region_contains("330000", "320102"));
	assert_false(ld_region_contains("330000", "3304"));

	assert_int_equal(ld_permit_state(0, 100LL * 86400000, 0), LD_PERMIT_VALID);
	assert_int_equal(ld_permit_state(0, 30LL * 86400000, 0), LD_PERMIT_EXPIRING);
	assert_int_equal(ld_permit_state(0, 1000, 1001), LD_PERMIT_EXPIRED);
	assert_int_equal(ld_permit_state(5000, 1LL << 50, 1000), LD_PERMIT_NOT_YET);
	assert_string_equal(ld_permit_state_name(LD_PERMIT_EXPIRING), "expiring");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credit_code),  cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_escape),	     cmocka_unit_test(test_check),
		cmocka_unit_test(test_closest),	     cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_time_format),  cmocka_unit_test(test_curve_valid),
		cmocka_unit_test(test_payload_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_terms.c: the tool's vocabulary in Chinese.
 *
 * Every word common/ and the daemon can hand to a text rendering (case and
 * participant states, action kinds, priorities, roles, case statuses,
 * assessment stages and outcomes, entry kind labels, the label of every
 * payload field and every value of every enum a payload carries) must be in
 * the tool's vocabulary (client/i18n.c) and translated by the build's
 * zh_CN catalogue ($LIANDONG_LOCALEDIR); so a new enum value or field fails
 * here until it is translated. Messages are checked by tests/check_po.sh. */
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
#include "common/domain/action.h"
#include "common/domain/casefile.h"
#include "common/domain/source.h"
#include "common/feed/kinds.h"

static int missing;

/* Is (ctx, word) in the vocabulary, and translated? */
static void want(const char *ctx, const char *word)
{
	const cli_word_t *v;
	size_t n;
	bool listed = false;
	const char *t;

	v = cli_vocab(&n);
	for (size_t i = 0; i < n && !listed; i++)
		listed = !strcmp(v[i].ctx, ctx) && !strcmp(v[i].word, word);
	t = cli_term(ctx, word);
	if (!listed || t == word || !strcmp(t, word)) {
		fprintf(stderr, "test_terms: \"%s\" (context \"%s\") is %s\n", word, ctx,
			listed ? "not translated in client/po/zh_CN.po"
			       : "not in the vocabulary of client/i18n.c");
		missing++;
	}
}

/* Labels and enum values of message 'd' and the messages it holds, as
 * cli_render shows them. */
static void want_message(const ProtobufCMessageDescriptor *d, int depth)
{
	assert_true(depth < 8);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const ProtobufCEnumDescriptor *e =
			f->type == PROTOBUF_C_TYPE_ENUM ? f->descriptor : ld_field_enum(d, f->name);
		size_t l = strlen(f->name);
		char label[96];

		snprintf(label, sizeof(label), "%.*s",
			 (int)(l > 3 && !strcmp(f->name + l - 3, "_ms") ? l - 3 : l), f->name);
		for (char *p = label; *p; p++)
			if (*p == '_')
				*p = ' ';
		want("field", label);
		for (unsigned j = 0; e && j < e->n_values; j++) {
			char name[64];

			assert_true(ld_enum_short(e, e->values[j].value, name, sizeof(name)));
			want(e->name, name);
		}
		/* Entry references are shown as FEED:SEQ, without labels. */
		if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
		    strcmp(((const ProtobufCMessageDescriptor *)f->descriptor)->name,
			   "ld.EntryRef"))
			want_message(f->descriptor, depth + 1);
	}
}

static void test_vocabulary(void **state)
{
	const ld_kind_info_t *k;
	size_t n;

	assert_non_null(getenv("LIANDONG_LOCALEDIR"));
	unsetenv("LC_ALL");
	unsetenv("LANGUAGE");
	setenv("LANG", "zh_CN.UTF-8", 1);
	cli_i18n_init();
	if (strcmp(setlocale(LC_MESSAGES, NULL), "zh_CN.UTF-8"))
		fail_msg("the zh_CN.UTF-8 locale is not generated: run deploy/install-deps.sh");

	for (int i = 0; i < LD_CASE_STATES; i++)
		want("case state", ld_case_state_name((enum ld_case_state)i));
	want("case state", ld_case_state_name((enum ld_case_state)99));
	for (int i = LD_PART_NONE; i <= LD_PART_COMPLETED; i++)
		want("participant state", ld_part_state_name((enum ld_part_state)i));
	want("participant state", ld_participant_state(&(ld_participant_t){.hidden = true}));
	for (uint32_t i = 1; i < 4; i++) {
		want("action kind", ld_action_kind_name(i));
		want("ld.Priority", ld_priority_name(i));
		want("ld.ParticipantRole", ld_role_name(i));
	}
	for (uint32_t i = 0; i < 11; i++)
		want("ld.CaseStatus", ld_case_status_name(i));
	for (uint32_t i = 0; i < 6; i++)
		want("ld.AssessmentStage", ld_stage_name(i));
	for (uint32_t i = 0; i < 5; i++)
		want("ld.AssessmentOutcome", ld_outcome_name(i));
	for (int i = LD_PERMIT_NONE; i <= LD_PERMIT_NOT_YET; i++)
		want("permit state", ld_permit_state_name((enum ld_permit_state)i));
	k = ld_kinds(&n);
	for (size_t i = 0; i < n; i++) {
		want("entry kind", k[i].label);
		if (k[i].desc)
			want_message(k[i].desc, 0);
	}
	want("entry kind", "entry of a kind unknown here");
	/* And a word from elsewhere is left as it is. */
	assert_string_equal(cli_term("case state", "county-a"), "county-a");
	assert_string_equal(cli_term("case state", ""), "");
	assert_null(cli_term("case state", NULL));
	if (missing)
		fail_msg("%d words of the vocabulary are missing or untranslated", missing);
	/* In context: the same English word, two Chinese ones. */
	assert_string_equal(cli_term("case state", "accepted"), "已接收");
	assert_string_equal(cli_term("participant state", "accepted"), "已接受");
	assert_string_equal(cli_term("case state", "awaiting answer"), "待答复");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocabulary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

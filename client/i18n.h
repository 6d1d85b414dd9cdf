/* client/i18n.h: the tool's words in the operator's language (gettext).
 *
 * What `liandong` says to people (view, show, status, search, the roster
 * list, errors) goes through gettext in the text domain "liandong"; the
 * catalogue client/po/zh_CN.po gives Chinese when the locale asks for it
 * (LANG, LC_ALL, LC_MESSAGES or LANGUAGE = zh_CN.UTF-8), English otherwise.
 * JSON output is never translated: its keys and values are for scripts.
 *
 * Marks, as xgettext reads them (client/po/meson.build):
 *   _("...")            a message, translated where it is used
 *   N_("...")           a message in a table, translated later with _()
 *   C_("ctx", "...")    a word whose sense needs a context ("accepted" of a
 *                       case is 已接收, of a joint action 已接受)
 *   NC_("ctx", "...")   the same in a table, translated with cli_term()
 *   cli_fail(code, "...")  the format is translated by cli_fail itself
 *
 * Columns of text tables are padded by display width (CJK characters take
 * two columns): cli_col(). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) s
#define C_(ctx, s) cli_pgettext(ctx, s)
#define NC_(ctx, s) s

/* setlocale(LC_ALL, "") (numbers kept in the C locale) and the catalogue:
 * $LIANDONG_LOCALEDIR if set (a build tree: build/client/po), else the
 * installed LOCALEDIR. Called once, first thing in main(). */
void cli_i18n_init(void);

/* gettext of 'msgid' in context 'ctx' ("ctx\004msgid" in the catalogue);
 * msgid itself if there is no translation. Static strings. */
const char *cli_pgettext(const char *ctx, const char *msgid);

/* A word of the domain's vocabulary as it came from the daemon or common/
 * (a case state, a participant's state, a priority, a role, an enum value
 * of a payload) translated in context 'ctx'; NULL and "" are returned as
 * they are, and so is a word with no translation. Borrowed. */
const char *cli_term(const char *ctx, const char *word);

/* 's' (a one-line field) fitted to exactly 'cols' display columns: padded
 * with spaces, or cut at a whole character and ended with ".." if wider.
 * For printf("%s") in place of "%-20s"; the same escapes as the output
 * guard counted (see ld_text_width). Valid for the next 15 calls. */
const char *cli_col(const char *s, size_t cols);

/* The same, padded but never cut: a column that must show all of 's'
 * (ids, codes). */
const char *cli_pad(const char *s, size_t cols);

/* Right-aligned in 'cols' display columns, never cut: the heading of a
 * column of figures (printf "%*s"). */
const char *cli_rpad(const char *s, size_t cols);

/* A word of the vocabulary and its context. */
typedef struct cli_word {
	const char *ctx, *word;
} cli_word_t;

/* Every word cli_term() is expected to be asked, in *ret_n entries
 * (static). */
const cli_word_t *cli_vocab(size_t *ret_n);

/* A span of time (as ld_span_format: "3 d 2 h") in the operator's
 * language into buf. */
void cli_span(int64_t ms, char *buf, size_t n);

/* tests/integration/test_i18n.c: `liandong` in Chinese, on real daemons.
 *
 * Under LANG=zh_CN.UTF-8, with the build's compiled catalogue
 * ($LIANDONG_LOCALEDIR), `view`, `show`, `status`, `cases`, `roster list` and
 * the errors speak Chinese with the terms of the seed documents; columns
 * stay aligned when a title or a word is Chinese (CJK characters take two
 * columns: the alignment is measured by tests/integration/columns.py with
 * Python's Unicode tables, not by the code under test); a title too wide for
 * its column is cut on a character, never inside one. JSON stays English.
 * Under LANG=C the same commands print the English text. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cluster.h"
#include "testutil.h"

#define ZH_CASE "county-a/zh-1"
#define ZH_TITLE "长江入河排污口夜间偷排含铬废水案（嘉兴段）" /* 40 columns: cut */
#define ODD_CASE "county-a/zh-2"
#define ODD_TITLE "A长江入河排污口夜间偷排含铬废水" /* cut after an odd width */
#define SHORT_CASE "county-a/zh-3"
#define SHORT_TITLE "太湖偷排案" /* 10 columns, 15 bytes: padded */
#define EN_CASE "county-a/en-1"
#define EN_TITLE "Night discharge into the canal" /* exactly 30 columns */
#define ACT "province/act-zh-1"

typedef cl_world_t world_t;

#define cli(w, node, ...) cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__)

/* The language of the tools the test runs from now on: LANG only (LC_ALL,
 * LC_MESSAGES and LANGUAGE would override it). */
static void speak(const char *lang)
{
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANGUAGE");
	setenv("LANG", lang, 1);
}

/* Are the columns of 'text' where the regexes say aligned? By columns.py. */
static bool aligned(world_t *w, const char *text, const char *const *regex, size_t n)
{
	char path[600], out[8192], err[4096];
	const char *argv[12] = {getenv("LD_PYTHON"), getenv("LD_COLUMNS"), path};
	FILE *f;
	int r;

	assert_non_null(argv[0]);
	assert_non_null(argv[1]);
	snprintf(path, sizeof(path), "%s/columns.txt", w->c->base);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	for (size_t i = 0; i < n && i < 8; i++)
		argv[3 + i] = regex[i];
	r = cl_run(argv, 30000, out, sizeof(out), err, sizeof(err));
	fprintf(stderr, "%s", out);
	return r == 0;
}

/* Run `liandong ARGS... --api NODE` and show its output in the test's log
 * (what the operator reads, to review); its exit code. */
#define shown(w, node, ...) show_out((w), cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__))

static int show_out(world_t *w, int r)
{
	fprintf(stderr, "---- (exit %d) ----\n%s", r, w->out);
	return r;
}

static bool view_has_cases(void *ud)
{
	world_t *w = ud;

	return cli(w, w->p, "view", "--json", NULL) == 0 &&
	       cl_out_has(w->out, "cases/*/case", ZH_CASE) &&
	       cl_out_has(w->out, "cases/*/case", ODD_CASE) &&
	       cl_out_has(w->out, "cases/*/case", SHORT_CASE) &&
	       cl_out_has(w->out, "cases/*/case", EN_CASE) &&
	       cl_out_has(w->out, "actions/*/action", ACT);
}

static void refer(world_t *w, const char *id, const char *title)
{
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", id, "--title", title,
			     "--violation", "water", "--facts", "六价铬 3.2 mg/L，超标 15 倍",
			     "--answer-by", "+14d", NULL),
			 0);
}

static void test_chinese_output(void **state)
{
	world_t *w = *state;
	static const char *const table[] = {
		"^  " ZH_CASE " .*长江入河.*?( county-a -> county-b)",
		"^  " ODD_CASE " .*A长江入河.*?( county-a -> county-b)",
		"^  " SHORT_CASE " .*太湖偷排案.*?( county-a -> county-b)",
		"^  " EN_CASE " .*Night discharge.*?( county-a -> county-b)",
	};
	static const char *const titles[] = {
		"^  " ZH_CASE " .*?(长江入河)",
		"^  " EN_CASE " .*?(Night discharge)",
	};
	static const char *const roster[] = {
		"^province +指挥中心 +(330100)",
		"^county-a +生态环境局 +(330100)",
	};
	static const char *const found[] = {
		"^" ZH_CASE " .*?(长江入河)",
		"^" EN_CASE " .*?(Night discharge)",
	};
	char err[4096];

	assert_non_null(getenv("LIANDONG_LOCALEDIR"));
	if (!setlocale(LC_ALL, "zh_CN.UTF-8"))
		fail_msg("the zh_CN.UTF-8 locale is not generated: run deploy/install-deps.sh");
	setlocale(LC_ALL, "C");

	/* Four referrals from county A to county B (Chinese titles too wide,
	 * cut after an odd width and narrow enough, and an English one) and an urgent joint action
	 * nobody acknowledged. */
	speak("C");
	refer(w, ZH_CASE, ZH_TITLE);
	refer(w, ODD_CASE, ODD_TITLE);
	refer(w, SHORT_CASE, SHORT_TITLE);
	refer(w, EN_CASE, EN_TITLE);
	assert_int_equal(cli(w, w->p, "dispatch", "--action", ACT, "--kind", "joint-inspection",
			     "--priority", "urgent", "--title", "太湖蓝藻水华联合监测",
			     "--participant", "county-a:lead", "--participant", "county-b:support",
			     "--instructions", "按点位采样", "--ack-by", "+1d", NULL),
			 0);
	assert_true(cl_until(view_has_cases, w, 20000));

	/* ---- Chinese ---- */
	speak("zh_CN.UTF-8");
	assert_int_equal(shown(w, w->p, "view", NULL), 0);
	assert_non_null(strstr(w->out, "联动指挥视图"));
	assert_non_null(strstr(w->out, "== 尚未全部确认收到的特急、紧急联合行动"));
	assert_non_null(strstr(w->out, "== 待答复的案件移送"));
	assert_non_null(strstr(w->out, "== 进行中的联合执法行动"));
	assert_non_null(strstr(w->out, "紧急"));
	assert_non_null(strstr(w->out, "联合检查: 太湖蓝藻水华联合监测"));
	assert_non_null(strstr(w->out, "牵头"));
	assert_non_null(strstr(w->out, "未确认收到"));
	assert_non_null(strstr(w->out, "待答复"));
	assert_non_null(strstr(w->out, "已等待"));
	assert_null(strstr(w->out, "awaiting answer"));
	assert_null(strstr(w->out, "NOT ACKNOWLEDGED"));
	/* The case table: the column after a Chinese, an odd-width and an
	 * English title starts at the same display column; so do the titles
	 * after a Chinese status. A title too wide is cut, with "..". */
	assert_true(aligned(w, w->out, table, 4));
	assert_true(aligned(w, w->out, titles, 2));
	assert_non_null(strstr(w->out, "长江入河排污口夜间偷排含铬废.."));
	assert_non_null(strstr(w->out, "A长江入河排污口夜间偷排含铬.. "));

	assert_int_equal(shown(w, w->b, "show", ZH_CASE, NULL), 0);
	assert_non_null(strstr(w->out, "案件 " ZH_CASE "：" ZH_TITLE));
	assert_non_null(strstr(w->out, "由 county-a 移送 county-b；状态：待答复；答复时限"));
	assert_non_null(strstr(w->out, "时间线（每个条目均由其作者签名，送达时已验证）："));
	assert_non_null(strstr(w->out, "案件移送"));
	assert_non_null(strstr(w->out, "违法类型: 水污染"));
	assert_non_null(strstr(w->out, "违法事实: 六价铬"));
	assert_non_null(strstr(w->out, "受移送单位: county-b"));

	assert_int_equal(shown(w, w->a, "show", ACT, NULL), 0);
	assert_non_null(strstr(w->out, "行动 " ACT "：太湖蓝藻水华联合监测"));
	assert_non_null(strstr(w->out, "联合检查，紧急，调度单位 province"));
	assert_non_null(strstr(w->out, "参与单位："));
	assert_non_null(strstr(w->out, "未答复"));
	assert_non_null(strstr(w->out, "分工: 牵头"));

	assert_int_equal(shown(w, w->p, "status", NULL), 0);
	assert_non_null(strstr(w->out, "节点 province（根节点 province）"));
	assert_non_null(strstr(w->out, "对等节点："));
	assert_non_null(strstr(w->out, "在线"));
	assert_non_null(strstr(w->out, "数据链："));
	assert_non_null(strstr(w->out, "告警：无"));

	assert_int_equal(shown(w, w->p, "cases", NULL), 0);
	assert_true(aligned(w, w->out, found, 2));
	assert_int_equal(shown(w, w->p, "roster", "list", NULL), 0);
	assert_non_null(strstr(w->out, "节点"));
	assert_true(aligned(w, w->out, roster, 2));

	/* Errors, with their exit codes unchanged. */
	assert_int_equal(cli(w, w->p, "show", "county-a/none-1", NULL), 7);
	assert_non_null(strstr(
		w->p->err, "liandong: show county-a/none-1：本节点没有该编号的案件、行动或会商"));
	assert_int_equal(cli(w, w->p, "view", "--limit", "0", NULL), 2);
	assert_non_null(strstr(w->p->err, "view：--limit '0' 必须为 1 至 10000"));
	assert_int_equal(cli(w, w->p, "cases", "--region", "33x", NULL), 2);
	assert_non_null(strstr(w->p->err, "必须为 2 至 6 位数字"));
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "x", "--violation",
			     "water", "--facts", "f", "--answer-by", "2020-01-10", NULL),
			 9);
	assert_non_null(strstr(w->a->err, "前届满（现在是"));
	{
		const char *argv[] = {getenv("LD_CLI"), "status", "--api",
				      "ipc:///tmp/ldt-i18n-none/api.sock", NULL};
		char out[1024];

		assert_int_equal(cl_run(argv, 30000, out, sizeof(out), err, sizeof(err)), 5);
		assert_non_null(strstr(err, "上没有守护进程在监听"));
	}

	/* JSON is for scripts: English keys and values in any language. */
	assert_int_equal(cli(w, w->p, "view", "--json", NULL), 0);
	assert_true(cl_out_has(w->out, "cases/*/status", "awaiting answer"));
	assert_true(cl_out_has(w->out, "actions/*/priority", "urgent"));
	assert_null(strstr(w->out, "待答复"));

	/* ---- English ---- */
	speak("C");
	assert_int_equal(shown(w, w->p, "view", NULL), 0);
	assert_non_null(strstr(w->out, "LIANDONG COMMAND VIEW"));
	assert_non_null(strstr(w->out, "== REFERRALS AWAITING AN ANSWER (oldest first)"));
	assert_non_null(strstr(w->out, "awaiting answer"));
	assert_non_null(strstr(w->out, "NOT ACKNOWLEDGED"));
	assert_non_null(strstr(w->out, "joint inspection: 太湖蓝藻水华联合监测 (by province;"));
	assert_null(strstr(w->out, "待答复"));
	assert_null(strstr(w->out, "联动指挥视图"));
	/* Widths do not depend on the locale: aligned under LANG=C too. */
	assert_true(aligned(w, w->out, table, 4));
	assert_int_equal(shown(w, w->b, "show", ZH_CASE, NULL), 0);
	assert_non_null(
		strstr(w->out, "referred by county-a to county-b; status: awaiting answer"));
	assert_non_null(strstr(w->out, "violation: water"));
	assert_int_equal(shown(w, w->p, "status", NULL), 0);
	assert_non_null(strstr(w->out, "peers:"));
	assert_int_equal(cli(w, w->p, "show", "county-a/none-1", NULL), 7);
	assert_non_null(
		strstr(w->p->err, "no case, action or consultation of that id is held here"));
	/* LANGUAGE alone does not turn a C locale Chinese (gettext's rule). */
	setenv("LANGUAGE", "zh_CN", 1);
	assert_int_equal(cli(w, w->p, "show", "county-a/none-1", NULL), 7);
	assert_non_null(
		strstr(w->p->err, "no case, action or consultation of that id is held here"));
	/* LC_ALL overrides LANG. */
	speak("C");
	setenv("LC_ALL", "zh_CN.UTF-8", 1);
	assert_int_equal(cli(w, w->p, "show", "county-a/none-1", NULL), 7);
	assert_non_null(strstr(w->p->err, "本节点没有该编号的案件、行动或会商"));
	speak("C");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chinese_output, cl_world_setup,
						cl_world_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

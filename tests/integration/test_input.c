/* tests/integration/test_input.c: what units say to each other is validated
 * before it is signed, shown safely and never guessed. Driven through the
 * real `liandong` tool against real daemons (province, counties a/b/c, a
 * police liaison unit):
 *  - every command that names a unit refuses one not in the roster (exit 7),
 *    naming the closest members, and signs nothing;
 *  - impossible dates (exit 2), offsets and local time;
 *  - text: invalid UTF-8, control characters, sizes, long text from files;
 *  - text a hostile or broken unit signed anyway (forged into its feed,
 *    replicated) never reaches another unit's terminal raw and never breaks
 *    its JSON;
 *  - the hand-over to the police shows every field at the police unit;
 *  - evidence, curve keys, case ids, unknown entries, supplements, and the
 *    operators' everyday commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <sys/wait.h>
#include <unistd.h>

#include "case.pb-c.h"
#include "cluster.h"
#include "common/base/errors.h"
#include "common/crypto/key.h"
#include "common/store/store.h"
#include "common/views/views.h"
#include "testutil.h"

typedef cl_world_t world_t;

#define cli(w, node, ...) cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__)

static tn_t *g_police;

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* The world plus a police liaison unit under the province. */
static int setup(void **state)
{
	const char *to_p[] = {"province"};
	world_t *w;

	if (cl_world_setup(state) < 0)
		return -1;
	w = *state;
	g_police = cl_node(w->c, "police", false, "province", to_p, 1);
	if (cl_roster_add(w->c, g_police) < 0 || cl_start(w->c, g_police) < 0 ||
	    cl_wait(g_police, "province", 5, 15000) < 0 || cl_wait(w->a, "province", 5, 15000) < 0)
		return -1;
	return 0;
}

/* Sign an entry into n's feed without the daemon's checks, as a broken or
 * hostile unit could: the daemon is stopped, the entry appended to its
 * store directly with its key, and the daemon started again. */
static void forge(world_t *w, tn_t *n, uint32_t kind, const char *const *aud, size_t n_aud,
		  const void *payload, size_t len)
{
	ld_append_req_t q = {.kind = kind,
			     .audience = aud,
			     .n_audience = n_aud,
			     .payload = payload,
			     .payload_len = len};
	ld_store_t *s;
	char dir[700];

	assert_int_equal(cl_stop(w->c, n), 0);
	snprintf(dir, sizeof(dir), "%s/data", n->dir);
	assert_int_equal(ld_views_open(dir, w->c->root->sign_pub, NULL, &s), 0);
	assert_int_equal(ld_store_set_local(s, n->id, n->key), 0);
	assert_int_equal(ld_store_append(s, &q, 1, NULL), 0);
	ld_store_destroy(&s);
	assert_int_equal(cl_start(w->c, n), 0);
}

/* Every command that names a unit refuses one that is not a current
 * member: exit 7, the id and the closest members named, nothing signed. */
static void test_unknown_units(void **state)
{
	world_t *w = *state;
	int64_t head_a = cl_head(w->a, "county-a"), signed_p = cl_signed(w->p), signed_a;

	assert_int_equal(cli(w, w->a, "refer", "--to", "county-bb", "--title", "t", "--violation",
			     "water", "--facts", "f", NULL),
			 7);
	assert_non_null(strstr(w->a->err, "'county-bb' is not a member of the roster"));
	assert_non_null(strstr(w->a->err, "did you mean county-b"));
	assert_int_equal(cli(w, w->p, "dispatch", "--kind", "emergency", "--priority", "emergency",
			     "--title", "t", "--instructions", "i", "--ack-by", "+1h",
			     "--participant", "county-a", "--participant", "polise", NULL),
			 7);
	assert_non_null(strstr(w->p->err, "--participant 'polise'"));
	assert_non_null(strstr(w->p->err, "police"));
	assert_int_equal(
		cli(w, w->a, "append", "--kind", "100", "--to", "nobody", "--text", "x", NULL), 7);
	/* transfer, designate and hand-over need a case and a record first. */
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", "county-a/u-1",
			     "--title", "Tannery effluent", "--violation", "water", "--facts",
			     "pH 11.2 at the outfall", NULL),
			 0);
	assert_int_equal(cl_wait(w->b, "county-a", (uint64_t)head_a + 1, 15000), 0);
	assert_int_equal(cl_wait(w->p, "county-a", (uint64_t)head_a + 1, 15000), 0);
	{
		int64_t signed_b = cl_signed(w->b);

		assert_int_equal(cli(w, w->b, "transfer", "county-a/u-1", "--to", "county-z", NULL),
				 7);
		assert_non_null(strstr(w->b->err, "'county-z' is not a member"));
		assert_int_equal(cl_signed(w->b), signed_b);
	}
	assert_int_equal(cli(w, w->p, "designate", "county-a/u-1", "--to", "county-d", NULL), 7);
	assert_int_equal(cl_signed(w->p), signed_p);
	{
		char path[700], ref[96];
		json_t *j;

		snprintf(path, sizeof(path), "%s/photo-1.jpg", w->c->base);
		write_file(path, "\xff\xd8 jpeg bytes", 13);
		assert_int_equal(cli(w, w->a, "evidence", "add", "county-a/u-1", path, "--type",
				     "photo", "--json", NULL),
				 0);
		j = cl_json(w->out);
		snprintf(ref, sizeof(ref), "county-a:%lld",
			 (long long)json_integer_value(json_object_get(j, "seq")));
		json_decref(j);
		signed_a = cl_signed(w->a);
		assert_int_equal(cli(w, w->a, "evidence", "hand-over", ref, "--to", "polce", NULL),
				 7);
		assert_non_null(strstr(w->a->err, "did you mean police"));
		assert_int_equal(cl_signed(w->a), signed_a);
	}
	/* The daemon refuses too, whatever the client: an audience naming a
	 * stranger is not signed (exit 7 through the raw API as well). */
	{
		const char *aud[] = {"stranger"};

		assert_int_equal(cl_append(w->a, 100, aud, 1, "x", 1, NULL), LD_ENOTMEMBER);
		assert_int_equal(cl_signed(w->a), signed_a);
	}
}

/* Calendar-impossible dates are refused; offsets and the local zone are
 * honoured; times are shown in the local zone with their offset. */
static void test_dates(void **state)
{
	world_t *w = *state;
	static const char *const bad[] = {"2027-02-30",
					  "2027-02-29",
					  "2027-13-01",
					  "2027-01-10T24:00",
					  "2027-01-10T23:60",
					  "2027-1-10",
					  "2027-01-10T09:00+15:00",
					  "tomorrow"};
	int64_t head = cl_signed(w->a);
	json_t *j;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "t",
				     "--violation", "water", "--facts", "f", "--answer-by", bad[i],
				     NULL),
				 2);
		assert_non_null(strstr(w->a->err, "--answer-by"));
	}
	assert_non_null(strstr(w->a->err, "is not a date"));
	assert_int_equal(cl_signed(w->a), head);
	/* 09:00 in Beijing, typed three ways, is one moment: 01:00 UTC. */
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", "county-a/d-1",
			     "--title", "t", "--violation", "air", "--facts", "f", "--answer-by",
			     "2099-01-10T09:00", "--json", NULL),
			 0);
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", "county-a/d-2",
			     "--title", "t", "--violation", "air", "--facts", "f",
			     "--answer-by=2099-01-10T09:00+08:00", NULL),
			 0);
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", "county-a/d-3",
			     "--title", "t", "--violation", "air", "--facts", "f", "--answer-by",
			     "2099-01-10T01:00:00Z", NULL),
			 0);
	for (int i = 1; i <= 3; i++) {
		char id[32];

		snprintf(id, sizeof(id), "county-a/d-%d", i);
		assert_int_equal(cli(w, w->a, "show", id, "--json", NULL), 0);
		j = cl_json(w->out);
		assert_int_equal(json_integer_value(json_object_get(j, "answer_by_ms")),
				 4071690000000LL);
		assert_string_equal(json_string_value(json_object_get(j, "answer_by")),
				    "2099-01-10T09:00:00+08:00");
		json_decref(j);
	}
	/* --utc shows UTC; text shows the offset and the year. */
	assert_int_equal(cli(w, w->a, "show", "county-a/d-1", "--json", "--utc", NULL), 0);
	assert_true(cl_out_has(w->out, "answer_by", "2099-01-10T01:00:00Z"));
	assert_int_equal(cli(w, w->a, "show", "county-a/d-1", NULL), 0);
	assert_non_null(strstr(w->out, "answer by 2099-01-10 09:00:00 +08:00"));
	/* The content shows the signed field with its RFC 3339 twin. */
	assert_int_equal(cli(w, w->a, "show", "county-a/d-2", "--json", NULL), 0);
	assert_true(
		cl_out_has(w->out, "timeline/0/content/answer_by", "2099-01-10T09:00:00+08:00"));
}

/* Text: UTF-8, no control characters, size limits, long text from files;
 * refusals quote a bounded part of the value; nothing is signed. */
static void test_text(void **state)
{
	world_t *w = *state;
	int64_t head = cl_signed(w->a);
	char *big = malloc(200001), path[700];

	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "bad \xff\xfe title",
			     "--violation", "water", "--facts", "f", NULL),
			 2);
	assert_non_null(strstr(w->a->err, "--title is not valid UTF-8"));
	assert_non_null(strstr(w->a->err, "\\xff"));
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "red \x1b[31m title",
			     "--violation", "water", "--facts", "f", NULL),
			 2);
	assert_null(strchr(w->a->err, 0x1b));
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "two\nlines",
			     "--violation", "water", "--facts", "f", NULL),
			 2);
	assert_int_equal(cli(w, w->p, "dispatch", "--kind", "emergency", "--priority", "emergency",
			     "--title", "t", "--instructions", "i\xc3", "--ack-by", "+1h",
			     "--participant", "county-a", NULL),
			 2);
	assert_int_equal(cli(w, w->a, "evidence", "add", "county-a/u-1", "/etc/hostname", "--type",
			     "photo", "--description", "\xe4\xb8", NULL),
			 2);
	/* A title over its limit (512 bytes): the message quotes 40 characters. */
	memset(big, 'x', 200000);
	big[600] = '\0';
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", big, "--violation",
			     "water", "--facts", "f", NULL),
			 2);
	assert_non_null(strstr(w->a->err, "--title is too long: 600 bytes, at most 512"));
	assert_true(strlen(w->a->err) < 300);
	assert_int_equal(cl_signed(w->a), head);
	/* Facts of 60 KiB from a file are fine; over 64 KiB are refused. */
	snprintf(path, sizeof(path), "%s/facts.txt", w->c->base);
	/* Lines of twenty 水 (61 bytes with the newline). */
	for (size_t i = 0; i < 200000; i++)
		big[i] = i % 61 == 60 ? '\n' : "\xe6\xb0\xb4"[i % 61 % 3];
	write_file(path, big, 61 * 1007);
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", "county-a/t-1",
			     "--title", "长江支流偷排", "--violation", "water", "--facts-file",
			     path, NULL),
			 0);
	assert_int_equal(cl_signed(w->a), head + 1);
	write_file(path, big, 61 * 1148);
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "t", "--violation",
			     "water", "--facts-file", path, NULL),
			 2);
	assert_non_null(strstr(w->a->err, "too long"));
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "t", "--violation",
			     "water", "--facts-file", "/nonexistent/facts.txt", NULL),
			 3);
	assert_non_null(strstr(w->a->err, "/nonexistent/facts.txt"));
	assert_int_equal(cl_signed(w->a), head + 1);
	/* The facts arrived whole. */
	assert_int_equal(cli(w, w->a, "show", "county-a/t-1", "--json", NULL), 0);
	{
		json_t *j = cl_json(w->out);
		const char *facts = json_string_value(json_object_get(
			json_object_get(json_array_get(json_object_get(j, "timeline"), 0),
					"content"),
			"facts"));

		assert_non_null(facts);
		assert_int_equal(strlen(facts), 61 * 1007 - 1); /* the final newline dropped */
		json_decref(j);
	}
	/* The daemon refuses bad text from any client, naming the field. */
	{
		Ld__CaseReferral m = LD__CASE_REFERRAL__INIT;
		const char *aud[] = {"county-b"};
		uint8_t buf[256];

		m.case_id = "county-a/raw-1";
		m.addressee = "county-b";
		m.title = "bad \x1b[2J";
		assert_int_equal(cl_append(w->a, LD__KIND__KIND_CASE_REFERRAL, aud, 1, buf,
					   ld__case_referral__pack(&m, buf), NULL),
				 LD_EMALFORMED);
		assert_int_equal(cl_signed(w->a), head + 1);
	}
	free(big);
}

/* What a broken or hostile unit signed anyway reaches the province through
 * replication; the province's screen and JSON stay safe. */
static void test_hostile_text(void **state)
{
	world_t *w = *state;
	Ld__CaseReferral m = LD__CASE_REFERRAL__INIT;
	const char *aud[] = {"county-b"};
	const char *evil = "\x1b[2J\x1b[31mALL CLEAR\r\b\b\xff\xfe\xe2\x80\xae spoof";
	uint8_t buf[512];
	int64_t head;
	json_t *j;

	m.case_id = "county-a/evil-1";
	m.addressee = "county-b";
	m.title = (char *)evil;
	m.facts = (char *)evil;
	m.has_violation = true;
	m.violation = 1;
	forge(w, w->a, LD__KIND__KIND_CASE_REFERRAL, aud, 1, buf, ld__case_referral__pack(&m, buf));
	head = cl_head(w->a, "county-a");
	assert_int_equal(cl_wait(w->p, "county-a", (uint64_t)head, 15000), 0);
	assert_int_equal(cl_wait(w->b, "county-a", (uint64_t)head, 15000), 0);
	/* Text output: no escape, carriage return or backspace reaches the
	 * terminal; they are shown escaped. */
	assert_int_equal(cli(w, w->p, "show", "county-a/evil-1", NULL), 0);
	assert_null(strchr(w->out, 0x1b));
	assert_null(strchr(w->out, '\r'));
	assert_null(strchr(w->out, '\b'));
	assert_non_null(strstr(w->out, "\\x1b[2J"));
	assert_non_null(strstr(w->out, "\\xff"));
	assert_non_null(strstr(w->out, "\\u202e"));
	assert_int_equal(cli(w, w->p, "view", NULL), 0);
	assert_null(strchr(w->out, 0x1b));
	assert_int_equal(cli(w, w->b, "get", "county-a", "--json", NULL), 2); /* SEQ missing */
	{
		char seq[24];

		snprintf(seq, sizeof(seq), "%lld", (long long)head);
		assert_int_equal(cli(w, w->b, "get", "county-a", seq, NULL), 0);
		assert_null(strchr(w->out, 0x1b));
		assert_non_null(strstr(w->out, "ALL CLEAR"));
	}
	/* JSON output: valid UTF-8 JSON, flagged, the bytes escaped. */
	assert_int_equal(cli(w, w->p, "view", "--json", NULL), 0);
	j = cl_json(w->out);
	assert_true(cl_jhas(j, "invalid_utf8", "true"));
	assert_true(cl_jhas(j, "cases/*/title", "~\\xff\\xfe"));
	json_decref(j);
	assert_int_equal(cli(w, w->p, "show", "county-a/evil-1", "--json", NULL), 0);
	j = cl_json(w->out);
	assert_true(cl_jhas(j, "invalid_utf8", "true"));
	assert_true(cl_jhas(j, "timeline/0/content/facts", "~\x1b[2J"));
	json_decref(j);
	assert_null(strchr(w->out, 0x1b)); /* escaped as \u001b in the JSON text */
	/* --watch writes its screen-clearing codes to a terminal only. */
	{
		char cmd[1200];
		FILE *p;
		size_t n;

		snprintf(cmd, sizeof(cmd), "timeout -s INT 1.5 '%s' view --watch 1 --api '%s'",
			 getenv("LD_CLI"), w->p->api);
		p = popen(cmd, "r");
		assert_non_null(p);
		n = fread(w->out, 1, sizeof(w->out) - 1, p);
		w->out[n] = '\0';
		pclose(p);
		assert_non_null(strstr(w->out, "LIANDONG COMMAND VIEW"));
		assert_null(strchr(w->out, 0x1b));
	}
}

/* The hand-over to the police: every field visible to the police unit, in
 * show (text and JSON) and get. */
static void test_hand_over_content(void **state)
{
	world_t *w = *state;
	json_t *j, *c;
	int64_t head;

	/* The related case must be one held here. */
	assert_int_equal(cli(w, w->b, "refer", "--to", "police", "--case", "county-b/h-1",
			     "--title", "t", "--violation", "water", "--facts", "f",
			     "--related-case", "county-c/none", NULL),
			 7);
	assert_int_equal(cli(w, w->a, "refer", "--to", "police", "--case", "county-a/h-1",
			     "--title", "涉嫌污染环境罪：电镀厂暗管排放含铬废水", "--violation",
			     "hazardous-waste", "--reason", "suspected-crime", "--legal-basis",
			     "《刑法》第三百三十八条；两高司法解释第一条", "--party",
			     "嘉兴某电镀有限公司", "--credit-code", "91330402MA2B3C4D5E", "--site",
			     "3号排口", "--river", "京杭运河", "--region", "330402", "--facts",
			     "六价铬 4.6 mg/L，超标 91 倍\n暗管长 40 米", "--contact",
			     "王科长 0573-1234567", "--related-case", "county-a/u-1", "--evidence",
			     "county-a:1", "--answer-by", "+7d", "--json", NULL),
			 0);
	j = cl_json(w->out);
	assert_true(cl_jhas(j, "case", "county-a/h-1"));
	assert_true(cl_jhas(j, "addressee", "police"));
	head = json_integer_value(json_object_get(j, "seq"));
	json_decref(j);
	assert_int_equal(cl_wait(g_police, "county-a", (uint64_t)head, 15000), 0);
	assert_int_equal(cli(w, g_police, "show", "county-a/h-1", "--json", NULL), 0);
	j = cl_json(w->out);
	c = json_object_get(json_array_get(json_object_get(j, "timeline"), 0), "content");
	assert_true(cl_jhas(j, "timeline/0/kind", "referral"));
	assert_true(cl_jhas(c, "reason", "suspected-crime"));
	assert_true(cl_jhas(c, "violation", "hazardous-waste"));
	assert_true(cl_jhas(c, "legal_basis", "《刑法》第三百三十八条；两高司法解释第一条"));
	assert_true(cl_jhas(c, "parties/0/name", "嘉兴某电镀有限公司"));
	assert_true(cl_jhas(c, "parties/0/credit_code", "91330402MA2B3C4D5E"));
	assert_true(cl_jhas(c, "place/site_name", "3号排口"));
	assert_true(cl_jhas(c, "place/water_body", "京杭运河"));
	assert_true(cl_jhas(c, "place/region_code", "330402"));
	assert_true(cl_jhas(c, "facts", "六价铬 4.6 mg/L，超标 91 倍\n暗管长 40 米"));
	assert_true(cl_jhas(c, "evidence/0/feed", "county-a"));
	assert_true(cl_jhas(c, "related_case_id", "county-a/u-1"));
	assert_true(cl_jhas(c, "contact", "王科长 0573-1234567"));
	assert_true(json_is_string(json_object_get(c, "answer_by")));
	json_decref(j);
	assert_int_equal(cli(w, g_police, "show", "county-a/h-1", NULL), 0);
	assert_non_null(strstr(w->out, "legal basis: 《刑法》第三百三十八条"));
	assert_non_null(strstr(w->out, "credit code: 91330402MA2B3C4D5E"));
	assert_non_null(strstr(w->out, "facts: 六价铬 4.6 mg/L，超标 91 倍\n"));
	assert_non_null(strstr(w->out, "暗管长 40 米"));
	assert_non_null(strstr(w->out, "reason: suspected-crime"));
	{
		char seq[24];

		snprintf(seq, sizeof(seq), "%lld", (long long)head);
		assert_int_equal(cli(w, g_police, "get", "county-a", seq, "--json", NULL), 0);
		assert_true(cl_out_has(w->out, "content/parties/0/name", "嘉兴某电镀有限公司"));
		/* County C, not a party, sees the header only: said, not guessed. */
		assert_int_equal(cl_wait(w->x, "county-a", (uint64_t)head, 15000), 0);
		assert_int_equal(cli(w, w->x, "get", "county-a", seq, "--json", NULL), 0);
		j = cl_json(w->out);
		assert_true(cl_jhas(j, "payload_held", "false"));
		assert_true(cl_jhas(j, "content", "null"));
		assert_true(cl_jhas(j, "kind", "referral"));
		assert_true(cl_jhas(j, "audience/*", "police"));
		json_decref(j);
		assert_null(strstr(w->out, "电镀"));
		assert_int_equal(cli(w, w->x, "get", "county-a", seq, NULL), 0);
		assert_non_null(strstr(w->out, "not visible here")); /* said, in words */
		assert_null(strstr(w->out, "电镀"));
	}
}

/* Evidence add: an unknown case (7), a missing file (3, named), the same
 * file twice (refused unless --again); --json gives the id and SHA-256. */
static void test_evidence_add(void **state)
{
	world_t *w = *state;
	char path[700];
	int64_t head = cl_signed(w->b);
	json_t *j;

	snprintf(path, sizeof(path), "%s/sample-7.pdf", w->c->base);
	write_file(path, "COD 88 mg/L", 11);
	assert_int_equal(
		cli(w, w->b, "evidence", "add", "county-c/none", path, "--type", "sampling", NULL),
		7);
	assert_int_equal(cli(w, w->b, "evidence", "add", "county-a/u-1", "/nonexistent/x.pdf",
			     "--type", "sampling", NULL),
			 3);
	assert_non_null(strstr(w->b->err, "/nonexistent/x.pdf"));
	assert_int_equal(cl_signed(w->b), head);
	assert_int_equal(cli(w, w->b, "evidence", "add", "county-a/u-1", path, "--type", "sampling",
			     "--json", NULL),
			 0);
	j = cl_json(w->out);
	assert_true(cl_jhas(j, "case", "county-a/u-1"));
	assert_int_equal(strlen(json_string_value(json_object_get(j, "sha256"))), 64);
	assert_true(cl_jhas(j, "size", "11"));
	assert_non_null(json_string_value(json_object_get(j, "evidence_id")));
	json_decref(j);
	assert_int_equal(
		cli(w, w->b, "evidence", "add", "county-a/u-1", path, "--type", "sampling", NULL),
		2);
	assert_non_null(strstr(w->b->err, "already recorded on case county-a/u-1"));
	assert_int_equal(cl_signed(w->b), head + 1);
	assert_int_equal(cli(w, w->b, "evidence", "add", "county-a/u-1", path, "--type", "sampling",
			     "--again", NULL),
			 0);
	assert_int_equal(cl_signed(w->b), head + 2);
}

/* Run the tool without a daemon's --api (offline commands), its output into
 * w->out. Its exit code. */
static int offline_cli(world_t *w, const char *const *argv)
{
	static char err[4096];

	return cl_run(argv, 20000, w->out, sizeof(w->out), err, sizeof(err));
}

/* key and store check, as data: the node's key as the roster has it; every
 * feed of a stopped node's store verified. */
static void offline(world_t *w)
{
	char key[700], fresh[700], data[700], root[65], hex[65], fp[LD_FINGERPRINT_SIZE];
	const char *cli_path = getenv("LD_CLI");
	json_t *j, *x;
	size_t i;

	snprintf(key, sizeof(key), "%s/node.key", w->a->dir);
	snprintf(fresh, sizeof(fresh), "%s/fresh.key", w->a->dir);
	snprintf(data, sizeof(data), "%s/data", w->x->dir);
	ld_hex(w->c->root->sign_pub, 32, root);
	ld_fingerprint(w->a->sign_pub, fp);
	assert_int_equal(
		offline_cli(w, (const char *[]){cli_path, "key", "show", key, "--json", NULL}), 0);
	j = cl_json(w->out);
	assert_true(cl_jhas(j, "file", key));
	assert_true(cl_jhas(j, "public_key", ld_hex(w->a->sign_pub, 32, hex)));
	assert_true(cl_jhas(j, "fingerprint", fp));
	json_decref(j);
	assert_int_equal(
		offline_cli(w, (const char *[]){cli_path, "key", "--json", "new", fresh, NULL}), 0);
	j = cl_json(w->out);
	snprintf(hex, sizeof(hex), "%s", json_string_value(json_object_get(j, "public_key")));
	json_decref(j);
	assert_int_equal(
		offline_cli(w, (const char *[]){cli_path, "key", "show", fresh, "--json", NULL}),
		0);
	assert_true(cl_out_has(w->out, "public_key", hex));
	assert_int_equal(offline_cli(w, (const char *[]){cli_path, "key", "new", fresh, NULL}), 3);
	assert_int_equal(offline_cli(w, (const char *[]){cli_path, "key", "show", NULL}), 2);

	/* The store admits one process: first the daemon is stopped. */
	assert_int_equal(offline_cli(w, (const char *[]){cli_path, "store", "check", "--data", data,
							 "--root", root, "--json", NULL}),
			 4);
	assert_true(cl_stop(w->c, w->x) >= 0);
	for (int fast = 0; fast < 2; fast++) {
		const char *argv[] = {cli_path, "store",  "check",
				      "--data", data,	  "--root",
				      root,	"--json", fast ? "--fast" : NULL,
				      NULL};

		assert_int_equal(offline_cli(w, argv), 0);
		j = cl_json(w->out);
		assert_true(cl_jhas(j, "root_id", "province"));
		assert_true(cl_jhas(j, "feeds_failed", "0"));
		assert_int_equal(json_integer_value(json_object_get(j, "feeds_checked")),
				 json_array_size(json_object_get(j, "feeds")));
		assert_non_null(cl_jfind(j, "feeds", "feed", "county-a"));
		json_array_foreach(json_object_get(j, "feeds"), i, x)
		{
			assert_true(cl_jhas(x, "verified", "true"));
			assert_true(json_integer_value(json_object_get(x, "entries_checked")) >= 1);
		}
		assert_int_equal(json_array_size(json_object_get(j, "equivocations")), 0);
		json_decref(j);
	}
	assert_int_equal(offline_cli(w, (const char *[]){cli_path, "store", "check", "--data", data,
							 "--root", hex, NULL}),
			 3);
	assert_int_equal(cl_start(w->c, w->x), 0); /* the tests after this one use it */
}

/* Case ids, unknown entries, keys, and the operators' everyday commands. */
static void test_everyday(void **state)
{
	world_t *w = *state;
	const char *ids[2];
	int64_t head = cl_signed(w->a);
	json_t *j[2];

	/* Two referrals in the same second get different ids. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "same second",
				     "--violation", "noise", "--facts", "f", "--json", NULL),
				 0);
		j[i] = cl_json(w->out);
		ids[i] = json_string_value(json_object_get(j[i], "case"));
	}
	assert_string_not_equal(ids[0], ids[1]);
	assert_int_equal(strncmp(ids[0], "county-a/", 9), 0);
	json_decref(j[0]);
	json_decref(j[1]);
	assert_int_equal(cl_signed(w->a), head + 2);
	/* Unknown entries: exit 7. */
	assert_int_equal(cli(w, w->a, "get", "county-a", "99999", NULL), 7);
	assert_int_equal(cli(w, w->a, "receipts", "county-a", "99999", NULL), 7);
	assert_int_equal(cli(w, w->a, "get", "nobody", "1", NULL), 7);
	assert_int_equal(cli(w, w->a, "receipts", "county-a", "1", "--json", NULL), 0);
	j[0] = cl_json(w->out);
	assert_true(cl_jhas(j[0], "feed", "county-a"));
	assert_true(cl_jhas(j[0], "seq", "1"));
	assert_true(json_is_array(json_object_get(j[0], "receipts")));
	json_decref(j[0]);
	/* roster list and whoami, text and JSON. */
	assert_int_equal(cli(w, w->a, "roster", "list", "--json", NULL), 0);
	j[0] = cl_json(w->out);
	assert_non_null(cl_jfind(j[0], "members", "node", "police"));
	assert_true(
		cl_jhas(cl_jfind(j[0], "members", "node", "province"), "kind", "command-centre"));
	assert_true(cl_jhas(j[0], "members/*/keys/0/fingerprint", "~"));
	json_decref(j[0]);
	assert_int_equal(cli(w, w->a, "roster", "list", NULL), 0);
	assert_non_null(strstr(w->out, "county-c"));
	assert_int_equal(cli(w, w->a, "whoami", "--json", NULL), 0);
	assert_true(cl_out_has(w->out, "node", "county-a"));
	assert_true(cl_out_has(w->out, "superior", "province"));
	assert_true(cl_out_has(w->out, "in_roster", "true"));
	/* help CMD is the command's own help; --opt=value works everywhere. */
	assert_int_equal(cli(w, w->a, "help", "refer", NULL), 0);
	assert_non_null(strstr(w->out, "--facts-file"));
	assert_int_equal(cli(w, w->a, "help", "evidence", "add", NULL), 0);
	assert_non_null(strstr(w->out, "--again"));
	assert_int_equal(cli(w, w->a, "help", "nonsense", NULL), 2);
	/* status and view, as data. */
	assert_int_equal(cli(w, w->a, "status", "--json", NULL), 0);
	j[0] = cl_json(w->out);
	assert_true(cl_jhas(j[0], "node", "county-a"));
	assert_true(cl_jhas(j[0], "root", "province"));
	assert_true(cl_jhas(j[0], "revoked", "null"));
	assert_true(cl_jhas(cl_jfind(j[0], "peers", "node", "province"), "up", "true"));
	assert_true(json_integer_value(json_object_get(cl_jfind(j[0], "feeds", "feed", "county-a"),
						       "seq")) >= 2);
	assert_true(cl_jhas(j[0], "feeds/*/feed", "province"));
	assert_true(json_is_array(json_object_get(j[0], "alerts")));
	json_decref(j[0]);
	assert_int_equal(cli(w, w->a, "view", "--limit=5", "--json", NULL), 0);
	j[0] = cl_json(w->out);
	assert_true(cl_jhas(j[0], "node", "county-a"));
	assert_true(json_array_size(json_object_get(j[0], "cases")) <= 5);
	assert_true(json_integer_value(json_object_get(j[0], "cases_total")) >= 2);
	assert_true(cl_jhas(j[0], "health/peers/*/node", "province"));
	assert_true(cl_jhas(j[0], "health/alerts", "0"));
	json_decref(j[0]);
	assert_int_equal(cli(w, w->a, "show", "county-a/u-1", "--json", NULL), 0);
	offline(w);
}

/* Keys are unambiguous: a curve key must decode to a valid Curve25519
 * public key; a file is given as a file. */
static void test_roster_keys(void **state)
{
	world_t *w = *state;
	int64_t head = cl_signed(w->p);
	char hex[65], path[700], z85[41];

	ld_hex(w->a->sign_pub, 32, hex);
	/* 40 Z85 characters of all-zero bytes: a point of small order. */
	assert_int_equal(cli(w, w->p, "roster", "add", "county-q", "--name", "Q", "--kind",
			     "bureau", "--region", "330421", "--superior", "province", "--sign-key",
			     hex, "--curve-key", "0000000000000000000000000000000000000000", NULL),
			 2);
	assert_non_null(strstr(w->p->err, "not a valid Curve25519 public key"));
	/* A path made of Z85 characters is not taken for a key. */
	snprintf(path, sizeof(path), "%s/node.curve", w->a->dir);
	assert_int_equal(cli(w, w->p, "roster", "add", "county-q", "--name", "Q", "--kind",
			     "bureau", "--region", "330421", "--sign-key", hex, "--curve-key", path,
			     NULL),
			 2);
	assert_non_null(strstr(w->p->err, "--curve-key-file"));
	assert_int_equal(cli(w, w->p, "roster", "add", "county-q", "--name", "Q", "--kind",
			     "bureau", "--region", "330421", "--sign-key-file", path,
			     "--curve-key-file", path, NULL),
			 2); /* a curve file is no signing key */
	assert_int_equal(cl_signed(w->p), head);
	memcpy(z85, w->a->curve_pub, 41);
	assert_int_equal(cli(w, w->p, "roster", "add", "county-q", "--name", "Q", "--kind",
			     "bureau", "--region", "330421", "--superior", "province", "--sign-key",
			     hex, "--curve-key", z85, NULL),
			 0);
	assert_int_equal(cl_signed(w->p), head + 1);
}

/* A need-info answered by a supplement: the case waits for an answer again,
 * with the text added and every other field (and the deadline) kept. */
static void test_supplement(void **state)
{
	world_t *w = *state;
	json_t *j;
	int64_t due;

	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", "county-a/s-1",
			     "--title", "Quarry dust", "--violation", "air", "--facts", "PM10 high",
			     "--party", "某石料厂", "--answer-by", "+20d", NULL),
			 0);
	assert_int_equal(cl_wait(w->b, "county-a", (uint64_t)cl_head(w->a, "county-a"), 15000), 0);
	assert_int_equal(cli(w, w->a, "supplement", "county-a/s-1", "--text", "x", NULL), 6);
	assert_int_equal(cli(w, w->b, "respond", "county-a/s-1", "need-info", "--reason",
			     "监测报告原件", NULL),
			 0);
	assert_int_equal(cl_wait(w->a, "county-b", (uint64_t)cl_head(w->b, "county-b"), 15000), 0);
	assert_int_equal(cli(w, w->b, "supplement", "county-a/s-1", "--text", "x", NULL), 6);
	assert_int_equal(cli(w, w->a, "show", "county-a/s-1", "--json", NULL), 0);
	j = cl_json(w->out);
	assert_true(cl_jhas(j, "status", "need-info"));
	due = json_integer_value(json_object_get(j, "answer_by_ms"));
	json_decref(j);
	assert_int_equal(cli(w, w->a, "supplement", "county-a/s-1", "--text-file", "-", NULL), 2);
	assert_int_equal(cli(w, w->a, "supplement", "county-a/s-1", "--text",
			     "附监测报告原件扫描件，编号 2026-117", "--json", NULL),
			 0);
	assert_int_equal(cli(w, w->a, "show", "county-a/s-1", "--json", NULL), 0);
	j = cl_json(w->out);
	assert_true(cl_jhas(j, "status", "awaiting answer"));
	assert_int_equal(json_integer_value(json_object_get(j, "answer_by_ms")), due);
	assert_true(
		cl_jhas(j, "timeline/*/content/supplement", "附监测报告原件扫描件，编号 2026-117"));
	assert_true(cl_jhas(j, "timeline/*/content/parties/0/name", "某石料厂"));
	assert_true(cl_jhas(j, "timeline/*/content/previous/feed", "county-a"));
	json_decref(j);
}

/* A unit that passed a case on is told how it was answered: the answer
 * reaches every unit that took part, not only the referrer. */
static bool b_sees_accepted(void *ud)
{
	world_t *w = ud;

	return cli(w, w->b, "show", "county-a/tr-1", "--json", NULL) == 0 &&
	       cl_out_has(w->out, "status", "accepted") && cl_out_has(w->out, "holder", "county-c");
}

static bool c_holds(void *ud)
{
	world_t *w = ud;

	return cli(w, w->x, "show", "county-a/tr-1", "--json", NULL) == 0 &&
	       cl_out_has(w->out, "status", "awaiting answer") &&
	       cl_out_has(w->out, "holder", "county-c");
}

static void test_transfer_told(void **state)
{
	world_t *w = *state;

	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", "county-a/tr-1",
			     "--title", "Sand mining at night", "--violation", "sand-mining",
			     "--facts", "three barges", NULL),
			 0);
	assert_int_equal(cl_wait(w->b, "county-a", (uint64_t)cl_head(w->a, "county-a"), 15000), 0);
	assert_int_equal(cli(w, w->b, "transfer", "county-a/tr-1", "--to", "county-c", "--reason",
			     "the barges moor in county C", NULL),
			 0);
	assert_int_equal(cl_wait(w->x, "county-b", (uint64_t)cl_head(w->b, "county-b"), 15000), 0);
	assert_int_equal(cl_wait(w->x, "county-a", (uint64_t)cl_head(w->a, "county-a"), 15000), 0);
	/* C holds the case once the referral's content has reached it. */
	assert_true(cl_until(c_holds, w, 15000));
	assert_int_equal(cli(w, w->x, "respond", "county-a/tr-1", "accept", NULL), 0);
	assert_true(cl_until(b_sees_accepted, w, 15000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_units),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_hand_over_content),
		cmocka_unit_test(test_evidence_add),
		cmocka_unit_test(test_everyday),
		cmocka_unit_test(test_roster_keys),
		cmocka_unit_test(test_supplement),
		cmocka_unit_test(test_transfer_told),
	};

	return cmocka_run_group_tests(tests, setup, cl_world_teardown);
}

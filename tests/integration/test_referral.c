/* tests/integration/test_referral.c: the cross-border referral workflow
 * driven through the real `liandong` tool against real daemons: refer,
 * answer, refusals before signing, designation by the superior, and the
 * judged case at every node (including what a non-party does not see). */
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

#include <openssl/evp.h>

#include "cluster.h"
#include "common/crypto/key.h"
#include "testutil.h"

#define CASE "county-a/2026-0117"
#define CASE_BAD_FILE "/nonexistent/report.pdf"
#define COURT "Jiaxing Intermediate People's Court"

typedef cl_world_t world_t;

/* Run `liandong ARGS... --api NODE`, capture stdout into w->out; exit code. */
#define cli(w, node, ...) cl_cli(node, (w)->out, sizeof((w)->out), __VA_ARGS__)

/* A cl_until() predicate: does `show CASE --json` at n have 'want' at
 * 'path' (cl_jhas)? */
struct show_q {
	world_t *w;
	tn_t *n;
	const char *path, *want;
};

static bool show_has(void *ud)
{
	struct show_q *q = ud;

	return cli(q->w, q->n, "show", CASE, "--json", NULL) == 0 &&
	       cl_out_has(q->w->out, q->path, q->want);
}

static char g_ev_ref[700];

/* Copy bundle 'in' to 'out' record by record, dropping ENTRY record number
 * 'drop' (1-based among entries; 0 = none) and flipping the last byte of
 * every evidence file if 'swap_file', then write a fresh end digest: the
 * damage must be found by the signatures and the manifest, not the digest. */
static void rewrite_bundle(const char *in, const char *out, int drop, bool swap_file)
{
	FILE *f = fopen(in, "rb"), *o = fopen(out, "wb");
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t head[20], rh[9], d[32];
	int n_entry = 0;

	assert_non_null(f);
	assert_non_null(o);
	assert_int_equal(fread(head, 1, 20, f), 20);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	fwrite(head, 1, 20, o);
	EVP_DigestUpdate(md, head, 20);
	while (fread(rh, 1, 9, f) == 9) {
		uint64_t len = 0;
		uint8_t *buf;

		for (int i = 0; i < 8; i++)
			len = len << 8 | rh[1 + i];
		if (rh[0] == 0xff)
			break;
		buf = malloc(len + 1);
		assert_int_equal(fread(buf, 1, len, f), len);
		if (rh[0] == 1 && ++n_entry == drop) {
			free(buf);
			continue;
		}
		if (rh[0] == 2 && swap_file && len > 32)
			buf[len - 1] ^= 0x01;
		fwrite(rh, 1, 9, o);
		fwrite(buf, 1, len, o);
		EVP_DigestUpdate(md, rh, 9);
		EVP_DigestUpdate(md, buf, len);
		free(buf);
	}
	assert_int_equal(rh[0], 0xff);
	fwrite(rh, 1, 9, o);
	EVP_DigestUpdate(md, rh, 9);
	EVP_DigestFinal_ex(md, d, NULL);
	fwrite(d, 1, 32, o);
	EVP_MD_CTX_free(md);
	fclose(f);
	fclose(o);
}

/* `liandong verify` runs without a daemon: no --api. Output (stdout and
 * stderr) into w->out; returns the exit code. */
static int verify(cl_world_t *w, const char *bundle, const char *root)
{
	char cmd[2048];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' verify '%s' --root %s 2>&1", getenv("LD_CLI"), bundle,
		 root);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(w->out, 1, sizeof(w->out) - 1, p);
	w->out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int count_entries(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t rh[9];
	int n = 0;

	assert_non_null(f);
	assert_int_equal(fseek(f, 20, SEEK_SET), 0);
	while (fread(rh, 1, 9, f) == 9 && rh[0] != 0xff) {
		uint64_t len = 0;

		for (int i = 0; i < 8; i++)
			len = len << 8 | rh[1 + i];
		n += rh[0] == 1;
		assert_int_equal(fseeko(f, (off_t)len, SEEK_CUR), 0);
	}
	fclose(f);
	return n;
}

static void test_referral_workflow(void **state)
{
	world_t *w = *state;
	struct show_q q;
	int64_t p_head, b_head;

	/* Bad input is refused with its own exit code, nothing signed. */
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "x", "--violation",
			     "smog", "--facts", "f", NULL),
			 2);
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "x", "--violation",
			     "water", "--facts", "f", "--case", "county-b/1", NULL),
			 2);
	/* A deadline already past: exit 9, naming the option and when. */
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", CASE, "--title",
			     "Dyeing plant discharging into the Grand Canal", "--violation",
			     "water", "--facts", "COD 412 mg/L at outfall 3", "--answer-by",
			     "2020-01-10", NULL),
			 9);
	assert_non_null(strstr(w->a->err, "refer: --answer-by '2020-01-10' (2020-01-10 23:59:59 "
					  "+08:00) passed "));
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--title", "x", "--violation",
			     "water", "--facts", "f", "--evidence", "county-a:x", NULL),
			 2);
	assert_int_equal(cl_head(w->a, "county-a"), 0);

	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", CASE, "--title",
			     "Dyeing plant discharging into the Grand Canal", "--violation",
			     "water", "--facts", "COD 412 mg/L at outfall 3", "--region", "330411",
			     "--answer-by", "+14d", "--json", NULL),
			 0);
	assert_true(cl_out_has(w->out, "seq", "1"));
	assert_true(cl_out_has(w->out, "case", CASE));
	assert_int_equal(cl_wait(w->b, "county-a", 1, 15000), 0);
	assert_int_equal(cl_wait(w->x, "county-a", 1, 15000), 0);

	p_head = cl_head(w->p, "province");
	b_head = cl_head(w->b, "county-b");
	/* C holds the header only: for C the case does not exist (exit 7). */
	assert_int_equal(cli(w, w->x, "show", CASE, NULL), 7);
	assert_int_equal(cli(w, w->x, "respond", CASE, "accept", NULL), 7);
	/* The province holds it (superior) but may not answer for B (exit 6):
	 * the daemon judges it by the case rules and signs nothing. */
	assert_int_equal(cli(w, w->p, "respond", CASE, "accept", NULL), 6);
	assert_non_null(strstr(w->p->err, "only the unit the case is addressed to may answer it"));
	assert_int_equal(cli(w, w->p, "respond", CASE, "accept", "--check", NULL), 6);
	assert_int_equal(cl_head(w->p, "province"), p_head);
	/* B: a reason is required to reject (exit 2). */
	assert_int_equal(cli(w, w->b, "respond", CASE, "reject", NULL), 2);
	/* Asking first: the rules accept it, nothing is signed. */
	assert_int_equal(cli(w, w->b, "respond", CASE, "accept", "--check", "--json", NULL), 0);
	assert_true(cl_out_has(w->out, "accepted", "true"));
	assert_int_equal(cl_head(w->b, "county-b"), b_head);
	assert_int_equal(cli(w, w->b, "respond", CASE, "accept", NULL), 0);
	/* Accepted: nothing more to answer (exit 6). */
	assert_int_equal(cli(w, w->b, "respond", CASE, "need-info", "--reason", "more", NULL), 6);

	/* The judged case reaches A, with B's signed receipt of the referral. */
	q = (struct show_q){w, w->a, "status", "accepted"};
	assert_true(cl_until(show_has, &q, 15000));
	q = (struct show_q){w, w->a, "timeline/*/receipts/*/receiver", "county-b"};
	assert_true(cl_until(show_has, &q, 15000));
	/* The province sees the same case (it reads what its counties read). */
	q = (struct show_q){w, w->p, "status", "accepted"};
	assert_true(cl_until(show_has, &q, 15000));

	/* Evidence (mutual recognition): A records a file; B checks it against
	 * its own copy and recognises it; A may not attest its own; a copy that
	 * differs is refused; C, not a party, may not read the record. */
	{
		char path[600], ref[96];
		FILE *f;

		snprintf(path, sizeof(path), "%s/report.pdf", w->c->base);
		f = fopen(path, "w");
		fputs("COD 412 mg/L, lab report 2026-117", f);
		fclose(f);
		assert_int_equal(cli(w, w->a, "evidence", "add", CASE, path, "--type", "sampling",
				     "--collector", "Inspector Wang", "--json", NULL),
				 0);
		{
			json_t *j = cl_json(w->out);
			unsigned long long seq =
				(unsigned long long)json_integer_value(json_object_get(j, "seq"));

			assert_true(seq > 0);
			assert_int_equal(strlen(json_string_value(json_object_get(j, "sha256"))),
					 64);
			json_decref(j);
			snprintf(ref, sizeof(ref), "county-a:%llu", seq);
			snprintf(g_ev_ref, sizeof(g_ev_ref), "%s=%s", ref, path);
			assert_int_equal(cl_wait(w->b, "county-a", seq, 15000), 0);
			assert_int_equal(cl_wait(w->x, "county-a", seq, 15000), 0);
		}
		assert_int_equal(
			cli(w, w->a, "evidence", "attest", ref, "--verdict", "recognised", NULL),
			6);
		assert_int_equal(
			cli(w, w->x, "evidence", "attest", ref, "--verdict", "recognised", NULL),
			6);
		assert_int_equal(cli(w, w->b, "evidence", "attest", ref, "--verdict", "recognised",
				     "--file", CASE_BAD_FILE, NULL),
				 3);
		f = fopen(path, "a");
		fputs(" (edited)", f);
		fclose(f);
		assert_int_equal(cli(w, w->b, "evidence", "attest", ref, "--verdict", "recognised",
				     "--file", path, NULL),
				 1);
		f = fopen(path, "w");
		fputs("COD 412 mg/L, lab report 2026-117", f);
		fclose(f);
		assert_int_equal(cli(w, w->b, "evidence", "attest", ref, "--verdict", "recognised",
				     "--file", path, "--notes", "matches our copy", NULL),
				 0);
		q = (struct show_q){w, w->a, "timeline/*/summary",
				    "~recognised, file hash checked"};
		assert_true(cl_until(show_has, &q, 15000));
	}

	/* The province designates county C; B may not (it is a party). */
	assert_int_equal(cli(w, w->b, "designate", CASE, "--to", "county-c", NULL), 6);
	assert_int_equal(cli(w, w->p, "designate", CASE, "--to", "county-c", "--reason",
			     "C holds the discharge permit", NULL),
			 0);
	q = (struct show_q){w, w->a, "holder", "county-c"};
	assert_true(cl_until(show_has, &q, 15000));
	/* C, designated by the province (which may read the referral), is
	 * granted the case: it fetches the referral again, now in full, and
	 * sees the case it must answer. */
	q = (struct show_q){w, w->x, "status", "awaiting answer"};
	assert_true(cl_until(show_has, &q, 15000));
	assert_true(cl_out_has(w->out, "holder", "county-c"));
	assert_true(cl_log_contains(w->x, "passed to this node by province"));
	/* ...and may now answer it. */
	assert_int_equal(cli(w, w->x, "respond", CASE, "accept", NULL), 0);
	q = (struct show_q){w, w->a, "status", "accepted"};
	assert_true(cl_until(show_has, &q, 15000));
	/* Remediation and supervision, by county C which now handles the case. */
	assert_int_equal(cli(w, w->a, "update", CASE, "--status", "closed", NULL), 6);
	assert_int_equal(cli(w, w->x, "update", CASE, "--status", "sunny", NULL), 2);
	/* Dates already past are refused (exit 9), nothing signed. */
	{
		int64_t head = cl_head(w->x, "county-c");

		assert_int_equal(
			cli(w, w->x, "update", CASE, "--remediation-due", "2020-06-30", NULL), 9);
		assert_non_null(strstr(w->x->err, "--remediation-due '2020-06-30'"));
		assert_int_equal(
			cli(w, w->x, "update", CASE, "--checkpoint", "2020-01-01=sealed", NULL), 9);
		assert_non_null(strstr(w->x->err, "--checkpoint '2020-01-01=sealed'"));
		assert_int_equal(cl_head(w->x, "county-c"), head);
	}
	assert_int_equal(cli(w, w->x, "update", CASE, "--status", "remediation-ordered",
			     "--remediation-due", "+200d", "--checkpoint",
			     "+2s=outfall sealed, report with photos", "--checkpoint",
			     "+100d=riverbed dredged", NULL),
			 0);
	{
		time_t due = time(NULL) + 3;

		assert_true(cl_until(cl_past, &due, 10000));
	}
	/* Checkpoint 0 is past due and not reported: the province escalates. */
	q = (struct show_q){w, w->p, "timeline/*/summary",
			    "~did not file the stage report for checkpoint 0"};
	assert_true(cl_until(show_has, &q, 15000));
	/* A checkpoint already listed may be restated with its passed date,
	 * typed as `show` prints it. */
	{
		char arg[96];
		json_t *j;
		time_t t;

		assert_int_equal(cli(w, w->x, "show", CASE, "--json", NULL), 0);
		j = cl_json(w->out);
		t = (time_t)(json_integer_value(json_object_get(
				     json_array_get(json_object_get(j, "checkpoints"), 0),
				     "due_ms")) /
			     1000);
		/* Typed as `show` prints it: local time with its offset. */
		snprintf(arg, sizeof(arg), "%s=outfall sealed, report with photos",
			 json_string_value(json_object_get(
				 json_array_get(json_object_get(j, "checkpoints"), 0), "due")));
		json_decref(j);
		assert_int_equal(cli(w, w->x, "update", CASE, "--checkpoint", arg, "--checkpoint",
				     "+100d=riverbed dredged", NULL),
				 0);
		t -= 60; /* another date, also past: refused */
		strftime(arg, sizeof(arg), "%Y-%m-%dT%H:%M:%S=outfall sealed", gmtime(&t));
		assert_int_equal(cli(w, w->x, "update", CASE, "--checkpoint", arg, NULL), 9);
	}
	assert_int_equal(cli(w, w->b, "update", CASE, "--stage-report", "0", "--text", "x", NULL),
			 6);
	assert_int_equal(cli(w, w->x, "update", CASE, "--stage-report", "5", "--text", "x", NULL),
			 6);
	assert_non_null(strstr(w->x->err, "names checkpoint 5, but case"));
	/* Reported after the due date: recorded, with a note saying how late. */
	assert_int_equal(cli(w, w->x, "update", CASE, "--stage-report", "0", "--text",
			     "outfall sealed on 2025-12-28, photos attached", NULL),
			 0);
	assert_non_null(strstr(w->x->err, "update: note: recorded late"));
	/* Follow-up assessment: independent of the unit assessed. */
	assert_int_equal(cli(w, w->x, "update", CASE, "--assess", "after-rectification",
			     "--outcome", "satisfactory", "--findings", "self", NULL),
			 6);
	assert_int_equal(cli(w, w->a, "update", CASE, "--assess", "after-rectification",
			     "--outcome", "satisfactory", "--findings", "x", NULL),
			 6);
	assert_int_equal(cli(w, w->p, "update", CASE, "--assess", "after-rectification",
			     "--outcome", "false-rectification", "--findings",
			     "outfall reopened at night: sealing was for show", NULL),
			 0);
	q = (struct show_q){w, w->a, "assessments/0/outcome", "false-rectification"};
	assert_true(cl_until(show_has, &q, 15000));
	assert_true(cl_out_has(w->out, "assessments/0/stage", "after-rectification"));
	assert_true(cl_out_has(w->out, "assessments/0/assessor", "province"));
	assert_true(cl_out_has(w->out, "case_status", "remediation-ordered"));
	/* Checkpoint 0 reported (late), checkpoint 1 not yet. */
	assert_false(cl_out_has(w->out, "checkpoints/0/reported_ms", "0"));
	assert_true(cl_out_has(w->out, "checkpoints/1/reported_ms", "0"));

	/* Rebuilt from the feeds, A's view of the case is the same. */
	assert_int_equal(cli(w, w->a, "show", CASE, "--json", NULL), 0);
	{
		char *before = strdup(w->out);

		assert_int_equal(cli(w, w->a, "reindex", NULL), 0);
		assert_int_equal(cli(w, w->a, "show", CASE, "--json", NULL), 0);
		assert_string_equal(before, w->out);
		free(before);
	}

	/* A case bundle for the court: exported by A with the evidence file,
	 * verified offline with the root key alone; every kind of damage is
	 * named. */
	{
		char b[700], bad[720], root[65], other[65], mseq[24];
		FILE *f;
		long size;

		snprintf(b, sizeof(b), "%s/case.ldb", w->c->base);
		snprintf(bad, sizeof(bad), "%s/bad.ldb", w->c->base);
		ld_hex(w->c->root->sign_pub, 32, root);
		ld_hex(w->b->sign_pub, 32, other);
		assert_int_equal(cli(w, w->a, "export", "county-a/none", "-o", b, NULL), 7);
		assert_int_equal(cli(w, w->a, "export", CASE, NULL), 2);
		assert_int_equal(cli(w, w->a, "export", CASE, "-o", b, "--file", g_ev_ref, "--for",
				     COURT, "--json", NULL),
				 0);
		{
			json_t *j = cl_json(w->out);

			assert_true(cl_jhas(j, "bundle", b));
			assert_true(cl_jhas(j, "case", CASE));
			assert_true(cl_jhas(j, "files", "1"));
			assert_true(cl_jhas(j, "manifest/feed", "county-a"));
			assert_true(json_integer_value(json_object_get(j, "listed")) >= 3);
			assert_true(json_integer_value(json_object_get(j, "entries")) >
				    json_integer_value(json_object_get(j, "listed")));
			snprintf(mseq, sizeof(mseq), "%lld",
				 (long long)json_integer_value(
					 json_object_get(json_object_get(j, "manifest"), "seq")));
			json_decref(j);
		}
		/* The verify report (golden: what a court reads). */
		assert_int_equal(verify(w, b, root), 0);
		assert_non_null(strstr(w->out, "VERIFIED"));
		assert_non_null(strstr(w->out, "SHA-256 matches"));
		assert_non_null(strstr(w->out, "county-b received county-a #1"));
		/* The export is part of the case's history: the manifest, signed
		 * for the court. */
		assert_int_equal(cli(w, w->a, "show", CASE, "--json", NULL), 0);
		{
			json_t *j = cl_json(w->out), *x = NULL, *y;
			size_t i;

			json_array_foreach(json_object_get(j, "timeline"), i,
					   y) if (cl_jhas(y, "feed", "county-a") &&
						  cl_jhas(y, "seq", mseq)) x = y;
			assert_non_null(x);
			assert_true(cl_jhas(x, "kind", "case-export"));
			assert_true(cl_jhas(x, "content/recipient", COURT));
			assert_true(cl_jhas(x, "content/file_sha256/*", "~"));
			json_decref(j);
		}
		/* Another root key. */
		assert_int_equal(verify(w, b, other), 1);
		assert_non_null(
			strstr(w->out, "no entry in the bundle is signed by the given root key"));
		/* Any byte changed: the middle of the file. */
		f = fopen(b, "rb");
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		fclose(f);
		rewrite_bundle(b, bad, 0, false);
		assert_int_equal(verify(w, bad, root), 0);
		f = fopen(bad, "r+b");
		fseek(f, size / 2, SEEK_SET);
		{
			int ch = fgetc(f);

			fseek(f, size / 2, SEEK_SET);
			fputc(ch ^ 0x20, f);
		}
		fclose(f);
		assert_int_equal(verify(w, bad, root), 1);
		assert_non_null(strstr(w->out, "FAILED"));
		/* An entry dropped (digest rewritten): the manifest or the chain
		 * names what is missing. */
		rewrite_bundle(b, bad, count_entries(b) - 1, false);
		assert_int_equal(verify(w, bad, root), 1);
		assert_non_null(strstr(w->out, "missing"));
		/* The evidence file substituted (digest rewritten). */
		rewrite_bundle(b, bad, 0, true);
		assert_int_equal(verify(w, bad, root), 1);
		assert_non_null(strstr(w->out, "do not match its SHA-256"));
		assert_int_equal(verify(w, "/nonexistent.ldb", root), 3);
	}

	/* An answer after the answer-by deadline is recorded (exit 0) with a
	 * note saying how late. */
	assert_int_equal(cli(w, w->a, "refer", "--to", "county-b", "--case", "county-a/2026-0119",
			     "--title", "Fly-ash dumped on the river bank", "--violation",
			     "solid-waste", "--facts", "About 40 t at km 12", "--answer-by", "+2s",
			     NULL),
			 0);
	{
		time_t due = time(NULL) + 3;

		assert_int_equal(
			cl_wait(w->b, "county-a", (uint64_t)cl_head(w->a, "county-a"), 15000), 0);
		assert_true(cl_until(cl_past, &due, 10000));
	}
	assert_int_equal(cli(w, w->b, "respond", "county-a/2026-0119", "accept", NULL), 0);
	assert_non_null(strstr(w->b->err, "respond: note: recorded late"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_referral_workflow, cl_world_setup,
						cl_world_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

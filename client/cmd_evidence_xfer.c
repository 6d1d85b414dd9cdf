/* client/cmd_evidence_xfer.c: evidence files between units (调取证据).
 *
 * `liandong evidence get FEED:SEQ -o FILE` has the local daemon fetch the file
 * of evidence record FEED:SEQ from whichever connected node holds it (and
 * finds this unit entitled), shows progress, copies the file out of the
 * evidence store while hashing it again end to end, and records the fetch as
 * a signed custody transfer. `liandong evidence hand-over FEED:SEQ --to NODE`
 * records that the item passed to NODE (which may then fetch the file). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "client/cli.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/feed/entry.h"
#include "common/base/errors.h"
#include "common/crypto/key.h"
#include "common/store/store.h"
#include "common/feed/kinds.h"
#include "evidence.pb-c.h"

#define POLL_MS 200
#define COPY_BLOCK (1u << 20)

static const char *const reasons[] = {NULL, "fetch", "hand-over", "return", "court-submission"};

static void usage(FILE *f, const char *which)
{
	if (!strcmp(which, "get"))
		fprintf(f,
			"Usage: liandong evidence get FEED:SEQ -o FILE [--no-custody] [--note TEXT]\n"
			"           [--timeout S] [--quiet] [-c CONFIG | --api EP] [--json]\n"
			"Fetch the file of evidence record FEED:SEQ (see `liandong show CASE`) from\n"
			"whichever connected node holds it and finds this unit entitled (a party to the\n"
			"case, a superior of one, or granted it). Every chunk is checked on arrival\n"
			"against the chunk list the collector signed; an interrupted fetch resumes\n"
			"where it stopped (run the command again). The file is then hashed again as\n"
			"it is written to FILE, and the fetch is recorded as a custody transfer\n"
			"(unless --no-custody). --timeout: give up after S seconds without progress\n"
			"(default 120). Progress (bytes, rate, time left) is shown on a terminal.\n"
			"Exit: 0 written and matching, 1 it does not match the record, 3 FILE cannot be\n"
			"written, 6 refused (not entitled), 7 unknown record, 8 no node holding it\n"
			"answered in time (what was received is kept; run again to resume).\n");
	else
		fprintf(f,
			"Usage: liandong evidence hand-over FEED:SEQ --to NODE [--reason hand-over|\n"
			"           return|court-submission] [--note TEXT] [-c CONFIG | --api EP] [--json]\n"
			"Record, as a signed custody transfer, that evidence item FEED:SEQ passed from\n"
			"this unit to NODE (seal numbers, condition, who signed for it in --note).\n"
			"NODE may then fetch the file. Exit: 6 this unit may not hand it over,\n"
			"7 unknown record.\n");
}

/* Sign a custody transfer of record 'e' (decoded as 'er'), shown to the
 * record's author, the case's parties and the receiver; what was signed into
 * *ret (cli_sign_json). 0 or an exit code. */
static int sign_custody(ldc_t *cl, const char *self, const ld_entry_t *e,
			const Ld__EvidenceRecord *er, const char *from, const char *to,
			uint32_t reason, const uint8_t *sha, const char *note, json_t **ret)
{
	Ld__CustodyTransfer m = LD__CUSTODY_TRANSFER__INIT;
	Ld__EntryRef rec = LD__ENTRY_REF__INIT;
	char parties[2][LD_NODE_ID_MAX + 1];
	const char *aud[4];
	size_t n_aud = 0;
	bool known = false;
	uint8_t *buf;
	int r;

	rec.feed = e->hdr->author;
	rec.has_seq = rec.has_id = true;
	rec.seq = e->hdr->seq;
	rec.id.data = (uint8_t *)e->id;
	rec.id.len = LD_ID_LEN;
	m.record = &rec;
	m.evidence_id = er->evidence_id;
	m.case_id = er->case_id;
	m.from_node = (char *)from;
	m.to_node = (char *)to;
	m.has_reason = m.has_time_ms = true;
	m.reason = reason;
	m.time_ms = ld_now_ms();
	if (sha) {
		m.has_sha256 = true;
		m.sha256.data = (uint8_t *)sha;
		m.sha256.len = 32;
	}
	m.note = (char *)note;
	const char *cand[4] = {e->hdr->author, to, NULL, NULL};
	if (er->case_id && ld_case_id_valid(er->case_id) &&
	    cli_case_parties(cl, er->case_id, parties, &known) == 0 && known) {
		cand[2] = parties[0];
		cand[3] = parties[1];
	}
	for (int i = 0; i < 4; i++)
		cli_aud_add(aud, &n_aud, 4, self, cand[i]);
	buf = malloc(ld__custody_transfer__get_packed_size(&m) + 1);
	if (!buf)
		return cli_fail(EXIT_STORE, "out of memory");
	r = cli_sign_json(cl, LD__KIND__KIND_CUSTODY_TRANSFER, aud, n_aud, buf,
			  ld__custody_transfer__pack(&m, buf), "custody transfer",
			  json_pack("{s:o, s:o, s:s}", "case", cli_json_opt(er->case_id),
				    "evidence_id", cli_json_opt(er->evidence_id), "to", to),
			  ret);
	free(buf);
	return r;
}

static void human_bytes(uint64_t b, char *out, size_t size)
{
	if (b >= 1000000000ull)
		snprintf(out, size, "%.2f GB", (double)b / 1e9);
	else if (b >= 1000000ull)
		snprintf(out, size, "%.1f MB", (double)b / 1e6);
	else
		snprintf(out, size, "%.1f kB", (double)b / 1e3);
}

static void show_progress(const Ld__ApiBlob *b, const char *msg)
{
	char held[32], size[32], rate[32], eta[32] = "--";

	human_bytes(b->held, held, sizeof(held));
	human_bytes(b->size, size, sizeof(size));
	human_bytes(b->rate_bps, rate, sizeof(rate));
	if (b->rate_bps && b->size > b->held) {
		uint64_t s = (b->size - b->held) / b->rate_bps;

		snprintf(eta, sizeof(eta), "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	}
	cli_tty_raw(stderr, "\r\033[K");
	fprintf(stderr, "  %s of %s (%3.0f%%)  %s/s  %s left  %s%s%s", held, size,
		b->size ? 100.0 * (double)b->held / (double)b->size : 0.0, rate, eta,
		b->source ? "from " : b->state, b->source ? b->source : "",
		msg && !b->source ? msg : "");
	fflush(stderr);
}

/* Copy the store's file to 'out' (temporary name, then rename), hashing it. */
static int copy_out(const char *src, const char *out, uint8_t sha[32], uint64_t *size)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char *tmp = NULL;
	uint8_t *buf = malloc(COPY_BLOCK);
	int in = open(src, O_RDONLY | O_CLOEXEC), fd = -1, r = 0;
	ssize_t n;

	*size = 0;
	if (!md || !buf || asprintf(&tmp, "%s.partial", out) < 0) {
		tmp = NULL;
		r = -ENOMEM;
		goto done;
	}
	if (in < 0) {
		r = -errno;
		goto done;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto done;
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while ((n = read(in, buf, COPY_BLOCK)) > 0) {
		for (ssize_t w = 0, k; w < n; w += k)
			if ((k = write(fd, buf + w, (size_t)(n - w))) < 0) {
				r = -errno;
				goto done;
			}
		EVP_DigestUpdate(md, buf, (size_t)n);
		*size += (uint64_t)n;
	}
	if (n < 0 || fsync(fd) < 0)
		r = -errno;
	EVP_DigestFinal_ex(md, sha, NULL);
	if (!r && rename(tmp, out) < 0)
		r = -errno;
done:
	if (fd >= 0) {
		close(fd);
		if (r)
			unlink(tmp);
	}
	if (in >= 0)
		close(in);
	free(tmp);
	free(buf);
	EVP_MD_CTX_free(md);
	return r;
}

static void get_text(json_t *o)
{
	printf("%s: %lld bytes, sha256 %s matches record %s:%lld%s%s\n", cli_jstr(o, "file"),
	       cli_jint(o, "size"), cli_jstr(o, "sha256"), cli_jstr(o, "record_feed"),
	       cli_jint(o, "record_seq"), cli_jstr(o, "source")[0] ? ", fetched from " : "",
	       cli_jstr(o, "source"));
}

int cmd_evidence_get(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'}, {"no-custody", no_argument, NULL, 'n'},
		{"note", required_argument, NULL, 'N'},	  {"timeout", required_argument, NULL, 't'},
		{"quiet", no_argument, NULL, 'q'},	  CLI_COMMON_OPTS,
	};
	char feed[LD_NODE_ID_MAX + 1], self[LD_NODE_ID_MAX + 1], hex[65];
	char source[LD_NODE_ID_MAX + 1] = "", note_buf[256];
	const char *out = NULL, *note = NULL;
	bool custody = true, quiet = false, tty = isatty(2);
	cli_common_t co = {0};
	Ld__ApiResponse *resp = NULL;
	Ld__EvidenceRecord *er = NULL;
	uint8_t want[32], got[32];
	uint64_t seq, size = 0, received = 0, resumed = 0, last_held = 0;
	long timeout_s = 120;
	ld_entry_t *e = NULL;
	json_t *result = NULL;
	int64_t last_progress;
	ldc_t *cl;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:c:qh", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'n':
			custody = false;
			break;
		case 'N':
			note = optarg;
			break;
		case 't': {
			char *end;

			timeout_s = strtol(optarg, &end, 10);
			if (*end || timeout_s < 1 || timeout_s > 86400)
				return cli_fail(EXIT_USAGE,
						"evidence get: --timeout '%.80s' must be 1 to "
						"86400 seconds",
						optarg);
			break;
		}
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout, "get");
			return 0;
		default:
			usage(stderr, "get");
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !out) {
		usage(stderr, "get");
		return cli_fail(EXIT_USAGE, "evidence get: expected FEED:SEQ and -o FILE");
	}
	if (cli_parse_ref(argv[optind], feed, &seq) < 0)
		return cli_fail(EXIT_USAGE,
				"evidence get: '%.80s' is not FEED:SEQ (an evidence record, "
				"as `liandong show CASE` lists it)",
				argv[optind]);
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	if ((r = cli_self_id(cl, self)) < 0) {
		ldc_destroy(&cl);
		return cli_daemon_fail(r, "evidence get");
	}
	last_progress = (int64_t)time(NULL);
	for (;;) {
		Ld__ApiRequest q = LD__API_REQUEST__INIT;
		const Ld__ApiBlob *b;
		struct timespec ts = {0, POLL_MS * 1000000L};

		q.has_type = q.has_seq = q.has_start = true;
		q.type = LD__API_TYPE__API_BLOB;
		q.feed = feed;
		q.seq = seq;
		q.start = true;
		ld__api_response__free_unpacked(resp, NULL);
		resp = NULL;
		if ((r = ldc_call(cl, &q, 10000, &resp)) < 0) {
			r = cli_daemon_fail(r, "evidence get");
			goto out;
		}
		if (!resp->ok) {
			int code = resp->err == -EACCES	  ? EXIT_DENIED
				   : resp->err == -ENOENT ? EXIT_NO_CASE
				   : resp->err == -EINVAL ? EXIT_USAGE
							  : EXIT_STORE;

			if (tty && !quiet)
				fputc('\n', stderr);
			r = cli_fail(code,
				     code == EXIT_DENIED ? "evidence get %s:%llu: refused by %s"
							 : "evidence get %s:%llu: %s",
				     feed, (unsigned long long)seq,
				     resp->message ? resp->message : cli_strerror(resp->err));
			goto out;
		}
		b = resp->blob;
		if (!b) {
			r = cli_fail(EXIT_STORE, "evidence get: the daemon gave no transfer state");
			goto out;
		}
		if (b->source)
			snprintf(source, sizeof(source), "%s", b->source);
		received = b->received;
		resumed = b->resumed_from;
		if (b->held > last_held) {
			last_held = b->held;
			last_progress = (int64_t)time(NULL);
		}
		if (!strcmp(b->state, "held")) {
			if (!b->path || !b->has_sha256 || b->sha256.len != 32) {
				r = cli_fail(EXIT_STORE,
					     "evidence get: the daemon did not say where the "
					     "file is");
				goto out;
			}
			memcpy(want, b->sha256.data, 32);
			break;
		}
		if (tty && !quiet)
			show_progress(b, resp->message);
		if ((int64_t)time(NULL) - last_progress > timeout_s) {
			if (tty && !quiet)
				fputc('\n', stderr);
			r = cli_fail(
				EXIT_UNAVAILABLE,
				"evidence get %s:%llu: no progress for %ld s (%s%s%s); the %llu bytes "
				"held are kept: run the command again to resume",
				feed, (unsigned long long)seq, timeout_s, b->state,
				resp->message ? ": " : "", resp->message ? resp->message : "",
				(unsigned long long)b->held);
			goto out;
		}
		nanosleep(&ts, NULL);
	}
	if (tty && !quiet)
		cli_tty_raw(stderr, "\r\033[K");
	{
		char path[4200];

		snprintf(path, sizeof(path), "%s", resp->blob->path);
		if ((r = copy_out(path, out, got, &size)) < 0) {
			r = cli_fail(EXIT_FILE, "evidence get: writing %s: %s", out, strerror(-r));
			goto out;
		}
	}
	if (memcmp(got, want, 32) != 0) {
		unlink(out);
		r = cli_fail(EXIT_VERIFY,
			     "evidence get: the copy in %s's evidence store does not "
			     "match the record's SHA-256 %s (the store is damaged; "
			     "nothing written)",
			     self, ld_hex(want, 32, hex));
		goto out;
	}
	result = json_pack("{s:o, s:I, s:s, s:b, s:o, s:I, s:I, s:o, s:I, s:n}", "file",
			   cli_json_text(out), "size", (json_int_t)size, "sha256",
			   ld_hex(got, 32, hex), "matches", true, "source", cli_json_text(source),
			   "received", (json_int_t)received, "resumed_from", (json_int_t)resumed,
			   "record_feed", cli_json_text(feed), "record_seq", (json_int_t)seq,
			   "custody");
	if (!result) {
		r = cli_fail(EXIT_STORE, "out of memory");
		goto out;
	}
	if (!co.json)
		get_text(result);
	/* Record the fetch in the signed history (the collector's own copy
	 * needs no custody entry). */
	if (custody && strcmp(self, feed) != 0) {
		json_t *signed_as = NULL;

		if ((r = cli_get_entry(cl, feed, seq, &e)) < 0 || !e->has_payload ||
		    !(er = ld_entry_payload(e, LD__KIND__KIND_EVIDENCE_RECORD))) {
			r = cli_fail(EXIT_STORE,
				     "evidence get: file written, but record %s:%llu could "
				     "not be read to sign the custody transfer",
				     feed, (unsigned long long)seq);
		} else {
			if (!note && source[0]) {
				snprintf(note_buf, sizeof(note_buf), "copy fetched through %s",
					 source);
				note = note_buf;
			}
			r = sign_custody(cl, self, e, er, er->holder ? er->holder : feed, self,
					 LD__CUSTODY_REASON__CUSTODY_REASON_FETCH, got, note,
					 &signed_as);
		}
		if (signed_as) {
			json_object_set_new(result, "custody", signed_as);
			if (!co.json)
				cli_signed_text("custody transfer", signed_as);
		}
	}
	/* One document, also when the custody transfer could not be signed
	 * (then "custody" is null and the exit code says why). */
	if (co.json) {
		int rj = cli_json_dump(result);

		r = r ? r : rj;
	}
out:
	json_decref(result);
	if (er)
		ld__evidence_record__free_unpacked(er, NULL);
	ld_entry_destroy(&e);
	ld__api_response__free_unpacked(resp, NULL);
	ldc_destroy(&cl);
	return r;
}

int cmd_evidence_hand_over(int argc, char **argv)
{
	static const struct option opts[] = {
		{"to", required_argument, NULL, 't'},
		{"reason", required_argument, NULL, 'r'},
		{"note", required_argument, NULL, 'N'},
		CLI_COMMON_OPTS,
	};
	char feed[LD_NODE_ID_MAX + 1], self[LD_NODE_ID_MAX + 1];
	const char *to = NULL, *note = NULL;
	cli_common_t co = {0};
	uint32_t reason = LD__CUSTODY_REASON__CUSTODY_REASON_HAND_OVER;
	Ld__EvidenceRecord *er = NULL;
	ld_entry_t *e = NULL;
	uint64_t seq;
	ldc_t *cl;
	int c, r, v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		switch (c) {
		case 't':
			to = optarg;
			break;
		case 'r':
			if ((v = cli_pick(reasons, sizeof(reasons) / sizeof(reasons[0]), optarg)) <
			    2)
				return cli_fail(EXIT_USAGE,
						"evidence hand-over: --reason '%.80s' unknown "
						"(hand-over, return, court-submission)",
						optarg);
			reason = (uint32_t)v;
			break;
		case 'N':
			if (cli_text_arg("evidence hand-over", "--note", optarg, "note"))
				return EXIT_USAGE;
			note = optarg;
			break;
		case 'h':
			usage(stdout, "hand-over");
			return 0;
		default:
			usage(stderr, "hand-over");
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !to) {
		usage(stderr, "hand-over");
		return cli_fail(EXIT_USAGE, "evidence hand-over: expected FEED:SEQ and --to NODE");
	}
	if (cli_parse_ref(argv[optind], feed, &seq) < 0)
		return cli_fail(EXIT_USAGE, "evidence hand-over: '%.80s' is not FEED:SEQ",
				argv[optind]);
	if (!ld_node_id_valid(to))
		return cli_fail(EXIT_USAGE, "evidence hand-over: --to '%.80s' is not a node id",
				to);
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	if ((r = cli_self_id(cl, self)) < 0) {
		ldc_destroy(&cl);
		return cli_daemon_fail(r, "evidence hand-over");
	}
	if ((r = cli_member(cl, "evidence hand-over", "--to", to))) {
		ldc_destroy(&cl);
		return r;
	}
	r = cli_get_entry(cl, feed, seq, &e);
	if (r == -ETIMEDOUT) {
		r = cli_daemon_fail(r, "evidence hand-over");
	} else if (r < 0) {
		r = cli_fail(EXIT_NO_CASE, "evidence hand-over: this node does not hold %s:%llu",
			     feed, (unsigned long long)seq);
	} else if (e->hdr->kind != LD__KIND__KIND_EVIDENCE_RECORD) {
		r = cli_fail(EXIT_USAGE, "evidence hand-over: %s:%llu is not an evidence record",
			     feed, (unsigned long long)seq);
	} else if (!e->has_payload || !(er = ld_entry_payload(e, LD__KIND__KIND_EVIDENCE_RECORD))) {
		r = cli_fail(EXIT_DENIED,
			     "evidence hand-over: this unit may not read %s:%llu, so it "
			     "cannot hand it over",
			     feed, (unsigned long long)seq);
	} else if (!strcmp(to, self)) {
		r = cli_fail(EXIT_USAGE, "evidence hand-over: --to names this unit itself");
	} else {
		json_t *o = NULL;

		r = sign_custody(cl, self, e, er, self, to, reason,
				 er->sha256.len == 32 ? er->sha256.data : NULL, note, &o);
		if (r == 0 && co.json)
			r = cli_json_dump(o);
		else if (r == 0)
			cli_signed_text("custody transfer", o);
		json_decref(o);
	}
	if (er)
		ld__evidence_record__free_unpacked(er, NULL);
	ld_entry_destroy(&e);
	ldc_destroy(&cl);
	return r;
}

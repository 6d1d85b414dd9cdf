/* client/cmd_evidence.c: evidence and its mutual recognition (证据互认):
 * `liandong evidence add CASE FILE ...` copies the file into the node's
 * evidence store (content-addressed, chunked: common/blob.h) and records its
 * SHA-256, chunk list, size, type, collector, time and place, and
 * `liandong evidence attest FEED:SEQ ...` lets another unit record that it
 * checked and recognises (or not) that evidence. Fetching the file at another
 * node and handing it over: cmd_evidence_xfer.c. */
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client/cli.h"
#include "client/i18n.h"
#include "common/store/blob.h"
#include "common/files/bundle.h"
#include "client/ldclient.h"
#include "common/domain/casefile.h"
#include "common/feed/entry.h"
#include "common/base/errors.h"
#include "common/store/store.h"
#include "common/feed/kinds.h"
#include "evidence.pb-c.h"

static const char *const types[] = {NULL,	  "sampling",
				    "monitoring", "photo",
				    "video",	  "inspection-record",
				    "appraisal",  "interrogation-record",
				    "document",	  "other"};
static const char *const verdicts[] = {NULL, "recognised", "reservations", "not-recognised"};

static const char *media_type(const char *path)
{
	static const char *const map[][2] = {
		{".pdf", "application/pdf"},
		{".jpg", "image/jpeg"},
		{".jpeg", "image/jpeg"},
		{".png", "image/png"},
		{".mp4", "video/mp4"},
		{".mov", "video/quicktime"},
		{".csv", "text/csv"},
		{".txt", "text/plain"},
		{".json", "application/json"},
		{".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{".docx",
		 "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(dot, map[i][0]))
			return map[i][1];
	return "application/octet-stream";
}

/* Is a file with SHA-256 'sha' already recorded on case 'case_id' (as this
 * node holds it)? 1 and its entry "feed:seq" in 'where', 0 if not, -errno if
 * the daemon did not answer. */
static int recorded_before(ldc_t *cl, const char *case_id, const uint8_t sha[32], char *where,
			   size_t n)
{
	Ld__ApiResponse *resp;
	int r = cli_fetch_case(cl, case_id, &resp), found = 0;

	if (r < 0)
		return r;
	for (size_t i = 0; resp->ok && resp->case_view && !found && i < resp->case_view->n_items;
	     i++) {
		const Ld__ApiCaseItem *x = resp->case_view->items[i];
		Ld__EvidenceRecord *er;

		if (x->kind != LD__KIND__KIND_EVIDENCE_RECORD || !x->has_payload || x->refused ||
		    !(er = ld_payload_unpack(x->kind, x->payload.data, x->payload.len)))
			continue;
		if (er->sha256.len == 32 && !memcmp(er->sha256.data, sha, 32)) {
			snprintf(where, n, "%s:%llu", x->ref->feed,
				 (unsigned long long)x->ref->seq);
			found = 1;
		}
		ld__evidence_record__free_unpacked(er, NULL);
	}
	ld__api_response__free_unpacked(resp, NULL);
	return found;
}

static void evidence_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong evidence add CASE FILE --type TYPE [--evidence-id ID] [--again]\n"
		"           [--collector NAME] [--collected YYYY-MM-DD[THH:MM]] [--region CODE]\n"
		"           [--site NAME] [--description TEXT] [--media-type TYPE]\n"
		"       liandong evidence attest FEED:SEQ --verdict recognised|reservations|\n"
		"           not-recognised [--file FILE] [--method TEXT] [--notes TEXT] [--officer NAME]\n"
		"           [--check]\n"
		"       liandong evidence get FEED:SEQ -o FILE [--no-custody] [--note TEXT]\n"
		"           [--timeout S] [--quiet]\n"
		"       liandong evidence hand-over FEED:SEQ --to NODE [--reason hand-over|return|\n"
		"           court-submission] [--note TEXT]\n"
		"       Common: [-c CONFIG | --api EP] [--json] [--utc]\n"
		"`add` refuses a file already recorded on the same case (exit 2, nothing\n"
		"signed) unless --again is given; the case must be held here (exit 7), the\n"
		"file readable (exit 3, naming it). --json prints the evidence id and SHA-256.\n"
		"`add` copies the file into this node's evidence store (read in blocks, any size up\n"
		"to 64 GiB) and records its SHA-256, chunk list, size and media type. `attest` with\n"
		"--file checks a copy against the record. `get` fetches the file of record FEED:SEQ\n"
		"from whichever connected node holds it, chunk by chunk, each checked on arrival;\n"
		"interrupted, it resumes where it stopped; it then records the fetch as a custody\n"
		"transfer. `hand-over` records that the item passed to NODE, which may then fetch it.\n"
		"`attest --check` asks whether the rules accept the attestation (a unit never\n"
		"attests its own evidence) and signs nothing.\n"
		"Exit: 1 file does not match, 6 not permitted, 7 unknown case or record,\n"
		"8 no node holding the file answered (run again to resume).\n"
		"TYPE: sampling, monitoring, photo, video, inspection-record, appraisal,\n"
		"      interrogation-record, document, other.\n");
}

static int evidence_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},
		{"evidence-id", required_argument, NULL, 'i'},
		{"collector", required_argument, NULL, 'o'},
		{"collected", required_argument, NULL, 'w'},
		{"region", required_argument, NULL, 'g'},
		{"site", required_argument, NULL, 's'},
		{"description", required_argument, NULL, 'd'},
		{"media-type", required_argument, NULL, 'm'},
		{"again", no_argument, NULL, 'A'},
		CLI_COMMON_OPTS,
	};
	static const struct {
		int c;
		const char *opt, *field;
	} texts[] = {
		{'i', "--evidence-id", "evidence_id"}, {'o', "--collector", "collector"},
		{'s', "--site", "site_name"},	       {'d', "--description", "description"},
		{'m', "--media-type", "media_type"},
	};
	Ld__EvidenceRecord m = LD__EVIDENCE_RECORD__INIT;
	Ld__Place place = LD__PLACE__INIT;
	char self[LD_NODE_ID_MAX + 1], parties[2][LD_NODE_ID_MAX + 1], idbuf[256];
	const char *file = NULL, *aud[2];
	char blob_dir[4096], hex[65];
	ld_blobs_t *blobs = NULL;
	ld_blob_info_t info;
	uint8_t sha[32], *buf;
	bool known = false, again = false;
	cli_common_t co = {0};
	size_t n_aud = 0;
	struct stat st;
	ldc_t *cl;
	int c, r, t, fd;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
			if (texts[i].c == c &&
			    cli_text_arg("evidence add", texts[i].opt, optarg, texts[i].field))
				return EXIT_USAGE;
		switch (c) {
		case 't':
			if ((t = cli_pick(types, sizeof(types) / sizeof(types[0]), optarg)) < 0)
				return cli_fail(EXIT_USAGE,
						"evidence add: --type '%.80s' unknown (sampling, "
						"monitoring, photo, video, inspection-record, "
						"appraisal, interrogation-record, document, "
						"other)",
						optarg);
			m.has_type = true;
			m.type = (uint32_t)t;
			break;
		case 'i':
			m.evidence_id = optarg;
			break;
		case 'o':
			m.collector = optarg;
			break;
		case 'w':
			if (cli_time_arg("evidence add", "--collected", optarg, false,
					 &m.collected_ms))
				return EXIT_USAGE;
			m.has_collected_ms = true;
			break;
		case 'g':
			if (strlen(optarg) != 6 || strspn(optarg, "0123456789") != 6)
				return cli_fail(EXIT_USAGE,
						"evidence add: --region '%.16s' must be six "
						"digits (GB/T 2260)",
						optarg);
			place.region_code = optarg;
			m.place = &place;
			break;
		case 's':
			place.site_name = optarg;
			m.place = &place;
			break;
		case 'd':
			m.description = optarg;
			break;
		case 'm':
			m.media_type = optarg;
			break;
		case 'A':
			again = true;
			break;
		case 'h':
			evidence_usage(stdout);
			return 0;
		default:
			evidence_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || !m.has_type) {
		evidence_usage(stderr);
		return cli_fail(EXIT_USAGE, "evidence add: expected CASE FILE and --type");
	}
	m.case_id = argv[optind];
	file = argv[optind + 1];
	if (!ld_case_id_valid(m.case_id))
		return cli_fail(EXIT_USAGE, "evidence add: '%.80s' is not a case id", m.case_id);
	/* The file first: a missing or unreadable one is named as such. */
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return cli_fail(EXIT_FILE, "evidence add: %s: %s", file, strerror(errno));
	r = fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -EISDIR;
	close(fd);
	if (r < 0)
		return cli_fail(EXIT_FILE, "evidence add: %s: %s", file,
				r == -EISDIR ? _("not a regular file") : strerror(-r));
	if (!m.media_type)
		m.media_type = (char *)media_type(file);
	m.file_name = strrchr(file, '/') ? strrchr(file, '/') + 1 : (char *)file;
	if (cli_text_arg("evidence add", "FILE", m.file_name, "file_name"))
		return EXIT_USAGE;
	if (!m.has_collected_ms) {
		m.has_collected_ms = true;
		m.collected_ms = ld_now_ms();
	}
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	if ((r = cli_self_id(cl, self)) < 0 ||
	    (r = cli_case_parties(cl, m.case_id, parties, &known)) < 0 ||
	    (r = cli_blob_dir(cl, blob_dir, sizeof(blob_dir))) < 0) {
		ldc_destroy(&cl);
		return cli_daemon_fail(r, "evidence add");
	}
	/* Evidence for a case this node holds (it is shown to the case's
	 * parties), or one it owns and has not referred yet. */
	if (!known &&
	    (strncmp(m.case_id, self, strlen(self)) != 0 || m.case_id[strlen(self)] != '/')) {
		ldc_destroy(&cl);
		return cli_fail(EXIT_NO_CASE,
				"evidence add: case %s is not held here (no referral of "
				"it has reached this node)",
				m.case_id);
	}
	/* The file goes into this node's evidence store, from where peers
	 * entitled to it fetch it; the record signs its chunk list. */
	if ((r = ld_blobs_open(blob_dir, &blobs)) < 0) {
		ldc_destroy(&cl);
		return cli_fail(EXIT_STORE, "evidence add: the node's evidence store %s: %s",
				blob_dir, strerror(-r));
	}
	if ((r = ld_blob_import(blobs, file, &info)) < 0) {
		ld_blobs_destroy(&blobs);
		ldc_destroy(&cl);
		if (r == -EFBIG)
			return cli_fail(EXIT_FILE,
					"evidence add: %s is larger than %llu GiB; split it", file,
					(unsigned long long)(LD_BLOB_SIZE_MAX >> 30));
		return cli_fail(r == -ENOSPC ? EXIT_STORE : EXIT_FILE, "evidence add: %s: %s",
				r == -ENOSPC ? blob_dir : file, strerror(-r));
	}
	ld_blobs_destroy(&blobs);
	memcpy(sha, info.sha256, 32);
	ld_hex(sha, 32, hex);
	/* The same file twice on one case is a mistake more often than not. */
	if (!again) {
		char prev[LD_NODE_ID_MAX + 32];

		if ((r = recorded_before(cl, m.case_id, sha, prev, sizeof(prev))) != 0) {
			ldc_destroy(&cl);
			if (r < 0)
				return cli_daemon_fail(r, "evidence add");
			return cli_fail(EXIT_USAGE,
					"evidence add: %s (sha256 %.16s...) is already "
					"recorded on case %s as %s; nothing signed (add "
					"--again to record it once more)",
					file, hex, m.case_id, prev);
		}
	}
	m.has_size = m.has_sha256 = m.has_chunk_size = m.has_chunk_list_sha256 = true;
	m.size = info.size;
	m.sha256.data = sha;
	m.sha256.len = 32;
	m.chunk_size = info.chunk_size;
	m.chunk_list_sha256.data = info.list_sha256;
	m.chunk_list_sha256.len = 32;
	for (int i = 0; known && i < 2; i++)
		cli_aud_add(aud, &n_aud, 2, self, parties[i]);
	if (!m.evidence_id) {
		uint8_t rnd[2] = {0};

		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd[0] = (uint8_t)getpid();
		snprintf(idbuf, sizeof(idbuf), "%s/E%lld-%02x%02x", m.case_id,
			 (long long)m.collected_ms, rnd[0], rnd[1]);
		m.evidence_id = idbuf;
	}
	m.collector_unit = self;
	m.holder = self;
	buf = malloc(ld__evidence_record__get_packed_size(&m) + 1);
	r = buf ? cli_sign(cl, LD__KIND__KIND_EVIDENCE_RECORD, aud, n_aud, buf,
			   ld__evidence_record__pack(&m, buf), co.json, "evidence record",
			   json_pack("{s:s, s:s, s:s, s:I, s:s}", "case", m.case_id, "evidence_id",
				     m.evidence_id, "sha256", hex, "size", (json_int_t)m.size,
				     "media_type", m.media_type))
		: cli_fail(EXIT_STORE, "out of memory");
	if (r == 0 && !co.json)
		printf("  %s  %s  %llu bytes  sha256 %s\n", m.evidence_id, m.media_type,
		       (unsigned long long)m.size, hex);
	free(buf);
	ldc_destroy(&cl);
	return r;
}

static int evidence_attest(int argc, char **argv)
{
	static const struct option opts[] = {
		{"verdict", required_argument, NULL, 'v'}, {"file", required_argument, NULL, 'f'},
		{"method", required_argument, NULL, 'm'},  {"notes", required_argument, NULL, 'n'},
		{"officer", required_argument, NULL, 'o'}, CLI_SIGN_OPTS,
	};
	Ld__EvidenceAttestation m = LD__EVIDENCE_ATTESTATION__INIT;
	Ld__EntryRef rec = LD__ENTRY_REF__INIT;
	Ld__EvidenceRecord *er = NULL;
	char self[LD_NODE_ID_MAX + 1], feed[LD_NODE_ID_MAX + 1], parties[2][LD_NODE_ID_MAX + 1];
	const char *file = NULL, *aud[3];
	uint8_t sha[32], buf[40960];
	bool known = false;
	cli_common_t co = {0};
	ld_entry_t *e = NULL;
	size_t n_aud = 0;
	uint64_t size;
	ldc_t *cl;
	int c, r, v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (cli_common_opt(&co, c))
			continue;
		if ((c == 'm' && cli_text_arg("evidence attest", "--method", optarg, "method")) ||
		    (c == 'n' && cli_text_arg("evidence attest", "--notes", optarg, "notes")) ||
		    (c == 'o' && cli_text_arg("evidence attest", "--officer", optarg, "officer")))
			return EXIT_USAGE;
		switch (c) {
		case 'v':
			if ((v = cli_pick(verdicts, sizeof(verdicts) / sizeof(verdicts[0]),
					  optarg)) < 0)
				return cli_fail(EXIT_USAGE,
						"evidence attest: --verdict '%.80s' unknown "
						"(recognised, reservations, not-recognised)",
						optarg);
			m.has_verdict = true;
			m.verdict = (uint32_t)v;
			break;
		case 'f':
			file = optarg;
			break;
		case 'm':
			m.method = optarg;
			break;
		case 'n':
			m.notes = optarg;
			break;
		case 'o':
			m.officer = optarg;
			break;
		case 'h':
			evidence_usage(stdout);
			return 0;
		default:
			evidence_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !m.has_verdict) {
		evidence_usage(stderr);
		return cli_fail(EXIT_USAGE, "evidence attest: expected FEED:SEQ and --verdict");
	}
	if (cli_parse_ref(argv[optind], feed, &rec.seq) < 0)
		return cli_fail(EXIT_USAGE, "evidence attest: '%.80s' is not FEED:SEQ",
				argv[optind]);
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	if ((r = cli_self_id(cl, self)) < 0 ||
	    ((r = cli_get_entry(cl, feed, rec.seq, &e)) < 0 && r != -ENOENT && r != LD_EMALFORMED &&
	     r != LD_EPAYLOAD)) {
		ldc_destroy(&cl);
		return cli_daemon_fail(r, "evidence attest");
	}
	if (r < 0)
		r = cli_fail(EXIT_NO_CASE, "evidence attest: this node does not hold %s:%llu", feed,
			     (unsigned long long)rec.seq);
	else if (e->hdr->kind != LD__KIND__KIND_EVIDENCE_RECORD)
		r = cli_fail(EXIT_USAGE, "evidence attest: %s:%llu is not an evidence record", feed,
			     (unsigned long long)rec.seq);
	else if (!e->has_payload || !(er = ld_entry_payload(e, LD__KIND__KIND_EVIDENCE_RECORD)))
		r = cli_fail(EXIT_DENIED,
			     "evidence attest: this node may not read %s:%llu (not a "
			     "party to its case)",
			     feed, (unsigned long long)rec.seq);
	if (r == 0 && file) {
		if ((r = ld_file_sha256(file, sha, &size)) < 0) {
			r = cli_fail(EXIT_FILE, "evidence attest: %s: %s", file, strerror(-r));
		} else if ((er->sha256.len != 32 || memcmp(er->sha256.data, sha, 32) != 0) &&
			   m.verdict != 3) {
			r = cli_fail(EXIT_VERIFY,
				     "evidence attest: %s does not match the record's "
				     "SHA-256 (use --verdict not-recognised, or check "
				     "the file)",
				     file);
		} else {
			m.has_checked_sha256 = true;
			m.checked_sha256.data = sha;
			m.checked_sha256.len = 32;
		}
	}
	if (r == 0) {
		rec.feed = feed;
		rec.has_seq = rec.has_id = true;
		rec.id.data = e->id;
		rec.id.len = LD_ID_LEN;
		m.record = &rec;
		m.evidence_id = er->evidence_id;
		m.case_id = er->case_id;
		cli_aud_add(aud, &n_aud, 3, self, e->hdr->author);
		if (er->case_id && ld_case_id_valid(er->case_id) &&
		    cli_case_parties(cl, er->case_id, parties, &known) == 0 && known)
			for (int i = 0; i < 2; i++)
				cli_aud_add(aud, &n_aud, 3, self, parties[i]);
		if (ld__evidence_attestation__get_packed_size(&m) > sizeof(buf))
			r = cli_fail(EXIT_USAGE, "evidence attest: --notes too long");
		else
			r = cli_sign(cl, LD__KIND__KIND_EVIDENCE_ATTESTATION, aud, n_aud, buf,
				     ld__evidence_attestation__pack(&m, buf), co.json,
				     "attestation",
				     json_pack("{s:o, s:o}", "case", cli_json_opt(er->case_id),
					       "evidence_id", cli_json_opt(er->evidence_id)));
	}
	if (er)
		ld__evidence_record__free_unpacked(er, NULL);
	ld_entry_destroy(&e);
	ldc_destroy(&cl);
	return r;
}

int cmd_evidence(int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		evidence_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[0], "add"))
		return evidence_add(argc, argv);
	if (!strcmp(argv[0], "attest"))
		return evidence_attest(argc, argv);
	if (!strcmp(argv[0], "get"))
		return cmd_evidence_get(argc, argv);
	if (!strcmp(argv[0], "hand-over"))
		return cmd_evidence_hand_over(argc, argv);
	evidence_usage(stderr);
	return cli_fail(EXIT_USAGE,
			"evidence: unknown subcommand '%.80s' (add, attest, get, hand-over)",
			argv[0]);
}

/* client/cmd_bundle.c: `liandong export CASE -o FILE` (a case bundle a court
 * can verify offline, with a signed manifest appended to this node's feed)
 * and `liandong verify FILE --root KEY` (no daemon, no network). The format
 * is docs/BUNDLE.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "case.pb-c.h"
#include "client/cli.h"
#include "client/ldclient.h"
#include "common/store/blob.h"
#include "common/files/bundle.h"
#include "common/base/errors.h"
#include "common/crypto/key.h"
#include "common/store/store.h"
#include "evidence.pb-c.h"

#define MAX_FILES 64

struct ref {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	uint8_t id[LD_ID_LEN];
};

struct exp {
	ldc_t *cl;
	struct ref *refs;       /* entries held with content: listed in the manifest */
	size_t n_refs, cap_refs;
	struct {
		char feed[LD_NODE_ID_MAX + 1];
		uint64_t lo, hi;
	} feeds[256];
	size_t n_feeds;
	char root_id[LD_NODE_ID_MAX + 1];
	uint64_t root_head;
	size_t n_entries, n_header_only;
};

static void export_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong export CASE -o FILE [--files] [--file FEED:SEQ=PATH]...\n"
		"                       [--for TEXT] [--json] [-c CONFIG | --api EP]\n"
		"Write one self-contained file with every entry of the case this node holds,\n"
		"the receipts, the headers chained between them, the root's roster, and the\n"
		"evidence files given with --file, or with --files every evidence file of the\n"
		"case this node's evidence store holds (`liandong evidence get` fetches them);\n"
		"each is checked against its evidence record.\n"
		"A manifest listing all of it is signed and appended to this node's feed\n"
		"first, so the export is part of the case's history. Check the file with\n"
		"`liandong verify FILE --root KEY` (format: docs/BUNDLE.md).\n");
}

static void verify_usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong verify FILE --root KEY\n"
		"Check a case bundle offline, with nothing but the root public key (64 hex\n"
		"digits or a file): every signature, every key against the roster the root\n"
		"signed, every chain link, the signed manifest (nothing missing, nothing\n"
		"added) and every evidence file's SHA-256. Prints who said what when, whose\n"
		"receipt proves delivery, and each failure by record, feed and entry.\n"
		"Exit 0 verified, 1 not verified, 2 usage, 3 file or key problem.\n");
}

static int ref_add(struct exp *x, const char *feed, uint64_t seq, const uint8_t *id)
{
	for (size_t i = 0; i < x->n_refs; i++)
		if (x->refs[i].seq == seq && !strcmp(x->refs[i].feed, feed))
			return 0;
	if (x->n_refs == x->cap_refs) {
		size_t cap = x->cap_refs ? 2 * x->cap_refs : 64;
		struct ref *nr = realloc(x->refs, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		x->refs = nr;
		x->cap_refs = cap;
	}
	snprintf(x->refs[x->n_refs].feed, sizeof(x->refs->feed), "%s", feed);
	x->refs[x->n_refs].seq = seq;
	memcpy(x->refs[x->n_refs++].id, id, LD_ID_LEN);
	return 0;
}

static bool listed(const struct exp *x, const char *feed, uint64_t seq)
{
	for (size_t i = 0; i < x->n_refs; i++)
		if (x->refs[i].seq == seq && !strcmp(x->refs[i].feed, feed))
			return true;
	return false;
}

static int feed_span(struct exp *x, const char *feed, uint64_t seq)
{
	for (size_t i = 0; i < x->n_feeds; i++)
		if (!strcmp(x->feeds[i].feed, feed)) {
			if (seq < x->feeds[i].lo)
				x->feeds[i].lo = seq;
			if (seq > x->feeds[i].hi)
				x->feeds[i].hi = seq;
			return 0;
		}
	if (x->n_feeds == sizeof(x->feeds) / sizeof(x->feeds[0]))
		return -E2BIG;
	snprintf(x->feeds[x->n_feeds].feed, sizeof(x->feeds->feed), "%s", feed);
	x->feeds[x->n_feeds].lo = x->feeds[x->n_feeds].hi = seq;
	x->n_feeds++;
	return 0;
}


/* Note an entry of the case (or a receipt): held with content, it is listed
 * in the manifest; its feed's span grows to cover it. */
static int take(struct exp *x, const char *feed, uint64_t seq)
{
	ld_entry_t *e;
	int r = cli_get_entry(x->cl, feed, seq, &e);

	if (r < 0)
		return r;
	if (e->has_payload)
		r = ref_add(x, feed, seq, e->id);
	else
		x->n_header_only++;
	if (r == 0)
		r = feed_span(x, feed, seq);
	ld_entry_destroy(&e);
	return r;
}

/* Write feed 'feed' from lo to hi: content only for listed entries (and,
 * on the root's feed, roster updates); headers for the rest. */
static int write_span(struct exp *x, ld_bundle_writer_t *w, const char *feed, uint64_t lo,
		      uint64_t hi, bool root)
{
	uint8_t *buf = malloc(LD_ENTRY_MAX);
	uint64_t next = lo;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	while (r == 0 && next <= hi) {
		Ld__ApiRequest q = LD__API_REQUEST__INIT;
		Ld__ApiResponse *resp;

		q.has_type = q.has_seq = q.has_max = true;
		q.type = LD__API_TYPE__API_LIST;
		q.feed = (char *)feed;
		q.seq = next;
		q.max = (uint32_t)(hi - next + 1 < 1000 ? hi - next + 1 : 1000);
		if ((r = ldc_call(x->cl, &q, 10000, &resp)) < 0)
			break;
		if (!resp->ok || !resp->n_entries)
			r = -ENOENT;
		for (size_t i = 0; r == 0 && i < resp->n_entries; i++) {
			ld_entry_t *e;
			bool full;
			size_t len;

			if ((r = ld_entry_parse(resp->entries[i]->entry.data,
						resp->entries[i]->entry.len, &e)) < 0)
				break;
			if (e->hdr->seq != next || next > hi) {
				ld_entry_destroy(&e);
				break;
			}
			full = listed(x, feed, next) ||
			       (root && e->hdr->kind == LD__KIND__KIND_ROSTER_UPDATE);
			len = ld_entry_encode(e, full, buf);
			r = ld_bundle_add_entry(w, buf, len);
			x->n_entries++;
			next++;
			ld_entry_destroy(&e);
		}
		ld__api_response__free_unpacked(resp, NULL);
	}
	free(buf);
	return r;
}

struct attach {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	const char *path;
	uint8_t sha[32];
};

int cmd_export(int argc, char **argv)
{
	const char *case_id = NULL, *outp = NULL, *conf = NULL, *api = NULL, *recipient = NULL;
	struct attach files[MAX_FILES];
	size_t n_files = 0;
	struct exp x = {0};
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp = NULL, *st = NULL;
	ld_bundle_writer_t *w = NULL;
	bool json = false, all_files = false;
	char (*held)[4200] = NULL;
	ld_blobs_t *blobs = NULL;
	int r, rc = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			export_usage(stdout);
			return 0;
		} else if (!strcmp(a, "-o") && next) {
			outp = argv[++i];
		} else if (!strcmp(a, "--for") && next) {
			recipient = argv[++i];
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--files")) {
			all_files = true;
		} else if (!strcmp(a, "--file") && next) {
			const char *eq = strchr(next, '=');
			char ref[LD_NODE_ID_MAX + 24];

			i++;
			if (n_files == MAX_FILES)
				return cli_fail(EXIT_USAGE, "export: at most %d --file", MAX_FILES);
			if (!eq || (size_t)(eq - next) >= sizeof(ref) || !eq[1])
				return cli_fail(EXIT_USAGE, "export: --file '%.80s' must be FEED:SEQ=PATH", next);
			snprintf(ref, sizeof(ref), "%.*s", (int)(eq - next), next);
			if (cli_parse_ref(ref, files[n_files].feed, &files[n_files].seq) < 0)
				return cli_fail(EXIT_USAGE, "export: --file '%.80s': '%.80s' is not FEED:SEQ of an "
						"evidence record", next, ref);
			files[n_files++].path = eq + 1;
		} else if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && next) {
			conf = argv[++i];
		} else if (!strcmp(a, "--api") && next) {
			api = argv[++i];
		} else if (a[0] != '-' && !case_id) {
			case_id = a;
		} else {
			export_usage(stderr);
			return cli_fail(EXIT_USAGE, "export: unknown or incomplete option '%.80s'", a);
		}
	}
	if (!case_id || !outp) {
		export_usage(stderr);
		return cli_fail(EXIT_USAGE, "export: CASE and -o FILE are required");
	}
	if (!ld_case_id_valid(case_id))
		return cli_fail(EXIT_USAGE, "export: '%.80s' is not a case id (OWNER/LOCAL-ID)", case_id);
	for (size_t i = 0; i < n_files; i++) {
		uint64_t size;

		if ((r = ld_file_sha256(files[i].path, files[i].sha, &size)) < 0)
			return cli_fail(EXIT_FILE, "export: --file %s: %s", files[i].path, strerror(-r));
	}
	if ((r = cli_connect(api, conf, &x.cl)) != 0)
		return r;
	q.has_type = true;
	q.type = LD__API_TYPE__API_CASE;
	q.case_id = (char *)case_id;
	if ((r = ldc_call(x.cl, &q, 10000, &resp)) < 0) {
		rc = cli_daemon_fail(r, "export");
		goto out;
	}
	if (!resp->ok || !resp->case_view || !resp->case_view->n_items) {
		rc = cli_fail(EXIT_NO_CASE, "export: this node holds no case %s", case_id);
		goto out;
	}
	for (size_t i = 0; i < resp->case_view->n_items && r == 0; i++) {
		const Ld__ApiCaseItem *it = resp->case_view->items[i];

		if (it->ref && it->ref->feed)
			r = take(&x, it->ref->feed, it->ref->seq);
		for (size_t j = 0; r == 0 && j < it->n_receipts; j++)
			if (it->receipts[j]->receipt && it->receipts[j]->receipt->feed)
				r = take(&x, it->receipts[j]->receipt->feed, it->receipts[j]->receipt->seq);
	}
	if (r < 0) {
		rc = cli_fail(EXIT_STORE, "export: reading the case's entries failed: %s", ld_strerror(r));
		goto out;
	}
	/* --files: every evidence file of the case in this node's store. */
	if (all_files) {
		char dir[4096];

		held = calloc(MAX_FILES, sizeof(*held));
		if (!held || cli_blob_dir(x.cl, dir, sizeof(dir)) < 0 ||
		    ld_blobs_open(dir, &blobs) < 0) {
			rc = cli_fail(EXIT_STORE, "export: --files: this node's evidence store cannot "
						  "be opened");
			goto out;
		}
		for (size_t i = 0; i < resp->case_view->n_items; i++) {
			const Ld__ApiCaseItem *it = resp->case_view->items[i];
			Ld__EvidenceRecord *m = NULL;
			ld_entry_t *e = NULL;
			bool dup = false;

			if (!it->ref || !it->ref->feed || it->kind != LD__KIND__KIND_EVIDENCE_RECORD)
				continue;
			for (size_t j = 0; j < n_files && !dup; j++)
				dup = files[j].seq == it->ref->seq && !strcmp(files[j].feed, it->ref->feed);
			if (!dup && cli_get_entry(x.cl, it->ref->feed, it->ref->seq, &e) == 0 && e->has_payload &&
			    (m = ld__evidence_record__unpack(NULL, e->payload_len, e->payload)) &&
			    m->sha256.len == 32 && ld_blob_stat(blobs, m->sha256.data, NULL) == 0) {
				if (n_files == MAX_FILES) {
					rc = cli_fail(EXIT_USAGE, "export: more than %d evidence files",
						      MAX_FILES);
				} else {
					snprintf(files[n_files].feed, sizeof(files[n_files].feed), "%s",
						 it->ref->feed);
					files[n_files].seq = it->ref->seq;
					memcpy(files[n_files].sha, m->sha256.data, 32);
					ld_blob_path(blobs, m->sha256.data, held[n_files], sizeof(held[0]));
					files[n_files].path = held[n_files];
					n_files++;
				}
			}
			if (m)
				ld__evidence_record__free_unpacked(m, NULL);
			ld_entry_destroy(&e);
			if (rc)
				goto out;
		}
	}
	/* Evidence files: each must be the file its record names. */
	for (size_t i = 0; i < n_files; i++) {
		Ld__EvidenceRecord *m = NULL;
		ld_entry_t *e = NULL;
		char hex[65];

		if (!listed(&x, files[i].feed, files[i].seq) ||
		    cli_get_entry(x.cl, files[i].feed, files[i].seq, &e) < 0 ||
		    e->hdr->kind != LD__KIND__KIND_EVIDENCE_RECORD ||
		    !(m = ld__evidence_record__unpack(NULL, e->payload_len, e->payload))) {
			ld_entry_destroy(&e);
			rc = cli_fail(EXIT_USAGE, "export: %s:%llu is not an evidence record of case %s "
				      "held here", files[i].feed, (unsigned long long)files[i].seq, case_id);
			goto out;
		}
		if (m->sha256.len != 32 || memcmp(m->sha256.data, files[i].sha, 32)) {
			ld_hex(files[i].sha, 32, hex);
			rc = cli_fail(EXIT_VERIFY, "export: %s (SHA-256 %.16s...) is not the file evidence "
				      "%s:%llu records", files[i].path, hex, files[i].feed,
				      (unsigned long long)files[i].seq);
		}
		ld__evidence_record__free_unpacked(m, NULL);
		ld_entry_destroy(&e);
		if (rc)
			goto out;
	}
	/* The manifest: signed into this node's feed before anything is written. */
	{
		Ld__CaseExport m = LD__CASE_EXPORT__INIT;
		Ld__EntryRef *refs = calloc(x.n_refs + 1, sizeof(*refs)), **rp = calloc(x.n_refs + 1, sizeof(*rp));
		ProtobufCBinaryData *sh = calloc(n_files + 1, sizeof(*sh));
		Ld__AppendItem item = LD__APPEND_ITEM__INIT;
		const Ld__AppendItem *items[] = {&item};
		const char *aud[2];
		uint8_t *buf = NULL;
		ldc_ref_t mref;
		char *msg = NULL;
		size_t n_aud = 0;

		if (!refs || !rp || !sh) {
			free(refs);
			free(rp);
			free(sh);
			rc = cli_fail(EXIT_STORE, "export: out of memory");
			goto out;
		}
		for (size_t i = 0; i < x.n_refs; i++) {
			ld__entry_ref__init(&refs[i]);
			refs[i].feed = x.refs[i].feed;
			refs[i].has_seq = refs[i].has_id = true;
			refs[i].seq = x.refs[i].seq;
			refs[i].id.data = x.refs[i].id;
			refs[i].id.len = LD_ID_LEN;
			rp[i] = &refs[i];
		}
		for (size_t i = 0; i < n_files; i++)
			sh[i] = (ProtobufCBinaryData){.len = 32, .data = files[i].sha};
		m.case_id = (char *)case_id;
		m.entries = rp;
		m.n_entries = x.n_refs;
		m.file_sha256 = sh;
		m.n_file_sha256 = n_files;
		m.recipient = (char *)recipient;
		if (resp->case_view->referrer && resp->case_view->referrer[0])
			aud[n_aud++] = resp->case_view->referrer;
		if (resp->case_view->holder && resp->case_view->holder[0] &&
		    (!n_aud || strcmp(aud[0], resp->case_view->holder)))
			aud[n_aud++] = resp->case_view->holder;
		item.has_kind = item.has_payload = true;
		item.kind = LD__KIND__KIND_CASE_EXPORT;
		item.audience = (char **)aud;
		item.n_audience = n_aud;
		item.payload.len = ld__case_export__get_packed_size(&m);
		buf = malloc(item.payload.len + 1);
		if (buf) {
			ld__case_export__pack(&m, buf);
			item.payload.data = buf;
			r = ldc_append(x.cl, items, 1, &mref, &msg);
		} else {
			r = -ENOMEM;
		}
		free(buf);
		free(refs);
		free(rp);
		free(sh);
		if (r < 0) {
			rc = cli_sign_fail(r, msg, "export: signing the manifest");
			free(msg);
			goto out;
		}
		if ((r = feed_span(&x, mref.feed, mref.seq)) < 0 ||
		    (r = ref_add(&x, mref.feed, mref.seq, mref.id)) < 0) {
			rc = cli_fail(EXIT_STORE, "export: %s", ld_strerror(r));
			goto out;
		}
	}
	if ((r = ldc_status(x.cl, &st)) < 0 || !st->status || !st->status->root_id) {
		rc = cli_daemon_fail(r < 0 ? r : -EIO, "export");
		goto out;
	}
	snprintf(x.root_id, sizeof(x.root_id), "%s", st->status->root_id);
	for (size_t i = 0; i < st->status->n_heads; i++)
		if (st->status->heads[i]->feed && !strcmp(st->status->heads[i]->feed, x.root_id))
			x.root_head = st->status->heads[i]->seq;
	if ((r = ld_bundle_create(outp, &w)) < 0) {
		rc = cli_fail(EXIT_FILE, "export: cannot write %s: %s", outp, strerror(-r));
		goto out;
	}
	r = write_span(&x, w, x.root_id, 1, x.root_head, true);
	for (size_t i = 0; r == 0 && i < x.n_feeds; i++)
		if (strcmp(x.feeds[i].feed, x.root_id))
			r = write_span(&x, w, x.feeds[i].feed, x.feeds[i].lo, x.feeds[i].hi, false);
	for (size_t i = 0; r == 0 && i < n_files; i++) {
		if (isatty(fileno(stderr)))
			fprintf(stderr, "adding %s ...\n", files[i].path);
		r = ld_bundle_add_file(w, files[i].path, files[i].sha);
	}
	if (r == 0)
		r = ld_bundle_finish(w);
	if (r < 0) {
		rc = cli_fail(r == -EILSEQ ? EXIT_VERIFY : EXIT_FILE, "export: writing %s failed: %s",
			      outp, r == -EILSEQ ? "an evidence file changed while it was copied"
						 : ld_strerror(r));
		goto out;
	}
	if (json)
		printf("{\"bundle\": \"%s\", \"case\": \"%s\", \"entries\": %zu, \"listed\": %zu, "
		       "\"header_only\": %zu, \"files\": %zu}\n", outp, case_id, x.n_entries,
		       x.n_refs, x.n_header_only, n_files);
	else
		printf("exported %s to %s: %zu entries (%zu with content, listed in the signed "
		       "manifest; %zu held here as header only), %zu evidence files\n"
		       "verify with: liandong verify %s --root ROOT-KEY\n", case_id, outp,
		       x.n_entries, x.n_refs, x.n_header_only, n_files, outp);
out:
	free(held);
	ld_blobs_destroy(&blobs);
	ld_bundle_writer_destroy(&w);
	if (resp)
		ld__api_response__free_unpacked(resp, NULL);
	if (st)
		ld__api_response__free_unpacked(st, NULL);
	free(x.refs);
	ldc_destroy(&x.cl);
	return rc;
}

int cmd_verify(int argc, char **argv)
{
	const char *path = NULL, *root = NULL;
	uint8_t root_pub[LD_PUBKEY_LEN];
	char why[512];
	struct stat sb;
	int r;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			verify_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			root = argv[++i];
		} else if (argv[i][0] != '-' && !path) {
			path = argv[i];
		} else {
			verify_usage(stderr);
			return cli_fail(EXIT_USAGE, "verify: unknown or incomplete option '%.80s'", argv[i]);
		}
	}
	if (!path || !root) {
		verify_usage(stderr);
		return cli_fail(EXIT_USAGE, "verify: FILE and --root KEY are required");
	}
	if (stat(path, &sb) != 0)
		return cli_fail(EXIT_FILE, "verify: %s: %s", path, strerror(errno));
	r = ld_pubkey_parse(root, root_pub);
	if (r < 0)
		return cli_fail(EXIT_FILE, "verify: --root %s: %s", root,
				r == -ENOENT ? "neither 64 hex digits nor an existing file"
					     : "not an Ed25519 public key");
	r = ld_bundle_verify(path, root_pub, stdout, why, sizeof(why));
	if (r == 0)
		return 0;
	return cli_fail(r == -ENOMEM || r == -EIO ? EXIT_FILE : EXIT_VERIFY, "verify: %s: %s", path,
			why[0] ? why : ld_strerror(r));
}

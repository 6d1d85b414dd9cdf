/* client/cmd_bundle.c: `liandong export CASE -o FILE` (a case bundle a court
 * can verify offline, with a signed manifest appended to this node's feed)
 * and `liandong verify FILE --root KEY` (no daemon, no network). The format
 * is docs/BUNDLE.md. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/cli.h"
#include "client/i18n.h"
#include "client/ldclient.h"
#include "common/store/blob.h"
#include "common/files/bundle.h"
#include "common/files/bundle_build.h"
#include "common/base/errors.h"
#include "common/crypto/key.h"
#include "common/store/store.h"
#include "common/feed/kinds.h"
#include "consult.pb-c.h"

static void export_usage(FILE *f)
{
	fprintf(f, "Usage: liandong export CASE -o FILE [--files] [--file FEED:SEQ=PATH]...\n"
		   "                       [--for TEXT] [--json] [-c CONFIG | --api EP]\n"
		   "Write one self-contained file with every entry of the case this node holds,\n"
		   "the whole record of every consultation (会商) about it (people named by\n"
		   "reference only: no phone number of the liaison directory goes in),\n"
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
	fprintf(f, "Usage: liandong verify FILE --root KEY\n"
		   "Check a case bundle offline, with nothing but the root public key (64 hex\n"
		   "digits or a file): every signature, every key against the roster the root\n"
		   "signed, every chain link, the signed manifest (nothing missing, nothing\n"
		   "added) and every evidence file's SHA-256. Prints who said what when, whose\n"
		   "receipt proves delivery, and each failure by record, feed and entry.\n"
		   "Exit 0 verified, 1 not verified, 2 usage, 3 file or key problem.\n");
}

/* Entries come through the daemon's API. */
static int src_get(void *ud, const char *feed, uint64_t seq, ld_entry_t **ret)
{
	return cli_get_entry(ud, feed, seq, ret);
}

static int src_list(void *ud, const char *feed, uint64_t from, uint64_t to, size_t max,
		    ld_entry_t **ret, size_t *ret_n)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	int r;

	q.has_type = q.has_seq = q.has_max = true;
	q.type = LD__API_TYPE__API_LIST;
	q.feed = (char *)feed;
	q.seq = from;
	q.max = (uint32_t)(to - from + 1 < max ? to - from + 1 : max);
	if ((r = ldc_call(ud, &q, 10000, &resp)) < 0)
		return r;
	*ret_n = 0;
	r = resp->ok && resp->n_entries ? 0 : -ENOENT;
	for (size_t i = 0; r == 0 && i < resp->n_entries && i < max; i++)
		if ((r = ld_entry_parse(resp->entries[i]->entry.data, resp->entries[i]->entry.len,
					&ret[i])) == 0)
			(*ret_n)++;
	if (r < 0)
		while (*ret_n)
			ld_entry_destroy(&ret[--*ret_n]);
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

static void src_progress(void *ud, const char *path)
{
	if (isatty(fileno(stderr)))
		fprintf(stderr, "adding %s ...\n", path);
}

/* Sign the manifest into this node's feed: the export is part of the
 * case's history before anything is written. */
static int sign_manifest(ldc_t *cl, ld_bundle_build_t *b, const char *recipient, ldc_ref_t *ref)
{
	Ld__AppendItem item = LD__APPEND_ITEM__INIT;
	const Ld__AppendItem *items[] = {&item};
	const char *aud[2];
	uint8_t *buf = NULL;
	char *msg = NULL;
	size_t n_aud;
	int r;

	if (ld_bundle_build_manifest(b, recipient, &buf, &item.payload.len, aud, &n_aud) < 0)
		return cli_fail(EXIT_STORE, "export: out of memory");
	item.has_kind = item.has_payload = true;
	item.kind = LD__KIND__KIND_CASE_EXPORT;
	item.audience = (char **)aud;
	item.n_audience = n_aud;
	item.payload.data = buf;
	r = ldc_append(cl, items, 1, ref, &msg);
	free(buf);
	if (r < 0) {
		r = cli_sign_fail(r, msg, "export: signing the manifest");
		free(msg);
		return r;
	}
	if ((r = ld_bundle_build_signed(b, ref->feed, ref->seq, ref->id)) < 0)
		return cli_fail(EXIT_STORE, "export: %s", cli_strerror(r));
	return 0;
}

/* The root's id and the head of its feed, as this node holds them. */
static int root_head(ldc_t *cl, char root[LD_NODE_ID_MAX + 1], uint64_t *head)
{
	Ld__ApiResponse *st;
	int r = ldc_status(cl, &st);

	if (r < 0 || !st->status || !st->status->root_id) {
		if (r == 0)
			ld__api_response__free_unpacked(st, NULL);
		return cli_daemon_fail(r < 0 ? r : -EIO, "export");
	}
	snprintf(root, LD_NODE_ID_MAX + 1, "%s", st->status->root_id);
	*head = 0;
	for (size_t i = 0; i < st->status->n_heads; i++)
		if (st->status->heads[i]->feed && !strcmp(st->status->heads[i]->feed, root))
			*head = st->status->heads[i]->seq;
	ld__api_response__free_unpacked(st, NULL);
	return 0;
}

/* Items and their receipts into the bundle. */
static int take_items(ld_bundle_build_t *b, Ld__ApiCaseItem **items, size_t n)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		const Ld__ApiCaseItem *it = items[i];

		if (it->ref && it->ref->feed)
			r = ld_bundle_build_take(b, it->ref->feed, it->ref->seq);
		for (size_t j = 0; r == 0 && j < it->n_receipts; j++)
			if (it->receipts[j]->receipt && it->receipts[j]->receipt->feed)
				r = ld_bundle_build_take(b, it->receipts[j]->receipt->feed,
							 it->receipts[j]->receipt->seq);
	}
	return r;
}

/* A consultation convened about the case (its convening is an item of the
 * case): its whole signed record goes in too (answers, minutes,
 * signatures, escalations). People are named in it by reference only, so
 * no phone number enters a bundle. */
static int take_consult(ldc_t *cl, ld_bundle_build_t *b, const Ld__ApiCaseItem *it)
{
	Ld__ConsultConvene *m;
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	int r;

	if (it->kind != LD__KIND__KIND_CONSULT_CONVENE || !it->has_payload ||
	    !(m = ld_payload_unpack(it->kind, it->payload.data, it->payload.len)))
		return 0;
	q.has_type = true;
	q.type = LD__API_TYPE__API_CONSULT;
	q.case_id = m->consult_id;
	r = m->consult_id ? ldc_call(cl, &q, 10000, &resp) : -ENOENT;
	ld_payload_free(m);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = resp->ok && resp->consult ? take_items(b, resp->consult->items, resp->consult->n_items)
				      : 0;
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

/* Every entry of the case and every receipt of one, as the daemon's case
 * view names them, and the record of every consultation about it. */
static int take_case(ldc_t *cl, ld_bundle_build_t *b, const Ld__ApiCase *k)
{
	int r = take_items(b, k->items, k->n_items);

	for (size_t i = 0; r == 0 && i < k->n_items; i++)
		r = take_consult(cl, b, k->items[i]);
	return r < 0 ? cli_fail(EXIT_STORE, "export: reading the case's entries failed: %s",
				cli_strerror(r))
		     : 0;
}

struct attach {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	const char *path;
	uint8_t sha[32];
};

/* --file FEED:SEQ=PATH: each must be the file its evidence record names. */
static int attach_files(ld_bundle_build_t *b, const struct attach *files, size_t n,
			const char *case_id)
{
	char hex[65];

	for (size_t i = 0; i < n; i++) {
		int r = ld_bundle_build_file(b, files[i].feed, files[i].seq, files[i].path,
					     files[i].sha);

		if (r == -ENOENT)
			return cli_fail(EXIT_USAGE,
					"export: %s:%llu is not an evidence record of "
					"case %s held here",
					files[i].feed, (unsigned long long)files[i].seq, case_id);
		if (r == LD_EPAYLOAD)
			return cli_fail(EXIT_VERIFY,
					"export: %s (SHA-256 %.16s...) is not the "
					"file evidence %s:%llu records",
					files[i].path, ld_hex(files[i].sha, 32, hex), files[i].feed,
					(unsigned long long)files[i].seq);
		if (r < 0)
			return cli_fail(EXIT_STORE, "export: %s", cli_strerror(r));
	}
	return 0;
}

/* --files: every evidence file of the case in this node's evidence store. */
static int attach_held(ldc_t *cl, ld_bundle_build_t *b)
{
	ld_blobs_t *blobs = NULL;
	char dir[4096];
	int r;

	if (cli_blob_dir(cl, dir, sizeof(dir)) < 0 || ld_blobs_open(dir, &blobs) < 0)
		return cli_fail(EXIT_STORE, "export: --files: this node's evidence store cannot be "
					    "opened");
	r = ld_bundle_build_held_files(b, blobs);
	ld_blobs_destroy(&blobs);
	if (r == -E2BIG)
		return cli_fail(EXIT_USAGE, "export: more than %d evidence files",
				LD_BUNDLE_FILES_MAX);
	return r < 0 ? cli_fail(EXIT_STORE, "export: %s", cli_strerror(r)) : 0;
}

static void export_text(json_t *o)
{
	printf("exported %s to %s: %lld entries (%lld with content, listed in the signed "
	       "manifest; %lld held here as header only), %lld evidence files\n"
	       "verify with: liandong verify %s --root ROOT-KEY\n",
	       cli_jstr(o, "case"), cli_jstr(o, "bundle"), cli_jint(o, "entries"),
	       cli_jint(o, "listed"), cli_jint(o, "header_only"), cli_jint(o, "files"),
	       cli_jstr(o, "bundle"));
}

/* Assemble (common/bundle_build), sign the manifest, write; then report. */
static int export_case(ldc_t *cl, const char *case_id, const char *outp, const char *recipient,
		       const struct attach *files, size_t n_files, bool all_files, bool json)
{
	const ld_bundle_source_t src = {
		.get = src_get, .list = src_list, .progress = src_progress, .ud = cl};
	Ld__ApiResponse *resp = NULL;
	ld_bundle_build_t *b = NULL;
	char root[LD_NODE_ID_MAX + 1], hex[65];
	ld_bundle_counts_t n;
	uint64_t head = 0;
	ldc_ref_t mref;
	int r;

	if ((r = cli_fetch_case(cl, case_id, &resp)) < 0)
		return cli_daemon_fail(r, "export");
	if (!resp->ok || !resp->case_view || !resp->case_view->n_items) {
		ld__api_response__free_unpacked(resp, NULL);
		return cli_fail(EXIT_NO_CASE, "export: this node holds no case %s", case_id);
	}
	r = ld_bundle_build_new(case_id, resp->case_view->referrer, resp->case_view->holder, &src,
				&b) < 0
		    ? cli_fail(EXIT_STORE, "export: out of memory")
		    : 0;
	r = r ? r : take_case(cl, b, resp->case_view);
	r = r ? r : attach_files(b, files, n_files, case_id);
	r = r || !all_files ? r : attach_held(cl, b);
	r = r ? r : sign_manifest(cl, b, recipient, &mref);
	r = r ? r : root_head(cl, root, &head);
	if (!r && (r = ld_bundle_build_write(b, outp, root, head)) < 0)
		r = cli_fail(r == -EILSEQ ? EXIT_VERIFY : EXIT_FILE,
			     "export: writing %s failed: %s", outp,
			     r == -EILSEQ ? _("an evidence file changed while it was copied")
					  : cli_strerror(r));
	ld__api_response__free_unpacked(resp, NULL);
	if (r) {
		ld_bundle_build_destroy(&b);
		return r;
	}
	ld_bundle_build_counts(b, &n);
	ld_bundle_build_destroy(&b);
	return cli_output(json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:{s:s, s:I, s:s}}", "bundle",
				    cli_json_text(outp), "case", cli_json_text(case_id), "entries",
				    (json_int_t)n.entries, "listed", (json_int_t)n.listed,
				    "header_only", (json_int_t)n.header_only, "files",
				    (json_int_t)n.files, "manifest", "feed", mref.feed, "seq",
				    (json_int_t)mref.seq, "id", ld_hex(mref.id, 32, hex)),
			  json, export_text);
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"for", required_argument, NULL, 'F'},
		{"files", no_argument, NULL, 'A'},
		{"file", required_argument, NULL, 'f'},
		CLI_COMMON_OPTS,
	};
	const char *outp = NULL, *recipient = NULL, *case_id;
	struct attach files[LD_BUNDLE_FILES_MAX];
	size_t n_files = 0;
	bool all_files = false;
	cli_common_t co = {0};
	ldc_t *cl;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "c:o:h", opts, NULL)) != -1) {
		const char *eq = optarg ? strchr(optarg, '=') : NULL;
		char ref[LD_NODE_ID_MAX + 24];

		if (cli_common_opt(&co, c))
			continue;
		switch (c) {
		case 'o':
			outp = optarg;
			break;
		case 'F':
			recipient = optarg;
			break;
		case 'A':
			all_files = true;
			break;
		case 'f':
			if (n_files == LD_BUNDLE_FILES_MAX)
				return cli_fail(EXIT_USAGE, "export: at most %d --file",
						LD_BUNDLE_FILES_MAX);
			if (!eq || (size_t)(eq - optarg) >= sizeof(ref) || !eq[1])
				return cli_fail(EXIT_USAGE,
						"export: --file '%.80s' must be "
						"FEED:SEQ=PATH",
						optarg);
			snprintf(ref, sizeof(ref), "%.*s", (int)(eq - optarg), optarg);
			if (cli_parse_ref(ref, files[n_files].feed, &files[n_files].seq) < 0)
				return cli_fail(EXIT_USAGE,
						"export: --file '%.80s': '%.80s' is "
						"not FEED:SEQ of an evidence record",
						optarg, ref);
			files[n_files++].path = eq + 1;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			export_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !outp) {
		export_usage(stderr);
		return cli_fail(EXIT_USAGE, "export: CASE and -o FILE are required");
	}
	case_id = argv[optind - 1];
	if (!ld_case_id_valid(case_id))
		return cli_fail(EXIT_USAGE, "export: '%.80s' is not a case id (OWNER/LOCAL-ID)",
				case_id);
	for (size_t i = 0; i < n_files; i++)
		if ((r = ld_file_sha256(files[i].path, files[i].sha, NULL)) < 0)
			return cli_fail(EXIT_FILE, "export: --file %s: %s", files[i].path,
					strerror(-r));
	if ((r = cli_connect(co.api, co.conf, &cl)) != 0)
		return r;
	r = export_case(cl, case_id, outp, recipient, files, n_files, all_files, co.json);
	ldc_destroy(&cl);
	return r;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *path, *root = NULL;
	uint8_t root_pub[LD_PUBKEY_LEN];
	char why[512];
	struct stat sb;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'h':
			verify_usage(stdout);
			return 0;
		default:
			verify_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !root) {
		verify_usage(stderr);
		return cli_fail(EXIT_USAGE, "verify: FILE and --root KEY are required");
	}
	path = argv[optind - 1];
	if (stat(path, &sb) != 0)
		return cli_fail(EXIT_FILE, "verify: %s: %s", path, strerror(errno));
	r = ld_pubkey_parse(root, root_pub);
	if (r < 0)
		return cli_fail(EXIT_FILE, "verify: --root %s: %s", root,
				r == -ENOENT ? _("neither 64 hex digits nor an existing file")
					     : _("not an Ed25519 public key"));
	r = ld_bundle_verify(path, root_pub, stdout, why, sizeof(why));
	if (r == 0)
		return 0;
	return cli_fail(r == -ENOMEM || r == -EIO ? EXIT_FILE : EXIT_VERIFY, "verify: %s: %s", path,
			why[0] ? why : cli_strerror(r));
}

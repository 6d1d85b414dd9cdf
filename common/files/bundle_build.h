/* common/files/bundle_build.h: assembling a case bundle — which entries, which
 * spans of which feeds, which evidence files, and the manifest that lists
 * them (docs/BUNDLE.md, "What an exporter puts in"); common/bundle.h writes
 * and reads the file itself.
 *
 * Entries are read through a source the caller supplies (the tool reads
 * through its daemon's API, a test from memory), so the rules live here
 * once. The steps, in order:
 *
 *   ld_bundle_build_new(case, referrer, holder, &src, &b)
 *   ld_bundle_build_take(b, feed, seq)        every entry of the case and
 *                                             every receipt of one
 *   ld_bundle_build_file(b, feed, seq, ...)   evidence files named by hand
 *   ld_bundle_build_held_files(b, blobs)      and/or every one a store holds
 *   ld_bundle_build_manifest(b, ...)          the payload to sign; the caller
 *                                             signs it into its own feed, then
 *   ld_bundle_build_signed(b, feed, seq, id)
 *   ld_bundle_build_write(b, path, root, head)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/store/blob.h"
#include "common/feed/entry.h"

#define LD_BUNDLE_FILES_MAX 64	/* evidence files in one bundle */
#define LD_BUNDLE_FEEDS_MAX 256 /* feeds with an entry of the case */

/* Where the builder reads entries. */
typedef struct ld_bundle_source {
	/* Entry (feed, seq) as held (payload absent if held redacted). 0 and
	 * *ret owned by the caller; -ENOENT if not held; or -errno. */
	int (*get)(void *ud, const char *feed, uint64_t seq, ld_entry_t **ret);
	/* Entries of 'feed' from seq 'from' on, at most 'max' and none past
	 * 'to', in order, into ret[0..*ret_n) (owned by the caller). 0 (with
	 * at least one entry), -ENOENT, or -errno. */
	int (*list)(void *ud, const char *feed, uint64_t from, uint64_t to, size_t max,
		    ld_entry_t **ret, size_t *ret_n);
	/* Told before each evidence file is copied in (may be NULL). */
	void (*progress)(void *ud, const char *file_path);
	void *ud;
} ld_bundle_source_t;

typedef struct ld_bundle_build ld_bundle_build_t;

/* What a bundle holds, for the caller to report. */
typedef struct ld_bundle_counts {
	size_t entries;	    /* entries written (with content or header only) */
	size_t listed;	    /* with content, listed in the manifest */
	size_t header_only; /* entries of the case held here as header only */
	size_t files;	    /* evidence files */
} ld_bundle_counts_t;

/* Start assembling the bundle of case 'case_id', whose referrer and holder
 * (either may be NULL or "") receive the manifest. Strings are copied; 'src'
 * is borrowed and must outlive the builder. Caller owns *ret. 0 or -ENOMEM. */
int ld_bundle_build_new(const char *case_id, const char *referrer, const char *holder,
			const ld_bundle_source_t *src, ld_bundle_build_t **ret);

/* Free; sets *b_p = NULL. Safe on NULL and twice. */
void ld_bundle_build_destroy(ld_bundle_build_t **b_p);

/* Take entry (feed, seq), an entry of the case or a receipt of one: held
 * with content, it is listed in the manifest; held as header only, it is
 * counted; either way its feed's span grows to cover it. Taking an entry
 * twice is taking it once. 0; -ENOENT if it is not held; -E2BIG past
 * LD_BUNDLE_FEEDS_MAX feeds; or the source's error. */
int ld_bundle_build_take(ld_bundle_build_t *b, const char *feed, uint64_t seq);

/* Attach evidence file 'path' (copied: it must stay readable until
 * ld_bundle_build_write) whose SHA-256, as the caller hashed it, is
 * 'sha256', for the evidence record (feed, seq). 0; -ENOENT if (feed, seq)
 * is not an evidence record taken with content; LD_EPAYLOAD if the record
 * names another SHA-256; -E2BIG past LD_BUNDLE_FILES_MAX. */
int ld_bundle_build_file(ld_bundle_build_t *b, const char *feed, uint64_t seq, const char *path,
			 const uint8_t sha256[32]);

/* Attach every evidence file of the case (records taken with content, in
 * the order taken) that 'blobs' holds complete and that is not attached
 * yet. 0, -E2BIG past LD_BUNDLE_FILES_MAX, or -ENOMEM. */
int ld_bundle_build_held_files(ld_bundle_build_t *b, ld_blobs_t *blobs);

/* The manifest to sign (an ld.CaseExport payload, kind KIND_CASE_EXPORT):
 * every entry taken with content, every file attached, 'recipient' (may be
 * NULL). *ret_payload is the caller's (free), *ret_len its length;
 * aud[0..*n_aud) is its audience: the case's referrer and holder, those
 * given, each once (borrowed from b). 0 or -ENOMEM. */
int ld_bundle_build_manifest(ld_bundle_build_t *b, const char *recipient, uint8_t **ret_payload,
			     size_t *ret_len, const char *aud[2], size_t *n_aud);

/* The manifest was signed as entry (feed, seq) with id 'id': it goes into
 * the bundle, with its content. 0, -E2BIG or -ENOMEM. */
int ld_bundle_build_signed(ld_bundle_build_t *b, const char *feed, uint64_t seq,
			   const uint8_t id[LD_ID_LEN]);

/* Write the bundle to 'path' (replaced only once complete): the root's feed
 * 'root_id' from #1 to 'root_head' (roster updates and the case's entries
 * with content, the rest as headers), then every other feed's span (the
 * case's entries and receipts with content, the entries between them as
 * headers), then the evidence files. 0; -EILSEQ if an evidence file changed
 * since it was hashed; LD_EGAP if the source skips an entry; or -errno. */
int ld_bundle_build_write(ld_bundle_build_t *b, const char *path, const char *root_id,
			  uint64_t root_head);

/* What the bundle holds (after ld_bundle_build_write: everything). */
void ld_bundle_build_counts(const ld_bundle_build_t *b, ld_bundle_counts_t *ret);

/* common/files/bundle.h: case bundles, one self-contained file a court can verify
 * offline with nothing but the root public key (format: docs/BUNDLE.md).
 *
 * A bundle holds wire entries (the case's entries and receipts with their
 * payloads, the headers chained between them, the root's feed with its
 * roster updates), evidence files by SHA-256, and an end record. The last
 * case-export entry in it is the manifest, signed by the exporting unit. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/feed/entry.h"

#define LD_BUNDLE_MAGIC "LIANDONG-BUNDLE\n"
#define LD_BUNDLE_VERSION 1u
enum { LD_BREC_ENTRY = 1, LD_BREC_FILE = 2, LD_BREC_END = 0xff };

typedef struct ld_bundle_writer ld_bundle_writer_t;

/* Start writing 'path' (through 'path'.part, renamed by ld_bundle_finish).
 * Caller owns *ret. 0 or -errno. */
int ld_bundle_create(const char *path, ld_bundle_writer_t **ret);

/* Add one wire entry (ld_entry_encode form, with or without payload). */
int ld_bundle_add_entry(ld_bundle_writer_t *w, const void *wire, size_t len);

/* Add the evidence file at 'file_path', streamed; its SHA-256 must be
 * 'sha256' (checked while copying: -EILSEQ if the file changed). */
int ld_bundle_add_file(ld_bundle_writer_t *w, const char *file_path, const uint8_t sha256[32]);

/* Write the end record, sync and rename into place. */
int ld_bundle_finish(ld_bundle_writer_t *w);

/* Free; an unfinished bundle's partial file is removed. */
void ld_bundle_writer_destroy(ld_bundle_writer_t **w_p);

/* SHA-256 of a file, streamed; size into *ret_size (may be NULL). */
int ld_file_sha256(const char *path, uint8_t out[32], uint64_t *ret_size);

/* Verify bundle 'path' against 'root_pub' and print a readable report to
 * 'out' (may be NULL). 0 if everything verifies; otherwise a negative code
 * and the first failure, in words naming the record, feed, entry or file,
 * in 'why' (why_len bytes). Reads entries one at a time and streams files:
 * memory follows the number of entries, not the size of the files. */
int ld_bundle_verify(const char *path, const uint8_t root_pub[LD_PUBKEY_LEN], FILE *out, char *why,
		     size_t why_len);

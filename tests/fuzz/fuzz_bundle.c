/* tests/fuzz/fuzz_bundle.c: libFuzzer harness for the case bundle reader.
 *
 * A bundle arrives from outside — a court, a lawyer, another unit — and is
 * checked with `liandong verify` (ld_bundle_verify), which must never crash
 * or hang whatever the file holds. The input is written as a bundle file in a
 * private temporary directory and verified against the root key of
 * fuzz_key.h (FUZZ_PUB_A), the key the seeds of gen_bundle.c are signed
 * with, so that mutants of valid bundles reach the roster, chain, manifest
 * and file checks rather than stopping at the root key.
 *
 * A mutant nearly always breaks the end digest (a SHA-256 of every byte
 * before it), and the verifier stops reading past a damaged file. So each
 * input is verified as it is, and again with its end digest recomputed, as
 * someone who altered a bundle on purpose would do: that copy goes on to the
 * roster, chain, manifest and file checks.
 *
 * Beyond "no crash, no leak, no UB" (left to the sanitizers), the harness
 * abort()s when the verifier's answer and its report disagree:
 *  - verified: no failure reason, and the report ends "VERIFIED: ...";
 *  - refused: a reason in words (unless out of memory), and the report
 *    names the failure ("FAILED: ..." or "NOT VERIFIED");
 *  - the same answer without a report (out NULL) as with one (checked for
 *    one input in eight, chosen by its bytes, to keep the runs fast).
 *
 * Inputs named crash-* in corpus/bundle/ reproduce bugs found this way.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/files/bundle.h"

#include "fuzz_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Noreturn void broken(const char *what, int r, const char *why)
{
	fprintf(stderr, "fuzz_bundle: invariant broken: %s (r=%d: %s)\n", what, r, why);
	abort();
}

static char dir[64], path[128];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static void verify(const uint8_t *data, size_t size, bool quiet_too)
{
	char why[512], why2[512], *report = NULL;
	size_t report_len = 0;
	FILE *f, *out;
	int r, r2;

	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		broken("cannot write the input file", -errno, path);
	out = open_memstream(&report, &report_len);
	if (!out)
		return;
	r = ld_bundle_verify(path, FUZZ_PUB_A, out, why, sizeof(why));
	fclose(out);
	if (r == 0 && (why[0] || !strstr(report, "\nVERIFIED: ")))
		broken("verified, but the report or reason says otherwise", r, why);
	if (r < 0 && r != -ENOMEM &&
	    (!why[0] || (!strstr(report, "FAILED: ") && !strstr(report, "NOT VERIFIED"))))
		broken("refused without saying why", r, why);
	free(report);
	if (!quiet_too)
		return;
	r2 = ld_bundle_verify(path, FUZZ_PUB_A, NULL, why2, sizeof(why2));
	if (r2 != r && r != -ENOMEM && r2 != -ENOMEM)
		broken("another answer without a report", r2, why2);
}

/* Offset of the end record's digest, if the records up to it are well
 * framed; 0 if not. */
static size_t end_digest_at(const uint8_t *data, size_t size)
{
	size_t at = 20;

	while (at + 9 <= size) {
		uint64_t len = 0;

		for (int i = 0; i < 8; i++)
			len = len << 8 | data[at + 1 + i];
		if (data[at] == LD_BREC_END)
			return len == 32 && size - at - 9 >= 32 ? at + 9 : 0;
		if (len > size - at - 9)
			return 0;
		at += 9 + (size_t)len;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool quiet_too = !size || data[size / 2] % 8 == 0;
	size_t d = end_digest_at(data, size);
	uint8_t *fixed;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s", "/tmp/ld-fuzz-bundle-XXXXXX");
		if (!mkdtemp(dir))
			broken("cannot create a temporary directory", -errno, strerror(errno));
		snprintf(path, sizeof(path), "%s/input.ldb", dir);
		atexit(cleanup);
	}
	verify(data, size, quiet_too);
	if (!d || !(fixed = malloc(size)))
		return 0;
	memcpy(fixed, data, size);
	if (EVP_Digest(fixed, d, fixed + d, NULL, EVP_sha256(), NULL) == 1 &&
	    memcmp(fixed + d, data + d, 32))
		verify(fixed, size, quiet_too);
	free(fixed);
	return 0;
}

/* tests/fuzz/replay.c: run a fuzz corpus through a harness without libFuzzer.
 *
 * Linked with a harness instead of -fsanitize=fuzzer, so that every build
 * (gcc included) replays the committed seeds and the reproducers of fixed
 * bugs as an ordinary meson test, under whatever sanitizers the build uses.
 *
 *	replay CORPUS_DIR [FILE...]
 *
 * Replays every regular file in CORPUS_DIR (in name order, so runs compare),
 * then each FILE. A harness finding a bug abort()s, which fails the test.
 * An unreadable directory, an unreadable file, or fewer than REPLAY_MIN_FILES
 * files in the directory also fail: a corpus that went missing or was moved
 * must not turn into a test that checks nothing and passes.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MIN_FILES 20

/* Read the whole file into a buffer of exactly its size (ASan then flags a
 * harness reading past the input, as libFuzzer's own buffers would). */
static int replay_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t size;
	FILE *f;
	int r = 0;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "replay: %s: not a readable regular file\n", path);
		fclose(f);
		return -1;
	}
	size = (size_t)st.st_size;
	/* malloc(0) may return NULL; the harness still gets a valid pointer. */
	buf = malloc(size ? size : 1);
	if (!buf) {
		fprintf(stderr, "replay: %s: out of memory\n", path);
		fclose(f);
		return -1;
	}
	if (size && fread(buf, 1, size, f) != size) {
		fprintf(stderr, "replay: %s: short read\n", path);
		r = -1;
	}
	fclose(f);
	if (r == 0) {
		/* Name the input first: if the harness aborts, the log says
		 * which file to rerun. */
		fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
		LLVMFuzzerTestOneInput(buf, size);
	}
	free(buf);
	return r;
}

static int skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Returns the number of files replayed, or -1. */
static int replay_dir(const char *dir)
{
	struct dirent **names;
	int n, count = 0, failed = 0;

	n = scandir(dir, &names, skip_dot, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(dir) + 1 + strlen(names[i]->d_name) + 1;
		char *path = malloc(len);

		if (path) {
			snprintf(path, len, "%s/%s", dir, names[i]->d_name);
			if (replay_file(path) == 0)
				count++;
			else
				failed = 1;
		} else {
			failed = 1;
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return failed ? -1 : count;
}

int main(int argc, char **argv)
{
	int n, extra = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR [FILE...]\n", argv[0]);
		return 2;
	}
	n = replay_dir(argv[1]);
	if (n < 0)
		return 1;
	for (int i = 2; i < argc; i++) {
		if (replay_file(argv[i]) < 0)
			return 1;
		extra++;
	}
	printf("replayed %d files from %s and %d more\n", n, argv[1], extra);
	if (n < REPLAY_MIN_FILES) {
		fprintf(stderr, "replay: only %d files in %s, expected at least %d\n", n, argv[1],
			REPLAY_MIN_FILES);
		return 1;
	}
	return 0;
}

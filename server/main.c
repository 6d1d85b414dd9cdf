/* server/main.c: liandongd, the node daemon. The replication daemon is built
 * in the next stage; for now it only answers --help and --version. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "Usage: liandongd -c CONFIG\n"
		   "\n"
		   "The liandong node daemon: keeps this organisation's signed feed and\n"
		   "replicates the feeds of its peers.\n"
		   "\n"
		   "  -c, --config FILE  node configuration (INI)\n"
		   "  -h, --help         show this help\n"
		   "      --version      show the version\n"
		   "\n"
		   "Not implemented yet: replication over ZeroMQ (see the project issues).\n");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("liandongd %s\n", LD_VERSION);
			return 0;
		}
	}
	usage(stderr);
	fprintf(stderr, "liandongd: the daemon is not implemented yet\n");
	return 2;
}

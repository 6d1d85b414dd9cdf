/* server/main.c: liandongd, the node daemon of one organisation. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/base/secret.h"
#include "common/conf/config.h"
#include "server/log.h"
#include "server/node.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: liandongd -c CONFIG [--check]\n"
		   "\n"
		   "The liandong node daemon: keeps this organisation's signed feed,\n"
		   "replicates the feeds of its peers over ZeroMQ with CurveZMQ, and serves\n"
		   "the local API used by the `liandong` tool.\n"
		   "\n"
		   "  -c, --config FILE  node configuration (INI; see deploy/example.conf)\n"
		   "      --check        check the configuration and keys, then exit\n"
		   "  -h, --help         show this help\n"
		   "      --version      show the version\n"
		   "\n"
		   "Logs go to stderr. SIGTERM or SIGINT stop it cleanly.\n"
		   "Exit: 0 clean stop, 1 runtime failure, 2 usage, 3 bad configuration.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	const char *path = NULL;
	ld_config_t *conf = NULL;
	ld_node_t *node = NULL;
	bool check = false;
	char err[2048];
	int c, r;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'k':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("liandongd %s\n", LD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!path || optind < argc) {
		usage(stderr);
		fprintf(stderr, "liandongd: %s\n",
			path ? "unexpected argument" : "-c CONFIG is required");
		return 2;
	}
	/* Who could change the configuration could change what this node signs. */
	r = ld_file_trusted(path, "configuration", false, err, sizeof(err));
	if (r == -EPERM || r == -EACCES) {
		fprintf(stderr, "liandongd: %s\n", err);
		return 3;
	}
	if (ld_config_load(path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "liandongd: %s\n", err);
		return 3;
	}
	ld_log_set_level((enum ld_log_level)conf->log_level);
	r = ld_node_open(conf, &node);
	if (r < 0)
		return 3;
	if (check) {
		log_info("configuration %s is valid", path);
		ld_node_destroy(&node);
		return 0;
	}
	r = ld_node_run(node);
	ld_node_destroy(&node);
	log_info("stopped");
	return r < 0 ? 1 : 0;
}

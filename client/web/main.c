/* client/web/main.c: liandong-web, the command wall's web server.
 *
 * A separate, unprivileged process beside the node's daemon: it reads the
 * node's configuration (for [node] api_ro, id, timezone and [web]), talks to
 * the daemon only over the READ-ONLY API socket, and never opens the signing
 * API socket or the signing key: an HTTP bug here cannot make the node sign
 * (docs/ARCHITECTURE.md). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "client/web/http.h"
#include "client/web/weblog.h"
#include "common/base/timeutil.h"
#include "common/conf/config.h"

enum { EXIT_USAGE = 2, EXIT_CONFIG = 3, EXIT_LISTEN = 4 };

static void usage(FILE *f)
{
	fprintf(f, "Usage: liandong-web [--config FILE] [--listen ADDR:PORT]\n"
		   "       liandong-web passwd USER\n"
		   "The command wall: a read-only web view of this node for duty rooms and desk\n"
		   "screens, live (Server-Sent Events), with /metrics and /healthz.\n"
		   "\n"
		   "--config FILE  the node's liandongd.conf (default $LIANDONG_CONFIG, then\n"
		   "               ./liandongd.conf): [node] api_ro (the daemon's read-only API,\n"
		   "               the only socket used), id, timezone; [web] listen, regions,\n"
		   "               tls_cert, tls_key, accounts\n"
		   "--listen A:P   where to serve (default [web] listen, else 127.0.0.1:8480;\n"
		   "               [::1]:8480 for IPv6; port 0: any free port, printed)\n"
		   "\n"
		   "Beyond loopback it serves only over TLS ([web] tls_cert, tls_key: PEM files)\n"
		   "and only to accounts ([web] accounts: lines user:viewer:HASH, HTTP Basic);\n"
		   "every login is logged. `liandong-web passwd USER` reads a password on\n"
		   "standard input and prints the line for the accounts file (scrypt).\n"
		   "\n"
		   "Endpoints: / (the wall), /api/view, /api/roster, /api/case/ID,\n"
		   "/api/action/ID, /api/status, /events, /metrics, /healthz.\n"
		   "Exit: 0 stopped by SIGTERM/SIGINT, 2 usage, 3 configuration or file problem,\n"
		   "4 cannot listen.\n");
}

/* ---- passwd ---- */

static int read_secret(const char *prompt, char *buf, size_t n)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	size_t l;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (!fgets(buf, (int)n, stdin))
		buf[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	l = strlen(buf);
	while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r'))
		buf[--l] = '\0';
	return (int)l;
}

static int cmd_passwd(int argc, char **argv)
{
	char pass[256], again[256], hash[200];
	int r;

	if (argc != 3 || !strcmp(argv[2], "--help")) {
		fprintf(argc == 3 ? stdout : stderr,
			"Usage: liandong-web passwd USER\n"
			"Reads a password on standard input (twice, unechoed, on a terminal) and\n"
			"prints USER:viewer:HASH, a line for the [web] accounts file (scrypt via\n"
			"OpenSSL, N=2^15, r=8, p=1, random salt).\n");
		return argc == 3 ? 0 : EXIT_USAGE;
	}
	if (!accounts_user_valid(argv[2])) {
		fprintf(stderr,
			"liandong-web: passwd: user '%.64s' must be 1-64 of A-Z a-z 0-9 . _ -\n",
			argv[2]);
		return EXIT_USAGE;
	}
	if (read_secret("password: ", pass, sizeof(pass)) < 8) {
		fprintf(stderr,
			"liandong-web: passwd: the password must have at least 8 characters\n");
		return EXIT_USAGE;
	}
	if (isatty(STDIN_FILENO)) {
		read_secret("again: ", again, sizeof(again));
		if (strcmp(pass, again)) {
			fprintf(stderr, "liandong-web: passwd: the two passwords differ\n");
			return EXIT_USAGE;
		}
	}
	r = accounts_hash(pass, hash, sizeof(hash));
	explicit_bzero(pass, sizeof(pass));
	explicit_bzero(again, sizeof(again));
	if (r < 0) {
		fprintf(stderr, "liandong-web: passwd: scrypt failed in OpenSSL\n");
		return EXIT_CONFIG;
	}
	printf("%s:viewer:%s\n", argv[2], hash);
	return 0;
}

/* ---- serving ---- */

/* "ADDR:PORT" or "[V6]:PORT" into *ss; *loopback if it is 127/8 or ::1. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, bool *loopback)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (!colon || (size_t)(colon - s) >= sizeof(host) || colon == s)
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end || !colon[1] || port > 65535)
		return -EINVAL;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	if (host[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		size_t l = strlen(host);

		if (host[l - 1] != ']')
			return -EINVAL;
		host[l - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -EINVAL;
		*loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
		return 0;
	}
	{
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (!strcmp(host, "localhost"))
			snprintf(host, sizeof(host), "127.0.0.1");
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		*loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	return 0;
}

static char *slurp(const char *path, char *err, size_t n, const char *what)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, got;

	if (!f) {
		snprintf(err, n, "%s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	buf = malloc(1 << 20);
	got = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (!buf || !got) {
		snprintf(err, n, "%s %s: empty or unreadable", what, path);
		free(buf);
		return NULL;
	}
	len = got;
	buf[len] = '\0';
	if (!strstr(buf, "-----BEGIN ")) {
		snprintf(err, n, "%s %s: not a PEM file", what, path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* The zone the documents' times are in, as for `liandong`: TZ, else
 * [node] timezone, else the system's (named from /etc/timezone if there is
 * one). */
static void set_zone(const ld_config_t *conf, char *name, size_t n)
{
	const char *tz = getenv("TZ") && getenv("TZ")[0] ? getenv("TZ") : conf->timezone;
	FILE *f;

	if (tz && tz[0]) {
		setenv("TZ", tz, 1);
		snprintf(name, n, "%s", tz[0] == ':' ? tz + 1 : tz);
	} else if ((f = fopen("/etc/timezone", "r"))) {
		if (!fgets(name, (int)n, f))
			snprintf(name, n, "UTC");
		name[strcspn(name, "\n")] = '\0';
		fclose(f);
	} else {
		snprintf(name, n, "UTC");
	}
	tzset();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"listen", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *conf_path = NULL, *listen_arg = NULL, *listen;
	char err[2048], *cert = NULL, *key = NULL;
	struct sockaddr_storage ss;
	web_t w = {0};
	web_http_t *http = NULL;
	ld_config_t *conf = NULL;
	bool loopback = false;
	unsigned port = 0;
	sigset_t mask;
	int c, sig, rc = 0;

	if (argc >= 2 && !strcmp(argv[1], "passwd"))
		return cmd_passwd(argc, argv);
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf_path = optarg;
			break;
		case 'l':
			listen_arg = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		fprintf(stderr, "liandong-web: unexpected argument '%.80s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (!conf_path)
		conf_path = getenv("LIANDONG_CONFIG");
	if (!conf_path)
		conf_path = "liandongd.conf";
	if (ld_config_load(conf_path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "liandong-web: %s (use --config FILE)\n", err);
		return EXIT_CONFIG;
	}
	if (!conf->api_ro) {
		fprintf(stderr,
			"liandong-web: %s has no [node] api_ro: liandong-web talks to the daemon "
			"only over its read-only API socket; add api_ro = ipc:///PATH-ro.sock "
			"under [node] (liandong init writes one) and restart liandongd\n",
			conf_path);
		rc = EXIT_CONFIG;
		goto out;
	}
	listen = listen_arg ? listen_arg : conf->web_listen ? conf->web_listen : "127.0.0.1:8480";
	if (parse_listen(listen, &ss, &loopback) < 0) {
		fprintf(stderr,
			"liandong-web: %s '%s' is not ADDR:PORT with a numeric address "
			"(e.g. 127.0.0.1:8480, [::1]:8480, 0.0.0.0:8443)\n",
			listen_arg ? "--listen" : "[web] listen", listen);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!loopback && (!conf->web_tls_cert || !conf->web_tls_key || !conf->web_accounts)) {
		fprintf(stderr,
			"liandong-web: refusing to listen on %s: beyond loopback the wall is "
			"served only over TLS and only to accounts, and %s lacks [web]%s%s%s "
			"(tls_cert and tls_key: PEM files; accounts: lines made by "
			"`liandong-web passwd USER`)\n",
			listen, conf_path, conf->web_tls_cert ? "" : " tls_cert",
			conf->web_tls_key ? "" : " tls_key", conf->web_accounts ? "" : " accounts");
		rc = EXIT_CONFIG;
		goto out;
	}
	if (!loopback || conf->web_tls_cert || conf->web_tls_key) {
		if (!conf->web_tls_cert || !conf->web_tls_key) {
			fprintf(stderr,
				"liandong-web: %s: [web] tls_cert and tls_key go together\n",
				conf_path);
			rc = EXIT_CONFIG;
			goto out;
		}
		if (!(cert = slurp(conf->web_tls_cert, err, sizeof(err), "[web] tls_cert")) ||
		    !(key = slurp(conf->web_tls_key, err, sizeof(err), "[web] tls_key"))) {
			fprintf(stderr, "liandong-web: %s\n", err);
			rc = EXIT_CONFIG;
			goto out;
		}
	}
	if (conf->web_accounts && accounts_load(conf->web_accounts, &w.acc, err, sizeof(err)) < 0) {
		fprintf(stderr, "liandong-web: %s\n", err);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (regions_load(conf->web_regions, &w.rg, err, sizeof(err)) < 0) {
		fprintf(stderr, "liandong-web: %s\n", err);
		rc = EXIT_CONFIG;
		goto out;
	}
	set_zone(conf, w.zone, sizeof(w.zone));
	w.node_id = conf->id;
	w.started_ms = ld_now_ms();

	/* Signals are taken by sigwait below: blocked before any thread starts. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (upstream_new(conf->api_ro, 8, &w.up) < 0 || hub_new(w.up, &w.hub) < 0 ||
	    hub_start(w.hub) < 0) {
		fprintf(stderr, "liandong-web: out of memory or threads\n");
		rc = EXIT_CONFIG;
		goto out;
	}
	if (web_http_start(&w, (struct sockaddr *)&ss, cert, key, &http, &port, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "liandong-web: %s: %s\n", listen, err);
		rc = EXIT_LISTEN;
		goto out;
	}
	{
		char host[64];

		snprintf(host, sizeof(host), "%.*s", (int)(strrchr(listen, ':') - listen), listen);
		web_log("serving the wall of node %s on %s://%s:%u/ (read-only API %s%s%s)",
			conf->id, cert ? "https" : "http", host, port, conf->api_ro,
			w.acc ? ", accounts " : "", w.acc ? conf->web_accounts : "");
	}
	while (sigwait(&mask, &sig) != 0)
		;
	web_log("signal %d: stopping", sig);
out:
	if (w.hub)
		hub_stop(w.hub);
	web_http_stop(&http);
	hub_destroy(&w.hub);
	upstream_destroy(&w.up);
	accounts_destroy(&w.acc);
	regions_destroy(&w.rg);
	if (key)
		explicit_bzero(key, strlen(key));
	free(key);
	free(cert);
	ld_config_destroy(&conf);
	return rc;
}

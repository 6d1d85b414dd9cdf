/* tests/integration/test_paths.c: the local API socket, wherever the checkout
 * and the data directory are: a node more than 200 bytes deep starts on its
 * default socket and answers `liandong -c`; a too-long ipc:// path is refused
 * by liandongd, `liandongd --check` and `liandong init` with the path, its
 * length and the limit; a missing or stale socket fails in well under a
 * second (exit 5), a refused one says permission (exit 3); a second daemon
 * neither steals a running one's socket nor is stopped by a stale one; and
 * the roster commands `liandong init` prints reach a real root daemon
 * through a shell with every key intact. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cluster.h"
#include "common/conf/apisock.h"
#include "common/conf/config.h"
#include "common/crypto/curve.h"
#include "common/feed/entry.h"
#include "roster.pb-c.h"
#include "testutil.h"

static char out[65536], err[8192];

/* Run argv; exit code; *secs how long it took. Bounded at 20 s. */
static int run(const char *const *argv, double *secs)
{
	double t0 = tu_now();
	int r = cl_run(argv, 20000, out, sizeof(out), err, sizeof(err));

	if (secs)
		*secs = tu_now() - t0;
	return r;
}

static void contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

/* A directory under the cluster's base, making the whole path longer than
 * 'min' bytes. */
static void deep_dir(cluster_t *c, size_t min, char *path, size_t n)
{
	snprintf(path, n, "%s", c->base);
	while (strlen(path) <= min) {
		snprintf(path + strlen(path), n - strlen(path), "/%s",
			 "deep-checkout-of-liandong-in-a-long-path-0123456789");
		assert_int_equal(mkdir(path, 0700), 0);
	}
}

/* A node made by `liandong init` in 'dir', run and stopped through the
 * harness by its PID; its API as its configuration gives it. */
static tn_t *adopt(cluster_t *c, const char *id, const char *dir)
{
	tn_t *n = &c->nodes[c->n++];
	ld_config_t *conf = NULL;
	char e[2048];

	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", id);
	snprintf(n->dir, sizeof(n->dir), "%s", dir);
	snprintf(n->conf, sizeof(n->conf), "%s/liandongd.conf", dir);
	snprintf(n->log, sizeof(n->log), "%s/daemon.log", dir);
	if (ld_config_load(n->conf, &conf, e, sizeof(e)) < 0)
		fail_msg("%s", e);
	snprintf(n->api, sizeof(n->api), "%s", conf->api);
	ld_config_destroy(&conf);
	return n;
}

/* Rewrite the "api = " line of config 'path': to 'value', or away if NULL. */
static void set_api(const char *path, const char *value)
{
	char buf[8192], line[1024];
	size_t len = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "api = ", 6))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", line);
		else if (value)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "api = %s\n", value);
	fclose(f);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(buf, f);
	fclose(f);
}

static int init_node(const char *id, const char *dir, const char *root_pub, const char *extra,
		     const char *extra_val)
{
	const char *argv[12] = {getenv("LD_CLI"), "init", "--id", id, "--dir", dir};
	int n = 6;

	if (root_pub) {
		argv[n++] = "--root";
		argv[n++] = root_pub;
	} else {
		argv[n++] = "--root-node";
	}
	if (extra) {
		argv[n++] = extra;
		if (extra_val)
			argv[n++] = extra_val;
	}
	argv[n] = NULL;
	return run(argv, NULL);
}

static int status_of(const char *conf, const char *api, double *secs)
{
	const char *argv[] = {getenv("LD_CLI"),	 "status", conf ? "-c" : "--api",
			      conf ? conf : api, "--json", NULL};

	return run(argv, secs);
}

static void test_deep_data_dir_default_socket(void **state)
{
	cluster_t *c = cl_new("paths");
	char deep[1024], dir[1100], api[700], cmd_api[700], self[700];
	const char *daemon[] = {c->daemon, "-c", NULL, NULL};
	ld_config_t *conf = NULL;
	struct stat st, st2;
	const char *path;
	double secs;
	tn_t *n;

	(void)state;
	deep_dir(c, 200, deep, sizeof(deep));
	snprintf(dir, sizeof(dir), "%s/node", deep);
	assert_int_equal(init_node("deep-node", dir, NULL, "--json", NULL), 0);
	{
		json_t *j = cl_json(out);

		assert_true(cl_jhas(j, "id", "deep-node"));
		assert_true(cl_jhas(j, "api", "~ipc://"));
		n = adopt(c, "deep-node", dir);
		snprintf(api, sizeof(api), "%s", n->api);
		assert_true(cl_jhas(j, "api", api));
		json_decref(j);
	}
	/* init wrote the default explicitly; without the line the same
	 * config computes the same endpoint (daemon and tool agree). */
	set_api(n->conf, NULL);
	assert_int_equal(ld_config_load(n->conf, &conf, err, sizeof(err)), 0);
	assert_true(conf->api_default);
	assert_string_equal(conf->api, api);
	assert_true(strlen(conf->data_dir) > 200);
	path = ld_ipc_path(api);
	assert_non_null(path);
	assert_true(strlen(path) <= LD_IPC_PATH_MAX);
	ld_config_destroy(&conf);

	assert_int_equal(cl_start(c, n), 0);
	assert_int_equal(status_of(n->conf, NULL, NULL), 0);
	assert_true(cl_out_has(out, "node", "deep-node"));
	/* Socket 0600 in a directory of this user's with no access for others. */
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(self, sizeof(self), "%.*s", (int)(strrchr(path, '/') - path), path);
	assert_int_equal(lstat(self, &st2), 0);
	assert_true(S_ISDIR(st2.st_mode));
	assert_int_equal(st2.st_uid, geteuid());
	assert_int_equal(st2.st_mode & 077, 0);

	/* A second daemon on the same data stops at the store's lock, before
	 * the socket: the running one keeps it and still answers. */
	daemon[2] = n->conf;
	assert_int_equal(run(daemon, NULL), 3);
	contains(err, "in use by another process");
	assert_int_equal(lstat(path, &st2), 0);
	assert_int_equal(st2.st_ino, st.st_ino);
	assert_int_equal(status_of(n->conf, NULL, NULL), 0);

	/* Killed: its socket stays behind. The tool says no daemon at once. */
	cl_kill(c, n);
	assert_int_equal(lstat(path, &st2), 0);
	assert_int_equal(status_of(n->conf, NULL, &secs), 5);
	assert_true(secs < 1.0);
	snprintf(cmd_api, sizeof(cmd_api), "no daemon is listening at %s", path);
	contains(err, cmd_api);
	contains(err, "left by a daemon that stopped");
	/* The stale socket does not stop a restart. */
	assert_int_equal(cl_start(c, n), 0);
	assert_int_equal(status_of(n->conf, NULL, NULL), 0);
	/* A clean stop removes it; then the tool says so at once too. */
	assert_int_equal(cl_stop(c, n), 0);
	assert_int_equal(lstat(path, &st2), -1);
	assert_int_equal(status_of(n->conf, NULL, &secs), 5);
	assert_true(secs < 1.0);
	contains(err, cmd_api);
	contains(err, "it creates the socket when it starts");
	printf("# no daemon: `liandong status` failed in %.1f ms\n", secs * 1000);
	cl_destroy(&c);
}

static void test_too_long_api_refused(void **state)
{
	cluster_t *c = cl_new("paths");
	const char *daemon[] = {c->daemon, "-c", NULL, NULL, NULL};
	char long_path[200], ep[220], dir[700], want[300], data[700];
	tn_t *n;

	(void)state;
	memset(long_path, 'x', sizeof(long_path));
	snprintf(long_path, sizeof(long_path), "%s/", c->sockdir);
	long_path[strlen(long_path)] = 'x';
	memcpy(long_path + 140, ".sock", 6);
	snprintf(ep, sizeof(ep), "ipc://%s", long_path);
	n = cl_node(c, "county-long", true, NULL, NULL, 0);
	set_api(n->conf, ep);
	snprintf(want, sizeof(want), "the ipc:// path %s is 145 bytes long, over the limit of 107",
		 long_path);
	daemon[2] = n->conf;
	for (int check = 0; check < 2; check++) {
		daemon[3] = check ? "--check" : NULL;
		assert_int_equal(run(daemon, NULL), 3);
		contains(err, "key 'api' in [node]");
		contains(err, want);
		contains(err, "api = ipc:///");
	}
	/* Nothing was created: no data directory, no socket. */
	snprintf(data, sizeof(data), "%s/data", n->dir);
	assert_int_equal(access(data, F_OK), -1);
	assert_int_equal(access(long_path, F_OK), -1);

	/* init refuses it, and a too-long --bind, before creating anything. */
	snprintf(dir, sizeof(dir), "%s/new-node", c->base);
	assert_int_equal(init_node("new-node", dir, NULL, "--api", ep), 2);
	contains(err, want);
	contains(err, "nothing was created");
	assert_int_equal(init_node("new-node", dir, NULL, "--bind", ep), 2);
	contains(err, want);
	assert_int_equal(access(dir, F_OK), -1);
	/* And the tool with --api. */
	assert_int_equal(status_of(NULL, ep, NULL), 2);
	contains(err, want);
	cl_destroy(&c);
}

/* A Unix socket at 'path' that nobody will accept on: listening (a daemon
 * that does not answer) or closed at once (what a killed daemon leaves). */
static int unix_socket(const char *path, bool listening)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (listening)
		assert_int_equal(listen(fd, 16), 0);
	else
		close(fd);
	return listening ? fd : -1;
}

static void test_no_daemon_fails_fast(void **state)
{
	cluster_t *c = cl_new("paths");
	char path[200], ep[220], want[300];
	double secs;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/x.sock", c->sockdir);
	snprintf(ep, sizeof(ep), "ipc://%s", path);
	snprintf(want, sizeof(want), "no daemon is listening at %s", path);
	/* No socket file. */
	assert_int_equal(status_of(NULL, ep, &secs), 5);
	assert_true(secs < 1.0);
	contains(err, want);
	contains(err, "is liandongd running for this node?");
	/* A stale socket: connect(2) refused. */
	unix_socket(path, false);
	assert_int_equal(status_of(NULL, ep, &secs), 5);
	assert_true(secs < 1.0);
	contains(err, want);
	contains(err, "left by a daemon that stopped");
	unlink(path);
	/* Not a socket at all: a file problem. */
	close(open(path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(status_of(NULL, ep, &secs), 3);
	contains(err, "is not a socket");
	unlink(path);
	/* Something that accepts but never answers: the request's timeout,
	 * still exit 5. */
	fd = unix_socket(path, true);
	assert_int_equal(status_of(NULL, ep, &secs), 5);
	assert_true(secs >= 4.5);
	contains(err, "the daemon did not answer");
	close(fd);
	cl_destroy(&c);
}

/* Copy the tool where any user may run it (the checkout may not be). */
static void cli_copy(const char *dir, char *ret, size_t n)
{
	char buf[65536];
	int in = open(getenv("LD_CLI"), O_RDONLY), o;
	ssize_t k;

	snprintf(ret, n, "%s/liandong", dir);
	o = open(ret, O_CREAT | O_WRONLY | O_TRUNC, 0755);
	assert_true(in >= 0 && o >= 0);
	while ((k = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(o, buf, (size_t)k), k);
	close(in);
	close(o);
}

static void test_permission_denied(void **state)
{
	cluster_t *c = cl_new("paths");
	char bindir[] = "/tmp/ldt-bin-XXXXXX", cli[64], want[400];
	const char *as_nobody[] = {"/usr/bin/setpriv",
				   "--reuid=65534",
				   "--regid=65534",
				   "--clear-groups",
				   cli,
				   "status",
				   "--api",
				   NULL,
				   NULL};
	const char *as_me[] = {cli, "status", "--api", NULL, NULL};
	const char **argv = geteuid() == 0 ? as_nobody : as_me;
	const char *path;
	double secs;
	tn_t *n;

	(void)state;
	if (geteuid() == 0 && access(as_nobody[0], X_OK) < 0) {
		cl_destroy(&c);
		skip(); /* needs setpriv (util-linux) to run the tool as nobody */
	}
	n = cl_node(c, "province", true, NULL, NULL, 0);
	assert_int_equal(cl_start(c, n), 0);
	path = ld_ipc_path(n->api);
	assert_non_null(mkdtemp(bindir));
	assert_int_equal(chmod(bindir, 0755), 0);
	cli_copy(bindir, cli, sizeof(cli));
	argv[geteuid() == 0 ? 7 : 3] = n->api;

	/* Root is never refused: the tool runs as nobody. Otherwise this
	 * user is refused by taking away its own access. */
	if (geteuid() != 0)
		assert_int_equal(chmod(c->sockdir, 0), 0);
	assert_int_equal(run(argv, &secs), 3);
	assert_true(secs < 1.0);
	snprintf(want, sizeof(want),
		 "permission denied on the API socket %s (its directory %s: owner "
		 "%s, mode 0%s)",
		 path, c->sockdir, geteuid() == 0 ? "root" : "", geteuid() == 0 ? "700" : "000");
	if (geteuid() == 0)
		contains(err, want);
	else
		contains(err, "permission denied on the API socket");
	contains(err, "run this command as the node's user");
	assert_null(strstr(err, "daemon did not answer"));

	/* The directory open to all, the socket itself (0600) refuses. */
	assert_int_equal(chmod(c->sockdir, 0711), 0);
	if (geteuid() != 0)
		assert_int_equal(chmod(path, 0), 0);
	assert_int_equal(run(argv, &secs), 3);
	assert_true(secs < 1.0);
	snprintf(want, sizeof(want),
		 "permission denied on the API socket %s (the socket: owner "
		 "%s, mode 0%s)",
		 path, geteuid() == 0 ? "root" : "", geteuid() == 0 ? "600" : "000");
	if (geteuid() == 0)
		contains(err, want);
	else
		contains(err, "(the socket: owner ");
	if (geteuid() != 0)
		assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(chmod(c->sockdir, 0700), 0);
	/* Its own user still gets through. */
	assert_int_equal(cl_cli(n, out, sizeof(out), "status", (char *)NULL), 0);
	unlink(cli);
	rmdir(bindir);
	cl_destroy(&c);
}

static void test_same_api_not_stolen(void **state)
{
	cluster_t *c = cl_new("paths");
	const char *daemon[] = {c->daemon, "-c", NULL, NULL};
	struct stat st, st2;
	tn_t *a, *b;

	(void)state;
	a = cl_node(c, "province", true, NULL, NULL, 0);
	b = cl_node(c, "county-a", false, NULL, NULL, 0);
	assert_int_equal(cl_start(c, a), 0);
	assert_int_equal(lstat(ld_ipc_path(a->api), &st), 0);
	/* Another node (other data) configured with the same api. */
	set_api(b->conf, a->api);
	daemon[2] = b->conf;
	assert_int_equal(run(daemon, NULL), 3);
	contains(err, "is in use by a running process");
	contains(err, "give this node its own api = ipc:///");
	assert_int_equal(lstat(ld_ipc_path(a->api), &st2), 0);
	assert_int_equal(st.st_ino, st2.st_ino);
	assert_int_equal(cl_cli(a, out, sizeof(out), "status", "--json", (char *)NULL), 0);
	assert_true(cl_out_has(out, "node", "province"));
	cl_destroy(&c);
}

/* The lines of the `liandong roster add` command in init's output, from
 * "liandong roster add" to the end of its last (continued) line. */
static void roster_command(const char *text, char *cmd, size_t n)
{
	const char *s = strstr(text, "liandong roster add");
	const char *e = s ? strstr(s, "--curve-key") : NULL;

	assert_non_null(e);
	e = strchr(e, '\n');
	assert_non_null(e);
	snprintf(cmd, n, "%.*s", (int)(e - s), s);
}

/* 'from' replaced by 'to' once in s (size n). */
static void replace(char *s, size_t n, const char *from, const char *to)
{
	char *at = strstr(s, from), tail[4096];

	assert_non_null(at);
	snprintf(tail, sizeof(tail), "%s", at + strlen(from));
	snprintf(at, n - (size_t)(at - s), "%s%s", to, tail);
}

/* The words a shell makes of 'cmd', one per line of out. */
static void shell_words(const char *cmd)
{
	char script[4096];
	const char *argv[] = {"/bin/sh", "-c", script, NULL};

	snprintf(script, sizeof(script), "printf '%%s\\n' %s", cmd);
	assert_int_equal(run(argv, NULL), 0);
}

/* The word after 'opt' in the lines of out. */
static const char *word_after(const char *opt)
{
	static char w[512];
	char *at, pat[64];

	snprintf(pat, sizeof(pat), "\n%s\n", opt);
	at = strstr(out, pat);
	assert_non_null(at);
	at += strlen(pat);
	snprintf(w, sizeof(w), "%.*s", (int)strcspn(at, "\n"), at);
	return w;
}

static bool shell_special(const char *s)
{
	return strpbrk(s, "&<>(){}$#*?[]!^") != NULL;
}

/* init a node in 'dir' (a fresh name per try) until its curve key holds
 * characters a shell acts on; keys and curve key returned. */
static void init_with_special_key(cluster_t *c, const char *id, const char *root_pub, char *dir,
				  size_t n, uint8_t sign[32], char curve[41])
{
	for (int i = 0; i < 20; i++) {
		ld_curve_pair_t pair;
		char p[1200];
		ld_key_t *k;

		snprintf(dir, n, "%s/%s-%d", c->base, id, i);
		assert_int_equal(init_node(id, dir, root_pub, NULL, NULL), 0);
		snprintf(p, sizeof(p), "%s/%s.curve", dir, id);
		assert_int_equal(ld_curve_load(p, &pair), 0);
		snprintf(curve, 41, "%s", pair.pub);
		snprintf(p, sizeof(p), "%s/%s.key", dir, id);
		assert_int_equal(ld_key_load(p, &k), 0);
		ld_key_public(k, sign);
		ld_key_destroy(&k);
		if (shell_special(curve))
			return;
	}
	fail_msg("no curve key with a shell character in 20 tries");
}

/* The roster update signed as the root's entry 'seq', as the daemon holds it. */
static Ld__RosterUpdate *roster_entry(tn_t *root, uint64_t seq)
{
	Ld__ApiRequest req = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp = NULL;
	Ld__RosterUpdate *u;
	ld_entry_t *e;

	req.has_type = req.has_seq = true;
	req.type = LD__API_TYPE__API_GET;
	req.feed = root->id;
	req.seq = seq;
	assert_int_equal(ldc_call(root->c, &req, 5000, &resp), 0);
	assert_true(resp->ok && resp->n_entries == 1);
	assert_int_equal(
		ld_entry_parse(resp->entries[0]->entry.data, resp->entries[0]->entry.len, &e), 0);
	assert_true(e->has_payload);
	u = ld__roster_update__unpack(NULL, e->payload_len, e->payload);
	assert_non_null(u);
	ld_entry_destroy(&e);
	ld__api_response__free_unpacked(resp, NULL);
	return u;
}

static void check_keys(const Ld__RosterUpdate *u, const char *id, const uint8_t sign[32],
		       const char *curve)
{
	uint8_t raw[32];

	assert_string_equal(u->node_id, id);
	assert_true(u->has_sign_key && u->sign_key.len == 32);
	assert_memory_equal(u->sign_key.data, sign, 32);
	assert_int_equal(ld_curve_z85_decode(curve, raw), 0);
	assert_true(u->has_curve_key && u->curve_key.len == 32);
	assert_memory_equal(u->curve_key.data, raw, 32);
}

static void test_init_roster_commands_paste(void **state)
{
	cluster_t *c = cl_new("paths");
	char rdir[700], cdir[700], cmd[4096], script[8192], hex[65], conf[800], root_pub[800];
	char cli_dir[600];
	const char *sh[] = {"/bin/sh", "-c", script, NULL};
	uint8_t rsign[32], csign[32];
	char rcurve[41], ccurve[41];
	Ld__RosterUpdate *u;
	tn_t *root;

	(void)state;
	snprintf(cli_dir, sizeof(cli_dir), "%.*s",
		 (int)(strrchr(getenv("LD_CLI"), '/') - getenv("LD_CLI")), getenv("LD_CLI"));

	/* The root: its own command, each argument intact through a shell. */
	init_with_special_key(c, "province", NULL, rdir, sizeof(rdir), rsign, rcurve);
	roster_command(out, cmd, sizeof(cmd));
	snprintf(conf, sizeof(conf), "%s/liandongd.conf", rdir);
	shell_words(cmd);
	assert_string_equal(word_after("--sign-key"), ld_hex(rsign, 32, hex));
	assert_string_equal(word_after("--curve-key"), rcurve);
	{
		char *real = realpath(conf, NULL);

		assert_string_equal(word_after("-c"), real);
		free(real);
	}
	contains(out, "\n--kind\ncommand-centre\n");
	assert_null(strstr(out, "--superior"));

	/* Pasted as printed (placeholders filled in) into a shell, against the
	 * root's real daemon: the first root entry adds the root itself. */
	root = adopt(c, "province", rdir);
	assert_int_equal(cl_start(c, root), 0);
	replace(cmd, sizeof(cmd), "NAME", "'Provincial Command Centre'");
	replace(cmd, sizeof(cmd), "CODE", "330000");
	snprintf(script, sizeof(script), "PATH='%s':\"$PATH\"; %s", cli_dir, cmd);
	assert_int_equal(run(sh, NULL), 0);
	u = roster_entry(root, 1);
	check_keys(u, "province", rsign, rcurve);
	ld__roster_update__free_unpacked(u, NULL);

	/* A county: the command it prints, run on the root's node. */
	snprintf(root_pub, sizeof(root_pub), "%s/root.pub", rdir);
	init_with_special_key(c, "county-a", root_pub, cdir, sizeof(cdir), csign, ccurve);
	roster_command(out, cmd, sizeof(cmd));
	shell_words(cmd);
	assert_string_equal(word_after("--sign-key"), ld_hex(csign, 32, hex));
	assert_string_equal(word_after("--curve-key"), ccurve);
	replace(cmd, sizeof(cmd), "NAME", "'Nanhu District Ecology Bureau'");
	replace(cmd, sizeof(cmd), "CODE", "330402");
	replace(cmd, sizeof(cmd), "--superior ID", "--superior province");
	snprintf(script, sizeof(script), "PATH='%s':\"$PATH\"; %s -c '%s'", cli_dir, cmd, conf);
	assert_int_equal(run(sh, NULL), 0);
	u = roster_entry(root, 2);
	check_keys(u, "county-a", csign, ccurve);
	assert_string_equal(u->superior, "province");
	ld__roster_update__free_unpacked(u, NULL);
	cl_destroy(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deep_data_dir_default_socket),
		cmocka_unit_test(test_too_long_api_refused),
		cmocka_unit_test(test_no_daemon_fails_fast),
		cmocka_unit_test(test_permission_denied),
		cmocka_unit_test(test_same_api_not_stolen),
		cmocka_unit_test(test_init_roster_commands_paste),
	};

	if (getenv("LD_TEST_FILTER"))
		cmocka_set_test_filter(getenv("LD_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}

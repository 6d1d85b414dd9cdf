/* tests/integration/cluster.c: see cluster.h. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "common/crypto/curve.h"
#include "roster.pb-c.h"
#include "testutil.h"

static void die(const char *what)
{
	fprintf(stderr, "cluster: %s: %s\n", what, strerror(errno));
	abort();
}

cluster_t *cl_new(const char *tag)
{
	cluster_t *c = calloc(1, sizeof(*c));

	c->daemon = getenv("LD_DAEMON");
	if (!c->daemon) {
		fprintf(stderr, "cluster: LD_DAEMON (path of liandongd) is not set\n");
		abort();
	}
	c->base = tu_tmpdir(tag);
	/* Not under $TMPDIR (the build directory, as deep as the checkout):
	 * an ipc:// path must fit in 107 bytes. */
	c->sockdir = strdup("/tmp/ldt-XXXXXX");
	if (!c->sockdir || !mkdtemp(c->sockdir))
		die("mkdtemp /tmp/ldt-XXXXXX for the API sockets");
	signal(SIGPIPE, SIG_IGN);
	return c;
}

void cl_destroy(cluster_t **c_p)
{
	cluster_t *c = *c_p;

	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		if (c->nodes[i].pid > 0)
			cl_stop(c, &c->nodes[i]);
		ldc_destroy(&c->nodes[i].c);
		ld_key_destroy(&c->nodes[i].key);
	}
	if (!getenv("LD_KEEP"))
		tu_rmrf(c->base);
	else
		fprintf(stderr, "cluster: kept %s\n", c->base);
	tu_rmrf(c->sockdir);
	free(c->sockdir);
	free(c->base);
	free(c);
	*c_p = NULL;
}

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		die("free port");
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static tn_t *find(cluster_t *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->nodes[i].id, id))
			return &c->nodes[i];
	return NULL;
}

tn_t *cl_node(cluster_t *c, const char *id, bool root, const char *superior,
	      const char *const *peers, size_t n_peers)
{
	tn_t *n = &c->nodes[c->n++];
	ld_curve_pair_t pair;
	char path[700], hex[65];
	FILE *f;

	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", id);
	{
		/* Built in a local buffer: n points into c, which -Wrestrict
		 * cannot tell apart from c->base. */
		char dir[sizeof(n->dir)];

		snprintf(dir, sizeof(dir), "%s/%s", c->base, id);
		memcpy(n->dir, dir, sizeof(dir));
		snprintf(n->conf, sizeof(n->conf), "%s/liandongd.conf", dir);
		snprintf(n->log, sizeof(n->log), "%s/daemon.log", dir);
		snprintf(n->api, sizeof(n->api), "ipc://%s/%s.sock", c->sockdir, id);
	}
	snprintf(n->endpoint, sizeof(n->endpoint), "tcp://127.0.0.1:%d", free_port());
	snprintf(n->superior, sizeof(n->superior), "%s", superior ? superior : "");
	n->root = root;
	if (mkdir(n->dir, 0700) < 0)
		die(n->dir);
	snprintf(path, sizeof(path), "%s/node.key", n->dir);
	if (ld_key_generate(&n->key) < 0 || ld_key_save(n->key, path) < 0)
		die("key");
	ld_key_public(n->key, n->sign_pub);
	snprintf(path, sizeof(path), "%s/node.curve", n->dir);
	if (ld_curve_create(path, &pair) < 0)
		die("curve");
	memcpy(n->curve_pub, pair.pub, sizeof(pair.pub));
	memcpy(n->curve_sec, pair.sec, sizeof(pair.sec));
	if (root && !c->root)
		c->root = n;
	f = fopen(n->conf, "w");
	if (!f)
		die(n->conf);
	fprintf(f,
		"[node]\nid = %s\ndata = data\nkey = node.key\ncurve = node.curve\n"
		"root = %s\nbind = %s\napi = %s\nlog_level = debug\n[sync]\nheartbeat_ms = 200\n"
		"peer_timeout_ms = 2000\n[escalation]\ninterval_s = 1\n[peers]\n",
		id, ld_hex(c->root->sign_pub, 32, hex), n->endpoint, n->api);
	for (size_t i = 0; i < n_peers; i++) {
		tn_t *p = find(c, peers[i]);

		if (!p)
			die("unknown peer");
		fprintf(f, "%s = %s %s\n", p->id, p->endpoint, p->curve_pub);
	}
	fclose(f);
	return n;
}

int cl_start(cluster_t *c, tn_t *n)
{
	double t0 = tu_now();
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(n->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execl(c->daemon, c->daemon, "-c", n->conf, (char *)NULL);
		_exit(127);
	}
	n->pid = pid;
	ldc_destroy(&n->c);
	if (ldc_open(n->api, &n->c) < 0)
		return -EIO;
	while (tu_now() - t0 < 10) {
		Ld__ApiResponse *resp;
		int st;

		if (waitpid(pid, &st, WNOHANG) == pid) {
			n->pid = 0;
			return -ECHILD;
		}
		if (ldc_status(n->c, &resp) == 0) {
			ld__api_response__free_unpacked(resp, NULL);
			return 0;
		}
	}
	return -ETIMEDOUT;
}

int cl_star(cluster_t *c, const char *const *counties, size_t n, tn_t **ret)
{
	const char *to_p[] = {"province"};
	int r;

	ret[0] = cl_node(c, "province", true, NULL, NULL, 0);
	for (size_t i = 0; i < n; i++)
		ret[i + 1] = cl_node(c, counties[i], false, "province", to_p, 1);
	if ((r = cl_start(c, ret[0])) < 0)
		return r;
	for (size_t i = 0; i <= n; i++)
		if ((r = cl_roster_add(c, ret[i])) < 0)
			return r;
	for (size_t i = 1; i <= n; i++)
		if ((r = cl_start(c, ret[i])) < 0)
			return r;
	/* Each county learns the whole roster (n + 1 root entries) through P. */
	for (size_t i = 1; i <= n; i++)
		if ((r = cl_wait(ret[i], "province", n + 1, 15000)) < 0)
			return r;
	return 0;
}

int cl_world_setup(void **state)
{
	cl_world_t *w = calloc(1, sizeof(*w));
	const char *counties[] = {"county-a", "county-b", "county-c"};
	tn_t *n[4];

	if (!w)
		return -1;
	w->c = cl_new("world");
	if (cl_star(w->c, counties, 3, n) < 0) {
		cl_destroy(&w->c);
		free(w);
		return -1;
	}
	w->p = n[0];
	w->a = n[1];
	w->b = n[2];
	w->x = n[3];
	*state = w;
	return 0;
}

int cl_world_teardown(void **state)
{
	cl_world_t *w = *state;
	int bad = 0;

	/* Every daemon must stop cleanly on SIGTERM: exit 0. Under the
	 * sanitizers a leak or memory error makes that fail, so this checks
	 * every test's daemons, not just their answers. */
	for (size_t i = 0; i < w->c->n; i++) {
		tn_t *n = &w->c->nodes[i];
		int st;

		if (n->pid <= 0)
			continue;
		st = cl_stop(w->c, n);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "cluster: %s did not exit cleanly (status %d); see %s\n",
				n->id, st, n->log);
			bad = 1;
		}
	}
	if (bad)
		setenv("LD_KEEP", "1", 1);
	cl_destroy(&w->c);
	free(w);
	return bad ? -1 : 0;
}

int cl_stop(cluster_t *c, tn_t *n)
{
	int st = -1;

	if (n->pid <= 0)
		return -1;
	kill(n->pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(n->pid, &st, WNOHANG) == n->pid) {
			n->pid = 0;
			return st;
		}
		usleep(20000);
	}
	kill(n->pid, SIGKILL);
	waitpid(n->pid, &st, 0);
	n->pid = 0;
	return -1;
}

void cl_kill(cluster_t *c, tn_t *n)
{
	if (n->pid <= 0)
		return;
	kill(n->pid, SIGKILL);
	waitpid(n->pid, NULL, 0);
	n->pid = 0;
}

static int roster_append(cluster_t *c, Ld__RosterUpdate *u)
{
	Ld__AppendItem item = LD__APPEND_ITEM__INIT;
	const Ld__AppendItem *items[] = {&item};
	uint8_t buf[1024];

	item.has_kind = item.has_everyone = item.has_payload = true;
	item.kind = LD__KIND__KIND_ROSTER_UPDATE;
	item.everyone = true;
	item.payload.data = buf;
	item.payload.len = ld__roster_update__pack(u, buf);
	return ldc_append(c->root->c, items, 1, NULL, NULL);
}

int cl_roster_add(cluster_t *c, tn_t *n)
{
	Ld__RosterUpdate u = LD__ROSTER_UPDATE__INIT;
	uint8_t curve[32];

	ld_curve_z85_decode(n->curve_pub, curve);
	u.has_action = true;
	u.action = LD__ROSTER_UPDATE__ACTION__ADD;
	u.node_id = n->id;
	u.name = n->id;
	u.has_kind = true;
	u.kind = n->kind   ? n->kind
		 : n->root ? LD__NODE_KIND__NODE_COMMAND_CENTRE
			   : LD__NODE_KIND__NODE_BUREAU;
	u.region_code = n->region[0] ? n->region : "330100";
	u.superior = n->superior[0] ? n->superior : NULL;
	u.has_sign_key = u.has_curve_key = true;
	u.sign_key.data = n->sign_pub;
	u.sign_key.len = 32;
	u.curve_key.data = curve;
	u.curve_key.len = 32;
	return roster_append(c, &u);
}

int cl_roster_revoke(cluster_t *c, tn_t *n, uint64_t last_valid_seq)
{
	Ld__RosterUpdate u = LD__ROSTER_UPDATE__INIT;

	u.has_action = true;
	u.action = LD__ROSTER_UPDATE__ACTION__REVOKE;
	u.node_id = n->id;
	u.has_last_valid_seq = true;
	u.last_valid_seq = last_valid_seq;
	u.reason = "test revocation";
	return roster_append(c, &u);
}

int cl_append(tn_t *n, uint32_t kind, const char *const *audience, size_t n_aud,
	      const void *payload, size_t len, ldc_ref_t *ret_ref)
{
	Ld__AppendItem item = LD__APPEND_ITEM__INIT;
	const Ld__AppendItem *items[] = {&item};

	item.has_kind = item.has_payload = true;
	item.kind = kind;
	item.audience = (char **)audience;
	item.n_audience = n_aud;
	item.has_everyone = true;
	item.everyone = audience == NULL;
	item.payload.data = (uint8_t *)payload;
	item.payload.len = len;
	return ldc_append(n->c, items, 1, ret_ref, NULL);
}

int cl_wait(tn_t *n, const char *feed, uint64_t seq, int timeout_ms)
{
	return ldc_wait(n->c, feed, seq, timeout_ms);
}

int64_t cl_head(tn_t *n, const char *feed)
{
	Ld__ApiResponse *resp;
	int64_t seq = 0;

	if (!n->c || ldc_status(n->c, &resp) < 0)
		return -1;
	if (!resp->status) {
		ld__api_response__free_unpacked(resp, NULL);
		return -1;
	}
	for (size_t i = 0; i < resp->status->n_heads; i++)
		if (!strcmp(resp->status->heads[i]->feed, feed))
			seq = (int64_t)resp->status->heads[i]->seq;
	ld__api_response__free_unpacked(resp, NULL);
	return seq;
}

bool cl_peer_up(tn_t *n, const char *peer)
{
	Ld__ApiResponse *resp;
	bool up = false;

	if (!n->c || ldc_status(n->c, &resp) < 0)
		return false;
	for (size_t i = 0; resp->status && i < resp->status->n_peers; i++)
		if (!strcmp(resp->status->peers[i]->node_id, peer) && resp->status->peers[i]->up)
			up = true;
	ld__api_response__free_unpacked(resp, NULL);
	return up;
}

int cl_alerts(tn_t *n)
{
	Ld__ApiResponse *resp;
	int a;

	if (!n->c || ldc_status(n->c, &resp) < 0)
		return -1;
	a = resp->status ? (int)resp->status->n_alerts : -1;
	ld__api_response__free_unpacked(resp, NULL);
	return a;
}

bool cl_until(bool (*pred)(void *ud), void *ud, int timeout_ms)
{
	double t0 = tu_now();

	while ((tu_now() - t0) * 1000 < timeout_ms) {
		if (pred(ud))
			return true;
		usleep(20000);
	}
	return pred(ud);
}

static bool file_contains(const char *path, const void *bytes, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 20, have = 0, got;
	char *buf;
	bool found = false;

	if (!f)
		return false;
	buf = malloc(cap + len);
	/* Sliding window: keep the last len-1 bytes between reads. */
	while (!found && (got = fread(buf + have, 1, cap, f)) > 0) {
		have += got;
		found = memmem(buf, have, bytes, len) != NULL;
		if (have >= len) {
			memmove(buf, buf + have - (len - 1), len - 1);
			have = len - 1;
		}
	}
	free(buf);
	fclose(f);
	return found;
}

bool cl_data_contains(tn_t *n, const void *bytes, size_t len)
{
	char path[700];
	struct dirent *d;
	DIR *dir;
	bool found = false;

	snprintf(path, sizeof(path), "%s/data", n->dir);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (d = readdir(dir))) {
		char file[1024];

		if (d->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, d->d_name);
		found = file_contains(file, bytes, len);
	}
	closedir(dir);
	return found;
}

bool cl_past(void *ud)
{
	return time(NULL) >= *(const time_t *)ud;
}

int cl_run(const char *const *argv, int timeout_ms, char *out, size_t size, char *errbuf,
	   size_t errsz)
{
	int fds[2], st = 0;
	double t0 = tu_now();
	char drain[4096];
	size_t got = 0;
	bool done = false;
	FILE *err;
	pid_t pid;

	/* stderr into a file: no second pipe to drain while reading stdout. */
	if (pipe(fds) < 0)
		die("pipe");
	if (!(err = tmpfile()))
		die("tmpfile for the tool's stderr");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fileno(err), 2);
		close(fds[0]);
		close(fds[1]);
		/* The operators' zone, China Standard Time, unless a test asks
		 * for another (CL_TZ). */
		setenv("TZ", getenv("CL_TZ") ? getenv("CL_TZ") : "Asia/Shanghai", 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		int left = timeout_ms < 0 ? 200 : timeout_ms - (int)((tu_now() - t0) * 1000);
		ssize_t k;

		if (left <= 0)
			break;
		if (poll(&p, 1, left < 200 ? left : 200) <= 0)
			continue;
		/* Past 'size', drain, so the tool never blocks on a full pipe. */
		k = got < size - 1 ? read(fds[0], out + got, size - 1 - got)
				   : read(fds[0], drain, sizeof(drain));
		if (k <= 0) {
			done = true;
			break;
		}
		if (got < size - 1)
			got += (size_t)k;
	}
	out[got] = '\0';
	close(fds[0]);
	/* Its stdout is closed; it may still be exiting. Bounded, then killed. */
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (!done || (timeout_ms >= 0 && (tu_now() - t0) * 1000 > timeout_ms)) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			done = false;
			break;
		}
		usleep(2000);
	}
	rewind(err);
	got = fread(errbuf, 1, errsz - 1, err);
	errbuf[got] = '\0';
	fclose(err);
	fputs(errbuf, stderr);
	if (!done)
		return -2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int cl_cli(tn_t *node, char *out, size_t size, ...)
{
	const char *args[40];
	int n = 0;
	va_list ap;

	args[n++] = getenv("LD_CLI");
	if (!args[0])
		die("LD_CLI (path of liandong) is not set");
	va_start(ap, size);
	for (const char *a; (a = va_arg(ap, const char *)) && n < 36;)
		args[n++] = a;
	va_end(ap);
	args[n++] = "--api";
	args[n++] = node->api;
	args[n] = NULL;
	return cl_run(args, -1, out, size, node->err, sizeof(node->err));
}

bool cl_log_contains(tn_t *n, const char *needle)
{
	return file_contains(n->log, needle, strlen(needle));
}

json_t *cl_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j) {
		fprintf(stderr, "cluster: not JSON (line %d: %s):\n%s\n", e.line, e.text, text);
		die("output of the tool is not valid JSON");
	}
	return j;
}

static bool jmatch(json_t *v, const char *want)
{
	char buf[64];

	if (json_is_string(v))
		return want[0] == '~' ? strstr(json_string_value(v), want + 1) != NULL
				      : !strcmp(json_string_value(v), want);
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return !strcmp(buf, want);
	}
	if (json_is_boolean(v))
		return !strcmp(json_is_true(v) ? "true" : "false", want);
	if (json_is_null(v))
		return !strcmp(want, "null");
	return false;
}

static bool jwalk(json_t *v, const char *path, const char *want)
{
	const char *slash = strchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : strlen(path);
	char key[128];

	if (!*path)
		return jmatch(v, want);
	snprintf(key, sizeof(key), "%.*s", (int)len, path);
	path = slash ? slash + 1 : path + len;
	if (!strcmp(key, "*")) {
		size_t i;
		json_t *x;

		json_array_foreach(v, i, x) if (jwalk(x, path, want)) return true;
		return false;
	}
	if (json_is_array(v)) {
		char *end;
		long i = strtol(key, &end, 10);

		return !*end && jwalk(json_array_get(v, (size_t)i), path, want);
	}
	v = json_object_get(v, key);
	return v && jwalk(v, path, want);
}

bool cl_jhas(json_t *root, const char *path, const char *want)
{
	return root && jwalk(root, path, want);
}

bool cl_out_has(const char *out, const char *path, const char *want)
{
	json_t *j = cl_json(out);
	bool r = cl_jhas(j, path, want);

	json_decref(j);
	return r;
}

json_t *cl_jfind(json_t *root, const char *array_path, const char *key, const char *value)
{
	json_t *a = root;
	char part[128];
	size_t i;
	json_t *x;

	for (const char *p = array_path; a && *p;) {
		size_t len = strcspn(p, "/");

		snprintf(part, sizeof(part), "%.*s", (int)len, p);
		a = json_object_get(a, part);
		p += len + (p[len] == '/');
	}
	json_array_foreach(a, i, x) if (jmatch(json_object_get(x, key), value)) return x;
	return NULL;
}

int64_t cl_signed(tn_t *n)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	int64_t count = 0;

	q.has_type = true;
	q.type = LD__API_TYPE__API_LIST;
	q.feed = n->id;
	if (ldc_call(n->c, &q, 10000, &resp) < 0)
		return -1;
	for (size_t i = 0; resp->ok && i < resp->n_entries; i++) {
		ld_entry_t *e;

		if (ld_entry_parse(resp->entries[i]->entry.data, resp->entries[i]->entry.len, &e) <
		    0)
			continue;
		count += e->hdr->kind != LD__KIND__KIND_DELIVERY_RECEIPT;
		ld_entry_destroy(&e);
	}
	ld__api_response__free_unpacked(resp, NULL);
	return count;
}

/* client/ldclient.c: see ldclient.h. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zmq.h>

#include "client/ldclient.h"
#include "common/conf/apisock.h"

struct ldc {
	void *ctx, *sock;
	char *endpoint;
};

static int sock_open(ldc_t *c)
{
	int zero = 0;
	int64_t maxmsg = 64 << 20;

	c->sock = zmq_socket(c->ctx, ZMQ_DEALER);
	if (!c->sock)
		return -errno;
	zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
	if (zmq_connect(c->sock, c->endpoint) < 0) {
		int r = -errno;

		zmq_close(c->sock);
		c->sock = NULL;
		return r;
	}
	return 0;
}

int ldc_open(const char *endpoint, ldc_t **ret)
{
	ldc_t *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->endpoint = strdup(endpoint);
	c->ctx = zmq_ctx_new();
	if (!c->endpoint || !c->ctx) {
		ldc_destroy(&c);
		return -ENOMEM;
	}
	if ((r = sock_open(c)) < 0) {
		ldc_destroy(&c);
		return r;
	}
	*ret = c;
	return 0;
}

/* Describe the owner and mode of 'path', or of the deepest directory above it
 * that this user can still look into (the one refusing the way in). */
static void describe_refusal(const char *path, char *why, size_t n)
{
	char at[LD_IPC_PATH_MAX + 1], owner[64], *slash;
	const struct passwd *pw;
	struct stat st;

	snprintf(at, sizeof(at), "%s", path);
	while (stat(at, &st) < 0) {
		slash = strrchr(at, '/');
		if (!slash || slash == at) {
			snprintf(why, n, "%s", strerror(errno));
			return;
		}
		*slash = '\0';
	}
	pw = getpwuid(st.st_uid);
	if (pw)
		snprintf(owner, sizeof(owner), "%s", pw->pw_name);
	else
		snprintf(owner, sizeof(owner), "uid %u", (unsigned)st.st_uid);
	if (strcmp(at, path))
		snprintf(why, n, "its directory %s: owner %s, mode %04o", at, owner,
			 (unsigned)(st.st_mode & 07777));
	else
		snprintf(why, n, "the socket: owner %s, mode %04o", owner,
			 (unsigned)(st.st_mode & 07777));
}

int ldc_probe(const char *endpoint, char *why, size_t n)
{
	const char *path = ld_ipc_path(endpoint);
	int r;

	if (n)
		why[0] = '\0';
	if (!path)
		return 0;
	r = ld_ipc_probe(path);
	if ((r == -EACCES || r == -EPERM) && n)
		describe_refusal(path, why, n);
	return r;
}

void ldc_destroy(ldc_t **c_p)
{
	ldc_t *c;

	if (!c_p || !*c_p)
		return;
	c = *c_p;
	if (c->sock)
		zmq_close(c->sock);
	if (c->ctx)
		zmq_ctx_term(c->ctx);
	free(c->endpoint);
	free(c);
	*c_p = NULL;
}

int ldc_call(ldc_t *c, const Ld__ApiRequest *req, int timeout_ms, Ld__ApiResponse **ret_resp)
{
	size_t len = ld__api_request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	zmq_pollitem_t it = {.socket = c->sock, .events = ZMQ_POLLIN};
	zmq_msg_t m;
	int r;

	if (!buf)
		return -ENOMEM;
	ld__api_request__pack(req, buf);
	r = zmq_send(c->sock, "", 0, ZMQ_SNDMORE) < 0 || zmq_send(c->sock, buf, len, 0) < 0 ? -errno
											    : 0;
	free(buf);
	if (r < 0)
		return r;
	r = zmq_poll(&it, 1, timeout_ms);
	if (r <= 0) {
		/* Reset so a late answer cannot pair with the next request. */
		zmq_close(c->sock);
		c->sock = NULL;
		sock_open(c);
		return r < 0 ? -errno : -ETIMEDOUT;
	}
	/* [empty][body] */
	zmq_msg_init(&m);
	do {
		zmq_msg_close(&m);
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, c->sock, 0) < 0) {
			zmq_msg_close(&m);
			return -errno;
		}
	} while (zmq_msg_more(&m));
	*ret_resp = ld__api_response__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
	zmq_msg_close(&m);
	return *ret_resp ? 0 : -EPROTO;
}

static int append(ldc_t *c, const Ld__AppendItem *const *items, size_t n, bool check,
		  ldc_ref_t *ret_refs, char **ret_msg)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	int r;

	q.has_type = true;
	q.type = LD__API_TYPE__API_APPEND;
	q.has_check_only = q.check_only = check;
	q.n_append = n;
	q.append = (Ld__AppendItem **)items;
	r = ldc_call(c, &q, 30000, &resp);
	if (r < 0)
		return r;
	if (!resp->ok) {
		r = resp->has_err && resp->err < 0 ? resp->err : -EIO;
		if (ret_msg && resp->message)
			*ret_msg = strdup(resp->message);
	} else if (check) {
		/* judged acceptable; nothing signed */
	} else if (resp->n_refs != n) {
		r = -EPROTO;
	} else if (ret_refs) {
		for (size_t i = 0; i < n; i++) {
			snprintf(ret_refs[i].feed, sizeof(ret_refs[i].feed), "%s",
				 resp->refs[i]->feed ? resp->refs[i]->feed : "");
			ret_refs[i].seq = resp->refs[i]->seq;
			if (resp->refs[i]->id.len == 32)
				memcpy(ret_refs[i].id, resp->refs[i]->id.data, 32);
		}
	}
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

int ldc_append(ldc_t *c, const Ld__AppendItem *const *items, size_t n, ldc_ref_t *ret_refs,
	       char **ret_msg)
{
	return append(c, items, n, false, ret_refs, ret_msg);
}

int ldc_check(ldc_t *c, const Ld__AppendItem *const *items, size_t n, char **ret_msg)
{
	return append(c, items, n, true, NULL, ret_msg);
}

int ldc_wait(ldc_t *c, const char *feed, uint64_t seq, int timeout_ms)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	int r;

	q.has_type = true;
	q.type = LD__API_TYPE__API_WAIT;
	q.feed = (char *)feed;
	q.has_seq = true;
	q.seq = seq;
	q.has_timeout_ms = true;
	q.timeout_ms = (uint32_t)timeout_ms;
	r = ldc_call(c, &q, timeout_ms + 2000, &resp);
	if (r < 0)
		return r;
	r = resp->ok ? 0 : resp->has_err && resp->err < 0 ? resp->err : -EIO;
	ld__api_response__free_unpacked(resp, NULL);
	return r;
}

int ldc_status(ldc_t *c, Ld__ApiResponse **ret)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;

	q.has_type = true;
	q.type = LD__API_TYPE__API_STATUS;
	return ldc_call(c, &q, 5000, ret);
}

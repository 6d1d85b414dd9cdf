/* server/conns.c: the peer ROUTER's connections and their bounds (see
 * conns.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <zmq.h>

#include "common/feed/entry.h"
#include "server/clock.h"
#include "server/conns.h"
#include "server/log.h"

#define EVENTS_PER_CALL 4096

enum { C_FREE, C_PENDING, C_MEMBER, C_CLOSING };

/* One accepted connection, by its descriptor; in the pending or the
 * members list (prev/next are descriptors, -1 ends). */
struct conn {
	uint8_t state;
	int prev, next;
	int64_t since, last_rx; /* accepted; last member frame (monotonic) */
	uint8_t ip[16];		/* IPv4 as ::ffff:a.b.c.d */
	uint16_t port;
	char member[LD_NODE_ID_MAX + 1];
};

struct list {
	int head, tail;
	size_t n;
};

struct ld_conns {
	void *mon;
	uint16_t port; /* the ROUTER's, host order (0: not TCP) */
	struct conn *by_fd;
	size_t cap;
	struct list pending, members;
	ld_conns_bounds_t b;
	bool busy;
};

void ld_conns_fd_limit(size_t n_out_peers, ld_conns_bounds_t *b)
{
	struct rlimit rl;
	rlim_t was;
	size_t usable;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		rl.rlim_cur = rl.rlim_max = 1024;
	} else if (rl.rlim_cur < rl.rlim_max) {
		was = rl.rlim_cur;
		/* An unlimited hard limit is not a value setrlimit takes. */
		if (rl.rlim_max == RLIM_INFINITY)
			rl.rlim_max = 1u << 20;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			log_warn("cannot raise the descriptor limit from %llu: %s",
				 (unsigned long long)was, strerror(errno));
			getrlimit(RLIMIT_NOFILE, &rl);
		} else {
			log_info("descriptor limit raised from %llu to %llu",
				 (unsigned long long)was, (unsigned long long)rl.rlim_cur);
		}
	}
	usable = rl.rlim_cur > LD_FD_RESERVE + 2 * n_out_peers + 64
			 ? (size_t)rl.rlim_cur - LD_FD_RESERVE - 2 * n_out_peers
			 : 64;
	/* A quarter for connections waiting to authenticate, half for members;
	 * the last quarter absorbs what libzmq accepts before we hear of it. */
	b->pending_max = usable / 4 < LD_CONN_PENDING_MAX ? usable / 4 : LD_CONN_PENDING_MAX;
	b->members_max = usable / 2 < LD_CONN_MEMBERS_MAX ? usable / 2 : LD_CONN_MEMBERS_MAX;
	log_info("descriptor limit %llu: up to %zu connections waiting to authenticate (%d "
		 "from one address), %zu of members (%d each)",
		 (unsigned long long)rl.rlim_cur, b->pending_max, LD_CONN_PER_ADDR, b->members_max,
		 LD_CONN_PER_MEMBER);
	if (rl.rlim_cur < 4096)
		log_warn("the descriptor limit (%llu) is low for a node others connect to: "
			 "raise its hard limit (LimitNOFILE= in the service unit, or ulimit -Hn)",
			 (unsigned long long)rl.rlim_cur);
}

static uint16_t endpoint_port(void *router)
{
	char ep[256];
	size_t len = sizeof(ep);
	const char *colon;

	if (zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, ep, &len) < 0 || strncmp(ep, "tcp://", 6))
		return 0;
	colon = strrchr(ep, ':');
	return colon ? (uint16_t)atoi(colon + 1) : 0;
}

int ld_conns_new(void *ctx, void *router, const ld_conns_bounds_t *b, ld_conns_t **ret,
		 void **ret_mon)
{
	ld_conns_t *c = calloc(1, sizeof(*c));
	char ep[64];
	int zero = 0, r;

	if (!c)
		return -ENOMEM;
	c->b = *b;
	c->pending = c->members = (struct list){-1, -1, 0};
	c->port = endpoint_port(router);
	/* One monitor per ROUTER: a re-bound ROUTER gets a new name. */
	snprintf(ep, sizeof(ep), "inproc://ld-conns-%p", (void *)c);
	if (zmq_socket_monitor(router, ep, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) < 0)
		goto fail;
	c->mon = zmq_socket(ctx, ZMQ_PAIR);
	if (!c->mon)
		goto fail;
	/* No high-water mark towards us: libzmq's I/O thread blocks on a full
	 * monitor pipe, and a lost DISCONNECTED would leak a count. */
	zmq_setsockopt(c->mon, ZMQ_RCVHWM, &zero, sizeof(zero));
	zmq_setsockopt(c->mon, ZMQ_LINGER, &zero, sizeof(zero));
	if (zmq_connect(c->mon, ep) < 0)
		goto fail;
	*ret = c;
	*ret_mon = c->mon;
	return 0;
fail:
	r = -errno;
	if (c->mon)
		zmq_close(c->mon);
	free(c);
	return r < 0 ? r : -EIO;
}

void ld_conns_destroy(ld_conns_t **c_p)
{
	ld_conns_t *c = c_p ? *c_p : NULL;

	if (!c)
		return;
	if (c->mon)
		zmq_close(c->mon);
	free(c->by_fd);
	free(c);
	*c_p = NULL;
}

static void list_add(ld_conns_t *c, struct list *l, int fd)
{
	c->by_fd[fd].prev = l->tail;
	c->by_fd[fd].next = -1;
	if (l->tail >= 0)
		c->by_fd[l->tail].next = fd;
	else
		l->head = fd;
	l->tail = fd;
	l->n++;
}

static void list_del(ld_conns_t *c, struct list *l, int fd)
{
	struct conn *x = &c->by_fd[fd];

	if (x->prev >= 0)
		c->by_fd[x->prev].next = x->next;
	else
		l->head = x->next;
	if (x->next >= 0)
		c->by_fd[x->next].prev = x->prev;
	else
		l->tail = x->prev;
	l->n--;
}

/* Out of its list; the entry keeps 'state'. */
static void conn_unlist(ld_conns_t *c, int fd)
{
	if (c->by_fd[fd].state == C_PENDING)
		list_del(c, &c->pending, fd);
	else if (c->by_fd[fd].state == C_MEMBER)
		list_del(c, &c->members, fd);
}

/* The peer of 'fd' as an IPv6 address and a port; false if it has none. */
static bool peer_of(int fd, uint8_t ip[16], uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return false;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;

		memset(ip, 0, 10);
		ip[10] = ip[11] = 0xff;
		memcpy(ip + 12, &a->sin_addr, 4);
		*port = ntohs(a->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;

		memcpy(ip, &a->sin6_addr, 16);
		*port = ntohs(a->sin6_port);
	} else {
		return false;
	}
	return true;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/* Is 'fd' still the connection recorded for it? libzmq may have closed it
 * and the number been reused since the event we acted on. */
static bool conn_is(const ld_conns_t *c, int fd)
{
	const struct conn *x = &c->by_fd[fd];
	uint8_t ip[16];
	uint16_t port;

	return local_port(fd) == c->port && peer_of(fd, ip, &port) && port == x->port &&
	       !memcmp(ip, x->ip, 16);
}

static void ip_text(const uint8_t ip[16], char *out, size_t size)
{
	static const uint8_t v4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (!memcmp(ip, v4, 12))
		inet_ntop(AF_INET, ip + 12, out, (socklen_t)size);
	else
		inet_ntop(AF_INET6, ip, out, (socklen_t)size);
}

/* End connection 'fd': shutdown(2), and libzmq closes it (its
 * DISCONNECTED event frees the entry). */
static void conn_close(ld_conns_t *c, int fd)
{
	struct conn *x = &c->by_fd[fd];

	conn_unlist(c, fd);
	if (conn_is(c, fd)) {
		shutdown(fd, SHUT_RDWR);
		x->state = C_CLOSING;
	} else {
		x->state = C_FREE;
	}
}

/* The oldest pending connection from 'ip' (any address: NULL). */
static int oldest_pending(const ld_conns_t *c, const uint8_t *ip)
{
	for (int fd = c->pending.head; fd >= 0; fd = c->by_fd[fd].next)
		if (!ip || !memcmp(c->by_fd[fd].ip, ip, 16))
			return fd;
	return -1;
}

static size_t pending_from(const ld_conns_t *c, const uint8_t *ip)
{
	size_t k = 0;

	for (int fd = c->pending.head; fd >= 0; fd = c->by_fd[fd].next)
		k += !memcmp(c->by_fd[fd].ip, ip, 16);
	return k;
}

static int grow(ld_conns_t *c, int fd)
{
	size_t cap = c->cap ? c->cap : 1024;
	struct conn *nb;

	while (cap <= (size_t)fd)
		cap *= 2;
	if (cap == c->cap)
		return 0;
	nb = realloc(c->by_fd, cap * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	memset(nb + c->cap, 0, (cap - c->cap) * sizeof(*nb));
	c->by_fd = nb;
	c->cap = cap;
	return 0;
}

static void on_accepted(ld_conns_t *c, int fd)
{
	struct conn *x;
	char addr[INET6_ADDRSTRLEN];
	int old;

	if (fd < 0 || grow(c, fd) < 0)
		return;
	x = &c->by_fd[fd];
	if (x->state != C_FREE) /* its DISCONNECTED was lost: a new one now */
		conn_unlist(c, fd);
	x->state = C_FREE;
	/* Closed already (its DISCONNECTED follows), or not one of ours. */
	if ((c->port && local_port(fd) != c->port) || !peer_of(fd, x->ip, &x->port))
		return;
	x->state = C_PENDING;
	x->since = x->last_rx = ld_mono_ms();
	x->member[0] = 0;
	list_add(c, &c->pending, fd);
	if (pending_from(c, x->ip) > LD_CONN_PER_ADDR && (old = oldest_pending(c, x->ip)) >= 0) {
		ip_text(x->ip, addr, sizeof(addr));
		rlog_warn(NULL,
			  "connections from %s: more than %d waiting to authenticate; closing "
			  "the oldest",
			  addr, LD_CONN_PER_ADDR);
		conn_close(c, old);
	}
	if (c->pending.n > c->b.pending_max && (old = oldest_pending(c, NULL)) >= 0) {
		ip_text(c->by_fd[old].ip, addr, sizeof(addr));
		rlog_warn(NULL,
			  "more than %zu connections waiting to authenticate: closing the oldest "
			  "(from %s)",
			  c->b.pending_max, addr);
		conn_close(c, old);
	}
}

static void on_disconnected(ld_conns_t *c, int fd)
{
	if (fd < 0 || (size_t)fd >= c->cap || c->by_fd[fd].state == C_FREE)
		return;
	conn_unlist(c, fd);
	c->by_fd[fd].state = C_FREE;
}

void ld_conns_events(ld_conns_t *c)
{
	int k;

	c->busy = false;
	for (k = 0; k < EVENTS_PER_CALL; k++) {
		zmq_msg_t ev, addr;
		uint16_t event = 0;
		uint32_t value = 0;

		zmq_msg_init(&ev);
		if (zmq_msg_recv(&ev, c->mon, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&ev);
			return;
		}
		if (zmq_msg_size(&ev) >= 6) {
			memcpy(&event, zmq_msg_data(&ev), 2);
			memcpy(&value, (uint8_t *)zmq_msg_data(&ev) + 2, 4);
		}
		/* The second frame, the endpoint, says nothing we need. */
		zmq_msg_init(&addr);
		if (zmq_msg_more(&ev))
			zmq_msg_recv(&addr, c->mon, 0);
		zmq_msg_close(&addr);
		zmq_msg_close(&ev);
		if (event == ZMQ_EVENT_ACCEPTED)
			on_accepted(c, (int)value);
		else if (event == ZMQ_EVENT_DISCONNECTED)
			on_disconnected(c, (int)value);
	}
	c->busy = true;
}

bool ld_conns_busy(const ld_conns_t *c)
{
	return c && c->busy;
}

static size_t member_conns(const ld_conns_t *c, const char *member)
{
	size_t k = 0;

	for (int fd = c->members.head; fd >= 0; fd = c->by_fd[fd].next)
		k += !strcmp(c->by_fd[fd].member, member);
	return k;
}

bool ld_conns_member_room(const ld_conns_t *c, const char *member)
{
	return !c || member_conns(c, member) < LD_CONN_PER_MEMBER;
}

bool ld_conns_heard(ld_conns_t *c, int fd, const char *member)
{
	struct conn *x;
	char addr[INET6_ADDRSTRLEN];

	/* Not (yet) known here: nothing to hold it to. */
	if (!c || fd < 0 || (size_t)fd >= c->cap || c->by_fd[fd].state == C_FREE)
		return true;
	x = &c->by_fd[fd];
	if (x->state == C_CLOSING)
		return false;
	if (x->state == C_MEMBER && !strcmp(x->member, member)) {
		x->last_rx = ld_mono_ms();
		return true;
	}
	conn_unlist(c, fd);
	x->state = C_PENDING; /* unlisted: conn_close() below must not unlist it */
	if (member_conns(c, member) >= LD_CONN_PER_MEMBER || c->members.n >= c->b.members_max) {
		list_add(c, &c->pending, fd);
		ip_text(x->ip, addr, sizeof(addr));
		rlog_warn(member,
			  "member %s has %zu connections open (at most %d each, %zu of members in "
			  "all): refusing one more from %s",
			  member, member_conns(c, member), LD_CONN_PER_MEMBER, c->members.n, addr);
		conn_close(c, fd);
		return false;
	}
	x->state = C_MEMBER;
	snprintf(x->member, sizeof(x->member), "%s", member);
	x->last_rx = ld_mono_ms();
	list_add(c, &c->members, fd);
	return true;
}

void ld_conns_timers(ld_conns_t *c, int64_t now)
{
	char addr[INET6_ADDRSTRLEN];
	int fd, next;

	if (!c)
		return;
	while ((fd = c->pending.head) >= 0 && now - c->by_fd[fd].since >= c->b.first_ms) {
		ip_text(c->by_fd[fd].ip, addr, sizeof(addr));
		rlog_info(NULL,
			  "closing a connection from %s: no frame from a roster member %lld s "
			  "after it opened",
			  addr, (long long)(c->b.first_ms / 1000));
		conn_close(c, fd);
	}
	for (fd = c->members.head; fd >= 0; fd = next) {
		struct conn *x = &c->by_fd[fd];

		next = x->next;
		if (now - x->last_rx < c->b.idle_ms)
			continue;
		rlog_info(x->member, "closing a connection of %s: silent for %lld s", x->member,
			  (long long)((now - x->last_rx) / 1000));
		conn_close(c, fd);
	}
}

int64_t ld_conns_next_due(const ld_conns_t *c)
{
	int64_t due = INT64_MAX;

	if (!c)
		return due;
	if (c->pending.head >= 0)
		due = c->by_fd[c->pending.head].since + c->b.first_ms;
	for (int fd = c->members.head; fd >= 0; fd = c->by_fd[fd].next)
		if (c->by_fd[fd].last_rx + c->b.idle_ms < due)
			due = c->by_fd[fd].last_rx + c->b.idle_ms;
	return due;
}

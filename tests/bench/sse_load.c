/* tests/bench/sse_load.c: see sse_load.h. */
#include "sse_load.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sse_load {
	size_t n;
	int *fd;
	atomic_size_t *changes;
	char (*tail)[16]; /* the last bytes read, for a marker cut in two */
	atomic_bool stop;
	atomic_size_t connected;
	pthread_t th;
};

static const char MARK[] = "event: change\n";

static int connect_port(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int sse_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Count MARK in what was read, with the previous read's tail prepended. */
static size_t count_marks(char tail[16], const char *buf, size_t len)
{
	char joined[16 + 4096 + 1];
	size_t tl = strnlen(tail, 16), cnt = 0;
	const char *p;

	memcpy(joined, tail, tl);
	memcpy(joined + tl, buf, len);
	joined[tl + len] = '\0';
	for (p = joined; (p = strstr(p, MARK)); p += sizeof(MARK) - 1)
		cnt++;
	/* Keep one byte less than a marker: a marker cut by the read is found
	 * next time, one already counted cannot fit in the tail. */
	{
		size_t all = tl + len, keep = all < sizeof(MARK) - 2 ? all : sizeof(MARK) - 2;

		memset(tail, 0, 16);
		memcpy(tail, joined + all - keep, keep);
	}
	return cnt;
}

static void *reader(void *arg)
{
	sse_load_t *l = arg;
	struct pollfd *pf = calloc(l->n, sizeof(*pf));
	char buf[4096];

	if (!pf)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		pf[i] = (struct pollfd){.fd = l->fd[i], .events = POLLIN};
	while (!atomic_load(&l->stop)) {
		int r = poll(pf, l->n, 100);

		if (r <= 0)
			continue;
		for (size_t i = 0; i < l->n; i++) {
			ssize_t got;

			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(pf[i].fd, buf, sizeof(buf));
			if (got <= 0) {
				pf[i].fd = -1; /* poll ignores it from now on */
				atomic_fetch_sub(&l->connected, 1);
				continue;
			}
			atomic_fetch_add(&l->changes[i], count_marks(l->tail[i], buf, (size_t)got));
		}
	}
	free(pf);
	return NULL;
}

int sse_load_new(int port, size_t n, sse_load_t **ret)
{
	static const char req[] = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				  "Accept: text/event-stream\r\n\r\n";
	sse_load_t *l = calloc(1, sizeof(*l));
	int r = 0;

	*ret = NULL;
	if (!l || !(l->fd = calloc(n, sizeof(int))) ||
	    !(l->changes = calloc(n, sizeof(*l->changes))) ||
	    !(l->tail = calloc(n, sizeof(*l->tail)))) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		l->fd[i] = -1;
	l->n = n;
	for (size_t i = 0; i < n; i++) {
		int fd = connect_port(port);

		if (fd < 0) {
			r = fd;
			goto fail;
		}
		l->fd[i] = fd;
		if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1) {
			r = -EIO;
			goto fail;
		}
		atomic_fetch_add(&l->connected, 1);
	}
	if ((r = -pthread_create(&l->th, NULL, reader, l)))
		goto fail;
	*ret = l;
	return 0;
fail:
	if (l) {
		for (size_t i = 0; l->fd && i < n; i++)
			if (l->fd[i] >= 0)
				close(l->fd[i]);
		free(l->fd);
		free(l->changes);
		free(l->tail);
		free(l);
	}
	return r;
}

void sse_load_counts(sse_load_t *l, size_t *connected, size_t *min_changes, size_t *changes)
{
	size_t lo = (size_t)-1, sum = 0;

	for (size_t i = 0; i < l->n; i++) {
		size_t c = atomic_load(&l->changes[i]);

		sum += c;
		if (c < lo)
			lo = c;
	}
	*connected = atomic_load(&l->connected);
	*min_changes = l->n ? lo : 0;
	*changes = sum;
}

void sse_load_reset(sse_load_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		atomic_store(&l->changes[i], 0);
}

void sse_load_destroy(sse_load_t **l_p)
{
	sse_load_t *l = *l_p;

	if (!l)
		return;
	atomic_store(&l->stop, true);
	pthread_join(l->th, NULL);
	for (size_t i = 0; i < l->n; i++)
		close(l->fd[i]);
	free(l->fd);
	free(l->changes);
	free(l->tail);
	free(l);
	*l_p = NULL;
}

static bool healthz(int port)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				  "Connection: close\r\n\r\n";
	char buf[64] = "";
	int fd = connect_port(port);
	ssize_t got;

	if (fd < 0)
		return false;
	if (write(fd, req, sizeof(req) - 1) == (ssize_t)sizeof(req) - 1) {
		got = read(fd, buf, sizeof(buf) - 1);
		buf[got > 0 ? got : 0] = '\0';
	}
	close(fd);
	return !strncmp(buf, "HTTP/1.1 200", 12);
}

pid_t sse_web_start(const char *web, const char *conf, int port, const char *log)
{
	char listen[32];
	pid_t pid;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0)
			dup2(fd, 2);
		execl(web, web, "--config", conf, "--listen", listen, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	for (int i = 0; i < 200; i++) { /* 10 s */
		if (healthz(port))
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
	}
	sse_web_stop(pid);
	return -1;
}

void sse_web_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) { /* 10 s, then SIGKILL */
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

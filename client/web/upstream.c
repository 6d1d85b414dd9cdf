/* client/web/upstream.c: see upstream.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "client/ldclient.h"
#include "client/web/upstream.h"

#define POOL_MAX 16

struct upstream {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *endpoint;
	ldc_t *idle[POOL_MAX];
	unsigned n_idle, n_open, max;
};

int upstream_new(const char *endpoint, unsigned max, upstream_t **ret)
{
	upstream_t *u = calloc(1, sizeof(*u));

	if (!u || !(u->endpoint = strdup(endpoint))) {
		free(u);
		return -ENOMEM;
	}
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->cv, NULL);
	u->max = max && max <= POOL_MAX ? max : POOL_MAX;
	*ret = u;
	return 0;
}

void upstream_destroy(upstream_t **u_p)
{
	upstream_t *u = u_p ? *u_p : NULL;

	if (!u)
		return;
	for (unsigned i = 0; i < u->n_idle; i++)
		ldc_destroy(&u->idle[i]);
	pthread_mutex_destroy(&u->mu);
	pthread_cond_destroy(&u->cv);
	free(u->endpoint);
	free(u);
	*u_p = NULL;
}

/* A connection of the pool (waiting while all are in use), or a new one. */
static int take(upstream_t *u, ldc_t **ret)
{
	int r = 0;

	pthread_mutex_lock(&u->mu);
	while (!u->n_idle && u->n_open >= u->max)
		pthread_cond_wait(&u->cv, &u->mu);
	if (u->n_idle) {
		*ret = u->idle[--u->n_idle];
	} else {
		r = ldc_open(u->endpoint, ret);
		if (r == 0)
			u->n_open++;
	}
	pthread_mutex_unlock(&u->mu);
	return r;
}

static void give(upstream_t *u, ldc_t **c_p)
{
	pthread_mutex_lock(&u->mu);
	if (*c_p) {
		u->idle[u->n_idle++] = *c_p;
		*c_p = NULL;
	} else {
		u->n_open--;
	}
	pthread_cond_signal(&u->cv);
	pthread_mutex_unlock(&u->mu);
}

int upstream_call(upstream_t *u, const Ld__ApiRequest *req, int timeout_ms, Ld__ApiResponse **ret)
{
	ldc_t *c = NULL;
	int r = ldc_probe(u->endpoint, NULL, 0);

	/* No daemon at the socket: say so at once, not after the timeout. */
	if (r == -ENOENT || r == -ECONNREFUSED || r == -ENOTSOCK || r == -EACCES || r == -EPERM)
		return r;
	if ((r = take(u, &c)) < 0)
		return r;
	r = ldc_call(c, req, timeout_ms, ret);
	give(u, &c);
	return r;
}

int upstream_simple(upstream_t *u, uint32_t type, int timeout_ms, Ld__ApiResponse **ret)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;

	q.has_type = true;
	q.type = type;
	return upstream_call(u, &q, timeout_ms, ret);
}

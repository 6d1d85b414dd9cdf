/* client/web/hub.c: see hub.h. */
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/web/hub.h"
#include "client/web/weblog.h"
#include "common/base/timeutil.h"

#define POLL_MS 200	    /* the status is asked for at most this often */
#define STATUS_TIMEOUT 2000 /* a daemon that does not answer in this is down */
#define SCAN_MIN_MS 2000    /* the view is read for deadlines at most this often */
#define SCAN_MAX_MS 60000   /* ... and at least this often */

struct hub {
	upstream_t *u;
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
	/* Published state (under mu). */
	bool up;
	int64_t since_ms, as_of_ms;
	char heads[65];
	uint64_t change_gen, daemon_gen;
	/* The watcher's own. */
	unsigned char peers_digest[32];
	int64_t next_due_ms; /* a deadline of the view still ahead (0: none) */
	int64_t scanned_at;  /* monotonic ms of the last view read (0: never) */
	bool scan_wanted;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int hub_new(upstream_t *u, hub_t **ret)
{
	hub_t *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->u = u;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->since_ms = ld_now_ms();
	h->daemon_gen = 1; /* every client is told the state first */
	h->scan_wanted = true;
	*ret = h;
	return 0;
}

/* A digest of the heads (feed, seq, id) and one of the peers' states. */
static void digests(const Ld__ApiStatus *st, char heads_hex[65], unsigned char peers[32])
{
	EVP_MD_CTX *hc = EVP_MD_CTX_new(), *pc = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned len = 0;

	if (!hc || !pc) {
		EVP_MD_CTX_free(hc);
		EVP_MD_CTX_free(pc);
		return;
	}
	EVP_DigestInit_ex(hc, EVP_sha256(), NULL);
	EVP_DigestInit_ex(pc, EVP_sha256(), NULL);
	for (size_t i = 0; i < st->n_heads; i++) {
		const Ld__ApiHead *x = st->heads[i];
		char line[128];

		snprintf(line, sizeof(line), "%s:%llu:%d\n", x->feed ? x->feed : "",
			 (unsigned long long)x->seq, x->frozen);
		EVP_DigestUpdate(hc, line, strlen(line));
		EVP_DigestUpdate(hc, x->id.data, x->id.len);
	}
	for (size_t i = 0; i < st->n_peers; i++) {
		char line[128];

		snprintf(line, sizeof(line), "%s:%d\n",
			 st->peers[i]->node_id ? st->peers[i]->node_id : "", st->peers[i]->up);
		EVP_DigestUpdate(pc, line, strlen(line));
	}
	EVP_DigestUpdate(pc, &st->n_alerts, sizeof(st->n_alerts));
	EVP_DigestFinal_ex(hc, d, &len);
	for (unsigned i = 0; i < 32; i++)
		snprintf(heads_hex + 2 * i, 3, "%02x", d[i]);
	EVP_DigestFinal_ex(pc, peers, &len);
	EVP_MD_CTX_free(hc);
	EVP_MD_CTX_free(pc);
}

/* Under mu: publish a change read at 'now' (Unix ms). */
static void publish_change(hub_t *h, int64_t now)
{
	h->as_of_ms = now;
	h->change_gen++;
	pthread_cond_broadcast(&h->cv);
}

static void set_up(hub_t *h, bool up, int64_t now)
{
	pthread_mutex_lock(&h->mu);
	if (h->up != up) {
		h->up = up;
		h->since_ms = now;
		h->daemon_gen++;
		pthread_cond_broadcast(&h->cv);
		if (up)
			web_log("the daemon answers on its read-only API");
		else
			web_log("the daemon does not answer on its read-only API");
	}
	pthread_mutex_unlock(&h->mu);
}

/* The next deadline of the command view still ahead: an acknowledgement
 * not given, an answer not sent. */
static int64_t next_deadline(const Ld__ApiView *v, int64_t now)
{
	int64_t due = 0;

	for (size_t i = 0; i < v->n_actions; i++) {
		const Ld__ApiViewAction *a = v->actions[i];

		if (!a->active || a->ack_by_ms <= now)
			continue;
		for (size_t j = 0; j < a->n_participants; j++)
			if (!a->participants[j]->ack_ms && !a->participants[j]->not_visible &&
			    (!due || a->ack_by_ms < due))
				due = a->ack_by_ms;
	}
	for (size_t i = 0; i < v->n_cases; i++) {
		const Ld__ApiViewCase *k = v->cases[i];

		if (k->state == LD__CASE_STATE__CASE_AWAITING_ANSWER && k->answer_by_ms > now &&
		    (!due || k->answer_by_ms < due))
			due = k->answer_by_ms;
	}
	return due;
}

static void scan(hub_t *h, int64_t mono)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp = NULL;

	q.has_type = q.has_limit = true;
	q.type = LD__API_TYPE__API_VIEW;
	q.limit = 200;
	h->scanned_at = mono;
	h->scan_wanted = false;
	if (upstream_call(h->u, &q, STATUS_TIMEOUT, &resp) == 0 && resp->ok && resp->view)
		h->next_due_ms = next_deadline(resp->view, ld_now_ms());
	else
		h->scan_wanted = true;
	if (resp)
		ld__api_response__free_unpacked(resp, NULL);
}

static void watch_once(hub_t *h)
{
	Ld__ApiResponse *resp = NULL;
	int64_t now = ld_now_ms(), mono = mono_ms();
	int r = upstream_simple(h->u, LD__API_TYPE__API_STATUS, STATUS_TIMEOUT, &resp);

	if (r < 0 || !resp->ok || !resp->status) {
		if (resp)
			ld__api_response__free_unpacked(resp, NULL);
		set_up(h, false, now);
		h->scan_wanted = true;
		return;
	}
	set_up(h, true, now);
	{
		char heads[65] = "";
		unsigned char peers[32] = {0};

		digests(resp->status, heads, peers);
		pthread_mutex_lock(&h->mu);
		if (strcmp(heads, h->heads) || memcmp(peers, h->peers_digest, 32)) {
			memcpy(h->heads, heads, sizeof(heads));
			memcpy(h->peers_digest, peers, 32);
			publish_change(h, now);
			h->scan_wanted = true;
		} else if (h->next_due_ms && now >= h->next_due_ms) {
			/* A deadline passed: the view judges differently now. */
			publish_change(h, now);
			h->next_due_ms = 0;
			h->scan_wanted = true;
		}
		pthread_mutex_unlock(&h->mu);
	}
	ld__api_response__free_unpacked(resp, NULL);
	if ((h->scan_wanted && mono - h->scanned_at >= SCAN_MIN_MS) ||
	    mono - h->scanned_at >= SCAN_MAX_MS || !h->scanned_at)
		scan(h, mono);
}

static void *watcher(void *arg)
{
	hub_t *h = arg;

	pthread_mutex_lock(&h->mu);
	while (!h->stopping) {
		struct timespec until;
		int64_t t0 = mono_ms();

		pthread_mutex_unlock(&h->mu);
		watch_once(h);
		pthread_mutex_lock(&h->mu);
		clock_gettime(CLOCK_REALTIME, &until);
		{
			int64_t left = POLL_MS - (mono_ms() - t0);

			if (left < 10)
				left = 10;
			until.tv_nsec += (long)(left % 1000) * 1000000;
			until.tv_sec += left / 1000 + until.tv_nsec / 1000000000;
			until.tv_nsec %= 1000000000;
		}
		while (!h->stopping && pthread_cond_timedwait(&h->cv, &h->mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

int hub_start(hub_t *h)
{
	int r = pthread_create(&h->thread, NULL, watcher, h);

	if (r)
		return -r;
	h->running = true;
	return 0;
}

void hub_stop(hub_t *h)
{
	pthread_mutex_lock(&h->mu);
	h->stopping = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	if (h->running)
		pthread_join(h->thread, NULL);
	h->running = false;
}

void hub_destroy(hub_t **h_p)
{
	hub_t *h = h_p ? *h_p : NULL;

	if (!h)
		return;
	hub_stop(h);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h);
	*h_p = NULL;
}

bool hub_up(hub_t *h, int64_t *ret_since_ms)
{
	bool up;

	pthread_mutex_lock(&h->mu);
	up = h->up;
	if (ret_since_ms)
		*ret_since_ms = h->since_ms;
	pthread_mutex_unlock(&h->mu);
	return up;
}

void hub_heads(hub_t *h, char digest[65], int64_t *ret_as_of_ms)
{
	pthread_mutex_lock(&h->mu);
	memcpy(digest, h->heads, 65);
	*ret_as_of_ms = h->as_of_ms;
	pthread_mutex_unlock(&h->mu);
}

int hub_next(hub_t *h, hub_pos_t *pos, char *buf, size_t n, int wait_ms)
{
	struct timespec until;
	int len = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
	until.tv_sec += wait_ms / 1000 + until.tv_nsec / 1000000000;
	until.tv_nsec %= 1000000000;
	pthread_mutex_lock(&h->mu);
	for (;;) {
		if (h->stopping) {
			len = -1;
			break;
		}
		if (pos->daemon_gen != h->daemon_gen) {
			pos->daemon_gen = h->daemon_gen;
			len = snprintf(buf, n,
				       "event: daemon\ndata: {\"up\":%s,\"since_ms\":%lld}\n\n",
				       h->up ? "true" : "false", (long long)h->since_ms);
			break;
		}
		if (pos->change_gen != h->change_gen) {
			pos->change_gen = h->change_gen;
			len = snprintf(
				buf, n,
				"event: change\ndata: {\"as_of_ms\":%lld,\"heads\":\"%s\"}\n\n",
				(long long)h->as_of_ms, h->heads);
			break;
		}
		if (pthread_cond_timedwait(&h->cv, &h->mu, &until) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&h->mu);
	return len < 0 ? -1 : (size_t)len < n ? len : (int)n - 1;
}

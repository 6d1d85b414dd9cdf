/* server/node.c: liandongd's node: opening, sockets, the poll loop, what
 * the outbox holds, roster changes (see node.h). */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "common/conf/apisock.h"
#include "common/views/casesum.h"
#include "common/views/views.h"
#include "common/base/errors.h"
#include "common/base/secret.h"
#include "server/api.h"
#include "server/blobx.h"
#include "server/clock.h"
#include "server/escalate.h"
#include "server/monitor.h"
#include "server/frame.h"
#include "server/history.h"
#include "server/ingest.h"
#include "server/links.h"
#include "server/log.h"
#include "server/node.h"
#include "server/sync.h"
#include "server/zap.h"

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* draft in 4.3; honoured by Debian's libzmq5 */
#endif

#define REBIND_MS 1000	   /* re-bind the ROUTER after a revocation, then every second */
#define CUT_NOTICE_MS 1000 /* a revoked peer gets its notice this long before we close */
#define INDEX_IDLE_MS 5000 /* with the index complete, look again this often */
#define QUIET_MS 100	   /* idle: nothing to read for this long (index slices) */

static int router_open(ld_node_t *n)
{
	int one = 1;
	void *s = zmq_socket(n->ctx, ZMQ_ROUTER);

	if (!s)
		return -errno;
	ld_peer_sockopts(n, s);
	if (zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof(one)) < 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, n->curve.sec, LD_CURVE_Z85_LEN) < 0 ||
	    zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "liandong", 8) < 0 ||
	    zmq_setsockopt(s, ZMQ_ROUTER_MANDATORY, &one, sizeof(one)) < 0) {
		int r = -errno;

		zmq_close(s);
		return r;
	}
	/* Without it, libzmq 4.3 admits clients when no handler answers. */
	if (zmq_setsockopt(s, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof(one)) < 0)
		log_warn("this libzmq lacks ZMQ_ZAP_ENFORCE_DOMAIN; relying on our own ZAP "
			 "handler, which is bound and always answers");
	if (zmq_bind(s, n->conf->bind) < 0) {
		int r = -errno;

		zmq_close(s);
		return r;
	}
	n->router = s;
	if (ld_conns_new(n->ctx, s, &n->bounds, &n->conns, &n->conns_mon) < 0)
		log_warn("watching the connections of %s: %s; they are bounded only by the "
			 "handshake timeout",
			 n->conf->bind, zmq_strerror(errno));
	return 0;
}

/* Close and reopen the ROUTER: the only way libzmq 4.3 offers to drop one
 * incoming peer. Everyone else reconnects by themselves within a second. */
static void router_rebind(ld_node_t *n)
{
	int r;

	if (n->router)
		zmq_close(n->router);
	n->router = NULL;
	ld_conns_destroy(&n->conns);
	n->conns_mon = NULL;
	for (size_t i = 0; i < n->n_links; i++)
		if (!n->links[i]->outgoing && n->links[i]->up)
			ld_link_mark_down(n, n->links[i], "connections reset after a revocation");
	r = router_open(n);
	n->rebind_router = r < 0;
	n->rebind_at = ld_mono_ms() + REBIND_MS;
	if (r < 0)
		log_warn("re-binding %s: %s; retrying every second (is another process using the "
			 "[node] bind address?)",
			 n->conf->bind, zmq_strerror(-r));
}

/* Close the outgoing sockets of peers cut off by a revocation. */
static void close_cut(ld_node_t *n)
{
	n->cut_at = 0;
	for (size_t i = 0; i < n->n_links; i++)
		if (n->links[i]->cut && n->links[i]->outgoing && n->links[i]->sock) {
			zmq_close(n->links[i]->sock);
			n->links[i]->sock = NULL;
		}
}

void ld_node_check_revoked(ld_node_t *n)
{
	bool was = n->revoked;
	char text[512];
	int r = ld_revocation_find(n->store, n->conf->id, &n->revocation);

	if (r < 0 && r != -ENOENT) {
		log_error("cannot read this node's roster record: %s", ld_strerror(r));
		return;
	}
	n->revoked = r == 0;
	if (n->revoked && !was) {
		ld_revocation_text(&n->revocation, text, sizeof(text));
		log_error("this node (%s) is %s; it signs nothing more", n->conf->id, text);
	}
}

void ld_node_roster_changed(ld_node_t *n)
{
	ld_access_t *a = NULL, *old;
	int r = ld_access_load(n->store, &a);

	if (r < 0) {
		log_error("cannot read the roster: %s", ld_strerror(r));
		return;
	}
	old = n->access;
	n->access = a;
	log_info("roster now has %zu members", ld_access_count(a));
	for (size_t i = 0; i < n->n_links; i++) {
		link_t *l = n->links[i];

		/* Cut a peer that is revoked, or that was a member and is gone;
		 * not one the roster has not reached yet (a node bootstrapping
		 * from its configured peer learns the roster piece by piece). */
		if (l->cut ||
		    !(ld_access_revoked(a, l->peer) ||
		      (old && ld_access_member(old, l->peer) && !ld_access_member(a, l->peer))))
			continue;
		log_warn("peer %s is no longer in the roster (revoked): cutting it off", l->peer);
		/* Tell it first: the root's entries it lacks, the revocation
		 * among them, so its operator learns why (see cut_at). */
		if (l->up && ld_store_root_id(n->store))
			ld_sync_send_tail(n, l, ld_store_root_id(n->store));
		ld_link_mark_down(n, l, "revoked");
		l->cut = true;
		if (!l->outgoing)
			n->rebind_router = true;
		/* Sockets close without lingering: give the notice a second. */
		n->cut_at = ld_mono_ms() + CUT_NOTICE_MS;
		if (n->rebind_router)
			n->rebind_at = n->cut_at;
	}
	ld_access_destroy(&old);
	ld_node_check_revoked(n);
	/* A peer may have refused us only because it did not know us yet. */
	for (size_t i = 0; i < n->n_links; i++)
		if (n->links[i]->outgoing && !n->links[i]->up) {
			n->links[i]->retry_ms = 2000;
			ld_peer_redial(n, n->links[i]);
		}
}

static int load_identity(ld_node_t *n, char *err, size_t errsz)
{
	uint8_t pub[LD_PUBKEY_LEN];
	char fp[LD_FINGERPRINT_SIZE];
	int r;

	/* Whose the files are and who may read or change them, before reading
	 * them (a file that cannot be examined is reported by its load). */
	r = ld_file_trusted(n->conf->key_path, "signing key", true, err, errsz);
	if (r == -EPERM || r == -EACCES)
		return r;
	r = ld_file_trusted(n->conf->curve_path, "curve key pair", true, err, errsz);
	if (r == -EPERM || r == -EACCES)
		return r;
	r = ld_key_load(n->conf->key_path, &n->key);
	if (r < 0) {
		snprintf(err, errsz, "signing key %s: %s", n->conf->key_path,
			 r == -EACCES	? "this daemon's user may not read it (permission denied)"
			 : r == -EINVAL ? "not an Ed25519 private key (PEM)"
			 : r == -ENOENT
				 ? "no such file (create a node with `liandong init`, or a key "
				   "with `liandong key new FILE`)"
				 : strerror(-r));
		return r;
	}
	r = ld_curve_load(n->conf->curve_path, &n->curve);
	if (r < 0) {
		snprintf(err, errsz, "curve key pair %s: %s", n->conf->curve_path,
			 r == -EACCES	? "this daemon's user may not read it (permission denied)"
			 : r == -EINVAL ? "not a liandong curve key pair file"
			 : r == -ENOENT ? "no such file (`liandong init` creates one)"
					: strerror(-r));
		return r;
	}
	ld_key_public(n->key, pub);
	ld_fingerprint(pub, fp);
	log_info("node %s: signing key %s, curve key %s", n->conf->id, fp, n->curve.pub);
	return 0;
}

/* Bind a local API socket: 'ep' ([node] 'key'), its file created with
 * 'mode' (the socket takes 0777 less the umask). Called after the store is
 * locked, so a second daemon on the same data has stopped before it could
 * touch the socket; the probe stops one on other data configured with the
 * same path. libzmq unlinks the path before binding, which is what lets a
 * killed daemon's stale socket be replaced, and why nothing may reach the
 * bind while another listens. */
static int api_bind_one(ld_node_t *n, const char *key, const char *ep, bool private_dir,
			mode_t mode, void **ret_sock, dev_t *ret_dev, ino_t *ret_ino, char *err,
			size_t errsz)
{
	const char *path = ld_ipc_path(ep);
	int zero = 0, r;
	int64_t maxmsg = LD_FRAME_MAX;
	struct stat st;
	mode_t old;
	void *sock;

	if (path) {
		if ((r = ld_api_dir_prepare(path, private_dir, err, errsz)) < 0)
			return r;
		r = ld_ipc_probe(path);
		if (r == 0 || r == -EACCES || r == -EPERM) {
			snprintf(err, errsz,
				 "the local API socket %s %s (another liandongd with the "
				 "same [node] %s?): stop it, or give this node its own "
				 "%s = ipc:///PATH.sock under [node] in %s",
				 path,
				 r == 0 ? "is in use by a running process"
					: "belongs to another user, whose process may be using it",
				 key, key, n->conf->path);
			return -EADDRINUSE;
		}
		if (r == -ENOTSOCK) {
			snprintf(err, errsz,
				 "%s is in the way of the local API socket: it is a file, "
				 "not a socket; move it away or change [node] %s in %s",
				 path, key, n->conf->path);
			return r;
		}
	}
	sock = zmq_socket(n->ctx, ZMQ_ROUTER);
	if (!sock)
		return -errno;
	*ret_sock = sock;
	zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
	old = umask(0777 & ~mode);
	r = zmq_bind(sock, ep) < 0 ? -errno : 0;
	umask(old);
	if (r < 0) {
		snprintf(err, errsz, "binding the local API %s ([node] %s): %s", ep, key,
			 zmq_strerror(-r));
		return r;
	}
	if (path && lstat(path, &st) == 0) {
		*ret_dev = st.st_dev;
		*ret_ino = st.st_ino;
	}
	return 0;
}

/* The API socket file is 0600: only this node's user may connect. The
 * read-only one is 0660: the group of a web server may read through it
 * (if its directory lets the group in), never sign. */
static int api_bind(ld_node_t *n, char *err, size_t errsz)
{
	int r = api_bind_one(n, "api", n->conf->api, n->conf->api_default, 0600, &n->api,
			     &n->api_dev, &n->api_ino, err, errsz);

	if (r == 0 && n->conf->api_ro)
		r = api_bind_one(n, "api_ro", n->conf->api_ro, false, 0660, &n->api_ro,
				 &n->api_ro_dev, &n->api_ro_ino, err, errsz);
	return r;
}

/* libzmq 4.3 leaves the socket file behind when the socket closes: remove it
 * on a clean stop, unless something else has taken its place since. */
static void unlink_ours(const char *ep, dev_t dev, ino_t ino)
{
	const char *path = ino && ep ? ld_ipc_path(ep) : NULL;
	struct stat st;

	if (path && lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		unlink(path);
}

static void api_unlink(ld_node_t *n)
{
	unlink_ours(n->conf->api, n->api_dev, n->api_ino);
	unlink_ours(n->conf->api_ro, n->api_ro_dev, n->api_ro_ino);
}

int ld_node_new(ld_config_t *conf, ld_node_t **ret)
{
	ld_node_t *n = calloc(1, sizeof(*n));
	char err[1024] = "";
	int r;

	if (!n) {
		ld_config_destroy(&conf);
		return -ENOMEM;
	}
	n->conf = conf;
	n->sigfd = -1;
	n->started_ms = ld_now_ms();
	if ((r = load_identity(n, err, sizeof(err))) < 0)
		goto fail;
	r = ld_views_open(conf->data_dir, conf->root_pub, NULL, &n->store);
	if (r < 0) {
		snprintf(err, sizeof(err), "store %s: %s", conf->data_dir,
			 r == LD_EBUSY ? "in use by another process (is liandongd already running "
					 "for this node?)"
			 : r == LD_EWRONGKEY ? "was created for another root key than [node] root"
					     : ld_strerror(r));
		goto fail;
	}
	if ((r = ld_store_set_local(n->store, conf->id, n->key)) < 0) {
		snprintf(err, sizeof(err), "node %s is the root but its key is not the root key",
			 conf->id);
		goto fail;
	}
	if ((r = ld_access_load(n->store, &n->access)) < 0) {
		snprintf(err, sizeof(err), "reading the roster: %s", ld_strerror(r));
		goto fail;
	}
	ld_node_check_revoked(n);
	if ((r = ld_blobx_open(n)) < 0) {
		snprintf(err, sizeof(err), "opening the evidence file store %s/blobs: %s",
			 conf->data_dir, ld_strerror(r));
		goto fail;
	}
	if ((r = ld_outbox_new(&n->outbox)) < 0 || (r = ld_ingest_round_new(&n->round)) < 0)
		goto fail;
	for (size_t i = 0; i < conf->n_peers; i++) {
		link_t *l = ld_link_new(n, conf->peers[i].id, true);

		if (!l) {
			r = -ENOMEM;
			goto fail;
		}
		l->conf = &conf->peers[i];
	}
	*ret = n;
	return 0;
fail:
	log_error("%s", err[0] ? err : ld_strerror(r));
	ld_node_destroy(&n);
	return r < 0 ? r : -EINVAL;
}

int ld_node_listen(ld_node_t *n)
{
	ld_config_t *conf = n->conf;
	char err[1024] = "";
	sigset_t mask;
	int r;

	/* Descriptors first: what the network may take, and what it may not. */
	ld_conns_fd_limit(conf->n_peers, &n->bounds);
	n->bounds.first_ms = LD_HANDSHAKE_MS + 2 * (int64_t)conf->heartbeat_ms;
	n->bounds.idle_ms = 2 * (int64_t)conf->peer_timeout_ms > LD_CONN_IDLE_MS
				    ? 2 * (int64_t)conf->peer_timeout_ms
				    : LD_CONN_IDLE_MS;
	n->ctx = zmq_ctx_new();
	if (n->ctx)
		zmq_ctx_set(n->ctx, ZMQ_MAX_SOCKETS, LD_ZMQ_SOCKETS_MAX);
	n->zap = n->ctx ? zmq_socket(n->ctx, ZMQ_REP) : NULL;
	if (!n->zap || zmq_bind(n->zap, "inproc://zeromq.zap.01") < 0) {
		r = -errno;
		snprintf(err, sizeof(err), "starting the ZAP handler: %s", zmq_strerror(errno));
		goto fail;
	}
	if (conf->bind && (r = router_open(n)) < 0) {
		snprintf(err, sizeof(err), "binding %s for peers: %s", conf->bind,
			 zmq_strerror(-r));
		goto fail;
	}
	if ((r = api_bind(n, err, sizeof(err))) < 0)
		goto fail;
	ld_peer_connect_all(n);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	n->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (n->sigfd < 0) {
		r = -errno;
		snprintf(err, sizeof(err), "signalfd: %s", strerror(errno));
		goto fail;
	}
	signal(SIGPIPE, SIG_IGN);
	log_info("liandongd %s ready: data %s, peers bind %s, api %s, read-only api %s, %zu "
		 "configured peer(s), roster of %zu",
		 conf->id, conf->data_dir, conf->bind ? conf->bind : "(none)", conf->api,
		 conf->api_ro ? conf->api_ro : "(none)", conf->n_peers, ld_access_count(n->access));
	return 0;
fail:
	log_error("%s", err[0] ? err : ld_strerror(r));
	return r < 0 ? r : -EINVAL;
}

int ld_node_open(ld_config_t *conf, ld_node_t **ret)
{
	ld_node_t *n = NULL;
	int r = ld_node_new(conf, &n);

	if (r == 0 && (r = ld_node_listen(n)) < 0)
		ld_node_destroy(&n);
	*ret = n;
	return r;
}

void ld_node_set_tap(ld_node_t *n, const ld_node_tap_t *tap)
{
	n->tap = *tap;
}

void ld_node_drain(ld_node_t *n)
{
	const char *const *names;
	size_t count;

	/* The roster first: a member added may read what is announced now,
	 * one revoked is cut off before. */
	if (ld_outbox_roster_changed(n->outbox))
		ld_node_roster_changed(n);
	if ((count = ld_outbox_feeds(n->outbox, &names))) {
		ld_sync_announce(n, names, count);
		ld_api_check_waiters(n, false);
	}
	count = ld_outbox_cases(n->outbox, &names);
	for (size_t i = 0; i < count; i++)
		ld_history_want(n, names[i]);
	ld_outbox_clear(n->outbox);
}

/* Idle: extend the id index and judge case summaries again after a roster
 * change, a slice at a time (kept off the hot write path). */
static void index_slice(ld_node_t *n, int64_t now)
{
	size_t done = 0, judged = 0;
	int r = ld_store_index_ids(n->store, 20000, &done);

	if (r < 0)
		log_warn("extending the entry-id index failed: %s", ld_strerror(r));
	r = ld_store_rejudge(n->store, 2000, &judged);
	if (r < 0)
		log_warn("judging the case summaries again failed: %s", ld_strerror(r));
	n->index_at = done || judged ? now : now + INDEX_IDLE_MS;
}

void ld_node_timers(ld_node_t *n, int64_t now, bool idle)
{
	ld_conns_timers(n->conns, now);
	ld_log_flush(now);
	ld_links_timers(n, now);
	ld_links_settle(n);
	ld_sync_timers(n, now);
	ld_history_tick(n, now);
	ld_escalate_tick(n, now);
	ld_monitor_tick(n, now);
	/* Evidence files last: replication and the API went first. */
	n->blob_busy = ld_blobx_tick(n, now);
	if (idle && !n->blob_busy && now >= n->index_at && now - n->busy_at >= QUIET_MS)
		index_slice(n, now);
	ld_api_check_waiters(n, true);
	if (n->cut_at && now >= n->cut_at)
		close_cut(n);
	if (n->rebind_router && now >= n->rebind_at)
		router_rebind(n);
}

static void due_min(int64_t *due, int64_t t)
{
	if (t < *due)
		*due = t;
}

int64_t ld_node_next_due(const ld_node_t *n)
{
	int64_t due = ld_peer_next_due(n);

	due_min(&due, ld_conns_next_due(n->conns));
	due_min(&due, ld_sync_next_due(n));
	due_min(&due, ld_history_next_due(n));
	due_min(&due, n->escalate_at);
	due_min(&due, n->monitor_at);
	due_min(&due, ld_blobx_next_due(n));
	due_min(&due, n->index_at > n->busy_at + QUIET_MS ? n->index_at : n->busy_at + QUIET_MS);
	due_min(&due, ld_api_next_due(n));
	if (n->cut_at)
		due_min(&due, n->cut_at);
	if (n->rebind_router)
		due_min(&due, n->rebind_at);
	return due;
}

/* Sleep until the next timer is due, not a fixed tick; not at all while
 * the outbox holds work or evidence chunks wait to be sent. */
static int poll_timeout(const ld_node_t *n)
{
	int64_t wait;

	if (n->blob_busy || ld_outbox_pending(n->outbox) || ld_peer_held(n) ||
	    ld_conns_busy(n->conns))
		return 0;
	wait = ld_node_next_due(n) - ld_mono_ms();
	return wait <= 0 ? 0 : wait > INT_MAX ? INT_MAX : (int)wait;
}

int ld_node_run(ld_node_t *n)
{
	static const ld_peer_rx_t rx = {.handle = ld_frame_handle, .full = ld_ingest_full};

	while (!n->stopping) {
		zmq_pollitem_t items[6 + LD_MAX_LINKS];
		size_t ni = 0, ro;
		int rc;

		items[ni++] = (zmq_pollitem_t){.fd = n->sigfd, .events = ZMQ_POLLIN};
		items[ni++] = (zmq_pollitem_t){.socket = n->zap, .events = ZMQ_POLLIN};
		items[ni++] = (zmq_pollitem_t){.socket = n->api, .events = ZMQ_POLLIN};
		ro = n->api_ro ? ni : 0;
		if (n->api_ro)
			items[ni++] = (zmq_pollitem_t){.socket = n->api_ro, .events = ZMQ_POLLIN};
		if (n->router)
			items[ni++] = (zmq_pollitem_t){.socket = n->router, .events = ZMQ_POLLIN};
		if (n->conns_mon)
			items[ni++] =
				(zmq_pollitem_t){.socket = n->conns_mon, .events = ZMQ_POLLIN};
		for (size_t i = 0; i < n->n_links; i++)
			if (n->links[i]->sock)
				items[ni++] = (zmq_pollitem_t){.socket = n->links[i]->sock,
							       .events = ZMQ_POLLIN};
		rc = zmq_poll(items, (int)ni, poll_timeout(n));
		if (rc < 0 && errno != EINTR) {
			log_error("poll failed: %s", zmq_strerror(errno));
			return -errno;
		}
		if (rc > 0)
			n->busy_at = ld_mono_ms();
		if (items[0].revents & ZMQ_POLLIN) {
			struct signalfd_siginfo si;

			if (read(n->sigfd, &si, sizeof(si)) == sizeof(si)) {
				log_info("signal %u received: stopping", si.ssi_signo);
				n->stopping = true;
				break;
			}
		}
		/* Connections first: a bound closes them before they cost more. */
		if (n->conns)
			ld_conns_events(n->conns);
		if (items[1].revents & ZMQ_POLLIN)
			ld_zap_handle(n);
		/* An entry from a peer: socket -> frame (frame.c's table) ->
		 * kept for the round (ingest.c) -> parsed -> authenticated and
		 * stored, views with it -> announced (the outbox, below). */
		ld_peer_receive(n, &rx);
		ld_links_settle(n);
		ld_ingest_round(n);
		ld_sync_schedule(n);
		if (items[2].revents & ZMQ_POLLIN)
			ld_api_handle(n, n->api, false);
		if (ro && (items[ro].revents & ZMQ_POLLIN))
			ld_api_handle(n, n->api_ro, true);
		ld_node_drain(n);
		ld_node_timers(n, ld_mono_ms(), rc == 0);
	}
	return 0;
}

void ld_node_destroy(ld_node_t **n_p)
{
	ld_node_t *n;

	if (!n_p || !*n_p)
		return;
	n = *n_p;
	for (size_t i = 0; i < n->n_links; i++)
		ld_link_free(n, n->links[i]);
	if (n->router)
		zmq_close(n->router);
	ld_conns_destroy(&n->conns);
	if (n->api)
		zmq_close(n->api);
	if (n->api_ro)
		zmq_close(n->api_ro);
	if (n->zap)
		zmq_close(n->zap);
	if (n->ctx)
		zmq_ctx_term(n->ctx);
	api_unlink(n);
	if (n->sigfd >= 0)
		close(n->sigfd);
	free(n->waiters);
	ld_blobx_destroy(n);
	ld_ingest_round_free(&n->round);
	ld_outbox_destroy(&n->outbox);
	ld_access_destroy(&n->access);
	ld_store_destroy(&n->store);
	ld_key_destroy(&n->key);
	explicit_bzero(&n->curve, sizeof(n->curve));
	ld_config_destroy(&n->conf);
	free(n);
	*n_p = NULL;
}

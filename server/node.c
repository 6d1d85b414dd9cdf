/* server/node.c: liandongd's node: sockets, the poll loop, roster changes. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "common/conf/apisock.h"
#include "common/base/errors.h"
#include "server/log.h"
#include "common/views/casesum.h"
#include "server/node.h"

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* draft in 4.3; honoured by Debian's libzmq5 */
#endif

static void common_opts(ld_node_t *n, void *s)
{
	/* Frames are up to 1 MiB: 256 of them bound what a peer that stops
	 * reading can make us queue. */
	int zero = 0, hwm = 256, ivl = (int)n->conf->heartbeat_ms;
	int timeout = (int)n->conf->peer_timeout_ms, rmin = 100, rmax = 5000;
	int64_t maxmsg = LD_FRAME_MAX;

	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
	zmq_setsockopt(s, ZMQ_HEARTBEAT_IVL, &ivl, sizeof(ivl));
	zmq_setsockopt(s, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof(timeout));
	zmq_setsockopt(s, ZMQ_HEARTBEAT_TTL, &timeout, sizeof(timeout));
	zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &rmin, sizeof(rmin));
	zmq_setsockopt(s, ZMQ_RECONNECT_IVL_MAX, &rmax, sizeof(rmax));
}

static int router_open(ld_node_t *n)
{
	int one = 1;
	void *s = zmq_socket(n->ctx, ZMQ_ROUTER);

	if (!s)
		return -errno;
	common_opts(n, s);
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
	for (size_t i = 0; i < n->n_links; i++)
		if (!n->links[i]->outgoing && n->links[i]->up)
			ld_link_mark_down(n, n->links[i], "connections reset after a revocation");
	r = router_open(n);
	n->rebind_router = r < 0;
	n->rebind_at = ld_now_ms() + 1000;
	if (r < 0)
		log_warn("re-binding %s: %s; retrying every second (is another process using the "
			 "[node] bind address?)", n->conf->bind, zmq_strerror(-r));
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

static int peer_connect(ld_node_t *n, link_t *l)
{
	char server[LD_CURVE_Z85_LEN + 1];
	const uint8_t *raw;
	void *s;

	/* The roster is the authority on a member's transport key (it may have
	 * been rotated); the key in the config only bootstraps a new node. */
	if ((raw = ld_access_curve_of(n->access, l->peer))) {
		ld_curve_z85_encode(raw, server);
	} else if (l->conf->curve_pub[0]) {
		snprintf(server, sizeof(server), "%s", l->conf->curve_pub);
	} else {
		return -ENOKEY;
	}
	s = zmq_socket(n->ctx, ZMQ_DEALER);
	if (!s)
		return -errno;
	common_opts(n, s);
	{
		int one = 1;

		zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof(one));
	}
	if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, LD_CURVE_Z85_LEN) < 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, n->curve.pub, LD_CURVE_Z85_LEN) < 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, n->curve.sec, LD_CURVE_Z85_LEN) < 0 ||
	    zmq_connect(s, l->conf->endpoint) < 0) {
		int r = -errno;

		zmq_close(s);
		return r;
	}
	l->sock = s;
	l->sock_since = ld_now_ms();
	if (!l->retry_ms)
		l->retry_ms = 2000;
	log_info("connecting to peer %s at %s", l->peer, l->conf->endpoint);
	return 0;
}

void ld_node_redial(ld_node_t *n, link_t *l)
{
	int r;

	if (!l->outgoing || l->cut || l->up)
		return;
	if (l->sock) {
		zmq_close(l->sock);
		l->sock = NULL;
	}
	r = peer_connect(n, l);
	if (r < 0 && r != -ENOKEY)
		log_error("cannot connect to %s at %s: %s", l->peer, l->conf->endpoint,
			  zmq_strerror(-r));
}

static void connect_pending(ld_node_t *n)
{
	for (size_t i = 0; i < n->n_links; i++) {
		link_t *l = n->links[i];
		int r;

		if (!l->outgoing || l->sock || l->cut)
			continue;
		r = peer_connect(n, l);
		if (r == -ENOKEY)
			log_warn("peer %s: no curve key known; put 'ENDPOINT CURVE-KEY' under [peers] "
				 "in %s, or wait for the roster to list %s", l->peer, n->conf->path,
				 l->peer);
		else if (r < 0)
			log_error("cannot connect to %s at %s: %s", l->peer, l->conf->endpoint,
				  zmq_strerror(-r));
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
		if (l->cut || !(ld_access_revoked(a, l->peer) ||
				(old && ld_access_member(old, l->peer) && !ld_access_member(a, l->peer))))
			continue;
		log_warn("peer %s is no longer in the roster (revoked): cutting it off", l->peer);
		/* Tell it first: the root's entries it lacks, the revocation
		 * among them, so its operator learns why (see cut_at). */
		if (l->up && ld_store_root_id(n->store))
			ld_link_send_tail(n, l, ld_store_root_id(n->store));
		ld_link_mark_down(n, l, "revoked");
		l->cut = true;
		if (!l->outgoing)
			n->rebind_router = true;
		/* Sockets close without lingering: give the notice a second. */
		n->cut_at = ld_now_ms() + 1000;
		if (n->rebind_router)
			n->rebind_at = n->cut_at;
	}
	ld_access_destroy(&old);
	ld_node_check_revoked(n);
	/* A peer may have refused us only because it did not know us yet. */
	for (size_t i = 0; i < n->n_links; i++)
		if (n->links[i]->outgoing && !n->links[i]->up) {
			n->links[i]->retry_ms = 2000;
			ld_node_redial(n, n->links[i]);
		}
}

void ld_node_committed(ld_node_t *n, const char *const *feeds, size_t n_feeds)
{
	ld_link_broadcast_have(n, feeds, n_feeds);
	ld_api_check_waiters(n, false);
}

static int load_identity(ld_node_t *n, char *err, size_t errsz)
{
	uint8_t pub[LD_PUBKEY_LEN];
	char fp[LD_FINGERPRINT_SIZE];
	int r;

	r = ld_key_load(n->conf->key_path, &n->key);
	if (r < 0) {
		snprintf(err, errsz, "signing key %s: %s", n->conf->key_path,
			 r == -EACCES ? "readable by group or others; run chmod 600 on it"
			 : r == -EINVAL ? "not an Ed25519 private key (PEM)"
			 : r == -ENOENT ? "no such file (create a node with `liandong init`, or a key "
					  "with `liandong key new FILE`)"
					: strerror(-r));
		return r;
	}
	r = ld_curve_load(n->conf->curve_path, &n->curve);
	if (r < 0) {
		snprintf(err, errsz, "curve key pair %s: %s", n->conf->curve_path,
			 r == -EACCES ? "readable by group or others; run chmod 600 on it"
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

/* Bind the local API. Called after the store is locked, so a second daemon
 * on the same data has stopped before it could touch the socket; the probe
 * stops one on other data configured with the same api. libzmq unlinks the
 * path before binding, which is what lets a killed daemon's stale socket be
 * replaced, and why nothing may reach the bind while another listens. */
static int api_bind(ld_node_t *n, char *err, size_t errsz)
{
	const char *path = ld_ipc_path(n->conf->api);
	int zero = 0, r;
	int64_t maxmsg = LD_FRAME_MAX;
	struct stat st;
	mode_t old;

	if (path) {
		if ((r = ld_api_dir_prepare(path, n->conf->api_default, err, errsz)) < 0)
			return r;
		r = ld_ipc_probe(path);
		if (r == 0 || r == -EACCES || r == -EPERM) {
			snprintf(err, errsz, "the local API socket %s %s (another liandongd with the "
					     "same [node] api?): stop it, or give this node its own "
					     "api = ipc:///PATH.sock under [node] in %s", path,
				 r == 0 ? "is in use by a running process"
					: "belongs to another user, whose process may be using it",
				 n->conf->path);
			return -EADDRINUSE;
		}
		if (r == -ENOTSOCK) {
			snprintf(err, errsz, "%s is in the way of the local API socket: it is a file, "
					     "not a socket; move it away or change [node] api in %s",
				 path, n->conf->path);
			return r;
		}
	}
	n->api = zmq_socket(n->ctx, ZMQ_ROUTER);
	if (!n->api)
		return -errno;
	zmq_setsockopt(n->api, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(n->api, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
	/* The API socket file is created 0600 (a socket takes 0777 less the
	 * umask): only this node's user may connect. */
	old = umask(0177);
	r = zmq_bind(n->api, n->conf->api) < 0 ? -errno : 0;
	umask(old);
	if (r < 0) {
		snprintf(err, errsz, "binding the local API %s: %s", n->conf->api, zmq_strerror(-r));
		return r;
	}
	if (path && lstat(path, &st) == 0) {
		n->api_dev = st.st_dev;
		n->api_ino = st.st_ino;
	}
	return 0;
}

/* libzmq 4.3 leaves the socket file behind when the socket closes: remove it
 * on a clean stop, unless something else has taken its place since. */
static void api_unlink(ld_node_t *n)
{
	const char *path = n->api_ino ? ld_ipc_path(n->conf->api) : NULL;
	struct stat st;

	if (path && lstat(path, &st) == 0 && st.st_dev == n->api_dev && st.st_ino == n->api_ino)
		unlink(path);
}

int ld_node_open(ld_config_t *conf, ld_node_t **ret)
{
	ld_node_t *n = calloc(1, sizeof(*n));
	char err[1024] = "";
	sigset_t mask;
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
	n->ctx = zmq_ctx_new();
	n->zap = n->ctx ? zmq_socket(n->ctx, ZMQ_REP) : NULL;
	if (!n->zap || zmq_bind(n->zap, "inproc://zeromq.zap.01") < 0) {
		r = -errno;
		snprintf(err, sizeof(err), "starting the ZAP handler: %s", zmq_strerror(errno));
		goto fail;
	}
	if (conf->bind && (r = router_open(n)) < 0) {
		snprintf(err, sizeof(err), "binding %s for peers: %s", conf->bind, zmq_strerror(-r));
		goto fail;
	}
	if ((r = api_bind(n, err, sizeof(err))) < 0)
		goto fail;
	for (size_t i = 0; i < conf->n_peers; i++) {
		link_t *l = ld_link_new(n, conf->peers[i].id, true);

		if (!l) {
			r = -ENOMEM;
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
		l->conf = &conf->peers[i];
	}
	connect_pending(n);

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
	log_info("liandongd %s ready: data %s, peers bind %s, api %s, %zu configured peer(s), "
		 "roster of %zu",
		 conf->id, conf->data_dir, conf->bind ? conf->bind : "(none)", conf->api,
		 conf->n_peers, ld_access_count(n->access));
	*ret = n;
	return 0;
fail:
	log_error("%s", err[0] ? err : ld_strerror(r));
	ld_node_destroy(&n);
	return r < 0 ? r : -EINVAL;
}

int ld_node_run(ld_node_t *n)
{
	while (!n->stopping) {
		zmq_pollitem_t items[4 + LD_MAX_LINKS];
		size_t ni = 0;
		int64_t now;
		int rc;

		items[ni++] = (zmq_pollitem_t){.fd = n->sigfd, .events = ZMQ_POLLIN};
		items[ni++] = (zmq_pollitem_t){.socket = n->zap, .events = ZMQ_POLLIN};
		items[ni++] = (zmq_pollitem_t){.socket = n->api, .events = ZMQ_POLLIN};
		if (n->router)
			items[ni++] = (zmq_pollitem_t){.socket = n->router, .events = ZMQ_POLLIN};
		for (size_t i = 0; i < n->n_links; i++)
			if (n->links[i]->sock)
				items[ni++] = (zmq_pollitem_t){.socket = n->links[i]->sock,
							       .events = ZMQ_POLLIN};
		rc = zmq_poll(items, (int)ni, n->blob_busy ? 0 : 100);
		if (rc < 0 && errno != EINTR) {
			log_error("poll failed: %s", zmq_strerror(errno));
			return -errno;
		}
		if (items[0].revents & ZMQ_POLLIN) {
			struct signalfd_siginfo si;

			if (read(n->sigfd, &si, sizeof(si)) == sizeof(si)) {
				log_info("signal %u received: stopping", si.ssi_signo);
				n->stopping = true;
				break;
			}
		}
		if (items[1].revents & ZMQ_POLLIN)
			ld_zap_handle(n);
		ld_link_receive_all(n);
		if (items[2].revents & ZMQ_POLLIN)
			ld_api_handle(n);
		now = ld_now_ms();
		ld_link_timers(n, now);
		ld_escalate_tick(n, now);
		/* Evidence files last: replication and the API went first. */
		n->blob_busy = ld_blobx_tick(n, now);
		/* Idle: extend the id index (kept off the hot write path). */
		if (rc == 0 && !n->blob_busy && now >= n->index_at) {
			size_t done = 0;
			size_t judged = 0;
			int r = ld_store_index_ids(n->store, 20000, &done);

			if (r < 0)
				log_warn("extending the entry-id index failed: %s", ld_strerror(r));
			/* After a roster change, every case summary is judged
			 * again, a slice at a time. */
			r = ld_store_rejudge(n->store, 2000, &judged);
			if (r < 0)
				log_warn("judging the case summaries again failed: %s", ld_strerror(r));
			n->index_at = done || judged ? now : now + 5000;
		}
		ld_api_check_waiters(n, true);
		if (n->cut_at && now >= n->cut_at)
			close_cut(n);
		if (n->rebind_router && now >= n->rebind_at)
			router_rebind(n);
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
		ld_link_free(n->links[i]);
	if (n->router)
		zmq_close(n->router);
	if (n->api)
		zmq_close(n->api);
	if (n->zap)
		zmq_close(n->zap);
	if (n->ctx)
		zmq_ctx_term(n->ctx);
	api_unlink(n);
	if (n->sigfd >= 0)
		close(n->sigfd);
	free(n->waiters);
	ld_blobx_destroy(n);
	ld_access_destroy(&n->access);
	ld_store_destroy(&n->store);
	ld_key_destroy(&n->key);
	explicit_bzero(&n->curve, sizeof(n->curve));
	ld_config_destroy(&n->conf);
	free(n);
	*n_p = NULL;
}

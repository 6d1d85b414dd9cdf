/* server/zap.c: the ZAP handler. libzmq asks it, for every incoming CURVE
 * handshake on our ROUTER, whether the client key may connect. Only keys of
 * current (not revoked) roster members are admitted, and the member's node id
 * becomes the connection's User-Id, so every frame we receive is attributed.
 * It is bound before the ROUTER, and ZMQ_ZAP_ENFORCE_DOMAIN is set, because
 * with no handler libzmq 4.3 admits any key (fails open). A member that has
 * LD_CONN_PER_MEMBER connections open already is refused (conns.h). Every
 * refusal is logged through the rate limiter: anyone can cause one. */
#include <string.h>

#include <zmq.h>

#include "server/log.h"
#include "server/node.h"
#include "server/zap.h"

#define ZAP_FRAMES 7

static void reply(void *sock, const zmq_msg_t *reqid, const char *code, const char *text,
		  const char *user)
{
	zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(sock, zmq_msg_data((zmq_msg_t *)reqid), zmq_msg_size((zmq_msg_t *)reqid),
		 ZMQ_SNDMORE);
	zmq_send(sock, code, strlen(code), ZMQ_SNDMORE);
	zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(sock, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(sock, "", 0, 0);
}

static void handle_one(ld_node_t *n, zmq_msg_t *f, size_t nf)
{
	char addr[128] = "?", mech[16] = "", domain[64] = "", z85[LD_CURVE_Z85_LEN + 1] = "";
	const char *owner = NULL;

	if (nf < 6) {
		/* REP must answer every request, even a malformed one. */
		zmq_msg_t empty;

		rlog_warn(NULL, "zap: malformed request with %zu frames refused", nf);
		zmq_msg_init(&empty);
		reply(n->zap, nf >= 2 ? &f[1] : &empty, "400", "malformed", "");
		zmq_msg_close(&empty);
		return;
	}
	snprintf(domain, sizeof(domain), "%.*s", (int)zmq_msg_size(&f[2]),
		 (char *)zmq_msg_data(&f[2]));
	snprintf(addr, sizeof(addr), "%.*s", (int)zmq_msg_size(&f[3]), (char *)zmq_msg_data(&f[3]));
	snprintf(mech, sizeof(mech), "%.*s", (int)zmq_msg_size(&f[5]), (char *)zmq_msg_data(&f[5]));
	if (strcmp(mech, "CURVE") != 0) {
		rlog_warn(NULL, "refused connection from %s: mechanism %s (only CURVE is accepted)",
			  addr, mech[0] ? mech : "NULL");
		reply(n->zap, &f[1], "400", "CURVE required", "");
		return;
	}
	if (nf < 7 || zmq_msg_size(&f[6]) != 32) {
		reply(n->zap, &f[1], "400", "bad credentials", "");
		return;
	}
	ld_curve_z85_encode(zmq_msg_data(&f[6]), z85);
	if (strcmp(domain, "liandong") != 0) {
		rlog_warn(NULL, "refused connection from %s (key %s): wrong ZAP domain '%s'", addr,
			  z85, domain);
		reply(n->zap, &f[1], "400", "wrong domain", "");
		return;
	}
	if (n->access)
		owner = ld_access_by_curve(n->access, zmq_msg_data(&f[6]));
	if (!owner) {
		rlog_warn(
			NULL,
			"refused connection from %s: curve key %s is not a current roster member "
			"(if that node should connect, add it with `liandong roster add` on the root)",
			addr, z85);
		reply(n->zap, &f[1], "400", "not in roster", "");
		return;
	}
	if (!ld_conns_member_room(n->conns, owner)) {
		rlog_warn(owner,
			  "refused connection from %s: member %s already has %d connections open",
			  addr, owner, LD_CONN_PER_MEMBER);
		reply(n->zap, &f[1], "400", "too many connections", "");
		return;
	}
	log_debug("admitted %s from %s", owner, addr);
	reply(n->zap, &f[1], "200", "OK", owner);
}

void ld_zap_handle(ld_node_t *n)
{
	for (int round = 0; round < 64; round++) {
		zmq_msg_t f[ZAP_FRAMES + 1];
		size_t nf = 0;
		int more = 1;

		while (more) {
			zmq_msg_t *m = &f[nf < ZAP_FRAMES ? nf : ZAP_FRAMES];

			zmq_msg_init(m);
			if (zmq_msg_recv(m, n->zap, nf == 0 ? ZMQ_DONTWAIT : 0) < 0) {
				zmq_msg_close(m);
				if (nf == 0)
					return;
				break;
			}
			more = zmq_msg_more(m);
			if (nf < ZAP_FRAMES)
				nf++;
			else
				zmq_msg_close(m);
		}
		handle_one(n, f, nf);
		for (size_t i = 0; i < nf; i++)
			zmq_msg_close(&f[i]);
	}
}

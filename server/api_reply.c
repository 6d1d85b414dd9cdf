/* server/api_reply.c: how every handler of the local API answers (api_int.h):
 * a response packed and sent to the client that asked, or handed to the
 * in-process tap of the tests and fuzzers. The bottom of the API files. */
#include <stdlib.h>

#include <zmq.h>

#include "common/base/errors.h"
#include "server/api_int.h"

void api_respond(ld_node_t *n, const ld_api_client_t *c, Ld__ApiResponse *resp)
{
	size_t len = ld__api_response__get_packed_size(resp);
	uint8_t *buf = malloc(len ? len : 1);

	if (!buf)
		return;
	ld__api_response__pack(resp, buf);
	if (n->tap.answer) {
		n->tap.answer(n->tap.ud, c->rid, c->rid_len, buf, len);
	} else {
		void *sock = c->ro ? n->api_ro : n->api;

		zmq_send(sock, c->rid, c->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
		if (c->delim)
			zmq_send(sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
		zmq_send(sock, buf, len, ZMQ_DONTWAIT);
	}
	free(buf);
}

void api_respond_err(ld_node_t *n, const ld_api_client_t *c, uint32_t type, int err,
		     const char *msg)
{
	Ld__ApiResponse resp = LD__API_RESPONSE__INIT;

	resp.has_type = true;
	resp.type = type;
	resp.has_ok = true;
	resp.ok = false;
	resp.has_err = true;
	resp.err = err;
	resp.message = (char *)(msg ? msg : ld_strerror(err));
	api_respond(n, c, &resp);
}

Ld__ApiResponse api_ok(uint32_t type)
{
	Ld__ApiResponse resp = LD__API_RESPONSE__INIT;

	resp.has_type = true;
	resp.type = type;
	resp.has_ok = true;
	resp.ok = true;
	return resp;
}

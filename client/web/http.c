/* client/web/http.c: see http.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "client/docs.h"
#include "client/web/assets.h"
#include "client/web/http.h"
#include "client/web/metrics.h"
#include "client/web/weblog.h"
#include "common/base/timeutil.h"
#include "common/domain/casefile.h"

#define CALL_MS 30000 /* an API answer (a view of a large store) */
#define PING_MS 5000

struct web_http {
	struct MHD_Daemon *d;
	web_t *w;
};

/* Shown at / until the wall's page is in client/web/assets/. */
static const char placeholder[] =
	"<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	"<title>liandong 联动</title></head><body>"
	"<h1>liandong-web</h1><p>The command wall's page is not built into this "
	"liandong-web. Its data: <a href=\"/api/view\">/api/view</a>, "
	"<a href=\"/api/roster\">/api/roster</a>, <a href=\"/api/status\">/api/status</a>, "
	"<a href=\"/metrics\">/metrics</a>, <a href=\"/healthz\">/healthz</a>; "
	"live changes on /events.</p></body></html>\n";

static void common_headers(struct MHD_Response *r, const char *type, bool cache)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; frame-ancestors 'none'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache ? "no-cache" : "no-store");
}

/* Queue 'len' bytes of 'body' (taken if 'owned', else static). */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const void *body, size_t len, bool owned, bool cache)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, (void *)body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r) {
		if (owned)
			free((void *)body);
		return MHD_NO;
	}
	common_headers(r, type, cache);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* A JSON document (taken), flagged "invalid_utf8" if text was escaped. */
static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *o)
{
	char *s;

	if (!o)
		return reply(c, 500, "text/plain; charset=utf-8", "out of memory\n", 14, false,
			     false);
	if (docs_invalid() && json_is_object(o))
		json_object_set_new(o, "invalid_utf8", json_true());
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return MHD_NO;
	return reply(c, status, "application/json; charset=utf-8", s, strlen(s), true, false);
}

static enum MHD_Result reply_error(web_t *w, struct MHD_Connection *c, unsigned status,
				   const char *msg)
{
	return reply_json(c, status,
			  json_pack("{s:o, s:b}", "error", docs_text(msg), "daemon_up",
				    hub_up(w->hub, NULL)));
}

/* Ask the daemon; on failure answer the HTTP request and return false. */
static bool ask(web_t *w, struct MHD_Connection *c, const Ld__ApiRequest *q, Ld__ApiResponse **ret,
		enum MHD_Result *res)
{
	int r = upstream_call(w->up, q, CALL_MS, ret);
	char msg[256];

	if (r == 0 && (*ret)->ok)
		return true;
	if (r < 0) {
		snprintf(msg, sizeof(msg), "the daemon does not answer on its read-only API: %s",
			 r == -ETIMEDOUT ? "timed out" : strerror(-r));
		*res = reply_error(w, c, 503, msg);
		return false;
	}
	*res = reply_error(w, c, (*ret)->err == -ENOENT ? 404 : 502,
			   (*ret)->message ? (*ret)->message : "the daemon refused the request");
	ld__api_response__free_unpacked(*ret, NULL);
	*ret = NULL;
	return false;
}

static json_t *zone_json(const web_t *w)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return json_pack("{s:s, s:i}", "name", w->zone, "offset_min", (int)(tm.tm_gmtoff / 60));
}

static enum MHD_Result api_view(web_t *w, struct MHD_Connection *c)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	const char *limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *region = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "region");
	enum MHD_Result res;
	json_t *o;

	q.has_type = true;
	q.type = LD__API_TYPE__API_VIEW;
	if (limit) {
		char *end;
		unsigned long l = strtoul(limit, &end, 10);

		if (*end || !l || l > 10000 || limit[0] == '-')
			return reply_error(w, c, 400, "limit must be 1 to 10000");
		q.has_limit = true;
		q.limit = (uint32_t)l;
	}
	if (region) {
		if (strlen(region) > 12 || strspn(region, "0123456789") != strlen(region))
			return reply_error(w, c, 400, "region must be a code prefix (digits)");
		q.region = (char *)region;
	}
	if (!ask(w, c, &q, &resp, &res))
		return res;
	o = resp->view ? docs_view(resp->view) : NULL;
	if (o) {
		json_object_set_new(o, "node", docs_text(w->node_id));
		json_object_set_new(o, "as_of_ms", json_integer(ld_now_ms()));
		json_object_set_new(o, "zone", zone_json(w));
	}
	ld__api_response__free_unpacked(resp, NULL);
	return reply_json(c, 200, o);
}

static enum MHD_Result api_simple(web_t *w, struct MHD_Connection *c, uint32_t type)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	enum MHD_Result res;
	json_t *o = NULL;

	q.has_type = true;
	q.type = type;
	if (!ask(w, c, &q, &resp, &res))
		return res;
	if (type == LD__API_TYPE__API_STATUS && resp->status)
		o = docs_status(resp->status);
	else if (type == LD__API_TYPE__API_ROSTER)
		o = regions_roster_doc(w->rg, resp, ld_now_ms());
	ld__api_response__free_unpacked(resp, NULL);
	return reply_json(c, 200, o);
}

/* /api/case/ID, /api/action/ID */
static enum MHD_Result api_thread(web_t *w, struct MHD_Connection *c, const char *id, bool action)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *resp;
	enum MHD_Result res;
	json_t *o = NULL;

	if (!ld_case_id_valid(id))
		return reply_error(w, c, 400,
				   action ? "not an action id (OWNER-NODE/LOCAL-ID)"
					  : "not a case id (OWNER-NODE/LOCAL-ID)");
	q.has_type = true;
	q.type = action ? LD__API_TYPE__API_ACTION : LD__API_TYPE__API_CASE;
	q.case_id = (char *)id;
	if (!ask(w, c, &q, &resp, &res))
		return res;
	if (action && resp->action)
		o = docs_action(resp->action, 0);
	else if (!action && resp->case_view)
		o = docs_case(resp->case_view, 0);
	ld__api_response__free_unpacked(resp, NULL);
	return reply_json(c, o ? 200 : 404, o);
}

static enum MHD_Result metrics(web_t *w, struct MHD_Connection *c)
{
	Ld__ApiRequest q = LD__API_REQUEST__INIT;
	Ld__ApiResponse *st = NULL, *v = NULL;
	char *text;

	if (upstream_simple(w->up, LD__API_TYPE__API_STATUS, CALL_MS, &st) == 0 && st->ok) {
		q.has_type = q.has_limit = true;
		q.type = LD__API_TYPE__API_VIEW;
		q.limit = 1; /* the counts cover every case whatever the limit */
		if (upstream_call(w->up, &q, CALL_MS, &v) == 0 && !v->ok) {
			ld__api_response__free_unpacked(v, NULL);
			v = NULL;
		}
	} else if (st) {
		ld__api_response__free_unpacked(st, NULL);
		st = NULL;
	}
	text = metrics_text(st ? st->status : NULL, v ? v->view : NULL, w->started_ms);
	if (st)
		ld__api_response__free_unpacked(st, NULL);
	if (v)
		ld__api_response__free_unpacked(v, NULL);
	if (!text)
		return MHD_NO;
	return reply(c, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text), true,
		     false);
}

static enum MHD_Result healthz(web_t *w, struct MHD_Connection *c)
{
	int64_t since;
	char when[48], *msg;

	if (hub_up(w->hub, &since))
		return reply(c, 200, "text/plain; charset=utf-8", "ok\n", 3, false, false);
	ld_time_format(since, 0, when, sizeof(when));
	if (asprintf(&msg, "daemon not answering on its read-only API since %s\n", when) < 0)
		return MHD_NO;
	return reply(c, 503, "text/plain; charset=utf-8", msg, strlen(msg), true, false);
}

/* ---- /events ---- */

struct sse {
	web_t *w;
	hub_pos_t pos;
	int64_t next_ping; /* monotonic ms */
	bool started;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Called by the connection's own thread whenever it may write: blocks on
 * the hub until an event, a ping is due, or the server stops. */
static ssize_t sse_read(void *cls, uint64_t at, char *buf, size_t max)
{
	struct sse *s = cls;
	int64_t now = mono_ms();
	int n;

	if (!s->started) {
		s->started = true;
		s->next_ping = now + PING_MS;
		return snprintf(buf, max, "retry: 2000\n\n");
	}
	if (now >= s->next_ping) {
		s->next_ping = now + PING_MS;
		return snprintf(buf, max, ": ping\n\n");
	}
	n = hub_next(s->w->hub, &s->pos, buf, max, (int)(s->next_ping - now));
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n == 0) {
		s->next_ping = mono_ms() + PING_MS;
		return snprintf(buf, max, ": ping\n\n");
	}
	return n;
}

static void sse_free(void *cls)
{
	free(cls);
}

static enum MHD_Result events(web_t *w, struct MHD_Connection *c)
{
	struct sse *s = calloc(1, sizeof(*s));
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!s)
		return MHD_NO;
	s->w = w;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, s, sse_free);
	if (!r) {
		free(s);
		return MHD_NO;
	}
	common_headers(r, "text/event-stream; charset=utf-8", false);
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- requests ---- */

static void remote(struct MHD_Connection *c, char *buf, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(buf, n, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)n);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)n);
}

static bool authorised(web_t *w, struct MHD_Connection *c)
{
	char *user, *pass = NULL, addr[64];
	bool ok;

	if (!w->acc)
		return true;
	remote(c, addr, sizeof(addr));
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = accounts_check(w->acc, user, pass, addr);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return ok;
}

static enum MHD_Result unauthorised(struct MHD_Connection *c)
{
	static const char body[] = "credentials required\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	common_headers(r, "text/plain; charset=utf-8", false);
	ret = MHD_queue_basic_auth_fail_response(c, "liandong", r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	web_t *w = cls;
	const web_asset_t *a;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, 405, "text/plain; charset=utf-8", "GET only\n", 9, false, false);
	if (*upload_data_size)
		return MHD_NO;
	if (!authorised(w, c))
		return unauthorised(c);
	docs_invalid_clear();
	if (!strcmp(url, "/api/view"))
		return api_view(w, c);
	if (!strcmp(url, "/api/roster"))
		return api_simple(w, c, LD__API_TYPE__API_ROSTER);
	if (!strcmp(url, "/api/status"))
		return api_simple(w, c, LD__API_TYPE__API_STATUS);
	if (!strncmp(url, "/api/case/", 10))
		return api_thread(w, c, url + 10, false);
	if (!strncmp(url, "/api/action/", 12))
		return api_thread(w, c, url + 12, true);
	if (!strcmp(url, "/events"))
		return events(w, c);
	if (!strcmp(url, "/metrics"))
		return metrics(w, c);
	if (!strcmp(url, "/healthz"))
		return healthz(w, c);
	if ((a = web_asset_find(url)))
		return reply(c, 200, a->type, a->data, a->len, false, true);
	if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
		return reply(c, 200, "text/html; charset=utf-8", placeholder,
			     sizeof(placeholder) - 1, false, true);
	return reply_error(w, c, 404, "no such page");
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t l;

	vsnprintf(line, sizeof(line), fmt, ap);
	l = strlen(line);
	while (l && line[l - 1] == '\n')
		line[--l] = '\0';
	web_log("http: %s", line);
}

int web_http_start(web_t *w, const struct sockaddr *addr, const char *cert_pem, const char *key_pem,
		   web_http_t **ret, unsigned *ret_port, char *err, size_t n)
{
	unsigned flags =
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	web_http_t *h = calloc(1, sizeof(*h));
	const union MHD_DaemonInfo *di;

	if (!h)
		return -ENOMEM;
	if (addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cert_pem) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, n, "this libmicrohttpd was built without TLS support");
			free(h);
			return -ENOTSUP;
		}
		flags |= MHD_USE_TLS;
	}
	h->w = w;
	h->d = MHD_start_daemon(
		flags, 0, NULL, NULL, handle, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_THREAD_STACK_SIZE,
		(size_t)(1 << 20), cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert_pem,
		MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, n,
			 "cannot serve HTTP%s there (address in use or not on this host? a TLS "
			 "certificate and key that do not load?)",
			 cert_pem ? "S" : "");
		free(h);
		return -EADDRNOTAVAIL;
	}
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	*ret_port = di ? di->port : 0;
	*ret = h;
	return 0;
}

void web_http_stop(web_http_t **h_p)
{
	web_http_t *h = h_p ? *h_p : NULL;

	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
	*h_p = NULL;
}

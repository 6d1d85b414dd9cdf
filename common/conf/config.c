/* common/conf/config.c: liandongd's INI configuration, parsed with inih. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "common/conf/apisock.h"
#include "common/base/loglevel.h"
#include "common/conf/config.h"
#include "common/crypto/curve.h"

struct parse {
	ld_config_t *c;
	char *base;	/* directory of the config file */
	char err[1536]; /* first error, without the line number */
	int bad;
	unsigned seen; /* bit per required key */
};

enum { SEEN_ID = 1, SEEN_DATA = 2, SEEN_KEY = 4, SEEN_CURVE = 8, SEEN_ROOT = 16 };

/* A path from the file, relative to the file's directory. (Only paths come
 * here: a value that looks like an endpoint, "tcp://x", is a relative path
 * too, never one left relative to whatever directory the process runs in.) */
static char *resolve(const struct parse *p, const char *v)
{
	char *out;

	if (v[0] == '/')
		return strdup(v);
	if (asprintf(&out, "%s/%s", p->base, v) < 0)
		return NULL;
	return out;
}

static int fail(struct parse *p, const char *section, const char *name, const char *why)
{
	if (!p->bad)
		snprintf(p->err, sizeof(p->err), "key '%s' in [%s]: %s", name, section, why);
	p->bad = 1;
	return 0;
}

static int parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return -EINVAL;
	*out = (unsigned)x;
	return 0;
}

/* Set *u from 'value' if it is a whole number in [lo, hi]; else say so. */
static int set_uint(struct parse *p, const char *section, const char *name, const char *value,
		    unsigned *u, unsigned lo, unsigned hi)
{
	char why[96];

	if (parse_uint(value, lo, hi, u) == 0)
		return 1;
	snprintf(why, sizeof(why), "must be a whole number from %u to %u", lo, hi);
	return fail(p, section, name, why);
}

static bool endpoint_valid(const char *v)
{
	return (!strncmp(v, "tcp://", 6) || !strncmp(v, "ipc://", 6)) && strlen(v) > 6 &&
	       strlen(v) < 1024 && !strchr(v, ' ');
}

/* Why 'value' cannot be the endpoint of [node] 'name' (api or api_ro), or
 * NULL. Only a socket file has the permissions that keep other users out
 * (the daemon sets them: 0600, 0660 for api_ro, in a directory it checks);
 * a TCP port or an abstract Unix socket is open to every local user, who
 * could then sign as this node. There is no way to allow them. */
static const char *api_refused(const char *name, const char *value)
{
	bool ro = !strcmp(name, "api_ro");

	if (strncmp(value, "ipc://", 6))
		return ro ? "must be a filesystem ipc:// socket, e.g. api_ro = "
			    "ipc:///run/liandong/NODE-ro.sock: a tcp:// port has no file "
			    "permissions, so any local user (or more) could read "
			    "everything this node holds"
			  : "must be a filesystem ipc:// socket, e.g. api = "
			    "ipc:///run/liandong/NODE.sock, or remove the line for the "
			    "default: a tcp:// port has no file permissions, so any "
			    "local user (or more) could sign as this node";
	if (value[6] == '@')
		return ro ? "ipc://@... is an abstract socket, which has no file "
			    "permissions: any local user could read everything this "
			    "node holds; use a path, e.g. api_ro = "
			    "ipc:///run/liandong/NODE-ro.sock"
			  : "ipc://@... is an abstract socket, which has no file "
			    "permissions: any local user could sign as this node; use "
			    "a path, e.g. api = ipc:///run/liandong/NODE.sock, or "
			    "remove the line for the default";
	return NULL;
}

/* [web]: what liandong-web reads (the daemon only checks the form). */
static int web_key(struct parse *p, const char *section, const char *name, const char *value)
{
	ld_config_t *c = p->c;
	char **slot;

	if (!strcmp(name, "listen"))
		slot = &c->web_listen;
	else if (!strcmp(name, "regions"))
		slot = &c->web_regions;
	else if (!strcmp(name, "tls_cert"))
		slot = &c->web_tls_cert;
	else if (!strcmp(name, "tls_key"))
		slot = &c->web_tls_key;
	else if (!strcmp(name, "accounts"))
		slot = &c->web_accounts;
	else
		return fail(p, section, name,
			    "unknown key (listen, regions, tls_cert, tls_key, accounts)");
	if (!value[0])
		return fail(p, section, name, "empty value");
	if (slot == &c->web_listen && (!strchr(value, ':') || strchr(value, ' ')))
		return fail(p, section, name, "expected ADDR:PORT, e.g. 127.0.0.1:8480");
	free(*slot);
	*slot = slot == &c->web_listen ? strdup(value) : resolve(p, value);
	return *slot ? 1 : fail(p, section, name, "out of memory");
}

static int handler(void *ud, const char *section, const char *name, const char *value)
{
	struct parse *p = ud;
	ld_config_t *c = p->c;
	char **slot = NULL;

	if (p->bad)
		return 0;
	if (!strcmp(section, "node")) {
		if (!strcmp(name, "id")) {
			if (!ld_node_id_valid(value))
				return fail(p, section, name,
					    "not a valid node id (1-64 of a-z 0-9 . _ -, starting "
					    "with a letter or digit)");
			snprintf(c->id, sizeof(c->id), "%s", value);
			p->seen |= SEEN_ID;
			return 1;
		}
		if (!strcmp(name, "root")) {
			char *path = value[0] && strlen(value) != 64 ? resolve(p, value) : NULL;
			int r = ld_pubkey_parse(path ? path : value, c->root_pub);

			free(path);
			if (r < 0)
				return fail(p, section, name,
					    r == -ENOENT
						    ? "neither 64 hex digits nor an existing file"
						    : "not an Ed25519 public key");
			p->seen |= SEEN_ROOT;
			return 1;
		}
		if (!strcmp(name, "log_level")) {
			if ((c->log_level = ld_log_level_parse(value)) >= 0)
				return 1;
			return fail(p, section, name, "must be error, warn, info or debug");
		}
		if (!strcmp(name, "timezone")) {
			char zpath[512];

			/* A zone name from the tz database, or a POSIX TZ string. */
			snprintf(zpath, sizeof(zpath), "/usr/share/zoneinfo/%s", value);
			if (!value[0] || strstr(value, "..") ||
			    (access(zpath, R_OK) < 0 && !strpbrk(value, "0123456789")))
				return fail(p, section, name,
					    "not a known time zone (e.g. "
					    "Asia/Shanghai)");
			free(c->timezone);
			c->timezone = strdup(value);
			return c->timezone ? 1 : fail(p, section, name, "out of memory");
		}
		if (!strcmp(name, "data")) {
			slot = &c->data_dir;
			p->seen |= SEEN_DATA;
		} else if (!strcmp(name, "key")) {
			slot = &c->key_path;
			p->seen |= SEEN_KEY;
		} else if (!strcmp(name, "curve")) {
			slot = &c->curve_path;
			p->seen |= SEEN_CURVE;
		} else if (!strcmp(name, "bind") || !strcmp(name, "api") ||
			   !strcmp(name, "api_ro")) {
			char why[1400];

			if (!endpoint_valid(value))
				return fail(p, section, name,
					    "must be a tcp:// or ipc:// ZeroMQ endpoint");
			if (ld_endpoint_check(value, why, sizeof(why)) < 0) {
				size_t l = strlen(why);

				snprintf(
					why + l, sizeof(why) - l, "; %s",
					!strcmp(name, "api") || !strcmp(name, "api_ro")
						? "put a shorter one under [node], e.g. api = "
						  "ipc:///run/liandong/NODE.sock, or remove the line "
						  "for the default (a short path in a private runtime "
						  "directory)"
						: "use a shorter ipc:// path or a tcp:// endpoint");
				return fail(p, section, name, why);
			}
			if (!strcmp(name, "api") || !strcmp(name, "api_ro")) {
				const char *no = api_refused(name, value);

				if (no)
					return fail(p, section, name, no);
			}
			slot = !strcmp(name, "bind")  ? &c->bind
			       : !strcmp(name, "api") ? &c->api
						      : &c->api_ro;
		} else {
			return fail(p, section, name, "unknown key");
		}
		if (!value[0])
			return fail(p, section, name, "empty value");
		free(*slot);
		*slot = slot == &c->bind || slot == &c->api || slot == &c->api_ro
				? strdup(value)
				: resolve(p, value);
		return *slot ? 1 : fail(p, section, name, "out of memory");
	}
	if (!strcmp(section, "peers")) {
		ld_peer_conf_t *peer;
		char ep[1024], key[64] = "";
		int n;

		if (!ld_node_id_valid(name))
			return fail(p, section, name, "peer name is not a valid node id");
		if (c->n_peers >= LD_MAX_PEERS)
			return fail(p, section, name, "too many peers (at most 64)");
		n = sscanf(value, "%1023s %63s", ep, key);
		if (n < 1 || !endpoint_valid(ep))
			return fail(p, section, name,
				    "expected 'tcp://HOST:PORT [CURVE-PUBLIC-KEY]'");
		{
			char why[1400];

			if (ld_endpoint_check(ep, why, sizeof(why)) < 0)
				return fail(p, section, name, why);
		}
		if (n == 2) {
			uint8_t raw[32];

			if (ld_curve_z85_decode(key, raw) < 0)
				return fail(p, section, name,
					    "the curve key must be 40 Z85 characters");
		}
		if (!strcmp(name, c->id))
			return fail(p, section, name, "a node cannot be its own peer");
		for (size_t i = 0; i < c->n_peers; i++)
			if (!strcmp(c->peers[i].id, name))
				return fail(p, section, name, "peer listed twice");
		peer = &c->peers[c->n_peers];
		snprintf(peer->id, sizeof(peer->id), "%s", name);
		snprintf(peer->curve_pub, sizeof(peer->curve_pub), "%s", n == 2 ? key : "");
		peer->endpoint = strdup(ep);
		if (!peer->endpoint)
			return fail(p, section, name, "out of memory");
		c->n_peers++;
		return 1;
	}
	if (!strcmp(section, "escalation")) {
		unsigned *u = NULL, lo = 1, hi = 100000;

		if (!strcmp(name, "enabled")) {
			if (!strcmp(value, "auto"))
				c->escalate = -1;
			else if (!strcmp(value, "yes") || !strcmp(value, "true"))
				c->escalate = 1;
			else if (!strcmp(value, "no") || !strcmp(value, "false"))
				c->escalate = 0;
			else
				return fail(p, section, name, "must be auto, yes or no");
			return 1;
		}
		if (!strcmp(name, "interval_s"))
			u = &c->escalate_interval_s, hi = 3600;
		else if (!strcmp(name, "ack_emergency_min"))
			u = &c->sla_ack_emergency_min;
		else if (!strcmp(name, "ack_urgent_h"))
			u = &c->sla_ack_urgent_h;
		else if (!strcmp(name, "ack_routine_h"))
			u = &c->sla_ack_routine_h;
		else if (!strcmp(name, "answer_days"))
			u = &c->sla_answer_days, hi = 3650;
		else
			return fail(p, section, name, "unknown key");
		return set_uint(p, section, name, value, u, lo, hi);
	}
	if (!strcmp(section, "sync")) {
		unsigned *u = NULL, lo = 1, hi = 1000000;

		if (!strcmp(name, "credit"))
			u = &c->credit, hi = 65536;
		else if (!strcmp(name, "heartbeat_ms"))
			u = &c->heartbeat_ms, lo = 50, hi = 60000;
		else if (!strcmp(name, "peer_timeout_ms"))
			u = &c->peer_timeout_ms, lo = 100, hi = 600000;
		else
			return fail(p, section, name, "unknown key");
		return set_uint(p, section, name, value, u, lo, hi);
	}
	if (!strcmp(section, "evidence")) {
		unsigned *u = NULL, lo = 0, hi = 100000;

		if (!strcmp(name, "rate_limit_mb"))
			u = &c->evidence_rate_mb;
		else if (!strcmp(name, "window_kb"))
			u = &c->evidence_window_kb, lo = 256, hi = 65536;
		else
			return fail(p, section, name, "unknown key");
		return set_uint(p, section, name, value, u, lo, hi);
	}
	if (!strcmp(section, "web"))
		return web_key(p, section, name, value);
	return fail(p, section, name, "unknown section");
}

/* inih reads each line into a buffer of the size it was built with (200 in
 * Debian) and cuts a longer one silently, parsing its tail as a line of its
 * own. Reading for it, a line that does not fit ends the parse, to be
 * reported as what it is. */
struct reader {
	FILE *f;
	int line;     /* lines handed out so far */
	int too_long; /* number of the first line that did not fit, or 0 */
	int max;      /* inih's buffer size */
};

static char *read_line(char *str, int num, void *stream)
{
	struct reader *rd = stream;
	size_t len;
	int ch;

	if (!fgets(str, num, rd->f))
		return NULL;
	rd->line++;
	len = strlen(str);
	if (len + 1 < (size_t)num || str[len - 1] == '\n' || (ch = fgetc(rd->f)) == EOF ||
	    ch == '\n')
		return str;
	rd->too_long = rd->line;
	rd->max = num;
	return NULL;
}

int ld_config_load(const char *path, ld_config_t **ret_conf, char *err, size_t errsz)
{
	struct reader rd = {0};
	struct parse p = {0};
	char *copy;
	int line;

	p.c = calloc(1, sizeof(*p.c));
	copy = strdup(path);
	if (!p.c || !copy) {
		free(p.c);
		free(copy);
		snprintf(err, errsz, "%s: out of memory", path);
		return -ENOMEM;
	}
	/* Absolute, so that the ipc:// API path works from any directory. */
	p.base = realpath(dirname(copy), NULL);
	free(copy);
	if (!p.base) {
		snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
		ld_config_destroy(&p.c);
		return -ENOENT;
	}
	p.c->path = strdup(path);
	p.c->log_level = 2;
	p.c->credit = 4096;
	p.c->heartbeat_ms = 1000;
	p.c->peer_timeout_ms = 5000;
	p.c->evidence_window_kb = 16384;
	p.c->escalate = -1;
	p.c->escalate_interval_s = 30;
	p.c->sla_ack_emergency_min = 30;
	p.c->sla_ack_urgent_h = 4;
	p.c->sla_ack_routine_h = 72;
	p.c->sla_answer_days = 15;

	rd.f = fopen(path, "r");
	if (!rd.f) {
		snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
		goto fail;
	}
	line = ini_parse_stream(read_line, &rd, handler, &p);
	fclose(rd.f);
	if (line == -2) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto fail;
	}
	if (rd.too_long && !p.bad) {
		snprintf(err, errsz,
			 "%s:%d: line longer than the %d characters this configuration "
			 "reader takes (a long absolute path? give it relative to the "
			 "configuration file's directory)",
			 path, rd.too_long, rd.max - 1);
		goto fail;
	}
	if (line > 0 || p.bad) {
		if (p.bad)
			snprintf(err, errsz, "%s:%d: %s", path, line, p.err);
		else
			snprintf(err, errsz,
				 "%s:%d: not an INI line (expected 'key = value' or "
				 "'[section]')",
				 path, line);
		goto fail;
	}
	if ((p.seen & (SEEN_ID | SEEN_DATA | SEEN_KEY | SEEN_CURVE | SEEN_ROOT)) !=
	    (SEEN_ID | SEEN_DATA | SEEN_KEY | SEEN_CURVE | SEEN_ROOT)) {
		const char *missing = !(p.seen & SEEN_ID)      ? "id"
				      : !(p.seen & SEEN_DATA)  ? "data"
				      : !(p.seen & SEEN_KEY)   ? "key"
				      : !(p.seen & SEEN_CURVE) ? "curve"
							       : "root";

		snprintf(err, errsz, "%s: key '%s' in [node] is required", path, missing);
		goto fail;
	}
	if (p.c->peer_timeout_ms < 2 * p.c->heartbeat_ms) {
		snprintf(err, errsz,
			 "%s: [sync] peer_timeout_ms (%u) must be at least twice "
			 "heartbeat_ms (%u), or links flap",
			 path, p.c->peer_timeout_ms, p.c->heartbeat_ms);
		goto fail;
	}
	p.c->api_default = !p.c->api;
	if (!p.c->api && ld_api_default(p.c->id, p.c->data_dir, &p.c->api) < 0) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto fail;
	}
	if (p.c->api_ro && !strcmp(p.c->api_ro, p.c->api)) {
		snprintf(err, errsz,
			 "%s: [node] api_ro is the same socket as api (%s): give the read-only "
			 "API a path of its own",
			 path, p.c->api);
		goto fail;
	}
	free(p.base);
	*ret_conf = p.c;
	return 0;
fail:
	free(p.base);
	ld_config_destroy(&p.c);
	return -EINVAL;
}

void ld_config_destroy(ld_config_t **conf_p)
{
	ld_config_t *c;

	if (!conf_p || !*conf_p)
		return;
	c = *conf_p;
	for (size_t i = 0; i < c->n_peers; i++)
		free(c->peers[i].endpoint);
	free(c->path);
	free(c->data_dir);
	free(c->key_path);
	free(c->curve_path);
	free(c->bind);
	free(c->api);
	free(c->api_ro);
	free(c->timezone);
	free(c->web_listen);
	free(c->web_regions);
	free(c->web_tls_cert);
	free(c->web_tls_key);
	free(c->web_accounts);
	free(c);
	*conf_p = NULL;
}

struct zone_find {
	char *buf;
	size_t n;
};

static int zone_key(void *ud, const char *section, const char *name, const char *value)
{
	struct zone_find *z = ud;

	if (!strcmp(section, "node") && !strcmp(name, "timezone"))
		snprintf(z->buf, z->n, "%s", value);
	return 1;
}

int ld_config_timezone(const char *path, char *buf, size_t n)
{
	struct zone_find z = {buf, n};
	int r;

	if (n)
		buf[0] = '\0';
	r = ini_parse(path, zone_key, &z);
	return r == -1 ? -ENOENT : 0;
}

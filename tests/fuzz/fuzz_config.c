/* tests/fuzz/fuzz_config.c: libFuzzer harness for liandongd's configuration
 * file (ld_config_load, and ld_config_timezone which the tool runs first).
 *
 * A configuration comes from whoever edits it, and both liandongd and every
 * run of `liandong` read it. The input is written as the file
 * DIR/liandongd.conf of a private temporary directory made once, holding a
 * root key file (root.pub) so that "root = root.pub" resolves as in a real
 * node directory; nothing outside DIR is needed.
 *
 * Beyond "no crash, no leak, no UB" (left to the sanitizers), the harness
 * abort()s when a property the daemon relies on breaks:
 *  - a refused file leaves *ret untouched and says why in an error that
 *    starts with the file's path;
 *  - an accepted file has every required key, a valid node id, absolute
 *    paths, an api endpoint that passes ld_endpoint_check, numbers within
 *    their documented ranges, at most LD_MAX_PEERS distinct peers with valid
 *    ids and endpoints (none of them this node), and curve keys that decode;
 *  - ld_config_timezone reads the same [node] timezone from it.
 *
 * Inputs named crash-* in corpus/config/ reproduce bugs found this way.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf/apisock.h"
#include "common/conf/config.h"
#include "common/crypto/curve.h"
#include "common/feed/entry.h"
#include "common/crypto/key.h"

#include "fuzz_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Noreturn void broken(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_config: invariant broken: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

static char dir[64], conf_path[128], root_path[128];

static void cleanup(void)
{
	unlink(conf_path);
	unlink(root_path);
	rmdir(dir);
}

/* The node directory, made once per process. */
static void setup(void)
{
	if (dir[0])
		return;
	snprintf(dir, sizeof(dir), "%s", "/tmp/ld-fuzz-config-XXXXXX");
	if (!mkdtemp(dir))
		broken("cannot create a temporary directory", strerror(errno));
	snprintf(conf_path, sizeof(conf_path), "%s/liandongd.conf", dir);
	snprintf(root_path, sizeof(root_path), "%s/root.pub", dir);
	if (ld_pubkey_save_hex(FUZZ_PUB_A, root_path) < 0)
		broken("cannot write root.pub", root_path);
	atexit(cleanup);
}

static void write_input(const uint8_t *data, size_t size)
{
	FILE *f = fopen(conf_path, "wb");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		broken("cannot write the configuration file", conf_path);
}

static void check_path(const char *what, const char *p)
{
	if (!p || p[0] != '/')
		broken("a path is not absolute", what);
}

static void check_accepted(const ld_config_t *c)
{
	char why[2048];
	uint8_t raw[32];

	if (!ld_node_id_valid(c->id))
		broken("accepted an invalid node id", c->id);
	check_path("data", c->data_dir);
	check_path("key", c->key_path);
	check_path("curve", c->curve_path);
	if (!c->path || strcmp(c->path, conf_path))
		broken("path is not the file loaded", c->path);
	if (!c->api || (strncmp(c->api, "ipc://", 6) && strncmp(c->api, "tcp://", 6)))
		broken("no api endpoint", c->api);
	if (ld_endpoint_check(c->api, why, sizeof(why)) < 0)
		broken("api endpoint refused by ld_endpoint_check", why);
	if (c->bind && ld_endpoint_check(c->bind, why, sizeof(why)) < 0)
		broken("bind endpoint refused by ld_endpoint_check", why);
	if (c->log_level < 0 || c->log_level > 3)
		broken("log level out of range", NULL);
	if (c->credit < 1 || c->credit > 65536 || c->heartbeat_ms < 50 || c->heartbeat_ms > 60000 ||
	    c->peer_timeout_ms < 100 || c->peer_timeout_ms > 600000 ||
	    c->peer_timeout_ms < 2 * c->heartbeat_ms)
		broken("[sync] value out of range", NULL);
	if (c->evidence_rate_mb > 100000 || c->evidence_window_kb < 256 ||
	    c->evidence_window_kb > 65536)
		broken("[evidence] value out of range", NULL);
	if (c->escalate < -1 || c->escalate > 1 || c->escalate_interval_s < 1 ||
	    c->escalate_interval_s > 3600 || c->sla_ack_emergency_min < 1 ||
	    c->sla_ack_urgent_h < 1 || c->sla_ack_routine_h < 1 || c->sla_answer_days < 1 ||
	    c->sla_answer_days > 3650)
		broken("[escalation] value out of range", NULL);
	if (c->n_peers > LD_MAX_PEERS)
		broken("too many peers", NULL);
	for (size_t i = 0; i < c->n_peers; i++) {
		const ld_peer_conf_t *p = &c->peers[i];

		if (!ld_node_id_valid(p->id) || !strcmp(p->id, c->id))
			broken("bad peer id", p->id);
		if (!p->endpoint || ld_endpoint_check(p->endpoint, why, sizeof(why)) < 0)
			broken("bad peer endpoint", p->endpoint);
		if (p->curve_pub[0] && ld_curve_z85_decode(p->curve_pub, raw) < 0)
			broken("peer curve key does not decode", p->curve_pub);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->peers[j].id, p->id))
				broken("peer listed twice", p->id);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ld_config_t *c = NULL;
	char err[2048], zone[512];
	int r, rz;

	setup();
	write_input(data, size);
	err[0] = '\0';
	r = ld_config_load(conf_path, &c, err, sizeof(err));
	if (r < 0) {
		if (c)
			broken("a refused file set *ret", NULL);
		if (strncmp(err, conf_path, strlen(conf_path)) || strlen(err) <= strlen(conf_path))
			broken("the error does not name the file", err);
	} else {
		if (r != 0 || !c)
			broken("accepted without a configuration", NULL);
		check_accepted(c);
	}
	rz = ld_config_timezone(conf_path, zone, sizeof(zone));
	if (rz < 0)
		broken("ld_config_timezone cannot read the file", conf_path);
	if (c && strcmp(zone, c->timezone ? c->timezone : ""))
		broken("ld_config_timezone reads another zone", zone);
	ld_config_destroy(&c);
	return 0;
}

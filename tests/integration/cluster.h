/* tests/integration/cluster.h: several real liandongd processes for a test.
 *
 * Each node has its own directory (keys, config, data, log) under one
 * temporary base; its API socket is in a private directory of its own
 * (/tmp/ldt-XXXXXX, mode 0700), so socket paths stay short however deep the
 * checkout (and so the base) is. Daemons are started with fork/exec of the built binary
 * (path in $LD_DAEMON), talked to through the real local API, and stopped by
 * PID (SIGTERM, then SIGKILL after a bounded wait). Peer links use TCP on
 * 127.0.0.1 with CurveZMQ, ports picked free by the kernel. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "client/ldclient.h"
#include "common/crypto/key.h"

#define CL_MAX_NODES 8

typedef struct tn {
	char id[65];
	char dir[512];
	char conf[600];
	char api[640];
	char log[600];
	char endpoint[64];
	pid_t pid;
	ldc_t *c;
	ld_key_t *key; /* the node's signing key (to forge with) */
	uint8_t sign_pub[32];
	char curve_pub[41], curve_sec[41];
	char superior[65];
	bool root;
	uint32_t kind;	/* enum ld.NodeKind for the roster; 0: command centre (root) or bureau */
	char region[8]; /* GB/T 2260 code for the roster; "": 330100 */
	char err[4096]; /* stderr of the last cl_cli (also echoed) */
} tn_t;

typedef struct cluster {
	char *base;
	char *sockdir; /* API sockets: /tmp/ldt-XXXXXX, 0700 */
	const char *daemon;
	tn_t nodes[CL_MAX_NODES];
	size_t n;
	tn_t *root;
} cluster_t;

/* New cluster under a temporary directory. Aborts if $LD_DAEMON is unset. */
cluster_t *cl_new(const char *tag);

/* Stop every running node (by PID) and remove the directory. */
void cl_destroy(cluster_t **c_p);

/* Create node 'id' (keys, config). The first node created with root=true is
 * the root authority. 'peers' are ids of nodes created before, which this node
 * dials. Returns the node. */
tn_t *cl_node(cluster_t *c, const char *id, bool root, const char *superior,
	      const char *const *peers, size_t n_peers);

/* The usual topology: root "province" plus counties that each dial only the
 * province, all in the roster, started, each holding the whole roster.
 * ret[0] is the province, ret[1..n] the counties in order. 0 or error. */
int cl_star(cluster_t *c, const char *const *counties, size_t n, tn_t **ret);

/* The world most tests start from: cl_star() with counties a, b, c. */
typedef struct cl_world {
	cluster_t *c;
	tn_t *p, *a, *b, *x; /* province, county-a, county-b, county-c */
	char out[65536];     /* last `liandong` output (cl_cli) */
} cl_world_t;

/* cmocka setup/teardown building and destroying a cl_world_t in *state. */
int cl_world_setup(void **state);
int cl_world_teardown(void **state);

/* Start the daemon and wait until its API answers (at most 10 s). 0 or -errno. */
int cl_start(cluster_t *c, tn_t *n);

/* SIGTERM, wait up to 10 s, then SIGKILL. Returns the exit status or -1. */
int cl_stop(cluster_t *c, tn_t *n);

/* SIGKILL and reap. */
void cl_kill(cluster_t *c, tn_t *n);

/* Add 'n' to the roster through the root's API. 0 or error. */
int cl_roster_add(cluster_t *c, tn_t *n);

/* Revoke 'n' in the roster through the root's API. */
int cl_roster_revoke(cluster_t *c, tn_t *n, uint64_t last_valid_seq);

/* Append one entry to n's feed. audience NULL: everyone. */
int cl_append(tn_t *n, uint32_t kind, const char *const *audience, size_t n_aud,
	      const void *payload, size_t len, ldc_ref_t *ret_ref);

/* Wait until n holds (feed, seq). 0 or -ETIMEDOUT. */
int cl_wait(tn_t *n, const char *feed, uint64_t seq, int timeout_ms);

/* Head seq of 'feed' at n (0 if none), or -1 if the daemon does not answer. */
int64_t cl_head(tn_t *n, const char *feed);

/* Is peer 'peer' up according to n's status? */
bool cl_peer_up(tn_t *n, const char *peer);

/* Number of alerts in n's status (-1 on error). */
int cl_alerts(tn_t *n);

/* A cl_until() predicate: has the clock reached *(time_t *)ud? */
bool cl_past(void *ud);

/* Poll 'pred' every 20 ms until true or timeout. */
bool cl_until(bool (*pred)(void *ud), void *ud, int timeout_ms);

/* Run argv (argv[0] a path; NULL-terminated) with its stdout into out (size
 * bytes, always terminated) and its stderr into err (errsz bytes, always
 * terminated; also echoed onto the test's stderr). If it runs longer than
 * timeout_ms (< 0: no limit) it is killed by its PID and -2 returned;
 * otherwise its exit code, or -1 if it did not exit normally. */
int cl_run(const char *const *argv, int timeout_ms, char *out, size_t size, char *err,
	   size_t errsz);

/* Run the `liandong` tool ($LD_CLI) with the NULL-terminated arguments
 * plus "--api <n's API>", capture its stdout into out (size bytes, always
 * terminated) and its stderr into n->err (and onto the test's stderr).
 * Returns its exit code, or -1 if it did not exit normally. */
int cl_cli(tn_t *n, char *out, size_t size, ...);

/* Does n's log contain 'needle'? */
bool cl_log_contains(tn_t *n, const char *needle);

/* Does any file under n's data directory contain these bytes? */
bool cl_data_contains(tn_t *n, const void *bytes, size_t len);

/* Parse the tool's JSON output 'text'; the test dies if it is not valid
 * JSON. Caller owns the result (json_decref). */
json_t *cl_json(const char *text);

/* Does any value at 'path' in 'root' match 'want'? The path is keys and
 * array indexes joined by '/', '*' standing for every element of an array
 * ("timeline/ * /receipts/ * /receiver" without the spaces). A string matches
 * if equal, or if it contains want + 1 when want starts with '~'; numbers,
 * booleans and null match their JSON text. */
bool cl_jhas(json_t *root, const char *path, const char *want);

/* cl_jhas on the JSON text 'out' (dies if it is not JSON). */
bool cl_out_has(const char *out, const char *path, const char *want);

/* The first object of the array at 'array_path' (keys joined by '/') whose
 * 'key' matches 'value' (as cl_jhas), or NULL. Borrowed from root. */
json_t *cl_jfind(json_t *root, const char *array_path, const char *key, const char *value);

/* Entries n signed itself other than delivery receipts (which it signs on
 * its own whenever something addressed to it arrives): what a command
 * signed or did not. -1 if the daemon does not answer. At most 1024. */
int64_t cl_signed(tn_t *n);

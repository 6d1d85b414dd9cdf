/* tests/fuzz/fuzz_world.h: the world the server harnesses start from, the
 * same in every process and every run (fixed keys, fixed times, Ed25519
 * being deterministic), so the seed generator and the harnesses agree on
 * every id and signature.
 *
 * The roster: province (root, command centre), city (command centre under
 * the province), county-a and county-b (bureaus under the city), county-c
 * (bureau under the province). The node under test is the city. Its store
 * holds the roster, county-a 1..4 (a referral to county-b, a bulletin for
 * everyone, a note for county-c, an evidence record with a one-chunk file)
 * and county-b 1 (accepting the referral). The world also has entries the
 * store does not hold (county-a 5..6, county-b 2, county-c 1..2, a second
 * county-b 1), for seeds to bring.
 *
 * fw_node_t is that node in a temporary directory (TMPDIR, else /tmp; use
 * /dev/shm for speed) with no sockets, its output to a tap, its monotonic
 * clock the harness's. An input that leaves anything lasting (a commit,
 * an evidence file, a fetch, a case history asked for, an API waiter) is
 * followed by fw_node_settle() putting the node back as it started, so
 * every input meets the same node: the harnesses stay deterministic.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/feed/entry.h"
#include "common/crypto/key.h"
#include "server/node.h"

enum { FW_PROVINCE, FW_CITY, FW_A, FW_B, FW_C, FW_N };

#define FW_SELF FW_CITY
#define FW_CASE "county-a/F-1"
#define FW_FILE_LEN 200	       /* the evidence file: one chunk */
#define FW_T0 INT64_C(1000000) /* the monotonic clock at the start of each input */
#define FW_TURN 255	       /* fuzz_frame: this peer byte ends a loop turn */

/* Node id of member i. */
const char *fw_id(int i);

/* Member i's signing key (made once; owned by the world). */
ld_key_t *fw_key(int i);

/* A feed of the world: its entries (owned by the world) and how many of
 * them the node's store holds (the first 'held'). */
typedef struct fw_feed {
	ld_entry_t *e[8];
	size_t n, held;
} fw_feed_t;

/* Member i's feed (the province's is the roster). */
const fw_feed_t *fw_feed(int i);

/* A second county-b entry 1: an equivocation. */
const ld_entry_t *fw_fork(void);

/* The evidence file of county-a 4: its bytes (FW_FILE_LEN) and SHA-256. */
const uint8_t *fw_file(void);
const uint8_t *fw_file_sha256(void);

/* Wire form of entry e (with its payload if 'full'); caller frees. */
uint8_t *fw_wire(const ld_entry_t *e, bool full, size_t *len);

typedef struct fw_node fw_node_t;

/* Make the node under test; its output goes to 'tap' (copied). Aborts if
 * it cannot (a harness without its world tests nothing). */
fw_node_t *fw_node_new(const ld_node_tap_t *tap);

/* The node, valid until the next fw_node_settle(). */
ld_node_t *fw_node(fw_node_t *w);

/* The harness's monotonic clock (the daemon's timers read it). */
void fw_clock_set(int64_t ms);

/* After an input: true if it changed the store (the harness checks it
 * before calling fw_node_settle). */
bool fw_store_changed(fw_node_t *w);

/* Put the node back as it started if the input left anything lasting. */
void fw_node_settle(fw_node_t *w);

/* tests/fuzz/fuzz_world.c: see fuzz_world.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "case.pb-c.h"
#include "common/store/blob.h"
#include "common/conf/config.h"
#include "common/crypto/curve.h"
#include "common/base/errors.h"
#include "evidence.pb-c.h"
#include "roster.pb-c.h"
#include "server/blobx_int.h"
#include "server/clock.h"
#include "server/log.h"
#include "fuzz_world.h"

#define T_BASE INT64_C(1764000000000) /* 2025-11-24T16:00:00Z */

static const char *const ids[FW_N] = {"province", "city", "county-a", "county-b", "county-c"};

static struct {
	bool made;
	ld_key_t *keys[FW_N];
	uint8_t pubs[FW_N][LD_PUBKEY_LEN];
	fw_feed_t feeds[FW_N];
	ld_entry_t *fork;
	uint8_t file[FW_FILE_LEN], file_sha[32];
} world;

static int64_t clock_ms = FW_T0;

static _Noreturn void die(const char *what, int r)
{
	fprintf(stderr, "fuzz world: %s: %s\n", what, r < 0 ? ld_strerror(r) : "failed");
	abort();
}

const char *fw_id(int i)
{
	return ids[i];
}

/* ld_key_t comes from a PEM file: write the seed as one (0600) and load it. */
static ld_key_t *seed_key(int i)
{
	char path[] = "/tmp/ld-fuzz-world-XXXXXX";
	uint8_t seed[32];
	EVP_PKEY *pkey;
	ld_key_t *key;
	FILE *f;
	int fd, r;

	memset(seed, '.', sizeof(seed));
	memcpy(seed, "fuzz world key ", 15);
	memcpy(seed + 15, ids[i], strlen(ids[i]));
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	fd = mkstemp(path);
	if (!pkey || fd < 0 || !(f = fdopen(fd, "w")))
		die("making a key", -EIO);
	if (PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f) != 0)
		die("writing a key", -EIO);
	EVP_PKEY_free(pkey);
	r = ld_key_load(path, &key);
	unlink(path);
	if (r < 0)
		die("ld_key_load", r);
	return key;
}

/* Append an entry to member i's feed in the world. */
static ld_entry_t *add(int i, uint32_t kind, const void *payload, size_t len,
		       const char *const *aud, size_t n_aud)
{
	fw_feed_t *fd = &world.feeds[i];
	const ld_entry_t *prev = fd->n ? fd->e[fd->n - 1] : NULL;
	ld_entry_draft_t d = {
		.author = ids[i],
		.seq = fd->n + 1,
		.prev = prev ? prev->id : NULL,
		.time_ms = T_BASE + i * 100000 + (int64_t)fd->n * 1000,
		.kind = kind,
		.audience = aud,
		.n_audience = n_aud,
		.everyone = aud == NULL,
		.payload = payload,
		.payload_len = len,
	};
	int r = ld_entry_build(&d, world.keys[i], &fd->e[fd->n]);

	if (r < 0)
		die("ld_entry_build", r);
	return fd->e[fd->n++];
}

static void roster_add(int i, uint32_t kind, const char *superior)
{
	Ld__RosterUpdate u = LD__ROSTER_UPDATE__INIT;
	uint8_t buf[512];

	u.has_action = u.has_kind = u.has_sign_key = true;
	u.action = LD__ROSTER_UPDATE__ACTION__ADD;
	u.node_id = (char *)ids[i];
	u.name = (char *)ids[i];
	u.kind = kind;
	u.region_code = "330100";
	u.superior = (char *)superior;
	u.sign_key.data = world.pubs[i];
	u.sign_key.len = LD_PUBKEY_LEN;
	add(FW_PROVINCE, LD__KIND__KIND_ROSTER_UPDATE, buf, ld__roster_update__pack(&u, buf), NULL,
	    0);
}

static void make_world(void)
{
	const char *to_b[] = {"county-b"}, *to_c[] = {"county-c"}, *to_a[] = {"county-a"},
		   *to_city[] = {"city"};
	Ld__CaseReferral ref = LD__CASE_REFERRAL__INIT;
	Ld__ReferralResponse resp = LD__REFERRAL_RESPONSE__INIT;
	Ld__EvidenceRecord ev = LD__EVIDENCE_RECORD__INIT;
	uint8_t buf[1024], chunk_sha[32], list_sha[32];
	ld_entry_draft_t d;
	int r;

	for (int i = 0; i < FW_N; i++) {
		world.keys[i] = seed_key(i);
		ld_key_public(world.keys[i], world.pubs[i]);
	}
	roster_add(FW_PROVINCE, LD__NODE_KIND__NODE_COMMAND_CENTRE, NULL);
	roster_add(FW_CITY, LD__NODE_KIND__NODE_COMMAND_CENTRE, "province");
	roster_add(FW_A, LD__NODE_KIND__NODE_BUREAU, "city");
	roster_add(FW_B, LD__NODE_KIND__NODE_BUREAU, "city");
	roster_add(FW_C, LD__NODE_KIND__NODE_BUREAU, "province");
	world.feeds[FW_PROVINCE].held = 5;

	ref.case_id = FW_CASE;
	ref.title = "Dyeing plant discharging into the Grand Canal";
	ref.has_violation = ref.has_answer_by_ms = true;
	ref.violation = LD__VIOLATION__VIOLATION_WATER;
	ref.facts = "COD 412 mg/L at outfall 3";
	ref.addressee = "county-b";
	ref.answer_by_ms = T_BASE + INT64_C(30) * 86400000;
	add(FW_A, LD__KIND__KIND_CASE_REFERRAL, buf, ld__case_referral__pack(&ref, buf), to_b, 1);
	add(FW_A, 100, "bulletin for everyone", 21, NULL, 0);
	add(FW_A, 100, "note for county-c only", 22, to_c, 1);
	for (size_t k = 0; k < FW_FILE_LEN; k++)
		world.file[k] = (uint8_t)(k * 7 + 3);
	SHA256(world.file, FW_FILE_LEN, world.file_sha);
	SHA256(world.file, FW_FILE_LEN, chunk_sha); /* one chunk: the file */
	ld_blob_list_sha256(chunk_sha, 1, list_sha);
	ev.case_id = FW_CASE;
	ev.evidence_id = "E-1";
	ev.has_sha256 = ev.has_size = ev.has_chunk_size = ev.has_chunk_list_sha256 = true;
	ev.sha256.data = world.file_sha;
	ev.sha256.len = 32;
	ev.size = FW_FILE_LEN;
	ev.chunk_size = ld_blob_chunk_size(FW_FILE_LEN);
	ev.chunk_list_sha256.data = list_sha;
	ev.chunk_list_sha256.len = 32;
	ev.file_name = "outfall-3.jpg";
	add(FW_A, LD__KIND__KIND_EVIDENCE_RECORD, buf, ld__evidence_record__pack(&ev, buf), to_b,
	    1);
	world.feeds[FW_A].held = 4;
	add(FW_A, 100, "fifth, for everyone", 19, NULL, 0);
	add(FW_A, 100, "sixth, for the city", 19, to_city, 1);

	resp.case_id = FW_CASE;
	resp.has_decision = true;
	resp.decision = LD__REFERRAL_DECISION__REFERRAL_DECISION_ACCEPT;
	add(FW_B, LD__KIND__KIND_REFERRAL_RESPONSE, buf, ld__referral_response__pack(&resp, buf),
	    to_a, 1);
	world.feeds[FW_B].held = 1;
	resp.decision = LD__REFERRAL_DECISION__REFERRAL_DECISION_TRANSFER;
	resp.transfer_to = "city";
	resp.reason = "the discharge is the city's matter";
	add(FW_B, LD__KIND__KIND_REFERRAL_RESPONSE, buf, ld__referral_response__pack(&resp, buf),
	    to_a, 1);

	add(FW_C, 100, "county-c to the city", 20, to_city, 1);
	add(FW_C, 100, "county-c to everyone", 20, NULL, 0);

	d = (ld_entry_draft_t){.author = "county-b",
			       .seq = 1,
			       .time_ms = T_BASE + 999,
			       .kind = 100,
			       .everyone = true,
			       .payload = "forked",
			       .payload_len = 6};
	if ((r = ld_entry_build(&d, world.keys[FW_B], &world.fork)) < 0)
		die("ld_entry_build", r);
	world.made = true;
}

ld_key_t *fw_key(int i)
{
	if (!world.made)
		make_world();
	return world.keys[i];
}

const fw_feed_t *fw_feed(int i)
{
	if (!world.made)
		make_world();
	return &world.feeds[i];
}

const ld_entry_t *fw_fork(void)
{
	if (!world.made)
		make_world();
	return world.fork;
}

const uint8_t *fw_file(void)
{
	if (!world.made)
		make_world();
	return world.file;
}

const uint8_t *fw_file_sha256(void)
{
	if (!world.made)
		make_world();
	return world.file_sha;
}

uint8_t *fw_wire(const ld_entry_t *e, bool full, size_t *len)
{
	uint8_t *buf;

	*len = ld_entry_wire_size(e, full);
	buf = malloc(*len);
	if (!buf)
		die("out of memory", -ENOMEM);
	ld_entry_encode(e, full, buf);
	return buf;
}

/* ---- the node ---- */

struct fw_node {
	char dir[512], data[600], pristine[600], conf[600];
	ld_node_tap_t tap;
	ld_node_t *n;
	struct stat st; /* data.mdb after the last (re)start */
};

static int64_t harness_clock(void)
{
	return clock_ms;
}

void fw_clock_set(int64_t ms)
{
	clock_ms = ms;
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) < 0)
		die(path, -errno);
}

/* Copy directory tree 'from' into 'to' (regular files and directories). */
static void copy_tree(const char *from, const char *to)
{
	DIR *d = opendir(from);
	struct dirent *de;

	if (!d || (mkdir(to, 0700) < 0 && errno != EEXIST))
		die(from, -errno);
	while ((de = readdir(d))) {
		char a[1024], b[1024];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(a, sizeof(a), "%s/%s", from, de->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, de->d_name);
		if (lstat(a, &st) < 0)
			die(a, -errno);
		if (S_ISDIR(st.st_mode)) {
			copy_tree(a, b);
		} else if (S_ISREG(st.st_mode)) {
			int in = open(a, O_RDONLY),
			    out = open(b, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 0777);
			char buf[65536];
			ssize_t k;

			if (in < 0 || out < 0)
				die(a, -errno);
			while ((k = read(in, buf, sizeof(buf))) > 0)
				if (write(out, buf, (size_t)k) != k)
					die(b, -errno);
			close(in);
			close(out);
		}
	}
	closedir(d);
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char p[1024];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static void data_stat(const fw_node_t *w, struct stat *st)
{
	char p[700];

	snprintf(p, sizeof(p), "%s/data.mdb", w->data);
	if (stat(p, st) < 0)
		die(p, -errno);
}

static void node_start(fw_node_t *w)
{
	ld_config_t *conf = NULL;
	char err[1024];
	int r;

	if ((r = ld_config_load(w->conf, &conf, err, sizeof(err))) < 0) {
		fprintf(stderr, "fuzz world: %s\n", err);
		abort();
	}
	if ((r = ld_node_new(conf, &w->n)) < 0)
		die("ld_node_new", r);
	ld_node_set_tap(w->n, &w->tap);
	data_stat(w, &w->st);
}

/* Remove the world's directory at exit (the node is closed first). */
static fw_node_t *live;

static void cleanup(void)
{
	if (!live)
		return;
	ld_node_destroy(&live->n);
	remove_tree(live->dir);
}

fw_node_t *fw_node_new(const ld_node_tap_t *tap)
{
	fw_node_t *w = calloc(1, sizeof(*w));
	const char *tmp = getenv("TMPDIR");
	char path[700], text[1024];
	ld_curve_pair_t cp;
	int r;

	if (!w)
		die("out of memory", -ENOMEM);
	if (!world.made)
		make_world();
	ld_log_set_level(LD_LOG_ERROR);
	ld_mono_override(harness_clock);
	w->tap = *tap;
	snprintf(w->dir, sizeof(w->dir), "%s/ld-fuzz-node-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(w->dir))
		die("mkdtemp", -errno);
	snprintf(w->data, sizeof(w->data), "%s/data", w->dir);
	snprintf(w->pristine, sizeof(w->pristine), "%s/pristine", w->dir);
	snprintf(w->conf, sizeof(w->conf), "%s/node.conf", w->dir);
	snprintf(path, sizeof(path), "%s/node.key", w->dir);
	if ((r = ld_key_save(world.keys[FW_SELF], path)) < 0)
		die("ld_key_save", r);
	snprintf(path, sizeof(path), "%s/node.curve", w->dir);
	if ((r = ld_curve_create(path, &cp)) < 0)
		die("ld_curve_create", r);
	snprintf(path, sizeof(path), "%s/root.pub", w->dir);
	if ((r = ld_pubkey_save_hex(world.pubs[FW_PROVINCE], path)) < 0)
		die("ld_pubkey_save_hex", r);
	/* The escalation watcher is not a network input: off. */
	snprintf(text, sizeof(text),
		 "[node]\nid = %s\ndata = data\nkey = node.key\n"
		 "curve = node.curve\nroot = root.pub\nlog_level = error\n"
		 "[escalation]\nenabled = no\n",
		 ids[FW_SELF]);
	write_file(w->conf, text, strlen(text), 0600);
	node_start(w);
	for (int i = 0; i < FW_N; i++) {
		const fw_feed_t *fd = &world.feeds[i];
		ld_ingest_batch_t b = {.entries = fd->e, .n = fd->held};

		if (!fd->held)
			continue;
		if ((r = ld_store_ingest(w->n->store, &b, 1, LD_CHAIN_EACH_SIG)) < 0 ||
		    b.status < 0)
			die("storing the world", r < 0 ? r : b.status);
	}
	ld_node_roster_changed(w->n);
	/* The pristine copy every input that changes something returns to. */
	ld_node_destroy(&w->n);
	copy_tree(w->data, w->pristine);
	node_start(w);
	live = w;
	atexit(cleanup);
	return w;
}

ld_node_t *fw_node(fw_node_t *w)
{
	return w->n;
}

bool fw_store_changed(fw_node_t *w)
{
	struct stat st;

	data_stat(w, &st);
	return st.st_size != w->st.st_size || st.st_mtim.tv_sec != w->st.st_mtim.tv_sec ||
	       st.st_mtim.tv_nsec != w->st.st_mtim.tv_nsec;
}

/* Does directory 'dir' hold a regular file anywhere below? */
static bool has_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char p[1024];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0)
			found = S_ISDIR(st.st_mode) ? has_files(p) : true;
	}
	closedir(d);
	return found;
}

/* What an input left that the store and the evidence files do not hold
 * (fetches that wrote nothing, sessions, case histories asked for) is
 * reset in place; anything else means starting the node again from the
 * pristine copy. Opening LMDB is what costs (a few ms), so only the inputs
 * that wrote something pay it. */
void fw_node_settle(fw_node_t *w)
{
	ld_node_t *n = w->n;
	bool fetched = n->bx->next_req != 1 || n->n_history;
	char blobs[700];

	for (size_t i = 0; i < FETCH_MAX; i++)
		fetched = fetched || n->bx->f[i].used;
	for (size_t i = 0; i < SESS_MAX; i++)
		fetched = fetched || n->bx->s[i].used;
	snprintf(blobs, sizeof(blobs), "%s/blobs", w->data);
	if (!fw_store_changed(w) && !n->revoked && !n->n_waiters && !ld_outbox_pending(n->outbox) &&
	    !(fetched && has_files(blobs))) {
		if (fetched) {
			for (size_t i = 0; i < FETCH_MAX; i++)
				if (n->bx->f[i].used)
					bx_fetch_free(&n->bx->f[i]);
			bx_sess_drop_link(n, NULL);
			n->bx->next_req = 1;
			n->n_history = 0;
		}
		return;
	}
	ld_node_destroy(&w->n);
	remove_tree(w->data);
	copy_tree(w->pristine, w->data);
	node_start(w);
}

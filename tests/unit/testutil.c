/* tests/unit/testutil.c: see testutil.h. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "roster.pb-c.h"
#include "testutil.h"

static void die(const char *what, int r)
{
	fprintf(stderr, "testutil: %s failed: %d (%s)\n", what, r, r < 0 ? strerror(-r) : "");
	abort();
}

char *tu_tmpdir(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (asprintf(&path, "%s/ld-%s-XXXXXX", base && *base ? base : "/tmp", tag) < 0)
		abort();
	if (!mkdtemp(path))
		die("mkdtemp", -errno);
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void tu_rmrf(const char *dir)
{
	if (dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void tu_node_init(tu_node_t *n, const char *id)
{
	int r;

	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", id);
	if ((r = ld_key_generate(&n->key)) < 0)
		die("ld_key_generate", r);
	ld_key_public(n->key, n->pub);
}

void tu_node_fini(tu_node_t *n)
{
	ld_key_destroy(&n->key);
}

static ld_entry_t *build(tu_node_t *n, uint32_t kind, const void *payload, size_t len,
			 const char *const *audience, size_t n_audience)
{
	ld_entry_draft_t d = {
		.author = n->id,
		.seq = n->seq + 1,
		.prev = n->seq ? n->head : NULL,
		.time_ms = n->time_ms ? n->time_ms : 1764000000000 + (int64_t)n->seq,
		.kind = kind,
		.audience = audience,
		.n_audience = n_audience,
		.everyone = audience == NULL,
		.payload = payload,
		.payload_len = len,
	};
	ld_entry_t *e;
	int r = ld_entry_build(&d, n->key, &e);

	if (r < 0)
		die("ld_entry_build", r);
	return e;
}

ld_entry_t *tu_next(tu_node_t *n, uint32_t kind, const void *payload, size_t len,
		    const char *const *audience, size_t n_audience)
{
	ld_entry_t *e = build(n, kind, payload, len, audience, n_audience);

	n->seq = e->hdr->seq;
	memcpy(n->head, e->id, LD_ID_LEN);
	return e;
}

ld_entry_t *tu_fork(tu_node_t *n, uint32_t kind, const void *payload, size_t len)
{
	return build(n, kind, payload, len, NULL, 0);
}

ld_entry_t *tu_roster(tu_node_t *root, int action, const char *node_id, const uint8_t *key,
		      const char *superior, uint64_t from_seq)
{
	Ld__RosterUpdate u = LD__ROSTER_UPDATE__INIT;
	uint8_t buf[1024];
	size_t len;

	u.has_action = true;
	u.action = action;
	u.node_id = (char *)node_id;
	u.name = (char *)node_id;
	u.has_kind = true;
	u.kind = LD__NODE_KIND__NODE_BUREAU;
	u.region_code = "330100";
	u.superior = (char *)superior;
	if (key) {
		u.has_sign_key = true;
		u.sign_key.data = (uint8_t *)key;
		u.sign_key.len = LD_PUBKEY_LEN;
	}
	if (action == LD__ROSTER_UPDATE__ACTION__ROTATE_KEY) {
		u.has_key_from_seq = true;
		u.key_from_seq = from_seq;
	}
	if (action == LD__ROSTER_UPDATE__ACTION__REVOKE) {
		u.has_last_valid_seq = true;
		u.last_valid_seq = from_seq;
		u.reason = "test revocation";
	}
	len = ld__roster_update__pack(&u, buf);
	return tu_next(root, LD__KIND__KIND_ROSTER_UPDATE, buf, len, NULL, 0);
}

ld_store_t *tu_store_with_roster(const char *dir, tu_node_t *root, tu_node_t *const *members,
				 size_t n_members)
{
	ld_entry_t **run = calloc(n_members + 1, sizeof(*run));
	ld_store_t *s;
	int r;

	if ((r = ld_views_open(dir, root->pub, NULL, &s)) < 0)
		die("ld_store_open", r);
	if (root->seq == 0)
		run[0] = tu_roster(root, LD__ROSTER_UPDATE__ACTION__ADD, root->id, root->pub, NULL,
				   0);
	for (size_t i = 0; i < n_members; i++)
		run[i + 1] = tu_roster(root, LD__ROSTER_UPDATE__ACTION__ADD, members[i]->id,
				       members[i]->pub, root->id, 0);
	r = tu_ingest(s, run[0] ? run : run + 1, run[0] ? n_members + 1 : n_members,
		      LD_CHAIN_EACH_SIG, NULL, NULL);
	if (r < 0)
		die("roster ingest", r);
	tu_free_run(run, n_members + 1);
	free(run);
	return s;
}

int tu_ingest(ld_store_t *s, ld_entry_t *const *run, size_t n, enum ld_chain_mode mode, size_t *bad,
	      size_t *n_new)
{
	ld_ingest_batch_t b = {.entries = run, .n = n};
	int r = ld_store_ingest(s, &b, 1, mode);

	if (bad)
		*bad = b.bad;
	if (n_new)
		*n_new = b.n_new;
	return r < 0 ? r : b.status;
}

uint8_t *tu_wire(const ld_entry_t *e, size_t *len)
{
	uint8_t *buf = malloc(ld_entry_wire_size(e, true));

	if (!buf)
		abort();
	*len = ld_entry_encode(e, true, buf);
	return buf;
}

void tu_free_run(ld_entry_t **run, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ld_entry_destroy(&run[i]);
}

double tu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* common/files/bundle.c: see bundle.h and docs/BUNDLE.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "case.pb-c.h"
#include "common/files/bundle.h"
#include "common/domain/casefile.h"
#include "common/base/errors.h"
#include "common/crypto/key.h"
#include "common/feed/roster.h"
#include "common/feed/kinds.h"
#include "evidence.pb-c.h"
#include "receipt.pb-c.h"
#include "roster.pb-c.h"

#define IO_CHUNK (256 * 1024)

/* ---- writing ---- */

struct ld_bundle_writer {
	char *path, *part;
	FILE *f;
	EVP_MD_CTX *md;
	bool done;
};

static int w_bytes(ld_bundle_writer_t *w, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->f) != n)
		return -errno ? -errno : -EIO;
	return EVP_DigestUpdate(w->md, p, n) == 1 ? 0 : -EIO;
}

static int w_record(ld_bundle_writer_t *w, uint8_t type, uint64_t len)
{
	uint8_t h[9] = {type};

	for (int i = 0; i < 8; i++)
		h[1 + i] = (uint8_t)(len >> (56 - 8 * i));
	return w_bytes(w, h, sizeof(h));
}

int ld_bundle_create(const char *path, ld_bundle_writer_t **ret)
{
	ld_bundle_writer_t *w = calloc(1, sizeof(*w));
	uint8_t ver[4] = {0, 0, 0, LD_BUNDLE_VERSION};
	int fd, r = -EIO;

	if (!w)
		return -ENOMEM;
	w->path = strdup(path);
	w->part = malloc(strlen(path) + 6);
	w->md = EVP_MD_CTX_new();
	if (!w->path || !w->part || !w->md) {
		ld_bundle_writer_destroy(&w);
		return -ENOMEM;
	}
	sprintf(w->part, "%s.part", path);
	fd = open(w->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(w->f = fdopen(fd, "wb"))) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		ld_bundle_writer_destroy(&w);
		return r;
	}
	if (EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1 ||
	    (r = w_bytes(w, LD_BUNDLE_MAGIC, 16)) < 0 || (r = w_bytes(w, ver, 4)) < 0) {
		ld_bundle_writer_destroy(&w);
		return r < 0 ? r : -EIO;
	}
	*ret = w;
	return 0;
}

int ld_bundle_add_entry(ld_bundle_writer_t *w, const void *wire, size_t len)
{
	int r = w_record(w, LD_BREC_ENTRY, len);

	return r < 0 ? r : w_bytes(w, wire, len);
}

int ld_file_sha256(const char *path, uint8_t out[32], uint64_t *ret_size)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t *buf = malloc(IO_CHUNK);
	FILE *f = fopen(path, "rb");
	uint64_t total = 0;
	size_t n;
	int r = 0;

	if (!md || !buf || !f) {
		r = !f ? -errno : -ENOMEM;
		goto out;
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while ((n = fread(buf, 1, IO_CHUNK, f)) > 0) {
		EVP_DigestUpdate(md, buf, n);
		total += n;
	}
	if (ferror(f))
		r = -EIO;
	else if (EVP_DigestFinal_ex(md, out, NULL) != 1)
		r = -EIO;
	if (ret_size)
		*ret_size = total;
out:
	if (f)
		fclose(f);
	free(buf);
	EVP_MD_CTX_free(md);
	return r;
}

int ld_bundle_add_file(ld_bundle_writer_t *w, const char *file_path, const uint8_t sha256[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t *buf = malloc(IO_CHUNK), got[32];
	FILE *f = fopen(file_path, "rb");
	uint64_t size = 0, done = 0;
	struct stat sb;
	size_t n;
	int r;

	if (!md || !buf || !f) {
		r = !f ? -errno : -ENOMEM;
		goto out;
	}
	if (fstat(fileno(f), &sb) != 0) {
		r = -errno;
		goto out;
	}
	size = (uint64_t)sb.st_size;
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	if ((r = w_record(w, LD_BREC_FILE, 32 + size)) < 0 || (r = w_bytes(w, sha256, 32)) < 0)
		goto out;
	while (done < size && (n = fread(buf, 1, IO_CHUNK, f)) > 0) {
		if (n > size - done)
			n = (size_t)(size - done);
		EVP_DigestUpdate(md, buf, n);
		if ((r = w_bytes(w, buf, n)) < 0)
			goto out;
		done += n;
	}
	EVP_DigestFinal_ex(md, got, NULL);
	/* The file changed since it was hashed for the manifest. */
	r = done != size || memcmp(got, sha256, 32) ? -EILSEQ : 0;
out:
	if (f)
		fclose(f);
	free(buf);
	EVP_MD_CTX_free(md);
	return r;
}

int ld_bundle_finish(ld_bundle_writer_t *w)
{
	uint8_t d[32];
	int r = w_record(w, LD_BREC_END, 32);

	if (r < 0)
		return r;
	if (EVP_DigestFinal_ex(w->md, d, NULL) != 1)
		return -EIO;
	if (fwrite(d, 1, 32, w->f) != 32 || fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)
		return -errno ? -errno : -EIO;
	r = fclose(w->f);
	w->f = NULL;
	if (r != 0 || rename(w->part, w->path) != 0)
		return -errno;
	w->done = true;
	return 0;
}

void ld_bundle_writer_destroy(ld_bundle_writer_t **w_p)
{
	ld_bundle_writer_t *w;

	if (!w_p || !*w_p)
		return;
	w = *w_p;
	if (w->f)
		fclose(w->f);
	if (!w->done && w->part)
		unlink(w->part);
	EVP_MD_CTX_free(w->md);
	free(w->path);
	free(w->part);
	free(w);
	*w_p = NULL;
}

/* ---- verifying ---- */

struct vfile {
	uint8_t declared[32], actual[32];
	uint64_t size;
	size_t record;
};

struct member {
	Ld__RosterNode *n;
};

struct verify {
	FILE *out;
	char *why;
	size_t why_len;
	int err;
	ld_entry_t **e;
	size_t n, cap;
	size_t *rec; /* record number of e[i] */
	struct vfile *files;
	size_t n_files;
	Ld__RosterNode **roster;
	size_t n_roster;
	char root_id[LD_NODE_ID_MAX + 1];
	ld_keycache_t *keys;
};

/* Record the first failure; print every failure. */
static int fail(struct verify *v, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct verify *v, int code, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (v->out)
		fprintf(v->out, "FAILED: %s\n", buf);
	if (!v->err) {
		v->err = code;
		snprintf(v->why, v->why_len, "%s", buf);
	}
	return code;
}

static const char *kind_name(uint32_t k)
{
	static const char *const n[] = {"?",
					"roster update",
					"referral",
					"referral response",
					"evidence record",
					"attestation",
					"custody transfer",
					"dispatch",
					"action response",
					"case update",
					"delivery receipt",
					"escalation",
					"case export",
					"consultation",
					"consultation answer",
					"consultation minutes",
					"liaison directory"};

	return k < sizeof(n) / sizeof(n[0]) ? n[k] : "unknown kind";
}

static int read_all(FILE *f, void *p, size_t n)
{
	return fread(p, 1, n, f) == n ? 0 : -EIO;
}

static int add_entry(struct verify *v, ld_entry_t *e, size_t rec)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 256;
		ld_entry_t **ne = realloc(v->e, cap * sizeof(*ne));
		size_t *nr = ne ? realloc(v->rec, cap * sizeof(*nr)) : NULL;

		if (ne)
			v->e = ne;
		if (!ne || !nr)
			return -ENOMEM;
		v->rec = nr;
		v->cap = cap;
	}
	v->rec[v->n] = rec;
	v->e[v->n++] = e;
	return 0;
}

/* Read every record; entries parsed (payload hashes checked), files hashed
 * as they stream past, the end digest compared. */
static int read_bundle(struct verify *v, FILE *f)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t hdr[20], rh[9], *buf = malloc(LD_ENTRY_MAX);
	bool ended = false;
	int r = 0;

	if (!md || !buf) {
		r = -ENOMEM;
		goto out;
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	if (read_all(f, hdr, sizeof(hdr)) < 0 || memcmp(hdr, LD_BUNDLE_MAGIC, 16)) {
		r = fail(v, LD_EMALFORMED, "not a liandong case bundle (no bundle header)");
		goto out;
	}
	if (hdr[16] || hdr[17] || hdr[18] || hdr[19] != LD_BUNDLE_VERSION) {
		r = fail(v, LD_EVERSION,
			 "bundle format version %u is not supported (this verifier "
			 "reads version %u)",
			 hdr[19], LD_BUNDLE_VERSION);
		goto out;
	}
	EVP_DigestUpdate(md, hdr, sizeof(hdr));
	for (size_t rec = 1; !ended; rec++) {
		uint64_t len = 0;

		if (read_all(f, rh, sizeof(rh)) < 0) {
			r = fail(v, LD_EMALFORMED,
				 "the bundle is truncated after record %zu (no end "
				 "record)",
				 rec - 1);
			goto out;
		}
		for (int i = 0; i < 8; i++)
			len = len << 8 | rh[1 + i];
		if (rh[0] == LD_BREC_END) {
			uint8_t want[32], got[32];

			if (len != 32 || read_all(f, want, 32) < 0) {
				r = fail(v, LD_EMALFORMED, "record %zu: malformed end record", rec);
				goto out;
			}
			EVP_DigestUpdate(md, rh, sizeof(rh));
			EVP_DigestFinal_ex(md, got, NULL);
			if (memcmp(want, got, 32))
				fail(v, LD_EMALFORMED,
				     "the bundle's bytes do not match its end digest: "
				     "it was changed or damaged after it was written");
			if (fgetc(f) != EOF)
				fail(v, LD_EMALFORMED, "bytes follow the end record");
			ended = true;
			continue;
		}
		EVP_DigestUpdate(md, rh, sizeof(rh));
		if (rh[0] == LD_BREC_ENTRY) {
			ld_entry_t *e;

			if (len > LD_ENTRY_MAX) {
				r = fail(v, LD_ETOOBIG,
					 "record %zu: an entry of %llu bytes is over the "
					 "limit",
					 rec, (unsigned long long)len);
				goto out;
			}
			if (read_all(f, buf, (size_t)len) < 0) {
				r = fail(v, LD_EMALFORMED, "record %zu: truncated entry", rec);
				goto out;
			}
			EVP_DigestUpdate(md, buf, (size_t)len);
			if ((r = ld_entry_parse(buf, (size_t)len, &e)) < 0) {
				fail(v, r, "record %zu: entry does not verify as bytes: %s", rec,
				     ld_strerror(r));
				continue;
			}
			if ((r = add_entry(v, e, rec)) < 0) {
				ld_entry_destroy(&e);
				goto out;
			}
		} else if (rh[0] == LD_BREC_FILE) {
			struct vfile *vf;
			uint64_t left;
			EVP_MD_CTX *fmd;

			if (len < 32) {
				r = fail(v, LD_EMALFORMED, "record %zu: malformed file record",
					 rec);
				goto out;
			}
			vf = realloc(v->files, (v->n_files + 1) * sizeof(*vf));
			if (!vf) {
				r = -ENOMEM;
				goto out;
			}
			v->files = vf;
			vf = &v->files[v->n_files++];
			vf->record = rec;
			vf->size = left = len - 32;
			if (read_all(f, vf->declared, 32) < 0) {
				r = fail(v, LD_EMALFORMED, "record %zu: truncated file record",
					 rec);
				goto out;
			}
			EVP_DigestUpdate(md, vf->declared, 32);
			fmd = EVP_MD_CTX_new();
			if (!fmd) {
				r = -ENOMEM;
				goto out;
			}
			EVP_DigestInit_ex(fmd, EVP_sha256(), NULL);
			while (left) {
				size_t n = left < LD_ENTRY_MAX ? (size_t)left : LD_ENTRY_MAX;

				if (read_all(f, buf, n) < 0)
					break;
				EVP_DigestUpdate(fmd, buf, n);
				EVP_DigestUpdate(md, buf, n);
				left -= n;
			}
			EVP_DigestFinal_ex(fmd, vf->actual, NULL);
			EVP_MD_CTX_free(fmd);
			if (left) {
				r = fail(v, LD_EMALFORMED, "record %zu: truncated evidence file",
					 rec);
				goto out;
			}
		} else {
			r = fail(v, LD_EMALFORMED, "record %zu: unknown record type %u", rec,
				 rh[0]);
			goto out;
		}
	}
	r = 0;
out:
	free(buf);
	EVP_MD_CTX_free(md);
	return r;
}

static int cmp_entry(const void *x, const void *y)
{
	const ld_entry_t *a = *(ld_entry_t *const *)x, *b = *(ld_entry_t *const *)y;
	int c = strcmp(a->hdr->author, b->hdr->author);

	if (c)
		return c;
	return a->hdr->seq < b->hdr->seq ? -1 : a->hdr->seq > b->hdr->seq;
}

struct pair {
	ld_entry_t *e;
	size_t rec;
};

static int cmp_pair(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;

	return cmp_entry(&a->e, &b->e);
}

/* By (author, seq), record numbers kept with their entries. */
static int sort_entries(struct verify *v)
{
	struct pair *p = malloc((v->n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++)
		p[i] = (struct pair){v->e[i], v->rec[i]};
	qsort(p, v->n, sizeof(*p), cmp_pair);
	for (size_t i = 0; i < v->n; i++) {
		v->e[i] = p[i].e;
		v->rec[i] = p[i].rec;
	}
	free(p);
	return 0;
}

static Ld__RosterNode *member(struct verify *v, const char *id, size_t *idx)
{
	for (size_t i = 0; i < v->n_roster; i++)
		if (!strcmp(v->roster[i]->node_id, id)) {
			if (idx)
				*idx = i;
			return v->roster[i];
		}
	return NULL;
}

/* The root's feed, from #1, contiguous: it vouches for every key. */
static int check_root(struct verify *v, const uint8_t root_pub[LD_PUBKEY_LEN])
{
	const ld_pubkey_t *pub;
	size_t i, first = v->n;
	uint64_t want = 1;
	int r;

	for (i = 0; i < v->n; i++)
		if (v->e[i]->hdr->seq == 1 && v->e[i]->hdr->kind == LD__KIND__KIND_ROSTER_UPDATE &&
		    v->e[i]->hdr->signer.len == LD_PUBKEY_LEN &&
		    !memcmp(v->e[i]->hdr->signer.data, root_pub, LD_PUBKEY_LEN)) {
			first = i;
			break;
		}
	if (first == v->n)
		return fail(
			v, LD_EWRONGKEY,
			"no entry in the bundle is signed by the given root key: "
			"the key is not this network's root, or the roster entries were removed");
	snprintf(v->root_id, sizeof(v->root_id), "%s", v->e[first]->hdr->author);
	if ((r = ld_keycache_get(v->keys, root_pub, &pub)) < 0)
		return r;
	for (i = first; i < v->n && !strcmp(v->e[i]->hdr->author, v->root_id); i++, want++) {
		const ld_entry_t *e = v->e[i];
		Ld__RosterUpdate *u;
		Ld__RosterNode *next = NULL, *cur;
		const char *why = NULL;
		size_t at = 0;

		if (e->hdr->seq != want)
			return fail(v, LD_EGAP, "root feed %s: entry #%llu is missing", v->root_id,
				    (unsigned long long)want);
		if ((r = ld_entry_verify(e, pub)) < 0)
			return fail(v, r, "root feed %s #%llu (record %zu): %s", v->root_id,
				    (unsigned long long)want, v->rec[i], ld_strerror(r));
		if (i > first &&
		    (r = ld_entry_check_next(e, v->root_id, want - 1, v->e[i - 1]->id)) < 0)
			return fail(v, r, "root feed %s #%llu does not link to #%llu: %s",
				    v->root_id, (unsigned long long)want,
				    (unsigned long long)want - 1, ld_strerror(r));
		if (e->hdr->kind != LD__KIND__KIND_ROSTER_UPDATE)
			continue;
		if (!e->has_payload)
			return fail(v, LD_EMALFORMED,
				    "root feed %s #%llu: a roster update without its "
				    "content",
				    v->root_id, (unsigned long long)want);
		u = ld_entry_payload(e, LD__KIND__KIND_ROSTER_UPDATE);
		if (!u)
			return fail(v, LD_EMALFORMED,
				    "root feed %s #%llu: roster update does not "
				    "decode",
				    v->root_id, (unsigned long long)want);
		cur = u->node_id ? member(v, u->node_id, &at) : NULL;
		/* A refused update changes nothing, as in the store. */
		if (ld_roster_apply(cur, u, e->hdr->seq, v->root_id, &next, &why) == 0 && next) {
			if (cur) {
				ld__roster_node__free_unpacked(cur, NULL);
				v->roster[at] = next;
			} else {
				Ld__RosterNode **nr =
					realloc(v->roster, (v->n_roster + 1) * sizeof(*nr));

				if (!nr) {
					ld__roster_node__free_unpacked(next, NULL);
					ld__roster_update__free_unpacked(u, NULL);
					return -ENOMEM;
				}
				v->roster = nr;
				v->roster[v->n_roster++] = next;
			}
		}
		ld__roster_update__free_unpacked(u, NULL);
	}
	return 0;
}

/* Every other feed: each entry signed by the key the roster gives its
 * author at that seq, consecutive entries linked, no gap. */
static void check_feeds(struct verify *v)
{
	for (size_t i = 0; i < v->n; i++) {
		const ld_entry_t *e = v->e[i], *p = i ? v->e[i - 1] : NULL;
		bool same = p && !strcmp(p->hdr->author, e->hdr->author);
		const Ld__RosterNode *m;
		const ld_pubkey_t *pub;
		int r;

		if (!strcmp(e->hdr->author, v->root_id))
			continue;
		if (same && p->hdr->seq == e->hdr->seq) {
			if (memcmp(p->id, e->id, LD_ID_LEN))
				fail(v, LD_EEQUIVOCATION,
				     "feed %s #%llu: two different entries (records "
				     "%zu and %zu)",
				     e->hdr->author, (unsigned long long)e->hdr->seq, v->rec[i - 1],
				     v->rec[i]);
			continue;
		}
		if (!(m = member(v, e->hdr->author, NULL))) {
			fail(v, LD_EUNKNOWN, "feed %s #%llu: the author is not in the roster",
			     e->hdr->author, (unsigned long long)e->hdr->seq);
			continue;
		}
		if ((r = ld_roster_check_key(m, e->hdr->seq, e->hdr->signer.data,
					     e->hdr->time_ms)) < 0 ||
		    (r = ld_keycache_get(v->keys, e->hdr->signer.data, &pub)) < 0 ||
		    (r = ld_entry_verify(e, pub)) < 0) {
			fail(v, r, "feed %s #%llu (record %zu): %s", e->hdr->author,
			     (unsigned long long)e->hdr->seq, v->rec[i], ld_strerror(r));
			continue;
		}
		if (same && e->hdr->seq != p->hdr->seq + 1)
			fail(v, LD_EGAP,
			     "feed %s: entries #%llu to #%llu are missing (an entry was "
			     "removed from the bundle)",
			     e->hdr->author, (unsigned long long)p->hdr->seq + 1,
			     (unsigned long long)e->hdr->seq - 1);
		else if (same &&
			 (r = ld_entry_check_next(e, e->hdr->author, p->hdr->seq, p->id)) < 0)
			fail(v, r, "feed %s #%llu does not link to #%llu: %s", e->hdr->author,
			     (unsigned long long)e->hdr->seq, (unsigned long long)p->hdr->seq,
			     ld_strerror(r));
	}
}

static const ld_entry_t *find(const struct verify *v, const char *feed, uint64_t seq)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->e[i]->hdr->seq == seq && !strcmp(v->e[i]->hdr->author, feed))
			return v->e[i];
	return NULL;
}

static void when(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%SZ", &tm))
		snprintf(buf, n, "?");
}

static void describe(const ld_entry_t *e, char *buf, size_t n)
{
	snprintf(buf, n, "%s", kind_name(e->hdr->kind));
	if (!e->has_payload)
		return;
	if (e->hdr->kind == LD__KIND__KIND_CASE_REFERRAL) {
		Ld__CaseReferral *m = ld_entry_payload(e, LD__KIND__KIND_CASE_REFERRAL);

		if (m) {
			snprintf(buf, n, "referral to %s: %.200s",
				 m->addressee ? m->addressee : "?", m->title ? m->title : "");
			ld__case_referral__free_unpacked(m, NULL);
		}
	} else if (e->hdr->kind == LD__KIND__KIND_REFERRAL_RESPONSE) {
		Ld__ReferralResponse *m = ld_entry_payload(e, LD__KIND__KIND_REFERRAL_RESPONSE);

		if (m) {
			snprintf(buf, n, "answer: %s%s%.200s", ld_decision_name(m->decision),
				 m->reason ? ": " : "", m->reason ? m->reason : "");
			ld__referral_response__free_unpacked(m, NULL);
		}
	} else if (e->hdr->kind == LD__KIND__KIND_EVIDENCE_RECORD) {
		Ld__EvidenceRecord *m = ld_entry_payload(e, LD__KIND__KIND_EVIDENCE_RECORD);

		if (m) {
			snprintf(buf, n, "evidence %s: %.120s (%llu bytes)",
				 m->evidence_id ? m->evidence_id : "?",
				 m->file_name ? m->file_name : "", (unsigned long long)m->size);
			ld__evidence_record__free_unpacked(m, NULL);
		}
	}
}

/* The manifest: the latest case-export entry. Everything it lists must be
 * there, and every entry with content must be listed. */
static void check_manifest(struct verify *v)
{
	const ld_entry_t *me = NULL;
	Ld__CaseExport *m;
	bool *listed = calloc(v->n + 1, sizeof(*listed)), *file_listed;
	char hex[65], t[40];

	for (size_t i = 0; i < v->n; i++)
		if (v->e[i]->hdr->kind == LD__KIND__KIND_CASE_EXPORT && v->e[i]->has_payload &&
		    (!me || v->e[i]->hdr->time_ms >= me->hdr->time_ms))
			me = v->e[i];
	/* Out of memory fails the check: it never passes unchecked. */
	if (!listed) {
		fail(v, -ENOMEM, "out of memory while checking the manifest");
		return;
	}
	if (!me || !(m = ld_entry_payload(me, LD__KIND__KIND_CASE_EXPORT))) {
		fail(v, LD_EMALFORMED, "the bundle holds no readable manifest (case-export entry)");
		free(listed);
		return;
	}
	when(me->hdr->time_ms, t, sizeof(t));
	if (v->out)
		fprintf(v->out, "Case %s, exported by %s #%llu at %s%s%s\n",
			m->case_id ? m->case_id : "?", me->hdr->author,
			(unsigned long long)me->hdr->seq, t, m->recipient ? " for " : "",
			m->recipient ? m->recipient : "");
	for (size_t j = 0; j < m->n_entries; j++) {
		const Ld__EntryRef *ref = m->entries[j];
		const ld_entry_t *e = ref->feed ? find(v, ref->feed, ref->seq) : NULL;

		if (!e || !e->has_payload) {
			fail(v, LD_EGAP, "%s #%llu, listed in the manifest, is %s",
			     ref->feed ? ref->feed : "?", (unsigned long long)ref->seq,
			     e ? "there without its content" : "missing");
			continue;
		}
		if (ref->id.len != LD_ID_LEN || memcmp(ref->id.data, e->id, LD_ID_LEN)) {
			fail(v, LD_ELINK, "%s #%llu is not the entry the manifest lists", ref->feed,
			     (unsigned long long)ref->seq);
			continue;
		}
		for (size_t i = 0; i < v->n; i++)
			if (v->e[i] == e)
				listed[i] = true;
	}
	for (size_t i = 0; i < v->n; i++)
		if (v->e[i]->has_payload && !listed[i] && v->e[i] != me &&
		    v->e[i]->hdr->kind != LD__KIND__KIND_ROSTER_UPDATE)
			fail(v, LD_EMALFORMED,
			     "%s #%llu (record %zu) has content but is not in the "
			     "manifest",
			     v->e[i]->hdr->author, (unsigned long long)v->e[i]->hdr->seq,
			     v->rec[i]);
	file_listed = calloc(m->n_file_sha256 + 1, sizeof(*file_listed));
	if (!file_listed)
		fail(v, -ENOMEM, "out of memory while checking the evidence files");
	for (size_t k = 0; file_listed && k < v->n_files; k++) {
		struct vfile *f = &v->files[k];
		bool known = false;

		ld_hex(f->declared, 32, hex);
		for (size_t j = 0; j < m->n_file_sha256; j++)
			if (m->file_sha256[j].len == 32 &&
			    !memcmp(m->file_sha256[j].data, f->declared, 32))
				known = file_listed[j] = true;
		if (memcmp(f->declared, f->actual, 32))
			fail(v, LD_EPAYLOAD,
			     "evidence file %.16s... (record %zu): its bytes do not "
			     "match its SHA-256 (the file was substituted or damaged)",
			     hex, f->record);
		else if (!known)
			fail(v, LD_EMALFORMED,
			     "evidence file %.16s... (record %zu) is not in the "
			     "manifest",
			     hex, f->record);
		else if (v->out)
			fprintf(v->out, "  evidence file %s: %llu bytes, SHA-256 matches\n", hex,
				(unsigned long long)f->size);
	}
	for (size_t j = 0; file_listed && j < m->n_file_sha256; j++)
		if (!file_listed[j]) {
			ld_hex(m->file_sha256[j].data, m->file_sha256[j].len == 32 ? 32 : 0, hex);
			fail(v, LD_EGAP,
			     "evidence file %.16s..., listed in the manifest, is missing", hex);
		}
	free(file_listed);
	free(listed);
	ld__case_export__free_unpacked(m, NULL);
}

static int cmp_time(const void *x, const void *y)
{
	const ld_entry_t *a = *(ld_entry_t *const *)x, *b = *(ld_entry_t *const *)y;

	if (a->hdr->time_ms != b->hdr->time_ms)
		return a->hdr->time_ms < b->hdr->time_ms ? -1 : 1;
	return cmp_entry(x, y);
}

static void report(struct verify *v)
{
	ld_entry_t **byt = malloc((v->n + 1) * sizeof(*byt));
	size_t n = 0;
	char t[40], d[300];

	if (!byt || !v->out)
		goto out;
	for (size_t i = 0; i < v->n; i++)
		if (v->e[i]->has_payload && v->e[i]->hdr->kind != LD__KIND__KIND_ROSTER_UPDATE)
			byt[n++] = v->e[i];
	qsort(byt, n, sizeof(*byt), cmp_time);
	fprintf(v->out, "\nWho said what, when (author time; every entry signed and verified):\n");
	for (size_t i = 0; i < n; i++) {
		when(byt[i]->hdr->time_ms, t, sizeof(t));
		describe(byt[i], d, sizeof(d));
		fprintf(v->out, "  %s  %-14s #%-5llu %s\n", t, byt[i]->hdr->author,
			(unsigned long long)byt[i]->hdr->seq, d);
	}
	fprintf(v->out, "\nDelivery, proved by signed receipts:\n");
	for (size_t i = 0; i < n; i++) {
		Ld__DeliveryReceipt *m;

		if (byt[i]->hdr->kind != LD__KIND__KIND_DELIVERY_RECEIPT ||
		    !(m = ld_entry_payload(byt[i], LD__KIND__KIND_DELIVERY_RECEIPT)))
			continue;
		when(m->received_ms, t, sizeof(t));
		for (size_t j = 0; j < m->n_entries; j++) {
			const ld_entry_t *e = m->entries[j]->feed ? find(v, m->entries[j]->feed,
									 m->entries[j]->seq)
								  : NULL;

			if (e && e->has_payload && m->entries[j]->id.len == LD_ID_LEN &&
			    !memcmp(m->entries[j]->id.data, e->id, LD_ID_LEN))
				fprintf(v->out, "  %s received %s #%llu at %s (receipt %s #%llu)\n",
					byt[i]->hdr->author, e->hdr->author,
					(unsigned long long)e->hdr->seq, t, byt[i]->hdr->author,
					(unsigned long long)byt[i]->hdr->seq);
		}
		ld__delivery_receipt__free_unpacked(m, NULL);
	}
out:
	free(byt);
}

int ld_bundle_verify(const char *path, const uint8_t root_pub[LD_PUBKEY_LEN], FILE *out, char *why,
		     size_t why_len)
{
	struct verify v = {.out = out, .why = why, .why_len = why_len};
	FILE *f = fopen(path, "rb");
	char fp[LD_FINGERPRINT_SIZE];
	int r;

	if (why_len)
		why[0] = '\0';
	if (!f) {
		r = -errno;
		snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
		return r;
	}
	if ((r = ld_keycache_new(&v.keys)) < 0)
		goto out;
	r = read_bundle(&v, f);
	if (r == 0 && !v.err) {
		if ((r = sort_entries(&v)) < 0)
			goto out;
		if ((r = check_root(&v, root_pub)) == 0) {
			ld_fingerprint(root_pub, fp);
			if (out)
				fprintf(out,
					"Root %s (key %s): roster of %zu units rebuilt from its feed\n",
					v.root_id, fp, v.n_roster);
			check_feeds(&v);
			check_manifest(&v);
			report(&v);
		}
	}
	if (r == 0)
		r = v.err;
	if (out)
		fprintf(out,
			r == 0 ? "\nVERIFIED: %zu entries, %zu evidence files, under root %s\n"
			       : "\nNOT VERIFIED (%zu entries, %zu files read): see the failures above\n",
			v.n, v.n_files, v.root_id);
out:
	fclose(f);
	for (size_t i = 0; i < v.n; i++)
		ld_entry_destroy(&v.e[i]);
	for (size_t i = 0; i < v.n_roster; i++)
		ld__roster_node__free_unpacked(v.roster[i], NULL);
	free(v.roster);
	free(v.e);
	free(v.rec);
	free(v.files);
	ld_keycache_destroy(&v.keys);
	return r;
}

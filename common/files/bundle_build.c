/* common/files/bundle_build.c: see bundle_build.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "case.pb-c.h"
#include "common/files/bundle.h"
#include "common/files/bundle_build.h"
#include "common/base/errors.h"
#include "common/feed/kinds.h"
#include "evidence.pb-c.h"

#define LIST_BATCH 1000 /* entries asked of the source at once when writing */

struct ref {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	uint8_t id[LD_ID_LEN];
	bool content; /* held with content: listed in the manifest */
};

/* An evidence record of the case held with content: the file it names. */
struct record {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	uint8_t sha[32];
	bool sha_ok; /* the record names a SHA-256 at all */
};

struct file {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t seq;
	uint8_t sha[32];
	char *path;
};

struct span {
	char feed[LD_NODE_ID_MAX + 1];
	uint64_t lo, hi;
};

struct ld_bundle_build {
	const ld_bundle_source_t *src;
	char *case_id, *parties[2];
	struct ref *refs; /* every entry taken */
	size_t n_refs, cap_refs, n_listed;
	struct record *records;
	size_t n_records, cap_records;
	struct file files[LD_BUNDLE_FILES_MAX];
	size_t n_files;
	struct span spans[LD_BUNDLE_FEEDS_MAX];
	size_t n_spans;
	size_t n_entries, n_header_only;
};

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s || !s[0])
		return NULL;
	d = strdup(s);
	*oom |= !d;
	return d;
}

int ld_bundle_build_new(const char *case_id, const char *referrer, const char *holder,
			const ld_bundle_source_t *src, ld_bundle_build_t **ret)
{
	ld_bundle_build_t *b = calloc(1, sizeof(*b));
	bool oom = !b;

	if (b) {
		b->src = src;
		b->case_id = strdup(case_id);
		b->parties[0] = dup_or_null(referrer, &oom);
		/* The holder receives it once, even when it also referred. */
		if (!referrer || !holder || strcmp(referrer, holder))
			b->parties[1] = dup_or_null(holder, &oom);
		oom |= !b->case_id;
	}
	if (oom) {
		ld_bundle_build_destroy(&b);
		return -ENOMEM;
	}
	*ret = b;
	return 0;
}

void ld_bundle_build_destroy(ld_bundle_build_t **b_p)
{
	ld_bundle_build_t *b;

	if (!b_p || !*b_p)
		return;
	b = *b_p;
	for (size_t i = 0; i < b->n_files; i++)
		free(b->files[i].path);
	free(b->refs);
	free(b->records);
	free(b->case_id);
	free(b->parties[0]);
	free(b->parties[1]);
	free(b);
	*b_p = NULL;
}

static struct ref *ref_find(const ld_bundle_build_t *b, const char *feed, uint64_t seq)
{
	for (size_t i = 0; i < b->n_refs; i++)
		if (b->refs[i].seq == seq && !strcmp(b->refs[i].feed, feed))
			return &b->refs[i];
	return NULL;
}

static bool listed(const ld_bundle_build_t *b, const char *feed, uint64_t seq)
{
	const struct ref *r = ref_find(b, feed, seq);

	return r && r->content;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? 2 * *cap : 64;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, c * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

/* Note (feed, seq) as taken; with its id if held with content. */
static int ref_add(ld_bundle_build_t *b, const char *feed, uint64_t seq, const uint8_t *id)
{
	struct ref *r = ref_find(b, feed, seq);

	if (!r) {
		if (grow((void **)&b->refs, &b->cap_refs, b->n_refs, sizeof(*b->refs)) < 0)
			return -ENOMEM;
		r = &b->refs[b->n_refs++];
		snprintf(r->feed, sizeof(r->feed), "%s", feed);
		r->seq = seq;
		r->content = false;
	}
	if (id && !r->content) {
		memcpy(r->id, id, LD_ID_LEN);
		r->content = true;
		b->n_listed++;
	}
	return 0;
}

static int span_add(ld_bundle_build_t *b, const char *feed, uint64_t seq)
{
	struct span *s;

	for (size_t i = 0; i < b->n_spans; i++)
		if (!strcmp(b->spans[i].feed, feed)) {
			if (seq < b->spans[i].lo)
				b->spans[i].lo = seq;
			if (seq > b->spans[i].hi)
				b->spans[i].hi = seq;
			return 0;
		}
	if (b->n_spans == LD_BUNDLE_FEEDS_MAX)
		return -E2BIG;
	s = &b->spans[b->n_spans++];
	snprintf(s->feed, sizeof(s->feed), "%s", feed);
	s->lo = s->hi = seq;
	return 0;
}

/* An evidence record of the case: remember the file it names. */
static int record_add(ld_bundle_build_t *b, const ld_entry_t *e)
{
	Ld__EvidenceRecord *m = ld_entry_payload(e, LD__KIND__KIND_EVIDENCE_RECORD);
	struct record *r;

	if (!m)
		return 0; /* does not decode: not a record any file can match */
	if (grow((void **)&b->records, &b->cap_records, b->n_records, sizeof(*b->records)) < 0) {
		ld__evidence_record__free_unpacked(m, NULL);
		return -ENOMEM;
	}
	r = &b->records[b->n_records++];
	snprintf(r->feed, sizeof(r->feed), "%s", e->hdr->author);
	r->seq = e->hdr->seq;
	r->sha_ok = m->sha256.len == 32;
	if (r->sha_ok)
		memcpy(r->sha, m->sha256.data, 32);
	ld__evidence_record__free_unpacked(m, NULL);
	return 0;
}

int ld_bundle_build_take(ld_bundle_build_t *b, const char *feed, uint64_t seq)
{
	ld_entry_t *e;
	int r;

	if (ref_find(b, feed, seq))
		return 0;
	if ((r = b->src->get(b->src->ud, feed, seq, &e)) < 0)
		return r;
	r = ref_add(b, feed, seq, e->has_payload ? e->id : NULL);
	if (r == 0 && e->has_payload && e->hdr->kind == LD__KIND__KIND_EVIDENCE_RECORD)
		r = record_add(b, e);
	if (r == 0 && !e->has_payload)
		b->n_header_only++;
	if (r == 0)
		r = span_add(b, feed, seq);
	ld_entry_destroy(&e);
	return r;
}

static const struct record *record_find(const ld_bundle_build_t *b, const char *feed, uint64_t seq)
{
	for (size_t i = 0; i < b->n_records; i++)
		if (b->records[i].seq == seq && !strcmp(b->records[i].feed, feed))
			return &b->records[i];
	return NULL;
}

static int file_add(ld_bundle_build_t *b, const char *feed, uint64_t seq, const char *path,
		    const uint8_t sha256[32])
{
	struct file *f;

	if (b->n_files == LD_BUNDLE_FILES_MAX)
		return -E2BIG;
	f = &b->files[b->n_files];
	if (!(f->path = strdup(path)))
		return -ENOMEM;
	snprintf(f->feed, sizeof(f->feed), "%s", feed);
	f->seq = seq;
	memcpy(f->sha, sha256, 32);
	b->n_files++;
	return 0;
}

int ld_bundle_build_file(ld_bundle_build_t *b, const char *feed, uint64_t seq, const char *path,
			 const uint8_t sha256[32])
{
	const struct record *rec = record_find(b, feed, seq);

	if (!rec)
		return -ENOENT;
	if (!rec->sha_ok || memcmp(rec->sha, sha256, 32))
		return LD_EPAYLOAD;
	return file_add(b, feed, seq, path, sha256);
}

int ld_bundle_build_held_files(ld_bundle_build_t *b, ld_blobs_t *blobs)
{
	char path[4200];
	int r;

	for (size_t i = 0; i < b->n_records; i++) {
		const struct record *rec = &b->records[i];
		bool attached = false;

		for (size_t j = 0; j < b->n_files && !attached; j++)
			attached =
				b->files[j].seq == rec->seq && !strcmp(b->files[j].feed, rec->feed);
		if (attached || !rec->sha_ok || ld_blob_stat(blobs, rec->sha, NULL) < 0)
			continue;
		ld_blob_path(blobs, rec->sha, path, sizeof(path));
		if ((r = file_add(b, rec->feed, rec->seq, path, rec->sha)) < 0)
			return r;
	}
	return 0;
}

int ld_bundle_build_manifest(ld_bundle_build_t *b, const char *recipient, uint8_t **ret_payload,
			     size_t *ret_len, const char *aud[2], size_t *n_aud)
{
	Ld__CaseExport m = LD__CASE_EXPORT__INIT;
	Ld__EntryRef *refs = calloc(b->n_listed + 1, sizeof(*refs));
	Ld__EntryRef **rp = calloc(b->n_listed + 1, sizeof(*rp));
	ProtobufCBinaryData *sh = calloc(b->n_files + 1, sizeof(*sh));
	uint8_t *buf = NULL;
	int r = -ENOMEM;

	if (!refs || !rp || !sh)
		goto out;
	for (size_t i = 0, k = 0; i < b->n_refs; i++) {
		if (!b->refs[i].content)
			continue;
		ld__entry_ref__init(&refs[k]);
		refs[k].feed = b->refs[i].feed;
		refs[k].has_seq = refs[k].has_id = true;
		refs[k].seq = b->refs[i].seq;
		refs[k].id.data = b->refs[i].id;
		refs[k].id.len = LD_ID_LEN;
		rp[k] = &refs[k];
		k++;
	}
	for (size_t i = 0; i < b->n_files; i++)
		sh[i] = (ProtobufCBinaryData){.len = 32, .data = b->files[i].sha};
	m.case_id = b->case_id;
	m.entries = rp;
	m.n_entries = b->n_listed;
	m.file_sha256 = sh;
	m.n_file_sha256 = b->n_files;
	m.recipient = (char *)recipient;
	*ret_len = ld__case_export__get_packed_size(&m);
	if (!(buf = malloc(*ret_len + 1)))
		goto out;
	ld__case_export__pack(&m, buf);
	*ret_payload = buf;
	*n_aud = 0;
	for (int i = 0; i < 2; i++)
		if (b->parties[i])
			aud[(*n_aud)++] = b->parties[i];
	r = 0;
out:
	free(refs);
	free(rp);
	free(sh);
	return r;
}

int ld_bundle_build_signed(ld_bundle_build_t *b, const char *feed, uint64_t seq,
			   const uint8_t id[LD_ID_LEN])
{
	int r = span_add(b, feed, seq);

	return r < 0 ? r : ref_add(b, feed, seq, id);
}

/* Feed 'feed' from lo to hi: content for listed entries (and, on the root's
 * feed, roster updates), headers for the rest. */
static int write_span(ld_bundle_build_t *b, ld_bundle_writer_t *w, const char *feed, uint64_t lo,
		      uint64_t hi, bool root)
{
	ld_entry_t **batch = calloc(LIST_BATCH, sizeof(*batch));
	uint8_t *buf = malloc(LD_ENTRY_MAX);
	uint64_t next = lo;
	int r = batch && buf ? 0 : -ENOMEM;

	while (r == 0 && next <= hi) {
		size_t n = 0;

		r = b->src->list(b->src->ud, feed, next, hi, LIST_BATCH, batch, &n);
		if (r == 0 && !n)
			r = -ENOENT;
		for (size_t i = 0; i < n; i++) {
			ld_entry_t *e = batch[i];
			bool full;

			/* The source must hand out the feed in order, without a gap. */
			if (r == 0 &&
			    (strcmp(e->hdr->author, feed) || e->hdr->seq != next || next > hi))
				r = LD_EGAP;
			if (r == 0) {
				full = listed(b, feed, next) ||
				       (root && e->hdr->kind == LD__KIND__KIND_ROSTER_UPDATE);
				r = ld_bundle_add_entry(w, buf, ld_entry_encode(e, full, buf));
				b->n_entries++;
				next++;
			}
			ld_entry_destroy(&batch[i]);
		}
	}
	free(buf);
	free(batch);
	return r;
}

int ld_bundle_build_write(ld_bundle_build_t *b, const char *path, const char *root_id,
			  uint64_t root_head)
{
	ld_bundle_writer_t *w = NULL;
	int r = ld_bundle_create(path, &w);

	if (r < 0)
		return r;
	b->n_entries = 0;
	r = write_span(b, w, root_id, 1, root_head, true);
	for (size_t i = 0; r == 0 && i < b->n_spans; i++)
		if (strcmp(b->spans[i].feed, root_id))
			r = write_span(b, w, b->spans[i].feed, b->spans[i].lo, b->spans[i].hi,
				       false);
	for (size_t i = 0; r == 0 && i < b->n_files; i++) {
		if (b->src->progress)
			b->src->progress(b->src->ud, b->files[i].path);
		r = ld_bundle_add_file(w, b->files[i].path, b->files[i].sha);
	}
	if (r == 0)
		r = ld_bundle_finish(w);
	ld_bundle_writer_destroy(&w);
	return r;
}

void ld_bundle_build_counts(const ld_bundle_build_t *b, ld_bundle_counts_t *ret)
{
	*ret = (ld_bundle_counts_t){
		.entries = b->n_entries,
		.listed = b->n_listed,
		.header_only = b->n_header_only,
		.files = b->n_files,
	};
}

/* client/web/regions.c: see regions.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/docs.h"
#include "client/web/regions.h"
#include "common/base/text.h"

struct region {
	char code[16];
	char *name;
};

struct regions {
	struct region *v;
	size_t n;
};

static bool code_valid(const char *s)
{
	size_t l = strlen(s);

	if (l < 2 || l > 12)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int regions_load(const char *path, regions_t **ret, char *err, size_t n)
{
	regions_t *rg = calloc(1, sizeof(*rg));
	char line[1024];
	FILE *f;
	int no = 0;

	if (!rg)
		return -ENOMEM;
	*ret = rg;
	if (!path)
		return 0;
	if (!(f = fopen(path, "r"))) {
		snprintf(err, n, "regions file %s: %s", path, strerror(errno));
		regions_destroy(ret);
		return -ENOENT;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);
		char *name, *sep;
		struct region *nv;

		no++;
		while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			line[--l] = '\0';
		if (!l || line[0] == '#')
			continue;
		sep = strpbrk(line, "\t ");
		if (!sep) {
			snprintf(err, n, "regions file %s:%d: expected CODE<TAB>NAME", path, no);
			goto fail;
		}
		*sep = '\0';
		for (name = sep + 1; *name == '\t' || *name == ' '; name++)
			;
		if (!code_valid(line)) {
			snprintf(err, n,
				 "regions file %s:%d: '%.20s' is not a region code (digits)", path,
				 no, line);
			goto fail;
		}
		if (!name[0] || !ld_utf8_valid(name, strlen(name))) {
			snprintf(err, n, "regions file %s:%d: the name of %s is %s", path, no, line,
				 name[0] ? "not UTF-8" : "empty");
			goto fail;
		}
		nv = realloc(rg->v, (rg->n + 1) * sizeof(*nv));
		if (!nv)
			goto fail;
		rg->v = nv;
		snprintf(rg->v[rg->n].code, sizeof(rg->v[rg->n].code), "%s", line);
		if (!(rg->v[rg->n].name = strdup(name)))
			goto fail;
		rg->n++;
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	regions_destroy(ret);
	return -EINVAL;
}

void regions_destroy(regions_t **r_p)
{
	regions_t *rg = r_p ? *r_p : NULL;

	if (!rg)
		return;
	for (size_t i = 0; i < rg->n; i++)
		free(rg->v[i].name);
	free(rg->v);
	free(rg);
	*r_p = NULL;
}

const char *regions_name(const regions_t *rg, const char *code)
{
	/* The last line naming a code wins (a file may be amended at its end). */
	for (size_t i = rg->n; code && i-- > 0;)
		if (!strcmp(rg->v[i].code, code))
			return rg->v[i].name;
	return NULL;
}

bool regions_parent(const char *code, char out[7])
{
	if (!code || strlen(code) != 6 || !code_valid(code))
		return false;
	if (strcmp(code + 4, "00")) {
		snprintf(out, 7, "%.4s00", code);
		return true;
	}
	if (strcmp(code + 2, "0000")) {
		snprintf(out, 7, "%.2s0000", code);
		return true;
	}
	return false;
}

/* Add 'code' and its ancestors to the object 'seen' (code -> true). */
static void add_code(json_t *seen, const char *code)
{
	char up[7];

	if (!code || !code[0] || json_object_get(seen, code))
		return;
	json_object_set_new(seen, code, json_true());
	if (regions_parent(code, up))
		add_code(seen, up);
}

static int by_code(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *regions_roster_doc(const regions_t *rg, const Ld__ApiResponse *ro, int64_t now)
{
	json_t *o = json_object(), *members = json_array(), *regions = json_array(),
	       *seen = json_object(), *v;
	const char **codes;
	const char *k;
	size_t n = 0;

	for (size_t i = 0; i < ro->n_roster; i++) {
		const Ld__RosterNode *m = ro->roster[i];
		json_t *x = docs_member(m, now);

		if (!x)
			continue;
		json_object_set_new(x, "id", docs_text(m->node_id));
		json_object_set_new(x, "region_name", docs_opt(regions_name(rg, m->region_code)));
		json_array_append_new(members, x);
		add_code(seen, m->region_code);
	}
	for (size_t i = 0; i < rg->n; i++)
		add_code(seen, rg->v[i].code);
	codes = calloc(json_object_size(seen) + 1, sizeof(*codes));
	json_object_foreach(seen, k, v) if (codes) codes[n++] = k;
	if (codes)
		qsort(codes, n, sizeof(*codes), by_code);
	for (size_t i = 0; codes && i < n; i++) {
		char up[7];

		json_array_append_new(
			regions,
			json_pack("{s:o, s:o, s:o}", "code", docs_text(codes[i]), "name",
				  docs_opt(regions_name(rg, codes[i])), "parent",
				  regions_parent(codes[i], up) ? json_string(up) : json_null()));
	}
	free(codes);
	json_decref(seen);
	json_object_set_new(o, "members", members);
	json_object_set_new(o, "regions", regions);
	return o;
}

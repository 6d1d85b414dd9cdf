/* client/cli_out.c: what the tool writes is safe to read.
 *
 * Titles, facts and names come from other units and may hold anything. Two
 * guards make sure none of it can control the operator's terminal:
 *  - stdout and stderr are wrapped (fopencookie) so that every byte written
 *    passes through one filter: control characters, bidirectional overrides
 *    and bytes that are not UTF-8 are written visibly escaped ("\x1b",
 *    "\u202e"), as journalctl does, whichever printf wrote them. Only the
 *    tool's own cursor codes (cli_tty_raw) bypass it, and only to a terminal.
 *  - JSON strings are written as valid UTF-8 JSON whatever a unit signed;
 *    a document that had to escape bytes that were not UTF-8 says so.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "client/cli.h"
#include "client/docs.h"
#include "client/i18n.h"
#include "common/feed/kinds.h"
#include "common/feed/pbjson.h"
#include "common/base/text.h"

struct guard {
	int fd;
	unsigned char carry[4]; /* the start of a UTF-8 sequence cut by a flush */
	size_t n_carry;
};

static void write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w <= 0)
			return;
		c += w;
		n -= (size_t)w;
	}
}

static void guard_emit(struct guard *g, const unsigned char *p, size_t n, bool final)
{
	size_t keep = 0;
	char *esc;

	/* Keep an incomplete sequence at the end for the next write. */
	if (!final) {
		for (size_t back = 1; back <= 3 && back <= n; back++) {
			unsigned char c = p[n - back];

			if ((c & 0xc0) == 0x80)
				continue;
			if (c >= 0xc0 && (size_t)((c >= 0xf0) ? 4 : (c >= 0xe0) ? 3 : 2) > back)
				keep = back;
			break;
		}
	}
	esc = ld_text_escape((const char *)p, n - keep, LD_TEXT_KEEP_NL, NULL);
	if (esc) {
		write_all(g->fd, esc, strlen(esc));
		free(esc);
	}
	memcpy(g->carry, p + n - keep, keep);
	g->n_carry = keep;
}

static ssize_t guard_write(void *cookie, const char *buf, size_t size)
{
	struct guard *g = cookie;
	unsigned char *all;

	if (!g->n_carry) {
		guard_emit(g, (const unsigned char *)buf, size, false);
		return (ssize_t)size;
	}
	all = malloc(g->n_carry + size);
	if (!all)
		return -1;
	memcpy(all, g->carry, g->n_carry);
	memcpy(all + g->n_carry, buf, size);
	guard_emit(g, all, g->n_carry + size, false);
	free(all);
	return (ssize_t)size;
}

static int guard_close(void *cookie)
{
	struct guard *g = cookie;

	if (g->n_carry)
		guard_emit(g, g->carry, g->n_carry, true);
	return 0;
}

/* The two guards live as long as the process (no allocation to leak). */
static struct guard guards[2];

static FILE *guarded(int fd, int mode)
{
	static const cookie_io_functions_t io = {.write = guard_write, .close = guard_close};
	struct guard *g = &guards[fd == STDERR_FILENO];
	FILE *f;

	g->fd = fd;
	f = fopencookie(g, "w", io);
	if (f)
		setvbuf(f, NULL, mode, 0);
	return f;
}

void cli_out_init(void)
{
	FILE *o = guarded(STDOUT_FILENO, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF);
	FILE *e = guarded(STDERR_FILENO, _IOLBF);

	if (o) {
		fflush(stdout);
		stdout = o;
	}
	if (e)
		stderr = e;
}

void cli_out_done(void)
{
	fflush(stdout);
	fflush(stderr);
}

bool cli_tty_raw(FILE *f, const char *codes)
{
	int fd = f == stderr ? STDERR_FILENO : STDOUT_FILENO;

	if (!isatty(fd))
		return false;
	fflush(f);
	write_all(fd, codes, strlen(codes));
	return true;
}

const char *cli_1l(const char *s)
{
	static char *ring[8];
	static unsigned next;
	char *o;

	if (!s)
		return "";
	if (!strpbrk(s, "\n\t"))
		return s;
	o = ld_text_escape(s, strlen(s), 0, NULL);
	if (!o)
		return "(out of memory)";
	free(ring[next]);
	ring[next] = o;
	next = (next + 1) % 8;
	return o;
}

void cli_json_note_invalid(void)
{
	docs_note_invalid();
}

json_t *cli_json_text(const char *s)
{
	return docs_text(s);
}

json_t *cli_json_opt(const char *s)
{
	return docs_opt(s);
}

const char *cli_jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

long long cli_jint(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

bool cli_jtrue(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

int cli_output(json_t *o, bool json, void (*text)(json_t *o))
{
	int r = 0;

	if (!o)
		return cli_fail(EXIT_STORE, "out of memory");
	if (json)
		r = cli_json_dump(o);
	else
		text(o);
	json_decref(o);
	return r;
}

int cli_json_dump(json_t *j)
{
	char *s;

	if (!j)
		return cli_fail(EXIT_STORE, "out of memory");
	if (docs_invalid() && json_is_object(j))
		json_object_set_new(j, "invalid_utf8", json_true());
	s = json_dumps(j, JSON_INDENT(1));
	if (!s)
		return cli_fail(EXIT_STORE, "out of memory");
	puts(s);
	free(s);
	return 0;
}

/* Is 'o' an entry reference {feed, seq, id}? Then "feed:seq". */
static bool ref_text(json_t *o, char *buf, size_t n)
{
	json_t *feed = json_object_get(o, "feed"), *seq = json_object_get(o, "seq");

	if (!json_is_string(feed) || !json_is_integer(seq) || json_object_size(o) > 3)
		return false;
	snprintf(buf, n, "%s:%lld", json_string_value(feed), (long long)json_integer_value(seq));
	return true;
}

/* A multi-line string, continuation lines indented to 'col'. */
static void put_lines(FILE *f, const char *s, int col)
{
	for (const char *nl; (nl = strchr(s, '\n')); s = nl + 1)
		fprintf(f, "%.*s\n%*s", (int)(nl - s), s, col, "");
	fprintf(f, "%s\n", s);
}

static void render_value(FILE *f, const char *key, json_t *v, int indent,
			 const ProtobufCMessageDescriptor *desc);

void cli_render(FILE *f, json_t *o, int indent, const ProtobufCMessageDescriptor *desc)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v)
	{
		size_t l = strlen(key);
		char twin[96];

		/* "answer_by" is the RFC 3339 twin of "answer_by_ms": shown once. */
		if (json_is_string(v) && l + 4 < sizeof(twin)) {
			snprintf(twin, sizeof(twin), "%s_ms", key);
			if (json_is_integer(json_object_get(o, twin)))
				continue;
		}
		render_value(f, key, v, indent, desc);
	}
}

/* The message a field of 'desc' holds, to render it with its own fields. */
static const ProtobufCMessageDescriptor *field_message(const ProtobufCMessageDescriptor *desc,
						       const char *key)
{
	const ProtobufCFieldDescriptor *fd =
		desc ? protobuf_c_message_descriptor_get_field_by_name(desc, key) : NULL;

	return fd && fd->type == PROTOBUF_C_TYPE_MESSAGE ? fd->descriptor : NULL;
}

/* A string value for people: an enum's value (by its short name) in the
 * operator's language; anything else (what a unit wrote) as it is. */
static const char *value_text(const ProtobufCMessageDescriptor *desc, const char *key,
			      const char *s)
{
	const ProtobufCFieldDescriptor *fd =
		desc ? protobuf_c_message_descriptor_get_field_by_name(desc, key) : NULL;
	const ProtobufCEnumDescriptor *e = !fd ? NULL
					   : fd->type == PROTOBUF_C_TYPE_ENUM
						   ? fd->descriptor
						   : ld_field_enum(desc, key);

	return e ? cli_term(e->name, s) : s;
}

static void render_value(FILE *f, const char *key, json_t *v, int indent,
			 const ProtobufCMessageDescriptor *desc)
{
	size_t l = strlen(key);
	char name[96], buf[160];
	const char *label;
	int col;

	snprintf(name, sizeof(name), "%.*s",
		 (int)(l > 3 && !strcmp(key + l - 3, "_ms") ? l - 3 : l), key);
	for (char *p = name; *p; p++)
		if (*p == '_')
			*p = ' ';
	label = cli_term("field", name);
	col = indent + (int)ld_text_width(label, strlen(label)) + 2;
	if (json_is_object(v)) {
		if (ref_text(v, buf, sizeof(buf))) {
			fprintf(f, "%*s%s: %s\n", indent, "", label, buf);
			return;
		}
		fprintf(f, "%*s%s:\n", indent, "", label);
		cli_render(f, v, indent + 2, field_message(desc, key));
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		bool scalars = true;

		json_array_foreach(v, i, x) if (json_is_object(x) && !ref_text(x, buf, sizeof(buf)))
			scalars = false;
		if (scalars) {
			fprintf(f, "%*s%s: ", indent, "", label);
			json_array_foreach(v, i, x)
			{
				if (json_is_object(x))
					ref_text(x, buf, sizeof(buf));
				else if (json_is_string(x))
					snprintf(buf, sizeof(buf), "%s",
						 cli_1l(value_text(desc, key,
								   json_string_value(x))));
				else
					snprintf(buf, sizeof(buf), "%lld",
						 (long long)json_integer_value(x));
				fprintf(f, "%s%s", i ? ", " : "", buf);
			}
			fputc('\n', f);
			return;
		}
		fprintf(f, "%*s%s:\n", indent, "", label);
		json_array_foreach(v, i, x)
		{
			fprintf(f, "%*s- #%zu\n", indent + 2, "", i + 1);
			cli_render(f, x, indent + 4, field_message(desc, key));
		}
	} else if (json_is_string(v)) {
		fprintf(f, "%*s%s: ", indent, "", label);
		put_lines(f, value_text(desc, key, json_string_value(v)), col);
	} else if (json_is_integer(v) && l > 3 && !strcmp(key + l - 3, "_ms")) {
		cli_fmt_time(json_integer_value(v), buf, sizeof(buf));
		fprintf(f, "%*s%s: %s\n", indent, "", label, buf);
	} else if (json_is_integer(v)) {
		fprintf(f, "%*s%s: %lld\n", indent, "", label, (long long)json_integer_value(v));
	} else if (json_is_boolean(v)) {
		fprintf(f, "%*s%s: %s\n", indent, "", label, json_is_true(v) ? _("yes") : _("no"));
	}
}

/* The "timeline" array of a show document, for people (cli.h). */
void cli_timeline_text(json_t *tl)
{
	size_t i, j;
	json_t *x, *r;
	char when[48];

	printf("\n%s\n", _("timeline (every entry signed by its author and verified on arrival):"));
	json_array_foreach(tl, i, x)
	{
		json_t *content = json_object_get(x, "content");
		const ld_kind_info_t *k = ld_kind_by_name(cli_jstr(x, "kind"));

		cli_fmt_time(cli_jint(x, "time_ms"), when, sizeof(when));
		printf("\n  %s  %s #%lld  %s\n", when, cli_jstr(x, "feed"), cli_jint(x, "seq"),
		       cli_term("entry kind", cli_jstr(x, "label")));
		printf("    %s\n", cli_1l(cli_jstr(x, "summary")));
		if (cli_jtrue(x, "refused"))
			printf(_("    REFUSED: %s\n"), cli_1l(cli_jstr(x, "reason")));
		if (json_is_object(content))
			cli_render(stdout, content, 6, k ? k->desc : NULL);
		else if (!cli_jtrue(x, "visible"))
			printf("      %s\n",
			       _("(content not visible here: this node holds the entry redacted)"));
		json_array_foreach(json_object_get(x, "receipts"), j, r)
		{
			cli_fmt_time(cli_jint(r, "time_ms"), when, sizeof(when));
			printf(_("    received by %s at %s (signed receipt)\n"),
			       cli_jstr(r, "receiver"), when);
		}
	}
}

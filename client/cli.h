/* client/cli.h: the liandong command-line tool's subcommands.
 *
 * Exit codes (also in `liandong --help`):
 *   0 success; 1 the check failed (verification found a problem);
 *   2 usage error (bad argument); 3 file or key problem (also permission
 *   denied on the API socket); 4 storage problem; 5 the daemon did not answer
 *   (or none listens at the socket); 6 this node may not do that; 7 unknown case;
 *   8 no node holding an evidence file could be reached (run again to resume);
 *   9 a deadline given has already passed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "api.pb-c.h"
#include "entry.pb-c.h"
#include "common/base/timeutil.h"

enum {
	EXIT_VERIFY = 1,
	EXIT_USAGE = 2,
	EXIT_FILE = 3,
	EXIT_STORE = 4,
};

/* Each takes argc/argv after the subcommand name and returns an exit code. */
int cmd_key(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_roster(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_append(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_receipts(int argc, char **argv);
int cmd_refer(int argc, char **argv);
int cmd_respond(int argc, char **argv);
int cmd_transfer(int argc, char **argv);
int cmd_designate(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_reindex(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_evidence_get(int argc, char **argv);
int cmd_evidence_hand_over(int argc, char **argv);
int cmd_dispatch(int argc, char **argv);
int cmd_ack(int argc, char **argv);
int cmd_accept(int argc, char **argv);
int cmd_decline(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_whoami(int argc, char **argv);
int cmd_cases(int argc, char **argv);
int cmd_supplement(int argc, char **argv);
int cmd_consult(int argc, char **argv);
int cmd_directory(int argc, char **argv);

/* `liandong show` of a consultation (cmd_consult.c): printed as text or
 * JSON; 0 or an exit code; -ENOENT (nothing printed) if the daemon holds
 * nothing of it. */
struct ldc;
int cli_show_consult(struct ldc *cl, const char *id, bool json);
/* The "timeline" array of a show document, for people (cli_out.c). */
void cli_timeline_text(json_t *tl);
int cmd_monitor(int argc, char **argv);
int cmd_remediation(int argc, char **argv);
int cmd_funds(int argc, char **argv);
/* Substitute performance and funds for people (cmd_funds.c): the
 * "substitute_performance" array and "funds" object of a show document. */
void cli_funds_text(json_t *subst, json_t *funds);
int cmd_warnings(int argc, char **argv);
int cmd_source(int argc, char **argv);

/* Is person 'person' listed as an expert (else a liaison person) in the
 * directory of 'unit' held here (cmd_directory.c)? 0, or exit 7 after
 * saying precisely what is missing (the directory, or the person in it). */
int cli_dir_person(struct ldc *cl, const char *cmd, const char *opt, const char *unit,
		   const char *person, bool expert);
/* Lines for the people named ([{unit, person_id}] each, may be NULL), as
 * the directories held here describe them: name, role or field of
 * expertise, phone (only what this node may read). */
void cli_persons_text(struct ldc *cl, json_t *experts, json_t *liaisons);

/* Repeat offenders (重复违法, cmd_show.c): the cases this node holds naming
 * the party of 'credit_code' (its 'name' may be NULL), but 'exclude' (a case
 * id, may be NULL), and in how many regions other than 'here' (may be NULL):
 * {name, credit_code, other_cases, other_regions, cases: [ID...]}. Only
 * cases this node may read. Caller owns it; NULL on a daemon error. */
json_t *cli_party_cases(struct ldc *cl, const char *name, const char *credit_code,
			const char *exclude, const char *here);

/* Options every command that talks to the daemon takes; put them at the end
 * of a getopt_long table and pass each option to cli_common_opt(). */
#define CLI_COMMON_OPTS                                                                            \
	{"config", required_argument, NULL, 'c'}, {"api", required_argument, NULL, 'a'},           \
		{"json", no_argument, NULL, 'j'}, {"utc", no_argument, NULL, 'U'},                 \
		{"help", no_argument, NULL, 'h'},                                                  \
	{                                                                                          \
		0                                                                                  \
	}
/* The same for commands that sign: --check asks the daemon whether the
 * rules would accept what would be signed, and signs nothing. */
#define CLI_SIGN_OPTS {"check", no_argument, NULL, 'K'}, CLI_COMMON_OPTS
#define CLI_CHECK_HELP                                                                             \
	"--check: ask the daemon whether the case and action rules accept it; sign\n"              \
	"nothing (exit 0 if they do, 6 with the rule if not).\n"
extern bool cli_check_only;

typedef struct cli_common {
	const char *conf, *api;
	bool json;
} cli_common_t;

/* Take option 'c' (with optarg) if it is a common one (-c/--config, --api,
 * --json, --utc, --check); --help is the caller's. True if taken. */
bool cli_common_opt(cli_common_t *o, int c);

/* A command whose only options are the common ones: parse its argv
 * (argv[-1] being its name) into *co; its min..max positional arguments are
 * argv[*ret_first..argc). 0; 1 after printing 'help' (exit 0); EXIT_USAGE
 * after saying why. */
int cli_common_only(int argc, char **argv, const char *cmd, const char *help, int min, int max,
		    cli_common_t *co, int *ret_first);

/* Flags for ld_time_format() as the operator asked (--utc or local). */
extern unsigned cli_time_flags;

/* Wrap stdout and stderr so nothing written can control the terminal
 * (see cli_out.c). Called first in main(); cli_out_done() flushes. */
void cli_out_init(void);
void cli_out_done(void);

/* Write the tool's own terminal codes (cursor, clear) to f unfiltered, only
 * if f is a terminal. True if written. */
bool cli_tty_raw(FILE *f, const char *codes);

/* A one-line field for text output: 's' with line breaks and tabs escaped
 * (borrowed, or a buffer valid for the next seven calls). */
const char *cli_1l(const char *s);

/* Note that some text had bytes that are not UTF-8 and was escaped: the
 * next cli_json_dump() flags its document "invalid_utf8": true. */
void cli_json_note_invalid(void);

/* A JSON string from text that came from elsewhere (a unit, the daemon, a
 * file name): bytes that are not UTF-8 written as the text "\xNN" and
 * noted (cli_json_note_invalid). Caller owns it; NULL if out of memory.
 * cli_json_opt: the same, or JSON null for NULL. */
json_t *cli_json_text(const char *s);
json_t *cli_json_opt(const char *s);

/* Members of object 'o' for a text rendering: a string ("" if absent), an
 * integer (0 if absent), a boolean (false if absent). Borrowed. */
const char *cli_jstr(json_t *o, const char *key);
long long cli_jint(json_t *o, const char *key);
bool cli_jtrue(json_t *o, const char *key);

/* The output model: a command builds its result 'o' once (taken; NULL
 * means out of memory) and it is printed as JSON (cli_json_dump) if
 * 'json', else for people by 'text' from the same data. 0, or an exit
 * code. */
int cli_output(json_t *o, bool json, void (*text)(json_t *o));

/* Render the JSON object 'o' for people: "label: value" lines at 'indent'
 * spaces, times in the operator's zone, multi-line text indented, nested
 * objects and lists below their label. Labels in the operator's language;
 * if 'desc' (may be NULL) is the message 'o' was made from (ld_pb_json),
 * its enum values too. */
void cli_render(FILE *f, json_t *o, int indent, const ProtobufCMessageDescriptor *desc);

/* Print 'j' (indented, the invalid_utf8 flag added) and release nothing:
 * the caller still owns j. 0, or an exit code. */
int cli_json_dump(json_t *j);

struct ldc;
/* Connect to the daemon's API: --api EP, else -c CONFIG's, else
 * $LIANDONG_CONFIG's, else ./liandongd.conf's. 0, or an exit code after
 * printing why. */
int cli_connect(const char *api, const char *conf, struct ldc **ret);
/* Report a failed daemon call (timeout: exit 5) and return the exit code. */
int cli_daemon_fail(int r, const char *what);

/* Report an append the daemon refused ('msg' its words, may be NULL) with
 * the exit code its error means: 7 a unit named is not a current member,
 * 2 text or payload refused, 6 this node may not sign, 5 no answer, 4
 * storage. */
int cli_sign_fail(int r, const char *msg, const char *what);

/* Is 'id' (option 'opt' of 'cmd') a current roster member here? 0, or exit
 * 7 after naming the closest members. */
int cli_member(struct ldc *cl, const char *cmd, const char *opt, const char *id);

enum { EXIT_DENIED = 6, EXIT_NO_CASE = 7, EXIT_UNAVAILABLE = 8, EXIT_EXPIRED = 9 };

/* Index i >= 1 of 's' in names[1..n) (NULL slots skipped), or -1. */
int cli_pick(const char *const *names, size_t n, const char *s);

/* Parse date option 'opt' of command 'cmd' (forms: LD_TIME_FORMS; a bare
 * date is the end of the day if end_of_day). 0, or EXIT_USAGE after saying
 * why (malformed, or no such moment in the calendar). */
int cli_time_arg(const char *cmd, const char *opt, const char *arg, bool end_of_day,
		 int64_t *ret_ms);

/* Check text option 'opt' of 'cmd' bound for payload field 'field' (its
 * limit and whether it may hold lines: ld_field_limit). 0, or EXIT_USAGE
 * after saying why, quoting at most the first few dozen characters. */
int cli_text_arg(const char *cmd, const char *opt, const char *value, const char *field);

/* Read text for 'field' from file 'path' ('-': standard input), CRLF as LF,
 * one final newline dropped, then checked as cli_text_arg does. *ret is the
 * caller's (free). 0, EXIT_FILE naming the file, or EXIT_USAGE. */
int cli_text_file(const char *cmd, const char *opt, const char *path, const char *field,
		  char **ret);

/* A deadline must lie ahead: 0 if 't_ms' (option 'opt' of command 'cmd',
 * typed as 'arg') is later than now; otherwise say when it passed and
 * return EXIT_EXPIRED. */
int cli_deadline_ahead(const char *cmd, const char *opt, const char *arg, int64_t t_ms);

/* After an answer was signed: if 'deadline_ms' (non-zero; 'what' names it)
 * had passed, tell the operator on stderr that the answer is recorded late
 * and by how much. Returns true if it was late. */
bool cli_note_late(const char *cmd, const char *what, int64_t deadline_ms);

/* A time as the operator reads it (local zone with offset, or --utc) into
 * buf (32 bytes suffice). */
void cli_fmt_time(int64_t ms, char *buf, size_t n);

/* Add 'node' to the audience aud[0..*n) unless it is NULL, this node
 * ('self') or already there; aud has room for 'max'. The strings are
 * borrowed. */
void cli_aud_add(const char **aud, size_t *n, size_t max, const char *self, const char *node);

/* Entry references given as a repeated FEED:SEQ option (--evidence): the
 * list owns its strings; 'ptrs' and 'n' go into the protobuf message. */
#define CLI_REFS_MAX 16
typedef struct cli_refs {
	Ld__EntryRef refs[CLI_REFS_MAX], *ptrs[CLI_REFS_MAX];
	char feed[CLI_REFS_MAX][65];
	size_t n, max; /* max: at most CLI_REFS_MAX */
} cli_refs_t;

/* Add 'arg' (FEED:SEQ) for option 'opt' of command 'cmd'. 0, or EXIT_USAGE
 * after saying why (malformed, or more than l->max). */
int cli_refs_add(cli_refs_t *l, const char *cmd, const char *opt, const char *arg);

/* Parse "FEED:SEQ" (an entry reference). 0 or -EINVAL. */
int cli_parse_ref(const char *arg, char feed[65], uint64_t *seq);

/* This node's id, asked of its daemon (buf of 65 bytes). 0 or -errno. */
int cli_self_id(struct ldc *cl, char out[65]);

/* Entry (feed, seq) as the daemon holds it (payload absent if redacted).
 * 0, -ENOENT if not held, -ETIMEDOUT or -errno (daemon call). Caller owns
 * *ret (ld_entry_destroy). */
struct ld_entry;
int cli_get_entry(struct ldc *cl, const char *feed, uint64_t seq, struct ld_entry **ret);

/* Ask the daemon for case 'case_id' (API_CASE). Caller frees *ret. 0 or
 * -errno (the answer may still say !ok). */
int cli_fetch_case(struct ldc *cl, const char *case_id, Ld__ApiResponse **ret);

/* A new case or action id "SELF/PREFIXYYYYMMDD-HHMMSS-RRRRRR" (local time,
 * six random hex digits) into buf. */
void cli_new_id(const char *self, const char *prefix, char *buf, size_t n);

/* The daemon's evidence file directory (same host). 0 or -errno. */
int cli_blob_dir(struct ldc *cl, char *out, size_t size);

/* Parties of a case as this node knows them: referrer and holder; *known
 * false if the case is not opened here. 0 or -errno (daemon call). */
int cli_case_parties(struct ldc *cl, const char *case_id, char parties[2][65], bool *known);

/* Append one entry of 'kind' (for 'aud' NULL: for every member) and print where it was signed, or
 * in JSON
 * {"feed", "seq", "id"} with the members of 'extra' (what the command
 * created: case id, evidence id, ...). Takes 'extra' (may be NULL). 0, or an
 * exit code after printing why. */
int cli_sign(struct ldc *cl, uint32_t kind, const char *const *aud, size_t n_aud,
	     const uint8_t *payload, size_t len, bool json, const char *what, json_t *extra);

/* The same without printing: what was signed, {"feed", "seq", "id"} with
 * the members of 'extra' (taken), into *ret (caller owns). 0, or an exit
 * code after printing why. */
int cli_sign_json(struct ldc *cl, uint32_t kind, const char *const *aud, size_t n_aud,
		  const uint8_t *payload, size_t len, const char *what, json_t *extra,
		  json_t **ret);

/* "WHAT signed as FEED #SEQ (FEED:SEQ)" for the result 'o' of a signing. */
void cli_signed_text(const char *what, json_t *o);

/* Print "liandong: <msg>" to stderr; returns 'code'. 'fmt' is a message
 * of the catalogue (client/po): printed translated into the operator's
 * language (client/i18n.h); its arguments are not (translate words with
 * _() where they are chosen). */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ld_strerror(r) in the operator's language (borrowed, static). */
const char *cli_strerror(int r);

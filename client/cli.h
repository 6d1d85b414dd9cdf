/* client/cli.h: the liandong command-line tool's subcommands.
 *
 * Exit codes (also in `liandong --help`):
 *   0 success; 1 the check failed (verification found a problem);
 *   2 usage error (bad argument); 3 file or key problem; 4 storage problem;
 *   5 the daemon did not answer; 6 this node may not do that; 7 unknown case;
 *   8 no node holding an evidence file could be reached (run again to resume);
 *   9 a deadline given has already passed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "entry.pb-c.h"

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
int cmd_cases(int argc, char **argv);

struct ldc;
/* Connect to the daemon's API: --api EP, else -c CONFIG's, else
 * $LIANDONG_CONFIG's, else ./liandongd.conf's. 0, or an exit code after
 * printing why. */
int cli_connect(const char *api, const char *conf, struct ldc **ret);
/* Report a failed daemon call (timeout: exit 5) and return the exit code. */
int cli_daemon_fail(int r, const char *what);

enum { EXIT_DENIED = 6, EXIT_NO_CASE = 7, EXIT_UNAVAILABLE = 8, EXIT_EXPIRED = 9 };

/* Index i >= 1 of 's' in names[1..n) (NULL slots skipped), or -1. */
int cli_pick(const char *const *names, size_t n, const char *s);

/* "YYYY-MM-DD[THH:MM[:SS]][Z]" (UTC; a bare date means 23:59:59 if
 * end_of_day, else 00:00:00; before 1970 gives 0) or "+N" with s, m, h or d
 * from now, as Unix ms; -1 if malformed. */
#define CLI_TIME_FORMS "YYYY-MM-DD[THH:MM[:SS]] in UTC, or +N with s, m, h or d"
int64_t cli_parse_time(const char *s, bool end_of_day);

/* A deadline must lie ahead: 0 if 't_ms' (option 'opt' of command 'cmd',
 * typed as 'arg') is later than now; otherwise say when it passed and
 * return EXIT_EXPIRED. */
int cli_deadline_ahead(const char *cmd, const char *opt, const char *arg, int64_t t_ms);

/* After an answer was signed: if 'deadline_ms' (non-zero; 'what' names it)
 * had passed, tell the operator on stderr that the answer is recorded late
 * and by how much. Returns true if it was late. */
bool cli_note_late(const char *cmd, const char *what, int64_t deadline_ms);

/* "YYYY-MM-DD HH:MM:SSZ" (UTC) into buf. */
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
	size_t n, max;             /* max: at most CLI_REFS_MAX */
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

/* The daemon's evidence file directory (same host). 0 or -errno. */
int cli_blob_dir(struct ldc *cl, char *out, size_t size);

/* Parties of a case as this node knows them: referrer and holder; *known
 * false if the case is not opened here. 0 or -errno (daemon call). */
int cli_case_parties(struct ldc *cl, const char *case_id, char parties[2][65], bool *known);

/* Append one entry of 'kind' and print where it was signed (or JSON).
 * 0, or an exit code after printing why. */
int cli_sign(struct ldc *cl, uint32_t kind, const char *const *aud, size_t n_aud,
	     const uint8_t *payload, size_t len, bool json, const char *what);

/* Print "liandong: <msg>" to stderr; returns 'code'. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* JSON string escaping to 'f'. */
void cli_json_str(FILE *f, const char *s);

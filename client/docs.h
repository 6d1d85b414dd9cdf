/* client/docs.h: the JSON documents made from the daemon's API answers,
 * shared by the `liandong` tool (--json, and the data its text renderers
 * read) and liandong-web (/api/...), so both serve the same documents.
 *
 * Every builder returns a new jansson value the caller owns (json_decref),
 * or NULL if out of memory; it borrows the API message it reads. Text that
 * came from elsewhere (a unit, the daemon) goes in through docs_text(): bytes
 * that are not UTF-8 are written as the text "\xNN" and noted in a flag of
 * the calling thread (docs_invalid()), which the caller turns into
 * "invalid_utf8": true on the document it prints or serves. Times are
 * milliseconds, and where a builder takes 'tflags' also RFC 3339 in the zone
 * of the process (ld_time_format flags; LD_TIME_RFC3339 is added).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "api.pb-c.h"
#include "roster.pb-c.h"

/* A JSON string of 's' (NULL: ""), invalid bytes escaped and noted. */
json_t *docs_text(const char *s);
/* The same, or JSON null for NULL. */
json_t *docs_opt(const char *s);

/* Note that some text was escaped (the thread's flag). */
void docs_note_invalid(void);
/* Was anything escaped on this thread since the last docs_invalid_clear()? */
bool docs_invalid(void);
void docs_invalid_clear(void);

/* `liandong view --json`: actions, cases, regions (with the answer-time
 * histogram and its bucket bounds), totals, health. */
json_t *docs_view(const Ld__ApiView *v);

/* `liandong status --json`: node, root, version, revocation, peers with
 * their lag, feed heads, alerts, and the daemon's counters. */
json_t *docs_status(const Ld__ApiStatus *st);

/* `liandong show CASE --json`: the judged case with its signed timeline. */
json_t *docs_case(const Ld__ApiCase *k, unsigned tflags);

/* A case's substitute-performance orders (代履行), in judged order, with
 * their acceptance; and its remediation funds (修复资金): totals committed,
 * transferred, received, spent, in transit and held, per unit, and every
 * transfer (amounts in fen). Part of docs_case; `liandong funds --json`. */
json_t *docs_substitutes(const Ld__ApiCase *k, unsigned tflags);
json_t *docs_funds(const Ld__ApiCase *k, unsigned tflags);

/* `liandong show ACTION --json`: the judged joint action, participants and
 * timeline. */
json_t *docs_action(const Ld__ApiAction *a, unsigned tflags);

/* `liandong show CONSULTATION --json`: the judged consultation (会商):
 * participants' attendance and signatures, follow-up tasks, experts and
 * liaison persons by reference (never their personal data), timeline. */
json_t *docs_consult(const Ld__ApiConsult *k, unsigned tflags);

/* One roster member as `liandong roster list --json` shows it, judged
 * current at 'now' (Unix ms). */
json_t *docs_member(const Ld__RosterNode *m, int64_t now);

/* Is member 'm' current at 'now': not revoked, within its validity? */
bool docs_member_current(const Ld__RosterNode *m, int64_t now);

/* common/domain/funds.h: substitute performance (代履行) and remediation
 * funds (生态环境损害赔偿/修复资金) of a case, judged with it.
 *
 * The entries (funds.proto: kinds 20-22) name their case and are judged in
 * the case's order by casefile.c, which calls ld_funds_judge() for them.
 * The rules:
 *  - the unit handling the case (its holder) orders substitute performance
 *    (third party, scope, cost, a deadline after the order) and records its
 *    acceptance, once per order (passed or failed);
 *  - fund records come from a unit of the case: its holder, the unit that
 *    referred it, or a superior of either (they read the case's records);
 *  - ASSIGN commits money to the case, held by its author;
 *  - TRANSFER is signed by the paying unit, to another unit of the case,
 *    with a reference (bank voucher), for no more than the payer holds;
 *  - RECEIVE is signed by the unit the transfer was addressed to, once, for
 *    the transfer's amount;
 *  - SPEND is signed by a unit holding the funds, for no more than it holds,
 *    against a checkpoint whose stage report is filed;
 *  - amounts are fen, more than 0 (a cost may be 0), and no total of a case
 *    goes beyond LD_FEN_MAX.
 * What a unit holds = assigned + received - transferred out - spent. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/feed/entry.h"

#define LD_SUBST_MAX 8		 /* substitute-performance orders per case */
#define LD_FUND_UNITS_MAX 16	 /* units with funds in one case */
#define LD_FUND_TRANSFERS_MAX 64 /* transfers per case */
/* 10^15 fen (10 trillion yuan): no amount or total beyond it. */
#define LD_FEN_MAX 1000000000000000LL

/* A substitute-performance order and its acceptance. */
typedef struct ld_subst {
	char feed[LD_NODE_ID_MAX + 1]; /* the order entry (feed = the ordering unit) */
	uint64_t seq;
	uint8_t id[LD_ID_LEN];
	int64_t ordered_ms; /* author time */
	char party[256];
	char scope[256]; /* cut for the summary; the entry has it whole */
	int64_t cost_fen, due_ms;
	int64_t accepted_ms; /* 0 = not accepted */
	uint32_t result;     /* enum ld.AcceptanceResult */
	int64_t final_cost_fen;
} ld_subst_t;

/* One unit's funds in a case. */
typedef struct ld_fund_unit {
	char node[LD_NODE_ID_MAX + 1];
	int64_t assigned, out, in, received, spent; /* fen; in = transfers addressed to it */
} ld_fund_unit_t;

/* A transfer between units. */
typedef struct ld_fund_transfer {
	char from[LD_NODE_ID_MAX + 1], to[LD_NODE_ID_MAX + 1];
	uint64_t seq; /* the transfer entry: feed 'from' */
	uint8_t id[LD_ID_LEN];
	int64_t amount, sent_ms;
	int64_t received_ms; /* 0 = in transit */
	char purpose[160], reference[128];
} ld_fund_transfer_t;

typedef struct ld_funds {
	ld_subst_t orders[LD_SUBST_MAX];
	size_t n_orders;
	ld_fund_unit_t units[LD_FUND_UNITS_MAX];
	size_t n_units;
	ld_fund_transfer_t transfers[LD_FUND_TRANSFERS_MAX];
	size_t n_transfers;
	/* Case totals, fen. */
	int64_t committed, transferred, received, spent;
} ld_funds_t;

/* What unit 'u' holds for the case: assigned + received - out - spent. */
int64_t ld_fund_held(const ld_fund_unit_t *u);

/* The unit 'node' in f, or NULL. */
const ld_fund_unit_t *ld_funds_unit(const ld_funds_t *f, const char *node);

/* Is order 'o' past its deadline at 'now' without an acceptance? */
bool ld_subst_overdue(const ld_subst_t *o, int64_t now);

struct ld_case;
struct ld_case_item;
struct ld_access;
/* Judge entry 'e' (kind 20, 21 or 22) into case 'c' (casefile.c, in the
 * case's order): its summary into 'it', refused with the rule it breaks,
 * or applied to c->funds. */
void ld_funds_judge(struct ld_case *c, const struct ld_access *a, struct ld_case_item *it,
		    const ld_entry_t *e);

/* "12,345.67 yuan" for 'fen' into buf (32 bytes suffice). */
void ld_fen_format(int64_t fen, char *buf, size_t n);

/* Names for the payload enums: "passed", "assign", ... */
const char *ld_acceptance_name(uint32_t v);
const char *ld_fund_action_name(uint32_t v);

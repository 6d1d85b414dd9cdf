/* server/api_int.h: internals of the local API shared by api.c (requests,
 * status, reads, appends) and api_views.c (cases, actions, the command
 * view). Not part of any public interface. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.pb-c.h"
#include "server/api.h"
#include "server/node.h"

/* Heads and alerts gathered for a status answer. */
struct status_acc {
	Ld__ApiHead *heads;
	Ld__ApiHead **hp;
	size_t n, cap;
	Ld__ApiAlert *alerts;
	Ld__ApiAlert **ap;
	size_t na, capa;
};

/* A status answer and everything it points to (api_status_free frees it). */
struct status_out {
	Ld__ApiStatus st;
	Ld__ApiEntryRef revoked_by;
	Ld__ApiPeer *peers, **pp;
	Ld__ApiPeerFeed **lags;
	size_t n_lags;
	struct status_acc a;
	Ld__ApiCounters counters;
	Ld__ApiCount refused[LD_STATS_REASONS], *refused_p[LD_STATS_REASONS];
};

void api_respond(ld_node_t *n, const ld_api_client_t *c, Ld__ApiResponse *resp);
void api_respond_err(ld_node_t *n, const ld_api_client_t *c, uint32_t type, int err,
		     const char *msg);
/* A success answer of 'type', to be filled in. */
Ld__ApiResponse api_ok(uint32_t type);

/* api_status.c */
int api_status_build(ld_node_t *n, struct status_out *o);
void api_status_free(struct status_out *o);
void api_status(ld_node_t *n, const ld_api_client_t *c);

/* Judged timeline items as ApiCaseItems, with their receipts and the
 * payloads as held: api_items_fill() allocates, api_items_free() frees. */
struct item_receipts {
	Ld__ApiReceipt *r;
	Ld__ApiReceipt **p;
	Ld__ApiEntryRef *refs; /* the receipt entries */
	size_t n, cap;
};

struct items_out {
	Ld__ApiCaseItem *items, **ip;
	Ld__ApiEntryRef *refs;
	struct item_receipts *rcs;
	ld_entry_t **entries; /* as held, for their payloads */
	size_t n;
};

int api_items_fill(ld_node_t *n, struct items_out *o, ld_case_item_t *src, size_t count);
void api_items_free(struct items_out *o);

/* api_views.c */
void api_case(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q);
void api_action(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q);
void api_view(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q);
/* Every roster member as this node holds it. */
void api_roster(ld_node_t *n, const ld_api_client_t *c);

/* api_consult.c: one consultation judged; the liaison directories in force. */
void api_consult(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q);
void api_directory(ld_node_t *n, const ld_api_client_t *c);

/* api_funds.c: a case's substitute-performance orders and remediation
 * funds into its API_CASE answer 'cv', pointing into 'o' and 'f' (both
 * must outlive the answer); overdue judged at 'now'. */
struct funds_out {
	Ld__ApiSubstitute subst[LD_SUBST_MAX], *subst_p[LD_SUBST_MAX];
	Ld__ApiEntryRef subst_ref[LD_SUBST_MAX];
	Ld__ApiFundUnit unit[LD_FUND_UNITS_MAX], *unit_p[LD_FUND_UNITS_MAX];
	Ld__ApiFundTransfer xfer[LD_FUND_TRANSFERS_MAX], *xfer_p[LD_FUND_TRANSFERS_MAX];
	Ld__ApiEntryRef xfer_ref[LD_FUND_TRANSFERS_MAX];
	Ld__ApiFundTotals totals;
};
void api_case_funds(Ld__ApiCase *cv, const ld_funds_t *f, int64_t now, struct funds_out *o);

/* api_search.c */
void api_search(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q);

/* api_monitor.c */
void api_monitor(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q);

/* The warnings of the command view: those this node holds in full about
 * readings since now - 7 days, newest first, at most 50, set in av
 * (warnings, warnings_open). av then points into *ret_mem, which the caller
 * frees with api_view_warnings_free() after responding. 0 or -errno. */
int api_view_warnings(ld_node_t *n, int64_t now_ms, Ld__ApiView *av, void **ret_mem);
void api_view_warnings_free(void **mem);
/* api_source.c: the pollution-source register in force. */
void api_source(ld_node_t *n, const ld_api_client_t *c, const Ld__ApiRequest *q);

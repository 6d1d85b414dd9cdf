/* client/main.c: `liandong`, the command-line tool of a liandong node.
 *
 * One table of verbs: dispatch, `liandong --help` and `liandong help CMD`
 * all come from it, so a command cannot exist without being listed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cli.h"
#include "client/i18n.h"
#include "common/conf/config.h"

typedef struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *sub;      /* subcommand passed first (grouped commands), or NULL */
	const char *synopsis; /* arguments, for the list */
	const char *summary;
} verb_t;

/* Wrappers so grouped commands can be listed one line per subcommand. */
static const verb_t verbs[] = {
	{"init", cmd_init, NULL, "--id ID --dir DIR (--root KEY | --root-node) [--peer ID=EP]...",
	 "create a node's keys and configuration"},
	{"roster", cmd_roster, "add",
	 "ID --name N --kind K --region CODE --sign-key KEY --curve-key Z85",
	 "add a member (on the root authority's node)"},
	{"roster", cmd_roster, "revoke", "ID --last-seq N [--reason R]", "revoke a member"},
	{"roster", cmd_roster, "rotate", "ID --sign-key KEY --from-seq N", "rotate a member's key"},
	{"roster", cmd_roster, "list", "[--json]",
	 "the members: kind, region, superior, keys, revoked"},
	{"whoami", cmd_whoami, NULL, "[--json]",
	 "this node: id, name, kind, region, superior, keys"},
	{"status", cmd_status, NULL, "[--json]", "peers, feed heads, lag and alerts"},
	{"view", cmd_view, NULL, "[--watch [S]] [--region R] [--status S] [--kind K] [--json]",
	 "the unified command view, most urgent first"},
	{"cases", cmd_cases, NULL,
	 "[--text T] [--party P] [--credit-code C] [--region R] [--status S] ...",
	 "find cases by title, party, region, status, time (also: liandong search)"},
	{"search", cmd_cases, NULL, NULL, NULL},
	{"refer", cmd_refer, NULL,
	 "--to NODE --title T --violation V (--facts T | --facts-file F) ...",
	 "refer a case across the border or to the judiciary (案件移送)"},
	{"supplement", cmd_supplement, NULL, "CASE (--text T | --text-file F) [--evidence F:S]...",
	 "answer a request for more information (补充材料)"},
	{"respond", cmd_respond, NULL, "CASE accept|reject|need-info [--reason R]",
	 "answer a referral addressed to this node"},
	{"transfer", cmd_transfer, NULL, "CASE --to NODE", "pass a case addressed to this node on"},
	{"designate", cmd_designate, NULL, "CASE --to NODE",
	 "designate jurisdiction (指定管辖; a superior of both)"},
	{"show", cmd_show, NULL, "CASE|ACTION|CONSULTATION [--json]",
	 "the signed timeline, judged, every field"},
	{"update", cmd_update, NULL, "CASE [--status S] [--checkpoint D=TEXT]... [--assess ...]",
	 "remediation and supervision of a case (整改督办)"},
	{"remediation", cmd_remediation, "order",
	 "CASE --party P --scope S --cost YUAN --deadline DATE",
	 "order substitute performance by a third party (代履行; the handling unit)"},
	{"remediation", cmd_remediation, "accept", "CASE (--passed | --failed) --findings T",
	 "record the acceptance of substitute performance (验收)"},
	{"funds", cmd_funds, "assign", "CASE --amount YUAN [--source T]",
	 "commit remediation funds to a case (修复资金)"},
	{"funds", cmd_funds, "transfer", "CASE --to NODE --amount YUAN --reference REF",
	 "pay funds this unit holds to another unit of the case (划拨)"},
	{"funds", cmd_funds, "receive", "CASE [--transfer FEED:SEQ]",
	 "confirm a transfer to this unit received"},
	{"funds", cmd_funds, "spend", "CASE --amount YUAN --checkpoint N",
	 "record funds spent against a stage report (支出)"},
	{"funds", cmd_funds, NULL, "CASE [--json]",
	 "committed vs transferred vs received vs spent, per unit"},
	{"evidence", cmd_evidence, "add", "CASE FILE --type T [--again]",
	 "record evidence: store the file, sign its hash"},
	{"evidence", cmd_evidence, "attest", "FEED:SEQ --verdict V",
	 "recognise another unit's evidence (证据互认)"},
	{"evidence", cmd_evidence, "get", "FEED:SEQ -o FILE", "fetch an evidence file from a node"},
	{"evidence", cmd_evidence, "hand-over", "FEED:SEQ --to NODE", "hand custody to a unit"},
	{"dispatch", cmd_dispatch, NULL,
	 "--kind K --priority P --title T --participant N[:ROLE]...",
	 "dispatch a joint inspection or emergency response"},
	{"ack", cmd_ack, NULL, "ACTION", "acknowledge a dispatch (participants)"},
	{"accept", cmd_accept, NULL, "ACTION", "accept a dispatch"},
	{"decline", cmd_decline, NULL, "ACTION --reason R", "decline a dispatch"},
	{"report", cmd_report, NULL, "ACTION --status on-site|progress|completed",
	 "report on a dispatch"},
	{"consult", cmd_consult, "convene",
	 "--title T --at DATE --participant N[:ROLE]... [--case C]... [--expert U:P]...",
	 "convene a consultation (会商) with units, liaison units and experts"},
	{"consult", cmd_consult, "attend", "ID [--attendee U:P]...", "attend a consultation"},
	{"consult", cmd_consult, "decline", "ID --reason R", "decline a consultation"},
	{"consult", cmd_consult, "opinion", "ID (--text T | --text-file F)",
	 "record this unit's opinion (意见)"},
	{"consult", cmd_consult, "minutes", "ID --text T [--decision D]... [--task O,DATE,TEXT]...",
	 "record the minutes, decisions and follow-up tasks (会商纪要; convener)"},
	{"consult", cmd_consult, "sign", "ID [--object --reason R]",
	 "sign the minutes in force, or object to them"},
	{"consult", cmd_consult, "done", "ID --task N --text T", "report a follow-up task done"},
	{"directory", cmd_directory, "publish",
	 "[--liaison ID,ROLE,NAME,PHONE]... [--expert ...]...",
	 "publish this unit's liaison persons and experts"},
	{"directory", cmd_directory, NULL, "[--expertise TEXT] [--unit NODE] [--json]",
	 "liaison persons and experts of every unit (roster members only)"},
	{"monitor", cmd_monitor, "add-station",
	 "--id ID --name N --region CODE --medium water|air [--upstream S]...",
	 "publish a monitoring station or section (监测站点、断面)"},
	{"monitor", cmd_monitor, "push", "STATION [FILE|-] [--batch S]",
	 "sign readings from a station's CSV export, batched"},
	{"monitor", cmd_monitor, "show", "STATION [--from D] [--to D] [--json]",
	 "a station, its latest values and readings"},
	{"monitor", cmd_monitor, "stations", "[--json]", "the stations held here"},
	{"warnings", cmd_warnings, NULL, "[--since DATE] [--json]",
	 "early warnings from monitoring data (预警)"},
	{"source", cmd_source, "publish",
	 "--code C --name N --region R [--outlet ...]... [--permit ...]... | --file F.json",
	 "publish pollution sources of this unit's region (污染源档案)"},
	{"source", cmd_source, "show", "CODE [--json]",
	 "a source: outlets, permits and their state, the cases naming it"},
	{"source", cmd_source, "list", "[--region PREFIX] [--expiring] [--json]",
	 "the pollution-source register held here"},
	{"export", cmd_export, NULL, "CASE -o FILE [--files]",
	 "a case bundle with a signed manifest"},
	{"verify", cmd_verify, NULL, "FILE --root KEY", "check a case bundle offline (no daemon)"},
	{"append", cmd_append, NULL, "--kind K (--to NODE... | --everyone) (--text T | --file F)",
	 "sign a raw entry into this node's feed"},
	{"get", cmd_get, NULL, "FEED SEQ [--json]", "one entry as this node holds it, decoded"},
	{"receipts", cmd_receipts, NULL, "FEED SEQ [--json]", "who confirmed receiving an entry"},
	{"reindex", cmd_reindex, NULL, "", "rebuild the derived views from the feeds"},
	{"key", cmd_key, "new", "FILE", "create an Ed25519 signing key (mode 0600)"},
	{"key", cmd_key, "show", "FILE [--json]", "a key's public half and fingerprint"},
	{"store", cmd_store, "check", "--data DIR --root KEY [--fast] [--json]",
	 "re-verify every feed held in a node's store, offline"},
	{"demo", cmd_demo, NULL, "[--dir DIR]", "single-process demonstration of signed feeds"},
	{"help", NULL, NULL, "[COMMAND [SUBCOMMAND]]", "help on one command"},
};

#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: liandong COMMAND [ARGS]   (liandong help COMMAND: its options)\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < N_VERBS; i++) {
		const verb_t *v = &verbs[i];
		char head[48];

		if (!v->summary)
			continue;
		snprintf(head, sizeof(head), "%s%s%s", v->name, v->sub ? " " : "",
			 v->sub ? v->sub : "");
		fprintf(f, "  %-19s %s\n", head, v->summary);
		if (v->synopsis && v->synopsis[0])
			fprintf(f, "  %-19s   %s %s\n", "", head, v->synopsis);
	}
	fprintf(f,
		"\n"
		"Commands that talk to the daemon take -c CONFIG or --api ENDPOINT\n"
		"(default: $LIANDONG_CONFIG, then ./liandongd.conf), --json for scripts and\n"
		"--utc. Options may be written --opt VALUE or --opt=VALUE.\n"
		"\n"
		"Times are shown in the local zone with their offset (TZ, else [node] timezone\n"
		"in the config, else the system's zone; --utc for UTC). Dates typed without an\n"
		"offset are read in that zone: " LD_TIME_FORMS ".\n"
		"\n"
		"Exit codes: 0 ok, 1 verification failed, 2 usage error (a bad argument,\n"
		"            date or text), 3 file or key problem (also: permission denied on\n"
		"            the node's API socket: run as the node's user or root), 4 storage\n"
		"            problem, 5 daemon not answering (none listening at its API socket:\n"
		"            at once), 6 not permitted (also: this node is revoked), 7 unknown\n"
		"            case, record or node, 8 no node holding an evidence file answered\n"
		"            (run again to resume), 9 a deadline given has already passed.\n");
}

/* Read [node] timezone from the config this command will use, unless TZ
 * says otherwise, so dates typed and shown are in the operator's zone. */
static void zone_init(int argc, char **argv)
{
	const char *path = getenv("LIANDONG_CONFIG");
	char zone[128];

	if (getenv("TZ"))
		return;
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc)
			path = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			path = argv[i] + 9;
		else if (!strcmp(argv[i], "--api") || !strncmp(argv[i], "--api=", 6))
			return; /* no config: the system's zone */
	}
	if (ld_config_timezone(path ? path : "liandongd.conf", zone, sizeof(zone)) < 0 || !zone[0])
		return;
	if (setenv("TZ", zone, 1) == 0)
		tzset();
}

static const verb_t *find(const char *name, const char *sub)
{
	for (size_t i = 0; i < N_VERBS; i++)
		if (!strcmp(verbs[i].name, name) &&
		    (!sub || !verbs[i].sub || !strcmp(verbs[i].sub, sub)))
			return &verbs[i];
	return NULL;
}

static int help(int argc, char **argv)
{
	const verb_t *v;
	char *args[4];

	if (argc < 1) {
		usage(stdout);
		return 0;
	}
	v = find(argv[0], argc > 1 ? argv[1] : NULL);
	if (!v)
		return cli_fail(EXIT_USAGE,
				"help: no command '%s%s%s' (liandong --help lists them)", argv[0],
				argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	if (!v->fn) {
		usage(stdout);
		return 0;
	}
	args[0] = (char *)v->name;
	if (v->sub && argc > 1) {
		args[1] = (char *)v->sub;
		args[2] = (char *)"--help";
		args[3] = NULL;
		return v->fn(2, args + 1);
	}
	args[1] = (char *)"--help";
	args[2] = NULL;
	return v->fn(1, args + 1);
}

/* "--opt=value" as "--opt value", for every command alike (up to a "--"). */
static char **split_assignments(int argc, char **argv, int *ret_argc)
{
	char **out = calloc(2 * (size_t)argc + 1, sizeof(*out));
	int n = 0;
	bool done = false;

	if (!out)
		return NULL;
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!strcmp(argv[i], "--"))
			done = true;
		if (!done && !strncmp(argv[i], "--", 2) && eq && eq > argv[i] + 2) {
			*eq = '\0';
			out[n++] = argv[i];
			out[n++] = eq + 1;
		} else {
			out[n++] = argv[i];
		}
	}
	*ret_argc = n;
	return out;
}

static char **args; /* the arguments as split, for the life of the process */

static void args_free(void)
{
	free(args);
}

int main(int argc, char **argv)
{
	const verb_t *v;
	int r;

	cli_i18n_init();
	cli_out_init();
	if ((args = split_assignments(argc, argv, &argc))) {
		argv = args;
		atexit(args_free);
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("liandong %s\n", LD_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help"))
		return help(argc - 2, argv + 2);
	v = find(argv[1], NULL);
	if (!v) {
		usage(stderr);
		return cli_fail(EXIT_USAGE, "unknown command '%.80s'", argv[1]);
	}
	zone_init(argc, argv);
	r = v->fn(argc - 2, argv + 2);
	cli_out_done();
	return r;
}

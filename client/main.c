/* client/main.c: `liandong`, the command-line tool of a liandong node. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client/cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: liandong COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  key new FILE              create an Ed25519 signing key (mode 0600)\n"
		"  key show FILE             print a key's public half and fingerprint\n"
		"  store check --data DIR --root KEY [--json]\n"
		"                            re-verify every feed held in a node's store\n"
		"  demo [--dir DIR]          single-node demonstration of signed feeds\n"
		"  init --id ID --dir DIR (--root KEY | --root-node) [--bind EP] [--peer ID=EP]\n"
		"                            create a node's keys and configuration\n"
		"  roster add|revoke|rotate  change the roster (on the root authority's node)\n"
		"  view [--json] [--watch] [--region R] [--status S] [--kind K] [--since D]\n"
		"                            the unified command view, most urgent first\n"
		"  status [--json]           the node's peers, feeds, lag and alerts\n"
		"  append --kind K (--to N | --everyone) (--text T | --file F)\n"
		"                            sign an entry into this node's feed\n"
		"  get FEED SEQ              one entry as this node holds it\n"
		"  receipts FEED SEQ         who confirmed receiving an entry, and when\n"
		"  refer --to NODE --title T --violation V --facts F [...]\n"
		"                            refer a case across the border or to the judiciary\n"
		"  respond CASE accept|reject|need-info [--reason R]\n"
		"  transfer CASE --to NODE   pass a case addressed to this node on\n"
		"  designate CASE --to NODE  designate jurisdiction (a superior)\n"
		"  show CASE [--json]        the case's signed timeline, judged\n"
		"  cases [--text T] [--party P] [--credit-code C] [--region R] [--status S] ...\n"
		"                            find cases by title, party, region... (or: search)\n"
		"  update CASE [--status S] [--checkpoint D=TEXT] [--stage-report N --text T]\n"
		"              [--assess STAGE --outcome O --findings F] ...\n"
		"                            remediation and supervision of a case\n"
		"  reindex                   rebuild the derived views from the feeds\n"
		"  evidence add CASE FILE --type T   record evidence (hash, size, collector)\n"
		"  evidence attest FEED:SEQ --verdict V   recognise another unit's evidence\n"
		"  dispatch --kind K --priority P --title T --participant N[:ROLE]... ...\n"
		"                            dispatch a joint inspection or emergency response\n"
		"  ack|accept ACTION, decline ACTION --reason R, report ACTION --status S\n"
		"                            answer a dispatch (participants)\n"
		"  export CASE -o FILE [--file FEED:SEQ=PATH]...\n"
		"                            a case bundle with a signed manifest\n"
		"  verify FILE --root KEY    check a case bundle offline (no daemon)\n"
		"\n"
		"Commands that talk to the daemon take -c CONFIG or --api ENDPOINT\n"
		"(default: $LIANDONG_CONFIG, then ./liandongd.conf).\n"
		"\n"
		"Every command takes --help. KEY is 64 hex digits or a file holding them.\n"
		"\n"
		"Exit codes: 0 ok, 1 verification failed, 2 usage error,\n"
		"            3 file or key problem, 4 storage problem, 5 daemon not answering,\n"
		"            6 not permitted, 7 unknown case or record, 8 no node holding an\n"
		"            evidence file answered (run again to resume), 9 a deadline given\n"
		"            has already passed.\n");
}

int cli_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("liandong: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

void cli_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("liandong %s\n", LD_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "key"))
		return cmd_key(argc - 2, argv + 2);
	if (!strcmp(argv[1], "store"))
		return cmd_store(argc - 2, argv + 2);
	if (!strcmp(argv[1], "demo"))
		return cmd_demo(argc - 2, argv + 2);
	if (!strcmp(argv[1], "init"))
		return cmd_init(argc - 2, argv + 2);
	if (!strcmp(argv[1], "roster"))
		return cmd_roster(argc - 2, argv + 2);
	if (!strcmp(argv[1], "export"))
		return cmd_export(argc - 2, argv + 2);
	if (!strcmp(argv[1], "verify"))
		return cmd_verify(argc - 2, argv + 2);
	if (!strcmp(argv[1], "status"))
		return cmd_status(argc - 2, argv + 2);
	if (!strcmp(argv[1], "append"))
		return cmd_append(argc - 2, argv + 2);
	if (!strcmp(argv[1], "get"))
		return cmd_get(argc - 2, argv + 2);
	if (!strcmp(argv[1], "receipts"))
		return cmd_receipts(argc - 2, argv + 2);
	if (!strcmp(argv[1], "refer"))
		return cmd_refer(argc - 2, argv + 2);
	if (!strcmp(argv[1], "respond"))
		return cmd_respond(argc - 2, argv + 2);
	if (!strcmp(argv[1], "transfer"))
		return cmd_transfer(argc - 2, argv + 2);
	if (!strcmp(argv[1], "designate"))
		return cmd_designate(argc - 2, argv + 2);
	if (!strcmp(argv[1], "show"))
		return cmd_show(argc - 2, argv + 2);
	if (!strcmp(argv[1], "reindex"))
		return cmd_reindex(argc - 2, argv + 2);
	if (!strcmp(argv[1], "evidence"))
		return cmd_evidence(argc - 2, argv + 2);
	if (!strcmp(argv[1], "update"))
		return cmd_update(argc - 2, argv + 2);
	if (!strcmp(argv[1], "view"))
		return cmd_view(argc - 2, argv + 2);
	if (!strcmp(argv[1], "cases") || !strcmp(argv[1], "search"))
		return cmd_cases(argc - 2, argv + 2);
	if (!strcmp(argv[1], "dispatch"))
		return cmd_dispatch(argc - 2, argv + 2);
	if (!strcmp(argv[1], "ack"))
		return cmd_ack(argc - 2, argv + 2);
	if (!strcmp(argv[1], "accept"))
		return cmd_accept(argc - 2, argv + 2);
	if (!strcmp(argv[1], "decline"))
		return cmd_decline(argc - 2, argv + 2);
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 2, argv + 2);
	usage(stderr);
	return cli_fail(EXIT_USAGE, "unknown command '%s'", argv[1]);
}

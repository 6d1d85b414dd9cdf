/* client/cli_fail.c: the bottom of the tool, used by every other file of it:
 * how a failure is told to the operator (on stderr, in the operator's
 * language, with the exit code that says what kind of failure it is), and
 * the one time format of the output.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "client/cli.h"
#include "client/i18n.h"
#include "common/base/errors.h"
#include "common/base/timeutil.h"

unsigned cli_time_flags;

int cli_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("liandong: ", stderr);
	va_start(ap, fmt);
	/* Every format given here is a message of the catalogue (xgettext
	 * takes cli_fail's second argument): translated once, here. */
	vfprintf(stderr, gettext(fmt), ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_daemon_fail(int r, const char *what)
{
	if (r == -ETIMEDOUT)
		return cli_fail(5,
				"%s: the daemon did not answer: it accepted the request but "
				"gave no answer in time (busy or stuck: see its log)",
				what);
	return cli_fail(EXIT_STORE, "%s: %s", what, cli_strerror(r));
}

const char *cli_strerror(int r)
{
	/* liandong's own codes are messages of the catalogue; the C
	 * library translates its errno texts itself. */
	return _(ld_strerror(r));
}

void cli_fmt_time(int64_t ms, char *buf, size_t n)
{
	ld_time_format(ms, cli_time_flags, buf, n);
}

/* client/web/weblog.h: liandong-web's log: one line per event on stderr,
 * with the local time, for the operator (logins, the daemon's state). */
#pragma once

void web_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

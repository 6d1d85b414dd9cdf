/* tests/bench/sse_load.h: N Server-Sent Events clients on liandong-web's
 * /events, read by one thread, for the benchmarks that measure the daemon's
 * rates with the wall's audience connected. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

typedef struct sse_load sse_load_t;

/* Connect n clients to http://127.0.0.1:port/events and read them in a thread
 * until sse_load_destroy. 0, or -errno with *ret_connected clients made. */
int sse_load_new(int port, size_t n, sse_load_t **ret);

/* Counters since sse_load_new: clients still connected, and the least and
 * total `event: change` count over the clients. */
void sse_load_counts(sse_load_t *l, size_t *connected, size_t *min_changes, size_t *changes);

/* Set every client's change count to 0 (to count one phase). */
void sse_load_reset(sse_load_t *l);

/* Close every client and stop the thread; *l_p set to NULL. */
void sse_load_destroy(sse_load_t **l_p);

/* liandong-web (path web) for the node configuration conf on 127.0.0.1:port,
 * stderr to log; waits (bounded, 10 s) until /healthz answers 200.
 * Its PID, or -1. Stop it with sse_web_stop. */
pid_t sse_web_start(const char *web, const char *conf, int port, const char *log);
void sse_web_stop(pid_t pid);

/* A free TCP port on 127.0.0.1, or -1. */
int sse_free_port(void);

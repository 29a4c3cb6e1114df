/*
 * monitor: what the database is doing around a plan, read on a connection
 * of its own.
 *
 * The monitor connection is opened with monitor_open(): application_name
 * "bellows:<plan>:monitor", statement_timeout 2s and lock_timeout 1s, so a
 * slow catalog read can never hang the caller's loop for long and the
 * monitor never queues behind the locks it is there to show.  Every list
 * it returns leaves out its own backend.
 *
 * This part gives the blockers of one backend (what the engine records on
 * a lock timeout, and what `k` in the console acts on) and the signal to
 * cancel or terminate one.  The console issue adds sessions, the lock
 * tree, replication and table statistics here.
 *
 * Privileges: without pg_read_all_stats (granted by pg_monitor) the server
 * hides other roles' sessions in pg_stat_activity: pid and user remain,
 * state, times and query are NULL.  Such a session comes back with
 * hidden = 1 and whatever could be read; nothing fails.
 *
 * Who owns what: arrays and strings returned are the caller's; release an
 * array with monitor_session_free_array().  Errors are -1 with *cause
 * (allocated, caller frees) carrying the SQLSTATE.
 */
#ifndef BELLOWS_MONITOR_H
#define BELLOWS_MONITOR_H

#include <stddef.h>

#include "conn.h"

/* Longest query text kept per session, in bytes (cut on a UTF-8 boundary). */
#define MONITOR_QUERY_MAX	1024

/* The monitor connection's own limits. */
#define MONITOR_STATEMENT_TIMEOUT	"2s"
#define MONITOR_LOCK_TIMEOUT		"1s"

struct monitor_session {
	int	 pid;
	char	*user;		/* NULL when unknown */
	char	*application;	/* "" when the client set none */
	char	*client;	/* client address, "local" (Unix socket); NULL: unknown */
	char	*state;		/* "active", "idle in transaction", ...; NULL: hidden */
	char	*wait_event;	/* "Lock:relation", "Client:ClientRead"; NULL: not waiting */
	long	 xact_ms;	/* age of its transaction; -1: none or hidden */
	long	 query_ms;	/* age of its current/last query; -1: unknown */
	long	 state_ms;	/* time in its current state; -1: unknown */
	char	*query;		/* current or last query, at most MONITOR_QUERY_MAX
				   bytes; NULL when hidden */
	int	 hidden;	/* another role's session we may not read */

	/*
	 * The lock through which it blocks the waiter: the lock it holds
	 * that conflicts with the one the waiter asks for (lock_granted 1),
	 * or, for a soft block, the conflicting lock it is itself waiting
	 * for ahead of the waiter in the queue (lock_granted 0).  All NULL
	 * when the block is not on a heavyweight lock the waiter waits for
	 * (e.g. a parallel query's group).
	 */
	char	*lock_mode;	/* "AccessExclusiveLock", ... */
	char	*lock_type;	/* pg_locks.locktype: "relation", "transactionid", ... */
	char	*lock_target;	/* "orders", "transaction 743", "tuple (0,1) of orders" */
	int	 lock_granted;
};

/* Connect the monitor: CONNINFO as in conn_open(); PLAN_NAME goes into
 * application_name.  NULL and ERR on failure. */
struct conn	*monitor_open(const char *conninfo, const char *plan_name,
		    struct conn_error *err);

/*
 * The sessions blocking backend PID right now (pg_blocking_pids: holders
 * of conflicting locks and, for soft blocks, conflicting waiters ahead in
 * the queue), oldest transaction first.  *OUT is NULL and *N 0 when
 * nothing blocks PID (also when PID does not exist).  0 or -1.
 */
int	 monitor_blockers(struct conn *, int pid,
	    struct monitor_session **out, size_t *n, char **cause);

/*
 * One line for logs and the console, e.g.
 *   pid 4242 (alice, psql, idle in transaction for 8.2s): UPDATE orders
 *   SET ... - holds RowExclusiveLock on orders
 * (on one line; the query is flattened and shortened).  Allocated.
 */
char	*monitor_session_describe(const struct monitor_session *);

void	 monitor_session_free_array(struct monitor_session *, size_t n);

/*
 * Cancel (TERMINATE 0: pg_cancel_backend) or terminate (pg_terminate_backend)
 * backend PID.  Returns 1 when the signal was sent, 0 when there is no such
 * backend (it may just have gone), -1 with *cause when the server refuses
 * (42501: not allowed to signal that role) or the connection fails.  The
 * monitor's own backend is never signalled (-1).
 */
int	 monitor_cancel_backend(struct conn *, int pid, int terminate,
	    char **cause);

/*
 * Durations for people: "850ms", "8.2s", "42s", "3min 12s", "5min",
 * "2h 05min", "3d 4h".  Negative: "-".  Writes into BUF (32 bytes is
 * always enough) and returns it.
 */
#define MONITOR_DURATION_LEN	32
const char *monitor_format_ms(long ms, char *buf, size_t len);

#endif

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
 * Two parts.  Synchronous calls: the blockers of one backend (what the
 * engine records on a lock timeout, and what `k` in the console acts on)
 * and the signal to cancel or terminate one.  The live view (struct
 * monitor, below): sessions, the lock tree, replication and table
 * statistics, refreshed asynchronously from the caller's poll() loop.  Both
 * share one connection: a synchronous call made while a refresh is on the
 * wire first waits for that refresh to end (conn_exec keeps its result for
 * the monitor), which the monitor's statement_timeout bounds to 2 s.
 *
 * The queries live in share/sql/monitor-*.sql, each naming the server
 * versions it supports (PostgreSQL 12 and later), compiled in at build
 * time.
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

#include <stdint.h>

#include "conn.h"
#include "plan.h"

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

	/* Set in monitor_view() sessions only (0 from monitor_blockers). */
	int	 executor;	/* the console's own executor backend */
	int	 touches;	/* holds or waits for a lock on a plan's table */
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
 * always enough) and returns it.  The same as fmt_duration() (fmt.h),
 * kept for the engine and `bellows check`.
 */
#define MONITOR_DURATION_LEN	32
const char *monitor_format_ms(long ms, char *buf, size_t len);

/* ------------------------------------------------------------------ view */

/*
 * The live view for the console (issue 6): a struct monitor refreshes it
 * asynchronously on the monitor connection, driven by the caller's poll()
 * loop (sessions every 1 s, locks every 2 s by default), and keeps the
 * last good result of each query.  A query failing with 42501 (missing
 * privilege) turns off that one feature and leaves a note; the rest keeps
 * working.  The monitor's own backend is never listed; the executor's
 * backend (the console's own) is flagged so the console can highlight it.
 *
 * The caller's contract: while a struct monitor exists it owns the
 * asynchronous slot of its connection (nobody else calls conn_send or
 * conn_poll on it; conn_exec, monitor_blockers and monitor_cancel_backend
 * are fine).  Ages in the view (xact_ms, wait_ms, ...) are as of
 * *_at_ms on the monitor's clock.  When the connection is lost the view
 * keeps what it last read, view.lost is set, a note says so, and nothing
 * is sent any more (there is no reconnection: open a new connection and a
 * new struct monitor).
 */

/* One entry of the lock queue, depth-first: a root holds (or waits
 * without being blocked), its children wait behind it. */
struct monitor_lock_node {
	int		 pid;
	int		 depth;		/* 0 for a root */
	int		 parent;	/* pid it waits behind, 0 for a root */
	int		 granted;	/* holds the lock it is listed with */
	int		 soft;		/* blocked by a waiter ahead, not a holder */
	const char	*mode;		/* "AccessExclusiveLock", ... */
	const char	*target;	/* "orders", "transaction 743", ... */
	long		 wait_ms;	/* -1 when it does not wait */
	long		 session;	/* index into view.sessions, -1 if absent */
	int		 cycle;		/* waits, directly or not, on a backend
					   listed below it: a deadlock the server
					   has not broken yet */
	int		 absent;	/* a blocker without a row of its own (it
					   went away between two reads): mode and
					   target are "" */
};

/* Flat rows as pg_blocking_pids gives them, for monitor_lock_tree(). */
struct monitor_lock_row {
	int		 pid;
	const int	*blocked_by;
	size_t		 nblocked_by;
	const char	*mode;
	const char	*target;
	int		 granted;
	long		 wait_ms;
	long		 xact_ms;	/* age of its transaction, -1: unknown;
					   orders the roots */
};

struct monitor_replica {
	char	*name;		/* application_name or client address */
	char	*state;		/* "streaming", ... */
	long	 replay_lag_ms;	/* -1: unknown */
};

struct monitor_table {
	char	*name;			/* as the plan writes it: "app.orders" */
	int64_t	 size_bytes;		/* -1: unknown (also: not read while a
					   lock queue is on the table; the
					   last size read is kept) */
	int64_t	 live_tuples;		/* -1: unknown */
	int64_t	 dead_tuples;
	char	*last_autovacuum;	/* "2024-05-01T12:00:00Z"; NULL: never */
	int	 autovacuum_running;
	int	 exists;		/* 0: not (yet) there, e.g. the plan
					   creates it */
	long	 autovacuum_age_ms;	/* since last_autovacuum, -1: never */
};

#define MONITOR_NOTES	8

struct monitor_view {
	int64_t			 sessions_at_ms;	/* clock of the last refresh, -1: none yet */
	int64_t			 locks_at_ms;
	/* Client sessions not idle, backends holding or waiting for a lock
	 * on the plan's tables (or their indexes), and the executor's;
	 * oldest transaction first.  lock_* fields are NULL here. */
	struct monitor_session	*sessions;
	size_t			 nsessions;
	struct monitor_lock_node *locks;
	size_t			 nlocks;
	struct monitor_replica	*replicas;
	size_t			 nreplicas;
	struct monitor_table	*tables;	/* the plan's tables */
	size_t			 ntables;
	/* A lost connection, features turned off (42501) or failing right
	 * now (a timeout: cleared by the next success), and what the role
	 * cannot see; one line each, e.g. "locks: permission denied
	 * (42501): grant pg_monitor". */
	const char		*notes[MONITOR_NOTES];
	size_t			 nnotes;
	int			 exec_pid;	/* the console's own executor backend */
	int			 monitor_pid;
	int64_t			 replicas_at_ms;	/* -1: none yet */
	int64_t			 tables_at_ms;
	int			 lost;		/* the monitor connection is gone: the
					   view is the last one read */
	int			 sees_all;	/* pg_read_all_stats: other roles'
					   sessions show in full */
};

struct monitor_options {
	long	 sessions_ms;	/* refresh period; 0: 1000 */
	long	 locks_ms;	/* 0: 2000 */
	int64_t	(*clock)(void *);	/* NULL: monotonic clock in ms */
	void	*clock_arg;
	long	 stats_ms;	/* replicas and tables; 0: 5000 */
};

struct monitor;

/* The refresh periods of bellows.conf (refresh_sessions, refresh_locks)
 * into O; unset ones keep O's. */
void		 monitor_options_from(struct monitor_options *o,
		    const struct plan_defaults *d);

/* C is borrowed (the monitor connection); PLAN gives the tables to watch.
 * EXEC_PID is the executor's backend (0: none). */
struct monitor	*monitor_new(struct conn *c, const struct plan *plan,
		    int exec_pid, const struct monitor_options *);
/* Hands the connection back idle: a refresh on the wire is cancelled and
 * waited for (bounded by the statement_timeout).  NULL is a no-op. */
void		 monitor_free(struct monitor *);
/* After the executor reconnected. */
void		 monitor_set_exec_pid(struct monitor *, int pid);
/* The socket to watch (POLLIN; -1 once the connection is lost) and the
 * time until monitor_advance() is next needed (-1: only on the socket). */
void		 monitor_pollfd(struct monitor *, int *fd, int *timeout_ms);
/* Collect results and start refreshes that are due; never blocks.
 * Call it when the socket is readable and when the timeout expires. */
void		 monitor_advance(struct monitor *);
/* Refresh now (e.g. the operator pressed a key); still asynchronous. */
void		 monitor_refresh(struct monitor *);
/* Valid until the next monitor_advance/refresh/set_exec_pid/free. */
const struct monitor_view *monitor_view(struct monitor *);
/* Whether a refresh query is on the wire (for tests and the status line). */
int		 monitor_in_flight(struct monitor *);

/*
 * Build the lock queue tree from flat rows (pure; unit-tested).  *OUT is
 * allocated (free it with free(); strings point into ROWS, "" for absent
 * blockers).  Depth-first: each node is followed by the nodes waiting
 * behind it.  A waiter blocked by several backends goes under the one
 * that makes the longest chain, so a reader queued behind a DDL that waits
 * for a holder reads holder > DDL > reader.  Roots (backends that wait for
 * nobody listed) come oldest transaction first, then longest wait, then
 * pid; siblings longest wait first.  A pid listed twice keeps its first
 * row; a blocker missing from ROWS gets a node of its own (absent); a
 * cycle of waits is cut at one of its members, which becomes a root, and
 * each member is marked.  soft: the parent waits itself, for a lock on the
 * same object.  session is -1.
 */
void		 monitor_lock_tree(const struct monitor_lock_row *rows, size_t n,
		    struct monitor_lock_node **out, size_t *nout);

#endif

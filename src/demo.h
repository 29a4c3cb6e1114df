/*
 * demo: the scratch PostgreSQL of `bellows demo`.
 *
 * A demo is a private directory under $TMPDIR holding a cluster (data/), its
 * logs and its Unix socket (no TCP), a server started from the Debian
 * server binaries (as the `postgres` system user when bellows runs as root,
 * since the server refuses root), a database `demo` with sample users and
 * orders, and optionally a child process playing the application (two
 * sessions, application_name 'demo-app', point reads and short updates on
 * orders).
 *
 * Nothing outlives bellows unless the caller asks (demo_keep): demo_create
 * forks a watchdog in its own session that, when bellows is gone without
 * disarming it (killed, even by SIGKILL, or exited through util_fatal),
 * stops the server and removes the directory.  The traffic child dies with
 * bellows (PR_SET_PDEATHSIG).
 *
 * Errors: functions return 0 or -1 and fill *cause (allocated, the caller
 * frees it); a failure of initdb or of the server carries the tail of its
 * log.  After demo_interrupt(), the running step stops early and returns -1
 * with cause "interrupted"; the caller can tell with demo_interrupted().
 */
#ifndef BELLOWS_DEMO_H
#define BELLOWS_DEMO_H

struct demo;

/* The directory of the server binaries: PG_BINDIR from configure, else the
 * newest /usr/lib/postgresql/N/bin.  Allocated; NULL and *cause when none
 * holds initdb, pg_ctl and postgres. */
char		*demo_find_bindir(char **cause);

/* Make the private directory and arm the watchdog.  Nothing runs yet. */
struct demo	*demo_create(const char *bindir, char **cause);
/* initdb, then start the server and create the database `demo`. */
int		 demo_initdb(struct demo *, char **cause);
int		 demo_start(struct demo *, char **cause);

/*
 * Load share/sql/demo-schema.sql with USERS users and ORDERS orders.  For
 * each section PROGRESS is called twice: before it runs with SECONDS < 0,
 * after it with the time it took.
 */
typedef void	 demo_progress_cb(void *arg, const char *label, double seconds);
int		 demo_load(struct demo *, long long users, long long orders,
		    demo_progress_cb *progress, void *arg, char **cause);

/* Start / stop the simulated application on ORDERS orders.  Stopping is
 * idempotent and also done by demo_destroy and demo_keep. */
int		 demo_traffic_start(struct demo *, long long orders, char **cause);
void		 demo_traffic_stop(struct demo *);

/* The directory; libpq conninfo of the database `demo`; shell command lines
 * to connect with psql and to stop the server and remove the directory. */
const char	*demo_dir(struct demo *);
const char	*demo_conninfo(struct demo *);
const char	*demo_psql_command(struct demo *);
const char	*demo_stop_command(struct demo *);

/* Stop the traffic and the server (fast shutdown, then harder), remove the
 * directory, disarm the watchdog, free.  Safe at any stage. */
void		 demo_destroy(struct demo *);
/* Stop the traffic, leave the server and the directory, disarm the
 * watchdog, free. */
void		 demo_keep(struct demo *);
/* With --keep, from the moment the data is loaded: a bellows killed from
 * then on leaves the server running (the watchdog stands down). */
void		 demo_keep_server(struct demo *);

/* Async-signal-safe: make the running step stop early (cancels the
 * statement in flight, stops a running initdb or pg_ctl). */
void		 demo_interrupt(void);
int		 demo_interrupted(void);

#endif

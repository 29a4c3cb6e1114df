/*
 * conn: libpq connections for the executor and the monitor.
 *
 * Every PGresult bellows receives passes through conn_check(), the one place
 * that turns a failed result into a struct conn_error keeping the SQLSTATE,
 * message, detail and hint (after psql's AcceptResult).  Long statements go
 * through the asynchronous calls (conn_send, conn_poll) so the caller's
 * poll() loop stays live; conn_exec() blocks and is for short catalog
 * queries only.
 *
 * Connection parameters follow libpq: a conninfo string, URI or database
 * name, then PGHOST, PGPORT, PGDATABASE, PGUSER, PGSERVICE and ~/.pgpass.
 * Passwords never leave libpq: conn_describe() prints user@host:port/db.
 */
#ifndef BELLOWS_CONN_H
#define BELLOWS_CONN_H

#include <libpq-fe.h>

/* A server or client error.  Strings are owned by the struct; release with
 * conn_error_clear(), which leaves it ready for reuse. */
struct conn_error {
	char	 sqlstate[6];	/* "" when libpq gave none (client-side) */
	char	*message;
	char	*detail;
	char	*hint;
	int	 position;	/* 1-based character in the statement, 0 if none */
};

/* SQLSTATEs bellows acts on. */
#define CONN_LOCK_TIMEOUT	"55P03"
#define CONN_QUERY_CANCELED	"57014"
#define CONN_DEADLOCK		"40P01"
#define CONN_PRIVILEGE		"42501"
#define CONN_CONNECTION_LOST	"08006"

struct conn;

void	 conn_error_clear(struct conn_error *);
/* "ERROR 42P01: relation \"x\" does not exist (DETAIL: ...) (HINT: ...)",
 * allocated. */
char	*conn_error_format(const struct conn_error *);
int	 conn_error_is(const struct conn_error *, const char *sqlstate);

/* Connect (blocking) with APPNAME as application_name; CONNINFO may be
 * NULL or "" for the environment's defaults.  NULL and ERR on failure. */
struct conn	*conn_open(const char *conninfo, const char *appname,
		    struct conn_error *err);
/* The same with server settings for the session in libpq's "options"
 * form ("-c statement_timeout=2s"): unlike SET, they survive conn_reset. */
struct conn	*conn_open_options(const char *conninfo, const char *appname,
		    const char *options, struct conn_error *err);
void		 conn_close(struct conn *);
/*
 * Overwrite, in place, the password CONNINFO (a conninfo string or URI,
 * as -d takes it) spells, so that ps(1) and /proc/PID/cmdline stop
 * showing it once main() has copied the argument: its bytes become 'x',
 * or the whole string blanks when the password is written in a way this
 * does not follow.  Returns whether anything was hidden.  Connection
 * errors never carry the password either (conn_open hides it there).
 */
int		 conn_hide_password(char *conninfo);
/* Reconnect with the same parameters (PQreset, blocking up to
 * connect_timeout), dropping any command in flight.  Session settings are
 * lost: the caller sets them again.  0, or -1 and ERR. */
int		 conn_reset(struct conn *, struct conn_error *err);

PGconn		*conn_pg(struct conn *);
int		 conn_server_version(struct conn *);	/* e.g. 150004 */
int		 conn_backend_pid(struct conn *);
int		 conn_socket(struct conn *);
/* "user@host:port/dbname" (socket directories shown as given). */
const char	*conn_describe(struct conn *);
/* Whether the connection is still usable (CONNECTION_OK). */
int		 conn_alive(struct conn *);

/*
 * The funnel.  Takes ownership of RES: returns it when it is a success
 * (command ok, tuples ok, copy, single tuple), else clears it, fills ERR
 * and returns NULL.  A NULL RES is turned into the connection's error.
 */
PGresult	*conn_check(struct conn *, PGresult *res, struct conn_error *err);

/* As NPARAMS: no parameters, but sent by the extended protocol, which
 * refuses a second statement in SQL (for queries written by the plan's
 * author that must run alone, such as verify and throttle_sql). */
#define CONN_ONE_STATEMENT	(-1)

/* Blocking execution of short statements.  PARAMS are text; NPARAMS may be
 * 0 or CONN_ONE_STATEMENT.  The result is owned by the caller (PQclear).  When an asynchronous
 * command is in flight, it is first run to its end (blocking) and its
 * outcome kept for the next conn_poll, so a periodic asynchronous query
 * and short synchronous ones can share one connection. */
PGresult	*conn_exec(struct conn *, const char *sql, int nparams,
		    const char *const *params, struct conn_error *err);
/* A query written by the plan's author that must only read, blocking:
 * alone (CONN_ONE_STATEMENT), in a READ ONLY transaction rolled back at
 * once, under statement_timeout TIMEOUT_MS.  The connection must be idle
 * (not in a transaction).  As conn_exec otherwise. */
PGresult	*conn_exec_read_only(struct conn *, const char *sql,
		    long timeout_ms, struct conn_error *err);
/* As conn_exec for statements with no result rows; 0 or -1. */
int		 conn_command(struct conn *, const char *sql, int nparams,
		    const char *const *params, struct conn_error *err);

/*
 * Asynchronous execution.  conn_send() starts SQL (several statements are
 * allowed when NPARAMS is 0).  Then, whenever conn_socket() is readable (or
 * on a timer), call conn_poll():
 *    1  the command finished: *RES is the last result (caller clears it),
 *       or NULL with ERR filled when any statement failed (the first
 *       failure is kept);
 *    0  still running;
 *   -1  the connection is lost (ERR filled, sqlstate 08006).
 */
int		 conn_send(struct conn *, const char *sql, int nparams,
		    const char *const *params, struct conn_error *err);
int		 conn_poll(struct conn *, PGresult **res, struct conn_error *err);
int		 conn_busy(struct conn *);
/* Ask the server to cancel the running statement (PQcancel).  The
 * statement then ends with SQLSTATE 57014 through conn_poll. */
int		 conn_cancel(struct conn *, struct conn_error *err);

/* Quote an identifier / literal for the rare SQL that cannot take
 * parameters (DDL).  Allocated with xmalloc. */
char		*conn_quote_ident(struct conn *, const char *);
char		*conn_quote_literal(struct conn *, const char *);

#endif

/* monitor: see monitor.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "util.h"

/* The monitor's notices (e.g. "PID 42 is not a PostgreSQL backend
 * process" from pg_cancel_backend) would land on stderr under the
 * console's screen; results carry all the monitor needs. */
static void
monitor_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

struct conn *
monitor_open(const char *conninfo, const char *plan_name,
    struct conn_error *err)
{
	/* SET takes no parameters; these are constants, not user data. */
	static const char	 limits[] =
	    "SET statement_timeout = '" MONITOR_STATEMENT_TIMEOUT "';"
	    "SET lock_timeout = '" MONITOR_LOCK_TIMEOUT "'";
	struct conn		*c;
	char			*appname;

	appname = xasprintf("bellows:%s:monitor",
	    plan_name != NULL ? plan_name : "");
	c = conn_open(conninfo, appname, err);
	free(appname);
	if (c == NULL)
		return (NULL);
	PQsetNoticeProcessor(conn_pg(c), monitor_notice, NULL);
	if (conn_command(c, limits, 0, NULL, err) != 0) {
		conn_close(c);
		return (NULL);
	}
	return (c);
}

/*
 * The blockers of $1 with the lock through which each blocks it.
 *
 * Supports PostgreSQL 12 and later (pg_blocking_pids: 9.6; backend_type
 * and the pg_read_all_stats role: 10).
 *
 * The waiter waits for at most one heavyweight lock (its row in pg_locks
 * with granted = false).  Among the blocker's locks on that same object we
 * take one whose mode conflicts with the mode asked for (the table of
 * "Conflicting Lock Modes" in the manual), a granted one first (a hard
 * block), else the one it waits for itself ahead in the queue (a soft
 * block), strongest mode first.  A blocker with pid 0 is a prepared
 * transaction: its locks have a NULL pid.
 */
static const char monitor_blockers_sql[] =
	"WITH waiter AS ("
	"  SELECT locktype, database, relation, page, tuple, virtualxid,"
	"      transactionid, classid, objid, objsubid, mode"
	"  FROM pg_catalog.pg_locks WHERE pid = $1 AND NOT granted LIMIT 1"
	"), modes(mode, strength, conflicts) AS (VALUES"
	"  ('AccessShareLock', 1, ARRAY['AccessExclusiveLock']),"
	"  ('RowShareLock', 2, ARRAY['ExclusiveLock', 'AccessExclusiveLock']),"
	"  ('RowExclusiveLock', 3, ARRAY['ShareLock', 'ShareRowExclusiveLock',"
	"      'ExclusiveLock', 'AccessExclusiveLock']),"
	"  ('ShareUpdateExclusiveLock', 4, ARRAY['ShareUpdateExclusiveLock',"
	"      'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock',"
	"      'AccessExclusiveLock']),"
	"  ('ShareLock', 5, ARRAY['RowExclusiveLock',"
	"      'ShareUpdateExclusiveLock', 'ShareRowExclusiveLock',"
	"      'ExclusiveLock', 'AccessExclusiveLock']),"
	"  ('ShareRowExclusiveLock', 6, ARRAY['RowExclusiveLock',"
	"      'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock',"
	"      'ExclusiveLock', 'AccessExclusiveLock']),"
	"  ('ExclusiveLock', 7, ARRAY['RowShareLock', 'RowExclusiveLock',"
	"      'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock',"
	"      'ExclusiveLock', 'AccessExclusiveLock']),"
	"  ('AccessExclusiveLock', 8, ARRAY['AccessShareLock', 'RowShareLock',"
	"      'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock',"
	"      'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'])"
	"), blockers AS ("
	"  SELECT DISTINCT unnest(pg_catalog.pg_blocking_pids($1)) AS pid"
	"), rel AS ("
	/* Names resolve only in our database (and for shared catalogs). */
	"  SELECT l.*, CASE WHEN l.relation IS NULL THEN NULL"
	"      WHEN l.database = 0 OR l.database = (SELECT oid FROM"
	"          pg_catalog.pg_database WHERE datname = current_database())"
	"      THEN l.relation::pg_catalog.regclass::text"
	"      ELSE 'relation ' || l.relation END AS relname"
	"  FROM pg_catalog.pg_locks l"
	") "
	"SELECT b.pid, a.usename, a.application_name,"
	"    CASE WHEN a.client_addr IS NOT NULL THEN host(a.client_addr)"
	"        WHEN a.client_port = -1 THEN 'local' END,"
	"    CASE WHEN b.pid = 0 THEN 'prepared transaction' ELSE a.state END,"
	"    a.wait_event_type || ':' || a.wait_event,"
	"    (extract(epoch FROM now() - a.xact_start) * 1000)::bigint,"
	"    (extract(epoch FROM now() - a.query_start) * 1000)::bigint,"
	"    (extract(epoch FROM now() - a.state_change) * 1000)::bigint,"
	"    left(a.query, 1024),"
	"    b.pid <> 0 AND NOT coalesce(pg_catalog.pg_has_role(a.usesysid,"
	"        'USAGE'), false) AND NOT pg_catalog.pg_has_role("
	"        'pg_read_all_stats', 'USAGE'),"
	"    k.mode, k.locktype, k.target, k.granted "
	"FROM blockers b "
	"LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = b.pid "
	"LEFT JOIN LATERAL ("
	"  SELECT h.mode, h.locktype, h.granted,"
	"      CASE h.locktype"
	"      WHEN 'relation' THEN h.relname"
	"      WHEN 'tuple' THEN 'tuple (' || h.page || ',' || h.tuple"
	"          || ') of ' || h.relname"
	"      WHEN 'page' THEN 'page ' || h.page || ' of ' || h.relname"
	"      WHEN 'extend' THEN 'extension of ' || h.relname"
	"      WHEN 'transactionid' THEN 'transaction ' || h.transactionid"
	"          || coalesce(' (row in ' || (SELECT t.relname FROM rel t"
	"              WHERE t.pid = $1 AND t.locktype = 'tuple'"
	"              LIMIT 1) || ')', '')"
	"      WHEN 'virtualxid' THEN 'virtual transaction ' || h.virtualxid"
	"      WHEN 'advisory' THEN 'advisory lock ' || h.classid || '/'"
	"          || h.objid"
	"      ELSE h.locktype END AS target"
	"  FROM rel h, waiter w, modes m"
	"  WHERE (h.pid = b.pid OR (b.pid = 0 AND h.pid IS NULL))"
	"    AND h.locktype = w.locktype"
	"    AND h.database IS NOT DISTINCT FROM w.database"
	"    AND h.relation IS NOT DISTINCT FROM w.relation"
	"    AND h.page IS NOT DISTINCT FROM w.page"
	"    AND h.tuple IS NOT DISTINCT FROM w.tuple"
	"    AND h.virtualxid IS NOT DISTINCT FROM w.virtualxid"
	"    AND h.transactionid IS NOT DISTINCT FROM w.transactionid"
	"    AND h.classid IS NOT DISTINCT FROM w.classid"
	"    AND h.objid IS NOT DISTINCT FROM w.objid"
	"    AND h.objsubid IS NOT DISTINCT FROM w.objsubid"
	"    AND m.mode = w.mode AND h.mode = ANY (m.conflicts)"
	"  ORDER BY h.granted DESC, (SELECT s.strength FROM modes s"
	"      WHERE s.mode = h.mode) DESC NULLS LAST"
	"  LIMIT 1"
	") k ON true "
	"WHERE b.pid <> pg_catalog.pg_backend_pid() "
	"ORDER BY a.xact_start NULLS LAST, b.pid";

static char *
monitor_error(struct conn_error *err)
{
	char	*cause;

	cause = conn_error_format(err);
	conn_error_clear(err);
	return (cause);
}

static char *
monitor_text(PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return (NULL);
	return (xstrdup(PQgetvalue(res, row, col)));
}

static long
monitor_long(PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return (-1);
	return (strtol(PQgetvalue(res, row, col), NULL, 10));
}

/* Cut S to at most MAX bytes without splitting a UTF-8 sequence. */
static void
monitor_cut(char *s, size_t max)
{
	size_t	len;

	if ((len = strlen(s)) <= max)
		return;
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	s[len] = '\0';
}

int
monitor_blockers(struct conn *c, int pid, struct monitor_session **out,
    size_t *n, char **cause)
{
	struct conn_error	 err = { 0 };
	struct monitor_session	*s, *list;
	PGresult		*res;
	char			 pidbuf[16];
	const char		*params[1];
	int			 i, rows;

	*out = NULL;
	*n = 0;
	snprintf(pidbuf, sizeof pidbuf, "%d", pid);
	params[0] = pidbuf;
	res = conn_exec(c, monitor_blockers_sql, 1, params, &err);
	if (res == NULL) {
		*cause = monitor_error(&err);
		return (-1);
	}
	if ((rows = PQntuples(res)) == 0) {
		PQclear(res);
		return (0);
	}
	list = xcalloc(rows, sizeof *list);
	for (i = 0; i < rows; i++) {
		s = &list[i];
		s->pid = (int)monitor_long(res, i, 0);
		s->user = monitor_text(res, i, 1);
		s->application = monitor_text(res, i, 2);
		if (s->application == NULL)
			s->application = xstrdup("");
		s->client = monitor_text(res, i, 3);
		s->state = monitor_text(res, i, 4);
		s->wait_event = monitor_text(res, i, 5);
		s->xact_ms = monitor_long(res, i, 6);
		s->query_ms = monitor_long(res, i, 7);
		s->state_ms = monitor_long(res, i, 8);
		s->hidden = strcmp(PQgetvalue(res, i, 10), "t") == 0;
		if (!s->hidden && (s->query = monitor_text(res, i, 9)) != NULL)
			monitor_cut(s->query, MONITOR_QUERY_MAX);
		s->lock_mode = monitor_text(res, i, 11);
		s->lock_type = monitor_text(res, i, 12);
		s->lock_target = monitor_text(res, i, 13);
		s->lock_granted = !PQgetisnull(res, i, 14) &&
		    strcmp(PQgetvalue(res, i, 14), "t") == 0;
	}
	PQclear(res);
	*out = list;
	*n = rows;
	return (0);
}

/* The query on one line: whitespace runs become one space, then cut to
 * about MAX bytes with "..." when longer. */
static void
monitor_put_query(struct buf *b, const char *q, size_t max)
{
	struct buf	 flat;
	const char	*p;
	int		 space = 0;

	buf_init(&flat);
	for (p = q; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = flat.len > 0;
			continue;
		}
		if (space)
			buf_putc(&flat, ' ');
		space = 0;
		buf_putc(&flat, *p);
	}
	if (flat.len > max) {
		monitor_cut(flat.data, max);
		buf_puts(b, flat.data);
		buf_puts(b, " ...");
	} else
		buf_puts(b, flat.data != NULL ? flat.data : "");
	buf_free(&flat);
}

char *
monitor_session_describe(const struct monitor_session *s)
{
	struct buf	b;
	char		d[MONITOR_DURATION_LEN];

	buf_init(&b);
	if (s->pid == 0)
		buf_puts(&b, "a prepared transaction");
	else
		buf_printf(&b, "pid %d", s->pid);
	buf_printf(&b, " (%s", s->user != NULL ? s->user : "?");
	if (s->application != NULL && *s->application != '\0')
		buf_printf(&b, ", %s", s->application);
	if (s->hidden)
		buf_puts(&b, ", details hidden: needs pg_monitor");
	else if (s->state != NULL) {
		buf_printf(&b, ", %s", s->state);
		if (s->state_ms >= 0)
			buf_printf(&b, " for %s",
			    monitor_format_ms(s->state_ms, d, sizeof d));
	}
	if (s->xact_ms >= 0 && s->state != NULL &&
	    strcmp(s->state, "idle in transaction") != 0)
		buf_printf(&b, ", transaction %s",
		    monitor_format_ms(s->xact_ms, d, sizeof d));
	buf_puts(&b, ")");
	if (s->query != NULL && *s->query != '\0') {
		buf_puts(&b, ": ");
		monitor_put_query(&b, s->query, 60);
	}
	if (s->lock_mode != NULL) {
		buf_printf(&b, " - %s %s on %s",
		    s->lock_granted ? "holds" : "waits ahead for",
		    s->lock_mode, s->lock_target != NULL ?
		    s->lock_target : "?");
	}
	return (buf_detach(&b));
}

void
monitor_session_free_array(struct monitor_session *list, size_t n)
{
	size_t	i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(list[i].user);
		free(list[i].application);
		free(list[i].client);
		free(list[i].state);
		free(list[i].wait_event);
		free(list[i].query);
		free(list[i].lock_mode);
		free(list[i].lock_type);
		free(list[i].lock_target);
	}
	free(list);
}

int
monitor_cancel_backend(struct conn *c, int pid, int terminate, char **cause)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			 pidbuf[16];
	const char		*params[1];
	int			 sent;

	if (pid == 0) {
		*cause = xstrdup("a prepared transaction cannot be signalled: "
		    "COMMIT PREPARED or ROLLBACK PREPARED it");
		return (-1);
	}
	if (pid == conn_backend_pid(c)) {
		*cause = xasprintf("pid %d is the monitor's own backend", pid);
		return (-1);
	}
	snprintf(pidbuf, sizeof pidbuf, "%d", pid);
	params[0] = pidbuf;
	res = conn_exec(c, terminate ?
	    "SELECT pg_catalog.pg_terminate_backend($1::int)" :
	    "SELECT pg_catalog.pg_cancel_backend($1::int)", 1, params, &err);
	if (res == NULL) {
		*cause = monitor_error(&err);
		return (-1);
	}
	/* false: "PID is not a PostgreSQL backend process" (a warning). */
	sent = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return (sent);
}

const char *
monitor_format_ms(long ms, char *buf, size_t len)
{
	if (ms < 0)
		snprintf(buf, len, "-");
	else if (ms < 1000)
		snprintf(buf, len, "%ldms", ms);
	else if (ms < 10000)
		snprintf(buf, len, "%ld.%lds", ms / 1000, ms % 1000 / 100);
	else if (ms < 60000)
		snprintf(buf, len, "%lds", ms / 1000);
	else if (ms < 3600000L) {
		if (ms / 1000 % 60 == 0)
			snprintf(buf, len, "%ldmin", ms / 60000);
		else
			snprintf(buf, len, "%ldmin %lds", ms / 60000,
			    ms / 1000 % 60);
	} else if (ms < 86400000L) {
		if (ms / 60000 % 60 == 0)
			snprintf(buf, len, "%ldh", ms / 3600000L);
		else
			snprintf(buf, len, "%ldh %02ldmin", ms / 3600000L,
			    ms / 60000 % 60);
	} else {
		if (ms / 3600000L % 24 == 0)
			snprintf(buf, len, "%ldd", ms / 86400000L);
		else
			snprintf(buf, len, "%ldd %ldh", ms / 86400000L,
			    ms / 3600000L % 24);
	}
	return (buf);
}

/* journal: see journal.h. */
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "trust.h"
#include "util.h"

/* The journal's schema, for trust_schema (the SQL spells it out). */
#define JOURNAL_SCHEMA	"bellows"

/*
 * The journal schema, version 2 (JOURNAL_SCHEMA_VERSION): version 1's
 * tables, then what version 2 adds (idempotent, so it upgrades a version 1
 * journal in place).  Runs under the
 * schema advisory lock inside one transaction, so IF NOT EXISTS never races.
 * Needs PostgreSQL 9.6 or later (CREATE INDEX IF NOT EXISTS, to_regclass
 * on text); bellows is tested on 15.  A later version adds its migration
 * after this text and bumps meta.version; an older bellows then refuses the
 * database instead of writing rows it does not understand.
 *
 * Foreign keys cascade so that deleting a run row forgets the whole run.
 * Times use clock_timestamp() where they mark an instant inside a longer
 * transaction (a step's "done" commits with its DDL).
 */
static const char journal_schema_sql[] =
	"CREATE SCHEMA IF NOT EXISTS bellows;\n"
	"CREATE TABLE IF NOT EXISTS bellows.meta (\n"
	"	version integer NOT NULL\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS bellows.runs (\n"
	"	name text PRIMARY KEY,\n"
	"	plan_sha256 text NOT NULL,\n"
	"	plan_file text,\n"
	"	plan_text text,\n"
	"	state text NOT NULL DEFAULT 'running',\n"
	"	driver_host text,\n"
	"	driver_pid integer,\n"
	"	driver_backend_pid integer,\n"
	"	operator text,\n"
	"	driver_since timestamptz,\n"
	"	created_at timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
	"	updated_at timestamptz NOT NULL DEFAULT clock_timestamp()\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS bellows.steps (\n"
	"	run text NOT NULL REFERENCES bellows.runs (name)\n"
	"	    ON DELETE CASCADE ON UPDATE CASCADE,\n"
	"	phase integer NOT NULL,\n"
	"	step integer NOT NULL,\n"
	"	phase_name text NOT NULL,\n"
	"	step_name text,\n"
	"	kind text NOT NULL,\n"
	"	state text NOT NULL DEFAULT 'pending',\n"
	"	attempts integer NOT NULL DEFAULT 0,\n"
	"	started_at timestamptz,\n"
	"	finished_at timestamptz,\n"
	"	cursor text,\n"
	"	rows_done bigint NOT NULL DEFAULT 0,\n"
	"	batches bigint NOT NULL DEFAULT 0,\n"
	"	PRIMARY KEY (run, phase, step)\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS bellows.events (\n"
	"	id bigserial PRIMARY KEY,\n"
	"	run text NOT NULL REFERENCES bellows.runs (name)\n"
	"	    ON DELETE CASCADE ON UPDATE CASCADE,\n"
	"	at timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
	"	operator text,\n"
	"	phase text,\n"
	"	step text,\n"
	"	kind text NOT NULL,\n"
	"	detail text\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS events_run_id_idx\n"
	"	ON bellows.events (run, id);\n"
	/*
	 * Version 2.  A step's undo keeps its own state (NULL before any
	 * rollback; running, failed, interrupted, done), so that an
	 * interrupted or failed undo is redone by the next rollback instead
	 * of being taken for a step that never ran.  sql_sha256 identifies a
	 * step when a changed plan is mapped onto the journal (--force).
	 * attempt_started_at is when the attempt that stands began: a step's
	 * duration is that attempt's, apart from waits and earlier attempts.
	 * run_locks gives every run name its own advisory lock key (hashes of
	 * two names can collide; an identity cannot).
	 */
	"ALTER TABLE bellows.steps ADD COLUMN IF NOT EXISTS undo text;\n"
	"ALTER TABLE bellows.steps ADD COLUMN IF NOT EXISTS sql_sha256 text;\n"
	"ALTER TABLE bellows.steps\n"
	"	ADD COLUMN IF NOT EXISTS attempt_started_at timestamptz;\n"
	"ALTER TABLE bellows.steps\n"
	"	ADD COLUMN IF NOT EXISTS active_ms bigint NOT NULL DEFAULT 0;\n"
	"CREATE TABLE IF NOT EXISTS bellows.run_locks (\n"
	"	name text PRIMARY KEY,\n"
	"	id integer GENERATED ALWAYS AS IDENTITY UNIQUE\n"
	");\n";

/* Times handed to callers: ISO 8601, UTC, milliseconds, whatever the
 * session's DateStyle and TimeZone. */
#define JOURNAL_TS(col) \
	"pg_catalog.to_char(" col " AT TIME ZONE 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The granted advisory lock of run $N (a text parameter) in this database:
 * a WHERE clause over pg_locks l.  The key is the run's row in run_locks. */
#define JOURNAL_LOCK_WHERE(n) \
	"l.locktype = 'advisory' AND l.granted AND l.objsubid = 2" \
	" AND l.database = (SELECT oid FROM pg_catalog.pg_database" \
	"     WHERE datname = pg_catalog.current_database())" \
	" AND l.classid = " JOURNAL_STR(JOURNAL_LOCK_CLASS) "::int4::oid" \
	" AND l.objid = (SELECT k.id FROM bellows.run_locks k" \
	"     WHERE k.name = " n ")::oid"
#define JOURNAL_STR(x) JOURNAL_STR2(x)
#define JOURNAL_STR2(x) #x

/* Turn ERR into *CAUSE, prefixed with what failed; returns -1. */
static int
journal_error(struct conn_error *err, char **cause, const char *what)
{
	char	*msg;

	msg = conn_error_format(err);
	*cause = xasprintf("%s: %s", what, msg);
	free(msg);
	conn_error_clear(err);
	return (-1);
}

/*
 * Open a transaction unless the caller already has one (then our writes
 * join it, which is how a step's state commits with its work).  *OWN says
 * whether journal_commit/journal_abort must end it.
 */
static int
journal_begin(struct conn *c, int *own, char **cause)
{
	struct conn_error	err = { 0 };

	*own = 0;
	switch (PQtransactionStatus(conn_pg(c))) {
	case PQTRANS_IDLE:
		break;
	case PQTRANS_INTRANS:
		return (0);
	case PQTRANS_INERROR:
		*cause = xstrdup("journal: the current transaction is aborted");
		return (-1);
	case PQTRANS_ACTIVE:
	case PQTRANS_UNKNOWN:
		*cause = xstrdup("journal: the connection is busy or lost");
		return (-1);
	}
	if (conn_command(c, "BEGIN", 0, NULL, &err) != 0)
		return (journal_error(&err, cause, "journal"));
	*own = 1;
	return (0);
}

static int
journal_commit(struct conn *c, int own, char **cause)
{
	struct conn_error	err = { 0 };

	if (own && conn_command(c, "COMMIT", 0, NULL, &err) != 0)
		return (journal_error(&err, cause, "journal: commit"));
	return (0);
}

/* Roll back a transaction we opened; the caller's own transaction is left
 * to the caller (it is aborted by the failed statement anyway). */
static void
journal_abort(struct conn *c, int own)
{
	struct conn_error	err = { 0 };

	if (own && conn_alive(c)) {
		conn_command(c, "ROLLBACK", 0, NULL, &err);
		conn_error_clear(&err);
	}
}

/* An owned copy of a result field, NULL for SQL NULL. */
static char *
journal_field(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return (NULL);
	return (xstrdup(PQgetvalue(res, row, col)));
}

static int64_t
journal_field_int(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return (0);
	return (strtoll(PQgetvalue(res, row, col), NULL, 10));
}

static const char *
journal_kind(enum plan_phase_kind kind)
{
	switch (kind) {
	case PLAN_PHASE_STEPS:
		return (JOURNAL_KIND_STEPS);
	case PLAN_PHASE_GATE:
		return (JOURNAL_KIND_GATE);
	case PLAN_PHASE_BACKFILL:
		return (JOURNAL_KIND_BACKFILL);
	case PLAN_PHASE_VERIFY:
		return (JOURNAL_KIND_VERIFY);
	}
	util_fatal("journal: phase kind %d", (int)kind);
}

int
journal_ensure(struct conn *c, char **cause)
{
	static const char lock_sql[] =
	    "SELECT pg_catalog.pg_advisory_xact_lock("
	    JOURNAL_STR(JOURNAL_SCHEMA_LOCK_CLASS) ", 0),"
	    " pg_catalog.to_regclass('bellows.meta') IS NOT NULL";
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			 v[16];
	const char		*params[1];
	int			 own, exists, version;

	if (journal_begin(c, &own, cause) != 0)
		return (-1);
	/* Held until the transaction ends: a second bellows waits here and
	 * then finds everything created. */
	if ((res = conn_exec(c, lock_sql, 0, NULL, &err)) == NULL)
		goto fail;
	exists = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	/* Before the first statement that could run another role's code
	 * (a trigger, a view's function), and below again once everything
	 * exists: the schema may have appeared since this check. */
	if (trust_schema(c, JOURNAL_SCHEMA, cause) != 0) {
		journal_abort(c, own);
		return (-1);
	}

	version = 0;
	if (exists) {
		res = conn_exec(c, "SELECT pg_catalog.max(version)"
		    " FROM bellows.meta", 0, NULL, &err);
		if (res == NULL)
			goto fail;
		version = (int)journal_field_int(res, 0, 0);
		PQclear(res);
	}
	if (version > JOURNAL_SCHEMA_VERSION) {
		journal_abort(c, own);
		*cause = xasprintf("the journal in this database (schema "
		    "bellows) is version %d, newer than this bellows "
		    "understands (%d): use a newer bellows", version,
		    JOURNAL_SCHEMA_VERSION);
		return (-1);
	}
	if (version < JOURNAL_SCHEMA_VERSION) {
		/* Several statements: conn_exec without parameters uses the
		 * simple protocol, inside our transaction. */
		if (conn_command(c, journal_schema_sql, 0, NULL, &err) != 0)
			goto fail;
		if (trust_schema(c, JOURNAL_SCHEMA, cause) != 0) {
			journal_abort(c, own);
			return (-1);
		}
		snprintf(v, sizeof v, "%d", JOURNAL_SCHEMA_VERSION);
		params[0] = v;
		if (conn_command(c, "DELETE FROM bellows.meta", 0, NULL,
		    &err) != 0 || conn_command(c, "INSERT INTO bellows.meta "
		    "(version) VALUES ($1::int)", 1, params, &err) != 0)
			goto fail;
	}
	return (journal_commit(c, own, cause));

fail:
	journal_error(&err, cause,
	    "cannot create the journal (schema bellows)");
	journal_abort(c, own);
	return (-1);
}

/* Fill HOLDER with whoever holds run NAME's lock: the driver recorded in
 * runs when it is that backend, else what pg_stat_activity knows (a driver
 * between taking the lock and recording itself, or an old bellows).
 * Returns 0 with holder->pid 0 when the lock has just been released. */
static int
journal_find_holder(struct conn *c, const char *name,
    struct journal_holder *holder, char **cause)
{
	static const char sql[] =
	    "SELECT l.pid,"
	    " CASE WHEN r.driver_backend_pid = l.pid THEN r.driver_host"
	    "  ELSE coalesce(a.client_hostname, pg_catalog.host(a.client_addr),"
	    "  'local socket') END,"
	    " CASE WHEN r.driver_backend_pid = l.pid THEN r.driver_pid"
	    "  ELSE a.client_port END,"
	    " CASE WHEN r.driver_backend_pid = l.pid THEN r.operator"
	    "  ELSE a.usename::text END,"
	    " " JOURNAL_TS("CASE WHEN r.driver_backend_pid = l.pid"
	    "  THEN r.driver_since ELSE a.backend_start END")
	    " FROM pg_catalog.pg_locks l"
	    " LEFT JOIN bellows.runs r ON r.name = $1"
	    " LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
	    " WHERE " JOURNAL_LOCK_WHERE("$1")
	    " LIMIT 1";
	struct conn_error	 err = { 0 };
	PGresult		*res;
	const char		*params[1] = { name };

	memset(holder, 0, sizeof *holder);
	if ((res = conn_exec(c, sql, 1, params, &err)) == NULL)
		return (journal_error(&err, cause, "journal: lock holder"));
	if (PQntuples(res) == 1) {
		holder->pid = (int)journal_field_int(res, 0, 0);
		holder->host = journal_field(res, 0, 1);
		holder->client_pid = (int)journal_field_int(res, 0, 2);
		holder->operator = journal_field(res, 0, 3);
		holder->since = journal_field(res, 0, 4);
	}
	PQclear(res);
	return (0);
}

int
journal_lock(struct conn *c, const char *name, struct journal_holder *holder,
    char **cause)
{
	/* Taken once per session: a second journal_lock by the holder is a
	 * no-op, so one journal_unlock always releases it. */
	static const char sql[] =
	    "SELECT EXISTS (SELECT FROM pg_catalog.pg_locks l"
	    "  WHERE " JOURNAL_LOCK_WHERE("$1")
	    "  AND l.pid = pg_catalog.pg_backend_pid())"
	    " OR pg_catalog.pg_try_advisory_lock("
	    JOURNAL_STR(JOURNAL_LOCK_CLASS) ","
	    "  (SELECT k.id FROM bellows.run_locks k WHERE k.name = $1))";
	struct conn_error	 err = { 0 };
	PGresult		*res;
	const char		*params[1] = { name };
	int			 taken;

	memset(holder, 0, sizeof *holder);
	/* The run's key: its own row, created once, never reused. */
	if (conn_command(c, "INSERT INTO bellows.run_locks (name) VALUES ($1)"
	    " ON CONFLICT (name) DO NOTHING", 1, params, &err) != 0)
		return (journal_error(&err, cause, "journal: advisory lock"));
	if ((res = conn_exec(c, sql, 1, params, &err)) == NULL)
		return (journal_error(&err, cause, "journal: advisory lock"));
	taken = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (taken)
		return (1);
	if (journal_find_holder(c, name, holder, cause) != 0)
		return (-1);
	return (0);
}

int
journal_unlock(struct conn *c, const char *name, char **cause)
{
	/* Checked first so the server does not print a WARNING for a lock
	 * this session does not hold. */
	static const char sql[] =
	    "SELECT CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_locks l WHERE "
	    JOURNAL_LOCK_WHERE("$1") " AND l.pid = pg_catalog.pg_backend_pid())"
	    " THEN pg_catalog.pg_advisory_unlock(" JOURNAL_STR(JOURNAL_LOCK_CLASS) ","
	    "  (SELECT k.id FROM bellows.run_locks k WHERE k.name = $1))"
	    " ELSE false END";
	struct conn_error	 err = { 0 };
	PGresult		*res;
	const char		*params[1] = { name };
	int			 released;

	if ((res = conn_exec(c, sql, 1, params, &err)) == NULL)
		return (journal_error(&err, cause, "journal: advisory unlock"));
	released = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!released) {
		*cause = xasprintf("the lock of run %s is not held by this "
		    "session", name);
		return (-1);
	}
	return (0);
}

void
journal_holder_clear(struct journal_holder *holder)
{
	free(holder->host);
	free(holder->operator);
	free(holder->since);
	memset(holder, 0, sizeof *holder);
}

/* Run a write (a statement with no result) and send the NOTIFY watchers
 * wait for, in the same transaction as the write.  Returns the rows the
 * write touched, or -1.  SQL's $1 must be the run name. */
static int64_t
journal_write(struct conn *c, const char *sql, int nparams,
    const char *const *params, struct conn_error *err)
{
	PGresult	*res;
	char		*q;
	int64_t		 n;

	q = xasprintf("WITH w AS (%s RETURNING 1)"
	    " SELECT (SELECT pg_catalog.count(*) FROM w),"
	    " pg_catalog.pg_notify('bellows', $1)", sql);
	res = conn_exec(c, q, nparams, params, err);
	free(q);
	if (res == NULL)
		return (-1);
	n = journal_field_int(res, 0, 0);
	PQclear(res);
	return (n);
}

static int
journal_event_at_err(struct conn *c, const char *name, const char *operator,
    const char *phase, const char *step, const char *kind, const char *detail,
    const char *at, struct conn_error *err)
{
	const char	*params[7] = {
		name, operator, phase, step, kind, detail, at
	};

	if (journal_write(c, "INSERT INTO bellows.events (run, operator, phase,"
	    " step, kind, detail, at) VALUES ($1, $2, $3, $4, $5, $6,"
	    " coalesce($7::timestamptz, pg_catalog.clock_timestamp()))", 7,
	    params,
	    err) < 0)
		return (-1);
	return (0);
}

static int
journal_event_err(struct conn *c, const char *name, const char *operator,
    const char *phase, const char *step, const char *kind, const char *detail,
    struct conn_error *err)
{
	return (journal_event_at_err(c, name, operator, phase, step, kind,
	    detail, NULL, err));
}

int
journal_event(struct conn *c, const char *name, const char *operator,
    const char *phase, const char *step, const char *kind, const char *detail,
    char **cause)
{
	return (journal_event_at(c, name, operator, phase, step, kind, detail,
	    NULL, cause));
}

int
journal_event_at(struct conn *c, const char *name, const char *operator,
    const char *phase, const char *step, const char *kind, const char *detail,
    const char *at, char **cause)
{
	struct conn_error	err = { 0 };

	if (journal_event_at_err(c, name, operator, phase, step, kind, detail,
	    at, &err) != 0)
		return (journal_error(&err, cause, "journal: event"));
	return (0);
}

/*
 * Mapping a plan onto its step rows.  A row is identified by its phase's
 * name and kind and, for a DDL step, the SHA-256 of its SQL (or, when the
 * plan gave it a name of its own, that name): never by position alone, so
 * that a step inserted into a changed plan (--force) neither inherits the
 * state of the step that was at its place nor shifts the rows after it.
 */
struct journal_slot {
	int		 phase, step;	/* in the plan */
	const char	*phase_name, *step_name, *kind;
	int		 named;		/* the plan named the step itself */
	char		 sha[65];	/* of the step's SQL; "" for a phase row */
	int		 old;		/* the row it takes over, or -1 */
};

struct journal_row {
	int	 phase, step;
	char	*phase_name, *step_name, *kind, *sha, *state;
	int	 used;
};

static int
journal_slot_named(const struct plan_step *st, size_t j)
{
	char	auto_name[32];

	snprintf(auto_name, sizeof auto_name, "step %zu", j + 1);
	return (strcmp(st->name, auto_name) != 0);
}

static int
journal_str_eq(const char *a, const char *b)
{
	return (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether the change a row stands for may be in the database. */
static int
journal_row_applied(const struct journal_row *r)
{
	return (strcmp(r->state, JOURNAL_PENDING) != 0 &&
	    strcmp(r->state, JOURNAL_FAILED) != 0 &&
	    strcmp(r->state, JOURNAL_ROLLED_BACK) != 0);
}

/* The first unused row that PASS accepts for SLOT, or -1. */
static int
journal_match(const struct journal_slot *sl, struct journal_row *rows,
    int nrows, int pass)
{
	const struct journal_row	*r;
	int				 i;

	for (i = 0; i < nrows; i++) {
		r = &rows[i];
		if (r->used || !journal_str_eq(r->phase_name, sl->phase_name) ||
		    !journal_str_eq(r->kind, sl->kind))
			continue;
		switch (pass) {
		case 0:		/* where it was, unchanged (or a version 1 row) */
			if (r->phase == sl->phase && r->step == sl->step &&
			    (journal_str_eq(r->sha, sl->sha) || (r->sha == NULL &&
			    (sl->step < 0 || journal_str_eq(r->step_name,
			    sl->step_name)))))
				return (i);
			break;
		case 1:		/* the same SQL elsewhere in its phase */
			if (sl->step >= 0 && journal_str_eq(r->sha, sl->sha))
				return (i);
			break;
		case 2:		/* its own name, with other SQL; a phase row */
			if ((sl->step < 0 && r->step < 0) || (sl->named &&
			    journal_str_eq(r->step_name, sl->step_name)))
				return (i);
			break;
		}
	}
	return (-1);
}

static void
journal_rows_free(struct journal_row *rows, int n)
{
	int	i;

	for (i = 0; i < n; i++) {
		free(rows[i].phase_name);
		free(rows[i].step_name);
		free(rows[i].kind);
		free(rows[i].sha);
		free(rows[i].state);
	}
	free(rows);
}

/*
 * Make the step rows of PLAN's run match PLAN: rows keep their state when
 * their step is still in the plan (wherever it moved), new steps get
 * pending rows, rows the plan no longer has are dropped.  A change that
 * cannot be mapped is refused (-2, *WHY): a step whose change may be in
 * the database and that the plan no longer has, or whose SQL changed.
 * Returns the number of rows dropped, or -1 with ERR.
 */
static int64_t
journal_sync_steps(struct conn *c, const struct plan *plan, char **why,
    struct conn_error *err)
{
	struct journal_slot	*slots = NULL, *sl;
	struct journal_row	*rows = NULL, *r;
	const struct plan_phase	*ph;
	PGresult		*res;
	const char		*params[9];
	char			 pbuf[16], sbuf[16], obuf[16], tbuf[16];
	size_t			 i, j;
	int			 nslots = 0, nrows, k, pass, moved = 0;
	int64_t			 dropped = -1;

	params[0] = plan->name;
	res = conn_exec(c, "SELECT phase, step, phase_name, step_name, kind,"
	    " sql_sha256, state FROM bellows.steps WHERE run = $1"
	    " ORDER BY phase, step FOR UPDATE", 1, params, err);
	if (res == NULL)
		return (-1);
	nrows = PQntuples(res);
	rows = xcalloc((size_t)nrows + 1, sizeof *rows);
	for (k = 0; k < nrows; k++) {
		rows[k].phase = (int)journal_field_int(res, k, 0);
		rows[k].step = (int)journal_field_int(res, k, 1);
		rows[k].phase_name = journal_field(res, k, 2);
		rows[k].step_name = journal_field(res, k, 3);
		rows[k].kind = journal_field(res, k, 4);
		rows[k].sha = journal_field(res, k, 5);
		rows[k].state = journal_field(res, k, 6);
	}
	PQclear(res);

	for (i = 0; i < plan->nphases; i++) {
		ph = &plan->phases[i];
		for (j = 0; j < (ph->kind == PLAN_PHASE_STEPS ? ph->nsteps : 1);
		    j++) {
			slots = xreallocarray(slots, (size_t)nslots + 1,
			    sizeof *slots);
			sl = &slots[nslots++];
			memset(sl, 0, sizeof *sl);
			sl->phase = (int)i;
			sl->phase_name = ph->name;
			sl->kind = journal_kind(ph->kind);
			sl->old = -1;
			if (ph->kind == PLAN_PHASE_STEPS) {
				sl->step = (int)j;
				sl->step_name = ph->steps[j].name;
				sl->named = journal_slot_named(&ph->steps[j], j);
				plan_sha256_hex(ph->steps[j].sql,
				    strlen(ph->steps[j].sql), sl->sha);
			} else
				sl->step = -1;
		}
	}
	for (pass = 0; pass < 3; pass++) {
		for (k = 0; k < nslots; k++) {
			sl = &slots[k];
			if (sl->old >= 0 ||
			    (sl->old = journal_match(sl, rows, nrows, pass)) < 0)
				continue;
			rows[sl->old].used = 1;
		}
	}
	for (k = 0; k < nslots && *why == NULL; k++) {
		sl = &slots[k];
		if (sl->old < 0 || sl->step < 0)
			continue;
		r = &rows[sl->old];
		if (r->sha != NULL && strcmp(r->sha, sl->sha) != 0 &&
		    journal_row_applied(r))
			*why = xasprintf("step '%s' of phase '%s' is %s, and its "
			    "SQL changed: roll it back before changing it",
			    sl->step_name, sl->phase_name, r->state);
	}
	for (k = 0; k < nrows && *why == NULL; k++) {
		r = &rows[k];
		if (!r->used && journal_row_applied(r))
			*why = xasprintf("%s%s%s of phase '%s' is %s, and the "
			    "changed plan no longer has it: roll it back first, "
			    "or keep it in the plan", r->step_name != NULL ?
			    "step '" : "the phase row", r->step_name != NULL ?
			    r->step_name : "", r->step_name != NULL ? "'" : "",
			    r->phase_name, r->state);
	}
	if (*why != NULL) {
		dropped = -2;
		goto out;
	}

	/* Out of the way (negative phases), then each to its place. */
	if (nrows > 0 && conn_command(c, "UPDATE bellows.steps SET phase ="
	    " -1 - phase WHERE run = $1", 1, params, err) != 0)
		goto out;
	for (k = 0; k < nslots; k++) {
		sl = &slots[k];
		snprintf(pbuf, sizeof pbuf, "%d", sl->phase);
		snprintf(sbuf, sizeof sbuf, "%d", sl->step);
		params[1] = pbuf;
		params[2] = sbuf;
		params[3] = sl->phase_name;
		params[4] = sl->step_name;
		params[5] = sl->kind;
		params[6] = sl->step >= 0 ? sl->sha : NULL;
		if (sl->old < 0) {
			if (conn_command(c, "INSERT INTO bellows.steps (run,"
			    " phase, step, phase_name, step_name, kind,"
			    " sql_sha256) VALUES ($1, $2::int, $3::int, $4, $5,"
			    " $6, $7)", 7, params, err) != 0)
				goto out;
			continue;
		}
		r = &rows[sl->old];
		if (r->phase != sl->phase || r->step != sl->step)
			moved++;
		snprintf(obuf, sizeof obuf, "%d", -1 - r->phase);
		snprintf(tbuf, sizeof tbuf, "%d", r->step);
		params[7] = obuf;
		params[8] = tbuf;
		/* A step whose SQL changed starts afresh (it was never applied,
		 * or the change was refused above). */
		if (conn_command(c, "UPDATE bellows.steps SET phase = $2::int,"
		    " step = $3::int, phase_name = $4, step_name = $5, kind = $6,"
		    " state = CASE WHEN sql_sha256 IS DISTINCT FROM $7"
		    "  AND sql_sha256 IS NOT NULL THEN 'pending' ELSE state END,"
		    " sql_sha256 = $7"
		    " WHERE run = $1 AND phase = $8::int AND step = $9::int", 9,
		    params, err) != 0)
			goto out;
	}
	if ((res = conn_exec(c, "WITH d AS (DELETE FROM bellows.steps"
	    " WHERE run = $1 AND phase < 0 RETURNING 1)"
	    " SELECT count(*) FROM d", 1, params, err)) == NULL)
		goto out;
	dropped = journal_field_int(res, 0, 0);
	PQclear(res);
	if (moved > 0 || dropped > 0) {
		/* Watchers reload: the rows moved under them. */
		if (journal_write(c, "UPDATE bellows.runs SET updated_at ="
		    " pg_catalog.clock_timestamp() WHERE name = $1", 1, params,
		    err) < 0)
			dropped = -1;
	}
out:
	free(slots);
	journal_rows_free(rows, nrows);
	return (dropped);
}

/* "1a2b3c4d…": enough of a hash for a person to tell two apart. */
static char *
journal_short_hash(const char *sha)
{
	return (xasprintf("%.8s\xe2\x80\xa6", sha != NULL ? sha : ""));
}

int
journal_open_run(struct conn *c, const struct plan *plan,
    const char *plan_text, const char *operator, int force,
    struct journal_run **run, char **cause)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	const char		*params[6];
	char			 host[256], pid[16];
	char			*old, *a, *b, *detail, *why = NULL;
	int64_t			 dropped;
	int			 own, rc;

	*run = NULL;
	if (operator == NULL || *operator == '\0')
		operator = util_login();
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	snprintf(pid, sizeof pid, "%ld", (long)getpid());

	if (journal_begin(c, &own, cause) != 0)
		return (-1);
	params[0] = plan->name;
	res = conn_exec(c, "SELECT plan_sha256 FROM bellows.runs"
	    " WHERE name = $1 FOR UPDATE", 1, params, &err);
	if (res == NULL)
		goto fail;
	old = PQntuples(res) == 1 ? journal_field(res, 0, 0) : NULL;
	PQclear(res);

	if (old == NULL) {
		params[1] = plan->sha256;
		params[2] = plan->file;
		params[3] = plan_text;
		if (journal_write(c, "INSERT INTO bellows.runs (name,"
		    " plan_sha256, plan_file, plan_text) VALUES"
		    " ($1, $2, $3, $4)", 4, params, &err) < 0)
			goto fail;
		a = journal_short_hash(plan->sha256);
		detail = xasprintf("run created from %s (sha256 %s)",
		    plan->file != NULL ? plan->file : "a plan", a);
		free(a);
		rc = journal_event_err(c, plan->name, operator, NULL, NULL,
		    "created", detail, &err);
		free(detail);
		if (rc != 0)
			goto fail;
	} else if (strcmp(old, plan->sha256) != 0) {
		a = journal_short_hash(old);
		b = journal_short_hash(plan->sha256);
		free(old);
		if (!force) {
			journal_abort(c, own);
			*cause = xasprintf("run %s was started with a "
			    "different plan (sha256 %s now %s); rerun with "
			    "--force to resume with the changed plan",
			    plan->name, a, b);
			free(a);
			free(b);
			return (-2);
		}
		params[1] = plan->sha256;
		params[2] = plan->file;
		params[3] = plan_text;
		if (journal_write(c, "UPDATE bellows.runs SET plan_sha256 = $2,"
		    " plan_file = $3, plan_text = $4,"
		    " updated_at = pg_catalog.clock_timestamp() WHERE name = $1", 4,
		    params, &err) < 0) {
			free(a);
			free(b);
			goto fail;
		}
		detail = xasprintf("plan changed from sha256 %s to %s, resumed "
		    "with --force", a, b);
		free(a);
		free(b);
		rc = journal_event_err(c, plan->name, operator, NULL, NULL,
		    "plan-changed", detail, &err);
		free(detail);
		if (rc != 0)
			goto fail;
	} else
		free(old);

	if ((dropped = journal_sync_steps(c, plan, &why, &err)) == -2) {
		journal_abort(c, own);
		*cause = xasprintf("run %s: the changed plan cannot be mapped "
		    "onto the journal: %s", plan->name, why);
		free(why);
		return (-2);
	}
	if (dropped < 0)
		goto fail;
	if (dropped > 0) {
		detail = xasprintf("%" PRId64 " step rows no longer in the "
		    "plan were dropped", dropped);
		rc = journal_event_err(c, plan->name, operator, NULL, NULL,
		    "plan-changed", detail, &err);
		free(detail);
		if (rc != 0)
			goto fail;
	}

	params[1] = host;
	params[2] = pid;
	params[3] = operator;
	if (journal_write(c, "UPDATE bellows.runs SET driver_host = $2,"
	    " driver_pid = $3::int, driver_backend_pid = pg_catalog.pg_backend_pid(),"
	    " operator = $4, driver_since = pg_catalog.clock_timestamp(),"
	    " updated_at = pg_catalog.clock_timestamp() WHERE name = $1", 4, params,
	    &err) < 0)
		goto fail;
	detail = xasprintf("%s on %s pid %s took the run", operator, host, pid);
	rc = journal_event_err(c, plan->name, operator, NULL, NULL, "driver",
	    detail, &err);
	free(detail);
	if (rc != 0)
		goto fail;
	if (journal_commit(c, own, cause) != 0)
		return (-1);

	rc = journal_load(c, plan->name, 0, run, cause);
	if (rc == 0) {
		/* Only when the caller's transaction was rolled back since. */
		*cause = xasprintf("run %s vanished after it was opened",
		    plan->name);
		return (-1);
	}
	return (rc == 1 ? 0 : -1);

fail:
	journal_error(&err, cause, "journal: open run");
	journal_abort(c, own);
	return (-1);
}

static void
journal_step_clear(struct journal_step *s)
{
	free(s->state);
	free(s->cursor);
	free(s->phase_name);
	free(s->step_name);
	free(s->kind);
	free(s->started_at);
	free(s->finished_at);
	free(s->undo);
}

void
journal_events_free(struct journal_event *ev, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(ev[i].at);
		free(ev[i].operator);
		free(ev[i].phase);
		free(ev[i].step);
		free(ev[i].kind);
		free(ev[i].detail);
	}
	free(ev);
}

void
journal_run_free(struct journal_run *run)
{
	size_t	i;

	if (run == NULL)
		return;
	free(run->name);
	free(run->sha256);
	free(run->state);
	free(run->created_at);
	for (i = 0; i < run->nsteps; i++)
		journal_step_clear(&run->steps[i]);
	free(run->steps);
	free(run->plan_file);
	free(run->plan_text);
	free(run->updated_at);
	journal_holder_clear(&run->driver);
	journal_events_free(run->events, run->nevents);
	free(run);
}

struct journal_step *
journal_run_step(struct journal_run *run, int phase, int step)
{
	size_t	i;

	for (i = 0; i < run->nsteps; i++) {
		if (run->steps[i].phase == phase && run->steps[i].step == step)
			return (&run->steps[i]);
	}
	return (NULL);
}

struct journal_step *
journal_run_current(struct journal_run *run)
{
	size_t	i;

	for (i = 0; i < run->nsteps; i++) {
		if (strcmp(run->steps[i].state, JOURNAL_DONE) != 0)
			return (&run->steps[i]);
	}
	return (NULL);
}

int
journal_set_run_state(struct conn *c, const char *name, const char *state,
    char **cause)
{
	struct conn_error	 err = { 0 };
	const char		*params[2] = { name, state };
	int64_t			 n;

	n = journal_write(c, "UPDATE bellows.runs SET state = $2,"
	    " updated_at = pg_catalog.clock_timestamp() WHERE name = $1", 2,
	    params, &err);
	if (n < 0)
		return (journal_error(&err, cause, "journal: run state"));
	if (n == 0) {
		*cause = xasprintf("journal: no run named %s", name);
		return (-1);
	}
	return (0);
}

/* Run SQL ($1 run, $2 phase, $3 step, $4 state) on one step row. */
static int
journal_step_write(struct conn *c, const char *sql, const char *what,
    const char *name, int phase, int step, const char *state, char **cause)
{
	struct conn_error	 err = { 0 };
	const char		*params[4];
	char			 p[16], s[16];
	int64_t			 n;

	snprintf(p, sizeof p, "%d", phase);
	snprintf(s, sizeof s, "%d", step);
	params[0] = name;
	params[1] = p;
	params[2] = s;
	params[3] = state;
	if ((n = journal_write(c, sql, 4, params, &err)) < 0)
		return (journal_error(&err, cause, what));
	if (n == 0) {
		*cause = xasprintf("journal: run %s has no step %d/%d", name,
		    phase, step);
		return (-1);
	}
	return (0);
}

int
journal_set_step(struct conn *c, const char *name, int phase, int step,
    const char *state, char **cause)
{
	/* started_at keeps the first start, attempt_started_at the start of
	 * the latest attempt; finished_at is when it last stopped.  Going
	 * forward again after a rollback starts everything afresh. */
	static const char sql[] =
	    "UPDATE bellows.steps SET state = $4,"
	    " attempts = CASE WHEN $4 <> 'running' THEN attempts"
	    "  WHEN state = 'rolled_back' THEN 1 ELSE attempts + 1 END,"
	    " started_at = CASE WHEN $4 <> 'running' THEN started_at"
	    "  WHEN state = 'rolled_back' OR started_at IS NULL"
	    "  THEN pg_catalog.clock_timestamp() ELSE started_at END,"
	    " attempt_started_at = CASE WHEN $4 = 'running'"
	    "  THEN pg_catalog.clock_timestamp() ELSE attempt_started_at END,"
	    " cursor = CASE WHEN $4 = 'running' AND state = 'rolled_back'"
	    "  THEN NULL ELSE cursor END,"
	    " rows_done = CASE WHEN $4 = 'running' AND state = 'rolled_back'"
	    "  THEN 0 ELSE rows_done END,"
	    " batches = CASE WHEN $4 = 'running' AND state = 'rolled_back'"
	    "  THEN 0 ELSE batches END,"
	    " active_ms = CASE WHEN $4 = 'running' AND state = 'rolled_back'"
	    "  THEN 0 ELSE active_ms END,"
	    " undo = CASE WHEN $4 = 'running' THEN NULL ELSE undo END,"
	    " finished_at = CASE WHEN $4 IN ('running', 'pending') THEN NULL"
	    "  ELSE pg_catalog.clock_timestamp() END"
	    " WHERE run = $1 AND phase = $2::int AND step = $3::int";

	return (journal_step_write(c, sql, "journal: step state", name, phase,
	    step, state, cause));
}

int
journal_set_undo(struct conn *c, const char *name, int phase, int step,
    const char *state, char **cause)
{
	static const char sql[] =
	    "UPDATE bellows.steps SET undo = $4,"
	    " state = CASE WHEN $4 = 'done' THEN 'rolled_back' ELSE state END,"
	    " finished_at = CASE WHEN $4 = 'done'"
	    "  THEN pg_catalog.clock_timestamp() ELSE finished_at END"
	    " WHERE run = $1 AND phase = $2::int AND step = $3::int";

	return (journal_step_write(c, sql, "journal: undo state", name, phase,
	    step, state, cause));
}

int
journal_backfill_advance(struct conn *c, const char *name, int phase,
    const char *cursor, int64_t rows, int64_t active_ms, char **cause)
{
	struct conn_error	 err = { 0 };
	const char		*params[5];
	char			 p[16], r[32], a[32];
	int64_t			 n;

	snprintf(p, sizeof p, "%d", phase);
	snprintf(r, sizeof r, "%" PRId64, rows);
	snprintf(a, sizeof a, "%" PRId64, active_ms);
	params[0] = name;
	params[1] = p;
	params[2] = cursor;
	params[3] = r;
	params[4] = a;
	n = journal_write(c, "UPDATE bellows.steps SET cursor = $3,"
	    " rows_done = rows_done + $4::bigint, batches = batches + 1,"
	    " active_ms = active_ms + $5::bigint"
	    " WHERE run = $1 AND phase = $2::int AND step = -1", 5, params,
	    &err);
	if (n < 0)
		return (journal_error(&err, cause, "journal: backfill cursor"));
	if (n == 0) {
		*cause = xasprintf("journal: run %s has no backfill phase %d",
		    name, phase);
		return (-1);
	}
	return (0);
}

/* Events of RES (columns as in journal_events_query) into *EVENTS. */
static void
journal_events_read(PGresult *res, struct journal_event **events,
    size_t *nevents)
{
	struct journal_event	*ev;
	int			 i, n;

	n = PQntuples(res);
	*events = NULL;
	*nevents = 0;
	if (n == 0)
		return;
	*events = xcalloc(n, sizeof **events);
	for (i = 0; i < n; i++) {
		ev = &(*events)[i];
		ev->id = journal_field_int(res, i, 0);
		ev->at = journal_field(res, i, 1);
		ev->operator = journal_field(res, i, 2);
		ev->phase = journal_field(res, i, 3);
		ev->step = journal_field(res, i, 4);
		ev->kind = journal_field(res, i, 5);
		ev->detail = journal_field(res, i, 6);
	}
	*nevents = n;
}

#define JOURNAL_EVENT_COLUMNS \
	"id, " JOURNAL_TS("at") ", operator, phase, step, kind, detail"

int
journal_events_since(struct conn *c, const char *name, int64_t after,
    struct journal_event **events, size_t *nevents, char **cause)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	const char		*params[2];
	char			 a[32];

	*events = NULL;
	*nevents = 0;
	if (trust_schema(c, JOURNAL_SCHEMA, cause) != 0)
		return (-1);
	snprintf(a, sizeof a, "%" PRId64, after);
	params[0] = name;
	params[1] = a;
	res = conn_exec(c, "SELECT " JOURNAL_EVENT_COLUMNS
	    " FROM bellows.events WHERE run = $1 AND id > $2::bigint"
	    " ORDER BY id", 2, params, &err);
	if (res == NULL)
		return (journal_error(&err, cause, "journal: events"));
	journal_events_read(res, events, nevents);
	PQclear(res);
	return (0);
}

int
journal_second_signoff(struct conn *c, const char *name, const char *phase,
    const char *driver, char **who, char **cause)
{
	static const char	 sql[] =
	    "SELECT operator FROM bellows.events"
	    " WHERE run = $1 AND phase = $2 AND kind = 'second-signoff'"
	    " AND operator IS DISTINCT FROM $3 AND id > coalesce((SELECT"
	    " pg_catalog.max(id) FROM bellows.events WHERE run = $1 AND kind ="
	    " 'rolled-back' AND phase IS NULL), 0)"
	    " ORDER BY id LIMIT 1";
	struct conn_error	 err = { 0 };
	PGresult		*res;
	const char		*params[3];
	int			 found;

	*who = NULL;
	if (trust_schema(c, JOURNAL_SCHEMA, cause) != 0)
		return (-1);
	params[0] = name;
	params[1] = phase;
	params[2] = driver;
	if ((res = conn_exec(c, sql, 3, params, &err)) == NULL)
		return (journal_error(&err, cause, "journal: second sign-off"));
	found = PQntuples(res) > 0;
	if (found)
		*who = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (found);
}

/* Whether the journal exists here, refusing one newer than we know.
 * 1 (and *VERSION), 0 or -1. */
static int
journal_present(struct conn *c, int *version, char **cause)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	int			 exists;

	/* Checked whenever the schema exists, so that a squatted one is
	 * refused rather than taken for "no journal". */
	if (trust_schema(c, JOURNAL_SCHEMA, cause) != 0)
		return (-1);
	res = conn_exec(c, "SELECT"
	    " pg_catalog.to_regclass('bellows.runs') IS NOT NULL"
	    " AND pg_catalog.to_regclass('bellows.meta') IS NOT NULL", 0, NULL,
	    &err);
	if (res == NULL)
		return (journal_error(&err, cause, "journal"));
	exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!exists)
		return (0);
	res = conn_exec(c, "SELECT pg_catalog.max(version) FROM bellows.meta",
	    0, NULL, &err);
	if (res == NULL)
		return (journal_error(&err, cause, "journal"));
	*version = (int)journal_field_int(res, 0, 0);
	PQclear(res);
	if (*version > JOURNAL_SCHEMA_VERSION) {
		*cause = xasprintf("the journal in this database (schema "
		    "bellows) is version %d, newer than this bellows "
		    "understands (%d): use a newer bellows", *version,
		    JOURNAL_SCHEMA_VERSION);
		return (-1);
	}
	return (1);
}

int
journal_load(struct conn *c, const char *name, int nevents,
    struct journal_run **out, char **cause)
{
#define JOURNAL_RUN_SQL(lockwhere) \
	    "SELECT name, plan_sha256, state, " JOURNAL_TS("created_at") "," \
	    " plan_file, plan_text, " JOURNAL_TS("updated_at") "," \
	    " driver_backend_pid, driver_host, driver_pid, operator," \
	    " " JOURNAL_TS("driver_since") "," \
	    " (SELECT l.pid FROM pg_catalog.pg_locks l WHERE " lockwhere \
	    " LIMIT 1)" \
	    " FROM bellows.runs r WHERE name = $1"
	static const char run_sql[] = JOURNAL_RUN_SQL(JOURNAL_LOCK_WHERE("r.name"));
	/* A version 1 journal (read, never upgraded, by the read side) keyed
	 * its locks on hashtext and has no undo or attempt columns. */
	static const char run_sql_v1[] = JOURNAL_RUN_SQL(
	    "l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
	    " AND l.database = (SELECT oid FROM pg_catalog.pg_database"
	    "     WHERE datname = pg_catalog.current_database())"
	    " AND l.classid = " JOURNAL_STR(JOURNAL_LOCK_CLASS) "::int4::oid"
	    " AND l.objid = pg_catalog.hashtext(r.name)::oid");
#define JOURNAL_STEPS_SQL(attempt, undo, active) \
	    "SELECT phase, step, state, attempts, cursor, rows_done, batches," \
	    " phase_name, step_name, kind, " JOURNAL_TS("started_at") "," \
	    " " JOURNAL_TS("finished_at") "," \
	    " coalesce(extract(epoch FROM coalesce(finished_at," \
	    "  pg_catalog.clock_timestamp()) - " attempt "), 0)," \
	    " coalesce(extract(epoch FROM " attempt " - started_at), 0)," \
	    " " undo ", " active \
	    " FROM bellows.steps WHERE run = $1 ORDER BY phase, step"
	static const char steps_sql[] = JOURNAL_STEPS_SQL(
	    "CASE WHEN kind = 'steps' THEN coalesce(attempt_started_at,"
	    " started_at) ELSE started_at END", "undo", "active_ms");
	static const char steps_sql_v1[] = JOURNAL_STEPS_SQL("started_at",
	    "NULL::text", "0");
	static const char events_sql[] =
	    "SELECT * FROM (SELECT " JOURNAL_EVENT_COLUMNS
	    " FROM bellows.events WHERE run = $1 ORDER BY id DESC"
	    " LIMIT $2::bigint) e ORDER BY id";
	struct conn_error	 err = { 0 };
	struct journal_run	*run;
	struct journal_step	*s;
	PGresult		*res;
	const char		*params[2];
	char			 lim[16];
	int			 i, n, rc, own, version = 0;

	*out = NULL;
	if ((rc = journal_present(c, &version, cause)) != 1)
		return (rc);
	/* One snapshot for the three reads, so that steps and events agree
	 * with the run row even while a driver writes. */
	own = PQtransactionStatus(conn_pg(c)) == PQTRANS_IDLE;
	if (own && conn_command(c, "BEGIN ISOLATION LEVEL REPEATABLE READ"
	    " READ ONLY", 0, NULL, &err) != 0)
		return (journal_error(&err, cause, "journal"));

	params[0] = name;
	if ((res = conn_exec(c, version < 2 ? run_sql_v1 : run_sql, 1, params,
	    &err)) == NULL)
		goto fail;
	if (PQntuples(res) != 1) {
		PQclear(res);
		journal_abort(c, own);
		return (0);
	}
	run = xcalloc(1, sizeof *run);
	run->name = journal_field(res, 0, 0);
	run->sha256 = journal_field(res, 0, 1);
	run->state = journal_field(res, 0, 2);
	run->created_at = journal_field(res, 0, 3);
	run->plan_file = journal_field(res, 0, 4);
	run->plan_text = journal_field(res, 0, 5);
	run->updated_at = journal_field(res, 0, 6);
	run->driver.pid = (int)journal_field_int(res, 0, 7);
	run->driver.host = journal_field(res, 0, 8);
	run->driver.client_pid = (int)journal_field_int(res, 0, 9);
	run->driver.operator = journal_field(res, 0, 10);
	run->driver.since = journal_field(res, 0, 11);
	run->driver_connected = !PQgetisnull(res, 0, 12);
	run->lock_pid = (int)journal_field_int(res, 0, 12);
	PQclear(res);

	if ((res = conn_exec(c, version < 2 ? steps_sql_v1 : steps_sql, 1,
	    params, &err)) == NULL)
		goto fail_run;
	n = PQntuples(res);
	run->steps = n > 0 ? xcalloc(n, sizeof *run->steps) : NULL;
	for (i = 0; i < n; i++) {
		s = &run->steps[i];
		s->phase = (int)journal_field_int(res, i, 0);
		s->step = (int)journal_field_int(res, i, 1);
		s->state = journal_field(res, i, 2);
		s->attempts = (int)journal_field_int(res, i, 3);
		s->cursor = journal_field(res, i, 4);
		s->rows_done = journal_field_int(res, i, 5);
		s->batches = journal_field_int(res, i, 6);
		s->phase_name = journal_field(res, i, 7);
		s->step_name = journal_field(res, i, 8);
		s->kind = journal_field(res, i, 9);
		s->started_at = journal_field(res, i, 10);
		s->finished_at = journal_field(res, i, 11);
		s->elapsed = strtod(PQgetvalue(res, i, 12), NULL);
		s->waited = strtod(PQgetvalue(res, i, 13), NULL);
		s->undo = journal_field(res, i, 14);
		s->active_ms = journal_field_int(res, i, 15);
	}
	run->nsteps = n;
	PQclear(res);

	if (nevents != 0) {
		snprintf(lim, sizeof lim, "%d", nevents);
		params[1] = nevents < 0 ? NULL : lim;
		if ((res = conn_exec(c, events_sql, 2, params, &err)) == NULL)
			goto fail_run;
		journal_events_read(res, &run->events, &run->nevents);
		PQclear(res);
	}
	journal_abort(c, own);
	*out = run;
	return (1);

fail_run:
	journal_run_free(run);
fail:
	journal_error(&err, cause, "journal: read run");
	journal_abort(c, own);
	return (-1);
}

/*
 * Status output.  Numbers are printed as integers only, so a locale with a
 * decimal comma cannot break the JSON.
 */

void
journal_json_string(struct buf *b, const char *s)
{
	const unsigned char	*p;

	if (s == NULL) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			buf_puts(b, "\\\"");
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				buf_printf(b, "\\u%04x", *p);
			else
				buf_putc(b, (char)*p);
			break;
		}
	}
	buf_putc(b, '"');
}

static void
journal_json_key(struct buf *b, int *first, const char *key)
{
	if (!*first)
		buf_putc(b, ',');
	*first = 0;
	journal_json_string(b, key);
	buf_putc(b, ':');
}

static void
journal_json_str(struct buf *b, int *first, const char *key, const char *v)
{
	journal_json_key(b, first, key);
	journal_json_string(b, v);
}

static void
journal_json_int(struct buf *b, int *first, const char *key, int64_t v)
{
	journal_json_key(b, first, key);
	buf_printf(b, "%" PRId64, v);
}

/* An integer that is null when zero (pids, which are never 0). */
static void
journal_json_pid(struct buf *b, int *first, const char *key, int v)
{
	journal_json_key(b, first, key);
	if (v == 0)
		buf_puts(b, "null");
	else
		buf_printf(b, "%d", v);
}

int64_t
journal_step_rate(const struct journal_step *s)
{
	if (s->rows_done == 0)
		return (-1);
	if (s->active_ms > 0)
		return ((int64_t)((double)s->rows_done * 1000.0 /
		    (double)s->active_ms + 0.5));
	if (s->elapsed <= 0)
		return (-1);
	return ((int64_t)((double)s->rows_done / s->elapsed + 0.5));
}

static size_t
journal_ndone(const struct journal_run *run)
{
	size_t	i, n;

	for (i = n = 0; i < run->nsteps; i++) {
		if (strcmp(run->steps[i].state, JOURNAL_DONE) == 0)
			n++;
	}
	return (n);
}

static void
journal_json_step(struct buf *b, const struct journal_step *s)
{
	int	first = 1, f;
	int64_t	rate;

	buf_putc(b, '{');
	journal_json_int(b, &first, "phase", s->phase);
	journal_json_str(b, &first, "phase_name", s->phase_name);
	journal_json_int(b, &first, "step", s->step);
	journal_json_str(b, &first, "step_name", s->step_name);
	journal_json_str(b, &first, "kind", s->kind);
	journal_json_str(b, &first, "state", s->state);
	journal_json_int(b, &first, "attempts", s->attempts);
	journal_json_str(b, &first, "started_at", s->started_at);
	journal_json_str(b, &first, "finished_at", s->finished_at);
	journal_json_int(b, &first, "elapsed_ms",
	    (int64_t)(s->elapsed * 1000.0 + 0.5));
	journal_json_int(b, &first, "waited_ms",
	    (int64_t)(s->waited * 1000.0 + 0.5));
	journal_json_str(b, &first, "undo", s->undo);
	journal_json_key(b, &first, "backfill");
	if (s->kind == NULL || strcmp(s->kind, JOURNAL_KIND_BACKFILL) != 0)
		buf_puts(b, "null");
	else {
		f = 1;
		buf_putc(b, '{');
		journal_json_str(b, &f, "cursor", s->cursor);
		journal_json_int(b, &f, "rows_done", s->rows_done);
		journal_json_int(b, &f, "batches", s->batches);
		journal_json_key(b, &f, "rows_per_s");
		if ((rate = journal_step_rate(s)) < 0)
			buf_puts(b, "null");
		else
			buf_printf(b, "%" PRId64, rate);
		buf_putc(b, '}');
	}
	buf_putc(b, '}');
}

void
journal_status_json(struct buf *b, const struct journal_run *run,
    const char *database)
{
	const struct journal_step	*cur;
	const struct journal_event	*ev;
	size_t				 i;
	int				 first = 1, f;

	buf_putc(b, '{');
	journal_json_str(b, &first, "name", run->name);
	journal_json_str(b, &first, "database", database);
	journal_json_str(b, &first, "state", run->state);
	journal_json_str(b, &first, "created_at", run->created_at);
	journal_json_str(b, &first, "updated_at", run->updated_at);

	journal_json_key(b, &first, "plan");
	f = 1;
	buf_putc(b, '{');
	journal_json_str(b, &f, "sha256", run->sha256);
	journal_json_str(b, &f, "file", run->plan_file);
	buf_putc(b, '}');

	journal_json_key(b, &first, "driver");
	f = 1;
	buf_putc(b, '{');
	journal_json_str(b, &f, "operator", run->driver.operator);
	journal_json_str(b, &f, "host", run->driver.host);
	journal_json_pid(b, &f, "pid", run->driver.client_pid);
	journal_json_pid(b, &f, "backend_pid", run->driver.pid);
	journal_json_str(b, &f, "since", run->driver.since);
	journal_json_key(b, &f, "connected");
	buf_puts(b, run->driver_connected ? "true" : "false");
	journal_json_pid(b, &f, "lock_pid", run->lock_pid);
	buf_putc(b, '}');

	journal_json_key(b, &first, "current");
	cur = journal_run_current((struct journal_run *)run);
	if (cur == NULL)
		buf_puts(b, "null");
	else
		journal_json_step(b, cur);

	journal_json_key(b, &first, "progress");
	f = 1;
	buf_putc(b, '{');
	journal_json_int(b, &f, "done", (int64_t)journal_ndone(run));
	journal_json_int(b, &f, "total", (int64_t)run->nsteps);
	buf_putc(b, '}');

	journal_json_key(b, &first, "steps");
	buf_putc(b, '[');
	for (i = 0; i < run->nsteps; i++) {
		if (i > 0)
			buf_putc(b, ',');
		journal_json_step(b, &run->steps[i]);
	}
	buf_putc(b, ']');

	journal_json_key(b, &first, "events");
	buf_putc(b, '[');
	for (i = 0; i < run->nevents; i++) {
		ev = &run->events[i];
		if (i > 0)
			buf_putc(b, ',');
		f = 1;
		buf_putc(b, '{');
		journal_json_int(b, &f, "id", ev->id);
		journal_json_str(b, &f, "at", ev->at);
		journal_json_str(b, &f, "operator", ev->operator);
		journal_json_str(b, &f, "phase", ev->phase);
		journal_json_str(b, &f, "step", ev->step);
		journal_json_str(b, &f, "kind", ev->kind);
		journal_json_str(b, &f, "detail", ev->detail);
		buf_putc(b, '}');
	}
	buf_puts(b, "]}\n");
}

/* Journal text may hold anything a plan or a server message held: keep the
 * terminal safe and each item on one line. */
static void
journal_text_puts(struct buf *b, const char *s)
{
	const unsigned char	*p;

	if (s == NULL)
		return;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		buf_putc(b, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
}

/* "2024-05-01T12:00:00.123Z" as "2024-05-01 12:00:00 UTC". */
static void
journal_text_time(struct buf *b, const char *ts)
{
	if (ts == NULL || strlen(ts) < 19) {
		journal_text_puts(b, ts != NULL ? ts : "-");
		return;
	}
	buf_printf(b, "%.10s %.8s UTC", ts, ts + 11);
}

/* The step's label in the steps list: its name, or the phase kind in
 * parentheses for phase-level rows. */
static void
journal_text_label(struct buf *b, const struct journal_step *s)
{
	if (s->step >= 0 && s->step_name != NULL)
		journal_text_puts(b, s->step_name);
	else if (s->step >= 0)
		buf_printf(b, "step %d", s->step + 1);
	else {
		buf_putc(b, '(');
		journal_text_puts(b, s->kind);
		buf_putc(b, ')');
	}
}

static void
journal_text_pad(struct buf *b, size_t from, size_t width)
{
	while (b->len - from < width)
		buf_putc(b, ' ');
}

void
journal_status_text(struct buf *b, const struct journal_run *run,
    const char *database)
{
	const struct journal_step	*cur, *s;
	const struct journal_event	*ev;
	struct buf			 label;
	size_t				 i, start, pw = 5, lw = 4;
	int64_t				 rate;

	buf_puts(b, "run ");
	journal_text_puts(b, run->name);
	buf_puts(b, ": ");
	journal_text_puts(b, run->state);
	buf_puts(b, "\n  database  ");
	journal_text_puts(b, database);
	buf_puts(b, "\n  plan      sha256 ");
	journal_text_puts(b, run->sha256);
	if (run->plan_file != NULL) {
		buf_puts(b, " (");
		journal_text_puts(b, run->plan_file);
		buf_putc(b, ')');
	}
	buf_puts(b, "\n  created   ");
	journal_text_time(b, run->created_at);
	buf_puts(b, "\n  driver    ");
	if (run->driver.operator == NULL && run->driver.host == NULL)
		buf_puts(b, "none recorded");
	else {
		journal_text_puts(b, run->driver.operator != NULL ?
		    run->driver.operator : "someone");
		buf_puts(b, " on ");
		journal_text_puts(b, run->driver.host != NULL ?
		    run->driver.host : "an unknown host");
		buf_printf(b, " pid %d since ", run->driver.client_pid);
		journal_text_time(b, run->driver.since);
	}
	if (run->driver_connected && run->lock_pid == run->driver.pid)
		buf_printf(b, "\n            connected (backend pid %d holds "
		    "the run's lock)", run->lock_pid);
	else if (run->driver_connected)
		buf_printf(b, "\n            the run's lock is held by backend "
		    "pid %d, not by the recorded driver", run->lock_pid);
	else if (strcmp(run->state, "running") == 0)
		buf_puts(b, "\n            gone: no session holds the run's "
		    "lock, the run stopped without finishing");
	else
		buf_puts(b, "\n            not connected");

	cur = journal_run_current((struct journal_run *)run);
	buf_puts(b, "\n  current   ");
	if (cur == NULL)
		buf_puts(b, "every step is done");
	else {
		journal_text_puts(b, cur->phase_name);
		buf_puts(b, " / ");
		journal_text_label(b, cur);
		buf_puts(b, ": ");
		journal_text_puts(b, cur->state);
	}
	buf_printf(b, "\n  progress  %zu of %zu steps done\n",
	    journal_ndone(run), run->nsteps);

	for (i = 0; i < run->nsteps; i++) {
		s = &run->steps[i];
		if (s->phase_name != NULL && strlen(s->phase_name) > pw)
			pw = strlen(s->phase_name);
		buf_init(&label);
		journal_text_label(&label, s);
		if (label.len > lw)
			lw = label.len;
		buf_free(&label);
	}
	if (pw > 24)
		pw = 24;
	if (lw > 32)
		lw = 32;

	buf_puts(b, "\nsteps\n");
	for (i = 0; i < run->nsteps; i++) {
		s = &run->steps[i];
		start = b->len;
		buf_puts(b, s == cur ? "> " : "  ");
		journal_text_puts(b, s->phase_name);
		journal_text_pad(b, start, 2 + pw + 2);
		start = b->len;
		journal_text_label(b, s);
		journal_text_pad(b, start, lw + 2);
		start = b->len;
		journal_text_puts(b, s->state);
		journal_text_pad(b, start, 12);
		if (s->attempts > 0)
			buf_printf(b, "%d attempt%s", s->attempts,
			    s->attempts == 1 ? "" : "s");
		if (s->undo != NULL && strcmp(s->undo, JOURNAL_DONE) != 0)
			buf_printf(b, "%sits undo %s: 'bellows rollback' "
			    "finishes it", s->attempts > 0 ? ", " : "", s->undo);
		if (s->kind != NULL &&
		    strcmp(s->kind, JOURNAL_KIND_BACKFILL) == 0 &&
		    (s->batches > 0 ||
		    strcmp(s->state, JOURNAL_PENDING) != 0)) {
			buf_printf(b, "%s%" PRId64 " rows in %" PRId64
			    " batch%s", s->attempts > 0 ? ", " : "",
			    s->rows_done, s->batches,
			    s->batches == 1 ? "" : "es");
			if ((rate = journal_step_rate(s)) >= 0)
				buf_printf(b, ", %" PRId64 " rows/s", rate);
			if (s->cursor != NULL) {
				buf_puts(b, ", cursor ");
				journal_text_puts(b, s->cursor);
			}
		}
		/* No trailing blanks after the padding. */
		while (b->len > 0 && b->data[b->len - 1] == ' ')
			b->data[--b->len] = '\0';
		buf_putc(b, '\n');
	}

	if (run->nevents > 0)
		buf_printf(b, "\nevents (last %zu)\n", run->nevents);
	for (i = 0; i < run->nevents; i++) {
		ev = &run->events[i];
		buf_puts(b, "  ");
		journal_text_time(b, ev->at);
		buf_puts(b, "  ");
		journal_text_puts(b, ev->operator != NULL ? ev->operator : "-");
		buf_puts(b, "  ");
		journal_text_puts(b, ev->kind);
		if (ev->phase != NULL) {
			buf_puts(b, "  ");
			journal_text_puts(b, ev->phase);
			if (ev->step != NULL) {
				buf_puts(b, " / ");
				journal_text_puts(b, ev->step);
			}
		}
		if (ev->detail != NULL) {
			buf_puts(b, ": ");
			journal_text_puts(b, ev->detail);
		}
		buf_putc(b, '\n');
	}
}

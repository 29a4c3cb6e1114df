/* checklist: see checklist.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>
#include <protobuf-c/protobuf-c.h>
#include <pg_query/pg_query.pb-c.h>

#include "checklist.h"
#include "lint.h"
#include "monitor.h"
#include "sql.h"
#include "util.h"

/* How long a custom sql item may run when the plan sets no
 * statement_timeout. */
#define CHECKLIST_SQL_TIMEOUT_MS	30000L

/* How many invalid indexes a value names before "and N more". */
#define CHECKLIST_NAME_MAX		3

void
checklist_result_clear(struct checklist_result *r)
{
	free(r->value);
	memset(r, 0, sizeof *r);
}

const char *
checklist_status_name(enum checklist_status s)
{
	switch (s) {
	case CHECKLIST_PASS:
		return ("ok");
	case CHECKLIST_FAIL:
		return ("FAIL");
	case CHECKLIST_UNKNOWN:
		return ("?");
	case CHECKLIST_MANUAL:
		return ("manual");
	}
	return ("?");
}

static void
checklist_set(struct checklist_result *r, enum checklist_status s,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
checklist_set(struct checklist_result *r, enum checklist_status s,
    const char *fmt, ...)
{
	va_list	ap;

	free(r->value);
	r->status = s;
	va_start(ap, fmt);
	r->value = xvasprintf(fmt, ap);
	va_end(ap);
}

/*
 * An item's query failed.  A lost connection is the caller's problem (-1,
 * *cause); anything else is the item's answer: a missing privilege or a
 * timeout cannot say pass or fail (UNKNOWN), other errors give STATUS.
 */
static int
checklist_failed(struct conn *c, struct conn_error *err,
    enum checklist_status status, const char *privilege_note,
    struct checklist_result *r, char **cause)
{
	char	*msg;

	msg = conn_error_format(err);
	if (conn_error_is(err, CONN_CONNECTION_LOST) || !conn_alive(c)) {
		*cause = msg;
		conn_error_clear(err);
		return (-1);
	}
	if (conn_error_is(err, CONN_PRIVILEGE))
		checklist_set(r, CHECKLIST_UNKNOWN, "%s (%s)", privilege_note,
		    err->message);
	else if (conn_error_is(err, CONN_QUERY_CANCELED))
		checklist_set(r, CHECKLIST_UNKNOWN, "timed out (%s)",
		    err->message);
	else
		checklist_set(r, status, "%s", msg);
	free(msg);
	conn_error_clear(err);
	return (0);
}

static long
checklist_long(PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return (-1);
	return (strtol(PQgetvalue(res, row, col), NULL, 10));
}

/* "pid 42, alice, psql" for a value; hidden parts left out. */
static void
checklist_put_who(struct buf *b, PGresult *res, int row, int pidcol)
{
	const char	*v;

	buf_printf(b, "pid %s", PQgetvalue(res, row, pidcol));
	if (!PQgetisnull(res, row, pidcol + 1))
		buf_printf(b, ", %s", PQgetvalue(res, row, pidcol + 1));
	v = PQgetvalue(res, row, pidcol + 2);
	if (!PQgetisnull(res, row, pidcol + 2) && *v != '\0')
		buf_printf(b, ", %s", v);
}

/*
 * Long and idle transactions share one shape: whether we see every
 * session, then the worst session (NULLs when none) and, for the
 * long-transaction query, the oldest prepared transaction.
 *
 * Both support PostgreSQL 12 and later (backend_type and
 * pg_read_all_stats: 10).  Only client backends count: autovacuum
 * cancels itself for DDL and walsenders hold no application transaction.
 */
static const char checklist_long_tx_sql[] =
	"SELECT pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE'),"
	"    o.pid, o.usename, o.application_name, o.ms, p.gid, p.ms "
	"FROM (SELECT 1) AS one "
	"LEFT JOIN (SELECT pid, usename, application_name,"
	"      (extract(epoch FROM now() - xact_start) * 1000)::bigint AS ms"
	"    FROM pg_catalog.pg_stat_activity"
	"    WHERE backend_type = 'client backend'"
	"      AND xact_start IS NOT NULL"
	"      AND pid <> pg_catalog.pg_backend_pid()"
	"      AND coalesce(application_name, '') NOT LIKE 'bellows:%'"
	"    ORDER BY xact_start LIMIT 1) AS o ON true "
	"LEFT JOIN (SELECT gid,"
	"      (extract(epoch FROM now() - prepared) * 1000)::bigint AS ms"
	"    FROM pg_catalog.pg_prepared_xacts"
	"    ORDER BY prepared LIMIT 1) AS p ON true";

static const char checklist_idle_tx_sql[] =
	"SELECT pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE'),"
	"    o.pid, o.usename, o.application_name, o.ms, o.n "
	"FROM (SELECT 1) AS one "
	"LEFT JOIN (SELECT pid, usename, application_name,"
	"      (extract(epoch FROM now() - state_change) * 1000)::bigint AS ms,"
	"      count(*) OVER () AS n"
	"    FROM pg_catalog.pg_stat_activity"
	"    WHERE state IN ('idle in transaction',"
	"        'idle in transaction (aborted)')"
	"      AND pid <> pg_catalog.pg_backend_pid()"
	"      AND coalesce(application_name, '') NOT LIKE 'bellows:%'"
	"    ORDER BY state_change LIMIT 1) AS o ON true";

static int
checklist_long_tx(struct conn *c, const struct plan_check *check,
    struct checklist_result *r, char **cause)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	struct buf		 b;
	char			 d[MONITOR_DURATION_LEN], m[MONITOR_DURATION_LEN];
	long			 max, ms, pms;
	int			 sees_all;

	max = check->max_ms > 0 ? check->max_ms : CHECKLIST_DEFAULT_LONG_TX_MS;
	if ((res = conn_exec(c, checklist_long_tx_sql, 0, NULL, &err)) == NULL)
		return (checklist_failed(c, &err, CHECKLIST_UNKNOWN,
		    "needs pg_monitor", r, cause));
	sees_all = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	ms = checklist_long(res, 0, 4);
	pms = checklist_long(res, 0, 6);
	monitor_format_ms(max, m, sizeof m);

	buf_init(&b);
	if (pms > ms && pms > max) {
		buf_printf(&b, "prepared transaction '%s' open for %s (max %s)",
		    PQgetvalue(res, 0, 5), monitor_format_ms(pms, d, sizeof d),
		    m);
		r->status = CHECKLIST_FAIL;
	} else if (ms >= 0) {
		buf_printf(&b, "oldest transaction %s (",
		    monitor_format_ms(ms, d, sizeof d));
		checklist_put_who(&b, res, 0, 1);
		buf_puts(&b, ")");
		if (ms > max) {
			buf_printf(&b, ", max %s", m);
			r->status = CHECKLIST_FAIL;
		} else
			r->status = CHECKLIST_PASS;
	} else {
		buf_puts(&b, "no open transaction");
		r->status = CHECKLIST_PASS;
	}
	if (pms >= 0 && pms <= max)
		buf_printf(&b, "; a prepared transaction is %s old",
		    monitor_format_ms(pms, d, sizeof d));
	/* What we could not see may be older: say so rather than pass. */
	if (!sees_all && r->status == CHECKLIST_PASS) {
		r->status = CHECKLIST_UNKNOWN;
		buf_puts(&b, "; needs pg_monitor to see other roles' sessions");
	}
	PQclear(res);
	free(r->value);
	r->value = buf_detach(&b);
	return (0);
}

static int
checklist_idle_tx(struct conn *c, const struct plan_check *check,
    struct checklist_result *r, char **cause)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	struct buf		 b;
	char			 d[MONITOR_DURATION_LEN], m[MONITOR_DURATION_LEN];
	long			 max, ms, n;
	int			 sees_all;

	max = check->max_ms > 0 ? check->max_ms : CHECKLIST_DEFAULT_IDLE_TX_MS;
	if ((res = conn_exec(c, checklist_idle_tx_sql, 0, NULL, &err)) == NULL)
		return (checklist_failed(c, &err, CHECKLIST_UNKNOWN,
		    "needs pg_monitor", r, cause));
	sees_all = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	ms = checklist_long(res, 0, 4);
	n = checklist_long(res, 0, 5);
	monitor_format_ms(max, m, sizeof m);

	buf_init(&b);
	if (ms >= 0) {
		buf_printf(&b, "idle in transaction for %s (",
		    monitor_format_ms(ms, d, sizeof d));
		checklist_put_who(&b, res, 0, 1);
		buf_puts(&b, ")");
		if (n > 1)
			buf_printf(&b, ", %ld sessions idle in transaction", n);
		if (ms > max) {
			buf_printf(&b, ", max %s", m);
			r->status = CHECKLIST_FAIL;
		} else
			r->status = CHECKLIST_PASS;
	} else {
		buf_puts(&b, "no session idle in transaction");
		r->status = CHECKLIST_PASS;
	}
	if (!sees_all && r->status == CHECKLIST_PASS) {
		r->status = CHECKLIST_UNKNOWN;
		buf_puts(&b, "; needs pg_monitor to see other roles' sessions");
	}
	PQclear(res);
	free(r->value);
	r->value = buf_detach(&b);
	return (0);
}

/*
 * Every walsender (physical replicas and logical subscribers).  replay_lag
 * is NULL once a standby has caught up and WAL is quiet: that is no lag.
 * Without pg_read_all_stats only the pid is shown, the rest is NULL.
 * PostgreSQL 10 and later (the *_lag columns).
 */
static const char checklist_lag_sql[] =
	"SELECT pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE'),"
	"    application_name,"
	"    coalesce(host(client_addr), 'local'), state,"
	"    coalesce((extract(epoch FROM replay_lag) * 1000)::bigint, 0) "
	"FROM pg_catalog.pg_stat_replication "
	"ORDER BY replay_lag DESC NULLS LAST";

static int
checklist_lag(struct conn *c, const struct plan_check *check,
    struct checklist_result *r, char **cause)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			 d[MONITOR_DURATION_LEN], m[MONITOR_DURATION_LEN];
	const char		*name, *state;
	long			 max, ms;
	int			 i, rows, worst = -1, stuck = -1;

	max = check->max_ms > 0 ? check->max_ms : CHECKLIST_DEFAULT_LAG_MS;
	if ((res = conn_exec(c, checklist_lag_sql, 0, NULL, &err)) == NULL)
		return (checklist_failed(c, &err, CHECKLIST_UNKNOWN,
		    "needs pg_monitor", r, cause));
	monitor_format_ms(max, m, sizeof m);
	if ((rows = PQntuples(res)) == 0) {
		checklist_set(r, CHECKLIST_PASS, "no replicas");
		PQclear(res);
		return (0);
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		checklist_set(r, CHECKLIST_UNKNOWN, "%d replica%s; needs "
		    "pg_monitor to read their lag", rows, rows == 1 ? "" : "s");
		PQclear(res);
		return (0);
	}
	for (i = 0; i < rows; i++) {
		state = PQgetvalue(res, i, 3);
		if (stuck == -1 && strcmp(state, "streaming") != 0)
			stuck = i;
		if (worst == -1)
			worst = i;	/* ordered by lag, worst first */
	}
	if (stuck != -1) {
		name = PQgetvalue(res, stuck, 1);
		checklist_set(r, CHECKLIST_FAIL, "replica %s (%s) is in state "
		    "%s, not streaming", *name != '\0' ? name : "?",
		    PQgetvalue(res, stuck, 2), PQgetvalue(res, stuck, 3));
		PQclear(res);
		return (0);
	}
	ms = checklist_long(res, worst, 4);
	name = PQgetvalue(res, worst, 1);
	checklist_set(r, ms > max ? CHECKLIST_FAIL : CHECKLIST_PASS,
	    "worst replay lag %s (%s, %s) over %d replica%s%s%s",
	    monitor_format_ms(ms, d, sizeof d), *name != '\0' ? name : "?",
	    PQgetvalue(res, worst, 2), rows, rows == 1 ? "" : "s",
	    ms > max ? ", max " : "", ms > max ? m : "");
	PQclear(res);
	return (0);
}

/* ---------------------------------------------------------------- tables */

/* protobuf-c gives "" for an absent string. */
static const char *
checklist_str(const char *s)
{
	return (s != NULL && *s != '\0' ? s : NULL);
}

static int
checklist_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/* The index of SCHEMA.NAME in LIST, or N when absent. */
static size_t
checklist_table_index(const struct checklist_table *list, size_t n,
    const char *schema, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (checklist_same(list[i].schema, schema) &&
		    strcmp(list[i].name, name) == 0)
			break;
	}
	return (i);
}

struct checklist_tables {
	struct checklist_table	*list;
	size_t			 n;
};

/* Note table SCHEMA.NAME, named by STEP; CREATES when the statement
 * creates it. */
static struct checklist_table *
checklist_table_add(struct checklist_tables *t, const char *schema,
    const char *name, const char *step, int creates)
{
	struct checklist_table	*e;
	size_t			 i;

	if ((i = checklist_table_index(t->list, t->n, schema, name)) < t->n)
		return (&t->list[i]);
	t->list = xreallocarray(t->list, t->n + 1, sizeof *t->list);
	e = &t->list[t->n++];
	memset(e, 0, sizeof *e);
	e->schema = schema != NULL ? xstrdup(schema) : NULL;
	e->name = xstrdup(name);
	e->display = schema != NULL ? xasprintf("%s.%s", schema, name) :
	    xstrdup(name);
	e->first_step = step;
	e->created_by = creates ? step : NULL;
	return (e);
}

static struct checklist_table *
checklist_table_note(struct checklist_tables *t, const PgQuery__RangeVar *rv,
    const char *step, int creates)
{
	const char	*name;

	if (rv == NULL || (name = checklist_str(rv->relname)) == NULL)
		return (NULL);
	/* Temporary tables live and die with the session that made them. */
	if (rv->relpersistence != NULL && strcmp(rv->relpersistence, "t") == 0)
		return (NULL);
	return (checklist_table_add(t, checklist_str(rv->schemaname), name,
	    step, creates));
}

/* A backfill's table is a name, not SQL: bellows quotes it as given
 * (schema and table split at the first dot), so case matters and a
 * reserved word is fine.  The schema in *SCHEMA (caller frees), or NULL. */
static const char *
checklist_backfill_name(const struct plan_backfill *b, char **schema)
{
	const char	*dot = strchr(b->table, '.');

	*schema = dot != NULL ? xstrndup(b->table, (size_t)(dot - b->table)) :
	    NULL;
	return (dot != NULL ? dot + 1 : b->table);
}

static void
checklist_table_from(struct checklist_tables *t, const PgQuery__Node *n,
    const char *step)
{
	if (n == NULL)
		return;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_RANGE_VAR:
		checklist_table_note(t, n->range_var, step, 0);
		break;
	case PG_QUERY__NODE__NODE_JOIN_EXPR:
		checklist_table_from(t, n->join_expr->larg, step);
		checklist_table_from(t, n->join_expr->rarg, step);
		break;
	default:
		/* Subqueries and functions name no table of the plan's. */
		break;
	}
}

static void
checklist_table_stmt(struct checklist_tables *t, const PgQuery__Node *n,
    const char *step)
{
	struct checklist_table	*e;
	PgQuery__AlterTableStmt	*at;
	PgQuery__AlterTableCmd	*cmd;
	size_t			 i;

	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		checklist_table_note(t, n->create_stmt->relation, step, 1);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		if (n->create_table_as_stmt->into != NULL)
			checklist_table_note(t,
			    n->create_table_as_stmt->into->rel, step, 1);
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		at = n->alter_table_stmt;
		if (at->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
			break;
		if ((e = checklist_table_note(t, at->relation, step, 0)) == NULL)
			break;
		for (i = 0; i < at->n_cmds; i++) {
			if (at->cmds[i]->node_case !=
			    PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
				continue;
			cmd = at->cmds[i]->alter_table_cmd;
			if (cmd->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn ||
			    cmd->def == NULL || cmd->def->node_case !=
			    PG_QUERY__NODE__NODE_COLUMN_DEF ||
			    checklist_str(cmd->def->column_def->colname) == NULL)
				continue;
			e->added = xreallocarray(e->added, e->nadded + 1,
			    sizeof *e->added);
			e->added_by = xreallocarray(e->added_by, e->nadded + 1,
			    sizeof *e->added_by);
			e->added[e->nadded] =
			    xstrdup(cmd->def->column_def->colname);
			e->added_by[e->nadded++] = step;
		}
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		checklist_table_note(t, n->index_stmt->relation, step, 0);
		break;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		checklist_table_note(t, n->update_stmt->relation, step, 0);
		break;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		checklist_table_note(t, n->insert_stmt->relation, step, 0);
		break;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		checklist_table_note(t, n->delete_stmt->relation, step, 0);
		break;
	default:
		break;
	}
}

/*
 * The tables of a FROM list as the parser reads it.  TEXT is a plan value
 * (a backfill's from) that bellows itself puts after FROM; it is
 * parsed here, never run.  Anything but one plain SELECT is ignored.
 */
static void
checklist_table_fromtext(struct checklist_tables *t, const char *text,
    const char *step)
{
	struct sql_script	*s;
	const PgQuery__Node	*n;
	char			*q;
	size_t			 i;

	q = xasprintf("SELECT FROM %s", text);
	s = sql_parse(q);
	free(q);
	if (s->nstmts == 1 && (n = s->stmts[0].node) != NULL &&
	    n->node_case == PG_QUERY__NODE__NODE_SELECT_STMT) {
		for (i = 0; i < n->select_stmt->n_from_clause; i++)
			checklist_table_from(t, n->select_stmt->from_clause[i],
			    step);
	}
	sql_free(s);
}

void
checklist_plan_tables(const struct plan *p, struct checklist_table **out,
    size_t *n)
{
	struct checklist_tables	 t = { NULL, 0 };
	const struct plan_phase	*ph;
	struct sql_script	*s;
	const char		*name;
	char			*schema;
	size_t			 i, j, k;

	for (i = 0; i < p->nphases; i++) {
		ph = &p->phases[i];
		switch (ph->kind) {
		case PLAN_PHASE_STEPS:
			for (j = 0; j < ph->nsteps; j++) {
				s = sql_parse(ph->steps[j].sql);
				for (k = 0; k < s->nstmts; k++) {
					if (s->stmts[k].node != NULL)
						checklist_table_stmt(&t,
						    s->stmts[k].node,
						    ph->steps[j].name);
				}
				sql_free(s);
			}
			break;
		case PLAN_PHASE_BACKFILL:
			name = checklist_backfill_name(&ph->backfill, &schema);
			checklist_table_add(&t, schema, name, ph->name, 0);
			free(schema);
			if (ph->backfill.from != NULL)
				checklist_table_fromtext(&t,
				    ph->backfill.from, ph->name);
			break;
		case PLAN_PHASE_GATE:
		case PLAN_PHASE_VERIFY:
			break;
		}
	}
	*out = t.list;
	*n = t.n;
}

const struct checklist_table *
checklist_backfill_table(const struct checklist_table *list, size_t n,
    const struct plan_backfill *b)
{
	const char	*name;
	char		*schema;
	size_t		 i;

	name = checklist_backfill_name(b, &schema);
	i = checklist_table_index(list, n, schema, name);
	free(schema);
	return (i < n ? &list[i] : NULL);
}

void
checklist_tables_free(struct checklist_table *list, size_t n)
{
	size_t	i, j;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(list[i].schema);
		free(list[i].name);
		free(list[i].display);
		for (j = 0; j < list[i].nadded; j++)
			free(list[i].added[j]);
		free(list[i].added);
		free(list[i].added_by);
	}
	free(list);
}

/* A text[] parameter in the array input syntax: every element quoted,
 * NULL for a missing one. */
static void
checklist_put_array_elem(struct buf *b, const char *s)
{
	if (b->len > 1)
		buf_putc(b, ',');
	if (s == NULL) {
		buf_puts(b, "NULL");
		return;
	}
	buf_putc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

/*
 * Invalid indexes on the tables $1 (schemas, NULL: search_path) and $2
 * (names), or on every table when $3.  to_regclass() resolves a name the
 * way the plan's statements will and gives NULL for a table that does not
 * exist yet.  PostgreSQL 9.4 and later.
 */
static const char checklist_invalid_sql[] =
	"SELECT i.indexrelid::pg_catalog.regclass::text,"
	"    i.indrelid::pg_catalog.regclass::text "
	"FROM pg_catalog.pg_index i "
	"WHERE NOT i.indisvalid AND ($3::bool OR i.indrelid IN ("
	"    SELECT pg_catalog.to_regclass(CASE WHEN t.nsp IS NULL"
	"        THEN pg_catalog.quote_ident(t.rel)"
	"        ELSE pg_catalog.quote_ident(t.nsp) || '.' ||"
	"            pg_catalog.quote_ident(t.rel) END)"
	"    FROM ROWS FROM (pg_catalog.unnest($1::text[]),"
	"        pg_catalog.unnest($2::text[])) AS t(nsp, rel))) "
	"ORDER BY 2, 1";

static int
checklist_invalid(struct conn *c, const struct plan *p,
    struct checklist_result *r, char **cause)
{
	struct conn_error	 err = { 0 };
	struct checklist_table	*tables;
	PGresult		*res;
	struct buf		 nsp, rel, v;
	const char		*params[3];
	size_t			 i, n;
	int			 row, rows;

	checklist_plan_tables(p, &tables, &n);
	buf_init(&nsp);
	buf_init(&rel);
	buf_putc(&nsp, '{');
	buf_putc(&rel, '{');
	for (i = 0; i < n; i++) {
		checklist_put_array_elem(&nsp, tables[i].schema);
		checklist_put_array_elem(&rel, tables[i].name);
	}
	buf_putc(&nsp, '}');
	buf_putc(&rel, '}');
	params[0] = nsp.data;
	params[1] = rel.data;
	params[2] = n == 0 ? "true" : "false";
	res = conn_exec(c, checklist_invalid_sql, 3, params, &err);
	buf_free(&nsp);
	buf_free(&rel);

	buf_init(&v);
	if (res == NULL) {
		checklist_tables_free(tables, n);
		return (checklist_failed(c, &err, CHECKLIST_UNKNOWN,
		    "needs pg_monitor", r, cause));
	}
	if ((rows = PQntuples(res)) > 0) {
		buf_printf(&v, "%d invalid index%s: ", rows,
		    rows == 1 ? "" : "es");
		for (row = 0; row < rows && row < CHECKLIST_NAME_MAX; row++)
			buf_printf(&v, "%s%s on %s", row > 0 ? ", " : "",
			    PQgetvalue(res, row, 0), PQgetvalue(res, row, 1));
		if (rows > CHECKLIST_NAME_MAX)
			buf_printf(&v, " and %d more", rows - CHECKLIST_NAME_MAX);
		r->status = CHECKLIST_FAIL;
	} else {
		buf_puts(&v, n > 0 ? "none on " : "none in the database");
		for (i = 0; i < n && i < CHECKLIST_NAME_MAX; i++)
			buf_printf(&v, "%s%s", i > 0 ? ", " : "",
			    tables[i].display);
		if (n > CHECKLIST_NAME_MAX)
			buf_printf(&v, " and %zu more tables",
			    n - CHECKLIST_NAME_MAX);
		r->status = CHECKLIST_PASS;
	}
	if (n == 0)
		buf_puts(&v, " (the plan names no table: whole database)");
	PQclear(res);
	checklist_tables_free(tables, n);
	free(r->value);
	r->value = buf_detach(&v);
	return (0);
}

static int
checklist_lint(struct conn *c, const struct plan *p,
    struct checklist_result *r)
{
	struct lint_report		 rep;
	struct lint_options		 opts;
	const struct lint_finding	*f;
	size_t				 i;

	lint_options_init(&opts);
	if (c != NULL && conn_server_version(c) >= 100000)
		opts.server_version = conn_server_version(c) / 10000;
	lint_report_init(&rep);
	lint_plan(&rep, p, &opts);
	if (rep.nerrors == 0) {
		checklist_set(r, CHECKLIST_PASS, "no lint errors (%zu "
		    "warning%s)", rep.nwarnings, rep.nwarnings == 1 ? "" : "s");
		lint_report_free(&rep);
		return (0);
	}
	f = NULL;
	for (i = 0; i < rep.n; i++) {
		if (rep.findings[i].severity == LINT_ERROR &&
		    !rep.findings[i].suppressed) {
			f = &rep.findings[i];
			break;
		}
	}
	if (f != NULL)
		checklist_set(r, CHECKLIST_FAIL, "%zu lint error%s, first "
		    "%s:%d: %s: %s", rep.nerrors, rep.nerrors == 1 ? "" : "s",
		    f->file, f->line, f->rule, f->message);
	else
		checklist_set(r, CHECKLIST_FAIL, "%zu lint error%s",
		    rep.nerrors, rep.nerrors == 1 ? "" : "s");
	lint_report_free(&rep);
	return (0);
}

/* "integer" for a result column's type, for the operator. */
static char *
checklist_type_name(struct conn *c, Oid oid)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			 obuf[16], *name;
	const char		*params[1];

	snprintf(obuf, sizeof obuf, "%u", oid);
	params[0] = obuf;
	res = conn_exec(c, "SELECT pg_catalog.format_type($1::oid, NULL)", 1,
	    params, &err);
	if (res != NULL && PQntuples(res) == 1)
		name = xstrdup(PQgetvalue(res, 0, 0));
	else
		name = xasprintf("type %u", oid);
	PQclear(res);
	conn_error_clear(&err);
	return (name);
}

/*
 * A custom item: the plan's query, alone (the extended protocol refuses a
 * second statement, so no "; COMMIT" can end the read-only transaction),
 * READ ONLY so that a check can never change the database, with the
 * plan's statement_timeout or 30s.
 */
static int
checklist_custom(struct conn *c, const struct plan *p,
    const struct plan_check *check, struct checklist_result *r, char **cause)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			 timeout[32], *type;
	const char		*params[1];
	Oid			 oid;
	int			 rc;

	/* Our ROLLBACK must not end a transaction of the caller's. */
	if (PQtransactionStatus(conn_pg(c)) != PQTRANS_IDLE) {
		*cause = xstrdup("cannot run a checklist query: the connection "
		    "is inside a transaction");
		return (-1);
	}
	snprintf(timeout, sizeof timeout, "%ld", p->statement_timeout_ms > 0 ?
	    p->statement_timeout_ms : CHECKLIST_SQL_TIMEOUT_MS);
	params[0] = timeout;
	if (conn_command(c, "BEGIN TRANSACTION READ ONLY", 0, NULL, &err) != 0 ||
	    conn_command(c, "SELECT pg_catalog.set_config('statement_timeout',"
	    " $1, true)", 1, params, &err) != 0) {
		rc = checklist_failed(c, &err, CHECKLIST_UNKNOWN,
		    "insufficient privilege", r, cause);
		(void)conn_command(c, "ROLLBACK", 0, NULL, &err);
		conn_error_clear(&err);
		return (rc);
	}
	res = conn_check(c, PQexecParams(conn_pg(c), check->sql, 0, NULL, NULL,
	    NULL, NULL, 0), &err);
	if (res == NULL) {
		struct conn_error	ignore = { 0 };

		(void)conn_command(c, "ROLLBACK", 0, NULL, &ignore);
		conn_error_clear(&ignore);
		return (checklist_failed(c, &err, CHECKLIST_FAIL,
		    "insufficient privilege", r, cause));
	}
	if (conn_command(c, "ROLLBACK", 0, NULL, &err) != 0) {
		PQclear(res);
		return (checklist_failed(c, &err, CHECKLIST_UNKNOWN,
		    "insufficient privilege", r, cause));
	}

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		checklist_set(r, CHECKLIST_FAIL, "expected one boolean, got no "
		    "result rows (%s)", PQcmdStatus(res));
	else if (PQntuples(res) != 1)
		checklist_set(r, CHECKLIST_FAIL, "expected one boolean, got %d "
		    "rows", PQntuples(res));
	else if (PQnfields(res) != 1)
		checklist_set(r, CHECKLIST_FAIL, "expected one boolean, got %d "
		    "columns", PQnfields(res));
	else if ((oid = PQftype(res, 0)) != 16 /* BOOLOID */) {
		type = checklist_type_name(c, oid);
		checklist_set(r, CHECKLIST_FAIL, "expected one boolean, got %s "
		    "%s", type, PQgetisnull(res, 0, 0) ? "NULL" :
		    PQgetvalue(res, 0, 0));
		free(type);
	} else if (PQgetisnull(res, 0, 0))
		checklist_set(r, CHECKLIST_FAIL, "expected one boolean, got NULL");
	else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		checklist_set(r, CHECKLIST_PASS, "true");
	else
		checklist_set(r, CHECKLIST_FAIL, "false");
	PQclear(res);
	return (0);
}

int
checklist_eval(struct conn *c, const struct plan *p,
    const struct plan_check *check, struct checklist_result *r, char **cause)
{
	memset(r, 0, sizeof *r);
	switch (check->kind) {
	case PLAN_CHECK_MANUAL:
		checklist_set(r, CHECKLIST_MANUAL, "needs a sign-off");
		return (0);
	case PLAN_CHECK_LINT_CLEAN:
		return (checklist_lint(c, p, r));
	case PLAN_CHECK_LONG_TRANSACTIONS:
	case PLAN_CHECK_REPLICATION_LAG:
	case PLAN_CHECK_IDLE_IN_TRANSACTION:
	case PLAN_CHECK_INVALID_INDEXES:
	case PLAN_CHECK_SQL:
		break;
	}
	if (c == NULL || conn_busy(c)) {
		*cause = xstrdup(c == NULL ? "no database connection" :
		    "connection busy with another statement");
		return (-1);
	}
	switch (check->kind) {
	case PLAN_CHECK_LONG_TRANSACTIONS:
		return (checklist_long_tx(c, check, r, cause));
	case PLAN_CHECK_REPLICATION_LAG:
		return (checklist_lag(c, check, r, cause));
	case PLAN_CHECK_IDLE_IN_TRANSACTION:
		return (checklist_idle_tx(c, check, r, cause));
	case PLAN_CHECK_INVALID_INDEXES:
		return (checklist_invalid(c, p, r, cause));
	case PLAN_CHECK_SQL:
		return (checklist_custom(c, p, check, r, cause));
	case PLAN_CHECK_MANUAL:
	case PLAN_CHECK_LINT_CLEAN:
		break;
	}
	return (0);
}

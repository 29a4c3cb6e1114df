/*
 * bellows check [-d CONNINFO] PLAN: a pre-flight list of the plan against
 * the target database, meant to predict what `bellows run` will meet.
 * Changes nothing: the catalog reads run on a monitor connection (short
 * statement_timeout), custom checklist queries in a READ ONLY
 * transaction, and the journal is not created.
 *
 * Besides tables and checklist items: every name the plan's statements
 * use, resolved step by step against the catalog as the earlier steps
 * leave it (resolve.h), the privileges the run needs as the connecting
 * role (the plan's tables, the journal's schema), and whether the console
 * will see other roles' sessions (a warning only).
 *
 * Exit: 0 when everything passes, 1 when the run would fail (an item
 * fails, a table, column or constraint does not resolve, a privilege is
 * missing), 2 for usage, plan and SQL syntax errors, 3 when the database
 * cannot be reached.  Items that cannot be answered (no privilege) and
 * warnings are shown but do not fail the check.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backfill.h"
#include "checklist.h"
#include "cmd.h"
#include "lint.h"
#include "monitor.h"
#include "plan.h"
#include "resolve.h"
#include "sql.h"
#include "util.h"

static int	cmd_check_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_check_entry = {
	"check", "[-d CONNINFO] PLAN",
	"check a plan against the target database (names, privileges, checklist)",
	"  -d, --dbname=CONNINFO  database to connect to (libpq conninfo, URI or name)\n",
	cmd_check_exec
};

/* The oldest server bellows supports, and the one that made ADD COLUMN
 * with a constant default a catalog-only change. */
#define CHECK_MIN_SERVER	120000
#define CHECK_FAST_DEFAULTS	110000

/* The label column: wide enough for the plan's item ids, within reason. */
#define CHECK_LABEL_MIN		12
#define CHECK_LABEL_MAX		24

struct check_ctx {
	struct conn	*c;
	int		 width;		/* of the label column */
	int		 manual;	/* items awaiting a sign-off */
	int		 failed;	/* an automatic item or a table failed */
	char		*cause;
};

/* One line of the list: "  ok     long-tx      text   (value)". */
static void
check_line(struct check_ctx *x, const char *mark, const char *label,
    const char *text, const char *value)
{
	printf("  %-6s %-*s %s", mark, x->width, label, text);
	if (value != NULL && *value != '\0')
		printf("   (%s)", value);
	putchar('\n');
}

static void
check_server(struct check_ctx *x)
{
	char	text[64];
	int	v;

	v = conn_server_version(x->c);
	snprintf(text, sizeof text, "PostgreSQL %d.%d", v / 10000, v % 10000);
	if (v < CHECK_FAST_DEFAULTS)
		check_line(x, "warn", "server", text, "older than 11: ADD COLUMN "
		    "with a default rewrites the table; bellows supports 12 "
		    "and later");
	else if (v < CHECK_MIN_SERVER)
		check_line(x, "warn", "server", text, "older than 12, which "
		    "bellows supports");
	else
		check_line(x, "ok", "server", text, NULL);
}

/* Who the check runs as, and what it may do outside the plan's tables. */
struct check_role {
	char	*name;
	char	*schema;	/* current_schema(); NULL: none */
	char	*db;
	int	 db_create;	/* CREATE on the database */
	int	 superuser;
	int	 monitor;	/* pg_monitor or pg_read_all_stats */
	int	 journal;	/* schema bellows exists */
	int	 journal_usage;
	int	 journal_create;
	int	 journal_tables; /* of meta, runs, steps, events */
};

/* PostgreSQL 10 and later (pg_monitor, pg_read_all_stats). */
static const char check_role_sql[] =
    "SELECT current_user, pg_catalog.current_schema(),"
    " pg_catalog.current_database(),"
    " pg_catalog.has_database_privilege(pg_catalog.current_database(),"
    "     'CREATE'),"
    " r.rolsuper,"
    " pg_catalog.pg_has_role('pg_monitor', 'USAGE') OR"
    "     pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE'),"
    " n.oid IS NOT NULL,"
    " COALESCE(pg_catalog.has_schema_privilege(n.oid, 'USAGE'), false),"
    " COALESCE(pg_catalog.has_schema_privilege(n.oid, 'CREATE'), false),"
    " (SELECT count(*) FROM pg_catalog.pg_class c"
    "     WHERE c.relnamespace = n.oid"
    "     AND c.relname IN ('meta', 'runs', 'steps', 'events')) "
    "FROM pg_catalog.pg_roles r"
    " LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = 'bellows' "
    "WHERE r.rolname = current_user";

/* What the journal (journal.c) does to each of its tables. */
static const char check_journal_sql[] =
    "SELECT c.relname, p.priv FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " JOIN (VALUES ('meta', 'SELECT'), ('runs', 'SELECT'),"
    "     ('runs', 'INSERT'), ('runs', 'UPDATE'), ('steps', 'SELECT'),"
    "     ('steps', 'INSERT'), ('steps', 'UPDATE'), ('steps', 'DELETE'),"
    "     ('events', 'SELECT'), ('events', 'INSERT'),"
    "     ('events_id_seq', 'USAGE')) AS p (rel, priv) ON p.rel = c.relname "
    "WHERE n.nspname = 'bellows' AND NOT CASE WHEN c.relkind = 'S'"
    "     THEN pg_catalog.has_sequence_privilege(c.oid, p.priv)"
    "     ELSE pg_catalog.has_table_privilege(c.oid, p.priv) END "
    "ORDER BY 1, 2";

static int
check_role_read(struct check_ctx *x, struct check_role *role)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;

	memset(role, 0, sizeof *role);
	if ((res = conn_exec(x->c, check_role_sql, 0, NULL, &err)) == NULL) {
		x->cause = conn_error_format(&err);
		conn_error_clear(&err);
		return (-1);
	}
	role->name = xstrdup(PQgetvalue(res, 0, 0));
	role->schema = PQgetisnull(res, 0, 1) ? NULL :
	    xstrdup(PQgetvalue(res, 0, 1));
	role->db = xstrdup(PQgetvalue(res, 0, 2));
	role->db_create = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
	role->superuser = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
	role->monitor = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
	role->journal = strcmp(PQgetvalue(res, 0, 6), "t") == 0;
	role->journal_usage = strcmp(PQgetvalue(res, 0, 7), "t") == 0;
	role->journal_create = strcmp(PQgetvalue(res, 0, 8), "t") == 0;
	role->journal_tables = atoi(PQgetvalue(res, 0, 9));
	PQclear(res);
	return (0);
}

static void
check_role_clear(struct check_role *role)
{
	free(role->name);
	free(role->schema);
	free(role->db);
}

/*
 * What `bellows run` needs besides the plan's tables: the journal (schema
 * bellows, created on first use) and, for a full console, the statistics
 * of other roles' sessions.
 */
static int
check_journal(struct check_ctx *x, const struct check_role *role)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			*text;
	int			 i, bad = 0;

	if (!role->journal) {
		text = xasprintf("role \"%s\" %s create schema bellows (CREATE "
		    "on database \"%s\")", role->name, role->db_create ?
		    "may" : "cannot", role->db);
		check_line(x, role->db_create ? "ok" : "FAIL", "journal", text,
		    role->db_create ? "created on the first run" :
		    "the run records its state there");
		free(text);
		if (!role->db_create)
			x->failed = 1;
		return (0);
	}
	if (!role->journal_usage) {
		text = xasprintf("role \"%s\" has no USAGE privilege on "
		    "schema bellows", role->name);
		check_line(x, "FAIL", "journal", text, "the run records its "
		    "state there");
		free(text);
		x->failed = 1;
		return (0);
	}
	if (role->journal_tables < 4 && !role->journal_create) {
		text = xasprintf("role \"%s\" has no CREATE privilege on "
		    "schema bellows", role->name);
		check_line(x, "FAIL", "journal", text, "the journal's tables "
		    "are missing and the run creates them");
		free(text);
		bad++;
	}
	if ((res = conn_exec(x->c, check_journal_sql, 0, NULL, &err)) == NULL) {
		x->cause = conn_error_format(&err);
		conn_error_clear(&err);
		return (-1);
	}
	for (i = 0; i < PQntuples(res); i++) {
		text = xasprintf("role \"%s\" has no %s privilege on "
		    "bellows.%s", role->name, PQgetvalue(res, i, 1),
		    PQgetvalue(res, i, 0));
		check_line(x, "FAIL", "journal", text, NULL);
		free(text);
		bad++;
	}
	PQclear(res);
	if (bad > 0)
		x->failed = 1;
	else
		check_line(x, "ok", "journal", "schema bellows is writable",
		    NULL);
	return (0);
}

static int
check_monitor(struct check_ctx *x, const struct check_role *role)
{
	char	*text;

	if (role->superuser || role->monitor) {
		text = xasprintf("role \"%s\" sees every session", role->name);
		check_line(x, "ok", "monitor", text, role->superuser ?
		    "superuser" : "pg_monitor or pg_read_all_stats");
	} else {
		text = xasprintf("role \"%s\" is not in pg_monitor or "
		    "pg_read_all_stats", role->name);
		check_line(x, "warn", "monitor", text, "the console cannot "
		    "show what other roles' sessions run or wait for");
	}
	free(text);
	return (0);
}

/*
 * The catalog's side of the resolver (resolve.h): relation SCHEMA.NAME as
 * the plan's statements would resolve it (through search_path when SCHEMA
 * is NULL), its columns, constraints and what the role may do with it.
 * PostgreSQL 12 and later.
 */
static const char check_relation_sql[] =
    "SELECT c.oid, n.nspname, c.relname,"
    " pg_catalog.pg_get_userbyid(c.relowner),"
    " pg_catalog.pg_has_role(c.relowner, 'USAGE'),"
    " pg_catalog.has_any_column_privilege(c.oid, 'SELECT'),"
    " pg_catalog.has_any_column_privilege(c.oid, 'UPDATE'),"
    " pg_catalog.has_any_column_privilege(c.oid, 'INSERT'),"
    " pg_catalog.has_table_privilege(c.oid, 'DELETE'),"
    " pg_catalog.has_any_column_privilege(c.oid, 'REFERENCES') "
    "FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.oid = pg_catalog.to_regclass(CASE WHEN $1::text IS NULL"
    "    THEN pg_catalog.quote_ident($2)"
    "    ELSE pg_catalog.quote_ident($1) || '.' ||"
    "        pg_catalog.quote_ident($2) END)";
static const char check_columns_sql[] =
    "SELECT attname FROM pg_catalog.pg_attribute"
    " WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped"
    " ORDER BY attnum";
static const char check_constraints_sql[] =
    "SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = $1::oid";

/* Column 0 of every row of SQL (one parameter) into *V. */
static int
check_names(struct check_ctx *x, const char *sql, const char *param,
    char ***v, size_t *n)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	int			 i;

	if ((res = conn_exec(x->c, sql, 1, &param, &err)) == NULL) {
		x->cause = conn_error_format(&err);
		conn_error_clear(&err);
		return (-1);
	}
	*n = (size_t)PQntuples(res);
	*v = xcalloc(*n + 1, sizeof **v);
	for (i = 0; i < PQntuples(res); i++)
		(*v)[i] = xstrdup(PQgetvalue(res, i, 0));
	PQclear(res);
	return (0);
}

static int
check_relation(void *arg, const char *schema, const char *name,
    struct resolve_relinfo *out, char **cause)
{
	static const int	 privs[] = { RESOLVE_OWN, RESOLVE_SELECT,
	    RESOLVE_UPDATE, RESOLVE_INSERT, RESOLVE_DELETE,
	    RESOLVE_REFERENCES };
	struct check_ctx	*x = arg;
	struct conn_error	 err = { 0 };
	PGresult		*res;
	const char		*params[2];
	char			*oid;
	size_t			 i;

	params[0] = schema;
	params[1] = name;
	if ((res = conn_exec(x->c, check_relation_sql, 2, params,
	    &err)) == NULL) {
		*cause = conn_error_format(&err);
		conn_error_clear(&err);
		return (-1);
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (0);
	}
	oid = xstrdup(PQgetvalue(res, 0, 0));
	out->schema = xstrdup(PQgetvalue(res, 0, 1));
	out->name = xstrdup(PQgetvalue(res, 0, 2));
	out->owner = xstrdup(PQgetvalue(res, 0, 3));
	for (i = 0; i < nitems(privs); i++) {
		if (strcmp(PQgetvalue(res, 0, 4 + (int)i), "t") == 0)
			out->privs |= privs[i];
	}
	PQclear(res);
	if (check_names(x, check_columns_sql, oid, &out->cols,
	    &out->ncols) != 0 || check_names(x, check_constraints_sql, oid,
	    &out->cons, &out->ncons) != 0) {
		free(oid);
		resolve_relinfo_clear(out);
		*cause = x->cause;
		x->cause = NULL;
		return (-1);
	}
	free(oid);
	return (1);
}

static int
check_can_create(void *arg, const char *schema, char **cause)
{
	static const char	 sql[] =
	    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace"
	    " WHERE nspname = COALESCE($1, pg_catalog.current_schema())"
	    " AND pg_catalog.has_schema_privilege(oid, 'CREATE'))";
	struct check_ctx	*x = arg;
	struct conn_error	 err = { 0 };
	PGresult		*res;
	int			 yes;

	if ((res = conn_exec(x->c, sql, 1, &schema, &err)) == NULL) {
		*cause = conn_error_format(&err);
		conn_error_clear(&err);
		return (-1);
	}
	yes = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return (yes);
}

/* Whether the table (SCHEMA may be NULL) resolves, as the plan's
 * statements would resolve it.  1, 0, or -1 with x->cause. */
static int
check_exists(struct check_ctx *x, const char *schema, const char *name)
{
	struct resolve_relinfo	info;
	int			rc;

	memset(&info, 0, sizeof info);
	rc = check_relation(x, schema, name, &info, &x->cause);
	resolve_relinfo_clear(&info);
	return (rc);
}

static int
check_tables(struct check_ctx *x, const struct plan *p)
{
	struct checklist_table		*tables;
	const struct checklist_table	*t;
	char				*text, *value;
	size_t				 i, n;
	int				 rc;

	checklist_plan_tables(p, &tables, &n);
	if (n == 0)
		check_line(x, "ok", "tables", "the plan names no table", NULL);
	for (i = 0; i < n; i++) {
		t = &tables[i];
		if ((rc = check_exists(x, t->schema, t->name)) == -1) {
			checklist_tables_free(tables, n);
			return (-1);
		}
		if (t->created_by != NULL) {
			text = xasprintf("%s is created by step '%s'",
			    t->display, t->created_by);
			check_line(x, rc ? "warn" : "ok", "table", text,
			    rc ? "but it exists already" : NULL);
		} else if (rc) {
			text = xasprintf("%s exists", t->display);
			check_line(x, "ok", "table", text, NULL);
		} else {
			text = xasprintf("%s does not exist", t->display);
			value = xasprintf("named by '%s'", t->first_step);
			check_line(x, "FAIL", "table", text, value);
			free(value);
			x->failed = 1;
		}
		free(text);
	}
	checklist_tables_free(tables, n);
	return (0);
}

/*
 * A backfill's table and key may be reserved words: bellows quotes them.
 * Said anyway, since SQL around them (set, where, steps) must quote them.
 */
static void
check_reserved(struct check_ctx *x, const struct plan *p)
{
	const struct plan_backfill	*b;
	const char			*names[2], *dot;
	char				*text;
	size_t				 i, j;

	for (i = 0; i < p->nphases; i++) {
		if (p->phases[i].kind != PLAN_PHASE_BACKFILL)
			continue;
		b = &p->phases[i].backfill;
		dot = strchr(b->table, '.');
		names[0] = dot != NULL ? dot + 1 : b->table;
		names[1] = b->key;
		for (j = 0; j < nitems(names); j++) {
			if (!sql_reserved(names[j]))
				continue;
			text = xasprintf("%s:%d: phase '%s' backfill %s: "
			    "\"%s\" is a reserved word; bellows quotes it, "
			    "but in SQL write it quoted: \"%s\"", p->file,
			    b->line, p->phases[i].name, j == 0 ? "table" :
			    "key", names[j], names[j]);
			check_line(x, "ok", "names", text, NULL);
			free(text);
		}
	}
}

/*
 * Every name the plan's statements use, step by step against the schema
 * as the earlier steps leave it, and the privileges they need: one line
 * per finding ("FILE:LINE: phase ... : message").
 */
static int
check_resolve(struct check_ctx *x, const struct plan *p,
    const struct check_role *role)
{
	struct resolve_catalog	 cat;
	struct resolve_report	 r;
	const struct resolve_finding *f;
	size_t			 i, names = 0, privs = 0;

	memset(&cat, 0, sizeof cat);
	cat.relation = check_relation;
	cat.can_create = check_can_create;
	cat.arg = x;
	cat.role = role->name;
	cat.current_schema = role->schema;
	memset(&r, 0, sizeof r);
	if (resolve_plan(p, &cat, &r, &x->cause) != 0) {
		resolve_report_free(&r);
		return (-1);
	}
	for (i = 0; i < r.n; i++) {
		f = &r.findings[i];
		check_line(x, f->severity == RESOLVE_ERROR ? "FAIL" : "warn",
		    f->kind == RESOLVE_NAME ? "names" : "privilege", f->text,
		    NULL);
		if (f->kind == RESOLVE_NAME)
			names++;
		else
			privs++;
	}
	if (names == 0)
		check_line(x, "ok", "names", "every table, column and "
		    "constraint the plan uses resolves", NULL);
	check_reserved(x, p);
	if (privs == 0)
		check_line(x, "ok", "privilege", "the role may run every step",
		    NULL);
	if (r.nerrors > 0)
		x->failed = 1;
	resolve_report_free(&r);
	return (0);
}

/*
 * Each backfill's batch statement: its key bounds proven on the parse tree
 * and the first batch EXPLAINed (nothing runs).  A name the server does
 * not know yet may come from an earlier step (the column a step adds): a
 * warning then, since only the run can tell.
 */
static void
check_backfills(struct check_ctx *x, const struct plan *p)
{
	const struct plan_phase	*ph;
	struct backfill		*b;
	struct conn_error	 err = { 0 };
	char			*label, *m;
	size_t			 i, j;
	int			 earlier;

	for (i = 0; i < p->nphases; i++) {
		ph = &p->phases[i];
		if (ph->kind != PLAN_PHASE_BACKFILL)
			continue;
		for (earlier = 0, j = 0; j < i; j++)
			earlier |= p->phases[j].kind == PLAN_PHASE_STEPS;
		label = xasprintf("batch statement of backfill '%s'", ph->name);
		b = backfill_new(&ph->backfill, x->c, NULL, NULL);
		if (backfill_explain(b, x->c, &err) == 0)
			check_line(x, "ok", "backfill", label, "key bounds "
			    "applied; EXPLAIN plans it");
		else {
			m = conn_error_format(&err);
			if (earlier && (conn_error_is(&err, "42703") ||
			    conn_error_is(&err, "42P01") ||
			    conn_error_is(&err, "42883")))
				check_line(x, "warn", "backfill", label, m);
			else {
				check_line(x, "FAIL", "backfill", label, m);
				x->failed = 1;
			}
			free(m);
			conn_error_clear(&err);
		}
		backfill_free(b);
		free(label);
	}
}

static int
check_items(struct check_ctx *x, const struct plan *p)
{
	const struct plan_check	*item;
	struct checklist_result	 r;
	size_t			 i;

	for (i = 0; i < p->nchecklist; i++) {
		item = &p->checklist[i];
		if (checklist_eval(x->c, p, item, &r, &x->cause) != 0)
			return (-1);
		check_line(x, checklist_status_name(r.status), item->id,
		    item->text, r.status == CHECKLIST_MANUAL ? NULL : r.value);
		if (r.status == CHECKLIST_FAIL)
			x->failed = 1;
		if (r.status == CHECKLIST_MANUAL)
			x->manual++;
		checklist_result_clear(&r);
	}
	return (0);
}

/* Print "FILE:LINE:COL: ..." for each statement of TEXT the parser
 * refuses; returns how many. */
static int
check_syntax_one(const struct plan *p, const char *step, const char *what,
    const char *text, const struct plan_pos *pos)
{
	struct sql_script	*s;
	const struct sql_stmt	*st;
	size_t			 i;
	char			*note;
	int			 line, col, bad = 0;

	s = sql_parse(text);
	for (i = 0; i < s->nstmts; i++) {
		st = &s->stmts[i];
		if (st->error == NULL)
			continue;
		plan_pos_at(pos, text, st->error_off, &line, &col);
		note = sql_reserved_note(text, st->error_off);
		fprintf(stderr, "%s:%d:%d: syntax error in the %s of step '%s': "
		    "%s%s%s%s\n", pos->file != NULL ? pos->file : p->file, line,
		    col, what, step, st->error, note != NULL ? " (" : "",
		    note != NULL ? note : "", note != NULL ? ")" : "");
		free(note);
		bad++;
	}
	sql_free(s);
	return (bad);
}

/*
 * A statement the parser refuses would make the table list below quietly
 * incomplete, and the run would stop at it anyway: a plan error (exit 2),
 * found before connecting.  Lint gives the full picture.
 */
static int
check_syntax(const struct plan *p)
{
	const struct plan_phase	*ph;
	const struct plan_step	*st;
	size_t			 i, j;
	char			*cause;
	int			 bad = 0;

	for (i = 0; i < p->nphases; i++) {
		ph = &p->phases[i];
		if (ph->kind == PLAN_PHASE_BACKFILL &&
		    lint_backfill_syntax(p, &ph->backfill, &cause) != 0) {
			fprintf(stderr, "%s\n", cause);
			free(cause);
			bad++;
		}
		if (ph->kind != PLAN_PHASE_STEPS)
			continue;
		for (j = 0; j < ph->nsteps; j++) {
			st = &ph->steps[j];
			bad += check_syntax_one(p, st->name, "sql", st->sql,
			    &st->sql_pos);
			if (st->rollback != NULL)
				bad += check_syntax_one(p, st->name, "rollback",
				    st->rollback, &st->rollback_pos);
		}
	}
	return (bad);
}

static int
cmd_check_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dbname", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct plan_defaults	 defaults;
	struct plan		*p;
	struct conn_error	 err = { 0 };
	struct check_ctx	 x;
	struct check_role	 role;
	const char		*conninfo = NULL;
	char			*cause = NULL, *msg;
	size_t			 i, len;
	int			 ch, rc, stop;

	while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			conninfo = optarg;
			break;
		case 'h':
			cmd_print_help(e);
			return (CMD_EXIT_DONE);
		default:
			return (cmd_usage_error(e, "unknown option"));
		}
	}
	if (argc - optind != 1)
		return (cmd_usage_error(e, "expected one PLAN file"));

	if (plan_defaults_load(&defaults, &cause) != 0) {
		fprintf(stderr, "bellows check: %s\n", cause);
		free(cause);
		return (CMD_EXIT_USAGE);
	}
	if ((p = plan_load(argv[optind], &defaults, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return (CMD_EXIT_USAGE);
	}
	if (check_syntax(p) != 0) {
		plan_free(p);
		return (CMD_EXIT_USAGE);
	}

	memset(&x, 0, sizeof x);
	x.width = CHECK_LABEL_MIN;
	for (i = 0; i < p->nchecklist; i++) {
		len = strlen(p->checklist[i].id);
		if (len > (size_t)x.width)
			x.width = len > CHECK_LABEL_MAX ? CHECK_LABEL_MAX : len;
	}
	if ((x.c = monitor_open(conninfo, p->name, &err)) == NULL) {
		msg = conn_error_format(&err);
		fprintf(stderr, "bellows check: cannot connect: %s\n", msg);
		free(msg);
		conn_error_clear(&err);
		plan_free(p);
		return (CMD_EXIT_CONNECT);
	}

	printf("bellows check: plan '%s' (%s)\n", p->name, p->file);
	check_line(&x, "ok", "connection", conn_describe(x.c), NULL);
	check_server(&x);
	/* The batch statements are EXPLAINed once their names resolve. */
	stop = check_role_read(&x, &role) != 0 || check_tables(&x, p) != 0 ||
	    check_resolve(&x, p, &role) != 0;
	if (!stop)
		check_backfills(&x, p);
	if (stop || check_journal(&x, &role) != 0 ||
	    check_monitor(&x, &role) != 0 || check_items(&x, p) != 0) {
		fprintf(stderr, "bellows check: %s\n", x.cause);
		free(x.cause);
		check_role_clear(&role);
		conn_close(x.c);
		plan_free(p);
		return (CMD_EXIT_CONNECT);
	}
	check_role_clear(&role);
	if (x.manual > 0)
		printf("%d manual item%s to sign off in 'bellows run'\n",
		    x.manual, x.manual == 1 ? "" : "s");
	rc = x.failed ? CMD_EXIT_FAILED : CMD_EXIT_DONE;
	printf("%s\n", x.failed ? "bellows check: FAILED" :
	    "bellows check: ready");
	conn_close(x.c);
	plan_free(p);
	return (rc);
}

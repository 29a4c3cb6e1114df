/*
 * bellows check [-d CONNINFO] PLAN: a pre-flight list of the plan against
 * the target database.  Changes nothing: the catalog reads run on a
 * monitor connection (short statement_timeout) and custom checklist
 * queries in a READ ONLY transaction.
 *
 * Exit: 0 when every automatic item passes, 1 when one fails or a table
 * the plan needs is missing, 2 for usage and plan errors, 3 when the
 * database cannot be reached.  Items that cannot be answered (no
 * privilege) and warnings are shown but do not fail the check.
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
#include "sql.h"
#include "util.h"

static int	cmd_check_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_check_entry = {
	"check", "[-d CONNINFO] PLAN",
	"check a plan against the target database (tables, checklist)",
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

/*
 * Whether the table (SCHEMA may be NULL) resolves, as the plan's
 * statements would resolve it; and, when COLUMN is not NULL, whether it
 * has that column.  1, 0, or -1 with x->cause.
 */
static int
check_exists(struct check_ctx *x, const char *schema, const char *name,
    const char *column)
{
	static const char	 sql[] =
	    "SELECT t.oid IS NOT NULL AND ($3::text IS NULL OR EXISTS ("
	    "    SELECT 1 FROM pg_catalog.pg_attribute a"
	    "    WHERE a.attrelid = t.oid AND a.attname = $3"
	    "      AND a.attnum > 0 AND NOT a.attisdropped)) "
	    "FROM (SELECT pg_catalog.to_regclass(CASE WHEN $1::text IS NULL"
	    "    THEN pg_catalog.quote_ident($2)"
	    "    ELSE pg_catalog.quote_ident($1) || '.' ||"
	    "        pg_catalog.quote_ident($2) END)::oid AS oid) AS t";
	struct conn_error	 err = { 0 };
	PGresult		*res;
	const char		*params[3];
	int			 yes;

	params[0] = schema;
	params[1] = name;
	params[2] = column;
	if ((res = conn_exec(x->c, sql, 3, params, &err)) == NULL) {
		x->cause = conn_error_format(&err);
		conn_error_clear(&err);
		return (-1);
	}
	yes = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return (yes);
}

static int
check_tables(struct check_ctx *x, const struct plan *p)
{
	struct checklist_table		*tables;
	const struct checklist_table	*t;
	const struct plan_backfill	*b;
	char				*text, *value;
	size_t				 i, j, n;
	int				 rc, added;

	checklist_plan_tables(p, &tables, &n);
	if (n == 0)
		check_line(x, "ok", "tables", "the plan names no table", NULL);
	for (i = 0; i < n; i++) {
		t = &tables[i];
		if ((rc = check_exists(x, t->schema, t->name, NULL)) == -1)
			goto error;
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

	/* Each backfill's key column, unless a step adds it or the plan
	 * creates the table (its columns are then the plan's business). */
	for (i = 0; i < p->nphases; i++) {
		if (p->phases[i].kind != PLAN_PHASE_BACKFILL)
			continue;
		b = &p->phases[i].backfill;
		if ((t = checklist_backfill_table(tables, n, b)) == NULL) {
			text = xasprintf("backfill '%s': table \"%s\"",
			    p->phases[i].name, b->table);
			check_line(x, "FAIL", "table", text, "not one table name");
			free(text);
			x->failed = 1;
			continue;
		}
		if (t->created_by != NULL)
			continue;
		for (added = 0, j = 0; j < t->nadded; j++) {
			if (strcmp(t->added[j], b->key) == 0) {
				added = 1;
				break;
			}
		}
		text = xasprintf("%s.%s (key of backfill '%s')", t->display,
		    b->key, p->phases[i].name);
		if (added) {
			value = xasprintf("added by step '%s'", t->added_by[j]);
			check_line(x, "ok", "column", text, value);
			free(value);
		} else if ((rc = check_exists(x, t->schema, t->name,
		    NULL)) == 1) {
			if ((rc = check_exists(x, t->schema, t->name,
			    b->key)) == -1) {
				free(text);
				goto error;
			}
			check_line(x, rc ? "ok" : "FAIL", "column", text,
			    rc ? "exists" : "does not exist");
			if (!rc)
				x->failed = 1;
		} else if (rc == -1) {
			free(text);
			goto error;
		}
		free(text);
	}
	checklist_tables_free(tables, n);
	return (0);

error:
	checklist_tables_free(tables, n);
	return (-1);
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
	int			 line, col, bad = 0;

	s = sql_parse(text);
	for (i = 0; i < s->nstmts; i++) {
		st = &s->stmts[i];
		if (st->error == NULL)
			continue;
		plan_pos_at(pos, text, st->error_off, &line, &col);
		fprintf(stderr, "%s:%d:%d: syntax error in the %s of step '%s': "
		    "%s\n", pos->file != NULL ? pos->file : p->file, line, col,
		    what, step, st->error);
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
	const char		*conninfo = NULL;
	char			*cause = NULL, *msg;
	size_t			 i, len;
	int			 ch, rc;

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
	if (check_tables(&x, p) == 0)
		check_backfills(&x, p);
	if (x.cause != NULL || check_items(&x, p) != 0) {
		fprintf(stderr, "bellows check: %s\n", x.cause);
		free(x.cause);
		conn_close(x.c);
		plan_free(p);
		return (CMD_EXIT_CONNECT);
	}
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

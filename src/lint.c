/*
 * lint: the rules.  Every rule looks at libpg_query's raw parse tree of one
 * statement, with the context of what the file or plan did before it; no
 * rule ever looks at the SQL text.  See lint.h for positions, context and
 * suppressions, and man/lint-rules.inc for the rule list as users see it.
 *
 * The lock levels quoted in messages are PostgreSQL's (see "Explicit
 * Locking" in its documentation): what matters to the application is which
 * lock is taken, whether it blocks reads, writes or both, and for how long
 * (a catalog update is milliseconds; a scan or rewrite is the table's size).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>
#include <protobuf-c/protobuf-c.h>
#include <pg_query/pg_query.pb-c.h>

#include "backfill.h"
#include "lint.h"
#include "plan.h"
#include "sql.h"
#include "util.h"

typedef PgQuery__Node Node;

/* ---------------------------------------------------------------- context */

/* A set of strings (open addressing): created tables, indexes, columns. */
struct lint_set {
	char	**keys;
	size_t	  cap;
	size_t	  n;
};

/* A CHECK constraint that proves a column NOT NULL once validated. */
struct lint_notnull {
	char	*table;
	char	*conname;
	char	*col;
	int	 validated;
};

/* What bellows knows of a column's type (added earlier in the file). */
struct lint_type {
	char	name[64];	/* last part of the type name: varchar, int4 */
	int	nmods;
	int	mods[2];
	int	array;
};

struct lint_coltype {
	char		*key;	/* table.column */
	struct lint_type type;
};

struct lint_supp {
	int	 off;		/* of the comment */
	int	 line;
	int	 col;
	char	*rules;		/* "rule,rule" */
	char	*reason;	/* NULL: no reason given */
	size_t	 target;	/* statement index it covers; SIZE_MAX: none */
	int	 used;
};

struct lint_ctx {
	struct lint_report		*r;
	const struct lint_options	*o;
	const char			*file;

	/* The script being linted and how to map its offsets. */
	const struct sql_script		*script;
	const struct plan_pos		*pos;	/* NULL: a .sql file */
	int				 pos_off; /* last offset mapped through */
	int				 pos_line, pos_col; /* POS: -1 none */
	struct lint_supp		*supps;
	size_t				 nsupps;

	int	 is_plan;
	int	 destructive;	/* plan phase is destructive, or a down script */
	int	 down_script;	/* a .sql rollback script */
	int	 in_rollback;	/* a step's rollback sql */
	int	 record;	/* learn from this script */
	int	 in_tx;		/* inside an explicit BEGIN (.sql) */
	int	 step_multi;	/* a plan string with several statements */

	struct lint_set	 tables;	/* created earlier: relations */
	struct lint_set	 indexes;
	struct lint_set	 columns;	/* table.column added earlier */
	struct lint_set	 later;		/* tables created anywhere in the file */
	struct lint_set	 later_indexes;	/* indexes on those, created in it */
	struct lint_notnull *notnulls;
	size_t		 nnotnulls;
	struct lint_coltype *coltypes;
	size_t		 ncoltypes;
};

typedef void (*lint_check_fn)(struct lint_ctx *, const struct sql_stmt *,
    const Node *);

/* ------------------------------------------------------------ string set */

static size_t
lint_hash(const char *s)
{
	size_t	h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return (h);
}

static int
lint_set_has(const struct lint_set *set, const char *key)
{
	size_t	i;

	if (set->n == 0 || key == NULL)
		return (0);
	for (i = lint_hash(key) & (set->cap - 1); set->keys[i] != NULL;
	    i = (i + 1) & (set->cap - 1)) {
		if (strcmp(set->keys[i], key) == 0)
			return (1);
	}
	return (0);
}

static void
lint_set_add(struct lint_set *set, const char *key)
{
	char	**old;
	size_t	  oldcap, i, j;

	if (key == NULL || *key == '\0' || lint_set_has(set, key))
		return;
	if ((set->n + 1) * 2 > set->cap) {
		old = set->keys;
		oldcap = set->cap;
		set->cap = oldcap == 0 ? 64 : oldcap * 2;
		set->keys = xcalloc(set->cap, sizeof *set->keys);
		for (i = 0; i < oldcap; i++) {
			if (old[i] == NULL)
				continue;
			for (j = lint_hash(old[i]) & (set->cap - 1);
			    set->keys[j] != NULL; j = (j + 1) & (set->cap - 1))
				continue;
			set->keys[j] = old[i];
		}
		free(old);
	}
	for (i = lint_hash(key) & (set->cap - 1); set->keys[i] != NULL;
	    i = (i + 1) & (set->cap - 1))
		continue;
	set->keys[i] = xstrdup(key);
	set->n++;
}

static void
lint_set_free(struct lint_set *set)
{
	size_t	i;

	for (i = 0; i < set->cap; i++)
		free(set->keys[i]);
	free(set->keys);
	memset(set, 0, sizeof *set);
}

/* ------------------------------------------------------------ rule table */

static void	lint_check_index(struct lint_ctx *, const struct sql_stmt *,
		    const Node *);
static void	lint_check_autocommit(struct lint_ctx *, const struct sql_stmt *,
		    const Node *);
static void	lint_check_alter_table(struct lint_ctx *,
		    const struct sql_stmt *, const Node *);
static void	lint_check_drop(struct lint_ctx *, const struct sql_stmt *,
		    const Node *);
static void	lint_check_reindex(struct lint_ctx *, const struct sql_stmt *,
		    const Node *);
static void	lint_check_rename(struct lint_ctx *, const struct sql_stmt *,
		    const Node *);
static void	lint_check_vacuum(struct lint_ctx *, const struct sql_stmt *,
		    const Node *);
static void	lint_check_cluster(struct lint_ctx *, const struct sql_stmt *,
		    const Node *);
static void	lint_check_lock(struct lint_ctx *, const struct sql_stmt *,
		    const Node *);
static void	lint_check_refresh(struct lint_ctx *, const struct sql_stmt *,
		    const Node *);
static void	lint_check_truncate(struct lint_ctx *, const struct sql_stmt *,
		    const Node *);
static void	lint_check_delete(struct lint_ctx *, const struct sql_stmt *,
		    const Node *);
static void	lint_check_update(struct lint_ctx *, const struct sql_stmt *,
		    const Node *);
static void	lint_check_transaction(struct lint_ctx *,
		    const struct sql_stmt *, const Node *);

#define ANY_NODE PG_QUERY__NODE__NODE__NOT_SET

/*
 * The rules.  A row with a check function runs on every statement whose
 * node matches (ANY_NODE: every statement); one check may report several
 * rules of the same statement kind (ALTER TABLE has many), so the table
 * lists each id once with the check that reports it, and ids reported
 * elsewhere (plan-level, syntax, suppressions) have no check.
 */
static const struct lint_rule {
	const char		*id;
	enum lint_severity	 severity;
	PgQuery__Node__NodeCase	 node;
	lint_check_fn		 check;
	const char		*summary;
} lint_rule_table[] = {
	{ "syntax", LINT_ERROR, ANY_NODE, NULL,
	  "the SQL does not parse (PostgreSQL 15 grammar)" },
	{ "index-not-concurrent", LINT_ERROR, PG_QUERY__NODE__NODE_INDEX_STMT,
	  lint_check_index,
	  "CREATE/DROP INDEX or REINDEX without CONCURRENTLY" },
	{ "concurrently-in-transaction", LINT_ERROR, ANY_NODE,
	  lint_check_autocommit,
	  "CONCURRENTLY (or VACUUM, ...) inside a transaction block" },
	{ "add-column-volatile-default", LINT_ERROR,
	  PG_QUERY__NODE__NODE_ALTER_TABLE_STMT, lint_check_alter_table,
	  "ADD COLUMN with a volatile default (any default before 11)" },
	{ "add-column-serial", LINT_ERROR, ANY_NODE, NULL,
	  "ADD COLUMN serial, identity or stored generated column" },
	{ "add-column-not-null-no-default", LINT_ERROR, ANY_NODE, NULL,
	  "ADD COLUMN NOT NULL without a default" },
	{ "set-not-null-without-check", LINT_ERROR, ANY_NODE, NULL,
	  "SET NOT NULL without a validated CHECK (col IS NOT NULL)" },
	{ "constraint-not-valid", LINT_ERROR, ANY_NODE, NULL,
	  "ADD FOREIGN KEY or CHECK without NOT VALID" },
	{ "add-unique-not-using-index", LINT_ERROR, ANY_NODE, NULL,
	  "ADD UNIQUE/PRIMARY KEY/EXCLUDE not USING INDEX" },
	{ "alter-column-type", LINT_ERROR, ANY_NODE, NULL,
	  "ALTER COLUMN TYPE that rewrites the table" },
	{ "rename", LINT_ERROR, PG_QUERY__NODE__NODE_RENAME_STMT,
	  lint_check_rename, "RENAME of a table or column" },
	{ "vacuum-full", LINT_ERROR, PG_QUERY__NODE__NODE_VACUUM_STMT,
	  lint_check_vacuum, "VACUUM FULL" },
	{ "cluster", LINT_ERROR, PG_QUERY__NODE__NODE_CLUSTER_STMT,
	  lint_check_cluster, "CLUSTER" },
	{ "lock-table", LINT_ERROR, PG_QUERY__NODE__NODE_LOCK_STMT,
	  lint_check_lock, "LOCK TABLE in a mode that blocks writes" },
	{ "refresh-matview-not-concurrent", LINT_ERROR,
	  PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT, lint_check_refresh,
	  "REFRESH MATERIALIZED VIEW without CONCURRENTLY" },
	{ "truncate", LINT_ERROR, PG_QUERY__NODE__NODE_TRUNCATE_STMT,
	  lint_check_truncate, "TRUNCATE" },
	{ "delete-without-where", LINT_ERROR, PG_QUERY__NODE__NODE_DELETE_STMT,
	  lint_check_delete, "DELETE without WHERE" },
	{ "update-without-where", LINT_ERROR, PG_QUERY__NODE__NODE_UPDATE_STMT,
	  lint_check_update, "UPDATE without WHERE" },
	{ "drop-outside-destructive", LINT_ERROR, PG_QUERY__NODE__NODE_DROP_STMT,
	  lint_check_drop, "DROP TABLE/COLUMN outside a destructive phase" },
	{ "drop-in-destructive", LINT_WARNING, ANY_NODE, NULL,
	  "DROP TABLE/COLUMN in a destructive phase" },
	{ "requires-newer-server", LINT_ERROR,
	  PG_QUERY__NODE__NODE_REINDEX_STMT, lint_check_reindex,
	  "a feature the target server version lacks" },
	{ "transaction-in-step", LINT_ERROR,
	  PG_QUERY__NODE__NODE_TRANSACTION_STMT, lint_check_transaction,
	  "BEGIN/COMMIT inside a plan step" },
	{ "irreversible-step", LINT_WARNING, ANY_NODE, NULL,
	  "a destructive-phase step without rollback" },
	{ "missing-rollback", LINT_WARNING, ANY_NODE, NULL,
	  "a step before the contract phase without rollback" },
	{ "suppression-without-reason", LINT_ERROR, ANY_NODE, NULL,
	  "bellows:allow without \"because REASON\"" },
	{ "suppression-unknown-rule", LINT_WARNING, ANY_NODE, NULL,
	  "bellows:allow naming no known rule" },
};

const struct lint_rule_info *
lint_rules(size_t *n)
{
	static struct lint_rule_info	info[nitems(lint_rule_table)];
	size_t				i;

	for (i = 0; i < nitems(lint_rule_table); i++) {
		info[i].id = lint_rule_table[i].id;
		info[i].severity = lint_rule_table[i].severity;
		info[i].summary = lint_rule_table[i].summary;
	}
	*n = nitems(lint_rule_table);
	return (info);
}

const struct lint_rule_info *
lint_rule_find(const char *id)
{
	const struct lint_rule_info	*info;
	size_t				 i, n;

	info = lint_rules(&n);
	for (i = 0; i < n; i++) {
		if (strcmp(info[i].id, id) == 0)
			return (&info[i]);
	}
	return (NULL);
}

static const struct lint_rule *
lint_rule_get(const char *id)
{
	size_t	i;

	for (i = 0; i < nitems(lint_rule_table); i++) {
		if (strcmp(lint_rule_table[i].id, id) == 0)
			return (&lint_rule_table[i]);
	}
	util_fatal("lint: unknown rule %s", id);
}

const char *
lint_severity_name(enum lint_severity s)
{
	switch (s) {
	case LINT_INFO:
		return ("info");
	case LINT_WARNING:
		return ("warning");
	case LINT_ERROR:
		return ("error");
	}
	return ("?");
}

/* ---------------------------------------------------------------- report */

void
lint_options_init(struct lint_options *o)
{
	o->server_version = LINT_DEFAULT_SERVER_VERSION;
}

void
lint_report_init(struct lint_report *r)
{
	memset(r, 0, sizeof *r);
}

void
lint_report_free(struct lint_report *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++) {
		free(r->findings[i].file);
		free(r->findings[i].message);
		free(r->findings[i].hint);
		free(r->findings[i].reason);
	}
	free(r->findings);
	memset(r, 0, sizeof *r);
}

static struct lint_finding *
lint_report_add(struct lint_report *r, const char *file, int line, int col,
    enum lint_severity sev, const char *rule, char *message, char *hint,
    const char *reason)
{
	struct lint_finding	*f;

	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 16 : r->cap * 2;
		r->findings = xreallocarray(r->findings, r->cap,
		    sizeof *r->findings);
	}
	f = &r->findings[r->n++];
	f->file = xstrdup(file);
	f->line = line;
	f->col = col;
	f->severity = sev;
	f->rule = rule;
	f->message = message;
	f->hint = hint;
	f->suppressed = reason != NULL;
	f->reason = reason != NULL ? xstrdup(reason) : NULL;
	if (f->suppressed)
		r->nsuppressed++;
	else if (sev == LINT_ERROR)
		r->nerrors++;
	else if (sev == LINT_WARNING)
		r->nwarnings++;
	else
		r->ninfos++;
	if (strcmp(rule, "syntax") == 0)
		r->nsyntax++;
	return (f);
}

/* Offset OFF of the current script to file, line and column. */
static const char *
lint_locate(struct lint_ctx *ctx, int off, int *line, int *col)
{
	if (ctx->pos != NULL) {
		/* Findings come in text order: go on from the last one. */
		if (ctx->pos_off >= 0 && ctx->pos_off <= off) {
			*line = ctx->pos_line;
			*col = ctx->pos_col;
			plan_pos_next(ctx->pos, ctx->script->text, ctx->pos_off,
			    off, line, col);
		} else
			plan_pos_at(ctx->pos, ctx->script->text, off, line, col);
		ctx->pos_off = off;
		ctx->pos_line = *line;
		ctx->pos_col = *col;
		return (ctx->pos->file != NULL ? ctx->pos->file : ctx->file);
	}
	sql_linecol(ctx->script, off, line, col);
	return (ctx->file);
}

/* Does a suppression cover RULE for statement IDX?  Returns the reason. */
static const char *
lint_suppressed(struct lint_ctx *ctx, size_t idx, const char *rule)
{
	struct lint_supp	*s;
	const char		*p;
	size_t			 i, n = strlen(rule);

	for (i = 0; i < ctx->nsupps; i++) {
		s = &ctx->supps[i];
		if (s->reason == NULL || (idx != SIZE_MAX && s->target != idx))
			continue;
		for (p = s->rules; p != NULL && *p != '\0';) {
			if (strncmp(p, rule, n) == 0 &&
			    (p[n] == ',' || p[n] == '\0')) {
				s->used = 1;
				return (s->reason);
			}
			p = strchr(p, ',');
			if (p != NULL)
				p++;
		}
	}
	return (NULL);
}

/*
 * Report RULE on statement ST (at its start).  MESSAGE and HINT are taken
 * over (HINT may be NULL).  SEV < 0: the rule's own severity.
 */
static void
lint_emit_sev(struct lint_ctx *ctx, const struct sql_stmt *st, int sev,
    const char *id, char *message, char *hint)
{
	const struct lint_rule	*rule = lint_rule_get(id);
	const char		*file, *reason;
	int			 line, col;

	file = lint_locate(ctx, st->off, &line, &col);
	reason = lint_suppressed(ctx, (size_t)(st - ctx->script->stmts), id);
	lint_report_add(ctx->r, file, line, col,
	    sev < 0 ? rule->severity : (enum lint_severity)sev, rule->id,
	    message, hint, reason);
}

static void
lint_emit(struct lint_ctx *ctx, const struct sql_stmt *st, const char *id,
    char *message, char *hint)
{
	lint_emit_sev(ctx, st, -1, id, message, hint);
}

/* --------------------------------------------------------------- helpers */

static const char *
lint_str(const Node *n)
{
	if (n != NULL && n->node_case == PG_QUERY__NODE__NODE_STRING)
		return (n->string->sval);
	return (NULL);
}

/* An identifier as it must be written in SQL. */
static char *
lint_ident(const char *name)
{
	const char	*p;
	struct buf	 b;

	if (name == NULL || *name == '\0')
		return (xstrdup("?"));
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || *p == '_' ||
		    (p != name && ((*p >= '0' && *p <= '9') || *p == '$'))))
			break;
	}
	if (*p == '\0' && !sql_reserved(name))
		return (xstrdup(name));
	buf_init(&b);
	buf_putc(&b, '"');
	for (p = name; *p != '\0'; p++) {
		if (*p == '"')
			buf_putc(&b, '"');
		buf_putc(&b, *p);
	}
	buf_putc(&b, '"');
	return (buf_detach(&b));
}

/* "schema.table" as written, quoted where needed. */
static char *
lint_rv_name(const PgQuery__RangeVar *rv)
{
	char	*s, *r, *out;

	if (rv == NULL)
		return (xstrdup("?"));
	r = lint_ident(rv->relname);
	if (rv->schemaname == NULL || *rv->schemaname == '\0')
		return (r);
	s = lint_ident(rv->schemaname);
	out = xasprintf("%s.%s", s, r);
	free(s);
	free(r);
	return (out);
}

/* The name of a qualified-name list (DROP objects, REINDEX ..), last part. */
static const char *
lint_list_last(const Node *list)
{
	if (list == NULL)
		return (NULL);
	if (list->node_case == PG_QUERY__NODE__NODE_LIST &&
	    list->list->n_items > 0)
		return (lint_str(list->list->items[list->list->n_items - 1]));
	return (lint_str(list));
}

static char *
lint_list_name(const Node *list)
{
	struct buf	 b;
	char		*id;
	size_t		 i;

	if (list == NULL || list->node_case != PG_QUERY__NODE__NODE_LIST)
		return (lint_ident(lint_str(list)));
	buf_init(&b);
	for (i = 0; i < list->list->n_items; i++) {
		id = lint_ident(lint_str(list->list->items[i]));
		if (i > 0)
			buf_putc(&b, '.');
		buf_puts(&b, id);
		free(id);
	}
	return (buf_detach(&b));
}

static char *
lint_colkey(const char *table, const char *col)
{
	return (xasprintf("%s.%s", table != NULL ? table : "",
	    col != NULL ? col : ""));
}

/* Tables created earlier in this file or plan are not in use yet: no lock
 * on them hurts anyone.  Temporary tables are private to the session. */
static int
lint_exempt(struct lint_ctx *ctx, const PgQuery__RangeVar *rv)
{
	if (rv == NULL)
		return (0);
	if (rv->relpersistence != NULL && strcmp(rv->relpersistence, "t") == 0)
		return (1);
	return (lint_set_has(&ctx->tables, rv->relname));
}

/* The SQL of a (possibly modified) statement tree, for hints. */
static char *
lint_deparse(const Node *stmt)
{
	PgQuery__ParseResult	 pr = PG_QUERY__PARSE_RESULT__INIT;
	PgQuery__RawStmt	 raw = PG_QUERY__RAW_STMT__INIT, *rawp = &raw;
	PgQueryProtobuf		 pb;
	PgQueryDeparseResult	 d;
	char			*out = NULL;

	raw.stmt = (Node *)stmt;
	pr.version = PG_VERSION_NUM;
	pr.n_stmts = 1;
	pr.stmts = &rawp;
	pb.len = pg_query__parse_result__get_packed_size(&pr);
	pb.data = xmalloc(pb.len + 1);
	pg_query__parse_result__pack(&pr, (uint8_t *)pb.data);
	d = pg_query_deparse_protobuf(pb);
	free(pb.data);
	if (d.error == NULL && d.query != NULL)
		out = xstrdup(d.query);
	pg_query_free_deparse_result(d);
	return (out);
}

/* ALTER TABLE with only CMD, for hints. */
static char *
lint_deparse_cmd(const Node *stmt, const PgQuery__AlterTableCmd *cmd)
{
	PgQuery__AlterTableStmt	 at = *stmt->alter_table_stmt;
	PgQuery__Node		 n = *stmt, cn = PG_QUERY__NODE__INIT;
	PgQuery__Node		*cmds[1];

	cn.node_case = PG_QUERY__NODE__NODE_ALTER_TABLE_CMD;
	cn.alter_table_cmd = (PgQuery__AlterTableCmd *)cmd;
	cmds[0] = &cn;
	at.n_cmds = 1;
	at.cmds = cmds;
	n.alter_table_stmt = &at;
	return (lint_deparse(&n));
}

static const char *
lint_lock_mode_name(int mode)
{
	static const char *const names[] = {
		"NO", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE",
		"SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE",
		"EXCLUSIVE", "ACCESS EXCLUSIVE"
	};

	if (mode < 1 || mode > 8)
		return ("ACCESS EXCLUSIVE");
	return (names[mode]);
}

/* ----------------------------------------------------------- expressions */

/* The protobuf message of a node, for the generic walks; NULL stays NULL. */
static const ProtobufCMessage *
lint_msg(const Node *n)
{
	return (n != NULL ? &n->base : NULL);
}

/* Functions PostgreSQL marks VOLATILE that people put in defaults.  now(),
 * CURRENT_TIMESTAMP, statement_timestamp() and friends are STABLE: one
 * value per statement, stored once as a "fast default" from 11 on. */
static const char *const lint_volatile_functions[] = {
	"random", "random_normal", "setseed", "clock_timestamp", "timeofday",
	"gen_random_uuid", "gen_random_bytes", "uuid_generate_v1",
	"uuid_generate_v1mc", "uuid_generate_v4", "uuidv4", "uuidv7",
	"nextval", "currval", "lastval", "setval", "txid_current",
	"txid_current_if_assigned", "pg_current_xact_id", "gen_salt",
	"crypt", "dblink", "pg_backend_pid"
};

static int
lint_is_volatile_name(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(lint_volatile_functions); i++) {
		if (strcmp(name, lint_volatile_functions[i]) == 0)
			return (1);
	}
	return (0);
}

/* Depth-first search of a parse tree (sql_search): casts, operators, CASE
 * and nested calls are all covered whatever the node kinds. */
static const char *
lint_search(const ProtobufCMessage *m,
    const char *(*visit)(const ProtobufCMessage *))
{
	return (sql_search(m, 64, NULL, visit));
}

/* A call of a known volatile function: its name. */
static const char *
lint_visit_volatile(const ProtobufCMessage *m)
{
	const PgQuery__FuncCall	*fc;
	const char		*name;

	if (m->descriptor != &pg_query__func_call__descriptor)
		return (NULL);
	fc = (const PgQuery__FuncCall *)m;
	if (fc->n_funcname == 0)
		return (NULL);
	name = lint_str(fc->funcname[fc->n_funcname - 1]);
	return (name != NULL && lint_is_volatile_name(name) ? name : NULL);
}

/* The name of a known volatile function an expression calls, or NULL. */
static const char *
lint_find_volatile(const ProtobufCMessage *m)
{
	return (lint_search(m, lint_visit_volatile));
}

/* A default of NULL (possibly cast) is no default at all. */
static int
lint_is_null_const(const Node *n)
{
	while (n != NULL && n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST)
		n = n->type_cast->arg;
	return (n != NULL && n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	    n->a_const->isnull);
}

/* Columns that CHECK expression E proves NOT NULL: "col IS NOT NULL",
 * possibly among other conditions joined by AND.  Calls FN per column. */
static void
lint_notnull_cols(const Node *e, void (*fn)(void *, const char *), void *arg)
{
	const PgQuery__NullTest	*nt;
	const PgQuery__ColumnRef *cr;
	size_t			 i;

	if (e == NULL)
		return;
	if (e->node_case == PG_QUERY__NODE__NODE_BOOL_EXPR &&
	    e->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR) {
		for (i = 0; i < e->bool_expr->n_args; i++)
			lint_notnull_cols(e->bool_expr->args[i], fn, arg);
		return;
	}
	if (e->node_case != PG_QUERY__NODE__NODE_NULL_TEST)
		return;
	nt = e->null_test;
	if (nt->nulltesttype != PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL ||
	    nt->arg == NULL ||
	    nt->arg->node_case != PG_QUERY__NODE__NODE_COLUMN_REF)
		return;
	cr = nt->arg->column_ref;
	if (cr->n_fields > 0 && lint_str(cr->fields[cr->n_fields - 1]) != NULL)
		fn(arg, lint_str(cr->fields[cr->n_fields - 1]));
}

/* A column reference: its (last) name. */
static const char *
lint_visit_column(const ProtobufCMessage *m)
{
	const PgQuery__ColumnRef	*cr;

	if (m->descriptor != &pg_query__column_ref__descriptor)
		return (NULL);
	cr = (const PgQuery__ColumnRef *)m;
	return (cr->n_fields > 0 ? lint_str(cr->fields[cr->n_fields - 1]) :
	    "");
}

/* First column an expression mentions (for PostgreSQL's default names). */
static const char *
lint_first_column(const ProtobufCMessage *m)
{
	const char	*col = lint_search(m, lint_visit_column);

	return (col != NULL && *col != '\0' ? col : NULL);
}

/* "a_b" from a list of String nodes (constraint key columns). */
static char *
lint_join_names(Node **names, size_t n, const char *sep)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(&b, sep);
		buf_puts(&b, lint_str(names[i]) != NULL ? lint_str(names[i]) :
		    "?");
	}
	if (b.data == NULL)
		buf_puts(&b, "");
	return (buf_detach(&b));
}

/* ------------------------------------------------------------------ types */

static void
lint_type_of(const PgQuery__TypeName *tn, struct lint_type *t)
{
	const char	*name = NULL;
	const Node	*m;
	size_t		 i;

	memset(t, 0, sizeof *t);
	if (tn == NULL)
		return;
	if (tn->n_names > 0)
		name = lint_str(tn->names[tn->n_names - 1]);
	if (name == NULL)
		name = "?";
	/* The parser maps keywords (integer, varchar, decimal) to catalog
	 * names; a few spellings reach here as plain identifiers. */
	if (strcmp(name, "int") == 0 || strcmp(name, "integer") == 0)
		name = "int4";
	else if (strcmp(name, "decimal") == 0)
		name = "numeric";
	else if (strcmp(name, "timestamptz") == 0)
		name = "timestamptz";
	snprintf(t->name, sizeof t->name, "%s", name);
	for (i = 0; i < tn->n_typmods && t->nmods < 2; i++) {
		m = tn->typmods[i];
		if (m->node_case == PG_QUERY__NODE__NODE_A_CONST &&
		    m->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL)
			t->mods[t->nmods++] = m->a_const->ival->ival;
		else
			t->mods[t->nmods++] = -1;
	}
	t->array = tn->n_array_bounds > 0;
}

/* A type as a reviewer writes it: "bigint", "varchar(255)", "text[]". */
static char *
lint_type_sql(const PgQuery__TypeName *tn)
{
	static const struct {
		const char	*catalog;
		const char	*sql;
	} names[] = {
		{ "int2", "smallint" }, { "int4", "integer" },
		{ "int8", "bigint" }, { "float4", "real" },
		{ "float8", "double precision" }, { "bool", "boolean" },
		{ "bpchar", "char" }, { "varbit", "bit varying" },
	};
	struct lint_type	 t;
	struct buf		 b;
	const char		*name;
	size_t			 i;
	int			 k;

	lint_type_of(tn, &t);
	name = t.name;
	for (i = 0; i < nitems(names); i++) {
		if (strcmp(name, names[i].catalog) == 0)
			name = names[i].sql;
	}
	buf_init(&b);
	buf_puts(&b, name);
	for (k = 0; k < t.nmods; k++)
		buf_printf(&b, k == 0 ? "(%d" : ",%d", t.mods[k]);
	if (t.nmods > 0)
		buf_putc(&b, ')');
	if (t.array)
		buf_puts(&b, "[]");
	return (buf_detach(&b));
}

static int
lint_type_is(const struct lint_type *t, const char *name)
{
	return (strcmp(t->name, name) == 0);
}

/*
 * Does changing a column from OLD to NEW rewrite the table?  The cases
 * PostgreSQL handles without a rewrite (binary-coercible, or a length or
 * precision that only grows): varchar(n) to varchar(m >= n), to varchar or
 * text; text to varchar; numeric(p,s) to numeric(q >= p, s) or numeric;
 * varbit(n) to varbit(m >= n); timestamp/time/interval precision that
 * grows; cidr to inet; the same type and modifier.  Everything else is
 * treated as a rewrite.
 */
static int
lint_type_rewrites(const struct lint_type *o, const struct lint_type *n)
{
	int	i;

	if (o->array != n->array)
		return (1);
	if (lint_type_is(n, "text") && (lint_type_is(o, "varchar") ||
	    lint_type_is(o, "text")))
		return (0);
	if (lint_type_is(n, "varchar") && lint_type_is(o, "text"))
		return (n->nmods != 0);
	if (lint_type_is(n, "inet") && lint_type_is(o, "cidr"))
		return (0);
	if (strcmp(o->name, n->name) != 0)
		return (1);
	if (n->nmods == 0)
		return (lint_type_is(n, "bpchar") || lint_type_is(n, "bit") ?
		    o->nmods != 0 : 0);
	if (o->nmods == 0)
		return (1);	/* unconstrained to constrained: every row checked */
	if (lint_type_is(n, "varchar") || lint_type_is(n, "varbit") ||
	    lint_type_is(n, "timestamp") || lint_type_is(n, "timestamptz") ||
	    lint_type_is(n, "time") || lint_type_is(n, "timetz") ||
	    lint_type_is(n, "interval"))
		return (n->mods[0] < o->mods[0]);
	if (lint_type_is(n, "numeric")) {
		if (n->nmods >= 2 || o->nmods >= 2) {
			if ((n->nmods >= 2 ? n->mods[1] : 0) !=
			    (o->nmods >= 2 ? o->mods[1] : 0))
				return (1);
		}
		return (n->mods[0] < o->mods[0]);
	}
	if (o->nmods != n->nmods)
		return (1);
	for (i = 0; i < n->nmods; i++) {
		if (o->mods[i] != n->mods[i])
			return (1);
	}
	return (0);
}

static const struct lint_type *
lint_coltype_find(struct lint_ctx *ctx, const char *key)
{
	size_t	i;

	for (i = ctx->ncoltypes; i > 0; i--) {
		if (strcmp(ctx->coltypes[i - 1].key, key) == 0)
			return (&ctx->coltypes[i - 1].type);
	}
	return (NULL);
}

static void
lint_coltype_set(struct lint_ctx *ctx, const char *key,
    const struct lint_type *t)
{
	ctx->coltypes = xreallocarray(ctx->coltypes, ctx->ncoltypes + 1,
	    sizeof *ctx->coltypes);
	ctx->coltypes[ctx->ncoltypes].key = xstrdup(key);
	ctx->coltypes[ctx->ncoltypes].type = *t;
	ctx->ncoltypes++;
}

/* -------------------------------------------------------- NOT NULL checks */

struct lint_notnull_add {
	struct lint_ctx	*ctx;
	const char	*table;
	const char	*conname;
	int		 validated;
};

static void
lint_notnull_add_one(void *arg, const char *col)
{
	struct lint_notnull_add	*a = arg;
	struct lint_ctx		*ctx = a->ctx;
	struct lint_notnull	*nn;

	ctx->notnulls = xreallocarray(ctx->notnulls, ctx->nnotnulls + 1,
	    sizeof *ctx->notnulls);
	nn = &ctx->notnulls[ctx->nnotnulls++];
	nn->table = xstrdup(a->table);
	nn->conname = xstrdup(a->conname);
	nn->col = xstrdup(col);
	nn->validated = a->validated;
}

static int
lint_notnull_proven(struct lint_ctx *ctx, const char *table, const char *col)
{
	size_t	i;

	for (i = 0; i < ctx->nnotnulls; i++) {
		if (ctx->notnulls[i].validated &&
		    strcmp(ctx->notnulls[i].table, table) == 0 &&
		    strcmp(ctx->notnulls[i].col, col) == 0)
			return (1);
	}
	return (0);
}

/* A NOT VALID check on TABLE.COL that waits for VALIDATE. */
static const char *
lint_notnull_pending(struct lint_ctx *ctx, const char *table, const char *col)
{
	size_t	i;

	for (i = 0; i < ctx->nnotnulls; i++) {
		if (!ctx->notnulls[i].validated &&
		    strcmp(ctx->notnulls[i].table, table) == 0 &&
		    strcmp(ctx->notnulls[i].col, col) == 0)
			return (ctx->notnulls[i].conname);
	}
	return (NULL);
}

/* --------------------------------------------------------------- learning */

/* Record what ST creates or changes, for the statements after it. */
static void
lint_learn(struct lint_ctx *ctx, const struct sql_stmt *st)
{
	const Node			*n = st->node;
	const PgQuery__AlterTableStmt	*at;
	const PgQuery__AlterTableCmd	*cmd;
	const PgQuery__Constraint	*c;
	const PgQuery__ColumnDef	*cd;
	struct lint_notnull_add		 a;
	struct lint_type		 t;
	const char			*table, *col;
	char				*key, *conname;
	size_t				 i;

	switch (sql_transaction_kind(st)) {
	case SQL_TX_BEGIN:
		ctx->in_tx = 1;
		return;
	case SQL_TX_END:
		ctx->in_tx = 0;
		return;
	case SQL_TX_OTHER:
	case SQL_TX_NONE:
		break;
	}
	if (n == NULL || !ctx->record)
		return;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		if (n->create_stmt->relation != NULL)
			lint_set_add(&ctx->tables, n->create_stmt->relation->relname);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		if (n->create_table_as_stmt->into != NULL &&
		    n->create_table_as_stmt->into->rel != NULL)
			lint_set_add(&ctx->tables,
			    n->create_table_as_stmt->into->rel->relname);
		break;
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		if (n->view_stmt->view != NULL)
			lint_set_add(&ctx->tables, n->view_stmt->view->relname);
		break;
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		if (n->select_stmt->into_clause != NULL &&
		    n->select_stmt->into_clause->rel != NULL)
			lint_set_add(&ctx->tables,
			    n->select_stmt->into_clause->rel->relname);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		/* Only an index on a new table is free to drop or rebuild: one
		 * on an existing table locks that table however new it is. */
		if (lint_exempt(ctx, n->index_stmt->relation))
			lint_set_add(&ctx->indexes, n->index_stmt->idxname);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		if (n->rename_stmt->relation != NULL &&
		    n->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE &&
		    lint_set_has(&ctx->tables, n->rename_stmt->relation->relname))
			lint_set_add(&ctx->tables, n->rename_stmt->newname);
		if (n->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX &&
		    n->rename_stmt->relation != NULL &&
		    lint_set_has(&ctx->indexes, n->rename_stmt->relation->relname))
			lint_set_add(&ctx->indexes, n->rename_stmt->newname);
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		at = n->alter_table_stmt;
		if (at->relation == NULL)
			break;
		table = at->relation->relname;
		for (i = 0; i < at->n_cmds; i++) {
			if (at->cmds[i]->node_case !=
			    PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
				continue;
			cmd = at->cmds[i]->alter_table_cmd;
			switch (cmd->subtype) {
			case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
				if (cmd->def == NULL || cmd->def->node_case !=
				    PG_QUERY__NODE__NODE_COLUMN_DEF)
					break;
				cd = cmd->def->column_def;
				key = lint_colkey(table, cd->colname);
				lint_set_add(&ctx->columns, key);
				lint_type_of(cd->type_name, &t);
				lint_coltype_set(ctx, key, &t);
				free(key);
				break;
			case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
				if (cmd->def == NULL || cmd->def->node_case !=
				    PG_QUERY__NODE__NODE_COLUMN_DEF)
					break;
				key = lint_colkey(table, cmd->name);
				lint_type_of(cmd->def->column_def->type_name, &t);
				lint_coltype_set(ctx, key, &t);
				free(key);
				break;
			case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
				if (cmd->def == NULL || cmd->def->node_case !=
				    PG_QUERY__NODE__NODE_CONSTRAINT)
					break;
				c = cmd->def->constraint;
				if (c->contype != PG_QUERY__CONSTR_TYPE__CONSTR_CHECK)
					break;
				col = lint_first_column(lint_msg(c->raw_expr));
				if (c->conname != NULL && *c->conname != '\0')
					conname = xstrdup(c->conname);
				else
					conname = xasprintf("%s_%s_check", table,
					    col != NULL ? col : "");
				a.ctx = ctx;
				a.table = table;
				a.conname = conname;
				a.validated = !c->skip_validation;
				lint_notnull_cols(c->raw_expr, lint_notnull_add_one,
				    &a);
				free(conname);
				break;
			case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
				for (size_t k = 0; k < ctx->nnotnulls; k++) {
					if (strcmp(ctx->notnulls[k].table,
					    table) == 0 && cmd->name != NULL &&
					    strcmp(ctx->notnulls[k].conname,
					    cmd->name) == 0)
						ctx->notnulls[k].validated = 1;
				}
				break;
			default:
				break;
			}
		}
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ rules */

static void
lint_check_autocommit(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const char	*what;

	(void)n;
	if (!sql_needs_autocommit(st))
		return;
	what = sql_stmt_tag(st);
	if (st->node->node_case == PG_QUERY__NODE__NODE_INDEX_STMT)
		what = "CREATE INDEX CONCURRENTLY";
	else if (st->node->node_case == PG_QUERY__NODE__NODE_DROP_STMT)
		what = "DROP INDEX CONCURRENTLY";
	else if (st->node->node_case == PG_QUERY__NODE__NODE_REINDEX_STMT)
		what = "REINDEX CONCURRENTLY";
	if (ctx->in_tx) {
		lint_emit(ctx, st, "concurrently-in-transaction",
		    xasprintf("%s cannot run inside a transaction block: "
		    "PostgreSQL rejects it after BEGIN, and the statements "
		    "before it in the block roll back", what),
		    xstrdup("COMMIT; -- end the block first, then run the "
		    "statement on its own"));
	} else if (ctx->step_multi) {
		lint_emit(ctx, st, "concurrently-in-transaction",
		    xasprintf("%s cannot run inside a transaction block, and "
		    "bellows runs a step of several statements as one "
		    "transaction: the step fails every time", what),
		    xstrdup("steps = ( ...; { name = \"...\"; sql = \"<this "
		    "statement alone>\"; } ); -- give it a step of its own"));
	}
}

static void
lint_check_transaction(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	(void)n;
	if (!ctx->is_plan)
		return;
	lint_emit(ctx, st, "transaction-in-step",
	    xstrdup("bellows runs each step in its own transaction with SET "
	    "LOCAL lock_timeout; a BEGIN, COMMIT or ROLLBACK inside the step "
	    "ends that transaction early and the lock timeout with it"),
	    xstrdup("remove the transaction control; split the work into "
	    "steps instead"));
}

static void
lint_check_index(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const PgQuery__IndexStmt	*is = n->index_stmt;
	PgQuery__IndexStmt		 copy;
	PgQuery__Node			 nn;
	char				*name, *sql, *hint;

	if (is->concurrent || is->relation == NULL)
		return;
	/* CREATE INDEX ON ONLY a partitioned parent is catalog only (the
	 * index is built per partition, concurrently, then attached). */
	if (lint_exempt(ctx, is->relation) || !is->relation->inh)
		return;
	copy = *is;
	copy.concurrent = 1;
	nn = *n;
	nn.index_stmt = &copy;
	sql = lint_deparse(&nn);
	name = lint_rv_name(is->relation);
	hint = xasprintf("%s;%s", sql != NULL ? sql : "CREATE INDEX "
	    "CONCURRENTLY ...", ctx->in_tx || ctx->step_multi ?
	    " -- outside any transaction block (a step of its own)" : "");
	lint_emit(ctx, st, "index-not-concurrent",
	    xasprintf("CREATE %sINDEX without CONCURRENTLY takes SHARE on %s "
	    "for the whole index build; every INSERT, UPDATE and DELETE waits "
	    "until it finishes (reads continue)", is->unique ? "UNIQUE " : "",
	    name), hint);
	free(name);
	free(sql);
}

static void
lint_check_reindex(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const PgQuery__ReindexStmt	*ri = n->reindex_stmt;
	const char			*kind, *target;
	char				*name, *hint;
	size_t				 i;
	int				 conc = 0;

	for (i = 0; i < ri->n_params; i++) {
		if (ri->params[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM &&
		    strcmp(ri->params[i]->def_elem->defname, "concurrently") == 0)
			conc = 1;
	}
	if (conc) {
		if (ctx->o->server_version < 12)
			lint_emit(ctx, st, "requires-newer-server",
			    xasprintf("REINDEX CONCURRENTLY needs PostgreSQL 12; "
			    "PostgreSQL %d rejects it as a syntax error",
			    ctx->o->server_version),
			    xstrdup("CREATE INDEX CONCURRENTLY new_idx ON t (...); "
			    "DROP INDEX CONCURRENTLY old_idx; ALTER INDEX new_idx "
			    "RENAME TO old_idx;"));
		return;
	}
	switch (ri->kind) {
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX:
		kind = "INDEX";
		if (ri->relation != NULL &&
		    lint_set_has(&ctx->indexes, ri->relation->relname))
			return;
		break;
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_TABLE:
		kind = "TABLE";
		if (lint_exempt(ctx, ri->relation))
			return;
		break;
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SCHEMA:
		kind = "SCHEMA";
		break;
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SYSTEM:
		kind = "SYSTEM";
		break;
	default:
		kind = "DATABASE";
		break;
	}
	if (ri->relation != NULL)
		name = lint_rv_name(ri->relation);
	else
		name = lint_ident(ri->name);
	target = ri->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX ?
	    "the index's table" : name;
	if (ctx->o->server_version >= 12)
		hint = xasprintf("REINDEX %s CONCURRENTLY %s;", kind, name);
	else
		hint = xasprintf("-- PostgreSQL %d has no REINDEX CONCURRENTLY; "
		    "rebuild each index beside the old one:\n"
		    "CREATE INDEX CONCURRENTLY new_idx ON t (...); "
		    "DROP INDEX CONCURRENTLY old_idx; "
		    "ALTER INDEX new_idx RENAME TO old_idx;",
		    ctx->o->server_version);
	lint_emit(ctx, st, "index-not-concurrent",
	    xasprintf("REINDEX without CONCURRENTLY takes SHARE on %s (every "
	    "write waits) and ACCESS EXCLUSIVE on each index it rebuilds "
	    "(every query using it waits) for the whole rebuild", target),
	    hint);
	free(name);
}

static int
lint_drop_is_destructive(struct lint_ctx *ctx)
{
	return (ctx->destructive || ctx->down_script);
}

/* WHAT OBJECT (e.g. "DROP COLUMN", "orders.status") in English; SQL is
 * the statement alone, for the hint. */
static void
lint_drop_finding(struct lint_ctx *ctx, const struct sql_stmt *st,
    const char *what, const char *object, const char *table, const char *sql)
{
	if (lint_drop_is_destructive(ctx)) {
		lint_emit(ctx, st, "drop-in-destructive",
		    xasprintf("%s %s takes ACCESS EXCLUSIVE on %s (brief) and "
		    "destroys data for good: make sure no running application "
		    "version still uses it", what, object, table), NULL);
		return;
	}
	lint_emit(ctx, st, "drop-outside-destructive",
	    xasprintf("%s %s takes ACCESS EXCLUSIVE on %s (brief) and destroys "
	    "data for good, %s: every application instance that still uses "
	    "it fails, and no rollback brings the data back", what, object,
	    table, ctx->is_plan ? "outside a destructive (contract) phase" :
	    "in a migration with no contract phase"),
	    ctx->is_plan ?
	    xasprintf("move it to the contract phase, after the app stopped "
	    "using it: { name = \"contract\"; steps = ( { sql = \"%s\"; } "
	    "); }", sql) :
	    xasprintf("%s; -- as its own migration, once no deployed app "
	    "version uses it, marked: -- bellows:allow "
	    "drop-outside-destructive because <the app stopped using it in "
	    "release ...>", sql));
}

static void
lint_check_drop(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const PgQuery__DropStmt	*ds = n->drop_stmt;
	const char		*last;
	char			*name, *hint;
	size_t			 i;

	switch (ds->remove_type) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX:
		if (ds->concurrent)
			return;
		for (i = 0; i < ds->n_objects; i++) {
			last = lint_list_last(ds->objects[i]);
			/* pg_dump --clean drops what it creates again below. */
			if (last == NULL || lint_set_has(&ctx->indexes, last) ||
			    lint_set_has(&ctx->later_indexes, last))
				continue;
			name = lint_list_name(ds->objects[i]);
			hint = xasprintf("DROP INDEX CONCURRENTLY %s%s;%s",
			    ds->missing_ok ? "IF EXISTS " : "", name,
			    ctx->in_tx || ctx->step_multi ? " -- outside any "
			    "transaction block (a step of its own)" : "");
			lint_emit(ctx, st, "index-not-concurrent",
			    xasprintf("DROP INDEX without CONCURRENTLY takes "
			    "ACCESS EXCLUSIVE on the table of %s: brief, but it "
			    "queues behind every running query on that table "
			    "and every read and write queues behind it", name),
			    hint);
			free(name);
			return;
		}
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
		for (i = 0; i < ds->n_objects; i++) {
			last = lint_list_last(ds->objects[i]);
			if (last == NULL || lint_set_has(&ctx->tables, last))
				continue;
			/* DROP TABLE IF EXISTS t ... CREATE TABLE t: a script
			 * that builds t from scratch. */
			if (lint_set_has(&ctx->later, last))
				continue;
			name = lint_list_name(ds->objects[i]);
			hint = xasprintf("DROP TABLE %s", name);
			lint_drop_finding(ctx, st, "DROP TABLE", name, name, hint);
			free(hint);
			free(name);
			return;
		}
		break;
	default:
		break;
	}
}

/* ADD COLUMN: rewrites, NOT NULL, inline constraints. */
static void
lint_check_add_column(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n, const PgQuery__AlterTableCmd *cmd, const char *table)
{
	const PgQuery__ColumnDef	*cd = cmd->def->column_def;
	const PgQuery__Constraint	*c, *def = NULL;
	const char			*tname = NULL, *vol = NULL;
	char				*col, *type;
	size_t				 i;
	int				 notnull = 0, serial = 0, ident = 0;
	int				 generated = 0;

	(void)n;
	col = lint_ident(cd->colname);
	if (cd->type_name != NULL && cd->type_name->n_names > 0)
		tname = lint_str(cd->type_name->names[cd->type_name->n_names - 1]);
	if (tname != NULL && (strcmp(tname, "serial") == 0 ||
	    strcmp(tname, "serial4") == 0 || strcmp(tname, "bigserial") == 0 ||
	    strcmp(tname, "serial8") == 0 || strcmp(tname, "smallserial") == 0 ||
	    strcmp(tname, "serial2") == 0))
		serial = 1;
	type = serial ? xstrdup(strstr(tname, "big") != NULL ||
	    strcmp(tname, "serial8") == 0 ? "bigint" :
	    (strstr(tname, "small") != NULL || strcmp(tname, "serial2") == 0 ?
	    "smallint" : "integer")) : lint_type_sql(cd->type_name);
	for (i = 0; i < cd->n_constraints; i++) {
		if (cd->constraints[i]->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		c = cd->constraints[i]->constraint;
		switch (c->contype) {
		case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
			notnull = 1;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
			if (!lint_is_null_const(c->raw_expr))
				def = c;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY:
			ident = 1;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED:
			generated = 1;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
			notnull = 1;
			/* FALLTHROUGH */
		case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
			lint_emit(ctx, st, "add-unique-not-using-index",
			    xasprintf("ADD COLUMN %s ... %s builds a unique index "
			    "while holding ACCESS EXCLUSIVE on %s; every read "
			    "and write waits for the whole build", col,
			    c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY ?
			    "PRIMARY KEY" : "UNIQUE", table),
			    xasprintf("ALTER TABLE %s ADD COLUMN %s %s; "
			    "CREATE UNIQUE INDEX CONCURRENTLY %s_%s_key ON %s (%s); "
			    "ALTER TABLE %s ADD CONSTRAINT %s_%s_key UNIQUE USING "
			    "INDEX %s_%s_key;", table, col, type, table, col,
			    table, col, table, table, col, table, col));
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
			lint_emit(ctx, st, "constraint-not-valid",
			    xasprintf("ADD COLUMN %s ... REFERENCES %s validates "
			    "the new foreign key with a full scan of %s under "
			    "ACCESS EXCLUSIVE; every read and write waits", col,
			    c->pktable != NULL ? c->pktable->relname : "?", table),
			    xasprintf("ALTER TABLE %s ADD COLUMN %s %s; "
			    "ALTER TABLE %s ADD CONSTRAINT %s_%s_fkey FOREIGN KEY "
			    "(%s) REFERENCES %s NOT VALID; ALTER TABLE %s VALIDATE "
			    "CONSTRAINT %s_%s_fkey;", table, col, type, table,
			    table, col, col, c->pktable != NULL ?
			    c->pktable->relname : "?", table, table, col));
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
			lint_emit(ctx, st, "constraint-not-valid",
			    xasprintf("ADD COLUMN %s ... CHECK scans all of %s "
			    "under ACCESS EXCLUSIVE to check it; every read and "
			    "write waits", col, table),
			    xasprintf("ALTER TABLE %s ADD COLUMN %s %s; "
			    "ALTER TABLE %s ADD CONSTRAINT %s_%s_check CHECK "
			    "(...) NOT VALID; ALTER TABLE %s VALIDATE CONSTRAINT "
			    "%s_%s_check;", table, col, type, table, table, col,
			    table, table, col));
			break;
		default:
			break;
		}
	}

	if (serial || ident || generated) {
		lint_emit(ctx, st, "add-column-serial",
		    xasprintf("ADD COLUMN %s %s fills every existing row, a "
		    "rewrite of %s under ACCESS EXCLUSIVE; every read and write "
		    "waits until the whole table is copied", col, serial ?
		    tname : (ident ? "GENERATED AS IDENTITY" :
		    "GENERATED ALWAYS AS (...) STORED"), table),
		    xasprintf("ALTER TABLE %s ADD COLUMN %s %s; -- nullable, no "
		    "default; then fill it with a backfill phase, and attach the "
		    "sequence or expression as a DEFAULT (catalog only) for new "
		    "rows", table, col, type));
		goto out;
	}
	if (def != NULL) {
		vol = lint_find_volatile(lint_msg(def->raw_expr));
		if (vol != NULL) {
			lint_emit(ctx, st, "add-column-volatile-default",
			    xasprintf("ADD COLUMN %s with DEFAULT %s() (volatile) "
			    "computes a value per row: a rewrite of %s under "
			    "ACCESS EXCLUSIVE, every read and write waits for "
			    "the whole table", col, vol, table),
			    xasprintf("ALTER TABLE %s ADD COLUMN %s %s; ALTER "
			    "TABLE %s ALTER COLUMN %s SET DEFAULT %s(); -- then "
			    "fill the old rows with a backfill phase", table, col,
			    type, table, col, vol));
			goto out;
		}
		if (ctx->o->server_version < 11) {
			lint_emit(ctx, st, "add-column-volatile-default",
			    xasprintf("ADD COLUMN %s with a DEFAULT rewrites %s "
			    "under ACCESS EXCLUSIVE on PostgreSQL %d (defaults "
			    "are stored without a rewrite only from 11); every "
			    "read and write waits for the whole table", col,
			    table, ctx->o->server_version),
			    xasprintf("ALTER TABLE %s ADD COLUMN %s %s; ALTER "
			    "TABLE %s ALTER COLUMN %s SET DEFAULT ...; -- then "
			    "fill the old rows with a backfill phase", table, col,
			    type, table, col));
			goto out;
		}
	}
	if (notnull && def == NULL) {
		lint_emit(ctx, st, "add-column-not-null-no-default",
		    xasprintf("ADD COLUMN %s NOT NULL without a DEFAULT fails on "
		    "a table with rows, and holds ACCESS EXCLUSIVE on %s while "
		    "it checks them", col, table),
		    xasprintf("ALTER TABLE %s ADD COLUMN %s %s; -- nullable; "
		    "backfill, then ALTER TABLE %s ADD CONSTRAINT %s_%s_not_null "
		    "CHECK (%s IS NOT NULL) NOT VALID; ALTER TABLE %s VALIDATE "
		    "CONSTRAINT %s_%s_not_null; ALTER TABLE %s ALTER COLUMN %s "
		    "SET NOT NULL;", table, col, type, table, table, col, col,
		    table, table, col, table, col));
	}
out:
	free(type);
	free(col);
}

static void
lint_check_add_constraint(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n, const PgQuery__AlterTableCmd *cmd, const char *table)
{
	const PgQuery__Constraint	*c = cmd->def->constraint;
	PgQuery__Constraint		 copy;
	PgQuery__AlterTableCmd		 ccopy;
	PgQuery__Node			 cnode;
	char				*sql, *conname, *cols, *pk, *kind;
	const char			*col;

	switch (c->contype) {
	case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
	case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
		if (c->skip_validation)
			return;
		/* The hint is the same statement with NOT VALID and a name,
		 * then VALIDATE (SHARE UPDATE EXCLUSIVE: traffic flows). */
		if (c->conname != NULL && *c->conname != '\0')
			conname = xstrdup(c->conname);
		else if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
			cols = lint_join_names(c->fk_attrs, c->n_fk_attrs, "_");
			conname = xasprintf("%s_%s_fkey", table, cols);
			free(cols);
		} else {
			col = lint_first_column(lint_msg(c->raw_expr));
			conname = xasprintf("%s_%s_check", table,
			    col != NULL ? col : "");
		}
		copy = *c;
		copy.skip_validation = 1;
		copy.initially_valid = 0;
		copy.conname = conname;
		cnode = *cmd->def;
		cnode.constraint = &copy;
		ccopy = *cmd;
		ccopy.def = &cnode;
		sql = lint_deparse_cmd(n, &ccopy);
		if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
			pk = lint_rv_name(c->pktable);
			lint_emit(ctx, st, "constraint-not-valid",
			    xasprintf("ADD FOREIGN KEY without NOT VALID takes "
			    "SHARE ROW EXCLUSIVE on %s and %s and keeps it while "
			    "every row of %s is checked; writes to both tables "
			    "wait for the whole scan", table, pk, table),
			    xasprintf("%s; ALTER TABLE %s VALIDATE CONSTRAINT %s; "
			    "-- VALIDATE takes SHARE UPDATE EXCLUSIVE: reads and "
			    "writes continue", sql != NULL ? sql : "...", table,
			    conname));
			free(pk);
		} else {
			lint_emit(ctx, st, "constraint-not-valid",
			    xasprintf("ADD CHECK without NOT VALID takes ACCESS "
			    "EXCLUSIVE on %s and keeps it while every row is "
			    "checked; every read and write waits for the whole "
			    "scan", table),
			    xasprintf("%s; ALTER TABLE %s VALIDATE CONSTRAINT %s; "
			    "-- VALIDATE takes SHARE UPDATE EXCLUSIVE: reads and "
			    "writes continue", sql != NULL ? sql : "...", table,
			    conname));
		}
		free(sql);
		free(conname);
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
	case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
	case PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION:
		if (c->indexname != NULL && *c->indexname != '\0')
			return;
		cols = lint_join_names(c->keys, c->n_keys, ", ");
		kind = xstrdup(c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY ?
		    "PRIMARY KEY" : (c->contype ==
		    PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE ? "UNIQUE" : "EXCLUDE"));
		if (c->conname != NULL && *c->conname != '\0')
			conname = xstrdup(c->conname);
		else if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY)
			conname = xasprintf("%s_pkey", table);
		else {
			sql = lint_join_names(c->keys, c->n_keys, "_");
			conname = xasprintf("%s_%s_%s", table, sql, c->contype ==
			    PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE ? "key" : "excl");
			free(sql);
		}
		if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION)
			sql = xstrdup("-- an exclusion constraint cannot be "
			    "attached from an index; add it while the table is "
			    "new, or enforce the rule in the application");
		else
			sql = xasprintf("CREATE UNIQUE INDEX CONCURRENTLY %s ON "
			    "%s (%s); ALTER TABLE %s ADD CONSTRAINT %s %s USING "
			    "INDEX %s;%s", conname, table, cols, table, conname,
			    kind, conname, c->contype ==
			    PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY ? " -- the "
			    "columns must already be NOT NULL" : "");
		lint_emit(ctx, st, "add-unique-not-using-index",
		    xasprintf("ADD %s builds its index while holding ACCESS "
		    "EXCLUSIVE on %s; every read and write waits for the whole "
		    "build", kind, table), sql);
		free(kind);
		free(cols);
		free(conname);
		break;
	default:
		break;
	}
}

static void
lint_check_set_not_null(struct lint_ctx *ctx, const struct sql_stmt *st,
    const PgQuery__AlterTableCmd *cmd, const char *rel, const char *table)
{
	const char	*pending;
	char		*col;

	if (ctx->o->server_version >= 12 &&
	    lint_notnull_proven(ctx, rel, cmd->name))
		return;
	col = lint_ident(cmd->name);
	if (ctx->o->server_version < 12) {
		lint_emit(ctx, st, "set-not-null-without-check",
		    xasprintf("SET NOT NULL takes ACCESS EXCLUSIVE on %s and "
		    "scans every row; PostgreSQL %d cannot use a CHECK "
		    "constraint to skip the scan (12 can), so every read and "
		    "write waits for the whole table", table,
		    ctx->o->server_version),
		    xasprintf("ALTER TABLE %s ADD CONSTRAINT %s_%s_not_null "
		    "CHECK (%s IS NOT NULL) NOT VALID; ALTER TABLE %s VALIDATE "
		    "CONSTRAINT %s_%s_not_null; -- and keep the CHECK instead "
		    "of SET NOT NULL until the server runs 12 or later", table,
		    rel, cmd->name, col, table, rel, cmd->name));
		free(col);
		return;
	}
	pending = lint_notnull_pending(ctx, rel, cmd->name);
	if (pending != NULL) {
		lint_emit(ctx, st, "set-not-null-without-check",
		    xasprintf("SET NOT NULL takes ACCESS EXCLUSIVE on %s and "
		    "scans every row: the CHECK %s that would spare the scan is "
		    "still NOT VALID", table, pending),
		    xasprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s; -- before "
		    "SET NOT NULL", table, pending));
	} else {
		lint_emit(ctx, st, "set-not-null-without-check",
		    xasprintf("SET NOT NULL takes ACCESS EXCLUSIVE on %s and "
		    "scans every row to prove %s has no NULL; every read and "
		    "write waits for the whole scan", table, col),
		    xasprintf("ALTER TABLE %s ADD CONSTRAINT %s_%s_not_null "
		    "CHECK (%s IS NOT NULL) NOT VALID; ALTER TABLE %s VALIDATE "
		    "CONSTRAINT %s_%s_not_null; ALTER TABLE %s ALTER COLUMN %s "
		    "SET NOT NULL; ALTER TABLE %s DROP CONSTRAINT "
		    "%s_%s_not_null;", table, rel, cmd->name, col, table, rel,
		    cmd->name, table, col, table, rel, cmd->name));
	}
	free(col);
}

static void
lint_check_alter_type(struct lint_ctx *ctx, const struct sql_stmt *st,
    const PgQuery__AlterTableCmd *cmd, const char *rel, const char *table)
{
	const PgQuery__ColumnDef	*cd;
	const struct lint_type		*old;
	struct lint_type		 t;
	char				*key, *col, *type;
	int				 rewrites, sev = -1;

	if (cmd->def == NULL || cmd->def->node_case !=
	    PG_QUERY__NODE__NODE_COLUMN_DEF)
		return;
	cd = cmd->def->column_def;
	lint_type_of(cd->type_name, &t);
	key = lint_colkey(rel, cmd->name);
	old = lint_coltype_find(ctx, key);
	free(key);
	if (cd->raw_default != NULL)
		rewrites = 1;		/* USING computes every row anew */
	else if (old != NULL)
		rewrites = lint_type_rewrites(old, &t);
	else if (!t.array && t.nmods == 0 && (lint_type_is(&t, "text") ||
	    lint_type_is(&t, "varchar") || lint_type_is(&t, "numeric") ||
	    lint_type_is(&t, "varbit"))) {
		/*
		 * The current type is not in the file.  Dropping the limit
		 * of a varchar, numeric or varbit, or going from varchar to
		 * text, is binary-coercible: say so without failing the
		 * lint.  A target with a limit (varchar(n), numeric(p,s))
		 * rewrites from text or an unconstrained type, so it stays
		 * an error that a widening can suppress with its reason.
		 */
		rewrites = 1;
		sev = LINT_INFO;
	} else
		rewrites = 1;
	if (!rewrites)
		return;
	col = lint_ident(cmd->name);
	type = lint_type_sql(cd->type_name);
	if (sev == LINT_INFO) {
		lint_emit_sev(ctx, st, sev, "alter-column-type",
		    xasprintf("ALTER COLUMN %s TYPE %s is catalog only (brief "
		    "ACCESS EXCLUSIVE on %s) from varchar, or from the same "
		    "type with a limit; from any other type it rewrites the "
		    "table under ACCESS EXCLUSIVE", col, type, table), NULL);
		free(type);
		free(col);
		return;
	}
	lint_emit(ctx, st, "alter-column-type",
	    xasprintf("ALTER COLUMN %s TYPE %s rewrites %s and rebuilds its "
	    "indexes under ACCESS EXCLUSIVE; every read and write waits for "
	    "the whole rewrite%s", col, type, table, old == NULL &&
	    cd->raw_default == NULL && (lint_type_is(&t, "varchar") ||
	    lint_type_is(&t, "numeric") || lint_type_is(&t, "varbit")) ?
	    " (unless it only widens the same type's limit: bellows cannot see "
	    "the current type; suppress with the old type as the reason)" :
	    ""),
	    xasprintf("ALTER TABLE %s ADD COLUMN %s_new %s; -- then dual-write "
	    "from the app (or a trigger), backfill %s_new, switch reads, and "
	    "drop %s in the contract phase", table, cmd->name, type,
	    cmd->name, col));
	free(type);
	free(col);
}

static void
lint_check_alter_table(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const PgQuery__AlterTableStmt	*at = n->alter_table_stmt;
	const PgQuery__AlterTableCmd	*cmd;
	const char			*rel;
	char				*table, *key, *obj, *sql;
	size_t				 i;

	if (at->relation == NULL || lint_exempt(ctx, at->relation))
		return;
	if (at->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
		return;
	rel = at->relation->relname;
	table = lint_rv_name(at->relation);
	for (i = 0; i < at->n_cmds; i++) {
		if (at->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		cmd = at->cmds[i]->alter_table_cmd;
		switch (cmd->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
			if (cmd->def != NULL && cmd->def->node_case ==
			    PG_QUERY__NODE__NODE_COLUMN_DEF)
				lint_check_add_column(ctx, st, n, cmd, table);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
			if (cmd->def != NULL && cmd->def->node_case ==
			    PG_QUERY__NODE__NODE_CONSTRAINT)
				lint_check_add_constraint(ctx, st, n, cmd, table);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
			lint_check_set_not_null(ctx, st, cmd, rel, table);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
			lint_check_alter_type(ctx, st, cmd, rel, table);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
			key = lint_colkey(rel, cmd->name);
			if (!lint_set_has(&ctx->columns, key)) {
				obj = lint_ident(cmd->name);
				free(key);
				key = xasprintf("%s.%s", table, obj);
				sql = xasprintf("ALTER TABLE %s DROP COLUMN %s",
				    table, obj);
				lint_drop_finding(ctx, st, "DROP COLUMN", key,
				    table, sql);
				free(sql);
				free(obj);
			}
			free(key);
			break;
		default:
			break;
		}
	}
	free(table);
}

static void
lint_check_rename(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const PgQuery__RenameStmt	*rs = n->rename_stmt;
	char				*table, *key, *oldn, *newn;

	if (rs->relation == NULL || lint_exempt(ctx, rs->relation))
		return;
	table = lint_rv_name(rs->relation);
	newn = lint_ident(rs->newname);
	if (rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN &&
	    rs->relation_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
		key = lint_colkey(rs->relation->relname, rs->subname);
		if (!lint_set_has(&ctx->columns, key)) {
			oldn = lint_ident(rs->subname);
			lint_emit(ctx, st, "rename",
			    xasprintf("RENAME COLUMN %s takes ACCESS EXCLUSIVE on "
			    "%s only briefly, but every running application "
			    "instance that still uses the name %s fails from that "
			    "moment", oldn, table, oldn),
			    xasprintf("ALTER TABLE %s ADD COLUMN %s <type>; -- "
			    "then dual-write, backfill %s from %s, switch reads, "
			    "and drop %s in the contract phase (four steps, see "
			    "share/examples/rename-column.conf)", table, newn,
			    newn, oldn, oldn));
			free(oldn);
		}
		free(key);
	} else if (rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
		lint_emit(ctx, st, "rename",
		    xasprintf("RENAME of table %s takes ACCESS EXCLUSIVE on it "
		    "only briefly, but every running application instance that "
		    "still uses the old name fails from that moment", table),
		    xasprintf("BEGIN; ALTER TABLE %s RENAME TO %s; CREATE VIEW "
		    "%s AS SELECT * FROM %s; COMMIT; -- the view keeps the old "
		    "name working (simple views are updatable); drop it once no "
		    "app uses the old name", table, newn, table, newn));
	}
	free(newn);
	free(table);
}

static void
lint_check_vacuum(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const PgQuery__VacuumStmt	*vs = n->vacuum_stmt;
	const PgQuery__VacuumRelation	*vr;
	const PgQuery__DefElem		*d;
	char				*name = NULL;
	size_t				 i;
	int				 full = 0, all_new = vs->n_rels > 0;

	for (i = 0; i < vs->n_options; i++) {
		if (vs->options[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
			continue;
		d = vs->options[i]->def_elem;
		if (strcmp(d->defname, "full") != 0)
			continue;
		full = d->arg == NULL || (d->arg->node_case ==
		    PG_QUERY__NODE__NODE_BOOLEAN && d->arg->boolean->boolval) ||
		    (d->arg->node_case == PG_QUERY__NODE__NODE_INTEGER &&
		    d->arg->integer->ival != 0) ||
		    (d->arg->node_case == PG_QUERY__NODE__NODE_STRING &&
		    strcmp(d->arg->string->sval, "false") != 0 &&
		    strcmp(d->arg->string->sval, "off") != 0);
	}
	if (!full || !vs->is_vacuumcmd)
		return;
	for (i = 0; i < vs->n_rels; i++) {
		if (vs->rels[i]->node_case != PG_QUERY__NODE__NODE_VACUUM_RELATION)
			continue;
		vr = vs->rels[i]->vacuum_relation;
		if (!lint_exempt(ctx, vr->relation)) {
			all_new = 0;
			if (name == NULL)
				name = lint_rv_name(vr->relation);
		}
	}
	if (all_new)
		return;
	lint_emit(ctx, st, "vacuum-full",
	    xasprintf("VACUUM FULL rewrites %s under ACCESS EXCLUSIVE; every "
	    "read and write waits until the whole copy is written",
	    name != NULL ? name : "every table of the database"),
	    xasprintf("VACUUM (ANALYZE) %s; -- or compact online with pg_repack "
	    "--table %s", name != NULL ? name : "", name != NULL ? name :
	    "<table>"));
	free(name);
}

static void
lint_check_cluster(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const PgQuery__ClusterStmt	*cs = n->cluster_stmt;
	char				*name;

	if (cs->relation != NULL && lint_exempt(ctx, cs->relation))
		return;
	name = cs->relation != NULL ? lint_rv_name(cs->relation) :
	    xstrdup("every previously clustered table");
	lint_emit(ctx, st, "cluster",
	    xasprintf("CLUSTER rewrites %s in index order under ACCESS "
	    "EXCLUSIVE; every read and write waits for the whole rewrite",
	    name),
	    xasprintf("-- reorder online with pg_repack --table %s --order-by "
	    "<columns>", cs->relation != NULL ? name : "<table>"));
	free(name);
}

static void
lint_check_lock(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const PgQuery__LockStmt	*ls = n->lock_stmt;
	char			*name = NULL;
	size_t			 i;

	/* Modes below SHARE let reads and writes go on. */
	if (ls->mode < 5)
		return;
	for (i = 0; i < ls->n_relations; i++) {
		if (ls->relations[i]->node_case != PG_QUERY__NODE__NODE_RANGE_VAR)
			continue;
		if (!lint_exempt(ctx, ls->relations[i]->range_var)) {
			name = lint_rv_name(ls->relations[i]->range_var);
			break;
		}
	}
	if (name == NULL)
		return;
	lint_emit(ctx, st, "lock-table",
	    xasprintf("LOCK TABLE %s IN %s MODE blocks %s on %s until the "
	    "transaction ends, and queues every later query behind it while "
	    "it waits for the lock", name, lint_lock_mode_name(ls->mode),
	    ls->mode == 8 ? "every read and write" : "every write", name),
	    xstrdup("SET lock_timeout = '2s'; -- and let each statement take "
	    "the lock it needs, as briefly as it can"));
	free(name);
}

static void
lint_check_refresh(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const PgQuery__RefreshMatViewStmt	*rm = n->refresh_mat_view_stmt;
	char					*name;

	if (rm->concurrent || lint_exempt(ctx, rm->relation))
		return;
	name = lint_rv_name(rm->relation);
	lint_emit(ctx, st, "refresh-matview-not-concurrent",
	    xasprintf("REFRESH MATERIALIZED VIEW without CONCURRENTLY holds "
	    "ACCESS EXCLUSIVE on %s for the whole refresh; every read of it "
	    "waits", name),
	    xasprintf("REFRESH MATERIALIZED VIEW CONCURRENTLY %s; -- needs a "
	    "unique index on %s", name, name));
	free(name);
}

static void
lint_check_truncate(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const PgQuery__TruncateStmt	*ts = n->truncate_stmt;
	char				*name = NULL;
	size_t				 i;

	for (i = 0; i < ts->n_relations; i++) {
		if (ts->relations[i]->node_case != PG_QUERY__NODE__NODE_RANGE_VAR)
			continue;
		if (!lint_exempt(ctx, ts->relations[i]->range_var)) {
			name = lint_rv_name(ts->relations[i]->range_var);
			break;
		}
	}
	if (name == NULL)
		return;
	lint_emit(ctx, st, "truncate",
	    xasprintf("TRUNCATE takes ACCESS EXCLUSIVE on %s and removes every "
	    "row at once: every read and write waits, and once committed the "
	    "data is gone", name),
	    xasprintf("-- delete in batches with a backfill-style phase, or "
	    "stop using %s and DROP it in the contract phase", name));
	free(name);
}

static void
lint_check_delete(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const PgQuery__DeleteStmt	*ds = n->delete_stmt;
	char				*name;

	if (ds->where_clause != NULL || lint_exempt(ctx, ds->relation))
		return;
	name = lint_rv_name(ds->relation);
	lint_emit(ctx, st, "delete-without-where",
	    xasprintf("DELETE without WHERE locks every row of %s in one "
	    "transaction (ROW EXCLUSIVE on the table): writers to any row "
	    "wait until it commits, and replicas lag behind the burst", name),
	    xasprintf("DELETE FROM %s WHERE id IN (SELECT id FROM %s ORDER BY "
	    "id LIMIT 5000); -- repeated, one batch per transaction", name,
	    name));
	free(name);
}

static void
lint_check_update(struct lint_ctx *ctx, const struct sql_stmt *st,
    const Node *n)
{
	const PgQuery__UpdateStmt	*us = n->update_stmt;
	char				*name;

	if (us->where_clause != NULL || lint_exempt(ctx, us->relation))
		return;
	name = lint_rv_name(us->relation);
	lint_emit(ctx, st, "update-without-where",
	    xasprintf("UPDATE without WHERE rewrites every row of %s in one "
	    "transaction (ROW EXCLUSIVE, plus a lock on every row until "
	    "commit): writers to any row wait, the table doubles in size and "
	    "replicas lag", name),
	    xasprintf("{ name = \"backfill\"; backfill = { table = \"%s\"; "
	    "key = \"id\"; set = \"...\"; }; } -- a backfill phase commits "
	    "in small batches", name));
	free(name);
}

/* ----------------------------------------------------------- suppression */

static int
lint_word_is(const char *p, size_t n, const char *w)
{
	return (strlen(w) == n && strncasecmp(p, w, n) == 0);
}

/*
 * Parse "bellows:allow RULE[,RULE] because REASON" out of comment C.
 * Returns 0 when the comment is not a suppression.
 */
static int
lint_parse_supp(struct lint_ctx *ctx, const struct sql_comment *c,
    struct lint_supp *s)
{
	const char	*t = ctx->script->text + c->off, *p, *e, *w;
	struct buf	 rules;
	size_t		 n;

	e = t + c->len;
	if (c->block) {
		t += 2;
		if (e - t >= 2 && e[-2] == '*' && e[-1] == '/')
			e -= 2;
	} else
		t += 2;
	while (t < e && isspace((unsigned char)*t))
		t++;
	if (e - t < 13 || strncasecmp(t, "bellows:allow", 13) != 0)
		return (0);
	p = t + 13;
	memset(s, 0, sizeof *s);
	s->off = c->off;
	s->target = SIZE_MAX;
	buf_init(&rules);
	buf_puts(&rules, "");
	for (;;) {
		while (p < e && (isspace((unsigned char)*p) || *p == ','))
			p++;
		if (p >= e)
			break;
		w = p;
		while (p < e && !isspace((unsigned char)*p) && *p != ',')
			p++;
		n = (size_t)(p - w);
		if (lint_word_is(w, n, "because") ||
		    lint_word_is(w, n, "because:")) {
			while (p < e && (isspace((unsigned char)*p) || *p == ':'))
				p++;
			while (e > p && isspace((unsigned char)e[-1]))
				e--;
			if (e > p)
				s->reason = xstrndup(p, (size_t)(e - p));
			break;
		}
		if (rules.len > 0)
			buf_putc(&rules, ',');
		buf_append(&rules, w, n);
	}
	s->rules = buf_detach(&rules);
	return (1);
}

static void	lint_supps_free(struct lint_ctx *);

/* Which statement a suppression at OFF covers (see lint.h): the one it
 * sits in, else the one ending on its line before it, else the next one. */
static size_t
lint_supp_target(const struct sql_script *s, int off, int line)
{
	size_t	lo = 0, hi = s->nstmts, mid;
	int	l, c;

	/* First statement ending after OFF (statements are in text order). */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (s->stmts[mid].end <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nstmts && off >= s->stmts[lo].off)
		return (lo);
	if (lo > 0) {
		sql_linecol(s, s->stmts[lo - 1].end > 0 ?
		    s->stmts[lo - 1].end - 1 : 0, &l, &c);
		if (l == line)
			return (lo - 1);
	}
	return (lo < s->nstmts ? lo : SIZE_MAX);
}

static void
lint_supps_load(struct lint_ctx *ctx)
{
	const struct sql_script	*s = ctx->script;
	struct lint_supp	 sp;
	size_t			 i;

	lint_supps_free(ctx);
	for (i = 0; i < s->ncomments; i++) {
		if (!lint_parse_supp(ctx, &s->comments[i], &sp))
			continue;
		sp.line = s->comments[i].line;
		sp.col = s->comments[i].col;
		sp.target = lint_supp_target(s, sp.off, sp.line);
		ctx->supps = xreallocarray(ctx->supps, ctx->nsupps + 1,
		    sizeof *ctx->supps);
		ctx->supps[ctx->nsupps++] = sp;
	}
}

static void
lint_supps_free(struct lint_ctx *ctx)
{
	size_t	i;

	for (i = 0; i < ctx->nsupps; i++) {
		free(ctx->supps[i].rules);
		free(ctx->supps[i].reason);
	}
	free(ctx->supps);
	ctx->supps = NULL;
	ctx->nsupps = 0;
}

/* Findings about the suppression comments themselves, at the comment. */
static void
lint_supp_findings(struct lint_ctx *ctx, const struct lint_supp *s)
{
	const char	*file, *p, *q;
	char		*rule;
	int		 line, col;

	file = lint_locate(ctx, s->off, &line, &col);
	if (s->reason == NULL) {
		lint_report_add(ctx->r, file, line, col, LINT_ERROR,
		    "suppression-without-reason",
		    xasprintf("bellows:allow %s gives no reason; a suppression "
		    "must say why the lock is acceptable, and without one it "
		    "suppresses nothing", *s->rules != '\0' ? s->rules :
		    "(no rule)"),
		    xasprintf("-- bellows:allow %s because <why it is safe "
		    "here, e.g. the table has 200 rows>", *s->rules != '\0' ?
		    s->rules : "RULE"), NULL);
		return;
	}
	if (*s->rules == '\0') {
		lint_report_add(ctx->r, file, line, col, LINT_WARNING,
		    "suppression-unknown-rule",
		    xstrdup("bellows:allow names no rule, so it suppresses "
		    "nothing"), xstrdup("-- bellows:allow RULE because REASON"),
		    NULL);
		return;
	}
	for (p = s->rules; p != NULL && *p != '\0'; p = q != NULL ? q + 1 : NULL) {
		q = strchr(p, ',');
		rule = q != NULL ? xstrndup(p, (size_t)(q - p)) : xstrdup(p);
		if (lint_rule_find(rule) == NULL) {
			lint_report_add(ctx->r, file, line, col, LINT_WARNING,
			    "suppression-unknown-rule",
			    xasprintf("bellows:allow names '%s', which is not a "
			    "bellows rule, so it suppresses nothing", rule),
			    xstrdup("see the rule list in bellows(1)"), NULL);
		}
		free(rule);
	}
}

/* ----------------------------------------------------------- the drivers */

static void
lint_syntax(struct lint_ctx *ctx, const struct sql_stmt *st)
{
	const char	*file;
	int		 line, col;

	file = lint_locate(ctx, st->error_off, &line, &col);
	lint_report_add(ctx->r, file, line, col, LINT_ERROR, "syntax",
	    xstrdup(st->error), sql_reserved_note(ctx->script->text,
	    st->error_off), NULL);
}

static void
lint_stmt(struct lint_ctx *ctx, const struct sql_stmt *st)
{
	const struct lint_rule	*rule;
	size_t			 i;

	if (st->node == NULL) {
		lint_syntax(ctx, st);
		return;
	}
	for (i = 0; i < nitems(lint_rule_table); i++) {
		rule = &lint_rule_table[i];
		if (rule->check == NULL)
			continue;
		if (rule->node != ANY_NODE && rule->node != st->node->node_case)
			continue;
		rule->check(ctx, st, st->node);
	}
	lint_learn(ctx, st);
}

/* Lint one script (a .sql file or one SQL string of a plan). */
static void
lint_script(struct lint_ctx *ctx, const struct sql_script *s)
{
	size_t	i, next = 0;

	ctx->script = s;
	lint_supps_load(ctx);
	ctx->step_multi = ctx->is_plan && s->nstmts > 1;
	for (i = 0; i < s->nstmts; i++) {
		while (next < ctx->nsupps && ctx->supps[next].off < s->stmts[i].off)
			lint_supp_findings(ctx, &ctx->supps[next++]);
		lint_stmt(ctx, &s->stmts[i]);
	}
	while (next < ctx->nsupps)
		lint_supp_findings(ctx, &ctx->supps[next++]);
}

static void
lint_ctx_init(struct lint_ctx *ctx, struct lint_report *r,
    const struct lint_options *o, const char *file)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->r = r;
	ctx->o = o;
	ctx->file = file;
	ctx->record = 1;
}

static void
lint_ctx_free(struct lint_ctx *ctx)
{
	size_t	i;

	lint_set_free(&ctx->tables);
	lint_set_free(&ctx->indexes);
	lint_set_free(&ctx->columns);
	lint_set_free(&ctx->later);
	lint_set_free(&ctx->later_indexes);
	for (i = 0; i < ctx->nnotnulls; i++) {
		free(ctx->notnulls[i].table);
		free(ctx->notnulls[i].conname);
		free(ctx->notnulls[i].col);
	}
	free(ctx->notnulls);
	for (i = 0; i < ctx->ncoltypes; i++)
		free(ctx->coltypes[i].key);
	free(ctx->coltypes);
	lint_supps_free(ctx);
}

/* golang-migrate "*.down.sql", "*_down.sql", "down.sql"; Flyway undo
 * "U<version>__<desc>.sql". */
static int
lint_is_down_script(const char *path)
{
	const char	*base = strrchr(path, '/');
	size_t		 n;

	base = base != NULL ? base + 1 : path;
	n = strlen(base);
	if (n >= 8 && strcasecmp(base + n - 8, "down.sql") == 0 &&
	    (n == 8 || base[n - 9] == '.' || base[n - 9] == '_' ||
	    base[n - 9] == '-'))
		return (1);
	if (base[0] == 'U' && isdigit((unsigned char)base[1]) &&
	    strstr(base, "__") != NULL)
		return (1);
	return (0);
}

void
lint_sql_text(struct lint_report *r, const char *file, const char *text,
    const struct lint_options *o)
{
	struct lint_ctx		 ctx;
	struct sql_script	*s;
	size_t			 i;

	lint_ctx_init(&ctx, r, o, file);
	ctx.down_script = lint_is_down_script(file);
	s = sql_parse(text);
	/* Tables the file creates anywhere: "DROP TABLE IF EXISTS t;
	 * CREATE TABLE t" rebuilds t, it does not drop data in use. */
	for (i = 0; i < s->nstmts; i++) {
		if (s->stmts[i].node != NULL && s->stmts[i].node->node_case ==
		    PG_QUERY__NODE__NODE_CREATE_STMT &&
		    s->stmts[i].node->create_stmt->relation != NULL)
			lint_set_add(&ctx.later,
			    s->stmts[i].node->create_stmt->relation->relname);
	}
	for (i = 0; i < s->nstmts; i++) {
		if (s->stmts[i].node != NULL && s->stmts[i].node->node_case ==
		    PG_QUERY__NODE__NODE_INDEX_STMT &&
		    s->stmts[i].node->index_stmt->relation != NULL &&
		    lint_set_has(&ctx.later,
		    s->stmts[i].node->index_stmt->relation->relname))
			lint_set_add(&ctx.later_indexes,
			    s->stmts[i].node->index_stmt->idxname);
	}
	lint_script(&ctx, s);
	lint_ctx_free(&ctx);
	sql_free(s);
	r->nfiles++;
}

int
lint_sql_file(struct lint_report *r, const char *path,
    const struct lint_options *o, char **cause)
{
	char	*text;
	size_t	 len;

	if ((text = util_read_file(path, &len, cause)) == NULL)
		return (-1);
	/* The parser would stop at a NUL byte; bytes that are not UTF-8
	 * would be refused by the server only when the migration runs. */
	if (util_check_text(path, text, len, cause) != 0) {
		free(text);
		return (-1);
	}
	lint_sql_text(r, path, text, o);
	free(text);
	return (0);
}

/* ------------------------------------------------------------------ plans */

/* Lint TEXT, a SQL string of the plan that starts at POS. */
static void
lint_plan_sql(struct lint_ctx *ctx, const char *text,
    const struct plan_pos *pos, int record, int rollback,
    struct sql_script **keep)
{
	struct sql_script	*s;

	if (text == NULL)
		return;
	ctx->record = record;
	ctx->in_rollback = rollback;
	ctx->pos = pos;
	ctx->pos_off = -1;
	s = sql_parse(text);
	lint_script(ctx, s);
	ctx->script = NULL;
	ctx->pos = NULL;
	if (keep != NULL)
		*keep = s;
	else {
		lint_supps_free(ctx);
		sql_free(s);
	}
}

/*
 * The parts of a backfill bellows pastes into the UPDATE it builds: only
 * these need to parse (names resolve only on the server).  Each with the
 * statement text around it and where it is in the plan.
 */
struct lint_fragment {
	const char		*what;
	enum sql_fragment	 kind;
	const char		*text;
	const struct plan_pos	*pos;
};

static void
lint_fragments(const struct plan_backfill *bf, struct lint_fragment f[3])
{
	f[0] = (struct lint_fragment){ "set", SQL_FRAGMENT_SET, bf->set,
	    &bf->set_pos };
	f[1] = (struct lint_fragment){ "from", SQL_FRAGMENT_FROM, bf->from,
	    &bf->from_pos };
	f[2] = (struct lint_fragment){ "where", SQL_FRAGMENT_WHERE, bf->where,
	    &bf->where_pos };
}

/* Parse-check F: 0, or -1 with FILE, LINE, COL and *CAUSE (the parser's
 * message) set. */
static int
lint_fragment_check(const struct plan *p, const struct plan_backfill *bf,
    const struct lint_fragment *f, const char **file, int *line, int *col,
    char **cause)
{
	char	*note, *m;
	int	 off;

	if (f->text == NULL || sql_check_fragment(f->kind, f->text, cause,
	    &off) == 0)
		return (0);
	if ((note = sql_reserved_note(f->text, off)) != NULL) {
		m = xasprintf("%s (%s)", *cause, note);
		free(*cause);
		free(note);
		*cause = m;
	}
	*file = p->file;
	if (f->pos != NULL && f->pos->line > 0) {
		plan_pos_at(f->pos, f->text, off, line, col);
		if (f->pos->file != NULL)
			*file = f->pos->file;
	} else {
		*line = bf->line;
		*col = 1;
	}
	return (-1);
}

int
lint_backfill_syntax(const struct plan *p, const struct plan_backfill *bf,
    char **cause)
{
	struct lint_fragment	 f[3];
	const char		*file;
	char			*m;
	int			 i, line, col;

	lint_fragments(bf, f);
	for (i = 0; i < 3; i++) {
		if (lint_fragment_check(p, bf, &f[i], &file, &line, &col,
		    &m) == 0)
			continue;
		*cause = xasprintf("%s:%d:%d: backfill %s: %s", file, line, col,
		    f[i].what, m);
		free(m);
		return (-1);
	}
	/* The fragments are sound: prove the composed batch keeps its key
	 * bounds (never expected to fail once they are). */
	if (backfill_check_fragments(bf, &m) != 0) {
		*cause = xasprintf("%s:%d: %s", p->file, bf->line, m);
		free(m);
		return (-1);
	}
	return (0);
}

static void
lint_plan_backfill(struct lint_ctx *ctx, const struct plan *p,
    const struct plan_backfill *bf)
{
	struct lint_fragment	 f[3];
	struct plan_pos		 pos;
	const char		*file;
	char			*m;
	int			 i, line, col, bad;

	lint_fragments(bf, f);
	for (i = 0, bad = 0; i < 3; i++)
		if (lint_fragment_check(p, bf, &f[i], &file, &line, &col,
		    &m) != 0) {
			lint_report_add(ctx->r, file, line, col, LINT_ERROR,
			    "syntax", xasprintf("backfill %s: %s", f[i].what,
			    m), NULL, NULL);
			free(m);
			bad++;
		}
	if (bad == 0 && bf->set != NULL &&
	    backfill_check_fragments(bf, &m) != 0) {
		lint_report_add(ctx->r, p->file, bf->line, 1, LINT_ERROR,
		    "syntax", m, NULL, NULL);
	}
	if (bf->throttle_sql != NULL && bf->throttle_pos.line > 0)
		lint_plan_sql(ctx, bf->throttle_sql, &bf->throttle_pos, 0, 0,
		    NULL);
	else if (bf->throttle_sql != NULL) {
		memset(&pos, 0, sizeof pos);
		pos.file = p->file;
		pos.line = bf->line;
		pos.col = 1;
		lint_plan_sql(ctx, bf->throttle_sql, &pos, 0, 0, NULL);
	}
}

static char	*lint_inverse_one(const Node *);

/* Inverse SQL of the first statement of a step that has an obvious one
 * (CREATE INDEX, CREATE TABLE, ADD COLUMN, ADD CONSTRAINT, SET NOT NULL),
 * for the missing-rollback hint. */
static char *
lint_inverse(const struct sql_script *s)
{
	const Node	*n;
	char		*out = NULL;

	size_t				 i;

	if (s == NULL)
		return (NULL);
	for (i = 0; i < s->nstmts && out == NULL; i++) {
		if ((n = s->stmts[i].node) != NULL)
			out = lint_inverse_one(n);
	}
	return (out);
}

static char *
lint_inverse_one(const Node *n)
{
	const PgQuery__AlterTableStmt	*at;
	const PgQuery__AlterTableCmd	*cmd;
	char				*t, *o, *out = NULL;

	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		if (n->index_stmt->idxname == NULL ||
		    *n->index_stmt->idxname == '\0')
			return (NULL);
		o = lint_ident(n->index_stmt->idxname);
		out = xasprintf("rollback = \"DROP INDEX CONCURRENTLY IF EXISTS "
		    "%s\";", o);
		free(o);
		break;
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		t = lint_rv_name(n->create_stmt->relation);
		out = xasprintf("rollback = \"DROP TABLE IF EXISTS %s\";", t);
		free(t);
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		at = n->alter_table_stmt;
		if (at->n_cmds != 1 || at->cmds[0]->node_case !=
		    PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			return (NULL);
		cmd = at->cmds[0]->alter_table_cmd;
		t = lint_rv_name(at->relation);
		if (cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn &&
		    cmd->def != NULL &&
		    cmd->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
			o = lint_ident(cmd->def->column_def->colname);
			out = xasprintf("rollback = \"ALTER TABLE %s DROP COLUMN "
			    "IF EXISTS %s\";", t, o);
			free(o);
		} else if (cmd->subtype ==
		    PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint &&
		    cmd->def != NULL &&
		    cmd->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    cmd->def->constraint->conname != NULL &&
		    *cmd->def->constraint->conname != '\0') {
			o = lint_ident(cmd->def->constraint->conname);
			out = xasprintf("rollback = \"ALTER TABLE %s DROP "
			    "CONSTRAINT IF EXISTS %s\";", t, o);
			free(o);
		} else if (cmd->subtype ==
		    PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull) {
			o = lint_ident(cmd->name);
			out = xasprintf("rollback = \"ALTER TABLE %s ALTER COLUMN "
			    "%s DROP NOT NULL\";", t, o);
			free(o);
		}
		free(t);
		break;
	default:
		break;
	}
	return (out);
}

static void
lint_plan_step(struct lint_ctx *ctx, const struct plan *p,
    const struct plan_phase *ph, const struct plan_step *step)
{
	struct sql_script	*s = NULL;
	const char		*file, *reason, *rule;
	char			*hint;

	ctx->destructive = ph->destructive;
	lint_plan_sql(ctx, step->sql, &step->sql_pos, 1, 0, &s);
	if (step->rollback == NULL) {
		file = step->sql_pos.file != NULL ? step->sql_pos.file : p->file;
		rule = ph->destructive ? "irreversible-step" : "missing-rollback";
		reason = lint_suppressed(ctx, SIZE_MAX, rule);
		if (ph->destructive) {
			lint_report_add(ctx->r, file, step->line, 1,
			    LINT_WARNING, rule,
			    xasprintf("step '%s' in phase '%s' has no rollback: "
			    "once it ran, bellows cannot undo the plan past it "
			    "(like every step of a destructive phase, it asks "
			    "for a typed confirmation)",
			    step->name, ph->name), NULL, reason);
		} else {
			hint = lint_inverse(s);
			lint_report_add(ctx->r, file, step->line, 1,
			    LINT_WARNING, rule,
			    xasprintf("step '%s' in phase '%s' has no rollback: "
			    "rolling back stops at this step, so nothing before it "
			    "can be undone either", step->name, ph->name),
			    hint != NULL ? hint : xstrdup("rollback = \"<SQL that "
			    "undoes the step>\";"), reason);
		}
	}
	lint_supps_free(ctx);
	sql_free(s);
	if (step->rollback != NULL)
		lint_plan_sql(ctx, step->rollback, &step->rollback_pos, 0, 1,
		    NULL);
}

void
lint_plan(struct lint_report *r, const struct plan *p,
    const struct lint_options *o)
{
	struct lint_ctx			 ctx;
	const struct plan_phase		*ph;
	const struct plan_check		*c;
	struct plan_pos			 pos;
	size_t				 i, j;

	lint_ctx_init(&ctx, r, o, p->file);
	ctx.is_plan = 1;
	for (i = 0; i < p->nphases; i++) {
		ph = &p->phases[i];
		ctx.destructive = ph->destructive;
		switch (ph->kind) {
		case PLAN_PHASE_STEPS:
			for (j = 0; j < ph->nsteps; j++)
				lint_plan_step(&ctx, p, ph, &ph->steps[j]);
			break;
		case PLAN_PHASE_BACKFILL:
			lint_plan_backfill(&ctx, p, &ph->backfill);
			break;
		case PLAN_PHASE_VERIFY:
			for (j = 0; j < ph->nverify; j++)
				lint_plan_sql(&ctx, ph->verify[j].sql,
				    &ph->verify[j].sql_pos, 0, 0, NULL);
			break;
		case PLAN_PHASE_GATE:
			break;
		}
	}
	ctx.destructive = 0;
	for (i = 0; i < p->nchecklist; i++) {
		c = &p->checklist[i];
		if (c->kind != PLAN_CHECK_SQL || c->sql == NULL)
			continue;
		memset(&pos, 0, sizeof pos);
		pos.file = c->file != NULL ? c->file : p->file;
		pos.line = c->line;
		pos.col = 1;
		lint_plan_sql(&ctx, c->sql, &pos, 0, 0, NULL);
	}
	lint_ctx_free(&ctx);
	r->nfiles++;
}

/* ---------------------------------------------------------------- output */

static void
lint_json_string(FILE *f, const char *s)
{
	const unsigned char	*p;

	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
			break;
		}
	}
	fputc('"', f);
}

char *
lint_summary(const struct lint_report *r)
{
	return (xasprintf("%zu error%s, %zu warning%s, %zu suppressed in %zu "
	    "file%s", r->nerrors, r->nerrors == 1 ? "" : "s", r->nwarnings,
	    r->nwarnings == 1 ? "" : "s", r->nsuppressed, r->nfiles,
	    r->nfiles == 1 ? "" : "s"));
}

void
lint_print_text(FILE *f, const struct lint_report *r)
{
	const struct lint_finding	*x;
	const char			*p, *nl;
	char				*sum;
	size_t				 i;

	for (i = 0; i < r->n; i++) {
		x = &r->findings[i];
		fprintf(f, "%s:%d:%d: %s: %s: %s", x->file, x->line, x->col,
		    lint_severity_name(x->severity), x->rule, x->message);
		if (x->suppressed)
			fprintf(f, " (suppressed: %s)", x->reason);
		fputc('\n', f);
		if (x->hint == NULL)
			continue;
		/* Continuation lines line up under the hint text. */
		fputs("  hint: ", f);
		for (p = x->hint; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
			fprintf(f, "%.*s\n        ", (int)(nl - p), p);
		fprintf(f, "%s\n", p);
	}
	sum = lint_summary(r);
	fprintf(f, "%s\n", sum);
	free(sum);
}

void
lint_print_json(FILE *f, const struct lint_report *r)
{
	const struct lint_finding	*x;
	size_t				 i;

	fputc('[', f);
	for (i = 0; i < r->n; i++) {
		x = &r->findings[i];
		fputs(i == 0 ? "\n  {" : ",\n  {", f);
		fputs("\"file\": ", f);
		lint_json_string(f, x->file);
		fprintf(f, ", \"line\": %d, \"column\": %d, \"severity\": \"%s\", "
		    "\"rule\": ", x->line, x->col, lint_severity_name(x->severity));
		lint_json_string(f, x->rule);
		fputs(", \"message\": ", f);
		lint_json_string(f, x->message);
		fputs(", \"hint\": ", f);
		lint_json_string(f, x->hint);
		fprintf(f, ", \"suppressed\": %s, \"reason\": ",
		    x->suppressed ? "true" : "false");
		lint_json_string(f, x->reason);
		fputc('}', f);
	}
	fputs(r->n == 0 ? "]\n" : "\n]\n", f);
}

/* ------------------------------------------------------------ lock summary */

/* Strength of a summary, to keep the strongest of an ALTER TABLE's parts. */
enum lint_lock_level {
	LINT_LOCK_NONE,
	LINT_LOCK_SUE_BRIEF,		/* SHARE UPDATE EXCLUSIVE, traffic flows */
	LINT_LOCK_SRE_BRIEF,		/* SHARE ROW EXCLUSIVE, brief */
	LINT_LOCK_AE_BRIEF,		/* ACCESS EXCLUSIVE, catalog only */
	LINT_LOCK_SRE_SCAN,		/* SHARE ROW EXCLUSIVE for a scan */
	LINT_LOCK_AE_NOTNULL,		/* SET NOT NULL: brief or a scan */
	LINT_LOCK_AE_SCAN,		/* ACCESS EXCLUSIVE for a scan */
	LINT_LOCK_AE_REWRITE		/* ACCESS EXCLUSIVE for a rewrite */
};

static enum lint_lock_level
lint_alter_level(const PgQuery__AlterTableCmd *cmd, int *fk)
{
	const PgQuery__ColumnDef	*cd;
	const PgQuery__Constraint	*c;
	const char			*tname = NULL;
	enum lint_lock_level		 lv = LINT_LOCK_AE_BRIEF;
	size_t				 i;

	switch (cmd->subtype) {
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
		if (cmd->def == NULL || cmd->def->node_case !=
		    PG_QUERY__NODE__NODE_COLUMN_DEF)
			return (LINT_LOCK_AE_BRIEF);
		cd = cmd->def->column_def;
		if (cd->type_name != NULL && cd->type_name->n_names > 0)
			tname = lint_str(cd->type_name->names[
			    cd->type_name->n_names - 1]);
		if (tname != NULL && strstr(tname, "serial") != NULL)
			return (LINT_LOCK_AE_REWRITE);
		for (i = 0; i < cd->n_constraints; i++) {
			if (cd->constraints[i]->node_case !=
			    PG_QUERY__NODE__NODE_CONSTRAINT)
				continue;
			c = cd->constraints[i]->constraint;
			switch (c->contype) {
			case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY:
			case PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED:
				return (LINT_LOCK_AE_REWRITE);
			case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
				if (lint_find_volatile(lint_msg(c->raw_expr)) !=
				    NULL)
					return (LINT_LOCK_AE_REWRITE);
				break;
			case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
			case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
			case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
			case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
			case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
				lv = LINT_LOCK_AE_SCAN;
				break;
			default:
				break;
			}
		}
		return (lv);
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
		if (cmd->def == NULL || cmd->def->node_case !=
		    PG_QUERY__NODE__NODE_CONSTRAINT)
			return (LINT_LOCK_AE_BRIEF);
		c = cmd->def->constraint;
		if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
			*fk = 1;
			return (c->skip_validation ? LINT_LOCK_SRE_BRIEF : LINT_LOCK_SRE_SCAN);
		}
		if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK)
			return (c->skip_validation ? LINT_LOCK_AE_BRIEF : LINT_LOCK_AE_SCAN);
		if (c->indexname != NULL && *c->indexname != '\0')
			return (LINT_LOCK_AE_BRIEF);
		return (LINT_LOCK_AE_SCAN);
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetStatistics:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ClusterOn:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropCluster:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetRelOptions:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ResetRelOptions:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition:
		return (LINT_LOCK_SUE_BRIEF);
	case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrig:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrig:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableAlwaysTrig:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableReplicaTrig:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrigAll:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrigAll:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrigUser:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrigUser:
		return (LINT_LOCK_SRE_BRIEF);
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
		/* Without the plan's context: whether a validated CHECK makes
		 * it brief is for lint's set-not-null rule to tell. */
		return (LINT_LOCK_AE_NOTNULL);
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetTableSpace:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetLogged:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetUnLogged:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetAccessMethod:
		/* Without the current type a rewrite is the safe
		 * assumption for a confirmation prompt. */
		return (LINT_LOCK_AE_REWRITE);
	default:
		return (LINT_LOCK_AE_BRIEF);
	}
}

static char *
lint_level_text(enum lint_lock_level lv, const char *t, const char *fkt)
{
	switch (lv) {
	case LINT_LOCK_NONE:
		return (xasprintf("no lock on existing tables"));
	case LINT_LOCK_SUE_BRIEF:
		return (xasprintf("SHARE UPDATE EXCLUSIVE on %s (reads and "
		    "writes continue)", t));
	case LINT_LOCK_SRE_BRIEF:
		if (fkt != NULL)
			return (xasprintf("SHARE ROW EXCLUSIVE on %s and %s "
			    "(brief, catalog only; writes wait meanwhile)", t,
			    fkt));
		return (xasprintf("SHARE ROW EXCLUSIVE on %s (brief; writes "
		    "wait meanwhile)", t));
	case LINT_LOCK_AE_BRIEF:
		return (xasprintf("ACCESS EXCLUSIVE on %s (brief, catalog only)",
		    t));
	case LINT_LOCK_SRE_SCAN:
		return (xasprintf("SHARE ROW EXCLUSIVE on %s%s%s for a full scan "
		    "of %s; writes wait", t, fkt != NULL ? " and " : "",
		    fkt != NULL ? fkt : "", t));
	case LINT_LOCK_AE_SCAN:
		return (xasprintf("ACCESS EXCLUSIVE on %s for a full scan; every "
		    "read and write waits", t));
	case LINT_LOCK_AE_NOTNULL:
		return (xasprintf("ACCESS EXCLUSIVE on %s: brief when a validated "
		    "CHECK (col IS NOT NULL) exists, else for a full scan while "
		    "every read and write waits", t));
	case LINT_LOCK_AE_REWRITE:
		return (xasprintf("ACCESS EXCLUSIVE on %s for the whole table "
		    "rewrite; every read and write waits", t));
	}
	return (xstrdup("?"));
}

char *
lint_lock_summary(const struct sql_stmt *st)
{
	const Node			*n = st->node;
	const PgQuery__AlterTableStmt	*at;
	const PgQuery__Constraint	*c;
	enum lint_lock_level		 lv, max = LINT_LOCK_NONE;
	char				*t = NULL, *fkt = NULL, *out;
	size_t				 i;
	int				 fk = 0, conc;

	if (n == NULL)
		return (xstrdup("unknown (the statement does not parse)"));
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		at = n->alter_table_stmt;
		t = lint_rv_name(at->relation);
		for (i = 0; i < at->n_cmds; i++) {
			if (at->cmds[i]->node_case !=
			    PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
				continue;
			fk = 0;
			lv = lint_alter_level(at->cmds[i]->alter_table_cmd, &fk);
			if (fk && fkt == NULL) {
				c = at->cmds[i]->alter_table_cmd->def->constraint;
				fkt = lint_rv_name(c->pktable);
			}
			if (lv > max)
				max = lv;
		}
		/* Several subcommands: the strongest lock is held for all. */
		out = lint_level_text(max, t, fkt);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		t = lint_rv_name(n->index_stmt->relation);
		if (n->index_stmt->concurrent)
			out = xasprintf("SHARE UPDATE EXCLUSIVE on %s (reads and "
			    "writes continue; waits for older transactions)", t);
		else
			out = xasprintf("SHARE on %s for the whole index build; "
			    "writes wait", t);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		if (n->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX &&
		    n->drop_stmt->concurrent)
			out = xstrdup("SHARE UPDATE EXCLUSIVE on the index's "
			    "table (reads and writes continue)");
		else if (n->drop_stmt->remove_type ==
		    PG_QUERY__OBJECT_TYPE__OBJECT_INDEX)
			out = xstrdup("ACCESS EXCLUSIVE on the index's table "
			    "(brief, catalog only)");
		else if (n->drop_stmt->n_objects > 0) {
			t = lint_list_name(n->drop_stmt->objects[0]);
			out = xasprintf("ACCESS EXCLUSIVE on %s (brief, catalog "
			    "only)", t);
		} else
			out = xstrdup("ACCESS EXCLUSIVE (brief, catalog only)");
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		t = n->rename_stmt->relation != NULL ?
		    lint_rv_name(n->rename_stmt->relation) : xstrdup("the object");
		out = xasprintf("ACCESS EXCLUSIVE on %s (brief, catalog only)", t);
		break;
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		conc = sql_needs_autocommit(st) && n->reindex_stmt->n_params > 0;
		t = n->reindex_stmt->relation != NULL ?
		    lint_rv_name(n->reindex_stmt->relation) :
		    lint_ident(n->reindex_stmt->name);
		if (conc)
			out = xasprintf("SHARE UPDATE EXCLUSIVE on %s (reads and "
			    "writes continue)", t);
		else
			out = xasprintf("SHARE on %s and ACCESS EXCLUSIVE on its "
			    "indexes for the whole rebuild", t);
		break;
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		if (n->vacuum_stmt->n_rels > 0 &&
		    n->vacuum_stmt->rels[0]->node_case ==
		    PG_QUERY__NODE__NODE_VACUUM_RELATION)
			t = lint_rv_name(n->vacuum_stmt->rels[0]->vacuum_relation->relation);
		else
			t = xstrdup("every table");
		for (i = 0, conc = 0; i < n->vacuum_stmt->n_options; i++) {
			if (n->vacuum_stmt->options[i]->node_case ==
			    PG_QUERY__NODE__NODE_DEF_ELEM &&
			    strcmp(n->vacuum_stmt->options[i]->def_elem->defname,
			    "full") == 0)
				conc = 1;
		}
		out = conc ? lint_level_text(LINT_LOCK_AE_REWRITE, t, NULL) :
		    lint_level_text(LINT_LOCK_SUE_BRIEF, t, NULL);
		break;
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		t = n->cluster_stmt->relation != NULL ?
		    lint_rv_name(n->cluster_stmt->relation) :
		    xstrdup("every clustered table");
		out = lint_level_text(LINT_LOCK_AE_REWRITE, t, NULL);
		break;
	case PG_QUERY__NODE__NODE_LOCK_STMT:
		if (n->lock_stmt->n_relations > 0 &&
		    n->lock_stmt->relations[0]->node_case ==
		    PG_QUERY__NODE__NODE_RANGE_VAR)
			t = lint_rv_name(n->lock_stmt->relations[0]->range_var);
		else
			t = xstrdup("?");
		out = xasprintf("%s on %s until the transaction ends",
		    lint_lock_mode_name(n->lock_stmt->mode), t);
		break;
	case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT:
		t = lint_rv_name(n->refresh_mat_view_stmt->relation);
		if (n->refresh_mat_view_stmt->concurrent)
			out = xasprintf("EXCLUSIVE on %s for the refresh (reads "
			    "continue)", t);
		else
			out = xasprintf("ACCESS EXCLUSIVE on %s for the whole "
			    "refresh; every read waits", t);
		break;
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		if (n->truncate_stmt->n_relations > 0 &&
		    n->truncate_stmt->relations[0]->node_case ==
		    PG_QUERY__NODE__NODE_RANGE_VAR)
			t = lint_rv_name(n->truncate_stmt->relations[0]->range_var);
		else
			t = xstrdup("?");
		out = lint_level_text(LINT_LOCK_AE_BRIEF, t, NULL);
		break;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		t = lint_rv_name(n->update_stmt->relation);
		out = xasprintf("ROW EXCLUSIVE on %s, and the rows it changes "
		    "until commit", t);
		break;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		t = lint_rv_name(n->delete_stmt->relation);
		out = xasprintf("ROW EXCLUSIVE on %s, and the rows it deletes "
		    "until commit", t);
		break;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		t = lint_rv_name(n->insert_stmt->relation);
		out = xasprintf("ROW EXCLUSIVE on %s (reads and writes "
		    "continue)", t);
		break;
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		out = xstrdup("ACCESS SHARE on the tables it reads (only ACCESS "
		    "EXCLUSIVE waits)");
		break;
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		out = xstrdup("none on existing tables (a new table; SHARE ROW "
		    "EXCLUSIVE, briefly, on tables it references)");
		break;
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
		t = lint_rv_name(n->create_trig_stmt->relation);
		out = lint_level_text(LINT_LOCK_SRE_BRIEF, t, NULL);
		break;
	default:
		out = xstrdup("no lock on application tables worth noting");
		break;
	}
	free(t);
	free(fkt);
	return (out);
}

void
lint_lock_lines(struct buf *b, const char *sql)
{
	struct sql_script	*sc = sql_parse(sql);
	size_t			 i;
	char			*l;

	for (i = 0; i < sc->nstmts; i++) {
		if (sc->stmts[i].node == NULL)
			continue;
		l = lint_lock_summary(&sc->stmts[i]);
		buf_printf(b, "    takes %s\n", l);
		free(l);
	}
	sql_free(sc);
}

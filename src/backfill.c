/* backfill: see backfill.h. */
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>
#include <protobuf-c/protobuf-c.h>
#include <pg_query/pg_query.pb-c.h>

#include "backfill.h"
#include "sql.h"
#include "util.h"

#define BACKFILL_WINDOW		1024	/* batch durations kept for percentiles */
#define BACKFILL_PROBES		12	/* batches alternating the plans, after
					 * a first (cold) one */
#define BACKFILL_MAX_RETRIES	16	/* retryable failures in a row */
#define BACKFILL_CHECK_MS	250	/* throttle queries at most this often */
#define BACKFILL_ESTIMATE_MS	5000	/* re-estimate the keys left */
#define BACKFILL_RATE_TAU_MS	5000.0	/* time constant of the rate EMA */
#define BACKFILL_GAP_SLACK_MS	1000	/* a longer gap between batches is a
					 * pause, not part of the rate */
#define BACKFILL_GUARD_FACTOR	20	/* default statement timeout, in
					 * target_batch_ms ... */
#define BACKFILL_GUARD_MIN_MS	1000	/* ... and at least this */
#define BACKFILL_DISABLE_COST	1.0e9	/* the planner's disable_cost is 1e10 */

struct backfill {
	const struct plan_backfill *bf;
	int64_t		(*clock)(void *);
	void		*clock_arg;
	int		 backend_pid;	/* the executor's: whose locks we watch */
	int		 server_version;

	char		*table_q;	/* quoted, maybe schema-qualified */
	char		*relname;	/* unquoted, unqualified (EXPLAIN names) */
	char		*sql_bound_first;	/* no cursor yet */
	char		*sql_bound;
	char		*sql_update_first;
	char		*sql_update;
	char		*sql_keys_before;	/* EXPLAIN: keys <= $1 */
	char		*sql_keys_after;	/* EXPLAIN: keys > $1 */
	char		*sql_key_range;		/* min and max key (index ends) */
	int		 int_keys;		/* the key's ends read as integers */
	int64_t		 kmin, kmax;
	char		*sql_keys_all;
	long		 statement_timeout_ms;
	char		*set_timeout;	/* the settings of a batch ... */
	char		*set_nestloop;	/* ... and with nested loops forced */
	const char	*settings[2];

	char		*cursor;	/* last key done */
	char		*upper;		/* end of the batch being run */
	char		 nbuf[32];	/* batch size as text */
	const char	*params[3];

	/* The size controller. */
	int64_t		 batch_rows;	/* size of the next batch */
	int64_t		 cur_rows;	/* size of the batch in flight */
	int64_t		 ceiling;	/* no growth past this after a failure;
					 * 0: none */
	int		 fails;		/* retryable failures in a row */
	double		 cost[2];	/* ms per key, per variant; 0: unknown */

	/* The plan.  nestloop_ok: the EXPLAIN allowed forcing; probes: batches
	 * of the comparison done, the cold first one included (-1 when
	 * decided); sample: cost per key of each variant's batches since. */
	int		 nestloop_ok;
	int		 probes;
	double		 sample[2][BACKFILL_PROBES];
	int		 nsample[2];
	enum backfill_variant chosen;
	enum backfill_variant variant;	/* of the batch in flight */
	char		 plan_note[160];

	/* Progress. */
	int64_t		 rows_done;
	int64_t		 keys_done;
	int64_t		 batches;
	int64_t		 total_est;	/* reltuples; 0: unknown */
	int64_t		 left_est;	/* planner's keys after the cursor; -1 */
	int64_t		 estimate_at;	/* next re-estimate; -1: due now */
	int		 need_position;	/* resumed: keys before the cursor? */
	int		 finished;
	double		 rows_rate, keys_rate;	/* per second, smoothed */
	double		 rate_rows, rate_keys, rate_ms;	/* decayed sums */
	int64_t		 last_done_ms;	/* -1 before the first batch */
	double		 overhead_ms;	/* usual gap between batches, smoothed */
	int		 held;		/* throttled since the last batch */
	int64_t		 recent[BACKFILL_RECENT];
	int		 nrecent;
	int		 recent_next;
	int64_t		 window[BACKFILL_WINDOW];
	int		 nwindow;
	int		 window_next;
	int64_t		 max_ms;

	/* The throttle. */
	int64_t		 checked_at;	/* -1: never */
	int		 check_hold;	/* what the last check said */
	char		 check_reason[256];
	int		 check_has_reason;
	int		 blocked_n;	/* during the batch in flight */
	int64_t		 blocked_ms;
	int64_t		 blocked_until;	/* hold after blocking; -1: no */
	char		 blocked_reason[160];
	const char	*throttle;	/* what progress shows */
};

/* ------------------------------------------------------------- helpers */

/* PQescapeIdentifier's rule, for when there is no connection (tests). */
static char *
backfill_quote(struct conn *c, const char *name)
{
	struct buf	b;

	if (c != NULL)
		return (conn_quote_ident(c, name));
	buf_init(&b);
	buf_putc(&b, '"');
	for (; *name != '\0'; name++) {
		if (*name == '"')
			buf_putc(&b, '"');
		buf_putc(&b, *name);
	}
	buf_putc(&b, '"');
	return (buf_detach(&b));
}

/* "schema.table" or "table", each part quoted. */
static char *
backfill_quote_qualified(struct conn *c, const char *name)
{
	const char	*dot = strchr(name, '.');
	char		*a, *b, *r, *part;

	if (dot == NULL)
		return (backfill_quote(c, name));
	part = xstrndup(name, (size_t)(dot - name));
	a = backfill_quote(c, part);
	b = backfill_quote(c, dot + 1);
	r = xasprintf("%s.%s", a, b);
	free(part);
	free(a);
	free(b);
	return (r);
}

static int64_t
backfill_now(struct backfill *b)
{
	return (b->clock(b->clock_arg));
}

static int64_t
backfill_clamp(const struct backfill *b, int64_t n)
{
	int64_t	lo = b->bf->min_rows > 0 ? b->bf->min_rows : 1;
	int64_t	hi = b->bf->max_rows > 0 ? b->bf->max_rows : INT64_MAX;

	if (hi < lo)
		hi = lo;
	if (n < lo)
		n = lo;
	if (n > hi)
		n = hi;
	return (n);
}

static long
backfill_target(const struct backfill *b)
{
	return (b->bf->target_batch_ms > 0 ? b->bf->target_batch_ms : 100);
}

/*
 * The value of a JSON string starting at P (just past the opening quote)
 * into OUT, unescaping \" \\ and \/ (other escapes are kept as written:
 * EXPLAIN's node and relation names need no more).  0, or -1 when the
 * string does not end on this line.
 */
static int
backfill_json_string(const char *p, char *out, size_t len)
{
	size_t	n = 0;

	for (; *p != '\0' && *p != '\n' && *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '/'))
			p++;
		if (n + 1 < len)
			out[n++] = *p;
	}
	out[n] = '\0';
	return (*p == '"' ? 0 : -1);
}

/*
 * The value of "KEY": on the line at LINE when it is that key, as a string
 * (into OUT) or a number (*NUM).  EXPLAIN (FORMAT JSON) writes one key per
 * line; that is all this reads, not JSON in general.
 */
static int
backfill_json_key(const char *line, const char *key, char *out, size_t len,
    double *num)
{
	size_t	klen = strlen(key);

	line += strspn(line, " \t");
	if (line[0] != '"' || strncmp(line + 1, key, klen) != 0 ||
	    strncmp(line + 1 + klen, "\": ", 3) != 0)
		return (-1);
	line += klen + 4;
	if (*line == '"')
		return (out != NULL ? backfill_json_string(line + 1, out, len) :
		    -1);
	if (num == NULL)
		return (-1);
	*num = strtod(line, NULL);
	return (0);
}

/* The first "KEY": number in an EXPLAIN (FORMAT JSON) text; -1 if none. */
static double
backfill_json_first(const char *json, const char *key)
{
	const char	*line;
	double		 v;

	for (line = json; line != NULL && *line != '\0';
	    line = strchr(line, '\n'), line = line != NULL ? line + 1 : NULL) {
		if (backfill_json_key(line, key, NULL, 0, &v) == 0)
			return (v);
	}
	return (-1);
}

/* One node of a forced nested-loop plan, judged when the next begins. */
struct backfill_node {
	char	type[64];
	char	parent[32];	/* "Parent Relationship" */
	char	rel[128];
	char	alias[128];
	int	seen;
};

/* PARENT: the node's "Parent Relationship", or its Memoize's (a Memoize
 * only caches the lookups of the node under it). */
static int
backfill_node_ok(const struct backfill_node *n, const char *parent,
    const char *relname, int *nestloops)
{
	static const char *const	 any[] = { "ModifyTable", "Result",
	    "Memoize", "Limit", "Aggregate", "Bitmap Index Scan", "BitmapAnd",
	    "BitmapOr", NULL };
	static const char *const	 indexed[] = { "Index Scan",
	    "Index Only Scan", "Bitmap Heap Scan", NULL };
	int				 target, i;

	if (!n->seen)
		return (1);
	if (strcmp(n->type, "Nested Loop") == 0) {
		(*nestloops)++;
		return (1);
	}
	for (i = 0; any[i] != NULL; i++)
		if (strcmp(n->type, any[i]) == 0)
			return (1);
	/* The backfilled table appears under its own name, unaliased (the
	 * UPDATE gives it no alias); a FROM item of the same table must have
	 * an alias of its own. */
	target = strcmp(n->rel, relname) == 0 && (n->alias[0] == '\0' ||
	    strcmp(n->alias, relname) == 0);
	if (target && (strcmp(n->type, "Seq Scan") == 0 ||
	    strcmp(n->type, "Tid Range Scan") == 0 ||
	    strcmp(n->type, "Tid Scan") == 0))
		return (1);
	for (i = 0; indexed[i] != NULL; i++) {
		if (strcmp(n->type, indexed[i]) != 0)
			continue;
		if (target)
			return (1);
		/* Another relation: only looked up per row of the outer side
		 * (an inner side, under a Memoize, or a subplan), never read
		 * whole by an outer index scan. */
		if (strcmp(parent, "Inner") == 0 ||
		    strcmp(parent, "SubPlan") == 0 ||
		    strcmp(parent, "InitPlan") == 0)
			return (1);
		return (0);
	}
	/* Hash Join, Merge Join (the settings did not take), Materialize, Sort,
	 * Seq Scan of another relation, function or subquery scans: a nested
	 * loop over any of those rereads it per row. */
	return (0);
}

/* The node's parent relationship, through a Memoize above it. */
static const char *
backfill_node_parent(const struct backfill_node *n, const char *memo)
{
	return (memo[0] != '\0' ? memo : n->parent);
}

int
backfill_nestloop_safe(const char *json, const char *relname)
{
	struct backfill_node	 n;
	const char		*line;
	char			 v[64], memo[32];
	double			 cost;
	int			 nestloops = 0, ok = 1;

	if (json == NULL)
		return (0);
	cost = backfill_json_first(json, "Total Cost");
	if (cost < 0 || cost >= BACKFILL_DISABLE_COST)
		return (0);
	memset(&n, 0, sizeof n);
	memo[0] = '\0';
	for (line = json; line != NULL && *line != '\0';
	    line = strchr(line, '\n'), line = line != NULL ? line + 1 : NULL) {
		/* Properties come before "Plans", so a node's attributes
		 * follow its "Node Type" and precede its children's. */
		if (backfill_json_key(line, "Node Type", v, sizeof v,
		    NULL) == 0) {
			if (!backfill_node_ok(&n, backfill_node_parent(&n,
			    memo), relname, &nestloops))
				ok = 0;
			/* A Memoize's only child is the next node. */
			if (n.seen && strcmp(n.type, "Memoize") == 0)
				memcpy(memo, n.parent, sizeof memo);
			else
				memo[0] = '\0';
			memset(&n, 0, sizeof n);
			n.seen = 1;
			memcpy(n.type, v, sizeof n.type);
			n.type[sizeof n.type - 1] = '\0';
		} else if (backfill_json_key(line, "Parent Relationship",
		    n.parent, sizeof n.parent, NULL) == 0 ||
		    backfill_json_key(line, "Relation Name", n.rel,
		    sizeof n.rel, NULL) == 0 ||
		    backfill_json_key(line, "Alias", n.alias, sizeof n.alias,
		    NULL) == 0)
			continue;
	}
	if (!backfill_node_ok(&n, backfill_node_parent(&n, memo), relname,
	    &nestloops))
		ok = 0;
	return (ok && nestloops > 0);
}

/* ---------------------------------------------------------- life cycle */

struct backfill *
backfill_new(const struct plan_backfill *bf, struct conn *exec,
    int64_t (*clock)(void *), void *clock_arg)
{
	struct backfill	*b;
	const char	*dot;
	char		*k, *from, *where;

	b = xcalloc(1, sizeof *b);
	b->bf = bf;
	b->clock = clock;
	b->clock_arg = clock_arg;
	b->backend_pid = exec != NULL ? conn_backend_pid(exec) : 0;
	b->server_version = exec != NULL ? conn_server_version(exec) : 150000;
	b->batch_rows = backfill_clamp(b, bf->batch_rows > 0 ? bf->batch_rows :
	    10000);
	b->table_q = backfill_quote_qualified(exec, bf->table);
	dot = strchr(bf->table, '.');
	b->relname = xstrdup(dot != NULL ? dot + 1 : bf->table);
	k = backfill_quote(exec, bf->key);
	/* Each fragment of the plan on lines of its own, the WHERE inside
	 * parentheses, the key bounds first: with the fragments checked
	 * (backfill_check_fragments: no comment, no ';', exactly the part
	 * each stands for) nothing in them can end the statement or detach
	 * the bounds (backfill_bounded proves it on the parse tree). */
	from = bf->from != NULL ? xasprintf("\nFROM\n%s\n", bf->from) :
	    xstrdup("\n");
	where = bf->where != NULL ? xasprintf(" AND (\n%s\n)", bf->where) :
	    xstrdup("");
	/* The upper key of the next batch: an index range scan of
	 * batch_rows keys, never a rescan of what is done. */
	b->sql_bound_first = xasprintf("SELECT max(k)::text FROM (SELECT %s AS k"
	    " FROM %s ORDER BY %s LIMIT $1) s", k, b->table_q, k);
	b->sql_bound = xasprintf("SELECT max(k)::text FROM (SELECT %s AS k FROM"
	    " %s WHERE %s > $1 ORDER BY %s LIMIT $2) s", k, b->table_q, k, k);
	b->sql_update_first = xasprintf("UPDATE %s SET\n%s%sWHERE %s.%s <= $1"
	    "%s", b->table_q, bf->set, from, b->table_q, k, where);
	b->sql_update = xasprintf("UPDATE %s SET\n%s%sWHERE %s.%s > $1 AND "
	    "%s.%s <= $2%s", b->table_q, bf->set, from, b->table_q, k,
	    b->table_q, k, where);
	/* Keys before / after the cursor, as the planner estimates them from
	 * its histogram (and the index's actual ends): cheap, for progress. */
	b->sql_keys_before = xasprintf("EXPLAIN (FORMAT JSON) SELECT FROM %s"
	    " WHERE %s <= $1", b->table_q, k);
	b->sql_keys_after = xasprintf("EXPLAIN (FORMAT JSON) SELECT FROM %s"
	    " WHERE %s > $1", b->table_q, k);
	b->sql_keys_all = xasprintf("EXPLAIN (FORMAT JSON) SELECT FROM %s",
	    b->table_q);
	b->sql_key_range = xasprintf("SELECT min(%s)::text, max(%s)::text FROM "
	    "%s", k, k, b->table_q);
	free(k);
	free(from);
	free(where);
	backfill_set_statement_timeout(b, 0);
	b->left_est = -1;
	b->estimate_at = -1;
	b->last_done_ms = -1;
	b->checked_at = -1;
	b->blocked_until = -1;
	b->probes = -1;
	b->chosen = BACKFILL_PLANNER;
	return (b);
}

void
backfill_set_statement_timeout(struct backfill *b, long ms)
{
	long	guard = BACKFILL_GUARD_FACTOR * backfill_target(b);

	if (guard < BACKFILL_GUARD_MIN_MS)
		guard = BACKFILL_GUARD_MIN_MS;
	b->statement_timeout_ms = ms > 0 ? ms : guard;
	free(b->set_timeout);
	free(b->set_nestloop);
	/* JIT: a forced nested loop's cost passes jit_above_cost from a few
	 * tens of thousands of keys, and compiling (50-500 ms) costs more than
	 * a batch's whole budget. */
	b->set_timeout = xasprintf("SET LOCAL statement_timeout = %ld;"
	    " SET LOCAL jit = off; SET LOCAL synchronous_commit = off",
	    b->statement_timeout_ms);
	/* Memoize (14+) caches lookups by the join key: a backfill's keys
	 * rarely repeat within a batch (2% hits on the seed data), and the
	 * cache cost 13% of the batch's time there. */
	b->set_nestloop = xasprintf("%s; SET LOCAL enable_hashjoin = off;"
	    " SET LOCAL enable_mergejoin = off%s", b->set_timeout,
	    b->server_version >= 140000 ? "; SET LOCAL enable_memoize = off" :
	    "");
}

void
backfill_free(struct backfill *b)
{
	if (b == NULL)
		return;
	free(b->table_q);
	free(b->relname);
	free(b->sql_bound_first);
	free(b->sql_bound);
	free(b->sql_update_first);
	free(b->sql_update);
	free(b->sql_keys_before);
	free(b->sql_keys_after);
	free(b->sql_key_range);
	free(b->sql_keys_all);
	free(b->set_timeout);
	free(b->set_nestloop);
	free(b->cursor);
	free(b->upper);
	free(b);
}

/* ------------------------------------------------------ the fragments */

/* Whether N is "<table>.<key> OP $PARAM" with the key KEY. */
static int
backfill_is_bound(const PgQuery__Node *n, const char *key, const char *op,
    int param)
{
	const PgQuery__AExpr		*a;
	const PgQuery__ColumnRef	*cr;
	const PgQuery__Node		*last;

	if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_A_EXPR)
		return (0);
	a = n->a_expr;
	if (a->kind != PG_QUERY__A__EXPR__KIND__AEXPR_OP || a->n_name != 1 ||
	    a->name[0]->node_case != PG_QUERY__NODE__NODE_STRING ||
	    strcmp(a->name[0]->string->sval, op) != 0)
		return (0);
	if (a->rexpr == NULL ||
	    a->rexpr->node_case != PG_QUERY__NODE__NODE_PARAM_REF ||
	    a->rexpr->param_ref->number != param)
		return (0);
	if (a->lexpr == NULL ||
	    a->lexpr->node_case != PG_QUERY__NODE__NODE_COLUMN_REF)
		return (0);
	cr = a->lexpr->column_ref;
	if (cr->n_fields < 2)
		return (0);
	last = cr->fields[cr->n_fields - 1];
	return (last->node_case == PG_QUERY__NODE__NODE_STRING &&
	    strcmp(last->string->sval, key) == 0);
}

/*
 * Prove on the parse tree of SQL, a batch's UPDATE, that it is one
 * statement whose WHERE begins with the key bounds, every other condition
 * ANDed after them (NBOUNDS 1: key <= $1; 2: key > $1 AND key <= $2):
 * whatever the fragments hold, no row outside the batch is touched.
 */
static int
backfill_bounded(const char *sql, const char *key, int nbounds,
    char **cause)
{
	struct sql_script		*s;
	const PgQuery__UpdateStmt	*u;
	const PgQuery__Node		*w, *const *args;
	const PgQuery__Node		*one[1];
	size_t				 nargs;
	int				 ok = 0;

	s = sql_parse(sql);
	if (s->nerrors > 0 || s->nstmts != 1 ||
	    s->stmts[0].node->node_case != PG_QUERY__NODE__NODE_UPDATE_STMT) {
		*cause = xstrdup("the batch statement does not parse as one "
		    "UPDATE");
		sql_free(s);
		return (-1);
	}
	u = s->stmts[0].node->update_stmt;
	if ((w = u->where_clause) != NULL &&
	    w->node_case == PG_QUERY__NODE__NODE_BOOL_EXPR &&
	    w->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR) {
		args = (const PgQuery__Node *const *)w->bool_expr->args;
		nargs = w->bool_expr->n_args;
	} else {
		one[0] = w;
		args = one;
		nargs = w != NULL;
	}
	if (nbounds == 1)
		ok = nargs >= 1 && backfill_is_bound(args[0], key, "<=", 1);
	else {
		ok = nargs >= 2 && backfill_is_bound(args[0], key, ">", 1) &&
		    backfill_is_bound(args[1], key, "<=", 2);
	}
	sql_free(s);
	if (!ok) {
		*cause = xstrdup("the batch statement's WHERE does not start "
		    "with the key bounds");
		return (-1);
	}
	return (0);
}

static int
backfill_check_bounds(const struct backfill *b, char **cause)
{
	if (backfill_bounded(b->sql_update_first, b->bf->key, 1, cause) != 0 ||
	    backfill_bounded(b->sql_update, b->bf->key, 2, cause) != 0)
		return (-1);
	return (0);
}

int
backfill_check_fragments(const struct plan_backfill *bf, char **cause)
{
	static const struct {
		const char		*what;
		enum sql_fragment	 kind;
		size_t			 off;
	} parts[] = {
		{ "set", SQL_FRAGMENT_SET, offsetof(struct plan_backfill, set) },
		{ "from", SQL_FRAGMENT_FROM,
		    offsetof(struct plan_backfill, from) },
		{ "where", SQL_FRAGMENT_WHERE,
		    offsetof(struct plan_backfill, where) }
	};
	struct backfill	*b;
	const char	*text;
	char		*m;
	size_t		 i;
	int		 off, rc;

	*cause = NULL;
	if (bf->table == NULL || bf->key == NULL || bf->set == NULL) {
		*cause = xstrdup("backfill: table, key and set are required");
		return (-1);
	}
	for (i = 0; i < nitems(parts); i++) {
		text = *(char *const *)((const char *)bf + parts[i].off);
		if (text == NULL ||
		    sql_check_fragment(parts[i].kind, text, &m, &off) == 0)
			continue;
		*cause = xasprintf("backfill %s (at byte %d): %s",
		    parts[i].what, off, m);
		free(m);
		return (-1);
	}
	b = backfill_new(bf, NULL, NULL, NULL);
	rc = backfill_check_bounds(b, cause);
	backfill_free(b);
	return (rc);
}

int
backfill_explain(struct backfill *b, struct conn *c, struct conn_error *err)
{
	const char	*params[1] = { "1" };
	char		*first = NULL, *sql, *cause = NULL;
	PGresult	*res;

	if (backfill_check_bounds(b, &cause) != 0) {
		err->message = cause;
		return (-1);
	}
	/* Bounded by the first key (NULL on an empty table: still parsed,
	 * analysed and planned). */
	if ((res = conn_exec(c, b->sql_bound_first, 1, params, err)) == NULL)
		return (-1);
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		first = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	params[0] = first;
	sql = xasprintf("EXPLAIN %s", b->sql_update_first);
	res = conn_exec(c, sql, 1, params, err);
	free(sql);
	free(first);
	if (res == NULL)
		return (-1);
	PQclear(res);
	return (0);
}

/* ------------------------------------------------------- the estimates */

/* The planner's row estimate of an EXPLAIN (FORMAT JSON) on C; -1. */
static int64_t
backfill_explain_rows(struct conn *c, const char *sql, const char *param)
{
	struct conn_error	 err = { 0 };
	const char		*params[1];
	PGresult		*res;
	double			 rows = -1;

	params[0] = param;
	res = conn_exec(c, sql, param != NULL ? 1 : 0, params, &err);
	if (res == NULL) {
		conn_error_clear(&err);
		return (-1);
	}
	if (PQntuples(res) > 0)
		rows = backfill_json_first(PQgetvalue(res, 0, 0), "Plan Rows");
	PQclear(res);
	return (rows < 0 ? -1 : (int64_t)rows);
}

/*
 * Decide whether batches may force index nested loops: EXPLAIN the first
 * max_rows keys' batch (the largest the controller may ask for) with hash
 * and merge joins off, in a transaction on C that is rolled back.  Any
 * failure leaves the planner's choice, with a note saying why.
 */
static void
backfill_plan_check(struct backfill *b, struct conn *c)
{
	static const char *const	 off[] = { "BEGIN",
	    "SET LOCAL enable_hashjoin = off",
	    "SET LOCAL enable_mergejoin = off", NULL };
	struct conn_error		 err = { 0 };
	const char			*params[1];
	char				 n[32], *upper = NULL, *sql;
	PGresult			*res;
	int				 i, safe = 0;

	if (b->bf->from == NULL) {
		snprintf(b->plan_note, sizeof b->plan_note, "no FROM: the "
		    "planner's plan");
		return;
	}
	snprintf(n, sizeof n, "%ld", b->bf->max_rows > 0 ? b->bf->max_rows :
	    (long)b->batch_rows);
	params[0] = n;
	if ((res = conn_exec(c, b->sql_bound_first, 1, params, &err)) == NULL)
		goto fail;
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		upper = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (upper == NULL) {
		snprintf(b->plan_note, sizeof b->plan_note, "empty table: the "
		    "planner's plan");
		return;
	}
	for (i = 0; off[i] != NULL; i++)
		if (conn_command(c, off[i], 0, NULL, &err) != 0)
			goto fail;
	sql = xasprintf("EXPLAIN (FORMAT JSON) %s", b->sql_update_first);
	params[0] = upper;
	res = conn_exec(c, sql, 1, params, &err);
	free(sql);
	if (res != NULL && PQntuples(res) > 0)
		safe = backfill_nestloop_safe(PQgetvalue(res, 0, 0),
		    b->relname);
	PQclear(res);
	conn_command(c, "ROLLBACK", 0, NULL, NULL);
	free(upper);
	upper = NULL;
	if (err.message != NULL)
		goto fail;
	if (safe) {
		b->nestloop_ok = 1;
		b->probes = 0;
		snprintf(b->plan_note, sizeof b->plan_note, "comparing index "
		    "nested loops with the planner's join");
	} else
		snprintf(b->plan_note, sizeof b->plan_note, "the planner's "
		    "plan: no index path for every FROM relation");
	return;

fail:
	free(upper);
	snprintf(b->plan_note, sizeof b->plan_note, "the planner's plan "
	    "(plan check failed: %s)", err.message != NULL ? err.message :
	    "?");
	conn_error_clear(&err);
}

static void	backfill_key_range(struct backfill *, struct conn *);

int
backfill_estimate(struct backfill *b, struct conn *c, char **cause)
{
	static const char	 sql[] =
	    "SELECT greatest(reltuples, 0)::bigint FROM pg_class"
	    " WHERE oid = to_regclass($1)";
	const char		*params[1];
	struct conn_error	 err = { 0 };
	PGresult		*res;

	params[0] = b->table_q;
	if ((res = conn_exec(c, sql, 1, params, &err)) == NULL) {
		*cause = conn_error_format(&err);
		conn_error_clear(&err);
		return (-1);
	}
	if (PQntuples(res) > 0)
		b->total_est = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	backfill_key_range(b, c);
	/* Never analysed (reltuples -1, shown as 0): the key range, for
	 * integer keys, until the first batches give their density. */
	if (b->total_est <= 0 && b->int_keys)
		b->total_est = b->kmax - b->kmin + 1;
	backfill_plan_check(b, c);
	return (0);
}

void
backfill_set_estimate(struct backfill *b, int64_t keys)
{
	b->total_est = keys > 0 ? keys : 0;
}

void
backfill_resume(struct backfill *b, const char *cursor, int64_t rows,
    int64_t batches)
{
	free(b->cursor);
	b->cursor = cursor != NULL ? xstrdup(cursor) : NULL;
	b->rows_done = rows;
	b->batches = batches;
	/* Keys covered before the restart are not journaled: the planner's
	 * estimate of the keys up to the cursor replaces this at the first
	 * throttle check; rows are a floor meanwhile. */
	b->keys_done = rows;
	b->need_position = cursor != NULL;
	b->estimate_at = -1;
}

/* TEXT as a whole int64, or 0. */
static int
backfill_int(const char *text, int64_t *v)
{
	char	*end;

	if (text == NULL || *text == '\0')
		return (0);
	errno = 0;
	*v = strtoll(text, &end, 10);
	return (errno == 0 && *end == '\0');
}

/*
 * Integer keys: the ends of the key range (index endpoint lookups, cheap).
 * Keys after the cursor are then estimated from the density of the keys
 * already done, which the planner's estimate is not: it grows with the
 * dead rows the backfill itself leaves, until the next ANALYZE.
 */
static void
backfill_key_range(struct backfill *b, struct conn *c)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;

	if ((res = conn_exec(c, b->sql_key_range, 0, NULL, &err)) == NULL) {
		conn_error_clear(&err);
		b->int_keys = 0;
		return;
	}
	b->int_keys = PQntuples(res) == 1 &&
	    backfill_int(PQgetvalue(res, 0, 0), &b->kmin) &&
	    backfill_int(PQgetvalue(res, 0, 1), &b->kmax) && b->kmax >= b->kmin;
	PQclear(res);
}

/* Refresh the estimates of the keys before and after the cursor, on MON,
 * when due. */
static void
backfill_reestimate(struct backfill *b, struct conn *mon, int64_t now)
{
	int64_t	n, cur;

	if (b->estimate_at >= 0 && now < b->estimate_at && !b->need_position)
		return;
	b->estimate_at = now + BACKFILL_ESTIMATE_MS;
	/* After a resume: keys before the cursor.  Integer keys take the
	 * rows done as that count (their density then sizes what is left);
	 * the planner's count would grow with the dead rows already left. */
	if (b->need_position) {
		b->need_position = 0;
		if (!b->int_keys) {
			n = backfill_explain_rows(mon, b->sql_keys_before,
			    b->cursor);
			if (n > b->keys_done)
				b->keys_done = n;
		}
	}
	if (b->int_keys && b->cursor != NULL &&
	    backfill_int(b->cursor, &cur) && cur >= b->kmin) {
		backfill_key_range(b, mon);
		if (b->int_keys && b->kmax >= cur) {
			b->left_est = (int64_t)((double)(b->kmax - cur) *
			    (double)b->keys_done / (double)(cur - b->kmin + 1));
			return;
		}
	}
	if (b->cursor != NULL)
		n = backfill_explain_rows(mon, b->sql_keys_after, b->cursor);
	else
		n = backfill_explain_rows(mon, b->sql_keys_all, NULL);
	if (n >= 0)
		b->left_est = n;
}

/* ---------------------------------------------------------- throttling */

/* Replica replay lag (pg_stat_replication, 10+; NULL lag when caught up). */
static const char backfill_sql_lag[] =
    "SELECT count(*), coalesce(max(extract(epoch FROM replay_lag) * 1000),"
    " 0)::bigint FROM pg_stat_replication";

/*
 * Sessions waiting on locks held by backend $1 and the longest wait.
 * PostgreSQL 14+: pg_locks.waitstart (NULL for a moment after the wait
 * starts: the statement's start stands in).
 */
static const char backfill_sql_blocked14[] =
    "SELECT count(DISTINCT a.pid), coalesce(max(extract(epoch FROM"
    " clock_timestamp() - coalesce(l.waitstart, a.query_start)) * 1000),"
    " 0)::bigint FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid"
    " AND NOT l.granted WHERE $1::int = ANY (pg_blocking_pids(a.pid))";
/* Before 14: the waiting statement's start. */
static const char backfill_sql_blocked[] =
    "SELECT count(*), coalesce(max(extract(epoch FROM clock_timestamp() -"
    " a.query_start) * 1000), 0)::bigint FROM pg_stat_activity a"
    " WHERE $1::int = ANY (pg_blocking_pids(a.pid))";

static void
backfill_reason(struct backfill *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
backfill_reason(struct backfill *b, const char *fmt, ...)
{
	va_list	ap;

	if (b->check_has_reason)
		return;	/* the first reason found is the one shown */
	va_start(ap, fmt);
	vsnprintf(b->check_reason, sizeof b->check_reason, fmt, ap);
	va_end(ap);
	b->check_has_reason = 1;
}

/* throttle_sql's statement_timeout: it runs between every two batches. */
#define BACKFILL_THROTTLE_TIMEOUT_MS	2000

/* The checks on MON; sets check_hold and check_reason.  A check that
 * cannot run does not hold; it is named when nothing else is. */
static void
backfill_check(struct backfill *b, struct conn *mon)
{
	const struct plan_backfill	*bf = b->bf;
	struct conn_error		 err = { 0 };
	PGresult			*res;
	int64_t				 lag;
	char				 off[200];
	int				 n;

	b->check_hold = 0;
	b->check_has_reason = 0;
	off[0] = '\0';
	if (bf->throttle_sql != NULL) {
		if ((res = conn_exec_read_only(mon, bf->throttle_sql,
		    BACKFILL_THROTTLE_TIMEOUT_MS, &err)) == NULL) {
			snprintf(off, sizeof off, "throttle_sql check off: %s",
			    err.message != NULL ? err.message : "failed");
			conn_error_clear(&err);
		} else {
			if (PQntuples(res) > 0 && PQnfields(res) > 0 &&
			    strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
				b->check_hold = 1;
				backfill_reason(b, "throttle_sql is true");
			}
			PQclear(res);
		}
	}
	if (bf->max_replica_lag_ms > 0) {
		if ((res = conn_exec(mon, backfill_sql_lag, 0, NULL,
		    &err)) == NULL) {
			if (off[0] == '\0')
				snprintf(off, sizeof off, "replica lag check "
				    "off: %s", err.message != NULL ?
				    err.message : "failed");
			conn_error_clear(&err);
		} else {
			n = PQntuples(res) > 0 ? atoi(PQgetvalue(res, 0, 0)) :
			    0;
			lag = n > 0 ? strtoll(PQgetvalue(res, 0, 1), NULL,
			    10) : 0;
			PQclear(res);
			if (lag > bf->max_replica_lag_ms) {
				b->check_hold = 1;
				backfill_reason(b, "replica lag %.1fs > %.1fs",
				    (double)lag / 1000.0,
				    (double)bf->max_replica_lag_ms / 1000.0);
			}
		}
	}
	if (!b->check_hold && off[0] != '\0')
		backfill_reason(b, "%s", off);
}

int
backfill_throttle(struct backfill *b, struct conn *mon, const char **reason)
{
	int64_t	now = backfill_now(b);

	b->throttle = NULL;
	if (mon != NULL)
		backfill_reestimate(b, mon, now);
	if (b->blocked_until >= 0 && now < b->blocked_until) {
		b->held = 1;
		b->throttle = b->blocked_reason;
		*reason = b->throttle;
		return (1);
	}
	b->blocked_until = -1;
	if (mon == NULL) {
		*reason = NULL;
		return (0);
	}
	/* Between batches of ~100 ms the checks would cost a round trip or
	 * two each time; a quarter second is soon enough to react, and while
	 * holding the engine only asks every 500 ms anyway. */
	if (b->checked_at < 0 || b->check_hold ||
	    now - b->checked_at >= BACKFILL_CHECK_MS) {
		b->checked_at = now;
		backfill_check(b, mon);
	}
	if (b->check_hold)
		b->held = 1;
	b->throttle = b->check_has_reason ? b->check_reason : NULL;
	*reason = b->throttle;
	return (b->check_hold);
}

void
backfill_sample(struct backfill *b, struct conn *mon)
{
	struct conn_error	 err = { 0 };
	const char		*params[1];
	char			 pid[16];
	PGresult		*res;
	int64_t			 ms;
	int			 n;

	if (mon == NULL || b->backend_pid == 0 || b->bf->max_blocked_ms <= 0)
		return;
	snprintf(pid, sizeof pid, "%d", b->backend_pid);
	params[0] = pid;
	res = conn_exec(mon, conn_server_version(mon) >= 140000 ?
	    backfill_sql_blocked14 : backfill_sql_blocked, 1, params, &err);
	if (res == NULL) {
		conn_error_clear(&err);
		return;
	}
	n = PQntuples(res) > 0 ? atoi(PQgetvalue(res, 0, 0)) : 0;
	ms = n > 0 ? strtoll(PQgetvalue(res, 0, 1), NULL, 10) : 0;
	PQclear(res);
	if (ms > b->bf->max_blocked_ms && ms >= b->blocked_ms) {
		b->blocked_n = n;
		b->blocked_ms = ms;
	}
}

/* After a batch (done or failed) during which sessions waited too long on
 * its locks: hold while their queue drains, and halve the size. */
static void
backfill_blocked_after(struct backfill *b)
{
	int64_t	n;

	if (b->blocked_ms <= 0)
		return;
	snprintf(b->blocked_reason, sizeof b->blocked_reason, "%d session%s "
	    "waited %.1fs on the backfill's locks", b->blocked_n,
	    b->blocked_n == 1 ? "" : "s", (double)b->blocked_ms / 1000.0);
	b->blocked_until = backfill_now(b) + b->bf->max_blocked_ms;
	n = backfill_clamp(b, b->cur_rows / 2);
	if (n < b->batch_rows)
		b->batch_rows = n;
	b->ceiling = b->batch_rows;
	b->blocked_n = 0;
	b->blocked_ms = 0;
}

/* ------------------------------------------------------------- batches */

const char *
backfill_bound_sql(struct backfill *b, const char *const **params,
    int *nparams)
{
	b->cur_rows = b->batch_rows;
	snprintf(b->nbuf, sizeof b->nbuf, "%lld", (long long)b->cur_rows);
	if (b->cursor == NULL) {
		b->params[0] = b->nbuf;
		*nparams = 1;
	} else {
		b->params[0] = b->cursor;
		b->params[1] = b->nbuf;
		*nparams = 2;
	}
	*params = b->params;
	return (b->cursor == NULL ? b->sql_bound_first : b->sql_bound);
}

void
backfill_set_upper(struct backfill *b, const char *upper)
{
	free(b->upper);
	b->upper = upper != NULL ? xstrdup(upper) : NULL;
	if (upper == NULL) {
		/* The key range ended: what is done is the total. */
		b->finished = 1;
		b->left_est = 0;
		b->total_est = b->keys_done;
		return;
	}
	if (!b->nestloop_ok)
		b->variant = BACKFILL_PLANNER;
	else if (b->probes >= 0)
		b->variant = b->probes % 2 == 0 ? BACKFILL_NESTLOOP :
		    BACKFILL_PLANNER;
	else
		b->variant = b->chosen;
}

/* One statement string (the engine sends it by the simple protocol, so
 * several statements cost one round trip, and the engine's job has room
 * for few statements). */
const char *const *
backfill_batch_settings(struct backfill *b)
{
	b->settings[0] = b->variant == BACKFILL_NESTLOOP ? b->set_nestloop :
	    b->set_timeout;
	b->settings[1] = NULL;
	return (b->settings);
}

const char *
backfill_batch_sql(struct backfill *b, const char *const **params,
    int *nparams)
{
	if (b->cursor == NULL) {
		b->params[0] = b->upper;
		*nparams = 1;
	} else {
		b->params[0] = b->cursor;
		b->params[1] = b->upper;
		*nparams = 2;
	}
	*params = b->params;
	return (b->cursor == NULL ? b->sql_update_first : b->sql_update);
}

const char *
backfill_upper(struct backfill *b)
{
	return (b->upper);
}

static int
backfill_dcmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
backfill_median(const double *v, int n)
{
	double	s[BACKFILL_PROBES];

	if (n <= 0)
		return (0);
	memcpy(s, v, (size_t)n * sizeof *s);
	qsort(s, (size_t)n, sizeof *s, backfill_dcmp);
	return (n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0);
}

enum backfill_variant
backfill_choose(const double *nl, int nnl, const double *pl, int npl,
    double *nl_ms, double *pl_ms)
{
	*nl_ms = backfill_median(nl, nnl);
	*pl_ms = backfill_median(pl, npl);
	/* Medians: one batch slowed by a checkpoint, a vacuum or a cold
	 * cache does not decide.  The planner's join must win clearly: at
	 * small sizes it is often the same nested loop, and where it is not
	 * (a merge or hash join reading the whole FROM table), its cost per
	 * key grows with the table while the index lookups' does not. */
	if (*pl_ms > 0 && *nl_ms > 0 && *pl_ms < BACKFILL_PREFER_NL * *nl_ms)
		return (BACKFILL_PLANNER);
	return (BACKFILL_NESTLOOP);
}

/* The comparison of the two plans: record, and decide after the last. */
static void
backfill_probe(struct backfill *b, double cost)
{
	enum backfill_variant	 v = b->variant;
	double			 nl, pl;

	if (b->probes < 0)
		return;
	/* The phase's first batch reads a cold cache: not a sample. */
	if (b->probes++ > 0 && b->nsample[v] < BACKFILL_PROBES)
		b->sample[v][b->nsample[v]++] = cost;
	if (b->probes <= BACKFILL_PROBES)
		return;
	b->probes = -1;
	b->chosen = backfill_choose(b->sample[BACKFILL_NESTLOOP],
	    b->nsample[BACKFILL_NESTLOOP], b->sample[BACKFILL_PLANNER],
	    b->nsample[BACKFILL_PLANNER], &nl, &pl);
	if (b->chosen == BACKFILL_PLANNER)
		snprintf(b->plan_note, sizeof b->plan_note, "the planner's "
		    "join: %.4f ms/key against %.4f with index nested loops "
		    "(medians)", pl, nl);
	else
		snprintf(b->plan_note, sizeof b->plan_note, "index nested "
		    "loops: %.4f ms/key against %.4f with the planner's join "
		    "(medians)", nl, pl);
}

/* The next batch's size from the cost per key learnt so far. */
static void
backfill_steer(struct backfill *b, double cost)
{
	enum backfill_variant	 v = b->variant, next;
	double			 c, want;
	int64_t			 n;

	/* Quick to rise, slow to fall: one slow batch (a checkpoint, a
	 * vacuum) shrinks the next at once; a fast one grows it gently. */
	if (b->cost[v] <= 0)
		b->cost[v] = cost;
	else
		b->cost[v] += (cost > b->cost[v] ? 0.5 : 0.2) *
		    (cost - b->cost[v]);
	next = b->probes >= 0 ? (b->probes % 2 == 0 ? BACKFILL_NESTLOOP :
	    BACKFILL_PLANNER) : b->nestloop_ok ? b->chosen : BACKFILL_PLANNER;
	c = b->cost[next] > 0 ? b->cost[next] : b->cost[v];
	want = (double)backfill_target(b) / c;
	if (want > 2.0 * (double)b->cur_rows)
		want = 2.0 * (double)b->cur_rows;
	if (want < 0.5 * (double)b->cur_rows)
		want = 0.5 * (double)b->cur_rows;
	n = (int64_t)want;
	if (b->ceiling > 0) {
		if (n > b->ceiling)
			n = b->ceiling;
		/* The ceiling left by a failure lifts by a tenth a batch. */
		b->ceiling += b->ceiling / 10 + 1;
		if (b->bf->max_rows > 0 && b->ceiling >= b->bf->max_rows)
			b->ceiling = 0;
	}
	b->batch_rows = backfill_clamp(b, n);
}

static void
backfill_rate(struct backfill *b, int64_t rows, int64_t keys,
    int64_t elapsed_ms, int64_t now)
{
	double	span, d, gap, pause = b->bf->pause_ms > 0 ? b->bf->pause_ms : 0;

	/* A batch's share of the wall clock: from the end of the previous
	 * batch (bound query and round trips included), unless batches were
	 * held or paused meanwhile: then the usual gap stands in. */
	if (b->last_done_ms < 0) {
		span = (double)elapsed_ms + pause;
	} else {
		gap = (double)(now - b->last_done_ms);
		if (b->held || gap > (double)elapsed_ms + pause +
		    BACKFILL_GAP_SLACK_MS || gap < (double)elapsed_ms)
			span = (double)elapsed_ms + (b->overhead_ms > 0 ?
			    b->overhead_ms : pause);
		else {
			span = gap;
			b->overhead_ms = b->overhead_ms <= 0 ?
			    gap - (double)elapsed_ms : b->overhead_ms +
			    0.2 * (gap - (double)elapsed_ms - b->overhead_ms);
		}
	}
	b->held = 0;
	b->last_done_ms = now;
	if (span < 1)
		span = 1;
	/* Rows and time, each summed with weights decaying over ~5 s of
	 * batches: a smoothed rate that does not lean on the first (cold)
	 * batch the way a plain EMA seeded with it would. */
	d = exp(-span / BACKFILL_RATE_TAU_MS);
	b->rate_rows = b->rate_rows * d + (double)rows;
	b->rate_keys = b->rate_keys * d + (double)keys;
	b->rate_ms = b->rate_ms * d + span;
	b->rows_rate = b->rate_rows * 1000.0 / b->rate_ms;
	b->keys_rate = b->rate_keys * 1000.0 / b->rate_ms;
}

void
backfill_batch_done(struct backfill *b, int64_t rows, int64_t elapsed_ms)
{
	int64_t	now = backfill_now(b), keys = b->cur_rows;
	double	cost;

	free(b->cursor);
	b->cursor = b->upper;
	b->upper = NULL;
	b->rows_done += rows;
	b->keys_done += keys;
	if (b->left_est >= 0)
		b->left_est = b->left_est > keys ? b->left_est - keys : 0;
	b->batches++;
	/* The first batch gives the keys' density: estimate again at once
	 * rather than show the planner's guess for the next 5 s. */
	if (b->batches == 1)
		b->estimate_at = -1;
	b->fails = 0;
	b->recent[b->recent_next] = elapsed_ms;
	b->recent_next = (b->recent_next + 1) % BACKFILL_RECENT;
	if (b->nrecent < BACKFILL_RECENT)
		b->nrecent++;
	b->window[b->window_next] = elapsed_ms;
	b->window_next = (b->window_next + 1) % BACKFILL_WINDOW;
	if (b->nwindow < BACKFILL_WINDOW)
		b->nwindow++;
	if (elapsed_ms > b->max_ms)
		b->max_ms = elapsed_ms;
	backfill_rate(b, rows, keys, elapsed_ms, now);
	cost = (double)(elapsed_ms > 0 ? elapsed_ms : 1) / (double)(keys > 0 ?
	    keys : 1);
	backfill_probe(b, cost);
	backfill_steer(b, cost);
	backfill_blocked_after(b);
}

int
backfill_batch_failed(struct backfill *b, const char *sqlstate)
{
	int64_t	n;

	free(b->upper);
	b->upper = NULL;
	backfill_blocked_after(b);
	if (sqlstate == NULL || (strcmp(sqlstate, CONN_QUERY_CANCELED) != 0 &&
	    strcmp(sqlstate, CONN_DEADLOCK) != 0 &&
	    strcmp(sqlstate, CONN_LOCK_TIMEOUT) != 0))
		return (0);
	if (++b->fails > BACKFILL_MAX_RETRIES)
		return (0);
	n = backfill_clamp(b, b->cur_rows / 2);
	if (n < b->batch_rows)
		b->batch_rows = n;
	b->ceiling = b->batch_rows;
	/* The time lost is not a cost per key: a timed-out batch only says
	 * the size was too big. */
	b->held = 1;
	return (1);
}

/* ------------------------------------------------------------ progress */

static int
backfill_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Nearest-rank percentile P (0..1] of SORTED[N]. */
static int64_t
backfill_percentile(const int64_t *sorted, int n, double p)
{
	int	i;

	if (n == 0)
		return (0);
	i = (int)ceil(p * (double)n) - 1;
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return (sorted[i]);
}

void
backfill_progress(struct backfill *b, struct backfill_progress *p)
{
	int64_t	sorted[BACKFILL_WINDOW], total;
	int	i;

	memset(p, 0, sizeof *p);
	p->rows_done = b->rows_done;
	p->keys_done = b->keys_done;
	/* The planner's estimate, corrected: what is done plus what it
	 * expects after the cursor; never below what is done. */
	total = b->left_est >= 0 ? b->keys_done + b->left_est : b->total_est;
	if (b->finished || total < b->keys_done)
		total = b->keys_done;
	p->total_est = total;
	p->percent = total > 0 ? 100.0 * (double)b->keys_done / (double)total :
	    0;
	/* 100% only when the key range has ended. */
	if (b->finished)
		p->percent = 100.0;
	else if (p->percent > 99.9)
		p->percent = 99.9;
	p->batches = b->batches;
	p->batch_rows = b->batch_rows;
	p->rows_per_s = b->rows_rate;
	p->eta_ms = -1;
	if (b->finished)
		p->eta_ms = 0;
	else if (b->keys_rate > 0)
		p->eta_ms = (int64_t)((double)(total - b->keys_done) * 1000.0 /
		    b->keys_rate);
	memcpy(sorted, b->window, (size_t)b->nwindow * sizeof sorted[0]);
	qsort(sorted, (size_t)b->nwindow, sizeof sorted[0], backfill_cmp);
	p->p50_ms = backfill_percentile(sorted, b->nwindow, 0.50);
	p->p95_ms = backfill_percentile(sorted, b->nwindow, 0.95);
	p->p99_ms = backfill_percentile(sorted, b->nwindow, 0.99);
	p->max_ms = b->max_ms;
	p->nrecent = b->nrecent;
	for (i = 0; i < b->nrecent; i++)
		p->recent_ms[i] = b->recent[(b->recent_next - b->nrecent + i +
		    BACKFILL_RECENT) % BACKFILL_RECENT];
	p->throttle = b->throttle;
	p->cursor = b->cursor;
	p->plan = b->plan_note[0] != '\0' ? b->plan_note : NULL;
	p->ms_per_key = b->cost[b->variant];
}

/*
 * resolve: the plan's names against a model of the schema, step by step.
 * See resolve.h for what is modelled and what is left alone.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>
#include <pg_query/pg_query.pb-c.h>

#include "plan.h"
#include "resolve.h"
#include "sql.h"
#include "util.h"

typedef PgQuery__Node Node;

/* One relation of the model. */
struct resolve_rel {
	char	 *schema;	/* as first written; NULL: unqualified */
	char	 *nsp;		/* where it lives; NULL: not known */
	char	 *name;		/* its name now (after RENAME TO) */
	char	 *orig;		/* its catalog name, for renamed ones */
	int	  exists;
	int	  catalog;	/* it is the catalog's: privileges apply */
	int	  opaque;	/* columns not known: any is accepted */
	int	  cons_known;	/* every constraint name is known */
	char	 *owner;
	int	  privs;
	int	  reported;	/* privileges already reported missing */
	char	**cols;
	size_t	  ncols;
	char	**cons;
	size_t	  ncons;
};

/* A schema whose CREATE privilege was asked for (and reported when
 * missing): "" for the current schema. */
struct resolve_schema {
	char	*name;
};

struct resolve_ctx {
	const struct plan		*p;
	const struct resolve_catalog	*cat;
	struct resolve_report		*r;
	struct resolve_rel		**rels;
	size_t				 nrels;
	struct resolve_schema		*schemas;
	size_t				 nschemas;

	/* Where the statement being resolved comes from. */
	char				*where;	/* "phase 'p' step 's'" */
	const char			*text;	/* what was parsed */
	int				 prefix; /* bytes bellows put before the
						    plan's value in TEXT */
	const struct plan_pos		*pos;	/* of the value; NULL: LINE */
	int				 line;
	int				 stmt_off; /* for nodes without a location */
	int				 apply;	/* change the model */
	int				 blind;	/* a step did what the model cannot
						   follow (DO, CALL): names are
						   no longer reported */

	char				*cause;	/* a lookup failed */
};

/* A FROM item as a query sees it. */
struct resolve_item {
	const char		*alias;	/* the name it is known by */
	struct resolve_rel	*rel;	/* NULL: columns not known */
};

struct resolve_scope {
	struct resolve_item		*items;
	size_t				 n;
	int				 open;	/* an item that cannot be resolved */
	const struct resolve_scope	*parent;
};

static void	resolve_stmt(struct resolve_ctx *, const Node *);
static void	resolve_where(struct resolve_ctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	resolve_select(struct resolve_ctx *,
		    const PgQuery__SelectStmt *, const struct resolve_scope *);
static void	resolve_expr(struct resolve_ctx *, const struct resolve_scope *,
		    const Node *);

/* ------------------------------------------------------------- findings */

static const char *
resolve_str(const Node *n)
{
	if (n != NULL && n->node_case == PG_QUERY__NODE__NODE_STRING &&
	    n->string->sval != NULL)
		return (n->string->sval);
	return (NULL);
}

/* protobuf-c gives "" for an absent string. */
static const char *
resolve_opt(const char *s)
{
	return (s != NULL && *s != '\0' ? s : NULL);
}

static void __attribute__((format(printf, 5, 6)))
resolve_add(struct resolve_ctx *ctx, enum resolve_kind kind,
    enum resolve_severity sev, int location, const char *fmt, ...)
{
	struct resolve_finding	*f;
	const char		*file = ctx->p->file;
	va_list			 ap;
	char			*msg;
	int			 line = ctx->line, col, off;

	if (kind == RESOLVE_NAME && ctx->blind)
		return;
	if (ctx->pos != NULL && ctx->pos->file != NULL)
		file = ctx->pos->file;
	off = location >= 0 ? location : ctx->stmt_off;
	if (ctx->pos != NULL && ctx->pos->line > 0 && ctx->text != NULL &&
	    off >= ctx->prefix)
		plan_pos_at(ctx->pos, ctx->text + ctx->prefix,
		    off - ctx->prefix, &line, &col);
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	ctx->r->findings = xreallocarray(ctx->r->findings, ctx->r->n + 1,
	    sizeof *ctx->r->findings);
	f = &ctx->r->findings[ctx->r->n++];
	f->kind = kind;
	f->severity = sev;
	f->text = xasprintf("%s:%d: %s: %s", file, line, ctx->where, msg);
	free(msg);
	if (sev == RESOLVE_ERROR)
		ctx->r->nerrors++;
	else
		ctx->r->nwarnings++;
}

void
resolve_report_free(struct resolve_report *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		free(r->findings[i].text);
	free(r->findings);
	memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------- model */

static void
resolve_strings_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
resolve_rel_free(struct resolve_rel *rel)
{
	free(rel->schema);
	free(rel->nsp);
	free(rel->name);
	free(rel->orig);
	free(rel->owner);
	resolve_strings_free(rel->cols, rel->ncols);
	resolve_strings_free(rel->cons, rel->ncons);
	free(rel);
}

void
resolve_relinfo_clear(struct resolve_relinfo *info)
{
	free(info->schema);
	free(info->name);
	free(info->owner);
	resolve_strings_free(info->cols, info->ncols);
	resolve_strings_free(info->cons, info->ncons);
	memset(info, 0, sizeof *info);
}

static int
resolve_same(const char *a, const char *b)
{
	return (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The index of S in V, or N. */
static size_t
resolve_index(char *const *v, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0)
			break;
	}
	return (i);
}

static void
resolve_push(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
}

static void
resolve_remove(char **v, size_t *n, size_t i)
{
	free(v[i]);
	memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof *v);
	(*n)--;
}

static int
resolve_has_col(const struct resolve_rel *rel, const char *col)
{
	static const char *const	 system[] = { "ctid", "xmin", "xmax",
	    "cmin", "cmax", "tableoid" };
	size_t				 i;

	if (rel->opaque)
		return (1);
	for (i = 0; i < nitems(system); i++) {
		if (strcmp(col, system[i]) == 0)
			return (1);
	}
	return (resolve_index(rel->cols, rel->ncols, col) < rel->ncols);
}

/* "orders", "app.orders", as the plan names it. */
static const char *
resolve_rel_name(const struct resolve_rel *rel, char *buf, size_t size)
{
	if (rel->schema != NULL)
		snprintf(buf, size, "%s.%s", rel->schema, rel->name);
	else
		snprintf(buf, size, "%s", rel->name);
	return (buf);
}

/* The model's relation for SCHEMA.NAME, an existing one before a dropped
 * or absent one; NULL when the model has none. */
static struct resolve_rel *
resolve_match(struct resolve_ctx *ctx, const char *schema, const char *name)
{
	struct resolve_rel	*rel, *absent = NULL;
	const char		*cur = ctx->cat->current_schema;
	size_t			 i;

	for (i = 0; i < ctx->nrels; i++) {
		rel = ctx->rels[i];
		if (strcmp(rel->name, name) != 0)
			continue;
		if (schema == NULL ? (rel->schema == NULL ||
		    resolve_same(rel->nsp, cur)) :
		    (resolve_same(rel->schema, schema) ||
		    resolve_same(rel->nsp, schema))) {
			if (rel->exists)
				return (rel);
			if (absent == NULL)
				absent = rel;
		}
	}
	return (absent);
}

static struct resolve_rel *
resolve_new(struct resolve_ctx *ctx, const char *schema, const char *name)
{
	struct resolve_rel	*rel;

	rel = xcalloc(1, sizeof *rel);
	rel->schema = schema != NULL ? xstrdup(schema) : NULL;
	rel->name = xstrdup(name);
	ctx->rels = xreallocarray(ctx->rels, ctx->nrels + 1, sizeof *ctx->rels);
	ctx->rels[ctx->nrels++] = rel;
	return (rel);
}

/*
 * The relation SCHEMA.NAME as the model stands: from the model, else from
 * the catalog (once; an absent one is remembered as absent).  NULL only
 * when the lookup failed (ctx->cause).
 */
static struct resolve_rel *
resolve_find(struct resolve_ctx *ctx, const char *schema, const char *name)
{
	struct resolve_relinfo	 info;
	struct resolve_rel	*rel;
	size_t			 i;
	int			 rc, gone;

	if ((rel = resolve_match(ctx, schema, name)) != NULL)
		return (rel);
	if (ctx->cause != NULL)
		return (NULL);
	memset(&info, 0, sizeof info);
	rc = ctx->cat->relation(ctx->cat->arg, schema, name, &info,
	    &ctx->cause);
	if (rc == -1)
		return (NULL);
	if (rc == 1) {
		/* The same catalog relation under another spelling
		 * (app.orders and orders), unless the plan renamed or
		 * dropped it: then this name no longer finds it. */
		for (i = 0; i < ctx->nrels; i++) {
			rel = ctx->rels[i];
			if (!rel->catalog || !resolve_same(rel->nsp,
			    info.schema) || !resolve_same(rel->orig, info.name))
				continue;
			if (!rel->exists || strcmp(rel->name, info.name) != 0)
				break;
			resolve_relinfo_clear(&info);
			return (rel);
		}
		gone = i < ctx->nrels;
		rel = resolve_new(ctx, schema, name);
		if (gone) {
			resolve_relinfo_clear(&info);
			return (rel);
		}
		rel->nsp = info.schema;
		rel->orig = info.name;
		rel->owner = info.owner;
		rel->privs = info.privs;
		rel->cols = info.cols;
		rel->ncols = info.ncols;
		rel->cons = info.cons;
		rel->ncons = info.ncons;
		rel->exists = 1;
		rel->catalog = 1;
		rel->cons_known = 1;
		return (rel);
	}
	return (resolve_new(ctx, schema, name));
}

/* The relation a RangeVar names, reporting it when it does not exist
 * (unless MISSING_OK).  NULL when it does not, or for a temporary table
 * (the model does not follow those). */
static struct resolve_rel *
resolve_rv(struct resolve_ctx *ctx, const PgQuery__RangeVar *rv,
    int missing_ok)
{
	struct resolve_rel	*rel;
	char			 buf[256];

	if (rv == NULL || resolve_opt(rv->relname) == NULL)
		return (NULL);
	if (rv->relpersistence != NULL && strcmp(rv->relpersistence, "t") == 0)
		return (NULL);
	rel = resolve_find(ctx, resolve_opt(rv->schemaname), rv->relname);
	if (rel == NULL || rel->exists)
		return (rel);
	if (!missing_ok)
		resolve_add(ctx, RESOLVE_NAME, RESOLVE_ERROR, rv->location,
		    "relation \"%s\" does not exist",
		    resolve_rel_name(rel, buf, sizeof buf));
	return (NULL);
}

/* ----------------------------------------------------------- privileges */

static const char *
resolve_priv_name(int priv)
{
	switch (priv) {
	case RESOLVE_SELECT:
		return ("SELECT");
	case RESOLVE_UPDATE:
		return ("UPDATE");
	case RESOLVE_INSERT:
		return ("INSERT");
	case RESOLVE_DELETE:
		return ("DELETE");
	case RESOLVE_REFERENCES:
		return ("REFERENCES");
	default:
		return ("ownership");
	}
}

/* The role must hold PRIV on REL for DOING ("ALTER TABLE"): report it
 * once per relation when it does not. */
static void
resolve_need(struct resolve_ctx *ctx, struct resolve_rel *rel, int priv,
    int location, const char *doing)
{
	char	buf[256];

	if (rel == NULL || !rel->catalog || (rel->privs & priv) ||
	    (rel->reported & priv))
		return;
	rel->reported |= priv;
	resolve_rel_name(rel, buf, sizeof buf);
	if (priv == RESOLVE_OWN)
		resolve_add(ctx, RESOLVE_PRIVILEGE, RESOLVE_ERROR, location,
		    "role \"%s\" does not own table \"%s\" (owner \"%s\"), "
		    "which %s needs: run as the owner or a member of it",
		    ctx->cat->role, buf, rel->owner != NULL ? rel->owner : "?",
		    doing);
	else
		resolve_add(ctx, RESOLVE_PRIVILEGE, RESOLVE_ERROR, location,
		    "role \"%s\" has no %s privilege on table \"%s\", which "
		    "%s needs", ctx->cat->role, resolve_priv_name(priv), buf,
		    doing);
}

/* The role must be able to create in SCHEMA (NULL: the current one). */
static void
resolve_need_create(struct resolve_ctx *ctx, const char *schema,
    int location, const char *doing)
{
	struct resolve_schema	*s;
	const char		*key = schema != NULL ? schema : "";
	size_t			 i;
	int			 rc;

	for (i = 0; i < ctx->nschemas; i++) {
		if (strcmp(ctx->schemas[i].name, key) == 0)
			return;
	}
	if (ctx->cause != NULL)
		return;
	if (schema == NULL && ctx->cat->current_schema == NULL) {
		rc = 0;
	} else if ((rc = ctx->cat->can_create(ctx->cat->arg, schema,
	    &ctx->cause)) == -1)
		return;
	ctx->schemas = xreallocarray(ctx->schemas, ctx->nschemas + 1,
	    sizeof *ctx->schemas);
	s = &ctx->schemas[ctx->nschemas++];
	s->name = xstrdup(key);
	if (rc)
		return;
	if (schema == NULL && ctx->cat->current_schema == NULL)
		resolve_add(ctx, RESOLVE_PRIVILEGE, RESOLVE_ERROR, location,
		    "no schema to create in for %s: search_path names no "
		    "existing schema", doing);
	else
		resolve_add(ctx, RESOLVE_PRIVILEGE, RESOLVE_ERROR, location,
		    "role \"%s\" has no CREATE privilege on schema \"%s\", "
		    "which %s needs", ctx->cat->role, schema != NULL ? schema :
		    ctx->cat->current_schema, doing);
}

/* ------------------------------------------------------------ columns */

/* Report column COL of REL missing unless it is there. */
static int
resolve_need_col(struct resolve_ctx *ctx, const struct resolve_rel *rel,
    const char *col, int location, const char *what)
{
	char	buf[256];

	if (rel == NULL || col == NULL || resolve_has_col(rel, col))
		return (1);
	resolve_add(ctx, RESOLVE_NAME, RESOLVE_ERROR, location,
	    "%s\"%s\" of relation \"%s\" does not exist", what, col,
	    resolve_rel_name(rel, buf, sizeof buf));
	return (0);
}

static void
resolve_need_con(struct resolve_ctx *ctx, const struct resolve_rel *rel,
    const char *con, int location)
{
	char	buf[256];

	if (rel == NULL || con == NULL || !rel->cons_known ||
	    resolve_index(rel->cons, rel->ncons, con) < rel->ncons)
		return;
	resolve_add(ctx, RESOLVE_NAME, RESOLVE_ERROR, location,
	    "constraint \"%s\" of relation \"%s\" does not exist", con,
	    resolve_rel_name(rel, buf, sizeof buf));
}

/* "orders", "users u": the items a query could have meant. */
static char *
resolve_scope_names(const struct resolve_scope *sc)
{
	struct buf	 b;
	const char	*name;
	size_t		 i;

	buf_init(&b);
	for (; sc != NULL; sc = sc->parent) {
		for (i = 0; i < sc->n; i++) {
			name = sc->items[i].rel->name;
			buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", name);
			if (strcmp(name, sc->items[i].alias) != 0)
				buf_printf(&b, " %s", sc->items[i].alias);
		}
	}
	return (buf_detach(&b));
}

/* The item known as ALIAS, innermost query first. */
static const struct resolve_item *
resolve_scope_item(const struct resolve_scope *sc, const char *alias)
{
	size_t	i;

	for (; sc != NULL; sc = sc->parent) {
		for (i = 0; i < sc->n; i++) {
			if (strcmp(sc->items[i].alias, alias) == 0)
				return (&sc->items[i]);
		}
	}
	return (NULL);
}

/* Whether some item of the scope may have column COL (or the scope
 * cannot tell). */
static int
resolve_scope_col(const struct resolve_scope *sc, const char *col)
{
	const struct resolve_item	*it;
	size_t				 i, n = 0;

	for (; sc != NULL; sc = sc->parent) {
		if (sc->open)
			return (1);
		for (i = 0; i < sc->n; i++) {
			it = &sc->items[i];
			if (it->rel == NULL || resolve_has_col(it->rel, col) ||
			    strcmp(it->alias, col) == 0)
				return (1);
			n++;
		}
	}
	/* No FROM at all: nothing to say the name is wrong against. */
	return (n == 0);
}

static int
resolve_scope_open(const struct resolve_scope *sc)
{
	for (; sc != NULL; sc = sc->parent) {
		if (sc->open)
			return (1);
	}
	return (0);
}

static void
resolve_colref(struct resolve_ctx *ctx, const struct resolve_scope *sc,
    const PgQuery__ColumnRef *cr)
{
	const struct resolve_item	*it;
	const char			*a, *c;
	char				*names, buf[256];

	if (cr->n_fields == 1) {
		if ((c = resolve_str(cr->fields[0])) == NULL ||
		    resolve_scope_col(sc, c))
			return;
		names = resolve_scope_names(sc);
		resolve_add(ctx, RESOLVE_NAME, RESOLVE_ERROR, cr->location,
		    "column \"%s\" does not exist (in %s)", c, names);
		free(names);
		return;
	}
	if (cr->n_fields != 2 || (a = resolve_str(cr->fields[0])) == NULL)
		return;
	c = resolve_str(cr->fields[1]);	/* NULL: a.* */
	if ((it = resolve_scope_item(sc, a)) != NULL) {
		if (it->rel == NULL || c == NULL || resolve_has_col(it->rel, c))
			return;
		resolve_rel_name(it->rel, buf, sizeof buf);
		if (strcmp(it->alias, it->rel->name) != 0)
			resolve_add(ctx, RESOLVE_NAME, RESOLVE_ERROR,
			    cr->location, "column \"%s\" of relation \"%s\" "
			    "(alias %s) does not exist", c, buf, it->alias);
		else
			resolve_add(ctx, RESOLVE_NAME, RESOLVE_ERROR,
			    cr->location, "column \"%s\" of relation \"%s\" "
			    "does not exist", c, buf);
		return;
	}
	/* A.B is also field B of a composite column A. */
	if (resolve_scope_open(sc) || resolve_scope_col(sc, a))
		return;
	names = resolve_scope_names(sc);
	resolve_add(ctx, RESOLVE_NAME, RESOLVE_ERROR, cr->location,
	    "missing FROM-clause entry for table \"%s\" (the query has %s)", a,
	    names);
	free(names);
}

struct resolve_walk {
	struct resolve_ctx		*ctx;
	const struct resolve_scope	*sc;
};

static enum sql_walk
resolve_expr_visit(const ProtobufCMessage *m, void *arg)
{
	struct resolve_walk		*w = arg;
	const PgQuery__SubLink		*sl;

	if (m->descriptor == &pg_query__column_ref__descriptor) {
		resolve_colref(w->ctx, w->sc, (const PgQuery__ColumnRef *)m);
		return (SQL_WALK_SKIP);
	}
	if (m->descriptor == &pg_query__sub_link__descriptor) {
		sl = (const PgQuery__SubLink *)m;
		resolve_expr(w->ctx, w->sc, sl->testexpr);
		if (sl->subselect != NULL && sl->subselect->node_case ==
		    PG_QUERY__NODE__NODE_SELECT_STMT)
			resolve_select(w->ctx, sl->subselect->select_stmt,
			    w->sc);
		return (SQL_WALK_SKIP);
	}
	/* A query below an expression other than a sublink: not ours. */
	if (m->descriptor == &pg_query__select_stmt__descriptor)
		return (SQL_WALK_SKIP);
	return (SQL_WALK_DESCEND);
}

static void
resolve_expr(struct resolve_ctx *ctx, const struct resolve_scope *sc,
    const Node *n)
{
	struct resolve_walk	w = { ctx, sc };

	if (n != NULL)
		sql_walk(&n->base, resolve_expr_visit, &w);
}

/* An expression over one relation (CHECK, index expression, USING). */
static void
resolve_expr_on(struct resolve_ctx *ctx, struct resolve_rel *rel,
    const Node *n)
{
	struct resolve_item	it;
	struct resolve_scope	sc;

	if (rel == NULL || n == NULL)
		return;
	it.alias = rel->name;
	it.rel = rel;
	memset(&sc, 0, sizeof sc);
	sc.items = &it;
	sc.n = 1;
	resolve_expr(ctx, &sc, n);
}

/* ------------------------------------------------------------- queries */

static void
resolve_scope_add(struct resolve_scope *sc, const char *alias,
    struct resolve_rel *rel)
{
	sc->items = xreallocarray(sc->items, sc->n + 1, sizeof *sc->items);
	sc->items[sc->n].alias = alias;
	sc->items[sc->n].rel = rel;
	sc->n++;
}

static const char *
resolve_alias(const PgQuery__Alias *a)
{
	return (a != NULL ? resolve_opt(a->aliasname) : NULL);
}

/* A FROM item into SC (SELECT on a table it reads, for DOING). */
static void
resolve_from(struct resolve_ctx *ctx, struct resolve_scope *sc,
    const Node *n, const char *doing)
{
	const PgQuery__RangeVar		*rv;
	const PgQuery__JoinExpr		*je;
	const PgQuery__RangeSubselect	*rs;
	const char			*alias;
	struct resolve_rel		*rel;

	if (n == NULL)
		return;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_RANGE_VAR:
		rv = n->range_var;
		rel = resolve_rv(ctx, rv, 0);
		alias = resolve_alias(rv->alias);
		if (rel == NULL) {
			/* Reported (or a temporary table): its columns
			 * would only repeat it. */
			sc->open = 1;
			return;
		}
		resolve_need(ctx, rel, RESOLVE_SELECT, rv->location, doing);
		resolve_scope_add(sc, alias != NULL ? alias : rv->relname, rel);
		break;
	case PG_QUERY__NODE__NODE_JOIN_EXPR:
		je = n->join_expr;
		resolve_from(ctx, sc, je->larg, doing);
		resolve_from(ctx, sc, je->rarg, doing);
		if (resolve_alias(je->alias) != NULL)
			sc->open = 1;
		resolve_expr(ctx, sc, je->quals);
		break;
	case PG_QUERY__NODE__NODE_RANGE_SUBSELECT:
		rs = n->range_subselect;
		if (rs->subquery != NULL && rs->subquery->node_case ==
		    PG_QUERY__NODE__NODE_SELECT_STMT)
			resolve_select(ctx, rs->subquery->select_stmt,
			    rs->lateral ? sc : sc->parent);
		sc->open = 1;
		break;
	default:
		/* Functions, VALUES, table samples: columns unknown. */
		sc->open = 1;
		break;
	}
}

static void
resolve_select(struct resolve_ctx *ctx, const PgQuery__SelectStmt *s,
    const struct resolve_scope *parent)
{
	struct resolve_scope	sc;
	size_t			i;

	if (s == NULL || s->with_clause != NULL || s->n_values_lists > 0 ||
	    s->op != PG_QUERY__SET_OPERATION__SETOP_NONE)
		return;
	memset(&sc, 0, sizeof sc);
	sc.parent = parent;
	for (i = 0; i < s->n_from_clause; i++)
		resolve_from(ctx, &sc, s->from_clause[i], "the query");
	for (i = 0; i < s->n_target_list; i++) {
		if (s->target_list[i]->node_case == PG_QUERY__NODE__NODE_RES_TARGET)
			resolve_expr(ctx, &sc, s->target_list[i]->res_target->val);
	}
	resolve_expr(ctx, &sc, s->where_clause);
	free(sc.items);
}

/* UPDATE's SET list: each target a column of REL, each value resolved. */
static void
resolve_set_list(struct resolve_ctx *ctx, const struct resolve_scope *sc,
    const struct resolve_rel *rel, Node *const *targets, size_t n)
{
	const PgQuery__ResTarget	*rt;
	size_t				 i;

	for (i = 0; i < n; i++) {
		if (targets[i]->node_case != PG_QUERY__NODE__NODE_RES_TARGET)
			continue;
		rt = targets[i]->res_target;
		resolve_need_col(ctx, rel, resolve_opt(rt->name), rt->location,
		    "column ");
		resolve_expr(ctx, sc, rt->val);
	}
}

/* The table an UPDATE or DELETE writes, into SC: PRIV on it, and SELECT
 * when the statement also reads it (READS: a WHERE or a FROM). */
static struct resolve_rel *
resolve_target(struct resolve_ctx *ctx, struct resolve_scope *sc,
    const PgQuery__RangeVar *rv, int priv, int reads, const char *doing)
{
	struct resolve_rel	*rel;
	const char		*alias;

	if ((rel = resolve_rv(ctx, rv, 0)) == NULL) {
		sc->open = 1;
		return (NULL);
	}
	resolve_need(ctx, rel, priv, rv->location, doing);
	if (reads)
		resolve_need(ctx, rel, RESOLVE_SELECT, rv->location, doing);
	alias = resolve_alias(rv->alias);
	resolve_scope_add(sc, alias != NULL ? alias : rv->relname, rel);
	return (rel);
}

static void
resolve_update(struct resolve_ctx *ctx, const PgQuery__UpdateStmt *us)
{
	struct resolve_scope	 sc;
	struct resolve_rel	*rel;
	size_t			 i;

	if (us->with_clause != NULL)
		return;
	memset(&sc, 0, sizeof sc);
	rel = resolve_target(ctx, &sc, us->relation, RESOLVE_UPDATE,
	    us->where_clause != NULL || us->n_from_clause > 0, "UPDATE");
	for (i = 0; i < us->n_from_clause; i++)
		resolve_from(ctx, &sc, us->from_clause[i], "UPDATE ... FROM");
	resolve_set_list(ctx, &sc, rel, us->target_list, us->n_target_list);
	resolve_expr(ctx, &sc, us->where_clause);
	free(sc.items);
}

static void
resolve_delete(struct resolve_ctx *ctx, const PgQuery__DeleteStmt *ds)
{
	struct resolve_scope	 sc;
	size_t			 i;

	if (ds->with_clause != NULL)
		return;
	memset(&sc, 0, sizeof sc);
	resolve_target(ctx, &sc, ds->relation, RESOLVE_DELETE,
	    ds->where_clause != NULL || ds->n_using_clause > 0, "DELETE");
	for (i = 0; i < ds->n_using_clause; i++)
		resolve_from(ctx, &sc, ds->using_clause[i], "DELETE ... USING");
	resolve_expr(ctx, &sc, ds->where_clause);
	free(sc.items);
}

static void
resolve_insert(struct resolve_ctx *ctx, const PgQuery__InsertStmt *is)
{
	const PgQuery__ResTarget	*rt;
	struct resolve_rel		*rel;
	size_t				 i;

	if (is->with_clause != NULL)
		return;
	if ((rel = resolve_rv(ctx, is->relation, 0)) != NULL) {
		resolve_need(ctx, rel, RESOLVE_INSERT, is->relation->location,
		    "INSERT");
		for (i = 0; i < is->n_cols; i++) {
			if (is->cols[i]->node_case !=
			    PG_QUERY__NODE__NODE_RES_TARGET)
				continue;
			rt = is->cols[i]->res_target;
			resolve_need_col(ctx, rel, resolve_opt(rt->name),
			    rt->location, "column ");
		}
	}
	if (is->select_stmt != NULL && is->select_stmt->node_case ==
	    PG_QUERY__NODE__NODE_SELECT_STMT)
		resolve_select(ctx, is->select_stmt->select_stmt, NULL);
}

/* ---------------------------------------------------------------- DDL */

/* Column names of a constraint (String nodes) must be columns of REL. */
static void
resolve_need_cols(struct resolve_ctx *ctx, const struct resolve_rel *rel,
    Node *const *names, size_t n, int location, const char *what)
{
	size_t	i;

	for (i = 0; i < n; i++)
		resolve_need_col(ctx, rel, resolve_str(names[i]), location,
		    what);
}

/* Constraint C on REL: its columns, its foreign key's target; then it
 * joins the model. */
static void
resolve_constraint(struct resolve_ctx *ctx, struct resolve_rel *rel,
    const PgQuery__Constraint *c)
{
	struct resolve_rel	*target;
	const char		*name = resolve_opt(c->conname);
	char			 buf[256];

	switch (c->contype) {
	case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
		resolve_expr_on(ctx, rel, c->raw_expr);
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
		resolve_need_cols(ctx, rel, c->fk_attrs, c->n_fk_attrs,
		    c->location, "column ");
		if ((target = resolve_rv(ctx, c->pktable, 0)) == NULL)
			break;
		resolve_need(ctx, target, RESOLVE_REFERENCES,
		    c->pktable->location, "FOREIGN KEY");
		resolve_need_cols(ctx, target, c->pk_attrs, c->n_pk_attrs,
		    c->location, "referenced column ");
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
	case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
		if (resolve_opt(c->indexname) != NULL) {
			/* USING INDEX: the constraint takes the index's
			 * name. */
			if (name == NULL)
				name = c->indexname;
			break;
		}
		resolve_need_cols(ctx, rel, c->keys, c->n_keys, c->location,
		    "column ");
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION:
		break;
	default:
		/* NOT NULL, DEFAULT, GENERATED, ...: no pg_constraint row
		 * (PostgreSQL 15). */
		return;
	}
	if (rel == NULL)
		return;
	if (name != NULL && resolve_index(rel->cons, rel->ncons, name) <
	    rel->ncons) {
		resolve_add(ctx, RESOLVE_NAME, RESOLVE_WARNING, c->location,
		    "constraint \"%s\" of relation \"%s\" exists already "
		    "(the step fails unless it was run before)", name,
		    resolve_rel_name(rel, buf, sizeof buf));
		return;
	}
	if (!ctx->apply)
		return;
	if (name == NULL)
		rel->cons_known = 0;	/* PostgreSQL picks the name */
	else
		resolve_push(&rel->cons, &rel->ncons, name);
}

static void
resolve_column_def(struct resolve_ctx *ctx, struct resolve_rel *rel,
    const PgQuery__ColumnDef *cd)
{
	size_t	i;

	for (i = 0; i < cd->n_constraints; i++) {
		if (cd->constraints[i]->node_case ==
		    PG_QUERY__NODE__NODE_CONSTRAINT)
			resolve_constraint(ctx, rel,
			    cd->constraints[i]->constraint);
	}
}

static void
resolve_create(struct resolve_ctx *ctx, const PgQuery__CreateStmt *cs)
{
	const PgQuery__RangeVar	*rv = cs->relation;
	struct resolve_rel	*rel;
	const Node		*e;
	size_t			 i;

	if (rv == NULL || resolve_opt(rv->relname) == NULL ||
	    (rv->relpersistence != NULL && strcmp(rv->relpersistence, "t") == 0))
		return;
	if ((rel = resolve_find(ctx, resolve_opt(rv->schemaname),
	    rv->relname)) == NULL)
		return;
	/* An existing table is the table list's warning ("exists
	 * already"); with IF NOT EXISTS it stays as it is. */
	if (rel->exists && cs->if_not_exists)
		return;
	resolve_need_create(ctx, resolve_opt(rv->schemaname), rv->location,
	    "CREATE TABLE");
	if (!ctx->apply)
		return;
	resolve_strings_free(rel->cols, rel->ncols);
	resolve_strings_free(rel->cons, rel->ncons);
	rel->cols = rel->cons = NULL;
	rel->ncols = rel->ncons = 0;
	rel->exists = 1;
	rel->catalog = 0;
	rel->cons_known = 1;
	rel->opaque = cs->n_inh_relations > 0 || cs->of_typename != NULL ||
	    cs->partbound != NULL;
	if (rel->nsp == NULL && (rv->schemaname != NULL ||
	    ctx->cat->current_schema != NULL))
		rel->nsp = xstrdup(resolve_opt(rv->schemaname) != NULL ?
		    rv->schemaname : ctx->cat->current_schema);
	for (i = 0; i < cs->n_table_elts; i++) {
		e = cs->table_elts[i];
		if (e->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF &&
		    resolve_opt(e->column_def->colname) != NULL)
			resolve_push(&rel->cols, &rel->ncols,
			    e->column_def->colname);
		else if (e->node_case == PG_QUERY__NODE__NODE_TABLE_LIKE_CLAUSE)
			rel->opaque = 1;
	}
	for (i = 0; i < cs->n_table_elts; i++) {
		e = cs->table_elts[i];
		if (e->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			resolve_column_def(ctx, rel, e->column_def);
		else if (e->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			resolve_constraint(ctx, rel, e->constraint);
	}
}

/* A relation whose columns the model does not follow (a view, a table
 * from a query, a sequence) comes into being. */
static void
resolve_created(struct resolve_ctx *ctx, const PgQuery__RangeVar *rv,
    int if_not_exists, const char *doing)
{
	struct resolve_rel	*rel;

	if (rv == NULL || resolve_opt(rv->relname) == NULL ||
	    (rv->relpersistence != NULL && strcmp(rv->relpersistence, "t") == 0))
		return;
	if ((rel = resolve_find(ctx, resolve_opt(rv->schemaname),
	    rv->relname)) == NULL || (rel->exists && if_not_exists))
		return;
	resolve_need_create(ctx, resolve_opt(rv->schemaname), rv->location,
	    doing);
	if (!ctx->apply)
		return;
	rel->exists = 1;
	rel->catalog = 0;
	rel->opaque = 1;
	rel->cons_known = 0;
}

static const PgQuery__SelectStmt *
resolve_query(const Node *n)
{
	return (n != NULL && n->node_case == PG_QUERY__NODE__NODE_SELECT_STMT ?
	    n->select_stmt : NULL);
}

static void
resolve_alter_cmd(struct resolve_ctx *ctx, struct resolve_rel *rel,
    const PgQuery__AlterTableCmd *cmd, int location)
{
	const PgQuery__ColumnDef	*cd;
	const char			*name = resolve_opt(cmd->name);
	char				 buf[256];
	size_t				 i;

	switch (cmd->subtype) {
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
		if (cmd->def == NULL || cmd->def->node_case !=
		    PG_QUERY__NODE__NODE_COLUMN_DEF)
			break;
		cd = cmd->def->column_def;
		if (resolve_opt(cd->colname) == NULL)
			break;
		if (!rel->opaque && resolve_index(rel->cols, rel->ncols,
		    cd->colname) < rel->ncols) {
			if (!cmd->missing_ok)
				resolve_add(ctx, RESOLVE_NAME, RESOLVE_WARNING,
				    cd->location, "column \"%s\" of relation "
				    "\"%s\" exists already (the step fails "
				    "unless it was run before)", cd->colname,
				    resolve_rel_name(rel, buf, sizeof buf));
		} else if (ctx->apply)
			resolve_push(&rel->cols, &rel->ncols, cd->colname);
		resolve_column_def(ctx, rel, cd);
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
		if (name == NULL)
			break;
		if (cmd->missing_ok ? !resolve_has_col(rel, name) :
		    !resolve_need_col(ctx, rel, name, location, "column "))
			break;
		if (ctx->apply && (i = resolve_index(rel->cols, rel->ncols,
		    name)) < rel->ncols)
			resolve_remove(rel->cols, &rel->ncols, i);
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
		resolve_need_col(ctx, rel, name, location, "column ");
		if (cmd->def != NULL && cmd->def->node_case ==
		    PG_QUERY__NODE__NODE_COLUMN_DEF)
			resolve_expr_on(ctx, rel,
			    cmd->def->column_def->raw_default);
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropExpression:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetStatistics:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetOptions:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ResetOptions:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetStorage:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetCompression:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnGenericOptions:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddIdentity:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetIdentity:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropIdentity:
		resolve_need_col(ctx, rel, name, location, "column ");
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
		if (cmd->def != NULL && cmd->def->node_case ==
		    PG_QUERY__NODE__NODE_CONSTRAINT)
			resolve_constraint(ctx, rel, cmd->def->constraint);
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
		resolve_need_con(ctx, rel, name, location);
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint:
		if (name == NULL)
			break;
		if (!cmd->missing_ok)
			resolve_need_con(ctx, rel, name, location);
		if (ctx->apply && (i = resolve_index(rel->cons, rel->ncons,
		    name)) < rel->ncons)
			resolve_remove(rel->cons, &rel->ncons, i);
		break;
	default:
		break;
	}
}

static void
resolve_alter(struct resolve_ctx *ctx, const PgQuery__AlterTableStmt *at)
{
	struct resolve_rel	*rel;
	size_t			 i;

	if (at->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ||
	    (rel = resolve_rv(ctx, at->relation, at->missing_ok)) == NULL)
		return;
	resolve_need(ctx, rel, RESOLVE_OWN, at->relation->location,
	    "ALTER TABLE");
	for (i = 0; i < at->n_cmds; i++) {
		if (at->cmds[i]->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			resolve_alter_cmd(ctx, rel, at->cmds[i]->alter_table_cmd,
			    at->relation->location);
	}
}

static void
resolve_index_stmt(struct resolve_ctx *ctx, const PgQuery__IndexStmt *is)
{
	const PgQuery__IndexElem	*ie;
	struct resolve_rel		*rel, *idx;
	size_t				 i;

	if ((rel = resolve_rv(ctx, is->relation, 0)) == NULL)
		return;
	resolve_need(ctx, rel, RESOLVE_OWN, is->relation->location,
	    "CREATE INDEX");
	if (rel->catalog)
		resolve_need_create(ctx, rel->nsp, is->relation->location,
		    "CREATE INDEX");
	if (resolve_opt(is->idxname) != NULL && (idx = resolve_find(ctx,
	    rel->nsp, is->idxname)) != NULL) {
		if (idx->exists && !is->if_not_exists)
			resolve_add(ctx, RESOLVE_NAME, RESOLVE_WARNING,
			    is->relation->location, "relation \"%s\" exists "
			    "already (the step fails unless it was run before)",
			    is->idxname);
		else if (ctx->apply) {
			idx->exists = 1;
			idx->catalog = 0;
			idx->opaque = 1;
		}
	}
	for (i = 0; i < is->n_index_params; i++) {
		if (is->index_params[i]->node_case !=
		    PG_QUERY__NODE__NODE_INDEX_ELEM)
			continue;
		ie = is->index_params[i]->index_elem;
		if (resolve_opt(ie->name) != NULL)
			resolve_need_col(ctx, rel, ie->name,
			    is->relation->location, "column ");
		resolve_expr_on(ctx, rel, ie->expr);
	}
	for (i = 0; i < is->n_index_including_params; i++) {
		if (is->index_including_params[i]->node_case ==
		    PG_QUERY__NODE__NODE_INDEX_ELEM)
			resolve_need_col(ctx, rel, resolve_opt(
			    is->index_including_params[i]->index_elem->name),
			    is->relation->location, "column ");
	}
	resolve_expr_on(ctx, rel, is->where_clause);
}

/* The object types that are relations (pg_class) of the model. */
static int
resolve_relkind(PgQuery__ObjectType t)
{
	switch (t) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX:
		return (1);
	default:
		return (0);
	}
}

static void
resolve_set_schema(struct resolve_ctx *ctx,
    const PgQuery__AlterObjectSchemaStmt *as)
{
	struct resolve_rel	*rel;

	if (!resolve_relkind(as->object_type) ||
	    resolve_opt(as->newschema) == NULL ||
	    (rel = resolve_rv(ctx, as->relation, as->missing_ok)) == NULL)
		return;
	resolve_need(ctx, rel, RESOLVE_OWN, as->relation->location,
	    "ALTER ... SET SCHEMA");
	resolve_need_create(ctx, as->newschema, as->relation->location,
	    "ALTER ... SET SCHEMA");
	if (!ctx->apply)
		return;
	free(rel->schema);
	free(rel->nsp);
	rel->schema = xstrdup(as->newschema);
	rel->nsp = xstrdup(as->newschema);
}

static void
resolve_rename(struct resolve_ctx *ctx, const PgQuery__RenameStmt *rs)
{
	struct resolve_rel	*rel;
	const char		*sub = resolve_opt(rs->subname);
	const char		*to = resolve_opt(rs->newname);
	char			**v;
	size_t			 i, n;
	int			 table;

	if (resolve_relkind(rs->rename_type))
		table = 1;
	else if (rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN ||
	    rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT)
		table = 0;
	else
		return;
	if (!table && !resolve_relkind(rs->relation_type))
		return;
	if ((rel = resolve_rv(ctx, rs->relation, rs->missing_ok)) == NULL ||
	    to == NULL)
		return;
	resolve_need(ctx, rel, RESOLVE_OWN, rs->relation->location,
	    "ALTER TABLE ... RENAME");
	if (table) {
		if (ctx->apply) {
			free(rel->name);
			rel->name = xstrdup(to);
		}
		return;
	}
	if (rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN) {
		if (!resolve_need_col(ctx, rel, sub, rs->relation->location, "column "))
			return;
		v = rel->cols;
		n = rel->ncols;
	} else {
		resolve_need_con(ctx, rel, sub, rs->relation->location);
		v = rel->cons;
		n = rel->ncons;
	}
	if (ctx->apply && sub != NULL && (i = resolve_index(v, n, sub)) < n) {
		free(v[i]);
		v[i] = xstrdup(to);
	}
}

static void
resolve_drop(struct resolve_ctx *ctx, const PgQuery__DropStmt *ds)
{
	const PgQuery__List	*l;
	struct resolve_rel	*rel;
	const char		*schema, *name;
	char			 buf[256];
	size_t			 i;

	if (!resolve_relkind(ds->remove_type))
		return;
	for (i = 0; i < ds->n_objects; i++) {
		if (ds->objects[i]->node_case != PG_QUERY__NODE__NODE_LIST)
			continue;
		l = ds->objects[i]->list;
		if (l->n_items == 1) {
			schema = NULL;
			name = resolve_str(l->items[0]);
		} else if (l->n_items == 2) {
			schema = resolve_str(l->items[0]);
			name = resolve_str(l->items[1]);
		} else
			continue;
		if (name == NULL || (rel = resolve_find(ctx, schema,
		    name)) == NULL)
			continue;
		if (!rel->exists) {
			if (!ds->missing_ok)
				resolve_add(ctx, RESOLVE_NAME, RESOLVE_ERROR, -1,
				    "relation \"%s\" does not exist",
				    resolve_rel_name(rel, buf, sizeof buf));
			continue;
		}
		resolve_need(ctx, rel, RESOLVE_OWN, -1, "DROP");
		if (ctx->apply) {
			rel->exists = 0;
			resolve_strings_free(rel->cols, rel->ncols);
			resolve_strings_free(rel->cons, rel->ncons);
			rel->cols = rel->cons = NULL;
			rel->ncols = rel->ncons = 0;
		}
	}
}

static void
resolve_stmt(struct resolve_ctx *ctx, const Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		resolve_create(ctx, n->create_stmt);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		resolve_select(ctx, resolve_query(n->create_table_as_stmt->query),
		    NULL);
		if (n->create_table_as_stmt->into != NULL)
			resolve_created(ctx, n->create_table_as_stmt->into->rel,
			    n->create_table_as_stmt->if_not_exists,
			    "CREATE TABLE AS");
		break;
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		resolve_select(ctx, resolve_query(n->view_stmt->query), NULL);
		resolve_created(ctx, n->view_stmt->view, 0, "CREATE VIEW");
		break;
	case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
		resolve_created(ctx, n->create_seq_stmt->sequence,
		    n->create_seq_stmt->if_not_exists, "CREATE SEQUENCE");
		break;
	case PG_QUERY__NODE__NODE_CREATE_FOREIGN_TABLE_STMT:
		if (n->create_foreign_table_stmt->base_stmt != NULL)
			resolve_create(ctx,
			    n->create_foreign_table_stmt->base_stmt);
		break;
	case PG_QUERY__NODE__NODE_ALTER_OBJECT_SCHEMA_STMT:
		resolve_set_schema(ctx, n->alter_object_schema_stmt);
		break;
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
		if (n->create_schema_stmt->n_schema_elts > 0 && ctx->apply)
			ctx->blind = 1;
		break;
	case PG_QUERY__NODE__NODE_DO_STMT:
	case PG_QUERY__NODE__NODE_CALL_STMT:
	case PG_QUERY__NODE__NODE_EXECUTE_STMT:
		/* Code the model cannot follow: what it creates or drops
		 * is unknown from here on. */
		if (ctx->apply)
			ctx->blind = 1;
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		resolve_alter(ctx, n->alter_table_stmt);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		resolve_index_stmt(ctx, n->index_stmt);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		resolve_rename(ctx, n->rename_stmt);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		resolve_drop(ctx, n->drop_stmt);
		break;
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		resolve_select(ctx, n->select_stmt, NULL);
		if (n->select_stmt->into_clause != NULL)
			resolve_created(ctx, n->select_stmt->into_clause->rel, 0,
			    "SELECT INTO");
		break;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		resolve_update(ctx, n->update_stmt);
		break;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		resolve_delete(ctx, n->delete_stmt);
		break;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		resolve_insert(ctx, n->insert_stmt);
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- plan */

/* Every statement of TEXT (a plan value at POS, or at LINE). */
static void
resolve_text(struct resolve_ctx *ctx, const char *text,
    const struct plan_pos *pos, int line, int apply)
{
	struct sql_script	*s;
	size_t			 i;

	if (text == NULL)
		return;
	s = sql_parse(text);
	ctx->text = s->text;
	ctx->prefix = 0;
	ctx->pos = pos;
	ctx->line = line;
	ctx->apply = apply;
	for (i = 0; i < s->nstmts && ctx->cause == NULL; i++) {
		if (s->stmts[i].node == NULL)
			continue;
		ctx->stmt_off = s->stmts[i].off;
		resolve_stmt(ctx, s->stmts[i].node);
	}
	sql_free(s);
	ctx->text = NULL;
}

/* Parse PREFIX + TEXT and set the context to report into TEXT. */
static struct sql_script *
resolve_fragment(struct resolve_ctx *ctx, const char *prefix,
    const char *text, const struct plan_pos *pos, int line)
{
	struct sql_script	*s;
	char			*all;

	all = xasprintf("%s%s", prefix, text);
	s = sql_parse(all);
	free(all);
	ctx->text = s->text;
	ctx->prefix = (int)strlen(prefix);
	ctx->pos = pos;
	ctx->line = line;
	ctx->stmt_off = ctx->prefix;
	if (s->nstmts != 1 || s->stmts[0].node == NULL) {
		sql_free(s);
		return (NULL);
	}
	return (s);
}

/*
 * The batch UPDATE bellows builds from a backfill: UPDATE TABLE SET set
 * FROM from WHERE TABLE.key ... AND (where), TABLE and key quoted as
 * given (schema and table split at the first dot).
 */
static void
resolve_backfill(struct resolve_ctx *ctx, const char *phase,
    const struct plan_backfill *bf)
{
	static const char	 set_prefix[] = "UPDATE bellows_backfill SET ";
	static const char	 from_prefix[] = "SELECT FROM ";
	static const char	 where_prefix[] = "SELECT WHERE ";
	struct sql_script	*from = NULL, *s;
	struct resolve_scope	 sc;
	struct resolve_rel	*rel;
	const PgQuery__SelectStmt *sel;
	const char		*dot;
	char			*schema = NULL, buf[256];
	size_t			 i;

	ctx->text = NULL;
	ctx->pos = NULL;
	ctx->line = bf->line;
	ctx->apply = 0;
	resolve_where(ctx, "phase '%s' backfill", phase);
	if ((dot = strchr(bf->table, '.')) != NULL)
		schema = xstrndup(bf->table, (size_t)(dot - bf->table));
	rel = resolve_find(ctx, schema, dot != NULL ? dot + 1 : bf->table);
	free(schema);
	if (rel == NULL)
		return;
	memset(&sc, 0, sizeof sc);
	if (!rel->exists) {
		resolve_add(ctx, RESOLVE_NAME, RESOLVE_ERROR, -1,
		    "table \"%s\" does not exist%s",
		    resolve_rel_name(rel, buf, sizeof buf),
		    rel->schema == NULL && sql_reserved(rel->name) ?
		    " (a reserved word: bellows quotes the table)" : "");
		rel = NULL;
		sc.open = 1;
	} else {
		resolve_need(ctx, rel, RESOLVE_UPDATE, -1, "the backfill");
		resolve_need(ctx, rel, RESOLVE_SELECT, -1, "the backfill");
		resolve_where(ctx, "phase '%s' backfill key", phase);
		resolve_need_col(ctx, rel, bf->key, -1, "key column ");
		resolve_scope_add(&sc, rel->name, rel);
	}

	resolve_where(ctx, "phase '%s' backfill from", phase);
	if (bf->from != NULL && (from = resolve_fragment(ctx, from_prefix,
	    bf->from, NULL, bf->line)) != NULL) {
		sel = from->stmts[0].node->select_stmt;
		for (i = 0; i < sel->n_from_clause; i++)
			resolve_from(ctx, &sc, sel->from_clause[i],
			    "the backfill's FROM");
	}
	resolve_where(ctx, "phase '%s' backfill set", phase);
	if ((s = resolve_fragment(ctx, set_prefix, bf->set, &bf->set_pos,
	    bf->line)) != NULL) {
		if (s->stmts[0].node->node_case ==
		    PG_QUERY__NODE__NODE_UPDATE_STMT)
			resolve_set_list(ctx, &sc, rel,
			    s->stmts[0].node->update_stmt->target_list,
			    s->stmts[0].node->update_stmt->n_target_list);
		sql_free(s);
	}
	resolve_where(ctx, "phase '%s' backfill where", phase);
	if (bf->where != NULL && (s = resolve_fragment(ctx, where_prefix,
	    bf->where, &bf->where_pos, bf->line)) != NULL) {
		if (s->stmts[0].node->node_case ==
		    PG_QUERY__NODE__NODE_SELECT_STMT)
			resolve_expr(ctx, &sc,
			    s->stmts[0].node->select_stmt->where_clause);
		sql_free(s);
	}
	if (from != NULL)
		sql_free(from);
	free(sc.items);
	ctx->text = NULL;
	if (bf->throttle_sql != NULL) {
		resolve_where(ctx, "phase '%s' backfill throttle_sql", phase);
		resolve_text(ctx, bf->throttle_sql, NULL, bf->line, 0);
	}
}

static void
resolve_where(struct resolve_ctx *ctx, const char *fmt, ...)
{
	va_list	ap;

	free(ctx->where);
	va_start(ap, fmt);
	ctx->where = xvasprintf(fmt, ap);
	va_end(ap);
}

int
resolve_plan(const struct plan *p, const struct resolve_catalog *cat,
    struct resolve_report *r, char **cause)
{
	struct resolve_ctx	 ctx;
	const struct plan_phase	*ph;
	const struct plan_step	*st;
	size_t			 i, j;

	memset(&ctx, 0, sizeof ctx);
	ctx.p = p;
	ctx.cat = cat;
	ctx.r = r;
	for (i = 0; i < p->nphases && ctx.cause == NULL; i++) {
		ph = &p->phases[i];
		switch (ph->kind) {
		case PLAN_PHASE_STEPS:
			for (j = 0; j < ph->nsteps && ctx.cause == NULL; j++) {
				st = &ph->steps[j];
				resolve_where(&ctx, "phase '%s' step '%s'",
				    ph->name, st->name);
				resolve_text(&ctx, st->sql, &st->sql_pos,
				    st->line, 1);
				/* Against the state after the step; the
				 * model stays as the step left it. */
				resolve_where(&ctx, "phase '%s' step '%s' "
				    "rollback", ph->name, st->name);
				resolve_text(&ctx, st->rollback,
				    &st->rollback_pos, st->line, 0);
			}
			break;
		case PLAN_PHASE_BACKFILL:
			resolve_backfill(&ctx, ph->name, &ph->backfill);
			break;
		case PLAN_PHASE_VERIFY:
			for (j = 0; j < ph->nverify && ctx.cause == NULL; j++) {
				resolve_where(&ctx, "phase '%s' verify %zu",
				    ph->name, j + 1);
				resolve_text(&ctx, ph->verify[j].sql,
				    &ph->verify[j].sql_pos,
				    ph->verify[j].line, 0);
			}
			break;
		case PLAN_PHASE_GATE:
			break;
		}
	}
	for (i = 0; i < ctx.nrels; i++)
		resolve_rel_free(ctx.rels[i]);
	free(ctx.rels);
	for (i = 0; i < ctx.nschemas; i++)
		free(ctx.schemas[i].name);
	free(ctx.schemas);
	free(ctx.where);
	if (ctx.cause != NULL) {
		*cause = ctx.cause;
		return (-1);
	}
	return (0);
}

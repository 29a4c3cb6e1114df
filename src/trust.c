/* trust: see trust.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trust.h"
#include "util.h"

/* Problems named in one refusal; the rest are counted. */
#define TRUST_MAX_NAMED	5

/*
 * Why the journal's SQL may keep the executor's search_path (the plan's
 * statements need it: `ALTER TABLE orders ...` means the user's orders):
 *
 *  - every relation it names is qualified (bellows.runs, pg_catalog.pg_locks)
 *    and the functions it calls are pg_catalog-qualified, so no other
 *    schema is even a candidate for them.  This matters most for
 *    polymorphic ones: public.unnest(int[]) would beat pg_catalog's
 *    unnest(anyarray) for an int[] argument, which is why multi-array
 *    unnest is written ROWS FROM (pg_catalog.unnest(..), ..);
 *  - its operators (=, >, +), casts and the few calls still unqualified
 *    (clock_timestamp(), hashtext($1) in journal_lock) take arguments of
 *    exactly the built-in types they are declared for, or untyped
 *    parameters, which resolve to text, the preferred type.  PostgreSQL
 *    searches pg_catalog first unless search_path names it later, and of
 *    candidates with identical argument types the first in the path wins;
 *    another schema's operator or function is picked only when it matches
 *    the argument types strictly better than pg_catalog's (CVE-2018-1058),
 *    and nothing beats an exact match;
 *  - pg_temp, searched first for relations and types, is this session's
 *    own: no other role creates in it.
 * The first point is ours to keep in the SQL; the second holds only while
 * pg_catalog does come first, which trust_search_path checks on the
 * executor (trust_schema runs there before the journal is touched).  The
 * monitor's SQL (share/sql/monitor-*.sql) follows the same rules.
 * Sessions that never resolve the plan's names use TRUST_SEARCH_PATH.
 */
static const char trust_path_sql[] =
	"SELECT s FROM pg_catalog.unnest(pg_catalog.current_schemas(true))"
	" WITH ORDINALITY AS u(s, i) ORDER BY i";

/*
 * One line per problem with schema $1, what runs code first (triggers,
 * rules, then the schema itself, views and functions, then the rest):
 * objects owned by a role that is neither current_user nor a superuser,
 * CREATE on the schema or TRIGGER on its tables granted to such a role (or
 * PUBLIC), and every trigger and rule on its tables (bellows creates none;
 * foreign keys' internal triggers are the server's).  Row and array types
 * are left out: they belong to their relation or element type, listed
 * already.  Reads catalogs only: no view, function or trigger of the
 * schema runs.  PostgreSQL 9.4 or later (aclexplode); tested on 15.
 */
static const char trust_schema_sql[] =
	"WITH n AS (SELECT oid, nspname, nspowner, nspacl"
	"  FROM pg_catalog.pg_namespace WHERE nspname = $1::pg_catalog.name),"
	" trusted AS (SELECT oid FROM pg_catalog.pg_roles"
	"  WHERE rolsuper OR rolname = CURRENT_USER),"
	" owned (k, what, owner) AS ("
	"  SELECT 2, pg_catalog.format('schema %I', n.nspname), n.nspowner"
	"   FROM n"
	"  UNION ALL SELECT CASE WHEN c.relkind IN ('v', 'm') THEN 3"
	"   WHEN c.relkind IN ('r', 'p', 'f') THEN 4 ELSE 5 END,"
	"   pg_catalog.format('%s %I.%I', CASE c.relkind"
	"   WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'"
	"   WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'"
	"   WHEN 'i' THEN 'index' WHEN 'I' THEN 'index'"
	"   WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'type'"
	"   ELSE 'relation' END, n.nspname, c.relname), c.relowner"
	"   FROM pg_catalog.pg_class c JOIN n ON c.relnamespace = n.oid"
	"  UNION ALL SELECT 3, pg_catalog.format('function %s',"
	"   p.oid::pg_catalog.regprocedure), p.proowner"
	"   FROM pg_catalog.pg_proc p JOIN n ON p.pronamespace = n.oid"
	"  UNION ALL SELECT 5, pg_catalog.format('type %s',"
	"   t.oid::pg_catalog.regtype), t.typowner"
	"   FROM pg_catalog.pg_type t JOIN n ON t.typnamespace = n.oid"
	"   WHERE t.typrelid = 0 AND NOT EXISTS (SELECT"
	"    FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)"
	"  UNION ALL SELECT 3, pg_catalog.format('operator %s',"
	"   o.oid::pg_catalog.regoperator), o.oprowner"
	"   FROM pg_catalog.pg_operator o JOIN n ON o.oprnamespace = n.oid),"
	" problems (k, what) AS ("
	"  SELECT k, pg_catalog.format('%s is owned by %s', what,"
	"   pg_catalog.pg_get_userbyid(owner))"
	"   FROM owned WHERE owner NOT IN (SELECT oid FROM trusted)"
	"  UNION ALL SELECT 2, pg_catalog.format("
	"   'schema %I grants CREATE to %s', n.nspname,"
	"   CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
	"   ELSE pg_catalog.pg_get_userbyid(a.grantee) END)"
	"   FROM n, pg_catalog.aclexplode(n.nspacl) a"
	"   WHERE a.privilege_type = 'CREATE'"
	"   AND a.grantee NOT IN (SELECT oid FROM trusted)"
	"  UNION ALL SELECT 2, pg_catalog.format("
	"   'table %I.%I grants TRIGGER to %s', n.nspname, c.relname,"
	"   CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
	"   ELSE pg_catalog.pg_get_userbyid(a.grantee) END)"
	"   FROM pg_catalog.pg_class c JOIN n ON c.relnamespace = n.oid,"
	"   pg_catalog.aclexplode(c.relacl) a"
	"   WHERE a.privilege_type = 'TRIGGER'"
	"   AND a.grantee NOT IN (SELECT oid FROM trusted)"
	"  UNION ALL SELECT 1, pg_catalog.format("
	"   'trigger %I on %I.%I (function %s owned by %s) was not created"
	" by bellows', tg.tgname,"
	"   n.nspname, c.relname, p.oid::pg_catalog.regprocedure,"
	"   pg_catalog.pg_get_userbyid(p.proowner))"
	"   FROM pg_catalog.pg_trigger tg"
	"   JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid"
	"   JOIN n ON c.relnamespace = n.oid"
	"   JOIN pg_catalog.pg_proc p ON p.oid = tg.tgfoid"
	"   WHERE NOT tg.tgisinternal"
	"  UNION ALL SELECT 1, pg_catalog.format("
	"   'rule %I on %I.%I (owned by %s) was not created by bellows',"
	"   r.rulename, n.nspname,"
	"   c.relname, pg_catalog.pg_get_userbyid(c.relowner))"
	"   FROM pg_catalog.pg_rewrite r"
	"   JOIN pg_catalog.pg_class c ON c.oid = r.ev_class"
	"   JOIN n ON c.relnamespace = n.oid"
	"   WHERE r.rulename <> '_RETURN')"
	" SELECT what FROM problems ORDER BY k, what";

static int
trust_error(struct conn_error *err, char **cause)
{
	char	*m;

	m = conn_error_format(err);
	*cause = xasprintf("cannot check who owns the journal: %s", m);
	free(m);
	conn_error_clear(err);
	return (-1);
}

/*
 * 0 when pg_catalog comes first in this session's effective search path
 * (after this session's own pg_temp), else -1 and *CAUSE naming the
 * schema in front of it.
 */
static int
trust_search_path(struct conn *c, char **cause)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	const char		*s;
	int			 i, rc = 0;

	if ((res = conn_exec(c, trust_path_sql, 0, NULL, &err)) == NULL)
		return (trust_error(&err, cause));
	for (i = 0; i < PQntuples(res); i++) {
		s = PQgetvalue(res, i, 0);
		if (strncmp(s, "pg_temp_", 8) == 0)
			continue;
		if (strcmp(s, "pg_catalog") != 0) {
			*cause = xasprintf("refusing to use the journal: this "
			    "session's search_path puts schema %s before "
			    "pg_catalog, where bellows' own SQL would find its "
			    "operators; leave pg_catalog out of search_path or "
			    "put it first", s);
			rc = -1;
		}
		break;
	}
	PQclear(res);
	return (rc);
}

int
trust_schema(struct conn *c, const char *schema, char **cause)
{
	struct conn_error	 err = { 0 };
	struct buf		 b;
	PGresult		*res;
	const char		*params[1] = { schema };
	char			*who;
	int			 i, n;

	if (trust_search_path(c, cause) != 0)
		return (-1);
	if ((res = conn_exec(c, trust_schema_sql, 1, params, &err)) == NULL)
		return (trust_error(&err, cause));
	if ((n = PQntuples(res)) == 0) {
		PQclear(res);
		return (0);
	}
	buf_init(&b);
	buf_printf(&b, "refusing to use the journal in schema %s: ", schema);
	for (i = 0; i < n && i < TRUST_MAX_NAMED; i++)
		buf_printf(&b, "%s%s", i > 0 ? "; " : "", PQgetvalue(res, i, 0));
	if (n > TRUST_MAX_NAMED)
		buf_printf(&b, "; and %d more", n - TRUST_MAX_NAMED);
	PQclear(res);
	res = conn_exec(c, "SELECT CURRENT_USER", 0, NULL, &err);
	who = res != NULL ? xstrdup(PQgetvalue(res, 0, 0)) : xstrdup("?");
	PQclear(res);
	conn_error_clear(&err);
	buf_printf(&b, ".  bellows runs as %s and uses only a journal that "
	    "%s or a superuser owns, that no other role can create in, and "
	    "whose tables have no triggers or rules: drop the schema (after "
	    "checking what it holds) or fix its owners; see LEAST PRIVILEGE "
	    "in bellows(1)", who, who);
	free(who);
	*cause = buf_detach(&b);
	return (-1);
}

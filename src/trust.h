/*
 * trust: whether bellows may use the objects it finds in the target
 * database, before it reads or writes them.
 *
 * A role that is not a superuser but may create schemas (the database's
 * owner, say) can create schema `bellows` before bellows first runs there,
 * with a trigger on a journal table or a view over its own function.  When
 * a superuser then runs bellows, that code would run with the superuser's
 * rights; even a read (bellows status) would run a view's function.  So
 * the journal's schema is used only when it and everything in it belong
 * to the role running bellows (current_user) or to a superuser, when no
 * other role may create in it, and when its tables carry no trigger or
 * rule (bellows creates none).
 *
 * Name resolution is the other half (CVE-2018-1058): the connections that
 * only read the journal (status, report, watch) connect with
 * TRUST_SEARCH_PATH, so nothing resolves outside pg_catalog.  The executor
 * keeps the user's search_path for the plan's own SQL, and the monitor
 * for the plan's unqualified table names (to_regclass resolves them as
 * the plan's statements will); trust.c says why bellows' own SQL is still
 * safe on them.
 */
#ifndef BELLOWS_TRUST_H
#define BELLOWS_TRUST_H

#include "conn.h"

/*
 * Connection options (libpq's "options", so they survive conn_reset) for
 * a session that must not resolve names through schemas other roles can
 * create in.  pg_temp is named last: left out, it would be searched first
 * for relations and types.
 */
#define TRUST_SEARCH_PATH	"-c search_path=pg_catalog,pg_temp"

/*
 * Refuse SCHEMA unless this session can trust it: 0 when it is trusted or
 * does not exist, -1 and *CAUSE (allocated) otherwise.  The refusal names
 * the schema, each offending object and its owner (at most a few), and
 * what to do; a failed query is reported with its SQLSTATE.  Also refuses
 * a session whose effective search_path puts a schema before pg_catalog
 * (the journal's unqualified operators would resolve there first).
 * Read-only, and it runs no code of other roles: call it before the first
 * statement that touches SCHEMA's objects, and again after creating them.
 */
int	trust_schema(struct conn *, const char *schema, char **cause);

#endif

/*
 * checklist: evaluate a plan's checklist items against the target
 * database, and list the tables a plan names.
 *
 * checklist_eval() answers one item.  An item's own trouble is part of its
 * answer, never an error: a missing privilege (SQLSTATE 42501, or a server
 * that hides other roles' sessions) gives CHECKLIST_UNKNOWN with the note
 * "needs pg_monitor", a timeout gives UNKNOWN, a custom query that fails
 * or returns something other than one boolean gives CHECKLIST_FAIL.  Only
 * a lost connection is an error (-1 and *cause).
 *
 * What each automatic kind measures (max = the item's "max"; the defaults
 * apply when the plan gives none):
 *   long_transactions    age of the oldest open transaction of a client
 *                        session, and of the oldest prepared transaction;
 *                        pass when <= max (default 5min)
 *   replication_lag      worst replay_lag in pg_stat_replication; a replica
 *                        not streaming fails; no replica passes ("no
 *                        replicas"); pass when <= max (default 10s)
 *   idle_in_transaction  longest time a session has been idle in a
 *                        transaction; pass when <= max (default 1min)
 *   invalid_indexes      indexes with NOT indisvalid on the plan's tables
 *                        (checklist_plan_tables); on the whole database
 *                        when the plan names no table, and the value says so
 *   lint_clean           lint over the plan for the server's major version:
 *                        pass without lint errors
 *   sql                  the custom query, run alone in a READ ONLY
 *                        transaction, must return one row with one boolean
 *                        column: true passes
 *   manual               CHECKLIST_MANUAL: an operator signs it off
 * Sessions are counted across the whole cluster; bellows' own sessions
 * (application_name "bellows:...") and the evaluating backend are left out.
 *
 * Who owns what: a struct checklist_result's value is owned by it; release
 * with checklist_result_clear().  Tables from checklist_plan_tables() are
 * the caller's; free with checklist_tables_free().  Strings that point into
 * the plan (first_step, created_by, added_by) live as long as the plan.
 */
#ifndef BELLOWS_CHECKLIST_H
#define BELLOWS_CHECKLIST_H

#include <stddef.h>

#include "conn.h"
#include "plan.h"

#define CHECKLIST_DEFAULT_LONG_TX_MS	(5L * 60 * 1000)
#define CHECKLIST_DEFAULT_LAG_MS	(10L * 1000)
#define CHECKLIST_DEFAULT_IDLE_TX_MS	(60L * 1000)

enum checklist_status {
	CHECKLIST_PASS,
	CHECKLIST_FAIL,
	CHECKLIST_UNKNOWN,	/* could not be answered (privilege, timeout) */
	CHECKLIST_MANUAL	/* needs an operator's sign-off */
};

struct checklist_result {
	enum checklist_status	 status;
	char			*value;	/* "oldest transaction 3min 12s (pid 42)" */
};

/*
 * Evaluate item CHECK of plan P on C (the plan is used for lint_clean and
 * for the plan's tables).  C may be NULL only for manual and lint_clean
 * items.  Fills R (cleared first) and returns 0; -1 with *cause (caller
 * frees) when the connection is lost.
 */
int	 checklist_eval(struct conn *c, const struct plan *p,
	    const struct plan_check *check, struct checklist_result *r,
	    char **cause);
void	 checklist_result_clear(struct checklist_result *);

/* "ok", "FAIL", "?", "manual": the word in a pre-flight list. */
const char *checklist_status_name(enum checklist_status);

/*
 * A table the plan names, as the PostgreSQL parser reads the plan: the
 * targets of its steps' CREATE TABLE [AS], ALTER TABLE, CREATE INDEX,
 * UPDATE, INSERT and DELETE statements, in step order, then each
 * backfill's table and the tables of its FROM list.  Rollback SQL is not
 * read.  A backfill's table is taken as written, as the run quotes it
 * ("Orders" is not orders; "user" needs no quotes).
 */
struct checklist_table {
	char		*schema;	/* NULL: unqualified (search_path) */
	char		*name;
	char		*display;	/* "orders", "app.orders" */
	const char	*first_step;	/* the step (or backfill phase) naming it first */
	const char	*created_by;	/* the step creating it before any use,
					   NULL: it must exist already */
	/* Columns that steps add with ALTER TABLE ... ADD COLUMN. */
	char		**added;
	const char	**added_by;
	size_t		 nadded;
};

/* Never fails; statements with a syntax error are skipped (lint reports
 * them).  *N may be 0. */
void	 checklist_plan_tables(const struct plan *,
	    struct checklist_table **out, size_t *n);
void	 checklist_tables_free(struct checklist_table *, size_t n);
/* The table among LIST that is backfill B's table, or NULL. */
const struct checklist_table *checklist_backfill_table(
	    const struct checklist_table *list, size_t n,
	    const struct plan_backfill *b);

#endif

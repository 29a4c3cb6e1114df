/*
 * resolve: does every name a plan uses exist when its statement runs, and
 * may the connecting role do what the plan asks?  For `bellows check`,
 * which must predict what `bellows run` will meet.
 *
 * The resolver keeps an in-memory model of the relations the plan touches:
 * a relation is read from the catalog (through the caller's lookup, once)
 * the first time a statement names it, and each step's effect is applied
 * to the model in plan order: CREATE TABLE (its columns), ALTER TABLE ADD
 * / DROP / RENAME COLUMN, ADD / DROP CONSTRAINT, RENAME TO, DROP TABLE.
 * Every statement is resolved against the model as it stands before the
 * statement runs: the tables, the columns (in expressions too: CHECK,
 * index expressions, the WHERE of a partial index, simple queries), the
 * constraints VALIDATE or DROP names, the FOREIGN KEY targets.  A
 * backfill's table and key are names taken literally (bellows quotes them,
 * as the run does); its set/from/where are resolved as the batch UPDATE
 * bellows builds from them.  A step's rollback is resolved against the
 * state after its step and changes nothing.
 *
 * What is not resolved, rather than guessed: anything below a WITH,
 * UNION/INTERSECT/EXCEPT or VALUES; columns of subqueries, functions,
 * views, sequences and tables created from a query or LIKE/INHERITS/OF
 * (any column is accepted there); ORDER BY, GROUP BY and HAVING (they may
 * name output columns).  After a DO, CALL or EXECUTE step (or CREATE
 * SCHEMA with elements) the model no longer knows what exists, and names
 * are not reported from there on; privileges still are.
 *
 * Privileges: the lookup tells what the role holds on each relation from
 * the catalog; relations the plan creates are the role's own.  ALTER,
 * CREATE INDEX, RENAME, DROP need ownership (or membership in the owning
 * role), the batch UPDATE needs UPDATE and SELECT on the table and SELECT
 * on its FROM tables, queries need SELECT, a FOREIGN KEY needs REFERENCES
 * on its target; CREATE TABLE and CREATE INDEX need CREATE on the schema
 * (can_create).  Each missing privilege is reported once per relation.
 *
 * Who owns what: the report and everything in it belong to the caller
 * (resolve_report_free).  The plan is only read.
 */
#ifndef BELLOWS_RESOLVE_H
#define BELLOWS_RESOLVE_H

#include <stddef.h>

struct plan;

/* Privileges, as bits. */
#define RESOLVE_OWN		0x01
#define RESOLVE_SELECT		0x02
#define RESOLVE_UPDATE		0x04
#define RESOLVE_INSERT		0x08
#define RESOLVE_DELETE		0x10
#define RESOLVE_REFERENCES	0x20

/* What the catalog says of one relation.  The lookup fills it with
 * allocated strings; the resolver takes them over. */
struct resolve_relinfo {
	char	 *schema;	/* where it lives */
	char	 *name;
	char	 *owner;	/* the owning role */
	int	  privs;	/* RESOLVE_* the role holds */
	char	**cols;		/* user columns */
	size_t	  ncols;
	char	**cons;		/* constraint names */
	size_t	  ncons;
};

/* Free what INFO holds and zero it. */
void	resolve_relinfo_clear(struct resolve_relinfo *info);

struct resolve_catalog {
	/* The relation SCHEMA.NAME (SCHEMA NULL: through search_path), as
	 * written (already case-folded by the parser where unquoted): 1 and
	 * *OUT filled, 0 when there is none, -1 with *cause. */
	int		 (*relation)(void *arg, const char *schema,
			    const char *name, struct resolve_relinfo *out,
			    char **cause);
	/* Whether the role may create in SCHEMA (NULL: the current schema):
	 * 1, 0, or -1 with *cause. */
	int		 (*can_create)(void *arg, const char *schema,
			    char **cause);
	void		*arg;
	const char	*role;		/* the connecting role, for messages */
	const char	*current_schema; /* where CREATE TABLE puts a table;
					    NULL: none */
};

enum resolve_kind {
	RESOLVE_NAME,		/* a name that will not resolve */
	RESOLVE_PRIVILEGE	/* a privilege the role lacks */
};

enum resolve_severity {
	RESOLVE_ERROR,		/* the run would fail there */
	RESOLVE_WARNING		/* worth knowing; the run may go on */
};

struct resolve_finding {
	enum resolve_kind	 kind;
	enum resolve_severity	 severity;
	char			*text;	/* "FILE:LINE: phase 'p' step 's': ..." */
};

struct resolve_report {
	struct resolve_finding	*findings;	/* in plan order */
	size_t			 n;
	size_t			 nerrors;
	size_t			 nwarnings;
};

/* Resolve plan P against CAT, appending to R (zeroed by the caller).
 * The plan must parse (check it first: statements with a syntax error are
 * skipped).  0, or -1 with *cause when a lookup failed. */
int	resolve_plan(const struct plan *p, const struct resolve_catalog *cat,
	    struct resolve_report *r, char **cause);
void	resolve_report_free(struct resolve_report *);

#endif

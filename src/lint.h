/*
 * lint: lock and rewrite rules over libpg_query parse trees (never over
 * the SQL text), for plan files and plain .sql migrations.
 *
 * A lint run fills one struct lint_report, owned by the caller: call
 * lint_plan() / lint_sql_file() / lint_sql_text() any number of times on
 * the same report (one call per file), print it, then lint_report_free().
 * Each call starts a fresh context: tables created in one file do not
 * exempt statements of another.
 *
 * Where a finding points: the first character of the offending statement
 * (leading comments skipped), mapped to the plan file through the string's
 * struct plan_pos.  Always the statement start, even for one subcommand of
 * a multi-line ALTER TABLE, so the line is predictable for a reviewer and
 * for tools.  Exceptions: a syntax error points at the error; a
 * suppression without a reason at its comment; step-level findings
 * (irreversible-step, missing-rollback) at the step's group in the plan.
 *
 * Context carried through a file (or a plan, phase by phase, step by step,
 * in order): tables, indexes, materialized views and columns created
 * earlier are exempt from the lock rules; CHECK (col IS NOT NULL)
 * constraints and whether they were validated (for SET NOT NULL); column
 * types added earlier (for ALTER COLUMN TYPE); explicit BEGIN/COMMIT
 * blocks (.sql files).  A step's rollback is linted in the context after
 * the step and does not change it.
 *
 * Suppression: a comment "-- bellows:allow RULE[,RULE...] because REASON"
 * (or the same in a slash-star comment) applies to the statement it sits
 * in, to the statement ending on the same line before it, or else to the
 * next statement below it.  The finding is still reported, marked
 * suppressed with the reason, and does not count as an error.  A
 * suppression without "because REASON" suppresses nothing and is itself an
 * error (suppression-without-reason).  Syntax errors cannot be suppressed.
 * In a plan, a suppression anywhere in a step's sql also covers the
 * step-level findings (irreversible-step, missing-rollback) of that step.
 *
 * Step-level rules (plans): a step without rollback is missing-rollback
 * (warning) before the contract, since rolling back stops at it, and
 * irreversible-step (warning) in a destructive phase, where one-way steps
 * are expected but the operator must know.  SQL with several statements
 * in one step runs as one transaction, so a statement that needs
 * autocommit there is concurrently-in-transaction; BEGIN/COMMIT inside a
 * plan's SQL is transaction-in-step.  A backfill's set/from/where are only
 * parse-checked (bellows writes the UPDATE); verify and custom checklist
 * SQL are linted like any SQL but teach the context nothing.
 *
 * Files named *.down.sql, *_down.sql, down.sql or Flyway undo scripts
 * (U<version>__*.sql) are rollback scripts: dropping is their job, so DROP
 * TABLE/COLUMN there is the drop-in-destructive warning, not an error.
 */
#ifndef BELLOWS_LINT_H
#define BELLOWS_LINT_H

#include <stddef.h>
#include <stdio.h>

struct plan;
struct plan_backfill;
struct sql_stmt;

/*
 * The oldest PostgreSQL major version the PostgreSQL project still
 * supports, the target when --server-version is not given.  PostgreSQL 14
 * reached end of life on 2026-11-12, so from then on it is 15; move it when
 * the next major goes out of support (15: November 2027).
 */
#define LINT_DEFAULT_SERVER_VERSION 15

enum lint_severity {
	LINT_INFO,
	LINT_WARNING,
	LINT_ERROR
};

struct lint_finding {
	char			*file;
	int			 line;
	int			 col;
	enum lint_severity	 severity;
	const char		*rule;		/* static: a lint_rule_info id */
	char			*message;
	char			*hint;		/* the safe alternative; NULL: none */
	int			 suppressed;
	char			*reason;	/* when suppressed */
};

struct lint_report {
	struct lint_finding	*findings;	/* in file order */
	size_t			 n;
	size_t			 cap;
	size_t			 nerrors;	/* unsuppressed errors (syntax included) */
	size_t			 nwarnings;	/* unsuppressed */
	size_t			 ninfos;	/* unsuppressed */
	size_t			 nsuppressed;
	size_t			 nsyntax;	/* syntax errors: exit 2 */
	size_t			 nfiles;
};

struct lint_options {
	int	server_version;		/* major: 10, 11, ... 17 */
};

/* One rule, for the man page, tests and suppression checks. */
struct lint_rule_info {
	const char		*id;
	enum lint_severity	 severity;
	const char		*summary;
};

void	lint_options_init(struct lint_options *);
void	lint_report_init(struct lint_report *);
void	lint_report_free(struct lint_report *);

/* Lint a loaded plan: every step's sql and rollback, the backfill's SET
 * list and conditions (parse-checked inside the UPDATE bellows builds),
 * verify queries, custom checklist sql, plus the step-level rules. */
void	lint_plan(struct lint_report *, const struct plan *,
	    const struct lint_options *);

/* Whether the parts of backfill BF that bellows pastes into its UPDATE
 * (set, from, where) parse: 0, or -1 with *cause "FILE:LINE:COL: backfill
 * PART: message" for the first that does not (caller frees). */
int	lint_backfill_syntax(const struct plan *, const struct plan_backfill *,
	    char **cause);

/* Lint a .sql file.  -1 with *cause (caller frees) when it cannot be read. */
int	lint_sql_file(struct lint_report *, const char *path,
	    const struct lint_options *, char **cause);

/* Lint TEXT as the contents of FILE (the name is used in findings and to
 * recognise rollback scripts). */
void	lint_sql_text(struct lint_report *, const char *file, const char *text,
	    const struct lint_options *);

/* "FILE:LINE:COL: SEVERITY: RULE: message" with an indented hint line per
 * finding, then the summary line. */
void	lint_print_text(FILE *, const struct lint_report *);
/* A JSON array of {file, line, column, severity, rule, message, hint,
 * suppressed, reason}. */
void	lint_print_json(FILE *, const struct lint_report *);

/* The summary line, e.g. "2 errors, 1 warning, 0 suppressed in 3 files". */
char	*lint_summary(const struct lint_report *);

const char *lint_severity_name(enum lint_severity);

/* The rule table; lint_rule_find() returns NULL for an unknown id. */
const struct lint_rule_info *lint_rules(size_t *n);
const struct lint_rule_info *lint_rule_find(const char *id);

/*
 * What the statement locks and for how long, for confirmations in the
 * console and the engine: e.g. "ACCESS EXCLUSIVE on orders (brief, catalog
 * only)", "SHARE UPDATE EXCLUSIVE on orders (reads and writes continue)",
 * "ACCESS EXCLUSIVE on orders for the whole table rewrite".  Assumes the
 * tables exist (no file context) and the default server version.  Caller
 * frees.  Never NULL.
 */
char	*lint_lock_summary(const struct sql_stmt *);
/* "    takes <lint_lock_summary>" and a newline for each statement of SQL,
 * appended to B (statements that do not parse are left out). */
struct buf;
void	 lint_lock_lines(struct buf *, const char *sql);

#endif

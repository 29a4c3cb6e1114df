/*
 * report: the change record of a run (`bellows report`), rendered from what
 * the journal holds, as Markdown for a ticket or as JSON for tools.
 *
 * The renderers are pure: they read a struct report_input the caller
 * filled (the run loaded with every event, the stored plan re-loaded and
 * linted) and append to a buffer; nothing here talks to the database, so
 * the output is unit-testable from hand-made journal structs.  The JSON
 * field names are listed in report.c and bellows(1) and are stable.
 *
 * Ownership: everything in a report_input belongs to the caller and is
 * only read.
 */
#ifndef BELLOWS_REPORT_H
#define BELLOWS_REPORT_H

#include <stdint.h>

#include "journal.h"
#include "lint.h"
#include "plan.h"
#include "util.h"

#define REPORT_FORMAT_VERSION	1

struct report_input {
	/* The run with its whole timeline (JOURNAL_ALL_EVENTS). */
	const struct journal_run	*run;
	/* conn_describe(): user@host:port/dbname, never a password. */
	const char			*database;
	/* The plan the run follows, re-loaded from runs.plan_text; NULL when
	 * it could not be (PLAN_ERROR says why).  Without it the report has
	 * no DDL and no lint section, but everything else. */
	const struct plan		*plan;
	const char			*plan_error;
	/* lint_plan() over PLAN; NULL when PLAN is NULL. */
	const struct lint_report	*lint;
	int				 lint_server_version;
};

void	report_markdown(struct buf *, const struct report_input *);
void	report_json(struct buf *, const struct report_input *);

/*
 * Re-load the plan text stored with RUN, for the DDL and lint sections.
 * The plan file recorded in the run is used when it still has the stored
 * SHA-256 (relative includes then resolve as they did for the driver);
 * otherwise the stored text goes through a temporary file.  NULL and
 * *CAUSE (caller frees) when the run stored no text or it does not load.
 */
struct plan	*report_plan(const struct journal_run *run, char **cause);

/* "2024-05-01T12:00:00.123Z" (journal times) into milliseconds since the
 * epoch; -1 when TS is NULL or not in that form. */
int64_t	report_parse_time(const char *ts);

#endif

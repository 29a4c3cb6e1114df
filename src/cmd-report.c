/*
 * bellows report [-d CONNINFO] [--format=markdown|json] NAME|PLAN
 *
 * Print the change record of a run from the journal in the target
 * database: the plan and its hash, the drivers and operators, every event
 * (who confirmed what and when, every retry and its blocker, pauses,
 * throttles), durations per phase, backfill statistics, the DDL that was
 * applied and the lint findings the plan suppressed, with their reasons.
 * The rendering and the JSON field list live in report.c.
 *
 * An argument ending in ".conf" is a plan file, read only for its name.
 * report only reads: it never creates the journal nor takes the run's
 * lock, so it can run while a driver works (the record is then a snapshot
 * of a run in progress).  Lint runs over the plan text stored in the
 * journal, for the target server's major version.
 *
 * Exit: 0 printed; 1 no such run; 2 usage or plan error; 3 connection or
 * server error (the message carries the SQLSTATE).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conn.h"
#include "journal.h"
#include "lint.h"
#include "plan.h"
#include "report.h"
#include "util.h"

static int	cmd_report_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_report_entry = {
	"report", "[-d CONNINFO] [--format=markdown|json] NAME|PLAN",
	"print the change record of a run",
	/* The -d line as in every command's help (cmd-stubs.c CONN_HELP). */
	"  -d, --dbname=CONNINFO  database to connect to (libpq conninfo, URI or name)\n"
	"  --format=markdown|json output format (default markdown)\n"
	"\nAn argument ending in .conf is a plan file; its name is the run name.\n"
	"Exit status: 0 printed, 1 no such run, 2 usage, 3 connection error.\n",
	cmd_report_exec
};


/* Render RUN read through C into OUT.  A plan that no longer loads only
 * costs the report its DDL and lint sections. */
static void
cmd_report_render(struct conn *c, const struct journal_run *run, int json,
    struct buf *out)
{
	struct report_input	 in;
	struct lint_options	 o;
	struct lint_report	 lr;
	struct plan		*plan;
	char			*cause = NULL;

	memset(&in, 0, sizeof in);
	in.run = run;
	in.database = conn_describe(c);
	lint_options_init(&o);
	/* Lint for the server the run changed, not the default target:
	 * whether a finding applies depends on its version. */
	if (conn_server_version(c) >= 100000)
		o.server_version = conn_server_version(c) / 10000;
	in.lint_server_version = o.server_version;

	lint_report_init(&lr);
	if ((plan = report_plan(run, &cause)) != NULL) {
		lint_plan(&lr, plan, &o);
		in.plan = plan;
		in.lint = &lr;
	} else
		in.plan_error = cause;

	if (json)
		report_json(out, &in);
	else
		report_markdown(out, &in);

	lint_report_free(&lr);
	plan_free(plan);
	free(cause);
}

static int
cmd_report_exec(const struct cmd_entry *self, int argc, char **argv)
{
	static const char *const formats[] = { "markdown", "json", NULL };
	struct conn		*c;
	struct journal_run	*run;
	struct buf		 out;
	const char		*conninfo, *arg;
	int			 json, rc;

	if ((rc = cmd_run_options(self, argc, argv, formats, &conninfo, &json,
	    &arg)) != -1)
		return (rc);
	rc = cmd_open_run(self, arg, conninfo, "bellows:report", JOURNAL_ALL_EVENTS, &c, &run);
	if (rc == CMD_EXIT_DONE) {
		buf_init(&out);
		cmd_report_render(c, run, json, &out);
		fwrite(out.data, 1, out.len, stdout);
		buf_free(&out);
		journal_run_free(run);
		rc = fflush(stdout) == 0 && !ferror(stdout) ? CMD_EXIT_DONE :
		    CMD_EXIT_FAILED;
		conn_close(c);
	}
	return (rc);
}

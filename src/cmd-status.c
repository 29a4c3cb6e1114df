/*
 * bellows status [-d CONNINFO] [--format=text|json] NAME|PLAN
 *
 * Print the state of a run from the journal in the target database.  An
 * argument ending in ".conf" is a plan file, read only for its name; any
 * other argument is the run name.  status only reads: it never creates the
 * journal, and a database without one simply has no runs.  It does not take
 * the run's advisory lock either (that would make a starting driver exit 4);
 * whether the driver is still connected comes from pg_locks.
 *
 * Exit: 0 printed; 1 no such run; 2 usage or plan error; 3 connection or
 * server error (the message carries the SQLSTATE).
 *
 * JSON output (--format=json): one object, then a newline.  Field names are
 * stable; new fields may be added.  Times are ISO 8601 UTC strings with
 * milliseconds ("2024-05-01T12:00:00.123Z"); absent values are null.
 *
 *   name            run name (the plan's name)
 *   database        user@host:port/dbname that was read
 *   state           running, paused, done, failed, interrupted, rolled_back
 *   created_at      when the run was first opened
 *   updated_at      last change of the run row (state, driver, plan)
 *   plan.sha256     SHA-256 of the plan file the run follows
 *   plan.file       that plan's path as the driver gave it
 *   driver.operator the last driver's operator name
 *   driver.host     its host name
 *   driver.pid      its process id on that host
 *   driver.backend_pid  its server backend pid
 *   driver.since    when it took the run
 *   driver.connected    true while a session holds the run's advisory lock
 *                   (false with state "running": the driver is gone)
 *   driver.lock_pid backend pid holding the lock now, null when none
 *   current         the first step not done (same fields as steps[]), or
 *                   null when every step is done
 *   progress.done   step rows done
 *   progress.total  step rows in the run
 *   steps[]         in plan order, one per step of a steps phase and one
 *                   per other phase:
 *     phase         phase index, from 0
 *     phase_name    phase name
 *     step          step index in its phase from 0; -1 for a phase row
 *     step_name     step name; null for a phase row
 *     kind          steps, gate, backfill or verify
 *     state         pending, running, done, failed, interrupted, rolled_back
 *     attempts      times the step was started
 *     started_at    first start
 *     finished_at   when it last stopped; null while running or pending
 *     elapsed_ms    from started_at to finished_at (or to now)
 *     backfill      null unless kind is backfill, else:
 *       cursor      last key done (text), null before the first batch
 *       rows_done   rows updated so far
 *       batches     batches committed
 *       rows_per_s  rows_done over elapsed time, null before any row
 *   events[]        the last 10 events, oldest first:
 *     id            increasing event number
 *     at            when
 *     operator      who (null when not recorded)
 *     phase, step   the phase and step names it concerns, or null
 *     kind          e.g. created, driver, plan-changed
 *     detail        free text, or null
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conn.h"
#include "journal.h"
#include "plan.h"
#include "util.h"

#define STATUS_EVENTS	10

static int	cmd_status_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_status_entry = {
	"status", "[-d CONNINFO] [--format=text|json] NAME|PLAN",
	"print the state of a run",
	/* The -d line as in every command's help (cmd-stubs.c CONN_HELP). */
	"  -d, --dbname=CONNINFO  database to connect to (libpq conninfo, URI or name)\n"
	"  --format=text|json     output format (default text)\n"
	"\nAn argument ending in .conf is a plan file; its name is the run name.\n"
	"Exit status: 0 printed, 1 no such run, 2 usage, 3 connection error.\n",
	cmd_status_exec
};


static int
cmd_status_exec(const struct cmd_entry *self, int argc, char **argv)
{
	static const char *const formats[] = { "text", "json", NULL };
	struct conn		*c;
	struct journal_run	*run;
	struct buf		 out;
	const char		*conninfo, *arg;
	int			 json, rc;

	if ((rc = cmd_run_options(self, argc, argv, formats, &conninfo, &json,
	    &arg)) != -1)
		return (rc);
	rc = cmd_open_run(self, arg, conninfo, "bellows:status", STATUS_EVENTS, &c, &run);
	if (rc == CMD_EXIT_DONE) {
		buf_init(&out);
		if (json)
			journal_status_json(&out, run, conn_describe(c));
		else
			journal_status_text(&out, run, conn_describe(c));
		fwrite(out.data, 1, out.len, stdout);
		buf_free(&out);
		journal_run_free(run);
		rc = fflush(stdout) == 0 ? CMD_EXIT_DONE : CMD_EXIT_FAILED;
		conn_close(c);
	}
	return (rc);
}

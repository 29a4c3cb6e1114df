/*
 * Commands that later issues build.  Each says plainly that it is not built
 * yet and exits 2; when a command is built, its entry moves to cmd-NAME.c.
 */
#include <stddef.h>

#include "cmd.h"

#define CONN_HELP \
	"  -d, --dbname=CONNINFO  database to connect to (libpq conninfo, URI or name)\n"

const struct cmd_entry cmd_lint_entry = {
	"lint", "[--format=text|json] [--server-version N] FILE...",
	"check plan files and .sql migrations against the lock rules",
	"  --format=text|json     output format (default text)\n"
	"  --server-version=N     target PostgreSQL major version\n",
	cmd_not_built
};
const struct cmd_entry cmd_check_entry = {
	"check", "[-d CONNINFO] PLAN",
	"check a plan against the target database (tables, checklist)",
	CONN_HELP, cmd_not_built
};
const struct cmd_entry cmd_run_entry = {
	"run", "[-d CONNINFO] [--no-tui] [--yes] [--operator NAME] PLAN",
	"run (or resume) a plan",
	CONN_HELP
	"  --no-tui               one line per event; questions on stdin\n"
	"  --yes                  answer every confirmation and sign-off\n"
	"  --operator=NAME        the name recorded in the journal\n",
	cmd_not_built
};
const struct cmd_entry cmd_rollback_entry = {
	"rollback", "[-d CONNINFO] [--no-tui] [--yes] [--to PHASE] PLAN",
	"undo completed steps in reverse order",
	CONN_HELP
	"  --to=PHASE             stop after undoing PHASE\n",
	cmd_not_built
};
const struct cmd_entry cmd_status_entry = {
	"status", "[-d CONNINFO] [--format=text|json] NAME|PLAN",
	"print the state of a run",
	CONN_HELP, cmd_not_built
};
const struct cmd_entry cmd_watch_entry = {
	"watch", "[-d CONNINFO] NAME",
	"follow a run driven elsewhere, read-only",
	CONN_HELP, cmd_not_built
};
const struct cmd_entry cmd_report_entry = {
	"report", "[-d CONNINFO] [--format=markdown|json] NAME",
	"print the change record of a run",
	CONN_HELP, cmd_not_built
};
const struct cmd_entry cmd_demo_entry = {
	"demo", "[--rows N] [--keep] [--no-tui]",
	"open the console on a scratch PostgreSQL with sample data",
	NULL, cmd_not_built
};

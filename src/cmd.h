/*
 * cmd: the command line.  Each subcommand is a const struct cmd_entry in
 * its own cmd-NAME.c (after tmux's cmd-*.c); main.c holds the table and the
 * dispatcher.  An exec function receives argv with argv[0] = the command
 * name, parses its own options with getopt_long, and returns an exit code.
 */
#ifndef BELLOWS_CMD_H
#define BELLOWS_CMD_H

/* Exit codes of bellows(1), DESIGN.md section 7. */
enum cmd_exit {
	CMD_EXIT_DONE = 0,		/* done; lint: no error */
	CMD_EXIT_FAILED = 1,		/* lint errors, or a step failed */
	CMD_EXIT_USAGE = 2,		/* usage, plan or SQL syntax error */
	CMD_EXIT_CONNECT = 3,		/* connection/server error before anything changed */
	CMD_EXIT_LOCKED = 4,		/* another driver holds the run */
	CMD_EXIT_INTERRUPTED = 5	/* interrupted by the operator or a signal */
};

struct cmd_entry {
	const char	*name;
	const char	*usage;		/* the arguments after the name */
	const char	*summary;	/* one line for bellows --help */
	const char	*help;		/* option list for bellows NAME --help */
	int		(*exec)(const struct cmd_entry *, int, char **);
};

extern const struct cmd_entry cmd_lint_entry;
extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_rollback_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_watch_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_demo_entry;

/* What bellows run / rollback do, for the commands that share it
 * (demo runs its example plan through it). */
struct cmd_run_args {
	const char	*plan;		/* the plan file */
	const char	*conninfo;	/* NULL: libpq's environment */
	const char	*operator;	/* NULL: the login name */
	const char	*rollback_to;	/* rollback: stop after this phase */
	int		 rollback;	/* bellows rollback */
	int		 yes;
	int		 no_tui;
	int		 force;
	int		 verbose;	/* headless: every batch, not every 5 s */
};
/* Runs the plan; *ROLLED_BACK (when not NULL) says whether the run ended
 * rolled back, which exits 0 like a run that went to the end. */
int	cmd_run_plan(const struct cmd_run_args *, int *rolled_back);

/*
 * For the commands that read a run from the journal (status, report,
 * watch): ARG is a run name, or a plan file (ending in .conf) standing for
 * its name.  Connect with application_name APP and load the run with
 * NEVENTS events.  Returns CMD_EXIT_DONE with *C and *RUN set (the caller
 * closes and frees them), or the exit code after saying why on stderr
 * ("bellows NAME: no run named X in database Y", the connection error
 * with its SQLSTATE, the plan's errors).  Never creates the journal.
 */
/*
 * The options of a command that reads one run (status, report): -d,
 * --format=F with F one of FORMATS (NULL-terminated; the first is the
 * default), --help, then one NAME|PLAN.  Returns -1 to go on, with
 * *CONNINFO, *FORMAT (an index into FORMATS) and *ARG set; otherwise the
 * exit code to return (help printed, or the usage error said).
 */
int	cmd_run_options(const struct cmd_entry *, int argc, char **argv,
	    const char *const *formats, const char **conninfo, int *format,
	    const char **arg);

struct conn;
struct journal_run;
int	cmd_open_run(const struct cmd_entry *, const char *arg,
	    const char *conninfo, const char *app, int nevents,
	    struct conn **c, struct journal_run **run);

/* Print "bellows NAME: MESSAGE" and a one-line hint to stderr; returns
 * CMD_EXIT_USAGE for the caller to return. */
int	cmd_usage_error(const struct cmd_entry *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Print the command's usage and help to stdout. */
void	cmd_print_help(const struct cmd_entry *);
/* For commands a later issue builds: say so plainly, exit 2. */
int	cmd_not_built(const struct cmd_entry *, int, char **);

#endif
